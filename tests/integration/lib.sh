# Shared helpers for the integration tests (POSIX sh; dash runs them).
#
# Sourced as:  . "$top_srcdir/tests/integration/lib.sh"
#
# The Makefile exports top_srcdir, top_builddir, FCGI_AUTHD and FCGI_CLIENT
# (all absolute) and runs each test from the build folder.  The source folder
# may be read-only (make distcheck), so everything a test writes goes under
# $T, a fresh mktemp -d folder removed on exit (kept when KEEP_TMP=1).
#
# Exit codes follow automake's test driver: 0 pass, 1 fail, 99 hard error.
# No test ever exits 77 (skip): a missing server or tool is an error that
# names the Debian package to install.
#
# Results are appended to a file rather than kept in shell variables, so
# ok/not_ok also count when called from a subshell or a pipeline.

LC_ALL=C.UTF-8
export LC_ALL
umask 022
# A developer's proxy settings must never route loopback test traffic.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

# Every wait in these tests is bounded by this many seconds.
WAIT_SECS=${WAIT_SECS:-10}

# ------------------------------------------------------------- plumbing --

# hard_error MESSAGE: the test cannot run at all (exit 99).
hard_error() {
	echo "ERROR: $*" >&2
	exit 99
}

# fail_now MESSAGE: the test failed and cannot go on (exit 1).
fail_now() {
	echo "FAIL: $*" >&2
	exit 1
}

for _lib_v in top_srcdir top_builddir FCGI_AUTHD FCGI_CLIENT; do
	eval "_lib_val=\${$_lib_v:-}"
	[ -n "$_lib_val" ] || hard_error "$_lib_v is not set (run the tests with make check)"
done
unset _lib_v _lib_val

T=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-authd-test.XXXXXX") ||
	hard_error "mktemp -d failed"
# Web server workers run as www-data and must traverse $T to reach sockets
# and documents (mktemp makes 0700 folders).
chmod 0755 "$T"
: >"$T/.pids"
: >"$T/.results"
: >"$T/.ports"

# _alive PID: the process exists and is not a zombie (a child that exited
# but was not reaped still answers kill -0).
_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		_lib_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
		[ "$_lib_st" != Z ] || return 1
	fi
	return 0
}

# bg_pid PID: kill PID when the test ends.
bg_pid() {
	echo "$1" >>"$T/.pids"
}

# stop_pid PID: TERM, then KILL after 3 s; returns when it is gone.  PID
# leaves the cleanup list, so a recycled pid is never signalled later.
stop_pid() {
	grep -vx "$1" "$T/.pids" >"$T/.pids.new" || :
	mv "$T/.pids.new" "$T/.pids"
	kill -TERM "$1" 2>/dev/null || return 0
	_lib_n=0
	while _alive "$1" && [ "$_lib_n" -lt 30 ]; do
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	if _alive "$1"; then
		echo "pid $1 ignored SIGTERM for 3 s, sending SIGKILL" >&2
		kill -KILL "$1" 2>/dev/null || :
	fi
	# Reap it if it is our child (no effect otherwise).
	wait "$1" 2>/dev/null || :
	return 0
}

_show_logs() {
	for _lib_log in "$T"/*.log "$T"/*/*.log; do
		[ -f "$_lib_log" ] || continue
		echo "---- last lines of ${_lib_log#"$T"/} ----"
		tail -n 40 "$_lib_log"
	done
}

