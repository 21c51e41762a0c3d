/* Key bindings as data: every key spec parses and prints back, rebinding and unbinding work, an
 * unknown action is an error at its file:line:col, and the default table round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/keymap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the TUI's action table would name. */
static const char *const actions[] = {
    "back",
    "bottom",
    "command",
    "down",
    "filter",
    "help",
    "next-panel",
    "page-down",
    "page-up",
    "prev-panel",
    "quit",
    "refresh",
    "select",
    "top",
    "up",
    /* traffic changes (issue #4), secret drift (issue #5) */
    "traffic-next",
    "traffic-prev",
    "traffic-set",
    "traffic-rollback",
    "drift-view",
    "drift-force-sync",
    /* the all-pods view and its sort (issue #7) */
    "pods-view",
    "sort-next",
    "sort-prev",
    "sort-reverse",
};
#define NACTIONS (sizeof actions / sizeof actions[0])

static int key_of(const char *spec)
{
    int k = -12345;
    assert_int_equal(keymap_parse_key(spec, &k), 0);
    return k;
}

static void assert_name(int key, const char *want)
{
    char buf[32];
    assert_string_equal(keymap_key_name(key, buf, sizeof buf), want);
}

static void test_single_characters(void **state)
{
    (void)state;
    const char *chars[] = {"q", "?", "/", ":", "[", "]", "G", "g", "!", "-", "1", "~"};
    for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++) {
        int k = key_of(chars[i]);
        assert_int_equal(k, (unsigned char)chars[i][0]);
        assert_name(k, chars[i]);
    }
    /* Single characters are case-sensitive: g and G are different keys. */
    assert_int_not_equal(key_of("g"), key_of("G"));
    /* A non-ASCII character is its code point. */
    assert_int_equal(key_of("é"), 0xe9);
    assert_name(0xe9, "é");
}

static void test_named_keys(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int key;
        const char *name;
    } cases[] = {
        {"Tab", KEYMAP_KEY_TAB, "Tab"},
        {"S-Tab", KEYMAP_KEY_BTAB, "S-Tab"},
        {"BTab", KEYMAP_KEY_BTAB, "S-Tab"},
        {"Enter", KEYMAP_KEY_ENTER, "Enter"},
        {"Return", KEYMAP_KEY_ENTER, "Enter"},
        {"Esc", KEYMAP_KEY_ESC, "Esc"},
        {"escape", KEYMAP_KEY_ESC, "Esc"},
        {"Up", KEYMAP_KEY_UP, "Up"},
        {"Down", KEYMAP_KEY_DOWN, "Down"},
        {"Left", KEYMAP_KEY_LEFT, "Left"},
        {"Right", KEYMAP_KEY_RIGHT, "Right"},
        {"PgUp", KEYMAP_KEY_PGUP, "PgUp"},
        {"PageDown", KEYMAP_KEY_PGDN, "PgDn"},
        {"pgdn", KEYMAP_KEY_PGDN, "PgDn"},
        {"Home", KEYMAP_KEY_HOME, "Home"},
        {"End", KEYMAP_KEY_END, "End"},
        {"Space", ' ', "Space"},
        {" ", ' ', "Space"},
        {"F1", KEYMAP_KEY_F(1), "F1"},
        {"F10", KEYMAP_KEY_F(10), "F10"},
        {"F12", KEYMAP_KEY_F(12), "F12"},
        {"C-c", KEYMAP_MOD_CTRL | 'c', "C-c"},
        {"C-C", KEYMAP_MOD_CTRL | 'c', "C-c"},
        {"C-f", KEYMAP_MOD_CTRL | 'f', "C-f"},
        {"M-x", KEYMAP_MOD_META | 'x', "M-x"},
        {"M-X", KEYMAP_MOD_META | 'X', "M-X"},
        {"C-M-x", KEYMAP_MOD_CTRL | KEYMAP_MOD_META | 'x', "C-M-x"},
        {"M-C-x", KEYMAP_MOD_CTRL | KEYMAP_MOD_META | 'x', "C-M-x"},
        {"M-Enter", KEYMAP_MOD_META | KEYMAP_KEY_ENTER, "M-Enter"},
        {"C-Up", KEYMAP_MOD_CTRL | KEYMAP_KEY_UP, "C-Up"},
        {"C-Space", KEYMAP_MOD_CTRL | ' ', "C-Space"},
        /* What terminals cannot tell apart is the same key. */
        {"C-i", KEYMAP_KEY_TAB, "Tab"},
        {"C-m", KEYMAP_KEY_ENTER, "Enter"},
        {"C-[", KEYMAP_KEY_ESC, "Esc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int k = -1;
        if (keymap_parse_key(cases[i].spec, &k) != 0)
            fail_msg("'%s' does not parse", cases[i].spec);
        if (k != cases[i].key)
            fail_msg("'%s' parsed as %#x, want %#x", cases[i].spec, k, cases[i].key);
        assert_name(k, cases[i].name);
        /* The display name parses back to the same key. */
        assert_int_equal(key_of(cases[i].name), k);
    }
}

