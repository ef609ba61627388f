#!/bin/sh
# Install what the build and the tests need (when run as root on Debian),
# then generate ./configure.
set -e
cd "$(dirname "$0")"

PKGS="autoconf automake pkg-config make gcc libc6-dev libevent-dev \
libconfuse-dev mandoc busybox util-linux procps iproute2 \
python3 strace clang libclang-rt-dev faketime"
# handoff = bind (tests/bind*.sh): a Go toolchain and real daemons that
# bind their own ports. None of them may start as a system service.
PKGS="$PKGS golang-go memcached lighttpd dnsmasq-base nginx"
# tests/metrics.sh: promtool checks the metrics text; Debian ships it in
# the prometheus package, whose server must not start either.
PKGS="$PKGS prometheus"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "autogen.sh: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q || true
		# Daemons installed for the tests must not start (and take
		# ports): policy-rc.d says no to invoke-rc.d meanwhile.
		policy=""
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			policy=/usr/sbin/policy-rc.d
			printf '#!/bin/sh\nexit 101\n' >"$policy"
			chmod 755 "$policy"
		fi
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing ||
		    { [ -z "$policy" ] || rm -f "$policy"; exit 1; }
		[ -z "$policy" ] || rm -f "$policy"
	else
		echo "autogen.sh: missing packages:$missing" >&2
		echo "autogen.sh: run: sudo apt-get install$missing" >&2
		exit 1
	fi
fi

mkdir -p m4
autoreconf -fi
