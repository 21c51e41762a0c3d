#!/usr/bin/env bash
# cutover-sim answers Kubernetes protobuf (application/vnd.kubernetes.protobuf) for pods and nodes
# as kube-apiserver does, asked with curl and decoded by an independent protobuf wire reader
# (python, below; not cutover's code): list pages with continue tokens and selectors, one object,
# watch frames (ADDED, BOOKMARK, ERROR 410), errors as protobuf Status, JSON where protobuf is not
# served (Table, other resources), 406, the faults, and the request counter. Every decoded list
# is checked against the JSON answer to the same request.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
test_init
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$CUTOVER_SIM" --demo --no-churn --bookmark-ms 200 --history 50 \
    --write-kubeconfig "$TMP/kubeconfig" >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
for _ in $(seq 1 300); do
    grep -q '"admin".*}' "$TMP/sim.out" 2>/dev/null && break
    kill -0 "$SIM_PID" 2>/dev/null || fail "cutover-sim exited: $(cat "$TMP/sim.err")"
    sleep 0.1
done
grep -q '"admin".*}' "$TMP/sim.out" || fail "no ready line"
SIM_READY=$(head -n 1 "$TMP/sim.out")
ADMIN=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["admin"])' "$SIM_READY")
URL=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["clusters"]["onprem-prod"])' "$SIM_READY")
case "$URL" in https://127.0.0.1:*) ;; *) fail "not on loopback: $URL" ;; esac
TOK=$(grep 'token: ' "$TMP/kubeconfig" | sed -n 1p | awk '{print $2}')
/usr/bin/python3 - "$TMP/kubeconfig" "$TMP/ca.pem" <<'PY'
import base64, sys
for l in open(sys.argv[1]):
    if "certificate-authority-data:" in l:
        open(sys.argv[2], "wb").write(base64.b64decode(l.split(":", 1)[1].strip()))
        break
PY

PB=application/vnd.kubernetes.protobuf
# get PATH ACCEPT OUT: the body in OUT, the headers in OUT.h; prints the HTTP status
get() {
    curl -sS --cacert "$TMP/ca.pem" -H "Authorization: Bearer $TOK" -H "Accept: $2" \
        -D "$3.h" -o "$3" -w '%{http_code}' "$URL$1"
}
ctype() { grep -i '^content-type:' "$1.h" | tr -d '\r' | cut -d' ' -f2-; }

# The independent reader: protobuf wire format, the "k8s\0" + runtime.Unknown envelope, and the
# few k8s fields checked here (numbers from k8s.io/api core/v1 and apimachinery's generated.proto).
cat >"$TMP/pb.py" <<'PY'
import json, sys

def varint(b, i):
    v = s = 0
    while True:
        if i >= len(b):
            raise ValueError("truncated varint")
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if not c & 0x80:
            return v, i

def fields(b):
    """[(number, value)] of a message; value: int (varint), bytes (length-delimited)."""
    out, i = [], 0
    while i < len(b):
        tag, i = varint(b, i)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            if i + n > len(b):
                raise ValueError("field %d: %d bytes past the end" % (num, i + n - len(b)))
            v = b[i:i + n]; i += n
        elif wt == 1:
            v = b[i:i + 8]; i += 8
        elif wt == 5:
            v = b[i:i + 4]; i += 4
        else:
            raise ValueError("wire type %d" % wt)
        out.append((num, v))
    if i != len(b):
        raise ValueError("message overruns its length")
    return out

def first(fs, num, default=None):
    for n, v in fs:
        if n == num:
            return v
    return default

def unwrap(b):
    """envelope -> (apiVersion, kind, raw)"""
    if b[:4] != b"k8s\0":
        raise ValueError("no k8s envelope: %r" % b[:8])
    u = fields(b[4:])
    tm = fields(first(u, 1))
    if first(u, 3) != b"" or first(u, 4) != b"":
        raise ValueError("contentEncoding/contentType not empty")
    return first(tm, 1).decode(), first(tm, 2).decode(), first(u, 2)

def meta(obj_raw):
    """ObjectMeta of a Pod/Node message: (namespace, name, resourceVersion)"""
    m = fields(first(fields(obj_raw), 1))
    return (first(m, 3).decode(), first(m, 1).decode(), first(m, 6).decode())

def list_doc(path):
    av, kind, raw = unwrap(open(path, "rb").read())
    fs = fields(raw)
    lm = fields(first(fs, 1))
    return {"apiVersion": av, "kind": kind,
            "resourceVersion": first(lm, 2).decode(), "continue": first(lm, 3).decode(),
            "remaining": first(lm, 4),
            "items": [meta(v) for n, v in fs if n == 2]}

