/* The traffic change engine: preview, journaled apply with read-back, last known-good, resume
 * (include/cutover/traffic_change.h). The provider and the journal do all I/O. */
#include "cutover/traffic_change.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cutover/text.h"
#include "cutover/xalloc.h"

#define STALE_MS_DEFAULT 30000

struct traffic_change {
    pthread_mutex_t lock;
    struct journal *journal; /* borrowed; appends are thread-safe on their own */
    struct traffic_change_opts opts;
    char **busy; /* guarded by lock: targets with a change running */
    size_t nbusy;
};

static const char *const change_names[TRAFFIC_CHANGE_KINDS] = {
    [TRAFFIC_CHANGE_NEXT] = "next",       [TRAFFIC_CHANGE_PREV] = "prev",
    [TRAFFIC_CHANGE_SET] = "set",         [TRAFFIC_CHANGE_ROLLBACK] = "rollback",
    [TRAFFIC_CHANGE_FORWARD] = "forward",
};

const char *traffic_change_kind_name(enum traffic_change_kind kind)
{
    if ((int)kind < 0 || kind >= TRAFFIC_CHANGE_KINDS)
        return "?";
    return change_names[kind];
}

const char *traffic_outcome_status_name(enum traffic_outcome_status s)
{
    switch (s) {
    case TRAFFIC_OUTCOME_REFUSED:
        return "refused";
    case TRAFFIC_OUTCOME_DONE:
        return "done";
    case TRAFFIC_OUTCOME_FAILED:
        return "failed-nothing-changed";
    case TRAFFIC_OUTCOME_PARTIAL:
        return "partial";
    case TRAFFIC_OUTCOME_UNKNOWN:
        return "unknown";
    }
    return "?";
}

int traffic_change_new(struct journal *j, const struct traffic_change_opts *opts,
                       struct traffic_change **out)
{
    struct traffic_change *tc = xcalloc(1, sizeof *tc);
    XPTHREAD(pthread_mutex_init(&tc->lock, NULL));
    tc->journal = j;
    if (opts != NULL)
        tc->opts = *opts;
    if (tc->opts.stale_ms <= 0)
        tc->opts.stale_ms = STALE_MS_DEFAULT;
    *out = tc;
    return 0;
}

void traffic_change_free(struct traffic_change *tc)
{
    if (tc == NULL)
        return;
    for (size_t i = 0; i < tc->nbusy; i++)
        free(tc->busy[i]);
    free(tc->busy);
    XPTHREAD(pthread_mutex_destroy(&tc->lock));
    free(tc);
}

/* ---- small helpers ------------------------------------------------------------------------ */

static bool weights_eq(const struct traffic_weights *a, const struct traffic_weights *b)
{
    return a->w[0] == b->w[0] && a->w[1] == b->w[1];
}

static json_object *weights_json(const struct traffic_weights *w)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "old", json_object_new_int(w->w[TRAFFIC_OLD]));
    json_object_object_add(o, "new", json_object_new_int(w->w[TRAFFIC_NEW]));
    return o;
}

static bool weights_from_json(json_object *parent, const char *key, struct traffic_weights *w)
{
    json_object *o, *a, *b;
    if (!json_object_object_get_ex(parent, key, &o) || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "old", &a) || !json_object_object_get_ex(o, "new", &b) ||
        !json_object_is_type(a, json_type_int) || !json_object_is_type(b, json_type_int))
        return false;
    int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);
    if (x < 0 || y < 0 || x > 1000000 || y > 1000000)
        return false;
    w->w[TRAFFIC_OLD] = (int)x;
    w->w[TRAFFIC_NEW] = (int)y;
    return true;
}