# _lib_secrets_logged: false (and says where) when a log fcgi-authd wrote
# in this test holds a fixture password or its Basic token. Every test
# that made fixtures checks this on its way out, so the whole suite proves
# that passwords and Authorization values never reach the log.
_lib_secrets_logged() {
	_lib_found=0
	for _lib_log in "$T"/authd*.log "$T"/*/authd*.log "$T"/cgi.log; do
		[ -f "$_lib_log" ] || continue
		for _lib_pair in ${FIXTURE_USERS:-} ${FIXTURE_LOCKED:-} \
			${FIXTURE_EXPIRED:-} ${FIXTURE_FUTURE:-}; do
			_lib_pw=${_lib_pair#*:}
			_lib_tok=$(printf '%s' "$_lib_pair" | base64 | tr -d '\n')
			if grep -qF -e "$_lib_pw" -e "$_lib_tok" "$_lib_log"; then
				echo "SECRET IN LOG: ${_lib_log#"$T"/} holds the password or token of ${_lib_pair%%:*}" >&2
				_lib_found=1
			fi
		done
		# Bearer tokens a test made (FIXTURE_TOKENS, whole tokens).
		for _lib_tok in ${FIXTURE_TOKENS:-}; do
			if grep -qF -e "$_lib_tok" "$_lib_log"; then
				echo "SECRET IN LOG: ${_lib_log#"$T"/} holds a Bearer token" >&2
				_lib_found=1
			fi
		done
	done
	[ "$_lib_found" = 0 ]
}

_cleanup() {
	_lib_rc=$?
	trap - EXIT INT TERM
	if [ -f "$T/.pids" ]; then
		# Newest first: servers go down before the daemon they talk to.
		sed '1!G;h;$!d' "$T/.pids" >"$T/.pids.rev"
		while read -r _lib_p; do
			stop_pid "$_lib_p"
		done <"$T/.pids.rev"
	fi
	_lib_secrets_logged || _lib_rc=1
	if [ "$_lib_rc" -ne 0 ]; then
		_show_logs >&2
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "KEEP_TMP=1: test files kept in $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$_lib_rc"
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

# need_cmd CMD PACKAGE: exit 99 unless CMD is on PATH (or in /usr/sbin).
need_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	for _lib_d in /usr/sbin /sbin /usr/local/sbin; do
		if [ -x "$_lib_d/$1" ]; then
			PATH=$PATH:$_lib_d
			export PATH
			return 0
		fi
	done
	hard_error "$1 not found: apt-get install $2"
}

# -------------------------------------------------------------- network --

# _port_bindable PORT: nobody listens on 127.0.0.1:PORT (perl-base is
# Essential on Debian, so perl is always there).
_port_bindable() {
	perl -MIO::Socket::IP -e '
		IO::Socket::IP->new(LocalHost => "127.0.0.1", LocalPort => $ARGV[0],
		    Listen => 1, ReuseAddr => 1) or exit 1' "$1" 2>/dev/null
}

# free_port: print an unused 127.0.0.1 TCP port.  Ports come at random from
# below the kernel's ephemeral range (so outgoing connections do not take
# them) and never twice in one test; parallel tests pick independently.
free_port() {
	_lib_tries=0
	while [ "$_lib_tries" -lt 200 ]; do
		_lib_tries=$((_lib_tries + 1))
		_lib_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_lib_port=$((20000 + _lib_r % 12000))
		grep -qx "$_lib_port" "$T/.ports" && continue
		_port_bindable "$_lib_port" || continue
		echo "$_lib_port" >>"$T/.ports"
		echo "$_lib_port"
		return 0
	done
	hard_error "no free TCP port found on 127.0.0.1"
}

# _connects unix PATH | tcp HOST PORT: one connect(), closed at once.
_connects() {
	case $1 in
	unix)
		[ -S "$2" ] || return 1
		perl -MIO::Socket::UNIX -e '
			IO::Socket::UNIX->new(Type => IO::Socket::UNIX::SOCK_STREAM(),
			    Peer => $ARGV[0]) or exit 1' "$2" 2>/dev/null
		;;
	tcp)
		perl -MIO::Socket::IP -e '
			IO::Socket::IP->new(PeerHost => $ARGV[0], PeerPort => $ARGV[1],
			    Timeout => 2) or exit 1' "$2" "$3" 2>/dev/null
		;;
	esac
}

# wait_for SECONDS CMD [ARGS...]: run CMD every 0.1 s until it succeeds;
# false when it still fails after SECONDS.  For every wait on a condition
# (a log line, a file, a process gone) instead of a fixed sleep.
wait_for() {
	_lib_wf_max=$(($1 * 10))
	shift
	_lib_wf_n=0
	until "$@"; do
		[ "$_lib_wf_n" -lt "$_lib_wf_max" ] || return 1
		sleep 0.1
		_lib_wf_n=$((_lib_wf_n + 1))
	done
	return 0
}

# log_count FILE ERE: how many lines of FILE match ERE (0 without FILE).
log_count() {
	if [ -f "$1" ]; then
		grep -Ec -- "$2" "$1" || :
	else
		echo 0
	fi
}

# log_grew FILE ERE BEFORE: FILE has more than BEFORE lines matching ERE.
log_grew() {
	[ "$(log_count "$1" "$2")" -gt "$3" ]
}

# wait_unix PATH: wait until a unix socket accepts connections.
wait_unix() {
	_lib_n=0
	while [ "$_lib_n" -lt $((WAIT_SECS * 10)) ]; do
		_connects unix "$1" && return 0
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	return 1
}

# wait_tcp HOST PORT: wait until HOST:PORT accepts connections.
wait_tcp() {
	_lib_n=0
	while [ "$_lib_n" -lt $((WAIT_SECS * 10)) ]; do
		_connects tcp "$1" "$2" && return 0
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	return 1
}

# wait_ready PID LOG unix PATH | tcp HOST PORT: wait until the listener
# accepts connections; fail the test at once if PID dies or time runs out.
wait_ready() {
	_lib_wpid=$1
	_lib_wlog=$2
	shift 2
	_lib_n=0
	while [ "$_lib_n" -lt $((WAIT_SECS * 10)) ]; do
		if ! _alive "$_lib_wpid"; then
			wait "$_lib_wpid" 2>/dev/null || :
			fail_now "pid $_lib_wpid exited before listening on $*; see $_lib_wlog"
		fi
		_connects "$@" && return 0
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	fail_now "pid $_lib_wpid not listening on $* after ${WAIT_SECS}s; see $_lib_wlog"
}

# listen_target SPEC: print "unix PATH" or "tcp HOST PORT" for a --listen
# spec (unix:/p, tcp:127.0.0.1:9000, tcp6:[::1]:9000).
listen_target() {
	case $1 in
	unix:*) echo "unix ${1#unix:}" ;;
	tcp6:\[*\]:*)
		_lib_hp=${1#tcp6:\[}
		echo "tcp ${_lib_hp%%\]*} ${_lib_hp##*\]:}"
		;;
	tcp:*)
		_lib_hp=${1#tcp:}
		echo "tcp ${_lib_hp%:*} ${_lib_hp##*:}"
		;;
	*) hard_error "unknown listen spec: $1" ;;
	esac
}

# start_authd LISTEN_SPEC ARGS...: run the daemon in the background with
# --listen LISTEN_SPEC ARGS..., output appended to $T/authd.log, set
# AUTHD_PID and AUTHD_LISTEN (the spec it listens on) and wait until it
# accepts connections.  Port 0 (tcp:127.0.0.1:0, tcp6:[::1]:0) means a free
# port, as for bind(2): chosen here, tried again when it was taken before
# the daemon could bind it, and set as AUTHD_PORT.
start_authd() {
	_lib_spec=$1
	shift
	# These tests send many wrong passwords from 127.0.0.1 on purpose;
	# address regulation is tested on its own (throttle.sh), and a test's
	# own --throttle-addr-failures comes later and wins.
	# The tests run as root in CI; serving as root needs saying so (cli.sh
	# tests the refusal and --user).
	set -- --throttle-addr-failures 0 --allow-root yes "$@"
	case $_lib_spec in
	tcp:*:0 | tcp6:*:0) _lib_avars=AUTHD_PORT ;;
	*) _lib_avars= ;;
	esac
	on_free_ports fcgi-authd "$T/authd.log" "$_lib_avars" _lib_authd_try "$@"
	AUTHD_PID=$BG_PID
}

_lib_authd_try() {
	AUTHD_LISTEN=$_lib_spec
	[ -z "$_lib_avars" ] || AUTHD_LISTEN=${_lib_spec%:0}:$AUTHD_PORT
	echo "+ $FCGI_AUTHD --listen $AUTHD_LISTEN $*" >>"$T/authd.log"
	"$FCGI_AUTHD" --listen "$AUTHD_LISTEN" "$@" >>"$T/authd.log" 2>&1 </dev/null &
	BG_PID=$!
	bg_pid "$BG_PID"
	# shellcheck disable=SC2046 # listen_target prints separate words
	wait_listen "$BG_PID" $(listen_target "$AUTHD_LISTEN")
}

# start_daemon ARGS...: the daemon on a unix socket in a folder of its own
# (DAEMON_DIR=$T/authd, DAEMON_SOCK), log $T/authd.log (where failures are
# shown and secrets looked for), stopped with stop_pid "$DAEMON_PID".  As
# root the socket's group is www-data, mode 0660, so the servers' www-data
# workers can write to it.
start_daemon() {
	DAEMON_DIR=$T/authd
	DAEMON_SOCK=$DAEMON_DIR/authd.sock
	mkdir -p "$DAEMON_DIR" && chmod 0755 "$DAEMON_DIR"
	if is_root; then
		set -- --socket-group www-data --socket-mode 0660 "$@"
	fi
	start_authd "unix:$DAEMON_SOCK" "$@"
	DAEMON_PID=$AUTHD_PID
}

# start_bg LOG CMD ARGS...: run CMD (a server) in the background in a
# session of its own, output appended to LOG, registered for cleanup; sets
# BG_PID.  The own session matters: Apache's prefork MPM signals its whole
# process group when it stops, which would otherwise be this test and make.
# (A background job of a non-interactive shell is no group leader, so
# setsid(1) does not fork and BG_PID is the server's own pid.)
start_bg() {
	_lib_blog=$1
	shift
	echo "+ $*" >>"$_lib_blog"
	setsid "$@" >>"$_lib_blog" 2>&1 </dev/null &
	BG_PID=$!
	bg_pid "$BG_PID"
}

# _holds_listener PID PORT: PID itself holds a socket listening on TCP
# port PORT.  A connect alone cannot tell our server from whoever took the
# port meanwhile.
_holds_listener() {
	perl -e '
		my ($pid, $port) = @ARGV;
		my %inode;
		for my $table ("/proc/net/tcp", "/proc/net/tcp6") {
			open(my $h, "<", $table) or next;
			<$h>;
			while (<$h>) {
				my @c = split;
				$inode{$c[9]} = 1
				    if $c[3] eq "0A" && $c[1] =~ /:([0-9A-F]+)$/ && hex($1) == $port;
			}
		}
		opendir(my $d, "/proc/$pid/fd") or exit 1;
		for (readdir $d) {
			my $l = readlink("/proc/$pid/fd/$_");
			exit 0 if defined $l && $l =~ /^socket:\[(\d+)\]$/ && $inode{$1};
		}
		exit 1' "$1" "$2" 2>/dev/null
}

# wait_listen PID unix PATH | tcp HOST PORT: 0 once it listens (on TCP:
# PID's own socket), 1 when PID died first, 2 when time ran out.
wait_listen() {
	_lib_lpid=$1
	shift
	_lib_n=0
	while [ "$_lib_n" -lt $((WAIT_SECS * 10)) ]; do
		_alive "$_lib_lpid" || return 1
		if [ "$1" = tcp ]; then
			_holds_listener "$_lib_lpid" "$3" && _connects "$@" && return 0
		else
			_connects "$@" && return 0
		fi
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	return 2
}

# on_free_ports NAME ERRLOG "VAR..." TRY ARGS...: start a server on free
# ports.  Each VAR gets a free_port, then TRY ARGS... (a shell function)
# starts NAME in the background, sets BG_PID and returns as wait_listen
# does.  free_port only checks that a port was free a moment ago, so when
# the server exits saying the address is in use (ERRLOG), it is tried again
# with new ports (5 times at most); any other failure ends the test.
on_free_ports() {
	_lib_fname=$1
	_lib_ferr=$2
	_lib_fvars=$3
	_lib_ftry=$4
	shift 4
	_lib_fn=0
	while [ "$_lib_fn" -lt 5 ]; do
		_lib_fn=$((_lib_fn + 1))
		for _lib_fv in $_lib_fvars; do
			_lib_fp=$(free_port)
			eval "$_lib_fv=\$_lib_fp"
		done
		_lib_fbusy=$(log_count "$_lib_ferr" 'in use')
		_lib_frc=0
		"$_lib_ftry" "$@" || _lib_frc=$?
		[ "$_lib_frc" = 0 ] && return 0
		stop_pid "$BG_PID"
		if [ "$_lib_frc" = 1 ] && [ -n "$_lib_fvars" ] &&
			log_grew "$_lib_ferr" 'in use' "$_lib_fbusy"; then
			echo "a port of $_lib_fvars was taken meanwhile: trying others" >&2
			continue
		fi
		[ "$_lib_frc" = 1 ] &&
			fail_now "$_lib_fname exited before it listened; see $_lib_ferr"
		fail_now "$_lib_fname not listening after ${WAIT_SECS}s; see $_lib_ferr"
	done
	fail_now "$_lib_fname: ports kept being taken; see $_lib_ferr"
}

# start_server LOG ERRLOG "VAR..." GENERATE CMD ARGS...: a server on free
# ports (on_free_ports).  Each VAR gets a free_port, GENERATE (a shell
# function, called with CMD ARGS... so that it can check what it wrote)
# writes the configuration from them, CMD runs under start_bg (output to
# LOG, sets BG_PID) and every port must then listen on 127.0.0.1.
start_server() {
	_lib_slog=$1
	_lib_serr=$2
	_lib_svars=$3
	_lib_sgen=$4
	shift 4
	on_free_ports "$1" "$_lib_serr" "$_lib_svars" _lib_server_try "$@"
}

_lib_server_try() {
	"$_lib_sgen" "$@"
	start_bg "$_lib_slog" "$@"
	for _lib_sv in $_lib_svars; do
		eval "_lib_sp=\$$_lib_sv"
		# shellcheck disable=SC2154 # _lib_sp: set by the eval
		wait_listen "$BG_PID" tcp 127.0.0.1 "$_lib_sp" || return $?
	done
	return 0
}

# is_root: true when the tests run as root (servers then drop their workers
# to www-data, as they do in production).
is_root() {
	[ "$(id -u)" = 0 ]
}

# need_www_data_reach: as root, the servers' www-data workers (and the
# daemon under spawn-fcgi) must be able to enter $T; a private TMPDIR
# would make every request fail in confusing ways.
need_www_data_reach() {
	is_root || return 0
	setpriv --reuid=www-data --regid=www-data --clear-groups test -x "$T" ||
		hard_error "www-data cannot enter $T: set TMPDIR to a folder every user can traverse, such as /tmp"
}

# copy_conf SRC DST [FROM TO]...: copy a shipped config file, replacing
# every literal FROM with TO.  The tests run the very files admins get; a
# FROM that SRC no longer contains means the two drifted apart: hard error.
copy_conf() {
	_lib_src=$1
	_lib_dst=$2
	shift 2
	[ -r "$_lib_src" ] || hard_error "cannot read $_lib_src"
	cp "$_lib_src" "$_lib_dst.tmp" || hard_error "cannot write $_lib_dst"
	while [ $# -ge 2 ]; do
		grep -qF -- "$1" "$_lib_dst.tmp" ||
			hard_error "${_lib_src#"$top_srcdir"/} no longer contains '$1'"
		FROM=$1 TO=$2 perl -pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/g' "$_lib_dst.tmp"
		shift 2
	done
	mv "$_lib_dst.tmp" "$_lib_dst"
}

# need_nginx: nginx with auth_request, curl, and www-data able to enter $T.
need_nginx() {
	need_cmd nginx nginx-light
	need_cmd curl curl
	nginx -V 2>&1 | grep -q -- '--with-http_auth_request_module' ||
		hard_error "nginx was built without auth_request: apt-get install nginx-light"
	need_www_data_reach
}

# nginx_worker_user: "user www-data www-data;" as root (workers then run
# as in production), else nothing.
nginx_worker_user() {
	is_root && echo "user www-data www-data;"
	return 0
}

# nginx_snippet SOCK: the shipped etc/nginx/fcgi-authd.conf as
# $T/nginx/fcgi-authd.conf, pointed at the fcgi-authd socket SOCK.
nginx_snippet() {
	mkdir -p "$T/nginx/tmp"
	copy_conf "$top_srcdir/etc/nginx/fcgi-authd.conf" "$T/nginx/fcgi-authd.conf" \
		/run/fcgi-authd/fcgi-authd.sock "$1"
}

# nginx_site_setup SOCK: the shipped snippet pointed at SOCK, and a test
# certificate in $T/nginx, for nginx_site_conf.
nginx_site_setup() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=localhost -days 2 -keyout "$T/nginx/key.pem" \
		-out "$T/nginx/cert.pem" >"$T/openssl.log" 2>&1 ||
		hard_error "openssl could not make a test certificate"
	nginx_snippet "$1"
}

# nginx_site_conf: the shipped etc/nginx/site.conf as $T/nginx/site.conf,
# on 127.0.0.1:$PORT with the test certificate, the snippet of
# nginx_site_setup, $T/htdocs, and the application on 127.0.0.1:$UPORT.
# Called inside a GENERATE function of start_nginx_http.
nginx_site_conf() {
	copy_conf "$top_srcdir/etc/nginx/site.conf" "$T/nginx/site.conf" \
		"listen 443 ssl;" "listen 127.0.0.1:$PORT ssl;" \
		"listen [::]:443 ssl;" "" \
		"include snippets/fcgi-authd.conf;" "include $T/nginx/fcgi-authd.conf;" \
		/etc/ssl/certs/www.example.org.pem "$T/nginx/cert.pem" \
		/etc/ssl/private/www.example.org.key "$T/nginx/key.pem" \
		/var/www/protected "$T/htdocs" \
		127.0.0.1:8080 "127.0.0.1:$UPORT"
}

# start_nginx_http "VAR..." GENERATE: nginx in $T/nginx.  Each VAR gets a
# free port; GENERATE (a shell function) prints what goes inside http { }
# using them.  The rest (pid, logs $T/nginx-error.log and
# $T/nginx-access.log, temp folders, www-data workers as root) is here.
# Checked with nginx -t, then started; sets NGINX_PID.
start_nginx_http() {
	_lib_ngen=$2
	start_server "$T/nginx-stdout.log" "$T/nginx-error.log" "$1" \
		_lib_nginx_conf nginx -p "$T/nginx/" -c "$T/nginx/nginx.conf" \
		-e "$T/nginx-error.log"
	NGINX_PID=$BG_PID
}

_lib_nginx_conf() {
	_lib_nd=$T/nginx
	mkdir -p "$_lib_nd/tmp"
	{
		nginx_worker_user
		cat <<EOF
daemon off;
worker_processes 1;
pid $_lib_nd/nginx.pid;
error_log $T/nginx-error.log info;
events { worker_connections 256; }
http {
    access_log $T/nginx-access.log;
    default_type text/plain;
    client_body_temp_path $_lib_nd/tmp/body;
    proxy_temp_path $_lib_nd/tmp/proxy;
    fastcgi_temp_path $_lib_nd/tmp/fastcgi;
    uwsgi_temp_path $_lib_nd/tmp/uwsgi;
    scgi_temp_path $_lib_nd/tmp/scgi;
EOF
		"$_lib_ngen"
		echo "}"
	} >"$_lib_nd/nginx.conf"
	nginx -t -p "$_lib_nd/" -c "$_lib_nd/nginx.conf" -e "$T/nginx-error.log" \
		>"$T/nginx-t.log" 2>&1 ||
		fail_now "nginx -t rejects the configuration: $(cat "$T/nginx-t.log")"
}

# start_nginx SOCK [SERVER_LINES]: nginx on a free 127.0.0.1 port
# (NGINX_PORT) serving $T/htdocs, every location behind the shipped
# etc/nginx/fcgi-authd.conf pointed at the fcgi-authd socket SOCK, with
# SERVER_LINES (nginx syntax) added to the server block.
start_nginx() {
	mkdir -p "$T/htdocs"
	nginx_snippet "$1"
	_lib_nlines=${2:-}
	start_nginx_http NGINX_PORT _lib_nginx_server
}

_lib_nginx_server() {
	cat <<EOF
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $T/htdocs;
        include $T/nginx/fcgi-authd.conf;
        auth_request /.fcgi-authd;
$_lib_nlines
    }
EOF
}

# need_lighttpd: lighttpd and curl, and www-data able to enter $T.
need_lighttpd() {
	need_cmd lighttpd lighttpd
	need_cmd curl curl
	need_www_data_reach
}

# start_lighttpd SOCK: lighttpd in $T/lighttpd on a free 127.0.0.1 port
# (LIGHTTPD_PORT) serving $T/htdocs (.cgi files run by /bin/sh), with the
# shipped etc/lighttpd/fcgi-authd.conf pointed at the fcgi-authd socket
# SOCK.  Logs: $T/lighttpd-error.log, $T/lighttpd-access.log (buffered:
# read it once lighttpd has stopped), $T/lighttpd-stdout.log (where a port
# already in use is reported).  Sets LIGHTTPD_PID.
start_lighttpd() {
	mkdir -p "$T/lighttpd" "$T/htdocs"
	copy_conf "$top_srcdir/etc/lighttpd/fcgi-authd.conf" \
		"$T/lighttpd/fcgi-authd.conf" /run/fcgi-authd/fcgi-authd.sock "$1"
	start_server "$T/lighttpd-stdout.log" "$T/lighttpd-stdout.log" \
		LIGHTTPD_PORT _lib_lighttpd_conf \
		lighttpd -D -f "$T/lighttpd/lighttpd.conf"
	LIGHTTPD_PID=$BG_PID
}

_lib_lighttpd_conf() {
	_lib_ld=$T/lighttpd
	_lib_lrun=
	: >"$T/lighttpd-error.log"
	: >"$T/lighttpd-access.log"
	if is_root; then
		# lighttpd drops to www-data before it opens its logs.
		chown www-data:www-data "$T/lighttpd-error.log" "$T/lighttpd-access.log"
		_lib_lrun='server.username = "www-data"
server.groupname = "www-data"'
	fi
	cat >"$_lib_ld/lighttpd.conf" <<EOF
server.document-root = "$T/htdocs"
server.bind = "127.0.0.1"
server.port = $LIGHTTPD_PORT
server.pid-file = "$_lib_ld/lighttpd.pid"
server.errorlog = "$T/lighttpd-error.log"
$_lib_lrun
server.modules = ( "mod_access", "mod_accesslog", "mod_cgi" )
accesslog.filename = "$T/lighttpd-access.log"
accesslog.format = "%h %u \"%r\" %>s"
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain" )
cgi.assign = ( ".cgi" => "/bin/sh" )
include "$_lib_ld/fcgi-authd.conf"
EOF
	lighttpd -tt -f "$_lib_ld/lighttpd.conf" >"$T/lighttpd-t.log" 2>&1 ||
		fail_now "lighttpd -tt rejects the configuration: $(cat "$T/lighttpd-t.log")"
}

# The modules every start_apache loads (mod_NAME.so); need_apache adds more.
_lib_amods="mpm_prefork authz_core authz_user authn_core auth_basic authnz_fcgi
alias cgi dir"
_lib_amoddir=/usr/lib/apache2/modules

# need_apache [MODULE...]: apache2, curl, the modules start_apache loads
# and MODULE... (loaded too), and www-data able to enter $T.
need_apache() {
	need_cmd apache2 apache2
	need_cmd curl curl
	_lib_amods="$_lib_amods $*"
	for _lib_am in $_lib_amods; do
		[ -r "$_lib_amoddir/mod_$_lib_am.so" ] ||
			hard_error "$_lib_amoddir/mod_$_lib_am.so not found: apt-get install apache2"
	done
	need_www_data_reach
}

# apache_snippet ADDR REALM [FROM TO]...: the shipped
# etc/apache/fcgi-authd.conf as $T/apache/fcgi-authd.conf, asking
# fcgi-authd on ADDR (HOST:PORT) for the realm REALM, each FROM replaced by
# TO; every start_apache includes it.
apache_snippet() {
	mkdir -p "$T/apache"
	_lib_aaddr=$1
	_lib_arealm=$2
	shift 2
	copy_conf "$top_srcdir/etc/apache/fcgi-authd.conf" "$T/apache/fcgi-authd.conf" \
		127.0.0.1:9000 "$_lib_aaddr" \
		'AuthName "Restricted"' "AuthName \"$_lib_arealm\"" "$@"
}

# start_apache NAME VAR [-D DEFINE]...: an Apache of its own (prefork,
# www-data workers as root) in $T/apache/NAME on a free 127.0.0.1 port
# (VAR), serving $T/htdocs with the CGIs of $T/cgi at /protected/cgi/ and
# the snippet of apache_snippet, which the DEFINEs wire (-D
# FCGI_AUTHD_CHECK_AUTHN, ...).  Logs: $T/apache-NAME-error.log,
# $T/apache-NAME-access.log, $T/apache-NAME-stdout.log (where a port
# already in use is reported).  Sets APACHE_PID.
start_apache() {
	_lib_aname=$1
	_lib_avar=$2
	shift 2
	mkdir -p "$T/apache/$_lib_aname/run" "$T/htdocs" "$T/cgi"
	start_server "$T/apache-$_lib_aname-stdout.log" \
		"$T/apache-$_lib_aname-stdout.log" "$_lib_avar" _lib_apache_conf \
		apache2 -f "$T/apache/$_lib_aname/httpd.conf" -DFOREGROUND "$@"
	APACHE_PID=$BG_PID
}

# _lib_apache_conf APACHE2 ARGS...: httpd.conf for start_apache, checked
# with APACHE2 ARGS... -t.
_lib_apache_conf() {
	_lib_ad=$T/apache/$_lib_aname
	eval "_lib_aport=\$$_lib_avar"
	# shellcheck disable=SC2154 # _lib_aport: set by the eval
	{
		cat <<EOF
ServerRoot "$_lib_ad"
ServerName localhost
Listen 127.0.0.1:$_lib_aport
PidFile "$_lib_ad/run/httpd.pid"
DefaultRuntimeDir "$_lib_ad/run"
Mutex file:$_lib_ad/run default
ErrorLog "$T/apache-$_lib_aname-error.log"
LogLevel info
CustomLog "$T/apache-$_lib_aname-access.log" "%h %u \"%r\" %>s"
EOF
		if is_root; then
			printf 'User www-data\nGroup www-data\n'
		fi
		for _lib_am in $_lib_amods; do
			echo "LoadModule ${_lib_am}_module $_lib_amoddir/mod_$_lib_am.so"
		done
		cat <<EOF
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
DocumentRoot "$T/htdocs"
DirectoryIndex index.html
ScriptAlias /protected/cgi/ "$T/cgi/"
Include "$T/apache/fcgi-authd.conf"
EOF
	} >"$_lib_ad/httpd.conf"
	"$@" -t >"$T/apache-$_lib_aname-t.log" 2>&1 ||
		fail_now "apache2 -t rejects $_lib_aname: $(cat "$T/apache-$_lib_aname-t.log")"
}

# ---------------------------------------------------------------- FastCGI --

# fcgi [OPTIONS] ADDRESS NAME=VALUE...: run the test client, print the
# FCGI_STDOUT it received; its exit status is passed through.  The client
# bounds itself (--timeout, default 5 s); timeout(1) is a backstop.
fcgi() {
	timeout 30 "$FCGI_CLIENT" "$@"
}

# metric ADDRESS NAME: the value of the sample NAME (with its labels, as
# printed) of the daemon at ADDRESS (0 when absent), read with the client.
metric() {
	fcgi "$1" REQUEST_URI=/m DOCUMENT_URI=/m AUTH_ENDPOINT=metrics |
		tr -d '\r' | awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }'
}

# status_of "$out": print NNN from the first "Status: NNN" header line.
status_of() {
	printf '%s\n' "$1" | tr -d '\r' |
		sed -n 's/^[Ss][Tt][Aa][Tt][Uu][Ss]: *\([0-9][0-9][0-9]\).*/\1/p' |
		head -n 1
}

