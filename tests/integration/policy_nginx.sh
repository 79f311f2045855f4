# Policy behind nginx: groups, profiles and rules chosen per location by the
# shipped etc/nginx/fcgi-authd.conf and etc/nginx/site.conf (a profile in
# the auth_request URI, AUTH_REQUIRE/AUTH_REALM from variables), 403
# without a challenge, 401 with the profile's realm, spoofed Auth-* client
# headers, locked and expiring accounts, and the user's groups reaching
# the proxied application.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_nginx
need_cmd openssl openssl
make_fixtures "$T"
make_policy_fixtures "$T"
need_www_data_reach

REALM="fcgi-authd policy nginx test"
N=$T/nginx
mkdir -p "$N/tmp" "$T/htdocs/admin" "$T/htdocs/staff" "$T/htdocs/carol" \
	"$T/htdocs/nested/inner"

cat >"$T/authd.conf" <<EOF
user_file = $T/users.htpasswd
group_file = $T/groups.htgroup
realm = "$REALM"

[profile admins]
realm = Admins
require = group admins

[path /carol/]
require = user carol
EOF

start_daemon -c "$T/authd.conf"
SOCK=$DAEMON_SOCK

echo "SECRET-STATIC index" >"$T/htdocs/index.html"
echo "SECRET-ADMIN page" >"$T/htdocs/admin/index.html"
echo "SECRET-STAFF page" >"$T/htdocs/staff/index.html"
echo "SECRET-CAROL page" >"$T/htdocs/carol/index.html"
echo "SECRET-NESTED page" >"$T/htdocs/nested/inner/index.html"
nginx_site_setup "$SOCK"

# nginx_http: what goes into http { } (start_nginx_http picks the ports).
nginx_http() {
	nginx_site_conf
	cat <<EOF
    include $N/site.conf;

    # The application behind /app/: echoes what nginx forwarded to it.
    server {
        listen 127.0.0.1:$UPORT;
        location / {
            return 200 "upstream saw X-Remote-User=[\$http_x_remote_user] X-Remote-Groups=[\$http_x_remote_groups]\n";
        }
    }

    # How the snippet behaves in other server blocks: a hidden-files rule
    # that must not catch the auth location, a profile inherited by a
    # nested location, and auth_request URIs naming no known profile.
    server {
        listen 127.0.0.1:$MPORT;
        root $T/htdocs;
        location ~ /\\. { deny all; }
        include $N/fcgi-authd.conf;
        auth_request /.fcgi-authd;
        location /nested/ {
            auth_request /.fcgi-authd/admins;
            location /nested/inner/ { }
        }
        location /nosuch/ { auth_request /.fcgi-authd/nosuch; }
        location /badname/ { auth_request "/.fcgi-authd/bad name"; }
    }
EOF
}
start_nginx_http "PORT UPORT MPORT" nginx_http

BASE=https://127.0.0.1:$PORT
LEAK='SECRET|upstream saw'

# get PATH [CURL_ARGS...]: HTTPS request to the site, prints the status.
get() {
	_gpath=$1
	shift
	curl_status "$BASE$_gpath" -k "$@"
}

# passes NAME PATH BODY_ERE [CURL_ARGS...]: 200 and the page.
passes() {
	_pname=$1
	_ppath=$2
	_pbody=$3
	shift 3
	expect_eq "$_pname: 200" 200 "$(get "$_ppath" "$@")"
	expect_match "$_pname: page" "$_pbody" "$(cat "$T/body")"
}

# forbidden NAME PATH [CURL_ARGS...]: 403, no challenge, nothing leaks.
forbidden() {
	_fname=$1
	shift
	expect_eq "$_fname: 403" 403 "$(get "$@")"
	expect_eq "$_fname: no WWW-Authenticate" 0 "$(header_count WWW-Authenticate)"
	expect_no_match "$_fname: no content" "$LEAK" "$(cat "$T/body")"
	expect_match "$_fname: fcgi-authd's page" '<h1>Not allowed here</h1>' \
		"$(cat "$T/body")"
}

