#!/usr/bin/env bash
# cutover-sim is a Kubernetes API to real clients: kubectl v1.32 (each run with its own
# --cache-dir) and the Python kubernetes client, against the demo scenario and a generated one.
set -euo pipefail

SIM=${CUTOVER_SIM:?CUTOVER_SIM must name the cutover-sim binary}
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
[ -x "$SIM" ] || { echo "FAIL: $SIM is not executable" >&2; exit 1; }
[ -x "$KUBECTL" ] || { echo "FAIL: kubectl not found at $KUBECTL" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_sim_kubectl.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# start_sim NAME ARGS...: starts cutover-sim, waits for its ready line, sets KC/ADMIN.
start_sim() {
    local name=$1
    shift
    "$SIM" "$@" --write-kubeconfig "$tmp/$name.kubeconfig" >"$tmp/$name.ready" 2>"$tmp/$name.err" &
    pids+=($!)
    local pid=$!
    for _ in $(seq 1 200); do
        [ -s "$tmp/$name.ready" ] && break
        kill -0 "$pid" 2>/dev/null || fail "cutover-sim ($name) exited: $(cat "$tmp/$name.err")"
        sleep 0.1
    done
    [ -s "$tmp/$name.ready" ] || fail "cutover-sim ($name) printed no ready line in 20 s"
    KC=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kubeconfig"])' "$tmp/$name.ready")
    ADMIN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin"])' "$tmp/$name.ready")
    [ "$KC" = "$tmp/$name.kubeconfig" ] || fail "ready line names kubeconfig $KC"
}

k() { # k CACHE ARGS...: kubectl with its own cache dir
    local cache=$1
    shift
    "$KUBECTL" --kubeconfig "$KC" --cache-dir "$tmp/cache-$cache" --request-timeout=30s "$@"
}

# ---- the demo pair ------------------------------------------------------------------------------
start_sim demo --demo --no-churn
grep -q '"source": "onprem-prod"' "$tmp/demo.ready" || fail "ready line: $(cat "$tmp/demo.ready")"
grep -q '"target": "eks-prod"' "$tmp/demo.ready" || fail "ready line: $(cat "$tmp/demo.ready")"

# get nodes -o wide: roles, versions; zones through -L
k nodes1 --context onprem-prod get nodes -o wide -L topology.kubernetes.io/zone >"$tmp/nodes.src"
cat "$tmp/nodes.src"
head -1 "$tmp/nodes.src" | grep -q 'INTERNAL-IP.*OS-IMAGE.*CONTAINER-RUNTIME' ||
    fail "get nodes -o wide lacks the wide columns"
[ "$(tail -n +2 "$tmp/nodes.src" | wc -l)" -eq 9 ] || fail "onprem-prod: expected 9 nodes"
[ "$(awk 'NR>1 && $3=="control-plane" && $NF=="us-east-1a"' "$tmp/nodes.src" | wc -l)" -eq 3 ] ||
    fail "onprem-prod: expected 3 control-plane nodes, all in us-east-1a"
[ "$(awk 'NR>1 && $3=="<none>" && $NF=="us-east-1a"' "$tmp/nodes.src" | wc -l)" -eq 3 ] ||
    fail "onprem-prod: expected 3 workers in us-east-1a"
[ "$(awk 'NR>1 && $3=="<none>" && $NF=="us-east-1b"' "$tmp/nodes.src" | wc -l)" -eq 3 ] ||
    fail "onprem-prod: expected 3 workers in us-east-1b"
[ "$(awk 'NR>1 && $2=="Ready" && $5=="v1.24.17"' "$tmp/nodes.src" | wc -l)" -eq 9 ] ||
    fail "onprem-prod: every node should be Ready at v1.24.17"

k nodes2 --context eks-prod get nodes -o wide -L topology.kubernetes.io/zone >"$tmp/nodes.tgt"
cat "$tmp/nodes.tgt"
[ "$(tail -n +2 "$tmp/nodes.tgt" | wc -l)" -eq 6 ] || fail "eks-prod: expected 6 nodes"
! grep -q control-plane "$tmp/nodes.tgt" || fail "eks-prod shows a control-plane node"
for z in us-east-1a us-east-1b us-east-1c; do
    [ "$(awk -v z=$z 'NR>1 && $NF==z' "$tmp/nodes.tgt" | wc -l)" -eq 2 ] || fail "eks-prod: 2 nodes in $z expected"
done
[ "$(awk 'NR>1 && $5=="v1.29.10-eks-7f9249a"' "$tmp/nodes.tgt" | wc -l)" -eq 6 ] ||
    fail "eks-prod: every node should run v1.29.10-eks-7f9249a"

# get pods -A: the NAMESPACE column is filled (Table rows carry PartialObjectMetadata)
k pods1 --context onprem-prod get pods -A >"$tmp/pods.src"
head -1 "$tmp/pods.src" | grep -q '^NAMESPACE *NAME *READY *STATUS *RESTARTS *AGE' ||
    fail "get pods -A header: $(head -1 "$tmp/pods.src")"
# demo.yaml: coredns 2 + kube-proxy 9 + fluentd 9 + api 6 + checkout 4 + cart 3 + redis 3 + ledger 3
[ "$(tail -n +2 "$tmp/pods.src" | wc -l)" -eq 39 ] || fail "onprem-prod: expected 39 pods"
bad=$(awk 'NR>1 && $1 !~ /^(kube-system|logging|shop|payments)$/' "$tmp/pods.src")
[ -z "$bad" ] || fail "pods with a wrong or empty NAMESPACE column: $bad"
[ "$(awk 'NR>1 && $1=="shop" && $2 ~ /^api-/ && $3=="3/3" && $4=="Running"' "$tmp/pods.src" | wc -l)" -eq 6 ] ||
    fail "onprem-prod: 6 running api pods with 3/3 containers expected"
[ "$(awk 'NR>1 && $1=="logging" && $2 ~ /^fluentd-/' "$tmp/pods.src" | wc -l)" -eq 9 ] ||
    fail "onprem-prod: a fluentd pod per node expected"

k pods2 --context eks-prod get pods -A >"$tmp/pods.tgt"
# coredns 2 + kube-proxy 6 + aws-node 6 + api 4 + checkout 4 + cart 3
[ "$(tail -n +2 "$tmp/pods.tgt" | wc -l)" -eq 25 ] || fail "eks-prod: expected 25 pods"
[ "$(awk '$2 ~ /^checkout-/ && $4=="CrashLoopBackOff" && $3=="0/1"' "$tmp/pods.tgt" | wc -l)" -eq 3 ] ||
    fail "eks-prod: 3 crash-looping checkout pods expected"
! grep -q fluentd "$tmp/pods.tgt" || fail "eks-prod has fluentd pods"

# --chunk-size=50: every pod of the scenario, pages followed
k pods3 --context onprem-prod get pods -A --chunk-size=50 --no-headers >"$tmp/pods.chunk"
[ "$(wc -l <"$tmp/pods.chunk")" -eq 39 ] || fail "--chunk-size=50 on onprem-prod: expected 39 pods"
k pods4 --context onprem-prod get pods -A --chunk-size=7 --no-headers -v=6 >"$tmp/pods.chunk7" 2>"$tmp/pods.chunk7.log"
[ "$(wc -l <"$tmp/pods.chunk7")" -eq 39 ] || fail "--chunk-size=7: expected 39 pods"
[ "$(grep -c 'continue=' "$tmp/pods.chunk7.log")" -eq 5 ] ||
    fail "--chunk-size=7 over 39 pods should take 5 continued requests"
sort "$tmp/pods.chunk" | awk '{print $1, $2}' >"$tmp/a"
sort "$tmp/pods.chunk7" | awk '{print $1, $2}' >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "paged lists differ"

# get secrets -n shop: names, types and key counts (values are never shown by get)
k sec1 --context onprem-prod get secrets -n shop >"$tmp/secrets.src"
cat "$tmp/secrets.src"
grep -Eq '^db-credentials +Opaque +3 ' "$tmp/secrets.src" || fail "db-credentials row"
grep -Eq '^shop-tls +kubernetes.io/tls +2 ' "$tmp/secrets.src" || fail "shop-tls row"
grep -Eq '^stripe-api-key +Opaque +1 ' "$tmp/secrets.src" || fail "stripe-api-key row"
k sec2 --context eks-prod get secrets -n shop --no-headers >"$tmp/secrets.tgt"
[ "$(wc -l <"$tmp/secrets.tgt")" -eq 3 ] || fail "eks-prod: 3 secrets in shop expected"
! grep -q stripe-api-key "$tmp/secrets.tgt" || fail "stripe-api-key should be missing on eks-prod"

# get pods -w sees a change made through the admin API
pod=$(awk '$1=="shop" && $2 ~ /^api-/ {print $2; exit}' "$tmp/pods.src")
k watch1 --context onprem-prod get pods -n shop -w --output-watch-events >"$tmp/watch.out" 2>"$tmp/watch.err" &
wpid=$!
pids+=($wpid)
for _ in $(seq 1 100); do
    grep -q "$pod" "$tmp/watch.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "ADDED .*$pod" "$tmp/watch.out" || fail "watch did not list $pod first: $(cat "$tmp/watch.out" "$tmp/watch.err")"
curl -sf -X POST "$ADMIN/mutate" \
    -d "{\"cluster\":\"onprem-prod\",\"op\":\"restart-pod\",\"namespace\":\"shop\",\"name\":\"$pod\"}" >/dev/null ||
    fail "POST /mutate restart-pod"
curl -sf -X POST "$ADMIN/mutate" \
    -d "{\"cluster\":\"onprem-prod\",\"op\":\"delete-pod\",\"namespace\":\"shop\",\"name\":\"$pod\"}" >/dev/null ||
    fail "POST /mutate delete-pod"
for _ in $(seq 1 100); do
    grep -q "DELETED .*$pod" "$tmp/watch.out" && break
    sleep 0.1
done
cat "$tmp/watch.out" | tail -3
grep -Eq "MODIFIED +$pod +3/3 +Running +1 " "$tmp/watch.out" ||
    fail "watch did not show the restart of $pod: $(tail -3 "$tmp/watch.out")"
grep -q "DELETED .*$pod" "$tmp/watch.out" || fail "watch did not show the deletion of $pod"
kill "$wpid" 2>/dev/null || true

# a fault shows in kubectl, and clearing it heals
curl -sf -X POST "$ADMIN/faults" -d '{"cluster":"eks-prod","fault":"error","status":503,"path":"/api/v1/nodes"}' >/dev/null
if k fault1 --context eks-prod get nodes >"$tmp/fault.out" 2>&1; then
    fail "get nodes succeeded despite a 503 fault"
fi
grep -qi 'injected fault\|ServiceUnavailable\|unavailable' "$tmp/fault.out" || fail "503 not reported: $(cat "$tmp/fault.out")"
curl -sf -X DELETE "$ADMIN/faults" >/dev/null
k fault2 --context eks-prod get nodes --no-headers >/dev/null || fail "get nodes after clearing faults"

# no token: 401 with a Status object
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clusters"]["eks-prod"])' "$tmp/demo.ready")
code=$(curl -sk -o "$tmp/401.json" -w '%{http_code}' "$url/api/v1/pods")
[ "$code" = 401 ] || fail "no token gave HTTP $code"
grep -q '"kind":"Status"' "$tmp/401.json" && grep -q '"code":401' "$tmp/401.json" || fail "401 body: $(cat "$tmp/401.json")"

# request counters: mutations through the admin API are not API requests; kubectl's are GETs
req=$(curl -sf "$ADMIN/requests")
python3 - "$req" <<'PY' || fail "GET /requests: $req"
import json, sys
r = json.loads(sys.argv[1])
assert r["total"] > 20 and r["by_method"]["GET"] == r["total"] - r["mutating"], r
assert r["mutating"] == 0, r
assert set(r["by_cluster"]) == {"onprem-prod", "eks-prod"}, r
PY

# the Python kubernetes client (python3-kubernetes) lists pods, paged and whole
/usr/bin/python3 - "$KC" <<'PY' || fail "python kubernetes client"
import sys
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1], context="eks-prod")
v1 = client.CoreV1Api()
names, cont = [], None
while True:
    page = v1.list_pod_for_all_namespaces(limit=10, _continue=cont)
    names += [p.metadata.namespace + "/" + p.metadata.name for p in page.items]
    cont = page.metadata._continue
    if not cont:
        break
