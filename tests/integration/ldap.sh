# The LDAP identity source against a real slapd (tests/integration/
# slapd.sh): search with the service account, bind as the user, groups;
# names that would inject into the filter; a uid two entries share; TLS
# with the right CA and a wrong one, ldaps:// and StartTLS; the directory
# stopped (SIGSTOP) and killed: 500 within ldap_timeout, users verified
# lately still pass, recovery without restarting fcgi-authd; the empty
# password on a server that lets a DN with no password "bind".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"

need_slapd
need_nginx
need_lighttpd
need_apache
slapd_setup
start_slapd
FIXTURE_USERS="$LDAP_USERS o*brien:$LDAP_STAR_PW twin:$LDAP_DUP_PW"

# conf FILE URL [KEY = VALUE lines...]: an fcgi-authd config for the
# directory at URL.
conf() {
	_cf=$1
	_cu=$2
	shift 2
	{
		echo "ldap_url = $_cu"
		echo "ldap_base_dn = $LDAP_BASE_DN"
		echo "ldap_bind_dn = $LDAP_BIND_DN"
		echo "ldap_bind_password_file = $LDAP_BIND_PW_FILE"
		echo "ldap_timeout = 2"
		echo "realm = LDAP test"
		for _cl in "$@"; do
			echo "$_cl"
		done
		echo "[profile staff]"
		echo "require = group staff"
	} >"$_cf"
}

# ask ADDRESS USER PASSWORD [PROFILE [CLIENT]]: the daemon's answer.
ask() {
	_aa=$1
	_acred=$(printf '%s:%s' "$2" "$3" | base64 | tr -d '\n')
	set -- "$_aa" REQUEST_METHOD=GET REQUEST_URI=/x DOCUMENT_URI=/x \
		"REMOTE_ADDR=${5:-127.0.0.1}" "HTTP_AUTHORIZATION=Basic $_acred" \
		${4:+"AUTH_PROFILE=$4"}
	fcgi --timeout 10 "$@"
}
status() {
	status_of "$(ask "$@")"
}
_is() {
	_want=$1
	shift
	[ "$(status "$@")" = "$_want" ]
}
logged() {
	grep -Eq -- "$1" "$T/authd.log"
}

conf "$T/a.conf" "$LDAP_URL"
start_authd tcp:127.0.0.1:0 -c "$T/a.conf"
A=tcp:127.0.0.1:$AUTHD_PORT
A_PID=$AUTHD_PID

# ------------------------------------------------------------- users --

OUT=$(ask "$A" alice "$LDAP_ALICE_PW")
expect_eq "alice with her password" 200 "$(status_of "$OUT")"
OUT=$(printf '%s' "$OUT" | tr -d '\r')
expect_match "as alice" '^Variable-REMOTE_USER: alice$' "$OUT"
expect_match "with her directory groups" '^Variable-REMOTE_GROUPS: (staff,admins|admins,staff)$' "$OUT"
expect_eq "alice, wrong password" 401 "$(status "$A" alice wrong-password)"
expect_match "logged as a wrong password" 'status=401 reason=bad_password .*user="alice"' \
	"$(cat "$T/authd.log")"
expect_eq "a user the directory does not have" 401 "$(status "$A" nobody "$LDAP_ALICE_PW")"
expect_match "logged as unknown, without the name" 'status=401 reason=unknown_user .*user=- ' \
	"$(cat "$T/authd.log")"
expect_eq "an entry without a password" 401 "$(status "$A" nopw whatever)"
expect_eq "a uid two entries share (same password on both)" 401 \
	"$(status "$A" twin "$LDAP_DUP_PW")"
expect_match "logged as ambiguous" 'reason=unknown_user .*why=ambiguous' "$(cat "$T/authd.log")"
expect_eq "carol, a UTF-8 password" 200 "$(status "$A" carol "$LDAP_CAROL_PW")"

# ------------------------------------------------------------ groups --

