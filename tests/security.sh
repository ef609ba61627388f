#!/bin/bash
# SPDX-License-Identifier: ISC
# security.sh -- what a child receives and nothing more (SEC-01..06, 12,
# 15): descriptors, credentials, umask, limits, signal state, environment.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"
need_root

read -r P1 P2 P3 P4 <<<"$(free_port -n 4 | tr '\n' ' ')"
# Run as nobody too: a copy that nobody may execute wherever the build is.
F=$(runnable_copy "$HELPERS/fakedaemon") || bail "cannot copy fakedaemon"
# nobody must be able to write its report.
install -d -o nobody -m 0700 "$T/nobody"

# A hostile environment and inherited state for activator itself.
export LD_PRELOAD=/nonexistent/evil.so BASH_ENV=$T/evil IFS=' 	x'
export FOO="() { :;}; touch $T/pwned"
trap '' PIPE INT
ulimit -S -n 1000
umask 077
activator_start <<EOF || bail "activator did not start"
service fds {
    listen  = { "tcp://127.0.0.1:$P1", "tcp://[::1]:$P1", "unix:$T/fds.sock" }
    command = "$F listen-fds --tag $T --report $T/nobody/fds.report --check-listen-pid"
    type    = simple
    user    = nobody
    group   = nogroup
    chdir   = "/tmp"
    environment = { "LANG=C", "GREETING=hello world", "HOME=/var/empty" }
}
service wait {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "$F stdio --tag $T --report $T/wait.report"
    handoff = stdio
    type    = simple
}
service nowait {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$F nowait --tag $T --report $T/nowait.report --sleep-ms 300"
    accept  = yes
}
service noshell {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "/bin/echo a; touch $T/pwned \$(id)"
    accept  = yes
}
EOF
unset LD_PRELOAD BASH_ENV FOO
IFS=$' \t\n'
trap - PIPE INT
umask 022

# Hold other descriptors open in activator: status clients, a connection.
exec 7<>/dev/null
for i in 1 2 3; do
	python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(3)' "$CTL" &
done
sleep 0.2
"$HELPERS/tclient" "tcp://127.0.0.1:$P3" >/dev/null &
sleep 0.1

"$HELPERS/tclient" "tcp://127.0.0.1:$P1" >/dev/null
"$HELPERS/tclient" "tcp://127.0.0.1:$P2" >/dev/null
"$HELPERS/tclient" "tcp://127.0.0.1:$P3" >/dev/null
wait_file "$T/nobody/fds.report" 5
ln -s nobody/fds.report "$T/fds.report"
wait_file "$T/wait.report" 5
wait_file "$T/nowait.report" 5

val() { sed -n "s/^$2=//p" "$T/$1.report"; }

# SEC-01, SEC-15: exactly the documented descriptors.
is "$(val fds fds)" "0,1,2,3,4,5" "listen-fds: fds 0-2 and its 3 sockets, nothing else"
is "$(val wait fds)" "0,1,2" "stdio: fds 0-2 only"
is "$(val nowait fds)" "0,1,2,3" "accept = yes: fds 0-3 only (no listener)"
like "$(val fds fd.3)" '^socket:' "fd 3 is a socket"
is "$(val fds fd.0)" /dev/null "listen-fds: stdin is /dev/null"
like "$(val fds fd.2)" '^pipe:' "stderr is activator's log pipe"
like "$(val wait fd.0)" '^socket:' "stdio: the socket is on fd 0"
is "$(val wait fd.1)" "$(val wait fd.0)" "... and on fd 1"
is "$(val nowait fd.3)" "$(val nowait fd.0)" "accept = yes: the connection is fd 0 and fd 3"

