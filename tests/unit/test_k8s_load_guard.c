/* The correctness guard of the fast LIST path: a generated cluster (plus a pod and a node whose
 * strings carry quotes, backslashes, newlines, control characters, raw UTF-8 and brackets inside
 * strings, in fields read and in fields the decoder skips) is listed through k8s_informer_list
 * (LIST bodies gathered into large pieces, json_scan, k8s_decode_json skipping what the model
 * never reads) and every row is compared, field by field, with what the simulator served: the
 * same objects fetched in one unpaged LIST and read with json-c by an independent oracle here. */

#include "../lib/informer_sim.h"

#include "cutover/k8s_informer.h"
#include "cutover/k8s_decode.h"
#include "cutover/model.h"
#include "cutover/quantity.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GUARD_PODS 600 /* 599 generated and one posted */
#define GUARD_NODES 50

static const char SCENARIO[] =
    "source: guard-source\n"
    "target: guard-target\n"
    "clusters:\n"
    "  - name: guard-source\n"
    "    context: guard-source\n"
    "    version: v1.29.10\n"
    "    platform: self-managed\n"
    "    region: us-east-1\n"
    "    nodes:\n"
    "      - {role: control-plane, zone: us-east-1a, count: 3, instance_type: m5.xlarge}\n"
    "    size:\n"
    "      nodes: 57\n"
    "      pods: 599\n"
    "      namespaces: 7\n"
    "      pods_per_workload: 10\n"
    "      containers_per_pod: 2\n"
    "      images_per_node: 50\n"
    "      zones: [us-east-1a, us-east-1b, us-east-1c]\n"
    "  - name: guard-target\n"
    "    context: guard-target\n"
    "    version: v1.29.10\n"
    "    platform: eks\n"
    "    region: us-east-1\n"
    "    nodes:\n"
    "      - {role: worker, zone: us-east-1a, count: 1, instance_type: m5.xlarge}\n";

/* Strings with everything JSON escapes, and raw UTF-8 (json-c writes it unescaped). */
#define NASTY_REASON "Crash\"Loop\\Back\n\x01Off \xe2\x98\x83 \xc3\xa9t\xc3\xa9 ]}"
#define NASTY_IMAGE "reg.example/\xc3\xbc/img:1\"q\\/x"
#define NASTY_OWNER                                                                                \
    "rs-\xc3\xbcn\xc3\xaf\"c\xc3\xb6"                                                              \
    "d\xc3\xa9/\xe2\x98\x83"
#define NASTY_NODE "node-\\/x\t\xf0\x9f\x98\x80"
#define NASTY_ZONE "us-east-1\"a \xe2\x98\x83"
#define NASTY_KUBELET "v1.29\t\xc3\xa9\\"

struct fx {
    struct sim *sim;
    struct kube_context ctx;
    struct k8s_http *http;
};

static int group_setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    struct sim_opts opts = {.scenario_yaml = SCENARIO, .no_churn = true};
    struct error err;
    error_clear(&err);
    if (sim_start(&opts, &f->sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    informer_sim_context(f->sim, 0, &f->ctx);
    f->http = informer_http(&f->ctx, false);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;
    k8s_http_free(f->http);
    kube_context_fini(&f->ctx);
    sim_stop(f->sim);
    free(f);
    return 0;
}

/* ---- objects with hard strings ------------------------------------------------------------ */

static json_object *jstr(const char *s)
{
    return json_object_new_string(s);
}

static void post(struct fx *f, const char *path, json_object *o)
{
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    const char *body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    if (informer_request(f->http, "POST", path, body, &resp, &err) != 0)
        fail_msg("POST %s: %ld %s", path, resp.status, err.msg);
    json_object_put(o);
}

static json_object *container(const char *name, const char *image)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "name", jstr(name));
    if (image)
        json_object_object_add(c, "image", jstr(image));
    /* skipped by the decoder: brackets and quotes inside its strings must not confuse the skip */
    json_object *env = json_object_new_array();
    json_object *e = json_object_new_object();
    json_object_object_add(e, "name", jstr("E"));
    json_object_object_add(e, "value", jstr("}]\\\"{[ \xe2\x98\x83"));
    json_object_array_add(env, e);
    json_object_object_add(c, "env", env);
    return c;
}

