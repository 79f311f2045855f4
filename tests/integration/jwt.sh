# JWT Bearer tokens checked against a JWK Set file, through the three
# servers, next to Basic on the same daemons: nginx auth_request (the
# shipped site), the lighttpd authorizer, and Apache's check_authn under
# the shipped etc/apache/fcgi-authd.conf with -D FCGI_AUTHD_BEARER. Keys,
# JWKs and tokens are made by tests/jwt-mint (tests/jwt/jose.h, OpenSSL),
# as an identity provider would. Then the key rotation (a reload drops
# even a cached token of a removed key), the metrics, and the regulation
# of bad tokens on a daemon of their own.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_nginx
need_lighttpd
# setenvif: the shipped /protected/staff/ location (AUTH_REQUIRE).
need_apache setenvif
need_cmd openssl openssl
make_fixtures "$T"

MINT=$top_builddir/tests/jwt-mint
[ -x "$MINT" ] || hard_error "$MINT is not built: run the tests with make check"

REALM="fcgi-authd jwt test"
ISS=https://idp.test.example
AUD=fcgi-authd-test
NOW=$(date +%s)
EXP=$((NOW + 600))
mkdir -p "$T/keys"

# key ALG NAME: a key for ALG in $T/keys/NAME.pem.
key() {
	"$MINT" key "$1" "$T/keys/$2.pem" || fail_now "jwt-mint key $1 failed"
}

# jwk NAME KID: the public JWK of key NAME with kid KID.
jwk() {
	"$MINT" jwk "$T/keys/$1.pem" "$2" || fail_now "jwt-mint jwk $1 failed"
}

# claims ISS AUD SUB EXP JTI [MEMBERS]: a payload; ISS and AUD are JSON.
claims() {
	printf '{"iss":%s,"aud":%s,"sub":"%s","iat":%s,"exp":%s,"jti":"%s"%s}' \
		"$1" "$2" "$3" "$NOW" "$4" "$5" "${6:+,$6}"
}

# sign NAME KID PAYLOAD [JWT-MINT OPTIONS...]: a token signed by key NAME.
sign() {
	_sk=$1
	_skid=$2
	_sp=$3
	shift 3
	"$MINT" sign --kid "$_skid" "$@" "$T/keys/$_sk.pem" "$_sp" ||
		fail_now "jwt-mint sign failed"
}

key EdDSA ed1
key RS256 rs1
key ES256 es1
key EdDSA evil # in no key set
key EdDSA ed1b # replaces ed1 under its kid at the rotation
key EdDSA ed2  # added at the rotation
printf '{"keys":[%s,%s,%s]}\n' "$(jwk ed1 ed-1)" "$(jwk rs1 rs-1)" \
	"$(jwk es1 es-1)" >"$T/jwks.json"
chmod 0600 "$T/jwks.json"

J_ISS="\"$ISS\""
J_AUD="\"$AUD\""
ALICE=$(claims "$J_ISS" "$J_AUD" jwt-alice "$EXP" jti-ed-good \
	'"groups":["staff","dev"]')
ED_GOOD=$(sign ed1 ed-1 "$ALICE")
# Groups as OAuth's scope: names separated by spaces.
RS_GOOD=$(sign rs1 rs-1 "$(claims "$J_ISS" "$J_AUD" jwt-bob "$EXP" \
	jti-rs-good '"groups":"dev ops"')")
