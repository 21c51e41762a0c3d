/* The simulator's Route53 handler called directly, with an action that does not match its path
 * (the handler is given both): it answers NoSuchChange instead of reading an id that is not
 * there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/sim_aws.h"

static struct sim_aws_reply call(struct sim_aws_r53 *r, const char *method, const char *path,
                                 const char *action)
{
    struct sim_aws_params q = {0};
    struct sim_aws_call c = {.method = method,
                             .path = path,
                             .query = &q,
                             .body = "",
                             .action = action,
                             .request_id = "req-1"};
    struct sim_aws_reply out = {0};
    sim_aws_r53_handle(r, &c, &out);
    return out;
}

static void reply_fini(struct sim_aws_reply *out)
{
    free(out->body);
    free(out->error_type);
}

static void test_get_change_without_id(void **state)
{
    (void)state;
    struct sim_aws_spec spec = {0};
    struct sim_aws_r53 *r = sim_aws_r53_new(&spec);
    /* the path names no change: the router would not call this GetChange, a caller may */
    assert_null(sim_aws_r53_action("GET", "/2013-04-01/change"));
    struct sim_aws_reply out = call(r, "GET", "/2013-04-01/change", "GetChange");
    assert_int_equal(out.status, 404);
    assert_non_null(out.body);
    assert_non_null(strstr(out.body, "<Code>NoSuchChange</Code>"));
    assert_non_null(strstr(out.body, "does not exist: <"));
    reply_fini(&out);
    /* and with an id that was never made, the same answer naming it */
    assert_string_equal(sim_aws_r53_action("GET", "/2013-04-01/change/CNOPE"), "GetChange");
    out = call(r, "GET", "/2013-04-01/change/CNOPE", "GetChange");
    assert_int_equal(out.status, 404);
    assert_non_null(strstr(out.body, "does not exist: CNOPE<"));
    reply_fini(&out);
    sim_aws_r53_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_change_without_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
