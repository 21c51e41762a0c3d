/* Secret values never reach a parser: the last-applied-configuration annotation (the whole
 * Secret manifest, values included, on anything made with kubectl apply), data a server sends
 * to a metadata Accept anyway, and External Secrets' inline values are blanked in the received
 * bytes before json-c or our decoders see them; Secret lists are asked for without gzip.
 *
 * json-c's parse entry points are interposed here: every text handed to json-c is scanned for
 * the marker (and its base64), so "json-c never saw it" is measured, not assumed. */

#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/informer_sim.h"
#include "../lib/raw_http.h"
#include "cutover/drift.h"
#include "cutover/drift_reader.h"
#include "cutover/secret_body.h"
#include "cutover/xalloc.h"

#define MARKER "HARDEN-MARKER-7731"
#define MARKER_B64 "SEFSREVOLU1BUktFUi03NzMx" /* base64(MARKER) */

/* ---- json-c, watched -------------------------------------------------------------------- */

static atomic_int json_c_saw; /* texts handed to json-c that held the marker */

static void scan_for_marker(const char *s, size_t n)
{
    if (s && (memmem(s, n, MARKER, strlen(MARKER)) || memmem(s, n, MARKER_B64, strlen(MARKER_B64))))
        atomic_fetch_add(&json_c_saw, 1);
}

/* json-c's own entry points, resolved in main before any thread starts */
static json_object *(*real_parse)(const char *);
static json_object *(*real_parse_ex)(json_tokener *, const char *, int);

json_object *json_tokener_parse(const char *str)
{
    scan_for_marker(str, str ? strlen(str) : 0);
    return real_parse(str);
}

json_object *json_tokener_parse_ex(json_tokener *tok, const char *str, int len)
{
    scan_for_marker(str, len > 0 ? (size_t)len : 0);
    return real_parse_ex(tok, str, len);
}

static bool has_marker(const char *s)
{
    return s && (strstr(s, MARKER) || strstr(s, MARKER_B64));
}

/* No string the drift decoders kept holds the marker. */
static void assert_side_clean(const struct drift_side *s)
{
    for (size_t i = 0; i < s->nsecrets; i++) {
        const struct drift_item *it = &s->secrets[i];
        assert_false(has_marker(it->ns) || has_marker(it->name) || has_marker(it->type) ||
                     has_marker(it->labels) || has_marker(it->data_hash) ||
                     has_marker(it->cert_name) || has_marker(it->owner_es));
        for (size_t k = 0; k < it->nkeys; k++)
            assert_false(has_marker(it->keys[k].name));
    }
    for (size_t i = 0; i < s->nstores; i++)
        assert_false(has_marker(s->stores[i].name) || has_marker(s->stores[i].provider));
    assert_false(has_marker(s->error));
}

/* ---- the blanker on its own ------------------------------------------------------------- */

/* A Secret as kubectl apply leaves it: the annotation holds the manifest as escaped JSON. */
#define LAST_APPLIED_WITH(m, b64)                                                                  \
    "\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"apiVersion\\\":\\\"v1\\\","       \
    "\\\"kind\\\":\\\"Secret\\\",\\\"stringData\\\":{\\\"password\\\":\\\"" m "\\\"},"             \
    "\\\"data\\\":{\\\"token\\\":\\\"" b64 "\\\"}}\\n\""
#define LAST_APPLIED LAST_APPLIED_WITH(MARKER, MARKER_B64)
/* The in-process simulator parses what a test POSTs with json-c too: its first letter written
 * as an escape keeps the marker out of that text, and the simulator serves it decoded. */
#define MARKER_ESC "\\u0048ARDEN-MARKER-7731"
#define MARKER_B64_ESC "\\u0053EFSREVOLU1BUktFUi03NzMx"
#define LAST_APPLIED_POST LAST_APPLIED_WITH(MARKER_ESC, MARKER_B64_ESC)

