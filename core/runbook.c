/* runbook: the YAML runbook format (docs/runbook.md). Strict like the config reader: unknown
 * keys are errors listing the known ones, duplicates are errors, every message has
 * file:line:col from libyaml's marks, and a traffic plan that never reaches 100 is an error. */
#include "cutover/runbook.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "cutover/analysis.h"
#include "cutover/model.h"
#include "cutover/xalloc.h"
#include "cutover/yaml_doc.h"

static const char *const check_names[RUNBOOK_CHECK_KINDS] = {
    [RUNBOOK_CHECK_CONTROL_PLANE_ZONES] = "control_plane_zones",
    [RUNBOOK_CHECK_WORKER_ZONES] = "worker_zones",
    [RUNBOOK_CHECK_NODES_READY] = "nodes_ready",
    [RUNBOOK_CHECK_WORKLOAD_PARITY] = "workload_parity",
    [RUNBOOK_CHECK_NO_CRASHLOOPS] = "no_crashloops",
    [RUNBOOK_CHECK_FINDINGS] = "findings",
    [RUNBOOK_CHECK_SECRET_DRIFT] = "secret_drift",
    [RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED] = "external_secrets_synced",
    [RUNBOOK_CHECK_VERSION] = "version",
    [RUNBOOK_CHECK_TRAFFIC_SPLIT] = "traffic_split",
    [RUNBOOK_CHECK_TRAFFIC_WEIGHT] = "traffic_weight",
};

/* The keys each check accepts besides `check`, comma-separated as shown in messages. */
static const char *const check_keys[RUNBOOK_CHECK_KINDS] = {
    [RUNBOOK_CHECK_CONTROL_PLANE_ZONES] = "check, cluster, min",
    [RUNBOOK_CHECK_WORKER_ZONES] = "check, cluster, min",
    [RUNBOOK_CHECK_NODES_READY] = "check, cluster, ratio",
    [RUNBOOK_CHECK_WORKLOAD_PARITY] = "check, cluster, workload, namespace, kind, ratio",
    [RUNBOOK_CHECK_NO_CRASHLOOPS] = "check, cluster, namespace",
    [RUNBOOK_CHECK_FINDINGS] = "check, cluster, severity",
    [RUNBOOK_CHECK_SECRET_DRIFT] = "check, namespace, max",
    [RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED] = "check, cluster, namespace",
    [RUNBOOK_CHECK_VERSION] = "check, cluster, min",
    [RUNBOOK_CHECK_TRAFFIC_SPLIT] = "check, target, tolerance",
    [RUNBOOK_CHECK_TRAFFIC_WEIGHT] = "check, target, percent",
};

static const char *const action_names[RUNBOOK_ACTION_KINDS] = {
    [RUNBOOK_ACTION_NONE] = "none",
    [RUNBOOK_ACTION_SET_WEIGHTS] = "set_weights",
    [RUNBOOK_ACTION_REFRESH_SECRET] = "refresh_secret",
    [RUNBOOK_ACTION_SCALE] = "scale",
    [RUNBOOK_ACTION_CORDON] = "cordon",
    [RUNBOOK_ACTION_UNCORDON] = "uncordon",
    [RUNBOOK_ACTION_RESTART] = "restart",
    [RUNBOOK_ACTION_ANNOTATE] = "annotate",
};

static const char *const action_keys[RUNBOOK_ACTION_KINDS] = {
    [RUNBOOK_ACTION_NONE] = "do",
    [RUNBOOK_ACTION_SET_WEIGHTS] = "do, target, percent",
    [RUNBOOK_ACTION_REFRESH_SECRET] = "do, cluster, namespace, name",
    [RUNBOOK_ACTION_SCALE] = "do, cluster, workload, replicas",
    [RUNBOOK_ACTION_CORDON] = "do, cluster, node",
    [RUNBOOK_ACTION_UNCORDON] = "do, cluster, node",
    [RUNBOOK_ACTION_RESTART] = "do, cluster, workload",
    [RUNBOOK_ACTION_ANNOTATE] = "do, cluster, workload, key, value",
};

static const char *const top_keys = "name, description, source, target, lease, steps";
static const char *const step_keys = "title, description, checks, action, soak, approval, rollback";
static const char *const lease_keys = "namespace, name";

const char *runbook_check_kind_name(enum runbook_check_kind kind)
{
    return (unsigned)kind < RUNBOOK_CHECK_KINDS ? check_names[kind] : "?";
}

const char *runbook_action_kind_name(enum runbook_action_kind kind)
{
    return (unsigned)kind < RUNBOOK_ACTION_KINDS ? action_names[kind] : "?";
}

const char *runbook_cluster_name(enum runbook_cluster c)
{
    switch (c) {
    case RUNBOOK_SOURCE:
        return "source";
    case RUNBOOK_TARGET:
        return "target";
    case RUNBOOK_BOTH:
        return "both";
    }
    return "?";
}

/* ---- durations ------------------------------------------------------------------------------ */

int runbook_parse_duration(const char *text, int64_t *seconds)
{
    if (text == NULL || *text == '\0')
        return -EINVAL;
    int64_t total = 0;
    const char *p = text;
    int last_unit = 5; /* units must come in decreasing order: d h m s */
    while (*p != '\0') {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        int64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p - '0');
            if (v > 100000000)
                return -EINVAL;
            p++;
        }
        int unit;
        int64_t mult;
        switch (*p) {
        case 'd':
            unit = 4, mult = 86400;
            break;
        case 'h':
            unit = 3, mult = 3600;
            break;
        case 'm':
            unit = 2, mult = 60;
            break;
        case 's':
            unit = 1, mult = 1;
            break;
        default:
            return -EINVAL;
        }
        if (unit >= last_unit)
            return -EINVAL;
        last_unit = unit;
        p++;
        total += v * mult;
        if (total > (int64_t)366 * 86400)
            return -EINVAL;
    }
    *seconds = total;
    return 0;
}

