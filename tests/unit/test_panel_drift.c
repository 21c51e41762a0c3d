/* The Secrets drift panel, the drift view and their place in the dashboard, on the in-memory
 * canvas: golden screens (tests/golden/panel_drift_*.txt, drift_view_*.txt,
 * dashboard_80x24_drift_*.txt) and what a user notices: which mode the Secrets were read in,
 * counts by state, the ignored count with its reason, the keys that differ, ExternalSecret state
 * with its message, refresh time and store, the source of truth, the ConfigMap diff opened by
 * Enter and closed by Esc, and never a value (the values here are markers searched for in every
 * screen). CUTOVER_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas_grid.h"
#include "cutover/dashboard.h"
#include "cutover/drift.h"
#include "cutover/drift_view.h"
#include "cutover/keymap.h"
#include "cutover/panel_drift.h"
#include "cutover/udiff.h"
#include "../lib/testfile.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1795428300 /* 2026-11-23T10:05:00Z */

/* base64 of "hunter2-MARKER1", "other-MARKER2", "third-MARKER3" */
#define B64_A "aHVudGVyMi1NQVJLRVIx"
#define B64_B "b3RoZXItTUFSS0VSMg=="
#define B64_C "dGhpcmQtTUFSS0VSMw=="

static void item(struct drift_side *s, enum drift_obj_kind kind, const char *json)
{
    char *buf = strdup(json);
    struct drift_item it;
    struct error err = {0};
    bool hash = kind == DRIFT_CONFIGMAP || s->mode == DRIFT_MODE_CONTENTS;
    if (drift_item_decode(kind, buf, strlen(buf), hash, &it, &err) < 0)
        fail_msg("decode: %s", err.msg);
    free(buf);
    drift_side_add_item(s, &it);
}

static void secret(struct drift_side *s, const char *ns, const char *name, const char *type,
                   const char *data, const char *meta_extra)
{
    char j[2048];
    snprintf(j, sizeof j,
             "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\"%s},\"type\":\"%s\",\"data\":{%s}}",
             name, ns, meta_extra ? meta_extra : "", type, data);
    item(s, DRIFT_SECRET, j);
}

static void configmap(struct drift_side *s, const char *ns, const char *name, const char *data)
{
    char j[2048];
    snprintf(j, sizeof j,
             "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\"},\"data\":{%s}}",
             name, ns, data);
    item(s, DRIFT_CONFIGMAP, j);
}

static void es(struct drift_side *s, const char *json)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    struct drift_es e;
    struct error err = {0};
    assert_int_equal(drift_es_decode(o, false, &e, &err), 0);
    json_object_put(o);
    drift_side_add_es(s, &e);
}

static void store(struct drift_side *s)
{
    json_object *o = json_tokener_parse(
        "{\"metadata\":{\"name\":\"aws-sm\"},\"spec\":{\"provider\":{\"aws\":{\"service\":"
        "\"SecretsManager\",\"region\":\"us-east-1\"}}},\"status\":{\"conditions\":[{\"type\":"
        "\"Ready\",\"status\":\"True\"}]}}");
    struct drift_store st;
    struct error err = {0};
    assert_int_equal(drift_store_decode(o, true, &st, &err), 0);
    json_object_put(o);
    drift_side_add_store(s, &st);
}

#define ES(name, target, data, status)                                                             \
    "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"shop\"},\"spec\":{\"secretStoreRef\":"   \
    "{\"name\":\"aws-sm\",\"kind\":\"ClusterSecretStore\"},\"target\":{\"name\":\"" target         \
    "\"},\"refreshInterval\":\"1h\"," data "},\"status\":" status "}"
#define SYNCED                                                                                     \
    "{\"refreshTime\":\"2026-11-23T10:00:00Z\",\"syncedResourceVersion\":\"1-abc\","               \
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"SecretSynced\"}]}"
#define FAILED                                                                                     \
    "{\"refreshTime\":\"2026-11-23T09:00:00Z\",\"conditions\":[{\"type\":\"Ready\",\"status\":"    \
    "\"False\",\"reason\":\"SecretSyncedError\",\"message\":\"could not get secret data from "     \
    "provider: key \\\"prod/shop/checkout-api\\\" from ExternalSecret \\\"checkout-api\\\": "      \
    "ResourceNotFoundException: Secrets Manager can't find the specified secret\"}]}"

struct fixture {
    struct drift_side *side[2];
    struct drift_sot sot;
    struct drift_report *r;
};

