#include "cutover/k8s_poller.h"

#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Threads: one informer thread per resource, plus a publisher and a /version prober.
 *
 * Why not fewer threads multiplexing with curl_multi: each informer is a small state machine
 * (list pages, watch, backoff, relist) that reads best as straight-line code, and decoding is
 * the costly part of a big LIST: with a thread each, the pods of a 150,000-pod cluster decode
 * on one core while nodes, events and the rest decode on the other, and a slow resource never
 * delays another. Twelve mostly idle threads per cluster cost a few stacks; libcurl's DNS and
 * TLS session caches are shared between them (curl_share). Each thread's transfer runs in its
 * own multi handle so that stop and refresh wake it at once (curl_multi_wakeup). */

#define PROBE_INTERVAL_MS 10000 /* /version: latency, reachability, and a heartbeat publish */
#define PROBE_TIMEOUT_S 15
/* While any resource is still on its first LIST, pages are published at least this often, so
 * that the first rows come at once even when publish_ms (the refresh setting) is seconds. */
#define LOAD_PUBLISH_MS 200
/* ... but no more often than this many times what the last publish took: a publish takes a
 * reference on every row (and the snapshot it replaces drops as many), which with 300,000 rows
 * loaded is tens of milliseconds of cache misses; every 200 ms that was a tenth of the load's
 * CPU. At 40x, publishing costs at most 2.5% (plus as much for the release), and the first
 * pages, small, still come every 200 ms. */
#define LOAD_PUBLISH_COST_X 40

struct k8s_poller {
    char *context; /* immutable after start */
    char *server;
    char *user;
    char *auth_kind;
    bool tls_insecure;
    int publish_ms;
    struct model_publisher *pub;
    struct k8s_http *http;
    struct k8s_informer *inf[MODEL_RES_COUNT]; /* NULL when not polled; immutable after start */

    struct k8s_http_conn *probe_conn; /* the prober thread's */
    pthread_t publisher, prober;
    atomic_bool stop;
    atomic_bool probe_now;

    pthread_mutex_t mu;  /* guards everything below */
    pthread_cond_t cond; /* publisher: changes; wait_synced: settling */
    bool dirty;          /* guarded by mu: something changed since the last publish */
    bool urgent;         /* guarded by mu: publish at once */
    char *version;       /* guarded by mu */
    int ver_major;       /* guarded by mu */
    int ver_minor;       /* guarded by mu */
    double latency_ms;   /* guarded by mu */
    char *cluster_error; /* guarded by mu */
    uint64_t generation; /* publisher thread only */
};

/* ---- /version ---------------------------------------------------------------------------- */

static int leading_int(const char *s)
{
    if (s == NULL)
        return -1;
    while (*s == 'v' || *s == ' ')
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    long v = 0;
    for (; *s >= '0' && *s <= '9' && v < 100000; s++)
        v = v * 10 + (*s - '0');
    return (int)v;
}

int k8s_poller_parse_version(const char *json, size_t len, char **git_version, int *major,
                             int *minor)
{
    *git_version = NULL;
    *major = *minor = -1;
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return -1;
    }
    struct json_object *v;
    const char *git = NULL;
    if (json_object_object_get_ex(o, "gitVersion", &v) && json_object_is_type(v, json_type_string))
        git = json_object_get_string(v);
    if (json_object_object_get_ex(o, "major", &v) && json_object_is_type(v, json_type_string))
        *major = leading_int(json_object_get_string(v));
    if (json_object_object_get_ex(o, "minor", &v) && json_object_is_type(v, json_type_string))
        *minor = leading_int(json_object_get_string(v));
    if ((*major < 0 || *minor < 0) && git) {
        /* Some distributions leave major/minor empty: take them from "v1.29.3-eks-...". */
        int ma = leading_int(git);
        const char *dot = strchr(git, '.');
        int mi = dot ? leading_int(dot + 1) : -1;
        if (ma >= 0 && mi >= 0) {
            *major = ma;
            *minor = mi;
        }
    }
    if (git)
        *git_version = text_sanitize(git);
    json_object_put(o);
    return git || *major >= 0 ? 0 : -1;
}

struct membuf {
    char buf[8192];
    size_t len;
};

