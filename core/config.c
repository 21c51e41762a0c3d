/* The config file: parsed into a temporary and swapped in only when all of it is valid (tmux
 * style_parse's rule), unknown keys rejected by name, file:line:col from libyaml's marks. */
#include "cutover/config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/yaml_doc.h"

#define CONFIG_FILE_MAX (1024 * 1024)

static const char *const config_known_keys =
    "source, target, kubeconfig, refresh, theme, zone_spread_ratio, journal, protobuf, "
    "exec_timeout, keys, traffic, drift";

/* A top-level setting holding one value (everything but keys). */
static bool config_key_known(const char *key)
{
    static const char *const scalars[] = {"source",  "target",   "kubeconfig",
                                          "refresh", "theme",    "zone_spread_ratio",
                                          "journal", "protobuf", "exec_timeout"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (strcmp(scalars[i], key) == 0)
            return true;
    }
    return false;
}

/* A duration setting: its bounds in ms and how its errors put them. */
struct duration_key {
    int min_ms, max_ms;
    const char *examples; /* "500ms, 2s, 1.5s, 1m" */
    const char *range;    /* "100ms to 1h" */
};

/* Parses a duration setting into *out (left as it was on error). */
static int duration_value(const struct duration_key *d, const char *key, const char *value,
                          const char *file, int line, int col, int *out, struct error *err)
{
    int ms;
    if (config_parse_duration(value, &ms) < 0) {
        error_set_at(err, file, line, col, "%s: bad duration '%s' (use e.g. %s)", key, value,
                     d->examples);
        return -1;
    }
    if (ms < d->min_ms || ms > d->max_ms) {
        error_set_at(err, file, line, col, "%s: '%s' is out of range (%s)", key, value, d->range);
        return -1;
    }
    *out = ms;
    return 0;
}

void config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->refresh_ms = CONFIG_REFRESH_MS_DEFAULT;
    cfg->theme = xstrdup(CONFIG_THEME_DEFAULT);
    cfg->zone_spread_ratio = CONFIG_ZONE_SPREAD_RATIO_DEFAULT;
    cfg->protobuf = true;
    cfg->exec_timeout_ms = CONFIG_EXEC_TIMEOUT_MS_DEFAULT;
}

void config_fini(struct config *cfg)
{
    free(cfg->source);
    free(cfg->target);
    free(cfg->kubeconfig);
    free(cfg->theme);
    for (size_t i = 0; i < cfg->nkeys; i++)
        free(cfg->keys[i].action);
    free(cfg->keys);
    free(cfg->path);
    for (size_t i = 0; i < cfg->ntraffic; i++)
        traffic_target_cfg_fini(&cfg->traffic[i]);
    free(cfg->traffic);
    free(cfg->journal);
    drift_config_fini(&cfg->drift); /* drift module */
    memset(cfg, 0, sizeof *cfg);
}

char *config_default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg != NULL && xdg[0] == '/')
        return xasprintf("%s/cutover/config.yaml", xdg);
    const char *home = getenv("HOME");
    if (home != NULL && home[0] != '\0')
        return xasprintf("%s/.config/cutover/config.yaml", home);
    return NULL;
}

int config_parse_duration(const char *text, int *ms)
{
    if (text == NULL)
        return -EINVAL;
    const char *p = text;
    while (*p == ' ')
        p++;
    if (!(*p >= '0' && *p <= '9') && *p != '.')
        return -EINVAL;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno != 0 || !isfinite(v) || v < 0)
        return -EINVAL;
    /* strtod accepts hex and exponents: allow only digits and one '.'. */
    for (const char *q = p; q < end; q++) {
        if (!((*q >= '0' && *q <= '9') || *q == '.'))
            return -EINVAL;
    }
    double mult;
    if (strcmp(end, "ms") == 0)
        mult = 1;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        mult = 1000;
    else if (strcmp(end, "m") == 0)
        mult = 60000;
    else if (strcmp(end, "h") == 0)
        mult = 3600000;
    else
        return -EINVAL;
    double r = v * mult;
    if (r > 2147483647.0)
        return -EINVAL;
    *ms = (int)(r + 0.5);
    return 0;
}

/* Expands a leading "~/" with $HOME. */
static char *config_expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (path[0] == '~' && path[1] == '/' && home != NULL && home[0] != '\0')
        return xasprintf("%s%s", home, path + 1);
    return xstrdup(path);
}

