/* Unit tests of core/drift*.c and core/secret_hash.c: decoding that keeps no value, each drift
 * case, the data-hash shortcut, ignore rules (one test per kind, with the counts), External
 * Secrets state, the source of truth, findings and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/config.h"
#include "cutover/drift.h"
#include "cutover/drift_config.h"
#include "cutover/secret_hash.h"
#include "cutover/yaml_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* base64 of "hunter2-MARKER" and of "other-MARKER" */
#define B64_A "aHVudGVyMi1NQVJLRVI="
#define B64_B "b3RoZXItTUFSS0VS"

/* Decodes a Secret/ConfigMap JSON text (copied: the decoder blanks values in place). */
static void item(struct drift_side *s, enum drift_obj_kind kind, const char *json)
{
    char *buf = strdup(json);
    struct drift_item it;
    struct error err = {0};
    /* as the reader does: ConfigMap values are always hashed, Secret values in contents mode */
    bool hash = kind == DRIFT_CONFIGMAP || s->mode == DRIFT_MODE_CONTENTS;
    if (drift_item_decode(kind, buf, strlen(buf), hash, &it, &err) < 0)
        fail_msg("decode: %s", err.msg);
    assert_null(strstr(buf, "MARKER"));
    free(buf);
    drift_side_add_item(s, &it);
}

static char *secret_json(const char *ns, const char *name, const char *type, const char *data,
                         const char *meta_extra)
{
    char *out = NULL;
    if (asprintf(&out,
                 "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
                 "\"namespace\":\"%s\"%s},\"type\":\"%s\",\"data\":{%s}}",
                 name, ns, meta_extra ? meta_extra : "", type, data) < 0)
        abort();
    return out;
}

static void secret(struct drift_side *s, const char *ns, const char *name, const char *type,
                   const char *data, const char *meta_extra)
{
    char *j = secret_json(ns, name, type, data, meta_extra);
    item(s, DRIFT_SECRET, j);
    free(j);
}

static struct drift_side *side(const char *ctx, enum drift_mode mode)
{
    struct drift_side *s = drift_side_new(ctx, mode);
    s->secrets_read = s->configmaps_read = s->eso_read = true;
    return s;
}

static const struct drift_row *row(const struct drift_report *r, enum drift_obj_kind kind,
                                   const char *ns, const char *name)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].kind == kind && strcmp(r->rows[i].ns, ns) == 0 &&
            strcmp(r->rows[i].name, name) == 0)
            return &r->rows[i];
    fail_msg("no row %s/%s", ns, name);
    return NULL;
}

static const struct drift_key_row *krow(const struct drift_row *r, const char *key)
{
    for (size_t i = 0; i < r->nkeys; i++)
        if (strcmp(r->keys[i].name, key) == 0)
            return &r->keys[i];
    fail_msg("no key %s", key);
    return NULL;
}

/* ---- hashing and decoding ----------------------------------------------------------------------
 */

static void test_hash_keyed_and_base64(void **state)
{
    (void)state;
    unsigned char a[SECRET_HASH_LEN], b[SECRET_HASH_LEN], c[SECRET_HASH_LEN];
    secret_hash("hunter2-MARKER", 14, a);
    assert_int_equal(secret_hash_b64(B64_A, strlen(B64_A), b), 0);
    assert_true(secret_hash_equal(a, b)); /* base64 in a Secret == plain text in AWS */
    secret_hash("other-MARKER", 12, c);
    assert_false(secret_hash_equal(a, c));
    /* keyed: not the plain SHA-256 of the value (that of "hunter2-MARKER" starts 0x5f...) */
    unsigned char zero[SECRET_HASH_LEN] = {0};
    assert_false(secret_hash_equal(a, zero));
    assert_int_equal(secret_hash_b64("not base64!", 11, c), -1);
    char *s = strdup("wipe-me");
    secret_hash_free_str(s);
    secret_hash_free_str(NULL);
}

