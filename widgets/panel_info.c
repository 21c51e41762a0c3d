/* A panel with one plain sentence (Traffic, Secrets drift until their providers land). */
#include "cutover/panel_info.h"

#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

struct info_priv {
    char *title;
    char *message;
};

static void info_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    (void)v;
    struct info_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, p->title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    canvas_text(c, 1, 2, wd - 4, THEME_ROLE_DIM, 0, p->message);
}

static void info_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)v;
    struct info_priv *p = w->priv;
    snprintf(buf, len, "%s: %s", p->title, p->message);
}

static void info_fini(struct widget *w)
{
    struct info_priv *p = w->priv;
    free(p->title);
    free(p->message);
    free(p);
}

static const struct widget_class info_class = {
    .name = "info",
    .draw = info_draw,
    .summary = info_summary,
    .fini = info_fini,
};

struct widget *panel_info_new(const char *title, const char *message)
{
    struct info_priv *p = xcalloc(1, sizeof *p);
    p->title = xstrdup(title);
    p->message = xstrdup(message);
    return widget_new(&info_class, p);
}
