#ifndef CUTOVER_PANEL_WORKLOADS_H
#define CUTOVER_PANEL_WORKLOADS_H

/* Workloads: one row per workload present in either cluster, worst first: ready/desired,
 * restarts and waiting reason per side, MISSING on a side, image differences. Scrolls, follows
 * the filter, and Enter opens the drill-in on the selected row. */

#include "cutover/widget.h"

#include <stdint.h>

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

/* The rows of one analysis as the table shows them, made off the UI thread (issue #7): every
 * sort order and each row's filter text in one block, so that installing an analysis is a swap
 * and a walk of one order. Immutable once made. */
struct panel_workloads_prep {
    const struct analysis *an;                /* made of (borrowed: outlived by it) */
    uint32_t n;                               /* an->nworkloads */
    uint32_t *order[PANEL_WORKLOADS_COLS][2]; /* [col][desc]: n row numbers each */
    char *text;                               /* every row's "kind ns/name\0", in row order */
    uint32_t *text_at;                        /* n offsets into text */
    uint8_t *lower;                           /* n flags: the row's text has no A-Z */
};

/* Prepares an's rows (any thread; an NULL: no rows). */
struct panel_workloads_prep *panel_workloads_prepare(const struct analysis *an);
/* Frees a preparation; NULL does nothing. */
void panel_workloads_prep_free(struct panel_workloads_prep *p);
/* Hands w the preparation of the analysis its next update shows (borrowed: the caller keeps it
 * alive while w shows that analysis). Without one matching the analysis, an update prepares
 * it on this thread. */
void panel_workloads_set_prep(struct widget *w, const struct panel_workloads_prep *p);

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
