#!/usr/bin/env bash
# Issue #6: the follow screen. `cutover runbook run FILE --observer` on a terminal (tmux, 80x24)
# opens the dashboard in OBSERVER mode with the Runbook panel: the steps and their states, the
# current step's gates and the Lease holder. While the line-mode driver (`cutover runbook run
# --yes`, as in test_runbook_resume.sh) drives the demo-style runbook to its 30% step, the screen
# shows the holder and the steps going from pending to done; the simulator's /requests shows the
# follower read but sent no mutating request; the driving keys are absent. `--no-tui` keeps the
# line mode on a terminal, and `cutover demo --observer --runbook FILE` opens the same screen on
# the demo pair.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
DRIVER_PID=
fail() { rb_screen_fail "$@"; }
test_init
tmux_init rbfollow
rb_start_sim

VERSION=$("$CUTOVER_BIN" --version | awk '{print $2}')
FOLLOW_UA="cutover-observer/$VERSION"
DRIVER_UA="cutover-runbook/$VERSION"

RB="$TMP/rb.yaml"
rb_runbook follow-test <<'YAML'
  - title: Target cluster is ready
    checks:
      - {check: worker_zones, min: 3}
      - {check: version, min: "1.28"}
  - title: Send 30% of API traffic to EKS
    checks: [{check: traffic_weight, target: api-dns, percent: 0}]
    action: {do: set_weights, target: api-dns, percent: 30}
    soak: 6s
  - title: Send all API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 100}
YAML

ENVS="env XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
AWS_CONFIG_FILE=$AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE=$AWS_SHARED_CREDENTIALS_FILE"

# --no-tui on a terminal: the line mode.
tmux_run 80 24 "$ENVS $CUTOVER_BIN runbook run $RB --observer --no-tui --for 2 \
2>$TMP/lines.err; echo lines-exit=\$?; sleep 120"
wait_for 'lines-exit=0' 60
screen_contains 'observing follow-test (read-only)' || fail "--no-tui did not keep the line mode"
screen_contains 'driver: none' || fail "the line mode did not say nobody drives"
screen_lacks 'SOURCE onprem-prod' || fail "--no-tui opened the dashboard"

# The follow screen, before anyone drives: every step pending, step 1's gates evaluated.
tmux_run 80 24 "$ENVS $CUTOVER_BIN runbook run $RB --observer 2>$TMP/follow.err; \
echo follow-exit=\$?; sleep 120"
wait_for 'SOURCE onprem-prod' 30
wait_for 'OBSERVER'
wait_for 'Runbook follow-test: onprem-prod -> eks-prod'
wait_for '>1\. +pending +Target cluster is ready'
screen_matches ' 2\. +pending +Send 30% of API traffic' || fail "step 2 is not pending at first"
screen_matches ' 3\. +pending +Send all API traffic' || fail "step 3 is not pending at first"
wait_for 'Lease none: nobody drives'
wait_for 'PASS +worker zones'
screen_matches 'gates of step 1' || fail "the current step's gates are not shown"
# the whole dashboard fits 80x24: the status bar on the last line, the panels folded below
[ "$(cap | wc -l)" -le 24 ] || fail "the screen is taller than 24 lines"
cap | tail -n 1 | grep -qE '\S' || fail "no status bar on the last line"
screen_lacks 'Enter: run the step' || fail "an observer is shown the driving keys"
screen_lacks 'roll back the step' || fail "an observer is shown the driving keys"

# The driver, in line mode, to the 30% step; the screen follows it.
CUTOVER_LEASE_SECONDS=10 timeout 120 "$CUTOVER_BIN" runbook run "$RB" --yes --wait 30 --steps 2 \
    </dev/null >"$TMP/driver.out" 2>&1 &
DRIVER_PID=$!
holding() { grep -q "^driving follow-test: Lease .* held by " "$TMP/driver.out"; }
poll 30 holding || fail "the driver did not take the Lease"
HOLDER=$(sed -n 's/^driving follow-test: Lease [^ ]* held by \(.*\)$/\1/p' "$TMP/driver.out")
wait_for "Lease is held by ${HOLDER:0:20}" 20
wait_for ' 1\. +done +Target cluster is ready' 30
wait_for '>2\. +(running|soaking) +Send 30% of API traffic' 30
wait_for 'gates of step 2' 10
wait_for '>2\. +soaking +Send 30% of API traffic' 30
wait_for ' 2\. +done +Send 30% of API traffic' 30
wait_for '>3\. +pending +Send all API traffic' 10
set +e
wait "$DRIVER_PID"
DRC=$?
set -e
DRIVER_PID=
[ "$DRC" = 0 ] || fail "the driver failed (exit $DRC)"
grep -q "step 2 (Send 30% of API traffic to EKS): done" "$TMP/driver.out" || fail "the driver did not finish step 2"
[ "$(rb_aws_weights)" = "70 30" ] || fail "live weights $(rb_aws_weights), want 70 30"
# the driver released the Lease: the screen says so
wait_for 'Lease (none|is not held|is free|was held)' 20

# Keys an operator might press: nothing drives (the steps stay where they are).
for k in Enter a R r Tab Enter Escape; do keys "$k"; sleep 0.2; done
keys Escape
sleep 1.5
screen_matches '>3\. +pending +Send all API traffic' || fail "a key moved the runbook"

# The follower read (Lease, mirror, clusters, Route53) and changed nothing.
reads=$(rb_agent "$FOLLOW_UA" total)
mutating=$(rb_agent "$FOLLOW_UA" mutating)
[ "$reads" -gt 0 ] || fail "the simulator saw no request from $FOLLOW_UA"
[ "$mutating" = 0 ] || fail "the follower sent $mutating mutating requests"
[ "$(rb_agent "$DRIVER_UA" mutating)" -gt 0 ] || fail "the driver's changes are not counted (the check cannot see mutations)"
[ "$(rb_changes)" = 1 ] || fail "$(rb_changes) ChangeResourceRecordSets, want the driver's 1"

keys q
wait_for 'follow-exit=0' 10

# `cutover demo --observer --runbook FILE`: the same screen on the demo pair (its own simulator).
tmux_run 80 24 "$ENVS CUTOVER_SIM=$CUTOVER_SIM $CUTOVER_BIN demo --observer --runbook $RB \
2>$TMP/demo.err; echo demo-exit=\$?; sleep 120"
wait_for 'SOURCE onprem-prod' 40
wait_for 'OBSERVER'
wait_for 'Runbook follow-test: onprem-prod -> eks-prod'
wait_for '>1\. +pending +Target cluster is ready'
wait_for 'Lease none: nobody drives'
wait_for 'PASS +worker zones'
keys q
wait_for 'demo-exit=0' 20
echo "PASS"
