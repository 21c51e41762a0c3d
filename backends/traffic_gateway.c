/* A Gateway API HTTPRoute rule as a traffic target (a split inside one cluster): the weights of
 * two backendRefs (Services named old_id and new_id) of spec.rules[rule_index], through the
 * Kubernetes client of cfg.context. read = GET the route; apply = one PATCH with
 * application/json-patch+json: a "test" of metadata.resourceVersion (the route as read), then a
 * "replace" of each weight ("add" where the ref states none: the API's default is 1). A route
 * changed by someone else in between fails the test and is reported as a conflict, never
 * retried; then the route is read back. */

#include "cutover/traffic_provider.h"

#include "cutover/k8s_body.h"
#include "cutover/k8s_http.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GATEWAY_WEIGHT_MAX 1000000
#define BODY_MAX (4u << 20)
#define DEFAULT_WEIGHT 1 /* a backendRef without weight: the Gateway API's default */

struct gw {
    struct k8s_http *http;
    struct k8s_http_conn *conn;
    char *path;    /* /apis/gateway.networking.k8s.io/v1/namespaces/NS/httproutes/NAME */
    char *ctx;     /* context name, for the describe lines */
    int timeout_s; /* per request (env.timeout_ms, default 10 s) */
    char *last_rv; /* resourceVersion of the route at the last read(), NULL before one */
};

/* What a GET of the route gave for the target. */
struct route {
    json_object *root;
    const char *rv;
    size_t nrefs;          /* backendRefs of the rule */
    int idx[2];            /* index of each side's backendRef, -1 none */
    int weight[2];         /* its weight (DEFAULT_WEIGHT when unstated), -1 none */
    bool weight_stated[2]; /* the ref has a weight field */
};

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o == NULL || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static const char *gets(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A backendRef that points at a Service named name (group "" and kind Service are the defaults). */
static bool ref_is(json_object *ref, const char *name)
{
    const char *n = gets(ref, "name");
    const char *group = gets(ref, "group");
    const char *kind = gets(ref, "kind");
    return n && strcmp(n, name) == 0 && (group == NULL || *group == '\0') &&
           (kind == NULL || strcmp(kind, "Service") == 0);
}

static int route_get(struct traffic_provider *p, struct route *rt, struct error *err)
{
    struct gw *g = p->impl;
    memset(rt, 0, sizeof *rt);
    rt->idx[0] = rt->idx[1] = -1;
    rt->weight[0] = rt->weight[1] = -1;
    struct k8s_body b;
    k8s_body_init(&b, BODY_MAX, false);
    struct k8s_http_req req = {.method = "GET",
                               .path = g->path,
                               .on_body = k8s_body_add,
                               .arg = &b,
                               .timeout_s = g->timeout_s};
    struct k8s_http_resp resp;
    memset(&resp, 0, sizeof resp);
    if (k8s_http_do(g->conn, &req, &resp, err) < 0) {
        if (b.too_big)
            error_set(err, "HTTPRoute %s/%s: answer over %u bytes", p->cfg.ns, p->cfg.route,
                      BODY_MAX);
        k8s_body_fini(&b);
        return -1;
    }
    json_tokener *tok = json_tokener_new();
    rt->root = b.data ? json_tokener_parse_ex(tok, b.data, (int)b.len) : NULL;
    bool bad = rt->root == NULL || json_tokener_get_error(tok) != json_tokener_success;
    json_tokener_free(tok);
    k8s_body_fini(&b);
    if (bad || !json_object_is_type(rt->root, json_type_object)) {
        json_object_put(rt->root);
        rt->root = NULL;
        error_set(err, "HTTPRoute %s/%s: the answer is not a JSON object", p->cfg.ns, p->cfg.route);
        return -1;
    }
    rt->rv = gets(get(rt->root, "metadata"), "resourceVersion");
    json_object *rules = get(get(rt->root, "spec"), "rules");
    size_t nrules =
        rules && json_object_is_type(rules, json_type_array) ? json_object_array_length(rules) : 0;
    if ((size_t)p->cfg.rule_index >= nrules) {
        error_set(err, "HTTPRoute %s/%s has %zu rule%s, no rule %d", p->cfg.ns, p->cfg.route,
                  nrules, nrules == 1 ? "" : "s", p->cfg.rule_index);
        json_object_put(rt->root);
        rt->root = NULL;
        return -1;
    }
    json_object *refs =
        get(json_object_array_get_idx(rules, (size_t)p->cfg.rule_index), "backendRefs");
    rt->nrefs =
        refs && json_object_is_type(refs, json_type_array) ? json_object_array_length(refs) : 0;
    const char *ids[2] = {p->cfg.old_id, p->cfg.new_id};
    for (size_t i = 0; i < rt->nrefs; i++) {
        json_object *ref = json_object_array_get_idx(refs, i);
        for (int s = 0; s < 2; s++) {
            if (rt->idx[s] >= 0 || !ref_is(ref, ids[s]))
                continue;
            rt->idx[s] = (int)i;
            json_object *w = get(ref, "weight");
            if (w == NULL) {
                rt->weight[s] = DEFAULT_WEIGHT;
            } else if (json_object_is_type(w, json_type_int)) {
                int64_t v = json_object_get_int64(w);
                rt->weight[s] = v >= 0 && v <= GATEWAY_WEIGHT_MAX ? (int)v : -1;
                rt->weight_stated[s] = true;
            } else {
                rt->weight[s] = -1;
                rt->weight_stated[s] = true;
            }
        }
    }
    return 0;
}

/* A short note of the route's status: the first parent condition that is not True. */
static char *status_note(json_object *root)
{
    json_object *parents = get(get(root, "status"), "parents");
    size_t np = parents && json_object_is_type(parents, json_type_array)
                    ? json_object_array_length(parents)
                    : 0;
    for (size_t i = 0; i < np; i++) {
        json_object *conds = get(json_object_array_get_idx(parents, i), "conditions");
        size_t nc = conds && json_object_is_type(conds, json_type_array)
                        ? json_object_array_length(conds)
                        : 0;
        for (size_t j = 0; j < nc; j++) {
            json_object *c = json_object_array_get_idx(conds, j);
            const char *type = gets(c, "type"), *status = gets(c, "status");
            if (type && status && strcmp(status, "True") != 0) {
                const char *reason = gets(c, "reason");
                return xasprintf("%s %s%s%s", type, status, reason ? ": " : "",
                                 reason ? reason : "");
            }
        }
    }
    return NULL;
}

static int gw_read(struct traffic_provider *p, struct traffic_reading *out, struct error *err)
{
    struct error local;
    if (err == NULL)
        err = &local;
    memset(out, 0, sizeof *out);
    for (int s = 0; s < 2; s++) {
        out->side[s].weight = -1;
        out->side[s].observed_rps = -1;
    }
    struct route rt;
    if (route_get(p, &rt, err) < 0) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        if (rt.idx[s] < 0) {
            out->side[s].health_detail = xstrdup("no such backendRef");
            continue;
        }
        out->side[s].present = true;
        out->side[s].weight = rt.weight[s];
        out->side[s].health = TRAFFIC_HEALTH_UNKNOWN;
    }
    char *note = status_note(rt.root);
    char *raw =
        xasprintf("%s/%s rule %d, %zu backendRef%s%s%s", p->cfg.ns, p->cfg.route, p->cfg.rule_index,
                  rt.nrefs, rt.nrefs == 1 ? "" : "s", note ? ", " : "", note ? note : "");
    out->detail = text_sanitize(raw);
    free(raw);
    free(note);
    struct gw *g = p->impl;
    free(g->last_rv);
    g->last_rv = rt.rv ? xstrdup(rt.rv) : NULL;
    json_object_put(rt.root);
    return 0;
}