static void test_bad_specs_are_rejected(void **state)
{
    (void)state;
    const char *bad[] = {"",   "Foo", "F0", "F13",  "F1x", "C-",   "C-1",  "S-x1", "S-Up",
                         "qq", "X-q", "\t", "\x7f", "C--", "Tabs", "\xff", "\xc3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int k = 7;
        if (keymap_parse_key(bad[i], &k) != -EINVAL)
            fail_msg("'%s' should not parse", bad[i]);
        assert_int_equal(k, 7); /* untouched */
    }
}

static void test_raw_bytes_map_to_keys(void **state)
{
    (void)state;
    assert_int_equal(keymap_key_from_byte(3), key_of("C-c"));
    assert_int_equal(keymap_key_from_byte(6), key_of("C-f"));
    assert_int_equal(keymap_key_from_byte(2), key_of("C-b"));
    assert_int_equal(keymap_key_from_byte(9), key_of("Tab"));
    assert_int_equal(keymap_key_from_byte(13), key_of("Enter"));
    assert_int_equal(keymap_key_from_byte(10), key_of("Enter"));
    assert_int_equal(keymap_key_from_byte(27), key_of("Esc"));
    assert_int_equal(keymap_key_from_byte(127), key_of("Backspace"));
    assert_int_equal(keymap_key_from_byte(0), key_of("C-Space"));
    assert_int_equal(keymap_key_from_byte('q'), key_of("q"));
    assert_int_equal(keymap_key_from_byte(' '), key_of("Space"));
}

static void test_bind_rebind_unbind(void **state)
{
    (void)state;
    struct keymap *km = keymap_new();
    assert_int_equal(keymap_count(km), 0);
    assert_null(keymap_lookup(km, 'q'));
    keymap_bind(km, 'q', "quit");
    keymap_bind(km, KEYMAP_MOD_CTRL | 'c', "quit");
    keymap_bind(km, 'j', "down");
    assert_string_equal(keymap_lookup(km, 'q'), "quit");
    assert_int_equal(keymap_count(km), 3);
    /* Rebinding replaces, it does not add. */
    keymap_bind(km, 'q', "back");
    assert_string_equal(keymap_lookup(km, 'q'), "back");
    assert_int_equal(keymap_count(km), 3);
    int keys[4];
    assert_int_equal(keymap_keys_for(km, "quit", keys, 4), 1);
    assert_int_equal(keys[0], KEYMAP_MOD_CTRL | 'c');
    assert_int_equal(keymap_unbind(km, 'q'), 0);
    assert_null(keymap_lookup(km, 'q'));
    assert_int_equal(keymap_unbind(km, 'q'), -ENOENT);
    assert_int_equal(keymap_count(km), 2);
    /* Iteration is in key order and sees every binding once. */
    int prev = -1, n = 0, key;
    const char *action;
    for (size_t i = 0; keymap_entry(km, i, &key, &action) == 0; i++, n++) {
        assert_true(key > prev);
        assert_string_equal(keymap_lookup(km, key), action);
        prev = key;
    }
    assert_int_equal(n, 2);
    keymap_free(km);
    keymap_free(NULL);
}

