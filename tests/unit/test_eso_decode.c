/* The External Secrets fixtures (tests/fixtures/crd/eso.*, from Argo CD's health checks; see
 * tests/fixtures/SOURCES.md) decode into the right states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/drift.h"
#include "cutover/yaml_doc.h"
#include "../lib/testfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* YAML (as the fixtures are written) to json-c: plain scalars stay strings except the few the
 * decoder reads as other types (none: every field it reads is a string). */
static json_object *to_json(yaml_document_t *doc, yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return json_object_new_string((const char *)n->data.scalar.value);
    case YAML_SEQUENCE_NODE: {
        json_object *a = json_object_new_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++)
            json_object_array_add(a, to_json(doc, yaml_document_get_node(doc, *it)));
        return a;
    }
    case YAML_MAPPING_NODE: {
        json_object *o = json_object_new_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
            json_object_object_add(
                o, (const char *)yaml_document_get_node(doc, p->key)->data.scalar.value,
                to_json(doc, yaml_document_get_node(doc, p->value)));
        return o;
    }
    default:
        return NULL;
    }
}

static void decode_fixture(const char *name, struct drift_es *out)
{
    char rel[128];
    snprintf(rel, sizeof rel, "crd/eso.ExternalSecret.%s.yaml", name);
    size_t len;
    char *text = test_fixture_read(rel, &len);
    yaml_document_t doc;
    struct error err = {0};
    if (yaml_doc_load(text, len, rel, &doc, &err) < 0)
        fail_msg("%s", err.msg);
    json_object *o = to_json(&doc, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    free(text);
    if (drift_es_decode(o, false, out, &err) < 0)
        fail_msg("%s: %s", rel, err.msg);
    json_object_put(o);
}

/* What the three share: the spec. */
static void common(const struct drift_es *e, const char *name)
{
    assert_string_equal(e->name, name);
    assert_string_equal(e->ns, "argocd");
    assert_false(e->cluster_scoped);
    assert_string_equal(e->store_name, "example");
    assert_string_equal(e->store_kind, "SecretStore");
    assert_string_equal(e->target_name, name); /* no spec.target.name: the ExternalSecret's */
    assert_string_equal(e->refresh_interval, "1m");
    assert_true(e->has_template);
    assert_int_equal(e->nrefs, 3);
    assert_string_equal(e->refs[0].secret_key, "url");
    assert_string_equal(e->refs[0].remote_key, "secret/sa/example");
    assert_string_equal(e->refs[0].property, "api.address");
    assert_string_equal(e->refs[1].secret_key, "ca");
    assert_string_equal(e->refs[2].property, "token");
    assert_null(e->refs[2].version);
}

static void test_healthy_is_synced(void **state)
{
    (void)state;
    struct drift_es e;
    decode_fixture("healthy", &e);
    common(&e, "test-healthy");
    assert_int_equal(e.state, DRIFT_ES_SYNCED);
    assert_string_equal(drift_es_state_name(e.state), "synced");
    assert_string_equal(e.ready_status, "True");
    assert_string_equal(e.ready_reason, "SecretSynced");
    assert_string_equal(e.ready_message, "Secret was synced");
    assert_int_equal(e.refresh_time, 1638210744); /* 2021-11-29T18:32:24Z */
    assert_string_equal(e.synced_rv, "1-519a61da0dc68b2575b4f8efada70e42");
    drift_es_fini(&e);
}

static void test_degraded_is_sync_error(void **state)
{
    (void)state;
    struct drift_es e;
    decode_fixture("degraded", &e);
    common(&e, "test-degraded");
    assert_int_equal(e.state, DRIFT_ES_SYNC_ERROR);
    assert_string_equal(drift_es_state_name(e.state), "sync-error");
    assert_string_equal(e.ready_status, "False");
    assert_string_equal(e.ready_reason, "SecretSyncedError");
    assert_non_null(strstr(e.ready_message, "could not get secret data from provider"));
    assert_int_equal(e.refresh_time, 0);
    assert_null(e.synced_rv);
    drift_es_fini(&e);
}

static void test_progressing_has_no_state_yet(void **state)
{
    (void)state;
    struct drift_es e;
    decode_fixture("progressing", &e);
    common(&e, "test-progressing");
    assert_int_equal(e.state, DRIFT_ES_UNKNOWN);
    assert_null(e.ready_status);
    assert_null(e.ready_reason);
    assert_int_equal(e.refresh_time, 0);
    drift_es_fini(&e);
}

/* The three in one cluster: the report counts them and finds the sync error and the two missing
 * target Secrets (the cluster has none). */
static void test_fixtures_in_a_report(void **state)
{
    (void)state;
    struct drift_side *s = drift_side_new("src", DRIFT_MODE_METADATA);
    s->secrets_read = s->configmaps_read = s->eso_read = true;
    const char *names[] = {"healthy", "degraded", "progressing"};
    for (size_t i = 0; i < 3; i++) {
        struct drift_es e;
        decode_fixture(names[i], &e);
        drift_side_add_es(s, &e);
    }
    struct drift_report *r = drift_analyze(s, NULL, NULL, NULL);
    assert_int_equal(r->counts.es_total, 3);
    assert_int_equal(r->counts.es_state[DRIFT_ES_SYNCED], 1);
    assert_int_equal(r->counts.es_state[DRIFT_ES_SYNC_ERROR], 1);
    assert_int_equal(r->counts.es_state[DRIFT_ES_UNKNOWN], 1);
    assert_int_equal(r->counts.es_target_missing, 3);
    assert_string_equal(r->es[0].es->name, "test-degraded"); /* the sync error first */
    assert_null(r->es[0].store);                             /* store "example" is not there */
    assert_false(r->es[0].aws_sm);
    assert_int_equal(r->es[0].sot, DRIFT_SOT_NONE);
    drift_report_free(r);
    drift_side_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_is_synced),
        cmocka_unit_test(test_degraded_is_sync_error),
        cmocka_unit_test(test_progressing_has_no_state_yet),
        cmocka_unit_test(test_fixtures_in_a_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
