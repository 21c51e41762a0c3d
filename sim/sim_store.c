#include "sim_store.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cutover/k8s_proto.h"
#include "cutover/log.h"
#include "cutover/xalloc.h"

#define COL(n, t, f, p)                                                                            \
    "{\"name\":\"" n "\",\"type\":\"" t "\",\"format\":\"" f "\",\"description\":\"" n             \
    "\",\"priority\":" #p "}"
#define NAMECOL COL("Name", "string", "name", 0)
#define AGECOL COL("Age", "string", "", 0)

const struct sim_res_info sim_res_table[SIM_RES_COUNT] = {
    [SIM_RES_NODES] =
        {"nodes", "node", "Node", "", "v1", "v1", false, "[\"no\"]", NULL,
         "[" NAMECOL
         "," COL("Status", "string", "", 0) "," COL("Roles", "string", "", 0) "," AGECOL "," COL(
             "Version", "string", "",
             0) "," COL("Internal-IP", "string", "",
                        1) "," COL("External-IP", "string", "",
                                   1) "," COL("OS-Image", "string", "",
                                              1) "," COL("Kernel-Version", "string", "",
                                                         1) "," COL("Container-Runtime", "string",
                                                                    "", 1) "]"},
    [SIM_RES_NAMESPACES] = {"namespaces", "namespace", "Namespace", "", "v1", "v1", false,
                            "[\"ns\"]", NULL,
                            "[" NAMECOL "," COL("Status", "string", "", 0) "," AGECOL "]"},
    [SIM_RES_PODS] = {"pods", "pod", "Pod", "", "v1", "v1", true, "[\"po\"]", "[\"all\"]",
                      "[" NAMECOL
                      "," COL("Ready", "string", "", 0) "," COL("Status", "string", "", 0) "," COL(
                          "Restarts", "string", "",
                          0) "," AGECOL
                             "," COL("IP", "string", "", 1) "," COL(
                                 "Node", "string", "", 1) "," COL("Nominated Node", "string", "",
                                                                  1) "," COL("Readiness Gates",
                                                                             "string", "", 1) "]"},
    [SIM_RES_SERVICES] =
        {"services", "service", "Service", "", "v1", "v1", true, "[\"svc\"]", "[\"all\"]",
         "[" NAMECOL
         "," COL("Type", "string", "", 0) "," COL("Cluster-IP", "string", "", 0) "," COL(
             "External-IP", "string", "", 0) "," COL("Port(s)", "string", "",
                                                     0) "," AGECOL
                                                        "," COL("Selector", "string", "", 1) "]"},
    [SIM_RES_CONFIGMAPS] = {"configmaps", "configmap", "ConfigMap", "", "v1", "v1", true,
                            "[\"cm\"]", NULL,
                            "[" NAMECOL "," COL("Data", "integer", "", 0) "," AGECOL "]"},
    [SIM_RES_SECRETS] = {"secrets", "secret", "Secret", "", "v1", "v1", true, NULL, NULL,
                         "[" NAMECOL "," COL("Type", "string", "", 0) "," COL("Data", "integer", "",
                                                                              0) "," AGECOL "]"},
    [SIM_RES_EVENTS] = {"events", "event", "Event", "", "v1", "v1", true, "[\"ev\"]", NULL,
                        "[" COL("Last Seen", "string", "", 0) "," COL(
                            "Type", "string",
                            "", 0) "," COL("Reason", "string", "",
                                           0) "," COL("Object", "string", "",
                                                      0) "," COL("Message", "string", "", 0) "]"},
    [SIM_RES_DEPLOYMENTS] = {"deployments", "deployment", "Deployment", "apps", "v1", "apps/v1",
                             true, "[\"deploy\"]", "[\"all\"]",
                             "[" NAMECOL "," COL("Ready", "string", "", 0) "," COL(
                                 "Up-to-date", "integer", "",
                                 0) "," COL("Available", "integer", "",
                                            0) "," AGECOL
                                               "," COL("Containers", "string", "", 1) "," COL(
                                                   "Images", "string", "", 1) "]"},
    [SIM_RES_STATEFULSETS] = {"statefulsets", "statefulset", "StatefulSet", "apps", "v1", "apps/v1",
                              true, "[\"sts\"]", "[\"all\"]",
                              "[" NAMECOL "," COL("Ready", "string", "", 0) "," AGECOL "," COL(
                                  "Containers", "string", "", 1) "," COL("Images", "string", "",
                                                                         1) "]"},
    [SIM_RES_DAEMONSETS] =
        {"daemonsets", "daemonset", "DaemonSet", "apps", "v1", "apps/v1", true, "[\"ds\"]",
         "[\"all\"]",
         "[" NAMECOL
         "," COL("Desired", "integer", "", 0) "," COL("Current", "integer", "", 0) "," COL(
             "Ready", "integer", "",
             0) "," COL("Up-to-date", "integer", "",
                        0) "," COL("Available", "integer", "",
                                   0) "," COL("Node Selector", "string", "",
                                              0) "," AGECOL
                                                 "," COL("Containers", "string", "", 1) "," COL(
                                                     "Images", "string", "", 1) "]"},
    [SIM_RES_REPLICASETS] = {"replicasets", "replicaset", "ReplicaSet", "apps", "v1", "apps/v1",
                             true, "[\"rs\"]", "[\"all\"]",
                             "[" NAMECOL "," COL("Desired", "integer", "", 0) "," COL(
                                 "Current", "integer", "",
                                 0) "," COL("Ready", "integer", "",
                                            0) "," AGECOL
                                               "," COL("Containers", "string", "",
                                                       1) "," COL("Images", "string", "", 1) "]"},
    [SIM_RES_LEASES] = {"leases", "lease", "Lease", "coordination.k8s.io", "v1",
                        "coordination.k8s.io/v1", true, NULL, NULL,
                        "[" NAMECOL "," COL("Holder", "string", "", 0) "," AGECOL "]"},
    [SIM_RES_EVENTS_V1] = {"events", "event", "Event", "events.k8s.io", "v1", "events.k8s.io/v1",
                           true, "[\"ev\"]", NULL,
                           "[" COL("Last Seen", "string", "", 0) "," COL(
                               "Type", "string", "",
                               0) "," COL("Reason", "string", "",
                                          0) "," COL("Object", "string", "",
                                                     0) "," COL("Message", "string", "", 0) "]"},
    /* custom resources: the printer columns of their CRDs (Age moved last) */
    [SIM_RES_EXTERNALSECRETS] =
        {"externalsecrets", "externalsecret", "ExternalSecret", "external-secrets.io", "v1",
         "external-secrets.io/v1", true, "[\"es\"]", "[\"external-secrets\"]",
         "[" NAMECOL
         "," COL("Store", "string", "", 0) "," COL("Refresh Interval", "string", "", 0) "," COL(
             "Status", "string", "", 0) "," COL("Ready", "string", "", 0) "," AGECOL "]"},
    [SIM_RES_CLUSTEREXTERNALSECRETS] = {"clusterexternalsecrets", "clusterexternalsecret",
                                        "ClusterExternalSecret", "external-secrets.io", "v1",
                                        "external-secrets.io/v1", false, "[\"ces\"]",
                                        "[\"external-secrets\"]",
                                        "[" NAMECOL "," COL("Store", "string", "", 0) "," COL(
                                            "Refresh Interval", "string", "",
                                            0) "," COL("Ready", "string", "", 0) "," AGECOL "]"},
    [SIM_RES_SECRETSTORES] = {"secretstores", "secretstore", "SecretStore", "external-secrets.io",
                              "v1", "external-secrets.io/v1", true, "[\"ss\"]",
                              "[\"external-secrets\"]",
                              "[" NAMECOL "," COL("Status", "string", "", 0) "," COL(
                                  "Ready", "string", "", 0) "," AGECOL "]"},
    [SIM_RES_CLUSTERSECRETSTORES] = {"clustersecretstores", "clustersecretstore",
                                     "ClusterSecretStore", "external-secrets.io", "v1",
                                     "external-secrets.io/v1", false, "[\"css\"]",
                                     "[\"external-secrets\"]",
                                     "[" NAMECOL "," COL("Status", "string", "", 0) "," COL(
                                         "Ready", "string", "", 0) "," AGECOL "]"},
    [SIM_RES_HTTPROUTES] = {"httproutes", "httproute", "HTTPRoute", "gateway.networking.k8s.io",
                            "v1", "gateway.networking.k8s.io/v1", true, NULL, "[\"gateway-api\"]",
                            "[" NAMECOL "," COL("Hostnames", "string", "", 0) "," AGECOL "]"},
};

