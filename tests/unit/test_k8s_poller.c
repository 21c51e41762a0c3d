/* The poller against the in-process simulator: what a snapshot says about each cluster of the
 * demo pair, TLS modes shown, cluster errors kept beside the last good lists, prompt stop. */

#include "../lib/informer_sim.h"

#include "cutover/k8s_poller.h"
#include "cutover/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_MS 15000

struct fx {
    struct sim *sim;
    struct kube_context src, dst;
    struct model_publisher *pub;
    struct k8s_poller *p;
};

static int group_setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->sim = informer_sim_start();
    informer_sim_context(f->sim, 0, &f->src);
    informer_sim_context(f->sim, 1, &f->dst);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;
    kube_context_fini(&f->src);
    kube_context_fini(&f->dst);
    sim_stop(f->sim);
    free(f);
    return 0;
}

static int cleanup(void **state)
{
    struct fx *f = *state;
    sim_faults_clear(f->sim);
    k8s_poller_stop(f->p);
    f->p = NULL;
    model_publisher_free(f->pub);
    f->pub = NULL;
    return 0;
}

static void start(struct fx *f, const struct kube_context *ctx, unsigned resources)
{
    f->pub = model_publisher_new(-1);
    struct k8s_poller_opts o = {.resources = resources, .page_size = 7, .publish_ms = 50};
    struct error err;
    error_clear(&err);
    if (k8s_poller_start(ctx, &o, f->pub, &f->p, &err) < 0)
        fail_msg("k8s_poller_start: %s", err.msg);
}

static const struct model_obj *find(const struct model_cluster *c, enum model_res res,
                                    const char *ns, const char *name)
{
    const struct model_list *l = &c->lists[res];
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i]->name, name) == 0 &&
            ((ns == NULL && l->items[i]->ns == NULL) ||
             (ns && l->items[i]->ns && strcmp(l->items[i]->ns, ns) == 0)))
            return l->items[i];
    return NULL;
}

/* The snapshot once every resource synced and the version is known. */
static bool snapshot_complete(void *arg)
{
    struct fx *f = arg;
    struct model_cluster *c = model_publisher_get(f->pub);
    bool ok = c && c->version != NULL;
    for (int r = 0; ok && r < MODEL_RES_COUNT; r++)
        ok = !c->fresh[r].enabled || c->fresh[r].synced;
    model_cluster_unref(c);
    return ok;
}

static void test_source_snapshot(void **state)
{
    struct fx *f = *state;
    start(f, &f->src, 0);
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(snapshot_complete, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    assert_string_equal(c->context, "onprem-prod");
    assert_string_equal(c->version, "v1.24.17");
    assert_int_equal(c->ver_major, 1);
    assert_int_equal(c->ver_minor, 24);
    assert_string_equal(c->auth_kind, "token");
    assert_false(c->tls_insecure);
    assert_null(c->error);
    assert_true(c->api_latency_ms >= 0);
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        assert_true(c->fresh[r].enabled);
        assert_true(c->fresh[r].synced);
        assert_null(c->fresh[r].last_error);
        assert_true(c->fresh[r].last_ok.tv_sec > 0);
    }
    /* Three control-plane nodes, all in us-east-1a. */
    int cp = 0;
    for (size_t i = 0; i < c->lists[MODEL_RES_NODES].n; i++) {
        const struct model_node *n = (const struct model_node *)c->lists[MODEL_RES_NODES].items[i];
        if (n->role == MODEL_ROLE_CONTROL_PLANE) {
            cp++;
            assert_string_equal(n->zone, "us-east-1a");
        }
    }
    assert_int_equal(cp, 3);
    const struct model_workload *api =
        (const struct model_workload *)find(c, MODEL_RES_DEPLOYMENTS, "shop", "api");
    assert_non_null(api);
    assert_non_null(strstr(api->images, "nginx"));
    assert_non_null(strstr(api->images, "php:8.2-fpm"));
    assert_non_null(strstr(api->images, "envoyproxy/envoy"));
    assert_non_null(find(c, MODEL_RES_DAEMONSETS, "logging", "fluentd"));
    assert_true(c->lists[MODEL_RES_PODS].n > 7); /* more than one page */
    assert_true(c->lists[MODEL_RES_SECRETS].n > 0);
    model_cluster_unref(c);
}

