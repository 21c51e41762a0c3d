/* The canvas: clipping, sanitizing, boxes, wide characters, on the in-memory grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas.h"
#include "cutover/canvas_grid.h"

#include <stdlib.h>
#include <string.h>

static void test_text_and_clip(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(3, 10, true, &c);
    char row[128];
    assert_int_equal(canvas_text(&c, 0, 0, -1, 1, 0, "hello"), 5);
    assert_string_equal(canvas_grid_row(g, 0, row, sizeof row), "hello");
    /* too long for the canvas: cut with a visible mark */
    assert_int_equal(canvas_text(&c, 1, 2, -1, 1, 0, "0123456789"), 8);
    assert_string_equal(canvas_grid_row(g, 1, row, sizeof row), "  0123456~");
    /* outside rows are dropped */
    canvas_text(&c, 5, 0, -1, 1, 0, "nothing");
    canvas_text(&c, -1, 0, -1, 1, 0, "nothing");
    char *t = canvas_grid_text(g);
    assert_string_equal(t, "hello\n  0123456~\n\n");
    free(t);
    canvas_grid_free(g);
}

static void test_sub_canvas_clips_to_its_rect(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(4, 12, true, &c);
    struct canvas s = canvas_sub(&c, (struct rect){1, 3, 2, 4});
    assert_int_equal(canvas_width(&s), 4);
    assert_int_equal(canvas_height(&s), 2);
    canvas_text(&s, 0, 0, 100, 2, 0, "abcdefgh");
    canvas_text(&s, 1, -2, 100, 2, 0, "xyzw");
    canvas_text(&s, 2, 0, 100, 2, 0, "never");
    char *t = canvas_grid_text(g);
    assert_string_equal(t, "\n   abc~\n   zw\n\n");
    free(t);
    /* the role and attributes stay with the cell */
    unsigned attr = 99;
    assert_int_equal(canvas_grid_role(g, 1, 3, &attr), 2);
    assert_int_equal(attr, 0);
    canvas_grid_free(g);
}

static void test_sub_canvas_cut_mark_respects_clip(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(1, 12, true, &c);
    struct canvas s = canvas_sub(&c, (struct rect){0, 2, 1, 5});
    canvas_text(&s, 0, 0, -1, 0, 0, "abcdefgh");
    char row[64];
    assert_string_equal(canvas_grid_row(g, 0, row, sizeof row), "  abcd~");
    canvas_grid_free(g);
}

static void test_escape_sequences_never_reach_cells(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(2, 40, true, &c);
    canvas_text(&c, 0, 0, -1, 0, 0, "pod\x1b[2J\x1b]0;x\x07");
    canvas_textf(&c, 1, 0, -1, 0, 0, "msg %s", "a\rb\x9b");
    char *t = canvas_grid_text(g);
    assert_null(strchr(t, 0x1b));
    assert_null(strchr(t, '\r'));
    assert_null(strchr(t, 0x07));
    assert_string_equal(t, "pod\\x1b[2J\\x1b]0;x\\x07\nmsg a\\x0db\\x9b\n");
    free(t);
    canvas_grid_free(g);
}

static void test_box_utf8_and_ascii(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(3, 12, true, &c);
    canvas_box(&c, (struct rect){0, 0, 3, 12}, 0, "Nodes", 1);
    char *t = canvas_grid_text(g);
    assert_string_equal(t, "+ Nodes ---+\n|          |\n+----------+\n");
    free(t);
    canvas_grid_free(g);

    g = canvas_grid_new(3, 4, false, &c);
    canvas_box(&c, (struct rect){0, 0, 3, 4}, 0, NULL, 0);
    t = canvas_grid_text(g);
    assert_string_equal(t, "┌──┐\n│  │\n└──┘\n");
    free(t);
    canvas_grid_free(g);
}

static void test_wide_characters_take_two_cells(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(1, 6, true, &c);
    assert_int_equal(canvas_str_width("日本"), 4);
    assert_int_equal(canvas_text(&c, 0, 0, -1, 0, 0, "日本語"), 6);
    char row[64];
    assert_string_equal(canvas_grid_row(g, 0, row, sizeof row), "日本語");
    canvas_grid_clear(g);
    /* a wide glyph that would straddle the edge is not half drawn */
    assert_int_equal(canvas_text(&c, 0, 1, -1, 0, 0, "日本語"), 5);
    assert_string_equal(canvas_grid_row(g, 0, row, sizeof row), " 日本~");
    canvas_grid_free(g);
}

static void test_right_aligned_and_fill(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(2, 10, true, &c);
    canvas_text_right(&c, 0, 10, -1, 0, 0, "12ms");
    canvas_fill(&c, (struct rect){1, 0, 1, 10}, 3, CANVAS_REVERSE);
    char row[64];
    assert_string_equal(canvas_grid_row(g, 0, row, sizeof row), "      12ms");
    unsigned attr = 0;
    assert_int_equal(canvas_grid_role(g, 1, 9, &attr), 3);
    assert_int_equal(attr, CANVAS_REVERSE);
    int y = -1, x = -1;
    assert_int_equal(canvas_grid_find(g, "12ms", &y, &x), 0);
    assert_int_equal(y, 0);
    assert_int_equal(x, 6);
    assert_int_equal(canvas_grid_find(g, "absent", &y, &x), -1);
    canvas_grid_free(g);
}

static void test_wrap_at_spaces(void **state)
{
    (void)state;
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(4, 12, true, &c);
    const char *msg = "3 of 3 control-plane nodes in us-east-1a";
    assert_int_equal(canvas_text_wrap(NULL, 0, 0, 12, 10, 0, 0, msg), 4);
    assert_int_equal(canvas_text_wrap(&c, 0, 0, 12, 3, 0, 0, msg), 3);
    char *t = canvas_grid_text(g);
    assert_string_equal(t, "3 of 3\ncontrol-plan\ne nodes in ~\n\n");
    free(t);
    canvas_grid_clear(g);
    assert_int_equal(canvas_text_wrap(&c, 0, 0, 12, 5, 0, 0, "a\x1b[2J b"), 1);
    t = canvas_grid_text(g);
    assert_string_equal(t, "a\\x1b[2J b\n\n\n\n");
    free(t);
    canvas_grid_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_clip),
        cmocka_unit_test(test_sub_canvas_clips_to_its_rect),
        cmocka_unit_test(test_sub_canvas_cut_mark_respects_clip),
        cmocka_unit_test(test_escape_sequences_never_reach_cells),
        cmocka_unit_test(test_box_utf8_and_ascii),
        cmocka_unit_test(test_wide_characters_take_two_cells),
        cmocka_unit_test(test_right_aligned_and_fill),
        cmocka_unit_test(test_wrap_at_spaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
