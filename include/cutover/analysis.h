#ifndef CUTOVER_ANALYSIS_H
#define CUTOVER_ANALYSIS_H

/* What the two clusters' snapshots mean together: node placement by zone, workload parity, and
 * findings. Pure functions of two immutable snapshots: no I/O, no threads, unit-tested. */

#include "cutover/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum analysis_side { ANALYSIS_SOURCE = 0, ANALYSIS_TARGET = 1, ANALYSIS_BOTH = 2 };

enum finding_severity { FINDING_INFO = 0, FINDING_WARN = 1, FINDING_CRIT = 2 };

/* "info", "warn", "crit" */
const char *finding_severity_name(enum finding_severity sev);

struct finding {
    enum finding_severity severity;
    enum analysis_side side; /* which cluster it is about */
    char *code;              /* stable id: "control-plane-single-zone", "workload-missing", ... */
    char *kind;              /* object kind, or NULL for cluster-wide findings */
    char *ns;
    char *name;
    char *message; /* one line, for people */
};

struct zone_cell {
    char *zone; /* NULL: nodes with no zone label ("?" on screen) */
    int cp_total, cp_ready;
    int worker_total, worker_ready;
    int unschedulable;
    int other_total, other_ready; /* nodes whose role is unknown */
    int not_ready;                /* nodes whose Ready condition is False (unknown not counted) */
};

struct zone_grid {
    size_t n;
    struct zone_cell *cells; /* sorted by zone name, unknown last */
    int nodes_total;
    bool known;    /* false when the nodes were never listed */
    bool complete; /* the node list is synced: findings about placement are only made then */
    int ready, not_ready, unschedulable; /* over all zones; ready/not_ready from known states */
};

/* One workload present in either cluster, matched by kind, namespace and name. */
struct workload_pair {
    char *kind;
    char *ns;
    char *name;
    const struct model_workload *side[2]; /* NULL where absent; borrowed from the snapshots */
    int32_t restarts[2];                  /* sum over its pods; MODEL_COUNT_UNKNOWN unknown */
    char *waiting[2];                     /* worst waiting reason of its pods, or NULL */
    int pods[2];                          /* pods found for it */
    bool images_differ;
    enum finding_severity severity; /* worst finding about it; rows sort worst first */
    int score;                      /* finer sort key within a severity, higher is worse */
    /* Added by the analysis engineer: */
    enum model_res res; /* MODEL_RES_DEPLOYMENTS, _STATEFULSETS, _DAEMONSETS or _REPLICASETS */
    uint8_t present[2]; /* enum model_tri: MODEL_UNKNOWN when that side's list was not read */
    int crashing[2];    /* pods waiting in CrashLoopBackOff, ImagePullBackOff, ErrImagePull */
    const struct model_pod *const *podv[2]; /* its pods seen per side, borrowed, unsorted */
    size_t npodv[2];                        /* (pods[s] is -1 while the pod list is not synced) */
};

struct analysis_config {
    double zone_spread_ratio; /* a zone with more than ratio x the smallest zone's workers is
                                 uneven; default 2.0 */
    int event_max_age_s;      /* Warning events older than this are not shown; default 3600 */
    int64_t now;              /* unix seconds the analysis is made at (tests fix it) */
    int stale_after_s;        /* a snapshot taken longer ago than this is stale; default 120 */
};

struct analysis {
    struct zone_grid zones[2];
    size_t nworkloads;
    struct workload_pair *workloads; /* worst first */
    size_t nfindings;
    struct finding *findings; /* worst first */
    size_t nevents;
    const struct model_event **events[2]; /* recent Warning events per side, newest first */
    size_t nevents_side[2];
};

/* "source", "target", "both" */
const char *analysis_side_name(enum analysis_side side);

/* Fills defaults into cfg (now = the current time). */
void analysis_config_init(struct analysis_config *cfg);

/* Analyses the pair; either snapshot may be NULL (not yet known). The result borrows rows from
 * the snapshots (and the kind/ns/name strings of pairs and findings point into them or into
 * static strings; only messages are owned): keep the snapshots referenced while it lives.
 * cfg NULL: defaults. */
struct analysis *analysis_run(const struct model_cluster *source,
                              const struct model_cluster *target,
                              const struct analysis_config *cfg);
/* Frees an analysis; NULL does nothing. */
void analysis_free(struct analysis *a);

/* The worst severity among the findings, or -1 when there are none. */
int analysis_worst(const struct analysis *a);

#endif
