/* Unit tests of `cutover status` rendering (tui/cmd_status.c) on synthetic snapshots: the JSON
 * of docs/status-json.md, the text report, exit codes, and when a cluster counts as unreadable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/analysis.h"
#include "cutover/cmd_status.h"
#include "../lib/snapfix.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1800000000

struct fixture {
    struct model_cluster *snap[2];
    struct status_cluster cl[2];
    struct analysis *a;
};

static void demo(struct fixture *fx)
{
    struct model_cluster *s = snapfix_new("onprem-prod", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_nodes(s, "w", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(s, "w", "us-east-1b", MODEL_ROLE_WORKER, 3);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.25,php:8.2-fpm,envoy:1", 0,
                NULL);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 2, "checkout:4", 0, NULL);
    snapfix_app(s, MODEL_RES_DAEMONSETS, "logging", "fluentd", 5, 5, "fluentd:v1.16", 0, NULL);
    snapfix_event(s, "shop", "Warning", "BackOff", "Back-off pulling image", "Pod", "api-x",
                  NOW - 30);
    struct model_cluster *t = snapfix_new("eks-prod", "v1.29.8-eks-a737599", NOW);
    snapfix_nodes(t, "ip", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(t, "ip", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(t, "ip", "us-east-1c", MODEL_ROLE_WORKER, 2);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.25,php:8.2-fpm,envoy:1", 0,
                NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 0, "checkout:4", 17,
                "CrashLoopBackOff");
    fx->snap[0] = s;
    fx->snap[1] = t;
    memset(fx->cl, 0, sizeof fx->cl);
    for (int i = 0; i < 2; i++) {
        fx->cl[i].context = fx->snap[i]->context;
        fx->cl[i].server = fx->snap[i]->server;
        fx->cl[i].snap = fx->snap[i];
    }
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    fx->a = analysis_run(s, t, &cfg);
}

static void fixture_fini(struct fixture *fx)
{
    analysis_free(fx->a);
    model_cluster_unref(fx->snap[0]);
    model_cluster_unref(fx->snap[1]);
}

static json_object *get(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
        json_object *next = NULL;
        if (json_object_is_type(o, json_type_array))
            next = json_object_array_get_idx(o, (size_t)atoi(k));
        else if (!json_object_object_get_ex(o, k, &next))
            fail_msg("no key %s in %s", k, path);
        o = next;
    }
    return o;
}

static const char *gs(json_object *o, const char *path)
{
    json_object *v = get(o, path);
    return v ? json_object_get_string(v) : NULL;
}

static int gi(json_object *o, const char *path)
{
    json_object *v = get(o, path);
    if (v == NULL)
        fail_msg("%s is null", path);
    return json_object_get_int(v);
}

static json_object *workload(json_object *doc, const char *name)
{
    json_object *wl = get(doc, "workloads");
    for (size_t i = 0; i < json_object_array_length(wl); i++) {
        json_object *w = json_object_array_get_idx(wl, i);
        if (strcmp(gs(w, "name"), name) == 0)
            return w;
    }
    return NULL;
}

static bool has_finding(json_object *doc, const char *code, const char *side, const char *name)
{
    json_object *fl = get(doc, "findings");
    for (size_t i = 0; i < json_object_array_length(fl); i++) {
        json_object *f = json_object_array_get_idx(fl, i);
        if (strcmp(gs(f, "code"), code) == 0 && strcmp(gs(f, "side"), side) == 0 &&
            (name == NULL || (gs(f, "name") && strcmp(gs(f, "name"), name) == 0)))
            return true;
    }
    return false;
}

static void test_json_demo(void **state)
{
    (void)state;
    struct fixture fx;
    demo(&fx);
    int code = cmd_status_exit_code(fx.cl, fx.a);
    assert_int_equal(code, STATUS_EXIT_FINDINGS);
    json_object *doc = cmd_status_json(fx.cl, fx.a, code, NOW);
    /* Round-trip through text, as a script would read it. */
    json_object *rt = json_tokener_parse(json_object_to_json_string(doc));
    assert_non_null(rt);
    json_object_put(doc);
    doc = rt;

    assert_int_equal(gi(doc, "schema_version"), 1);
    assert_int_equal(gi(doc, "exit_code"), 1);
    assert_string_equal(gs(doc, "generated_at"), "2027-01-15T08:00:00Z");
    assert_string_equal(gs(doc, "clusters.source.context"), "onprem-prod");
    assert_string_equal(gs(doc, "clusters.source.version"), "v1.24.17");
    assert_int_equal(gi(doc, "clusters.source.version_minor"), 24);
    assert_string_equal(gs(doc, "clusters.target.version"), "v1.29.8-eks-a737599");
    assert_true(json_object_get_boolean(get(doc, "clusters.source.readable")));
    assert_null(get(doc, "clusters.source.error"));
    assert_string_equal(gs(doc, "clusters.source.nodes.zones.0.zone"), "us-east-1a");
    assert_int_equal(gi(doc, "clusters.source.nodes.zones.0.control_plane.total"), 3);
    assert_int_equal(gi(doc, "clusters.source.nodes.zones.0.control_plane.ready"), 3);
    assert_int_equal(gi(doc, "clusters.source.nodes.zones.0.worker.total"), 2);
    assert_int_equal(gi(doc, "clusters.source.nodes.zones.1.worker.total"), 3);
    assert_int_equal(gi(doc, "clusters.source.nodes.total"), 8);
    assert_int_equal(json_object_array_length(get(doc, "clusters.target.nodes.zones")), 3);
    assert_int_equal(gi(doc, "clusters.target.nodes.zones.2.control_plane.total"), 0);
    assert_true(json_object_get_boolean(get(doc, "clusters.source.resources.pods.synced")));
    assert_string_equal(gs(doc, "clusters.source.warning_events.0.reason"), "BackOff");
    assert_string_equal(gs(doc, "clusters.source.warning_events.0.involved.name"), "api-x");

    json_object *w = workload(doc, "checkout");
    assert_non_null(w);
    assert_string_equal(gs(w, "status"), "crit");
    assert_int_equal(gi(w, "source.ready"), 2);
    assert_int_equal(gi(w, "source.desired"), 2);
    assert_int_equal(gi(w, "target.ready"), 0);
    assert_int_equal(gi(w, "target.desired"), 2);
    assert_int_equal(gi(w, "target.restarts"), 17);
    assert_string_equal(gs(w, "target.waiting"), "CrashLoopBackOff");
    assert_int_equal(gi(w, "target.crash_looping_pods"), 2);
    w = workload(doc, "fluentd");
    assert_true(json_object_get_boolean(get(w, "source.present")));
    assert_false(json_object_get_boolean(get(w, "target.present")));
    assert_null(get(w, "target.ready")); /* absent: null, not 0 */
    w = workload(doc, "api");
    assert_string_equal(gs(w, "status"), "ok");
    assert_int_equal(json_object_array_length(get(w, "source.images")), 3);
    assert_string_equal(gs(w, "source.images.1"), "php:8.2-fpm");
    /* Worst first. */
    assert_string_equal(gs(doc, "workloads.0.name"), "fluentd");

    assert_true(has_finding(doc, "control-plane-single-zone", "source", NULL));
    assert_true(has_finding(doc, "daemonset-missing", "target", "fluentd"));
    assert_true(has_finding(doc, "pods-crash-looping", "target", "checkout"));
    assert_string_equal(gs(doc, "findings.0.severity"), "crit");
    assert_int_equal(gi(doc, "summary.crit"), 4);
    assert_int_equal(gi(doc, "summary.unreadable_clusters"), 0);
    json_object_put(doc);
    fixture_fini(&fx);
}

