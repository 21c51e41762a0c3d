/* The Traffic panel: weights, plan position, health, observed split, staleness and busy state of
 * every traffic target, from the latest traffic snapshot. */
#include "cutover/panel_traffic.h"

#include "cutover/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_ROWS 6
#define BAR_W 20

struct tr_priv {
    const struct traffic_snapshot *snap; /* a reference, or NULL */
};

static const char *health_name(int h)
{
    switch (h) {
    case TRAFFIC_HEALTH_UP:
        return "UP";
    case TRAFFIC_HEALTH_DEGRADED:
        return "DEGRADED";
    case TRAFFIC_HEALTH_DOWN:
        return "DOWN";
    default:
        return "?";
    }
}

static int health_role(int h)
{
    switch (h) {
    case TRAFFIC_HEALTH_UP:
        return THEME_ROLE_VALUE_OK;
    case TRAFFIC_HEALTH_DEGRADED:
        return THEME_ROLE_VALUE_WARN;
    case TRAFFIC_HEALTH_DOWN:
        return THEME_ROLE_VALUE_CRIT;
    default:
        return THEME_ROLE_DIM;
    }
}

static size_t ntargets(const struct tr_priv *p)
{
    return p->snap ? p->snap->n : 0;
}

int panel_traffic_block_rows(void)
{
    return BLOCK_ROWS;
}

/* "step 3/5", "between steps", or "step ?" into buf. */
static const char *step_text(const struct traffic_target_state *t, char *buf, size_t len)
{
    if (t->percent < 0)
        snprintf(buf, len, "step ?");
    else if (t->step < 0)
        snprintf(buf, len, "between steps");
    else
        snprintf(buf, len, "step %d/%zu", t->step + 1, t->cfg.nplan);
    return buf;
}

/* "30% to new", "? to new" or "both weights 0 (even split)". */
static const char *percent_text(const struct traffic_target_state *t, char *buf, size_t len)
{
    const struct traffic_reading *r = &t->reading;
    if (t->have_reading && t->percent < 0 && r->side[0].weight == 0 && r->side[1].weight == 0)
        snprintf(buf, len, "both weights 0 (even split)");
    else if (t->percent < 0)
        snprintf(buf, len, "?%% to new");
    else
        snprintf(buf, len, "%d%% to new", t->percent);
    return buf;
}

/* Whether the observed split is outside the tolerance of the configured one. */
static bool observed_off(const struct traffic_target_state *t)
{
    double tol = t->cfg.tolerance_pct > 0 ? t->cfg.tolerance_pct : 5.0;
    return t->observed_pct >= 0 && t->percent >= 0 &&
           fabs(t->observed_pct - (double)t->percent) > tol;
}

/* The status marker of a target: BUSY, STALE, or NULL when fine. */
static const char *state_marker(const struct traffic_target_state *t, int *role)
{
    if (t->busy) {
        *role = THEME_ROLE_VALUE_WARN;
        return "BUSY";
    }
    if (t->error) {
        *role = THEME_ROLE_STALE;
        return "STALE";
    }
    return NULL;
}

/* One side's row: "  old onprem   weight  70  ##############        70%  UP 2/2 healthy". */
static void draw_side(struct canvas *c, int y, const struct traffic_target_state *t, int s,
                      bool stale)
{
    const struct traffic_side *sd = &t->reading.side[s];
    const char *id = s == TRAFFIC_OLD ? t->cfg.old_id : t->cfg.new_id;
    /* fixed columns: the label at 2 (4 wide), the id at 6 (14 wide), the weight from 21 */
    canvas_text(c, y, 2, 4, THEME_ROLE_LABEL, 0, s == TRAFFIC_OLD ? "old" : "new");
    canvas_text(c, y, 6, 14, THEME_ROLE_VALUE, 0, id ? id : "?");
    int x = 21;
    if (!t->have_reading) {
        canvas_text(c, y, x, -1, THEME_ROLE_DIM, 0, "weight ?");
        return;
    }
    if (!sd->present) {
        canvas_text(c, y, x, -1, THEME_ROLE_MISSING, CANVAS_BOLD, "MISSING");
        return;
    }
    unsigned dim = stale ? CANVAS_DIM : 0;
    if (sd->weight >= 0)
        canvas_textf(c, y, x, 11, THEME_ROLE_VALUE, CANVAS_BOLD | dim, "weight %3d", sd->weight);
    else
        canvas_text(c, y, x, 11, THEME_ROLE_DIM, 0, "weight   ?");
    x += 11;
    int pct = t->percent < 0 ? -1 : (s == TRAFFIC_NEW ? t->percent : 100 - t->percent);
    canvas_text(c, y, x, 1, THEME_ROLE_PANEL_BORDER, 0, "[");
    int fill = pct < 0 ? 0 : (pct * BAR_W + 50) / 100;
    for (int i = 0; i < BAR_W; i++)
        canvas_text(c, y, x + 1 + i, 1, i < fill ? THEME_ROLE_VALUE_OK : THEME_ROLE_DIM, dim,
                    i < fill ? "#" : ".");
    canvas_text(c, y, x + 1 + BAR_W, 1, THEME_ROLE_PANEL_BORDER, 0, "]");
    x += BAR_W + 3;
    if (pct >= 0)
        canvas_textf(c, y, x, 4, THEME_ROLE_VALUE, dim, "%3d%%", pct);
    else
        canvas_text(c, y, x, 4, THEME_ROLE_DIM, 0, "  ?%");
    x += 6;
    x += canvas_text(c, y, x, 9, health_role(sd->health), CANVAS_BOLD, health_name(sd->health));
    if (sd->health_detail) {
        x++;
        canvas_text(c, y, x, -1, THEME_ROLE_DIM, 0, sd->health_detail);
    }
}