static bool weights_ok(const struct traffic_weights *to, struct error *err)
{
    for (int s = 0; s < 2; s++) {
        if (to->w[s] < 0 || to->w[s] > GATEWAY_WEIGHT_MAX) {
            error_set(err, "weight %d out of range 0..%d for an HTTPRoute", to->w[s],
                      GATEWAY_WEIGHT_MAX);
            return false;
        }
    }
    return true;
}

static int gw_describe(struct traffic_provider *p, const struct traffic_weights *to, char ***lines,
                       size_t *n, struct error *err)
{
    struct error local;
    if (err == NULL)
        err = &local;
    struct gw *g = p->impl;
    *lines = NULL;
    *n = 0;
    if (!weights_ok(to, err)) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    char *raw = xasprintf("gateway %s: PATCH httproute %s/%s (json-patch: test resourceVersion; "
                          "rule %d backendRef %s weight %d, backendRef %s weight %d)",
                          g->ctx, p->cfg.ns, p->cfg.route, p->cfg.rule_index, p->cfg.old_id,
                          to->w[TRAFFIC_OLD], p->cfg.new_id, to->w[TRAFFIC_NEW]);
    char **v = xcalloc(1, sizeof *v);
    v[0] = text_sanitize(raw);
    free(raw);
    *lines = v;
    *n = 1;
    return 0;
}

/* Whether the API server's message (what follows "HTTP <status>: " in the client's error, never
 * the URL or context before it, where a name may contain the word) names a failed "test" op. */
