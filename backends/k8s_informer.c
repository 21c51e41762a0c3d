#include "cutover/k8s_informer.h"

#include "cutover/json_scan.h"
#include "cutover/k8s_decode.h"
#include "cutover/k8s_pbscan.h"
#include "cutover/k8s_proto.h"
#include "cutover/log.h"
#include "cutover/secret_body.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Pods and nodes, the bulk of a cluster, are asked for as Kubernetes protobuf first (client-go's
 * AcceptContentTypes for controllers); a server that has no protobuf for them answers JSON. */
#define PROTOBUF_ACCEPT K8S_PROTO_CONTENT_TYPE ",application/json"
#define WATCH_MAX_LINE (64u << 20) /* one watch event larger than this is a runaway stream */
#define STORE_PREFETCH 16          /* rows ahead: see k8s_informer_store_items */
#define LIST_MAX_RESTARTS 5        /* continue tokens expiring again and again: give up */
#define LIST_LOW_SPEED_S 30        /* a LIST under 1 byte/s for this long is dead */
#define BACKOFF_BASE_MS 500
#define BACKOFF_MAX_MS 30000

/* ---- store ------------------------------------------------------------------------------- */

struct store_ent {
    const struct model_obj *obj; /* NULL: empty slot */
    uint64_t hash;
    uint64_t rv; /* resourceVersion: its number, or a hash of an opaque one */
    size_t idx;  /* of obj in dense */
};

/* A hash table (open addressing, linear probing) over a dense array of the rows: a publish
 * copies the dense array (1.2 MB at 150,000 pods, sequential) rather than walking the table's
 * slots. A delete moves the last row into the hole. */
struct k8s_informer_store {
    struct store_ent *ents;
    size_t cap; /* a power of two */
    size_t n;
    const struct model_obj **dense; /* n rows, the store's references */
    size_t dcap;
    /* Set once the store is visible to a publish (live_set, the swap after a list): from then
     * on every row it drops is retired into the informer's epoch, under the informer's lock,
     * because a published list may still point at it. */
    struct model_epoch *epoch;
    uint64_t gen; /* unique among stores: a new value at every change (see rows_current) */
};

static atomic_uint_fast64_t store_gens = 1;

static void store_changed(struct k8s_informer_store *s)
{
    s->gen = atomic_fetch_add_explicit(&store_gens, 1, memory_order_relaxed);
}

static void store_drop(struct k8s_informer_store *s, const struct model_obj *obj)
{
    if (s->epoch)
        model_epoch_retire(s->epoch, obj);
    else
        model_obj_unref(obj);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t key_hash(const char *ns, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, ns ? ns : "");
    h ^= '/';
    h *= 0x100000001b3ULL;
    h = fnv1a(h, name);
    return h ? h : 1;
}

static uint64_t rv_value(const char *rv)
{
    if (rv == NULL || *rv == '\0')
        return 0;
    uint64_t v = 0;
    const char *p = rv;
    for (; *p >= '0' && *p <= '9' && v < (UINT64_MAX - 9) / 10; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    if (*p == '\0')
        return v;
    return fnv1a(0xcbf29ce484222325ULL, rv) | (1ULL << 63);
}

static bool str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a == NULL || *a == '\0') && (b == NULL || *b == '\0');
    return strcmp(a, b) == 0;
}

static bool ent_is(const struct store_ent *e, uint64_t h, const char *ns, const char *name)
{
    return e->hash == h && str_eq(e->obj->ns, ns) && str_eq(e->obj->name, name);
}

struct k8s_informer_store *k8s_informer_store_new(void)
{
    struct k8s_informer_store *s = xcalloc(1, sizeof *s);
    s->cap = 64;
    s->ents = xcalloc(s->cap, sizeof *s->ents);
    store_changed(s);
    return s;
}

static void store_free_now(void *arg)
{
    struct k8s_informer_store *s = arg;
    for (size_t i = 0; i < s->n; i++) {
        if (i + STORE_PREFETCH < s->n)
            __builtin_prefetch(s->dense[i + STORE_PREFETCH], 1, 0);
        model_obj_unref(s->dense[i]);
    }
    free(s->dense);
    free(s->ents);
    free(s);
}

void k8s_informer_store_free(struct k8s_informer_store *s)
{
    if (s == NULL)
        return;
    if (s->epoch)
        model_epoch_defer(s->epoch, store_free_now, s); /* published lists may point into it */
    else
        store_free_now(s);
}

static size_t store_find(const struct k8s_informer_store *s, uint64_t h, const char *ns,
                         const char *name)
{
    size_t mask = s->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (s->ents[i].obj == NULL || ent_is(&s->ents[i], h, ns, name))
            return i;
    }
}

static void store_grow(struct k8s_informer_store *s)
{
    struct store_ent *old = s->ents;
    size_t oldcap = s->cap;
    s->cap *= 2;
    s->ents = xcalloc(s->cap, sizeof *s->ents);
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].obj == NULL)
            continue;
        size_t mask = s->cap - 1, j = old[i].hash & mask;
        while (s->ents[j].obj)
            j = (j + 1) & mask;
        s->ents[j] = old[i];
    }
    free(old);
}

void k8s_informer_store_put(struct k8s_informer_store *s, const struct model_obj *take,
                            const char *resource_version)
{
    if ((s->n + 1) * 4 > s->cap * 3)
        store_grow(s);
    uint64_t h = key_hash(take->ns, take->name);
    size_t i = store_find(s, h, take->ns, take->name);
    size_t idx;
    if (s->ents[i].obj) {
        store_drop(s, s->ents[i].obj);
        idx = s->ents[i].idx;
    } else {
        if (s->n == s->dcap) {
            s->dcap = s->dcap ? s->dcap * 2 : 64;
            s->dense = xreallocarray((void *)s->dense, s->dcap, sizeof *s->dense);
        }
        idx = s->n++;
    }
    s->dense[idx] = take;
    s->ents[i] = (struct store_ent){take, h, rv_value(resource_version), idx};
    store_changed(s);
}

