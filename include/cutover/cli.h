#ifndef CUTOVER_CLI_H
#define CUTOVER_CLI_H

/* The subcommands of the `cutover` binary; each returns the process exit code. */

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

#endif
