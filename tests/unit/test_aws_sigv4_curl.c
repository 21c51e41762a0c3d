/* Does libcurl's CURLOPT_AWS_SIGV4 sign correctly? Every SigV4 suite case that libcurl can be
 * driven with is sent to a loopback listener started here, and the listener checks the
 * Authorization header libcurl wrote as an AWS server would (recomputing it with aws_sigv4
 * over the headers libcurl signed, as they arrived, with libcurl's own Accept and
 * Content-Type left in). The
 * outcome per case is the evidence docs/aws.md cites for using our own signer; the test pins
 * it, so a libcurl that starts (or stops) agreeing shows up as a failure to re-decide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cutover/aws_sigv4.h"
#include "cutover/xalloc.h"

#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* ---- a one-request-at-a-time loopback HTTP listener ----------------------------------------- */

struct listener {
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    char last[16384]; /* the last request head; guarded by lock */
    int stop;         /* guarded by lock */
};

static void *listener_main(void *arg)
{
    struct listener *l = arg;
    for (;;) {
        int c = accept(l->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[16384];
        size_t len = 0;
        char *end = NULL;
        while (len < sizeof buf - 1) {
            ssize_t n = read(c, buf + len, sizeof buf - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = '\0';
            if ((end = strstr(buf, "\r\n\r\n")) != NULL)
                break;
        }
        buf[len] = '\0';
        /* read the body too, so that the client is never cut off mid-send */
        if (end) {
            const char *cl = strcasestr(buf, "\r\ncontent-length:");
            size_t want = cl ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
            size_t have = len - (size_t)(end + 4 - buf);
            char sink[4096];
            while (have < want) {
                ssize_t n = read(c, sink, sizeof sink);
                if (n <= 0)
                    break;
                have += (size_t)n;
            }
            end[2] = '\0';
        }
        XPTHREAD(pthread_mutex_lock(&l->lock));
        snprintf(l->last, sizeof l->last, "%s", buf);
        int stop = l->stop;
        XPTHREAD(pthread_mutex_unlock(&l->lock));
        const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        ssize_t w = write(c, resp, strlen(resp));
        (void)w;
        close(c);
        if (stop)
            return NULL;
    }
}

static void listener_start(struct listener *l)
{
    memset(l, 0, sizeof *l);
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l->fd, 4), 0);
    socklen_t alen = sizeof a;
    assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &alen), 0);
    l->port = ntohs(a.sin_port);
    XPTHREAD(pthread_mutex_init(&l->lock, NULL));
    XPTHREAD(pthread_create(&l->thread, NULL, listener_main, l));
}

static void listener_stop(struct listener *l)
{
    XPTHREAD(pthread_mutex_lock(&l->lock));
    l->stop = 1;
    XPTHREAD(pthread_mutex_unlock(&l->lock));
    shutdown(l->fd, SHUT_RDWR);
    close(l->fd);
    XPTHREAD(pthread_join(l->thread, NULL));
    XPTHREAD(pthread_mutex_destroy(&l->lock));
}

/* The value of header name in the captured request head (a new string), or NULL. */
static char *captured_header(struct listener *l, const char *name)
{
    XPTHREAD(pthread_mutex_lock(&l->lock));
    char *needle = xasprintf("\r\n%s:", name);
    const char *h = strcasestr(l->last, needle);
    char *v = NULL;
    if (h) {
        h += strlen(needle);
        while (*h == ' ')
            h++;
        v = xstrndup(h, strcspn(h, "\r\n"));
    }
    free(needle);
    XPTHREAD(pthread_mutex_unlock(&l->lock));
    return v;
}

/* ---- the suite cases libcurl is driven with -------------------------------------------------- */

/* 28 of the 31: not the two inconsistent form-urlencoded cases, nor get-header-value-multiline
 * (libcurl cannot send a folded header). */

struct curl_case {
    const char *name; /* suite case (path under the suite folder, without extension) */
    const char *method;
    const char *path;    /* as sent: libcurl does not take a raw space or UTF-8 in a URL */
    const char *headers; /* extra request headers, '\n'-separated, as in the .req */
    const char *body;
    int curl_agrees; /* measured: libcurl 7.88.1 signs this request correctly */
};