# aud may be a list that holds ours.
ES_GOOD=$(sign es1 es-1 "$(claims "$J_ISS" "[\"other-api\",$J_AUD]" \
	jwt-carol "$EXP" jti-es-good)")
# 20 s past exp: within the default jwt_leeway of 60 s.
LATE=$(sign ed1 ed-1 "$(claims "$J_ISS" "$J_AUD" jwt-late $((NOW - 20)) \
	jti-late)")
EXPIRED=$(sign ed1 ed-1 "$(claims "$J_ISS" "$J_AUD" jwt-alice \
	$((NOW - 120)) jti-expired)")
BAD_SIG=$(sign evil ed-1 "$ALICE")
TAMPERED=$(sign ed1 ed-1 "$ALICE" --tamper "$(claims "$J_ISS" "$J_AUD" \
	jwt-root "$EXP" jti-ed-good '"groups":["staff","dev"]')")
NONE=$("$MINT" unsigned --kid ed-1 "$ALICE") || fail_now "jwt-mint unsigned"
WRONG_AUD=$(sign ed1 ed-1 "$(claims "$J_ISS" '"other-api"' jwt-alice \
	"$EXP" jti-wrong-aud)")
WRONG_ISS=$(sign ed1 ed-1 "$(claims '"https://evil.example"' "$J_AUD" \
	jwt-alice "$EXP" jti-wrong-iss)")
UNKNOWN_KID=$(sign ed1 ed-9 "$ALICE")
# The keys after the rotation.
ED_NEW=$(sign ed1b ed-1 "$(claims "$J_ISS" "$J_AUD" jwt-alice "$EXP" \
	jti-ed-new '"groups":["staff"]')")
ED2=$(sign ed2 ed-2 "$(claims "$J_ISS" "$J_AUD" jwt-dave "$EXP" jti-ed2)")
FIXTURE_TOKENS="$ED_GOOD $RS_GOOD $ES_GOOD $LATE $EXPIRED $BAD_SIG $TAMPERED
$NONE $WRONG_AUD $WRONG_ISS $UNKNOWN_KID $ED_NEW $ED2"
expect_match "a token is three base64url segments" \
	'^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$ED_GOOD"
expect_match "alg none has an empty signature" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.$' \
	"$NONE"

# The JWT keys with the defaults for the rest (jwt_user_claim sub,
# jwt_groups_claim groups, jwt_leeway 60); no group file: the token's
# groups alone feed the group rules.
cat >"$T/authd.conf" <<EOF
user_file = $T/users.htpasswd
realm = "$REALM"
jwks_file = $T/jwks.json
jwt_issuer = $ISS
jwt_audience = $AUD
EOF
start_daemon -c "$T/authd.conf"
SOCK=$DAEMON_SOCK
start_authd tcp:127.0.0.1:0 -c "$T/authd.conf"
TCP_ADDR=tcp:127.0.0.1:$AUTHD_PORT
TCP_PID=$AUTHD_PID
expect_match "the keys are loaded" \
	'profile default: .* 3 JWT keys, ' "$(cat "$T/authd.log")"

mkdir -p "$T/htdocs/protected/cgi" "$T/htdocs/protected/staff" \
	"$T/htdocs/staff" "$T/cgi"
echo "SECRET-STATIC protected index" >"$T/htdocs/protected/index.html"
echo "SECRET-STAFF page" >"$T/htdocs/protected/staff/index.html"
echo "SECRET-STAFF page" >"$T/htdocs/staff/index.html"
for d in "$T/htdocs/protected/cgi" "$T/cgi"; do
	cp "$top_srcdir/tests/integration/backend/whoami.cgi" "$d/"
	chmod 0755 "$d/whoami.cgi"
done

# nginx: the shipped site, /protected/ from $T/htdocs, the application
# behind /app/, and the metrics where an admin would route them.
N=$T/nginx
mkdir -p "$N/tmp"
nginx_site_setup "$SOCK"
nginx_http() {
	nginx_site_conf
	cat <<EOF
    include $N/site.conf;
    server {
        listen 127.0.0.1:$UPORT;
        location / {
            return 200 "upstream saw X-Remote-User=[\$http_x_remote_user] X-Remote-Groups=[\$http_x_remote_groups]\n";
        }
    }
    server {
        listen 127.0.0.1:$MPORT;
        location = /fcgi-authd/metrics {
            allow 127.0.0.1;
            deny all;
            fastcgi_pass unix:$SOCK;
            fastcgi_param AUTH_ENDPOINT metrics;
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param DOCUMENT_URI \$document_uri;
        }
    }
EOF
}
start_nginx_http "PORT UPORT MPORT" nginx_http
start_lighttpd "$SOCK"
apache_snippet "127.0.0.1:$AUTHD_PORT" "$REALM"
start_apache jwt APACHE_PORT -D FCGI_AUTHD_BEARER

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

# app SERVER: where SERVER's backend shows the identity it was handed.
app() {
	if [ "$1" = nginx ]; then
		echo /app/x
	else
		echo /protected/cgi/whoami.cgi
	fi
}

# staff SERVER: under the shipped location that adds AUTH_REQUIRE "group
# staff" and AUTH_REALM Staff. The file itself: nginx would ask again for
# the index after its internal redirect, and the metrics count requests.
staff() {
	if [ "$1" = nginx ]; then
		echo /staff/index.html
	else
		echo /protected/staff/index.html
	fi
}

# allowed SERVER NAME TOKEN USER [GROUPS]: 200, and the backend sees USER
# (and the groups GROUPS, comma-separated).
allowed() {
	expect_eq "$1: $2: 200" 200 \
		"$(get "$1" "$(app "$1")" -H "Authorization: Bearer $3")"
	expect_match "$1: $2: the backend sees the user" \
		"(REMOTE_USER|X-Remote-User)=\\[$4\\]" "$(cat "$T/body")"
	[ -z "${5:-}" ] ||
		expect_match "$1: $2: the backend sees the groups" \
			"(REMOTE_GROUPS|X-Remote-Groups)=\\[$5\\]" "$(cat "$T/body")"
}

# invalid SERVER NAME TOKEN DESCRIPTION: 401, no content, and a Bearer
# challenge with error="invalid_token" and DESCRIPTION, after Basic's.
invalid() {
	expect_eq "$1: $2: 401" 401 \
		"$(get "$1" /protected/ -H "Authorization: Bearer $3")"
	expect_no_match "$1: $2: no content" SECRET "$(cat "$T/body")"
	expect_eq "$1: $2: invalid_token challenge" \
		"$BOTH, error=\"invalid_token\", error_description=\"$4\"" \
		"$(header_value WWW-Authenticate)"
}

for s in nginx lighttpd apache; do
	allowed $s "EdDSA token" "$ED_GOOD" jwt-alice staff,dev
	allowed $s "RS256 token, groups as a scope string" "$RS_GOOD" jwt-bob dev,ops
	allowed $s "ES256 token, aud in a list" "$ES_GOOD" jwt-carol
	allowed $s "token 20 s past exp, within the leeway" "$LATE" jwt-late
	expect_eq "$s: Basic still works" 200 \
		"$(get $s "$(app $s)" -u alice:alice-secret)"

	expect_eq "$s: no credentials: 401" 401 "$(get $s /protected/)"
	expect_no_match "$s: no credentials: no content" SECRET "$(cat "$T/body")"
	expect_eq "$s: no credentials: one WWW-Authenticate" 1 \
		"$(header_count WWW-Authenticate)"
	expect_eq "$s: no credentials: Basic and Bearer in it" "$BOTH" \
		"$(header_value WWW-Authenticate)"

	invalid $s "expired beyond the leeway" "$EXPIRED" "token expired"
	invalid $s "signed by another key" "$BAD_SIG" "bad signature"
	invalid $s "payload changed after signing" "$TAMPERED" "bad signature"
	invalid $s "alg none" "$NONE" "algorithm not allowed"
	invalid $s "wrong audience" "$WRONG_AUD" "wrong audience"
	invalid $s "wrong issuer" "$WRONG_ISS" "wrong issuer"
	invalid $s "unknown kid" "$UNKNOWN_KID" "no key for this token"

	expect_eq "$s: group rule, the token lists the group: 200" 200 \
		"$(get $s "$(staff $s)" -H "Authorization: Bearer $ED_GOOD")"
	expect_match "$s: group rule: the page" SECRET-STAFF "$(cat "$T/body")"
	expect_eq "$s: group rule, not a member: 403" 403 \
		"$(get $s "$(staff $s)" -H "Authorization: Bearer $RS_GOOD")"
	expect_no_match "$s: group rule, not a member: no content" SECRET \
		"$(cat "$T/body")"
	# nginx's auth_request passes WWW-Authenticate on for a 401 only.
	[ $s = nginx ] ||
		expect_eq "$s: group rule, not a member: insufficient_scope" \
			"Bearer realm=\"Staff\", error=\"insufficient_scope\", error_description=\"not allowed here\"" \
			"$(header_value WWW-Authenticate)"
done

log=$(cat "$T/authd.log")
expect_match "log: a JWT by kid and jti, never the token" \
	"status=200 reason=ok .*user=\"jwt-alice\" uri=\"/app/x\" scheme=bearer kid=\"ed-1\" jti=\"jti-ed-good\"\$" \
	"$log"
expect_match "log: an expired JWT" \
	'status=401 reason=expired .*user=- .*why=expired scheme=bearer kid="ed-1" jti="jti-expired"$' \
	"$log"
expect_match "log: a bad signature" \
	'status=401 reason=bad_token .*why=bad_signature scheme=bearer kid="ed-1" jti="jti-ed-good"$' \
	"$log"
expect_match "log: an unknown kid" \
	'status=401 reason=bad_token .*why=no_key scheme=bearer kid="ed-9"' "$log"
expect_match "log: a group rule refusal" \
	'status=403 reason=forbidden .*user="jwt-bob" .*scheme=bearer kid="rs-1" jti="jti-rs-good"$' \
	"$log"

# ---------------------------------------------------------- metrics --

# scraped NAME: the value of NAME in the nginx scrape in $T/body.
scraped() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$T/body"
}

