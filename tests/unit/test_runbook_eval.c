/* Runbook gates on synthetic snapshots: each check passes, fails or is unknown with a reason an
 * SRE reads on screen; unknown data never passes a gate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/drift.h"
#include "cutover/runbook.h"
#include "cutover/runbook_eval.h"
#include "cutover/xalloc.h"

#include "../lib/snapfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1790000000

struct fix {
    struct model_cluster *src, *tgt;
    struct analysis *an;
    struct runbook_eval_input in;
};

/* The demo's story in small: three control-plane nodes in one zone on the source, workers over
 * three zones on the target, shop/api 4/6 on the target, checkout crash-looping. */
static void fix_init(struct fix *f)
{
    memset(f, 0, sizeof *f);
    f->src = snapfix_new("onprem-prod", "v1.24.17", NOW);
    snapfix_nodes(f->src, "cp", "us-east-1a", MODEL_ROLE_CONTROL_PLANE, 3);
    snapfix_nodes(f->src, "w", "us-east-1a", MODEL_ROLE_WORKER, 3);
    snapfix_nodes(f->src, "w", "us-east-1b", MODEL_ROLE_WORKER, 3);
    snapfix_app(f->src, MODEL_RES_DEPLOYMENTS, "shop", "api", 6, 6, "nginx:1.25", 0, NULL);
    snapfix_app(f->src, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 4, 4, "checkout:2", 0, NULL);
    snapfix_app(f->src, MODEL_RES_STATEFULSETS, "shop", "redis", 3, 3, "redis:7", 0, NULL);
    f->tgt = snapfix_new("eks-prod", "v1.29.10-eks-7f9249a", NOW);
    snapfix_nodes(f->tgt, "ip", "us-east-1a", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(f->tgt, "ip", "us-east-1b", MODEL_ROLE_WORKER, 2);
    snapfix_nodes(f->tgt, "ip", "us-east-1c", MODEL_ROLE_WORKER, 2);
    snapfix_app(f->tgt, MODEL_RES_DEPLOYMENTS, "shop", "api", 6, 4, "nginx:1.25", 0, NULL);
    snapfix_app(f->tgt, MODEL_RES_DEPLOYMENTS, "shop", "checkout", 4, 1, "checkout:2", 30,
                "CrashLoopBackOff");
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    f->an = analysis_run(f->src, f->tgt, &cfg);
    f->in.cluster[0] = f->src;
    f->in.cluster[1] = f->tgt;
    f->in.analysis = f->an;
}

static void fix_fini(struct fix *f)
{
    analysis_free(f->an);
    model_cluster_unref(f->src);
    model_cluster_unref(f->tgt);
}

/* Parses one check from YAML (the runbook's own syntax) and evaluates it. */
static enum runbook_verdict eval1(const struct runbook_eval_input *in, const char *check,
                                  char *reason, size_t len)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: t\nsource: onprem-prod\ntarget: eks-prod\nsteps:\n  - title: s\n"
             "    checks:\n      - %s\n",
             check);
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    if (runbook_load_text(yaml, strlen(yaml), "t.yaml", NULL, 0, &rb, &err) != 0) {
        char buf[700];
        fail_msg("%s: %s", check, error_format(&err, buf, sizeof buf));
    }
    struct runbook_gate g;
    runbook_eval_check(&rb->steps[0].checks[0], in, &g);
    snprintf(reason, len, "%s", g.reason);
    runbook_free(rb);
    return g.verdict;
}

#define EXPECT(in, check, verdict, text)                                                           \
    do {                                                                                           \
        char r_[300];                                                                              \
        enum runbook_verdict v_ = eval1((in), (check), r_, sizeof r_);                             \
        if (v_ != (verdict) || strstr(r_, (text)) == NULL)                                         \
            fail_msg("%s: got %s '%s', want %s '...%s...'", (check), runbook_verdict_name(v_), r_, \
                     runbook_verdict_name(verdict), (text));                                       \
    } while (0)

