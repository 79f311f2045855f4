# redisd_selftest: the harness of tests/integration/redisd.sh against the
# real redis-server, with redis-cli only (no fcgi-authd): it answers with
# the password and only with it, on 127.0.0.1 and its unix socket, keeps
# nothing on disk, and pause, resume, restart, kill and stop work.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/redisd.sh"

need_redis
start_redis

# as WHO PASSWORD ARGS...: redis-cli's output (stdout and stderr) with
# PASSWORD (empty: none), over tcp or unix.
as() {
	_as_how=$1
	_as_pw=$2
	shift 2
	if [ "$_as_how" = unix ]; then
		set -- -s "$REDIS_SOCK" "$@"
	else
		set -- -h 127.0.0.1 -p "$REDIS_PORT" "$@"
	fi
	if [ -n "$_as_pw" ]; then
		env REDISCLI_AUTH="$_as_pw" timeout "$WAIT_SECS" \
			redis-cli --no-auth-warning "$@" 2>&1
	else
		env -u REDISCLI_AUTH timeout "$WAIT_SECS" redis-cli "$@" 2>&1
	fi
}

expect_eq "PING answers PONG" PONG "$(redis_cli PING)"
expect_match "the port is one of ours" '^[0-9]+$' "$REDIS_PORT"
expect_eq "the URL names it" "redis://127.0.0.1:$REDIS_PORT/0" "$REDIS_URL"
expect_eq "the password file holds the password, no newline" \
	"$(printf '%s' "$REDIS_PASSWORD" | od -An -tx1)" \
	"$(od -An -tx1 "$REDIS_PASSWORD_FILE")"
expect_eq "the password file is redis.pass in \$T" "$T/redis.pass" "$REDIS_PASSWORD_FILE"
expect_eq "the password file is 0600" 600 "$(stat -c %a "$REDIS_PASSWORD_FILE")"
expect_eq "its configuration is 0600 (it holds the password)" 600 \
	"$(stat -c %a "$REDIS_DIR/redis.conf")"
expect_no_match "the password is not on its command line" "$REDIS_PASSWORD" \
	"$(tr '\0' ' ' <"/proc/$REDIS_PID/cmdline")"

# Only with the password.
out=$(as tcp wrong-password PING)
expect_match "a wrong password: WRONGPASS" '^AUTH failed: WRONGPASS' "$out"
expect_match "and the command is refused" '^NOAUTH' "$out"
expect_no_match "and not answered" '^PONG' "$out"
out=$(as tcp '' PING)
expect_match "no password: NOAUTH" '^NOAUTH' "$out"
expect_match "AUTH with a wrong password: WRONGPASS" '^WRONGPASS' \
	"$(as tcp '' AUTH wrong-password)"
expect_eq "the unix socket, with the password" PONG \
	"$(as unix "$REDIS_PASSWORD" PING)"
expect_match "the unix socket, without: NOAUTH" '^NOAUTH' "$(as unix '' PING)"
expect_eq "the unix socket is 0700" 700 "$(stat -c %a "$REDIS_SOCK")"

# The server options do what they say.
cfg() { redis_cli CONFIG GET "$1" | sed -n 2p; }
expect_eq "bind 127.0.0.1" 127.0.0.1 "$(cfg bind)"
expect_eq "protected-mode yes" yes "$(cfg protected-mode)"
expect_eq "daemonize no" no "$(cfg daemonize)"
expect_eq "save: nothing" "" "$(cfg save)"
expect_eq "appendonly no" no "$(cfg appendonly)"
expect_eq "dir in \$T" "$REDIS_DIR" "$(cfg dir)"
expect_eq "logfile in \$T" "$T/redis.log" "$(cfg logfile)"
expect_match "it logs there" 'Ready to accept connections' "$(cat "$T/redis.log")"
expect_eq "its pid is the one we hold" "$REDIS_PID" "$(cat "$REDIS_DIR/redis.pid")"
expect_match "redis 7 (WRONGPASS, ACL)" '^redis_version:[7-9]\.' \
	"$(redis_cli INFO server | tr -d '\r' | grep '^redis_version:')"

# Keys with a TTL; SCAN sees them.
expect_eq "SET with a TTL" OK "$(redis_cli SET selftest:k v EX 60)"
ttl=$(redis_cli TTL selftest:k)
expect_eq "its TTL is there" yes "$([ "$ttl" -gt 0 ] && [ "$ttl" -le 60 ] && echo yes)"
expect_eq "--scan lists it" selftest:k "$(redis_cli --scan --pattern 'selftest:*')"

# Pause: connections are accepted but never answered, until resumed.
pause_redis
expect_eq "paused: state T" T "$(_redis_state)"
M0=$(date +%s%3N)
out=$(redis_cli --secs 1 PING 2>&1) && rc=0 || rc=$?
echo "# paused: redis-cli gave up after $(($(date +%s%3N) - M0)) ms (rc $rc)"
expect_no_match "paused: no PONG within 1 s" '^PONG' "$out"
expect_eq "paused: redis-cli ran into its bound" 124 "$rc"
resume_redis
expect_eq "resumed: PONG" PONG "$(redis_cli PING)"
expect_eq "resumed: the key is still there" v "$(redis_cli GET selftest:k)"

# Restart: same port, same password, a new pid, no data (nothing saved).
old="$REDIS_PID $REDIS_PORT $REDIS_PASSWORD"
restart_redis
expect_eq "restart: same port and password" "${old#* }" "$REDIS_PORT $REDIS_PASSWORD"
expect_match "restart: new pid" '^new$' "$([ "$REDIS_PID" != "${old%% *}" ] && echo new)"
expect_eq "restart: PONG" PONG "$(redis_cli PING)"
expect_eq "restart: nothing was kept" 0 "$(redis_cli DBSIZE)"
expect_eq "restart: the password file unchanged" "$REDIS_PASSWORD" "$(cat "$REDIS_PASSWORD_FILE")"
expect_match "restart: a wrong password still refused" 'WRONGPASS' \
	"$(as tcp wrong-password PING)"
dumps=
for f in "$REDIS_DIR"/*.rdb "$REDIS_DIR"/*.aof "$REDIS_DIR"/appendonlydir; do
	[ -e "$f" ] && dumps="$dumps ${f##*/}"
done
expect_eq "restart: no dump written" "" "$dumps"

# Kill (while stopped, as the tests do) and restart.
pid=$REDIS_PID
pause_redis
kill_redis
expect_eq "killed while stopped: gone" gone "$(_alive "$pid" || echo gone)"
expect_eq "killed: the port is closed" closed \
	"$(_connects tcp 127.0.0.1 "$REDIS_PORT" || echo closed)"
restart_redis
expect_eq "restarted after a kill: PONG" PONG "$(redis_cli PING)"

# Stop, even a paused one.
pid=$REDIS_PID
pause_redis
stop_redis
expect_eq "a paused redis-server stops" gone "$(_alive "$pid" || echo gone)"
expect_eq "no redis-server left to clean up" "" "$(grep -x "$pid" "$T/.pids")"
expect_eq "REDIS_PID cleared" "" "$REDIS_PID"
restart_redis
pid=$REDIS_PID
stop_redis
expect_eq "stopped" gone "$(_alive "$pid" || echo gone)"
expect_match "it said goodbye" 'ready to exit' "$(cat "$T/redis.log")"

finish