/* Validates and stores one scalar setting; on error fills err at (file, line, col). */
static int config_set_at(struct config *cfg, const char *key, const char *value, const char *file,
                         int line, int col, struct error *err)
{
    if (value == NULL || value[0] == '\0') {
        error_set_at(err, file, line, col, "%s: expected a value", key);
        return -EINVAL;
    }
    if (strcmp(key, "source") == 0 || strcmp(key, "target") == 0) {
        char **dst = key[0] == 's' ? &cfg->source : &cfg->target;
        free(*dst);
        *dst = xstrdup(value);
    } else if (strcmp(key, "kubeconfig") == 0) {
        free(cfg->kubeconfig);
        cfg->kubeconfig = config_expand_home(value);
    } else if (strcmp(key, "journal") == 0) {
        free(cfg->journal);
        cfg->journal = config_expand_home(value);
    } else if (strcmp(key, "theme") == 0) {
        free(cfg->theme);
        cfg->theme = xstrdup(value);
    } else if (strcmp(key, "refresh") == 0) {
        const struct duration_key d = {CONFIG_REFRESH_MS_MIN, CONFIG_REFRESH_MS_MAX,
                                       "500ms, 2s, 1.5s, 1m", "100ms to 1h"};
        if (duration_value(&d, key, value, file, line, col, &cfg->refresh_ms, err) < 0)
            return -EINVAL;
    } else if (strcmp(key, "zone_spread_ratio") == 0) {
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        bool digits = value[0] >= '0' && value[0] <= '9';
        if (!digits || end == value || *end != '\0' || errno != 0 || !isfinite(v)) {
            error_set_at(err, file, line, col, "zone_spread_ratio: '%s' is not a number", value);
            return -EINVAL;
        }
        if (v < 1.0 || v > 1000.0) {
            error_set_at(err, file, line, col,
                         "zone_spread_ratio: %s must be at least 1.0 (and at most 1000)", value);
            return -EINVAL;
        }
        cfg->zone_spread_ratio = v;
    } else if (strcmp(key, "protobuf") == 0) {
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0) {
            cfg->protobuf = true;
        } else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0) {
            cfg->protobuf = false;
        } else {
            error_set_at(err, file, line, col, "protobuf: '%s' is not true or false", value);
            return -EINVAL;
        }
    } else if (strcmp(key, "exec_timeout") == 0) {
        const struct duration_key d = {CONFIG_EXEC_TIMEOUT_MS_MIN, CONFIG_EXEC_TIMEOUT_MS_MAX,
                                       "10s, 1m, 90s", "1s to 10m"};
        if (duration_value(&d, key, value, file, line, col, &cfg->exec_timeout_ms, err) < 0)
            return -EINVAL;
    } else {
        error_set_at(err, file, line, col, "unknown key '%s' (known: %s)", key, config_known_keys);
        return -EINVAL;
    }
    return 0;
}

int config_set(struct config *cfg, const char *key, const char *value, struct error *err)
{
    if (strcmp(key, "keys") == 0) {
        error_set(err, "keys: cannot be set as a single value");
        return -EINVAL;
    }
    struct error e;
    error_clear(&e);
    int rc = config_set_at(cfg, key, value, NULL, 0, 0, &e);
    if (rc < 0) {
        error_set(err, "%s", e.msg);
        error_sanitize(err);
    }
    return rc;
}

static int config_parse_keys(yaml_document_t *doc, const yaml_node_t *v, const char *file,
                             const char *const *actions, size_t nactions, struct config *tmp,
                             struct error *err)
{
    if (yaml_doc_is_blank(v))
        return 0; /* `keys:` with nothing under it */
    if (v->type != YAML_MAPPING_NODE) {
        yaml_doc_error_at(err, file, v,
                          "keys: expected a mapping of key -> action (e.g. q: quit, x: none)");
        return -EINVAL;
    }
    size_t cnt = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    tmp->keys = xcalloc(cnt ? cnt : 1, sizeof *tmp->keys);
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *a = yaml_document_get_node(doc, p->value);
        int kl = (int)k->start_mark.line + 1, kc = (int)k->start_mark.column + 1;
        int al = (int)a->start_mark.line + 1, ac = (int)a->start_mark.column + 1;
        if (k->type != YAML_SCALAR_NODE) {
            error_set_at(err, file, kl, kc, "keys: a key spec must be a plain string");
            return -EINVAL;
        }
        const char *spec = (const char *)k->data.scalar.value;
        if (a->type != YAML_SCALAR_NODE) {
            error_set_at(err, file, al, ac, "keys: '%s': the action must be a name (or none)",
                         spec);
            return -EINVAL;
        }
        const char *action = (const char *)a->data.scalar.value;
        int key;
        int rc;
        if (keymap_parse_key(spec, &key) < 0)
            rc = keymap_check(spec, action, actions, nactions, file, kl, kc, &key, err);
        else
            rc = keymap_check(spec, action, actions, nactions, file, al, ac, &key, err);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < tmp->nkeys; i++) {
            if (tmp->keys[i].key == key) {
                char kn[32];
                error_set_at(err, file, kl, kc, "keys: '%s' (%s) is bound twice (first at line %d)",
                             spec, keymap_key_name(key, kn, sizeof kn), tmp->keys[i].line);
                return -EINVAL;
            }
        }
        struct config_key *ck = &tmp->keys[tmp->nkeys++];
        ck->key = key;
        ck->action = xstrdup(action);
        ck->line = kl;
        ck->col = kc;
    }
    return 0;
}

