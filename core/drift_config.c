/* The `drift:` section of the config: ignore rules and the source of truth's endpoint. */
#include "cutover/drift_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"
#include "cutover/yaml_doc.h"

static const char *const kind_names[DRIFT_RULE_KIND_COUNT] = {
    [DRIFT_RULE_TYPE] = "type",
    [DRIFT_RULE_HELM] = "helm",
    [DRIFT_RULE_CERT_MANAGER] = "cert-manager",
    [DRIFT_RULE_LABEL] = "label",
    [DRIFT_RULE_NAME] = "name",
};

const char *drift_rule_kind_name(enum drift_rule_kind kind)
{
    return kind < DRIFT_RULE_KIND_COUNT ? kind_names[kind] : "?";
}

/* The built-in rules: what differs between clusters by nature. */
static const struct {
    enum drift_rule_kind kind;
    const char *pattern;
    bool secrets, configmaps;
} builtin[] = {
    {DRIFT_RULE_TYPE, "kubernetes.io/service-account-token", true, false},
    {DRIFT_RULE_HELM, NULL, true, false},
    {DRIFT_RULE_CERT_MANAGER, NULL, true, false},
    {DRIFT_RULE_NAME, "*/kube-root-ca.crt", false, true},
};

void drift_config_fini(struct drift_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nrules; i++)
        free(cfg->rules[i].pattern);
    free(cfg->rules);
    free(cfg->aws_endpoint);
    free(cfg->aws_profile);
    free(cfg->aws_region);
    memset(cfg, 0, sizeof *cfg);
}

void drift_config_copy(struct drift_config *dst, const struct drift_config *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src)
        return;
    *dst = *src;
    dst->rules = src->nrules ? xcalloc(src->nrules, sizeof *dst->rules) : NULL;
    for (size_t i = 0; i < src->nrules; i++) {
        dst->rules[i] = src->rules[i];
        dst->rules[i].pattern = xstrdup_null(src->rules[i].pattern);
    }
    dst->aws_endpoint = xstrdup_null(src->aws_endpoint);
    dst->aws_profile = xstrdup_null(src->aws_profile);
    dst->aws_region = xstrdup_null(src->aws_region);
}

struct drift_rule *drift_config_rules(const struct drift_config *cfg, size_t *n)
{
    size_t nb = cfg && cfg->no_defaults ? 0 : sizeof builtin / sizeof builtin[0];
    size_t nf = cfg ? cfg->nrules : 0;
    struct drift_rule *r = xcalloc(nb + nf + 1, sizeof *r);
    for (size_t i = 0; i < nb; i++) {
        r[i].kind = builtin[i].kind;
        r[i].pattern = xstrdup_null(builtin[i].pattern);
        r[i].secrets = builtin[i].secrets;
        r[i].configmaps = builtin[i].configmaps;
    }
    for (size_t i = 0; i < nf; i++) {
        r[nb + i] = cfg->rules[i];
        r[nb + i].pattern = xstrdup_null(cfg->rules[i].pattern);
    }
    *n = nb + nf;
    return r;
}

void drift_config_rules_free(struct drift_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rules[i].pattern);
    free(rules);
}

const char *drift_rule_describe(const struct drift_rule *r, char *buf, size_t len)
{
    switch (r->kind) {
    case DRIFT_RULE_HELM:
        snprintf(buf, len, "helm release secrets (sh.helm.release.v1.*)");
        break;
    case DRIFT_RULE_CERT_MANAGER:
        snprintf(buf, len, "cert-manager certificates (cert-manager.io/certificate-name)");
        break;
    default:
        snprintf(buf, len, "%s %s", drift_rule_kind_name(r->kind), r->pattern ? r->pattern : "");
        break;
    }
    return buf;
}

/* ---- parsing ------------------------------------------------------------------------------- */

static int bool_of(const char *file, const yaml_node_t *v, const char *what, bool *out,
                   struct error *err)
{
    const char *s = yaml_doc_scalar(v);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
        *out = true;
        return 0;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
        *out = false;
        return 0;
    }
    yaml_doc_error_at(err, file, v, "drift: %s: expected true or false", what);
    return -EINVAL;
}

