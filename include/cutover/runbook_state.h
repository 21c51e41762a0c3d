#ifndef CUTOVER_RUNBOOK_STATE_H
#define CUTOVER_RUNBOOK_STATE_H

/* Where a runbook stands, as the journal records it (docs/runbook.md, "The journal"): each step's
 * state changes are journal "state" records with id "runbook:<name>:step:<n>" (n 1-based) and
 * fields {"runbook":NAME,"step":N,"state":STATE,"title":...,"detail":...}. Reading them back in
 * order gives every step's last state and the step to resume at, after a crash or in another
 * terminal (the observer follows the mirrored journal the same way). Pure core: no I/O besides
 * journal_read / journal_append. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"
#include "cutover/journal.h"
#include "cutover/runbook.h"

enum runbook_step_state {
    RUNBOOK_STEP_PENDING = 0, /* not started */
    RUNBOOK_STEP_CHECKING,    /* current: gates being evaluated (not journaled) */
    RUNBOOK_STEP_READY,       /* current: every gate passes (not journaled) */
    RUNBOOK_STEP_RUNNING,     /* its action was started */
    RUNBOOK_STEP_SOAKING,     /* its action is done; the checks are watched until soak ends */
    RUNBOOK_STEP_DONE,
    RUNBOOK_STEP_FAILED,      /* its action or soak failed; rollback is offered */
    RUNBOOK_STEP_ROLLED_BACK, /* undone; the step can be run again */
    RUNBOOK_STEP_STATES
};

/* "pending", "checking", "ready", "running", "soaking", "done", "failed", "rolled-back". */
const char *runbook_step_state_name(enum runbook_step_state st);
/* The state named name, or -1. */
int runbook_step_state_from_name(const char *name);

/* Every step's journaled state. */
struct runbook_progress {
    size_t nsteps;
    enum runbook_step_state *state; /* [nsteps] */
    int64_t *since;                 /* [nsteps] unix seconds of the last state record; 0 none */
    char **who;                     /* [nsteps] who recorded it, or NULL */
    uint64_t last_seq;              /* seq of the last record applied (0 none) */
    size_t records;                 /* state records of this runbook applied */
};

/* An empty progress (every step pending) for rb. */
void runbook_progress_init(struct runbook_progress *p, const struct runbook *rb);
void runbook_progress_fini(struct runbook_progress *p);
/* Applies one journal record (ignored unless it is a state record of this runbook with a known
 * step and state). Returns true when it changed p. */
bool runbook_progress_apply(struct runbook_progress *p, const struct runbook *rb,
                            const struct journal_record *rec);
/* Reads the journal at path into p (initialised by the caller). A missing file is no progress
 * (0). Returns 0 or negative with err; *nproblems (may be NULL) receives the bad lines. */
int runbook_progress_read(struct runbook_progress *p, const struct runbook *rb, const char *path,
                          size_t *nproblems, struct error *err);
/* The step to work on: the first not done (a failed or running one included); nsteps when all
 * are done. */
size_t runbook_progress_current(const struct runbook_progress *p);

/* Journals step (0-based) entering st, with an optional detail line. */
int runbook_journal_state(struct journal *j, const struct runbook *rb, size_t step,
                          enum runbook_step_state st, const char *detail, struct error *err);

/* The journal id of a step's state records: "runbook:<name>:step:<n>" into buf. */
const char *runbook_state_id(const struct runbook *rb, size_t step, char *buf, size_t len);

#endif
