/* The Secrets drift panel: mode, counts, External Secrets, ignored counts, the worst rows. */
#include "cutover/panel_drift.h"

#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct drift_panel {
    struct drift_ui_data data;
};

const char *panel_drift_state_words(enum drift_state st)
{
    switch (st) {
    case DRIFT_EQUAL:
        return "equal";
    case DRIFT_MISSING_TARGET:
        return "missing on target";
    case DRIFT_MISSING_SOURCE:
        return "missing on source";
    case DRIFT_TYPE_DIFFERS:
        return "type differs";
    case DRIFT_KEYS_DIFFER:
        return "keys differ";
    case DRIFT_VALUES_DIFFER:
        return "value differs";
    case DRIFT_UNKNOWN:
        return "not compared";
    case DRIFT_IGNORED:
        return "ignored";
    default:
        return "?";
    }
}

const char *panel_drift_mode_text(const struct drift_report *r, char *buf, size_t len)
{
    if (r == NULL) {
        snprintf(buf, len, "not read yet");
    } else if (!r->read[0] && !r->read[1]) {
        snprintf(buf, len, "Secrets could not be read");
    } else if (r->mode[0] == DRIFT_MODE_CONTENTS && r->mode[1] == DRIFT_MODE_CONTENTS) {
        snprintf(buf, len, "values compared by keyed hash; none shown");
    } else if (r->mode[0] == DRIFT_MODE_METADATA && r->mode[1] == DRIFT_MODE_METADATA) {
        snprintf(buf, len, "metadata only: values not read (the drift view compares them)");
    } else {
        snprintf(buf, len, "source: %s, target: %s (values compared by keyed hash; none shown)",
                 r->mode[0] == DRIFT_MODE_CONTENTS ? "contents" : "metadata only",
                 r->mode[1] == DRIFT_MODE_CONTENTS ? "contents" : "metadata only");
    }
    return buf;
}

const char *panel_drift_counts_text(const int counts[DRIFT_STATE_COUNT], char *buf, size_t len)
{
    static const enum drift_state order[] = {
        DRIFT_MISSING_TARGET, DRIFT_MISSING_SOURCE, DRIFT_TYPE_DIFFERS, DRIFT_KEYS_DIFFER,
        DRIFT_VALUES_DIFFER,  DRIFT_UNKNOWN,        DRIFT_EQUAL,
    };
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0] && off < len; i++) {
        int n = counts[order[i]];
        if (n == 0)
            continue;
        const char *words = panel_drift_state_words(order[i]);
        if (order[i] == DRIFT_VALUES_DIFFER && n > 1)
            words = "values differ";
        off += (size_t)snprintf(buf + off, len - off, "%s%d %s", off ? ", " : "", n, words);
    }
    if (off == 0)
        snprintf(buf, len, "none");
    return buf;
}

static int differing(const int counts[DRIFT_STATE_COUNT])
{
    return counts[DRIFT_MISSING_TARGET] + counts[DRIFT_MISSING_SOURCE] +
           counts[DRIFT_TYPE_DIFFERS] + counts[DRIFT_KEYS_DIFFER] + counts[DRIFT_VALUES_DIFFER];
}

/* "ignored 9: 4 type kubernetes.io/service-account-token, 3 helm release secrets ..." */
static const char *ignored_text(const struct drift_report *r, char *buf, size_t len)
{
    size_t off = (size_t)snprintf(buf, len, "ignored %d", r->counts.ignored);
    bool first = true;
    for (size_t i = 0; i < r->nrules && off < len; i++) {
        int n = r->rules[i].secrets + r->rules[i].configmaps;
        if (n == 0)
            continue;
        char d[200];
        drift_rule_describe(&r->rules[i].rule, d, sizeof d);
        off += (size_t)snprintf(buf + off, len - off, "%s%d %s", first ? ": " : ", ", n, d);
        first = false;
    }
    return buf;
}