static void test_nodes_and_zones(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    EXPECT(&f.in, "{check: control_plane_zones, min: 3, cluster: source}", RUNBOOK_FAIL,
           "Ready control-plane nodes in 1 zone (us-east-1a), need 3");
    EXPECT(&f.in, "{check: control_plane_zones, min: 1, cluster: source}", RUNBOOK_PASS,
           "in 1 zone (us-east-1a)");
    EXPECT(&f.in, "{check: control_plane_zones, min: 2}", RUNBOOK_UNKNOWN,
           "no control-plane nodes visible on target");
    EXPECT(&f.in, "{check: worker_zones, min: 3}", RUNBOOK_PASS,
           "Ready workers in 3 zones (us-east-1a, us-east-1b, us-east-1c)");
    EXPECT(&f.in, "{check: worker_zones, min: 3, cluster: source}", RUNBOOK_FAIL,
           "Ready workers in 2 zones (us-east-1a, us-east-1b), need 3");
    EXPECT(&f.in, "{check: nodes_ready}", RUNBOOK_PASS, "6/6 nodes Ready");
    EXPECT(&f.in, "{check: version, min: '1.28'}", RUNBOOK_PASS,
           "target runs v1.29.10-eks-7f9249a (need >= 1.28)");
    EXPECT(&f.in, "{check: version, min: '1.30'}", RUNBOOK_FAIL, "(need >= 1.30)");
    fix_fini(&f);

    /* One target node NotReady. */
    fix_init(&f);
    snapfix_node(f.tgt, "ip-bad", "us-east-1c", MODEL_ROLE_WORKER, false, true);
    analysis_free(f.an);
    struct analysis_config cfg;
    analysis_config_init(&cfg);
    cfg.now = NOW;
    f.an = analysis_run(f.src, f.tgt, &cfg);
    f.in.analysis = f.an;
    EXPECT(&f.in, "{check: nodes_ready}", RUNBOOK_FAIL,
           "6/7 nodes Ready (86%, need 100%), 1 NotReady");
    EXPECT(&f.in, "{check: nodes_ready, ratio: 0.8}", RUNBOOK_PASS, "6/7 nodes Ready");
    fix_fini(&f);
}

static void test_workloads(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    EXPECT(&f.in, "{check: workload_parity, workload: Deployment/shop/api}", RUNBOOK_FAIL,
           "shop/api 4/6 ready on target (need 100%)");
    EXPECT(&f.in, "{check: workload_parity, workload: shop/api, ratio: 0.6}", RUNBOOK_PASS,
           "shop/api 4/6 ready on target");
    EXPECT(&f.in, "{check: workload_parity, namespace: shop, ratio: 0.5}", RUNBOOK_FAIL,
           "2 of 3 workloads below 50%");
    EXPECT(&f.in, "{check: workload_parity, namespace: shop, kind: StatefulSet}", RUNBOOK_FAIL,
           "shop/redis missing on target");
    EXPECT(&f.in, "{check: workload_parity, workload: Deployment/shop/nope}", RUNBOOK_FAIL,
           "Deployment/shop/nope found in neither cluster");
    EXPECT(&f.in, "{check: workload_parity, namespace: shop, cluster: source}", RUNBOOK_PASS,
           "3 workloads at >= 100% ready on source");
    EXPECT(&f.in, "{check: no_crashloops, namespace: shop}", RUNBOOK_FAIL,
           "crash-looping on target: shop/checkout CrashLoopBackOff");
    EXPECT(&f.in, "{check: no_crashloops, cluster: source}", RUNBOOK_PASS,
           "no pod crash-looping on source");
    EXPECT(&f.in, "{check: findings, severity: crit}", RUNBOOK_FAIL, "finding");
    fix_fini(&f);

    /* Pods never listed on the target: unknown, not pass. */
    fix_init(&f);
    snapfix_unsync(f.tgt, MODEL_RES_PODS);
    EXPECT(&f.in, "{check: no_crashloops}", RUNBOOK_UNKNOWN, "pods on target not listed yet");
    fix_fini(&f);

    /* Nothing read at all. */
    struct runbook_eval_input none;
    memset(&none, 0, sizeof none);
    EXPECT(&none, "{check: workload_parity, workload: shop/api}", RUNBOOK_UNKNOWN,
           "workloads not read yet");
    EXPECT(&none, "{check: worker_zones, min: 1}", RUNBOOK_UNKNOWN, "nodes on target not listed");
    EXPECT(&none, "{check: version, min: '1.20'}", RUNBOOK_UNKNOWN, "version of target not known");
    EXPECT(&none, "{check: findings}", RUNBOOK_UNKNOWN, "not analysed yet");
}

