/* backends/drift_reader.c against the simulator's demo pair: one cluster read in contents and in
 * metadata mode, the ConfigMap diff, force-sync (and its refusal in observer mode), and the
 * background reader switching between modes (run under TSAN too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/drift_reader.h"
#include "../lib/informer_sim.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct sim *sim;
static struct kube_context ctx[2];
static struct k8s_http *http[2];

static int setup(void **state)
{
    (void)state;
    sim = informer_sim_start();
    for (int s = 0; s < 2; s++) {
        informer_sim_context(sim, s, &ctx[s]);
        http[s] = informer_http(&ctx[s], false);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int s = 0; s < 2; s++) {
        k8s_http_free(http[s]);
        kube_context_fini(&ctx[s]);
    }
    sim_stop(sim);
    return 0;
}

static const struct drift_item *find(const struct drift_side *s, const char *ns, const char *name)
{
    for (size_t i = 0; i < s->nsecrets; i++)
        if (!strcmp(s->secrets[i].ns, ns) && !strcmp(s->secrets[i].name, name))
            return &s->secrets[i];
    return NULL;
}

static void test_read_side_contents_and_metadata(void **state)
{
    (void)state;
    struct k8s_http_conn *c = k8s_http_conn_new(http[1], NULL, NULL);
    struct drift_side *t = drift_reader_read_side(c, "eks-prod", true, 2); /* small pages */
    assert_null(t->error);
    assert_true(t->secrets_read && t->configmaps_read && t->eso_read && t->eso_installed);
    assert_int_equal(t->mode, DRIFT_MODE_CONTENTS);
    const struct drift_item *db = find(t, "shop", "db-credentials");
    assert_non_null(db);
    assert_true(db->keys_known);
    assert_int_equal(db->nkeys, 2);
    assert_true(db->keys[0].has_mac && db->keys[1].has_mac);
    assert_string_equal(db->owner_es, "db-credentials");
    const struct drift_item *tls = find(t, "shop", "shop-tls");
    assert_non_null(tls);
    assert_string_equal(tls->cert_name, "shop-tls");
    assert_string_equal(tls->type, "kubernetes.io/tls");
    assert_int_equal(t->nes, 2);
    assert_int_equal(t->nstores, 1);
    assert_string_equal(t->stores[0].provider, "aws");
    assert_string_equal(t->stores[0].service, "SecretsManager");
    drift_side_free(t);

    /* metadata: a Table, no value sent at all; types still known */
    t = drift_reader_read_side(c, "eks-prod", false, 0);
    assert_int_equal(t->mode, DRIFT_MODE_METADATA);
    assert_true(t->secrets_read);
    db = find(t, "shop", "db-credentials");
    assert_non_null(db);
    assert_false(db->keys_known);
    assert_int_equal(db->nkeys, 0);
    assert_string_equal(find(t, "shop", "regcred")->type, "kubernetes.io/dockerconfigjson");
    assert_string_equal(find(t, "shop", "shop-tls")->cert_name, "shop-tls");
    drift_side_free(t);

    /* the source has no External Secrets objects: read, none */
    k8s_http_conn_free(c);
    c = k8s_http_conn_new(http[0], NULL, NULL);
    struct drift_side *s = drift_reader_read_side(c, "onprem-prod", true, 0);
    assert_true(s->eso_read);
    assert_int_equal(s->nes, 0);
    assert_non_null(find(s, "shop", "stripe-api-key"));
    drift_side_free(s);
    k8s_http_conn_free(c);
}

static void test_unreachable_is_said(void **state)
{
    (void)state;
    assert_true(sim_fault_add(sim, "{\"cluster\":\"eks-prod\",\"fault\":\"error\",\"status\":500,"
                                   "\"path\":\"/api/v1/secrets\"}") >= 0);
    struct k8s_http_conn *c = k8s_http_conn_new(http[1], NULL, NULL);
    struct drift_side *t = drift_reader_read_side(c, "eks-prod", true, 0);
    sim_faults_clear(sim);
    assert_false(t->secrets_read);
    assert_int_equal(t->nsecrets, 0);
    assert_non_null(t->error);
    assert_true(t->configmaps_read);
    drift_side_free(t);
    k8s_http_conn_free(c);
}

