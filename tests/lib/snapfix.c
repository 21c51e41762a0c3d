/* Synthetic model_cluster snapshots for tests (see snapfix.h). */
#include "snapfix.h"

#include "cutover/xalloc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(struct model_cluster *c, enum model_res res, const struct model_obj *obj)
{
    struct model_list *l = &c->lists[res];
    l->items = xreallocarray((void *)l->items, l->n + 1, sizeof *l->items);
    l->items[l->n++] = obj;
}

struct model_cluster *snapfix_new(const char *context, const char *version, int64_t now)
{
    struct model_cluster *c = model_cluster_new(context);
    char *server = xasprintf("https://%s.snapfix.invalid", context ? context : "cluster");
    model_set_str(&c->server, server);
    free(server);
    model_set_str(&c->user, "snapfix");
    model_set_str(&c->auth_kind, "token");
    model_set_str(&c->version, version);
    if (version) {
        int major = -1, minor = -1;
        if (sscanf(version, "v%d.%d", &major, &minor) == 2) {
            c->ver_major = major;
            c->ver_minor = minor;
        }
    }
    c->api_latency_ms = 4.0;
    c->generation = 1;
    c->taken.tv_sec = (time_t)now;
    for (int i = 0; i < MODEL_RES_COUNT; i++) {
        c->fresh[i].enabled = true;
        c->fresh[i].synced = true;
        c->fresh[i].last_ok.tv_sec = (time_t)now;
    }
    return c;
}

void snapfix_unsync(struct model_cluster *c, enum model_res res)
{
    c->fresh[res].synced = false;
    c->fresh[res].last_ok.tv_sec = 0;
    c->fresh[res].last_ok.tv_nsec = 0;
}

void snapfix_fail(struct model_cluster *c, enum model_res res, const char *msg, int64_t at)
{
    model_set_str(&c->fresh[res].last_error, msg);
    c->fresh[res].last_err.tv_sec = (time_t)at;
    c->fresh[res].last_err.tv_nsec = 0;
}

struct model_node *snapfix_node(struct model_cluster *c, const char *name, const char *zone,
                                enum model_node_role role, bool ready, bool schedulable)
{
    static const size_t offs[] = {
        offsetof(struct model_node, obj.name),      offsetof(struct model_node, obj.uid),
        offsetof(struct model_node, zone),          offsetof(struct model_node, region),
        offsetof(struct model_node, instance_type), offsetof(struct model_node, kubelet_version),
    };
    char uid[64];
    snprintf(uid, sizeof uid, "node-%zu", c->lists[MODEL_RES_NODES].n);
    const char *strs[] = {name, uid, zone, "us-east-1", "m5.large", c->version};
    struct model_node *n =
        model_row_pack(MODEL_RES_NODES, sizeof *n, sizeof offs / sizeof offs[0], offs, strs);
    n->role = (uint8_t)role;
    n->ready = ready ? MODEL_TRUE : MODEL_FALSE;
    n->schedulable = schedulable ? MODEL_TRUE : MODEL_FALSE;
    n->obj.created = 1;
    append(c, MODEL_RES_NODES, &n->obj);
    return n;
}

void snapfix_nodes(struct model_cluster *c, const char *prefix, const char *zone,
                   enum model_node_role role, int n)
{
    for (int i = 0; i < n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s-%s-%d", prefix, zone ? zone : "nozone", i);
        snapfix_node(c, name, zone, role, true, true);
    }
}

static struct model_workload *workload_row(struct model_cluster *c, enum model_res res,
                                           const char *ns, const char *name, const char *okind,
                                           const char *oname, int32_t desired, int32_t ready,
                                           const char *images)
{
    static const size_t offs[] = {
        offsetof(struct model_workload, obj.ns),     offsetof(struct model_workload, obj.name),
        offsetof(struct model_workload, obj.uid),    offsetof(struct model_workload, images),
        offsetof(struct model_workload, owner_kind), offsetof(struct model_workload, owner_name),
    };
    char uid[64];
    snprintf(uid, sizeof uid, "%s-%zu", model_res_name(res), c->lists[res].n);
    const char *strs[] = {ns, name, uid, images, okind, oname};
    struct model_workload *w =
        model_row_pack(res, sizeof *w, sizeof offs / sizeof offs[0], offs, strs);
    w->desired = desired;
    w->ready = ready;
    w->updated = ready;
    w->available = ready;
    w->obj.created = 1;
    append(c, res, &w->obj);
    return w;
}

struct model_workload *snapfix_workload(struct model_cluster *c, enum model_res res, const char *ns,
                                        const char *name, int32_t desired, int32_t ready,
                                        const char *images)
{
    return workload_row(c, res, ns, name, NULL, NULL, desired, ready, images);
}