bool k8s_informer_store_del(struct k8s_informer_store *s, const char *ns, const char *name)
{
    uint64_t h = key_hash(ns, name);
    size_t i = store_find(s, h, ns, name);
    if (s->ents[i].obj == NULL)
        return false;
    store_drop(s, s->ents[i].obj);
    /* the last row fills the hole in dense */
    size_t idx = s->ents[i].idx, last = s->n - 1;
    if (idx != last) {
        const struct model_obj *moved = s->dense[last];
        size_t j = store_find(s, key_hash(moved->ns, moved->name), moved->ns, moved->name);
        s->ents[j].idx = idx;
        s->dense[idx] = moved;
    }
    s->ents[i].obj = NULL;
    s->n--;
    store_changed(s);
    /* Backward-shift deletion keeps linear probing free of tombstones. */
    size_t mask = s->cap - 1;
    for (size_t j = (i + 1) & mask; s->ents[j].obj; j = (j + 1) & mask) {
        size_t home = s->ents[j].hash & mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            s->ents[i] = s->ents[j];
            s->ents[j].obj = NULL;
            i = j;
        }
    }
    return true;
}

const struct model_obj *k8s_informer_store_get(const struct k8s_informer_store *s, const char *ns,
                                               const char *name)
{
    uint64_t h = key_hash(ns, name);
    return s->ents[store_find(s, h, ns, name)].obj;
}

size_t k8s_informer_store_count(const struct k8s_informer_store *s)
{
    return s->n;
}

bool k8s_informer_store_equal(const struct k8s_informer_store *a,
                              const struct k8s_informer_store *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->cap; i++) {
        const struct store_ent *e = &a->ents[i];
        if (e->obj == NULL)
            continue;
        const struct store_ent *f = &b->ents[store_find(b, e->hash, e->obj->ns, e->obj->name)];
        if (f->obj == NULL || f->rv != e->rv)
            return false;
    }
    return true;
}

const struct model_obj **k8s_informer_store_items(const struct k8s_informer_store *s, size_t *n)
{
    *n = s->n;
    if (s->n == 0)
        return NULL;
    const struct model_obj **items = xreallocarray(NULL, s->n, sizeof *items);
    /* The rows lie all over the heap: a cache miss each. Asking for the row a few ahead
     * overlaps the misses. */
    for (size_t i = 0; i < s->n; i++) {
        if (i + STORE_PREFETCH < s->n)
            __builtin_prefetch(s->dense[i + STORE_PREFETCH], 1, 0);
        items[i] = model_obj_ref(s->dense[i]);
    }
    return items;
}

/* The rows' pointers, no references taken (for model_epoch_publish). */
static const struct model_obj **store_ptrs(const struct k8s_informer_store *s)
{
    if (s->n == 0)
        return NULL;
    const struct model_obj **items = xreallocarray(NULL, s->n, sizeof *items);
    memcpy(items, s->dense, s->n * sizeof *items);
    return items;
}

/* ---- paths ------------------------------------------------------------------------------- */

const char *k8s_informer_path(enum model_res res)
{
    switch (res) {
    case MODEL_RES_NODES:
        return "/api/v1/nodes";
    case MODEL_RES_PODS:
        return "/api/v1/pods";
    case MODEL_RES_NAMESPACES:
        return "/api/v1/namespaces";
    case MODEL_RES_DEPLOYMENTS:
        return "/apis/apps/v1/deployments";
    case MODEL_RES_STATEFULSETS:
        return "/apis/apps/v1/statefulsets";
    case MODEL_RES_DAEMONSETS:
        return "/apis/apps/v1/daemonsets";
    case MODEL_RES_REPLICASETS:
        return "/apis/apps/v1/replicasets";
    case MODEL_RES_SERVICES:
        return "/api/v1/services";
    case MODEL_RES_CONFIGMAPS:
        return "/api/v1/configmaps";
    case MODEL_RES_EVENTS:
        return "/api/v1/events";
    case MODEL_RES_LEASES:
        return "/apis/coordination.k8s.io/v1/leases";
    case MODEL_RES_SECRETS:
        return "/api/v1/secrets";
    case MODEL_RES_COUNT:
        break;
    }
    return NULL;
}

/* Secrets are only ever asked for as metadata: with no fallback type, a server that cannot
 * answer so fails the request rather than sending values. */
static const char *list_accept(enum model_res res, bool protobuf)
{
    if (res == MODEL_RES_SECRETS)
        return "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    return protobuf && k8s_informer_protobuf(res) ? PROTOBUF_ACCEPT : "application/json";
}

static const char *watch_accept(enum model_res res, bool protobuf)
{
    if (res == MODEL_RES_SECRETS)
        return "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
    return protobuf && k8s_informer_protobuf(res) ? PROTOBUF_ACCEPT : "application/json";
}

static char *url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1), *p = out;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        }
    }
    *p = '\0';
    return out;
}

/* ---- decoding one object ----------------------------------------------------------------- */

struct decoder {
    enum model_res res;
    const char *ctxname;
    struct json_tokener *tok;
    unsigned errors;
};

static struct json_object *parse_one(struct decoder *d, const char *json, size_t len)
{
    json_tokener_reset(d->tok);
    struct json_object *o = json_tokener_parse_ex(d->tok, json, (int)len);
    if (o == NULL && json_tokener_get_error(d->tok) == json_tokener_continue)
        o = json_tokener_parse_ex(d->tok, "", 1); /* a bare number at the end, say */
    return o;
}

static void decode_failed(struct decoder *d, const struct error *e)
{
    if (d->errors++ == 0) {
        char safe[300];
        text_sanitize_buf(e ? e->msg : "malformed", safe, sizeof safe);
        log_warn("%s: %s: skipping an object that does not decode: %s", d->ctxname,
                 model_res_name(d->res), safe);
    }
}

/* ---- LIST -------------------------------------------------------------------------------- */

/* While an informer's first list runs, its pages are shown as they arrive (the screen has rows
 * within a second of a 150,000-pod list starting): the store being built is published as the
 * informer's partial store, and every put into it takes the informer's lock. Later lists build
 * on the side, unseen, so a failed one never replaces the last good store. */