expect_eq "bob is in staff" 200 "$(status "$A" bob "$LDAP_BOB_PW" staff)"
expect_eq "carol is not: 403" 403 "$(status "$A" carol "$LDAP_CAROL_PW" staff)"
# group_file adds to the directory's groups.
printf 'ops: carol\n' >"$T/groups"
conf "$T/groups.conf" "$LDAP_URL" "group_file = $T/groups" "[profile ops]" \
	"require = group ops" "[profile web]" 'require = group "Web Staff"'
start_authd tcp:127.0.0.1:0 -c "$T/groups.conf"
G=tcp:127.0.0.1:$AUTHD_PORT
expect_eq "group_file adds ops to carol's directory groups" 200 \
	"$(status "$G" carol "$LDAP_CAROL_PW" ops)"
expect_eq "and bob is not in ops" 403 "$(status "$G" bob "$LDAP_BOB_PW" ops)"
expect_eq "while staff still comes from the directory" 200 \
	"$(status "$G" bob "$LDAP_BOB_PW" staff)"
expect_eq "a quoted group name with a space: bob is in \"Web Staff\"" 200 \
	"$(status "$G" bob "$LDAP_BOB_PW" web)"
expect_eq "alice is not" 403 "$(status "$G" alice "$LDAP_ALICE_PW" web)"

# Groups from the user entry's memberOf (AD's way; here slapd's dynlist
# computes it), with a group filter that finds nothing, so they can only
# come from memberOf: the name is the first RDN's value of each DN, as the
# server spells it (dynlist normalizes, so "web staff" here).
conf "$T/memberof.conf" "$LDAP_URL" "ldap_memberof_attr = memberOf" \
	"ldap_group_filter = (&(objectClass=nothing)(member=%s))" \
	"[profile web]" 'require = group "web staff"'
start_authd tcp:127.0.0.1:0 -c "$T/memberof.conf"
M=tcp:127.0.0.1:$AUTHD_PORT
OUT=$(ask "$M" alice "$LDAP_ALICE_PW" | tr -d '\r')
expect_match "memberOf: alice's groups" \
	'^Variable-REMOTE_GROUPS: (staff,admins|admins,staff)$' "$OUT"
expect_eq "memberOf: bob in \"web staff\"" 200 "$(status "$M" bob "$LDAP_BOB_PW" web)"
expect_eq "memberOf: bob in staff" 200 "$(status "$M" bob "$LDAP_BOB_PW" staff)"
expect_eq "memberOf: carol in none" 403 "$(status "$M" carol "$LDAP_CAROL_PW" staff)"
expect_eq "memberOf: a wrong password still 401" 401 \
	"$(status "$M" bob wrong-password web)"

# ----------------------------------------------------------- servers --

# One sign-in each through nginx (auth_request), the lighttpd authorizer
# and Apache (AuthBasicProvider), with the shipped snippets.
mkdir -p "$T/htdocs/protected"
echo "SECRET-LDAP protected index" >"$T/htdocs/protected/index.html"
start_daemon -c "$T/a.conf"
start_nginx "$DAEMON_SOCK"
start_lighttpd "$DAEMON_SOCK"
apache_snippet "127.0.0.1:${A#tcp:127.0.0.1:}" "LDAP test"
start_apache provider APACHE_PORT
for srv in "nginx $NGINX_PORT" "lighttpd $LIGHTTPD_PORT" "apache $APACHE_PORT"; do
	# shellcheck disable=SC2086 # "NAME PORT"
	set -- $srv
	U="http://127.0.0.1:$2/protected/index.html"
	expect_eq "$1: alice signs in from the directory" 200 \
		"$(curl_status "$U" -u "alice:$LDAP_ALICE_PW")"
	expect_match "$1: and sees the page" 'SECRET-LDAP' "$(cat "$T/body")"
	expect_eq "$1: a wrong password" 401 "$(curl_status "$U" -u "alice:nope-$1")"
	expect_no_match "$1: and no page" 'SECRET' "$(cat "$T/body")"