static void test_decode_secret_keeps_no_value(void **state)
{
    (void)state;
    char *j = secret_json("shop", "db", "Opaque",
                          "\"password\":\"" B64_A "\",\"user\":\"dXNlcg==\",\"esc\":\"aGk\\/\"",
                          ",\"labels\":{\"team\":\"shop\",\"app\":\"db\"},\"annotations\":{"
                          "\"reconcile.external-secrets.io/data-hash\":\"abc\","
                          "\"cert-manager.io/certificate-name\":\"db-cert\","
                          "\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"data\\\":{"
                          "\\\"password\\\":\\\"" B64_A "\\\"}}\"},"
                          "\"ownerReferences\":[{\"kind\":\"ExternalSecret\",\"name\":\"db-es\"}]");
    size_t len = strlen(j);
    struct drift_item it;
    struct error err = {0};
    assert_int_equal(drift_item_decode(DRIFT_SECRET, j, len, true, &it, &err), 0);
    /* the values are gone from the text, the last-applied copy too; the text is still JSON */
    assert_null(strstr(j, B64_A));
    assert_null(strstr(j, "dXNlcg=="));
    assert_null(strstr(j, "aGk"));
    assert_int_equal(strlen(j), len);
    json_object *o = json_tokener_parse(j);
    assert_non_null(o);
    json_object_put(o);
    assert_string_equal(it.ns, "shop");
    assert_string_equal(it.name, "db");
    assert_string_equal(it.type, "Opaque");
    assert_string_equal(it.labels, "app=db,team=shop");
    assert_string_equal(it.data_hash, "abc");
    assert_string_equal(it.cert_name, "db-cert");
    assert_string_equal(it.owner_es, "db-es");
    assert_true(it.keys_known);
    assert_int_equal(it.nkeys, 3);
    assert_string_equal(it.keys[0].name, "esc"); /* sorted */
    assert_string_equal(it.keys[1].name, "password");
    assert_string_equal(it.keys[2].name, "user");
    unsigned char want[SECRET_HASH_LEN];
    secret_hash("hunter2-MARKER", 14, want);
    assert_true(it.keys[1].has_mac);
    assert_true(secret_hash_equal(it.keys[1].mac, want));
    secret_hash("hi?", 3, want); /* "aGk\/" is "aGk/" once the escape is decoded: "hi?" */
    assert_true(secret_hash_equal(it.keys[0].mac, want));
    drift_item_fini(&it);
    free(j);

    /* without hashing: key names only, values still wiped */
    j = secret_json("shop", "db", "Opaque", "\"password\":\"" B64_A "\"", NULL);
    assert_int_equal(drift_item_decode(DRIFT_SECRET, j, strlen(j), false, &it, &err), 0);
    assert_null(strstr(j, B64_A));
    assert_int_equal(it.nkeys, 1);
    assert_false(it.keys[0].has_mac);
    drift_item_fini(&it);
    free(j);

    /* broken text: an error, and still nothing of the value left */
    j = strdup("{\"metadata\":{\"name\":\"x\"},\"data\":{\"k\":\"" B64_A "\"");
    assert_int_equal(drift_item_decode(DRIFT_SECRET, j, strlen(j), true, &it, &err), -1);
    assert_null(strstr(j, B64_A));
    free(j);
}

/* ---- the cases ---------------------------------------------------------------------------------
 */

static void test_each_case(void **state)
{
    (void)state;
    struct drift_side *s = side("onprem", DRIFT_MODE_CONTENTS),
                      *t = side("eks", DRIFT_MODE_CONTENTS);
    const char *d2 = "\"a\":\"" B64_A "\",\"b\":\"" B64_B "\"";
    secret(s, "shop", "equal", "Opaque", d2, NULL);
    secret(t, "shop", "equal", "Opaque", d2, NULL);
    secret(s, "shop", "only-source", "Opaque", d2, NULL);
    secret(t, "shop", "only-target", "Opaque", d2, NULL);
    secret(s, "shop", "typed", "Opaque", d2, NULL);
    secret(t, "shop", "typed", "kubernetes.io/tls", d2, NULL);
    secret(s, "shop", "key-missing", "Opaque", d2, NULL);
    secret(t, "shop", "key-missing", "Opaque", "\"a\":\"" B64_A "\"", NULL);
    secret(s, "shop", "value", "Opaque", d2, NULL);
    secret(t, "shop", "value", "Opaque", "\"a\":\"" B64_A "\",\"b\":\"" B64_A "\"", NULL);
    struct drift_report *r = drift_analyze(s, t, NULL, NULL);
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "equal")->state, DRIFT_EQUAL);
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "only-source")->state, DRIFT_MISSING_TARGET);
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "only-target")->state, DRIFT_MISSING_SOURCE);
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "typed")->state, DRIFT_TYPE_DIFFERS);
    const struct drift_row *km = row(r, DRIFT_SECRET, "shop", "key-missing");
    assert_int_equal(km->state, DRIFT_KEYS_DIFFER);
    assert_int_equal(krow(km, "a")->state, DRIFT_KEY_EQUAL);
    assert_int_equal(krow(km, "b")->state, DRIFT_KEY_ONLY_SOURCE);
    assert_int_equal(km->nkeys_differ, 1);
    const struct drift_row *v = row(r, DRIFT_SECRET, "shop", "value");
    assert_int_equal(v->state, DRIFT_VALUES_DIFFER);
    assert_int_equal(krow(v, "a")->state, DRIFT_KEY_EQUAL);
    assert_int_equal(krow(v, "b")->state, DRIFT_KEY_DIFFERS);
    /* counts, and worst first */
    assert_int_equal(r->counts.secrets[DRIFT_EQUAL], 1);
    assert_int_equal(r->counts.secrets[DRIFT_MISSING_TARGET], 1);
    assert_int_equal(r->counts.secrets[DRIFT_MISSING_SOURCE], 1);
    assert_int_equal(r->counts.secrets[DRIFT_TYPE_DIFFERS], 1);
    assert_int_equal(r->counts.secrets[DRIFT_KEYS_DIFFER], 1);
    assert_int_equal(r->counts.secrets[DRIFT_VALUES_DIFFER], 1);
    assert_int_equal(r->rows[0].state, DRIFT_MISSING_TARGET);
    assert_int_equal(r->rows[r->nrows - 1].state, DRIFT_EQUAL);
    /* findings name keys, never values */
    size_t nf = 0;
    struct finding *f = drift_findings(r, &nf);
    bool saw_key = false, saw_missing = false;
    for (size_t i = 0; i < nf; i++) {
        assert_null(strstr(f[i].message, "MARKER"));
        assert_null(strstr(f[i].message, B64_A));
        if (!strcmp(f[i].code, "secret-keys-differ") &&
            strstr(f[i].message, "missing on the target: b"))
            saw_key = true;
        if (!strcmp(f[i].code, "secret-missing") && f[i].side == ANALYSIS_TARGET &&
            f[i].severity == FINDING_CRIT && !strcmp(f[i].name, "only-source"))
            saw_missing = true;
    }
    assert_true(saw_key);
    assert_true(saw_missing);
    assert_int_equal(f[0].severity, FINDING_CRIT);
    drift_findings_free(f, nf);
    drift_report_free(r);
    drift_side_free(s);
    drift_side_free(t);
}