struct list_live {
    pthread_mutex_t *mu;                 /* the informer's */
    struct k8s_informer_store **partial; /* guarded by *mu */
    struct model_epoch *epoch;           /* the informer's: a shown store retires into it */
    void (*page_done)(void *arg);
    void *arg;
};

static void live_set(const struct list_live *live, struct k8s_informer_store *store)
{
    if (live == NULL)
        return;
    XPTHREAD(pthread_mutex_lock(live->mu));
    if (store)
        store->epoch = live->epoch;
    *live->partial = store;
    XPTHREAD(pthread_mutex_unlock(live->mu));
}

/* Unpublishes and frees a store this list built; one that was shown is freed only once the
 * lists published from it are gone (k8s_informer_store_free defers it), under the lock that
 * serializes the epoch. */
static void live_drop(const struct list_live *live, struct k8s_informer_store *store)
{
    if (live == NULL) {
        k8s_informer_store_free(store);
        return;
    }
    XPTHREAD(pthread_mutex_lock(live->mu));
    *live->partial = NULL;
    k8s_informer_store_free(store);
    XPTHREAD(pthread_mutex_unlock(live->mu));
}

/* Bodies reach the scanner in pieces of this size at least: curl hands over one TLS record
 * (16 KiB) at a time, and an item that straddles two pieces is scanned byte by byte and copied,
 * where a whole one is validated in one tight pass and decoded in place. With 8-13 KB pods most
 * items straddled 16 KiB pieces; with 512 KiB, about one in fifty does. */
#define LIST_FEED_BYTES (512u * 1024u)
/* ... except until the list's first rows are in: those go to the screen at once. */
#define LIST_FEED_FIRST_BYTES (32u * 1024u)

/* The bytes of a page not yet scanned: one buffer per list, reused across its pages. */
struct feed_buf {
    char *p;
    size_t len, cap;
};

struct list_page {
    struct decoder *dec;
    struct feed_buf *acc;
    const struct list_live *live;
    struct k8s_informer_store *store;
    struct json_scan *scan;
    struct k8s_pbscan *pb; /* the body is protobuf (decided at its first byte) */
    bool decided;
    char ctype[128]; /* the response's Content-Type */
    struct error scan_err;
    bool scan_failed;
    struct secret_body *sb; /* Secrets: the page is held here and blanked before scanning */
};

static int list_put(struct list_page *pg, struct model_obj *row, const char *rv,
                    const struct error *e);

static int list_item(void *arg, const char *json, size_t len)
{
    struct list_page *pg = arg;
    char rv[64];
    struct error e;
    error_clear(&e);
    /* Straight from the item's text: no json-c tree for the bulk of a LIST. */
    struct model_obj *row = k8s_decode_json(pg->dec->res, json, len, rv, sizeof rv, &e);
    return list_put(pg, row, rv, &e);
}

static int list_item_pb(void *arg, const unsigned char *msg, size_t len)
{
    struct list_page *pg = arg;
    char rv[64];
    struct error e;
    error_clear(&e);
    struct model_obj *row = k8s_decode_proto(pg->dec->res, msg, len, rv, sizeof rv, &e);
    if (row == NULL && strstr(e.msg, K8S_DECODE_PROTO_MALFORMED)) {
        /* bytes that are not a message: the body is corrupt, as malformed JSON would be */
        error_set(&pg->scan_err, "%s", e.msg);
        pg->scan_failed = true;
        return -1;
    }
    return list_put(pg, row, rv, &e);
}

static int list_put(struct list_page *pg, struct model_obj *row, const char *rv,
                    const struct error *e)
{
    if (row == NULL) {
        decode_failed(pg->dec, e);
        return 0;
    }
    if (pg->live)
        XPTHREAD(pthread_mutex_lock(pg->live->mu));
    k8s_informer_store_put(pg->store, row, rv);
    if (pg->live)
        XPTHREAD(pthread_mutex_unlock(pg->live->mu));
    return 0;
}

/* Picks the page's reader by its Content-Type, once, at its first byte (or its end). */
static void list_decide(struct list_page *pg)
{
    if (pg->decided)
        return;
    pg->decided = true;
    if (k8s_pb_content_type(pg->ctype))
        pg->pb = k8s_pbscan_new(WATCH_MAX_LINE, list_item_pb, pg);
}

static int list_feed(struct list_page *pg, const char *buf, size_t len)
{
    list_decide(pg);
    if (pg->pb) {
        int rc = k8s_pbscan_feed(pg->pb, buf, len, &pg->scan_err);
        if (rc < 0)
            pg->scan_failed = true;
        return rc;
    }
    if (json_scan_feed(pg->scan, buf, len, &pg->scan_err) < 0) {
        pg->scan_failed = true;
        return -1;
    }
    return 0;
}

static int list_body(void *arg, const char *buf, size_t len)
{
    struct list_page *pg = arg;
    if (pg->sb) {
        if (secret_body_add(pg->sb, buf, len, WATCH_MAX_LINE) < 0) {
            error_set(&pg->scan_err, "a Secret list page larger than %u MiB", WATCH_MAX_LINE >> 20);
            pg->scan_failed = true;
            return -1;
        }
        return 0;
    }
    list_decide(pg);
    if (pg->pb) /* protobuf is read straight from curl's buffer: no batching needed */
        return list_feed(pg, buf, len);
    struct feed_buf *a = pg->acc;
    if (a->len == 0 && len >= LIST_FEED_BYTES)
        return list_feed(pg, buf, len);
    if (a->len + len > a->cap) {
        size_t cap = a->cap ? a->cap : 64 * 1024;
        while (cap < a->len + len)
            cap *= 2;
        a->p = xrealloc(a->p, cap);
        a->cap = cap;
    }
    memcpy(a->p + a->len, buf, len);
    a->len += len;
    /* the store is this thread's to write: reading its count needs no lock */
    size_t want = k8s_informer_store_count(pg->store) > 0 ? LIST_FEED_BYTES : LIST_FEED_FIRST_BYTES;
    if (a->len < want)
        return 0;
    size_t n = a->len;
    a->len = 0;
    return list_feed(pg, a->p, n);
}

