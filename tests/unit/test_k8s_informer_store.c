/* The informer's store: namespace/name -> row, with backward-shift deletion. Checked against a
 * plain array model under many random puts and deletes, so a probing bug loses or duplicates a
 * row visibly. */

#include "cutover/k8s_informer.h"
#include "cutover/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const struct model_obj *row(const char *ns, const char *name)
{
    static const size_t offs[] = {offsetof(struct model_namespace, obj.ns),
                                  offsetof(struct model_namespace, obj.name),
                                  offsetof(struct model_namespace, phase)};
    const char *strs[] = {ns, name, "Active"};
    struct model_namespace *r = model_row_pack(MODEL_RES_NAMESPACES, sizeof *r, 3, offs, strs);
    return &r->obj;
}

static void test_put_get_replace(void **state)
{
    (void)state;
    struct k8s_informer_store *s = k8s_informer_store_new();
    k8s_informer_store_put(s, row("shop", "api"), "10");
    k8s_informer_store_put(s, row(NULL, "node-1"), "11");
    k8s_informer_store_put(s, row("", "node-2"), "12");
    assert_int_equal(k8s_informer_store_count(s), 3);
    const struct model_obj *o = k8s_informer_store_get(s, "shop", "api");
    assert_non_null(o);
    assert_string_equal(o->name, "api");
    /* Cluster-scoped: NULL and "" namespaces are the same key. */
    assert_non_null(k8s_informer_store_get(s, "", "node-1"));
    assert_non_null(k8s_informer_store_get(s, NULL, "node-2"));
    assert_null(k8s_informer_store_get(s, "other", "api"));

    /* Replacing keeps the count and drops the old row. */
    struct k8s_informer_store *t = k8s_informer_store_new();
    k8s_informer_store_put(t, row("shop", "api"), "10");
    k8s_informer_store_put(t, row(NULL, "node-1"), "11");
    k8s_informer_store_put(t, row(NULL, "node-2"), "12");
    assert_true(k8s_informer_store_equal(s, t));
    k8s_informer_store_put(t, row("shop", "api"), "13");
    assert_int_equal(k8s_informer_store_count(t), 3);
    assert_false(k8s_informer_store_equal(s, t)); /* same keys, newer resourceVersion */
    k8s_informer_store_put(s, row("shop", "api"), "13");
    assert_true(k8s_informer_store_equal(s, t));

    assert_true(k8s_informer_store_del(s, "shop", "api"));
    assert_false(k8s_informer_store_del(s, "shop", "api"));
    assert_int_equal(k8s_informer_store_count(s), 2);
    assert_false(k8s_informer_store_equal(s, t));

    size_t n;
    const struct model_obj **items = k8s_informer_store_items(s, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        model_obj_unref(items[i]);
    free(items);
    k8s_informer_store_free(s);
    k8s_informer_store_free(t);
    k8s_informer_store_free(NULL);
}

#define N 3000

static void test_random_against_model(void **state)
{
    (void)state;
    static bool present[N];
    static unsigned rv[N];
    memset(present, 0, sizeof present);
    struct k8s_informer_store *s = k8s_informer_store_new();
    unsigned seed = 12345;
    size_t count = 0;
    char name[32], rvs[16];
    for (int step = 0; step < 60000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 8) % N;
        snprintf(name, sizeof name, "pod-%u", k);
        if ((seed >> 4) % 3 != 0) {
            rv[k] = (unsigned)step;
            snprintf(rvs, sizeof rvs, "%u", rv[k]);
            k8s_informer_store_put(s, row(k % 7 ? "ns" : NULL, name), rvs);
            if (!present[k])
                count++;
            present[k] = true;
        } else {
            bool had = k8s_informer_store_del(s, k % 7 ? "ns" : NULL, name);
            assert_int_equal(had, present[k]);
            if (present[k])
                count--;
            present[k] = false;
        }
        assert_int_equal(k8s_informer_store_count(s), count);
    }
    /* Every present key is found, every absent one is not; a rebuilt store equals it. */
    struct k8s_informer_store *t = k8s_informer_store_new();
    for (unsigned k = 0; k < N; k++) {
        snprintf(name, sizeof name, "pod-%u", k);
        const struct model_obj *o = k8s_informer_store_get(s, k % 7 ? "ns" : NULL, name);
        assert_int_equal(o != NULL, present[k]);
        if (present[k]) {
            snprintf(rvs, sizeof rvs, "%u", rv[k]);
            k8s_informer_store_put(t, row(k % 7 ? "ns" : NULL, name), rvs);
        }
    }
    assert_true(k8s_informer_store_equal(s, t));
    assert_true(k8s_informer_store_equal(t, s));
    /* The rows a publish sees (the store's dense array, holes filled by moves): each present
     * key exactly once, the very row the table holds. */
    static bool seen[N];
    memset(seen, 0, sizeof seen);
    size_t n;
    const struct model_obj **items = k8s_informer_store_items(s, &n);
    assert_int_equal(n, count);
    for (size_t i = 0; i < n; i++) {
        unsigned k;
        assert_int_equal(sscanf(items[i]->name, "pod-%u", &k), 1);
        assert_true(k < N && present[k] && !seen[k]);
        seen[k] = true;
        assert_ptr_equal(items[i], k8s_informer_store_get(s, items[i]->ns, items[i]->name));
        model_obj_unref(items[i]);
    }
    free(items);
    k8s_informer_store_free(s);
    k8s_informer_store_free(t);
}

static void test_paths(void **state)
{
    (void)state;
    assert_string_equal(k8s_informer_path(MODEL_RES_PODS), "/api/v1/pods");
    assert_string_equal(k8s_informer_path(MODEL_RES_DEPLOYMENTS), "/apis/apps/v1/deployments");
    assert_string_equal(k8s_informer_path(MODEL_RES_LEASES), "/apis/coordination.k8s.io/v1/leases");
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        assert_non_null(k8s_informer_path((enum model_res)r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_replace),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
