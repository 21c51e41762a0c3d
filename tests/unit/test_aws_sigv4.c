/* SigV4 against the AWS Signature Version 4 test suite (every .req: .creq, .sts and .authz
 * compared byte for byte), plus presigned URLs, encoding and argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cutover/aws_sigv4.h"
#include "cutover/xalloc.h"
#include "../lib/testfile.h"

#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TIME 1440938160 /* 20150830T123600Z */

/* The suite's own files disagree for these two: the hash in .sts is not the hash of .creq. */
static const char *const inconsistent[] = {"post-x-www-form-urlencoded",
                                           "post-x-www-form-urlencoded-parameters"};

struct parsed_req {
    char *method;
    char *url;
    struct aws_sigv4_header hdrs[32];
    size_t n;
    const char *body;
    size_t body_len;
    char *store;
};

/* Parses the suite's .req: request line, headers (a line starting with whitespace is one more
 * value of the previous header, as the suite means it), blank line, body. */
static int parse_req(char *text, struct parsed_req *r)
{
    memset(r, 0, sizeof *r);
    r->store = text;
    char *line = text;
    char *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    char *sp1 = strchr(line, ' ');
    char *sp2 = strrchr(line, ' ');
    if (!sp1 || sp1 == sp2 || strncmp(sp2, " HTTP/", 6) != 0)
        return -1;
    *sp1 = '\0';
    *sp2 = '\0';
    r->method = xstrdup(line);
    const char *host = NULL;
    char *p = nl ? nl + 1 : NULL;
    while (p && *p) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p == '\0') {
            r->body = nl ? nl + 1 : "";
            r->body_len = strlen(r->body);
            break;
        }
        if ((*p == ' ' || *p == '\t') && r->n > 0) {
            r->hdrs[r->n].name = r->hdrs[r->n - 1].name;
            r->hdrs[r->n].value = p;
        } else {
            char *colon = strchr(p, ':');
            if (!colon || r->n >= 31)
                return -1;
            *colon = '\0';
            r->hdrs[r->n].name = p;
            r->hdrs[r->n].value = colon + 1;
            if (strcasecmp(p, "host") == 0)
                host = colon + 1;
        }
        r->n++;
        p = nl ? nl + 1 : NULL;
    }
    if (!host)
        return -1;
    r->url = xasprintf("https://%s%s", host, sp1 + 1);
    return 0;
}

static void parsed_req_fini(struct parsed_req *r)
{
    free(r->method);
    free(r->url);
    free(r->store);
}

