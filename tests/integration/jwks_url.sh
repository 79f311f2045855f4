# jwks_url: JWK Sets fetched by the daemon from a real nginx on loopback,
# over https (the test's own CA, jwks_ca_file) and over plain http to
# 127.0.0.1. Three daemons, each with its own URL:
#   A  https, jwks_refresh 0: a kid the set lacks makes it fetch again, at
#      most once a minute however many requests ask (this waits out the
#      minute: about 65 s in all);
#   B  http, jwks_refresh 1: a rotated set is picked up by the refresh, and
#      a set that went bad (not JSON, 404, nginx gone) keeps the last good;
#   C  started while its URL answers 404: JWTs get 500 until a retry works.
# Then what -t says of URLs that must not be fetched or give nothing.
. "$top_srcdir/tests/integration/lib.sh"

need_nginx
need_cmd openssl openssl

MINT=$top_builddir/tests/jwt-mint
[ -x "$MINT" ] || hard_error "$MINT is not built: run the tests with make check"

ISS=https://idp.jwks-url.test
AUD=jwks-url-test
JWKS_MIN_INTERVAL=60 # JWKS_FETCH_MIN_INTERVAL of jwks_fetch.h
NOW=$(date +%s)
mkdir -p "$T/keys" "$T/tls"

key() {
	"$MINT" key "$1" "$T/keys/$2.pem" || fail_now "jwt-mint key $1 failed"
}
jwk() {
	"$MINT" jwk "$T/keys/$1.pem" "$2" || fail_now "jwt-mint jwk $1 failed"
}
# token NAME KID SUB: a JWT for SUB signed by key NAME, valid 10 minutes.
token() {
	"$MINT" sign --kid "$2" "$T/keys/$1.pem" \
		"{\"iss\":\"$ISS\",\"aud\":\"$AUD\",\"sub\":\"$3\",\"exp\":$((NOW + 600)),\"jti\":\"jti-$3\"}" ||
		fail_now "jwt-mint sign failed"
}

key EdDSA ed1
key RS256 rs2
key EdDSA ed3
ED1=$(token ed1 ed-1 alice)
RS2=$(token rs2 rs-2 bob)
ED3=$(token ed3 ed-3 carol)
UNKNOWN=$(token ed1 ed-9 mallory) # a kid no set will ever have
FIXTURE_TOKENS="$ED1 $RS2 $ED3 $UNKNOWN"

# The identity provider's certificate, for 127.0.0.1: its own CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 2 \
	-keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" >"$T/openssl.log" 2>&1 ||
	hard_error "openssl could not make a test certificate"

