/* The follow screen's feed: Lease, mirrored journal and gates read on a thread of its own. */
#include "cutover/runbook_follow.h"

#include "cutover/analysis.h"
#include "cutover/config.h"
#include "cutover/dashboard.h"
#include "cutover/drift_reader.h"
#include "cutover/journal.h"
#include "cutover/journal_mirror.h"
#include "cutover/k8s_http.h"
#include "cutover/k8s_lease.h"
#include "cutover/log.h"
#include "cutover/model.h"
#include "cutover/panel_runbook.h"
#include "cutover/runbook.h"
#include "cutover/runbook_eval.h"
#include "cutover/runbook_state.h"
#include "cutover/text.h"
#include "cutover/traffic.h"
#include "cutover/traffic_poller.h"
#include "cutover/traffic_provider.h"
#include "cutover/tui.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One published view of the followed runbook. */
struct rbf_view {
    enum runbook_step_state *states; /* [nsteps] */
    size_t current;
    struct runbook_gate *gates; /* of the current step, or NULL when not evaluated */
    size_t ngates;
    char lease[600];
    char message[300];
};

struct runbook_follow {
    struct runbook_follow_opts o;
    struct k8s_http_conn *conn; /* the thread's */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;            /* guarded by lock: the thread ends */
    struct rbf_view view; /* guarded by lock: the latest */
    unsigned long gen;    /* guarded by lock: views published */
    unsigned long taken;  /* UI thread only: the generation last handed to the dashboard */
    bool poked;           /* guarded by lock: a round is asked for now */
};

static void rbf_view_fini(struct rbf_view *v)
{
    free(v->states);
    free(v->gates);
    memset(v, 0, sizeof *v);
}

/* Every configured traffic target read now (what the gates see). */
static struct traffic_snapshot *rbf_read_traffic(struct runbook_follow *f)
{
    struct traffic_snapshot *s = traffic_snapshot_new(f->o.ntraffic);
    for (size_t i = 0; i < f->o.ntraffic; i++) {
        struct traffic_target_state *t = &s->targets[i];
        traffic_target_cfg_copy(&t->cfg, &f->o.traffic[i]);
        if (f->o.prov == NULL || f->o.prov[i] == NULL) {
            t->error = xstrdup("no provider");
            continue;
        }
        struct error err;
        error_clear(&err);
        if (f->o.prov[i]->ops->read(f->o.prov[i], &t->reading, &err) != 0) {
            t->error = xstrdup(err.msg[0] ? err.msg : "read failed");
            clock_gettime(CLOCK_REALTIME, &t->last_err);
            continue;
        }
        t->have_reading = true;
        clock_gettime(CLOCK_REALTIME, &t->last_ok);
        t->percent = traffic_percent_of(t->reading.side[TRAFFIC_OLD].weight,
                                        t->reading.side[TRAFFIC_NEW].weight);
        t->step = traffic_plan_index(&t->cfg, t->percent);
    }
    return s;
}

/* The current step's gates on fresh data, as the line-mode observer evaluates them: while the
 * step runs or soaks, a traffic_weight check on its own target wants the weights it set. */
static struct runbook_gate *rbf_gates(struct runbook_follow *f, size_t step, bool soaking)
{
    const struct runbook_step *s = &f->o.rb->steps[step];
    struct runbook_step soak = *s;
    struct runbook_check *checks = NULL;
    if (soaking && s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS) {
        checks = xcalloc(s->nchecks ? s->nchecks : 1, sizeof *checks);
        memcpy(checks, s->checks, s->nchecks * sizeof *checks);
        for (size_t i = 0; i < s->nchecks; i++)
            if (checks[i].kind == RUNBOOK_CHECK_TRAFFIC_WEIGHT &&
                strcmp(checks[i].target, s->action.target) == 0)
                checks[i].percent = s->action.percent;
        soak.checks = checks;
        s = &soak;
    }
    struct model_cluster *mc[2] = {model_publisher_get(f->o.pub[0]),
                                   model_publisher_get(f->o.pub[1])};
    struct analysis_config acfg;
    analysis_config_init(&acfg);
    if (f->o.zone_spread_ratio > 1.0)
        acfg.zone_spread_ratio = f->o.zone_spread_ratio;
    struct analysis *an = analysis_run(mc[0], mc[1], &acfg);
    struct traffic_snapshot *ts = rbf_read_traffic(f);
    struct drift_snapshot *ds = f->o.drift ? drift_reader_get(f->o.drift) : NULL;
    struct runbook_eval_input in = {
        .cluster = {mc[0], mc[1]}, .analysis = an, .traffic = ts, .drift = ds ? ds->report : NULL};
    struct runbook_gate *g = xcalloc(s->nchecks ? s->nchecks : 1, sizeof *g);
    runbook_eval_step(s, &in, g);
    drift_snapshot_unref(ds);
    traffic_snapshot_unref(ts);
    analysis_free(an);
    model_cluster_unref(mc[0]);
    model_cluster_unref(mc[1]);
    free(checks);
    return g;
}

