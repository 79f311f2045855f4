# A real OpenLDAP slapd for the LDAP integration tests: a process of the
# test, with its own cn=config, database and test CA under $T/slapd, on
# free 127.0.0.1 ports, stopped by pid.  Source after lib.sh:
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   . "$top_srcdir/tests/integration/slapd.sh"
#   need_slapd
#   slapd_setup [--anon-search] [--bind-anon-dn]
#   start_slapd
#
# slapd_setup OPTIONS:
#   --anon-search   anonymous sessions may search and read the directory
#                   (never userPassword); without it they see nothing
#   --bind-anon-dn  olcAllows: bind_anon_dn, the "empty password trap": a
#                   simple bind with a DN and an empty password succeeds,
#                   as an anonymous session (ldapwhoami says "anonymous");
#                   without it slapd refuses such a bind with 53
#                   (unwillingToPerform)
# Calling it again (slapd stopped) starts over: new config, data and CA.
#
# Exported by slapd_setup:
#   LDAP_BASE_DN LDAP_PEOPLE_DN LDAP_GROUPS_DN LDAP_CONTRACTORS_DN
#   LDAP_ADMIN_DN LDAP_ADMIN_PW_FILE  the rootDN (bypasses every ACL)
#   LDAP_BIND_DN LDAP_BIND_PW_FILE    the service account that may search
#   LDAP_CA_FILE                      the CA that signed slapd's certificate
#                                     (SAN IP:127.0.0.1, DNS:localhost and
#                                     DNS:$(uname -n), see below)
#   LDAP_WRONG_CA_FILE                an unrelated CA
#   LDAP_<NAME>_UID/_DN/_PW           the users below
#   LDAP_USERS                        "uid:password ..." for alice bob carol
#   LDAP_STAFF_DN LDAP_ADMINS_DN      the groups below
# Password files hold the password without a newline, mode 0600.
#
# The entries (base dc=example,dc=test), DN uid=UID,ou=people unless said:
#   alice   alice-ldap-secret     staff, admins
#   bob     bob-ldap-secret       staff
#   carol   carol-ldap-sécret     (UTF-8 in the password), no group
#   LDAP_STAR_UID   o*brien       (RFC 4515: \2a) password obrien-ldap-secret
#   LDAP_PAREN_UID  dan(ny)\x     (RFC 4515: \28 \29 \5c; DN escapes the
#                                 backslash: uid=dan(ny)\5Cx) dan-ldap-secret
#   LDAP_NOPW_UID   nopw          no userPassword: no password binds
#   LDAP_DUP_UID    twin          twice: in ou=people (LDAP_DUP_DN1) and
#                                 ou=contractors (LDAP_DUP_DN2), both with
#                                 the password LDAP_DUP_PW, so only the
#                                 "exactly one entry" rule can refuse it
#   cn=reader,ou=services         LDAP_BIND_DN, a random password
# Groups (groupOfNames, member=DN) in ou=groups: cn=staff (alice, bob),
# cn=admins (alice), "cn=Web Staff" (bob: a name with a space).  Searches also show memberOf on the members (dynlist
# overlay, computed, so (memberOf=DN) filters work too).
#
# ACLs: userPassword: self write, anonymous auth (to bind), nobody else,
# not even the service account; every other attribute: read for the
# service account and any bound user, for anonymous only with
# --anon-search.
#
# start_slapd exports SLAPD_PID, LDAP_PORT, LDAPS_PORT, LDAP_URL
# (ldap://127.0.0.1:PORT, StartTLS too) and LDAPS_URL, log $T/slapd.log.
# stop_slapd, pause_slapd (SIGSTOP), resume_slapd (SIGCONT) and
# restart_slapd (same ports, same data) return once it is so.
#
# ldap_tool [--ca FILE] [--secs N] TOOL ARGS... runs an ldap-utils tool
# bounded (N s, default WAIT_SECS) with TLS verification demanded against
# FILE only (LDAPTLS_* of the environment and ldap.conf's TLS_CACERT do
# not count).  Pass --ca per command rather than exporting LDAPTLS_CACERT:
# fcgi-authd's libldap would read it too and hide a missing CA option.
#
# lib.sh looks for leaked passwords in fcgi-authd's logs only among the
# FIXTURE_* pairs: an LDAP test adds its own, FIXTURE_USERS="$LDAP_USERS"
# (or appended to make_fixtures' list).
#
# What slapd (2.5) does that a test may trip over:
# - uid is a Directory String compared with caseIgnoreMatch: (uid=ALICE)
#   and (uid= alice ) both find alice, so the name a user typed is not
#   the uid of the entry found.  slapd accepts * ( ) \ , + = " # < > ;
#   blanks, UTF-8 and even NUL (filter \00) in a uid; only
#   bytes that are not UTF-8 are refused (invalidAttributeSyntax).
# - bind_anon_dn accepts a DN with an empty password without looking at
#   the entry: a DN that does not exist (even outside dc=example,dc=test)
#   or has no userPassword "binds" too, and the session is anonymous.  A
#   DN that does not parse is still refused (34).
# - libldap checks an ldaps://localhost (or StartTLS to localhost)
#   certificate against this machine's name, not "localhost".
# - "slapd -d 0" runs in the foreground but prints nothing, not even why
#   it exits; "-d none" prints errors only (a port in use, TLS failures:
#   each start logs one "TLS: can't accept", the readiness probe).

