# Faults under load: credential files rewritten in every way while nginx
# sends a mix of right, wrong and unknown credentials (every 200 must match
# a file version current at that time; no 5xx); a storm of SIGHUPs (no
# crash, file descriptors and memory flat); SIGTERM under load (in-flight
# requests answered, exit 0). Bounded: about 30 s in all.
# FAULT_SECS=N lengthens the load phases (the long form: FAULT_SECS=60).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_nginx
need_cmd openssl openssl
make_fixtures "$T"
SECS=${FAULT_SECS:-8}

U=$T/users.htpasswd
mkdir -p "$T/htdocs"
echo "page" >"$T/htdocs/index.html"

# Two versions of the file: alice's password is "pw-A" in one and "pw-B"
# in the other (sha512-crypt, quick to check under load).
hash_a=$(openssl passwd -6 pw-A)
hash_b=$(openssl passwd -6 pw-B)
version() { # A|B: the whole file of that version on stdout
	grep -v '^alice:' "$T/base"
	if [ "$1" = A ]; then echo "alice:$hash_a"; else echo "alice:$hash_b"; fi
}
cp "$U" "$T/base"
version A >"$U"
chmod 0644 "$U"

if is_root; then
	# Not root: an unreadable file must really be unreadable to it.
	set -- --user www-data
else
	set --
fi
start_daemon --user-file "$U" --cache-ttl 300 --log-level warning "$@"
start_nginx "$DAEMON_SOCK"
PORT=$NGINX_PORT

now_ms() { date +%s%3N; }

# load ID SECONDS: rotate credentials, log "ms password status" per answer.
load() {
	_end=$(($(now_ms) + $2 * 1000))
	_i=0
	while [ "$(now_ms)" -lt "$_end" ]; do
		case $((_i % 4)) in
		0) _c=alice:pw-A ;;
		1) _c=alice:pw-B ;;
		2) _c=alice:wrong ;;
		*) _c=nobody:pw-A ;;
		esac
		_s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
			-u "$_c" "http://127.0.0.1:$PORT/")
		echo "$(now_ms) $_c $_s"
		_i=$((_i + 1))
	done >"$T/load.$1"
}

# --- 1. the file rewritten in every way, under load -----------------------
: >"$T/versions"
mark() { echo "$(now_ms) $1" >>"$T/versions"; }
mark A
# Each change stays 1.5 s, so the daemon (which looks once a second) sees
# every version before the next replaces it: a version it never saw cannot
# be served, and the last one it saw rightly stays in service.
load 1 16 &
l1=$!
load 2 16 &
l2=$!
step=1500
pause() { sleep "$(echo "$step" | awk '{ printf "%.3f", $1 / 1000 }')"; }
for what in B-atomic A-inplace truncated B-chunks deleted A-atomic unreadable \
    B-atomic directory fifo; do
	pause
	case $what in
	B-atomic | A-atomic)
		v=${what%-*}
		version "$v" >"$T/new" && chmod 0644 "$T/new" && mv "$T/new" "$U"
		mark "$v"
		;;
	A-inplace)
		version A >"$U"
		mark A
		;;
	truncated) : >"$U" ;; # kept: the last good version stays current
	B-chunks)
		# In-place rewrite in pieces, as an editor or htpasswd might.
		version B >"$T/new"
		head -c 100 "$T/new" >"$U"
		sleep 0.05
		cat "$T/new" >"$U"
		mark B
		;;
	deleted) rm -f "$U" ;;
	unreadable)
		# Unreadable from its first byte (the daemon is not root here).
		version B >"$T/new" && chmod 000 "$T/new" && mv "$T/new" "$U"
		is_root || mark B # as non-root the test cannot make it unreadable
		;;
	directory) rm -f "$U" && mkdir "$U" ;;
	fifo) rmdir "$U" && mkfifo "$U" ;;
	esac
done
wait $l1 $l2
rm -f "$U"
version A >"$U"
chmod 0644 "$U"
mark A