const char *runbook_format_duration(int64_t s, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (s <= 0) {
        snprintf(buf, len, "0s");
        return buf;
    }
    static const struct {
        int64_t mult;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < 4 && off < len; i++) {
        if (s >= units[i].mult) {
            int n = snprintf(buf + off, len - off, "%lld%c", (long long)(s / units[i].mult),
                             units[i].unit);
            if (n < 0)
                break;
            off += (size_t)n;
            s %= units[i].mult;
        }
    }
    return buf;
}

/* ---- freeing --------------------------------------------------------------------------------- */

static void runbook_action_fini(struct runbook_action *a)
{
    free(a->target);
    free(a->res_kind);
    free(a->ns);
    free(a->name);
    free(a->key);
    free(a->value);
    memset(a, 0, sizeof *a);
}

static void runbook_check_fini(struct runbook_check *c)
{
    free(c->kind_filter);
    free(c->ns);
    free(c->name);
    free(c->target);
}

void runbook_free(struct runbook *rb)
{
    if (rb == NULL)
        return;
    for (size_t i = 0; i < rb->nsteps; i++) {
        struct runbook_step *s = &rb->steps[i];
        free(s->title);
        free(s->description);
        for (size_t j = 0; j < s->nchecks; j++)
            runbook_check_fini(&s->checks[j]);
        free(s->checks);
        runbook_action_fini(&s->action);
        runbook_action_fini(&s->rollback);
        free(s->approval);
    }
    free(rb->steps);
    free(rb->file);
    free(rb->name);
    free(rb->source);
    free(rb->target);
    free(rb->lease_ns);
    free(rb->lease_name);
    free(rb->description);
    free(rb);
}

/* ---- parser helpers ------------------------------------------------------------------------- */

struct rb_parser {
    yaml_document_t *doc;
    const char *file;
    struct error *err;
    char where[96]; /* "step 2" etc., prefixed to messages */
};

static void rb_error(struct rb_parser *p, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rb_error(struct rb_parser *p, const yaml_node_t *node, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->where[0] != '\0')
        yaml_doc_error_at(p->err, p->file, node, "%s: %s", p->where, msg);
    else
        yaml_doc_error_at(p->err, p->file, node, "%s", msg);
}

static bool rb_key_in(const char *key, const char *list)
{
    size_t n = strlen(key);
    const char *q = list;
    while (*q != '\0') {
        const char *e = strchr(q, ',');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        if (len == n && strncmp(q, key, n) == 0)
            return true;
        if (e == NULL)
            break;
        q = e + 1;
        while (*q == ' ')
            q++;
    }
    return false;
}

/* Checks that node is a mapping of plain keys, each in known and none twice. */
static int rb_map(struct rb_parser *p, const yaml_node_t *node, const char *what, const char *known)
{
    if (node->type != YAML_MAPPING_NODE) {
        rb_error(p, node, "%s must be a mapping (keys: %s)", what, known);
        return -EINVAL;
    }
    for (yaml_node_pair_t *a = node->data.mapping.pairs.start; a < node->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, a->key);
        const char *key = yaml_doc_scalar(k);
        if (key == NULL) {
            rb_error(p, k, "%s: a key must be a plain string", what);
            return -EINVAL;
        }
        if (!rb_key_in(key, known)) {
            rb_error(p, k, "%s: unknown key '%s' (known: %s)", what, key, known);
            return -EINVAL;
        }
        for (yaml_node_pair_t *b = node->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *k2 = yaml_document_get_node(p->doc, b->key);
            const char *key2 = yaml_doc_scalar(k2);
            if (key2 != NULL && strcmp(key, key2) == 0) {
                rb_error(p, k, "%s: '%s' is given twice (first at line %d)", what, key,
                         (int)k2->start_mark.line + 1);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* The value of key in a mapping already checked by rb_map, or NULL. */
static yaml_node_t *rb_get(struct rb_parser *p, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, a->key);
        const char *s = yaml_doc_scalar(k);
        if (s != NULL && strcmp(s, key) == 0)
            return yaml_document_get_node(p->doc, a->value);
    }
    return NULL;
}

/* A non-empty string value; *out replaced. */
static int rb_str(struct rb_parser *p, const yaml_node_t *v, const char *key, char **out)
{
    const char *s = yaml_doc_scalar(v);
    if (s == NULL || s[0] == '\0') {
        rb_error(p, v, "%s: expected a non-empty string", key);
        return -EINVAL;
    }
    if (strlen(s) > 4096) {
        rb_error(p, v, "%s: too long (at most 4096 bytes)", key);
        return -EINVAL;
    }
    free(*out);
    *out = xstrdup(s);
    return 0;
}

/* A required string key of a mapping. */
static int rb_req_str(struct rb_parser *p, const yaml_node_t *map, const char *key,
                      const char *what, char **out)
{
    yaml_node_t *v = rb_get(p, map, key);
    if (v == NULL) {
        rb_error(p, map, "%s needs '%s'", what, key);
        return -EINVAL;
    }
    return rb_str(p, v, key, out);
}

static int rb_int(struct rb_parser *p, const yaml_node_t *v, const char *key, int lo, int hi,
                  int *out)
{
    const char *s = yaml_doc_scalar(v);
    if (s == NULL || s[0] == '\0' || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        rb_error(p, v, "%s: expected a whole number from %d to %d", key, lo, hi);
        return -EINVAL;
    }
    const char *q = s;
    if (*q == '-')
        q++;
    if (*q == '\0')
        goto bad;
    for (; *q; q++)
        if (*q < '0' || *q > '9')
            goto bad;
    errno = 0;
    long v2 = strtol(s, NULL, 10);
    if (errno != 0 || v2 < lo || v2 > hi) {
        rb_error(p, v, "%s: %s is out of range (%d to %d)", key, s, lo, hi);
        return -EINVAL;
    }
    *out = (int)v2;
    return 0;
bad:
    rb_error(p, v, "%s: '%s' is not a whole number (%d to %d)", key, s, lo, hi);
    return -EINVAL;
}

/* A ratio written "0.9" or "90%", within 0..1. */
static int rb_ratio(struct rb_parser *p, const yaml_node_t *v, const char *key, double *out)
{
    const char *s = yaml_doc_scalar(v);
    if (s == NULL || s[0] == '\0') {
        rb_error(p, v, "%s: expected a ratio such as 0.9 or 90%%", key);
        return -EINVAL;
    }
    bool digits = s[0] >= '0' && s[0] <= '9';
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    bool pct = *end == '%' && end[1] == '\0';
    for (const char *q = s; q < end; q++)
        if (!((*q >= '0' && *q <= '9') || *q == '.'))
            digits = false;
    if (!digits || end == s || errno != 0 || !isfinite(d) || (*end != '\0' && !pct)) {
        rb_error(p, v, "%s: '%s' is not a ratio (write e.g. 0.9 or 90%%)", key, s);
        return -EINVAL;
    }
    if (pct)
        d /= 100.0;
    if (d < 0.0 || d > 1.0) {
        rb_error(p, v, "%s: %s is outside 0..1 (0%%..100%%)", key, s);
        return -EINVAL;
    }
    *out = d;
    return 0;
}

static int rb_cluster(struct rb_parser *p, const yaml_node_t *map, bool both_ok,
                      enum runbook_cluster *out)
{
    yaml_node_t *v = rb_get(p, map, "cluster");
    if (v == NULL)
        return 0;
    const char *s = yaml_doc_scalar(v);
    if (s != NULL && strcmp(s, "source") == 0)
        *out = RUNBOOK_SOURCE;
    else if (s != NULL && strcmp(s, "target") == 0)
        *out = RUNBOOK_TARGET;
    else if (both_ok && s != NULL && strcmp(s, "both") == 0)
        *out = RUNBOOK_BOTH;
    else {
        rb_error(p, v, "cluster: '%s' is not %s", s ? s : "(not a string)",
                 both_ok ? "source, target or both" : "source or target");
        return -EINVAL;
    }
    return 0;
}

/* A Kubernetes name: lowercase letters, digits, '-' and '.', starting and ending alphanumeric. */
static bool rb_k8s_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.')
            return false;
        if ((i == 0 || i == n - 1) && !alnum)
            return false;
    }
    return true;
}

