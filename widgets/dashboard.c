/* The dashboard: state, headers, panels, overlays, prompt and status bar. */
#include "cutover/dashboard.h"

#include "cutover/analysis_worker.h"

#include "cutover/dialog.h"
#include "cutover/drift_view.h"
#include "cutover/keymap.h"
#include "cutover/panel_findings.h"
#include "cutover/panel_drift.h"
#include "cutover/panel_info.h"
#include "cutover/panel_allpods.h"
#include "cutover/panel_nodes.h"
#include "cutover/panel_pods.h"
#include "cutover/panel_runbook.h"
#include "cutover/panel_traffic.h"
#include "cutover/panel_workloads.h"
#include "cutover/podindex.h"
#include "cutover/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dashboard {
    char *context[2];
    char *mode;
    struct analysis_config acfg;

    struct model_cluster *snap[2]; /* references held */
    struct analysis *an;
    int64_t now;
    struct widget_filter filter;

    struct widget *panel[PANEL_COUNT];
    struct widget *help;  /* the help screen (always built) */
    struct widget *drill; /* the pods drill-in, or NULL */
    bool help_open;
    enum panel_id focus;

    int h, w;
    int nodes_rows;
    int workloads_rows; /* rows of the workloads table before any filter */
    struct layout lay;

    enum dashboard_prompt prompt;
    char input[256];
    char message[256];
    char *hints;

    struct dialog *dialog; /* a modal dialog over the body (traffic changes), or NULL */
    char *traffic_hints;   /* status bar hints while Traffic is focused, or NULL */
    bool drill_traffic;    /* drill is the Traffic panel in full (Enter on Traffic) */

    /* Secret drift (issue #5) */
    struct drift_ui_data drift; /* the report is borrowed from the TUI's drift snapshot */
    struct widget *drift_view;  /* the drift view over the body, or NULL when closed */
    char *drift_hints;          /* the drift view's key hints, or NULL */
    char *drift_panel_hints;    /* status bar hints while Secrets drift is focused, or NULL */

    /* Runbook follow screen (issue #6) */
    struct widget *runbook; /* the Runbook panel, or NULL until dashboard_set_runbook */
    int runbook_rows;       /* rows it wants (layout_in.runbook_rows) */

    /* All pods view (issue #7) */
    struct widget *allpods;            /* the all-pods view over the body, or NULL when closed */
    struct podindex_worker *podworker; /* builds its index off the UI thread; NULL: built here */
    bool panels_stale;                 /* the filter changed while only the view followed it */
    char *allpods_hints;               /* status bar hints while the view is open, or NULL */
    /* While the view is open no panel is seen: new snapshots only reach it and the headers, and
     * the analysis (most of a snapshot's cost on this thread) waits for its close, its pair kept
     * alive here (references) because the panels still point into it. */
    struct model_cluster *an_snap[2];
    bool an_deferred;
    struct analysis *an_pending; /* the worker's analysis of snap, waiting for the view to close */
    struct panel_workloads_prep *an_pending_prep; /* the Workloads rows of an_pending, or NULL */

    /* The analysis off the UI thread (issue #7): NULL: dashboard_set_snapshots analyses here. The
     * worker has its own lock; every field of the dashboard is the UI thread's alone. */
    struct analysis_worker *anworker;
    /* the Workloads panel's rows of an, made on the worker (NULL: the panel made its own) */
    struct panel_workloads_prep *wl_prep;
};

/* All pods view (issue #7): the hooks below are defined with the rest of it at the end. */
static void allpods_free(struct dashboard *d);
static void allpods_snapshots(struct dashboard *d);
static bool allpods_filter(struct dashboard *d);
static int allpods_cmd(struct dashboard *d, enum widget_cmd cmd);
static int allpods_back(struct dashboard *d);
static void allpods_close(struct dashboard *d);
static bool allpods_defer(struct dashboard *d, const struct model_cluster *source,
                          const struct model_cluster *target, int64_t now, struct analysis *an,
                          struct panel_workloads_prep *prep);

/* The analysis worker's hooks: the Workloads panel's rows made with each analysis. */
static void *wl_prepare(const struct analysis *an, void *arg)
{
    (void)arg;
    return panel_workloads_prepare(an);
}

static void wl_prep_free(void *p)
{
    panel_workloads_prep_free(p);
}

static struct widget_view view_of(const struct dashboard *d)
{
    struct widget_view v = {
        .snap = {d->snap[0], d->snap[1]},
        .context = {d->context[0], d->context[1]},
        .an = d->an,
        .now = d->now,
        .filter = &d->filter,
    };
    return v;
}

struct dashboard *dashboard_new(const struct dashboard_opts *opts)
{
    struct dashboard *d = xcalloc(1, sizeof *d);
    for (int s = 0; s < 2; s++)
        d->context[s] = xstrdup(opts->context[s] ? opts->context[s] : "?");
    d->mode = xstrdup(opts->mode ? opts->mode : "LIVE");
    d->acfg = opts->analysis;
    if (d->acfg.zone_spread_ratio <= 0 && d->acfg.event_max_age_s == 0)
        analysis_config_init(&d->acfg);
    d->panel[PANEL_NODES] = panel_nodes_new();
    d->panel[PANEL_WORKLOADS] = panel_workloads_new();
    d->panel[PANEL_TRAFFIC] = panel_traffic_new();
    d->panel[PANEL_SECRETS] = panel_drift_new();
    d->panel[PANEL_FINDINGS] = panel_findings_new();
    d->help = panel_help_new(NULL, 0);
    d->focus = PANEL_WORKLOADS;
    d->nodes_rows = 1;
    d->hints = xstrdup("?:help  ::command  /:filter  Tab:panel  Enter:pods  r:refresh  q:quit");
    dashboard_resize(d, 24, 80);
    return d;
}

