/* The model: packed rows, shared snapshots, and the publisher hand-off between threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/model.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct model_node *node_new(const char *name, const char *zone)
{
    const size_t offs[] = {offsetof(struct model_node, obj.name), offsetof(struct model_node, zone),
                           offsetof(struct model_node, region)};
    const char *strs[] = {name, zone, NULL};
    struct model_node *n = model_row_pack(MODEL_RES_NODES, sizeof *n, 3, offs, strs);
    n->ready = MODEL_TRUE;
    return n;
}

static void test_row_pack_is_one_block_with_unknowns(void **state)
{
    (void)state;
    struct model_node *n = node_new("ip-10-0-1-5", "us-east-1a");
    assert_string_equal(n->obj.name, "ip-10-0-1-5");
    assert_string_equal(n->zone, "us-east-1a");
    assert_null(n->region); /* not given: unknown, not "" */
    assert_null(n->obj.ns);
    assert_int_equal(n->obj.res, MODEL_RES_NODES);
    assert_int_equal(n->role, MODEL_ROLE_UNKNOWN);
    /* The strings live inside the row's own allocation. */
    assert_true(n->zone > (char *)n && n->zone < (char *)n + sizeof *n + 64);
    model_obj_unref(&n->obj);
}

static void test_clone_shares_rows(void **state)
{
    (void)state;
    struct model_cluster *c = model_cluster_new("onprem-prod");
    assert_int_equal(c->ver_major, -1);
    assert_true(c->api_latency_ms < 0);
    const struct model_obj **items = malloc(2 * sizeof *items);
    items[0] = &node_new("a", "us-east-1a")->obj;
    items[1] = &node_new("b", "us-east-1b")->obj;
    model_cluster_take_list(c, MODEL_RES_NODES, items, 2);
    model_set_str(&c->version, "v1.24.17");

    struct model_cluster *d = model_cluster_clone(c);
    assert_ptr_equal(d->lists[MODEL_RES_NODES].items[0], c->lists[MODEL_RES_NODES].items[0]);
    assert_int_equal(atomic_load(&c->lists[MODEL_RES_NODES].items[0]->refs), 2);
    model_cluster_unref(c);
    /* The clone keeps the shared rows alive on its own. */
    assert_string_equal(((const struct model_node *)d->lists[MODEL_RES_NODES].items[1])->zone,
                        "us-east-1b");
    assert_string_equal(d->version, "v1.24.17");
    model_cluster_unref(d);
}

static unsigned refs_of(const struct model_obj *o)
{
    return atomic_load(&o->refs);
}

static const struct model_obj **one(const struct model_obj *o)
{
    const struct model_obj **items = malloc(sizeof *items);
    items[0] = o;
    return items;
}

/* A row the source drops stays readable while any list published before the drop lives, and
 * is released once they are all gone; a list published after the drop never holds it. Graves
 * chain: the oldest list keeps rows dropped after later publishes too. */
static void test_epoch_keeps_dropped_rows_for_earlier_lists(void **state)
{
    (void)state;
    struct model_epoch *e = model_epoch_new();
    const struct model_obj *a = &node_new("a", "us-east-1a")->obj; /* the source's reference */
    const struct model_obj *b = &node_new("b", "us-east-1b")->obj;
    model_obj_ref(a); /* the test's own, to watch the count */
    model_obj_ref(b);

    struct model_rows *r1 = model_epoch_publish(e, one(a), 1);
    assert_int_equal(model_rows_count(r1), 1);
    assert_int_equal(refs_of(a), 2); /* publishing took no reference per row */

    model_epoch_retire(e, a); /* the source replaced a */
    struct model_rows *r2 = model_epoch_publish(e, one(b), 1);
    model_epoch_retire(e, b); /* and then dropped b */
    struct model_rows *r3 = model_epoch_publish(e, NULL, 0);

    assert_int_equal(refs_of(a), 2); /* r1 can still see a */
    assert_int_equal(refs_of(b), 2); /* r2 and r1 can still see b */
    model_rows_unref(r2);
    assert_int_equal(refs_of(b), 2); /* r1, published earlier, holds the later grave too */
    model_rows_unref(r3);
    assert_int_equal(refs_of(b), 2);
    model_rows_unref(r1);
    assert_int_equal(refs_of(a), 1); /* every earlier list is gone: released */
    assert_int_equal(refs_of(b), 1);
    model_epoch_free(e);
    model_obj_unref(a);
    model_obj_unref(b);
}