/* "Deployment/shop/api" (kind required) or, with kind_optional, also "shop/api". */
static int rb_workload(struct rb_parser *p, const yaml_node_t *v, bool kind_optional, bool scalable,
                       char **kind, char **ns, char **name)
{
    const char *s = yaml_doc_scalar(v);
    const char *form = kind_optional ? "KIND/NAMESPACE/NAME or NAMESPACE/NAME"
                                     : "KIND/NAMESPACE/NAME, e.g. Deployment/shop/api";
    if (s == NULL || s[0] == '\0') {
        rb_error(p, v, "workload: expected %s", form);
        return -EINVAL;
    }
    const char *a = strchr(s, '/');
    const char *b = a ? strchr(a + 1, '/') : NULL;
    if (b != NULL && strchr(b + 1, '/') != NULL)
        b = NULL, a = NULL;
    char *k = NULL, *n1 = NULL, *n2 = NULL;
    if (a != NULL && b != NULL) {
        k = xstrndup(s, (size_t)(a - s));
        n1 = xstrndup(a + 1, (size_t)(b - a - 1));
        n2 = xstrdup(b + 1);
    } else if (a != NULL && kind_optional) {
        n1 = xstrndup(s, (size_t)(a - s));
        n2 = xstrdup(a + 1);
    } else {
        rb_error(p, v, "workload: '%s' is not %s", s, form);
        return -EINVAL;
    }
    int rc = 0;
    if (k != NULL) {
        int res = model_res_from_name(k);
        bool ok = res == MODEL_RES_DEPLOYMENTS || res == MODEL_RES_STATEFULSETS ||
                  (!scalable && res == MODEL_RES_DAEMONSETS);
        if (!ok) {
            rb_error(p, v, "workload: '%s' is not a kind that can be %s (%s)", k,
                     scalable ? "scaled" : "used here",
                     scalable ? "Deployment, StatefulSet" : "Deployment, StatefulSet, DaemonSet");
            rc = -EINVAL;
        } else {
            free(k);
            k = xstrdup(model_res_kind((enum model_res)res));
        }
    }
    if (rc == 0 && (!rb_k8s_name_ok(n1, 63) || !rb_k8s_name_ok(n2, 253))) {
        rb_error(p, v, "workload: '%s': namespace and name must be Kubernetes names", s);
        rc = -EINVAL;
    }
    if (rc < 0) {
        free(k);
        free(n1);
        free(n2);
        return rc;
    }
    free(*kind);
    free(*ns);
    free(*name);
    *kind = k;
    *ns = n1;
    *name = n2;
    return 0;
}

static int rb_version(struct rb_parser *p, const yaml_node_t *v, int *major, int *minor)
{
    const char *s = yaml_doc_scalar(v);
    if (s == NULL) {
        rb_error(p, v, "min: expected a version such as 1.29");
        return -EINVAL;
    }
    const char *q = s[0] == 'v' ? s + 1 : s;
    char *end;
    errno = 0;
    long ma = (*q >= '0' && *q <= '9') ? strtol(q, &end, 10) : -1;
    long mi = -1;
    if (ma >= 0 && *end == '.' && end[1] >= '0' && end[1] <= '9')
        mi = strtol(end + 1, &end, 10);
    if (ma < 0 || mi < 0 || *end != '\0' || errno != 0 || ma > 1000 || mi > 1000) {
        rb_error(p, v, "min: '%s' is not a version such as 1.29", s);
        return -EINVAL;
    }
    *major = (int)ma;
    *minor = (int)mi;
    return 0;
}

/* ---- checks -----------------------------------------------------------------------------------
 */