void dashboard_free(struct dashboard *d)
{
    if (d == NULL)
        return;
    for (int i = 0; i < PANEL_COUNT; i++)
        widget_free(d->panel[i]);
    widget_free(d->help);
    widget_free(d->drill);
    widget_free(d->drift_view);
    widget_free(d->runbook);
    analysis_worker_free(d->anworker); /* before the snapshots: it may hold references */
    allpods_free(d);
    free(d->drift_hints);
    free(d->drift_panel_hints);
    dialog_free(d->dialog);
    free(d->traffic_hints);
    analysis_free(d->an);
    panel_workloads_prep_free(d->wl_prep); /* after the panel that borrowed it */
    for (int s = 0; s < 2; s++) {
        model_cluster_unref(d->snap[s]);
        free(d->context[s]);
    }
    widget_filter_fini(&d->filter);
    free(d->mode);
    free(d->hints);
    free(d);
}

void dashboard_set_help(struct dashboard *d, const struct panel_help_entry *entries, size_t n)
{
    widget_free(d->help);
    d->help = panel_help_new(entries, n);
    widget_layout(d->help, d->lay.body);
}

void dashboard_set_hints(struct dashboard *d, const char *hints)
{
    free(d->hints);
    d->hints = xstrdup(hints ? hints : "");
}

/* Re-reads the view in every widget (after new data, a filter or a namespace). */
static void update_all(struct dashboard *d)
{
    struct widget_view v = view_of(d);
    for (int i = 0; i < PANEL_COUNT; i++)
        widget_update(d->panel[i], &v);
    widget_update(d->help, &v);
    if (d->drill)
        widget_update(d->drill, &v);
    if (d->drift_view)
        widget_update(d->drift_view, &v);
    if (d->allpods)
        widget_update(d->allpods, &v);
}

static void place(struct dashboard *d)
{
    struct layout_in in = {.h = d->h,
                           .w = d->w,
                           .focus = d->focus,
                           .nodes_rows = d->nodes_rows,
                           .workloads_rows = d->workloads_rows,
                           .runbook_rows = d->runbook ? d->runbook_rows : 0};
    layout_compute(&in, &d->lay);
    for (int i = 0; i < PANEL_COUNT; i++)
        widget_layout(d->panel[i], d->lay.panel[i]);
    if (d->runbook)
        widget_layout(d->runbook, d->lay.runbook);
    widget_layout(d->help, d->lay.body);
    if (d->drill)
        widget_layout(d->drill, d->lay.body);
    if (d->drift_view)
        widget_layout(d->drift_view, d->lay.body);
    if (d->allpods)
        widget_layout(d->allpods, d->lay.body);
}

/* Installs an analysed pair, taking over the references in s and t and the analysis an: the
 * widgets move to it, then what they pointed into is let go (with a pair the all-pods view kept
 * while the analysis waited). */
static int install(struct dashboard *d, struct model_cluster *s, struct model_cluster *t,
                   struct analysis *an, struct panel_workloads_prep *prep, int64_t now)
{
    struct model_cluster *old[4] = {d->snap[0], d->snap[1], NULL, NULL};
    if (d->an_deferred) {
        old[2] = d->an_snap[0];
        old[3] = d->an_snap[1];
        d->an_snap[0] = d->an_snap[1] = NULL;
        d->an_deferred = false;
    }
    struct analysis *old_pending = d->an_pending;
    d->an_pending = NULL;
    struct panel_workloads_prep *old_prep[2] = {d->wl_prep, d->an_pending_prep};
    d->an_pending_prep = NULL;
    d->wl_prep = prep;
    /* the panel's rows made with the analysis (NULL: it makes them itself on update) */
    panel_workloads_set_prep(d->panel[PANEL_WORKLOADS], prep);
    struct analysis *old_an = d->an;
    d->snap[0] = s;
    d->snap[1] = t;
    d->now = now;
    d->an = an;
    /* widgets still point into the old analysis until they are updated */
    update_all(d);
    allpods_snapshots(d);
    if (d->anworker) {
        /* dropping the old pair's last references walks all its rows: on the worker */
        struct analysis_result rel[2] = {{.snap = {old[0], old[1]},
                                          .an = old_an,
                                          .prepared = old_prep[0],
                                          .prepared_free = wl_prep_free},
                                         {.snap = {old[2], old[3]},
                                          .an = old_pending,
                                          .prepared = old_prep[1],
                                          .prepared_free = wl_prep_free}};
        analysis_worker_release(d->anworker, &rel[0]);
        analysis_worker_release(d->anworker, &rel[1]);
    } else {
        analysis_free(old_an);
        analysis_free(old_pending);
        panel_workloads_prep_free(old_prep[0]);
        panel_workloads_prep_free(old_prep[1]);
        for (int i = 0; i < 4; i++)
            model_cluster_unref(old[i]);
    }
    struct widget_view v = view_of(d);
    int rows = panel_nodes_rows(&v, d->w);
    int wrows = d->an ? (int)d->an->nworkloads : 0;
    int act = ACT_REDRAW;
    if (rows != d->nodes_rows || wrows != d->workloads_rows) {
        d->nodes_rows = rows;
        d->workloads_rows = wrows;
        place(d);
        update_all(d);
        act |= ACT_RELAYOUT;
    }
    return act;
}

int dashboard_set_snapshots(struct dashboard *d, const struct model_cluster *source,
                            const struct model_cluster *target, int64_t now)
{
    if (d->an && !d->an_deferred && source == d->snap[0] && target == d->snap[1]) {
        d->now = now; /* the same snapshots: nothing to analyse again */
        return ACT_REDRAW;
    }
    if (allpods_defer(d, source, target, now, NULL, NULL))
        return ACT_REDRAW;
    struct model_cluster *s = source ? model_cluster_ref(source) : NULL;
    struct model_cluster *t = target ? model_cluster_ref(target) : NULL;
    struct analysis_config cfg = d->acfg;
    cfg.now = now;
    return install(d, s, t, analysis_run(s, t, &cfg), NULL, now);
}

