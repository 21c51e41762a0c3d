/* Findings, worst first, then recent Warning events from both clusters, newest first. */
#include "cutover/panel_findings.h"

#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum line_kind { LINE_FINDING, LINE_EVENTS_TITLE, LINE_EVENT };

struct fd_line {
    enum line_kind kind;
    int side;
    size_t idx;
};

struct fd_priv {
    const struct analysis *an;
    struct fd_line *lines;
    size_t cap;
    int nfindings, nevents;
};

static void push(struct fd_priv *p, int *n, struct fd_line l)
{
    if ((size_t)*n >= p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->lines = xreallocarray(p->lines, p->cap, sizeof *p->lines);
    }
    p->lines[(*n)++] = l;
}

static void object_text(char *buf, size_t len, const char *kind, const char *ns, const char *name)
{
    if (kind == NULL && name == NULL)
        snprintf(buf, len, "cluster");
    else
        snprintf(buf, len, "%s %s%s%s", kind ? kind : "", ns ? ns : "", ns ? "/" : "",
                 name ? name : "");
}

static void fd_update(struct widget *w, const struct widget_view *v)
{
    struct fd_priv *p = w->priv;
    p->an = v->an;
    int n = 0;
    p->nfindings = p->nevents = 0;
    const struct analysis *an = v->an;
    for (size_t i = 0; an && i < an->nfindings; i++) {
        const struct finding *f = &an->findings[i];
        char text[1024], obj[512];
        object_text(obj, sizeof obj, f->kind, f->ns, f->name);
        snprintf(text, sizeof text, "%s %s %s %s %s", widget_sev_marker(f->severity),
                 widget_side_name(f->side), obj, f->code, f->message ? f->message : "");
        if (f->ns ? !widget_filter_match(v->filter, f->ns, text)
                  : !widget_filter_match(
                        v->filter, v->filter && v->filter->ns[0] ? v->filter->ns : NULL, text))
            continue;
        push(p, &n, (struct fd_line){LINE_FINDING, f->side, i});
        p->nfindings++;
    }
    push(p, &n, (struct fd_line){LINE_EVENTS_TITLE, 0, 0});
    /* merge both sides' events, newest first */
    size_t at[2] = {0, 0};
    while (an) {
        int best = -1;
        int64_t best_t = 0;
        for (int s = 0; s < 2; s++) {
            while (at[s] < an->nevents_side[s]) {
                const struct model_event *e = an->events[s][at[s]];
                char text[1024], obj[512];
                object_text(obj, sizeof obj, e->involved_kind, e->involved_ns, e->involved_name);
                snprintf(text, sizeof text, "%s %s %s %s", s ? "target" : "source", obj,
                         e->reason ? e->reason : "", e->message ? e->message : "");
                if (widget_filter_match(v->filter, e->involved_ns ? e->involved_ns : e->obj.ns,
                                        text))
                    break;
                at[s]++;
            }
            if (at[s] < an->nevents_side[s]) {
                int64_t t = an->events[s][at[s]]->last_seen;
                if (best < 0 || t > best_t)
                    best = s, best_t = t;
            }
        }
        if (best < 0)
            break;
        push(p, &n, (struct fd_line){LINE_EVENT, best, at[best]++});
        p->nevents++;
    }
    w->nrows = n;
    widget_list_clamp(w, w->r.h - 2);
}

