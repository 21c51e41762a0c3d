# Shell helpers shared by tests/integration and tests/e2e scripts: a temp dir that is removed on
# exit, cutover-sim started and its ready line read, and a tmux pane to drive and poll.
# Sourced, never run: `. "$(dirname "$0")/../lib/common.sh"`. A script may define its own
# fail() after sourcing this file; the helpers below call whichever fail() is defined.

# test_init: makes $TMP, points XDG state and config into it, and cleans up on exit.
test_init() {
    TMP=$(mktemp -d)
    export XDG_STATE_HOME="$TMP/state" XDG_CONFIG_HOME="$TMP/config"
    trap test_cleanup EXIT
}

SIM_PID=
SOCK_BASE=
NSOCK=0
SOCK=

# test_cleanup: kills the tmux servers and the simulator this script started, removes $TMP
# (kept when KEEP_TMP is set, for looking into a failure).
test_cleanup() {
    local i
    if [ -n "$SOCK_BASE" ]; then
        for ((i = 0; i <= NSOCK; i++)); do
            tmux -L "$SOCK_BASE-$i" kill-server 2>/dev/null || true
        done
    fi
    haproxy_prom_cleanup
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    if [ -n "${TMP:-}" ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$TMP"; fi
}

# ---- the simulator --------------------------------------------------------------------------

# sim_start_demo: starts `cutover-sim --demo` writing $TMP/kubeconfig (stdout in $TMP/sim.out,
# stderr in $TMP/sim.err) and waits up to 30 s for its ready line; sets SIM_PID, SIM_READY (the
# line) and ADMIN (its admin URL).
sim_start_demo() {
    # emptied here, not only by the background job's redirection: a restart's wait below could
    # otherwise read the previous simulator's ready line before the new one truncates the file
    : >"$TMP/sim.out"
    "$CUTOVER_SIM" --demo --write-kubeconfig "$TMP/kubeconfig" >"$TMP/sim.out" 2>"$TMP/sim.err" &
    SIM_PID=$!
    local deadline=$((SECONDS + 30))
    until grep -q '"admin".*}' "$TMP/sim.out" 2>/dev/null; do
        if ! kill -0 "$SIM_PID" 2>/dev/null; then
            cat "$TMP/sim.err" >&2
            fail "cutover-sim exited before it was ready"
        fi
        if ((SECONDS >= deadline)); then
            cat "$TMP/sim.err" >&2
            fail "cutover-sim printed no ready line within 30 s"
        fi
        sleep 0.2
    done
    SIM_READY=$(head -n 1 "$TMP/sim.out")
    ADMIN=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["admin"])' \
        "$SIM_READY") || fail "bad ready line: $SIM_READY"
}

# admin METHOD PATH [JSON]: one request to the simulator's admin address; prints the response
# body and fails (non-zero) on an HTTP error.
admin() {
    /usr/bin/python3 - "$ADMIN" "$@" <<'PY'
import sys, urllib.request
base, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(base.rstrip('/') + path, data=body, method=method,
                             headers={'Content-Type': 'application/json'})
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.write(r.read().decode())
PY
}

# ---- a tmux pane ------------------------------------------------------------------------------

# tmux_init NAME: names this script's tmux sockets cutover-e2e-NAME-PID-N.
tmux_init() {
    SOCK_BASE="cutover-e2e-$1-$$"
    NSOCK=0
    SOCK="$SOCK_BASE-0"
}

# tmux_run WIDTH HEIGHT COMMAND: runs COMMAND in session e2e of a fresh tmux server.
tmux_run() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    NSOCK=$((NSOCK + 1))
    SOCK="$SOCK_BASE-$NSOCK"
    tmux -L "$SOCK" new-session -d -s e2e -x "$1" -y "$2" "$3"
}

# tmux_shell WIDTH HEIGHT: a fresh pane with a bare bash at the prompt "e2e-shell$ ".
tmux_shell() {
    tmux_run "$1" "$2" "env PS1='e2e-shell\$ ' bash --norc --noprofile"
    wait_for 'e2e-shell\$'
}

