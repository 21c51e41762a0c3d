#!/usr/bin/env bash
# Runbook gates on the demo's live clusters, as `cutover runbook run` prints them: secret drift
# (Secrets read with their values hashed, never kept) fails in shop, where the demo's target
# lacks Secrets, and passes in kube-system; ExternalSecrets not all synced fail with the
# controller's reason; worker zones and the version pass; a gate that fails holds the step (exit
# 1, no action taken, nothing journaled as done).
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
test_init
rb_start_sim

RB="$TMP/rb.yaml"
rb_runbook gates-test <<'YAML'
  - title: Secrets and clusters ready
    checks:
      - {check: worker_zones, min: 3}
      - {check: version, min: "1.29"}
      - {check: secret_drift, namespace: shop, max: 0}
      - {check: secret_drift, namespace: kube-system, max: 0}
      - {check: external_secrets_synced, namespace: shop}
    action: {do: set_weights, target: api-dns, percent: 100}
YAML
set +e
timeout 120 "$CUTOVER_BIN" runbook run "$RB" --yes --wait 15 </dev/null >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
cat "$TMP/out"
[ "$rc" = 1 ] || fail "exit $rc, want 1 (a gate fails)"
grep -qE '^\s+\[pass +\] worker zones on target >= 3: Ready workers in 3 zones' "$TMP/out" || fail "worker zones"
grep -qE '^\s+\[pass +\] target version >= 1.29: target runs v1.29' "$TMP/out" || fail "version"
grep -qE '^\s+\[fail +\] secret drift in shop <= 0: [0-9]+ secrets drifted \(at most 0\): shop/.* missing on the target' "$TMP/out" ||
    fail "secret drift in shop"
grep -qE '^\s+\[pass +\] secret drift in kube-system <= 0: 0 secrets drifted' "$TMP/out" || fail "kube-system drift"
grep -qE '^\s+\[fail +\] ExternalSecrets on target in shop all synced: [0-9]+/[0-9]+ ExternalSecrets synced; shop/' "$TMP/out" ||
    fail "ExternalSecrets"
grep -q "gates did not pass within 15 s: step 1 not run" "$TMP/out" || fail "the step was not held"
[ "$(rb_changes)" = 0 ] || fail "a change was made although a gate failed"
"$CUTOVER_BIN" runbook log "$RB" >"$TMP/log" 2>&1 || fail "runbook log"
grep -qE "> 1\\. pending" "$TMP/log" || fail "the step is not pending in the journal"
echo PASS
