#ifndef CUTOVER_PANEL_TRAFFIC_H
#define CUTOVER_PANEL_TRAFFIC_H

/* The Traffic panel: one block per traffic target (traffic.h): name, kind, the old and new
 * weights with the percent to the new side as a bar, the plan with the current step marked,
 * health per side, the observed split beside the configured one (a warning outside tolerance),
 * STALE with the error and its age when the last read failed, and BUSY with what a running change
 * does. With no target configured it says so. Short rectangles get one line per target. */

#include "cutover/traffic.h"
#include "cutover/widget.h"

#include <stddef.h>

/* A Traffic panel with no targets yet (it says "No traffic provider configured"). */
struct widget *panel_traffic_new(void);
/* Hands the panel a new snapshot (a reference is taken; NULL: none configured). */
void panel_traffic_set(struct widget *w, const struct traffic_snapshot *s);
/* The selected target's state (borrowed from the snapshot the panel holds), or NULL. */
const struct traffic_target_state *panel_traffic_selected(const struct widget *w);
/* Selects the target named name; returns 0, or -1 when there is none. */
int panel_traffic_select(struct widget *w, const char *name);
/* The snapshot the panel holds (borrowed), or NULL. */
const struct traffic_snapshot *panel_traffic_snapshot(const struct widget *w);
/* Rows a target block takes in full (for tests and layout decisions). */
int panel_traffic_block_rows(void);

#endif