static int rb_parse_check(struct rb_parser *p, const yaml_node_t *node, size_t idx,
                          struct runbook_check *c)
{
    char what[48];
    snprintf(what, sizeof what, "check %zu", idx + 1);
    if (node->type != YAML_MAPPING_NODE) {
        rb_error(p, node, "%s must be a mapping starting with 'check: KIND'", what);
        return -EINVAL;
    }
    yaml_node_t *kv = rb_get(p, node, "check");
    if (kv == NULL) {
        rb_error(p, node, "%s needs 'check: KIND' (one of control_plane_zones, worker_zones, ...)",
                 what);
        return -EINVAL;
    }
    const char *ks = yaml_doc_scalar(kv);
    int kind = -1;
    for (int i = 0; ks != NULL && i < RUNBOOK_CHECK_KINDS; i++)
        if (strcmp(ks, check_names[i]) == 0)
            kind = i;
    if (kind < 0) {
        char list[400];
        size_t off = 0;
        list[0] = '\0';
        for (int i = 0; i < RUNBOOK_CHECK_KINDS; i++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                    check_names[i]);
        rb_error(p, kv, "%s: unknown check '%s' (known: %s)", what, ks ? ks : "(not a string)",
                 list);
        return -EINVAL;
    }
    c->kind = (enum runbook_check_kind)kind;
    c->line = (int)node->start_mark.line + 1;
    c->col = (int)node->start_mark.column + 1;
    snprintf(what, sizeof what, "check %zu (%s)", idx + 1, check_names[kind]);
    if (rb_map(p, node, what, check_keys[kind]) < 0)
        return -EINVAL;
    c->cluster = c->kind == RUNBOOK_CHECK_FINDINGS ? RUNBOOK_BOTH : RUNBOOK_TARGET;
    c->ratio = 1.0;
    c->tolerance_pct = -1;
    c->severity = FINDING_CRIT;
    if (rb_cluster(p, node, c->kind == RUNBOOK_CHECK_FINDINGS, &c->cluster) < 0)
        return -EINVAL;
    yaml_node_t *v;
    switch (c->kind) {
    case RUNBOOK_CHECK_CONTROL_PLANE_ZONES:
    case RUNBOOK_CHECK_WORKER_ZONES:
        if ((v = rb_get(p, node, "min")) == NULL) {
            rb_error(p, node, "%s needs 'min' (the number of zones)", what);
            return -EINVAL;
        }
        return rb_int(p, v, "min", 1, 64, &c->min);
    case RUNBOOK_CHECK_NODES_READY:
        if ((v = rb_get(p, node, "ratio")) != NULL)
            return rb_ratio(p, v, "ratio", &c->ratio);
        return 0;
    case RUNBOOK_CHECK_WORKLOAD_PARITY: {
        yaml_node_t *w = rb_get(p, node, "workload"), *n = rb_get(p, node, "namespace");
        yaml_node_t *k = rb_get(p, node, "kind");
        if ((v = rb_get(p, node, "ratio")) != NULL && rb_ratio(p, v, "ratio", &c->ratio) < 0)
            return -EINVAL;
        if (w != NULL && (n != NULL || k != NULL)) {
            rb_error(p, n ? n : k, "%s: give either 'workload' or 'namespace'/'kind', not both",
                     what);
            return -EINVAL;
        }
        if (w != NULL)
            return rb_workload(p, w, true, false, &c->kind_filter, &c->ns, &c->name);
        if (n != NULL && rb_str(p, n, "namespace", &c->ns) < 0)
            return -EINVAL;
        if (k != NULL) {
            const char *s = yaml_doc_scalar(k);
            int res = s ? model_res_from_name(s) : -1;
            if (res != MODEL_RES_DEPLOYMENTS && res != MODEL_RES_STATEFULSETS &&
                res != MODEL_RES_DAEMONSETS) {
                rb_error(p, k, "kind: '%s' is not Deployment, StatefulSet or DaemonSet",
                         s ? s : "(not a string)");
                return -EINVAL;
            }
            c->kind_filter = xstrdup(model_res_kind((enum model_res)res));
        }
        return 0;
    }
    case RUNBOOK_CHECK_NO_CRASHLOOPS:
    case RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED:
        if ((v = rb_get(p, node, "namespace")) != NULL)
            return rb_str(p, v, "namespace", &c->ns);
        return 0;
    case RUNBOOK_CHECK_FINDINGS:
        if ((v = rb_get(p, node, "severity")) != NULL) {
            const char *s = yaml_doc_scalar(v);
            if (s != NULL && strcmp(s, "warn") == 0)
                c->severity = FINDING_WARN;
            else if (s != NULL && strcmp(s, "crit") == 0)
                c->severity = FINDING_CRIT;
            else {
                rb_error(p, v, "severity: '%s' is not warn or crit", s ? s : "(not a string)");
                return -EINVAL;
            }
        }
        return 0;
    case RUNBOOK_CHECK_SECRET_DRIFT:
        if ((v = rb_get(p, node, "namespace")) != NULL && rb_str(p, v, "namespace", &c->ns) < 0)
            return -EINVAL;
        if ((v = rb_get(p, node, "max")) != NULL)
            return rb_int(p, v, "max", 0, 1000000, &c->max);
        return 0;
    case RUNBOOK_CHECK_VERSION:
        if ((v = rb_get(p, node, "min")) == NULL) {
            rb_error(p, node, "%s needs 'min' (a version such as 1.29)", what);
            return -EINVAL;
        }
        return rb_version(p, v, &c->ver_major, &c->ver_minor);
    case RUNBOOK_CHECK_TRAFFIC_SPLIT:
        if (rb_req_str(p, node, "target", what, &c->target) < 0)
            return -EINVAL;
        if ((v = rb_get(p, node, "tolerance")) != NULL) {
            int t;
            if (rb_int(p, v, "tolerance", 0, 100, &t) < 0)
                return -EINVAL;
            c->tolerance_pct = t;
        }
        return 0;
    case RUNBOOK_CHECK_TRAFFIC_WEIGHT:
        if (rb_req_str(p, node, "target", what, &c->target) < 0)
            return -EINVAL;
        if ((v = rb_get(p, node, "percent")) == NULL) {
            rb_error(p, node, "%s needs 'percent' (0..100 to the new side)", what);
            return -EINVAL;
        }
        return rb_int(p, v, "percent", 0, 100, &c->percent);
    case RUNBOOK_CHECK_KINDS:
        break;
    }
    return 0;
}

/* ---- actions ----------------------------------------------------------------------------------
 */

