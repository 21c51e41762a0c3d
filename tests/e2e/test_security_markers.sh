#!/usr/bin/env bash
# Issue #7, Security: the secret-marker search of the drift issue (tests/lib/drift_markers.sh)
# extended to the journal, the ConfigMap mirror and crash output.
#
# On the markers scenario (Secrets and a Secrets Manager entry holding unique markers), with
# CUTOVER_DEBUG=1: a runbook whose first step gates on secret drift and force-syncs the
# ExternalSecret whose values differ from Secrets Manager, then changes the Route53 weights. The
# driver is killed with SIGKILL between the intent record and the API call of a weight change
# (CUTOVER_TEST_CRASH_AT), then resumed to the end; a dashboard with the drift view open (values
# read and hashed) is killed with SIGABRT under `ulimit -c unlimited` (core_pattern permitting, a
# core file of a process holding Secret values is written, unless cutover forbids it). Then the markers (as they are, base64, hex, a prefix) are searched in:
# the local journal, the journal mirror ConfigMaps read back from the target cluster (there must
# be records in them), `runbook log`, the crash runs' stdout/stderr and screens, the logs, and any
# core file a crash left.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init secmarkers
PY=/usr/bin/python3
export CUTOVER_DEBUG=1
. "$(dirname "$0")/../lib/drift_markers.sh"
KCTL=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/kcache")
AWSCLI=(/usr/bin/aws --endpoint-url "$aws_url" --profile sim --region us-east-1 --output text)
OUT="$TMP/out"
mkdir -p "$OUT" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME/cutover" "$TMP/crash/dash"

cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<CFG
kubeconfig: $TMP/kubeconfig
drift:
  source_of_truth: {endpoint: "$aws_url", profile: sim}
traffic:
  - name: api-dns
    provider: route53
    plan: [0, 30, 100]
    old: a
    new: b
    zone_id: Z0SIMMARKERS00001
    record: api.shop.example.com.
    aws: {profile: sim, endpoint: "$aws_url"}
CFG
RB="$TMP/rb.yaml"
cat >"$RB" <<'YAML'
name: markers
source: a
target: b
lease: {namespace: shop}
steps:
  - title: Refresh the gateway token from Secrets Manager
    checks:
      - {check: secret_drift, max: 5, namespace: shop}
    action: {do: refresh_secret, namespace: shop, name: gw, cluster: target}
  - title: Send 30% of API traffic to b
    action: {do: set_weights, target: api-dns, percent: 30}
  - title: Send all API traffic to b
    action: {do: set_weights, target: api-dns, percent: 100}
YAML
weights() {
    "${AWSCLI[@]}" route53 list-resource-record-sets --hosted-zone-id Z0SIMMARKERS00001 \
        --query 'ResourceRecordSets[?Type==`A`].[SetIdentifier,Weight]' | sort | awk '{printf "%s ", $2}'
}
[ "$(weights)" = "100 0 " ] || fail "the scenario's weights are $(weights), want 100 0"

# ---- the driver, killed between the intent and the API call (of the refresh), then resumed ---------------------
set +e
CUTOVER_LEASE_SECONDS=3 CUTOVER_TEST_CRASH_AT=after-intent "$CUTOVER_BIN" runbook run "$RB" --yes --wait 30 </dev/null \
    >"$OUT/run-killed.out" 2>"$OUT/run-killed.err"
rc=$?
set -e
[ "$rc" = 137 ] || { cat "$OUT/run-killed.out" "$OUT/run-killed.err" >&2; fail "the driver exited $rc, want 137 (SIGKILL)"; }
grep -q 'killing myself' "$OUT/run-killed.err" || fail "the driver was not killed at the crash point"
grep -q 'force-sync' "$OUT/run-killed.out" || fail "the driver was killed before the refresh"
sleep 4 # the dead driver's 3 s Lease expires
CUTOVER_LEASE_SECONDS=3 "$CUTOVER_BIN" runbook run "$RB" --yes --takeover --wait 30 </dev/null \
    >"$OUT/run-resumed.out" 2>"$OUT/run-resumed.err" ||
    { cat "$OUT/run-resumed.out" "$OUT/run-resumed.err" >&2; fail "the resumed driver failed"; }