done

# ---------------------------------------------------- shipped samples --

# etc/ldap/openldap.conf, pointed at the test's slapd, as an admin would.
copy_conf "$top_srcdir/etc/ldap/openldap.conf" "$T/openldap.conf" \
	"ldaps://ldap1.example.org ldaps://ldap2.example.org" "$LDAPS_URL" \
	/etc/ssl/certs/example-ca.pem "$LDAP_CA_FILE" \
	"dc=example,dc=org" "$LDAP_BASE_DN" \
	"cn=fcgi-authd,ou=services,$LDAP_BASE_DN" "$LDAP_BIND_DN" \
	/etc/fcgi-authd/ldap.pw "$LDAP_BIND_PW_FILE"
TOUT=$("$FCGI_AUTHD" -t -c "$T/openldap.conf" --listen "unix:$T/t.sock" 2>&1) &&
	TRC=0 || TRC=$?
expect_eq "etc/ldap/openldap.conf passes -t" 0 "$TRC"
expect_match "-t says it has a directory" 'an LDAP directory' "$TOUT"
expect_no_match "-t could reach it" 'warning' "$TOUT"
start_authd tcp:127.0.0.1:0 -c "$T/openldap.conf"
expect_eq "the OpenLDAP sample: a staff member passes" 200 \
	"$(status "tcp:127.0.0.1:$AUTHD_PORT" bob "$LDAP_BOB_PW")"
expect_eq "the OpenLDAP sample: others are refused" 403 \
	"$(status "tcp:127.0.0.1:$AUTHD_PORT" carol "$LDAP_CAROL_PW")"
# etc/ldap/active-directory.conf: parsed whole; nobody answers on port 1.
copy_conf "$top_srcdir/etc/ldap/active-directory.conf" "$T/ad.conf" \
	"ldaps://dc1.corp.example.com ldaps://dc2.corp.example.com" \
	"ldaps://127.0.0.1:1" /etc/ssl/certs/corp-ca.pem "$LDAP_CA_FILE" \
	/etc/fcgi-authd/ad.pw "$LDAP_BIND_PW_FILE"
TOUT=$("$FCGI_AUTHD" -t -c "$T/ad.conf" --listen "unix:$T/t.sock" 2>&1) &&
	TRC=0 || TRC=$?
expect_eq "etc/ldap/active-directory.conf passes -t" 0 "$TRC"
expect_match "-t warns that its directory does not answer" \
	'warning: profile default: ldap_url: ldaps://127.0.0.1:1' "$TOUT"

# ---------------------------------------------------- filter injection --

for name in '*' 'a*' '*)(uid=*' ')(uid=*' 'alice)(uid=*' '*)(|(uid=*' \
	'alice)(|(objectClass=*' '\2a' 'ali*'; do
	expect_eq "the name '$name' with alice's password finds nobody" 401 \
		"$(status "$A" "$name" "$LDAP_ALICE_PW")"
done
# A NUL in the name (Basic carries any byte but ':').
CRED=$(printf 'alice\000x:%s' "$LDAP_ALICE_PW" | base64 | tr -d '\n')
OUT=$(fcgi "$A" REQUEST_URI=/x DOCUMENT_URI=/x REMOTE_ADDR=127.0.0.1 \
	"HTTP_AUTHORIZATION=Basic $CRED")
expect_match "a NUL in the name is no alice" '^Status: (400|401)' "$(printf '%s' "$OUT" | tr -d '\r')"
# Names with filter characters are looked up literally.
expect_eq "the uid o*brien, escaped" 200 "$(status "$A" "$LDAP_STAR_UID" "$LDAP_STAR_PW")"
expect_eq "the uid dan(ny)\\x, escaped" 200 "$(status "$A" "$LDAP_PAREN_UID" "$LDAP_PAREN_PW")"
expect_no_match "no password in the log" "$LDAP_ALICE_PW" "$(cat "$T/authd.log")"

