# fcgi-authd-passwd against real files: every flag, htpasswd's exit codes,
# the file kept byte for byte except the changed line, mode and owner kept
# (new files 0640), a failed write that leaves the original intact, the
# lock, the prompts on a real terminal (echo off, Ctrl-C restores it), the
# audit; API tokens (--token: the token on stdout only, its digest in the
# token file, --expires, --replace, -D, the lock, parallel runs, the token
# audit); then nginx's own auth_basic and fcgi-authd both reading a file the
# tool wrote, before and after the tool changes it.
. "$top_srcdir/tests/integration/lib.sh"

need_nginx
need_cmd htpasswd apache2-utils
need_cmd mkpasswd whois
need_cmd openssl openssl
need_cmd script bsdutils
need_cmd flock util-linux
need_cmd setpriv util-linux

PW=${FCGI_AUTHD_PASSWD:-$top_builddir/fcgi-authd-passwd}
[ -x "$PW" ] || hard_error "$PW not built (make fcgi-authd-passwd)"

# Every password this test uses, for lib.sh's check that none is logged.
FIXTURE_USERS="alice:alice-pw1 alice:alice-pw2 bob:bob-pw1 carol:carol-pw1"
export FIXTURE_USERS

# run CMD...: run it, output (stdout and stderr) in $OUT, status in $RC.
run() {
	OUT=$("$@" 2>&1)
	RC=$?
}

# pwin PASSWORD ARGS...: the tool with PASSWORD on stdin (-i is added).
pwin() {
	_pw=$1
	shift
	OUT=$(printf '%s\n' "$_pw" | "$PW" -i "$@" 2>&1)
	RC=$?
}

# expect_rc NAME WANT: $RC is WANT (the output shown otherwise).
expect_rc() {
	if [ "$RC" = "$2" ]; then
		ok "$1: exit $2"
	else
		not_ok "$1: exit $2" "got $RC: $(_quote "$OUT")"
	fi
}

# same_file NAME A B: A and B hold the same bytes.
same_file() {
	if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$2 and $3 differ"; fi
}

# no_temp NAME DIR: no temporary file of the tool is left in DIR.
no_temp() {
	expect_eq "$1" "" "$(find "$2" -maxdepth 1 -name '.*.??????' -print)"
}

# hash_of FILE USER: the hash field of USER's first line.
hash_of() {
	grep "^$2:" "$1" | head -n 1 | cut -d: -f2
}

# ------------------------------------------------------------ the command --

run "$PW" --help
expect_rc "--help" 0
for o in --create --stdin --bcrypt --cost --method --delete --verify \
	--print --audit --lock-wait --password-on-command-line; do
	expect_match "--help lists $o" "$o" "$OUT"
done
run "$PW" --version
expect_match "--version" '^fcgi-authd-passwd [0-9]+\.[0-9]+' "$OUT"

# Usage errors: 2, with a reason.
F=$T/users
for args in "" "$F" "-n $F alice" "-c -D $F alice" "-D -v $F alice" \
	"-c -n alice" "-B -D $F alice" "-C 12 -v $F alice" "--audit $F alice" \
	"--no-such-option $F alice" "-C $F alice" "-B -m sha512 $F alice" \
	"-B -C 9 $F alice" "-B -C 32 $F alice" "-C 4 $F alice" "-C 12 $F alice" \
	"-m sha512 -C 4999 $F alice" "-C x $F alice"; do
	# shellcheck disable=SC2086 # one word per argument
	run "$PW" $args </dev/null
	expect_rc "usage: '$args'" 2
done
run "$PW" -i --password-on-command-line x "$F" alice
expect_rc "usage: -i and --password-on-command-line" 2
run "$PW" -D -i "$F" alice
expect_match "-D takes no password" 'takes no password' "$OUT"

# Legacy methods are refused, and the message says why.
for m in md5 apr1 sha sha1 crypt des plain plaintext; do
	run "$PW" -m "$m" "$F" alice </dev/null
	expect_rc "-m $m refused" 2
	expect_match "-m $m: says legacy" 'legacy' "$OUT"
done
for flag in -d -s -p; do
	run "$PW" "$flag" "$F" alice </dev/null
	expect_rc "htpasswd's $flag refused" 2
	expect_match "htpasswd's $flag: says legacy" 'legacy' "$OUT"
done
run "$PW" -b "$F" alice secret
expect_rc "htpasswd's -b refused" 2
expect_match "-b: says why" 'every local user sees it \(ps\)' "$OUT"
run "$PW" -m file.htpasswd alice </dev/null
expect_match "-m FILE (htpasswd's MD5 habit) explained" \
	"unknown method 'file.htpasswd'.*not htpasswd's MD5" "$OUT"
[ -e "$F" ] && not_ok "usage errors write nothing" "$F exists" ||
	ok "usage errors write nothing"

# ------------------------------------------------------------ new files --

run "$PW" -i "$F" alice </dev/null
expect_rc "no file and no -c" 1
expect_match "no file: says use -c" 'use -c to create it' "$OUT"

pwin alice-pw1 -c "$F" alice
expect_rc "-c creates" 0
expect_match "-c: htpasswd's message" '^Adding password for user alice$' "$OUT"
expect_eq "a new file is 0640" 640 "$(stat -c %a "$F")"
expect_eq "a new file is the caller's" "$(id -u):$(id -g)" "$(stat -c %u:%g "$F")"
expect_match "the default method is yescrypt" '^alice:\$y\$j9T\$[^:]*$' "$(cat "$F")"
expect_eq "one line" 1 "$(wc -l <"$F")"
no_temp "-c leaves no temporary file" "$T"

rm -f "$T/u0"
OUT=$( (umask 0 && printf 'pw-u0\n' | "$PW" -ci "$T/u0" alice) 2>&1)
expect_eq "0640 under umask 0" 640 "$(stat -c %a "$T/u0")"
OUT=$( (umask 077 && printf 'pw-u0\n' | "$PW" -ci "$T/u77" alice) 2>&1)
expect_eq "0640 under umask 077" 640 "$(stat -c %a "$T/u77")"

