# Regulation shared across nodes on a real Redis (tests/integration/
# redisd.sh): two nodes add their failures up in Redis, and a ban set
# there reaches every node within a few hundred ms, for addresses and for
# accounts; Redis holds no user name or address, only keyed hashes, and
# nothing without a TTL; a hung Redis (SIGSTOP) never holds a request up
# and local regulation goes on; a killed and restarted one is found again
# without restarting the nodes; a wrong Redis password is said in the log
# and changes nothing else.  Client addresses are REMOTE_ADDR values only
# (documentation networks): no traffic leaves loopback.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
. "$top_srcdir/tests/integration/redisd.sh"

need_redis
"$FCGI_AUTHD" --help 2>&1 | grep -q -- '--throttle-redis' ||
	fail_now "$FCGI_AUTHD has no --throttle-redis option"
make_fixtures "$T"
start_redis
T_START=$(date +%s)

# The secret the nodes share (64 bytes of hex, no newline, 0600).
KEY_FILE=$T/redis.key
(
	umask 077
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$KEY_FILE"
) || hard_error "cannot write $KEY_FILE"
[ "$(wc -c <"$KEY_FILE")" = 64 ] || hard_error "cannot read /dev/urandom"

PREFIX=fcgi-authd:
HP="127\\.0\\.0\\.1:$REDIS_PORT"
UP_RE="throttle_redis: connected to $HP"
DOWN_RE="throttle_redis: $HP: .+; regulating locally"

now_ms() {
	date +%s%3N
}

# node NAME ARGS...: fcgi-authd on unix:$T/NAME.sock with the fixture
# users, log $T/authd-NAME.log (one per node, so each says what it saw).
node() {
	_nd_log=$T/authd-$1.log
	_nd_sock=$T/$1.sock
	shift
	echo "+ $FCGI_AUTHD --listen unix:$_nd_sock $*" >>"$_nd_log"
	"$FCGI_AUTHD" --allow-root yes --listen "unix:$_nd_sock" \
		--user-file "$T/users.htpasswd" "$@" >>"$_nd_log" 2>&1 </dev/null &
	NODE_PID=$!
	bg_pid "$NODE_PID"
	wait_ready "$NODE_PID" "$_nd_log" unix "$_nd_sock"
}

# shared_node NAME ARGS...: a node regulating with the others on Redis:
# 5 failures from an address in 60 s, or 6 in a row for an account, ban
# for 60 s.
shared_node() {
	_sn=$1
	shift
	node "$_sn" --throttle-addr-failures 5 --throttle-window 60 \
		--throttle-user-failures 6 --throttle-ban 60 \
		--throttle-redis "$REDIS_URL" \
		--throttle-redis-password-file "$REDIS_PASSWORD_FILE" \
		--throttle-redis-key-file "$KEY_FILE" "$@"
}

# ask NODE ADDR USER:PASSWORD: the status the node answers (authorizer
# role: a ban is 429).
ask() {
	status_of "$(fcgi --role authorizer "unix:$T/$1.sock" REMOTE_ADDR="$2" \
		REQUEST_URI=/ HTTP_AUTHORIZATION="Basic $(b64 "$3")")"
}

_is() { # STATUS NODE ADDR USER:PASSWORD
	[ "$(ask "$2" "$3" "$4")" = "$1" ]
}

# fail_from NODE ADDR N [USER]: N wrong passwords from ADDR (for USER,
# else each for an unknown name of its own); each must be 401.
fail_from() {
	_ff_i=1
	_ff_bad=
	while [ "$_ff_i" -le "$3" ]; do
		_ff_s=$(ask "$1" "$2" "${4:-nobody-$2-$_ff_i}:wrong-$_ff_i")
		[ "$_ff_s" = 401 ] || _ff_bad="$_ff_bad $_ff_i:$_ff_s"
		_ff_i=$((_ff_i + 1))
	done
	expect_eq "$1: $3 failed sign-in(s) from $2${4:+ as $4}, each 401" "" "$_ff_bad"
}