whole = v1.list_pod_for_all_namespaces()
assert len(names) == 25 == len(whole.items), (len(names), len(whole.items))
assert sorted(names) == sorted(p.metadata.namespace + "/" + p.metadata.name for p in whole.items)
crash = [p for p in whole.items if p.metadata.name.startswith("checkout-") and
         any(cs.state.waiting and cs.state.waiting.reason == "CrashLoopBackOff"
             for cs in p.status.container_statuses)]
assert len(crash) == 3, len(crash)
print("python: %d pods" % len(names))
PY

# ---- a generated scenario: more pods than one chunk -----------------------------------------------
cat >"$tmp/gen.yaml" <<'YAML'
clusters:
  - name: a
    version: v1.28.5
    nodes: [{role: worker, zone: eu-west-1a, count: 4}]
    workloads:
      - {kind: Deployment, namespace: web, name: front, replicas: 7, containers: [{image: nginx:1.25}]}
    size: {pods: 230, pods_per_workload: 10, namespaces: 3, nodes: 6, zones: [eu-west-1a, eu-west-1b]}
  - name: b
    version: v1.30.2
    nodes: [{role: worker, zone: eu-west-1a, count: 1}]
YAML
start_sim gen --scenario "$tmp/gen.yaml" --no-gzip
# --no-gzip: plain bodies even when gzip is asked for
tok=$(grep 'token: ' "$KC" | head -1 | awk '{print $2}')
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clusters"]["a"])' "$tmp/gen.ready")
curl -sk -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip' -D "$tmp/gen.h" -o "$tmp/gen.body" "$url/api/v1/pods"
! grep -qi '^content-encoding' "$tmp/gen.h" || fail "--no-gzip still compressed"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["items"]) == 237' "$tmp/gen.body" || fail "plain pod list"
k gen1 --context a get pods -A --chunk-size=50 --no-headers -v=6 >"$tmp/gen.pods" 2>"$tmp/gen.log"
[ "$(wc -l <"$tmp/gen.pods")" -eq 237 ] || fail "generated scenario: expected 7 + 230 pods, got $(wc -l <"$tmp/gen.pods")"
[ "$(grep -c 'continue=' "$tmp/gen.log")" -eq 4 ] || fail "237 pods in chunks of 50 take 4 continued requests"
[ "$(sort -u "$tmp/gen.pods" | wc -l)" -eq 237 ] || fail "a pod was listed twice"
k gen2 --context a get nodes --no-headers >"$tmp/gen.nodes"
[ "$(wc -l <"$tmp/gen.nodes")" -eq 10 ] || fail "generated scenario: expected 4 + 6 nodes"
echo "PASS"
