/* The traffic poller: a thread per target reads its provider, the results go into one immutable
 * traffic_snapshot swapped under a mutex, and a byte on the wake fd tells the UI. Lock order:
 * a target's use_mu (exclusive use of its provider, held across network calls) before the
 * poller's mu (state and snapshot; never held across a network call). */

#include "cutover/traffic_poller.h"

#include "cutover/log.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tp_target {
    struct traffic_poller *p;
    struct traffic_target_cfg cfg; /* immutable after start */
    struct traffic_provider *prov; /* used only with use_mu held; NULL when it could not be built */
    char *ctor_error;              /* why prov is NULL; immutable */
    pthread_mutex_t use_mu;        /* exclusive use of prov */
    pthread_t thread;
    bool has_thread;
    bool prom_failing; /* the last observed-split query failed (logged once); target thread only */
    /* The rest is guarded by p->mu. */
    bool refresh_now;
    bool have_reading;
    struct traffic_reading reading; /* the last good reading */
    char *error;                    /* the last read's error, NULL after a good one */
    struct timespec last_ok;
    struct timespec last_err;
    double observed_pct;
    bool busy;
    char *busy_text;
};

struct traffic_poller {
    pthread_mutex_t mu;
    pthread_cond_t cond;          /* CLOCK_MONOTONIC: refresh requests, stop, publishes */
    bool stop;                    /* guarded by mu */
    struct traffic_snapshot *cur; /* guarded by mu */
    uint64_t generation;          /* guarded by mu */
    int refresh_ms;
    int prom_timeout_ms;
    int wake_fd;
    size_t n;
    struct tp_target *t;
};

static void mono_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Builds and swaps in a new snapshot of every target's state. Called with p->mu held. */
static void publish_locked(struct traffic_poller *p)
{
    struct traffic_snapshot *s = traffic_snapshot_new(p->n);
    s->generation = ++p->generation;
    for (size_t i = 0; i < p->n; i++) {
        const struct tp_target *t = &p->t[i];
        struct traffic_target_state *st = &s->targets[i];
        traffic_target_cfg_copy(&st->cfg, &t->cfg);
        st->have_reading = t->have_reading;
        if (t->have_reading) {
            traffic_reading_copy(&st->reading, &t->reading);
            st->percent = traffic_percent_of(t->reading.side[TRAFFIC_OLD].weight,
                                             t->reading.side[TRAFFIC_NEW].weight);
            if (!t->reading.side[TRAFFIC_OLD].present || !t->reading.side[TRAFFIC_NEW].present)
                st->percent = -1;
            st->step = st->percent >= 0 ? traffic_plan_index(&st->cfg, st->percent) : -1;
            st->observed_pct = t->observed_pct;
        }
        st->error = xstrdup_null(t->error ? t->error : t->ctor_error);
        st->last_ok = t->last_ok;
        st->last_err = t->last_err;
        st->busy = t->busy;
        st->busy_text = t->busy ? xstrdup_null(t->busy_text) : NULL;
    }
    struct traffic_snapshot *old = p->cur;
    p->cur = s;
    traffic_snapshot_unref(old);
    XPTHREAD(pthread_cond_broadcast(&p->cond));
}

static void wake(struct traffic_poller *p)
{
    if (p->wake_fd >= 0) {
        char b = 1;
        /* A full pipe already holds a wake-up: nothing is lost by EAGAIN. */
        ssize_t w = write(p->wake_fd, &b, 1);
        (void)w;
    }
}

/* The observed split from Prometheus into r's sides; the percent to the new side, or -1. */
static double observe(const struct traffic_poller *p, struct tp_target *t,
                      struct traffic_reading *r)
{
    double v[2] = {-1, -1};
    for (int s = 0; s < 2; s++) {
        if (t->cfg.prom_query[s] == NULL)
            return -1;
        struct error err;
        error_clear(&err);
        if (prom_query_sum(t->cfg.prom_url, t->cfg.prom_query[s], p->prom_timeout_ms, &v[s], &err) <
            0) {
            error_sanitize(&err);
            if (!t->prom_failing)
                log_warn("traffic %s: observed split: %s", t->cfg.name, err.msg);
            t->prom_failing = true;
            return -1;
        }
    }
    if (t->prom_failing)
        log_info("traffic %s: observed split: Prometheus answers again", t->cfg.name);
    t->prom_failing = false;
    r->side[TRAFFIC_OLD].observed_rps = v[TRAFFIC_OLD];
    r->side[TRAFFIC_NEW].observed_rps = v[TRAFFIC_NEW];
    double total = v[TRAFFIC_OLD] + v[TRAFFIC_NEW];
    return total > 0 ? 100.0 * v[TRAFFIC_NEW] / total : -1;
}

