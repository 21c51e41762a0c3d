#ifndef CUTOVER_PANEL_ALLPODS_H
#define CUTOVER_PANEL_ALLPODS_H

/* The all-pods view: every pod of the source and the target in one full-screen list (cluster,
 * namespace, name, ready, status, restarts, node, zone, age), sorted by a column chosen with
 * keys (htop's sort column, k9s's pod list) and filtered by the dashboard's `/` filter. It reads
 * a podindex built off the UI thread, so a new sort is a swap of precomputed orders, a filter
 * walks the current order once, and drawing touches only the visible rows. */

#include "cutover/podindex.h"
#include "cutover/widget.h"

#include <stdbool.h>
#include <stdint.h>

/* A new view with no index yet (it says so), sorted by namespace/name ascending. */
struct widget *panel_allpods_new(void);
/* Hands the view a new index (a reference is taken; NULL drops it). The selected pod stays
 * selected when it is still there. */
void panel_allpods_set_index(struct widget *w, struct podindex *idx);
/* The index shown (borrowed), or NULL. */
const struct podindex *panel_allpods_index(const struct widget *w);
/* Says "indexing..." in the title while true (a newer index is being built). */
void panel_allpods_set_busy(struct widget *w, bool busy);
/* Sorts by column col, descending when desc; the selection goes to the first row. Returns
 * ACT_REDRAW. */
int panel_allpods_sort_by(struct widget *w, enum podindex_col col, bool desc);
/* Moves the sort to the next (step > 0) or previous column, keeping the direction. */
int panel_allpods_sort_step(struct widget *w, int step);
/* Reverses the sort direction. */
int panel_allpods_sort_reverse(struct widget *w);
/* The sort column, and its direction in *desc (may be NULL). */
enum podindex_col panel_allpods_sort_col(const struct widget *w, bool *desc);
/* How many rows pass the filter (the rows of the list). */
uint32_t panel_allpods_count(const struct widget *w);
/* The selected row (borrowed from the index), or NULL. */
const struct podindex_row *panel_allpods_selected(const struct widget *w);
/* The row at list position i (borrowed), or NULL: for tests and the drill-in. */
const struct podindex_row *panel_allpods_row(const struct widget *w, uint32_t i);
/* True (once) when Enter asked to open the selected pod's workload; clears the request. */
bool panel_allpods_take_open(struct widget *w);
/* The workload owning pod p of snapshot c as kind and name (a Deployment through its
 * ReplicaSet); false for a pod without a controller. */
bool panel_allpods_owner(const struct model_cluster *c, const struct model_pod *p,
                         const char **kind, const char **name);

#endif
