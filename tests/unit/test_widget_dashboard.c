/* The dashboard and its widgets drawn on the in-memory canvas from snapfix snapshots: whole
 * screens and single panels compared with golden files (tests/golden), and behaviour a user
 * notices (filter, namespace, drill-in, help, stale source, escaped API text, commands).
 * CUTOVER_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas_grid.h"
#include "cutover/dashboard.h"
#include "cutover/keymap.h"
#include "cutover/panel_findings.h"
#include "cutover/panel_nodes.h"
#include "cutover/panel_pods.h"
#include "cutover/panel_workloads.h"
#include "../lib/snapfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1750000000

/* The demo story: a self-managed source and an EKS target, partly moved. */
static struct model_cluster *demo_source(void)
{
    struct model_cluster *c = snapfix_new("onprem-prod", "v1.24.17", NOW);
    snapfix_nodes(c, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_nodes(c, "wk", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(c, "wk", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_app(c, MODEL_RES_DAEMONSETS, "logging", "fluentd", 4, 4, "fluent/fluentd:v1.16", 0,
                NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.25,php:8.2-fpm,envoy:1.28",
                1, NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 2, "shop/checkout:2.4", 0, NULL);
    snapfix_app(c, MODEL_RES_STATEFULSETS, "data", "redis", 1, 1, "redis:7.2", 0, NULL);
    return c;
}

static struct model_cluster *demo_target(void)
{
    struct model_cluster *c = snapfix_new("eks-prod", "v1.29.6-eks-a5ec690", NOW);
    c->api_latency_ms = 23.0;
    snapfix_nodes(c, "ip", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(c, "ip", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(c, "ip", "us-east-1c", MODEL_ROLE_WORKER, 2);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.27,php:8.2-fpm,envoy:1.30",
                0, NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 0, "shop/checkout:2.4", 42,
                "CrashLoopBackOff");
    snapfix_app(c, MODEL_RES_STATEFULSETS, "data", "redis", 1, 1, "redis:7.2", 0, NULL);
    snapfix_event(c, "shop", "Warning", "BackOff", "Back-off restarting failed container", "Pod",
                  "checkout-5d8f7c9b6-x0000", NOW - 30);
    return c;
}

static struct dashboard *demo_dashboard(int h, int w, const char *mode)
{
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = mode};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct model_cluster *s = demo_source(), *t = demo_target();
    dashboard_set_snapshots(d, s, t, NOW);
    model_cluster_unref(s);
    model_cluster_unref(t);
    dashboard_resize(d, h, w);
    return d;
}

static char *draw(struct dashboard *d, int h, int w, bool ascii, struct canvas_grid **keep)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(h, w, ascii, &c);
    dashboard_draw(d, &c);
    char *t = canvas_grid_text(g);
    if (keep)
        *keep = g;
    else
        canvas_grid_free(g);
    return t;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Compares text with tests/golden/name.txt (or rewrites it when asked to). */
static void golden(const char *name, const char *text)
{
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/%s.txt", src ? src : ".", name);
    const char *upd = getenv("CUTOVER_UPDATE_GOLDEN");
    if (upd && *upd == '1') {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    char *want = read_all(path);
    if (want == NULL)
        fail_msg("missing golden file %s (run with CUTOVER_UPDATE_GOLDEN=1)", path);
    if (strcmp(want, text) != 0)
        fprintf(stderr, "--- got (%s) ---\n%s--- end ---\n", name, text);
    assert_string_equal(text, want);
    free(want);
}

static void test_golden_full_screen_160x48(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(48, 160, "LIVE");
    char *t = draw(d, 48, 160, false, NULL);
    golden("dashboard_160x48", t);
    /* what the on-call SRE must see at a glance */
    assert_non_null(strstr(t, "SOURCE onprem-prod  v1.24.17"));
    assert_non_null(strstr(t, "TARGET eks-prod  v1.29.6-eks-a5ec690"));
    assert_non_null(strstr(t, "us-east-1c"));
    assert_non_null(strstr(t, "CRIT"));
    assert_non_null(strstr(t, "MISSING"));
    assert_non_null(strstr(t, "CrashLoopBackOff"));
    assert_non_null(strstr(t, "No traffic provider configured"));
    assert_non_null(strstr(t, "Secret drift: not configured"));
    free(t);
    dashboard_free(d);
}

static void test_golden_folded_80x24_ascii(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(24, 80, "OBSERVER");
    char *t = draw(d, 24, 80, true, NULL);
    golden("dashboard_80x24_ascii", t);
    assert_non_null(strstr(t, "OBSERVER"));
    assert_non_null(strstr(t, "+ Nodes: source 7 nodes in 2 zones"));
    assert_null(strstr(t, "\xe2\x94")); /* no UTF-8 line drawing in ASCII mode */
    free(t);
    /* Tab moves the focus: the nodes panel unfolds, the workloads fold */
    dashboard_focus(d, PANEL_NODES);
    t = draw(d, 24, 80, true, NULL);
    golden("dashboard_80x24_nodes", t);
    assert_non_null(strstr(t, "+ Workloads: 4 pairs"));
    free(t);
    dashboard_free(d);
}

static void test_golden_single_panels(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(48, 160, "LIVE");
    struct model_cluster *s = demo_source(), *t = demo_target();
    struct widget_filter f = {0};
    struct widget_view v = {.snap = {s, t},
                            .context = {"onprem-prod", "eks-prod"},
                            .an = dashboard_analysis(d),
                            .now = NOW,
                            .filter = &f};
    struct {
        const char *name;
        struct widget *w;
        int h, wd;
    } cases[] = {
        {"panel_nodes_100x9", panel_nodes_new(), 9, 100},
        {"panel_workloads_120x10", panel_workloads_new(), 10, 120},
        {"panel_findings_120x9", panel_findings_new(), 9, 120},
        {"panel_pods_api_100x8", panel_pods_new("Deployment", "shop", "api"), 8, 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct canvas c;
        struct canvas_grid *g = canvas_grid_new(cases[i].h, cases[i].wd, false, &c);
        widget_layout(cases[i].w, (struct rect){0, 0, cases[i].h, cases[i].wd});
        widget_update(cases[i].w, &v);
        widget_draw(cases[i].w, &c, &v, true);
        char *txt = canvas_grid_text(g);
        golden(cases[i].name, txt);
        free(txt);
        canvas_grid_free(g);
        widget_free(cases[i].w);
    }
    model_cluster_unref(s);
    model_cluster_unref(t);
    dashboard_free(d);
}

static void test_severity_is_text_not_only_colour(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(48, 160, "LIVE");
    struct canvas_grid *g;
    char *t = draw(d, 48, 160, false, &g);
    int y, x;
    /* the control-plane finding on the source column says CRIT in words */
    assert_int_equal(canvas_grid_find(g, "CRIT 3 of 3", &y, &x), 0);
    assert_true(x < 80);
    assert_int_equal(canvas_grid_role(g, y, x, NULL), THEME_ROLE_FINDING_CRIT);
    free(t);
    canvas_grid_free(g);
    dashboard_free(d);
}

static void test_filter_and_invert_and_namespace(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(48, 160, "LIVE");
    dashboard_prompt_open(d, DASHBOARD_PROMPT_FILTER);
    for (const char *p = "fluent"; *p; p++)
        dashboard_prompt_key(d, *p);
    char *t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "/fluent")); /* the prompt shows what is typed */
    free(t);
    dashboard_prompt_key(d, KEYMAP_KEY_ENTER);
    t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "Workloads 1 of 4"));
    assert_non_null(strstr(t, "logging/fluentd"));
    assert_null(strstr(t, "shop/checkout"));
    assert_non_null(strstr(t, "filter /fluent"));
    free(t);
    dashboard_filter(d, "!fluent|redis");
    t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "Workloads 2 of 4"));
    assert_null(strstr(t, "logging/fluentd"));
    free(t);
    dashboard_filter(d, "(");
    t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "bad filter /("));
    assert_non_null(strstr(t, "Workloads 2 of 4")); /* the old filter stays */
    free(t);
    dashboard_back(d); /* Esc clears the message, then the filter */
    dashboard_back(d);
    assert_int_equal(dashboard_command(d, "ns shop"), ACT_REDRAW);
    t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "Workloads 2 of 4"));
    assert_non_null(strstr(t, "ns shop"));
    free(t);
    dashboard_command(d, "ns all");
    t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "Workloads 4 "));
    free(t);
    dashboard_free(d);
}

