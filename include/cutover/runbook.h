#ifndef CUTOVER_RUNBOOK_H
#define CUTOVER_RUNBOOK_H

/* Runbooks: a migration written down as YAML steps (docs/runbook.md). Each step has checks
 * (gates evaluated live on the model, see runbook_eval.h), at most one action, an optional soak,
 * an optional named approval and what undoes it. Parsing is strict: unknown keys are errors that
 * list the known ones, every error has file:line:col, and a plan whose traffic steps cannot reach
 * 100 percent is an error rather than a silent success. Pure core: no I/O but the file read. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"
#include "cutover/traffic.h"

#define RUNBOOK_FILE_MAX (1024 * 1024)
#define RUNBOOK_MAX_STEPS 64
#define RUNBOOK_MAX_CHECKS 32
#define RUNBOOK_NAME_MAX 48 /* "cutover-" + name must fit a 63-character Lease name */
#define RUNBOOK_LEASE_NS_DEFAULT "cutover"

/* Which cluster a check or an action is about. */
enum runbook_cluster { RUNBOOK_SOURCE = 0, RUNBOOK_TARGET = 1, RUNBOOK_BOTH = 2 };

enum runbook_check_kind {
    RUNBOOK_CHECK_CONTROL_PLANE_ZONES,     /* control-plane nodes Ready over >= min zones */
    RUNBOOK_CHECK_WORKER_ZONES,            /* zones with a Ready schedulable worker >= min */
    RUNBOOK_CHECK_NODES_READY,             /* Ready nodes / all nodes >= ratio */
    RUNBOOK_CHECK_WORKLOAD_PARITY,         /* ready/desired per workload >= ratio */
    RUNBOOK_CHECK_NO_CRASHLOOPS,           /* no pod waiting in CrashLoopBackOff & co */
    RUNBOOK_CHECK_FINDINGS,                /* no finding at or above a severity */
    RUNBOOK_CHECK_SECRET_DRIFT,            /* drifted secrets <= max */
    RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED, /* every ExternalSecret SecretSynced */
    RUNBOOK_CHECK_VERSION,                 /* Kubernetes version >= min */
    RUNBOOK_CHECK_TRAFFIC_SPLIT,           /* observed split within tolerance of the weights */
    RUNBOOK_CHECK_TRAFFIC_WEIGHT,          /* the live weights send exactly percent to new */
    RUNBOOK_CHECK_KINDS
};

/* One gate. Fields a kind does not use are 0 / NULL. */
struct runbook_check {
    enum runbook_check_kind kind;
    enum runbook_cluster cluster; /* default: target (findings: both, see docs) */
    int min;                      /* zones (>= 1) */
    int max;                      /* secret_drift: the most drifted secrets allowed (>= 0) */
    double ratio;                 /* 0..1: nodes_ready, workload_parity (default 1.0) */
    char *kind_filter;            /* workload_parity: "Deployment", ... or NULL for any */
    char *ns;                     /* namespace filter, or NULL for all */
    char *name;                   /* workload_parity: one workload, or NULL (all in ns) */
    int severity;                 /* findings: enum finding_severity (default crit) */
    int ver_major, ver_minor;     /* version */
    char *target;                 /* traffic_*: the traffic target's name */
    double tolerance_pct;         /* traffic_split: < 0 means the target's own (default) */
    int percent;                  /* traffic_weight: 0..100 */
    int line, col;                /* where the check starts (1-based) */
};

enum runbook_action_kind {
    RUNBOOK_ACTION_NONE = 0,
    RUNBOOK_ACTION_SET_WEIGHTS,    /* traffic target -> percent to the new side */
    RUNBOOK_ACTION_REFRESH_SECRET, /* force an ExternalSecret to sync now */
    RUNBOOK_ACTION_SCALE,          /* workload -> replicas */
    RUNBOOK_ACTION_CORDON,         /* node unschedulable */
    RUNBOOK_ACTION_UNCORDON,       /* node schedulable again */
    RUNBOOK_ACTION_RESTART,        /* rollout restart (pod template annotation) */
    RUNBOOK_ACTION_ANNOTATE,       /* set one annotation on a workload */
    RUNBOOK_ACTION_KINDS
};

