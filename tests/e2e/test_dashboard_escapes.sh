#!/usr/bin/env bash
# Text from the API that carries escape sequences (an event message and reason set through the
# simulator's admin) appears escaped on screen: visible as \x1b..., never interpreted (the pane
# title and the screen stay ours).
set -euo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"

SOCK="cutover-e2e-esc-$$"
TMP=$(mktemp -d)
export XDG_STATE_HOME="$TMP/state" XDG_CONFIG_HOME="$TMP/config"
SIM_PID=
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

cap() { tmux -L "$SOCK" capture-pane -p -t e2e; }
fail() {
    echo "FAIL: $*" >&2
    cap >&2 || true
    exit 1
}
wait_for_fixed() {
    local deadline=$((SECONDS + ${2:-20}))
    while ((SECONDS < deadline)); do
        if cap | grep -qF -- "$1"; then return 0; fi
        sleep 0.2
    done
    fail "'$1' did not appear within ${2:-20}s"
}
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

"$CUTOVER_SIM" --demo --write-kubeconfig "$TMP/kubeconfig" >"$TMP/ready" 2>"$TMP/sim.log" &
SIM_PID=$!
deadline=$((SECONDS + 30))
until grep -q '}' "$TMP/ready" 2>/dev/null; do
    ((SECONDS < deadline)) || { cat "$TMP/sim.log" >&2; echo "FAIL: simulator not ready" >&2; exit 1; }
    sleep 0.2
done
ADMIN=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["admin"])' "$TMP/ready")

tmux -L "$SOCK" new-session -d -s e2e -x 200 -y 50 \
    "$CUTOVER_BIN --kubeconfig $TMP/kubeconfig --source onprem-prod --target eks-prod; sleep 60"
wait_for_fixed 'logging/fluentd' 30
title_before=$(tmux -L "$SOCK" display-message -p -t e2e '#{pane_title}')

# JSON \u001b is ESC, \u0007 BEL: a title change, a screen clear and a colour change
admin POST /mutate '{"cluster":"eks-prod","op":"add-event","namespace":"shop","type":"Warning","reason":"Evil\u001b[31mRed","object":"Pod/checkout-evil","message":"pwn\u001b]0;PWNED\u0007 then \u001b[2J cleared"}' >/dev/null

wait_for_fixed 'pwn\x1b]0;PWNED\x07 then \x1b[2J cleared' 30
wait_for_fixed 'Evil\x1b[31mRed'
# the rest of the screen is intact (no clear happened) and the title was not changed
cap | grep -qF 'logging/fluentd' || fail "the screen was cleared"
title_after=$(tmux -L "$SOCK" display-message -p -t e2e '#{pane_title}')
[ "$title_after" = "$title_before" ] || fail "pane title changed to '$title_after'"
[[ "$title_after" != *PWNED* ]] || fail "an escape sequence reached the terminal"
echo "ok: API text with escape sequences is shown escaped"