/* The demo's drift cases, built from API-shaped JSON whose values are markers. */
static void build(struct fixture *f, enum drift_mode mode)
{
    memset(f, 0, sizeof *f);
    struct drift_side *s = drift_side_new("onprem-prod", mode);
    struct drift_side *t = drift_side_new("eks-prod", mode);
    f->side[0] = s;
    f->side[1] = t;
    for (int i = 0; i < 2; i++)
        f->side[i]->secrets_read = f->side[i]->configmaps_read = f->side[i]->eso_read = true;
    t->eso_installed = true;
    /* missing on the target */
    secret(s, "shop", "stripe-api-key", "Opaque", "\"key\":\"" B64_A "\"", NULL);
    /* a key missing on the target, a value differing (ESO-managed on the target) */
    secret(s, "shop", "db-credentials", "Opaque",
           "\"host\":\"" B64_C "\",\"password\":\"" B64_A "\",\"user\":\"" B64_C "\"", NULL);
    secret(t, "shop", "db-credentials", "Opaque",
           "\"password\":\"" B64_B "\",\"user\":\"" B64_C "\"",
           ",\"ownerReferences\":[{\"kind\":\"ExternalSecret\",\"name\":\"db-credentials\"}]");
    /* a value differing */
    secret(s, "shop", "regcred", "kubernetes.io/dockerconfigjson",
           "\".dockerconfigjson\":\"" B64_A "\"", NULL);
    secret(t, "shop", "regcred", "kubernetes.io/dockerconfigjson",
           "\".dockerconfigjson\":\"" B64_B "\"", NULL);
    /* type differs */
    secret(s, "shop", "web-tls", "kubernetes.io/tls", "\"tls.crt\":\"" B64_A "\"", NULL);
    secret(t, "shop", "web-tls", "Opaque", "\"tls.crt\":\"" B64_A "\"", NULL);
    /* equal */
    secret(s, "shop", "smtp", "Opaque", "\"password\":\"" B64_C "\"", NULL);
    secret(t, "shop", "smtp", "Opaque", "\"password\":\"" B64_C "\"", NULL);
    /* ignored by a built-in rule */
    secret(s, "shop", "default-token-abcde", "kubernetes.io/service-account-token",
           "\"token\":\"" B64_A "\"", NULL);
    /* a ConfigMap differing (its text is not secret) */
    configmap(s, "shop", "envoy-config", "\"envoy.yaml\":\"timeout: 15s\\n\"");
    configmap(t, "shop", "envoy-config", "\"envoy.yaml\":\"timeout: 5s\\n\"");
    configmap(s, "shop", "api", "\"LOG_LEVEL\":\"info\"");
    configmap(t, "shop", "api", "\"LOG_LEVEL\":\"info\"");
    /* External Secrets on the target: one stale against Secrets Manager, one failing */
    store(t);
    es(t, ES("db-credentials", "db-credentials",
             "\"data\":[{\"secretKey\":\"password\",\"remoteRef\":{\"key\":\"prod/shop/db\","
             "\"property\":\"password\"}},{\"secretKey\":\"user\",\"remoteRef\":{\"key\":"
             "\"prod/shop/db\",\"property\":\"user\"}}]",
             SYNCED));
    es(t, ES("checkout-api", "checkout-api",
             "\"data\":[{\"secretKey\":\"token\",\"remoteRef\":{\"key\":"
             "\"prod/shop/checkout-api\"}}]",
             FAILED));
    /* Secrets Manager has rotated the password (hunter2-MARKER1 now) */
    char *body = strdup("{\"Name\":\"prod/shop/db\",\"SecretString\":\"{\\\"password\\\":"
                        "\\\"hunter2-MARKER1\\\",\\\"user\\\":\\\"third-MARKER3\\\"}\"}");
    struct drift_sot_secret v = {0};
    struct error err = {0};
    assert_int_equal(drift_sot_decode(body, strlen(body), &v, &err), 0);
    free(body);
    v.secret_id = strdup("prod/shop/db");
    v.region = strdup("us-east-1");
    drift_sot_add(&f->sot, &v);
    f->r = drift_analyze(s, t, &f->sot, NULL);
    assert_non_null(f->r);
}

static void fini(struct fixture *f)
{
    drift_report_free(f->r);
    drift_sot_fini(&f->sot);
    drift_side_free(f->side[0]);
    drift_side_free(f->side[1]);
}

