/* Dashboard layout from 80x24 to 300x100: everything on screen, nothing overlapping, the focused
 * panel always visible, folded panels always summarised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/layout.h"

static bool inside(struct rect r, int h, int w)
{
    if (r.h == 0 || r.w == 0)
        return true;
    return r.y >= 0 && r.x >= 0 && r.h > 0 && r.w > 0 && r.y + r.h <= h && r.x + r.w <= w;
}

static void check_layout(int h, int w, enum panel_id focus, int zones, int workloads)
{
    struct layout_in in = {
        .h = h, .w = w, .focus = focus, .nodes_rows = zones, .workloads_rows = workloads};
    struct layout l;
    layout_compute(&in, &l);
    assert_false(l.too_small);
    struct rect all[3 + 2 * PANEL_COUNT];
    int n = 0;
    all[n++] = l.header;
    all[n++] = l.status;
    for (int i = 0; i < PANEL_COUNT; i++) {
        all[n++] = l.panel[i];
        all[n++] = l.summary[i];
        /* each panel is either shown or summarised, never both nor neither */
        assert_true((l.panel[i].h > 0) != (l.summary[i].h > 0));
    }
    for (int i = 0; i < n; i++) {
        assert_true(inside(all[i], h, w));
        for (int j = i + 1; j < n; j++)
            assert_false(layout_rect_overlap(all[i], all[j]));
    }
    assert_int_equal(l.status.y, h - 1);
    assert_int_equal(l.header.h, LAYOUT_HEADER_ROWS);
    /* both headers share the top, the source on the left */
    assert_true(l.header_col[0].w >= (w - 1) / 2);
    assert_true(l.header_col[1].x > l.header_col[0].x + l.header_col[0].w - 1);
    assert_int_equal(l.header_col[1].x + l.header_col[1].w, w);
    /* the focused panel is always shown and usable */
    assert_true(l.panel[focus].h >= 3);
    assert_int_equal(l.panel[focus].w > 0, 1);
    /* no row of the body is wasted */
    int rows = 0;
    for (int i = 0; i < PANEL_COUNT; i++)
        if (l.folded || i != PANEL_SECRETS) /* secrets sits beside traffic when not folded */
            rows += l.panel[i].h + l.summary[i].h;
    assert_int_equal(rows, l.body.h);
    if (!l.folded) {
        /* the nodes panel fits every zone row */
        assert_true(l.panel[PANEL_NODES].h >= zones + 3);
        /* traffic and secrets side by side */
        assert_int_equal(l.panel[PANEL_TRAFFIC].y, l.panel[PANEL_SECRETS].y);
    }
}

static void test_every_size_from_80x24_to_300x100(void **state)
{
    (void)state;
    for (int h = 24; h <= 100; h += 1)
        for (int w = 80; w <= 300; w += 7)
            for (int f = 0; f < PANEL_COUNT; f++)
                check_layout(h, w, (enum panel_id)f, 1 + (h + w) % 6, (h * w) % 40);
    check_layout(100, 300, PANEL_FINDINGS, 3, 0);
}

static void test_small_terminal_folds_to_focused_panel(void **state)
{
    (void)state;
    struct layout_in in = {.h = 24, .w = 80, .focus = PANEL_WORKLOADS, .nodes_rows = 3};
    struct layout l;
    layout_compute(&in, &l);
    assert_true(l.folded);
    /* summaries before the focused panel stay above it, those after below */
    assert_int_equal(l.summary[PANEL_NODES].y, 2);
    assert_int_equal(l.panel[PANEL_WORKLOADS].y, 3);
    assert_int_equal(l.panel[PANEL_WORKLOADS].h, 24 - 3 - 4);
    assert_int_equal(l.summary[PANEL_TRAFFIC].y, 3 + 17);
    assert_int_equal(l.summary[PANEL_FINDINGS].y, 22);
}

static void test_large_terminal_shows_every_panel(void **state)
{
    (void)state;
    struct layout_in in = {.h = 48, .w = 160, .focus = PANEL_NODES, .nodes_rows = 3};
    struct layout l;
    layout_compute(&in, &l);
    assert_false(l.folded);
    assert_int_equal(l.panel[PANEL_NODES].h, 6);
    assert_true(l.panel[PANEL_WORKLOADS].h > l.panel[PANEL_FINDINGS].h);
    assert_true(l.panel[PANEL_FINDINGS].h >= 6);
    assert_int_equal(l.panel[PANEL_TRAFFIC].w + l.panel[PANEL_SECRETS].w + 1, 160);
    assert_int_equal(l.header_col[0].w, 80);
    assert_int_equal(l.header_col[1].x, 81);
}

static void test_short_workload_table_gives_rows_to_findings(void **state)
{
    (void)state;
    struct layout_in in = {.h = 48, .w = 160, .focus = PANEL_NODES, .nodes_rows = 3};
    struct layout l;
    layout_compute(&in, &l);
    int findings_default = l.panel[PANEL_FINDINGS].h;
    in.workloads_rows = 9;
    layout_compute(&in, &l);
    assert_int_equal(l.panel[PANEL_WORKLOADS].h, 12); /* 9 rows, a header, two edges */
    assert_true(l.panel[PANEL_FINDINGS].h > findings_default);
    /* a long table takes no more than its share */
    in.workloads_rows = 500;
    layout_compute(&in, &l);
    assert_true(l.panel[PANEL_WORKLOADS].h <= (48 - 3 - 6 - 3) * 3 / 5);
    assert_true(l.panel[PANEL_FINDINGS].h >= 6);
    /* an empty table keeps its minimum */
    in.workloads_rows = 1;
    layout_compute(&in, &l);
    assert_int_equal(l.panel[PANEL_WORKLOADS].h, 10);
}

static void test_too_small(void **state)
{
    (void)state;
    struct layout_in in = {.h = 8, .w = 30};
    struct layout l;
    layout_compute(&in, &l);
    assert_true(l.too_small);
    assert_int_equal(l.panel[PANEL_NODES].h, 0);
}

static void test_panel_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < PANEL_COUNT; i++)
        assert_int_equal(layout_panel_from_name(layout_panel_name((enum panel_id)i)), i);
    assert_int_equal(layout_panel_from_name("pods"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_size_from_80x24_to_300x100),
        cmocka_unit_test(test_small_terminal_folds_to_focused_panel),
        cmocka_unit_test(test_large_terminal_shows_every_panel),
        cmocka_unit_test(test_short_workload_table_gives_rows_to_findings),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_panel_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