static int membuf_add(void *arg, const char *buf, size_t len)
{
    struct membuf *m = arg;
    if (m->len + len > sizeof m->buf)
        return -1; /* /version is small; more is not a version */
    memcpy(m->buf + m->len, buf, len);
    m->len += len;
    return 0;
}

static bool probe_cancel(void *arg)
{
    struct k8s_poller *p = arg;
    return atomic_load(&p->stop) || atomic_load(&p->probe_now);
}

static void mark_dirty(struct k8s_poller *p, bool urgent)
{
    XPTHREAD(pthread_mutex_lock(&p->mu));
    /* Wake the publisher only when its decision changes: already dirty, it is waiting for
     * next_ok anyway (one wake-up per watch event was a third of the steady state's CPU, a
     * context switch each). */
    bool wake = !p->dirty || (urgent && !p->urgent);
    p->dirty = true;
    p->urgent = p->urgent || urgent;
    if (wake)
        XPTHREAD(pthread_cond_broadcast(&p->cond));
    XPTHREAD(pthread_mutex_unlock(&p->mu));
}

static void probe_once(struct k8s_poller *p)
{
    struct membuf *m = xmalloc(sizeof *m);
    m->len = 0;
    struct k8s_http_req req = {.path = "/version",
                               .on_body = membuf_add,
                               .arg = m,
                               .low_speed_s = PROBE_TIMEOUT_S,
                               .timeout_s = PROBE_TIMEOUT_S};
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    int rc = k8s_http_do(p->probe_conn, &req, &resp, &err);
    if (resp.cancelled) {
        free(m);
        return;
    }
    char *git = NULL;
    int major = -1, minor = -1;
    if (rc == 0 && k8s_poller_parse_version(m->buf, m->len, &git, &major, &minor) < 0) {
        error_set(&err, "%s: GET %s/version: no version in the answer", p->context, p->server);
        rc = -1;
    }
    free(m);
    XPTHREAD(pthread_mutex_lock(&p->mu));
    bool urgent;
    if (rc == 0) {
        urgent = p->cluster_error != NULL || p->version == NULL ||
                 strcmp(p->version, git ? git : "") != 0;
        free(p->version);
        p->version = git ? git : xstrdup("");
        p->ver_major = major;
        p->ver_minor = minor;
        p->latency_ms = resp.total_ms;
        free(p->cluster_error);
        p->cluster_error = NULL;
    } else {
        char safe[512];
        text_sanitize_buf(err.msg, safe, sizeof safe);
        urgent = p->cluster_error == NULL || strcmp(p->cluster_error, safe) != 0;
        if (urgent)
            log_warn("%s", safe);
        free(p->cluster_error);
        p->cluster_error = xstrdup(safe);
        /* An HTTP answer still measures the round trip; no answer leaves it as it was. */
        if (!resp.transport_error)
            p->latency_ms = resp.total_ms;
    }
    p->dirty = true;
    p->urgent = p->urgent || urgent;
    XPTHREAD(pthread_cond_broadcast(&p->cond));
    XPTHREAD(pthread_mutex_unlock(&p->mu));
}

static void *prober_main(void *arg)
{
    struct k8s_poller *p = arg;
    while (!atomic_load(&p->stop)) {
        atomic_store(&p->probe_now, false);
        probe_once(p);
        k8s_http_conn_sleep(p->probe_conn, PROBE_INTERVAL_MS);
    }
    return NULL;
}

static void poke_prober(struct k8s_poller *p)
{
    atomic_store(&p->probe_now, true);
    k8s_http_conn_wake(p->probe_conn);
}

/* ---- publishing -------------------------------------------------------------------------- */

static void on_informer(void *arg, enum model_res res, bool urgent)
{
    (void)res;
    struct k8s_poller *p = arg;
    if (urgent)
        poke_prober(p); /* reachability may have changed either way: ask /version now */
    mark_dirty(p, urgent);
}

