/* Nodes by zone, per cluster, with the placement findings beside the grid. */
#include "cutover/panel_nodes.h"

#include "cutover/layout.h"

#include <stdio.h>
#include <string.h>

static bool node_finding(const struct finding *f)
{
    return (f->kind && strcmp(f->kind, "Node") == 0) || strncmp(f->code, "zone-", 5) == 0 ||
           strncmp(f->code, "control-plane", 13) == 0 || strncmp(f->code, "nodes-", 6) == 0;
}

static bool finding_on_side(const struct finding *f, int side)
{
    return f->side == (enum analysis_side)side || f->side == ANALYSIS_BOTH;
}

#define FINDING_MAX_LINES 3

/* Width of one cluster's column inside a panel w wide (as nodes_draw splits it). */
static int column_width(int w)
{
    struct rect col[2];
    layout_split2((struct rect){1, 1, 1, w - 2}, &col[0], &col[1]);
    return col[0].w - 1;
}

int panel_nodes_rows(const struct widget_view *v, int w)
{
    int best = 1;
    if (v->an == NULL)
        return best;
    int text_w = column_width(w) - 5; /* after "CRIT " */
    for (int s = 0; s < 2; s++) {
        int n = (int)v->an->zones[s].n;
        for (size_t i = 0; i < v->an->nfindings; i++)
            if (node_finding(&v->an->findings[i]) && finding_on_side(&v->an->findings[i], s))
                n += canvas_text_wrap(NULL, 0, 0, text_w, FINDING_MAX_LINES, 0, 0,
                                      v->an->findings[i].message);
        if (n > best)
            best = n;
    }
    return best;
}

/* "ready/total" with a role saying whether all are ready; "-" when there are none. */
static int count_cell(char *buf, size_t len, int ready, int total)
{
    if (total == 0) {
        snprintf(buf, len, "-");
        return THEME_ROLE_DIM;
    }
    snprintf(buf, len, "%d/%d", ready, total);
    return ready == total ? THEME_ROLE_VALUE_OK : THEME_ROLE_VALUE_WARN;
}

static void draw_side(struct canvas *c, const struct widget_view *v, int side)
{
    int w = canvas_width(c), h = canvas_height(c);
    const struct model_cluster *snap = v->snap[side];
    int zone_w = w >= 60 ? 16 : 12;
    int cp_w = w >= 60 ? 16 : 9;
    canvas_text(c, 0, 0, zone_w, THEME_ROLE_LABEL, CANVAS_BOLD, "ZONE");
    canvas_text(c, 0, zone_w, cp_w, THEME_ROLE_LABEL, CANVAS_BOLD,
                w >= 60 ? "CONTROL-PLANE" : "CP");
    canvas_text(c, 0, zone_w + cp_w, -1, THEME_ROLE_LABEL, CANVAS_BOLD, "WORKERS");
    if (snap == NULL) {
        canvas_text(c, 1, 0, -1, THEME_ROLE_DIM, 0, "waiting for the first data...");
        return;
    }
    const struct zone_grid *g = v->an ? &v->an->zones[side] : NULL;
    struct widget_fresh fr;
    widget_freshness(v, side, &fr);
    int role_base = fr.stale ? THEME_ROLE_STALE : -1;
    int y = 1;
    if (g == NULL || !g->known) {
        canvas_text(c, y++, 0, -1, fr.error ? THEME_ROLE_ERROR : THEME_ROLE_DIM, 0,
                    fr.error ? fr.error : "nodes not listed yet");
    } else if (g->n == 0) {
        canvas_text(c, y++, 0, -1, THEME_ROLE_DIM, 0, "no nodes");
    }
    for (size_t i = 0; g && i < g->n && y < h; i++, y++) {
        const struct zone_cell *z = &g->cells[i];
        char buf[64];
        canvas_text(c, y, 0, zone_w - 1, role_base >= 0 ? role_base : THEME_ROLE_VALUE, 0,
                    z->zone ? z->zone : "?");
        int role = count_cell(buf, sizeof buf, z->cp_ready, z->cp_total);
        canvas_text(c, y, zone_w, cp_w - 1, role_base >= 0 ? role_base : role, 0, buf);
        role = count_cell(buf, sizeof buf, z->worker_ready, z->worker_total);
        int x = zone_w + cp_w;
        x += canvas_text(c, y, x, -1, role_base >= 0 ? role_base : role, 0, buf);
        if (z->cp_total + z->worker_total > z->cp_ready + z->worker_ready)
            x += canvas_textf(c, y, x, -1, THEME_ROLE_VALUE_WARN, 0, " %d NotReady",
                              z->cp_total + z->worker_total - z->cp_ready - z->worker_ready);
        if (z->unschedulable > 0)
            x += canvas_textf(c, y, x, -1, THEME_ROLE_VALUE_WARN, 0, " %d cordoned",
                              z->unschedulable);
        /* a marker on the zone a finding names, the worst first (findings are sorted) */
        for (size_t k = 0; z->zone && v->an && k < v->an->nfindings; k++) {
            const struct finding *f = &v->an->findings[k];
            if (node_finding(f) && finding_on_side(f, side) && f->message &&
                strstr(f->message, z->zone)) {
                x += canvas_text(c, y, x, -1, THEME_ROLE_DEFAULT, 0, " ");
                canvas_textf(c, y, x, -1, widget_sev_role(f->severity), CANVAS_BOLD, "<%s",
                             widget_sev_marker(f->severity));
                break;
            }
        }
    }
    for (size_t i = 0; v->an && i < v->an->nfindings && y < h; i++) {
        const struct finding *f = &v->an->findings[i];
        if (!node_finding(f) || !finding_on_side(f, side))
            continue;
        int x = canvas_text(c, y, 0, -1, widget_sev_role(f->severity), CANVAS_BOLD,
                            widget_sev_marker(f->severity));
        int lines = h - y < FINDING_MAX_LINES ? h - y : FINDING_MAX_LINES;
        y += canvas_text_wrap(c, y, x + 1, w - x - 1, lines, widget_sev_role(f->severity), 0,
                              f->message);
    }
}

