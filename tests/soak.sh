# Soak: fcgi-authd behind nginx for SOAK_SECS seconds (default 60; the long
# form is SOAK_SECS=600) under a steady mix of right, wrong and unknown
# credentials and malformed headers: zero errors (every answer 200 or 401),
# and RSS growth under 1 MiB between the end of the warm-up and the end.
# Run with `make soak` (SOAK_SECS=N make soak for another length).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
need_nginx
make_fixtures "$T"
SECS=${SOAK_SECS:-60}

mkdir -p "$T/htdocs"
echo "page" >"$T/htdocs/index.html"
start_daemon --user-file "$T/users.htpasswd" --log-level warning
start_nginx "$DAEMON_SOCK"
PORT=$NGINX_PORT

# client ID SECONDS: a fixed rotation, one answer code per line.
client() {
	_end=$(($(date +%s) + $2))
	_i=0
	while [ "$(date +%s)" -lt "$_end" ]; do
		case $((_i % 5)) in
		0) _a="-u carol:carol-secret" ;;
		1) _a="-u carol:wrong-$_i" ;;
		2) _a="-u nobody$_i:x" ;;
		3) _a="-H Authorization:Basic%%%" ;;
		*) _a="-u dave:dave-secret" ;;
		esac
		# shellcheck disable=SC2086 # _a is two words on purpose
		curl -s -o /dev/null -w "%{http_code} %{time_total} $(date +%T)\n" \
			--max-time 10 $_a \
			"http://127.0.0.1:$PORT/index.html"
		_i=$((_i + 1))
	done >"$T/soak.$1"
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$AUTHD_PID/status"; }

# Warm up with the same concurrency, so every worker thread has run (and
# malloc has made its per-thread arenas) before the baseline is taken.
kids=
for c in 1 2 3 4; do
	client "warm$c" 5 &
	kids="$kids $!"
done
for k in $kids; do wait "$k"; done
rss0=$(rss)
kids=
for c in 1 2 3 4; do
	client "$c" "$SECS" &
	kids="$kids $!"
done
for k in $kids; do wait "$k"; done
rss1=$(rss)
total=$(cat "$T"/soak.[1-4] | wc -l)
errors=$(cat "$T"/soak.[1-4] | grep -vc '^\(200\|401\) ' || :)
echo "# soak: $SECS s, $total requests, $errors errors, RSS $rss0 -> $rss1 kB"
expect_eq "no errors in $total requests" 0 "$errors"
if [ "$errors" != 0 ]; then
	# Say why, for the reader of a failed run: each odd answer with its
	# time, nginx's own errors, and what the daemon warned about.
	echo "# odd answers (code seconds time):" $(cat "$T"/soak.[1-4] |
		grep -v '^\(200\|401\) ' | head -n 5)
	grep -E '\[(warn|error|crit|alert)\]' "$T/nginx-error.log" | head -n 5
	grep -v '^+' "$T/authd.log" | tail -n 5
fi
[ $((rss1 - rss0)) -lt 1024 ] && ok "RSS growth under 1 MiB (+$((rss1 - rss0)) kB)" ||
	not_ok "RSS growth under 1 MiB" "grew by $((rss1 - rss0)) kB"
kill -0 "$AUTHD_PID" && ok "alive" || not_ok "alive" "the daemon died"
finish
