/* What the two clusters' snapshots mean together: zone grids, workload pairs, findings, events.
 * Pure: reads two immutable snapshots, allocates the result, no I/O. Built to be linear in the
 * number of rows (hash maps keyed by kind/namespace/name), for 150k pods per side. */
#include "cutover/analysis.h"

#include "cutover/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NO_PAIR UINT32_MAX

/* The private whole: the public struct first, then what backs its arrays. */
struct analysis_priv {
    struct analysis pub;
    const struct model_pod **pod_store[2]; /* podv of every pair points into these */
    size_t findings_cap;
};

const char *finding_severity_name(enum finding_severity sev)
{
    switch (sev) {
    case FINDING_INFO:
        return "info";
    case FINDING_WARN:
        return "warn";
    case FINDING_CRIT:
        return "crit";
    }
    return "?";
}

const char *analysis_side_name(enum analysis_side side)
{
    switch (side) {
    case ANALYSIS_SOURCE:
        return "source";
    case ANALYSIS_TARGET:
        return "target";
    case ANALYSIS_BOTH:
        return "both";
    }
    return "?";
}

void analysis_config_init(struct analysis_config *cfg)
{
    cfg->zone_spread_ratio = 2.0;
    cfg->event_max_age_s = 3600;
    cfg->now = (int64_t)time(NULL);
    cfg->stale_after_s = 120;
}

int analysis_worst(const struct analysis *a)
{
    int worst = -1;
    for (size_t i = 0; a && i < a->nfindings; i++)
        if ((int)a->findings[i].severity > worst)
            worst = (int)a->findings[i].severity;
    return worst;
}

/* ---- findings ------------------------------------------------------------------------------ */

static const char *side_word(int side)
{
    return side == ANALYSIS_SOURCE ? "source" : "target";
}

__attribute__((format(printf, 7, 8))) static struct finding *
add_finding(struct analysis_priv *p, enum finding_severity sev, int side, const char *code,
            const char *kind, const struct model_obj *obj, const char *fmt, ...)
{
    struct analysis *a = &p->pub;
    if (a->nfindings == p->findings_cap) {
        p->findings_cap = p->findings_cap ? 2 * p->findings_cap : 16;
        a->findings = xreallocarray(a->findings, p->findings_cap, sizeof *a->findings);
    }
    struct finding *f = &a->findings[a->nfindings++];
    memset(f, 0, sizeof *f);
    f->severity = sev;
    f->side = (enum analysis_side)side;
    f->code = (char *)code;
    f->kind = (char *)kind;
    if (obj) {
        f->ns = obj->ns;
        f->name = obj->name;
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&f->message, fmt, ap) < 0)
        fatal("out of memory formatting a finding");
    va_end(ap);
    return f;
}

/* "ns/name" or "name" into buf. */
static const char *qual(const char *ns, const char *name, char *buf, size_t len)
{
    if (ns && *ns)
        snprintf(buf, len, "%s/%s", ns, name ? name : "?");
    else
        snprintf(buf, len, "%s", name ? name : "?");
    return buf;
}

/* ---- clusters ------------------------------------------------------------------------------ */

static bool res_synced(const struct model_cluster *c, enum model_res res)
{
    return c && c->fresh[res].synced;
}

/* True when nothing of the cluster could be read: a cluster-wide error, or every enabled
 * resource failed without ever completing a list. */
static bool cluster_unreadable(const struct model_cluster *c, const char **why)
{
    *why = c->error;
    if (c->error)
        return true;
    bool any_enabled = false;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        const struct model_freshness *f = &c->fresh[r];
        if (!f->enabled)
            continue;
        any_enabled = true;
        if (f->synced || f->last_error == NULL)
            return false;
        if (*why == NULL)
            *why = f->last_error;
    }
    return any_enabled;
}

static void age_text(int64_t secs, char *buf, size_t len)
{
    if (secs < 120)
        snprintf(buf, len, "%llds", (long long)secs);
    else if (secs < 7200)
        snprintf(buf, len, "%lldm", (long long)(secs / 60));
    else
        snprintf(buf, len, "%lldh", (long long)(secs / 3600));
}