static int rb_parse_action(struct rb_parser *p, const yaml_node_t *node, const char *what,
                           struct runbook_action *a)
{
    if (node->type != YAML_MAPPING_NODE) {
        rb_error(p, node, "%s must be a mapping starting with 'do: KIND'", what);
        return -EINVAL;
    }
    yaml_node_t *dv = rb_get(p, node, "do");
    if (dv == NULL) {
        rb_error(p, node,
                 "%s needs 'do: KIND' (set_weights, refresh_secret, scale, cordon, "
                 "uncordon, restart, annotate)",
                 what);
        return -EINVAL;
    }
    const char *ds = yaml_doc_scalar(dv);
    int kind = -1;
    for (int i = 1; ds != NULL && i < RUNBOOK_ACTION_KINDS; i++)
        if (strcmp(ds, action_names[i]) == 0)
            kind = i;
    if (kind < 0) {
        rb_error(p, dv,
                 "%s: unknown action '%s' (known: set_weights, refresh_secret, scale, cordon, "
                 "uncordon, restart, annotate)",
                 what, ds ? ds : "(not a string)");
        return -EINVAL;
    }
    a->kind = (enum runbook_action_kind)kind;
    a->line = (int)node->start_mark.line + 1;
    a->col = (int)node->start_mark.column + 1;
    a->cluster = RUNBOOK_TARGET;
    char w2[64];
    snprintf(w2, sizeof w2, "%s (%s)", what, action_names[kind]);
    if (rb_map(p, node, w2, action_keys[kind]) < 0 || rb_cluster(p, node, false, &a->cluster) < 0)
        return -EINVAL;
    yaml_node_t *v;
    switch (a->kind) {
    case RUNBOOK_ACTION_SET_WEIGHTS:
        if (rb_req_str(p, node, "target", w2, &a->target) < 0)
            return -EINVAL;
        if ((v = rb_get(p, node, "percent")) == NULL) {
            rb_error(p, node, "%s needs 'percent' (0..100 to the new side)", w2);
            return -EINVAL;
        }
        return rb_int(p, v, "percent", 0, 100, &a->percent);
    case RUNBOOK_ACTION_REFRESH_SECRET:
        if (rb_req_str(p, node, "namespace", w2, &a->ns) < 0 ||
            rb_req_str(p, node, "name", w2, &a->name) < 0)
            return -EINVAL;
        a->res_kind = xstrdup("ExternalSecret");
        return 0;
    case RUNBOOK_ACTION_SCALE:
    case RUNBOOK_ACTION_RESTART:
    case RUNBOOK_ACTION_ANNOTATE:
        if ((v = rb_get(p, node, "workload")) == NULL) {
            rb_error(p, node, "%s needs 'workload' (KIND/NAMESPACE/NAME)", w2);
            return -EINVAL;
        }
        if (rb_workload(p, v, false, a->kind == RUNBOOK_ACTION_SCALE, &a->res_kind, &a->ns,
                        &a->name) < 0)
            return -EINVAL;
        if (a->kind == RUNBOOK_ACTION_SCALE) {
            if ((v = rb_get(p, node, "replicas")) == NULL) {
                rb_error(p, node, "%s needs 'replicas'", w2);
                return -EINVAL;
            }
            return rb_int(p, v, "replicas", 0, 100000, &a->replicas);
        }
        if (a->kind == RUNBOOK_ACTION_ANNOTATE) {
            if (rb_req_str(p, node, "key", w2, &a->key) < 0)
                return -EINVAL;
            if ((v = rb_get(p, node, "value")) == NULL) {
                rb_error(p, node, "%s needs 'value'", w2);
                return -EINVAL;
            }
            const char *s = yaml_doc_scalar(v);
            if (s == NULL) {
                rb_error(p, v, "value: expected a string");
                return -EINVAL;
            }
            a->value = xstrdup(s);
        }
        return 0;
    case RUNBOOK_ACTION_CORDON:
    case RUNBOOK_ACTION_UNCORDON:
        if (rb_req_str(p, node, "node", w2, &a->name) < 0)
            return -EINVAL;
        if (!rb_k8s_name_ok(a->name, 253)) {
            rb_error(p, rb_get(p, node, "node"), "node: '%s' is not a node name", a->name);
            return -EINVAL;
        }
        return 0;
    case RUNBOOK_ACTION_NONE:
    case RUNBOOK_ACTION_KINDS:
        break;
    }
    return 0;
}

/* ---- steps ------------------------------------------------------------------------------------
 */

