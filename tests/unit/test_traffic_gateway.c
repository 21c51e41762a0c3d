/* The Gateway API HTTPRoute provider against the simulator (gateway.networking.k8s.io/v1
 * HTTPRoutes from a scenario's objects:): read the weights of two backendRefs of a rule, one
 * json-patch with a resourceVersion test, the result confirmed by a separate GET, a route
 * changed by someone else between read and write reported as a conflict and not retried, and
 * observer mode sending nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/k8s_http.h"
#include "cutover/kubeconfig.h"
#include "cutover/sim.h"
#include "cutover/traffic_provider.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *scenario =
    "clusters:\n"
    "  - name: onprem-prod\n"
    "    version: v1.24.17\n"
    "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
    "    namespaces: [shop]\n"
    "  - name: eks-prod\n"
    "    version: v1.29.10-eks-7f9249a\n"
    "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
    "    namespaces: [shop]\n"
    "    objects:\n"
    "      - apiVersion: gateway.networking.k8s.io/v1\n"
    "        kind: HTTPRoute\n"
    "        metadata: {name: api, namespace: shop}\n"
    "        spec:\n"
    "          parentRefs: [{name: public}]\n"
    "          hostnames: [api.shop.example.com]\n"
    "          rules:\n"
    "            - matches: [{path: {type: PathPrefix, value: /}}]\n"
    "              backendRefs:\n"
    "                - {name: api-legacy, port: 8080, weight: 90}\n"
    "                - {name: api, port: 8080, weight: 10}\n"
    "            - matches: [{path: {type: PathPrefix, value: /v2}}]\n"
    "              backendRefs:\n"
    "                - {name: api-legacy, port: 8080}\n"
    "                - {name: api, port: 8080, weight: 0}\n"
    "                - {name: api, kind: ServiceImport, group: multicluster.x-k8s.io, port: 80,"
    " weight: 5}\n"
    "        status:\n"
    "          parents:\n"
    "            - parentRef: {name: public}\n"
    "              controllerName: example.com/gateway\n"
    "              conditions:\n"
    "                - {type: Accepted, status: \"True\", reason: Accepted}\n"
    "                - {type: ResolvedRefs, status: \"False\", reason: BackendNotFound}\n"
    "      - apiVersion: gateway.networking.k8s.io/v1\n"
    "        kind: HTTPRoute\n"
    "        metadata: {name: api-test, namespace: shop}\n"
    "        spec:\n"
    "          parentRefs: [{name: public}]\n"
    "          rules:\n"
    "            - backendRefs:\n"
    "                - {name: api-legacy, port: 8080, weight: 90}\n"
    "                - {name: api, port: 8080, weight: 10}\n";

struct fx {
    struct sim *sim;
    struct kubeconfig *kc;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct sim_opts o = {.scenario_yaml = scenario, .no_churn = true};
    struct error err;
    error_clear(&err);
    if (sim_start(&o, &f->sim, &err) < 0) {
        fprintf(stderr, "sim_start: %s\n", err.msg);
        return -1;
    }
    if (kubeconfig_load(sim_kubeconfig_path(f->sim), &f->kc, &err) < 0) {
        fprintf(stderr, "kubeconfig_load: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    kubeconfig_free(f->kc);
    sim_stop(f->sim);
    free(f);
    return 0;
}

static void cfg_init(struct traffic_target_cfg *t, int rule)
{
    memset(t, 0, sizeof *t);
    t->name = "api-route";
    t->kind = TRAFFIC_GATEWAY;
    t->context = "eks-prod";
    t->ns = "shop";
    t->route = "api";
    t->rule_index = rule;
    t->old_id = "api-legacy";
    t->new_id = "api";
}

static struct traffic_provider *provider(struct fx *f, int rule, bool read_only)
{
    struct traffic_target_cfg t;
    cfg_init(&t, rule);
    struct traffic_provider_env env = {.read_only = read_only, .kubeconfig = f->kc};
    struct traffic_provider *p = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_provider_new(&t, &env, &p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);
    return p;
}

static int body_cat(void *arg, const char *buf, size_t len)
{
    char **s = arg;
    size_t old = *s ? strlen(*s) : 0;
    *s = realloc(*s, old + len + 1);
    memcpy(*s + old, buf, len);
    (*s)[old + len] = '\0';
    return 0;
}

/* The route as a separate client sees it: weight of backendRef i of rule r (-2: none stated). */
static int witness_weight(struct fx *f, int rule, int ref)
{
    struct kube_context ctx;
    struct error err;
    assert_int_equal(kubeconfig_resolve(f->kc, "eks-prod", &ctx, &err), 0);
    struct k8s_http *h = NULL;
    assert_int_equal(k8s_http_new(&ctx, NULL, &h, &err), 0);
    kube_context_fini(&ctx);
    struct k8s_http_conn *c = k8s_http_conn_new(h, NULL, NULL);
    char *body = NULL;
    struct k8s_http_req req = {
        .path = "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/api",
        .on_body = body_cat,
        .arg = &body};
    struct k8s_http_resp resp;
    if (k8s_http_do(c, &req, &resp, &err) < 0)
        fail_msg("witness GET: %s", err.msg);
    k8s_http_conn_free(c);
    k8s_http_free(h);
    json_object *o = json_tokener_parse(body);
    free(body);
    json_object *spec, *rules, *refs, *w;
    assert_true(json_object_object_get_ex(o, "spec", &spec));
    assert_true(json_object_object_get_ex(spec, "rules", &rules));
    json_object *r = json_object_array_get_idx(rules, (size_t)rule);
    assert_true(json_object_object_get_ex(r, "backendRefs", &refs));
    json_object *b = json_object_array_get_idx(refs, (size_t)ref);
    int weight = json_object_object_get_ex(b, "weight", &w) ? json_object_get_int(w) : -2;
    json_object_put(o);
    return weight;
}