# m NODE NAME: a metric of the node (0 when absent).
m() {
	metric "unix:$T/$1.sock" "$2"
}

# metrics_text NODE: all of the node's metrics.
metrics_text() {
	fcgi "unix:$T/$1.sock" REQUEST_URI=/m DOCUMENT_URI=/m AUTH_ENDPOINT=metrics |
		tr -d '\r'
}

_up_is() { # NODE 0|1
	[ "$(m "$1" fcgi_authd_throttle_redis_up)" = "$2" ]
}

_logged() { # NODE ERE
	grep -Eq -- "$2" "$T/authd-$1.log"
}

# poll_ms MS CMD ARGS...: run CMD every 20 ms or so until it succeeds, for
# MS ms at most; POLL_END is the time (now_ms) of its success.
poll_ms() {
	_pm_end=$(($(now_ms) + $1))
	shift
	while :; do
		if "$@"; then
			POLL_END=$(now_ms)
			return 0
		fi
		[ "$(now_ms)" -lt "$_pm_end" ] || return 1
		sleep 0.02
	done
}

# propagated NAME NODE ADDR USER:PASSWORD SINCE: NODE refuses (429) the
# right password from ADDR within 3 s; prints the delay since SINCE (ms,
# the end of the last failure) up to the answer of the first refusal.
propagated() {
	if poll_ms 3000 _is 429 "$2" "$3" "$4"; then
		ok "$1"
		echo "# propagation: $1: refused $((POLL_END - $5)) ms after the last failure"
	else
		not_ok "$1" "still $(ask "$2" "$3" "$4") after 3 s"
	fi
}

# timed NODE ADDR USER:PASSWORD N WANT: N requests, each must answer WANT
# within 2 s (a hang check, not a timing target).  SLOWEST becomes the
# slowest (ms) if it was slower, and what went wrong is added to
# TIMED_BAD (the caller empties both).
timed() {
	_tm_i=1
	while [ "$_tm_i" -le "$4" ]; do
		_tm_0=$(now_ms)
		_tm_s=$(ask "$1" "$2" "$3")
		_tm_d=$(($(now_ms) - _tm_0))
		[ "$_tm_d" -le "$SLOWEST" ] || SLOWEST=$_tm_d
		[ "$_tm_s" = "$5" ] || TIMED_BAD="$TIMED_BAD $_tm_i:status=$_tm_s"
		[ "$_tm_d" -lt 2000 ] || TIMED_BAD="$TIMED_BAD $_tm_i:${_tm_d}ms"
		_tm_i=$((_tm_i + 1))
	done
}

# ------------------------------------------------------- two nodes --

# Every ban message published while the nodes share, to look into below.
env REDISCLI_AUTH="$REDIS_PASSWORD" timeout 120 redis-cli -h 127.0.0.1 \
	-p "$REDIS_PORT" --no-auth-warning SUBSCRIBE "${PREFIX}bans" \
	>"$T/bans.sub" 2>&1 </dev/null &
SUB_PID=$!
bg_pid "$SUB_PID"

shared_node a
A_PID=$NODE_PID
shared_node b
B_PID=$NODE_PID
M0=$(now_ms)
if wait_for "$WAIT_SECS" _up_is a 1 && wait_for "$WAIT_SECS" _up_is b 1; then
	ok "both nodes share on Redis (up 1)"
	echo "# both nodes up $(($(now_ms) - M0)) ms after they listened"
else
	fail_now "nodes not up on Redis after ${WAIT_SECS}s: a=$(m a fcgi_authd_throttle_redis_up) b=$(m b fcgi_authd_throttle_redis_up)"
fi
expect_match "a logs that it connected" "$UP_RE" "$(cat "$T/authd-a.log")"
expect_match "b logs that it connected" "$UP_RE" "$(cat "$T/authd-b.log")"
expect_no_match "with a key file: no unkeyed warning" 'throttle_redis_key_file' \
	"$(cat "$T/authd-a.log")"