# challenged NAME REALM PATH [CURL_ARGS...]: 401 with one challenge for REALM.
challenged() {
	_cname=$1
	_crealm=$2
	shift 2
	expect_eq "$_cname: 401" 401 "$(get "$@")"
	expect_no_match "$_cname: no content" "$LEAK" "$(cat "$T/body")"
	expect_match "$_cname: fcgi-authd's page" '<h1>Sign-in required</h1>' \
		"$(cat "$T/body")"
	expect_eq "$_cname: one WWW-Authenticate" 1 "$(header_count WWW-Authenticate)"
	expect_eq "$_cname: challenge" "Basic realm=\"$_crealm\", charset=\"UTF-8\"" \
		"$(header_value WWW-Authenticate)"
}

# The default profile: any valid user.
challenged "/: no credentials" "$REALM" /
passes "/: dave (no group)" / '^SECRET-STATIC' -u dave:dave-secret
for pair in $FIXTURE_FUTURE; do
	passes "/: ${pair%%:*} (expires in the future)" / '^SECRET-STATIC' -u "$pair"
done
for pair in $FIXTURE_EXPIRED; do
	challenged "/: ${pair%%:*} (expired)" "$REALM" / -u "$pair"
done
for pair in $FIXTURE_LOCKED; do
	challenged "/: ${pair%%:*} (locked)" "$REALM" / -u "$pair"
done

# /admin/: auth_request /.fcgi-authd/admins, the profile "admins".
challenged "/admin/: no credentials" Admins /admin/
challenged "/admin/: wrong password" Admins /admin/ -u alice:wrong
passes "/admin/: alice (admins)" /admin/ '^SECRET-ADMIN' -u alice:alice-secret
forbidden "/admin/: bob (staff only)" /admin/ -u bob:bob-secret
forbidden "/admin/: dave (no group)" /admin/ -u dave:dave-secret
for pair in $FIXTURE_EXPIRED $FIXTURE_LOCKED; do
	challenged "/admin/: ${pair%%:*}" Admins /admin/ -u "$pair"
done
forbidden "/admin/: pete (no group)" /admin/ -u "$FIXTURE_FUTURE"
expect_match "fcgi-authd judged /admin/ by the profile admins" \
	'status=403 reason=forbidden .*profile=admins .*uri="/admin/"' \
	"$(cat "$T/authd.log")"

# /staff/: AUTH_REQUIRE "group staff" and AUTH_REALM "Staff" from variables.
challenged "/staff/: no credentials" Staff /staff/
challenged "/staff/: wrong password" Staff /staff/ -u carol:wrong
passes "/staff/: carol" /staff/ '^SECRET-STAFF' -u carol:carol-secret
passes "/staff/: alice" /staff/ '^SECRET-STAFF' -u alice:alice-secret
forbidden "/staff/: dave" /staff/ -u dave:dave-secret
forbidden "/staff/: pete" /staff/ -u "$FIXTURE_FUTURE"

# /carol/: a [path] rule of fcgi-authd's config, whatever the URI spelling.
passes "/carol/: carol" /carol/ '^SECRET-CAROL' -u carol:carol-secret
forbidden "/carol/: alice" /carol/ -u alice:alice-secret
forbidden "/carol/ as /%63arol/" /%63arol/ -u alice:alice-secret
forbidden "/carol/ as //carol/" //carol/ -u alice:alice-secret
forbidden "/carol/ as /x/../carol/" /x/../carol/ -u alice:alice-secret --path-as-is
forbidden "/carol/ as /./carol/index.html" /./carol/index.html \
	-u alice:alice-secret --path-as-is

# Client headers named like the admin's parameters change nothing.
passes "spoof: Auth-Profile naming no profile" / '^SECRET-STATIC' \
	-u dave:dave-secret -H "Auth-Profile: nosuch"
passes "spoof: Auth-Require for nobody" / '^SECRET-STATIC' \
	-u alice:alice-secret -H "Auth-Require: user nobody"
forbidden "spoof: Auth-Profile/Auth-Require on /admin/" /admin/ \
	-u bob:bob-secret -H "Auth-Profile: staff" -H "Auth-Require: valid-user"