int dashboard_set_analysed(struct dashboard *d, struct analysis_result *r)
{
    struct analysis *an = r->an;
    r->an = NULL;
    struct panel_workloads_prep *prep = NULL;
    if (r->prepared && r->prepared_free == wl_prep_free) {
        prep = r->prepared; /* the Workloads rows, made on the worker */
        r->prepared = NULL;
    }
    if (allpods_defer(d, r->snap[0], r->snap[1], r->now, an, prep)) {
        analysis_result_fini(r);
        return ACT_REDRAW;
    }
    struct model_cluster *s = r->snap[0], *t = r->snap[1];
    int64_t now = r->now > d->now ? r->now : d->now; /* the clock moved while it ran */
    analysis_result_fini(
        &(struct analysis_result){.prepared = r->prepared, .prepared_free = r->prepared_free});
    memset(r, 0, sizeof *r);
    return install(d, s, t, an, prep, now);
}

void dashboard_set_analysis_worker(struct dashboard *d, int wake_fd)
{
    if (d->anworker == NULL) {
        struct analysis_worker_opts o = {
            .wake_fd = wake_fd, .prepare = wl_prepare, .prepared_free = wl_prep_free};
        d->anworker = analysis_worker_new(&o);
    }
}

bool dashboard_submit_snapshots(struct dashboard *d, const struct model_cluster *source,
                                const struct model_cluster *target, int64_t now)
{
    if (d->anworker == NULL) {
        dashboard_set_snapshots(d, source, target, now);
        return false;
    }
    struct analysis_config cfg = d->acfg;
    cfg.now = now;
    return analysis_worker_submit(d->anworker, source, target, &cfg);
}

int dashboard_analysis_poll(struct dashboard *d)
{
    struct analysis_result r;
    if (d->anworker == NULL || !analysis_worker_take(d->anworker, &r))
        return ACT_NONE;
    return dashboard_set_analysed(d, &r);
}

bool dashboard_analysis_busy(const struct dashboard *d)
{
    return d->anworker != NULL && analysis_worker_busy(d->anworker);
}

const struct analysis_config *dashboard_analysis_config(const struct dashboard *d)
{
    return &d->acfg;
}

int dashboard_set_analysis_config(struct dashboard *d, const struct analysis_config *cfg)
{
    int64_t now = d->acfg.now;
    d->acfg = *cfg;
    d->acfg.now = now;
    /* the pair shown (or, while the all-pods view defers, the latest) again with the new config */
    if (d->anworker) {
        dashboard_submit_snapshots(d, d->snap[0], d->snap[1], d->now);
        return ACT_NONE;
    }
    if (d->an == NULL)
        return ACT_NONE;
    if (allpods_defer(d, d->snap[0], d->snap[1], d->now, NULL, NULL))
        return ACT_REDRAW;
    struct model_cluster *s = d->snap[0] ? model_cluster_ref(d->snap[0]) : NULL;
    struct model_cluster *t = d->snap[1] ? model_cluster_ref(d->snap[1]) : NULL;
    struct analysis_config c = d->acfg;
    c.now = d->now;
    return install(d, s, t, analysis_run(s, t, &c), NULL, d->now);
}

void dashboard_set_now(struct dashboard *d, int64_t now)
{
    d->now = now;
}

const struct analysis *dashboard_analysis(const struct dashboard *d)
{
    return d->an;
}

void dashboard_resize(struct dashboard *d, int h, int w)
{
    d->h = h;
    d->w = w;
    struct widget_view v = view_of(d);
    d->nodes_rows = panel_nodes_rows(&v, w);
    place(d);
    update_all(d);
}

/* ---- drawing -------------------------------------------------------------------------- */

static void draw_header(struct dashboard *d, struct canvas *c, int side)
{
    struct widget_view v = view_of(d);
    const struct model_cluster *s = d->snap[side];
    struct widget_fresh fr;
    widget_freshness(&v, side, &fr);
    int w = canvas_width(c);
    canvas_fill(c, (struct rect){0, 0, 2, w}, THEME_ROLE_HEADER, 0);
    int x = canvas_text(c, 0, 0, -1, THEME_ROLE_HEADER, CANVAS_BOLD, side ? "TARGET " : "SOURCE ");
    x += canvas_text(c, 0, x, -1, THEME_ROLE_HEADER, CANVAS_BOLD,
                     s && s->context ? s->context : d->context[side]);
    x += 2;
    x += canvas_text(c, 0, x, -1, THEME_ROLE_VALUE, 0, s && s->version ? s->version : "v?");
    x += 2;
    if (s && s->tls_insecure)
        x += canvas_text(c, 0, x, -1, THEME_ROLE_TLS_INSECURE, CANVAS_BOLD, "TLS-INSECURE") + 2;
    if (s && s->api_latency_ms >= 0) {
        char lat[32];
        snprintf(lat, sizeof lat, "api %.0fms", s->api_latency_ms);
        if (x + 2 + (int)strlen(lat) <= w)
            canvas_text_right(c, 0, w, -1, THEME_ROLE_VALUE, 0, lat);
    } else if (x + 8 <= w) {
        canvas_text_right(c, 0, w, -1, THEME_ROLE_DIM, 0, "api ?");
    }
    /* second row: the mode as text, TLS, freshness or the error beside the last data */
    int mode_role = strcmp(d->mode, "OBSERVER") == 0  ? THEME_ROLE_OBSERVER
                    : strcmp(d->mode, "RUNBOOK") == 0 ? THEME_ROLE_RUNBOOK
                                                      : THEME_ROLE_HEADER_MODE;
    x = canvas_text(c, 1, 0, -1, mode_role, CANVAS_BOLD, d->mode) + 1;
    char age[16];
    widget_age(fr.age, age, sizeof age);
    if (s == NULL || (!fr.stale && fr.age < 0)) {
        canvas_text(c, 1, x, -1, THEME_ROLE_DIM, 0, "connecting...");
    } else if (fr.stale) {
        x += canvas_textf(c, 1, x, -1, THEME_ROLE_STALE, CANVAS_BOLD | CANVAS_REVERSE, "STALE %s",
                          fr.age >= 0 ? age : "(no data)");
        if (fr.error) {
            /* the column already names the cluster: drop a leading "<context>: " */
            const char *e = fr.error, *ctx = s->context ? s->context : d->context[side];
            size_t cl = strlen(ctx);
            if (strncmp(e, ctx, cl) == 0 && e[cl] == ':' && e[cl + 1] == ' ')
                e += cl + 2;
            x += canvas_text(c, 1, x, -1, THEME_ROLE_ERROR, 0, " ");
            canvas_text(c, 1, x, -1, THEME_ROLE_ERROR, 0, e);
        }
    } else {
        canvas_textf(c, 1, x, -1, THEME_ROLE_VALUE_OK, 0, "updated %s ago", age);
    }
}

