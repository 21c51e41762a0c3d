#!/usr/bin/env bash
# Issue #6, must-show 1: observers change nothing. While `cutover runbook run` drives a runbook
# on the demo's clusters and its weighted Route53 pair from another process, an observer
# dashboard (`cutover --observer`, in tmux) gets every key pressed, every action of tui/actions.c
# bound by config.yaml to a key and pressed from every panel, and every `:` verb of
# widgets/dashboard.c run (both lists read from the sources, so new ones are covered), and a
# second observer follows the runbook (`cutover runbook run --observer`). The simulator's
# /requests, counted per User-Agent, shows requests but no mutating one from either observer,
# while the driver's changes are there; the driver finishes every step; the observer screen says
# OBSERVER and its help has no mutating key.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
test_init
tmux_init observer
rb_start_sim

VERSION=$("$CUTOVER_BIN" --version | awk '{print $2}')
DASH_UA="cutover/$VERSION"
FOLLOW_UA="cutover-observer/$VERSION"
DRIVER_UA="cutover-runbook/$VERSION"

RB="$TMP/rb.yaml"
cat >"$RB" <<'YAML'
name: observer-test
source: onprem-prod
target: eks-prod
steps:
  - title: Target cluster is ready
    checks:
      - {check: worker_zones, min: 3}
  - title: Send 30% of API traffic to EKS
    checks: [{check: traffic_weight, target: api-dns, percent: 0}]
    action: {do: set_weights, target: api-dns, percent: 30}
    soak: 25s
  - title: Send all API traffic to EKS
    checks: [{check: traffic_weight, target: api-dns, percent: 30}]
    action: {do: set_weights, target: api-dns, percent: 100}
    soak: 5s
YAML

# Every action of the actions table (tui/actions.c, read here so a new action is covered without
# touching this test) bound by the config to a key of its own: the observer must drop the
# mutating ones whatever the config says, and pressing every one of them must change nothing.
acts=$(grep -oE '^\s*\{"[a-z-]+", a_' "$CUTOVER_SOURCE_DIR/tui/actions.c" | grep -oE '"[a-z-]+"' | tr -d '"')
[ "$(echo "$acts" | wc -l)" -ge 20 ] || fail "too few action names found in tui/actions.c: $acts"
echo "$acts" | grep -qx traffic-set || fail "traffic-set not among the actions read from tui/actions.c"
pool=(0 1 2 3 4 5 6 7 8 9 a b c e h i l m n o p s t u v w x y z A B C E H I J K L M N O P S T U V X Y Z)
bound=()
help_key=
echo "keys:" >>"$XDG_CONFIG_HOME/cutover/config.yaml"
for a in $acts; do
    [ "$a" = quit ] && continue
    [ "${#bound[@]}" -lt "${#pool[@]}" ] || fail "more actions than keys to bind them to"
    k=${pool[${#bound[@]}]}
    bound+=("$k")
    [ "$a" = help ] && help_key=$k
    printf '  "%s": %s\n' "$k" "$a" >>"$XDG_CONFIG_HOME/cutover/config.yaml"
done
# Every `:` command verb of the dashboard (widgets/dashboard.c's strcmp(verb, ...) and alias
# table, widgets/layout.c's panel names), read the same way.
verbs=$({
    grep -oE 'strcmp\(verb, "[^"]+"\)' "$CUTOVER_SOURCE_DIR/widgets/dashboard.c" | grep -oE '"[^"]+"'
    sed -n '/alias\[\] = {/,/};/p' "$CUTOVER_SOURCE_DIR/widgets/dashboard.c" | grep -oE '\{"[^"]+", PANEL_' |
        grep -oE '"[^"]+"'
    tr -d '\n' <"$CUTOVER_SOURCE_DIR/widgets/layout.c" | grep -oE 'panel_names\[PANEL_COUNT\] = \{[^}]*\}' |
        grep -oE '"[a-z]+"'
} | tr -d '"' | sort -u)
for v in help drift ns traffic secrets; do
    echo "$verbs" | grep -qx "$v" || fail "':$v' not among the verbs read from widgets/dashboard.c: $verbs"
done

# The observer dashboard.
tmux_run 80 24 "env XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
AWS_CONFIG_FILE=$AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE=$AWS_SHARED_CREDENTIALS_FILE \
$CUTOVER_BIN --observer --kubeconfig $TMP/kubeconfig --source onprem-prod --target eks-prod \
2>$TMP/dash.err; echo cutover-exit=\$?; sleep 120"
wait_for 'SOURCE onprem-prod' 30
wait_for 'OBSERVER'

# The follower and the driver.
"$CUTOVER_BIN" runbook run "$RB" --observer --for 90 >"$TMP/follow.out" 2>&1 &
FOLLOW_PID=$!
"$CUTOVER_BIN" runbook run "$RB" --yes --wait 60 </dev/null >"$TMP/driver.out" 2>&1 &
DRIVER_PID=$!
driver_running() { grep -q "step 2 (Send 30% of API traffic to EKS): soaking" "$TMP/driver.out"; }
poll 60 driver_running || { cat "$TMP/driver.out" >&2; fail "the driver did not reach the 30% soak"; }

# Every key, each followed by Escape (closes a prompt or the help), except those that end the
# program (q, Q, C-c) or the terminal session (C-z, C-\), which come last or not at all.
for code in $(seq 33 126); do
    c=$(printf "\\$(printf '%03o' "$code")")
    case $c in q | Q) continue ;; esac
    keys -l "$c"
    keys Escape
done
for k in Space Enter Tab BTab Up Down Left Right PageUp PageDown Home End BSpace DC IC \
    F1 F2 F3 F4 F5 F6 F7 F8 F9 F10 F11 F12 C-a C-b C-d C-e C-f C-g C-h C-k C-l C-n C-o C-p \
    C-r C-t C-u C-v C-w C-x C-y Escape; do
    keys "$k"
    keys Escape
done
# What a driver types to change traffic (select the target, the key, the target's name to confirm):
# in a driving dashboard each of these would change api-dns; here they must do nothing.
for seq in "] api-dns" "[ api-dns" "R api-dns" "W 50 api-dns"; do
    keys : t r a f f i c Enter
    for word in $seq; do
        keys -l "$word"
        keys Enter
    done
    keys Escape
done
# The config's bindings are in force in the observer: the key bound to help opens it.
keys -l "$help_key"
wait_for 'Help: keys'
keys Escape
wait_gone 'Help: keys'
# Every action through its config-bound key, from every panel (so the traffic and drift actions
# have a selected target), each followed by y, the target's name and Enter (what would confirm a
# change) and Escape.
for panel in traffic secrets nodes workloads findings; do
    keys : ; keys -l "$panel"; keys Enter
    for k in "${bound[@]}"; do
        keys -l "$k"
        keys -l y
        keys -l api-dns
        keys Enter
        keys Escape
        keys Escape
    done
done
# Every `:` verb (with arguments for the ones that take one, without for the others), every
# action name and a bogus one as commands; the quitting verbs come last, below.
for c in $verbs $acts bogus-command; do
    case $c in q | quit | q!) continue ;; esac
    for arg in "" shop all -A; do
        case $c in ns | namespace) ;; *) [ -z "$arg" ] || continue ;; esac
        keys :
        keys -l "$c${arg:+ $arg}"
        keys Enter
        keys Escape
    done