static int rb_parse_step(struct rb_parser *p, const yaml_node_t *node, size_t idx,
                         struct runbook_step *s)
{
    snprintf(p->where, sizeof p->where, "step %zu", idx + 1);
    s->line = (int)node->start_mark.line + 1;
    s->col = (int)node->start_mark.column + 1;
    if (node->type != YAML_MAPPING_NODE) {
        rb_error(p, node, "a step must be a mapping (keys: %s)", step_keys);
        return -EINVAL;
    }
    yaml_node_t *t = rb_get(p, node, "title");
    const char *ts = t ? yaml_doc_scalar(t) : NULL;
    if (ts != NULL && ts[0] != '\0') {
        /* Messages about the rest of the step name it. */
        char tb[40];
        snprintf(tb, sizeof tb, "%.32s%s", ts, strlen(ts) > 32 ? "..." : "");
        snprintf(p->where, sizeof p->where, "step %zu (%s)", idx + 1, tb);
    }
    if (rb_map(p, node, "a step", step_keys) < 0)
        return -EINVAL;
    if (t == NULL) {
        rb_error(p, node, "'title' is required");
        return -EINVAL;
    }
    if (rb_str(p, t, "title", &s->title) < 0)
        return -EINVAL;
    yaml_node_t *v;
    if ((v = rb_get(p, node, "description")) != NULL && !yaml_doc_is_blank(v) &&
        rb_str(p, v, "description", &s->description) < 0)
        return -EINVAL;
    if ((v = rb_get(p, node, "checks")) != NULL && !yaml_doc_is_blank(v)) {
        if (v->type != YAML_SEQUENCE_NODE) {
            rb_error(p, v, "checks must be a list (- check: KIND ...)");
            return -EINVAL;
        }
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n > RUNBOOK_MAX_CHECKS) {
            rb_error(p, v, "checks: at most %d checks a step", RUNBOOK_MAX_CHECKS);
            return -EINVAL;
        }
        s->checks = xcalloc(n ? n : 1, sizeof *s->checks);
        for (size_t i = 0; i < n; i++) {
            yaml_node_t *c = yaml_document_get_node(p->doc, v->data.sequence.items.start[i]);
            s->nchecks = i + 1;
            if (rb_parse_check(p, c, i, &s->checks[i]) < 0)
                return -EINVAL;
        }
    }
    if ((v = rb_get(p, node, "action")) != NULL && rb_parse_action(p, v, "action", &s->action) < 0)
        return -EINVAL;
    if ((v = rb_get(p, node, "soak")) != NULL) {
        const char *d = yaml_doc_scalar(v);
        if (d == NULL || runbook_parse_duration(d, &s->soak_s) < 0 || s->soak_s == 0) {
            rb_error(p, v, "soak: '%s' is not a duration (e.g. 10m, 2h, 7d, 1h30m; at most 366d)",
                     d ? d : "(not a string)");
            return -EINVAL;
        }
    }
    if ((v = rb_get(p, node, "approval")) != NULL && rb_str(p, v, "approval", &s->approval) < 0)
        return -EINVAL;
    if ((v = rb_get(p, node, "rollback")) != NULL) {
        const char *sc = yaml_doc_scalar(v);
        if (sc != NULL && strcmp(sc, "none") == 0) {
            s->rollback_none = true;
        } else if (sc != NULL && strcmp(sc, "auto") == 0) {
            /* set_weights goes back to the weights before the step; scale, cordon, uncordon
             * and annotate restore the value their intent recorded before the change */
            if (s->action.kind != RUNBOOK_ACTION_SET_WEIGHTS &&
                s->action.kind != RUNBOOK_ACTION_CORDON &&
                s->action.kind != RUNBOOK_ACTION_UNCORDON &&
                s->action.kind != RUNBOOK_ACTION_SCALE &&
                s->action.kind != RUNBOOK_ACTION_ANNOTATE) {
                rb_error(p, v,
                         "rollback: 'auto' undoes set_weights, scale, cordon, uncordon and "
                         "annotate only; write the action that undoes this step");
                return -EINVAL;
            }
            s->rollback_auto = true;
        } else if (v->type == YAML_MAPPING_NODE) {
            if (s->action.kind == RUNBOOK_ACTION_NONE) {
                rb_error(p, v, "rollback: the step has no action to undo");
                return -EINVAL;
            }
            if (rb_parse_action(p, v, "rollback", &s->rollback) < 0)
                return -EINVAL;
        } else {
            rb_error(p, v, "rollback: expected an action (do: ...), 'auto' or 'none'");
            return -EINVAL;
        }
    } else if (s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS ||
               s->action.kind == RUNBOOK_ACTION_CORDON) {
        s->rollback_auto = true;
    }
    bool undoable = s->rollback_auto || s->rollback.kind != RUNBOOK_ACTION_NONE;
    if (s->soak_s > 0 && s->action.kind != RUNBOOK_ACTION_NONE && !undoable && !s->rollback_none) {
        rb_error(p, rb_get(p, node, "soak"),
                 "a failed soak offers rollback, but nothing undoes %s: add 'rollback:' (or "
                 "'rollback: none' if it cannot be undone)",
                 action_names[s->action.kind]);
        return -EINVAL;
    }
    if (s->soak_s > 0 && s->nchecks == 0) {
        rb_error(p, rb_get(p, node, "soak"), "soak: nothing is checked while soaking; add checks");
        return -EINVAL;
    }
    p->where[0] = '\0';
    return 0;
}

/* ---- whole-runbook rules ----------------------------------------------------------------------
 */

static const struct traffic_target_cfg *rb_find_target(const struct traffic_target_cfg *targets,
                                                       size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (targets[i].name != NULL && strcmp(targets[i].name, name) == 0)
            return &targets[i];
    return NULL;
}

static void rb_plan_text(const struct traffic_target_cfg *t, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->nplan && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%d", i ? ", " : "", t->plan[i]);
}

static int rb_check_target(struct rb_parser *p, const char *name, int percent, bool has_percent,
                           int line, int col, const struct traffic_target_cfg *targets,
                           size_t ntargets)
{
    if (targets == NULL)
        return 0;
    const struct traffic_target_cfg *t = rb_find_target(targets, ntargets, name);
    if (t == NULL) {
        char list[300];
        size_t off = 0;
        list[0] = '\0';
        for (size_t i = 0; i < ntargets && off < sizeof list; i++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                    targets[i].name ? targets[i].name : "?");
        error_set_at(p->err, p->file, line, col,
                     "%s: traffic target '%s' is not in the config (configured: %s)", p->where,
                     name, ntargets ? list : "none");
        return -EINVAL;
    }
    if (has_percent && t->nplan > 0) {
        bool in = false;
        for (size_t i = 0; i < t->nplan; i++)
            in = in || t->plan[i] == percent;
        if (!in && percent != 0) {
            char plan[200];
            rb_plan_text(t, plan, sizeof plan);
            error_set_at(p->err, p->file, line, col, "%s: %d%% is not a step of %s's plan [%s]",
                         p->where, percent, name, plan);
            return -EINVAL;
        }
    }
    return 0;
}

