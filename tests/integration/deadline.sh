# Read deadlines: connections that never deliver their request are closed
# (after a second when they send nothing at all, after read_timeout when
# they stall), so W + 8 silent connections (W = workers) cannot stop
# authentication; a canary is answered within the deadline plus a second.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"

S=$T/authd.sock
W=8
DEADLINE=2
start_authd "unix:$S" --user-file "$T/users.htpasswd" --threads $W \
	--read-timeout $DEADLINE

# W + 8 connections: half send a BEGIN_REQUEST and then nothing (stalled),
# half send nothing at all (silent).
kids=
i=0
while [ $i -lt $((W + 8)) ]; do
	if [ $((i % 2)) = 0 ]; then
		fcgi --timeout 15 --malformed slowloris "unix:$S" >"$T/slow.$i" 2>&1 &
	else
		perl -MIO::Socket::UNIX -e '
			my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 2;
			my $t = time; my $b;
			# Wait (at most 15 s) for the daemon to close on us.
			while (time - $t < 15) { last if !sysread($s, $b, 1); }
			print "closed\n"' "$S" >"$T/slow.$i" 2>&1 &
	fi
	kids="$kids $!"
	i=$((i + 1))
done
# held: how many connections on $S the daemon holds (accepted sockets
# carry the listener's path in /proc/net/unix; a dup counts once).
held() {
	perl -e '
		my ($pid, $path) = @ARGV;
		my (%conn, %held);
		open(my $h, "<", "/proc/net/unix") or exit 1;
		<$h>;
		while (<$h>) {
			my @c = split;
			$conn{$c[6]} = 1 if @c >= 8 && $c[5] eq "03" && $c[7] eq $path;
		}
		opendir(my $d, "/proc/$pid/fd") or exit 1;
		for (readdir $d) {
			my $l = readlink("/proc/$pid/fd/$_");
			$held{$1} = 1 if defined $l && $l =~ /^socket:\[(\d+)\]$/ && $conn{$1};
		}
		print scalar(keys %held), "\n"' "$AUTHD_PID" "$S"
}
# Until every worker holds one of them.
all_held() { [ "$(held)" -ge $W ]; }
wait_for "$WAIT_SECS" all_held ||
	fail_now "the daemon held $(held) connections, not $W, after ${WAIT_SECS}s"

# The canary: answered, although every worker was held by a silent peer.
# Its own limit is generous (deadline + 3 s) so a loaded machine does not
# fail it; the time it took is printed.
start=$(date +%s.%N)
out=$(fcgi --timeout $((DEADLINE + 3)) "unix:$S" REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")
end=$(date +%s.%N)
expect_eq "canary answered 200 behind $((W + 8)) silent connections" 200 \
	"$(status_of "$out")"
echo "# canary took $(echo "$end - $start" | bc 2>/dev/null || echo "?") s (deadline $DEADLINE s)"

for k in $kids; do wait "$k"; done
closed=$(cat "$T"/slow.* | grep -c '^closed')
expect_eq "every silent connection was closed by the daemon" $((W + 8)) "$closed"
expect_match "the closing of stalled ones is logged" \
	'sent no complete request within 2000 ms' "$(cat "$T/authd.log")"
expect_match "the closing of silent ones is logged" \
	'sent nothing within 1000 ms of being accepted' "$(cat "$T/authd.log")"
expect_eq "still answering afterwards" 401 "$(status_of "$(fcgi "unix:$S" \
	REMOTE_ADDR=127.0.0.1)")"
kill -0 "$AUTHD_PID" && ok "daemon alive" || not_ok "daemon alive" "it died"

# Started with 1100 descriptors open (a careless parent): libfcgi cannot
# handle connections numbered past FD_SETSIZE, so fcgi-authd closes what
# it inherited beyond fd 3 and keeps its own numbers low.
S2=$T/many.sock
perl -e '
	use POSIX ();
	$^F = 100000; # keep them open across exec
	my @keep; for (1..1100) { open(my $f, "<", "/dev/null") or die; push @keep, $f }
	exec @ARGV or die "exec: $!"' \
	"$FCGI_AUTHD" --allow-root yes --user-file "$T/users.htpasswd" \
	--listen "unix:$S2" >>"$T/authd-many.log" 2>&1 </dev/null &
many=$!
bg_pid $many
wait_ready $many "$T/authd-many.log" unix "$S2"
expect_eq "1100 inherited descriptors: still answers" 200 \
	"$(status_of "$(fcgi "unix:$S2" HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)")")"
expect_eq "and keeps few open" 1 "$([ "$(ls /proc/$many/fd | wc -l)" -lt 100 ] && echo 1)"

finish