static struct traffic_snapshot *traffic_one(int old_w, int new_w, double observed,
                                            const char *error)
{
    struct traffic_snapshot *s = traffic_snapshot_new(1);
    struct traffic_target_state *t = &s->targets[0];
    t->cfg.name = xstrdup("api-dns");
    t->cfg.kind = TRAFFIC_ROUTE53;
    t->have_reading = true;
    t->reading.side[TRAFFIC_OLD].weight = old_w;
    t->reading.side[TRAFFIC_NEW].weight = new_w;
    t->percent = traffic_percent_of(old_w, new_w);
    t->observed_pct = observed;
    t->error = error ? xstrdup(error) : NULL;
    return s;
}

static void test_traffic(void **state)
{
    (void)state;
    struct runbook_eval_input in;
    memset(&in, 0, sizeof in);
    EXPECT(&in, "{check: traffic_weight, target: api-dns, percent: 30}", RUNBOOK_UNKNOWN,
           "traffic not read yet");
    struct traffic_snapshot *s = traffic_one(70, 30, 33.0, NULL);
    in.traffic = s;
    EXPECT(&in, "{check: traffic_weight, target: api-dns, percent: 30}", RUNBOOK_PASS,
           "api-dns sends 30% to new (weights 70/30)");
    EXPECT(&in, "{check: traffic_weight, target: api-dns, percent: 0}", RUNBOOK_FAIL,
           "api-dns sends 30% to new, expected 0%");
    EXPECT(&in, "{check: traffic_weight, target: web, percent: 0}", RUNBOOK_FAIL,
           "traffic target web is not configured");
    EXPECT(&in, "{check: traffic_split, target: api-dns}", RUNBOOK_PASS,
           "observed 33.0% to new, configured 30% (off by 3.0, tolerance 5)");
    EXPECT(&in, "{check: traffic_split, target: api-dns, tolerance: 2}", RUNBOOK_FAIL,
           "off by 3.0, tolerance 2");
    traffic_snapshot_unref(s);

    s = traffic_one(70, 30, -1, NULL);
    in.traffic = s;
    EXPECT(&in, "{check: traffic_split, target: api-dns}", RUNBOOK_UNKNOWN, "no observed split");
    traffic_snapshot_unref(s);

    /* A stale reading answers nothing, and its error is made safe to draw. */
    s = traffic_one(70, 30, 30, "Throttling: \x1b[2Jrate exceeded");
    in.traffic = s;
    char r[300];
    assert_int_equal(
        eval1(&in, "{check: traffic_weight, target: api-dns, percent: 30}", r, sizeof r),
        RUNBOOK_UNKNOWN);
    assert_non_null(strstr(r, "stale, last read failed: Throttling: \\x1b[2Jrate exceeded"));
    assert_null(strchr(r, 0x1b));
    traffic_snapshot_unref(s);
}

