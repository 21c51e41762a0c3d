#ifndef CUTOVER_RUNBOOK_FOLLOW_H
#define CUTOVER_RUNBOOK_FOLLOW_H

/* The follow screen's feed: a background thread that does what `runbook run --observer` does in
 * line mode (every interval: the Lease holder, the mirrored journal into step states, the
 * current step's gates evaluated on the live snapshots), read-only, and publishes the result for
 * the Runbook panel with a byte on the UI's wake pipe. The UI thread only copies the latest. */

#include "cutover/error.h"
#include "cutover/traffic_provider.h"

#include <stdbool.h>
#include <stddef.h>

struct dashboard;
struct drift_reader;
struct k8s_http;
struct model_publisher;
struct runbook;
struct traffic_provider;
struct traffic_target_cfg;

struct runbook_follow_opts {
    const struct runbook *rb;       /* borrowed; outlives the follower */
    struct k8s_http *http;          /* the target cluster, read-only (Lease and mirror) */
    struct model_publisher *pub[2]; /* source, target snapshots for the gates (borrowed) */
    struct traffic_provider **prov; /* [ntraffic] read-only providers, entries may be NULL */
    const struct traffic_target_cfg *traffic; /* [ntraffic] */
    size_t ntraffic;
    struct drift_reader *drift; /* when a gate looks at secrets, else NULL */
    double zone_spread_ratio;   /* > 1.0: the configured one */
    int wake_fd;                /* write end of the UI's wake pipe */
    int interval_ms;            /* 0: 1000 */
    /* the guided screen (runbook_drive.h): the driver's local journal, read for the step states
     * instead of the mirror (it is the record of truth and is written first); NULL: the mirror */
    const char *journal_path;
};

struct runbook_follow;

/* Starts the follower thread. Returns 0, or -1 with err set. */
int runbook_follow_start(const struct runbook_follow_opts *o, struct runbook_follow **out,
                         struct error *err);
/* Stops and joins the thread and frees it; NULL does nothing. */
void runbook_follow_stop(struct runbook_follow *f);
/* On the UI thread: hands the latest view to the dashboard's Runbook panel when it changed since
 * the last call. Returns true when it did (a redraw is due). Never waits on the network. */
bool runbook_follow_take(struct runbook_follow *f, struct dashboard *d);
struct panel_runbook_state;
/* runbook_follow_take for the guided screen: when the view changed or force is true, decorate
 * (called with the follower's lock held; it must not call back into the follower) may add the
 * driver's extras to st (the copy the dashboard takes is made after it returns). */
bool runbook_follow_take_with(struct runbook_follow *f, struct dashboard *d, bool force,
                              void (*decorate)(void *arg, struct panel_runbook_state *st),
                              void *arg);
struct traffic_poller;
/* The Traffic panel's poller for a screen following o's runbook: o's targets read with env, made
 * read-only whatever it says, publishing on o->wake_fd. NULL (logged) without targets or when
 * it cannot start. Stop it with traffic_poller_stop. */
struct traffic_poller *runbook_follow_traffic_start(const struct runbook_follow_opts *o,
                                                    const struct traffic_provider_env *env);
/* Asks the follower for a round now (a state was journaled); returns at once. */
void runbook_follow_poke(struct runbook_follow *f);
struct config;

/* The follow screen: the dashboard in OBSERVER mode with the Runbook panel fed by a follower. */
struct runbook_follow_screen {
    const char *context[2];            /* source, target */
    const struct config *config;       /* theme, keys, zone spread ratio (borrowed) */
    struct runbook_follow_opts follow; /* follow.wake_fd: the write end of wake */
    int wake_read_fd;                  /* the read end; pub[] write the same pipe */
    /* the Traffic panel's poller is started with this environment, read-only whatever it says
     * (kubeconfig and User-Agent of the observer's providers) */
    struct traffic_provider_env traffic_env;
};

/* Runs the follow screen until the user quits: starts the follower, runs the dashboard, stops
 * the follower. Returns 0, or -1 with err set (no terminal, no thread). */
int runbook_follow_screen_run(const struct runbook_follow_screen *s, struct error *err);
/* How many views the follower has published (for tests and logs). */
unsigned long runbook_follow_generation(struct runbook_follow *f);

#endif
