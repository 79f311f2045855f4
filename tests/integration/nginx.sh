# nginx auth_request -> fastcgi_pass -> fcgi-authd (RESPONDER role), with
# the shipped etc/nginx/fcgi-authd.conf and etc/nginx/site.conf: static
# pages, a proxied application that must learn the verified user, every
# kind of refusal, and fcgi-authd going away.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_nginx
need_cmd openssl openssl
make_fixtures "$T"

REALM="fcgi-authd nginx test"
N=$T/nginx
mkdir -p "$N/tmp" "$T/htdocs/sub"
start_daemon --user-file "$T/users.htpasswd" --realm "$REALM"
SOCK=$DAEMON_SOCK

echo "SECRET-STATIC index" >"$T/htdocs/index.html"
echo "SECRET-STATIC sub page" >"$T/htdocs/sub/page.txt"
nginx_site_setup "$SOCK"

# nginx_http: what goes into http { } (start_nginx_http picks the ports).
nginx_http() {
	nginx_site_conf
	cat <<EOF
    include $N/site.conf;

    # AUTH_ENDPOINT=denial misused as an auth_request location.
    server {
        listen 127.0.0.1:$MPORT;
        root $T/htdocs;
        auth_request /.misuse;
        location = /.misuse {
            internal;
            fastcgi_pass unix:$SOCK;
            fastcgi_pass_request_body off;
            fastcgi_param CONTENT_LENGTH "";
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param DOCUMENT_URI \$document_uri;
            fastcgi_param REMOTE_ADDR \$remote_addr;
            fastcgi_param AUTH_ENDPOINT denial;
            fastcgi_param AUTH_STATUS \$status;
        }
    }

    # The "application" behind /app/: echoes what nginx forwarded to it.
    server {
        listen 127.0.0.1:$UPORT;
        location / {
            return 200 "upstream saw X-Remote-User=[\$http_x_remote_user] Authorization=[\$http_authorization] uri=[\$request_uri]\n";
        }
    }
EOF
}
start_nginx_http "PORT UPORT MPORT" nginx_http

BASE=https://127.0.0.1:$PORT

# get PATH [CURL_ARGS...]: HTTPS request to the test server, prints status.
get() {
	_gpath=$1
	shift
	curl_status "$BASE$_gpath" -k "$@"
}

