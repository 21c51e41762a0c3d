/* Workloads: one row per pair, worst first, both sides in one row. */
#include "cutover/panel_workloads.h"

#include "cutover/podindex.h"
#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wl_priv {
    const struct analysis *an; /* from the last update; the dashboard keeps it alive */
    uint32_t *rows;            /* indexes into an->workloads that pass the filter, in order */
    uint8_t *match;            /* per workload of an: passes the filter */
    size_t cap;
    bool open; /* Enter was pressed on a row */
    /* column widths for the current size */
    int name_w, wait_w;
    bool images;
    /* the sort (issue #7): severity, as the analysis orders the rows, unless a key chose another */
    enum panel_workloads_col col;
    bool desc;
    /* the rows of an in every order: the dashboard's (made on the analysis worker) or own */
    const struct panel_workloads_prep *given; /* borrowed, from panel_workloads_set_prep */
    struct panel_workloads_prep *own;         /* made here when none was given for an */
    const struct panel_workloads_prep *prep;  /* the one in use (given or own) */
    /* the filter as a block scan (podindex's): compiled from the widget_filter it was set from */
    struct podindex_filter pf;
    bool pf_set, pf_ok; /* pf was set from pf_expr; it holds it (else: regexec per row) */
    char pf_expr[256];
};

static const char *const col_keys[PANEL_WORKLOADS_COLS] = {
    [PANEL_WORKLOADS_COL_SEVERITY] = "severity",
    [PANEL_WORKLOADS_COL_KIND] = "kind",
    [PANEL_WORKLOADS_COL_NAME] = "name",
    [PANEL_WORKLOADS_COL_SRC_READY] = "source ready",
    [PANEL_WORKLOADS_COL_SRC_RESTARTS] = "source restarts",
    [PANEL_WORKLOADS_COL_TGT_READY] = "target ready",
    [PANEL_WORKLOADS_COL_TGT_RESTARTS] = "target restarts",
};

const char *panel_workloads_col_key(enum panel_workloads_col col)
{
    return (unsigned)col < PANEL_WORKLOADS_COLS ? col_keys[col] : "?";
}

/* The value of wp in a numeric column (ready as a fraction, restarts); false for "?". */
static bool num_value(const struct workload_pair *wp, enum panel_workloads_col col, double *v)
{
    int s = col == PANEL_WORKLOADS_COL_TGT_READY || col == PANEL_WORKLOADS_COL_TGT_RESTARTS;
    if (col == PANEL_WORKLOADS_COL_SRC_RESTARTS || col == PANEL_WORKLOADS_COL_TGT_RESTARTS) {
        *v = wp->restarts[s];
        return wp->side[s] != NULL && wp->restarts[s] != MODEL_COUNT_UNKNOWN;
    }
    const struct model_workload *m = wp->side[s];
    if (m == NULL || m->ready == MODEL_COUNT_UNKNOWN || m->desired == MODEL_COUNT_UNKNOWN)
        return false;
    *v = m->desired > 0 ? (double)m->ready / m->desired : 1.0;
    return true;
}

/* One sort: the analysis and the column (any thread: no shared state). */
struct sort_ctx {
    const struct analysis *an;
    enum panel_workloads_col col;
    bool desc;
};

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Rows i and j in the chosen order; ties (and the severity column) in the analysis's order;
 * unknown values last both ways. */
static int cmp_rows(const struct sort_ctx *k, uint32_t i, uint32_t j)
{
    const struct workload_pair *x = &k->an->workloads[i], *y = &k->an->workloads[j];
    int c = 0;
    switch (k->col) {
    case PANEL_WORKLOADS_COL_KIND:
        c = cmp_str(x->kind, y->kind);
        break;
    case PANEL_WORKLOADS_COL_NAME:
        c = cmp_str(x->ns, y->ns);
        if (c == 0)
            c = cmp_str(x->name, y->name);
        break;
    case PANEL_WORKLOADS_COL_SEVERITY:
        c = (i > j) - (i < j); /* the analysis's order is the severity order */
        break;
    default: {
        double vx = 0, vy = 0;
        bool kx = num_value(x, k->col, &vx), ky = num_value(y, k->col, &vy);
        if (!kx || !ky)
            return kx != ky ? (kx ? -1 : 1) : (i > j) - (i < j);
        c = (vx > vy) - (vx < vy);
    }
    }
    if (k->desc)
        c = -c;
    return c ? c : (i > j) - (i < j);
}

