#include "informer_sim.h"

#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

struct sim *informer_sim_start(void)
{
    struct sim_opts opts = {.demo = true, .no_churn = true, .bookmark_ms = 500};
    struct sim *sim = NULL;
    struct error err;
    error_clear(&err);
    if (sim_start(&opts, &sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    return sim;
}

void informer_sim_context(struct sim *sim, int which, struct kube_context *out)
{
    struct kubeconfig *kc = NULL;
    struct error err;
    error_clear(&err);
    if (kubeconfig_load(sim_kubeconfig_path(sim), &kc, &err) < 0)
        fail_msg("kubeconfig_load: %s", err.msg);
    if (kubeconfig_resolve(kc, sim_context(sim, which), out, &err) < 0)
        fail_msg("kubeconfig_resolve: %s", err.msg);
    kubeconfig_free(kc);
}

struct k8s_http *informer_http(const struct kube_context *ctx, bool read_only)
{
    struct k8s_http_opts o = {.read_only = read_only};
    struct k8s_http *h = NULL;
    struct error err;
    error_clear(&err);
    if (k8s_http_new(ctx, &o, &h, &err) < 0)
        fail_msg("k8s_http_new: %s", err.msg);
    return h;
}

struct k8s_informer_store *informer_fresh_list(struct k8s_http *http, enum model_res res)
{
    struct k8s_http_conn *c = k8s_http_conn_new(http, NULL, NULL);
    struct k8s_informer_store *s = NULL;
    char rv[128];
    struct error err;
    error_clear(&err);
    if (k8s_informer_list(c, res, 500, &s, rv, sizeof rv, NULL, NULL, &err) < 0)
        s = NULL;
    k8s_http_conn_free(c);
    return s;
}

double informer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

bool informer_wait_until(bool (*pred)(void *arg), void *arg, int timeout_ms)
{
    double end = informer_now_ms() + timeout_ms;
    for (;;) {
        if (pred(arg))
            return true;
        if (informer_now_ms() > end)
            return pred(arg);
        nap(20);
    }
}

struct cmp {
    const struct k8s_informer_store *fresh;
    bool equal;
};

static void cmp_store(void *arg, const struct k8s_informer_store *s)
{
    struct cmp *c = arg;
    c->equal = k8s_informer_store_equal(s, c->fresh);
}

bool informer_wait_equal(struct k8s_informer *inf, struct k8s_http *http, int timeout_ms)
{
    double end = informer_now_ms() + timeout_ms;
    for (;;) {
        struct k8s_informer_store *fresh = informer_fresh_list(http, k8s_informer_res(inf));
        struct cmp c = {fresh, false};
        if (fresh)
            k8s_informer_with_store(inf, cmp_store, &c);
        k8s_informer_store_free(fresh);
        if (c.equal)
            return true;
        if (informer_now_ms() > end)
            return false;
        nap(20);
    }
}

long informer_sim_requests(struct sim *sim, const char *ctx, const char *field)
{
    char *json = sim_requests_json(sim);
    struct json_object *o = json_tokener_parse(json);
    free(json);
    assert_non_null(o);
    struct json_object *scope = o, *v = NULL;
    if (ctx) {
        struct json_object *by;
        if (!json_object_object_get_ex(o, "by_cluster", &by) ||
            !json_object_object_get_ex(by, ctx, &scope))
            scope = NULL;
    }
    long n = 0;
    if (scope && json_object_object_get_ex(scope, field, &v))
        n = (long)json_object_get_int64(v);
    json_object_put(o);
    return n;
}

int informer_request(struct k8s_http *http, const char *method, const char *path, const char *body,
                     struct k8s_http_resp *resp, struct error *err)
{
    struct k8s_http_conn *c = k8s_http_conn_new(http, NULL, NULL);
    struct k8s_http_req req = {
        .method = method,
        .path = path,
        .body = body,
        .content_type =
            body && strcmp(method, "PATCH") == 0 ? "application/merge-patch+json" : NULL,
        .low_speed_s = 10,
    };
    int rc = k8s_http_do(c, &req, resp, err);
    k8s_http_conn_free(c);
    return rc;
}
