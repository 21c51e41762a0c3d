/* The simulator in-process (include/cutover/sim.h): start, the ready line, the kubeconfig,
 * faults and mutations through the C API, two simulators side by side, errors, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cutover/sim.h"

static struct sim *start_demo(void)
{
    struct sim_opts opts = {.demo = true, .no_churn = true};
    struct sim *sim = NULL;
    struct error err = {0};
    if (sim_start(&opts, &sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    return sim;
}

static void test_ready_line_and_kubeconfig(void **state)
{
    (void)state;
    struct sim *sim = start_demo();
    json_object *r = json_tokener_parse(sim_ready_line(sim));
    assert_non_null(r);
    json_object *v, *clusters;
    assert_true(json_object_object_get_ex(r, "source", &v));
    assert_string_equal(json_object_get_string(v), "onprem-prod");
    assert_true(json_object_object_get_ex(r, "target", &v));
    assert_string_equal(json_object_get_string(v), "eks-prod");
    assert_true(json_object_object_get_ex(r, "kubeconfig", &v));
    assert_string_equal(json_object_get_string(v), sim_kubeconfig_path(sim));
    assert_true(json_object_object_get_ex(r, "admin", &v));
    assert_string_equal(json_object_get_string(v), sim_admin_url(sim));
    assert_int_equal(strncmp(sim_admin_url(sim), "http://127.0.0.1:", 17), 0);
    assert_true(json_object_object_get_ex(r, "clusters", &clusters));
    assert_int_equal(json_object_object_length(clusters), 2);
    assert_true(json_object_object_get_ex(clusters, "eks-prod", &v));
    assert_string_equal(json_object_get_string(v), sim_cluster_url(sim, "eks-prod"));
    assert_int_equal(strncmp(sim_cluster_url(sim, "onprem-prod"), "https://127.0.0.1:", 18), 0);
    assert_string_not_equal(sim_cluster_url(sim, "onprem-prod"), sim_cluster_url(sim, "eks-prod"));
    assert_null(sim_cluster_url(sim, "nope"));
    assert_string_equal(sim_context(sim, 0), "onprem-prod");
    assert_string_equal(sim_context(sim, 1), "eks-prod");
    assert_string_not_equal(sim_token(sim, "onprem-prod"), sim_token(sim, "eks-prod"));
    json_object_put(r);

    /* the kubeconfig is private and names both contexts, the CA and the tokens */
    char *path = strdup(sim_kubeconfig_path(sim));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "certificate-authority-data: "));
    assert_non_null(strstr(buf, "- name: eks-prod\n  context:"));
    assert_non_null(strstr(buf, sim_token(sim, "eks-prod")));
    assert_non_null(strstr(buf, "current-context: onprem-prod"));
    sim_stop(sim);
    /* a kubeconfig in a temp dir of its own goes with the simulator */
    assert_int_equal(stat(path, &st), -1);
    free(path);
}

static void test_faults_and_mutations_through_c(void **state)
{
    (void)state;
    struct sim *sim = start_demo();
    int a = sim_fault_add(sim, "{\"cluster\":\"eks-prod\",\"fault\":\"latency\",\"ms\":5}");
    int b = sim_fault_add(sim, "{\"fault\":\"429\",\"count\":2}");
    assert_true(a >= 0 && b > a);
    assert_true(sim_fault_add(sim, "{\"fault\":\"nonsense\"}") < 0);
    assert_true(sim_fault_add(sim, "{\"fault\":\"error\",\"status\":\"x\"}") < 0);
    assert_true(sim_fault_add(sim, "not json") < 0);
    assert_int_equal(sim_fault_remove(sim, a), 0);
    assert_int_equal(sim_fault_remove(sim, a), -ENOENT);
    sim_faults_clear(sim);
    assert_int_equal(sim_fault_remove(sim, b), -ENOENT);

    unsigned long long rv = sim_resource_version(sim, "eks-prod");
    assert_true(rv > 0);
    assert_int_equal(sim_mutate(sim, "{\"cluster\":\"eks-prod\",\"op\":\"add-event\","
                                     "\"namespace\":\"shop\",\"reason\":\"Test\","
                                     "\"object\":\"Pod/x\"}"),
                     0);
    /* a core and an events.k8s.io Event */
    assert_int_equal(sim_resource_version(sim, "eks-prod"), rv + 2);
    assert_int_equal(sim_resource_version(sim, "onprem-prod"),
                     sim_resource_version(sim, "onprem-prod"));
    struct error err = {0};
    assert_true(sim_mutate_err(sim,
                               "{\"cluster\":\"eks-prod\",\"op\":\"restart-pod\","
                               "\"namespace\":\"shop\",\"name\":\"nope\"}",
                               &err) < 0);
    assert_non_null(strstr(err.msg, "not found"));
    assert_true(sim_mutate_err(sim, "{\"cluster\":\"x\",\"op\":\"scale\"}", &err) < 0);
    assert_non_null(strstr(err.msg, "unknown cluster"));
    assert_true(sim_mutate(sim, "[]") < 0);
    char *req = sim_requests_json(sim);
    json_object *r = json_tokener_parse(req);
    assert_non_null(r);
    json_object *v;
    assert_true(json_object_object_get_ex(r, "total", &v));
    assert_int_equal(json_object_get_int(v), 0); /* the C API is not an HTTP request */
    json_object_put(r);
    free(req);
    sim_stop(sim);
}

static void test_two_simulators_and_inline_scenarios(void **state)
{
    (void)state;
    struct sim_opts opts = {.scenario_yaml =
                                "clusters:\n  - name: one\n    nodes: [{zone: z, count: 2}]\n"
                                "  - name: two\n",
                            .no_churn = true};
    struct sim *s1 = NULL, *s2 = NULL;
    struct error err = {0};
    assert_int_equal(sim_start(&opts, &s1, &err), 0);
    assert_int_equal(sim_start(&opts, &s2, &err), 0);
    assert_string_not_equal(sim_cluster_url(s1, "one"), sim_cluster_url(s2, "one"));
    assert_string_not_equal(sim_kubeconfig_path(s1), sim_kubeconfig_path(s2));
    sim_stop(s2);
    sim_stop(s1);
    sim_stop(NULL);

    struct sim_opts bad = {.scenario_yaml =
                               "clusters:\n  - name: one\n    zones: 3\n  - name: b\n"};
    struct sim *s3 = NULL;
    assert_int_equal(sim_start(&bad, &s3, &err), -1);
    assert_null(s3);
    assert_string_equal(err.file, "<inline>");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 5);
    struct sim_opts missing = {.scenario_path = "/nonexistent.yaml"};
    assert_int_equal(sim_start(&missing, &s3, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent.yaml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_line_and_kubeconfig),
        cmocka_unit_test(test_faults_and_mutations_through_c),
        cmocka_unit_test(test_two_simulators_and_inline_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