forbidden "spoof: Auth-Require on /staff/" /staff/ -u dave:dave-secret \
	-H "Auth-Require: valid-user"
challenged "spoof: Auth-Realm on /" "$REALM" / -H "Auth-Realm: Evil"
challenged "spoof: Auth-Realm on /admin/" Admins /admin/ -H "Auth-Realm: Evil"

# The user's groups reach the application; never the client's own claim.
expect_eq "groups: alice 200" 200 "$(get /app/x -u alice:alice-secret)"
expect_match "groups: alice" \
	'X-Remote-User=\[alice\] X-Remote-Groups=\[admins,staff\]' "$(cat "$T/body")"
expect_eq "groups: bob 200" 200 \
	"$(get /app/x -u bob:bob-secret -H "X-Remote-Groups: admins")"
expect_match "groups: bob, claiming admins" \
	'X-Remote-User=\[bob\] X-Remote-Groups=\[staff\]' "$(cat "$T/body")"
expect_eq "groups: pete 200" 200 \
	"$(get /app/x -u "$FIXTURE_FUTURE" -H "X-Remote-Groups: admins")"
expect_match "groups: pete (no group), claiming admins" \
	'X-Remote-User=\[pete\] X-Remote-Groups=\[\]' "$(cat "$T/body")"

# The same answers straight from the socket, in the shape nginx sends.
hdr_alice="Basic $(b64 alice:alice-secret)"
out=$(fcgi --role responder "unix:$SOCK" REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="$hdr_alice")
expect_match "socket: alice's groups" '^Variable-REMOTE_GROUPS: admins,staff' \
	"$(printf '%s\n' "$out" | tr -d '\r')"
out=$(fcgi --role responder "unix:$SOCK" REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="Basic $(b64 "$FIXTURE_FUTURE")")
expect_eq "socket: pete 200" 200 "$(status_of "$out")"
expect_no_match "socket: pete has no groups header" '^Variable-REMOTE_GROUPS' \
	"$(printf '%s\n' "$out" | tr -d '\r')"
out=$(fcgi --role responder "unix:$SOCK" REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="$hdr_alice" AUTH_PROFILE=nosuch)
expect_eq "socket: AUTH_PROFILE naming no profile: 500" 500 "$(status_of "$out")"
out=$(fcgi --role responder "unix:$SOCK" REQUEST_URI=/ REMOTE_ADDR=127.0.0.1 \
	HTTP_AUTHORIZATION="$hdr_alice" HTTP_AUTH_PROFILE=nosuch)
expect_eq "socket: HTTP_AUTH_PROFILE is ignored" 200 "$(status_of "$out")"

# The snippet in another server block.
MBASE=http://127.0.0.1:$MPORT
expect_eq "hidden-files rule: / still asks fcgi-authd (401)" 401 \
	"$(curl_status "$MBASE/")"
expect_eq "nested location keeps the profile: alice 200" 200 \
	"$(curl_status "$MBASE/nested/inner/" -u alice:alice-secret)"
expect_match "nested location keeps the profile: page" '^SECRET-NESTED' \
	"$(cat "$T/body")"
expect_eq "nested location keeps the profile: bob 403" 403 \
	"$(curl_status "$MBASE/nested/inner/" -u bob:bob-secret)"
expect_eq "nested location keeps the profile: realm" \
	'Basic realm="Admins", charset="UTF-8"' \
	"$([ "$(curl_status "$MBASE/nested/inner/")" = 401 ] &&
		header_value WWW-Authenticate)"
expect_eq "unknown profile: 500" 500 \
	"$(curl_status "$MBASE/nosuch/" -u alice:alice-secret)"
expect_no_match "unknown profile: no content" "$LEAK" "$(cat "$T/body")"
expect_eq "malformed profile name: 500" 500 \
	"$(curl_status "$MBASE/badname/" -u alice:alice-secret)"
expect_eq "/.fcgi-authd/admins from outside: 404" 404 \
	"$(curl_status "$MBASE/.fcgi-authd/admins" -u alice:alice-secret)"
expect_no_match "no warnings about uninitialised variables" \
	'uninitialized' "$(cat "$T/nginx-error.log")"

finish
