# Policy behind Apache httpd 2.4 (mod_authnz_fcgi): groups, profiles and
# rules chosen per <Location> by the shipped etc/apache/fcgi-authd.conf
# (per-directory SetEnvIfExpr), in each of its four wirings: the Basic
# provider (default), check_authn (-D FCGI_AUTHD_CHECK_AUTHN), the generic
# authnz provider (-D FCGI_AUTHD_AUTHNZ) and the authz mode, where Apache
# checks passwords and fcgi-authd answers "Require" (-D FCGI_AUTHD_RULES).
# Also 403 without a challenge where Apache lets it through, 401 with the
# location's realm, spoofed Auth-* client headers, locked and expiring
# accounts, and the user's groups reaching a CGI as REMOTE_GROUPS.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_apache authn_file setenvif
make_fixtures "$T"
make_policy_fixtures "$T"

REALM="fcgi-authd policy apache test"
P=/protected
cat >"$T/authd.conf" <<EOF
user_file = $T/users.htpasswd
group_file = $T/groups.htgroup
realm = "$REALM"
apache_authz = yes

[profile admins]
realm = Admins
require = group admins

[path $P/carol/]
require = user carol
EOF
start_authd tcp:127.0.0.1:0 -c "$T/authd.conf"
AUTHD_MAIN_PID=$AUTHD_PID
AUTHD_MAIN=$AUTHD_LISTEN

mkdir -p "$T/htdocs$P/admin" "$T/htdocs$P/staff" "$T/htdocs$P/carol" \
	"$T/htdocs/public" "$T/cgi"
echo "SECRET-STATIC protected index" >"$T/htdocs$P/index.html"
echo "SECRET-ADMIN page" >"$T/htdocs$P/admin/index.html"
echo "SECRET-STAFF page" >"$T/htdocs$P/staff/index.html"
echo "SECRET-CAROL page" >"$T/htdocs$P/carol/index.html"
echo "public page" >"$T/htdocs/public/index.html"
cp "$top_srcdir/tests/integration/backend/whoami.cgi" "$T/cgi/"
chmod 0755 "$T/cgi/whoami.cgi"

apache_snippet "127.0.0.1:$AUTHD_PORT" "$REALM" \
	/etc/fcgi-authd/htpasswd "$T/users.htpasswd"
start_apache provider PROVIDER_PORT
start_apache check_authn CHECK_PORT -D FCGI_AUTHD_CHECK_AUTHN
start_apache authnz AUTHNZ_PORT -D FCGI_AUTHD_AUTHNZ
start_apache rules RULES_PORT -D FCGI_AUTHD_RULES

LEAK=SECRET

# get MODE PATH [CURL_ARGS...]
get() {
	case $1 in
	provider) _gport=$PROVIDER_PORT ;;
	check_authn) _gport=$CHECK_PORT ;;
	authnz) _gport=$AUTHNZ_PORT ;;
	*) _gport=$RULES_PORT ;;
	esac
	_gpath=$2
	shift 2
	curl_status "http://127.0.0.1:$_gport$_gpath" "$@"
}

# passes MODE NAME PATH BODY_ERE [CURL_ARGS...]: 200 and the page.
passes() {
	_pmode=$1
	_pname=$2
	_ppath=$3
	_pbody=$4
	shift 4
	expect_eq "$_pmode: $_pname: 200" 200 "$(get "$_pmode" "$_ppath" "$@")"
	expect_match "$_pmode: $_pname: page" "$_pbody" "$(cat "$T/body")"
}

# challenged MODE NAME CHALLENGE PATH [CURL_ARGS...]: 401 with exactly one
# WWW-Authenticate header, equal to CHALLENGE; nothing leaks.
challenged() {
	_cmode=$1
	_cname=$2
	_cwant=$3
	shift 3
	expect_eq "$_cmode: $_cname: 401" 401 "$(get "$_cmode" "$@")"
	expect_no_match "$_cmode: $_cname: no content" "$LEAK" "$(cat "$T/body")"
	expect_eq "$_cmode: $_cname: one WWW-Authenticate" 1 \
		"$(header_count WWW-Authenticate)"
	expect_eq "$_cmode: $_cname: challenge" "$_cwant" \
		"$(header_value WWW-Authenticate)"
}

