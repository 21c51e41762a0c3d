#!/usr/bin/env bash
# What every runbook Kubernetes action must have (security review R1, R2, R7), checked with kubectl
# and the journal, not with cutover's own word:
# - preview: the object is read first and `field: before -> after` is printed;
# - confirmation: `n` changes nothing; `y` applies; the intent records the before value;
# - a cordon of a node that is already cordoned changes nothing and rolls back to cordoned; a
#   cordon of a schedulable node needs the node's name typed (`y` is refused);
#   scale and annotate roll back to the recorded before value (annotation removed);
# - the Lease: when its renewals fail for longer than its duration allows, the driver stops
#   before the action (exit 3, LEASE LOST, a journal note) and nothing is changed;
# - journal text (ids, paths) reaches the terminal sanitized, in the resume and in `runbook log`.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
fail() {
    echo "FAIL: $*" >&2
    for f in "$TMP"/run*.out; do [ -f "$f" ] && { echo "--- $f" >&2; cat -v "$f" >&2; }; done
    exit 1
}
test_init
rb_start_sim
KC=(/usr/bin/kubectl --kubeconfig "$TMP/kubeconfig")
NODE=$("${KC[@]}" --context onprem-prod get nodes -o name | grep -v control | head -1 | cut -d/ -f2)
[ -n "$NODE" ] || fail "no worker node on the source"
replicas() { "${KC[@]}" --context eks-prod -n shop get deploy api -o jsonpath='{.spec.replicas}'; }
R0=$(replicas)
[ -n "$R0" ] && [ "$R0" != 5 ] || fail "api has $R0 replicas: the test needs another number"
"${KC[@]}" --context onprem-prod cordon "$NODE" >/dev/null
J="$TMP/journal.jsonl"

RB="$TMP/rb.yaml"
rb_runbook safety-test <<YAML
  - title: Scale api on EKS
    action: {do: scale, workload: Deployment/shop/api, replicas: 5}
    rollback: auto
  - title: Cordon an old worker
    action: {do: cordon, cluster: source, node: $NODE}
  - title: Mark cart
    action: {do: annotate, workload: Deployment/shop/cart, key: cutover.dev/owner, value: eks}
    rollback: auto
YAML
"$CUTOVER_BIN" runbook validate "$RB" >/dev/null || fail "the runbook does not validate"

run() { # run OUT STDIN ARGS...: the driver with STDIN as its input; sets rc
    local out=$1 in=$2
    shift 2
    set +e
    printf '%b' "$in" | CUTOVER_LEASE_SECONDS=3 timeout 120 "$CUTOVER_BIN" runbook "$@" \
        --journal "$J" >"$TMP/$out" 2>&1
    rc=$?
    set -e
}

# 1. preview then `n`: nothing changes, nothing is journaled as an intent
run run-1.out 'n\n' run "$RB" --steps 1
[ "$rc" = 1 ] || fail "a refused step should exit 1 (exit $rc)"
grep -qF "| PATCH /apis/apps/v1/namespaces/shop/deployments/api" "$TMP/run-1.out" ||
    fail "no preview of the PATCH"
grep -qF "spec.replicas: $R0 -> 5" "$TMP/run-1.out" || fail "no preview of replicas $R0 -> 5"
grep -qF "not confirmed: nothing changed" "$TMP/run-1.out" || fail "n was not taken as a refusal"
[ "$(replicas)" = "$R0" ] || fail "api was scaled although the operator typed n"
! grep -q '"kind":"intent"' "$J" || fail "an intent was journaled for a refused action"

# 2. `y`: applied, the intent carries the before value
run run-2.out 'y\n' run "$RB" --steps 1
[ "$rc" = 0 ] || fail "the confirmed scale failed (exit $rc)"
[ "$(replicas)" = 5 ] || fail "api was not scaled to 5"
grep -q "\"kind\":\"intent\".*\"field\":\[\"spec\",\"replicas\"\],\"before\":$R0,\"want\":5" "$J" ||
    fail "the intent does not record before=$R0"