static void test_blank_documents(void **state)
{
    (void)state;
    char table[] = "{\"kind\":\"Table\",\"columnDefinitions\":[{\"name\":\"Name\"},{\"name\":"
                   "\"Type\"}],\"rows\":[{\"cells\":[\"db\",\"Opaque\"],\"object\":{\"kind\":"
                   "\"PartialObjectMetadata\",\"metadata\":{\"name\":\"db\",\"namespace\":\"shop\","
                   "\"annotations\":{\"a\":\"b\"," LAST_APPLIED "}}}}]}";
    drift_secret_text_blank(table, strlen(table));
    assert_false(has_marker(table));
    assert_non_null(strstr(table, "\"name\":\"db\"")); /* names and the rest untouched */
    assert_non_null(strstr(table, "\"a\":\"b\""));
    assert_non_null(strstr(table, "\"Opaque\""));

    char list[] = "{\"kind\":\"SecretList\",\"items\":[{\"metadata\":{\"name\":\"x\"},\"data\":{"
                  "\"k\":\"" MARKER_B64 "\"},\"stringData\":{\"s\":\"" MARKER "\"},\"binaryData\":"
                  "{\"b\":\"" MARKER_B64 "\"},\"type\":\"Opaque\"}]}";
    drift_secret_text_blank(list, strlen(list));
    assert_false(has_marker(list));
    assert_non_null(strstr(list, "\"k\":\"****")); /* key names stay, values blanked */

    /* a key written with an escape is the same key */
    char esc[] = "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io\\/last-applied-"
                 "configuration\":\"" MARKER "\"}},\"d\\u0061ta\":{\"k\":\"" MARKER "\"}}";
    drift_secret_text_blank(esc, strlen(esc));
    assert_false(has_marker(esc));

    /* watch lines, one after the other */
    char lines[] = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"annotations\":"
                   "{" LAST_APPLIED
                   "}}}}\n{\"type\":\"MODIFIED\",\"object\":{\"data\":{\"k\":\"" MARKER "\"}}}\n";
    drift_secret_text_blank(lines, strlen(lines));
    assert_false(has_marker(lines));

    /* text it cannot follow loses every string */
    char cut[] = "{\"items\":[{\"metadata\":{\"annotations\":{\"x\":\"" MARKER "\"";
    drift_secret_text_blank(cut, strlen(cut));
    assert_false(has_marker(cut));

    /* External Secrets: fake provider values and template literals go; remote refs stay */
    char eso[] =
        "{\"items\":[{\"kind\":\"SecretStore\",\"spec\":{\"provider\":{\"fake\":{\"data\":"
        "[{\"key\":\"/db\",\"value\":\"" MARKER "\",\"version\":\"v1\"},{\"key\":\"/m\","
        "\"valueMap\":{\"p\":\"" MARKER "\"}}]}}}},{\"kind\":\"ExternalSecret\",\"spec\":{"
        "\"data\":[{\"secretKey\":\"pw\",\"remoteRef\":{\"key\":\"prod/db\"}}],\"target\":"
        "{\"template\":{\"data\":{\"dsn\":\"u:" MARKER "@h\"},\"templateFrom\":[{\"literal\":"
        "\"" MARKER "\"}]}}}}]}";
    drift_eso_text_blank(eso, strlen(eso));
    assert_false(has_marker(eso));
    assert_non_null(strstr(eso, "\"key\":\"/db\""));
    assert_non_null(strstr(eso, "\"key\":\"prod/db\""));
    assert_non_null(strstr(eso, "\"secretKey\":\"pw\""));
}

/* secret_body: a line split across pieces is blanked whole; curl's pieces are overwritten. */
static int collect(void *arg, const char *buf, size_t len)
{
    char **out = arg;
    size_t have = *out ? strlen(*out) : 0;
    *out = xrealloc(*out, have + len + 1);
    memcpy(*out + have, buf, len);
    (*out)[have + len] = '\0';
    return 0;
}