static void test_metadata_mode_and_data_hash(void **state)
{
    (void)state;
    struct drift_side *s = side("a", DRIFT_MODE_METADATA), *t = side("b", DRIFT_MODE_METADATA);
    const char *h1 = ",\"annotations\":{\"reconcile.external-secrets.io/data-hash\":\"h1\"}";
    const char *h2 = ",\"annotations\":{\"reconcile.external-secrets.io/data-hash\":\"h2\"}";
    secret(s, "ns", "plain", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    secret(t, "ns", "plain", "Opaque", "\"k\":\"" B64_B "\"", NULL);
    secret(s, "ns", "same-hash", "Opaque", "\"k\":\"" B64_A "\"", h1);
    secret(t, "ns", "same-hash", "Opaque", "\"k\":\"" B64_A "\"", h1);
    secret(s, "ns", "other-hash", "Opaque", "\"k\":\"" B64_A "\"", h1);
    secret(t, "ns", "other-hash", "Opaque", "\"k\":\"" B64_A "\"", h2);
    struct drift_report *r = drift_analyze(s, t, NULL, NULL);
    assert_int_equal(r->mode[0], DRIFT_MODE_METADATA);
    /* no hashes: the values cannot be compared */
    const struct drift_row *p = row(r, DRIFT_SECRET, "ns", "plain");
    assert_int_equal(p->state, DRIFT_UNKNOWN);
    assert_int_equal(krow(p, "k")->state, DRIFT_KEY_UNKNOWN);
    /* the External Secrets data-hash answers first */
    const struct drift_row *sh = row(r, DRIFT_SECRET, "ns", "same-hash");
    assert_int_equal(sh->state, DRIFT_EQUAL);
    assert_true(sh->by_data_hash);
    const struct drift_row *oh = row(r, DRIFT_SECRET, "ns", "other-hash");
    assert_int_equal(oh->state, DRIFT_VALUES_DIFFER);
    assert_true(oh->by_data_hash);
    assert_int_equal(r->counts.secrets[DRIFT_UNKNOWN], 1);
    drift_report_free(r);

    /* a side not read at all: nothing is "missing" there */
    struct drift_side *u = drift_side_new("b", DRIFT_MODE_CONTENTS);
    r = drift_analyze(s, u, NULL, NULL);
    assert_int_equal(row(r, DRIFT_SECRET, "ns", "plain")->state, DRIFT_UNKNOWN);
    assert_int_equal(r->counts.secrets[DRIFT_MISSING_TARGET], 0);
    assert_false(r->read[1]);
    drift_report_free(r);
    drift_side_free(u);
    drift_side_free(s);
    drift_side_free(t);
}

static void test_configmaps(void **state)
{
    (void)state;
    struct drift_side *s = side("a", DRIFT_MODE_METADATA), *t = side("b", DRIFT_MODE_METADATA);
    item(s, DRIFT_CONFIGMAP,
         "{\"metadata\":{\"name\":\"api\",\"namespace\":\"shop\"},\"data\":{\"LOG_LEVEL\":"
         "\"info-MARKER\",\"X\":\"1\"}}");
    item(t, DRIFT_CONFIGMAP,
         "{\"metadata\":{\"name\":\"api\",\"namespace\":\"shop\"},\"data\":{\"LOG_LEVEL\":"
         "\"debug-MARKER\",\"X\":\"1\"}}");
    item(s, DRIFT_CONFIGMAP,
         "{\"metadata\":{\"name\":\"same\",\"namespace\":\"shop\"},\"data\":{\"a\":\"b\"},"
         "\"binaryData\":{\"bin\":\"AAEC\"}}");
    item(t, DRIFT_CONFIGMAP,
         "{\"metadata\":{\"name\":\"same\",\"namespace\":\"shop\"},\"data\":{\"a\":\"b\"},"
         "\"binaryData\":{\"bin\":\"AAEC\"}}");
    item(s, DRIFT_CONFIGMAP, "{\"metadata\":{\"name\":\"gone\",\"namespace\":\"shop\"}}");
    struct drift_report *r = drift_analyze(s, t, NULL, NULL);
    /* ConfigMap values are always hashed (they are not secret), whatever the Secret mode */
    const struct drift_row *a = row(r, DRIFT_CONFIGMAP, "shop", "api");
    assert_int_equal(a->state, DRIFT_VALUES_DIFFER);
    assert_int_equal(krow(a, "LOG_LEVEL")->state, DRIFT_KEY_DIFFERS);
    assert_int_equal(krow(a, "X")->state, DRIFT_KEY_EQUAL);
    assert_int_equal(row(r, DRIFT_CONFIGMAP, "shop", "same")->state, DRIFT_EQUAL);
    assert_int_equal(row(r, DRIFT_CONFIGMAP, "shop", "gone")->state, DRIFT_MISSING_TARGET);
    assert_int_equal(r->counts.configmaps[DRIFT_VALUES_DIFFER], 1);
    assert_int_equal(r->counts.configmaps[DRIFT_MISSING_TARGET], 1);
    size_t nf;
    struct finding *f = drift_findings(r, &nf);
    bool saw = false;
    for (size_t i = 0; i < nf; i++)
        if (!strcmp(f[i].code, "configmap-differs") && strstr(f[i].message, "LOG_LEVEL"))
            saw = true;
    assert_true(saw);
    drift_findings_free(f, nf);
    drift_report_free(r);
    drift_side_free(s);
    drift_side_free(t);
}

/* ---- ignore rules: one test per kind, with the counts ------------------------------------------
 */

static struct drift_config parse_cfg(const char *yaml)
{
    yaml_document_t doc;
    struct error err = {0};
    if (yaml_doc_load(yaml, strlen(yaml), "cfg.yaml", &doc, &err) < 0)
        fail_msg("yaml: %s", err.msg);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *v = yaml_document_get_node(&doc, root->data.mapping.pairs.start->value);
    struct drift_config c = {0};
    if (drift_config_parse(&doc, v, "cfg.yaml", &c, &err) < 0)
        fail_msg("parse: %s", err.msg);
    yaml_document_delete(&doc);
    return c;
}

static int parse_err(const char *yaml, char *msg, size_t len)
{
    yaml_document_t doc;
    struct error err = {0};
    assert_int_equal(yaml_doc_load(yaml, strlen(yaml), "cfg.yaml", &doc, &err), 0);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *v = yaml_document_get_node(&doc, root->data.mapping.pairs.start->value);
    struct drift_config c = {0};
    int rc = drift_config_parse(&doc, v, "cfg.yaml", &c, &err);
    yaml_document_delete(&doc);
    drift_config_fini(&c);
    error_format(&err, msg, len);
    return rc;
}

static struct drift_side *ignore_sides[2];

/* Two secrets differing on both sides in name/ns, one of which the rule should ignore. */
static struct drift_report *ignore_case(const struct drift_config *cfg, const char *meta,
                                        const char *type, const char *name)
{
    struct drift_side *s = side("a", DRIFT_MODE_CONTENTS), *t = side("b", DRIFT_MODE_CONTENTS);
    secret(s, "shop", name, type, "\"k\":\"" B64_A "\"", meta);
    secret(t, "shop", name, type, "\"k\":\"" B64_B "\"", meta);
    secret(s, "shop", "kept", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    secret(t, "shop", "kept", "Opaque", "\"k\":\"" B64_B "\"", NULL);
    struct drift_report *r = drift_analyze(s, t, NULL, cfg);
    /* the report borrows from the sides: they live until ignore_done */
    ignore_sides[0] = s;
    ignore_sides[1] = t;
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "kept")->state, DRIFT_VALUES_DIFFER);
    return r;
}