def watch_events(path):
    b, i, evs = open(path, "rb").read(), 0, []
    while i < len(b):
        if i + 4 > len(b):
            raise ValueError("partial frame header")
        n = int.from_bytes(b[i:i + 4], "big"); i += 4
        if i + n > len(b):
            raise ValueError("partial frame")
        ev = fields(b[i:i + n]); i += n
        raw = first(fields(first(ev, 2)), 1)
        av, kind, obj = unwrap(raw)
        evs.append((first(ev, 1).decode(), av, kind, obj))
    return evs

def status(obj):
    fs = fields(obj)
    return {"status": first(fs, 2).decode(), "message": first(fs, 3).decode(),
            "reason": first(fs, 4).decode(), "code": first(fs, 6)}

cmd = sys.argv[1]
if cmd == "list":
    print(json.dumps(list_doc(sys.argv[2])))
elif cmd == "object":
    av, kind, raw = unwrap(open(sys.argv[2], "rb").read())
    print(json.dumps({"apiVersion": av, "kind": kind,
                      "meta": status(raw) if kind == "Status" else meta(raw)}))
elif cmd == "watch":
    out = []
    for t, av, kind, obj in watch_events(sys.argv[2]):
        out.append({"type": t, "apiVersion": av, "kind": kind,
                    "meta": status(obj) if kind == "Status" else meta(obj)})
    print(json.dumps(out))
PY
pb() { /usr/bin/python3 "$TMP/pb.py" "$@"; }
# py EXPR FILE...: evaluates EXPR with a = json of the first file, b = of the second
py() {
    local e=$1
    shift
    /usr/bin/python3 -c "import json,sys
f=[json.load(open(p)) for p in sys.argv[1:]]
a=f[0]; b=f[1] if len(f)>1 else None
print($e)" "$@"
}

# ---- list: every page of pods with limit/continue, against the JSON pages ---------------------
cont=""
page=0
: >"$TMP/pb_names"
: >"$TMP/json_names"
while :; do
    q="/api/v1/pods?limit=4"
    [ -n "$cont" ] && q="$q&continue=$cont"
    code=$(get "$q" "$PB,application/json" "$TMP/p$page.pb")
    [ "$code" = 200 ] || fail "page $page: HTTP $code"
    [ "$(ctype "$TMP/p$page.pb")" = "$PB" ] || fail "page $page: Content-Type $(ctype "$TMP/p$page.pb")"
    pb list "$TMP/p$page.pb" >"$TMP/p$page.json" || fail "page $page does not decode"
    code=$(get "$q" "application/json" "$TMP/j$page.json")
    [ "$code" = 200 ] || fail "JSON page $page: HTTP $code"
    [ "$(py 'a["kind"]+" "+a["apiVersion"]' "$TMP/p$page.json")" = "PodList v1" ] ||
        fail "page $page: envelope $(py 'a["kind"]' "$TMP/p$page.json")"
    # the same page: names, resourceVersions, continue token, remainingItemCount
    same=$(py '[i[0]+"/"+i[1]+"@"+i[2] for i in a["items"]]==[i["metadata"]["namespace"]+"/"+i["metadata"]["name"]+"@"+i["metadata"]["resourceVersion"] for i in b["items"]] and a["continue"]==b["metadata"].get("continue","") and a["remaining"]==b["metadata"].get("remainingItemCount") and a["resourceVersion"]==b["metadata"]["resourceVersion"]' \
        "$TMP/p$page.json" "$TMP/j$page.json")
    [ "$same" = True ] || fail "page $page differs from JSON: $(cat "$TMP/p$page.json")"
    py '"\n".join(i[0]+"/"+i[1] for i in a["items"])' "$TMP/p$page.json" >>"$TMP/pb_names"
    cont=$(py 'a["continue"]' "$TMP/p$page.json")
    page=$((page + 1))
    [ -z "$cont" ] && break
    [ $page -lt 100 ] || fail "paging does not end"
done
get "/api/v1/pods" "application/json" "$TMP/all.json" >/dev/null
py '"\n".join(i["metadata"]["namespace"]+"/"+i["metadata"]["name"] for i in a["items"])' \
    "$TMP/all.json" >"$TMP/json_names"
[ "$page" -ge 3 ] || fail "only $page pages"
diff <(grep . "$TMP/pb_names") "$TMP/json_names" >/dev/null ||
    fail "paged protobuf pods differ from the JSON list: $(diff <(grep . "$TMP/pb_names") "$TMP/json_names" | head)"
npods=$(grep -c . "$TMP/json_names")
[ "$npods" -gt 10 ] || fail "only $npods pods"

