/* Themes: every file in themes/ loads, broken files are reported at file:line:col and the default
 * is used, colours map sensibly to 8, 16, 256 and true-colour terminals, NO_COLOR keeps meaning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/theme.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static const char *themes_dir(void)
{
    static char dir[512];
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/themes", src ? src : ".");
    return dir;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cutover-test-theme-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    char p[512];
    snprintf(p, sizeof p, "%s/cutover", tmpdir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/cutover/themes", tmpdir);
    mkdir(p, 0700);
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    setenv("CUTOVER_THEMES_DIR", themes_dir(), 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool style_equal(const struct theme_style *a, const struct theme_style *b)
{
    return a->fg.kind == b->fg.kind && a->fg.index == b->fg.index && a->fg.rgb == b->fg.rgb &&
           a->bg.kind == b->bg.kind && a->bg.index == b->bg.index && a->bg.rgb == b->bg.rgb &&
           a->attrs == b->attrs;
}

static void test_every_theme_in_themes_dir_loads(void **state)
{
    (void)state;
    DIR *d = opendir(themes_dir());
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    bool seen[5] = {false};
    const char *required[5] = {"dark", "light", "high-contrast", "colour-blind-safe", "monochrome"};
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", themes_dir(), de->d_name);
        struct theme t;
        struct error err;
        error_clear(&err);
        if (theme_load_file(path, &t, &err) != 0)
            fail_msg("%s: %s:%d:%d: %s", de->d_name, err.file, err.line, err.col, err.msg);
        /* The theme's name is its file name, so --theme NAME finds it. */
        assert_int_equal(strlen(t.name), len - 5);
        assert_memory_equal(t.name, de->d_name, len - 5);
        for (int i = 0; i < 5; i++)
            seen[i] = seen[i] || strcmp(t.name, required[i]) == 0;
        /* And theme_find by name gives the same theme. */
        struct theme byname;
        assert_int_equal(theme_find(t.name, &byname, &err), 0);
        for (int r = 0; r < THEME_ROLE_COUNT; r++)
            assert_true(style_equal(&t.roles[r], &byname.roles[r]));
        n++;
    }
    closedir(d);
    assert_true(n >= 5);
    for (int i = 0; i < 5; i++) {
        if (!seen[i])
            fail_msg("theme %s missing from themes/", required[i]);
    }
}

static void test_builtin_is_the_dark_file(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/dark.yaml", themes_dir());
    assert_string_equal(theme_builtin_text(), read_all(path));
    struct theme file, builtin;
    struct error err;
    assert_int_equal(theme_load_file(path, &file, &err), 0);
    theme_builtin(&builtin);
    assert_string_equal(builtin.name, "dark");
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        assert_true(style_equal(&file.roles[r], &builtin.roles[r]));
    /* Roles in the dark theme mean something: warn and crit differ from plain values. */
    assert_false(
        style_equal(&builtin.roles[THEME_ROLE_VALUE_WARN], &builtin.roles[THEME_ROLE_VALUE]));
    assert_false(
        style_equal(&builtin.roles[THEME_ROLE_VALUE_CRIT], &builtin.roles[THEME_ROLE_VALUE_WARN]));
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(theme_role_name(THEME_ROLE_VALUE_WARN), "value_warn");
    assert_string_equal(theme_role_name(THEME_ROLE_RUNBOOK), "runbook");
    assert_null(theme_role_name(THEME_ROLE_COUNT));
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        assert_int_equal(theme_role_from_name(theme_role_name((enum theme_role)r)), r);
    assert_int_equal(theme_role_from_name("warning"), -1);
}

struct broken {
    const char *text;
    int line, col;
    const char *needle;
};

