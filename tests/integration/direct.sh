# fcgi-authd on its own --listen sockets (unix, tcp, tcp6), driven by our
# FastCGI client in both roles, including broken protocol input.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"
U=$T/users.htpasswd
S=$T/authd.sock

start_authd "unix:$S" --user-file "$U" --realm 'Direct "test"' --threads 3
A=unix:$S

# ask ROLE USER:PASSWORD [NAME=VALUE...]: one request, prints the answer.
ask() {
	_role=$1
	_cred=$2
	shift 2
	fcgi --role "$_role" "$A" REMOTE_ADDR=127.0.0.1 REQUEST_URI=/p \
		HTTP_AUTHORIZATION="Basic $(b64 "$_cred")" "$@"
}

for pair in $FIXTURE_USERS; do
	user=${pair%%:*}
	for role in responder authorizer; do
		out=$(ask $role "$pair" | tr -d '\r')
		expect_eq "$user ($role): 200" 200 "$(status_of "$out")"
		expect_match "$user ($role): Status first" '^Status: 200 OK$' \
			"$(printf '%s\n' "$out" | head -n 1)"
		expect_match "$user ($role): REMOTE_USER" \
			"^Variable-REMOTE_USER: $user\$" "$out"
		expect_match "$user ($role): AUTH_TYPE" \
			'^Variable-AUTH_TYPE: Basic$' "$out"
	done
	out=$(ask responder "$user:x${pair#*:}")
	expect_eq "$user: wrong password 401" 401 "$(status_of "$out")"
done
for pair in $FIXTURE_LOCKED; do
	expect_eq "locked ${pair%%:*}: 401" 401 \
		"$(status_of "$(ask authorizer "$pair")")"
done
expect_eq "unknown user: 401" 401 \
	"$(status_of "$(ask authorizer nobody:alice-secret)")"

out=$(fcgi --role responder "$A" REMOTE_ADDR=127.0.0.1 | tr -d '\r')
expect_eq "no credentials: 401" 401 "$(status_of "$out")"
expect_match "Status first on 401" '^Status: 401' "$(printf '%s\n' "$out" | head -n 1)"
expect_match "escaped realm in the challenge" \
	'^WWW-Authenticate: Basic realm="Direct \\"test\\"", charset="UTF-8"$' "$out"
expect_match "no-store on 401" '^Cache-Control: no-store$' "$out"
expect_match "a body explains the 401" 'Sign-in required' "$out"
expect_no_match "no identity on 401" '^Variable-' "$out"

bad="HTTP_AUTHORIZATION=Basic %%%%"
expect_eq "malformed, authorizer: 400" 400 \
	"$(status_of "$(fcgi --role authorizer "$A" "$bad")")"
out=$(fcgi --role responder "$A" "$bad" | tr -d '\r')
expect_eq "malformed, responder: 401" 401 "$(status_of "$out")"
expect_match "malformed, responder: challenge" '^WWW-Authenticate: Basic' "$out"
expect_eq "no colon: 400" 400 "$(status_of "$(fcgi --role authorizer "$A" \
	HTTP_AUTHORIZATION="Basic $(b64 alicealice-secret)")")"
expect_eq "duplicated header: 400" 400 "$(status_of "$(fcgi --role authorizer \
	"$A" HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)" \
	HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")")"
expect_eq "Bearer: 401" 401 "$(status_of "$(fcgi --role authorizer "$A" \
	HTTP_AUTHORIZATION="Bearer abc")")"
expect_eq "FILTER role: 500" 500 "$(status_of "$(fcgi --role filter "$A" \
	HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")")"

# Client headers arrive as HTTP_*: they configure nothing.
expect_eq "spoofed Remote-User/Apache role headers: 401" 401 \
	"$(status_of "$(fcgi --role authorizer "$A" HTTP_REMOTE_USER=alice \
		HTTP_FCGI_APACHE_ROLE=AUTHENTICATOR HTTP_REMOTE_PASSWD=x)")"
expect_eq "REMOTE_USER without FCGI_APACHE_ROLE is no credential" 401 \
	"$(status_of "$(fcgi --role responder "$A" REMOTE_USER=alice \
		REMOTE_PASSWD=alice-secret)")"
expect_eq "Apache authenticator role" 200 \
	"$(status_of "$(fcgi --role authorizer "$A" FCGI_APACHE_ROLE=AUTHENTICATOR \
		REMOTE_USER=alice REMOTE_PASSWD=alice-secret)")"

# A request body never matters (and is never read).
expect_eq "a body is ignored" 401 "$(status_of "$(fcgi --role responder \
	--stdin-data "$(b64 alice:alice-secret)" "$A" REMOTE_ADDR=127.0.0.1)")"

# Several requests on one kept connection.
out=$(fcgi --repeat 5 --role responder "$A" \
	HTTP_AUTHORIZATION="Basic $(b64 bob:bob-secret)" | tr -d '\r')
expect_eq "5 answers on one connection" 5 \
	"$(printf '%s\n' "$out" | grep -c '^Status: 200 OK$')"

# Broken protocol input: each is survived, and the daemon still answers.
for kind in bad-version truncated-header truncated-body huge-param-length \
    params-overrun no-begin unknown-type many-params get-values abort \
    second-id param-length-wrap; do
	fcgi --timeout 5 --malformed "$kind" "$A" >"$T/malformed-$kind.out" 2>&1
	rc=$?
	expect_eq "malformed $kind: no hang (client exit $rc)" 0 "$rc"
	expect_no_match "malformed $kind: never a 200" '^Status: 200' \
		"$(cat "$T/malformed-$kind.out")"
	expect_eq "after $kind: still answering" 200 \
		"$(status_of "$(ask responder alice:alice-secret)")"
done

# Concurrent requests, more than there are workers.
i=0
kids=
while [ $i -lt 30 ]; do
	(ask responder carol:carol-secret >"$T/par.$i") &
	kids="$kids $!"
	i=$((i + 1))
done
# Not a bare `wait`: that would wait for the daemon too.
for k in $kids; do wait "$k"; done
expect_eq "30 concurrent requests all answered 200" 30 \
	"$(cat "$T"/par.* | tr -d '\r' | grep -c '^Status: 200 OK$')"

# TCP and TCP over IPv6 loopback.
start_authd tcp:127.0.0.1:0 --user-file "$U"
expect_eq "tcp: 200" 200 "$(status_of "$(fcgi "$AUTHD_LISTEN" \
	HTTP_AUTHORIZATION="Basic $(b64 frank:frank-secret)")")"
if [ -e /proc/net/if_inet6 ]; then
	start_authd "tcp6:[::1]:0" --user-file "$U"
	expect_eq "tcp6: 200" 200 "$(status_of "$(fcgi "$AUTHD_LISTEN" \
		HTTP_AUTHORIZATION="Basic $(b64 grace:grace-secret)")")"
else
	not_ok "tcp6" "this machine has no IPv6 loopback"
fi

# The log: one line per decision, client first, never a password.
log=$(cat "$T/authd.log")
expect_match "decision lines" 'decision client=127.0.0.1 status=200 reason=ok role=RESPONDER profile=default user="alice"' "$log"
expect_match "a wrong password is logged with the user" 'reason=bad_password role=RESPONDER profile=default user="alice"' "$log"
expect_match "an unknown user is logged without the claim" 'reason=unknown_user role=AUTHORIZER profile=default user=- ' "$log"
expect_match "a locked account is logged as such" 'reason=locked' "$log"
expect_no_match "no password in the log" 'secret|zoë-pass' "$log"
expect_no_match "no Authorization value in the log" "$(b64 alice:alice-secret)" "$log"

finish