static const char *json_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void progress(struct traffic_change *tc, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void progress(struct traffic_change *tc, const char *target, const char *fmt, ...)
{
    if (tc->opts.progress == NULL)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tc->opts.progress(target, buf, tc->opts.progress_ctx);
}

static bool busy_claim(struct traffic_change *tc, const char *target)
{
    bool ok = true;
    XPTHREAD(pthread_mutex_lock(&tc->lock));
    for (size_t i = 0; i < tc->nbusy; i++)
        if (strcmp(tc->busy[i], target) == 0)
            ok = false;
    if (ok) {
        tc->busy = xreallocarray(tc->busy, tc->nbusy + 1, sizeof *tc->busy);
        tc->busy[tc->nbusy++] = xstrdup(target);
    }
    XPTHREAD(pthread_mutex_unlock(&tc->lock));
    return ok;
}

static bool busy_is(struct traffic_change *tc, const char *target)
{
    bool busy = false;
    XPTHREAD(pthread_mutex_lock(&tc->lock));
    for (size_t i = 0; i < tc->nbusy; i++)
        if (strcmp(tc->busy[i], target) == 0)
            busy = true;
    XPTHREAD(pthread_mutex_unlock(&tc->lock));
    return busy;
}

static void busy_release(struct traffic_change *tc, const char *target)
{
    XPTHREAD(pthread_mutex_lock(&tc->lock));
    for (size_t i = 0; i < tc->nbusy; i++) {
        if (strcmp(tc->busy[i], target) == 0) {
            free(tc->busy[i]);
            tc->busy[i] = tc->busy[--tc->nbusy];
            break;
        }
    }
    XPTHREAD(pthread_mutex_unlock(&tc->lock));
}

/* ---- the journal's history of one target -------------------------------------------------- */

struct change_rec {
    char *id;
    char *action;
    struct traffic_weights before, after, known_good;
    bool have_before, have_after, have_known_good;
    char *outcome; /* NULL: no result yet */
    size_t order;  /* position of its result among results (1-based), 0 none */
};

struct history {
    const char *target;
    struct change_rec *v;
    size_t n;
    size_t nresults;
};

static int history_record(const struct journal_record *rec, void *ctx)
{
    struct history *h = ctx;
    const char *target = json_str(rec->fields, "target");
    if (target == NULL || strcmp(target, h->target) != 0)
        return 0;
    if (rec->kind == JOURNAL_INTENT) {
        const char *action = json_str(rec->fields, "action");
        if (action == NULL || strncmp(action, "traffic.", 8) != 0)
            return 0;
        h->v = xreallocarray(h->v, h->n + 1, sizeof *h->v);
        struct change_rec *c = &h->v[h->n++];
        memset(c, 0, sizeof *c);
        c->id = xstrdup(rec->id);
        c->action = xstrdup(action);
        c->have_before = weights_from_json(rec->fields, "before", &c->before);
        c->have_after = weights_from_json(rec->fields, "after", &c->after);
        c->have_known_good = weights_from_json(rec->fields, "known_good", &c->known_good);
    } else if (rec->kind == JOURNAL_RESULT) {
        const char *outcome = json_str(rec->fields, "outcome");
        for (size_t i = h->n; i-- > 0;) {
            struct change_rec *c = &h->v[i];
            if (strcmp(c->id, rec->id) == 0 && c->outcome == NULL) {
                c->outcome = xstrdup(outcome != NULL ? outcome : "?");
                c->order = ++h->nresults;
                break;
            }
        }
    }
    return 0;
}

static void history_free(struct history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].id);
        free(h->v[i].action);
        free(h->v[i].outcome);
    }
    free(h->v);
}

static int history_load(struct traffic_change *tc, const char *target, struct history *h,
                        struct error *err)
{
    memset(h, 0, sizeof *h);
    h->target = target;
    if (tc->journal == NULL) {
        error_set(err, "no journal: changes are refused");
        return -1;
    }
    struct error e;
    error_clear(&e);
    int rc = journal_read(journal_path(tc->journal), history_record, NULL, h, NULL, &e);
    if (rc < 0 && rc != -ENOENT) { /* no file: nothing recorded yet */
        history_free(h);
        error_set(err, "cannot read the journal: %s", e.msg);
        return -1;
    }
    return 0;
}

/* The change whose result came last, or NULL. */
static const struct change_rec *history_latest(const struct history *h, bool skip_rollbacks,
                                               bool (*ok)(const char *outcome))
{
    const struct change_rec *best = NULL;
    for (size_t i = 0; i < h->n; i++) {
        const struct change_rec *c = &h->v[i];
        if (c->outcome == NULL)
            continue;
        if (skip_rollbacks && strcmp(c->action, "traffic.rollback") == 0)
            continue;
        if (ok != NULL && !ok(c->outcome))
            continue;
        if (best == NULL || c->order > best->order)
            best = c;
    }
    return best;
}

/* A recorded change that may have moved weights: its "before" is a known-good state. */
static bool outcome_moved(const char *o)
{
    return strcmp(o, "done") == 0 || strcmp(o, "partial") == 0 ||
           strcmp(o, "applied-before-crash") == 0 || strcmp(o, "unknown") == 0;
}

static bool known_good_of(const struct change_rec *c, struct traffic_weights *w)
{
    if (c->have_known_good) {
        *w = c->known_good;
        return true;
    }
    if (c->have_before) {
        *w = c->before;
        return true;
    }
    return false;
}

