#!/usr/bin/env bash
# The simulator serves External Secrets and Gateway API custom resources loaded from a scenario's
# `objects:` (discovery, LIST/GET, Table columns, annotate, merge and JSON patch with the "test"
# op and a stale resourceVersion as the API server answers them), and Secrets whose `data:` the
# scenario gives, in full only when not asked for metadata. Checked with kubectl.
set -uo pipefail

: "${CUTOVER_SIM:?}"
. "$(dirname "$0")/../lib/common.sh"
test_init

fail() { fail_dump "$*" 3000; }

cat >"$TMP/sc.yaml" <<'EOF'
clusters:
  - name: a
    namespaces: [shop]
    secrets:
      - {namespace: shop, name: s1, data: {user: dXNlcg==, pass: cGFzcw==}}
    objects:
      - apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: es1, namespace: shop}
        spec:
          refreshInterval: 1h
          secretStoreRef: {name: aws, kind: ClusterSecretStore}
          target: {name: s1}
          data:
            - secretKey: pass
              remoteRef: {key: prod/s1, property: pass}
        status:
          refreshTime: "2026-11-23T10:00:00Z"
          syncedResourceVersion: "1-abc"
          conditions:
            - {type: Ready, status: "False", reason: SecretSyncedError, message: "could not get secret data"}
      - apiVersion: external-secrets.io/v1beta1
        kind: ClusterSecretStore
        metadata: {name: aws}
        spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}
      - apiVersion: external-secrets.io/v1beta1
        kind: SecretStore
        metadata: {name: local, namespace: shop}
        spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}
      - apiVersion: external-secrets.io/v1beta1
        kind: ClusterExternalSecret
        metadata: {name: shared}
        spec:
          namespaceSelector: {matchLabels: {team: shop}}
          externalSecretSpec: {refreshInterval: 15m, secretStoreRef: {name: aws, kind: ClusterSecretStore}}
      - apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r1, namespace: shop}
        spec: {hostnames: [shop.example.com], rules: [{backendRefs: [{name: api, port: 80, weight: 90}]}]}
  - name: b
EOF
"$CUTOVER_SIM" --scenario "$TMP/sc.yaml" --write-kubeconfig "$TMP/kc" --no-churn \
    >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
poll 30 grep -q '"admin"' "$TMP/sim.out" || fail "no ready line"

k() { kubectl --kubeconfig "$TMP/kc" --context a --cache-dir "$TMP/cache" "$@"; }

k api-resources >"$TMP/api.out" 2>"$TMP/api.err" || fail "api-resources"
for r in "externalsecrets +es +external-secrets.io/v1 +true +ExternalSecret" \
    "clusterexternalsecrets +ces +external-secrets.io/v1 +false" \
    "secretstores +ss +external-secrets.io/v1 +true" \
    "clustersecretstores +css +external-secrets.io/v1 +false" \
    "httproutes +gateway.networking.k8s.io/v1 +true +HTTPRoute"; do
    grep -qE "^$r" "$TMP/api.out" || fail "api-resources lacks: $r"
done

k get externalsecrets -A >"$TMP/es.out" 2>"$TMP/es.err" || fail "get es"
grep -qE '^shop +es1 +aws +1h +SecretSyncedError +False ' "$TMP/es.out" || fail "es row"
k get httproutes -n shop >"$TMP/rt.out" 2>&1 || fail "get httproutes"
grep -qE '^r1 +shop.example.com ' "$TMP/rt.out" || fail "httproute row"
k get clustersecretstores,clusterexternalsecrets -o name >"$TMP/cl.out" 2>&1 || fail "get cluster"
grep -qx 'clustersecretstore.external-secrets.io/aws' "$TMP/cl.out" || fail "css"
grep -qx 'clusterexternalsecret.external-secrets.io/shared' "$TMP/cl.out" || fail "ces"
k get es -n shop es1 -o jsonpath='{.status.syncedResourceVersion}' >"$TMP/srv.out" 2>&1
[ "$(cat "$TMP/srv.out")" = 1-abc ] || fail "syncedResourceVersion"

# force-sync: an annotation, seen by GET and as a new resourceVersion
rv0=$(k get es -n shop es1 -o jsonpath='{.metadata.resourceVersion}')
k annotate es -n shop es1 force-sync=1700000000 --overwrite >"$TMP/ann.out" 2>&1 || fail "annotate"
[ "$(k get es -n shop es1 -o jsonpath='{.metadata.annotations.force-sync}')" = 1700000000 ] ||
    fail "annotation not kept"