static void draw_status(struct dashboard *d, struct canvas *c)
{
    int w = canvas_width(c);
    canvas_fill(c, (struct rect){0, 0, 1, w}, THEME_ROLE_STATUS_BAR, 0);
    if (d->prompt != DASHBOARD_PROMPT_NONE) {
        int x = canvas_text(c, 0, 0, -1, THEME_ROLE_FILTER, CANVAS_BOLD,
                            d->prompt == DASHBOARD_PROMPT_COMMAND ? ":" : "/");
        x += canvas_text(c, 0, x, -1, THEME_ROLE_FILTER, 0, d->input);
        canvas_text(c, 0, x, 1, THEME_ROLE_FILTER, CANVAS_REVERSE, " ");
        return;
    }
    char right[400] = "";
    size_t off = 0;
    if (d->filter.active)
        off += (size_t)snprintf(right, sizeof right, "filter /%s", d->filter.expr);
    if (d->filter.ns[0] && off < sizeof right)
        snprintf(right + off, sizeof right - off, "%sns %s", off ? "  " : "", d->filter.ns);
    int rw = right[0] ? canvas_str_width(right) + 1 : 0;
    if (rw > w / 2)
        rw = w / 2;
    const char *left = d->message[0] ? d->message : d->hints;
    if (!d->message[0] && d->traffic_hints && d->focus == PANEL_TRAFFIC &&
        panel_traffic_selected(d->panel[PANEL_TRAFFIC]) != NULL)
        left = d->traffic_hints;
    if (!d->message[0] && d->drift_panel_hints && d->focus == PANEL_SECRETS && !d->drift_view &&
        !d->help_open)
        left = d->drift_panel_hints;
    if (!d->message[0] && d->allpods_hints && d->allpods && !d->drift_view && !d->help_open &&
        !d->drill)
        left = d->allpods_hints;
    canvas_text(c, 0, 0, w - rw - 1, d->message[0] ? THEME_ROLE_FILTER : THEME_ROLE_STATUS_BAR, 0,
                left);
    if (right[0])
        canvas_text_right(c, 0, w, rw, THEME_ROLE_FILTER, CANVAS_BOLD, right);
}

void dashboard_draw(struct dashboard *d, struct canvas *c)
{
    struct widget_view v = view_of(d);
    canvas_fill(c, (struct rect){0, 0, canvas_height(c), canvas_width(c)}, THEME_ROLE_DEFAULT, 0);
    if (d->lay.too_small) {
        canvas_textf(c, 0, 0, -1, THEME_ROLE_ERROR, 0, "terminal too small (%dx%d), need %dx%d",
                     d->w, d->h, LAYOUT_MIN_W, LAYOUT_MIN_H);
        return;
    }
    for (int s = 0; s < 2; s++) {
        struct canvas hc = canvas_sub(c, d->lay.header_col[s]);
        draw_header(d, &hc, s);
    }
    canvas_vline(c, 0, d->lay.header_col[1].x - 1, LAYOUT_HEADER_ROWS, THEME_ROLE_PANEL_BORDER);
    if (d->help_open || d->drill || d->drift_view || d->allpods) {
        struct canvas bc = canvas_sub(c, d->lay.body);
        widget_draw(d->help_open    ? d->help
                    : d->drill      ? d->drill
                    : d->drift_view ? d->drift_view
                                    : d->allpods,
                    &bc, &v, true);
    } else {
        if (d->runbook && d->lay.runbook.h > 0) {
            struct canvas rc = canvas_sub(c, d->lay.runbook);
            widget_draw(d->runbook, &rc, &v, false);
        }
        for (int i = 0; i < PANEL_COUNT; i++) {
            if (d->lay.panel[i].h > 0) {
                struct canvas pc = canvas_sub(c, d->lay.panel[i]);
                widget_draw(d->panel[i], &pc, &v, d->focus == (enum panel_id)i);
            } else if (d->lay.summary[i].h > 0) {
                struct canvas sc = canvas_sub(c, d->lay.summary[i]);
                char buf[512];
                widget_summary(d->panel[i], &v, buf, sizeof buf);
                int x = canvas_text(&sc, 0, 0, 2, THEME_ROLE_PANEL_BORDER, 0, "+ ");
                canvas_text(&sc, 0, x, -1, THEME_ROLE_PANEL_TITLE, 0, buf);
            }
        }
    }
    if (d->dialog)
        dialog_draw(d->dialog, c, d->lay.body);
    struct canvas st = canvas_sub(c, d->lay.status);
    draw_status(d, &st);
}

/* ---- commands ------------------------------------------------------------------------- */