B200='fcgi_authd_scheme_decisions_total{scheme="bearer",status="200"}'
B401='fcgi_authd_scheme_decisions_total{scheme="bearer",status="401"}'
B403='fcgi_authd_scheme_decisions_total{scheme="bearer",status="403"}'
N401='fcgi_authd_scheme_decisions_total{scheme="none",status="401"}'
HIT='fcgi_authd_cache_lookups_total{result="hit"}'
RELOADS='fcgi_authd_reloads_total{result="ok"}'

M=http://127.0.0.1:$MPORT/fcgi-authd/metrics
expect_eq "metrics: scraped through nginx" 200 "$(curl_status "$M")"
# Through nginx and lighttpd (this daemon), per server: 4 tokens allowed
# and the member at the staff location; 7 invalid; one 403.
expect_eq "metrics: bearer 200s counted" 10 "$(scraped "$B200")"
expect_eq "metrics: bearer 401s counted" 14 "$(scraped "$B401")"
expect_eq "metrics: bearer 403s counted" 2 "$(scraped "$B403")"
expect_eq "metrics: requests without credentials" 2 "$(scraped "$N401")"
a200=$(scraped "$B200")
a401=$(scraped "$B401")
get nginx /app/x -H "Authorization: Bearer $RS_GOOD" >/dev/null
get nginx /protected/ -H "Authorization: Bearer $WRONG_ISS" >/dev/null
curl_status "$M" >/dev/null
expect_eq "metrics: one more bearer 200" $((a200 + 1)) "$(scraped "$B200")"
expect_eq "metrics: one more bearer 401" $((a401 + 1)) "$(scraped "$B401")"

