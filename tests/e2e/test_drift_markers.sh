#!/usr/bin/env bash
# Issue #5, must-show 2 (with the dashboard): Secrets in both clusters and an entry in AWS
# Secrets Manager hold unique marker values (shown first to be really served, so the search can
# fail). The dashboard runs in tmux with debug logging and the drift view open (Secret contents
# read and compared: the view shows which key differs and that the target is stale against
# Secrets Manager); every page of the view is captured, plain and with escapes; the ExternalSecret
# is force-synced (preview, y, read-back) and the drift read again (r); `cutover status --json
# --drift` runs too. Then every screen capture, the JSON, the log files, the journal, any file
# under XDG_STATE_HOME/XDG_CONFIG_HOME and the clusters' ConfigMaps (where a journal mirror would
# be) are searched for each marker, its base64, its hex and its first 20 characters: none found.
set -uo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init drift-markers

. "$(dirname "$0")/../lib/drift_markers.sh"
KCTL=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/kcache")

# the markers are served: the search below could find them
served=$("${KCTL[@]}" --context b get secret -n shop db -o jsonpath='{.data.api}' 2>&1)
[ "$served" = "$(b64 "$M3")" ] || fail "the simulator does not serve M3: $served"
served=$(/usr/bin/aws --endpoint-url "$aws_url" --profile sim --region us-east-1 secretsmanager \
    get-secret-value --secret-id prod/gw --query SecretString --output text 2>&1)
case "$served" in *"$M4"*) ;; *) fail "the simulator does not serve M4" ;; esac
served=

mkdir -p "$XDG_CONFIG_HOME/cutover"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<CONFIG
drift:
  source_of_truth: {endpoint: "$aws_url", profile: sim}
CONFIG
JOURNAL="$XDG_STATE_HOME/cutover/markers-journal.jsonl"
mkdir -p "$XDG_STATE_HOME/cutover"

# the dashboard, debug logging on, with the drift view open
tmux_run 100 40 "env CUTOVER_DEBUG=1 XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
AWS_CONFIG_FILE=$AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE=$AWS_SHARED_CREDENTIALS_FILE \
$CUTOVER_BIN --kubeconfig $TMP/kubeconfig --source a --target b --journal $JOURNAL \
2>$TMP/dash.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE a' 30
n=0
snap() {
    n=$((n + 1))
    cap >"$TMP/screen-$n.txt"
    cap -e >"$TMP/screen-$n.ansi"
}
wait_for 'metadata only' 30
snap
keys D
wait_for 'source a: contents hashed +target b: contents hashed' 30
# the contents were compared: the key that differs, the stale target, by name only
wait_for 'value differs +Secret +shop/db'
wait_for 'value differs: api'
wait_for 'source of truth: STALE, differs from AWS Secrets Manager in token' 30
snap
# every page of the view
for _ in 1 2 3 4; do
    keys PgDn
    sleep 0.3
    snap
done
keys g
# the forced refresh: force-sync of the ExternalSecret (preview, y, read-back), then r
keys / g w Enter
wait_for 'ExternalSecret gw on target'
keys F
wait_for 'force-sync: preview' 20
snap
keys y
wait_for 'force-sync: (done|unconfirmed)' 30
snap
keys Enter
keys r
sleep 2
wait_for 'source a: contents hashed +target b: contents hashed' 30
snap
keys q
wait_for 'cutover-exit=0' 20
snap

# status --json --drift against the same clusters
CUTOVER_DEBUG=1 "$CUTOVER_BIN" status --kubeconfig "$TMP/kubeconfig" --source a --target b \
    --timeout 30 --json --drift >"$TMP/status-json.out" 2>"$TMP/status-json.err"
[ $? -eq 1 ] || fail "status --json --drift exit"
$PY - "$TMP/status-json.out" <<'CHECK' || fail "status did not compare the values"
import json, sys
d = json.load(open(sys.argv[1]))["drift"]
items = {i["name"]: i for i in d["items"]}
assert items["db"]["state"] == "values-differ", items
e = d["external_secret_items"][0]
assert e["source_of_truth"] == "differs" and e["differing_keys"] == ["token"], e
CHECK

# the journal holds the force-sync (so it was searched with something in it)
grep -q '"action":"drift.force-sync"' "$JOURNAL" || fail "no force-sync in the journal"
# the ConfigMaps of both clusters: where a journal mirror would be
for ctx in a b; do
    "${KCTL[@]}" --context "$ctx" get configmaps -A -o json >"$TMP/configmaps-$ctx.json" ||
        fail "kubectl get configmaps --context $ctx"
done

files=("$TMP"/screen-*.txt "$TMP"/screen-*.ansi "$TMP"/status-*.out "$TMP"/status-*.err
    "$TMP/dash.err" "$TMP"/configmaps-*.json)
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" -type f -print0 2>/dev/null)
[ -n "$(find "$XDG_STATE_HOME" -name '*.log' -type f)" ] || fail "no log file under XDG_STATE_HOME"
grep -rq 'drift' "$XDG_STATE_HOME" --include='*.log' || fail "the log says nothing of drift"
markers_absent "${files[@]}"
echo "searched ${#files[@]} files ($n screen captures) for ${#MARKERS[@]} markers: none found"
exit 0