/* A resources object; NULL values are left out. Its claims hold brackets in strings, which the
 * decoder skips. */
static json_object *resources(const char *cpu_req, const char *cpu_lim, const char *mem_req,
                              const char *mem_lim)
{
    json_object *r = json_object_new_object(), *req = json_object_new_object(),
                *lim = json_object_new_object();
    if (cpu_req)
        json_object_object_add(req, "cpu", jstr(cpu_req));
    if (mem_req)
        json_object_object_add(req, "memory", jstr(mem_req));
    if (cpu_lim)
        json_object_object_add(lim, "cpu", jstr(cpu_lim));
    if (mem_lim)
        json_object_object_add(lim, "memory", jstr(mem_lim));
    json_object *claims = json_object_new_array(), *claim = json_object_new_object();
    json_object_object_add(claim, "name", jstr("]}\"{["));
    json_object_array_add(claims, claim);
    json_object_object_add(r, "claims", claims);
    json_object_object_add(r, "requests", req);
    json_object_object_add(r, "limits", lim);
    return r;
}

static json_object *status_of(const char *name, bool ready, int restarts, const char *waiting)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "name", jstr(name));
    json_object_object_add(s, "ready", json_object_new_boolean(ready));
    json_object_object_add(s, "restartCount", json_object_new_int(restarts));
    json_object *state = json_object_new_object(), *inner = json_object_new_object();
    if (waiting) {
        json_object_object_add(inner, "reason", jstr(waiting));
        json_object_object_add(state, "waiting", inner);
    } else {
        json_object_object_add(state, "running", inner);
    }
    json_object_object_add(s, "state", state);
    json_object *last = json_object_new_object(), *term = json_object_new_object();
    json_object_object_add(term, "reason", jstr("x]}\"{"));
    json_object_object_add(last, "terminated", term);
    json_object_object_add(s, "lastState", last);
    return s;
}

static void post_nasty_pod(struct fx *f, const char *ns)
{
    json_object *pod = json_object_new_object();
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", jstr("guard-escapes"));
    json_object *ann = json_object_new_object();
    json_object_object_add(ann, "note", jstr("{\"nested\":[1,2,{\"a\":\"]\"}]} \xe2\x98\x83"));
    json_object_object_add(meta, "annotations", ann);
    json_object *refs = json_object_new_array(), *ref = json_object_new_object();
    json_object_object_add(ref, "apiVersion", jstr("apps/v1"));
    json_object_object_add(ref, "kind", jstr("ReplicaSet"));
    json_object_object_add(ref, "name", jstr(NASTY_OWNER));
    json_object_object_add(ref, "uid", jstr("0000-guard"));
    json_object_object_add(ref, "controller", json_object_new_boolean(1));
    json_object_array_add(refs, ref);
    json_object_object_add(meta, "ownerReferences", refs);
    json_object_object_add(pod, "metadata", meta);

    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "nodeName", jstr(NASTY_NODE));
    json_object *cs = json_object_new_array();
    json_object *ca = container("a", NASTY_IMAGE), *cb = container("b", "img-\x01-b");
    json_object_object_add(ca, "resources", resources("250m", "0.5", "128Mi", NULL));
    json_object_object_add(cb, "resources", resources("1.5", NULL, "1Gi", "2Gi"));
    json_object_array_add(cs, ca);
    json_object_array_add(cs, cb);
    json_object_object_add(spec, "containers", cs);
    json_object *ics = json_object_new_array();
    json_object *sidecar = container("proxy", "envoy"), *init = container("migrate", "m");
    json_object_object_add(sidecar, "restartPolicy", jstr("Always"));
    json_object_object_add(sidecar, "resources", resources("100m", "1", "64Mi", "64Mi"));
    json_object_object_add(init, "resources", resources("3", "3", "16Mi", NULL));
    json_object_array_add(ics, sidecar);
    json_object_array_add(ics, init);
    json_object_object_add(spec, "initContainers", ics);
    json_object_object_add(pod, "spec", spec);

    json_object *status = json_object_new_object();
    json_object_object_add(status, "phase", jstr("Running"));
    json_object *conds = json_object_new_array(), *c = json_object_new_object();
    json_object_object_add(c, "type", jstr("Ready"));
    json_object_object_add(c, "status", jstr("False"));
    json_object_array_add(conds, c);
    json_object_object_add(status, "conditions", conds);
    json_object *sts = json_object_new_array();
    json_object_array_add(sts, status_of("a", true, 3, NASTY_REASON));
    json_object_array_add(sts, status_of("b", false, 2, NULL));
    json_object_object_add(status, "containerStatuses", sts);
    json_object_object_add(pod, "status", status);

    char path[256];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", ns);
    post(f, path, pod);
}