/* ---- traffic: ------------------------------------------------------------------------------ */

#define TK(kind) (1u << (kind))
#define TK_ALL (TK(TRAFFIC_ROUTE53) | TK(TRAFFIC_ALB) | TK(TRAFFIC_HAPROXY) | TK(TRAFFIC_GATEWAY))

/* The keys of one target and the providers they apply to. */
static const struct {
    const char *key;
    unsigned kinds;
} traffic_keys[] = {
    {"name", TK_ALL},
    {"provider", TK_ALL},
    {"production", TK_ALL},
    {"plan", TK_ALL},
    {"old", TK_ALL},
    {"new", TK_ALL},
    {"observed", TK_ALL},
    {"zone_id", TK(TRAFFIC_ROUTE53)},
    {"record", TK(TRAFFIC_ROUTE53)},
    {"type", TK(TRAFFIC_ROUTE53)},
    {"listener", TK(TRAFFIC_ALB)},
    {"rule", TK(TRAFFIC_ALB) | TK(TRAFFIC_GATEWAY)},
    {"address", TK(TRAFFIC_HAPROXY)},
    {"backend", TK(TRAFFIC_HAPROXY)},
    {"context", TK(TRAFFIC_GATEWAY)},
    {"namespace", TK(TRAFFIC_GATEWAY)},
    {"route", TK(TRAFFIC_GATEWAY)},
    {"aws", TK(TRAFFIC_ROUTE53) | TK(TRAFFIC_ALB)},
};
#define NTRAFFIC_KEYS (sizeof traffic_keys / sizeof traffic_keys[0])

/* "name, provider, ..., zone_id, record, type, aws" for one kind, into buf. */
static const char *traffic_keys_for(enum traffic_kind kind, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NTRAFFIC_KEYS; i++) {
        if (!(traffic_keys[i].kinds & TK(kind)))
            continue;
        int w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", traffic_keys[i].key);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    return buf;
}

static void node_pos(const yaml_node_t *n, int *line, int *col)
{
    *line = (int)n->start_mark.line + 1;
    *col = (int)n->start_mark.column + 1;
}

/* The text of a non-empty scalar value, or NULL with err at the value. */
static const char *traffic_scalar(const yaml_node_t *v, const char *file, const char *key,
                                  struct error *err)
{
    int l, c;
    node_pos(v, &l, &c);
    if (v->type != YAML_SCALAR_NODE) {
        error_set_at(err, file, l, c, "traffic: %s: expected a single value, not a %s", key,
                     v->type == YAML_MAPPING_NODE ? "mapping" : "list");
        return NULL;
    }
    const char *s = (const char *)v->data.scalar.value;
    if (v->data.scalar.length != strlen(s)) {
        error_set_at(err, file, l, c, "traffic: %s: value contains a NUL character", key);
        return NULL;
    }
    if (s[0] == '\0') {
        error_set_at(err, file, l, c, "traffic: %s: expected a value", key);
        return NULL;
    }
    return s;
}

