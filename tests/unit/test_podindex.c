/* The all-pods index: every sort order (ties in namespace/name/cluster order, unknown values last
 * in both directions, checked against a plain comparison sort on random pods), the `/` filter
 * (literal fast path and regex agree, case rules, '!' and the namespace, narrowing), and the
 * worker thread that builds indexes off the UI thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/podindex.h"
#include "../lib/snapfix.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1750000000

/* "ns/name@side" of the i-th row of order (col, desc). */
static const char *at(const struct podindex *idx, enum podindex_col col, bool desc, uint32_t i,
                      char *buf, size_t len)
{
    const struct podindex_row *r = &idx->rows[idx->order[col][desc][i]];
    snprintf(buf, len, "%s/%s@%s", r->pod->obj.ns, r->pod->obj.name, r->side ? "tgt" : "src");
    return buf;
}

static void expect_order(const struct podindex *idx, enum podindex_col col, bool desc,
                         const char *const *want, size_t n)
{
    assert_int_equal(idx->n, n);
    for (size_t i = 0; i < n; i++) {
        char b[200];
        at(idx, col, desc, (uint32_t)i, b, sizeof b);
        if (strcmp(b, want[i]) != 0)
            fail_msg("%s %s row %zu: got %s, want %s", podindex_col_key(col), desc ? "desc" : "asc",
                     i, b, want[i]);
    }
}

