#!/bin/sh
# CGI backend for the integration tests: shows which identity the web
# server handed on after fcgi-authd let the request in.  The tests copy it
# into their temporary folder; it never prints a password.
printf 'Content-Type: text/plain\r\n\r\n'
echo "SECRET-CGI"
echo "REMOTE_USER=[${REMOTE_USER-unset}]"
echo "AUTH_TYPE=[${AUTH_TYPE-unset}]"
echo "REMOTE_GROUPS=[${REMOTE_GROUPS-unset}]"
if [ -n "${REMOTE_PASSWD+set}" ]; then
	echo "REMOTE_PASSWD is set"
fi
