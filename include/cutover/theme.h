#ifndef CUTOVER_THEME_H
#define CUTOVER_THEME_H

#include <stdbool.h>
#include <stdint.h>

#include "cutover/error.h"

/* Themes name ROLES, never hues: the UI asks for THEME_ROLE_VALUE_WARN and the theme file says
 * what that looks like. A theme is a YAML file (docs/themes.md); the TUI turns a resolved role
 * into a curses attribute. This module uses no curses. Severity is never carried by colour alone:
 * the TUI adds text markers whatever the theme. */

/* Keep in the order of theme_role_names[] in theme.c (and docs/themes.md). */
enum theme_role {
    THEME_ROLE_DEFAULT,
    THEME_ROLE_HEADER,
    THEME_ROLE_HEADER_MODE,
    THEME_ROLE_PANEL_BORDER,
    THEME_ROLE_PANEL_TITLE,
    THEME_ROLE_PANEL_TITLE_FOCUS,
    THEME_ROLE_SELECTED,
    THEME_ROLE_LABEL,
    THEME_ROLE_VALUE,
    THEME_ROLE_VALUE_OK,
    THEME_ROLE_VALUE_WARN,
    THEME_ROLE_VALUE_CRIT,
    THEME_ROLE_STALE,
    THEME_ROLE_ERROR,
    THEME_ROLE_DRIFT,
    THEME_ROLE_MISSING,
    THEME_ROLE_FINDING_INFO,
    THEME_ROLE_FINDING_WARN,
    THEME_ROLE_FINDING_CRIT,
    THEME_ROLE_STATUS_BAR,
    THEME_ROLE_HELP_KEY,
    THEME_ROLE_HELP_TEXT,
    THEME_ROLE_FILTER,
    THEME_ROLE_DIM,
    THEME_ROLE_ZONE_CP,
    THEME_ROLE_ZONE_WORKER,
    THEME_ROLE_TLS_INSECURE,
    THEME_ROLE_OBSERVER,
    THEME_ROLE_RUNBOOK,
    THEME_ROLE_COUNT
};

/* Attribute bits of a role (combine with |). */
#define THEME_ATTR_BOLD 0x01u
#define THEME_ATTR_UNDERLINE 0x02u
#define THEME_ATTR_REVERSE 0x04u
#define THEME_ATTR_DIM 0x08u
#define THEME_ATTR_ITALIC 0x10u
#define THEME_ATTR_BLINK 0x20u

enum theme_color_kind {
    THEME_COLOR_DEFAULT, /* the terminal's own foreground/background */
    THEME_COLOR_INDEX,   /* a palette index 0..255 (0..7 ANSI, 8..15 bright, 16..255 xterm) */
    THEME_COLOR_RGB      /* "#rrggbb" */
};

/* One colour as the theme file wrote it. */
struct theme_color {
    enum theme_color_kind kind;
    int index;    /* THEME_COLOR_INDEX: 0..255 */
    uint32_t rgb; /* THEME_COLOR_RGB: 0xRRGGBB */
};

/* The look of one role. */
struct theme_style {
    struct theme_color fg;
    struct theme_color bg;
    unsigned attrs; /* THEME_ATTR_* */
};

/* A loaded theme: plain data, copy it freely. */
struct theme {
    char name[64];     /* from the file's `name:` (or its file name); "dark" for the built-in */
    char inherits[64]; /* parent theme's name as written, "" if none */
    struct theme_style roles[THEME_ROLE_COUNT];
};

/* A role resolved for one terminal (theme_resolve). */
struct theme_resolved {
    int fg, bg;     /* palette index usable with ncolors, or -1 for the terminal default */
    int32_t fg_rgb; /* 0xRRGGBB for true-colour terminals, or -1 for the default */
    int32_t bg_rgb; /* likewise */
    unsigned attrs; /* THEME_ATTR_* to apply */
};

/* Name of a role as written in theme files ("value_warn"), or NULL if out of range. */
const char *theme_role_name(enum theme_role role);

/* Looks a role up by its file name; returns the role or -1 if there is none. */
int theme_role_from_name(const char *name);

/* Parses a colour: a name of the 16 ANSI colours ("red", "bright-blue", also "brightblue",
 * "grey"/"gray" = bright-black), an index "0".."255", "#rrggbb", or "default". Returns 0 or
 * -EINVAL. */
int theme_color_parse(const char *text, struct theme_color *out);

/* Maps a colour to the nearest colour a terminal with ncolors colours has: returns an index
 * below ncolors (8, 16, 88 is treated as 16, 256), or -1 for the default colour (also when
 * ncolors < 8). For ncolors > 256 (true colour) returns the nearest of 256; use
 * theme_color_rgb() there instead. */
int theme_color_for(const struct theme_color *color, int ncolors);

/* The colour as 0xRRGGBB (palette indexes use the xterm default palette), or -1 for default. */
int32_t theme_color_rgb(const struct theme_color *color);

/* True when colours must be off: NO_COLOR is set to a non-empty value (no-color.org).
 * Attributes stay on. */
bool theme_no_color(void);

/* Resolves a role for a terminal with ncolors colours (> 256 = true colour). With no_color,
 * fg/bg are -1 and roles whose meaning rests on colour keep a visible attribute (selected and
 * status_bar reverse, titles and crit values bold, ...; see docs/themes.md). On 8-colour
 * terminals a bright foreground becomes its base colour plus bold. */
void theme_resolve(const struct theme *theme, enum theme_role role, int ncolors, bool no_color,
                   struct theme_resolved *out);

/* Fills out with the built-in copy of the default dark theme (compiled in, never fails). */
void theme_builtin(struct theme *out);

/* The text of the built-in dark theme (same as themes/dark.yaml). */
const char *theme_builtin_text(void);

/* Parses theme YAML text into *out (swapped only on success). name is used for `file:` in errors.
 * `inherits:` is resolved with theme_find's search path (built-in "dark" if nowhere else).
 * Returns 0 or negative with file:line:col in err. */
int theme_load_text(const char *text, size_t len, const char *name, struct theme *out,
                    struct error *err);

/* Loads a theme file into *out (left untouched on failure). Errors carry file:line:col for bad
 * YAML, unknown roles, unknown keys, bad colours, unknown attributes. Returns 0 or negative. */
int theme_load_file(const char *path, struct theme *out, struct error *err);

/* Finds theme NAME: $XDG_CONFIG_HOME/cutover/themes/NAME.yaml (default ~/.config), then
 * theme_dir()/NAME.yaml, then (for "dark" only) the built-in copy. A NAME containing '/' or
 * ending in ".yaml" is a path. Returns 0 on success; on failure (missing or broken) returns
 * negative with err set AND fills *out with the built-in dark theme so the caller can carry on
 * and report the error. */
int theme_find(const char *name, struct theme *out, struct error *err);

/* Directory searched after $XDG_CONFIG_HOME: $CUTOVER_THEMES_DIR if set, else the compile-time
 * path (-DCUTOVER_THEMES_DIR=\"...\", or the themes/ of the source tree this was built from). */
const char *theme_dir(void);

#endif