/* Per traffic target: set_weights percents strictly increase over the steps and end at 100. */
static int rb_check_plans(struct rb_parser *p, struct runbook *rb,
                          const struct traffic_target_cfg *targets, size_t ntargets)
{
    for (size_t i = 0; i < rb->nsteps; i++) {
        struct runbook_step *s = &rb->steps[i];
        snprintf(p->where, sizeof p->where, "step %zu", i + 1);
        for (size_t j = 0; j < s->nchecks; j++) {
            struct runbook_check *c = &s->checks[j];
            if (c->target != NULL &&
                rb_check_target(p, c->target, c->percent, c->kind == RUNBOOK_CHECK_TRAFFIC_WEIGHT,
                                c->line, c->col, targets, ntargets) < 0)
                return -EINVAL;
        }
        const struct runbook_action *acts[2] = {&s->action, &s->rollback};
        for (int k = 0; k < 2; k++) {
            const struct runbook_action *a = acts[k];
            if (a->kind == RUNBOOK_ACTION_SET_WEIGHTS &&
                rb_check_target(p, a->target, a->percent, true, a->line, a->col, targets,
                                ntargets) < 0)
                return -EINVAL;
        }
        const struct runbook_action *a = &s->action;
        if (a->kind != RUNBOOK_ACTION_SET_WEIGHTS)
            continue;
        /* The previous set_weights on the same target. */
        for (size_t k = i; k-- > 0;) {
            const struct runbook_action *b = &rb->steps[k].action;
            if (b->kind == RUNBOOK_ACTION_SET_WEIGHTS && strcmp(b->target, a->target) == 0) {
                if (a->percent <= b->percent) {
                    error_set_at(p->err, p->file, a->line, a->col,
                                 "step %zu sets %s to %d%%, not above the %d%% of step %zu: "
                                 "a plan only moves forward (rollback undoes a step)",
                                 i + 1, a->target, a->percent, b->percent, k + 1);
                    return -EINVAL;
                }
                break;
            }
        }
        /* The last set_weights on this target must reach 100. */
        bool later = false;
        for (size_t k = i + 1; k < rb->nsteps && !later; k++) {
            const struct runbook_action *b = &rb->steps[k].action;
            later = b->kind == RUNBOOK_ACTION_SET_WEIGHTS && strcmp(b->target, a->target) == 0;
        }
        if (!later && a->percent != 100) {
            error_set_at(p->err, p->file, a->line, a->col,
                         "the plan for %s ends at %d%% in step %zu: its steps never reach 100%% "
                         "(add a step that sets 100)",
                         a->target, a->percent, i + 1);
            return -EINVAL;
        }
    }
    p->where[0] = '\0';
    return 0;
}

int runbook_percent_before(const struct runbook *rb, size_t step, const char *target)
{
    for (size_t k = step < rb->nsteps ? step : rb->nsteps; k-- > 0;) {
        const struct runbook_action *b = &rb->steps[k].action;
        if (b->kind == RUNBOOK_ACTION_SET_WEIGHTS && strcmp(b->target, target) == 0)
            return b->percent;
    }
    return 0;
}

static int rb_parse_root(struct rb_parser *p, const yaml_node_t *root, struct runbook *rb,
                         const struct traffic_target_cfg *targets, size_t ntargets)
{
    if (root == NULL) {
        error_set_at(p->err, p->file, 1, 1, "the runbook is empty (keys: %s)", top_keys);
        return -EINVAL;
    }
    if (rb_map(p, root, "a runbook", top_keys) < 0)
        return -EINVAL;
    yaml_node_t *v;
    if (rb_req_str(p, root, "name", "the runbook", &rb->name) < 0)
        return -EINVAL;
    v = rb_get(p, root, "name");
    bool name_ok = rb_k8s_name_ok(rb->name, RUNBOOK_NAME_MAX) && strchr(rb->name, '.') == NULL;
    if (!name_ok) {
        rb_error(p, v,
                 "name: '%s' must be lowercase letters, digits and '-' (at most %d), as it names "
                 "the Lease",
                 rb->name, RUNBOOK_NAME_MAX);
        return -EINVAL;
    }
    if (rb_req_str(p, root, "source", "the runbook", &rb->source) < 0 ||
        rb_req_str(p, root, "target", "the runbook", &rb->target) < 0)
        return -EINVAL;
    if (strcmp(rb->source, rb->target) == 0) {
        rb_error(p, rb_get(p, root, "target"), "target: '%s' is also the source", rb->target);
        return -EINVAL;
    }
    if ((v = rb_get(p, root, "description")) != NULL && !yaml_doc_is_blank(v) &&
        rb_str(p, v, "description", &rb->description) < 0)
        return -EINVAL;
    rb->lease_ns = xstrdup(RUNBOOK_LEASE_NS_DEFAULT);
    rb->lease_name = xasprintf("cutover-%s", rb->name);
    if ((v = rb_get(p, root, "lease")) != NULL) {
        if (rb_map(p, v, "lease", lease_keys) < 0)
            return -EINVAL;
        yaml_node_t *f;
        if ((f = rb_get(p, v, "namespace")) != NULL) {
            if (rb_str(p, f, "namespace", &rb->lease_ns) < 0)
                return -EINVAL;
            if (!rb_k8s_name_ok(rb->lease_ns, 63) || strchr(rb->lease_ns, '.') != NULL) {
                rb_error(p, f, "lease namespace: '%s' is not a namespace name", rb->lease_ns);
                return -EINVAL;
            }
        }
        if ((f = rb_get(p, v, "name")) != NULL) {
            if (rb_str(p, f, "name", &rb->lease_name) < 0)
                return -EINVAL;
            if (!rb_k8s_name_ok(rb->lease_name, 253)) {
                rb_error(p, f, "lease name: '%s' is not a Kubernetes name", rb->lease_name);
                return -EINVAL;
            }
        }
    }
    v = rb_get(p, root, "steps");
    if (v == NULL) {
        rb_error(p, root, "the runbook needs 'steps' (a list of steps)");
        return -EINVAL;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        rb_error(p, v, "steps must be a list (- title: ...)");
        return -EINVAL;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0) {
        rb_error(p, v, "steps: a runbook needs at least one step");
        return -EINVAL;
    }
    if (n > RUNBOOK_MAX_STEPS) {
        rb_error(p, v, "steps: at most %d steps", RUNBOOK_MAX_STEPS);
        return -EINVAL;
    }
    rb->steps = xcalloc(n, sizeof *rb->steps);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *s = yaml_document_get_node(p->doc, v->data.sequence.items.start[i]);
        rb->nsteps = i + 1;
        if (rb_parse_step(p, s, i, &rb->steps[i]) < 0)
            return -EINVAL;
    }
    return rb_check_plans(p, rb, targets, ntargets);
}