static void test_drill_in_and_back(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(48, 160, "LIVE");
    dashboard_focus(d, PANEL_WORKLOADS);
    /* worst first: fluentd (missing on the target), then checkout (crash-looping there) */
    dashboard_cmd(d, WIDGET_TOP);
    dashboard_cmd(d, WIDGET_DOWN);
    dashboard_cmd(d, WIDGET_ENTER);
    assert_true(dashboard_drill_open(d));
    char *t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "Pods of Deployment shop/checkout"));
    assert_non_null(strstr(t, "SOURCE onprem-prod: 2 pods"));
    assert_non_null(strstr(t, "TARGET eks-prod: 2 pods"));
    assert_non_null(strstr(t, "checkout-5d8f7c9b6-x0001"));
    assert_non_null(strstr(t, "CrashLoopBackOff"));
    free(t);
    dashboard_back(d);
    assert_false(dashboard_drill_open(d));
    t = draw(d, 48, 160, false, NULL);
    assert_null(strstr(t, "Pods of"));
    free(t);
    dashboard_free(d);
}

static void test_drill_in_matches_only_the_workloads_pods(void **state)
{
    (void)state;
    struct model_cluster *c = snapfix_new("a", "v1.30.0", NOW);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api", 2, 2, "img", 0, NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api-gateway", 3, 3, "img", 0, NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "other", "api", 4, 4, "img", 0, NULL);
    struct widget_filter f = {0};
    struct widget_view v = {.snap = {c, c}, .context = {"a", "a"}, .now = NOW, .filter = &f};
    struct widget *w = panel_pods_new("Deployment", "shop", "api");
    widget_layout(w, (struct rect){0, 0, 20, 120});
    widget_update(w, &v);
    struct canvas cv;
    struct canvas_grid *g = canvas_grid_new(20, 120, true, &cv);
    widget_draw(w, &cv, &v, true);
    char *t = canvas_grid_text(g);
    assert_non_null(strstr(t, "SOURCE a: 2 pods"));
    assert_null(strstr(t, "api-gateway"));
    free(t);
    /* with ReplicaSets listed, their owner decides */
    for (size_t i = 0; i < c->lists[MODEL_RES_PODS].n; i++) {
        const struct model_pod *p = (const struct model_pod *)c->lists[MODEL_RES_PODS].items[i];
        bool want = strcmp(p->obj.ns, "shop") == 0 && strncmp(p->obj.name, "api-5", 5) == 0;
        assert_int_equal(panel_pods_owned(c, p, "Deployment", "shop", "api"), want);
    }
    /* without them, the "<deployment>-<hash>" naming rule still keeps api-gateway out */
    struct model_cluster *bare = snapfix_new("b", "v1.30.0", NOW);
    struct model_pod *mine = snapfix_pod(bare, "shop", "api-5d8f7c9b6-aaaaa", "ReplicaSet",
                                         "api-5d8f7c9b6", NULL, true, 0, NULL, "img");
    struct model_pod *other = snapfix_pod(bare, "shop", "api-gateway-7c9b6-bbbbb", "ReplicaSet",
                                          "api-gateway-7c9b6", NULL, true, 0, NULL, "img");
    assert_true(panel_pods_owned(bare, mine, "Deployment", "shop", "api"));
    assert_false(panel_pods_owned(bare, other, "Deployment", "shop", "api"));
    assert_false(panel_pods_owned(bare, mine, "Deployment", "other", "api"));
    model_cluster_unref(bare);
    canvas_grid_free(g);
    widget_free(w);
    model_cluster_unref(c);
}

