#include "cutover/model.h"

#include "cutover/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct {
    const char *name;
    const char *kind;
} res_names[MODEL_RES_COUNT] = {
    [MODEL_RES_NODES] = {"nodes", "Node"},
    [MODEL_RES_PODS] = {"pods", "Pod"},
    [MODEL_RES_NAMESPACES] = {"namespaces", "Namespace"},
    [MODEL_RES_DEPLOYMENTS] = {"deployments", "Deployment"},
    [MODEL_RES_STATEFULSETS] = {"statefulsets", "StatefulSet"},
    [MODEL_RES_DAEMONSETS] = {"daemonsets", "DaemonSet"},
    [MODEL_RES_REPLICASETS] = {"replicasets", "ReplicaSet"},
    [MODEL_RES_SERVICES] = {"services", "Service"},
    [MODEL_RES_CONFIGMAPS] = {"configmaps", "ConfigMap"},
    [MODEL_RES_EVENTS] = {"events", "Event"},
    [MODEL_RES_LEASES] = {"leases", "Lease"},
    [MODEL_RES_SECRETS] = {"secrets", "Secret"},
};

const char *model_res_name(enum model_res res)
{
    return (unsigned)res < MODEL_RES_COUNT ? res_names[res].name : "?";
}

const char *model_res_kind(enum model_res res)
{
    return (unsigned)res < MODEL_RES_COUNT ? res_names[res].kind : "?";
}

int model_res_from_name(const char *name)
{
    for (int i = 0; i < MODEL_RES_COUNT; i++)
        if (strcasecmp(name, res_names[i].name) == 0 || strcasecmp(name, res_names[i].kind) == 0)
            return i;
    return -1;
}

void *model_row_pack(enum model_res res, size_t size, size_t n, const size_t *offsets,
                     const char *const *strs)
{
    size_t total = size;
    for (size_t i = 0; i < n; i++)
        if (strs[i])
            total += strlen(strs[i]) + 1;
    char *row = xcalloc(1, total);
    char *p = row + size;
    for (size_t i = 0; i < n; i++) {
        char *dst = NULL;
        if (strs[i]) {
            size_t len = strlen(strs[i]) + 1;
            memcpy(p, strs[i], len);
            dst = p;
            p += len;
        }
        memcpy(row + offsets[i], &dst, sizeof dst);
    }
    struct model_obj *obj = (struct model_obj *)row;
    atomic_init(&obj->refs, 1);
    obj->res = (uint8_t)res;
    if (res == MODEL_RES_PODS && size >= sizeof(struct model_pod)) {
        struct model_pod *pod = (struct model_pod *)row;
        pod->cpu_request_m = pod->cpu_limit_m = MODEL_QTY_NONE; /* zero would read as "0" */
        pod->mem_request = pod->mem_limit = MODEL_QTY_NONE;
    }
    return row;
}

const struct model_obj *model_obj_ref(const struct model_obj *obj)
{
    if (obj)
        atomic_fetch_add_explicit(&((struct model_obj *)obj)->refs, 1, memory_order_relaxed);
    return obj;
}

void model_obj_unref(const struct model_obj *obj)
{
    if (obj == NULL)
        return;
    struct model_obj *o = (struct model_obj *)obj;
    if (atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) == 1)
        free(o);
}

struct model_cluster *model_cluster_new(const char *context)
{
    struct model_cluster *c = xcalloc(1, sizeof *c);
    atomic_init(&c->refs, 1);
    c->context = xstrdup_null(context);
    c->ver_major = -1;
    c->ver_minor = -1;
    c->api_latency_ms = -1;
    return c;
}

/* ---- epochs and shared rows ---------------------------------------------------------------- */

/* What the source dropped between two publishes. A list holds the grave that was open when it
 * was published, and each closed grave holds the next: a list keeps alive every row dropped
 * after it was read, and nothing dropped before. */
