#!/bin/sh
# Install what the build and the tests need (when run as root on Debian),
# then generate ./configure.
set -e
cd "$(dirname "$0")"

PKGS="autoconf automake pkg-config make gcc libc6-dev libevent-dev \
libconfuse-dev libjansson-dev mandoc busybox util-linux procps iproute2 \
python3 strace"

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
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing
	else
		echo "autogen.sh: missing packages:$missing" >&2
		echo "autogen.sh: run: sudo apt-get install$missing" >&2
		exit 1
	fi
fi

mkdir -p m4
autoreconf -fi
