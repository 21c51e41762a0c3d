/* prom_query_sum against Debian's real prometheus scraping Debian's real haproxy's built-in
 * Prometheus exporter (tests/lib/haproxy_test): requests sent through a 70/30 backend are counted
 * per server and summed over the answer's vector; scalars, empty vectors, Prometheus's own errors,
 * a matrix, NaN, an unreachable URL and a server that is not Prometheus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../lib/haproxy_test.h"
#include "cutover/traffic_provider.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct haproxy_test H;
static struct prom_test P;

#define Q_OLD "haproxy_server_http_responses_total{proxy=\"api\",server=\"onprem\"}"
#define Q_NEW "haproxy_server_http_responses_total{proxy=\"api\",server=\"eks\"}"

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls query until it gives want (scrapes come every second), up to 30 s. */
static double wait_value(const char *query, double want)
{
    double v = -1;
    for (int i = 0; i < 150; i++) {
        struct error err;
        error_clear(&err);
        if (prom_query_sum(P.url, query, 2000, &v, &err) == 0 && v == want)
            return v;
        nap_ms(200);
    }
    return v;
}

static int setup(void **state)
{
    (void)state;
    struct haproxy_test_opts o = {.old_weight = 70, .new_weight = 30};
    if (haproxy_test_start(&o, &H) < 0)
        return -1;
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", H.metrics_port);
    if (prom_test_start(target, &P) < 0) {
        haproxy_test_stop(&H);
        return -1;
    }
    /* The first scrape sees both servers at 0 (rates below start from there). */
    if (wait_value("sum(up{job=\"haproxy\"})", 1) != 1)
        return -1;
    /* 20 requests through the 70/30 backend: round robin gives exactly 14 and 6. */
    if (haproxy_test_http_get(H.frontend_port, 20) != 20)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    prom_test_stop(&P);
    haproxy_test_stop(&H);
    return 0;
}

static void test_counts_per_server_summed_over_the_vector(void **state)
{
    (void)state;
    /* Each server's series has one element per status class (1xx..5xx, other): a sum. */
    assert_true(wait_value(Q_OLD, 14) == 14);
    assert_true(wait_value(Q_NEW, 6) == 6);
    double v = -1;
    struct error err;
    error_clear(&err);
    assert_int_equal(
        prom_query_sum(P.url, "haproxy_server_http_responses_total{proxy=\"api\"}", 2000, &v, &err),
        0);
    assert_true(v == 20);
}

static void test_observed_split_from_rates(void **state)
{
    (void)state;
    /* A rate needs the counter to move between two scrapes: more requests once the present
     * count has been scraped. */
    double before = -1;
    struct error e0;
    assert_int_equal(prom_query_sum(P.url, "sum(" Q_OLD ") + sum(" Q_NEW ")", 2000, &before, &e0),
                     0);
    assert_true(before >= 20);
    assert_int_equal(haproxy_test_http_get(H.frontend_port, 20), 20);
    assert_true(wait_value("sum(" Q_OLD ") + sum(" Q_NEW ")", before + 20) == before + 20);
    const char *rate_old = "sum(rate(" Q_OLD "[1m]))";
    const char *rate_new = "sum(rate(" Q_NEW "[1m]))";
    double o = 0, n = 0;
    for (int i = 0; i < 150; i++) {
        struct error err;
        if (prom_query_sum(P.url, rate_old, 2000, &o, &err) == 0 &&
            prom_query_sum(P.url, rate_new, 2000, &n, &err) == 0 && o > 0 && n > 0)
            break;
        nap_ms(200);
    }
    assert_true(o > 0 && n > 0);
    double pct_new = 100.0 * n / (o + n);
    if (fabs(pct_new - 30.0) > 1.0)
        fail_msg("observed %.2f%% to the new side, configured 30%%", pct_new);
}

static void test_scalar_and_empty_vector(void **state)
{
    (void)state;
    double v = -1;
    struct error err;
    error_clear(&err);
    assert_int_equal(prom_query_sum(P.url, "1 + 2.5", 2000, &v, &err), 0);
    assert_true(v == 3.5);
    assert_int_equal(prom_query_sum(P.url, "scalar(vector(7))", 2000, &v, &err), 0);
    assert_true(v == 7);
    /* No such series: an empty vector is 0 requests, not an error. */
    assert_int_equal(prom_query_sum(P.url, "haproxy_server_http_responses_total{server=\"nope\"}",
                                    2000, &v, &err),
                     0);
    assert_true(v == 0);
    /* A base URL with a trailing slash works the same. */
    char url[80];
    snprintf(url, sizeof url, "%s/", P.url);
    assert_int_equal(prom_query_sum(url, "vector(2)", 2000, &v, &err), 0);
    assert_true(v == 2);
}

static void expect_error(const char *base, const char *query, const char *want)
{
    double v = 123;
    struct error err;
    error_clear(&err);
    assert_int_equal(prom_query_sum(base, query, 2000, &v, &err), -1);
    if (strstr(err.msg, want) == NULL)
        fail_msg("error '%s' does not say '%s'", err.msg, want);
    assert_true(v < 0);
}

static void test_errors(void **state)
{
    (void)state;
    /* Prometheus's own error answer (HTTP 400, errorType bad_data). */
    expect_error(P.url, "sum(", "HTTP 400: bad_data: ");
    expect_error(P.url, "haproxy_server_http_responses_total[1m]", "result type matrix");
    expect_error(P.url, "0/0", "NaN");
    expect_error(P.url, "", "no URL or no query");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", test_free_port());
    expect_error(url, "vector(1)", url);
    /* haproxy's frontend answers 200 "old": not the query API. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d", H.frontend_port);
    expect_error(url, "vector(1)", "not a query API answer");
}

/* Credentials in the URL (user:password@) never reach an error message. */
static void test_url_credentials_not_in_errors(void **state)
{
    (void)state;
    char url[96];
    snprintf(url, sizeof url, "http://prom-user:s3cr3t-pw@127.0.0.1:%d/", test_free_port());
    double v = 123;
    struct error err;
    error_clear(&err);
    assert_int_equal(prom_query_sum(url, "vector(1)", 2000, &v, &err), -1);
    if (strstr(err.msg, "s3cr3t-pw") != NULL || strstr(err.msg, "prom-user") != NULL)
        fail_msg("the URL's credentials are in the error: %s", err.msg);
    assert_non_null(strstr(err.msg, "http://127.0.0.1:"));
}

/* A proxy from the environment is not used for a loopback Prometheus (as the AWS client). */
static void test_loopback_ignores_proxy_env(void **state)
{
    (void)state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", test_free_port()); /* nobody listens */
    setenv("http_proxy", proxy, 1);
    setenv("HTTP_PROXY", proxy, 1);
    double v = -1;
    struct error err;
    error_clear(&err);
    int rc = prom_query_sum(P.url, "vector(1)", 2000, &v, &err);
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    if (rc != 0)
        fail_msg("query through an environment proxy: %s", err.msg);
    assert_true(v == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_per_server_summed_over_the_vector),
        cmocka_unit_test(test_observed_split_from_rates),
        cmocka_unit_test(test_scalar_and_empty_vector),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_url_credentials_not_in_errors),
        cmocka_unit_test(test_loopback_ignores_proxy_env),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
