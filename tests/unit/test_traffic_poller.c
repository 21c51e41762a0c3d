/* The traffic poller against the simulator's AWS endpoint (demo Route53 records
 * api.shop.example.com. onprem 100 / eks 0): snapshots with weights, plan step and wake-ups, a
 * target that cannot be used shown with its error, staleness while the endpoint is down and
 * recovery after, exclusive use of a provider by a change (busy shown, no poll meanwhile, the
 * result read at once), observer mode passed down to the providers, and the observed split from
 * a real Prometheus. */

#include "../lib/aws_sim_test.h"
#include "../lib/haproxy_test.h"

#include "cutover/aws_http.h"
#include "cutover/sim.h"
#include "cutover/traffic_poller.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define RECORD "api.shop.example.com."
#define WAIT_MS 15000

struct fx {
    struct sim *sim;
    char *url;
    char *zone;
    struct traffic_poller *p;
    int pipe[2];
    struct prom_test prom; /* pid 0: not started */
};

/* --- the simulator's AWS side and the aws CLI -------------------------------------------- */

/* --- fixture ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->url = aws_sim_test_demo(&f->sim);
    f->zone = aws_sim_test_zone_id(f->url, "example.com.");
    assert_int_equal(pipe(f->pipe), 0);
    fcntl(f->pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(f->pipe[1], F_SETFL, O_NONBLOCK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    traffic_poller_stop(f->p);
    prom_test_stop(&f->prom);
    sim_stop(f->sim);
    close(f->pipe[0]);
    close(f->pipe[1]);
    free(f->url);
    free(f->zone);
    free(f);
    return 0;
}

static void r53_target(const struct fx *f, struct traffic_target_cfg *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->kind = TRAFFIC_ROUTE53;
    t->production = true;
    int plan[] = {0, 30, 70, 100};
    memcpy(t->plan, plan, sizeof plan);
    t->nplan = 4;
    t->old_id = xstrdup("onprem");
    t->new_id = xstrdup("eks");
    t->zone_id = xstrdup(f->zone);
    t->record_name = xstrdup(RECORD);
    t->record_type = xstrdup("A");
    t->aws_endpoint = xstrdup(f->url);
    t->aws_profile = xstrdup("sim");
}

/* Starts the poller on the demo record ("shop-api-dns") and a target missing its zone
 * ("broken"). */
static void start(struct fx *f, int refresh_ms, bool read_only)
{
    struct traffic_target_cfg t[2];
    r53_target(f, &t[0], "shop-api-dns");
    r53_target(f, &t[1], "broken");
    free(t[1].zone_id);
    t[1].zone_id = NULL;
    struct traffic_poller_opts o = {
        .refresh_ms = refresh_ms,
        .wake_fd = f->pipe[1],
        .env = {.read_only = read_only, .timeout_ms = 2000, .insync_timeout_ms = 15000},
    };
    struct error err;
    error_clear(&err);
    if (traffic_poller_start(t, 2, &o, &f->p, &err) < 0)
        fail_msg("traffic_poller_start: %s", err.msg);
    traffic_target_cfg_fini(&t[0]);
    traffic_target_cfg_fini(&t[1]);
}

/* Waits for a snapshot whose target name satisfies pred; returns it (referenced) or fails. */
static struct traffic_snapshot *wait_for(struct fx *f, const char *name,
                                         bool (*pred)(const struct traffic_target_state *st))
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct traffic_snapshot *s = traffic_poller_get(f->p);
    for (;;) {
        const struct traffic_target_state *st = traffic_snapshot_find(s, name);
        assert_non_null(st);
        if (pred(st))
            return s;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms > WAIT_MS)
            fail_msg("%s: the awaited state never came (error %s)", name,
                     st->error ? st->error : "none");
        uint64_t gen = s->generation;
        traffic_snapshot_unref(s);
        s = traffic_poller_wait(f->p, gen, 500);
    }
}

static bool has_reading(const struct traffic_target_state *st)
{
    return st->have_reading;
}

