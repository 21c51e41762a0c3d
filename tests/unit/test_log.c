/* Logging: credentials never reach a log line; files are private. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void redacts(const char *in, const char *want)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    log_redact(buf);
    assert_string_equal(buf, want);
}

static void test_redaction(void **state)
{
    (void)state;
    redacts("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig done",
            "Authorization: Bearer <redacted> done");
    redacts("GET /x?X-Amz-Signature=abcdef0123456789abcdef&X-Amz-Date=1",
            "GET /x?X-Amz-Signature=<redacted>&X-Amz-Date=1");
    redacts("token=abc", "token=***");
    redacts("nothing secret here", "nothing secret here");
    redacts("k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8", "k8s-aws-v1.<redacted>");
}

static void test_log_file_is_private_and_clean(void **state)
{
    (void)state;
    char dir[] = "/tmp/cutover-logtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("XDG_STATE_HOME", dir, 1);
    assert_int_equal(log_open(NULL), 0);
    log_info("connecting with Bearer sekrit-token-value to %s", "https://127.0.0.1:1");
    log_warn("pod name with escape \x1b[2J");
    char path[512];
    snprintf(path, sizeof path, "%s", log_path());
    log_close();
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[4096] = {0};
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    assert_true(n > 0);
    assert_null(strstr(text, "sekrit-token-value"));
    assert_non_null(strstr(text, "Bearer <redacted>"));
    assert_null(strchr(text, '\x1b'));
    unlink(path);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/cutover", dir);
    rmdir(sub);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_log_file_is_private_and_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