static int list_run(struct k8s_http_conn *conn, enum model_res res, int page_size, int low_speed_s,
                    bool protobuf, const struct list_live *live, struct k8s_informer_store **out,
                    char *rv, size_t rv_len, struct k8s_list_stats *stats,
                    struct k8s_http_resp *resp, struct error *err)
{
    *out = NULL;
    struct k8s_list_stats st_local;
    struct k8s_http_resp resp_local;
    if (stats == NULL)
        stats = &st_local;
    if (resp == NULL)
        resp = &resp_local;
    memset(stats, 0, sizeof *stats);
    const char *ctxname = k8s_http_context(k8s_http_conn_http(conn));
    const char *base = k8s_informer_path(res);
    if (base == NULL) {
        error_set(err, "%s: unknown resource %d", ctxname, (int)res);
        return -1;
    }
    if (page_size <= 0)
        page_size = 500;
    struct decoder dec = {res, ctxname, json_tokener_new(), 0};
    struct k8s_informer_store *store = k8s_informer_store_new();
    live_set(live, store);
    struct feed_buf acc = {0};
    char *cont = NULL;
    int rc = -1;
    for (;;) {
        char *path;
        if (cont) {
            char *esc = url_escape(cont);
            path = xasprintf("%s?limit=%d&continue=%s", base, page_size, esc);
            free(esc);
        } else {
            path = xasprintf("%s?limit=%d", base, page_size);
        }
        struct secret_body sb = {0};
        acc.len = 0;
        struct list_page pg = {.dec = &dec,
                               .acc = &acc,
                               .live = live,
                               .store = store,
                               .sb = res == MODEL_RES_SECRETS ? &sb : NULL};
        error_clear(&pg.scan_err);
        pg.scan = json_scan_new("items", list_item, &pg);
        struct k8s_http_req req = {
            .path = path,
            .accept = list_accept(res, protobuf),
            .on_body = list_body,
            .arg = &pg,
            .low_speed_s = low_speed_s,
            .identity = res == MODEL_RES_SECRETS,
            .ctype_out = pg.ctype,
            .ctype_out_len = sizeof pg.ctype,
        };
        int hrc = k8s_http_do(conn, &req, resp, err);
        if (pg.sb) {
            /* the last-applied annotation (and data a server sent anyway) blanked first */
            secret_body_blank(pg.sb);
            if (hrc == 0 && sb.len && json_scan_feed(pg.scan, sb.p, sb.len, &pg.scan_err) < 0) {
                pg.scan_failed = true;
                hrc = -1;
            }
            secret_body_wipe(&sb);
        } else if (hrc == 0 && acc.len > 0) {
            size_t n = acc.len;
            acc.len = 0;
            if (list_feed(&pg, acc.p, n) < 0)
                hrc = -1;
        }
        stats->pages++;
        const struct json_scan_meta *meta = NULL;
        int status_code = (int)resp->status;
        if (hrc == 0) {
            list_decide(&pg);
            if ((pg.pb ? k8s_pbscan_finish(pg.pb, &pg.scan_err)
                       : json_scan_finish(pg.scan, &pg.scan_err)) < 0) {
                error_set(err, "%s: GET %s%s: truncated response: %s", ctxname,
                          k8s_http_server(k8s_http_conn_http(conn)), base, pg.scan_err.msg);
                hrc = -1;
            } else {
                meta = pg.pb ? k8s_pbscan_meta(pg.pb) : json_scan_meta(pg.scan);
                if (strcmp(meta->kind, "Status") == 0) {
                    status_code = meta->status_code;
                    char safe[300];
                    text_sanitize_buf(meta->status_message, safe, sizeof safe);
                    error_set(err, "%s: GET %s%s: Status %d %s: %s", ctxname,
                              k8s_http_server(k8s_http_conn_http(conn)), base, meta->status_code,
                              meta->status_reason, safe);
                    hrc = -1;
                }
            }
        } else if (pg.scan_failed) {
            error_set(err, "%s: GET %s%s: malformed response: %s", ctxname,
                      k8s_http_server(k8s_http_conn_http(conn)), base, pg.scan_err.msg);
        }
        free(path);
        if (hrc != 0) {
            json_scan_free(pg.scan);
            k8s_pbscan_free(pg.pb);
            if (status_code == 410 && cont && !resp->cancelled &&
                stats->restarts_410 < LIST_MAX_RESTARTS) {
                /* The continue token expired: the pages so far are from a snapshot that is gone,
                 * so the list starts again from scratch. */
                log_info("%s: %s: continue token expired mid-list, listing again", ctxname,
                         model_res_name(res));
                stats->restarts_410++;
                live_drop(live, store);
                store = k8s_informer_store_new();
                live_set(live, store);
                free(cont);
                cont = NULL;
                continue;
            }
            break;
        }
        snprintf(rv, rv_len, "%s", meta->resource_version);
        free(cont);
        cont =
            meta->continue_token && meta->continue_token[0] ? xstrdup(meta->continue_token) : NULL;
        json_scan_free(pg.scan);
        k8s_pbscan_free(pg.pb);
        if (cont == NULL) {
            rc = 0;
            break;
        }
        if (live && live->page_done)
            live->page_done(live->arg);
    }
    free(cont);
    free(acc.p);
    json_tokener_free(dec.tok);
    stats->decode_errors = dec.errors;
    if (rc == 0) {
        *out = store; /* the caller unpublishes the partial view as it swaps this in */
    } else {
        live_drop(live, store);
    }
    return rc;
}

/* The process-wide switch (config key `protobuf`, bench_load --no-protobuf); read by every
 * informer thread, set before they start. */
static atomic_bool protobuf_on = true;

void k8s_informer_set_protobuf(bool on)
{
    atomic_store(&protobuf_on, on);
}

bool k8s_informer_protobuf(enum model_res res)
{
    return atomic_load(&protobuf_on) && (res == MODEL_RES_PODS || res == MODEL_RES_NODES);
}