static void nodes_draw(struct widget *w, struct canvas *c, const struct widget_view *v,
                       bool focused)
{
    (void)w;
    int h = canvas_height(c), wd = canvas_width(c);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, "Nodes by zone",
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    struct rect inner = {1, 1, h - 2, wd - 2}, col[2];
    layout_split2(inner, &col[0], &col[1]);
    canvas_vline(c, col[1].y, col[1].x - 1, col[1].h, THEME_ROLE_PANEL_BORDER);
    for (int s = 0; s < 2; s++) {
        struct canvas sub =
            canvas_sub(c, (struct rect){col[s].y, col[s].x + 1, col[s].h, col[s].w - 1});
        draw_side(&sub, v, s);
    }
}

static void nodes_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)w;
    size_t off = (size_t)snprintf(buf, len, "Nodes:");
    for (int s = 0; s < 2 && off < len; s++) {
        const struct zone_grid *g = v->an ? &v->an->zones[s] : NULL;
        int crit = 0, warn = 0;
        for (size_t i = 0; v->an && i < v->an->nfindings; i++) {
            const struct finding *f = &v->an->findings[i];
            if (node_finding(f) && finding_on_side(f, s)) {
                crit += f->severity == FINDING_CRIT;
                warn += f->severity == FINDING_WARN;
            }
        }
        if (g && g->known)
            off += (size_t)snprintf(buf + off, len - off, "%s %s %d nodes in %zu zones",
                                    s ? " |" : "", s ? "target" : "source", g->nodes_total, g->n);
        else
            off += (size_t)snprintf(buf + off, len - off, "%s %s ?", s ? " |" : "",
                                    s ? "target" : "source");
        if (off < len && crit)
            off += (size_t)snprintf(buf + off, len - off, " CRIT %d", crit);
        if (off < len && warn)
            off += (size_t)snprintf(buf + off, len - off, " WARN %d", warn);
    }
}

static const struct widget_class nodes_class = {
    .name = "nodes",
    .draw = nodes_draw,
    .summary = nodes_summary,
};

struct widget *panel_nodes_new(void)
{
    return widget_new(&nodes_class, NULL);
}