# b64 STRING: base64 of STRING's bytes, no newline.
b64() {
	printf '%s' "$1" | base64 | tr -d '\n'
}

# ------------------------------------------------------------------ HTTP --

# curl_status URL [CURL_ARGS...]: print the HTTP status code (000 when no
# response); body in $T/body, headers (CR removed) in $T/headers.
curl_status() {
	_lib_url=$1
	shift
	rm -f "$T/body" "$T/headers" "$T/.headers.raw"
	_lib_code=$(curl -sS -g --noproxy '*' --max-time "$WAIT_SECS" \
		-o "$T/body" -D "$T/.headers.raw" -w '%{http_code}' \
		"$_lib_url" "$@" 2>>"$T/curl.log") || :
	[ -f "$T/body" ] || : >"$T/body"
	if [ -f "$T/.headers.raw" ]; then
		tr -d '\r' <"$T/.headers.raw" >"$T/headers"
	else
		: >"$T/headers"
	fi
	echo "${_lib_code:-000}"
}

# wait_http URL: wait until URL answers with any HTTP status.
wait_http() {
	_lib_n=0
	while [ "$_lib_n" -lt $((WAIT_SECS * 10)) ]; do
		_lib_c=$(curl -s -g -k --noproxy '*' --max-time 2 -o /dev/null \
			-w '%{http_code}' "$1" 2>/dev/null) || :
		[ -n "$_lib_c" ] && [ "$_lib_c" != 000 ] && return 0
		sleep 0.1
		_lib_n=$((_lib_n + 1))
	done
	return 1
}

