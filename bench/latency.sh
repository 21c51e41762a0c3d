#!/usr/bin/env bash
# Keypress-to-redraw latency of the dashboard with the whole model loaded, from the timestamps
# the program records itself (CUTOVER_LATENCY_LOG: per key, the monotonic time it was read and
# the time the redraw after it was flushed, with its action), driving it through tmux.
#
#   bench/latency.sh           150k pods x 5k nodes per cluster (the issue's size)
#   bench/latency.sh --quick   10k pods x 500 nodes per cluster (well under a minute)
#   bench/latency.sh --sizes PODS:NODES
#
# Prints p50/p99/max per kind, first in the Workloads panel: scrolling (j, k, PgDn, PgUp, G, g),
# typing a filter (each key at the / prompt), applying a filter (Enter: a new regex over every
# row), clearing it (Esc); then in the all-pods view (P, every pod of both clusters): scrolling,
# a new sort (> and I), a new literal filter and a new regex filter (Enter), clearing it (Esc).
# Also the UI thread's time per wake-up (handing snapshots to the analysis worker, installing a
# finished analysis) and the analyses, the panels' rows prepared with them and the index
# builds off it (from the log).
# Needs a build in $BUILD_DIR (default build) and tmux. LATENCY_WRAP="perf record -g -o
# /tmp/ui.perf" runs the dashboard under a profiler.
set -euo pipefail
set -f # the regex filters typed below hold * and [ ]
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
size="150000:5000"
rounds=${ROUNDS:-40}
pause=0.12
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) size="10000:500"; rounds=${ROUNDS:-8}; pause=0.05 ;;
    --sizes) size=$2; shift ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/latency.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
for b in "$build/cutover-sim" "$build/cutover"; do
    [ -x "$b" ] || { echo "bench/latency.sh: $b missing: run ./dev build first" >&2; exit 2; }
