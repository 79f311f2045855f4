# systemd socket activation (LISTEN_FDS/LISTEN_PID), checked with
# systemd-socket-activate so no systemd as PID 1 is needed.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
need_cmd systemd-socket-activate systemd
make_fixtures "$T"
U=$T/users.htpasswd

S=$T/activated.sock
systemd-socket-activate -l "$S" "$FCGI_AUTHD" --allow-root yes --user-file "$U" \
	>>"$T/authd.log" 2>&1 </dev/null &
pid=$!
bg_pid $pid
wait_ready $pid "$T/authd.log" unix "$S"
out=$(fcgi --role authorizer "unix:$S" \
	HTTP_AUTHORIZATION="Basic $(b64 dave:dave-secret)" | tr -d '\r')
expect_eq "activated on a unix socket: 200" 200 "$(status_of "$out")"
expect_match "activated: REMOTE_USER" '^Variable-REMOTE_USER: dave$' "$out"
expect_match "the daemon says it uses systemd's socket" \
	"socket passed by systemd" "$(cat "$T/authd.log")"

P=$(free_port)
systemd-socket-activate -l "127.0.0.1:$P" "$FCGI_AUTHD" --allow-root yes --user-file "$U" \
	>>"$T/authd-tcp.log" 2>&1 </dev/null &
pid=$!
bg_pid $pid
wait_ready $pid "$T/authd-tcp.log" tcp 127.0.0.1 "$P"
expect_eq "activated on loopback TCP: 401 without credentials" 401 \
	"$(status_of "$(fcgi --role authorizer "tcp:127.0.0.1:$P")")"

# Activation beats --listen: the socket passed in is the one served.
S2=$T/second.sock
systemd-socket-activate -l "$S2" "$FCGI_AUTHD" --allow-root yes --user-file "$U" \
	--listen "unix:$T/ignored.sock" >>"$T/authd-2.log" 2>&1 </dev/null &
pid=$!
bg_pid $pid
wait_ready $pid "$T/authd-2.log" unix "$S2"
[ -e "$T/ignored.sock" ] && not_ok "LISTEN_FDS beats --listen" "it opened --listen too" ||
	ok "LISTEN_FDS beats --listen"

# Two sockets passed: refused with a message.
systemd-socket-activate -l "$T/a.sock" -l "$T/b.sock" "$FCGI_AUTHD" \
	--user-file "$U" >>"$T/authd-3.log" 2>&1 </dev/null &
pid=$!
bg_pid $pid
# The activator execs the daemon on the first connection: wait for its
# socket file (connecting to see if it listens would already be that).
n=0
while [ ! -S "$T/a.sock" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
fcgi --timeout 3 "unix:$T/a.sock" >/dev/null 2>&1
n=0
while _alive $pid && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
expect_match "two sockets are refused" "exactly one socket" "$(cat "$T/authd-3.log")"

finish
