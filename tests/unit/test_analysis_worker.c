/* The analysis worker (issue #7): its result is analysis_run's on the same pair; ten publishes
 * while one analysis runs give at most two analyses and the last pair wins; it shuts down while
 * an analysis runs; a config change reaches it; and the dashboard on the worker keeps a filter
 * and a sort set while the analysis ran; the panels' rows are prepared on the worker and go
 * with the result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/analysis_worker.h"
#include "cutover/canvas_grid.h"
#include "cutover/dashboard.h"
#include "cutover/panel_workloads.h"
#include "cutover/tui.h"
#include "../lib/snapfix.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOW 1750000000

/* A pair: `apps` deployments in the source, the first `apps - missing` in the target (one of
 * them crashing), workers 1 in zone a and `workers_b` in zone b of the source. */
static struct model_cluster *make_side(int side, int apps, int missing, int workers_b, int tag)
{
    struct model_cluster *c =
        snapfix_new(side ? "eks-prod" : "onprem-prod", side ? "v1.29.6-eks" : "v1.24.17", NOW);
    c->api_latency_ms = tag; /* tells pairs apart in the tests */
    snapfix_nodes(c, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_nodes(c, "wk", "us-east-1a", MODEL_ROLE_WORKER, 1);
    snapfix_nodes(c, "wk", "us-east-1b", MODEL_ROLE_WORKER, workers_b);
    for (int i = 0; i < apps - (side ? missing : 0); i++) {
        char name[32];
        snprintf(name, sizeof name, "app-%03d", i);
        bool crash = side && i == 1;
        snapfix_app(c, MODEL_RES_DEPLOYMENTS, i % 2 ? "shop" : "data", name, 2, crash ? 0 : 2,
                    side && i == 2 ? "img:2" : "img:1", crash ? 9 : 0,
                    crash ? "CrashLoopBackOff" : NULL);
    }
    return c;
}

static int wake[2] = {-1, -1};

static void wait_wake(void)
{
    struct pollfd p = {.fd = wake[0], .events = POLLIN};
    assert_int_equal(poll(&p, 1, 20000), 1);
    char buf[64];
    while (read(wake[0], buf, sizeof buf) > 0)
        ;
}

static int setup(void **state)
{
    (void)state;
    return tui_wake_pipe(wake);
}

static int teardown(void **state)
{
    (void)state;
    close(wake[0]);
    close(wake[1]);
    return 0;
}

static bool has_finding(const struct analysis *a, const char *code)
{
    for (size_t i = 0; i < a->nfindings; i++)
        if (strcmp(a->findings[i].code, code) == 0)
            return true;
    return false;
}

static void expect_same(const struct analysis *a, const struct analysis *b)
{
    assert_int_equal(a->nworkloads, b->nworkloads);
    for (size_t i = 0; i < a->nworkloads; i++) {
        const struct workload_pair *x = &a->workloads[i], *y = &b->workloads[i];
        assert_string_equal(x->kind, y->kind);
        assert_string_equal(x->ns, y->ns);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->severity, y->severity);
        assert_int_equal(x->score, y->score);
        assert_ptr_equal(x->side[0], y->side[0]);
        assert_ptr_equal(x->side[1], y->side[1]);
        assert_int_equal(x->images_differ, y->images_differ);
    }
    assert_int_equal(a->nfindings, b->nfindings);
    for (size_t i = 0; i < a->nfindings; i++) {
        assert_string_equal(a->findings[i].code, b->findings[i].code);
        assert_string_equal(a->findings[i].message, b->findings[i].message);
    }
    for (int s = 0; s < 2; s++) {
        assert_int_equal(a->zones[s].n, b->zones[s].n);
        assert_int_equal(a->zones[s].nodes_total, b->zones[s].nodes_total);
        assert_int_equal(a->nevents_side[s], b->nevents_side[s]);
    }
}

