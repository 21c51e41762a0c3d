#ifndef CUTOVER_DRIFT_CONFIG_H
#define CUTOVER_DRIFT_CONFIG_H

/* The `drift:` section of the config file (docs/config.md): ignore rules for the secret and
 * ConfigMap drift comparison, and where the source of truth (AWS Secrets Manager) is reached.
 * A zeroed struct drift_config is the default: the built-in rules, the real AWS endpoint. */

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "cutover/error.h"

/* What an ignore rule matches. */
enum drift_rule_kind {
    DRIFT_RULE_TYPE = 0,     /* Secret type, such as kubernetes.io/service-account-token */
    DRIFT_RULE_HELM,         /* Helm release Secrets: name sh.helm.release.v1.* */
    DRIFT_RULE_CERT_MANAGER, /* Secrets cert-manager issues (cert-manager.io/certificate-name) */
    DRIFT_RULE_LABEL,        /* a label selector term: "k=v", "k!=v", "k" or "!k" */
    DRIFT_RULE_NAME,         /* a glob on "namespace/name" (or on name when it has no '/') */
    DRIFT_RULE_KIND_COUNT
};

/* "type", "helm", "cert-manager", "label", "name" (the config's keys). */
const char *drift_rule_kind_name(enum drift_rule_kind kind);

struct drift_rule {
    enum drift_rule_kind kind;
    char *pattern;   /* type, selector term or glob; NULL for helm and cert-manager */
    bool secrets;    /* applies to Secrets (default true) */
    bool configmaps; /* applies to ConfigMaps (default: only name and label rules) */
    int line;        /* where it was written (1-based), 0 for a built-in rule */
    int col;
};

struct drift_config {
    struct drift_rule *rules; /* the file's rules (after the built-in ones unless no_defaults) */
    size_t nrules;
    bool no_defaults;   /* `defaults: false`: only the file's rules */
    char *aws_endpoint; /* source_of_truth.endpoint: base URL; NULL: AWS's own */
    char *aws_profile;  /* source_of_truth.profile; NULL: AWS_PROFILE or default */
    char *aws_region;   /* source_of_truth.region; NULL: each store's region */
    bool sot_disabled;  /* source_of_truth.enabled: false (default: enabled) */
};

/* Parses the value of the `drift:` key (a mapping) of a loaded config document into out (which
 * must be zeroed or finished); file labels errors (file:line:col). Returns 0, or -EINVAL with err
 * set and out left empty. */
int drift_config_parse(yaml_document_t *doc, const yaml_node_t *value, const char *file,
                       struct drift_config *out, struct error *err);
/* Frees what cfg owns and zeroes it; NULL does nothing. */
void drift_config_fini(struct drift_config *cfg);
/* Copies src into dst (dst zeroed or finished). */
void drift_config_copy(struct drift_config *dst, const struct drift_config *src);
/* The rules in force: the built-in ones (unless no_defaults) then the file's, as a new array the
 * caller frees with drift_config_rules_free; cfg NULL gives the built-in ones. */
struct drift_rule *drift_config_rules(const struct drift_config *cfg, size_t *n);
/* Frees an array from drift_config_rules. */
void drift_config_rules_free(struct drift_rule *rules, size_t n);
/* One line describing a rule for people and the JSON: "type kubernetes.io/service-account-token",
 * "helm release secrets", "label app=x", "name kube-system/ *" without the space (into buf, which
 * is returned). */
const char *drift_rule_describe(const struct drift_rule *r, char *buf, size_t len);

#endif
