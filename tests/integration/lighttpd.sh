# lighttpd mod_fastcgi "mode" => "authorizer" -> fcgi-authd (AUTHORIZER
# role), with the shipped etc/lighttpd/fcgi-authd.conf protecting a static
# folder and a CGI that must see the verified REMOTE_USER.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_lighttpd
make_fixtures "$T"

REALM="fcgi-authd lighttpd test"
start_daemon --user-file "$T/users.htpasswd" --realm "$REALM"

mkdir -p "$T/htdocs/protected/cgi" "$T/htdocs/public"
echo "SECRET-STATIC protected index" >"$T/htdocs/protected/index.html"
echo "public page" >"$T/htdocs/public/index.html"
cp "$top_srcdir/tests/integration/backend/whoami.cgi" "$T/htdocs/protected/cgi/"
chmod 0755 "$T/htdocs/protected/cgi/whoami.cgi"
start_lighttpd "$DAEMON_SOCK"

BASE=http://127.0.0.1:$LIGHTTPD_PORT
P=/protected

get() {
	_gpath=$1
	shift
	curl_status "$BASE$_gpath" "$@"
}

# denied NAME EXPECTED_STATUS PATH [CURL_ARGS...]
denied() {
	_dname=$1
	_dwant=$2
	shift 2
	expect_eq "$_dname: $_dwant" "$_dwant" "$(get "$@")"
	expect_no_match "$_dname: no content" 'SECRET' "$(cat "$T/body")"
}

# challenged NAME PATH [CURL_ARGS...]: 401 with exactly one challenge.
challenged() {
	_cname=$1
	shift
	denied "$_cname" 401 "$@"
	expect_eq "$_cname: one WWW-Authenticate" 1 "$(header_count WWW-Authenticate)"
	expect_eq "$_cname: challenge" "Basic realm=\"$REALM\", charset=\"UTF-8\"" \
		"$(header_value WWW-Authenticate)"
}

expect_eq "public page: 200" 200 "$(get /public/)"
challenged "no credentials" $P/
challenged "no credentials, missing file (check-local disabled)" $P/no/such/file
challenged "no credentials, CGI" $P/cgi/whoami.cgi

for pair in $FIXTURE_USERS; do
	user=${pair%%:*}
	expect_eq "$user: static 200" 200 "$(get $P/ -u "$pair")"
	expect_match "$user: static page" '^SECRET-STATIC' "$(cat "$T/body")"
	expect_eq "$user: CGI 200" 200 "$(get $P/cgi/whoami.cgi -u "$pair")"
	expect_match "$user: CGI sees REMOTE_USER" "^REMOTE_USER=\\[$user\\]\$" \
		"$(cat "$T/body")"
	challenged "$user: wrong password" $P/ -u "$user:wrong-${pair#*:}"
done
expect_eq "missing file with credentials: 404" 404 \
	"$(get $P/no/such/file -u alice:alice-secret)"

for pair in $FIXTURE_LOCKED; do
	challenged "locked ${pair%%:*}" $P/ -u "$pair"
done
challenged "unknown user" $P/ -u mallory:alice-secret
challenged "empty password" $P/ -u alice:
challenged "other scheme" $P/ -H "Authorization: Bearer abc.def"

# Garbled Basic credentials (an empty user name included): lighttpd hands
# the authorizer's 400 on as is.
denied "malformed: bad base64" 400 $P/ -H "Authorization: Basic !!!"
denied "malformed: no colon" 400 $P/ -H "Authorization: Basic $(b64 alicealice-secret)"
denied "malformed: empty user" 400 $P/ -u :alice-secret

# Spoofing and path tricks.
challenged "Remote-User header" $P/ -H "Remote-User: alice"
expect_eq "bob claiming alice: 200" 200 \
	"$(get $P/cgi/whoami.cgi -u bob:bob-secret -H "Remote-User: alice")"
expect_match "bob claiming alice: CGI sees bob" '^REMOTE_USER=\[bob\]$' "$(cat "$T/body")"
challenged "percent-encoded prefix" /%70rotected/index.html
challenged "doubled slash" //protected/index.html
challenged "dot-dot from a public folder" /public/../protected/index.html --path-as-is

# fcgi-authd gone: lighttpd must fail closed.
stop_pid "$DAEMON_PID"
code=$(get $P/ -u alice:alice-secret)
expect_match "fcgi-authd stopped: 5xx" '^5[0-9][0-9]$' "$code"
expect_no_match "fcgi-authd stopped: no content" 'SECRET' "$(cat "$T/body")"
code=$(get $P/cgi/whoami.cgi -u alice:alice-secret)
expect_match "fcgi-authd stopped, CGI: 5xx" '^5[0-9][0-9]$' "$code"
expect_no_match "fcgi-authd stopped, CGI: no content" 'SECRET' "$(cat "$T/body")"

# lighttpd buffers its access log: read it once lighttpd has stopped.
stop_pid "$LIGHTTPD_PID"
expect_match "access log names the verified user" \
	'^127\.0\.0\.1 bob "GET /protected/ ' "$(cat "$T/lighttpd-access.log")"

finish