static void test_json_unknowns_are_null(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("src", NULL, NOW);
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        snapfix_unsync(s, (enum model_res)r);
    s->api_latency_ms = -1;
    struct model_workload *w =
        snapfix_workload(s, MODEL_RES_DEPLOYMENTS, "ns", "half-known", 3, 3, NULL);
    w->ready = MODEL_COUNT_UNKNOWN;
    struct status_cluster cl[2] = {{.context = "src", .snap = s},
                                   {.context = "tgt", .server = "https://t", .error = "boom"}};
    struct analysis *a = analysis_run(s, NULL, NULL);
    int code = cmd_status_exit_code(cl, a);
    assert_int_equal(code, STATUS_EXIT_UNREADABLE);
    json_object *doc = cmd_status_json(cl, a, code, NOW);
    assert_null(get(doc, "clusters.source.version"));
    assert_null(get(doc, "clusters.source.version_major"));
    assert_null(get(doc, "clusters.source.api_latency_ms"));
    assert_null(get(doc, "clusters.source.nodes"));
    assert_null(get(doc, "clusters.source.resources.pods.items"));
    assert_false(json_object_get_boolean(get(doc, "clusters.target.readable")));
    assert_string_equal(gs(doc, "clusters.target.error"), "boom");
    assert_string_equal(gs(doc, "clusters.target.server"), "https://t");
    assert_null(get(doc, "clusters.target.nodes"));
    json_object *wl = workload(doc, "half-known");
    assert_int_equal(gi(wl, "source.desired"), 3);
    assert_null(get(wl, "source.ready"));
    assert_null(get(wl, "source.pods"));
    assert_null(get(wl, "source.restarts"));
    assert_null(get(wl, "source.images"));
    assert_null(get(wl, "target.present"));
    assert_int_equal(gi(doc, "summary.unreadable_clusters"), 1);
    assert_int_equal(gi(doc, "exit_code"), 2);
    /* The target never gave a snapshot: the report still lists it as a finding. */
    assert_true(has_finding(doc, "cluster-unreadable", "target", NULL));
    assert_string_equal(gs(doc, "findings.0.message"),
                        "target cluster tgt (https://t) could not be read: boom");
    assert_string_equal(gs(doc, "findings.0.cluster"), "tgt");
    assert_int_equal(gi(doc, "summary.crit"), 1);
    json_object_put(doc);
    analysis_free(a);
    model_cluster_unref(s);
}

