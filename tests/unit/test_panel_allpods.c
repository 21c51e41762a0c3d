/* The all-pods view in the dashboard, drawn on the in-memory canvas: opened and closed by its
 * actions (P, Esc, q), sorted by the keys of the action table (<, >, I) with the sort column in
 * the header, filtered by `/` (the count in the title), the selected pod kept selected when a
 * new snapshot arrives, Enter into the workload's pods, and the worker-built index arriving
 * through dashboard_allpods_poll. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/actions.h"
#include "cutover/canvas_grid.h"
#include "cutover/dashboard.h"
#include "cutover/keymap.h"
#include "cutover/panel_allpods.h"
#include "../lib/snapfix.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1750000000

static struct model_cluster *source(void)
{
    struct model_cluster *c = snapfix_new("onprem-prod", "v1.24.17", NOW);
    snapfix_nodes(c, "wk", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.25", 1, NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 2, "shop/checkout:2.4", 0, NULL);
    snapfix_app(c, MODEL_RES_STATEFULSETS, "data", "redis", 1, 1, "redis:7.2", 0, NULL);
    return c;
}

static struct model_cluster *target(void)
{
    struct model_cluster *c = snapfix_new("eks-prod", "v1.29.6", NOW);
    snapfix_nodes(c, "ip", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.27", 0, NULL);
    snapfix_app(c, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 0, "shop/checkout:2.4", 42,
                "CrashLoopBackOff");
    snapfix_pod(c, "data", "bare-\x1b[31mred", NULL, NULL, "ip-us-east-1b-0", true, 0, NULL, "x");
    return c;
}

struct fix {
    struct dashboard *d;
    struct keymap *km;
    struct action_ctx ctx;
    struct canvas canvas;
    struct canvas_grid *grid;
    struct model_cluster *s, *t;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    f->d = dashboard_new(&o);
    size_t n;
    const char *const *names = actions_names(&n);
    struct error err;
    error_clear(&err);
    f->km = keymap_new_default(names, n, &err);
    assert_non_null(f->km);
    f->ctx = (struct action_ctx){.dash = f->d};
    f->grid = canvas_grid_new(30, 160, true, &f->canvas);
    dashboard_resize(f->d, 30, 160);
    f->s = source();
    f->t = target();
    dashboard_set_snapshots(f->d, f->s, f->t, NOW);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    dashboard_free(f->d);
    keymap_free(f->km);
    canvas_grid_free(f->grid);
    model_cluster_unref(f->s);
    model_cluster_unref(f->t);
    free(f);
    return 0;
}

static void press(struct fix *f, const char *spec)
{
    int key;
    assert_int_equal(keymap_parse_key(spec, &key), 0);
    if (dashboard_prompt(f->d) != DASHBOARD_PROMPT_NONE)
        dashboard_prompt_key(f->d, key);
    else
        actions_run_key(&f->ctx, f->km, key);
}

static void type(struct fix *f, const char *s)
{
    for (; *s; s++) {
        char k[2] = {*s, 0};
        press(f, k);
    }
}

/* The screen as text (owned by the fixture until the next call). */
static const char *screen(struct fix *f)
{
    static char *last;
    free(last);
    canvas_grid_clear(f->grid);
    dashboard_draw(f->d, &f->canvas);
    last = canvas_grid_text(f->grid);
    return last;
}

static void expect_on_screen(struct fix *f, const char *needle)
{
    const char *s = screen(f);
    if (strstr(s, needle) == NULL)
        fail_msg("not on screen: %s\n%s", needle, s);
}

/* The text of screen row y. */
static const char *row_text(struct fix *f, int y)
{
    static char buf[400];
    screen(f);
    return canvas_grid_row(f->grid, y, buf, sizeof buf);
}

static const char *first_row_name(struct fix *f)
{
    const struct podindex_row *r = panel_allpods_row(dashboard_allpods(f->d), 0);
    return r ? r->pod->obj.name : "(none)";
}

