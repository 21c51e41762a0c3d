#ifndef CUTOVER_LAYOUT_H
#define CUTOVER_LAYOUT_H

/* Where everything goes on the dashboard: pure arithmetic from the terminal size, unit-tested
 * from 80x24 to 300x100. Two cluster headers side by side on top, a status/key-hint bar at the
 * bottom, and the panels between them; when they do not all fit, the focused panel takes the
 * space and every other panel folds into a one-line summary. */

#include "cutover/canvas.h"

#include <stdbool.h>

enum panel_id {
    PANEL_NODES,
    PANEL_WORKLOADS,
    PANEL_TRAFFIC,
    PANEL_SECRETS,
    PANEL_FINDINGS,
    PANEL_COUNT
};

/* "nodes", "workloads", "traffic", "secrets", "findings" (also the `:` command names). */
const char *layout_panel_name(enum panel_id id);
/* The panel named name (as above), or -1. */
int layout_panel_from_name(const char *name);

#define LAYOUT_HEADER_ROWS 2
#define LAYOUT_MIN_W 40
#define LAYOUT_MIN_H 10

struct layout_in {
    int h, w;
    enum panel_id focus;
    int nodes_rows;     /* rows the zone grids need (the larger cluster's number of zones) */
    int workloads_rows; /* rows the workloads table has; 0: unknown (it gets 3/5 of the rest) */
    int runbook_rows;   /* rows the Runbook panel wants (follow screen); 0: no Runbook panel */
};

struct layout {
    bool too_small;                 /* below LAYOUT_MIN_W x LAYOUT_MIN_H: only a message is drawn */
    bool folded;                    /* one panel shown, the others as one-line summaries */
    struct rect header;             /* both clusters' headers */
    struct rect header_col[2];      /* source | target */
    struct rect body;               /* everything between header and status bar */
    struct rect status;             /* status / key hints / command line */
    struct rect panel[PANEL_COUNT]; /* h == 0 when not shown in full */
    struct rect summary[PANEL_COUNT]; /* h == 1 for a folded panel's summary line, else 0 */
    struct rect runbook; /* the Runbook panel (top of the body, at most half of it); h == 0: none */
};

/* Computes the layout for in. */
void layout_compute(const struct layout_in *in, struct layout *out);

/* Splits r into two columns with a one-column gap (the left one gets the odd column). */
void layout_split2(struct rect r, struct rect *left, struct rect *right);

/* True when the two rectangles share a cell (empty ones never do). */
bool layout_rect_overlap(struct rect a, struct rect b);

#endif