static void test_restarts_ties_unknown_reverse(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.6", NOW);
    snapfix_pod(s, "shop", "b", NULL, NULL, NULL, true, 5, NULL, "x");
    snapfix_pod(s, "shop", "a", NULL, NULL, NULL, true, 5, NULL, "x");
    snapfix_pod(s, "data", "z", NULL, NULL, NULL, true, MODEL_COUNT_UNKNOWN, NULL, "x");
    snapfix_pod(t, "shop", "a", NULL, NULL, NULL, true, 2, NULL, "x");
    snapfix_pod(t, "data", "c", NULL, NULL, NULL, true, 0, NULL, "x");
    struct podindex *idx = podindex_build(s, t, NULL);
    assert_int_equal(idx->count[0], 3);
    assert_int_equal(idx->count[1], 2);
    /* canonical: namespace, name, source before target */
    static const char *const canon[] = {"data/c@tgt", "data/z@src", "shop/a@src", "shop/a@tgt",
                                        "shop/b@src"};
    expect_order(idx, PODINDEX_COL_NAMESPACE, false, canon, 5);
    /* ties (5, 5) keep the canonical order in both directions; unknown last in both */
    static const char *const asc[] = {"data/c@tgt", "shop/a@tgt", "shop/a@src", "shop/b@src",
                                      "data/z@src"};
    static const char *const desc[] = {"shop/a@src", "shop/b@src", "shop/a@tgt", "data/c@tgt",
                                       "data/z@src"};
    expect_order(idx, PODINDEX_COL_RESTARTS, false, asc, 5);
    expect_order(idx, PODINDEX_COL_RESTARTS, true, desc, 5);
    /* namespace descending: shop first, names still ascending inside it */
    static const char *const nsdesc[] = {"shop/a@src", "shop/a@tgt", "shop/b@src", "data/c@tgt",
                                         "data/z@src"};
    expect_order(idx, PODINDEX_COL_NAMESPACE, true, nsdesc, 5);
    /* cluster: the source's pods, then the target's, each in canonical order */
    static const char *const cl[] = {"data/z@src", "shop/a@src", "shop/b@src", "data/c@tgt",
                                     "shop/a@tgt"};
    expect_order(idx, PODINDEX_COL_CLUSTER, false, cl, 5);
    podindex_unref(idx);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static void test_status_zone_age_ready(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_node(s, "n-a", "us-east-1a", MODEL_ROLE_WORKER, true, true);
    snapfix_node(s, "n-b", "us-east-1b", MODEL_ROLE_WORKER, true, true);
    struct model_pod *p;
    p = snapfix_pod(s, "ns", "crash", NULL, NULL, "n-b", false, 9, "CrashLoopBackOff", "x,y");
    p->obj.created = NOW - 100;
    p->containers_ready = 1; /* 1/2 */
    p = snapfix_pod(s, "ns", "fine", NULL, NULL, "n-a", true, 0, NULL, "x,y");
    p->obj.created = NOW - 10;
    p = snapfix_pod(s, "ns", "lost", NULL, NULL, "gone-node", true, 0, NULL, "x");
    p->obj.created = 0; /* unknown */
    p->phase = NULL;    /* and no status */
    p->containers_ready = MODEL_COUNT_UNKNOWN;
    p = snapfix_pod(s, "ns", "pending", NULL, NULL, NULL, false, 0, NULL, "x");
    p->obj.created = NOW - 5000;
    p->phase = "Pending";
    struct podindex *idx = podindex_build(s, NULL, NULL);
    static const char *const status[] = {"ns/crash@src", "ns/pending@src", "ns/fine@src",
                                         "ns/lost@src"};
    expect_order(idx, PODINDEX_COL_STATUS, false, status, 4);
    static const char *const zone[] = {"ns/fine@src", "ns/crash@src", "ns/lost@src",
                                       "ns/pending@src"};
    expect_order(idx, PODINDEX_COL_ZONE, false, zone, 4);
    static const char *const age[] = {"ns/fine@src", "ns/crash@src", "ns/pending@src",
                                      "ns/lost@src"};
    expect_order(idx, PODINDEX_COL_AGE, false, age, 4);
    static const char *const age_desc[] = {"ns/pending@src", "ns/crash@src", "ns/fine@src",
                                           "ns/lost@src"};
    expect_order(idx, PODINDEX_COL_AGE, true, age_desc, 4);
    /* ready as a fraction: 0/1, 1/2, 2/2, then unknown */
    static const char *const ready[] = {"ns/pending@src", "ns/crash@src", "ns/fine@src",
                                        "ns/lost@src"};
    expect_order(idx, PODINDEX_COL_READY, false, ready, 4);
    /* node names: gone-node, n-a, n-b; no node last */
    static const char *const node[] = {"ns/lost@src", "ns/fine@src", "ns/crash@src",
                                       "ns/pending@src"};
    expect_order(idx, PODINDEX_COL_NODE, false, node, 4);
    /* the zone of a pod comes from its node; a node the snapshot does not have: unknown */
    for (uint32_t i = 0; i < idx->n; i++) {
        const struct podindex_row *r = &idx->rows[i];
        if (strcmp(r->pod->obj.name, "crash") == 0)
            assert_string_equal(r->zone, "us-east-1b");
        if (strcmp(r->pod->obj.name, "lost") == 0)
            assert_null(r->zone);
    }
    podindex_unref(idx);
    model_cluster_unref(s);
}

/* ---- every order against a comparison sort on random pods --------------------------------- */

/* CPU REQ and CPU LIM: by millicores; a pod that sets none ("-") is below every value and an
 * unknown one ("?", a Table row) last in both directions. */
static void test_cpu_columns(void **state)
{
    (void)state;
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    struct model_cluster *t = snapfix_new("tgt", "v1.29.6", NOW);
    struct model_pod *p;
    p = snapfix_pod(s, "ns", "big", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = 2000;
    p->cpu_limit_m = 4000;
    p = snapfix_pod(s, "ns", "small", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = 250;
    p = snapfix_pod(s, "ns", "bare", NULL, NULL, NULL, true, 0, NULL, "x"); /* none set */
    p = snapfix_pod(t, "ns", "table", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = p->cpu_limit_m = MODEL_QTY_UNKNOWN;
    p = snapfix_pod(t, "ns", "small", NULL, NULL, NULL, true, 0, NULL, "x");
    p->cpu_request_m = 250; /* a tie with the source's: source first both ways */
    p->cpu_limit_m = 500;
    assert_int_equal(
        snapfix_pod(s, "ns", "fresh", NULL, NULL, NULL, true, 0, NULL, "x")->cpu_request_m,
        MODEL_QTY_NONE); /* a row packed without resources reads as none set */
    struct podindex *idx = podindex_build(s, t, NULL);
    static const char *const req[] = {"ns/bare@src",  "ns/fresh@src", "ns/small@src",
                                      "ns/small@tgt", "ns/big@src",   "ns/table@tgt"};
    expect_order(idx, PODINDEX_COL_CPU_REQ, false, req, 6);
    static const char *const req_desc[] = {"ns/big@src",  "ns/small@src", "ns/small@tgt",
                                           "ns/bare@src", "ns/fresh@src", "ns/table@tgt"};
    expect_order(idx, PODINDEX_COL_CPU_REQ, true, req_desc, 6);
    static const char *const lim_desc[] = {"ns/big@src",   "ns/small@tgt", "ns/bare@src",
                                           "ns/fresh@src", "ns/small@src", "ns/table@tgt"};
    expect_order(idx, PODINDEX_COL_CPU_LIM, true, lim_desc, 6);
    assert_string_equal(podindex_col_name(PODINDEX_COL_CPU_REQ), "CPU REQ");
    assert_int_equal(podindex_col_from_name("cpu-limit"), PODINDEX_COL_CPU_LIM);
    podindex_unref(idx);
    model_cluster_unref(s);
    model_cluster_unref(t);
}

static const struct podindex *cmp_idx;
static enum podindex_col cmp_col;
static bool cmp_desc;

static int cmp_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a == NULL) - (b == NULL); /* unknown last */
    return strcmp(a, b);
}

/* unknown (1) after known (0) in both directions; -1 / 0 / 1 for known values */
static int cmp_known(bool ka, bool kb, long long a, long long b, bool desc)
{
    if (!ka || !kb)
        return (int)!ka - (int)!kb;
    int c = (a > b) - (a < b);
    return desc ? -c : c;
}

static int canon_cmp(const struct podindex_row *x, const struct podindex_row *y)
{
    int c = cmp_str(x->pod->obj.ns, y->pod->obj.ns);
    if (c == 0)
        c = cmp_str(x->pod->obj.name, y->pod->obj.name);
    if (c == 0)
        c = (int)x->side - (int)y->side;
    return c;
}

static int ref_cmp(const void *a, const void *b)
{
    const struct podindex_row *x = &cmp_idx->rows[*(const uint32_t *)a];
    const struct podindex_row *y = &cmp_idx->rows[*(const uint32_t *)b];
    const struct model_pod *p = x->pod, *q = y->pod;
    int c = 0;
    bool d = cmp_desc;
    switch (cmp_col) {
    case PODINDEX_COL_CLUSTER:
        c = cmp_known(true, true, x->side, y->side, d);
        break;
    case PODINDEX_COL_NAMESPACE:
    case PODINDEX_COL_NAME: {
        const char *sa = cmp_col == PODINDEX_COL_NAME ? p->obj.name : p->obj.ns;
        const char *sb = cmp_col == PODINDEX_COL_NAME ? q->obj.name : q->obj.ns;
        c = sa && sb ? (d ? -strcmp(sa, sb) : strcmp(sa, sb)) : cmp_str(sa, sb);
        break;
    }
    case PODINDEX_COL_STATUS:
    case PODINDEX_COL_NODE:
    case PODINDEX_COL_ZONE: {
        const char *sa = cmp_col == PODINDEX_COL_STATUS ? podindex_pod_status(p)
                         : cmp_col == PODINDEX_COL_NODE ? p->node
                                                        : x->zone;
        const char *sb = cmp_col == PODINDEX_COL_STATUS ? podindex_pod_status(q)
                         : cmp_col == PODINDEX_COL_NODE ? q->node
                                                        : y->zone;
        c = sa && sb ? (d ? -strcmp(sa, sb) : strcmp(sa, sb)) : cmp_str(sa, sb);
        break;
    }
    case PODINDEX_COL_RESTARTS:
        c = cmp_known(p->restarts >= 0, q->restarts >= 0, p->restarts, q->restarts, d);
        break;
    case PODINDEX_COL_READY: {
        bool ka = p->containers_ready >= 0 && p->containers > 0;
        bool kb = q->containers_ready >= 0 && q->containers > 0;
        /* compare ready/containers as fractions without rounding */
        long long fa = ka ? (long long)p->containers_ready * (kb ? q->containers : 1) : 0;
        long long fb = kb ? (long long)q->containers_ready * (ka ? p->containers : 1) : 0;
        c = cmp_known(ka, kb, fa, fb, d);
        break;
    }
    case PODINDEX_COL_CPU_REQ:
    case PODINDEX_COL_CPU_LIM: {
        /* none set (-1) below every value, unknown (-2) last */
        long long ma = cmp_col == PODINDEX_COL_CPU_REQ ? p->cpu_request_m : p->cpu_limit_m;
        long long mb = cmp_col == PODINDEX_COL_CPU_REQ ? q->cpu_request_m : q->cpu_limit_m;
        c = cmp_known(ma != MODEL_QTY_UNKNOWN, mb != MODEL_QTY_UNKNOWN, ma, mb, d);
        break;
    }
    case PODINDEX_COL_AGE:
        /* youngest first: a later creation time sorts first */
        c = cmp_known(p->obj.created > 0, q->obj.created > 0, -p->obj.created, -q->obj.created, d);
        break;
    default:
        break;
    }
    return c ? c : canon_cmp(x, y);
}

static void test_orders_match_comparison_sort(void **state)
{
    (void)state;
    srand(7);
    struct model_cluster *side[2] = {snapfix_new("src", "v1.24.17", NOW),
                                     snapfix_new("tgt", "v1.29.6", NOW)};
    static const char *const zones[] = {"us-east-1a", "us-east-1b", "us-east-1c", NULL};
    static const char *const waits[] = {NULL, NULL, NULL, "CrashLoopBackOff", "ImagePullBackOff"};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 40; i++) {
            char node[32];
            snprintf(node, sizeof node, "node-%02d", i);
            snapfix_node(side[s], node, zones[i % 4], MODEL_ROLE_WORKER, true, true);
        }
    for (int i = 0; i < 3000; i++) {
        int s = rand() % 2;
        char ns[32], name[48], node[32];
        snprintf(ns, sizeof ns, "ns-%d", rand() % 7);
        snprintf(name, sizeof name, "app-%d-%d", rand() % 50, rand() % 40);
        snprintf(node, sizeof node, "node-%02d", rand() % 45); /* some nodes do not exist */
        int32_t rst = rand() % 6 == 0 ? MODEL_COUNT_UNKNOWN : rand() % 8;
        struct model_pod *p =
            snapfix_pod(side[s], ns, name, NULL, NULL, rand() % 10 ? node : NULL, rand() % 2, rst,
                        waits[rand() % 5], rand() % 2 ? "a" : "a,b,c");
        p->containers_ready = rand() % 9 == 0 ? MODEL_COUNT_UNKNOWN : rand() % (p->containers + 1);
        p->obj.created = rand() % 8 == 0 ? 0 : NOW - rand() % 500;
        if (rand() % 12 == 0)
            p->phase = NULL;
        static const int64_t cpus[] = {
            MODEL_QTY_NONE, MODEL_QTY_UNKNOWN, 0, 1, 100, 250, 1000, 1500, 64000, INT64_MAX};
        p->cpu_request_m = cpus[rand() % 10];
        p->cpu_limit_m = cpus[rand() % 10];
    }
    struct podindex *idx = podindex_build(side[0], side[1], NULL);
    assert_int_equal(idx->n, 3000);
    uint32_t *ref = calloc(idx->n, sizeof *ref);
    cmp_idx = idx;
    for (int c = 0; c < PODINDEX_COL_COUNT; c++)
        for (int d = 0; d < 2; d++) {
            for (uint32_t i = 0; i < idx->n; i++)
                ref[i] = i;
            cmp_col = (enum podindex_col)c;
            cmp_desc = d;
            qsort(ref, idx->n, sizeof *ref, ref_cmp);
            for (uint32_t i = 0; i < idx->n; i++) {
                /* equal rows (same ns/name/side twice) may be in either order */
                if (ref[i] != idx->order[c][d][i] && ref_cmp(&ref[i], &idx->order[c][d][i]) != 0)
                    fail_msg("%s %s: row %u differs", podindex_col_key((enum podindex_col)c),
                             d ? "desc" : "asc", i);
            }
        }
    free(ref);
    podindex_unref(idx);
    model_cluster_unref(side[0]);
    model_cluster_unref(side[1]);
}

/* ---- the filter ------------------------------------------------------------------------------ */

static struct model_cluster *filter_fixture(void)
{
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    snapfix_pod(s, "shop", "checkout-5d8f7c9b6-x0000", NULL, NULL, NULL, true, 0, NULL, "x");
    snapfix_pod(s, "shop", "api-5d8f7c9b6-x0001", NULL, NULL, NULL, true, 0, NULL, "x");
    snapfix_pod(s, "Shop-Legacy", "CheckOut-Old", NULL, NULL, NULL, true, 0, NULL, "x");
    snapfix_pod(s, "logging", "fluentd-abcde", NULL, NULL, NULL, true, 0, NULL, "x");
    snapfix_pod(s, "data", "redis-0", NULL, NULL, NULL, true, 0, NULL, "x");
    return s;
}

/* The names row i..n that f keeps, joined by ' '. */
static const char *kept(const struct podindex *idx, const struct podindex_filter *f, char *buf,
                        size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (uint32_t j = 0; j < idx->n; j++) {
        uint32_t i = idx->order[PODINDEX_COL_NAMESPACE][0][j];
        const struct podindex_row *r = &idx->rows[i];
        if (podindex_filter_match(f, idx, i))
            off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", r->pod->obj.name);
    }
    return buf;
}

static void test_filter_literal_regex_case(void **state)
{
    (void)state;
    struct model_cluster *s = filter_fixture();
    struct podindex *idx = podindex_build(s, NULL, NULL);
    struct podindex_filter f;
    memset(&f, 0, sizeof f);
    char buf[512], err[128];
    /* a literal, case-insensitive either way round */
    assert_int_equal(podindex_filter_set(&f, "CHECKOUT", "", err, sizeof err), 0);
    assert_true(f.literal);
    assert_string_equal(kept(idx, &f, buf, sizeof buf), "CheckOut-Old checkout-5d8f7c9b6-x0000");
    /* across the namespace and the name */
    assert_int_equal(podindex_filter_set(&f, "legacy/check", "", err, sizeof err), 0);
    assert_true(f.literal);
    assert_string_equal(kept(idx, &f, buf, sizeof buf), "CheckOut-Old");
    assert_int_equal(podindex_filter_set(&f, "p/api", "", err, sizeof err), 0);
    assert_string_equal(kept(idx, &f, buf, sizeof buf), "api-5d8f7c9b6-x0001");
    /* a regex: metacharacters leave the fast path */
    assert_int_equal(podindex_filter_set(&f, "^shop/(api|checkout)-", "", err, sizeof err), 0);
    assert_false(f.literal);
    assert_string_equal(kept(idx, &f, buf, sizeof buf),
                        "api-5d8f7c9b6-x0001 checkout-5d8f7c9b6-x0000");
    /* '!' inverts, the namespace applies first */
    assert_int_equal(podindex_filter_set(&f, "!checkout", "shop", err, sizeof err), 0);
    assert_string_equal(kept(idx, &f, buf, sizeof buf), "api-5d8f7c9b6-x0001");
    assert_int_equal(podindex_filter_set(&f, "", "data", err, sizeof err), 0);
    assert_false(podindex_filter_all(&f));
    assert_string_equal(kept(idx, &f, buf, sizeof buf), "redis-0");
    /* a bad regex is refused and the filter stays */
    assert_int_equal(podindex_filter_set(&f, "(unclosed", "", err, sizeof err), -1);
    assert_true(err[0] != '\0');
    assert_string_equal(kept(idx, &f, buf, sizeof buf), "redis-0");
    assert_int_equal(podindex_filter_set(&f, "!", "", err, sizeof err), 0);
    assert_true(podindex_filter_all(&f));
    podindex_filter_fini(&f);
    podindex_unref(idx);
    model_cluster_unref(s);
}

/* The literal fast path keeps exactly the rows regexec keeps for the same text. */
static void test_literal_agrees_with_regex(void **state)
{
    (void)state;
    struct model_cluster *s = filter_fixture();
    snapfix_pod(s, "MiXeD", "UPPER-lower", NULL, NULL, NULL, true, 0, NULL, "x");
    struct podindex *idx = podindex_build(s, NULL, NULL);
    static const char *const pats[] = {"shop",
                                       "SHOP",
                                       "p/c",
                                       "o",
                                       "-x000",
                                       "g/f",
                                       "d/u",
                                       "x/y",
                                       "/",
                                       "ed/upper",
                                       "legacy/checkout-old",
                                       "zzz"};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        struct podindex_filter lit, re;
        memset(&lit, 0, sizeof lit);
        memset(&re, 0, sizeof re);
        char rx[300], a[512], b[512];
        snprintf(rx, sizeof rx, "(%s)", pats[i]); /* the same pattern, forced through regexec */
        assert_int_equal(podindex_filter_set(&lit, pats[i], "", NULL, 0), 0);
        assert_int_equal(podindex_filter_set(&re, rx, "", NULL, 0), 0);
        assert_true(lit.literal);
        assert_false(re.literal);
        if (strcmp(kept(idx, &lit, a, sizeof a), kept(idx, &re, b, sizeof b)) != 0)
            fail_msg("/%s: literal kept [%s], regex kept [%s]", pats[i], a, b);
        podindex_filter_fini(&lit);
        podindex_filter_fini(&re);
    }
    podindex_unref(idx);
    model_cluster_unref(s);
}

