# A real Redis (Debian's redis-server) for the tests of regulation shared
# across nodes: a process of the test, with its own configuration and
# folder under $T/redis, on a free 127.0.0.1 port, a password required,
# stopped by pid.  Source after lib.sh:
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   . "$top_srcdir/tests/integration/redisd.sh"
#   need_redis
#   start_redis
#
# start_redis exports REDIS_PID, REDIS_PORT, REDIS_PASSWORD (random hex,
# also in REDIS_PASSWORD_FILE=$T/redis.pass: no newline, mode 0600),
# REDIS_URL (redis://127.0.0.1:PORT/0, no password in it) and REDIS_SOCK
# (a unix socket the same server also listens on, mode 0700).  Its log is
# $T/redis.log (what it writes itself: a port in use, why it exits),
# $T/redis-stdout.log (the command line, and anything it prints).
# stop_redis, pause_redis (SIGSTOP), resume_redis (SIGCONT), kill_redis
# (SIGKILL, as a crash) and restart_redis (same port, same password)
# return once it is so.
#
# redis_cli [--secs N] ARGS... runs redis-cli against it, bounded (N s,
# default WAIT_SECS), the password passed in REDISCLI_AUTH (never on the
# command line, where ps shows it).
#
# What redis-server (7.0) and redis-cli do that a test may trip over:
# - redis-cli exits 0 even when the server answers an error (NOAUTH,
#   WRONGPASS ...): compare its output, not its status.  A refused
#   REDISCLI_AUTH is said on stderr ("AUTH failed: WRONGPASS ..."); the
#   command then answers "NOAUTH Authentication required." on stdout.
# - Nothing is saved (save "", appendonly no): a restart starts empty.
# - A paused server (SIGSTOP) still accepts connections (the kernel's
#   backlog) but never answers: redis_cli then runs into its bound.
# - With no "pidfile" line and daemonize no it writes no pid file; here
#   it writes $T/redis/redis.pid, which start_redis checks against the pid
#   it holds (so it never forked away).

REDIS_SERVER=/usr/bin/redis-server
REDIS_DIR=$T/redis
REDIS_PASSWORD_FILE=$T/redis.pass

# need_redis: redis-server, redis-cli and timeout.
need_redis() {
	[ -x "$REDIS_SERVER" ] || hard_error "$REDIS_SERVER not found: apt-get install redis-server"
	need_cmd redis-cli redis-tools
	need_cmd timeout coreutils
}

# redis_cli [--secs N] ARGS...: see the top of this file.
redis_cli() {
	_redis_secs=$WAIT_SECS
	if [ "${1:-}" = --secs ]; then
		_redis_secs=$2
		shift 2
	fi
	[ -n "${REDIS_PORT:-}" ] || hard_error "redis_cli: start_redis first"
	env REDISCLI_AUTH="$REDIS_PASSWORD" timeout "$_redis_secs" \
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning "$@"
}