static void post_nasty_node(struct fx *f)
{
    json_object *node = json_object_new_object();
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", jstr("guard-node"));
    json_object *labels = json_object_new_object();
    json_object_object_add(labels, "topology.kubernetes.io/zone", jstr(NASTY_ZONE));
    /* only the legacy region label: the fallback */
    json_object_object_add(labels, "failure-domain.beta.kubernetes.io/region", jstr("r\\1"));
    json_object_object_add(labels, "node-role.kubernetes.io/master", jstr(""));
    json_object_object_add(meta, "labels", labels);
    json_object_object_add(node, "metadata", meta);
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "unschedulable", json_object_new_boolean(1));
    json_object_object_add(node, "spec", spec);
    json_object *status = json_object_new_object();
    json_object *info = json_object_new_object();
    json_object_object_add(info, "kubeletVersion", jstr(NASTY_KUBELET));
    json_object_object_add(status, "nodeInfo", info);
    json_object *conds = json_object_new_array(), *c = json_object_new_object();
    json_object_object_add(c, "type", jstr("Ready"));
    json_object_object_add(c, "status", jstr("True"));
    json_object_array_add(conds, c);
    json_object_object_add(status, "conditions", conds);
    json_object *images = json_object_new_array(), *img = json_object_new_object();
    json_object *names = json_object_new_array();
    json_object_array_add(names, jstr("a]\"}{[\\"));
    json_object_object_add(img, "names", names);
    json_object_object_add(img, "sizeBytes", json_object_new_int64(1));
    json_object_array_add(images, img);
    json_object_object_add(status, "images", images);
    json_object_object_add(node, "status", status);
    post(f, "/api/v1/nodes", node);
}

/* ---- what the server serves, read by json-c ------------------------------------------------ */

struct body {
    char *p;
    size_t len;
};

static int on_body(void *arg, const char *buf, size_t len)
{
    struct body *b = arg;
    b->p = xrealloc(b->p, b->len + len + 1);
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

/* One unpaged LIST of path as served (its text in *text, the caller frees), parsed by json-c. */
static json_object *served(struct fx *f, const char *path, char **text)
{
    struct k8s_http_conn *c = k8s_http_conn_new(f->http, NULL, NULL);
    struct body b = {0};
    struct k8s_http_req req = {.path = path, .on_body = on_body, .arg = &b, .low_speed_s = 30};
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    if (k8s_http_do(c, &req, &resp, &err) != 0)
        fail_msg("GET %s: %s", path, err.msg);
    k8s_http_conn_free(c);
    struct json_tokener *tok = json_tokener_new_ex(64);
    json_object *o = json_tokener_parse_ex(tok, b.p, (int)b.len);
    assert_non_null(o);
    json_tokener_free(tok);
    *text = b.p;
    return o;
}

static json_object *at(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v))
        return v;
    return NULL;
}

