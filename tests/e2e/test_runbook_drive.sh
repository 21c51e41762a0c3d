#!/usr/bin/env bash
# Issue #6: the guided screen. `cutover runbook run FILE` on a terminal (tmux) opens the dashboard
# in RUNBOOK mode with the Runbook panel DRIVING the demo-style runbook, step by step with keys:
# Enter on the gate-only step 1; g on the 30% step (preview with the change engine's calls,
# approval typed, the production target's name typed); `a` during its soak (failed "aborted by");
# `b` rolls it back (weights back to 100/0); Enter runs it again through its soak to done; Enter
# on a scale step whose gate fails first (a target node NotReady: `checking`, `a` leaves it pending
# with a journal note) and then passes (the PATCH and spec.replicas before -> after previewed,
# checked with kubectl).
# Then the Lease is taken over: the panel says LOST and the keys that act are refused. After
# each step the screen's states, the live weights read by the aws CLI (not by cutover) and
# `cutover runbook log` agree. A second terminal opens the follow screen on the same runbook: it
# shows the same current step and the live weights in its Traffic panel, and the simulator's
# /requests shows no mutating request from the observer's User-Agent.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
fail() { rb_screen_fail "$@"; }
test_init
tmux_init rbdrive
rb_start_sim

rb_user_agents

RB="$TMP/rb.yaml"
rb_runbook drive-test <<'YAML'
  - title: Target cluster is ready
    description: EKS spreads its workers over three zones and runs 1.28 or later.
    checks:
      - {check: worker_zones, min: 3}
      - {check: version, min: "1.28"}
  - title: Send 30% of API traffic to EKS
    checks: [{check: traffic_weight, target: api-dns, percent: 0}]
    action: {do: set_weights, target: api-dns, percent: 30}
    soak: 15s
    approval: shop-oncall
  - title: Scale shop/api on EKS to 5
    checks: [{check: nodes_ready, ratio: 100%}]
    action: {do: scale, workload: Deployment/shop/api, replicas: 5}
  - title: Send all API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 100}
YAML

ENVS=$(rb_tmux_env)

# rb_log: `cutover runbook log FILE` (the journal and where each step stands).
rb_log() { "$CUTOVER_BIN" runbook log "$RB" 2>&1; }
log_says() { rb_log | grep -qE -- "$1"; }
expect_log() { poll 10 log_says "$1" || fail "runbook log lacks '$1': $(rb_log)"; }
expect_weights() {
    local w
    w=$(rb_aws_weights)
    [ "$w" = "$1" ] || fail "live weights (aws CLI) $w, want $1"
}

# config `keys:` binds one more key to a runbook action (the defaults stay).
printf 'keys:\n  x: runbook-abort\n' >>"$XDG_CONFIG_HOME/cutover/config.yaml"

# The guided screen, driving.
tmux_run 120 50 "$ENVS CUTOVER_LEASE_SECONDS=15 $CUTOVER_BIN runbook run $RB --wait 30 2>$TMP/drive.err; \
echo drive-exit=\$?; sleep 120"
DRIVE_SOCK=$SOCK
wait_for 'SOURCE onprem-prod' 30
wait_for 'RUNBOOK'
wait_for 'Runbook drive-test: onprem-prod -> eks-prod'
wait_for 'DRIVING +Lease held by this process \([^)]+@[^)]+\)'
screen_lacks 'OBSERVER' || fail "the driving screen says OBSERVER"
wait_for 'EKS spreads its workers over three zones'
wait_for 'PASS +worker zones'
wait_for '>1\. +ready +Target cluster is ready' 30
screen_matches ' 2\. +pending +Send 30% of API traffic' || fail "step 2 is not pending at first"
wait_for 'g/Enter:run step +a/x:abort +b:roll back +q/C-c:quit'
# the help lists the runbook actions with their keys (the config's x included)
keys '?'
wait_for 'runbook-run'
screen_matches 'a, x +runbook-abort' || fail "the help does not list runbook-abort on a and x"
screen_matches 'b +runbook-roll' || fail "the help does not list runbook-rollback on b"
screen_lacks 'traffic-next' || fail "the help lists traffic keys on the guided screen"
keys '?'
wait_gone 'runbook-roll'
# the Traffic panel is filled by a poller: the live split
wait_for 'api-dns +route53 +0% to new .*old 100 new 0' 20
expect_weights "100 0"

