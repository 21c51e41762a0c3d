#!/usr/bin/env bash
# Issue #5, must show 1 (the status half) and 4 (the ignored count): `cutover status --json
# --drift` against the demo pair reports each drift case of the demo (a secret missing on the
# target, a key missing, a value differing, an ExternalSecret in SecretSyncedError whose target
# Secret is missing, a target secret stale against AWS Secrets Manager, ConfigMaps differing)
# and the ignore rules with their counts; without --drift the Secrets are compared by metadata
# only and the JSON says so; a config ignore rule changes the counts.
set -uo pipefail

: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/common.sh"
test_init

fail() { fail_dump "$*" 6000; }

sim_start_demo
read -r aws_url aws_profile aws_cfg aws_creds < <($PY -c '
import json, sys
a = json.loads(sys.argv[1])["aws"]
print(a["url"], a["profile"], a["config_file"], a["credentials_file"])' "$SIM_READY") ||
    fail "no aws in the ready line: $SIM_READY"
export AWS_CONFIG_FILE="$aws_cfg" AWS_SHARED_CREDENTIALS_FILE="$aws_creds"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
mkdir -p "$XDG_CONFIG_HOME/cutover"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<EOF
drift:
  source_of_truth: {endpoint: "$aws_url", profile: $aws_profile}
EOF

status() {
    "$CUTOVER_BIN" status --kubeconfig "$TMP/kubeconfig" --source onprem-prod --target eks-prod \
        --timeout 30 "$@"
}

# ---- --drift: contents compared by keyed hash, and the source of truth ----------------------
status --json --drift >"$TMP/drift.out" 2>"$TMP/drift.err"
rc=$?
[ "$rc" -eq 1 ] || fail "status --json --drift exited $rc, want 1"
$PY - "$TMP/drift.out" <<'EOF' || fail "drift JSON checks"
import json, sys
doc = json.load(open(sys.argv[1]))
d = doc["drift"]
assert d["mode"] == {"source": "contents", "target": "contents"}, d["mode"]
assert d["read"] == {"source": True, "target": True}, d["read"]
items = {(i["kind"], i["namespace"], i["name"]): i for i in d["items"]}
def item(kind, ns, name, state):
    i = items.get((kind, ns, name))
    assert i is not None, (kind, ns, name, sorted(items))
    assert i["state"] == state, (name, i)
    return i
# a secret missing on the target
item("Secret", "shop", "stripe-api-key", "missing-target")
# a key missing
i = item("Secret", "shop", "db-credentials", "keys-differ")
assert {"key": "host", "state": "only-source"} in i["keys"], i["keys"]
assert all(k["key"] != "password" for k in i["keys"]), i["keys"]  # same on both clusters
assert i["external_secret"] == "db-credentials"
# a value differing
i = item("Secret", "shop", "regcred", "values-differ")
assert i["keys"] == [{"key": ".dockerconfigjson", "state": "differs"}], i["keys"]
# ConfigMaps differing (the envoy configuration among them)
i = item("ConfigMap", "shop", "envoy-config", "values-differ")
assert i["keys"] == [{"key": "envoy.yaml", "state": "differs"}], i
# with its unified diff (ConfigMaps are not secret)
assert i["diff"].startswith("--- onprem-prod/shop/envoy-config\n+++ eks-prod/shop/envoy-config\n"), i["diff"]
assert "\n-                  route: { cluster: api, timeout: 15s }\n" \
       "+                  route: { cluster: api, timeout: 5s }\n" in i["diff"], i["diff"]
assert "\n-      lb_policy: ROUND_ROBIN\n+      lb_policy: LEAST_REQUEST\n" in i["diff"]
assert all("diff" not in i for i in d["items"] if i["kind"] == "Secret")
item("ConfigMap", "shop", "api", "values-differ")
assert d["configmaps"]["equal"] >= 1  # shop/checkout
# External Secrets: the failing one, and the stale one
es = {(e["cluster"], e["namespace"], e["name"]): e for e in d["external_secret_items"]}
e = es[("target", "shop", "checkout-api")]
assert e["state"] == "sync-error" and e["reason"] == "SecretSyncedError", e
assert e["target_missing"] is True and e["store"]["found"] is True, e
e = es[("target", "shop", "db-credentials")]
assert e["state"] == "synced" and e["refresh_time"] == "2026-11-20T02:00:00Z", e
assert e["source_of_truth"] == "differs" and e["differing_keys"] == ["password"], e
assert e["store"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager",
                      "provider": "aws", "found": True}, e["store"]
assert d["external_secrets"]["sync_error"] == 1 and d["external_secrets"]["target_missing"] == 1
assert d["source_of_truth"]["differs"] == 1 and d["source_of_truth"]["unreadable"] == 0, d
# ignored, and why: cert-manager's shop-tls, every namespace's kube-root-ca.crt
ig = d["ignored"]
assert ig["by_kind"]["cert-manager"] == 1, ig
assert ig["by_kind"]["name"] >= 4, ig
assert ig["total"] == sum(ig["by_kind"].values()), ig
rules = {r["kind"]: r for r in ig["rules"]}
assert rules["cert-manager"]["secrets"] == 1 and rules["cert-manager"]["builtin"] is True
assert ("Secret", "shop", "shop-tls") not in items
# the findings carry them, by name and key name only
codes = {(f["code"], f["name"]) for f in doc["findings"]}
for want in [("secret-missing", "stripe-api-key"), ("secret-keys-differ", "db-credentials"),
             ("secret-values-differ", "regcred"), ("configmap-differs", "envoy-config"),
             ("externalsecret-sync-error", "checkout-api"),
             ("externalsecret-target-missing", "checkout-api"),
             ("secret-stale-vs-source-of-truth", "db-credentials")]:
    assert want in codes, (want, sorted(codes))
f = [f for f in doc["findings"] if f["code"] == "secret-stale-vs-source-of-truth"][0]
assert f["severity"] == "warn" and f["cluster"] == "eks-prod" and "key password" in f["message"], f
assert doc["summary"]["crit"] >= 5
EOF

# The same in the text report.
status --drift >"$TMP/text.out" 2>"$TMP/text.err"
grep -q '^SECRET AND CONFIGMAP DRIFT (secrets read: source contents, target contents)' \
    "$TMP/text.out" || fail "text: no drift section"
grep -Eq '^  Secret +shop/db-credentials +keys-differ: host \(only-source\)' "$TMP/text.out" ||
    fail "text: db-credentials"
grep -Eq '^  target shop/db-credentials +synced SecretSynced +source of truth: differs' \
    "$TMP/text.out" || fail "text: source of truth"
grep -Fq '      +  debug' "$TMP/text.out" || fail "text: the shop/api ConfigMap diff"
grep -Eq 'ignored: [0-9]+; cert-manager certificates \(cert-manager.io/certificate-name\): 1' \
    "$TMP/text.out" || fail "text: ignored counts"

# ---- without --drift: metadata only, values not compared ------------------------------------
status --json >"$TMP/meta.out" 2>"$TMP/meta.err"
[ $? -eq 1 ] || fail "status --json exit"
$PY - "$TMP/meta.out" <<'EOF' || fail "metadata JSON checks"
import json, sys
d = json.load(open(sys.argv[1]))["drift"]
assert d["mode"] == {"source": "metadata", "target": "metadata"}, d["mode"]
items = {(i["kind"], i["namespace"], i["name"]): i for i in d["items"]}
assert items[("Secret", "shop", "stripe-api-key")]["state"] == "missing-target"
assert items[("Secret", "shop", "regcred")]["state"] == "unknown"          # not compared
assert items[("ConfigMap", "shop", "envoy-config")]["state"] == "values-differ"
es = {e["name"]: e for e in d["external_secret_items"]}
assert es["db-credentials"]["source_of_truth"] == "unknown", es["db-credentials"]
assert d["source_of_truth"]["differs"] == 0
EOF

# ---- a config rule: ignore regcred by name; the counts follow -------------------------------
cat >>"$XDG_CONFIG_HOME/cutover/config.yaml" <<'EOF'
  ignore:
    - name: shop/regcred
EOF
status --json --drift >"$TMP/rule.out" 2>"$TMP/rule.err"
$PY - "$TMP/rule.out" <<'EOF' || fail "config rule checks"
import json, sys
d = json.load(open(sys.argv[1]))["drift"]
assert all(i["name"] != "regcred" for i in d["items"])
r = [r for r in d["ignored"]["rules"] if r["rule"] == "name shop/regcred"]
assert r and r[0]["secrets"] == 1 and r[0]["builtin"] is False, d["ignored"]
assert d["secrets"]["values_differ"] == 0, d["secrets"]
EOF
exit 0
