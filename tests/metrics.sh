#!/bin/bash
# SPDX-License-Identifier: ISC
# metrics.sh -- the metrics verb: Prometheus text that promtool accepts
# and a format check of our own accepts (HELP and TYPE once, before the
# samples; no duplicate series), and numbers that move: activations,
# connections accepted and refused by reason (allow, deny,
# max-per-source), start failures, restarts, up and the one-hot state,
# live instances, the last readiness; counters kept across a reload.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 <<<"$(free_port -n 5 | tr '\n' ' ')"
TC="$HELPERS/tclient"

cat >"$T/services.conf" <<EOF
service echo {
    listen  = { "tcp://127.0.0.1:$P1", "tcp://[::1]:$P1" }
    command = "/bin/sh -c 'echo hi'"
    accept  = yes
    allow   = { "127.0.0.1/32" }
}
service walled {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "/bin/sh -c 'echo no'"
    accept  = yes
    deny    = { "127.0.0.0/8" }
}
service held {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "/bin/sh -c 'echo held; read x'"
    accept  = yes
    max-per-source = 1
}
service daemon {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "/bin/sleep 1000"
    type    = simple
}
service broken {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "/bin/false"
    type    = daemon
}
EOF
activator_start <"$T/services.conf" || bail "activator did not start"

M="$T/metrics.prom"
snap() { ctl metrics >"$M"; }
# The value of the series written exactly as KEY (name{labels}).
val() { awk -v k="$1" '$1 == k { print $2 }' "$M"; }
val_is() {	# KEY WANT: for wait_for
	snap && [ "$(val "$1")" = "$2" ]
}
val_ge() {	# KEY MIN
	snap && awk -v v="$(val "$1")" -v m="$2" 'BEGIN { exit !(v != "" && v + 0 >= m) }'
}
svc() { printf '%s{service="%s"}' "$1" "$2"; }
refused() { printf 'activator_service_connections_refused_total{service="%s",reason="%s"}' "$1" "$2"; }
state() { printf 'activator_service_state{service="%s",state="%s"}' "$1" "$2"; }

# Our own reading of the text format, independent of promtool: every
# line a comment or NAME{LABELS} VALUE; per family one HELP and one TYPE
# before its samples, its samples together; no series twice.
format_ok() {
	python3 - "$1" <<'PY'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
sample = re.compile(r'^(%s)(\{(?:%s)(?:,%s)*\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)$' % (name, label, label))
help_re = re.compile(r'^# HELP (%s) \S.*$' % name)
type_re = re.compile(r'^# TYPE (%s) (counter|gauge|untyped|summary|histogram)$' % name)
helped, typed, done, seen, errors = set(), {}, set(), set(), []
current = None
text = open(sys.argv[1]).read()
if not text.endswith('\n'):
    errors.append('no line feed at the end')
for n, line in enumerate(text.splitlines(), 1):
    m = help_re.match(line) or type_re.match(line)
    if m:
        fam = m.group(1)
        kind = 'HELP' if line.startswith('# HELP') else 'TYPE'
        if fam in done or (kind == 'HELP' and fam in helped) or (kind == 'TYPE' and fam in typed):
            errors.append('%d: a second %s for %s' % (n, kind, fam))
        (helped.add(fam) if kind == 'HELP' else typed.__setitem__(fam, m.group(2)))
        if current is not None and current != fam:
            done.add(current)
        current = fam
        continue
    if line.startswith('#'):
        errors.append('%d: a comment that is neither HELP nor TYPE' % n)
        continue
    m = sample.match(line)
    if not m:
        errors.append('%d: not NAME{LABELS} VALUE: %r' % (n, line))
        continue
    fam = m.group(1)
    if fam not in helped or fam not in typed:
        errors.append('%d: %s has no HELP or TYPE before it' % (n, fam))
    if fam != current:
        errors.append('%d: %s apart from its family' % (n, fam))
    if typed.get(fam) == 'counter' and not fam.endswith('_total'):
        errors.append('%d: counter %s without _total' % (n, fam))
    labels = tuple(sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or '')))
    if (fam, labels) in seen:
        errors.append('%d: duplicate series %s' % (n, line))
    seen.add((fam, labels))
