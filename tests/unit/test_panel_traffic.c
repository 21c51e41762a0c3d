/* The Traffic panel and the dialogs on the in-memory canvas: golden screens (tests/golden/
 * panel_traffic_*.txt, dashboard_80x24_traffic*.txt) and what a user notices: the weights and
 * step of each target, STALE with the error and age, BUSY with what runs, a warning when the
 * observed split is outside tolerance, "not configured" with no target, the typed confirmation
 * that only the exact name passes, the percent field that takes digits only.
 * CUTOVER_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas_grid.h"
#include "cutover/dashboard.h"
#include "cutover/dialog.h"
#include "cutover/keymap.h"
#include "cutover/panel_traffic.h"
#include "cutover/theme.h"
#include "cutover/traffic.h"
#include "cutover/xalloc.h"
#include "../lib/snapfix.h"
#include "../lib/testfile.h"
#include "../lib/traffic_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1750000000

/* A target read fine 3 s ago (traffic_fixture_target). */
static void set_target(struct traffic_target_state *t, const char *name, enum traffic_kind kind,
                       const char *old_id, const char *new_id, int old_w, int new_w)
{
    traffic_fixture_target(t, name, kind, old_id, new_id, old_w, new_w, NOW - 3);
}

/* Three targets: a Route53 pair at step 30 with an observed split off by 12 points, an HAProxy
 * backend whose last read failed 40 s ago, and an ALB rule with a change running. */
static struct traffic_snapshot *three_targets(void)
{
    struct traffic_snapshot *s = traffic_snapshot_new(3);
    struct traffic_target_state *t = &s->targets[0];
    set_target(t, "shop-api", TRAFFIC_ROUTE53, "onprem", "eks", 70, 30);
    t->reading.side[1].health_detail = xstrdup("health check ok");
    t->cfg.prom_url = xstrdup("http://127.0.0.1:9090");
    t->observed_pct = 42.0;

    t = &s->targets[1];
    set_target(t, "shop-lb", TRAFFIC_HAPROXY, "onprem", "eks", 90, 10);
    t->cfg.production = false;
    t->reading.side[0].health_detail = xstrdup("MAINT");
    t->reading.side[0].health = TRAFFIC_HEALTH_DOWN;
    t->last_ok.tv_sec = NOW - 40;
    t->error = xstrdup("shop-lb: connect unix:/tmp/admin.sock: No such file or directory");

    t = &s->targets[2];
    set_target(t, "web-alb", TRAFFIC_ALB, "tg-onprem", "tg-eks", 50, 50);
    t->busy = true;
    t->busy_text = xstrdup("ModifyRule 50/50 -> 0/100, waiting for the read-back");
    return s;
}

static char *draw_panel(struct widget *w, int h, int wd, bool focused)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(h, wd, true, &c);
    struct widget_view v = {.context = {"onprem-prod", "eks-prod"}, .now = NOW};
    widget_layout(w, (struct rect){0, 0, h, wd});
    widget_update(w, &v);
    widget_draw(w, &c, &v, focused);
    char *t = canvas_grid_text(g);
    canvas_grid_free(g);
    return t;
}

