#ifndef CUTOVER_PANEL_PODS_H
#define CUTOVER_PANEL_PODS_H

/* The drill-in: the pods of one workload in both clusters side by side. */

#include "cutover/widget.h"

/* A drill-in on workload kind ns/name (copied). */
struct widget *panel_pods_new(const char *kind, const char *ns, const char *name);
/* True when pod p (from a snapshot c) belongs to workload kind ns/name: owned directly, or
 * through a ReplicaSet the Deployment owns. */
bool panel_pods_owned(const struct model_cluster *c, const struct model_pod *p, const char *kind,
                      const char *ns, const char *name);

#endif