for e in errors:
    print('# ' + e)
sys.exit(1 if errors else 0)
PY
}

promtool_ok() {	# FILE
	if ! command -v promtool >/dev/null 2>&1; then
		diag "promtool is missing: autogen.sh installs it (Debian package prometheus)"
		return 1
	fi
	promtool check metrics <"$1" 2>&1 | sed 's/^/# promtool: /'
	return "${PIPESTATUS[0]}"
}

snap
ok "metrics replies" test -s "$M"
ok "promtool check metrics accepts it (no lint warning either)" promtool_ok "$M"
out=$(promtool check metrics <"$M" 2>&1)
is "$out" "" "promtool has nothing to say about it"
ok "our own format check accepts it" format_ok "$M"
is "$(val activator_services)" 5 "activator_services counts the services"
like "$(val activator_start_time_seconds)" '^[0-9]+\.[0-9]{3}$' "activator_start_time_seconds is a time"
now=$(date +%s)
ok "the start time is now, give or take a minute" \
    awk -v v="$(val activator_start_time_seconds)" -v n="$now" 'BEGIN { exit !(v > n - 60 && v <= n + 1) }'
like "$(grep '^activator_build_info' "$M")" '^activator_build_info\{version="[^"]+"\} 1$' "activator_build_info says the version"
for f in activator_service_activations_total activator_service_restarts_total \
    activator_service_start_failures_total activator_service_instances; do
	is "$(val "$(svc "$f" echo)")" 0 "$f{echo} starts at 0"
done
is "$(val "$(svc activator_service_connections_accepted_total echo)")" 0 "accepted{echo} starts at 0"
is "$(val "$(refused echo deny)")" 0 "refused{echo,deny} starts at 0"
is "$(val "$(svc activator_service_connections_accepted_total daemon)")" "" \
    "no accepted series for accept = no (the daemon accepts, not activator)"
is "$(val "$(svc activator_service_last_ready_timestamp_seconds daemon)")" "" \
    "no last ready timestamp for a service never ready"
is "$(val "$(svc activator_service_up echo)")" 1 "up{echo} is 1 at once: accept = yes, listening"
is "$(val "$(svc activator_service_up daemon)")" 0 "up{daemon} is 0: accept = no, not started yet"
is "$(val "$(state daemon listening)")" 1 "daemon: state listening is 1"
is "$(awk '$1 ~ /^activator_service_state\{service="daemon",/ { s += $2; n++ } END { print n, s }' "$M")" "6 1" \
    "daemon: six states, exactly one of them 1"

# accept = yes: an instance, an allowed and an unlisted peer, a deny rule.
is "$("$TC" "tcp://127.0.0.1:$P1")" "hi" "echo serves 127.0.0.1"
ok "activations{echo} counts the instance" \
    wait_for "activations 1" 10 val_is "$(svc activator_service_activations_total echo)" 1
is "$(val "$(svc activator_service_connections_accepted_total echo)")" 1 "accepted{echo} is 1"
"$TC" -t 2 "tcp://[::1]:$P1" >/dev/null 2>&1
ok "a peer not in allow is refused with reason allow" \
    wait_for "refused allow" 10 val_is "$(refused echo allow)" 1
is "$(val "$(refused echo deny)")" 0 "...and not counted as deny"
is "$(val "$(svc activator_service_activations_total echo)")" 1 "a refused connection activates nothing"
"$TC" -t 2 "tcp://127.0.0.1:$P2" >/dev/null 2>&1
ok "a deny rule refuses with reason deny" \
    wait_for "refused deny" 10 val_is "$(refused walled deny)" 1
is "$(val "$(refused walled allow)")" 0 "...and not counted as allow"
is "$(val "$(svc activator_service_activations_total walled)")" 0 "walled: nothing activated"

# A live instance, then max-per-source.
exec 5<>"/dev/tcp/127.0.0.1/$P3"
read -r -t 10 line <&5
is "$line" "held" "held serves a first connection, kept open"
ok "instances{held} is 1 while it is live" \
    wait_for "instances 1" 10 val_is "$(svc activator_service_instances held)" 1