/* Sorts a[0..n) by k: a bottom-up merge sort through tmp (n entries). */
static void sort_order(const struct sort_ctx *k, uint32_t *a, uint32_t *tmp, uint32_t n)
{
    uint32_t *src = a, *dst = tmp;
    for (uint32_t width = 1; width < n; width *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n;
            uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = cmp_rows(k, src[i], src[j]) <= 0 ? src[i++] : src[j++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);
}

struct panel_workloads_prep *panel_workloads_prepare(const struct analysis *an)
{
    struct panel_workloads_prep *p = xcalloc(1, sizeof *p);
    p->an = an;
    p->n = an ? (uint32_t)an->nworkloads : 0;
    size_t n = p->n ? p->n : 1;
    p->text_at = xcalloc(n, sizeof *p->text_at);
    p->lower = xcalloc(n, 1);
    size_t len = 0, cap = 64 * n;
    p->text = xmalloc(cap);
    for (uint32_t i = 0; i < p->n; i++) {
        const struct workload_pair *wp = &an->workloads[i];
        const char *parts[4] = {wp->kind ? wp->kind : "", " ", wp->ns ? wp->ns : "", "/"};
        const char *name = wp->name ? wp->name : "";
        size_t need = strlen(parts[0]) + strlen(parts[2]) + strlen(name) + 3;
        if (len + need > cap) {
            cap = 2 * (len + need);
            p->text = xrealloc(p->text, cap);
        }
        p->text_at[i] = (uint32_t)len;
        bool low = true;
        for (int k = 0; k < 5; k++) {
            const char *q = k < 4 ? parts[k] : name;
            for (; *q; q++) {
                low = low && !(*q >= 'A' && *q <= 'Z');
                p->text[len++] = *q;
            }
        }
        p->text[len++] = '\0';
        p->lower[i] = low;
    }
    uint32_t *tmp = xmalloc(n * sizeof *tmp);
    for (int c = 0; c < PANEL_WORKLOADS_COLS; c++)
        for (int d = 0; d < 2; d++) {
            uint32_t *o = xmalloc(n * sizeof *o);
            for (uint32_t i = 0; i < p->n; i++)
                o[i] = i;
            if (c != PANEL_WORKLOADS_COL_SEVERITY || d) {
                struct sort_ctx k = {an, (enum panel_workloads_col)c, d != 0};
                sort_order(&k, o, tmp, p->n);
            }
            p->order[c][d] = o;
        }
    free(tmp);
    return p;
}

void panel_workloads_prep_free(struct panel_workloads_prep *p)
{
    if (p == NULL)
        return;
    for (int c = 0; c < PANEL_WORKLOADS_COLS; c++)
        for (int d = 0; d < 2; d++)
            free(p->order[c][d]);
    free(p->text);
    free(p->text_at);
    free(p->lower);
    free(p);
}

void panel_workloads_set_prep(struct widget *w, const struct panel_workloads_prep *p)
{
    struct wl_priv *pr = w->priv;
    pr->given = p;
}

/* Row i passes filter f (namespace, then the expression over the row's text). */
static bool row_match(struct wl_priv *p, const struct widget_filter *f, uint32_t i)
{
    if (p->an == NULL) /* no analysis: the prepared rows are none (clang-analyzer cannot tell) */
        return false;
    const struct workload_pair *wp = &p->an->workloads[i];
    if (f->ns[0] && (wp->ns == NULL || strcmp(wp->ns, f->ns) != 0))
        return false;
    if (!f->active)
        return true;
    const char *t = p->prep->text + p->prep->text_at[i];
    if (!p->pf_ok) /* podindex's rules could not take it: the regex as the filter compiled it */
        return widget_filter_match(f, wp->ns, t);
    return podindex_filter_text(&p->pf, t, p->prep->lower[i]);
}

/* Brings the block-scan form of f up to date (compiled once per new expression). */
static void sync_filter(struct wl_priv *p, const struct widget_filter *f)
{
    const char *expr = f->active ? f->expr : "";
    if (p->pf_set && strcmp(expr, p->pf_expr) == 0)
        return;
    snprintf(p->pf_expr, sizeof p->pf_expr, "%s", expr);
    p->pf_set = true;
    /* an expression as long as the buffer may have been cut: the compiled regex decides */
    p->pf_ok =
        strlen(expr) < sizeof f->expr - 1 && podindex_filter_set(&p->pf, expr, "", NULL, 0) == 0;
}

/* Fills rows from the order of the current sort and the matches; returns the position of the
 * row whose text is keep (NULL or not found: -1). */
static int fill_rows(struct widget *w, const char *keep)
{
    struct wl_priv *p = w->priv;
    const uint32_t *o = p->prep->order[p->col][p->desc];
    int at = -1, nr = 0;
    for (uint32_t k = 0; k < p->prep->n; k++) {
        uint32_t i = o[k];
        if (!p->match[i])
            continue;
        if (keep && at < 0 && strcmp(p->prep->text + p->prep->text_at[i], keep) == 0)
            at = nr;
        p->rows[nr++] = i;
    }
    w->nrows = nr;
    return at;
}

static void wl_layout(struct widget *w, struct rect r)
{
    struct wl_priv *p = w->priv;
    int inner = r.w - 2;
    int fixed = 5 + 7 + 2 * (8 + 5 + 2);
    p->images = inner >= 120;
    if (p->images)
        fixed += 8;
    int rest = inner - fixed;
    if (rest < 16)
        rest = 16;
    p->name_w = rest < 60 ? rest * 9 / 20 : rest * 2 / 5;
    if (p->name_w < 16)
        p->name_w = 16;
    p->wait_w = (rest - p->name_w) / 2;
    if (p->wait_w < 0)
        p->wait_w = 0;
}

static void wl_update(struct widget *w, const struct widget_view *v)
{
    struct wl_priv *p = w->priv;
    const struct workload_pair *old = panel_workloads_selected(w);
    char oldtext[512] = "";
    if (old) /* the selected row's text (as in the prep's block), looked up in the new rows */
        snprintf(oldtext, sizeof oldtext, "%s %s/%s", old->kind ? old->kind : "",
                 old->ns ? old->ns : "", old->name ? old->name : "");
    p->an = v->an;
    if (p->given && p->given->an == v->an && v->an) {
        p->prep = p->given;
    } else if (p->own == NULL || p->own->an != v->an) {
        panel_workloads_prep_free(p->own); /* none made off this thread: made here */
        p->own = panel_workloads_prepare(v->an);
        p->prep = p->own;
    } else {
        p->prep = p->own;
    }
    if (p->prep != p->own && p->own) {
        panel_workloads_prep_free(p->own);
        p->own = NULL;
    }
    size_t n = p->prep->n;
    if (n > p->cap) {
        p->rows = xreallocarray(p->rows, n, sizeof *p->rows);
        p->match = xreallocarray(p->match, n, 1);
        p->cap = n;
    }
    static const struct widget_filter none = {.active = false};
    const struct widget_filter *f = v->filter ? v->filter : &none;
    sync_filter(p, f);
    if (!f->active && !f->ns[0]) {
        if (n)
            memset(p->match, 1, n);
    } else {
        for (uint32_t i = 0; i < n; i++)
            p->match[i] = row_match(p, f, i);
    }
    int keep = fill_rows(w, oldtext[0] ? oldtext : NULL);
    if (keep >= 0)
        w->sel = keep; /* the selection follows its workload when the order changes */
    widget_list_clamp(w, w->r.h - 3);
}

/* A waiting reason that fits in w columns: the well-known long ones have short forms. */
static const char *short_reason(const char *reason, int w)
{
    static const char *const abbrev[][2] = {
        {"CrashLoopBackOff", "CrashLoop"},
        {"ImagePullBackOff", "ImgPullBackOff"},
        {"CreateContainerConfigError", "ConfigError"},
        {"ContainerCreating", "Creating"},
    };
    if ((int)strlen(reason) <= w)
        return reason;
    for (size_t i = 0; i < sizeof abbrev / sizeof abbrev[0]; i++)
        if (strcmp(reason, abbrev[i][0]) == 0)
            return abbrev[i][1];
    return reason;
}

/* Draws one side's cells at x; returns nothing (fixed widths). */
static void draw_side(struct canvas *c, int y, int x, const struct wl_priv *p,
                      const struct workload_pair *wp, int side, int base_role)
{
    const struct model_workload *m = wp->side[side];
    if (m == NULL) {
        canvas_text(c, y, x, 8 + 5 + p->wait_w, THEME_ROLE_MISSING, CANVAS_BOLD, "MISSING");
        return;
    }
    char buf[64];
    int role;
    if (m->desired == MODEL_COUNT_UNKNOWN || m->ready == MODEL_COUNT_UNKNOWN) {
        if (m->ready != MODEL_COUNT_UNKNOWN)
            snprintf(buf, sizeof buf, "%d/?", m->ready);
        else if (m->desired != MODEL_COUNT_UNKNOWN)
            snprintf(buf, sizeof buf, "?/%d", m->desired);
        else
            snprintf(buf, sizeof buf, "?/?");
        role = THEME_ROLE_DIM;
    } else {
        snprintf(buf, sizeof buf, "%d/%d", m->ready, m->desired);
        role = m->ready >= m->desired ? THEME_ROLE_VALUE_OK : THEME_ROLE_VALUE_WARN;
    }
    canvas_text_right(c, y, x + 7, 7, base_role >= 0 ? base_role : role, 0, buf);
    if (wp->restarts[side] == MODEL_COUNT_UNKNOWN)
        snprintf(buf, sizeof buf, "?");
    else
        snprintf(buf, sizeof buf, "%d", wp->restarts[side]);
    canvas_text_right(c, y, x + 8 + 4, 4,
                      base_role >= 0           ? base_role
                      : wp->restarts[side] > 5 ? THEME_ROLE_VALUE_WARN
                                               : THEME_ROLE_VALUE,
                      0, buf);
    if (p->wait_w > 0 && wp->waiting[side])
        canvas_text(c, y, x + 8 + 5, p->wait_w, base_role >= 0 ? base_role : THEME_ROLE_VALUE_CRIT,
                    0, short_reason(wp->waiting[side], p->wait_w));
}

static void wl_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    struct wl_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    char title[128];
    if (v->an && (size_t)w->nrows != v->an->nworkloads)
        snprintf(title, sizeof title, "Workloads %d of %zu", w->nrows, v->an->nworkloads);
    else
        snprintf(title, sizeof title, "Workloads %d", w->nrows);
    if (p->col != PANEL_WORKLOADS_COL_SEVERITY || p->desc) {
        size_t tl = strlen(title);
        snprintf(title + tl, sizeof title - tl, " sorted by %s %s", col_keys[p->col],
                 p->desc ? "desc" : "asc");
    }
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    struct canvas in = canvas_sub(c, (struct rect){1, 1, h - 2, wd - 2});
    int side_w = 8 + 5 + p->wait_w + 2;
    int x_src = 5 + 7 + p->name_w;
    int x_tgt = x_src + side_w;
    int x_img = x_tgt + side_w;
    canvas_text(&in, 0, 0, 4, THEME_ROLE_LABEL, CANVAS_BOLD, "SEV");
    canvas_text(&in, 0, 5, 6, THEME_ROLE_LABEL, CANVAS_BOLD, "KIND");
    canvas_text(&in, 0, 12, p->name_w - 1, THEME_ROLE_LABEL, CANVAS_BOLD, "NAMESPACE/NAME");
    for (int s = 0; s < 2; s++) {
        int x = s ? x_tgt : x_src;
        struct widget_fresh fr;
        widget_freshness(v, s, &fr);
        canvas_text(&in, 0, x, 7, fr.stale ? THEME_ROLE_STALE : THEME_ROLE_LABEL, CANVAS_BOLD,
                    s ? "TGT" : "SRC");
        canvas_text_right(&in, 0, x + 12, 4, THEME_ROLE_LABEL, CANVAS_BOLD, "RST");
        if (p->wait_w > 0)
            canvas_text(&in, 0, x + 13, p->wait_w, THEME_ROLE_LABEL, CANVAS_BOLD, "WAITING");
    }
    if (p->images)
        canvas_text(&in, 0, x_img, 7, THEME_ROLE_LABEL, CANVAS_BOLD, "IMAGES");
    int visible = h - 3;
    widget_list_clamp(w, visible);
    if (w->nrows == 0) {
        canvas_text(&in, 1, 0, -1, THEME_ROLE_DIM, 0,
                    v->an && v->an->nworkloads ? "no workload matches the filter"
                                               : "no workloads yet");
        return;
    }
    int base[2];
    for (int s = 0; s < 2; s++) {
        struct widget_fresh fr;
        widget_freshness(v, s, &fr);
        base[s] = fr.stale ? THEME_ROLE_STALE : -1;
    }
    for (int i = 0; i < visible && w->top + i < w->nrows; i++) {
        int y = 1 + i;
        const struct workload_pair *wp = &p->an->workloads[p->rows[w->top + i]];
        bool sel = w->top + i == w->sel;
        unsigned attr = sel && focused ? CANVAS_REVERSE : 0;
        if (sel && focused)
            canvas_fill(&in, (struct rect){y, 0, 1, canvas_width(&in)}, THEME_ROLE_SELECTED,
                        CANVAS_REVERSE);
        bool any_finding = wp->severity > FINDING_INFO || !wp->side[0] || !wp->side[1];
        if (any_finding)
            canvas_text(&in, y, 0, 4, widget_sev_role(wp->severity), CANVAS_BOLD | attr,
                        widget_sev_marker(wp->severity));
        char kb[32], name[512];
        canvas_text(&in, y, 5, 6, THEME_ROLE_VALUE, attr,
                    widget_kind_short(wp->kind, kb, sizeof kb));
        snprintf(name, sizeof name, "%s/%s", wp->ns ? wp->ns : "", wp->name ? wp->name : "?");
        canvas_text(&in, y, 12, p->name_w - 1,
                    sel && focused ? THEME_ROLE_SELECTED : THEME_ROLE_VALUE, attr, name);
        draw_side(&in, y, x_src, p, wp, 0, base[0]);
        draw_side(&in, y, x_tgt, p, wp, 1, base[1]);
        if (p->images && wp->side[0] && wp->side[1])
            canvas_text(&in, y, x_img, 7, wp->images_differ ? THEME_ROLE_DRIFT : THEME_ROLE_DIM, 0,
                        wp->images_differ ? "differ" : "same");
    }
    if (w->nrows > visible)
        canvas_textf(c, h - 1, wd - 16, 14, THEME_ROLE_DIM, 0, " %d-%d/%d ", w->top + 1,
                     w->top + visible < w->nrows ? w->top + visible : w->nrows, w->nrows);
}

