/* The drill-in: one workload's pods in both clusters, side by side. */
#include "cutover/panel_pods.h"

#include "cutover/layout.h"
#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pods_priv {
    char *kind, *ns, *name;
    const struct model_pod **pods[2];
    size_t n[2], cap[2];
};

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool panel_pods_owned(const struct model_cluster *c, const struct model_pod *p, const char *kind,
                      const char *ns, const char *name)
{
    if (!eq(p->obj.ns, ns))
        return false;
    if (eq(p->owner_kind, kind) && eq(p->owner_name, name))
        return true;
    if (!eq(kind, "Deployment") || !eq(p->owner_kind, "ReplicaSet") || p->owner_name == NULL)
        return false;
    /* a Deployment's ReplicaSets are named "<deployment>-<hash>": a cheap test first, so a big
     * namespace does not cost a ReplicaSet scan per pod */
    size_t l = strlen(name);
    if (strncmp(p->owner_name, name, l) != 0 || p->owner_name[l] != '-' ||
        strchr(p->owner_name + l + 1, '-') != NULL)
        return false;
    const struct model_list *rs = &c->lists[MODEL_RES_REPLICASETS];
    for (size_t i = 0; i < rs->n; i++) {
        const struct model_workload *r = (const struct model_workload *)rs->items[i];
        if (eq(r->obj.ns, ns) && eq(r->obj.name, p->owner_name))
            return eq(r->owner_kind, "Deployment") && eq(r->owner_name, name);
    }
    return true; /* ReplicaSets not listed (yet): the naming rule is all there is */
}

static void pods_clamp(struct widget *w);

static int cmp_pod(const void *a, const void *b)
{
    const struct model_pod *const *x = a, *const *y = b;
    return strcmp((*x)->obj.name ? (*x)->obj.name : "", (*y)->obj.name ? (*y)->obj.name : "");
}

static void pods_update(struct widget *w, const struct widget_view *v)
{
    struct pods_priv *p = w->priv;
    w->nrows = 0;
    for (int s = 0; s < 2; s++) {
        p->n[s] = 0;
        const struct model_cluster *c = v->snap[s];
        if (c == NULL)
            continue;
        /* the Deployment's ReplicaSets, found once (one pass over ReplicaSets, one over pods) */
        const struct model_list *rsl = &c->lists[MODEL_RES_REPLICASETS];
        const char **owned = NULL;
        size_t nowned = 0;
        bool deploy = eq(p->kind, "Deployment");
        for (size_t i = 0; deploy && i < rsl->n; i++) {
            const struct model_workload *r = (const struct model_workload *)rsl->items[i];
            if (eq(r->obj.ns, p->ns) && eq(r->owner_kind, "Deployment") &&
                eq(r->owner_name, p->name) && r->obj.name) {
                owned = xreallocarray(owned, nowned + 1, sizeof *owned);
                owned[nowned++] = r->obj.name;
            }
        }
        const struct model_list *l = &c->lists[MODEL_RES_PODS];
        for (size_t i = 0; i < l->n; i++) {
            const struct model_pod *pod = (const struct model_pod *)l->items[i];
            bool mine = false;
            if (!eq(pod->obj.ns, p->ns))
                continue;
            if (eq(pod->owner_kind, p->kind) && eq(pod->owner_name, p->name))
                mine = true;
            else if (deploy && eq(pod->owner_kind, "ReplicaSet") && rsl->n > 0)
                for (size_t k = 0; k < nowned && !mine; k++)
                    mine = eq(pod->owner_name, owned[k]);
            else if (deploy && rsl->n == 0)
                mine = panel_pods_owned(c, pod, p->kind, p->ns, p->name);
            if (!mine)
                continue;
            if (p->n[s] == p->cap[s]) {
                p->cap[s] = p->cap[s] ? p->cap[s] * 2 : 16;
                p->pods[s] = xreallocarray(p->pods[s], p->cap[s], sizeof *p->pods[s]);
            }
            p->pods[s][p->n[s]++] = pod;
        }
        free(owned);
        if (p->n[s])
            qsort(p->pods[s], p->n[s], sizeof *p->pods[s], cmp_pod);
        if ((int)p->n[s] > w->nrows)
            w->nrows = (int)p->n[s];
    }
    pods_clamp(w);
}