static void test_secret_body_lines(void **state)
{
    (void)state;
    char line[] = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"annotations\":"
                  "{" LAST_APPLIED "}}}}\n";
    struct secret_body b = {0};
    char *out = NULL;
    size_t n = strlen(line), cut = n / 2;
    char piece1[512], piece2[512];
    memcpy(piece1, line, cut);
    memcpy(piece2, line + cut, n - cut);
    assert_int_equal(secret_body_add(&b, piece1, cut, 1 << 20), 0);
    assert_int_equal(secret_body_lines(&b, collect, &out), 0);
    assert_null(out); /* no whole line yet */
    assert_int_equal(secret_body_add(&b, piece2, n - cut, 1 << 20), 0);
    assert_int_equal(secret_body_lines(&b, collect, &out), 0);
    assert_non_null(out);
    assert_false(has_marker(out));
    assert_non_null(strstr(out, "\"name\":\"a\""));
    assert_false(memmem(piece1, cut, MARKER, 6) || memmem(piece2, n - cut, MARKER, 6));
    assert_int_equal(b.len, 0);
    secret_body_wipe(&b);
    free(out);
}

/* ---- against the simulator -------------------------------------------------------------- */

static struct sim *sim;
static struct kube_context ctx;
static struct k8s_http *http;

static int setup(void **state)
{
    (void)state;
    sim = informer_sim_start();
    informer_sim_context(sim, 1, &ctx);
    http = informer_http(&ctx, false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    k8s_http_free(http);
    kube_context_fini(&ctx);
    sim_stop(sim);
    return 0;
}

static void create(const char *path, const char *body)
{
    struct k8s_http_resp resp;
    struct error err;
    if (informer_request(http, "POST", path, body, &resp, &err) < 0)
        fail_msg("%s", err.msg);
}

static int raw_add(void *arg, const char *buf, size_t len)
{
    char **out = arg;
    return collect(out, buf, len);
}

/* The object as the simulator serves it, as bytes (no parser). */
static char *raw_get(const char *path)
{
    char *out = NULL;
    struct k8s_http_conn *c = k8s_http_conn_new(http, NULL, NULL);
    struct k8s_http_req req = {.path = path, .on_body = raw_add, .arg = &out};
    struct k8s_http_resp resp;
    struct error err;
    if (k8s_http_do(c, &req, &resp, &err) < 0)
        fail_msg("%s", err.msg);
    k8s_http_conn_free(c);
    return out;
}

static void test_drift_metadata_never_parses_last_applied(void **state)
{
    (void)state;
    create("/api/v1/namespaces/shop/secrets",
           "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"applied\","
           "\"namespace\":\"shop\",\"annotations\":{" LAST_APPLIED_POST "}},\"type\":\"Opaque\","
           "\"data\":{\"token\":\"" MARKER_B64_ESC "\"}}");
    /* the simulator serves the annotation and data with the marker as written */
    char *raw = raw_get("/api/v1/namespaces/shop/secrets/applied");
    assert_non_null(strstr(raw, MARKER));
    assert_non_null(strstr(raw, MARKER_B64));
    free(raw);
    struct k8s_http_conn *c = k8s_http_conn_new(http, NULL, NULL);
    atomic_store(&json_c_saw, 0);
    struct drift_side *s = drift_reader_read_side(c, "eks-prod", false, 3);
    assert_null(s->error);
    assert_true(s->secrets_read);
    bool found = false;
    for (size_t i = 0; i < s->nsecrets; i++)
        found |= !strcmp(s->secrets[i].name, "applied");
    assert_true(found);
    assert_side_clean(s);
    assert_int_equal(atomic_load(&json_c_saw), 0);
    drift_side_free(s);

    /* contents mode: hashed, and json-c never sees it either */
    s = drift_reader_read_side(c, "eks-prod", true, 3);
    assert_null(s->error);
    assert_side_clean(s);
    assert_int_equal(atomic_load(&json_c_saw), 0);
    drift_side_free(s);
    k8s_http_conn_free(c);
}

static void test_drift_eso_inline_values_never_parsed(void **state)
{
    (void)state;
    create("/apis/external-secrets.io/v1beta1/namespaces/shop/secretstores",
           "{\"apiVersion\":\"external-secrets.io/v1beta1\",\"kind\":\"SecretStore\",\"metadata\":"
           "{\"name\":\"fake-store\",\"namespace\":\"shop\"},\"spec\":{\"provider\":{\"fake\":{"
           "\"data\":[{\"key\":\"/db\",\"value\":\"" MARKER_ESC "\"}]}}}}");
    create("/apis/external-secrets.io/v1beta1/namespaces/shop/externalsecrets",
           "{\"apiVersion\":\"external-secrets.io/v1beta1\",\"kind\":\"ExternalSecret\","
           "\"metadata\":{\"name\":\"templated\",\"namespace\":\"shop\"},\"spec\":{"
           "\"secretStoreRef\":{\"name\":\"fake-store\"},\"target\":{\"template\":{\"data\":{"
           "\"dsn\":\"postgres://u:" MARKER_ESC "@db\"}}},\"data\":[{\"secretKey\":\"pw\","
           "\"remoteRef\":{\"key\":\"/db\"}}]}}");
    struct k8s_http_conn *c = k8s_http_conn_new(http, NULL, NULL);
    atomic_store(&json_c_saw, 0);
    struct drift_side *s = drift_reader_read_side(c, "eks-prod", true, 0);
    assert_true(s->eso_read);
    const struct drift_es *es = NULL;
    for (size_t i = 0; i < s->nes; i++)
        if (!strcmp(s->es[i].name, "templated"))
            es = &s->es[i];
    assert_non_null(es);
    assert_true(es->has_template);
    assert_int_equal(es->nrefs, 1);
    assert_string_equal(es->refs[0].remote_key, "/db"); /* what drift needs is still there */
    bool store = false;
    for (size_t i = 0; i < s->nstores; i++)
        store |= !strcmp(s->stores[i].name, "fake-store") && !strcmp(s->stores[i].provider, "fake");
    assert_true(store);
    assert_side_clean(s);
    assert_int_equal(atomic_load(&json_c_saw), 0);
    drift_side_free(s);
    k8s_http_conn_free(c);
}

static bool has_watched(void *arg)
{
    struct k8s_informer *inf = arg;
    size_t n;
    const struct model_obj **v = k8s_informer_items(inf, &n);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        found |= !strcmp(v[i]->name, "watched");
        model_obj_unref(v[i]);
    }
    free(v);
    return found;
}