static int deferred_runs;
static void deferred(void *arg)
{
    (void)arg;
    deferred_runs++;
}

/* A whole store handed to the epoch is freed only after the lists that may point into it, and
 * at once when none is left; the epoch may go first. */
static void test_epoch_defer_and_snapshot_lists(void **state)
{
    (void)state;
    deferred_runs = 0;
    struct model_epoch *e = model_epoch_new();
    const struct model_obj *a = &node_new("a", "us-east-1a")->obj;
    struct model_rows *r = model_epoch_publish(e, one(a), 1);

    struct model_cluster *c = model_cluster_new("eks-prod");
    model_cluster_set_rows(c, MODEL_RES_NODES, model_rows_ref(r));
    assert_int_equal(c->lists[MODEL_RES_NODES].n, 1);
    struct model_cluster *d = model_cluster_clone(c);
    /* the clone shares the array itself: no reference per row */
    assert_ptr_equal(d->lists[MODEL_RES_NODES].items, c->lists[MODEL_RES_NODES].items);
    assert_int_equal(refs_of(a), 1);

    model_epoch_defer(e, deferred, NULL);
    model_epoch_retire(e, a);
    model_epoch_free(e); /* the source is gone */
    model_rows_unref(r);
    model_cluster_unref(c);
    assert_int_equal(deferred_runs, 0);
    assert_string_equal(((const struct model_node *)d->lists[MODEL_RES_NODES].items[0])->zone,
                        "us-east-1a");
    model_cluster_unref(d);
    assert_int_equal(deferred_runs, 1);

    /* nothing published since: a deferred call runs when the epoch goes */
    e = model_epoch_new();
    model_epoch_defer(e, deferred, NULL);
    model_epoch_free(e);
    assert_int_equal(deferred_runs, 2);
}

static void test_res_names(void **state)
{
    (void)state;
    assert_string_equal(model_res_name(MODEL_RES_STATEFULSETS), "statefulsets");
    assert_string_equal(model_res_kind(MODEL_RES_DAEMONSETS), "DaemonSet");
    assert_int_equal(model_res_from_name("Pod"), MODEL_RES_PODS);
    assert_int_equal(model_res_from_name("configmaps"), MODEL_RES_CONFIGMAPS);
    assert_int_equal(model_res_from_name("widgets"), -1);
}

struct pub_arg {
    struct model_publisher *pub;
    int rounds;
};

static void *publisher_thread(void *p)
{
    struct pub_arg *a = p;
    for (int i = 0; i < a->rounds; i++) {
        struct model_cluster *c = model_cluster_new("eks-prod");
        c->ver_minor = i;
        model_publisher_swap(a->pub, c);
    }
    return NULL;
}

static void test_publisher_hands_off_between_threads(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    struct model_publisher *pub = model_publisher_new(fds[1]);
    assert_null(model_publisher_get(pub));
    struct pub_arg a = {pub, 2000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, publisher_thread, &a), 0);
    int last = -1;
    uint64_t last_gen = 0;
    for (;;) {
        struct model_cluster *c = model_publisher_get(pub);
        if (c) {
            /* Snapshots only move forward. */
            assert_true(c->ver_minor >= last);
            assert_true(c->generation >= last_gen);
            last = c->ver_minor;
            last_gen = c->generation;
            model_cluster_unref(c);
        }
        if (last == a.rounds - 1)
            break;
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1); /* the UI was woken */
    model_publisher_free(pub);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_pack_is_one_block_with_unknowns),
        cmocka_unit_test(test_clone_shares_rows),
        cmocka_unit_test(test_epoch_keeps_dropped_rows_for_earlier_lists),
        cmocka_unit_test(test_epoch_defer_and_snapshot_lists),
        cmocka_unit_test(test_res_names),
        cmocka_unit_test(test_publisher_hands_off_between_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
