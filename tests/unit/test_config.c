/* The config file: a good file sets what it names, flags override it, a bad file is reported at
 * file:line:col and leaves the defaults, unknown keys are named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const actions[] = {"back", "bottom",     "command",   "down",    "filter",
                                      "help", "next-panel", "page-down", "page-up", "prev-panel",
                                      "quit", "refresh",    "select",    "top",     "up"};
#define NACTIONS (sizeof actions / sizeof actions[0])

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cutover-test-config-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    assert_null(cfg.source);
    assert_null(cfg.target);
    assert_null(cfg.kubeconfig);
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_string_equal(cfg.theme, "dark");
    assert_true(cfg.zone_spread_ratio == 2.0);
    assert_int_equal(cfg.nkeys, 0);
    config_fini(&cfg);
    config_fini(&cfg); /* twice is fine */
    assert_null(cfg.theme);
}

static void test_default_path(void **state)
{
    (void)state;
    setenv("XDG_CONFIG_HOME", "/x/conf", 1);
    char *p = config_default_path();
    assert_string_equal(p, "/x/conf/cutover/config.yaml");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/sre", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/sre/.config/cutover/config.yaml");
    free(p);
    /* A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
    setenv("XDG_CONFIG_HOME", "rel", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/sre/.config/cutover/config.yaml");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
}

static void test_durations(void **state)
{
    (void)state;
    int ms = 0;
    static const struct {
        const char *s;
        int ms;
    } good[] = {{"2s", 2000},    {"500ms", 500}, {"1.5s", 1500}, {"1m", 60000},
                {"1h", 3600000}, {"3", 3000},    {"0.25s", 250}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(config_parse_duration(good[i].s, &ms), 0);
        assert_int_equal(ms, good[i].ms);
    }
    const char *bad[] = {"",      "s",    "2 s", "2sec",  "-1s",
                         "1e3ms", "0x10", "2s5", "ms500", "99999999h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (config_parse_duration(bad[i], &ms) != -EINVAL)
            fail_msg("'%s' should not parse", bad[i]);
    }
}

static void test_full_file(void **state)
{
    (void)state;
    setenv("HOME", "/home/sre", 1);
    char path[600];
    snprintf(path, sizeof path, "%s/config.yaml", tmpdir);
    write_file(path, "# my cutover\n"
                     "source: onprem-prod\n"
                     "target: eks-prod\n"
                     "kubeconfig: ~/.kube/both.yaml\n"
                     "refresh: 500ms\n"
                     "theme: colour-blind-safe\n"
                     "zone_spread_ratio: 1.5\n"
                     "keys:\n"
                     "  q: none\n"
                     "  x: quit\n"
                     "  \"C-r\": refresh\n");
    struct config cfg;
    config_init(&cfg);
    struct error err;
    error_clear(&err);
    assert_int_equal(config_load_file(path, actions, NACTIONS, &cfg, &err), 0);
    assert_string_equal(cfg.source, "onprem-prod");
    assert_string_equal(cfg.target, "eks-prod");
    assert_string_equal(cfg.kubeconfig, "/home/sre/.kube/both.yaml");
    assert_int_equal(cfg.refresh_ms, 500);
    assert_string_equal(cfg.theme, "colour-blind-safe");
    assert_true(cfg.zone_spread_ratio == 1.5);
    assert_string_equal(cfg.path, path);
    assert_int_equal(cfg.nkeys, 3);
    assert_int_equal(cfg.keys[0].line, 9);

    /* The keys apply on top of the defaults: q unbound, x quits, C-r refreshes. */
    struct keymap *km = keymap_new_default(actions, NACTIONS, &err);
    assert_non_null(km);
    config_apply_keys(&cfg, km);
    assert_null(keymap_lookup(km, 'q'));
    assert_string_equal(keymap_lookup(km, 'x'), "quit");
    assert_string_equal(keymap_lookup(km, KEYMAP_MOD_CTRL | 'r'), "refresh");
    assert_string_equal(keymap_lookup(km, KEYMAP_MOD_CTRL | 'c'), "quit");
    keymap_free(km);

    /* Flags override the file. */
    assert_int_equal(config_set(&cfg, "source", "other-ctx", &err), 0);
    assert_int_equal(config_set(&cfg, "refresh", "5s", &err), 0);
    assert_int_equal(config_set(&cfg, "theme", "light", &err), 0);
    assert_string_equal(cfg.source, "other-ctx");
    assert_string_equal(cfg.target, "eks-prod");
    assert_int_equal(cfg.refresh_ms, 5000);
    assert_string_equal(cfg.theme, "light");
    /* ... and are checked the same way. */
    assert_int_equal(config_set(&cfg, "refresh", "fast", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "refresh: bad duration 'fast'"));
    assert_int_equal(err.line, 0);
    assert_int_equal(cfg.refresh_ms, 5000);
    assert_int_equal(config_set(&cfg, "zone_spread_ratio", "0.5", &err), -EINVAL);
    assert_int_equal(config_set(&cfg, "keys", "q", &err), -EINVAL);
    assert_int_equal(config_set(&cfg, "colour", "red", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "unknown key 'colour'"));
    config_fini(&cfg);
}

