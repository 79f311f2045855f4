# Bearer API tokens through the three servers, next to Basic on the same
# daemon: nginx auth_request (RESPONDER), the lighttpd authorizer, and
# Apache's check_authn under a non-Basic AuthType (the shipped
# etc/apache/fcgi-authd.conf with -D FCGI_AUTHD_BEARER). Tokens are made
# with fcgi-authd-passwd --token, as an admin would.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_nginx
need_lighttpd
need_apache
need_cmd openssl openssl
make_fixtures "$T"

REALM="fcgi-authd bearer test"
PASSWD=${FCGI_AUTHD_PASSWD:-$top_builddir/fcgi-authd-passwd}
TOKENS=$T/tokens
GOOD=$("$PASSWD" --token "$TOKENS" ci-bot) || fail_now "--token failed"
OLD=$("$PASSWD" --token "$TOKENS" old-bot --expires 2099-01-01) ||
	fail_now "--token --expires failed"
# The tool refuses a day already begun; time passes by editing the file.
sed -i 's/^\(old-bot:.*:\)2099-01-01$/\12001-01-01/' "$TOKENS"
expect_match "expiry edited" '^old-bot:sha256:[0-9a-f]{64}:[0-9-]{10}:2001-01-01$' \
	"$(grep '^old-bot:' "$TOKENS")"
# Made, then deleted: a token that was real once.
GONE=$("$PASSWD" --token "$TOKENS" gone-bot) || fail_now "--token failed"
"$PASSWD" -D "$TOKENS" gone-bot || fail_now "-D failed"
FIXTURE_TOKENS="$GOOD $OLD $GONE"
expect_match "token format" '^fcat_[0-9A-Za-z]{38}$' "$GOOD"
printf 'deploy: ci-bot\n' >"$T/groups"

# A mistyped token: one character changed, so its checksum fails.
TYPO=$(printf '%s' "$GOOD" | sed 's/^\(fcat_.\)./\1x/')
[ "$TYPO" = "$GOOD" ] && TYPO=$(printf '%s' "$GOOD" | sed 's/^\(fcat_.\)./\1y/')

start_daemon --user-file "$T/users.htpasswd" --token-file "$TOKENS" \
	--group-file "$T/groups" --realm "$REALM"
start_authd tcp:127.0.0.1:0 --user-file "$T/users.htpasswd" \
	--token-file "$TOKENS" --group-file "$T/groups" --realm "$REALM"

mkdir -p "$T/htdocs/protected/cgi" "$T/cgi"
echo "SECRET-STATIC protected index" >"$T/htdocs/protected/index.html"
for d in "$T/htdocs/protected/cgi" "$T/cgi"; do
	cp "$top_srcdir/tests/integration/backend/whoami.cgi" "$d/"
	chmod 0755 "$d/whoami.cgi"
done

# nginx: the shipped site, /protected/ served from $T/htdocs.
N=$T/nginx
mkdir -p "$N/tmp"
nginx_site_setup "$DAEMON_SOCK"
nginx_http() {
	nginx_site_conf
	cat <<EOF
    include $N/site.conf;
    # The application behind /app/: what nginx forwarded to it.
    server {
        listen 127.0.0.1:$UPORT;
        location / {
            return 200 "upstream saw X-Remote-User=[\$http_x_remote_user]\n";
        }
    }
EOF
}
start_nginx_http "PORT UPORT" nginx_http
start_lighttpd "$DAEMON_SOCK"
apache_snippet "127.0.0.1:$AUTHD_PORT" "$REALM"
start_apache bearer APACHE_PORT -D FCGI_AUTHD_BEARER

BOTH="Basic realm=\"$REALM\", charset=\"UTF-8\", Bearer realm=\"$REALM\""

# get SERVER PATH [CURL_ARGS...]: status of a request to SERVER.
get() {
	case $1 in
	nginx) _gbase="https://127.0.0.1:$PORT" ;;
	lighttpd) _gbase="http://127.0.0.1:$LIGHTTPD_PORT" ;;
	apache) _gbase="http://127.0.0.1:$APACHE_PORT" ;;
	esac
	_gpath=$2
	shift 2
	curl_status "$_gbase$_gpath" -k "$@"
}

# refused SERVER NAME STATUS CHALLENGE_REGEX [CURL_ARGS...]
refused() {
	_rs=$1
	_rn=$2
	_rw=$3
	_rc=$4
	shift 4
	expect_eq "$_rs: $_rn: $_rw" "$_rw" "$(get "$_rs" /protected/ "$@")"
	expect_no_match "$_rs: $_rn: no content" SECRET "$(cat "$T/body")"
	expect_match "$_rs: $_rn: challenge" "$_rc" \
		"$(header_value WWW-Authenticate)"
}

for s in nginx lighttpd apache; do
	P=/protected/cgi/whoami.cgi
	[ $s = nginx ] && P=/app/x
	expect_eq "$s: good token" 200 \
		"$(get $s $P -H "Authorization: Bearer $GOOD")"
	expect_match "$s: the backend sees the token's name" \
		'(REMOTE_USER|X-Remote-User)=\[ci-bot\]' "$(cat "$T/body")"
	expect_eq "$s: scheme in any case" 200 \
		"$(get $s $P -H "Authorization: bEaReR $GOOD")"
	expect_eq "$s: Basic still works" 200 \
		"$(get $s $P -u alice:alice-secret)"
	refused $s "no credentials" 401 "^$(printf '%s' "$BOTH" | sed 's/[][\.*^$]/\\&/g')\$"
	refused $s "unknown token" 401 'error="invalid_token", error_description="unknown token"' \
		-H "Authorization: Bearer $GONE"
	refused $s "mistyped token" 401 'error="invalid_token"' \
		-H "Authorization: Bearer $TYPO"
	refused $s "expired token" 401 'error_description="token expired"' \
		-H "Authorization: Bearer $OLD"
done
expect_match "the log names the token, never shows it" \
	'status=200 reason=ok .*user="ci-bot".* scheme=bearer token=ci-bot' \
	"$(cat "$T/authd.log")"
for t in $FIXTURE_TOKENS; do
	expect_no_match "no token in a log" "$t" "$(cat "$T"/authd*.log)"
done
finish
