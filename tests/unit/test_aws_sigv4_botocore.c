/* Differential test: 600 randomized requests (fixed seed) signed by aws_sigv4 and by botocore
 * (tests/aws/botocore_sign.py under /usr/bin/python3, run once over all of them). Methods,
 * paths with spaces, unicode, reserved characters and dot segments, repeated query keys, empty
 * values, headers with runs of whitespace and repeated names, bodies, session tokens; about a
 * fifth are presigned URLs. Any difference fails and prints the request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cutover/aws_sigv4.h"
#include "cutover/xalloc.h"

#define N_REQUESTS 600
#define SEED 0x5eed2026c0ffee01ULL

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t pick(size_t n)
{
    return (size_t)(rng() % n);
}

#define PICK(arr) (arr[pick(sizeof arr / sizeof arr[0])])

struct buf {
    char *p;
    size_t len;
};

static void buf_add(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    b->p = xrealloc(b->p, b->len + n + 1);
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static char *buf_take(struct buf *b)
{
    if (!b->p)
        return xstrdup("");
    char *p = b->p;
    b->p = NULL;
    b->len = 0;
    return p;
}

/* Pieces a path segment, a query key or value is built from. */
static const char *const pieces[] = {
    "a",     "Z", "obj", "key", "a b", " ",  "ሴ", "é", "日本", "😀",  "!",   "$",   "&",    "'",
    "(",     ")", "*",   "+",   ",",   ";",  "=", ":", "@",    "%",  "%41", "%2F", "-._~", "0",
    "x y z", "[", "]",   "|",   "\"",  "<>", "^", "`", "{}",   "\\", "Ω",   "ü"};

static char *random_text(size_t max_pieces)
{
    struct buf b = {0};
    size_t n = pick(max_pieces + 1);
    for (size_t i = 0; i < n; i++)
        buf_add(&b, PICK(pieces));
    return buf_take(&b);
}

static char *random_path(void)
{
    struct buf b = {0};
    size_t nseg = pick(5);
    for (size_t i = 0; i < nseg; i++) {
        buf_add(&b, "/");
        size_t kind = pick(10);
        if (kind == 0)
            buf_add(&b, ".");
        else if (kind == 1)
            buf_add(&b, "..");
        else if (kind == 2)
            ; /* empty segment: "//" */
        else {
            char *t = random_text(3);
            if (!*t)
                buf_add(&b, "seg");
            buf_add(&b, t);
            free(t);
        }
    }
    if (nseg == 0 || pick(3) == 0)
        buf_add(&b, "/");
    return buf_take(&b);
}

/* Encodes s for the URL the C signer gets, in one of a few styles a client might use: all
 * reserved characters encoded (uppercase or lowercase hex), or some sub-delims left raw. The
 * signer must normalise them all to the same canonical form. */
static void url_encode_into(struct buf *b, const char *s, int style)
{
    static const char up[] = "0123456789ABCDEF", lo[] = "0123456789abcdef";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        bool keep = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.' || *c == '~';
        if (style == 2 && (*c == '!' || *c == '*' || *c == '(' || *c == ')' || *c == ',' ||
                           *c == ':' || *c == '@' || *c == '$' || *c == '\'' || *c == '+'))
            keep = true;
        char e[4];
        if (keep) {
            e[0] = (char)*c;
            e[1] = '\0';
        } else {
            const char *h = style == 1 ? lo : up;
            e[0] = '%';
            e[1] = h[*c >> 4];
            e[2] = h[*c & 15];
            e[3] = '\0';
        }
        buf_add(b, e);
    }
}

static char *random_chars(const char *alphabet, size_t min, size_t max)
{
    size_t n = min + pick(max - min + 1);
    size_t al = strlen(alphabet);
    char *s = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = alphabet[pick(al)];
    s[n] = '\0';
    return s;
}