int traffic_change_last_good(struct traffic_change *tc, const char *target,
                             struct traffic_weights *w, struct error *err)
{
    struct history h;
    if (history_load(tc, target, &h, err) < 0)
        return -1;
    const struct change_rec *c = history_latest(&h, true, outcome_moved);
    int rc = 0;
    if (c == NULL || !known_good_of(c, w)) {
        error_set(err,
                  "no earlier change of %s is recorded in the journal: nothing to roll back to",
                  target);
        rc = -1;
    }
    history_free(&h);
    return rc;
}

/* ---- prepare ------------------------------------------------------------------------------ */

void traffic_preview_free(struct traffic_preview *pv)
{
    if (pv == NULL)
        return;
    traffic_target_cfg_fini(&pv->cfg);
    for (size_t i = 0; i < pv->ncalls; i++)
        free(pv->calls[i]);
    free(pv->calls);
    for (size_t i = 0; i < pv->nlines; i++)
        free(pv->lines[i]);
    free(pv->lines);
    free(pv->confirm_prompt);
    free(pv->title);
    free(pv);
}

static void add_line(struct traffic_preview *pv, char *raw)
{
    pv->lines = xreallocarray(pv->lines, pv->nlines + 1, sizeof *pv->lines);
    pv->lines[pv->nlines++] = text_sanitize(raw);
    free(raw);
}

static char *pct_text(int pct)
{
    return pct < 0 ? xstrdup("?") : xasprintf("%d%%", pct);
}

static char *step_text(const struct traffic_target_cfg *cfg, int step, int pct)
{
    char *p = pct_text(pct);
    char *s;
    if (step >= 0)
        s = xasprintf("step %d/%zu (%s)", step + 1, cfg->nplan, p);
    else
        s = xasprintf("between steps (%s)", p);
    free(p);
    return s;
}

static int side_pct(const struct traffic_weights *w, int side)
{
    int p = traffic_percent_of(w->w[TRAFFIC_OLD], w->w[TRAFFIC_NEW]);
    if (p < 0)
        return -1;
    return side == TRAFFIC_NEW ? p : 100 - p;
}

static void preview_text(struct traffic_preview *pv)
{
    const char *name = pv->cfg.name;
    char *b = pct_text(pv->before_pct), *a = pct_text(pv->after_pct);
    const char *what = pv->kind == TRAFFIC_CHANGE_NEXT       ? "next step"
                       : pv->kind == TRAFFIC_CHANGE_PREV     ? "previous step"
                       : pv->kind == TRAFFIC_CHANGE_SET      ? "set"
                       : pv->kind == TRAFFIC_CHANGE_ROLLBACK ? "roll back to last known-good"
                                                             : "roll forward";
    char *title =
        xasprintf("%s (%s): %s %s -> %s", name, traffic_kind_name(pv->cfg.kind), what, b, a);
    pv->title = text_sanitize(title);
    add_line(pv, title);
    free(b);
    free(a);
    static const char *const side_name[2] = {"old", "new"};
    for (int s = 0; s < 2; s++) {
        const struct traffic_preview_side *sd = &pv->side[s];
        char *bp = pct_text(sd->before_pct), *ap = pct_text(sd->after_pct);
        add_line(pv, xasprintf("%s %s: %d -> %d (%s -> %s)", side_name[s],
                               sd->id != NULL ? sd->id : "?", sd->before_w, sd->after_w, bp, ap));
        free(bp);
        free(ap);
    }
    char *sb = step_text(&pv->cfg, pv->before_step, pv->before_pct);
    char *sa = step_text(&pv->cfg, pv->after_step, pv->after_pct);
    add_line(pv, xasprintf("plan: %s -> %s", sb, sa));
    free(sb);
    free(sa);
    add_line(pv, xstrdup("calls:"));
    for (size_t i = 0; i < pv->ncalls; i++)
        add_line(pv, xasprintf("  %s", pv->calls[i]));
    pv->confirm_by_name = pv->cfg.production;
    char *prompt =
        pv->confirm_by_name ? xasprintf("type %s to confirm", name) : xstrdup("press y to confirm");
    pv->confirm_prompt = text_sanitize(prompt);
    add_line(pv, prompt);
}