static void test_defaults_are_k9s_familiar(void **state)
{
    (void)state;
    struct error err;
    error_clear(&err);
    struct keymap *km = keymap_new_default(actions, NACTIONS, &err);
    assert_non_null(km);
    static const struct {
        const char *spec, *action;
    } want[] = {
        {"?", "help"},
        {":", "command"},
        {"/", "filter"},
        {"Tab", "next-panel"},
        {"S-Tab", "prev-panel"},
        {"j", "down"},
        {"Down", "down"},
        {"k", "up"},
        {"Up", "up"},
        {"PgDn", "page-down"},
        {"C-f", "page-down"},
        {"PgUp", "page-up"},
        {"C-b", "page-up"},
        {"g", "top"},
        {"Home", "top"},
        {"G", "bottom"},
        {"End", "bottom"},
        {"Enter", "select"},
        {"Esc", "back"},
        {"r", "refresh"},
        {"q", "quit"},
        {"C-c", "quit"},
        /* traffic changes (issue #4) */
        {"]", "traffic-next"},
        {"[", "traffic-prev"},
        {"W", "traffic-set"},
        {"R", "traffic-rollback"},
        /* secret drift (issue #5) */
        {"D", "drift-view"},
        {"F", "drift-force-sync"},
        /* the all-pods view and its sort (issue #7) */
        {"P", "pods-view"},
        {"<", "sort-prev"},
        {">", "sort-next"},
        {"I", "sort-reverse"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *got = keymap_lookup(km, key_of(want[i].spec));
        if (got == NULL || strcmp(got, want[i].action) != 0)
            fail_msg("%s: got %s, want %s", want[i].spec, got ? got : "(unbound)", want[i].action);
    }
    assert_int_equal(keymap_count(km), sizeof want / sizeof want[0]);
    int keys[4];
    assert_int_equal(keymap_keys_for(km, "quit", keys, 4), 2);
    keymap_free(km);
}

static void test_default_table_round_trips(void **state)
{
    (void)state;
    struct error err;
    error_clear(&err);
    struct keymap *km = keymap_new_default(actions, NACTIONS, &err);
    assert_non_null(km);
    /* Write the table out in the user's format, read it back: the same bindings. */
    char text[4096];
    size_t o = 0;
    int key;
    const char *action;
    for (size_t i = 0; keymap_entry(km, i, &key, &action) == 0; i++) {
        char name[32];
        o += (size_t)snprintf(text + o, sizeof text - o, "\"%s\": %s\n",
                              keymap_key_name(key, name, sizeof name), action);
    }
    struct keymap *back = keymap_new();
    assert_int_equal(keymap_load_text(back, text, o, "roundtrip", actions, NACTIONS, &err), 0);
    assert_int_equal(keymap_count(back), keymap_count(km));
    for (size_t i = 0; keymap_entry(km, i, &key, &action) == 0; i++)
        assert_string_equal(keymap_lookup(back, key), action);
    keymap_free(back);
    keymap_free(km);
}

static void test_user_text_rebinds_and_unbinds(void **state)
{
    (void)state;
    struct error err;
    error_clear(&err);
    struct keymap *km = keymap_new_default(actions, NACTIONS, &err);
    const char *user = "q: none\n"
                       "x: quit\n"
                       "F5: refresh\n"
                       "\"C-c\": none\n";
    assert_int_equal(keymap_load_text(km, user, strlen(user), "u.yaml", actions, NACTIONS, &err),
                     0);
    assert_null(keymap_lookup(km, 'q'));
    assert_null(keymap_lookup(km, KEYMAP_MOD_CTRL | 'c'));
    assert_string_equal(keymap_lookup(km, 'x'), "quit");
    assert_string_equal(keymap_lookup(km, KEYMAP_KEY_F(5)), "refresh");
    /* Still bound: what the user did not touch. */
    assert_string_equal(keymap_lookup(km, 'r'), "refresh");
    keymap_free(km);
}

static void check_error(const char *text, int line, int col, const char *needle)
{
    struct error err;
    error_clear(&err);
    struct keymap *km = keymap_new();
    keymap_bind(km, 'q', "quit");
    int rc = keymap_load_text(km, text, strlen(text), "keys.yaml", actions, NACTIONS, &err);
    assert_true(rc < 0);
    assert_string_equal(err.file, "keys.yaml");
    if (err.line != line || err.col != col || strstr(err.msg, needle) == NULL)
        fail_msg("got %d:%d: %s; want %d:%d: ...%s...", err.line, err.col, err.msg, line, col,
                 needle);
    /* All or nothing: the keymap is untouched. */
    assert_int_equal(keymap_count(km), 1);
    assert_string_equal(keymap_lookup(km, 'q'), "quit");
    keymap_free(km);
}

static void test_errors_have_positions(void **state)
{
    (void)state;
    check_error("x: down\nj: jump\n", 2, 4, "unknown action 'jump'");
    check_error("x: down\nj: jump\n", 2, 4, "known: back, bottom");
    check_error("x: down\n  Foo: up\n", 2, 6, "");
    check_error("x: down\nHyper-q: up\n", 2, 1, "unknown key 'Hyper-q'");
    check_error("q: none\nx: [a, b]\n", 2, 4, "must be a name");
    check_error("j: down\nDown: down\nJ: up\nj: top\n", 4, 1, "bound twice");
    check_error("- q\n- x\n", 1, 1, "mapping");
    check_error("x: down\n---\ny: up\n", 3, 1, "only one YAML document");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_characters),
        cmocka_unit_test(test_named_keys),
        cmocka_unit_test(test_bad_specs_are_rejected),
        cmocka_unit_test(test_raw_bytes_map_to_keys),
        cmocka_unit_test(test_bind_rebind_unbind),
        cmocka_unit_test(test_defaults_are_k9s_familiar),
        cmocka_unit_test(test_default_table_round_trips),
        cmocka_unit_test(test_user_text_rebinds_and_unbinds),
        cmocka_unit_test(test_errors_have_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