/* The literal pieces taken from a regex only skip rows regexec would refuse. */
static void test_regex_prefilter_agrees(void **state)
{
    (void)state;
    struct model_cluster *s = filter_fixture();
    snapfix_pod(s, "MiXeD", "UPPER-lower3", NULL, NULL, NULL, true, 0, NULL, "x");
    snapfix_pod(s, "a/b", "c/d", NULL, NULL, NULL, true, 0, NULL, "x");
    struct podindex *idx = podindex_build(s, NULL, NULL);
    static const char *const pats[] = {
        "^[a-z0-9-]+/check.*0$",
        "shop/(api|checkout)",
        "che?ckout",
        "ab*c",
        "x{2}0",
        "o+k",
        "\\.?old$",
        "[]a-z]+-old",
        "[[:alpha:]]+/redis",
        "(shop)/api",
        "ed/upper.*3$",
        "b/c$",
        "d$",
        "^data/",
        "lower3$",
        "x0001$",
        "\\-x000",
    };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        struct podindex_filter with, without;
        memset(&with, 0, sizeof with);
        memset(&without, 0, sizeof without);
        assert_int_equal(podindex_filter_set(&with, pats[i], "", NULL, 0), 0);
        assert_int_equal(podindex_filter_set(&without, pats[i], "", NULL, 0), 0);
        assert_false(with.literal);
        without.nfrag = 0; /* regexec alone */
        char a[512], b[512];
        if (strcmp(kept(idx, &with, a, sizeof a), kept(idx, &without, b, sizeof b)) != 0)
            fail_msg("/%s: with pieces kept [%s], regexec alone [%s]", pats[i], a, b);
        podindex_filter_fini(&with);
        podindex_filter_fini(&without);
    }
    /* the pieces of the benchmark's pattern: "/check" anywhere, "0" at the end */
    struct podindex_filter f;
    memset(&f, 0, sizeof f);
    podindex_filter_set(&f, "^[a-z0-9-]+/Check.*0$", "", NULL, 0);
    assert_int_equal(f.nfrag, 2);
    assert_string_equal(f.frag[0], "/check");
    assert_false(f.frag_suffix[0]);
    assert_string_equal(f.frag[1], "0");
    assert_true(f.frag_suffix[1]);
    podindex_filter_set(&f, "api|cart", "", NULL, 0);
    assert_int_equal(f.nfrag, 0);
    podindex_filter_set(&f, "colou?r", "", NULL, 0);
    assert_int_equal(f.nfrag, 2);
    assert_string_equal(f.frag[0], "colo");
    assert_string_equal(f.frag[1], "r");
    podindex_filter_fini(&f);
    podindex_unref(idx);
    model_cluster_unref(s);
}