static void test_configmap_diff(void **state)
{
    (void)state;
    struct k8s_http_conn *a = k8s_http_conn_new(http[0], NULL, NULL);
    struct k8s_http_conn *b = k8s_http_conn_new(http[1], NULL, NULL);
    struct udiff *d = NULL;
    struct error err = {0};
    assert_int_equal(drift_reader_configmap_diff(a, b, "shop", "envoy-config", 3, &d, &err), 0);
    char *t = udiff_text(d, "onprem-prod/shop/envoy-config", "eks-prod/shop/envoy-config");
    if (getenv("DRIFT_TEST_SHOW"))
        fputs(t, stderr);
    assert_non_null(strstr(t, "\n@@ -15,12 +15,13 @@\n"));
    assert_non_null(strstr(t,
                           "\n-                  route: { cluster: api, timeout: 15s }\n"
                           "+                  route: { cluster: api, timeout: 5s }\n"
                           "+                  retry_policy: { retry_on: 5xx, num_retries: 3 }\n"));
    assert_non_null(
        strstr(t, "\n-      lb_policy: ROUND_ROBIN\n+      lb_policy: LEAST_REQUEST\n"));
    assert_int_equal(d->added, 4);
    assert_false(d->identical);
    assert_int_equal(d->removed, 3);
    free(t);
    udiff_free(d);
    /* a ConfigMap on neither side: nothing differs */
    assert_int_equal(drift_reader_configmap_diff(b, a, "shop", "nope", 3, &d, &err), 0);
    assert_true(d->identical);
    udiff_free(d);
    /* the same ConfigMap on both: identical */
    assert_int_equal(drift_reader_configmap_diff(a, b, "shop", "checkout", 3, &d, &err), 0);
    assert_true(d->identical);
    udiff_free(d);
    k8s_http_conn_free(a);
    k8s_http_conn_free(b);
}

static void test_force_sync(void **state)
{
    (void)state;
    struct k8s_http_conn *c = k8s_http_conn_new(http[1], NULL, NULL);
    struct error err = {0};
    assert_int_equal(drift_reader_force_sync(c, "shop", "checkout-api", 1800000000, &err), 0);
    struct drift_side *t = drift_reader_read_side(c, "eks-prod", false, 0);
    bool seen = false;
    for (size_t i = 0; i < t->nes; i++)
        if (!strcmp(t->es[i].name, "checkout-api"))
            seen = t->es[i].force_sync && !strcmp(t->es[i].force_sync, "1800000000");
    assert_true(seen);
    drift_side_free(t);
    assert_int_equal(drift_reader_force_sync(c, "shop", "nope", 1, &err), -1);
    k8s_http_conn_free(c);
    /* observer mode: refused before sending */
    struct k8s_http *ro = informer_http(&ctx[1], true);
    long before = informer_sim_requests(sim, "eks-prod", "mutating");
    c = k8s_http_conn_new(ro, NULL, NULL);
    assert_int_equal(drift_reader_force_sync(c, "shop", "checkout-api", 1, &err), -1);
    k8s_http_conn_free(c);
    k8s_http_free(ro);
    assert_int_equal(informer_sim_requests(sim, "eks-prod", "mutating"), before);
}

static struct drift_snapshot *wait_snapshot(struct drift_reader *r, int fd, uint64_t after,
                                            enum drift_mode mode)
{
    for (int i = 0; i < 300; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            char buf[16];
            ssize_t n = read(fd, buf, sizeof buf);
            (void)n;
        }
        struct drift_snapshot *s = drift_reader_get(r);
        if (s && s->generation > after && s->side[0]->mode == mode)
            return s;
        drift_snapshot_unref(s);
    }
    fail_msg("no snapshot in mode %d", (int)mode);
    return NULL;
}

static void test_background_reader(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct drift_reader_opts o = {.interval_ms = 60000, .wake_fd = p[1]};
    struct drift_reader *r = drift_reader_start(http[0], http[1], &o);
    assert_non_null(r);
    struct drift_snapshot *s = wait_snapshot(r, p[0], 0, DRIFT_MODE_METADATA);
    assert_int_equal(s->report->mode[1], DRIFT_MODE_METADATA);
    assert_true(s->report->counts.secrets[DRIFT_UNKNOWN] >= 1);
    uint64_t g = s->generation;
    drift_snapshot_unref(s);
    /* the drift view opens: contents are read at once, without waiting for the interval */
    drift_reader_want_contents(r, true);
    s = wait_snapshot(r, p[0], g, DRIFT_MODE_CONTENTS);
    assert_int_equal(s->report->counts.secrets[DRIFT_VALUES_DIFFER], 1); /* regcred */
    assert_int_equal(s->report->counts.secrets[DRIFT_UNKNOWN], 0);
    g = s->generation;
    drift_snapshot_unref(s);
    drift_reader_refresh(r);
    s = wait_snapshot(r, p[0], g, DRIFT_MODE_CONTENTS);
    drift_snapshot_unref(s);
    drift_reader_want_contents(r, false);
    s = wait_snapshot(r, p[0], g + 1, DRIFT_MODE_METADATA);
    drift_snapshot_unref(s);
    drift_reader_stop(r);
    drift_reader_stop(NULL);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_side_contents_and_metadata),
        cmocka_unit_test(test_unreachable_is_said),
        cmocka_unit_test(test_configmap_diff),
        cmocka_unit_test(test_force_sync),
        cmocka_unit_test(test_background_reader),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
