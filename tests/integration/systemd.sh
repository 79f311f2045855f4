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

# activate_tcp: on 127.0.0.1:$P (on_free_ports picks P, again if taken).
activate_tcp() {
	start_bg "$T/authd-tcp.log" systemd-socket-activate -l "127.0.0.1:$P" \
		"$FCGI_AUTHD" --allow-root yes --user-file "$U"
	wait_listen "$BG_PID" tcp 127.0.0.1 "$P"
}
on_free_ports systemd-socket-activate "$T/authd-tcp.log" P activate_tcp
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
	--allow-root yes --user-file "$U" >>"$T/authd-3.log" 2>&1 </dev/null &
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

# Type=notify: READY=1 once serving, STOPPING=1 on the way out, sent by
# hand to NOTIFY_SOCKET (a datagram socket systemd would hold).
N=$T/notify.sock
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Type => IO::Socket::UNIX::SOCK_DGRAM(),
	    Local => $ARGV[0]) or die "bind: $!";
	open(my $o, ">>", $ARGV[1]) or die; $o->autoflush(1);
	my $t = time; my $m;
	while (time - $t < 20) { defined($s->recv($m, 512)) or last; print $o "$m\n";
		last if $m =~ /STOPPING/ }' "$N" "$T/notified" &
bg_pid $!
n=0
while [ ! -S "$N" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
NOTIFY_SOCKET=$N "$FCGI_AUTHD" --allow-root yes --user-file "$U" \
	--listen "unix:$T/notify-d.sock" >>"$T/authd-notify.log" 2>&1 </dev/null &
nd=$!
bg_pid $nd
wait_ready $nd "$T/authd-notify.log" unix "$T/notify-d.sock"
n=0
while ! grep -q READY=1 "$T/notified" 2>/dev/null && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
expect_match "READY=1 sent when serving" '^READY=1$' "$(cat "$T/notified")"
kill -HUP $nd
wait_for 5 grep -q '^RELOADING=1$' "$T/notified" || :
expect_match "a reload says RELOADING=1" '^RELOADING=1$' "$(cat "$T/notified")"
stop_pid $nd
wait_for 5 grep -q '^STOPPING=1$' "$T/notified" || :
expect_match "STOPPING=1 on SIGTERM" '^STOPPING=1$' "$(cat "$T/notified")"

# The shipped units: the socket is the one the service is given, the
# service is Type=notify, reloads with HUP and is hardened.
U1=$top_srcdir/etc/systemd/fcgi-authd.service
for line in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' \
    'NoNewPrivileges=yes' 'ProtectSystem=strict'; do
	grep -qxF "$line" "$U1" && ok "service: $line" || not_ok "service: $line" missing
done
expect_match "socket: group www-data, 0660" 'SocketMode=0660' \
	"$(cat "$top_srcdir/etc/systemd/fcgi-authd.socket")"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the ExecStart binary where the unit says: point it at ours.
	mkdir -p "$T/units"
	sed "s#/usr/sbin/fcgi-authd#$FCGI_AUTHD#" "$U1" >"$T/units/fcgi-authd.service"
	cp "$top_srcdir/etc/systemd/fcgi-authd.socket" "$T/units/"
	out=$(cd "$T/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify \
		--man=no ./fcgi-authd.socket ./fcgi-authd.service 2>&1)
	expect_no_match "systemd-analyze verify finds nothing wrong" \
		'[Ii]nvalid|[Uu]nknown|[Ff]ailed to parse|[Ee]rror' "$out"
fi

finish
