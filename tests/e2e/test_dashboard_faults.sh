#!/usr/bin/env bash
# The fault matrix on screen (issue #7): for faults on one resource of the source cluster (500 on
# pods, a truncated nodes LIST, a secrets LIST that is not JSON, 429 with Retry-After on pods, a
# reset mid-body) the dashboard keeps running, the source column says STALE with that error, the
# last good zone grid and workloads stay, the target stays LIVE; once the fault is cleared the
# source is LIVE again without a restart.
set -euo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init faults

row2() { cap | sed -n 2p; }
src_status() { local r; r=$(row2); printf '%s\n' "${r:0:80}"; }
src_matches() { src_status | grep -qE -- "$1"; }
wait_src() { # REGEX SECONDS
    poll "$2" src_matches "$1" || fail "the source status did not match '$1' within $2s: '$(src_status)'"
}
tgt_live() { local r; r=$(row2); printf '%s\n' "${r:81}" | grep -qE '^LIVE updated'; }
stale_age() { src_status | grep -oE 'STALE [0-9]+' | grep -oE '[0-9]+'; }
age_moved() { [ "$(stale_age)" != "$1" ]; }

sim_start_demo
tmux_run 161 48 "$CUTOVER_BIN --kubeconfig $TMP/kubeconfig --source onprem-prod --target eks-prod; sleep 60"
wait_for 'us-east-1a +3/3 ' 30
wait_for 'logging/fluentd .*MISSING'
wait_src '^LIVE updated [0-9]+s ago' 10

# fault JSON | what the status line must say
cases=(
    '{"cluster":"onprem-prod","fault":"error","status":500,"path":"/api/v1/pods"}|HTTP 500'
    '{"cluster":"onprem-prod","fault":"truncate","path":"/api/v1/nodes"}|nodes.*(truncated|malformed)'
    '{"cluster":"onprem-prod","fault":"invalid","path":"/api/v1/secrets"}|secrets.*malformed'
    '{"cluster":"onprem-prod","fault":"429","retry_after":1,"path":"/api/v1/pods"}|HTTP 429'
    '{"cluster":"onprem-prod","fault":"drop","path":"/api/v1/nodes"}|nodes.*(cut|closed|reset)'
)
for c in "${cases[@]}"; do
    fault=${c%%|*}
    want=${c#*|}
    admin POST /faults "$fault" >/dev/null
    keys r # relist now: the LIST meets the fault
    wait_src "STALE [0-9]+[smh] .*$want" 30
    cap | grep -qE 'us-east-1a +3/3 ' || fail "$fault: the source's last zone grid is gone"
    cap | grep -qE 'logging/fluentd .*MISSING' || fail "$fault: the last workloads are gone"
    tgt_live || fail "$fault: the target went stale too"
    # the UI keeps running: the stale age moves on (the screen redraws by itself)
    age=$(stale_age)
    poll 10 age_moved "$age" ||
        fail "$fault: the screen stopped redrawing (STALE ${age}s)"
    admin DELETE /faults >/dev/null
    keys r
    wait_src '^LIVE updated [0-9]+s ago' 30
    echo "ok: $fault -> STALE with /$want/, recovered"
done
echo "ok: the dashboard shows each fault as STALE with its error and recovers"
