#!/usr/bin/env bash
# Load benchmarks: cutover's pair load beside kubectl's, on the same simulator, in one run.
#
#   bench/run.sh           quick mode: 10k pods x 500 nodes per cluster (well under a minute)
#   bench/run.sh --full    {10k, 50k, 150k} pods x {500, 5000} nodes per cluster
#   bench/run.sh --sizes "50000:500 150000:5000"
#   bench/run.sh --gzip    let the simulator compress (by default it does not: one zlib stream
#                          does ~100 MB/s and would make the simulator the bottleneck)
#
# Needs a build in $BUILD_DIR (default build): ./dev build. Prints a Markdown table; copy it
# into bench/README.md with the machine it ran on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
sim=$build/cutover-sim
load=$build/bench_load
steady=${STEADY_SECONDS:-10}
sizes="10000:500"
kubectl_runs=1
sim_args=(--no-gzip)
while [ $# -gt 0 ]; do
    case "$1" in
    --full) sizes="10000:500 10000:5000 50000:500 50000:5000 150000:500 150000:5000" ;;
    --sizes) sizes=$2; shift ;;
    --no-kubectl) kubectl_runs=0 ;;
    --gzip) sim_args=() ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
for b in "$sim" "$load"; do
    [ -x "$b" ] || { echo "bench/run.sh: $b missing: run ./dev build first" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/cutover-bench.XXXXXX)
simpid=""
cleanup() {
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

scenario() { # pods nodes -> a two-cluster scenario with generated objects and churn
    local pods=$1 nodes=$2
    cat <<EOF
source: bench-source
target: bench-target
clusters:
EOF
    for c in bench-source bench-target; do
        cat <<EOF
  - name: $c
    context: $c
    version: v1.29.10
    platform: self-managed
    region: us-east-1
    nodes:
      - {role: control-plane, zone: us-east-1a, count: 3, instance_type: m5.xlarge}
    churn:
      restarts_per_sec: 20
    size:
      nodes: $nodes
      pods: $pods
      namespaces: 50
      pods_per_workload: 10
      containers_per_pod: 2
      images_per_node: 50
      zones: [us-east-1a, us-east-1b, us-east-1c]
EOF
    done
}

start_sim() {
    scenario "$1" "$2" >"$tmp/scenario.yaml"
    "$sim" "${sim_args[@]}" --scenario "$tmp/scenario.yaml" --write-kubeconfig "$tmp/kubeconfig" \
        >"$tmp/ready" 2>"$tmp/sim.log" &
    simpid=$!
    for _ in $(seq 1 600); do
        [ -s "$tmp/ready" ] && return 0
        kill -0 "$simpid" 2>/dev/null || { cat "$tmp/sim.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "bench/run.sh: the simulator did not get ready" >&2
    exit 1
}

stop_sim() {
    kill "$simpid" 2>/dev/null || true
    wait "$simpid" 2>/dev/null || true
    simpid=""
}

kubectl_time() { # label args... -> "seconds peak-MiB"
    local out
    out=$( { /usr/bin/time -f '%e %M' kubectl --kubeconfig "$tmp/kubeconfig" \
        --context bench-source --cache-dir "$tmp/kcache" "$@" >/dev/null; } 2>&1 | tail -1)
    awk '{printf "%.1f s, %.0f MiB", $1, $2 / 1024}' <<<"$out"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "cutover load benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -m)"
echo "load average before: $(loadavg)"
echo
echo "| pods x nodes per cluster | first rows | whole pair | CPU | peak RSS | received | steady CPU @20 changes/s/cluster | kubectl get pods -A (1 cluster) | --chunk-size=0 | get nodes -o json | ratio (pair vs 1 cluster get pods -A) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for size in $sizes; do
    pods=${size%%:*}
    nodes=${size##*:}
    start_sim "$pods" "$nodes"
    # shellcheck disable=SC2086 # BENCH_LOAD_ARGS: extra bench_load options, e.g. --publish-ms 200
    json=$("$load" ${BENCH_LOAD_ARGS:-} --kubeconfig "$tmp/kubeconfig" --source bench-source --target bench-target \
        --timeout 300 --steady "$steady" --json)
    read -r first full cpu rss rd steadycpu < <(/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["first_rows_s"], d["whole_model_s"], d["cpu_s"], d["peak_rss_mib"], d["received_mib"], d["steady_cpu_pct"])
' "$json")
    k1="-" k2="-" k3="-" ratio="-"
    if [ "$kubectl_runs" = 1 ]; then
        k1=$(kubectl_time get pods -A)
        k2=$(kubectl_time get pods -A --chunk-size=0)
        k3=$(kubectl_time get nodes -o json)
        ratio=$(awk -v a="${k1%% s*}" -v b="$full" 'BEGIN { if (b > 0) printf "%.1fx", a / b }')
    fi
    steady_per_cluster=$(awk -v s="$steadycpu" 'BEGIN { printf "%.2f%%", s / 2 }')
    printf '| %s x %s | %.2f s | %.2f s | %.2f s | %.0f MiB | %.0f MiB | %s of a core | %s | %s | %s | %s |\n' \
        "$pods" "$nodes" "$first" "$full" "$cpu" "$rss" "$rd" "$steady_per_cluster" \
        "$k1" "$k2" "$k3" "$ratio"
    stop_sim
done
echo
echo "load average after: $(loadavg) (the machine is shared: wall times are upper bounds when it is" \
    "above the core count; CPU seconds are this process's own)"