static bool at_30(const struct traffic_target_state *st)
{
    return st->have_reading && st->percent == 30;
}

static bool stale(const struct traffic_target_state *st)
{
    return st->error != NULL;
}

static bool fresh(const struct traffic_target_state *st)
{
    return st->error == NULL && st->have_reading;
}

/* Sets the weights through a provider of its own (as another operator would). */
static void set_weights(const struct fx *f, int old_w, int new_w)
{
    struct traffic_target_cfg t;
    r53_target(f, &t, "other");
    struct traffic_provider_env env = {.timeout_ms = 5000, .insync_timeout_ms = 15000};
    struct traffic_provider *p = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_provider_new(&t, &env, &p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);
    traffic_target_cfg_fini(&t);
    struct traffic_weights to = {{old_w, new_w}};
    struct traffic_apply_result res;
    if (p->ops->apply(p, &to, &res, &err) < 0)
        fail_msg("apply: %s", err.msg);
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
}

/* Waits (at most 2 s: the byte is written just after the swap) for the wake pipe, then empties
 * it; returns the bytes read. */
static size_t drain(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 2000) <= 0)
        return 0;
    char buf[256];
    size_t n = 0;
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0)
        n += (size_t)got;
    return n;
}

/* --- tests -------------------------------------------------------------------------------- */

static void test_snapshots(void **state)
{
    struct fx *f = *state;
    /* A long interval: the second reading below comes from refresh, not from the timer. */
    start(f, 60000, false);
    struct traffic_snapshot *s = wait_for(f, "shop-api-dns", has_reading);
    assert_int_equal(s->n, 2);
    const struct traffic_target_state *st = traffic_snapshot_find(s, "shop-api-dns");
    assert_int_equal(st->reading.side[TRAFFIC_OLD].weight, 100);
    assert_int_equal(st->reading.side[TRAFFIC_NEW].weight, 0);
    assert_int_equal(st->percent, 0);
    assert_int_equal(st->step, 0);
    assert_null(st->error);
    assert_false(st->busy);
    assert_true(st->last_ok.tv_sec > 0);
    assert_non_null(st->reading.detail); /* "TTL n" */
    assert_non_null(strstr(st->reading.detail, "TTL "));
    /* No Prometheus configured: no observed split. */
    assert_true(st->observed_pct < 0);
    /* The target without a zone is shown, with why, and never read. */
    const struct traffic_target_state *bad = traffic_snapshot_find(s, "broken");
    assert_false(bad->have_reading);
    assert_non_null(bad->error);
    assert_non_null(strstr(bad->error, "zone_id"));
    assert_int_equal(bad->percent, -1);
    traffic_snapshot_unref(s);
    assert_true(drain(f->pipe[0]) > 0);

    set_weights(f, 70, 30);
    traffic_poller_refresh(f->p);
    s = wait_for(f, "shop-api-dns", at_30);
    st = traffic_snapshot_find(s, "shop-api-dns");
    assert_int_equal(st->reading.side[TRAFFIC_OLD].weight, 70);
    assert_int_equal(st->step, 1);
    traffic_snapshot_unref(s);
    assert_true(drain(f->pipe[0]) > 0);
    assert_int_equal(traffic_poller_refresh_target(f->p, "nope"), -1);
}

