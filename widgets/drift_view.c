/* The drift view: every row with its keys, External Secrets and the source of truth; the
 * ConfigMap diff. Lines are built when the data or the filter changes and drawn scrolled. */
#include "cutover/drift_view.h"

#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vline {
    int role;
    unsigned attr;
    char *text;
    int row;  /* index into report->rows, or -1 */
    int es;   /* index into report->es, or -1 */
    bool sel; /* the selection may stop here */
};

struct drift_view {
    struct drift_ui_data data;
    struct vline *lines;
    size_t n, cap;
    char *hints;
    char sel_key[600]; /* "kind/ns/name" or "es/side/ns/name" of the selection, to keep it */
    /* the ConfigMap diff */
    bool in_diff, diff_wanted, diff_loading;
    char diff_ns[256], diff_name[256];
    struct udiff *diff;
    char *diff_error;
    int diff_top;
    int list_visible;
    int diff_visible;
    int width; /* text columns (long lines are wrapped to it) */
};

static void lines_clear(struct drift_view *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->lines[i].text);
    p->n = 0;
}

static void add(struct drift_view *p, int role, unsigned attr, int row, int es, bool sel,
                const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void add(struct drift_view *p, int role, unsigned attr, int row, int es, bool sel,
                const char *fmt, ...)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->lines = xreallocarray(p->lines, p->cap, sizeof *p->lines);
    }
    char buf[2048], safe[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_sanitize_buf(buf, safe, sizeof safe);
    p->lines[p->n++] = (struct vline){role, attr, xstrdup(safe), row, es, sel};
}

static int row_role(enum drift_state st)
{
    switch (st) {
    case DRIFT_MISSING_TARGET:
    case DRIFT_MISSING_SOURCE:
        return THEME_ROLE_MISSING;
    case DRIFT_TYPE_DIFFERS:
    case DRIFT_KEYS_DIFFER:
    case DRIFT_VALUES_DIFFER:
        return THEME_ROLE_DRIFT;
    case DRIFT_EQUAL:
        return THEME_ROLE_VALUE_OK;
    default:
        return THEME_ROLE_DIM;
    }
}

static const char *key_words(enum drift_key_state st)
{
    switch (st) {
    case DRIFT_KEY_ONLY_SOURCE:
        return "missing on target";
    case DRIFT_KEY_ONLY_TARGET:
        return "missing on source";
    case DRIFT_KEY_DIFFERS:
        return "value differs";
    case DRIFT_KEY_UNKNOWN:
        return "not compared";
    default:
        return "equal";
    }
}

/* "key a missing on target; value differs: b, c" for a row's keys. */
static void keys_detail(const struct drift_row *row, char *buf, size_t len)
{
    static const enum drift_key_state order[] = {DRIFT_KEY_ONLY_SOURCE, DRIFT_KEY_ONLY_TARGET,
                                                 DRIFT_KEY_DIFFERS};
    size_t off = 0;
    buf[0] = '\0';
    for (size_t o = 0; o < 3 && off < len; o++) {
        bool first = true;
        for (size_t k = 0; k < row->nkeys && off < len; k++) {
            if (row->keys[k].state != order[o])
                continue;
            if (first)
                off += (size_t)snprintf(buf + off, len - off, "%s%s: ", off ? "; " : "",
                                        key_words(order[o]));
            off += (size_t)snprintf(buf + off, len - off, "%s%s", first ? "" : ", ",
                                    row->keys[k].name);
            first = false;
        }
    }
}

static const char *es_state_words(const struct drift_es *es)
{
    switch (es->state) {
    case DRIFT_ES_SYNCED:
        return "SecretSynced";
    case DRIFT_ES_SYNC_ERROR:
        return "SecretSyncedError";
    case DRIFT_ES_OTHER:
        return es->ready_reason ? es->ready_reason : "not ready";
    default:
        return "no status yet";
    }
}

static void refreshed(const struct drift_es *es, int64_t now, char *buf, size_t len)
{
    if (es->refresh_time <= 0) {
        snprintf(buf, len, "never refreshed");
        return;
    }
    char age[16];
    widget_age(now - es->refresh_time, age, sizeof age);
    snprintf(buf, len, "refreshed %s ago", age);
}