static void test_open_sort_filter_close(void **state)
{
    struct fix *f = *state;
    press(f, "P");
    assert_true(dashboard_allpods_is_open(f->d));
    /* every pod of both clusters: 6 + 6 */
    expect_on_screen(f, "All pods 12 (source 6, target 6) sorted by namespace asc");
    expect_on_screen(f, "CLUSTER");
    expect_on_screen(f, "NAMESPACE+");
    expect_on_screen(f, "RESTARTS");
    expect_on_screen(f, "us-east-1b");
    /* API text is made safe before it is drawn */
    expect_on_screen(f, "bare-\\x1b[31mred");
    /* > moves the sort column right, < left; I reverses */
    for (int i = 0; i < 4; i++)
        press(f, ">");
    expect_on_screen(f, "sorted by restarts asc");
    expect_on_screen(f, "RESTARTS+");
    press(f, "I");
    expect_on_screen(f, "sorted by restarts desc");
    expect_on_screen(f, "RESTARTS-");
    /* the crash-looping checkout pods of the target restarted most (42 spread over 2) */
    const struct podindex_row *top = panel_allpods_row(dashboard_allpods(f->d), 0);
    assert_non_null(top);
    assert_int_equal(top->side, 1);
    assert_int_equal(top->pod->restarts, 21);
    assert_non_null(strstr(row_text(f, 5), "CrashLoopBackOff"));
    press(f, "<");
    expect_on_screen(f, "sorted by status desc");
    /* a filter over the view: its count in the title */
    press(f, "/");
    type(f, "checkout");
    press(f, "Enter");
    expect_on_screen(f, "All pods 4 of 12");
    assert_int_equal(panel_allpods_count(dashboard_allpods(f->d)), 4);
    /* Esc clears the filter first, then closes the view */
    press(f, "Esc");
    expect_on_screen(f, "All pods 12 (source 6, target 6)");
    press(f, "Esc");
    assert_false(dashboard_allpods_is_open(f->d));
    expect_on_screen(f, "Workloads");
    /* q closes it too, without quitting */
    press(f, "P");
    assert_true(dashboard_allpods_is_open(f->d));
    int key;
    keymap_parse_key("q", &key);
    assert_int_equal(actions_run_key(&f->ctx, f->km, key) & ACT_QUIT, 0);
    assert_false(dashboard_allpods_is_open(f->d));
    /* and q on the dashboard quits */
    assert_true(actions_run_key(&f->ctx, f->km, key) & ACT_QUIT);
}

static void test_selection_survives_snapshots(void **state)
{
    struct fix *f = *state;
    press(f, "P");
    /* select the fourth row */
    for (int i = 0; i < 3; i++)
        press(f, "j");
    const struct podindex_row *sel = panel_allpods_selected(dashboard_allpods(f->d));
    assert_non_null(sel);
    char name[128];
    snprintf(name, sizeof name, "%s", sel->pod->obj.name);
    int side = sel->side;
    /* a new source snapshot: every row a new object, and a pod that sorts before them all */
    struct model_cluster *s2 = source();
    snapfix_pod(s2, "aaa", "first", NULL, NULL, NULL, true, 0, NULL, "x");
    dashboard_set_snapshots(f->d, s2, f->t, NOW + 2);
    sel = panel_allpods_selected(dashboard_allpods(f->d));
    assert_non_null(sel);
    assert_string_equal(sel->pod->obj.name, name);
    assert_int_equal(sel->side, side);
    assert_int_equal(dashboard_allpods(f->d)->sel, 4); /* it moved down one row with it */
    assert_string_equal(first_row_name(f), "first");
    /* the same rows shared by the next snapshot (a clone): still selected */
    struct model_cluster *s3 = model_cluster_clone(s2);
    dashboard_set_snapshots(f->d, s3, f->t, NOW + 4);
    sel = panel_allpods_selected(dashboard_allpods(f->d));
    assert_string_equal(sel->pod->obj.name, name);
    /* a new sort starts at the top */
    press(f, "I");
    assert_int_equal(dashboard_allpods(f->d)->sel, 0);
    model_cluster_unref(s2);
    model_cluster_unref(s3);
}

/* While the view is open the panels' analysis waits (it is most of a snapshot's cost on the UI
 * thread); closing the view runs it on the latest pair. */
static void test_analysis_waits_for_the_view(void **state)
{
    struct fix *f = *state;
    const struct analysis *before = dashboard_analysis(f->d);
    size_t nw = before->nworkloads;
    press(f, "P");
    struct model_cluster *s2 = source();
    snapfix_app(s2, MODEL_RES_DEPLOYMENTS, "new", "web", 2, 2, "nginx:1.27", 0, NULL);
    dashboard_set_snapshots(f->d, s2, f->t, NOW + 2);
    assert_ptr_equal(dashboard_analysis(f->d), before);
    expect_on_screen(f, "All pods 14 (source 8, target 6)");
    /* a resize meanwhile redraws the panels from the kept analysis */
    dashboard_resize(f->d, 30, 150);
    dashboard_resize(f->d, 30, 160);
    press(f, "q");
    const struct analysis *after = dashboard_analysis(f->d);
    assert_int_equal(after->nworkloads, nw + 1);
    expect_on_screen(f, "new/web");
    model_cluster_unref(s2);
}