/* No value, base64 or plain, is ever on screen. */
static void assert_no_marker(const char *t)
{
    if (strstr(t, "MARKER") || strstr(t, B64_A) || strstr(t, B64_B) || strstr(t, B64_C) ||
        strstr(t, "hunter2") || strstr(t, "other-") || strstr(t, "third-"))
        fail_msg("a value reached the screen:\n%s", t);
}

static void golden(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/%s", getenv("CUTOVER_SOURCE_DIR"), name);
    if (getenv("CUTOVER_UPDATE_GOLDEN")) {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        return;
    }
    size_t len;
    char *want = test_file_read(path, &len);
    if (want == NULL)
        fail_msg("missing golden file %s (run with CUTOVER_UPDATE_GOLDEN=1)", path);
    if (strcmp(want, text) != 0) {
        fprintf(stderr, "--- want %s\n%s--- got\n%s", path, want, text);
        fail();
    }
    free(want);
}

static char *draw(struct widget *w, int h, int wd)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(h, wd, true, &c);
    struct widget_view v = {.context = {"onprem-prod", "eks-prod"}, .now = NOW};
    widget_layout(w, (struct rect){0, 0, h, wd});
    widget_update(w, &v);
    widget_draw(w, &c, &v, true);
    char *t = canvas_grid_text(g);
    canvas_grid_free(g);
    assert_no_marker(t);
    return t;
}

static char *draw_dash(struct dashboard *d, int h, int wd)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(h, wd, true, &c);
    dashboard_draw(d, &c);
    char *t = canvas_grid_text(g);
    canvas_grid_free(g);
    assert_no_marker(t);
    return t;
}

static void has(const char *t, const char *s)
{
    if (strstr(t, s) == NULL)
        fail_msg("'%s' not on screen:\n%s", s, t);
}

/* ---- the panel ----------------------------------------------------------------------------- */

static void test_panel_not_configured_and_reading(void **state)
{
    (void)state;
    struct widget *w = panel_drift_new();
    char *t = draw(w, 4, 60);
    has(t, "Secret drift: not configured");
    free(t);
    struct drift_ui_data d = {.configured = true};
    panel_drift_set(w, &d);
    t = draw(w, 4, 60);
    has(t, "reading Secrets (metadata only)...");
    free(t);
    d.contents_asked = true;
    panel_drift_set(w, &d);
    t = draw(w, 4, 60);
    has(t, "reading Secrets (contents, hashed)...");
    free(t);
    widget_free(w);
}

static void test_panel_contents_golden(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_CONTENTS);
    struct widget *w = panel_drift_new();
    struct drift_ui_data d = {.configured = true, .report = f.r, .taken = NOW - 4};
    panel_drift_set(w, &d);
    char *t = draw(w, 12, 80);
    golden("panel_drift_80x12.txt", t);
    has(t, "values compared by keyed hash; none shown");
    has(t, "1 missing on target");
    has(t, "1 keys differ");
    has(t, "1 type differs");
    has(t, "1 value differs");
    has(t, "1 SecretSyncedError");
    has(t, "1 stale vs Secrets Manager");
    has(t, "ignored 1: 1 type kubernetes.io/service-account-token");
    has(t, "shop/stripe-api-key");
    free(t);
    t = draw(w, 12, 120);
    golden("panel_drift_120x12.txt", t);
    free(t);
    char buf[400];
    struct widget_view v = {.now = NOW};
    widget_summary(w, &v, buf, sizeof buf);
    assert_non_null(strstr(buf, "4 Secrets differ, 1 ConfigMaps differ"));
    widget_free(w);
    fini(&f);
}

static void test_panel_metadata_mode_says_so(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_METADATA);
    struct widget *w = panel_drift_new();
    struct drift_ui_data d = {.configured = true, .report = f.r, .taken = NOW - 4};
    panel_drift_set(w, &d);
    char *t = draw(w, 12, 80);
    has(t, "metadata only: values not read");
    has(t, "2 not"); /* Secrets on both sides, values not read: "2 not compared" */
    assert_null(strstr(t, "values compared by keyed hash"));
    free(t);
    widget_free(w);
    fini(&f);
}

/* ---- the view ------------------------------------------------------------------------------- */

