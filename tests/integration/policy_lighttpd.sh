# Policy behind lighttpd (AUTHORIZER role): groups, profiles and rules
# chosen per URL by the shipped etc/lighttpd/fcgi-authd.conf (mod_setenv
# inside $HTTP["url"] blocks), 403 without a challenge, 401 with the
# profile's realm, spoofed Auth-* client headers, locked and expiring
# accounts, and the user's groups reaching a CGI as REMOTE_GROUPS.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_lighttpd
make_fixtures "$T"
make_policy_fixtures "$T"

REALM="fcgi-authd policy lighttpd test"
P=/protected
D=$T/htdocs$P
mkdir -p "$D/cgi" "$D/admin" "$D/staff" "$D/carol" "$T/htdocs/public"

cat >"$T/authd.conf" <<EOF
user_file = $T/users.htpasswd
group_file = $T/groups.htgroup
realm = "$REALM"

[profile admins]
realm = Admins
require = group admins

[path $P/carol/]
require = user carol
EOF

start_daemon -c "$T/authd.conf"

echo "SECRET-STATIC protected index" >"$D/index.html"
echo "SECRET-ADMIN page" >"$D/admin/index.html"
echo "SECRET-STAFF page" >"$D/staff/index.html"
echo "SECRET-CAROL page" >"$D/carol/index.html"
echo "public page" >"$T/htdocs/public/index.html"
cp "$top_srcdir/tests/integration/backend/whoami.cgi" "$D/cgi/"
chmod 0755 "$D/cgi/whoami.cgi"

start_lighttpd "$DAEMON_SOCK"

BASE=http://127.0.0.1:$LIGHTTPD_PORT
LEAK=SECRET

get() {
	_gpath=$1
	shift
	curl_status "$BASE$_gpath" "$@"
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
}

# challenged NAME REALM PATH [CURL_ARGS...]: 401 with one challenge for REALM.
challenged() {
	_cname=$1
	_crealm=$2
	shift 2
	expect_eq "$_cname: 401" 401 "$(get "$@")"
	expect_no_match "$_cname: no content" "$LEAK" "$(cat "$T/body")"
	expect_eq "$_cname: one WWW-Authenticate" 1 "$(header_count WWW-Authenticate)"
	expect_eq "$_cname: challenge" "Basic realm=\"$_crealm\", charset=\"UTF-8\"" \
		"$(header_value WWW-Authenticate)"
}

expect_eq "public page: 200" 200 "$(get /public/)"

# The default profile: any valid user.
challenged "$P/: no credentials" "$REALM" $P/
passes "$P/: dave (no group)" $P/ '^SECRET-STATIC' -u dave:dave-secret
for pair in $FIXTURE_FUTURE; do
	passes "$P/: ${pair%%:*} (expires in the future)" $P/ '^SECRET-STATIC' -u "$pair"
done
for pair in $FIXTURE_EXPIRED; do
	challenged "$P/: ${pair%%:*} (expired)" "$REALM" $P/ -u "$pair"
done
for pair in $FIXTURE_LOCKED; do
	challenged "$P/: ${pair%%:*} (locked)" "$REALM" $P/ -u "$pair"
done

# $P/admin/: AUTH_PROFILE=admins from setenv.add-environment.
challenged "$P/admin/: no credentials" Admins $P/admin/
challenged "$P/admin/: wrong password" Admins $P/admin/ -u alice:wrong
passes "$P/admin/: alice (admins)" $P/admin/ '^SECRET-ADMIN' -u alice:alice-secret
forbidden "$P/admin/: bob (staff only)" $P/admin/ -u bob:bob-secret
forbidden "$P/admin/: dave (no group)" $P/admin/ -u dave:dave-secret
for pair in $FIXTURE_EXPIRED $FIXTURE_LOCKED; do
	challenged "$P/admin/: ${pair%%:*}" Admins $P/admin/ -u "$pair"
done
forbidden "$P/admin/: pete (no group)" $P/admin/ -u "$FIXTURE_FUTURE"
# $HTTP["url"] is the decoded, normalised path: other spellings of the
# same folder get the profile too (here the [path] rules play no part).
forbidden "$P/admin/ as /%70rotected/admin/" /%70rotected/admin/ -u bob:bob-secret
forbidden "$P/admin/ as //protected/admin/" //protected/admin/ -u bob:bob-secret
forbidden "$P/admin/ as $P/./admin/" $P/./admin/ -u bob:bob-secret --path-as-is
forbidden "$P/admin/ as /public/..$P/admin/" /public/..$P/admin/ \
	-u bob:bob-secret --path-as-is