# refused MODE NAME REALM PATH [CURL_ARGS...]: a user whose password is
# right but whom the rules refuse.  Where fcgi-authd's answer reaches the
# client (check_authn) or Apache asks it under "Require" (rules) that is
# 403 without a challenge; as an authentication provider fcgi-authd can
# only say no, and Apache answers its own 401 for REALM.
refused() {
	_rmode=$1
	_rname=$2
	_rrealm=$3
	shift 3
	case $_rmode in
	check_authn | rules)
		expect_eq "$_rmode: $_rname: 403" 403 "$(get "$_rmode" "$@")"
		expect_no_match "$_rmode: $_rname: no content" "$LEAK" "$(cat "$T/body")"
		expect_eq "$_rmode: $_rname: no WWW-Authenticate" 0 \
			"$(header_count WWW-Authenticate)"
		;;
	*)
		challenged "$_rmode" "$_rname" "Basic realm=\"$_rrealm\"" "$@"
		;;
	esac
}

# bad_password MODE NAME REALM PATH [CURL_ARGS...]: a refused password:
# fcgi-authd's own challenge in check_authn mode, Apache's otherwise.
bad_password() {
	_bmode=$1
	_bname=$2
	_brealm=$3
	shift 3
	if [ "$_bmode" = check_authn ]; then
		challenged "$_bmode" "$_bname" \
			"Basic realm=\"$_brealm\", charset=\"UTF-8\"" "$@"
	else
		challenged "$_bmode" "$_bname" "Basic realm=\"$_brealm\"" "$@"
	fi
}

for mode in provider check_authn authnz rules; do
	expect_eq "$mode: public page: 200" 200 "$(get $mode /public/)"

	# The default profile: any valid user.
	challenged $mode "$P/: no credentials" "Basic realm=\"$REALM\"" $P/
	passes $mode "$P/: dave (no group)" $P/ '^SECRET-STATIC' -u dave:dave-secret
	for pair in $FIXTURE_FUTURE; do
		passes $mode "$P/: ${pair%%:*} (expires in the future)" $P/ \
			'^SECRET-STATIC' -u "$pair"
	done
	for pair in $FIXTURE_LOCKED; do
		bad_password $mode "$P/: ${pair%%:*} (locked)" "$REALM" $P/ -u "$pair"
	done
	for pair in $FIXTURE_EXPIRED; do
		if [ $mode = rules ]; then
			# Apache checked the password and ignores expires=; only
			# fcgi-authd's answer under "Require" can stop the user.
			code=$(get $mode $P/ -u "$pair")
			expect_match "$mode: $P/: ${pair%%:*} (expired): refused" \
				'^40[13]$' "$code"
			expect_no_match "$mode: $P/: ${pair%%:*} (expired): no content" \
				"$LEAK" "$(cat "$T/body")"
		else
			bad_password $mode "$P/: ${pair%%:*} (expired)" "$REALM" $P/ \
				-u "$pair"
		fi
	done

	# $P/admin/: AUTH_PROFILE=admins.
	challenged $mode "$P/admin/: no credentials" 'Basic realm="Admins"' $P/admin/
	bad_password $mode "$P/admin/: wrong password" Admins $P/admin/ -u alice:wrong
	passes $mode "$P/admin/: alice (admins)" $P/admin/ '^SECRET-ADMIN' \
		-u alice:alice-secret
	refused $mode "$P/admin/: bob (staff only)" Admins $P/admin/ -u bob:bob-secret
	refused $mode "$P/admin/: pete (no group)" Admins $P/admin/ -u "$FIXTURE_FUTURE"
	# Other spellings of the same folder: the <Location> matched the
	# decoded, normalised path, and so did its SetEnvIfExpr.
	refused $mode "$P/admin/ as /%70rotected/admin/" Admins /%70rotected/admin/ \
		-u bob:bob-secret
	refused $mode "$P/admin/ as /public/..$P/admin/" Admins /public/..$P/admin/ \
		-u bob:bob-secret --path-as-is

	# $P/staff/: AUTH_REQUIRE "group staff", AUTH_REALM "Staff".
	challenged $mode "$P/staff/: no credentials" 'Basic realm="Staff"' $P/staff/
	bad_password $mode "$P/staff/: wrong password" Staff $P/staff/ -u carol:wrong
	passes $mode "$P/staff/: carol" $P/staff/ '^SECRET-STAFF' -u carol:carol-secret
	refused $mode "$P/staff/: dave" Staff $P/staff/ -u dave:dave-secret

	# $P/carol/: a [path] rule of fcgi-authd's config.
	passes $mode "$P/carol/: carol" $P/carol/ '^SECRET-CAROL' -u carol:carol-secret
	refused $mode "$P/carol/: alice" "$REALM" $P/carol/ -u alice:alice-secret
	refused $mode "$P/carol/ as $P/%63arol/" "$REALM" $P/%63arol/ \
		-u alice:alice-secret

	# Client headers named like the admin's parameters change nothing.
	passes $mode "spoof: Auth-Profile naming no profile" $P/ '^SECRET-STATIC' \
		-u dave:dave-secret -H "Auth-Profile: nosuch"
	passes $mode "spoof: Auth-Require for nobody" $P/ '^SECRET-STATIC' \
		-u alice:alice-secret -H "Auth-Require: user nobody"
	refused $mode "spoof: Auth-Profile/Auth-Require on $P/admin/" Admins \
		$P/admin/ -u bob:bob-secret -H "Auth-Profile: staff" \
		-H "Auth-Require: valid-user"
	refused $mode "spoof: Auth-Require on $P/staff/" Staff $P/staff/ \
		-u dave:dave-secret -H "Auth-Require: valid-user"
	bad_password $mode "spoof: Auth-Realm on $P/admin/" Admins $P/admin/ \
		-u alice:wrong -H "Auth-Realm: Evil"

	# The user's groups reach the CGI as REMOTE_GROUPS, and only those.
	CGI=$P/cgi/whoami.cgi
	passes $mode "CGI: alice" $CGI '^REMOTE_GROUPS=\[admins,staff\]$' \
		-u alice:alice-secret
	expect_match "$mode: CGI: alice's REMOTE_USER" '^REMOTE_USER=\[alice\]$' \
		"$(cat "$T/body")"
	passes $mode "CGI: bob claiming admins" $CGI '^REMOTE_GROUPS=\[staff\]$' \
		-u bob:bob-secret -H "Remote-Groups: admins"
	passes $mode "CGI: pete (no group) claiming admins" $CGI \
		'^REMOTE_GROUPS=\[unset\]$' -u "$FIXTURE_FUTURE" -H "Remote-Groups: admins"