rv1=$(k get es -n shop es1 -o jsonpath='{.metadata.resourceVersion}')
[ "$rv1" != "$rv0" ] || fail "resourceVersion did not move"

# JSON patch: a failing "test" is refused (422) and changes nothing; a passing one applies
if k patch es -n shop es1 --type=json \
    -p '[{"op":"test","path":"/spec/refreshInterval","value":"2h"},{"op":"replace","path":"/spec/refreshInterval","value":"5m"}]' \
    >"$TMP/p1.out" 2>"$TMP/p1.err"; then fail "failed test op accepted"; fi
grep -q 'is invalid' "$TMP/p1.err" || fail "test op failure is not 422 Invalid"
[ "$(k get es -n shop es1 -o jsonpath='{.spec.refreshInterval}')" = 1h ] || fail "changed anyway"
k patch es -n shop es1 --type=json \
    -p '[{"op":"test","path":"/spec/refreshInterval","value":"1h"},{"op":"replace","path":"/spec/refreshInterval","value":"5m"}]' \
    >"$TMP/p2.out" 2>"$TMP/p2.err" || fail "passing test op refused"
[ "$(k get es -n shop es1 -o jsonpath='{.spec.refreshInterval}')" = 5m ] || fail "not applied"
# a stale resourceVersion in the patched object is a 409 Conflict
if k patch es -n shop es1 --type=json \
    -p "[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\",\"value\":\"$rv0\"}]" \
    >"$TMP/p3.out" 2>"$TMP/p3.err"; then fail "stale resourceVersion accepted"; fi
grep -q 'Conflict' "$TMP/p3.err" || fail "stale resourceVersion is not a 409 Conflict"
# merge patch on the annotations (the force-sync path cutover uses)
k patch es -n shop es1 --type=merge -p '{"metadata":{"annotations":{"force-sync":"1700000001"}}}' \
    >"$TMP/p4.out" 2>&1 || fail "merge patch"
[ "$(k get es -n shop es1 -o jsonpath='{.metadata.annotations.force-sync}')" = 1700000001 ] ||
    fail "merge patch not applied"

# Secret data from the scenario: full objects carry it, metadata-only forms never do
[ "$(k get secret -n shop s1 -o jsonpath='{.data.user}')" = dXNlcg== ] || fail "secret data"
k get secret -n shop s1 -o json --show-managed-fields=false >"$TMP/sfull.out" 2>&1
grep -q cGFzcw== "$TMP/sfull.out" || fail "full secret lacks its data"
k get secrets -n shop --output-watch-events=false -o wide >"$TMP/stab.out" 2>&1 || fail "table"
grep -qE '^s1 +Opaque +2 ' "$TMP/stab.out" || fail "secret Table row"
k get secrets -n shop -o name >/dev/null 2>&1 || fail "names"
k get --raw /api/v1/namespaces/shop/secrets >"$TMP/raw.out" 2>&1 || fail "raw list"
grep -q dXNlcg== "$TMP/raw.out" || fail "raw list lacks data"

# bad scenarios: file:line:col, exit 1
bad() { # NAME YAML EXPECTED-REGEX
    printf '%s\n' "$2" >"$TMP/$1.yaml"
    "$CUTOVER_SIM" --scenario "$TMP/$1.yaml" --write-kubeconfig "$TMP/$1.kc" >"$TMP/$1.out" \
        2>"$TMP/$1.err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$1: exit $rc, want 1"
    grep -Eq "$3" "$TMP/$1.err" || fail "$1: stderr: $(cat "$TMP/$1.err")"
}
bad unknown-kind 'clusters:
  - name: a
    objects:
      - {apiVersion: example.com/v1, kind: Widget, metadata: {name: w, namespace: x}}
  - name: b' ':4:9: the simulator does not serve Widget \(example.com/v1\)'
bad no-namespace 'clusters:
  - name: a
    objects:
      - {apiVersion: external-secrets.io/v1beta1, kind: ExternalSecret, metadata: {name: e}}
  - name: b' ':4:9: a ExternalSecret needs metadata.namespace'
bad not-base64 'clusters:
  - name: a
    secrets:
      - {namespace: x, name: s, data: {k: "not base64!"}}
  - name: b' ':4:43: secret data value for "k" must be base64'
bad keys-and-data 'clusters:
  - name: a
    secrets:
      - {namespace: x, name: s, keys: [a], data: {k: eA==}}
  - name: b' 'either keys or data'
exit 0