# Every 200 for alice must match a version current within the 1.5 s it
# may take the daemon to notice (unreadable/broken files keep the last good
# version, which the marks already reflect).
cat "$T/load.1" "$T/load.2" | sort -n >"$T/answers"
total=$(wc -l <"$T/answers")
bad=$(awk -v vers="$T/versions" '
	BEGIN { n = 0; while ((getline line < vers) > 0) { split(line, f, " ");
		t[n] = f[1]; v[n] = f[2]; n++ } }
	$3 == "200" {
		split($2, c, ":"); want = (c[2] == "pw-A") ? "A" : (c[2] == "pw-B") ? "B" : "X";
		if (c[1] != "alice" || want == "X") { print "200 for " $2; next }
		okv = 0;
		for (i = 0; i < n; i++) {
			end = (i + 1 < n) ? t[i + 1] + 1500 : 1e18;
			if (v[i] == want && t[i] <= $1 && $1 <= end) okv = 1
		}
		if (!okv) print "200 for " $2 " at " $1 " outside version " want
	}
	$3 ~ /^5/ { print "5xx: " $0 }
	$3 == "000" { print "no answer: " $0 }' "$T/answers")
echo "# $total answers under load: $(grep -c ' 200$' "$T/answers") allowed, $(grep -c ' 401$' "$T/answers") refused"
expect_eq "every 200 matched a current file version; no 5xx" "" "$bad"
if printf '%s\n' "$bad" | grep -q '^5xx'; then
	# Say why, for the next reader of a failed run: the daemon logs each
	# 5xx decision, nginx each upstream trouble, and the versions' times.
	echo "# 5xx decisions:" $(grep 'status=5' "$T/authd.log" | head -n 5)
	echo "# nginx errors:" $(grep -E '\[(error|crit|alert)\]' "$T/nginx-error.log" | head -n 5)
	echo "# versions:" $(cat "$T/versions")
fi
expect_match "a broken file kept the last good one" 'reload failed' \
	"$(cat "$T/authd.log")"

# --- 2. a SIGHUP storm under load -------------------------------------------
fds() { ls "/proc/$AUTHD_PID/fd" | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$AUTHD_PID/status"; }
fd0=$(fds)
rss0=$(rss)
load 3 "$SECS" &
l3=$!
end=$(($(now_ms) + SECS * 1000))
hups=0
while [ "$(now_ms)" -lt "$end" ]; do
	kill -HUP "$AUTHD_PID" || break
	hups=$((hups + 1))
	sleep 0.01
done
wait $l3
# Until the last reloads and connections are done: the descriptors are
# back where they were (a leak keeps them up: checked below).
fds_back() { [ "$(fds)" -le "$fd0" ]; }
wait_for "$WAIT_SECS" fds_back || :
kill -0 "$AUTHD_PID" && ok "alive after $hups SIGHUPs" ||
	not_ok "alive after $hups SIGHUPs" "the daemon died"
expect_eq "no 5xx during the storm" 0 "$(grep -c ' 5[0-9][0-9]$' "$T/load.3")"
expect_eq "answers during the storm" 0 "$(grep -c ' 000$' "$T/load.3")"
fd1=$(fds)
rss1=$(rss)
echo "# fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB after $hups SIGHUPs"
expect_eq "file descriptors flat" "$fd0" "$fd1"
# Under a sanitizer the allocator's quarantine grows by design: report.
if ldd "$FCGI_AUTHD" 2>/dev/null | grep -q 'lib[at]san'; then
	ok "RSS reported only under a sanitizer (+$((rss1 - rss0)) kB)"
elif [ $((rss1 - rss0)) -lt 4096 ]; then
	ok "RSS flat (+$((rss1 - rss0)) kB)"
else
	not_ok "RSS flat" "grew by $((rss1 - rss0)) kB"
fi

# --- 3. SIGTERM under load ---------------------------------------------------
A=unix:$DAEMON_SOCK
i=0
kids=
while [ $i -lt 12 ]; do
	(
		n=0
		while [ $n -lt 200 ]; do
			fcgi --timeout 5 "$A" REMOTE_ADDR=127.0.0.1 \
				HTTP_AUTHORIZATION="Basic $(b64 alice:pw-A)" >"$T/t.$i.$n" 2>&1
			echo $? >>"$T/t.$i.rc"
			n=$((n + 1))
		done
	) &
	kids="$kids $!"
	i=$((i + 1))
done
# Under load: until every client has had an answer (its .rc file).
all_answered() { [ "$(ls "$T"/t.*.rc 2>/dev/null | wc -l)" -eq $i ]; }
wait_for "$WAIT_SECS" all_answered ||
	fail_now "not all $i clients had an answer within ${WAIT_SECS}s"
kill -TERM "$AUTHD_PID"
wait "$AUTHD_PID"
expect_eq "SIGTERM under load: exit 0" 0 $?
for k in $kids; do wait "$k"; done
# A request either got its whole answer or never got in (refused); none
# was cut off half-way.
cut=$(grep -l 'before FCGI_END_REQUEST\|reset' "$T"/t.* 2>/dev/null | wc -l)
expect_eq "no in-flight request cut off" 0 "$cut"
expect_match "answers before the stop" '^Status: 200' "$(cat "$T"/t.0.* 2>/dev/null)"

finish
