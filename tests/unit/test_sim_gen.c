/* The generator: what it renders directly (for speed) reads the same as what the API derives
 * from the JSON after a change, objects have realistic sizes, and the demo holds its story. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/sim_gen.h"
#include "../../sim/sim_json.h"

static const char SCENARIO[] =
    "clusters:\n"
    "  - name: a\n"
    "    nodes: [{role: control-plane, zone: z1, count: 1}, {role: worker, zone: z2, count: 3}]\n"
    "    workloads:\n"
    "      - {kind: Deployment, namespace: web, name: front, replicas: 5, ready: 3,\n"
    "         crash_looping: true, containers: [{image: nginx:1}, {name: side, image: envoy:1}]}\n"
    "      - {kind: StatefulSet, namespace: web, name: db, replicas: 2, ready: 1,\n"
    "         containers: [{image: redis:7}]}\n"
    "      - {kind: DaemonSet, namespace: kube-system, name: proxy, nodes: worker,\n"
    "         containers: [{image: kube-proxy:1}]}\n"
    "    secrets: [{namespace: web, name: s, keys: [a, b]}]\n"
    "    configmaps: [{namespace: web, name: c, data: {k: v}}]\n"
    "    events: [{namespace: web, type: Warning, reason: BackOff, object: Pod/x}]\n"
    "    size: {nodes: 4, pods: 40, namespaces: 2}\n"
    "  - name: b\n";

static struct sim_store *generate(void)
{
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    if (sim_scenario_parse(SCENARIO, strlen(SCENARIO), "t.yaml", &sc, &err) < 0)
        fail_msg("%s", err.msg);
    struct sim_store *st = sim_store_new(100);
    if (sim_gen_cluster(&sc->clusters[0], 0, "CA", st, &err) < 0)
        fail_msg("%s", err.msg);
    sim_scenario_free(sc);
    return st;
}

static void test_direct_rendering_agrees_with_json(void **state)
{
    (void)state;
    struct sim_store *st = generate();
    size_t checked = 0;
    for (int r = 0; r < SIM_RES_COUNT; r++) {
        struct sim_page p;
        assert_int_equal(sim_store_list(st, (enum sim_res)r, NULL, NULL, 0, NULL, &p, NULL), 0);
        for (size_t i = 0; i < p.n; i++) {
            const struct sim_obj *o = p.items[i];
            json_object *j = sim_json_parse_obj(o);
            if (!j)
                fail_msg("%s %s/%s is not JSON", sim_res_table[r].name, o->ns, o->name);
            struct error err = {0};
            struct sim_obj *again = sim_json_obj((enum sim_res)r, j, &err);
            json_object_put(j);
            assert_non_null(again);
            if (strcmp(again->cells_pre, o->cells_pre) != 0 ||
                strcmp(again->cells_post, o->cells_post) != 0)
                fail_msg("%s %s/%s: generated [%s AGE %s], from JSON [%s AGE %s]",
                         sim_res_table[r].name, o->ns, o->name, o->cells_pre, o->cells_post,
                         again->cells_pre, again->cells_post);
            assert_string_equal(again->ns, o->ns);
            assert_int_equal(again->created, o->created);
            /* the same labels for selectors */
            const char *app = sim_obj_label(o, "app");
            const char *app2 = sim_obj_label(again, "app");
            assert_true((app == NULL) == (app2 == NULL));
            if (app)
                assert_string_equal(app, app2);
            sim_obj_unref(again);
            checked++;
        }
        sim_page_fini(&p);
    }
    if (checked < 100)
        fail_msg("only %zu objects", checked);
    sim_store_free(st);
}

static void test_sizes_are_realistic(void **state)
{
    (void)state;
    struct sim_store *st = generate();
    struct sim_page p;
    assert_int_equal(sim_store_list(st, SIM_RES_PODS, NULL, NULL, 0, NULL, &p, NULL), 0);
    assert_int_equal(p.n, 5 + 2 + 7 + 40); /* the DaemonSet runs on the 3 + 4 workers */
    sim_page_fini(&p);
    assert_int_equal(sim_store_list(st, SIM_RES_PODS, "web", NULL, 0, NULL, &p, NULL), 0);
    for (size_t i = 0; i < p.n; i++) {
        size_t len = sim_obj_len(p.items[i]);
        if (len < 7000 || len > 13000)
            fail_msg("pod %s is %zu bytes", p.items[i]->name, len);
    }
    sim_page_fini(&p);
    assert_int_equal(sim_store_list(st, SIM_RES_NODES, NULL, NULL, 0, NULL, &p, NULL), 0);
    assert_int_equal(p.n, 8);
    for (size_t i = 0; i < p.n; i++) {
        size_t len = sim_obj_len(p.items[i]);
        if (len < 16000 || len > 20000)
            fail_msg("node %s is %zu bytes", p.items[i]->name, len);
    }
    sim_page_fini(&p);
    sim_store_free(st);
}

static void test_crash_looping_pods_and_backoff_events(void **state)
{
    (void)state;
    struct sim_store *st = generate();
    struct sim_filter f;
    sim_filter_parse("app=front", NULL, &f, NULL);
    struct sim_page p;
    assert_int_equal(sim_store_list(st, SIM_RES_PODS, "web", &f, 0, NULL, &p, NULL), 0);
    assert_int_equal(p.n, 5);
    int crash = 0;
    for (size_t i = 0; i < p.n; i++)
        crash += strstr(p.items[i]->cells_pre, "\"1/2\",\"CrashLoopBackOff\"") != NULL;
    assert_int_equal(crash, 2);
    sim_page_fini(&p);
    /* one BackOff per crash-looping pod, plus the scenario's */
    assert_int_equal(sim_store_count(st, SIM_RES_EVENTS, "web"), 3);
    assert_int_equal(sim_store_count(st, SIM_RES_EVENTS_V1, "web"), 1);
    /* a Lease per node */
    assert_int_equal(sim_store_count(st, SIM_RES_LEASES, "kube-node-lease"), 8);
    sim_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_rendering_agrees_with_json),
        cmocka_unit_test(test_sizes_are_realistic),
        cmocka_unit_test(test_crash_looping_pods_and_backoff_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
