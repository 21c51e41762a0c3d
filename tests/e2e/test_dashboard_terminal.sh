#!/usr/bin/env bash
# How the dashboard meets the terminal, on clusters that cannot be reached (so no simulator is
# needed): their error is drawn beside "STALE"; NO_COLOR means no colour escapes at all while
# the default theme colours the screen; a non-UTF-8 locale gets ASCII line drawing and a UTF-8
# one box drawing; an unknown --theme, or a broken theme file (with its file:line:col), says so
# in the status bar and the default is used; q restores the terminal.
set -euo pipefail
: "${CUTOVER_BIN:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
tmux_init term

# two contexts on loopback ports nothing listens on
cat >"$TMP/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
- name: b
  cluster: {server: "https://127.0.0.1:7"}
users:
- name: u
  user: {token: not-a-real-token}
contexts:
- name: old-dc
  context: {cluster: a, user: u}
- name: new-eks
  context: {cluster: b, user: u}
current-context: old-dc
KC

run() { # ENV ARGS [CONTEXT ARGS]: starts the dashboard in a fresh pane running a shell
    tmux_shell 120 30
    keys "clear; env $1 $CUTOVER_BIN ${3-"--kubeconfig $TMP/kubeconfig --source old-dc --target new-eks"} $2; echo cutover-exit=\$?" Enter
}
colour_escapes() { cap -e | grep -cP '\x1b\[(?:[0-9]+;)*(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)(?:;|m)' || true; }

# 1. colours, UTF-8 box drawing, the unreachable source's error beside STALE
run "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color" ""
wait_for 'SOURCE old-dc'
wait_for '┌ Nodes by zone'
wait_for 'SOURCE old-dc  v\?  TLS-INSECURE'
wait_for '^LIVE STALE \(no data\) .*127\.0\.0\.1:9' 30
wait_for '(│|\|)LIVE STALE \(no data\) .*127\.0\.0\.1:7'
[ "$(colour_escapes)" -gt 0 ] || fail "the default theme drew no colour"
keys q
wait_for 'cutover-exit=0' 10

# 2. NO_COLOR: not one colour escape, severity still in words
run "NO_COLOR=1 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color" ""
wait_for 'CRIT source +cluster' 30
[ "$(colour_escapes)" -eq 0 ] || fail "colour escapes with NO_COLOR set"
keys q
wait_for 'cutover-exit=0' 10

# 3. a non-UTF-8 locale: ASCII line drawing only
run "LANG=C LC_ALL=C TERM=screen" ""
wait_for '\+ Nodes by zone -+'
cap | grep -q '┌' && fail "UTF-8 line drawing in the C locale"
keys q
wait_for 'cutover-exit=0' 10

# 4. an unknown theme: a message, the default theme, still usable
run "LANG=C.UTF-8 LC_ALL=C.UTF-8" "--theme no-such-theme"
wait_for 'using the default theme \(no-such-theme\): .*not found'
wait_for 'Nodes by zone'
keys C-c
wait_for 'cutover-exit=0' 10
cap | grep -q 'Nodes by zone' && fail "the dashboard is still on screen after quitting"

# 5. a named theme loads silently
run "LANG=C.UTF-8 LC_ALL=C.UTF-8" "--theme high-contrast"
wait_for 'Nodes by zone'
cap | grep -q 'using the default' && fail "high-contrast theme did not load"
keys q
wait_for 'cutover-exit=0' 10

# 5b. a broken theme file: its file:line:col on screen, and the default theme colours the screen
mkdir -p "$XDG_CONFIG_HOME/cutover/themes"
printf 'name: broken\nroles:\n  header: {fg: mauve}\n' >"$XDG_CONFIG_HOME/cutover/themes/broken.yaml"
run "LANG=C.UTF-8 LC_ALL=C.UTF-8" "--theme broken"
wait_for 'using the default theme \(broken\): .*broken\.yaml:3:[0-9]+: header\.fg: bad colour'
wait_for 'Nodes by zone'
[ "$(colour_escapes)" -gt 0 ] || fail "no default theme after a broken one"
keys q
wait_for 'cutover-exit=0' 10

# 6. everything from config.yaml: contexts, kubeconfig, theme and a rebinding (x quits, q not)
mkdir -p "$XDG_CONFIG_HOME/cutover"
cat >"$XDG_CONFIG_HOME/cutover/config.yaml" <<CFG
source: new-eks
target: old-dc
kubeconfig: $TMP/kubeconfig
theme: monochrome
keys:
  x: quit
  q: none
CFG
run "LANG=C.UTF-8 LC_ALL=C.UTF-8" "" ""
wait_for 'SOURCE new-eks .*TARGET old-dc'
wait_for 'x:quit'
[ "$(colour_escapes)" -eq 0 ] || fail "the monochrome theme from config.yaml drew colours"
keys q
sleep 0.5
cap | grep -q 'cutover-exit' && fail "q still quits after 'q: none'"
keys x
wait_for 'cutover-exit=0' 10

# 7. a broken config.yaml: its file:line:col, and the defaults (here: flags) still work
printf 'source: a\nrefresh: soon\n' >"$XDG_CONFIG_HOME/cutover/config.yaml"
out=$("$CUTOVER_BIN" --kubeconfig "$TMP/kubeconfig" --source old-dc </dev/null 2>&1 || true)
echo "$out" | grep -qE 'config\.yaml:2:[0-9]+: .*soon' || fail "no file:line:col for a bad config: $out"
echo "$out" | grep -q -- '--source and --target are required' || fail "missing target not reported: $out"
echo "ok: colours, NO_COLOR, ASCII locale, themes, config.yaml"
