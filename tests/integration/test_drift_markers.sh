#!/usr/bin/env bash
# Issue #5, must show 2 (the half without the dashboard): Secrets and Secrets Manager entries
# hold unique marker values; `cutover status --json --drift` and the text report (debug logging
# on) compare them, and then neither the outputs, nor the log files under XDG_STATE_HOME, nor
# any journal or other file cutover wrote hold a marker, its base64 or its hex. The markers are
# first shown to be really served (kubectl, aws CLI), so the search can fail.
set -uo pipefail

: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/common.sh"
test_init

fail() { fail_dump "$*" 3000; }

. "$(dirname "$0")/../lib/drift_markers.sh"

# the markers are served: the search below could find them
kubectl --kubeconfig "$TMP/kubeconfig" --context b --cache-dir "$TMP/kcache" get secret -n shop db \
    -o jsonpath='{.data.api}' >"$TMP/served.kubectl" 2>&1
[ "$(cat "$TMP/served.kubectl")" = "$(b64 "$M3")" ] || fail "the simulator does not serve M3"
/usr/bin/aws --endpoint-url "$aws_url" --profile sim --region us-east-1 secretsmanager \
    get-secret-value --secret-id prod/gw --query SecretString --output text \
    >"$TMP/served.aws" 2>&1
grep -q "$M4" "$TMP/served.aws" || fail "the simulator does not serve M4"
rm -f "$TMP/served.kubectl" "$TMP/served.aws"

mkdir -p "$XDG_CONFIG_HOME/cutover"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<EOF
drift:
  source_of_truth: {endpoint: "$aws_url", profile: sim}
EOF

status() {
    CUTOVER_DEBUG=1 "$CUTOVER_BIN" status --kubeconfig "$TMP/kubeconfig" --source a --target b \
        --timeout 30 "$@"
}
status --json --drift >"$TMP/status-json.out" 2>"$TMP/status-json.err"
[ $? -eq 1 ] || fail "status --json --drift exit"
status --drift >"$TMP/status-text.out" 2>"$TMP/status-text.err"
status --json >"$TMP/status-meta.out" 2>"$TMP/status-meta.err"

# the comparison happened (so the values were read and hashed) ...
$PY - "$TMP/status-json.out" <<'EOF' || fail "the drift was not found"
import json, sys
d = json.load(open(sys.argv[1]))["drift"]
items = {i["name"]: i for i in d["items"]}
assert items["db"]["state"] == "values-differ", items
assert items["db"]["keys"] == [{"key": "api", "state": "differs"}], items["db"]
e = d["external_secret_items"][0]
assert e["source_of_truth"] == "differs" and e["differing_keys"] == ["token"], e
EOF

# ... and no marker, nor its base64 or hex, is anywhere cutover wrote
files=("$TMP"/status-*.out "$TMP"/status-*.err)
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" -type f -print0 2>/dev/null)
[ -d "$XDG_STATE_HOME" ] && [ -n "$(find "$XDG_STATE_HOME" -type f)" ] || fail "no log file was written under XDG_STATE_HOME"
markers_absent "${files[@]}"
echo "searched ${#files[@]} files for ${#MARKERS[@]} markers: none found"
exit 0