# ---------------------------------------------------- key rotation --

# Both tokens were verified before: these requests are cache hits.
hits_u=$(metric "unix:$SOCK" "$HIT")
hits_t=$(metric "$TCP_ADDR" "$HIT")
for s in nginx lighttpd apache; do
	expect_eq "$s: EdDSA token again before the rotation" 200 \
		"$(get $s "$(app $s)" -H "Authorization: Bearer $ED_GOOD")"
	expect_eq "$s: RS256 token again before the rotation" 200 \
		"$(get $s "$(app $s)" -H "Authorization: Bearer $RS_GOOD")"
done
expect_eq "nginx and lighttpd's daemon: 4 cache hits" $((hits_u + 4)) \
	"$(metric "unix:$SOCK" "$HIT")"
expect_eq "Apache's daemon: 2 cache hits" $((hits_t + 2)) \
	"$(metric "$TCP_ADDR" "$HIT")"

# The new set: ed-1 is another key now, ed-2 is new, rs-1 and es-1 are
# gone. Written beside and renamed over, as a deployment tool does.
rel_u=$(metric "unix:$SOCK" "$RELOADS")
rel_t=$(metric "$TCP_ADDR" "$RELOADS")
logged=$(log_count "$T/authd.log" 'reloaded \((SIGHUP|files changed)\)')
printf '{"keys":[%s,%s]}\n' "$(jwk ed1b ed-1)" "$(jwk ed2 ed-2)" >"$T/jwks.new"
chmod 0600 "$T/jwks.new"
mv "$T/jwks.new" "$T/jwks.json"
kill -HUP "$DAEMON_PID" "$TCP_PID"

