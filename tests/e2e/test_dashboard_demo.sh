#!/usr/bin/env bash
# `cutover demo` in tmux at 160x48 and at 80x24: both clusters' names and versions, zones with
# node counts, the control-plane-in-one-zone finding on the source, fluentd missing on the
# target, the crash-looping checkout, the help screen, a filter, a drill-in, and `q` giving the
# shell back with the simulator gone and its temp dir removed.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"

. "$(dirname "$0")/../lib/common.sh"
test_init
export TMPDIR="$TMP"
tmux_init demo

start() { # WIDTH HEIGHT [DEMO FLAGS]
    tmux_shell "$1" "$2"
    keys "clear; $CUTOVER_BIN demo ${3:-}; echo cutover-exit=\$?" Enter
}

quit_and_check() {
    keys q
    wait_for 'cutover-exit=0' 15
    wait_gone 'Nodes by zone|SOURCE onprem-prod' 5
    # the simulator is reaped and its temp dir removed
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)) && pgrep -f "$TMP/cutover-demo" >/dev/null; do sleep 0.2; done
    if pgrep -f "$TMP/cutover-demo" >/dev/null; then fail "cutover-sim still running after quit"; fi
    if compgen -G "$TMP/cutover-demo.*" >/dev/null; then fail "demo temp dir left behind"; fi
}

# ---- 160x48: everything at once --------------------------------------------------------
start 160 48
wait_for 'SOURCE onprem-prod  v1\.24\.17' 30
wait_for 'TARGET eks-prod  v1\.29\.[0-9]+'
wait_for 'LIVE'
# zones with node counts: the source's three control-plane nodes are all in us-east-1a
wait_for 'us-east-1a +3/3 '
wait_for 'us-east-1c +- +[0-9]+/[0-9]+'
wait_for 'CRIT [0-9]+ of 3 control-plane nodes in us-east-1a'
# workload parity: fluentd missing on the target, checkout crash-looping there
wait_for 'logging/fluentd .*MISSING'
wait_for 'shop/checkout .*CrashLoopBackOff' 30
# the demo's traffic targets (issue #4): the Route53 pair first, all on the old side
wait_for 'api-dns route53 0% to new step 1/5 old 100 new 0'
# the demo's secret drift (issue #5): read by metadata until the drift view is opened
wait_for 'metadata only \| [1-9][0-9]* Secrets \+ [1-9][0-9]* ConfigMaps differ' 30

# the help screen, generated from the action table
keys '?'
wait_for 'Help: keys'
wait_for 'next-panel +focus the next panel'
wait_for ':ns NAME'
keys Escape
wait_gone 'Help: keys'

# a filter: only fluentd is left
keys / f l u e n t d Enter
wait_for 'filter /fluentd'
wait_for 'Workloads 1 of [0-9]+'
wait_gone 'shop/checkout'
keys Escape
wait_gone 'filter /fluentd'
wait_for 'shop/checkout'

# a drill-in: checkout's pods in both clusters side by side
keys / c h e c k o u t Enter
wait_for 'Workloads 1 of'
keys Enter
wait_for 'Pods of Deployment shop/checkout'
wait_for 'SOURCE onprem-prod: [1-9][0-9]* pods'
wait_for 'TARGET eks-prod: [1-9][0-9]* pods'
wait_for 'checkout-[a-z0-9]+-[a-z0-9]+ .*CrashLoopBackOff'
keys Escape
wait_gone 'Pods of Deployment'
wait_for 'Workloads 1 of'

# a command: :nodes focuses the nodes panel, :q quits
keys : n o d e s Enter
wait_for 'us-east-1b'
quit_and_check

# ---- 80x24, observer mode: panels fold ---------------------------------------------------
start 80 24 --observer
wait_for 'SOURCE onprem-prod  v1\.24\.17' 30
wait_for '^OBSERVER updated .*(│|\|)OBSERVER updated'
wait_for 'TARGET eks-prod  v1\.29'
wait_for '\+ Nodes: source [0-9]+ nodes in 2 zones CRIT'
wait_for 'logging/fluentd .*MISSING'
wait_for 'shop/checkout .*CrashLoop' 30
# Tab: the nodes panel unfolds with the zone grid; the workloads fold into one line
keys BTab
wait_for 'Nodes by zone'
wait_for 'us-east-1a +3/3'
wait_for '\+ Workloads: [0-9]+ pairs, [1-9][0-9]* missing'
keys '?'
wait_for 'Help: keys'
keys Escape
wait_gone 'Help: keys'
# live resize to 160x48 and back: the full layout comes and goes
tmux -L "$SOCK" resize-window -t e2e -x 160 -y 48
wait_for 'api-dns route53 0% to new'
wait_for '┌ Workloads|\+ Workloads [0-9]'
tmux -L "$SOCK" resize-window -t e2e -x 80 -y 24
wait_for '\+ Traffic: api-dns 0% to new; api-lb 0% to new'
# Ctrl-C quits too, restoring the terminal
keys C-c
wait_for 'cutover-exit=0' 15
wait_gone 'Nodes by zone' 5

# ---- an error after the simulator started (no terminal): it is still stopped and cleaned up
out=$("$CUTOVER_BIN" demo </dev/null 2>&1) && fail "demo without a terminal exited 0"
echo "$out" | grep -q 'needs a terminal' || fail "no terminal error: $out"
if pgrep -f "$TMP/cutover-demo" >/dev/null; then fail "cutover-sim left running after an error"; fi
if compgen -G "$TMP/cutover-demo.*" >/dev/null; then fail "demo temp dir left after an error"; fi
echo "ok: dashboard demo at 160x48 and 80x24"
