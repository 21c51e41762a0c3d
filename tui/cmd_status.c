/* `cutover status`: loads the kubeconfig, starts one poller per cluster, waits for their first
 * full LIST (bounded by --timeout), analyses the pair and prints a report or JSON, then exits
 * 0 (nothing wrong), 1 (warn or crit findings) or 2 (a cluster could not be read). */
#include "cutover/cmd_status.h"

#include "cutover/actions.h"
#include "cutover/cli.h"
#include "cutover/config.h"
#include "cutover/drift.h"
#include "cutover/drift_reader.h"
#include "cutover/error.h"
#include "cutover/k8s_http.h"
#include "cutover/k8s_informer.h"
#include "cutover/k8s_poller.h"
#include "cutover/kubeconfig.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char status_usage[] =
    "usage: cutover status [--json] [--drift] [--kubeconfig PATH] --source CONTEXT\n"
    "                      --target CONTEXT [--timeout SECONDS]\n"
    "\n"
    "Reads both clusters once and prints node placement by zone, workloads side by side and\n"
    "findings, then exits: 0 nothing wrong, 1 findings (warn or crit), 2 a cluster could not be\n"
    "read (a one-line error on stderr names it and its URL).\n"
    "\n"
    "options:\n"
    "  --json              machine-readable output, documented in docs/status-json.md\n"
    "  --drift             compare Secret contents too (keyed hashes; no value is kept or shown)\n"
    "                      and check them against AWS Secrets Manager (docs/drift.md)\n"
    "  --kubeconfig PATH   kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)\n"
    "  --source CONTEXT    the cluster being left\n"
    "  --target CONTEXT    the cluster being moved to\n"
    "  --timeout SECONDS   how long to wait for both clusters to be read (default 30)\n"
    "  --help              this text\n"
    "\n"
    "source, target, kubeconfig and zone_spread_ratio may also be set in\n"
    "$XDG_CONFIG_HOME/cutover/config.yaml; flags win.\n";

/* What status needs to say anything about a cluster; the others (replicasets, events) only
 * make the report richer, and their failure is a stale-data finding. */
static const unsigned status_needed = (1u << MODEL_RES_NODES) | (1u << MODEL_RES_PODS) |
                                      (1u << MODEL_RES_DEPLOYMENTS) |
                                      (1u << MODEL_RES_STATEFULSETS) | (1u << MODEL_RES_DAEMONSETS);

unsigned cmd_status_resources(void)
{
    return status_needed | (1u << MODEL_RES_REPLICASETS) | (1u << MODEL_RES_EVENTS);
}

const char *cmd_status_unreadable(const struct model_cluster *c, int timeout_s, char *buf,
                                  size_t len)
{
    if (c == NULL) {
        snprintf(buf, len, "no response within %d s", timeout_s);
        return buf;
    }
    if (c->error) {
        snprintf(buf, len, "%s", c->error);
        return buf;
    }
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        if (!(status_needed & (1u << r)))
            continue;
        const struct model_freshness *f = &c->fresh[r];
        if (f->synced)
            continue;
        if (f->last_error)
            snprintf(buf, len, "%s: %s", model_res_name((enum model_res)r), f->last_error);
        else
            snprintf(buf, len, "%s not listed within %d s", model_res_name((enum model_res)r),
                     timeout_s);
        return buf;
    }
    return NULL;
}

bool cmd_status_settled(const struct model_cluster *c)
{
    if (c == NULL)
        return false;
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if ((cmd_status_resources() & (1u << r)) && !c->fresh[r].synced &&
            c->fresh[r].last_error == NULL)
            return false;
    return c->version != NULL || c->error != NULL;
}

/* ---- drift (the drift module's part of status) ----------------------------------------------- */

/* The report set by cmd_status_use_drift and its findings; status is single-threaded. */
static const struct drift_report *status_drift;
static struct finding *status_drift_f;
static size_t status_drift_nf;

void cmd_status_use_drift(const struct drift_report *r)
{
    drift_findings_free(status_drift_f, status_drift_nf);
    status_drift_f = NULL;
    status_drift_nf = 0;
    status_drift = r;
    if (r)
        status_drift_f = drift_findings(r, &status_drift_nf);
}

/* Unified diffs of the ConfigMaps that differ (they are not secret), read by status. */
struct status_cm_diff {
    char *ns;
    char *name;
    char *text;
};
static struct status_cm_diff *status_cm_diffs;
static size_t status_cm_ndiffs;

static void status_cm_diffs_free(void)
{
    for (size_t i = 0; i < status_cm_ndiffs; i++) {
        free(status_cm_diffs[i].ns);
        free(status_cm_diffs[i].name);
        free(status_cm_diffs[i].text);
    }
    free(status_cm_diffs);
    status_cm_diffs = NULL;
    status_cm_ndiffs = 0;
}

static const char *status_cm_diff(const char *ns, const char *name)
{
    for (size_t i = 0; i < status_cm_ndiffs; i++)
        if (!strcmp(status_cm_diffs[i].ns, ns ? ns : "") && !strcmp(status_cm_diffs[i].name, name))
            return status_cm_diffs[i].text;
    return NULL;
}

static int drift_worst(void)
{
    int w = -1;
    for (size_t i = 0; i < status_drift_nf; i++)
        if ((int)status_drift_f[i].severity > w)
            w = (int)status_drift_f[i].severity;
    return w;
}

int cmd_status_exit_code(const struct status_cluster cl[2], const struct analysis *a)
{
    if (cl[0].error || cl[1].error)
        return STATUS_EXIT_UNREADABLE;
    int worst = analysis_worst(a);
    if (drift_worst() > worst)
        worst = drift_worst();
    return worst >= FINDING_WARN ? STATUS_EXIT_FINDINGS : STATUS_EXIT_OK;
}

