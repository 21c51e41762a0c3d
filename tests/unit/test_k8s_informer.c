/* Informers against the in-process simulator with injected faults: after each one the
 * informer's store must equal a fresh LIST of the server (keys and resourceVersions), a failed
 * list must leave the last good store in place, and errors must name the cluster and URL. */

#include "../lib/informer_sim.h"

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
    struct kube_context ctx; /* onprem-prod */
    struct k8s_http *http;   /* the informer's client */
    struct k8s_http *check;  /* a separate client for fresh lists */
    struct k8s_informer *inf;
    int seq; /* names of configmaps created */
};

static int group_setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->sim = informer_sim_start();
    informer_sim_context(f->sim, 0, &f->ctx);
    f->check = informer_http(&f->ctx, false);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;
    k8s_http_free(f->check);
    kube_context_fini(&f->ctx);
    sim_stop(f->sim);
    free(f);
    return 0;
}

static int stop_informer(void **state)
{
    struct fx *f = *state;
    sim_faults_clear(f->sim);
    k8s_informer_free(f->inf);
    f->inf = NULL;
    k8s_http_free(f->http);
    f->http = NULL;
    return 0;
}

static bool is_synced(void *arg)
{
    struct model_freshness fr;
    k8s_informer_freshness(arg, &fr);
    free(fr.last_error);
    return fr.synced;
}

/* Starts an informer for res with small pages and waits for its first list. */
static void start(struct fx *f, enum model_res res, int page_size)
{
    f->http = informer_http(&f->ctx, false);
    struct k8s_informer_opts o = {.page_size = page_size, .watch_timeout_s = 60};
    f->inf = k8s_informer_new(f->http, res, &o, NULL, NULL);
    k8s_informer_start(f->inf);
    assert_true(informer_wait_until(is_synced, f->inf, WAIT_MS));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
}

static size_t store_count(struct k8s_informer *inf)
{
    size_t n;
    const struct model_obj **items = k8s_informer_items(inf, &n);
    for (size_t i = 0; i < n; i++)
        model_obj_unref(items[i]);
    free(items);
    return n;
}

/* Creates a configmap in shop through the API (a change the open watch must deliver). */
static void create_cm(struct fx *f, char *name, size_t len)
{
    snprintf(name, len, "inf-cm-%d", f->seq++);
    char *body = xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                           "\"%s\",\"namespace\":\"shop\"},\"data\":{\"k\":\"v\"}}",
                           name);
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    if (informer_request(f->check, "POST", "/api/v1/namespaces/shop/configmaps", body, &resp,
                         &err) < 0)
        fail_msg("create configmap: %s", err.msg);
    free(body);
}

static void delete_cm(struct fx *f, const char *name)
{
    char *path = xasprintf("/api/v1/namespaces/shop/configmaps/%s", name);
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    if (informer_request(f->check, "DELETE", path, NULL, &resp, &err) < 0)
        fail_msg("delete configmap: %s", err.msg);
    free(path);
}

static void add_fault(struct fx *f, const char *fault_json_fields)
{
    char *j = xasprintf("{\"cluster\":\"onprem-prod\",%s}", fault_json_fields);
    int id = sim_fault_add(f->sim, j);
    free(j);
    assert_true(id >= 0);
}

struct stat_wait {
    struct k8s_informer *inf;
    size_t offset; /* of an unsigned in struct k8s_informer_stats */
    unsigned at_least;
};

static bool stat_reached(void *arg)
{
    struct stat_wait *w = arg;
    struct k8s_informer_stats st;
    k8s_informer_get_stats(w->inf, &st);
    unsigned v;
    memcpy(&v, (char *)&st + w->offset, sizeof v);
    return v >= w->at_least;
}

static bool wait_stat(struct k8s_informer *inf, size_t offset, unsigned at_least)
{
    struct stat_wait w = {inf, offset, at_least};
    return informer_wait_until(stat_reached, &w, WAIT_MS);
}