static void store_text(const struct drift_es *es, const struct drift_store *st, char *buf,
                       size_t len)
{
    if (st == NULL) {
        snprintf(buf, len, "store %s %s (not found)",
                 es->store_kind ? es->store_kind : "SecretStore",
                 es->store_name ? es->store_name : "?");
        return;
    }
    snprintf(buf, len, "store %s %s (%s%s%s%s%s)", es->store_kind ? es->store_kind : "SecretStore",
             st->name, st->provider ? st->provider : "?", st->service ? " " : "",
             st->service ? st->service : "", st->region ? " " : "", st->region ? st->region : "");
}

static void sot_text(const struct drift_es_row *e, char *buf, size_t len)
{
    switch (e->sot) {
    case DRIFT_SOT_MATCHES:
        snprintf(buf, len, "source of truth: matches AWS Secrets Manager");
        break;
    case DRIFT_SOT_DIFFERS: {
        size_t off = (size_t)snprintf(buf, len,
                                      "source of truth: STALE, differs from AWS "
                                      "Secrets Manager in ");
        for (size_t i = 0; i < e->nsot_keys && off < len; i++)
            off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", e->sot_keys[i]);
        break;
    }
    case DRIFT_SOT_UNREADABLE:
        snprintf(buf, len, "source of truth: unreadable: %s", e->sot_error ? e->sot_error : "?");
        break;
    case DRIFT_SOT_UNKNOWN:
        snprintf(buf, len, "source of truth: not compared (%s)", e->sot_why ? e->sot_why : "?");
        break;
    default:
        snprintf(buf, len, "source of truth: none (not AWS Secrets Manager)");
        break;
    }
}

static int es_index(const struct drift_report *r, const struct drift_es *es)
{
    for (size_t i = 0; i < r->nes; i++)
        if (r->es[i].es == es)
            return (int)i;
    return -1;
}

/* Adds text (sanitized) as lines of at most p->width columns, the continuation lines indented
 * by `indent` spaces; breaks at a space when there is one. */
static void add_wrapped(struct drift_view *p, int role, unsigned attr, int row, int es, int indent,
                        const char *text)
{
    char safe[2048];
    text_sanitize_buf(text, safe, sizeof safe);
    int width = p->width > indent + 10 ? p->width : 80;
    const char *s = safe;
    bool first = true;
    while (*s) {
        int room = first ? width : width - indent;
        /* bytes that fit in room columns (UTF-8 continuation bytes take none) */
        size_t n = 0;
        int cols = 0;
        while (s[n] && cols < room) {
            n++;
            while (((unsigned char)s[n] & 0xc0) == 0x80)
                n++;
            cols++;
        }
        if (s[n]) {
            size_t sp = n;
            while (sp > 0 && s[sp] != ' ')
                sp--;
            if (sp > (size_t)(room / 2))
                n = sp;
        }
        add(p, role, attr, row, es, false, "%*s%.*s", first ? 0 : indent, "", (int)n, s);
        s += n;
        while (*s == ' ')
            s++;
        first = false;
    }
}