/* Publishes a snapshot; returns true when every polled resource has completed its first LIST. */
static bool publish(struct k8s_poller *p)
{
    struct model_cluster *c = model_cluster_new(p->context);
    model_set_str(&c->server, p->server);
    model_set_str(&c->user, p->user);
    model_set_str(&c->auth_kind, p->auth_kind);
    c->tls_insecure = p->tls_insecure;
    c->generation = ++p->generation;
    XPTHREAD(pthread_mutex_lock(&p->mu));
    model_set_str(&c->version, p->version && p->version[0] ? p->version : NULL);
    c->ver_major = p->ver_major;
    c->ver_minor = p->ver_minor;
    c->api_latency_ms = p->latency_ms;
    model_set_str(&c->error, p->cluster_error);
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    int enabled = 0, denied = 0, first_denied = -1;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        if (p->inf[r] == NULL)
            continue;
        /* Rows are shared without a reference each; an unchanged list is the same model_rows. */
        model_cluster_set_rows(c, (enum model_res)r, k8s_informer_rows(p->inf[r]));
        k8s_informer_freshness(p->inf[r], &c->fresh[r]);
        enabled++;
        long st = k8s_informer_error_status(p->inf[r]);
        if ((st == 401 || st == 403) && c->fresh[r].last_error) {
            denied++;
            if (first_denied < 0)
                first_denied = r;
        }
    }
    /* /version is open to anyone on most clusters: credentials that every resource rejects are
     * a cluster-wide error all the same. */
    if (c->error == NULL && enabled > 0 && denied == enabled)
        model_set_str(&c->error, c->fresh[first_denied].last_error);
    clock_gettime(CLOCK_REALTIME, &c->taken);
    bool all_synced = true;
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (p->inf[r] != NULL && !c->fresh[r].synced)
            all_synced = false;
    model_publisher_swap(p->pub, c);
    return all_synced;
}

/* The pause before the next non-urgent publish: short while loading (longer as the rows grow:
 * took_ms is what the last publish took), publish_ms once watching. */