static void test_help_and_commands(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(30, 100, "LIVE");
    struct panel_help_entry e[] = {{"j, Down", "down", "move down"}, {"q, C-c", "quit", "quit"}};
    dashboard_set_help(d, e, 2);
    dashboard_help_toggle(d);
    char *t = draw(d, 30, 100, false, NULL);
    assert_non_null(strstr(t, "Help: keys"));
    assert_non_null(strstr(t, "j, Down"));
    assert_non_null(strstr(t, ":ns NAME"));
    free(t);
    dashboard_back(d);
    assert_false(dashboard_help_open(d));
    assert_int_equal(dashboard_command(d, "findings") & ACT_RELAYOUT, ACT_RELAYOUT);
    assert_int_equal(dashboard_focused(d), PANEL_FINDINGS);
    assert_int_equal(dashboard_command(d, "q"), ACT_QUIT);
    dashboard_command(d, "bogus");
    t = draw(d, 30, 100, false, NULL);
    assert_non_null(strstr(t, "unknown command :bogus"));
    free(t);
    /* the command line, typed */
    dashboard_prompt_open(d, DASHBOARD_PROMPT_COMMAND);
    dashboard_prompt_key(d, 'q');
    assert_int_equal(dashboard_prompt_key(d, KEYMAP_KEY_ENTER), ACT_QUIT);
    dashboard_free(d);
}

