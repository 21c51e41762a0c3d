#!/usr/bin/env bash
# Issue #4, must-show 1: `cutover demo` in tmux at 80x24 with an HAProxy this test starts on
# loopback. Both traffic targets (api-dns: the simulator's weighted Route53 pair, production, so
# confirmed by typing its name; api-lb: the HAProxy backend, confirmed with y) are stepped
# 0 -> 10 -> 30 -> 50 -> 100 with `]`, then rolled back with `R`. After every change the weights
# on the screen, in the simulator (`aws route53 list-resource-record-sets --endpoint-url ...`)
# and in HAProxy (`show servers state`, asked over the admin socket by python, not by cutover)
# must agree exactly. The journal holds an intent and a "done" result for every change.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/traffic_lib.sh"
test_init
export TMPDIR="$TMP"
tmux_init traffic-demo

haproxy_start api onprem eks 100 0
JOURNAL="$TMP/journal.jsonl"
tmux_run 80 24 "env TMPDIR=$TMP XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
$CUTOVER_BIN demo --haproxy unix:$HAPROXY_SOCK --haproxy-backend api --journal $JOURNAL \
2>$TMP/demo.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE onprem-prod' 30
demo_aws_env

# the Traffic panel takes the body at 80x24 when focused
keys : t r a f f i c Enter
wait_for 'Traffic 2'
poll 30 screen_has_weights api-dns 100 0 || fail "api-dns did not show 100/0"
poll 30 screen_has_weights api-lb 100 0 || fail "api-lb did not show 100/0"
check_agree 100 0
wait_for 'plan \[0\] > 10 > 30 > 50 > 100'

step=(10 30 50 100)
for pct in "${step[@]}"; do
    old=$((100 - pct))
    # api-dns: production, the name must be typed
    select_target api-dns
    keys ']'
    wait_for 'type api-dns to apply'
    # the preview shows before -> after and the exact call
    wait_for "-> $old"
    wait_for 'ChangeResourceRecordSets'
    keys y
    keys Enter
    wait_for 'not confirmed|type api-dns exactly' 5 # 'y' is not the name
    keys C-u
    keys -l api-dns
    keys Enter
    wait_for 'api-dns: done' 30
    keys Enter
    wait_gone 'api-dns: done'
    # api-lb: not production, y confirms
    select_target api-lb
    keys ']'
    wait_for 'y: apply'
    wait_for "set weight api/eks $pct"
    keys y
    wait_for 'api-lb: done' 30
    keys Enter
    wait_gone 'api-lb: done'
    poll 20 screen_has_weights api-dns "$old" "$pct" || fail "api-dns not at $old/$pct on screen"
    poll 20 screen_has_weights api-lb "$old" "$pct" || fail "api-lb not at $old/$pct on screen"
    check_agree "$old" "$pct"
done
wait_for 'plan 0 > 10 > 30 > 50 > \[100\]'
# at the last step `]` has nowhere to go: refused, nothing sent
select_target api-lb
keys ']'
wait_for 'refused' 20
keys Enter
check_agree 0 100

# R: back to the last known-good weights (before the last change: 50/50)
select_target api-dns
keys R
wait_for 'type api-dns to apply' 20
keys -l api-dns
keys Enter
wait_for 'api-dns: done' 30
keys Enter
select_target api-lb
keys R
wait_for 'y: apply' 20
keys y
wait_for 'api-lb: done' 30
keys Enter
poll 20 screen_has_weights api-dns 50 50 || fail "api-dns not rolled back to 50/50 on screen"
poll 20 screen_has_weights api-lb 50 50 || fail "api-lb not rolled back to 50/50 on screen"
check_agree 50 50

# W: a percent typed by hand
select_target api-lb
keys W
wait_for 'percent to new'
keys 3 0 Enter
wait_for 'y: apply' 20
keys y
wait_for 'api-lb: done' 30
keys Enter
poll 20 screen_has_weights api-lb 70 30 || fail "api-lb not at 70/30 after W 30"
[ "$(hap_weights api)" = "70 30" ] || fail "haproxy says $(hap_weights api) after W 30"

# the journal: every change has its intent and a done result, fsynced before the screen said so
journal_check "$JOURNAL" 11 done

keys q
wait_for 'cutover-exit=0' 20

# observer mode: the same keys do nothing at all, and the help does not offer them
tmux_run 80 24 "env TMPDIR=$TMP XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
$CUTOVER_BIN demo --observer --haproxy unix:$HAPROXY_SOCK --haproxy-backend api \
2>$TMP/observer.err; echo cutover-exit=\$?; sleep 60"
wait_for 'OBSERVER' 30
keys : t r a f f i c Enter
poll 30 screen_has_weights api-lb 70 30 || fail "the observer does not show api-lb at 70/30"
for k in ']' '[' W R; do
    keys "$k"
    sleep 0.5
    screen_lacks 'to apply|y: apply|percent to new|preparing the preview' ||
        fail "key $k opened a change dialog in observer mode"
done
[ "$(hap_weights api)" = "70 30" ] || fail "haproxy changed to $(hap_weights api) under an observer"
keys '?'
wait_for 'Help: keys'
screen_lacks 'traffic-' || fail "the observer's help lists a traffic change"
keys Escape
keys q
wait_for 'cutover-exit=0' 20
echo "PASS"
