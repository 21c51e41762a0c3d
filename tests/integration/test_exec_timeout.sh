#!/usr/bin/env bash
# `exec_timeout` in config.yaml bounds a kubeconfig exec credential plugin (default 30 s): a
# plugin that hangs is killed after the configured time and its cluster reports
# "exec plugin NAME timed out after N ms", for `cutover status` against the demo simulator.
set -uo pipefail

: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/common.sh"
test_init

fail() { fail_dump "$*" 3000; }

sim_start_demo
# a context eks-hang: the demo's eks-prod cluster, a user whose exec plugin never answers
printf '#!/bin/sh\nexec sleep 120\n' >"$TMP/hang-plugin"
chmod +x "$TMP/hang-plugin"
$PY - "$TMP/kubeconfig" "$TMP/hang-plugin" "$TMP/kubeconfig.hang" <<'PY' || fail "kubeconfig"
import sys, yaml
k = yaml.safe_load(open(sys.argv[1]))
k["users"].append({"name": "hang", "user": {"exec": {
    "apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.argv[2],
    "interactiveMode": "Never"}}})
k["contexts"].append({"name": "eks-hang", "context": {"cluster": "eks-prod", "user": "hang"}})
yaml.safe_dump(k, open(sys.argv[3], "w"))
PY

mkdir -p "$XDG_CONFIG_HOME/cutover"
# run NAME TIMEOUT: cutover status with exec_timeout: TIMEOUT; prints the seconds it took
run() {
    printf 'exec_timeout: %s\n' "$2" >"$XDG_CONFIG_HOME/cutover/config.yaml"
    local t0=$SECONDS
    "$CUTOVER_BIN" status --json --kubeconfig "$TMP/kubeconfig.hang" --source onprem-prod \
        --target eks-hang --timeout 60 >"$TMP/$1.out" 2>"$TMP/$1.err"
    local rc=$?
    [ "$rc" -eq 2 ] || fail "$1: status exited $rc, want 2 (a cluster unreachable)"
    echo $((SECONDS - t0))
}

took=$(run two 2s)
grep -q 'exec plugin hang-plugin timed out after 2000 ms' "$TMP/two.out" ||
    fail "exec_timeout: 2s: the target does not report the plugin's timeout"
# the default would take 30 s per attempt; 2 s ones end well within
[ "$took" -lt 20 ] || fail "exec_timeout: 2s: status took ${took}s"

took=$(run three 3s)
grep -q 'exec plugin hang-plugin timed out after 3000 ms' "$TMP/three.out" ||
    fail "exec_timeout: 3s is not the limit used"

# the source, whose user has a token, is read as usual; the target is not
$PY - "$TMP/three.out" <<'PY' || fail "the report's clusters are wrong"
import json, sys
c = json.load(open(sys.argv[1]))["clusters"]
assert c["source"]["readable"] is True and c["source"]["resources"]["nodes"]["items"] > 0, c["source"]
assert c["target"]["readable"] is False and "timed out after 3000 ms" in c["target"]["error"], c["target"]
PY

# a bad value is an error with file:line:col, and the default is used
printf 'exec_timeout: 100ms\n' >"$XDG_CONFIG_HOME/cutover/config.yaml"
"$CUTOVER_BIN" status --json --kubeconfig "$TMP/kubeconfig" --source onprem-prod \
    --target eks-prod --timeout 30 >"$TMP/bad.out" 2>"$TMP/bad.err"
grep -q 'config.yaml:1:15: exec_timeout: .100ms. is out of range' "$TMP/bad.err" ||
    fail "no file:line:col for exec_timeout: 100ms"

echo "PASS"
