#!/usr/bin/env bash
# The all-pods view on `cutover demo` in tmux: P opens every pod of both clusters in one list
# (its count per cluster in the title), > moves the sort column to restarts and I reverses it so
# the crash-looping checkout pod with the most restarts is the first row, / filters by a name
# (the count in the title, nothing else left), Enter opens that pod's workload, Esc walks back
# (drill-in, filter, view) and q in the view closes it without quitting.
set -euo pipefail
: "${CUTOVER_BIN:?CUTOVER_BIN must name the cutover binary}"

. "$(dirname "$0")/../lib/common.sh"
test_init
export TMPDIR="$TMP"
tmux_init pods

tmux_shell 180 45
keys "clear; $CUTOVER_BIN demo; echo cutover-exit=\$?" Enter
wait_for 'SOURCE onprem-prod' 30
wait_for 'shop/checkout .*CrashLoopBackOff' 30

keys P
wait_for 'All pods [0-9]+ \(source [1-9][0-9]*, target [1-9][0-9]*\) sorted by namespace asc'
wait_for 'CLUSTER +NAMESPACE\+ +NAME +READY +STATUS +RESTARTS +NODE +ZONE +AGE'
ROW='(source|target) +[a-z0-9-]+ +[a-z0-9.-]+ +[0-9?]+/[0-9]+ ' # a row of the list
rows() { cap | grep -E -- "$ROW" | sed -E 's/^[^a-z]*//'; }
wait_for "(source|target) +kube-system +[a-z]"

total=$(cap | sed -nE 's/.*All pods ([0-9]+).*/\1/p' | awk 'NR == 1')
((total > 20)) || fail "only $total pods in the view"

# sort by restarts: NAMESPACE -> NAME -> READY -> STATUS -> RESTARTS, then reversed
keys '>' '>' '>' '>'
wait_for 'sorted by restarts asc'
wait_for 'RESTARTS\+'
keys I
wait_for 'sorted by restarts desc'
# the first row is a crash-looping checkout pod on the target, and nothing below it restarted
# more: the RESTARTS column is non-increasing down the list
wait_for 'target +shop +checkout-[a-z0-9]+-[a-z0-9]+ +0/1 +CrashLoopBackOff +[0-9]+ '
top=$(rows | awk 'NR == 1')
echo "$top" | grep -qE '^target +shop +checkout-.* CrashLoopBackOff ' || fail "first row: $top"
rst=$(rows | awk '{print $6}')
prev=999999
for r in $rst; do
    ((r <= prev)) || fail "restarts not descending: $r after $prev"
    prev=$r
done
first=$(echo "$top" | awk '{print $3}')

# filter by that pod's name: one row left, the count in the title
keys / $(echo "$first" | sed 's/./& /g') Enter
wait_for "All pods 1 of $total sorted by restarts desc"
wait_for "filter /$first"
[ "$(rows | wc -l)" = 1 ] || fail "the filter left other rows"

# Enter: the pods of its workload in both clusters
keys Enter
wait_for 'Pods of Deployment shop/checkout'
keys Escape
wait_gone 'Pods of Deployment'
wait_for "All pods 1 of $total"
# Esc clears the filter, Esc again closes the view
keys Escape
wait_for "All pods $total \(source"
keys Escape
wait_gone 'All pods'
wait_for 'Workloads'
# q in the view closes it; q on the dashboard quits
keys P
wait_for 'All pods'
keys q
wait_gone 'All pods'
wait_for 'Workloads'
keys q
wait_for 'cutover-exit=0' 15