int k8s_informer_list(struct k8s_http_conn *conn, enum model_res res, int page_size,
                      struct k8s_informer_store **out, char *rv, size_t rv_len,
                      struct k8s_list_stats *stats, struct k8s_http_resp *resp, struct error *err)
{
    return list_run(conn, res, page_size, LIST_LOW_SPEED_S, true, NULL, out, rv, rv_len, stats,
                    resp, err);
}

/* ---- the informer ------------------------------------------------------------------------ */

struct k8s_informer {
    struct k8s_http *http;
    enum model_res res;
    struct k8s_informer_opts opts;
    k8s_informer_notify_fn notify;
    void *notify_arg;
    struct k8s_http_conn *conn; /* used by the thread only; _wake from any thread */
    pthread_t thread;
    bool started; /* set and read by the owner's thread only */
    atomic_bool stop;
    atomic_bool refresh;
    uint64_t seed; /* jitter state, the thread's own */

    pthread_mutex_t mu;                       /* guards everything below */
    struct k8s_informer_store *store;         /* guarded by mu */
    struct k8s_informer_store *partial;       /* guarded by mu: the first list's pages so far */
    struct timespec last_ok;                  /* guarded by mu */
    struct timespec last_err;                 /* guarded by mu */
    char *last_error;                         /* guarded by mu */
    bool synced;                              /* guarded by mu */
    bool settled;                             /* guarded by mu */
    bool watching;                            /* guarded by mu: a watch is open after a good list */
    bool transport_error;                     /* guarded by mu */
    long last_status;                         /* guarded by mu: HTTP status of the last failure */
    struct k8s_informer_stats stats;          /* guarded by mu */
    struct model_epoch *epoch;                /* guarded by mu: the shown stores' drops */
    struct model_rows *rows;                  /* guarded by mu: the last rows published */
    const struct k8s_informer_store *rows_of; /* guarded by mu: the store they came from */
    uint64_t rows_gen;                        /* guarded by mu: and its gen then */
};

static bool inf_cancel(void *arg)
{
    struct k8s_informer *inf = arg;
    return atomic_load(&inf->stop) || atomic_load(&inf->refresh);
}

struct k8s_informer *k8s_informer_new(struct k8s_http *http, enum model_res res,
                                      const struct k8s_informer_opts *opts,
                                      k8s_informer_notify_fn notify, void *notify_arg)
{
    struct k8s_informer *inf = xcalloc(1, sizeof *inf);
    inf->http = http;
    inf->res = res;
    if (opts)
        inf->opts = *opts;
    if (inf->opts.page_size <= 0)
        inf->opts.page_size = 500;
    if (inf->opts.watch_timeout_s <= 0)
        inf->opts.watch_timeout_s = 300;
    if (inf->opts.backoff_base_ms <= 0)
        inf->opts.backoff_base_ms = BACKOFF_BASE_MS;
    if (inf->opts.backoff_max_ms <= 0)
        inf->opts.backoff_max_ms = BACKOFF_MAX_MS;
    if (inf->opts.list_low_speed_s <= 0)
        inf->opts.list_low_speed_s = LIST_LOW_SPEED_S;
    inf->notify = notify;
    inf->notify_arg = notify_arg;
    inf->conn = k8s_http_conn_new(http, inf_cancel, inf);
    atomic_init(&inf->stop, false);
    atomic_init(&inf->refresh, false);
    inf->seed = (uint64_t)(uintptr_t)inf ^ ((uint64_t)time(NULL) << 20) ^ (uint64_t)res;
    XPTHREAD(pthread_mutex_init(&inf->mu, NULL));
    inf->epoch = model_epoch_new();
    inf->store = k8s_informer_store_new();
    inf->store->epoch = inf->epoch;
    return inf;
}

enum model_res k8s_informer_res(const struct k8s_informer *inf)
{
    return inf->res;
}

static void notify(struct k8s_informer *inf, bool urgent)
{
    if (inf->notify)
        inf->notify(inf->notify_arg, inf->res, urgent);
}

/* Records a failure; returns true when the error state changed (none -> some). */
static bool set_error(struct k8s_informer *inf, const struct error *err, bool transport,
                      long status)
{
    char safe[512];
    text_sanitize_buf(err->msg, safe, sizeof safe);
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    bool changed = inf->last_error == NULL || !inf->settled;
    free(inf->last_error);
    inf->last_error = xstrdup(safe);
    clock_gettime(CLOCK_REALTIME, &inf->last_err);
    inf->transport_error = transport;
    inf->last_status = status;
    inf->settled = true;
    inf->watching = false;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    if (changed)
        log_warn("%s", safe);
    return changed;
}

/* ---- WATCH ------------------------------------------------------------------------------- */

enum watch_end { WATCH_ENDED, WATCH_GONE, WATCH_FAILED, WATCH_CANCELLED };

struct watch_ctx {
    struct k8s_informer *inf;
    struct decoder dec;
    struct json_lines *lines;
    struct k8s_pbframes *frames; /* the stream is protobuf (decided at its first byte) */
    bool decided;
    char ctype[128];
    char *rv; /* the informer's resourceVersion buffer */
    size_t rv_len;
    bool gone;
    bool failed;
    struct error err;
    struct error feed_err;
    struct secret_body *sb; /* Secrets: lines are held here and blanked before parsing */
};

static const char *get_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* An ERROR event: 410 means the resourceVersion is gone (relist), anything else a failure. */
static int watch_error(struct watch_ctx *w, int code, const char *msg)
{
    struct k8s_informer *inf = w->inf;
    char safe[300];
    text_sanitize_buf(msg ? msg : "", safe, sizeof safe);
    error_set(&w->err, "%s: GET %s%s (watch): ERROR event %d: %s", w->dec.ctxname,
              k8s_http_server(inf->http), k8s_informer_path(inf->res), code, safe);
    if (code == 410)
        w->gone = true;
    else
        w->failed = true;
    return -1;
}

static void watch_bookmark(struct watch_ctx *w, const char *rv)
{
    struct k8s_informer *inf = w->inf;
    if (rv)
        snprintf(w->rv, w->rv_len, "%s", rv);
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    inf->stats.bookmarks++;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
}