/* The rows that differ (differing) or the others (equal, not compared, ignored). */
static void build_rows(struct drift_view *p, const struct drift_report *r, int64_t now,
                       const struct widget_filter *f, bool differing)
{
    char buf[1024], id[600], line[1200];
    for (size_t i = 0; i < r->nrows; i++) {
        const struct drift_row *row = &r->rows[i];
        bool diff =
            row->state != DRIFT_EQUAL && row->state != DRIFT_UNKNOWN && row->state != DRIFT_IGNORED;
        if (diff != differing)
            continue;
        snprintf(id, sizeof id, "%s/%s", row->ns, row->name);
        if (!widget_filter_match(f, row->ns, id))
            continue;
        int ri = (int)i;
        add(p, row_role(row->state), row->state == DRIFT_EQUAL ? 0u : CANVAS_BOLD, ri, -1, true,
            "%-17s %-9s %s%s", panel_drift_state_words(row->state),
            row->kind == DRIFT_SECRET ? "Secret" : "ConfigMap", id,
            row->by_data_hash ? "  (by the ESO data-hash)" : "");
        switch (row->state) {
        case DRIFT_TYPE_DIFFERS:
            add(p, THEME_ROLE_VALUE, 0, ri, -1, false, "    type: %s on source, %s on target",
                row->side[0] && row->side[0]->type ? row->side[0]->type : "?",
                row->side[1] && row->side[1]->type ? row->side[1]->type : "?");
            break;
        case DRIFT_KEYS_DIFFER:
        case DRIFT_VALUES_DIFFER:
            keys_detail(row, buf, sizeof buf);
            if (buf[0]) {
                snprintf(line, sizeof line, "    %s", buf);
                add_wrapped(p, THEME_ROLE_DRIFT, 0, ri, -1, 6, line);
            }
            if (row->kind == DRIFT_CONFIGMAP)
                add(p, THEME_ROLE_DIM, 0, ri, -1, false, "    Enter: the diff");
            break;
        case DRIFT_IGNORED:
            if (row->rule >= 0 && (size_t)row->rule < r->nrules)
                add(p, THEME_ROLE_DIM, 0, ri, -1, false, "    rule: %s",
                    drift_rule_describe(&r->rules[row->rule].rule, buf, sizeof buf));
            break;
        case DRIFT_UNKNOWN:
            add(p, THEME_ROLE_DIM, 0, ri, -1, false,
                "    values not read (metadata only); %zu keys", row->nkeys);
            break;
        default:
            break;
        }
        for (int s = 0; s < 2; s++) {
            const struct drift_es *es = row->es[s];
            if (es == NULL)
                continue;
            char rt[64];
            refreshed(es, now, rt, sizeof rt);
            add(p, es->state == DRIFT_ES_SYNC_ERROR ? THEME_ROLE_VALUE_WARN : THEME_ROLE_VALUE, 0,
                ri, es_index(r, es), false, "    ExternalSecret %s on %s: %s, %s", es->name,
                s ? "target" : "source", es_state_words(es), rt);
        }
    }
}

/* The External Secrets of both clusters, worst first, with the source of truth. */
static void build_es(struct drift_view *p, const struct drift_report *r, int64_t now,
                     const struct widget_filter *f)
{
    char buf[1024], id[600], line[1200];
    bool header = false;
    for (size_t i = 0; i < r->nes; i++) {
        const struct drift_es_row *e = &r->es[i];
        const struct drift_es *es = e->es;
        snprintf(id, sizeof id, "%s%s%s", es->ns ? es->ns : "", es->ns ? "/" : "", es->name);
        if (!widget_filter_match(f, es->ns, id))
            continue;
        int ei = (int)i;
        if (!header)
            add(p, THEME_ROLE_LABEL, CANVAS_BOLD, -1, -1, false, "External Secrets");
        header = true;
        char rt[64];
        refreshed(es, now, rt, sizeof rt);
        bool bad = es->state == DRIFT_ES_SYNC_ERROR || e->sot == DRIFT_SOT_DIFFERS ||
                   e->sot == DRIFT_SOT_UNREADABLE || e->target_missing;
        add(p, bad ? THEME_ROLE_VALUE_WARN : THEME_ROLE_VALUE_OK, CANVAS_BOLD, -1, ei, true,
            "%-6s %s%s %s, %s", e->side == ANALYSIS_TARGET ? "target" : "source", id,
            es->cluster_scoped ? " (cluster)" : "", es_state_words(es), rt);
        if (es->state == DRIFT_ES_SYNC_ERROR ||
            (es->ready_message && es->state != DRIFT_ES_SYNCED)) {
            snprintf(line, sizeof line, "    message: %s",
                     es->ready_message ? es->ready_message : "(none)");
            add_wrapped(p, THEME_ROLE_ERROR, 0, -1, ei, 6, line);
        }
        store_text(es, e->store, buf, sizeof buf);
        snprintf(line, sizeof line, "    %s", buf);
        add_wrapped(p, THEME_ROLE_VALUE, 0, -1, ei, 6, line);
        snprintf(line, sizeof line, "    writes Secret %s%s",
                 es->target_name ? es->target_name : es->name,
                 e->target_missing ? ": MISSING in this cluster" : "");
        add_wrapped(p, e->target_missing ? THEME_ROLE_MISSING : THEME_ROLE_VALUE, 0, -1, ei, 6,
                    line);
        sot_text(e, buf, sizeof buf);
        snprintf(line, sizeof line, "    %s", buf);
        int role = THEME_ROLE_DIM;
        if (e->sot == DRIFT_SOT_MATCHES)
            role = THEME_ROLE_VALUE_OK;
        else if (e->sot == DRIFT_SOT_DIFFERS || e->sot == DRIFT_SOT_UNREADABLE)
            role = THEME_ROLE_VALUE_WARN;
        add_wrapped(p, role, 0, -1, ei, 6, line);
    }
}

