#ifndef CUTOVER_SNAPFIX_H
#define CUTOVER_SNAPFIX_H

/* Test helper: builds synthetic model_cluster snapshots, row by row, for unit tests of the
 * analysis, the status report and the widgets. A snapshot under construction is owned by the
 * test; rows are appended to its lists and returned (mutable) so a test can make a field unknown
 * before handing the snapshot to the code under test. Free with model_cluster_unref().
 *
 *   struct model_cluster *c = snapfix_new("onprem-prod", "v1.24.17", now);
 *   snapfix_node(c, "cp-1", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, true, true);
 *   snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.25,php:8.2-fpm", 0, NULL);
 *
 * snapfix_new marks every resource enabled and synced (last_ok = now), as a poller's snapshot
 * after its first full LIST; snapfix_unsync() makes one resource never listed again, and
 * snapfix_fail() records an error on it. */

#include "cutover/model.h"

#include <stdbool.h>
#include <stdint.h>

/* A new snapshot of context `context` (server "https://<context>.snapfix.invalid"), version
 * "vMAJOR.MINOR.PATCH..." parsed into ver_major/ver_minor (NULL: unknown), taken at `now`
 * (unix seconds), every resource enabled and synced with last_ok = now. */
struct model_cluster *snapfix_new(const char *context, const char *version, int64_t now);

/* Marks resource `res` as never listed: synced = false, last_ok = 0 (its rows are kept). */
void snapfix_unsync(struct model_cluster *c, enum model_res res);
/* Records `msg` as the last error of `res` at time `at` (last_ok is left as it was). */
void snapfix_fail(struct model_cluster *c, enum model_res res, const char *msg, int64_t at);

/* Appends a node. zone NULL: no zone label. ready/schedulable are known (use the returned row
 * to set MODEL_UNKNOWN). */
struct model_node *snapfix_node(struct model_cluster *c, const char *name, const char *zone,
                                enum model_node_role role, bool ready, bool schedulable);
/* Appends `n` nodes named "<prefix>-<zone>-<i>" in zone with the given role, all ready and
 * schedulable. */
void snapfix_nodes(struct model_cluster *c, const char *prefix, const char *zone,
                   enum model_node_role role, int n);

/* Appends a Deployment, StatefulSet, DaemonSet or ReplicaSet (res) with desired and ready
 * replicas (updated = available = ready) and template images joined by ','. */
struct model_workload *snapfix_workload(struct model_cluster *c, enum model_res res, const char *ns,
                                        const char *name, int32_t desired, int32_t ready,
                                        const char *images);
/* Appends a ReplicaSet owned by Deployment `deployment`. */
struct model_workload *snapfix_replicaset(struct model_cluster *c, const char *ns, const char *name,
                                          const char *deployment, int32_t desired, int32_t ready,
                                          const char *images);
/* Appends a pod owned by (owner_kind, owner_name) (both may be NULL: a bare pod), phase
 * "Running", one container per image, restarts summed (MODEL_COUNT_UNKNOWN allowed), waiting
 * reason or NULL, on node `node` (may be NULL). */
struct model_pod *snapfix_pod(struct model_cluster *c, const char *ns, const char *name,
                              const char *owner_kind, const char *owner_name, const char *node,
                              bool ready, int32_t restarts, const char *waiting,
                              const char *images);
/* Appends a whole workload as a poller would see it: the workload (res), and for a Deployment a
 * ReplicaSet "<name>-5d8f7c9b6" owning the pods; `desired` pods "<name>-...-<i>" of which the
 * first `ready` are ready; each of the others waits with `waiting` (if not NULL) and all
 * restarts are spread so that they sum to `restarts`. Returns the workload row. */
struct model_workload *snapfix_app(struct model_cluster *c, enum model_res res, const char *ns,
                                   const char *name, int32_t desired, int32_t ready,
                                   const char *images, int32_t restarts, const char *waiting);

/* Appends an event of `type` ("Warning"/"Normal") about involved_kind ns/involved_name, last
 * seen at last_seen (unix seconds; 0 unknown). The event's own name is "<involved>.<n>". */
struct model_event *snapfix_event(struct model_cluster *c, const char *ns, const char *type,
                                  const char *reason, const char *message,
                                  const char *involved_kind, const char *involved_name,
                                  int64_t last_seen);

#endif
