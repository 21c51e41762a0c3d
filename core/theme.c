/* Themes: YAML files naming roles (htop's role-indexed CRT_colorSchemes, but as data), parsed into
 * a temporary and swapped in only on success (tmux style_parse), and resolved to the colours a
 * terminal has (tmux colour_find_rgb). No curses here: the TUI turns theme_resolved into attrs. */
#include "cutover/theme.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/yaml_doc.h"

#define THEME_INHERIT_DEPTH_MAX 8

static const char *const theme_role_names[THEME_ROLE_COUNT] = {
    [THEME_ROLE_DEFAULT] = "default",
    [THEME_ROLE_HEADER] = "header",
    [THEME_ROLE_HEADER_MODE] = "header_mode",
    [THEME_ROLE_PANEL_BORDER] = "panel_border",
    [THEME_ROLE_PANEL_TITLE] = "panel_title",
    [THEME_ROLE_PANEL_TITLE_FOCUS] = "panel_title_focus",
    [THEME_ROLE_SELECTED] = "selected",
    [THEME_ROLE_LABEL] = "label",
    [THEME_ROLE_VALUE] = "value",
    [THEME_ROLE_VALUE_OK] = "value_ok",
    [THEME_ROLE_VALUE_WARN] = "value_warn",
    [THEME_ROLE_VALUE_CRIT] = "value_crit",
    [THEME_ROLE_STALE] = "stale",
    [THEME_ROLE_ERROR] = "error",
    [THEME_ROLE_DRIFT] = "drift",
    [THEME_ROLE_MISSING] = "missing",
    [THEME_ROLE_FINDING_INFO] = "finding_info",
    [THEME_ROLE_FINDING_WARN] = "finding_warn",
    [THEME_ROLE_FINDING_CRIT] = "finding_crit",
    [THEME_ROLE_STATUS_BAR] = "status_bar",
    [THEME_ROLE_HELP_KEY] = "help_key",
    [THEME_ROLE_HELP_TEXT] = "help_text",
    [THEME_ROLE_FILTER] = "filter",
    [THEME_ROLE_DIM] = "dim",
    [THEME_ROLE_ZONE_CP] = "zone_cp",
    [THEME_ROLE_ZONE_WORKER] = "zone_worker",
    [THEME_ROLE_TLS_INSECURE] = "tls_insecure",
    [THEME_ROLE_OBSERVER] = "observer",
    [THEME_ROLE_RUNBOOK] = "runbook",
};

/* What a role keeps when colours are off (NO_COLOR, or a terminal without colours) and the theme
 * gave it no attribute: enough that nothing meaningful vanishes. */
static const unsigned theme_mono_fallback[THEME_ROLE_COUNT] = {
    [THEME_ROLE_HEADER] = THEME_ATTR_BOLD,
    [THEME_ROLE_HEADER_MODE] = THEME_ATTR_BOLD | THEME_ATTR_REVERSE,
    [THEME_ROLE_PANEL_TITLE] = THEME_ATTR_BOLD,
    [THEME_ROLE_PANEL_TITLE_FOCUS] = THEME_ATTR_BOLD | THEME_ATTR_REVERSE,
    [THEME_ROLE_SELECTED] = THEME_ATTR_REVERSE,
    [THEME_ROLE_VALUE_WARN] = THEME_ATTR_BOLD,
    [THEME_ROLE_VALUE_CRIT] = THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE,
    [THEME_ROLE_STALE] = THEME_ATTR_DIM,
    [THEME_ROLE_ERROR] = THEME_ATTR_BOLD,
    [THEME_ROLE_DRIFT] = THEME_ATTR_UNDERLINE,
    [THEME_ROLE_MISSING] = THEME_ATTR_BOLD,
    [THEME_ROLE_FINDING_WARN] = THEME_ATTR_BOLD,
    [THEME_ROLE_FINDING_CRIT] = THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE,
    [THEME_ROLE_STATUS_BAR] = THEME_ATTR_REVERSE,
    [THEME_ROLE_HELP_KEY] = THEME_ATTR_BOLD,
    [THEME_ROLE_FILTER] = THEME_ATTR_UNDERLINE,
    [THEME_ROLE_DIM] = THEME_ATTR_DIM,
    [THEME_ROLE_ZONE_CP] = THEME_ATTR_BOLD,
    [THEME_ROLE_TLS_INSECURE] = THEME_ATTR_BOLD | THEME_ATTR_REVERSE,
    [THEME_ROLE_OBSERVER] = THEME_ATTR_BOLD | THEME_ATTR_REVERSE,
    [THEME_ROLE_RUNBOOK] = THEME_ATTR_BOLD | THEME_ATTR_REVERSE,
};