/* ADDED or MODIFIED (row, or NULL with e when it did not decode) and DELETED (ns, name);
 * rv is the event object's resourceVersion. */
static void watch_apply(struct watch_ctx *w, bool deleted, struct model_obj *row,
                        const struct error *e, const char *ns, const char *name, const char *rv)
{
    struct k8s_informer *inf = w->inf;
    bool changed = false;
    if (!deleted) {
        if (row) {
            XPTHREAD(pthread_mutex_lock(&inf->mu));
            k8s_informer_store_put(inf->store, row, rv);
            inf->stats.watch_events++;
            inf->stats.changes++;
            XPTHREAD(pthread_mutex_unlock(&inf->mu));
            changed = true;
        } else {
            decode_failed(&w->dec, e);
        }
    } else if (name) {
        XPTHREAD(pthread_mutex_lock(&inf->mu));
        changed = k8s_informer_store_del(inf->store, ns, name);
        inf->stats.watch_events++;
        if (changed)
            inf->stats.changes++;
        XPTHREAD(pthread_mutex_unlock(&inf->mu));
    }
    if (rv)
        snprintf(w->rv, w->rv_len, "%s", rv);
    if (changed)
        notify(inf, false);
}

static int watch_malformed(struct watch_ctx *w)
{
    error_set(&w->err, "%s: watch %s: malformed event", w->dec.ctxname,
              model_res_name(w->inf->res));
    w->failed = true;
    return -1;
}

static int watch_line(void *arg, const char *json, size_t len)
{
    struct watch_ctx *w = arg;
    struct k8s_informer *inf = w->inf;
    size_t i = 0;
    while (i < len && (json[i] == ' ' || json[i] == '\r' || json[i] == '\n' || json[i] == '\t'))
        i++;
    if (i == len)
        return 0;
    struct json_object *ev = parse_one(&w->dec, json, len);
    struct json_object *obj = NULL;
    const char *type = get_str(ev, "type");
    if (ev == NULL || type == NULL || !json_object_object_get_ex(ev, "object", &obj) ||
        !json_object_is_type(obj, json_type_object)) {
        json_object_put(ev);
        return watch_malformed(w);
    }
    int rc = 0;
    if (strcmp(type, "ERROR") == 0) {
        struct json_object *code;
        int c = json_object_object_get_ex(obj, "code", &code) ? json_object_get_int(code) : 0;
        rc = watch_error(w, c, get_str(obj, "message"));
    } else if (strcmp(type, "BOOKMARK") == 0) {
        watch_bookmark(w, k8s_object_resource_version(obj));
    } else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
        struct error e;
        error_clear(&e);
        struct model_obj *row = k8s_decode_object(inf->res, obj, &e);
        watch_apply(w, false, row, &e, NULL, NULL, k8s_object_resource_version(obj));
    } else if (strcmp(type, "DELETED") == 0) {
        struct json_object *md = NULL;
        json_object_object_get_ex(obj, "metadata", &md);
        watch_apply(w, true, NULL, NULL, get_str(md, "namespace"), get_str(md, "name"),
                    k8s_object_resource_version(obj));
    } else {
        const char *rv = k8s_object_resource_version(obj);
        if (rv)
            snprintf(w->rv, w->rv_len, "%s", rv);
    }
    json_object_put(ev);
    return rc;
}

/* One protobuf watch frame: a bare WatchEvent whose object is an enveloped Pod, Node or Status. */
static int watch_frame(void *arg, const unsigned char *msg, size_t len)
{
    struct watch_ctx *w = arg;
    struct k8s_informer *inf = w->inf;
    char type[32], kind[64];
    const unsigned char *obj, *raw;
    size_t objlen, rawlen;
    if (k8s_pb_watch_event(msg, len, type, sizeof type, &obj, &objlen) < 0 ||
        k8s_pb_envelope(obj, objlen, kind, sizeof kind, &raw, &rawlen) < 0)
        return watch_malformed(w);
    if (strcmp(type, "ERROR") == 0) {
        struct json_scan_meta st;
        if (strcmp(kind, "Status") != 0 || k8s_pb_status(raw, rawlen, &st) < 0)
            return watch_malformed(w);
        return watch_error(w, st.status_code, st.status_message);
    }
    char ns[256], name[256], rv[64];
    if (k8s_pb_object_meta(raw, rawlen, ns, sizeof ns, name, sizeof name, rv, sizeof rv) < 0)
        return watch_malformed(w);
    if (strcmp(type, "BOOKMARK") == 0) {
        watch_bookmark(w, rv[0] ? rv : NULL);
    } else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
        struct error e;
        error_clear(&e);
        struct model_obj *row = k8s_decode_proto(inf->res, raw, rawlen, NULL, 0, &e);
        if (row == NULL && strstr(e.msg, K8S_DECODE_PROTO_MALFORMED))
            return watch_malformed(w); /* a corrupt stream: watch again from the last good rv */
        watch_apply(w, false, row, &e, NULL, NULL, rv[0] ? rv : NULL);
    } else if (strcmp(type, "DELETED") == 0) {
        watch_apply(w, true, NULL, NULL, ns[0] ? ns : NULL, name[0] ? name : NULL,
                    rv[0] ? rv : NULL);
    } else if (rv[0]) {
        snprintf(w->rv, w->rv_len, "%s", rv);
    }
    return 0;
}

/* One blanked Secret watch line on to the line splitter. */
static int watch_feed_line(void *arg, const char *buf, size_t len)
{
    struct watch_ctx *w = arg;
    return json_lines_feed(w->lines, buf, len, &w->feed_err);
}