static void test_target_snapshot(void **state)
{
    struct fx *f = *state;
    start(f, &f->dst, (1u << MODEL_RES_NODES) | (1u << MODEL_RES_DAEMONSETS));
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(snapshot_complete, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    assert_string_equal(c->context, "eks-prod");
    assert_int_equal(c->ver_major, 1);
    assert_int_equal(c->ver_minor, 29);
    assert_non_null(strstr(c->version, "eks"));
    assert_false(c->fresh[MODEL_RES_PODS].enabled);
    assert_int_equal(c->lists[MODEL_RES_PODS].n, 0);
    assert_null(find(c, MODEL_RES_DAEMONSETS, "logging", "fluentd"));
    for (size_t i = 0; i < c->lists[MODEL_RES_NODES].n; i++) {
        const struct model_node *n = (const struct model_node *)c->lists[MODEL_RES_NODES].items[i];
        assert_int_not_equal(n->role, MODEL_ROLE_CONTROL_PLANE);
    }
    model_cluster_unref(c);
}

static void test_insecure_shown(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx = f->src;
    ctx.ca_data = NULL;
    ctx.ca_data_len = 0;
    ctx.ca_file = NULL;
    ctx.insecure_skip_tls_verify = true;
    start(f, &ctx, 1u << MODEL_RES_NODES);
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(snapshot_complete, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    assert_true(c->tls_insecure);
    assert_true(c->lists[MODEL_RES_NODES].n > 0);
    model_cluster_unref(c);
}

static bool has_cluster_error(void *arg)
{
    struct fx *f = arg;
    struct model_cluster *c = model_publisher_get(f->pub);
    bool e = c && c->error != NULL && c->fresh[MODEL_RES_NODES].last_error != NULL;
    model_cluster_unref(c);
    return e;
}

static void test_wrong_ca_reported(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx = f->src;
    ctx.ca_data = NULL;
    ctx.ca_data_len = 0;
    ctx.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    start(f, &ctx, 1u << MODEL_RES_NODES);
    assert_false(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(has_cluster_error, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    assert_non_null(strstr(c->error, "onprem-prod: GET"));
    assert_non_null(strstr(c->error, "TLS"));
    assert_non_null(strstr(c->fresh[MODEL_RES_NODES].last_error, "TLS"));
    assert_false(c->fresh[MODEL_RES_NODES].synced);
    assert_int_equal(c->lists[MODEL_RES_NODES].n, 0);
    assert_null(c->version);
    model_cluster_unref(c);
}

static bool no_cluster_error(void *arg)
{
    struct fx *f = arg;
    struct model_cluster *c = model_publisher_get(f->pub);
    bool ok = c && c->error == NULL && c->fresh[MODEL_RES_NODES].last_error == NULL;
    model_cluster_unref(c);
    return ok;
}

static void test_down_keeps_last_good_lists(void **state)
{
    struct fx *f = *state;
    start(f, &f->src, (1u << MODEL_RES_NODES) | (1u << MODEL_RES_PODS));
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(snapshot_complete, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    size_t nodes = c->lists[MODEL_RES_NODES].n, pods = c->lists[MODEL_RES_PODS].n;
    model_cluster_unref(c);
    assert_true(sim_fault_add(f->sim, "{\"cluster\":\"onprem-prod\",\"fault\":\"down\"}") >= 0);
    k8s_poller_refresh(f->p);
    assert_true(informer_wait_until(has_cluster_error, f, WAIT_MS));
    c = model_publisher_get(f->pub);
    assert_non_null(strstr(c->error, "onprem-prod"));
    assert_int_equal(c->lists[MODEL_RES_NODES].n, nodes);
    assert_int_equal(c->lists[MODEL_RES_PODS].n, pods);
    assert_true(c->fresh[MODEL_RES_NODES].synced);
    assert_string_equal(c->version, "v1.24.17"); /* last known, kept */
    model_cluster_unref(c);
    sim_faults_clear(f->sim);
    assert_true(informer_wait_until(no_cluster_error, f, WAIT_MS + 30000));
}

static bool watches_open(void *arg)
{
    struct fx *f = arg;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        struct k8s_informer *inf = k8s_poller_informer(f->p, (enum model_res)r);
        if (inf == NULL)
            continue;
        struct k8s_informer_stats st;
        k8s_informer_get_stats(inf, &st);
        if (st.watches == 0)
            return false;
    }
    return true;
}

static bool all_relisted(void *arg)
{
    struct fx *f = arg;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        struct k8s_informer *inf = k8s_poller_informer(f->p, (enum model_res)r);
        if (inf == NULL)
            continue;
        struct k8s_informer_stats st;
        k8s_informer_get_stats(inf, &st);
        if (st.lists_ok < 2)
            return false;
    }
    return true;
}

static void test_refresh_relists_every_resource(void **state)
{
    struct fx *f = *state;
    start(f, &f->src, 0);
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(watches_open, f, WAIT_MS));
    assert_false(all_relisted(f));
    k8s_poller_refresh(f->p);
    assert_true(informer_wait_until(all_relisted, f, WAIT_MS));
}

static void test_stop_is_prompt_with_watches_open(void **state)
{
    struct fx *f = *state;
    start(f, &f->src, 0);
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(watches_open, f, WAIT_MS));
    usleep(200000);
    double t0 = informer_now_ms();
    k8s_poller_stop(f->p);
    f->p = NULL;
    double took = informer_now_ms() - t0;
    /* Watches run for minutes; stopping must not wait for them. */
    if (took > 2000.0)
        fail_msg("stop took %.0f ms", took);
}

static bool saw_new_pod_cm(void *arg)
{
    struct fx *f = arg;
    struct model_cluster *c = model_publisher_get(f->pub);
    bool ok = c && find(c, MODEL_RES_CONFIGMAPS, "shop", "poller-cm") != NULL;
    model_cluster_unref(c);
    return ok;
}

static void test_change_published_and_rows_shared(void **state)
{
    struct fx *f = *state;
    start(f, &f->src, (1u << MODEL_RES_CONFIGMAPS) | (1u << MODEL_RES_NODES));
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(snapshot_complete, f, WAIT_MS));
    struct model_cluster *before = model_publisher_get(f->pub);
    struct k8s_http *h = informer_http(&f->src, false);
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    assert_int_equal(informer_request(h, "POST", "/api/v1/namespaces/shop/configmaps",
                                      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                      "{\"name\":\"poller-cm\",\"namespace\":\"shop\"}}",
                                      &resp, &err),
                     0);
    k8s_http_free(h);
    assert_true(informer_wait_until(saw_new_pod_cm, f, WAIT_MS));
    struct model_cluster *after = model_publisher_get(f->pub);
    assert_true(after->generation > before->generation);
    /* Unchanged rows are the same objects: published by reference, not copied. */
    assert_int_equal(after->lists[MODEL_RES_NODES].n, before->lists[MODEL_RES_NODES].n);
    for (size_t i = 0; i < before->lists[MODEL_RES_NODES].n; i++) {
        const struct model_obj *o = before->lists[MODEL_RES_NODES].items[i];
        assert_ptr_equal(find(after, MODEL_RES_NODES, NULL, o->name), o);
    }
    model_cluster_unref(before);
    model_cluster_unref(after);
}

