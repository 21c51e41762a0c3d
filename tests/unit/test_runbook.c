/* Runbooks: the examples in docs/examples validate; broken runbooks are reported at the right
 * file:line:col with a message that says what is wrong (and, for unknown keys, what is known);
 * a plan that never reaches 100 is an error; targets are checked against the config's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/runbook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "name: demo\nsource: onprem-prod\ntarget: eks-prod\n"

/* One broken runbook: where the error must point and a piece of its message. */
struct broken {
    const char *what;
    const char *yaml;
    int line, col;
    const char *msg;
};

static const struct broken broken[] = {
    {"unknown top-level key", HEAD "stpes:\n  - title: x\n", 4, 1,
     "unknown key 'stpes' (known: name, description, source, target, lease, steps)"},
    {"no steps", HEAD, 1, 1, "the runbook needs 'steps'"},
    {"empty steps", HEAD "steps: []\n", 4, 8, "steps: a runbook needs at least one step"},
    {"step without title", HEAD "steps:\n  - description: x\n", 5, 5,
     "step 1: 'title' is required"},
    {"unknown step key", HEAD "steps:\n  - title: a\n    acton: {do: cordon, node: n1}\n", 6, 5,
     "step 1 (a): a step: unknown key 'acton' (known: title, description, checks, action, soak, "
     "approval, rollback)"},
    {"unknown check", HEAD "steps:\n  - title: a\n    checks:\n      - check: worker_zone\n", 7, 16,
     "unknown check 'worker_zone' (known: control_plane_zones, worker_zones,"},
    {"unknown key in a check",
     HEAD "steps:\n  - title: a\n    checks:\n      - check: worker_zones\n        mn: 3\n", 8, 9,
     "check 1 (worker_zones): unknown key 'mn' (known: check, cluster, min)"},
    {"zones not a number",
     HEAD "steps:\n  - title: a\n    checks:\n      - {check: worker_zones, min: three}\n", 7, 36,
     "min: 'three' is not a whole number (1 to 64)"},
    {"ratio above 1",
     HEAD "steps:\n  - title: a\n    checks:\n      - check: workload_parity\n"
          "        workload: shop/api\n        ratio: 120%\n",
     9, 16, "ratio: 120% is outside 0..1"},
    {"plan never reaches 100",
     HEAD
     "steps:\n  - title: thirty\n    action: {do: set_weights, target: api-dns, percent: 30}\n",
     6, 13, "the plan for api-dns ends at 30% in step 1: its steps never reach 100%"},
    {"plan goes backwards",
     HEAD "steps:\n  - title: a\n    action: {do: set_weights, target: api-dns, percent: 30}\n"
          "  - title: b\n    action: {do: set_weights, target: api-dns, percent: 10}\n"
          "  - title: c\n    action: {do: set_weights, target: api-dns, percent: 100}\n",
     8, 13, "step 2 sets api-dns to 10%, not above the 30% of step 1"},
    {"bad soak",
     HEAD "steps:\n  - title: a\n    checks: [{check: nodes_ready}]\n    soak: 10 minutes\n", 7, 11,
     "soak: '10 minutes' is not a duration"},
    {"unknown action", HEAD "steps:\n  - title: a\n    action:\n      do: drain\n", 7, 11,
     "action: unknown action 'drain' (known: set_weights, refresh_secret, scale,"},
    {"scale a DaemonSet",
     HEAD "steps:\n  - title: a\n    action: {do: scale, workload: DaemonSet/logging/fluentd, "
          "replicas: 2}\n",
     6, 35, "workload: 'DaemonSet' is not a kind that can be scaled (Deployment, StatefulSet)"},
    {"soak with nothing to undo",
     HEAD "steps:\n  - title: a\n    checks: [{check: nodes_ready}]\n"
          "    action: {do: restart, workload: Deployment/shop/api}\n    soak: 10m\n",
     8, 11, "a failed soak offers rollback, but nothing undoes restart"},
    {"bad name", "name: Shop API\nsource: a\ntarget: b\nsteps: [{title: x}]\n", 1, 7,
     "name: 'Shop API' must be lowercase letters, digits and '-'"},
    {"source is target", "name: x\nsource: a\ntarget: a\nsteps: [{title: x}]\n", 3, 9,
     "target: 'a' is also the source"},
    {"duplicate key", HEAD "steps:\n  - title: a\n    title: b\n", 6, 5,
     "'title' is given twice (first at line 5)"},
    {"bad YAML", HEAD "steps:\n  - title: [a\n", 6, 1, "bad YAML"},
    {"version not a version",
     HEAD "steps:\n  - title: a\n    checks:\n      - check: version\n        min: latest\n", 8, 14,
     "min: 'latest' is not a version such as 1.29"},
    {"rollback on a step without action",
     HEAD "steps:\n  - title: a\n    rollback: {do: cordon, "
          "node: n}\n",
     6, 15, "rollback: the step has no action to undo"},
    {"rollback auto on a restart",
     HEAD "steps:\n  - title: a\n    action: {do: restart, workload: Deployment/shop/api}\n"
          "    rollback: auto\n",
     7, 15, "rollback: 'auto' undoes set_weights, scale, cordon, uncordon and annotate only"},
    {"cluster neither source nor target",
     HEAD "steps:\n  - title: a\n    action: {do: cordon, node: n1, cluster: prod}\n", 6, 45,
     "cluster: 'prod' is not source or target"},
};