static const struct {
    const char *name;
    unsigned bit;
} theme_attr_names[] = {
    {"bold", THEME_ATTR_BOLD}, {"underline", THEME_ATTR_UNDERLINE}, {"reverse", THEME_ATTR_REVERSE},
    {"dim", THEME_ATTR_DIM},   {"italic", THEME_ATTR_ITALIC},       {"blink", THEME_ATTR_BLINK},
};

static const char *const theme_color_names[16] = {
    "black",        "red",           "green",       "yellow",         "blue",
    "magenta",      "cyan",          "white",       "bright-black",   "bright-red",
    "bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan",
    "bright-white",
};

/* xterm's default palette for 0..15. */
static const uint32_t theme_ansi_rgb[16] = {
    0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
    0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

static const int theme_cube_levels[6] = {0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff};

/* The built-in copy of themes/dark.yaml (tests check that the two agree). */
static const char theme_builtin_dark[] =
    "# cutover's default theme, for dark terminal backgrounds.\n"
    "# A copy is compiled into cutover (core/theme.c) as the fallback: keep them the same.\n"
    "name: dark\n"
    "description: Default theme for dark backgrounds\n"
    "roles:\n"
    "  default:           { fg: default, bg: default }\n"
    "  header:            { fg: bright-white, bg: 24, attrs: [bold] }\n"
    "  header_mode:       { fg: black, bg: bright-cyan, attrs: [bold] }\n"
    "  panel_border:      { fg: 244 }\n"
    "  panel_title:       { fg: cyan, attrs: [bold] }\n"
    "  panel_title_focus: { fg: black, bg: bright-yellow, attrs: [bold] }\n"
    "  selected:          { fg: black, bg: cyan }\n"
    "  label:             { fg: 110 }\n"
    "  value:             { fg: default }\n"
    "  value_ok:          { fg: green }\n"
    "  value_warn:        { fg: yellow, attrs: [bold] }\n"
    "  value_crit:        { fg: bright-red, attrs: [bold] }\n"
    "  stale:             { fg: 244, attrs: [italic] }\n"
    "  error:             { fg: bright-red, attrs: [bold] }\n"
    "  drift:             { fg: bright-magenta, attrs: [bold] }\n"
    "  missing:           { fg: bright-red }\n"
    "  finding_info:      { fg: cyan }\n"
    "  finding_warn:      { fg: yellow, attrs: [bold] }\n"
    "  finding_crit:      { fg: bright-white, bg: red, attrs: [bold] }\n"
    "  status_bar:        { fg: bright-white, bg: 236 }\n"
    "  help_key:          { fg: bright-yellow, attrs: [bold] }\n"
    "  help_text:         { fg: default }\n"
    "  filter:            { fg: black, bg: yellow }\n"
    "  dim:               { fg: 244 }\n"
    "  zone_cp:           { fg: 141, attrs: [bold] }\n"
    "  zone_worker:       { fg: 75 }\n"
    "  tls_insecure:      { fg: bright-white, bg: red, attrs: [bold] }\n"
    "  observer:          { fg: black, bg: bright-blue, attrs: [bold] }\n"
    "  runbook:           { fg: black, bg: magenta, attrs: [bold] }\n";

const char *theme_builtin_text(void)
{
    return theme_builtin_dark;
}

const char *theme_role_name(enum theme_role role)
{
    if ((int)role < 0 || role >= THEME_ROLE_COUNT)
        return NULL;
    return theme_role_names[role];
}

int theme_role_from_name(const char *name)
{
    for (int i = 0; i < THEME_ROLE_COUNT; i++) {
        if (strcmp(theme_role_names[i], name) == 0)
            return i;
    }
    return -1;
}

int theme_color_parse(const char *text, struct theme_color *out)
{
    struct theme_color c = {.kind = THEME_COLOR_DEFAULT, .index = 0, .rgb = 0};
    if (text == NULL || text[0] == '\0')
        return -EINVAL;
    if (strcasecmp(text, "default") == 0) {
        *out = c;
        return 0;
    }
    if (text[0] == '#') {
        if (strlen(text) != 7)
            return -EINVAL;
        uint32_t v = 0;
        for (int i = 1; i < 7; i++) {
            int h = text_hex_digit(text[i]);
            if (h < 0)
                return -EINVAL;
            v = (v << 4) | (uint32_t)h;
        }
        c.kind = THEME_COLOR_RGB;
        c.rgb = v;
        *out = c;
        return 0;
    }
    if (text[0] >= '0' && text[0] <= '9') {
        int v = 0;
        size_t i;
        for (i = 0; text[i] >= '0' && text[i] <= '9' && i < 4; i++)
            v = v * 10 + (text[i] - '0');
        if (text[i] != '\0' || v > 255)
            return -EINVAL;
        c.kind = THEME_COLOR_INDEX;
        c.index = v;
        *out = c;
        return 0;
    }
    /* Names: "bright-red", "brightred", "bright_red" and "grey"/"gray" for bright-black. */
    char norm[32];
    size_t n = 0;
    for (size_t i = 0; text[i] != '\0'; i++) {
        if (n + 1 >= sizeof norm)
            return -EINVAL;
        char ch = text[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        norm[n++] = ch;
    }
    norm[n] = '\0';
    if (strcmp(norm, "grey") == 0 || strcmp(norm, "gray") == 0) {
        c.kind = THEME_COLOR_INDEX;
        c.index = 8;
        *out = c;
        return 0;
    }
    const char *base = norm;
    bool bright = false;
    if (n >= 6 && strncmp(norm, "bright", 6) == 0) {
        bright = true;
        base = norm + 6;
        if (*base == '-' || *base == '_')
            base++;
    }
    for (int i = 0; i < 8; i++) {
        if (strcmp(base, theme_color_names[i]) == 0) {
            c.kind = THEME_COLOR_INDEX;
            c.index = i + (bright ? 8 : 0);
            *out = c;
            return 0;
        }
    }
    return -EINVAL;
}

static uint32_t theme_index_rgb(int i)
{
    if (i < 16)
        return theme_ansi_rgb[i];
    if (i < 232) {
        i -= 16;
        return ((uint32_t)theme_cube_levels[i / 36] << 16) |
               ((uint32_t)theme_cube_levels[(i / 6) % 6] << 8) | (uint32_t)theme_cube_levels[i % 6];
    }
    uint32_t g = (uint32_t)(8 + 10 * (i - 232));
    return (g << 16) | (g << 8) | g;
}

int32_t theme_color_rgb(const struct theme_color *color)
{
    switch (color->kind) {
    case THEME_COLOR_INDEX:
        if (color->index < 0 || color->index > 255)
            return -1;
        return (int32_t)theme_index_rgb(color->index);
    case THEME_COLOR_RGB:
        return (int32_t)(color->rgb & 0xffffff);
    case THEME_COLOR_DEFAULT:
    default:
        return -1;
    }
}

static long theme_dist(uint32_t a, uint32_t b)
{
    long dr = (long)((a >> 16) & 0xff) - (long)((b >> 16) & 0xff);
    long dg = (long)((a >> 8) & 0xff) - (long)((b >> 8) & 0xff);
    long db = (long)(a & 0xff) - (long)(b & 0xff);
    /* Weighted a little towards green, as the eye is (a cheap "redmean"-like weighting). */
    return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

/* Nearest of the 16 ANSI colours by hue, not by plain distance: the 16 are so far apart that a
 * dark saturated colour (a dark blue header) would otherwise come out grey and lose its meaning.
 * Greyish colours go to black, bright-black, white or bright-white by lightness; others to the
 * ANSI hue nearest in direction, bright when the colour is bright. */
static int theme_nearest16(uint32_t rgb)
{
    static const int hues[6][3] = {{255, 0, 0}, {0, 255, 0},   {255, 255, 0},
                                   {0, 0, 255}, {255, 0, 255}, {0, 255, 255}};
    int c[3] = {(int)((rgb >> 16) & 0xff), (int)((rgb >> 8) & 0xff), (int)(rgb & 0xff)};
    int max = c[0], min = c[0];
    for (int i = 1; i < 3; i++) {
        max = c[i] > max ? c[i] : max;
        min = c[i] < min ? c[i] : min;
    }
    if (max - min < 40 || max < 30) {
        int light = (c[0] + c[1] + c[2]) / 3;
        return light < 0x40 ? 0 : light < 0xa0 ? 8 : light < 0xf0 ? 7 : 15;
    }
    int best = 0;
    long bestd = LONG_MAX;
    for (int h = 0; h < 6; h++) {
        long d = 0;
        for (int i = 0; i < 3; i++) {
            long diff = (long)c[i] * 255 / max - hues[h][i];
            d += diff * diff;
        }
        if (d < bestd) {
            bestd = d;
            best = h + 1;
        }
    }
    return max >= 0xf0 ? best + 8 : best;
}

static int theme_cube_step(int v)
{
    /* Nearest of 0, 95, 135, 175, 215, 255. */
    if (v < 48)
        return 0;
    if (v < 115)
        return 1;
    return (v - 35) / 40;
}

/* Nearest of the 240 xterm colours 16..255 (cube or grey ramp), as tmux's colour_find_rgb; 0..15
 * are left out because terminals let users redefine them. */
static int theme_nearest256(uint32_t rgb)
{
    int r = (int)((rgb >> 16) & 0xff), g = (int)((rgb >> 8) & 0xff), b = (int)(rgb & 0xff);
    int qr = theme_cube_step(r), qg = theme_cube_step(g), qb = theme_cube_step(b);
    int cube = 16 + 36 * qr + 6 * qg + qb;
    int avg = (r + g + b) / 3;
    int gi = avg > 238 ? 23 : (avg < 8 ? 0 : (avg - 3) / 10);
    if (gi > 23)
        gi = 23;
    int grey = 232 + gi;
    long dc = theme_dist(rgb, theme_index_rgb(cube));
    long dg = theme_dist(rgb, theme_index_rgb(grey));
    return dg < dc ? grey : cube;
}

int theme_color_for(const struct theme_color *color, int ncolors)
{
    if (color->kind == THEME_COLOR_DEFAULT || ncolors < 8)
        return -1;
    int idx;
    if (color->kind == THEME_COLOR_INDEX) {
        if (color->index < 0 || color->index > 255)
            return -1;
        if (ncolors >= 256)
            return color->index;
        idx = color->index < 16 ? color->index : theme_nearest16(theme_index_rgb(color->index));
    } else {
        uint32_t rgb = color->rgb & 0xffffff;
        if (ncolors >= 256)
            return theme_nearest256(rgb);
        idx = theme_nearest16(rgb);
    }
    if (ncolors < 16 && idx >= 8)
        idx -= 8;
    return idx;
}

bool theme_no_color(void)
{
    const char *v = getenv("NO_COLOR");
    return v != NULL && v[0] != '\0';
}

void theme_resolve(const struct theme *theme, enum theme_role role, int ncolors, bool no_color,
                   struct theme_resolved *out)
{
    if ((int)role < 0 || role >= THEME_ROLE_COUNT)
        role = THEME_ROLE_DEFAULT;
    const struct theme_style *st = &theme->roles[role];
    out->attrs = st->attrs;
    if (no_color || ncolors < 8) {
        out->fg = out->bg = -1;
        out->fg_rgb = out->bg_rgb = -1;
        if (out->attrs == 0)
            out->attrs = theme_mono_fallback[role];
        return;
    }
    out->fg = theme_color_for(&st->fg, ncolors);
    out->bg = theme_color_for(&st->bg, ncolors);
    out->fg_rgb = theme_color_rgb(&st->fg);
    out->bg_rgb = theme_color_rgb(&st->bg);
    if (ncolors < 16 && st->fg.kind != THEME_COLOR_DEFAULT && theme_color_for(&st->fg, 16) >= 8)
        out->attrs |= THEME_ATTR_BOLD; /* bright = base colour + bold on 8-colour terminals */
}

/* ---- loading ----------------------------------------------------------------------------- */

/* A role as a file gave it: which fields were written. */
struct theme_partial {
    bool has_fg, has_bg, has_attrs;
    struct theme_style style;
};

static int theme_find_depth(const char *name, struct theme *out, struct error *err, int depth);

static int theme_parse_color_node(const yaml_node_t *v, const char *file, const char *what,
                                  struct theme_color *out, struct error *err)
{
    const char *s = yaml_doc_scalar(v);
    if (s == NULL) {
        yaml_doc_error_at(err, file, v, "%s: a colour must be a single value, not a %s", what,
                          v->type == YAML_MAPPING_NODE ? "mapping" : "list");
        return -EINVAL;
    }
    if (s[0] == '\0') {
        yaml_doc_error_at(err, file, v,
                          "%s: missing colour (quote \"#rrggbb\": an unquoted # starts a comment)",
                          what);
        return -EINVAL;
    }
    if (theme_color_parse(s, out) < 0) {
        yaml_doc_error_at(
            err, file, v,
            "%s: bad colour '%s' (use black, red, green, yellow, blue, magenta, cyan, "
            "white, bright-<name>, 0-255, \"#rrggbb\" or default)",
            what, s);
        return -EINVAL;
    }
    return 0;
}

static int theme_parse_attr_word(const char *word, size_t len, const yaml_node_t *at,
                                 const char *file, const char *role, unsigned *attrs,
                                 struct error *err)
{
    for (size_t i = 0; i < sizeof theme_attr_names / sizeof theme_attr_names[0]; i++) {
        if (strlen(theme_attr_names[i].name) == len &&
            strncasecmp(theme_attr_names[i].name, word, len) == 0) {
            *attrs |= theme_attr_names[i].bit;
            return 0;
        }
    }
    if (len == 4 && strncasecmp(word, "none", 4) == 0)
        return 0;
    yaml_doc_error_at(
        err, file, at,
        "%s.attrs: unknown attribute '%.*s' (use bold, underline, reverse, dim, italic, "
        "blink)",
        role, (int)(len > 64 ? 64 : len), word);
    return -EINVAL;
}

/* attrs: [bold, underline] or attrs: "bold underline" (commas or spaces). */
static int theme_parse_attrs(yaml_document_t *doc, const yaml_node_t *v, const char *file,
                             const char *role, unsigned *attrs, struct error *err)
{
    *attrs = 0;
    if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            const char *s = yaml_doc_scalar(item);
            if (s == NULL) {
                yaml_doc_error_at(err, file, item, "%s.attrs: an attribute must be a word", role);
                return -EINVAL;
            }
            if (theme_parse_attr_word(s, strlen(s), item, file, role, attrs, err) < 0)
                return -EINVAL;
        }
        return 0;
    }
    const char *s = yaml_doc_scalar(v);
    if (s == NULL) {
        yaml_doc_error_at(err, file, v, "%s.attrs: expected a list of attributes", role);
        return -EINVAL;
    }
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t len = strcspn(p, " ,\t");
        if (len == 0)
            break;
        if (theme_parse_attr_word(p, len, v, file, role, attrs, err) < 0)
            return -EINVAL;
        p += len;
    }
    return 0;
}

