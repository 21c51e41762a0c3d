#ifndef CUTOVER_SIM_SCENARIO_H
#define CUTOVER_SIM_SCENARIO_H

/* Simulator scenarios: the YAML format of sim/scenarios/ files (docs/simulator.md) parsed with
 * libyaml into plain structs; every error carries file:line:col. */

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"

struct sim_container {
    char *name;
    char *image;
};

struct sim_workload {
    char *kind; /* Deployment, StatefulSet or DaemonSet */
    char *ns;
    char *name;
    int replicas;       /* Deployment/StatefulSet */
    int ready;          /* how many pods are ready; -1: all */
    bool crash_looping; /* the pods that are not ready crash-loop */
    char *nodes;        /* DaemonSet: "all", "worker" or "control-plane" */
    struct sim_container *containers;
    size_t ncontainers;
};

struct sim_nodegroup {
    char *role; /* "control-plane" or "worker" */
    char *zone;
    int count;
    char *instance_type;
};

struct sim_secret {
    char *ns;
    char *name;
    char *type;
    char **keys;
    size_t nkeys;
    char **values; /* base64 values parallel to keys (from `data:`), or NULL: random values */
};

struct sim_configmap {
    char *ns;
    char *name;
    char **keys;
    char **values;
    size_t n;
};

struct sim_event_spec {
    char *ns;
    char *type; /* Normal or Warning */
    char *reason;
    char *object; /* "Kind/name" */
    char *message;
    int count;
};

struct sim_size {
    int nodes;              /* extra generated worker nodes */
    int pods;               /* extra generated pods (in generated Deployments) */
    int namespaces;         /* namespaces the generated workloads spread over */
    int pods_per_workload;  /* replicas of each generated Deployment */
    int containers_per_pod; /* containers in each generated pod */
    int images_per_node;    /* images in each node's status */
    char **zones;
    size_t nzones;
};

struct sim_cluster_spec {
    char *name;
    char *context;
    char *version;  /* "v1.24.17" or "v1.29.10-eks-94953ac" */
    char *platform; /* "self-managed" or "eks" */
    char *region;
    int age_days;
    struct sim_nodegroup *nodegroups;
    size_t nnodegroups;
    char **namespaces;
    size_t nnamespaces;
    struct sim_workload *workloads;
    size_t nworkloads;
    struct sim_secret *secrets;
    size_t nsecrets;
    struct sim_configmap *configmaps;
    size_t nconfigmaps;
    struct sim_event_spec *events;
    size_t nevents;
    char **objects; /* `objects:` raw manifests (custom resources and others) as JSON text */
    size_t nobjects;
    /* `external_secrets_versions:` the external-secrets.io versions served, the preferred one
     * first ("v1", "v1beta1": static strings); default v1 then v1beta1, as External Secrets
     * Operator v0.17 and later; [v1beta1] is an older operator. One storage for all of them. */
    const char *eso_versions[2];
    size_t neso_versions;
    double restarts_per_sec; /* churn */
    double rollout_every_sec;
    struct sim_size size;
};

struct sim_aws_spec;

struct sim_scenario {
    struct sim_aws_spec *aws; /* the aws: section (sim_aws_spec.h), or NULL */
    char *source;             /* context names */
    char *target;
    char **faults; /* faults active from the start, each as POST /faults JSON */
    size_t nfaults;
    struct sim_cluster_spec *clusters;
    size_t nclusters;
};

/* Parses YAML text; name is used in errors ("file:line:col: message"). */
int sim_scenario_parse(const char *text, size_t len, const char *name, struct sim_scenario **out,
                       struct error *err);
/* Reads and parses a file. */
int sim_scenario_load(const char *path, struct sim_scenario **out, struct error *err);
/* Frees a scenario; NULL is a no-op. */
void sim_scenario_free(struct sim_scenario *sc);
/* The built-in demo scenario's YAML (sim/scenarios/demo.yaml), one line per string, NULL-ended. */
extern const char *const sim_demo_lines[];
/* The built-in demo scenario's YAML as one string (caller frees). */
char *sim_scenario_demo_text(void);

/* The versions cluster c serves of API group group, the preferred first, into out (room for 2):
 * external-secrets.io as c->eso_versions says; 0 for any other group (its one version is the
 * resource table's). */
size_t sim_scenario_group_versions(const struct sim_cluster_spec *c, const char *group,
                                   const char *out[2]);
/* Whether c serves group at version: for external-secrets.io one of c->eso_versions; any other
 * group is not decided here (true). */
bool sim_scenario_serves(const struct sim_cluster_spec *c, const char *group, const char *version);

#endif
