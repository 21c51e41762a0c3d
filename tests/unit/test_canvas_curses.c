/* The ncurses canvas, on a curses screen whose output goes to a file: what reaches the
 * terminal. API text with escape sequences arrives as visible text, never as the sequence;
 * roles become colours, and no colour at all with NO_COLOR; box drawing is UTF-8 or ASCII. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas_curses.h"
#include "cutover/theme.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Draws with draw() on an xterm-256color screen and returns everything curses wrote. */
static char *render(void (*draw)(struct canvas *c, void *arg), bool ascii, size_t *len)
{
    struct theme th;
    theme_builtin(&th);
    char *buf = canvas_curses_render_bytes("xterm-256color", &th, ascii, draw, NULL, len);
    assert_non_null(buf);
    return buf;
}

static bool contains(const char *buf, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (memcmp(buf + i, needle, nl) == 0)
            return true;
    return false;
}

static void draw_evil(struct canvas *c, void *arg)
{
    (void)arg;
    canvas_text(c, 1, 0, -1, THEME_ROLE_VALUE_CRIT, 0, "pod\x1b]0;PWNED\x07 x\x1b[2J");
    canvas_box(c, (struct rect){4, 0, 3, 10}, THEME_ROLE_PANEL_BORDER, "Nodes",
               THEME_ROLE_PANEL_TITLE);
}

static void test_escape_sequences_reach_the_terminal_as_text(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    size_t len;
    char *out = render(draw_evil, false, &len);
    assert_true(contains(out, len, "pod\\x1b]0;PWNED\\x07 x\\x1b[2J"));
    assert_false(contains(out, len, "\x1b]0;PWNED"));
    assert_false(contains(out, len, "\x07"));
    /* UTF-8 box drawing, and colour for the roles */
    assert_true(contains(out, len, "\xe2\x94\x8c"));
    assert_true(contains(out, len, "\x1b[38;5;") || contains(out, len, "\x1b[9") ||
                contains(out, len, "\x1b[3"));
    free(out);
}

static void test_no_color_means_no_colour(void **state)
{
    (void)state;
    setenv("NO_COLOR", "1", 1);
    size_t len;
    char *out = render(draw_evil, true, &len);
    unsetenv("NO_COLOR");
    assert_false(contains(out, len, "\x1b[38;5;"));
    assert_false(contains(out, len, "\x1b[48;5;"));
    for (int c = 0; c < 8; c++) {
        char fg[8], bg[8];
        snprintf(fg, sizeof fg, "\x1b[3%dm", c);
        snprintf(bg, sizeof bg, "\x1b[4%dm", c);
        assert_false(contains(out, len, fg));
        assert_false(contains(out, len, bg));
    }
    /* ASCII line drawing was asked for */
    assert_false(contains(out, len, "\xe2\x94\x8c"));
    assert_true(contains(out, len, "Nodes"));
    assert_true(contains(out, len, "-+"));
    assert_true(contains(out, len, "pod\\x1b]0;PWNED"));
    free(out);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_sequences_reach_the_terminal_as_text),
        cmocka_unit_test(test_no_color_means_no_colour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