static char *render_text(struct status_cluster cl[2], const struct analysis *a, int code)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cmd_status_text(f, cl, a, code, NOW);
    fclose(f);
    return buf;
}

static void test_text_demo(void **state)
{
    (void)state;
    struct fixture fx;
    demo(&fx);
    fx.cl[1].tls_insecure = true;
    char *out = render_text(fx.cl, fx.a, 1);
    assert_non_null(strstr(out, "SOURCE  onprem-prod  https://onprem-prod.snapfix.invalid  "
                                "Kubernetes v1.24.17"));
    assert_non_null(strstr(out, "TARGET  eks-prod"));
    assert_non_null(strstr(out, "Kubernetes v1.29.8-eks-a737599"));
    assert_non_null(strstr(out, "WARNING: TLS certificate verification is off"));
    /* The source's zone row: 3/3 control-plane, 2/2 workers. */
    const char *row = strstr(out, "    us-east-1a ");
    assert_non_null(row);
    assert_non_null(strstr(row, "3/3"));
    assert_non_null(strstr(row, "2/2"));
    assert_true(strstr(row, "3/3") < strchr(row, '\n'));
    assert_non_null(strstr(out, "us-east-1c"));
    const char *wl = strstr(out, "Deployment   shop/checkout");
    assert_non_null(wl);
    assert_non_null(strstr(wl, "2/2"));
    assert_non_null(strstr(wl, "0/2"));
    assert_non_null(strstr(wl, "target: CrashLoopBackOff"));
    assert_non_null(strstr(out, "missing"));
    assert_non_null(strstr(out, "CRIT  source onprem-prod    control-plane-single-zone  3 of 3 "
                                "control-plane nodes in us-east-1a"));
    assert_non_null(strstr(out, "logging agent fluentd missing on target"));
    assert_non_null(strstr(out, "FINDINGS (4 crit, 0 warn, 0 info)"));
    assert_non_null(strstr(out, "Back-off pulling image"));
    assert_non_null(strstr(out, "exit 1: findings"));
    free(out);
    fixture_fini(&fx);
}

