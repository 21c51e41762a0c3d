#include "sim_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/xalloc.h"

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v))
        return v;
    return NULL;
}

static const char *gets(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int geti(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v ? json_object_get_int(v) : 0;
}

static time_t parse_time(const char *s)
{
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    return timegm(&tm);
}

static void cell_str(struct sim_buf *b, const char *s)
{
    sim_buf_add_jstr(b, s ? s : "<none>");
    sim_buf_add(b, ",", 1);
}

static void cell_str_post(struct sim_buf *b, const char *s)
{
    sim_buf_add(b, ",", 1);
    sim_buf_add_jstr(b, s ? s : "<none>");
}

void sim_json_pod_cells(const char *name, int ready, int total, const char *status, int restarts,
                        const char *ip, const char *node, struct sim_buf *pre, struct sim_buf *post)
{
    char tmp[32];
    cell_str(pre, name);
    snprintf(tmp, sizeof tmp, "%d/%d", ready, total);
    cell_str(pre, tmp);
    cell_str(pre, status);
    snprintf(tmp, sizeof tmp, "%d", restarts);
    cell_str(pre, tmp);
    cell_str_post(post, ip && *ip ? ip : "<none>");
    cell_str_post(post, node && *node ? node : "<none>");
    cell_str_post(post, "<none>");
    cell_str_post(post, "<none>");
}

void sim_json_node_cells(const char *name, const char *status, const char *roles,
                         const char *version, const char *ip, const char *os_image,
                         const char *kernel, const char *runtime, struct sim_buf *pre,
                         struct sim_buf *post)
{
    cell_str(pre, name);
    cell_str(pre, status);
    cell_str(pre, roles);
    cell_str_post(post, version);
    cell_str_post(post, ip);
    cell_str_post(post, "<none>");
    cell_str_post(post, os_image);
    cell_str_post(post, kernel);
    cell_str_post(post, runtime);
}

static void pod_cells(json_object *o, const char *name, struct sim_buf *pre, struct sim_buf *post)
{
    json_object *spec = get(o, "spec"), *status = get(o, "status");
    json_object *cs = get(status, "containerStatuses");
    json_object *containers = get(spec, "containers");
    int total = containers ? (int)json_object_array_length(containers) : 0;
    int ready = 0, restarts = 0;
    const char *reason = gets(status, "reason");
    const char *phase = gets(status, "phase");
    const char *shown = reason ? reason : phase ? phase : "Unknown";
    size_t n = cs && json_object_is_type(cs, json_type_array) ? json_object_array_length(cs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(cs, i);
        if (json_object_get_boolean(get(c, "ready")))
            ready++;
        restarts += geti(c, "restartCount");
        json_object *state = get(c, "state");
        const char *wr = gets(get(state, "waiting"), "reason");
        const char *tr = gets(get(state, "terminated"), "reason");
        if (wr && *wr)
            shown = wr;
        else if (tr && *tr)
            shown = tr;
    }
    if (get(get(o, "metadata"), "deletionTimestamp"))
        shown = "Terminating";
    sim_json_pod_cells(name, ready, total, shown, restarts, gets(status, "podIP"),
                       gets(spec, "nodeName"), pre, post);
}

static void node_cells(json_object *o, const char *name, struct sim_buf *pre, struct sim_buf *post)
{
    json_object *status = get(o, "status"), *conds = get(status, "conditions");
    const char *ready = "Unknown";
    size_t n =
        conds && json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = gets(c, "type");
        if (t && strcmp(t, "Ready") == 0) {
            const char *s = gets(c, "status");
            ready = s && strcmp(s, "True") == 0    ? "Ready"
                    : s && strcmp(s, "False") == 0 ? "NotReady"
                                                   : "Unknown";
        }
    }
    char st[64];
    snprintf(st, sizeof st, "%s%s", ready,
             json_object_get_boolean(get(get(o, "spec"), "unschedulable")) ? ",SchedulingDisabled"
                                                                           : "");
    struct sim_buf roles = {0};
    json_object *labels = get(get(o, "metadata"), "labels");
    if (labels && json_object_is_type(labels, json_type_object)) {
        json_object_object_foreach(labels, k, v)
        {
            (void)v;
            const char *role = NULL;
            if (strncmp(k, "node-role.kubernetes.io/", 24) == 0)
                role = k + 24;
            else if (strcmp(k, "kubernetes.io/role") == 0)
                role = json_object_get_string(v);
            if (role && *role) {
                if (roles.len)
                    sim_buf_add(&roles, ",", 1);
                sim_buf_adds(&roles, role);
            }
        }
    }
    const char *ip = NULL;
    json_object *addrs = get(status, "addresses");
    n = addrs && json_object_is_type(addrs, json_type_array) ? json_object_array_length(addrs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(addrs, i);
        const char *t = gets(a, "type");
        if (t && strcmp(t, "InternalIP") == 0 && !ip)
            ip = gets(a, "address");
    }
    json_object *info = get(status, "nodeInfo");
    sim_json_node_cells(name, st, roles.len ? roles.data : "<none>", gets(info, "kubeletVersion"),
                        ip, gets(info, "osImage"), gets(info, "kernelVersion"),
                        gets(info, "containerRuntimeVersion"), pre, post);
    sim_buf_fini(&roles);
}

