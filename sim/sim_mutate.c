/* Changes through the store the API serves (POST /mutate and the scenario's churn): watches see
 * them like any other change. */
#include "sim_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cutover/xalloc.h"
#include "sim_gen.h"
#include "sim_json.h"

static json_object *jget(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, k, &v);
    return v;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v = jget(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A random number from the simulator's shared generator (the churn thread and the admin thread
 * both mutate). */
static uint64_t crand(struct sim_cluster *c)
{
    char uid[40];
    sim_new_uid(c->sim, uid);
    uint64_t v = 1469598103934665603ULL;
    for (const char *p = uid; *p; p++)
        v = (v ^ (unsigned char)*p) * 1099511628211ULL;
    return v;
}

static void stamp(char *out, size_t len, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef int (*edit_fn)(json_object *o, void *ctx, struct error *err);

/* Reads, edits and stores r/ns/name, retrying on conflicts; *rv gets the new version. */
static int modify(struct sim_cluster *c, enum sim_res r, const char *ns, const char *name,
                  edit_fn fn, void *ctx, uint64_t *rv, struct error *err)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        struct sim_obj *cur = sim_store_get(c->store, r, ns, name);
        if (!cur) {
            error_set(err, "%s %s%s%s not found in %s", sim_res_table[r].name, ns ? ns : "",
                      ns && *ns ? "/" : "", name, c->spec->context);
            return -1;
        }
        uint64_t cur_rv = cur->rv;
        json_object *o = sim_json_parse_obj(cur);
        sim_obj_unref(cur);
        if (!o || fn(o, ctx, err) < 0) {
            json_object_put(o);
            return -1;
        }
        struct sim_obj *obj = sim_json_obj(r, o, err);
        json_object_put(o);
        if (!obj)
            return -1;
        struct sim_status st = {0};
        uint64_t *out_rv = &obj->rv;
        (void)out_rv;
        struct sim_obj *keep = sim_obj_ref(obj);
        if (sim_store_update(c->store, r, obj, cur_rv, &st) == 0) {
            if (rv)
                *rv = keep->rv;
            sim_obj_unref(keep);
            return 0;
        }
        sim_obj_unref(keep);
        if (st.code != 409) {
            error_set(err, "%s", st.message);
            return -1;
        }
    }
    error_set(err, "%s/%s keeps changing", sim_res_table[r].name, name);
    return -1;
}

static int edit_restart(json_object *o, void *ctx, struct error *err)
{
    (void)ctx;
    json_object *cs = jget(jget(o, "status"), "containerStatuses");
    if (!cs || !json_object_is_type(cs, json_type_array) || json_object_array_length(cs) == 0) {
        error_set(err, "the pod has no container statuses");
        return -1;
    }
    json_object *c0 = json_object_array_get_idx(cs, 0);
    int n = json_object_get_int(jget(c0, "restartCount")) + 1;
    json_object_object_add(c0, "restartCount", json_object_new_int(n));
    char now[40], before[40];
    time_t t = time(NULL);
    stamp(now, sizeof now, t);
    stamp(before, sizeof before, t - 1);
    json_object *term = json_object_new_object();
    json_object_object_add(term, "exitCode", json_object_new_int(137));
    json_object_object_add(term, "reason", json_object_new_string("Error"));
    json_object_object_add(term, "finishedAt", json_object_new_string(before));
    json_object *last = json_object_new_object();
    json_object_object_add(last, "terminated", term);
    json_object_object_add(c0, "lastState", last);
    json_object *state = jget(c0, "state");
    if (!jget(state, "waiting")) {
        json_object *running = json_object_new_object();
        json_object_object_add(running, "startedAt", json_object_new_string(now));
        json_object *st = json_object_new_object();
        json_object_object_add(st, "running", running);
        json_object_object_add(c0, "state", st);
    }
    return 0;
}

struct ready_ctx {
    bool ready;
};

