# Test credentials, made at test time with the admin tools people really use
# (so the daemon is checked against their output, not against hashes we
# computed ourselves).  Source after lib.sh:
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   . "$top_srcdir/tests/integration/fixtures.sh"
#   make_fixtures "$T"
#
# make_fixtures DIR writes DIR/users.htpasswd and exports
#   FIXTURE_USERS   "user:password ..." for every account that must get in
#   FIXTURE_LOCKED  "user:password" pairs whose hash is locked ("!" prefix)
# No password contains a blank; each pair splits at its first ':'.
#
# make_policy_fixtures DIR (after make_fixtures DIR), for the policy tests,
# adds two accounts with an expiry date to DIR/users.htpasswd, writes
# DIR/groups.htgroup (Apache htgroup format) and exports
#   FIXTURE_EXPIRED "user:password" pairs whose entry expired (expires= in
#                   the third field, a date long past)
#   FIXTURE_FUTURE  "user:password" pairs that expire far in the future, so
#                   they still get in; in no group
# The groups:
#   admins: alice
#   staff:  alice bob carol
# Everyone else is in no group.  (A separate step, so the user count that
# other tests check stays what make_fixtures writes.)

# _fixture_ssha PASSWORD DIR: nginx/OpenLDAP {SSHA}:
# "{SSHA}" base64(sha1(password || salt) || salt), here with 8 salt bytes.
_fixture_ssha() {
	dd if=/dev/urandom of="$2/.ssha-salt" bs=8 count=1 2>/dev/null
	{
		printf '%s' "$1"
		cat "$2/.ssha-salt"
	} | openssl dgst -sha1 -binary >"$2/.ssha-digest"
	printf '{SSHA}%s\n' \
		"$(cat "$2/.ssha-digest" "$2/.ssha-salt" | openssl base64 -A)"
	rm -f "$2/.ssha-salt" "$2/.ssha-digest"
}

# _fixture_check FILE USER ERE: the hash of USER in FILE matches ERE, so a
# tool that silently fell back to another method is caught here.
_fixture_check() {
	_fix_h=$(grep "^$2:" "$1" | cut -d: -f2-)
	printf '%s\n' "$_fix_h" | grep -Eq -- "$3" ||
		hard_error "fixture $2: '$_fix_h' does not match /$3/"
}

# shellcheck disable=SC2016 # '$' in the patterns is literal (hash prefixes)
make_fixtures() {
	need_cmd htpasswd apache2-utils
	need_cmd openssl openssl
	need_cmd mkpasswd whois
	_fix_fx=$1/users.htpasswd
	{
		echo "# fcgi-authd test users, written by tests/integration/fixtures.sh"
		echo "alice:$(mkpasswd -m yescrypt alice-secret)"
		# bcrypt cost 5 keeps the suite fast (2 ms per check).
		htpasswd -nbB -C 5 bob bob-secret | sed '/^$/d'
		echo "carol:$(openssl passwd -6 carol-secret)"
		echo "dave:$(openssl passwd -5 dave-secret)"
		echo "erin:$(openssl passwd -1 erin-secret)"
		echo "frank:$(openssl passwd -apr1 frank-secret)"
		htpasswd -nbs grace grace-secret | sed '/^$/d'
		echo "ivan:$(_fixture_ssha ivan-secret "$1")"
		echo ""
		echo "# heidi is locked: a leading '!' (usermod -L style) disables the hash"
		echo "heidi:!$(mkpasswd -m yescrypt heidi-secret)"
		echo "zoë:$(mkpasswd -m yescrypt zoë-pass)"
	} >"$_fix_fx" || hard_error "could not write $_fix_fx"
	chmod 0644 "$_fix_fx"

	_fixture_check "$_fix_fx" alice '^\$y\$'
	_fixture_check "$_fix_fx" bob '^\$2y\$05\$'
	_fixture_check "$_fix_fx" carol '^\$6\$'
	_fixture_check "$_fix_fx" dave '^\$5\$'
	_fixture_check "$_fix_fx" erin '^\$1\$'
	_fixture_check "$_fix_fx" frank '^\$apr1\$'
	_fixture_check "$_fix_fx" grace '^\{SHA\}[A-Za-z0-9+/]{27}=$'
	_fixture_check "$_fix_fx" ivan '^\{SSHA\}[A-Za-z0-9+/=]{40}$'
	_fixture_check "$_fix_fx" heidi '^!\$y\$'
	_fixture_check "$_fix_fx" zoë '^\$y\$'

	FIXTURE_USERS="alice:alice-secret bob:bob-secret carol:carol-secret"
	FIXTURE_USERS="$FIXTURE_USERS dave:dave-secret erin:erin-secret"
	FIXTURE_USERS="$FIXTURE_USERS frank:frank-secret grace:grace-secret"
	FIXTURE_USERS="$FIXTURE_USERS ivan:ivan-secret zoë:zoë-pass"
	FIXTURE_LOCKED="heidi:heidi-secret"
	export FIXTURE_USERS FIXTURE_LOCKED
}

# shellcheck disable=SC2016 # '$' in the patterns is literal (hash prefixes)
make_policy_fixtures() {
	_fix_fx=$1/users.htpasswd
	[ -f "$_fix_fx" ] || hard_error "make_policy_fixtures: run make_fixtures first"
	{
		echo ""
		echo "# A third field is a comment to nginx and Apache; fcgi-authd reads"
		echo "# expires= there (00:00 UTC of that day)."
		echo "olga:$(openssl passwd -6 olga-secret):expires=2001-01-01"
		echo "pete:$(openssl passwd -6 pete-secret):expires=2099-01-01"
	} >>"$_fix_fx" || hard_error "could not write $_fix_fx"
	_fixture_check "$_fix_fx" olga '^\$6\$[^:]*:expires=2001-01-01$'
	_fixture_check "$_fix_fx" pete '^\$6\$[^:]*:expires=2099-01-01$'
	{
		echo "# fcgi-authd test groups, written by tests/integration/fixtures.sh"
		echo "admins: alice"
		echo "staff: alice bob carol"
	} >"$1/groups.htgroup" || hard_error "could not write $1/groups.htgroup"
	chmod 0644 "$1/groups.htgroup"

	FIXTURE_EXPIRED="olga:olga-secret"
	FIXTURE_FUTURE="pete:pete-secret"
	export FIXTURE_EXPIRED FIXTURE_FUTURE
}
