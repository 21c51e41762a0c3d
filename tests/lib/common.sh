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

# test_cleanup: kills the tmux servers and the simulator this script started, removes $TMP.
test_cleanup() {
    local i
    if [ -n "$SOCK_BASE" ]; then
        for ((i = 0; i <= NSOCK; i++)); do
            tmux -L "$SOCK_BASE-$i" kill-server 2>/dev/null || true
        done
    fi
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    if [ -n "${TMP:-}" ]; then rm -rf "$TMP"; fi
}

# ---- the simulator --------------------------------------------------------------------------

# sim_start_demo: starts `cutover-sim --demo` writing $TMP/kubeconfig (stdout in $TMP/sim.out,
# stderr in $TMP/sim.err) and waits up to 30 s for its ready line; sets SIM_PID, SIM_READY (the
# line) and ADMIN (its admin URL).
sim_start_demo() {
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
