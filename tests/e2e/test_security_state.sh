#!/usr/bin/env bash
# Issue #7, Security: what cutover writes is private (0600 files, 0700 directories) and no
# credential reaches a log line, even at debug level.
#
# Under umask 022 (so a file created without an explicit mode would show as 0644), with
# CUTOVER_DEBUG=1 (the most verbose level), TMPDIR, XDG_STATE_HOME and XDG_CONFIG_HOME in a
# fresh dir, this runs against the demo simulator: `cutover status --drift` and `--json`, the
# dashboard (tmux, with the latency log asked for), `cutover runbook run` driving a set_weights
# step (journal, Lease, journal mirror), `runbook run --observer`, `runbook log`, and
# `cutover demo` (its own simulator and files under TMPDIR). The Kubernetes credentials are
# an exec plugin's token (source), a static bearer token plus a client certificate and key
# (target); the AWS ones are the simulator's static keys (profile, for drift) and temporary
# keys with a session token (environment, for the Route53 traffic target).
# Then: every file cutover created is 0600 and every directory 0700; no credential (whole, or a
# 16-character piece of it) is in any log, journal, stdout/stderr, screen or mirrored ConfigMap.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init security
umask 022
PY=/usr/bin/python3
export TMPDIR="$TMP/tmpdir" CUTOVER_DEBUG=1
mkdir -p "$TMPDIR" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME/cutover" "$TMP/secrets"
sim_start_demo
eval "$($PY -c '
import json, sys
a = json.loads(sys.argv[1])["aws"]
print("AWS_URL=%s AWS_PROFILE_SIM=%s AWS_CONFIG_FILE=%s AWS_SHARED_CREDENTIALS_FILE=%s" %
      (a["url"], a["profile"], a["config_file"], a["credentials_file"]))' "$SIM_READY")"
export AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
# the simulator's own files (kubeconfig with tokens, AWS profile files with keys) are private too
for f in "$TMP/kubeconfig" "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"; do
    [ "$(stat -c %a "$f")" = 600 ] || fail "cutover-sim wrote $f with mode $(stat -c %a "$f")"
done
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
AWSCLI=(/usr/bin/aws --endpoint-url "$AWS_URL" --region us-east-1 --output text)

# ---- the credentials --------------------------------------------------------------------------
# Kubernetes: the source's token comes from an exec plugin, the target keeps its static token and
# gets a client certificate and key (made here; the simulator does not ask for it, cutover loads it).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=sre \
    -keyout "$TMP/secrets/client.key" -out "$TMP/secrets/client.crt" 2>/dev/null ||
    fail "openssl could not make a client certificate"
read -r SRC_TOKEN TGT_TOKEN < <($PY - "$TMP/kubeconfig" "$TMP/secrets" <<'PY'
import base64, sys, yaml
path, d = sys.argv[1], sys.argv[2]
kc = yaml.safe_load(open(path))
users = {u["name"]: u["user"] for u in kc["users"]}
src, tgt = users["onprem-prod-admin"], users["eks-prod-admin"]
print(src["token"], tgt["token"])
plugin = d + "/exec-plugin.sh"
with open(plugin, "w") as f:
    f.write("#!/bin/sh\necho ran >>" + d + "/exec-plugin.ran\nprintf '%s' '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
            "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"" + src["token"] + "\"}}'\n")
src.clear()
src["exec"] = {"apiVersion": "client.authentication.k8s.io/v1", "command": plugin,
               "args": ["get-token"], "interactiveMode": "Never"}
tgt["client-certificate-data"] = base64.b64encode(open(d + "/client.crt", "rb").read()).decode()
tgt["client-key-data"] = base64.b64encode(open(d + "/client.key", "rb").read()).decode()
with open(path, "w") as f:
    yaml.safe_dump(kc, f)
PY
)
chmod 0700 "$TMP/secrets/exec-plugin.sh"
[ -n "$SRC_TOKEN" ] && [ -n "$TGT_TOKEN" ] || fail "no tokens in the simulator's kubeconfig"
KEY_B64=$(base64 -w0 <"$TMP/secrets/client.key")
KEY_BODY=$(grep -v -- '-----' "$TMP/secrets/client.key" | tr -d '\n')
# AWS: the profile's static keys, and temporary keys (with a session token) from AssumeRole.
STATIC_SECRET=$("${AWSCLI[@]}" --profile "$AWS_PROFILE_SIM" configure get aws_secret_access_key)
read -r TEMP_ID TEMP_SECRET TEMP_TOKEN < <("${AWSCLI[@]}" --profile "$AWS_PROFILE_SIM" sts assume-role \
    --role-arn arn:aws:iam::111122223333:role/cutover-operator --role-session-name security-test \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]')