# Step 1 (gates only): Enter, the preview says there is no action; y runs it.
keys Enter
wait_for 'Run step 1/4: Target cluster is ready'
wait_for 'no action: the step is its gates'
keys y
wait_for ' 1\. +done +Target cluster is ready' 30
wait_for '>2\. +(ready|pending) +Send 30% of API traffic'
expect_log ' 1\. done +Target cluster is ready'
expect_weights "100 0"

# Step 2 with g: the preview with the change engine's lines, the approval, the target's name.
keys g
wait_for 'Run step 2/4: Send 30% of API traffic to EKS' 20
wait_for 'action: set api-dns to 30% new'
wait_for 'onprem: 100 -> 70'
wait_for 'eks: 0 -> 30'
wait_for 'calls:'
keys y
wait_for 'type shop-oncall to approve'
keys -l 'shop-oncal'
keys Enter
wait_for 'type shop-oncall exactly'
keys -l 'l'
keys Enter
wait_for 'type api-dns' 10
keys -l 'api-dns'
keys Enter
wait_for '>2\. +soaking +Send 30% of API traffic' 30
wait_for 'soak: [0-9]+s left'
expect_weights "70 30"
expect_log ' 2\. soaking +Send 30% of API traffic'
[ "$(rb_changes)" = 1 ] || fail "$(rb_changes) ChangeResourceRecordSets after the 30% step, want 1"

# a during the soak: the step fails, "aborted by", the weights stay where the step set them.
keys a
wait_for '>2\. +failed +Send 30% of API traffic' 15
expect_log ' 2\. failed +Send 30% of API traffic'
rb_log | grep -q 'aborted by .*during the soak' || fail "the journal does not say who aborted: $(rb_log)"
expect_weights "70 30"

# b: the rollback's preview (back to 0%), the confirmation, then 100/0 live.
keys b
wait_for 'Roll back step 2/4: Send 30% of API traffic' 20
wait_for 'rollback: set api-dns to 0% new'
wait_for 'onprem: 70 -> 100'
keys y
wait_for 'type api-dns' 10
keys -l 'api-dns'
keys Enter
wait_for '>2\. +rolled-back +Send 30% of API traffic' 30
expect_weights "100 0"
expect_log ' 2\. rolled-back +Send 30% of API traffic'
[ "$(rb_changes)" = 2 ] || fail "$(rb_changes) ChangeResourceRecordSets after the rollback, want 2"

# Enter runs it again, through the soak to done; step 3 becomes current.
keys Enter
wait_for 'Run step 2/4: Send 30% of API traffic to EKS' 20
keys y
wait_for 'type shop-oncall to approve'
keys -l 'shop-oncall'
keys Enter
wait_for 'type api-dns' 10
keys -l 'api-dns'
keys Enter
wait_for '>2\. +soaking +Send 30% of API traffic' 30
expect_weights "70 30"
wait_for ' 2\. +done +Send 30% of API traffic' 40
wait_for '>3\. +(ready|pending) +Scale shop/api on EKS to 5'
expect_log ' 2\. done +Send 30% of API traffic'
expect_log 'at step 3 of 4'
wait_for 'api-dns +route53 +30% to new .*old 70 new 30' 20
expect_weights "70 30"
[ "$(rb_changes)" = 3 ] || fail "$(rb_changes) ChangeResourceRecordSets, want 3"