# cap [OPTIONS]: the pane's screen (capture-pane options such as -e pass through).
cap() { tmux -L "$SOCK" capture-pane -p -t e2e "$@"; }

# keys KEY...: types into the pane.
keys() { tmux -L "$SOCK" send-keys -t e2e "$@"; }

# fail MESSAGE: reports, shows the screen and exits 1.
fail() {
    echo "FAIL: $*" >&2
    echo "--- screen ---" >&2
    cap >&2 || true
    exit 1
}

# fail_dump MESSAGE [BYTES]: reports, shows the start (BYTES, default 4000) of every $TMP/*.out
# and $TMP/*.err, and exits 1: for scripts that run commands into files rather than a pane
# (`fail() { fail_dump "$1" 6000; }`).
fail_dump() {
    echo "FAIL: $1" >&2
    local f
    for f in "$TMP"/*.out "$TMP"/*.err; do
        [ -f "$f" ] && { echo "--- $f" >&2; head -c "${2:-4000}" "$f" >&2; }
    done
    exit 1
}

# poll SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds (0) or SECONDS pass (1).
poll() {
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        if "$@"; then return 0; fi
        sleep 0.2
    done
    return 1
}

screen_matches() { cap | grep -qE -- "$1"; }
screen_lacks() { ! cap | grep -qE -- "$1"; }
screen_contains() { cap | grep -qF -- "$1"; }

# wait_for REGEX [SECONDS]: polls the screen until an extended regex matches (default 20 s).
wait_for() {
    poll "${2:-20}" screen_matches "$1" || fail "'$1' did not appear within ${2:-20}s"
}

# wait_gone REGEX [SECONDS]: polls until the regex no longer matches.
wait_gone() {
    poll "${2:-20}" screen_lacks "$1" || fail "'$1' was still on screen after ${2:-20}s"
}

# wait_for_fixed TEXT [SECONDS]: polls the screen until it holds TEXT as it is.
wait_for_fixed() {
    poll "${2:-20}" screen_contains "$1" || fail "'$1' did not appear within ${2:-20}s"
}

# ---- HAProxy and Prometheus (Debian's real ones, on loopback) ---------------------------------
# Usage (after test_init):
#   haproxy_start [BACKEND OLD NEW OLD_WEIGHT NEW_WEIGHT]   (defaults: api onprem eks 100 0)
#     sets HAPROXY_PID, HAPROXY_SOCK (unix socket path), HAPROXY_UNIX ("unix:$HAPROXY_SOCK"),
#     HAPROXY_TCP ("tcp:127.0.0.1:PORT"), HAPROXY_FE_PORT (HTTP frontend balancing over the two
#     servers, each a frontend of the same haproxy answering 200 "old"/"new"),
#     HAPROXY_METRICS_PORT (Prometheus exporter at /metrics); its files are in $TMP/haproxy.
#   haproxy_cmd "show servers state api"   one command over the unix socket (python3, not
#     cutover's code: an independent witness), the answer on stdout.
#   haproxy_weight BACKEND SERVER           the server's srv_uweight as `show servers state` says.
#   haproxy_stop                            SIGTERM; haproxy_kill: SIGKILL (a socket that vanishes).
#   prom_start TARGET                        prometheus scraping TARGET (host:port, /metrics) every
#     1 s; sets PROM_PID and PROM_URL ("http://127.0.0.1:PORT") once /-/ready answers; prom_stop.
# test_cleanup stops both. The C equivalents are in tests/lib/haproxy_test.h.

HAPROXY_PID=
PROM_PID=

# free_port: prints a loopback TCP port that was free a moment ago.
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

haproxy_start() {
    local be=${1:-api} old=${2:-onprem} new=${3:-eks} ow=${4:-100} nw=${5:-0}
    local dir="$TMP/haproxy" admin p0 p1
    mkdir -p "$dir"
    HAPROXY_SOCK="$dir/admin.sock"
    HAPROXY_UNIX="unix:$HAPROXY_SOCK"
    admin=$(free_port)
    HAPROXY_FE_PORT=$(free_port)
    HAPROXY_METRICS_PORT=$(free_port)
    p0=$(free_port)
    p1=$(free_port)
    HAPROXY_TCP="tcp:127.0.0.1:$admin"
    cat >"$dir/haproxy.cfg" <<HACFG
global
    stats socket $HAPROXY_SOCK level admin
    stats socket ipv4@127.0.0.1:$admin level admin
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:$HAPROXY_FE_PORT
    default_backend $be
frontend metrics
    bind 127.0.0.1:$HAPROXY_METRICS_PORT
    http-request use-service prometheus-exporter if { path /metrics }
    http-request return status 404
frontend app_old
    bind 127.0.0.1:$p0
    http-request return status 200 content-type text/plain string old
frontend app_new
    bind 127.0.0.1:$p1
    http-request return status 200 content-type text/plain string new
backend $be
    balance roundrobin
    server $old 127.0.0.1:$p0 weight $ow
    server $new 127.0.0.1:$p1 weight $nw
HACFG
    /usr/sbin/haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
    HAPROXY_PID=$!
    local deadline=$((SECONDS + 15))
    until haproxy_cmd "show info" >/dev/null 2>&1; do
        if ! kill -0 "$HAPROXY_PID" 2>/dev/null; then
            cat "$dir/haproxy.log" >&2
            HAPROXY_PID=
            fail "haproxy exited before it was ready"
        fi
        if ((SECONDS >= deadline)); then
            cat "$dir/haproxy.log" >&2
            fail "haproxy not ready within 15 s"
        fi
        sleep 0.1
    done
}

haproxy_cmd() {
    /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
b = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    b += d
sys.stdout.write(b.decode())
' "$HAPROXY_SOCK" "$1"
}

haproxy_weight() {
    haproxy_cmd "show servers state $1" | /usr/bin/python3 -c '
import sys
cols = None
for line in sys.stdin:
    f = line.split()
    if line.startswith("#"):
        cols = f[1:]
    elif cols and len(f) == len(cols) and f[cols.index("srv_name")] == sys.argv[1]:
        print(f[cols.index("srv_uweight")])
' "$2"
}

haproxy_stop() {
    if [ -n "$HAPROXY_PID" ]; then
        kill "$HAPROXY_PID" 2>/dev/null || true
        wait "$HAPROXY_PID" 2>/dev/null || true
        HAPROXY_PID=
    fi
}

haproxy_kill() {
    if [ -n "$HAPROXY_PID" ]; then
        kill -9 "$HAPROXY_PID" 2>/dev/null || true
        wait "$HAPROXY_PID" 2>/dev/null || true
        HAPROXY_PID=
    fi
}

prom_start() {
    local dir="$TMP/prometheus" port
    mkdir -p "$dir"
    port=$(free_port)
    PROM_URL="http://127.0.0.1:$port"
    cat >"$dir/prometheus.yml" <<PROMCFG
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: haproxy
    scrape_interval: 1s
    static_configs:
      - targets: ['$1']
PROMCFG
    /usr/bin/prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
    PROM_PID=$!
    local deadline=$((SECONDS + 30))
    until /usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/-/ready", timeout=2)' "$PROM_URL" 2>/dev/null; do
        if ! kill -0 "$PROM_PID" 2>/dev/null; then
            cat "$dir/prometheus.log" >&2
            PROM_PID=
            fail "prometheus exited before it was ready"
        fi
        if ((SECONDS >= deadline)); then
            cat "$dir/prometheus.log" >&2
            fail "prometheus not ready within 30 s"
        fi
        sleep 0.2
    done
}

prom_stop() {
    if [ -n "$PROM_PID" ]; then
        kill "$PROM_PID" 2>/dev/null || true
        wait "$PROM_PID" 2>/dev/null || true
        PROM_PID=
    fi
}

# haproxy_prom_cleanup: stops haproxy and prometheus if running (called by test_cleanup).
haproxy_prom_cleanup() {
    haproxy_stop
    prom_stop
}