int sim_res_lookup(const char *group, const char *version, const char *name)
{
    for (int i = 0; i < SIM_RES_COUNT; i++) {
        const struct sim_res_info *ri = &sim_res_table[i];
        /* External Secrets is served at v1 (its storage version, preferred) and at the
         * deprecated v1beta1, one storage; which a cluster serves is its scenario's
         * (sim_scenario_serves) */
        bool version_ok =
            strcmp(ri->version, version) == 0 ||
            (strcmp(group, "external-secrets.io") == 0 && strcmp(version, "v1beta1") == 0);
        if (strcmp(ri->group, group) == 0 && version_ok && strcmp(ri->name, name) == 0)
            return i;
    }
    return -1;
}

int sim_res_by_kind(const char *group, const char *kind)
{
    for (int i = 0; i < SIM_RES_COUNT; i++) {
        const struct sim_res_info *ri = &sim_res_table[i];
        if (strcmp(ri->group, group) == 0 && strcmp(ri->kind, kind) == 0)
            return i;
    }
    return -1;
}

/* ---- blobs and objects ------------------------------------------------------------------ */

struct sim_blob *sim_blob_new(const char *data, size_t n)
{
    struct sim_blob *b = xmalloc(sizeof *b + n + 1);
    atomic_init(&b->refs, 1);
    atomic_init(&b->pbshare, NULL);
    b->stub = NULL;
    b->len = n;
    memcpy(b->data, data, n);
    b->data[n] = '\0';
    return b;
}

void sim_blob_unref(struct sim_blob *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
        free(atomic_load(&b->pbshare));
        free(b);
    }
}

/* ---- bulk arena ------------------------------------------------------------------------- */

struct sim_arena_chunk {
    struct sim_arena_chunk *next;
    size_t used, cap;
    char data[];
};

/* The arena of the store being loaded by this thread, or NULL. */
static _Thread_local struct sim_arena_chunk **tl_arena;

