# Apache httpd 2.4 mod_authnz_fcgi -> fcgi-authd on loopback TCP, with the
# shipped etc/apache/fcgi-authd.conf wired the three ways it offers: as a
# Basic provider (AuthBasicProvider), as the check_authn step
# (AuthnzFcgiCheckAuthnProvider, -D FCGI_AUTHD_CHECK_AUTHN), and as the
# generic authnz provider that parses the raw header (-D FCGI_AUTHD_AUTHNZ).
# One Apache instance per way, all in front of the same fcgi-authd.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fixtures.sh"

need_apache
make_fixtures "$T"

REALM="fcgi-authd apache test"
start_authd tcp:127.0.0.1:0 --user-file "$T/users.htpasswd" --realm "$REALM" --log-level debug

mkdir -p "$T/htdocs/protected" "$T/htdocs/public" "$T/cgi"
echo "SECRET-STATIC protected index" >"$T/htdocs/protected/index.html"
echo "public page" >"$T/htdocs/public/index.html"
cp "$top_srcdir/tests/integration/backend/whoami.cgi" "$T/cgi/"
chmod 0755 "$T/cgi/whoami.cgi"

apache_snippet "127.0.0.1:$AUTHD_PORT" "$REALM"
start_apache provider PROVIDER_PORT
start_apache check_authn CHECK_PORT -D FCGI_AUTHD_CHECK_AUTHN
start_apache authnz AUTHNZ_PORT -D FCGI_AUTHD_AUTHNZ

P=/protected

# denied MODE NAME EXPECTED_STATUS PATH [CURL_ARGS...]
denied() {
	_dmode=$1
	_dname=$2
	_dwant=$3
	shift 3
	expect_eq "$_dmode: $_dname: $_dwant" "$_dwant" "$(get "$_dmode" "$@")"
	expect_no_match "$_dmode: $_dname: no content" 'SECRET' "$(cat "$T/body")"
}

# get MODE PATH [CURL_ARGS...]
get() {
	case $1 in
	provider) _gport=$PROVIDER_PORT ;;
	check_authn) _gport=$CHECK_PORT ;;
	*) _gport=$AUTHNZ_PORT ;;
	esac
	_gpath=$2
	shift 2
	curl_status "http://127.0.0.1:$_gport$_gpath" "$@"
}

# challenged MODE NAME CHALLENGE PATH [CURL_ARGS...]: 401 with exactly one
# WWW-Authenticate header, equal to CHALLENGE.
challenged() {
	_cmode=$1
	_cname=$2
	_cwant=$3
	shift 3
	denied "$_cmode" "$_cname" 401 "$@"
	expect_eq "$_cmode: $_cname: one WWW-Authenticate" 1 \
		"$(header_count WWW-Authenticate)"
	expect_eq "$_cmode: $_cname: challenge" "$_cwant" \
		"$(header_value WWW-Authenticate)"
}

# Apache's own challenge (mod_auth_basic) and fcgi-authd's.
APACHE_CHALLENGE="Basic realm=\"$REALM\""
AUTHD_CHALLENGE="Basic realm=\"$REALM\", charset=\"UTF-8\""

