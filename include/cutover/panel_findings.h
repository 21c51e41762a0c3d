#ifndef CUTOVER_PANEL_FINDINGS_H
#define CUTOVER_PANEL_FINDINGS_H

/* Findings (severity as text, cluster, object, message) followed by recent Warning events from
 * both clusters. Scrolls; follows the filter and namespace. */

#include "cutover/widget.h"

/* A new findings panel. */
struct widget *panel_findings_new(void);

#endif
