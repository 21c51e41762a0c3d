/* The ncurses canvas: roles to colour pairs and attributes, cells as wide characters. */
#include "cutover/canvas_curses.h"

#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

struct canvas_curses {
    attr_t attr[THEME_ROLE_COUNT];
    short pair[THEME_ROLE_COUNT];
    int ncolors; /* 0: no colours */
    bool utf8;
};

bool canvas_curses_locale_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

static attr_t theme_attrs(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & THEME_ATTR_BOLD)
        r |= A_BOLD;
    if (a & THEME_ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & THEME_ATTR_REVERSE)
        r |= A_REVERSE;
    if (a & THEME_ATTR_DIM)
        r |= A_DIM;
#ifdef A_ITALIC
    if (a & THEME_ATTR_ITALIC)
        r |= A_ITALIC;
#endif
    if (a & THEME_ATTR_BLINK)
        r |= A_BLINK;
    return r;
}

static void setup_roles(struct canvas_curses *cc, const struct theme *theme)
{
    bool no_color = theme_no_color() || !has_colors();
    cc->ncolors = 0;
    if (!no_color && start_color() == OK) {
        use_default_colors();
        cc->ncolors = COLORS;
    }
    /* direct-colour terminals (e.g. TERM=xterm-direct) number colours as 0xRRGGBB */
    bool direct = cc->ncolors >= 0x1000000;
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        struct theme_resolved res;
        theme_resolve(theme, (enum theme_role)r, direct ? 0x1000000 : cc->ncolors,
                      no_color || cc->ncolors == 0, &res);
        cc->attr[r] = theme_attrs(res.attrs);
        cc->pair[r] = 0;
        if (cc->ncolors == 0 || r + 1 >= COLOR_PAIRS)
            continue;
        int fg = direct ? res.fg_rgb : res.fg, bg = direct ? res.bg_rgb : res.bg;
        if (fg < 0 && bg < 0)
            continue;
#if NCURSES_EXT_COLORS
        if (init_extended_pair(r + 1, fg, bg) == OK)
            cc->pair[r] = (short)(r + 1);
#else
        if (init_pair((short)(r + 1), (short)fg, (short)bg) == OK)
            cc->pair[r] = (short)(r + 1);
#endif
    }
}

static void curses_put(struct canvas *c, int y, int x, const char *glyph, int width, int role,
                       unsigned attr)
{
    struct canvas_curses *cc = c->impl;
    unsigned cp = '?';
    size_t n = strlen(glyph);
    if (text_utf8_decode(glyph, n, &cp) == 0 || cp < 0x20 || cp == 0x7f ||
        (cp >= 0x80 && cp < 0xa0))
        cp = '?'; /* nothing that could drive the terminal, whatever the caller passed */
    if (!cc->utf8 && cp >= 0x80) {
        cp = '?';
        width = 1;
    }
    if ((unsigned)role >= THEME_ROLE_COUNT)
        role = THEME_ROLE_DEFAULT;
    attr_t a = cc->attr[role];
    if (attr & CANVAS_BOLD)
        a |= A_BOLD;
    if (attr & CANVAS_REVERSE)
        a |= A_REVERSE;
    if (attr & CANVAS_UNDERLINE)
        a |= A_UNDERLINE;
    if (attr & CANVAS_DIM)
        a |= A_DIM;
    wchar_t wc[2] = {(wchar_t)cp, L'\0'};
    cchar_t cch;
    setcchar(&cch, wc, a, cc->pair[role], NULL);
    mvadd_wch(y, x, &cch);
    (void)width;
}

static const struct canvas_ops curses_ops = {.put_cell = curses_put};

struct canvas_curses *canvas_curses_new(const struct theme *theme, bool ascii, struct canvas *c)
{
    struct canvas_curses *cc = xcalloc(1, sizeof *cc);
    cc->utf8 = !ascii;
    setup_roles(cc, theme);
    canvas_init(c, &curses_ops, cc, LINES, COLS, ascii);
    return cc;
}

void canvas_curses_free(struct canvas_curses *cc)
{
    free(cc);
}

void canvas_curses_resize(struct canvas_curses *cc, struct canvas *c)
{
    canvas_init(c, &curses_ops, cc, LINES, COLS, !cc->utf8);
}

int canvas_curses_colors(const struct canvas_curses *cc)
{
    return cc->ncolors;
}

char *canvas_curses_render_bytes(const char *term, const struct theme *theme, bool ascii,
                                 void (*draw)(struct canvas *c, void *arg), void *arg, size_t *len)
{
    FILE *out = tmpfile(), *in = fopen("/dev/null", "r");
    char *buf = NULL;
    SCREEN *s = (out && in) ? newterm(term, out, in) : NULL;
    if (s != NULL) {
        SCREEN *prev = set_term(s);
        struct canvas c;
        struct canvas_curses *cc = canvas_curses_new(theme, ascii, &c);
        draw(&c, arg);
        refresh();
        endwin();
        canvas_curses_free(cc);
        set_term(prev);
        delscreen(s);
        fflush(out);
        long n = ftell(out);
        rewind(out);
        buf = xmalloc(n > 0 ? (size_t)n + 1 : 1);
        size_t got = n > 0 ? fread(buf, 1, (size_t)n, out) : 0;
        buf[got] = '\0';
        *len = got;
    }
    if (out)
        fclose(out);
    if (in)
        fclose(in);
    return buf;
}