# 3. cordon of a node already cordoned: nothing sent, and its rollback leaves it cordoned
run run-3.out '' run "$RB" --steps 1
[ "$rc" = 0 ] || fail "the cordon step failed (exit $rc)"
grep -qF "spec.unschedulable: true -> true" "$TMP/run-3.out" || fail "no preview true -> true"
grep -qF "already true: nothing to change" "$TMP/run-3.out" || fail "the cordon was not skipped"
run run-4.out '' rollback "$RB" --step 2 --yes
[ "$rc" = 0 ] || fail "the cordon rollback failed (exit $rc)"
[ "$("${KC[@]}" --context onprem-prod get node "$NODE" -o jsonpath='{.spec.unschedulable}')" = true ] ||
    fail "rolling back a cordon of an already-cordoned node uncordoned it"

# 4. annotate (before: absent) then roll back: the annotation is gone again; scale goes back to R0
run run-5.out '' run "$RB" --yes
[ "$rc" = 0 ] || fail "the annotate step failed (exit $rc)"
owner() { "${KC[@]}" --context eks-prod -n shop get deploy cart -o jsonpath='{.metadata.annotations.cutover\.dev/owner}'; }
[ "$(owner)" = eks ] || fail "cart was not annotated"
grep -qF "metadata.annotations.cutover.dev/owner: null -> \"eks\"" "$TMP/run-5.out" ||
    fail "no preview null -> \"eks\""
run run-6.out '' rollback "$RB" --step 3 --yes
[ "$rc" = 0 ] || fail "the annotate rollback failed (exit $rc)"
[ -z "$(owner)" ] || fail "the annotation is still there after its rollback"
run run-7.out 'y\n' rollback "$RB" --step 1
[ "$rc" = 0 ] || fail "the scale rollback failed (exit $rc)"
grep -qF "spec.replicas: 5 -> $R0" "$TMP/run-7.out" || fail "no preview of the rollback 5 -> $R0"
[ "$(replicas)" = "$R0" ] || fail "the rollback did not scale api back to $R0"

# 4b. a cordon of a schedulable node is confirmed by typing the node's name: `y` is not enough
NODE2=$("${KC[@]}" --context onprem-prod get nodes -o name | grep -v control | sed -n 2p | cut -d/ -f2)
[ -n "$NODE2" ] || fail "no second worker node on the source"
RB3="$TMP/rb3.yaml"
cat >"$RB3" <<YAML
name: name-test
source: onprem-prod
target: eks-prod
steps:
  - title: Cordon a second worker
    action: {do: cordon, cluster: source, node: $NODE2}
YAML
unsched() { "${KC[@]}" --context onprem-prod get node "$NODE2" -o jsonpath='{.spec.unschedulable}'; }
J4="$TMP/journal4.jsonl"
set +e
printf 'y\n' | CUTOVER_LEASE_SECONDS=3 timeout 60 "$CUTOVER_BIN" runbook run "$RB3" --journal "$J4" \
    >"$TMP/run-11.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "a cordon confirmed with y should not run (exit $rc)"
grep -qF "type $NODE2 to apply" "$TMP/run-11.out" || fail "the cordon did not ask for the node's name"
[ "$(unsched)" != true ] || fail "$NODE2 was cordoned with only y typed"
set +e
printf '%s\n' "$NODE2" | CUTOVER_LEASE_SECONDS=3 timeout 60 "$CUTOVER_BIN" runbook run "$RB3" \
    --journal "$J4" >"$TMP/run-12.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "the cordon confirmed by name failed (exit $rc)"
[ "$(unsched)" = true ] || fail "$NODE2 was not cordoned"

# 4c. refresh_secret at the external-secrets.io version the cluster serves (discovered: the
# simulator serves v1, preferred, and v1beta1; tests/unit/test_drift_reader_eso covers a cluster
# serving v1beta1 only)
ESCTX=
for c in eks-prod onprem-prod; do
    if "${KC[@]}" --context "$c" -n shop get externalsecret db-credentials >/dev/null 2>&1; then
        ESCTX=$c
        break
    fi
done
[ -n "$ESCTX" ] || fail "no ExternalSecret shop/db-credentials in the demo"
[ "$ESCTX" = eks-prod ] && ESCL=target || ESCL=source
cat >>"$RB3" <<YAML
  - title: Refresh the database credentials
    action: {do: refresh_secret, namespace: shop, name: db-credentials, cluster: $ESCL}