static void ignore_done(struct drift_report *r)
{
    drift_report_free(r);
    drift_side_free(ignore_sides[0]);
    drift_side_free(ignore_sides[1]);
    ignore_sides[0] = ignore_sides[1] = NULL;
}

static int rule_count(const struct drift_report *r, enum drift_rule_kind kind)
{
    int n = 0;
    for (size_t i = 0; i < r->nrules; i++)
        if (r->rules[i].rule.kind == kind)
            n += r->rules[i].secrets + r->rules[i].configmaps;
    return n;
}

static void test_ignore_type(void **state)
{
    (void)state;
    struct drift_report *r =
        ignore_case(NULL, NULL, "kubernetes.io/service-account-token", "sa-tok");
    const struct drift_row *x = row(r, DRIFT_SECRET, "shop", "sa-tok");
    assert_int_equal(x->state, DRIFT_IGNORED);
    assert_int_equal(r->rules[x->rule].rule.kind, DRIFT_RULE_TYPE);
    assert_int_equal(r->counts.ignored, 1);
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_TYPE], 1);
    assert_int_equal(rule_count(r, DRIFT_RULE_TYPE), 1);
    ignore_done(r);
    /* a type rule from the config */
    struct drift_config c = parse_cfg("drift:\n  ignore:\n    - type: example.com/rotated\n");
    r = ignore_case(&c, NULL, "example.com/rotated", "rot");
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "rot")->state, DRIFT_IGNORED);
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_TYPE], 1);
    ignore_done(r);
    drift_config_fini(&c);
}

static void test_ignore_helm(void **state)
{
    (void)state;
    struct drift_report *r =
        ignore_case(NULL, NULL, "helm.sh/release.v1", "sh.helm.release.v1.api.v7");
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "sh.helm.release.v1.api.v7")->state,
                     DRIFT_IGNORED);
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_HELM], 1);
    assert_int_equal(rule_count(r, DRIFT_RULE_HELM), 1);
    ignore_done(r);
    /* defaults off: the same secret is compared */
    struct drift_config c = parse_cfg("drift:\n  defaults: false\n");
    r = ignore_case(&c, NULL, "helm.sh/release.v1", "sh.helm.release.v1.api.v7");
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "sh.helm.release.v1.api.v7")->state,
                     DRIFT_VALUES_DIFFER);
    assert_int_equal(r->counts.ignored, 0);
    assert_int_equal(r->nrules, 0);
    ignore_done(r);
    drift_config_fini(&c);
}

static void test_ignore_cert_manager(void **state)
{
    (void)state;
    struct drift_report *r =
        ignore_case(NULL, ",\"annotations\":{\"cert-manager.io/certificate-name\":\"shop-tls\"}",
                    "kubernetes.io/tls", "shop-tls");
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "shop-tls")->state, DRIFT_IGNORED);
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_CERT_MANAGER], 1);
    assert_int_equal(rule_count(r, DRIFT_RULE_CERT_MANAGER), 1);
    ignore_done(r);
}