int runbook_load_text(const char *text, size_t len, const char *file,
                      const struct traffic_target_cfg *targets, size_t ntargets,
                      struct runbook **out, struct error *err)
{
    const char *name = file ? file : "(runbook)";
    if (len > RUNBOOK_FILE_MAX) {
        error_set_at(err, name, 1, 1, "the runbook is larger than %d bytes", RUNBOOK_FILE_MAX);
        return -EINVAL;
    }
    yaml_document_t doc;
    if (yaml_doc_load(text, len, name, &doc, err) < 0) {
        error_sanitize(err);
        return -EINVAL;
    }
    struct runbook *rb = xcalloc(1, sizeof *rb);
    rb->file = xstrdup(name);
    struct rb_parser p = {.doc = &doc, .file = name, .err = err};
    int rc = rb_parse_root(&p, yaml_document_get_root_node(&doc), rb, targets, ntargets);
    yaml_document_delete(&doc);
    if (rc < 0) {
        runbook_free(rb);
        error_sanitize(err);
        return rc;
    }
    *out = rb;
    return 0;
}

int runbook_load_file(const char *path, const struct traffic_target_cfg *targets, size_t ntargets,
                      struct runbook **out, struct error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        error_set(err, "%s: %s", path, strerror(e));
        error_sanitize(err);
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > RUNBOOK_FILE_MAX) {
        error_set(err, "%s: not a regular file of at most %d bytes", path, RUNBOOK_FILE_MAX);
        error_sanitize(err);
        close(fd);
        return -EINVAL;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            error_set(err, "%s: %s", path, strerror(e));
            error_sanitize(err);
            free(buf);
            close(fd);
            return -e;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == cap) {
            if (cap > RUNBOOK_FILE_MAX)
                break;
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    close(fd);
    int rc = runbook_load_text(buf, len, path, targets, ntargets, out, err);
    free(buf);
    return rc;
}

/* ---- descriptions -----------------------------------------------------------------------------
 */

const char *runbook_check_describe(const struct runbook_check *c, char *buf, size_t len)
{
    const char *cl = runbook_cluster_name(c->cluster);
    switch (c->kind) {
    case RUNBOOK_CHECK_CONTROL_PLANE_ZONES:
        snprintf(buf, len, "control-plane nodes on %s over >= %d zones", cl, c->min);
        break;
    case RUNBOOK_CHECK_WORKER_ZONES:
        snprintf(buf, len, "worker zones on %s >= %d", cl, c->min);
        break;
    case RUNBOOK_CHECK_NODES_READY:
        snprintf(buf, len, "nodes Ready on %s >= %.0f%%", cl, c->ratio * 100);
        break;
    case RUNBOOK_CHECK_WORKLOAD_PARITY:
        if (c->name != NULL)
            snprintf(buf, len, "%s%s%s/%s ready on %s >= %.0f%%",
                     c->kind_filter ? c->kind_filter : "", c->kind_filter ? "/" : "", c->ns,
                     c->name, cl, c->ratio * 100);
        else
            snprintf(buf, len, "%s%s in %s ready on %s >= %.0f%%",
                     c->kind_filter ? c->kind_filter : "workloads", c->kind_filter ? "s" : "",
                     c->ns ? c->ns : "all namespaces", cl, c->ratio * 100);
        break;
    case RUNBOOK_CHECK_NO_CRASHLOOPS:
        snprintf(buf, len, "no crash-looping pods on %s%s%s", cl, c->ns ? " in " : "",
                 c->ns ? c->ns : "");
        break;
    case RUNBOOK_CHECK_FINDINGS:
        snprintf(buf, len, "no %s findings%s%s",
                 c->severity == FINDING_WARN ? "warn or crit" : "crit",
                 c->cluster == RUNBOOK_BOTH ? "" : " on ", c->cluster == RUNBOOK_BOTH ? "" : cl);
        break;
    case RUNBOOK_CHECK_SECRET_DRIFT:
        snprintf(buf, len, "secret drift%s%s <= %d", c->ns ? " in " : "", c->ns ? c->ns : "",
                 c->max);
        break;
    case RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED:
        snprintf(buf, len, "ExternalSecrets on %s%s%s all synced", cl, c->ns ? " in " : "",
                 c->ns ? c->ns : "");
        break;
    case RUNBOOK_CHECK_VERSION:
        snprintf(buf, len, "%s version >= %d.%d", cl, c->ver_major, c->ver_minor);
        break;
    case RUNBOOK_CHECK_TRAFFIC_SPLIT:
        if (c->tolerance_pct >= 0)
            snprintf(buf, len, "observed split of %s within %.0f%% of its weights", c->target,
                     c->tolerance_pct);
        else
            snprintf(buf, len, "observed split of %s within tolerance of its weights", c->target);
        break;
    case RUNBOOK_CHECK_TRAFFIC_WEIGHT:
        snprintf(buf, len, "%s sends %d%% to new", c->target, c->percent);
        break;
    case RUNBOOK_CHECK_KINDS:
        snprintf(buf, len, "?");
        break;
    }
    return buf;
}

const char *runbook_action_describe(const struct runbook_action *a, char *buf, size_t len)
{
    const char *cl = runbook_cluster_name(a->cluster);
    switch (a->kind) {
    case RUNBOOK_ACTION_NONE:
    case RUNBOOK_ACTION_KINDS:
        snprintf(buf, len, "no action");
        break;
    case RUNBOOK_ACTION_SET_WEIGHTS:
        snprintf(buf, len, "set %s to %d%% new", a->target, a->percent);
        break;
    case RUNBOOK_ACTION_REFRESH_SECRET:
        snprintf(buf, len, "refresh ExternalSecret %s/%s on %s", a->ns, a->name, cl);
        break;
    case RUNBOOK_ACTION_SCALE:
        snprintf(buf, len, "scale %s/%s/%s on %s to %d", a->res_kind, a->ns, a->name, cl,
                 a->replicas);
        break;
    case RUNBOOK_ACTION_CORDON:
        snprintf(buf, len, "cordon node %s on %s", a->name, cl);
        break;
    case RUNBOOK_ACTION_UNCORDON:
        snprintf(buf, len, "uncordon node %s on %s", a->name, cl);
        break;
    case RUNBOOK_ACTION_RESTART:
        snprintf(buf, len, "restart %s/%s/%s on %s", a->res_kind, a->ns, a->name, cl);
        break;
    case RUNBOOK_ACTION_ANNOTATE:
        snprintf(buf, len, "annotate %s/%s/%s on %s: %s=%s", a->res_kind, a->ns, a->name, cl,
                 a->key, a->value);
        break;
    }
    return buf;
}
