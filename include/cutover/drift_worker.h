#ifndef CUTOVER_DRIFT_WORKER_H
#define CUTOVER_DRIFT_WORKER_H

/* The drift view's network work, off the UI thread (issue #5): the unified diff of a ConfigMap
 * (both clusters fetched on demand), and the force-sync of an ExternalSecret with the same flow
 * as every action: a preview (before -> after of its force-sync annotation and the exact API
 * call, read from the cluster), confirmation with `y`, a journal intent before the PATCH and a
 * result after it, then a read-back (the annotation observed, the refreshTime) and a new drift
 * read. Never created in observer mode: nothing here exists for an observer. A finished job
 * writes a byte to the wake fd; the UI then calls drift_worker_poll(). */

#include "cutover/dashboard.h"
#include "cutover/error.h"

#include <stdbool.h>

struct drift_reader;
struct journal;
struct k8s_http;

struct drift_worker_opts {
    struct k8s_http *http[2];    /* source, target (borrowed; outlive the worker) */
    struct drift_reader *reader; /* read again after a force-sync (borrowed), or NULL */
    struct journal *journal;     /* force-sync intents and results (borrowed); NULL refuses */
    const char *who;             /* "user@host" for the journal (copied); NULL: journal's */
    int wake_fd;                 /* write end of the UI's self-pipe */
    int readback_ms;             /* how long the read-back waits for refreshTime to move; 0: 5000 */
};

struct drift_worker;

/* Starts the worker thread. Returns 0, or -1 with err. */
int drift_worker_new(const struct drift_worker_opts *opts, struct drift_worker **out,
                     struct error *err);
/* Waits for a running job, stops the thread and frees; NULL does nothing. */
void drift_worker_free(struct drift_worker *dw);

/* After a key went to the dashboard: starts the ConfigMap diff the drift view asked for, if any.
 * Returns ACT_* flags. */
int drift_worker_after_key(struct drift_worker *dw, struct dashboard *d);
/* `F` in the drift view: prepares the force-sync preview of the selected ExternalSecret, or
 * leaves a message saying why not. Returns ACT_* flags. */
int drift_worker_force_sync(struct drift_worker *dw, struct dashboard *d);
/* True while one of the force-sync dialogs is open in d (keys then go to drift_worker_key). */
bool drift_worker_has_dialog(const struct drift_worker *dw, const struct dashboard *d);
/* A key for the open dialog. Returns ACT_* flags. */
int drift_worker_key(struct drift_worker *dw, struct dashboard *d, int key);
/* Takes a finished job's result (after the wake fd fired) and shows it. Returns ACT_* flags. */
int drift_worker_poll(struct drift_worker *dw, struct dashboard *d);
/* True while a job runs or its result waits for drift_worker_poll. */
bool drift_worker_busy(struct drift_worker *dw);

#endif