/* Text that came from an API cannot drive the terminal. */
static void test_text_sanitized(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("evil\x1b]0;pwned\x07", "v1.2\x1b[31m", NOW);
    snapfix_nodes(s, "n", "zone\x1b[2J", MODEL_ROLE_WORKER, 1);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "ns", "app\x1b[1m", 1, 0, "x:1", 0,
                "CrashLoopBackOff\x1b[5m");
    snapfix_event(s, "ns", "Warning", "Bad\x9b", "msg \x1b[H\xe2\x80\xae", "Pod", "p", NOW - 1);
    struct status_cluster cl[2] = {{.context = s->context, .snap = s},
                                   {.context = "t\x1b", .error = "down\x1b[0m"}};
    struct analysis *a = analysis_run(s, NULL, NULL);
    char *out = render_text(cl, a, 2);
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\x07'));
    assert_null(strstr(out, "\xe2\x80\xae"));
    assert_non_null(strstr(out, "evil\\x1b]0;pwned\\x07"));
    assert_non_null(strstr(out, "zone\\x1b[2J"));
    assert_non_null(strstr(out, "ERROR: could not be read: down\\x1b[0m"));
    assert_non_null(strstr(out, "CRIT  target t\\x1b  "));
    assert_non_null(strstr(out,
                           "cluster-unreadable         target cluster t\\x1b (no server) could "
                           "not be read: down\\x1b[0m"));
    free(out);
    analysis_free(a);
    model_cluster_unref(s);
}

/* --json on a terminal: the same JSON values, but nothing a terminal would act on. */
static void test_json_text_terminal_safe(void **state)
{
    (void)state;
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "m",
                           json_object_new_string("a\x1b[2J b\xc2\x9b"
                                                  "31m c\xe2\x80\xae d\x7f "
                                                  "caf\xc3\xa9 \xe2\x9c\x93"));
    json_object_object_add(doc, "bad", json_object_new_string("x\xffy"));
    char *txt = cmd_status_json_text(doc);
    assert_null(strchr(txt, '\x1b'));
    assert_null(strstr(txt, "\xc2\x9b"));
    assert_null(strstr(txt, "\xe2\x80\xae"));
    assert_null(strchr(txt, '\x7f'));
    assert_null(strchr(txt, '\xff'));
    assert_non_null(strstr(txt, "caf\xc3\xa9 \xe2\x9c\x93")); /* printable UTF-8 stays as is */
    json_object *back = json_tokener_parse(txt);
    assert_non_null(back);
    assert_string_equal(gs(back, "m"), "a\x1b[2J b\xc2\x9b"
                                       "31m c\xe2\x80\xae d\x7f caf\xc3\xa9 "
                                       "\xe2\x9c\x93");
    assert_string_equal(gs(back, "bad"), "x\xef\xbf\xbdy"); /* U+FFFD */
    json_object_put(back);
    json_object_put(doc);
    free(txt);
}

