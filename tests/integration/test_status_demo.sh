#!/usr/bin/env bash
# `cutover status` against the simulator's demo pair: JSON and text report the versions, nodes by
# zone and role, workloads with ready/desired and the demo's findings (exit 1); a cluster that is
# down or a context that does not exist gives exit 2 and a one-line error naming it.
set -uo pipefail

: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/common.sh"
test_init

fail() { fail_dump "$*" 4000; }

sim_start_demo
ready=$SIM_READY
read -r src tgt admin src_url < <($PY -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["source"], r["target"], r["admin"], r["clusters"][r["source"]])' "$ready") ||
    fail "bad ready line: $ready"
[ "$src" = onprem-prod ] && [ "$tgt" = eks-prod ] || fail "demo contexts are $src/$tgt"

status() {
    "$CUTOVER_BIN" status --kubeconfig "$TMP/kubeconfig" "$@"
}

# ---- JSON: the demo's facts and findings, exit 1 ------------------------------------------------
status --json --source onprem-prod --target eks-prod --timeout 30 >"$TMP/json.out" 2>"$TMP/json.err"
rc=$?
[ "$rc" -eq 1 ] || fail "status --json exited $rc, want 1 (findings)"
$PY - "$TMP/json.out" <<'EOF' || fail "JSON checks"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema_version"] == 1 and doc["exit_code"] == 1, doc["exit_code"]
src, tgt = doc["clusters"]["source"], doc["clusters"]["target"]
assert src["context"] == "onprem-prod" and tgt["context"] == "eks-prod"
assert src["readable"] is True and tgt["readable"] is True, (src["error"], tgt["error"])
assert src["version"] == "v1.24.17", src["version"]
assert src["version_major"] == 1 and src["version_minor"] == 24
assert tgt["version"].startswith("v1.29.") and "eks" in tgt["version"], tgt["version"]
assert src["server"].startswith("https://127.0.0.1:"), src["server"]

def zones(c):
    assert c["nodes"] is not None and c["nodes"]["complete"], c["nodes"]
    return {z["zone"]: z for z in c["nodes"]["zones"]}

sz, tz = zones(src), zones(tgt)
# Source: all 3 control-plane nodes in us-east-1a, workers in us-east-1a and us-east-1b.
assert sz["us-east-1a"]["control_plane"]["total"] == 3, sz["us-east-1a"]
assert sum(z["control_plane"]["total"] for z in sz.values()) == 3
assert {z for z, v in sz.items() if v["worker"]["total"] > 0} == {"us-east-1a", "us-east-1b"}, sz
# Target: no control-plane nodes visible, workers in three zones.
assert sum(z["control_plane"]["total"] for z in tz.values()) == 0
assert {z for z, v in tz.items() if v["worker"]["total"] > 0} == {
    "us-east-1a", "us-east-1b", "us-east-1c"}, tz
for c in (src, tgt):
    n = c["nodes"]
    assert n["total"] == sum(z["control_plane"]["total"] + z["worker"]["total"] + z["other"]["total"]
                             for z in n["zones"])

wl = {(w["kind"], w["namespace"], w["name"]): w for w in doc["workloads"]}
api = wl.get(("Deployment", "shop", "api"))
assert api, sorted(wl)
for side in ("source", "target"):
    s = api[side]
    assert s["present"] is True, (side, s)
    assert isinstance(s["desired"], int) and isinstance(s["ready"], int), s
    assert isinstance(s["pods"], int) and s["pods"] >= 1, s
imgs = api["source"]["images"]
assert len(imgs) == 3 and all(any(w in i for i in imgs) for w in ("nginx", "php", "envoy")), imgs
co = wl.get(("Deployment", "shop", "checkout"))
assert co and co["status"] == "crit", co
assert co["target"]["ready"] < co["target"]["desired"] or co["target"]["crash_looping_pods"] > 0, co
fd = wl.get(("DaemonSet", "logging", "fluentd"))
assert fd and fd["source"]["present"] is True and fd["target"]["present"] is False, fd
assert isinstance(fd["source"]["ready"], int) and isinstance(fd["source"]["desired"], int)
assert doc["workloads"][0]["status"] == "crit"

