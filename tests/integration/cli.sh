# The command line and the config file: --help, -V, -t, precedence, start-up
# refusals, and the unix socket file rules (stale replaced, live refused).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"
U=$T/users.htpasswd

out=$("$FCGI_AUTHD" --help 2>&1)
expect_eq "--help exits 0" 0 $?
for key in listen user-file realm threads socket-mode socket-group \
    allow-plaintext allow-des log-level; do
	expect_match "--help lists --$key" "--$key" "$out"
done
expect_match "-V prints the version" '^fcgi-authd [0-9]+\.[0-9]+' \
	"$("$FCGI_AUTHD" -V)"

"$FCGI_AUTHD" --no-such-option >/dev/null 2>&1
expect_eq "an unknown option is a usage error" 2 $?

# -t: a good configuration.
cat >"$T/good.conf" <<CONF
# comment
user_file = $U
realm = "Staff only"   # trailing comment
threads = 2
CONF
out=$("$FCGI_AUTHD" -c "$T/good.conf" -t 2>&1)
expect_eq "-t on a good config exits 0" 0 $?
expect_match "-t reports the users" 'profile default: 10 users, 9 usable' "$out"
expect_match "-t ends with OK" 'configuration OK$' "$out"

# -t: a bad key and a bad value, reported with file:line; exit 1.
cat >"$T/bad.conf" <<CONF
user_file = $U
threads = many
colour = blue
CONF
out=$("$FCGI_AUTHD" -c "$T/bad.conf" -t 2>&1)
expect_eq "-t on a bad config exits 1" 1 $?
expect_match "bad value named with file:line" "bad.conf:2: threads" "$out"
expect_match "unknown key named with file:line" "bad.conf:3: unknown key 'colour'" "$out"

# -t: the socket settings are checked too, without opening anything.
out=$("$FCGI_AUTHD" --user-file "$U" --listen tcp:localhost:9000 -t 2>&1)
expect_eq "-t with a bad --listen exits 1" 1 $?
expect_match "-t names the bad address" "bad address 'localhost:9000'" "$out"
out=$("$FCGI_AUTHD" --user-file "$U" --listen "unix:$T/t.sock" \
	--socket-group no-such-group-here -t 2>&1)
expect_eq "-t with an unknown socket group exits 1" 1 $?
expect_match "-t names the group" "no group 'no-such-group-here'" "$out"
[ -e "$T/t.sock" ] && not_ok "-t opens no socket" "$T/t.sock exists" ||
	ok "-t opens no socket"

# -t with profiles, groups and path rules: one line per profile, and a
# warning for a group no group file defines.
printf 'admins: alice\n' >"$T/groups"
cat >"$T/policy.conf" <<CONF
[profile staff]
user_file = $U
group_file = $T/groups
require = group admins | group nosuch
[path /Reports/]
require = user alice
CONF
out=$("$FCGI_AUTHD" -c "$T/policy.conf" -t 2>&1)
expect_eq "-t with only named profiles exits 0" 0 $?
expect_match "-t: the default profile needs AUTH_PROFILE" \
	'profile default: no user file' "$out"
expect_match "-t: the named profile" \
	'profile staff: 10 users, 9 usable, 1 groups; realm "Restricted"; require group admins \| group nosuch' "$out"
expect_match "-t: the path rule, normalised" 'path /reports/: require user alice' "$out"
expect_match "-t: an undefined group is named" "group 'nosuch' is not defined" "$out"
printf '[profile x]\nrequire = group\n' >"$T/badrule.conf"
out=$("$FCGI_AUTHD" -c "$T/badrule.conf" --user-file "$U" -t 2>&1)
expect_eq "-t with a bad rule exits 1" 1 $?
expect_match "-t names the rule's line" "badrule.conf:2: require: 'group' needs at least one name" "$out"

# -t: no user file.
out=$("$FCGI_AUTHD" -t 2>&1)
expect_eq "-t without a user file exits 1" 1 $?
expect_match "says how to name the user file" "user_file|--user-file" "$out"

# -t: a user file that cannot be read, and a malformed one.
out=$("$FCGI_AUTHD" --user-file "$T/missing" -t 2>&1)
expect_eq "-t with a missing user file exits 1" 1 $?
expect_match "names the missing file" "$T/missing" "$out"
secret_hash=$(sed -n 's/^carol://p' "$U")
{
	cat "$U"
	echo "no colon on this line"
} >"$T/broken.htpasswd"
out=$("$FCGI_AUTHD" --user-file "$T/broken.htpasswd" -t 2>&1)
expect_eq "-t with a malformed user file exits 1" 1 $?
expect_match "malformed line named with file:line" \
	"broken.htpasswd:$(($(wc -l <"$U") + 1)):" "$out"
expect_no_match "diagnostics never show a hash" "$(printf '%s' "$secret_hash" | sed 's/[$.*/]/./g')" "$out"