static void fd_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    struct fd_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    char title[96];
    snprintf(title, sizeof title, "Findings %d, Warning events %d", p->nfindings, p->nevents);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    struct canvas in = canvas_sub(c, (struct rect){1, 1, h - 2, wd - 2});
    int visible = h - 2;
    widget_list_clamp(w, visible);
    if (p->an == NULL) {
        canvas_text(&in, 0, 0, -1, THEME_ROLE_DIM, 0, "waiting for the first data...");
        return;
    }
    for (int i = 0; i < visible && w->top + i < w->nrows; i++) {
        const struct fd_line *l = &p->lines[w->top + i];
        bool sel = focused && w->top + i == w->sel;
        unsigned attr = sel ? CANVAS_REVERSE : 0;
        if (sel)
            canvas_fill(&in, (struct rect){i, 0, 1, canvas_width(&in)}, THEME_ROLE_SELECTED,
                        CANVAS_REVERSE);
        char obj[512];
        int x = 0;
        if (l->kind == LINE_FINDING) {
            const struct finding *f = &p->an->findings[l->idx];
            x += canvas_text(&in, i, x, 4, widget_sev_role(f->severity), CANVAS_BOLD | attr,
                             widget_sev_marker(f->severity));
            x++;
            x += canvas_text(&in, i, x, 7, THEME_ROLE_LABEL, attr, widget_side_name(f->side));
            x = x < 12 ? 12 : x + 1;
            object_text(obj, sizeof obj, f->kind, f->ns, f->name);
            x += canvas_text(&in, i, x, 40, THEME_ROLE_VALUE, attr, obj);
            x += 2;
            canvas_text(&in, i, x, -1, THEME_ROLE_VALUE, attr, f->message);
        } else if (l->kind == LINE_EVENTS_TITLE) {
            canvas_text(&in, i, 0, -1, THEME_ROLE_LABEL, CANVAS_BOLD | attr,
                        p->nevents ? "Recent Warning events" : "Recent Warning events: none");
        } else {
            const struct model_event *e = p->an->events[l->side][l->idx];
            char age[16];
            widget_age(e->last_seen > 0 ? v->now - e->last_seen : -1, age, sizeof age);
            x += canvas_text(&in, i, x, 4, THEME_ROLE_FINDING_WARN, CANVAS_BOLD | attr, "EVT");
            x++;
            x += canvas_text(&in, i, x, 7, THEME_ROLE_LABEL, attr, l->side ? "target" : "source");
            x = x < 12 ? 12 : x + 1;
            x += canvas_text(&in, i, x, 5, THEME_ROLE_DIM, attr, age);
            x++;
            object_text(obj, sizeof obj, e->involved_kind, e->involved_ns, e->involved_name);
            x += canvas_text(&in, i, x, 40, THEME_ROLE_VALUE, attr, obj);
            x += 2;
            x += canvas_text(&in, i, x, 24, THEME_ROLE_VALUE_WARN, attr,
                             e->reason ? e->reason : "?");
            if (e->count > 1)
                x += canvas_textf(&in, i, x, 8, THEME_ROLE_DIM, attr, " x%d", e->count);
            x += 1;
            canvas_text(&in, i, x, -1, THEME_ROLE_VALUE, attr, e->message ? e->message : "");
        }
    }
}

static int fd_key(struct widget *w, enum widget_cmd cmd)
{
    return widget_list_move(w, cmd, w->r.h - 2);
}

static void fd_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)w;
    int n[3] = {0, 0, 0};
    for (size_t i = 0; v->an && i < v->an->nfindings; i++)
        n[v->an->findings[i].severity]++;
    size_t ev = v->an ? v->an->nevents_side[0] + v->an->nevents_side[1] : 0;
    snprintf(buf, len, "Findings: CRIT %d, WARN %d, INFO %d; %zu Warning events", n[FINDING_CRIT],
             n[FINDING_WARN], n[FINDING_INFO], ev);
}

static void fd_fini(struct widget *w)
{
    struct fd_priv *p = w->priv;
    free(p->lines);
    free(p);
}

static const struct widget_class findings_class = {
    .name = "findings",
    .update = fd_update,
    .draw = fd_draw,
    .key = fd_key,
    .summary = fd_summary,
    .fini = fd_fini,
};

struct widget *panel_findings_new(void)
{
    return widget_new(&findings_class, xcalloc(1, sizeof(struct fd_priv)));
}