# nodes, one whole list; a namespace, a label and a field selector as in JSON
code=$(get "/api/v1/nodes" "$PB" "$TMP/nodes.pb")
[ "$code" = 200 ] || fail "nodes: HTTP $code"
get "/api/v1/nodes" "application/json" "$TMP/nodes.json" >/dev/null
pb list "$TMP/nodes.pb" >"$TMP/nodes.d"
[ "$(py 'a["kind"]+" "+str(len(a["items"]))+" "+str(a["remaining"])' "$TMP/nodes.d")" = \
    "NodeList $(py 'len(a["items"])' "$TMP/nodes.json") None" ] ||
    fail "nodes: $(cat "$TMP/nodes.d") against $(py 'len(a["items"])' "$TMP/nodes.json") in JSON"
node=$(py 'a["items"][-1]["metadata"]["name"]' "$TMP/nodes.json")
for q in "/api/v1/namespaces/shop/pods" "/api/v1/pods?labelSelector=app%3Dapi" \
    "/api/v1/pods?fieldSelector=spec.nodeName%3D$node"; do
    get "$q" "$PB" "$TMP/sel.pb" >/dev/null
    get "$q" "application/json" "$TMP/sel.json" >/dev/null
    pb list "$TMP/sel.pb" >"$TMP/sel.d"
    [ "$(py '[i[1] for i in a["items"]]==[i["metadata"]["name"] for i in b["items"]]' "$TMP/sel.d" "$TMP/sel.json")" = True ] ||
        fail "$q: protobuf $(cat "$TMP/sel.d") against JSON"
done
[ "$(py 'len(a["items"])' "$TMP/sel.d")" -lt "$npods" ] || fail "the field selector selected everything"

# gzip: the same protobuf, compressed
curl -sS --compressed --cacert "$TMP/ca.pem" -H "Authorization: Bearer $TOK" -H "Accept: $PB" \
    -D "$TMP/gz.pb.h" -o "$TMP/gz.pb" "$URL/api/v1/pods"
grep -qi '^content-encoding: gzip' "$TMP/gz.pb.h" || fail "no gzip for a protobuf list"
[ "$(py 'len(a["items"])' <(pb list "$TMP/gz.pb"))" = "$npods" ] || fail "gzip protobuf list"

# ---- one object, and errors as protobuf Status --------------------------------------------------
first=$(head -n 1 "$TMP/json_names")
code=$(get "/api/v1/namespaces/${first%%/*}/pods/${first#*/}" "$PB" "$TMP/one.pb")
[ "$code" = 200 ] && [ "$(ctype "$TMP/one.pb")" = "$PB" ] || fail "get: HTTP $code $(ctype "$TMP/one.pb")"
[ "$(py 'a["kind"]+" "+a["meta"][0]+"/"+a["meta"][1]' <(pb object "$TMP/one.pb"))" = "Pod $first" ] ||
    fail "get: $(pb object "$TMP/one.pb")"
code=$(get "/api/v1/namespaces/shop/pods/no-such-pod" "$PB" "$TMP/nf.pb")
[ "$code" = 404 ] && [ "$(ctype "$TMP/nf.pb")" = "$PB" ] || fail "404: HTTP $code $(ctype "$TMP/nf.pb")"
[ "$(py 'a["kind"]+" "+a["meta"]["reason"]+" "+str(a["meta"]["code"])' <(pb object "$TMP/nf.pb"))" = \
    "Status NotFound 404" ] || fail "404 body: $(pb object "$TMP/nf.pb")"
code=$(get "/api/v1/pods?continue=garbage" "$PB" "$TMP/bad.pb")
[ "$code" = 400 ] && [ "$(py 'a["kind"]' <(pb object "$TMP/bad.pb"))" = Status ] ||
    fail "bad continue: HTTP $code"

# ---- watch: the current pods as ADDED frames, bookmarks, and a 410 ERROR frame -------------------
code=$(get "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=1" \
    "$PB,application/json" "$TMP/w.pb")
[ "$code" = 200 ] || fail "watch: HTTP $code"
[ "$(ctype "$TMP/w.pb")" = "$PB;stream=watch" ] || fail "watch: Content-Type $(ctype "$TMP/w.pb")"
pb watch "$TMP/w.pb" >"$TMP/w.d" || fail "watch frames do not decode"
get "/api/v1/namespaces/shop/pods" "application/json" "$TMP/shop.json" >/dev/null
[ "$(py 'sorted(e["meta"][1] for e in a if e["type"]=="ADDED")==sorted(i["metadata"]["name"] for i in b["items"]) and all(e["kind"]=="Pod" and e["apiVersion"]=="v1" for e in a if e["type"]=="ADDED")' "$TMP/w.d" "$TMP/shop.json")" = True ] ||
    fail "watch ADDED frames: $(head -c 600 "$TMP/w.d")"
[ "$(py 'sum(1 for e in a if e["type"]=="BOOKMARK" and e["kind"]=="Pod" and e["meta"][2].isdigit())>0' "$TMP/w.d")" = True ] ||
    fail "no BOOKMARK frame in a 1 s watch with bookmarks every 200 ms"