static void draw_side(struct canvas *c, const struct widget_view *v, const struct pods_priv *p,
                      int side, int top)
{
    int w = canvas_width(c), h = canvas_height(c);
    struct widget_fresh fr;
    widget_freshness(v, side, &fr);
    const char *ctx =
        v->snap[side] && v->snap[side]->context ? v->snap[side]->context : v->context[side];
    int x =
        canvas_textf(c, 0, 0, -1, fr.stale ? THEME_ROLE_STALE : THEME_ROLE_HEADER, CANVAS_BOLD,
                     "%s %s: %zu pods", side ? "TARGET" : "SOURCE", ctx ? ctx : "?", p->n[side]);
    if (fr.stale)
        canvas_text(c, 0, x, -1, THEME_ROLE_STALE, 0, " (stale)");
    /* the status gets what its longest value needs, the pod names the rest */
    int status_need = 6;
    for (size_t i = 0; i < p->n[side]; i++) {
        const struct model_pod *pod = p->pods[side][i];
        const char *st = pod->waiting_reason ? pod->waiting_reason : pod->phase;
        int sw = st ? canvas_str_width(st) : 1;
        if (sw > status_need)
            status_need = sw;
    }
    int name_w = w - 12 - status_need;
    if (name_w < 12)
        name_w = 12;
    canvas_text(c, 1, 0, name_w - 1, THEME_ROLE_LABEL, CANVAS_BOLD, "POD");
    canvas_text(c, 1, name_w, 6, THEME_ROLE_LABEL, CANVAS_BOLD, "READY");
    canvas_text_right(c, 1, name_w + 10, 4, THEME_ROLE_LABEL, CANVAS_BOLD, "RST");
    canvas_text(c, 1, name_w + 11, -1, THEME_ROLE_LABEL, CANVAS_BOLD, "STATUS");
    if (v->snap[side] == NULL) {
        canvas_text(c, 2, 0, -1, THEME_ROLE_DIM, 0, "no data yet");
        return;
    }
    if (p->n[side] == 0) {
        canvas_text(c, 2, 0, -1, THEME_ROLE_MISSING, CANVAS_BOLD, "no pods in this cluster");
        return;
    }
    for (int i = 0; 2 + i < h && top + i < (int)p->n[side]; i++) {
        const struct model_pod *pod = p->pods[side][top + i];
        int y = 2 + i;
        int base = fr.stale ? THEME_ROLE_STALE : -1;
        canvas_text(c, y, 0, name_w - 1, base >= 0 ? base : THEME_ROLE_VALUE, 0, pod->obj.name);
        char buf[32];
        if (pod->containers_ready == MODEL_COUNT_UNKNOWN || pod->containers < 0)
            snprintf(buf, sizeof buf, "?/%d", pod->containers);
        else
            snprintf(buf, sizeof buf, "%d/%d", pod->containers_ready, pod->containers);
        bool ok = pod->ready == MODEL_TRUE;
        canvas_text(c, y, name_w, 6,
                    base >= 0 ? base
                    : ok      ? THEME_ROLE_VALUE_OK
                              : THEME_ROLE_VALUE_WARN,
                    0, buf);
        if (pod->restarts == MODEL_COUNT_UNKNOWN)
            snprintf(buf, sizeof buf, "?");
        else
            snprintf(buf, sizeof buf, "%d", pod->restarts);
        canvas_text_right(c, y, name_w + 10, 4, base >= 0 ? base : THEME_ROLE_VALUE, 0, buf);
        const char *st = pod->waiting_reason ? pod->waiting_reason : pod->phase;
        canvas_text(c, y, name_w + 11, -1,
                    base >= 0             ? base
                    : pod->waiting_reason ? THEME_ROLE_VALUE_CRIT
                                          : THEME_ROLE_VALUE,
                    0, st ? st : "?");
    }
}

static void pods_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    struct pods_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    char title[600];
    snprintf(title, sizeof title, "Pods of %s %s/%s (Esc: back)", p->kind, p->ns, p->name);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    struct rect inner = {1, 1, h - 2, wd - 2}, col[2];
    layout_split2(inner, &col[0], &col[1]);
    canvas_vline(c, col[1].y, col[1].x - 1, col[1].h, THEME_ROLE_PANEL_BORDER);
    pods_clamp(w);
    for (int s = 0; s < 2; s++) {
        struct canvas sub =
            canvas_sub(c, (struct rect){col[s].y, col[s].x + 1, col[s].h, col[s].w - 1});
        draw_side(&sub, v, p, s, w->top);
    }
}

/* Keeps the first row shown inside the list. */
static void pods_clamp(struct widget *w)
{
    int visible = w->r.h - 4 > 1 ? w->r.h - 4 : 1;
    if (w->top > w->nrows - visible)
        w->top = w->nrows - visible;
    if (w->top < 0)
        w->top = 0;
}

static int pods_key(struct widget *w, enum widget_cmd cmd)
{
    /* both columns scroll together: the commands move the first row shown */
    int visible = w->r.h - 4 > 1 ? w->r.h - 4 : 1, top = w->top;
    switch (cmd) {
    case WIDGET_UP:
        w->top--;
        break;
    case WIDGET_DOWN:
        w->top++;
        break;
    case WIDGET_PGUP:
        w->top -= visible;
        break;
    case WIDGET_PGDN:
        w->top += visible;
        break;
    case WIDGET_TOP:
        w->top = 0;
        break;
    case WIDGET_BOTTOM:
        w->top = w->nrows;
        break;
    default:
        return ACT_NONE;
    }
    pods_clamp(w);
    return w->top != top ? ACT_REDRAW : ACT_NONE;
}

static void pods_fini(struct widget *w)
{
    struct pods_priv *p = w->priv;
    free(p->kind);
    free(p->ns);
    free(p->name);
    free(p->pods[0]);
    free(p->pods[1]);
    free(p);
}

static const struct widget_class pods_class = {
    .name = "pods",
    .update = pods_update,
    .draw = pods_draw,
    .key = pods_key,
    .fini = pods_fini,
};

struct widget *panel_pods_new(const char *kind, const char *ns, const char *name)
{
    struct pods_priv *p = xcalloc(1, sizeof *p);
    p->kind = xstrdup(kind ? kind : "");
    p->ns = xstrdup(ns ? ns : "");
    p->name = xstrdup(name ? name : "");
    return widget_new(&pods_class, p);
}
