/* Traffic core: a bad plan is named by its first bad step, percents and weights round-trip for
 * every provider, the plan position is found, snapshots live as long as someone holds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/traffic.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"

static void plan_fails(const int *steps, size_t n, const char *want)
{
    struct error err;
    error_clear(&err);
    assert_int_equal(traffic_plan_validate(steps, n, &err), -1);
    assert_string_equal(err.msg, want);
}

static void test_plan_validation_messages(void **state)
{
    (void)state;
    struct error err;
    error_clear(&err);
    const int good[] = {0, 10, 25, 50, 100};
    assert_int_equal(traffic_plan_validate(good, 5, &err), 0);
    const int one[] = {100};
    assert_int_equal(traffic_plan_validate(one, 1, &err), 0);

    const int below[] = {10, 30, 20, 100};
    plan_fails(below, 4, "step 3 (20) is below step 2 (30)");
    const int repeat[] = {10, 30, 30, 100};
    plan_fails(repeat, 4, "step 3 (30) repeats step 2");
    const int range[] = {10, 130};
    plan_fails(range, 2, "step 2 (130) is outside 0..100");
    const int neg[] = {-5, 100};
    plan_fails(neg, 2, "step 1 (-5) is outside 0..100");
    const int short_end[] = {10, 50};
    plan_fails(short_end, 2, "the last step (50) must be 100");
    plan_fails(good, 0, "the plan has no steps (it must end at 100)");
    int many[TRAFFIC_MAX_STEPS + 1];
    for (int i = 0; i <= TRAFFIC_MAX_STEPS; i++)
        many[i] = i * 3;
    plan_fails(many, TRAFFIC_MAX_STEPS + 1, "the plan has 33 steps; at most 32 are allowed");
}

static void test_split_and_percent_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < TRAFFIC_KINDS; k++) {
        for (int p = 0; p <= 100; p++) {
            int o = -7, n = -7;
            traffic_split_weights((enum traffic_kind)k, p, &o, &n);
            assert_int_equal(o + n, 100);
            assert_int_equal(n, p);
            assert_true(o <= traffic_weight_max((enum traffic_kind)k));
            assert_int_equal(traffic_percent_of(o, n), p);
        }
    }
    int o, n;
    traffic_split_weights(TRAFFIC_ALB, 140, &o, &n);
    assert_int_equal(o, 0);
    assert_int_equal(n, 100);
    traffic_split_weights(TRAFFIC_ALB, -3, &o, &n);
    assert_int_equal(o, 100);
    assert_int_equal(n, 0);
}

static void test_percent_of_foreign_weights(void **state)
{
    (void)state;
    /* weights someone set by hand, not by us */
    assert_int_equal(traffic_percent_of(1, 1), 50);
    assert_int_equal(traffic_percent_of(2, 1), 33);
    assert_int_equal(traffic_percent_of(1, 2), 67);
    assert_int_equal(traffic_percent_of(255, 0), 0);
    assert_int_equal(traffic_percent_of(0, 7), 100);
    assert_int_equal(traffic_percent_of(199, 1), 1);  /* 0.5 rounds up */
    assert_int_equal(traffic_percent_of(201, 1), 0);  /* 0.497 rounds down */
    assert_int_equal(traffic_percent_of(0, 0), -1);   /* Route53 splits evenly: shown apart */
    assert_int_equal(traffic_percent_of(-1, 50), -1); /* unknown */
    assert_int_equal(traffic_percent_of(50, -1), -1);
    assert_int_equal(traffic_percent_of(1000000, 1000000), 50);
}

static void test_weight_max_and_kind_names(void **state)
{
    (void)state;
    assert_int_equal(traffic_weight_max(TRAFFIC_ROUTE53), 255);
    assert_int_equal(traffic_weight_max(TRAFFIC_ALB), 999);
    assert_int_equal(traffic_weight_max(TRAFFIC_HAPROXY), 256);
    assert_int_equal(traffic_weight_max(TRAFFIC_GATEWAY), 1000000);
    const char *names[] = {"route53", "alb", "haproxy", "gateway"};
    for (int k = 0; k < TRAFFIC_KINDS; k++) {
        assert_string_equal(traffic_kind_name((enum traffic_kind)k), names[k]);
        assert_int_equal(traffic_kind_from_name(names[k]), k);
    }
    assert_int_equal(traffic_kind_from_name("nginx"), -1);
    assert_int_equal(traffic_kind_from_name("Route53"), -1);
    assert_int_equal(traffic_kind_from_name(NULL), -1);
}