struct rbf_read {
    struct runbook_progress *p;
    const struct runbook *rb;
};

static int rbf_record(const struct journal_record *rec, void *arg)
{
    struct rbf_read *c = arg;
    runbook_progress_apply(c->p, c->rb, rec);
    return 0;
}

/* One round: Lease, mirror, gates; the view is built outside the lock and swapped in. */
static void rbf_round(struct runbook_follow *f)
{
    const struct runbook *rb = f->o.rb;
    struct rbf_view v;
    memset(&v, 0, sizeof v);
    struct error err;
    error_clear(&err);
    struct k8s_lease_opts lo = {.ns = rb->lease_ns, .name = rb->lease_name};
    struct k8s_lease_info li;
    char b[600];
    int lrc = k8s_lease_read(f->conn, &lo, &li, &err);
    if (lrc == 0)
        text_sanitize_buf(k8s_lease_describe(&li, (int64_t)time(NULL), b, sizeof b), v.lease,
                          sizeof v.lease);
    else if (lrc == -ENOENT)
        snprintf(v.lease, sizeof v.lease, "none: nobody drives (no Lease %s/%s yet)", rb->lease_ns,
                 rb->lease_name);
    else
        snprintf(v.lease, sizeof v.lease, "unknown (%s)", text_sanitize_buf(err.msg, b, sizeof b));

    struct journal_mirror_opts mo = {.ns = rb->lease_ns, .name = rb->lease_name};
    struct runbook_progress p;
    runbook_progress_init(&p, rb);
    char *text = NULL;
    size_t len = 0;
    error_clear(&err);
    if (f->o.journal_path != NULL) {
        /* the driver's own journal: a line torn by a write in progress is read next round */
        if (runbook_progress_read(&p, rb, f->o.journal_path, NULL, &err) < 0)
            snprintf(v.message, sizeof v.message, "journal: %s",
                     text_sanitize_buf(err.msg, b, sizeof b));
    } else if (journal_mirror_fetch(f->conn, &mo, &text, &len, NULL, &err) == 0) {
        struct rbf_read rc = {.p = &p, .rb = rb};
        journal_read_text(text, len, "mirror", rbf_record, NULL, &rc, NULL);
    } else if (err.msg[0]) {
        snprintf(v.message, sizeof v.message, "journal mirror: %s",
                 text_sanitize_buf(err.msg, b, sizeof b));
    }
    free(text);
    v.states = xcalloc(rb->nsteps ? rb->nsteps : 1, sizeof *v.states);
    memcpy(v.states, p.state, rb->nsteps * sizeof *v.states);
    v.current = runbook_progress_current(&p);
    if (v.current < rb->nsteps && rb->steps[v.current].nchecks > 0) {
        enum runbook_step_state st = p.state[v.current];
        v.gates = rbf_gates(f, v.current, st == RUNBOOK_STEP_SOAKING || st == RUNBOOK_STEP_RUNNING);
        v.ngates = rb->steps[v.current].nchecks;
    }
    runbook_progress_fini(&p);

    XPTHREAD(pthread_mutex_lock(&f->lock));
    rbf_view_fini(&f->view);
    f->view = v;
    f->gen++;
    XPTHREAD(pthread_mutex_unlock(&f->lock));
    if (f->o.wake_fd >= 0) {
        ssize_t w = write(f->o.wake_fd, "r", 1);
        (void)w; /* a full pipe already wakes the UI */
    }
}

static void *rbf_main(void *arg)
{
    struct runbook_follow *f = arg;
    int every = f->o.interval_ms > 0 ? f->o.interval_ms : 1000;
    XPTHREAD(pthread_mutex_lock(&f->lock));
    while (!f->stop) {
        f->poked = false;
        XPTHREAD(pthread_mutex_unlock(&f->lock));
        rbf_round(f);
        XPTHREAD(pthread_mutex_lock(&f->lock));
        if (f->stop)
            break;
        if (f->poked)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += every / 1000;
        ts.tv_nsec += (long)(every % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&f->cond, &f->lock, &ts);
        if (rc != 0 && rc != ETIMEDOUT)
            fatal("pthread_cond_timedwait: %d", rc);
    }
    XPTHREAD(pthread_mutex_unlock(&f->lock));
    return NULL;
}