static int count_keys(json_object *o)
{
    return o && json_object_is_type(o, json_type_object) ? json_object_object_length(o) : 0;
}

static void images_of(json_object *podspec, struct sim_buf *names, struct sim_buf *images)
{
    json_object *cs = get(podspec, "containers");
    size_t n = cs && json_object_is_type(cs, json_type_array) ? json_object_array_length(cs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(cs, i);
        if (i) {
            sim_buf_add(names, ",", 1);
            sim_buf_add(images, ",", 1);
        }
        sim_buf_adds(names, gets(c, "name") ? gets(c, "name") : "");
        sim_buf_adds(images, gets(c, "image") ? gets(c, "image") : "");
    }
}

static void int_cell(struct sim_buf *b, int v)
{
    sim_buf_addf(b, "%d,", v);
}

static void workload_cells(enum sim_res r, json_object *o, const char *name, struct sim_buf *pre,
                           struct sim_buf *post)
{
    json_object *spec = get(o, "spec"), *st = get(o, "status");
    struct sim_buf names = {0}, images = {0};
    images_of(get(get(spec, "template"), "spec"), &names, &images);
    char tmp[64];
    cell_str(pre, name);
    if (r == SIM_RES_DEPLOYMENTS || r == SIM_RES_STATEFULSETS) {
        json_object *rep = get(spec, "replicas");
        snprintf(tmp, sizeof tmp, "%d/%d", geti(st, "readyReplicas"),
                 rep ? json_object_get_int(rep) : 1);
        cell_str(pre, tmp);
        if (r == SIM_RES_DEPLOYMENTS) {
            int_cell(pre, geti(st, "updatedReplicas"));
            int_cell(pre, geti(st, "availableReplicas"));
        }
    } else if (r == SIM_RES_DAEMONSETS) {
        int_cell(pre, geti(st, "desiredNumberScheduled"));
        int_cell(pre, geti(st, "currentNumberScheduled"));
        int_cell(pre, geti(st, "numberReady"));
        int_cell(pre, geti(st, "updatedNumberScheduled"));
        int_cell(pre, geti(st, "numberAvailable"));
        json_object *sel = get(get(get(spec, "template"), "spec"), "nodeSelector");
        struct sim_buf s = {0};
        if (sel && json_object_is_type(sel, json_type_object)) {
            json_object_object_foreach(sel, k, v)
            {
                if (s.len)
                    sim_buf_add(&s, ",", 1);
                sim_buf_addf(&s, "%s=%s", k, json_object_get_string(v));
            }
        }
        cell_str(pre, s.len ? s.data : "<none>");
        sim_buf_fini(&s);
    } else { /* replicasets */
        json_object *rep = get(spec, "replicas");
        int_cell(pre, rep ? json_object_get_int(rep) : 1);
        int_cell(pre, geti(st, "replicas"));
        int_cell(pre, geti(st, "readyReplicas"));
    }
    cell_str_post(post, names.data ? names.data : "");
    cell_str_post(post, images.data ? images.data : "");
    sim_buf_fini(&names);
    sim_buf_fini(&images);
}

