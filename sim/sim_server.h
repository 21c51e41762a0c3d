#ifndef CUTOVER_SIM_SERVER_H
#define CUTOVER_SIM_SERVER_H

/* The simulator's insides shared by sim.c (start/stop, admin), sim_api.c (the Kubernetes API)
 * and sim_mutate.c (changes through the store). */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cutover/sim.h"
#include "sim_fault.h"
#include "sim_scenario.h"
#include "sim_store.h"
#include "sim_tls.h"

struct MHD_Daemon;

enum {
    SIM_M_GET,
    SIM_M_HEAD,
    SIM_M_POST,
    SIM_M_PUT,
    SIM_M_PATCH,
    SIM_M_DELETE,
    SIM_M_OPTIONS,
    SIM_M_OTHER,
    SIM_M_COUNT
};

struct sim_cluster {
    struct sim *sim;
    int index;
    const struct sim_cluster_spec *spec;
    struct sim_store *store;
    struct MHD_Daemon *daemon;
    int port;
    char url[64];
    char *token;
    uint64_t total;    /* sim->count_mu */
    uint64_t mutating; /* sim->count_mu */
    pthread_t churn;
    bool churn_started;
};

/* Requests per User-Agent (Kubernetes and AWS), for GET /requests "by_agent". */
struct sim_agent_count {
    char *agent;
    uint64_t total;
    uint64_t mutating;
};

struct sim_aws;

struct sim {
    struct sim_opts opts;
    struct sim_scenario *sc;
    struct sim_tls tls;
    struct sim_cluster *clusters;
    size_t nclusters;
    struct sim_faults faults;
    struct MHD_Daemon *admin;
    int admin_port;
    char admin_url[64];
    char *kubeconfig;
    char *tmpdir; /* made for the kubeconfig when none was named */
    char *ready;  /* count_mu while the admin server runs */
    pthread_mutex_t count_mu;
    uint64_t total;                  /* count_mu */
    uint64_t by_method[SIM_M_COUNT]; /* count_mu */
    uint64_t mutating;               /* count_mu */
    uint64_t protobuf;               /* count_mu: answers in protobuf */
    struct sim_agent_count *agents;  /* count_mu */
    size_t nagents;                  /* count_mu */
    /* the AWS endpoint (sim_aws.c) or NULL; set before the admin server starts, then fixed */
    struct sim_aws *aws;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cond; /* signalled under stop_mu when stopping turns true */
    bool stopping;            /* stop_mu */
    uint64_t uid_rng;         /* stop_mu: uids for created objects */
};

/* Counts one request of method to cluster c (NULL: the admin API, not counted per cluster). */
void sim_count_request(struct sim *sim, struct sim_cluster *c, const char *method);
/* Counts one answer in protobuf (GET /requests "protobuf"). */
void sim_count_protobuf(struct sim *sim);
/* Counts one request from User-Agent ua (NULL: "") for GET /requests "by_agent". */
void sim_count_agent(struct sim *sim, const char *ua, bool mutating);
/* Starts the API server of c on port (0: ephemeral): 0 or -1 with err. */
int sim_api_start(struct sim_cluster *c, int port, struct error *err);
/* Whether a request with method changes something (not GET, HEAD or OPTIONS). */
bool sim_api_is_mutating(const char *method);
/* Stops it (watch streams must have been ended through the store first). */
void sim_api_stop(struct sim_cluster *c);
/* The cluster with context ctx, or NULL. */
struct sim_cluster *sim_cluster_find(struct sim *sim, const char *ctx);
/* Applies a POST /mutate body; on success *result is a JSON object (caller frees). */
int sim_mutate_apply(struct sim *sim, const char *json, char **result, struct error *err);
/* One churn step for c: dt seconds passed (restarts and rollouts at the scenario's rates). */
void sim_churn_step(struct sim_cluster *c, double dt, double *acc_restart, double *acc_rollout);
/* A fresh UID for an object created through the API or a mutation (into out, 37 bytes). */
void sim_new_uid(struct sim *sim, char *out);

#endif