static int traffic_int(const yaml_node_t *v, const char *file, const char *key, long lo, long hi,
                       long *out, struct error *err)
{
    const char *s = traffic_scalar(v, file, key, err);
    if (s == NULL)
        return -EINVAL;
    int l, c;
    node_pos(v, &l, &c);
    const char *p = s[0] == '-' ? s + 1 : s;
    bool digits = *p != '\0' && strspn(p, "0123456789") == strlen(p);
    errno = 0;
    long x = digits ? strtol(s, NULL, 10) : 0;
    if (!digits || errno != 0) {
        error_set_at(err, file, l, c, "traffic: %s: '%s' is not a whole number", key, s);
        return -EINVAL;
    }
    if (x < lo || x > hi) {
        error_set_at(err, file, l, c, "traffic: %s: %ld is outside %ld..%ld", key, x, lo, hi);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

static int traffic_url(const yaml_node_t *v, const char *file, const char *key, char **out,
                       struct error *err)
{
    const char *s = traffic_scalar(v, file, key, err);
    if (s == NULL)
        return -EINVAL;
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
        int l, c;
        node_pos(v, &l, &c);
        error_set_at(err, file, l, c, "traffic: %s: '%s' is not an http:// or https:// URL", key,
                     s);
        return -EINVAL;
    }
    free(*out);
    *out = xstrdup(s);
    return 0;
}

static int traffic_str(const yaml_node_t *v, const char *file, const char *key, char **out,
                       struct error *err)
{
    const char *s = traffic_scalar(v, file, key, err);
    if (s == NULL)
        return -EINVAL;
    free(*out);
    *out = xstrdup(s);
    return 0;
}

static int traffic_plan(yaml_document_t *doc, const yaml_node_t *v, const char *file,
                        struct traffic_target_cfg *t, struct error *err)
{
    int l, c;
    node_pos(v, &l, &c);
    if (v->type != YAML_SEQUENCE_NODE) {
        error_set_at(err, file, l, c,
                     "traffic: plan: expected a list of percents to the new side, e.g. [0, 10, "
                     "30, 100]");
        return -EINVAL;
    }
    yaml_node_t *nodes[TRAFFIC_MAX_STEPS + 1];
    int steps[TRAFFIC_MAX_STEPS + 1];
    size_t n = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *s = yaml_document_get_node(doc, *it);
        long x;
        if (traffic_int(s, file, "plan", -1000000, 1000000, &x, err) < 0)
            return -EINVAL;
        nodes[n] = s;
        steps[n++] = (int)x;
        if (n > TRAFFIC_MAX_STEPS)
            break;
    }
    struct error e;
    error_clear(&e);
    if (traffic_plan_validate(steps, n, &e) == 0) {
        memcpy(t->plan, steps, n * sizeof steps[0]);
        t->nplan = n;
        return 0;
    }
    /* point at the step the message names */
    const yaml_node_t *bad = n > 0 ? nodes[n - 1] : v;
    for (size_t i = 0; i < n; i++) {
        if (steps[i] < 0 || steps[i] > 100 || (i > 0 && steps[i] <= steps[i - 1])) {
            bad = nodes[i];
            break;
        }
    }
    if (n > TRAFFIC_MAX_STEPS) {
        bad = nodes[TRAFFIC_MAX_STEPS];
        snprintf(e.msg, sizeof e.msg, "more than %d steps", TRAFFIC_MAX_STEPS);
    }
    node_pos(bad, &l, &c);
    error_set_at(err, file, l, c, "traffic: plan: %s", e.msg);
    return -EINVAL;
}

/* A sub-mapping (aws:, observed:) of scalar keys: calls fn for each, rejecting unknown ones. */
static int traffic_submap(yaml_document_t *doc, const yaml_node_t *v, const char *file,
                          const char *section, const char *const *known, size_t nknown,
                          struct traffic_target_cfg *t,
                          int (*fn)(const char *key, const yaml_node_t *val, const char *file,
                                    struct traffic_target_cfg *t, struct error *err),
                          struct error *err)
{
    int l, c;
    node_pos(v, &l, &c);
    if (v->type != YAML_MAPPING_NODE) {
        char list[128] = "";
        for (size_t i = 0; i < nknown; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     known[i]);
        error_set_at(err, file, l, c, "traffic: %s: expected a mapping (%s)", section, list);
        return -EINVAL;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *val = yaml_document_get_node(doc, p->value);
        node_pos(k, &l, &c);
        const char *key = yaml_doc_scalar(k);
        bool ok = false;
        for (size_t i = 0; key != NULL && i < nknown; i++)
            ok = ok || strcmp(known[i], key) == 0;
        if (!ok) {
            char list[128] = "";
            for (size_t i = 0; i < nknown; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         known[i]);
            error_set_at(err, file, l, c, "traffic: %s: unknown key '%s' (known: %s)", section,
                         key != NULL ? key : "?", list);
            return -EINVAL;
        }
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < p; q++) {
            const char *prev = yaml_doc_scalar(yaml_document_get_node(doc, q->key));
            if (prev != NULL && strcmp(prev, key) == 0) {
                error_set_at(err, file, l, c, "traffic: %s: '%s' is given twice", section, key);
                return -EINVAL;
            }
        }
        if (fn(key, val, file, t, err) < 0)
            return -EINVAL;
    }
    return 0;
}