static const char *str_at(json_object *o, const char *key)
{
    json_object *v = at(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static json_object *arr_at(json_object *o, const char *key)
{
    json_object *v = at(o, key);
    return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

static uint8_t cond(json_object *status, const char *type)
{
    json_object *conds = arr_at(status, "conditions");
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = str_at(c, "type");
        if (t == NULL || strcmp(t, type) != 0)
            continue;
        const char *s = str_at(c, "status");
        return s && strcmp(s, "True") == 0    ? MODEL_TRUE
               : s && strcmp(s, "False") == 0 ? MODEL_FALSE
                                              : MODEL_UNKNOWN;
    }
    return MODEL_UNKNOWN;
}

static void check_str(const char *what, const char *key, const char *want, const char *got)
{
    if (want == NULL && got == NULL)
        return;
    if (want == NULL || got == NULL || strcmp(want, got) != 0)
        fail_msg("%s: %s: served \"%s\", model \"%s\"", key, what, want ? want : "(none)",
                 got ? got : "(none)");
}

static void check_int(const char *what, const char *key, long long want, long long got)
{
    if (want != got)
        fail_msg("%s: %s: served %lld, model %lld", key, what, want, got);
}

static void check_meta(const char *key, json_object *item, const struct model_obj *row)
{
    json_object *m = at(item, "metadata");
    check_str("namespace", key, str_at(m, "namespace"), row->ns);
    check_str("name", key, str_at(m, "name"), row->name);
    check_str("uid", key, str_at(m, "uid"), row->uid);
    const char *ts = str_at(m, "creationTimestamp");
    check_int("creationTimestamp", key, ts ? k8s_parse_time(ts) : 0, row->created);
}

static const char *first_waiting(json_object *statuses, const char *skip)
{
    for (size_t i = 0; statuses && i < json_object_array_length(statuses); i++) {
        const char *r =
            str_at(at(at(json_object_array_get_idx(statuses, i), "state"), "waiting"), "reason");
        if (r && r[0] && !(skip && strcmp(r, skip) == 0))
            return r;
    }
    return NULL;
}

/* One quantity of a container as the test reads it: -1 absent. */
static long long res_of(json_object *c, const char *which, const char *name, int scale10)
{
    const char *text = str_at(at(at(c, "resources"), which), name);
    if (text == NULL)
        return -1;
    int64_t v;
    struct error err = {0};
    if (quantity_parse(text, strlen(text), scale10, &v, &err) < 0)
        fail_msg("the simulator served %s: %s", text, err.msg);
    return v;
}

/* The effective pod value by the Kubernetes rule, computed here from the served JSON. */
static long long pod_res(json_object *spec, const char *which, const char *name, int scale10)
{
    long long sum = -1, side = -1, init = -1;
    json_object *cs = arr_at(spec, "containers"), *ics = arr_at(spec, "initContainers");
    for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
        long long v = res_of(json_object_array_get_idx(cs, i), which, name, scale10);
        if (v >= 0)
            sum = (sum < 0 ? 0 : sum) + v;
    }
    for (size_t i = 0; ics && i < json_object_array_length(ics); i++) {
        json_object *c = json_object_array_get_idx(ics, i);
        long long v = res_of(c, which, name, scale10);
        const char *policy = str_at(c, "restartPolicy");
        if (policy && strcmp(policy, "Always") == 0) {
            if (v >= 0)
                side = (side < 0 ? 0 : side) + v;
            if (side > init)
                init = side;
        } else if (v >= 0 || side >= 0) {
            long long t = (v < 0 ? 0 : v) + (side < 0 ? 0 : side);
            if (t > init)
                init = t;
        }
    }
    long long run = sum < 0 && side < 0 ? -1 : (sum < 0 ? 0 : sum) + (side < 0 ? 0 : side);
    return run > init ? run : init;
}

static void check_pod(const char *key, json_object *item, const struct model_pod *p)
{
    check_meta(key, item, &p->obj);
    json_object *spec = at(item, "spec"), *status = at(item, "status");
    check_str("phase", key, str_at(status, "phase"), p->phase);
    check_str("nodeName", key, str_at(spec, "nodeName"), p->node);
    json_object *owner = NULL, *refs = arr_at(at(item, "metadata"), "ownerReferences");
    for (size_t i = 0; refs && i < json_object_array_length(refs) && !owner; i++) {
        json_object *r = json_object_array_get_idx(refs, i), *ctl = at(r, "controller");
        if (ctl && json_object_get_boolean(ctl))
            owner = r;
    }
    check_str("owner kind", key, str_at(owner, "kind"), p->owner_kind);
    check_str("owner name", key, str_at(owner, "name"), p->owner_name);
    json_object *cs = arr_at(status, "containerStatuses");
    json_object *ics = arr_at(status, "initContainerStatuses");
    const char *waiting = first_waiting(ics, "PodInitializing");
    check_str("waiting reason", key, waiting ? waiting : first_waiting(cs, NULL),
              p->waiting_reason);
    json_object *containers = arr_at(spec, "containers");
    char images[4096] = "";
    size_t n = 0;
    for (size_t i = 0; containers && i < json_object_array_length(containers); i++) {
        const char *img = str_at(json_object_array_get_idx(containers, i), "image");
        if (img)
            n += (size_t)snprintf(images + n, sizeof images - n, "%s%s", n ? "," : "", img);
        assert_true(n < sizeof images);
    }
    check_str("images", key, containers ? images : NULL, p->images);
    check_int("containers", key,
              containers ? (long long)json_object_array_length(containers) : MODEL_COUNT_UNKNOWN,
              p->containers);
    long long ready = MODEL_COUNT_UNKNOWN, restarts = MODEL_COUNT_UNKNOWN;
    if (cs) {
        ready = 0;
        for (size_t i = 0; i < json_object_array_length(cs); i++) {
            json_object *r = at(json_object_array_get_idx(cs, i), "ready");
            ready += r && json_object_get_boolean(r);
        }
    }
    json_object *lists[2] = {ics, cs};
    for (int l = 0; l < 2; l++) {
        if (lists[l] == NULL)
            continue;
        if (restarts == MODEL_COUNT_UNKNOWN)
            restarts = 0;
        for (size_t i = 0; i < json_object_array_length(lists[l]); i++) {
            json_object *r = at(json_object_array_get_idx(lists[l], i), "restartCount");
            restarts += r ? json_object_get_int(r) : 0;
        }
    }
    check_int("containers ready", key, ready, p->containers_ready);
    check_int("restarts", key, restarts, p->restarts);
    check_int("Ready", key, status ? cond(status, "Ready") : MODEL_UNKNOWN, p->ready);
    check_int("cpu request", key, pod_res(spec, "requests", "cpu", 3), p->cpu_request_m);
    check_int("cpu limit", key, pod_res(spec, "limits", "cpu", 3), p->cpu_limit_m);
    check_int("memory request", key, pod_res(spec, "requests", "memory", 0), p->mem_request);
    check_int("memory limit", key, pod_res(spec, "limits", "memory", 0), p->mem_limit);
}

static const char *label2(json_object *labels, const char *a, const char *b)
{
    const char *v = str_at(labels, a);
    return v ? v : str_at(labels, b);
}

static void check_node(const char *key, json_object *item, const struct model_node *n)
{
    check_meta(key, item, &n->obj);
    json_object *labels = at(at(item, "metadata"), "labels");
    json_object *spec = at(item, "spec"), *status = at(item, "status");
    check_str(
        "zone", key,
        label2(labels, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"),
        n->zone);
    check_str(
        "region", key,
        label2(labels, "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"),
        n->region);
    check_str(
        "instance type", key,
        label2(labels, "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"),
        n->instance_type);
    check_str("kubelet", key, str_at(at(status, "nodeInfo"), "kubeletVersion"), n->kubelet_version);
    bool cp = at(labels, "node-role.kubernetes.io/control-plane") ||
              at(labels, "node-role.kubernetes.io/master");
    check_int("role", key, cp ? MODEL_ROLE_CONTROL_PLANE : MODEL_ROLE_WORKER, n->role);
    check_int("Ready", key, status ? cond(status, "Ready") : MODEL_UNKNOWN, n->ready);
    json_object *unsched = at(spec, "unschedulable");
    check_int("schedulable", key,
              spec == NULL                                  ? MODEL_UNKNOWN
              : unsched && json_object_get_boolean(unsched) ? MODEL_FALSE
                                                            : MODEL_TRUE,
              n->schedulable);
}

/* Lists res through the fast path in pages of page_size and compares every row with the
 * unpaged list the server serves. Returns how many objects were compared. */
static size_t compare(struct fx *f, enum model_res res, const char *path, int page_size)
{
    struct k8s_http_conn *c = k8s_http_conn_new(f->http, NULL, NULL);
    struct k8s_informer_store *store = NULL;
    struct k8s_list_stats st;
    char rv[128];
    struct error err;
    error_clear(&err);
    if (k8s_informer_list(c, res, page_size, &store, rv, sizeof rv, &st, NULL, &err) != 0)
        fail_msg("list: %s", err.msg);
    k8s_http_conn_free(c);
    assert_int_equal(st.decode_errors, 0);

    char *text = NULL;
    json_object *list = served(f, path, &text);
    json_object *items = arr_at(list, "items");
    assert_non_null(items);
    size_t n = json_object_array_length(items);
    assert_int_equal(k8s_informer_store_count(store), n);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        const char *ns = str_at(at(item, "metadata"), "namespace");
        const char *name = str_at(at(item, "metadata"), "name");
        char key[512];
        snprintf(key, sizeof key, "%s %s/%s", model_res_name(res), ns ? ns : "", name);
        const struct model_obj *row = k8s_informer_store_get(store, ns, name);
        if (row == NULL)
            fail_msg("%s: served but not in the model", key);
        if (res == MODEL_RES_PODS)
            check_pod(key, item, (const struct model_pod *)row);
        else
            check_node(key, item, (const struct model_node *)row);
    }
    json_object_put(list);
    free(text);
    k8s_informer_store_free(store);
    return n;
}

/* A served body holds the escapes this test means to cover (quote, backslash, `escape`) and raw
 * UTF-8. */
static void assert_served_escapes(struct fx *f, const char *path, const char *escape)
{
    char *text = NULL;
    json_object *o = served(f, path, &text);
    assert_non_null(strstr(text, "\\\""));
    assert_non_null(strstr(text, "\\\\"));
    assert_non_null(strstr(text, escape));
    assert_non_null(strstr(text, "\xe2\x98\x83"));
    json_object_put(o);
    free(text);
}

/* Lists res through the fast path into *store (the caller frees it) and returns the row ns/name,
 * which must be there. */
static const struct model_obj *list_one(struct fx *f, enum model_res res, int page_size,
                                        const char *ns, const char *name,
                                        struct k8s_informer_store **store)
{
    struct k8s_http_conn *c = k8s_http_conn_new(f->http, NULL, NULL);
    char rv[128];
    struct error err;
    error_clear(&err);
    assert_int_equal(k8s_informer_list(c, res, page_size, store, rv, sizeof rv, NULL, NULL, &err),
                     0);
    k8s_http_conn_free(c);
    const struct model_obj *row = k8s_informer_store_get(*store, ns, name);
    assert_non_null(row);
    return row;
}

static void test_pods_field_by_field(void **state)
{
    struct fx *f = *state;
    post_nasty_pod(f, "default");
    assert_served_escapes(f, "/api/v1/pods", "\\u0001");
    /* odd page sizes: items and pages straddle the boundaries of the 512 KiB pieces (6 MB of pods)
     */
    size_t n = compare(f, MODEL_RES_PODS, "/api/v1/pods", 137);
    assert_true(n >= GUARD_PODS);
    assert_int_equal(compare(f, MODEL_RES_PODS, "/api/v1/pods", 5000), n);

    /* and the hard strings came through as they were written */
    struct k8s_informer_store *store = NULL;
    const struct model_pod *p = (const struct model_pod *)list_one(
        f, MODEL_RES_PODS, 500, "default", "guard-escapes", &store);
    assert_string_equal(p->waiting_reason, NASTY_REASON);
    assert_string_equal(p->images, NASTY_IMAGE ",img-\x01-b");
    assert_string_equal(p->owner_name, NASTY_OWNER);
    assert_string_equal(p->node, NASTY_NODE);
    assert_int_equal(p->restarts, 5);
    assert_int_equal(p->containers_ready, 1);
    assert_int_equal(p->ready, MODEL_FALSE);
    /* containers 250m + 1500m, with the sidecar's 100m; the migration runs with the sidecar */
    assert_int_equal(p->cpu_request_m, 3100);
    assert_int_equal(p->cpu_limit_m, 4000); /* migrate 3 + proxy 1 > a 500m + proxy 1 */
    assert_int_equal(p->mem_request, (128 + 1024 + 64) * 1048576LL);
    assert_int_equal(p->mem_limit, (2048 + 64) * 1048576LL);
    k8s_informer_store_free(store);
}

static void test_nodes_field_by_field(void **state)
{
    struct fx *f = *state;
    post_nasty_node(f);
    assert_served_escapes(f, "/api/v1/nodes", "\\t");
    size_t n = compare(f, MODEL_RES_NODES, "/api/v1/nodes", 7);
    assert_true(n >= GUARD_NODES);
    assert_int_equal(compare(f, MODEL_RES_NODES, "/api/v1/nodes", 500), n);

    struct k8s_informer_store *store = NULL;
    const struct model_node *nd =
        (const struct model_node *)list_one(f, MODEL_RES_NODES, 50, NULL, "guard-node", &store);
    assert_string_equal(nd->zone, NASTY_ZONE);
    assert_string_equal(nd->region, "r\\1");
    assert_string_equal(nd->kubelet_version, NASTY_KUBELET);
    assert_int_equal(nd->role, MODEL_ROLE_CONTROL_PLANE);
    assert_int_equal(nd->schedulable, MODEL_FALSE);
    assert_int_equal(nd->ready, MODEL_TRUE);
    k8s_informer_store_free(store);
}

static int group_setup_json(void **state)
{
    k8s_informer_set_protobuf(false); /* the JSON path stays covered */
    return group_setup(state);
}

static int group_teardown_json(void **state)
{
    k8s_informer_set_protobuf(true);
    return group_teardown(state);
}

int main(void)
{
    /* pods and nodes as negotiated (Kubernetes protobuf from the simulator), then JSON only, each
     * against its own simulator */
    const struct CMUnitTest protobuf[] = {
        cmocka_unit_test(test_pods_field_by_field),
        cmocka_unit_test(test_nodes_field_by_field),
    };
    const struct CMUnitTest json[] = {
        cmocka_unit_test(test_pods_field_by_field),
        cmocka_unit_test(test_nodes_field_by_field),
    };
    int rc = cmocka_run_group_tests(protobuf, group_setup, group_teardown);
    return rc + cmocka_run_group_tests(json, group_setup_json, group_teardown_json);
}