YAML
set +e
CUTOVER_LEASE_SECONDS=3 timeout 60 "$CUTOVER_BIN" runbook run "$RB3" --yes --journal "$J4" \
    </dev/null >"$TMP/run-13.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "refresh_secret failed (exit $rc)"
grep -qF "| PATCH /apis/external-secrets.io/v1/namespaces/shop/externalsecrets/db-credentials" \
    "$TMP/run-13.out" || fail "refresh_secret did not use the served version"
[ -n "$("${KC[@]}" --context "$ESCTX" -n shop get externalsecret db-credentials -o jsonpath='{.metadata.annotations.force-sync}')" ] ||
    fail "the ExternalSecret has no force-sync annotation"

# 5. renewals failing for longer than the Lease allows: the driver stops before acting
RB2="$TMP/rb2.yaml"
cat >"$RB2" <<YAML
name: lease-test
source: onprem-prod
target: eks-prod
steps:
  - title: Mark checkout
    approval: alice
    action: {do: annotate, workload: Deployment/shop/checkout, key: cutover.dev/lease, value: "x"}
YAML
"$CUTOVER_BIN" runbook validate "$RB2" >/dev/null || fail "the lease runbook does not validate"
J2="$TMP/journal2.jsonl"
set +e
{
    sleep 1.5
    admin POST /faults '{"fault":"error","status":500,"path":"/leases/"}' >/dev/null
    sleep 4
    echo alice
} | CUTOVER_LEASE_SECONDS=3 timeout 60 "$CUTOVER_BIN" runbook run "$RB2" --yes --journal "$J2" \
    >"$TMP/run-8.out" 2>&1
rc=$?
set -e
admin DELETE /faults >/dev/null
[ "$rc" = 3 ] || fail "the driver did not stop with exit 3 when its Lease lapsed (exit $rc)"
grep -q "LEASE LOST: .*not renewed" "$TMP/run-8.out" || fail "no clear message about the Lease"
[ -z "$("${KC[@]}" --context eks-prod -n shop get deploy checkout -o jsonpath='{.metadata.annotations.cutover\.dev/lease}')" ] ||
    fail "the action ran although the Lease had lapsed"
grep -q '"kind":"note","id":"runbook:lease-test:lease".*"event":"lease-lost"' "$J2" ||
    fail "the loss of the Lease is not in the journal"

# 6. journal text reaches the terminal sanitized: a pending intent whose id and path hold escapes
J3="$TMP/journal3.jsonl"
/usr/bin/python3 - "$J3" <<'PY'
import hashlib, json, sys
rec = {"seq": 1, "time": "2026-11-23T14:08:12.123Z", "who": "a@b", "kind": "intent",
       "id": "runbook:safety-test:step:1:action:\x1b]0;owned\x07",
       "cluster": "target", "path": "/api/v1/nodes/none\x1b[2J", "field": ["spec", "unschedulable"],
       "before": None, "want": True}
body = json.dumps(rec, separators=(",", ":"))
s = hashlib.sha256(body.encode()).hexdigest()
open(sys.argv[1], "w").write(body[:-1] + ',"sum":"%s"}\n' % s)
PY
set +e
CUTOVER_LEASE_SECONDS=3 timeout 60 "$CUTOVER_BIN" runbook run "$RB" --yes --journal "$J3" \
    </dev/null >"$TMP/run-9.out" 2>&1
rc=$?
"$CUTOVER_BIN" runbook log "$RB" --journal "$J3" >"$TMP/run-10.out" 2>&1
set -e
grep -q "resume: runbook:safety-test:step:1:action:.*cannot be checked now" "$TMP/run-9.out" ||
    fail "the pending intent was not reported"
for f in run-9.out run-10.out; do
    ! grep -q $'\x1b' "$TMP/$f" || fail "$f holds a raw escape from the journal"
    ! grep -q $'\x07' "$TMP/$f" || fail "$f holds a raw BEL from the journal"
done
grep -qF 'action:\x1b]0;owned\x07' "$TMP/run-10.out" || fail "runbook log does not show the id escaped"
echo PASS
