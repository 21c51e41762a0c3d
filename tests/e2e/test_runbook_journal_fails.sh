#!/usr/bin/env bash
# Line mode when the journal cannot be written: `cutover runbook run --no-tui --yes` on a runbook
# whose first step sets the demo's Route53 pair api-dns to 30%.
#  1. The journal on a full disk (/dev/full: every write fails with ENOSPC): the run stops with
#     the reason on the terminal and a non-zero status; the simulator's /requests counts no
#     mutating AWS call (no ChangeResourceRecordSets) and the aws CLI reads 100/0.
#  2. A real journal file that may not grow (`ulimit -f 0`, as a full quota: EFBIG): the same,
#     and the file holds no partial record; run again once it may grow, the step is applied
#     (70/30 by the aws CLI, one ChangeResourceRecordSets) and every record reads back good.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"
: "${CUTOVER_SIM:?CUTOVER_SIM must name cutover-sim}"

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/runbook_lib.sh"
fail() { rb_run_fail "$@"; }
test_init

RB="$TMP/rb.yaml"
rb_runbook journal-fails <<'YAML'
  - title: Send 30% of API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 30}
  - title: Send all API traffic to EKS
    action: {do: set_weights, target: api-dns, percent: 100}
YAML

aws_mutating() {
    admin GET /requests | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get("aws", {}).get("mutating", -1))'
}

# run NAME LIMIT ARGS...: the driver with file-size limit LIMIT (ulimit -f; "unlimited" for none)
# and SIGXFSZ ignored; its output goes through a pipe (the limit would stop a file too) into
# $TMP/NAME.out; status in RC.
run() {
    local name=$1 limit=$2
    shift 2
    set +e
    (
        trap '' XFSZ
        ulimit -f "$limit"
        exec timeout 120 "$CUTOVER_BIN" runbook run "$RB" --no-tui --yes --steps 1 "$@"
    ) </dev/null 2>&1 | cat >"$TMP/$name.out"
    RC=${PIPESTATUS[0]}
    set -e
}

echo "== 1. journal on /dev/full"
rb_start_sim
[ "$(rb_aws_weights)" = "100 0" ] || fail "the demo did not start at 100/0: $(rb_aws_weights)"
run run-full unlimited --journal /dev/full
[ "$RC" != 0 ] || fail "the run succeeded with a journal that cannot be written"
grep -q 'No space left on device' "$TMP/run-full.out" ||
    fail "the reason (No space left on device) is not shown"
grep -q 'journal' "$TMP/run-full.out" || fail "the journal is not named as the cause"
if grep -q 'done, live now' "$TMP/run-full.out"; then fail "a change was reported done"; fi
[ "$(rb_changes)" = 0 ] || fail "ChangeResourceRecordSets was sent $(rb_changes) times"
[ "$(aws_mutating)" = 0 ] || fail "$(aws_mutating) mutating AWS calls were sent"
[ "$(rb_aws_weights)" = "100 0" ] || fail "the weights moved: $(rb_aws_weights)"

echo "== 2. a journal file that may not grow"
J="$TMP/journal.jsonl"
run run-fsize 0 --journal "$J"
[ "$RC" != 0 ] || fail "the run succeeded with a journal that may not grow"
grep -q 'File too large' "$TMP/run-fsize.out" || fail "the reason (File too large) is not shown"
[ "$(rb_changes)" = 0 ] || fail "ChangeResourceRecordSets was sent $(rb_changes) times"
[ "$(aws_mutating)" = 0 ] || fail "$(aws_mutating) mutating AWS calls were sent"
[ "$(rb_aws_weights)" = "100 0" ] || fail "the weights moved: $(rb_aws_weights)"
[ ! -s "$J" ] || fail "the journal holds bytes of a record that could not be written: $(cat "$J")"

echo "== 2b. the journal may grow again"
sleep 3 # the first run released its Lease; the simulator needs no more
run run-again unlimited --journal "$J"
[ "$RC" = 0 ] || fail "the run failed once the journal could be written (exit $RC)"
[ "$(rb_aws_weights)" = "70 30" ] || fail "the step was not applied: $(rb_aws_weights)"
[ "$(rb_changes)" = 1 ] || fail "ChangeResourceRecordSets was sent $(rb_changes) times, not once"
"$CUTOVER_BIN" runbook log "$RB" --journal "$J" >"$TMP/log.out" 2>&1 ||
    fail "runbook log failed: $(cat "$TMP/log.out")"
grep -q 'intent traffic:api-dns' "$TMP/log.out" || fail "no intent in the journal: $(cat "$TMP/log.out")"
grep -q 'outcome=done' "$TMP/log.out" || fail "no done result in the journal: $(cat "$TMP/log.out")"
if grep -qi 'torn\|corrupt\|bad line' "$TMP/log.out"; then fail "bad lines: $(cat "$TMP/log.out")"; fi
echo "PASS"
