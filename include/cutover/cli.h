#ifndef CUTOVER_CLI_H
#define CUTOVER_CLI_H

/* The subcommands of the `cutover` binary; each returns the process exit code. */

#include <stdbool.h>
#include <stddef.h>

/* `cutover status [--json] [--kubeconfig PATH] --source CTX --target CTX`: one snapshot of both
 * clusters; exit 0 nothing wrong, 1 findings, 2 a cluster could not be read. */
int cmd_status(int argc, char **argv);

/* `cutover [--kubeconfig PATH] --source CTX --target CTX`: the dashboard. */
int cmd_dashboard(int argc, char **argv);

/* `cutover demo [--observer] [--scenario FILE]`: starts cutover-sim's demo pair on loopback,
 * opens the dashboard on it, and stops the simulator on exit. */
int cmd_demo(int argc, char **argv);

/* `cutover runbook validate FILE` (docs/runbook.md): checks a runbook and prints its plan. */
int cmd_runbook(int argc, char **argv);

struct traffic_target_cfg;

/* `cutover demo [--observer] --runbook FILE`: `runbook run FILE` on kubeconfig with the traffic
 * targets t[n] (the demo's) in place of config.yaml's: with observer the follow screen, else the
 * guided screen driving it with journal (NULL: the default); line mode without a terminal or with
 * no_tui. Returns the exit code. */
int cmd_runbook_demo(const char *file, const char *kubeconfig, const struct traffic_target_cfg *t,
                     size_t n, bool observer, bool no_tui, const char *journal);

#endif