/* The findings a report lists: the analysis's, preceded by a cluster-unreadable one for a
 * cluster status could not read when the analysis had nothing to say about it (a context that
 * does not resolve gives no snapshot at all). */
struct report_findings {
    size_t n;
    struct finding *v; /* shallow copies; messages of the added ones are in owned */
    char *owned[2];
};

static int null_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Worst first, then source, target, both; then code, namespace, name, message. */
static int report_finding_cmp(const void *x, const void *y)
{
    const struct finding *a = x, *b = y;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->side != b->side)
        return (int)a->side - (int)b->side;
    int r = null_cmp(a->code, b->code);
    r = r ? r : null_cmp(a->ns, b->ns);
    r = r ? r : null_cmp(a->name, b->name);
    return r ? r : null_cmp(a->message, b->message);
}

static void report_findings_init(struct report_findings *rf, const struct status_cluster cl[2],
                                 const struct analysis *a)
{
    memset(rf, 0, sizeof *rf);
    rf->v = xreallocarray(NULL, a->nfindings + 2 + status_drift_nf, sizeof *rf->v);
    for (int s = 0; s < 2; s++) {
        if (cl[s].error == NULL)
            continue;
        bool said = false;
        for (size_t i = 0; i < a->nfindings; i++)
            said |= (int)a->findings[i].side == s &&
                    strcmp(a->findings[i].code, "cluster-unreadable") == 0;
        if (said)
            continue;
        const char *server = cl[s].server ? cl[s].server : cl[s].snap ? cl[s].snap->server : NULL;
        rf->owned[s] = xasprintf("%s cluster %s (%s) could not be read: %s",
                                 s ? "target" : "source", cl[s].context ? cl[s].context : "?",
                                 server ? server : "no server", cl[s].error);
        rf->v[rf->n++] = (struct finding){.severity = FINDING_CRIT,
                                          .side = (enum analysis_side)s,
                                          .code = (char *)"cluster-unreadable",
                                          .message = rf->owned[s]};
    }
    for (size_t i = 0; i < a->nfindings; i++)
        rf->v[rf->n++] = a->findings[i];
    for (size_t i = 0; i < status_drift_nf; i++) /* drift's, when status reads it */
        rf->v[rf->n++] = status_drift_f[i];
    if (rf->n > 1)
        qsort(rf->v, rf->n, sizeof *rf->v, report_finding_cmp);
}

static void report_findings_fini(struct report_findings *rf)
{
    free(rf->owned[0]);
    free(rf->owned[1]);
    free(rf->v);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void iso_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
}