static int traffic_aws_key(const char *key, const yaml_node_t *v, const char *file,
                           struct traffic_target_cfg *t, struct error *err)
{
    if (strcmp(key, "profile") == 0)
        return traffic_str(v, file, "aws.profile", &t->aws_profile, err);
    if (strcmp(key, "region") == 0)
        return traffic_str(v, file, "aws.region", &t->aws_region, err);
    return traffic_url(v, file, "aws.endpoint", &t->aws_endpoint, err);
}

static int traffic_observed_key(const char *key, const yaml_node_t *v, const char *file,
                                struct traffic_target_cfg *t, struct error *err)
{
    if (strcmp(key, "prometheus") == 0)
        return traffic_url(v, file, "observed.prometheus", &t->prom_url, err);
    if (strcmp(key, "old") == 0)
        return traffic_str(v, file, "observed.old", &t->prom_query[TRAFFIC_OLD], err);
    if (strcmp(key, "new") == 0)
        return traffic_str(v, file, "observed.new", &t->prom_query[TRAFFIC_NEW], err);
    const char *s = traffic_scalar(v, file, "observed.tolerance", err);
    if (s == NULL)
        return -EINVAL;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (!(s[0] >= '0' && s[0] <= '9') || *end != '\0' || errno != 0 || !isfinite(x) || x > 100) {
        int l, c;
        node_pos(v, &l, &c);
        error_set_at(err, file, l, c,
                     "traffic: observed.tolerance: '%s' is not a percent between 0 and 100", s);
        return -EINVAL;
    }
    t->tolerance_pct = x;
    return 0;
}

static bool traffic_name_ok(const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

/* One key of a target whose kind is known. */
static int traffic_target_key(yaml_document_t *doc, const char *key, const yaml_node_t *v,
                              const char *file, struct traffic_target_cfg *t, struct error *err)
{
    int l, c;
    node_pos(v, &l, &c);
    if (strcmp(key, "provider") == 0)
        return 0; /* read first */
    if (strcmp(key, "name") == 0) {
        const char *s = traffic_scalar(v, file, key, err);
        if (s == NULL)
            return -EINVAL;
        if (!traffic_name_ok(s) || strlen(s) > 63) {
            error_set_at(err, file, l, c,
                         "traffic: name: '%s' must be 1 to 63 letters, digits, '.', '-' or '_' (it "
                         "is typed to confirm a change)",
                         s);
            return -EINVAL;
        }
        free(t->name);
        t->name = xstrdup(s);
        return 0;
    }
    if (strcmp(key, "production") == 0) {
        const char *s = traffic_scalar(v, file, key, err);
        if (s == NULL)
            return -EINVAL;
        if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
            t->production = true;
        } else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0) {
            t->production = false;
        } else {
            error_set_at(err, file, l, c, "traffic: production: '%s' is not true or false", s);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "plan") == 0)
        return traffic_plan(doc, v, file, t, err);
    if (strcmp(key, "old") == 0)
        return traffic_str(v, file, key, &t->old_id, err);
    if (strcmp(key, "new") == 0)
        return traffic_str(v, file, key, &t->new_id, err);
    if (strcmp(key, "zone_id") == 0) {
        const char *s = traffic_scalar(v, file, key, err);
        if (s == NULL)
            return -EINVAL;
        if (strncmp(s, "/hostedzone/", 12) == 0)
            s += 12;
        if (s[0] == '\0' || strchr(s, '/') != NULL) {
            error_set_at(err, file, l, c, "traffic: zone_id: '%s' is not a hosted zone id", s);
            return -EINVAL;
        }
        free(t->zone_id);
        t->zone_id = xstrdup(s);
        return 0;
    }
    if (strcmp(key, "record") == 0) {
        const char *s = traffic_scalar(v, file, key, err);
        if (s == NULL)
            return -EINVAL;
        free(t->record_name);
        size_t n = strlen(s);
        t->record_name = s[n - 1] == '.' ? xstrdup(s) : xasprintf("%s.", s);
        return 0;
    }
    if (strcmp(key, "type") == 0) {
        const char *s = traffic_scalar(v, file, key, err);
        if (s == NULL)
            return -EINVAL;
        if (strcmp(s, "A") != 0 && strcmp(s, "AAAA") != 0 && strcmp(s, "CNAME") != 0) {
            error_set_at(err, file, l, c, "traffic: type: '%s' is not A, AAAA or CNAME", s);
            return -EINVAL;
        }
        free(t->record_type);
        t->record_type = xstrdup(s);
        return 0;
    }
    if (strcmp(key, "listener") == 0)
        return traffic_str(v, file, key, &t->listener_arn, err);
    if (strcmp(key, "rule") == 0) {
        if (t->kind == TRAFFIC_ALB)
            return traffic_str(v, file, key, &t->rule_arn, err);
        long x;
        if (traffic_int(v, file, "rule", 0, 1000, &x, err) < 0)
            return -EINVAL;
        t->rule_index = (int)x;
        return 0;
    }
    if (strcmp(key, "address") == 0) {
        const char *s = traffic_scalar(v, file, key, err);
        if (s == NULL)
            return -EINVAL;
        const char *colon = strncmp(s, "tcp:", 4) == 0 ? strrchr(s + 4, ':') : NULL;
        bool ok = (strncmp(s, "unix:", 5) == 0 && s[5] != '\0') ||
                  (colon != NULL && colon > s + 4 && colon[1] != '\0' &&
                   strspn(colon + 1, "0123456789") == strlen(colon + 1));
        if (!ok) {
            error_set_at(err, file, l, c,
                         "traffic: address: '%s' is not unix:/path/to/admin.sock or "
                         "tcp:host:port",
                         s);
            return -EINVAL;
        }
        free(t->address);
        t->address = xstrdup(s);
        return 0;
    }
    if (strcmp(key, "backend") == 0)
        return traffic_str(v, file, key, &t->backend, err);
    if (strcmp(key, "context") == 0)
        return traffic_str(v, file, key, &t->context, err);
    if (strcmp(key, "namespace") == 0)
        return traffic_str(v, file, key, &t->ns, err);
    if (strcmp(key, "route") == 0)
        return traffic_str(v, file, key, &t->route, err);
    if (strcmp(key, "aws") == 0) {
        static const char *const known[] = {"profile", "region", "endpoint"};
        return traffic_submap(doc, v, file, "aws", known, 3, t, traffic_aws_key, err);
    }
    if (strcmp(key, "observed") == 0) {
        static const char *const known[] = {"prometheus", "old", "new", "tolerance"};
        if (traffic_submap(doc, v, file, "observed", known, 4, t, traffic_observed_key, err) < 0)
            return -EINVAL;
        if (t->prom_url == NULL || t->prom_query[0] == NULL || t->prom_query[1] == NULL) {
            error_set_at(err, file, l, c,
                         "traffic: observed: needs prometheus, old and new (a PromQL query for "
                         "each side)");
            return -EINVAL;
        }
        return 0;
    }
    return 0; /* not reached: keys were checked against traffic_keys */
}