cp "$F" "$T/f.before"
pwin other -c "$F" bob
expect_rc "-c on an existing file" 1
expect_match "-c refuses to erase" 'exists; -c would erase it' "$OUT"
same_file "-c on an existing file changes nothing" "$T/f.before" "$F"

# ------------------------------------------------------------ methods --

pwin bob-pw1 -B "$F" bob
expect_rc "-B" 0
expect_match "-B: bcrypt cost 12 by default" '^\$2y\$12\$' "$(hash_of "$F" bob)"
pwin bob-pw1 --bcrypt --cost 10 "$F" bob
expect_match "-B -C 10" '^\$2y\$10\$' "$(hash_of "$F" bob)"
expect_match "an update says so" '^Updating password for user bob$' "$OUT"
pwin carol-pw1 --method sha512 "$F" carol
# No "rounds=" field: the salt ('=' is no salt character), then the hash.
expect_match "-m sha512" '^\$6\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$' \
	"$(hash_of "$F" carol)"
pwin carol-pw1 -m sha512 -C 6000 "$F" carol
expect_match "-m sha512 -C 6000" '^\$6\$rounds=6000\$' "$(hash_of "$F" carol)"
pwin carol-pw1 -5 -r 7000 "$F" carol
expect_match "htpasswd's -5 -r" '^\$6\$rounds=7000\$' "$(hash_of "$F" carol)"
pwin dave-pw -m yescrypt -C 7 "$F" dave
expect_match "-m yescrypt -C 7" '^\$y\$j[A-Za-z0-9./]T\$' "$(hash_of "$F" dave)"
expect_eq "four users" 4 "$(wc -l <"$F")"

# Each method reads back through -v (the daemon's own verification code).
for pair in alice:alice-pw1 bob:bob-pw1 carol:carol-pw1 dave:dave-pw; do
	pwin "${pair#*:}" -v "$F" "${pair%%:*}"
	expect_rc "-v ${pair%%:*}" 0
	expect_match "-v ${pair%%:*}: htpasswd's message" \
		"^Password for user ${pair%%:*} correct\.$" "$OUT"
done
pwin wrong -v "$F" alice
expect_rc "-v with a wrong password" 3
expect_match "-v wrong: htpasswd's message" 'password verification failed' "$OUT"
pwin x -v "$F" nobody-here
expect_rc "-v of an unknown user (as htpasswd)" 6
expect_match "-v unknown: htpasswd's message" '^User nobody-here not found$' "$OUT"
run "$PW" -v --password-on-command-line alice-pw1 "$F" alice
expect_rc "-v --password-on-command-line" 0
expect_match "--password-on-command-line warns" 'seen by every local user' "$OUT"

# -v reads every format fcgi-authd reads, made by the usual tools.
cp "$F" "$T/legacy"
{
	htpasswd -nbm apr apr-pw | sed '/^$/d'
	htpasswd -nbs sha sha-pw | sed '/^$/d'
	echo "md5:$(openssl passwd -1 md5-pw)"
	echo "des:$(mkpasswd -m des des-pw)"
	echo "s256:$(openssl passwd -5 s256-pw)"
	echo "plain:{PLAIN}plain-pw"
	echo "locked:!$(mkpasswd -m yescrypt locked-pw)"
	echo "junk:notahash"
} >>"$T/legacy"
for u in apr sha md5 des s256 plain; do
	pwin "$u-pw" -v "$T/legacy" "$u"
	expect_rc "-v reads $u" 0
	pwin "wrong" -v "$T/legacy" "$u"
	expect_rc "-v $u, wrong password" 3
done
pwin des-pw -v "$T/legacy" des
expect_match "-v des: notes allow_des" 'allow_des = yes' "$OUT"
pwin locked-pw -v "$T/legacy" locked
expect_rc "-v of a locked entry" 3
expect_match "-v locked: says locked" 'is locked' "$OUT"
pwin x -v "$T/legacy" junk
expect_rc "-v of an unknown format" 3

# -n: the line on stdout, nothing else, no file.
OUT=$(printf 'n-pw\n' | "$PW" -ni nina 2>"$T/n.err")
RC=$?
expect_rc "-n" 0
expect_match "-n prints user:hash" '^nina:\$y\$j9T\$[^:]+$' "$OUT"
expect_eq "-n prints one line" 1 "$(printf '%s\n' "$OUT" | wc -l)"
expect_eq "-n: nothing on stderr" "" "$(cat "$T/n.err")"
printf '%s\n' "$OUT" >"$T/n.htpasswd"
pwin n-pw -v "$T/n.htpasswd" nina
expect_rc "-n's line verifies" 0
OUT=$(printf 'n-pw\n' | "$PW" --print --stdin -B nina 2>/dev/null)
expect_match "-n -B" '^nina:\$2y\$12\$' "$OUT"

# --------------------------------------------------------- byte for byte --

# A file with everything a hand-edited htpasswd has: comments, blank lines,
# CRLF lines, a third field, an unknown format, a user twice, no final
# newline.
B=$T/bytes
{
	printf '# managed by hand\r\n'
	printf '\n'
	printf 'alice:%s:expires=2999-01-31 Alice Liddell\r\n' "$(mkpasswd -m yescrypt old)"
	printf '   \n'
	printf 'weird:{MD4}0123456789abcdef\n'
	printf 'dup:%s\n' "$(mkpasswd -m yescrypt dup1)"
	printf '#alice:commented-out\n'
	printf 'dup:%s\n' "$(mkpasswd -m yescrypt dup2)"
	printf 'zed:%s' "$(mkpasswd -m yescrypt zed)"
} >"$B"
chmod 0640 "$B"
cp "$B" "$T/b0"

