#!/usr/bin/env bash
# Issue #5, must-show 1 (the dashboard half): `cutover demo` in tmux. The Secrets drift panel says
# the Secrets are compared by metadata only; the drift view (D) asks for their contents and shows
# each drift case of the demo: a Secret missing on the target, a key missing, a value differing,
# an ExternalSecret in SecretSyncedError, a target Secret stale against AWS Secrets Manager, and
# a ConfigMap differing with its unified diff (Enter). Then force-sync (F) of an ExternalSecret:
# the preview shows the annotation before -> after and the exact PATCH; `n` sends nothing; `y`
# sends it, the read-back sees the annotation (kubectl agrees) and the journal holds the intent
# and its result. Last, an observer dashboard opens the view but has no force-sync at all.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/traffic_lib.sh"
test_init
export TMPDIR="$TMP"
tmux_init drift-demo
JOURNAL="$TMP/journal.jsonl"

tmux_run 120 45 "env TMPDIR=$TMP XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
$CUTOVER_BIN demo --journal $JOURNAL 2>$TMP/demo.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE onprem-prod' 30
demo_aws_env
KC="$DEMO_DIR/kubeconfig"

# the panel (one row in a wide terminal): metadata only until the view is opened
wait_for 'metadata only \| [1-9][0-9]* Secrets \+ [1-9][0-9]* ConfigMaps differ' 30
keys : s e c r e t s Enter

# the drift view: contents, hashed
keys D
wait_for 'Drift: Secrets and ConfigMaps'
wait_for 'Secret contents are read only while this view is open'
wait_for 'source onprem-prod: contents hashed +target eks-prod: contents hashed' 30
# a Secret missing on the target
wait_for 'missing on target Secret +shop/stripe-api-key'
# a key missing on the target (and the Secret's ExternalSecret)
wait_for 'keys differ +Secret +shop/db-credentials'
wait_for 'missing on target: host'
# a value differing
wait_for 'value differs +Secret +shop/regcred'
wait_for 'value differs: \.dockerconfigjson'
# the External Secrets: one failing (its target Secret missing), one stale against Secrets Manager
keys G
wait_for 'target shop/checkout-api SecretSyncedError'
wait_for 'message: could not get secret data from provider'
wait_for 'writes Secret checkout-api: MISSING in this cluster'
wait_for 'target shop/db-credentials SecretSynced, refreshed'
wait_for 'source of truth: STALE, differs from AWS Secrets Manager in password'
wait_for 'store ClusterSecretStore aws-secrets-manager \(aws SecretsManager us-east-1\)'
# ignored, with the rule
wait_for 'rule: cert-manager certificates'

# the envoy ConfigMap differs: Enter shows its unified diff, fetched off the UI thread
keys / e n v o y Enter
wait_for 'value differs +ConfigMap shop/envoy-config'
keys Enter
wait_for 'ConfigMap shop/envoy-config: diff' 10
wait_for '\+\+\+ target eks-prod' 20
wait_for '^│ -.*route: \{ cluster: api, timeout: 15s \}'
wait_for '^│ \+.*route: \{ cluster: api, timeout: 5s \}'
wait_for '^│ \+.*retry_policy'
wait_for '^│ -.*lb_policy: ROUND_ROBIN'
keys Escape
wait_gone 'ConfigMap shop/envoy-config: diff'
wait_for 'Drift: Secrets and ConfigMaps'

# force-sync of the stale ExternalSecret: preview, refusal, then the change
keys / C-u d b - c r e d e n t i a l s Enter
wait_for 'keys differ +Secret +shop/db-credentials'
keys F
wait_for 'force-sync: preview' 20
wait_for 'ExternalSecret shop/db-credentials on target'
wait_for 'annotation force-sync: \(none\) -> [0-9]+'
wait_for 'PATCH'
wait_for '/apis/external-secrets.io/v1/namespaces/shop/externalsecrets/db-cred'
wait_for 'Content-Type: application/merge-patch\+json'
after=$(cap | sed -nE 's/.*annotation force-sync: \(none\) -> ([0-9]+).*/\1/p' | head -n 1)
[ -n "$after" ] || fail "no after value in the preview"
keys n
wait_for 'force-sync not confirmed: nothing was sent'
ann=$(kubectl --kubeconfig "$KC" --context eks-prod --cache-dir "$TMP/kcache" -n shop get \
    externalsecrets.external-secrets.io db-credentials \
    -o jsonpath='{.metadata.annotations.force-sync}')
[ -z "$ann" ] || fail "n sent the annotation anyway: '$ann'"
[ ! -s "$JOURNAL" ] || ! grep -q 'drift.force-sync' "$JOURNAL" || fail "n journaled a force-sync"

keys F
wait_for 'force-sync: preview' 20
after=$(cap | sed -nE 's/.*annotation force-sync: \(none\) -> ([0-9]+).*/\1/p' | head -n 1)
keys y
wait_for 'force-sync: (done|unconfirmed)' 30
wait_for "read back: annotation force-sync=$after observed"
wait_for 'journal: drift:force-sync:eks-prod:shop/db-credentials:'
ann=$(kubectl --kubeconfig "$KC" --context eks-prod --cache-dir "$TMP/kcache" -n shop get \
    externalsecrets.external-secrets.io db-credentials \
    -o jsonpath='{.metadata.annotations.force-sync}')
[ "$ann" = "$after" ] || fail "kubectl sees force-sync='$ann', want '$after'"
/usr/bin/python3 - "$JOURNAL" "$after" <<'PY' || fail "journal check"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fs = [r for r in recs if r.get("action") == "drift.force-sync"]
assert [r["kind"] for r in fs] == ["intent", "result"], fs
i, r = fs
assert i["id"] == r["id"] and i["seq"] < r["seq"], fs
assert i["cluster"] == "eks-prod" and i["externalsecret"] == "shop/db-credentials", i
assert i["before"] is None and i["after"] == sys.argv[2], i
assert i["call"].startswith("PATCH https://127.0.0.1:"), i
assert "/namespaces/shop/externalsecrets/db-credentials" in i["call"], i
assert r["sent"] is True and r["annotation_observed"] is True, r
assert r["status"] in ("done", "unconfirmed"), r
PY
keys Enter
wait_gone 'force-sync: (done|unconfirmed)'
keys q
wait_for 'cutover-exit=0' 20

# an observer: the view opens (reads only), force-sync exists nowhere
admin DELETE /requests >/dev/null || true
tmux_run 120 45 "env TMPDIR=$TMP XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
$CUTOVER_BIN demo --observer 2>$TMP/demo-observer.err; echo cutover-exit=\$?; sleep 60"
wait_for 'OBSERVER' 30
keys D
wait_for 'source onprem-prod: contents hashed' 30
wait_lacks_hint() { screen_lacks 'force-sync'; }
poll 5 wait_lacks_hint || fail "the observer's drift view offers force-sync"
keys / d b - c r e d e n t i a l s Enter
wait_for 'keys differ +Secret +shop/db-credentials'
keys F
sleep 1
screen_lacks 'force-sync: preview' || fail "F opened a force-sync preview for an observer"
keys Escape
keys '?'
wait_for 'drift-view'
screen_lacks 'drift-force-sync' || fail "the observer's help offers drift-force-sync"
keys q
wait_for 'cutover-exit=0' 20
echo "ok: every demo drift case on screen, the envoy diff, force-sync previewed, refused, applied, read back and journaled; none for an observer"