# ------------------------------------------------------------------ TLS --

conf "$T/tls.conf" "$LDAPS_URL" "ldap_ca_file = $LDAP_CA_FILE"
start_authd tcp:127.0.0.1:0 -c "$T/tls.conf"
TLS=tcp:127.0.0.1:$AUTHD_PORT
expect_eq "ldaps:// with the right CA" 200 "$(status "$TLS" alice "$LDAP_ALICE_PW")"
conf "$T/wrong.conf" "$LDAPS_URL" "ldap_ca_file = $LDAP_WRONG_CA_FILE"
start_authd tcp:127.0.0.1:0 -c "$T/wrong.conf"
WRONG=tcp:127.0.0.1:$AUTHD_PORT
expect_eq "ldaps:// with a wrong CA: our failure, 500" 500 \
	"$(status "$WRONG" alice "$LDAP_ALICE_PW")"
expect_match "the log names the server and the reason" \
	"ldap $LDAPS_URL: .*check ldap_ca_file" "$(cat "$T/authd.log")"
conf "$T/starttls.conf" "$LDAP_URL" "ldap_starttls = yes" "ldap_ca_file = $LDAP_CA_FILE"
start_authd tcp:127.0.0.1:0 -c "$T/starttls.conf"
STLS=tcp:127.0.0.1:$AUTHD_PORT
expect_eq "StartTLS with the right CA" 200 "$(status "$STLS" bob "$LDAP_BOB_PW")"
conf "$T/starttls-wrong.conf" "$LDAP_URL" "ldap_starttls = yes" \
	"ldap_ca_file = $LDAP_WRONG_CA_FILE"
start_authd tcp:127.0.0.1:0 -c "$T/starttls-wrong.conf"
expect_eq "StartTLS with a wrong CA: 500" 500 \
	"$(status "tcp:127.0.0.1:$AUTHD_PORT" bob "$LDAP_BOB_PW")"

# ------------------------------------------------------------- outage --

# alice, bob and carol were verified on A above: the memo answers them.
pause_slapd
T0=$(date +%s)
expect_eq "directory stopped: a user verified lately still passes" 200 \
	"$(status "$A" alice "$LDAP_ALICE_PW")"
expect_eq "directory stopped: bob too, with his groups" 200 \
	"$(status "$A" bob "$LDAP_BOB_PW" staff)"
M0=$(date +%s%3N)
expect_eq "directory stopped: a user not seen lately gets 500" 500 \
	"$(status "$A" "$LDAP_STAR_UID" wrong-on-purpose)"
M1=$(date +%s%3N)
echo "# outage timing: SIGSTOP, new sign-in answered 500 in $((M1 - M0)) ms (ldap_timeout 2 s)"
T1=$(date +%s)
if [ $((T1 - T0)) -le 5 ]; then
	ok "within ldap_timeout (2 s), not a hang ($((T1 - T0)) s)"
else
	not_ok "within ldap_timeout (2 s), not a hang" "took $((T1 - T0)) s"
fi
M0=$(date +%s%3N)
expect_eq "directory stopped: a second one fails fast too" 500 \
	"$(status "$A" nobody-else x)"
M1=$(date +%s%3N)
echo "# outage timing: SIGSTOP, the next one (server in backoff) in $((M1 - M0)) ms"
DOWN_LINES=$(log_count "$T/authd.log" "ldap $LDAP_URL.*retried after a backoff")
resume_slapd
M0=$(date +%s%3N)
# bob was verified for the staff profile only: the default one asks.
if wait_for 40 _is 200 "$A" bob "$LDAP_BOB_PW"; then
	ok "directory back: new sign-ins pass again"
	echo "# outage timing: SIGCONT, new sign-ins pass again after $(($(date +%s%3N) - M0)) ms"
else
	not_ok "directory back: new sign-ins pass again" "still $(status "$A" bob "$LDAP_BOB_PW")"