static void test_matches_analysis_run(void **state)
{
    (void)state;
    struct model_cluster *s = make_side(0, 40, 5, 3, 1), *t = make_side(1, 40, 5, 3, 1);
    struct analysis_worker_opts o = {.wake_fd = wake[1]};
    struct analysis_worker *w = analysis_worker_new(&o);
    struct analysis_result r;
    assert_false(analysis_worker_take(w, &r));
    assert_null(r.an);
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    assert_true(analysis_worker_submit(w, s, t, &cfg));
    assert_true(analysis_worker_busy(w));
    wait_wake();
    assert_true(analysis_worker_take(w, &r));
    assert_false(analysis_worker_busy(w));
    assert_ptr_equal(r.snap[0], s);
    assert_ptr_equal(r.snap[1], t);
    assert_int_equal(r.now, NOW);
    struct analysis *want = analysis_run(s, t, &cfg);
    expect_same(r.an, want);
    assert_true(has_finding(r.an, "workload-missing") || r.an->nfindings > 0);
    assert_int_equal(r.an->nworkloads, 40);
    analysis_free(want);
    /* handed back to be freed on the worker: r is emptied, the pair stays the test's */
    analysis_worker_release(w, &r);
    assert_null(r.an);
    assert_null(r.snap[0]);
    assert_string_equal(s->context, "onprem-prod");
    analysis_result_fini(&r);
    /* the pair still analysed is not again; the same pair with another ratio is */
    assert_false(analysis_worker_submit(w, s, t, &cfg));
    cfg.now = NOW + 5;
    assert_false(analysis_worker_submit(w, s, t, &cfg)); /* a later clock alone: not again */
    analysis_worker_free(w);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

/* A config change (the zone spread ratio) reaches the worker: 1 worker in zone a and 3 in zone b
 * are uneven at ratio 2 and not at ratio 4. */
static void test_config_reaches_worker(void **state)
{
    (void)state;
    struct model_cluster *s = make_side(0, 4, 0, 3, 1), *t = make_side(1, 4, 0, 3, 1);
    struct analysis_worker_opts o = {.wake_fd = wake[1]};
    struct analysis_worker *w = analysis_worker_new(&o);
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    cfg.zone_spread_ratio = 2.0;
    assert_true(analysis_worker_submit(w, s, t, &cfg));
    wait_wake();
    struct analysis_result r;
    assert_true(analysis_worker_take(w, &r));
    assert_true(has_finding(r.an, "zone-spread-uneven"));
    analysis_result_fini(&r);
    cfg.zone_spread_ratio = 4.0;
    assert_true(analysis_worker_submit(w, s, t, &cfg));
    wait_wake();
    assert_true(analysis_worker_take(w, &r));
    assert_false(has_finding(r.an, "zone-spread-uneven"));
    analysis_result_fini(&r);
    analysis_worker_free(w);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

/* A gate the worker's first analysis waits at, so that the test publishes while it runs. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool entered, open;
    int calls;
    int sleep_ms; /* instead of waiting for open: sleep this long (shutdown test) */
    bool left;
};

static void gate_hook(void *arg)
{
    struct gate *g = arg;
    pthread_mutex_lock(&g->mu);
    bool first = g->calls++ == 0;
    g->entered = true;
    pthread_cond_broadcast(&g->cv);
    while (first && g->sleep_ms == 0 && !g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    int ms = first ? g->sleep_ms : 0;
    pthread_mutex_unlock(&g->mu);
    if (ms > 0) {
        struct timespec ts = {0, (long)ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&g->mu);
    g->left = true;
    pthread_mutex_unlock(&g->mu);
}

static void gate_wait_entered(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    while (!g->entered)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void test_coalescing(void **state)
{
    (void)state;
    struct gate g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    struct analysis_worker_opts o = {.wake_fd = wake[1], .on_start = gate_hook, .on_start_arg = &g};
    struct analysis_worker *w = analysis_worker_new(&o);
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    struct model_cluster *s0 = make_side(0, 10, 2, 3, 100), *t0 = make_side(1, 10, 2, 3, 100);
    assert_true(analysis_worker_submit(w, s0, t0, &cfg));
    gate_wait_entered(&g); /* the first analysis runs (held at the gate) */
    /* ten publishes while it runs; the source grows so the last pair is told apart */
    struct model_cluster *s[10], *t[10];
    for (int i = 0; i < 10; i++) {
        s[i] = make_side(0, 10 + i, 2, 3, i);
        t[i] = make_side(1, 10 + i, 2, 3, i);
        cfg.now = NOW + 1 + i;
        assert_true(analysis_worker_submit(w, s[i], t[i], &cfg));
    }
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    /* results until the worker is idle: the last one taken is the last pair's */
    struct analysis_result last = {.an = NULL};
    int results = 0;
    while (analysis_worker_busy(w)) {
        struct analysis_result r;
        if (!analysis_worker_take(w, &r)) {
            wait_wake();
            continue;
        }
        results++;
        analysis_result_fini(&last);
        last = r;
    }
    struct analysis_worker_stats st;
    analysis_worker_stats(w, &st);
    assert_int_equal(st.submitted, 11);
    assert_true(st.started <= 2);
    assert_int_equal(st.started, st.done);
    assert_true(results >= 1 && results <= 2);
    assert_ptr_equal(last.snap[0], s[9]);
    assert_ptr_equal(last.snap[1], t[9]);
    assert_int_equal(last.now, NOW + 10);
    assert_int_equal(last.an->nworkloads, 19);
    struct analysis *want = analysis_run(s[9], t[9], &cfg);
    expect_same(last.an, want);
    analysis_free(want);
    analysis_result_fini(&last);
    analysis_worker_free(w);
    for (int i = 0; i < 10; i++) {
        model_cluster_unref(s[i]);
        model_cluster_unref(t[i]);
    }
    model_cluster_unref(s0);
    model_cluster_unref(t0);
}

/* Freed while an analysis runs (and another pair waits): it finishes, nothing leaks (ASan),
 * nothing is used after free, and free waits for the thread. */
static void test_shutdown_while_running(void **state)
{
    (void)state;
    struct gate g = {
        .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .sleep_ms = 100};
    struct analysis_worker_opts o = {.wake_fd = -1, .on_start = gate_hook, .on_start_arg = &g};
    struct analysis_worker *w = analysis_worker_new(&o);
    struct model_cluster *s = make_side(0, 200, 20, 3, 1), *t = make_side(1, 200, 20, 3, 1);
    struct model_cluster *s2 = make_side(0, 20, 2, 3, 2), *t2 = make_side(1, 20, 2, 3, 2);
    assert_true(analysis_worker_submit(w, s, t, NULL));
    gate_wait_entered(&g);
    assert_true(analysis_worker_submit(w, s2, t2, NULL)); /* waits, never started */
    /* the publisher drops its references: the worker's keep the pairs alive */
    model_cluster_unref(s);
    model_cluster_unref(t);
    model_cluster_unref(s2);
    model_cluster_unref(t2);
    analysis_worker_free(w);
    pthread_mutex_lock(&g.mu);
    assert_true(g.left);
    assert_int_equal(g.calls, 1);
    pthread_mutex_unlock(&g.mu);
    analysis_worker_free(NULL);
    analysis_result_fini(NULL);
}

/* Waits for the worker's result and installs it. The worker writes its wake byte after it makes
 * the result takeable, so an earlier test's byte may still be in the pipe when this one starts:
 * a wake-up with nothing to take waits again. */
static int poll_installed(struct dashboard *d)
{
    for (int i = 0; i < 100; i++) {
        int act = dashboard_analysis_poll(d);
        if (act != ACT_NONE)
            return act;
        wait_wake();
    }
    fail_msg("no analysis arrived after 100 wake-ups");
    return ACT_NONE;
}

static char *draw(struct dashboard *d, int h, int w)
{
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(h, w, true, &c);
    dashboard_draw(d, &c);
    char *txt = canvas_grid_text(g);
    canvas_grid_free(g);
    return txt;
}

/* The dashboard on the worker: nothing is analysed on the caller's thread; a filter set while
 * the analysis ran is applied to the rows it brings, and so is a sort. */
static void test_dashboard_async(void **state)
{
    (void)state;
    struct dashboard_opts opts = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&opts.analysis);
    struct dashboard *d = dashboard_new(&opts);
    dashboard_resize(d, 60, 140);
    dashboard_set_analysis_worker(d, wake[1]);
    struct model_cluster *s = make_side(0, 12, 3, 3, 1), *t = make_side(1, 12, 3, 3, 1);
    assert_true(dashboard_submit_snapshots(d, s, t, NOW));
    assert_null(dashboard_analysis(d)); /* not analysed here */
    assert_int_equal(dashboard_filter(d, "shop/app-00[13]") & ACT_REDRAW, ACT_REDRAW);
    assert_true(poll_installed(d) & ACT_REDRAW);
    assert_false(dashboard_analysis_busy(d));
    const struct analysis *an = dashboard_analysis(d);
    assert_non_null(an);
    assert_int_equal(an->nworkloads, 12);
    char *txt = draw(d, 60, 140);
    assert_non_null(strstr(txt, "app-001"));
    assert_non_null(strstr(txt, "app-003"));
    assert_null(strstr(txt, "app-005")); /* filtered out */
    assert_null(strstr(txt, "app-000"));
    free(txt);

    /* a sort by name, descending, set before the next pair arrives, holds after it */
    dashboard_filter(d, "");
    dashboard_focus(d, PANEL_WORKLOADS);
    txt = draw(d, 60, 140);
    /* app-001 is crashing in the target: by severity (the default) it comes before app-004 */
    assert_true(strstr(txt, "app-001") < strstr(txt, "app-004"));
    free(txt);
    struct model_cluster *s2 = make_side(0, 14, 3, 3, 2), *t2 = make_side(1, 14, 3, 3, 2);
    assert_true(dashboard_submit_snapshots(d, s2, t2, NOW + 1));
    dashboard_sort_reverse(d); /* the other way: the worst row last */
    assert_true(poll_installed(d) & ACT_REDRAW);
    an = dashboard_analysis(d);
    assert_int_equal(an->nworkloads, 14);
    txt = draw(d, 60, 140);
    /* the reversed sort holds over the new rows: app-001 after the healthy app-004 */
    char *crash = strstr(txt, "app-001"), *ok = strstr(txt, "app-004");
    assert_non_null(crash);
    assert_non_null(ok);
    assert_true(ok < crash);
    free(txt);

    /* a config change is analysed again off this thread */
    struct analysis_config cfg = *dashboard_analysis_config(d);
    assert_true(has_finding(an, "zone-spread-uneven"));
    cfg.zone_spread_ratio = 4.0;
    dashboard_set_analysis_config(d, &cfg);
    assert_true(poll_installed(d) & ACT_REDRAW);
    assert_false(has_finding(dashboard_analysis(d), "zone-spread-uneven"));
    assert_int_equal(dashboard_analysis_config(d)->zone_spread_ratio, 4);

    /* the synchronous path still works next to it */
    dashboard_set_snapshots(d, s, t, NOW + 2);
    assert_int_equal(dashboard_analysis(d)->nworkloads, 12);
    dashboard_free(d);
    model_cluster_unref(s);
    model_cluster_unref(t);
    model_cluster_unref(s2);
    model_cluster_unref(t2);
}

/* The prepare hook: what it made of each analysis, on which thread, and what was freed. */
struct prep_probe {
    pthread_t ui;
    int made, on_ui, freed;
    const struct analysis *last;
};
static struct prep_probe probe;

static void *probe_prepare(const struct analysis *an, void *arg)
{
    struct prep_probe *pp = arg;
    pp->made++;
    pp->on_ui += pthread_equal(pthread_self(), pp->ui) != 0;
    pp->last = an;
    return panel_workloads_prepare(an);
}

static void probe_free(void *p)
{
    probe.freed++;
    panel_workloads_prep_free(p);
}

/* The hook runs on the worker with the finished analysis; its rows come with the result and
 * go with it (released to the worker or dropped unread). */
static void test_prepare_on_worker(void **state)
{
    (void)state;
    memset(&probe, 0, sizeof probe);
    probe.ui = pthread_self();
    struct model_cluster *s = make_side(0, 30, 4, 3, 1), *t = make_side(1, 30, 4, 3, 1);
    struct analysis_worker_opts o = {.wake_fd = wake[1],
                                     .prepare = probe_prepare,
                                     .prepared_free = probe_free,
                                     .prepare_arg = &probe};
    struct analysis_worker *w = analysis_worker_new(&o);
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    assert_true(analysis_worker_submit(w, s, t, &cfg));
    struct analysis_result r;
    for (int k = 0; k < 100 && !analysis_worker_take(w, &r); k++)
        wait_wake(); /* a byte an earlier test left in the pipe may wake it first */
    assert_non_null(r.an);
    assert_int_equal(probe.made, 1);
    assert_int_equal(probe.on_ui, 0);
    assert_ptr_equal(probe.last, r.an);
    const struct panel_workloads_prep *p = r.prepared;
    assert_non_null(p);
    assert_ptr_equal(p->an, r.an);
    assert_int_equal(p->n, 30);
    /* the severity order is the analysis's; by name ascending app-000 comes first */
    for (uint32_t i = 0; i < p->n; i++)
        assert_int_equal(p->order[PANEL_WORKLOADS_COL_SEVERITY][0][i], i);
    assert_string_equal(r.an->workloads[p->order[PANEL_WORKLOADS_COL_NAME][0][0]].name, "app-000");
    analysis_worker_release(w, &r);
    assert_null(r.prepared);
    /* a second result, never taken: dropped with the worker */
    cfg.zone_spread_ratio = 4.0;
    assert_true(analysis_worker_submit(w, s, t, &cfg));
    struct analysis_worker_stats st;
    analysis_worker_stats(w, &st);
    for (int k = 0; k < 100 && st.done < 2; k++) {
        wait_wake();
        analysis_worker_stats(w, &st);
    }
    assert_int_equal(st.done, 2);
    analysis_worker_free(w);
    assert_int_equal(probe.made, 2);
    assert_int_equal(probe.freed, 2);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_analysis_run), cmocka_unit_test(test_config_reaches_worker),
        cmocka_unit_test(test_coalescing),           cmocka_unit_test(test_shutdown_while_running),
        cmocka_unit_test(test_dashboard_async),      cmocka_unit_test(test_prepare_on_worker),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