static void cluster_findings(struct analysis_priv *p, const struct model_cluster *c, int side,
                             const struct analysis_config *cfg)
{
    const char *why = NULL;
    if (cluster_unreadable(c, &why)) {
        /* Data read before it went away is still shown: say how old it is. */
        int64_t newest_ok = 0;
        for (int r = 0; r < MODEL_RES_COUNT; r++)
            if (c->fresh[r].synced && c->fresh[r].last_ok.tv_sec > newest_ok)
                newest_ok = c->fresh[r].last_ok.tv_sec;
        char last[64] = "";
        if (newest_ok > 0) {
            char age[24];
            age_text(cfg->now - newest_ok > 0 ? cfg->now - newest_ok : 0, age, sizeof age);
            snprintf(last, sizeof last, " (showing data from %s ago)", age);
        }
        add_finding(p, FINDING_CRIT, side, "cluster-unreadable", NULL, NULL,
                    "%s cluster %s (%s) could not be read: %s%s", side_word(side),
                    c->context ? c->context : "?", c->server ? c->server : "?",
                    why ? why : "unknown error", last);
        return;
    }
    /* Stale: resources whose last attempt failed, or a snapshot nobody refreshed. */
    char names[256] = "";
    size_t off = 0;
    const char *first_err = NULL;
    int64_t oldest_ok = -1;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        const struct model_freshness *f = &c->fresh[r];
        if (!f->enabled || f->last_error == NULL)
            continue;
        if (first_err == NULL)
            first_err = f->last_error;
        int n = snprintf(names + off, sizeof names - off, "%s%s", off ? ", " : "",
                         model_res_name((enum model_res)r));
        if (n > 0 && (size_t)n < sizeof names - off)
            off += (size_t)n;
        if (f->last_ok.tv_sec > 0 && (oldest_ok < 0 || f->last_ok.tv_sec < oldest_ok))
            oldest_ok = f->last_ok.tv_sec;
    }
    if (first_err) {
        char age[32] = "never";
        if (oldest_ok > 0) {
            char a[24];
            age_text(cfg->now - oldest_ok > 0 ? cfg->now - oldest_ok : 0, a, sizeof a);
            snprintf(age, sizeof age, "%s ago", a);
        }
        add_finding(p, FINDING_WARN, side, "stale-data", NULL, NULL,
                    "%s data is stale (%s; last good update %s): %s", side_word(side), names, age,
                    first_err);
    } else if (c->taken.tv_sec > 0 && cfg->stale_after_s > 0 &&
               cfg->now - (int64_t)c->taken.tv_sec > cfg->stale_after_s) {
        char a[24];
        age_text(cfg->now - (int64_t)c->taken.tv_sec, a, sizeof a);
        add_finding(p, FINDING_WARN, side, "stale-data", NULL, NULL,
                    "%s data is stale: last snapshot %s old", side_word(side), a);
    }
}

static void version_findings(struct analysis_priv *p, const struct model_cluster *src,
                             const struct model_cluster *tgt)
{
    if (!src || !tgt || src->ver_major < 0 || src->ver_minor < 0 || tgt->ver_major < 0 ||
        tgt->ver_minor < 0)
        return;
    if (tgt->ver_major < src->ver_major ||
        (tgt->ver_major == src->ver_major && tgt->ver_minor < src->ver_minor))
        add_finding(p, FINDING_WARN, ANALYSIS_TARGET, "version-older", NULL, NULL,
                    "target runs Kubernetes %s, older than the source's %s",
                    tgt->version ? tgt->version : "?", src->version ? src->version : "?");
}

/* ---- zone grid ----------------------------------------------------------------------------- */

static int cell_cmp(const void *x, const void *y)
{
    const struct zone_cell *a = x, *b = y;
    if (a->zone == NULL || b->zone == NULL)
        return (a->zone == NULL) - (b->zone == NULL);
    return strcmp(a->zone, b->zone);
}

static void build_grid(struct zone_grid *g, const struct model_cluster *c)
{
    memset(g, 0, sizeof *g);
    if (c == NULL)
        return;
    const struct model_list *l = &c->lists[MODEL_RES_NODES];
    g->complete = c->fresh[MODEL_RES_NODES].synced;
    g->known = g->complete || l->n > 0;
    size_t cap = 0, last = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct model_node *n = (const struct model_node *)l->items[i];
        const char *zone = n->zone && *n->zone ? n->zone : NULL;
        struct zone_cell *cell = NULL;
        if (last < g->n &&
            ((zone == NULL && g->cells[last].zone == NULL) ||
             (zone && g->cells[last].zone && strcmp(zone, g->cells[last].zone) == 0)))
            cell = &g->cells[last];
        for (size_t k = 0; cell == NULL && k < g->n; k++)
            if ((zone == NULL && g->cells[k].zone == NULL) ||
                (zone && g->cells[k].zone && strcmp(zone, g->cells[k].zone) == 0)) {
                cell = &g->cells[k];
                last = k;
            }
        if (cell == NULL) {
            if (g->n == cap) {
                cap = cap ? 2 * cap : 8;
                g->cells = xreallocarray(g->cells, cap, sizeof *g->cells);
            }
            last = g->n;
            cell = &g->cells[g->n++];
            memset(cell, 0, sizeof *cell);
            cell->zone = (char *)zone;
        }
        bool ready = n->ready == MODEL_TRUE;
        if (n->role == MODEL_ROLE_CONTROL_PLANE) {
            cell->cp_total++;
            cell->cp_ready += ready;
        } else if (n->role == MODEL_ROLE_WORKER) {
            cell->worker_total++;
            cell->worker_ready += ready;
        } else {
            cell->other_total++;
            cell->other_ready += ready;
        }
        if (n->ready == MODEL_FALSE) {
            cell->not_ready++;
            g->not_ready++;
        }
        g->ready += ready;
        if (n->schedulable == MODEL_FALSE) {
            cell->unschedulable++;
            g->unschedulable++;
        }
        g->nodes_total++;
    }
    if (g->n > 1)
        qsort(g->cells, g->n, sizeof *g->cells, cell_cmp);
}

/* Up to five node names matching pred, joined by ", ", with "..." after. */
static void node_names(const struct model_cluster *c, int want_not_ready, char *buf, size_t len)
{
    const struct model_list *l = &c->lists[MODEL_RES_NODES];
    size_t off = 0;
    int shown = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        const struct model_node *n = (const struct model_node *)l->items[i];
        bool match = want_not_ready ? n->ready == MODEL_FALSE : n->schedulable == MODEL_FALSE;
        if (!match)
            continue;
        int w = shown == 5 ? snprintf(buf + off, len - off, ", ...")
                           : snprintf(buf + off, len - off, "%s%s", shown ? ", " : "",
                                      n->obj.name ? n->obj.name : "?");
        if (w < 0 || (size_t)w >= len - off)
            break;
        off += (size_t)w;
        if (++shown > 5)
            break;
    }
}