static void event_cells(json_object *o, bool v1, struct sim_buf *post)
{
    json_object *regarding = get(o, v1 ? "regarding" : "involvedObject");
    const char *kind = gets(regarding, "kind"), *n = gets(regarding, "name");
    char obj[320];
    char lower[64];
    snprintf(lower, sizeof lower, "%s", kind ? kind : "");
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(obj, sizeof obj, "%s/%s", lower, n ? n : "");
    cell_str_post(post, gets(o, "type"));
    cell_str_post(post, gets(o, "reason"));
    cell_str_post(post, obj);
    cell_str_post(post, gets(o, v1 ? "note" : "message"));
}

static void service_cells(json_object *o, const char *name, struct sim_buf *pre,
                          struct sim_buf *post)
{
    json_object *spec = get(o, "spec");
    cell_str(pre, name);
    cell_str(pre, gets(spec, "type") ? gets(spec, "type") : "ClusterIP");
    cell_str(pre, gets(spec, "clusterIP"));
    cell_str(pre, "<none>");
    struct sim_buf ports = {0};
    json_object *ps = get(spec, "ports");
    size_t n = ps && json_object_is_type(ps, json_type_array) ? json_object_array_length(ps) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *pt = json_object_array_get_idx(ps, i);
        if (i)
            sim_buf_add(&ports, ",", 1);
        sim_buf_addf(&ports, "%d/%s", geti(pt, "port"),
                     gets(pt, "protocol") ? gets(pt, "protocol") : "TCP");
    }
    cell_str(pre, ports.len ? ports.data : "<none>");
    sim_buf_fini(&ports);
    struct sim_buf sel = {0};
    json_object *s = get(spec, "selector");
    if (s && json_object_is_type(s, json_type_object)) {
        json_object_object_foreach(s, k, v)
        {
            if (sel.len)
                sim_buf_add(&sel, ",", 1);
            sim_buf_addf(&sel, "%s=%s", k, json_object_get_string(v));
        }
    }
    cell_str_post(post, sel.len ? sel.data : "<none>");
    sim_buf_fini(&sel);
}

/* The Ready condition's field (reason or status) of a custom resource's status, or NULL. */
static const char *ready_field(json_object *o, const char *field)
{
    json_object *conds = get(get(o, "status"), "conditions");
    size_t n =
        conds && json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = gets(c, "type");
        if (t && strcmp(t, "Ready") == 0)
            return gets(c, field);
    }
    return NULL;
}

/* Cells of the External Secrets and Gateway API resources (their CRDs' printer columns). */
static void custom_cells(enum sim_res r, json_object *o, const char *name, struct sim_buf *pre)
{
    json_object *spec = get(o, "spec");
    cell_str(pre, name);
    switch (r) {
    case SIM_RES_EXTERNALSECRETS:
        cell_str(pre, gets(get(spec, "secretStoreRef"), "name"));
        cell_str(pre, gets(spec, "refreshInterval"));
        cell_str(pre, ready_field(o, "reason"));
        cell_str(pre, ready_field(o, "status"));
        break;
    case SIM_RES_CLUSTEREXTERNALSECRETS:
        cell_str(pre, gets(get(get(spec, "externalSecretSpec"), "secretStoreRef"), "name"));
        cell_str(pre, gets(get(spec, "externalSecretSpec"), "refreshInterval"));
        cell_str(pre, ready_field(o, "status"));
        break;
    case SIM_RES_SECRETSTORES:
    case SIM_RES_CLUSTERSECRETSTORES:
        cell_str(pre, ready_field(o, "reason"));
        cell_str(pre, ready_field(o, "status"));
        break;
    case SIM_RES_HTTPROUTES: {
        json_object *h = get(spec, "hostnames");
        size_t n = h && json_object_is_type(h, json_type_array) ? json_object_array_length(h) : 0;
        struct sim_buf hs = {0};
        for (size_t i = 0; i < n; i++) {
            if (i)
                sim_buf_add(&hs, ",", 1);
            const char *v = json_object_get_string(json_object_array_get_idx(h, i));
            sim_buf_adds(&hs, v ? v : "");
        }
        cell_str(pre, hs.data ? hs.data : "");
        sim_buf_fini(&hs);
        break;
    }
    default:
        break;
    }
}