static void *arena_alloc(struct sim_arena_chunk **head, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct sim_arena_chunk *c = *head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > (8u << 20) ? n : (8u << 20);
        c = xmalloc(sizeof *c + cap);
        c->used = 0;
        c->cap = cap;
        c->next = *head;
        *head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static size_t labels_len(const char *labels)
{
    if (!labels)
        return 0;
    const char *p = labels;
    while (*p)
        p += strlen(p) + 1;
    return (size_t)(p - labels) + 1;
}

/* One allocation holds the object and all its strings. */
struct obj_parts {
    const char *ns, *name;
    const char *text;
    size_t text_len, rv_at, blob_at;
    const char *pom;
    size_t pom_len, pom_rv_at;
    const char *pre, *post, *node, *labels;
};

static char *put(char **cur, const void *src, size_t n)
{
    char *dst = *cur;
    memcpy(dst, src, n);
    dst[n] = '\0';
    *cur += n + 1;
    return dst;
}

static struct sim_obj *obj_alloc(const struct obj_parts *p, time_t created, struct sim_blob *blob)
{
    size_t nl = strlen(p->ns), nm = strlen(p->name), pl = strlen(p->pre), ql = strlen(p->post);
    size_t dl = p->node ? strlen(p->node) : 0, ll = labels_len(p->labels);
    size_t total =
        sizeof(struct sim_obj) + nl + nm + p->text_len + p->pom_len + pl + ql + dl + ll + 8;
    struct sim_obj *o = tl_arena ? arena_alloc(tl_arena, total) : xmalloc(total);
    memset(o, 0, sizeof *o);
    o->in_arena = tl_arena != NULL;
    atomic_init(&o->refs, 1);
    char *cur = (char *)(o + 1);
    o->ns = put(&cur, p->ns, nl);
    o->name = put(&cur, p->name, nm);
    o->text = put(&cur, p->text, p->text_len);
    o->text_len = p->text_len;
    o->rv_at = p->rv_at;
    o->blob_at = p->blob_at;
    o->pom = put(&cur, p->pom, p->pom_len);
    o->pom_len = p->pom_len;
    o->pom_rv_at = p->pom_rv_at;
    o->cells_pre = put(&cur, p->pre, pl);
    o->cells_post = put(&cur, p->post, ql);
    o->node_name = p->node ? put(&cur, p->node, dl) : NULL;
    if (ll) {
        memcpy(cur, p->labels, ll);
        o->labels = cur;
    }
    o->created = created;
    o->blob = blob;
    return o;
}

static const char RV_MARK[] = "@RV@";
static const char BLOB_MARK[] = "@BLOB@";

struct sim_obj *sim_obj_new(const char *ns, const char *name, time_t created, const char *text,
                            struct sim_blob *blob, const char *pom, const char *cells_pre,
                            const char *cells_post, const char *node_name, const char *labels)
{
    /* text = A "@RV@" B ["@BLOB@" C]; stored as A B C with two offsets */
    const char *rv = strstr(text, RV_MARK);
    const char *bm = blob ? strstr(text, BLOB_MARK) : NULL;
    const char *prv = strstr(pom, RV_MARK);
    if (!rv || !prv || (blob && (!bm || bm < rv))) {
        sim_blob_unref(blob);
        return NULL;
    }
    size_t n = strlen(text), pn = strlen(pom);
    size_t a = (size_t)(rv - text);
    char stackbuf[8192];
    size_t tl = n - 4 - (blob ? 6 : 0);
    char *t = tl < sizeof stackbuf ? stackbuf : xmalloc(tl + 1);
    memcpy(t, text, a);
    size_t blob_at = 0;
    if (blob) {
        size_t b = (size_t)(bm - (rv + 4));
        memcpy(t + a, rv + 4, b);
        blob_at = a + b;
        memcpy(t + a + b, bm + 6, n - (size_t)(bm + 6 - text));
    } else {
        memcpy(t + a, rv + 4, n - a - 4);
    }
    char pstack[4096];
    size_t pl = pn - 4;
    char *pt = pl < sizeof pstack ? pstack : xmalloc(pl + 1);
    size_t pa = (size_t)(prv - pom);
    memcpy(pt, pom, pa);
    memcpy(pt + pa, prv + 4, pn - pa - 4);
    struct obj_parts parts = {.ns = ns ? ns : "",
                              .name = name,
                              .text = t,
                              .text_len = tl,
                              .rv_at = a,
                              .blob_at = blob_at,
                              .pom = pt,
                              .pom_len = pl,
                              .pom_rv_at = pa,
                              .pre = cells_pre ? cells_pre : "",
                              .post = cells_post ? cells_post : "",
                              .node = node_name,
                              .labels = labels};
    struct sim_obj *o = obj_alloc(&parts, created, blob);
    if (t != stackbuf)
        free(t);
    if (pt != pstack)
        free(pt);
    return o;
}

struct sim_obj *sim_obj_ref(struct sim_obj *o)
{
    atomic_fetch_add(&o->refs, 1);
    return o;
}

void sim_obj_unref(struct sim_obj *o)
{
    if (!o || atomic_fetch_sub(&o->refs, 1) != 1)
        return;
    sim_blob_unref(o->blob);
    sim_blob_unref(o->pb);
    if (!o->in_arena)
        free(o);
}

static size_t u64_digits(uint64_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

size_t sim_obj_len(const struct sim_obj *o)
{
    return o->text_len + u64_digits(o->rv) + (o->blob ? o->blob->len : 0);
}

void sim_obj_emit(const struct sim_obj *o, struct sim_buf *b)
{
    sim_buf_reserve(b, sim_obj_len(o));
    sim_buf_add(b, o->text, o->rv_at);
    sim_buf_add_u64(b, o->rv);
    if (o->blob) {
        sim_buf_add(b, o->text + o->rv_at, o->blob_at - o->rv_at);
        sim_buf_add(b, o->blob->data, o->blob->len);
        sim_buf_add(b, o->text + o->blob_at, o->text_len - o->blob_at);
    } else {
        sim_buf_add(b, o->text + o->rv_at, o->text_len - o->rv_at);
    }
}

void sim_obj_emit_pom(const struct sim_obj *o, struct sim_buf *b)
{
    sim_buf_add(b, o->pom, o->pom_rv_at);
    sim_buf_add_u64(b, o->rv);
    sim_buf_add(b, o->pom + o->pom_rv_at, o->pom_len - o->pom_rv_at);
}

void sim_obj_emit_row(const struct sim_obj *o, time_t now, struct sim_buf *b)
{
    char age[32];
    sim_age_format(now - o->created, age, sizeof age);
    sim_buf_adds(b, "{\"cells\":[");
    sim_buf_adds(b, o->cells_pre);
    sim_buf_add_jstr(b, age);
    sim_buf_adds(b, o->cells_post);
    sim_buf_adds(b, "],\"object\":");
    sim_obj_emit_pom(o, b);
    sim_buf_add(b, "}", 1);
}

bool sim_res_has_pb(enum sim_res r)
{
    return r == SIM_RES_PODS || r == SIM_RES_NODES;
}

/* Where ObjectMeta and its resourceVersion field sit in a Pod's or Node's message: field 1 comes
 * first (gogo writes fields in order), resourceVersion (6) is written even when empty. */
static int pb_locate(const unsigned char *p, size_t n, size_t *meta_at, size_t *meta_len,
                     size_t *rv_at)
{
    uint64_t ml, v;
    size_t k;
    if (n < 2 || p[0] != 0x0a || !(k = k8s_proto_varint_read(p + 1, n - 1, &ml)) || ml > n - 1 - k)
        return -1;
    size_t at = 1 + k, end = at + (size_t)ml;
    *meta_at = at;
    *meta_len = (size_t)ml;
    while (at < end) {
        size_t tk = k8s_proto_varint_read(p + at, end - at, &v);
        if (!tk)
            return -1;
        if (v == ((6u << 3) | 2u)) {
            if (at + 1 >= end || p[at + 1] != 0)
                return -1; /* rendered with an empty resourceVersion */
            *rv_at = at;
            return 0;
        }
        at += tk;
        if ((v & 7) == 0) {
            if (!(tk = k8s_proto_varint_read(p + at, end - at, &v)))
                return -1;
            at += tk;
        } else if ((v & 7) == 2) {
            if (!(tk = k8s_proto_varint_read(p + at, end - at, &v)) || v > end - at - tk)
                return -1;
            at += tk + (size_t)v;
        } else {
            return -1;
        }
    }
    return -1;
}

/* The end of the field at p[at..end) (its tag in *tag), or 0 when it is malformed. */
static size_t pb_field_end(const unsigned char *p, size_t at, size_t end, uint64_t *tag)
{
    uint64_t v;
    size_t k = k8s_proto_varint_read(p + at, end - at, tag);
    if (!k)
        return 0;
    at += k;
    if ((*tag & 7) == 0) {
        k = k8s_proto_varint_read(p + at, end - at, &v);
        return k ? at + k : 0;
    }
    if ((*tag & 7) != 2 || !(k = k8s_proto_varint_read(p + at, end - at, &v)) || v > end - at - k)
        return 0;
    return at + k + (size_t)v;
}

/* The content of top-level field num of a message p[0..n): [*from, *to); -1 when absent. */
static int pb_sub(const unsigned char *p, size_t n, unsigned num, size_t *from, size_t *to)
{
    uint64_t tag, len;
    for (size_t at = 0, next; at < n; at = next) {
        if (!(next = pb_field_end(p, at, n, &tag)))
            return -1;
        if (tag == ((uint64_t)num << 3 | 2u)) {
            size_t k = k8s_proto_varint_read(p + at, n - at, &tag);
            at += k;
            at += k8s_proto_varint_read(p + at, n - at, &len);
            *from = at;
            *to = next;
            return 0;
        }
    }
    return -1;
}

/* The run of fields of p[from..to) numbered lo..hi (in order, so one run): [*a, *b). */
static void pb_run(const unsigned char *p, size_t from, size_t to, unsigned lo, unsigned hi,
                   size_t *a, size_t *b)
{
    uint64_t tag;
    *a = *b = to;
    bool in = false;
    for (size_t at = from, next; at < to; at = next) {
        if (!(next = pb_field_end(p, at, to, &tag)))
            return;
        unsigned num = (unsigned)(tag >> 3);
        if (num >= lo && num <= hi && !in) {
            *a = at;
            in = true;
        }
        if (num > hi) {
            *b = at;
            if (!in)
                *a = at;
            return;
        }
    }
}

/* The runs of a pod's or node's message that come from its blob's JSON: a pod's managedFields
 * (ObjectMeta 17) and its spec around nodeName (PodSpec 10); a node's images (NodeStatus 8). */
static size_t pb_blob_runs(enum sim_res r, const unsigned char *p, size_t n, size_t run[3][2])
{
    size_t mf, mt, sf, st;
    if (pb_sub(p, n, 1, &mf, &mt) < 0)
        return 0;
    if (r == SIM_RES_PODS) {
        if (pb_sub(p, n, 2, &sf, &st) < 0)
            return 0;
        pb_run(p, mf, mt, 17, 17, &run[0][0], &run[0][1]);
        pb_run(p, sf, st, 1, 9, &run[1][0], &run[1][1]);
        pb_run(p, sf, st, 11, 1000, &run[2][0], &run[2][1]);
        return 3;
    }
    if (pb_sub(p, n, 3, &sf, &st) < 0)
        return 0;
    pb_run(p, sf, st, 8, 8, &run[0][0], &run[0][1]);
    return 1;
}

static struct sim_pbshare *pbshare_new(const unsigned char *p, size_t run[3][2], size_t nrun)
{
    size_t total = 0;
    for (size_t i = 0; i < nrun; i++)
        total += run[i][1] - run[i][0];
    struct sim_pbshare *sh = xcalloc(1, sizeof *sh + total);
    unsigned char *cur = (unsigned char *)(sh + 1);
    sh->n = nrun;
    for (size_t i = 0; i < nrun; i++) {
        sh->len[i] = run[i][1] - run[i][0];
        sh->seg[i] = cur;
        memcpy(cur, p + run[i][0], sh->len[i]);
        cur += sh->len[i];
    }
    return sh;
}

/* Working buffers of a thread rendering objects, kept between objects. */
struct pb_work {
    struct sim_buf json;
    struct k8s_pbuf pb;
};
static pthread_key_t pb_work_key;
static pthread_once_t pb_work_once = PTHREAD_ONCE_INIT;

static void pb_work_free(void *p)
{
    struct pb_work *w = p;
    sim_buf_fini(&w->json);
    k8s_pbuf_fini(&w->pb);
    free(w);
}

static void pb_work_init(void)
{
    XPTHREAD(pthread_key_create(&pb_work_key, pb_work_free));
}

/* o's own bytes from the message p[0..n): p less the runs (whose places go to o->pb_ins), each
 * top-level field holding runs with its length made that of the whole (with sh's runs in place
 * of p's); ObjectMeta's length goes to o->pb_meta_len (it is written when sent). */
static void pb_own(struct sim_obj *o, const unsigned char *p, size_t n, size_t run[3][2],
                   size_t nrun, const struct sim_pbshare *sh)
{
    /* written straight into the blob: at most three headers grow, by less than 10 bytes each */
    size_t cap = n + 32;
    for (size_t i = 0; i < nrun; i++)
        cap -= run[i][1] - run[i][0];
    struct sim_blob *b = xmalloc(sizeof *b + cap + 1);
    atomic_init(&b->refs, 1);
    atomic_init(&b->pbshare, NULL);
    b->stub = NULL;
    struct k8s_pbuf own = {(unsigned char *)b->data, 0, cap};
    size_t k = 0;
    uint64_t tag, len;
    for (size_t at = 0, next; at < n; at = next) {
        next = pb_field_end(p, at, n, &tag);
        size_t h = at + k8s_proto_varint_read(p + at, n - at, &tag);
        size_t cf = h + k8s_proto_varint_read(p + h, n - h, &len);
        size_t whole = next - cf;
        for (size_t i = k; i < nrun && run[i][1] <= next; i++)
            whole = whole - (run[i][1] - run[i][0]) + sh->len[i];
        if (tag == (1u << 3 | 2u)) {
            k8s_pbuf_add(&own, p + at, cf - at); /* ObjectMeta's header: not sent as it is */
            o->pb_meta_len = whole;
        } else {
            k8s_pbuf_varint(&own, tag);
            if ((tag & 7) == 2)
                k8s_pbuf_varint(&own, whole);
        }
        size_t from = (tag & 7) == 2 ? cf : h;
        if (tag == (1u << 3 | 2u))
            o->pb_meta_at = own.len;
        if (tag == (1u << 3 | 2u) && o->pb_rv_at >= cf)
            o->pb_rv_at = own.len + (o->pb_rv_at - cf);
        for (; k < nrun && run[k][1] <= next; k++) {
            k8s_pbuf_add(&own, p + from, run[k][0] - from);
            o->pb_ins[k] = own.len;
            from = run[k][1];
        }
        k8s_pbuf_add(&own, p + from, next - from);
    }
    if (own.p != (unsigned char *)b->data) /* cannot happen: the cap holds it */
        abort();
    b->len = own.len;
    b->data[own.len] = '\0';
    o->pb = b;
    o->pb_share = nrun ? sh : NULL;
}

int sim_obj_render_pb(struct sim_obj *o, enum sim_res r, struct error *err)
{
    if (o->pb || !sim_res_has_pb(r))
        return 0;
    XPTHREAD(pthread_once(&pb_work_once, pb_work_init));
    struct pb_work *w = pthread_getspecific(pb_work_key);
    if (!w) {
        w = xcalloc(1, sizeof *w);
        XPTHREAD(pthread_setspecific(pb_work_key, w));
    }
    /* the JSON with an empty resourceVersion; once the blob's runs are known, its stub in place
     * of its text */
    struct sim_pbshare *sh = o->blob ? atomic_load(&o->blob->pbshare) : NULL;
    bool stub = sh && o->blob->stub;
    struct sim_buf *j = &w->json;
    sim_buf_clear(j);
    sim_buf_add(j, o->text, o->rv_at);
    if (o->blob) {
        sim_buf_add(j, o->text + o->rv_at, o->blob_at - o->rv_at);
        if (stub)
            sim_buf_adds(j, o->blob->stub);
        else
            sim_buf_add(j, o->blob->data, o->blob->len);
        sim_buf_add(j, o->text + o->blob_at, o->text_len - o->blob_at);
    } else {
        sim_buf_add(j, o->text + o->rv_at, o->text_len - o->rv_at);
    }
    struct k8s_pbuf *pb = &w->pb;
    pb->len = 0;
    if (k8s_proto_from_json(sim_res_table[r].kind, j->data, j->len, pb, err) < 0)
        return -1;
    size_t meta_at = 0, meta_len = 0, rv_at = 0;
    if (pb_locate(pb->p, pb->len, &meta_at, &meta_len, &rv_at) < 0) {
        error_set(err, "no metadata.resourceVersion in the protobuf form");
        return -1;
    }
    o->pb_rv_at = rv_at;
    /* the runs from the blob are kept once, by the blob (from its first object) */
    size_t run[3][2];
    size_t nrun = o->blob ? pb_blob_runs(r, pb->p, pb->len, run) : 0;
    if (nrun && run[0][0] <= rv_at)
        nrun = 0;
    if (stub && nrun != sh->n) {
        error_set(err, "the blob's stub does not leave the runs it shares");
        return -1;
    }
    if (nrun && !sh) {
        struct sim_pbshare *mine = pbshare_new(pb->p, run, nrun);
        if (atomic_compare_exchange_strong(&o->blob->pbshare, &sh, mine))
            sh = mine;
        else
            free(mine);
    }
    bool same = nrun && sh->n == nrun;
    for (size_t i = 0; same && !stub && i < nrun; i++)
        same = sh->len[i] == run[i][1] - run[i][0] &&
               memcmp(sh->seg[i], pb->p + run[i][0], sh->len[i]) == 0;
    pb_own(o, pb->p, pb->len, run, same ? nrun : 0, sh);
    (void)meta_at;
    (void)meta_len;
    return 0;
}

/* The store renders what it takes; an object the schema cannot carry stays JSON-only (logged). */
static void render_pb(struct sim_obj *o, enum sim_res r)
{
    struct error err = {0};
    if (sim_obj_render_pb(o, r, &err) < 0)
        log_warn("sim: no protobuf form for %s %s/%s: %s", sim_res_table[r].kind, o->ns, o->name,
                 err.msg);
}

size_t sim_obj_pb_len(const struct sim_obj *o)
{
    if (!o->pb)
        return 0;
    size_t nd = u64_digits(o->rv), n = o->pb->len;
    for (size_t i = 0; o->pb_share && i < o->pb_share->n; i++)
        n += o->pb_share->len[i];
    return n + nd + k8s_proto_varint_len(o->pb_meta_len + nd) -
           k8s_proto_varint_len(o->pb_meta_len);
}

/* o's own bytes [from, to) with the shared runs that go there (*k: the next run). */
static void emit_own(const struct sim_obj *o, struct sim_buf *b, size_t from, size_t to, bool last,
                     size_t *k)
{
    const struct sim_pbshare *sh = o->pb_share;
    while (sh && *k < sh->n && (o->pb_ins[*k] < to || (last && o->pb_ins[*k] == to))) {
        sim_buf_add(b, o->pb->data + from, o->pb_ins[*k] - from);
        sim_buf_add(b, sh->seg[*k], sh->len[*k]);
        from = o->pb_ins[*k];
        (*k)++;
    }
    sim_buf_add(b, o->pb->data + from, to - from);
}

void sim_obj_emit_pb(const struct sim_obj *o, struct sim_buf *b)
{
    if (!o->pb)
        return;
    size_t nd = u64_digits(o->rv);
    sim_buf_reserve(b, sim_obj_pb_len(o));
    unsigned char head[16];
    struct k8s_pbuf hd = {head, 0, sizeof head};
    hd.p[hd.len++] = 0x0a;
    k8s_pbuf_varint(&hd, o->pb_meta_len + nd);
    sim_buf_add(b, head, hd.len);
    size_t k = 0;
    emit_own(o, b, o->pb_meta_at, o->pb_rv_at, false, &k);
    unsigned char rvh[2] = {0x32, (unsigned char)nd};
    sim_buf_add(b, rvh, 2);
    sim_buf_add_u64(b, o->rv);
    emit_own(o, b, o->pb_rv_at + 2, o->pb->len, true, &k);
}

char *sim_obj_json(const struct sim_obj *o)
{
    struct sim_buf b = {0};
    sim_obj_emit(o, &b);
    return sim_buf_take(&b);
}

const char *sim_obj_label(const struct sim_obj *o, const char *key)
{
    if (!o->labels)
        return NULL;
    size_t kl = strlen(key);
    for (const char *p = o->labels; *p; p += strlen(p) + 1) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=')
            return p + kl + 1;
    }
    return NULL;
}

/* A copy of o that can carry another resourceVersion (for DELETED events). */
static struct sim_obj *obj_clone(const struct sim_obj *o)
{
    struct obj_parts parts = {.ns = o->ns,
                              .name = o->name,
                              .text = o->text,
                              .text_len = o->text_len,
                              .rv_at = o->rv_at,
                              .blob_at = o->blob_at,
                              .pom = o->pom,
                              .pom_len = o->pom_len,
                              .pom_rv_at = o->pom_rv_at,
                              .pre = o->cells_pre,
                              .post = o->cells_post,
                              .node = o->node_name,
                              .labels = o->labels};
    if (o->blob)
        atomic_fetch_add(&o->blob->refs, 1);
    struct sim_obj *c = obj_alloc(&parts, o->created, o->blob);
    if (o->pb) {
        atomic_fetch_add(&o->pb->refs, 1);
        c->pb = o->pb;
        c->pb_meta_at = o->pb_meta_at;
        c->pb_meta_len = o->pb_meta_len;
        c->pb_rv_at = o->pb_rv_at;
        c->pb_share = o->pb_share;
        memcpy(c->pb_ins, o->pb_ins, sizeof c->pb_ins);
    }
    return c;
}

/* ---- selectors ---------------------------------------------------------------------------- */

static void status_set(struct sim_status *st, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void status_set(struct sim_status *st, int code, const char *reason, const char *fmt, ...)
{
    if (!st)
        return;
    st->code = code;
    st->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->message, sizeof st->message, fmt, ap);
    va_end(ap);
}

static int parse_terms(const char *sel, bool field, struct sim_filter *f, struct sim_status *st)
{
    if (!sel || !*sel)
        return 0;
    char *copy = xstrdup(sel);
    char *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!*t)
            continue;
        if (f->n >= sizeof f->terms / sizeof f->terms[0] || strchr(t, '(')) {
            status_set(st, 400, "BadRequest", "unable to parse requirement: %s", "unsupported");
            rc = -1;
            break;
        }
        struct sim_filter_term *term = &f->terms[f->n];
        memset(term, 0, sizeof *term);
        term->field = field;
        char *op;
        if ((op = strstr(t, "!="))) {
            term->op = 1;
            *op = '\0';
            snprintf(term->value, sizeof term->value, "%s", op + 2);
        } else if ((op = strstr(t, "=="))) {
            *op = '\0';
            snprintf(term->value, sizeof term->value, "%s", op + 2);
        } else if ((op = strchr(t, '='))) {
            *op = '\0';
            snprintf(term->value, sizeof term->value, "%s", op + 1);
        } else if (!field && t[0] == '!') {
            term->op = 3;
            t++;
        } else if (!field) {
            term->op = 2;
        } else {
            status_set(st, 400, "BadRequest", "invalid selector: '%s'; can't understand '%s'", sel,
                       t);
            rc = -1;
            break;
        }
        snprintf(term->key, sizeof term->key, "%s", t);
        if (field && strcmp(term->key, "metadata.name") != 0 &&
            strcmp(term->key, "metadata.namespace") != 0 &&
            strcmp(term->key, "spec.nodeName") != 0) {
            status_set(st, 400, "BadRequest", "field label not supported: %s", term->key);
            rc = -1;
            break;
        }
        f->n++;
    }
    free(copy);
    return rc;
}

