#!/usr/bin/env bash
# Issue #7, the fault matrix on screen: the cells tests/e2e/test_dashboard_faults.sh leaves to the
# unit level (tests/unit/test_fault_matrix.c, which has no UI), on the running dashboard.
# Kubernetes (the source cluster): an expired token (401, the exec plugin then hands out a token
# the server refuses), an exec plugin that fails, one that hangs, 503 on nodes, the cluster down
# (connection refused). The traffic provider (Route53 ListResourceRecordSets): 500, 503, 429,
# ExpiredToken, the endpoint down.
# Each cell: the UI keeps running (the STALE age moves on by itself), the data is shown stale WITH
# the error, the last good data stays; meanwhile the server changes (a node goes NotReady, the
# weights are changed with the aws CLI); once the fault ends, and without a key pressed, the
# screen is LIVE again within the backoff bound and shows the server's new state. (r is pressed
# once when a Kubernetes fault starts, so that a LIST meets it rather than the open watches.)
set -euo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
test_init
tmux_init faultmatrix
rb_start_sim
PY=/usr/bin/python3
BOUND=40 # s: the informer's 30 s backoff ceiling (+ jitter), or the exec timeout of a hang
EXEC_TIMEOUT=30 # s: k8s_http's exec plugin timeout (not configurable: k8s_http_opts.exec_timeout_ms)

# The source's user gets its (real) token from an exec plugin steered by $TMP/exec/mode:
# ok (the token), expired (a token the server refuses), fail (exit 1), hang (sleeps).
mkdir -p "$TMP/exec"
echo ok >"$TMP/exec/mode"
$PY - "$TMP/kubeconfig" "$TMP/exec" <<'PY'
import sys, yaml
path, d = sys.argv[1], sys.argv[2]
kc = yaml.safe_load(open(path))
u = next(x["user"] for x in kc["users"] if x["name"] == "onprem-prod-admin")
tok = u.pop("token")
with open(d + "/plugin.sh", "w") as f:
    f.write("""#!/bin/sh
mode=$(cat %s/mode)
case $mode in
fail) echo "plugin: cannot reach the identity provider" >&2; exit 1 ;;
hang) sleep 300 ;;
expired) t=expired-token ;;
*) t=%s ;;
esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%%s"}}' "$t"
""" % (d, tok))
u["exec"] = {"apiVersion": "client.authentication.k8s.io/v1", "command": d + "/plugin.sh",
             "interactiveMode": "Never"}
yaml.safe_dump(kc, open(path, "w"))
PY
chmod 0700 "$TMP/exec/plugin.sh"

kc() { kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/kcache" "$@"; }
node_ready() { # CTX NODE true|false, through the simulator (kubectl cannot set status)
    admin POST /mutate "{\"cluster\":\"$1\",\"op\":\"node-ready\",\"name\":\"$2\",\"ready\":$3}" >/dev/null
}
set_weights() { # OLD NEW, with the aws CLI (someone else's change)
    local batch
    batch=$($PY - "$1" "$2" <<'PY'
import json, sys
old, new = int(sys.argv[1]), int(sys.argv[2])
ch = lambda sid, w, ip: {"Action": "UPSERT", "ResourceRecordSet": {
    "Name": "api.shop.example.com.", "Type": "A", "SetIdentifier": sid, "Weight": w, "TTL": 60,
    "ResourceRecords": [{"Value": ip}]}}
print(json.dumps({"Changes": [ch("onprem", old, "203.0.113.10"), ch("eks", new, "198.51.100.20")]}))
PY
)
    /usr/bin/aws --profile "$AWS_PROFILE_SIM" --endpoint-url "$AWS_URL" route53 \
        change-resource-record-sets --hosted-zone-id "$ZONE" --change-batch "$batch" >/dev/null
}

tmux_run 161 48 "$CUTOVER_BIN --source onprem-prod --target eks-prod 2>$TMP/dash.err; echo cutover-exit=\$?; sleep 60"
wait_for 'us-east-1a +3/3 ' 30
wait_for 'api-dns' 30
wait_for '0% to new' 30

src() { cap | sed -n 2p | cut -c1-80; }
src_is() { src | grep -qE -- "$1"; }
api_line() { cap | grep -E -A6 '(^|[^a-z-])api-dns ' | tr '\n' ' '; }
api_is() { api_line | grep -qE -- "$1"; }
stale_with() { cap | grep -E 'STALE' | grep -qE -- "$1"; }
age_of() { grep -oE 'STALE [0-9]+' | grep -oE '[0-9]+'; }
k8s_age_moved() { [ "$(src | age_of)" != "$1" ]; }
recovered_in() { # WHAT TEST...: polls without a key; prints the seconds it took
    local what=$1 t0=$SECONDS
    shift
    poll "$BOUND" "$@" || fail "$what: not recovered within ${BOUND}s of the fault's end"
    echo $((SECONDS - t0))
}

# ---- Kubernetes cells on the source ----------------------------------------------------------
# The zone grid's source column: us-east-1a's control plane is 3/3 until the node goes NotReady.
grid_has() { cap | grep -qE -- "$1"; }
victim=ip-10-0-0-4.ec2.internal
n=0
grid_now='us-east-1a +3/3 '
k8s_cell() { # NAME STALE-REGEX SETUP... (the fault is on while SETUP's effect lasts)
    local name=$1 want=$2
    shift 2
    n=$((n + 1))
    "$@"
    keys r # relist now: the LIST meets the fault (open watches would not)
    # a hanging plugin: k8s_http runs it once for all the requests waiting for a credential
    # (unit/test_k8s_http), but a request that starts after that run failed runs it again, so
    # the error the header shows can come from a second run
    local wait=60
    case $name in *hangs*) wait=$((2 * EXEC_TIMEOUT + 20)) ;; esac
    wait_for_src "STALE [0-9]+[smh] .*($want)" "$name" "$wait"
    # a hang's "timed out after 30000 ms" can be past the column's cut (after a long URL): the
    # screen names the exec plugin, the log line of the same error says it timed out
    case $name in *hangs*)
        poll 10 grep -qE 'exec plugin [^ ]+ timed out after' "$XDG_STATE_HOME/cutover/cutover.log" ||
            fail "$name: no 'exec plugin ... timed out' error in the log" ;;
    esac
    grid_has "$grid_now" || fail "$name: the last good zone grid ($grid_now) is gone"
    local age
    age=$(src | age_of)
    poll 10 k8s_age_moved "$age" || fail "$name: the screen stopped redrawing (STALE ${age}s)"
    if [ "$(cat "$TMP/exec/mode")" != ok ]; then
        admin DELETE /faults >/dev/null
        sleep 3
        src_is "STALE [0-9]+[smh] .*($want)" || fail "$name: the plugin's answer alone did not keep it stale: '$(src)'"
    fi
    # the server changes during the fault: the reader must not show it yet, and must after
    local ready=false want_grid='us-east-1a +2/3 '
    [ $((n % 2)) = 1 ] || { ready=true want_grid='us-east-1a +3/3 '; }
    node_ready onprem-prod "$victim" "$ready"
    sleep 1
    src_is 'STALE' || fail "$name: not stale any more while the fault lasts"
    k8s_fault_off
    local took
    took=$(recovered_in "$name" src_is '^LIVE updated')
    poll 10 grid_has "$want_grid" || fail "$name: the zone grid does not show the server's change ($want_grid)"
    grid_now=$want_grid
    echo "ok: k8s $name: STALE with /$want/, LIVE again ${took}s after the fault ended, server state shown"
}
wait_for_src() { poll "${3:-60}" src_is "$1" || fail "$2: the source did not show '$1' within ${3:-60}s: '$(src)'"; }
k8s_fault_off() {
    admin DELETE /faults >/dev/null
    echo ok >"$TMP/exec/mode"
}
with_plugin() { # MODE: the plugin's answer changes, and 401s make the client run it again (the
    # 401 fault is removed once STALE shows: from then on only the plugin's answer keeps it so)
    echo "$1" >"$TMP/exec/mode"
    admin POST /faults '{"cluster":"onprem-prod","fault":"error","status":401}' >/dev/null
}
with_fault() { admin POST /faults "$1" >/dev/null; }

