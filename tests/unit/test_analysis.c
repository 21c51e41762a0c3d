/* Unit tests of core/analysis.c on synthetic snapshots (tests/lib/snapfix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/analysis.h"
#include "../lib/snapfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1800000000

static struct analysis_config cfg_fixed(void)
{
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    return cfg;
}

static const struct finding *find(const struct analysis *a, const char *code, int side,
                                  const char *name)
{
    for (size_t i = 0; i < a->nfindings; i++) {
        const struct finding *f = &a->findings[i];
        if (strcmp(f->code, code) == 0 && (side < 0 || (int)f->side == side) &&
            (name == NULL || (f->name && strcmp(f->name, name) == 0)))
            return f;
    }
    return NULL;
}

static size_t count(const struct analysis *a, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nfindings; i++)
        n += strcmp(a->findings[i].code, code) == 0;
    return n;
}

static const struct workload_pair *pair(const struct analysis *a, const char *kind, const char *ns,
                                        const char *name)
{
    for (size_t i = 0; i < a->nworkloads; i++) {
        const struct workload_pair *p = &a->workloads[i];
        if (strcmp(p->kind, kind) == 0 && strcmp(p->ns, ns) == 0 && strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

static const struct zone_cell *cell(const struct zone_grid *g, const char *zone)
{
    for (size_t i = 0; i < g->n; i++)
        if ((zone == NULL && g->cells[i].zone == NULL) ||
            (zone && g->cells[i].zone && strcmp(g->cells[i].zone, zone) == 0))
            return &g->cells[i];
    return NULL;
}

/* The demo story: a self-managed source and an EKS target. */
static void demo_pair(struct model_cluster **src, struct model_cluster **tgt)
{
    struct model_cluster *s = snapfix_new("onprem-prod", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_nodes(s, "w", "us-east-1a", MODEL_ROLE_WORKER, 3);
    snapfix_nodes(s, "w", "us-east-1b", MODEL_ROLE_WORKER, 3);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3,
                "nginx:1.25,php:8.2-fpm,envoyproxy/envoy:v1.29", 2, NULL);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 2, 2, "shop/checkout:4.1", 0, NULL);
    snapfix_app(s, MODEL_RES_DAEMONSETS, "logging", "fluentd", 9, 9, "fluent/fluentd:v1.16", 0,
                NULL);
    snapfix_app(s, MODEL_RES_STATEFULSETS, "data", "redis", 3, 3, "redis:7.2", 1, NULL);

    struct model_cluster *t = snapfix_new("eks-prod", "v1.29.6-eks-a5ec690", NOW);
    snapfix_nodes(t, "ip", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(t, "ip", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(t, "ip", "us-east-1c", MODEL_ROLE_WORKER, 2);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3,
                "nginx:1.25,php:8.2-fpm,envoyproxy/envoy:v1.29", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 3, 0, "shop/checkout:4.1", 41,
                "CrashLoopBackOff");
    snapfix_app(t, MODEL_RES_STATEFULSETS, "data", "redis", 3, 3, "redis:7.2", 0, NULL);
    *src = s;
    *tgt = t;
}