/* Differing rows first, then External Secrets, then equal, not compared and ignored rows. */
static void build(struct drift_view *p, const struct widget_view *v)
{
    lines_clear(p);
    const struct drift_report *r = p->data.report;
    if (r == NULL)
        return;
    int64_t now = v ? v->now : 0;
    const struct widget_filter *f = v ? v->filter : NULL;
    for (int side = 0; side < 2; side++) {
        if (r->error[side] == NULL)
            continue;
        char line[1200];
        snprintf(line, sizeof line, "%s: %s", side ? "target" : "source", r->error[side]);
        add_wrapped(p, THEME_ROLE_ERROR, 0, -1, -1, 2, line);
    }
    build_rows(p, r, now, f, true);
    build_es(p, r, now, f);
    build_rows(p, r, now, f, false);
}

static void skip_to_stop(struct widget *w, int dir);

/* The selection's identity, to find it again after a rebuild. */
static void sel_identity(const struct drift_view *p, int sel, char *buf, size_t len)
{
    buf[0] = '\0';
    const struct drift_report *r = p->data.report;
    if (r == NULL || sel < 0 || (size_t)sel >= p->n)
        return;
    const struct vline *l = &p->lines[sel];
    if (l->row >= 0) {
        const struct drift_row *row = &r->rows[l->row];
        snprintf(buf, len, "r/%d/%s/%s", (int)row->kind, row->ns, row->name);
    } else if (l->es >= 0) {
        const struct drift_es_row *e = &r->es[l->es];
        snprintf(buf, len, "e/%d/%s/%s", (int)e->side, e->es->ns ? e->es->ns : "", e->es->name);
    }
}

static void rebuild(struct widget *w, const struct widget_view *v)
{
    struct drift_view *p = w->priv;
    build(p, v);
    w->nrows = (int)p->n;
    w->sel = 0;
    if (p->sel_key[0]) {
        char idb[600];
        for (size_t i = 0; i < p->n; i++) {
            if (!p->lines[i].sel)
                continue;
            sel_identity(p, (int)i, idb, sizeof idb);
            if (strcmp(idb, p->sel_key) == 0) {
                w->sel = (int)i;
                break;
            }
        }
    }
    /* never rest on a header or detail line */
    if ((size_t)w->sel < p->n && !p->lines[w->sel].sel)
        skip_to_stop(w, 1);
    widget_list_clamp(w, p->list_visible > 0 ? p->list_visible : 1);
}

static void view_update(struct widget *w, const struct widget_view *v)
{
    struct drift_view *p = w->priv;
    struct drift_ui_data keep = p->data;
    (void)keep;
    rebuild(w, v);
}

static void view_layout(struct widget *w, struct rect r)
{
    struct drift_view *p = w->priv;
    p->width = r.w - 4;
    p->list_visible = r.h - 6 > 1 ? r.h - 6 : 1;
    p->diff_visible = r.h - 4 > 1 ? r.h - 4 : 1;
    widget_list_clamp(w, p->list_visible);
}