static void test_stale_and_recovery(void **state)
{
    struct fx *f = *state;
    start(f, 100, false);
    struct traffic_snapshot *s = wait_for(f, "shop-api-dns", has_reading);
    struct timespec ok0 = traffic_snapshot_find(s, "shop-api-dns")->last_ok;
    traffic_snapshot_unref(s);

    int id = sim_fault_add(f->sim, "{\"service\":\"route53\",\"fault\":\"down\",\"count\":100000}");
    assert_true(id >= 0);
    s = wait_for(f, "shop-api-dns", stale);
    const struct traffic_target_state *st = traffic_snapshot_find(s, "shop-api-dns");
    /* The last good reading is kept, marked stale by the error and its time. */
    assert_true(st->have_reading);
    assert_int_equal(st->reading.side[TRAFFIC_OLD].weight, 100);
    assert_int_equal(st->percent, 0);
    assert_true(st->last_err.tv_sec > 0);
    assert_non_null(strstr(st->error, "shop-api-dns"));
    traffic_snapshot_unref(s);

    assert_int_equal(sim_fault_remove(f->sim, id), 0);
    s = wait_for(f, "shop-api-dns", fresh);
    st = traffic_snapshot_find(s, "shop-api-dns");
    assert_true(st->last_ok.tv_sec > ok0.tv_sec ||
                (st->last_ok.tv_sec == ok0.tv_sec && st->last_ok.tv_nsec > ok0.tv_nsec));
    traffic_snapshot_unref(s);
}

