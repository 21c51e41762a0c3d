#ifndef CUTOVER_PANEL_HELP_H
#define CUTOVER_PANEL_HELP_H

/* The help screen, generated from the action table and the key bindings (never written by
 * hand), plus the `:` commands. */

#include "cutover/widget.h"

#include <stddef.h>

struct panel_help_entry {
    const char *keys;   /* "j, Down" */
    const char *action; /* "down" */
    const char *help;   /* "move down" */
};

/* A help screen of n entries (copied). */
struct widget *panel_help_new(const struct panel_help_entry *entries, size_t n);

#endif