static int theme_parse_role(yaml_document_t *doc, const yaml_node_t *v, const char *file,
                            const char *role, struct theme_partial *pr, struct error *err)
{
    if (v->type != YAML_MAPPING_NODE) {
        yaml_doc_error_at(err, file, v, "role '%s': expected a mapping with fg, bg, attrs", role);
        return -EINVAL;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *val = yaml_document_get_node(doc, p->value);
        const char *key = yaml_doc_scalar(k);
        char what[96];
        if (key == NULL) {
            yaml_doc_error_at(err, file, k, "role '%s': keys must be plain names", role);
            return -EINVAL;
        }
        snprintf(what, sizeof what, "%s.%s", role, key);
        if (strcmp(key, "fg") == 0) {
            if (pr->has_fg)
                goto dup;
            if (theme_parse_color_node(val, file, what, &pr->style.fg, err) < 0)
                return -EINVAL;
            pr->has_fg = true;
        } else if (strcmp(key, "bg") == 0) {
            if (pr->has_bg)
                goto dup;
            if (theme_parse_color_node(val, file, what, &pr->style.bg, err) < 0)
                return -EINVAL;
            pr->has_bg = true;
        } else if (strcmp(key, "attrs") == 0) {
            if (pr->has_attrs)
                goto dup;
            if (theme_parse_attrs(doc, val, file, role, &pr->style.attrs, err) < 0)
                return -EINVAL;
            pr->has_attrs = true;
        } else {
            yaml_doc_error_at(err, file, k, "role '%s': unknown key '%s' (use fg, bg, attrs)", role,
                              key);
            return -EINVAL;
        }
        continue;
    dup:
        yaml_doc_error_at(err, file, k, "role '%s': '%s' given twice", role, key);
        return -EINVAL;
    }
    return 0;
}

