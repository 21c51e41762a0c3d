#!/usr/bin/env bash
# `cutover runbook validate` and `log` as a user runs them: the examples validate (exit 0, the
# plan printed); with a config.yaml, runbook targets are checked against its traffic targets;
# a broken runbook is one line file:line:col: message (exit 1); an unreadable file exits 2; a
# migration with no journal yet says so.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
. "$(dirname "$0")/../lib/common.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
test_init
EX="$CUTOVER_SOURCE_DIR/docs/examples"

out=$("$CUTOVER_BIN" runbook validate "$EX/ec2-to-eks-weighted-dns.yaml") || fail "example 1 does not validate"
grep -q "ok: runbook shop-api-to-eks, onprem-prod -> eks-prod, 4 steps" <<<"$out" || fail "example 1: $out"
grep -q "action: set api-dns to 30% new" <<<"$out" || fail "example 1 plan: $out"
grep -q "rollback: set api-dns back to 0% new" <<<"$out" || fail "example 1 rollback: $out"
"$CUTOVER_BIN" runbook validate "$EX/staging-then-production.yaml" >/dev/null || fail "example 2 does not validate"

# with the demo's traffic target configured, the staging target is unknown
mkdir -p "$XDG_CONFIG_HOME/cutover"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<'CFG'
traffic:
  - name: api-dns
    provider: route53
    plan: [0, 10, 30, 50, 100]
    old: onprem
    new: eks
    zone_id: Z0SIMEXAMPLE00001
    record: api.shop.example.com.
CFG
out=$("$CUTOVER_BIN" runbook validate "$EX/ec2-to-eks-weighted-dns.yaml") || fail "example 1 against the config"
grep -q "traffic targets checked against config.yaml (1 configured)" <<<"$out" || fail "$out"
set +e
err=$("$CUTOVER_BIN" runbook validate "$EX/staging-then-production.yaml" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" = 1 ] || fail "staging example against a config without staging-dns: exit $rc"
grep -qE "staging-then-production.yaml:[0-9]+:[0-9]+: step 3: traffic target 'staging-dns' is not in the config \(configured: api-dns\)" <<<"$err" ||
    fail "unexpected message: $err"
rm "$XDG_CONFIG_HOME/cutover/config.yaml"

printf 'name: x\nsource: a\ntarget: b\nsteps:\n  - title: t\n    action: {do: set_weights, target: api-dns, percent: 30}\n' >"$TMP/bad.yaml"
set +e
err=$("$CUTOVER_BIN" runbook validate "$TMP/bad.yaml" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" = 1 ] || fail "broken runbook: exit $rc"
[ "$err" = "$TMP/bad.yaml:6:13: the plan for api-dns ends at 30% in step 1: its steps never reach 100% (add a step that sets 100)" ] ||
    fail "unexpected message: $err"

set +e
"$CUTOVER_BIN" runbook validate "$TMP/missing.yaml" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "missing file: exit $rc"

out=$("$CUTOVER_BIN" runbook log "$EX/ec2-to-eks-weighted-dns.yaml") || fail "log"
grep -q "no journal yet at .*onprem-prod--eks-prod.jsonl: nothing was done" <<<"$out" || fail "$out"
grep -q "> 1. pending" <<<"$out" || fail "$out"
echo PASS