static const char *names_first_node(const struct model_cluster *c, int want_not_ready)
{
    const struct model_list *l = &c->lists[MODEL_RES_NODES];
    for (size_t i = 0; i < l->n; i++) {
        const struct model_node *n = (const struct model_node *)l->items[i];
        if (want_not_ready ? n->ready == MODEL_FALSE : n->schedulable == MODEL_FALSE)
            return n->obj.name;
    }
    return NULL;
}

static bool worker_zone(const struct zone_cell *z)
{
    return z->zone != NULL && z->worker_total > 0;
}

static void node_findings(struct analysis_priv *p, const struct model_cluster *c, int side,
                          const struct analysis_config *cfg)
{
    const struct zone_grid *g = &p->pub.zones[side];
    if (!g->complete)
        return;
    /* Every control-plane node in one zone. */
    int cp = 0, cp_unknown_zone = 0, cp_zones = 0;
    const char *cp_zone = NULL;
    for (size_t i = 0; i < g->n; i++) {
        const struct zone_cell *z = &g->cells[i];
        if (z->cp_total == 0)
            continue;
        cp += z->cp_total;
        if (z->zone == NULL) {
            cp_unknown_zone += z->cp_total;
        } else {
            cp_zones++;
            cp_zone = z->zone;
        }
    }
    if (cp > 0 && cp_unknown_zone == 0 && cp_zones == 1)
        add_finding(p, FINDING_CRIT, side, "control-plane-single-zone", "Node", NULL,
                    "%d of %d control-plane node%s in %s: one zone outage takes the control "
                    "plane down",
                    cp, cp, cp == 1 ? "" : "s", cp_zone);

    /* Zones with nodes but no workers; uneven spread among the zones that have workers. */
    int min_w = -1, max_w = -1;
    const char *min_z = NULL, *max_z = NULL;
    for (size_t i = 0; i < g->n; i++) {
        const struct zone_cell *z = &g->cells[i];
        if (z->zone == NULL)
            continue;
        if (z->worker_total == 0 && z->other_total == 0) {
            add_finding(p, FINDING_WARN, side, "zone-no-workers", NULL, NULL,
                        "zone %s has %d node%s but no workers on %s", z->zone,
                        z->cp_total + z->other_total, z->cp_total == 1 ? "" : "s", side_word(side));
            continue;
        }
        if (z->worker_total == 0)
            continue;
        if (min_w < 0 || z->worker_total < min_w) {
            min_w = z->worker_total;
            min_z = z->zone;
        }
        if (max_w < 0 || z->worker_total > max_w) {
            max_w = z->worker_total;
            max_z = z->zone;
        }
    }
    if (min_w > 0 && max_w > 0 && min_z != max_z && (double)max_w > cfg->zone_spread_ratio * min_w)
        add_finding(p, FINDING_WARN, side, "zone-spread-uneven", NULL, NULL,
                    "workers uneven across zones on %s: %d in %s, %d in %s (more than %.1fx)",
                    side_word(side), max_w, max_z, min_w, min_z, cfg->zone_spread_ratio);

    /* NotReady and cordoned nodes. */
    if (g->not_ready > 0) {
        char names[200];
        node_names(c, 1, names, sizeof names);
        bool crit = 3 * g->not_ready > g->nodes_total;
        struct finding *f =
            add_finding(p, crit ? FINDING_CRIT : FINDING_WARN, side, "nodes-not-ready", "Node",
                        NULL, "%d of %d nodes NotReady on %s: %s", g->not_ready, g->nodes_total,
                        side_word(side), names);
        if (g->not_ready == 1)
            f->name = (char *)names_first_node(c, 1);
    }
    if (g->unschedulable > 0) {
        char names[200];
        node_names(c, 0, names, sizeof names);
        struct finding *f = add_finding(p, FINDING_INFO, side, "nodes-cordoned", "Node", NULL,
                                        "%d of %d nodes cordoned on %s: %s", g->unschedulable,
                                        g->nodes_total, side_word(side), names);
        if (g->unschedulable == 1)
            f->name = (char *)names_first_node(c, 0);
    }
}

static const struct zone_cell *grid_zone(const struct zone_grid *g, const char *zone)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->cells[i].zone && strcmp(g->cells[i].zone, zone) == 0)
            return &g->cells[i];
    return NULL;
}

/* The target spreads its workers over fewer zones than the source does. */
static void zone_pair_findings(struct analysis_priv *p)
{
    const struct zone_grid *s = &p->pub.zones[0], *t = &p->pub.zones[1];
    if (!s->complete || !t->complete)
        return;
    int ns = 0, nt = 0;
    for (size_t i = 0; i < s->n; i++)
        ns += worker_zone(&s->cells[i]);
    for (size_t i = 0; i < t->n; i++)
        nt += worker_zone(&t->cells[i]);
    if (nt >= ns)
        return;
    char missing[256] = "";
    size_t off = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!worker_zone(&s->cells[i]))
            continue;
        const struct zone_cell *tz = grid_zone(t, s->cells[i].zone);
        if (tz && worker_zone(tz))
            continue;
        int w = snprintf(missing + off, sizeof missing - off, "%s%s", off ? ", " : "",
                         s->cells[i].zone);
        if (w > 0 && (size_t)w < sizeof missing - off)
            off += (size_t)w;
    }
    add_finding(p, FINDING_WARN, ANALYSIS_TARGET, "worker-zones-fewer", NULL, NULL,
                "target has workers in %d zone%s, source in %d%s%s%s", nt, nt == 1 ? "" : "s", ns,
                off ? " (none in " : "", missing, off ? ")" : "");
}