static bool reading_stale(const struct traffic_change *tc, const struct traffic_target_state *st,
                          char *why, size_t len)
{
    if (st->error != NULL) {
        char buf[200];
        snprintf(why, len, "the last read failed: %s",
                 text_sanitize_buf(st->error, buf, sizeof buf));
        return true;
    }
    if (st->last_ok.tv_sec == 0)
        return false; /* no time recorded: have_reading decides */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long age_ms = (long long)(now.tv_sec - st->last_ok.tv_sec) * 1000 +
                       (now.tv_nsec - st->last_ok.tv_nsec) / 1000000;
    if (age_ms > tc->opts.stale_ms) {
        snprintf(why, len, "it is %lld s old", age_ms / 1000);
        return true;
    }
    return false;
}

/* An intent of target without a result: a crash or a failed result write left it. */
static const struct change_rec *history_pending(const struct history *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].outcome == NULL)
            return &h->v[i];
    return NULL;
}

int traffic_change_prepare(struct traffic_change *tc, struct traffic_provider *p,
                           const struct traffic_target_state *st, enum traffic_change_kind kind,
                           int percent, struct traffic_preview **out, struct error *err)
{
    *out = NULL;
    if (tc->opts.read_only || (p != NULL && p->read_only)) {
        error_set(err, "observer mode: traffic changes are refused");
        return -1;
    }
    if (tc->journal == NULL) {
        error_set(err, "no journal: traffic changes are refused");
        return -1;
    }
    if (st == NULL || st->cfg.name == NULL || p == NULL) {
        error_set(err, "no such traffic target");
        return -1;
    }
    if ((int)kind < 0 || kind >= TRAFFIC_CHANGE_KINDS) {
        error_set(err, "unknown change kind %d", (int)kind);
        return -1;
    }
    const char *name = st->cfg.name;
    if (busy_is(tc, name)) {
        error_set(err, "a change of %s is running: wait for its outcome", name);
        return -1;
    }
    if (!st->have_reading) {
        error_set(err, "%s has not been read yet: no current weights to change from", name);
        return -1;
    }
    char why[256];
    if (reading_stale(tc, st, why, sizeof why)) {
        error_set(err, "the reading of %s is stale (%s): refresh first", name, why);
        return -1;
    }
    const struct traffic_reading *r = &st->reading;
    static const char *const side_name[2] = {"old", "new"};
    for (int s = 0; s < 2; s++) {
        const char *id = s == TRAFFIC_OLD ? st->cfg.old_id : st->cfg.new_id;
        if (!r->side[s].present) {
            error_set(err, "the %s side of %s (%s) does not exist at the provider", side_name[s],
                      name, id != NULL ? id : "?");
            return -1;
        }
        if (r->side[s].weight < 0) {
            error_set(err, "the weight of the %s side of %s (%s) is unknown", side_name[s], name,
                      id != NULL ? id : "?");
            return -1;
        }
    }
    struct traffic_weights before = {{r->side[0].weight, r->side[1].weight}};
    int cur = traffic_percent_of(before.w[0], before.w[1]);

    struct history h;
    if (history_load(tc, name, &h, err) < 0)
        return -1;
    const struct change_rec *pend = history_pending(&h);
    if (pend != NULL) {
        error_set(err,
                  "change %s of %s has an intent but no result in the journal: resume checks "
                  "it against the provider first",
                  pend->id, name);
        history_free(&h);
        return -1;
    }

    struct traffic_weights after = before, known_good = before;
    int target_pct = -1;
    int rc = 0;
    switch (kind) {
    case TRAFFIC_CHANGE_NEXT:
    case TRAFFIC_CHANGE_PREV:
        if (cur < 0) {
            error_set(err,
                      "the current split of %s is unknown (weights old %d new %d): set a "
                      "percent instead",
                      name, before.w[0], before.w[1]);
            rc = -1;
            break;
        }
        if (kind == TRAFFIC_CHANGE_NEXT) {
            for (size_t i = 0; i < st->cfg.nplan && target_pct < 0; i++)
                if (st->cfg.plan[i] > cur)
                    target_pct = st->cfg.plan[i];
            if (target_pct < 0) {
                error_set(err, "%s is at the last step of its plan (%d%%)", name, cur);
                rc = -1;
            }
        } else {
            for (size_t i = st->cfg.nplan; i-- > 0 && target_pct < 0;)
                if (st->cfg.plan[i] < cur)
                    target_pct = st->cfg.plan[i];
            if (target_pct < 0) {
                error_set(err, "%s is at or below the first step of its plan (%d%%)", name, cur);
                rc = -1;
            }
        }
        break;
    case TRAFFIC_CHANGE_SET:
        if (percent < 0 || percent > 100) {
            error_set(err, "a percent is 0..100, not %d", percent);
            rc = -1;
        }
        target_pct = percent;
        break;
    case TRAFFIC_CHANGE_ROLLBACK: {
        const struct change_rec *c = history_latest(&h, true, outcome_moved);
        if (c == NULL || !known_good_of(c, &after)) {
            error_set(err,
                      "no earlier change of %s is recorded in the journal: nothing to roll back to",
                      name);
            rc = -1;
        }
        break;
    }
    case TRAFFIC_CHANGE_FORWARD: {
        const struct change_rec *c = history_latest(&h, false, NULL);
        if (c == NULL ||
            (strcmp(c->outcome, "partial") != 0 && strcmp(c->outcome, "unknown") != 0) ||
            !c->have_after) {
            error_set(err, "the last change of %s did not stop half-way: nothing to roll forward",
                      name);
            rc = -1;
            break;
        }
        after = c->after;
        known_good_of(c, &known_good);
        break;
    }
    default:
        break;
    }
    history_free(&h);
    if (rc < 0)
        return -1;
    if (target_pct >= 0)
        traffic_split_weights(st->cfg.kind, target_pct, &after.w[0], &after.w[1]);
    int wmax = traffic_weight_max(st->cfg.kind);
    if (after.w[0] > wmax || after.w[1] > wmax) {
        error_set(err, "weights old %d new %d exceed what %s accepts (%d)", after.w[0], after.w[1],
                  traffic_kind_name(st->cfg.kind), wmax);
        return -1;
    }
    if (weights_eq(&before, &after)) {
        error_set(err, "nothing to change: %s is already at old %d new %d", name, before.w[0],
                  before.w[1]);
        return -1;
    }

    struct traffic_preview *pv = xcalloc(1, sizeof *pv);
    pv->kind = kind;
    traffic_target_cfg_copy(&pv->cfg, &st->cfg);
    pv->before = before;
    pv->after = after;
    pv->known_good = known_good;
    pv->before_pct = cur;
    pv->after_pct = traffic_percent_of(after.w[0], after.w[1]);
    pv->before_step = traffic_plan_index(&pv->cfg, cur);
    pv->after_step = traffic_plan_index(&pv->cfg, pv->after_pct);
    for (int s = 0; s < 2; s++) {
        pv->side[s].id = s == TRAFFIC_OLD ? pv->cfg.old_id : pv->cfg.new_id;
        pv->side[s].before_w = before.w[s];
        pv->side[s].after_w = after.w[s];
        pv->side[s].before_pct = side_pct(&before, s);
        pv->side[s].after_pct = side_pct(&after, s);
    }
    struct error derr;
    error_clear(&derr);
    if (p->ops->describe(p, &after, &pv->calls, &pv->ncalls, &derr) != 0) {
        error_set(err, "%s: cannot say which calls the change makes: %s", name, derr.msg);
        traffic_preview_free(pv);
        return -1;
    }
    preview_text(pv);
    *out = pv;
    return 0;
}