int sim_filter_parse(const char *label_sel, const char *field_sel, struct sim_filter *f,
                     struct sim_status *st)
{
    f->n = 0;
    if (parse_terms(label_sel, false, f, st) < 0 || parse_terms(field_sel, true, f, st) < 0)
        return -1;
    return 0;
}

bool sim_filter_match(const struct sim_filter *f, const struct sim_obj *o)
{
    if (!f)
        return true;
    for (size_t i = 0; i < f->n; i++) {
        const char *v;
        if (f->terms[i].field) {
            if (strcmp(f->terms[i].key, "metadata.name") == 0)
                v = o->name;
            else if (strcmp(f->terms[i].key, "metadata.namespace") == 0)
                v = o->ns;
            else
                v = o->node_name ? o->node_name : "";
        } else {
            v = sim_obj_label(o, f->terms[i].key);
        }
        switch (f->terms[i].op) {
        case 0:
            if (!v || strcmp(v, f->terms[i].value) != 0)
                return false;
            break;
        case 1:
            if (v && strcmp(v, f->terms[i].value) == 0)
                return false;
            break;
        case 2:
            if (!v)
                return false;
            break;
        default:
            if (v)
                return false;
            break;
        }
    }
    return true;
}

/* ---- the store ---------------------------------------------------------------------------- */