static void test_view_golden(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_CONTENTS);
    struct widget *w = drift_view_new();
    struct drift_ui_data d = {.configured = true, .report = f.r, .taken = NOW - 4};
    drift_view_set(w, &d);
    drift_view_set_hints(w, "Enter:ConfigMap diff  F:force-sync ExternalSecret  Esc:close");
    char *t = draw(w, 44, 80);
    golden("drift_view_80x44.txt", t);
    has(t, "Secret contents are read only while this view is open");
    has(t, "keyed hash; none shown");
    has(t, "missing on target Secret    shop/stripe-api-key");
    has(t, "missing on target: host; value differs: password");
    has(t, "type: kubernetes.io/tls on source, Opaque on target");
    has(t, "value differs: .dockerconfigjson");
    has(t, "ExternalSecret db-credentials on target: SecretSynced, refreshed 5m ago");
    has(t, "target shop/checkout-api SecretSyncedError, refreshed 65m ago");
    has(t, "ResourceNotFoundException");
    has(t, "store ClusterSecretStore aws-sm (aws SecretsManager us-east-1)");
    has(t, "writes Secret checkout-api: MISSING in this cluster");
    has(t, "source of truth: STALE, differs from AWS Secrets Manager in password");
    has(t, "ignored           Secret    shop/default-token-abcde");
    has(t, "rule: type kubernetes.io/service-account-token");
    free(t);
    t = draw(w, 30, 140);
    golden("drift_view_140x30.txt", t);
    free(t);
    widget_free(w);
    fini(&f);
}

/* Enter on a differing ConfigMap asks for its diff; the diff scrolls; Esc goes back. */
static void test_view_configmap_diff(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_CONTENTS);
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    struct dashboard *d = dashboard_new(&o);
    dashboard_resize(d, 24, 80);
    dashboard_set_now(d, NOW);
    struct drift_ui_data dd = {.configured = true, .report = f.r, .taken = NOW - 4};
    dashboard_set_drift(d, &dd);
    char *t;
    /* the panel, focused (it takes the body at 80x24); Enter opens the view */
    dashboard_command(d, "secrets");
    assert_null(dashboard_drift_view(d));
    dashboard_set_drift_panel_hints(d, "Enter/D:drift view  ?:help");
    t = draw_dash(d, 24, 80);
    golden("dashboard_80x24_drift_panel.txt", t);
    has(t, "Enter/D:drift view  ?:help");
    has(t, "contents: values compared by keyed hash; none shown");
    has(t, "ignored 1: 1 type kubernetes.io/service-account-token");
    free(t);
    dashboard_cmd(d, WIDGET_ENTER);
    struct widget *v = dashboard_drift_view(d);
    assert_non_null(v);
    t = draw_dash(d, 24, 80);
    golden("dashboard_80x24_drift_view.txt", t);
    free(t);
    /* the selection stops on object lines only: walk to the envoy ConfigMap */
    const struct drift_row *row = drift_view_selected_row(v);
    assert_non_null(row);
    int guard = 0;
    while (!(row && row->kind == DRIFT_CONFIGMAP && strcmp(row->name, "envoy-config") == 0)) {
        dashboard_cmd(d, WIDGET_DOWN);
        row = drift_view_selected_row(v);
        assert_true(++guard < 40);
    }
    char ns[64], name[64];
    assert_false(drift_view_take_diff_request(v, ns, sizeof ns, name, sizeof name));
    dashboard_cmd(d, WIDGET_ENTER);
    assert_true(drift_view_in_diff(v));
    t = draw_dash(d, 24, 80);
    has(t, "fetching both ConfigMaps...");
    free(t);
    assert_true(drift_view_take_diff_request(v, ns, sizeof ns, name, sizeof name));
    assert_string_equal(ns, "shop");
    assert_string_equal(name, "envoy-config");
    assert_false(drift_view_take_diff_request(v, ns, sizeof ns, name, sizeof name));
    const char *a = "envoy.yaml:\n  timeout: 15s\n  lb_policy: ROUND_ROBIN\n";
    const char *b = "envoy.yaml:\n  timeout: 5s\n  lb_policy: LEAST_REQUEST\n";
    drift_view_set_diff(v, "shop", "envoy-config", udiff_new(a, strlen(a), b, strlen(b), 3), NULL);
    t = draw_dash(d, 24, 80);
    golden("dashboard_80x24_drift_diff.txt", t);
    has(t, "ConfigMap shop/envoy-config: diff");
    has(t, "--- source onprem-prod   +++ target eks-prod   (-2 +2)");
    has(t, "-  timeout: 15s");
    has(t, "+  timeout: 5s");
    free(t);
    /* a diff for another ConfigMap (the user moved on) is dropped */
    drift_view_set_diff(v, "shop", "api", udiff_new("x", 1, "y", 1, 3), NULL);
    /* Esc: back to the list, then the view closes; :drift opens it again */
    dashboard_back(d);
    assert_false(drift_view_in_diff(v));
    assert_non_null(dashboard_drift_view(d));
    dashboard_back(d);
    assert_null(dashboard_drift_view(d));
    dashboard_command(d, "drift");
    assert_non_null(dashboard_drift_view(d));
    dashboard_free(d);
    fini(&f);
}

