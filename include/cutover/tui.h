#ifndef CUTOVER_TUI_H
#define CUTOVER_TUI_H

/* The dashboard's main loop on the UI thread: poll() on the terminal and on a self-pipe that the
 * pollers' publishers write a byte to, so the UI never waits on the network. Keys go through the
 * keymap to the action table; snapshots are read from the publishers and handed to the
 * dashboard. The terminal is restored on quit, on a signal and on a fatal error. */

#include "cutover/config.h"
#include "cutover/error.h"
#include "cutover/model.h"

#include <stdbool.h>

struct journal;
struct traffic_poller;
struct drift_reader;
struct k8s_http;
struct runbook_follow;
struct runbook_drive;

struct tui_opts {
    const char *context[2];         /* source, target */
    const char *mode;               /* "LIVE", "OBSERVER", "RUNBOOK" */
    const struct config *config;    /* theme, keys, zone spread ratio (borrowed) */
    struct model_publisher *pub[2]; /* snapshots of source and target (borrowed) */
    int wake_fd;                    /* read end of the self-pipe the publishers write to */
    void (*refresh)(void *arg);     /* the `refresh` action; may be NULL */
    void *refresh_arg;
    /* traffic targets (issue #4); all may be NULL/-1 when none is configured */
    struct traffic_poller *traffic; /* its snapshots go to the Traffic panel (borrowed) */
    struct journal *journal;        /* where traffic changes are journaled (borrowed) */
    int traffic_wake_fd;            /* write end of the self-pipe, for the change worker */
    const char *message;            /* shown in the status bar at start, or NULL */
    /* secret drift (issue #5); NULL when not read */
    struct drift_reader *drift;     /* its snapshots go to the Secrets drift panel (borrowed) */
    struct k8s_http *drift_http[2]; /* source, target clients for diffs and force-sync */
    /* runbook follow screen (issue #6); NULL when no runbook is followed */
    struct runbook_follow *runbook; /* its views go to the Runbook panel; it writes wake_fd */
    /* the guided runbook screen (issue #6, runbook_drive.h); NULL elsewhere. When set, its keys
     * (runbook-run, runbook-abort, runbook-rollback) are bound, the traffic and drift keys that
     * change things are not (the runbook's steps do the changes), and no traffic worker runs */
    struct runbook_drive *runbook_drive;
};

/* Makes the self-pipe: both ends non-blocking and close-on-exec. Returns 0 or -errno. */
int tui_wake_pipe(int fds[2]);

/* Runs the dashboard until the user quits or a terminating signal arrives. Returns 0, or -1 with
 * err set when the terminal could not be used. Opens the log file first: after the screen is up
 * nothing is written to stdout or stderr. */
int tui_run(const struct tui_opts *opts, struct error *err);

#endif
