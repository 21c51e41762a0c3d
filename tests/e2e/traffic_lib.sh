# Shell helpers of the traffic end-to-end tests (test_traffic_demo.sh, test_traffic_faults.sh):
# independent witnesses of the live weights (HAProxy's
# `show servers state` over its admin socket through python, the simulator's Route53 through the
# Debian aws CLI), the weights the dashboard's Traffic panel shows, and the journal.
# Sourced after tests/lib/common.sh; not a test itself (ctest runs test_*.sh only).

# The HAProxy itself comes from tests/lib/common.sh (haproxy_start: backend api with servers
# onprem weight 100 and eks weight 0, admin socket $HAPROXY_SOCK; stopped by test_cleanup).

# hap_weights BACKEND: "W_onprem W_eks" as HAProxy's `show servers state BACKEND` says.
hap_weights() {
    echo "$(haproxy_weight "$1" onprem) $(haproxy_weight "$1" eks)"
}

# demo_aws_env: finds the running demo's dir under $TMP and points the aws CLI at its simulator
# (AWS_URL, ZONE, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE); also ADMIN.
demo_aws_env() {
    local deadline=$((SECONDS + 20))
    DEMO_DIR=
    until [ -n "$DEMO_DIR" ] && [ -s "$DEMO_DIR/ready.json" ]; do
        DEMO_DIR=$(compgen -G "$TMP/cutover-demo.*" | head -n 1 || true)
        ((SECONDS < deadline)) || fail "no demo dir with ready.json under $TMP"
        sleep 0.2
    done
    eval "$(/usr/bin/python3 - "$DEMO_DIR/ready.json" <<'PY'
import json, shlex, sys
r = json.load(open(sys.argv[1]))
a = r["aws"]
for k, v in (("AWS_URL", a["url"]), ("AWS_CONFIG_FILE", a["config_file"]),
             ("AWS_SHARED_CREDENTIALS_FILE", a["credentials_file"]),
             ("AWS_PROFILE", a["profile"]), ("AWS_DEFAULT_REGION", a.get("region", "us-east-1")),
             ("ADMIN", r["admin"])):
    print("export %s=%s" % (k, shlex.quote(v)))
PY
)"
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    ZONE=$(/usr/bin/aws --endpoint-url "$AWS_URL" --output text route53 \
        list-hosted-zones-by-name --dns-name example.com. \
        --query 'HostedZones[?Name==`example.com.`].Id | [0]')
    ZONE=${ZONE##*/}
    [ -n "$ZONE" ] && [ "$ZONE" != None ] || fail "the aws CLI found no zone example.com."
}

# aws_weights: "W_onprem W_eks" of api.shop.example.com. as the aws CLI lists them.
aws_weights() {
    /usr/bin/aws --endpoint-url "$AWS_URL" --output json route53 list-resource-record-sets \
        --hosted-zone-id "$ZONE" | /usr/bin/python3 -c '
import json, sys
w = {}
for r in json.load(sys.stdin)["ResourceRecordSets"]:
    if r["Name"] == "api.shop.example.com." and "SetIdentifier" in r:
        w[r["SetIdentifier"]] = r.get("Weight", "?")
print(w.get("onprem", "?"), w.get("eks", "?"))'
}

# screen_weights NAME: "W_old W_new" of target NAME as the Traffic panel shows it (its block's
# "old ... weight N" and "new ... weight N" rows), or nothing.
screen_weights() {
    cap | /usr/bin/python3 -c '
import re, sys
name = sys.argv[1]
lines = sys.stdin.read().splitlines()
for i, l in enumerate(lines):
    if re.match(r"^\S[> ] " + re.escape(name) + r"  ", l) and i + 2 < len(lines):
        o = re.search(r"^\S  old \S+ +weight +(\d+)", lines[i + 1])
        n = re.search(r"^\S  new \S+ +weight +(\d+)", lines[i + 2])
        if o and n:
            print(o.group(1), n.group(1))
        break' "$1"
}

# screen_has_weights NAME OLD NEW: whether the panel shows exactly those weights for NAME.
screen_has_weights() { [ "$(screen_weights "$1")" = "$2 $3" ]; }

# check_agree OLD NEW: the screen, the simulator's Route53 and HAProxy all hold OLD/NEW.
check_agree() {
    local s_dns s_lb a h
    s_dns=$(screen_weights api-dns)
    s_lb=$(screen_weights api-lb)
    a=$(aws_weights)
    h=$(hap_weights api)
    echo "weights: screen api-dns [$s_dns] api-lb [$s_lb], aws [$a], haproxy [$h]"
    [ "$s_dns" = "$1 $2" ] || fail "screen shows api-dns at [$s_dns], expected [$1 $2]"
    [ "$s_lb" = "$1 $2" ] || fail "screen shows api-lb at [$s_lb], expected [$1 $2]"
    [ "$a" = "$1 $2" ] || fail "aws route53 says [$a], the screen [$s_dns]"
    [ "$h" = "$1 $2" ] || fail "haproxy show servers state says [$h], the screen [$s_lb]"
}

# select_target NAME: selects NAME in the Traffic panel (api-dns is first, api-lb second).
select_target() {
    keys g
    if [ "$1" = api-lb ]; then keys j; fi
    wait_for "> $1  " 5
}

# journal_check FILE N OUTCOME: N intents in FILE, each with a result of outcome OUTCOME.
journal_check() {
    /usr/bin/python3 - "$1" "$2" "$3" <<'PY' || fail "journal check failed (above)"
import json, sys
path, n, outcome = sys.argv[1], int(sys.argv[2]), sys.argv[3]
recs = [json.loads(l) for l in open(path) if l.strip()]
intents = [r for r in recs if r["kind"] == "intent"]
results = {r["id"]: r for r in recs if r["kind"] == "result"}
ok = len(intents) == n
for i in intents:
    r = results.get(i["id"])
    if r is None or r.get("outcome") != outcome:
        ok = False
        print("intent %s: result %s" % (i["id"], r and r.get("outcome")), file=sys.stderr)
    if r is not None and recs.index(r) < recs.index(i):
        ok = False
        print("result before intent for %s" % i["id"], file=sys.stderr)
if not ok:
    print("journal %s: %d intents (want %d)" % (path, len(intents), n), file=sys.stderr)
    sys.exit(1)
print("journal: %d intents, each with a %s result" % (n, outcome))
PY
}
