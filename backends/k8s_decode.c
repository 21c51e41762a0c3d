/* Decoders from one Kubernetes object to one packed model row.
 *
 * Every field the object does not carry stays unknown (NULL, MODEL_UNKNOWN or
 * MODEL_COUNT_UNKNOWN). Kubernetes omits zero counts and false flags from a status or spec that
 * is present, so inside a present `status` a missing count is 0; an absent `status` makes every
 * count from it unknown. Strings are copied raw; they are sanitized when drawn. No json-c object
 * outlives a call, and a Secret's data is never read. */

#include "cutover/k8s_decode.h"

#include "cutover/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- json-c helpers --------------------------------------------------------------------- */

/* A member of an object, NULL when absent, null, or when o is not an object. */
static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (o == NULL || !json_object_is_type(o, json_type_object))
        return NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return v; /* json null is stored as NULL */
}

static struct json_object *get_obj(struct json_object *o, const char *key)
{
    struct json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

static struct json_object *get_arr(struct json_object *o, const char *key)
{
    struct json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* A string member (borrowed), NULL when absent or not a string. */
static const char *get_str(struct json_object *o, const char *key)
{
    struct json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* An integer member clamped to int32; `absent` when missing or not a number. */
static int32_t get_i32(struct json_object *o, const char *key, int32_t absent)
{
    struct json_object *v = get(o, key);
    if (v == NULL ||
        !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
        return absent;
    int64_t n = json_object_get_int64(v);
    if (n > INT32_MAX)
        return INT32_MAX;
    if (n < INT32_MIN)
        return INT32_MIN;
    return (int32_t)n;
}

/* true/false of a boolean member; absent (or not a boolean) gives `absent`. */
static int get_bool(struct json_object *o, const char *key, int absent)
{
    struct json_object *v = get(o, key);
    if (v == NULL || !json_object_is_type(v, json_type_boolean))
        return absent;
    return json_object_get_boolean(v) ? 1 : 0;
}

static int64_t get_time(struct json_object *o, const char *key)
{
    const char *s = get_str(o, key);
    return s ? k8s_parse_time(s) : 0;
}

/* The status of condition `type` in status.conditions as a tri-state. */
static uint8_t condition(struct json_object *status, const char *type)
{
    struct json_object *conds = get_arr(status, "conditions");
    size_t n = conds ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *t = get_str(c, "type");
        if (t == NULL || strcmp(t, type) != 0)
            continue;
        const char *st = get_str(c, "status");
        if (st && strcmp(st, "True") == 0)
            return MODEL_TRUE;
        if (st && strcmp(st, "False") == 0)
            return MODEL_FALSE;
        return MODEL_UNKNOWN;
    }
    return MODEL_UNKNOWN;
}

/* The controller ownerReference of metadata, or NULL. */
static struct json_object *controller_ref(struct json_object *meta)
{
    struct json_object *refs = get_arr(meta, "ownerReferences");
    size_t n = refs ? json_object_array_length(refs) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *r = json_object_array_get_idx(refs, i);
        if (get_bool(r, "controller", 0) == 1)
            return r;
    }
    return NULL;
}

/* A growable string for joining. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* The images of a containers array joined by ',' (a new string), or NULL without containers. */
static char *join_images(struct json_object *containers, int32_t *count)
{
    size_t n = containers ? json_object_array_length(containers) : 0;
    if (count)
        *count = containers ? (int32_t)n : MODEL_COUNT_UNKNOWN;
    if (containers == NULL)
        return NULL;
    struct sbuf b = {0};
    sbuf_add(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        const char *img = get_str(json_object_array_get_idx(containers, i), "image");
        if (img == NULL)
            continue;
        if (b.len > 0)
            sbuf_add(&b, ",", 1);
        sbuf_add(&b, img, strlen(img));
    }
    return b.p;
}

/* ---- common metadata ----------------------------------------------------------------------- */

struct meta {
    struct json_object *m;
    const char *ns, *name, *uid;
    int64_t created;
    bool partial; /* a PartialObjectMetadata: only metadata is known */
};

static int read_meta(enum model_res res, struct json_object *obj, struct meta *out,
                     struct error *err)
{
    memset(out, 0, sizeof *out);
    if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
        error_set(err, "%s: the object is not a JSON object", model_res_name(res));
        return -1;
    }
    out->m = get_obj(obj, "metadata");
    out->ns = get_str(out->m, "namespace");
    out->name = get_str(out->m, "name");
    out->uid = get_str(out->m, "uid");
    if (out->name == NULL || out->name[0] == '\0') {
        error_set(err, "%s: an object without metadata.name%s%s%s%s", model_res_name(res),
                  out->ns ? " in namespace " : "", out->ns ? out->ns : "", out->uid ? " uid " : "",
                  out->uid ? out->uid : "");
        return -1;
    }
    out->created = get_time(out->m, "creationTimestamp");
    const char *kind = get_str(obj, "kind");
    out->partial = kind && strcmp(kind, "PartialObjectMetadata") == 0;
    return 0;
}

#define MAX_STRS 12

/* Strings of a row being built: offsets into the row struct and values. */
struct pack {
    size_t n;
    size_t off[MAX_STRS];
    const char *str[MAX_STRS];
};

static void pack_add(struct pack *p, size_t off, const char *s)
{
    p->off[p->n] = off;
    p->str[p->n] = s;
    p->n++;
}

static void *pack_row(enum model_res res, size_t size, struct pack *p, const struct meta *m)
{
    pack_add(p, offsetof(struct model_obj, ns), m->ns);
    pack_add(p, offsetof(struct model_obj, name), m->name);
    pack_add(p, offsetof(struct model_obj, uid), m->uid);
    struct model_obj *row = model_row_pack(res, size, p->n, p->off, p->str);
    row->created = m->created;
    return row;
}

/* ---- nodes --------------------------------------------------------------------------------- */

static const char *label2(struct json_object *labels, const char *a, const char *b)
{
    const char *v = get_str(labels, a);
    return v ? v : get_str(labels, b);
}

static uint8_t node_role_from_labels(struct json_object *labels)
{
    if (get(labels, "node-role.kubernetes.io/control-plane") ||
        get(labels, "node-role.kubernetes.io/master"))
        return MODEL_ROLE_CONTROL_PLANE;
    return MODEL_ROLE_WORKER;
}

static struct model_obj *decode_node(struct json_object *obj, const struct meta *m)
{
    struct json_object *labels = get_obj(m->m, "labels");
    struct json_object *spec = get_obj(obj, "spec");
    struct json_object *status = get_obj(obj, "status");
    struct pack p = {0};
    pack_add(
        &p, offsetof(struct model_node, zone),
        label2(labels, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"));
    pack_add(&p, offsetof(struct model_node, region),
             label2(labels, "topology.kubernetes.io/region",
                    "failure-domain.beta.kubernetes.io/region"));
    pack_add(
        &p, offsetof(struct model_node, instance_type),
        label2(labels, "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"));
    pack_add(&p, offsetof(struct model_node, kubelet_version),
             get_str(get_obj(status, "nodeInfo"), "kubeletVersion"));
    struct model_node *n = pack_row(MODEL_RES_NODES, sizeof *n, &p, m);
    n->role = node_role_from_labels(labels);
    n->ready = status ? condition(status, "Ready") : MODEL_UNKNOWN;
    if (spec == NULL || m->partial)
        n->schedulable = MODEL_UNKNOWN;
    else
        n->schedulable = get_bool(spec, "unschedulable", 0) == 1 ? MODEL_FALSE : MODEL_TRUE;
    return &n->obj;
}

/* ---- pods ---------------------------------------------------------------------------------- */

/* The first waiting reason in a containerStatuses array, skipping `skip` (may be NULL). */
static const char *first_waiting(struct json_object *statuses, const char *skip)
{
    size_t n = statuses ? json_object_array_length(statuses) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *st = get_obj(json_object_array_get_idx(statuses, i), "state");
        const char *r = get_str(get_obj(st, "waiting"), "reason");
        if (r && r[0] && !(skip && strcmp(r, skip) == 0))
            return r;
    }
    return NULL;
}

static struct model_obj *decode_pod(struct json_object *obj, const struct meta *m)
{
    struct json_object *spec = get_obj(obj, "spec");
    struct json_object *status = get_obj(obj, "status");
    struct json_object *owner = controller_ref(m->m);
    struct json_object *cs = get_arr(status, "containerStatuses");
    struct json_object *ics = get_arr(status, "initContainerStatuses");