# _redis_password: a random password (hex) in REDIS_PASSWORD and
# REDIS_PASSWORD_FILE (0600, no newline).
_redis_password() {
	REDIS_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	[ ${#REDIS_PASSWORD} = 32 ] || hard_error "cannot read /dev/urandom"
	rm -f "$REDIS_PASSWORD_FILE"
	(
		umask 077
		printf '%s' "$REDIS_PASSWORD" >"$REDIS_PASSWORD_FILE"
	) || hard_error "cannot write $REDIS_PASSWORD_FILE"
}

# _redis_conf: $REDIS_DIR/redis.conf for REDIS_PORT and REDIS_PASSWORD.
_redis_conf() {
	cat >"$REDIS_DIR/redis.conf" <<EOF
# written by tests/integration/redisd.sh
daemonize no
supervised no
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
unixsocket $REDIS_SOCK
unixsocketperm 700
requirepass $REDIS_PASSWORD
dir $REDIS_DIR
pidfile $REDIS_DIR/redis.pid
logfile $T/redis.log
loglevel notice
always-show-logo no
save ""
appendonly no
databases 16
EOF
	chmod 0600 "$REDIS_DIR/redis.conf"
}

# _redis_state: the state letter of redis-server in /proc (R, S, T, ...).
_redis_state() {
	sed 's/.*) //' "/proc/$REDIS_PID/stat" 2>/dev/null | cut -c1
}

# _redis_answers: PING answers PONG (one try, 2 s at most).
_redis_answers() {
	[ "$(redis_cli --secs 2 PING 2>/dev/null)" = PONG ]
}

_redis_answers_or_died() {
	_alive "$REDIS_PID" || return 0
	_redis_answers
}

# _redis_wait_answers WHAT: fail the test unless it answers in time.
_redis_wait_answers() {
	wait_for "$WAIT_SECS" _redis_answers_or_died || :
	_alive "$REDIS_PID" ||
		fail_now "redis-server exited $1; see redis.log"
	_redis_answers ||
		fail_now "redis-server does not answer PING ${WAIT_SECS}s $1; see redis.log"
}

# _redis_try: one start on REDIS_PORT (for on_free_ports).  "daemonize
# no" keeps it in the foreground, so BG_PID is the server's own pid.
_redis_try() {
	REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
	_redis_conf
	rm -f "$REDIS_DIR/redis.pid"
	start_bg "$T/redis-stdout.log" "$REDIS_SERVER" "$REDIS_DIR/redis.conf"
	wait_listen "$BG_PID" tcp 127.0.0.1 "$REDIS_PORT"
}

# _redis_started WHAT: after a start, it answers and is the pid we hold.
_redis_started() {
	REDIS_PID=$BG_PID
	export REDIS_PID REDIS_PORT REDIS_PASSWORD REDIS_PASSWORD_FILE REDIS_URL \
		REDIS_SOCK
	_redis_wait_answers "$1"
	[ "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" = "$REDIS_PID" ] ||
		fail_now "redis-server's pid file says '$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)', not $REDIS_PID (did it fork?)"
}

# start_redis: redis-server on a free port (tried again when it was taken)
# with a new password.
start_redis() {
	need_redis
	[ -z "${REDIS_PID:-}" ] || hard_error "start_redis: redis-server (pid $REDIS_PID) runs already"
	mkdir -p "$REDIS_DIR" || hard_error "cannot make $REDIS_DIR"
	chmod 0700 "$REDIS_DIR"
	REDIS_SOCK=$REDIS_DIR/redis.sock
	_redis_password
	on_free_ports redis-server "$T/redis.log" REDIS_PORT _redis_try
	_redis_started "after it started"
}

# stop_redis: it is gone (a paused one is woken to hear SIGTERM).
stop_redis() {
	[ -n "${REDIS_PID:-}" ] || return 0
	kill -CONT "$REDIS_PID" 2>/dev/null || :
	stop_pid "$REDIS_PID"
	REDIS_PID=
}

_redis_is_stopped() {
	[ "$(_redis_state)" = T ]
}

_redis_not_stopped() {
	[ "$(_redis_state)" != T ]
}

# pause_redis: SIGSTOP; returns once the kernel says it is stopped.
pause_redis() {
	[ -n "${REDIS_PID:-}" ] || hard_error "pause_redis: redis-server is not running"
	kill -STOP "$REDIS_PID" || fail_now "pause_redis: no redis-server (pid $REDIS_PID)"
	wait_for "$WAIT_SECS" _redis_is_stopped ||
		fail_now "redis-server (pid $REDIS_PID) not stopped ${WAIT_SECS}s after SIGSTOP"
}

# resume_redis: SIGCONT; returns once it answers again.
resume_redis() {
	[ -n "${REDIS_PID:-}" ] || hard_error "resume_redis: redis-server is not running"
	kill -CONT "$REDIS_PID" || fail_now "resume_redis: no redis-server (pid $REDIS_PID)"
	wait_for "$WAIT_SECS" _redis_not_stopped ||
		fail_now "redis-server (pid $REDIS_PID) still stopped ${WAIT_SECS}s after SIGCONT"
	_redis_wait_answers "after SIGCONT"
}

# kill_redis: SIGKILL (stopped or not), as a crash: no goodbye to the
# clients.
kill_redis() {
	[ -n "${REDIS_PID:-}" ] || hard_error "kill_redis: redis-server is not running"
	kill -KILL "$REDIS_PID" 2>/dev/null || :
	stop_pid "$REDIS_PID"
	REDIS_PID=
}

# restart_redis: stop (unless stopped or killed already), start again on
# the same port with the same password (and no data); returns once it
# answers.  A port taken meanwhile fails.
restart_redis() {
	[ -n "${REDIS_PORT:-}" ] || hard_error "restart_redis: redis-server never started"
	stop_redis
	_redis_rc=0
	_redis_try || _redis_rc=$?
	if [ "$_redis_rc" != 0 ]; then
		stop_pid "$BG_PID"
		fail_now "redis-server did not listen again on port $REDIS_PORT; see redis.log"
	fi
	_redis_started "after its restart"
}
