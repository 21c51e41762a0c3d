/* External Secrets at v1 and v1beta1 (ESO has served external-secrets.io/v1 since v0.17, with
 * v1beta1 deprecated): the simulator serves both versions from one storage, v1 preferred, or only
 * v1beta1 for a cluster whose scenario says so (an older operator); the drift reader prefers v1
 * through discovery and falls back to v1beta1, and reads the same ExternalSecrets (the fixtures
 * crd/eso.ExternalSecret.{degraded,healthy,progressing}.yaml) into the same states either way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/drift_reader.h"
#include "cutover/k8s_body.h"
#include "cutover/xalloc.h"

#include "../lib/informer_sim.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FIXTURES[] = {"degraded", "healthy", "progressing"};

/* The fixture objects as scenario `objects:` items (indented under a cluster). */
static void add_fixtures(char **yaml)
{
    const char *dir = getenv("CUTOVER_FIXTURES");
    assert_non_null(dir);
    for (size_t i = 0; i < sizeof FIXTURES / sizeof FIXTURES[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/crd/eso.ExternalSecret.%s.yaml", dir, FIXTURES[i]);
        FILE *fp = fopen(path, "r");
        if (fp == NULL)
            fail_msg("cannot open %s", path);
        char line[1024];
        bool first = true;
        while (fgets(line, sizeof line, fp) != NULL) {
            if (strncmp(line, "---", 3) == 0)
                continue;
            char *next = xasprintf("%s%s%s", *yaml, first ? "      - " : "        ", line);
            free(*yaml);
            *yaml = next;
            first = false;
        }
        fclose(fp);
    }
}

/* A pair whose source serves only v1beta1 and whose target serves both (v1 preferred). */
static char *scenario(void)
{
    char *y = xstrdup("clusters:\n"
                      "  - name: old-dc\n"
                      "    version: v1.24.17\n"
                      "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
                      "    namespaces: [argocd]\n"
                      "    external_secrets_versions: [v1beta1]\n"
                      "    objects:\n");
    add_fixtures(&y);
    char *t = xasprintf("%s"
                        "  - name: new-eks\n"
                        "    version: v1.29.10-eks-7f9249a\n"
                        "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
                        "    namespaces: [argocd]\n"
                        "    objects:\n",
                        y);
    free(y);
    add_fixtures(&t);
    return t;
}

struct fx {
    struct sim *sim;
    struct kube_context ctx[2];
    struct k8s_http *http[2];
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    char *y = scenario();
    struct sim_opts o = {.scenario_yaml = y, .no_churn = true};
    struct error err;
    error_clear(&err);
    if (sim_start(&o, &f->sim, &err) != 0)
        fail_msg("sim_start: %s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    free(y);
    for (int s = 0; s < 2; s++) {
        informer_sim_context(f->sim, s, &f->ctx[s]);
        f->http[s] = informer_http(&f->ctx[s], true);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    for (int s = 0; s < 2; s++) {
        k8s_http_free(f->http[s]);
        kube_context_fini(&f->ctx[s]);
    }
    sim_stop(f->sim);
    free(f);
    return 0;
}

/* GET path on side s: the parsed body (NULL unless 2xx) and *status. */
static json_object *get_json(struct fx *f, int s, const char *path, long *status)
{
    struct k8s_http_conn *c = k8s_http_conn_new(f->http[s], NULL, NULL);
    struct k8s_body b;
    k8s_body_init(&b, 1 << 20, false);
    struct k8s_http_req req = {.path = path, .on_body = k8s_body_add, .arg = &b};
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    int rc = k8s_http_do(c, &req, &resp, &err);
    *status = resp.status;
    json_object *o = rc == 0 && b.data ? json_tokener_parse(b.data) : NULL;
    k8s_body_fini(&b);
    k8s_http_conn_free(c);
    return o;
}

static const char *jstr(json_object *o, const char *a, const char *b)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, a, &v))
        return NULL;
    if (b != NULL && !json_object_object_get_ex(v, b, &v))
        return NULL;
    return json_object_get_string(v);
}