    /* An init container that waits holds the pod back: its reason is the one a user needs
     * (PodInitializing only says that init containers are still running). */
    const char *waiting = first_waiting(ics, "PodInitializing");
    if (waiting == NULL)
        waiting = first_waiting(cs, NULL);

    int32_t containers;
    char *images = join_images(get_arr(spec, "containers"), &containers);

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_pod, phase), get_str(status, "phase"));
    pack_add(&p, offsetof(struct model_pod, node), get_str(spec, "nodeName"));
    pack_add(&p, offsetof(struct model_pod, owner_kind), get_str(owner, "kind"));
    pack_add(&p, offsetof(struct model_pod, owner_name), get_str(owner, "name"));
    pack_add(&p, offsetof(struct model_pod, waiting_reason), waiting);
    pack_add(&p, offsetof(struct model_pod, images), images);
    struct model_pod *pod = pack_row(MODEL_RES_PODS, sizeof *pod, &p, m);
    free(images);

    pod->containers = containers;
    pod->containers_ready = MODEL_COUNT_UNKNOWN;
    pod->restarts = MODEL_COUNT_UNKNOWN;
    if (cs) {
        size_t n = json_object_array_length(cs);
        pod->containers_ready = 0;
        for (size_t i = 0; i < n; i++)
            if (get_bool(json_object_array_get_idx(cs, i), "ready", 0) == 1)
                pod->containers_ready++;
    }
    struct json_object *lists[2] = {ics, cs};
    for (int l = 0; l < 2; l++) {
        size_t n = lists[l] ? json_object_array_length(lists[l]) : 0;
        if (lists[l] && pod->restarts == MODEL_COUNT_UNKNOWN)
            pod->restarts = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t r = get_i32(json_object_array_get_idx(lists[l], i), "restartCount", 0);
            if (r > 0 && pod->restarts <= INT32_MAX - r)
                pod->restarts += r;
        }
    }
    pod->ready = status ? condition(status, "Ready") : MODEL_UNKNOWN;
    return &pod->obj;
}