grep -q 'all 3 steps done' "$OUT/run-resumed.out" || fail "the resumed driver did not finish"
[ "$(weights)" = "0 100 " ] || fail "weights after the run: $(weights), want 0 100"
[ -n "$("${KCTL[@]}" --context b -n shop get externalsecret gw -o jsonpath='{.metadata.annotations.force-sync}')" ] ||
    fail "the ExternalSecret was not force-synced"
"$CUTOVER_BIN" runbook log "$RB" >"$OUT/runbook-log.out" 2>"$OUT/runbook-log.err" ||
    fail "runbook log failed"
JOURNAL=$(find "$XDG_STATE_HOME" -name '*.jsonl' -type f | head -n 1)
[ -n "$JOURNAL" ] || fail "no journal was written"
grep -q 'refresh' "$JOURNAL" || fail "the journal has no refresh_secret record"

# the mirror, read back from the target cluster: it must hold the journal's records
"${KCTL[@]}" --context b -n shop get configmaps -o json >"$OUT/configmaps-b.json" ||
    fail "kubectl get configmaps"
"${KCTL[@]}" --context a get configmaps -A -o json >"$OUT/configmaps-a.json" ||
    fail "kubectl get configmaps"
$PY - "$OUT/configmaps-b.json" "$JOURNAL" <<'PY' || fail "the journal mirror is missing or short"
import json, sys
cms = [c for c in json.load(open(sys.argv[1]))["items"]
       if c["metadata"]["name"].startswith("cutover-markers-journal")]
assert cms, "no cutover-markers-journal-N ConfigMap"
text = "".join(v for c in cms for v in (c.get("data") or {}).values())
local = [l for l in open(sys.argv[2]).read().splitlines() if l.strip()]
assert len(local) >= 6, "only %d journal records" % len(local)
assert "refresh" in text and "api-dns" in text, "the mirror lacks the records"
print("mirror: %d ConfigMap(s), %d bytes; local journal %d records" % (len(cms), len(text), len(local)))
PY

# ---- crashes with the values in memory --------------------------------------------------------
# the dashboard with the drift view open (contents read and hashed), then SIGABRT
tmux_run 100 40 "cd $TMP/crash/dash && ulimit -c unlimited && env CUTOVER_DEBUG=1 \
XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME AWS_CONFIG_FILE=$AWS_CONFIG_FILE \
AWS_SHARED_CREDENTIALS_FILE=$AWS_SHARED_CREDENTIALS_FILE sh -c 'echo \$\$ >$TMP/dash.pid; \
exec $CUTOVER_BIN --source a --target b' 2>$OUT/dash-crash.err; echo \$? >$TMP/dash.rc; sleep 60"
wait_for 'SOURCE a' 30
keys D
wait_for 'source a: contents hashed +target b: contents hashed' 30
cap >"$OUT/screen-before.txt"
# the shell allowed core files of any size; cutover itself took that back
grep -qE '^Max core file size +0 +0 ' "/proc/$(cat "$TMP/dash.pid")/limits" ||
    fail "the dashboard may write a core file: $(grep 'core file' "/proc/$(cat "$TMP/dash.pid")/limits")"
kill -ABRT "$(cat "$TMP/dash.pid")"
poll 20 test -s "$TMP/dash.rc" || fail "the dashboard did not end on SIGABRT"
[ "$(cat "$TMP/dash.rc")" = 134 ] || fail "the dashboard exited $(cat "$TMP/dash.rc"), want 134 (SIGABRT)"
cap >"$OUT/screen-after.txt"

files=("$OUT"/* "$JOURNAL")
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$XDG_STATE_HOME" "$TMP/crash" -type f -print0)
cores=$(find "$TMP/crash" -type f -name 'core*' -printf '%P ')
[ -z "$cores" ] || fail "the crash wrote a core file ($cores): cutover must not dump its memory"
echo "searching ${#files[@]} files (core files: ${cores:-none}) for ${#MARKERS[@]} markers"
markers_absent "${files[@]}"
echo "no marker in the journal, the mirror, the logs, the crash output or a core file"
echo PASS