# Step 3, a Kubernetes action: the preview is the PATCH and the field before -> after, read live.
KC=(/usr/bin/kubectl --kubeconfig "$TMP/kubeconfig" --context eks-prod)
replicas() { "${KC[@]}" -n shop get deploy api -o jsonpath='{.spec.replicas}'; }
R0=$(replicas)
[ -n "$R0" ] && [ "$R0" != 5 ] || fail "shop/api has $R0 replicas: the test needs another number"
# A target node goes NotReady: the step's gate fails; Enter waits for it (checking); a stops the
# wait: the step stays pending, nothing is sent, the journal says who aborted.
NODE=$("${KC[@]}" get nodes -o jsonpath='{.items[0].metadata.name}')
admin POST /mutate "{\"cluster\":\"eks-prod\",\"op\":\"node-ready\",\"name\":\"$NODE\",\"ready\":false}" >/dev/null
wait_for 'FAIL +nodes Ready' 20
wait_for '>3\. +pending +Scale shop/api on EKS to 5'
keys Enter
wait_for 'Run step 3/4: Scale shop/api on EKS to 5' 20
wait_for 'first its 1 gate must pass'
keys y
wait_for 'apply\? type y' 10
keys y
wait_for '>3\. +checking +Scale shop/api on EKS to 5' 20
keys a
wait_for '>3\. +pending +Scale shop/api on EKS to 5' 20
expect_log 'aborted by .* while waiting for its gates'
[ "$(replicas)" = "$R0" ] || fail "shop/api has $(replicas) replicas after the aborted wait, want $R0"
admin POST /mutate "{\"cluster\":\"eks-prod\",\"op\":\"node-ready\",\"name\":\"$NODE\",\"ready\":true}" >/dev/null
wait_for '>3\. +ready +Scale shop/api on EKS to 5' 30
keys Enter
wait_for 'Run step 3/4: Scale shop/api on EKS to 5' 20
wait_for 'PATCH /apis/apps/v1/namespaces/shop/deployments/api \(target cluster\)'
wait_for "spec.replicas: $R0 -> 5"
keys y
wait_for 'apply\? type y' 10
keys y
wait_for ' 3\. +done +Scale shop/api on EKS to 5' 30
[ "$(replicas)" = 5 ] || fail "shop/api has $(replicas) replicas after step 3, want 5 (kubectl)"
expect_log ' 3\. done +Scale shop/api on EKS to 5'
wait_for '>4\. +(ready|pending) +Send all API traffic'

# A second terminal: the follow screen on the same runbook shows the same current step, the
# driver as holder, and the live 30% in its Traffic panel.
NSOCK=$((NSOCK + 1))
SOCK="$SOCK_BASE-$NSOCK"
tmux -L "$SOCK" new-session -d -s e2e -x 120 -y 50 "$ENVS $CUTOVER_BIN runbook run $RB \
--observer 2>$TMP/follow.err; echo follow-exit=\$?; sleep 120"
wait_for 'OBSERVER' 30
wait_for '>4\. +pending +Send all API traffic' 30
wait_for ' 2\. +done +Send 30% of API traffic'
wait_for 'Lease is held by' 20
wait_for 'api-dns +route53 +30% to new .*old 70 new 30' 20
screen_lacks 'Enter:run step' || fail "the observer is shown the driving keys"
for k in Enter g a b R Enter Escape; do keys "$k"; sleep 0.2; done
sleep 1.5
screen_matches '>4\. +pending +Send all API traffic' || fail "a key on the follow screen moved the runbook"
keys q
wait_for 'follow-exit=0' 10

reads=$(rb_agent "$FOLLOW_UA" total)
[ "$reads" -gt 0 ] || fail "the simulator saw no request from $FOLLOW_UA"
[ "$(rb_agent "$FOLLOW_UA" mutating)" = 0 ] || fail "the observer sent mutating requests"
[ "$(rb_agent "$DRIVER_UA" mutating)" -gt 0 ] || fail "the driver's changes are not counted"
expect_weights "70 30"

# Back on the guided screen: the Lease is taken over (kubectl, as another driver would): the
# panel says LOST with the reason, and the keys that act are refused, on screen.
SOCK=$DRIVE_SOCK
wait_for '>4\. +(ready|pending) +Send all API traffic'
/usr/bin/kubectl --kubeconfig "$TMP/kubeconfig" --context eks-prod -n cutover patch lease \
    cutover-drive-test --type merge -p '{"spec":{"holderIdentity":"intruder@elsewhere"}}' \
    >"$TMP/kubectl.out" 2>&1 || fail "kubectl could not take the Lease over: $(cat "$TMP/kubectl.out")"
wait_for 'DRIVING +Lease LOST: no longer this driver' 20
keys Enter
wait_for 'refused: LOST' 10
screen_lacks 'Run step 4/4' || fail "a key acted after the Lease was lost"
keys b
sleep 0.5
screen_lacks 'Roll back step' || fail "b acted after the Lease was lost"
[ "$(rb_changes)" = 3 ] || fail "$(rb_changes) ChangeResourceRecordSets after the Lease was lost, want 3"

# q quits (nothing in flight): exit 3 as line mode for a lost Lease; where it was left is said.
keys q
wait_for 'drive-exit=3' 20
screen_matches 'runbook drive-test: left at step 4 of 4' || fail "no summary after quitting"
expect_weights "70 30"
echo "PASS"