#define WAIT_STAT(inf, field, n) wait_stat(inf, offsetof(struct k8s_informer_stats, field), n)

static bool has_row(struct k8s_informer *inf, const char *ns, const char *name)
{
    size_t n;
    bool found = false;
    const struct model_obj **items = k8s_informer_items(inf, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i]->name, name) == 0 && items[i]->ns && strcmp(items[i]->ns, ns) == 0)
            found = true;
        model_obj_unref(items[i]);
    }
    free(items);
    return found;
}

struct row_wait {
    struct k8s_informer *inf;
    const char *name;
    bool want;
};

static bool row_is(void *arg)
{
    struct row_wait *w = arg;
    return has_row(w->inf, "shop", w->name) == w->want;
}

static void test_list_then_watch_follows_changes(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_CONFIGMAPS, 2);
    struct k8s_informer_stats st;
    k8s_informer_get_stats(f->inf, &st);
    assert_int_equal(st.lists_ok, 1);
    char name[64];
    create_cm(f, name, sizeof name);
    struct row_wait rw = {f->inf, name, true};
    assert_true(informer_wait_until(row_is, &rw, WAIT_MS));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    delete_cm(f, name);
    rw.want = false;
    assert_true(informer_wait_until(row_is, &rw, WAIT_MS));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    k8s_informer_get_stats(f->inf, &st);
    assert_int_equal(st.lists_ok, 1); /* followed by the watch, not by relisting */
    assert_true(st.watch_events >= 2);
    /* allowWatchBookmarks was asked for: the simulator sends one every 500 ms. */
    assert_true(WAIT_STAT(f->inf, bookmarks, 1));
}

static void test_pods_paged_list_equals_server(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_PODS, 3);
    assert_true(store_count(f->inf) > 3); /* several pages */
    struct k8s_informer_stats st;
    k8s_informer_get_stats(f->inf, &st);
    assert_int_equal(st.decode_errors, 0);
}

static void test_watch410_relists(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_CONFIGMAPS, 2);
    add_fault(f, "\"fault\":\"watch410\",\"count\":1");
    /* Relist so the next watch is one the fault applies to, then change the server. */
    k8s_informer_refresh(f->inf);
    assert_true(WAIT_STAT(f->inf, relists_410, 1));
    char name[64];
    create_cm(f, name, sizeof name);
    struct row_wait rw = {f->inf, name, true};
    assert_true(informer_wait_until(row_is, &rw, WAIT_MS));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    struct k8s_informer_stats st;
    k8s_informer_get_stats(f->inf, &st);
    assert_true(st.lists_ok >= 3); /* first, refresh, after the 410 */
}

static void test_429_retry_after(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_CONFIGMAPS, 2);
    add_fault(f, "\"fault\":\"429\",\"retry_after\":1,\"path\":\"/api/v1/configmaps\",\"count\":1");
    k8s_informer_refresh(f->inf);
    assert_true(WAIT_STAT(f->inf, lists_ok, 2));
    struct k8s_http_stats hs;
    k8s_http_get_stats(f->http, &hs);
    assert_int_equal(hs.retry_after_waits, 1);
    assert_true(hs.last_retry_after_s == 1.0);
    assert_true(hs.last_retry_waited_ms >= 1000.0);
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    struct model_freshness fr;
    k8s_informer_freshness(f->inf, &fr);
    assert_null(fr.last_error); /* a honoured 429 is not a failure */
    free(fr.last_error);
}

/* A fault that breaks every list until cleared: the last good store stays, the error names the
 * cluster and URL, and once the fault is gone the store catches up with the server. */