static void test_narrowing(void **state)
{
    (void)state;
    struct model_cluster *s = filter_fixture();
    struct podindex *idx = podindex_build(s, NULL, NULL);
    struct podindex_filter a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    podindex_filter_set(&a, "shop", "", NULL, 0);
    podindex_filter_set(&b, "shop/check", "", NULL, 0);
    assert_true(podindex_filter_narrows(&b, &a));
    assert_false(podindex_filter_narrows(&a, &b));
    uint8_t m1[8], m2[8], m3[8];
    uint32_t n1 = podindex_filter_run(&a, idx, NULL, m1);
    assert_int_equal(n1, 3); /* shop twice and Shop-Legacy */
    uint32_t n2 = podindex_filter_run(&b, idx, m1, m2);
    uint32_t n3 = podindex_filter_run(&b, idx, NULL, m3);
    assert_int_equal(n2, 1);
    assert_int_equal(n2, n3);
    assert_memory_equal(m2, m3, idx->n);
    /* an inverted or regex pattern, or another namespace, never narrows */
    podindex_filter_set(&a, "!shop", "", NULL, 0);
    assert_false(podindex_filter_narrows(&b, &a));
    podindex_filter_set(&a, "sh.p", "", NULL, 0);
    assert_false(podindex_filter_narrows(&b, &a));
    podindex_filter_set(&a, "shop", "data", NULL, 0);
    assert_false(podindex_filter_narrows(&b, &a));
    /* the index computes the matches of the filter it is built with */
    struct podindex *idx2 = podindex_build(s, NULL, &b);
    assert_non_null(idx2->match);
    assert_int_equal(idx2->nmatch, 1);
    assert_string_equal(idx2->matched_expr, "shop/check");
    podindex_unref(idx2);
    podindex_filter_fini(&a);
    podindex_filter_fini(&b);
    podindex_unref(idx);
    model_cluster_unref(s);
}