/* "plan  0 > 10 > [30] > 50 > 100" with the current step marked (reverse, and in brackets). */
static void draw_plan(struct canvas *c, int y, const struct traffic_target_state *t)
{
    int x = 2;
    x += canvas_text(c, y, x, -1, THEME_ROLE_LABEL, 0, "plan ");
    for (size_t i = 0; i < t->cfg.nplan; i++) {
        if (i)
            x += canvas_text(c, y, x, -1, THEME_ROLE_DIM, 0, " > ");
        char buf[16];
        bool cur = t->step == (int)i;
        snprintf(buf, sizeof buf, cur ? "[%d]" : "%d", t->cfg.plan[i]);
        x += canvas_text(c, y, x, -1, cur ? THEME_ROLE_VALUE_OK : THEME_ROLE_VALUE,
                         cur ? CANVAS_BOLD | CANVAS_REVERSE : 0, buf);
    }
    if (t->percent >= 0 && t->step < 0)
        canvas_textf(c, y, x + 2, -1, THEME_ROLE_VALUE_WARN, 0, "(now %d%%, between steps)",
                     t->percent);
}

/* The observed split, or the provider's one-line detail. */
static void draw_observed(struct canvas *c, int y, const struct traffic_target_state *t)
{
    double tol = t->cfg.tolerance_pct > 0 ? t->cfg.tolerance_pct : 5.0;
    if (t->cfg.prom_url == NULL) {
        canvas_text(c, y, 2, -1, THEME_ROLE_DIM, 0,
                    t->reading.detail ? t->reading.detail : "observed split: no metrics source");
        return;
    }
    if (t->observed_pct < 0) {
        canvas_text(c, y, 2, -1, THEME_ROLE_DIM, 0, "observed ? (no request rate yet)");
        return;
    }
    if (observed_off(t)) {
        int x = 2 + canvas_text(c, y, 2, 5, THEME_ROLE_FINDING_WARN, CANVAS_BOLD, "WARN ");
        canvas_textf(c, y, x, -1, THEME_ROLE_VALUE_WARN, 0,
                     "observed %.1f%% to new, configured %d%% (tolerance %.0f%%)", t->observed_pct,
                     t->percent, tol);
        return;
    }
    if (t->percent >= 0)
        canvas_textf(c, y, 2, -1, THEME_ROLE_VALUE_OK, 0,
                     "observed %.1f%% to new (configured %d%%)", t->observed_pct, t->percent);
    else
        canvas_textf(c, y, 2, -1, THEME_ROLE_VALUE, 0, "observed %.1f%% to new (configured ?)",
                     t->observed_pct);
}