/* The model's own Secret informer: its LIST and its watch. */
static void test_informer_secrets_never_parse_last_applied(void **state)
{
    (void)state;
    struct k8s_informer *inf = k8s_informer_new(http, MODEL_RES_SECRETS, NULL, NULL, NULL);
    k8s_informer_start(inf);
    assert_true(informer_wait_until((bool (*)(void *))k8s_informer_settled, inf, 10000));
    atomic_store(&json_c_saw, 0);
    create(
        "/api/v1/namespaces/shop/secrets",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"watched\","
        "\"namespace\":\"shop\",\"labels\":{\"app\":\"shop\"},\"annotations\":{" LAST_APPLIED_POST
        "}},\"type\":\"Opaque\",\"data\":{\"token\":\"" MARKER_B64_ESC "\"}}");
    assert_true(informer_wait_until(has_watched, inf, 10000)); /* came through the watch */
    assert_int_equal(atomic_load(&json_c_saw), 0);
    k8s_informer_free(inf);

    /* a fresh LIST holds the annotated Secret; no row string holds the marker */
    struct k8s_informer_store *st = informer_fresh_list(http, MODEL_RES_SECRETS);
    assert_non_null(st);
    size_t n;
    const struct model_obj **v = k8s_informer_store_items(st, &n);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        const struct model_secret_meta *m = (const struct model_secret_meta *)v[i];
        found |= !strcmp(v[i]->name, "watched");
        assert_false(has_marker(m->type) || has_marker(m->labels) || has_marker(m->data_hash));
        model_obj_unref(v[i]);
    }
    assert_true(found);
    free(v);
    k8s_informer_store_free(st);
    assert_int_equal(atomic_load(&json_c_saw), 0);
}

/* ---- a server that does not do as asked ------------------------------------------------- */