static int edit_node_ready(json_object *o, void *ctx, struct error *err)
{
    struct ready_ctx *rc = ctx;
    json_object *conds = jget(jget(o, "status"), "conditions");
    size_t n =
        conds && json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    char now[40];
    stamp(now, sizeof now, time(NULL));
    for (size_t i = 0; i < n; i++) {
        json_object *cd = json_object_array_get_idx(conds, i);
        const char *t = jstr(cd, "type");
        if (!t || strcmp(t, "Ready") != 0)
            continue;
        json_object_object_add(cd, "status", json_object_new_string(rc->ready ? "True" : "False"));
        json_object_object_add(
            cd, "reason", json_object_new_string(rc->ready ? "KubeletReady" : "KubeletNotReady"));
        json_object_object_add(cd, "message",
                               json_object_new_string(rc->ready ? "kubelet is posting ready status"
                                                                : "container runtime is down"));
        json_object_object_add(cd, "lastTransitionTime", json_object_new_string(now));
        return 0;
    }
    error_set(err, "the node has no Ready condition");
    return -1;
}

struct label_ctx {
    const char *key;
    const char *value; /* NULL removes */
};

static int edit_label(json_object *o, void *ctx, struct error *err)
{
    (void)err;
    struct label_ctx *lc = ctx;
    json_object *meta = jget(o, "metadata");
    json_object *labels = jget(meta, "labels");
    if (!labels) {
        labels = json_object_new_object();
        json_object_object_add(meta, "labels", labels);
    }
    if (lc->value)
        json_object_object_add(labels, lc->key, json_object_new_string(lc->value));
    else
        json_object_object_del(labels, lc->key);
    return 0;
}

struct scale_ctx {
    int replicas;
    int ready;
};

static int edit_scale(json_object *o, void *ctx, struct error *err)
{
    (void)err;
    struct scale_ctx *sc = ctx;
    json_object_object_add(jget(o, "spec"), "replicas", json_object_new_int(sc->replicas));
    json_object *st = jget(o, "status");
    if (st) {
        json_object_object_add(st, "replicas", json_object_new_int(sc->replicas));
        json_object_object_add(st, "updatedReplicas", json_object_new_int(sc->replicas));
        json_object_object_add(st, "readyReplicas", json_object_new_int(sc->ready));
        json_object_object_add(st, "availableReplicas", json_object_new_int(sc->ready));
        json_object_object_add(st, "fullyLabeledReplicas", json_object_new_int(sc->replicas));
        if (sc->ready < sc->replicas)
            json_object_object_add(st, "unavailableReplicas",
                                   json_object_new_int(sc->replicas - sc->ready));
        else
            json_object_object_del(st, "unavailableReplicas");
    }
    return 0;
}

/* A new pod like tmpl (another name and uid, created now), on node (NULL: tmpl's). */
static int clone_pod(struct sim_cluster *c, const struct sim_obj *tmpl, const char *node,
                     uint64_t *rv, struct error *err)
{
    json_object *o = sim_json_parse_obj(tmpl);
    if (!o) {
        error_set(err, "cannot read the template pod");
        return -1;
    }
    json_object *meta = jget(o, "metadata");
    const char *gen = jstr(meta, "generateName");
    char sfx[8], uid[40], now[40];
    uint64_t seed = crand(c);
    sim_gen_suffix(&seed, sfx, 5);
    sim_new_uid(c->sim, uid);
    stamp(now, sizeof now, time(NULL));
    char *name = xasprintf("%s%s", gen ? gen : tmpl->name, sfx);
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(meta, "uid", json_object_new_string(uid));
    json_object_object_add(meta, "creationTimestamp", json_object_new_string(now));
    if (node)
        json_object_object_add(jget(o, "spec"), "nodeName", json_object_new_string(node));
    json_object *st = jget(o, "status");
    json_object_object_add(st, "startTime", json_object_new_string(now));
    json_object *cs = jget(st, "containerStatuses");
    size_t n = cs && json_object_is_type(cs, json_type_array) ? json_object_array_length(cs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *ci = json_object_array_get_idx(cs, i);
        json_object_object_add(ci, "restartCount", json_object_new_int(0));
        json_object_object_add(ci, "lastState", json_object_new_object());
    }
    free(name);
    struct sim_obj *obj = sim_json_obj(SIM_RES_PODS, o, err);
    json_object_put(o);
    if (!obj)
        return -1;
    struct sim_obj *keep = sim_obj_ref(obj);
    struct sim_status sst = {0};
    int rc = sim_store_create(c->store, SIM_RES_PODS, obj, &sst);
    if (rc == 0 && rv)
        *rv = keep->rv;
    if (rc < 0)
        error_set(err, "%s", sst.message);
    sim_obj_unref(keep);
    return rc;
}