# except_line FILE N: FILE without its line N.
except_line() {
	sed "${2}d" "$1"
}

pwin alice-pw2 "$B" alice
expect_rc "update alice" 0
except_line "$T/b0" 3 >"$T/b0.x"
except_line "$B" 3 >"$T/b1.x"
same_file "every other line kept byte for byte" "$T/b0.x" "$T/b1.x"
line=$(sed -n 3p "$B")
expect_match "the third field is kept" \
	'^alice:\$y\$[^:]+:expires=2999-01-31 Alice Liddell.$' "$line"
expect_eq "the CRLF of the line is kept" 1 "$(printf '%s' "$line" | tr -dc '\r' | wc -c)"
expect_eq "the last line still has no newline" "" \
	"$(tail -c 1 "$B" | tr -d -c '\n')"
pwin alice-pw2 -v "$B" alice
expect_rc "the new password verifies" 0

cp "$B" "$T/b1"
pwin dup-new "$B" dup
expect_rc "update a user defined twice" 0
expect_match "a user defined twice: warned" 'defined 2 times' "$OUT"
except_line "$T/b1" 6 >"$T/b1.x"
except_line "$B" 6 >"$T/b2.x"
same_file "only the first definition changes" "$T/b1.x" "$T/b2.x"
pwin dup-new -v "$B" dup
expect_rc "the first definition counts" 0

cp "$B" "$T/b2"
pwin new-pw "$B" newbie
expect_rc "append to a file without final newline" 0
size=$(wc -c <"$T/b2")
expect_eq "the old bytes come first, unchanged" "$(cat "$T/b2" | od -An -c)" \
	"$(head -c "$size" "$B" | od -An -c)"
expect_eq "the old last line ends like the line before it" 1 \
	"$(tail -c +$((size + 1)) "$B" | head -c 1 | wc -l)"
expect_match "then the new line" '^newbie:\$y\$' "$(tail -c +$((size + 1)) "$B")"
expect_eq "the new line ends with a newline" 1 "$(tail -c 1 "$B" | wc -l)"

# ------------------------------------------------------ mode and owner --

cp "$B" "$T/b3"
chown daemon:www-data "$B"
chmod 0604 "$B"
ino=$(stat -c %i "$B")
pwin zed-pw "$B" zed
expect_rc "update a 0604 daemon:www-data file" 0
expect_eq "mode and owner kept" "604 daemon www-data" "$(stat -c '%a %U %G' "$B")"
expect_match "a world-readable file is warned about" 'every local user can read' "$OUT"
[ "$(stat -c %i "$B")" != "$ino" ] && ok "replaced by rename (a new inode)" ||
	not_ok "replaced by rename (a new inode)" "same inode $ino"
no_temp "no temporary file after updates" "$T"
chmod 0640 "$B"
ln "$B" "$T/b.link"
pwin zed-pw "$B" zed
expect_match "a hard link is warned about" 'hard links; the other names keep' "$OUT"
rm -f "$T/b.link"

# ------------------------------------------------------------- delete --

cp "$B" "$T/d0"
run "$PW" -D "$B" weird
expect_rc "-D" 0
expect_match "-D: htpasswd's message" '^Deleting password for user weird' "$OUT"
grep -v '^weird:' "$T/d0" >"$T/d0.x"
same_file "-D removes that line only" "$T/d0.x" "$B"
run "$PW" --delete "$B" dup
expect_match "-D removes every definition" 'every line of it' "$OUT"
expect_eq "no dup left" 0 "$(grep -c '^dup:' "$B")"
cp "$B" "$T/d1"
ino=$(stat -c %i "$B")
run "$PW" -D "$B" nobody-here
expect_rc "-D of an unknown user (as htpasswd)" 0
expect_match "-D unknown: htpasswd's message" '^User nobody-here not found$' "$OUT"
same_file "-D of an unknown user changes nothing" "$T/d1" "$B"
expect_eq "-D of an unknown user writes nothing" "$ino" "$(stat -c %i "$B")"

# ---------------------------------------------------------- exit codes --

cp "$F" "$T/e0"
pwin x "$F" 'a:b'
expect_rc "a user with ':'" 6
pwin x "$F" "$(printf 'a\tb')"
expect_rc "a user with a tab" 6
pwin x "$F" '#alice'
expect_rc "a user starting with '#'" 6
pwin x "$F" ' alice'
expect_rc "a user starting with a space" 6
pwin x "$F" "$(printf '%0256d' 0)"
expect_rc "a user of 256 bytes" 5
pwin "$(printf '%0512d' 0)" "$F" longpw
expect_rc "a password of 512 bytes" 5
pwin "$(printf '%073d' 0)" -B "$F" longbc
expect_rc "a bcrypt password of 73 bytes" 5
expect_match "73 bytes: says why" 'only the first 72' "$OUT"
pwin "$(printf '%072d' 0)" -B -C 10 "$F" bc72
expect_rc "a bcrypt password of 72 bytes" 0
pwin "$(printf '%0511d' 0)" "$F" pw511
expect_rc "a password of 511 bytes" 0
pwin "" "$F" empty
expect_rc "an empty password" 2
OUT=$(printf 'a\000b\n' | "$PW" -i "$F" nul 2>&1)
RC=$?
expect_rc "a password with NUL" 2
run "$PW" -D "$(printf '/%04095d' 0)" alice
expect_rc "a file name of 4096 bytes" 5
run "$PW" -D "$F" bc72
run "$PW" -D "$F" pw511
same_file "refusals change nothing" "$T/e0" "$F"
printf 'alice:%s\nthis line has no colon\n' "$(mkpasswd -m yescrypt x)" >"$T/bad"
cp "$T/bad" "$T/bad0"
pwin x "$T/bad" bob
expect_rc "an invalid file" 7
expect_match "an invalid file: the line" 'bad:2: ' "$OUT"
run "$PW" -D "$T/bad" alice
expect_rc "-D on an invalid file" 7
pwin x -v "$T/bad" alice
expect_rc "-v on an invalid file" 7
same_file "an invalid file is left alone" "$T/bad0" "$T/bad"
mkdir "$T/adir"
pwin x "$T/adir" alice
expect_rc "a folder as FILE" 1