struct sim_objvec {
    struct sim_obj **v;
    size_t n, cap;
};

struct sim_hist {
    uint64_t rv;
    enum sim_ev_type type;
    enum sim_res res;
    struct sim_obj *obj;
};

struct sim_store {
    pthread_mutex_t mu;
    pthread_cond_t cond;                  /* signalled (under mu) on every change and shutdown */
    struct sim_objvec res[SIM_RES_COUNT]; /* mu; sorted by namespace, name once sealed */
    uint64_t rv;                          /* mu: the last resourceVersion handed out */
    uint64_t compacted;                   /* mu: events up to this rv are gone */
    struct sim_hist *hist;                /* mu: ring of events compacted+1 .. rv */
    size_t hist_cap;
    size_t hist_head;              /* mu: index of the event compacted+1 */
    size_t hist_n;                 /* mu */
    bool stopping;                 /* mu */
    struct sim_arena_chunk *arena; /* the loading thread's, then read-only until freed */
};

struct sim_store *sim_store_new(size_t history)
{
    struct sim_store *s = xcalloc(1, sizeof *s);
    XPTHREAD(pthread_mutex_init(&s->mu, NULL));
    pthread_condattr_t ca;
    XPTHREAD(pthread_condattr_init(&ca));
    XPTHREAD(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
    XPTHREAD(pthread_cond_init(&s->cond, &ca));
    pthread_condattr_destroy(&ca);
    s->hist_cap = history ? history : 20000;
    s->hist = xcalloc(s->hist_cap, sizeof *s->hist);
    return s;
}

void sim_store_free(struct sim_store *s)
{
    if (!s)
        return;
    for (int r = 0; r < SIM_RES_COUNT; r++) {
        for (size_t i = 0; i < s->res[r].n; i++)
            sim_obj_unref(s->res[r].v[i]);
        free(s->res[r].v);
    }
    for (size_t i = 0; i < s->hist_n; i++)
        sim_obj_unref(s->hist[(s->hist_head + i) % s->hist_cap].obj);
    free(s->hist);
    while (s->arena) {
        struct sim_arena_chunk *next = s->arena->next;
        free(s->arena);
        s->arena = next;
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    free(s);
}

static int key_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
    int c = strcmp(ns1, ns2);
    return c ? c : strcmp(n1, n2);
}

static int obj_cmp(const void *a, const void *b)
{
    const struct sim_obj *x = *(const struct sim_obj *const *)a;
    const struct sim_obj *y = *(const struct sim_obj *const *)b;
    return key_cmp(x->ns, x->name, y->ns, y->name);
}

static void vec_push(struct sim_objvec *v, struct sim_obj *o)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->v = xreallocarray(v->v, v->cap, sizeof *v->v);
    }
    v->v[v->n++] = o;
}