static int wl_key(struct widget *w, enum widget_cmd cmd)
{
    struct wl_priv *p = w->priv;
    if (cmd == WIDGET_ENTER) {
        if (w->nrows == 0)
            return ACT_NONE;
        p->open = true;
        return ACT_REDRAW | ACT_RELAYOUT;
    }
    return widget_list_move(w, cmd, w->r.h - 3);
}

static void wl_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)w;
    int missing = 0, crit = 0, warn = 0;
    size_t n = v->an ? v->an->nworkloads : 0;
    for (size_t i = 0; i < n; i++) {
        const struct workload_pair *wp = &v->an->workloads[i];
        missing += !wp->side[0] || !wp->side[1];
        crit += wp->severity == FINDING_CRIT;
        warn += wp->severity == FINDING_WARN;
    }
    snprintf(buf, len, "Workloads: %zu pairs, %d missing on a side, CRIT %d, WARN %d", n, missing,
             crit, warn);
}

static void wl_fini(struct widget *w)
{
    struct wl_priv *p = w->priv;
    podindex_filter_fini(&p->pf);
    panel_workloads_prep_free(p->own);
    free(p->match);
    free(p->rows);
    free(p);
}

static const struct widget_class workloads_class = {
    .name = "workloads",
    .layout = wl_layout,
    .update = wl_update,
    .draw = wl_draw,
    .key = wl_key,
    .summary = wl_summary,
    .fini = wl_fini,
};