SLAPD=/usr/sbin/slapd
SLAPD_DIR=$T/slapd

# need_slapd: slapd, its tools and the schemas, and ldap-utils.
need_slapd() {
	[ -x "$SLAPD" ] || hard_error "$SLAPD not found: apt-get install slapd ldap-utils"
	for _slapd_c in slapadd slappasswd ldapsearch ldapwhoami ldapadd ldapmodify; do
		need_cmd "$_slapd_c" "slapd ldap-utils"
	done
	need_cmd openssl openssl
	need_cmd timeout coreutils
	for _slapd_s in core cosine inetorgperson nis dyngroup; do
		[ -r "/etc/ldap/schema/$_slapd_s.ldif" ] ||
			hard_error "/etc/ldap/schema/$_slapd_s.ldif not found: apt-get install slapd"
	done
	for _slapd_m in back_mdb dynlist; do
		[ -r "/usr/lib/ldap/$_slapd_m.so" ] ||
			hard_error "/usr/lib/ldap/$_slapd_m.so not found: apt-get install slapd"
	done
}

# ldap_tool [--ca FILE] [--secs N] TOOL ARGS...: see the top of this file.
# Without --ca no CA is trusted (a TLS connection must fail).
ldap_tool() {
	_slapd_ca=/dev/null
	_slapd_secs=$WAIT_SECS
	while :; do
		case $1 in
		--ca) _slapd_ca=$2 ;;
		--secs) _slapd_secs=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	_slapd_tool=$1
	shift
	env -u LDAPNOINIT -u LDAPTLS_CACERTDIR LDAPTLS_CACERT="$_slapd_ca" \
		LDAPTLS_REQCERT=demand timeout "$_slapd_secs" \
		"$_slapd_tool" -o "nettimeout=$_slapd_secs" "$@"
}

# _slapd_pw FILE: a random password in FILE (0600, no newline).
_slapd_pw() {
	_slapd_r=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	[ ${#_slapd_r} = 24 ] || hard_error "cannot read /dev/urandom"
	(
		umask 077
		printf '%s-%s' "${1##*/}" "$_slapd_r" >"$1"
	) || hard_error "cannot write $1"
}

# _slapd_hash PASSWORD: slappasswd's {SSHA} of PASSWORD in _slapd_h.
_slapd_hash() {
	_slapd_h=$(slappasswd -h '{SSHA}' -s "$1") ||
		hard_error "slappasswd failed"
	case $_slapd_h in
	'{SSHA}'?*) ;;
	*) hard_error "slappasswd printed '$_slapd_h', not an {SSHA} hash" ;;
	esac
}

