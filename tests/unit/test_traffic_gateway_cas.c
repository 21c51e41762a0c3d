/* The Gateway API provider checks, before it sends anything, that the HTTPRoute is still the one
 * its last read saw (resourceVersion): a route changed by someone else after the preview's read
 * is a conflict ("changed since read: re-read and preview again"), nothing sent, the weights as
 * they were; after a fresh read the same change goes through. (A change between the provider's
 * own GET and its PATCH is the PATCH's resourceVersion test: test_traffic_gateway.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/kubeconfig.h"
#include "cutover/sim.h"
#include "cutover/traffic_provider.h"

#include "../lib/informer_sim.h"

#include <stdlib.h>
#include <string.h>

static const char *scenario = "clusters:\n"
                              "  - name: a\n"
                              "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
                              "  - name: b\n"
                              "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
                              "    namespaces: [web]\n"
                              "    objects:\n"
                              "      - apiVersion: gateway.networking.k8s.io/v1\n"
                              "        kind: HTTPRoute\n"
                              "        metadata: {name: front, namespace: web}\n"
                              "        spec:\n"
                              "          parentRefs: [{name: edge}]\n"
                              "          rules:\n"
                              "            - backendRefs:\n"
                              "                - {name: front-old, port: 80, weight: 100}\n"
                              "                - {name: front-new, port: 80, weight: 0}\n";

static void read_weights(struct traffic_provider *p, int *o, int *n)
{
    struct traffic_reading r;
    struct error err;
    error_clear(&err);
    if (p->ops->read(p, &r, &err) != 0)
        fail_msg("read: %s", err.msg);
    *o = r.side[TRAFFIC_OLD].weight;
    *n = r.side[TRAFFIC_NEW].weight;
    traffic_reading_fini(&r);
}

static void test_changed_after_read_is_a_conflict(void **state)
{
    (void)state;
    struct sim_opts so = {.scenario_yaml = scenario, .no_churn = true};
    struct sim *sim = NULL;
    struct error err;
    error_clear(&err);
    if (sim_start(&so, &sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    struct kubeconfig *kc = NULL;
    if (kubeconfig_load(sim_kubeconfig_path(sim), &kc, &err) < 0)
        fail_msg("kubeconfig_load: %s", err.msg);
    struct traffic_target_cfg t = {.name = "front",
                                   .kind = TRAFFIC_GATEWAY,
                                   .context = "b",
                                   .ns = "web",
                                   .route = "front",
                                   .old_id = "front-old",
                                   .new_id = "front-new"};
    struct traffic_provider_env env = {.kubeconfig = kc};
    struct traffic_provider *p = NULL;
    if (traffic_provider_new(&t, &env, &p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);

    int o, n;
    read_weights(p, &o, &n); /* the preview's read */
    assert_int_equal(o, 100);
    assert_int_equal(n, 0);
    /* someone else changes the route (a label: a new resourceVersion, the weights as they were) */
    assert_int_equal(sim_mutate(sim, "{\"cluster\":\"b\",\"op\":\"set-label\",\"resource\":"
                                     "\"httproutes\",\"namespace\":\"web\",\"name\":\"front\","
                                     "\"key\":\"touched-by\",\"value\":\"someone-else\"}"),
                     0);
    long mutating = informer_sim_requests(sim, "b", "mutating");
    struct traffic_weights to = {{70, 30}};
    struct traffic_apply_result res;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_true(res.conflict);
    assert_false(res.sent);
    assert_int_equal(res.applied, 0);
    assert_non_null(strstr(res.detail, "changed since read: re-read and preview again"));
    assert_non_null(strstr(err.msg, "nothing sent"));
    traffic_apply_result_fini(&res);
    assert_int_equal(informer_sim_requests(sim, "b", "mutating"), mutating); /* no PATCH */
    read_weights(p, &o, &n);
    assert_int_equal(o, 100);
    assert_int_equal(n, 0);
    /* that read is the new preview: the change goes through */
    error_clear(&err);
    if (p->ops->apply(p, &to, &res, &err) != 0)
        fail_msg("apply after a fresh read: %s", err.msg);
    assert_false(res.conflict);
    traffic_apply_result_fini(&res);
    read_weights(p, &o, &n);
    assert_int_equal(o, 70);
    assert_int_equal(n, 30);

    traffic_provider_free(p);
    kubeconfig_free(kc);
    sim_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changed_after_read_is_a_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