/* ---- workloads ------------------------------------------------------------------------------ */

static struct model_obj *decode_workload(enum model_res res, struct json_object *obj,
                                         const struct meta *m)
{
    struct json_object *spec = get_obj(obj, "spec");
    struct json_object *status = get_obj(obj, "status");
    struct json_object *owner = controller_ref(m->m);
    struct json_object *tspec = get_obj(get_obj(spec, "template"), "spec");
    char *images = join_images(get_arr(tspec, "containers"), NULL);

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_workload, images), images);
    pack_add(&p, offsetof(struct model_workload, owner_kind), get_str(owner, "kind"));
    pack_add(&p, offsetof(struct model_workload, owner_name), get_str(owner, "name"));
    struct model_workload *w = pack_row(res, sizeof *w, &p, m);
    free(images);

    /* In a present status a missing count is a zero Kubernetes omitted; without status every
     * count is unknown. */
    int32_t z = status ? 0 : MODEL_COUNT_UNKNOWN;
    if (res == MODEL_RES_DAEMONSETS) {
        w->desired = get_i32(status, "desiredNumberScheduled", z);
        w->ready = get_i32(status, "numberReady", z);
        w->updated = get_i32(status, "updatedNumberScheduled", z);
        w->available = get_i32(status, "numberAvailable", z);
    } else {
        /* spec.replicas is defaulted by the API server (to 1), so an absent one is unknown
         * (a PartialObjectMetadata has no spec at all). */
        w->desired = get_i32(spec, "replicas", MODEL_COUNT_UNKNOWN);
        w->ready = get_i32(status, "readyReplicas", z);
        w->available = get_i32(status, "availableReplicas", z);
        /* A ReplicaSet has no notion of updated replicas: all of its pods are one revision. */
        w->updated = res == MODEL_RES_REPLICASETS ? MODEL_COUNT_UNKNOWN
                                                  : get_i32(status, "updatedReplicas", z);
    }
    return &w->obj;
}

