#!/usr/bin/env bash
# cutover-sim's Kubernetes API and admin API over the wire (curl): discovery forms, auth, pages,
# Table and metadata forms, watches (bookmarks, 410), writes with conflicts, patches, gzip, every
# fault, mutations, request counters, and a clean stop with a watch open.
set -euo pipefail

SIM=${CUTOVER_SIM:?CUTOVER_SIM must name the cutover-sim binary}
[ -x "$SIM" ] || { echo "FAIL: $SIM is not executable" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_sim_api.XXXXXX")
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

"$SIM" --demo --no-churn --bookmark-ms 200 --history 50 --write-kubeconfig "$tmp/kc" >"$tmp/ready" 2>"$tmp/err" &
sim_pid=$!
pids+=($sim_pid)
for _ in $(seq 1 200); do
    [ -s "$tmp/ready" ] && break
    kill -0 $sim_pid 2>/dev/null || fail "cutover-sim exited: $(cat "$tmp/err")"
    sleep 0.1
done
[ -s "$tmp/ready" ] || fail "no ready line"
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
SRC=$(jq_ "$tmp/ready" 'd["clusters"]["onprem-prod"]')
TGT=$(jq_ "$tmp/ready" 'd["clusters"]["eks-prod"]')
ADMIN=$(jq_ "$tmp/ready" 'd["admin"]')
case "$SRC$TGT$ADMIN" in *127.0.0.1*) ;; *) fail "not on loopback: $SRC $TGT $ADMIN" ;; esac
TOK=$(python3 - "$tmp/kc" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
# users are written in cluster order: onprem-prod first
print([l.split("token: ")[1] for l in lines if "token: " in l][0])
PY
)
TTOK=$(grep 'token: ' "$tmp/kc" | sed -n 2p | awk '{print $2}')
grep -q 'certificate-authority-data: ' "$tmp/kc" || fail "kubeconfig without CA"
python3 - "$tmp/kc" "$tmp/ca.pem" <<'PY'
import base64, sys
for l in open(sys.argv[1]):
    if "certificate-authority-data:" in l:
        open(sys.argv[2], "wb").write(base64.b64decode(l.split(":", 1)[1].strip()))
        break
PY

# c URL [curl args]: an authenticated request verified against the kubeconfig's CA
c() {
    local url=$1
    shift
    curl -sS --cacert "$tmp/ca.pem" -H "Authorization: Bearer $TOK" "$@" "$url"
}
code() { c "$@" -o "$tmp/body" -w '%{http_code}'; }
check() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $2, d" "$tmp/body" ||
    fail "$1: $(head -c 600 "$tmp/body")"; }

# ---- TLS, auth, version, discovery ----------------------------------------------------------------
curl -sS --cacert "$tmp/ca.pem" "$SRC/version" -o "$tmp/body" || fail "TLS with the kubeconfig CA"
check "version" 'd["gitVersion"] == "v1.24.17" and d["minor"] == "24"'
curl -sS --cacert "$tmp/ca.pem" "$TGT/version" -o "$tmp/body"
check "eks version" 'd["gitVersion"].startswith("v1.29.10-eks") and d["minor"] == "29+"'
[ "$(curl -sS --cacert "$tmp/ca.pem" -o "$tmp/body" -w '%{http_code}' "$SRC/api/v1/pods")" = 401 ] || fail "no token"
check "401" 'd["kind"] == "Status" and d["code"] == 401 and d["reason"] == "Unauthorized"'
[ "$(curl -sS --cacert "$tmp/ca.pem" -H "Authorization: Bearer $TTOK" -o /dev/null -w '%{http_code}' "$SRC/api/v1/pods")" = 401 ] ||
    fail "the target's token works on the source"

AGG='application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'
c "$SRC/api" -H "Accept: $AGG" -D "$tmp/h" -o "$tmp/body"
grep -qi '^content-type: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' "$tmp/h" ||
    fail "aggregated /api content type: $(cat "$tmp/h")"