# -------------------------------------------- a failed write changes nothing --

# A real failure as root: the file-size limit (ulimit -f, 512-byte blocks)
# stops the temporary copy; the tool ignores SIGXFSZ and cleans up.
W=$T/w
mkdir "$W"
cp "$B" "$W/users"
# Over 2 KiB, so one block (512 bytes in dash, 1 KiB in bash) is too few.
pad=$(mkpasswd -m yescrypt pad)
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
	echo "pad$i:$pad" >>"$W/users"
done
cp "$W/users" "$T/w0"
OUT=$( (ulimit -f 1 && printf 'big-pw\n' | "$PW" -i "$W/users" newuser) 2>&1)
RC=$?
expect_rc "a write that fails" 1
expect_match "a write that fails: says so" 'write error' "$OUT"
same_file "a failed write leaves the original intact" "$T/w0" "$W/users"
no_temp "a failed write leaves no temporary file" "$W"

# A folder the user may not write (as nobody: root writes anywhere).
R=$T/ro
mkdir "$R"
cp "$T/w0" "$R/users"
chown nobody:nogroup "$R/users"
chmod 0555 "$R"
OUT=$(printf 'ro-pw\n' | setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$PW" -i "$R/users" alice 2>&1)
RC=$?
expect_rc "a read-only folder" 1
expect_match "a read-only folder: says so" 'cannot create a temporary file' "$OUT"
same_file "a read-only folder leaves the original intact" "$T/w0" "$R/users"
no_temp "a read-only folder: no temporary file" "$R"
chmod 0755 "$R"

# An owner the user cannot keep: refused, never silently changed.
O=$T/own
mkdir "$O"
chmod 0777 "$O"
cp "$T/w0" "$O/users"
chown root:www-data "$O/users"
chmod 0666 "$O/users"
OUT=$(printf 'own-pw\n' | setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$PW" -i "$O/users" alice 2>&1)
RC=$?
expect_rc "an owner that cannot be kept" 1
expect_match "an owner that cannot be kept: says so" 'cannot give the new copy its owner' "$OUT"
same_file "the original stays" "$T/w0" "$O/users"
expect_eq "and its owner" "root www-data" "$(stat -c '%U %G' "$O/users")"
no_temp "no temporary file" "$O"

# ----------------------------------------------------------------- lock --

# hold_lock FILE SECONDS: another edit holds FILE's flock (one process,
# so stopping it releases the lock); returns once the lock is taken.
hold_lock() {
	perl -MFcntl=:flock -e 'open(my $f, "<", $ARGV[0]) or die "$!";
		flock($f, LOCK_EX) or die "$!"; sleep $ARGV[1];' "$1" "$2" &
	HOLDER=$!
	bg_pid "$HOLDER"
	_n=0
	while flock -n "$1" true && [ $_n -lt $((WAIT_SECS * 10)) ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
}

L=$T/lock
cp "$T/w0" "$L"
hold_lock "$L" 30
start=$(date +%s)
pwin lock-pw --lock-wait 1 "$L" alice
expect_rc "a locked file" 1
expect_match "a locked file: says so" 'still locked by another edit' "$OUT"
expect_match "the wait is bounded" '^[123]$' "$(($(date +%s) - start))"
same_file "a locked file is not written" "$T/w0" "$L"
# Ctrl-C while waiting for the lock: exit 4, nothing written.
printf 'int-pw\n' | "$PW" -i --lock-wait 30 "$L" alice >"$T/int.out" 2>&1 &
IPID=$!
sleep 1
kill -INT "$IPID"
wait "$IPID"
RC=$?
OUT=$(cat "$T/int.out")
expect_rc "SIGINT while waiting for the lock" 4
expect_match "SIGINT while waiting: says so" 'interrupted' "$OUT"
same_file "SIGINT while waiting: nothing written" "$T/w0" "$L"
no_temp "SIGINT while waiting: no temporary file" "$T"
stop_pid "$HOLDER"
hold_lock "$L" 1
pwin lock-pw --lock-wait 10 "$L" alice
expect_rc "the lock released within the wait" 0
stop_pid "$HOLDER"

# Parallel edits: the lock serialises them, no update is lost.
cp "$T/w0" "$L"
i=1
while [ $i -le 8 ]; do
	printf 'p%s-pw\n' "$i" | "$PW" -i --lock-wait 60 "$L" "par$i" >"$T/par$i.out" 2>&1 &
	echo $! >"$T/par$i.pid"
	i=$((i + 1))
done
i=1
fails=0
while [ $i -le 8 ]; do
	wait "$(cat "$T/par$i.pid")" || fails=$((fails + 1))
	i=$((i + 1))
done
expect_eq "8 parallel edits succeed" 0 "$fails"
expect_eq "8 parallel edits: all 8 users are there" 8 "$(grep -c '^par[1-8]:' "$L")"
pwin p5-pw -v "$L" par5
expect_rc "a parallel edit's password verifies" 0
no_temp "parallel edits: no temporary file" "$T"

# ------------------------------------------------------------- terminal --

# tty CMD: run CMD on a fresh pseudo-terminal (script(1)); what it shows
# goes to $T/ts; input is written with tty_type. Sets TTY_PID.
tty_start() {
	rm -f "$T/ts" "$T/tty.in" "$T/tool.pid"
	mkfifo "$T/tty.in"
	script -qefc "$1" "$T/ts" <"$T/tty.in" >/dev/null 2>&1 &
	TTY_PID=$!
	bg_pid "$TTY_PID"
	exec 3>"$T/tty.in"
}

# tty_wait TEXT: wait until the terminal showed TEXT.
tty_wait() {
	_n=0
	while ! grep -qF -- "$1" "$T/ts" 2>/dev/null; do
		[ $_n -lt $((WAIT_SECS * 10)) ] || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
}

# tty_end: wait (bounded) for the session to end; its transcript in $TS.
tty_end() {
	_n=0
	while _alive "$TTY_PID" && [ $_n -lt $((WAIT_SECS * 10)) ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	exec 3>&-
	stop_pid "$TTY_PID"
	TS=$(tr -d '\r' <"$T/ts")
}

TF=$T/tty.htpasswd
cp "$T/w0" "$TF"
tty_start "'$PW' '$TF' alice; echo \"rc=\$?\""
tty_wait "New password:" && ok "prompt 1" || not_ok "prompt 1" "no prompt"
printf 'tty-secret-1\n' >&3
tty_wait "Re-type new password:" && ok "prompt 2" || not_ok "prompt 2" "no prompt"
printf 'tty-secret-1\n' >&3
tty_wait "rc=" || :
tty_end
expect_match "terminal: exit 0" '^rc=0$' "$TS"
expect_no_match "terminal: the password is not echoed" 'tty-secret' "$TS"
pwin tty-secret-1 -v "$TF" alice
expect_rc "terminal: the password typed was stored" 0

cp "$TF" "$T/tty0"
tty_start "'$PW' '$TF' alice; echo \"rc=\$?\""
tty_wait "New password:" || :
printf 'tty-secret-2\n' >&3
tty_wait "Re-type new password:" || :
printf 'tty-secret-3\n' >&3
tty_wait "rc=" || :
tty_end
expect_match "terminal: two different entries exit 3" '^rc=3$' "$TS"
expect_match "terminal: htpasswd's message" 'password verification error' "$TS"
same_file "terminal: a mismatch changes nothing" "$T/tty0" "$TF"

# Ctrl-C (SIGINT) at the prompt: exit 4, echo back on, nothing written.
tty_start "sh -c 'echo \$\$ >\"$T/tool.pid\"; exec \"$PW\" \"$TF\" alice'; echo \"rc=\$?\"; stty -a"
tty_wait "New password:" || :
kill -INT "$(cat "$T/tool.pid")"
tty_wait "rc=" || :
tty_end
expect_match "SIGINT at the prompt: exit 4" '^rc=4$' "$TS"
expect_match "SIGINT: the terminal echoes again" 'icanon iexten echo ' "$TS"
expect_no_match "SIGINT: not left at -echo" '(^| )-echo( |$)' "$TS"
same_file "SIGINT: nothing written" "$T/tty0" "$TF"

# No terminal at all (a cron job without -i): told to use -i.
OUT=$(setsid "$PW" "$TF" alice </dev/null 2>&1)
RC=$?
expect_rc "no terminal and no -i" 2
expect_match "no terminal: says use -i" 'use -i' "$OUT"

# ---------------------------------------------------------------- audit --

A=$T/audit
{
	echo "# audit"
	echo "good:$(mkpasswd -m yescrypt good)"
	echo "md5:$(openssl passwd -1 md5)"
	htpasswd -nbm apr apr | sed '/^$/d'
	htpasswd -nbs sha sha | sed '/^$/d'
	echo "des:$(mkpasswd -m des des-pw)"
	echo "plain:{PLAIN}plain-secret"
	htpasswd -nbB -C 5 bc5 bc5 | sed '/^$/d'
	echo "r1000:$(mkpasswd -m sha-512 -R 1000 r1000)"
	echo "locked:!$(mkpasswd -m yescrypt locked)"
	echo "gone:$(mkpasswd -m yescrypt gone):expires=2001-01-31"
	echo "later:$(mkpasswd -m yescrypt later):expires=2999-01-31"
	echo "junk:notahash"
	echo "good:$(mkpasswd -m yescrypt again)"
} >"$A"
chmod 0644 "$A"
OUT=$("$PW" --audit "$A" 2>"$T/audit.err")
RC=$?
expect_rc "--audit with findings" 8
expect_match "audit: the file mode" '^file: mode 0644: every local user can read' "$OUT"
expect_match "audit: md5-crypt" '^line 3: md5: legacy: md5-crypt' "$OUT"
expect_match "audit: apr1" '^line 4: apr: legacy: Apache MD5' "$OUT"
expect_match "audit: {SHA}" '^line 5: sha: legacy: unsalted SHA-1' "$OUT"
expect_match "audit: DES" '^line 6: des: legacy: DES' "$OUT"
expect_match "audit: plaintext" '^line 7: plain: legacy: plaintext' "$OUT"
expect_match "audit: bcrypt cost 5" '^line 8: bc5: weak: bcrypt cost 5' "$OUT"
expect_match "audit: sha512 rounds 1000" '^line 9: r1000: weak: sha512-crypt rounds 1000' "$OUT"
expect_match "audit: locked" '^line 10: locked: locked' "$OUT"
expect_match "audit: expired" '^line 11: gone: expired: expired at 2001-01-31' "$OUT"
expect_match "audit: unknown format" '^line 13: junk: unusable: unknown' "$OUT"
expect_match "audit: duplicate" '^line 14: good: duplicate: already defined on line 2' "$OUT"
expect_no_match "audit: good and future entries are not listed" \
	'^line (2|12):' "$OUT"
expect_eq "audit: one line per finding" 12 "$(printf '%s\n' "$OUT" | wc -l)"
leak=0
for h in $(cut -d: -f2 "$A" | grep -v '^ *$' | grep -v '^#' | sed 's/^!//'); do
	[ ${#h} -ge 10 ] || continue
	tail=$(printf '%s' "$h" | tail -c 10)
	printf '%s' "$OUT" | grep -qF -- "$tail" && leak=1
done
expect_eq "audit never prints a hash" 0 "$leak"
expect_no_match "audit never prints the plaintext" 'plain-secret' "$OUT"

chmod 0640 "$F"
run "$PW" --audit "$F"
expect_rc "--audit of a clean file" 0
expect_eq "--audit of a clean file prints nothing" "" "$(printf '%s' "$OUT" | grep '^line' || :)"
run "$PW" --audit "$T/bad"
expect_rc "--audit of an invalid file" 7
expect_match "--audit names the malformed line" '^line 2: malformed' "$OUT"
expect_no_match "--audit does not show the line" 'has no colon' "$OUT"
run "$PW" --audit "$T/no-such-file"
expect_rc "--audit of a missing file" 1

# --------------------------------------------------------------- tokens --

# tok ARGS...: the tool with --token; stdout in $TOK, stderr in $OUT,
# status in $RC. Every token printed is kept in $T/printed.list.
tok() {
	TOK=$("$PW" --token "$@" 2>"$T/tok.err")
	RC=$?
	OUT=$(cat "$T/tok.err")
	[ -z "$TOK" ] || printf '%s\n' "$TOK" >>"$T/printed.list"
}

# sha256_of TEXT: the lowercase hex SHA-256 of TEXT (no newline).
sha256_of() {
	printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

TOKRE='^fcat_[0-9A-Za-z]{38}$'
TODAY=$(date -u +%F)
: >"$T/printed.list"
K=$T/tokens
tok "$K" ci
expect_rc "--token makes a missing file" 0
expect_match "--token prints the token" "$TOKRE" "$TOK"
expect_eq "--token prints one line" 1 "$(printf '%s\n' "$TOK" | wc -l)"
expect_match "--token: says so on stderr" '^Adding token for ci$' "$OUT"
expect_match "--token: notes the new file" 'note: created .*mode 0640' "$OUT"
expect_no_match "--token: the token is not on stderr" 'fcat_' "$OUT"
expect_eq "a new token file is 0640" 640 "$(stat -c %a "$K")"
expect_eq "a new token file is the caller's" "$(id -u):$(id -g)" "$(stat -c %u:%g "$K")"
expect_eq "the token file: NAME:sha256:HEX:CREATED" \
	"ci:sha256:$(sha256_of "$TOK"):$TODAY" "$(cat "$K")"
CI_TOK=$TOK
no_temp "--token leaves no temporary file" "$T"

tok "$K" bot --expires 2099-01-31
expect_rc "--token --expires" 0
expect_match "--expires: said" '^Adding token for bot, expires 2099-01-31$' "$OUT"
expect_eq "--expires: the fifth field" \
	"bot:sha256:$(sha256_of "$TOK"):$TODAY:2099-01-31" "$(sed -n 2p "$K")"
[ "$TOK" != "$CI_TOK" ] && ok "two tokens differ" || not_ok "two tokens differ" "$TOK"
BOT_TOK=$TOK
for e in 2001-01-01 "$TODAY" 2099-02-30 2099-1-1 tomorrow 2099-01-01T00:00:00Z; do
	cp "$K" "$T/k0"
	tok "$K" late --expires "$e"
	expect_rc "--expires $e refused" 2
	expect_eq "--expires $e: no token printed" "" "$TOK"
	same_file "--expires $e: the file is unchanged" "$T/k0" "$K"
done

# Names: the token file's rules, and a taken one.
cp "$K" "$T/k0"
for n in 'a b' 'a:b' "$(printf 'a\tb')" '#ci' "$CI_TOK"; do
	tok "$K" "$n"
	expect_rc "an illegal token name" 6
done
tok "$K" "$(printf '%0256d' 0)"
expect_rc "a token name of 256 bytes" 5
tok "$K" ci
expect_rc "a NAME that has a token" 6
expect_match "a taken NAME: says what to do" \
	'ci already has a token \(line 1 of .*\): --replace makes a new one' "$OUT"
expect_eq "a taken NAME: no token printed" "" "$TOK"
same_file "refused names change nothing" "$T/k0" "$K"
for args in "-i $K x" "-B $K x" "-C 12 $K x" "-v $K ci" "-n ci" \
	"$K" "--expires 2099-01-01 $K" "-D --replace $K ci" "-D --expires 2099-01-01 $K ci"; do
	# shellcheck disable=SC2086 # one word per argument
	tok $args </dev/null
	expect_rc "usage: --token '$args'" 2
done
run "$PW" --expires 2099-01-01 "$K" x </dev/null
expect_rc "usage: --expires without --token" 2
same_file "usage errors change nothing" "$T/k0" "$K"

# --replace: the old token's line goes, the new one comes, in one replace.
ino=$(stat -c %i "$K")
tok --replace "$K" ci
expect_rc "--replace" 0
expect_match "--replace: said" '^Replacing token for ci$' "$OUT"
expect_eq "--replace: still one line for ci" 1 "$(grep -c '^ci:' "$K")"
expect_eq "--replace: the new digest" "$(sha256_of "$TOK")" "$(grep '^ci:' "$K" | cut -d: -f3)"
expect_eq "--replace: the old digest is gone" 0 "$(grep -c "$(sha256_of "$CI_TOK")" "$K")"
expect_eq "--replace: bot untouched" "bot:sha256:$(sha256_of "$BOT_TOK"):$TODAY:2099-01-31" \
	"$(grep '^bot:' "$K")"
[ "$(stat -c %i "$K")" != "$ino" ] && ok "--replace: by rename" || not_ok "--replace: by rename" "same inode"
CI_TOK=$TOK

# A file with comments and CRLF endings: kept byte for byte, line added.
C=$T/crlf.tokens
printf '# tokens\r\n\r\nold:sha256:%s:2020-01-01:2021-01-01\r\n' "$(sha256_of x)" >"$C"
cp "$C" "$T/c0"
tok "$C" new
expect_rc "--token on a CRLF file" 0
expect_eq "the old bytes come first" "$(od -An -c "$T/c0")" \
	"$(head -c "$(wc -c <"$T/c0")" "$C" | od -An -c)"
expect_eq "the new line ends with CRLF" \
	"new:sha256:$(sha256_of "$TOK"):$TODAY" "$(tail -n 1 "$C" | tr -d '\r')"
expect_eq "CRLF kept" 4 "$(tr -dc '\r' <"$C" | wc -c)"

# The wrong kind of file, either way: exit 7, nothing written.
cp "$F" "$T/f0"
tok "$F" x
expect_rc "--token on a password file" 7
expect_eq "--token on a password file: no token printed" "" "$TOK"
same_file "--token on a password file: unchanged" "$T/f0" "$F"
cp "$K" "$T/k0"
pwin x "$K" alice
expect_rc "a password added to a token file" 7
expect_match "a token file: says so" 'holds tokens .*--token' "$OUT"
pwin x -v "$K" ci
expect_rc "-v on a token file" 7
same_file "password modes leave a token file alone" "$T/k0" "$K"
printf 'ci:sha256:%s:2026-01-01\nbroken\n' "$(sha256_of y)" >"$T/badtok"
cp "$T/badtok" "$T/bt0"
tok "$T/badtok" x
expect_rc "a token file with a bad line" 7
expect_match "a bad token line is named" 'badtok:2: expected NAME:sha256:HEX:CREATED' "$OUT"
same_file "a token file with a bad line is not edited" "$T/bt0" "$T/badtok"
tok -c "$K" x
expect_rc "--token -c on an existing file" 1
same_file "--token -c: unchanged" "$T/k0" "$K"

# Nowhere to print the token: refused before the file is touched.
TOK=$("$PW" --token "$K" closed 2>"$T/tok.err" >&-)
RC=$?
OUT=$(cat "$T/tok.err")
expect_rc "stdout closed" 1
expect_match "stdout closed: says so" 'stdout is closed' "$OUT"
same_file "stdout closed: nothing written" "$T/k0" "$K"

# Modes of new files, whatever the umask.
OUT=$( (umask 0 && "$PW" --token "$T/k-u0" a >>"$T/printed.list") 2>&1)
expect_eq "a new token file is 0640 under umask 0" 640 "$(stat -c %a "$T/k-u0")"
OUT=$( (umask 077 && "$PW" --token "$T/k-u77" a >>"$T/printed.list") 2>&1)
expect_eq "a new token file is 0640 under umask 077" 640 "$(stat -c %a "$T/k-u77")"
# An existing file keeps its owner, group and mode.
chown daemon:www-data "$K"
chmod 0660 "$K"
tok "$K" kept
expect_rc "--token on a daemon:www-data 0660 file" 0
expect_eq "token file: mode and owner kept" "660 daemon www-data" "$(stat -c '%a %U %G' "$K")"
chown root:root "$K"
chmod 0640 "$K"

# -D: a token file is told by its lines; --token may be given too.
cp "$K" "$T/k1"
run "$PW" -D "$K" bot
expect_rc "-D of a token" 0
expect_match "-D of a token: said" '^Deleting token bot$' "$OUT"
grep -v '^bot:' "$T/k1" >"$T/k1.x"
same_file "-D removes that line only" "$T/k1.x" "$K"
run "$PW" --token -D "$K" kept
expect_rc "--token -D" 0
expect_eq "--token -D: gone" 0 "$(grep -c '^kept:' "$K")"
cp "$K" "$T/k2"
ino=$(stat -c %i "$K")
run "$PW" -D "$K" nobody
expect_rc "-D of an unknown token name" 0
expect_match "-D unknown: said" '^Token nobody not found$' "$OUT"
same_file "-D of an unknown name changes nothing" "$T/k2" "$K"
expect_eq "-D of an unknown name writes nothing" "$ino" "$(stat -c %i "$K")"

# The lock: a held lock times out and prints no token; Ctrl-C while
# waiting exits 4; the token file is untouched either way.
cp "$K" "$T/k3"
hold_lock "$K" 30
tok --lock-wait 1 "$K" locked
expect_rc "a locked token file" 1
expect_match "a locked token file: says so" 'still locked by another edit' "$OUT"
expect_eq "a locked token file: no token printed" "" "$TOK"
same_file "a locked token file is not written" "$T/k3" "$K"
"$PW" --token --lock-wait 30 "$K" sig >"$T/sig.out" 2>"$T/sig.err" &
IPID=$!
sleep 1
kill -INT "$IPID"
wait "$IPID"
RC=$?
expect_rc "SIGINT while a token waits for the lock" 4
expect_eq "SIGINT: no token printed" "" "$(cat "$T/sig.out")"
same_file "SIGINT: the token file is not written" "$T/k3" "$K"
stop_pid "$HOLDER"
hold_lock "$K" 1
tok --lock-wait 10 "$K" waited
expect_rc "the lock released within the wait" 0
expect_eq "then its line is there" "waited:sha256:$(sha256_of "$TOK"):$TODAY" \
	"$(grep '^waited:' "$K")"
stop_pid "$HOLDER"
no_temp "the lock: no temporary file" "$T"

# Parallel runs on a file that does not exist yet: one makes it, all add
# their line, each line the digest of the token that run printed.
P=$T/par.tokens
i=1
while [ $i -le 8 ]; do
	"$PW" --token --lock-wait 60 "$P" "par$i" >"$T/tpar$i.out" 2>"$T/tpar$i.err" &
	echo $! >"$T/tpar$i.pid"
	i=$((i + 1))
done
i=1
fails=0
bad=0
while [ $i -le 8 ]; do
	wait "$(cat "$T/tpar$i.pid")" || fails=$((fails + 1))
	t=$(cat "$T/tpar$i.out")
	printf '%s\n' "$t" >>"$T/printed.list"
	grep -qx "par$i:sha256:$(sha256_of "$t"):$TODAY" "$P" || bad=$((bad + 1))
	i=$((i + 1))
done
expect_eq "8 parallel --token runs succeed" 0 "$fails"
expect_eq "8 parallel --token runs: 8 lines" 8 "$(wc -l <"$P")"
expect_eq "8 parallel --token runs: each line matches its token" 0 "$bad"
expect_eq "8 parallel --token runs: the file made once" 1 \
	"$(cat "$T"/tpar*.err | grep -c 'note: created')"
no_temp "parallel --token runs: no temporary file" "$T"

# --audit of a token file: expired, refused lines, a world-readable file.
AK=$T/audit.tokens
{
	echo "# audit"
	echo "ok:sha256:$(sha256_of a1):2026-01-01"
	echo "gone:sha256:$(sha256_of a2):2000-01-01:2001-01-31"
	echo "later:sha256:$(sha256_of a3):2026-01-01:2999-01-01"
	echo "ok:sha256:$(sha256_of a4):2026-01-01"
	echo "twin:sha256:$(sha256_of a1):2026-01-01"
} >"$AK"
chmod 0644 "$AK"
OUT=$("$PW" --audit "$AK" 2>"$T/audit.err")
RC=$?
expect_rc "--audit of a token file with findings" 8
expect_match "token audit: the file mode" \
	'^file: mode 0644: every local user can read the token names and digests' "$OUT"
expect_match "token audit: expired" '^line 3: gone: expired: expired at 2001-01-31' "$OUT"
expect_match "token audit: a name twice" \
	'^line 5: ok: duplicate: already defined on line 2' "$OUT"
expect_match "token audit: a digest twice" \
	'^line 6: twin: duplicate: the same digest as line 2' "$OUT"
expect_no_match "token audit: good and future tokens are not listed" '^line (2|4):' "$OUT"
expect_eq "token audit: one line per finding" 4 "$(printf '%s\n' "$OUT" | wc -l)"
expect_no_match "token audit never prints a digest" '[0-9a-f]{16}' "$OUT"
chmod 0640 "$AK"
run "$PW" --token --audit "$AK"
expect_rc "--token --audit: the same" 8
printf 'x\n' >>"$AK"
run "$PW" --audit "$AK"
expect_rc "--audit of a token file with a bad line" 7
expect_match "token audit: the bad line" '^line 7: malformed: expected NAME:sha256' "$OUT"
run "$PW" --audit "$K"
expect_rc "--audit of a clean token file" 0
expect_eq "--audit of a clean token file prints nothing" "" "$OUT"
run "$PW" --token --audit "$F"
expect_rc "--token --audit of a password file" 7

# No token ever reaches a file or a message.
leak=0
while read -r t; do
	[ -n "$t" ] || continue
	grep -qF -- "$t" "$T"/*.tokens "$K" "$T"/k-u* "$T"/*.err 2>/dev/null && leak=1
done <"$T/printed.list"
expect_eq "16 tokens were printed, one per run that made one" 16 \
	"$(wc -l <"$T/printed.list")"
expect_eq "no token is in any file or message" 0 "$leak"
expect_eq "every token printed is well formed" 0 \
	"$(grep -cvE "$TOKRE" "$T/printed.list" || :)"
expect_eq "and each one differs" "$(wc -l <"$T/printed.list")" \
	"$(sort -u "$T/printed.list" | wc -l)"

# ---------------------------------------- nginx and fcgi-authd read it --

WEB=$T/web.htpasswd
pwin alice-pw1 -c "$WEB" alice
pwin bob-pw1 -B -C 10 "$WEB" bob
pwin carol-pw1 -m sha512 "$WEB" carol
# As an admin would: the web server's group may read it (0640 kept).
chgrp www-data "$WEB"
N=$T/nginx
mkdir -p "$N/tmp" "$T/htdocs/basic" "$T/htdocs/authd"
echo "SECRET basic" >"$T/htdocs/basic/index.html"
echo "SECRET authd" >"$T/htdocs/authd/index.html"
start_daemon --user-file "$WEB" --cache-ttl 0
SOCK=$DAEMON_SOCK
nginx_snippet "$SOCK"
nginx_http() {
	cat <<EOF
    server {
        listen 127.0.0.1:$PORT;
        root $T/htdocs;
        include $N/fcgi-authd.conf;
        # nginx's own Basic auth, reading the file with crypt(3).
        location /basic/ {
            auth_basic "passwd test";
            auth_basic_user_file $WEB;
        }
        # fcgi-authd reading the same file.
        location /authd/ {
            auth_request /.fcgi-authd;
        }
    }
EOF
}
start_nginx_http PORT nginx_http

# both CRED WANT NAME: nginx's auth_basic and fcgi-authd both answer WANT
# (fcgi-authd notices a changed file within about a second: waited for).
both() {
	expect_eq "nginx auth_basic: $3" "$2" \
		"$(curl_status "http://127.0.0.1:$PORT/basic/" -u "$1")"
	_n=0
	while [ $_n -lt 50 ]; do
		[ "$(curl_status "http://127.0.0.1:$PORT/authd/" -u "$1")" = "$2" ] && break
		sleep 0.1
		_n=$((_n + 1))
	done
	expect_eq "fcgi-authd: $3" "$2" \
		"$(curl_status "http://127.0.0.1:$PORT/authd/" -u "$1")"
}

both alice:alice-pw1 200 "yescrypt (the default)"
both bob:bob-pw1 200 "bcrypt"
both carol:carol-pw1 200 "sha512"
both alice:wrong 401 "a wrong password"

# The tool changes the file while both serve from it.
pwin alice-pw2 "$WEB" alice
expect_eq "the group stays www-data" "www-data 640" "$(stat -c '%G %a' "$WEB")"
both alice:alice-pw2 200 "the new password"
both alice:alice-pw1 401 "the old password"
run "$PW" -D "$WEB" bob
both bob:bob-pw1 401 "a deleted user"
both carol:carol-pw1 200 "another user, untouched"
expect_match "fcgi-authd reloaded the file" 'reloaded' "$(cat "$T/authd.log")"

finish
