#!/usr/bin/env bash
# Issue #6, must-show 2: crash and resume. A runbook on the demo's names (the simulator's weighted
# Route53 pair api-dns) is driven to its 30% step by `cutover runbook run`, which kills itself
# with SIGKILL (CUTOVER_TEST_CRASH_AT) at each point of the step: before the intent record,
# between the intent and the API call, after the call and before the result. After each crash:
# a restart while the dead driver's Lease is live is refused naming the holder; once it expired,
# a restart without confirmation is refused too; with --takeover it resumes at the 30% step, the
# live weights (read by the aws CLI, not by cutover) are 70/30, and the simulator counted exactly
# one ChangeResourceRecordSets: no action was applied twice.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
fail() { rb_run_fail "$@"; }
test_init

RB="$TMP/rb.yaml"
rb_runbook resume-test <<'YAML'
  - title: Target cluster is ready
    checks:
      - {check: worker_zones, min: 3}
      - {check: version, min: "1.28"}
  - title: Send 30% of API traffic to EKS
    checks: [{check: traffic_weight, target: api-dns, percent: 0}]
    action: {do: set_weights, target: api-dns, percent: 30}
    soak: 2s
  - title: Send all API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 100}
YAML

# run NAME ARGS...: `cutover runbook run` (or $SUB) with a short Lease; output in $TMP/NAME.out, status in RC.
run() {
    local name=$1
    shift
    set +e
    CUTOVER_LEASE_SECONDS=${LEASE_S:-2} timeout 120 "$CUTOVER_BIN" runbook "${SUB:-run}" "$RB" --wait 30 "$@" \
        </dev/null >"$TMP/$name.out" 2>&1
    RC=$?
    set -e
}

for point in before-intent after-intent after-apply; do
    echo "== crash $point"
    rb_start_sim
    [ "$(rb_aws_weights)" = "100 0" ] || fail "the demo did not start at 100/0: $(rb_aws_weights)"
    LEASE_S=8 CUTOVER_TEST_CRASH_AT=$point run "run-$point-1" --yes --steps 2
    killed_at=$SECONDS
    [ "$RC" = 137 ] || fail "$point: the driver was not killed (exit $RC)"
    # The dead driver's Lease is still live: a second driver is refused, naming it.
    run "run-$point-2" --yes
    [ "$RC" = 3 ] || fail "$point: a second driver was not refused (exit $RC)"
    grep -q "driven elsewhere.*held by .* since" "$TMP/run-$point-2.out" ||
        fail "$point: the refusal does not name the holder"

    grep -q "step 1 (Target cluster is ready): done" "$TMP/run-$point-1.out" ||
        fail "$point: step 1 did not complete before the crash"
    case $point in
    before-intent | after-intent) want_live="100 0" want_changes=0 ;;
    after-apply) want_live="70 30" want_changes=1 ;;
    esac
    [ "$(rb_aws_weights)" = "$want_live" ] || fail "$point: live after the crash $(rb_aws_weights), want $want_live"
    [ "$(rb_changes)" = "$want_changes" ] || fail "$point: $(rb_changes) changes after the crash, want $want_changes"

    # Expired: a takeover is asked for, and not made without confirmation.
    while ((SECONDS < killed_at + 10)); do sleep 0.5; done
    run "run-$point-3" --yes
    [ "$RC" = 3 ] || fail "$point: took over an expired Lease without confirmation (exit $RC)"
    grep -q "expired" "$TMP/run-$point-3.out" || fail "$point: the expired Lease was not reported"

    # Confirmed: resumes at the 30% step and stops after it.
    run "run-$point-4" --yes --takeover --steps 1
    [ "$RC" = 0 ] || fail "$point: resume failed (exit $RC)"
    out="$TMP/run-$point-4.out"
    grep -q "resuming at step 2 of 3" "$out" || fail "$point: did not resume at step 2"
    if grep -q "== step 1/3" "$out"; then fail "$point: step 1 was run again"; fi
    case $point in
    before-intent) ;;
    after-intent) grep -q "resume: .*not applied" "$out" || fail "$point: the pending intent was not resolved as not applied" ;;
    after-apply) grep -q "resume: .*applied before crash" "$out" || fail "$point: the pending intent was not confirmed as applied" ;;
    esac
    grep -q "step 2 (Send 30% of API traffic to EKS): done" "$out" || fail "$point: step 2 not done"
    if grep -q "== step 3/3" "$out"; then fail "$point: went past the 30% step"; fi
    [ "$(rb_aws_weights)" = "70 30" ] || fail "$point: live after resume $(rb_aws_weights), want 70 30"
    [ "$(rb_changes)" = 1 ] || fail "$point: $(rb_changes) ChangeResourceRecordSets: an action was applied twice (or never)"

    # The journal says where the runbook stands; every intent has its result.
    "$CUTOVER_BIN" runbook log "$RB" >"$TMP/log-$point.out" 2>&1 || fail "$point: runbook log failed"
    grep -q "at step 3 of 3" "$TMP/log-$point.out" || fail "$point: the log does not stand at step 3"
    n_intent=$(grep -c " intent traffic:api-dns:" "$TMP/log-$point.out" || true)
    n_result=$(grep -c " result traffic:api-dns:" "$TMP/log-$point.out" || true)
    [ "$n_intent" = "$n_result" ] || fail "$point: $n_intent intents but $n_result results"
done

# The 30% step rolled back: the weights before it, through the change engine.
SUB=rollback run rollback --yes
[ "$RC" = 0 ] || fail "rollback failed (exit $RC)"
[ "$(rb_aws_weights)" = "100 0" ] || fail "live after rollback $(rb_aws_weights), want 100 0"
[ "$(rb_changes)" = 2 ] || fail "$(rb_changes) ChangeResourceRecordSets after the rollback, want 2"
"$CUTOVER_BIN" runbook log "$RB" >"$TMP/log-rollback.out" 2>&1
grep -qE "> 2\. rolled-back" "$TMP/log-rollback.out" || fail "the log does not stand at step 2, rolled back"
echo "PASS"