# _slapd_tls: the test CA, slapd's certificate signed by it, and the
# wrong CA, in $SLAPD_DIR/tls.
_slapd_tls() {
	_slapd_t=$SLAPD_DIR/tls
	_slapd_ec='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'
	mkdir -m 0700 "$_slapd_t" ||
		hard_error "cannot make $_slapd_t"
	for _slapd_ca in ca wrong-ca; do
		# shellcheck disable=SC2086 # _slapd_ec: several options
		openssl req -x509 $_slapd_ec -days 2 \
			-subj "/O=fcgi-authd tests/CN=slapd $_slapd_ca" \
			-addext keyUsage=critical,keyCertSign,cRLSign \
			-keyout "$_slapd_t/$_slapd_ca.key" -out "$_slapd_t/$_slapd_ca.pem" \
			>>"$T/slapd-openssl.log" 2>&1 ||
			hard_error "openssl could not make the $_slapd_ca certificate"
	done
	# shellcheck disable=SC2086 # _slapd_ec: several options
	openssl req -new $_slapd_ec -subj "/O=fcgi-authd tests/CN=127.0.0.1" \
		-keyout "$_slapd_t/server.key" -out "$_slapd_t/server.csr" \
		>>"$T/slapd-openssl.log" 2>&1 ||
		hard_error "openssl could not make slapd's key"
	# libldap checks a "localhost" URL against this machine's name
	# instead (ldap_host_connected_to), so that name is in the SAN too.
	_slapd_san="IP:127.0.0.1, DNS:localhost"
	_slapd_un=$(uname -n)
	case $_slapd_un in
	"" | localhost | *[!A-Za-z0-9.-]*) ;;
	*) _slapd_san="$_slapd_san, DNS:$_slapd_un" ;;
	esac
	cat >"$_slapd_t/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $_slapd_san
EOF
	openssl x509 -req -in "$_slapd_t/server.csr" -days 2 \
		-CA "$_slapd_t/ca.pem" -CAkey "$_slapd_t/ca.key" \
		-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
		-extfile "$_slapd_t/server.ext" -out "$_slapd_t/server.pem" \
		>>"$T/slapd-openssl.log" 2>&1 ||
		hard_error "openssl could not sign slapd's certificate"
	openssl verify -CAfile "$_slapd_t/ca.pem" "$_slapd_t/server.pem" \
		>>"$T/slapd-openssl.log" 2>&1 ||
		hard_error "slapd's certificate does not verify against its CA"
	# The CAs are public; the tools and the daemon may run as anyone.
	chmod 0755 "$_slapd_t"
	chmod 0644 "$_slapd_t/ca.pem" "$_slapd_t/wrong-ca.pem"
	LDAP_CA_FILE=$_slapd_t/ca.pem
	LDAP_WRONG_CA_FILE=$_slapd_t/wrong-ca.pem
}

# _slapd_config_ldif: cn=config for slapadd -n0.  slapd runs as the user
# of the test (root in CI) and never drops privileges, so it reads its key.
_slapd_config_ldif() {
	_slapd_anon=
	[ "$_slapd_anon_search" = 0 ] || _slapd_anon=" by anonymous read"
	_slapd_hash "$(cat "$LDAP_ADMIN_PW_FILE")"
	cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $SLAPD_DIR/slapd.pid
olcArgsFile: $SLAPD_DIR/slapd.args
olcTLSCACertificateFile: $LDAP_CA_FILE
olcTLSCertificateFile: $SLAPD_DIR/tls/server.pem
olcTLSCertificateKeyFile: $SLAPD_DIR/tls/server.key
EOF
	[ "$_slapd_anon_dn" = 0 ] || echo "olcAllows: bind_anon_dn"
	cat <<EOF

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: dynlist

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

include: file:///etc/ldap/schema/nis.ldif

include: file:///etc/ldap/schema/dyngroup.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $LDAP_BASE_DN
olcDbDirectory: $SLAPD_DIR/db
olcDbMaxSize: 16777216
olcRootDN: $LDAP_ADMIN_DN
olcRootPW: $_slapd_h
olcDbIndex: objectClass eq
olcDbIndex: uid eq,sub
olcDbIndex: cn eq
olcDbIndex: member eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by dn.exact="$LDAP_BIND_DN" read by users read$_slapd_anon by * none

dn: olcOverlay={0}dynlist,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcDynListConfig
olcOverlay: {0}dynlist
olcDynListAttrSet: {0}groupOfURLs memberURL member+memberOf@groupOfNames
EOF
}

# _slapd_ou OU: an organizationalUnit entry.
_slapd_ou() {
	printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' \
		"$1" "$LDAP_BASE_DN" "$1"
}

# _slapd_user DN UID CN [PASSWORD]: an inetOrgPerson entry (sn: the last
# word of CN; mail: UID@example.test when UID is plain a-z).
_slapd_user() {
	printf 'dn: %s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n' \
		"$1" "$2" "$3" "${3##* }"
	case $2 in
	*[!a-z]*) ;;
	*) echo "mail: $2@example.test" ;;
	esac
	if [ $# -ge 4 ]; then
		_slapd_hash "$4"
		echo "userPassword: $_slapd_h"
	fi
	echo
}