static void test_stale_source_shows_error_beside_last_data(void **state)
{
    (void)state;
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct model_cluster *s = demo_source(), *t = demo_target();
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        snapfix_fail(s, (enum model_res)r, "connect: connection refused", NOW);
    t->taken.tv_sec = NOW + 45;
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        t->fresh[r].last_ok.tv_sec = NOW + 45;
    dashboard_set_snapshots(d, s, t, NOW + 47);
    dashboard_resize(d, 48, 160);
    struct canvas_grid *g;
    char *txt = draw(d, 48, 160, false, &g);
    int y, x;
    assert_int_equal(canvas_grid_find(g, "STALE 47s connect: connection refused", &y, &x), 0);
    assert_int_equal(y, 1);
    assert_true(x < 80);
    assert_int_equal(canvas_grid_role(g, y, x, NULL), THEME_ROLE_STALE);
    assert_int_equal(canvas_grid_find(g, "updated 2s ago", &y, &x), 0);
    assert_true(x > 80);
    /* the last good data is still drawn */
    assert_non_null(strstr(txt, "us-east-1b"));
    assert_non_null(strstr(txt, "logging/fluentd"));
    free(txt);
    canvas_grid_free(g);
    model_cluster_unref(s);
    model_cluster_unref(t);
    dashboard_free(d);
}

static void test_not_ready_and_cordoned_nodes_are_marked(void **state)
{
    (void)state;
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct model_cluster *s = demo_source(), *t = demo_target();
    snapfix_node(t, "ip-bad", "us-east-1b", MODEL_ROLE_WORKER, false, true);
    snapfix_node(t, "ip-drained", "us-east-1c", MODEL_ROLE_WORKER, true, false);
    dashboard_set_snapshots(d, s, t, NOW);
    dashboard_resize(d, 48, 160);
    char *txt = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(txt, "us-east-1b      -               2/3 1 NotReady"));
    assert_non_null(strstr(txt, "us-east-1c      -               3/3 1 cordoned"));
    free(txt);
    model_cluster_unref(s);
    model_cluster_unref(t);
    dashboard_free(d);
}

static void test_quiet_healthy_cluster_is_not_stale(void **state)
{
    (void)state;
    struct dashboard *d = demo_dashboard(48, 160, "LIVE");
    /* nothing changed for five minutes, no error: the age shows, STALE does not */
    dashboard_set_now(d, NOW + 300);
    char *t = draw(d, 48, 160, false, NULL);
    assert_non_null(strstr(t, "LIVE updated 5m ago"));
    assert_null(strstr(t, "STALE"));
    free(t);
    dashboard_free(d);
}

