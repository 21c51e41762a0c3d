# Shared set-up of the runbook end-to-end tests (sourced after tests/lib/common.sh and test_init):
# the demo simulator with a config.yaml naming its weighted Route53 pair as traffic target api-dns,
# and independent witnesses of what happened (the aws CLI, the simulator's /requests).

# rb_start_sim: (re)starts the demo simulator; writes $XDG_CONFIG_HOME/cutover/config.yaml with
# kubeconfig and the api-dns target; sets AWS_URL, AWS_PROFILE_SIM, ZONE and exports the AWS
# CLI's config and credentials files. Clears $XDG_STATE_HOME (journals).
rb_start_sim() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
    rm -rf "$XDG_STATE_HOME" "$XDG_CONFIG_HOME"
    mkdir -p "$XDG_STATE_HOME" "$XDG_CONFIG_HOME/cutover"
    sim_start_demo
    eval "$(/usr/bin/python3 -c '
import json, sys
a = json.loads(sys.argv[1])["aws"]
print("AWS_URL=%s AWS_PROFILE_SIM=%s AWS_CONFIG_FILE=%s AWS_SHARED_CREDENTIALS_FILE=%s" %
      (a["url"], a["profile"], a["config_file"], a["credentials_file"]))' "$SIM_READY")"
    export AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
    ZONE=$(/usr/bin/aws --profile "$AWS_PROFILE_SIM" --endpoint-url "$AWS_URL" --output text \
        route53 list-hosted-zones --query 'HostedZones[?Name==`example.com.`].Id' | sed 's#/hostedzone/##')
    [ -n "$ZONE" ] || fail "no example.com. zone at the simulator"
    cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<CFG
kubeconfig: $TMP/kubeconfig
traffic:
  - name: api-dns
    provider: route53
    production: true
    plan: [0, 10, 30, 50, 100]
    old: onprem
    new: eks
    zone_id: $ZONE
    record: api.shop.example.com.
    aws:
      profile: $AWS_PROFILE_SIM
      endpoint: $AWS_URL
CFG
}

# rb_aws_weights: "OLD NEW" as the aws CLI reads the two weighted records.
rb_aws_weights() {
    /usr/bin/aws --profile "$AWS_PROFILE_SIM" --endpoint-url "$AWS_URL" --output json \
        route53 list-resource-record-sets --hosted-zone-id "$ZONE" \
        --start-record-name api.shop.example.com. --start-record-type A |
        /usr/bin/python3 -c '
import json, sys
w = {r.get("SetIdentifier"): r.get("Weight") for r in json.load(sys.stdin)["ResourceRecordSets"]
     if r["Name"] == "api.shop.example.com." and r["Type"] == "A"}
print(w.get("onprem"), w.get("eks"))'
}

# rb_changes: how many ChangeResourceRecordSets the simulator answered.
rb_changes() {
    admin GET /requests | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get("aws", {}).get("by_action", {}).get("route53:ChangeResourceRecordSets", 0))'
}

# rb_agent AGENT FIELD: the simulator's count of FIELD (total, mutating) for the User-Agent
# product token AGENT (Kubernetes and AWS requests together); 0 when it never called.
rb_agent() {
    admin GET /requests | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get("by_agent", {}).get(sys.argv[1], {}).get(sys.argv[2], 0))' "$1" "$2"
}

# rb_run_fail MESSAGE: a fail() for the line-mode tests: the message and every $TMP/run*.out,
# then exit 1.
rb_run_fail() {
    echo "FAIL: $*" >&2
    for f in "$TMP"/run*.out; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
    exit 1
}

# rb_runbook NAME: writes $RB, the runbook NAME from onprem-prod to eks-prod whose steps: list is
# read from stdin.
rb_runbook() {
    {
        printf 'name: %s\nsource: onprem-prod\ntarget: eks-prod\nsteps:\n' "$1"
        cat
    } >"$RB"
}

# rb_screen_fail MESSAGE: a fail() for the tmux tests: the message, the pane's screen and every
# $TMP/*.out and $TMP/*.err, then exit 1.
rb_screen_fail() {
    echo "FAIL: $*" >&2
    echo "--- screen ---" >&2
    cap >&2 || true
    for f in "$TMP"/*.out "$TMP"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
    exit 1
}

# rb_tmux_env: the `env ...` prefix a tmux pane needs to run cutover on this test's simulator
# (state and config dirs, the aws CLI's files; rb_start_sim first).
rb_tmux_env() {
    echo "env XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME" \
        "AWS_CONFIG_FILE=$AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE=$AWS_SHARED_CREDENTIALS_FILE"
}

# rb_user_agents: sets FOLLOW_UA and DRIVER_UA, the User-Agent product tokens of the observer and
# of the driver of this cutover build (for rb_agent).
rb_user_agents() {
    local version
    version=$("$CUTOVER_BIN" --version | awk '{print $2}')
    FOLLOW_UA="cutover-observer/$version"
    DRIVER_UA="cutover-runbook/$version"
}
