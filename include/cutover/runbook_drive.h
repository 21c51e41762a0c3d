#ifndef CUTOVER_RUNBOOK_DRIVE_H
#define CUTOVER_RUNBOOK_DRIVE_H

/* The guided runbook screen: `cutover runbook run FILE` on a terminal. The dashboard (mode
 * RUNBOOK) with the Runbook panel on top, DRIVING: the steps with their states, the current
 * step's description, action, approval, soak time left and live gates, the last lines the driver
 * said, and the keys runbook-run (Enter, g), runbook-abort (a), runbook-rollback (b), quit (q).
 *
 * Threads and who owns what:
 *  - The UI thread (tui.c) calls runbook_drive_action (a key), runbook_drive_key (a key while
 *    one of this module's dialogs is open), runbook_drive_take (after the wake pipe fired) and
 *    runbook_drive_quit. It opens every dialog (preview, approval, confirmation, questions) and
 *    never waits on the network: each piece of work is a job posted to the driver thread.
 *  - The driver thread (started by runbook_drive_start, one per screen) takes one job at a time
 *    (a preview, a step, a rollback) and calls the runner's ops (tui/cmd_runbook.c, the same
 *    engine as line mode). The runner reports back through runbook_drive_say (a line for the
 *    screen), runbook_drive_confirm (a confirmation: answered from what the dialogs collected
 *    before the job was posted, or asked of the UI while the driver thread waits on a condition
 *    variable; abort and quit cancel it), runbook_drive_phase (checking, running, soaking) and
 *    runbook_drive_stopping (abort or quit asked: a gate wait or a soak ends). Each writes a
 *    byte on the wake pipe.
 *  - The follower (runbook_follow.h) reads the runner's local journal for the step states and
 *    evaluates the current step's gates; runbook_drive_take decorates its view with the driver's
 *    extras (phase, soak left, lines, Lease, hints).
 * Locks: struct runbook_drive's lock guards the job slot, the finished result, the question, the
 * line ring, the phase and the abort/quit flags. It is never held while calling the ops, the
 * follower or the network; lock order is follower -> drive (the decorate callback).
 *
 * Abort (a): a gate wait ends with the step still pending (the journal gets a note "aborted by
 * WHO while waiting for its gates"); a soak ends with the step failed "aborted by WHO during the
 * soak" (roll back with b, or run it again). An action already sent is not interrupted: abort
 * takes effect after its read-back. Quit (q) asks first while an action is in flight; it then
 * waits for the read-back, leaves a soak as soaking in the journal (the next run resumes it) and
 * releases the Lease as line mode does at its end. */

#include "cutover/error.h"
#include "cutover/runbook_follow.h"
#include "cutover/traffic_provider.h"

#include <stdbool.h>
#include <stddef.h>

struct dashboard;
struct runbook_follow;

/* What a job asks of the runner. */
enum runbook_drive_op {
    RUNBOOK_DRIVE_RUN,      /* the current step */
    RUNBOOK_DRIVE_ROLLBACK, /* the current step if it failed or soaks, else the last done */
};

/* The driver thread's phase, set by the runner (runbook_drive_phase). */
enum runbook_drive_phase {
    RUNBOOK_DRIVE_IDLE,
    RUNBOOK_DRIVE_CHECKING, /* waiting for the step's gates */
    RUNBOOK_DRIVE_ACTING,   /* its action or rollback is in flight (not interruptible) */
    RUNBOOK_DRIVE_SOAKING,  /* the soak: the checks are watched until it ends */
};

/* What a confirmation is. */
enum runbook_drive_ask {
    RUNBOOK_DRIVE_ASK_APPROVAL, /* the step's approval: its name typed */
    RUNBOOK_DRIVE_ASK_CHANGE,   /* the change engine's: the name typed, or y */
};

/* A job's preview, filled by ops->preview on the driver thread. Owns its strings. */
struct runbook_drive_preview {
    size_t step;  /* the step it is about (0-based) */
    char *title;  /* "Run step 2/3: Send 30% of API traffic to EKS" */
    char **lines; /* the action before -> after and the exact calls (sanitized) */
    size_t nlines;
    char *approval;       /* RUN: the step's approval name; NULL none */
    char *confirm_word;   /* the change's confirmation: the name to type, or "y"; NULL none */
    char *confirm_prompt; /* "type api-dns to confirm" */
    char *confirm_key;    /* identifies the change previewed (runbook_drive_confirm) */
    char *error;          /* set: nothing can be done, and why (the lines may say more) */
};