get "/api/v1/pods?watch=true&resourceVersion=1" "$PB" "$TMP/w410.pb" >/dev/null
[ "$(py '[(e["type"],e["kind"],e["meta"]["code"],e["meta"]["reason"]) for e in a]' <(pb watch "$TMP/w410.pb"))" = \
    "[('ERROR', 'Status', 410, 'Expired')]" ] || fail "watch from rv 1: $(pb watch "$TMP/w410.pb")"

# ---- JSON where protobuf is not served; 406 when nothing acceptable ------------------------------
code=$(get "/api/v1/pods?limit=1" "$PB;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json" "$TMP/t.json")
[ "$code" = 200 ] && [ "$(py 'a["kind"]' "$TMP/t.json")" = Table ] || fail "Table: HTTP $code"
[ "$(ctype "$TMP/t.json")" = application/json ] || fail "Table: $(ctype "$TMP/t.json")"
code=$(get "/api/v1/namespaces/shop/configmaps" "$PB,application/json" "$TMP/cm.json")
[ "$code" = 200 ] && [ "$(py 'a["kind"]' "$TMP/cm.json")" = ConfigMapList ] || fail "configmaps: HTTP $code"
code=$(get "/api/v1/namespaces/shop/secrets" "$PB" "$TMP/s406")
[ "$code" = 406 ] || fail "secrets with only protobuf acceptable: HTTP $code"
code=$(get "/api/v1/pods?limit=1" "text/html" "$TMP/p406")
[ "$code" = 406 ] || fail "pods as text/html: HTTP $code"
code=$(get "/api/v1/pods?limit=1" "application/json" "$TMP/j.json")
[ "$code" = 200 ] && [ "$(ctype "$TMP/j.json")" = application/json ] || fail "plain JSON: HTTP $code"

# ---- faults apply to protobuf bodies -----------------------------------------------------------
admin POST /faults '{"cluster":"onprem-prod","fault":"truncate","path":"/api/v1/pods","count":1}' >/dev/null
code=$(get "/api/v1/pods" "$PB" "$TMP/trunc.pb")
[ "$code" = 200 ] || fail "truncate: HTTP $code"
if pb list "$TMP/trunc.pb" >/dev/null 2>&1; then fail "a truncated protobuf list decoded"; fi
admin POST /faults '{"cluster":"onprem-prod","fault":"invalid","path":"/api/v1/pods","count":1}' >/dev/null
get "/api/v1/pods" "$PB" "$TMP/inv.pb" >/dev/null
if pb list "$TMP/inv.pb" >/dev/null 2>&1; then fail "an invalid protobuf list decoded"; fi
admin POST /faults '{"cluster":"onprem-prod","fault":"error","status":503,"path":"/api/v1/nodes","count":1}' >/dev/null
code=$(get "/api/v1/nodes" "$PB" "$TMP/e503.pb")
[ "$code" = 503 ] && [ "$(py 'a["meta"]["code"]' <(pb object "$TMP/e503.pb"))" = 503 ] ||
    fail "injected 503: HTTP $code"
admin POST /faults '{"cluster":"onprem-prod","fault":"drop","path":"/api/v1/pods","count":1}' >/dev/null
if curl -sS --cacert "$TMP/ca.pem" -H "Authorization: Bearer $TOK" -H "Accept: $PB" -o "$TMP/drop.pb" \
    "$URL/api/v1/pods" 2>/dev/null; then fail "a dropped protobuf list ended cleanly"; fi
if pb list "$TMP/drop.pb" >/dev/null 2>&1; then fail "a dropped protobuf list decoded"; fi
admin POST /faults '{"cluster":"onprem-prod","fault":"watch410","path":"/api/v1/nodes","count":1}' >/dev/null
get "/api/v1/nodes?watch=true&resourceVersion=0" "$PB" "$TMP/wf.pb" >/dev/null
[ "$(py '[(e["type"],e["meta"]["code"]) for e in a]' <(pb watch "$TMP/wf.pb"))" = "[('ERROR', 410)]" ] ||
    fail "watch410 fault: $(pb watch "$TMP/wf.pb")"
# the next ones are whole again
get "/api/v1/pods" "$PB" "$TMP/again.pb" >/dev/null
[ "$(py 'len(a["items"])' <(pb list "$TMP/again.pb"))" = "$npods" ] || fail "after the faults"

# ---- the admin API counts protobuf answers -----------------------------------------------------
n=$(admin GET /requests | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["protobuf"])')
# the pages, 9 other lists, 1 object, 3 watches, 3 Status answers
[ "$n" = $((page + 16)) ] || fail "/requests protobuf: $n, want $((page + 16))"
echo PASS