static void test_broken_themes_report_file_line_col(void **state)
{
    (void)state;
    static const struct broken cases[] = {
        /* bad YAML: an unclosed flow mapping */
        {"name: x\nroles:\n  header: { fg: red\n  value: { fg: blue }\n", 4, 8, "bad YAML"},
        /* unknown role */
        {"name: x\nroles:\n  header: { fg: red }\n  headr: { fg: blue }\n", 4, 3,
         "unknown role 'headr'"},
        /* bad colour */
        {"name: x\nroles:\n  value_ok:\n    fg: grean\n", 4, 9, "bad colour 'grean'"},
        {"name: x\nroles:\n  value_ok: { fg: 256 }\n", 3, 19, "bad colour '256'"},
        {"name: x\nroles:\n  value_ok: { fg: \"#12345\" }\n", 3, 19, "bad colour '#12345'"},
        /* an unquoted #rrggbb is a YAML comment: say so */
        {"name: x\nroles:\n  value_ok:\n    fg: #ff0000\n", 4, 8, "quote"},
        /* unknown attribute */
        {"name: x\nroles:\n  error: { fg: red, attrs: [bold, flashy] }\n", 3, 35,
         "unknown attribute 'flashy'"},
        /* unknown key in a role, and at the top */
        {"name: x\nroles:\n  error: { fg: red, colour: blue }\n", 3, 21, "unknown key 'colour'"},
        {"name: x\ncolours: {}\n", 2, 1, "unknown key 'colours'"},
        /* a role that is not a mapping */
        {"name: x\nroles:\n  error: red\n", 3, 10, "expected a mapping"},
        /* inherits a theme that does not exist */
        {"name: x\ninherits: no-such-theme\nroles: {}\n", 2, 11, "no-such-theme"},
        /* a role given twice */
        {"roles:\n  error: { fg: red }\n  error: { fg: blue }\n", 3, 3, "given twice"},
        /* a second YAML document would be ignored: an error */
        {"name: x\n---\nname: y\n", 3, 1, "only one YAML document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/broken%zu.yaml", tmpdir, i);
        write_file(path, cases[i].text);
        struct theme t;
        memset(&t, 0x5a, sizeof t);
        struct error err;
        error_clear(&err);
        int rc = theme_load_file(path, &t, &err);
        if (rc >= 0)
            fail_msg("case %zu loaded", i);
        if (strcmp(err.file, path) != 0 || err.line != cases[i].line || err.col != cases[i].col ||
            strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu: got %s:%d:%d: %s; want %d:%d ...%s...", i, err.file, err.line,
                     err.col, err.msg, cases[i].line, cases[i].col, cases[i].needle);
        /* Nothing half-loaded: *out untouched. */
        assert_int_equal(((unsigned char *)&t)[0], 0x5a);
        assert_int_equal(t.roles[THEME_ROLE_ERROR].attrs, 0x5a5a5a5au);
    }
}

static void test_find_falls_back_to_builtin(void **state)
{
    (void)state;
    struct theme builtin, t;
    theme_builtin(&builtin);
    struct error err;

    /* Missing: error reported, built-in dark used. */
    error_clear(&err);
    memset(&t, 0, sizeof t);
    assert_int_equal(theme_find("no-such-theme", &t, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "no-such-theme"));
    assert_string_equal(t.name, "dark");
    for (int r = 0; r < THEME_ROLE_COUNT; r++)
        assert_true(style_equal(&t.roles[r], &builtin.roles[r]));

    /* Broken file in the user's dir shadows the shipped one: its error, and the default. */
    char path[600];
    snprintf(path, sizeof path, "%s/cutover/themes/light.yaml", tmpdir);
    write_file(path, "name: light\nroles:\n  header: { fg: mauve }\n");
    error_clear(&err);
    assert_true(theme_find("light", &t, &err) < 0);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 17);
    assert_string_equal(t.name, "dark");
    char buf[1024];
    assert_non_null(strstr(error_format(&err, buf, sizeof buf), "light.yaml:3:17: header.fg"));

    /* A good user theme wins over the shipped one of the same name. */
    write_file(path, "name: light\ninherits: dark\nroles:\n  header: { fg: \"#102030\" }\n");
    error_clear(&err);
    assert_int_equal(theme_find("light", &t, &err), 0);
    assert_string_equal(t.name, "light");
    assert_int_equal(t.roles[THEME_ROLE_HEADER].fg.kind, THEME_COLOR_RGB);
    assert_int_equal(t.roles[THEME_ROLE_HEADER].fg.rgb, 0x102030);
    unlink(path);

    /* A path works too; bad names do not escape the theme dirs. */
    char p2[600];
    snprintf(p2, sizeof p2, "%s/mine.yaml", tmpdir);
    write_file(p2, "roles:\n  default: { fg: white, bg: black }\n");
    assert_int_equal(theme_find(p2, &t, &err), 0);
    assert_string_equal(t.name, "mine");
    /* Without inherits, a role the file leaves out looks like its default role. */
    assert_true(style_equal(&t.roles[THEME_ROLE_STALE], &t.roles[THEME_ROLE_DEFAULT]));
    assert_int_equal(t.roles[THEME_ROLE_DEFAULT].fg.index, 7);
    assert_true(theme_find("..", &t, &err) < 0);
    assert_true(theme_find("a b", &t, &err) < 0);

    /* The built-in is there even with no theme files anywhere. */
    setenv("CUTOVER_THEMES_DIR", tmpdir, 1);
    assert_int_equal(theme_find("dark", &t, &err), 0);
    assert_string_equal(t.name, "dark");
    assert_true(theme_find("light", &t, &err) < 0);
    setenv("CUTOVER_THEMES_DIR", themes_dir(), 1);
}

