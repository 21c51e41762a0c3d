#ifndef CUTOVER_PANEL_WORKLOADS_H
#define CUTOVER_PANEL_WORKLOADS_H

/* Workloads: one row per workload present in either cluster, worst first: ready/desired,
 * restarts and waiting reason per side, MISSING on a side, image differences. Scrolls, follows
 * the filter, and Enter opens the drill-in on the selected row. */

#include "cutover/widget.h"

/* A new workloads table. */
struct widget *panel_workloads_new(void);
/* The selected pair (borrowed from the analysis of the last update), or NULL. */
const struct workload_pair *panel_workloads_selected(const struct widget *w);
/* True (once) when Enter asked to open the selected row; clears the request. */
bool panel_workloads_take_open(struct widget *w);

#endif