fi
expect_match "its return is logged" "ldap $LDAP_URL.*answering again" "$(cat "$T/authd.log")"
if [ "$DOWN_LINES" -ge 1 ] && [ "$DOWN_LINES" -le 2 ]; then
	ok "the failure logged once, not per request ($DOWN_LINES)"
else
	not_ok "the failure logged once, not per request" "$DOWN_LINES lines"
fi

kill_slapd
expect_eq "directory killed: a user verified lately still passes" 200 \
	"$(status "$A" carol "$LDAP_CAROL_PW")"
M0=$(date +%s%3N)
expect_eq "directory killed: a new sign-in gets 500" 500 "$(status "$A" nobody x)"
echo "# outage timing: SIGKILL, new sign-in answered 500 in $(($(date +%s%3N) - M0)) ms"
restart_slapd
M0=$(date +%s%3N)
# alice was never asked for on the staff profile: the directory answers.
if wait_for 45 _is 200 "$A" alice "$LDAP_ALICE_PW" staff; then
	ok "directory restarted: fcgi-authd reconnects by itself"
	echo "# outage timing: restarted, sign-ins pass again after $(($(date +%s%3N) - M0)) ms"
else
	not_ok "directory restarted: fcgi-authd reconnects by itself" \
		"still $(status "$A" alice "$LDAP_ALICE_PW" staff)"
fi
kill -0 "$A_PID" && ok "the daemon kept serving throughout"

# The metrics of all that: checks that went to the directory by result
# (its errors among them), their times, and answers by source.
# at_least N ADDRESS NAME: whether the sample is N or more.
at_least() { [ "$(metric "$2" "$3")" -ge "$1" ] && echo yes || echo "no: $(metric "$2" "$3")"; }
expect_eq "metrics: the directory's errors counted" yes \
	"$(at_least 3 "$A" 'fcgi_authd_ldap_checks_total{result="ldap_down"}')"
expect_eq "metrics: its good checks counted" yes \
	"$(at_least 3 "$A" 'fcgi_authd_ldap_checks_total{result="ok"}')"
expect_eq "metrics: wrong passwords counted" yes \
	"$(at_least 1 "$A" 'fcgi_authd_ldap_checks_total{result="bad_password"}')"
expect_eq "metrics: every check timed" \
	"$(fcgi "$A" REQUEST_URI=/m DOCUMENT_URI=/m AUTH_ENDPOINT=metrics | tr -d '\r' |
		awk '/^fcgi_authd_ldap_checks_total/ { n += $2 } END { print n + 0 }')" \
	"$(metric "$A" fcgi_authd_ldap_check_seconds_count)"
expect_eq "metrics: answers by source: ldap, 200" yes \
	"$(at_least 5 "$A" 'fcgi_authd_source_decisions_total{source="ldap",status="200"}')"
expect_eq "metrics: answers by source: ldap, 500" yes \
	"$(at_least 3 "$A" 'fcgi_authd_source_decisions_total{source="ldap",status="500"}')"

# ------------------------------------------------- the empty password --

stop_slapd
slapd_setup --bind-anon-dn
start_slapd
TRAP=$(ldap_tool ldapwhoami -x -H "$LDAP_URL" -D "$LDAP_ALICE_DN" -w '' 2>&1) &&
	TRAP_RC=0 || TRAP_RC=$?
expect_eq "the trap is set: slapd takes alice's DN with no password" 0 "$TRAP_RC"
conf "$T/trap.conf" "$LDAP_URL"
start_authd tcp:127.0.0.1:0 -c "$T/trap.conf"
TRAPD=tcp:127.0.0.1:$AUTHD_PORT
expect_eq "an empty password is refused before any bind" 401 "$(status "$TRAPD" alice '')"
expect_match "logged as such" 'reason=bad_password .*why=empty_password' "$(cat "$T/authd.log")"
expect_eq "alice's real password still works there" 200 \
	"$(status "$TRAPD" alice "$LDAP_ALICE_PW")"

finish
