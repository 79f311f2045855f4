# Started with CGI variables and no socket, fcgi-authd answers once as a
# plain CGI program on stdout.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"
U=$T/users.htpasswd

cgi() {
	env -i GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=127.0.0.1 \
		REQUEST_URI=/private/ "$@" "$FCGI_AUTHD" --user-file "$U" \
		--realm "CGI test" </dev/null 2>"$T/cgi.log"
}

out=$(cgi HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")
expect_eq "right password: exit 0" 0 $?
expect_eq "right password: 200" 200 "$(status_of "$out")"
expect_match "Status is the first line" '^Status: 200' "$(printf '%s\n' "$out" | head -n 1)"
expect_match "REMOTE_USER variable" '^Variable-REMOTE_USER: alice' "$(printf '%s' "$out" | tr -d '\r')"
expect_match "no-store" '^Cache-Control: no-store' "$(printf '%s' "$out" | tr -d '\r')"

out=$(cgi HTTP_AUTHORIZATION="Basic $(b64 alice:wrong)")
expect_eq "wrong password: 401" 401 "$(status_of "$out")"
expect_match "challenge with the realm" \
	'^WWW-Authenticate: Basic realm="CGI test", charset="UTF-8"' \
	"$(printf '%s' "$out" | tr -d '\r')"
expect_no_match "no identity on a denial" 'Variable-' "$out"

out=$(cgi)
expect_eq "no credentials: 401" 401 "$(status_of "$out")"
out=$(cgi HTTP_AUTHORIZATION="Basic not-base64")
expect_eq "malformed: 400 for a CGI caller" 400 "$(status_of "$out")"
out=$(cgi HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)" REMOTE_USER=bob)
expect_eq "REMOTE_USER does not change who is checked" \
	"Variable-REMOTE_USER: alice" \
	"$(printf '%s' "$out" | tr -d '\r' | grep '^Variable-REMOTE_USER')"
expect_match "the decision is logged" 'client=127.0.0.1 status=200 reason=ok' \
	"$(cat "$T/cgi.log")"
expect_no_match "the password is never logged" 'alice-secret' \
	"$(cat "$T/cgi.log")"

finish