/* ---- small resources ----------------------------------------------------------------------- */

static struct model_obj *decode_namespace(struct json_object *obj, const struct meta *m)
{
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_namespace, phase), get_str(get_obj(obj, "status"), "phase"));
    struct model_namespace *ns = pack_row(MODEL_RES_NAMESPACES, sizeof *ns, &p, m);
    return &ns->obj;
}

static struct model_obj *decode_service(struct json_object *obj, const struct meta *m)
{
    struct json_object *spec = get_obj(obj, "spec");
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_service, type), get_str(spec, "type"));
    pack_add(&p, offsetof(struct model_service, cluster_ip), get_str(spec, "clusterIP"));
    struct model_service *svc = pack_row(MODEL_RES_SERVICES, sizeof *svc, &p, m);
    return &svc->obj;
}

static struct model_obj *decode_configmap(struct json_object *obj, const struct meta *m)
{
    struct pack p = {0};
    struct model_configmap *cm = pack_row(MODEL_RES_CONFIGMAPS, sizeof *cm, &p, m);
    if (m->partial) {
        cm->keys = MODEL_COUNT_UNKNOWN;
    } else {
        /* Only the keys are counted; the values are never kept. Kubernetes omits empty maps. */
        struct json_object *data = get_obj(obj, "data");
        struct json_object *bin = get_obj(obj, "binaryData");
        cm->keys = (int32_t)((data ? json_object_object_length(data) : 0) +
                             (bin ? json_object_object_length(bin) : 0));
    }
    return &cm->obj;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static struct model_obj *decode_event(struct json_object *obj, const struct meta *m)
{
    /* core/v1 uses involvedObject, message, count, lastTimestamp; events.k8s.io/v1 uses
     * regarding, note, deprecatedCount, deprecatedLastTimestamp. Both may carry series. */
    struct json_object *inv = get_obj(obj, "involvedObject");
    if (inv == NULL)
        inv = get_obj(obj, "regarding");
    const char *message = get_str(obj, "message");
    if (message == NULL)
        message = get_str(obj, "note");
    struct json_object *series = get_obj(obj, "series");

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_event, type), get_str(obj, "type"));
    pack_add(&p, offsetof(struct model_event, reason), get_str(obj, "reason"));
    pack_add(&p, offsetof(struct model_event, message), message);
    pack_add(&p, offsetof(struct model_event, involved_kind), get_str(inv, "kind"));
    pack_add(&p, offsetof(struct model_event, involved_ns), get_str(inv, "namespace"));
    pack_add(&p, offsetof(struct model_event, involved_name), get_str(inv, "name"));
    struct model_event *ev = pack_row(MODEL_RES_EVENTS, sizeof *ev, &p, m);

    /* As kubectl prints it: a series' count, else count, else 1 for a singleton event. */
    int32_t count = get_i32(obj, "count", 0);
    if (count <= 0)
        count = get_i32(obj, "deprecatedCount", 0);
    if (series)
        count = get_i32(series, "count", count);
    ev->count = m->partial ? MODEL_COUNT_UNKNOWN : count > 0 ? count : 1;

    /* Last seen: the latest of the times the event carries, else its creation. */
    int64_t last = get_time(obj, "lastTimestamp");
    last = max64(last, get_time(obj, "deprecatedLastTimestamp"));
    last = max64(last, get_time(series, "lastObservedTime"));
    last = max64(last, get_time(obj, "eventTime"));
    if (last == 0)
        last = max64(get_time(obj, "firstTimestamp"), get_time(obj, "deprecatedFirstTimestamp"));
    ev->last_seen = last ? last : m->created;
    return &ev->obj;
}