/* ---- hash maps ----------------------------------------------------------------------------- */

struct htab {
    uint32_t *slot; /* index + 1; 0 empty */
    uint32_t *tag;  /* low 32 bits of the hash, to skip most string compares */
    size_t mask;
};

static void htab_init(struct htab *h, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 16)
        cap *= 2;
    h->slot = xcalloc(cap, sizeof *h->slot);
    h->tag = xcalloc(cap, sizeof *h->tag);
    h->mask = cap - 1;
}

static void htab_fini(struct htab *h)
{
    free(h->slot);
    free(h->tag);
}

static uint64_t key_hash(unsigned kind, const char *ns, const char *name, size_t namelen)
{
    uint64_t h = 1469598103934665603ULL;
    h = (h ^ kind) * 1099511628211ULL;
    for (const unsigned char *s = (const unsigned char *)(ns ? ns : ""); *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL;
    for (size_t i = 0; i < namelen; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static bool str_eq_ns(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool name_eq(const char *full, const char *name, size_t namelen)
{
    return full && strncmp(full, name, namelen) == 0 && full[namelen] == '\0';
}

/* Pairs keyed by (res, ns, name). */
static uint32_t pair_find(const struct htab *h, const struct workload_pair *pairs, unsigned res,
                          const char *ns, const char *name, size_t namelen, uint64_t hv)
{
    for (size_t i = hv & h->mask;; i = (i + 1) & h->mask) {
        uint32_t s = h->slot[i];
        if (s == 0)
            return NO_PAIR;
        const struct workload_pair *wp = &pairs[s - 1];
        if (h->tag[i] == (uint32_t)hv && wp->res == (enum model_res)res && str_eq_ns(wp->ns, ns) &&
            name_eq(wp->name, name, namelen))
            return s - 1;
    }
}

static void htab_put(struct htab *h, uint64_t hv, uint32_t idx)
{
    size_t i = hv & h->mask;
    while (h->slot[i] != 0)
        i = (i + 1) & h->mask;
    h->slot[i] = idx + 1;
    h->tag[i] = (uint32_t)hv;
}

/* ReplicaSets of one side keyed by (ns, name): index into the list. */
static const struct model_workload *rs_find(const struct htab *h, const struct model_list *l,
                                            const char *ns, const char *name)
{
    uint64_t hv = key_hash(MODEL_RES_REPLICASETS, ns, name, strlen(name));
    for (size_t i = hv & h->mask;; i = (i + 1) & h->mask) {
        uint32_t s = h->slot[i];
        if (s == 0)
            return NULL;
        const struct model_workload *w = (const struct model_workload *)l->items[s - 1];
        if (h->tag[i] == (uint32_t)hv && str_eq_ns(w->obj.ns, ns) && w->obj.name &&
            strcmp(w->obj.name, name) == 0)
            return w;
    }
}

/* ---- workloads ----------------------------------------------------------------------------- */

static const enum model_res workload_res[] = {MODEL_RES_DEPLOYMENTS, MODEL_RES_STATEFULSETS,
                                              MODEL_RES_DAEMONSETS, MODEL_RES_REPLICASETS};
#define NWORKLOAD_RES (sizeof workload_res / sizeof workload_res[0])

/* How bad a container waiting reason is; 0 for none. */
static int waiting_rank(const char *r)
{
    static const struct {
        const char *reason;
        int rank;
    } ranks[] = {
        {"CrashLoopBackOff", 100}, {"ImagePullBackOff", 90},           {"ErrImagePull", 85},
        {"InvalidImageName", 80},  {"CreateContainerConfigError", 70}, {"CreateContainerError", 65},
        {"RunContainerError", 60}, {"ContainerCreating", 5},           {"PodInitializing", 4},
    };
    if (r == NULL || *r == '\0')
        return 0;
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
        if (strcmp(r, ranks[i].reason) == 0)
            return ranks[i].rank;
    return 10;
}

/* CrashLoopBackOff, ImagePullBackOff, ErrImagePull: the pod will not come up by itself. */
#define WAITING_CRASH_RANK 85
static bool waiting_crash(const char *r)
{
    return waiting_rank(r) >= WAITING_CRASH_RANK;
}

static bool is_deployment_owner(const struct model_workload *rs)
{
    return rs->owner_kind && strcmp(rs->owner_kind, "Deployment") == 0 && rs->owner_name;
}

/* The pair a pod belongs to on side s, or NO_PAIR. */
static uint32_t pod_owner_pair(const struct model_pod *pod, int side, const struct htab *pairs_h,
                               const struct workload_pair *pairs, const struct htab *rs_h,
                               const struct model_list *rs_list)
{
    const char *ok = pod->owner_kind, *on = pod->owner_name, *ns = pod->obj.ns;
    if (ok == NULL || on == NULL)
        return NO_PAIR;
    unsigned res;
    if (strcmp(ok, "ReplicaSet") == 0) {
        const struct model_workload *rs = rs_find(rs_h, rs_list, ns, on);
        if (rs && is_deployment_owner(rs)) {
            size_t len = strlen(rs->owner_name);
            return pair_find(pairs_h, pairs, MODEL_RES_DEPLOYMENTS, ns, rs->owner_name, len,
                             key_hash(MODEL_RES_DEPLOYMENTS, ns, rs->owner_name, len));
        }
        if (rs && rs->owner_kind == NULL) {
            size_t len = strlen(on);
            return pair_find(pairs_h, pairs, MODEL_RES_REPLICASETS, ns, on, len,
                             key_hash(MODEL_RES_REPLICASETS, ns, on, len));
        }
        if (rs)
            return NO_PAIR;
        /* The ReplicaSet is not (yet) known: "<deployment>-<pod-template-hash>". */
        const char *dash = strrchr(on, '-');
        if (dash == NULL)
            return NO_PAIR;
        size_t len = (size_t)(dash - on);
        uint32_t idx = pair_find(pairs_h, pairs, MODEL_RES_DEPLOYMENTS, ns, on, len,
                                 key_hash(MODEL_RES_DEPLOYMENTS, ns, on, len));
        return idx != NO_PAIR && pairs[idx].side[side] ? idx : NO_PAIR;
    } else if (strcmp(ok, "StatefulSet") == 0) {
        res = MODEL_RES_STATEFULSETS;
    } else if (strcmp(ok, "DaemonSet") == 0) {
        res = MODEL_RES_DAEMONSETS;
    } else {
        return NO_PAIR;
    }
    size_t len = strlen(on);
    return pair_find(pairs_h, pairs, res, ns, on, len, key_hash(res, ns, on, len));
}

/* " (N restarts)", or "" when unknown. */
static const char *restarts_text(int32_t n, char *buf, size_t len)
{
    if (n < 0)
        buf[0] = '\0';
    else
        snprintf(buf, len, " (%d restart%s)", (int)n, n == 1 ? "" : "s");
    return buf;
}

/* Attributes the pods of one side to pairs: podv, pods, restarts, waiting, crashing. Pods that
 * belong to no workload but crash-loop become findings of their own. */
static void attribute_pods(struct analysis_priv *p, const struct model_cluster *c, int side,
                           const struct htab *pairs_h)
{
    struct analysis *a = &p->pub;
    struct workload_pair *pairs = a->workloads;
    bool pods_known = res_synced(c, MODEL_RES_PODS);
    for (size_t i = 0; i < a->nworkloads; i++) {
        pairs[i].pods[side] = pods_known ? 0 : MODEL_COUNT_UNKNOWN;
        pairs[i].restarts[side] = pods_known ? 0 : MODEL_COUNT_UNKNOWN;
    }
    if (c == NULL)
        return;

    const struct model_list *rsl = &c->lists[MODEL_RES_REPLICASETS];
    struct htab rs_h;
    htab_init(&rs_h, rsl->n);
    for (size_t i = 0; i < rsl->n; i++) {
        const struct model_workload *w = (const struct model_workload *)rsl->items[i];
        if (w->obj.name)
            htab_put(&rs_h,
                     key_hash(MODEL_RES_REPLICASETS, w->obj.ns, w->obj.name, strlen(w->obj.name)),
                     (uint32_t)i);
    }

    /* One pass over the pod rows (they are scattered in memory: read each once), aggregating
     * per pair; pods of one owner are usually adjacent, so the last owner is remembered. */
    const struct model_list *pl = &c->lists[MODEL_RES_PODS];
    uint32_t *owner = xreallocarray(NULL, pl->n ? pl->n : 1, sizeof *owner);
    size_t n = a->nworkloads ? a->nworkloads : 1;
    bool *restarts_seen = xcalloc(n, sizeof *restarts_seen);
    int64_t *restarts = xcalloc(n, sizeof *restarts);
    size_t attributed = 0;
    const char *last_kind = NULL, *last_name = NULL, *last_ns = NULL;
    uint32_t last_idx = NO_PAIR;
    for (size_t i = 0; i < pl->n; i++) {
        const struct model_pod *pod = (const struct model_pod *)pl->items[i];
        uint32_t idx;
        if (last_name && pod->owner_name && pod->owner_kind &&
            strcmp(pod->owner_name, last_name) == 0 && strcmp(pod->owner_kind, last_kind) == 0 &&
            str_eq_ns(pod->obj.ns, last_ns)) {
            idx = last_idx;
        } else {
            idx = pod_owner_pair(pod, side, pairs_h, pairs, &rs_h, rsl);
            last_kind = pod->owner_kind;
            last_name = pod->owner_name;
            last_ns = pod->obj.ns;
            last_idx = idx;
        }
        owner[i] = idx;
        const char *wr = pod->waiting_reason;
        char rbuf[48];
        if (idx == NO_PAIR) {
            if (wr && waiting_crash(wr))
                add_finding(p, FINDING_CRIT, side, "pods-crash-looping", "Pod", &pod->obj,
                            "pod %s/%s in %s on %s%s", pod->obj.ns ? pod->obj.ns : "",
                            pod->obj.name ? pod->obj.name : "?", wr, side_word(side),
                            restarts_text(pod->restarts, rbuf, sizeof rbuf));
            continue;
        }
        struct workload_pair *wp = &pairs[idx];
        wp->npodv[side]++;
        attributed++;
        if (pod->restarts >= 0) {
            restarts[idx] += pod->restarts;
            restarts_seen[idx] = true;
        }
        if (wr) {
            int rank = waiting_rank(wr);
            if (rank > waiting_rank(wp->waiting[side]))
                wp->waiting[side] = (char *)wr;
            if (rank >= WAITING_CRASH_RANK)
                wp->crashing[side]++;
        }
    }
    htab_fini(&rs_h);

    /* Lay each pair's pods out in one array: offsets from the counts, then fill. */
    const struct model_pod **store =
        xreallocarray(NULL, attributed ? attributed : 1, sizeof *store);
    p->pod_store[side] = store;
    size_t *fill = xreallocarray(NULL, n, sizeof *fill);
    size_t off = 0;
    for (size_t i = 0; i < a->nworkloads; i++) {
        pairs[i].podv[side] = (const struct model_pod *const *)(store + off);
        fill[i] = off;
        off += pairs[i].npodv[side];
    }
    for (size_t i = 0; i < pl->n; i++)
        if (owner[i] != NO_PAIR)
            store[fill[owner[i]]++] = (const struct model_pod *)pl->items[i];
    for (size_t i = 0; i < a->nworkloads; i++) {
        if (!pods_known)
            continue;
        pairs[i].pods[side] = (int)pairs[i].npodv[side];
        if (restarts_seen[i])
            pairs[i].restarts[side] = restarts[i] > INT32_MAX ? INT32_MAX : (int32_t)restarts[i];
        else if (pairs[i].npodv[side] > 0)
            pairs[i].restarts[side] = MODEL_COUNT_UNKNOWN;
    }
    free(restarts);
    free(restarts_seen);
    free(fill);
    free(owner);
}

/* ---- images -------------------------------------------------------------------------------- */

struct imageset {
    size_t n;
    char **v; /* normalized, sorted */
};

/* "nginx" and "docker.io/library/nginx:latest" are the same image. */
static char *image_normalize(const char *s, size_t len)
{
    static const char *const prefixes[] = {"docker.io/library/", "index.docker.io/library/",
                                           "docker.io/", "index.docker.io/"};
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i]);
        if (len > pl && strncmp(s, prefixes[i], pl) == 0) {
            s += pl;
            len -= pl;
            break;
        }
    }
    const char *slash = NULL;
    bool tagged = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/')
            slash = s + i;
        if (s[i] == '@')
            tagged = true;
    }
    for (const char *q = slash ? slash : s; q < s + len; q++)
        if (*q == ':')
            tagged = true;
    if (tagged)
        return xstrndup(s, len);
    return xasprintf("%.*s:latest", (int)len, s);
}