static int op_scale(struct sim_cluster *c, json_object *req, uint64_t *rv, struct error *err)
{
    const char *ns = jstr(req, "namespace"), *name = jstr(req, "name");
    json_object *rj = jget(req, "replicas");
    if (!ns || !name || !rj || !json_object_is_type(rj, json_type_int) ||
        json_object_get_int(rj) < 0 || json_object_get_int(rj) > 100000) {
        error_set(err, "scale needs namespace, name and replicas (0-100000)");
        return -1;
    }
    int want = json_object_get_int(rj);
    const char *kind = jstr(req, "kind");
    enum sim_res r = SIM_RES_DEPLOYMENTS;
    if (kind && strcmp(kind, "StatefulSet") == 0)
        r = SIM_RES_STATEFULSETS;
    else if (kind && strcmp(kind, "Deployment") != 0) {
        error_set(err, "scale: kind must be Deployment or StatefulSet");
        return -1;
    }
    struct sim_filter f = {0};
    char sel[300];
    snprintf(sel, sizeof sel, "app=%s", name);
    sim_filter_parse(sel, NULL, &f, NULL);
    struct sim_page page;
    if (sim_store_list(c->store, SIM_RES_PODS, ns, &f, 0, NULL, &page, NULL) < 0)
        return -1;
    int have = (int)page.n, rc = 0;
    int ready_now = 0;
    for (size_t i = 0; i < page.n; i++)
        ready_now += strstr(page.items[i]->cells_pre, "\"0/") == NULL;
    if (want > have) {
        if (have == 0) {
            error_set(err, "scale: %s/%s has no pod to copy", ns, name);
            sim_page_fini(&page);
            return -1;
        }
        for (int i = have; i < want && rc == 0; i++) {
            struct sim_obj *node = sim_store_pick(c->store, SIM_RES_NODES, (size_t)crand(c));
            rc = clone_pod(c, page.items[(size_t)i % page.n], node ? node->name : NULL, rv, err);
            sim_obj_unref(node);
        }
        ready_now += want - have;
    } else {
        for (int i = have - 1; i >= want && rc == 0; i--) {
            struct sim_status st = {0};
            if (strstr(page.items[i]->cells_pre, "\"0/") == NULL)
                ready_now--;
            rc = sim_store_delete(c->store, SIM_RES_PODS, ns, page.items[i]->name, 0, NULL, &st);
            if (rc < 0)
                error_set(err, "%s", st.message);
        }
    }
    sim_page_fini(&page);
    if (rc < 0)
        return -1;
    struct scale_ctx sc = {.replicas = want, .ready = ready_now < 0 ? 0 : ready_now};
    if (modify(c, r, ns, name, edit_scale, &sc, rv, err) < 0)
        return -1;
    if (r == SIM_RES_DEPLOYMENTS) {
        /* the ReplicaSet follows */
        struct sim_page rs;
        char rsel[300];
        snprintf(rsel, sizeof rsel, "app=%s", name);
        struct sim_filter rf;
        sim_filter_parse(rsel, NULL, &rf, NULL);
        if (sim_store_list(c->store, SIM_RES_REPLICASETS, ns, &rf, 0, NULL, &rs, NULL) == 0) {
            for (size_t i = 0; i < rs.n; i++)
                modify(c, SIM_RES_REPLICASETS, ns, rs.items[i]->name, edit_scale, &sc, rv, NULL);
            sim_page_fini(&rs);
        }
    }
    return 0;
}