done
sleep 1
# Still up, still an observer, and its help offers nothing that changes anything.
wait_for 'OBSERVER'
keys '?'
wait_for 'help|Help|HELP'
screen_lacks 'traffic-next|traffic-set|traffic-rollback|traffic-prev' || fail "the observer's help offers a traffic change"
keys Escape

wait "$DRIVER_PID" || { cat "$TMP/driver.out" >&2; fail "the driver did not finish"; }
grep -q "all 3 steps done" "$TMP/driver.out" || fail "the driver did not finish every step"
[ "$(rb_aws_weights)" = "0 100" ] || fail "live weights $(rb_aws_weights), want 0 100"

# The observer quits through its own command.
keys : q Enter
wait_for 'cutover-exit=0' 15
wait "$FOLLOW_PID" || true
grep -q "current step 2/3" "$TMP/follow.out" || fail "the follower did not follow the steps"
grep -q "journal #.* result traffic:api-dns:" "$TMP/follow.out" || fail "the follower did not see the journal"
grep -q "driver: Lease is held by" "$TMP/follow.out" || fail "the follower did not name the driver"

# The witness: the simulator's per-agent counts.
for ua in "$DASH_UA" "$FOLLOW_UA"; do
    total=$(rb_agent "$ua" total)
    mutating=$(rb_agent "$ua" mutating)
    echo "$ua: $total requests, $mutating mutating"
    [ "$total" -gt 0 ] || fail "$ua made no request at all (wrong User-Agent?)"
    [ "$mutating" = 0 ] || fail "$ua made $mutating mutating requests"
done
driver_mut=$(rb_agent "$DRIVER_UA" mutating)
[ "$driver_mut" -gt 0 ] || fail "the driver's changes were not counted ($DRIVER_UA)"
[ "$(rb_changes)" = 2 ] || fail "$(rb_changes) ChangeResourceRecordSets, want the driver's 2"
echo PASS