struct sim_obj *sim_json_obj(enum sim_res r, json_object *o, struct error *err)
{
    json_object *meta = get(o, "metadata");
    const char *name = gets(meta, "name");
    if (!meta || !name || !*name) {
        error_set(err, "the object has no metadata.name");
        return NULL;
    }
    const char *ns = sim_res_table[r].namespaced ? gets(meta, "namespace") : "";
    if (!ns)
        ns = "";
    json_object_object_add(o, "kind", json_object_new_string(sim_res_table[r].kind));
    json_object_object_add(o, "apiVersion", json_object_new_string(sim_res_table[r].api_version));
    json_object_object_add(meta, "resourceVersion", json_object_new_string("@RV@"));
    time_t created = parse_time(gets(meta, "creationTimestamp"));

    struct sim_buf labels = {0};
    json_object *lab = get(meta, "labels");
    if (lab && json_object_is_type(lab, json_type_object)) {
        json_object_object_foreach(lab, k, v)
        {
            sim_buf_adds(&labels, k);
            sim_buf_add(&labels, "=", 1);
            sim_buf_adds(&labels, json_object_get_string(v));
            sim_buf_add(&labels, "", 1);
        }
    }
    sim_buf_add(&labels, "", 1);
    sim_buf_add(&labels, "", 1);

    struct sim_buf pre = {0}, post = {0};
    switch (r) {
    case SIM_RES_PODS:
        pod_cells(o, name, &pre, &post);
        break;
    case SIM_RES_NODES:
        node_cells(o, name, &pre, &post);
        break;
    case SIM_RES_NAMESPACES:
        cell_str(&pre, name);
        cell_str(&pre,
                 gets(get(o, "status"), "phase") ? gets(get(o, "status"), "phase") : "Active");
        break;
    case SIM_RES_CONFIGMAPS:
        cell_str(&pre, name);
        int_cell(&pre, count_keys(get(o, "data")) + count_keys(get(o, "binaryData")));
        break;
    case SIM_RES_SECRETS:
        cell_str(&pre, name);
        cell_str(&pre, gets(o, "type") ? gets(o, "type") : "Opaque");
        int_cell(&pre, count_keys(get(o, "data")));
        break;
    case SIM_RES_SERVICES:
        service_cells(o, name, &pre, &post);
        break;
    case SIM_RES_EVENTS:
    case SIM_RES_EVENTS_V1: {
        event_cells(o, r == SIM_RES_EVENTS_V1, &post);
        const char *last = r == SIM_RES_EVENTS ? gets(o, "lastTimestamp") : gets(o, "eventTime");
        if (last && parse_time(last))
            created = parse_time(last);
        break;
    }
    case SIM_RES_DEPLOYMENTS:
    case SIM_RES_STATEFULSETS:
    case SIM_RES_DAEMONSETS:
    case SIM_RES_REPLICASETS:
        workload_cells(r, o, name, &pre, &post);
        break;
    case SIM_RES_LEASES:
        cell_str(&pre, name);
        cell_str(&pre, gets(get(o, "spec"), "holderIdentity")
                           ? gets(get(o, "spec"), "holderIdentity")
                           : "");
        break;
    case SIM_RES_EXTERNALSECRETS:
    case SIM_RES_CLUSTEREXTERNALSECRETS:
    case SIM_RES_SECRETSTORES:
    case SIM_RES_CLUSTERSECRETSTORES:
    case SIM_RES_HTTPROUTES:
        custom_cells(r, o, name, &pre);
        break;
    default:
        cell_str(&pre, name);
        break;
    }
    if (post.len == 0)
        sim_buf_adds(&post, "");
    /* the PartialObjectMetadata: metadata without managedFields */
    json_object *mf = NULL;
    if (get(meta, "managedFields")) {
        mf = json_object_get(get(meta, "managedFields"));
        json_object_object_del(meta, "managedFields");
    }
    struct sim_buf pom = {0};
    sim_buf_adds(&pom, "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
                       "\"metadata\":");
    sim_buf_adds(&pom, json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    sim_buf_add(&pom, "}", 1);
    if (mf)
        json_object_object_add(meta, "managedFields", mf);
    const char *text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    const char *node = r == SIM_RES_PODS ? gets(get(o, "spec"), "nodeName") : NULL;
    struct sim_obj *obj = sim_obj_new(ns, name, created, text, NULL, pom.data, pre.data, post.data,
                                      node, labels.data);
    sim_buf_fini(&pom);
    sim_buf_fini(&pre);
    sim_buf_fini(&post);
    sim_buf_fini(&labels);
    if (!obj)
        error_set(err, "the object's resourceVersion could not be placed");
    return obj;
}

json_object *sim_json_parse_obj(const struct sim_obj *o)
{
    char *text = sim_obj_json(o);
    json_object *j = json_tokener_parse(text);
    free(text);
    return j;
}

void sim_json_merge_patch(json_object **target, json_object *patch)
{
    if (!json_object_is_type(patch, json_type_object)) {
        json_object_put(*target);
        *target = json_object_get(patch);
        return;
    }
    if (!*target || !json_object_is_type(*target, json_type_object)) {
        json_object_put(*target);
        *target = json_object_new_object();
    }
    json_object_object_foreach(patch, k, v)
    {
        if (!v || json_object_is_type(v, json_type_null)) {
            json_object_object_del(*target, k);
            continue;
        }
        json_object *cur = NULL;
        json_object_object_get_ex(*target, k, &cur);
        json_object *next = cur ? json_object_get(cur) : NULL;
        sim_json_merge_patch(&next, v);
        json_object_object_add(*target, k, next);
    }
}

/* Decodes one JSON-pointer token (~1 -> /, ~0 -> ~). */
static void ptr_token(const char *s, size_t n, char *out, size_t outlen)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < outlen; i++) {
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            out[j++] = s[i + 1] == '0' ? '~' : '/';
            i++;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
}