bool traffic_preview_confirmed(const struct traffic_preview *pv, const char *typed)
{
    if (pv == NULL || typed == NULL)
        return false;
    if (pv->confirm_by_name)
        return pv->cfg.name != NULL && strcmp(typed, pv->cfg.name) == 0;
    return strcasecmp(typed, "y") == 0 || strcasecmp(typed, "yes") == 0;
}

/* ---- execute ------------------------------------------------------------------------------ */

void traffic_outcome_fini(struct traffic_outcome *o)
{
    if (o == NULL)
        return;
    free(o->text);
    free(o->detail);
    free(o->intent_id);
    memset(o, 0, sizeof *o);
}

static void outcome_set_text(struct traffic_outcome *o, char *raw)
{
    free(o->text);
    o->text = text_sanitize(raw);
    free(raw);
}

static const char *const action_names[TRAFFIC_CHANGE_KINDS] = {
    [TRAFFIC_CHANGE_NEXT] = "traffic.next",       [TRAFFIC_CHANGE_PREV] = "traffic.prev",
    [TRAFFIC_CHANGE_SET] = "traffic.set",         [TRAFFIC_CHANGE_ROLLBACK] = "traffic.rollback",
    [TRAFFIC_CHANGE_FORWARD] = "traffic.forward",
};

static int refuse(struct traffic_outcome *out, struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct traffic_outcome *out, struct error *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out->status = TRAFFIC_OUTCOME_REFUSED;
    outcome_set_text(out, xasprintf("refused, nothing sent: %s", msg));
    error_set(err, "%s", msg);
    error_sanitize(err);
    return -1;
}

