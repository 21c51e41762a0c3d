#ifndef CUTOVER_PANEL_DRIFT_H
#define CUTOVER_PANEL_DRIFT_H

/* The Secrets drift panel (issue #5): which mode the Secrets were read in (metadata only, or
 * contents compared by keyed hash, none shown), counts by state for Secrets and ConfigMaps,
 * External Secrets (sync errors, stale against AWS Secrets Manager, target Secret missing), the
 * ignored count per rule with its reason, then the worst rows while room is left. It draws from a
 * drift report (drift.h) that the TUI borrows to it; it never reads a value and has none. */

#include "cutover/drift.h"
#include "cutover/widget.h"

#include <stdbool.h>
#include <stdint.h>

/* What the drift panel and view draw from. The report is borrowed: the caller keeps it alive
 * until the next panel_drift_set / dashboard_set_drift call. */
struct drift_ui_data {
    bool configured; /* a drift reader runs (false: the panel says not configured) */
    const struct drift_report *report; /* NULL until the first read */
    int64_t taken;                     /* unix seconds the report's read finished */
    bool contents_asked;               /* Secret contents are being asked for (the view is open) */
};

/* A Secrets drift panel with nothing read yet ("Secret drift: not configured"). */
struct widget *panel_drift_new(void);
/* Hands the panel new data (copied; the report stays borrowed). */
void panel_drift_set(struct widget *w, const struct drift_ui_data *data);
/* The mode sentence the panel and the view show for r ("values compared by keyed hash; none
 * shown", "metadata only: ..."), into buf. */
const char *panel_drift_mode_text(const struct drift_report *r, char *buf, size_t len);
/* "1 missing on target, 2 keys differ, 5 equal" for the counts of one kind into buf ("none" when
 * there is nothing). */
const char *panel_drift_counts_text(const int counts[DRIFT_STATE_COUNT], char *buf, size_t len);
/* What a state means in words ("missing on target", "keys differ", ...). */
const char *panel_drift_state_words(enum drift_state st);

#endif