static void find_reqs(const char *dir, char ***list, size_t *n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            find_reqs(path, list, n);
            free(path);
            continue;
        }
        size_t len = strlen(path);
        if (len > 4 && strcmp(path + len - 4, ".req") == 0) {
            *list = xreallocarray(*list, *n + 1, sizeof **list);
            (*list)[(*n)++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *suite_dir(void)
{
    const char *fx = getenv("CUTOVER_FIXTURES");
    assert_non_null(fx);
    return xasprintf("%s/sigv4/aws-sig-v4-test-suite", fx);
}

static char *sibling(const char *req_path, const char *ext)
{
    size_t len = strlen(req_path) - 4;
    return xasprintf("%.*s.%s", (int)len, req_path, ext);
}

static const char *case_name(const char *req_path)
{
    const char *slash = strrchr(req_path, '/');
    return slash ? slash + 1 : req_path;
}

static void test_suite(void **state)
{
    (void)state;
    char *dir = suite_dir();
    char **reqs = NULL;
    size_t n = 0;
    find_reqs(dir, &reqs, &n);
    qsort(reqs, n, sizeof *reqs, cmp_str);
    assert_int_equal(n, 31);

    size_t checked = 0, skipped = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(case_name(reqs[i])) - 4),
                 case_name(reqs[i]));
        bool skip = false;
        for (size_t k = 0; k < sizeof inconsistent / sizeof inconsistent[0]; k++)
            if (strcmp(name, inconsistent[k]) == 0)
                skip = true;
        if (skip) {
            printf("SKIP %s: the suite's .sts hash is not the SHA-256 of its own .creq\n", name);
            skipped++;
            continue;
        }
        struct parsed_req r;
        assert_int_equal(parse_req(test_file_read(reqs[i], NULL), &r), 0);
        /* post-sts-header-before carries the token in the request and signs it;
         * post-sts-header-after adds it after signing (the signer does not see it). */
        const char *token = NULL;
        for (size_t h = 0; h < r.n; h++)
            if (strcasecmp(r.hdrs[h].name, "X-Amz-Security-Token") == 0)
                token = r.hdrs[h].value;
        struct aws_sigv4_request req = {.method = r.method,
                                        .url = r.url,
                                        .headers = r.hdrs,
                                        .n_headers = r.n,
                                        .body = r.body,
                                        .body_len = r.body_len};
        struct aws_sigv4_opts opts = {
            .service = "service", .region = "us-east-1", .when = SUITE_TIME};
        struct aws_sigv4_creds creds = {SUITE_KEY, SUITE_SECRET, token};
        struct aws_sigv4_result res;
        struct error err = {0};
        assert_int_equal(aws_sigv4_sign(&req, &opts, &creds, &res, &err), 0);

        const char *exts[] = {"creq", "sts", "authz"};
        const char *got[] = {res.canonical_request, res.string_to_sign, res.authorization};
        bool ok = true;
        for (size_t k = 0; k < 3; k++) {
            char *path = sibling(reqs[i], exts[k]);
            char *want = test_file_read(path, NULL);
            assert_non_null(want);
            if (strcmp(want, got[k]) != 0) {
                printf("FAIL %s .%s\n--- want\n%s\n--- got\n%s\n", name, exts[k], want, got[k]);
                ok = false;
            }
            free(want);
            free(path);
        }
        if (ok)
            printf("ok   %s\n", name);
        else
            failed++;
        checked++;
        aws_sigv4_result_fini(&res);
        parsed_req_fini(&r);
    }
    for (size_t i = 0; i < n; i++)
        free(reqs[i]);
    free(reqs);
    free(dir);
    printf("%zu cases checked, %zu skipped, %zu failed\n", checked, skipped, failed);
    assert_int_equal(skipped, 2);
    assert_int_equal(checked, 29);
    assert_int_equal(failed, 0);
}

/* The presigned-URL example of the S3 documentation ("Authenticating Requests: Using Query
 * Parameters", GET /test.txt, expires 86400). */