/* A header value with leading/trailing blanks and runs of spaces and tabs inside. */
static char *random_header_value(void)
{
    static const char *const words[] = {
        "value", "a", "B2", "\"quoted\"", "x=y", "1,2", "text/plain;", "application/json", "", "é"};
    static const char *const gaps[] = {" ", "  ", "   ", "\t", " \t ", "\t\t"};
    struct buf b = {0};
    if (pick(2))
        buf_add(&b, PICK(gaps));
    size_t n = 1 + pick(4);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_add(&b, PICK(gaps));
        const char *w = PICK(words);
        /* header values on the wire are ASCII; keep the non-ASCII word out of them */
        buf_add(&b, strcmp(w, "é") == 0 ? "e" : w);
    }
    if (pick(2))
        buf_add(&b, PICK(gaps));
    return buf_take(&b);
}

static char *random_name_case(const char *name)
{
    char *s = xstrdup(name);
    int mode = (int)pick(3);
    for (char *c = s; *c; c++) {
        if (mode == 1 && *c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
        else if (mode == 2 && *c >= 'A' && *c <= 'Z')
            *c = (char)(*c + 32);
    }
    return s;
}

struct genreq {
    char *method;
    char *c_url;  /* what the C signer gets (query encoded in some style) */
    char *py_url; /* scheme://host + raw path, for botocore */
    json_object *params;
    struct aws_sigv4_header hdrs[12];
    size_t n_hdrs;
    char *body;
    const char *service;
    const char *region;
    char *key;
    char *secret;
    char *token;
    time_t when;
    bool presign;
    long expires;
};

static void genreq_fini(struct genreq *g)
{
    free(g->method);
    free(g->c_url);
    free(g->py_url);
    json_object_put(g->params);
    for (size_t i = 0; i < g->n_hdrs; i++) {
        free((char *)g->hdrs[i].name);
        free((char *)g->hdrs[i].value);
    }
    free(g->body);
    free(g->key);
    free(g->secret);
    free(g->token);
}

static void generate(struct genreq *g)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get"};
    static const char *const hosts[] = {"example.amazonaws.com", "sts.eu-west-1.amazonaws.com",
                                        "127.0.0.1:8443", "Route53.AmazonAWS.com:443",
                                        "localhost:4566"};
    static const char *const services[] = {
        "sts",        "ec2", "route53", "service", "secretsmanager", "elasticloadbalancing",
        "execute-api"};
    static const char *const regions[] = {"us-east-1", "eu-west-1", "ap-southeast-2",
                                          "us-gov-west-1", "cn-north-1"};
    static const char *const keys[] = {"a", "A",          "b", "Action", "key with space",
                                       "ሴ", "x-amz-meta", "",  "a+b",    "Version"};
    static const char *const hnames[] = {"Content-Type", "X-Amz-Meta-Foo", "My-Header",
                                         "x-custom",     "X-Amz-Target",   "Accept",
                                         "User-Agent",   "Content-Length"};
    memset(g, 0, sizeof *g);
    g->presign = pick(5) == 0;
    g->method = xstrdup(PICK(methods));
    const char *host = PICK(hosts);
    char *path = random_path();
    g->py_url = xasprintf("https://%s%s", host, path);

    /* query: repeated keys only for header signing (botocore's presigner keeps one value) */
    g->params = json_object_new_array();
    struct buf q = {0};
    int style = (int)pick(3);
    size_t nq = pick(6);
    const char *used[8];
    size_t nused = 0;
    for (size_t i = 0; i < nq; i++) {
        const char *k = PICK(keys);
        if (g->presign) {
            bool dup = false;
            for (size_t u = 0; u < nused; u++)
                dup |= strcmp(used[u], k) == 0;
            if (dup)
                continue;
            used[nused++] = k;
        }
        char *v = pick(4) == 0 ? xstrdup("") : random_text(3);
        json_object *pair = json_object_new_array();
        json_object_array_add(pair, json_object_new_string(k));
        json_object_array_add(pair, json_object_new_string(v));
        json_object_array_add(g->params, pair);
        buf_add(&q, q.len ? "&" : "?");
        url_encode_into(&q, k, style);
        /* "k" and "k=" mean the same; an empty key keeps its '=' (an empty segment is none) */
        if (*v || !*k || pick(2)) {
            buf_add(&q, "=");
            url_encode_into(&q, v, style);
        }
        free(v);
    }
    char *query = buf_take(&q);
    g->c_url = xasprintf("https://%s%s%s", host, path, query);
    free(query);
    free(path);

    size_t nh = pick(6);
    for (size_t i = 0; i < nh && g->n_hdrs < 10; i++) {
        const char *name = PICK(hnames);
        size_t repeat = pick(4) == 0 ? 2 : 1;
        for (size_t r = 0; r < repeat; r++) {
            g->hdrs[g->n_hdrs].name = random_name_case(name);
            g->hdrs[g->n_hdrs].value = random_header_value();
            g->n_hdrs++;
        }
    }
    if (pick(8) == 0) {
        g->hdrs[g->n_hdrs].name = xstrdup("Host");
        g->hdrs[g->n_hdrs].value = xasprintf("  %s ", host);
        g->n_hdrs++;
    }
    if (!g->presign && pick(10) == 0) {
        g->hdrs[g->n_hdrs].name = xstrdup("X-Amz-Content-SHA256");
        g->hdrs[g->n_hdrs].value = xstrdup("UNSIGNED-PAYLOAD");
        g->n_hdrs++;
    }
    g->body = (!g->presign && pick(2)) ? random_text(6) : xstrdup("");
    g->service = PICK(services);
    g->region = PICK(regions);
    g->key = random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16, 24);
    g->secret =
        random_chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", 30, 40);
    g->token = pick(2) ? random_chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789+/=",
                                      8, 300)
                       : NULL;
    g->when = (time_t)(946684800 + pick(2000000000ULL)); /* 2000 .. 2063 */
    g->expires = 1 + (long)pick(604800);
}