static int str_ptr_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void imageset_parse(struct imageset *set, const char *images)
{
    set->n = 0;
    set->v = NULL;
    size_t cap = 0;
    for (const char *s = images; s && *s;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (len > 0) {
            if (set->n == cap) {
                cap = cap ? 2 * cap : 4;
                set->v = xreallocarray(set->v, cap, sizeof *set->v);
            }
            set->v[set->n++] = image_normalize(s, len);
        }
        s += len + (comma ? 1 : 0);
    }
    if (set->n > 1)
        qsort(set->v, set->n, sizeof *set->v, str_ptr_cmp);
}

static void imageset_fini(struct imageset *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i]);
    free(set->v);
}

/* Appends the images of a that b lacks to buf. */
static void imageset_minus(const struct imageset *a, const struct imageset *b, char *buf,
                           size_t len)
{
    size_t off = strlen(buf), j = 0;
    bool first = true;
    for (size_t i = 0; i < a->n; i++) {
        while (j < b->n && strcmp(b->v[j], a->v[i]) < 0)
            j++;
        if (j < b->n && strcmp(b->v[j], a->v[i]) == 0)
            continue;
        int w = snprintf(buf + off, len - off, "%s%s", first ? "" : ", ", a->v[i]);
        if (w < 0 || (size_t)w >= len - off)
            return;
        off += (size_t)w;
        first = false;
    }
    if (first)
        snprintf(buf + off, len - off, "nothing else");
}