static void test_read(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, 0, false);
    struct traffic_reading r;
    struct error err;
    error_clear(&err);
    if (p->ops->read(p, &r, &err) < 0)
        fail_msg("read: %s", err.msg);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 90);
    assert_true(r.side[TRAFFIC_NEW].present);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 10);
    assert_int_equal(r.side[TRAFFIC_NEW].health, TRAFFIC_HEALTH_UNKNOWN);
    assert_string_equal(r.detail, "shop/api rule 0, 2 backendRefs, ResolvedRefs False: "
                                  "BackendNotFound");
    traffic_reading_fini(&r);
    traffic_provider_free(p);

    /* Rule 1: a ref without weight has the API's default 1; the ServiceImport named "api" is
     * another backend, not the Service. */
    p = provider(f, 1, false);
    assert_int_equal(p->ops->read(p, &r, &err), 0);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 1);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 0);
    traffic_reading_fini(&r);
    traffic_provider_free(p);

    /* No rule 5. */
    p = provider(f, 5, false);
    error_clear(&err);
    assert_int_equal(p->ops->read(p, &r, &err), -1);
    assert_non_null(strstr(err.msg, "api-route: HTTPRoute shop/api has 2 rules, no rule 5"));
    traffic_provider_free(p);
}

static void test_describe(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, 0, false);
    char **lines = NULL;
    size_t n = 0;
    struct error err;
    struct traffic_weights w = {{70, 30}};
    assert_int_equal(p->ops->describe(p, &w, &lines, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(lines[0], "gateway eks-prod: PATCH httproute shop/api (json-patch: test "
                                  "resourceVersion; rule 0 backendRef api-legacy weight 70, "
                                  "backendRef api weight 30)");
    free(lines[0]);
    free(lines);
    traffic_provider_free(p);
}

static void apply_ok(struct fx *f, int rule, int old_w, int new_w)
{
    struct traffic_provider *p = provider(f, rule, false);
    struct traffic_weights w = {{old_w, new_w}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    if (p->ops->apply(p, &w, &res, &err) < 0)
        fail_msg("apply: %s", err.msg);
    assert_true(res.sent);
    assert_true(res.accepted);
    assert_int_equal(res.applied, 1);
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
}

static void test_apply_confirmed_by_another_client(void **state)
{
    struct fx *f = *state;
    apply_ok(f, 0, 70, 30);
    assert_int_equal(witness_weight(f, 0, 0), 70);
    assert_int_equal(witness_weight(f, 0, 1), 30);
    apply_ok(f, 0, 0, 100);
    assert_int_equal(witness_weight(f, 0, 0), 0);
    assert_int_equal(witness_weight(f, 0, 1), 100);
    /* Rule 1: the weight the old ref did not state is added; the ServiceImport keeps its 5. */
    assert_int_equal(witness_weight(f, 1, 0), -2);
    apply_ok(f, 1, 60, 40);
    assert_int_equal(witness_weight(f, 1, 0), 60);
    assert_int_equal(witness_weight(f, 1, 1), 40);
    assert_int_equal(witness_weight(f, 1, 2), 5);
    /* Rule 0 untouched by that. */
    assert_int_equal(witness_weight(f, 0, 1), 100);
}

struct mutator {
    struct sim *sim;
    int delay_ms;
    int rc;
};

static void *mutate_later(void *arg)
{
    struct mutator *m = arg;
    struct timespec ts = {m->delay_ms / 1000, (long)(m->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    m->rc = sim_mutate(m->sim, "{\"cluster\":\"eks-prod\",\"op\":\"set-label\",\"resource\":"
                               "\"httproutes\",\"namespace\":\"shop\",\"name\":\"api\","
                               "\"key\":\"touched-by\",\"value\":\"someone-else\"}");
    return NULL;
}

static void test_conflict_is_reported_not_retried(void **state)
{
    struct fx *f = *state;
    apply_ok(f, 0, 100, 0);
    /* Both the provider's GET and its PATCH wait 2.5 s at the simulator; someone else changes
     * the route 3.75 s in: after the GET was answered, before the PATCH is handled (over a
     * second of slack either way, for a loaded machine). */
    int id = sim_fault_add(f->sim, "{\"cluster\":\"eks-prod\",\"fault\":\"latency\",\"ms\":2500,"
                                   "\"count\":2,\"path\":\"/httproutes/api\"}");
    assert_true(id >= 0);
    struct mutator m = {.sim = f->sim, .delay_ms = 3750};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, mutate_later, &m), 0);
    struct traffic_provider *p = provider(f, 0, false);
    struct traffic_weights w = {{50, 50}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    int rc = p->ops->apply(p, &w, &res, &err);
    pthread_join(t, NULL);
    sim_faults_clear(f->sim);
    assert_int_equal(m.rc, 0);
    assert_int_equal(rc, -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 0);
    assert_non_null(strstr(err.msg, "conflict: HTTPRoute shop/api changed since it was read"));
    assert_non_null(strstr(res.detail, "not retried"));
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
    /* Nothing was written. */
    assert_int_equal(witness_weight(f, 0, 0), 100);
    assert_int_equal(witness_weight(f, 0, 1), 0);
    /* The next attempt, on the new version, goes through. */
    apply_ok(f, 0, 50, 50);
}

struct fault_later {
    struct sim *sim;
    int delay_ms;
    int id;
};

static void *fault_later(void *arg)
{
    struct fault_later *m = arg;
    struct timespec ts = {m->delay_ms / 1000, (long)(m->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    m->id = sim_fault_add(m->sim, "{\"cluster\":\"eks-prod\",\"fault\":\"error\",\"status\":422,"
                                  "\"count\":1,\"path\":\"/httproutes/api-test\"}");
    return NULL;
}

/* A 422 that is not a failed test op is a rejection, not a conflict, even when a name in the
 * request's URL (here the route api-test) contains the word "test". */
static void test_rejection_is_not_a_conflict(void **state)
{
    struct fx *f = *state;
    /* The provider's GET waits 2 s at the simulator; 0.8 s in, a 422 for the next request to
     * the route (the PATCH) is set up. */
    int id = sim_fault_add(f->sim, "{\"cluster\":\"eks-prod\",\"fault\":\"latency\",\"ms\":2000,"
                                   "\"count\":1,\"path\":\"/httproutes/api-test\"}");
    assert_true(id >= 0);
    struct fault_later m = {.sim = f->sim, .delay_ms = 800, .id = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fault_later, &m), 0);
    struct traffic_target_cfg cfg;
    cfg_init(&cfg, 0);
    cfg.route = "api-test";
    struct traffic_provider_env env = {.kubeconfig = f->kc};
    struct traffic_provider *p = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(traffic_provider_new(&cfg, &env, &p, &err), 0);
    struct traffic_weights w = {{50, 50}};
    struct traffic_apply_result res;
    error_clear(&err);
    int rc = p->ops->apply(p, &w, &res, &err);
    pthread_join(t, NULL);
    sim_faults_clear(f->sim);
    assert_true(m.id >= 0);
    assert_int_equal(rc, -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    if (strncmp(res.detail, "rejected: ", 10) != 0 || strstr(err.msg, "conflict") != NULL)
        fail_msg("a 422 'injected fault' reported as: %s (err: %s)", res.detail, err.msg);
    assert_non_null(strstr(res.detail, "HTTP 422: injected fault"));
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
}

static void test_observer_sends_nothing(void **state)
{
    struct fx *f = *state;
    apply_ok(f, 0, 100, 0);
    char *before = sim_requests_json(f->sim);
    struct traffic_provider *p = provider(f, 0, true);
    struct traffic_weights w = {{0, 100}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &w, &res, &err), -1);
    assert_false(res.sent);
    assert_int_equal(res.applied, 0);
    assert_non_null(strstr(err.msg, "observer mode"));
    traffic_apply_result_fini(&res);
    char *after = sim_requests_json(f->sim);
    assert_string_equal(before, after); /* not even the GET */
    free(before);
    free(after);
    struct traffic_reading r;
    assert_int_equal(p->ops->read(p, &r, &err), 0);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 100);
    traffic_reading_fini(&r);
    traffic_provider_free(p);
    assert_int_equal(witness_weight(f, 0, 1), 0);
}

static void test_bad_config(void **state)
{
    struct fx *f = *state;
    struct traffic_target_cfg t;
    struct traffic_provider_env env = {.kubeconfig = f->kc};
    struct traffic_provider *p = NULL;
    struct error err;
    cfg_init(&t, 0);
    t.route = "api/../../secrets";
    error_clear(&err);
    assert_int_equal(traffic_provider_new(&t, &env, &p, &err), -1);
    assert_non_null(strstr(err.msg, "route missing or not a Kubernetes name"));
    cfg_init(&t, 0);
    t.context = "nope";
    error_clear(&err);
    assert_int_equal(traffic_provider_new(&t, &env, &p, &err), -1);
    assert_non_null(strstr(err.msg, "api-route"));
    cfg_init(&t, 0);
    error_clear(&err);
    assert_int_equal(traffic_provider_new(&t, NULL, &p, &err), -1);
    assert_non_null(strstr(err.msg, "no kubeconfig"));
    assert_null(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_apply_confirmed_by_another_client),
        cmocka_unit_test(test_conflict_is_reported_not_retried),
        cmocka_unit_test(test_rejection_is_not_a_conflict),
        cmocka_unit_test(test_observer_sends_nothing),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
