/* aws_http: credentials from an SSO GetRoleCredentials answer are overwritten in json-c's tree
 * before it is freed (json-c frees its strings without wiping them). json_object_put is
 * interposed here to look at the tree as it is handed back. A loopback server plays the SSO
 * portal. (curl's receive buffer, wiped after each piece is copied, and the STS answer's XML
 * nodes, wiped before xml_free, cannot be seen from a test.) */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/raw_http.h"
#include "cutover/aws_creds.h"
#include "cutover/aws_http.h"

#define SK "SsoSecretKeyMarker0123456789abcdefABCDEF"
#define TOK "SsoSessionTokenMarker-0123456789"

static char seen_sk[128]; /* secretAccessKey as it was in the tree json-c freed */
static char seen_tok[128];
static int seen;

int json_object_put(json_object *o)
{
    static int (*real)(json_object *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "json_object_put");
    json_object *rc = NULL, *v = NULL;
    if (o && json_object_is_type(o, json_type_object) &&
        json_object_object_get_ex(o, "roleCredentials", &rc) &&
        json_object_is_type(rc, json_type_object)) {
        if (json_object_object_get_ex(rc, "secretAccessKey", &v))
            snprintf(seen_sk, sizeof seen_sk, "%s", json_object_get_string(v));
        if (json_object_object_get_ex(rc, "sessionToken", &v))
            snprintf(seen_tok, sizeof seen_tok, "%s", json_object_get_string(v));
        seen++;
    }
    return real(o);
}

static void answer(void *arg, const char *path, int *status, const char **body)
{
    (void)arg;
    (void)path;
    *status = 200;
    *body = "{\"roleCredentials\":{\"accessKeyId\":\"ASIAHARDENING0000001\",\"secretAccessKey\":"
            "\"" SK "\",\"sessionToken\":\"" TOK "\",\"expiration\":4102444800000}}";
}

static void test_sso_keys_wiped_in_json_c(void **state)
{
    (void)state;
    struct raw_http srv;
    raw_http_start(&srv, answer, NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    struct aws_http_creds_ctx ctx = {.endpoint = url, .timeout_ms = 5000};
    struct aws_creds_ops ops;
    aws_http_creds_ops(&ops, &ctx);
    struct aws_credentials out = {0};
    struct error err;
    error_clear(&err);
    if (ops.sso_get_role_credentials(ops.ctx, "eu-central-1", "tok", "111122223333", "admin", &out,
                                     &err) < 0)
        fail_msg("%s", err.msg);
    raw_http_stop(&srv);
    /* the caller got the keys */
    assert_string_equal(out.secret_access_key, SK);
    assert_string_equal(out.session_token, TOK);
    /* json-c's copies were overwritten before its tree was freed */
    assert_int_equal(seen, 1);
    assert_null(strstr(seen_sk, "Marker"));
    assert_null(strstr(seen_tok, "Marker"));
    aws_credentials_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sso_keys_wiped_in_json_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