/* The discovery of external-secrets.io on side s: its versions joined by ',' and the preferred. */
static void versions(struct fx *f, int s, char *list, size_t len, char *preferred, size_t plen)
{
    long st = 0;
    json_object *o = get_json(f, s, "/apis/external-secrets.io", &st);
    assert_int_equal(st, 200);
    assert_non_null(o);
    json_object *vs = NULL;
    assert_true(json_object_object_get_ex(o, "versions", &vs));
    list[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(vs); i++) {
        json_object *e = json_object_array_get_idx(vs, i);
        char gv[64];
        snprintf(gv, sizeof gv, "external-secrets.io/%s", jstr(e, "version", NULL));
        assert_string_equal(jstr(e, "groupVersion", NULL), gv);
        snprintf(list + strlen(list), len - strlen(list), "%s%s", i ? "," : "",
                 jstr(e, "version", NULL));
    }
    snprintf(preferred, plen, "%s", jstr(o, "preferredVersion", "version"));
    json_object_put(o);
}

/* The names of the ExternalSecrets in argocd at version, sorted as listed; status in *st. */
static void es_names(struct fx *f, int s, const char *version, char *out, size_t len, long *st)
{
    char path[200];
    snprintf(path, sizeof path, "/apis/external-secrets.io/%s/namespaces/argocd/externalsecrets",
             version);
    json_object *o = get_json(f, s, path, st);
    out[0] = '\0';
    json_object *items = NULL;
    if (o != NULL && json_object_object_get_ex(o, "items", &items))
        for (size_t i = 0; i < json_object_array_length(items); i++)
            snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "",
                     jstr(json_object_array_get_idx(items, i), "metadata", "name"));
    json_object_put(o);
}

static void test_simulator_serves_versions(void **state)
{
    struct fx *f = *state;
    char list[64], pref[16], names[256];
    long st;
    /* the target: an operator of v0.17 or later, v1 preferred, v1beta1 still served */
    versions(f, 1, list, sizeof list, pref, sizeof pref);
    assert_string_equal(list, "v1,v1beta1");
    assert_string_equal(pref, "v1");
    es_names(f, 1, "v1", names, sizeof names, &st);
    assert_int_equal(st, 200);
    assert_string_equal(names, "test-degraded,test-healthy,test-progressing");
    char again[256];
    es_names(f, 1, "v1beta1", again, sizeof again, &st);
    assert_int_equal(st, 200);
    assert_string_equal(again, names); /* one storage */
    json_object *rl = get_json(f, 1, "/apis/external-secrets.io/v1beta1", &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(rl, "groupVersion", NULL), "external-secrets.io/v1beta1");
    json_object_put(rl);
    /* the source: an older operator, v1beta1 only; v1 is not there */
    versions(f, 0, list, sizeof list, pref, sizeof pref);
    assert_string_equal(list, "v1beta1");
    assert_string_equal(pref, "v1beta1");
    es_names(f, 0, "v1", names, sizeof names, &st);
    assert_int_equal(st, 404);
    assert_null(get_json(f, 0, "/apis/external-secrets.io/v1", &st));
    assert_int_equal(st, 404);
    es_names(f, 0, "v1beta1", names, sizeof names, &st);
    assert_int_equal(st, 200);
    assert_string_equal(names, "test-degraded,test-healthy,test-progressing");
}

static const struct drift_es *find_es(const struct drift_side *s, const char *name)
{
    for (size_t i = 0; i < s->nes; i++)
        if (s->es[i].ns && strcmp(s->es[i].ns, "argocd") == 0 && strcmp(s->es[i].name, name) == 0)
            return &s->es[i];
    return NULL;
}