struct model_workload *snapfix_replicaset(struct model_cluster *c, const char *ns, const char *name,
                                          const char *deployment, int32_t desired, int32_t ready,
                                          const char *images)
{
    return workload_row(c, MODEL_RES_REPLICASETS, ns, name, deployment ? "Deployment" : NULL,
                        deployment, desired, ready, images);
}

struct model_pod *snapfix_pod(struct model_cluster *c, const char *ns, const char *name,
                              const char *owner_kind, const char *owner_name, const char *node,
                              bool ready, int32_t restarts, const char *waiting, const char *images)
{
    static const size_t offs[] = {
        offsetof(struct model_pod, obj.ns),     offsetof(struct model_pod, obj.name),
        offsetof(struct model_pod, obj.uid),    offsetof(struct model_pod, phase),
        offsetof(struct model_pod, node),       offsetof(struct model_pod, owner_kind),
        offsetof(struct model_pod, owner_name), offsetof(struct model_pod, waiting_reason),
        offsetof(struct model_pod, images),
    };
    char uid[64];
    snprintf(uid, sizeof uid, "pod-%zu", c->lists[MODEL_RES_PODS].n);
    const char *strs[] = {ns, name, uid, "Running", node, owner_kind, owner_name, waiting, images};
    struct model_pod *p =
        model_row_pack(MODEL_RES_PODS, sizeof *p, sizeof offs / sizeof offs[0], offs, strs);
    int containers = 1;
    for (const char *s = images; s && *s; s++)
        if (*s == ',')
            containers++;
    p->containers = containers;
    p->containers_ready = ready ? containers : 0;
    p->restarts = restarts;
    p->ready = ready ? MODEL_TRUE : MODEL_FALSE;
    p->obj.created = 1;
    append(c, MODEL_RES_PODS, &p->obj);
    return p;
}

struct model_workload *snapfix_app(struct model_cluster *c, enum model_res res, const char *ns,
                                   const char *name, int32_t desired, int32_t ready,
                                   const char *images, int32_t restarts, const char *waiting)
{
    struct model_workload *w = snapfix_workload(c, res, ns, name, desired, ready, images);
    char owner[256];
    const char *okind = model_res_kind(res);
    snprintf(owner, sizeof owner, "%s", name);
    if (res == MODEL_RES_DEPLOYMENTS) {
        snprintf(owner, sizeof owner, "%s-5d8f7c9b6", name);
        snapfix_replicaset(c, ns, owner, name, desired, ready, images);
        okind = "ReplicaSet";
    }
    int32_t n = desired > 0 ? desired : 0;
    for (int32_t i = 0; i < n; i++) {
        char pname[300];
        if (res == MODEL_RES_STATEFULSETS)
            snprintf(pname, sizeof pname, "%s-%d", name, (int)i);
        else
            snprintf(pname, sizeof pname, "%s-x%04d", owner, (int)i);
        int32_t r = restarts / n + (i < restarts % n ? 1 : 0);
        bool is_ready = i < ready;
        snapfix_pod(c, ns, pname, okind, owner, NULL, is_ready, r, is_ready ? NULL : waiting,
                    images);
    }
    return w;
}

struct model_event *snapfix_event(struct model_cluster *c, const char *ns, const char *type,
                                  const char *reason, const char *message,
                                  const char *involved_kind, const char *involved_name,
                                  int64_t last_seen)
{
    static const size_t offs[] = {
        offsetof(struct model_event, obj.ns),        offsetof(struct model_event, obj.name),
        offsetof(struct model_event, obj.uid),       offsetof(struct model_event, type),
        offsetof(struct model_event, reason),        offsetof(struct model_event, message),
        offsetof(struct model_event, involved_kind), offsetof(struct model_event, involved_ns),
        offsetof(struct model_event, involved_name),
    };
    char name[300], uid[64];
    snprintf(name, sizeof name, "%s.%zu", involved_name ? involved_name : "event",
             c->lists[MODEL_RES_EVENTS].n);
    snprintf(uid, sizeof uid, "event-%zu", c->lists[MODEL_RES_EVENTS].n);
    const char *strs[] = {ns, name, uid, type, reason, message, involved_kind, ns, involved_name};
    struct model_event *e =
        model_row_pack(MODEL_RES_EVENTS, sizeof *e, sizeof offs / sizeof offs[0], offs, strs);
    e->count = 1;
    e->last_seen = last_seen;
    e->obj.created = last_seen;
    append(c, MODEL_RES_EVENTS, &e->obj);
    return e;
}
