#ifndef CUTOVER_ANALYSIS_WORKER_H
#define CUTOVER_ANALYSIS_WORKER_H

/* The dashboard's analysis off the UI thread (issue #7): one worker thread takes the newest
 * snapshot pair submitted (older pairs still waiting are dropped: only the newest matters), runs
 * analysis_run on it with the configuration submitted with it, and writes a byte to the wake
 * pipe when the result is ready. The UI thread takes the finished result (the pair's references
 * and the analysis move to it) and installs it with dashboard_set_analysed.
 *
 *   UI thread: analysis_worker_submit(w, src, tgt, &cfg)   (cheap: two references)
 *   worker:    analysis_run(src, tgt, &cfg)                 (0.7 s at 150k pods x 5k nodes)
 *   worker:    opts.prepare(an)                             (the panels' rows, in every order)
 *   UI thread: analysis_worker_take(w, &res) -> dashboard_set_analysed(d, &res) */

#include "cutover/analysis.h"
#include "cutover/model.h"

#include <stdbool.h>
#include <stdint.h>

struct analysis_worker;

/* A finished analysis: owned by whoever took it (free with analysis_result_fini). */
struct analysis_result {
    struct model_cluster *snap[2]; /* the pair analysed (references; either may be NULL) */
    struct analysis *an;           /* borrows rows from snap: keep them while it lives */
    int64_t now;                   /* the time it was made at (cfg.now) */
    double run_ms;                 /* how long analysis_run took on the worker */
    /* what opts.prepare made of an on the worker (NULL: none), freed with prepared_free */
    void *prepared;
    void (*prepared_free)(void *prepared);
};

struct analysis_worker_opts {
    int wake_fd; /* written one byte when a result is ready; -1: none (poll with _take) */
    /* Called on the worker thread, without its lock, just before each analysis_run (NULL:
     * none): tests hold the worker there to submit while it runs. */
    void (*on_start)(void *arg);
    void *on_start_arg;
    /* Called on the worker thread after each analysis_run (NULL: none): what the UI will show
     * of an, precomputed there so that installing it is a swap (the Workloads panel's rows in
     * every order and its filter text). Kept in the result's prepared, freed with
     * prepared_free. */
    void *(*prepare)(const struct analysis *an, void *arg);
    void (*prepared_free)(void *prepared);
    void *prepare_arg;
};

/* Counters for tests and logs. */
struct analysis_worker_stats {
    uint64_t submitted; /* pairs submitted (a pair equal to the last one is not counted) */
    uint64_t started;   /* analyses started */
    uint64_t done;      /* analyses finished */
    uint64_t taken;     /* results taken */
};

/* Starts the worker thread. */
struct analysis_worker *analysis_worker_new(const struct analysis_worker_opts *opts);
/* Stops the worker (an analysis running is finished and dropped) and frees it; NULL: nothing. */
void analysis_worker_free(struct analysis_worker *w);

/* Asks for the analysis of (src, tgt) with cfg (copied; cfg->now is the time it is made at).
 * References are taken. A pair still waiting is replaced. The same pair and config as the last
 * one submitted is ignored: returns false then, true when the pair will be analysed. */
bool analysis_worker_submit(struct analysis_worker *w, const struct model_cluster *src,
                            const struct model_cluster *tgt, const struct analysis_config *cfg);
/* Takes the newest finished result into *out (the caller owns it). Returns true when there
 * was one; false leaves *out zeroed. A result is dropped when a newer one finishes first. */
bool analysis_worker_take(struct analysis_worker *w, struct analysis_result *out);
/* Hands r (what the UI let go of: an old analysis, old snapshot references) to the worker to
 * free on its thread, off the UI's; r is zeroed. */
void analysis_worker_release(struct analysis_worker *w, struct analysis_result *r);
/* True while a submitted pair is waiting, being analysed or finished but not taken. */
bool analysis_worker_busy(struct analysis_worker *w);
/* The counters so far. */
void analysis_worker_stats(struct analysis_worker *w, struct analysis_worker_stats *out);

/* Drops a result's analysis, prepared rows and references and zeroes it; NULL does nothing. */
void analysis_result_fini(struct analysis_result *r);

#endif