/* Reads t's provider (use_mu held by the caller), stores the result, clears busy when asked,
 * and publishes. */
static void read_store(struct tp_target *t, bool with_prom, bool clear_busy)
{
    struct traffic_poller *p = t->p;
    struct traffic_reading r;
    memset(&r, 0, sizeof r);
    for (int s = 0; s < 2; s++) {
        r.side[s].weight = -1;
        r.side[s].observed_rps = -1;
    }
    struct error err;
    error_clear(&err);
    int rc = t->prov->ops->read(t->prov, &r, &err);
    double obs = -1;
    bool observed = false;
    if (rc == 0 && with_prom && t->cfg.prom_url != NULL) {
        obs = observe(p, t, &r);
        observed = true;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);

    XPTHREAD(pthread_mutex_lock(&p->mu));
    if (rc == 0) {
        if (!observed && t->have_reading) {
            /* Keep the last observed split until Prometheus is asked again. */
            for (int s = 0; s < 2; s++)
                r.side[s].observed_rps = t->reading.side[s].observed_rps;
            obs = t->observed_pct;
        }
        traffic_reading_fini(&t->reading);
        t->reading = r;
        t->have_reading = true;
        t->observed_pct = obs;
        free(t->error);
        t->error = NULL;
        t->last_ok = now;
    } else {
        traffic_reading_fini(&r);
        error_sanitize(&err);
        free(t->error);
        t->error = xstrdup(err.msg[0] ? err.msg : "read failed");
        t->last_err = now;
    }
    if (clear_busy) {
        t->busy = false;
        free(t->busy_text);
        t->busy_text = NULL;
    }
    publish_locked(p);
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    wake(p);
    if (rc < 0)
        log_info("traffic: read failed: %s", err.msg);
}

static void *target_main(void *arg)
{
    struct tp_target *t = arg;
    struct traffic_poller *p = t->p;
    XPTHREAD(pthread_mutex_lock(&p->mu));
    while (!p->stop) {
        t->refresh_now = false;
        XPTHREAD(pthread_mutex_unlock(&p->mu));

        XPTHREAD(pthread_mutex_lock(&t->use_mu));
        read_store(t, true, false);
        XPTHREAD(pthread_mutex_unlock(&t->use_mu));

        XPTHREAD(pthread_mutex_lock(&p->mu));
        struct timespec due;
        mono_after(&due, p->refresh_ms);
        while (!p->stop && !t->refresh_now) {
            int rc = pthread_cond_timedwait(&p->cond, &p->mu, &due);
            if (rc == ETIMEDOUT)
                break;
            if (rc != 0)
                fatal("pthread_cond_timedwait: %d", rc);
        }
    }
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    return NULL;
}

int traffic_poller_start(const struct traffic_target_cfg *targets, size_t n,
                         const struct traffic_poller_opts *opts, struct traffic_poller **out,
                         struct error *err)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (targets[i].name == NULL) {
            error_set(err, "traffic target %zu has no name", i + 1);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(targets[i].name, targets[j].name) == 0) {
                error_set(err, "two traffic targets are called %s", targets[i].name);
                return -1;
            }
    }
    static const struct traffic_poller_opts defaults = {.wake_fd = -1};
    if (opts == NULL)
        opts = &defaults;

    struct traffic_poller *p = xcalloc(1, sizeof *p);
    XPTHREAD(pthread_mutex_init(&p->mu, NULL));
    pthread_condattr_t ca;
    XPTHREAD(pthread_condattr_init(&ca));
    XPTHREAD(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
    XPTHREAD(pthread_cond_init(&p->cond, &ca));
    XPTHREAD(pthread_condattr_destroy(&ca));
    p->refresh_ms = opts->refresh_ms > 0 ? opts->refresh_ms : 5000;
    p->prom_timeout_ms = opts->prom_timeout_ms > 0  ? opts->prom_timeout_ms
                         : opts->env.timeout_ms > 0 ? opts->env.timeout_ms
                                                    : 10000;
    p->wake_fd = opts->wake_fd;
    p->n = n;
    p->t = n ? xcalloc(n, sizeof *p->t) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct tp_target *t = &p->t[i];
        t->p = p;
        traffic_target_cfg_copy(&t->cfg, &targets[i]);
        XPTHREAD(pthread_mutex_init(&t->use_mu, NULL));
        t->observed_pct = -1;
        struct error e;
        error_clear(&e);
        if (traffic_provider_new(&t->cfg, &opts->env, &t->prov, &e) < 0) {
            error_sanitize(&e);
            t->ctor_error = xstrdup(e.msg[0] ? e.msg : "cannot use this target");
            t->prov = NULL;
            log_warn("traffic: %s", t->ctor_error);
        }
    }
    XPTHREAD(pthread_mutex_lock(&p->mu));
    publish_locked(p);
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    for (size_t i = 0; i < n; i++) {
        struct tp_target *t = &p->t[i];
        if (t->prov == NULL)
            continue;
        XPTHREAD(pthread_create(&t->thread, NULL, target_main, t));
        t->has_thread = true;
    }
    *out = p;
    return 0;
}

