#!/bin/sh
# Kept-open connections (FCGI_KEEP_CONN) cannot starve new ones: with as
# many idle kept connections as workers, a new connection waits only until
# the watchdog closes the oldest idle one (every 200 ms), not the minute
# an idle kept connection may otherwise rest.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
make_fixtures "$T"

S=$T/authd.sock
W=4
start_authd "unix:$S" --user-file "$T/users.htpasswd" --threads $W
tok=$(b64 alice:alice-secret)

# keeper: one request with FCGI_KEEP_CONN, its answer read, then idle (at
# most 30 s) until the daemon closes the connection. Prints "answered" and
# then "closed".
keeper() {
	perl -MIO::Socket::UNIX -e '
		my ($path, $auth) = @ARGV;
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
		while (time - $t < 30) { last if !sysread($s, $b, 1); }
		print "closed\n";' "$S" "Basic $tok"
}

i=0
while [ $i -lt $W ]; do
	keeper >"$T/keep.$i" 2>&1 &
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
finish
