/* The Runbook panel drawn onto a grid: steps with their states, the current step's gates with
 * reasons, action/approval/soak, the Lease holder; the driving keys shown to a driver and absent
 * (not greyed) for an observer. Golden files in tests/golden (CUTOVER_UPDATE_GOLDEN=1 rewrites). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas_grid.h"
#include "cutover/panel_runbook.h"

#include "../lib/testfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct runbook *example(void)
{
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/docs/examples/ec2-to-eks-weighted-dns.yaml", src ? src : ".");
    struct runbook *rb = NULL;
    struct error err;
    if (runbook_load_file(path, NULL, 0, &rb, &err) != 0)
        fail_msg("%s: %s", path, err.msg);
    return rb;
}

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
    char *want = test_file_must_read(path, NULL);
    if (strcmp(want, text) != 0)
        fprintf(stderr, "--- got (%s) ---\n%s--- end ---\n", name, text);
    assert_string_equal(text, want);
    free(want);
}

static char *draw(struct widget *w, int h, int wd, struct canvas_grid **gout)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(h, wd, false, &c);
    widget_layout(w, (struct rect){0, 0, h, wd});
    struct widget_view v;
    memset(&v, 0, sizeof v);
    widget_draw(w, &c, &v, true);
    char *t = canvas_grid_text(g);
    if (gout)
        *gout = g;
    else
        canvas_grid_free(g);
    return t;
}

static void test_driving_and_observing(void **state)
{
    (void)state;
    struct runbook *rb = example();
    enum runbook_step_state st[4] = {RUNBOOK_STEP_DONE, RUNBOOK_STEP_DONE, RUNBOOK_STEP_SOAKING,
                                     RUNBOOK_STEP_PENDING};
    struct runbook_gate g[2] = {
        {RUNBOOK_PASS, "shop/api 6/6 ready on target"},
        {RUNBOOK_FAIL, "api-dns sends 10% to new, expected 0% (weights 90/10)"},
    };
    struct panel_runbook_state ps = {
        .rb = rb,
        .states = st,
        .current = 2,
        .gates = g,
        .ngates = 2,
        .lease = "is held by alice@laptop since 2026-11-23 14:02:11 UTC",
        .soak_left_s = 754,
        .message = "done: live now old 70 new 30",
    };
    struct widget *w = panel_runbook_new();
    panel_runbook_set(w, &ps);
    struct canvas_grid *grid;
    char *t = draw(w, 16, 80, &grid);
    golden("panel_runbook_80x16", t);
    int y, x;
    assert_int_equal(canvas_grid_find(grid, "DRIVING", &y, &x), 0);
    assert_int_equal(canvas_grid_find(grid, "Enter: run the step", &y, &x), 0);
    assert_int_equal(canvas_grid_find(grid, "soak: 12m34s left", &y, &x), 0);
    assert_int_equal(canvas_grid_find(grid, "FAIL", &y, &x), 0);
    assert_int_equal(canvas_grid_role(grid, y, x, NULL), THEME_ROLE_VALUE_CRIT);
    canvas_grid_free(grid);
    free(t);

    /* The observer sees the same runbook and no key that drives it. */
    ps.observer = true;
    ps.message = NULL;
    panel_runbook_set(w, &ps);
    t = draw(w, 16, 80, &grid);
    golden("panel_runbook_80x16_observer", t);
    assert_int_equal(canvas_grid_find(grid, "OBSERVER", &y, &x), 0);
    assert_int_equal(canvas_grid_find(grid, "Enter:", &y, &x), -1);
    assert_int_equal(canvas_grid_find(grid, "roll back", &y, &x), -1);
    canvas_grid_free(grid);
    free(t);

    /* All done; the summary line for the folded layout says so. */
    enum runbook_step_state done[4] = {RUNBOOK_STEP_DONE, RUNBOOK_STEP_DONE, RUNBOOK_STEP_DONE,
                                       RUNBOOK_STEP_DONE};
    ps.states = done;
    ps.current = 4;
    ps.gates = NULL;
    panel_runbook_set(w, &ps);
    t = draw(w, 10, 60, &grid);
    assert_int_equal(canvas_grid_find(grid, "every step is done", &y, &x), 0);
    canvas_grid_free(grid);
    free(t);
    char sum[200];
    struct widget_view v;
    memset(&v, 0, sizeof v);
    widget_summary(w, &v, sum, sizeof sum);
    assert_string_equal(sum, "Runbook shop-api-to-eks: all 4 steps done");
    widget_free(w);
    runbook_free(rb);
}

static void test_api_text_is_made_safe(void **state)
{
    (void)state;
    struct runbook *rb = example();
    enum runbook_step_state st[4] = {0};
    struct runbook_gate g[4] = {{RUNBOOK_UNKNOWN, "x"}};
    struct panel_runbook_state ps = {.rb = rb,
                                     .states = st,
                                     .current = 0,
                                     .gates = g,
                                     .ngates = 4,
                                     .lease = "is held by eve\x1b[2J@host",
                                     .soak_left_s = -1};
    struct widget *w = panel_runbook_new();
    panel_runbook_set(w, &ps);
    struct canvas_grid *grid;
    char *t = draw(w, 16, 100, &grid);
    assert_null(strchr(t, 0x1b));
    int y, x;
    assert_int_equal(canvas_grid_find(grid, "eve\\x1b[2J@host", &y, &x), 0);
    canvas_grid_free(grid);
    free(t);
    widget_free(w);
    runbook_free(rb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driving_and_observing),
        cmocka_unit_test(test_api_text_is_made_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