/* One action. Fields a kind does not use are 0 / NULL. */
struct runbook_action {
    enum runbook_action_kind kind;
    enum runbook_cluster cluster; /* default target; set_weights has none */
    char *target;                 /* set_weights: traffic target name */
    int percent;                  /* set_weights: 0..100 to the new side */
    char *res_kind;               /* scale/restart/annotate: "Deployment", "StatefulSet", ... */
    char *ns;                     /* namespace of the workload or ExternalSecret */
    char *name;                   /* workload, ExternalSecret or node name */
    int replicas;                 /* scale: >= 0 */
    char *key;                    /* annotate */
    char *value;                  /* annotate */
    int line, col;
};

struct runbook_step {
    char *title;
    char *description; /* may be NULL */
    struct runbook_check *checks;
    size_t nchecks;
    struct runbook_action action; /* kind NONE: a step of checks (and approval) only */
    int64_t soak_s;               /* 0: no soak */
    char *approval;               /* who must confirm (typed to go on), or NULL */
    /* What undoes the step: an explicit action, or for set_weights when none is written the
     * percent the target had before the step (rollback_auto). rollback_none: irreversible. */
    struct runbook_action rollback;
    bool rollback_auto;
    bool rollback_none;
    int line, col;
};

struct runbook {
    char *file;   /* as given to the loader */
    char *name;   /* lowercase letters, digits, '-' */
    char *source; /* kubeconfig context of the cluster being left */
    char *target; /* the cluster being moved to (holds the Lease and the journal mirror) */
    char *lease_ns;
    char *lease_name; /* default "cutover-<name>" */
    char *description;
    struct runbook_step *steps;
    size_t nsteps;
};

/* "control_plane_zones", "worker_zones", ... as written in the file. */
const char *runbook_check_kind_name(enum runbook_check_kind kind);
/* "set_weights", "refresh_secret", ... as written in the file; "none" for NONE. */
const char *runbook_action_kind_name(enum runbook_action_kind kind);
/* "source", "target" or "both". */
const char *runbook_cluster_name(enum runbook_cluster c);

/* Parses a runbook from text (file names it in errors). targets[0..ntargets), when not NULL,
 * are the configured traffic targets: set_weights and traffic checks must name one of them and
 * use a percent of its plan. Returns 0 and *out, or -EINVAL with file:line:col in err. */
int runbook_load_text(const char *text, size_t len, const char *file,
                      const struct traffic_target_cfg *targets, size_t ntargets,
                      struct runbook **out, struct error *err);
/* Reads path and parses it as runbook_load_text does; -ENOENT etc. when it cannot be read. */
int runbook_load_file(const char *path, const struct traffic_target_cfg *targets, size_t ntargets,
                      struct runbook **out, struct error *err);
/* Frees a runbook; NULL does nothing. */
void runbook_free(struct runbook *rb);

/* Parses "90s", "10m", "2h", "7d", "1h30m" into seconds. Returns 0 or -EINVAL. */
int runbook_parse_duration(const char *text, int64_t *seconds);
/* Formats seconds as "1d2h", "10m", "45s" into buf; returns buf. */
const char *runbook_format_duration(int64_t seconds, char *buf, size_t len);

/* One line describing a check for people ("worker zones on target >= 3"), into buf. */
const char *runbook_check_describe(const struct runbook_check *c, char *buf, size_t len);
/* One line describing an action ("set api-dns to 30% new"), into buf. */
const char *runbook_action_describe(const struct runbook_action *a, char *buf, size_t len);

/* The percent the traffic target had before step index (from the runbook's earlier set_weights
 * actions on it; 0 when none): what an automatic rollback of a set_weights step restores. */
int runbook_percent_before(const struct runbook *rb, size_t step, const char *target);

#endif
