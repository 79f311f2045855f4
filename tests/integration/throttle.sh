# Brute-force regulation: failures per client address within a window and
# consecutive failures per account ban further attempts, refused without
# hashing: 429 + Retry-After where the status reaches the client, 401 for
# nginx (RESPONDER). Other addresses and accounts are not affected.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"

S=$T/authd.sock
start_authd "unix:$S" --user-file "$T/users.htpasswd" \
	--throttle-addr-failures 5 --throttle-window 60 \
	--throttle-user-failures 4 --throttle-ban 60
A=unix:$S
first_pid=$AUTHD_PID

ask() { # ROLE ADDR USER:PASSWORD
	fcgi --role "$1" "$A" REMOTE_ADDR="$2" REQUEST_URI=/ \
		HTTP_AUTHORIZATION="Basic $(b64 "$3")"
}

# Address 192.0.2.1 (only a parameter value: no traffic leaves loopback)
# fails 5 times with different unknown users: banned.
i=0
while [ $i -lt 5 ]; do
	expect_eq "failure $i from 192.0.2.1: 401" 401 \
		"$(status_of "$(ask responder 192.0.2.1 "nobody$i:x")")"
	i=$((i + 1))
done
out=$(ask authorizer 192.0.2.1 alice:alice-secret | tr -d '\r')
expect_eq "banned address, even with the right password: 429" 429 "$(status_of "$out")"
expect_match "429 says when to retry" '^Retry-After: [0-9]+$' "$out"
out=$(ask responder 192.0.2.1 alice:alice-secret | tr -d '\r')
expect_eq "banned address, nginx role: 401" 401 "$(status_of "$out")"
expect_match "401 keeps the challenge" '^WWW-Authenticate: Basic' "$out"
expect_eq "another address is not affected" 200 \
	"$(status_of "$(ask responder 192.0.2.2 alice:alice-secret)")"

# Account bob: 4 consecutive failures from different addresses: banned,
# for everyone; a success before that starts the count again.
ask responder 198.51.100.1 bob:w1 >/dev/null
ask responder 198.51.100.2 bob:w2 >/dev/null
ask responder 198.51.100.3 bob:w3 >/dev/null
expect_eq "bob, right password after 3 failures: 200" 200 \
	"$(status_of "$(ask responder 198.51.100.4 bob:bob-secret)")"
for n in 1 2 3 4; do
	ask responder "198.51.100.1$n" "bob:again$n" >/dev/null
done
expect_eq "bob after 4 consecutive failures: refused" 429 \
	"$(status_of "$(ask authorizer 203.0.113.9 bob:bob-secret)")"
expect_eq "carol is not affected" 200 \
	"$(status_of "$(ask responder 203.0.113.9 carol:carol-secret)")"

# Behind a trusted proxy the client is the address it saw (the rightmost
# untrusted entry of X-Forwarded-For), never what the client wrote itself.
S2=$T/authd2.sock
start_authd "unix:$S2" --user-file "$T/users.htpasswd" \
	--throttle-addr-failures 3 --trusted-proxies "127.0.0.1 10.0.0.0/8"
via() { # XFF USER:PASSWORD
	fcgi --role authorizer "unix:$S2" REMOTE_ADDR=127.0.0.1 REQUEST_URI=/ \
		HTTP_X_FORWARDED_FOR="$1" HTTP_AUTHORIZATION="Basic $(b64 "$2")"
}
for n in 1 2 3; do
	via "1.1.1.$n, 192.0.2.77, 10.0.0.9" "nobody:x" >/dev/null
done
expect_eq "proxied client banned by its own address" 429 \
	"$(status_of "$(via "9.9.9.9, 192.0.2.77" alice:alice-secret)")"
expect_eq "another proxied client passes" 200 \
	"$(status_of "$(via "192.0.2.78" alice:alice-secret)")"
expect_match "the log names the proxied client" \
	'client=192.0.2.77 status=429 reason=throttled' "$(cat "$T/authd.log")"

log=$(cat "$T/authd.log")
expect_match "refusals are logged as throttled" \
	'client=192.0.2.1 status=429 reason=throttled' "$log"
refused=$(grep -c 'reason=throttled' "$T/authd.log")
expect_eq "four attempts were refused" 4 "$refused"
# No hash was computed for them: their decisions are logged with no
# password check, and the regulation counters show at exit.
kill -TERM "$first_pid"
wait "$first_pid" 2>/dev/null
expect_match "counters at exit" \
	'regulation: 1 address bans, 1 account bans, 3 attempts refused' \
	"$(cat "$T/authd.log")"

finish