static long publish_interval(const struct k8s_poller *p, bool all_synced, long took_ms)
{
    if (all_synced || p->publish_ms < LOAD_PUBLISH_MS)
        return p->publish_ms;
    long ms = took_ms * LOAD_PUBLISH_COST_X;
    if (ms < LOAD_PUBLISH_MS)
        ms = LOAD_PUBLISH_MS;
    return ms < p->publish_ms ? ms : p->publish_ms;
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (long)(b->tv_sec - a->tv_sec) * 1000L + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

static void add_ms(struct timespec *ts, long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *publisher_main(void *arg)
{
    struct k8s_poller *p = arg;
    struct timespec next_ok = {0, 0}; /* CLOCK_MONOTONIC: earliest time for a non-urgent publish */
    bool synced = publish(p); /* an empty snapshot at once: the screen can say "connecting" */
    clock_gettime(CLOCK_MONOTONIC, &next_ok);
    add_ms(&next_ok, publish_interval(p, synced, 0));
    XPTHREAD(pthread_mutex_lock(&p->mu));
    for (;;) {
        if (atomic_load(&p->stop))
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        bool go = p->urgent || (p->dirty && !ts_before(&now, &next_ok));
        if (!go) {
            if (p->dirty) {
                int rc = pthread_cond_timedwait(&p->cond, &p->mu, &next_ok);
                if (rc != 0 && rc != ETIMEDOUT)
                    fatal("pthread_cond_timedwait: %d", rc);
            } else {
                XPTHREAD(pthread_cond_wait(&p->cond, &p->mu));
            }
            continue;
        }
        p->dirty = false;
        p->urgent = false;
        XPTHREAD(pthread_mutex_unlock(&p->mu));
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        synced = publish(p);
        clock_gettime(CLOCK_MONOTONIC, &next_ok);
        add_ms(&next_ok, publish_interval(p, synced, ms_between(&t0, &next_ok)));
        XPTHREAD(pthread_mutex_lock(&p->mu));
    }
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    return NULL;
}

/* ---- life cycle -------------------------------------------------------------------------- */

int k8s_poller_start(const struct kube_context *ctx, const struct k8s_poller_opts *opts,
                     struct model_publisher *pub, struct k8s_poller **out, struct error *err)
{
    *out = NULL;
    struct k8s_http_opts hopts = {
        .read_only = opts && opts->read_only,
        .ua = opts ? opts->ua : NULL,
    };
    struct k8s_http *http;
    if (k8s_http_new(ctx, &hopts, &http, err) < 0)
        return -1;
    struct k8s_poller *p = xcalloc(1, sizeof *p);
    p->http = http;
    p->pub = pub;
    p->context = xstrdup(ctx->name ? ctx->name : "?");
    p->server = xstrdup(ctx->server);
    p->user = xstrdup_null(ctx->user);
    p->auth_kind = xstrdup(kube_auth_name(ctx->auth));
    p->tls_insecure = ctx->insecure_skip_tls_verify;
    p->publish_ms = opts && opts->publish_ms > 0 ? opts->publish_ms : 200;
    p->ver_major = p->ver_minor = -1;
    p->latency_ms = -1;
    atomic_init(&p->stop, false);
    atomic_init(&p->probe_now, false);
    XPTHREAD(pthread_mutex_init(&p->mu, NULL));
    pthread_condattr_t ca;
    XPTHREAD(pthread_condattr_init(&ca));
    XPTHREAD(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
    XPTHREAD(pthread_cond_init(&p->cond, &ca));
    XPTHREAD(pthread_condattr_destroy(&ca));
    p->probe_conn = k8s_http_conn_new(http, probe_cancel, p);

    unsigned mask = opts && opts->resources ? opts->resources : (1u << MODEL_RES_COUNT) - 1;
    struct k8s_informer_opts iopts = {.page_size = opts ? opts->page_size : 0};
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (mask & (1u << r))
            p->inf[r] = k8s_informer_new(http, (enum model_res)r, &iopts, on_informer, p);
    XPTHREAD(pthread_create(&p->publisher, NULL, publisher_main, p));
    XPTHREAD(pthread_create(&p->prober, NULL, prober_main, p));
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (p->inf[r])
            k8s_informer_start(p->inf[r]);
    log_info("%s: polling %s", p->context, p->server);
    *out = p;
    return 0;
}

void k8s_poller_refresh(struct k8s_poller *p)
{
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (p->inf[r])
            k8s_informer_refresh(p->inf[r]);
    poke_prober(p);
}

static bool all_settled(struct k8s_poller *p, bool *all_synced)
{
    bool settled = true;
    *all_synced = true;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        if (p->inf[r] == NULL)
            continue;
        struct model_freshness f;
        k8s_informer_freshness(p->inf[r], &f);
        free(f.last_error);
        if (!f.synced)
            *all_synced = false;
        if (!k8s_informer_settled(p->inf[r]))
            settled = false;
    }
    return settled;
}

bool k8s_poller_wait_synced(struct k8s_poller *p, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    add_ms(&deadline, timeout_ms);
    bool synced = false;
    XPTHREAD(pthread_mutex_lock(&p->mu));
    for (;;) {
        /* Informer state has its own locks; reading it under mu is fine (they never take mu
         * while holding theirs: notify is called with no lock held). */
        if (all_settled(p, &synced))
            break;
        int rc = pthread_cond_timedwait(&p->cond, &p->mu, &deadline);
        if (rc == ETIMEDOUT) {
            all_settled(p, &synced);
            break;
        }
        if (rc != 0)
            fatal("pthread_cond_timedwait: %d", rc);
    }
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    return synced;
}

struct k8s_http *k8s_poller_http(struct k8s_poller *p)
{
    return p->http;
}

struct k8s_informer *k8s_poller_informer(struct k8s_poller *p, enum model_res res)
{
    return (unsigned)res < MODEL_RES_COUNT ? p->inf[res] : NULL;
}

void k8s_poller_stop(struct k8s_poller *p)
{
    if (p == NULL)
        return;
    atomic_store(&p->stop, true);
    /* Wake everything first so that the joins below do not wait one after another. */
    k8s_http_conn_wake(p->probe_conn);
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (p->inf[r])
            k8s_informer_request_stop(p->inf[r]);
    XPTHREAD(pthread_mutex_lock(&p->mu));
    XPTHREAD(pthread_cond_broadcast(&p->cond));
    XPTHREAD(pthread_mutex_unlock(&p->mu));
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (p->inf[r])
            k8s_informer_stop(p->inf[r]);
    XPTHREAD(pthread_join(p->prober, NULL));
    XPTHREAD(pthread_join(p->publisher, NULL));
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        k8s_informer_free(p->inf[r]);
    k8s_http_conn_free(p->probe_conn);
    k8s_http_free(p->http);
    XPTHREAD(pthread_cond_destroy(&p->cond));
    XPTHREAD(pthread_mutex_destroy(&p->mu));
    free(p->context);
    free(p->server);
    free(p->user);
    free(p->auth_kind);
    free(p->version);
    free(p->cluster_error);
    free(p);
}