static void test_broken_runbooks(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        const struct broken *b = &broken[i];
        struct runbook *rb = NULL;
        struct error err;
        error_clear(&err);
        int rc = runbook_load_text(b->yaml, strlen(b->yaml), "rb.yaml", NULL, 0, &rb, &err);
        char buf[1024];
        error_format(&err, buf, sizeof buf);
        if (rc != -EINVAL || rb != NULL || err.line != b->line || err.col != b->col ||
            strcmp(err.file, "rb.yaml") != 0 || strstr(err.msg, b->msg) == NULL) {
            print_error("%s: got rc %d '%s', want rb.yaml:%d:%d: ...%s...\n", b->what, rc, buf,
                        b->line, b->col, b->msg);
            bad++;
        }
        runbook_free(rb);
    }
    assert_int_equal(bad, 0);
    assert_true(sizeof broken / sizeof broken[0] >= 10);
}

static struct runbook *load_ok(const char *yaml, const struct traffic_target_cfg *t, size_t nt)
{
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    int rc = runbook_load_text(yaml, strlen(yaml), "rb.yaml", t, nt, &rb, &err);
    if (rc != 0) {
        char buf[1024];
        fail_msg("load failed: %s", error_format(&err, buf, sizeof buf));
    }
    return rb;
}

static void example_path(char *buf, size_t len, const char *name)
{
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    snprintf(buf, len, "%s/docs/examples/%s", src ? src : ".", name);
}