static int str_of(const char *file, const yaml_node_t *v, const char *what, char **out,
                  struct error *err)
{
    const char *s = yaml_doc_scalar(v);
    if (!s || !*s || strlen(s) != v->data.scalar.length) {
        yaml_doc_error_at(err, file, v, "drift: %s: expected a non-empty string", what);
        return -EINVAL;
    }
    free(*out);
    *out = xstrdup(s);
    return 0;
}

/* A label selector term: "k=v", "k==v", "k!=v", "k" or "!k" with a non-empty key. */
static bool label_term_ok(const char *s)
{
    bool neg = *s == '!';
    if (neg)
        s++;
    size_t k = strcspn(s, "=!");
    if (k == 0)
        return false;
    for (size_t i = 0; i < k; i++)
        if (s[i] == ' ' || s[i] == ',')
            return false;
    const char *op = s + k;
    if (!*op)
        return true;
    if (neg)
        return false;
    const char *v = !strncmp(op, "==", 2) || !strncmp(op, "!=", 2) ? op + 2
                    : *op == '='                                   ? op + 1
                                                                   : NULL;
    return v && strpbrk(v, "=!, ") == NULL;
}

static int parse_rule(yaml_document_t *doc, const yaml_node_t *n, const char *file,
                      struct drift_rule *r, struct error *err)
{
    if (n->type != YAML_MAPPING_NODE) {
        yaml_doc_error_at(err, file, n,
                          "drift: ignore: each rule is a mapping such as {type: ...}, {helm: "
                          "true}, {cert-manager: true}, {label: k=v} or {name: ns/glob}");
        return -EINVAL;
    }
    r->line = (int)n->start_mark.line + 1;
    r->col = (int)n->start_mark.column + 1;
    int kind = -1;
    bool set_s = false, set_c = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = yaml_doc_scalar(k);
        if (!key) {
            yaml_doc_error_at(err, file, k, "drift: ignore: expected a plain key");
            return -EINVAL;
        }
        int rc = 0;
        if (!strcmp(key, "secrets")) {
            rc = bool_of(file, v, "secrets", &r->secrets, err);
            set_s = true;
        } else if (!strcmp(key, "configmaps")) {
            rc = bool_of(file, v, "configmaps", &r->configmaps, err);
            set_c = true;
        } else {
            int kk = -1;
            for (int i = 0; i < DRIFT_RULE_KIND_COUNT; i++)
                if (!strcmp(key, kind_names[i]))
                    kk = i;
            if (kk < 0) {
                yaml_doc_error_at(err, file, k,
                                  "drift: ignore: unknown key '%s' (known: type, helm, "
                                  "cert-manager, label, name, secrets, configmaps)",
                                  key);
                return -EINVAL;
            }
            if (kind >= 0) {
                yaml_doc_error_at(err, file, k,
                                  "drift: ignore: one kind per rule ('%s' and '%s' given)",
                                  kind_names[kind], key);
                return -EINVAL;
            }
            kind = kk;
            r->kind = (enum drift_rule_kind)kk;
            if (kk == DRIFT_RULE_HELM || kk == DRIFT_RULE_CERT_MANAGER) {
                bool on = false;
                rc = bool_of(file, v, key, &on, err);
                if (rc == 0 && !on) {
                    yaml_doc_error_at(err, file, v,
                                      "drift: ignore: %s: only 'true' makes sense here (drop "
                                      "the rule, or set defaults: false)",
                                      key);
                    rc = -EINVAL;
                }
            } else {
                rc = str_of(file, v, key, &r->pattern, err);
                if (rc == 0 && kk == DRIFT_RULE_LABEL && !label_term_ok(r->pattern)) {
                    yaml_doc_error_at(err, file, v,
                                      "drift: ignore: label: '%s' is not a selector term "
                                      "(k=v, k!=v, k or !k)",
                                      r->pattern);
                    rc = -EINVAL;
                }
            }
        }
        if (rc < 0)
            return rc;
    }
    if (kind < 0) {
        yaml_doc_error_at(err, file, n,
                          "drift: ignore: the rule names no kind (type, helm, cert-manager, "
                          "label or name)");
        return -EINVAL;
    }
    bool both = kind == DRIFT_RULE_LABEL || kind == DRIFT_RULE_NAME;
    if (!set_s)
        r->secrets = true;
    if (!set_c)
        r->configmaps = both;
    return 0;
}