# publish DIR KEY:KID...: DIR/jwks.json holds those keys, replaced whole
# (rename), as an identity provider rotates.
W=$T/www
publish() {
	_pd=$W/$1
	shift
	mkdir -p "$_pd"
	_pk=
	for _kk in "$@"; do
		_pk="$_pk${_pk:+,}$(jwk "${_kk%%:*}" "${_kk#*:}")"
	done
	printf '{"keys":[%s]}\n' "$_pk" >"$_pd/.jwks.json.new"
	mv "$_pd/.jwks.json.new" "$_pd/jwks.json"
}
publish a ed1:ed-1
publish b ed1:ed-1
publish t ed1:ed-1 # for -t, so A's fetches stay A's own
mkdir -p "$W/c" # nothing yet: 404
printf '{"keys":[]}\n' >"$W/empty.json"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$W/big.json"
chmod -R a+rX "$W"

nginx_http() {
	cat <<EOF
    server {
        listen 127.0.0.1:$HPORT ssl;
        ssl_certificate $T/tls/cert.pem;
        ssl_certificate_key $T/tls/key.pem;
        root $W;
        location = /moved { return 302 /a/jwks.json; }
        location = /broken { return 500; }
    }
    server {
        listen 127.0.0.1:$PPORT;
        root $W;
    }
EOF
}
start_nginx_http "HPORT PPORT" nginx_http
URL_A=https://127.0.0.1:$HPORT/a/jwks.json
URL_B=http://127.0.0.1:$PPORT/b/jwks.json
URL_C=http://127.0.0.1:$PPORT/c/jwks.json

# fetches PATH: how many times nginx served PATH.
fetches() {
	log_count "$T/nginx-access.log" "\"GET $1 HTTP"
}

JWT="--jwt-issuer $ISS --jwt-audience $AUD"
# shellcheck disable=SC2086 # JWT is two options
start_authd tcp:127.0.0.1:0 $JWT --jwks-url "$URL_A" \
	--jwks-ca-file "$T/tls/cert.pem" --jwks-refresh 0
A=tcp:127.0.0.1:$AUTHD_PORT
A_START=$(date +%s)
# shellcheck disable=SC2086
start_authd tcp:127.0.0.1:0 $JWT --jwks-url "$URL_B" --jwks-refresh 1
B=tcp:127.0.0.1:$AUTHD_PORT
# shellcheck disable=SC2086
start_authd tcp:127.0.0.1:0 $JWT --jwks-url "$URL_C"
C=tcp:127.0.0.1:$AUTHD_PORT

# ask ADDRESS TOKEN: the daemon's answer to a request with TOKEN.
ask() {
	fcgi "$1" REQUEST_METHOD=GET REQUEST_URI=/api DOCUMENT_URI=/api \
		REMOTE_ADDR=127.0.0.1 "HTTP_AUTHORIZATION=Bearer $2"
}
# status ADDRESS TOKEN: its status.
status() {
	status_of "$(ask "$1" "$2")"
}
# until_status SECONDS STATUS ADDRESS TOKEN: poll until that is the answer.
_until_is() {
	[ "$(status "$2" "$3")" = "$1" ]
}
until_status() {
	wait_for "$1" _until_is "$2" "$3" "$4"
}
# logged ERE: the daemons' log has a line matching ERE.
logged() {
	grep -Eq -- "$1" "$T/authd.log"
}
past() {
	[ "$(date +%s)" -ge "$1" ]
}
quoted() {
	printf '%s' "$1" | sed 's/[.[\*^$/]/\\&/g'
}

# ------------------------------------------------ A: https, on demand --

OUT=$(ask "$A" "$ED1")
expect_eq "A: a token of the fetched key passes" 200 "$(status_of "$OUT")"
expect_match "A: as its sub" '^Variable-REMOTE_USER: alice' "$(printf '%s' "$OUT" | tr -d '\r')"
expect_match "A: fetched over https before serving" \
	"jwks_url $(quoted "$URL_A"): 1 keys in service" "$(cat "$T/authd.log")"
expect_eq "A: one fetch at start-up" 1 "$(fetches /a/jwks.json)"
OUT=$(ask "$A" "$UNKNOWN")
expect_eq "A: an unknown kid is refused" 401 "$(status_of "$OUT")"
expect_match "A: as no key" 'error_description="no key for this token"' "$OUT"
n=0
while [ $n -lt 30 ]; do
	ask "$A" "$UNKNOWN" >/dev/null
	n=$((n + 1))
done
expect_eq "A: 30 more unknown kids in the first minute fetch nothing" 1 \
	"$(fetches /a/jwks.json)"

# --------------------------------------- B: http, refreshed each second --

expect_eq "B: a token of the fetched key passes" 200 "$(status "$B" "$ED1")"
HITS=$(metric "$B" 'fcgi_authd_cache_lookups_total{result="hit"}')
expect_eq "B: again, from the cache" 200 "$(status "$B" "$ED1")"
expect_eq "B: that was a cache hit" $((HITS + 1)) \
	"$(metric "$B" 'fcgi_authd_cache_lookups_total{result="hit"}')"
publish b rs2:rs-2
if until_status 15 200 "$B" "$RS2"; then
	ok "B: the new key of a rotated set is fetched by the refresh"
else
	not_ok "B: the new key of a rotated set is fetched by the refresh" \
		"still $(status "$B" "$RS2") after 15 s"
fi
OUT=$(ask "$B" "$ED1")
expect_eq "B: the key rotated out fails, cached or not" 401 "$(status_of "$OUT")"
expect_match "B: as no key" 'error_description="no key for this token"' "$OUT"
expect_match "B: the set in service is logged" \
	"jwks_url $(quoted "$URL_B"): 1 keys in service" "$(cat "$T/authd.log")"
_unchanged() {
	[ "$(metric "$B" 'fcgi_authd_jwks_fetches_total{result="unchanged"}')" -gt 0 ]
}
if wait_for 10 _unchanged; then
	ok "B: an unchanged set is counted as such"
else
	not_ok "B: an unchanged set is counted as such" "unchanged is 0 after 10 s"
fi

printf 'this is no JWK Set\n' >"$W/b/.jwks.json.new"
mv "$W/b/.jwks.json.new" "$W/b/jwks.json"
if wait_for 15 logged "jwks_url $(quoted "$URL_B"): no usable key in the answer; keeping the last good set \(1 keys\)"; then
	ok "B: a set that is not JSON is logged, the last good one kept"
else
	not_ok "B: a set that is not JSON is logged, the last good one kept" \
		"no such line in $T/authd.log"
fi
expect_eq "B: and its keys still work" 200 "$(status "$B" "$RS2")"
rm "$W/b/jwks.json"
if wait_for 15 logged "jwks_url $(quoted "$URL_B"): HTTP status 404 \(200 expected\); keeping the last good set"; then
	ok "B: a 404 is logged, the last good set kept"
else
	not_ok "B: a 404 is logged, the last good set kept" "no such line"
fi
expect_eq "B: and its keys still work after the 404" 200 "$(status "$B" "$RS2")"
if [ "$(metric "$B" 'fcgi_authd_jwks_fetches_total{result="failed"}')" -gt 0 ]; then
	ok "B: the failures are counted"
else
	not_ok "B: the failures are counted" "failed is 0"
fi

# ---------------------------------------------- C: no keys at start-up --

expect_match "C: the failed first fetch is logged" \
	"jwks_url $(quoted "$URL_C"): HTTP status 404 .*no keys yet" "$(cat "$T/authd.log")"
OUT=$(ask "$C" "$ED1")
expect_eq "C: without keys a JWT is our failure: 500" 500 "$(status_of "$OUT")"
expect_match "C: logged as internal" 'status=500 reason=internal .*kid="ed-1"' \
	"$(cat "$T/authd.log")"
publish c ed1:ed-1
if until_status 20 200 "$C" "$ED1"; then
	ok "C: once the URL answers, a retry brings the keys in"
else
	not_ok "C: once the URL answers, a retry brings the keys in" \
		"still $(status "$C" "$ED1") after 20 s"
fi

# ------------------------------------------------------ -t on URLs --

# t_check URL [OPTIONS...]: what fcgi-authd -t says (stdout and stderr);
# its exit status in TRC.
t_check() {
	_tu=$1
	shift
	# shellcheck disable=SC2086
	TOUT=$("$FCGI_AUTHD" -t --listen "unix:$T/t.sock" $JWT --jwks-url "$_tu" \
		"$@" 2>&1) && TRC=0 || TRC=$?
}
URL_T=https://127.0.0.1:$HPORT/t/jwks.json
t_check "$URL_T" --jwks-ca-file "$T/tls/cert.pem"
expect_eq "-t: a good URL" 0 "$TRC"
expect_match "-t: fetches and counts its keys" '1 JWT keys from jwks_url' "$TOUT"
t_check "http://192.0.2.1/jwks.json"
expect_eq "-t: plain http elsewhere than loopback is refused" 1 "$TRC"
expect_match "-t: saying why" 'plain http only to a loopback address' "$TOUT"
t_check "file:///etc/passwd"
expect_eq "-t: file: is refused" 1 "$TRC"
expect_match "-t: only https" 'only https' "$TOUT"
t_check "$URL_T"
expect_match "-t: without our CA the certificate is not trusted" \
	'jwks_url .*(certificate|SSL).*no keys yet' "$TOUT"
expect_match "-t: and nothing is in hand" 'no JWT keys from jwks_url yet' "$TOUT"
t_check "https://127.0.0.1:$HPORT/moved" --jwks-ca-file "$T/tls/cert.pem"
expect_match "-t: a redirect is not followed" 'HTTP status 302' "$TOUT"
t_check "https://127.0.0.1:$HPORT/broken" --jwks-ca-file "$T/tls/cert.pem"
expect_match "-t: a server error" 'HTTP status 500' "$TOUT"
t_check "http://127.0.0.1:$PPORT/big.json"
expect_match "-t: an answer over 1 MiB is cut off" 'over 1048576 bytes' "$TOUT"
t_check "http://127.0.0.1:$PPORT/empty.json"
expect_match "-t: a set without keys" 'no usable key in the answer' "$TOUT"
TOUT=$("$FCGI_AUTHD" -t --listen "unix:$T/t.sock" --jwks-url "$URL_B" 2>&1) &&
	TRC=0 || TRC=$?
expect_eq "-t: jwks_url without issuer and audience" 1 "$TRC"
expect_match "-t: says both are needed" 'needs jwt_issuer and jwt_audience' "$TOUT"

# ------------------------------------ A: the minute is up, a new key --

expect_eq "A: still one fetch just before the minute is up" 1 \
	"$(wait_for 70 past $((A_START + 57)) && fetches /a/jwks.json)"
wait_for 10 past $((A_START + JWKS_MIN_INTERVAL + 1)) ||
	hard_error "the clock did not move"
publish a ed1:ed-1 ed3:ed-3
OUT=$(ask "$A" "$ED3")
expect_eq "A: a new kid is refused at once (no request waits)" 401 \
	"$(status_of "$OUT")"
if until_status 15 200 "$A" "$ED3"; then
	ok "A: and passes once the fetch it asked for is done"
else
	not_ok "A: and passes once the fetch it asked for is done" \
		"still $(status "$A" "$ED3") after 15 s"
fi
expect_eq "A: one more fetch" 2 "$(fetches /a/jwks.json)"
expect_eq "A: the first key still passes" 200 "$(status "$A" "$ED1")"
n=0
while [ $n -lt 30 ]; do
	ask "$A" "$UNKNOWN" >/dev/null
	n=$((n + 1))
done
expect_eq "A: 30 unknown kids right after fetch nothing more" 2 \
	"$(fetches /a/jwks.json)"
expect_eq "A: the fetches are counted" 2 \
	"$(metric "$A" 'fcgi_authd_jwks_fetches_total{result="changed"}')"

# ----------------------------------------- B: the server goes away --

publish b rs2:rs-2
stop_pid "$NGINX_PID"
if wait_for 20 logged "jwks_url $(quoted "$URL_B"): .*(connect|Connection).*keeping the last good set"; then
	ok "B: the server gone is logged, the last good set kept"
else
	not_ok "B: the server gone is logged, the last good set kept" "no such line"
fi
expect_eq "B: its keys still work with the server gone" 200 "$(status "$B" "$RS2")"

finish