/* Finds the parent of path's last token: *parent and the token in last. */
static int ptr_parent(json_object *root, const char *path, json_object **parent, char *last,
                      size_t lastlen)
{
    if (path[0] != '/')
        return -1;
    json_object *cur = root;
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char tok[256];
        ptr_token(p, n, tok, sizeof tok);
        if (!slash) {
            *parent = cur;
            snprintf(last, lastlen, "%s", tok);
            return 0;
        }
        json_object *next = NULL;
        if (json_object_is_type(cur, json_type_object)) {
            if (!json_object_object_get_ex(cur, tok, &next))
                return -1;
        } else if (json_object_is_type(cur, json_type_array)) {
            char *end;
            long idx = strtol(tok, &end, 10);
            if (*end || idx < 0 || (size_t)idx >= json_object_array_length(cur))
                return -1;
            next = json_object_array_get_idx(cur, (size_t)idx);
        } else {
            return -1;
        }
        cur = next;
        p = slash + 1;
    }
}

static json_object *ptr_get(json_object *root, const char *path)
{
    if (!*path)
        return root;
    json_object *parent;
    char last[256];
    if (ptr_parent(root, path, &parent, last, sizeof last) < 0)
        return NULL;
    json_object *v = NULL;
    if (json_object_is_type(parent, json_type_object)) {
        json_object_object_get_ex(parent, last, &v);
    } else if (json_object_is_type(parent, json_type_array)) {
        char *end;
        long idx = strtol(last, &end, 10);
        if (!*end && idx >= 0 && (size_t)idx < json_object_array_length(parent))
            v = json_object_array_get_idx(parent, (size_t)idx);
    }
    return v;
}

static int ptr_remove(json_object *root, const char *path)
{
    json_object *parent;
    char last[256];
    if (ptr_parent(root, path, &parent, last, sizeof last) < 0)
        return -1;
    if (json_object_is_type(parent, json_type_object)) {
        if (!json_object_object_get_ex(parent, last, NULL))
            return -1;
        json_object_object_del(parent, last);
        return 0;
    }
    if (json_object_is_type(parent, json_type_array)) {
        char *end;
        long idx = strtol(last, &end, 10);
        if (*end || idx < 0 || (size_t)idx >= json_object_array_length(parent))
            return -1;
        return json_object_array_del_idx(parent, (size_t)idx, 1) == 0 ? 0 : -1;
    }
    return -1;
}