struct model_grave {
    atomic_uint refs;
    struct model_grave *next; /* set once, when the grave is closed; then owns one reference */
    const struct model_obj **objs;
    size_t n, cap;
    struct deferred {
        void (*fn)(void *arg);
        void *arg;
    } * defs;
    size_t ndefs, capdefs;
};

struct model_epoch {
    struct model_grave *open; /* one reference: the epoch's */
};

struct model_rows {
    atomic_uint refs;
    size_t n;
    const struct model_obj **items;
    struct model_grave *keep; /* one reference */
};

static struct model_grave *grave_new(void)
{
    struct model_grave *g = xcalloc(1, sizeof *g);
    atomic_init(&g->refs, 1);
    return g;
}

static struct model_grave *grave_ref(struct model_grave *g)
{
    atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

static void unref_rows(const struct model_obj **items, size_t n)
{
    /* the rows lie all over the heap: overlap their cache misses (see
     * k8s_informer_store_items) */
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n)
            __builtin_prefetch(items[i + 16], 1, 0);
        model_obj_unref(items[i]);
    }
}

/* A loop, not recursion: a chain can be long when an old snapshot is held. */
static void grave_unref(struct model_grave *g)
{
    while (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1) {
        unref_rows(g->objs, g->n);
        free(g->objs);
        for (size_t i = 0; i < g->ndefs; i++)
            g->defs[i].fn(g->defs[i].arg);
        free(g->defs);
        struct model_grave *next = g->next;
        free(g);
        g = next;
    }
}

struct model_epoch *model_epoch_new(void)
{
    struct model_epoch *e = xcalloc(1, sizeof *e);
    e->open = grave_new();
    return e;
}

void model_epoch_free(struct model_epoch *e)
{
    if (e == NULL)
        return;
    grave_unref(e->open);
    free(e);
}

void model_epoch_retire(struct model_epoch *e, const struct model_obj *obj)
{
    if (obj == NULL)
        return;
    struct model_grave *g = e->open;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->objs = xreallocarray((void *)g->objs, g->cap, sizeof *g->objs);
    }
    g->objs[g->n++] = obj;
}

void model_epoch_defer(struct model_epoch *e, void (*fn)(void *arg), void *arg)
{
    struct model_grave *g = e->open;
    if (g->ndefs == g->capdefs) {
        g->capdefs = g->capdefs ? g->capdefs * 2 : 4;
        g->defs = xreallocarray(g->defs, g->capdefs, sizeof *g->defs);
    }
    g->defs[g->ndefs++] = (struct deferred){fn, arg};
}

struct model_rows *model_epoch_publish(struct model_epoch *e, const struct model_obj **items,
                                       size_t n)
{
    /* Close the open grave unless it is empty: what it holds was dropped before these rows
     * were read, so only the lists published earlier need it. An empty one serves both. */
    if (e->open->n || e->open->ndefs) {
        struct model_grave *g = grave_new();
        e->open->next = grave_ref(g);
        struct model_grave *closed = e->open;
        e->open = g;
        grave_unref(closed);
    }
    struct model_rows *r = xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    r->n = n;
    r->items = items;
    r->keep = grave_ref(e->open);
    return r;
}

struct model_rows *model_rows_ref(struct model_rows *r)
{
    if (r)
        atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return r;
}