static void close_drill(struct dashboard *d)
{
    widget_free(d->drill);
    d->drill = NULL;
    d->drill_traffic = false;
}

static int open_traffic_drill(struct dashboard *d);

/* The pods drill-in on workload kind ns/name over the body. */
static int open_drill_on(struct dashboard *d, const char *kind, const char *ns, const char *name)
{
    close_drill(d);
    d->drill = panel_pods_new(kind, ns, name);
    widget_layout(d->drill, d->lay.body);
    struct widget_view v = view_of(d);
    widget_update(d->drill, &v);
    return ACT_REDRAW;
}

static int open_drill(struct dashboard *d)
{
    const struct workload_pair *wp = panel_workloads_selected(d->panel[PANEL_WORKLOADS]);
    if (wp == NULL)
        return ACT_NONE;
    return open_drill_on(d, wp->kind, wp->ns, wp->name);
}

int dashboard_cmd(struct dashboard *d, enum widget_cmd cmd)
{
    d->message[0] = '\0';
    if (d->help_open)
        return widget_key(d->help, cmd) | ACT_REDRAW;
    if (d->drill)
        return widget_key(d->drill, cmd) | ACT_REDRAW;
    if (d->drift_view)
        return widget_key(d->drift_view, cmd) | ACT_REDRAW;
    if (d->allpods)
        return allpods_cmd(d, cmd);
    if (d->focus == PANEL_SECRETS && cmd == WIDGET_ENTER)
        return dashboard_drift_open(d);
    /* Enter on a Traffic panel too small for its blocks shows them over the body */
    if (d->focus == PANEL_TRAFFIC && cmd == WIDGET_ENTER)
        return open_traffic_drill(d);
    int act = widget_key(d->panel[d->focus], cmd);
    if (d->focus == PANEL_WORKLOADS && panel_workloads_take_open(d->panel[PANEL_WORKLOADS]))
        act |= open_drill(d);
    return act | ACT_REDRAW;
}

int dashboard_focus(struct dashboard *d, enum panel_id id)
{
    if ((unsigned)id >= PANEL_COUNT)
        return ACT_NONE;
    d->help_open = false;
    close_drill(d);
    widget_free(d->drift_view);
    d->drift_view = NULL;
    allpods_close(d);
    d->focus = id;
    place(d);
    update_all(d);
    return ACT_REDRAW | ACT_RELAYOUT;
}

int dashboard_focus_step(struct dashboard *d, int dir)
{
    int f = ((int)d->focus + (dir > 0 ? 1 : PANEL_COUNT - 1)) % PANEL_COUNT;
    return dashboard_focus(d, (enum panel_id)f);
}

enum panel_id dashboard_focused(const struct dashboard *d)
{
    return d->focus;
}

int dashboard_help_toggle(struct dashboard *d)
{
    d->help_open = !d->help_open;
    d->help->top = 0;
    return ACT_REDRAW;
}

bool dashboard_help_open(const struct dashboard *d)
{
    return d->help_open;
}

bool dashboard_drill_open(const struct dashboard *d)
{
    return d->drill != NULL;
}

int dashboard_back(struct dashboard *d)
{
    d->message[0] = '\0';
    if (d->prompt != DASHBOARD_PROMPT_NONE) {
        d->prompt = DASHBOARD_PROMPT_NONE;
        return ACT_REDRAW;
    }
    if (d->help_open) {
        d->help_open = false;
        return ACT_REDRAW;
    }
    if (d->drill) {
        close_drill(d);
        return ACT_REDRAW;
    }
    if (d->drift_view)
        return dashboard_drift_close(d);
    if (d->allpods)
        return allpods_back(d);
    if (d->filter.active)
        return dashboard_filter(d, "");
    return ACT_REDRAW;
}

void dashboard_message(struct dashboard *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

int dashboard_filter(struct dashboard *d, const char *expr)
{
    char err[200];
    if (widget_filter_set(&d->filter, expr, err, sizeof err) != 0) {
        dashboard_message(d, "bad filter /%s: %s", expr, err);
        return ACT_REDRAW;
    }
    if (allpods_filter(d))
        return ACT_REDRAW; /* only the view follows it now: the panels do on its close */
    update_all(d);
    return ACT_REDRAW;
}

int dashboard_namespace(struct dashboard *d, const char *ns)
{
    if (ns == NULL || strcmp(ns, "all") == 0 || strcmp(ns, "-A") == 0)
        ns = "";
    snprintf(d->filter.ns, sizeof d->filter.ns, "%s", ns);
    update_all(d);
    return ACT_REDRAW;
}

int dashboard_command(struct dashboard *d, const char *line)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", line ? line : "");
    char *save = NULL;
    char *verb = strtok_r(buf, " \t", &save);
    char *arg = verb ? strtok_r(NULL, " \t", &save) : NULL;
    d->message[0] = '\0';
    if (verb == NULL)
        return ACT_REDRAW;
    if (strcmp(verb, "q") == 0 || strcmp(verb, "quit") == 0 || strcmp(verb, "q!") == 0)
        return ACT_QUIT;
    if (strcmp(verb, "help") == 0)
        return dashboard_help_toggle(d);
    if (strcmp(verb, "drift") == 0)
        return dashboard_drift_open(d);
    if (strcmp(verb, "ns") == 0 || strcmp(verb, "namespace") == 0) {
        if (arg == NULL) {
            dashboard_message(d, ":ns needs a namespace name or 'all'");
            return ACT_REDRAW;
        }
        return dashboard_namespace(d, arg);
    }
    /* k9s-style aliases for the panels */
    static const struct {
        const char *name;
        enum panel_id id;
    } alias[] = {
        {"no", PANEL_NODES},         {"node", PANEL_NODES},       {"wl", PANEL_WORKLOADS},
        {"deploy", PANEL_WORKLOADS}, {"finding", PANEL_FINDINGS}, {"events", PANEL_FINDINGS},
    };
    int id = layout_panel_from_name(verb);
    for (size_t i = 0; id < 0 && i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(verb, alias[i].name) == 0)
            id = (int)alias[i].id;
    if (id >= 0)
        return dashboard_focus(d, (enum panel_id)id);
    dashboard_message(d, "unknown command :%s (press ? for help)", verb);
    return ACT_REDRAW;
}