static void answer(void *arg, const char *path, int *status, const char **body)
{
    (void)arg;
    if (!strncmp(path, "/api/v1/secrets", 15)) {
        /* a full SecretList with values, whatever the Accept said */
        *status = 200;
        *body = "{\"kind\":\"SecretList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
                "\"5\"},\"items\":[{\"metadata\":{\"name\":\"full\",\"namespace\":\"shop\","
                "\"resourceVersion\":\"5\",\"annotations\":{" LAST_APPLIED "}},\"type\":\"Opaque\","
                "\"data\":{\"token\":\"" MARKER_B64 "\"},\"stringData\":{\"pw\":\"" MARKER "\"}}]}";
    } else if (!strncmp(path, "/api/v1/configmaps", 18)) {
        *status = 200;
        *body = "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{"
                "\"resourceVersion\":\"5\"},\"items\":[]}";
    }
}

static void raw_context(struct raw_http *srv, struct kube_context *out)
{
    memset(out, 0, sizeof *out);
    out->name = xstrdup("raw");
    out->cluster = xstrdup("raw");
    out->user = xstrdup("raw");
    out->namespace = xstrdup("default");
    out->server = xasprintf("http://127.0.0.1:%d", srv->port);
    out->auth = KUBE_AUTH_NONE;
}

static void test_server_ignoring_accept_sends_values(void **state)
{
    (void)state;
    struct raw_http srv;
    raw_http_start(&srv, answer, NULL);
    struct kube_context rc;
    raw_context(&srv, &rc);
    struct k8s_http *h = informer_http(&rc, true);
    struct k8s_http_conn *c = k8s_http_conn_new(h, NULL, NULL);

    atomic_store(&json_c_saw, 0);
    struct drift_side *s = drift_reader_read_side(c, "raw", false, 0);
    /* metadata mode refuses what is not a Table, having blanked it first */
    assert_false(s->secrets_read);
    assert_non_null(s->error);
    assert_side_clean(s);
    drift_side_free(s);
    assert_int_equal(atomic_load(&json_c_saw), 0);

    /* the informer keeps the row (metadata only) and nothing of the values */
    struct k8s_informer_store *st = NULL;
    char rv[64];
    struct error err;
    if (k8s_informer_list(c, MODEL_RES_SECRETS, 0, &st, rv, sizeof rv, NULL, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    const struct model_secret_meta *m =
        (const struct model_secret_meta *)k8s_informer_store_get(st, "shop", "full");
    assert_non_null(m);
    assert_false(has_marker(m->type) || has_marker(m->labels) || has_marker(m->data_hash));
    k8s_informer_store_free(st);
    if (k8s_informer_list(c, MODEL_RES_CONFIGMAPS, 0, &st, rv, sizeof rv, NULL, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    k8s_informer_store_free(st);
    assert_int_equal(atomic_load(&json_c_saw), 0);

    k8s_http_conn_free(c);
    k8s_http_free(h);
    kube_context_fini(&rc);

    /* Secret lists are asked for without gzip (zlib's buffers would hold what curl inflated);
     * other lists still compress. */
    const char *dsec = raw_http_find(&srv, "/api/v1/secrets?limit=100"); /* drift_reader */
    const char *sec = raw_http_find(&srv, "/api/v1/secrets?limit=500");  /* the informer */
    const char *cm = raw_http_find(&srv, "/api/v1/configmaps?limit=500");
    assert_non_null(dsec);
    assert_non_null(sec);
    assert_non_null(cm);
    assert_null(strcasestr(dsec, "accept-encoding"));
    assert_null(strcasestr(sec, "accept-encoding"));
    assert_non_null(strcasestr(cm, "accept-encoding"));
    assert_non_null(strstr(cm, "gzip"));
    raw_http_stop(&srv);
}

int main(void)
{
    *(void **)&real_parse = dlsym(RTLD_NEXT, "json_tokener_parse");
    *(void **)&real_parse_ex = dlsym(RTLD_NEXT, "json_tokener_parse_ex");
    if (!real_parse || !real_parse_ex)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blank_documents),
        cmocka_unit_test(test_secret_body_lines),
        cmocka_unit_test(test_drift_metadata_never_parses_last_applied),
        cmocka_unit_test(test_drift_eso_inline_values_never_parsed),
        cmocka_unit_test(test_informer_secrets_never_parse_last_applied),
        cmocka_unit_test(test_server_ignoring_accept_sends_values),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