static int watch_body(void *arg, const char *buf, size_t len)
{
    struct watch_ctx *w = arg;
    struct error e;
    error_clear(&e);
    int rc;
    if (w->sb) {
        rc = secret_body_add(w->sb, buf, len, WATCH_MAX_LINE);
        if (rc < 0)
            error_set(&e, "a watch event larger than %u MiB", WATCH_MAX_LINE >> 20);
        else
            rc = secret_body_lines(w->sb, watch_feed_line, w);
        if (rc < 0 && !e.msg[0])
            e = w->feed_err;
    } else {
        if (!w->decided) {
            w->decided = true;
            if (k8s_pb_content_type(w->ctype))
                w->frames = k8s_pbframes_new(WATCH_MAX_LINE, watch_frame, w);
        }
        rc = w->frames ? k8s_pbframes_feed(w->frames, buf, len, &e)
                       : json_lines_feed(w->lines, buf, len, &e);
    }
    if (rc < 0 && !w->gone && !w->failed) {
        w->failed = true;
        error_set(&w->err, "%s: watch %s: %s", w->dec.ctxname, model_res_name(w->inf->res), e.msg);
    }
    return rc;
}

static enum watch_end do_watch(struct k8s_informer *inf, char *rv, size_t rv_len,
                               struct k8s_http_resp *resp, struct error *err)
{
    char *esc = url_escape(rv);
    /* Between one and two times the configured length, as client-go spreads its watches, so
     * that twelve informers (times two clusters) do not all reconnect at the same second. */
    int timeout_s = k8s_http_backoff_ms(0, 2 * inf->opts.watch_timeout_s,
                                        2 * inf->opts.watch_timeout_s, &inf->seed); /* [W, 2W] */
    char *path =
        xasprintf("%s?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=%d",
                  k8s_informer_path(inf->res), esc, timeout_s);
    free(esc);
    struct secret_body sb = {0};
    struct watch_ctx w = {
        .inf = inf, .rv = rv, .rv_len = rv_len, .sb = inf->res == MODEL_RES_SECRETS ? &sb : NULL};
    w.dec = (struct decoder){inf->res, k8s_http_context(inf->http), json_tokener_new(), 0};
    error_clear(&w.err);
    w.lines = json_lines_new(WATCH_MAX_LINE, watch_line, &w);
    struct k8s_http_req req = {
        .path = path,
        .accept = watch_accept(inf->res, !inf->opts.no_protobuf),
        .on_body = watch_body,
        .arg = &w,
        .ctype_out = w.ctype,
        .ctype_out_len = sizeof w.ctype,
        .timeout_s = timeout_s + 30,
        .identity = inf->res == MODEL_RES_SECRETS,
    };
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    inf->stats.watches++;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    int rc = k8s_http_do(inf->conn, &req, resp, err);
    enum watch_end end = WATCH_ENDED;
    if (w.gone) {
        *err = w.err;
        end = WATCH_GONE;
    } else if (w.failed) {
        *err = w.err;
        end = WATCH_FAILED;
    } else if (resp->cancelled) {
        end = WATCH_CANCELLED;
    } else if (rc < 0 && resp->status == 410) {
        end = WATCH_GONE;
    } else if (rc < 0 && resp->status != 200) {
        end = WATCH_FAILED;
    }
    /* Otherwise the stream ended: the server's timeoutSeconds, or a cut (then any event cut in
     * half was not applied and rv is the last whole one's): watch again from rv. */
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    inf->stats.decode_errors += w.dec.errors;
    if (end == WATCH_GONE)
        inf->stats.relists_410++;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    json_lines_free(w.lines);
    k8s_pbframes_free(w.frames);
    secret_body_wipe(&sb);
    json_tokener_free(w.dec.tok);
    free(path);
    return end;
}

/* ---- the thread -------------------------------------------------------------------------- */

static void page_done(void *arg)
{
    struct k8s_informer *inf = arg;
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    inf->stats.changes++;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    notify(inf, false);
}

