#ifndef CUTOVER_CMD_DASHBOARD_H
#define CUTOVER_CMD_DASHBOARD_H

/* `cutover [--kubeconfig PATH] --source CTX --target CTX [--theme NAME] [--observer]`: loads
 * the config and kubeconfig, starts one poller per cluster publishing through a self-pipe, and
 * runs the UI. cmd_demo reuses it on the simulator's kubeconfig. */

#include <stdbool.h>
#include <stddef.h>

struct traffic_target_cfg;

struct cmd_dashboard_args {
    const char *kubeconfig; /* NULL: config file, then $KUBECONFIG, then ~/.kube/config */
    const char *source;     /* NULL: from the config file */
    const char *target;
    const char *theme; /* NULL: from the config file */
    bool observer;     /* read-only pollers; the header says OBSERVER */
    /* traffic (issue #4): targets added to the config's `traffic:` ones (the demo's; borrowed),
     * the journal path (NULL: config `journal:`, then journal_default_path()), and a message for
     * the status bar at start (NULL: none) */
    const struct traffic_target_cfg *traffic;
    size_t ntraffic;
    const char *journal;
    const char *message;
    /* secret drift (issue #5): the demo's AWS Secrets Manager endpoint and profile, used as the
     * source of truth when the config's drift: source_of_truth names no endpoint (NULL: none) */
    const char *drift_aws_endpoint;
    const char *drift_aws_profile;
};

/* Parses the dashboard's flags from argv[first..argc) into a; unknown flags are an error
 * printed to stderr. Returns 0, 1 for --help (usage printed), or -1. */
int cmd_dashboard_parse(int argc, char **argv, int first, struct cmd_dashboard_args *a);

/* Runs the dashboard with a; returns the process exit code (0 ok, 2 usage/config errors). */
int cmd_dashboard_run(const struct cmd_dashboard_args *a);

#endif