[ -n "$STATIC_SECRET" ] && [ -n "${TEMP_TOKEN:-}" ] || fail "no AWS credentials from the simulator"
CREDS=("$SRC_TOKEN" "$TGT_TOKEN" "$KEY_B64" "$KEY_BODY" "$STATIC_SECRET" "$TEMP_SECRET" "$TEMP_TOKEN")
CRED_NAMES=("exec plugin token" "static bearer token" "client-key-data" "client key (PEM body)"
    "static AWS secret key" "temporary AWS secret key" "AWS session token")

ZONE=$("${AWSCLI[@]}" --profile "$AWS_PROFILE_SIM" route53 list-hosted-zones \
    --query 'HostedZones[?Name==`example.com.`].Id' | sed 's#/hostedzone/##')
[ -n "$ZONE" ] || fail "no example.com. zone at the simulator"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<CFG
kubeconfig: $TMP/kubeconfig
drift:
  source_of_truth: {endpoint: "$AWS_URL", profile: $AWS_PROFILE_SIM}
traffic:
  - name: api-dns
    provider: route53
    plan: [0, 30, 100]
    old: onprem
    new: eks
    zone_id: $ZONE
    record: api.shop.example.com.
    aws:
      endpoint: $AWS_URL
CFG
# the traffic target's credentials: the environment's temporary keys
export AWS_ACCESS_KEY_ID="$TEMP_ID" AWS_SECRET_ACCESS_KEY="$TEMP_SECRET" AWS_SESSION_TOKEN="$TEMP_TOKEN"

RB="$TMP/rb.yaml"
cat >"$RB" <<'YAML'
name: security-test
source: onprem-prod
target: eks-prod
steps:
  - title: Send 30% of API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 30}
  - title: Send all API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 100}
YAML

# Everything that exists before cutover runs is the test's own; the mode check covers the rest.
find "$TMP" -mindepth 1 -print | sort >"$TMP/before.list"
OUT="$TMP/out"
mkdir -p "$OUT"

# ---- cutover status ---------------------------------------------------------------------------
for args in "--json --drift" "--drift" "--json"; do
    set +e
    # shellcheck disable=SC2086
    "$CUTOVER_BIN" status --source onprem-prod --target eks-prod --timeout 30 $args \
        >"$OUT/status-${args// /}.out" 2>"$OUT/status-${args// /}.err"
    rc=$?
    set -e
    [ "$rc" = 1 ] || { cat "$OUT/status-${args// /}.err" >&2; fail "status $args exited $rc, want 1 (findings)"; }
done
$PY - "$OUT/status---json--drift.out" <<'PY' || fail "status did not read both clusters and the drift"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["drift"]["items"], "no drift items"
PY

# ---- the dashboard, with the latency log ------------------------------------------------------
tmux_run 120 40 "env CUTOVER_DEBUG=1 TMPDIR=$TMPDIR XDG_STATE_HOME=$XDG_STATE_HOME \
XDG_CONFIG_HOME=$XDG_CONFIG_HOME AWS_CONFIG_FILE=$AWS_CONFIG_FILE \
AWS_SHARED_CREDENTIALS_FILE=$AWS_SHARED_CREDENTIALS_FILE AWS_ACCESS_KEY_ID=$TEMP_ID \
AWS_SECRET_ACCESS_KEY=$TEMP_SECRET AWS_SESSION_TOKEN=$TEMP_TOKEN \
CUTOVER_LATENCY_LOG=$TMPDIR/latency.log sh -c 'umask 022; exec $CUTOVER_BIN \
--source onprem-prod --target eks-prod' 2>$OUT/dash.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE onprem-prod' 30
wait_for 'api-dns' 30
for k in j j k Tab Tab D; do
    keys "$k"
    sleep 0.2
done
sleep 2
cap >"$OUT/screen-1.txt"
keys Escape
keys q
wait_for 'cutover-exit=0' 20
cap >"$OUT/screen-2.txt"
[ -s "$TMPDIR/latency.log" ] || fail "the dashboard wrote no latency log"

# ---- a runbook driven (journal, Lease, mirror), followed, and its log -------------------------
"$CUTOVER_BIN" runbook run "$RB" --observer --no-tui --for 20 >"$OUT/follow.out" 2>"$OUT/follow.err" &
FOLLOW=$!
"$CUTOVER_BIN" runbook run "$RB" --yes --wait 30 </dev/null >"$OUT/run.out" 2>"$OUT/run.err" ||
    { cat "$OUT/run.out" "$OUT/run.err" >&2; fail "the runbook did not run"; }