# Command line beats file beats default, seen in the CGI answer's challenge.
chall() {
	env -i GATEWAY_INTERFACE=CGI/1.1 "$FCGI_AUTHD" "$@" 2>/dev/null |
		tr -d '\r' | sed -n 's/^WWW-Authenticate: //p'
}
expect_eq "built-in realm" 'Basic realm="Restricted", charset="UTF-8"' \
	"$(chall --user-file "$U")"
expect_eq "file realm" 'Basic realm="Staff only", charset="UTF-8"' \
	"$(chall -c "$T/good.conf")"
expect_eq "command line realm beats the file" \
	'Basic realm="Ops \"A\"", charset="UTF-8"' \
	"$(chall -c "$T/good.conf" --realm 'Ops "A"')"

# Nothing to serve on: exit 1 with a message that says how to start it.
out=$("$FCGI_AUTHD" --allow-root yes --user-file "$U" </dev/null 2>&1)
expect_eq "no socket and no CGI exits 1" 1 $?
expect_match "says how to start it" "--listen .*spawn-fcgi" "$out"

out=$("$FCGI_AUTHD" --allow-root yes --user-file "$U" --listen tcp:127.0.0.1:99999 2>&1)
expect_eq "a bad port is refused" 1 $?
expect_match "names the bad address" "127.0.0.1:99999" "$out"
out=$("$FCGI_AUTHD" --allow-root yes --user-file "$U" --listen unix:relative.sock 2>&1)
expect_eq "a relative socket path is refused" 1 $?

# A live socket is not taken over; a stale one is replaced.
S=$T/authd.sock
start_authd "unix:$S" --user-file "$U" --threads 2
first=$AUTHD_PID
out=$("$FCGI_AUTHD" --allow-root yes --user-file "$U" --listen "unix:$S" 2>&1 </dev/null)
expect_eq "a second daemon on a live socket exits 1" 1 $?
expect_match "says someone listens there" "another process is listening" "$out"
expect_eq "the live daemon still answers" 401 \
	"$(status_of "$(fcgi "unix:$S" REMOTE_ADDR=127.0.0.1)")"
kill -KILL "$first"
wait "$first" 2>/dev/null
[ -S "$S" ] && ok "a killed daemon leaves its socket file" ||
	not_ok "a killed daemon leaves its socket file" "no file at $S"
start_authd "unix:$S" --user-file "$U" --threads 2
expect_eq "a stale socket file is replaced" 401 \
	"$(status_of "$(fcgi "unix:$S" REMOTE_ADDR=127.0.0.1)")"
expect_eq "socket mode defaults to 0660" 660 "$(stat -c %a "$S")"
kill -TERM "$AUTHD_PID"
wait "$AUTHD_PID" 2>/dev/null
expect_eq "SIGTERM: clean exit" 0 $?
[ -e "$S" ] && not_ok "SIGTERM removes the socket file" "$S is still there" ||
	ok "SIGTERM removes the socket file"

# As root: serving is refused unless told whom to become (or allowed).
if [ "$(id -u)" = 0 ]; then
	out=$("$FCGI_AUTHD" --user-file "$U" --listen "unix:$T/root.sock" \
		</dev/null 2>&1)
	expect_eq "as root without user: exit 1" 1 $?
	expect_match "says how to fix it" "refusing to serve as root: set user" "$out"
	[ -e "$T/root.sock" ] && not_ok "refused before the socket" "it was created" ||
		ok "refused before the socket"
	out=$("$FCGI_AUTHD" --user-file "$U" --listen "unix:$T/root.sock" \
		--user no-such-user-here </dev/null 2>&1)
	expect_eq "unknown user: exit 1" 1 $?
	out=$("$FCGI_AUTHD" --user-file "$U" --user no-such-user-here -t 2>&1)
	expect_eq "-t checks the user" 1 $?
	chmod 0644 "$U"
	"$FCGI_AUTHD" --user-file "$U" --listen "unix:$T/drop.sock" \
		--user www-data --socket-mode 0666 >"$T/drop.log" 2>&1 </dev/null &
	drop=$!
	bg_pid $drop
	wait_ready $drop "$T/drop.log" unix "$T/drop.sock"
	expect_eq "switched to www-data" www-data \
		"$(ps -o user= -p $drop | tr -d ' ')"
	expect_eq "and still answers" 200 "$(status_of "$(fcgi "unix:$T/drop.sock" \
		HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")")"
	expect_match "the switch is logged" 'running as www-data' "$(cat "$T/drop.log")"
	expect_match "a world-readable user file is warned about" \
		'readable by every local user' "$(cat "$T/drop.log")"
	stop_pid $drop
else
	ok "not root: nothing to refuse"
fi

: >"$T/regular"
out=$("$FCGI_AUTHD" --allow-root yes --user-file "$U" --listen "unix:$T/regular" 2>&1)
expect_eq "a regular file in the way is not removed" 1 $?
[ -f "$T/regular" ] && ok "the regular file is still there" ||
	not_ok "the regular file is still there" "it was removed"

finish