static void test_partial_file_keeps_other_defaults(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    const char *text = "target: eks-prod\n";
    assert_int_equal(config_load_text(text, strlen(text), "c.yaml", actions, NACTIONS, &cfg, &err),
                     0);
    assert_string_equal(cfg.target, "eks-prod");
    assert_null(cfg.source);
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_string_equal(cfg.theme, "dark");
    /* Empty files and files of comments are all defaults. */
    const char *empties[] = {"", "# nothing yet\n", "---\n"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(config_load_text(empties[i], strlen(empties[i]), "c.yaml", actions,
                                          NACTIONS, &cfg, &err),
                         0);
        assert_null(cfg.target);
    }
    config_fini(&cfg);
}

static void test_missing_file_is_enoent(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    char path[600];
    snprintf(path, sizeof path, "%s/nope.yaml", tmpdir);
    assert_int_equal(config_load_file(path, actions, NACTIONS, &cfg, &err), -ENOENT);
    assert_int_equal(cfg.refresh_ms, 2000);
    config_fini(&cfg);
}

struct bad {
    const char *text;
    int line, col;
    const char *needle;
};

static void test_bad_files_keep_the_old_config(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"source: a\ntarget: [b\n", 3, 1, "bad YAML"},
        {"source: a\ntraffic:\n  weights: {}\n", 2, 1, "unknown key 'traffic'"},
        {"source: a\ntraffic:\n  weights: {}\n", 2, 1, "known: source, target"},
        {"refresh: soon\n", 1, 10, "refresh: bad duration 'soon'"},
        {"refresh: 10ms\n", 1, 10, "out of range"},
        {"zone_spread_ratio: lots\n", 1, 20, "not a number"},
        {"zone_spread_ratio: 0.5\n", 1, 20, "at least 1.0"},
        {"source:\n", 1, 8, "source: expected a value"},
        {"theme: [a, b]\n", 1, 8, "expected a single value"},
        {"source: a\nsource: b\n", 2, 1, "given twice"},
        {"keys:\n  q: quit\n  j: jump\n", 3, 6, "unknown action 'jump'"},
        {"keys:\n  Hyper-q: quit\n", 2, 3, "unknown key 'Hyper-q'"},
        {"keys:\n  j: down\n  j: up\n", 3, 3, "bound twice"},
        {"keys: [q, quit]\n", 1, 7, "keys: expected a mapping"},
        {"- source\n- target\n", 1, 1, "must be a mapping"},
        {"source: a\n---\nsource: b\n", 3, 1, "only one YAML document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/bad%zu.yaml", tmpdir, i);
        write_file(path, cases[i].text);
        struct config cfg;
        config_init(&cfg);
        assert_int_equal(config_set(&cfg, "source", "from-flag", NULL), 0);
        struct error err;
        error_clear(&err);
        int rc = config_load_file(path, actions, NACTIONS, &cfg, &err);
        if (rc >= 0)
            fail_msg("case %zu loaded", i);
        if (strcmp(err.file, path) != 0 || err.line != cases[i].line || err.col != cases[i].col ||
            strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu: got %s:%d:%d: %s; want %d:%d ...%s...", i, err.file, err.line,
                     err.col, err.msg, cases[i].line, cases[i].col, cases[i].needle);
        /* The caller's config is untouched. */
        assert_string_equal(cfg.source, "from-flag");
        assert_null(cfg.target);
        assert_int_equal(cfg.refresh_ms, 2000);
        assert_string_equal(cfg.theme, "dark");
        assert_int_equal(cfg.nkeys, 0);
        config_fini(&cfg);
    }
}

static void test_errors_are_safe_to_print(void **state)
{
    (void)state;
    /* A key written with YAML escapes must not put an escape sequence into the message. */
    const char *texts[] = {"\"\\e]0;pwned\\a\": 1\n", "keys:\n  \"\\e[2J\": quit\n",
                           "keys:\n  q: \"\\e[31mquit\"\n", "refresh: \"\\e[1m\"\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct config cfg;
        config_init(&cfg);
        struct error err;
        error_clear(&err);
        assert_true(config_load_text(texts[i], strlen(texts[i]), "c.yaml", actions, NACTIONS, &cfg,
                                     &err) < 0);
        for (const char *p = err.msg; *p; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                fail_msg("case %zu: control byte %#x in '%s'", i, (unsigned char)*p, err.msg);
        }
        assert_non_null(strstr(err.msg, "\\x1b"));
        config_fini(&cfg);
    }
}

static void test_reload_replaces_whole_config(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    const char *a = "source: a\nrefresh: 1s\nkeys:\n  x: quit\n";
    const char *b = "target: b\n";
    assert_int_equal(config_load_text(a, strlen(a), "a", actions, NACTIONS, &cfg, &err), 0);
    assert_int_equal(cfg.nkeys, 1);
    assert_int_equal(config_load_text(b, strlen(b), "b", actions, NACTIONS, &cfg, &err), 0);
    /* A file states the whole config: what b does not name is back to its default. */
    assert_null(cfg.source);
    assert_string_equal(cfg.target, "b");
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_int_equal(cfg.nkeys, 0);
    config_fini(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_partial_file_keeps_other_defaults),
        cmocka_unit_test(test_missing_file_is_enoent),
        cmocka_unit_test(test_bad_files_keep_the_old_config),
        cmocka_unit_test(test_errors_are_safe_to_print),
        cmocka_unit_test(test_reload_replaces_whole_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