static void draw_diff(struct drift_view *p, struct canvas *c, const struct widget_view *v, int h,
                      int wd)
{
    char title[600];
    snprintf(title, sizeof title, "ConfigMap %s/%s: diff", p->diff_ns, p->diff_name);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               THEME_ROLE_PANEL_TITLE_FOCUS);
    int x = 2, tw = wd - 4;
    if (p->diff_loading) {
        canvas_text(c, 1, x, tw, THEME_ROLE_DIM, 0, "fetching both ConfigMaps...");
        return;
    }
    if (p->diff == NULL) {
        char safe[600];
        text_sanitize_buf(p->diff_error ? p->diff_error : "no diff", safe, sizeof safe);
        canvas_textf(c, 1, x, tw, THEME_ROLE_ERROR, 0, "cannot diff: %s", safe);
        canvas_text(c, 2, x, tw, THEME_ROLE_DIM, 0, "Esc: back to the list");
        return;
    }
    canvas_textf(c, 1, x, tw, THEME_ROLE_LABEL, 0, "--- source %s   +++ target %s   (-%d +%d)%s",
                 v && v->context[0] ? v->context[0] : "?", v && v->context[1] ? v->context[1] : "?",
                 p->diff->removed, p->diff->added, p->diff->identical ? "  identical" : "");
    canvas_text(c, 2, x, tw, THEME_ROLE_DIM, 0, "Up/Down PgUp/PgDn: scroll  Esc: back to the list");
    int rows = h - 4;
    if (p->diff_top > (int)p->diff->n - rows)
        p->diff_top = (int)p->diff->n - rows;
    if (p->diff_top < 0)
        p->diff_top = 0;
    for (int i = 0; i < rows && (size_t)(p->diff_top + i) < p->diff->n; i++) {
        const struct udiff_line *l = &p->diff->lines[p->diff_top + i];
        int role = l->op == UDIFF_ADD    ? THEME_ROLE_VALUE_OK
                   : l->op == UDIFF_DEL  ? THEME_ROLE_MISSING
                   : l->op == UDIFF_HUNK ? THEME_ROLE_LABEL
                                         : THEME_ROLE_VALUE;
        char safe[1024];
        text_sanitize_buf(l->text, safe, sizeof safe);
        if (l->op == UDIFF_HUNK)
            canvas_text(c, 3 + i, x, tw, role, 0, safe);
        else
            canvas_textf(c, 3 + i, x, tw, role, 0, "%c%s", l->op, safe);
    }
    if (p->diff->n > (size_t)rows) {
        char pos[40];
        snprintf(pos, sizeof pos, " %d-%d/%zu ", p->diff_top + 1,
                 p->diff_top + rows < (int)p->diff->n ? p->diff_top + rows : (int)p->diff->n,
                 p->diff->n);
        canvas_text_right(c, h - 1, wd - 2, -1, THEME_ROLE_PANEL_BORDER, 0, pos);
    }
}