"$TC" -t 2 "tcp://127.0.0.1:$P3" >/dev/null 2>&1
ok "a second one from the same source is refused with reason max_per_source" \
    wait_for "refused max_per_source" 10 val_is "$(refused held max_per_source)" 1
exec 5>&-
ok "instances{held} is 0 once the client left" \
    wait_for "instances 0" 10 val_is "$(svc activator_service_instances held)" 0

# accept = no: activation, readiness, up and state.
"$TC" -t 2 "tcp://127.0.0.1:$P4" >/dev/null 2>&1
ok "up{daemon} is 1 once it runs" \
    wait_for "up 1" 10 val_is "$(svc activator_service_up daemon)" 1
is "$(val "$(state daemon running)")" 1 "state{daemon,running} is 1"
is "$(val "$(state daemon listening)")" 0 "state{daemon,listening} is 0"
is "$(val "$(svc activator_service_activations_total daemon)")" 1 "activations{daemon} is 1"
now=$(date +%s)
ok "last_ready_timestamp_seconds{daemon} is now" \
    awk -v v="$(val "$(svc activator_service_last_ready_timestamp_seconds daemon)")" -v n="$now" \
    'BEGIN { exit !(v > n - 60 && v <= n + 1) }'
like "$(val "$(svc activator_service_last_ready_duration_seconds daemon)")" '^[0-9]+\.[0-9]{3}$' \
    "last_ready_duration_seconds{daemon} is there"
ok "restart succeeds" ctl restart daemon
ok "restarts{daemon} counts it" \
    wait_for "restarts 1" 10 val_is "$(svc activator_service_restarts_total daemon)" 1

# A start that fails.
"$TC" -t 1 "tcp://127.0.0.1:$P5" >/dev/null 2>&1
ok "start_failures{broken} counts a command that fails" \
    wait_for "start failures" 10 val_ge "$(svc activator_service_start_failures_total broken)" 1
is "$(val "$(svc activator_service_up broken)")" 0 "up{broken} is 0"
ok "the whole text is still valid for promtool" promtool_ok "$M"
ok "...and for our check" format_ok "$M"

# -j: the same text as a JSON string.
ctl metrics >"$T/a.prom"
ctl -j metrics >"$T/a.json"
ok "-j replies {\"ok\":true,\"metrics\":TEXT}" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(not (r["ok"] is True and isinstance(r["metrics"], str) and r["metrics"].startswith("# HELP ")))' "$T/a.json"
ok "activatorctl metrics prints that text as is" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = open(sys.argv[2]).read()
# only the instants may differ between the two requests
strip = lambda s: [l for l in s.splitlines() if "timestamp" not in l and "duration" not in l]
sys.exit(strip(r["metrics"]) != strip(t))' "$T/a.json" "$T/a.prom"
is "$(printf 'metrics x\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.makefile().readline().strip())' "$CTL")" '{"ok":false,"error":"usage: metrics"}' "metrics takes no argument"

# A reload keeps the counters of the services it keeps.
ok "reload succeeds" ctl reload
snap
is "$(val "$(svc activator_service_activations_total echo)")" 1 "activations{echo} kept across a reload"
is "$(val "$(refused walled deny)")" 1 "refused{walled,deny} kept across a reload"
is "$(val "$(svc activator_service_restarts_total daemon)")" 1 "restarts{daemon} kept across a reload"

activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM (and, in the sanitizer build, clean)"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies

# The checker itself: it must catch what it is for.
printf 'a_total 1\n' >"$T/bad1"
nok "format check: a sample without HELP and TYPE fails" format_ok "$T/bad1"
printf '# HELP a x\n# TYPE a gauge\na{service="s"} 1\na{service="s"} 2\n' >"$T/bad2"
nok "format check: a duplicate series fails" format_ok "$T/bad2"
printf '# HELP a x\n# TYPE a gauge\na{service="s\x22"} 1\n' >"$T/bad3"
nok "format check: an unescaped quote fails" format_ok "$T/bad3"
printf '# HELP a x\n# TYPE a gauge\na{service="s\\"\\\\\\n"} 1\n' >"$T/good"
ok "format check: escaped quote, backslash and newline pass" format_ok "$T/good"
done_testing