/* ---- workload findings --------------------------------------------------------------------- */

static bool logging_agent(const char *name)
{
    static const char *const agents[] = {"fluentd",  "fluent-bit",    "fluentbit", "filebeat",
                                         "logstash", "promtail",      "vector",    "splunk",
                                         "datadog",  "otel-collector"};
    for (size_t i = 0; name && i < sizeof agents / sizeof agents[0]; i++)
        if (strstr(name, agents[i]))
            return true;
    return false;
}

static void raise_sev(struct workload_pair *wp, enum finding_severity sev, bool *any)
{
    if (!*any || sev > wp->severity)
        wp->severity = sev;
    *any = true;
}

static void pair_findings(struct analysis_priv *p, struct workload_pair *wp)
{
    const struct model_obj *obj = wp->side[0]   ? &wp->side[0]->obj
                                  : wp->side[1] ? &wp->side[1]->obj
                                                : NULL;
    char qn[512];
    qual(wp->ns, wp->name, qn, sizeof qn);
    bool any = false;
    int64_t score = 0;
    wp->severity = FINDING_INFO;

    if (wp->present[0] == MODEL_TRUE && wp->present[1] == MODEL_FALSE) {
        raise_sev(wp, FINDING_CRIT, &any);
        score += 1000000;
        if (wp->res == MODEL_RES_DAEMONSETS && logging_agent(wp->name))
            add_finding(p, FINDING_CRIT, ANALYSIS_TARGET, "daemonset-missing", wp->kind, obj,
                        "logging agent %s missing on target (DaemonSet %s runs on source)",
                        wp->name, qn);
        else if (wp->res == MODEL_RES_DAEMONSETS)
            add_finding(p, FINDING_CRIT, ANALYSIS_TARGET, "daemonset-missing", wp->kind, obj,
                        "DaemonSet %s runs on every source node but is missing on target", qn);
        else
            add_finding(p, FINDING_CRIT, ANALYSIS_TARGET, "workload-missing", wp->kind, obj,
                        "%s %s is missing on target", wp->kind, qn);
    } else if (wp->present[0] == MODEL_FALSE && wp->present[1] == MODEL_TRUE) {
        raise_sev(wp, FINDING_WARN, &any);
        score += 500000;
        add_finding(p, FINDING_WARN, ANALYSIS_SOURCE, "workload-missing", wp->kind, obj,
                    "%s %s is only on target (missing on source)", wp->kind, qn);
    }

    for (int s = 0; s < 2; s++) {
        const struct model_workload *w = wp->side[s];
        if (w == NULL)
            continue;
        if (w->desired > 0 && w->ready >= 0 && w->ready < w->desired) {
            enum finding_severity sev = w->ready == 0 ? FINDING_CRIT : FINDING_WARN;
            raise_sev(wp, sev, &any);
            score += (int64_t)(w->desired - w->ready) * 1000;
            add_finding(p, sev, s, "workload-not-ready", wp->kind, &w->obj,
                        "%s %s: %d of %d ready on %s", wp->kind, qn, (int)w->ready, (int)w->desired,
                        side_word(s));
        }
        if (wp->crashing[s] > 0) {
            raise_sev(wp, FINDING_CRIT, &any);
            score += (int64_t)wp->crashing[s] * 100;
            char restarts[48];
            restarts_text(wp->restarts[s], restarts, sizeof restarts);
            add_finding(p, FINDING_CRIT, s, "pods-crash-looping", wp->kind, &w->obj,
                        "%s %s: %d pod%s in %s on %s%s", wp->kind, qn, wp->crashing[s],
                        wp->crashing[s] == 1 ? "" : "s",
                        wp->waiting[s] ? wp->waiting[s] : "a crash loop", side_word(s), restarts);
        }
        if (wp->restarts[s] > 0)
            score += wp->restarts[s] > 99 ? 99 : wp->restarts[s];
    }

    if (wp->side[0] && wp->side[1] && wp->side[0]->images && wp->side[1]->images) {
        struct imageset a, b;
        imageset_parse(&a, wp->side[0]->images);
        imageset_parse(&b, wp->side[1]->images);
        bool differ = a.n != b.n;
        for (size_t i = 0; !differ && i < a.n; i++)
            differ = strcmp(a.v[i], b.v[i]) != 0;
        if (differ) {
            wp->images_differ = true;
            raise_sev(wp, FINDING_WARN, &any);
            score += 10;
            char src[300] = "", tgt[300] = "";
            imageset_minus(&a, &b, src, sizeof src);
            imageset_minus(&b, &a, tgt, sizeof tgt);
            add_finding(p, FINDING_WARN, ANALYSIS_BOTH, "images-differ", wp->kind, obj,
                        "%s %s: images differ: source runs %s; target runs %s", wp->kind, qn, src,
                        tgt);
        }
        imageset_fini(&a);
        imageset_fini(&b);
    }
    wp->score = score > INT32_MAX ? INT32_MAX : (int)score;
}

