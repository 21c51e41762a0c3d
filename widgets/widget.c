/* The widget vtable dispatchers and helpers shared by the panels. */
#include "cutover/widget.h"

#include "cutover/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct widget *widget_new(const struct widget_class *cls, void *priv)
{
    struct widget *w = xcalloc(1, sizeof *w);
    w->cls = cls;
    w->priv = priv;
    return w;
}

void widget_free(struct widget *w)
{
    if (w == NULL)
        return;
    if (w->cls->fini)
        w->cls->fini(w);
    free(w);
}

void widget_layout(struct widget *w, struct rect r)
{
    w->r = r;
    if (w->cls->layout)
        w->cls->layout(w, r);
}

void widget_update(struct widget *w, const struct widget_view *v)
{
    if (w->cls->update)
        w->cls->update(w, v);
}

void widget_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    if (w->cls->draw)
        w->cls->draw(w, c, v, focused);
}

int widget_key(struct widget *w, enum widget_cmd cmd)
{
    return w->cls->key ? w->cls->key(w, cmd) : ACT_NONE;
}

void widget_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (w->cls->summary)
        w->cls->summary(w, v, buf, len);
}

void widget_list_clamp(struct widget *w, int visible)
{
    if (visible < 1)
        visible = 1;
    if (w->sel >= w->nrows)
        w->sel = w->nrows - 1;
    if (w->sel < 0)
        w->sel = 0;
    if (w->top > w->sel)
        w->top = w->sel;
    if (w->sel >= w->top + visible)
        w->top = w->sel - visible + 1;
    if (w->top > w->nrows - visible)
        w->top = w->nrows - visible;
    if (w->top < 0)
        w->top = 0;
}

int widget_list_move(struct widget *w, enum widget_cmd cmd, int visible)
{
    int sel = w->sel, top = w->top;
    int page = visible > 1 ? visible - 1 : 1;
    switch (cmd) {
    case WIDGET_UP:
        w->sel--;
        break;
    case WIDGET_DOWN:
        w->sel++;
        break;
    case WIDGET_PGUP:
        w->sel -= page;
        w->top -= page;
        break;
    case WIDGET_PGDN:
        w->sel += page;
        w->top += page;
        break;
    case WIDGET_TOP:
        w->sel = 0;
        break;
    case WIDGET_BOTTOM:
        w->sel = w->nrows - 1;
        break;
    default:
        return ACT_NONE;
    }
    widget_list_clamp(w, visible);
    return (sel != w->sel || top != w->top) ? ACT_REDRAW : ACT_NONE;
}

const char *widget_sev_marker(enum finding_severity sev)
{
    switch (sev) {
    case FINDING_CRIT:
        return "CRIT";
    case FINDING_WARN:
        return "WARN";
    default:
        return "INFO";
    }
}

int widget_sev_role(enum finding_severity sev)
{
    switch (sev) {
    case FINDING_CRIT:
        return THEME_ROLE_FINDING_CRIT;
    case FINDING_WARN:
        return THEME_ROLE_FINDING_WARN;
    default:
        return THEME_ROLE_FINDING_INFO;
    }
}

const char *widget_side_name(enum analysis_side side)
{
    switch (side) {
    case ANALYSIS_SOURCE:
        return "source";
    case ANALYSIS_TARGET:
        return "target";
    default:
        return "both";
    }
}

void widget_age(int64_t secs, char *buf, size_t len)
{
    if (secs < 0)
        snprintf(buf, len, "?");
    else if (secs < 120)
        snprintf(buf, len, "%llds", (long long)secs);
    else if (secs < 7200)
        snprintf(buf, len, "%lldm", (long long)(secs / 60));
    else if (secs < 172800)
        snprintf(buf, len, "%lldh", (long long)(secs / 3600));
    else
        snprintf(buf, len, "%lldd", (long long)(secs / 86400));
}

const char *widget_kind_short(const char *kind, char *buf, size_t len)
{
    if (kind == NULL)
        return "?";
    if (strcmp(kind, "Deployment") == 0)
        return "deploy";
    if (strcmp(kind, "StatefulSet") == 0)
        return "sts";
    if (strcmp(kind, "DaemonSet") == 0)
        return "ds";
    if (strcmp(kind, "ReplicaSet") == 0)
        return "rs";
    size_t i = 0;
    for (; kind[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)kind[i]);
    if (len)
        buf[i] = '\0';
    return buf;
}

int widget_filter_set(struct widget_filter *f, const char *expr, char *err, size_t err_len)
{
    if (expr == NULL || *expr == '\0' || strcmp(expr, "!") == 0) {
        widget_filter_fini(f);
        f->expr[0] = '\0';
        return 0;
    }
    bool invert = expr[0] == '!';
    regex_t re;
    int rc = regcomp(&re, invert ? expr + 1 : expr, REG_EXTENDED | REG_NOSUB | REG_ICASE);
    if (rc != 0) {
        if (err && err_len)
            regerror(rc, &re, err, err_len);
        return -1;
    }
    widget_filter_fini(f);
    f->re = re;
    f->active = true;
    f->invert = invert;
    snprintf(f->expr, sizeof f->expr, "%s", expr);
    return 0;
}

void widget_filter_fini(struct widget_filter *f)
{
    if (f->active)
        regfree(&f->re);
    f->active = false;
    f->invert = false;
}

bool widget_filter_match(const struct widget_filter *f, const char *ns, const char *text)
{
    if (f == NULL)
        return true;
    if (f->ns[0] && (ns == NULL || strcmp(ns, f->ns) != 0))
        return false;
    if (!f->active)
        return true;
    bool m = regexec(&f->re, text ? text : "", 0, NULL, 0) == 0;
    return f->invert ? !m : m;
}

void widget_freshness(const struct widget_view *v, int side, struct widget_fresh *out)
{
    const struct model_cluster *c = v->snap[side];
    out->age = -1;
    out->stale = false;
    out->error = NULL;
    if (c == NULL)
        return;
    int64_t newest = 0;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        const struct model_freshness *f = &c->fresh[r];
        if (!f->enabled)
            continue;
        if (f->last_ok.tv_sec > newest)
            newest = f->last_ok.tv_sec;
        if (f->last_error && out->error == NULL)
            out->error = f->last_error;
    }
    if (c->error)
        out->error = c->error;
    if (newest > 0)
        out->age = v->now - newest > 0 ? v->now - newest : 0;
    /* Stale means the data is no longer being kept up to date: the last attempt failed. A quiet
     * cluster whose watches are healthy sends nothing, so its age alone proves nothing (the
     * screen shows the age anyway); nor does a poller still making its first LIST. */
    out->stale = out->error != NULL;
}