check "aggregated /api" 'd["kind"] == "APIGroupDiscoveryList" and {r["resource"] for r in d["items"][0]["versions"][0]["resources"]} >= {"pods","nodes","namespaces","secrets","configmaps","services","events"}'
c "$SRC/apis" -H "Accept: $AGG" -o "$tmp/body"
check "aggregated /apis" '{g["metadata"]["name"] for g in d["items"]} == {"apps","coordination.k8s.io","events.k8s.io","external-secrets.io","gateway.networking.k8s.io"}'
c "$SRC/api" -o "$tmp/body"
check "legacy /api" 'd["kind"] == "APIVersions" and d["versions"] == ["v1"]'
c "$SRC/apis/apps/v1" -o "$tmp/body"
check "apps/v1" '{r["name"] for r in d["resources"]} >= {"deployments","statefulsets","daemonsets","replicasets"}'
[ "$(code "$SRC/apis/nope/v1")" = 404 ] || fail "unknown group"
check "404" 'd["kind"] == "Status" and d["reason"] == "NotFound"'

# ---- LIST pages, forms ------------------------------------------------------------------------------
total=0
cont=""
pages=0
while :; do
    c "$SRC/api/v1/pods?limit=10${cont:+&continue=$cont}" -o "$tmp/body"
    n=$(jq_ "$tmp/body" 'len(d["items"])')
    total=$((total + n))
    pages=$((pages + 1))
    cont=$(jq_ "$tmp/body" 'd["metadata"].get("continue", "")')
    if [ -n "$cont" ]; then
        check "remainingItemCount" "d['metadata']['remainingItemCount'] == 39 - $total"
    fi
    [ -n "$cont" ] || break
done
[ "$total" = 39 ] && [ "$pages" = 4 ] || fail "paged pods: $total in $pages pages"
[ "$(code "$SRC/api/v1/pods?limit=10&continue=garbage")" = 400 ] || fail "bad continue token"
check "bad token" 'd["kind"] == "Status" and d["code"] == 400'

c "$SRC/api/v1/nodes" -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' -o "$tmp/body"
check "nodes Table" 'd["kind"] == "Table" and [c["name"] for c in d["columnDefinitions"]][:5] == ["Name","Status","Roles","Age","Version"] and len(d["rows"]) == 9 and all(r["object"]["kind"] == "PartialObjectMetadata" and "topology.kubernetes.io/zone" in r["object"]["metadata"]["labels"] for r in d["rows"])'
c "$SRC/api/v1/namespaces/shop/secrets" -H 'Accept: application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' -o "$tmp/body"
check "secrets metadata" 'd["kind"] == "PartialObjectMetadataList" and len(d["items"]) == 4 and all("data" not in i for i in d["items"])'
c "$SRC/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi" -o "$tmp/body"
check "labelSelector" 'len(d["items"]) == 6'
node=$(jq_ "$tmp/body" 'd["items"][0]["spec"]["nodeName"]')
c "$SRC/api/v1/pods?fieldSelector=spec.nodeName%3D$node" -o "$tmp/body"
check "fieldSelector" "len(d['items']) >= 3 and all(p['spec']['nodeName'] == '$node' for p in d['items'])"
[ "$(code "$SRC/api/v1/pods?fieldSelector=status.phase%3DRunning")" = 400 ] || fail "unsupported fieldSelector"
c "$SRC/apis/apps/v1/namespaces/shop/deployments/api" -o "$tmp/body"
check "GET deployment" 'd["kind"] == "Deployment" and d["spec"]["replicas"] == 6 and [c["name"] for c in d["spec"]["template"]["spec"]["containers"]] == ["nginx","php-fpm","envoy"]'
[ "$(code "$SRC/apis/apps/v1/namespaces/shop/deployments/nope")" = 404 ] || fail "missing deployment"
check "404 details" 'd["details"]["name"] == "nope" and d["details"]["kind"] == "deployments"'

# gzip when asked
c "$SRC/api/v1/pods" -H 'Accept-Encoding: gzip' -D "$tmp/h" -o "$tmp/body.gz"
grep -qi '^content-encoding: gzip' "$tmp/h" || fail "no gzip"
gunzip -c "$tmp/body.gz" >"$tmp/body" || fail "gzip body does not decode"
check "gzip body" 'len(d["items"]) == 39'

# ---- writes: leases and configmaps, conflicts, patches -----------------------------------------------
L="$SRC/apis/coordination.k8s.io/v1/namespaces/shop/leases"
[ "$(code "$L" -X POST -H 'Content-Type: application/json' -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"cutover-lock"},"spec":{"holderIdentity":"a"}}')" = 201 ] ||
    fail "create lease: $(cat "$tmp/body")"