k8s_cell "expired token" '401|[Uu]nauthorized' with_plugin expired
k8s_cell "exec plugin fails" 'exec' with_plugin fail
k8s_cell "exec plugin hangs" 'exec plugin' with_plugin hang
k8s_cell "503 on nodes" '503' with_fault '{"cluster":"onprem-prod","fault":"error","status":503,"path":"/api/v1/nodes"}'
k8s_cell "connection refused" 'refused|connect|closed|reset|handshake' with_fault '{"cluster":"onprem-prod","fault":"down"}'
[ -s "$TMP/exec/mode" ] || fail "the plugin's mode file is gone"

# ---- the traffic provider ---------------------------------------------------------------------
old=100 new=0
no_error_shown=
r53_cell() { # NAME STALE-REGEX FAULT-FIELDS
    local name=$1 want=$2
    admin POST /faults "{\"service\":\"route53\",\"action\":\"ListResourceRecordSets\",$3}" >/dev/null
    poll 60 api_is "STALE" || fail "route53 $name: api-dns did not show STALE"
    # the error must be on screen beside the STALE mark (the block layout has a "STALE age
    # error" line under the target): collected, so the other assertions of the cell still run
    poll 5 stale_with "$want" || no_error_shown+="route53 $name (/$want/) "
    api_is "$new% to new" || fail "route53 $name: the last reading ($new% to new) is gone"
    # the UI answers keys while the provider fails (the one-line layout shows no age to watch)
    keys '?'
    wait_for 'Help: keys' 5
    keys Escape
    wait_gone 'Help: keys' 5
    # someone else changes the weights meanwhile (ChangeResourceRecordSets is not faulted)
    if [ "$new" = 0 ]; then old=70 new=30; else old=100 new=0; fi
    set_weights "$old" "$new"
    sleep 1
    api_is 'STALE' || fail "route53 $name: not stale any more while the fault lasts"
    admin DELETE /faults >/dev/null
    local took
    took=$(recovered_in "route53 $name" eval '! api_is STALE && api_is "(^|[^0-9])$new% to new"')
    [ "$(rb_aws_weights)" = "$old $new" ] || fail "route53 $name: the aws CLI reads $(rb_aws_weights), the screen $new%"
    echo "ok: route53 $name: STALE, reading kept, ${took}s to the server's $old/$new"
}
r53_cell 500 '500|InternalFailure' '"fault":"error","status":500'
r53_cell 503 '503|ServiceUnavailable' '"fault":"error","status":503'
r53_cell "429 throttled" '429|Throttl' '"fault":"429"'
r53_cell "expired token" 'ExpiredToken|expired' '"fault":"error","status":403,"code":"ExpiredToken"'
r53_cell "connection refused" 'refused|connect|closed|reset|[Ee]mpty' '"fault":"down"'

[ -z "$no_error_shown" ] || fail "STALE shown without its error for: $no_error_shown"

# still the same process: it never restarted
keys q
wait_for 'cutover-exit=0' 15
echo "ok: the dashboard ran through every cell and quit normally"
