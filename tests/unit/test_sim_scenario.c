/* Simulator scenarios: the demo parses into the story it tells, the built-in copy equals
 * sim/scenarios/demo.yaml, the large one has its size knobs, and every bad file is reported at
 * file:line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../lib/testfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/sim_scenario.h"

static const char *src_path(const char *rel, char *buf, size_t len)
{
    const char *dir = getenv("CUTOVER_SOURCE_DIR");
    if (!dir)
        fail_msg("CUTOVER_SOURCE_DIR is not set");
    snprintf(buf, len, "%s/%s", dir, rel);
    return buf;
}

static const struct sim_cluster_spec *find(const struct sim_scenario *sc, const char *ctx)
{
    for (size_t i = 0; i < sc->nclusters; i++)
        if (strcmp(sc->clusters[i].context, ctx) == 0)
            return &sc->clusters[i];
    fail_msg("no cluster %s", ctx);
    return NULL;
}

static const struct sim_workload *workload(const struct sim_cluster_spec *c, const char *ns,
                                           const char *name)
{
    for (size_t i = 0; i < c->nworkloads; i++)
        if (strcmp(c->workloads[i].ns, ns) == 0 && strcmp(c->workloads[i].name, name) == 0)
            return &c->workloads[i];
    return NULL;
}

static void test_builtin_demo_equals_the_file(void **state)
{
    (void)state;
    char path[1024];
    char *file = test_file_must_read(src_path("sim/scenarios/demo.yaml", path, sizeof path), NULL);
    char *builtin = sim_scenario_demo_text();
    /* run sim/embed_demo.sh after editing demo.yaml */
    assert_string_equal(builtin, file);
    free(builtin);
    free(file);
}

static void test_demo_tells_the_story(void **state)
{
    (void)state;
    char path[1024];
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    assert_int_equal(
        sim_scenario_load(src_path("sim/scenarios/demo.yaml", path, sizeof path), &sc, &err), 0);
    assert_string_equal(sc->source, "onprem-prod");
    assert_string_equal(sc->target, "eks-prod");
    const struct sim_cluster_spec *src = find(sc, "onprem-prod"), *tgt = find(sc, "eks-prod");
    assert_string_equal(src->version, "v1.24.17");
    int cp = 0;
    for (size_t i = 0; i < src->nnodegroups; i++)
        if (strcmp(src->nodegroups[i].role, "control-plane") == 0) {
            cp += src->nodegroups[i].count;
            assert_string_equal(src->nodegroups[i].zone, "us-east-1a");
        }
    assert_int_equal(cp, 3);
    for (size_t i = 0; i < tgt->nnodegroups; i++)
        assert_string_equal(tgt->nodegroups[i].role, "worker");
    assert_int_equal(tgt->nnodegroups, 3);
    assert_non_null(workload(src, "logging", "fluentd"));
    assert_null(workload(tgt, "logging", "fluentd"));
    const struct sim_workload *api = workload(src, "shop", "api");
    assert_non_null(api);
    assert_int_equal(api->ncontainers, 3);
    assert_string_equal(api->containers[0].name, "nginx");
    assert_string_equal(api->containers[1].name, "php-fpm");
    assert_string_equal(api->containers[2].name, "envoy");
    const struct sim_workload *co = workload(tgt, "shop", "checkout");
    assert_non_null(co);
    assert_true(co->crash_looping);
    assert_true(co->ready < co->replicas);
    assert_non_null(strstr(tgt->version, "eks"));
    sim_scenario_free(sc);
}

static void test_large_has_its_size(void **state)
{
    (void)state;
    char path[1024];
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    assert_int_equal(
        sim_scenario_load(src_path("sim/scenarios/large.yaml", path, sizeof path), &sc, &err), 0);
    for (size_t i = 0; i < sc->nclusters; i++) {
        const struct sim_cluster_spec *c = &sc->clusters[i];
        int nodes = c->size.nodes, pods = c->size.pods;
        for (size_t j = 0; j < c->nnodegroups; j++)
            nodes += c->nodegroups[j].count;
        for (size_t j = 0; j < c->nworkloads; j++)
            if (strcmp(c->workloads[j].kind, "DaemonSet") != 0)
                pods += c->workloads[j].replicas;
        assert_int_equal(nodes, 5000);
        assert_true(pods >= 140000 && pods <= 150000);
    }
    sim_scenario_free(sc);
}

