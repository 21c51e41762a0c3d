/* The action table: sorted, every default binding names an action, the help screen and the
 * status hints are generated from it, and keys reach the dashboard through it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/actions.h"
#include "cutover/canvas_grid.h"
#include "cutover/keymap.h"

#include <stdlib.h>
#include <string.h>

static void test_table_is_sorted_and_searchable(void **state)
{
    (void)state;
    size_t n, nn;
    const struct action *t = actions_table(&n);
    const char *const *names = actions_names(&nn);
    assert_int_equal(n, nn);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t[i].name, names[i]);
        assert_non_null(t[i].fn);
        assert_true(strlen(t[i].help) > 0);
        if (i > 0)
            assert_true(strcmp(t[i - 1].name, t[i].name) < 0);
        assert_ptr_equal(actions_find(t[i].name), &t[i]);
    }
    assert_null(actions_find("no-such-action"));
}

static void test_default_keys_bind_to_actions(void **state)
{
    (void)state;
    size_t n;
    const char *const *names = actions_names(&n);
    struct error err;
    struct keymap *km = keymap_new_default(names, n, &err);
    assert_non_null(km);
    struct dashboard_opts o = {.context = {"a", "b"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct action_ctx ctx = {.dash = d};
    assert_int_equal(actions_run_key(&ctx, km, 'q'), ACT_QUIT);
    assert_int_equal(actions_run_key(&ctx, km, KEYMAP_MOD_CTRL | 'c'), ACT_QUIT);
    assert_int_equal(actions_run_key(&ctx, km, 'Z'), ACT_NONE); /* unbound */
    actions_run_key(&ctx, km, '?');
    assert_true(dashboard_help_open(d));
    actions_run_key(&ctx, km, KEYMAP_KEY_ESC);
    assert_false(dashboard_help_open(d));
    enum panel_id f = dashboard_focused(d);
    actions_run_key(&ctx, km, KEYMAP_KEY_TAB);
    assert_int_equal(dashboard_focused(d), (f + 1) % PANEL_COUNT);
    actions_run_key(&ctx, km, KEYMAP_KEY_BTAB);
    assert_int_equal(dashboard_focused(d), f);
    actions_run_key(&ctx, km, '/');
    assert_int_equal(dashboard_prompt(d), DASHBOARD_PROMPT_FILTER);
    dashboard_back(d);
    actions_run_key(&ctx, km, ':');
    assert_int_equal(dashboard_prompt(d), DASHBOARD_PROMPT_COMMAND);
    /* rebinding is data: a user's `keys:` entry moves quit to x */
    keymap_bind(km, 'x', "quit");
    keymap_unbind(km, 'q');
    dashboard_back(d);
    assert_int_equal(actions_run_key(&ctx, km, 'x'), ACT_QUIT);
    assert_int_equal(actions_run_key(&ctx, km, 'q'), ACT_NONE);
    dashboard_free(d);
    keymap_free(km);
}

static int refreshed;
static void count_refresh(void *arg)
{
    (void)arg;
    refreshed++;
}

static void test_refresh_calls_the_pollers(void **state)
{
    (void)state;
    size_t n;
    const char *const *names = actions_names(&n);
    struct error err;
    struct keymap *km = keymap_new_default(names, n, &err);
    struct dashboard_opts o = {.context = {"a", "b"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    struct action_ctx ctx = {.dash = d, .refresh = count_refresh};
    refreshed = 0;
    assert_int_equal(actions_run_key(&ctx, km, 'r'), ACT_REDRAW);
    assert_int_equal(refreshed, 1);
    dashboard_free(d);
    keymap_free(km);
}

static void test_help_is_generated_from_the_table(void **state)
{
    (void)state;
    size_t n, nh;
    const char *const *names = actions_names(&n);
    struct error err;
    struct keymap *km = keymap_new_default(names, n, &err);
    struct panel_help_entry *e = actions_help(km, &nh);
    assert_int_equal(nh, n); /* every action appears once */
    bool saw_down = false, saw_unbound = false;
    for (size_t i = 0; i < nh; i++) {
        if (strcmp(e[i].action, "down") == 0) {
            saw_down = true;
            assert_non_null(strstr(e[i].keys, "j"));
            assert_non_null(strstr(e[i].keys, "Down"));
        }
        if (strcmp(e[i].keys, "(unbound)") == 0)
            saw_unbound = true;
        else
            assert_false(saw_unbound); /* bound ones first */
    }
    assert_true(saw_down);
    struct dashboard_opts o = {.context = {"a", "b"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    dashboard_set_help(d, e, nh);
    dashboard_resize(d, 64, 120); /* tall enough for the whole table */
    dashboard_help_toggle(d);
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(64, 120, false, &c);
    dashboard_draw(d, &c);
    char *t = canvas_grid_text(g);
    assert_non_null(strstr(t, "page-down"));
    assert_non_null(strstr(t, "open the selected workload's pods in both clusters"));
    free(t);
    char hints[256];
    actions_hints(km, hints, sizeof hints);
    assert_non_null(strstr(hints, "?:help"));
    assert_non_null(strstr(hints, "q:quit"));
    canvas_grid_free(g);
    dashboard_free(d);
    actions_help_free(e, nh);
    keymap_free(km);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_sorted_and_searchable),
        cmocka_unit_test(test_default_keys_bind_to_actions),
        cmocka_unit_test(test_refresh_calls_the_pollers),
        cmocka_unit_test(test_help_is_generated_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
