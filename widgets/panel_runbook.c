/* The Runbook panel: steps and their states, the current step's gates, action, approval and soak,
 * the Lease holder and the driving keys (never for an observer). */
#include "cutover/panel_runbook.h"

#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rbp_gate {
    enum runbook_verdict verdict;
    char reason[256];
};

struct rbp_priv {
    const struct runbook *rb;
    enum runbook_step_state *states;
    size_t nsteps;
    size_t current;
    struct rbp_gate *gates;
    size_t ngates;
    bool evaluated;
    char *lease;
    bool observer;
    int64_t soak_left_s;
    char *message;
    bool description;
    char **lines; /* the driver's last lines */
    size_t nlines;
    char *hints;
};

static void rbp_clear(struct rbp_priv *p)
{
    free(p->states);
    free(p->gates);
    free(p->lease);
    free(p->message);
    for (size_t i = 0; i < p->nlines; i++)
        free(p->lines[i]);
    free(p->lines);
    free(p->hints);
    memset(p, 0, sizeof *p);
    p->soak_left_s = -1;
}

void panel_runbook_set(struct widget *w, const struct panel_runbook_state *st)
{
    struct rbp_priv *p = w->priv;
    rbp_clear(p);
    if (st == NULL || st->rb == NULL)
        return;
    p->rb = st->rb;
    p->nsteps = st->rb->nsteps;
    p->states = xcalloc(p->nsteps ? p->nsteps : 1, sizeof *p->states);
    if (st->states != NULL)
        memcpy(p->states, st->states, p->nsteps * sizeof *p->states);
    p->current = st->current;
    p->evaluated = st->gates != NULL;
    p->ngates = st->gates ? st->ngates : 0;
    p->gates = xcalloc(p->ngates ? p->ngates : 1, sizeof *p->gates);
    for (size_t i = 0; i < p->ngates; i++) {
        p->gates[i].verdict = st->gates[i].verdict;
        snprintf(p->gates[i].reason, sizeof p->gates[i].reason, "%s", st->gates[i].reason);
    }
    p->lease = xstrdup_null(st->lease);
    p->observer = st->observer;
    p->soak_left_s = st->soak_left_s;
    p->message = xstrdup_null(st->message);
    p->description = st->description && !st->observer;
    if (!st->observer && st->lines != NULL && st->nlines > 0) {
        p->lines = xcalloc(st->nlines, sizeof *p->lines);
        for (size_t i = 0; i < st->nlines; i++)
            p->lines[p->nlines++] = xstrdup(st->lines[i] ? st->lines[i] : "");
    }
    p->hints = st->observer ? NULL : xstrdup_null(st->hints);
    w->nrows = (int)p->nsteps;
    if (w->sel < 0 || (size_t)w->sel >= p->nsteps)
        w->sel = p->current < p->nsteps ? (int)p->current : 0;
}

static int state_role(enum runbook_step_state s)
{
    switch (s) {
    case RUNBOOK_STEP_DONE:
        return THEME_ROLE_VALUE_OK;
    case RUNBOOK_STEP_FAILED:
        return THEME_ROLE_VALUE_CRIT;
    case RUNBOOK_STEP_RUNNING:
    case RUNBOOK_STEP_SOAKING:
    case RUNBOOK_STEP_ROLLED_BACK:
        return THEME_ROLE_VALUE_WARN;
    default:
        return THEME_ROLE_DIM;
    }
}

static int verdict_role(enum runbook_verdict v)
{
    return v == RUNBOOK_PASS   ? THEME_ROLE_VALUE_OK
           : v == RUNBOOK_FAIL ? THEME_ROLE_VALUE_CRIT
                               : THEME_ROLE_STALE;
}

static const char *verdict_text(enum runbook_verdict v)
{
    return v == RUNBOOK_PASS ? "PASS" : v == RUNBOOK_FAIL ? "FAIL" : "????";
}