static struct model_obj *decode_lease(struct json_object *obj, const struct meta *m)
{
    struct json_object *spec = get_obj(obj, "spec");
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_lease, holder), get_str(spec, "holderIdentity"));
    struct model_lease *l = pack_row(MODEL_RES_LEASES, sizeof *l, &p, m);
    l->duration_s = get_i32(spec, "leaseDurationSeconds", MODEL_COUNT_UNKNOWN);
    l->renewed = get_time(spec, "renewTime");
    l->acquired = get_time(spec, "acquireTime");
    return &l->obj;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* metadata.labels as "k=v,k=v" sorted by key (a new string), or NULL without labels. */
static char *join_labels(struct json_object *labels)
{
    if (labels == NULL)
        return NULL;
    size_t n = (size_t)json_object_object_length(labels);
    char **kv = xcalloc(n ? n : 1, sizeof *kv);
    size_t k = 0;
    json_object_object_foreach(labels, key, val)
    {
        if (k < n)
            kv[k++] = xasprintf("%s=%s", key,
                                val && json_object_is_type(val, json_type_string)
                                    ? json_object_get_string(val)
                                    : "");
    }
    qsort(kv, k, sizeof *kv, cmp_str);
    struct sbuf b = {0};
    sbuf_add(&b, "", 0);
    for (size_t i = 0; i < k; i++) {
        if (i)
            sbuf_add(&b, ",", 1);
        sbuf_add(&b, kv[i], strlen(kv[i]));
        free(kv[i]);
    }
    free(kv);
    return b.p;
}

static struct model_obj *decode_secret(struct json_object *obj, const struct meta *m)
{
    /* Metadata and type only: `data` and `stringData` are never looked at. */
    char *labels = join_labels(get_obj(m->m, "labels"));
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_secret_meta, type),
             m->partial ? NULL : get_str(obj, "type"));
    pack_add(&p, offsetof(struct model_secret_meta, data_hash),
             get_str(get_obj(m->m, "annotations"), "reconcile.external-secrets.io/data-hash"));
    pack_add(&p, offsetof(struct model_secret_meta, labels), labels);
    struct model_secret_meta *s = pack_row(MODEL_RES_SECRETS, sizeof *s, &p, m);
    free(labels);
    return &s->obj;
}

struct model_obj *k8s_decode_object(enum model_res res, struct json_object *obj, struct error *err)
{
    struct meta m;
    if ((unsigned)res >= MODEL_RES_COUNT) {
        error_set(err, "decode: unknown resource %d", (int)res);
        return NULL;
    }
    if (read_meta(res, obj, &m, err) < 0)
        return NULL;
    switch (res) {
    case MODEL_RES_NODES:
        return decode_node(obj, &m);
    case MODEL_RES_PODS:
        return decode_pod(obj, &m);
    case MODEL_RES_NAMESPACES:
        return decode_namespace(obj, &m);
    case MODEL_RES_DEPLOYMENTS:
    case MODEL_RES_STATEFULSETS:
    case MODEL_RES_DAEMONSETS:
    case MODEL_RES_REPLICASETS:
        return decode_workload(res, obj, &m);
    case MODEL_RES_SERVICES:
        return decode_service(obj, &m);
    case MODEL_RES_CONFIGMAPS:
        return decode_configmap(obj, &m);
    case MODEL_RES_EVENTS:
        return decode_event(obj, &m);
    case MODEL_RES_LEASES:
        return decode_lease(obj, &m);
    case MODEL_RES_SECRETS:
        return decode_secret(obj, &m);
    case MODEL_RES_COUNT:
        break;
    }
    error_set(err, "decode: unknown resource %d", (int)res);
    return NULL;
}

/* ---- Table rows ---------------------------------------------------------------------------- */