int dashboard_prompt_open(struct dashboard *d, enum dashboard_prompt kind)
{
    d->prompt = kind;
    d->input[0] = '\0';
    d->message[0] = '\0';
    if (kind == DASHBOARD_PROMPT_FILTER && d->filter.active)
        snprintf(d->input, sizeof d->input, "%s", d->filter.expr);
    return ACT_REDRAW;
}

enum dashboard_prompt dashboard_prompt(const struct dashboard *d)
{
    return d->prompt;
}

int dashboard_prompt_key(struct dashboard *d, int key)
{
    size_t len = strlen(d->input);
    if (key == KEYMAP_KEY_ESC || key == (KEYMAP_MOD_CTRL | 'g')) {
        d->prompt = DASHBOARD_PROMPT_NONE;
        return ACT_REDRAW;
    }
    if (key == KEYMAP_KEY_ENTER) {
        enum dashboard_prompt kind = d->prompt;
        d->prompt = DASHBOARD_PROMPT_NONE;
        if (kind == DASHBOARD_PROMPT_COMMAND)
            return dashboard_command(d, d->input);
        return dashboard_filter(d, d->input);
    }
    if (key == KEYMAP_KEY_BACKSPACE) {
        if (len == 0) {
            d->prompt = DASHBOARD_PROMPT_NONE;
            return ACT_REDRAW;
        }
        /* drop one whole UTF-8 character */
        while (len > 0 && ((unsigned char)d->input[len - 1] & 0xc0) == 0x80)
            len--;
        if (len > 0)
            len--;
        d->input[len] = '\0';
        return ACT_REDRAW;
    }
    if (key == (KEYMAP_MOD_CTRL | 'u')) {
        d->input[0] = '\0';
        return ACT_REDRAW;
    }
    if (key < 0x20 || key >= KEYMAP_KEY_BASE || key == 0x7f)
        return ACT_NONE;
    char enc[5];
    size_t n;
    unsigned cp = (unsigned)key;
    if (cp < 0x80)
        enc[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        enc[0] = (char)(0xc0 | (cp >> 6)), enc[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        enc[0] = (char)(0xe0 | (cp >> 12)), enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
        enc[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    else
        enc[0] = (char)(0xf0 | (cp >> 18)), enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
        enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), enc[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    if (len + n + 1 > sizeof d->input)
        return ACT_NONE;
    memcpy(d->input + len, enc, n);
    d->input[len + n] = '\0';
    return ACT_REDRAW;
}

/* ---- traffic targets and dialogs (issue #4) -------------------------------------------- */

int dashboard_set_traffic(struct dashboard *d, const struct traffic_snapshot *s)
{
    panel_traffic_set(d->panel[PANEL_TRAFFIC], s);
    struct widget_view v = view_of(d);
    widget_update(d->panel[PANEL_TRAFFIC], &v);
    if (d->drill_traffic) {
        panel_traffic_set(d->drill, s);
        widget_update(d->drill, &v);
    }
    return ACT_REDRAW;
}

const struct traffic_target_state *dashboard_traffic_selected(const struct dashboard *d)
{
    if (d->drill_traffic)
        return panel_traffic_selected(d->drill);
    return panel_traffic_selected(d->panel[PANEL_TRAFFIC]);
}

/* The Traffic panel in full over the body, the same target selected. */
static int open_traffic_drill(struct dashboard *d)
{
    const struct widget *tp = d->panel[PANEL_TRAFFIC];
    const struct traffic_target_state *sel = panel_traffic_selected(tp);
    if (sel == NULL || d->lay.folded)
        return ACT_REDRAW; /* nothing to show, or the panel already has the body */
    close_drill(d);
    d->drill = panel_traffic_new();
    panel_traffic_set(d->drill, panel_traffic_snapshot(tp));
    panel_traffic_select(d->drill, sel->cfg.name);
    d->drill_traffic = true;
    widget_layout(d->drill, d->lay.body);
    struct widget_view v = view_of(d);
    widget_update(d->drill, &v);
    return ACT_REDRAW;
}

void dashboard_dialog_open(struct dashboard *d, struct dialog *dlg)
{
    if (d->dialog != dlg)
        dialog_free(d->dialog);
    d->dialog = dlg;
}

struct dialog *dashboard_dialog(const struct dashboard *d)
{
    return d->dialog;
}

void dashboard_dialog_close(struct dashboard *d)
{
    dialog_free(d->dialog);
    d->dialog = NULL;
}

void dashboard_set_traffic_hints(struct dashboard *d, const char *hints)
{
    free(d->traffic_hints);
    d->traffic_hints = hints && hints[0] ? xstrdup(hints) : NULL;
}

/* ---- All pods view (issue #7) ------------------------------------------------------------ */

void dashboard_set_index_worker(struct dashboard *d, int wake_fd)
{
    if (d->podworker == NULL)
        d->podworker = podindex_worker_new(wake_fd);
}

static void allpods_free(struct dashboard *d)
{
    widget_free(d->allpods);
    d->allpods = NULL;
    model_cluster_unref(d->an_snap[0]);
    model_cluster_unref(d->an_snap[1]);
    analysis_free(d->an_pending);
    panel_workloads_prep_free(d->an_pending_prep);
    podindex_worker_free(d->podworker);
    d->podworker = NULL;
    free(d->allpods_hints);
}

/* The view's filter as the index compiles it: the dashboard's expression and namespace. */
static const char *filter_expr(const struct dashboard *d)
{
    return d->filter.active ? d->filter.expr : "";
}

/* A new pair of snapshots: the index is rebuilt, by the worker or (without one) here. */
static void allpods_snapshots(struct dashboard *d)
{
    if (d->allpods == NULL)
        return;
    if (d->podworker) {
        podindex_worker_set_filter(d->podworker, filter_expr(d), d->filter.ns);
        podindex_worker_submit(d->podworker, d->snap[0], d->snap[1]);
        panel_allpods_set_busy(d->allpods, podindex_worker_busy(d->podworker));
        return;
    }
    struct podindex_filter f;
    memset(&f, 0, sizeof f);
    bool have = podindex_filter_set(&f, filter_expr(d), d->filter.ns, NULL, 0) == 0;
    struct podindex *idx = podindex_build(d->snap[0], d->snap[1], have ? &f : NULL);
    podindex_filter_fini(&f);
    panel_allpods_set_index(d->allpods, idx);
    podindex_unref(idx);
}

static bool allpods_filter(struct dashboard *d)
{
    if (d->allpods == NULL || d->help_open || d->drill || d->drift_view)
        return false;
    struct widget_view v = view_of(d);
    widget_update(d->allpods, &v);
    if (d->podworker)
        podindex_worker_set_filter(d->podworker, filter_expr(d), d->filter.ns);
    d->panels_stale = true;
    return true;
}

/* While the view is open a new pair reaches only it and the headers; the analysis made of it
 * (an, taken over; NULL: none yet) waits in an_pending for the view to close. */
static bool allpods_defer(struct dashboard *d, const struct model_cluster *source,
                          const struct model_cluster *target, int64_t now, struct analysis *an,
                          struct panel_workloads_prep *prep)
{
    if (d->allpods == NULL || d->an == NULL)
        return false;
    panel_workloads_prep_free(d->an_pending_prep);
    d->an_pending_prep = prep;
    struct model_cluster *cur[2] = {source ? model_cluster_ref(source) : NULL,
                                    target ? model_cluster_ref(target) : NULL};
    if (!d->an_deferred) {
        /* the analysis's pair: its references move here */
        d->an_snap[0] = d->snap[0];
        d->an_snap[1] = d->snap[1];
        d->an_deferred = true;
    } else {
        model_cluster_unref(d->snap[0]);
        model_cluster_unref(d->snap[1]);
    }
    d->snap[0] = cur[0];
    d->snap[1] = cur[1];
    d->now = now;
    analysis_free(d->an_pending); /* made of an older pair (or none when an is NULL) */
    d->an_pending = an;
    allpods_snapshots(d);
    return true;
}

static void allpods_close(struct dashboard *d)
{
    if (d->allpods == NULL)
        return;
    widget_free(d->allpods);
    d->allpods = NULL;
    if (d->podworker)
        podindex_worker_submit(d->podworker, NULL, NULL); /* its memory goes with the view */
    if (d->an_deferred && d->an_pending) {
        /* the worker's analysis of the latest pair waited: installed now */
        struct analysis *an = d->an_pending;
        struct panel_workloads_prep *prep = d->an_pending_prep;
        d->an_pending = NULL;
        d->an_pending_prep = NULL;
        struct model_cluster *s = d->snap[0] ? model_cluster_ref(d->snap[0]) : NULL;
        struct model_cluster *t = d->snap[1] ? model_cluster_ref(d->snap[1]) : NULL;
        install(d, s, t, an, prep, d->now);
    } else if (d->an_deferred && d->anworker) {
        /* the worker has the latest pair (or gets it here; the same pair is not analysed
         * twice): its result, when taken, installs it; the panels keep theirs until then */
        dashboard_submit_snapshots(d, d->snap[0], d->snap[1], d->now);
        d->panels_stale = true;
    } else if (d->an_deferred) {
        /* the analysis that waited: from the pair it was built from to the latest */
        struct model_cluster *cur[2] = {d->snap[0], d->snap[1]};
        d->snap[0] = d->an_snap[0];
        d->snap[1] = d->an_snap[1];
        d->an_snap[0] = d->an_snap[1] = NULL;
        d->an_deferred = false;
        dashboard_set_snapshots(d, cur[0], cur[1], d->now);
        model_cluster_unref(cur[0]);
        model_cluster_unref(cur[1]);
    }
    if (d->panels_stale) {
        d->panels_stale = false;
        update_all(d);
    }
}

int dashboard_allpods_open(struct dashboard *d)
{
    d->help_open = false;
    close_drill(d);
    widget_free(d->drift_view);
    d->drift_view = NULL;
    if (d->allpods == NULL) {
        d->allpods = panel_allpods_new();
        widget_layout(d->allpods, d->lay.body);
        struct widget_view v = view_of(d);
        widget_update(d->allpods, &v);
        allpods_snapshots(d);
    }
    return ACT_REDRAW;
}

int dashboard_allpods_close(struct dashboard *d)
{
    allpods_close(d);
    return ACT_REDRAW;
}

bool dashboard_allpods_is_open(const struct dashboard *d)
{
    return d->allpods != NULL;
}

struct widget *dashboard_allpods(const struct dashboard *d)
{
    return d->allpods;
}

int dashboard_allpods_poll(struct dashboard *d)
{
    if (d->allpods == NULL || d->podworker == NULL)
        return ACT_NONE;
    struct podindex *idx = podindex_worker_take(d->podworker);
    bool busy = podindex_worker_busy(d->podworker);
    panel_allpods_set_busy(d->allpods, busy);
    if (idx == NULL)
        return ACT_NONE;
    panel_allpods_set_index(d->allpods, idx);
    podindex_unref(idx);
    return ACT_REDRAW;
}

static int allpods_cmd(struct dashboard *d, enum widget_cmd cmd)
{
    int act = widget_key(d->allpods, cmd);
    if (!panel_allpods_take_open(d->allpods))
        return act | ACT_REDRAW;
    const struct podindex_row *r = panel_allpods_selected(d->allpods);
    if (r == NULL)
        return ACT_REDRAW;
    const char *kind, *name;
    if (!panel_allpods_owner(d->snap[r->side], r->pod, &kind, &name)) {
        dashboard_message(d, "pod %s has no controller", r->pod->obj.name ? r->pod->obj.name : "?");
        return ACT_REDRAW;
    }
    return open_drill_on(d, kind, r->pod->obj.ns, name);
}

/* Esc in the view: clears its filter first, then closes it. */
static int allpods_back(struct dashboard *d)
{
    if (d->filter.active)
        return dashboard_filter(d, "");
    allpods_close(d);
    return ACT_REDRAW;
}

/* The sort keys go to the Workloads panel: it is focused and nothing covers it. */
static bool sorts_workloads(const struct dashboard *d)
{
    return d->focus == PANEL_WORKLOADS && !d->allpods && !d->drill && !d->help_open &&
           !d->drift_view && d->lay.panel[PANEL_WORKLOADS].h > 0;
}

int dashboard_sort_step(struct dashboard *d, int step)
{
    d->message[0] = '\0';
    if (d->allpods && !d->drill && !d->help_open && !d->drift_view)
        return panel_allpods_sort_step(d->allpods, step);
    if (sorts_workloads(d))
        return panel_workloads_sort_step(d->panel[PANEL_WORKLOADS], step);
    dashboard_message(d, "sorting is in the Workloads panel and the all-pods view (pods-view)");
    return ACT_REDRAW;
}

int dashboard_sort_reverse(struct dashboard *d)
{
    d->message[0] = '\0';
    if (d->allpods && !d->drill && !d->help_open && !d->drift_view)
        return panel_allpods_sort_reverse(d->allpods);
    if (sorts_workloads(d))
        return panel_workloads_sort_reverse(d->panel[PANEL_WORKLOADS]);
    dashboard_message(d, "sorting is in the Workloads panel and the all-pods view (pods-view)");
    return ACT_REDRAW;
}

void dashboard_set_allpods_hints(struct dashboard *d, const char *hints)
{
    free(d->allpods_hints);
    d->allpods_hints = hints && hints[0] ? xstrdup(hints) : NULL;
}

/* ---- Secret drift (issue #5) ----------------------------------------------------------- */

int dashboard_set_drift(struct dashboard *d, const struct drift_ui_data *data)
{
    d->drift = *data;
    d->drift.contents_asked = d->drift_view != NULL;
    panel_drift_set(d->panel[PANEL_SECRETS], &d->drift);
    if (d->drift_view)
        drift_view_set(d->drift_view, &d->drift);
    update_all(d);
    return ACT_REDRAW;
}

int dashboard_drift_open(struct dashboard *d)
{
    d->help_open = false;
    close_drill(d);
    if (d->drift_view == NULL) {
        d->drift_view = drift_view_new();
        drift_view_set_hints(d->drift_view, d->drift_hints);
        d->drift.contents_asked = true;
        panel_drift_set(d->panel[PANEL_SECRETS], &d->drift);
        drift_view_set(d->drift_view, &d->drift);
        widget_layout(d->drift_view, d->lay.body);
        struct widget_view v = view_of(d);
        widget_update(d->drift_view, &v);
    }
    return ACT_REDRAW;
}

int dashboard_drift_close(struct dashboard *d)
{
    if (d->drift_view && drift_view_in_diff(d->drift_view)) {
        drift_view_close_diff(d->drift_view);
        return ACT_REDRAW;
    }
    widget_free(d->drift_view);
    d->drift_view = NULL;
    d->drift.contents_asked = false;
    panel_drift_set(d->panel[PANEL_SECRETS], &d->drift);
    return ACT_REDRAW;
}

struct widget *dashboard_drift_view(const struct dashboard *d)
{
    return d->drift_view;
}

void dashboard_set_drift_hints(struct dashboard *d, const char *hints)
{
    free(d->drift_hints);
    d->drift_hints = hints && hints[0] ? xstrdup(hints) : NULL;
    if (d->drift_view)
        drift_view_set_hints(d->drift_view, d->drift_hints);
}

void dashboard_set_drift_panel_hints(struct dashboard *d, const char *hints)
{
    free(d->drift_panel_hints);
    d->drift_panel_hints = hints && hints[0] ? xstrdup(hints) : NULL;
}

/* ---- Runbook follow screen (issue #6) --------------------------------------------------- */

int dashboard_set_runbook(struct dashboard *d, const struct panel_runbook_state *st)
{
    if (d->runbook == NULL)
        d->runbook = panel_runbook_new();
    panel_runbook_set(d->runbook, st);
    /* box, Lease line, the steps, and what the panel keeps below them: the gates heading, the
     * most gates a step has, the action and a message line */
    int rows = 0;
    if (st != NULL && st->rb != NULL) {
        size_t most = 0;
        for (size_t i = 0; i < st->rb->nsteps; i++)
            if (st->rb->steps[i].nchecks > most)
                most = st->rb->steps[i].nchecks;
        rows = 2 + 1 + (int)st->rb->nsteps + (int)most + 3 + (st->observer ? 0 : 1);
        /* the guided screen (it has key hints): the description and the driver's last lines */
        if (!st->observer && st->hints != NULL)
            rows += (st->description ? 1 : 0) + PANEL_RUNBOOK_LINES;
    }
    if (rows < 3)
        rows = 3;
    if (rows != d->runbook_rows) {
        d->runbook_rows = rows;
        place(d);
        return ACT_REDRAW | ACT_RELAYOUT;
    }
    return ACT_REDRAW;
}