int runbook_follow_start(const struct runbook_follow_opts *o, struct runbook_follow **out,
                         struct error *err)
{
    *out = NULL;
    if (o->rb == NULL || o->http == NULL) {
        error_set(err, "runbook follow: no runbook or no cluster client");
        return -1;
    }
    struct runbook_follow *f = xcalloc(1, sizeof *f);
    f->o = *o;
    f->conn = k8s_http_conn_new(o->http, NULL, NULL);
    XPTHREAD(pthread_mutex_init(&f->lock, NULL));
    XPTHREAD(pthread_cond_init(&f->cond, NULL));
    int rc = pthread_create(&f->thread, NULL, rbf_main, f);
    if (rc != 0) {
        error_set(err, "runbook follow: pthread_create: %s", strerror(rc));
        k8s_http_conn_free(f->conn);
        pthread_mutex_destroy(&f->lock);
        pthread_cond_destroy(&f->cond);
        free(f);
        return -1;
    }
    *out = f;
    return 0;
}

void runbook_follow_stop(struct runbook_follow *f)
{
    if (f == NULL)
        return;
    XPTHREAD(pthread_mutex_lock(&f->lock));
    f->stop = true;
    XPTHREAD(pthread_cond_signal(&f->cond));
    XPTHREAD(pthread_mutex_unlock(&f->lock));
    XPTHREAD(pthread_join(f->thread, NULL));
    k8s_http_conn_free(f->conn);
    rbf_view_fini(&f->view);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f);
}

void runbook_follow_poke(struct runbook_follow *f)
{
    if (f == NULL)
        return;
    XPTHREAD(pthread_mutex_lock(&f->lock));
    f->poked = true;
    XPTHREAD(pthread_cond_signal(&f->cond));
    XPTHREAD(pthread_mutex_unlock(&f->lock));
}

bool runbook_follow_take(struct runbook_follow *f, struct dashboard *d)
{
    return runbook_follow_take_with(f, d, false, NULL, NULL);
}

bool runbook_follow_take_with(struct runbook_follow *f, struct dashboard *d, bool force,
                              void (*decorate)(void *arg, struct panel_runbook_state *st),
                              void *arg)
{
    if (f == NULL)
        return false;
    bool changed = false;
    XPTHREAD(pthread_mutex_lock(&f->lock));
    if (f->gen != f->taken || (force && f->gen > 0)) {
        const struct rbf_view *v = &f->view;
        struct panel_runbook_state st = {.rb = f->o.rb,
                                         .states = v->states,
                                         .current = v->current,
                                         .gates = v->gates,
                                         .ngates = v->ngates,
                                         .lease = v->lease[0] ? v->lease : NULL,
                                         .observer = true,
                                         .soak_left_s = -1,
                                         .message = v->message[0] ? v->message : NULL};
        if (decorate != NULL)
            decorate(arg, &st);
        dashboard_set_runbook(d, &st); /* copies everything */
        f->taken = f->gen;
        changed = true;
    }
    XPTHREAD(pthread_mutex_unlock(&f->lock));
    return changed;
}

unsigned long runbook_follow_generation(struct runbook_follow *f)
{
    XPTHREAD(pthread_mutex_lock(&f->lock));
    unsigned long g = f->gen;
    XPTHREAD(pthread_mutex_unlock(&f->lock));
    return g;
}

struct traffic_poller *runbook_follow_traffic_start(const struct runbook_follow_opts *o,
                                                    const struct traffic_provider_env *env)
{
    struct traffic_poller *tp = NULL;
    if (o->ntraffic == 0)
        return NULL;
    struct traffic_poller_opts po = {.wake_fd = o->wake_fd, .env = *env};
    po.env.read_only = true;
    struct error err;
    error_clear(&err);
    if (traffic_poller_start(o->traffic, o->ntraffic, &po, &tp, &err) != 0) {
        char b[600];
        log_warn("runbook screen: traffic: %s", error_format(&err, b, sizeof b));
        return NULL;
    }
    return tp;
}

int runbook_follow_screen_run(const struct runbook_follow_screen *s, struct error *err)
{
    struct runbook_follow *f = NULL;
    if (runbook_follow_start(&s->follow, &f, err) != 0)
        return -1;
    /* the Traffic panel: live weights read by a poller of its own, read-only */
    struct traffic_poller *tp = runbook_follow_traffic_start(&s->follow, &s->traffic_env);
    char msg[300], name[200];
    snprintf(msg, sizeof msg, "following runbook %s, read-only: it is driven elsewhere",
             text_sanitize_buf(s->follow.rb->name, name, sizeof name));
    struct tui_opts to = {.context = {s->context[0], s->context[1]},
                          .mode = "OBSERVER",
                          .config = s->config,
                          .pub = {s->follow.pub[0], s->follow.pub[1]},
                          .wake_fd = s->wake_read_fd,
                          .traffic_wake_fd = -1,
                          .message = msg,
                          .traffic = tp,
                          .runbook = f};
    int rc = tui_run(&to, err);
    runbook_follow_stop(f);
    traffic_poller_stop(tp);
    return rc;
}