static void rbp_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused)
{
    (void)v;
    struct rbp_priv *p = w->priv;
    int h = canvas_height(c), wd = canvas_width(c);
    char title[160];
    if (p->rb == NULL)
        snprintf(title, sizeof title, "Runbook");
    else
        snprintf(title, sizeof title, "Runbook %s: %s -> %s", p->rb->name, p->rb->source,
                 p->rb->target);
    canvas_box(c, (struct rect){0, 0, h, wd}, THEME_ROLE_PANEL_BORDER, title,
               focused ? THEME_ROLE_PANEL_TITLE_FOCUS : THEME_ROLE_PANEL_TITLE);
    struct canvas in = canvas_sub(c, (struct rect){1, 1, h - 2, wd - 2});
    int iw = wd - 2, ih = h - 2;
    if (p->rb == NULL) {
        canvas_text(&in, 0, 1, iw - 1, THEME_ROLE_DIM, 0, "no runbook");
        return;
    }
    int y = 0;
    /* who drives */
    int x = canvas_text(&in, y, 1, -1, p->observer ? THEME_ROLE_OBSERVER : THEME_ROLE_RUNBOOK,
                        CANVAS_BOLD, p->observer ? "OBSERVER" : "DRIVING");
    canvas_textf(&in, y, x + 2, iw - x - 3, THEME_ROLE_LABEL, 0, "Lease %s",
                 p->lease ? p->lease : "?");
    y++;
    /* the steps: as many as fit, the current one kept in view */
    int nsaid = p->nlines < PANEL_RUNBOOK_LINES ? (int)p->nlines : PANEL_RUNBOOK_LINES;
    int gate_rows = (int)p->ngates + 3 + (p->observer ? 0 : 1) + (p->message ? 1 : 0) +
                    (p->description ? 1 : 0) + nsaid;
    int room = ih - y - gate_rows;
    if (room < 1)
        room = 1;
    size_t first = 0;
    if (p->current < p->nsteps && (int)p->current >= room)
        first = p->current - (size_t)room + 1;
    for (size_t i = first; i < p->nsteps && y < ih && (int)(i - first) < room; i++, y++) {
        bool cur = i == p->current;
        canvas_text(&in, y, 0, 1, THEME_ROLE_RUNBOOK, CANVAS_BOLD, cur ? ">" : " ");
        canvas_textf(&in, y, 1, 4, THEME_ROLE_LABEL, 0, "%zu.", i + 1);
        canvas_text(&in, y, 5, 12, state_role(p->states[i]), cur ? CANVAS_BOLD : 0,
                    runbook_step_state_name(p->states[i]));
        canvas_text(&in, y, 17, iw - 17, cur ? THEME_ROLE_VALUE : THEME_ROLE_LABEL,
                    cur ? CANVAS_BOLD : 0, p->rb->steps[i].title);
    }
    if (p->current >= p->nsteps) {
        if (y < ih)
            canvas_text(&in, y++, 1, iw - 1, THEME_ROLE_VALUE_OK, CANVAS_BOLD,
                        "every step is done");
    } else {
        const struct runbook_step *s = &p->rb->steps[p->current];
        if (p->description && s->description != NULL && y < ih) {
            /* its first line: the rest is in the file */
            char dl[256];
            size_t n = strcspn(s->description, "\n");
            snprintf(dl, sizeof dl, "%.*s", (int)(n < sizeof dl ? n : sizeof dl - 1),
                     s->description);
            canvas_text(&in, y++, 1, iw - 1, THEME_ROLE_DIM, 0, dl);
        }
        if (y < ih)
            canvas_textf(&in, y++, 1, iw - 1, THEME_ROLE_LABEL, CANVAS_BOLD, "gates of step %zu:%s",
                         p->current + 1,
                         s->nchecks == 0 ? " none"
                         : p->evaluated  ? ""
                                         : " not evaluated yet");
        for (size_t i = 0; i < s->nchecks && y < ih; i++, y++) {
            char d[256];
            runbook_check_describe(&s->checks[i], d, sizeof d);
            enum runbook_verdict vd = i < p->ngates ? p->gates[i].verdict : RUNBOOK_UNKNOWN;
            canvas_text(&in, y, 2, 4, verdict_role(vd), CANVAS_BOLD, verdict_text(vd));
            int used = canvas_textf(&in, y, 7, iw - 7, THEME_ROLE_VALUE, 0, "%s", d);
            if (i < p->ngates && 7 + used + 2 < iw)
                canvas_textf(&in, y, 7 + used, iw - 7 - used, THEME_ROLE_DIM, 0, ": %s",
                             p->gates[i].reason);
        }
        if (y < ih) {
            char a[256], line[512], soak[32];
            runbook_action_describe(&s->action, a, sizeof a);
            int n = snprintf(line, sizeof line, "action: %s", a);
            if (s->approval != NULL && n > 0 && (size_t)n < sizeof line)
                n += snprintf(line + n, sizeof line - (size_t)n, "  approval: %s", s->approval);
            if (s->soak_s > 0 && n > 0 && (size_t)n < sizeof line) {
                if (p->soak_left_s >= 0)
                    snprintf(line + n, sizeof line - (size_t)n, "  soak: %s left",
                             runbook_format_duration(p->soak_left_s, soak, sizeof soak));
                else
                    snprintf(line + n, sizeof line - (size_t)n, "  soak: %s",
                             runbook_format_duration(s->soak_s, soak, sizeof soak));
            }
            canvas_text(&in, y++, 1, iw - 1, THEME_ROLE_VALUE, 0, line);
        }
    }
    if (p->message && y < ih)
        canvas_text(&in, y++, 1, iw - 1, THEME_ROLE_VALUE_WARN, 0, p->message);
    /* what the driver said last, as many as fit above the keys */
    int keep = ih - 1 - y;
    if (keep > nsaid)
        keep = nsaid;
    for (size_t i = keep > 0 ? p->nlines - (size_t)keep : p->nlines; i < p->nlines && y < ih - 1;
         i++)
        canvas_textf(&in, y++, 1, iw - 1, THEME_ROLE_DIM, 0, "| %s", p->lines[i]);
    /* the driving keys: absent, not greyed, for an observer */
    if (!p->observer && ih > 0)
        canvas_text(&in, ih - 1, 1, iw - 1, THEME_ROLE_HELP_TEXT, 0,
                    p->hints ? p->hints : "Enter: run the step   a: abort   R: roll back the step");
}

static int rbp_key(struct widget *w, enum widget_cmd cmd)
{
    return widget_list_move(w, cmd, w->nrows);
}

static void rbp_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len)
{
    (void)v;
    struct rbp_priv *p = w->priv;
    if (p->rb == NULL)
        snprintf(buf, len, "Runbook: none");
    else if (p->current >= p->nsteps)
        snprintf(buf, len, "Runbook %s: all %zu steps done", p->rb->name, p->nsteps);
    else
        snprintf(buf, len, "Runbook %s: step %zu/%zu %s (%s)", p->rb->name, p->current + 1,
                 p->nsteps, p->rb->steps[p->current].title,
                 runbook_step_state_name(p->states[p->current]));
}

static void rbp_fini(struct widget *w)
{
    struct rbp_priv *p = w->priv;
    rbp_clear(p);
    free(p);
}

static const struct widget_class panel_runbook_class = {
    .name = "runbook",
    .draw = rbp_draw,
    .key = rbp_key,
    .summary = rbp_summary,
    .fini = rbp_fini,
};

struct widget *panel_runbook_new(void)
{
    struct rbp_priv *p = xcalloc(1, sizeof *p);
    p->soak_left_s = -1;
    return widget_new(&panel_runbook_class, p);
}