/* The cell under column `name` as a string (borrowed; numbers are printed into tmp), or NULL. */
static const char *cell(const char *const *columns, size_t ncolumns, struct json_object *cells,
                        const char *name, char *tmp, size_t tmplen)
{
    size_t n = cells ? json_object_array_length(cells) : 0;
    for (size_t i = 0; i < ncolumns && i < n; i++) {
        if (columns[i] == NULL || strcmp(columns[i], name) != 0)
            continue;
        struct json_object *v = json_object_array_get_idx(cells, i);
        if (v == NULL)
            return NULL;
        if (json_object_is_type(v, json_type_string))
            return json_object_get_string(v);
        if (json_object_is_type(v, json_type_int)) {
            snprintf(tmp, tmplen, "%lld", (long long)json_object_get_int64(v));
            return tmp;
        }
        return NULL;
    }
    return NULL;
}

static bool is_none(const char *s)
{
    return s == NULL || s[0] == '\0' || strcmp(s, "<none>") == 0 || strcmp(s, "<unknown>") == 0;
}

/* A leading decimal number of s ("3", "3 (5m ago)"), or MODEL_COUNT_UNKNOWN. */
static int32_t leading_int(const char *s, const char **rest)
{
    if (s == NULL || !(*s >= '0' && *s <= '9'))
        return MODEL_COUNT_UNKNOWN;
    int64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        if (v < INT32_MAX)
            v = v * 10 + (*s - '0');
        s++;
    }
    if (rest)
        *rest = s;
    return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* Whether a comma-separated list contains item. */
static bool list_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static const char *const pod_phases[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};

static struct model_obj *table_pod(const char *const *cols, size_t ncols, struct json_object *cells,
                                   const struct meta *m)
{
    char t1[32], t2[32], t3[32], t4[32];
    const char *ready = cell(cols, ncols, cells, "Ready", t1, sizeof t1);
    const char *status = cell(cols, ncols, cells, "Status", t2, sizeof t2);
    const char *restarts = cell(cols, ncols, cells, "Restarts", t3, sizeof t3);
    const char *node = cell(cols, ncols, cells, "Node", t4, sizeof t4);
    struct json_object *owner = controller_ref(m->m);

    /* Status is the phase, or the reason kubectl shows instead (CrashLoopBackOff,
     * Init:ImagePullBackOff, ContainerCreating, Completed, Terminating, ...). */
    const char *phase = NULL, *reason = NULL;
    for (size_t i = 0; status && i < sizeof pod_phases / sizeof pod_phases[0]; i++)
        if (strcmp(status, pod_phases[i]) == 0)
            phase = pod_phases[i];
    if (status && phase == NULL) {
        if (strcmp(status, "Completed") == 0)
            phase = "Succeeded";
        else if (strcmp(status, "Terminating") != 0)
            reason = status;
    }

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_pod, phase), phase);
    pack_add(&p, offsetof(struct model_pod, node), is_none(node) ? NULL : node);
    pack_add(&p, offsetof(struct model_pod, owner_kind), get_str(owner, "kind"));
    pack_add(&p, offsetof(struct model_pod, owner_name), get_str(owner, "name"));
    pack_add(&p, offsetof(struct model_pod, waiting_reason), reason);
    pack_add(&p, offsetof(struct model_pod, images), NULL);
    struct model_pod *pod = pack_row(MODEL_RES_PODS, sizeof *pod, &p, m);

    /* Ready is "ready/total". */
    const char *rest = NULL;
    pod->containers_ready = leading_int(ready, &rest);
    pod->containers = MODEL_COUNT_UNKNOWN;
    if (pod->containers_ready != MODEL_COUNT_UNKNOWN && rest && *rest == '/')
        pod->containers = leading_int(rest + 1, NULL);
    if (pod->containers == MODEL_COUNT_UNKNOWN)
        pod->containers_ready = MODEL_COUNT_UNKNOWN;
    pod->restarts = leading_int(restarts, NULL);
    if (pod->containers > 0 && status)
        pod->ready = pod->containers_ready == pod->containers && strcmp(status, "Running") == 0
                         ? MODEL_TRUE
                         : MODEL_FALSE;
    else
        pod->ready = MODEL_UNKNOWN;
    return &pod->obj;
}