/* Adds value (taken) at path; replace requires the target to exist. */
static int ptr_add(json_object *root, const char *path, json_object *value, bool replace)
{
    json_object *parent;
    char last[256];
    if (ptr_parent(root, path, &parent, last, sizeof last) < 0)
        goto bad;
    if (json_object_is_type(parent, json_type_object)) {
        if (replace && !json_object_object_get_ex(parent, last, NULL))
            goto bad;
        json_object_object_add(parent, last, value);
        return 0;
    }
    if (json_object_is_type(parent, json_type_array)) {
        size_t len = json_object_array_length(parent);
        if (strcmp(last, "-") == 0 && !replace)
            return json_object_array_add(parent, value) == 0 ? 0 : -1;
        char *end;
        long idx = strtol(last, &end, 10);
        if (*end || idx < 0 || (size_t)idx > len || (replace && (size_t)idx == len))
            goto bad;
        if (replace)
            return json_object_array_put_idx(parent, (size_t)idx, value) == 0 ? 0 : -1;
        /* insert: shift the tail */
        json_object_array_add(parent, NULL);
        for (size_t i = len; i > (size_t)idx; i--)
            json_object_array_put_idx(parent, i,
                                      json_object_get(json_object_array_get_idx(parent, i - 1)));
        json_object_array_put_idx(parent, (size_t)idx, value);
        return 0;
    }
bad:
    json_object_put(value);
    return -1;
}

static json_object *deep_copy(json_object *v)
{
    json_object *c = NULL;
    if (json_object_deep_copy(v, &c, NULL) != 0)
        return NULL;
    return c;
}

int sim_json_patch(json_object **target, json_object *ops, struct error *err)
{
    if (!json_object_is_type(ops, json_type_array)) {
        error_set(err, "a JSON patch must be an array of operations");
        return -1;
    }
    size_t n = json_object_array_length(ops);
    for (size_t i = 0; i < n; i++) {
        json_object *op = json_object_array_get_idx(ops, i);
        const char *kind = gets(op, "op"), *path = gets(op, "path");
        json_object *value = get(op, "value");
        if (!kind || !path) {
            error_set(err, "operation %zu needs op and path", i);
            return -1;
        }
        int rc = -1;
        if (strcmp(kind, "add") == 0 || strcmp(kind, "replace") == 0) {
            if (!value && !json_object_object_get_ex(op, "value", NULL)) {
                error_set(err, "operation %zu (%s) needs a value", i, kind);
                return -1;
            }
            if (!*path) {
                json_object_put(*target);
                *target = deep_copy(value);
                rc = *target ? 0 : -1;
            } else {
                rc = ptr_add(*target, path, value ? deep_copy(value) : NULL,
                             strcmp(kind, "replace") == 0);
            }
        } else if (strcmp(kind, "remove") == 0) {
            rc = ptr_remove(*target, path);
        } else if (strcmp(kind, "test") == 0) {
            json_object *cur = ptr_get(*target, path);
            rc = cur && value && json_object_equal(cur, value) ? 0 : -1;
            if (rc < 0) {
                error_set(err, "test operation %zu failed at %s", i, path);
                return -1;
            }
        } else if (strcmp(kind, "move") == 0 || strcmp(kind, "copy") == 0) {
            const char *from = gets(op, "from");
            json_object *src = from ? ptr_get(*target, from) : NULL;
            if (src) {
                json_object *c = deep_copy(src);
                if (strcmp(kind, "move") == 0 && ptr_remove(*target, from) < 0) {
                    json_object_put(c);
                } else {
                    rc = ptr_add(*target, path, c, false);
                }
            }
        } else {
            error_set(err, "unknown JSON patch operation \"%s\"", kind);
            return -1;
        }
        if (rc < 0) {
            error_set(err, "%s operation %zu cannot apply at %s", kind, i, path);
            return -1;
        }
    }
    return 0;
}