static void test_rejected_token_is_a_cluster_error(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx = f->src;
    ctx.token = "expired-token";
    ctx.token_file = NULL;
    start(f, &ctx, (1u << MODEL_RES_NODES) | (1u << MODEL_RES_PODS));
    assert_false(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(has_cluster_error, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    assert_non_null(strstr(c->error, "HTTP 401"));
    assert_non_null(strstr(c->fresh[MODEL_RES_PODS].last_error, "HTTP 401"));
    assert_null(strstr(c->error, "expired-token"));
    model_cluster_unref(c);
}

struct cm_count {
    struct fx *f;
    size_t want;
};

static bool configmaps_reach(void *arg)
{
    struct cm_count *w = arg;
    struct model_cluster *c = model_publisher_get(w->f->pub);
    bool ok = c && c->lists[MODEL_RES_CONFIGMAPS].n >= w->want;
    model_cluster_unref(c);
    return ok;
}

/* Forty changes in a burst are published in a few snapshots, at most one per publish_ms (plus
 * the /version heartbeat), and the last one has them all. */
static void test_publish_rate_limited(void **state)
{
    struct fx *f = *state;
    f->pub = model_publisher_new(-1);
    struct k8s_poller_opts o = {.resources = 1u << MODEL_RES_CONFIGMAPS, .publish_ms = 400};
    struct error err;
    error_clear(&err);
    if (k8s_poller_start(&f->src, &o, f->pub, &f->p, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(k8s_poller_wait_synced(f->p, WAIT_MS));
    assert_true(informer_wait_until(snapshot_complete, f, WAIT_MS));
    struct model_cluster *c = model_publisher_get(f->pub);
    uint64_t gen0 = c->generation;
    size_t n0 = c->lists[MODEL_RES_CONFIGMAPS].n;
    model_cluster_unref(c);
    struct k8s_http *h = informer_http(&f->src, false);
    double t0 = informer_now_ms();
    for (int i = 0; i < 40; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                 "{\"name\":\"burst-%d\",\"namespace\":\"shop\"}}",
                 i);
        struct k8s_http_resp resp;
        assert_int_equal(
            informer_request(h, "POST", "/api/v1/namespaces/shop/configmaps", body, &resp, &err),
            0);
    }
    k8s_http_free(h);
    struct cm_count w = {f, n0 + 40};
    assert_true(informer_wait_until(configmaps_reach, &w, WAIT_MS));
    double elapsed = informer_now_ms() - t0;
    c = model_publisher_get(f->pub);
    uint64_t publishes = c->generation - gen0;
    model_cluster_unref(c);
    uint64_t bound = (uint64_t)(elapsed / 400.0) + 2 + (uint64_t)(elapsed / 10000.0);
    if (publishes > bound)
        fail_msg("%llu publishes in %.0f ms (bound %llu)", (unsigned long long)publishes, elapsed,
                 (unsigned long long)bound);
    assert_true(publishes >= 1);
}

static void test_parse_version(void **state)
{
    (void)state;
    struct {
        const char *json;
        const char *git;
        int major, minor;
    } cases[] = {
        {"{\"major\":\"1\",\"minor\":\"29+\",\"gitVersion\":\"v1.29.10-eks-94953ac\"}",
         "v1.29.10-eks-94953ac", 1, 29},
        {"{\"major\":\"1+\",\"minor\":\"24\",\"gitVersion\":\"v1.24.17\"}", "v1.24.17", 1, 24},
        {"{\"major\":\"\",\"minor\":\"\",\"gitVersion\":\"v1.30.2+k3s1\"}", "v1.30.2+k3s1", 1, 30},
        {"{\"gitVersion\":\"v1.31.0-gke.1\"}", "v1.31.0-gke.1", 1, 31},
        {"{\"major\":\"1\",\"minor\":\"x\"}", NULL, 1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *git;
        int ma, mi;
        assert_int_equal(
            k8s_poller_parse_version(cases[i].json, strlen(cases[i].json), &git, &ma, &mi), 0);
        if (cases[i].git)
            assert_string_equal(git, cases[i].git);
        else
            assert_null(git);
        assert_int_equal(ma, cases[i].major);
        assert_int_equal(mi, cases[i].minor);
        free(git);
    }
    char *git;
    int ma, mi;
    assert_int_equal(k8s_poller_parse_version("<html>", 6, &git, &ma, &mi), -1);
    assert_int_equal(k8s_poller_parse_version("{}", 2, &git, &ma, &mi), -1);
    assert_null(git);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_version),
        cmocka_unit_test_teardown(test_source_snapshot, cleanup),
        cmocka_unit_test_teardown(test_target_snapshot, cleanup),
        cmocka_unit_test_teardown(test_insecure_shown, cleanup),
        cmocka_unit_test_teardown(test_wrong_ca_reported, cleanup),
        cmocka_unit_test_teardown(test_down_keeps_last_good_lists, cleanup),
        cmocka_unit_test_teardown(test_rejected_token_is_a_cluster_error, cleanup),
        cmocka_unit_test_teardown(test_change_published_and_rows_shared, cleanup),
        cmocka_unit_test_teardown(test_refresh_relists_every_resource, cleanup),
        cmocka_unit_test_teardown(test_publish_rate_limited, cleanup),
        cmocka_unit_test_teardown(test_stop_is_prompt_with_watches_open, cleanup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