static int ns_name_cmp(const char *ans, const char *aname, const char *bns, const char *bname)
{
    int r = strcmp(ans ? ans : "", bns ? bns : "");
    return r ? r : strcmp(aname ? aname : "", bname ? bname : "");
}

static int pair_cmp(const void *x, const void *y)
{
    const struct workload_pair *a = *(const struct workload_pair *const *)x;
    const struct workload_pair *b = *(const struct workload_pair *const *)y;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    int r = ns_name_cmp(a->ns, a->name, b->ns, b->name);
    return r ? r : (int)a->res - (int)b->res;
}

static int finding_cmp(const void *x, const void *y)
{
    const struct finding *a = *(const struct finding *const *)x;
    const struct finding *b = *(const struct finding *const *)y;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->side != b->side)
        return (int)a->side - (int)b->side;
    int r = strcmp(a->code, b->code);
    if (r)
        return r;
    r = ns_name_cmp(a->ns, a->name, b->ns, b->name);
    return r ? r : strcmp(a->message, b->message);
}

/* Sorts an array of big structs through an array of pointers (qsort would move the structs
 * themselves at every merge step), then lays them out again in order. */
static void sort_by_pointer(void **arr, size_t n, size_t size,
                            int (*cmp)(const void *, const void *))
{
    if (n < 2)
        return;
    char *base = *arr;
    char **ptrs = xreallocarray(NULL, n, sizeof *ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = base + i * size;
    qsort(ptrs, n, sizeof *ptrs, cmp);
    char *out = xreallocarray(NULL, n, size);
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * size, ptrs[i], size);
    free(ptrs);
    free(base);
    *arr = out;
}