static json_object *describe(const struct genreq *g, size_t id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64((int64_t)id));
    json_object_object_add(o, "method", json_object_new_string(g->method));
    json_object_object_add(o, "url", json_object_new_string(g->py_url));
    json_object_object_add(o, "params", json_object_get(g->params));
    json_object *h = json_object_new_array();
    for (size_t i = 0; i < g->n_hdrs; i++) {
        json_object *pair = json_object_new_array();
        json_object_array_add(pair, json_object_new_string(g->hdrs[i].name));
        json_object_array_add(pair, json_object_new_string(g->hdrs[i].value));
        json_object_array_add(h, pair);
    }
    json_object_object_add(o, "headers", h);
    json_object_object_add(o, "body", json_object_new_string(g->body));
    json_object_object_add(o, "service", json_object_new_string(g->service));
    json_object_object_add(o, "region", json_object_new_string(g->region));
    json_object_object_add(o, "access_key", json_object_new_string(g->key));
    json_object_object_add(o, "secret_key", json_object_new_string(g->secret));
    json_object_object_add(o, "token", g->token ? json_object_new_string(g->token) : NULL);
    char ts[17];
    aws_sigv4_timestamp(g->when, ts);
    json_object_object_add(o, "time", json_object_new_string(ts));
    json_object_object_add(o, "presign", json_object_new_boolean(g->presign));
    json_object_object_add(o, "expires", json_object_new_int64(g->expires));
    return o;
}