/* The status line: BUSY with what runs, STALE with age and error, or nothing. */
static void draw_state(struct canvas *c, int y, const struct traffic_target_state *t, int64_t now)
{
    if (t->busy) {
        int x = 2 + canvas_text(c, y, 2, -1, THEME_ROLE_VALUE_WARN, CANVAS_BOLD | CANVAS_REVERSE,
                                "BUSY");
        canvas_textf(c, y, x + 1, -1, THEME_ROLE_VALUE_WARN, 0, "%s",
                     t->busy_text ? t->busy_text : "a change is running");
        return;
    }
    if (t->error) {
        char age[16] = "(no data)";
        if (t->last_ok.tv_sec > 0)
            widget_age(now - (int64_t)t->last_ok.tv_sec, age, sizeof age);
        int x = 2 + canvas_textf(c, y, 2, -1, THEME_ROLE_STALE, CANVAS_BOLD | CANVAS_REVERSE,
                                 "STALE %s", age);
        canvas_text(c, y, x + 1, -1, THEME_ROLE_ERROR, 0, t->error);
    }
}

static void draw_block(struct canvas *c, int y, const struct traffic_target_state *t, bool sel,
                       bool focused, int64_t now)
{
    int w = canvas_width(c);
    unsigned sattr = sel && focused ? CANVAS_REVERSE : 0;
    if (sattr)
        canvas_fill(c, (struct rect){y, 0, 1, w}, THEME_ROLE_SELECTED, CANVAS_REVERSE);
    int x = canvas_text(c, y, 0, 2, THEME_ROLE_SELECTED, sattr, sel ? "> " : "  ");
    x += canvas_text(c, y, x, 24, THEME_ROLE_VALUE, CANVAS_BOLD | sattr, t->cfg.name);
    x += 2;
    x += canvas_text(c, y, x, 8, THEME_ROLE_LABEL, sattr, traffic_kind_name(t->cfg.kind));
    x += 1;
    if (t->cfg.production)
        x += canvas_text(c, y, x, 5, THEME_ROLE_VALUE_WARN, CANVAS_BOLD | sattr, "PROD ");
    char pbuf[64], sbuf[32];
    if (t->have_reading) {
        x += canvas_text(c, y, x, -1, THEME_ROLE_VALUE, CANVAS_BOLD | sattr,
                         percent_text(t, pbuf, sizeof pbuf));
        x += 2;
        canvas_text(c, y, x, -1, THEME_ROLE_LABEL, sattr, step_text(t, sbuf, sizeof sbuf));
    } else {
        canvas_text(c, y, x, -1, THEME_ROLE_DIM, sattr, t->error ? "no reading" : "reading...");
    }
    int role;
    const char *m = state_marker(t, &role);
    if (m)
        canvas_text_right(c, y, w, -1, role, CANVAS_BOLD | CANVAS_REVERSE, m);
    bool stale = t->error != NULL;
    draw_side(c, y + 1, t, TRAFFIC_OLD, stale);
    draw_side(c, y + 2, t, TRAFFIC_NEW, stale);
    draw_plan(c, y + 3, t);
    draw_observed(c, y + 4, t);
    draw_state(c, y + 5, t, now);
}

/* The error of a target without a leading "<name>: " (the line or block already names it). */
static const char *error_text(const struct traffic_target_state *t)
{
    const char *e = t->error;
    size_t nl = t->cfg.name ? strlen(t->cfg.name) : 0;
    if (nl && strncmp(e, t->cfg.name, nl) == 0 && e[nl] == ':' && e[nl + 1] == ' ')
        e += nl + 2;
    return e;
}

/* The error for the one-line layout, where columns are few, into buf: without the provider's
 * kind ("route53 ", the line names it) and the API operation ("ListResourceRecordSets: "), and
 * an AWS answer's trailing "(HTTP n)" moved to the front, so that what went wrong (the status,
 * the code, "connection refused") comes before the cut. */
static const char *short_error_text(const struct traffic_target_state *t, char *buf, size_t len)
{
    const char *e = error_text(t), *kind = traffic_kind_name(t->cfg.kind);
    size_t kl = strlen(kind);
    if (strncmp(e, kind, kl) == 0 && e[kl] == ' ')
        e += kl + 1;
    size_t w = 0;
    while ((e[w] >= 'A' && e[w] <= 'Z') || (e[w] >= 'a' && e[w] <= 'z'))
        w++;
    if (w > 0 && e[w] == ':' && e[w + 1] == ' ' && e[w + 2] != '\0')
        e += w + 2;
    size_t n = strlen(e);
    const char *http = n > 8 && e[n - 1] == ')' ? strstr(e, " (HTTP ") : NULL;
    while (http && strstr(http + 1, " (HTTP "))
        http = strstr(http + 1, " (HTTP ");
    if (http && http + 8 < e + n &&
        strspn(http + 7, "0123456789") == (size_t)(e + n - 1 - (http + 7)))
        snprintf(buf, len, "HTTP %.*s %.*s", (int)(e + n - 1 - (http + 7)), http + 7,
                 (int)(http - e), e);
    else
        snprintf(buf, len, "%s", e);
    return buf;
}

