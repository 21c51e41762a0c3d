/* The minted EKS token against `/usr/bin/aws eks get-token` run under faketime with the same
 * credentials, region and (frozen) time: equal parameter by parameter, then as a whole. The aws
 * CLI makes no network call for get-token; the environment is emptied and IMDS disabled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cutover/aws_eks_token.h"
#include "cutover/xalloc.h"

struct eks_case {
    const char *cluster;
    const char *region;
    const char *key;
    const char *secret;
    const char *token; /* NULL: none */
    const char *when;  /* UTC, "YYYY-MM-DD hh:mm:ss" */
};

static const struct eks_case cases[] = {
    {"demo", "us-east-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok",
     "2015-08-30 12:36:00"},
    {"eks-prod", "eu-west-1", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     NULL, "2026-11-23 11:59:59"},
    {"Team_A-cluster-2", "ap-southeast-2", "ASIAQEXAMPLE0000001", "s3cr3t+/=with/slashes",
     "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+/example==", "2024-02-29 23:59:30"},
};

static time_t parse_utc(const char *s)
{
    struct tm tm = {0};
    assert_int_equal(sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static char *run_capture(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *buf = NULL;
    size_t len = 0;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, p)) > 0) {
        buf = xrealloc(buf, len + n + 1);
        memcpy(buf + len, tmp, n);
        len += n;
    }
    int rc = pclose(p);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
    if (!buf)
        buf = xstrdup("");
    else
        buf[len] = '\0';
    return buf;
}

/* Runs aws eks get-token for c; returns the token and sets *expiry to expirationTimestamp. */
static char *cli_token(const struct eks_case *c, const char *tmpdir, char **expiry)
{
    char *token_env = c->token ? xasprintf("AWS_SESSION_TOKEN='%s'", c->token) : xstrdup("");
    char *cmd = xasprintf(
        "env -i PATH=/usr/bin:/bin HOME='%s' AWS_CONFIG_FILE='%s/config' "
        "AWS_SHARED_CREDENTIALS_FILE='%s/credentials' AWS_EC2_METADATA_DISABLED=true "
        "AWS_ACCESS_KEY_ID='%s' AWS_SECRET_ACCESS_KEY='%s' %s "
        "faketime -f '%s' /usr/bin/aws eks get-token --cluster-name '%s' --region '%s'",
        tmpdir, tmpdir, tmpdir, c->key, c->secret, token_env, c->when, c->cluster, c->region);
    char *out = run_capture(cmd);
    free(cmd);
    free(token_env);
    json_object *root = json_tokener_parse(out);
    if (!root)
        fail_msg("aws eks get-token printed no JSON: %s", out);
    json_object *status = NULL, *tok = NULL, *exp = NULL;
    assert_true(json_object_object_get_ex(root, "status", &status));
    assert_true(json_object_object_get_ex(status, "token", &tok));
    assert_true(json_object_object_get_ex(status, "expirationTimestamp", &exp));
    char *token = xstrdup(json_object_get_string(tok));
    *expiry = xstrdup(json_object_get_string(exp));
    json_object_put(root);
    free(out);
    return token;
}