for mode in provider check_authn authnz; do
	# Refusals fcgi-authd answers: in provider mode Apache replaces them
	# with its own 401; in check_authn mode fcgi-authd's reaches the client.
	if [ $mode = check_authn ]; then
		REFUSED=$AUTHD_CHALLENGE
	else
		REFUSED=$APACHE_CHALLENGE
	fi

	expect_eq "$mode: public page: 200" 200 "$(get $mode /public/)"
	challenged $mode "no credentials" "$APACHE_CHALLENGE" $P/
	challenged $mode "no credentials, missing file" "$APACHE_CHALLENGE" \
		$P/no/such/file
	challenged $mode "no credentials, CGI" "$APACHE_CHALLENGE" $P/cgi/whoami.cgi
	challenged $mode "other scheme" "$APACHE_CHALLENGE" $P/ \
		-H "Authorization: Bearer abc.def"

	for pair in $FIXTURE_USERS; do
		user=${pair%%:*}
		expect_eq "$mode: $user: static 200" 200 "$(get $mode $P/ -u "$pair")"
		expect_match "$mode: $user: static page" '^SECRET-STATIC' "$(cat "$T/body")"
		expect_eq "$mode: $user: CGI 200" 200 \
			"$(get $mode $P/cgi/whoami.cgi -u "$pair")"
		body=$(cat "$T/body")
		expect_match "$mode: $user: CGI sees REMOTE_USER" \
			"^REMOTE_USER=\\[$user\\]\$" "$body"
		expect_no_match "$mode: $user: CGI never sees the password" \
			'REMOTE_PASSWD' "$body"
		challenged $mode "$user: wrong password" "$REFUSED" $P/ \
			-u "$user:wrong-${pair#*:}"
	done
	expect_eq "$mode: missing file with credentials: 404" 404 \
		"$(get $mode $P/no/such/file -u alice:alice-secret)"

	for pair in $FIXTURE_LOCKED; do
		challenged $mode "locked ${pair%%:*}" "$REFUSED" $P/ -u "$pair"
	done
	challenged $mode "unknown user" "$REFUSED" $P/ -u mallory:alice-secret
	challenged $mode "empty password" "$REFUSED" $P/ -u alice:

	# Apache decodes Basic itself, leniently, and hands fcgi-authd what it
	# found: "Basic !!!" and ":password" arrive as an empty REMOTE_USER,
	# which fcgi-authd calls malformed (400).  As a provider that is just
	# a failure (Apache's 401); in check_authn mode the 400 reaches the
	# client, as it does with lighttpd.  A header without a colon arrives
	# as a user name that does not exist.  In authnz mode fcgi-authd parses
	# the raw header itself (strictly: that header is malformed there);
	# Apache turns every refusal into its own 401.
	if [ $mode = check_authn ]; then GARBLED=400; else GARBLED=401; fi
	denied $mode "malformed: bad base64" $GARBLED $P/ -H "Authorization: Basic !!!"
	denied $mode "malformed: empty user" $GARBLED $P/ -u :alice-secret
	challenged $mode "malformed: no colon" "$REFUSED" "$P/?$mode-nocolon" \
		-H "Authorization: Basic $(b64 alicealice-secret)"

	challenged $mode "Remote-User header" "$APACHE_CHALLENGE" $P/ \
		-H "Remote-User: alice"
	expect_eq "$mode: bob claiming alice: 200" 200 \
		"$(get $mode $P/cgi/whoami.cgi -u bob:bob-secret -H "Remote-User: alice")"
	expect_match "$mode: bob claiming alice: CGI sees bob" '^REMOTE_USER=\[bob\]$' \
		"$(cat "$T/body")"
	challenged $mode "percent-encoded prefix" "$APACHE_CHALLENGE" \
		/%70rotected/index.html
	challenged $mode "doubled slash" "$APACHE_CHALLENGE" //protected/index.html
	challenged $mode "dot-dot from a public folder" "$APACHE_CHALLENGE" \
		/public/../protected/index.html --path-as-is
done

# What fcgi-authd saw: Apache's parse (a user that does not exist) in the
# AUTHENTICATOR modes, the raw header in authnz mode (no FCGI_APACHE_ROLE).
log=$(cat "$T/authd.log")
for mode in provider check_authn; do
	expect_match "$mode: Apache parsed the header" \
		"reason=unknown_user .*uri=\"/protected/\\?$mode-nocolon\"" "$log"
done
expect_match "authnz: fcgi-authd parsed the raw header" \
	'reason=malformed .*uri="/protected/\?authnz-nocolon"' "$log"
expect_match "Apache parameters seen at debug level" \
	'parameters: .*FCGI_APACHE_ROLE' "$log"

# fcgi-authd gone: Apache must fail closed.
stop_pid "$AUTHD_PID"
for mode in provider check_authn authnz; do
	denied $mode "fcgi-authd stopped" 500 $P/ -u alice:alice-secret
	denied $mode "fcgi-authd stopped, CGI" 500 $P/cgi/whoami.cgi -u alice:alice-secret
done

finish