static void test_drift(void **state)
{
    (void)state;
    struct runbook_eval_input in;
    memset(&in, 0, sizeof in);
    EXPECT(&in, "{check: secret_drift, max: 0}", RUNBOOK_UNKNOWN,
           "secrets of both clusters not read yet");

    struct drift_item a = {.kind = DRIFT_SECRET, .ns = "shop", .name = "stripe-api-key"};
    struct drift_row rows[3];
    memset(rows, 0, sizeof rows);
    rows[0] = (struct drift_row){.kind = DRIFT_SECRET,
                                 .ns = "shop",
                                 .name = "stripe-api-key",
                                 .state = DRIFT_MISSING_TARGET,
                                 .side = {&a, NULL},
                                 .rule = -1};
    rows[1] = (struct drift_row){.kind = DRIFT_SECRET,
                                 .ns = "shop",
                                 .name = "db-credentials",
                                 .state = DRIFT_KEYS_DIFFER,
                                 .rule = -1};
    rows[2] = (struct drift_row){.kind = DRIFT_SECRET,
                                 .ns = "payments",
                                 .name = "ledger-db",
                                 .state = DRIFT_EQUAL,
                                 .rule = -1};
    struct drift_es es[2];
    memset(es, 0, sizeof es);
    es[0].ns = "shop";
    es[0].name = "db-credentials";
    es[0].state = DRIFT_ES_SYNCED;
    es[1].ns = "shop";
    es[1].name = "stripe";
    es[1].state = DRIFT_ES_SYNC_ERROR;
    es[1].ready_message = "could not get secret data from provider";
    struct drift_es_row esr[2];
    memset(esr, 0, sizeof esr);
    esr[0].es = &es[0];
    esr[0].side = ANALYSIS_TARGET;
    esr[1].es = &es[1];
    esr[1].side = ANALYSIS_TARGET;
    struct drift_report rep;
    memset(&rep, 0, sizeof rep);
    rep.mode[0] = rep.mode[1] = DRIFT_MODE_CONTENTS;
    rep.read[0] = rep.read[1] = true;
    rep.rows = rows;
    rep.nrows = 3;
    rep.es = esr;
    rep.nes = 2;
    in.drift = &rep;

    EXPECT(&in, "{check: secret_drift, max: 0}", RUNBOOK_FAIL,
           "2 secrets drifted (at most 0): shop/stripe-api-key missing on the target");
    EXPECT(&in, "{check: secret_drift, max: 2}", RUNBOOK_PASS, "2 secrets drifted (at most 2)");
    EXPECT(&in, "{check: secret_drift, namespace: payments}", RUNBOOK_PASS, "0 secrets drifted");
    EXPECT(&in, "{check: external_secrets_synced}", RUNBOOK_FAIL,
           "1/2 ExternalSecrets synced; shop/stripe: sync error - could not get secret data");
    EXPECT(&in, "{check: external_secrets_synced, namespace: payments}", RUNBOOK_UNKNOWN,
           "no ExternalSecrets found on target in payments");
    es[1].state = DRIFT_ES_SYNCED;
    EXPECT(&in, "{check: external_secrets_synced}", RUNBOOK_PASS, "2/2 ExternalSecrets synced");

    /* Metadata mode: the equal-looking ones are not known to be equal. */
    rows[2].state = DRIFT_UNKNOWN;
    rep.mode[1] = DRIFT_MODE_METADATA;
    EXPECT(&in, "{check: secret_drift, namespace: payments}", RUNBOOK_UNKNOWN,
           "1 secret not compared (metadata only: contents not read)");
}

static void test_step_verdict(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    const char *y = "name: t\nsource: a\ntarget: b\nsteps:\n  - title: s\n    checks:\n"
                    "      - {check: worker_zones, min: 3}\n      - {check: nodes_ready}\n"
                    "  - title: u\n    checks:\n      - {check: worker_zones, min: 3}\n"
                    "      - {check: secret_drift}\n"
                    "  - title: v\n    checks:\n      - {check: secret_drift}\n"
                    "      - {check: workload_parity, workload: shop/api}\n";
    struct runbook *rb = NULL;
    struct error err;
    assert_int_equal(runbook_load_text(y, strlen(y), "t", NULL, 0, &rb, &err), 0);
    struct runbook_gate g[2];
    assert_int_equal(runbook_eval_step(&rb->steps[0], &f.in, g), RUNBOOK_PASS);
    assert_int_equal(runbook_eval_step(&rb->steps[1], &f.in, g), RUNBOOK_UNKNOWN);
    assert_int_equal(g[0].verdict, RUNBOOK_PASS);
    assert_int_equal(g[1].verdict, RUNBOOK_UNKNOWN);
    assert_int_equal(runbook_eval_step(&rb->steps[2], &f.in, g), RUNBOOK_FAIL);
    runbook_free(rb);
    fix_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes_and_zones), cmocka_unit_test(test_workloads),
        cmocka_unit_test(test_traffic),         cmocka_unit_test(test_drift),
        cmocka_unit_test(test_step_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
