#!/bin/sh
# SIGTERM while slow hashes are running and queued: every worker is joined
# before anything it can touch is freed (under --enable-sanitizers, ASan
# reports a use after free otherwise), the requests in hand are answered,
# and the daemon exits 0. The hashes are bcrypt-14 with the cache off, two
# hashing slots and a long queue, so the stop comes seconds before the
# last hash would end: longer than any timed join would wait.
. "$top_srcdir/tests/integration/lib.sh"
need_cmd htpasswd apache2-utils

htpasswd -nbB -C 14 slow slow-secret >"$T/users.htpasswd"
S=$T/authd.sock
start_authd "unix:$S" --user-file "$T/users.htpasswd" --cache-ttl 0 \
	--threads 32 --hash-slots 2 --throttle-user-failures 0
tok=$(b64 slow:slow-secret)

# 24 clients at once, each with a deadline long enough for the queue.
n=0
while [ $n -lt 24 ]; do
	fcgi --timeout 60 --role responder "unix:$S" REMOTE_ADDR=127.0.0.1 \
		REQUEST_URI=/ HTTP_AUTHORIZATION="Basic $tok" \
		>"$T/out.$n" 2>&1 &
	n=$((n + 1))
done

# Stop once the first answers were written: hashes are then running and
# most requests wait for a slot (bounded wait).
i=0
while [ "$(grep -c 'decision ' "$T/authd.log")" -lt 2 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "hashing had started before the stop" 1 \
	"$([ "$(grep -c 'decision ' "$T/authd.log")" -ge 2 ] && echo 1)"
grep -vx "$AUTHD_PID" "$T/.pids" >"$T/.pids.new" || :
mv "$T/.pids.new" "$T/.pids"
kill -TERM "$AUTHD_PID"
# The stop waits for the hashes in hand (bounded: the test gives it 120 s).
i=0
while _alive "$AUTHD_PID" && [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
if _alive "$AUTHD_PID"; then
	kill -KILL "$AUTHD_PID"
	fail_now "the daemon did not stop within 120 s of SIGTERM"
fi
rc=0
wait "$AUTHD_PID" || rc=$?
wait || :
expect_eq "exit status after SIGTERM under load" 0 "$rc"
expect_no_match "no sanitizer report" 'AddressSanitizer|LeakSanitizer|runtime error|ThreadSanitizer' \
	"$(cat "$T/authd.log")"
expect_no_match "no worker left running" 'did not stop' "$(cat "$T/authd.log")"

# Every request that got an answer got a whole one; none is a 200 that
# the password did not earn, and at least the ones in hand were answered.
answered=0
n=0
while [ $n -lt 24 ]; do
	s=$(status_of "$(cat "$T/out.$n")")
	case $s in
	200) answered=$((answered + 1)) ;;
	'' | 500 | 503) ;;
	*) expect_eq "client $n: an answer the stop could give" 200 "$s" ;;
	esac
	n=$((n + 1))
done
expect_eq "requests in hand when the stop came were answered" 1 \
	"$([ "$answered" -ge 3 ] && echo 1)"
finish