static bool reading_weights(const struct traffic_reading *r, struct traffic_weights *w)
{
    w->w[0] = r->side[0].weight;
    w->w[1] = r->side[1].weight;
    return r->side[0].present && r->side[1].present && w->w[0] >= 0 && w->w[1] >= 0;
}

int traffic_change_execute(struct traffic_change *tc, struct traffic_provider *p,
                           const struct traffic_preview *pv, const char *who,
                           struct traffic_outcome *out, struct error *err)
{
    memset(out, 0, sizeof *out);
    out->live_pct = -1;
    const char *name = pv->cfg.name;
    if (tc->opts.read_only || p->read_only)
        return refuse(out, err, "observer mode: traffic changes are refused");
    if (tc->journal == NULL)
        return refuse(out, err, "no journal: traffic changes are refused");
    if (!busy_claim(tc, name))
        return refuse(out, err, "a change of %s is running: wait for its outcome", name);

    int rc = -1;
    struct traffic_reading now;
    memset(&now, 0, sizeof now);
    struct error e;
    error_clear(&e);
    progress(tc, name, "reading %s before the change", name);
    struct traffic_weights cur;
    if (p->ops->read(p, &now, &e) != 0) {
        rc = refuse(out, err, "cannot read %s before the change: %s", name, e.msg);
        goto done;
    }
    if (!reading_weights(&now, &cur) || !weights_eq(&cur, &pv->before)) {
        rc = refuse(out, err,
                    "the weights of %s changed since the preview (now old %d new %d, preview "
                    "old %d new %d): prepare the change again",
                    name, cur.w[0], cur.w[1], pv->before.w[0], pv->before.w[1]);
        goto done;
    }

    /* the intent, on disk before anything is sent */
    uint64_t next = journal_next_seq(tc->journal);
    char *id = xasprintf("traffic:%s:%llu", name, (unsigned long long)next);
    json_object *f = json_object_new_object();
    json_object_object_add(f, "action", json_object_new_string(action_names[pv->kind]));
    json_object_object_add(f, "target", json_object_new_string(name));
    json_object_object_add(f, "provider", json_object_new_string(traffic_kind_name(pv->cfg.kind)));
    json_object_object_add(f, "before", weights_json(&pv->before));
    json_object_object_add(f, "after", weights_json(&pv->after));
    json_object_object_add(f, "before_pct", json_object_new_int(pv->before_pct));
    json_object_object_add(f, "after_pct", json_object_new_int(pv->after_pct));
    if (!weights_eq(&pv->known_good, &pv->before))
        json_object_object_add(f, "known_good", weights_json(&pv->known_good));
    json_object *calls = json_object_new_array();
    for (size_t i = 0; i < pv->ncalls; i++)
        json_object_array_add(calls, json_object_new_string(pv->calls[i]));
    json_object_object_add(f, "calls", calls);
    progress(tc, name, "recording intent");
    int jrc = journal_append_as(tc->journal, who, JOURNAL_INTENT, id, f, NULL, &e);
    json_object_put(f);
    if (jrc != 0) {
        rc = refuse(out, err, "the journal cannot record the intent (%s)", e.msg);
        free(id);
        goto done;
    }
    out->intent_id = id;

    progress(tc, name, "applying old %d new %d", pv->after.w[0], pv->after.w[1]);
    struct traffic_apply_result res;
    memset(&res, 0, sizeof res);
    struct error aerr;
    error_clear(&aerr);
    int arc = p->ops->apply(p, &pv->after, &res, &aerr);

    progress(tc, name, "reading back");
    struct traffic_reading back;
    memset(&back, 0, sizeof back);
    struct error rerr;
    error_clear(&rerr);
    int rrc = p->ops->read(p, &back, &rerr);
    struct traffic_weights live;
    bool have_live = rrc == 0 && reading_weights(&back, &live);
    traffic_reading_fini(&back);