static void check_failing_list_keeps_store(struct fx *f, int page_size, const char *fault,
                                           const char *expect)
{
    start(f, MODEL_RES_CONFIGMAPS, page_size);
    size_t before = store_count(f->inf);
    assert_true(before > 2);
    add_fault(f, fault);
    k8s_informer_refresh(f->inf);
    assert_true(WAIT_STAT(f->inf, list_failures, 2));
    /* Changed while the informer cannot list (and has no watch open): only a good relist after
     * the fault can bring it. */
    char name[64];
    create_cm(f, name, sizeof name);
    struct model_freshness fr;
    k8s_informer_freshness(f->inf, &fr);
    assert_non_null(fr.last_error);
    assert_true(fr.synced);
    char want[300];
    snprintf(want, sizeof want, "onprem-prod: GET %s/api/v1/configmaps", f->ctx.server);
    if (strstr(fr.last_error, want) == NULL || strstr(fr.last_error, expect) == NULL)
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", fr.last_error, want, expect);
    free(fr.last_error);
    /* The store is the last good one: neither emptied nor half-filled by the broken lists. */
    assert_int_equal(store_count(f->inf), before);
    assert_false(has_row(f->inf, "shop", name));
    struct k8s_informer_stats st;
    k8s_informer_get_stats(f->inf, &st);
    sim_faults_clear(f->sim);
    assert_true(WAIT_STAT(f->inf, lists_ok, st.lists_ok + 1));
    assert_true(has_row(f->inf, "shop", name));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    k8s_informer_freshness(f->inf, &fr);
    assert_null(fr.last_error);
    free(fr.last_error);
}

static void test_drop_mid_list(void **state)
{
    check_failing_list_keeps_store(*state, 2, "\"fault\":\"drop\",\"path\":\"/api/v1/configmaps\"",
                                   "body cut");
}

static void test_truncated_list(void **state)
{
    /* One item per page: the cut lands inside the only item, so the body ends early. */
    check_failing_list_keeps_store(
        *state, 1, "\"fault\":\"truncate\",\"path\":\"/api/v1/configmaps\"", "truncated");
}

static void test_error_500(void **state)
{
    check_failing_list_keeps_store(
        *state, 2, "\"fault\":\"error\",\"status\":500,\"path\":\"/api/v1/configmaps\"",
        "HTTP 500");
}

static bool transport_failed(void *arg)
{
    return k8s_informer_transport_error(arg);
}

static void test_down_then_up(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_CONFIGMAPS, 2);
    size_t before = store_count(f->inf);
    add_fault(f, "\"fault\":\"down\"");
    k8s_informer_refresh(f->inf);
    assert_true(informer_wait_until(transport_failed, f->inf, WAIT_MS));
    assert_int_equal(store_count(f->inf), before);
    sim_faults_clear(f->sim);
    char name[64];
    create_cm(f, name, sizeof name);
    struct row_wait rw = {f->inf, name, true};
    assert_true(informer_wait_until(row_is, &rw, WAIT_MS + 30000));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    assert_false(k8s_informer_transport_error(f->inf));
}

static void test_list410_restarts_list(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_CONFIGMAPS, 2);
    add_fault(f, "\"fault\":\"list410\",\"count\":1");
    char name[64];
    create_cm(f, name, sizeof name);
    k8s_informer_refresh(f->inf);
    assert_true(WAIT_STAT(f->inf, list_restarts_410, 1));
    assert_true(informer_wait_equal(f->inf, f->check, WAIT_MS));
    assert_true(has_row(f->inf, "shop", name));
    struct model_freshness fr;
    k8s_informer_freshness(f->inf, &fr);
    assert_null(fr.last_error); /* an expired continue token is handled, not reported */
    free(fr.last_error);
}

static void test_secrets_metadata_only(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_SECRETS, 50);
    size_t n;
    const struct model_obj **items = k8s_informer_items(f->inf, &n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const struct model_secret_meta *s = (const struct model_secret_meta *)items[i];
        assert_int_equal(s->obj.res, MODEL_RES_SECRETS);
        /* PartialObjectMetadata carries no type (and no data): a full Secret would. */
        assert_null(s->type);
        model_obj_unref(items[i]);
    }
    free(items);
}