_slapd_data_ldif() {
	cat <<EOF
dn: $LDAP_BASE_DN
objectClass: dcObject
objectClass: organization
dc: example
o: fcgi-authd tests

EOF
	_slapd_ou people
	_slapd_ou contractors
	_slapd_ou services
	_slapd_ou groups
	_slapd_hash "$(cat "$LDAP_BIND_PW_FILE")"
	cat <<EOF
dn: $LDAP_BIND_DN
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
description: fcgi-authd service account: searches users and groups
userPassword: $_slapd_h

EOF
	_slapd_user "$LDAP_ALICE_DN" alice "Alice Liddell" "$LDAP_ALICE_PW"
	_slapd_user "$LDAP_BOB_DN" bob "Bob Builder" "$LDAP_BOB_PW"
	_slapd_user "$LDAP_CAROL_DN" carol "Carol Danvers" "$LDAP_CAROL_PW"
	_slapd_user "$LDAP_STAR_DN" "$LDAP_STAR_UID" "Oscar OBrien" "$LDAP_STAR_PW"
	_slapd_user "$LDAP_PAREN_DN" "$LDAP_PAREN_UID" "Danny Paren" "$LDAP_PAREN_PW"
	_slapd_user "$LDAP_NOPW_DN" "$LDAP_NOPW_UID" "Nora Nopassword"
	_slapd_user "$LDAP_DUP_DN1" "$LDAP_DUP_UID" "Tom Twin" "$LDAP_DUP_PW"
	_slapd_user "$LDAP_DUP_DN2" "$LDAP_DUP_UID" "Tim Twin" "$LDAP_DUP_PW"
	cat <<EOF
dn: $LDAP_STAFF_DN
objectClass: groupOfNames
cn: staff
member: $LDAP_ALICE_DN
member: $LDAP_BOB_DN

dn: $LDAP_ADMINS_DN
objectClass: groupOfNames
cn: admins
member: $LDAP_ALICE_DN

dn: cn=Web Staff,$LDAP_GROUPS_DN
objectClass: groupOfNames
cn: Web Staff
member: $LDAP_BOB_DN

EOF
}

_slapd_names() {
	LDAP_BASE_DN=dc=example,dc=test
	LDAP_PEOPLE_DN=ou=people,$LDAP_BASE_DN
	LDAP_CONTRACTORS_DN=ou=contractors,$LDAP_BASE_DN
	LDAP_GROUPS_DN=ou=groups,$LDAP_BASE_DN
	LDAP_ADMIN_DN=cn=admin,$LDAP_BASE_DN
	LDAP_BIND_DN=cn=reader,ou=services,$LDAP_BASE_DN
	LDAP_ALICE_UID=alice
	LDAP_ALICE_DN=uid=alice,$LDAP_PEOPLE_DN
	LDAP_ALICE_PW=alice-ldap-secret
	LDAP_BOB_UID=bob
	LDAP_BOB_DN=uid=bob,$LDAP_PEOPLE_DN
	LDAP_BOB_PW=bob-ldap-secret
	LDAP_CAROL_UID=carol
	LDAP_CAROL_DN=uid=carol,$LDAP_PEOPLE_DN
	LDAP_CAROL_PW=carol-ldap-sécret
	LDAP_STAR_UID='o*brien'
	LDAP_STAR_DN="uid=o*brien,$LDAP_PEOPLE_DN"
	LDAP_STAR_PW=obrien-ldap-secret
	LDAP_PAREN_UID='dan(ny)\x'
	LDAP_PAREN_DN="uid=dan(ny)\\5Cx,$LDAP_PEOPLE_DN"
	LDAP_PAREN_PW=dan-ldap-secret
	LDAP_NOPW_UID=nopw
	LDAP_NOPW_DN=uid=nopw,$LDAP_PEOPLE_DN
	LDAP_DUP_UID=twin
	LDAP_DUP_DN1=uid=twin,$LDAP_PEOPLE_DN
	LDAP_DUP_DN2=uid=twin,$LDAP_CONTRACTORS_DN
	LDAP_DUP_PW=twin-ldap-secret
	LDAP_USERS="alice:$LDAP_ALICE_PW bob:$LDAP_BOB_PW carol:$LDAP_CAROL_PW"
	LDAP_STAFF_DN=cn=staff,$LDAP_GROUPS_DN
	LDAP_ADMINS_DN=cn=admins,$LDAP_GROUPS_DN
	export LDAP_BASE_DN LDAP_PEOPLE_DN LDAP_CONTRACTORS_DN LDAP_GROUPS_DN \
		LDAP_ADMIN_DN LDAP_BIND_DN LDAP_ALICE_UID LDAP_ALICE_DN LDAP_ALICE_PW \
		LDAP_BOB_UID LDAP_BOB_DN LDAP_BOB_PW LDAP_CAROL_UID LDAP_CAROL_DN \
		LDAP_CAROL_PW LDAP_STAR_UID LDAP_STAR_DN LDAP_STAR_PW LDAP_PAREN_UID \
		LDAP_PAREN_DN LDAP_PAREN_PW LDAP_NOPW_UID LDAP_NOPW_DN LDAP_DUP_UID \
		LDAP_DUP_DN1 LDAP_DUP_DN2 LDAP_DUP_PW LDAP_USERS LDAP_STAFF_DN \
		LDAP_ADMINS_DN
}

