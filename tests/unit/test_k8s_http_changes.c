/* k8s_http never sends a change twice: a PATCH, PUT, POST or DELETE answered 503 or 429 is
 * reported (its outcome is unknown: a proxy may answer 503 after the API server applied it) and
 * not resent; reads are still retried. Against the in-process simulator, counting requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../lib/informer_sim.h"

static struct sim *sim;
static struct kube_context ctx;
static struct k8s_http *http;

static int setup(void **state)
{
    (void)state;
    sim = informer_sim_start();
    informer_sim_context(sim, 1, &ctx);
    http = informer_http(&ctx, false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    k8s_http_free(http);
    kube_context_fini(&ctx);
    sim_stop(sim);
    return 0;
}

static int clear(void **state)
{
    (void)state;
    sim_faults_clear(sim);
    return 0;
}

/* Requests the simulator saw for the target while one call ran. */
static long sent(const char *method, const char *path, const char *body, long *status, char *msg,
                 size_t msglen)
{
    long before = informer_sim_requests(sim, "eks-prod", "total");
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    int rc = informer_request(http, method, path, body, &resp, &err);
    *status = rc == 0 ? 200 : resp.status;
    snprintf(msg, msglen, "%s", err.msg);
    return informer_sim_requests(sim, "eks-prod", "total") - before;
}

#define CM "/api/v1/namespaces/shop/configmaps/hardening-cm"
#define PATCH_BODY "{\"metadata\":{\"annotations\":{\"hardening/test\":\"1\"}}}"

static void make_cm(void)
{
    long status;
    char msg[600];
    sent("POST", "/api/v1/namespaces/shop/configmaps",
         "{\"metadata\":{\"name\":\"hardening-cm\",\"namespace\":\"shop\"},\"data\":{}}", &status,
         msg, sizeof msg);
}

static void test_change_not_resent_on_503(void **state)
{
    (void)state;
    make_cm();
    assert_true(sim_fault_add(sim, "{\"cluster\":\"eks-prod\",\"fault\":\"error\",\"status\":503,"
                                   "\"path\":\"/configmaps\"}") >= 0);
    long status;
    char msg[600];
    assert_int_equal(sent("PATCH", CM, PATCH_BODY, &status, msg, sizeof msg), 1);
    assert_int_equal(status, 503);
    assert_non_null(strstr(msg, "not resent"));
    assert_int_equal(sent("POST", "/api/v1/namespaces/shop/configmaps",
                          "{\"metadata\":{\"name\":\"hardening-new\"}}", &status, msg, sizeof msg),
                     1);
    assert_int_equal(
        sent("PUT", CM, "{\"metadata\":{\"name\":\"envoy-routes\"}}", &status, msg, sizeof msg), 1);
    assert_int_equal(sent("DELETE", CM, NULL, &status, msg, sizeof msg), 1);
    /* a read is still retried: two 503s, then the answer */
    sim_faults_clear(sim);
    assert_true(sim_fault_add(sim, "{\"cluster\":\"eks-prod\",\"fault\":\"error\",\"status\":503,"
                                   "\"path\":\"/configmaps\",\"count\":2}") >= 0);
    assert_int_equal(sent("GET", CM, NULL, &status, msg, sizeof msg), 3);
    assert_int_equal(status, 200);
}

static void test_change_not_resent_on_429(void **state)
{
    (void)state;
    make_cm();
    assert_true(sim_fault_add(sim, "{\"cluster\":\"eks-prod\",\"fault\":\"429\",\"retry_after\":0,"
                                   "\"path\":\"/configmaps\",\"count\":1}") >= 0);
    long status;
    char msg[600];
    assert_int_equal(sent("PATCH", CM, PATCH_BODY, &status, msg, sizeof msg), 1);
    assert_int_equal(status, 429);
    /* the fault is spent: the next one goes through, once */
    assert_int_equal(sent("PATCH", CM, PATCH_BODY, &status, msg, sizeof msg), 1);
    assert_int_equal(status, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_change_not_resent_on_503, clear),
        cmocka_unit_test_teardown(test_change_not_resent_on_429, clear),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