static void test_ignore_label(void **state)
{
    (void)state;
    struct drift_config c = parse_cfg("drift:\n  ignore:\n    - label: rotate=daily\n");
    struct drift_report *r =
        ignore_case(&c, ",\"labels\":{\"rotate\":\"daily\",\"keep\":\"1\"}", "Opaque", "rotating");
    const struct drift_row *x = row(r, DRIFT_SECRET, "shop", "rotating");
    assert_int_equal(x->state, DRIFT_IGNORED);
    assert_string_equal(r->rules[x->rule].rule.pattern, "rotate=daily");
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_LABEL], 1);
    ignore_done(r);
    /* a secret without the label is compared */
    r = ignore_case(&c, ",\"labels\":{\"keep\":\"1\"}", "Opaque", "other");
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "other")->state, DRIFT_VALUES_DIFFER);
    ignore_done(r);
    drift_config_fini(&c);
    c = parse_cfg("drift:\n  ignore:\n    - label: 'tier!=prod'\n    - label: '!owner'\n");
    struct drift_side *s = side("a", DRIFT_MODE_CONTENTS), *t = side("b", DRIFT_MODE_CONTENTS);
    secret(s, "n", "dev", "Opaque", "\"k\":\"" B64_A "\"",
           ",\"labels\":{\"tier\":\"dev\",\"owner\":\"x\"}");
    secret(s, "n", "prod", "Opaque", "\"k\":\"" B64_A "\"",
           ",\"labels\":{\"tier\":\"prod\",\"owner\":\"x\"}");
    secret(s, "n", "orphan", "Opaque", "\"k\":\"" B64_A "\"", ",\"labels\":{\"tier\":\"prod\"}");
    r = drift_analyze(s, t, NULL, &c);
    assert_int_equal(row(r, DRIFT_SECRET, "n", "dev")->state, DRIFT_IGNORED);
    assert_int_equal(row(r, DRIFT_SECRET, "n", "prod")->state, DRIFT_MISSING_TARGET);
    assert_int_equal(row(r, DRIFT_SECRET, "n", "orphan")->state, DRIFT_IGNORED);
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_LABEL], 2);
    assert_int_equal(r->rules[r->nrules - 1].secrets, 1); /* '!owner' ignored one */
    drift_report_free(r);
    drift_side_free(s);
    drift_side_free(t);
    drift_config_fini(&c);
}