# slapd_setup [--anon-search] [--bind-anon-dn]: see the top of this file.
slapd_setup() {
	_slapd_anon_search=0
	_slapd_anon_dn=0
	for _slapd_o in "$@"; do
		case $_slapd_o in
		--anon-search) _slapd_anon_search=1 ;;
		--bind-anon-dn) _slapd_anon_dn=1 ;;
		*) hard_error "slapd_setup: unknown option '$_slapd_o'" ;;
		esac
	done
	[ -z "${SLAPD_PID:-}" ] ||
		hard_error "slapd_setup: slapd (pid $SLAPD_PID) still runs: stop_slapd first"
	rm -rf "$SLAPD_DIR"
	mkdir -p "$SLAPD_DIR/config" "$SLAPD_DIR/db" ||
		hard_error "cannot make $SLAPD_DIR"
	chmod 0755 "$SLAPD_DIR"
	chmod 0700 "$SLAPD_DIR/config" "$SLAPD_DIR/db"
	_slapd_names
	LDAP_ADMIN_PW_FILE=$SLAPD_DIR/admin.pw
	LDAP_BIND_PW_FILE=$SLAPD_DIR/reader.pw
	_slapd_pw "$LDAP_ADMIN_PW_FILE"
	_slapd_pw "$LDAP_BIND_PW_FILE"
	_slapd_tls
	export LDAP_ADMIN_PW_FILE LDAP_BIND_PW_FILE LDAP_CA_FILE LDAP_WRONG_CA_FILE
	_slapd_config_ldif >"$SLAPD_DIR/config.ldif"
	_slapd_data_ldif >"$SLAPD_DIR/data.ldif"
	slapadd -n0 -F "$SLAPD_DIR/config" -l "$SLAPD_DIR/config.ldif" \
		>>"$T/slapadd.log" 2>&1 ||
		hard_error "slapadd -n0 rejects $SLAPD_DIR/config.ldif: $(tail -n 5 "$T/slapadd.log")"
	slapadd -F "$SLAPD_DIR/config" -b "$LDAP_BASE_DN" -l "$SLAPD_DIR/data.ldif" \
		>>"$T/slapadd.log" 2>&1 ||
		hard_error "slapadd rejects $SLAPD_DIR/data.ldif: $(tail -n 5 "$T/slapadd.log")"
}

# _slapd_state: the state letter of slapd in /proc (R, S, T, ...).
_slapd_state() {
	sed 's/.*) //' "/proc/$SLAPD_PID/stat" 2>/dev/null | cut -c1
}

# _slapd_answers: the service account can bind (one try, 2 s at most).
_slapd_answers() {
	ldap_tool --secs 2 ldapwhoami -x -H "$LDAP_URL" -D "$LDAP_BIND_DN" \
		-y "$LDAP_BIND_PW_FILE" >/dev/null 2>&1
}

# _slapd_answers_or_died: stop waiting when it answers or exited.
_slapd_answers_or_died() {
	_alive "$SLAPD_PID" || return 0
	_slapd_answers
}

# _slapd_wait_answers WHAT: fail the test unless slapd answers in time.
_slapd_wait_answers() {
	wait_for "$WAIT_SECS" _slapd_answers_or_died || :
	_alive "$SLAPD_PID" ||
		fail_now "slapd exited $1; see slapd.log"
	_slapd_answers ||
		fail_now "slapd does not answer binds ${WAIT_SECS}s $1; see slapd.log"
}