struct change {
    struct fx *f;
    int old_w, new_w;
    long lists_before, lists_after;
    bool busy_seen, text_seen;
    int apply_rc;
    bool sent;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int change_fn(struct traffic_provider *prov, void *arg)
{
    struct change *c = arg;
    struct fx *f = c->f;
    struct traffic_snapshot *s = traffic_poller_get(f->p);
    c->busy_seen = traffic_snapshot_find(s, "shop-api-dns")->busy;
    traffic_snapshot_unref(s);
    traffic_poller_set_busy_text(f->p, "shop-api-dns", "applying 70/30");
    s = traffic_poller_get(f->p);
    const char *bt = traffic_snapshot_find(s, "shop-api-dns")->busy_text;
    c->text_seen = bt != NULL && strcmp(bt, "applying 70/30") == 0;
    traffic_snapshot_unref(s);

    /* Ten refresh intervals: the poller must leave this target alone meanwhile. */
    c->lists_before = aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets");
    sleep_ms(1000);
    c->lists_after = aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets");

    struct traffic_weights to = {{c->old_w, c->new_w}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    c->apply_rc = prov->ops->apply(prov, &to, &res, &err);
    c->sent = res.sent;
    traffic_apply_result_fini(&res);
    return 7;
}

static int never_fn(struct traffic_provider *prov, void *arg)
{
    (void)prov;
    *(bool *)arg = true;
    return 0;
}

static void test_with_provider_exclusive(void **state)
{
    struct fx *f = *state;
    start(f, 100, false);
    traffic_snapshot_unref(wait_for(f, "shop-api-dns", has_reading));

    struct change c = {.f = f, .old_w = 70, .new_w = 30};
    assert_int_equal(traffic_poller_with_provider(f->p, "shop-api-dns", change_fn, &c), 7);
    assert_true(c.busy_seen);
    assert_true(c.text_seen);
    assert_int_equal(c.lists_after, c.lists_before);
    assert_int_equal(c.apply_rc, 0);
    /* Read again at once: the snapshot after the call shows the result, no longer busy. */
    struct traffic_snapshot *s = traffic_poller_get(f->p);
    const struct traffic_target_state *st = traffic_snapshot_find(s, "shop-api-dns");
    assert_false(st->busy);
    assert_null(st->busy_text);
    assert_int_equal(st->reading.side[TRAFFIC_OLD].weight, 70);
    assert_int_equal(st->reading.side[TRAFFIC_NEW].weight, 30);
    assert_int_equal(st->percent, 30);
    traffic_snapshot_unref(s);
    /* Polling goes on afterwards. */
    long n = aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets");
    sleep_ms(500);
    assert_true(aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets") > n);

    bool ran = false;
    assert_int_equal(traffic_poller_with_provider(f->p, "nope", never_fn, &ran), -1);
    assert_int_equal(traffic_poller_with_provider(f->p, "broken", never_fn, &ran), -1);
    assert_false(ran);
    /* Busy text outside a change is ignored. */
    traffic_poller_set_busy_text(f->p, "shop-api-dns", "stray");
    s = traffic_poller_get(f->p);
    assert_null(traffic_snapshot_find(s, "shop-api-dns")->busy_text);
    traffic_snapshot_unref(s);
}

static void test_read_only_mode(void **state)
{
    struct fx *f = *state;
    start(f, 100, true);
    traffic_snapshot_unref(wait_for(f, "shop-api-dns", has_reading));
    long mut = aws_sim_test_count(f->sim, "mutating", NULL);
    struct change c = {.f = f, .old_w = 0, .new_w = 100};
    assert_int_equal(traffic_poller_with_provider(f->p, "shop-api-dns", change_fn, &c), 7);
    assert_int_equal(c.apply_rc, -1);
    assert_false(c.sent);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), mut);
    struct traffic_snapshot *s = traffic_poller_get(f->p);
    assert_int_equal(traffic_snapshot_find(s, "shop-api-dns")->percent, 0);
    traffic_snapshot_unref(s);
}

/* The observed split from a real Prometheus (Debian's /usr/bin/prometheus; constant PromQL, so
 * nothing needs scraping): requests/s per side and the percent to the new side. A Prometheus
 * that does not answer leaves the split unknown without making the weights stale. */
static bool observed(const struct traffic_target_state *st)
{
    return st->have_reading && st->observed_pct >= 0;
}

static void test_observed_split(void **state)
{
    struct fx *f = *state;
    assert_int_equal(prom_test_start("127.0.0.1:9", &f->prom), 0);
    struct traffic_target_cfg t[2];
    r53_target(f, &t[0], "shop-api-dns");
    t[0].prom_url = xstrdup(f->prom.url);
    t[0].prom_query[TRAFFIC_OLD] = xstrdup("vector(30)");
    t[0].prom_query[TRAFFIC_NEW] = xstrdup("vector(10) + vector(80)");
    r53_target(f, &t[1], "no-prometheus");
    t[1].prom_url = xstrdup("http://127.0.0.1:9");
    t[1].prom_query[TRAFFIC_OLD] = xstrdup("vector(1)");
    t[1].prom_query[TRAFFIC_NEW] = xstrdup("vector(1)");
    struct traffic_poller_opts o = {
        .refresh_ms = 200, .wake_fd = -1, .env = {.timeout_ms = 2000}, .prom_timeout_ms = 2000};
    struct error err;
    error_clear(&err);
    if (traffic_poller_start(t, 2, &o, &f->p, &err) < 0)
        fail_msg("traffic_poller_start: %s", err.msg);
    traffic_target_cfg_fini(&t[0]);
    traffic_target_cfg_fini(&t[1]);

    struct traffic_snapshot *s = wait_for(f, "shop-api-dns", observed);
    const struct traffic_target_state *st = traffic_snapshot_find(s, "shop-api-dns");
    assert_true(st->reading.side[TRAFFIC_OLD].observed_rps == 30.0);
    assert_true(st->reading.side[TRAFFIC_NEW].observed_rps == 90.0);
    assert_true(st->observed_pct == 75.0);
    assert_int_equal(st->percent, 0); /* configured 100/0, observed 25/75: both shown */
    traffic_snapshot_unref(s);

    s = wait_for(f, "no-prometheus", has_reading);
    st = traffic_snapshot_find(s, "no-prometheus");
    assert_null(st->error);
    assert_true(st->observed_pct < 0);
    assert_true(st->reading.side[TRAFFIC_NEW].observed_rps < 0);
    traffic_snapshot_unref(s);
}

static void test_duplicate_names(void **state)
{
    struct fx *f = *state;
    struct traffic_target_cfg t[2];
    r53_target(f, &t[0], "same");
    r53_target(f, &t[1], "same");
    struct traffic_poller *p = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(traffic_poller_start(t, 2, NULL, &p, &err), -1);
    assert_null(p);
    assert_non_null(strstr(err.msg, "same"));
    traffic_target_cfg_fini(&t[0]);
    traffic_target_cfg_fini(&t[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_and_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_with_provider_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observed_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
