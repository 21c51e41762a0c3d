/* The dashboard's analysis on a worker thread: the newest submitted pair wins. */
#include "cutover/analysis_worker.h"

#include "cutover/log.h"
#include "cutover/worker.h"
#include "cutover/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct analysis_worker {
    pthread_t thread;
    struct analysis_worker_opts o; /* set before the thread starts, read-only after */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* guarded by mu: */
    struct model_cluster *want[2];       /* the pair to analyse next (references held) */
    struct analysis_config want_cfg;     /* its config */
    bool pending;                        /* want is waiting for the worker */
    bool running;                        /* the worker is in analysis_run */
    const struct model_cluster *last[2]; /* the pair last submitted (identity only) */
    struct analysis_config last_cfg;     /* and its config */
    bool have_last;
    struct analysis_result result; /* newest finished, not taken yet (result.an NULL: none) */
    bool have_result;
    struct analysis_result *release; /* handed back to be freed on this thread */
    size_t nrelease, caprelease;
    bool stop;
    struct analysis_worker_stats st;
};

void analysis_result_fini(struct analysis_result *r)
{
    if (r == NULL)
        return;
    if (r->prepared && r->prepared_free)
        r->prepared_free(r->prepared);
    analysis_free(r->an);
    model_cluster_unref(r->snap[0]);
    model_cluster_unref(r->snap[1]);
    memset(r, 0, sizeof *r);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void *worker_main(void *arg)
{
    struct analysis_worker *w = arg;
    XPTHREAD(pthread_mutex_lock(&w->mu));
    for (;;) {
        while (!w->pending && !w->stop && w->nrelease == 0)
            XPTHREAD(pthread_cond_wait(&w->cv, &w->mu));
        if (w->stop)
            break;
        if (w->nrelease > 0) {
            /* the references and analyses the UI let go of: dropping a snapshot's last
             * reference walks every row, tens of ms at 150k pods */
            struct analysis_result *rel = w->release;
            size_t n = w->nrelease;
            w->release = NULL;
            w->nrelease = w->caprelease = 0;
            XPTHREAD(pthread_mutex_unlock(&w->mu));
            for (size_t i = 0; i < n; i++)
                analysis_result_fini(&rel[i]);
            free(rel);
            XPTHREAD(pthread_mutex_lock(&w->mu));
            continue;
        }
        struct analysis_result r = {.snap = {w->want[0], w->want[1]}, .now = w->want_cfg.now};
        struct analysis_config cfg = w->want_cfg;
        w->want[0] = w->want[1] = NULL;
        w->pending = false;
        w->running = true;
        w->st.started++;
        XPTHREAD(pthread_mutex_unlock(&w->mu));

        if (w->o.on_start)
            w->o.on_start(w->o.on_start_arg);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r.an = analysis_run(r.snap[0], r.snap[1], &cfg);
        r.run_ms = ms_since(&t0);
        double prep_ms = 0;
        if (w->o.prepare && r.an) {
            struct timespec t2;
            clock_gettime(CLOCK_MONOTONIC, &t2);
            r.prepared = w->o.prepare(r.an, w->o.prepare_arg);
            r.prepared_free = w->o.prepared_free;
            prep_ms = ms_since(&t2);
        }
        /* bench/latency.sh reads this line: the analysis's cost, now off the UI thread */
        log_info("analysis: %zu workloads analysed in %.1f ms (rows prepared in %.1f ms)",
                 r.an ? r.an->nworkloads : 0, r.run_ms, prep_ms);

        struct analysis_result old = {.an = NULL};
        XPTHREAD(pthread_mutex_lock(&w->mu));
        w->running = false;
        w->st.done++;
        if (w->stop) {
            old = r; /* nobody will take it */
        } else {
            if (w->have_result)
                old = w->result; /* never taken: the newer one replaces it */
            w->result = r;
            w->have_result = true;
        }
        XPTHREAD(pthread_mutex_unlock(&w->mu));
        analysis_result_fini(&old);
        if (w->o.wake_fd >= 0) {
            ssize_t n = write(w->o.wake_fd, "a", 1);
            (void)n; /* a full pipe already wakes the UI */
        }
        XPTHREAD(pthread_mutex_lock(&w->mu));
    }
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    return NULL;
}

struct analysis_worker *analysis_worker_new(const struct analysis_worker_opts *opts)
{
    struct analysis_worker *w = xcalloc(1, sizeof *w);
    if (opts)
        w->o = *opts;
    else
        w->o.wake_fd = -1;
    XPTHREAD(pthread_mutex_init(&w->mu, NULL));
    XPTHREAD(pthread_cond_init(&w->cv, NULL));
    XPTHREAD(pthread_create(&w->thread, NULL, worker_main, w));
    return w;
}

void analysis_worker_free(struct analysis_worker *w)
{
    if (w == NULL)
        return;
    worker_stop_join(&w->mu, &w->cv, &w->stop, w->thread);
    model_cluster_unref(w->want[0]);
    model_cluster_unref(w->want[1]);
    analysis_result_fini(&w->result);
    for (size_t i = 0; i < w->nrelease; i++)
        analysis_result_fini(&w->release[i]);
    free(w->release);
    XPTHREAD(pthread_cond_destroy(&w->cv));
    XPTHREAD(pthread_mutex_destroy(&w->mu));
    free(w);
}

/* The fields of a config that change the result for the same pair (now does not count: the
 * dashboard moves its clock without a new analysis). */
static bool same_config(const struct analysis_config *a, const struct analysis_config *b)
{
    return a->zone_spread_ratio == b->zone_spread_ratio &&
           a->event_max_age_s == b->event_max_age_s && a->stale_after_s == b->stale_after_s;
}

bool analysis_worker_submit(struct analysis_worker *w, const struct model_cluster *src,
                            const struct model_cluster *tgt, const struct analysis_config *cfg)
{
    struct analysis_config c;
    if (cfg)
        c = *cfg;
    else
        analysis_config_init(&c);
    struct model_cluster *drop[2] = {NULL, NULL};
    bool queued = false;
    XPTHREAD(pthread_mutex_lock(&w->mu));
    if (!w->have_last || src != w->last[0] || tgt != w->last[1] || !same_config(&c, &w->last_cfg)) {
        drop[0] = w->want[0]; /* a pair that waited and was never started */
        drop[1] = w->want[1];
        w->want[0] = src ? model_cluster_ref(src) : NULL;
        w->want[1] = tgt ? model_cluster_ref(tgt) : NULL;
        w->want_cfg = c;
        w->pending = true;
        w->last[0] = src;
        w->last[1] = tgt;
        w->last_cfg = c;
        w->have_last = true;
        w->st.submitted++;
        queued = true;
        XPTHREAD(pthread_cond_signal(&w->cv));
    }
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    model_cluster_unref(drop[0]);
    model_cluster_unref(drop[1]);
    return queued;
}

bool analysis_worker_take(struct analysis_worker *w, struct analysis_result *out)
{
    memset(out, 0, sizeof *out);
    XPTHREAD(pthread_mutex_lock(&w->mu));
    bool have = w->have_result;
    if (have) {
        *out = w->result;
        memset(&w->result, 0, sizeof w->result);
        w->have_result = false;
        w->st.taken++;
    }
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    return have;
}

void analysis_worker_release(struct analysis_worker *w, struct analysis_result *r)
{
    if (r->an == NULL && r->snap[0] == NULL && r->snap[1] == NULL)
        return;
    XPTHREAD(pthread_mutex_lock(&w->mu));
    if (w->nrelease == w->caprelease) {
        w->caprelease = w->caprelease ? 2 * w->caprelease : 4;
        w->release = xreallocarray(w->release, w->caprelease, sizeof *w->release);
    }
    w->release[w->nrelease++] = *r;
    XPTHREAD(pthread_cond_signal(&w->cv));
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    memset(r, 0, sizeof *r);
}

bool analysis_worker_busy(struct analysis_worker *w)
{
    XPTHREAD(pthread_mutex_lock(&w->mu));
    bool busy = w->pending || w->running || w->have_result;
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    return busy;
}

void analysis_worker_stats(struct analysis_worker *w, struct analysis_worker_stats *out)
{
    XPTHREAD(pthread_mutex_lock(&w->mu));
    *out = w->st;
    XPTHREAD(pthread_mutex_unlock(&w->mu));
}