static int op_add_event(struct sim_cluster *c, json_object *req, uint64_t *rv, struct error *err)
{
    const char *ns = jstr(req, "namespace"), *reason = jstr(req, "reason");
    const char *object = jstr(req, "object"), *type = jstr(req, "type");
    const char *message = jstr(req, "message");
    if (!ns || !reason || !object || !strchr(object, '/')) {
        error_set(err, "add-event needs namespace, reason and object (Kind/name)");
        return -1;
    }
    if (!type)
        type = "Normal";
    if (strcmp(type, "Normal") != 0 && strcmp(type, "Warning") != 0) {
        error_set(err, "add-event: type must be Normal or Warning");
        return -1;
    }
    const char *slash = strchr(object, '/');
    char kind[64], sfx[12], uid[40], now[40];
    snprintf(kind, sizeof kind, "%.*s", (int)(slash - object), object);
    uint64_t seed = crand(c);
    sim_gen_suffix(&seed, sfx, 10);
    stamp(now, sizeof now, time(NULL));
    char *ename = xasprintf("%s.%s", slash + 1, sfx);
    for (int v1 = 0; v1 < 2; v1++) {
        sim_new_uid(c->sim, uid);
        json_object *o = json_object_new_object();
        json_object *meta = json_object_new_object();
        json_object_object_add(meta, "name", json_object_new_string(ename));
        json_object_object_add(meta, "namespace", json_object_new_string(ns));
        json_object_object_add(meta, "uid", json_object_new_string(uid));
        json_object_object_add(meta, "creationTimestamp", json_object_new_string(now));
        json_object_object_add(o, "metadata", meta);
        json_object *inv = json_object_new_object();
        json_object_object_add(inv, "kind", json_object_new_string(kind));
        json_object_object_add(inv, "namespace", json_object_new_string(ns));
        json_object_object_add(inv, "name", json_object_new_string(slash + 1));
        json_object_object_add(o, v1 ? "regarding" : "involvedObject", inv);
        json_object_object_add(o, "reason", json_object_new_string(reason));
        json_object_object_add(o, v1 ? "note" : "message",
                               json_object_new_string(message ? message : reason));
        json_object_object_add(o, "type", json_object_new_string(type));
        if (v1) {
            json_object_object_add(o, "reportingController", json_object_new_string("cutover-sim"));
            json_object_object_add(o, "deprecatedLastTimestamp", json_object_new_string(now));
            json_object_object_add(o, "deprecatedCount", json_object_new_int(1));
        } else {
            json_object_object_add(o, "firstTimestamp", json_object_new_string(now));
            json_object_object_add(o, "lastTimestamp", json_object_new_string(now));
            json_object_object_add(o, "count", json_object_new_int(1));
        }
        enum sim_res r = v1 ? SIM_RES_EVENTS_V1 : SIM_RES_EVENTS;
        struct sim_obj *obj = sim_json_obj(r, o, err);
        json_object_put(o);
        if (!obj) {
            free(ename);
            return -1;
        }
        struct sim_obj *keep = sim_obj_ref(obj);
        struct sim_status st = {0};
        int rc = sim_store_create(c->store, r, obj, &st);
        if (rc == 0 && !v1)
            *rv = keep->rv;
        sim_obj_unref(keep);
        if (rc < 0) {
            error_set(err, "%s", st.message);
            free(ename);
            return -1;
        }
    }
    free(ename);
    return 0;
}

static int resource_by_name(const char *s)
{
    if (!s)
        return SIM_RES_NODES;
    for (int i = 0; i < SIM_RES_COUNT; i++) {
        const struct sim_res_info *ri = &sim_res_table[i];
        if (strcmp(s, ri->name) == 0 || strcmp(s, ri->kind) == 0 || strcmp(s, ri->singular) == 0)
            return i;
    }
    return -1;
}