static char *b64url_decode(const char *s)
{
    size_t n = strlen(s);
    char *b = xmalloc(n + 4);
    for (size_t i = 0; i < n; i++)
        b[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (n % 4)
        b[n++] = '=';
    b[n] = '\0';
    unsigned char *out = xmalloc(n + 1);
    int len = EVP_DecodeBlock(out, (unsigned char *)b, (int)n);
    assert_true(len >= 0);
    size_t pad = 0;
    for (size_t i = n; i > 0 && b[i - 1] == '='; i--)
        pad++;
    out[len - (int)pad] = '\0';
    free(b);
    return (char *)out;
}

/* Splits "base?k=v&k=v" into the base and up to 16 parameters. */
static size_t split_url(char *url, char **params, size_t max)
{
    char *q = strchr(url, '?');
    assert_non_null(q);
    *q++ = '\0';
    size_t n = 0;
    for (char *save = NULL, *p = strtok_r(q, "&", &save); p; p = strtok_r(NULL, "&", &save)) {
        assert_true(n < max);
        params[n++] = p;
    }
    return n;
}

static void test_token_equals_aws_cli(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/cutover-eks-XXXXXX";
    char *tmpdir = mkdtemp(tmpl);
    assert_non_null(tmpdir);
    char *cfg = xasprintf("%s/config", tmpdir), *cred = xasprintf("%s/credentials", tmpdir);
    fclose(fopen(cfg, "w"));
    fclose(fopen(cred, "w"));

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct eks_case *c = &cases[i];
        char *expiry = NULL;
        char *want = cli_token(c, tmpdir, &expiry);

        struct aws_sigv4_creds creds = {c->key, c->secret, c->token};
        char *got = NULL;
        time_t expires = 0;
        struct error err = {0};
        time_t when = parse_utc(c->when);
        assert_int_equal(
            aws_eks_token_mint(c->cluster, c->region, NULL, &creds, when, &got, &expires, &err), 0);

        assert_memory_equal(got, "k8s-aws-v1.", 11);
        char *want_url = b64url_decode(want + 11), *got_url = b64url_decode(got + 11);
        char *wp[16], *gp[16];
        size_t wn = split_url(want_url, wp, 16), gn = split_url(got_url, gp, 16);
        assert_string_equal(got_url, want_url);
        for (size_t k = 0; k < wn && k < gn; k++) {
            if (strcmp(wp[k], gp[k]) != 0)
                fail_msg("case %zu parameter %zu: aws CLI %s, cutover %s", i, k, wp[k], gp[k]);
        }
        assert_int_equal(gn, wn);
        assert_int_equal(wn, c->token ? 9 : 8);
        assert_string_equal(got, want);

        char exp_text[32];
        struct tm tm;
        gmtime_r(&expires, &tm);
        strftime(exp_text, sizeof exp_text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(exp_text, expiry);

        printf("ok   %s %s %s: token equals aws eks get-token's\n", c->cluster, c->region, c->when);
        free(want_url);
        free(got_url);
        free(want);
        free(got);
        free(expiry);
    }
    unlink(cfg);
    unlink(cred);
    rmdir(tmpdir);
    free(cfg);
    free(cred);
}

/* A loopback STS endpoint (the simulator's) replaces the host; the token stays well formed. */
static void test_endpoint_and_errors(void **state)
{
    (void)state;
    struct aws_sigv4_creds creds = {"AKIDEXAMPLE", "secret", NULL};
    char *tok = NULL;
    struct error err = {0};
    assert_int_equal(aws_eks_token_mint("c1", "us-east-1", "http://127.0.0.1:8443/", &creds,
                                        1440938160, &tok, NULL, &err),
                     0);
    char *url = b64url_decode(tok + 11);
    const char *prefix = "http://127.0.0.1:8443/?Action=GetCallerIdentity&Version=2011-06-15&";
    assert_memory_equal(url, prefix, strlen(prefix));
    assert_null(strchr(tok, '='));
    assert_null(strchr(tok, '+'));
    assert_null(strchr(tok, '/'));
    free(url);
    free(tok);
    assert_int_equal(aws_eks_token_mint("c1", "", NULL, &creds, 0, &tok, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "region"));
    assert_null(tok);
    assert_int_equal(aws_eks_token_mint("", "us-east-1", NULL, &creds, 0, &tok, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "cluster"));
}

static void test_base64url(void **state)
{
    (void)state;
    const char *in[] = {"", "f", "fo", "foo", "\xfb\xff\xfe"};
    const char *out[] = {"", "Zg", "Zm8", "Zm9v", "-__-"};
    for (size_t i = 0; i < 5; i++) {
        char *s = aws_eks_token_base64url(in[i], strlen(in[i]));
        assert_string_equal(s, out[i]);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_equals_aws_cli),
        cmocka_unit_test(test_endpoint_and_errors),
        cmocka_unit_test(test_base64url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
