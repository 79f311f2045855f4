#!/bin/sh
# Kept-open connections (FCGI_KEEP_CONN) cannot starve new ones: with as
# many idle kept connections as workers, a new connection waits only until
# the watchdog closes the oldest idle one (every 200 ms), not the minute
# an idle kept connection may otherwise rest; and a request begun on a
# kept connection has the read deadline, not that minute.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"

S=$T/authd.sock
W=4
start_authd "unix:$S" --user-file "$T/users.htpasswd" --threads $W
tok=$(b64 alice:alice-secret)

# keeper SOCK [IDLE]: one request with FCGI_KEEP_CONN, its answer read,
# then idle (at most 30 s) until the daemon closes the connection. Prints
# "answered" and then "closed". With IDLE (seconds): after IDLE s idle
# ("open after idle", or "closed while idle"), the first record of a next
# request and nothing more; prints "closed N s after the first byte"
# (tenths; 30 at most).
keeper() {
	perl -MIO::Socket::UNIX -e '
		my ($path, $auth, $idle) = @ARGV;
		my $s = IO::Socket::UNIX->new(Peer => $path) or exit 2;
		sub rec { my ($t, $c) = @_;
			pack("CCnnCC", 1, $t, 1, length $c, 0, 0) . $c }
		sub nv { my ($n, $v) = @_;
			pack("CN", length $n, 0x80000000 | length $v) . $n . $v }
		my $p = nv("FCGI_ROLE", "RESPONDER") . nv("REMOTE_ADDR", "127.0.0.1")
		    . nv("REQUEST_URI", "/") . nv("HTTP_AUTHORIZATION", $auth);
		syswrite $s, rec(1, pack("nCx5", 1, 1)) . rec(4, $p) . rec(4, "")
		    . rec(5, "");
		$| = 1;
		my ($buf, $b) = ("", "");
		my $t = time;
		while (time - $t < 30) {
			last if !sysread($s, $b, 4096);
			$buf .= $b;
			if ($buf =~ /Status: 200/ && index($buf, pack("C", 3)) >= 0) {
				print "answered\n"; last;
			}
		}
		if ($idle) {
			my $rin = "";
			vec($rin, fileno($s), 1) = 1;
			# Ticks of 0.1 s until EOF (or $max ticks); data is read away.
			my $ticks = sub { my ($max) = @_; my $n = 0;
				while ($n < $max) { my $r = $rin;
					return $n if select($r, undef, undef, 0.1) &&
					    !sysread($s, $b, 4096);
					$n++ }
				return $n };
			if ($ticks->($idle * 10) < $idle * 10) {
				print "closed while idle\n"; exit;
			}
			print "open after idle\n";
			syswrite $s, rec(1, pack("nCx5", 1, 1));
			printf "closed %.1f s after the first byte\n", $ticks->(300) / 10;
			exit;
		}
		while (time - $t < 30) { last if !sysread($s, $b, 1); }
		print "closed\n";' "$1" "Basic $tok" "${2:-}"
}

i=0
while [ $i -lt $W ]; do
	keeper "$S" >"$T/keep.$i" 2>&1 &
	bg_pid $!
	i=$((i + 1))
done
wait_for 10 sh -c "[ \$(cat $T/keep.* | grep -c answered) -ge $W ]" ||
	fail_now "the kept connections were not all answered"

# Every worker now holds an idle kept connection. A new request, with 5 s
# to be answered (an idle kept connection may otherwise rest 60 s):
out=$(fcgi --timeout 5 "unix:$S" REMOTE_ADDR=127.0.0.1 REQUEST_URI=/ \
	HTTP_AUTHORIZATION="Basic $tok")
expect_eq "a new connection is served while every worker keeps one" 200 \
	"$(status_of "$out")"
wait_for 10 sh -c "grep -q closed $T/keep.*" ||
	fail_now "no kept connection was closed for the new one"
ok "an idle kept connection gave its worker up"

# The first byte of a next request ends a kept connection's idle rest:
# from then on the read deadline (1 s here) applies, so a peer cannot hold
# a worker for the idle minute by starting a request and stalling.
S2=$T/deadline.sock
start_authd "unix:$S2" --user-file "$T/users.htpasswd" --threads 2 \
	--read-timeout 1
keeper "$S2" 3 >"$T/stall" 2>&1
stall=$(cat "$T/stall")
expect_match "a kept connection rests idle past the read deadline" \
	'^open after idle$' "$stall"
secs=$(printf '%s\n' "$stall" |
	sed -n 's/^closed \([0-9.]*\) s after the first byte$/\1/p')
echo "# a stalled request on a kept connection closed after ${secs:-?} s"
if awk -v s="$secs" 'BEGIN { exit !(s != "" && s < 4) }'; then
	ok "a request started and stalled meets the read deadline"
else
	not_ok "a request started and stalled meets the read deadline" \
		"$(_quote "$stall")"
fi
finish
