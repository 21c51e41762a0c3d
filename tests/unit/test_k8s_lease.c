/* The runbook Lease against the simulator's target cluster (must-show 3): a second driver is
 * refused naming the holder; after the first dies and its Lease expires, a takeover needs
 * confirmation and then works; the first, back, finds it lost; two drivers racing for an expired
 * Lease never both win (409 -> re-read, never overwrite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/k8s_lease.h"
#include "cutover/xalloc.h"

#include "../lib/informer_sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fx {
    struct sim *sim;
    struct kube_context ctx; /* eks-prod: the target holds the Lease */
    struct k8s_http *http;
    struct k8s_http_conn *conn;
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->sim = informer_sim_start();
    informer_sim_context(f->sim, 1, &f->ctx);
    f->http = informer_http(&f->ctx, false);
    f->conn = k8s_http_conn_new(f->http, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    k8s_http_conn_free(f->conn);
    k8s_http_free(f->http);
    kube_context_fini(&f->ctx);
    sim_stop(f->sim);
    free(f);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_two_drivers_then_takeover(void **state)
{
    struct fx *f = *state;
    struct k8s_lease_opts a = {.name = "cutover-shop-api-to-eks",
                               .identity = "alice@laptop",
                               .session = "s-alice",
                               .duration_s = 1};
    struct k8s_lease_opts b = a;
    b.identity = "bob@desk";
    b.session = "s-bob";
    struct k8s_lease_info la, lb, r;
    struct error err;

    /* Nobody holds it yet: the first driver creates and holds it. */
    error_clear(&err);
    assert_int_equal(k8s_lease_read(f->conn, &a, &r, &err), -ENOENT);
    assert_int_equal(k8s_lease_acquire(f->conn, &a, false, &la, &err), 0);
    assert_string_equal(la.holder, "alice@laptop");
    assert_true(la.acquired > 0 && la.renewed > 0);
    assert_int_equal(la.duration_s, 1);
    assert_int_equal(k8s_lease_read(f->conn, &a, &r, &err), 0);
    assert_string_equal(r.holder, "alice@laptop");
    assert_string_equal(r.session, "s-alice");
    assert_true(k8s_lease_is_ours(&r, &a));
    assert_false(k8s_lease_is_ours(&r, &b));

    /* The second driver is refused, told who holds it and since when. */
    error_clear(&err);
    assert_int_equal(k8s_lease_acquire(f->conn, &b, false, &lb, &err), -EBUSY);
    assert_string_equal(lb.holder, "alice@laptop");
    assert_non_null(strstr(err.msg, "driven elsewhere"));
    assert_non_null(strstr(err.msg, "held by alice@laptop since 20"));
    /* Even when it says it would confirm a takeover: the Lease is live. */
    assert_int_equal(k8s_lease_acquire(f->conn, &b, true, &lb, &err), -EBUSY);

    /* The holder renews; the same person in another terminal is another driver. */
    assert_int_equal(k8s_lease_renew(f->conn, &a, &la, &err), 0);
    struct k8s_lease_opts a2 = a;
    a2.session = "s-alice-2";
    assert_int_equal(k8s_lease_acquire(f->conn, &a2, false, &lb, &err), -EBUSY);

    /* The first driver dies (stops renewing); after the Lease expires a takeover is offered but
     * not made without confirmation. */
    sleep_ms(2600);
    error_clear(&err);
    assert_int_equal(k8s_lease_acquire(f->conn, &b, false, &lb, &err), -ESTALE);
    assert_non_null(strstr(err.msg, "was held by alice@laptop"));
    assert_non_null(strstr(err.msg, "expired"));
    assert_int_equal(k8s_lease_read(f->conn, &a, &r, &err), 0);
    assert_string_equal(r.holder, "alice@laptop");

    /* Confirmed: the takeover works and counts a transition. */
    assert_int_equal(k8s_lease_acquire(f->conn, &b, true, &lb, &err), 0);
    assert_string_equal(lb.holder, "bob@desk");
    assert_int_equal(lb.transitions, la.transitions + 1);
    assert_int_equal(k8s_lease_read(f->conn, &a, &r, &err), 0);
    assert_string_equal(r.holder, "bob@desk");

    /* The first driver comes back: renewing fails and names the new holder. */
    error_clear(&err);
    assert_int_equal(k8s_lease_renew(f->conn, &a, &la, &err), -EBUSY);
    assert_non_null(strstr(err.msg, "no longer ours"));
    assert_non_null(strstr(err.msg, "bob@desk"));
    assert_int_equal(k8s_lease_release(f->conn, &a, &la, &err), -EBUSY);

    /* Released, it is free: anyone acquires it without a confirmation. */
    assert_int_equal(k8s_lease_release(f->conn, &b, &lb, &err), 0);
    assert_int_equal(k8s_lease_read(f->conn, &a, &r, &err), 0);
    assert_string_equal(r.holder, "");
    assert_int_equal(k8s_lease_acquire(f->conn, &a, false, &la, &err), 0);
    assert_string_equal(la.holder, "alice@laptop");
}

struct racer {
    struct k8s_http *http;
    struct k8s_lease_opts o;
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct k8s_http_conn *c = k8s_http_conn_new(r->http, NULL, NULL);
    struct k8s_lease_info l;
    struct error err;
    error_clear(&err);
    r->rc = k8s_lease_acquire(c, &r->o, true, &l, &err);
    k8s_http_conn_free(c);
    return NULL;
}

static void test_racing_takeovers(void **state)
{
    struct fx *f = *state;
    for (int round = 0; round < 4; round++) {
        char name[64];
        snprintf(name, sizeof name, "race-%d", round);
        struct k8s_lease_opts dead = {
            .name = name, .identity = "gone@host", .session = "s0", .duration_s = 1};
        struct k8s_lease_info l;
        struct error err;
        assert_int_equal(k8s_lease_acquire(f->conn, &dead, false, &l, &err), 0);
        sleep_ms(2200);
        struct racer r[2] = {
            {.http = f->http,
             .o = {.name = name, .identity = "x@a", .session = "sx", .duration_s = 30}},
            {.http = f->http,
             .o = {.name = name, .identity = "y@b", .session = "sy", .duration_s = 30}},
        };
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        /* Exactly one wins; the other sees a live Lease held by the winner. */
        int wins = (r[0].rc == 0) + (r[1].rc == 0);
        assert_int_equal(wins, 1);
        assert_int_equal(r[0].rc == 0 ? r[1].rc : r[0].rc, -EBUSY);
        assert_int_equal(k8s_lease_read(f->conn, &dead, &l, &err), 0);
        assert_string_equal(l.holder, r[0].rc == 0 ? "x@a" : "y@b");
    }
}

static void test_describe(void **state)
{
    (void)state;
    struct k8s_lease_info l;
    memset(&l, 0, sizeof l);
    char buf[300];
    assert_string_equal(k8s_lease_describe(&l, 1000, buf, sizeof buf), "is free");
    l.exists = true;
    snprintf(l.holder, sizeof l.holder, "eve\x1b[2J@host");
    l.acquired = 1790000000;
    l.renewed = 1790000100;
    l.duration_s = 30;
    k8s_lease_describe(&l, 1790000110, buf, sizeof buf);
    assert_string_equal(buf, "is held by eve\\x1b[2J@host since 2026-09-21 14:13:20 UTC, renewed "
                             "10s ago, expires in 20s");
    assert_false(k8s_lease_expired(&l, 1790000110));
    assert_true(k8s_lease_expired(&l, 1790000131));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_drivers_then_takeover),
        cmocka_unit_test(test_racing_takeovers),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