/* The first index whose key is greater than (ns, name) (or >= when inclusive). */
static size_t vec_bound(const struct sim_objvec *v, const char *ns, const char *name,
                        bool inclusive)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(v->v[mid]->ns, v->v[mid]->name, ns, name);
        if (c < 0 || (c == 0 && !inclusive))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t vec_find(const struct sim_objvec *v, const char *ns, const char *name)
{
    size_t i = vec_bound(v, ns, name, true);
    if (i < v->n && strcmp(v->v[i]->ns, ns) == 0 && strcmp(v->v[i]->name, name) == 0)
        return i;
    return (size_t)-1;
}

void sim_store_load(struct sim_store *s, enum sim_res r, struct sim_obj *o)
{
    render_pb(o, r);
    XPTHREAD(pthread_mutex_lock(&s->mu));
    o->rv = ++s->rv;
    vec_push(&s->res[r], o);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
}

void sim_store_bulk_begin(struct sim_store *s)
{
    tl_arena = &s->arena;
}

void sim_store_bulk_end(void)
{
    tl_arena = NULL;
}

void sim_store_seal(struct sim_store *s)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    for (int r = 0; r < SIM_RES_COUNT; r++) {
        struct sim_objvec *v = &s->res[r];
        if (v->n > 1)
            qsort(v->v, v->n, sizeof *v->v, obj_cmp);
        /* Drop duplicates a scenario may have produced: the last loaded wins. */
        size_t w = 0;
        for (size_t i = 0; i < v->n; i++) {
            if (w > 0 && obj_cmp(&v->v[w - 1], &v->v[i]) == 0) {
                sim_obj_unref(v->v[w - 1]);
                v->v[w - 1] = v->v[i];
            } else {
                v->v[w++] = v->v[i];
            }
        }
        v->n = w;
    }
    for (size_t i = 0; i < s->hist_n; i++)
        sim_obj_unref(s->hist[(s->hist_head + i) % s->hist_cap].obj);
    s->hist_n = 0;
    s->hist_head = 0;
    s->compacted = s->rv;
    XPTHREAD(pthread_mutex_unlock(&s->mu));
}

