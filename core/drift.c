/* Secret and ConfigMap drift between two clusters, External Secrets state and the source of
 * truth: the pure comparison (no I/O). */
#include "cutover/drift.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/model.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

const char *drift_mode_name(enum drift_mode mode)
{
    return mode == DRIFT_MODE_CONTENTS ? "contents" : "metadata";
}

const char *drift_es_state_name(enum drift_es_state st)
{
    static const char *const n[] = {"unknown", "synced", "sync-error", "other"};
    return (unsigned)st < 4 ? n[st] : "?";
}

const char *drift_state_name(enum drift_state st)
{
    static const char *const n[DRIFT_STATE_COUNT] = {
        "equal",       "missing-target", "missing-source", "type-differs",
        "keys-differ", "values-differ",  "unknown",        "ignored"};
    return (unsigned)st < DRIFT_STATE_COUNT ? n[st] : "?";
}

const char *drift_key_state_name(enum drift_key_state st)
{
    static const char *const n[] = {"equal", "only-source", "only-target", "differs", "unknown"};
    return (unsigned)st < 5 ? n[st] : "?";
}

const char *drift_sot_state_name(enum drift_sot_state st)
{
    static const char *const n[] = {"none", "matches", "differs", "unreadable", "unknown"};
    return (unsigned)st < 5 ? n[st] : "?";
}

/* ---- sides ---------------------------------------------------------------------------------- */

struct drift_side *drift_side_new(const char *context, enum drift_mode mode)
{
    struct drift_side *s = xcalloc(1, sizeof *s);
    s->context = xstrdup_null(context);
    s->mode = mode;
    return s;
}

void drift_side_free(struct drift_side *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsecrets; i++)
        drift_item_fini(&s->secrets[i]);
    free(s->secrets);
    for (size_t i = 0; i < s->nconfigmaps; i++)
        drift_item_fini(&s->configmaps[i]);
    free(s->configmaps);
    for (size_t i = 0; i < s->nes; i++)
        drift_es_fini(&s->es[i]);
    free(s->es);
    for (size_t i = 0; i < s->nstores; i++)
        drift_store_fini(&s->stores[i]);
    free(s->stores);
    free(s->context);
    free(s->error);
    free(s);
}

void drift_side_add_item(struct drift_side *s, struct drift_item *it)
{
    struct drift_item **v = it->kind == DRIFT_SECRET ? &s->secrets : &s->configmaps;
    size_t *n = it->kind == DRIFT_SECRET ? &s->nsecrets : &s->nconfigmaps;
    *v = xreallocarray(*v, *n + 1, sizeof **v);
    (*v)[(*n)++] = *it;
    memset(it, 0, sizeof *it);
}

void drift_side_add_es(struct drift_side *s, struct drift_es *es)
{
    s->es = xreallocarray(s->es, s->nes + 1, sizeof *s->es);
    s->es[s->nes++] = *es;
    memset(es, 0, sizeof *es);
}

void drift_side_add_store(struct drift_side *s, struct drift_store *st)
{
    s->stores = xreallocarray(s->stores, s->nstores + 1, sizeof *s->stores);
    s->stores[s->nstores++] = *st;
    memset(st, 0, sizeof *st);
}

void drift_side_set_error(struct drift_side *s, const char *msg)
{
    if (!s->error && msg)
        s->error = xstrdup(msg);
}

