# fcgi-authd started by spawn-fcgi: no --listen, the listening unix socket
# arrives on fd 0 as in any spawn-fcgi or init-script setup.  Queried with
# our client in both roles.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_cmd spawn-fcgi spawn-fcgi
make_fixtures "$T"
need_www_data_reach

SOCK=$T/authd.sock
PIDFILE=$T/authd.pid
# As root, let spawn-fcgi hand the socket to www-data and run the daemon as
# www-data, the way it is deployed behind nginx or lighttpd.
if is_root; then
	set -- -u www-data -g www-data -U www-data -G www-data
else
	set --
fi
# spawn-fcgi forks the daemon, writes its pid and exits; the daemon's
# output is appended to authd.log like start_authd's.
spawn-fcgi -s "$SOCK" -M 0660 -P "$PIDFILE" "$@" -- \
	"$FCGI_AUTHD" --user-file "$T/users.htpasswd" --realm "spawn-fcgi test" \
	>>"$T/authd.log" 2>&1 </dev/null ||
	fail_now "spawn-fcgi could not start fcgi-authd"
[ -s "$PIDFILE" ] || fail_now "spawn-fcgi wrote no pid file"
AUTHD_PID=$(cat "$PIDFILE")
bg_pid "$AUTHD_PID"
wait_ready "$AUTHD_PID" "$T/authd.log" unix "$SOCK"

expect_eq "socket mode set by spawn-fcgi" 660 "$(stat -c %a "$SOCK")"
if is_root; then
	expect_eq "socket owner set by spawn-fcgi" www-data:www-data \
		"$(stat -c %U:%G "$SOCK")"
	expect_eq "daemon runs as www-data" www-data \
		"$(ps -o user= -p "$AUTHD_PID" | tr -d ' ')"
fi

A=unix:$SOCK
for role in responder authorizer; do
	out=$(fcgi --role $role "$A" REMOTE_ADDR=127.0.0.1 REQUEST_URI=/x \
		HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)" | tr -d '\r')
	expect_eq "$role: alice 200" 200 "$(status_of "$out")"
	expect_match "$role: alice identified" '^Variable-REMOTE_USER: alice$' "$out"
	out=$(fcgi --role $role "$A" REMOTE_ADDR=127.0.0.1 REQUEST_URI=/x \
		HTTP_AUTHORIZATION="Basic $(b64 alice:wrong)" | tr -d '\r')
	expect_eq "$role: wrong password 401" 401 "$(status_of "$out")"
	expect_match "$role: challenge" \
		'^WWW-Authenticate: Basic realm="spawn-fcgi test", charset="UTF-8"$' "$out"
	expect_no_match "$role: nobody identified" '^Variable-REMOTE_USER' "$out"
done
out=$(fcgi --role authorizer "$A" REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="Basic $(b64 zoë:zoë-pass)" | tr -d '\r')
expect_eq "UTF-8 user 200" 200 "$(status_of "$out")"

# The daemon still serves after many requests on the inherited socket.
n=0
while [ $n -lt 20 ]; do
	fcgi --role responder "$A" REMOTE_ADDR=127.0.0.1 \
		HTTP_AUTHORIZATION="Basic $(b64 bob:bob-secret)" >"$T/loop.out" 2>&1
	n=$((n + 1))
done
expect_eq "still serving after 20 requests" 200 "$(status_of "$(cat "$T/loop.out")")"

finish
