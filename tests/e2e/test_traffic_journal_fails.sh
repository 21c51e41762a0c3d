#!/usr/bin/env bash
# The dashboard when the journal cannot record a change's intent: `cutover demo --journal
# /dev/full` (every write fails with ENOSPC). `]` on api-dns (the simulator's weighted Route53
# pair), confirmed by typing its name: the outcome dialog says the change was refused, nothing
# sent, because the journal cannot record the intent, with the reason; the simulator's /requests
# counts no mutating AWS call; the aws CLI and the screen still read 100/0.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/traffic_lib.sh"
test_init
export TMPDIR="$TMP"
tmux_init traffic-journal

haproxy_start api onprem eks 100 0
tmux_run 80 24 "env TMPDIR=$TMP XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
$CUTOVER_BIN demo --haproxy unix:$HAPROXY_SOCK --haproxy-backend api --journal /dev/full \
2>$TMP/demo.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE onprem-prod' 30
demo_aws_env

aws_mutating() {
    admin GET /requests | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get("aws", {}).get("mutating", -1))'
}

keys : t r a f f i c Enter
wait_for 'Traffic 2'
poll 30 screen_has_weights api-dns 100 0 || fail "api-dns did not show 100/0"
[ "$(aws_mutating)" = 0 ] || fail "mutating AWS calls before any key: $(aws_mutating)"

select_target api-dns
keys ']'
wait_for 'type api-dns to apply'
keys -l api-dns
keys Enter
wait_for 'the journal cannot record the intent' 30
wait_for_fixed 'No space left on device' 5
wait_for 'api-dns: refused: nothing sent' 5
if screen_contains 'api-dns: done'; then fail "the change was reported done"; fi
[ "$(aws_mutating)" = 0 ] || fail "$(aws_mutating) mutating AWS calls were sent"
[ "$(aws_weights)" = "100 0" ] || fail "the weights moved: $(aws_weights)"
keys Enter
wait_gone 'api-dns: refused: nothing sent'
# the status line keeps saying why
wait_for '\[api-dns\] refused, nothing sent: the journal cannot record the intent' 5
poll 10 screen_has_weights api-dns 100 0 || fail "api-dns does not show 100/0 after"
keys q
wait_for 'cutover-exit=0' 20
echo "PASS"