/* Parses text and expects an error at line:col whose message contains want. */
static void bad(const char *text, int line, int col, const char *want)
{
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    assert_int_equal(sim_scenario_parse(text, strlen(text), "bad.yaml", &sc, &err), -1);
    assert_null(sc);
    char buf[1024];
    error_format(&err, buf, sizeof buf);
    if (err.line != line || err.col != col || !strstr(err.msg, want))
        fail_msg("got \"%s\" (line %d col %d), want %d:%d containing \"%s\"", buf, err.line,
                 err.col, line, col, want);
    assert_string_equal(err.file, "bad.yaml");
    char prefix[64];
    snprintf(prefix, sizeof prefix, "bad.yaml:%d:%d: ", line, col);
    assert_true(strncmp(buf, prefix, strlen(prefix)) == 0);
}

#define TWO "  - name: b\n"

static void test_bad_files_say_where(void **state)
{
    (void)state;
    bad("clusters:\n  - name: a\n    verison: v1.2.3\n" TWO, 3, 5, "unknown key \"verison\"");
    bad("clusters:\n  - name: a\n    nodes:\n      - {zone: z, count: many}\n" TWO, 4, 26,
        "expected a whole number");
    bad("clusters:\n  - name: a\n    workloads:\n      - kind: Job\n" TWO, 4, 15,
        "kind must be Deployment, StatefulSet or DaemonSet");
    bad("clusters:\n  - name: a\n    version: 1.29\n" TWO, 3, 14, "version must look like");
    bad("clusters:\n  - name: a\n    nodes: [ {zone: z\n" TWO, 4, 9, "did not find expected");
    bad("clusters:\n  - name: a\n", 1, 1, "at least two clusters");
    bad("clusters:\n  - name: a\n    workloads:\n      - {kind: Deployment, namespace: n, name: "
        "w, replicas: 2, ready: 3, containers: [{image: x}]}\n" TWO,
        4, 9, "ready is more than replicas");
    bad("clusters:\n  - name: a\n    workloads:\n      - {kind: Deployment, namespace: n, name: "
        "w}\n" TWO,
        4, 9, "needs at least one container");
    bad("clusters:\n  - name: a\n    churn: {restarts_per_sec: -1}\n" TWO, 3, 31, "non-negative");
    bad("source: nope\nclusters:\n  - name: a\n" TWO, 1, 1, "source and target");
    bad("clusters:\n  - name: a\n  - name: a\n", 1, 1, "two clusters have the context");
    bad("clusters:\n  - name: a\n    events:\n      - {namespace: n, reason: r, object: pod}\n" TWO,
        4, 9, "Kind/name");
    bad("", 1, 1, "empty");
    bad("faults:\n  - {fault: explode}\nclusters:\n  - name: a\n" TWO, 2, 13, "unknown fault");
    bad("faults:\n  - {fault: error, when: now}\nclusters:\n  - name: a\n" TWO, 2, 20,
        "unknown key \"when\" in fault");
    bad("faults:\n  - {path: /x}\nclusters:\n  - name: a\n" TWO, 2, 5, "needs a \"fault\"");
}

static void test_faults_in_a_scenario(void **state)
{
    (void)state;
    const char *y = "faults:\n  - {cluster: b, fault: error, status: 503, path: /api/v1/nodes}\n"
                    "clusters:\n  - name: a\n  - name: b\n";
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    assert_int_equal(sim_scenario_parse(y, strlen(y), "f.yaml", &sc, &err), 0);
    assert_int_equal(sc->nfaults, 1);
    assert_string_equal(sc->faults[0], "{\"cluster\":\"b\",\"fault\":\"error\",\"status\":503,"
                                       "\"path\":\"/api/v1/nodes\"}");
    sim_scenario_free(sc);
}

static void test_missing_file_is_named(void **state)
{
    (void)state;
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    assert_int_equal(sim_scenario_load("/nonexistent/scenario.yaml", &sc, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/scenario.yaml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_demo_equals_the_file),
        cmocka_unit_test(test_demo_tells_the_story),
        cmocka_unit_test(test_large_has_its_size),
        cmocka_unit_test(test_bad_files_say_where),
        cmocka_unit_test(test_faults_in_a_scenario),
        cmocka_unit_test(test_missing_file_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