static void build_workloads(struct analysis_priv *p, const struct model_cluster *const cl[2])
{
    struct analysis *a = &p->pub;
    size_t total = 0;
    for (int s = 0; s < 2; s++)
        for (size_t r = 0; cl[s] && r < NWORKLOAD_RES; r++)
            total += cl[s]->lists[workload_res[r]].n;
    a->workloads = xcalloc(total ? total : 1, sizeof *a->workloads);
    struct htab h;
    htab_init(&h, total);
    for (int s = 0; s < 2; s++) {
        for (size_t r = 0; cl[s] && r < NWORKLOAD_RES; r++) {
            enum model_res res = workload_res[r];
            const struct model_list *l = &cl[s]->lists[res];
            for (size_t i = 0; i < l->n; i++) {
                const struct model_workload *w = (const struct model_workload *)l->items[i];
                if (w->obj.name == NULL)
                    continue;
                /* ReplicaSets owned by a Deployment (or anything) are folded into it. */
                if (res == MODEL_RES_REPLICASETS && w->owner_kind != NULL)
                    continue;
                size_t len = strlen(w->obj.name);
                uint64_t hv = key_hash(res, w->obj.ns, w->obj.name, len);
                uint32_t idx = pair_find(&h, a->workloads, res, w->obj.ns, w->obj.name, len, hv);
                if (idx == NO_PAIR) {
                    idx = (uint32_t)a->nworkloads++;
                    struct workload_pair *wp = &a->workloads[idx];
                    wp->res = res;
                    wp->kind = (char *)model_res_kind(res);
                    wp->ns = w->obj.ns;
                    wp->name = w->obj.name;
                    htab_put(&h, hv, idx);
                }
                if (a->workloads[idx].side[s] == NULL)
                    a->workloads[idx].side[s] = w;
            }
        }
    }
    for (size_t i = 0; i < a->nworkloads; i++) {
        struct workload_pair *wp = &a->workloads[i];
        for (int s = 0; s < 2; s++)
            wp->present[s] = wp->side[s]                  ? MODEL_TRUE
                             : res_synced(cl[s], wp->res) ? MODEL_FALSE
                                                          : MODEL_UNKNOWN;
    }
    for (int s = 0; s < 2; s++)
        attribute_pods(p, cl[s], s, &h);
    htab_fini(&h);
    for (size_t i = 0; i < a->nworkloads; i++)
        pair_findings(p, &a->workloads[i]);
    sort_by_pointer((void **)&a->workloads, a->nworkloads, sizeof *a->workloads, pair_cmp);
}

/* ---- events -------------------------------------------------------------------------------- */

static int64_t event_time(const struct model_event *e)
{
    return e->last_seen > 0 ? e->last_seen : e->obj.created;
}

static int event_cmp(const void *x, const void *y)
{
    const struct model_event *a = *(const struct model_event *const *)x;
    const struct model_event *b = *(const struct model_event *const *)y;
    int64_t ta = event_time(a), tb = event_time(b);
    if (ta != tb)
        return ta > tb ? -1 : 1;
    return ns_name_cmp(a->obj.ns, a->obj.name, b->obj.ns, b->obj.name);
}

static void build_events(struct analysis *a, const struct model_cluster *c, int side,
                         const struct analysis_config *cfg)
{
    if (c == NULL)
        return;
    const struct model_list *l = &c->lists[MODEL_RES_EVENTS];
    const struct model_event **v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct model_event *e = (const struct model_event *)l->items[i];
        int64_t t = event_time(e);
        if (e->type == NULL || strcmp(e->type, "Warning") != 0 || t <= 0)
            continue;
        if (cfg->event_max_age_s >= 0 && cfg->now - t > cfg->event_max_age_s)
            continue;
        if (v == NULL)
            v = xreallocarray(NULL, l->n, sizeof *v);
        v[n++] = e;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, event_cmp);
    a->events[side] = v;
    a->nevents_side[side] = n;
    a->nevents += n;
}

/* ---- entry --------------------------------------------------------------------------------- */

struct analysis *analysis_run(const struct model_cluster *source,
                              const struct model_cluster *target,
                              const struct analysis_config *cfg_in)
{
    struct analysis_config defaults;
    if (cfg_in == NULL)
        analysis_config_init(&defaults);
    const struct analysis_config *cfg = cfg_in ? cfg_in : &defaults;
    struct analysis_priv *p = xcalloc(1, sizeof *p);
    struct analysis *a = &p->pub;
    const struct model_cluster *const cl[2] = {source, target};

    for (int s = 0; s < 2; s++) {
        build_grid(&a->zones[s], cl[s]);
        build_events(a, cl[s], s, cfg);
    }
    for (int s = 0; s < 2; s++) {
        if (cl[s] == NULL)
            continue;
        cluster_findings(p, cl[s], s, cfg);
        node_findings(p, cl[s], s, cfg);
    }
    zone_pair_findings(p);
    version_findings(p, source, target);
    build_workloads(p, cl);
    sort_by_pointer((void **)&a->findings, a->nfindings, sizeof *a->findings, finding_cmp);
    return a;
}

void analysis_free(struct analysis *a)
{
    if (a == NULL)
        return;
    struct analysis_priv *p = (struct analysis_priv *)a;
    for (int s = 0; s < 2; s++) {
        free(a->zones[s].cells);
        free(a->events[s]);
        free(p->pod_store[s]);
    }
    for (size_t i = 0; i < a->nfindings; i++)
        free(a->findings[i].message);
    free(a->findings);
    free(a->workloads);
    free(p);
}
