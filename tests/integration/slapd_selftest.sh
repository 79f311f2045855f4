# slapd_selftest: the harness of tests/integration/slapd.sh against the
# real slapd, with ldap-utils only (no fcgi-authd): the fixtures are there
# and searchable, binds work and fail as they should, TLS trusts exactly
# LDAP_CA_FILE, the server options do what they say, and pause, resume,
# restart and stop work.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"

need_slapd
slapd_setup
start_slapd

# as_reader ARGS...: ldapsearch -LLL as the service account over LDAP_URL.
as_reader() {
	ldap_tool ldapsearch -x -LLL -H "$LDAP_URL" -D "$LDAP_BIND_DN" \
		-y "$LDAP_BIND_PW_FILE" -b "$LDAP_BASE_DN" "$@" 2>&1
}

# dns TEXT: the DNs of ldapsearch output, sorted, on one line.
dns() {
	printf '%s\n' "$1" | sed -n 's/^dn: //p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# sorted WORD...: the WORDs sorted, on one line.
sorted() {
	printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# whoami [--ca FILE] [--secs N] URL DN PASSWORD [ARGS...]: ldapwhoami's
# output (by ldap_tool with those options) and its status ("rc=N") on the
# last line.
whoami() {
	_w_ca=/dev/null
	_w_secs=$WAIT_SECS
	while :; do
		case $1 in
		--ca) _w_ca=$2 ;;
		--secs) _w_secs=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	_w_url=$1
	_w_dn=$2
	_w_pw=$3
	shift 3
	_w_rc=0
	ldap_tool --ca "$_w_ca" --secs "$_w_secs" ldapwhoami -x -H "$_w_url" \
		-D "$_w_dn" -w "$_w_pw" "$@" 2>&1 || _w_rc=$?
	echo "rc=$_w_rc"
}

out=$(as_reader "(uid=$LDAP_ALICE_UID)" uid cn)
expect_eq "reader finds alice" "$LDAP_ALICE_DN" "$(dns "$out")"
expect_match "reader reads alice's cn" '^cn: Alice' "$out"
out=$(as_reader "(uid=$LDAP_ALICE_UID)" userPassword)
expect_no_match "reader cannot read userPassword" '^userPassword' "$out"
expect_eq "duplicate uid: 2 entries" "$(sorted "$LDAP_DUP_DN1" "$LDAP_DUP_DN2")" \
	"$(dns "$(as_reader "(uid=$LDAP_DUP_UID)" 1.1)")"
# (No backslash in test names: dash's echo would read it as an escape.)
expect_eq "o*brien escaped (RFC 4515) finds it only" "$LDAP_STAR_DN" \
	"$(dns "$(as_reader '(uid=o\2abrien)' 1.1)")"
expect_eq "paren uid escaped (RFC 4515) finds it" "$LDAP_PAREN_DN" \
	"$(dns "$(as_reader '(uid=dan\28ny\29\5cx)' 1.1)")"
expect_match "paren uid unescaped is a bad filter" 'Bad search filter' \
	"$(as_reader "(uid=$LDAP_PAREN_UID)" 1.1)"
expect_eq "groups of alice" "$(sorted "$LDAP_ADMINS_DN" "$LDAP_STAFF_DN")" \
	"$(dns "$(as_reader "(&(objectClass=groupOfNames)(member=$LDAP_ALICE_DN))" 1.1)")"
expect_eq "groups of carol: none" "" \
	"$(dns "$(as_reader "(&(objectClass=groupOfNames)(member=$LDAP_CAROL_DN))" 1.1)")"
# dynlist gives memberOf as normalized DNs: "Web Staff" comes lowercased.
expect_eq "memberOf of bob" \
	"memberOf: $LDAP_STAFF_DN memberOf: cn=web staff,$LDAP_GROUPS_DN" \
	"$(as_reader "(uid=$LDAP_BOB_UID)" memberOf | grep '^memberOf' | sort |
		tr '\n' ' ' | sed 's/ $//')"
expect_eq "(memberOf=admins) finds alice" "$LDAP_ALICE_DN" \
	"$(dns "$(as_reader "(memberOf=$LDAP_ADMINS_DN)" 1.1)")"
out=$(ldap_tool ldapsearch -x -LLL -H "$LDAP_URL" -b "$LDAP_BASE_DN" \
	"(uid=$LDAP_ALICE_UID)" 1.1 2>&1)
expect_no_match "anonymous finds nothing" '^dn:' "$out"