static struct model_obj *table_node(const char *const *cols, size_t ncols,
                                    struct json_object *cells, const struct meta *m)
{
    char t1[32], t2[32], t3[32];
    const char *status = cell(cols, ncols, cells, "Status", t1, sizeof t1);
    const char *roles = cell(cols, ncols, cells, "Roles", t2, sizeof t2);
    const char *version = cell(cols, ncols, cells, "Version", t3, sizeof t3);
    struct json_object *labels = get_obj(m->m, "labels");

    struct pack p = {0};
    pack_add(
        &p, offsetof(struct model_node, zone),
        label2(labels, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"));
    pack_add(&p, offsetof(struct model_node, region),
             label2(labels, "topology.kubernetes.io/region",
                    "failure-domain.beta.kubernetes.io/region"));
    pack_add(
        &p, offsetof(struct model_node, instance_type),
        label2(labels, "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"));
    pack_add(&p, offsetof(struct model_node, kubelet_version), is_none(version) ? NULL : version);
    struct model_node *n = pack_row(MODEL_RES_NODES, sizeof *n, &p, m);

    if (labels)
        n->role = node_role_from_labels(labels);
    else if (roles)
        n->role = list_has(roles, "control-plane") || list_has(roles, "master")
                      ? MODEL_ROLE_CONTROL_PLANE
                      : MODEL_ROLE_WORKER;
    else
        n->role = MODEL_ROLE_UNKNOWN;
    /* Status is "Ready", "NotReady" or "Unknown", with ",SchedulingDisabled" when cordoned. */
    n->ready = MODEL_UNKNOWN;
    n->schedulable = MODEL_UNKNOWN;
    if (status) {
        if (list_has(status, "Ready"))
            n->ready = MODEL_TRUE;
        else if (list_has(status, "NotReady"))
            n->ready = MODEL_FALSE;
        n->schedulable = list_has(status, "SchedulingDisabled") ? MODEL_FALSE : MODEL_TRUE;
    }
    return &n->obj;
}

struct model_obj *k8s_decode_table_row(enum model_res res, const char *const *columns,
                                       size_t ncolumns, struct json_object *row, struct error *err)
{
    if (res != MODEL_RES_PODS && res != MODEL_RES_NODES) {
        error_set(err, "table rows: only pods and nodes are decoded, not %s",
                  (unsigned)res < MODEL_RES_COUNT ? model_res_name(res) : "?");
        return NULL;
    }
    if (row == NULL || !json_object_is_type(row, json_type_object)) {
        error_set(err, "%s table: a row is not a JSON object", model_res_name(res));
        return NULL;
    }
    struct json_object *cells = get_arr(row, "cells");
    if (cells == NULL) {
        error_set(err, "%s table: a row without cells", model_res_name(res));
        return NULL;
    }
    /* The name and namespace come from the row's object (includeObject=Metadata) when there is
     * one, else from the Name (and Namespace) cells. */
    struct json_object *obj = get_obj(row, "object");
    struct meta m = {0};
    char t1[32], t2[32];
    if (obj && get_str(get_obj(obj, "metadata"), "name")) {
        if (read_meta(res, obj, &m, err) < 0)
            return NULL;
        m.partial = true;
    } else {
        m.name = cell(columns, ncolumns, cells, "Name", t1, sizeof t1);
        m.ns = cell(columns, ncolumns, cells, "Namespace", t2, sizeof t2);
        if (is_none(m.name)) {
            error_set(err, "%s table: a row without a name", model_res_name(res));
            return NULL;
        }
    }
    if (res == MODEL_RES_PODS)
        return table_pod(columns, ncolumns, cells, &m);
    return table_node(columns, ncolumns, cells, &m);
}

/* ---- misc ---------------------------------------------------------------------------------- */

const char *k8s_object_resource_version(struct json_object *obj)
{
    return get_str(get_obj(obj, "metadata"), "resourceVersion");
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int mo, int d)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t k8s_parse_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    if (s == NULL || strlen(s) < 20)
        return 0;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return 0;
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return 0;
    }
    if (*p != '\0')
        return 0;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return t;
}