struct traffic_snapshot *traffic_poller_get(struct traffic_poller *p)
{
    XPTHREAD(pthread_mutex_lock(&p->mu));
    struct traffic_snapshot *s = traffic_snapshot_ref(p->cur);
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    return s;
}

struct traffic_snapshot *traffic_poller_wait(struct traffic_poller *p, uint64_t gen, int timeout_ms)
{
    struct timespec due;
    mono_after(&due, timeout_ms > 0 ? timeout_ms : 0);
    XPTHREAD(pthread_mutex_lock(&p->mu));
    while (p->cur->generation <= gen) {
        int rc = pthread_cond_timedwait(&p->cond, &p->mu, &due);
        if (rc == ETIMEDOUT)
            break;
        if (rc != 0)
            fatal("pthread_cond_timedwait: %d", rc);
    }
    struct traffic_snapshot *s = traffic_snapshot_ref(p->cur);
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    return s;
}

static struct tp_target *find(struct traffic_poller *p, const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->t[i].cfg.name, name) == 0)
            return &p->t[i];
    return NULL;
}

void traffic_poller_refresh(struct traffic_poller *p)
{
    XPTHREAD(pthread_mutex_lock(&p->mu));
    for (size_t i = 0; i < p->n; i++)
        p->t[i].refresh_now = true;
    XPTHREAD(pthread_cond_broadcast(&p->cond));
    XPTHREAD(pthread_mutex_unlock(&p->mu));
}

int traffic_poller_refresh_target(struct traffic_poller *p, const char *name)
{
    struct tp_target *t = find(p, name);
    if (t == NULL)
        return -1;
    XPTHREAD(pthread_mutex_lock(&p->mu));
    t->refresh_now = true;
    XPTHREAD(pthread_cond_broadcast(&p->cond));
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    return 0;
}

int traffic_poller_with_provider(struct traffic_poller *p, const char *target,
                                 int (*fn)(struct traffic_provider *prov, void *arg), void *arg)
{
    struct tp_target *t = find(p, target);
    if (t == NULL || t->prov == NULL)
        return -1;
    XPTHREAD(pthread_mutex_lock(&t->use_mu));
    XPTHREAD(pthread_mutex_lock(&p->mu));
    t->busy = true;
    free(t->busy_text);
    t->busy_text = NULL;
    publish_locked(p);
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    wake(p);

    int rc = fn(t->prov, arg);

    read_store(t, false, true);
    XPTHREAD(pthread_mutex_unlock(&t->use_mu));
    return rc;
}

void traffic_poller_set_busy_text(struct traffic_poller *p, const char *target, const char *text)
{
    struct tp_target *t = find(p, target);
    if (t == NULL)
        return;
    XPTHREAD(pthread_mutex_lock(&p->mu));
    bool published = false;
    if (t->busy) {
        free(t->busy_text);
        t->busy_text = xstrdup_null(text);
        publish_locked(p);
        published = true;
    }
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    if (published)
        wake(p);
}

void traffic_poller_stop(struct traffic_poller *p)
{
    if (p == NULL)
        return;
    XPTHREAD(pthread_mutex_lock(&p->mu));
    p->stop = true;
    XPTHREAD(pthread_cond_broadcast(&p->cond));
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    for (size_t i = 0; i < p->n; i++)
        if (p->t[i].has_thread)
            XPTHREAD(pthread_join(p->t[i].thread, NULL));
    for (size_t i = 0; i < p->n; i++) {
        struct tp_target *t = &p->t[i];
        traffic_provider_free(t->prov);
        traffic_target_cfg_fini(&t->cfg);
        traffic_reading_fini(&t->reading);
        free(t->ctor_error);
        free(t->error);
        free(t->busy_text);
        XPTHREAD(pthread_mutex_destroy(&t->use_mu));
    }
    free(p->t);
    traffic_snapshot_unref(p->cur);
    XPTHREAD(pthread_cond_destroy(&p->cond));
    XPTHREAD(pthread_mutex_destroy(&p->mu));
    free(p);
}