/* A diff that could not be fetched says why. */
static void test_view_diff_error(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_CONTENTS);
    struct widget *w = drift_view_new();
    struct drift_ui_data d = {.configured = true, .report = f.r, .taken = NOW};
    drift_view_set(w, &d);
    char *t = draw(w, 30, 100);
    free(t);
    while (drift_view_selected_row(w) == NULL ||
           drift_view_selected_row(w)->kind != DRIFT_CONFIGMAP)
        assert_int_not_equal(widget_key(w, WIDGET_DOWN), ACT_NONE);
    widget_key(w, WIDGET_ENTER);
    char ns[64], name[64];
    assert_true(drift_view_take_diff_request(w, ns, sizeof ns, name, sizeof name));
    drift_view_set_diff(w, ns, name, NULL, "eks-prod: GET configmaps: 403 Forbidden\x1b[31m");
    t = draw(w, 30, 100);
    has(t, "cannot diff: eks-prod: GET configmaps: 403 Forbidden");
    assert_null(strchr(t, '\x1b'));
    free(t);
    widget_free(w);
    fini(&f);
}

/* A cluster whose Secrets could not be read is said, in the panel and the view (sanitized). */
static void test_unreadable_side_said(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_CONTENTS);
    drift_report_free(f.r);
    f.side[1]->secrets_read = false;
    drift_side_set_error(f.side[1], "eks-prod: list secrets: 403 Forbidden\x1b[2J");
    f.r = drift_analyze(f.side[0], f.side[1], &f.sot, NULL);
    struct drift_ui_data d = {.configured = true, .report = f.r, .taken = NOW};
    struct widget *w = panel_drift_new();
    panel_drift_set(w, &d);
    char *t = draw(w, 14, 80);
    has(t, "target: eks-prod: list secrets: 403 Forbidden");
    assert_null(strchr(t, '\x1b'));
    free(t);
    widget_free(w);
    w = drift_view_new();
    drift_view_set(w, &d);
    t = draw(w, 20, 100);
    has(t, "target: eks-prod: list secrets: 403 Forbidden");
    assert_null(strchr(t, '\x1b'));
    free(t);
    widget_free(w);
    fini(&f);
}

/* The ExternalSecret a force-sync would act on follows the selection. */
static void test_view_selected_external_secret(void **state)
{
    (void)state;
    struct fixture f;
    build(&f, DRIFT_MODE_CONTENTS);
    struct widget *w = drift_view_new();
    struct drift_ui_data d = {.configured = true, .report = f.r, .taken = NOW};
    drift_view_set(w, &d);
    free(draw(w, 30, 100));
    int side = -1;
    /* the first row is a Secret missing on the target: no ExternalSecret */
    assert_null(drift_view_selected_es(w, &side));
    bool saw_db = false, saw_checkout = false;
    for (int i = 0; i < 40; i++) {
        const struct drift_es *e = drift_view_selected_es(w, &side);
        if (e && strcmp(e->name, "db-credentials") == 0) {
            saw_db = true;
            assert_int_equal(side, 1);
        }
        if (e && strcmp(e->name, "checkout-api") == 0)
            saw_checkout = true;
        widget_key(w, WIDGET_DOWN);
    }
    assert_true(saw_db);
    assert_true(saw_checkout);
    widget_free(w);
    fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panel_not_configured_and_reading),
        cmocka_unit_test(test_panel_contents_golden),
        cmocka_unit_test(test_panel_metadata_mode_says_so),
        cmocka_unit_test(test_view_golden),
        cmocka_unit_test(test_view_configmap_diff),
        cmocka_unit_test(test_view_diff_error),
        cmocka_unit_test(test_view_selected_external_secret),
        cmocka_unit_test(test_unreadable_side_said),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