wait_for "$WAIT_SECS" grep -q '^subscribe$' "$T/bans.sub" ||
	fail_now "redis-cli did not subscribe to ${PREFIX}bans: $(cat "$T/bans.sub")"

# 1. Failures from one address on both nodes add up: 3 on a, 2 on b.
X=192.0.2.10
fail_from a "$X" 3
fail_from b "$X" 2
LAST=$(now_ms)
propagated "3 on a + 2 on b: a refuses $X" a "$X" carol:carol-secret "$LAST"
propagated "3 on a + 2 on b: b refuses $X" b "$X" carol:carol-secret "$LAST"
expect_eq "another address still signs in on b" 200 \
	"$(ask b 192.0.2.11 carol:carol-secret)"
expect_eq "and on a" 200 "$(ask a 192.0.2.11 carol:carol-secret)"

# 5 failures all on a: a bans at once (locally), b from Redis.
Y=192.0.2.20
RECV_B=$(m b fcgi_authd_throttle_redis_received_total)
fail_from a "$Y" 5
LAST=$(now_ms)
expect_eq "5 on a: a refuses $Y at once" 429 "$(ask a "$Y" carol:carol-secret)"
propagated "5 on a: b refuses $Y" b "$Y" carol:carol-secret "$LAST"
expect_eq "b counts the bans it received" yes \
	"$([ "$(m b fcgi_authd_throttle_redis_received_total)" -gt "$RECV_B" ] && echo yes)"

# 2. An account: 6 failures in a row for bob, from 6 addresses, 3 on each
# node (no node sees 6, no address more than one).
i=1
for n in a b a b a b; do
	fail_from "$n" "198.51.100.$i" 1 bob
	i=$((i + 1))
done
LAST=$(now_ms)
propagated "bob after 6 failures over both nodes: refused on a" a 203.0.113.1 \
	bob:bob-secret "$LAST"
propagated "bob: refused on b" b 203.0.113.1 bob:bob-secret "$LAST"
expect_eq "dave is not affected on a" 200 "$(ask a 203.0.113.2 dave:dave-secret)"
expect_eq "dave is not affected on b" 200 "$(ask b 203.0.113.2 dave:dave-secret)"

text=$(metrics_text a)
for s in up sent_total dropped_total received_total; do
	expect_match "a prints fcgi_authd_throttle_redis_$s" \
		"^fcgi_authd_throttle_redis_$s [0-9]" "$text"
done
for n in a b; do
	echo "# metrics $n: sent $(m "$n" fcgi_authd_throttle_redis_sent_total)," \
		"dropped $(m "$n" fcgi_authd_throttle_redis_dropped_total)," \
		"received $(m "$n" fcgi_authd_throttle_redis_received_total)"
	expect_eq "$n sent its failures to Redis" yes \
		"$([ "$(m "$n" fcgi_authd_throttle_redis_sent_total)" -ge 1 ] && echo yes)"
	expect_eq "$n dropped nothing while Redis answered" 0 \
		"$(m "$n" fcgi_authd_throttle_redis_dropped_total)"
	expect_eq "$n received bans from the other" yes \
		"$([ "$(m "$n" fcgi_authd_throttle_redis_received_total)" -ge 1 ] && echo yes)"
done

# ------------------------------------------------ what Redis holds --

# 3. Every key and value, and every ban message: no user name, no address
# (as text, nor its 4 bytes in hex), only PREFIX + kind + a 64-digit
# HMAC-SHA-256; each key with a TTL.
NAMES="alice bob carol dave nobody"
ADDRS="$X 192.0.2.11 $Y 198.51.100.1 198.51.100.2 198.51.100.3 198.51.100.4
198.51.100.5 198.51.100.6 203.0.113.1 203.0.113.2"
# hexaddr A.B.C.D: the address as 8 hex digits.
hexaddr() {
	# shellcheck disable=SC2046 # one argument per byte
	printf '%02x' $(echo "$1" | tr . ' ')
}
LEAKS=
for w in $NAMES $ADDRS; do
	LEAKS="$LEAKS $w"
