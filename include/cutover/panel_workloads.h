#ifndef CUTOVER_PANEL_WORKLOADS_H
#define CUTOVER_PANEL_WORKLOADS_H

/* Workloads: one row per workload present in either cluster, worst first: ready/desired,
 * restarts and waiting reason per side, MISSING on a side, image differences. Scrolls, follows
 * the filter, and Enter opens the drill-in on the selected row. */

#include "cutover/widget.h"

/* The columns the table can be sorted by (issue #7); severity is the analysis's order. */
enum panel_workloads_col {
    PANEL_WORKLOADS_COL_SEVERITY,
    PANEL_WORKLOADS_COL_KIND,
    PANEL_WORKLOADS_COL_NAME,
    PANEL_WORKLOADS_COL_SRC_READY,
    PANEL_WORKLOADS_COL_SRC_RESTARTS,
    PANEL_WORKLOADS_COL_TGT_READY,
    PANEL_WORKLOADS_COL_TGT_RESTARTS,
    PANEL_WORKLOADS_COLS
};

/* A new workloads table. */
struct widget *panel_workloads_new(void);
/* The selected pair (borrowed from the analysis of the last update), or NULL. */
const struct workload_pair *panel_workloads_selected(const struct widget *w);
/* True (once) when Enter asked to open the selected row; clears the request. */
bool panel_workloads_take_open(struct widget *w);

/* "severity", "kind", "name", "source ready", ... the column's name in the title. */
const char *panel_workloads_col_key(enum panel_workloads_col col);
/* Sorts by col (desc: descending; ties in the analysis's order, unknown last); the selection
 * goes to the first row. Returns ACT_REDRAW. */
int panel_workloads_sort_by(struct widget *w, enum panel_workloads_col col, bool desc);
/* Moves the sort to the next (step > 0) or previous column, keeping the direction. */
int panel_workloads_sort_step(struct widget *w, int step);
/* Reverses the sort direction. */
int panel_workloads_sort_reverse(struct widget *w);
/* The sort column, and its direction in *desc (may be NULL). */
enum panel_workloads_col panel_workloads_sort_col(const struct widget *w, bool *desc);

#endif
