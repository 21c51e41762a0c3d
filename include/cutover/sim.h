#ifndef CUTOVER_SIM_H
#define CUTOVER_SIM_H

/* cutover-sim in-process: two (or more) simulated Kubernetes API servers on loopback, HTTPS with
 * a generated CA and bearer-token auth, plus a plain-HTTP admin server for request counts,
 * faults and mutations. The same code runs the cutover-sim binary and C tests. */

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"

struct sim;

/* What to serve. Exactly one of scenario_path, scenario_yaml or demo chooses the scenario. */
struct sim_opts {
    const char *scenario_path;   /* a scenario YAML file */
    const char *scenario_yaml;   /* or the YAML text itself (name used in errors: "<inline>") */
    bool demo;                   /* or the built-in demo scenario */
    const char *kubeconfig_path; /* where to write the kubeconfig; NULL: a file in a temp dir */
    int port_base;               /* 0: ephemeral ports; else cluster i on port_base+i, admin next */
    int bookmark_ms;             /* watch BOOKMARK interval when asked for; 0: 5000 */
    int history;                 /* watch events kept per cluster; 0: 20000 */
    int gzip_level;              /* zlib level for gzip responses; 0: 1 (fast) */
    bool no_churn;               /* ignore the scenario's churn (deterministic tests) */
    bool no_gzip;                /* never compress, even when asked (benchmarks: zlib would be the
                                    bottleneck on a 1.4 GB pod list) */
};

/* Generates the clusters, starts their servers and the admin server, writes the kubeconfig. */
int sim_start(const struct sim_opts *opts, struct sim **out, struct error *err);
/* The ready line (one JSON object, no newline): kubeconfig, source, target, clusters, admin. */
const char *sim_ready_line(const struct sim *sim);
/* The path of the kubeconfig written at start. */
const char *sim_kubeconfig_path(const struct sim *sim);
/* The https URL of the cluster whose context is ctx, or NULL. */
const char *sim_cluster_url(const struct sim *sim, const char *ctx);
/* The http URL of the admin server. */
const char *sim_admin_url(const struct sim *sim);
/* The context name of the source (which 0) or target (which 1) cluster. */
const char *sim_context(const struct sim *sim, int which);
/* The bearer token that the cluster with context ctx accepts, or NULL. */
const char *sim_token(const struct sim *sim, const char *ctx);
/* Adds a fault (same JSON as POST /faults); returns its id (>= 0) or a negative error. */
int sim_fault_add(struct sim *sim, const char *json);
/* Removes one fault by id; returns 0 or -ENOENT. */
int sim_fault_remove(struct sim *sim, int id);
/* Removes all faults. */
void sim_faults_clear(struct sim *sim);
/* Applies a change (same JSON as POST /mutate) through the store the API serves; 0 or negative.
 * The message for a failure goes to err (may be NULL). */
int sim_mutate_err(struct sim *sim, const char *json, struct error *err);
/* sim_mutate_err without details. */
int sim_mutate(struct sim *sim, const char *json);
/* The request counters as GET /requests returns them (caller frees). */
char *sim_requests_json(struct sim *sim);
/* The store's current resourceVersion of the cluster with context ctx (0 if unknown). */
unsigned long long sim_resource_version(struct sim *sim, const char *ctx);
/* The AWS endpoint (Route53, ELBv2, STS, Secrets Manager, SSO on one port; only when the
 * scenario has an aws: section, else these return NULL): its base URL "http://127.0.0.1:PORT"
 * (pass it as every client's endpoint). */
const char *sim_aws_url(const struct sim *sim);
/* The AWS CLI config file written next to the kubeconfig (KUBECONFIG.aws-config: profile sim,
 * region), for AWS_CONFIG_FILE. */
const char *sim_aws_config_file(const struct sim *sim);
/* The AWS CLI credentials file (KUBECONFIG.aws-credentials: profile sim with the scenario's
 * first key pair), for AWS_SHARED_CREDENTIALS_FILE. */
const char *sim_aws_credentials_file(const struct sim *sim);
/* The profile name in those files: "sim". */
const char *sim_aws_profile(const struct sim *sim);
/* The scenario's first access key id (the profile's). */
const char *sim_aws_access_key_id(const struct sim *sim);
/* Its secret access key (for tests that sign requests themselves; never log it). */
const char *sim_aws_secret_access_key(const struct sim *sim);
/* Stops the servers (ending open watches), frees everything; NULL is a no-op. */
void sim_stop(struct sim *sim);

#endif