static void theme_copy_name(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src);
}

static int theme_load_text_depth(const char *text, size_t len, const char *file, struct theme *out,
                                 struct error *err, int depth)
{
    yaml_document_t doc;
    if (yaml_doc_load(text, len, file, &doc, err) < 0) {
        error_sanitize(err);
        return -EINVAL;
    }
    int rc = 0;
    struct theme_partial *parts = xcalloc(THEME_ROLE_COUNT, sizeof *parts);
    struct theme tmp;
    memset(&tmp, 0, sizeof tmp);
    const yaml_node_t *inherits_node = NULL;
    bool have_roles = false, have_name = false;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        if (root == NULL)
            error_set_at(err, file, 1, 1, "empty theme (expected name:, roles:)");
        else
            yaml_doc_error_at(err, file, root,
                              "a theme must be a mapping with name:, inherits: and roles:");
        rc = -EINVAL;
        goto out;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top && rc == 0; p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        const char *key = yaml_doc_scalar(k);
        if (key == NULL) {
            yaml_doc_error_at(err, file, k, "keys must be plain names");
            rc = -EINVAL;
        } else if (strcmp(key, "name") == 0 || strcmp(key, "inherits") == 0 ||
                   strcmp(key, "description") == 0) {
            const char *s = yaml_doc_scalar(v);
            bool isname = strcmp(key, "name") == 0, isinh = strcmp(key, "inherits") == 0;
            if (s == NULL || s[0] == '\0') {
                yaml_doc_error_at(err, file, v, "%s: expected a string", key);
                rc = -EINVAL;
            } else if ((isname && have_name) || (isinh && inherits_node != NULL)) {
                yaml_doc_error_at(err, file, k, "'%s' given twice", key);
                rc = -EINVAL;
            } else if (isname) {
                theme_copy_name(tmp.name, sizeof tmp.name, s);
                have_name = true;
            } else if (isinh) {
                theme_copy_name(tmp.inherits, sizeof tmp.inherits, s);
                inherits_node = v;
            }
        } else if (strcmp(key, "roles") == 0) {
            if (have_roles) {
                yaml_doc_error_at(err, file, k, "'%s' given twice", key);
                rc = -EINVAL;
                break;
            }
            have_roles = true;
            if (yaml_doc_is_blank(v))
                continue; /* `roles:` with nothing under it: all inherited */
            if (v->type != YAML_MAPPING_NODE) {
                yaml_doc_error_at(err, file, v, "roles: expected a mapping of role -> style");
                rc = -EINVAL;
                break;
            }
            for (yaml_node_pair_t *rp = v->data.mapping.pairs.start;
                 rp < v->data.mapping.pairs.top && rc == 0; rp++) {
                yaml_node_t *rk = yaml_document_get_node(&doc, rp->key);
                yaml_node_t *rv = yaml_document_get_node(&doc, rp->value);
                const char *rname = yaml_doc_scalar(rk);
                int role = rname ? theme_role_from_name(rname) : -1;
                if (role < 0) {
                    char known[700];
                    size_t o = 0;
                    for (int i = 0; i < THEME_ROLE_COUNT; i++)
                        o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", i ? ", " : "",
                                              theme_role_names[i]);
                    yaml_doc_error_at(err, file, rk, "unknown role '%s' (roles: %s)",
                                      rname ? rname : "?", known);
                    rc = -EINVAL;
                } else if (parts[role].has_fg || parts[role].has_bg || parts[role].has_attrs) {
                    yaml_doc_error_at(err, file, rk, "role '%s' given twice", rname);
                    rc = -EINVAL;
                } else {
                    rc = theme_parse_role(&doc, rv, file, rname, &parts[role], err);
                }
            }
        } else {
            yaml_doc_error_at(err, file, k,
                              "unknown key '%s' (a theme has name, description, inherits, roles)",
                              key);
            rc = -EINVAL;
        }
    }
    if (rc < 0)
        goto out;

    /* The base every role starts from: the parent theme's role, else this theme's default role. */
    struct theme parent;
    bool have_parent = false;
    if (tmp.inherits[0] != '\0') {
        struct error perr;
        error_clear(&perr);
        if (depth >= THEME_INHERIT_DEPTH_MAX) {
            yaml_doc_error_at(err, file, inherits_node,
                              "inherits: '%s': chain of inherited themes too long (a cycle?)",
                              tmp.inherits);
            rc = -ELOOP;
            goto out;
        }
        int prc = theme_find_depth(tmp.inherits, &parent, &perr, depth + 1);
        if (prc == -ELOOP) {
            yaml_doc_error_at(err, file, inherits_node,
                              "inherits: '%s': chain of inherited themes too long (a cycle?)",
                              tmp.inherits);
            rc = -ELOOP;
            goto out;
        }
        if (prc < 0) {
            char buf[600];
            yaml_doc_error_at(err, file, inherits_node, "inherits: '%s': %s", tmp.inherits,
                              error_format(&perr, buf, sizeof buf));
            rc = -EINVAL;
            goto out;
        }
        have_parent = true;
    }
    struct theme_style base_default = {
        .fg = {THEME_COLOR_DEFAULT, 0, 0}, .bg = {THEME_COLOR_DEFAULT, 0, 0}, .attrs = 0};
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        struct theme_style base;
        if (have_parent)
            base = parent.roles[r];
        else if (r == THEME_ROLE_DEFAULT)
            base = base_default;
        else
            base = tmp.roles[THEME_ROLE_DEFAULT];
        tmp.roles[r] = base;
        if (parts[r].has_fg)
            tmp.roles[r].fg = parts[r].style.fg;
        if (parts[r].has_bg)
            tmp.roles[r].bg = parts[r].style.bg;
        if (parts[r].has_attrs)
            tmp.roles[r].attrs = parts[r].style.attrs;
    }
    if (!have_name) {
        /* The file's base name without ".yaml". */
        const char *b = strrchr(file, '/');
        b = b ? b + 1 : file;
        size_t n = strlen(b);
        if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
            n -= 5;
        if (n >= sizeof tmp.name)
            n = sizeof tmp.name - 1;
        memcpy(tmp.name, b, n);
        tmp.name[n] = '\0';
    }
    *out = tmp;