static void test_reader_prefers_v1_falls_back(void **state)
{
    struct fx *f = *state;
    static const char *const want[2] = {"v1beta1", "v1"};
    struct drift_side *side[2];
    for (int s = 0; s < 2; s++) {
        struct k8s_http_conn *c = k8s_http_conn_new(f->http[s], NULL, NULL);
        struct error err;
        error_clear(&err);
        char *v = drift_reader_eso_version(c, &err);
        if (v == NULL)
            fail_msg("drift_reader_eso_version: %s", err.msg);
        assert_string_equal(v, want[s]);
        free(v);
        side[s] = drift_reader_read_side(c, f->ctx[s].name, false, 0);
        k8s_http_conn_free(c);
        assert_true(side[s]->eso_installed);
        assert_true(side[s]->eso_read);
        assert_null(side[s]->error);
        assert_int_equal(side[s]->nes, 3);
        const struct drift_es *d = find_es(side[s], "test-degraded");
        const struct drift_es *h = find_es(side[s], "test-healthy");
        const struct drift_es *p = find_es(side[s], "test-progressing");
        assert_non_null(d);
        assert_non_null(h);
        assert_non_null(p);
        assert_int_equal(d->state, DRIFT_ES_SYNC_ERROR);
        assert_string_equal(d->ready_reason, "SecretSyncedError");
        assert_int_equal(h->state, DRIFT_ES_SYNCED);
        assert_int_not_equal(p->state, DRIFT_ES_SYNCED);
        assert_int_not_equal(p->state, DRIFT_ES_SYNC_ERROR);
    }
    /* the same objects read the same at either version */
    for (size_t i = 0; i < sizeof FIXTURES / sizeof FIXTURES[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "test-%s", FIXTURES[i]);
        assert_int_equal(find_es(side[0], name)->state, find_es(side[1], name)->state);
    }
    drift_side_free(side[0]);
    drift_side_free(side[1]);
}

/* A write at v1 (the reader's force-sync) is seen at v1beta1: one storage. */
static void test_force_sync_at_v1_seen_at_v1beta1(void **state)
{
    struct fx *f = *state;
    struct k8s_http *rw = informer_http(&f->ctx[1], false);
    struct k8s_http_conn *c = k8s_http_conn_new(rw, NULL, NULL);
    struct error err;
    error_clear(&err);
    if (drift_reader_force_sync(c, "argocd", "test-healthy", 1700000000, &err) != 0)
        fail_msg("force-sync: %s", err.msg);
    k8s_http_conn_free(c);
    k8s_http_free(rw);
    long st;
    json_object *o = get_json(
        f, 1, "/apis/external-secrets.io/v1beta1/namespaces/argocd/externalsecrets/test-healthy",
        &st);
    assert_int_equal(st, 200);
    json_object *meta = NULL, *ann = NULL, *v = NULL;
    assert_true(json_object_object_get_ex(o, "metadata", &meta));
    assert_true(json_object_object_get_ex(meta, "annotations", &ann));
    assert_true(json_object_object_get_ex(ann, "force-sync", &v));
    assert_string_equal(json_object_get_string(v), "1700000000");
    json_object_put(o);
}

/* The scenario key takes v1, v1beta1 or both, each once. */
static void test_scenario_key_checked(void **state)
{
    (void)state;
    static const char *const bad[] = {"[v2]", "[]", "[v1, v1]", "[v1, v1beta1, v1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *y = xasprintf("clusters:\n"
                            "  - name: a\n"
                            "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n"
                            "    external_secrets_versions: %s\n"
                            "  - name: b\n"
                            "    nodes: [{role: worker, zone: us-east-1a, count: 1}]\n",
                            bad[i]);
        struct sim_opts o = {.scenario_yaml = y, .no_churn = true};
        struct sim *sim = NULL;
        struct error err;
        error_clear(&err);
        if (sim_start(&o, &sim, &err) == 0) {
            sim_stop(sim);
            fail_msg("external_secrets_versions: %s was accepted", bad[i]);
        }
        if (strstr(err.msg, "external_secrets_versions") == NULL || err.line != 4)
            fail_msg("%s: the error does not name the key at line 4: %d: %s", bad[i], err.line,
                     err.msg);
        free(y);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_simulator_serves_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_prefers_v1_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_force_sync_at_v1_seen_at_v1beta1, setup, teardown),
        cmocka_unit_test(test_scenario_key_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