# _slapd_try: one start on LDAP_PORT and LDAPS_PORT (for on_free_ports).
# -d keeps slapd in the foreground, so BG_PID is slapd's own pid; "-d none"
# rather than "-d 0": with 0 it says nothing at all, not even why it exits
# (a port in use).
_slapd_try() {
	LDAP_URL=ldap://127.0.0.1:$LDAP_PORT
	LDAPS_URL=ldaps://127.0.0.1:$LDAPS_PORT
	rm -f "$SLAPD_DIR/slapd.pid"
	start_bg "$T/slapd.log" "$SLAPD" -d none -F "$SLAPD_DIR/config" \
		-h "$LDAP_URL/ $LDAPS_URL/"
	wait_listen "$BG_PID" tcp 127.0.0.1 "$LDAP_PORT" || return $?
	wait_listen "$BG_PID" tcp 127.0.0.1 "$LDAPS_PORT"
}

# _slapd_started WHAT: after a start, slapd answers and is the pid we hold.
_slapd_started() {
	SLAPD_PID=$BG_PID
	export SLAPD_PID LDAP_PORT LDAPS_PORT LDAP_URL LDAPS_URL
	_slapd_wait_answers "$1"
	[ "$(cat "$SLAPD_DIR/slapd.pid" 2>/dev/null)" = "$SLAPD_PID" ] ||
		fail_now "slapd's pid file says '$(cat "$SLAPD_DIR/slapd.pid" 2>/dev/null)', not $SLAPD_PID (did it fork?)"
}

# start_slapd: slapd on two free ports (tried again when one was taken).
start_slapd() {
	[ -f "$SLAPD_DIR/config.ldif" ] || hard_error "start_slapd: slapd_setup first"
	[ -z "${SLAPD_PID:-}" ] || hard_error "start_slapd: slapd (pid $SLAPD_PID) runs already"
	on_free_ports slapd "$T/slapd.log" "LDAP_PORT LDAPS_PORT" _slapd_try
	_slapd_started "after it started"
}

# stop_slapd: slapd is gone (a paused one is woken to hear SIGTERM).
stop_slapd() {
	[ -n "${SLAPD_PID:-}" ] || return 0
	kill -CONT "$SLAPD_PID" 2>/dev/null || :
	stop_pid "$SLAPD_PID"
	SLAPD_PID=
}

# _slapd_is_stopped / _slapd_not_stopped: the state is (not) T.
_slapd_is_stopped() {
	[ "$(_slapd_state)" = T ]
}

_slapd_not_stopped() {
	[ "$(_slapd_state)" != T ]
}

# pause_slapd: SIGSTOP; returns once the kernel says it is stopped.  It
# still accepts connections (the kernel's backlog) but never answers.
pause_slapd() {
	kill -STOP "$SLAPD_PID" || fail_now "pause_slapd: no slapd (pid $SLAPD_PID)"
	wait_for "$WAIT_SECS" _slapd_is_stopped ||
		fail_now "slapd (pid $SLAPD_PID) not stopped ${WAIT_SECS}s after SIGSTOP"
}

# resume_slapd: SIGCONT; returns once it answers again.
resume_slapd() {
	kill -CONT "$SLAPD_PID" || fail_now "resume_slapd: no slapd (pid $SLAPD_PID)"
	wait_for "$WAIT_SECS" _slapd_not_stopped ||
		fail_now "slapd (pid $SLAPD_PID) still stopped ${WAIT_SECS}s after SIGCONT"
	_slapd_wait_answers "after SIGCONT"
}

# kill_slapd: SIGKILL, as a crash: no goodbye to the clients.
kill_slapd() {
	[ -n "${SLAPD_PID:-}" ] || hard_error "kill_slapd: slapd is not running"
	kill -KILL "$SLAPD_PID" 2>/dev/null || :
	stop_pid "$SLAPD_PID"
	SLAPD_PID=
}

# restart_slapd: stop (unless stopped or killed already), start again on
# the same ports with the same database; returns once it answers.  A port
# taken meanwhile fails.
restart_slapd() {
	[ -n "${LDAP_PORT:-}" ] || hard_error "restart_slapd: slapd never started"
	stop_slapd
	_slapd_rc=0
	_slapd_try || _slapd_rc=$?
	if [ "$_slapd_rc" != 0 ]; then
		stop_pid "$BG_PID"
		fail_now "slapd did not listen again on ports $LDAP_PORT, $LDAPS_PORT; see slapd.log"
	fi
	_slapd_started "after its restart"
}