/* The fewest columns of an error worth showing on a target's line. */
#define LINE_ERROR_MIN 16

/* One line per target: "> shop-api route53 30% to new step 3/5 old 70 new 30  BUSY", or with a
 * failed read "> shop-lb haproxy 10% to new step 2/5 old 90 new 10 STALE 40s connect unix:/t~"
 * (the step and weights give way when the error would not fit whole). */
static void draw_line(struct canvas *c, int y, const struct traffic_target_state *t, bool sel,
                      bool focused, int64_t now)
{
    int w = canvas_width(c);
    unsigned sattr = sel && focused ? CANVAS_REVERSE : 0;
    if (sattr)
        canvas_fill(c, (struct rect){y, 0, 1, w}, THEME_ROLE_SELECTED, CANVAS_REVERSE);
    int x = canvas_text(c, y, 0, 2, THEME_ROLE_SELECTED, sattr, sel ? "> " : "  ");
    x += canvas_text(c, y, x, 20, THEME_ROLE_VALUE, CANVAS_BOLD | sattr, t->cfg.name);
    x += 1;
    x += canvas_text(c, y, x, 8, THEME_ROLE_LABEL, sattr, traffic_kind_name(t->cfg.kind));
    x += 1;
    bool stale = t->error != NULL && !t->busy;
    char age[16] = "(no data)";
    if (stale && t->last_ok.tv_sec > 0)
        widget_age(now - (int64_t)t->last_ok.tv_sec, age, sizeof age);
    /* columns the STALE mark, its age and the error take after the reading: the step and the
     * weights stay only when the whole error fits beside them */
    char ebuf[512];
    const char *etext = stale ? short_error_text(t, ebuf, sizeof ebuf) : NULL;
    int stale_w = stale ? 1 + 6 + canvas_str_width(age) + 1 + canvas_str_width(etext) : 0;
    char pbuf[64], sbuf[32], wbuf[48];
    bool obs = observed_off(t);
    if (t->have_reading) {
        const char *pct = percent_text(t, pbuf, sizeof pbuf);
        const char *step = step_text(t, sbuf, sizeof sbuf);
        const struct traffic_side *s = t->reading.side;
        snprintf(wbuf, sizeof wbuf, "old %d new %d", s[0].weight, s[1].weight);
        int rest = 1 + canvas_str_width(step) + 1 + canvas_str_width(wbuf) + (obs ? 9 : 0);
        x += canvas_text(c, y, x, -1, THEME_ROLE_VALUE, CANVAS_BOLD | sattr, pct);
        if (!stale || x + rest + stale_w <= w) {
            x += 1;
            x += canvas_text(c, y, x, -1, THEME_ROLE_LABEL, sattr, step);
            x += 1;
            x += canvas_text(c, y, x, -1, THEME_ROLE_VALUE, sattr, wbuf);
        } else {
            obs = obs && x + 9 + 1 + 6 + LINE_ERROR_MIN <= w; /* still room for some error */
        }
    } else {
        x +=
            canvas_text(c, y, x, -1, THEME_ROLE_DIM, sattr, t->error ? "no reading" : "reading...");
    }
    if (obs)
        x += 1 + canvas_text(c, y, x + 1, -1, THEME_ROLE_FINDING_WARN, CANVAS_BOLD, "OBS-WARN");
    if (stale) {
        /* as the cluster columns do: "STALE age error", the error cut with "~" at the edge */
        x += 1;
        if (x < w)
            x += canvas_textf(c, y, x, -1, THEME_ROLE_STALE, CANVAS_BOLD | CANVAS_REVERSE,
                              "STALE %s", age);
        x += 1;
        if (x < w)
            canvas_text(c, y, x, w - x, THEME_ROLE_ERROR, 0, etext);
        return;
    }
    int role;
    const char *m = state_marker(t, &role);
    if (m && x + 6 <= w)
        canvas_text_right(c, y, w, -1, role, CANVAS_BOLD | CANVAS_REVERSE, m);
}

static void tr_update(struct widget *w, const struct widget_view *v)
{
    (void)v;
    struct tr_priv *p = w->priv;
    w->nrows = (int)ntargets(p);
    if (w->sel >= w->nrows)
        w->sel = w->nrows > 0 ? w->nrows - 1 : 0;
    if (w->sel < 0)
        w->sel = 0;
}