static void test_plan_index(void **state)
{
    (void)state;
    struct traffic_target_cfg t;
    memset(&t, 0, sizeof t);
    const int plan[] = {0, 5, 25, 50, 100};
    memcpy(t.plan, plan, sizeof plan);
    t.nplan = 5;
    assert_int_equal(traffic_plan_index(&t, 0), 0);
    assert_int_equal(traffic_plan_index(&t, 25), 2);
    assert_int_equal(traffic_plan_index(&t, 100), 4);
    assert_int_equal(traffic_plan_index(&t, 30), -1); /* between steps */
    assert_int_equal(traffic_plan_index(&t, -1), -1); /* unknown */
}

static void fill_cfg(struct traffic_target_cfg *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->kind = TRAFFIC_ROUTE53;
    t->production = true;
    t->plan[0] = 10;
    t->plan[1] = 100;
    t->nplan = 2;
    t->old_id = xstrdup("onprem");
    t->new_id = xstrdup("eks");
    t->zone_id = xstrdup("Z0123");
    t->record_name = xstrdup("api.example.com.");
    t->prom_query[1] = xstrdup("sum(rate(x[1m]))");
}

static void test_cfg_copy_is_deep(void **state)
{
    (void)state;
    struct traffic_target_cfg a, b;
    fill_cfg(&a, "api");
    traffic_target_cfg_copy(&b, &a);
    assert_ptr_not_equal(a.name, b.name);
    assert_string_equal(b.name, "api");
    assert_string_equal(b.record_name, "api.example.com.");
    assert_string_equal(b.prom_query[1], "sum(rate(x[1m]))");
    assert_null(b.listener_arn);
    assert_int_equal(b.nplan, 2);
    assert_int_equal(b.plan[0], 10);
    traffic_target_cfg_fini(&a);
    assert_null(a.name);
    assert_string_equal(b.zone_id, "Z0123"); /* survives the original */
    traffic_target_cfg_fini(&b);
    traffic_target_cfg_fini(&b); /* twice is fine */
}

static void test_reading_copy(void **state)
{
    (void)state;
    struct traffic_reading r;
    memset(&r, 0, sizeof r);
    r.side[0].present = true;
    r.side[0].weight = 70;
    r.side[0].health_detail = xstrdup("2/2 healthy");
    r.side[1].weight = 30;
    r.detail = xstrdup("TTL 60");
    struct traffic_reading c;
    traffic_reading_copy(&c, &r);
    traffic_reading_fini(&r);
    assert_int_equal(c.side[0].weight, 70);
    assert_int_equal(c.side[1].weight, 30);
    assert_string_equal(c.side[0].health_detail, "2/2 healthy");
    assert_null(c.side[1].health_detail);
    assert_string_equal(c.detail, "TTL 60");
    traffic_reading_fini(&c);
}

static void test_snapshot_refcounts_and_find(void **state)
{
    (void)state;
    struct traffic_snapshot *s = traffic_snapshot_new(2);
    assert_int_equal(s->n, 2);
    /* nothing known yet: unknown, never a made-up 0 */
    assert_int_equal(s->targets[0].percent, -1);
    assert_int_equal(s->targets[0].step, -1);
    assert_true(s->targets[0].observed_pct < 0);
    assert_int_equal(s->targets[1].reading.side[TRAFFIC_NEW].weight, -1);
    assert_false(s->targets[1].have_reading);
    fill_cfg(&s->targets[0].cfg, "api");
    fill_cfg(&s->targets[1].cfg, "web");
    s->targets[1].error = xstrdup("timeout");
    s->targets[1].busy_text = xstrdup("waiting for INSYNC");
    s->targets[1].reading.detail = xstrdup("TTL 60");

    const struct traffic_snapshot *held = traffic_snapshot_ref(s);
    assert_ptr_equal(held, s);
    assert_int_equal(atomic_load(&s->refs), 2);
    traffic_snapshot_unref(s); /* the publisher lets go; the reader still holds it */
    assert_int_equal(atomic_load(&held->refs), 1);
    const struct traffic_target_state *w = traffic_snapshot_find(held, "web");
    assert_non_null(w);
    assert_string_equal(w->error, "timeout");
    assert_null(traffic_snapshot_find(held, "nope"));
    assert_null(traffic_snapshot_find(NULL, "web"));
    traffic_snapshot_unref(held); /* freed here (ASan would see a leak otherwise) */
    traffic_snapshot_unref(NULL);
    assert_null(traffic_snapshot_ref(NULL));

    struct traffic_snapshot *empty = traffic_snapshot_new(0);
    assert_null(traffic_snapshot_find(empty, "api"));
    traffic_snapshot_unref(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_validation_messages),
        cmocka_unit_test(test_split_and_percent_round_trip),
        cmocka_unit_test(test_percent_of_foreign_weights),
        cmocka_unit_test(test_weight_max_and_kind_names),
        cmocka_unit_test(test_plan_index),
        cmocka_unit_test(test_cfg_copy_is_deep),
        cmocka_unit_test(test_reading_copy),
        cmocka_unit_test(test_snapshot_refcounts_and_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
