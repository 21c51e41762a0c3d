#ifndef CUTOVER_PANEL_RUNBOOK_H
#define CUTOVER_PANEL_RUNBOOK_H

/* The Runbook panel of the guided screen: the runbook's steps with their state (pending,
 * checking, ready, running, soaking, done, failed, rolled back), the current one marked, its
 * gates with pass/fail/unknown and the reason, its action, approval and soak time left, who holds
 * the Lease, and the keys that drive it (absent for an observer, not greyed). Pure drawing: the
 * runner hands it a state; it never does I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/runbook.h"
#include "cutover/runbook_eval.h"
#include "cutover/runbook_state.h"
#include "cutover/widget.h"

/* The most lines the driver said that the panel shows (the last ones). */
#define PANEL_RUNBOOK_LINES 4

/* What the panel shows; everything is copied by panel_runbook_set except rb, which must outlive
 * the panel (or be replaced by the next set). */
struct panel_runbook_state {
    const struct runbook *rb;
    const enum runbook_step_state *states; /* [rb->nsteps] */
    size_t current;                        /* the step being worked on; nsteps: all done */
    const struct runbook_gate *gates;      /* of the current step, [ngates]; NULL: not evaluated */
    size_t ngates;
    const char *lease;   /* "held by alice@laptop since ...", or NULL when unknown */
    bool observer;       /* following a runbook driven elsewhere: no keys shown */
    int64_t soak_left_s; /* soaking: seconds left; < 0 none */
    const char *message; /* the last outcome, or NULL */
    /* the guided screen's extras (all may be NULL/0; an observer has none of them) */
    bool description;         /* show the current step's description (its first line) */
    const char *const *lines; /* the last lines the driver said, oldest first (sanitized) */
    size_t nlines;            /* how many of lines (the panel shows the last few that fit) */
    const char *hints;        /* the keys that drive ("Enter/g:run step  a:abort ..."), or NULL:
                               * the default "Enter: run the step ..." line */
};

/* A Runbook panel with nothing to show yet ("no runbook"). */
struct widget *panel_runbook_new(void);
/* Hands the panel what to draw next. */
void panel_runbook_set(struct widget *w, const struct panel_runbook_state *st);

#endif