static const char *es_text(const struct drift_report *r, char *buf, size_t len)
{
    const struct drift_counts *c = &r->counts;
    size_t off = (size_t)snprintf(buf, len, "ExternalSecrets %d", c->es_total);
    const char *sep = ": ";
    if (c->es_state[DRIFT_ES_SYNC_ERROR] && off < len) {
        off += (size_t)snprintf(buf + off, len - off, "%s%d SecretSyncedError", sep,
                                c->es_state[DRIFT_ES_SYNC_ERROR]);
        sep = ", ";
    }
    if (c->sot[DRIFT_SOT_DIFFERS] && off < len) {
        off += (size_t)snprintf(buf + off, len - off, "%s%d stale vs Secrets Manager", sep,
                                c->sot[DRIFT_SOT_DIFFERS]);
        sep = ", ";
    }
    if (c->sot[DRIFT_SOT_UNREADABLE] && off < len) {
        off += (size_t)snprintf(buf + off, len - off, "%s%d source of truth unreadable", sep,
                                c->sot[DRIFT_SOT_UNREADABLE]);
        sep = ", ";
    }
    if (c->es_target_missing && off < len) {
        off += (size_t)snprintf(buf + off, len - off, "%s%d target Secret missing", sep,
                                c->es_target_missing);
        sep = ", ";
    }
    if (c->sot[DRIFT_SOT_MATCHES] && off < len)
        off += (size_t)snprintf(buf + off, len - off, "%s%d match Secrets Manager", sep,
                                c->sot[DRIFT_SOT_MATCHES]);
    if (c->es_state[DRIFT_ES_SYNCED] && off < len && strcmp(sep, ": ") == 0)
        snprintf(buf + off, len - off, ": %d synced", c->es_state[DRIFT_ES_SYNCED]);
    return buf;
}

static int state_role(enum drift_state st)
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

static void drift_draw(struct widget *w, struct canvas *c, const struct widget_view *v,
                       bool focused)
{
    struct drift_panel *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, "Secrets drift",
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    int x = 2, tw = wd - 4, y = 1, last = h - 2;
    if (tw <= 0 || last < 1)
        return;
    const struct drift_report *r = p->data.report;
    char buf[1024];
    if (!p->data.configured) {
        canvas_text(c, y, x, tw, THEME_ROLE_DIM, 0, "Secret drift: not configured");
        return;
    }
    if (r == NULL) {
        canvas_text(c, y, x, tw, THEME_ROLE_DIM, 0,
                    p->data.contents_asked ? "reading Secrets (contents, hashed)..."
                                           : "reading Secrets (metadata only)...");
        return;
    }
    bool contents = r->mode[0] == DRIFT_MODE_CONTENTS || r->mode[1] == DRIFT_MODE_CONTENTS;
    if (last == y) {
        /* one row (the wide layout): the mode first, then what differs; Enter opens the view */
        int dif = differing(r->counts.secrets), cdif = differing(r->counts.configmaps);
        int bad = r->counts.es_state[DRIFT_ES_SYNC_ERROR], stale = r->counts.sot[DRIFT_SOT_DIFFERS];
        snprintf(buf, sizeof buf,
                 "%s | %d Secrets + %d ConfigMaps differ, %d ExternalSecret errors, %d stale vs "
                 "Secrets Manager, %d ignored",
                 contents ? "values by keyed hash, none shown" : "metadata only", dif, cdif, bad,
                 stale, r->counts.ignored);
        canvas_text(c, y, x, tw, dif || cdif || bad || stale ? THEME_ROLE_DRIFT : THEME_ROLE_VALUE,
                    0, buf);
        return;
    }
    int mx = canvas_text(c, y, x, tw, THEME_ROLE_LABEL, CANVAS_BOLD,
                         contents ? "contents: " : "secrets: ");
    panel_drift_mode_text(r, buf, sizeof buf);
    canvas_text(c, y, x + mx, tw - mx, contents ? THEME_ROLE_VALUE_OK : THEME_ROLE_VALUE_WARN, 0,
                buf);
    if (p->data.taken > 0 && v) {
        char age[16], t[32];
        widget_age(v->now - p->data.taken, age, sizeof age);
        snprintf(t, sizeof t, " read %s ago", age);
        int used = mx + canvas_str_width(buf);
        if (used + canvas_str_width(t) + 1 <= tw)
            canvas_text_right(c, y, x + tw, -1, THEME_ROLE_DIM, 0, t);
    }
    y++;
    for (int s = 0; s < 2 && y <= last; s++) {
        if (r->error[s] == NULL)
            continue;
        char safe[512];
        text_sanitize_buf(r->error[s], safe, sizeof safe);
        canvas_textf(c, y++, x, tw, THEME_ROLE_ERROR, 0, "%s: %s", s ? "target" : "source", safe);
    }
    /* the summary lines wrap onto a second line while the panel has rows to spare (the lines
     * that follow, three at most, then get one each) */
    int rows_left = last - y + 1, wrap = rows_left >= 8 ? 2 : 1;
    if (y <= last) {
        int n = canvas_text(c, y, x, tw, THEME_ROLE_LABEL, 0, "Secrets    ");
        panel_drift_counts_text(r->counts.secrets, buf, sizeof buf);
        y += canvas_text_wrap(c, y, x + n, tw - n, wrap,
                              differing(r->counts.secrets) ? THEME_ROLE_DRIFT : THEME_ROLE_VALUE, 0,
                              buf);
    }
    if (y <= last) {
        int n = canvas_text(c, y, x, tw, THEME_ROLE_LABEL, 0, "ConfigMaps ");
        panel_drift_counts_text(r->counts.configmaps, buf, sizeof buf);
        y += canvas_text_wrap(c, y, x + n, tw - n, wrap,
                              differing(r->counts.configmaps) ? THEME_ROLE_DRIFT : THEME_ROLE_VALUE,
                              0, buf);
    }
    if (y <= last && r->counts.es_total > 0) {
        es_text(r, buf, sizeof buf);
        bool bad = r->counts.es_state[DRIFT_ES_SYNC_ERROR] || r->counts.sot[DRIFT_SOT_DIFFERS] ||
                   r->counts.sot[DRIFT_SOT_UNREADABLE] || r->counts.es_target_missing;
        int lim = last - y + 1 < wrap ? last - y + 1 : wrap;
        y += canvas_text_wrap(c, y, x, tw, lim, bad ? THEME_ROLE_VALUE_WARN : THEME_ROLE_VALUE, 0,
                              buf);
    }
    if (y <= last) {
        ignored_text(r, buf, sizeof buf);
        int lim = last - y + 1 < wrap ? last - y + 1 : wrap;
        y += canvas_text_wrap(c, y, x, tw, lim, THEME_ROLE_DIM, 0, buf);
    }
    /* the worst rows while room is left (the view lists them all), then how to see more */
    bool hint = last - y >= 2;
    if (hint)
        canvas_text(c, last--, x, tw, THEME_ROLE_DIM, 0,
                    contents ? "Enter: the drift view (every key, External Secrets, diffs)"
                             : "Enter: the drift view (reads Secret contents, hashed, while open)");
    for (size_t i = 0; i < r->nrows && y <= last; i++) {
        const struct drift_row *row = &r->rows[i];
        if (row->state == DRIFT_EQUAL || row->state == DRIFT_IGNORED || row->state == DRIFT_UNKNOWN)
            break;
        char id[600];
        snprintf(id, sizeof id, "%s/%s", row->ns, row->name);
        if (!widget_filter_match(v ? v->filter : NULL, row->ns, id))
            continue;
        char safe[600];
        text_sanitize_buf(id, safe, sizeof safe);
        int n = canvas_textf(c, y, x, tw, state_role(row->state), CANVAS_BOLD, "%-17s ",
                             panel_drift_state_words(row->state));
        canvas_textf(c, y++, x + n, tw - n, THEME_ROLE_VALUE, 0, "%s %s",
                     row->kind == DRIFT_SECRET ? "Secret" : "ConfigMap", safe);
    }
}