/* Over 65536 rows a filter run is split with a helper thread: the same rows as one by one. */
static void test_split_run_agrees(void **state)
{
    (void)state;
    /* one list of 70000 rows made at once (appending row by row copies the list each time) */
    enum { N = 70000 };
    struct model_cluster *s = snapfix_new("src", "v1.24.17", NOW);
    const struct model_obj **items = calloc(N, sizeof *items);
    static const size_t offs[] = {offsetof(struct model_pod, obj.ns),
                                  offsetof(struct model_pod, obj.name)};
    for (int i = 0; i < N; i++) {
        char ns[32], name[48];
        snprintf(ns, sizeof ns, "ns-%d", i % 13);
        snprintf(name, sizeof name, "%s-%d-%x", i % 3 ? "svc" : "Web", i / 7, i * 2654435761u);
        const char *strs[] = {ns, name};
        struct model_pod *p = model_row_pack(MODEL_RES_PODS, sizeof *p, 2, offs, strs);
        p->containers = 1;
        p->containers_ready = 1;
        p->restarts = 0;
        items[i] = &p->obj;
    }
    model_cluster_take_list(s, MODEL_RES_PODS, items, N);
    struct podindex *idx = podindex_build(s, NULL, NULL);
    assert_true(idx->n >= 65536);
    static const char *const pats[] = {"web-1", "svc-12", "^ns-1[0-2]/web.*[0-9]$", "!svc",
                                       "!e.-3"};
    uint8_t *out = calloc(idx->n, 1), *out2 = calloc(idx->n, 1);
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        struct podindex_filter f;
        memset(&f, 0, sizeof f);
        assert_int_equal(podindex_filter_set(&f, pats[k], k == 1 ? "ns-4" : "", NULL, 0), 0);
        uint32_t hits = podindex_filter_run(&f, idx, NULL, out), want = 0;
        for (uint32_t i = 0; i < idx->n; i++) {
            bool m = podindex_filter_match(&f, idx, i);
            if (m != (bool)out[i])
                fail_msg("/%s row %u: split run says %d", pats[k], i, out[i]);
            want += m;
        }
        assert_int_equal(hits, want);
        assert_true(hits > 0 && hits < idx->n);
        /* and within a previous result */
        uint32_t h2 = podindex_filter_run(&f, idx, out, out2);
        assert_int_equal(h2, hits);
        podindex_filter_fini(&f);
    }
    free(out);
    free(out2);
    podindex_unref(idx);
    model_cluster_unref(s);
}