int sim_mutate_apply(struct sim *sim, const char *json, char **result, struct error *err)
{
    json_object *req = json_tokener_parse(json ? json : "");
    int rc = -1;
    uint64_t rv = 0;
    if (!req || !json_object_is_type(req, json_type_object)) {
        error_set(err, "a mutation must be a JSON object");
        goto out;
    }
    const char *ctx = jstr(req, "cluster"), *op = jstr(req, "op");
    struct sim_cluster *c = sim_cluster_find(sim, ctx);
    if (!c) {
        error_set(err, "unknown cluster \"%s\"", ctx ? ctx : "(none)");
        goto out;
    }
    if (!op) {
        error_set(err, "a mutation needs an op");
        goto out;
    }
    const char *ns = jstr(req, "namespace"), *name = jstr(req, "name");
    if (strcmp(op, "restart-pod") == 0) {
        if (!ns || !name) {
            error_set(err, "restart-pod needs namespace and name");
            goto out;
        }
        rc = modify(c, SIM_RES_PODS, ns, name, edit_restart, NULL, &rv, err);
    } else if (strcmp(op, "delete-pod") == 0) {
        if (!ns || !name) {
            error_set(err, "delete-pod needs namespace and name");
            goto out;
        }
        struct sim_status st = {0};
        struct sim_obj *old = NULL;
        rc = sim_store_delete(c->store, SIM_RES_PODS, ns, name, 0, &old, &st);
        if (rc < 0)
            error_set(err, "%s", st.message);
        else
            rv = old->rv;
        json_object *rep = jget(req, "replace");
        if (rc == 0 && rep && json_object_get_boolean(rep))
            rc = clone_pod(c, old, NULL, &rv, err);
        sim_obj_unref(old);
    } else if (strcmp(op, "scale") == 0) {
        rc = op_scale(c, req, &rv, err);
    } else if (strcmp(op, "node-ready") == 0) {
        json_object *rj = jget(req, "ready");
        if (!name || !rj || !json_object_is_type(rj, json_type_boolean)) {
            error_set(err, "node-ready needs name and ready (true/false)");
            goto out;
        }
        struct ready_ctx rcx = {.ready = json_object_get_boolean(rj)};
        rc = modify(c, SIM_RES_NODES, "", name, edit_node_ready, &rcx, &rv, err);
    } else if (strcmp(op, "set-label") == 0) {
        int r = resource_by_name(jstr(req, "resource"));
        const char *key = jstr(req, "key");
        json_object *vj = jget(req, "value");
        if (r < 0 || !name || !key || (vj && !json_object_is_type(vj, json_type_string))) {
            error_set(err, "set-label needs name, key, value (string or null) and a known "
                           "resource (default nodes)");
            goto out;
        }
        struct label_ctx lc = {.key = key, .value = vj ? json_object_get_string(vj) : NULL};
        rc = modify(c, (enum sim_res)r, sim_res_table[r].namespaced ? (ns ? ns : "default") : "",
                    name, edit_label, &lc, &rv, err);
    } else if (strcmp(op, "add-event") == 0) {
        rc = op_add_event(c, req, &rv, err);
    } else {
        error_set(err,
                  "unknown op \"%s\" (restart-pod, delete-pod, scale, node-ready, set-label, "
                  "add-event)",
                  op);
    }
out:
    json_object_put(req);
    if (rc == 0 && result)
        *result = xasprintf("{\"resourceVersion\":\"%llu\"}", (unsigned long long)rv);
    return rc;
}

void sim_churn_step(struct sim_cluster *c, double dt, double *acc_restart, double *acc_rollout)
{
    const struct sim_cluster_spec *s = c->spec;
    *acc_restart += s->restarts_per_sec * dt;
    while (*acc_restart >= 1.0) {
        *acc_restart -= 1.0;
        /* crash-looping pods are the ones that restart; any pod when there are none */
        struct sim_obj *p = NULL;
        for (int tries = 0; tries < 64; tries++) {
            struct sim_obj *q = sim_store_pick(c->store, SIM_RES_PODS, (size_t)crand(c));
            if (!q)
                break;
            if (!p || strstr(q->cells_pre, "CrashLoopBackOff")) {
                sim_obj_unref(p);
                p = q;
                if (strstr(q->cells_pre, "CrashLoopBackOff"))
                    break;
            } else {
                sim_obj_unref(q);
            }
        }
        if (p) {
            modify(c, SIM_RES_PODS, p->ns, p->name, edit_restart, NULL, NULL, NULL);
            sim_obj_unref(p);
        }
    }
    if (s->rollout_every_sec > 0) {
        *acc_rollout += dt;
        if (*acc_rollout >= s->rollout_every_sec) {
            *acc_rollout = 0;
            /* a rollout step: one pod replaced by a new one */
            struct sim_obj *p = sim_store_pick(c->store, SIM_RES_PODS, (size_t)crand(c));
            if (p) {
                struct sim_obj *old = NULL;
                if (sim_store_delete(c->store, SIM_RES_PODS, p->ns, p->name, 0, &old, NULL) == 0) {
                    clone_pod(c, old, NULL, NULL, NULL);
                    sim_obj_unref(old);
                }
                sim_obj_unref(p);
            }
        }
    }
}