static void test_presign_s3_doc_example(void **state)
{
    (void)state;
    struct aws_sigv4_request req = {.method = "GET",
                                    .url = "https://examplebucket.s3.amazonaws.com/test.txt"};
    struct aws_sigv4_opts opts = {.service = "s3",
                                  .region = "us-east-1",
                                  .when = 1369353600, /* 20130524T000000Z */
                                  .s3 = true,
                                  .expires = 86400};
    struct aws_sigv4_creds creds = {"AKIAIOSFODNN7EXAMPLE",
                                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};
    struct aws_sigv4_result res;
    assert_int_equal(aws_sigv4_presign(&req, &opts, &creds, &res, NULL), 0);
    assert_string_equal(res.signature,
                        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_string_equal(
        res.url, "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                 "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                 "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                 "&X-Amz-Signature="
                 "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_null(res.authorization);
    aws_sigv4_result_fini(&res);
}

/* Presigning keeps the caller's parameters first and in order, signs extra headers and the
 * session token, and never puts the secret anywhere in what it returns. */
static void test_presign_order_and_token(void **state)
{
    (void)state;
    struct aws_sigv4_header h[] = {{"x-k8s-aws-id", "  my   cluster "}};
    struct aws_sigv4_request req = {
        .method = "get",
        .url = "https://sts.eu-west-1.amazonaws.com/?Version=2011-06-15&Action=Get%20It",
        .headers = h,
        .n_headers = 1};
    struct aws_sigv4_opts opts = {
        .service = "sts", .region = "eu-west-1", .when = SUITE_TIME, .expires = 60};
    struct aws_sigv4_creds creds = {SUITE_KEY, SUITE_SECRET, "tok/en+="};
    struct aws_sigv4_result res;
    assert_int_equal(aws_sigv4_presign(&req, &opts, &creds, &res, NULL), 0);
    const char *prefix = "https://sts.eu-west-1.amazonaws.com/?Version=2011-06-15&Action=Get%20It"
                         "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830"
                         "%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z"
                         "&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"
                         "&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature=";
    assert_memory_equal(res.url, prefix, strlen(prefix));
    assert_string_equal(res.url + strlen(prefix), res.signature);
    assert_non_null(strstr(res.canonical_request, "\nx-k8s-aws-id:my cluster\n"));
    assert_non_null(strstr(res.canonical_request, "GET\n/\nAction=Get%20It&Version="));
    assert_non_null(strstr(res.canonical_request,
                           "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934"
                           "ca495991b7852b855"));
    assert_null(strstr(res.url, SUITE_SECRET));
    assert_null(strstr(res.canonical_request, SUITE_SECRET));
    assert_null(strstr(res.string_to_sign, SUITE_SECRET));
    aws_sigv4_result_fini(&res);
}

/* Header signing adds the date and token headers itself and ignores stale copies. */
static void test_sign_replaces_stale_headers(void **state)
{
    (void)state;
    struct aws_sigv4_header h[] = {{"X-Amz-Date", "19990101T000000Z"},
                                   {"Authorization", "old"},
                                   {"User-Agent", "cutover"},
                                   {"Content-Type", "application/x-amz-json-1.1"}};
    struct aws_sigv4_request req = {.method = "POST",
                                    .url = "http://LocalHost:8080/a/./b/../c?b=2&a=1&a=0",
                                    .headers = h,
                                    .n_headers = 4,
                                    .body = "{}",
                                    .body_len = 2};
    struct aws_sigv4_opts opts = {.service = "logs", .region = "us-east-1", .when = SUITE_TIME};
    struct aws_sigv4_creds creds = {SUITE_KEY, SUITE_SECRET, "T"};
    struct aws_sigv4_result res;
    assert_int_equal(aws_sigv4_sign(&req, &opts, &creds, &res, NULL), 0);
    char body_hash[65];
    aws_sigv4_sha256_hex("{}", 2, body_hash);
    char *want = xasprintf("POST\n/a/c\na=0&a=1&b=2\n"
                           "content-type:application/x-amz-json-1.1\nhost:localhost:8080\n"
                           "x-amz-date:20150830T123600Z\nx-amz-security-token:T\n\n"
                           "content-type;host;x-amz-date;x-amz-security-token\n%s",
                           body_hash);
    assert_string_equal(res.canonical_request, want);
    assert_string_equal(res.amz_date, "20150830T123600Z");
    free(want);
    aws_sigv4_result_fini(&res);
}

static void test_uri_encode(void **state)
{
    (void)state;
    char *s = aws_sigv4_uri_encode("a b/c~d%+\xe1\x88\xb4", 12, true);
    assert_string_equal(s, "a%20b/c~d%25%2B%E1%88%B4");
    free(s);
    s = aws_sigv4_uri_encode("a/b", 3, false);
    assert_string_equal(s, "a%2Fb");
    free(s);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct aws_sigv4_request req = {.method = "GET", .url = "example.com/"};
    struct aws_sigv4_opts opts = {.service = "sts", .region = "us-east-1", .when = SUITE_TIME};
    struct aws_sigv4_creds creds = {SUITE_KEY, SUITE_SECRET, NULL};
    struct aws_sigv4_result res;
    struct error err = {0};
    assert_int_equal(aws_sigv4_sign(&req, &opts, &creds, &res, &err), -1);
    assert_non_null(strstr(err.msg, "scheme"));
    req.url = "https://example.com/";
    struct aws_sigv4_creds none = {SUITE_KEY, "", NULL};
    assert_int_equal(aws_sigv4_sign(&req, &opts, &none, &res, &err), -1);
    assert_non_null(strstr(err.msg, "credentials"));
    opts.expires = 604801;
    assert_int_equal(aws_sigv4_presign(&req, &opts, &creds, &res, &err), -1);
    assert_non_null(strstr(err.msg, "Expires"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite),
        cmocka_unit_test(test_presign_s3_doc_example),
        cmocka_unit_test(test_presign_order_and_token),
        cmocka_unit_test(test_sign_replaces_stale_headers),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