# header_count NAME: how many NAME: lines $T/headers has (case-insensitive).
header_count() {
	grep -ci "^$1:" "$T/headers" || :
}

# header_value NAME: the value of the first NAME: line of $T/headers.
header_value() {
	sed -n "s/^$1: *//Ip" "$T/headers" | head -n 1
}

# ------------------------------------------------------------- results --

# ok NAME / not_ok NAME MESSAGE: record one result.
ok() {
	echo "ok - $1"
	echo pass >>"$T/.results"
}

not_ok() {
	echo "not ok - $1: $2"
	echo fail >>"$T/.results"
}

# _quote TEXT: TEXT on one line, shortened, for failure messages.
_quote() {
	printf '%s' "$1" | tr '\r\n' '  ' | cut -c1-300
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected '$(_quote "$2")', got '$(_quote "$3")'"
	fi
}

# expect_match NAME GREP_ERE TEXT: some line of TEXT matches.
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1" "no line matches /$2/ in '$(_quote "$3")'"
	fi
}

# expect_no_match NAME GREP_ERE TEXT: no line of TEXT matches.
expect_no_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		not_ok "$1" "a line matches /$2/ in '$(_quote "$3")'"
	else
		ok "$1"
	fi
}

# finish: print "N passed, N failed" and exit 0 when nothing failed.
finish() {
	_lib_pass=$(grep -c '^pass$' "$T/.results" || :)
	_lib_fail=$(grep -c '^fail$' "$T/.results" || :)
	echo "$_lib_pass passed, $_lib_fail failed"
	[ "$_lib_fail" -eq 0 ] && exit 0
	exit 1
}