rv1=$(jq_ "$tmp/body" 'd["metadata"]["resourceVersion"]')
[ "$(code "$L" -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"cutover-lock"}}')" = 409 ] || fail "duplicate create"
check "AlreadyExists" 'd["reason"] == "AlreadyExists"'
[ "$(code "$L/cutover-lock" -X PUT -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"cutover-lock\",\"resourceVersion\":\"$rv1\"},\"spec\":{\"holderIdentity\":\"b\"}}")" = 200 ] ||
    fail "update lease: $(cat "$tmp/body")"
check "updated" 'd["spec"]["holderIdentity"] == "b"'
[ "$(code "$L/cutover-lock" -X PUT -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"cutover-lock\",\"resourceVersion\":\"$rv1\"},\"spec\":{\"holderIdentity\":\"c\"}}")" = 409 ] ||
    fail "stale update was not a conflict"
check "Conflict" 'd["reason"] == "Conflict" and "the object has been modified" in d["message"]'
[ "$(code "$L/cutover-lock" -X PATCH -H 'Content-Type: application/merge-patch+json' -d "{\"metadata\":{\"resourceVersion\":\"$rv1\"},\"spec\":{\"holderIdentity\":\"d\"}}")" = 409 ] ||
    fail "stale merge patch was not a conflict"
[ "$(code "$L/cutover-lock" -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"holderIdentity":"e","leaseDurationSeconds":15}}')" = 200 ] ||
    fail "merge patch"
check "merge patched" 'd["spec"] == {"holderIdentity":"e","leaseDurationSeconds":15}'
D="$SRC/apis/apps/v1/namespaces/shop/deployments/api"
[ "$(code "$D" -X PATCH -H 'Content-Type: application/json-patch+json' -d '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels/tier","value":"web"}]')" = 200 ] ||
    fail "json patch: $(cat "$tmp/body")"
check "json patched" 'd["spec"]["replicas"] == 2 and d["metadata"]["labels"]["tier"] == "web"'
c "$SRC/apis/apps/v1/namespaces/shop/deployments" -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' -o "$tmp/body"
check "Table follows the patch" '[r["cells"][1] for r in d["rows"] if r["cells"][0] == "api"] == ["6/2"]'
[ "$(code "$D" -X PATCH -H 'Content-Type: application/apply-patch+yaml' -d 'x: 1')" = 415 ] || fail "apply patch should be 415"
[ "$(code "$D" -X PATCH -H 'Content-Type: application/json-patch+json' -d '[{"op":"replace","path":"/nope/x","value":1}]')" = 422 ] ||
    fail "bad json patch should be 422"
CM="$SRC/api/v1/namespaces/shop/configmaps"
[ "$(code "$CM" -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"flags"},"data":{"a":"1"}}')" = 201 ] || fail "create configmap"
cmrv=$(jq_ "$tmp/body" 'd["metadata"]["resourceVersion"]')
[ "$(code "$CM/flags" -X PATCH -H 'Content-Type: application/strategic-merge-patch+json' -d '{"data":{"b":"2"}}')" = 200 ] || fail "strategic patch"
check "strategic as merge" 'd["data"] == {"a":"1","b":"2"}'
[ "$(code "$CM/flags" -X DELETE -H 'Content-Type: application/json' -d "{\"preconditions\":{\"resourceVersion\":\"$cmrv\"}}")" = 409 ] ||
    fail "delete with a stale precondition"
[ "$(code "$CM/flags" -X DELETE)" = 200 ] || fail "delete configmap"
[ "$(code "$CM/flags")" = 404 ] || fail "deleted configmap still there"

# ---- watches ------------------------------------------------------------------------------------------
rv=$(c "$SRC/api/v1/namespaces/shop/configmaps" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
c "$SRC/api/v1/namespaces/shop/configmaps?watch=true&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=5" -N -o "$tmp/watch" &
wpid=$!
pids+=($wpid)
sleep 0.5
code "$CM" -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"w1"},"data":{}}' >/dev/null
code "$CM/w1" -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"data":{"x":"y"}}' >/dev/null
code "$CM/w1" -X DELETE >/dev/null
code "$SRC/api/v1/namespaces/payments/configmaps" -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"other-ns"}}' >/dev/null
wait $wpid || true
python3 - "$tmp/watch" <<'PY' || fail "watch stream: $(cat "$tmp/watch")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
types = [e["type"] for e in ev if e["type"] != "BOOKMARK"]
assert types == ["ADDED", "MODIFIED", "DELETED"], types
assert all(e["object"]["metadata"]["name"] == "w1" for e in ev if e["type"] != "BOOKMARK")
rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in ev if e["type"] != "BOOKMARK"]
assert rvs == sorted(rvs) and len(set(rvs)) == 3, rvs
assert any(e["type"] == "BOOKMARK" for e in ev), "no bookmark"
PY
c "$SRC/api/v1/pods?watch=true&resourceVersion=1" -N -m 5 -o "$tmp/watch" || true
python3 - "$tmp/watch" <<'PY' || fail "watch from an old version: $(cat "$tmp/watch")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(ev) == 1 and ev[0]["type"] == "ERROR" and ev[0]["object"]["code"] == 410, ev
assert ev[0]["object"]["reason"] == "Expired"
PY
c "$SRC/api/v1/namespaces/kube-system/pods?watch=1" -N -m 2 -o "$tmp/watch" 2>/dev/null || true
[ "$(grep -c '"type":"ADDED"' "$tmp/watch")" = 11 ] || fail "a watch without a version starts with ADDED for each pod"
c "$SRC/api/v1/namespaces/kube-system/pods?watch=1" --compressed -D "$tmp/h" -N -m 2 -o "$tmp/watch" 2>/dev/null || true
grep -qi '^content-encoding: gzip' "$tmp/h" || fail "gzip watch not compressed"
[ "$(grep -c '"type":"ADDED"' "$tmp/watch")" = 11 ] || fail "a gzip watch delivers every event at once"

