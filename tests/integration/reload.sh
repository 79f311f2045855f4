# The cache and reloads through the real nginx: a cached user with a wrong
# password is refused; a password changed, a user removed, a file replaced
# by one that does not load (malformed, empty, missing, a directory): every
# 200 matches the file as it is, and a broken file keeps the last good one.
# SIGHUP reloads at once.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_nginx
need_cmd openssl openssl
make_fixtures "$T"

U=$T/users.htpasswd
mkdir -p "$T/htdocs"
echo "SECRET page" >"$T/htdocs/index.html"

start_daemon --user-file "$U" --cache-ttl 300
start_nginx "$DAEMON_SOCK"
PORT=$NGINX_PORT

get() {
	curl_status "http://127.0.0.1:$PORT/" -u "$1"
}

# wait_status CRED WANT NAME: the answer becomes WANT within 5 s (reloads
# are noticed about once a second).
wait_status() {
	_i=0
	while [ $_i -lt 50 ]; do
		[ "$(get "$1")" = "$2" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	expect_eq "$3" "$2" "$(get "$1")"
}

# The cache: a second request is a hit; a wrong password is not.
expect_eq "bob: 200" 200 "$(get bob:bob-secret)"
expect_eq "bob again: 200 (cached)" 200 "$(get bob:bob-secret)"
expect_eq "bob, wrong password: 401" 401 "$(get bob:bob-secreT)"
expect_eq "bob, wrong password again: 401" 401 "$(get bob:bob-secreT)"

# A changed password refuses the cached old one as soon as it is seen.
{
	grep -v '^bob:' "$U"
	htpasswd -nbB -C 5 bob bob-new | sed '/^$/d'
} >"$T/new" && mv "$T/new" "$U"
wait_status bob:bob-secret 401 "changed password: the old one refused"
expect_eq "changed password: the new one accepted" 200 "$(get bob:bob-new)"

# A removed user is refused, although cached.
expect_eq "carol: 200" 200 "$(get carol:carol-secret)"
grep -v '^carol:' "$U" >"$T/new" && mv "$T/new" "$U"
wait_status carol:carol-secret 401 "removed user refused"

# A file that does not load keeps the last good one, whatever it became.
good=$(cat "$U")
for breakage in malformed empty missing directory; do
	failed=$(log_count "$T/authd.log" 'reload failed')
	loaded=$(log_count "$T/authd.log" 'reloaded \(files changed\)')
	case $breakage in
	malformed) printf 'no colon here\n' >"$U" ;;
	empty) : >"$U" ;;
	missing) rm -f "$U" ;;
	directory) rm -f "$U" && mkdir "$U" ;;
	esac
	# Until the check has seen it (at most every second), not a fixed sleep.
	wait_for 5 log_grew "$T/authd.log" 'reload failed' "$failed" ||
		not_ok "$breakage file: no reload failure logged" "within 5 s"
	expect_eq "$breakage file: alice still passes" 200 "$(get alice:alice-secret)"
	expect_eq "$breakage file: a wrong password still fails" 401 \
		"$(get alice:wrong)"
	rm -rf "$U"
	printf '%s\n' "$good" >"$U"
	wait_for 5 log_grew "$T/authd.log" 'reloaded \(files changed\)' "$loaded" ||
		not_ok "$breakage file: the good file not reloaded" "within 5 s"
done
expect_match "reload failures are logged" 'reload failed' "$(cat "$T/authd.log")"

# SIGHUP: reloads at once (no need to wait for the check).
{
	grep -v '^dave:' "$U"
	echo "dave:$(openssl passwd -6 dave-hup)"
} >"$T/new" && cat "$T/new" >"$U"
kill -HUP "$AUTHD_PID"
wait_status dave:dave-hup 200 "SIGHUP: the new password works"
expect_match "SIGHUP is logged" 'reloaded \(SIGHUP\)' "$(cat "$T/authd.log")"

finish