out:
    if (rc < 0)
        error_sanitize(err);
    free(parts);
    yaml_document_delete(&doc);
    return rc;
}

int theme_load_text(const char *text, size_t len, const char *name, struct theme *out,
                    struct error *err)
{
    return theme_load_text_depth(text, len, name ? name : "(theme)", out, err, 0);
}

#define THEME_FILE_MAX (1024 * 1024)

/* Reads a whole file (at most THEME_FILE_MAX) into a new NUL-terminated buffer. */
static int theme_read_file(const char *path, char **buf, size_t *len, struct error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        error_set_at(err, path, 0, 0, "cannot open theme: %s", strerror(e));
        return e > 0 ? -e : -EIO;
    }
    size_t cap = 4096, n = 0;
    char *b = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            b = xrealloc(b, cap);
        }
        size_t r = fread(b + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
        if (n > THEME_FILE_MAX) {
            fclose(f);
            free(b);
            error_set_at(err, path, 0, 0, "theme file is larger than %d bytes", THEME_FILE_MAX);
            return -EFBIG;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        error_set_at(err, path, 0, 0, "cannot read theme");
        return -EIO;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

static int theme_load_file_depth(const char *path, struct theme *out, struct error *err, int depth)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = theme_read_file(path, &buf, &len, err);
    if (rc < 0)
        return rc;
    rc = theme_load_text_depth(buf, len, path, out, err, depth);
    free(buf);
    return rc;
}

int theme_load_file(const char *path, struct theme *out, struct error *err)
{
    return theme_load_file_depth(path, out, err, 0);
}

void theme_builtin(struct theme *out)
{
    struct error err;
    if (theme_load_text_depth(theme_builtin_dark, sizeof theme_builtin_dark - 1, "(built-in dark)",
                              out, &err, THEME_INHERIT_DEPTH_MAX) < 0)
        fatal("built-in theme does not parse: %s", err.msg);
}

#ifndef CUTOVER_THEMES_DIR
static char theme_src_dir[PATH_MAX];
static pthread_once_t theme_src_dir_once = PTHREAD_ONCE_INIT;

/* The source tree's themes/, from this file's path (CMake compiles with absolute paths). */
static void theme_src_dir_init(void)
{
    const char *f = __FILE__;
    const char *tail = strstr(f, "core/theme.c");
    size_t n = tail ? (size_t)(tail - f) : 0;
    if (n == 0 || n + sizeof "themes" > sizeof theme_src_dir)
        snprintf(theme_src_dir, sizeof theme_src_dir, "themes");
    else
        snprintf(theme_src_dir, sizeof theme_src_dir, "%.*sthemes", (int)n, f);
}
#endif

const char *theme_dir(void)
{
    const char *env = getenv("CUTOVER_THEMES_DIR");
    if (env != NULL && env[0] != '\0')
        return env;
#ifdef CUTOVER_THEMES_DIR
    return CUTOVER_THEMES_DIR;
#else
    XPTHREAD(pthread_once(&theme_src_dir_once, theme_src_dir_init));
    return theme_src_dir;
#endif
}

static bool theme_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool theme_name_ok(const char *name)
{
    if (name[0] == '\0' || name[0] == '.' || strlen(name) > 60)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static int theme_find_depth(const char *name, struct theme *out, struct error *err, int depth)
{
    size_t nlen = strlen(name);
    bool is_path = strchr(name, '/') != NULL || (nlen > 5 && strcmp(name + nlen - 5, ".yaml") == 0);
    int rc;
    if (is_path) {
        rc = theme_load_file_depth(name, out, err, depth);
        goto done;
    }
    if (!theme_name_ok(name)) {
        error_set(err, "bad theme name '%s' (letters, digits, '-', '_' only)", name);
        rc = -EINVAL;
        goto done;
    }
    char *candidates[2] = {NULL, NULL};
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg != NULL && xdg[0] == '/')
        candidates[0] = xasprintf("%s/cutover/themes/%s.yaml", xdg, name);
    else if (home != NULL && home[0] != '\0')
        candidates[0] = xasprintf("%s/.config/cutover/themes/%s.yaml", home, name);
    candidates[1] = xasprintf("%s/%s.yaml", theme_dir(), name);
    rc = 1; /* not found yet */
    for (int i = 0; i < 2 && rc == 1; i++) {
        if (candidates[i] != NULL && theme_file_exists(candidates[i]))
            rc = theme_load_file_depth(candidates[i], out, err, depth);
    }
    free(candidates[0]);
    free(candidates[1]);
    if (rc == 1) {
        if (strcmp(name, "dark") == 0) {
            theme_builtin(out);
            return 0;
        }
        error_set(err, "theme '%s' not found (looked in %s/cutover/themes and %s)", name,
                  xdg && xdg[0] == '/' ? xdg : "~/.config", theme_dir());
        rc = -ENOENT;
    }
done:
    if (rc < 0)
        error_sanitize(err);
    if (rc < 0 && depth == 0)
        theme_builtin(out); /* carry on with the default; the caller reports err */
    return rc;
}

int theme_find(const char *name, struct theme *out, struct error *err)
{
    if (name == NULL || name[0] == '\0')
        name = "dark";
    return theme_find_depth(name, out, err, 0);
}