    const char *adetail = arc != 0 ? aerr.msg : res.detail;
    char wanted[64];
    snprintf(wanted, sizeof wanted, "old %d new %d", pv->after.w[0], pv->after.w[1]);
    if (arc != 0 && res.conflict) {
        /* The provider refused the change whole (a compare-and-swap against what was read):
         * nothing of ours was applied; someone else changed the target since the read. */
        out->status = TRAFFIC_OUTCOME_REFUSED;
        out->have_live = have_live;
        if (have_live) {
            out->live = live;
            out->live_pct = traffic_percent_of(live.w[0], live.w[1]);
            outcome_set_text(out, xasprintf("%s changed since read: re-read and preview again "
                                            "(nothing applied; live now: old %d new %d)",
                                            name, live.w[0], live.w[1]));
        } else {
            outcome_set_text(out, xasprintf("%s changed since read: re-read and preview again "
                                            "(nothing applied; the read-back failed: %s)",
                                            name, rerr.msg));
        }
    } else if (!have_live) {
        out->status = TRAFFIC_OUTCOME_UNKNOWN;
        out->offer_forward = out->offer_rollback = true;
        outcome_set_text(out, xasprintf("UNKNOWN: the read-back of %s failed (%s); the weights may "
                                        "or may not be %s: look before retrying",
                                        name, rrc != 0 ? rerr.msg : "weights missing", wanted));
    } else {
        out->have_live = true;
        out->live = live;
        out->live_pct = traffic_percent_of(live.w[0], live.w[1]);
        if (weights_eq(&live, &pv->after)) {
            out->status = TRAFFIC_OUTCOME_DONE;
            outcome_set_text(out, xasprintf("done, live now: old %d new %d", live.w[0], live.w[1]));
        } else if (weights_eq(&live, &pv->before)) {
            out->status = TRAFFIC_OUTCOME_FAILED;
            outcome_set_text(out, xasprintf("FAILED, nothing changed, live now: old %d new %d (%s)",
                                            live.w[0], live.w[1],
                                            arc != 0 ? aerr.msg : "the provider kept the weights"));
        } else {
            out->status = TRAFFIC_OUTCOME_PARTIAL;
            out->offer_forward = out->offer_rollback = true;
            outcome_set_text(out, xasprintf("PARTIAL, live now: old %d new %d (wanted %s): roll "
                                            "forward or back",
                                            live.w[0], live.w[1], wanted));
        }
    }
    if (out->status == TRAFFIC_OUTCOME_DONE && arc != 0)
        out->detail = text_sanitize(aerr.msg); /* confirmed by read-back despite the error */
    else if (adetail != NULL && adetail[0] != '\0')
        out->detail = text_sanitize(adetail);

    /* the result */
    progress(tc, name, "recording result");
    f = json_object_new_object();
    json_object_object_add(f, "target", json_object_new_string(name));
    json_object_object_add(f, "outcome",
                           json_object_new_string(res.conflict && arc != 0
                                                      ? "changed-since-read"
                                                      : traffic_outcome_status_name(out->status)));
    if (out->have_live)
        json_object_object_add(f, "live", weights_json(&out->live));
    json_object_object_add(f, "sent", json_object_new_boolean(res.sent));
    json_object_object_add(f, "applied", json_object_new_int64((int64_t)res.applied));
    if (out->detail != NULL)
        json_object_object_add(f, "detail", json_object_new_string(out->detail));
    else if (rrc != 0)
        json_object_object_add(f, "detail", json_object_new_string(rerr.msg));
    jrc = journal_append_as(tc->journal, who, JOURNAL_RESULT, out->intent_id, f, NULL, &e);
    json_object_put(f);
    free(res.detail); /* traffic_apply_result_fini() lives in backends; core cannot call it */
    out->journal_complete = jrc == 0;
    if (jrc != 0) {
        char *t = xasprintf("%s [the journal could not record the result: %s]", out->text, e.msg);
        outcome_set_text(out, t);
    }
    if (out->status == TRAFFIC_OUTCOME_DONE) {
        rc = jrc == 0 ? 0 : -1;
        if (jrc != 0)
            error_set(err, "%s", out->text);
    } else {
        error_set(err, "%s", out->text);
        rc = -1;
    }
done:
    traffic_reading_fini(&now);
    busy_release(tc, name);
    progress(tc, name, "%s", traffic_outcome_status_name(out->status));
    return rc;
}

/* ---- resume ------------------------------------------------------------------------------- */

void traffic_resume_fini(struct traffic_resume *r)
{
    if (r == NULL)
        return;
    free(r->intent_id);
    free(r->target);
    free(r->text);
    memset(r, 0, sizeof *r);
}