static const struct curl_case cases[] = {
    {"get-vanilla/get-vanilla", "GET", "/", "", NULL, 1},
    {"get-vanilla-query/get-vanilla-query", "GET", "/", "", NULL, 1},
    {"get-vanilla-empty-query-key/get-vanilla-empty-query-key", "GET", "/?Param1=value1", "", NULL,
     1},
    {"get-vanilla-query-order-key-case/get-vanilla-query-order-key-case", "GET",
     "/?Param2=value2&Param1=value1", "", NULL, 0},
    {"get-vanilla-query-order-key/get-vanilla-query-order-key", "GET",
     "/?Param1=value2&Param1=Value1", "", NULL, 0},
    {"get-vanilla-query-order-value/get-vanilla-query-order-value", "GET",
     "/?Param1=value2&Param1=value1", "", NULL, 0},
    {"get-vanilla-query-unreserved/get-vanilla-query-unreserved", "GET",
     "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
     "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     "", NULL, 1},
    {"get-vanilla-utf8-query/get-vanilla-utf8-query", "GET", "/?%E1%88%B4=bar", "", NULL, 1},
    {"get-unreserved/get-unreserved", "GET",
     "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", NULL, 1},
    {"get-utf8/get-utf8", "GET", "/%E1%88%B4", "", NULL, 0},
    {"normalize-path/get-space/get-space", "GET", "/example%20space/", "", NULL, 0},
    {"normalize-path/get-slash/get-slash", "GET", "//", "", NULL, 0},
    {"normalize-path/get-slashes/get-slashes", "GET", "//example//", "", NULL, 0},
    {"normalize-path/get-slash-dot-slash/get-slash-dot-slash", "GET", "/./", "", NULL, 0},
    {"normalize-path/get-slash-pointless-dot/get-slash-pointless-dot", "GET", "/./example", "",
     NULL, 0},
    {"normalize-path/get-relative/get-relative", "GET", "/example/..", "", NULL, 0},
    {"normalize-path/get-relative-relative/get-relative-relative", "GET",
     "/example1/example2/../..", "", NULL, 0},
    {"get-header-key-duplicate/get-header-key-duplicate", "GET", "/",
     "My-Header1:value2\nMy-Header1:value2\nMy-Header1:value1", NULL, 0},
    {"get-header-value-order/get-header-value-order", "GET", "/",
     "My-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2", NULL, 0},
    {"get-header-value-trim/get-header-value-trim", "GET", "/",
     "My-Header1: value1\nMy-Header2: \"a   b   c\"", NULL, 1},
    {"post-header-key-case/post-header-key-case", "POST", "/", "", "", 1},
    {"post-header-key-sort/post-header-key-sort", "POST", "/", "My-Header1:value1", "", 1},
    {"post-header-value-case/post-header-value-case", "POST", "/", "My-Header1:VALUE1", "", 1},
    {"post-vanilla/post-vanilla", "POST", "/", "", "", 1},
    {"post-vanilla-query/post-vanilla-query", "POST", "/?Param1=value1", "", "", 1},
    {"post-vanilla-empty-query-value/post-vanilla-empty-query-value", "POST", "/?Param1=value1", "",
     "", 1},
    {"post-sts-token/post-sts-header-before/post-sts-header-before", "POST", "/",
     "X-Amz-Security-Token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWs"
     "KWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8"
     "phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD"
     "0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
     "", 1},
    {"post-sts-token/post-sts-header-after/post-sts-header-after", "POST", "/", "", "", 1},
};

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* Sends one case through libcurl and returns the Authorization header it wrote. */
static char *curl_sign(struct listener *l, const struct curl_case *c)
{
    CURL *h = curl_easy_init();
    assert_non_null(h);
    char *url = xasprintf("http://127.0.0.1:%d%s", l->port, c->path);
    struct curl_slist *hl = NULL;
    hl = curl_slist_append(hl, "Host: example.amazonaws.com");
    hl = curl_slist_append(hl, "X-Amz-Date: 20150830T123600Z");
    char *extra = xstrdup(c->headers);
    for (char *save = NULL, *p = strtok_r(extra, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
        hl = curl_slist_append(hl, p);
    free(extra);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:service");
    curl_easy_setopt(h, CURLOPT_USERPWD, SUITE_KEY ":" SUITE_SECRET);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (c->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(c->body));
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fail_msg("%s: curl: %s", c->name, curl_easy_strerror(rc));
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    free(url);
    return captured_header(l, "Authorization");
}

/* Verifies the captured request as an AWS server would: recompute the signature over the
 * headers curl says it signed, with their values as they arrived, using aws_sigv4 (whose rules
 * the suite and botocore confirm). Returns true when curl's Authorization is the one a correct
 * signer produces for what was sent. */
static bool server_verifies(struct listener *l, const struct curl_case *c, const char *authz,
                            char **expected)
{
    XPTHREAD(pthread_mutex_lock(&l->lock));
    char *head = xstrdup(l->last);
    XPTHREAD(pthread_mutex_unlock(&l->lock));
    const char *sh = strstr(authz, "SignedHeaders=");
    assert_non_null(sh);
    sh += 14;
    char *signed_list = xstrndup(sh, strcspn(sh, ","));

    struct aws_sigv4_header hdrs[32];
    size_t n = 0;
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    assert_non_null(line);
    char *sp1 = strchr(line, ' '), *sp2 = strrchr(line, ' ');
    assert_true(sp1 && sp2 && sp1 != sp2);
    *sp2 = '\0';
    char *path = sp1 + 1;
    const char *host = NULL;
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL && n < 32) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (strcasecmp(line, "host") == 0)
            host = v;
        /* only what curl listed as signed */
        char lname[128];
        snprintf(lname, sizeof lname, "%s", line);
        for (char *q = lname; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        bool listed = false;
        for (const char *s2 = signed_list; *s2;) {
            size_t len = strcspn(s2, ";");
            if (len == strlen(lname) && strncmp(s2, lname, len) == 0)
                listed = true;
            s2 += len + (s2[len] == ';');
        }
        if (listed) {
            hdrs[n].name = line;
            hdrs[n].value = v;
            n++;
        }
    }
    assert_non_null(host);
    char *url = xasprintf("http://%s%s", host, path);
    struct aws_sigv4_request req = {.method = c->method,
                                    .url = url,
                                    .headers = hdrs,
                                    .n_headers = n,
                                    .body = c->body,
                                    .body_len = c->body ? strlen(c->body) : 0};
    struct aws_sigv4_opts opts = {.service = "service", .region = "us-east-1", .when = 1440938160};
    struct aws_sigv4_creds creds = {SUITE_KEY, SUITE_SECRET, NULL};
    struct aws_sigv4_result res;
    assert_int_equal(aws_sigv4_sign(&req, &opts, &creds, &res, NULL), 0);
    bool ok = strcmp(res.authorization, authz) == 0;
    *expected = xstrdup(res.authorization);
    aws_sigv4_result_fini(&res);
    free(url);
    free(signed_list);
    free(head);
    return ok;
}

static void test_curl_sigv4_against_suite(void **state)
{
    (void)state;
    curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    /* The expectations below were measured on Debian 12's libcurl 7.88.1. */
    if (strncmp(v->version, "7.88.", 5) != 0)
        fail_msg("libcurl %s: the recorded CURLOPT_AWS_SIGV4 outcomes are for 7.88; re-run this "
                 "comparison and revisit docs/aws.md",
                 v->version);
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), 0);
    struct listener l;
    listener_start(&l);

    size_t agree = 0, differ = 0, surprises = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct curl_case *c = &cases[i];
        char *got = curl_sign(&l, c);
        assert_non_null(got);
        char *want = NULL;
        bool same = server_verifies(&l, c, got, &want);
        printf("%-8s %s\n", same ? "correct" : "WRONG", c->name);
        if (!same)
            printf("         correct: %s\n         curl:    %s\n", want, got);
        if (same != (c->curl_agrees != 0)) {
            printf("         ^ recorded as %s for libcurl 7.88\n",
                   c->curl_agrees ? "correct" : "wrong");
            surprises++;
        }
        agree += same;
        differ += !same;
        free(want);
        free(got);
    }
    listener_stop(&l);
    curl_global_cleanup();
    printf("libcurl %s CURLOPT_AWS_SIGV4: %zu of %zu suite requests signed correctly, %zu "
           "wrongly\n",
           v->version, agree, agree + differ, differ);
    assert_int_equal(surprises, 0);
    /* the decision in docs/aws.md rests on this: libcurl gets some cases wrong */
    assert_true(differ > 0);
}

/* Removing one of libcurl's default headers ("Accept:") still signs it: libcurl 7.88 puts
 * "accept" in SignedHeaders of a request that carries no Accept, which no server can verify. */
static void test_curl_signs_removed_header(void **state)
{
    (void)state;
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), 0);
    struct listener l;
    listener_start(&l);
    struct curl_case c = {"get-vanilla/get-vanilla", "GET", "/", "Accept:", NULL, 0};
    char *got = curl_sign(&l, &c);
    assert_non_null(got);
    char *accept = captured_header(&l, "Accept");
    assert_null(accept);
    assert_non_null(strstr(got, "SignedHeaders=accept;host;x-amz-date"));
    char *want = NULL;
    assert_false(server_verifies(&l, &c, got, &want));
    printf("libcurl signs a removed Accept header: %s\n", got);
    free(want);
    free(got);
    listener_stop(&l);
    curl_global_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curl_sigv4_against_suite),
        cmocka_unit_test(test_curl_signs_removed_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
