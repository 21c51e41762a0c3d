#!/usr/bin/env bash
# cutover-sim's AWS endpoint driven by the Debian aws CLI (always --endpoint-url, the sim's own
# config and credentials files, --profile sim) and by botocore: STS, SSO, Secrets Manager,
# Route53 (weighted records, atomic batches, GetChange PENDING then INSYNC, the partial fault) and
# ELBv2 (listeners, rules, weights, target health); a wrong secret key is refused with
# SignatureDoesNotMatch and counted; /requests counts AWS calls by action and every client by
# User-Agent.
set -euo pipefail

SIM=${CUTOVER_SIM:?CUTOVER_SIM must name the cutover-sim binary}
SRC_DIR=${CUTOVER_SOURCE_DIR:?CUTOVER_SOURCE_DIR must name the source tree}
[ -x "$SIM" ] || { echo "FAIL: $SIM is not executable" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_sim_aws.XXXXXX")
sim_pid=
cleanup() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
PY=/usr/bin/python3

# The demo with a longer GetChange delay (10 s) so that a CLI call (a second or more each, more
# on a loaded machine) still sees PENDING.
sed 's/change_delay_ms: 1000 /change_delay_ms: 10000 /' "$SRC_DIR/sim/scenarios/demo.yaml" \
    >"$tmp/scenario.yaml"
grep -q "change_delay_ms: 10000" "$tmp/scenario.yaml" || fail "demo.yaml has no change_delay_ms: 1000"
"$SIM" --scenario "$tmp/scenario.yaml" --no-churn --write-kubeconfig "$tmp/kc" >"$tmp/ready" \
    2>"$tmp/err" &
sim_pid=$!
for _ in $(seq 1 200); do
    [ -s "$tmp/ready" ] && break
    kill -0 "$sim_pid" 2>/dev/null || fail "cutover-sim exited: $(cat "$tmp/err")"
    sleep 0.1
done
[ -s "$tmp/ready" ] || fail "no ready line"
jr() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/ready" "$1"; }
URL=$(jr 'd["aws"]["url"]')
ADMIN=$(jr 'd["admin"]')
[ "$(jr 'd["aws"]["region"]')" = us-east-1 ] || fail "ready line region"
[ "$(jr 'd["aws"]["profile"]')" = sim ] || fail "ready line profile"
export AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
AWS_CONFIG_FILE=$(jr 'd["aws"]["config_file"]')
AWS_SHARED_CREDENTIALS_FILE=$(jr 'd["aws"]["credentials_file"]')
case "$URL" in http://127.0.0.1:*) ;; *) fail "AWS endpoint not on loopback: $URL" ;; esac
[ "$(stat -c %a "$AWS_SHARED_CREDENTIALS_FILE")" = 600 ] || fail "credentials file not 0600"
grep -q '^\[profile sim\]' "$AWS_CONFIG_FILE" || fail "no [profile sim] in $AWS_CONFIG_FILE"
grep -q '^region = us-east-1' "$AWS_CONFIG_FILE" || fail "no region in $AWS_CONFIG_FILE"
# Nothing from the environment: only the sim's files and explicit --endpoint-url.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_PAGER=
aws_() { /usr/bin/aws --endpoint-url "$URL" --profile sim --output json "$@"; }
field() { $PY -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
admin_get() { $PY -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1],timeout=10).read().decode())' "$ADMIN$1"; }
admin_post() {
    $PY - "$ADMIN$1" "$2" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
$PY -c 'import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"))' "$ADMIN/requests"

# ---- STS ----
out=$(aws_ sts get-caller-identity)
[ "$(echo "$out" | field 'd["Arn"]')" = "arn:aws:iam::111122223333:user/sre" ] || fail "caller: $out"
[ "$(echo "$out" | field 'd["Account"]')" = 111122223333 ] || fail "account: $out"
role=arn:aws:iam::111122223333:role/cutover-operator
out=$(aws_ sts assume-role --role-arn "$role" --role-session-name cutover-test)
[ "$(echo "$out" | field 'd["AssumedRoleUser"]["Arn"]')" = \
    "arn:aws:sts::111122223333:assumed-role/cutover-operator/cutover-test" ] || fail "assume-role: $out"
# The handed-out credentials are registered: signed with them (and the session token), the
# caller is the assumed role.
ak=$(echo "$out" | field 'd["Credentials"]["AccessKeyId"]')
sk=$(echo "$out" | field 'd["Credentials"]["SecretAccessKey"]')
st=$(echo "$out" | field 'd["Credentials"]["SessionToken"]')
case "$ak" in ASIA*) ;; *) fail "temporary key id $ak" ;; esac
out=$(AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$st AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$URL" --output json sts get-caller-identity)
[ "$(echo "$out" | field 'd["Arn"]')" = \
    "arn:aws:sts::111122223333:assumed-role/cutover-operator/cutover-test" ] || fail "as role: $out"
# ...and without the session token they are refused.
if err=$(AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$URL" sts get-caller-identity 2>&1); then
    fail "temporary key without its token accepted"
fi
echo "$err" | grep -q InvalidClientTokenId || fail "no InvalidClientTokenId: $err"
# A role that does not trust the user.
if err=$(aws_ sts assume-role --role-arn arn:aws:iam::111122223333:role/nope \
    --role-session-name x1 2>&1); then fail "assume-role of an unknown role worked"; fi
echo "$err" | grep -q 'AccessDenied' || fail "no AccessDenied: $err"
out=$(aws_ sts assume-role-with-web-identity --role-arn arn:aws:iam::111122223333:role/cutover-observer \
    --role-session-name irsa --web-identity-token sim-web-identity-token-observer)
[ "$(echo "$out" | field 'd["AssumedRoleUser"]["Arn"]')" = \
    "arn:aws:sts::111122223333:assumed-role/cutover-observer/irsa" ] || fail "web identity: $out"
if err=$(aws_ sts assume-role-with-web-identity --role-arn arn:aws:iam::111122223333:role/cutover-observer \
    --role-session-name irsa --web-identity-token forged 2>&1); then fail "forged token accepted"; fi
echo "$err" | grep -q InvalidIdentityToken || fail "no InvalidIdentityToken: $err"

# ---- SSO ----
out=$(aws_ sso get-role-credentials --access-token sim-sso-access-token \
    --role-name CutoverOperator --account-id 111122223333)
ak=$(echo "$out" | field 'd["roleCredentials"]["accessKeyId"]')
sk=$(echo "$out" | field 'd["roleCredentials"]["secretAccessKey"]')
st=$(echo "$out" | field 'd["roleCredentials"]["sessionToken"]')
out=$(AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$st AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$URL" --output json sts get-caller-identity)
echo "$out" | field 'd["Arn"]' | grep -q '^arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_CutoverOperator_' ||
    fail "SSO role credentials: $out"
if err=$(aws_ sso get-role-credentials --access-token wrong --role-name CutoverOperator \
    --account-id 111122223333 2>&1); then fail "wrong SSO token accepted"; fi
echo "$err" | grep -q UnauthorizedException || fail "no UnauthorizedException: $err"

# ---- Secrets Manager ----
out=$(aws_ secretsmanager list-secrets)
echo "$out" | field '[s["Name"] for s in d["SecretList"]]' | grep -q "prod/shop/stripe" || fail "list: $out"
out=$(aws_ secretsmanager get-secret-value --secret-id prod/shop/stripe)
[ "$(echo "$out" | field 'sorted(json.loads(d["SecretString"]))' )" = "['api_key', 'webhook_secret']" ] ||
    fail "secret keys: $out"
[ "$(echo "$out" | field 'd["VersionStages"]')" = "['AWSCURRENT']" ] || fail "stages: $out"
v1=$(echo "$out" | field 'd["VersionId"]')
out=$(aws_ secretsmanager put-secret-value --secret-id prod/shop/stripe \
    --secret-string '{"api_key":"rotated-marker","webhook_secret":"w2"}')
v2=$(echo "$out" | field 'd["VersionId"]')
[ "$v1" != "$v2" ] || fail "put-secret-value made no new version"
out=$(aws_ secretsmanager get-secret-value --secret-id prod/shop/stripe)
[ "$(echo "$out" | field 'json.loads(d["SecretString"])["api_key"]')" = rotated-marker ] || fail "not rotated: $out"
out=$(aws_ secretsmanager get-secret-value --secret-id prod/shop/stripe --version-stage AWSPREVIOUS)
[ "$(echo "$out" | field 'd["VersionId"]')" = "$v1" ] || fail "AWSPREVIOUS: $out"
out=$(aws_ secretsmanager describe-secret --secret-id prod/shop/stripe)
[ "$(echo "$out" | field 'sorted(d["VersionIdsToStages"].values())')" = "[['AWSCURRENT'], ['AWSPREVIOUS']]" ] ||
    fail "describe: $out"
if err=$(aws_ secretsmanager get-secret-value --secret-id prod/shop/none 2>&1); then fail "unknown secret"; fi
echo "$err" | grep -q ResourceNotFoundException || fail "no ResourceNotFoundException: $err"

# ---- Route53 ----
zone=Z0SIMEXAMPLE00001
out=$(aws_ route53 list-hosted-zones)
[ "$(echo "$out" | field 'd["HostedZones"][0]["Name"]')" = example.com. ] || fail "zones: $out"
weights() {
    aws_ route53 list-resource-record-sets --hosted-zone-id "$zone" \
        --query "ResourceRecordSets[?Name=='api.shop.example.com.'].[SetIdentifier,Weight]" --output text |
        sort | tr '\t\n' ':,'
}
[ "$(weights)" = "eks:0,onprem:100," ] || fail "demo weights: $(weights)"
batch() { # ONPREM EKS
    cat <<EOF
{"Comment":"cutover step","Changes":[
 {"Action":"UPSERT","ResourceRecordSet":{"Name":"api.shop.example.com.","Type":"A","SetIdentifier":"onprem","Weight":$1,"TTL":60,"ResourceRecords":[{"Value":"203.0.113.10"}]}},
 {"Action":"UPSERT","ResourceRecordSet":{"Name":"api.shop.example.com.","Type":"A","SetIdentifier":"eks","Weight":$2,"TTL":60,"ResourceRecords":[{"Value":"198.51.100.20"}]}}]}
EOF
}
batch 70 30 >"$tmp/b1.json"
out=$(aws_ route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$tmp/b1.json")
[ "$(echo "$out" | field 'd["ChangeInfo"]["Status"]')" = PENDING ] || fail "change: $out"
cid=$(echo "$out" | field 'd["ChangeInfo"]["Id"]')
[ "$(aws_ route53 get-change --id "$cid" --query ChangeInfo.Status --output text)" = PENDING ] ||
    fail "get-change right after the change is not PENDING"
[ "$(weights)" = "eks:30,onprem:70," ] || fail "weights after the change: $(weights)"
insync=
for _ in $(seq 1 60); do
    if [ "$(aws_ route53 get-change --id "$cid" --query ChangeInfo.Status --output text)" = INSYNC ]; then
        insync=1
        break
    fi
    sleep 0.5
done
[ -n "$insync" ] || fail "change never INSYNC"
# An invalid batch changes nothing (atomic), and says why as Route53 does.
cat >"$tmp/b2.json" <<'EOF'
{"Changes":[
 {"Action":"UPSERT","ResourceRecordSet":{"Name":"api.shop.example.com.","Type":"A","SetIdentifier":"onprem","Weight":0,"TTL":60,"ResourceRecords":[{"Value":"203.0.113.10"}]}},
 {"Action":"CREATE","ResourceRecordSet":{"Name":"api.shop.example.com.","Type":"A","SetIdentifier":"eks","Weight":100,"TTL":60,"ResourceRecords":[{"Value":"198.51.100.20"}]}}]}
EOF
if err=$(aws_ route53 change-resource-record-sets --hosted-zone-id "$zone" \
    --change-batch "file://$tmp/b2.json" 2>&1); then fail "invalid batch accepted"; fi
echo "$err" | grep -qF "(InvalidChangeBatch)" || fail "no InvalidChangeBatch: $err"
echo "$err" | grep -qF "Tried to create resource record set [name='api.shop.example.com.', type='A', set-identifier='eks'] but it already exists" ||
    fail "InvalidChangeBatch message: $err"
[ "$(weights)" = "eks:30,onprem:70," ] || fail "a refused batch changed weights: $(weights)"
# The partial fault: exactly the first change lands, then a 500.
admin_post /faults '{"service":"route53","action":"ChangeResourceRecordSets","fault":"partial","apply":1,"status":500,"count":1}' >/dev/null
batch 0 100 >"$tmp/b3.json"
if err=$(aws_ route53 change-resource-record-sets --hosted-zone-id "$zone" \
    --change-batch "file://$tmp/b3.json" 2>&1); then fail "partial fault did not fail the call"; fi
echo "$err" | grep -q InternalFailure || fail "partial fault error: $err"
[ "$(weights)" = "eks:30,onprem:0," ] || fail "partial fault did not apply exactly the first change: $(weights)"
# Paging: one record per page, the CLI follows NextRecordName/Type/Identifier.
n=$(aws_ route53 list-resource-record-sets --hosted-zone-id "$zone" --page-size 1 |
    field 'len(d["ResourceRecordSets"])')
[ "$n" = 5 ] || fail "paged list has $n records, not 5"

# ---- ELBv2 ----
lb=$(aws_ elbv2 describe-load-balancers --names shop-alb --query 'LoadBalancers[0].LoadBalancerArn' --output text)
case "$lb" in arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop-alb/*) ;; *) fail "lb $lb" ;; esac
listener=$(aws_ elbv2 describe-listeners --load-balancer-arn "$lb" --query 'Listeners[0].ListenerArn' --output text)
tg1=$(aws_ elbv2 describe-target-groups --names shop-api-onprem --query 'TargetGroups[0].TargetGroupArn' --output text)
tg2=$(aws_ elbv2 describe-target-groups --names shop-api-eks --query 'TargetGroups[0].TargetGroupArn' --output text)
lw() { aws_ elbv2 describe-listeners --listener-arns "$listener" \
    --query 'Listeners[0].DefaultActions[0].ForwardConfig.TargetGroups[].Weight' --output text | tr '\t' ,; }
[ "$(lw)" = "100,0" ] || fail "listener weights $(lw)"
fw() { echo "Type=forward,ForwardConfig={TargetGroups=[{TargetGroupArn=$tg1,Weight=$1},{TargetGroupArn=$tg2,Weight=$2}]}"; }
aws_ elbv2 modify-listener --listener-arn "$listener" --default-actions "$(fw 70 30)" >/dev/null
[ "$(lw)" = "70,30" ] || fail "listener weights after modify $(lw)"
if err=$(aws_ elbv2 modify-listener --listener-arn "$listener" --default-actions "$(fw 1000 0)" 2>&1); then
    fail "weight 1000 accepted"
fi
echo "$err" | grep -q "ValidationError" || fail "no ValidationError: $err"
echo "$err" | grep -q "less than or equal to 999" || fail "weight message: $err"
[ "$(lw)" = "70,30" ] || fail "refused modify changed weights $(lw)"
rules=$(aws_ elbv2 describe-rules --listener-arn "$listener" --query 'Rules[].Priority' --output text | tr '\t' ,)
[ "$rules" = "10,default" ] || fail "rules $rules"
rule=$(aws_ elbv2 describe-rules --listener-arn "$listener" --query 'Rules[0].RuleArn' --output text)
aws_ elbv2 modify-rule --rule-arn "$rule" --actions "$(fw 0 100)" >/dev/null
rw=$(aws_ elbv2 describe-rules --rule-arns "$rule" --query 'Rules[0].Actions[0].ForwardConfig.TargetGroups[].Weight' --output text | tr '\t' ,)
[ "$rw" = "0,100" ] || fail "rule weights $rw"
health=$(aws_ elbv2 describe-target-health --target-group-arn "$tg2" \
    --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ,)
[ "$health" = "healthy,healthy,unhealthy" ] || fail "target health $health"

# ---- signatures ----
before=$(admin_get /requests | field 'd["aws"]["signature_failures"]')
if err=$(AWS_ACCESS_KEY_ID=AKIASIMDEMO0SRE00001 AWS_SECRET_ACCESS_KEY=not-the-secret AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$URL" route53 list-hosted-zones 2>&1); then fail "wrong secret accepted"; fi
echo "$err" | grep -q "(SignatureDoesNotMatch)" || fail "no SignatureDoesNotMatch: $err"
if err=$(AWS_ACCESS_KEY_ID=AKIASIMDEMO0SRE00001 AWS_SECRET_ACCESS_KEY=not-the-secret AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$URL" elbv2 describe-load-balancers 2>&1); then fail "wrong secret accepted"; fi
echo "$err" | grep -q "(SignatureDoesNotMatch)" || fail "no ELBv2 SignatureDoesNotMatch: $err"
if err=$(AWS_ACCESS_KEY_ID=AKIASIMUNKNOWN000000 AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$URL" sts get-caller-identity 2>&1); then fail "unknown key accepted"; fi
echo "$err" | grep -q "(InvalidClientTokenId)" || fail "no InvalidClientTokenId: $err"
after=$(admin_get /requests | field 'd["aws"]["signature_failures"]')
[ $((after - before)) = 3 ] || fail "signature failures counted $before -> $after, not +3"

# ---- botocore ----
$PY "$SRC_DIR/tests/aws/sim_aws_botocore.py" "$tmp/ready" || fail "botocore checks failed"

# ---- counts ----
# A Kubernetes request with an agent of its own.
tok=$($PY - "$tmp/kc" <<'PY'
import sys
for line in open(sys.argv[1]):
    if line.strip().startswith("token:"):
        print(line.split(":", 1)[1].strip()); break
PY
)
k8s=$(jr 'd["clusters"]["eks-prod"]')
curl -sk -o /dev/null -H "Authorization: Bearer $tok" -A "observer-probe/1.0 (test)" "$k8s/api/v1/namespaces"
req=$(admin_get /requests)
echo "$req" | $PY -c '
import json, sys
d = json.load(sys.stdin)
a = d["aws"]
by = a["by_action"]
# exact: AWS_MAX_ATTEMPTS=1, so every CLI call is one request
want = {"route53:ChangeResourceRecordSets": 3 + 1, "elasticloadbalancing:ModifyListener": 2 + 1,
        "elasticloadbalancing:ModifyRule": 1, "secretsmanager:PutSecretValue": 1,
        "sts:AssumeRole": 2, "sso:GetRoleCredentials": 2}
for k, v in want.items():
    assert by.get(k) == v, (k, by.get(k), v)
assert by["route53:GetChange"] >= 2, by
assert by["sts:AssumeRoleWithWebIdentity"] == 2, by
cli = [k for k in d["by_agent"] if k.startswith("aws-cli/")]
assert len(cli) == 1, d["by_agent"]
# mutating CLI calls: 3 route53 changes (one refused, one partial), 2 ModifyListener, 1 ModifyRule,
# 1 PutSecretValue; the botocore script made 2 more (its own agent)
assert d["by_agent"][cli[0]]["mutating"] == 7, d["by_agent"][cli[0]]
bc = [k for k in d["by_agent"] if k.startswith("Botocore/")]
assert len(bc) == 1 and d["by_agent"][bc[0]]["mutating"] == 2, d["by_agent"]
assert d["by_agent"]["observer-probe/1.0"] == {"total": 1, "mutating": 0}, d["by_agent"]
assert a["mutating"] == 9, a
' || fail "request counts: $req"
echo "ok: cutover-sim AWS endpoint against the aws CLI and botocore"