static void *inf_main(void *arg)
{
    struct k8s_informer *inf = arg;
    char rv[128] = "";
    bool need_list = true;
    unsigned attempt = 0;
    unsigned gone_streak = 0;
    bool watch_failing = false; /* the last watch failed: a good list alone resets no backoff */
    while (!atomic_load(&inf->stop)) {
        if (atomic_exchange(&inf->refresh, false))
            need_list = true;
        if (need_list) {
            struct k8s_informer_store *store = NULL;
            struct k8s_list_stats st;
            struct k8s_http_resp resp = {0}; /* list_run may fail before any request */
            struct error err;
            error_clear(&err);
            XPTHREAD(pthread_mutex_lock(&inf->mu));
            bool first = !inf->synced;
            XPTHREAD(pthread_mutex_unlock(&inf->mu));
            struct list_live live = {&inf->mu, &inf->partial, inf->epoch, page_done, inf};
            int rc = list_run(inf->conn, inf->res, inf->opts.page_size, inf->opts.list_low_speed_s,
                              !inf->opts.no_protobuf, first ? &live : NULL, &store, rv, sizeof rv,
                              &st, &resp, &err);
            XPTHREAD(pthread_mutex_lock(&inf->mu));
            inf->stats.list_restarts_410 += st.restarts_410;
            inf->stats.decode_errors += st.decode_errors;
            if (rc == 0) {
                inf->stats.lists_ok++;
            } else if (!resp.cancelled) {
                inf->stats.list_failures++;
            }
            XPTHREAD(pthread_mutex_unlock(&inf->mu));
            if (rc < 0) {
                if (resp.cancelled)
                    continue;
                bool urgent = set_error(inf, &err, resp.transport_error, resp.status);
                notify(inf, urgent);
                k8s_http_conn_sleep(inf->conn,
                                    k8s_http_backoff_ms(attempt++, inf->opts.backoff_base_ms,
                                                        inf->opts.backoff_max_ms, &inf->seed));
                continue;
            }
            /* Swap only now that the list is whole: the last good store stayed until here. */
            XPTHREAD(pthread_mutex_lock(&inf->mu));
            k8s_informer_store_free(inf->store); /* deferred: lists published may point in */
            store->epoch = inf->epoch;
            inf->store = store;
            inf->partial = NULL;
            bool urgent = !inf->synced || inf->last_error != NULL || !inf->settled;
            inf->synced = true;
            inf->settled = true;
            free(inf->last_error);
            inf->last_error = NULL;
            inf->transport_error = false;
            inf->watching = true;
            clock_gettime(CLOCK_REALTIME, &inf->last_ok);
            inf->stats.changes++;
            XPTHREAD(pthread_mutex_unlock(&inf->mu));
            log_debug("%s: %s: listed %zu at resourceVersion %s", k8s_http_context(inf->http),
                      model_res_name(inf->res), k8s_informer_store_count(store), rv);
            notify(inf, urgent);
            need_list = false;
            /* Where LIST works and WATCH does not (say RBAC allows only list), the backoff must
             * keep growing, or a big list would repeat twice a second. */
            if (!watch_failing)
                attempt = 0;
        }
        struct error err;
        error_clear(&err);
        struct k8s_http_resp resp;
        enum watch_end end = do_watch(inf, rv, sizeof rv, &resp, &err);
        if (end != WATCH_GONE)
            gone_streak = 0;
        if (end == WATCH_FAILED)
            watch_failing = true;
        else if (end != WATCH_CANCELLED && resp.total_ms >= 1000)
            watch_failing = false;
        switch (end) {
        case WATCH_ENDED:
            /* Watch again from rv; a server that ends watches at once gets a pause first. */
            if (resp.total_ms < 1000)
                k8s_http_conn_sleep(inf->conn,
                                    k8s_http_backoff_ms(attempt++, inf->opts.backoff_base_ms,
                                                        inf->opts.backoff_max_ms, &inf->seed));
            else
                attempt = 0;
            break;
        case WATCH_CANCELLED:
            break; /* stop or refresh: the loop sees which */
        case WATCH_GONE:
            log_info("%s: %s: watch expired (410), listing again", k8s_http_context(inf->http),
                     model_res_name(inf->res));
            need_list = true;
            /* Relist at once, as client-go does; but a server that answers every fresh watch
             * with 410 gets a pause rather than a hot loop. */
            if (resp.total_ms < 1000 && gone_streak++ > 0)
                k8s_http_conn_sleep(inf->conn,
                                    k8s_http_backoff_ms(attempt++, inf->opts.backoff_base_ms,
                                                        inf->opts.backoff_max_ms, &inf->seed));
            break;
        case WATCH_FAILED: {
            /* As client-go's reflector: back off, then list again. */
            bool urgent = set_error(inf, &err, resp.transport_error, resp.status);
            notify(inf, urgent);
            need_list = true;
            k8s_http_conn_sleep(inf->conn,
                                k8s_http_backoff_ms(attempt++, inf->opts.backoff_base_ms,
                                                    inf->opts.backoff_max_ms, &inf->seed));
            break;
        }
        }
    }
    return NULL;
}

void k8s_informer_start(struct k8s_informer *inf)
{
    if (inf->started)
        return;
    XPTHREAD(pthread_create(&inf->thread, NULL, inf_main, inf));
    inf->started = true;
}

void k8s_informer_refresh(struct k8s_informer *inf)
{
    atomic_store(&inf->refresh, true);
    k8s_http_conn_wake(inf->conn);
}

void k8s_informer_request_stop(struct k8s_informer *inf)
{
    atomic_store(&inf->stop, true);
    k8s_http_conn_wake(inf->conn);
}

void k8s_informer_stop(struct k8s_informer *inf)
{
    if (!inf->started)
        return;
    k8s_informer_request_stop(inf);
    XPTHREAD(pthread_join(inf->thread, NULL));
    inf->started = false;
}

void k8s_informer_free(struct k8s_informer *inf)
{
    if (inf == NULL)
        return;
    k8s_informer_stop(inf);
    k8s_http_conn_free(inf->conn);
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    k8s_informer_store_free(inf->store); /* deferred while a published list points in */
    model_rows_unref(inf->rows);
    model_epoch_free(inf->epoch);
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    free(inf->last_error);
    XPTHREAD(pthread_mutex_destroy(&inf->mu));
    free(inf);
}

const struct model_obj **k8s_informer_items(struct k8s_informer *inf, size_t *n)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    const struct model_obj **items =
        k8s_informer_store_items(inf->partial ? inf->partial : inf->store, n);
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    return items;
}

struct model_rows *k8s_informer_rows(struct k8s_informer *inf)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    const struct k8s_informer_store *s = inf->partial ? inf->partial : inf->store;
    /* An unchanged store is published again as the same rows (its gen is unique to it and
     * changes with every put and delete). */
    if (inf->rows == NULL || inf->rows_of != s || inf->rows_gen != s->gen) {
        model_rows_unref(inf->rows);
        inf->rows = model_epoch_publish(inf->epoch, store_ptrs(s), s->n);
        inf->rows_of = s;
        inf->rows_gen = s->gen;
    }
    struct model_rows *r = model_rows_ref(inf->rows);
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    return r;
}

void k8s_informer_freshness(struct k8s_informer *inf, struct model_freshness *out)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    out->last_ok = inf->last_ok;
    /* An open watch after a good list means the rows are current as of now. */
    if (inf->watching && inf->last_error == NULL)
        clock_gettime(CLOCK_REALTIME, &out->last_ok);
    out->last_err = inf->last_err;
    out->last_error = xstrdup_null(inf->last_error);
    out->synced = inf->synced;
    out->enabled = true;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
}

bool k8s_informer_transport_error(struct k8s_informer *inf)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    bool t = inf->last_error != NULL && inf->transport_error;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    return t;
}

long k8s_informer_error_status(struct k8s_informer *inf)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    long st = inf->last_error ? inf->last_status : 0;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    return st;
}

bool k8s_informer_settled(struct k8s_informer *inf)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    bool s = inf->settled;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
    return s;
}

void k8s_informer_get_stats(struct k8s_informer *inf, struct k8s_informer_stats *out)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    *out = inf->stats;
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
}

void k8s_informer_with_store(struct k8s_informer *inf,
                             void (*fn)(void *arg, const struct k8s_informer_store *s), void *arg)
{
    XPTHREAD(pthread_mutex_lock(&inf->mu));
    fn(arg, inf->store);
    XPTHREAD(pthread_mutex_unlock(&inf->mu));
}
