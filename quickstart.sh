#!/bin/sh
# fcgi-authd quick start, on a fresh Debian 12 machine, as root:
#
#   ./quickstart.sh demo   install what is needed, build, and run fcgi-authd
#                          behind nginx on http://127.0.0.1:8080/ until Ctrl-C
#   ./quickstart.sh test   install what is needed, build, run every test
#                          (unit suites and the real nginx, lighttpd, Apache,
#                          spawn-fcgi and systemd-socket-activate tests)
#
# The build goes to _build/ (out of tree, so `make distcheck` works there).
set -eu
cd "$(dirname "$0")"
top=$(pwd)

# Everything the build, the tests and the demo use, as Debian 12 packages.
PACKAGES="build-essential autoconf automake pkg-config
libfcgi-dev libcrypt-dev nettle-dev libssl-dev libjansson-dev libcurl4-openssl-dev
libldap-dev libhiredis-dev check slapd ldap-utils redis-server redis-tools
nginx-light lighttpd apache2 apache2-utils spawn-fcgi systemd
curl openssl whois perl valgrind libtsan2 fail2ban"

install_packages() {
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "quickstart: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "quickstart: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build() {
	[ -x configure ] || ./autogen.sh
	mkdir -p _build
	cd _build
	[ -f Makefile ] || ../configure --enable-werror ${CONFIGURE_FLAGS:-}
	make -j"$(nproc)"
	cd "$top"
}

demo() {
	D=$(mktemp -d /tmp/fcgi-authd-demo.XXXXXX)
	chmod 0755 "$D"
	pids=
	cleanup() {
		trap - EXIT INT TERM
		for p in $pids; do kill "$p" 2>/dev/null || :; done
		wait 2>/dev/null || :
		rm -rf "$D"
	}
	trap cleanup EXIT
	trap 'exit 0' INT TERM

	password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-12)
	printf 'demo:%s\n' "$(printf '%s\n' "$password" | mkpasswd -m yescrypt --stdin)" \
		>"$D/htpasswd"
	chgrp www-data "$D/htpasswd" 2>/dev/null || :
	chmod 0640 "$D/htpasswd"
	mkdir -p "$D/www" "$D/nginx"
	cat >"$D/www/index.html" <<'HTML'
<!doctype html><title>fcgi-authd demo</title>
<h1>You are in.</h1><p>fcgi-authd checked your password and nginx let you through.</p>
HTML
	chmod -R a+rX "$D/www"

	"$top/_build/fcgi-authd" --listen "unix:$D/fcgi-authd.sock" \
		--socket-group www-data --user www-data --user-file "$D/htpasswd" \
		--realm "fcgi-authd demo" &
	pids="$pids $!"

	# The snippet the README shows and the tests use, pointed at the demo's
	# socket; the server block is site.conf's, on plain HTTP for loopback.
	sed -e "s#/run/fcgi-authd/fcgi-authd.sock#$D/fcgi-authd.sock#g" \
		"$top/etc/nginx/fcgi-authd.conf" >"$D/nginx/fcgi-authd.conf"
	cat >"$D/nginx/site.conf" <<CONF
server {
    listen 127.0.0.1:8080;
    root $D/www;
    include $D/nginx/fcgi-authd.conf;
    auth_request /.fcgi-authd;
    auth_request_set \$fcgi_authd_user \$upstream_http_variable_remote_user;
    add_header X-Authenticated-User \$fcgi_authd_user always;
    location / {
        try_files \$uri \$uri/ =404;
    }
}
CONF
	cat >"$D/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $D/nginx/access.log;
    client_body_temp_path $D/nginx/body;
    proxy_temp_path $D/nginx/proxy;
    fastcgi_temp_path $D/nginx/fastcgi;
    uwsgi_temp_path $D/nginx/uwsgi;
    scgi_temp_path $D/nginx/scgi;
    include $D/nginx/site.conf;
}
CONF
	nginx -c "$D/nginx/nginx.conf" -g 'daemon off;' &
	pids="$pids $!"
	sleep 1
	cat <<TXT

fcgi-authd demo: nginx on http://127.0.0.1:8080/ asks fcgi-authd about
every request (auth_request + fastcgi_pass, socket $D/fcgi-authd.sock).

  user:      demo
  password:  $password

  curl -i -u demo:$password http://127.0.0.1:8080/
  curl -i http://127.0.0.1:8080/          # 401 and a challenge

Decisions are logged below. Ctrl-C stops the demo.

TXT
	wait
}

case ${1:-} in
demo)
	install_packages
	build
	demo
	;;
test)
	install_packages
	build
	cd _build
	make -j"$(nproc)" check || {
		for f in tests/unit/*.log tests/integration/*.log; do
			[ -f "$f" ] || continue
			grep -q ':test-result: \(FAIL\|ERROR\)' "${f%.log}.trs" 2>/dev/null &&
				{ echo "==== $f"; tail -n 60 "$f"; }
		done
		exit 1
	}
	;;
*)
	echo "usage: $0 demo | test" >&2
	exit 2
	;;
esac
