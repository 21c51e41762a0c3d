#!/usr/bin/env bash
# `cutover demo --runbook FILE` drives the runbook on the demo pair: the guided screen opens with
# the demo's traffic targets, this process holds the Lease, the first step's gates are live;
# Enter asks before running, n cancels without a journal state change, q leaves the runbook at
# step 1 and says so. With --observer the same file opens the follow screen instead.
set -euo pipefail
: "${CUTOVER_BIN:?}" "${CUTOVER_SOURCE_DIR:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init demorb

rb="$CUTOVER_SOURCE_DIR/docs/examples/ec2-to-eks-weighted-dns.yaml"
tmux_shell 140 50
keys "clear; $CUTOVER_BIN demo --runbook $rb; echo cutover-exit=\$?" Enter
wait_for 'DRIVING Lease held by this process' 60
wait_for '1\. +pending +Target cluster is ready' 10
wait_for 'PASS target version >= 1.28' 30
# the demo's targets reach the runbook's screen (its Traffic panel reads them)
wait_for 'api-dns' 30
keys Enter
wait_for 'Run step 1/4: Target cluster is ready' 10
keys n
wait_gone 'Run step 1/4' 10
keys q
wait_for 'left at step 1 of 4' 30
wait_for 'cutover-exit=0' 10
echo "PASS"
