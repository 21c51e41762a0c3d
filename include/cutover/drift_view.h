#ifndef CUTOVER_DRIFT_VIEW_H
#define CUTOVER_DRIFT_VIEW_H

/* The drift view (issue #5), opened over the body by Enter on the Secrets drift panel, `:drift`
 * or its key: every namespace/name with its state (missing on one side, type differs, keys differ
 * with which keys, value differs with which keys, equal, not compared, ignored with the rule), the
 * managing ExternalSecret per cluster (state, message, refresh time, store), and the External
 * Secrets list with the source of truth (matches / which keys differ / unreadable). It says that
 * Secret contents are read only while it is open. Enter on a differing ConfigMap asks for its
 * unified diff (fetched off the UI thread by the caller and handed back with
 * drift_view_set_diff), shown scrollable until Esc. Never a value, never a hash. */

#include "cutover/panel_drift.h"
#include "cutover/udiff.h"
#include "cutover/widget.h"

#include <stdbool.h>

/* An empty drift view. */
struct widget *drift_view_new(void);
/* Hands the view new data (copied; the report stays borrowed until the next call). The
 * selection stays on the same namespace/name when it is still there. */
void drift_view_set(struct widget *w, const struct drift_ui_data *data);

/* The key hints shown on the view's third line (copied; built by the TUI from its keymap). */
void drift_view_set_hints(struct widget *w, const char *hints);

/* The ExternalSecret the selected line is about (an External Secrets line, or the managing one
 * of the selected row, the target's first), or NULL. Borrowed from the report. */
const struct drift_es *drift_view_selected_es(const struct widget *w, int *side);
/* The selected row, or NULL (borrowed from the report). */
const struct drift_row *drift_view_selected_row(const struct widget *w);

/* After Enter: true once when Enter asked for a ConfigMap's diff; ns and name are copied out
 * (the view then shows "fetching the diff..." until drift_view_set_diff). */
bool drift_view_take_diff_request(struct widget *w, char *ns, size_t nslen, char *name,
                                  size_t namelen);
/* Shows the diff of ConfigMap ns/name (taking ownership of diff; NULL with error: why not). */
void drift_view_set_diff(struct widget *w, const char *ns, const char *name, struct udiff *diff,
                         const char *error);
/* True while the diff (or its fetching) is shown. */
bool drift_view_in_diff(const struct widget *w);
/* Back from the diff to the list. */
void drift_view_close_diff(struct widget *w);

#endif
