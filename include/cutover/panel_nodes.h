#ifndef CUTOVER_PANEL_NODES_H
#define CUTOVER_PANEL_NODES_H

/* Nodes by zone: per cluster, a grid of availability zones x roles (control plane, workers)
 * with ready/total counts, and the node-placement findings written beside it. */

#include "cutover/widget.h"

/* A new nodes-by-zone panel. */
struct widget *panel_nodes_new(void);
/* Rows the panel needs inside its box, at panel width w, to show every zone and (wrapped) zone
 * finding of both sides. */
int panel_nodes_rows(const struct widget_view *v, int w);

#endif