static void test_against_botocore(void **state)
{
    (void)state;
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    assert_non_null(src);
    char in_path[] = "/tmp/cutover-sigv4-diff-XXXXXX";
    int fd = mkstemp(in_path);
    assert_true(fd >= 0);
    FILE *in = fdopen(fd, "w");
    assert_non_null(in);

    rng_state = SEED;
    struct genreq *reqs = xcalloc(N_REQUESTS, sizeof *reqs);
    size_t presigned = 0, with_token = 0, repeated_keys = 0;
    for (size_t i = 0; i < N_REQUESTS; i++) {
        generate(&reqs[i]);
        json_object *o = describe(&reqs[i], i);
        fprintf(in, "%s\n",
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        presigned += reqs[i].presign;
        with_token += reqs[i].token != NULL;
        size_t np = json_object_array_length(reqs[i].params);
        for (size_t a = 0; a < np; a++)
            for (size_t b = a + 1; b < np; b++)
                if (strcmp(json_object_get_string(json_object_array_get_idx(
                               json_object_array_get_idx(reqs[i].params, a), 0)),
                           json_object_get_string(json_object_array_get_idx(
                               json_object_array_get_idx(reqs[i].params, b), 0))) == 0)
                    repeated_keys++;
    }
    fclose(in);
    /* the generator must actually cover what it claims to */
    assert_true(presigned >= 60);
    assert_true(with_token >= 200);
    assert_true(repeated_keys >= 50);

    char *cmd = xasprintf("/usr/bin/python3 '%s/tests/aws/botocore_sign.py' < '%s'", src, in_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *line = NULL;
    size_t cap = 0;
    size_t compared = 0, mismatches = 0;
    while (getline(&line, &cap, p) > 0) {
        json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        json_object *jid = NULL, *jcreq = NULL, *jv = NULL;
        assert_true(json_object_object_get_ex(o, "id", &jid));
        size_t id = (size_t)json_object_get_int64(jid);
        assert_true(id < N_REQUESTS);
        assert_int_equal(id, compared);
        json_object_object_get_ex(o, "creq", &jcreq);
        struct genreq *g = &reqs[id];
        struct aws_sigv4_request req = {.method = g->method,
                                        .url = g->c_url,
                                        .headers = g->hdrs,
                                        .n_headers = g->n_hdrs,
                                        .body = g->body,
                                        .body_len = strlen(g->body)};
        struct aws_sigv4_opts opts = {
            .service = g->service, .region = g->region, .when = g->when, .expires = g->expires};
        struct aws_sigv4_creds creds = {g->key, g->secret, g->token};
        struct aws_sigv4_result res;
        struct error err = {0};
        int rc = g->presign ? aws_sigv4_presign(&req, &opts, &creds, &res, &err)
                            : aws_sigv4_sign(&req, &opts, &creds, &res, &err);
        assert_int_equal(rc, 0);
        const char *want_key = g->presign ? "url" : "authorization";
        assert_true(json_object_object_get_ex(o, want_key, &jv));
        const char *want = json_object_get_string(jv);
        const char *got = g->presign ? res.url : res.authorization;
        if (strcmp(want, got) != 0) {
            json_object *d = describe(g, id);
            printf("MISMATCH request %zu (C url %s):\n%s\n--- botocore %s\n%s\n--- cutover\n%s\n"
                   "--- botocore canonical request\n%s\n--- cutover canonical request\n%s\n",
                   id, g->c_url, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN),
                   want_key, want, got, jcreq ? json_object_get_string(jcreq) : "?",
                   res.canonical_request);
            json_object_put(d);
            mismatches++;
        }
        aws_sigv4_result_fini(&res);
        json_object_put(o);
        compared++;
    }
    free(line);
    int prc = pclose(p);
    free(cmd);
    unlink(in_path);
    for (size_t i = 0; i < N_REQUESTS; i++)
        genreq_fini(&reqs[i]);
    free(reqs);
    printf("%zu requests compared with botocore (%zu presigned, %zu with a session token, "
           "%zu repeated query keys), %zu mismatches\n",
           compared, presigned, with_token, repeated_keys, mismatches);
    assert_int_equal(prc, 0);
    assert_int_equal(compared, N_REQUESTS);
    assert_int_equal(mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_botocore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
