#!/usr/bin/env bash
# `cutover demo` and the terminal it leaves: what the demo logs while it starts (its Route53 zone
# lookup, whose AWS client says where its credentials came from) and while the dashboard runs
# goes to the log file, never to the terminal, so after `q` the shell prompt follows the command
# line with no stray line in between, and the log file holds those lines.
set -euo pipefail
: "${CUTOVER_BIN:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init quiet

tmux_shell 200 45
keys "clear; $CUTOVER_BIN demo; echo cutover-exit=\$?" Enter
wait_for 'SOURCE onprem-prod' 60
wait_for 'TARGET eks-prod' 30
# the traffic panel has read Route53 (AWS calls after the screen is up) before we quit
wait_for 'api-dns' 30
keys q
wait_for 'cutover-exit=0' 30
wait_for 'cutover-exit=0.*e2e-shell\$|e2e-shell\$ *$' 10

# the screen after quitting (`clear` ran first): the exit line, the prompt, and nothing else
after=$(cap | sed -e 's/[[:space:]]*$//' -e '/^$/d')
expected=$(printf '%s\n%s' 'cutover-exit=0' 'e2e-shell$')
[ "$after" = "$expected" ] || fail "the terminal after q is not just the prompt; got:
$after"

# ... and the log file has what was logged
log="$XDG_STATE_HOME/cutover/cutover.log"
[ -f "$log" ] || fail "no log file at $log"
grep -q 'credentials from shared-credentials-file' "$log" ||
    fail "the credentials line is not in the log: $(tail -n 20 "$log")"
echo "PASS"