f = doc["findings"]
def has(code, side, pred=lambda x: True):
    return any(x["code"] == code and x["side"] == side and pred(x) for x in f)
assert has("control-plane-single-zone", "source",
           lambda x: x["severity"] == "crit" and x["cluster"] == "onprem-prod"
           and x["message"].startswith("3 of 3 control-plane nodes in us-east-1a")), f
assert not has("control-plane-single-zone", "target")
assert has("pods-crash-looping", "target",
           lambda x: x["name"] == "checkout" and x["severity"] == "crit"
           and "CrashLoopBackOff" in x["message"]), f
assert has("daemonset-missing", "target",
           lambda x: x["name"] == "fluentd"
           and "logging agent fluentd missing on target" in x["message"]), f
assert not has("version-older", "target")
assert doc["summary"]["crit"] >= 3 and doc["summary"]["unreadable_clusters"] == 0
EOF
[ ! -s "$TMP/json.err" ] || fail "status --json wrote to stderr on success"

# ---- text: the same facts, exit 1 ---------------------------------------------------------------
status --source onprem-prod --target eks-prod --timeout 30 >"$TMP/text.out" 2>"$TMP/text.err"
rc=$?
[ "$rc" -eq 1 ] || fail "status (text) exited $rc, want 1"
$PY - "$TMP/text.out" <<'EOF' || fail "text checks"
import re, sys
t = open(sys.argv[1]).read()
assert "\x1b" not in t
assert re.search(r"^SOURCE  onprem-prod  https://127\.0\.0\.1:\d+  Kubernetes v1\.24\.17$", t, re.M), t
assert re.search(r"^TARGET  eks-prod  https://127\.0\.0\.1:\d+  Kubernetes v1\.29\.\S*eks", t, re.M), t
src = t.split("TARGET  ")[0]
# The source's zone row: 3/3 control-plane nodes in us-east-1a.
assert re.search(r"^    us-east-1a\s+3/3\s+\d+/\d+", src, re.M), src
tgt = t.split("TARGET  ")[1].split("WORKLOADS")[0]
assert "us-east-1c" in tgt and not re.search(r"us-east-1a\s+\d+/\d+\s+-", src)
assert re.search(r"^  CRIT  DaemonSet\s+logging/fluentd\s+\d+/\d+\s+missing", t, re.M), t
assert re.search(r"^  CRIT  Deployment\s+shop/checkout\s+\d+/\d+\s+\d+/\d+.*CrashLoopBackOff", t, re.M), t
assert re.search(r"^  \S+\s+Deployment\s+shop/api\s+\d+/\d+\s+\d+/\d+", t, re.M), t
assert re.search(r"CRIT  source onprem-prod\s+control-plane-single-zone\s+3 of 3 control-plane nodes in us-east-1a", t), t
assert "logging agent fluentd missing on target" in t
assert "exit 1: findings" in t
EOF

