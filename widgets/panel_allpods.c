/* The all-pods view: every pod of both clusters, sorted and filtered through a podindex. */
#include "cutover/panel_allpods.h"
#include "cutover/quantity.h"

#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ap_priv {
    struct podindex *idx; /* reference held; NULL until the first index */
    enum podindex_col col;
    bool desc;
    bool busy;
    /* the filter the list follows, compiled from the view's (expr, ns) */
    struct podindex_filter filter;
    bool filter_set;
    const uint8_t *match; /* rows passing the filter: idx->match or own; NULL = every row */
    uint8_t *own;         /* owned match buffer */
    uint8_t *spare;       /* a second buffer for narrowing */
    uint32_t nmatch;
    uint32_t *vis; /* the list: row numbers in sort order that pass the filter */
    uint32_t nvis, cap;
    /* the selected pod, to find it again in a new index */
    const struct model_pod *sel_pod;
    char sel_text[600]; /* its "ns/name" */
    int sel_side;
    const struct podindex *sel_idx; /* the index sel_row is a row of (compared, never read) */
    uint32_t sel_row;
    bool open;
    /* column widths for the current size */
    int ns_w, name_w, node_w, zone_w, status_w, cpu_w; /* cpu_w: each CPU column, 0 hidden */
};

enum { CLUSTER_W = 8, READY_W = 6, RST_W = 10, AGE_W = 7, CPU_W = 9 };

static void ap_layout(struct widget *w, struct rect r)
{
    struct ap_priv *p = w->priv;
    int inner = r.w - 2;
    p->status_w = 18;
    p->zone_w = 12;
    int rest = inner - CLUSTER_W - READY_W - p->status_w - RST_W - p->zone_w - AGE_W;
    if (rest < 60) {
        rest += p->zone_w;
        p->zone_w = 0;
    }
    /* CPU REQ and CPU LIM when the namespace and name keep room (not at 80 columns) */
    p->cpu_w = rest - 2 * CPU_W >= 44 ? CPU_W : 0;
    rest -= 2 * p->cpu_w;
    if (rest < 40) {
        rest += p->status_w - 12;
        p->status_w = 12;
    }
    if (rest < 24)
        rest = 24;
    p->node_w = rest >= 70 ? rest * 3 / 10 : 0;
    p->ns_w = (rest - p->node_w) * 3 / 10;
    if (p->ns_w < 8)
        p->ns_w = 8;
    p->name_w = rest - p->node_w - p->ns_w;
}

static void remember_sel(struct ap_priv *p, const struct widget *w)
{
    if (p->idx == NULL || w->sel < 0 || (uint32_t)w->sel >= p->nvis) {
        p->sel_pod = NULL;
        p->sel_text[0] = '\0';
        return;
    }
    const struct podindex_row *r = &p->idx->rows[p->vis[w->sel]];
    p->sel_pod = r->pod;
    p->sel_side = r->side;
    p->sel_idx = p->idx;
    p->sel_row = p->vis[w->sel];
    snprintf(p->sel_text, sizeof p->sel_text, "%s", podindex_text(p->idx, p->vis[w->sel]));
}

