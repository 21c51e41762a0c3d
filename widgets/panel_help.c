/* The help screen: generated from the action table and its bindings, then the `:` commands. */
#include "cutover/panel_help.h"

#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

struct help_priv {
    struct panel_help_entry *e;
    size_t n;
};

static const char *const commands[][2] = {
    {":nodes", "focus the Nodes by zone panel"},
    {":workloads", "focus the Workloads panel"},
    {":traffic", "focus the Traffic panel"},
    {":secrets", "focus the Secrets drift panel"},
    {":findings", "focus the Findings panel"},
    {":ns NAME", "show only namespace NAME (:ns all for every namespace)"},
    {":q", "quit"},
    {"/REGEX", "filter rows by a regular expression; /!REGEX hides the matches; / alone clears"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void help_update(struct widget *w, const struct widget_view *v)
{
    (void)v;
    struct help_priv *p = w->priv;
    w->nrows = (int)(p->n + NCOMMANDS + 2);
}

static void help_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    (void)v;
    (void)focused;
    struct help_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER,
               "Help: keys (j/k scroll; ? or Esc closes)", THEME_ROLE_PANEL_TITLE_FOCUS);
    struct canvas in = canvas_sub(c, (struct rect){1, 2, h - 2, wd - 4});
    int kw = 18, aw = 16;
    int rows = h - 2;
    /* two columns of entries when they do not fit in one */
    int total = (int)(p->n + NCOMMANDS + 2);
    int ncol = total > rows && wd >= 120 ? 2 : 1;
    int colw = canvas_width(&in) / ncol;
    for (int i = w->top; i < total; i++) {
        int slot = i - w->top;
        int col = slot / rows, y = slot % rows;
        if (col >= ncol)
            break;
        int x = col * colw;
        if ((size_t)i < p->n) {
            canvas_text(&in, y, x, kw - 1, THEME_ROLE_HELP_KEY, CANVAS_BOLD, p->e[i].keys);
            canvas_text(&in, y, x + kw, aw - 1, THEME_ROLE_LABEL, 0, p->e[i].action);
            canvas_text(&in, y, x + kw + aw, colw - kw - aw - 1, THEME_ROLE_HELP_TEXT, 0,
                        p->e[i].help);
        } else if ((size_t)i == p->n + 1) {
            canvas_text(&in, y, x, colw - 1, THEME_ROLE_LABEL, CANVAS_BOLD, "Commands");
        } else if ((size_t)i > p->n + 1) {
            size_t k = (size_t)i - p->n - 2;
            canvas_text(&in, y, x, kw - 1, THEME_ROLE_HELP_KEY, CANVAS_BOLD, commands[k][0]);
            canvas_text(&in, y, x + kw, colw - kw - 1, THEME_ROLE_HELP_TEXT, 0, commands[k][1]);
        }
    }
}

static int help_key(struct widget *w, enum widget_cmd cmd)
{
    int top = w->top, visible = w->r.h - 2 > 1 ? w->r.h - 2 : 1;
    if (cmd == WIDGET_DOWN || cmd == WIDGET_PGDN)
        w->top += cmd == WIDGET_DOWN ? 1 : visible;
    else if (cmd == WIDGET_UP || cmd == WIDGET_PGUP)
        w->top -= cmd == WIDGET_UP ? 1 : visible;
    else if (cmd == WIDGET_TOP)
        w->top = 0;
    else if (cmd == WIDGET_BOTTOM)
        w->top = w->nrows;
    if (w->top > w->nrows - visible)
        w->top = w->nrows - visible;
    if (w->top < 0)
        w->top = 0;
    return top != w->top ? ACT_REDRAW : ACT_NONE;
}

static void help_fini(struct widget *w)
{
    struct help_priv *p = w->priv;
    for (size_t i = 0; i < p->n; i++) {
        free((char *)p->e[i].keys);
        free((char *)p->e[i].action);
        free((char *)p->e[i].help);
    }
    free(p->e);
    free(p);
}

static const struct widget_class help_class = {
    .name = "help",
    .update = help_update,
    .draw = help_draw,
    .key = help_key,
    .fini = help_fini,
};

struct widget *panel_help_new(const struct panel_help_entry *entries, size_t n)
{
    struct help_priv *p = xcalloc(1, sizeof *p);
    p->e = xcalloc(n ? n : 1, sizeof *p->e);
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        p->e[i].keys = xstrdup(entries[i].keys ? entries[i].keys : "");
        p->e[i].action = xstrdup(entries[i].action ? entries[i].action : "");
        p->e[i].help = xstrdup(entries[i].help ? entries[i].help : "");
    }
    struct widget *w = widget_new(&help_class, p);
    w->nrows = (int)(n + NCOMMANDS + 2);
    return w;
}