static int traffic_target(yaml_document_t *doc, const yaml_node_t *m, const char *file,
                          struct traffic_target_cfg *t, struct error *err)
{
    int l, c;
    node_pos(m, &l, &c);
    t->line = l;
    t->col = c;
    t->production = true;
    t->tolerance_pct = 5;
    if (m->type != YAML_MAPPING_NODE) {
        error_set_at(err, file, l, c,
                     "traffic: each target is a mapping (name, provider, plan, old, new, ...)");
        return -EINVAL;
    }
    /* the provider first: it decides which keys are valid */
    const yaml_node_t *prov = NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *key = yaml_doc_scalar(yaml_document_get_node(doc, p->key));
        if (key != NULL && strcmp(key, "provider") == 0)
            prov = yaml_document_get_node(doc, p->value);
    }
    if (prov == NULL) {
        error_set_at(err, file, l, c,
                     "traffic: the target needs provider: (route53, alb, haproxy or gateway)");
        return -EINVAL;
    }
    const char *pname = traffic_scalar(prov, file, "provider", err);
    if (pname == NULL)
        return -EINVAL;
    int kind = traffic_kind_from_name(pname);
    if (kind < 0) {
        node_pos(prov, &l, &c);
        error_set_at(err, file, l, c,
                     "traffic: provider: unknown provider '%s' (known: route53, alb, haproxy, "
                     "gateway)",
                     pname);
        return -EINVAL;
    }
    t->kind = (enum traffic_kind)kind;
    char known[256];
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        node_pos(k, &l, &c);
        const char *key = yaml_doc_scalar(k);
        size_t i = 0;
        while (key != NULL && i < NTRAFFIC_KEYS && strcmp(traffic_keys[i].key, key) != 0)
            i++;
        if (key == NULL || i == NTRAFFIC_KEYS) {
            error_set_at(err, file, l, c, "traffic: unknown key '%s' (known for %s: %s)",
                         key != NULL ? key : "?", pname,
                         traffic_keys_for(t->kind, known, sizeof known));
            return -EINVAL;
        }
        if (!(traffic_keys[i].kinds & TK(t->kind))) {
            error_set_at(err, file, l, c, "traffic: '%s' is not a %s setting (known for %s: %s)",
                         key, pname, pname, traffic_keys_for(t->kind, known, sizeof known));
            return -EINVAL;
        }
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
            const char *prev = yaml_doc_scalar(yaml_document_get_node(doc, q->key));
            if (prev != NULL && strcmp(prev, key) == 0) {
                error_set_at(err, file, l, c, "traffic: '%s' is given twice", key);
                return -EINVAL;
            }
        }
        if (traffic_target_key(doc, key, v, file, t, err) < 0)
            return -EINVAL;
    }
    /* what each provider needs */
    const char *missing = NULL;
    if (t->name == NULL)
        missing = "name";
    else if (t->nplan == 0)
        missing = "plan";
    else if (t->old_id == NULL)
        missing = "old";
    else if (t->new_id == NULL)
        missing = "new";
    else if (t->kind == TRAFFIC_ROUTE53 && t->zone_id == NULL)
        missing = "zone_id";
    else if (t->kind == TRAFFIC_ROUTE53 && t->record_name == NULL)
        missing = "record";
    else if (t->kind == TRAFFIC_ALB && t->listener_arn == NULL)
        missing = "listener";
    else if (t->kind == TRAFFIC_HAPROXY && t->address == NULL)
        missing = "address";
    else if (t->kind == TRAFFIC_HAPROXY && t->backend == NULL)
        missing = "backend";
    else if (t->kind == TRAFFIC_GATEWAY && t->context == NULL)
        missing = "context";
    else if (t->kind == TRAFFIC_GATEWAY && t->ns == NULL)
        missing = "namespace";
    else if (t->kind == TRAFFIC_GATEWAY && t->route == NULL)
        missing = "route";
    node_pos(m, &l, &c);
    if (missing != NULL) {
        error_set_at(err, file, l, c,
                     "traffic: target%s%s (%s) needs %s:", t->name != NULL ? " " : "",
                     t->name != NULL ? t->name : "", pname, missing);
        return -EINVAL;
    }
    if (strcmp(t->old_id, t->new_id) == 0) {
        error_set_at(err, file, l, c, "traffic: target %s: old and new are both '%s'", t->name,
                     t->old_id);
        return -EINVAL;
    }
    if (t->kind == TRAFFIC_ROUTE53 && t->record_type == NULL)
        t->record_type = xstrdup("A");
    return 0;
}