static void golden(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/%s", getenv("CUTOVER_SOURCE_DIR"), name);
    if (getenv("CUTOVER_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    size_t len;
    char *want = test_file_read(path, &len);
    if (want == NULL)
        fail_msg("missing golden file %s (run with CUTOVER_UPDATE_GOLDEN=1)", path);
    if (strcmp(want, text) != 0) {
        fprintf(stderr, "--- want %s\n%s--- got\n%s", path, want, text);
        fail();
    }
    free(want);
}

static void test_not_configured(void **state)
{
    (void)state;
    struct widget *w = panel_traffic_new();
    char *t = draw_panel(w, 3, 60, false);
    assert_non_null(strstr(t, "No traffic provider configured"));
    free(t);
    /* a snapshot with no targets is the same as none */
    struct traffic_snapshot *s = traffic_snapshot_new(0);
    panel_traffic_set(w, s);
    traffic_snapshot_unref(s);
    t = draw_panel(w, 3, 60, false);
    assert_non_null(strstr(t, "No traffic provider configured"));
    assert_null(panel_traffic_selected(w));
    char buf[200];
    struct widget_view v = {.now = NOW};
    widget_summary(w, &v, buf, sizeof buf);
    assert_string_equal(buf, "Traffic: No traffic provider configured");
    free(t);
    widget_free(w);
}

static void test_blocks_golden(void **state)
{
    (void)state;
    struct widget *w = panel_traffic_new();
    struct traffic_snapshot *s = three_targets();
    panel_traffic_set(w, s);
    traffic_snapshot_unref(s); /* the panel keeps its own reference */
    char *t = draw_panel(w, 20, 80, true);
    golden("panel_traffic_80x20.txt", t);
    /* weights, percent and step of the first target */
    assert_non_null(strstr(t, "> shop-api  route53 PROD 30% to new  step 3/5"));
    assert_non_null(strstr(t, "old onprem         weight  70 [##############......]  70%"));
    assert_non_null(strstr(t, "new eks            weight  30 [######..............]  30%"));
    assert_non_null(strstr(t, "plan 0 > 10 > [30] > 50 > 100"));
    /* observed split outside tolerance is a warning beside the configured one */
    assert_non_null(strstr(t, "WARN observed 42.0% to new, configured 30% (tolerance 5%)"));
    /* the stale target says so, with the age of its last good read and the error */
    assert_non_null(strstr(t, "STALE 40s shop-lb: connect unix:/tmp/admin.sock"));
    free(t);
    widget_free(w);
}

static void test_busy_and_selection(void **state)
{
    (void)state;
    struct widget *w = panel_traffic_new();
    struct traffic_snapshot *s = three_targets();
    panel_traffic_set(w, s);
    traffic_snapshot_unref(s);
    char *t = draw_panel(w, 20, 80, true);
    free(t);
    assert_string_equal(panel_traffic_selected(w)->cfg.name, "shop-api");
    widget_key(w, WIDGET_DOWN);
    widget_key(w, WIDGET_DOWN);
    assert_string_equal(panel_traffic_selected(w)->cfg.name, "web-alb");
    t = draw_panel(w, 20, 80, true);
    /* the third block scrolled into view, with what the running change does */
    assert_non_null(strstr(t, "> web-alb"));
    assert_non_null(strstr(t, "BUSY ModifyRule 50/50 -> 0/100, waiting for the read-back"));
    free(t);
    assert_int_equal(panel_traffic_select(w, "shop-lb"), 0);
    assert_string_equal(panel_traffic_selected(w)->cfg.name, "shop-lb");
    assert_int_equal(panel_traffic_select(w, "nope"), -1);
    widget_free(w);
}

static void test_one_line_per_target(void **state)
{
    (void)state;
    struct widget *w = panel_traffic_new();
    struct traffic_snapshot *s = three_targets();
    panel_traffic_set(w, s);
    traffic_snapshot_unref(s);
    char *t = draw_panel(w, 5, 80, true);
    golden("panel_traffic_80x5.txt", t);
    assert_non_null(strstr(t, "shop-api route53 30% to new step 3/5 old 70 new 30 OBS-WARN"));
    assert_non_null(strstr(t, "STALE"));
    assert_non_null(strstr(t, "BUSY"));
    free(t);
    char buf[300];
    struct widget_view v = {.now = NOW};
    widget_summary(w, &v, buf, sizeof buf);
    /* folded, a failed read still says why */
    assert_string_equal(buf, "Traffic: shop-api 30% to new; shop-lb 10% to new STALE: shop-lb: "
                             "connect unix:/tmp/admin.sock: No such file or directory; web-alb "
                             "50% to new BUSY");
    widget_free(w);
}

static void test_unknown_weights(void **state)
{
    (void)state;
    struct widget *w = panel_traffic_new();
    struct traffic_snapshot *s = traffic_snapshot_new(2);
    set_target(&s->targets[0], "fresh", TRAFFIC_ROUTE53, "a", "b", 0, 0);
    s->targets[0].have_reading = false;
    s->targets[0].percent = -1;
    set_target(&s->targets[1], "even", TRAFFIC_ROUTE53, "a", "b", 0, 0);
    panel_traffic_set(w, s);
    traffic_snapshot_unref(s);
    char *t = draw_panel(w, 14, 80, false);
    /* never a made-up 0: no reading yet is "reading...", weight ? */
    assert_non_null(strstr(t, "fresh  route53 PROD reading..."));
    assert_non_null(strstr(t, "weight ?"));
    /* Route53 with both weights 0 splits evenly: said so, not "0%" */
    assert_non_null(strstr(t, "both weights 0 (even split)"));
    free(t);
    widget_free(w);
}

static void test_dialog_type_confirm(void **state)
{
    (void)state;
    struct dialog *d = dialog_new("Preview");
    dialog_line(d, THEME_ROLE_VALUE, 0, "old 70 -> 50");
    dialog_set_type(d, "shop-api", "type shop-api to apply:");
    const char *typed = "shop-ap";
    for (const char *p = typed; *p; p++)
        assert_int_equal(dialog_key(d, *p), DIALOG_PENDING);
    /* a prefix of the name does not confirm */
    assert_int_equal(dialog_key(d, KEYMAP_KEY_ENTER), DIALOG_PENDING);
    /* nor does 'y' */
    assert_int_equal(dialog_key(d, 'y'), DIALOG_PENDING);
    assert_int_equal(dialog_key(d, KEYMAP_KEY_BACKSPACE), DIALOG_PENDING);
    assert_int_equal(dialog_key(d, 'i'), DIALOG_PENDING);
    assert_string_equal(dialog_text(d), "shop-api");
    assert_int_equal(dialog_key(d, KEYMAP_KEY_ENTER), DIALOG_OK);
    dialog_free(d);

    d = dialog_new("Preview");
    dialog_set_type(d, "x", "type x:");
    assert_int_equal(dialog_key(d, KEYMAP_KEY_ESC), DIALOG_CANCEL);
    dialog_free(d);
}

static void test_dialog_input_and_choices(void **state)
{
    (void)state;
    struct dialog *d = dialog_new("Set weight");
    dialog_set_input(d, "percent to new (0-100):", "0123456789", 3);
    assert_int_equal(dialog_key(d, KEYMAP_KEY_ENTER), DIALOG_PENDING); /* empty */
    dialog_key(d, '4');
    dialog_key(d, 'x'); /* not a digit: refused */
    dialog_key(d, '5');
    dialog_key(d, '6');
    dialog_key(d, '7'); /* beyond 3 characters */
    assert_string_equal(dialog_text(d), "456");
    assert_int_equal(dialog_key(d, KEYMAP_KEY_ENTER), DIALOG_OK);
    dialog_free(d);

    d = dialog_new("Partial");
    dialog_set_choices(d);
    dialog_add_choice(d, 'f', "f: roll forward", DIALOG_CHOICE);
    dialog_add_choice(d, 'b', "b: roll back", DIALOG_CHOICE);
    dialog_add_choice(d, 'n', "n: leave it", DIALOG_CANCEL);
    assert_int_equal(dialog_key(d, 'x'), DIALOG_PENDING);
    assert_int_equal(dialog_key(d, 'b'), DIALOG_CHOICE);
    assert_int_equal(dialog_choice(d), 'b');
    assert_int_equal(dialog_key(d, 'n'), DIALOG_CANCEL);
    dialog_set_wait(d);
    assert_int_equal(dialog_key(d, KEYMAP_KEY_ESC), DIALOG_PENDING); /* progress: no way out */
    dialog_free(d);
}

static struct dashboard *traffic_dashboard(void)
{
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct model_cluster *src = snapfix_new("onprem-prod", "v1.24.17", NOW);
    struct model_cluster *tgt = snapfix_new("eks-prod", "v1.29.6-eks-a5ec690", NOW);
    snapfix_nodes(src, "wk", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(tgt, "ip", "us-east-1a", MODEL_ROLE_WORKER, 2);
    dashboard_set_snapshots(d, src, tgt, NOW);
    model_cluster_unref(src);
    model_cluster_unref(tgt);
    struct traffic_snapshot *s = three_targets();
    dashboard_set_traffic(d, s);
    traffic_snapshot_unref(s);
    dashboard_resize(d, 24, 80);
    return d;
}

static char *draw_dash(struct dashboard *d)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(24, 80, true, &c);
    dashboard_draw(d, &c);
    char *t = canvas_grid_text(g);
    canvas_grid_free(g);
    return t;
}

static void test_dashboard_traffic_80x24(void **state)
{
    (void)state;
    struct dashboard *d = traffic_dashboard();
    char *t = draw_dash(d);
    /* folded: the summary line says where each target stands */
    assert_non_null(
        strstr(t, "+ Traffic: shop-api 30% to new; shop-lb 10% to new STALE: shop-lb: conn"));
    free(t);
    dashboard_set_traffic_hints(d, "]:next step  [:prev step  W:set %  R:rollback");
    t = draw_dash(d);
    assert_null(strstr(t, "]:next step")); /* only while Traffic is focused */
    free(t);
    dashboard_command(d, "traffic");
    t = draw_dash(d);
    golden("dashboard_80x24_traffic.txt", t);
    assert_non_null(strstr(t, "]:next step  [:prev step  W:set %  R:rollback"));
    assert_non_null(strstr(t, "Traffic 3"));
    free(t);
    assert_string_equal(dashboard_traffic_selected(d)->cfg.name, "shop-api");
    dashboard_cmd(d, WIDGET_DOWN);
    assert_string_equal(dashboard_traffic_selected(d)->cfg.name, "shop-lb");

    /* a dialog is drawn over the body and owned by the dashboard */
    struct dialog *dlg = dialog_new("shop-api: next step");
    dialog_line(dlg, THEME_ROLE_VALUE, 0, "onprem  weight 70 -> 50");
    dialog_line(dlg, THEME_ROLE_VALUE, 0, "eks     weight 30 -> 50");
    dialog_line(dlg, THEME_ROLE_VALUE, 0,
                "route53 ChangeResourceRecordSets Z0SIMEXAMPLE00001: UPSERT api.shop.example.com. "
                "A onprem weight 50, UPSERT api.shop.example.com. A eks weight 50");
    dialog_set_type(dlg, "shop-api", "type shop-api to apply:");
    dashboard_dialog_open(d, dlg);
    assert_ptr_equal(dashboard_dialog(d), dlg);
    for (const char *p = "shop"; *p; p++)
        dialog_key(dlg, *p);
    t = draw_dash(d);
    golden("dashboard_80x24_traffic_dialog.txt", t);
    assert_non_null(strstr(t, "shop-api: next step"));
    assert_non_null(strstr(t, "type shop-api to apply: shop"));
    /* a call longer than the screen is wrapped, never cut: its end is on screen */
    assert_non_null(strstr(t, "A onprem weight 50, UPSERT"));
    assert_non_null(strstr(t, "| eks weight 50 "));
    free(t);
    dashboard_dialog_close(d);
    assert_null(dashboard_dialog(d));
    t = draw_dash(d);
    assert_null(strstr(t, "shop-api: next step"));
    free(t);
    dashboard_free(d);
}

/* In a wide terminal the Traffic panel has one row: Enter shows every block over the body, with
 * the same target selected; the selection there is what the keys act on; Esc closes it. */
static void test_dashboard_traffic_wide_enter(void **state)
{
    (void)state;
    struct dashboard *d = traffic_dashboard();
    dashboard_resize(d, 48, 160);
    dashboard_command(d, "traffic");
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(48, 160, true, &c);
    dashboard_draw(d, &c);
    char *t = canvas_grid_text(g);
    assert_non_null(strstr(t, "> shop-api route53 30% to new step 3/5 old 70 new 30"));
    assert_null(strstr(t, "plan 0 > 10 > [30]"));
    free(t);
    dashboard_cmd(d, WIDGET_ENTER);
    assert_true(dashboard_drill_open(d));
    dashboard_cmd(d, WIDGET_DOWN);
    assert_string_equal(dashboard_traffic_selected(d)->cfg.name, "shop-lb");
    canvas_grid_clear(g);
    dashboard_draw(d, &c);
    t = canvas_grid_text(g);
    assert_non_null(strstr(t, "plan 0 > 10 > [30] > 50 > 100"));
    assert_non_null(strstr(t, "> shop-lb  haproxy"));
    assert_non_null(strstr(t, "BUSY ModifyRule 50/50"));
    free(t);
    /* a new snapshot reaches the full view too */
    struct traffic_snapshot *s = three_targets();
    s->targets[1].reading.side[0].weight = 80;
    s->targets[1].reading.side[1].weight = 20;
    s->targets[1].percent = 20;
    s->targets[1].step = -1;
    dashboard_set_traffic(d, s);
    traffic_snapshot_unref(s);
    canvas_grid_clear(g);
    dashboard_draw(d, &c);
    t = canvas_grid_text(g);
    assert_non_null(strstr(t, "(now 20%, between steps)"));
    free(t);
    dashboard_back(d);
    assert_false(dashboard_drill_open(d));
    canvas_grid_free(g);
    dashboard_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_configured),
        cmocka_unit_test(test_blocks_golden),
        cmocka_unit_test(test_busy_and_selection),
        cmocka_unit_test(test_one_line_per_target),
        cmocka_unit_test(test_unknown_weights),
        cmocka_unit_test(test_dialog_type_confirm),
        cmocka_unit_test(test_dialog_input_and_choices),
        cmocka_unit_test(test_dashboard_traffic_80x24),
        cmocka_unit_test(test_dashboard_traffic_wide_enter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