for pair in $LDAP_USERS; do
	user=${pair%%:*}
	dn=uid=$user,$LDAP_PEOPLE_DN
	expect_eq "$user binds" "dn:$dn rc=0" \
		"$(whoami "$LDAP_URL" "$dn" "${pair#*:}" | tr '\n' ' ' | sed 's/ $//')"
	expect_match "$user: wrong password is 49" '^ldap_bind: Invalid credentials \(49\)' \
		"$(whoami "$LDAP_URL" "$dn" "wrong-${pair#*:}")"
done
expect_match "o*brien binds" '^rc=0$' "$(whoami "$LDAP_URL" "$LDAP_STAR_DN" "$LDAP_STAR_PW")"
expect_match "paren uid binds" '^rc=0$' "$(whoami "$LDAP_URL" "$LDAP_PAREN_DN" "$LDAP_PAREN_PW")"
expect_match "twin in people binds" '^rc=0$' \
	"$(whoami "$LDAP_URL" "$LDAP_DUP_DN1" "$LDAP_DUP_PW")"
expect_match "twin in contractors binds" '^rc=0$' \
	"$(whoami "$LDAP_URL" "$LDAP_DUP_DN2" "$LDAP_DUP_PW")"
expect_match "nopw cannot bind" 'Invalid credentials \(49\)' \
	"$(whoami "$LDAP_URL" "$LDAP_NOPW_DN" anything)"
out=$(ldap_tool ldapsearch -x -LLL -H "$LDAP_URL" -D "$LDAP_ALICE_DN" \
	-w "$LDAP_ALICE_PW" -b "$LDAP_BOB_DN" -s base userPassword 2>&1)
expect_eq "alice sees bob but not his userPassword" "dn: $LDAP_BOB_DN" "$out"
expect_eq "rootDN binds" "dn:$LDAP_ADMIN_DN rc=0" \
	"$(whoami "$LDAP_URL" "$LDAP_ADMIN_DN" "$(cat "$LDAP_ADMIN_PW_FILE")" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "reader.pw is 0600" 600 "$(stat -c %a "$LDAP_BIND_PW_FILE")"
expect_match "empty password refused (53) without --bind-anon-dn" \
	'unauthenticated bind \(DN with no password\) disallowed' \
	"$(whoami "$LDAP_URL" "$LDAP_ALICE_DN" '')"

# TLS: StartTLS and ldaps trust LDAP_CA_FILE and nothing else.
expect_match "StartTLS with LDAP_CA_FILE" '^rc=0$' \
	"$(whoami --ca "$LDAP_CA_FILE" "$LDAP_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW" -ZZ)"
expect_match "StartTLS with LDAP_WRONG_CA_FILE fails" '^rc=[1-9]' \
	"$(whoami --ca "$LDAP_WRONG_CA_FILE" "$LDAP_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW" -ZZ)"
expect_match "ldaps with LDAP_CA_FILE" '^rc=0$' \
	"$(whoami --ca "$LDAP_CA_FILE" "$LDAPS_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW")"
expect_match "ldaps with LDAP_WRONG_CA_FILE fails" '^rc=[1-9]' \
	"$(whoami --ca "$LDAP_WRONG_CA_FILE" "$LDAPS_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW")"
expect_match "ldaps with no CA fails" '^rc=[1-9]' \
	"$(whoami "$LDAPS_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW")"
expect_match "ldaps://localhost with LDAP_CA_FILE" '^rc=0$' \
	"$(whoami --ca "$LDAP_CA_FILE" "ldaps://localhost:$LDAPS_PORT" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW")"

# Pause: connections are accepted but never answered, until resumed.
pause_slapd
expect_match "paused: no answer within 1 s" '^rc=[1-9]' \
	"$(whoami --secs 1 "$LDAP_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW")"
resume_slapd
expect_match "resumed: alice binds" '^rc=0$' \
	"$(whoami "$LDAP_URL" "$LDAP_ALICE_DN" "$LDAP_ALICE_PW")"

# Restart: same ports, same data (an entry added before is still there).
ldap_tool ldapadd -x -H "$LDAP_URL" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE" \
	>>"$T/ldapadd.log" 2>&1 <<EOF || fail_now "ldapadd as rootDN failed: $(cat "$T/ldapadd.log")"
dn: cn=restart-marker,$LDAP_BASE_DN
objectClass: organizationalRole
cn: restart-marker
EOF
old="$SLAPD_PID $LDAP_URL $LDAPS_URL"
restart_slapd
expect_eq "restart: same URLs" "${old#* }" "$LDAP_URL $LDAPS_URL"
expect_match "restart: new pid" '^new$' "$([ "$SLAPD_PID" != "${old%% *}" ] && echo new)"
expect_eq "restart: data kept" "cn=restart-marker,$LDAP_BASE_DN" \
	"$(dns "$(as_reader '(cn=restart-marker)' 1.1)")"
expect_match "restart: ldaps" '^rc=0$' \
	"$(whoami --ca "$LDAP_CA_FILE" "$LDAPS_URL" "$LDAP_BOB_DN" "$LDAP_BOB_PW")"
pid=$SLAPD_PID
stop_slapd
expect_eq "stopped" gone "$(_alive "$pid" || echo gone)"

# The "empty password trap" server, with anonymous search.
slapd_setup --bind-anon-dn --anon-search
start_slapd
expect_eq "--bind-anon-dn: DN + empty password succeeds, anonymously" "anonymous rc=0" \
	"$(whoami "$LDAP_URL" "$LDAP_ALICE_DN" '' | tr '\n' ' ' | sed 's/ $//')"
expect_match "--bind-anon-dn: even for a DN with no password" '^rc=0$' \
	"$(whoami "$LDAP_URL" "$LDAP_NOPW_DN" '')"
expect_match "--bind-anon-dn: even for a DN that does not exist" '^rc=0$' \
	"$(whoami "$LDAP_URL" "uid=nobody,$LDAP_PEOPLE_DN" '')"
expect_match "--bind-anon-dn: a wrong password still fails" 'Invalid credentials \(49\)' \
	"$(whoami "$LDAP_URL" "$LDAP_ALICE_DN" wrong)"
out=$(ldap_tool ldapsearch -x -LLL -H "$LDAP_URL" -b "$LDAP_BASE_DN" \
	"(uid=$LDAP_ALICE_UID)" uid userPassword 2>&1)
expect_eq "--anon-search: anonymous finds alice" "$LDAP_ALICE_DN" "$(dns "$out")"
expect_no_match "--anon-search: no userPassword" '^userPassword' "$out"
pid=$SLAPD_PID
pause_slapd
stop_slapd
expect_eq "a paused slapd stops" gone "$(_alive "$pid" || echo gone)"
expect_eq "no slapd left to clean up" "" "$(grep -x "$pid" "$T/.pids")"

finish
