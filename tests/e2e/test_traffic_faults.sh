#!/usr/bin/env bash
# Issue #4, must-show 5: changes that fail half-way, in tmux on `cutover demo` at 80x24.
# 1. The simulator applies the first change of a ChangeResourceRecordSets batch and then answers
#    500 (a `partial` fault): the screen shows the true mixed state (the aws CLI agrees), offers
#    roll forward / roll back, and the journal has the intent and a "partial" result with the
#    live weights; rolling back then restores 100/0.
# 2. HAProxy's admin socket disappears between the two `set weight` commands (a relay socket in
#    front of the test's haproxy forwards the first and then vanishes): the outcome is not
#    reported as done, the target shows STALE with the error, the journal records the result;
#    when the socket is back the screen shows what HAProxy really holds, and rolling forward
#    completes the step.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/traffic_lib.sh"
test_init
export TMPDIR="$TMP"
tmux_init traffic-faults
RELAY_PID=
trap 'kill $RELAY_PID 2>/dev/null || true; test_cleanup' EXIT

haproxy_start api onprem eks 100 0

# The relay: forwards each connection's command to haproxy; when $TMP/relay.arm exists, the
# second `set weight` after it is dropped (connection closed, no answer) and the socket file
# removed until $TMP/relay.restore appears.
RELAY_SOCK="$TMP/relay.sock"
/usr/bin/python3 - "$RELAY_SOCK" "$HAPROXY_SOCK" "$TMP" >"$TMP/relay.log" 2>&1 <<'PY' &
import os, socket, sys, time
path, target, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
def listen():
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(16)
    return s
srv = listen()
sets = 0
while True:
    c, _ = srv.accept()
    data = b""
    c.settimeout(5)
    while not data.endswith(b"\n"):
        b = c.recv(4096)
        if not b:
            break
        data += b
    cmd = data.decode(errors="replace").strip()
    print("relay:", cmd, flush=True)
    if os.path.exists(tmp + "/relay.arm") and cmd.startswith("set weight"):
        sets += 1
        if sets == 2:
            os.unlink(tmp + "/relay.arm")
            sets = 0
            c.close()
            srv.close()
            os.unlink(path)
            print("relay: socket gone", flush=True)
            while not os.path.exists(tmp + "/relay.restore"):
                time.sleep(0.1)
            os.unlink(tmp + "/relay.restore")
            srv = listen()
            print("relay: socket back", flush=True)
            continue
    h = socket.socket(socket.AF_UNIX)
    h.connect(target)
    h.sendall(data)
    out = b""
    while True:
        b = h.recv(65536)
        if not b:
            break
        out += b
    h.close()
    c.sendall(out)
    c.close()
PY
RELAY_PID=$!
poll 10 test -S "$RELAY_SOCK" || fail "the relay socket did not appear"

JOURNAL="$TMP/journal.jsonl"
tmux_run 80 24 "env TMPDIR=$TMP XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
$CUTOVER_BIN demo --haproxy unix:$RELAY_SOCK --haproxy-backend api --journal $JOURNAL \
2>$TMP/demo.err; echo cutover-exit=\$?; sleep 60"
wait_for 'SOURCE onprem-prod' 30
demo_aws_env
keys : t r a f f i c Enter
wait_for 'Traffic 2'
poll 30 screen_has_weights api-dns 100 0 || fail "api-dns did not show 100/0"
poll 30 screen_has_weights api-lb 100 0 || fail "api-lb did not show 100/0"

# ---- 1. Route53: the first record changed, then 500 --------------------------------------
admin POST /faults '{"service":"route53","action":"ChangeResourceRecordSets","fault":"partial","apply":1,"status":500,"count":1}' >/dev/null
select_target api-dns
keys ']'
wait_for 'type api-dns to apply' 20
keys -l api-dns
keys Enter
wait_for 'api-dns: PARTIAL' 30
# exactly what is live, as the simulator holds it: onprem already 90, eks still 0
[ "$(aws_weights)" = "90 0" ] || fail "aws route53 says $(aws_weights), expected the mixed 90 0"
wait_for 'live now: old onprem weight 90, new eks weight 0'
wait_for 'f: roll forward'
wait_for 'b: roll back'
/usr/bin/python3 - "$JOURNAL" <<'PY' || fail "the journal does not record the partial change"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
i = [r for r in recs if r["kind"] == "intent"][-1]
r = [r for r in recs if r["kind"] == "result" and r["id"] == i["id"]]
assert i["target"] == "api-dns" and i["after"] == {"old": 90, "new": 10}, i
assert r and r[0]["outcome"] == "partial", r
assert r[0]["live"] == {"old": 90, "new": 0}, r[0]
print("journal: intent", i["id"], "result partial, live", r[0]["live"])
PY
# the panel, behind the dialog, shows the mixed state too once closed; roll back from here
keys b
wait_for 'type api-dns to apply' 20
wait_for '90 -> 100'
keys -l api-dns
keys Enter
wait_for 'api-dns: done' 30
keys Enter
poll 20 screen_has_weights api-dns 100 0 || fail "api-dns not back at 100/0 on screen"
[ "$(aws_weights)" = "100 0" ] || fail "aws route53 says $(aws_weights) after the roll back"

# ---- 2. HAProxy: the admin socket disappears between the two commands -------------------
touch "$TMP/relay.arm"
select_target api-lb
keys ']'
wait_for 'y: apply' 20
keys y
poll 30 grep -q 'socket gone' "$TMP/relay.log" || fail "the relay never dropped the socket"
wait_for 'api-lb: (UNKNOWN|PARTIAL)' 40
screen_lacks 'api-lb: done' || fail "a change whose second command failed was reported done"
# HAProxy holds the first command only
[ "$(hap_weights api)" = "90 0" ] || fail "haproxy holds $(hap_weights api), expected 90 0"
keys Enter # leave it; the panel says what is known
wait_for 'STALE' 20
/usr/bin/python3 - "$JOURNAL" <<'PY' || fail "the journal does not record what happened to api-lb"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
i = [r for r in recs if r["kind"] == "intent" and r["target"] == "api-lb"][-1]
r = [r for r in recs if r["kind"] == "result" and r["id"] == i["id"]]
assert r and r[0]["outcome"] in ("unknown", "partial"), r
print("journal: api-lb intent", i["id"], "result", r[0]["outcome"], r[0].get("detail"))
PY
# the socket comes back: the screen shows the truth, the mixed 90/0
touch "$TMP/relay.restore"
poll 30 screen_has_weights api-lb 90 0 || fail "api-lb does not show the live 90/0"
wait_gone 'STALE' 30
[ "$(hap_weights api)" = "$(screen_weights api-lb)" ] || fail "screen and haproxy disagree"
# and the step can be completed: `]` again goes to 10% (90/10 from 90/0)
keys ']'
wait_for 'y: apply' 20
keys y
wait_for 'api-lb: done' 30
keys Enter
poll 20 screen_has_weights api-lb 90 10 || fail "api-lb not at 90/10 after completing the step"
[ "$(hap_weights api)" = "90 10" ] || fail "haproxy holds $(hap_weights api), expected 90 10"

keys q
wait_for 'cutover-exit=0' 20
echo "PASS"