static void drift_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)v;
    struct drift_panel *p = w->priv;
    const struct drift_report *r = p->data.report;
    if (!p->data.configured) {
        snprintf(buf, len, "Secrets drift: Secret drift: not configured");
        return;
    }
    if (r == NULL) {
        snprintf(buf, len, "Secrets drift: reading...");
        return;
    }
    bool contents = r->mode[0] == DRIFT_MODE_CONTENTS || r->mode[1] == DRIFT_MODE_CONTENTS;
    snprintf(buf, len,
             "Secrets drift: %d Secrets differ, %d ConfigMaps differ, %d ExternalSecret errors, "
             "%d ignored (%s)",
             differing(r->counts.secrets), differing(r->counts.configmaps),
             r->counts.es_state[DRIFT_ES_SYNC_ERROR], r->counts.ignored,
             contents ? "values compared by keyed hash; none shown" : "metadata only");
}

static void drift_fini(struct widget *w)
{
    free(w->priv);
}

static const struct widget_class drift_class = {
    .name = "drift",
    .draw = drift_draw,
    .summary = drift_summary,
    .fini = drift_fini,
};

struct widget *panel_drift_new(void)
{
    struct drift_panel *p = xcalloc(1, sizeof *p);
    return widget_new(&drift_class, p);
}

void panel_drift_set(struct widget *w, const struct drift_ui_data *data)
{
    struct drift_panel *p = w->priv;
    p->data = *data;
}