done
for a in $ADDRS; do
	LEAKS="$LEAKS $(hexaddr "$a")"
done

redis_cli --scan </dev/null >"$T/keys" 2>&1 || fail_now "redis-cli --scan failed: $(cat "$T/keys")"
: >"$T/dump"
no_ttl=
bad_name=
while IFS= read -r k; do
	t=$(redis_cli TTL "$k" </dev/null)
	[ "$t" = -2 ] && continue # gone meanwhile
	case $(redis_cli TYPE "$k" </dev/null) in
	string) v=$(redis_cli GET "$k" </dev/null) ;;
	hash) v=$(redis_cli HGETALL "$k" </dev/null) ;;
	list) v=$(redis_cli LRANGE "$k" 0 -1 </dev/null) ;;
	set) v=$(redis_cli SMEMBERS "$k" </dev/null) ;;
	zset) v=$(redis_cli ZRANGE "$k" 0 -1 WITHSCORES </dev/null) ;;
	*) v="(type $(redis_cli TYPE "$k" </dev/null))" ;;
	esac
	printf '%s ttl=%s %s\n' "$k" "$t" "$(printf '%s' "$v" | tr '\n' ' ')" >>"$T/dump"
	case $t in
	'' | *[!0-9]* | 0) no_ttl="$no_ttl $k:$t" ;;
	esac
	printf '%s\n' "$k" | grep -Eq "^${PREFIX}(ban:)?[au]:[0-9a-f]{64}\$" ||
		bad_name="$bad_name $k"
done <"$T/keys"
count() { grep -Ec -- "$1" "$T/dump" || :; }
echo "# Redis holds $(wc -l <"$T/dump") keys: $(count "^${PREFIX}a:") address counts," \
	"$(count "^${PREFIX}u:") account counts, $(count "^${PREFIX}ban:a:") address bans," \
	"$(count "^${PREFIX}ban:u:") account bans"
expect_eq "every key has a TTL" "" "$no_ttl"
expect_eq "every key is ${PREFIX}[ban:]a|u: and 64 hex digits" "" "$bad_name"
expect_eq "address counts are there" yes "$([ "$(count "^${PREFIX}a:")" -ge 1 ] && echo yes)"
expect_eq "address bans are there" yes "$([ "$(count "^${PREFIX}ban:a:")" -ge 2 ] && echo yes)"
expect_eq "an account ban is there" yes "$([ "$(count "^${PREFIX}ban:u:")" -ge 1 ] && echo yes)"

stop_pid "$SUB_PID"
grep -c '^message$' "$T/bans.sub" >"$T/bans.n" || :
echo "# ${PREFIX}bans carried $(cat "$T/bans.n") messages"
expect_eq "bans are published on ${PREFIX}bans" yes \
	"$([ "$(cat "$T/bans.n")" -ge 3 ] && echo yes)"
# received_total counts the bans from other nodes: each message once, by
# the node that did not publish it (the publisher knew it already).
expect_eq "each ban message counted as received once, by the other node" \
	"$(cat "$T/bans.n")" \
	"$(($(m a fcgi_authd_throttle_redis_received_total) + $(m b fcgi_authd_throttle_redis_received_total)))"
leaked=
for w in $LEAKS; do
	grep -qiF -- "$w" "$T/dump" && leaked="$leaked key-or-value:$w"
	sed '1,3d' "$T/bans.sub" | grep -qiF -- "$w" && leaked="$leaked message:$w"
done
expect_eq "no user name or address in Redis, nor in the messages" "" "$leaked"

# ------------------------------------------------------- hung Redis --

