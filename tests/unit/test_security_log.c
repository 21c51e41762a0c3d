/* Issue #7, Security: tokens and credentials never in a log line, even at debug level. log_redact
 * is the last net under every log line; this feeds it the forms in which credentials actually
 * travel through cutover (json-c's own output of an ExecCredential, STS and SSO answers, the AWS
 * INI files, kubeconfig YAML, HTTP headers, URLs) and checks the value is gone while the rest of
 * the line stays readable. Then a whole run through log_msg at LOG_DEBUG into a 0600 file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every secret below contains this, so a leak of any part of it is found. */
#define S "Zq8sEcReT"

struct form {
    const char *what;
    const char *line;
    const char *keep; /* text around the secret that must survive, or NULL */
};

static const struct form forms[] = {
    {"bearer header", "Authorization: Bearer " S "tok1", "Authorization: Bearer"},
    {"bearer, lower case", "authorization: bearer " S "tok2", "authorization:"},
    {"basic header", "Authorization: Basic " S "dXNlcjpwYXNz", "Authorization:"},
    {"compact JSON token", "{\"status\":{\"token\":\"" S "tok3\"}}", "status"},
    {"json-c spaced token", "{ \"status\": { \"token\": \"" S "tok4\" } }", "status"},
    {"STS SecretAccessKey, compact", "{\"SecretAccessKey\":\"" S "key1\"}", "SecretAccessKey"},
    {"STS SecretAccessKey, spaced", "{ \"SecretAccessKey\": \"" S "key2\" }", "SecretAccessKey"},
    {"SessionToken, spaced", "{ \"SessionToken\": \"" S "sess1\" }", "SessionToken"},
    {"credential_process secretAccessKey", "{ \"secretAccessKey\": \"" S "key3\" }", NULL},
    {"SSO cache accessToken", "{ \"accessToken\": \"" S "sso1\", \"region\": \"us-east-1\" }",
     "us-east-1"},
    {"SSO bearer header", "x-amz-sso_bearer_token: " S "sso2", "x-amz-sso_bearer_token"},
    {"INI secret key with spaces", "aws_secret_access_key = " S "key4", "aws_secret_access_key"},
    {"INI secret key compact", "aws_secret_access_key=" S "key5", "aws_secret_access_key"},
    {"INI session token", "aws_session_token = " S "sess2", "aws_session_token"},
    {"kubeconfig YAML token", "    token: " S "tok5", "token"},
    {"kubeconfig client-key-data", "client-key-data: LS0t" S "key6", "client-key-data"},
    {"presigned URL",
     "GET /?Action=GetCallerIdentity&X-Amz-Security-Token=" S "sess3&X-Amz-Signature=" S "sig1",
     "Action=GetCallerIdentity"},
    {"SigV4 header",
     "Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request, "
     "SignedHeaders=host, Signature=" S "sig2",
     "AWS4-HMAC-SHA256"},
    {"EKS token", "token k8s-aws-v1." S "eks1", "token"},
    {"password query", "https://host/?user=sre&password=" S "pw1", "user=sre"},
    {"URL user info", "https://sre:" S "pw2@127.0.0.1:6443/api", "127.0.0.1:6443"},
};

static void test_forms(void **state)
{
    (void)state;
    int leaks = 0;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", forms[i].line);
        log_redact(buf);
        if (strstr(buf, S) != NULL) {
            print_message("leak: %s: '%s'\n", forms[i].what, buf);
            leaks++;
        } else if (forms[i].keep && strstr(buf, forms[i].keep) == NULL) {
            print_message("over-redacted: %s: '%s' lost '%s'\n", forms[i].what, buf, forms[i].keep);
            leaks++;
        }
    }
    assert_int_equal(leaks, 0);
}

/* The ExecCredential and STS answers as json-c prints them (its default is the spaced form). */
static void test_json_c_output(void **state)
{
    (void)state;
    json_object *o = json_object_new_object();
    json_object *st = json_object_new_object();
    json_object_object_add(st, "token", json_object_new_string(S "tok9"));
    json_object_object_add(st, "expirationTimestamp",
                           json_object_new_string("2026-01-01T00:00:00Z"));
    json_object_object_add(o, "kind", json_object_new_string("ExecCredential"));
    json_object_object_add(o, "status", st);
    const int flags[] = {JSON_C_TO_STRING_PLAIN, JSON_C_TO_STRING_SPACED, JSON_C_TO_STRING_PRETTY};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "exec plugin answered %s",
                 json_object_to_json_string_ext(o, flags[i]));
        log_redact(buf);
        if (strstr(buf, S) != NULL)
            fail_msg("json-c flags %d: token left in '%s'", flags[i], buf);
        assert_non_null(strstr(buf, "ExecCredential"));
    }
    json_object_put(o);
}

/* A debug run: every form through log_msg into the file; the file is 0600 and holds none. */
static void test_debug_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/cutover-seclog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof path, "%s/debug.log", dir);
    mode_t old = umask(022);
    assert_int_equal(log_open(path), 0);
    umask(old);
    log_set_level(LOG_DEBUG);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        log_debug("%s: %s", forms[i].what, forms[i].line);
    /* a value longer than the line: the cut never leaves a piece of the secret */
    char big[3000];
    memset(big, 'x', sizeof big);
    memcpy(big + 2030, "Bearer " S, strlen("Bearer " S));
    big[sizeof big - 1] = '\0';
    log_debug("%s", big);
    log_close();
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_true(n > 0);
    assert_non_null(strstr(text, " debug "));
    char *leak = strstr(text, S);
    if (leak != NULL) {
        char *bol = leak;
        while (bol > text && bol[-1] != '\n')
            bol--;
        char *eol = strchr(leak, '\n');
        fail_msg("a secret in the debug log: %.*s", (int)(eol ? eol - bol : 200), bol);
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_json_c_output),
        cmocka_unit_test(test_debug_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
