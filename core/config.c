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
    "source, target, kubeconfig, refresh, theme, zone_spread_ratio, keys";

/* A top-level setting holding one value (everything but keys). */
static bool config_key_known(const char *key)
{
    static const char *const scalars[] = {"source",  "target", "kubeconfig",
                                          "refresh", "theme",  "zone_spread_ratio"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (strcmp(scalars[i], key) == 0)
            return true;
    }
    return false;
}

void config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->refresh_ms = CONFIG_REFRESH_MS_DEFAULT;
    cfg->theme = xstrdup(CONFIG_THEME_DEFAULT);
    cfg->zone_spread_ratio = CONFIG_ZONE_SPREAD_RATIO_DEFAULT;
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
    } else if (strcmp(key, "theme") == 0) {
        free(cfg->theme);
        cfg->theme = xstrdup(value);
    } else if (strcmp(key, "refresh") == 0) {
        int ms;
        if (config_parse_duration(value, &ms) < 0) {
            error_set_at(err, file, line, col,
                         "refresh: bad duration '%s' (use e.g. 500ms, 2s, 1.5s, 1m)", value);
            return -EINVAL;
        }
        if (ms < CONFIG_REFRESH_MS_MIN || ms > CONFIG_REFRESH_MS_MAX) {
            error_set_at(err, file, line, col, "refresh: '%s' is out of range (%dms to %dh)", value,
                         CONFIG_REFRESH_MS_MIN, CONFIG_REFRESH_MS_MAX / 3600000);
            return -EINVAL;
        }
        cfg->refresh_ms = ms;
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

void config_apply_keys(const struct config *cfg, struct keymap *km)
{
    for (size_t i = 0; i < cfg->nkeys; i++)
        keymap_apply(km, cfg->keys[i].key, cfg->keys[i].action);
}
