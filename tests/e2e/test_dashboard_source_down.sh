#!/usr/bin/env bash
# Taking the source cluster down through the simulator's admin address turns the source column
# stale, with its error beside its last good data, while the target keeps updating; clearing
# the fault recovers without a restart.
set -euo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init down

# side_line N SIDE: row N (1-based) of the screen, left (source) or right (target) half.
side_line() {
    local row
    row=$(cap | sed -n "${1}p")
    if [ "$2" = source ]; then printf '%s\n' "${row:0:80}"; else printf '%s\n' "${row:81}"; fi
}
side_matches() { side_line "$1" "$2" | grep -qE -- "$3"; }
wait_side() { # ROW SIDE REGEX SECONDS
    poll "$4" side_matches "$1" "$2" "$3" ||
        fail "row $1 ($2) did not match '$3' within $4s: '$(side_line "$1" "$2")'"
}

sim_start_demo
tmux_run 161 48 "$CUTOVER_BIN --kubeconfig $TMP/kubeconfig --source onprem-prod --target eks-prod; sleep 60"
wait_for 'us-east-1a +3/3 ' 30
wait_for 'logging/fluentd .*MISSING'
wait_side 2 source '^LIVE updated [0-9]+s ago' 10
wait_side 2 target '^LIVE updated [0-9]+s ago' 10

# source down: the column says STALE with its error, and keeps its last good data
admin POST /faults '{"cluster":"onprem-prod","fault":"down"}' >/dev/null
wait_side 2 source 'STALE [0-9]+[smh] .*[A-Za-z]{4,}' 45
cap | grep -qE 'us-east-1a +3/3 ' || fail "the source's last zone grid is gone"
cap | grep -qE 'logging/fluentd .*MISSING' || fail "the workloads of the last data are gone"
side_line 2 target | grep -qE '^LIVE updated' || fail "the target went stale with the source"

# the target keeps updating while the source is down: a scale there shows up
admin POST /mutate '{"cluster":"eks-prod","op":"scale","namespace":"shop","kind":"Deployment","name":"api","replicas":7}' >/dev/null
wait_for 'shop/api .*[0-9]+/7 ' 30
side_line 2 source | grep -q STALE || fail "the source recovered while still down"
side_line 2 target | grep -qE '^LIVE updated' || fail "the target is not fresh"

# the fault cleared: the source recovers without a restart
admin DELETE /faults >/dev/null
wait_side 2 source '^LIVE updated [0-9]+s ago' 60
# `r` relists both clusters now: the simulator sees a burst of LIST requests from each
requests() { admin GET /requests | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["by_cluster"][sys.argv[1]]["total"])' "$1"; }
before_src=$(requests onprem-prod)
before_tgt=$(requests eks-prod)
keys r
wait_for 'refreshing both clusters'
deadline=$((SECONDS + 15))
until (($(requests onprem-prod) >= before_src + 5 && $(requests eks-prod) >= before_tgt + 5)); do
    ((SECONDS < deadline)) || fail "r did not relist both clusters"
    sleep 0.3
done
echo "ok: source down turns stale with its error, target keeps updating, recovery without restart"
