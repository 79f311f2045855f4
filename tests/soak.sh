# Soak: fcgi-authd behind nginx for SOAK_SECS seconds (default 60; the long
# form is SOAK_SECS=600) under a steady mix of right, wrong and unknown
# credentials and malformed headers: zero errors (every answer 200 or 401),
# and RSS growth under 1 MiB between the end of the warm-up and the end.
# Run with `make soak` (SOAK_SECS=N make soak for another length).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
need_cmd nginx nginx-light
need_cmd curl curl
make_fixtures "$T"
need_www_data_reach
SECS=${SOAK_SECS:-60}

SOCK=$T/authd.sock
PORT=$(free_port)
N=$T/nginx
mkdir -p "$N/tmp" "$T/htdocs"
echo "page" >"$T/htdocs/index.html"
if is_root; then
	WORKER_USER="user www-data www-data;"
	set -- --socket-group www-data --socket-mode 0660
else
	WORKER_USER=""
	set --
fi
start_authd "unix:$SOCK" --user-file "$T/users.htpasswd" --log-level warning "$@"
copy_conf "$top_srcdir/etc/nginx/fcgi-authd.conf" "$N/fcgi-authd.conf" \
	/run/fcgi-authd/fcgi-authd.sock "$SOCK"
cat >"$N/nginx.conf" <<EOF
$WORKER_USER
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        root $T/htdocs;
        include $N/fcgi-authd.conf;
        auth_request /.fcgi-authd;
    }
}
EOF
start_bg "$T/nginx-stdout.log" nginx -p "$N/" -c "$N/nginx.conf" -e "$T/nginx-error.log"
wait_ready "$BG_PID" "$T/nginx-error.log" tcp 127.0.0.1 "$PORT"

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
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 $_a \
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
errors=$(cat "$T"/soak.[1-4] | grep -vc '^\(200\|401\)$' || :)
echo "# soak: $SECS s, $total requests, $errors errors, RSS $rss0 -> $rss1 kB"
expect_eq "no errors in $total requests" 0 "$errors"
[ $((rss1 - rss0)) -lt 1024 ] && ok "RSS growth under 1 MiB (+$((rss1 - rss0)) kB)" ||
	not_ok "RSS growth under 1 MiB" "grew by $((rss1 - rss0)) kB"
kill -0 "$AUTHD_PID" && ok "alive" || not_ok "alive" "the daemon died"
finish
