/* backends/prom.c: an answer with a non-2xx HTTP status is an error even when its JSON says
 * "status":"success" (a proxy's error page, a cached body): its numbers are never used as the
 * observed split. A loopback server answers exactly that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../lib/raw_http.h"
#include "cutover/traffic_provider.h"

#define SUCCESS_BODY                                                                               \
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"      \
    "\"value\":[1700000000,\"42\"]}]}}"

static void answer(void *arg, const char *path, int *status, const char **body)
{
    (void)path;
    *status = *(const int *)arg;
    *body = SUCCESS_BODY;
}

static int query(int http_status, double *out, struct error *err)
{
    struct raw_http srv;
    raw_http_start(&srv, answer, &http_status);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    *out = -7;
    error_clear(err);
    int rc = prom_query_sum(url, "sum(up)", 5000, out, err);
    raw_http_stop(&srv);
    return rc;
}

static void test_non_2xx_success_body_is_an_error(void **state)
{
    (void)state;
    double v;
    struct error err;
    /* the same body under 200 is data: the server and the body are right */
    assert_int_equal(query(200, &v, &err), 0);
    assert_true(v == 42);
    static const int bad[] = {500, 503, 404, 302};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(query(bad[i], &v, &err), -1);
        assert_true(v != 42);
        char want[32];
        snprintf(want, sizeof want, "HTTP %d", bad[i]);
        assert_non_null(strstr(err.msg, want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_2xx_success_body_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