# SEC-03: credentials dropped and checked.
is "$(val fds uid) $(val fds euid) $(val fds suid)" "65534 65534 65534" "uid nobody (real, effective, saved)"
is "$(val fds gid) $(val fds egid) $(val fds sgid)" "65534 65534 65534" "gid nogroup"
is "$(val fds groups)" "$(id -G nobody | tr ' ' ',')" "supplementary groups are nobody's own (initgroups), not root's"
is "$(val fds capeff) $(val fds capprm)" "0000000000000000 0000000000000000" "no capabilities"
is "$(val wait uid)" 0 "a service without user runs as activator's user"

# SEC-05: inherited process state.
is "$(val fds umask)" 0022 "umask is 022, not activator's 077"
is "$(val fds nofile_soft)" 1000 "RLIMIT_NOFILE is activator's original, not its raised one"
is "$(val fds sigblk)" 0000000000000000 "no blocked signal"
is "$(val fds sigign)" 0000000000000000 "no ignored signal (SIGPIPE, SIGINT were ignored by activator's parent)"
is "$(val fds cwd)" /tmp "chdir applies"
is "$(val fds sid)" "$(val fds pid)" "a new session"
is "$(val nowait sid)" "$(val nowait pid)" "instances get a new session too"

# SEC-06: a clean environment.
env_of() { grep '^env\.' "$T/$1.report" | sed 's/^env\.//' | cut -d= -f1 | sort | tr '\n' ' '; }
is "$(env_of fds)" "GREETING HOME LANG LISTEN_FDNAMES LISTEN_FDS LISTEN_PID LOGNAME PATH SHELL USER " \
    "listen-fds environment: documented variables only"
is "$(val fds env.GREETING)" "hello world" "environment entries are passed as written"
is "$(grep -c '^env\.HOME=' "$T/fds.report") $(val fds env.HOME)" "1 /var/empty" \
    "an environment entry replaces a default of the same name (no duplicate)"
is "$(val fds env.LISTEN_FDS) $(val fds env.LISTEN_FDNAMES)" "3 fds:fds:fds" "LISTEN_FDS and LISTEN_FDNAMES"
is "$(val fds env.LISTEN_PID)" "$(val fds pid)" "LISTEN_PID is the launched process (checked by the daemon too)"
is "$(env_of wait)" "PATH " "stdio environment: PATH only"
is "$(env_of nowait)" "LISTEN_FDNAMES LISTEN_FDS LISTEN_PID PATH REMOTE_ADDR REMOTE_PORT " \
    "accept = yes environment"
nok "activator's LD_PRELOAD, BASH_ENV, IFS never reach a service" \
    grep -qE '^env\.(LD_PRELOAD|BASH_ENV|IFS|FOO)=' "$T/fds.report" "$T/wait.report" "$T/nowait.report"

# SEC-12: no shell.
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P4")" 'a; touch '"$T"'/pwned $(id)' \
    "command is split into words, never run by a shell"
nok "nothing was executed from the command line or the environment" test -e "$T/pwned"

# SEC-02: a supervisor holds only its socketpair once the daemon has its
# sockets: no status socket, no other service's listener.
sup=$(ps -o ppid= -p "$(val fds pid)" | tr -d ' ')
is "$(ls -l /proc/"$sup"/fd | grep -c 'socket:')" 1 \
    "supervisor $sup holds one socket: its socketpair"
fds_from() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "${fd##*/}" -ge "$2" ] && readlink "$fd"
	done | sed 's/:\[[0-9]*\]//' | sort | tr '\n' ' '
}
is "$(fds_from "$sup" 3)" "/dev/null anon_inode:[signalfd] pipe socket " \
    "supervisor fds: spawn's /dev/null, the output pipe, signalfd, socketpair"
is "$(readlink /proc/"$sup"/fd/0 /proc/"$sup"/fd/1 /proc/"$sup"/fd/2)" \
    "$(readlink /proc/"$APID"/fd/0 /proc/"$APID"/fd/1 /proc/"$APID"/fd/2)" \
    "... and activator's own stdin, stdout and stderr"
is "$(cat /proc/"$sup"/comm)" "sup:fds" \
    "ps and pgrep show the supervisor with its service's name"

activator_stop
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