static void view_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    (void)focused;
    struct drift_view *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    if (p->in_diff) {
        draw_diff(p, c, v, h, wd);
        return;
    }
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER,
               "Drift: Secrets and ConfigMaps", THEME_ROLE_PANEL_TITLE_FOCUS);
    int x = 2, tw = wd - 4;
    if (tw <= 0 || h < 3)
        return;
    const struct drift_report *r = p->data.report;
    char buf[600];
    /* line 1: per cluster, the mode; line 2: the promise; line 3: keys */
    if (r == NULL) {
        canvas_text(c, 1, x, tw, THEME_ROLE_DIM, 0,
                    p->data.configured ? "reading Secrets (contents, hashed)..."
                                       : "Secret drift: not configured");
    } else {
        int n = 0;
        for (int s = 0; s < 2; s++) {
            const char *ctx = v && v->context[s] ? v->context[s] : (s ? "target" : "source");
            n += canvas_textf(c, 1, x + n, tw - n,
                              r->mode[s] == DRIFT_MODE_CONTENTS ? THEME_ROLE_VALUE_OK
                                                                : THEME_ROLE_VALUE_WARN,
                              0, "%s%s %s: %s", s ? "  " : "", s ? "target" : "source", ctx,
                              !r->read[s]                         ? "not read"
                              : r->mode[s] == DRIFT_MODE_CONTENTS ? "contents hashed"
                                                                  : "metadata only");
        }
        if (p->data.taken > 0 && v) {
            char age[16], t[40];
            widget_age(v->now - p->data.taken, age, sizeof age);
            snprintf(t, sizeof t, "read %s ago", age);
            if (n + canvas_str_width(t) + 2 <= tw)
                canvas_text_right(c, 1, x + tw, -1, THEME_ROLE_DIM, 0, t);
        }
    }
    int y = 2;
    if (h > 3) {
        snprintf(buf, sizeof buf, "Secret contents are read only while this view is open; %s",
                 r && (r->mode[0] == DRIFT_MODE_CONTENTS || r->mode[1] == DRIFT_MODE_CONTENTS)
                     ? "values compared by keyed hash; none shown"
                     : "reading them now (values compared by keyed hash; none shown)");
        y += canvas_text_wrap(c, y, x, tw, h > 12 ? 2 : 1, THEME_ROLE_LABEL, 0, buf);
    }
    if (y < h - 1)
        canvas_text(c, y++, x, tw, THEME_ROLE_DIM, 0,
                    p->hints ? p->hints : "Enter: ConfigMap diff  Esc: close");
    int rows = h - 1 - y;
    if (rows <= 0)
        return;
    p->list_visible = rows;
    widget_list_clamp(w, rows);
    if (r != NULL && p->n == 0)
        canvas_text(c, y, x, tw, THEME_ROLE_DIM, 0, "nothing matches the filter");
    for (int i = 0; i < rows && (size_t)(w->top + i) < p->n; i++) {
        const struct vline *l = &p->lines[w->top + i];
        bool selected = w->top + i == w->sel;
        if (selected)
            canvas_fill(c, (struct rect){y + i, 1, 1, wd - 2}, THEME_ROLE_SELECTED, 0);
        canvas_text(c, y + i, x, tw, selected ? THEME_ROLE_SELECTED : l->role,
                    l->attr | (selected ? CANVAS_BOLD : 0u), l->text);
    }
    if (p->n > (size_t)rows) {
        char pos[40];
        snprintf(pos, sizeof pos, " %d/%zu ", w->sel + 1, p->n);
        canvas_text_right(c, h - 1, wd - 2, -1, THEME_ROLE_PANEL_BORDER, 0, pos);
    }
}

/* Moves the selection to the next line where it may stop, in direction dir. */
static void skip_to_stop(struct widget *w, int dir)
{
    struct drift_view *p = w->priv;
    int s = w->sel;
    while (s >= 0 && (size_t)s < p->n && !p->lines[s].sel)
        s += dir;
    if (s >= 0 && (size_t)s < p->n)
        w->sel = s;
}

static int view_key(struct widget *w, enum widget_cmd cmd)
{
    struct drift_view *p = w->priv;
    if (p->in_diff) {
        int rows = p->diff_visible > 0 ? p->diff_visible : 1;
        int n = p->diff ? (int)p->diff->n : 0;
        switch (cmd) {
        case WIDGET_UP:
            p->diff_top--;
            break;
        case WIDGET_DOWN:
            p->diff_top++;
            break;
        case WIDGET_PGUP:
            p->diff_top -= rows;
            break;
        case WIDGET_PGDN:
            p->diff_top += rows;
            break;
        case WIDGET_TOP:
            p->diff_top = 0;
            break;
        case WIDGET_BOTTOM:
            p->diff_top = n - rows;
            break;
        default:
            return ACT_NONE;
        }
        if (p->diff_top > n - rows)
            p->diff_top = n - rows;
        if (p->diff_top < 0)
            p->diff_top = 0;
        return ACT_REDRAW;
    }
    if (cmd == WIDGET_ENTER) {
        const struct drift_row *row = drift_view_selected_row(w);
        if (row == NULL || row->kind != DRIFT_CONFIGMAP)
            return ACT_NONE;
        snprintf(p->diff_ns, sizeof p->diff_ns, "%s", row->ns);
        snprintf(p->diff_name, sizeof p->diff_name, "%s", row->name);
        udiff_free(p->diff);
        p->diff = NULL;
        free(p->diff_error);
        p->diff_error = NULL;
        p->in_diff = true;
        p->diff_loading = true;
        p->diff_wanted = true;
        p->diff_top = 0;
        return ACT_REDRAW;
    }
    int visible = p->list_visible > 0 ? p->list_visible : 1;
    int before = w->sel;
    int act = widget_list_move(w, cmd, visible);
    int dir = cmd == WIDGET_UP || cmd == WIDGET_PGUP || cmd == WIDGET_TOP ? -1 : 1;
    if (cmd == WIDGET_BOTTOM)
        dir = -1;
    skip_to_stop(w, dir);
    if ((size_t)w->sel < p->n && !p->lines[w->sel].sel)
        skip_to_stop(w, -dir);
    if ((size_t)w->sel < p->n && !p->lines[w->sel].sel)
        w->sel = before;
    widget_list_clamp(w, visible);
    sel_identity(p, w->sel, p->sel_key, sizeof p->sel_key);
    return act | ACT_REDRAW;
}