# reloaded ADDRESS BEFORE: the daemon at ADDRESS reloaded since BEFORE.
reloaded() {
	[ "$(metric "$1" "$RELOADS")" -gt "$2" ]
}
wait_for 5 reloaded "unix:$SOCK" "$rel_u" ||
	fail_now "nginx and lighttpd's daemon did not reload within 5 s"
wait_for 5 reloaded "$TCP_ADDR" "$rel_t" ||
	fail_now "Apache's daemon did not reload within 5 s"
wait_for 5 log_grew "$T/authd.log" 'reloaded \((SIGHUP|files changed)\)' \
	$((logged + 1)) || not_ok "rotation: reloads logged" "fewer than 2 lines"
expect_match "rotation: the new set is loaded" \
	'profile default: .* 2 JWT keys, ' "$(cat "$T/authd.log")"

for s in nginx lighttpd apache; do
	invalid $s "after the rotation, the cached token of the replaced ed-1" \
		"$ED_GOOD" "bad signature"
	invalid $s "after the rotation, the cached token of the removed rs-1" \
		"$RS_GOOD" "no key for this token"
	invalid $s "after the rotation, the token of the removed es-1" \
		"$ES_GOOD" "no key for this token"
	allowed $s "after the rotation, the new ed-1" "$ED_NEW" jwt-alice staff
	allowed $s "after the rotation, the added ed-2" "$ED2" jwt-dave
done

# -------------------------------------------------------- regulation --

# Bad tokens count against the client address as wrong passwords do: a
# daemon of its own, 3 failures ban the address (the others are off).
TSOCK=$T/authd-throttle.sock
start_authd "unix:$TSOCK" -c "$T/authd.conf" --throttle-addr-failures 3 \
	--throttle-window 60 --throttle-ban 60
ask() { # ROLE ADDR TOKEN
	fcgi --role "$1" "unix:$TSOCK" REMOTE_ADDR="$2" REQUEST_URI=/protected/ \
		HTTP_AUTHORIZATION="Bearer $3" | tr -d '\r'
}
n=0
for t in "$BAD_SIG" "$EXPIRED" "$NONE"; do
	n=$((n + 1))
	expect_eq "regulation: bad token $n from 192.0.2.10: 401" 401 \
		"$(status_of "$(ask authorizer 192.0.2.10 "$t")")"
done
out=$(ask authorizer 192.0.2.10 "$ED_NEW")
expect_eq "regulation: banned address, good token: 429" 429 "$(status_of "$out")"
expect_match "regulation: 429 says when to retry" '^Retry-After: [0-9]+$' "$out"
out=$(ask responder 192.0.2.10 "$ED_NEW")
expect_eq "regulation: banned address, nginx role: 401" 401 "$(status_of "$out")"
expect_match "regulation: the 401 keeps both challenges" \
	"^WWW-Authenticate: $BOTH\$" "$out"
expect_eq "regulation: another address is not affected" 200 \
	"$(status_of "$(ask authorizer 192.0.2.11 "$ED_NEW")")"
expect_eq "regulation: the ban is counted" 1 \
	"$(metric "unix:$TSOCK" 'fcgi_authd_bans_total{kind="address"}')"
expect_match "regulation: logged as throttled" \
	'client=192\.0\.2\.10 status=429 reason=throttled .*scheme=bearer' \
	"$(cat "$T/authd.log")"

# ------------------------------------------------------------ secrets --

# lib.sh checks every whole token on exit (FIXTURE_TOKENS); the signature
# alone must not be logged either.
leaked=
for t in $FIXTURE_TOKENS; do
	sig=${t##*.}
	[ -n "$sig" ] || continue
	grep -qF -e "$sig" "$T"/authd*.log && leaked="$leaked ${t%%.*}"
done
expect_eq "no token signature in the log" "" "$leaked"
finish