/* Rebuilds the list from the sort order and the matches; follow: select the remembered pod. */
static void rebuild(struct widget *w, bool follow)
{
    struct ap_priv *p = w->priv;
    p->nvis = 0;
    if (p->idx == NULL || p->idx->n == 0) {
        w->nrows = 0;
        w->sel = w->top = 0;
        return;
    }
    if (p->cap < p->idx->n) {
        p->vis = xreallocarray(p->vis, p->idx->n, sizeof *p->vis);
        p->cap = p->idx->n;
    }
    const uint32_t *o = p->idx->order[p->col][p->desc];
    const uint8_t *m = p->match;
    uint32_t n = p->idx->n, k = 0;
    if (m == NULL) {
        memcpy(p->vis, o, n * sizeof *o);
        k = n;
    } else {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = o[i];
            p->vis[k] = r;
            k += m[r];
        }
    }
    p->nvis = k;
    w->nrows = (int)k;
    if (follow && p->sel_pod && p->sel_idx == p->idx) {
        /* the same index in another order or filter: look for its row number */
        if (m == NULL || m[p->sel_row])
            for (uint32_t i = 0; i < k; i++)
                if (p->vis[i] == p->sel_row) {
                    w->sel = (int)i;
                    break;
                }
    } else if (follow && p->sel_pod) {
        int found = -1;
        for (uint32_t i = 0; i < k && found < 0; i++)
            if (p->idx->rows[p->vis[i]].pod == p->sel_pod)
                found = (int)i;
        if (found < 0 && p->sel_text[0]) {
            /* the pod changed (a new row object): find it by cluster, namespace and name */
            for (uint32_t i = 0; i < k && found < 0; i++)
                if (p->idx->rows[p->vis[i]].side == p->sel_side &&
                    strcmp(podindex_text(p->idx, p->vis[i]), p->sel_text) == 0)
                    found = (int)i;
        }
        if (found >= 0)
            w->sel = found;
    }
    widget_list_clamp(w, w->r.h - 3);
    remember_sel(p, w);
}

/* Brings the matches up to date with p->filter for the current index. */
static void refilter(struct ap_priv *p, const struct podindex_filter *prev)
{
    if (p->idx == NULL)
        return;
    uint32_t n = p->idx->n;
    if (podindex_filter_all(&p->filter)) {
        p->match = NULL;
        p->nmatch = n;
        return;
    }
    const char *expr = p->filter.active ? p->filter.expr : "";
    if (p->idx->match && strcmp(p->idx->matched_expr, expr) == 0 &&
        strcmp(p->idx->matched_ns, p->filter.ns) == 0) {
        p->match = p->idx->match; /* computed with the index, off the UI thread */
        p->nmatch = p->idx->nmatch;
        return;
    }
    if (p->spare == NULL)
        p->spare = xcalloc(n ? n : 1, 1);
    /* a literal extending the previous one only re-tests the previous matches */
    const uint8_t *within =
        prev && p->match && podindex_filter_narrows(&p->filter, prev) ? p->match : NULL;
    p->nmatch = podindex_filter_run(&p->filter, p->idx, within, p->spare);
    uint8_t *t = p->own;
    p->own = p->spare;
    p->spare = t;
    p->match = p->own;
}

static void free_buffers(struct ap_priv *p)
{
    free(p->own);
    free(p->spare);
    p->own = p->spare = NULL;
    p->match = NULL;
}

static void ap_update(struct widget *w, const struct widget_view *v)
{
    struct ap_priv *p = w->priv;
    const char *expr = v->filter && v->filter->active ? v->filter->expr : "";
    const char *ns = v->filter ? v->filter->ns : "";
    if (p->filter_set && strcmp(expr, p->filter.active ? p->filter.expr : "") == 0 &&
        strcmp(ns, p->filter.ns) == 0)
        return; /* nothing this view follows changed */
    struct podindex_filter prev = p->filter, nf;
    memset(&nf, 0, sizeof nf);
    char err[200];
    if (podindex_filter_set(&nf, expr, ns, err, sizeof err) != 0)
        return; /* the dashboard refused it too: the old filter stays */
    p->filter = nf;
    p->filter_set = true;
    remember_sel(p, w);
    refilter(p, &prev);
    podindex_filter_fini(&prev);
    w->sel = 0;
    rebuild(w, true);
}

void panel_allpods_set_index(struct widget *w, struct podindex *idx)
{
    struct ap_priv *p = w->priv;
    remember_sel(p, w);
    struct podindex *old = p->idx;
    p->idx = idx ? podindex_ref(idx) : NULL;
    if (old == NULL || idx == NULL || old->n != idx->n)
        free_buffers(p); /* sized for the old index */
    else
        p->match = NULL; /* the buffers are kept, their contents are the old index's */
    refilter(p, NULL);
    rebuild(w, true);
    /* the old index is dropped after the list stopped pointing into it */
    podindex_unref(old);
}

const struct podindex *panel_allpods_index(const struct widget *w)
{
    const struct ap_priv *p = w->priv;
    return p->idx;
}