static void test_demo_story(void **state)
{
    (void)state;
    struct model_cluster *s, *t;
    demo_pair(&s, &t);
    struct analysis_config cfg = cfg_fixed();
    struct analysis *a = analysis_run(s, t, &cfg);

    const struct finding *f = find(a, "control-plane-single-zone", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_string_equal(f->message, "3 of 3 control-plane nodes in us-east-1a: one zone outage "
                                    "takes the control plane down");
    assert_null(find(a, "control-plane-single-zone", ANALYSIS_TARGET, NULL));

    f = find(a, "daemonset-missing", ANALYSIS_TARGET, "fluentd");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_non_null(strstr(f->message, "logging agent fluentd missing on target"));
    assert_string_equal(f->kind, "DaemonSet");
    assert_string_equal(f->ns, "logging");

    f = find(a, "pods-crash-looping", ANALYSIS_TARGET, "checkout");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_non_null(strstr(f->message, "3 pods in CrashLoopBackOff on target (41 restarts)"));
    f = find(a, "workload-not-ready", ANALYSIS_TARGET, "checkout");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_non_null(strstr(f->message, "0 of 3 ready on target"));

    /* Nothing invented: versions go forward, zones are even, all else is healthy. */
    assert_null(find(a, "version-older", -1, NULL));
    assert_null(find(a, "zone-spread-uneven", -1, NULL));
    assert_null(find(a, "worker-zones-fewer", -1, NULL));
    assert_null(find(a, "images-differ", -1, NULL));
    assert_null(find(a, "workload-missing", -1, NULL));
    assert_null(find(a, "stale-data", -1, NULL));
    assert_null(find(a, "nodes-not-ready", -1, NULL));
    assert_int_equal(a->nfindings, 4);
    assert_int_equal(analysis_worst(a), FINDING_CRIT);

    /* Worst first: findings and workloads. */
    for (size_t i = 1; i < a->nfindings; i++)
        assert_true(a->findings[i - 1].severity >= a->findings[i].severity);
    assert_int_equal(a->nworkloads, 4);
    assert_string_equal(a->workloads[0].name, "fluentd"); /* missing on target beats not ready */
    assert_string_equal(a->workloads[1].name, "checkout");
    assert_int_equal(a->workloads[2].severity, FINDING_INFO);
    assert_string_equal(a->workloads[2].name, "api");   /* 2 restarts on the source... */
    assert_string_equal(a->workloads[3].name, "redis"); /* ...beat 1 */
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_zone_grid(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 2);
    snapfix_node(s, "cp-b", "us-east-1b", MODEL_ROLE_CONTROL_PLANE, false, true);
    snapfix_nodes(s, "w", "us-east-1b", MODEL_ROLE_WORKER, 4);
    snapfix_node(s, "w-bad", "us-east-1b", MODEL_ROLE_WORKER, false, false);
    snapfix_node(s, "w-cordoned", "us-east-1a", MODEL_ROLE_WORKER, true, false);
    snapfix_node(s, "bare", NULL, MODEL_ROLE_WORKER, true, true);
    snapfix_node(s, "empty-zone", "", MODEL_ROLE_WORKER, true, true);
    struct model_node *odd = snapfix_node(s, "odd", "us-east-1a", MODEL_ROLE_UNKNOWN, true, true);
    odd->ready = MODEL_UNKNOWN;
    struct analysis_config cfg = cfg_fixed();
    struct analysis *a = analysis_run(s, NULL, &cfg);
    const struct zone_grid *g = &a->zones[0];
    assert_true(g->known);
    assert_true(g->complete);
    assert_int_equal(g->n, 3);
    assert_string_equal(g->cells[0].zone, "us-east-1a");
    assert_string_equal(g->cells[1].zone, "us-east-1b");
    assert_null(g->cells[2].zone); /* unknown last */
    const struct zone_cell *za = cell(g, "us-east-1a"), *zb = cell(g, "us-east-1b");
    assert_int_equal(za->cp_total, 2);
    assert_int_equal(za->cp_ready, 2);
    assert_int_equal(za->worker_total, 1);
    assert_int_equal(za->worker_ready, 1);
    assert_int_equal(za->unschedulable, 1);
    assert_int_equal(za->other_total, 1);
    assert_int_equal(za->other_ready, 0); /* unknown readiness is not ready... */
    assert_int_equal(za->not_ready, 0);   /* ...nor NotReady */
    assert_int_equal(zb->cp_total, 1);
    assert_int_equal(zb->cp_ready, 0);
    assert_int_equal(zb->worker_total, 5);
    assert_int_equal(zb->worker_ready, 4);
    assert_int_equal(zb->not_ready, 2);
    assert_int_equal(zb->unschedulable, 1);
    assert_int_equal(g->cells[2].worker_total, 2);
    assert_int_equal(g->nodes_total, 12);
    assert_int_equal(g->not_ready, 2);
    assert_int_equal(g->unschedulable, 2);
    assert_int_equal(g->ready, 9);
    /* The target is unknown: no grid, no findings about it. */
    assert_false(a->zones[1].known);
    assert_int_equal(a->zones[1].n, 0);
    for (size_t i = 0; i < a->nfindings; i++)
        assert_int_equal(a->findings[i].side, ANALYSIS_SOURCE);

    /* Control plane in two zones: no single-zone finding. 2 NotReady of 12: warn. */
    assert_null(find(a, "control-plane-single-zone", -1, NULL));
    const struct finding *f = find(a, "nodes-not-ready", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_non_null(strstr(f->message, "2 of 12 nodes NotReady"));
    assert_non_null(strstr(f->message, "cp-b"));
    assert_non_null(strstr(f->message, "w-bad"));
    f = find(a, "nodes-cordoned", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_INFO);
    assert_non_null(strstr(f->message, "2 of 12 nodes cordoned"));
    analysis_free(a);
    model_cluster_unref(s);
}

static void test_control_plane_zone_unknowns(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    /* One control-plane node without a zone label: we cannot say they share a zone. */
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 2);
    snapfix_node(s, "cp-x", NULL, MODEL_ROLE_CONTROL_PLANE, true, true);
    snapfix_nodes(s, "w", "us-east-1a", MODEL_ROLE_WORKER, 2);
    struct analysis *a = analysis_run(s, NULL, &cfg);
    assert_null(find(a, "control-plane-single-zone", -1, NULL));
    analysis_free(a);
    model_cluster_unref(s);

    /* Nodes never listed (rows partial): no placement findings at all. */
    s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_node(s, "w", "us-east-1b", MODEL_ROLE_WORKER, false, false);
    snapfix_unsync(s, MODEL_RES_NODES);
    a = analysis_run(s, NULL, &cfg);
    assert_true(a->zones[0].known);
    assert_false(a->zones[0].complete);
    assert_int_equal(a->zones[0].nodes_total, 4);
    assert_int_equal(a->nfindings, 0);
    analysis_free(a);
    model_cluster_unref(s);

    /* A single control-plane node is also in one zone. */
    s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "zone-x", MODEL_ROLE_CONTROL_PLANE, 1);
    snapfix_nodes(s, "w", "zone-x", MODEL_ROLE_WORKER, 1);
    a = analysis_run(s, NULL, &cfg);
    const struct finding *f = find(a, "control-plane-single-zone", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_string_equal(f->message, "1 of 1 control-plane node in zone-x: one zone outage takes "
                                    "the control plane down");
    analysis_free(a);
    model_cluster_unref(s);
}

static void test_zone_workers(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.27.3", NOW);
    snapfix_nodes(s, "cp", "us-east-1c", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_nodes(s, "w", "us-east-1a", MODEL_ROLE_WORKER, 9);
    snapfix_nodes(s, "w", "us-east-1b", MODEL_ROLE_WORKER, 2);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_nodes(t, "w", "us-east-1a", MODEL_ROLE_WORKER, 4);
    snapfix_nodes(t, "w", "us-east-1b", MODEL_ROLE_WORKER, 2);
    struct analysis *a = analysis_run(s, t, &cfg);
    const struct finding *f = find(a, "zone-no-workers", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_non_null(strstr(f->message, "us-east-1c"));
    assert_null(find(a, "zone-no-workers", ANALYSIS_TARGET, NULL));
    /* 9 vs 2 > 2.0x on the source; 4 vs 2 is not more than 2.0x on the target. */
    f = find(a, "zone-spread-uneven", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_non_null(strstr(f->message, "9 in us-east-1a, 2 in us-east-1b"));
    assert_null(find(a, "zone-spread-uneven", ANALYSIS_TARGET, NULL));
    /* Two worker zones each: not fewer. */
    assert_null(find(a, "worker-zones-fewer", -1, NULL));
    analysis_free(a);

    cfg.zone_spread_ratio = 5.0;
    a = analysis_run(s, t, &cfg);
    assert_null(find(a, "zone-spread-uneven", -1, NULL));
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);

    /* The target has workers in fewer zones than the source. */
    cfg = cfg_fixed();
    s = snapfix_new("src", "v1.27.3", NOW);
    snapfix_nodes(s, "w", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(s, "w", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(s, "w", "us-east-1c", MODEL_ROLE_WORKER, 2);
    t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_nodes(t, "w", "us-east-1a", MODEL_ROLE_WORKER, 3);
    snapfix_nodes(t, "w", "us-east-1b", MODEL_ROLE_WORKER, 3);
    a = analysis_run(s, t, &cfg);
    f = find(a, "worker-zones-fewer", ANALYSIS_TARGET, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_string_equal(f->message, "target has workers in 2 zones, source in 3 (none in "
                                    "us-east-1c)");
    analysis_free(a);
    /* Unknown source nodes: nothing to compare with. */
    snapfix_unsync(s, MODEL_RES_NODES);
    a = analysis_run(s, t, &cfg);
    assert_null(find(a, "worker-zones-fewer", -1, NULL));
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_nodes_not_ready_crit(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_nodes(t, "w", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_node(t, "sick-1", "us-east-1b", MODEL_ROLE_WORKER, false, true);
    snapfix_node(t, "sick-2", "us-east-1b", MODEL_ROLE_WORKER, false, true);
    struct model_node *u = snapfix_node(t, "unk", "us-east-1b", MODEL_ROLE_WORKER, true, true);
    u->ready = MODEL_UNKNOWN;
    u->schedulable = MODEL_UNKNOWN;
    struct analysis *a = analysis_run(NULL, t, &cfg);
    const struct finding *f = find(a, "nodes-not-ready", ANALYSIS_TARGET, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT); /* 2 of 5 > 1/3 */
    assert_non_null(strstr(f->message, "2 of 5 nodes NotReady on target: sick-1, sick-2"));
    assert_null(find(a, "nodes-cordoned", -1, NULL)); /* unknown is not cordoned */
    analysis_free(a);

    /* One NotReady node: the finding names it. */
    struct model_cluster *t2 = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_nodes(t2, "w", "us-east-1a", MODEL_ROLE_WORKER, 3);
    snapfix_node(t2, "sick", "us-east-1a", MODEL_ROLE_WORKER, false, false);
    a = analysis_run(NULL, t2, &cfg);
    f = find(a, "nodes-not-ready", ANALYSIS_TARGET, "sick");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN); /* 1 of 4 */
    assert_non_null(find(a, "nodes-cordoned", ANALYSIS_TARGET, "sick"));
    analysis_free(a);
    model_cluster_unref(t);
    model_cluster_unref(t2);
}

static void test_workload_missing(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "cart", 2, 2, "cart:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "newthing", 1, 1, "new:1", 0, NULL);
    snapfix_app(s, MODEL_RES_DAEMONSETS, "kube-system", "node-exporter", 3, 3, "ne:1", 0, NULL);
    /* Same name, different kind: not a pair. */
    snapfix_app(s, MODEL_RES_STATEFULSETS, "shop", "db", 1, 1, "pg:16", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "db", 1, 1, "pg:16", 0, NULL);
    struct analysis *a = analysis_run(s, t, &cfg);
    const struct finding *f = find(a, "workload-missing", ANALYSIS_TARGET, "cart");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_string_equal(f->message, "Deployment shop/cart is missing on target");
    f = find(a, "workload-missing", ANALYSIS_SOURCE, "newthing");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    f = find(a, "daemonset-missing", ANALYSIS_TARGET, "node-exporter");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_non_null(strstr(f->message, "DaemonSet kube-system/node-exporter"));
    assert_non_null(pair(a, "StatefulSet", "shop", "db"));
    assert_non_null(pair(a, "Deployment", "shop", "db"));
    assert_non_null(find(a, "workload-missing", ANALYSIS_TARGET, "db"));
    assert_non_null(find(a, "workload-missing", ANALYSIS_SOURCE, "db"));
    const struct workload_pair *p = pair(a, "Deployment", "shop", "cart");
    assert_int_equal(p->present[0], MODEL_TRUE);
    assert_int_equal(p->present[1], MODEL_FALSE);
    assert_int_equal(p->severity, FINDING_CRIT);
    assert_int_equal(p->pods[1], 0);
    analysis_free(a);

    /* The target's Deployments were never listed: missing is unknown, not a finding. */
    snapfix_unsync(t, MODEL_RES_DEPLOYMENTS);
    snapfix_unsync(s, MODEL_RES_DEPLOYMENTS);
    a = analysis_run(s, t, &cfg);
    assert_null(find(a, "workload-missing", ANALYSIS_TARGET, "cart"));
    assert_null(find(a, "workload-missing", ANALYSIS_SOURCE, "newthing"));
    p = pair(a, "Deployment", "shop", "cart");
    assert_int_equal(p->present[1], MODEL_UNKNOWN);
    assert_non_null(find(a, "daemonset-missing", ANALYSIS_TARGET, "node-exporter"));
    analysis_free(a);

    /* No target at all: nothing about the target. */
    a = analysis_run(s, NULL, &cfg);
    assert_null(find(a, "daemonset-missing", -1, NULL));
    assert_null(find(a, "workload-missing", -1, NULL));
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_workload_not_ready(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "a", "half", 4, 4, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "a", "half", 4, 2, "x:1", 0, "ContainerCreating");
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "a", "unknown", 2, 2, "x:1", 0, NULL);
    struct model_workload *w =
        snapfix_app(t, MODEL_RES_DEPLOYMENTS, "a", "unknown", 2, 2, "x:1", 0, NULL);
    w->ready = MODEL_COUNT_UNKNOWN;
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "a", "scaled-down", 0, 0, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "a", "scaled-down", 0, 0, "x:1", 0, NULL);
    struct analysis *a = analysis_run(s, t, &cfg);
    const struct finding *f = find(a, "workload-not-ready", ANALYSIS_TARGET, "half");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_string_equal(f->message, "Deployment a/half: 2 of 4 ready on target");
    assert_null(find(a, "pods-crash-looping", -1, NULL)); /* ContainerCreating is not a crash */
    assert_string_equal(pair(a, "Deployment", "a", "half")->waiting[1], "ContainerCreating");
    assert_null(find(a, "workload-not-ready", -1, "unknown"));
    assert_null(find(a, "workload-not-ready", -1, "scaled-down"));
    assert_int_equal(a->nfindings, 1);
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_crash_reasons(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    static const char *const reasons[] = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"};
    for (size_t i = 0; i < 3; i++) {
        struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
        snapfix_app(t, MODEL_RES_STATEFULSETS, "db", "pg", 3, 2, "pg:16", 7, reasons[i]);
        /* A bare pod (no owner) crash-looping is a finding of its own. */
        snapfix_pod(t, "default", "debug", NULL, NULL, "n1", false, 12, reasons[i], "busybox");
        snapfix_pod(t, "default", "blind", NULL, NULL, "n1", false, MODEL_COUNT_UNKNOWN, reasons[i],
                    "busybox");
        struct analysis *a = analysis_run(NULL, t, &cfg);
        const struct finding *f = find(a, "pods-crash-looping", ANALYSIS_TARGET, "pg");
        assert_non_null(f);
        assert_int_equal(f->severity, FINDING_CRIT);
        assert_non_null(strstr(f->message, reasons[i]));
        assert_non_null(strstr(f->message, "1 pod in"));
        f = find(a, "pods-crash-looping", ANALYSIS_TARGET, "debug");
        assert_non_null(f);
        assert_string_equal(f->kind, "Pod");
        char want[128];
        snprintf(want, sizeof want, "pod default/debug in %s on target (12 restarts)", reasons[i]);
        assert_string_equal(f->message, want);
        /* Restarts unknown: the message does not make up a count. */
        f = find(a, "pods-crash-looping", ANALYSIS_TARGET, "blind");
        assert_non_null(f);
        snprintf(want, sizeof want, "pod default/blind in %s on target", reasons[i]);
        assert_string_equal(f->message, want);
        const struct workload_pair *p = pair(a, "StatefulSet", "db", "pg");
        assert_int_equal(p->crashing[1], 1);
        assert_int_equal(p->restarts[1], 7);
        assert_string_equal(p->waiting[1], reasons[i]);
        assert_int_equal(p->severity, FINDING_CRIT);
        analysis_free(a);
        model_cluster_unref(t);
    }
}

static void test_images(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "api", 1, 1,
                "nginx:1.25,php:8.1-fpm,envoyproxy/envoy:v1.29", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "api", 1, 1,
                "envoyproxy/envoy:v1.29,docker.io/library/nginx:1.25,php:8.2-fpm", 0, NULL);
    /* Same images written differently, in another order: no difference. */
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "web", 1, 1, "nginx,redis:7", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "web", 1, 1,
                "redis:7,docker.io/library/nginx:latest", 0, NULL);
    /* Images unknown on one side: no claim. */
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "shop", "blind", 1, 1, "a:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "shop", "blind", 1, 1, NULL, 0, NULL);
    struct analysis *a = analysis_run(s, t, &cfg);
    const struct finding *f = find(a, "images-differ", ANALYSIS_BOTH, "api");
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_string_equal(f->message, "Deployment shop/api: images differ: source runs php:8.1-fpm; "
                                    "target runs php:8.2-fpm");
    assert_true(pair(a, "Deployment", "shop", "api")->images_differ);
    assert_false(pair(a, "Deployment", "shop", "web")->images_differ);
    assert_false(pair(a, "Deployment", "shop", "blind")->images_differ);
    assert_int_equal(count(a, "images-differ"), 1);
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_cluster_unreadable_and_stale(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("onprem-prod", "v1.24.17", NOW);
    snapfix_nodes(s, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    struct model_cluster *t = snapfix_new("eks-prod", NULL, NOW);
    model_set_str(&t->error, "connection refused");
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        snapfix_unsync(t, (enum model_res)r);
    struct analysis *a = analysis_run(s, t, &cfg);
    const struct finding *f = find(a, "cluster-unreadable", ANALYSIS_TARGET, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_CRIT);
    assert_string_equal(f->message, "target cluster eks-prod (https://eks-prod.snapfix.invalid) "
                                    "could not be read: connection refused");
    assert_null(find(a, "cluster-unreadable", ANALYSIS_SOURCE, NULL));
    assert_null(find(a, "version-older", -1, NULL));     /* target version unknown */
    assert_null(find(a, "daemonset-missing", -1, NULL)); /* nothing known of the target */
    analysis_free(a);

    /* Gone after a good read: the last good data is still analysed, and its age is said. */
    struct model_cluster *gone = snapfix_new("eks-prod", "v1.29.1", NOW - 180);
    snapfix_nodes(gone, "w", "us-east-1a", MODEL_ROLE_WORKER, 1);
    snapfix_nodes(gone, "w", "us-east-1b", MODEL_ROLE_WORKER, 9);
    model_set_str(&gone->error, "connection refused");
    a = analysis_run(NULL, gone, &cfg);
    f = find(a, "cluster-unreadable", ANALYSIS_TARGET, NULL);
    assert_non_null(f);
    assert_string_equal(f->message, "target cluster eks-prod (https://eks-prod.snapfix.invalid) "
                                    "could not be read: connection refused (showing data from 3m "
                                    "ago)");
    assert_non_null(find(a, "zone-spread-uneven", ANALYSIS_TARGET, NULL));
    analysis_free(a);
    model_cluster_unref(gone);

    /* No cluster-wide error, but every resource failed before its first list. */
    model_set_str(&t->error, NULL);
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        snapfix_fail(t, (enum model_res)r, "401 Unauthorized", NOW - 5);
    a = analysis_run(s, t, &cfg);
    f = find(a, "cluster-unreadable", ANALYSIS_TARGET, NULL);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "401 Unauthorized"));
    analysis_free(a);
    model_cluster_unref(t);

    /* One resource failing after good lists: stale, a warning naming it and its age. */
    snapfix_fail(s, MODEL_RES_PODS, "watch: connection reset", NOW - 1);
    s->fresh[MODEL_RES_PODS].last_ok.tv_sec = NOW - 300;
    a = analysis_run(s, NULL, &cfg);
    f = find(a, "stale-data", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_string_equal(f->message, "source data is stale (pods; last good update 5m ago): "
                                    "watch: connection reset");
    assert_null(find(a, "cluster-unreadable", -1, NULL));
    analysis_free(a);
    model_cluster_unref(s);

    /* A snapshot nobody refreshed for longer than stale_after_s. */
    s = snapfix_new("src", "v1.24.17", NOW - 600);
    a = analysis_run(s, NULL, &cfg);
    f = find(a, "stale-data", ANALYSIS_SOURCE, NULL);
    assert_non_null(f);
    assert_non_null(strstr(f->message, "last snapshot 10m old"));
    analysis_free(a);
    cfg.now = NOW - 590;
    a = analysis_run(s, NULL, &cfg);
    assert_null(find(a, "stale-data", -1, NULL));
    analysis_free(a);
    model_cluster_unref(s);
}

static void test_version_older(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.28.4", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.27.9-eks-1", NOW);
    struct analysis *a = analysis_run(s, t, &cfg);
    const struct finding *f = find(a, "version-older", ANALYSIS_TARGET, NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, FINDING_WARN);
    assert_string_equal(f->message,
                        "target runs Kubernetes v1.27.9-eks-1, older than the source's v1.28.4");
    analysis_free(a);
    model_cluster_unref(t);
    t = snapfix_new("tgt", "v1.28.1", NOW); /* same minor: not older */
    a = analysis_run(s, t, &cfg);
    assert_null(find(a, "version-older", -1, NULL));
    analysis_free(a);
    model_cluster_unref(t);
    t = snapfix_new("tgt", NULL, NOW); /* unknown: no claim */
    a = analysis_run(s, t, &cfg);
    assert_null(find(a, "version-older", -1, NULL));
    analysis_free(a);
    model_cluster_unref(t);
    model_cluster_unref(s);
}

static void test_pairing_and_pods(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_workload(s, MODEL_RES_DEPLOYMENTS, "shop", "api", 3, 3, "nginx:1.25");
    /* The current and an old ReplicaSet, both folded into the Deployment. */
    snapfix_replicaset(s, "shop", "api-aaa", "api", 2, 2, "nginx:1.25");
    snapfix_replicaset(s, "shop", "api-bbb", "api", 1, 1, "nginx:1.24");
    snapfix_pod(s, "shop", "api-aaa-1", "ReplicaSet", "api-aaa", "n1", true, 2, NULL, "nginx");
    snapfix_pod(s, "shop", "api-aaa-2", "ReplicaSet", "api-aaa", "n2", false, 5, "ImagePullBackOff",
                "nginx");
    snapfix_pod(s, "shop", "api-bbb-1", "ReplicaSet", "api-bbb", "n2", true, MODEL_COUNT_UNKNOWN,
                "ContainerCreating", "nginx");
    /* A pod whose ReplicaSet is not known: attributed by the pod-template-hash suffix. */
    snapfix_pod(s, "shop", "api-ccc-1", "ReplicaSet", "api-ccc", "n3", true, 1, NULL, "nginx");
    /* Same name in another namespace is another workload. */
    snapfix_workload(s, MODEL_RES_DEPLOYMENTS, "other", "api", 1, 1, "nginx:1.25");
    snapfix_pod(s, "other", "api-zzz-1", "ReplicaSet", "api-zzz", "n3", true, 0, NULL, "nginx");
    /* A standalone ReplicaSet is listed as itself. */
    snapfix_replicaset(s, "shop", "lonely", NULL, 1, 1, "busybox");
    snapfix_pod(s, "shop", "lonely-1", "ReplicaSet", "lonely", "n1", true, 3, NULL, "busybox");
    snapfix_workload(s, MODEL_RES_DAEMONSETS, "kube-system", "kube-proxy", 2, 2, "kp:1");
    snapfix_pod(s, "kube-system", "kube-proxy-x", "DaemonSet", "kube-proxy", "n1", true, 0, NULL,
                "kp:1");
    snapfix_pod(s, "kube-system", "kube-proxy-y", "DaemonSet", "kube-proxy", "n2", true, 4, NULL,
                "kp:1");
    /* A Job's pod belongs to no listed workload and is not a finding when healthy. */
    snapfix_pod(s, "batch", "job-1", "Job", "job", "n1", false, 0, NULL, "x");

    struct analysis *a = analysis_run(s, NULL, &cfg);
    assert_int_equal(a->nworkloads, 4);
    assert_null(pair(a, "ReplicaSet", "shop", "api-aaa"));
    assert_null(pair(a, "ReplicaSet", "shop", "api-bbb"));
    const struct workload_pair *p = pair(a, "Deployment", "shop", "api");
    assert_non_null(p);
    assert_int_equal(p->pods[0], 4);
    assert_int_equal(p->npodv[0], 4);
    assert_int_equal(p->restarts[0], 8); /* 2 + 5 + unknown + 1 */
    assert_string_equal(p->waiting[0], "ImagePullBackOff");
    assert_int_equal(p->crashing[0], 1);
    assert_int_equal(p->present[0], MODEL_TRUE);
    assert_int_equal(p->present[1], MODEL_UNKNOWN); /* no target snapshot */
    assert_int_equal(p->pods[1], MODEL_COUNT_UNKNOWN);
    bool seen[4] = {false};
    for (size_t i = 0; i < p->npodv[0]; i++) {
        const char *n = p->podv[0][i]->obj.name;
        seen[0] |= strcmp(n, "api-aaa-1") == 0;
        seen[1] |= strcmp(n, "api-aaa-2") == 0;
        seen[2] |= strcmp(n, "api-bbb-1") == 0;
        seen[3] |= strcmp(n, "api-ccc-1") == 0;
    }
    assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
    p = pair(a, "Deployment", "other", "api");
    assert_int_equal(p->pods[0], 1);
    p = pair(a, "ReplicaSet", "shop", "lonely");
    assert_non_null(p);
    assert_int_equal(p->restarts[0], 3);
    p = pair(a, "DaemonSet", "kube-system", "kube-proxy");
    assert_int_equal(p->pods[0], 2);
    assert_int_equal(p->restarts[0], 4);
    assert_null(p->waiting[0]);
    analysis_free(a);

    /* Pods not yet listed: counts are unknown, not zero. */
    snapfix_unsync(s, MODEL_RES_PODS);
    a = analysis_run(s, NULL, &cfg);
    p = pair(a, "DaemonSet", "kube-system", "kube-proxy");
    assert_int_equal(p->pods[0], MODEL_COUNT_UNKNOWN);
    assert_int_equal(p->restarts[0], MODEL_COUNT_UNKNOWN);
    analysis_free(a);
    model_cluster_unref(s);
}

static void test_sort_order(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    /* info, by name: b/a before b/b; then warn by score; crit first. */
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "b", "b", 1, 1, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "b", "b", 1, 1, "x:1", 0, NULL);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "b", "a", 1, 1, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "b", "a", 1, 1, "x:1", 0, NULL);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "a", "warn-small", 4, 4, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "a", "warn-small", 4, 3, "x:1", 0, NULL);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "z", "warn-big", 4, 4, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "z", "warn-big", 4, 1, "x:1", 0, NULL);
    snapfix_app(s, MODEL_RES_DEPLOYMENTS, "z", "crit", 1, 1, "x:1", 0, NULL);
    snapfix_app(t, MODEL_RES_DEPLOYMENTS, "z", "crit", 1, 0, "x:1", 0, NULL);
    struct analysis *a = analysis_run(s, t, &cfg);
    assert_int_equal(a->nworkloads, 5);
    const char *want[] = {"crit", "warn-big", "warn-small", "a", "b"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(a->workloads[i].name, want[i]);
    assert_int_equal(a->workloads[0].severity, FINDING_CRIT);
    assert_int_equal(a->workloads[1].severity, FINDING_WARN);
    assert_true(a->workloads[1].score > a->workloads[2].score);
    assert_int_equal(a->workloads[3].severity, FINDING_INFO);
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_events(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.1", NOW);
    snapfix_event(s, "shop", "Warning", "BackOff", "old", "Pod", "p1", NOW - 4000);
    snapfix_event(s, "shop", "Warning", "BackOff", "mid", "Pod", "p2", NOW - 600);
    snapfix_event(s, "shop", "Normal", "Pulled", "normal", "Pod", "p3", NOW - 10);
    snapfix_event(s, "shop", "Warning", "FailedMount", "new", "Pod", "p4", NOW - 5);
    snapfix_event(s, "shop", "Warning", "Unknown", "no time", "Pod", "p5", 0);
    snapfix_event(t, "shop", "Warning", "BackOff", "target one", "Pod", "checkout-1", NOW - 60);
    struct analysis *a = analysis_run(s, t, &cfg);
    assert_int_equal(a->nevents_side[0], 2);
    assert_string_equal(a->events[0][0]->message, "new");
    assert_string_equal(a->events[0][1]->message, "mid");
    assert_int_equal(a->nevents_side[1], 1);
    assert_string_equal(a->events[1][0]->message, "target one");
    assert_int_equal(a->nevents, 3);
    analysis_free(a);

    cfg.event_max_age_s = 60;
    a = analysis_run(s, t, &cfg);
    assert_int_equal(a->nevents_side[0], 1);
    assert_int_equal(a->nevents_side[1], 1);
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_nothing_known(void **state)
{
    (void)state;
    struct analysis *a = analysis_run(NULL, NULL, NULL);
    assert_int_equal(a->nfindings, 0);
    assert_int_equal(a->nworkloads, 0);
    assert_int_equal(a->nevents, 0);
    assert_false(a->zones[0].known);
    assert_false(a->zones[1].known);
    assert_int_equal(analysis_worst(a), -1);
    analysis_free(a);
    analysis_free(NULL);

    /* A fresh snapshot with nothing listed yet: no findings, nothing invented. */
    struct model_cluster *s = snapfix_new("src", NULL, NOW);
    struct model_cluster *t = snapfix_new("tgt", NULL, NOW);
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        snapfix_unsync(s, (enum model_res)r);
        snapfix_unsync(t, (enum model_res)r);
    }
    struct analysis_config cfg = cfg_fixed();
    a = analysis_run(s, t, &cfg);
    assert_int_equal(a->nfindings, 0);
    assert_false(a->zones[0].known);
    analysis_free(a);
    model_cluster_unref(s);
    model_cluster_unref(t);
    assert_string_equal(finding_severity_name(FINDING_CRIT), "crit");
    assert_string_equal(analysis_side_name(ANALYSIS_TARGET), "target");
}

/* A large pair, for correctness at scale (timing is measured by hand, not here). */
static void test_many(void **state)
{
    (void)state;
    struct analysis_config cfg = cfg_fixed();
    struct model_cluster *c[2];
    for (int side = 0; side < 2; side++) {
        c[side] = snapfix_new(side ? "tgt" : "src", "v1.28.0", NOW);
        for (int i = 0; i < 2000; i++) {
            char name[32];
            snprintf(name, sizeof name, "app-%04d", i);
            if (side == 1 && i % 100 == 0)
                continue; /* 20 missing on the target */
            snapfix_app(c[side], MODEL_RES_DEPLOYMENTS, "ns", name, 5, 5, "img:1", 0, NULL);
        }
    }
    struct analysis *a = analysis_run(c[0], c[1], &cfg);
    assert_int_equal(a->nworkloads, 2000);
    assert_int_equal(count(a, "workload-missing"), 20);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(a->workloads[i].present[1], MODEL_FALSE);
    for (size_t i = 20; i < a->nworkloads; i++) {
        assert_int_equal(a->workloads[i].pods[0], 5);
        assert_int_equal(a->workloads[i].pods[1], 5);
    }
    analysis_free(a);
    model_cluster_unref(c[0]);
    model_cluster_unref(c[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_story),
        cmocka_unit_test(test_zone_grid),
        cmocka_unit_test(test_control_plane_zone_unknowns),
        cmocka_unit_test(test_zone_workers),
        cmocka_unit_test(test_nodes_not_ready_crit),
        cmocka_unit_test(test_workload_missing),
        cmocka_unit_test(test_workload_not_ready),
        cmocka_unit_test(test_crash_reasons),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_cluster_unreadable_and_stale),
        cmocka_unit_test(test_version_older),
        cmocka_unit_test(test_pairing_and_pods),
        cmocka_unit_test(test_sort_order),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_nothing_known),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
