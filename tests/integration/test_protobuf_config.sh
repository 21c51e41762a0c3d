#!/usr/bin/env bash
# cutover asks for pods and nodes as Kubernetes protobuf, and `protobuf: false` in config.yaml
# makes every command ask for JSON only: `cutover status` against the demo simulator, whose admin
# /requests counts the protobuf answers it sent. The report is the same either way.
set -uo pipefail

: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/common.sh"
test_init

fail() { fail_dump "$*" 3000; }

sim_start_demo
protobuf_answers() { admin GET /requests | $PY -c 'import json,sys; print(json.load(sys.stdin)["protobuf"])'; }
# status NAME: runs `cutover status --json` into $TMP/NAME.out; prints the protobuf answers it got
status() {
    local before after
    before=$(protobuf_answers) || fail "GET /requests"
    "$CUTOVER_BIN" status --json --kubeconfig "$TMP/kubeconfig" --source onprem-prod \
        --target eks-prod --timeout 30 >"$TMP/$1.out" 2>"$TMP/$1.err"
    [ $? -eq 1 ] || fail "$1: status should exit 1 (the demo has findings)"
    after=$(protobuf_answers) || fail "GET /requests"
    echo $((after - before))
}

# the default: pods and nodes come back as protobuf (a list page each at least, per cluster)
n=$(status default)
[ "$n" -ge 4 ] || fail "default: $n protobuf answers, want pods and nodes of both clusters"

# protobuf: false: not one protobuf answer
mkdir -p "$XDG_CONFIG_HOME/cutover"
printf 'protobuf: false\n' >"$XDG_CONFIG_HOME/cutover/config.yaml"
n=$(status json)
[ "$n" -eq 0 ] || fail "protobuf: false: still $n protobuf answers"

# a bad value is an error with file:line:col, and the defaults are used
printf 'protobuf: maybe\n' >"$XDG_CONFIG_HOME/cutover/config.yaml"
n=$(status bad)
grep -q 'config.yaml:1:' "$TMP/bad.err" || fail "no file:line for protobuf: maybe"

# the same report both ways (the clusters' nodes, pods and workloads as the JSON path reads them)
$PY - "$TMP/default.out" "$TMP/json.out" <<'PY' || fail "the reports differ between protobuf and JSON"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def strip(d):
    if isinstance(d, dict):
        # times and latencies differ between two runs; everything read from the clusters may not
        return {k: strip(v) for k, v in d.items()
                if not (k.endswith("_at") or k.startswith("last_") or "latency" in k or k.startswith("age"))}
    if isinstance(d, list):
        return [strip(v) for v in d]
    return d
sa, sb = strip(a), strip(b)
if sa != sb:
    for k in sa:
        if sa.get(k) != sb.get(k):
            print("differs:", k, file=sys.stderr)
    sys.exit(1)
PY
echo "ok: protobuf by default ($n answers with protobuf: maybe -> defaults), JSON only with protobuf: false, same report"
