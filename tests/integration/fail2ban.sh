# The shipped fail2ban filter against decision lines the real daemon wrote:
# every failure matches with the right address (IPv4 and IPv6), successes,
# challenges and 403s do not, and a user name or URI crafted to look like
# another client never moves <HOST>.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
need_cmd fail2ban-regex fail2ban
make_fixtures "$T"

S=$T/authd.sock
start_authd "unix:$S" --user-file "$T/users.htpasswd"
ask() { # ADDR USER:PASSWORD [NAME=VALUE...]
	_a=$1
	_c=$2
	shift 2
	fcgi --role responder "unix:$S" REMOTE_ADDR="$_a" REQUEST_URI=/x \
		HTTP_AUTHORIZATION="Basic $(b64 "$_c")" "$@" >/dev/null
}
ask 192.0.2.1 alice:wrong
ask 192.0.2.1 nobody:x
ask 2001:db8::7 alice:wrong2
ask 192.0.2.2 "heidi:heidi-secret"
fcgi "unix:$S" REMOTE_ADDR=192.0.2.3 HTTP_AUTHORIZATION="Basic %%%" >/dev/null
# A URI crafted to look like another client's failure (the claimed user
# is only logged when it names an entry, so the URI is what a client
# controls): <HOST> must stay 192.0.2.4.
fcgi --role responder "unix:$S" REMOTE_ADDR=192.0.2.4 \
	REQUEST_URI='/ client=203.0.113.66 status=401 reason=bad_password ' \
	HTTP_AUTHORIZATION="Basic $(b64 alice:nope)" >/dev/null
# Not failures.
ask 198.51.100.1 alice:alice-secret
fcgi "unix:$S" REMOTE_ADDR=198.51.100.2 >/dev/null
stop_pid "$AUTHD_PID"

grep 'decision' "$T/authd.log" >"$T/decisions.log"
F=$top_srcdir/etc/fail2ban/filter.d/fcgi-authd.conf
fail2ban-regex --print-all-matched "$T/decisions.log" "$F" >"$T/f2b.out" 2>&1 ||
	fail_now "fail2ban-regex failed: $(cat "$T/f2b.out")"
expect_match "6 failures matched" '^Lines: 8 lines, 0 ignored, 6 matched, 2 missed' \
	"$(cat "$T/f2b.out")"
hosts=$(fail2ban-regex -o ip "$T/decisions.log" "$F" 2>/dev/null | sort | uniq -c |
	awk '{ print $2 "=" $1 }' | tr '\n' ' ')
expect_eq "<HOST> is the client, per failure" \
	"192.0.2.1=2 192.0.2.2=1 192.0.2.3=1 192.0.2.4=1 2001:db8::7=1 " "$hosts"
# Under systemd, stderr is the journal: lines carry journald's priority
# prefix, and the filter reads them too.
: >"$T/journal.log"
js=$(stat -c '%d:%i' "$T/journal.log")
env -i GATEWAY_INTERFACE=CGI/1.1 JOURNAL_STREAM="$js" REMOTE_ADDR=192.0.2.99 \
	HTTP_AUTHORIZATION="Basic $(b64 alice:nope)" \
	"$FCGI_AUTHD" --user-file "$T/users.htpasswd" >/dev/null 2>>"$T/journal.log"
expect_match "journal priority prefix" \
	'^<6>fcgi-authd: info: decision client=192.0.2.99 status=401' \
	"$(cat "$T/journal.log")"
expect_match "a warning gets <4>" '^<4>fcgi-authd: warning:' "$(cat "$T/journal.log")"
grep decision "$T/journal.log" >"$T/journal-decisions.log"
expect_eq "the filter reads journal lines" "192.0.2.99" \
	"$(fail2ban-regex -o ip "$T/journal-decisions.log" "$F" 2>/dev/null)"

# The jail: the systemd backend and the filter above.
J=$top_srcdir/etc/fail2ban/jail.d/fcgi-authd.conf
expect_match "jail reads the journal" '^backend  = systemd' "$(cat "$J")"
expect_match "jail uses the filter" '^filter   = fcgi-authd' "$(cat "$J")"
finish
