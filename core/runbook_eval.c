/* runbook_eval: runbook gates on the model, the analysis, the traffic snapshot and the drift
 * report. Unknown is not pass: a gate whose data is missing, stale or unsynced says why. */
#include "cutover/runbook_eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cutover/drift.h"
#include "cutover/text.h"

const char *runbook_verdict_name(enum runbook_verdict v)
{
    switch (v) {
    case RUNBOOK_UNKNOWN:
        return "unknown";
    case RUNBOOK_PASS:
        return "pass";
    case RUNBOOK_FAIL:
        return "fail";
    }
    return "?";
}

static void gate_set(struct runbook_gate *g, enum runbook_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void gate_set(struct runbook_gate *g, enum runbook_verdict v, const char *fmt, ...)
{
    char tmp[sizeof g->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    g->verdict = v;
    text_sanitize_buf(tmp, g->reason, sizeof g->reason);
}

/* Local names for the drift states a gate mentions (the drift module's own *_name functions are
 * not needed, so the gates link without it). */
static const char *drift_word(enum drift_state st)
{
    switch (st) {
    case DRIFT_MISSING_TARGET:
        return "missing on the target";
    case DRIFT_TYPE_DIFFERS:
        return "type differs";
    case DRIFT_KEYS_DIFFER:
        return "keys differ";
    case DRIFT_VALUES_DIFFER:
        return "values differ";
    default:
        return "differs";
    }
}

static const char *es_word(enum drift_es_state st)
{
    switch (st) {
    case DRIFT_ES_SYNC_ERROR:
        return "sync error";
    case DRIFT_ES_OTHER:
        return "not ready";
    case DRIFT_ES_UNKNOWN:
        return "no status yet";
    case DRIFT_ES_SYNCED:
        return "synced";
    }
    return "?";
}

static const char *side_word(enum runbook_cluster c)
{
    return c == RUNBOOK_SOURCE ? "source" : "target";
}

/* The zone grid of the check's cluster, or NULL with the gate set to unknown. */
static const struct zone_grid *eval_grid(const struct runbook_check *c,
                                         const struct runbook_eval_input *in,
                                         struct runbook_gate *g)
{
    int s = c->cluster == RUNBOOK_SOURCE ? ANALYSIS_SOURCE : ANALYSIS_TARGET;
    if (in->analysis == NULL || !in->analysis->zones[s].known) {
        gate_set(g, RUNBOOK_UNKNOWN, "nodes on %s not listed yet", side_word(c->cluster));
        return NULL;
    }
    const struct zone_grid *zg = &in->analysis->zones[s];
    if (!zg->complete) {
        gate_set(g, RUNBOOK_UNKNOWN, "node list of %s still loading", side_word(c->cluster));
        return NULL;
    }
    return zg;
}

/* Appends "a, b" style names of zones to buf. */
static void zone_list(const struct zone_grid *zg, bool cp, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < zg->n && off < len; i++) {
        const struct zone_cell *z = &zg->cells[i];
        if (z->zone != NULL && (cp ? z->cp_ready : z->worker_ready) > 0)
            off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", z->zone);
    }
}

static void eval_zones(const struct runbook_check *c, const struct runbook_eval_input *in,
                       struct runbook_gate *g)
{
    const struct zone_grid *zg = eval_grid(c, in, g);
    if (zg == NULL)
        return;
    bool cp = c->kind == RUNBOOK_CHECK_CONTROL_PLANE_ZONES;
    int zones = 0, total = 0;
    for (size_t i = 0; i < zg->n; i++) {
        const struct zone_cell *z = &zg->cells[i];
        total += cp ? z->cp_total : z->worker_total;
        if (z->zone != NULL && (cp ? z->cp_ready : z->worker_ready) > 0)
            zones++;
    }
    const char *what = cp ? "control-plane nodes" : "workers";
    if (cp && total == 0) {
        gate_set(g, RUNBOOK_UNKNOWN,
                 "no control-plane nodes visible on %s (a managed control plane, as on EKS, is "
                 "not listed as nodes)",
                 side_word(c->cluster));
        return;
    }
    char names[160];
    zone_list(zg, cp, names, sizeof names);
    if (zones >= c->min)
        gate_set(g, RUNBOOK_PASS, "Ready %s in %d zone%s (%s)", what, zones, zones == 1 ? "" : "s",
                 names);
    else
        gate_set(g, RUNBOOK_FAIL, "Ready %s in %d zone%s%s%s%s, need %d", what, zones,
                 zones == 1 ? "" : "s", zones ? " (" : "", names, zones ? ")" : "", c->min);
}

static void eval_nodes_ready(const struct runbook_check *c, const struct runbook_eval_input *in,
                             struct runbook_gate *g)
{
    const struct zone_grid *zg = eval_grid(c, in, g);
    if (zg == NULL)
        return;
    if (zg->nodes_total == 0) {
        gate_set(g, RUNBOOK_FAIL, "no nodes on %s", side_word(c->cluster));
        return;
    }
    double r = (double)zg->ready / zg->nodes_total;
    int unknown = zg->nodes_total - zg->ready - zg->not_ready;
    if (r + 1e-9 >= c->ratio)
        gate_set(g, RUNBOOK_PASS, "%d/%d nodes Ready", zg->ready, zg->nodes_total);
    else if (unknown > 0 && (double)(zg->ready + unknown) / zg->nodes_total + 1e-9 >= c->ratio)
        gate_set(g, RUNBOOK_UNKNOWN, "%d/%d nodes Ready, %d with no Ready condition yet", zg->ready,
                 zg->nodes_total, unknown);
    else
        gate_set(g, RUNBOOK_FAIL, "%d/%d nodes Ready (%.0f%%, need %.0f%%), %d NotReady", zg->ready,
                 zg->nodes_total, r * 100, c->ratio * 100, zg->not_ready);
}

static bool pair_matches(const struct runbook_check *c, const struct workload_pair *p)
{
    if (p->res == MODEL_RES_REPLICASETS)
        return false; /* counted through their Deployment */
    if (c->kind_filter != NULL && (p->kind == NULL || strcmp(c->kind_filter, p->kind) != 0))
        return false;
    if (c->ns != NULL && (p->ns == NULL || strcmp(c->ns, p->ns) != 0))
        return false;
    if (c->name != NULL && (p->name == NULL || strcmp(c->name, p->name) != 0))
        return false;
    return true;
}

static void eval_parity(const struct runbook_check *c, const struct runbook_eval_input *in,
                        struct runbook_gate *g)
{
    if (in->analysis == NULL) {
        gate_set(g, RUNBOOK_UNKNOWN, "workloads not read yet");
        return;
    }
    int s = c->cluster == RUNBOOK_SOURCE ? ANALYSIS_SOURCE : ANALYSIS_TARGET;
    int other = 1 - s;
    const char *sw = side_word(c->cluster);
    int matched = 0, bad = 0, unknown = 0;
    const struct workload_pair *first = NULL; /* the first match: named when it is the only one */
    char first_bad[160] = "", first_unknown[160] = "";
    for (size_t i = 0; i < in->analysis->nworkloads; i++) {
        const struct workload_pair *p = &in->analysis->workloads[i];
        if (!pair_matches(c, p))
            continue;
        if (matched++ == 0)
            first = p;
        const struct model_workload *w = p->side[s];
        char msg[160];
        enum runbook_verdict v = RUNBOOK_PASS;
        if (w == NULL) {
            if (p->present[s] == MODEL_UNKNOWN) {
                v = RUNBOOK_UNKNOWN;
                snprintf(msg, sizeof msg, "%s/%s: %s not listed yet", p->ns, p->name, sw);
            } else {
                v = RUNBOOK_FAIL;
                snprintf(msg, sizeof msg, "%s/%s missing on %s", p->ns, p->name, sw);
            }
        } else if (w->desired == MODEL_COUNT_UNKNOWN || w->ready == MODEL_COUNT_UNKNOWN) {
            v = RUNBOOK_UNKNOWN;
            snprintf(msg, sizeof msg, "%s/%s: replica counts on %s not known", p->ns, p->name, sw);
        } else if (w->desired == 0) {
            const struct model_workload *o = p->side[other];
            if (o != NULL && o->desired > 0) {
                v = RUNBOOK_FAIL;
                snprintf(msg, sizeof msg, "%s/%s scaled to 0 on %s (%d on the other side)", p->ns,
                         p->name, sw, o->desired);
            }
        } else if ((double)w->ready / w->desired + 1e-9 < c->ratio) {
            v = RUNBOOK_FAIL;
            snprintf(msg, sizeof msg, "%s/%s %d/%d ready on %s", p->ns, p->name, w->ready,
                     w->desired, sw);
        }
        if (v == RUNBOOK_FAIL && bad++ == 0)
            snprintf(first_bad, sizeof first_bad, "%s", msg);
        if (v == RUNBOOK_UNKNOWN && unknown++ == 0)
            snprintf(first_unknown, sizeof first_unknown, "%s", msg);
    }
    char need[24];
    snprintf(need, sizeof need, "%.0f%%", c->ratio * 100);
    if (matched == 0) {
        if (c->name != NULL)
            gate_set(g, RUNBOOK_FAIL, "%s%s%s/%s found in neither cluster",
                     c->kind_filter ? c->kind_filter : "", c->kind_filter ? "/" : "", c->ns,
                     c->name);
        else
            gate_set(g, RUNBOOK_UNKNOWN, "no workloads%s%s seen yet", c->ns ? " in " : "",
                     c->ns ? c->ns : "");
    } else if (bad > 0) {
        if (matched == 1)
            gate_set(g, RUNBOOK_FAIL, "%s (need %s)", first_bad, need);
        else
            gate_set(g, RUNBOOK_FAIL, "%d of %d workloads below %s: %s%s", bad, matched, need,
                     first_bad, bad > 1 ? ", ..." : "");
    } else if (unknown > 0) {
        gate_set(g, RUNBOOK_UNKNOWN, "%s", first_unknown);
    } else if (matched == 1 && first != NULL) {
        gate_set(g, RUNBOOK_PASS, "%s/%s %d/%d ready on %s", first->ns, first->name,
                 first->side[s]->ready, first->side[s]->desired, sw);
    } else {
        gate_set(g, RUNBOOK_PASS, "%d workloads at >= %s ready on %s", matched, need, sw);
    }
}

static void eval_crashloops(const struct runbook_check *c, const struct runbook_eval_input *in,
                            struct runbook_gate *g)
{
    int s = c->cluster == RUNBOOK_SOURCE ? ANALYSIS_SOURCE : ANALYSIS_TARGET;
    const struct model_cluster *mc = in->cluster[c->cluster == RUNBOOK_SOURCE ? 0 : 1];
    if (in->analysis == NULL || mc == NULL || !mc->fresh[MODEL_RES_PODS].synced) {
        gate_set(g, RUNBOOK_UNKNOWN, "pods on %s not listed yet", side_word(c->cluster));
        return;
    }
    int pods = 0, wl = 0;
    const struct workload_pair *first = NULL;
    for (size_t i = 0; i < in->analysis->nworkloads; i++) {
        const struct workload_pair *p = &in->analysis->workloads[i];
        if (p->res == MODEL_RES_REPLICASETS)
            continue;
        if (c->ns != NULL && (p->ns == NULL || strcmp(p->ns, c->ns) != 0))
            continue;
        if (p->crashing[s] > 0) {
            pods += p->crashing[s];
            if (wl++ == 0)
                first = p;
        }
    }
    if (first == NULL)
        gate_set(g, RUNBOOK_PASS, "no pod crash-looping on %s%s%s", side_word(c->cluster),
                 c->ns ? " in " : "", c->ns ? c->ns : "");
    else
        gate_set(g, RUNBOOK_FAIL, "%d pod%s crash-looping on %s: %s/%s%s%s", pods,
                 pods == 1 ? "" : "s", side_word(c->cluster), first->ns, first->name,
                 first->waiting[s] ? " " : "", first->waiting[s] ? first->waiting[s] : "");
}

static void eval_findings(const struct runbook_check *c, const struct runbook_eval_input *in,
                          struct runbook_gate *g)
{
    if (in->analysis == NULL) {
        gate_set(g, RUNBOOK_UNKNOWN, "clusters not analysed yet");
        return;
    }
    int n = 0;
    const struct finding *first = NULL;
    for (size_t i = 0; i < in->analysis->nfindings; i++) {
        const struct finding *f = &in->analysis->findings[i];
        if ((int)f->severity < c->severity)
            continue;
        if (c->cluster != RUNBOOK_BOTH && f->side != ANALYSIS_BOTH &&
            (int)f->side != (c->cluster == RUNBOOK_SOURCE ? ANALYSIS_SOURCE : ANALYSIS_TARGET))
            continue;
        if (n++ == 0)
            first = f;
    }
    const char *sev = finding_severity_name((enum finding_severity)c->severity);
    if (first == NULL)
        gate_set(g, RUNBOOK_PASS, "no %s findings",
                 c->severity == FINDING_WARN ? "warn/crit" : sev);
    else
        gate_set(g, RUNBOOK_FAIL, "%d finding%s: %s", n, n == 1 ? "" : "s",
                 first->message ? first->message : first->code);
}

static void eval_secret_drift(const struct runbook_check *c, const struct runbook_eval_input *in,
                              struct runbook_gate *g)
{
    const struct drift_report *d = in->drift;
    if (d == NULL || !d->read[ANALYSIS_SOURCE] || !d->read[ANALYSIS_TARGET]) {
        gate_set(g, RUNBOOK_UNKNOWN, "secrets of %s not read yet",
                 d == NULL || (!d->read[0] && !d->read[1]) ? "both clusters"
                 : d->read[0]                              ? "the target"
                                                           : "the source");
        return;
    }
    int drifted = 0, unknown = 0;
    const struct drift_row *first = NULL;
    for (size_t i = 0; i < d->nrows; i++) {
        const struct drift_row *r = &d->rows[i];
        if (r->kind != DRIFT_SECRET)
            continue;
        if (c->ns != NULL && (r->ns == NULL || strcmp(r->ns, c->ns) != 0))
            continue;
        switch (r->state) {
        case DRIFT_MISSING_TARGET:
        case DRIFT_TYPE_DIFFERS:
        case DRIFT_KEYS_DIFFER:
        case DRIFT_VALUES_DIFFER:
            if (drifted++ == 0)
                first = r;
            break;
        case DRIFT_UNKNOWN:
            unknown++;
            break;
        default:
            break;
        }
    }
    /* max >= 0 (runbook.h), so drifted > max means at least one drifted secret: first */
    if (drifted > c->max && first != NULL)
        gate_set(g, RUNBOOK_FAIL, "%d secret%s drifted (at most %d): %s/%s %s", drifted,
                 drifted == 1 ? "" : "s", c->max, first->ns, first->name, drift_word(first->state));
    else if (unknown > 0)
        gate_set(g, RUNBOOK_UNKNOWN, "%d secret%s not compared (%s), %d drifted", unknown,
                 unknown == 1 ? "" : "s",
                 d->mode[ANALYSIS_TARGET] == DRIFT_MODE_METADATA
                     ? "metadata only: contents not read"
                     : "contents not read",
                 drifted);
    else
        gate_set(g, RUNBOOK_PASS, "%d secret%s drifted (at most %d)", drifted,
                 drifted == 1 ? "" : "s", c->max);
}

static void eval_es_synced(const struct runbook_check *c, const struct runbook_eval_input *in,
                           struct runbook_gate *g)
{
    const struct drift_report *d = in->drift;
    int s = c->cluster == RUNBOOK_SOURCE ? ANALYSIS_SOURCE : ANALYSIS_TARGET;
    if (d == NULL || !d->read[s]) {
        gate_set(g, RUNBOOK_UNKNOWN, "ExternalSecrets on %s not read yet", side_word(c->cluster));
        return;
    }
    int total = 0, synced = 0;
    const struct drift_es_row *first = NULL;
    for (size_t i = 0; i < d->nes; i++) {
        const struct drift_es_row *r = &d->es[i];
        if ((int)r->side != s || r->es == NULL)
            continue;
        if (c->ns != NULL && (r->es->ns == NULL || strcmp(r->es->ns, c->ns) != 0))
            continue;
        total++;
        if (r->es->state == DRIFT_ES_SYNCED && !r->target_missing)
            synced++;
        else if (first == NULL)
            first = r;
    }
    if (total == 0)
        gate_set(g, RUNBOOK_UNKNOWN, "no ExternalSecrets found on %s%s%s", side_word(c->cluster),
                 c->ns ? " in " : "", c->ns ? c->ns : "");
    else if (first != NULL)
        gate_set(g, RUNBOOK_FAIL, "%d/%d ExternalSecrets synced; %s%s%s: %s%s%s", synced, total,
                 first->es->ns ? first->es->ns : "", first->es->ns ? "/" : "", first->es->name,
                 first->target_missing ? "target Secret missing" : es_word(first->es->state),
                 first->es->ready_message ? " - " : "",
                 first->es->ready_message ? first->es->ready_message : "");
    else
        gate_set(g, RUNBOOK_PASS, "%d/%d ExternalSecrets synced", synced, total);
}

static void eval_version(const struct runbook_check *c, const struct runbook_eval_input *in,
                         struct runbook_gate *g)
{
    const struct model_cluster *mc = in->cluster[c->cluster == RUNBOOK_SOURCE ? 0 : 1];
    if (mc == NULL || mc->ver_major < 0 || mc->ver_minor < 0) {
        gate_set(g, RUNBOOK_UNKNOWN, "version of %s not known yet", side_word(c->cluster));
        return;
    }
    bool ok = mc->ver_major > c->ver_major ||
              (mc->ver_major == c->ver_major && mc->ver_minor >= c->ver_minor);
    gate_set(g, ok ? RUNBOOK_PASS : RUNBOOK_FAIL, "%s runs %s%s (need >= %d.%d)",
             side_word(c->cluster), mc->version ? mc->version : "", mc->version ? "" : "?",
             c->ver_major, c->ver_minor);
}

/* The traffic target of a check, or NULL with the gate set. */
static const struct traffic_target_state *eval_target(const struct runbook_check *c,
                                                      const struct runbook_eval_input *in,
                                                      struct runbook_gate *g)
{
    if (in->traffic == NULL) {
        gate_set(g, RUNBOOK_UNKNOWN, "traffic not read yet");
        return NULL;
    }
    const struct traffic_target_state *t = traffic_snapshot_find(in->traffic, c->target);
    if (t == NULL) {
        gate_set(g, RUNBOOK_FAIL, "traffic target %s is not configured", c->target);
        return NULL;
    }
    if (!t->have_reading) {
        gate_set(g, RUNBOOK_UNKNOWN, "%s not read yet%s%s", c->target, t->error ? ": " : "",
                 t->error ? t->error : "");
        return NULL;
    }
    if (t->error != NULL) {
        gate_set(g, RUNBOOK_UNKNOWN, "%s: stale, last read failed: %s", c->target, t->error);
        return NULL;
    }
    if (t->busy) {
        gate_set(g, RUNBOOK_UNKNOWN, "%s: a change is running%s%s", c->target,
                 t->busy_text ? ": " : "", t->busy_text ? t->busy_text : "");
        return NULL;
    }
    if (t->percent < 0) {
        gate_set(g, RUNBOOK_UNKNOWN, "%s: weights do not give a split (old %d, new %d)", c->target,
                 t->reading.side[TRAFFIC_OLD].weight, t->reading.side[TRAFFIC_NEW].weight);
        return NULL;
    }
    return t;
}

static void eval_traffic_weight(const struct runbook_check *c, const struct runbook_eval_input *in,
                                struct runbook_gate *g)
{
    const struct traffic_target_state *t = eval_target(c, in, g);
    if (t == NULL)
        return;
    gate_set(g, t->percent == c->percent ? RUNBOOK_PASS : RUNBOOK_FAIL,
             "%s sends %d%% to new (weights %d/%d)%s", c->target, t->percent,
             t->reading.side[TRAFFIC_OLD].weight, t->reading.side[TRAFFIC_NEW].weight,
             t->percent == c->percent ? "" : ", not the expected percent");
    if (t->percent != c->percent) {
        char tmp[sizeof g->reason];
        snprintf(tmp, sizeof tmp, "%s sends %d%% to new, expected %d%% (weights %d/%d)", c->target,
                 t->percent, c->percent, t->reading.side[TRAFFIC_OLD].weight,
                 t->reading.side[TRAFFIC_NEW].weight);
        text_sanitize_buf(tmp, g->reason, sizeof g->reason);
    }
}

static void eval_traffic_split(const struct runbook_check *c, const struct runbook_eval_input *in,
                               struct runbook_gate *g)
{
    const struct traffic_target_state *t = eval_target(c, in, g);
    if (t == NULL)
        return;
    if (t->observed_pct < 0 || !isfinite(t->observed_pct)) {
        gate_set(g, RUNBOOK_UNKNOWN, "%s: no observed split (no Prometheus query or no traffic)",
                 c->target);
        return;
    }
    double tol = c->tolerance_pct >= 0      ? c->tolerance_pct
                 : t->cfg.tolerance_pct > 0 ? t->cfg.tolerance_pct
                                            : 5.0;
    double diff = fabs(t->observed_pct - t->percent);
    gate_set(g, diff <= tol + 1e-9 ? RUNBOOK_PASS : RUNBOOK_FAIL,
             "%s: observed %.1f%% to new, configured %d%% (off by %.1f, tolerance %.0f)", c->target,
             t->observed_pct, t->percent, diff, tol);
}

void runbook_eval_check(const struct runbook_check *c, const struct runbook_eval_input *in,
                        struct runbook_gate *out)
{
    gate_set(out, RUNBOOK_UNKNOWN, "not evaluated");
    switch (c->kind) {
    case RUNBOOK_CHECK_CONTROL_PLANE_ZONES:
    case RUNBOOK_CHECK_WORKER_ZONES:
        eval_zones(c, in, out);
        break;
    case RUNBOOK_CHECK_NODES_READY:
        eval_nodes_ready(c, in, out);
        break;
    case RUNBOOK_CHECK_WORKLOAD_PARITY:
        eval_parity(c, in, out);
        break;
    case RUNBOOK_CHECK_NO_CRASHLOOPS:
        eval_crashloops(c, in, out);
        break;
    case RUNBOOK_CHECK_FINDINGS:
        eval_findings(c, in, out);
        break;
    case RUNBOOK_CHECK_SECRET_DRIFT:
        eval_secret_drift(c, in, out);
        break;
    case RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED:
        eval_es_synced(c, in, out);
        break;
    case RUNBOOK_CHECK_VERSION:
        eval_version(c, in, out);
        break;
    case RUNBOOK_CHECK_TRAFFIC_SPLIT:
        eval_traffic_split(c, in, out);
        break;
    case RUNBOOK_CHECK_TRAFFIC_WEIGHT:
        eval_traffic_weight(c, in, out);
        break;
    case RUNBOOK_CHECK_KINDS:
        break;
    }
}

enum runbook_verdict runbook_eval_step(const struct runbook_step *s,
                                       const struct runbook_eval_input *in,
                                       struct runbook_gate *gates)
{
    enum runbook_verdict v = RUNBOOK_PASS;
    for (size_t i = 0; i < s->nchecks; i++) {
        runbook_eval_check(&s->checks[i], in, &gates[i]);
        if (gates[i].verdict == RUNBOOK_FAIL)
            v = RUNBOOK_FAIL;
        else if (gates[i].verdict == RUNBOOK_UNKNOWN && v == RUNBOOK_PASS)
            v = RUNBOOK_UNKNOWN;
    }
    return v;
}