# ---- faults ---------------------------------------------------------------------------------------------
fault() { curl -sSf -X POST "$ADMIN/faults" -d "$1" >/dev/null || fail "POST /faults $1"; }
fault '{"cluster":"onprem-prod","fault":"429","retry_after":7,"count":1}'
[ "$(code "$SRC/api/v1/nodes" -D "$tmp/h")" = 429 ] || fail "429 fault"
grep -qi '^retry-after: 7' "$tmp/h" || fail "no Retry-After"
[ "$(code "$SRC/api/v1/nodes")" = 200 ] || fail "count=1 fault did not expire"
fault '{"cluster":"onprem-prod","fault":"error","status":503,"path":"/api/v1/nodes","count":2}'
[ "$(code "$SRC/api/v1/namespaces")" = 200 ] || fail "path filter"
[ "$(code "$SRC/api/v1/nodes")" = 503 ] || fail "503 fault"
check "503 Status" 'd["kind"] == "Status" and d["code"] == 503'
curl -sSf -X DELETE "$ADMIN/faults" >/dev/null
fault '{"cluster":"onprem-prod","fault":"truncate","path":"/api/v1/pods","count":1}'
[ "$(code "$SRC/api/v1/pods")" = 200 ] || fail "truncate keeps the status"
! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/body" 2>/dev/null || fail "truncated body parsed"
fault '{"cluster":"onprem-prod","fault":"drop","path":"/api/v1/pods","count":1}'
if c "$SRC/api/v1/pods" -o /dev/null 2>/dev/null; then fail "dropped connection looked complete"; fi
fault '{"cluster":"onprem-prod","fault":"latency","ms":700,"count":1}'
t=$(c "$SRC/version" -o /dev/null -w '%{time_total}')
python3 -c "import sys; assert float(sys.argv[1]) >= 0.7" "$t" || fail "latency fault: $t s"
fault '{"cluster":"eks-prod","fault":"down","count":1}'
if curl -sS --cacert "$tmp/ca.pem" -m 5 "$TGT/version" -o /dev/null 2>/dev/null; then fail "down fault"; fi
curl -sS --cacert "$tmp/ca.pem" "$TGT/version" -o /dev/null || fail "down fault with count 1 did not end"
fault '{"cluster":"onprem-prod","fault":"list410"}'
c "$SRC/api/v1/pods?limit=5" -o "$tmp/body"
cont=$(jq_ "$tmp/body" 'd["metadata"]["continue"]')
[ "$(code "$SRC/api/v1/pods?limit=5&continue=$cont")" = 410 ] || fail "list410"
check "list410 Status" 'd["reason"] == "Expired" and d["code"] == 410'
fault '{"cluster":"onprem-prod","fault":"watch410","count":1}'
c "$SRC/api/v1/pods?watch=true&resourceVersion=$rv" -N -m 5 -o "$tmp/watch" || true
grep -q '"type":"ERROR".*"code":410' "$tmp/watch" || fail "watch410: $(cat "$tmp/watch")"
curl -sSf "$ADMIN/faults" | grep -q '"fault":"list410"' || fail "GET /faults"
curl -sSf -X DELETE "$ADMIN/faults" >/dev/null
[ "$(curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$ADMIN/faults" -d '{"fault":"explode"}')" = 400 ] || fail "bad fault accepted"
grep -q 'unknown fault' "$tmp/body" || fail "bad fault message"

