# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The activator authors
#
# bind.sh -- what tests of handoff = bind share, sourced after
# activator.sh: who listens on a port, and with which socket.

# The system's python3 first: a version manager's shim in front of it
# can cost seconds per status query.
PATH=/usr/bin:/bin:$PATH

# Hex of a port as /proc/net/{tcp,udp}* write it.
_b_hex() {
	printf '%04X' "$1"
}

# Socket inodes of TCP listeners on PORT (IPv4 and IPv6), one per line.
tcp_listeners() {
	local h
	h=$(_b_hex "$1")
	awk -v h=":$h" '$4 == "0A" && substr($2, length($2) - 4) == h { print $10 }' \
	    /proc/net/tcp /proc/net/tcp6
}

# Socket inodes of TCP listeners on IPv4 address ADDR, port PORT.
tcp_listeners_at() {
	local h
	h=$(printf '%02X' $(echo "$1" | tr '.' ' ' | awk '{ print $4, $3, $2, $1 }'))
	awk -v a="$h:$(_b_hex "$2")" '$4 == "0A" && $2 == a { print $10 }' \
	    /proc/net/tcp
}

# Socket inodes of UDP sockets bound to PORT.
udp_sockets() {
	local h
	h=$(_b_hex "$1")
	awk -v h=":$h" 'substr($2, length($2) - 4) == h { print $10 }' \
	    /proc/net/udp /proc/net/udp6
}

# Socket inodes of listening unix stream sockets named PATH (or @name).
unix_listeners() {
	awk -v p="$1" '$4 == "00010000" && $8 == p { print $7 }' /proc/net/unix
}

# Does process PID hold socket inode INO?
holds_socket() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "socket:[$2]" ] && return 0
	done
	return 1
}

# VALUE of KEY in a KEY=VALUE report file.
rep() {
	sed -n "s/^$2=//p" "$1" 2>/dev/null | head -1
}