/* Names of a published list, one string ("shop/a shop/b ..."), for comparing later. */
static char *names_of(const struct model_cluster *c, enum model_res res)
{
    const struct model_list *l = &c->lists[res];
    size_t len = 1;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->items[i]->ns ? l->items[i]->ns : "") + strlen(l->items[i]->name) + 2;
    char *s = xcalloc(1, len), *p = s;
    for (size_t i = 0; i < l->n; i++)
        p += sprintf(p, "%s/%s ", l->items[i]->ns ? l->items[i]->ns : "", l->items[i]->name);
    return s;
}

/* What a poller publishes: an unchanged store is the same list again (no new array, no
 * reference per row); a change gives a new list; and a list published earlier stays whole and
 * readable through watch changes, a relist that replaces the store, and the informer's end
 * (ASan checks the reads). */
static void test_published_rows_outlive_changes(void **state)
{
    struct fx *f = *state;
    start(f, MODEL_RES_CONFIGMAPS, 2);
    struct model_cluster *c1 = model_cluster_new("onprem-prod");
    model_cluster_set_rows(c1, MODEL_RES_CONFIGMAPS, k8s_informer_rows(f->inf));
    struct model_rows *again = k8s_informer_rows(f->inf);
    assert_ptr_equal(again, c1->lists[MODEL_RES_CONFIGMAPS].rows);
    model_rows_unref(again);
    size_t n1 = c1->lists[MODEL_RES_CONFIGMAPS].n;
    assert_true(n1 > 0);
    char *before = names_of(c1, MODEL_RES_CONFIGMAPS);

    char name[64];
    create_cm(f, name, sizeof name);
    struct row_wait rw = {f->inf, name, true};
    assert_true(informer_wait_until(row_is, &rw, WAIT_MS));
    struct model_cluster *c2 = model_cluster_new("onprem-prod");
    model_cluster_set_rows(c2, MODEL_RES_CONFIGMAPS, k8s_informer_rows(f->inf));
    assert_ptr_not_equal(c2->lists[MODEL_RES_CONFIGMAPS].rows,
                         c1->lists[MODEL_RES_CONFIGMAPS].rows);
    assert_int_equal(c2->lists[MODEL_RES_CONFIGMAPS].n, n1 + 1);

    /* the row goes, the whole store is replaced by a relist, then the informer goes */
    delete_cm(f, name);
    rw.want = false;
    assert_true(informer_wait_until(row_is, &rw, WAIT_MS));
    k8s_informer_refresh(f->inf);
    assert_true(WAIT_STAT(f->inf, lists_ok, 2));
    char *mid = names_of(c1, MODEL_RES_CONFIGMAPS);
    assert_string_equal(mid, before);
    free(mid);
    k8s_informer_free(f->inf);
    f->inf = NULL;
    char *after = names_of(c1, MODEL_RES_CONFIGMAPS);
    assert_string_equal(after, before);
    char *after2 = names_of(c2, MODEL_RES_CONFIGMAPS);
    assert_non_null(strstr(after2, name));
    model_cluster_unref(c1);
    model_cluster_unref(c2);
    free(before);
    free(after);
    free(after2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_list_then_watch_follows_changes, stop_informer),
        cmocka_unit_test_teardown(test_pods_paged_list_equals_server, stop_informer),
        cmocka_unit_test_teardown(test_watch410_relists, stop_informer),
        cmocka_unit_test_teardown(test_429_retry_after, stop_informer),
        cmocka_unit_test_teardown(test_drop_mid_list, stop_informer),
        cmocka_unit_test_teardown(test_truncated_list, stop_informer),
        cmocka_unit_test_teardown(test_error_500, stop_informer),
        cmocka_unit_test_teardown(test_down_then_up, stop_informer),
        cmocka_unit_test_teardown(test_list410_restarts_list, stop_informer),
        cmocka_unit_test_teardown(test_secrets_metadata_only, stop_informer),
        cmocka_unit_test_teardown(test_published_rows_outlive_changes, stop_informer),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
