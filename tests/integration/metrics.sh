# Metrics and health, served only where the admin routes them (an nginx
# location with fastcgi_param AUTH_ENDPOINT), scraped through nginx; never
# as an auth_request answer. Denial bodies in the format the client
# prefers, and the admin's own pages.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"
need_nginx
make_fixtures "$T"

mkdir -p "$T/htdocs/misrouted" "$T/pages"
echo "SECRET" >"$T/htdocs/misrouted/index.html"
echo "page" >"$T/htdocs/index.html"
printf '<p>Our own 403 page</p>\n' >"$T/pages/403.html"
start_daemon --user-file "$T/users.htpasswd" --pages-dir "$T/pages"
SOCK=$DAEMON_SOCK
start_nginx "$SOCK" "$(cat <<EOF
        # For Prometheus only: no password, loopback only.
        location = /fcgi-authd/metrics {
            auth_request off;
            allow 127.0.0.1;
            deny all;
            fastcgi_pass unix:$SOCK;
            fastcgi_param AUTH_ENDPOINT metrics;
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param DOCUMENT_URI \$document_uri;
        }
        location = /fcgi-authd/health {
            auth_request off;
            fastcgi_pass unix:$SOCK;
            fastcgi_param AUTH_ENDPOINT health;
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param DOCUMENT_URI \$document_uri;
        }
        # A mistake: auth_request pointed at a metrics location. Its 200
        # must never let anyone in.
        location = /.misrouted {
            internal;
            fastcgi_pass unix:$SOCK;
            fastcgi_param AUTH_ENDPOINT metrics;
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param DOCUMENT_URI \$document_uri;
        }
        location /misrouted/ {
            auth_request /.misrouted;
        }
EOF
)"
PORT=$NGINX_PORT
B=http://127.0.0.1:$PORT

curl_status "$B/index.html" -u alice:alice-secret >/dev/null
curl_status "$B/index.html" -u alice:alice-secret >/dev/null
curl_status "$B/index.html" -u alice:wrong >/dev/null
curl_status "$B/index.html" >/dev/null

expect_eq "metrics: 200 through nginx" 200 "$(curl_status "$B/fcgi-authd/metrics")"
m=$(cat "$T/body")
expect_match "metrics: content type" '^Content-Type: text/plain; version=0.0.4' \
	"$(cat "$T/headers")"
expect_match "metrics: allowed decisions" \
	'^fcgi_authd_decisions_total\{status="200",reason="ok"\} 2$' "$m"
expect_match "metrics: refusals by reason" \
	'^fcgi_authd_decisions_total\{status="401",reason="bad_password"\} 1$' "$m"
expect_match "metrics: challenges" \
	'^fcgi_authd_decisions_total\{status="401",reason="no_credentials"\} 1$' "$m"
expect_match "metrics: a cache hit" '^fcgi_authd_cache_lookups_total\{result="hit"\} 1$' "$m"
expect_match "metrics: hash histogram" '^fcgi_authd_hash_seconds_count 2$' "$m"
expect_match "metrics: build info" '^fcgi_authd_build_info\{version="' "$m"
expect_match "metrics: bans" '^fcgi_authd_bans_total\{kind="address"\} 0$' "$m"
expect_match "metrics: reloads" '^fcgi_authd_reloads_total\{result="ok"\} 0$' "$m"
expect_eq "health: 200" 200 "$(curl_status "$B/fcgi-authd/health")"
expect_eq "health says ok" ok "$(cat "$T/body")"
expect_eq "a client's Auth-Endpoint header is no endpoint" 401 \
	"$(curl_status "$B/" -H 'Auth-Endpoint: metrics')"
expect_eq "auth_request to a metrics location: refused, never allowed" 500 \
	"$(curl_status "$B/misrouted/" -u alice:alice-secret)"
expect_no_match "misrouted: nothing leaks" SECRET "$(cat "$T/body")"
expect_match "misrouted: logged" 'AUTH_ENDPOINT in a request that is not' \
	"$(cat "$T/authd.log")"

# Denial bodies by Accept (the AUTHORIZER role, where bodies reach the
# client), and the admin's own 403 page.
A=unix:$SOCK
deny() { # ACCEPT [NAME=VALUE...]
	_acc=$1
	shift
	fcgi --role authorizer "$A" REMOTE_ADDR=127.0.0.1 HTTP_ACCEPT="$_acc" "$@" |
		tr -d '\r'
}
out=$(deny 'text/html,application/xhtml+xml,*/*;q=0.8')
expect_match "a browser gets HTML" '^Content-Type: text/html' "$out"
expect_match "HTML says what to do" '<h1>Sign-in required</h1>' "$out"
out=$(deny 'application/json')
expect_match "JSON clients get problem+json" '^Content-Type: application/problem\+json' "$out"
expect_match "RFC 9457 fields" '"title":"Sign-in required","status":401' "$out"
out=$(deny 'text/plain')
expect_match "text/plain when only that is acceptable" '^Content-Type: text/plain' "$out"
out=$(deny 'text/html;q=0.1, application/json;q=0.9')
expect_match "q values are honoured" 'application/problem\+json' "$out"
out=$(deny '' HTTP_AUTHORIZATION="Basic $(b64 alice:alice-secret)" \
	AUTH_REQUIRE="user nobody")
expect_match "the admin's 403 page" '<p>Our own 403 page</p>' "$out"
out=$(deny '' HTTP_AUTHORIZATION="Basic $(b64 alice:wrong)")
out2=$(deny '' HTTP_AUTHORIZATION="Basic $(b64 nobody:wrong)")
expect_eq "the same 401 body for a wrong password and an unknown user" \
	"$(printf '%s' "$out" | sed '1,/^$/d')" "$(printf '%s' "$out2" | sed '1,/^$/d')"

finish