static bool failed_test_op(const char *msg, long status)
{
    char tag[32];
    snprintf(tag, sizeof tag, "HTTP %ld: ", status);
    const char *m = strstr(msg, tag);
    return m != NULL && strstr(m + strlen(tag), "test") != NULL;
}

static int gw_apply(struct traffic_provider *p, const struct traffic_weights *to,
                    struct traffic_apply_result *res, struct error *err)
{
    struct error local;
    if (err == NULL)
        err = &local;
    struct gw *g = p->impl;
    memset(res, 0, sizeof *res);
    if (p->read_only)
        return traffic_provider_refuse_observer(p, "PATCH", res, err);
    if (!weights_ok(to, err)) {
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    struct route rt;
    if (route_get(p, &rt, err) < 0) {
        res->detail = xasprintf("nothing sent: %s", err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    const char *ids[2] = {p->cfg.old_id, p->cfg.new_id};
    for (int s = 0; s < 2; s++) {
        if (rt.idx[s] < 0) {
            error_set(err, "HTTPRoute %s/%s rule %d has no backendRef %s; nothing sent", p->cfg.ns,
                      p->cfg.route, p->cfg.rule_index, ids[s]);
            res->detail = xstrdup(err->msg);
            json_object_put(rt.root);
            traffic_provider_err_target(err, p);
            return -1;
        }
    }
    if (rt.rv == NULL) {
        error_set(err, "HTTPRoute %s/%s has no resourceVersion; nothing sent", p->cfg.ns,
                  p->cfg.route);
        res->detail = xstrdup(err->msg);
        json_object_put(rt.root);
        traffic_provider_err_target(err, p);
        return -1;
    }
    /* The route must still be the one the last read() saw (the change engine reads just before
     * it applies and compares that reading with the preview); the PATCH's test op then holds
     * that resourceVersion up to the write itself. */
    if (g->last_rv != NULL && strcmp(g->last_rv, rt.rv) != 0) {
        error_set(err,
                  "conflict: HTTPRoute %s/%s changed since it was read (resourceVersion %s, now "
                  "%s): changed since read: re-read and preview again; nothing sent",
                  p->cfg.ns, p->cfg.route, g->last_rv, rt.rv);
        res->detail = xstrdup(err->msg);
        res->conflict = true;
        json_object_put(rt.root);
        traffic_provider_err_target(err, p);
        return -1;
    }

    json_object *patch = json_object_new_array();
    json_object *t = json_object_new_object();
    json_object_object_add(t, "op", json_object_new_string("test"));
    json_object_object_add(t, "path", json_object_new_string("/metadata/resourceVersion"));
    json_object_object_add(t, "value", json_object_new_string(rt.rv));
    json_object_array_add(patch, t);
    for (int s = 0; s < 2; s++) {
        json_object *op = json_object_new_object();
        json_object_object_add(op, "op",
                               json_object_new_string(rt.weight_stated[s] ? "replace" : "add"));
        char path[128];
        snprintf(path, sizeof path, "/spec/rules/%d/backendRefs/%d/weight", p->cfg.rule_index,
                 rt.idx[s]);
        json_object_object_add(op, "path", json_object_new_string(path));
        json_object_object_add(op, "value", json_object_new_int(to->w[s]));
        json_object_array_add(patch, op);
    }
    char *rv = xstrdup(rt.rv);
    json_object_put(rt.root);
    char *body = xstrdup(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN));
    json_object_put(patch);

    struct k8s_http_req req = {.method = "PATCH",
                               .path = g->path,
                               .body = body,
                               .content_type = "application/json-patch+json",
                               .timeout_s = g->timeout_s};
    struct k8s_http_resp resp;
    memset(&resp, 0, sizeof resp);
    int rc = k8s_http_do(g->conn, &req, &resp, err);
    free(body);
    if (rc < 0) {
        if (resp.status == 0 && !resp.transport_error) {
            /* refused before sending (observer mode below us) */
            res->detail = xasprintf("not sent: %s", err->msg);
        } else if (resp.transport_error || resp.status == 0) {
            res->sent = true;
            res->detail = xasprintf("outcome unknown (not resent): %s", err->msg);
        } else if (resp.status == 409 || ((resp.status == 422 || resp.status == 500) &&
                                          failed_test_op(err->msg, resp.status))) {
            /* 409: resourceVersion conflict; a failed "test" op is 422 (older API servers
             * answered 500), its message naming the test. */
            res->sent = true;
            char *msg = xasprintf("conflict: HTTPRoute %s/%s changed since it was read "
                                  "(resourceVersion %s); nothing written, not retried: %s",
                                  p->cfg.ns, p->cfg.route, rv, err->msg);
            error_set(err, "%s", msg);
            res->detail = msg;
            res->conflict = true;
        } else {
            res->sent = true;
            res->detail = xasprintf("rejected: %s", err->msg);
        }
        free(rv);
        log_warn("traffic %s: %s", p->cfg.name, res->detail);
        traffic_provider_err_target(err, p);
        return -1;
    }
    free(rv);
    res->sent = true;
    res->applied = 1;

    struct route back;
    if (route_get(p, &back, err) < 0) {
        char *msg = xasprintf("PATCH accepted; read-back failed: %s", err->msg);
        error_set(err, "%s", msg);
        res->detail = msg;
        traffic_provider_err_target(err, p);
        return -1;
    }
    int got[2] = {back.weight[0], back.weight[1]};
    json_object_put(back.root);
    if (got[0] != to->w[0] || got[1] != to->w[1]) {
        error_set(err, "PATCH accepted but the route reports %s %d, %s %d, not %d/%d",
                  p->cfg.old_id, got[0], p->cfg.new_id, got[1], to->w[0], to->w[1]);
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    res->accepted = true;
    res->detail = xasprintf("PATCH accepted; read back %s %d, %s %d", p->cfg.old_id, got[0],
                            p->cfg.new_id, got[1]);
    log_info("traffic %s: httproute %s/%s weights %d/%d", p->cfg.name, p->cfg.ns, p->cfg.route,
             got[0], got[1]);
    return 0;
}

static void gw_free(struct traffic_provider *p)
{
    struct gw *g = p->impl;
    if (g == NULL)
        return;
    k8s_http_conn_free(g->conn);
    k8s_http_free(g->http);
    free(g->path);
    free(g->ctx);
    free(g->last_rv);
    free(g);
}

static const struct traffic_provider_ops gw_ops = {
    .read = gw_read,
    .describe = gw_describe,
    .apply = gw_apply,
    .free = gw_free,
};

/* A DNS-1123 name as Kubernetes requires for namespaces and objects: safe in a URL path. */
static bool k8s_name_ok(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 253)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
            return false;
    return true;
}

int traffic_gateway_new(const struct traffic_target_cfg *cfg,
                        const struct traffic_provider_env *env, struct traffic_provider **out,
                        struct error *err)
{
    *out = NULL;
    const char *name = cfg->name ? cfg->name : "?";
    const char *what = NULL;
    if (env == NULL || env->kubeconfig == NULL)
        what = "no kubeconfig to resolve the context with";
    else if (cfg->context == NULL || *cfg->context == '\0')
        what = "no context";
    else if (!k8s_name_ok(cfg->ns))
        what = "namespace missing or not a Kubernetes name";
    else if (!k8s_name_ok(cfg->route))
        what = "route missing or not a Kubernetes name";
    else if (cfg->old_id == NULL || cfg->new_id == NULL)
        what = "old and new backendRef names are required";
    else if (cfg->rule_index < 0)
        what = "rule index below 0";
    if (what != NULL) {
        error_set(err, "traffic target %s (gateway): %s", name, what);
        error_sanitize(err);
        return -1;
    }
    struct kube_context ctx;
    memset(&ctx, 0, sizeof ctx);
    if (kubeconfig_resolve(env->kubeconfig, cfg->context, &ctx, err) < 0) {
        char *msg = xasprintf("traffic target %s: %s", name, err ? err->msg : "");
        error_set(err, "%s", msg);
        free(msg);
        error_sanitize(err);
        return -1;
    }
    struct k8s_http_opts o = {.read_only = env->read_only, .ua = env->ua};
    if (env->timeout_ms > 0)
        o.connect_timeout_ms = env->timeout_ms;
    struct k8s_http *http = NULL;
    int rc = k8s_http_new(&ctx, &o, &http, err);
    kube_context_fini(&ctx);
    if (rc < 0) {
        char *msg = xasprintf("traffic target %s: %s", name, err ? err->msg : "");
        error_set(err, "%s", msg);
        free(msg);
        error_sanitize(err);
        return -1;
    }
    struct gw *g = xcalloc(1, sizeof *g);
    g->http = http;
    g->conn = k8s_http_conn_new(http, NULL, NULL);
    g->path = xasprintf("/apis/gateway.networking.k8s.io/v1/namespaces/%s/httproutes/%s", cfg->ns,
                        cfg->route);
    g->ctx = text_sanitize(cfg->context);
    g->timeout_s = env->timeout_ms > 0 ? (env->timeout_ms + 999) / 1000 : 10;
    *out = traffic_provider_alloc(&gw_ops, cfg, env, g);
    return 0;
}