# 4. SIGSTOP: Redis accepts but never answers.  No request waits for it.
pause_redis
M0=$(now_ms)
DOWN_A=$(log_count "$T/authd-a.log" "$DOWN_RE")
SLOWEST=0
TIMED_BAD=
timed a 203.0.113.10 carol:carol-secret 20 200
expect_eq "Redis hung: 20 good sign-ins on a, each 200 within 2 s" "" "$TIMED_BAD"
echo "# Redis hung: slowest of 20 good sign-ins on a: $SLOWEST ms"
SLOWEST=0
TIMED_BAD=
Z=203.0.113.50
timed a "$Z" "nobody:hung" 5 401
expect_eq "Redis hung: 5 wrong passwords from $Z, each 401 within 2 s" "" "$TIMED_BAD"
echo "# Redis hung: slowest of 5 failures on a: $SLOWEST ms"
expect_eq "Redis hung: $Z is banned locally" 429 "$(ask a "$Z" carol:carol-secret)"
if wait_for "$WAIT_SECS" _logged a "$DOWN_RE"; then
	ok "a logs that it regulates locally"
	echo "# Redis hung: a said so $(($(now_ms) - M0)) ms after SIGSTOP"
else
	not_ok "a logs that it regulates locally" "no /$DOWN_RE/ after ${WAIT_SECS}s"
fi
expect_match "the line says why" "$HP: [^;]+; regulating locally" \
	"$(grep -E -- "$DOWN_RE" "$T/authd-a.log" | tail -n 1)"
grep -E -- "$DOWN_RE" "$T/authd-a.log" | tail -n 1 | sed 's/^/# a: /'
wait_for "$WAIT_SECS" _up_is a 0
expect_eq "a: up 0" 0 "$(m a fcgi_authd_throttle_redis_up)"
wait_for "$WAIT_SECS" _up_is b 0
expect_eq "b: up 0" 0 "$(m b fcgi_authd_throttle_redis_up)"
echo "# Redis hung: dropped on a: $(m a fcgi_authd_throttle_redis_dropped_total)"

# SIGKILL the stopped Redis: connections refused now.
kill_redis
SLOWEST=0
TIMED_BAD=
timed a 203.0.113.11 carol:carol-secret 10 200
timed b 203.0.113.11 carol:carol-secret 10 200
expect_eq "Redis killed: good sign-ins on a and b, each 200 within 2 s" "" "$TIMED_BAD"
echo "# Redis killed: slowest of 20 good sign-ins: $SLOWEST ms"
fail_from b 203.0.113.51 5
expect_eq "Redis killed: b still bans locally" 429 \
	"$(ask b 203.0.113.51 carol:carol-secret)"
n=$(($(log_count "$T/authd-a.log" "$DOWN_RE") - DOWN_A))
if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then
	ok "a logged the outage once, not per request ($n)"
else
	not_ok "a logged the outage once, not per request" "$n lines"
fi

# 5. Restarted (same port, same password, empty): the nodes find it again
# by themselves, and bans travel again.
UP_A=$(log_count "$T/authd-a.log" "$UP_RE")
restart_redis
M0=$(now_ms)
if wait_for 20 _up_is a 1 && wait_for 20 _up_is b 1; then
	ok "Redis restarted: both nodes up 1 again"
	echo "# Redis restarted: both nodes up again after $(($(now_ms) - M0)) ms"
else
	not_ok "Redis restarted: both nodes up 1 again" \
		"a=$(m a fcgi_authd_throttle_redis_up) b=$(m b fcgi_authd_throttle_redis_up) after 20 s"
fi
expect_eq "a logs that it connected again" yes \
	"$(log_grew "$T/authd-a.log" "$UP_RE" "$UP_A" && echo yes)"
W=198.51.100.77
RECV_B=$(m b fcgi_authd_throttle_redis_received_total)
fail_from a "$W" 5
LAST=$(now_ms)
propagated "after the restart: a ban on a reaches b" b "$W" carol:carol-secret "$LAST"
expect_eq "b received it" yes \
	"$([ "$(m b fcgi_authd_throttle_redis_received_total)" -gt "$RECV_B" ] && echo yes)"