static void test_unreadable(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(cmd_status_unreadable(NULL, 7, buf, sizeof buf), "no response within 7 s");
    struct model_cluster *c = snapfix_new("c", "v1.29.0", NOW);
    assert_null(cmd_status_unreadable(c, 7, buf, sizeof buf));
    /* Events failing does not make the cluster unreadable (a stale-data finding instead). */
    snapfix_unsync(c, MODEL_RES_EVENTS);
    snapfix_fail(c, MODEL_RES_EVENTS, "403 Forbidden", NOW);
    assert_null(cmd_status_unreadable(c, 7, buf, sizeof buf));
    snapfix_unsync(c, MODEL_RES_PODS);
    assert_string_equal(cmd_status_unreadable(c, 7, buf, sizeof buf), "pods not listed within 7 s");
    snapfix_fail(c, MODEL_RES_PODS, "connection refused", NOW);
    assert_string_equal(cmd_status_unreadable(c, 7, buf, sizeof buf), "pods: connection refused");
    model_set_str(&c->error, "Get https://x/version: connection refused");
    assert_string_equal(cmd_status_unreadable(c, 7, buf, sizeof buf),
                        "Get https://x/version: connection refused");
    model_cluster_unref(c);
    unsigned mask = cmd_status_resources();
    assert_true(mask & (1u << MODEL_RES_NODES));
    assert_true(mask & (1u << MODEL_RES_EVENTS));
    assert_false(mask & (1u << MODEL_RES_SECRETS)); /* status never asks for secrets */
}

/* status waits for a snapshot that has heard from every resource and from /version. */
static void test_settled(void **state)
{
    (void)state;
    assert_false(cmd_status_settled(NULL));
    struct model_cluster *c = snapfix_new("c", "v1.29.0", NOW);
    assert_true(cmd_status_settled(c));
    snapfix_unsync(c, MODEL_RES_SECRETS); /* not read by status */
    assert_true(cmd_status_settled(c));
    snapfix_unsync(c, MODEL_RES_EVENTS);
    assert_false(cmd_status_settled(c)); /* still listing */
    snapfix_fail(c, MODEL_RES_EVENTS, "403 Forbidden", NOW);
    assert_true(cmd_status_settled(c)); /* failed: settled */
    model_set_str(&c->version, NULL);
    assert_false(cmd_status_settled(c)); /* /version not answered yet */
    model_set_str(&c->error, "connection refused");
    assert_true(cmd_status_settled(c));
    model_cluster_unref(c);
}

static void test_exit_codes(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("s", "v1.29.0", NOW);
    struct model_cluster *t = snapfix_new("t", "v1.29.0", NOW);
    snapfix_nodes(s, "w", "a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(s, "w", "b", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(t, "w", "a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(t, "w", "b", MODEL_ROLE_WORKER, 2);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "x", "y", 1, 1, "i:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "x", "y", 1, 1, "i:1", 0, NULL);
    struct status_cluster cl[2] = {{.context = "s", .snap = s}, {.context = "t", .snap = t}};
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    struct analysis *a = analysis_run(s, t, &cfg);
    assert_int_equal(cmd_status_exit_code(cl, a), STATUS_EXIT_OK);
    char *out = render_text(cl, a, 0);
    assert_non_null(strstr(out, "FINDINGS (0 crit, 0 warn, 0 info)\n  none"));
    free(out);
    analysis_free(a);
    /* An info finding (a cordoned node) alone does not fail the run. */
    snapfix_node(t, "cordoned", "a", MODEL_ROLE_WORKER, true, false);
    a = analysis_run(s, t, &cfg);
    assert_int_equal(analysis_worst(a), FINDING_INFO);
    assert_int_equal(cmd_status_exit_code(cl, a), STATUS_EXIT_OK);
    analysis_free(a);
    snapfix_node(t, "sick", "b", MODEL_ROLE_WORKER, false, true);
    a = analysis_run(s, t, &cfg);
    assert_int_equal(cmd_status_exit_code(cl, a), STATUS_EXIT_FINDINGS);
    cl[1].error = "down";
    assert_int_equal(cmd_status_exit_code(cl, a), STATUS_EXIT_UNREADABLE);
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_demo),  cmocka_unit_test(test_json_unknowns_are_null),
        cmocka_unit_test(test_text_demo),  cmocka_unit_test(test_text_sanitized),
        cmocka_unit_test(test_unreadable), cmocka_unit_test(test_json_text_terminal_safe),
        cmocka_unit_test(test_settled),    cmocka_unit_test(test_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