static int nscmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_item(const void *a, const void *b)
{
    const struct drift_item *x = a, *y = b;
    int c = nscmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

void drift_side_sort(struct drift_side *s)
{
    if (s->nsecrets > 1)
        qsort(s->secrets, s->nsecrets, sizeof *s->secrets, cmp_item);
    if (s->nconfigmaps > 1)
        qsort(s->configmaps, s->nconfigmaps, sizeof *s->configmaps, cmp_item);
}

static const struct drift_item *find_item(const struct drift_side *s, enum drift_obj_kind kind,
                                          const char *ns, const char *name)
{
    if (!s)
        return NULL;
    const struct drift_item *v = kind == DRIFT_SECRET ? s->secrets : s->configmaps;
    size_t lo = 0, hi = kind == DRIFT_SECRET ? s->nsecrets : s->nconfigmaps;
    struct drift_item key = {.ns = (char *)ns, .name = (char *)name};
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_item(&key, &v[mid]);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- ignore rules --------------------------------------------------------------------------- */

/* Whether the labels "k=v,k=v" satisfy one selector term. */
static bool label_match(const char *labels, const char *term)
{
    bool neg = term[0] == '!';
    if (neg)
        term++;
    size_t klen = strcspn(term, "=!");
    const char *op = term + klen;
    const char *want = NULL;
    bool noteq = false;
    if (strncmp(op, "!=", 2) == 0) {
        noteq = true;
        want = op + 2;
    } else if (strncmp(op, "==", 2) == 0) {
        want = op + 2;
    } else if (*op == '=') {
        want = op + 1;
    }
    const char *val = NULL;
    size_t vlen = 0;
    for (const char *p = labels ? labels : ""; *p;) {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        size_t kl = eq ? (size_t)(eq - p) : n;
        if (kl == klen && strncmp(p, term, klen) == 0) {
            val = eq ? eq + 1 : p + n;
            vlen = eq ? n - kl - 1 : 0;
            break;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!want) /* existence */
        return neg ? val == NULL : val != NULL;
    bool eqv = val && strlen(want) == vlen && strncmp(val, want, vlen) == 0;
    return noteq ? !eqv : eqv;
}

static bool rule_match(const struct drift_rule *r, const struct drift_item *it)
{
    if (!it)
        return false;
    if (it->kind == DRIFT_SECRET ? !r->secrets : !r->configmaps)
        return false;
    switch (r->kind) {
    case DRIFT_RULE_TYPE:
        return it->type && r->pattern && strcmp(it->type, r->pattern) == 0;
    case DRIFT_RULE_HELM:
        return strncmp(it->name, "sh.helm.release.v1.", 19) == 0 ||
               (it->type && strcmp(it->type, "helm.sh/release.v1") == 0);
    case DRIFT_RULE_CERT_MANAGER:
        return it->cert_name != NULL;
    case DRIFT_RULE_LABEL:
        return r->pattern && label_match(it->labels, r->pattern);
    case DRIFT_RULE_NAME: {
        if (!r->pattern)
            return false;
        if (strchr(r->pattern, '/')) {
            char full[600];
            snprintf(full, sizeof full, "%s/%s", it->ns ? it->ns : "", it->name);
            return fnmatch(r->pattern, full, 0) == 0;
        }
        return fnmatch(r->pattern, it->name, 0) == 0;
    }
    default:
        return false;
    }
}

/* ---- rows ------------------------------------------------------------------------------------ */

struct rowvec {
    struct drift_row *v;
    size_t n, cap;
};

static struct drift_row *row_add(struct rowvec *rv)
{
    if (rv->n == rv->cap) {
        rv->cap = rv->cap ? 2 * rv->cap : 32;
        rv->v = xreallocarray(rv->v, rv->cap, sizeof *rv->v);
    }
    struct drift_row *r = &rv->v[rv->n++];
    memset(r, 0, sizeof *r);
    r->rule = -1;
    return r;
}

static void compare_keys(struct drift_row *r)
{
    const struct drift_item *a = r->side[0], *b = r->side[1];
    size_t i = 0, j = 0;
    r->keys = xcalloc(a->nkeys + b->nkeys + 1, sizeof *r->keys);
    bool only = false, differ = false, unknown = false;
    while (i < a->nkeys || j < b->nkeys) {
        int c = i >= a->nkeys ? 1 : j >= b->nkeys ? -1 : strcmp(a->keys[i].name, b->keys[j].name);
        struct drift_key_row *k = &r->keys[r->nkeys++];
        if (c < 0) {
            k->name = a->keys[i++].name;
            k->state = DRIFT_KEY_ONLY_SOURCE;
            only = true;
        } else if (c > 0) {
            k->name = b->keys[j++].name;
            k->state = DRIFT_KEY_ONLY_TARGET;
            only = true;
        } else {
            const struct drift_key *x = &a->keys[i++], *y = &b->keys[j++];
            k->name = x->name;
            if (!x->has_mac || !y->has_mac) {
                k->state = DRIFT_KEY_UNKNOWN;
                unknown = true;
            } else if (secret_hash_equal(x->mac, y->mac)) {
                k->state = DRIFT_KEY_EQUAL;
            } else {
                k->state = DRIFT_KEY_DIFFERS;
                differ = true;
            }
        }
        if (k->state != DRIFT_KEY_EQUAL && k->state != DRIFT_KEY_UNKNOWN)
            r->nkeys_differ++;
    }
    if (only)
        r->state = DRIFT_KEYS_DIFFER;
    else if (differ)
        r->state = DRIFT_VALUES_DIFFER;
    else if (unknown)
        r->state = DRIFT_UNKNOWN;
    else
        r->state = DRIFT_EQUAL;
}

static const struct drift_es *es_for(const struct drift_side *s, const char *ns, const char *name)
{
    for (size_t i = 0; s && i < s->nes; i++) {
        const struct drift_es *e = &s->es[i];
        if (!e->cluster_scoped && nscmp(e->ns, ns) == 0 && strcmp(e->target_name, name) == 0)
            return e;
    }
    return NULL;
}

static bool side_read(const struct drift_side *s, enum drift_obj_kind kind)
{
    return s && (kind == DRIFT_SECRET ? s->secrets_read : s->configmaps_read);
}

static void pair_row(struct drift_row *r, struct drift_side *sides[2],
                     const struct drift_rule *rules, size_t nrules, struct drift_rule_count *counts)
{
    for (size_t k = 0; k < nrules; k++) {
        if (rule_match(&rules[k], r->side[0]) || rule_match(&rules[k], r->side[1])) {
            r->state = DRIFT_IGNORED;
            r->rule = (int)k;
            if (r->kind == DRIFT_SECRET)
                counts[k].secrets++;
            else
                counts[k].configmaps++;
            return;
        }
    }
    for (int s = 0; s < 2; s++)
        r->es[s] = r->kind == DRIFT_SECRET ? es_for(sides[s], r->ns, r->name) : NULL;
    const struct drift_item *a = r->side[0], *b = r->side[1];
    if (!a || !b) {
        int missing = a ? 1 : 0;
        r->state = !side_read(sides[missing], r->kind) ? DRIFT_UNKNOWN
                   : missing == 1                      ? DRIFT_MISSING_TARGET
                                                       : DRIFT_MISSING_SOURCE;
        return;
    }
    if (a->type && b->type && strcmp(a->type, b->type) != 0) {
        r->state = DRIFT_TYPE_DIFFERS;
        return;
    }
    bool known = a->keys_known && b->keys_known;
    if (a->data_hash && b->data_hash) {
        r->by_data_hash = true;
        if (strcmp(a->data_hash, b->data_hash) == 0) {
            if (known)
                compare_keys(r); /* the hashes agree; the keys say so too (or say more) */
            if (!known || r->state == DRIFT_UNKNOWN)
                r->state = DRIFT_EQUAL;
            return;
        }
        if (known) {
            compare_keys(r);
            if (r->state == DRIFT_EQUAL || r->state == DRIFT_UNKNOWN)
                r->state = DRIFT_VALUES_DIFFER;
        } else {
            r->state = DRIFT_VALUES_DIFFER;
        }
        return;
    }
    if (!known) {
        r->state = DRIFT_UNKNOWN;
        return;
    }
    compare_keys(r);
}

static int state_rank(enum drift_state st)
{
    static const int rank[DRIFT_STATE_COUNT] = {
        [DRIFT_MISSING_TARGET] = 0, [DRIFT_MISSING_SOURCE] = 1, [DRIFT_TYPE_DIFFERS] = 2,
        [DRIFT_KEYS_DIFFER] = 3,    [DRIFT_VALUES_DIFFER] = 4,  [DRIFT_UNKNOWN] = 5,
        [DRIFT_EQUAL] = 6,          [DRIFT_IGNORED] = 7};
    return rank[st];
}

static int cmp_row(const void *a, const void *b)
{
    const struct drift_row *x = a, *y = b;
    int c = state_rank(x->state) - state_rank(y->state);
    if (c)
        return c;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    c = nscmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

static void pair_kind(struct rowvec *rv, enum drift_obj_kind kind, struct drift_side *sides[2],
                      const struct drift_rule *rules, size_t nrules,
                      struct drift_rule_count *counts)
{
    const struct drift_item *v[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    for (int s = 0; s < 2; s++) {
        if (!sides[s])
            continue;
        v[s] = kind == DRIFT_SECRET ? sides[s]->secrets : sides[s]->configmaps;
        n[s] = kind == DRIFT_SECRET ? sides[s]->nsecrets : sides[s]->nconfigmaps;
    }
    size_t i = 0, j = 0;
    while (i < n[0] || j < n[1]) {
        int c = i >= n[0] ? 1 : j >= n[1] ? -1 : cmp_item(&v[0][i], &v[1][j]);
        struct drift_row *r = row_add(rv);
        r->kind = kind;
        if (c <= 0)
            r->side[0] = &v[0][i++];
        if (c >= 0)
            r->side[1] = &v[1][j++];
        const struct drift_item *any = r->side[0] ? r->side[0] : r->side[1];
        r->ns = any->ns;
        r->name = any->name;
        pair_row(r, sides, rules, nrules, counts);
    }
}

/* ---- External Secrets and the source of truth ------------------------------------------------ */

static const struct drift_store *store_for(const struct drift_side *s, const struct drift_es *e)
{
    if (!e->store_name)
        return NULL;
    bool cluster = e->store_kind && strcmp(e->store_kind, "ClusterSecretStore") == 0;
    for (size_t i = 0; i < s->nstores; i++) {
        const struct drift_store *st = &s->stores[i];
        if (st->cluster_scoped == cluster && strcmp(st->name, e->store_name) == 0 &&
            (cluster || nscmp(st->ns, e->ns) == 0))
            return st;
    }
    return NULL;
}

static const struct drift_key *key_in(const struct drift_key *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

static void sot_note(struct drift_es_row *r, const char *key)
{
    for (size_t i = 0; i < r->nsot_keys; i++)
        if (strcmp(r->sot_keys[i], key) == 0)
            return;
    r->sot_keys = xreallocarray(r->sot_keys, r->nsot_keys + 1, sizeof *r->sot_keys);
    r->sot_keys[r->nsot_keys++] = key;
}

/* Compares the target Secret with what ESO would write from the source of truth. */
static void sot_compare(struct drift_es_row *r, const struct drift_side *s,
                        const struct drift_sot *sot)
{
    const struct drift_es *e = r->es;
    if (!r->aws_sm || !sot)
        return;
    if (s->mode != DRIFT_MODE_CONTENTS) {
        r->sot = DRIFT_SOT_UNKNOWN;
        r->sot_why = "secret contents not read";
        return;
    }
    if (e->has_template || e->has_find) {
        r->sot = DRIFT_SOT_UNKNOWN;
        r->sot_why = e->has_template ? "keys are templated" : "keys come from dataFrom.find";
        return;
    }
    const struct drift_item *sec = find_item(s, DRIFT_SECRET, e->ns, e->target_name);
    if (!sec || !sec->keys_known) {
        r->sot = DRIFT_SOT_UNKNOWN;
        r->sot_why = sec ? "secret contents not read" : "target secret missing";
        return;
    }
    bool unreadable = false, unknown = false;
    for (size_t i = 0; i < e->nrefs; i++) {
        const struct drift_es_ref *ref = &e->refs[i];
        const struct drift_sot_secret *sv = drift_sot_find(sot, ref->remote_key, ref->version);
        if (!sv) {
            unknown = true;
            continue;
        }
        if (!sv->ok) {
            unreadable = true;
            if (!r->sot_error)
                r->sot_error = sv->error;
            continue;
        }
        const struct drift_key *have = key_in(sec->keys, sec->nkeys, ref->secret_key);
        const unsigned char *want = NULL;
        if (ref->property) {
            const struct drift_key *p = key_in(sv->props, sv->nprops, ref->property);
            want = p ? p->mac : NULL;
        } else {
            want = sv->whole;
        }
        if (!have || !have->has_mac || !want || !secret_hash_equal(have->mac, want))
            sot_note(r, ref->secret_key);
    }
    for (size_t i = 0; i < e->nextract; i++) {
        const struct drift_sot_secret *sv = drift_sot_find(sot, e->extract[i], NULL);
        if (!sv) {
            unknown = true;
            continue;
        }
        if (!sv->ok) {
            unreadable = true;
            if (!r->sot_error)
                r->sot_error = sv->error;
            continue;
        }
        for (size_t k = 0; k < sv->nprops; k++) {
            const struct drift_key *have = key_in(sec->keys, sec->nkeys, sv->props[k].name);
            if (!have || !have->has_mac || !secret_hash_equal(have->mac, sv->props[k].mac))
                sot_note(r, sv->props[k].name);
        }
    }
    if (unreadable)
        r->sot = DRIFT_SOT_UNREADABLE;
    else if (r->nsot_keys)
        r->sot = DRIFT_SOT_DIFFERS;
    else if (unknown)
        r->sot = DRIFT_SOT_UNKNOWN, r->sot_why = "source of truth not read";
    else
        r->sot = DRIFT_SOT_MATCHES;
}

static int es_rank(const struct drift_es_row *r)
{
    return 10 * (int)r->severity + (r->es->state == DRIFT_ES_SYNC_ERROR) * 4 +
           (r->target_missing) * 2 + (r->sot == DRIFT_SOT_DIFFERS);
}

static int cmp_es(const void *a, const void *b)
{
    const struct drift_es_row *x = a, *y = b;
    int c = es_rank(y) - es_rank(x);
    if (c)
        return c;
    if (x->side != y->side)
        return (int)x->side - (int)y->side;
    c = nscmp(x->es->ns, y->es->ns);
    return c ? c : strcmp(x->es->name, y->es->name);
}

static void es_rows(struct drift_report *rep, struct drift_side *sides[2],
                    const struct drift_sot *sot)
{
    size_t total = (sides[0] ? sides[0]->nes : 0) + (sides[1] ? sides[1]->nes : 0);
    rep->es = xcalloc(total + 1, sizeof *rep->es);
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; sides[s] && i < sides[s]->nes; i++) {
            struct drift_es_row *r = &rep->es[rep->nes++];
            r->es = &sides[s]->es[i];
            r->side = (enum analysis_side)s;
            r->store = store_for(sides[s], r->es);
            r->aws_sm = r->store && r->store->provider && !strcmp(r->store->provider, "aws") &&
                        (!r->store->service || !strcmp(r->store->service, "SecretsManager"));
            r->target_missing = !r->es->cluster_scoped && sides[s]->secrets_read &&
                                !find_item(sides[s], DRIFT_SECRET, r->es->ns, r->es->target_name);
            sot_compare(r, sides[s], sot);
            if (r->es->state == DRIFT_ES_SYNC_ERROR || r->target_missing)
                r->severity = FINDING_CRIT;
            else if (r->sot == DRIFT_SOT_DIFFERS || r->sot == DRIFT_SOT_UNREADABLE)
                r->severity = FINDING_WARN;
            else
                r->severity = FINDING_INFO;
        }
    }
    if (rep->nes > 1)
        qsort(rep->es, rep->nes, sizeof *rep->es, cmp_es);
}

/* ---- the report --------------------------------------------------------------------------------
 */

struct drift_report *drift_analyze(struct drift_side *source, struct drift_side *target,
                                   const struct drift_sot *sot, const struct drift_config *cfg)
{
    struct drift_report *rep = xcalloc(1, sizeof *rep);
    struct drift_side *sides[2] = {source, target};
    for (int s = 0; s < 2; s++) {
        if (sides[s]) {
            drift_side_sort(sides[s]);
            rep->mode[s] = sides[s]->mode;
            rep->read[s] = sides[s]->secrets_read;
            rep->error[s] = sides[s]->error;
        }
    }
    size_t nrules = 0;
    struct drift_rule *rules = drift_config_rules(cfg, &nrules);
    rep->rules = xcalloc(nrules + 1, sizeof *rep->rules);
    rep->nrules = nrules;
    for (size_t i = 0; i < nrules; i++)
        rep->rules[i].rule = rules[i]; /* takes the pattern */
    free(rules);
    struct rowvec rv = {0};
    /* the rules as a plain array for matching */
    struct drift_rule *plain = xcalloc(nrules + 1, sizeof *plain);
    for (size_t i = 0; i < nrules; i++)
        plain[i] = rep->rules[i].rule;
    pair_kind(&rv, DRIFT_SECRET, sides, plain, nrules, rep->rules);
    pair_kind(&rv, DRIFT_CONFIGMAP, sides, plain, nrules, rep->rules);
    free(plain);
    if (rv.n > 1)
        qsort(rv.v, rv.n, sizeof *rv.v, cmp_row);
    rep->rows = rv.v;
    rep->nrows = rv.n;
    es_rows(rep, sides, sot);

    struct drift_counts *c = &rep->counts;
    for (size_t i = 0; i < rep->nrows; i++) {
        const struct drift_row *r = &rep->rows[i];
        if (r->kind == DRIFT_SECRET)
            c->secrets[r->state]++;
        else
            c->configmaps[r->state]++;
        if (r->state == DRIFT_IGNORED) {
            c->ignored++;
            c->ignored_by_kind[rep->rules[r->rule].rule.kind]++;
        }
    }
    for (size_t i = 0; i < rep->nes; i++) {
        const struct drift_es_row *r = &rep->es[i];
        c->es_total++;
        c->es_state[r->es->state]++;
        c->es_target_missing += r->target_missing;
        c->sot[r->sot]++;
    }
    return rep;
}

void drift_report_free(struct drift_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrows; i++)
        free(r->rows[i].keys);
    free(r->rows);
    for (size_t i = 0; i < r->nes; i++)
        free(r->es[i].sot_keys);
    free(r->es);
    for (size_t i = 0; i < r->nrules; i++)
        free(r->rules[i].rule.pattern);
    free(r->rules);
    free(r);
}

/* ---- findings ----------------------------------------------------------------------------------
 */

struct fvec {
    struct finding *v;
    size_t n;
};

__attribute__((format(printf, 7, 8))) static void add(struct fvec *f, enum finding_severity sev,
                                                      enum analysis_side side, const char *code,
                                                      const char *kind, const struct drift_row *r,
                                                      const char *fmt, ...)
{
    f->v = xreallocarray(f->v, f->n + 1, sizeof *f->v);
    struct finding *x = &f->v[f->n++];
    memset(x, 0, sizeof *x);
    x->severity = sev;
    x->side = side;
    x->code = xstrdup(code);
    x->kind = xstrdup_null(kind);
    x->ns = r ? xstrdup_null(r->ns) : NULL;
    x->name = r ? xstrdup_null(r->name) : NULL;
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    x->message = text_sanitize(buf);
}

/* The names of the keys of r in state st (or not equal when st < 0), joined by ", ". */
static void keys_in(const struct drift_row *r, int st, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->nkeys && o + 1 < len; i++) {
        if (st >= 0 ? (int)r->keys[i].state != st : r->keys[i].state == DRIFT_KEY_EQUAL)
            continue;
        int w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", r->keys[i].name);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
}

static int cmp_finding(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    return (int)y->severity - (int)x->severity;
}

struct finding *drift_findings(const struct drift_report *rep, size_t *n)
{
    struct fvec f = {0};
    for (size_t i = 0; rep && i < rep->nrows; i++) {
        const struct drift_row *r = &rep->rows[i];
        bool sec = r->kind == DRIFT_SECRET;
        const char *kind = sec ? "Secret" : "ConfigMap";
        char keys[700];
        switch (r->state) {
        case DRIFT_MISSING_TARGET:
            add(&f, sec ? FINDING_CRIT : FINDING_WARN, ANALYSIS_TARGET,
                sec ? "secret-missing" : "configmap-missing", kind, r,
                "%s %s/%s exists on the source but not on the target", kind, r->ns ? r->ns : "",
                r->name);
            break;
        case DRIFT_MISSING_SOURCE:
            add(&f, FINDING_INFO, ANALYSIS_SOURCE, sec ? "secret-missing" : "configmap-missing",
                kind, r, "%s %s/%s exists on the target only", kind, r->ns ? r->ns : "", r->name);
            break;
        case DRIFT_TYPE_DIFFERS:
            add(&f, FINDING_WARN, ANALYSIS_BOTH, sec ? "secret-type-differs" : "configmap-differs",
                kind, r, "%s %s/%s: type %s on the source, %s on the target", kind,
                r->ns ? r->ns : "", r->name, r->side[0]->type, r->side[1]->type);
            break;
        case DRIFT_KEYS_DIFFER: {
            char only_s[200], only_t[200], diff[200];
            keys_in(r, DRIFT_KEY_ONLY_SOURCE, only_s, sizeof only_s);
            keys_in(r, DRIFT_KEY_ONLY_TARGET, only_t, sizeof only_t);
            keys_in(r, DRIFT_KEY_DIFFERS, diff, sizeof diff);
            snprintf(keys, sizeof keys, "%s%s%s%s%s%s%s%s%s",
                     *only_s ? "missing on the target: " : "", only_s,
                     *only_s && (*only_t || *diff) ? "; " : "",
                     *only_t ? "only on the target: " : "", only_t, *only_t && *diff ? "; " : "",
                     *diff ? "value differs: " : "", diff, "");
            add(&f, sec ? FINDING_CRIT : FINDING_WARN, ANALYSIS_TARGET,
                sec ? "secret-keys-differ" : "configmap-differs", kind, r,
                "%s %s/%s: keys differ (%s)", kind, r->ns ? r->ns : "", r->name, keys);
            break;
        }
        case DRIFT_VALUES_DIFFER:
            keys_in(r, DRIFT_KEY_DIFFERS, keys, sizeof keys);
            add(&f, FINDING_WARN, ANALYSIS_TARGET,
                sec ? "secret-values-differ" : "configmap-differs", kind, r, "%s %s/%s: %s%s%s",
                kind, r->ns ? r->ns : "", r->name,
                *keys ? "value differs for key " : "values differ",
                *keys ? keys : (r->by_data_hash ? " (External Secrets data-hash)" : ""), "");
            break;
        default:
            break;
        }
    }
    for (size_t i = 0; rep && i < rep->nes; i++) {
        const struct drift_es_row *r = &rep->es[i];
        const struct drift_es *e = r->es;
        const char *kind = e->cluster_scoped ? "ClusterExternalSecret" : "ExternalSecret";
        struct drift_row fake = {.ns = e->ns, .name = e->name};
        if (e->state == DRIFT_ES_SYNC_ERROR)
            add(&f, FINDING_CRIT, r->side, "externalsecret-sync-error", kind, &fake,
                "%s %s%s%s is not synced (%s): %s", kind, e->ns ? e->ns : "", e->ns ? "/" : "",
                e->name, e->ready_reason ? e->ready_reason : "Ready False",
                e->ready_message ? e->ready_message : "no message");
        if (r->target_missing)
            add(&f, FINDING_CRIT, r->side, "externalsecret-target-missing", kind, &fake,
                "%s %s/%s: its target Secret %s does not exist", kind, e->ns ? e->ns : "", e->name,
                e->target_name);
        if (r->sot == DRIFT_SOT_DIFFERS) {
            char keys[400];
            size_t o = 0;
            keys[0] = '\0';
            for (size_t k = 0; k < r->nsot_keys && o + 1 < sizeof keys; k++) {
                int w = snprintf(keys + o, sizeof keys - o, "%s%s", k ? ", " : "", r->sot_keys[k]);
                if (w < 0 || (size_t)w >= sizeof keys - o)
                    break;
                o += (size_t)w;
            }
            add(&f, FINDING_WARN, r->side, "secret-stale-vs-source-of-truth", "Secret", &fake,
                "Secret %s/%s differs from AWS Secrets Manager (key %s): ExternalSecret %s has "
                "not caught up",
                e->ns ? e->ns : "", e->target_name, keys, e->name);
        } else if (r->sot == DRIFT_SOT_UNREADABLE) {
            add(&f, FINDING_WARN, r->side, "source-of-truth-unreadable", kind, &fake,
                "%s %s/%s: AWS Secrets Manager could not be read: %s", kind, e->ns ? e->ns : "",
                e->name, r->sot_error ? r->sot_error : "unknown error");
        }
    }
    if (f.n > 1)
        qsort(f.v, f.n, sizeof *f.v, cmp_finding);
    *n = f.n;
    return f.v;
}

void drift_findings_free(struct finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].code);
        free(f[i].kind);
        free(f[i].ns);
        free(f[i].name);
        free(f[i].message);
    }
    free(f);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_object *jstr_safe(const char *s)
{
    if (!s)
        return NULL;
    char *t = text_sanitize(s);
    json_object *o = json_object_new_string(t);
    free(t);
    return o;
}

static json_object *state_counts(const int *v)
{
    json_object *o = json_object_new_object();
    for (int i = 0; i < DRIFT_STATE_COUNT; i++) {
        char k[32];
        snprintf(k, sizeof k, "%s", drift_state_name((enum drift_state)i));
        for (char *p = k; *p; p++)
            if (*p == '-')
                *p = '_';
        json_object_object_add(o, k, json_object_new_int(v[i]));
    }
    return o;
}

static json_object *time_json(int64_t t)
{
    if (!t)
        return NULL;
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_object_new_string(buf);
}

json_object *drift_report_json(const struct drift_report *r)
{
    json_object *o = json_object_new_object();
    json_object *mode = json_object_new_object(), *read = json_object_new_object();
    for (int s = 0; s < 2; s++) {
        json_object_object_add(mode, analysis_side_name((enum analysis_side)s),
                               json_object_new_string(drift_mode_name(r->mode[s])));
        json_object_object_add(read, analysis_side_name((enum analysis_side)s),
                               json_object_new_boolean(r->read[s]));
    }
    json_object_object_add(o, "mode", mode);
    json_object_object_add(o, "read", read);
    json_object *errs = json_object_new_object();
    for (int s = 0; s < 2; s++)
        if (r->error[s])
            json_object_object_add(errs, analysis_side_name((enum analysis_side)s),
                                   jstr_safe(r->error[s]));
    json_object_object_add(o, "errors", errs);
    json_object_object_add(o, "secrets", state_counts(r->counts.secrets));
    json_object_object_add(o, "configmaps", state_counts(r->counts.configmaps));

    json_object *ign = json_object_new_object();
    json_object_object_add(ign, "total", json_object_new_int(r->counts.ignored));
    json_object *byk = json_object_new_object();
    for (int k = 0; k < DRIFT_RULE_KIND_COUNT; k++)
        json_object_object_add(byk, drift_rule_kind_name((enum drift_rule_kind)k),
                               json_object_new_int(r->counts.ignored_by_kind[k]));
    json_object_object_add(ign, "by_kind", byk);
    json_object *rules = json_object_new_array();
    for (size_t i = 0; i < r->nrules; i++) {
        const struct drift_rule_count *rc = &r->rules[i];
        char d[300];
        json_object *j = json_object_new_object();
        json_object_object_add(j, "kind",
                               json_object_new_string(drift_rule_kind_name(rc->rule.kind)));
        json_object_object_add(j, "rule", jstr_safe(drift_rule_describe(&rc->rule, d, sizeof d)));
        json_object_object_add(j, "builtin", json_object_new_boolean(rc->rule.line == 0));
        json_object_object_add(j, "secrets", json_object_new_int(rc->secrets));
        json_object_object_add(j, "configmaps", json_object_new_int(rc->configmaps));
        json_object_array_add(rules, j);
    }
    json_object_object_add(ign, "rules", rules);
    json_object_object_add(o, "ignored", ign);

    json_object *es = json_object_new_object();
    json_object_object_add(es, "total", json_object_new_int(r->counts.es_total));
    for (int i = 0; i < 4; i++) {
        char k[32];
        snprintf(k, sizeof k, "%s", drift_es_state_name((enum drift_es_state)i));
        for (char *p = k; *p; p++)
            if (*p == '-')
                *p = '_';
        json_object_object_add(es, k, json_object_new_int(r->counts.es_state[i]));
    }
    json_object_object_add(es, "target_missing", json_object_new_int(r->counts.es_target_missing));
    json_object_object_add(o, "external_secrets", es);
    json_object *sot = json_object_new_object();
    for (int i = 1; i < 5; i++)
        json_object_object_add(sot, drift_sot_state_name((enum drift_sot_state)i),
                               json_object_new_int(r->counts.sot[i]));
    json_object_object_add(o, "source_of_truth", sot);

    json_object *items = json_object_new_array();
    for (size_t i = 0; i < r->nrows; i++) {
        const struct drift_row *row = &r->rows[i];
        if (row->state == DRIFT_EQUAL || row->state == DRIFT_IGNORED)
            continue;
        json_object *j = json_object_new_object();
        json_object_object_add(
            j, "kind", json_object_new_string(row->kind == DRIFT_SECRET ? "Secret" : "ConfigMap"));
        json_object_object_add(j, "namespace", jstr_safe(row->ns));
        json_object_object_add(j, "name", jstr_safe(row->name));
        json_object_object_add(j, "state", json_object_new_string(drift_state_name(row->state)));
        if (row->kind == DRIFT_SECRET) {
            json_object *t = json_object_new_object();
            for (int s = 0; s < 2; s++)
                json_object_object_add(t, analysis_side_name((enum analysis_side)s),
                                       row->side[s] ? jstr_safe(row->side[s]->type) : NULL);
            json_object_object_add(j, "type", t);
        }
        json_object_object_add(j, "by_data_hash", json_object_new_boolean(row->by_data_hash));
        json_object *keys = json_object_new_array();
        for (size_t k = 0; k < row->nkeys; k++) {
            if (row->keys[k].state == DRIFT_KEY_EQUAL)
                continue;
            json_object *kj = json_object_new_object();
            json_object_object_add(kj, "key", jstr_safe(row->keys[k].name));
            json_object_object_add(
                kj, "state", json_object_new_string(drift_key_state_name(row->keys[k].state)));
            json_object_array_add(keys, kj);
        }
        json_object_object_add(j, "keys", keys);
        for (int s = 0; s < 2; s++)
            if (row->es[s]) {
                json_object_object_add(j, "external_secret", jstr_safe(row->es[s]->name));
                break;
            }
        json_object_array_add(items, j);
    }
    json_object_object_add(o, "items", items);

    json_object *esi = json_object_new_array();
    for (size_t i = 0; i < r->nes; i++) {
        const struct drift_es_row *row = &r->es[i];
        const struct drift_es *e = row->es;
        json_object *j = json_object_new_object();
        json_object_object_add(j, "cluster", json_object_new_string(analysis_side_name(row->side)));
        json_object_object_add(
            j, "kind",
            json_object_new_string(e->cluster_scoped ? "ClusterExternalSecret" : "ExternalSecret"));
        json_object_object_add(j, "namespace", jstr_safe(e->ns));
        json_object_object_add(j, "name", jstr_safe(e->name));
        json_object_object_add(j, "state", json_object_new_string(drift_es_state_name(e->state)));
        json_object_object_add(j, "reason", jstr_safe(e->ready_reason));
        json_object_object_add(j, "message", jstr_safe(e->ready_message));
        json_object_object_add(j, "refresh_time", time_json(e->refresh_time));
        json_object_object_add(j, "synced_resource_version", jstr_safe(e->synced_rv));
        json_object *st = json_object_new_object();
        json_object_object_add(st, "kind", jstr_safe(e->store_kind));
        json_object_object_add(st, "name", jstr_safe(e->store_name));
        json_object_object_add(st, "provider", row->store ? jstr_safe(row->store->provider) : NULL);
        json_object_object_add(st, "found", json_object_new_boolean(row->store != NULL));
        json_object_object_add(j, "store", st);
        json_object_object_add(j, "target_secret", jstr_safe(e->target_name));
        json_object_object_add(j, "target_missing", json_object_new_boolean(row->target_missing));
        json_object_object_add(j, "source_of_truth",
                               json_object_new_string(drift_sot_state_name(row->sot)));
        json_object *dk = json_object_new_array();
        for (size_t k = 0; k < row->nsot_keys; k++)
            json_object_array_add(dk, jstr_safe(row->sot_keys[k]));
        json_object_object_add(j, "differing_keys", dk);
        if (row->sot_error)
            json_object_object_add(j, "source_of_truth_error", jstr_safe(row->sot_error));
        if (row->sot_why)
            json_object_object_add(j, "source_of_truth_why", json_object_new_string(row->sot_why));
        json_object_object_add(j, "severity",
                               json_object_new_string(finding_severity_name(row->severity)));
        json_object_array_add(esi, j);
    }
    json_object_object_add(o, "external_secret_items", esi);
    return o;
}