static void test_inheritance(void **state)
{
    (void)state;
    struct theme cb, dark;
    struct error err;
    assert_int_equal(theme_find("colour-blind-safe", &cb, &err), 0);
    theme_builtin(&dark);
    assert_string_equal(cb.inherits, "dark");
    /* Not overridden: as in dark. Overridden: its own. */
    assert_true(
        style_equal(&cb.roles[THEME_ROLE_PANEL_BORDER], &dark.roles[THEME_ROLE_PANEL_BORDER]));
    assert_true(style_equal(&cb.roles[THEME_ROLE_STATUS_BAR], &dark.roles[THEME_ROLE_STATUS_BAR]));
    assert_false(style_equal(&cb.roles[THEME_ROLE_VALUE_OK], &dark.roles[THEME_ROLE_VALUE_OK]));

    /* A cycle is an error, not a hang. */
    char p[600];
    snprintf(p, sizeof p, "%s/cutover/themes/loop-a.yaml", tmpdir);
    write_file(p, "inherits: loop-b\n");
    snprintf(p, sizeof p, "%s/cutover/themes/loop-b.yaml", tmpdir);
    write_file(p, "inherits: loop-a\n");
    struct theme t;
    error_clear(&err);
    assert_true(theme_find("loop-a", &t, &err) < 0);
    assert_non_null(strstr(err.msg, "too long"));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 11);
}

static void test_colour_blind_safe_uses_okabe_ito(void **state)
{
    (void)state;
    static const uint32_t okabe_ito[] = {0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442,
                                         0x0072B2, 0xD55E00, 0xCC79A7};
    const enum theme_role meaning[] = {
        THEME_ROLE_VALUE_OK,     THEME_ROLE_VALUE_WARN,   THEME_ROLE_VALUE_CRIT,
        THEME_ROLE_ERROR,        THEME_ROLE_DRIFT,        THEME_ROLE_MISSING,
        THEME_ROLE_FINDING_INFO, THEME_ROLE_FINDING_WARN, THEME_ROLE_FINDING_CRIT,
    };
    struct theme t;
    struct error err;
    assert_int_equal(theme_find("colour-blind-safe", &t, &err), 0);
    for (size_t i = 0; i < sizeof meaning / sizeof meaning[0]; i++) {
        const struct theme_style *st = &t.roles[meaning[i]];
        /* The colour carrying the meaning (bg if set, else fg) is from the palette. */
        const struct theme_color *c = st->bg.kind != THEME_COLOR_DEFAULT ? &st->bg : &st->fg;
        assert_int_equal(c->kind, THEME_COLOR_RGB);
        bool in = false;
        for (size_t j = 0; j < sizeof okabe_ito / sizeof okabe_ito[0]; j++)
            in = in || c->rgb == okabe_ito[j];
        if (!in)
            fail_msg("%s uses #%06x, not an Okabe-Ito colour", theme_role_name(meaning[i]), c->rgb);
    }
    /* ok is not green, crit is not the same hue family as ok. */
    uint32_t ok = t.roles[THEME_ROLE_VALUE_OK].fg.rgb;
    assert_true((ok & 0xff) > ((ok >> 8) & 0xff)); /* more blue than green */
    /* crit also differs by attribute, not only by colour. */
    assert_int_not_equal(t.roles[THEME_ROLE_VALUE_CRIT].attrs, t.roles[THEME_ROLE_VALUE_OK].attrs);
}