static int parse_sot(yaml_document_t *doc, const yaml_node_t *n, const char *file,
                     struct drift_config *c, struct error *err)
{
    if (n->type != YAML_MAPPING_NODE) {
        yaml_doc_error_at(err, file, n,
                          "drift: source_of_truth: expected a mapping (enabled, endpoint, "
                          "profile, region)");
        return -EINVAL;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = yaml_doc_scalar(k);
        int rc;
        if (key && !strcmp(key, "enabled")) {
            bool on = true;
            rc = bool_of(file, v, "source_of_truth: enabled", &on, err);
            c->sot_disabled = !on;
        } else if (key && !strcmp(key, "endpoint")) {
            rc = str_of(file, v, "source_of_truth: endpoint", &c->aws_endpoint, err);
            if (rc == 0 && strncmp(c->aws_endpoint, "http://", 7) != 0 &&
                strncmp(c->aws_endpoint, "https://", 8) != 0) {
                yaml_doc_error_at(err, file, v,
                                  "drift: source_of_truth: endpoint: expected an http:// or "
                                  "https:// URL");
                rc = -EINVAL;
            }
        } else if (key && !strcmp(key, "profile")) {
            rc = str_of(file, v, "source_of_truth: profile", &c->aws_profile, err);
        } else if (key && !strcmp(key, "region")) {
            rc = str_of(file, v, "source_of_truth: region", &c->aws_region, err);
        } else {
            yaml_doc_error_at(err, file, k,
                              "drift: source_of_truth: unknown key '%s' (known: enabled, "
                              "endpoint, profile, region)",
                              key ? key : "?");
            rc = -EINVAL;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int drift_config_parse(yaml_document_t *doc, const yaml_node_t *value, const char *file,
                       struct drift_config *out, struct error *err)
{
    struct drift_config c = {0};
    int rc = 0;
    if (yaml_doc_is_blank(value)) {
        /* `drift:` alone: the defaults */
    } else if (value->type != YAML_MAPPING_NODE) {
        yaml_doc_error_at(err, file, value,
                          "drift: expected a mapping (defaults, ignore, source_of_truth)");
        rc = -EINVAL;
    } else {
        for (yaml_node_pair_t *p = value->data.mapping.pairs.start;
             p < value->data.mapping.pairs.top && rc == 0; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            yaml_node_t *v = yaml_document_get_node(doc, p->value);
            const char *key = yaml_doc_scalar(k);
            if (key && !strcmp(key, "defaults")) {
                bool on = true;
                rc = bool_of(file, v, "defaults", &on, err);
                c.no_defaults = !on;
            } else if (key && !strcmp(key, "ignore")) {
                if (yaml_doc_is_blank(v))
                    continue;
                if (v->type != YAML_SEQUENCE_NODE) {
                    yaml_doc_error_at(err, file, v, "drift: ignore: expected a list of rules");
                    rc = -EINVAL;
                    break;
                }
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top && rc == 0; it++) {
                    c.rules = xreallocarray(c.rules, c.nrules + 1, sizeof *c.rules);
                    struct drift_rule *r = &c.rules[c.nrules++];
                    memset(r, 0, sizeof *r);
                    rc = parse_rule(doc, yaml_document_get_node(doc, *it), file, r, err);
                }
            } else if (key && !strcmp(key, "source_of_truth")) {
                rc = parse_sot(doc, v, file, &c, err);
            } else {
                yaml_doc_error_at(err, file, k,
                                  "drift: unknown key '%s' (known: defaults, ignore, "
                                  "source_of_truth)",
                                  key ? key : "?");
                rc = -EINVAL;
            }
        }
    }
    if (rc < 0) {
        drift_config_fini(&c);
        return rc;
    }
    drift_config_fini(out);
    *out = c;
    return 0;
}