static void test_api_text_is_escaped(void **state)
{
    (void)state;
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct model_cluster *s = demo_source(), *t = demo_target();
    snapfix_event(t, "shop", "Warning", "Evil\x1b[31m", "pwn\x1b]0;title\x07 and \x1b[2J", "Pod",
                  "evil\x1b[Hpod", NOW - 5);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "bad\x1b[5mname", 1, 1, "x", 0, NULL);
    dashboard_set_snapshots(d, s, t, NOW);
    dashboard_resize(d, 48, 200);
    char *txt = draw(d, 48, 200, false, NULL);
    assert_null(strchr(txt, 0x1b));
    assert_null(strchr(txt, 0x07));
    assert_non_null(strstr(txt, "pwn\\x1b]0;title\\x07 and \\x1b[2J"));
    assert_non_null(strstr(txt, "Pod shop/evil\\x1b[Hpod"));
    assert_non_null(strstr(txt, "shop/bad\\x1b[5mname"));
    free(txt);
    model_cluster_unref(s);
    model_cluster_unref(t);
    dashboard_free(d);
}

static void test_no_data_yet(void **state)
{
    (void)state;
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    dashboard_set_snapshots(d, NULL, NULL, NOW);
    dashboard_resize(d, 40, 120);
    char *t = draw(d, 40, 120, false, NULL);
    assert_non_null(strstr(t, "SOURCE onprem-prod"));
    assert_non_null(strstr(t, "connecting..."));
    assert_non_null(strstr(t, "waiting for the first data"));
    free(t);
    /* and too small a terminal says so instead of drawing garbage */
    dashboard_resize(d, 8, 30);
    t = draw(d, 8, 30, false, NULL);
    assert_non_null(strstr(t, "terminal too small"));
    free(t);
    dashboard_free(d);
}

static void test_scrolling_keeps_selection_visible(void **state)
{
    (void)state;
    struct dashboard_opts o = {.context = {"a", "b"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct model_cluster *s = snapfix_new("a", "v1.30.0", NOW),
                         *t = snapfix_new("b", "v1.30.0", NOW);
    for (int i = 0; i < 60; i++) {
        char name[32];
        snprintf(name, sizeof name, "app-%02d", i);
        snapfix_workload(s, MODEL_RES_DEPLOYMENTS, "ns", name, 1, 1, "img");
        snapfix_workload(t, MODEL_RES_DEPLOYMENTS, "ns", name, 1, 1, "img");
    }
    dashboard_set_snapshots(d, s, t, NOW);
    dashboard_resize(d, 24, 80); /* folded: workloads focused, 17 rows, 14 visible */
    dashboard_cmd(d, WIDGET_BOTTOM);
    char *txt = draw(d, 24, 80, true, NULL);
    assert_non_null(strstr(txt, "ns/app-59"));
    assert_null(strstr(txt, "ns/app-00"));
    assert_non_null(strstr(txt, "47-60/60"));
    free(txt);
    dashboard_cmd(d, WIDGET_PGUP);
    dashboard_cmd(d, WIDGET_TOP);
    txt = draw(d, 24, 80, true, NULL);
    assert_non_null(strstr(txt, "ns/app-00"));
    free(txt);
    model_cluster_unref(s);
    model_cluster_unref(t);
    dashboard_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_full_screen_160x48),
        cmocka_unit_test(test_golden_folded_80x24_ascii),
        cmocka_unit_test(test_golden_single_panels),
        cmocka_unit_test(test_severity_is_text_not_only_colour),
        cmocka_unit_test(test_filter_and_invert_and_namespace),
        cmocka_unit_test(test_drill_in_and_back),
        cmocka_unit_test(test_drill_in_matches_only_the_workloads_pods),
        cmocka_unit_test(test_help_and_commands),
        cmocka_unit_test(test_stale_source_shows_error_beside_last_data),
        cmocka_unit_test(test_not_ready_and_cordoned_nodes_are_marked),
        cmocka_unit_test(test_quiet_healthy_cluster_is_not_stale),
        cmocka_unit_test(test_api_text_is_escaped),
        cmocka_unit_test(test_no_data_yet),
        cmocka_unit_test(test_scrolling_keeps_selection_visible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