/* How many targets fit in full blocks in h inner rows (0: use one line per target). */
static int blocks_fit(int h)
{
    return h / BLOCK_ROWS;
}

static void tr_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    struct tr_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    size_t n = ntargets(p);
    char title[64];
    if (n)
        snprintf(title, sizeof title, "Traffic %zu", n);
    else
        snprintf(title, sizeof title, "Traffic");
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    if (n == 0) {
        canvas_text(c, 1, 2, wd - 4, THEME_ROLE_DIM, 0, "No traffic provider configured");
        return;
    }
    struct canvas in = canvas_sub(c, (struct rect){1, 1, h - 2, wd - 2});
    int ih = h - 2;
    int fit = blocks_fit(ih);
    int per = fit > 0 ? BLOCK_ROWS : 1;
    int visible = fit > 0 ? fit : ih;
    if (visible < 1)
        visible = 1;
    widget_list_clamp(w, visible);
    for (int i = 0; i < visible && w->top + i < (int)n; i++) {
        const struct traffic_target_state *t = &p->snap->targets[w->top + i];
        bool sel = w->top + i == w->sel;
        if (fit > 0)
            draw_block(&in, i * per, t, sel, focused, v->now);
        else
            draw_line(&in, i, t, sel, focused, v->now);
    }
}

static int tr_key(struct widget *w, enum widget_cmd cmd)
{
    int ih = w->r.h - 2;
    int fit = blocks_fit(ih);
    return widget_list_move(w, cmd, fit > 0 ? fit : (ih > 0 ? ih : 1));
}

static void tr_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)v;
    struct tr_priv *p = w->priv;
    size_t n = ntargets(p);
    if (n == 0) {
        snprintf(buf, len, "Traffic: No traffic provider configured");
        return;
    }
    size_t off = (size_t)snprintf(buf, len, "Traffic:");
    for (size_t i = 0; i < n && off < len; i++) {
        const struct traffic_target_state *t = &p->snap->targets[i];
        char pbuf[64];
        int role;
        const char *m = state_marker(t, &role);
        /* a failed read says why, as the unfolded panel does ("STALE: connect ... refused") */
        bool why = m && !t->busy && t->error;
        off += (size_t)snprintf(buf + off, len - off, "%s %s %s%s%s%s%s", i ? ";" : "", t->cfg.name,
                                t->have_reading ? percent_text(t, pbuf, sizeof pbuf) : "?",
                                m ? " " : "", m ? m : "", why ? ": " : "", why ? t->error : "");
    }
}

static void tr_fini(struct widget *w)
{
    struct tr_priv *p = w->priv;
    traffic_snapshot_unref(p->snap);
    free(p);
}

static const struct widget_class traffic_class = {
    .name = "traffic",
    .update = tr_update,
    .draw = tr_draw,
    .key = tr_key,
    .summary = tr_summary,
    .fini = tr_fini,
};

struct widget *panel_traffic_new(void)
{
    return widget_new(&traffic_class, xcalloc(1, sizeof(struct tr_priv)));
}

void panel_traffic_set(struct widget *w, const struct traffic_snapshot *s)
{
    struct tr_priv *p = w->priv;
    const struct traffic_snapshot *old = p->snap;
    p->snap = s && s->n ? traffic_snapshot_ref(s) : NULL;
    traffic_snapshot_unref(old);
    w->nrows = (int)ntargets(p);
    if (w->sel >= w->nrows)
        w->sel = w->nrows > 0 ? w->nrows - 1 : 0;
}

const struct traffic_target_state *panel_traffic_selected(const struct widget *w)
{
    const struct tr_priv *p = w->priv;
    if (p->snap == NULL || w->sel < 0 || (size_t)w->sel >= p->snap->n)
        return NULL;
    return &p->snap->targets[w->sel];
}

int panel_traffic_select(struct widget *w, const char *name)
{
    struct tr_priv *p = w->priv;
    for (size_t i = 0; p->snap && i < p->snap->n; i++)
        if (strcmp(p->snap->targets[i].cfg.name, name) == 0) {
            w->sel = (int)i;
            return 0;
        }
    return -1;
}

const struct traffic_snapshot *panel_traffic_snapshot(const struct widget *w)
{
    const struct tr_priv *p = w->priv;
    return p->snap;
}