static void test_monochrome_has_no_colours(void **state)
{
    (void)state;
    struct theme t;
    struct error err;
    assert_int_equal(theme_find("monochrome", &t, &err), 0);
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        assert_int_equal(t.roles[r].fg.kind, THEME_COLOR_DEFAULT);
        assert_int_equal(t.roles[r].bg.kind, THEME_COLOR_DEFAULT);
    }
    assert_int_equal(t.roles[THEME_ROLE_SELECTED].attrs, THEME_ATTR_REVERSE);
    assert_int_equal(t.roles[THEME_ROLE_VALUE_CRIT].attrs, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE);
}

static struct theme_color col(const char *s)
{
    struct theme_color c;
    if (theme_color_parse(s, &c) != 0)
        fail_msg("colour '%s' does not parse", s);
    return c;
}

static void test_colour_parse(void **state)
{
    (void)state;
    assert_int_equal(col("default").kind, THEME_COLOR_DEFAULT);
    assert_int_equal(col("red").index, 1);
    assert_int_equal(col("White").index, 7);
    assert_int_equal(col("bright-red").index, 9);
    assert_int_equal(col("brightblue").index, 12);
    assert_int_equal(col("bright_white").index, 15);
    assert_int_equal(col("grey").index, 8);
    assert_int_equal(col("0").index, 0);
    assert_int_equal(col("255").index, 255);
    assert_int_equal(col("#D55E00").rgb, 0xd55e00);
    struct theme_color c;
    const char *bad[] = {"",        "256",    "-1",      "1.5",        "#12345", "#1234567",
                         "#gg0000", "purple", "bright-", "brightgrey", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (theme_color_parse(bad[i], &c) != -EINVAL)
            fail_msg("'%s' should not parse", bad[i]);
    }
}