expect_match "Redis holds the new ban" "^${PREFIX}ban:a:" \
	"$(redis_cli --scan --pattern "${PREFIX}ban:a:*" </dev/null)"

# ------------------------------------------------- other settings --

# 6. A node with a wrong Redis password: it says why, never shares, and
# regulates locally.
(
	umask 077
	printf 'wrong-%s' "$REDIS_PASSWORD" >"$T/wrong.pass"
)
node c --throttle-addr-failures 5 --throttle-window 60 --throttle-ban 60 \
	--throttle-redis "$REDIS_URL" --throttle-redis-password-file "$T/wrong.pass" \
	--throttle-redis-key-file "$KEY_FILE"
WHY_RE="throttle_redis: $HP: .*(WRONGPASS|invalid password|AUTH).*; regulating locally"
if wait_for "$WAIT_SECS" _logged c "$WHY_RE"; then
	ok "c logs why it cannot share (a refused password)"
	grep -E -- "$WHY_RE" "$T/authd-c.log" | head -n 1 | sed 's/^/# c: /'
else
	not_ok "c logs why it cannot share (a refused password)" \
		"no /$WHY_RE/ in: $(grep throttle_redis "$T/authd-c.log")"
fi
expect_match "c prints the up metric" '^fcgi_authd_throttle_redis_up 0$' "$(metrics_text c)"
fail_from c 203.0.113.200 5
expect_eq "c bans locally" 429 "$(ask c 203.0.113.200 carol:carol-secret)"
expect_eq "c: a good sign-in is 200" 200 "$(ask c 203.0.113.201 carol:carol-secret)"
expect_eq "c: still up 0" 0 "$(m c fcgi_authd_throttle_redis_up)"
expect_no_match "c never says it connected" 'throttle_redis: connected' \
	"$(cat "$T/authd-c.log")"

# Over a unix socket, with a prefix of its own and no key file: a warning,
# and keys under that prefix.
node d --throttle-addr-failures 5 --throttle-redis "unix:$REDIS_SOCK" \
	--throttle-redis-password-file "$REDIS_PASSWORD_FILE" \
	--throttle-redis-prefix fcgi-authd-d:
expect_match "d, no key file: a warning names throttle_redis_key_file" \
	'warning: .*throttle_redis_key_file' "$(cat "$T/authd-d.log")"
wait_for "$WAIT_SECS" _up_is d 1
expect_eq "d shares over unix:" 1 "$(m d fcgi_authd_throttle_redis_up)"
fail_from d 192.0.2.99 1
_d_keys() {
	[ -n "$(redis_cli --scan --pattern 'fcgi-authd-d:a:*' </dev/null)" ]
}
wait_for "$WAIT_SECS" _d_keys
expect_match "d's counts are under its prefix" '^fcgi-authd-d:a:[0-9a-f]+$' \
	"$(redis_cli --scan --pattern 'fcgi-authd-d:*' </dev/null)"

# A node without throttle_redis prints none of these metrics.
node e --throttle-addr-failures 5
expect_no_match "no throttle_redis: no such metrics" '^fcgi_authd_throttle_redis' \
	"$(metrics_text e)"

# c kept trying all this time (backoff): still one line, not one a try.
expect_eq "c logged its refused password once" 1 \
	"$(log_count "$T/authd-c.log" "$DOWN_RE")"
for n in a b c d; do
	expect_no_match "$n never logs the Redis password" "$REDIS_PASSWORD" \
		"$(cat "$T/authd-$n.log")"
	expect_no_match "$n never logs the key" "$(cat "$KEY_FILE")" \
		"$(cat "$T/authd-$n.log")"
done
kill -0 "$A_PID" && kill -0 "$B_PID" && ok "a and b served throughout"
echo "# redis.sh took $(($(date +%s) - T_START)) s"

finish