# ---- mutations ------------------------------------------------------------------------------------------
mut() { curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$ADMIN/mutate" -d "$1"; }
[ "$(mut '{"cluster":"eks-prod","op":"scale","namespace":"shop","name":"cart","replicas":5}')" = 200 ] || fail "scale: $(cat "$tmp/body")"
TOK=$TTOK c "$TGT/api/v1/namespaces/shop/pods?labelSelector=app%3Dcart" -o "$tmp/body"
check "scaled pods" 'len(d["items"]) == 5'
TOK=$TTOK c "$TGT/apis/apps/v1/namespaces/shop/deployments/cart" -o "$tmp/body"
check "scaled deployment" 'd["spec"]["replicas"] == 5 and d["status"]["readyReplicas"] == 5'
n1=$(TOK=$TTOK c "$TGT/api/v1/nodes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["metadata"]["name"])')
[ "$(mut "{\"cluster\":\"eks-prod\",\"op\":\"node-ready\",\"name\":\"$n1\",\"ready\":false}")" = 200 ] || fail "node-ready"
[ "$(mut "{\"cluster\":\"eks-prod\",\"op\":\"set-label\",\"name\":\"$n1\",\"key\":\"cutover/drain\",\"value\":\"yes\"}")" = 200 ] || fail "set-label"
TOK=$TTOK c "$TGT/api/v1/nodes/$n1" -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' -o "$tmp/body"
check "node NotReady" 'd["rows"][0]["cells"][1] == "NotReady" and d["rows"][0]["object"]["metadata"]["labels"]["cutover/drain"] == "yes"'
[ "$(mut '{"cluster":"eks-prod","op":"add-event","namespace":"shop","type":"Warning","reason":"FailedMount","object":"Pod/x","message":"m"}')" = 200 ] || fail "add-event"
TOK=$TTOK c "$TGT/api/v1/namespaces/shop/events?fieldSelector=metadata.namespace%3Dshop" -o "$tmp/body"
check "event added" 'any(e["reason"] == "FailedMount" and e["type"] == "Warning" for e in d["items"])'
[ "$(mut '{"cluster":"eks-prod","op":"teleport"}')" = 400 ] || fail "unknown op accepted"
[ "$(mut '{"cluster":"nowhere","op":"scale"}')" = 400 ] || fail "unknown cluster accepted"

# ---- counters -------------------------------------------------------------------------------------------
curl -sSf -X DELETE "$ADMIN/requests" >/dev/null
code "$SRC/api/v1/nodes" >/dev/null
code "$CM" -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"count"}}' >/dev/null
code "$CM/count" -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"data":{"a":"b"}}' >/dev/null
code "$CM/count" -X DELETE >/dev/null
curl -sSf "$ADMIN/requests" -o "$tmp/body"
check "requests" 'd["total"] == 4 and d["mutating"] == 3 and d["by_method"] == {"GET":1,"POST":1,"PATCH":1,"DELETE":1} and d["by_cluster"]["onprem-prod"] == {"total":4,"mutating":3} and d["by_cluster"]["eks-prod"]["total"] == 0'

# ---- a clean stop with a watch open ----------------------------------------------------------------------
c "$SRC/api/v1/pods?watch=true" -N -o /dev/null 2>/dev/null &
pids+=($!)
sleep 0.3
kill -TERM $sim_pid
for _ in $(seq 1 50); do
    kill -0 $sim_pid 2>/dev/null || break
    sleep 0.1
done
! kill -0 $sim_pid 2>/dev/null || fail "cutover-sim did not stop on SIGTERM within 5 s"
wait $sim_pid || fail "cutover-sim exited with $? on SIGTERM"
echo PASS