static void test_enter_opens_the_workload(void **state)
{
    struct fix *f = *state;
    press(f, "P");
    press(f, "/");
    type(f, "checkout");
    press(f, "Enter");
    press(f, "Enter");
    /* the ReplicaSet's Deployment, both clusters side by side */
    expect_on_screen(f, "Pods of Deployment shop/checkout");
    press(f, "Esc");
    expect_on_screen(f, "All pods 4 of 12");
    /* a bare pod has no workload to open */
    press(f, "Esc");
    press(f, "/");
    type(f, "bare");
    press(f, "Enter");
    press(f, "Enter");
    expect_on_screen(f, "has no controller");
}

static void test_sort_keys_outside_the_view(void **state)
{
    struct fix *f = *state;
    /* on the Workloads panel the same keys sort it; severity (the analysis's order) by default */
    press(f, ">");
    expect_on_screen(f, "Workloads 3 sorted by kind asc");
    for (int i = 0; i < 5; i++)
        press(f, ">");
    expect_on_screen(f, "sorted by target restarts asc");
    const char *sa = screen(f);
    assert_true(strstr(sa, "shop/api") < strstr(sa, "shop/checkout")); /* 0 before 42 */
    press(f, "I");
    expect_on_screen(f, "sorted by target restarts desc");
    /* checkout crash-loops on the target (42 restarts): first, above api and redis */
    const char *sc = screen(f);
    const char *co = strstr(sc, "shop/checkout"), *api = strstr(sc, "shop/api");
    assert_non_null(co);
    assert_non_null(api);
    assert_true(co < api);
    press(f, "<");
    expect_on_screen(f, "sorted by target ready desc");
    /* elsewhere the keys say where sorting is */
    press(f, "Tab");
    press(f, ">");
    expect_on_screen(f, "sorting is in the Workloads panel and the all-pods view");
    /* the help screen lists the new actions with their keys */
    size_t n;
    struct panel_help_entry *e = actions_help(f->km, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if ((strcmp(e[i].action, "sort-next") == 0 && strcmp(e[i].keys, ">") == 0) ||
            (strcmp(e[i].action, "sort-prev") == 0 && strcmp(e[i].keys, "<") == 0) ||
            (strcmp(e[i].action, "sort-reverse") == 0 && strcmp(e[i].keys, "I") == 0) ||
            (strcmp(e[i].action, "pods-view") == 0 && strcmp(e[i].keys, "P") == 0))
            found++;
    assert_int_equal(found, 4);
    actions_help_free(e, n);
    char hints[256];
    assert_string_equal(actions_allpods_hints(f->km, hints, sizeof hints),
                        "<>:sort column  I:reverse  /:filter  Enter:its workload  Esc:back");
    /* config `keys:` can rebind them */
    size_t nn;
    const char *const *names = actions_names(&nn);
    struct error err;
    error_clear(&err);
    const char *text = "s: sort-next\n\">\": none\n";
    assert_int_equal(keymap_load_text(f->km, text, strlen(text), "test", names, nn, &err), 0);
    press(f, "P");
    press(f, "s");
    expect_on_screen(f, "sorted by name asc");
    press(f, ">");
    expect_on_screen(f, "sorted by name asc");
}

/* The screen row that shows `name` contains `needle`. */
static void expect_row(struct fix *f, const char *name, const char *needle)
{
    int y, x;
    char line[400];
    screen(f);
    if (canvas_grid_find(f->grid, name, &y, &x) != 0)
        fail_msg("%s not on screen", name);
    canvas_grid_row(f->grid, y, line, sizeof line);
    if (strstr(line, needle) == NULL)
        fail_msg("%s row without \"%s\": %s", name, needle, line);
}

/* CPU REQ and CPU LIM: drawn as kubectl writes them ("250m", "2", "-" none, "?" unknown),
 * sortable with > and I like every column, and left out at 80x24 where the essential columns
 * keep their room. */
static void test_cpu_columns(void **state)
{
    struct fix *f = *state;
    struct model_cluster *s = snapfix_new("onprem-prod", "v1.24.17", NOW);
    struct model_pod *p;
    p = snapfix_pod(s, "shop", "api-small", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = 250;
    p->cpu_limit_m = 500;
    p = snapfix_pod(s, "shop", "api-big", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = 2000;
    p->cpu_limit_m = 1500;
    snapfix_pod(s, "shop", "api-bare", NULL, NULL, NULL, true, 0, NULL, "x");
    p = snapfix_pod(s, "shop", "api-table", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = p->cpu_limit_m = MODEL_QTY_UNKNOWN;
    struct model_cluster *t = snapfix_new("eks-prod", "v1.29.6", NOW);
    dashboard_set_snapshots(f->d, s, t, NOW + 1);
    press(f, "P");
    expect_on_screen(f, "AGE  CPU REQ  CPU LIM");
    /* right-aligned under their headings, as kubectl writes them */
    expect_row(f, "api-big", " 2    1500m ");
    expect_row(f, "api-small", " 250m     500m ");
    expect_row(f, "api-bare", " -        - ");
    expect_row(f, "api-table", " ?        ? ");
    /* the CPU columns come last (after AGE): < from the first column wraps to them */
    press(f, "<");
    press(f, "<");
    press(f, "<");
    expect_on_screen(f, "sorted by cpu-request asc");
    expect_on_screen(f, "CPU REQ+");
    assert_string_equal(first_row_name(f), "api-bare"); /* none set is the lowest */
    press(f, "I");
    expect_on_screen(f, "CPU REQ-");
    assert_string_equal(first_row_name(f), "api-big");
    press(f, ">");
    expect_on_screen(f, "sorted by cpu-limit desc");
    assert_string_equal(first_row_name(f), "api-big");
    press(f, "I");
    assert_string_equal(first_row_name(f), "api-bare");
    const struct podindex_row *last = panel_allpods_row(dashboard_allpods(f->d), 3);
    assert_string_equal(last->pod->obj.name, "api-table"); /* unknown last */
    /* 80x24: the CPU columns give way; the essential columns stay */
    canvas_grid_free(f->grid);
    f->grid = canvas_grid_new(24, 80, true, &f->canvas);
    dashboard_resize(f->d, 24, 80);
    const char *scr = screen(f);
    assert_null(strstr(scr, "CPU REQ"));
    assert_null(strstr(scr, "CPU LIM"));
    static const char *const essential[] = {"CLUSTER", "NAMESPACE", "NAME", "READY",
                                            "STATUS",  "RESTARTS",  "AGE",  "api-big"};
    for (size_t i = 0; i < sizeof essential / sizeof essential[0]; i++)
        expect_on_screen(f, essential[i]);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_worker_index_arrives(void **state)
{
    struct fix *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    dashboard_set_index_worker(f->d, fds[1]);
    press(f, "P");
    /* until the worker is done the view says so, and keys do not wait for it */
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    assert_int_equal(poll(&p, 1, 10000), 1);
    char b[8];
    assert_true(read(fds[0], b, sizeof b) > 0);
    assert_int_equal(dashboard_allpods_poll(f->d), ACT_REDRAW);
    expect_on_screen(f, "All pods 12 (source 6, target 6)");
    /* a new snapshot: the previous order stays until the new index is taken */
    struct model_cluster *s2 = source();
    snapfix_pod(s2, "aaa", "first", NULL, NULL, NULL, true, 0, NULL, "x");
    dashboard_set_snapshots(f->d, s2, f->t, NOW + 2);
    assert_int_equal(poll(&p, 1, 10000), 1);
    assert_true(read(fds[0], b, sizeof b) > 0);
    assert_int_equal(dashboard_allpods_poll(f->d), ACT_REDRAW);
    expect_on_screen(f, "All pods 13 (source 7, target 6)");
    assert_string_equal(first_row_name(f), "first");
    model_cluster_unref(s2);
    press(f, "Esc");
    assert_false(dashboard_allpods_is_open(f->d));
    dashboard_free(f->d); /* stops the worker before the pipe goes */
    f->d = NULL;
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_sort_filter_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selection_survives_snapshots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analysis_waits_for_the_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enter_opens_the_workload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_keys_outside_the_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_index_arrives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_columns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