static int config_parse_traffic(yaml_document_t *doc, const yaml_node_t *v, const char *file,
                                struct config *tmp, struct error *err)
{
    if (yaml_doc_is_blank(v))
        return 0; /* `traffic:` with nothing under it */
    if (v->type != YAML_SEQUENCE_NODE) {
        yaml_doc_error_at(err, file, v,
                          "traffic: expected a list of targets (- name: api, provider: route53, "
                          "...)");
        return -EINVAL;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    tmp->traffic = xcalloc(cnt ? cnt : 1, sizeof *tmp->traffic);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *m = yaml_document_get_node(doc, *it);
        struct traffic_target_cfg *t = &tmp->traffic[tmp->ntraffic++];
        if (traffic_target(doc, m, file, t, err) < 0)
            return -EINVAL;
        for (size_t i = 0; i + 1 < tmp->ntraffic; i++) {
            if (strcmp(tmp->traffic[i].name, t->name) == 0) {
                error_set_at(err, file, t->line, t->col,
                             "traffic: two targets are named '%s' (the first at line %d)", t->name,
                             tmp->traffic[i].line);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int config_load_text(const char *text, size_t len, const char *name, const char *const *actions,
                     size_t nactions, struct config *cfg, struct error *err)
{
    const char *file = name ? name : "(config)";
    yaml_document_t doc;
    if (yaml_doc_load(text, len, file, &doc, err) < 0) {
        error_sanitize(err);
        return -EINVAL;
    }
    struct config tmp;
    config_init(&tmp);
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    bool seen_keys = false;
    bool seen_traffic = false;
    bool seen_drift = false;
    char seen[8][24];
    size_t nseen = 0;
    if (root == NULL) {
        /* An empty file: all defaults. */
    } else if (root->type != YAML_MAPPING_NODE) {
        if (yaml_doc_is_blank(root)) {
            /* a file holding only comments or "---": all defaults */
        } else {
            yaml_doc_error_at(err, file, root,
                              "the config must be a mapping of settings (known: %s)",
                              config_known_keys);
            rc = -EINVAL;
        }
    } else {
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top && rc == 0; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            yaml_node_t *v = yaml_document_get_node(&doc, p->value);
            int kl = (int)k->start_mark.line + 1, kc = (int)k->start_mark.column + 1;
            if (k->type != YAML_SCALAR_NODE) {
                error_set_at(err, file, kl, kc, "settings must be named by plain keys (known: %s)",
                             config_known_keys);
                rc = -EINVAL;
                break;
            }
            const char *key = (const char *)k->data.scalar.value;
            for (size_t i = 0; i < nseen; i++) {
                if (strcmp(seen[i], key) == 0) {
                    error_set_at(err, file, kl, kc, "'%s' is given twice", key);
                    rc = -EINVAL;
                }
            }
            if (rc < 0)
                break;
            /* Sections: a mapping or list under one key, each parsed by one function.
             * keys: and traffic: are parsed here. The `drift:` section goes here as well, as one
             * call to drift_config_parse() (owned by the drift module), with its own seen_ flag. */
            if (strcmp(key, "keys") == 0) {
                if (seen_keys) {
                    error_set_at(err, file, kl, kc, "'keys' is given twice");
                    rc = -EINVAL;
                    break;
                }
                seen_keys = true;
                rc = config_parse_keys(&doc, v, file, actions, nactions, &tmp, err);
                continue;
            }
            if (strcmp(key, "traffic") == 0) {
                if (seen_traffic) {
                    error_set_at(err, file, kl, kc, "'traffic' is given twice");
                    rc = -EINVAL;
                    break;
                }
                seen_traffic = true;
                rc = config_parse_traffic(&doc, v, file, &tmp, err);
                continue;
            }
            if (strcmp(key, "drift") == 0) { /* drift module: docs/drift.md */
                if (seen_drift) {
                    error_set_at(err, file, kl, kc, "'drift' is given twice");
                    rc = -EINVAL;
                    break;
                }
                seen_drift = true;
                rc = drift_config_parse(&doc, v, file, &tmp.drift, err);
                continue;
            }
            int vl = (int)v->start_mark.line + 1, vc = (int)v->start_mark.column + 1;
            if (!config_key_known(key)) {
                error_set_at(err, file, kl, kc, "unknown key '%s' (known: %s)", key,
                             config_known_keys);
                rc = -EINVAL;
                break;
            }
            if (v->type != YAML_SCALAR_NODE) {
                error_set_at(err, file, vl, vc, "%s: expected a single value, not a %s", key,
                             v->type == YAML_MAPPING_NODE ? "mapping" : "list");
                rc = -EINVAL;
                break;
            }
            const char *val = (const char *)v->data.scalar.value;
            if (v->data.scalar.length != strlen(val)) {
                error_set_at(err, file, vl, vc, "%s: value contains a NUL character", key);
                rc = -EINVAL;
                break;
            }
            rc = config_set_at(&tmp, key, val, file, vl, vc, err);
            if (rc < 0)
                break;
            if (nseen < sizeof seen / sizeof seen[0]) {
                snprintf(seen[nseen], sizeof seen[0], "%s", key);
                nseen++;
            }
        }
    }
    yaml_document_delete(&doc);
    if (rc < 0) {
        config_fini(&tmp);
        error_sanitize(err);
        return rc;
    }
    free(tmp.path);
    tmp.path = name ? xstrdup(name) : NULL;
    config_fini(cfg);
    *cfg = tmp;
    return 0;
}

int config_load_file(const char *path, const char *const *actions, size_t nactions,
                     struct config *cfg, struct error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        error_set_at(err, path, 0, 0, "cannot open config: %s", strerror(e));
        return e > 0 ? -e : -EIO;
    }
    size_t cap = 4096, n = 0;
    char *b = xmalloc(cap);
    int rc = 0;
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            b = xrealloc(b, cap);
        }
        size_t r = fread(b + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
        if (n > CONFIG_FILE_MAX) {
            error_set_at(err, path, 0, 0, "config file is larger than %d bytes", CONFIG_FILE_MAX);
            rc = -EFBIG;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        error_set_at(err, path, 0, 0, "cannot read config");
        rc = -EIO;
    }
    fclose(f);
    if (rc == 0) {
        b[n] = '\0';
        rc = config_load_text(b, n, path, actions, nactions, cfg, err);
    }
    free(b);
    return rc;
}

const struct traffic_target_cfg *config_traffic_find(const struct config *cfg, const char *name)
{
    if (cfg == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->ntraffic; i++)
        if (cfg->traffic[i].name != NULL && strcmp(cfg->traffic[i].name, name) == 0)
            return &cfg->traffic[i];
    return NULL;
}

void config_apply_keys(const struct config *cfg, struct keymap *km)
{
    for (size_t i = 0; i < cfg->nkeys; i++)
        keymap_apply(km, cfg->keys[i].key, cfg->keys[i].action);
}