static void test_examples_validate(void **state)
{
    (void)state;
    char path[512];
    struct error err;
    struct runbook *rb = NULL;

    example_path(path, sizeof path, "ec2-to-eks-weighted-dns.yaml");
    error_clear(&err);
    if (runbook_load_file(path, NULL, 0, &rb, &err) != 0) {
        char buf[1024];
        fail_msg("%s", error_format(&err, buf, sizeof buf));
    }
    assert_string_equal(rb->source, "onprem-prod");
    assert_string_equal(rb->target, "eks-prod");
    assert_int_equal(rb->nsteps, 4);
    assert_string_equal(rb->lease_ns, "cutover");
    assert_string_equal(rb->lease_name, "cutover-shop-api-to-eks");
    /* The weighted DNS moves to 30% then 100%, each with a soak and an automatic rollback. */
    assert_int_equal(rb->steps[2].action.kind, RUNBOOK_ACTION_SET_WEIGHTS);
    assert_string_equal(rb->steps[2].action.target, "api-dns");
    assert_int_equal(rb->steps[2].action.percent, 30);
    assert_int_equal(rb->steps[2].soak_s, 1800);
    assert_true(rb->steps[2].rollback_auto);
    assert_int_equal(runbook_percent_before(rb, 2, "api-dns"), 0);
    assert_int_equal(rb->steps[3].action.percent, 100);
    assert_int_equal(runbook_percent_before(rb, 3, "api-dns"), 30);
    assert_string_equal(rb->steps[3].approval, "shop-oncall");
    assert_int_equal(rb->steps[0].checks[0].kind, RUNBOOK_CHECK_VERSION);
    assert_int_equal(rb->steps[0].checks[0].ver_major, 1);
    assert_int_equal(rb->steps[0].checks[0].ver_minor, 28);
    runbook_free(rb);

    example_path(path, sizeof path, "staging-then-production.yaml");
    rb = NULL;
    error_clear(&err);
    if (runbook_load_file(path, NULL, 0, &rb, &err) != 0) {
        char buf[1024];
        fail_msg("%s", error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rb->nsteps, 7);
    assert_int_equal(rb->steps[2].soak_s, 30 * 86400);
    assert_int_equal(rb->steps[3].rollback.kind, RUNBOOK_ACTION_SCALE);
    assert_int_equal(rb->steps[3].rollback.replicas, 4);
    assert_int_equal(rb->steps[4].soak_s, 60 * 86400);
    assert_int_equal(rb->steps[6].action.cluster, RUNBOOK_SOURCE);
    runbook_free(rb);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(runbook_load_file("/nonexistent/rb.yaml", NULL, 0, &rb, &err), -ENOENT);
    assert_null(rb);
    assert_non_null(strstr(err.msg, "/nonexistent/rb.yaml"));
}

static void test_targets_from_config(void **state)
{
    (void)state;
    struct traffic_target_cfg t[1];
    memset(t, 0, sizeof t);
    t[0].name = "api-dns";
    t[0].kind = TRAFFIC_ROUTE53;
    int plan[] = {0, 10, 30, 50, 100};
    memcpy(t[0].plan, plan, sizeof plan);
    t[0].nplan = 5;
    const char *ok = HEAD "steps:\n  - title: a\n    action: {do: set_weights, target: api-dns, "
                          "percent: 30}\n  - title: b\n    action: {do: set_weights, target: "
                          "api-dns, percent: 100}\n";
    struct runbook *rb = load_ok(ok, t, 1);
    runbook_free(rb);

    const char *unknown = HEAD "steps:\n  - title: a\n    action: {do: set_weights, target: "
                               "web-dns, percent: 100}\n";
    struct error err;
    error_clear(&err);
    rb = NULL;
    assert_int_equal(runbook_load_text(unknown, strlen(unknown), "rb.yaml", t, 1, &rb, &err),
                     -EINVAL);
    assert_int_equal(err.line, 6);
    assert_int_equal(err.col, 13);
    assert_non_null(strstr(err.msg, "traffic target 'web-dns' is not in the config "
                                    "(configured: api-dns)"));

    const char *offplan = HEAD "steps:\n  - title: a\n    action: {do: set_weights, target: "
                               "api-dns, percent: 35}\n  - title: b\n    action: {do: "
                               "set_weights, target: api-dns, percent: 100}\n";
    error_clear(&err);
    assert_int_equal(runbook_load_text(offplan, strlen(offplan), "rb.yaml", t, 1, &rb, &err),
                     -EINVAL);
    assert_int_equal(err.line, 6);
    assert_non_null(strstr(err.msg, "35% is not a step of api-dns's plan [0, 10, 30, 50, 100]"));

    const char *check = HEAD "steps:\n  - title: a\n    checks:\n      - {check: traffic_split, "
                             "target: web}\n";
    error_clear(&err);
    assert_int_equal(runbook_load_text(check, strlen(check), "rb.yaml", t, 1, &rb, &err), -EINVAL);
    assert_int_equal(err.line, 7);
    assert_int_equal(err.col, 9);
    /* Without a config, any target name is accepted (checked when run). */
    rb = load_ok(check, NULL, 0);
    runbook_free(rb);
}

static void test_defaults_and_lease(void **state)
{
    (void)state;
    const char *y = HEAD "lease: {namespace: migrations, name: shop-lease}\n"
                         "steps:\n  - title: a\n    checks:\n      - check: workload_parity\n"
                         "        namespace: shop\n        kind: deployment\n"
                         "      - check: findings\n      - check: nodes_ready\n"
                         "        ratio: \"0.75\"\n";
    struct runbook *rb = load_ok(y, NULL, 0);
    assert_string_equal(rb->lease_ns, "migrations");
    assert_string_equal(rb->lease_name, "shop-lease");
    const struct runbook_check *c = &rb->steps[0].checks[0];
    assert_string_equal(c->kind_filter, "Deployment");
    assert_string_equal(c->ns, "shop");
    assert_null(c->name);
    assert_true(c->ratio == 1.0);
    assert_int_equal(c->cluster, RUNBOOK_TARGET);
    assert_int_equal(rb->steps[0].checks[1].cluster, RUNBOOK_BOTH);
    assert_true(rb->steps[0].checks[2].ratio == 0.75);
    assert_int_equal(rb->steps[0].action.kind, RUNBOOK_ACTION_NONE);
    runbook_free(rb);
}

/* rollback: auto restores the value recorded before the action: allowed for scale, uncordon and
 * annotate as well as set_weights and cordon. */
static void test_rollback_auto_kinds(void **state)
{
    (void)state;
    const char *y = HEAD "steps:\n"
                         "  - title: a\n    action: {do: scale, workload: Deployment/shop/api, "
                         "replicas: 3}\n    rollback: auto\n"
                         "  - title: b\n    action: {do: uncordon, node: n1}\n    rollback: auto\n"
                         "  - title: c\n    action: {do: annotate, workload: Deployment/shop/api, "
                         "key: k, value: v}\n    rollback: auto\n"
                         "  - title: d\n    action: {do: cordon, node: n1}\n";
    struct runbook *rb = load_ok(y, NULL, 0);
    for (size_t i = 0; i < 4; i++)
        assert_true(rb->steps[i].rollback_auto);
    runbook_free(rb);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t s;
    assert_int_equal(runbook_parse_duration("90s", &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(runbook_parse_duration("1h30m", &s), 0);
    assert_int_equal(s, 5400);
    assert_int_equal(runbook_parse_duration("7d", &s), 0);
    assert_int_equal(s, 7 * 86400);
    assert_int_equal(runbook_parse_duration("30m1h", &s), -EINVAL);
    assert_int_equal(runbook_parse_duration("10", &s), -EINVAL);
    assert_int_equal(runbook_parse_duration("400d", &s), -EINVAL);
    assert_int_equal(runbook_parse_duration("-1m", &s), -EINVAL);
    char buf[32];
    assert_string_equal(runbook_format_duration(5400, buf, sizeof buf), "1h30m");
    assert_string_equal(runbook_format_duration(86400 + 5, buf, sizeof buf), "1d5s");
}

static void test_error_text_is_sanitized(void **state)
{
    (void)state;
    const char *y = HEAD "steps:\n  - title: a\n    \"\\e[31mevil\": 1\n";
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(runbook_load_text(y, strlen(y), "rb.yaml", NULL, 0, &rb, &err), -EINVAL);
    assert_null(strchr(err.msg, 0x1b));
    assert_non_null(strstr(err.msg, "\\x1b[31mevil"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_runbooks),    cmocka_unit_test(test_examples_validate),
        cmocka_unit_test(test_missing_file),       cmocka_unit_test(test_targets_from_config),
        cmocka_unit_test(test_defaults_and_lease), cmocka_unit_test(test_rollback_auto_kinds),
        cmocka_unit_test(test_durations),          cmocka_unit_test(test_error_text_is_sanitized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