void model_rows_unref(struct model_rows *r)
{
    if (r == NULL || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(r->items);
    grave_unref(r->keep);
    free(r);
}

size_t model_rows_count(const struct model_rows *r)
{
    return r ? r->n : 0;
}

static void list_clone(struct model_list *dst, const struct model_list *src)
{
    dst->n = src->n;
    dst->items = src->items;
    dst->rows = model_rows_ref(src->rows);
    if (src->rows)
        return;
    dst->items = NULL;
    if (src->n == 0)
        return;
    dst->items = xreallocarray(NULL, src->n, sizeof *dst->items);
    for (size_t i = 0; i < src->n; i++)
        dst->items[i] = model_obj_ref(src->items[i]);
}

struct model_cluster *model_cluster_clone(const struct model_cluster *old)
{
    struct model_cluster *c = xcalloc(1, sizeof *c);
    atomic_init(&c->refs, 1);
    c->generation = old->generation;
    c->context = xstrdup_null(old->context);
    c->server = xstrdup_null(old->server);
    c->user = xstrdup_null(old->user);
    c->auth_kind = xstrdup_null(old->auth_kind);
    c->tls_insecure = old->tls_insecure;
    c->version = xstrdup_null(old->version);
    c->ver_major = old->ver_major;
    c->ver_minor = old->ver_minor;
    c->api_latency_ms = old->api_latency_ms;
    c->error = xstrdup_null(old->error);
    c->taken = old->taken;
    for (int i = 0; i < MODEL_RES_COUNT; i++) {
        c->fresh[i] = old->fresh[i];
        c->fresh[i].last_error = xstrdup_null(old->fresh[i].last_error);
        list_clone(&c->lists[i], &old->lists[i]);
    }
    return c;
}

static void list_clear(struct model_list *l)
{
    if (l->rows) {
        model_rows_unref(l->rows);
    } else {
        unref_rows(l->items, l->n);
        free(l->items);
    }
    l->rows = NULL;
    l->items = NULL;
    l->n = 0;
}

void model_cluster_take_list(struct model_cluster *c, enum model_res res,
                             const struct model_obj **items, size_t n)
{
    list_clear(&c->lists[res]);
    c->lists[res].items = items;
    c->lists[res].n = n;
}

void model_cluster_set_rows(struct model_cluster *c, enum model_res res, struct model_rows *take)
{
    list_clear(&c->lists[res]);
    c->lists[res].rows = take;
    c->lists[res].items = take ? take->items : NULL;
    c->lists[res].n = take ? take->n : 0;
}

struct model_cluster *model_cluster_ref(const struct model_cluster *c)
{
    struct model_cluster *m = (struct model_cluster *)c;
    if (m)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void model_cluster_unref(const struct model_cluster *c)
{
    struct model_cluster *m = (struct model_cluster *)c;
    if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(m->context);
    free(m->server);
    free(m->user);
    free(m->auth_kind);
    free(m->version);
    free(m->error);
    for (int i = 0; i < MODEL_RES_COUNT; i++) {
        free(m->fresh[i].last_error);
        list_clear(&m->lists[i]);
    }
    free(m);
}

void model_set_str(char **field, const char *value)
{
    char *v = xstrdup_null(value);
    free(*field);
    *field = v;
}

struct model_publisher {
    pthread_mutex_t mu;
    struct model_cluster *cur; /* guarded by mu */
    int wake_fd;
};

struct model_publisher *model_publisher_new(int wake_fd)
{
    struct model_publisher *pub = xcalloc(1, sizeof *pub);
    XPTHREAD(pthread_mutex_init(&pub->mu, NULL));
    pub->wake_fd = wake_fd;
    return pub;
}

void model_publisher_free(struct model_publisher *pub)
{
    if (pub == NULL)
        return;
    model_cluster_unref(pub->cur);
    XPTHREAD(pthread_mutex_destroy(&pub->mu));
    free(pub);
}

void model_publisher_swap(struct model_publisher *pub, struct model_cluster *take)
{
    XPTHREAD(pthread_mutex_lock(&pub->mu));
    struct model_cluster *old = pub->cur;
    if (take && old && take->generation <= old->generation)
        take->generation = old->generation + 1;
    pub->cur = take;
    XPTHREAD(pthread_mutex_unlock(&pub->mu));
    model_cluster_unref(old);
    if (pub->wake_fd >= 0) {
        char b = 1;
        /* A full pipe already holds a wake-up: nothing is lost by EAGAIN. */
        ssize_t w = write(pub->wake_fd, &b, 1);
        (void)w;
    }
}

struct model_cluster *model_publisher_get(struct model_publisher *pub)
{
    XPTHREAD(pthread_mutex_lock(&pub->mu));
    struct model_cluster *c = model_cluster_ref(pub->cur);
    XPTHREAD(pthread_mutex_unlock(&pub->mu));
    return c;
}