struct widget *panel_workloads_new(void)
{
    struct wl_priv *p = xcalloc(1, sizeof *p);
    struct widget *w = widget_new(&workloads_class, p);
    wl_layout(w, (struct rect){0, 0, 10, 80});
    return w;
}

const struct workload_pair *panel_workloads_selected(const struct widget *w)
{
    const struct wl_priv *p = w->priv;
    if (p->an == NULL || w->nrows == 0 || w->sel < 0 || w->sel >= w->nrows)
        return NULL;
    return &p->an->workloads[p->rows[w->sel]];
}

bool panel_workloads_take_open(struct widget *w)
{
    struct wl_priv *p = w->priv;
    bool o = p->open;
    p->open = false;
    return o;
}

int panel_workloads_sort_by(struct widget *w, enum panel_workloads_col col, bool desc)
{
    struct wl_priv *p = w->priv;
    if ((unsigned)col >= PANEL_WORKLOADS_COLS)
        return ACT_NONE;
    p->col = col;
    p->desc = desc;
    if (p->prep) /* a walk of the order made with the analysis, through the matches */
        fill_rows(w, NULL);
    w->sel = 0;
    w->top = 0;
    return ACT_REDRAW;
}

int panel_workloads_sort_step(struct widget *w, int step)
{
    struct wl_priv *p = w->priv;
    int c = ((int)p->col + (step > 0 ? 1 : PANEL_WORKLOADS_COLS - 1)) % PANEL_WORKLOADS_COLS;
    return panel_workloads_sort_by(w, (enum panel_workloads_col)c, p->desc);
}

int panel_workloads_sort_reverse(struct widget *w)
{
    struct wl_priv *p = w->priv;
    return panel_workloads_sort_by(w, p->col, !p->desc);
}

enum panel_workloads_col panel_workloads_sort_col(const struct widget *w, bool *desc)
{
    const struct wl_priv *p = w->priv;
    if (desc)
        *desc = p->desc;
    return p->col;
}