static json_object *pending_fields(const struct journal_pending *pending)
{
    if (pending == NULL || pending->fields_json == NULL)
        return NULL;
    json_object *o = json_tokener_parse(pending->fields_json);
    if (o != NULL && !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

bool traffic_change_pending_is_traffic(const struct journal_pending *pending, char **target)
{
    if (target != NULL)
        *target = NULL;
    json_object *o = pending_fields(pending);
    if (o == NULL)
        return false;
    const char *action = json_str(o, "action");
    const char *t = json_str(o, "target");
    bool is = action != NULL && strncmp(action, "traffic.", 8) == 0 && t != NULL;
    if (is && target != NULL)
        *target = xstrdup(t);
    json_object_put(o);
    return is;
}

int traffic_change_resume(struct traffic_change *tc, const struct journal_pending *pending,
                          const struct traffic_reading *fresh, const char *who,
                          struct traffic_resume *out, struct error *err)
{
    memset(out, 0, sizeof *out);
    if (tc->journal == NULL) {
        error_set(err, "no journal: nothing to resume into");
        return -1;
    }
    json_object *o = pending_fields(pending);
    const char *action = o != NULL ? json_str(o, "action") : NULL;
    const char *target = o != NULL ? json_str(o, "target") : NULL;
    struct traffic_weights before, after, live;
    if (action == NULL || strncmp(action, "traffic.", 8) != 0 || target == NULL ||
        !weights_from_json(o, "before", &before) || !weights_from_json(o, "after", &after)) {
        error_set(err, "journal line %d (%s) is not a traffic change intent", pending->line,
                  pending->id);
        error_sanitize(err);
        json_object_put(o);
        return -1;
    }
    if (fresh == NULL || !reading_weights(fresh, &live)) {
        error_set(err, "%s: the fresh reading has no weights: %s stays unresolved", target,
                  pending->id);
        error_sanitize(err);
        json_object_put(o);
        return -1;
    }
    const char *outcome, *detail;
    if (weights_eq(&live, &after)) {
        out->decision = TRAFFIC_RESUME_APPLIED;
        outcome = "applied-before-crash";
        detail = "applied before crash, confirmed by read-back";
    } else if (weights_eq(&live, &before)) {
        out->decision = TRAFFIC_RESUME_NOT_APPLIED;
        outcome = "not-applied";
        detail = "not applied (checked by read-back after restart)";
    } else {
        out->decision = TRAFFIC_RESUME_PARTIAL;
        outcome = "partial";
        detail = "partly applied before crash (read-back after restart)";
    }
    json_object *f = json_object_new_object();
    json_object_object_add(f, "target", json_object_new_string(target));
    json_object_object_add(f, "outcome", json_object_new_string(outcome));
    json_object_object_add(f, "live", weights_json(&live));
    json_object_object_add(f, "detail", json_object_new_string(detail));
    struct error e;
    error_clear(&e);
    int jrc = journal_append_as(tc->journal, who, JOURNAL_RESULT, pending->id, f, NULL, &e);
    json_object_put(f);
    if (jrc != 0) {
        error_set(err, "%s: the journal cannot record the resume decision: %s", target, e.msg);
        json_object_put(o);
        return -1;
    }
    out->intent_id = xstrdup(pending->id);
    out->target = xstrdup(target);
    out->before = before;
    out->after = after;
    out->live = live;
    char *t = xasprintf("%s: %s %s (live old %d new %d)", target, pending->id, detail, live.w[0],
                        live.w[1]);
    out->text = text_sanitize(t);
    free(t);
    json_object_put(o);
    return 0;
}

int traffic_change_resume_all(struct traffic_change *tc, traffic_change_read_fn read_fn, void *ctx,
                              const char *who, struct traffic_resume **out, size_t *n,
                              struct error *err)
{
    *out = NULL;
    *n = 0;
    if (tc->journal == NULL) {
        error_set(err, "no journal: nothing to resume");
        return -1;
    }
    struct journal_pending *p = NULL;
    size_t np = 0;
    if (journal_pending(journal_path(tc->journal), &p, &np, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < np; i++) {
        char *target = NULL;
        if (!traffic_change_pending_is_traffic(&p[i], &target))
            continue;
        struct traffic_reading fresh;
        memset(&fresh, 0, sizeof fresh);
        struct error e;
        error_clear(&e);
        struct traffic_resume r;
        int one = read_fn(target, &fresh, ctx, &e);
        if (one == 0)
            one = traffic_change_resume(tc, &p[i], &fresh, who, &r, &e);
        else {
            char why[sizeof e.msg];
            snprintf(why, sizeof why, "%s", e.msg);
            error_set(&e, "%s: cannot read it to resolve %s: %s", target, p[i].id, why);
        }
        traffic_reading_fini(&fresh);
        if (one == 0) {
            *out = xreallocarray(*out, *n + 1, sizeof **out);
            (*out)[(*n)++] = r;
        } else if (rc == 0) {
            rc = -1;
            error_set(err, "%s", e.msg);
            error_sanitize(err);
        }
        free(target);
    }
    journal_pending_free(p, np);
    return rc;
}