# ---- contexts, kubeconfig and the spread ratio from config.yaml (flags win) --------------------
# Move one source worker from us-east-1b to us-east-1a (4 vs 2 workers): not uneven for the
# default ratio 2.0, uneven for 1.5 from config.yaml.
moved=$($PY - "$TMP/kubeconfig" "$admin" <<'EOF'
import base64, json, ssl, sys, urllib.request, yaml
kc = yaml.safe_load(open(sys.argv[1]))
ctx = {c["name"]: c["context"] for c in kc["contexts"]}["onprem-prod"]
cl = {c["name"]: c["cluster"] for c in kc["clusters"]}[ctx["cluster"]]
user = {u["name"]: u["user"] for u in kc["users"]}[ctx["user"]]
tls = ssl.create_default_context(cadata=base64.b64decode(cl["certificate-authority-data"]).decode())
req = urllib.request.Request(cl["server"] + "/api/v1/nodes",
                             headers={"Authorization": "Bearer " + user["token"]})
nodes = json.load(urllib.request.urlopen(req, context=tls, timeout=10))["items"]
worker = sorted(n["metadata"]["name"] for n in nodes
                if n["metadata"]["labels"].get("topology.kubernetes.io/zone") == "us-east-1b"
                and not any("node-role" in k for k in n["metadata"]["labels"]))[0]
body = {"cluster": "onprem-prod", "op": "set-label", "name": worker,
        "key": "topology.kubernetes.io/zone", "value": "us-east-1a"}
urllib.request.urlopen(urllib.request.Request(sys.argv[2].rstrip("/") + "/mutate", method="POST",
                       data=json.dumps(body).encode(),
                       headers={"Content-Type": "application/json"}), timeout=10).read()
print(worker)
EOF
) || fail "could not move a source worker to us-east-1a"
uneven_on_source() { # FILE -> prints the source's zone-spread-uneven message, if any
    $PY - "$1" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
z = {x["zone"]: x["worker"]["total"] for x in doc["clusters"]["source"]["nodes"]["zones"]}
assert z == {"us-east-1a": 4, "us-east-1b": 2}, z
for f in doc["findings"]:
    if f["code"] == "zone-spread-uneven" and f["side"] == "source":
        print(f["message"])
EOF
}
status --json --source onprem-prod --target eks-prod --timeout 30 >"$TMP/moved.out" 2>/dev/null
[ $? -eq 1 ] || fail "after moving $moved: want exit 1"
msg=$(uneven_on_source "$TMP/moved.out") || fail "after moving $moved: zone counts"
[ -z "$msg" ] || fail "4 vs 2 workers is not more than 2.0x, yet: $msg"

mkdir -p "$XDG_CONFIG_HOME/cutover"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<EOF
source: onprem-prod
target: eks-prod
kubeconfig: $TMP/kubeconfig
zone_spread_ratio: 1.5
keys:
  x: quit
EOF
"$CUTOVER_BIN" status --json --timeout 30 >"$TMP/conf.out" 2>"$TMP/conf.err"
rc=$?
[ "$rc" -eq 1 ] || fail "status from config.yaml exited $rc, want 1"
[ ! -s "$TMP/conf.err" ] || fail "status from config.yaml wrote to stderr"
msg=$(uneven_on_source "$TMP/conf.out") || fail "config.yaml run: zone counts"
case "$msg" in
*"4 in us-east-1a, 2 in us-east-1b (more than 1.5x)"*) ;;
*) fail "config.yaml's zone_spread_ratio 1.5 not applied: '$msg'" ;;
esac
"$CUTOVER_BIN" status --timeout 30 --target no-such-ctx >"$TMP/conf2.out" 2>"$TMP/conf2.err"
[ $? -eq 2 ] || fail "--target should override config.yaml"
grep -q "target cluster no-such-ctx" "$TMP/conf2.err" || fail "--target did not win over config.yaml"
rm -f "$XDG_CONFIG_HOME/cutover/config.yaml"

# ---- a context that does not exist: exit 2 with the error ---------------------------------------
status --json --source no-such-ctx --target eks-prod --timeout 20 >"$TMP/badctx.out" 2>"$TMP/badctx.err"
rc=$?
[ "$rc" -eq 2 ] || fail "bad context exited $rc, want 2"
grep -q "source cluster no-such-ctx" "$TMP/badctx.err" || fail "bad context: no error naming it"
[ "$(grep -c . "$TMP/badctx.err")" -eq 1 ] || fail "bad context: want one line on stderr"
$PY - "$TMP/badctx.out" <<'EOF' || fail "bad context JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["exit_code"] == 2
assert doc["clusters"]["source"]["readable"] is False and doc["clusters"]["source"]["error"]
assert doc["clusters"]["target"]["readable"] is True
assert doc["clusters"]["target"]["version"].startswith("v1.29.")
assert doc["summary"]["unreadable_clusters"] == 1
EOF

# ---- a kubeconfig that cannot be read: both clusters unreadable, still a JSON document ----------
"$CUTOVER_BIN" status --json --kubeconfig "$TMP/missing.yaml" --source onprem-prod \
    --target eks-prod >"$TMP/nokc.out" 2>"$TMP/nokc.err"