static void test_ignore_name(void **state)
{
    (void)state;
    struct drift_config c = parse_cfg("drift:\n  ignore:\n    - name: 'shop/tmp-*'\n"
                                      "    - {name: 'legacy-*', configmaps: false}\n");
    struct drift_side *s = side("a", DRIFT_MODE_CONTENTS), *t = side("b", DRIFT_MODE_CONTENTS);
    secret(s, "shop", "tmp-1", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    secret(s, "other", "tmp-1", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    secret(s, "x", "legacy-a", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    item(s, DRIFT_CONFIGMAP, "{\"metadata\":{\"name\":\"tmp-cm\",\"namespace\":\"shop\"}}");
    item(s, DRIFT_CONFIGMAP, "{\"metadata\":{\"name\":\"legacy-cm\",\"namespace\":\"x\"}}");
    /* the built-in rule: kube-root-ca.crt differs by nature */
    item(s, DRIFT_CONFIGMAP,
         "{\"metadata\":{\"name\":\"kube-root-ca.crt\",\"namespace\":\"shop\"},\"data\":{"
         "\"ca.crt\":\"A\"}}");
    item(t, DRIFT_CONFIGMAP,
         "{\"metadata\":{\"name\":\"kube-root-ca.crt\",\"namespace\":\"shop\"},\"data\":{"
         "\"ca.crt\":\"B\"}}");
    struct drift_report *r = drift_analyze(s, t, NULL, &c);
    assert_int_equal(row(r, DRIFT_SECRET, "shop", "tmp-1")->state, DRIFT_IGNORED);
    assert_int_equal(row(r, DRIFT_SECRET, "other", "tmp-1")->state, DRIFT_MISSING_TARGET);
    assert_int_equal(row(r, DRIFT_SECRET, "x", "legacy-a")->state, DRIFT_IGNORED);
    assert_int_equal(row(r, DRIFT_CONFIGMAP, "shop", "tmp-cm")->state, DRIFT_IGNORED);
    assert_int_equal(row(r, DRIFT_CONFIGMAP, "x", "legacy-cm")->state, DRIFT_MISSING_TARGET);
    assert_int_equal(row(r, DRIFT_CONFIGMAP, "shop", "kube-root-ca.crt")->state, DRIFT_IGNORED);
    assert_int_equal(r->counts.ignored_by_kind[DRIFT_RULE_NAME], 4);
    assert_int_equal(r->counts.ignored, 4);
    assert_int_equal(r->counts.secrets[DRIFT_IGNORED], 2);
    assert_int_equal(r->counts.configmaps[DRIFT_IGNORED], 2);
    /* the JSON carries each rule with its counts */
    json_object *j = drift_report_json(r);
    const char *txt = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(txt, "\"rule\":\"name shop\\/tmp-*\",\"builtin\":false,"
                                "\"secrets\":1,\"configmaps\":1"));
    assert_non_null(strstr(txt, "\"total\":4"));
    json_object_put(j);
    drift_report_free(r);
    drift_side_free(s);
    drift_side_free(t);
    drift_config_fini(&c);
}

static void test_config_errors(void **state)
{
    (void)state;
    char msg[600];
    assert_true(parse_err("drift:\n  ignore:\n    - colour: red\n", msg, sizeof msg) < 0);
    assert_non_null(strstr(msg, "cfg.yaml:3:7: drift: ignore: unknown key 'colour'"));
    assert_true(parse_err("drift:\n  ignore:\n    - {type: a, name: b}\n", msg, sizeof msg) < 0);
    assert_non_null(strstr(msg, "one kind per rule"));
    assert_true(parse_err("drift:\n  ignore:\n    - label: 'a b=c'\n", msg, sizeof msg) < 0);
    assert_non_null(strstr(msg, "cfg.yaml:3:14:"));
    assert_true(parse_err("drift:\n  ignore:\n    - helm: false\n", msg, sizeof msg) < 0);
    assert_true(parse_err("drift:\n  source_of_truth: {endpoint: ftp://x}\n", msg, sizeof msg) < 0);
    assert_non_null(strstr(msg, "http://"));
    assert_true(parse_err("drift:\n  colour: 1\n", msg, sizeof msg) < 0);
    assert_non_null(strstr(msg, "cfg.yaml:2:3: drift: unknown key 'colour'"));
    struct drift_config c = parse_cfg("drift:\n  source_of_truth:\n    enabled: false\n"
                                      "    endpoint: http://127.0.0.1:4566\n    profile: sim\n"
                                      "    region: eu-west-1\n");
    assert_true(c.sot_disabled);
    assert_string_equal(c.aws_endpoint, "http://127.0.0.1:4566");
    assert_string_equal(c.aws_profile, "sim");
    assert_string_equal(c.aws_region, "eu-west-1");
    struct drift_config d;
    drift_config_copy(&d, &c);
    assert_string_equal(d.aws_endpoint, "http://127.0.0.1:4566");
    drift_config_fini(&c);
    drift_config_fini(&d);
    drift_config_fini(NULL);
}

/* The drift: section through the config file loader (core/config.c calls drift_config_parse). */
static void test_config_file_section(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err = {0};
    const char *y = "source: a\ndrift:\n  ignore:\n    - name: 'kube-system/*'\n"
                    "  source_of_truth: {endpoint: 'http://127.0.0.1:1'}\ntarget: b\n";
    assert_int_equal(config_load_text(y, strlen(y), "config.yaml", NULL, 0, &cfg, &err), 0);
    assert_int_equal(cfg.drift.nrules, 1);
    assert_int_equal(cfg.drift.rules[0].kind, DRIFT_RULE_NAME);
    assert_int_equal(cfg.drift.rules[0].line, 4);
    assert_string_equal(cfg.drift.aws_endpoint, "http://127.0.0.1:1");
    assert_string_equal(cfg.target, "b");
    /* a bad rule leaves the config as it was and says where */
    const char *bad = "drift:\n  ignore:\n    - type: 7\n      label: x\n";
    assert_true(config_load_text(bad, strlen(bad), "config.yaml", NULL, 0, &cfg, &err) < 0);
    char msg[600];
    assert_non_null(strstr(error_format(&err, msg, sizeof msg), "config.yaml:4:7:"));
    assert_int_equal(cfg.drift.nrules, 1);
    const char *twice = "drift: {}\ndrift: {}\n";
    assert_true(config_load_text(twice, strlen(twice), "config.yaml", NULL, 0, &cfg, &err) < 0);
    config_fini(&cfg);
}

/* A LIST page decoded in place: every item, the continue token, values gone. */
static void test_list_page(void **state)
{
    (void)state;
    char *body = strdup(
        "{\"kind\":\"SecretList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
        "\"42\",\"continue\":\"tok+1\"},\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":"
        "\"n\"},\"data\":{\"k\":\"" B64_A "\"}},{\"metadata\":{\"namespace\":\"n\"},\"data\":{"
        "\"k\":\"" B64_B "\"}},{\"metadata\":{\"name\":\"b\",\"namespace\":\"n\"},\"type\":"
        "\"kubernetes.io/tls\",\"data\":{\"tls.key\":\"" B64_B "\"}}]}");
    struct drift_side *s = side("a", DRIFT_MODE_CONTENTS);
    char *cont = NULL;
    struct error err = {0};
    assert_int_equal(drift_list_decode(DRIFT_SECRET, body, strlen(body), true, s, &cont, &err), 1);
    assert_null(strstr(body, "MARKER"));
    assert_null(strstr(body, B64_A));
    assert_null(strstr(body, B64_B));
    assert_string_equal(cont, "tok+1");
    free(cont);
    assert_int_equal(s->nsecrets, 2);
    assert_string_equal(s->secrets[1].type, "kubernetes.io/tls");
    free(body);
    /* a Status or a cut body is an error, never a partial list taken as whole */
    body = strdup("{\"kind\":\"Status\",\"code\":410,\"items\":[]}");
    assert_int_equal(drift_list_decode(DRIFT_SECRET, body, strlen(body), true, s, &cont, &err), -1);
    free(body);
    body = strdup("{\"items\":[{\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"" B64_A "\"}}");
    assert_int_equal(drift_list_decode(DRIFT_SECRET, body, strlen(body), true, s, &cont, &err), -1);
    assert_null(strstr(body, B64_A));
    assert_null(cont);
    free(body);
    drift_side_free(s);
}

/* ---- External Secrets and the source of truth ---------------------------------------------------
 */

static json_object *jparse(const char *s)
{
    json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    return o;
}

static void es(struct drift_side *s, const char *json, bool cluster)
{
    json_object *o = jparse(json);
    struct drift_es e;
    struct error err = {0};
    assert_int_equal(drift_es_decode(o, cluster, &e, &err), 0);
    json_object_put(o);
    drift_side_add_es(s, &e);
}

static void store(struct drift_side *s, const char *json, bool cluster)
{
    json_object *o = jparse(json);
    struct drift_store st;
    struct error err = {0};
    assert_int_equal(drift_store_decode(o, cluster, &st, &err), 0);
    json_object_put(o);
    drift_side_add_store(s, &st);
}

static void sot_add(struct drift_sot *sot, const char *id, const char *body)
{
    struct drift_sot_secret v = {0};
    struct error err = {0};
    char *b = strdup(body);
    assert_int_equal(drift_sot_decode(b, strlen(b), &v, &err), 0);
    assert_null(strstr(b, "MARKER"));
    free(b);
    v.secret_id = strdup(id);
    drift_sot_add(sot, &v);
}

static const struct drift_es_row *esrow(const struct drift_report *r, int side, const char *name)
{
    for (size_t i = 0; i < r->nes; i++)
        if ((int)r->es[i].side == side && strcmp(r->es[i].es->name, name) == 0)
            return &r->es[i];
    fail_msg("no ExternalSecret %s", name);
    return NULL;
}

#define ES(name, target, data, status)                                                             \
    "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"shop\"},\"spec\":{\"secretStoreRef\":"   \
    "{\"name\":\"aws\",\"kind\":\"ClusterSecretStore\"},\"target\":{\"name\":\"" target "\"},"     \
    "\"refreshInterval\":\"1h\"," data "},\"status\":" status "}"
#define SYNCED                                                                                     \
    "{\"refreshTime\":\"2026-11-23T10:00:00Z\",\"syncedResourceVersion\":\"1-abc\","               \
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"SecretSynced\"}]}"
#define FAILED                                                                                     \
    "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"SecretSyncedError\","  \
    "\"message\":\"could not get secret data from provider\"}]}"

static void test_external_secrets_and_source_of_truth(void **state)
{
    (void)state;
    struct drift_side *s = side("a", DRIFT_MODE_CONTENTS), *t = side("b", DRIFT_MODE_CONTENTS);
    store(t,
          "{\"metadata\":{\"name\":\"aws\"},\"spec\":{\"provider\":{\"aws\":{\"service\":"
          "\"SecretsManager\",\"region\":\"us-east-1\"}}},\"status\":{\"conditions\":[{\"type\":"
          "\"Ready\",\"status\":\"True\"}]}}",
          true);
    /* current: property refs match the JSON keys of SecretString */
    es(t,
       ES("pay", "pay",
          "\"data\":[{\"secretKey\":\"token\",\"remoteRef\":{\"key\":\"prod/pay\","
          "\"property\":\"token\"}}]",
          SYNCED),
       false);
    secret(t, "shop", "pay", "Opaque", "\"token\":\"" B64_A "\"", NULL);
    /* stale: the target Secret has the old value */
    es(t, ES("gw", "gw", "\"dataFrom\":[{\"extract\":{\"key\":\"prod/gw\"}}]", SYNCED), false);
    secret(t, "shop", "gw", "Opaque", "\"user\":\"dXNlcg==\",\"token\":\"" B64_B "\"", NULL);
    /* failing, and its target Secret missing */
    es(t,
       ES("checkout", "checkout-api",
          "\"data\":[{\"secretKey\":\"k\",\"remoteRef\":{\"key\":"
          "\"prod/checkout\"}}]",
          FAILED),
       false);
    /* unreadable source of truth */
    es(t,
       ES("denied", "denied",
          "\"data\":[{\"secretKey\":\"k\",\"remoteRef\":{\"key\":"
          "\"prod/denied\"}}]",
          SYNCED),
       false);
    secret(t, "shop", "denied", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    /* templated: not comparable */
    es(t,
       "{\"metadata\":{\"name\":\"tpl\",\"namespace\":\"shop\"},\"spec\":{\"secretStoreRef\":"
       "{\"name\":\"aws\",\"kind\":\"ClusterSecretStore\"},\"target\":{\"template\":{}},"
       "\"data\":[{\"secretKey\":\"k\",\"remoteRef\":{\"key\":\"prod/pay\"}}]}}",
       false);
    secret(t, "shop", "tpl", "Opaque", "\"k\":\"" B64_A "\"", NULL);
    struct drift_sot sot = {0};
    sot_add(&sot, "prod/pay",
            "{\"ARN\":\"arn:aws:secretsmanager:us-east-1:1:secret:prod/pay\",\"Name\":\"prod/pay\","
            "\"SecretString\":\"{\\\"token\\\":\\\"hunter2-MARKER\\\",\\\"n\\\":5}\","
            "\"VersionId\":\"v1\"}");
    sot_add(
        &sot, "prod/gw",
        "{\"SecretString\":\"{\\\"user\\\":\\\"user\\\",\\\"token\\\":\\\"hunter2-MARKER\\\"}\"}");
    struct drift_sot_secret bad = {0};
    bad.secret_id = strdup("prod/denied");
    bad.error = strdup("AccessDeniedException: not allowed");
    drift_sot_add(&sot, &bad);

    struct drift_report *r = drift_analyze(s, t, &sot, NULL);
    const struct drift_es_row *pay = esrow(r, 1, "pay");
    assert_int_equal(pay->es->state, DRIFT_ES_SYNCED);
    assert_true(pay->aws_sm);
    assert_false(pay->target_missing);
    assert_int_equal(pay->sot, DRIFT_SOT_MATCHES);
    assert_int_equal(pay->es->refresh_time, 1795428000);
    assert_string_equal(pay->es->synced_rv, "1-abc");
    const struct drift_es_row *gw = esrow(r, 1, "gw");
    assert_int_equal(gw->sot, DRIFT_SOT_DIFFERS);
    assert_int_equal(gw->nsot_keys, 1);
    assert_string_equal(gw->sot_keys[0], "token");
    const struct drift_es_row *co = esrow(r, 1, "checkout");
    assert_int_equal(co->es->state, DRIFT_ES_SYNC_ERROR);
    assert_true(co->target_missing);
    assert_int_equal(co->sot, DRIFT_SOT_UNKNOWN);
    assert_int_equal(co->severity, FINDING_CRIT);
    const struct drift_es_row *dn = esrow(r, 1, "denied");
    assert_int_equal(dn->sot, DRIFT_SOT_UNREADABLE);
    assert_string_equal(dn->sot_error, "AccessDeniedException: not allowed");
    assert_int_equal(esrow(r, 1, "tpl")->sot, DRIFT_SOT_UNKNOWN);
    assert_int_equal(r->es[0].severity, FINDING_CRIT); /* sorted worst first */
    assert_int_equal(r->counts.es_total, 5);
    assert_int_equal(r->counts.es_state[DRIFT_ES_SYNC_ERROR], 1);
    assert_int_equal(r->counts.es_target_missing, 1);
    assert_int_equal(r->counts.sot[DRIFT_SOT_MATCHES], 1);
    assert_int_equal(r->counts.sot[DRIFT_SOT_DIFFERS], 1);
    assert_int_equal(r->counts.sot[DRIFT_SOT_UNREADABLE], 1);
    /* the Secret row knows its ExternalSecret */
    assert_ptr_equal(row(r, DRIFT_SECRET, "shop", "gw")->es[1], gw->es);
    size_t nf;
    struct finding *f = drift_findings(r, &nf);
    int stale = 0, syncerr = 0, tmiss = 0;
    for (size_t i = 0; i < nf; i++) {
        stale += !strcmp(f[i].code, "secret-stale-vs-source-of-truth") &&
                 strstr(f[i].message, "key token") != NULL;
        syncerr += !strcmp(f[i].code, "externalsecret-sync-error");
        tmiss += !strcmp(f[i].code, "externalsecret-target-missing");
        assert_null(strstr(f[i].message, "MARKER"));
    }
    assert_int_equal(stale, 1);
    assert_int_equal(syncerr, 1);
    assert_int_equal(tmiss, 1);
    drift_findings_free(f, nf);
    json_object *j = drift_report_json(r);
    const char *txt = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    assert_null(strstr(txt, "MARKER"));
    assert_null(strstr(txt, B64_A));
    assert_non_null(strstr(txt, "\"source_of_truth\":\"differs\",\"differing_keys\":[\"token\"]"));
    json_object_put(j);
    drift_report_free(r);

    /* in metadata mode the source of truth cannot be compared */
    s->mode = t->mode = DRIFT_MODE_METADATA;
    r = drift_analyze(s, t, &sot, NULL);
    assert_int_equal(esrow(r, 1, "gw")->sot, DRIFT_SOT_UNKNOWN);
    assert_string_equal(esrow(r, 1, "gw")->sot_why, "secret contents not read");
    drift_report_free(r);
    drift_sot_fini(&sot);
    drift_side_free(s);
    drift_side_free(t);
}

static void test_sot_decode_forms(void **state)
{
    (void)state;
    struct drift_sot_secret v = {0};
    struct error err = {0};
    /* a plain (not JSON) SecretString: only the whole value */
    char *b = strdup("{\"Name\":\"x\",\"SecretString\":\"plain-MARKER\"}");
    assert_int_equal(drift_sot_decode(b, strlen(b), &v, &err), 0);
    assert_null(strstr(b, "MARKER"));
    assert_false(v.is_json);
    unsigned char want[SECRET_HASH_LEN];
    secret_hash("plain-MARKER", 12, want);
    assert_true(secret_hash_equal(v.whole, want));
    drift_sot_secret_fini(&v);
    free(b);
    /* SecretBinary: base64 */
    memset(&v, 0, sizeof v);
    b = strdup("{\"SecretBinary\":\"" B64_A "\"}");
    assert_int_equal(drift_sot_decode(b, strlen(b), &v, &err), 0);
    secret_hash("hunter2-MARKER", 14, want);
    assert_true(secret_hash_equal(v.whole, want));
    drift_sot_secret_fini(&v);
    free(b);
    /* neither */
    memset(&v, 0, sizeof v);
    b = strdup("{\"Name\":\"x\"}");
    assert_int_equal(drift_sot_decode(b, strlen(b), &v, &err), -1);
    drift_sot_secret_fini(&v);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_keyed_and_base64),
        cmocka_unit_test(test_decode_secret_keeps_no_value),
        cmocka_unit_test(test_each_case),
        cmocka_unit_test(test_metadata_mode_and_data_hash),
        cmocka_unit_test(test_configmaps),
        cmocka_unit_test(test_ignore_type),
        cmocka_unit_test(test_ignore_helm),
        cmocka_unit_test(test_ignore_cert_manager),
        cmocka_unit_test(test_ignore_label),
        cmocka_unit_test(test_ignore_name),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_file_section),
        cmocka_unit_test(test_list_page),
        cmocka_unit_test(test_external_secrets_and_source_of_truth),
        cmocka_unit_test(test_sot_decode_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
