# Shared by tests/e2e/test_drift_markers.sh and tests/integration/test_drift_markers.sh (issue #5,
# must-show 2) and tests/e2e/test_security_markers.sh (issue #7): makes five unique marker values,
# writes a scenario whose Secrets (with a kubectl-apply annotation) and Secrets Manager entry hold
# them (and a weighted Route53 pair a/b in zone Z0SIMMARKERS00001, for runbooks), starts
# cutover-sim on it, and points the AWS CLI at the simulator's profile files. Needs TMP,
# CUTOVER_SIM, PY and the caller's fail(); sets M1..M5, MARKERS, b64(), SIM_PID, SIM_READY,
# aws_url; markers_absent FILE... fails naming the file when a marker (as it is, in base64, in
# hex or its first 20 characters) is in any of them.
run_id=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
M1="MARKER1x${run_id}xdbpass"  # equal on both clusters
M2="MARKER2x${run_id}xsrconly" # source value of a differing key
M3="MARKER3x${run_id}xtgtonly" # target value of that key
M4="MARKER4x${run_id}xsmvalue" # in Secrets Manager only (the target is stale)
M5="MARKER5x${run_id}xsmold"   # the target's stale copy
b64() { printf '%s' "$1" | base64 -w0; }
MARKERS=("$M1" "$M2" "$M3" "$M4" "$M5")

cat >"$TMP/sc.yaml" <<SCENARIO
source: a
target: b
clusters:
  - name: a
    namespaces: [shop]
    secrets:
      - {namespace: shop, name: db, data: {password: $(b64 "$M1"), api: $(b64 "$M2")}}
      - {namespace: shop, name: gw, data: {token: $(b64 "$M5")}}
  - name: b
    namespaces: [shop]
    secrets:
      - {namespace: shop, name: db, data: {password: $(b64 "$M1"), api: $(b64 "$M3")}}
    objects:
      - apiVersion: external-secrets.io/v1beta1
        kind: ClusterSecretStore
        metadata: {name: sm}
        spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}
      - apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: gw, namespace: shop}
        spec:
          secretStoreRef: {name: sm, kind: ClusterSecretStore}
          target: {name: gw}
          data: [{secretKey: token, remoteRef: {key: prod/gw, property: token}}]
        status: {conditions: [{type: Ready, status: "True", reason: SecretSynced}]}
      - apiVersion: v1
        kind: Secret
        metadata:
          name: gw
          namespace: shop
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: '{"data":{"token":"$(b64 "$M5")"}}'
        data: {token: $(b64 "$M5")}
aws:
  account: "111122223333"
  region: us-east-1
  credentials:
    - {access_key_id: AKIASIMMARKERS000002, secret_access_key: sim/markers/not-a-real-key/00000000002, arn: "arn:aws:iam::111122223333:user/sre"}
  secrets:
    - {name: prod/gw, keys: {token: $M4}}
  route53:
    - zone: example.com.
      id: Z0SIMMARKERS00001
      records:
        - {name: api.shop.example.com., type: A, set_identifier: a, weight: 100, ttl: 60, values: [203.0.113.10]}
        - {name: api.shop.example.com., type: A, set_identifier: b, weight: 0, ttl: 60, values: [198.51.100.20]}
SCENARIO
"$CUTOVER_SIM" --scenario "$TMP/sc.yaml" --write-kubeconfig "$TMP/kubeconfig" --no-churn \
    >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
poll 30 grep -q '"admin"' "$TMP/sim.out" || fail "no ready line"
SIM_READY=$(head -n 1 "$TMP/sim.out")
read -r aws_url aws_cfg aws_creds < <($PY -c '
import json, sys
a = json.loads(sys.argv[1])["aws"]
print(a["url"], a["config_file"], a["credentials_file"])' "$SIM_READY") || fail "ready line"
export AWS_CONFIG_FILE="$aws_cfg" AWS_SHARED_CREDENTIALS_FILE="$aws_creds"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

markers_absent() {
    local m hex pat
    for m in "${MARKERS[@]}"; do
        hex=$(printf '%s' "$m" | od -An -tx1 | tr -d ' \n')
        for pat in "$m" "$(b64 "$m")" "$hex" "${m:0:20}"; do
            if grep -alF -- "$pat" "$@" >"$TMP/hits" 2>/dev/null; then
                fail "found '$pat' in: $(tr '\n' ' ' <"$TMP/hits")"
            fi
        done
    done
}