void panel_allpods_set_busy(struct widget *w, bool busy)
{
    struct ap_priv *p = w->priv;
    p->busy = busy;
}

int panel_allpods_sort_by(struct widget *w, enum podindex_col col, bool desc)
{
    struct ap_priv *p = w->priv;
    if ((unsigned)col >= PODINDEX_COL_COUNT)
        return ACT_NONE;
    p->col = col;
    p->desc = desc;
    w->sel = 0;
    w->top = 0;
    rebuild(w, false);
    return ACT_REDRAW;
}

int panel_allpods_sort_step(struct widget *w, int step)
{
    struct ap_priv *p = w->priv;
    int c = ((int)p->col + (step > 0 ? 1 : PODINDEX_COL_COUNT - 1)) % PODINDEX_COL_COUNT;
    return panel_allpods_sort_by(w, (enum podindex_col)c, p->desc);
}

int panel_allpods_sort_reverse(struct widget *w)
{
    struct ap_priv *p = w->priv;
    return panel_allpods_sort_by(w, p->col, !p->desc);
}

enum podindex_col panel_allpods_sort_col(const struct widget *w, bool *desc)
{
    const struct ap_priv *p = w->priv;
    if (desc)
        *desc = p->desc;
    return p->col;
}

uint32_t panel_allpods_count(const struct widget *w)
{
    const struct ap_priv *p = w->priv;
    return p->nvis;
}

const struct podindex_row *panel_allpods_row(const struct widget *w, uint32_t i)
{
    const struct ap_priv *p = w->priv;
    if (p->idx == NULL || i >= p->nvis)
        return NULL;
    return &p->idx->rows[p->vis[i]];
}

const struct podindex_row *panel_allpods_selected(const struct widget *w)
{
    return w->sel < 0 ? NULL : panel_allpods_row(w, (uint32_t)w->sel);
}

bool panel_allpods_take_open(struct widget *w)
{
    struct ap_priv *p = w->priv;
    bool o = p->open;
    p->open = false;
    return o;
}

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool panel_allpods_owner(const struct model_cluster *c, const struct model_pod *p,
                         const char **kind, const char **name)
{
    if (p->owner_kind == NULL || p->owner_name == NULL)
        return false;
    *kind = p->owner_kind;
    *name = p->owner_name;
    if (!eq(p->owner_kind, "ReplicaSet") || c == NULL)
        return true;
    const struct model_list *rs = &c->lists[MODEL_RES_REPLICASETS];
    for (size_t i = 0; i < rs->n; i++) {
        const struct model_workload *r = (const struct model_workload *)rs->items[i];
        if (eq(r->obj.ns, p->obj.ns) && eq(r->obj.name, p->owner_name)) {
            if (eq(r->owner_kind, "Deployment") && r->owner_name) {
                *kind = r->owner_kind;
                *name = r->owner_name;
            }
            break;
        }
    }
    return true;
}

/* ---- drawing --------------------------------------------------------------------------------- */

struct col_place {
    int x, w;
    bool right;
};

static void places(const struct ap_priv *p, struct col_place pl[PODINDEX_COL_COUNT])
{
    int x = 0;
    const int widths[PODINDEX_COL_COUNT] = {
        [PODINDEX_COL_CLUSTER] = CLUSTER_W,  [PODINDEX_COL_NAMESPACE] = p->ns_w,
        [PODINDEX_COL_NAME] = p->name_w,     [PODINDEX_COL_READY] = READY_W,
        [PODINDEX_COL_STATUS] = p->status_w, [PODINDEX_COL_RESTARTS] = RST_W,
        [PODINDEX_COL_CPU_REQ] = p->cpu_w,   [PODINDEX_COL_CPU_LIM] = p->cpu_w,
        [PODINDEX_COL_NODE] = p->node_w,     [PODINDEX_COL_ZONE] = p->zone_w,
        [PODINDEX_COL_AGE] = AGE_W,
    };
    for (int c = 0; c < PODINDEX_COL_COUNT; c++) {
        pl[c].x = x;
        pl[c].w = widths[c];
        pl[c].right = c == PODINDEX_COL_RESTARTS || c == PODINDEX_COL_AGE ||
                      c == PODINDEX_COL_CPU_REQ || c == PODINDEX_COL_CPU_LIM;
        x += widths[c];
    }
}

