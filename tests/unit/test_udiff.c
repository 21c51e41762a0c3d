/* Unit tests of core/udiff.c: unified line diffs against what diff -u prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/udiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *diff_of(const char *a, const char *b, int ctx)
{
    struct udiff *d = udiff_new(a, strlen(a), b, strlen(b), ctx);
    char *t = udiff_text(d, "a", "b");
    udiff_free(d);
    return t;
}

static void test_identical(void **state)
{
    (void)state;
    const char *a = "one\ntwo\nthree\n";
    struct udiff *d = udiff_new(a, strlen(a), a, strlen(a), 3);
    assert_true(d->identical);
    assert_int_equal(d->n, 0);
    assert_int_equal(d->added + d->removed, 0);
    char *t = udiff_text(d, "a", "b");
    assert_string_equal(t, "");
    free(t);
    udiff_free(d);
}

static void test_one_line_changed(void **state)
{
    (void)state;
    char *t = diff_of("LOG_LEVEL=info\nPHP=256M\nUPSTREAM=x\n",
                      "LOG_LEVEL=debug\nPHP=256M\nUPSTREAM=x\n", 3);
    assert_string_equal(t, "--- a\n+++ b\n@@ -1,3 +1,3 @@\n-LOG_LEVEL=info\n+LOG_LEVEL=debug\n"
                           " PHP=256M\n UPSTREAM=x\n");
    free(t);
}

static void test_insert_and_delete_at_edges(void **state)
{
    (void)state;
    char *t = diff_of("b\nc\n", "a\nb\nc\n", 3);
    assert_string_equal(t, "--- a\n+++ b\n@@ -1,2 +1,3 @@\n+a\n b\n c\n");
    free(t);
    t = diff_of("a\nb\nc\n", "a\nb\n", 3);
    assert_string_equal(t, "--- a\n+++ b\n@@ -1,3 +1,2 @@\n a\n b\n-c\n");
    free(t);
    /* from nothing, to nothing: the zero-length side names line 0 */
    t = diff_of("", "x\ny\n", 3);
    assert_string_equal(t, "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    free(t);
    t = diff_of("x\n", "", 0);
    assert_string_equal(t, "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-x\n");
    free(t);
}

static void test_context_splits_and_joins_hunks(void **state)
{
    (void)state;
    /* 20 lines; change 2 and 19: far apart with context 3 -> two hunks */
    char a[400] = "", b[400] = "";
    for (int i = 1; i <= 20; i++) {
        char l[16];
        snprintf(l, sizeof l, "l%d\n", i);
        strcat(a, l);
        if (i == 2)
            strcat(b, "L2\n");
        else if (i == 19)
            strcat(b, "L19\n");
        else
            strcat(b, l);
    }
    struct udiff *d = udiff_new(a, strlen(a), b, strlen(b), 3);
    int hunks = 0;
    for (size_t i = 0; i < d->n; i++)
        hunks += d->lines[i].op == UDIFF_HUNK;
    assert_int_equal(hunks, 2);
    assert_int_equal(d->added, 2);
    assert_int_equal(d->removed, 2);
    assert_string_equal(d->lines[0].text, "@@ -1,5 +1,5 @@");
    /* line numbers of a context line */
    assert_int_equal(d->lines[1].op, UDIFF_CONTEXT);
    assert_int_equal(d->lines[1].a_line, 1);
    assert_int_equal(d->lines[1].b_line, 1);
    udiff_free(d);
    /* with context 10 the gap of 16 lines joins them into one hunk */
    d = udiff_new(a, strlen(a), b, strlen(b), 10);
    hunks = 0;
    for (size_t i = 0; i < d->n; i++)
        hunks += d->lines[i].op == UDIFF_HUNK;
    assert_int_equal(hunks, 1);
    udiff_free(d);
}

/* The same as diff -u (GNU diffutils) for an envoy configuration changed in a few places. */
static void test_matches_diff_u(void **state)
{
    (void)state;
    const char *a = "static_resources:\n  listeners:\n  - name: listener_0\n    address:\n"
                    "      socket_address: { address: 0.0.0.0, port_value: 10000 }\n"
                    "    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http\n"
                    "        typed_config:\n          stat_prefix: ingress_http\n"
                    "          route_config:\n            virtual_hosts:\n            - name: api\n"
                    "              domains: [\"*\"]\n              routes:\n"
                    "              - match: { prefix: \"/\" }\n"
                    "                route: { cluster: checkout, timeout: 15s }\n"
                    "  clusters:\n  - name: checkout\n    connect_timeout: 0.25s\n"
                    "    type: STRICT_DNS\n    lb_policy: ROUND_ROBIN\n";
    const char *b = "static_resources:\n  listeners:\n  - name: listener_0\n    address:\n"
                    "      socket_address: { address: 0.0.0.0, port_value: 10000 }\n"
                    "    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http\n"
                    "        typed_config:\n          stat_prefix: ingress_http\n"
                    "          route_config:\n            virtual_hosts:\n            - name: api\n"
                    "              domains: [\"*\"]\n              routes:\n"
                    "              - match: { prefix: \"/\" }\n"
                    "                route: { cluster: checkout, timeout: 30s }\n"
                    "                retry_policy: { retry_on: 5xx, num_retries: 3 }\n"
                    "  clusters:\n  - name: checkout\n    connect_timeout: 1s\n"
                    "    type: STRICT_DNS\n    lb_policy: LEAST_REQUEST\n";
    char dir[] = "/tmp/udiffXXXXXX";
    assert_non_null(mkdtemp(dir));
    char pa[64], pb[64], cmd[256];
    snprintf(pa, sizeof pa, "%s/a", dir);
    snprintf(pb, sizeof pb, "%s/b", dir);
    FILE *f = fopen(pa, "w");
    fputs(a, f);
    fclose(f);
    f = fopen(pb, "w");
    fputs(b, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "diff -U3 --label a --label b %s %s", pa, pb);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char want[4096];
    size_t n = fread(want, 1, sizeof want - 1, p);
    want[n] = '\0';
    pclose(p);
    unlink(pa);
    unlink(pb);
    rmdir(dir);
    char *got = diff_of(a, b, 3);
    assert_string_equal(got, want);
    free(got);
}

static void test_large_input_stays_bounded(void **state)
{
    (void)state;
    /* 3000 lines all different: the trace limit gives one replacing hunk, not a huge table */
    size_t n = 3000;
    char *a = malloc(n * 8 + 1), *b = malloc(n * 8 + 1);
    char *pa = a, *pb = b;
    for (size_t i = 0; i < n; i++) {
        pa += sprintf(pa, "a%05zu\n", i);
        pb += sprintf(pb, "b%05zu\n", i);
    }
    struct udiff *d = udiff_new(a, strlen(a), b, strlen(b), 3);
    assert_false(d->identical);
    assert_int_equal(d->added, (int)n);
    assert_int_equal(d->removed, (int)n);
    udiff_free(d);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_one_line_changed),
        cmocka_unit_test(test_insert_and_delete_at_edges),
        cmocka_unit_test(test_context_splits_and_joins_hunks),
        cmocka_unit_test(test_matches_diff_u),
        cmocka_unit_test(test_large_input_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
