#ifndef CUTOVER_PANEL_INFO_H
#define CUTOVER_PANEL_INFO_H

/* A panel that states one plain sentence: Traffic and Secrets drift say "not configured" until
 * their providers exist. */

#include "cutover/widget.h"

/* A panel titled title that shows message (both copied). */
struct widget *panel_info_new(const char *title, const char *message);

#endif