done
pods=${size%%:*}
nodes=${size##*:}

tmp=$(mktemp -d /tmp/cutover-latency.XXXXXX)
sock="cutover-latency-$$"
simpid=""
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

{
    echo "source: bench-source"
    echo "target: bench-target"
    echo "clusters:"
    for c in bench-source bench-target; do
        cat <<YAML
  - name: $c
    context: $c
    version: v1.29.10
    platform: self-managed
    region: us-east-1
    nodes:
      - {role: control-plane, zone: us-east-1a, count: 3, instance_type: m5.xlarge}
    size:
      nodes: $nodes
      pods: $pods
      namespaces: 50
      pods_per_workload: 10
      containers_per_pod: 2
      images_per_node: 50
      zones: [us-east-1a, us-east-1b, us-east-1c]
YAML
    done
} >"$tmp/scenario.yaml"
"$build/cutover-sim" --no-gzip --scenario "$tmp/scenario.yaml" --write-kubeconfig "$tmp/kubeconfig" \
    >"$tmp/ready" 2>"$tmp/sim.log" &
simpid=$!
for _ in $(seq 1 1200); do
    [ -s "$tmp/ready" ] && break
    kill -0 "$simpid" 2>/dev/null || { cat "$tmp/sim.log" >&2; exit 1; }
    sleep 0.1
done
[ -s "$tmp/ready" ] || { echo "bench/latency.sh: the simulator did not get ready" >&2; exit 1; }

cap() { tmux -L "$sock" capture-pane -p -t lat; }
key() { tmux -L "$sock" send-keys -t lat "$@"; sleep "$pause"; }
tmux -L "$sock" -f /dev/null new-session -d -s lat -x 200 -y 60 \
    "XDG_STATE_HOME=$tmp/state CUTOVER_LATENCY_LOG=$tmp/lat.log TERM=xterm-256color ${LATENCY_WRAP:-} $build/cutover --kubeconfig $tmp/kubeconfig --source bench-source --target bench-target; sleep 600"
# The whole model: both columns LIVE (every resource listed) for two consecutive looks.
t0=$SECONDS
live=0
while ((live < 2)); do
    if [ "$(cap | sed -n 2p | grep -oE 'LIVE updated' | wc -l)" -ge 2 ]; then
        live=$((live + 1))
    else
        live=0
    fi
    ((SECONDS - t0 < 300)) || { cap; echo "bench/latency.sh: the pair never loaded" >&2; exit 1; }
    sleep 0.5
done
sleep 1
: >"$tmp/lat.log"

for _ in $(seq 1 "$rounds"); do
    key j; key j; key k; key PgDn; key PgDn; key PgUp; key G; key g
done
for i in $(seq 1 "$rounds"); do
    # a new regex each round (no cache can answer it), then cleared
    key /
    for ch in s h o p -; do key "$ch"; done
    key "$((i % 10))"
    key Enter
    key Escape
    key Escape
done
sleep 0.5
rows=$(cap | grep -oE 'Workloads [0-9]+' | awk 'NR == 1' || true)
cp "$tmp/lat.log" "$tmp/lat-workloads.log"
: >"$tmp/lat.log"

# ---- the all-pods view: every pod of both clusters, its index built off the UI thread --------
key P
t0=$SECONDS
until cap | sed -n 3p | grep -qE 'All pods [0-9]+ \(source' && ! cap | grep -q 'indexing'; do
    ((SECONDS - t0 < 300)) || { cap; echo "bench/latency.sh: the pods view never filled" >&2; exit 1; }
    sleep 0.2
done
sleep 1
allpods=$(cap | grep -oE 'All pods [0-9]+' | awk 'NR == 1' || true)
# a pod name from the list, to make filters from: "<workload>-<hash>-<suffix>"
sample=$(cap | grep -E '(source|target) +[a-z0-9-]+ +[a-z0-9.-]+ +[0-9?]+/[0-9]+ ' |
    sed -E 's/^[^a-z]*//' | awk 'NR == 3 {print $3}')
stem=$(echo "$sample" | sed -E 's/-[a-z0-9]+-[a-z0-9]+$//; s/-[0-9]+$//; s/[0-9]+$//')
: >"$tmp/lat.log"
for _ in $(seq 1 "$rounds"); do
    key j; key j; key k; key PgDn; key PgDn; key PgUp; key G; key g
done
for i in $(seq 1 "$rounds"); do
    key '>'; key '>'; key I # each a new sort of every row: a swap of a precomputed order
done
for i in $(seq 1 "$rounds"); do
    # a new literal each round (its first use: nothing cached answers it), then cleared
    key /
    for ch in $(echo "$stem-$((i % 10))" | sed 's/./& /g'); do key "$ch"; done
    key Enter
    key Escape
    # a new regex (metacharacters: regexec on every row), then cleared
    key /
    for ch in $(echo "^[a-z0-9-]+/$stem.*$((i % 10))\$" | sed 's/./& /g'); do key "$ch"; done
    key Enter
    key Escape
done
sleep 0.5
key q # closes the view
sleep 0.3
key q # quit cleanly (a profiler wrapping it writes its data)
sleep 3
/usr/bin/python3 - "$tmp/lat-workloads.log" "$tmp/lat.log" "$pods" "$nodes" "$rows" "$allpods" \
    "$stem" "$tmp/state" <<'PY'
import glob, os, re, sys
wl_path, ap_path, pods, nodes, rows, allpods, stem, state = sys.argv[1:9]
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
def table(kinds):
    print("| kind | keys | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    for k, v in sorted(kinds.items()):
        print(f"| {k} | {len(v)} | {pct(v, 50):.1f} ms | {pct(v, 99):.1f} ms | {max(v):.1f} ms |")
def read(path, pods_view):
    kinds, prompt = {}, ""
    for line in open(path):
        r, f, act = line.split(" ", 2)
        act = act.strip()
        ms = float(f) - float(r)
        if act == "snapshot":
            k = "(a wake-up on the UI thread: snapshots handed to the analysis worker, not a key)"
        elif act == "analysis":
            k = "(an analysis installed on the UI thread: pointer swap, panels' rows; not a key)"
        elif act in ("down", "up", "page-down", "page-up", "top", "bottom"):
            k = "scroll (j k PgDn PgUp G g)"
        elif act in ("sort-next", "sort-prev", "sort-reverse"):
            k = "a new sort (> I)"
        elif act == "filter":
            k, prompt = "open the / prompt", ""
        elif act == "prompt Enter":
            regex = pods_view and prompt.startswith("^")
            k = "apply a new regex filter (Enter)" if regex else "apply a new filter (Enter)"
        elif act.startswith("prompt "):
            k = "type at the / prompt"
            prompt += act[len("prompt "):]
        elif act in ("back", "clear-filter"):
            k = "clear the filter (Esc)"
        elif act == "quit" and pods_view:
            k = "close the view (q: runs the panels' analysis that waited)"
        else:
            k = act
        kinds.setdefault(k, []).append(ms)
    return kinds
print(f"keypress-to-redraw, {pods} pods x {nodes} nodes per cluster")
print(f"\nWorkloads panel ({rows} rows)")
table(read(wl_path, False))
print(f"\nAll-pods view ({allpods} rows; literal filters /{stem}-N, regex filters /^[a-z0-9-]+/{stem}.*N$)")
table(read(ap_path, True))
def worker_ms(pattern):
    """The ms of every log line the worker threads wrote matching pattern (its group 1)."""
    out = []
    for log in glob.glob(os.path.join(state, "**", "*.log"), recursive=True):
        for line in open(log, errors="replace"):
            m = re.search(pattern, line)
            if m:
                out.append(float(m.group(1)))
    return out
builds = worker_ms(r"podindex: \d+ pods indexed in ([0-9.]+) ms")
if builds:
    print(f"\nindex builds off the UI thread (worker): {len(builds)}, p50 {pct(builds, 50):.0f} ms, "
          f"max {max(builds):.0f} ms")
runs = worker_ms(r"analysis: \d+ workloads analysed in ([0-9.]+) ms")
if runs:
    print(f"analyses off the UI thread (worker): {len(runs)}, p50 {pct(runs, 50):.0f} ms, "
          f"p99 {pct(runs, 99):.0f} ms, max {max(runs):.0f} ms")
preps = worker_ms(r"analysis: .*rows prepared in ([0-9.]+) ms")
if preps:
    print(f"the panels' rows prepared with them (worker): p50 {pct(preps, 50):.1f} ms, "
          f"p99 {pct(preps, 99):.1f} ms, max {max(preps):.1f} ms")
print(f"load average after the run: {open('/proc/loadavg').read().strip()}")
PY