rc=$?
[ "$rc" -eq 2 ] || fail "missing kubeconfig exited $rc, want 2"
grep -q "source cluster onprem-prod (no server) could not be read: cannot load kubeconfig: .*missing.yaml" \
    "$TMP/nokc.err" || fail "missing kubeconfig: no error naming the file"
[ "$(grep -c . "$TMP/nokc.err")" -eq 2 ] || fail "missing kubeconfig: want a line per cluster"
$PY - "$TMP/nokc.out" <<'EOF' || fail "missing kubeconfig JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["exit_code"] == 2 and doc["summary"]["unreadable_clusters"] == 2
assert [f["code"] for f in doc["findings"]] == ["cluster-unreadable"] * 2
assert doc["clusters"]["source"]["nodes"] is None and doc["workloads"] == []
EOF

# ---- the source down: exit 2, one line naming the cluster and its URL ---------------------------
$PY - "$admin" <<'EOF' || fail "could not inject the down fault"
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1].rstrip("/") + "/faults", method="POST",
                             data=json.dumps({"cluster": "onprem-prod", "fault": "down"}).encode(),
                             headers={"Content-Type": "application/json"})
assert "id" in json.load(urllib.request.urlopen(req, timeout=10))
EOF
start=$(date +%s)
status --source onprem-prod --target eks-prod --timeout 20 >"$TMP/down.out" 2>"$TMP/down.err"
rc=$?
[ "$rc" -eq 2 ] || fail "source down exited $rc, want 2"
[ $(($(date +%s) - start)) -le 40 ] || fail "source down: status did not respect --timeout"
grep -qF "source cluster onprem-prod ($src_url) could not be read" "$TMP/down.err" ||
    fail "source down: stderr does not name the cluster and $src_url"
[ "$(grep -c . "$TMP/down.err")" -eq 1 ] || fail "source down: want one line on stderr"
grep -q "^TARGET  eks-prod" "$TMP/down.out" || fail "source down: target not reported"
grep -q "exit 2: a cluster could not be read" "$TMP/down.out" || fail "source down: no exit line"

# ---- the target too slow for --timeout: exit 2 on time, naming what was not read ---------------
admin DELETE /faults >/dev/null || fail "could not clear faults"
admin POST /faults '{"cluster":"eks-prod","fault":"latency","ms":8000}' >/dev/null ||
    fail "could not inject latency"
start=$(date +%s)
status --source onprem-prod --target eks-prod --timeout 3 >"$TMP/slow.out" 2>"$TMP/slow.err"
rc=$?
elapsed=$(($(date +%s) - start))
[ "$rc" -eq 2 ] || fail "slow target exited $rc, want 2"
[ "$elapsed" -le 7 ] || fail "slow target: took ${elapsed}s with --timeout 3"
grep -q "target cluster eks-prod (https://127.0.0.1:[0-9]*) could not be read: .* within 3 s" \
    "$TMP/slow.err" || fail "slow target: stderr does not say what was not read in time"
grep -q "^SOURCE  onprem-prod  .*Kubernetes v1.24.17" "$TMP/slow.out" ||
    fail "slow target: source not reported"

# ---- faults cleared: back to exit 1 without anything else changing -----------------------------
admin DELETE /faults >/dev/null || fail "could not clear faults"
status --json --source onprem-prod --target eks-prod --timeout 30 >"$TMP/again.out" 2>"$TMP/again.err"
rc=$?
[ "$rc" -eq 1 ] || fail "after clearing faults exited $rc, want 1"

# ---- usage -------------------------------------------------------------------------------------
"$CUTOVER_BIN" status --help >"$TMP/help.out" 2>&1 || fail "status --help failed"
grep -q -- "--timeout SECONDS" "$TMP/help.out" || fail "--help lacks --timeout"
"$CUTOVER_BIN" status --source onprem-prod >"$TMP/usage.out" 2>"$TMP/usage.err"
[ $? -eq 2 ] || fail "missing --target should exit 2"
grep -q "required" "$TMP/usage.err" || fail "usage error not explained"

echo "PASS"