static void view_fini(struct widget *w)
{
    struct drift_view *p = w->priv;
    lines_clear(p);
    free(p->lines);
    free(p->hints);
    udiff_free(p->diff);
    free(p->diff_error);
    free(p);
}

static const struct widget_class view_class = {
    .name = "drift-view",
    .layout = view_layout,
    .update = view_update,
    .draw = view_draw,
    .key = view_key,
    .fini = view_fini,
};

struct widget *drift_view_new(void)
{
    struct drift_view *p = xcalloc(1, sizeof *p);
    return widget_new(&view_class, p);
}

void drift_view_set(struct widget *w, const struct drift_ui_data *data)
{
    struct drift_view *p = w->priv;
    if (p->sel_key[0] == '\0')
        sel_identity(p, w->sel, p->sel_key, sizeof p->sel_key);
    p->data = *data;
    /* the old lines point into the old report: drop them until the next update */
    lines_clear(p);
    w->nrows = 0;
}

void drift_view_set_hints(struct widget *w, const char *hints)
{
    struct drift_view *p = w->priv;
    free(p->hints);
    p->hints = hints && hints[0] ? xstrdup(hints) : NULL;
}

const struct drift_row *drift_view_selected_row(const struct widget *w)
{
    const struct drift_view *p = w->priv;
    if (p->data.report == NULL || w->sel < 0 || (size_t)w->sel >= p->n)
        return NULL;
    int ri = p->lines[w->sel].row;
    return ri >= 0 ? &p->data.report->rows[ri] : NULL;
}

const struct drift_es *drift_view_selected_es(const struct widget *w, int *side)
{
    const struct drift_view *p = w->priv;
    const struct drift_report *r = p->data.report;
    if (r == NULL || w->sel < 0 || (size_t)w->sel >= p->n)
        return NULL;
    const struct vline *l = &p->lines[w->sel];
    if (l->es >= 0) {
        if (side)
            *side = (int)r->es[l->es].side;
        return r->es[l->es].es;
    }
    if (l->row >= 0) {
        const struct drift_row *row = &r->rows[l->row];
        for (int s = 1; s >= 0; s--)
            if (row->es[s]) {
                if (side)
                    *side = s;
                return row->es[s];
            }
    }
    return NULL;
}

bool drift_view_take_diff_request(struct widget *w, char *ns, size_t nslen, char *name,
                                  size_t namelen)
{
    struct drift_view *p = w->priv;
    if (!p->diff_wanted)
        return false;
    p->diff_wanted = false;
    snprintf(ns, nslen, "%s", p->diff_ns);
    snprintf(name, namelen, "%s", p->diff_name);
    return true;
}

void drift_view_set_diff(struct widget *w, const char *ns, const char *name, struct udiff *diff,
                         const char *error)
{
    struct drift_view *p = w->priv;
    if (!p->in_diff || strcmp(ns, p->diff_ns) != 0 || strcmp(name, p->diff_name) != 0) {
        udiff_free(diff); /* the user went elsewhere meanwhile */
        return;
    }
    udiff_free(p->diff);
    p->diff = diff;
    free(p->diff_error);
    p->diff_error = error ? xstrdup(error) : NULL;
    p->diff_loading = false;
    p->diff_top = 0;
}

bool drift_view_in_diff(const struct widget *w)
{
    const struct drift_view *p = w->priv;
    return p->in_diff;
}

void drift_view_close_diff(struct widget *w)
{
    struct drift_view *p = w->priv;
    p->in_diff = false;
    p->diff_loading = false;
    p->diff_wanted = false;
    udiff_free(p->diff);
    p->diff = NULL;
}