done

# What fcgi-authd saw in the authz mode: Apache's user, judged by the
# profile the <Location> chose.
expect_match "rules: fcgi-authd answered Apache's authz step" \
	"status=403 reason=forbidden role=AUTHORIZER profile=admins .*uri=\"$P/admin/\"" \
	"$(cat "$T/authd.log")"

# The authz mode straight from the socket: authz LISTEN_SPEC USER.
authz() {
	fcgi --role authorizer "$1" REQUEST_URI=$P/admin/ \
		REMOTE_ADDR=127.0.0.1 FCGI_APACHE_ROLE=AUTHORIZER AUTH_TYPE=Basic \
		"REMOTE_USER=$2" AUTH_PROFILE=admins
}
expect_eq "socket: authz mode, alice: 200" 200 "$(status_of "$(authz "$AUTHD_MAIN" alice)")"
out=$(authz "$AUTHD_MAIN" bob)
expect_eq "socket: authz mode, bob: 403" 403 "$(status_of "$out")"
expect_no_match "socket: authz mode, bob: no challenge" '^WWW-Authenticate' \
	"$(printf '%s\n' "$out" | tr -d '\r')"

# Without apache_authz = yes the authz mode is a configuration error.
grep -v '^apache_authz' "$T/authd.conf" >"$T/authd-noauthz.conf"
start_authd tcp:127.0.0.1:0 -c "$T/authd-noauthz.conf"
expect_eq "socket: authz mode not enabled: 500" 500 \
	"$(status_of "$(authz "$AUTHD_LISTEN" alice)")"
stop_pid "$AUTHD_PID"

# fcgi-authd gone: every wiring fails closed, profiles included.
stop_pid "$AUTHD_MAIN_PID"
for mode in provider check_authn authnz rules; do
	expect_eq "$mode: fcgi-authd stopped: $P/admin/: 500" 500 \
		"$(get $mode $P/admin/ -u alice:alice-secret)"
	expect_no_match "$mode: fcgi-authd stopped: no content" "$LEAK" "$(cat "$T/body")"
done

finish