static void test_colour_mapping(void **state)
{
    (void)state;
    struct theme_color c;
    /* default is -1 everywhere */
    c = col("default");
    assert_int_equal(theme_color_for(&c, 256), -1);
    assert_int_equal(theme_color_rgb(&c), -1);
    /* a terminal without colours gets the default */
    c = col("red");
    assert_int_equal(theme_color_for(&c, 2), -1);
    assert_int_equal(theme_color_for(&c, 8), 1);
    /* bright colours on 8 colours: their base */
    c = col("bright-red");
    assert_int_equal(theme_color_for(&c, 8), 1);
    assert_int_equal(theme_color_for(&c, 16), 9);
    assert_int_equal(theme_color_for(&c, 256), 9);
    /* 256-palette indexes on smaller terminals: the nearest of 16, then 8 */
    c = col("196"); /* #ff0000 */
    assert_int_equal(theme_color_for(&c, 256), 196);
    assert_int_equal(theme_color_for(&c, 16), 9);
    assert_int_equal(theme_color_for(&c, 8), 1);
    c = col("244"); /* #808080 */
    assert_int_equal(theme_color_for(&c, 16), 8);
    assert_int_equal(theme_color_rgb(&c), 0x808080);
    c = col("24"); /* #005f87, deep sky blue: a hue, not grey */
    assert_int_equal(theme_color_for(&c, 16), 6);
    assert_int_equal(theme_color_rgb(&c), 0x005f87);
    /* 88-colour terminals are treated as 16 */
    c = col("196");
    assert_int_equal(theme_color_for(&c, 88), 9);
    /* RGB on 256: the nearest cube or grey entry */
    c = col("#ff0000");
    assert_int_equal(theme_color_for(&c, 256), 196);
    c = col("#808080");
    assert_int_equal(theme_color_for(&c, 256), 244);
    c = col("#0072B2"); /* Okabe-Ito blue: cube (0, 95, 175) = 16 + 0 + 6 + 3 */
    assert_int_equal(theme_color_for(&c, 256), 25);
    c = col("#000000");
    assert_int_equal(theme_color_for(&c, 256), 16);
    /* RGB on 16 and 8 */
    c = col("#D55E00"); /* vermillion: red */
    assert_int_equal(theme_color_for(&c, 16), 1);
    assert_int_equal(theme_color_for(&c, 8), 1);
    c = col("#E69F00"); /* orange: yellow */
    assert_int_equal(theme_color_for(&c, 16), 3);
    c = col("#56B4E9"); /* sky blue: cyan */
    assert_int_equal(theme_color_for(&c, 8), 6);
    /* every index round-trips through rgb to itself on 256 colours (16..255 only: 0..15 are
     * left out of RGB matching because users redefine them) */
    for (int i = 16; i < 256; i++) {
        struct theme_color ic = {.kind = THEME_COLOR_INDEX, .index = i, .rgb = 0};
        struct theme_color rc = {
            .kind = THEME_COLOR_RGB, .index = 0, .rgb = (uint32_t)theme_color_rgb(&ic)};
        int back = theme_color_for(&rc, 256);
        /* the grey ramp and cube share a few greys: the rgb must be the same */
        struct theme_color bc = {.kind = THEME_COLOR_INDEX, .index = back, .rgb = 0};
        if (theme_color_rgb(&bc) != theme_color_rgb(&ic))
            fail_msg("index %d -> #%06x -> %d", i, (unsigned)theme_color_rgb(&ic), back);
    }
}

static void test_resolve_for_terminals(void **state)
{
    (void)state;
    struct theme t;
    theme_builtin(&t);
    struct theme_resolved r;
    /* true colour: exact rgb, and a usable index too */
    theme_resolve(&t, THEME_ROLE_HEADER, 1 << 24, false, &r);
    assert_int_equal(r.fg_rgb, 0xffffff);
    assert_int_equal(r.bg_rgb, 0x005f87);
    assert_int_equal(r.bg, 24);
    assert_int_equal(r.attrs, THEME_ATTR_BOLD);
    /* 256 */
    theme_resolve(&t, THEME_ROLE_PANEL_BORDER, 256, false, &r);
    assert_int_equal(r.fg, 244);
    assert_int_equal(r.bg, -1);
    /* 8 colours: bright red becomes red + bold */
    theme_resolve(&t, THEME_ROLE_MISSING, 8, false, &r);
    assert_int_equal(r.fg, 1);
    assert_true(r.attrs & THEME_ATTR_BOLD);
    theme_resolve(&t, THEME_ROLE_VALUE_OK, 8, false, &r);
    assert_int_equal(r.fg, 2);
    assert_false(r.attrs & THEME_ATTR_BOLD);
    /* no colour: no colours, but selection and crit stay visible */
    theme_resolve(&t, THEME_ROLE_SELECTED, 256, true, &r);
    assert_int_equal(r.fg, -1);
    assert_int_equal(r.bg, -1);
    assert_int_equal(r.fg_rgb, -1);
    assert_int_equal(r.attrs, THEME_ATTR_REVERSE);
    theme_resolve(&t, THEME_ROLE_VALUE_CRIT, 256, true, &r);
    assert_int_equal(r.attrs, THEME_ATTR_BOLD); /* the theme's own attribute stays */
    theme_resolve(&t, THEME_ROLE_STATUS_BAR, 2, false, &r);
    assert_int_equal(r.fg, -1);
    assert_int_equal(r.attrs, THEME_ATTR_REVERSE);
}