uint64_t sim_store_rv(struct sim_store *s)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    uint64_t rv = s->rv;
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return rv;
}

uint64_t sim_store_oldest_rv(struct sim_store *s)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    uint64_t rv = s->compacted;
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return rv;
}

static void ns_range(const struct sim_objvec *v, const char *ns, size_t *lo, size_t *hi)
{
    if (!ns) {
        *lo = 0;
        *hi = v->n;
        return;
    }
    *lo = vec_bound(v, ns, "", true);
    size_t a = *lo, b = v->n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (strcmp(v->v[mid]->ns, ns) <= 0)
            a = mid + 1;
        else
            b = mid;
    }
    *hi = a;
}

size_t sim_store_count(struct sim_store *s, enum sim_res r, const char *ns)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    size_t lo, hi;
    ns_range(&s->res[r], ns, &lo, &hi);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return hi - lo;
}

/* ---- continue tokens: base64url("rv\nnamespace\nname") ------------------------------------ */

char *sim_store_token(uint64_t rv, const char *ns, const char *name)
{
    char *raw = xasprintf("%llu\n%s\n%s", (unsigned long long)rv, ns, name);
    size_t n = strlen(raw);
    unsigned char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock(out, (const unsigned char *)raw, (int)n);
    free(raw);
    for (int i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    while (len > 0 && out[len - 1] == '=')
        out[--len] = '\0';
    return (char *)out;
}

static int token_parse(const char *tok, uint64_t *rv, char **ns, char **name)
{
    size_t n = strlen(tok);
    if (n == 0 || n > 2048)
        return -1;
    char *b = xmalloc(n + 4);
    size_t i;
    for (i = 0; i < n; i++) {
        char c = tok[i];
        b[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (i % 4)
        b[i++] = '=';
    b[i] = '\0';
    unsigned char *raw = xmalloc(i + 1);
    int len = EVP_DecodeBlock(raw, (unsigned char *)b, (int)i);
    free(b);
    if (len < 0) {
        free(raw);
        return -1;
    }
    raw[len] = '\0';
    char *nl1 = strchr((char *)raw, '\n');
    char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull((char *)raw, &end, 10);
    if (!nl2 || end != nl1 || errno || raw[0] < '0' || raw[0] > '9') {
        free(raw);
        return -1;
    }
    *nl1 = *nl2 = '\0';
    *rv = v;
    *ns = xstrdup(nl1 + 1);
    *name = xstrdup(nl2 + 1); /* decoding padding may leave NULs: stops there */
    free(raw);
    return 0;
}

int sim_store_list(struct sim_store *s, enum sim_res r, const char *ns, const struct sim_filter *f,
                   size_t limit, const char *cont, struct sim_page *out, struct sim_status *st)
{
    memset(out, 0, sizeof *out);
    out->remaining = -1;
    uint64_t tok_rv = 0;
    char *tok_ns = NULL, *tok_name = NULL;
    if (cont && *cont) {
        if (token_parse(cont, &tok_rv, &tok_ns, &tok_name) < 0) {
            status_set(st, 400, "BadRequest", "continue key is not valid: %s",
                       "illegal base64 data or key format");
            return -1;
        }
    }
    XPTHREAD(pthread_mutex_lock(&s->mu));
    if (tok_ns && tok_rv < s->compacted) {
        XPTHREAD(pthread_mutex_unlock(&s->mu));
        free(tok_ns);
        free(tok_name);
        status_set(st, 410, "Expired",
                   "The provided continue parameter is too old to display a consistent list "
                   "result. You can start a new list without the continue parameter, or use the "
                   "continue token in this response to retrieve the remainder of the results. "
                   "Continuing with the provided token results in an inconsistent list - objects "
                   "that were created, modified, or deleted between the time the first chunk was "
                   "returned and now may show up in the list.");
        return -1;
    }
    const struct sim_objvec *v = &s->res[r];
    size_t lo, hi;
    ns_range(v, ns, &lo, &hi);
    size_t i = lo;
    if (tok_ns) {
        size_t j = vec_bound(v, tok_ns, tok_name, false);
        if (j > i)
            i = j;
    }
    out->rv = tok_ns ? tok_rv : s->rv;
    size_t cap = limit ? limit : (hi > i ? hi - i : 0);
    out->items = xmalloc((cap ? cap : 1) * sizeof *out->items);
    bool filtered = f && f->n > 0;
    for (; i < hi && (!limit || out->n < limit); i++) {
        if (filtered && !sim_filter_match(f, v->v[i]))
            continue;
        out->items[out->n++] = sim_obj_ref(v->v[i]);
    }
    if (limit && out->n == limit && i < hi) {
        /* more may follow: hand out a token naming the last key returned */
        const struct sim_obj *last = out->items[out->n - 1];
        out->next = sim_store_token(out->rv, last->ns, last->name);
        if (!filtered)
            out->remaining = (long long)(hi - i);
    }
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    free(tok_ns);
    free(tok_name);
    return 0;
}

void sim_page_fini(struct sim_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        sim_obj_unref(p->items[i]);
    free(p->items);
    free(p->next);
    memset(p, 0, sizeof *p);
}

struct sim_obj *sim_store_get(struct sim_store *s, enum sim_res r, const char *ns, const char *name)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    size_t i = vec_find(&s->res[r], ns ? ns : "", name);
    struct sim_obj *o = i == (size_t)-1 ? NULL : sim_obj_ref(s->res[r].v[i]);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return o;
}

struct sim_obj *sim_store_pick(struct sim_store *s, enum sim_res r, size_t i)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    struct sim_obj *o = NULL;
    if (s->res[r].n)
        o = sim_obj_ref(s->res[r].v[i % s->res[r].n]);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return o;
}

/* Records an event (mu held): takes a reference to o. */
static void hist_add(struct sim_store *s, enum sim_ev_type type, enum sim_res r, struct sim_obj *o)
{
    if (s->hist_n == s->hist_cap) {
        struct sim_hist *old = &s->hist[s->hist_head];
        sim_obj_unref(old->obj);
        s->compacted = old->rv;
        s->hist_head = (s->hist_head + 1) % s->hist_cap;
        s->hist_n--;
    }
    struct sim_hist *h = &s->hist[(s->hist_head + s->hist_n) % s->hist_cap];
    h->rv = o->rv;
    h->type = type;
    h->res = r;
    h->obj = sim_obj_ref(o);
    s->hist_n++;
    XPTHREAD(pthread_cond_broadcast(&s->cond));
}

static const char *res_qual(enum sim_res r, char *buf, size_t len)
{
    const struct sim_res_info *ri = &sim_res_table[r];
    if (*ri->group)
        snprintf(buf, len, "%s.%s", ri->name, ri->group);
    else
        snprintf(buf, len, "%s", ri->name);
    return buf;
}

int sim_store_create(struct sim_store *s, enum sim_res r, struct sim_obj *o, struct sim_status *st)
{
    char q[96];
    render_pb(o, r);
    XPTHREAD(pthread_mutex_lock(&s->mu));
    struct sim_objvec *v = &s->res[r];
    size_t i = vec_bound(v, o->ns, o->name, true);
    if (i < v->n && strcmp(v->v[i]->ns, o->ns) == 0 && strcmp(v->v[i]->name, o->name) == 0) {
        XPTHREAD(pthread_mutex_unlock(&s->mu));
        status_set(st, 409, "AlreadyExists", "%s \"%s\" already exists", res_qual(r, q, sizeof q),
                   o->name);
        sim_obj_unref(o);
        return -1;
    }
    o->rv = ++s->rv;
    vec_push(v, o); /* grows; then shift into place */
    memmove(&v->v[i + 1], &v->v[i], (v->n - 1 - i) * sizeof *v->v);
    v->v[i] = o;
    hist_add(s, SIM_EV_ADDED, r, o);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return 0;
}

static void conflict(struct sim_status *st, enum sim_res r, const char *name)
{
    char q[96];
    status_set(st, 409, "Conflict",
               "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please "
               "apply your changes to the latest version and try again",
               res_qual(r, q, sizeof q), name);
}

static void not_found(struct sim_status *st, enum sim_res r, const char *name)
{
    char q[96];
    status_set(st, 404, "NotFound", "%s \"%s\" not found", res_qual(r, q, sizeof q), name);
}

int sim_store_update(struct sim_store *s, enum sim_res r, struct sim_obj *o, uint64_t expect_rv,
                     struct sim_status *st)
{
    render_pb(o, r);
    XPTHREAD(pthread_mutex_lock(&s->mu));
    struct sim_objvec *v = &s->res[r];
    size_t i = vec_find(v, o->ns, o->name);
    if (i == (size_t)-1) {
        XPTHREAD(pthread_mutex_unlock(&s->mu));
        not_found(st, r, o->name);
        sim_obj_unref(o);
        return -1;
    }
    if (expect_rv && v->v[i]->rv != expect_rv) {
        XPTHREAD(pthread_mutex_unlock(&s->mu));
        conflict(st, r, o->name);
        sim_obj_unref(o);
        return -1;
    }
    o->rv = ++s->rv;
    sim_obj_unref(v->v[i]);
    v->v[i] = o;
    hist_add(s, SIM_EV_MODIFIED, r, o);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return 0;
}

int sim_store_delete(struct sim_store *s, enum sim_res r, const char *ns, const char *name,
                     uint64_t expect_rv, struct sim_obj **old, struct sim_status *st)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    struct sim_objvec *v = &s->res[r];
    size_t i = vec_find(v, ns ? ns : "", name);
    if (i == (size_t)-1) {
        XPTHREAD(pthread_mutex_unlock(&s->mu));
        not_found(st, r, name);
        return -1;
    }
    if (expect_rv && v->v[i]->rv != expect_rv) {
        XPTHREAD(pthread_mutex_unlock(&s->mu));
        conflict(st, r, name);
        return -1;
    }
    struct sim_obj *gone = obj_clone(v->v[i]);
    sim_obj_unref(v->v[i]);
    memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof *v->v);
    v->n--;
    gone->rv = ++s->rv;
    hist_add(s, SIM_EV_DELETED, r, gone);
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    if (old)
        *old = gone;
    else
        sim_obj_unref(gone);
    return 0;
}