# denied NAME EXPECTED_STATUS PATH [CURL_ARGS...]: refused, and none of the
# protected content or upstream answer leaks into the response.
denied() {
	_dname=$1
	_dwant=$2
	shift 2
	expect_eq "$_dname: $_dwant" "$_dwant" "$(get "$@")"
	expect_no_match "$_dname: no content" 'SECRET|upstream saw' "$(cat "$T/body")"
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

dd if=/dev/zero of="$T/upload" bs=1024 count=1024 2>/dev/null
challenged "no credentials" /
challenged "no credentials, missing file (401, not 404)" /no/such/file
challenged "no credentials, application" /app/x

for pair in $FIXTURE_USERS; do
	user=${pair%%:*}
	expect_eq "$user: static 200" 200 "$(get / -u "$pair")"
	expect_match "$user: static page" '^SECRET-STATIC index$' "$(cat "$T/body")"
	expect_eq "$user: application 200" 200 "$(get /app/x?q=1 -u "$pair")"
	expect_match "$user: application sees the user" \
		"X-Remote-User=\\[$user\\] Authorization=\\[\\] uri=\\[/app/x\\?q=1\\]" \
		"$(cat "$T/body")"
	challenged "$user: wrong password" / -u "$user:wrong-${pair#*:}"
done
expect_eq "sub folder 200" 200 "$(get /sub/page.txt -u alice:alice-secret)"
expect_eq "missing file with credentials: 404" 404 \
	"$(get /no/such/file -u alice:alice-secret)"

for pair in $FIXTURE_LOCKED; do
	challenged "locked ${pair%%:*}" / -u "$pair"
done
challenged "unknown user" / -u mallory:alice-secret
challenged "empty user" / -u :alice-secret
challenged "empty password" / -u alice:

# Malformed credentials: nginx passes only 401/403 through, so fcgi-authd
# must answer 401 in the RESPONDER role (anything else would become 500).
challenged "malformed: bad base64" / -H "Authorization: Basic !!!"
challenged "malformed: no colon" / -H "Authorization: Basic $(b64 alicealice-secret)"
challenged "malformed: no token" / -H "Authorization: Basic"
challenged "other scheme" / -H "Authorization: Bearer abc.def"

# Spoofing: headers that look like identities are client input.
challenged "Remote-User header" / -H "Remote-User: alice"
challenged "X-Remote-User header" /app/x -H "X-Remote-User: alice"
challenged "Remote-User with a wrong password" / -H "Remote-User: alice" \
	-u alice:wrong
expect_eq "bob claiming alice: 200" 200 \
	"$(get /app/x -u bob:bob-secret -H "X-Remote-User: alice")"
expect_match "bob claiming alice: application sees bob only" \
	'X-Remote-User=\[bob\] ' "$(cat "$T/body")"
# What nginx would send with Debian's stock fastcgi_params included:
# REMOTE_USER set from the unverified Basic name.
out=$(fcgi --role responder "unix:$SOCK" REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 \
	REMOTE_USER=alice)
expect_eq "stock params shape, no password: 401" 401 "$(status_of "$out")"
out=$(fcgi --role responder "unix:$SOCK" REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 \
	REMOTE_USER=alice HTTP_AUTHORIZATION="Basic $(b64 alice:wrong)")
expect_eq "stock params shape, wrong password: 401" 401 "$(status_of "$out")"

# fcgi-authd's explanation instead of nginx's bare page: error_page sends
# the refusal to @fcgi_authd_denied (AUTH_ENDPOINT=denial, AUTH_STATUS
# $status); nginx keeps its status and auth_request's challenge.
challenged "denial page: HTML" /sub/page.txt
expect_match "denial page: HTML type" '^text/html' "$(header_value Content-Type)"
expect_match "denial page: HTML body" '<h1>Sign-in required</h1>' "$(cat "$T/body")"
expect_no_match "denial page: not nginx's" 'nginx' "$(cat "$T/body")"
challenged "denial page: JSON" / -H "Accept: application/json"
expect_eq "denial page: JSON type" application/problem+json "$(header_value Content-Type)"
expect_match "denial page: JSON body" \
	'^\{"type":"about:blank","title":"Sign-in required","status":401,' "$(cat "$T/body")"
challenged "denial page: text, wrong password" /app/x -H "Accept: text/plain" \
	-u alice:wrong
expect_match "denial page: text body" '^Sign-in required$' "$(cat "$T/body")"
challenged "denial page: POST" /app/x --data-binary "@$T/upload"
expect_match "denial page: POST body" 'Sign-in required' "$(cat "$T/body")"
# No way around it: the named location has no URI, and client headers
# that look like the parameters change nothing.
challenged "named location by URI" /@fcgi_authd_denied
challenged "named location, encoded" /%40fcgi_authd_denied
challenged "Auth-Endpoint/Auth-Status headers" / -H "Auth-Endpoint: denial" \
	-H "Auth-Status: 200"
expect_eq "Auth-Endpoint header with credentials: the page" 200 \
	"$(get / -u alice:alice-secret -H "Auth-Endpoint: denial" -H "Auth-Status: 200")"
expect_match "Auth-Endpoint header with credentials: static page" \
	'^SECRET-STATIC index$' "$(cat "$T/body")"
# AUTH_ENDPOINT=denial misused as the auth_request location (MPORT):
# never a 200, whatever the credentials.
expect_match "denial as auth_request: 5xx" '^5[0-9][0-9]$' \
	"$(curl_status "http://127.0.0.1:$MPORT/" -u alice:alice-secret)"
expect_no_match "denial as auth_request: no content" 'SECRET' "$(cat "$T/body")"
# The same shapes straight over FastCGI: a subrequest (DOCUMENT_URI is the
# auth location), a status that is no refusal, the authorizer role.
for st in 200 204 302 000 ""; do
	out=$(fcgi --role responder "unix:$SOCK" AUTH_ENDPOINT=denial \
		AUTH_STATUS="$st" REQUEST_URI=/ DOCUMENT_URI=/.fcgi-authd \
		REMOTE_ADDR=127.0.0.1 HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")
	expect_eq "denial, AUTH_STATUS=[$st]: 500" 500 "$(status_of "$out")"
done
out=$(fcgi --role responder "unix:$SOCK" AUTH_ENDPOINT=denial AUTH_STATUS=403 \
	REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 HTTP_ACCEPT=text/plain)
expect_eq "denial 403: 403" 403 "$(status_of "$out")"
expect_match "denial 403: text" '^Not allowed here' "$out"
expect_no_match "denial 403: no challenge" '^WWW-Authenticate' "$out"
out=$(fcgi --role authorizer "unix:$SOCK" AUTH_ENDPOINT=denial AUTH_STATUS=401 \
	REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")
expect_eq "denial in the authorizer role: 500" 500 "$(status_of "$out")"

# The auth location itself is internal.
expect_eq "/.fcgi-authd from outside: 404" 404 \
	"$(get /.fcgi-authd -u alice:alice-secret)"

# Bodies are never sent to fcgi-authd (fastcgi_pass_request_body off).
denied "upload without credentials" 401 /app/x --data-binary "@$T/upload"
expect_eq "upload with credentials: 200" 200 \
	"$(get /app/x -u carol:carol-secret --data-binary "@$T/upload")"

# fcgi-authd gone: nginx must fail closed.
stop_pid "$AUTHD_PID"
code=$(get / -u alice:alice-secret)
expect_match "fcgi-authd stopped: 5xx" '^5[0-9][0-9]$' "$code"
expect_no_match "fcgi-authd stopped: no content" 'SECRET|upstream saw' "$(cat "$T/body")"
code=$(get /app/x -u alice:alice-secret)
expect_match "fcgi-authd stopped, application: 5xx" '^5[0-9][0-9]$' "$code"
expect_no_match "fcgi-authd stopped, application: no content" \
	'SECRET|upstream saw' "$(cat "$T/body")"

finish