/* Adds a line (printf-style; sanitized) to pv. */
void runbook_drive_preview_add(struct runbook_drive_preview *pv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees what pv owns and zeroes it. */
void runbook_drive_preview_fini(struct runbook_drive_preview *pv);

/* The runner's side, called on the driver thread (lease on any thread). */
struct runbook_drive_ops {
    /* Which step op is about and what it will do (reads, never changes). Returns 0, or -1 with
     * pv->error set. */
    int (*preview)(void *arg, enum runbook_drive_op op, struct runbook_drive_preview *pv);
    /* Carries op out on step (gates, action, read-back, soak; or the rollback), journaled as in
     * line mode. Returns 0 when the step is done (or rolled back). */
    int (*execute)(void *arg, enum runbook_drive_op op, size_t step);
    /* Who holds the Lease, for the panel ("this process (alice@laptop)"), and whether it is lost
     * (then why). Any thread; quick (no network). */
    void (*lease)(void *arg, char *buf, size_t len, bool *lost);
};

struct runbook_drive_opts {
    struct runbook_drive_ops ops;
    void *arg;
    int wake_fd;     /* write end of the UI's wake pipe, or -1 */
    const char *who; /* "user@host" (copied), for messages */
};

struct runbook_drive;

/* A new drive (no thread yet: runbook_drive_say works at once, for what resume says). */
struct runbook_drive *runbook_drive_new(const struct runbook_drive_opts *o);
/* Starts the driver thread. Returns 0, or -1 with err. */
int runbook_drive_start(struct runbook_drive *d, struct error *err);
/* Asks the thread to stop (quit: a gate wait or soak ends, a question is cancelled, an action in
 * flight finishes its read-back), joins it and frees; NULL does nothing. */
void runbook_drive_free(struct runbook_drive *d);
/* The follower whose view runbook_drive_take decorates (borrowed; poked on every state). */
void runbook_drive_set_follower(struct runbook_drive *d, struct runbook_follow *f);

/* ---- the runner's side (driver thread; runbook_drive_say also before the thread starts) ---- */

/* Says one or more lines ('\n' separated) on the screen: sanitized, kept in a ring. */
void runbook_drive_say(struct runbook_drive *d, const char *text);
/* A confirmation the runner needs: true when what the dialogs collected answers it (the same
 * approval name; for a change, the same preview key and word), else asks the UI (title and the
 * preview lines in key, '\n' separated) and waits for the answer; false when refused, aborted
 * or quitting. */
bool runbook_drive_confirm(struct runbook_drive *d, enum runbook_drive_ask kind, const char *prompt,
                           const char *want, const char *key);
/* The driver's phase on step; soak_s: the soak's length (SOAKING). Pokes the follower. */
void runbook_drive_phase(struct runbook_drive *d, enum runbook_drive_phase ph, size_t step,
                         long soak_s);
/* A state was journaled: the screen reads it at once. */
void runbook_drive_journaled(struct runbook_drive *d);
/* True once abort or quit was asked (a gate wait or a soak then ends). */
bool runbook_drive_stopping(struct runbook_drive *d);
/* True once quit was asked (a soak is then left as it is in the journal). */
bool runbook_drive_quitting(struct runbook_drive *d);

/* The guided screen's set-up: what the follower reads, the traffic poller's environment. */
struct config;
struct runbook_drive_screen {
    const char *context[2];                  /* source, target */
    const struct config *config;             /* theme, keys (borrowed) */
    struct runbook_follow_opts follow;       /* journal_path: the runner's; wake_fd: the pipe's */
    int wake_read_fd;                        /* the read end; the publishers write the same pipe */
    struct traffic_provider_env traffic_env; /* for the Traffic panel's poller (read-only) */
    const char *message;                     /* the status bar at start, or NULL */
};

/* Runs the guided screen until the user quits: starts the follower, the traffic poller and d's
 * driver thread, runs the dashboard, then quits the driver thread (an action in flight finishes
 * first) and stops the rest. d is freed by the caller. Returns 0, or -1 with err set. */
int runbook_drive_screen_run(struct runbook_drive *d, const struct runbook_drive_screen *s,
                             struct error *err);

/* ---- the UI thread's side --------------------------------------------------------------------
 */

/* A key's action: RUN (Enter, g) or ROLLBACK (b) opens the first dialog or says why not; the
 * abort key is runbook_drive_abort. Returns ACT_* flags. */
int runbook_drive_action(struct runbook_drive *d, struct dashboard *dash, enum runbook_drive_op op);
/* `a`: stops a gate wait or a soak (an action in flight finishes first), cancels a question.
 * Returns ACT_* flags. */
int runbook_drive_abort(struct runbook_drive *d, struct dashboard *dash);
/* `q`: ACT_QUIT, or (an action in flight) a dialog asking first. Returns ACT_* flags. */
int runbook_drive_quit(struct runbook_drive *d, struct dashboard *dash);
/* True while one of this module's dialogs is open in dash. */
bool runbook_drive_has_dialog(const struct runbook_drive *d, const struct dashboard *dash);
/* A key for the open dialog. Returns ACT_* flags (ACT_QUIT when quitting was confirmed). */
int runbook_drive_key(struct runbook_drive *d, struct dashboard *dash, int key);
/* After the wake pipe fired: a finished preview or job, a question, new lines; and the
 * follower's view, decorated. Returns true when a redraw is due. */
bool runbook_drive_take(struct runbook_drive *d, struct dashboard *dash);
/* Sets the key hints line of the panel (copied). */
void runbook_drive_set_hints(struct runbook_drive *d, const char *hints);
/* The last lines the runner said, '\n' separated, into buf (for tests). */
const char *runbook_drive_last_lines(struct runbook_drive *d, char *buf, size_t len);
/* The last outcome or refusal the panel shows, into buf ("" none; UI thread; for tests). */
const char *runbook_drive_last_message(const struct runbook_drive *d, char *buf, size_t len);
/* True while a job runs (for tests). */
bool runbook_drive_busy(struct runbook_drive *d);

#endif