static json_object *j_str(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *j_count(int64_t n)
{
    return n >= 0 ? json_object_new_int64(n) : NULL;
}

static json_object *j_time(int64_t t)
{
    if (t <= 0)
        return NULL;
    char buf[32];
    iso_time(t, buf, sizeof buf);
    return json_object_new_string(buf);
}

static json_object *j_tri(uint8_t v)
{
    return v == MODEL_UNKNOWN ? NULL : json_object_new_boolean(v == MODEL_TRUE);
}

static void add(json_object *o, const char *key, json_object *v)
{
    json_object_object_add(o, key, v);
}

static json_object *j_role(int total, int ready)
{
    json_object *o = json_object_new_object();
    add(o, "total", json_object_new_int(total));
    add(o, "ready", json_object_new_int(ready));
    return o;
}

static json_object *j_nodes(const struct zone_grid *g)
{
    if (!g->known)
        return NULL;
    json_object *o = json_object_new_object();
    add(o, "complete", json_object_new_boolean(g->complete));
    add(o, "total", json_object_new_int(g->nodes_total));
    add(o, "ready", json_object_new_int(g->ready));
    add(o, "not_ready", json_object_new_int(g->not_ready));
    add(o, "unschedulable", json_object_new_int(g->unschedulable));
    json_object *zones = json_object_new_array();
    for (size_t i = 0; i < g->n; i++) {
        const struct zone_cell *z = &g->cells[i];
        json_object *zo = json_object_new_object();
        add(zo, "zone", j_str(z->zone));
        add(zo, "control_plane", j_role(z->cp_total, z->cp_ready));
        add(zo, "worker", j_role(z->worker_total, z->worker_ready));
        add(zo, "other", j_role(z->other_total, z->other_ready));
        add(zo, "not_ready", json_object_new_int(z->not_ready));
        add(zo, "unschedulable", json_object_new_int(z->unschedulable));
        json_object_array_add(zones, zo);
    }
    add(o, "zones", zones);
    return o;
}

static json_object *j_event(const struct model_event *e)
{
    json_object *o = json_object_new_object();
    add(o, "namespace", j_str(e->obj.ns));
    add(o, "name", j_str(e->obj.name));
    add(o, "reason", j_str(e->reason));
    add(o, "message", j_str(e->message));
    add(o, "count", e->count > 0 ? json_object_new_int(e->count) : NULL);
    add(o, "last_seen", j_time(e->last_seen > 0 ? e->last_seen : e->obj.created));
    json_object *inv = json_object_new_object();
    add(inv, "kind", j_str(e->involved_kind));
    add(inv, "namespace", j_str(e->involved_ns));
    add(inv, "name", j_str(e->involved_name));
    add(o, "involved", inv);
    return o;
}

static json_object *j_cluster(const struct status_cluster *sc, const struct analysis *a, int side)
{
    const struct model_cluster *c = sc->snap;
    json_object *o = json_object_new_object();
    add(o, "context", j_str(sc->context));
    add(o, "server", j_str(sc->server ? sc->server : c ? c->server : NULL));
    add(o, "readable", json_object_new_boolean(sc->error == NULL));
    add(o, "error", j_str(sc->error));
    add(o, "tls_insecure", json_object_new_boolean(sc->tls_insecure || (c && c->tls_insecure)));
    add(o, "auth", j_str(c ? c->auth_kind : NULL));
    add(o, "version", j_str(c ? c->version : NULL));
    add(o, "version_major", c && c->ver_major >= 0 ? json_object_new_int(c->ver_major) : NULL);
    add(o, "version_minor", c && c->ver_minor >= 0 ? json_object_new_int(c->ver_minor) : NULL);
    add(o, "api_latency_ms",
        c && c->api_latency_ms >= 0 ? json_object_new_double(c->api_latency_ms) : NULL);
    add(o, "snapshot_at", j_time(c ? (int64_t)c->taken.tv_sec : 0));

    json_object *res = json_object_new_object();
    for (int r = 0; c && r < MODEL_RES_COUNT; r++) {
        const struct model_freshness *f = &c->fresh[r];
        if (!f->enabled)
            continue;
        json_object *ro = json_object_new_object();
        add(ro, "synced", json_object_new_boolean(f->synced));
        add(ro, "items", f->synced ? json_object_new_int64((int64_t)c->lists[r].n) : NULL);
        add(ro, "last_ok", j_time((int64_t)f->last_ok.tv_sec));
        add(ro, "error", j_str(f->last_error));
        add(res, model_res_name((enum model_res)r), ro);
    }
    add(o, "resources", res);
    add(o, "nodes", j_nodes(&a->zones[side]));
    json_object *ev = json_object_new_array();
    for (size_t i = 0; i < a->nevents_side[side]; i++)
        json_object_array_add(ev, j_event(a->events[side][i]));
    add(o, "warning_events", ev);
    return o;
}

static json_object *j_images(const char *images)
{
    if (images == NULL)
        return NULL;
    json_object *arr = json_object_new_array();
    for (const char *s = images; *s;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (len > 0)
            json_object_array_add(arr, json_object_new_string_len(s, (int)len));
        s += len + (comma ? 1 : 0);
    }
    return arr;
}

static const char *pair_status(const struct workload_pair *wp)
{
    return wp->severity == FINDING_INFO ? "ok" : finding_severity_name(wp->severity);
}

static json_object *j_side(const struct workload_pair *wp, int s)
{
    json_object *o = json_object_new_object();
    const struct model_workload *w = wp->side[s];
    add(o, "present", j_tri(wp->present[s]));
    add(o, "desired", w ? j_count(w->desired) : NULL);
    add(o, "ready", w ? j_count(w->ready) : NULL);
    add(o, "updated", w ? j_count(w->updated) : NULL);
    add(o, "available", w ? j_count(w->available) : NULL);
    add(o, "images", w ? j_images(w->images) : NULL);
    add(o, "pods", j_count(wp->pods[s]));
    add(o, "restarts", j_count(wp->restarts[s]));
    add(o, "waiting", j_str(wp->waiting[s]));
    add(o, "crash_looping_pods",
        wp->pods[s] >= 0 || wp->crashing[s] > 0 ? json_object_new_int(wp->crashing[s]) : NULL);
    return o;
}

json_object *cmd_status_json(const struct status_cluster cl[2], const struct analysis *a,
                             int exit_code, int64_t now)
{
    json_object *root = json_object_new_object();
    add(root, "schema_version", json_object_new_int(1));
    add(root, "generated_at", j_time(now));
    add(root, "exit_code", json_object_new_int(exit_code));
    json_object *clusters = json_object_new_object();
    add(clusters, "source", j_cluster(&cl[0], a, 0));
    add(clusters, "target", j_cluster(&cl[1], a, 1));
    add(root, "clusters", clusters);

    json_object *wl = json_object_new_array();
    int not_ok = 0;
    for (size_t i = 0; i < a->nworkloads; i++) {
        const struct workload_pair *wp = &a->workloads[i];
        json_object *o = json_object_new_object();
        add(o, "kind", j_str(wp->kind));
        add(o, "namespace", j_str(wp->ns));
        add(o, "name", j_str(wp->name));
        add(o, "status", json_object_new_string(pair_status(wp)));
        add(o, "images_differ", json_object_new_boolean(wp->images_differ));
        add(o, "source", j_side(wp, 0));
        add(o, "target", j_side(wp, 1));
        json_object_array_add(wl, o);
        not_ok += wp->severity != FINDING_INFO;
    }
    add(root, "workloads", wl);

    json_object *fl = json_object_new_array();
    int counts[3] = {0, 0, 0};
    struct report_findings rf;
    report_findings_init(&rf, cl, a);
    for (size_t i = 0; i < rf.n; i++) {
        const struct finding *f = &rf.v[i];
        json_object *o = json_object_new_object();
        add(o, "severity", json_object_new_string(finding_severity_name(f->severity)));
        add(o, "side", json_object_new_string(analysis_side_name(f->side)));
        add(o, "cluster", j_str(f->side == ANALYSIS_BOTH ? NULL : cl[f->side].context));
        add(o, "code", j_str(f->code));
        add(o, "kind", j_str(f->kind));
        add(o, "namespace", j_str(f->ns));
        add(o, "name", j_str(f->name));
        add(o, "message", j_str(f->message));
        json_object_array_add(fl, o);
        if ((unsigned)f->severity < 3)
            counts[f->severity]++;
    }
    report_findings_fini(&rf);
    add(root, "findings", fl);

    json_object *sum = json_object_new_object();
    add(sum, "crit", json_object_new_int(counts[FINDING_CRIT]));
    add(sum, "warn", json_object_new_int(counts[FINDING_WARN]));
    add(sum, "info", json_object_new_int(counts[FINDING_INFO]));
    add(sum, "workloads", json_object_new_int64((int64_t)a->nworkloads));
    add(sum, "workloads_not_ok", json_object_new_int(not_ok));
    add(sum, "unreadable_clusters",
        json_object_new_int((cl[0].error != NULL) + (cl[1].error != NULL)));
    add(root, "summary", sum);
    if (status_drift) { /* docs/status-json.md, "drift" */
        json_object *d = drift_report_json(status_drift), *items = NULL;
        if (json_object_object_get_ex(d, "items", &items))
            for (size_t i = 0; i < json_object_array_length(items); i++) {
                json_object *it = json_object_array_get_idx(items, i), *k, *ns, *nm;
                if (json_object_object_get_ex(it, "kind", &k) &&
                    !strcmp(json_object_get_string(k), "ConfigMap") &&
                    json_object_object_get_ex(it, "namespace", &ns) &&
                    json_object_object_get_ex(it, "name", &nm)) {
                    const char *t =
                        status_cm_diff(json_object_get_string(ns), json_object_get_string(nm));
                    if (t)
                        add(it, "diff", json_object_new_string(t));
                }
            }
        add(root, "drift", d);
    }
    return root;
}

/* Characters json-c writes raw that a terminal could act on: DEL, C1 controls, bidirectional
 * marks and overrides. */
static bool terminal_unsafe(unsigned cp)
{
    return cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *cmd_status_json_text(struct json_object *doc)
{
    const char *in = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t n = strlen(in);
    /* Outside strings json-c writes ASCII only, so every non-ASCII byte is inside a string,
     * where \uXXXX means the same character. */
    char *out = xmalloc(6 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len = text_utf8_decode(in + i, n - i, &cp);
        if (len == 0) {
            o += (size_t)sprintf(out + o, "\\ufffd"); /* not UTF-8: not JSON either */
            i++;
        } else if (terminal_unsafe(cp)) {
            o += (size_t)sprintf(out + o, "\\u%04x", cp);
            i += len;
        } else {
            memcpy(out + o, in + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- text ---------------------------------------------------------------------------------- */

/* Sanitized copy of an API string into buf ("?" for unknown). */
static const char *san(const char *s, char *buf, size_t len)
{
    return text_sanitize_buf(s ? s : "?", buf, len);
}

static void fmt_ratio(char *buf, size_t len, int ready, int total)
{
    if (total == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%d/%d", ready, total);
}

static void fmt_count(char *buf, size_t len, int64_t n)
{
    if (n < 0)
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%lld", (long long)n);
}

static void age_text(int64_t secs, char *buf, size_t len)
{
    if (secs < 0)
        secs = 0;
    if (secs < 120)
        snprintf(buf, len, "%llds ago", (long long)secs);
    else if (secs < 7200)
        snprintf(buf, len, "%lldm ago", (long long)(secs / 60));
    else
        snprintf(buf, len, "%lldh ago", (long long)(secs / 3600));
}

static void text_cluster(FILE *out, const struct status_cluster *sc, const struct analysis *a,
                         int side, int64_t now)
{
    const struct model_cluster *c = sc->snap;
    char b1[256], b2[512], b3[128];
    const char *server = sc->server ? sc->server : c ? c->server : NULL;
    fprintf(out, "%s  %s  %s  Kubernetes %s\n", side ? "TARGET" : "SOURCE",
            san(sc->context, b1, sizeof b1), san(server, b2, sizeof b2),
            san(c ? c->version : NULL, b3, sizeof b3));
    if (sc->tls_insecure || (c && c->tls_insecure))
        fprintf(out, "  WARNING: TLS certificate verification is off (insecure-skip-tls-verify)\n");
    if (sc->error)
        fprintf(out, "  ERROR: could not be read: %s\n", san(sc->error, b2, sizeof b2));
    const struct zone_grid *g = &a->zones[side];
    if (!g->known) {
        fprintf(out, "  nodes: unknown (not listed)\n\n");
        return;
    }
    fprintf(out, "  %-25s %13s  %9s  %9s  %13s\n",
            g->complete ? "nodes by zone" : "nodes by zone (partial)", "control-plane", "workers",
            "NotReady", "unschedulable");
    for (size_t i = 0; i < g->n; i++) {
        const struct zone_cell *z = &g->cells[i];
        char cp[32], wk[32];
        fmt_ratio(cp, sizeof cp, z->cp_ready, z->cp_total);
        fmt_ratio(wk, sizeof wk, z->worker_ready + z->other_ready,
                  z->worker_total + z->other_total);
        fprintf(out, "    %-23s %13s  %9s  %9d  %13d\n",
                z->zone ? san(z->zone, b1, sizeof b1) : "(no zone label)", cp, wk, z->not_ready,
                z->unschedulable);
    }
    fprintf(out, "    total: %d node%s, %d ready, %d NotReady, %d unschedulable\n", g->nodes_total,
            g->nodes_total == 1 ? "" : "s", g->ready, g->not_ready, g->unschedulable);
    if (c && c->taken.tv_sec > 0) {
        age_text(now - (int64_t)c->taken.tv_sec, b3, sizeof b3);
        fprintf(out, "    data taken %s\n", b3);
    }
    fputc('\n', out);
}

static void fmt_side(char *buf, size_t len, const struct workload_pair *wp, int s)
{
    const struct model_workload *w = wp->side[s];
    if (wp->present[s] == MODEL_UNKNOWN && w == NULL) {
        snprintf(buf, len, "?");
        return;
    }
    if (w == NULL) {
        snprintf(buf, len, "missing");
        return;
    }
    char r[16], d[16];
    fmt_count(r, sizeof r, w->ready);
    fmt_count(d, sizeof d, w->desired);
    snprintf(buf, len, "%s/%s", r, d);
}

static void text_workloads(FILE *out, const struct analysis *a)
{
    fprintf(out, "WORKLOADS (ready/desired)\n");
    if (a->nworkloads == 0) {
        fprintf(out, "  none known\n\n");
        return;
    }
    fprintf(out, "  %-4s  %-11s  %-40s  %9s  %9s  %s\n", "", "kind", "namespace/name", "source",
            "target", "notes");
    for (size_t i = 0; i < a->nworkloads; i++) {
        const struct workload_pair *wp = &a->workloads[i];
        char qn[300], ns[128], nm[160], s0[32], s1[32], notes[400], w[96];
        snprintf(qn, sizeof qn, "%s/%s", san(wp->ns, ns, sizeof ns), san(wp->name, nm, sizeof nm));
        fmt_side(s0, sizeof s0, wp, 0);
        fmt_side(s1, sizeof s1, wp, 1);
        size_t off = 0;
        notes[0] = '\0';
        for (int s = 0; s < 2; s++) {
            bool waiting = wp->waiting[s] != NULL, restarts = wp->restarts[s] > 0;
            if (!waiting && !restarts)
                continue;
            int n =
                snprintf(notes + off, sizeof notes - off, "%s%s: %s%s%.0d%s", off ? "; " : "",
                         s ? "target" : "source", waiting ? san(wp->waiting[s], w, sizeof w) : "",
                         waiting && restarts ? ", " : "", restarts ? (int)wp->restarts[s] : 0,
                         !restarts              ? ""
                         : wp->restarts[s] == 1 ? " restart"
                                                : " restarts");
            if (n > 0 && (size_t)n < sizeof notes - off)
                off += (size_t)n;
        }
        if (wp->images_differ && off < sizeof notes)
            snprintf(notes + off, sizeof notes - off, "%simages differ", off ? "; " : "");
        const char *st = wp->severity == FINDING_INFO   ? "ok"
                         : wp->severity == FINDING_WARN ? "WARN"
                                                        : "CRIT";
        fprintf(out, "  %-4s  %-11s  %-40s  %9s  %9s%s%s\n", st, wp->kind, qn, s0, s1,
                notes[0] ? "  " : "", notes);
    }
    fputc('\n', out);
}

static void text_findings(FILE *out, const struct status_cluster cl[2], const struct analysis *a)
{
    int counts[3] = {0, 0, 0};
    struct report_findings rf;
    report_findings_init(&rf, cl, a);
    for (size_t i = 0; i < rf.n; i++)
        if ((unsigned)rf.v[i].severity < 3)
            counts[rf.v[i].severity]++;
    fprintf(out, "FINDINGS (%d crit, %d warn, %d info)\n", counts[FINDING_CRIT],
            counts[FINDING_WARN], counts[FINDING_INFO]);
    if (rf.n == 0)
        fprintf(out, "  none\n");
    for (size_t i = 0; i < rf.n; i++) {
        const struct finding *f = &rf.v[i];
        char sev[8], ctx[128], msg[1024];
        snprintf(sev, sizeof sev, "%s", finding_severity_name(f->severity));
        for (char *p = sev; *p; p++)
            *p = (char)(*p - 'a' + 'A');
        const char *where =
            f->side == ANALYSIS_BOTH ? "" : san(cl[f->side].context, ctx, sizeof ctx);
        fprintf(out, "  %-4s  %-6s %-14s %-26s %s\n", sev, analysis_side_name(f->side), where,
                f->code, san(f->message, msg, sizeof msg));
    }
    report_findings_fini(&rf);
    fputc('\n', out);
}

static void text_events(FILE *out, const struct analysis *a, int64_t now)
{
    fprintf(out, "RECENT WARNING EVENTS\n");
    if (a->nevents == 0)
        fprintf(out, "  none\n");
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < a->nevents_side[s] && i < 20; i++) {
            const struct model_event *e = a->events[s][i];
            char age[32], kind[64], ns[128], name[200], reason[128], msg[600];
            age_text(now - (e->last_seen > 0 ? e->last_seen : e->obj.created), age, sizeof age);
            fprintf(out, "  %-6s %-9s %s %s/%s  %s  %s\n", s ? "target" : "source", age,
                    san(e->involved_kind, kind, sizeof kind), san(e->involved_ns, ns, sizeof ns),
                    san(e->involved_name, name, sizeof name), san(e->reason, reason, sizeof reason),
                    san(e->message, msg, sizeof msg));
        }
        if (a->nevents_side[s] > 20)
            fprintf(out, "  %-6s ... and %zu more\n", s ? "target" : "source",
                    a->nevents_side[s] - 20);
    }
}

/* The DRIFT section: modes, counts, what differs (names and key names only), External Secrets. */
static void text_drift(FILE *out, const struct drift_report *r)
{
    const struct drift_counts *c = &r->counts;
    fprintf(out, "SECRET AND CONFIGMAP DRIFT (secrets read: source %s, target %s)\n",
            r->read[0] ? drift_mode_name(r->mode[0]) : "not read",
            r->read[1] ? drift_mode_name(r->mode[1]) : "not read");
    if (r->mode[0] != DRIFT_MODE_CONTENTS || r->mode[1] != DRIFT_MODE_CONTENTS)
        fprintf(out, "  (metadata only: values not compared; --drift compares them by keyed "
                     "hash)\n");
    for (int k = 0; k < 2; k++) {
        const int *v = k ? c->configmaps : c->secrets;
        fprintf(out,
                "  %-10s %d equal, %d missing on target, %d missing on source, %d type differs, "
                "%d keys differ, %d values differ, %d not compared, %d ignored\n",
                k ? "configmaps" : "secrets", v[DRIFT_EQUAL], v[DRIFT_MISSING_TARGET],
                v[DRIFT_MISSING_SOURCE], v[DRIFT_TYPE_DIFFERS], v[DRIFT_KEYS_DIFFER],
                v[DRIFT_VALUES_DIFFER], v[DRIFT_UNKNOWN], v[DRIFT_IGNORED]);
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const struct drift_row *row = &r->rows[i];
        if (row->state == DRIFT_EQUAL || row->state == DRIFT_IGNORED || row->state == DRIFT_UNKNOWN)
            continue;
        char ns[128], name[256], keys[600];
        size_t o = 0;
        keys[0] = '\0';
        for (size_t k = 0; k < row->nkeys && o + 1 < sizeof keys; k++) {
            if (row->keys[k].state == DRIFT_KEY_EQUAL)
                continue;
            char kn[128];
            int w = snprintf(keys + o, sizeof keys - o, "%s%s (%s)", o ? ", " : "",
                             san(row->keys[k].name, kn, sizeof kn),
                             drift_key_state_name(row->keys[k].state));
            if (w < 0 || (size_t)w >= sizeof keys - o)
                break;
            o += (size_t)w;
        }
        fprintf(out, "  %-9s %s/%s  %s%s%s\n", row->kind == DRIFT_SECRET ? "Secret" : "ConfigMap",
                san(row->ns, ns, sizeof ns), san(row->name, name, sizeof name),
                drift_state_name(row->state), *keys ? ": " : "", keys);
        const char *diff = row->kind == DRIFT_CONFIGMAP ? status_cm_diff(row->ns, row->name) : NULL;
        int lines = 0;
        for (const char *p = diff; p && *p && lines < 60; lines++) {
            size_t n = strcspn(p, "\n");
            char line[512], safe[1100];
            snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
            fprintf(out, "      %s\n", san(line, safe, sizeof safe));
            p += n;
            if (*p == '\n')
                p++;
            if (lines == 59 && *p)
                fprintf(out, "      ...\n");
        }
    }
    fprintf(out, "  ignored: %d", c->ignored);
    for (size_t i = 0; i < r->nrules; i++) {
        if (!r->rules[i].secrets && !r->rules[i].configmaps)
            continue;
        char d[300], sd[400];
        fprintf(out, "; %s: %d",
                san(drift_rule_describe(&r->rules[i].rule, d, sizeof d), sd, sizeof sd),
                r->rules[i].secrets + r->rules[i].configmaps);
    }
    fputc('\n', out);
    fprintf(out,
            "  external secrets: %d (%d synced, %d sync errors, %d target missing); "
            "source of truth: %d match, %d differ, %d unreadable\n",
            c->es_total, c->es_state[DRIFT_ES_SYNCED], c->es_state[DRIFT_ES_SYNC_ERROR],
            c->es_target_missing, c->sot[DRIFT_SOT_MATCHES], c->sot[DRIFT_SOT_DIFFERS],
            c->sot[DRIFT_SOT_UNREADABLE]);
    for (size_t i = 0; i < r->nes; i++) {
        const struct drift_es_row *e = &r->es[i];
        char ns[128], name[256], reason[128];
        fprintf(out, "  %-6s %s/%s  %s%s%s  source of truth: %s\n", analysis_side_name(e->side),
                san(e->es->ns ? e->es->ns : "", ns, sizeof ns), san(e->es->name, name, sizeof name),
                drift_es_state_name(e->es->state), e->es->ready_reason ? " " : "",
                e->es->ready_reason ? san(e->es->ready_reason, reason, sizeof reason) : "",
                drift_sot_state_name(e->sot));
    }
    fputc('\n', out);
}

void cmd_status_text(FILE *out, const struct status_cluster cl[2], const struct analysis *a,
                     int exit_code, int64_t now)
{
    char when[32];
    iso_time(now, when, sizeof when);
    fprintf(out, "cutover status at %s\n\n", when);
    text_cluster(out, &cl[0], a, 0, now);
    text_cluster(out, &cl[1], a, 1, now);
    text_workloads(out, a);
    if (status_drift)
        text_drift(out, status_drift);
    text_findings(out, cl, a);
    text_events(out, a, now);
    fprintf(out, "\nexit %d: %s\n", exit_code,
            exit_code == STATUS_EXIT_UNREADABLE ? "a cluster could not be read"
            : exit_code == STATUS_EXIT_FINDINGS ? "findings of warn or crit severity"
                                                : "nothing wrong found");
}

/* ---- the command --------------------------------------------------------------------------- */

struct status_opts {
    bool json;
    bool drift; /* --drift: Secret contents (hashed) and the source of truth */
    const char *kubeconfig;
    const char *ctx[2];
    int timeout_s;
};

/* Returns 0 to go on, 1 after --help, -1 on a usage error (reported on stderr). */
static int parse_args(int argc, char **argv, struct status_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"drift", no_argument, NULL, 'd'},
        {"kubeconfig", required_argument, NULL, 'k'},
        {"source", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->timeout_s = 30;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            o->json = true;
            break;
        case 'd':
            o->drift = true;
            break;
        case 'k':
            o->kubeconfig = optarg;
            break;
        case 's':
            o->ctx[0] = optarg;
            break;
        case 't':
            o->ctx[1] = optarg;
            break;
        case 'T': {
            char *end = NULL;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 86400) {
                fprintf(stderr,
                        "cutover status: --timeout wants whole seconds (1-86400), not "
                        "'%s'\n",
                        optarg);
                return -1;
            }
            o->timeout_s = (int)v;
            break;
        }
        case 'h':
            fputs(status_usage, stdout);
            return 1;
        case ':':
            fprintf(stderr, "cutover status: %s needs a value\n\n%s", argv[optind - 1],
                    status_usage);
            return -1;
        default:
            fprintf(stderr, "cutover status: unknown option '%s'\n\n%s", argv[optind - 1],
                    status_usage);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cutover status: unexpected argument '%s'\n\n%s", argv[optind],
                status_usage);
        return -1;
    }
    return 0;
}

/* Merges the config file ($XDG_CONFIG_HOME/cutover/config.yaml: source, target, kubeconfig,
 * zone_spread_ratio) under the flags, as the dashboard does. Returns 0, or -1 after a message. */
static int merge_config(struct status_opts *o, struct config *cfg)
{
    struct error err;
    error_clear(&err);
    char ebuf[800];
    size_t nnames;
    const char *const *names = actions_names(&nnames);
    char *path = config_default_path();
    if (path) {
        int rc = config_load_file(path, names, nnames, cfg, &err);
        if (rc < 0 && rc != -ENOENT) {
            char safe[1600];
            fprintf(stderr, "cutover status: %s (using the defaults)\n",
                    text_sanitize_buf(error_format(&err, ebuf, sizeof ebuf), safe, sizeof safe));
        }
        free(path);
    }
    static const char *const keys[] = {"kubeconfig", "source", "target"};
    const char *vals[] = {o->kubeconfig, o->ctx[0], o->ctx[1]};
    for (int i = 0; i < 3; i++) {
        if (vals[i] && config_set(cfg, keys[i], vals[i], &err) != 0) {
            fprintf(stderr, "cutover status: --%s: %s\n", keys[i],
                    error_format(&err, ebuf, sizeof ebuf));
            return -1;
        }
    }
    o->kubeconfig = cfg->kubeconfig;
    k8s_informer_set_protobuf(cfg->protobuf);        /* config `protobuf:` */
    k8s_http_set_exec_timeout(cfg->exec_timeout_ms); /* config `exec_timeout:` */
    o->ctx[0] = cfg->source;
    o->ctx[1] = cfg->target;
    if (o->ctx[0] == NULL || o->ctx[1] == NULL) {
        fprintf(stderr,
                "cutover status: --source and --target are required (or set source: and target: "
                "in config.yaml)\n\n%s",
                status_usage);
        return -1;
    }
    return 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads drift from the clusters that were read (read-only clients of their own); NULL when
 * neither could be. */
static struct drift_snapshot *status_read_drift(const struct kube_context kctx[2],
                                                const bool resolved[2],
                                                const struct status_cluster cl[2], bool contents,
                                                const struct drift_config *dcfg)
{
    struct drift_side *sides[2] = {NULL, NULL};
    struct k8s_http *h[2] = {NULL, NULL};
    struct k8s_http_conn *conn[2] = {NULL, NULL};
    bool any = false;
    for (int s = 0; s < 2; s++) {
        if (!resolved[s] || cl[s].error)
            continue;
        struct k8s_http_opts ho = {.read_only = true};
        struct error err;
        error_clear(&err);
        if (k8s_http_new(&kctx[s], &ho, &h[s], &err) != 0)
            continue;
        conn[s] = k8s_http_conn_new(h[s], NULL, NULL);
        sides[s] = drift_reader_read_side(conn[s], cl[s].context, contents, 0);
        any = true;
    }
    struct drift_snapshot *snap = NULL;
    if (any) {
        struct drift_sot sot = {0};
        if (contents)
            drift_reader_read_sot(sides, dcfg, true, &sot);
        snap = drift_snapshot_new(sides[0], sides[1], &sot, dcfg);
    }
    /* the diffs of the ConfigMaps that differ (at most 20) */
    status_cm_diffs_free();
    for (size_t i = 0; snap && conn[0] && conn[1] && i < snap->report->nrows; i++) {
        const struct drift_row *r = &snap->report->rows[i];
        if (r->kind != DRIFT_CONFIGMAP || status_cm_ndiffs >= 20 ||
            (r->state != DRIFT_KEYS_DIFFER && r->state != DRIFT_VALUES_DIFFER))
            continue;
        struct udiff *d = NULL;
        struct error err;
        error_clear(&err);
        if (drift_reader_configmap_diff(conn[0], conn[1], r->ns, r->name, 3, &d, &err) != 0)
            continue;
        char *a = xasprintf("%s/%s/%s", cl[0].context, r->ns, r->name);
        char *b = xasprintf("%s/%s/%s", cl[1].context, r->ns, r->name);
        status_cm_diffs =
            xreallocarray(status_cm_diffs, status_cm_ndiffs + 1, sizeof *status_cm_diffs);
        status_cm_diffs[status_cm_ndiffs++] =
            (struct status_cm_diff){.ns = xstrdup(r->ns ? r->ns : ""),
                                    .name = xstrdup(r->name),
                                    .text = udiff_text(d, a, b)};
        free(a);
        free(b);
        udiff_free(d);
    }
    for (int s = 0; s < 2; s++) {
        k8s_http_conn_free(conn[s]);
        k8s_http_free(h[s]);
    }
    return snap;
}

int cmd_status(int argc, char **argv)
{
    struct status_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : STATUS_EXIT_UNREADABLE;
    struct config conf;
    config_init(&conf);
    if (merge_config(&o, &conf) != 0) {
        config_fini(&conf);
        return STATUS_EXIT_UNREADABLE;
    }

    /* The pollers' warnings go to the log file: stderr carries one line per unreadable
     * cluster and nothing else. */
    bool log_opened = log_path() == NULL && log_open(NULL) == 0;
    if (log_path() == NULL)
        log_set_level(LOG_ERROR);
    struct error err;
    error_clear(&err);
    /* A kubeconfig that cannot be loaded makes both clusters unreadable; the report is still
     * printed (in JSON too) so that scripts always get a document. */
    struct kubeconfig *kc = NULL;
    char kc_error[800] = "";
    if (kubeconfig_load(o.kubeconfig, &kc, &err) != 0) {
        char raw[700];
        snprintf(kc_error, sizeof kc_error, "cannot load kubeconfig: %s",
                 error_format(&err, raw, sizeof raw));
        kc = NULL;
    }

    static const char *const side_names[2] = {"source", "target"};
    struct kube_context kctx[2];
    bool resolved[2] = {false, false};
    struct model_publisher *pub[2] = {NULL, NULL};
    struct k8s_poller *poller[2] = {NULL, NULL};
    char why[2][1024];
    struct status_cluster cl[2];
    memset(kctx, 0, sizeof kctx);
    memset(cl, 0, sizeof cl);

    for (int s = 0; s < 2; s++) {
        cl[s].context = o.ctx[s];
        error_clear(&err);
        if (kc == NULL) {
            snprintf(why[s], sizeof why[s], "%s", kc_error);
            cl[s].error = why[s];
            continue;
        }
        if (kubeconfig_resolve(kc, o.ctx[s], &kctx[s], &err) != 0) {
            char buf[768];
            snprintf(why[s], sizeof why[s], "context not usable: %s",
                     error_format(&err, buf, sizeof buf));
            cl[s].error = why[s];
            continue;
        }
        resolved[s] = true;
        cl[s].server = kctx[s].server;
        cl[s].tls_insecure = kctx[s].insecure_skip_tls_verify;
        pub[s] = model_publisher_new(-1);
        struct k8s_poller_opts popts = {
            .resources = cmd_status_resources(),
            .read_only = true,
        };
        error_clear(&err);
        if (k8s_poller_start(&kctx[s], &popts, pub[s], &poller[s], &err) != 0) {
            char buf[768];
            snprintf(why[s], sizeof why[s], "%s", error_format(&err, buf, sizeof buf));
            cl[s].error = why[s];
            poller[s] = NULL;
        }
    }

    /* Both pollers run at once; wait for each within what is left of the one deadline. */
    int64_t deadline = mono_ms() + (int64_t)o.timeout_s * 1000;
    for (int s = 0; s < 2; s++) {
        if (poller[s] == NULL)
            continue;
        int64_t left = deadline - mono_ms();
        k8s_poller_wait_synced(poller[s], left > 0 ? (int)left : 0);
    }
    /* The informers are settled; the snapshot that says so (and the /version probe's answer)
     * is published a moment later: wait for it, within the same deadline. */
    struct model_cluster *snap[2] = {NULL, NULL};
    for (int s = 0; s < 2; s++) {
        if (pub[s] == NULL)
            continue;
        for (;;) {
            snap[s] = model_publisher_get(pub[s]);
            if (cmd_status_settled(snap[s]) || mono_ms() >= deadline)
                break;
            model_cluster_unref(snap[s]);
            struct timespec nap = {0, 20 * 1000000L};
            nanosleep(&nap, NULL);
        }
    }
    for (int s = 0; s < 2; s++) {
        cl[s].snap = snap[s];
        if (poller[s] && cl[s].error == NULL)
            cl[s].error = cmd_status_unreadable(snap[s], o.timeout_s, why[s], sizeof why[s]);
    }
    /* The snapshots hold their own references: the pollers can go now. */
    for (int s = 0; s < 2; s++)
        k8s_poller_stop(poller[s]);

    /* Secret and ConfigMap drift: always as metadata, Secret contents with --drift. */
    struct drift_snapshot *drift = status_read_drift(kctx, resolved, cl, o.drift, &conf.drift);
    cmd_status_use_drift(drift ? drift->report : NULL);

    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.zone_spread_ratio = conf.zone_spread_ratio;
    struct analysis *a = analysis_run(snap[0], snap[1], &cfg);
    int code = cmd_status_exit_code(cl, a);

    for (int s = 0; s < 2; s++) {
        if (cl[s].error == NULL)
            continue;
        char c1[256], c2[512], c3[1024];
        fprintf(stderr, "cutover status: %s cluster %s (%s) could not be read: %s\n", side_names[s],
                san(o.ctx[s], c1, sizeof c1),
                san(cl[s].server ? cl[s].server : "no server", c2, sizeof c2),
                san(cl[s].error, c3, sizeof c3));
    }

    if (o.json) {
        json_object *doc = cmd_status_json(cl, a, code, cfg.now);
        char *safe = cmd_status_json_text(doc);
        fputs(safe, stdout);
        fputc('\n', stdout);
        free(safe);
        json_object_put(doc);
    } else {
        cmd_status_text(stdout, cl, a, code, cfg.now);
    }
    fflush(stdout);

    cmd_status_use_drift(NULL);
    status_cm_diffs_free();
    drift_snapshot_unref(drift);
    analysis_free(a);
    for (int s = 0; s < 2; s++) {
        model_cluster_unref(snap[s]);
        model_publisher_free(pub[s]);
        if (resolved[s])
            kube_context_fini(&kctx[s]);
    }
    kubeconfig_free(kc);
    if (log_opened)
        log_close();
    config_fini(&conf);
    return code;
}
