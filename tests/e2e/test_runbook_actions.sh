#!/usr/bin/env bash
# Runbook actions on the Kubernetes side (scale, annotate, restart, cordon on the source), each
# checked with kubectl, not with cutover; the driver is killed (SIGKILL) right after the restart's
# API call and before its result: after the restart (a confirmed takeover of the expired Lease)
# the journal's pending intent is checked against the object, the restart is not made twice (the
# restartedAt stamp is unchanged), and the remaining steps run.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
fail() { rb_run_fail "$@"; }
test_init
rb_start_sim
KC=(/usr/bin/kubectl --kubeconfig "$TMP/kubeconfig")
NODE=$("${KC[@]}" --context onprem-prod get nodes -o name | grep -v control | head -1 | cut -d/ -f2)
[ -n "$NODE" ] || fail "no worker node on the source"

RB="$TMP/rb.yaml"
rb_runbook actions-test <<YAML
  - title: Scale api on EKS to full size
    action: {do: scale, workload: Deployment/shop/api, replicas: 7}
    rollback: {do: scale, workload: Deployment/shop/api, replicas: 6}
  - title: Mark cart as moved
    action: {do: annotate, workload: Deployment/shop/cart, key: cutover.dev/moved, value: "yes"}
  - title: Restart checkout
    action: {do: restart, workload: Deployment/shop/checkout}
  - title: Stop scheduling on an old worker
    action: {do: cordon, cluster: source, node: $NODE}
YAML

restarted() {
    "${KC[@]}" --context eks-prod -n shop get deploy checkout \
        -o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}'
}

set +e
CUTOVER_LEASE_SECONDS=3 CUTOVER_TEST_CRASH_AT=after-apply timeout 120 "$CUTOVER_BIN" runbook run \
    "$RB" --yes </dev/null >"$TMP/run-1.out" 2>&1
rc=$?
set -e
[ "$rc" = 137 ] || fail "the driver was not killed (exit $rc)"
# the crash comes after the first action's call: step 1 is in place, nothing else
[ "$("${KC[@]}" --context eks-prod -n shop get deploy api -o jsonpath='{.spec.replicas}')" = 7 ] ||
    fail "api was not scaled to 7"
[ -z "$(restarted)" ] || fail "checkout was restarted before its step"

# the first run died in step 1; run again until the restart step is killed after its call
sleep 4
set +e
CUTOVER_LEASE_SECONDS=3 timeout 120 "$CUTOVER_BIN" runbook run "$RB" --yes --takeover --steps 2 \
    </dev/null >"$TMP/run-2.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "second run failed (exit $rc)"
grep -q "resume: runbook:actions-test:step:1:action:.* applied before crash" "$TMP/run-2.out" ||
    fail "the pending scale was not confirmed by read-back"
grep -q "resumed: the journal records scale as in place" "$TMP/run-2.out" ||
    fail "step 1 was not recognised as done"
[ "$("${KC[@]}" --context eks-prod -n shop get deploy cart -o jsonpath='{.metadata.annotations.cutover\.dev/moved}')" = yes ] ||
    fail "cart was not annotated"

set +e
CUTOVER_LEASE_SECONDS=3 CUTOVER_TEST_CRASH_AT=after-apply timeout 120 "$CUTOVER_BIN" runbook run \
    "$RB" --yes </dev/null >"$TMP/run-3.out" 2>&1
rc=$?
set -e
[ "$rc" = 137 ] || fail "the driver was not killed in the restart step (exit $rc)"
stamp=$(restarted)
[ -n "$stamp" ] || fail "checkout has no restartedAt after its restart call"
sleep 4
set +e
CUTOVER_LEASE_SECONDS=3 timeout 120 "$CUTOVER_BIN" runbook run "$RB" --yes --takeover \
    </dev/null >"$TMP/run-4.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "the last run failed (exit $rc)"
grep -q "resume: runbook:actions-test:step:3:action:.* applied before crash" "$TMP/run-4.out" ||
    fail "the pending restart was not confirmed by read-back"
[ "$(restarted)" = "$stamp" ] || fail "checkout was restarted twice ($stamp, then $(restarted))"
[ "$("${KC[@]}" --context onprem-prod get node "$NODE" -o jsonpath='{.spec.unschedulable}')" = true ] ||
    fail "$NODE was not cordoned"
grep -q "all 4 steps done" "$TMP/run-4.out" || fail "the runbook did not finish"

# Rolling back step 1 runs its rollback action; the journal says rolled-back.
set +e
timeout 120 "$CUTOVER_BIN" runbook rollback "$RB" --step 1 --yes </dev/null >"$TMP/run-5.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "rollback failed (exit $rc)"
[ "$("${KC[@]}" --context eks-prod -n shop get deploy api -o jsonpath='{.spec.replicas}')" = 6 ] ||
    fail "the rollback did not scale api back to 6"
"$CUTOVER_BIN" runbook log "$RB" >"$TMP/log.out" 2>&1 || fail "runbook log failed"
grep -qE "1\. rolled-back +Scale api on EKS" "$TMP/log.out" || fail "the log does not show step 1 rolled back"
grep -qE "> 1\." "$TMP/log.out" || fail "the log does not stand at step 1 again"
echo PASS