/* ---- the worker ---------------------------------------------------------------------------- */

static bool wait_byte(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return false;
    char b[16];
    return read(fd, b, sizeof b) > 0;
}

static void test_worker(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct podindex_worker *w = podindex_worker_new(fds[1]);
    assert_false(podindex_worker_busy(w));
    assert_null(podindex_worker_take(w));
    struct model_cluster *s = filter_fixture();
    struct model_cluster *t = filter_fixture();
    podindex_worker_set_filter(w, "checkout", "");
    podindex_worker_submit(w, s, t);
    assert_true(podindex_worker_busy(w));
    assert_true(wait_byte(fds[0], 10000));
    struct podindex *idx = podindex_worker_take(w);
    assert_non_null(idx);
    assert_false(podindex_worker_busy(w));
    assert_int_equal(idx->n, 10);
    assert_int_equal(idx->nmatch, 4); /* two per cluster */
    assert_string_equal(idx->matched_expr, "checkout");
    podindex_unref(idx);
    /* the same pair again builds nothing */
    podindex_worker_submit(w, s, t);
    assert_false(podindex_worker_busy(w));
    assert_false(wait_byte(fds[0], 200));
    /* a new pair with the same rows (a poller republishing) needs no new index */
    struct model_cluster *t2 = model_cluster_clone(t);
    podindex_worker_submit(w, s, t2);
    assert_false(wait_byte(fds[0], 300));
    assert_false(podindex_worker_busy(w));
    assert_null(podindex_worker_take(w));
    /* a changed one does; closing drops what was built */
    snapfix_pod(t2, "new", "pod", NULL, NULL, NULL, true, 0, NULL, "x");
    struct model_cluster *t3 = model_cluster_clone(t2);
    podindex_worker_submit(w, s, t3);
    assert_true(wait_byte(fds[0], 10000));
    podindex_worker_submit(w, NULL, NULL);
    assert_false(podindex_worker_busy(w));
    assert_null(podindex_worker_take(w));
    /* many pairs in a row: the last one's index arrives */
    struct model_cluster *last = NULL;
    for (int i = 0; i < 20; i++) {
        struct model_cluster *c = model_cluster_clone(t);
        snapfix_pod(c, "new", "pod", NULL, NULL, NULL, true, i, NULL, "x");
        podindex_worker_submit(w, s, c);
        model_cluster_unref(last);
        last = c;
    }
    struct podindex *got = NULL;
    for (int tries = 0; tries < 100 && podindex_worker_busy(w); tries++) {
        wait_byte(fds[0], 100);
        struct podindex *x = podindex_worker_take(w);
        if (x) {
            podindex_unref(got);
            got = x;
        }
    }
    assert_non_null(got);
    assert_ptr_equal(got->snap[1], last);
    podindex_unref(got);
    model_cluster_unref(last);
    podindex_worker_free(w);
    podindex_worker_free(NULL);
    model_cluster_unref(s);
    model_cluster_unref(t);
    model_cluster_unref(t2);
    model_cluster_unref(t3);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restarts_ties_unknown_reverse),
        cmocka_unit_test(test_status_zone_age_ready),
        cmocka_unit_test(test_orders_match_comparison_sort),
        cmocka_unit_test(test_cpu_columns),
        cmocka_unit_test(test_filter_literal_regex_case),
        cmocka_unit_test(test_literal_agrees_with_regex),
        cmocka_unit_test(test_regex_prefilter_agrees),
        cmocka_unit_test(test_narrowing),
        cmocka_unit_test(test_split_run_agrees),
        cmocka_unit_test(test_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
