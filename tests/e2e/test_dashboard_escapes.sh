#!/usr/bin/env bash
# Text from the API that carries escape sequences (an event message and reason set through the
# simulator's admin) appears escaped on screen: visible as \x1b..., never interpreted (the pane
# title and the screen stay ours).
set -euo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SIM:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init esc

sim_start_demo
tmux_run 200 50 "$CUTOVER_BIN --kubeconfig $TMP/kubeconfig --source onprem-prod --target eks-prod; sleep 60"
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