static void ap_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    struct ap_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    char title[300];
    int off;
    if (p->idx == NULL)
        off = snprintf(title, sizeof title, "All pods");
    else if (p->nvis != p->idx->n)
        off = snprintf(title, sizeof title, "All pods %u of %u", p->nvis, p->idx->n);
    else
        off = snprintf(title, sizeof title, "All pods %u (source %u, target %u)", p->idx->n,
                       p->idx->count[0], p->idx->count[1]);
    if (off > 0 && (size_t)off < sizeof title)
        snprintf(title + off, sizeof title - (size_t)off, " sorted by %s %s%s (Esc: back)",
                 podindex_col_key(p->col), p->desc ? "desc" : "asc",
                 p->busy ? ", indexing..." : "");
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    struct canvas in = canvas_sub(c, (struct rect){1, 1, h - 2, wd - 2});
    struct col_place pl[PODINDEX_COL_COUNT];
    places(p, pl);
    for (int k = 0; k < PODINDEX_COL_COUNT; k++) {
        if (pl[k].w <= 0)
            continue;
        bool sorted = (enum podindex_col)k == p->col;
        char head[32];
        snprintf(head, sizeof head, "%s%s", podindex_col_name((enum podindex_col)k),
                 sorted ? (p->desc ? "-" : "+") : "");
        int role = sorted ? THEME_ROLE_SELECTED : THEME_ROLE_LABEL;
        unsigned attr = CANVAS_BOLD | (sorted ? CANVAS_REVERSE : 0);
        if (pl[k].right)
            canvas_text_right(&in, 0, pl[k].x + pl[k].w - 1, pl[k].w - 1, role, attr, head);
        else
            canvas_text(&in, 0, pl[k].x, pl[k].w - 1, role, attr, head);
    }
    int visible = h - 3;
    widget_list_clamp(w, visible);
    if (p->nvis == 0) {
        const char *why = p->idx == NULL
                              ? (p->busy ? "indexing the pods of both clusters..." : "no data yet")
                          : p->idx->n == 0 ? "no pods in either cluster"
                                           : "no pod matches the filter";
        canvas_text(&in, 1, 0, -1, THEME_ROLE_DIM, 0, why);
        return;
    }
    struct widget_fresh fr[2];
    for (int s = 0; s < 2; s++)
        widget_freshness(v, s, &fr[s]);
    for (int i = 0; i < visible && w->top + i < w->nrows; i++) {
        int y = 1 + i;
        const struct podindex_row *r = &p->idx->rows[p->vis[w->top + i]];
        const struct model_pod *pod = r->pod;
        bool sel = w->top + i == w->sel && focused;
        unsigned attr = sel ? CANVAS_REVERSE : 0;
        if (sel)
            canvas_fill(&in, (struct rect){y, 0, 1, canvas_width(&in)}, THEME_ROLE_SELECTED,
                        CANVAS_REVERSE);
        int stale = fr[r->side].stale ? THEME_ROLE_STALE : -1;
        int plain = sel ? THEME_ROLE_SELECTED : stale >= 0 ? stale : THEME_ROLE_VALUE;
        char buf[64];
        canvas_text(&in, y, pl[PODINDEX_COL_CLUSTER].x, CLUSTER_W - 1, plain, attr,
                    r->side ? "target" : "source");
        canvas_text(&in, y, pl[PODINDEX_COL_NAMESPACE].x, p->ns_w - 1, plain, attr,
                    pod->obj.ns ? pod->obj.ns : "?");
        canvas_text(&in, y, pl[PODINDEX_COL_NAME].x, p->name_w - 1, plain, attr,
                    pod->obj.name ? pod->obj.name : "?");
        if (pod->containers_ready == MODEL_COUNT_UNKNOWN || pod->containers < 0)
            snprintf(buf, sizeof buf, "?/%d", pod->containers < 0 ? 0 : pod->containers);
        else
            snprintf(buf, sizeof buf, "%d/%d", pod->containers_ready, pod->containers);
        canvas_text(&in, y, pl[PODINDEX_COL_READY].x, READY_W - 1,
                    sel || stale >= 0          ? plain
                    : pod->ready == MODEL_TRUE ? THEME_ROLE_VALUE_OK
                                               : THEME_ROLE_VALUE_WARN,
                    attr, buf);
        const char *st = podindex_pod_status(pod);
        canvas_text(&in, y, pl[PODINDEX_COL_STATUS].x, p->status_w - 1,
                    sel || stale >= 0     ? plain
                    : pod->waiting_reason ? THEME_ROLE_VALUE_CRIT
                                          : THEME_ROLE_VALUE,
                    attr, st ? st : "?");
        if (pod->restarts == MODEL_COUNT_UNKNOWN)
            snprintf(buf, sizeof buf, "?");
        else
            snprintf(buf, sizeof buf, "%d", pod->restarts);
        canvas_text_right(&in, y, pl[PODINDEX_COL_RESTARTS].x + RST_W - 1, RST_W - 1,
                          sel || stale >= 0 || pod->restarts <= 5 ? plain : THEME_ROLE_VALUE_WARN,
                          attr, buf);
        for (int k = PODINDEX_COL_CPU_REQ; p->cpu_w > 0 && k <= PODINDEX_COL_CPU_LIM; k++) {
            int64_t m = k == PODINDEX_COL_CPU_REQ ? pod->cpu_request_m : pod->cpu_limit_m;
            if (m == MODEL_QTY_UNKNOWN)
                snprintf(buf, sizeof buf, "?");
            else
                quantity_format_milli(m, buf, sizeof buf);
            canvas_text_right(&in, y, pl[k].x + p->cpu_w - 1, p->cpu_w - 1,
                              m < 0 && !sel && stale < 0 ? THEME_ROLE_DIM : plain, attr, buf);
        }
        if (p->node_w > 0)
            canvas_text(&in, y, pl[PODINDEX_COL_NODE].x, p->node_w - 1, plain, attr,
                        pod->node ? pod->node : "?");
        if (p->zone_w > 0)
            canvas_text(&in, y, pl[PODINDEX_COL_ZONE].x, p->zone_w - 1, plain, attr,
                        r->zone ? r->zone : "?");
        widget_age(pod->obj.created > 0 ? v->now - pod->obj.created : -1, buf, sizeof buf);
        canvas_text_right(&in, y, pl[PODINDEX_COL_AGE].x + AGE_W - 1, AGE_W - 1, plain, attr, buf);
    }
    if (w->nrows > visible)
        canvas_textf(c, h - 1, wd - 24, 22, THEME_ROLE_DIM, 0, " %d-%d/%d ", w->top + 1,
                     w->top + visible < w->nrows ? w->top + visible : w->nrows, w->nrows);
}

static int ap_key(struct widget *w, enum widget_cmd cmd)
{
    struct ap_priv *p = w->priv;
    if (cmd == WIDGET_ENTER) {
        if (w->nrows == 0)
            return ACT_NONE;
        p->open = true;
        return ACT_REDRAW;
    }
    int act = widget_list_move(w, cmd, w->r.h - 3);
    remember_sel(p, w);
    return act;
}

static void ap_fini(struct widget *w)
{
    struct ap_priv *p = w->priv;
    podindex_filter_fini(&p->filter);
    free_buffers(p);
    free(p->vis);
    podindex_unref(p->idx);
    free(p);
}

static const struct widget_class allpods_class = {
    .name = "allpods",
    .layout = ap_layout,
    .update = ap_update,
    .draw = ap_draw,
    .key = ap_key,
    .fini = ap_fini,
};

struct widget *panel_allpods_new(void)
{
    struct ap_priv *p = xcalloc(1, sizeof *p);
    p->col = PODINDEX_COL_NAMESPACE;
    struct widget *w = widget_new(&allpods_class, p);
    ap_layout(w, (struct rect){0, 0, 10, 80});
    return w;
}