forbidden "$P/admin/ with a query string" "$P/admin/?x=/public/" -u bob:bob-secret
expect_match "fcgi-authd judged $P/admin/ by the profile admins" \
	"status=403 reason=forbidden .*profile=admins .*uri=\"$P/admin/\"" \
	"$(cat "$T/authd.log")"

# $P/staff/: AUTH_REQUIRE "group staff" and AUTH_REALM "Staff".
challenged "$P/staff/: no credentials" Staff $P/staff/
challenged "$P/staff/: wrong password" Staff $P/staff/ -u carol:wrong
passes "$P/staff/: carol" $P/staff/ '^SECRET-STAFF' -u carol:carol-secret
passes "$P/staff/: alice" $P/staff/ '^SECRET-STAFF' -u alice:alice-secret
forbidden "$P/staff/: dave" $P/staff/ -u dave:dave-secret
forbidden "$P/staff/: pete" $P/staff/ -u "$FIXTURE_FUTURE"

# $P/carol/: a [path] rule of fcgi-authd's config, whatever the spelling.
passes "$P/carol/: carol" $P/carol/ '^SECRET-CAROL' -u carol:carol-secret
forbidden "$P/carol/: alice" $P/carol/ -u alice:alice-secret
forbidden "$P/carol/ as $P/%63arol/" $P/%63arol/ -u alice:alice-secret
forbidden "$P/carol/ as $P//carol/" $P//carol/ -u alice:alice-secret
forbidden "$P/carol/ as $P/x/../carol/" $P/x/../carol/ -u alice:alice-secret \
	--path-as-is

# Client headers named like the admin's parameters change nothing.
passes "spoof: Auth-Profile naming no profile" $P/ '^SECRET-STATIC' \
	-u dave:dave-secret -H "Auth-Profile: nosuch"
passes "spoof: Auth_Profile (underscore) naming no profile" $P/ '^SECRET-STATIC' \
	-u dave:dave-secret -H "Auth_Profile: nosuch"
passes "spoof: Auth-Require for nobody" $P/ '^SECRET-STATIC' \
	-u alice:alice-secret -H "Auth-Require: user nobody"
forbidden "spoof: Auth-Profile/Auth-Require on $P/admin/" $P/admin/ \
	-u bob:bob-secret -H "Auth-Profile: staff" -H "Auth-Require: valid-user"
forbidden "spoof: Auth-Require on $P/staff/" $P/staff/ -u dave:dave-secret \
	-H "Auth-Require: valid-user"
challenged "spoof: Auth-Realm on $P/" "$REALM" $P/ -H "Auth-Realm: Evil"
challenged "spoof: Auth-Realm on $P/admin/" Admins $P/admin/ -H "Auth-Realm: Evil"

# The user's groups reach the CGI as REMOTE_GROUPS, and only those.
CGI=$P/cgi/whoami.cgi
passes "CGI: alice" $CGI '^REMOTE_GROUPS=\[admins,staff\]$' -u alice:alice-secret
expect_match "CGI: alice's REMOTE_USER" '^REMOTE_USER=\[alice\]$' "$(cat "$T/body")"
passes "CGI: bob claiming admins" $CGI '^REMOTE_GROUPS=\[staff\]$' \
	-u bob:bob-secret -H "Remote-Groups: admins"
passes "CGI: pete (no group) claiming admins" $CGI '^REMOTE_GROUPS=\[unset\]$' \
	-u "$FIXTURE_FUTURE" -H "Remote-Groups: admins"
challenged "CGI: no credentials" "$REALM" $CGI

# fcgi-authd gone: the profile locations fail closed as well.
stop_pid "$DAEMON_PID"
code=$(get $P/admin/ -u alice:alice-secret)
expect_match "fcgi-authd stopped: $P/admin/: 5xx" '^5[0-9][0-9]$' "$code"
expect_no_match "fcgi-authd stopped: $P/admin/: no content" "$LEAK" "$(cat "$T/body")"

finish