static void test_compiled_in_dir_is_the_source_tree(void **state)
{
    (void)state;
    /* Without CUTOVER_THEMES_DIR, --theme light finds the shipped file of this source tree. */
    unsetenv("CUTOVER_THEMES_DIR");
    char a[4096], b[4096];
    assert_non_null(realpath(theme_dir(), a));
    assert_non_null(realpath(themes_dir(), b));
    assert_string_equal(a, b);
    struct theme t;
    struct error err;
    assert_int_equal(theme_find("light", &t, &err), 0);
    assert_string_equal(t.name, "light");
    setenv("CUTOVER_THEMES_DIR", themes_dir(), 1);
}

static void test_shipped_themes_stay_readable_everywhere(void **state)
{
    (void)state;
    setenv("CUTOVER_THEMES_DIR", themes_dir(), 1);
    const char *names[] = {"dark", "light", "high-contrast", "colour-blind-safe", "monochrome"};
    const int ncolors[] = {8, 16, 88, 256, 1 << 24};
    const enum theme_role meaning[] = {THEME_ROLE_SELECTED,          THEME_ROLE_STATUS_BAR,
                                       THEME_ROLE_PANEL_TITLE_FOCUS, THEME_ROLE_VALUE_CRIT,
                                       THEME_ROLE_FINDING_CRIT,      THEME_ROLE_ERROR};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct theme t;
        struct error err;
        assert_int_equal(theme_find(names[i], &t, &err), 0);
        for (int r = 0; r < THEME_ROLE_COUNT; r++) {
            for (size_t n = 0; n < sizeof ncolors / sizeof ncolors[0]; n++) {
                struct theme_resolved res;
                theme_resolve(&t, (enum theme_role)r, ncolors[n], false, &res);
                /* text never drawn in (nearly) its own background colour */
                int32_t fg = res.fg_rgb, bg = res.bg_rgb;
                if (ncolors[n] <= 256) {
                    struct theme_color fc = {THEME_COLOR_INDEX, res.fg, 0};
                    struct theme_color bc = {THEME_COLOR_INDEX, res.bg, 0};
                    fg = res.fg >= 0 ? theme_color_rgb(&fc) : -1;
                    bg = res.bg >= 0 ? theme_color_rgb(&bc) : -1;
                }
                if (fg >= 0 && bg >= 0) {
                    int d = abs((fg >> 16) - (bg >> 16)) +
                            abs(((fg >> 8) & 0xff) - ((bg >> 8) & 0xff)) +
                            abs((fg & 0xff) - (bg & 0xff));
                    if (d < 150)
                        fail_msg("%s: %s is #%06x on #%06x with %d colours", names[i],
                                 theme_role_name((enum theme_role)r), (unsigned)fg, (unsigned)bg,
                                 ncolors[n]);
                }
            }
        }
        /* Without colour, what carries meaning still stands out from plain text. */
        for (size_t m = 0; m < sizeof meaning / sizeof meaning[0]; m++) {
            struct theme_resolved res;
            theme_resolve(&t, meaning[m], 256, true, &res);
            if (res.attrs == 0)
                fail_msg("%s: %s has no attribute without colour", names[i],
                         theme_role_name(meaning[m]));
        }
    }
}

static void test_no_color_env(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    assert_false(theme_no_color());
    setenv("NO_COLOR", "", 1);
    assert_false(theme_no_color()); /* no-color.org: set and not empty */
    setenv("NO_COLOR", "1", 1);
    assert_true(theme_no_color());
    unsetenv("NO_COLOR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_theme_in_themes_dir_loads),
        cmocka_unit_test(test_builtin_is_the_dark_file),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_broken_themes_report_file_line_col),
        cmocka_unit_test(test_find_falls_back_to_builtin),
        cmocka_unit_test(test_inheritance),
        cmocka_unit_test(test_colour_blind_safe_uses_okabe_ito),
        cmocka_unit_test(test_monochrome_has_no_colours),
        cmocka_unit_test(test_colour_parse),
        cmocka_unit_test(test_colour_mapping),
        cmocka_unit_test(test_resolve_for_terminals),
        cmocka_unit_test(test_compiled_in_dir_is_the_source_tree),
        cmocka_unit_test(test_shipped_themes_stay_readable_everywhere),
        cmocka_unit_test(test_no_color_env),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