int sim_store_watch(struct sim_store *s, enum sim_res r, const char *ns, const struct sim_filter *f,
                    uint64_t *cursor, struct sim_event *evs, size_t max, int timeout_ms,
                    struct sim_status *st)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int n = 0;
    XPTHREAD(pthread_mutex_lock(&s->mu));
    for (;;) {
        if (s->stopping) {
            n = -2;
            break;
        }
        if (*cursor < s->compacted) {
            status_set(st, 410, "Expired", "too old resource version: %llu (%llu)",
                       (unsigned long long)*cursor, (unsigned long long)s->compacted + 1);
            n = -1;
            break;
        }
        if (*cursor > s->rv)
            *cursor = s->rv; /* a future version: wait from now */
        while (*cursor < s->rv && (size_t)n < max) {
            struct sim_hist *h = &s->hist[(s->hist_head + (*cursor - s->compacted)) % s->hist_cap];
            *cursor = h->rv;
            if (h->res != r || (ns && strcmp(h->obj->ns, ns) != 0) || !sim_filter_match(f, h->obj))
                continue;
            evs[n].type = h->type;
            evs[n].res = h->res;
            evs[n].obj = sim_obj_ref(h->obj);
            n++;
        }
        if (n > 0)
            break;
        int rc = pthread_cond_timedwait(&s->cond, &s->mu, &deadline);
        if (rc == ETIMEDOUT)
            break;
        if (rc != 0)
            fatal("pthread_cond_timedwait: %d", rc);
    }
    XPTHREAD(pthread_mutex_unlock(&s->mu));
    return n;
}

void sim_store_shutdown(struct sim_store *s)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    s->stopping = true;
    XPTHREAD(pthread_cond_broadcast(&s->cond));
    XPTHREAD(pthread_mutex_unlock(&s->mu));
}

void sim_store_compact(struct sim_store *s)
{
    XPTHREAD(pthread_mutex_lock(&s->mu));
    for (size_t i = 0; i < s->hist_n; i++)
        sim_obj_unref(s->hist[(s->hist_head + i) % s->hist_cap].obj);
    s->hist_n = 0;
    s->hist_head = 0;
    s->compacted = s->rv;
    XPTHREAD(pthread_mutex_unlock(&s->mu));
}
