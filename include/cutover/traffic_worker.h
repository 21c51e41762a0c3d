#ifndef CUTOVER_TRAFFIC_WORKER_H
#define CUTOVER_TRAFFIC_WORKER_H

/* The traffic change flow of the dashboard (keys `]` `[` `W` `R` on the selected traffic target):
 * the UI thread opens dialogs (percent field, preview with the exact API calls, confirmation by
 * typing the target's name for production targets or `y`, progress, outcome with roll forward /
 * roll back after a partial failure); everything that touches a provider (the preview's
 * describe(), the change, the read-back) runs on this module's worker thread through
 * traffic_poller_with_provider() and traffic_change_*(), so the UI never waits on the network.
 * A finished job writes a byte to the wake fd; the UI then calls traffic_worker_poll(). Never
 * created in observer mode: nothing here exists for an observer. */

#include "cutover/dashboard.h"
#include "cutover/error.h"

#include <stdbool.h>

struct journal;
struct traffic_poller;
struct traffic_worker;

/* What a key asks for. */
enum traffic_worker_op {
    TRAFFIC_OP_NEXT,     /* `]`: the next plan step */
    TRAFFIC_OP_PREV,     /* `[`: the previous plan step */
    TRAFFIC_OP_SET,      /* `W`: a percent typed by the user */
    TRAFFIC_OP_ROLLBACK, /* `R`: the last known-good weights from the journal */
};

struct traffic_worker_opts {
    struct traffic_poller *poller; /* borrowed; outlives the worker */
    struct journal *journal;       /* borrowed; intents and results are written there */
    const char *who;               /* "user@host" for the journal (copied); NULL: journal's */
    int wake_fd;                   /* write end of the UI's self-pipe */
};

/* Starts the worker thread. Returns 0, or -1 with err. */
int traffic_worker_new(const struct traffic_worker_opts *opts, struct traffic_worker **out,
                       struct error *err);
/* Waits for a running job to finish (a change in flight is never abandoned), stops the thread
 * and frees; NULL does nothing. */
void traffic_worker_free(struct traffic_worker *tw);

/* Starts op on the target selected in d's Traffic panel: opens the first dialog or leaves a
 * message saying why not. Returns ACT_* flags. */
int traffic_worker_action(struct traffic_worker *tw, struct dashboard *d,
                          enum traffic_worker_op op);
/* True while one of the flow's dialogs is open in d (keys then go to traffic_worker_key). */
bool traffic_worker_has_dialog(const struct traffic_worker *tw, const struct dashboard *d);
/* A key for the open dialog. Returns ACT_* flags. */
int traffic_worker_key(struct traffic_worker *tw, struct dashboard *d, int key);
/* Takes a finished job's result (after the wake fd fired) and shows it. Returns ACT_* flags. */
int traffic_worker_poll(struct traffic_worker *tw, struct dashboard *d);
/* True while a job runs on the worker thread or its result waits for traffic_worker_poll. */
bool traffic_worker_busy(struct traffic_worker *tw);

#endif