grep -q "all 2 steps done" "$OUT/run.out" || fail "the runbook did not finish its step"
"$CUTOVER_BIN" runbook log "$RB" >"$OUT/log.out" 2>"$OUT/log.err" || fail "runbook log failed"
grep -q 'traffic:api-dns' "$OUT/log.out" || fail "runbook log shows no traffic change"
wait "$FOLLOW" || true
for ctx in onprem-prod eks-prod; do
    kubectl --kubeconfig "$TMP/kubeconfig" --context "$ctx" --cache-dir "$TMP/kcache" \
        get configmaps,leases -A -o json >"$OUT/cluster-$ctx.json" 2>"$OUT/kubectl.err" ||
        fail "kubectl get configmaps --context $ctx: $(cat "$OUT/kubectl.err")"
done
grep -q 'security-test\|journal' "$OUT/cluster-eks-prod.json" || fail "no journal mirror in the target cluster"

# ---- cutover demo: its own simulator, kubeconfig and logs under TMPDIR ------------------------
tmux_run 120 40 "env CUTOVER_DEBUG=1 TMPDIR=$TMPDIR XDG_STATE_HOME=$XDG_STATE_HOME \
XDG_CONFIG_HOME=$TMP/demo-config CUTOVER_SIM=$CUTOVER_SIM sh -c 'umask 022; exec $CUTOVER_BIN demo' \
2>$OUT/demo.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE onprem-prod' 40
demo_dir=$(find "$TMPDIR" -maxdepth 1 -type d -name 'cutover-demo.*' | head -n 1)
[ -n "$demo_dir" ] || fail "cutover demo made no directory under TMPDIR"
[ -s "$demo_dir/kubeconfig" ] || fail "cutover demo wrote no kubeconfig in $demo_dir"
# the files of the running demo (removed when it quits)
find "$demo_dir" -mindepth 0 -printf '%m %y %p\n' >"$OUT/demo-modes.txt"
cap >"$OUT/screen-demo.txt"
keys q
wait_for 'cutover-exit=0' 20

# the credentials were used: the exec plugin ran, the temporary keys signed the Route53 calls
[ -s "$TMP/secrets/exec-plugin.ran" ] || fail "the exec plugin never ran"
grep -q 'route53: credentials from environment' "$XDG_STATE_HOME/cutover/cutover.log" ||
    fail "the Route53 calls did not use the environment's temporary keys"

# ---- modes ------------------------------------------------------------------------------------
find "$TMP" -mindepth 1 -print | sort >"$TMP/after.list"
bad=
while IFS= read -r path; do
    case $path in "$OUT" | "$OUT"/* | "$TMP/secrets"/* | "$TMP/kcache"* | "$TMP/demo-config"* | "$TMP"/*.list) continue ;; esac
    [ -e "$path" ] || continue
    mode=$(stat -c '%a %F' "$path")
    case $mode in
    "600 regular file" | "700 directory" | "600 regular empty file" | *socket) ;;
    *) bad+="$mode $path"$'\n' ;;
    esac
done < <(comm -13 "$TMP/before.list" "$TMP/after.list")
while read -r mode type path; do
    case "$mode $type" in "600 f" | "700 d" | *" s") ;; *) bad+="$mode $type $path (demo)"$'\n' ;; esac
done <"$OUT/demo-modes.txt"
comm -13 "$TMP/before.list" "$TMP/after.list" | grep -v -e "^$OUT" -e "^$TMP/secrets/" -e kcache -e demo-config -e "\.list$" >"$OUT/created.txt" || true
echo "cutover created $(wc -l <"$OUT/created.txt") paths here and $(wc -l <"$OUT/demo-modes.txt") in the demo dir:"
sed "s#^$TMP/##" "$OUT/created.txt"
[ -n "$(find "$XDG_STATE_HOME" -name '*.log' -type f)" ] || fail "no log under XDG_STATE_HOME"
[ -n "$(find "$XDG_STATE_HOME" -name '*.jsonl' -type f)" ] || fail "no journal under XDG_STATE_HOME"
grep -rq 'debug' "$XDG_STATE_HOME" --include='*.log' || fail "the log has no debug line (CUTOVER_DEBUG)"

# ---- credentials ------------------------------------------------------------------------------
files=("$OUT"/* "$TMPDIR/latency.log")
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$XDG_STATE_HOME" -type f -print0)
hits=
for i in "${!CREDS[@]}"; do
    c=${CREDS[$i]}
    pieces=("$c")
    for ((o = 0; o + 16 <= ${#c}; o += 8)); do pieces+=("${c:$o:16}"); done
    for p in "${pieces[@]}"; do
        if found=$(grep -lF -- "$p" "${files[@]}" 2>/dev/null); then
            hits+="${CRED_NAMES[$i]} ('${p:0:4}...') in: $(echo $found)"$'\n'
            break
        fi
    done
done
echo "searched ${#files[@]} files for ${#CREDS[@]} credentials: ${hits:-none found}"
[ -z "$bad" ] || fail "created with a mode other than 0600/0700:"$'\n'"$bad"
[ -z "$hits" ] || fail "credentials written out:"$'\n'"$hits"
echo PASS
