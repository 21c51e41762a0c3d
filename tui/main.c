/* cutover: the entry point. Dispatches to subcommands (include/cutover/cli.h). */
#include "cutover/cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static const char usage[] =
    "usage: cutover [--kubeconfig PATH] --source CONTEXT --target CONTEXT [--theme NAME]\n"
    "                                    [--observer] [--journal PATH]\n"
    "       cutover demo [--observer] [--theme NAME] [--runbook FILE] ...  (demo --help)\n"
    "       cutover status [--json] [--drift] [--kubeconfig PATH] --source CONTEXT --target "
    "CONTEXT\n"
    "       cutover runbook validate|run|rollback|log FILE ...              (runbook --help)\n"
    "       cutover --help | --version\n"
    "\n"
    "A terminal dashboard for moving workloads from one Kubernetes cluster to another:\n"
    "both clusters side by side, node placement by zone, workload parity, traffic and drift.\n"
    "\n"
    "commands:\n"
    "  (none)   open the dashboard on two contexts of your kubeconfig\n"
    "  demo     start the built-in simulated cluster pair on loopback and open the dashboard\n"
    "  status   print one snapshot of both clusters and exit (0 clean, 1 findings, 2 unreadable)\n"
    "  runbook  validate, drive, roll back or follow a migration runbook (docs/runbook.md)\n"
    "\n"
    "options:\n"
    "  --kubeconfig PATH   kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)\n"
    "  --source CONTEXT    the cluster being left\n"
    "  --target CONTEXT    the cluster being moved to\n"
    "  --theme NAME        a theme from themes/ or $XDG_CONFIG_HOME/cutover/themes/\n"
    "  --observer          read-only: mutating requests are refused below the UI\n"
    "  --journal PATH      the migration journal (docs/journal.md)\n"
    "  --json              (status) machine-readable output, see docs/status-json.md\n"
    "  --drift             (status) compare Secret contents by keyed hash, and against AWS\n"
    "                      Secrets Manager (docs/drift.md)\n"
    "\n"
    "config: $XDG_CONFIG_HOME/cutover/config.yaml   logs: $XDG_STATE_HOME/cutover/\n"
    "In the dashboard, press ? for keys.\n";

/* No core file, and no ptrace or /proc/PID/mem by other users' processes: the drift view holds
 * Secret values (docs/drift.md, "What is wiped"), and a core file would keep them on disk. */
static void forbid_core_dumps(void)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        perror("cutover: setrlimit(RLIMIT_CORE, 0)");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        perror("cutover: prctl(PR_SET_DUMPABLE, 0)");
}

int main(int argc, char **argv)
{
    forbid_core_dumps();
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("cutover %s\n", CUTOVER_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "demo") == 0)
        return cmd_demo(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "runbook") == 0)
        return cmd_runbook(argc - 1, argv + 1);
    if (argc >= 2 && argv[1][0] != '-') {
        fprintf(stderr, "cutover: unknown command '%s'\n\n%s", argv[1], usage);
        return 2;
    }
    return cmd_dashboard(argc, argv);
}
