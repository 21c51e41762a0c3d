/* AWS Signature Version 4 (see include/cutover/aws_sigv4.h). */
#include "cutover/aws_sigv4.h"
#include "cutover/text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cutover/xalloc.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED "UNSIGNED-PAYLOAD"

/* ---- a growing string ------------------------------------------------------------------ */

struct sb {
    char *p;
    size_t len;
    size_t cap;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_adds(struct sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_addc(struct sb *b, char c)
{
    sb_add(b, &c, 1);
}

static char *sb_take(struct sb *b)
{
    if (!b->p)
        sb_add(b, "", 0);
    char *p = b->p;
    memset(b, 0, sizeof *b);
    return p;
}

/* ---- primitives ------------------------------------------------------------------------- */

static const char hexdig[] = "0123456789abcdef";

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[in[i] >> 4];
        out[2 * i + 1] = hexdig[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void aws_sigv4_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data ? data : "", n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        fatal("aws_sigv4: SHA-256 failed");
    hex_encode(md, 32, out);
}

static void hmac256(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &len) ||
        len != 32)
        fatal("aws_sigv4: HMAC-SHA256 failed");
}

void aws_sigv4_timestamp(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        memcpy(out, "19700101T000000Z", 17);
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static void encode_into(struct sb *b, const char *s, size_t n, bool keep_slash)
{
    static const char up[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            sb_addc(b, (char)c);
        } else {
            char e[3] = {'%', up[c >> 4], up[c & 15]};
            sb_add(b, e, 3);
        }
    }
}

char *aws_sigv4_uri_encode(const char *s, size_t n, bool keep_slash)
{
    struct sb b = {0};
    encode_into(&b, s, n, keep_slash);
    return sb_take(&b);
}

/* Percent-decodes n bytes; a '%' not followed by two hex digits stays literal, '+' stays '+'. */
static char *percent_decode(const char *s, size_t n, size_t *outlen)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && text_hex_digit(s[i + 1]) >= 0 &&
            text_hex_digit(s[i + 2]) >= 0) {
            out[o++] = (char)(text_hex_digit(s[i + 1]) * 16 + text_hex_digit(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* ---- the URL ----------------------------------------------------------------------------- */

struct url_parts {
    const char *scheme;
    size_t scheme_len;
    const char *authority;
    size_t authority_len;
    const char *path;
    size_t path_len;
    const char *query; /* NULL when the URL has no '?' */
    size_t query_len;
};

static int url_split(const char *url, struct url_parts *u, struct error *err)
{
    memset(u, 0, sizeof *u);
    const char *sep = url ? strstr(url, "://") : NULL;
    if (!sep || sep == url) {
        error_set(err, "sigv4: URL without a scheme");
        return -1;
    }
    u->scheme = url;
    u->scheme_len = (size_t)(sep - url);
    const char *a = sep + 3;
    size_t alen = strcspn(a, "/?#");
    if (alen == 0) {
        error_set(err, "sigv4: URL without a host");
        return -1;
    }
    u->authority = a;
    u->authority_len = alen;
    const char *p = a + alen;
    size_t plen = strcspn(p, "?#");
    u->path = p;
    u->path_len = plen;
    if (p[plen] == '?') {
        u->query = p + plen + 1;
        u->query_len = strcspn(u->query, "#");
    }
    return 0;
}

/* The Host header value the URL implies: lowercase, no userinfo, default port dropped. */
static char *url_host(const struct url_parts *u)
{
    const char *a = u->authority;
    size_t n = u->authority_len;
    const char *at = memchr(a, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    size_t hostlen = n;
    const char *port = NULL;
    const char *close = (n && a[0] == '[') ? memchr(a, ']', n) : NULL;
    const char *colon = NULL;
    for (size_t i = close ? (size_t)(close - a) : 0; i < n; i++)
        if (a[i] == ':')
            colon = a + i;
    if (colon) {
        hostlen = (size_t)(colon - a);
        port = colon + 1;
    }
    char *host = xstrndup(a, hostlen);
    for (char *c = host; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (port && (size_t)(port - a) < n) {
        size_t plen = n - (size_t)(port - a);
        char pbuf[16];
        if (plen >= sizeof pbuf)
            plen = sizeof pbuf - 1;
        memcpy(pbuf, port, plen);
        pbuf[plen] = '\0';
        long pn = strtol(pbuf, NULL, 10);
        bool https = u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0;
        bool http = u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0;
        if (!((https && pn == 443) || (http && pn == 80))) {
            char *h = xasprintf("%s:%ld", host, pn);
            free(host);
            host = h;
        }
    }
    return host;
}

/* RFC 3986 5.2.4 dot-segment removal, with empty segments dropped as AWS wants (botocore's
 * remove_dot_segments). */
static char *path_normalize(const char *p, size_t n)
{
    if (n == 0)
        return xstrdup("/");
    const char **segs = xcalloc(n + 1, sizeof *segs);
    size_t *lens = xcalloc(n + 1, sizeof *lens);
    size_t nseg = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 0 || (len == 1 && p[i] == '.')) {
            /* skip */
        } else if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
            if (nseg)
                nseg--;
        } else {
            segs[nseg] = p + i;
            lens[nseg] = len;
            nseg++;
        }
        i = j + 1;
    }
    struct sb b = {0};
    if (p[0] == '/')
        sb_addc(&b, '/');
    for (size_t k = 0; k < nseg; k++) {
        if (k)
            sb_addc(&b, '/');
        sb_add(&b, segs[k], lens[k]);
    }
    if (p[n - 1] == '/' && nseg)
        sb_addc(&b, '/');
    free(segs);
    free(lens);
    return sb_take(&b);
}

static char *canonical_uri(const struct url_parts *u, bool s3)
{
    if (s3)
        return u->path_len ? xstrndup(u->path, u->path_len) : xstrdup("/");
    char *norm = path_normalize(u->path, u->path_len);
    char *enc = aws_sigv4_uri_encode(norm, strlen(norm), true);
    free(norm);
    return enc;
}

/* ---- query ------------------------------------------------------------------------------ */

struct qpair {
    char *key; /* encoded */
    char *value;
};

struct qlist {
    struct qpair *v;
    size_t n;
    size_t cap;
};

static void qlist_add(struct qlist *q, char *key, char *value)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->v = xreallocarray(q->v, q->cap, sizeof *q->v);
    }
    q->v[q->n].key = key;
    q->v[q->n].value = value;
    q->n++;
}

static void qlist_add_raw(struct qlist *q, const char *key, const char *value)
{
    qlist_add(q, aws_sigv4_uri_encode(key, strlen(key), false),
              aws_sigv4_uri_encode(value, strlen(value), false));
}

static void qlist_fini(struct qlist *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->v[i].key);
        free(q->v[i].value);
    }
    free(q->v);
    memset(q, 0, sizeof *q);
}

/* Splits the URL's query into pairs, normalising each key and value's encoding. */
static void query_parse(const struct url_parts *u, struct qlist *q)
{
    if (!u->query)
        return;
    const char *s = u->query;
    size_t n = u->query_len;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(s + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
            size_t dk, dv;
            char *k = percent_decode(s + i, klen, &dk);
            char *v = eq ? percent_decode(eq + 1, (size_t)(s + j - eq - 1), &dv) : xstrdup("");
            if (!eq)
                dv = 0;
            qlist_add(q, aws_sigv4_uri_encode(k, dk, false), aws_sigv4_uri_encode(v, dv, false));
            free(k);
            free(v);
        }
        i = j + 1;
    }
}

static int qpair_cmp(const void *a, const void *b)
{
    const struct qpair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

static void query_join(const struct qpair *v, size_t n, struct sb *b)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(b, '&');
        sb_adds(b, v[i].key);
        sb_addc(b, '=');
        sb_adds(b, v[i].value);
    }
}

static char *canonical_query(const struct qlist *q)
{
    struct qpair *sorted = xcalloc(q->n + 1, sizeof *sorted);
    if (q->n)
        memcpy(sorted, q->v, q->n * sizeof *sorted);
    qsort(sorted, q->n, sizeof *sorted, qpair_cmp);
    struct sb b = {0};
    query_join(sorted, q->n, &b);
    free(sorted);
    return sb_take(&b);
}

/* ---- headers ---------------------------------------------------------------------------- */

struct hdr {
    char *name;  /* lowercase */
    char *value; /* trimmed, runs of whitespace folded */
    size_t order;
};

struct hlist {
    struct hdr *v;
    size_t n;
    size_t cap;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char *value_trim(const char *s)
{
    struct sb b = {0};
    bool pending = false;
    for (; *s; s++) {
        if (is_ws(*s)) {
            pending = b.len > 0;
            continue;
        }
        if (pending)
            sb_addc(&b, ' ');
        pending = false;
        sb_addc(&b, *s);
    }
    return sb_take(&b);
}

static void hlist_add(struct hlist *h, const char *name, const char *value)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->v = xreallocarray(h->v, h->cap, sizeof *h->v);
    }
    char *lname = xstrdup(name);
    for (char *c = lname; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    h->v[h->n].name = lname;
    h->v[h->n].value = value_trim(value ? value : "");
    h->v[h->n].order = h->n;
    h->n++;
}

static void hlist_fini(struct hlist *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}

static bool hlist_has(const struct hlist *h, const char *lname)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->v[i].name, lname) == 0)
            return true;
    return false;
}

static int hdr_cmp(const void *a, const void *b)
{
    const struct hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Headers that are never signed: set by the signer itself or changed on the way. */
static bool header_skipped(const char *name)
{
    static const char *const skip[] = {"authorization", "x-amz-date", "user-agent", "expect",
                                       "x-amzn-trace-id"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strcasecmp(name, skip[i]) == 0)
            return true;
    return false;
}

/* Canonical header block ("name:v1,v2\n" per name) and signed header list. */
static void canonical_headers(struct hlist *h, char **block, char **signed_list)
{
    qsort(h->v, h->n, sizeof *h->v, hdr_cmp);
    struct sb b = {0}, s = {0};
    for (size_t i = 0; i < h->n;) {
        size_t j = i;
        sb_adds(&b, h->v[i].name);
        sb_addc(&b, ':');
        if (s.len)
            sb_addc(&s, ';');
        sb_adds(&s, h->v[i].name);
        while (j < h->n && strcmp(h->v[j].name, h->v[i].name) == 0) {
            if (j > i)
                sb_addc(&b, ',');
            sb_adds(&b, h->v[j].value);
            j++;
        }
        sb_addc(&b, '\n');
        i = j;
    }
    *block = sb_take(&b);
    *signed_list = sb_take(&s);
}

/* ---- signing ---------------------------------------------------------------------------- */

static int check_inputs(const struct aws_sigv4_request *req, const struct aws_sigv4_opts *opts,
                        const struct aws_sigv4_creds *creds, struct error *err)
{
    if (!req || !req->method || !*req->method || !req->url) {
        error_set(err, "sigv4: request without a method or URL");
        return -1;
    }
    if (!opts || !opts->service || !*opts->service || !opts->region || !*opts->region) {
        error_set(err, "sigv4: no service or region");
        return -1;
    }
    if (!creds || !creds->access_key_id || !*creds->access_key_id || !creds->secret_access_key ||
        !*creds->secret_access_key) {
        error_set(err, "sigv4: no credentials");
        return -1;
    }
    for (const char *c = opts->region; *c; c++)
        if (*c == '/' || is_ws(*c)) {
            error_set(err, "sigv4: invalid region");
            return -1;
        }
    return 0;
}

static char *method_upper(const char *m)
{
    char *s = xstrdup(m);
    for (char *c = s; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return s;
}

/* The payload hash: the caller's, else an X-Amz-Content-SHA256 header's value (as botocore
 * takes it), else NULL (hash the body). */
static const char *content_sha256(const struct aws_sigv4_request *req)
{
    if (req->payload_hash)
        return req->payload_hash;
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i].name && req->headers[i].value &&
            strcasecmp(req->headers[i].name, "x-amz-content-sha256") == 0)
            return req->headers[i].value;
    return NULL;
}

/* Builds creq, sts and signature from the prepared pieces. */
static void sign_common(const char *method, const char *uri, const char *query, const char *hblock,
                        const char *signed_list, const char *payload, const char *ts,
                        const struct aws_sigv4_opts *opts, const struct aws_sigv4_creds *creds,
                        struct aws_sigv4_result *out)
{
    char *creq =
        xasprintf("%s\n%s\n%s\n%s\n%s\n%s", method, uri, query, hblock, signed_list, payload);
    char crhash[65];
    aws_sigv4_sha256_hex(creq, strlen(creq), crhash);
    char date[9];
    memcpy(date, ts, 8);
    date[8] = '\0';
    char *sts = xasprintf(SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", ts, date, opts->region,
                          opts->service, crhash);

    char *k0 = xasprintf("AWS4%s", creds->secret_access_key);
    unsigned char kd[32], kr[32], ks[32], kk[32], sig[32];
    hmac256(k0, strlen(k0), date, kd);
    OPENSSL_cleanse(k0, strlen(k0));
    free(k0);
    hmac256(kd, 32, opts->region, kr);
    hmac256(kr, 32, opts->service, ks);
    hmac256(ks, 32, "aws4_request", kk);
    hmac256(kk, 32, sts, sig);
    OPENSSL_cleanse(kd, sizeof kd);
    OPENSSL_cleanse(kk, sizeof kk);
    char hex[65];
    hex_encode(sig, 32, hex);

    out->canonical_request = creq;
    out->string_to_sign = sts;
    out->signature = xstrdup(hex);
    out->signed_headers = xstrdup(signed_list);
    out->amz_date = xstrdup(ts);
}

/* The request's headers to sign; skip_token drops a stale X-Amz-Security-Token that the
 * signer replaces with the credentials' one. */
static void headers_collect(const struct aws_sigv4_request *req, const struct url_parts *u,
                            bool skip_token, struct hlist *h)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *name = req->headers[i].name;
        if (!name || !*name || header_skipped(name))
            continue;
        if (skip_token && strcasecmp(name, "x-amz-security-token") == 0)
            continue;
        hlist_add(h, name, req->headers[i].value);
    }
    if (!hlist_has(h, "host")) {
        char *host = url_host(u);
        hlist_add(h, "host", host);
        free(host);
    }
}

int aws_sigv4_sign(const struct aws_sigv4_request *req, const struct aws_sigv4_opts *opts,
                   const struct aws_sigv4_creds *creds, struct aws_sigv4_result *out,
                   struct error *err)
{
    memset(out, 0, sizeof *out);
    struct url_parts u;
    if (check_inputs(req, opts, creds, err) < 0 || url_split(req->url, &u, err) < 0)
        return -1;
    char ts[17];
    aws_sigv4_timestamp(opts->when, ts);

    struct hlist h = {0};
    bool token = creds->session_token && *creds->session_token;
    headers_collect(req, &u, token, &h);
    hlist_add(&h, "x-amz-date", ts);
    if (token)
        hlist_add(&h, "x-amz-security-token", creds->session_token);
    char *hblock, *signed_list;
    canonical_headers(&h, &hblock, &signed_list);
    hlist_fini(&h);

    struct qlist q = {0};
    query_parse(&u, &q);
    char *query = canonical_query(&q);
    qlist_fini(&q);

    char payload[65];
    const char *ph = content_sha256(req);
    if (!ph) {
        aws_sigv4_sha256_hex(req->body, req->body ? req->body_len : 0, payload);
        ph = payload;
    }
    char *uri = canonical_uri(&u, opts->s3);
    char *method = method_upper(req->method);
    sign_common(method, uri, query, hblock, signed_list, ph, ts, opts, creds, out);
    out->authorization = xasprintf(SIGV4_ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, "
                                                   "SignedHeaders=%s, Signature=%s",
                                   creds->access_key_id, ts, opts->region, opts->service,
                                   signed_list, out->signature);
    free(method);
    free(uri);
    free(query);
    free(hblock);
    free(signed_list);
    return 0;
}

int aws_sigv4_presign(const struct aws_sigv4_request *req, const struct aws_sigv4_opts *opts,
                      const struct aws_sigv4_creds *creds, struct aws_sigv4_result *out,
                      struct error *err)
{
    memset(out, 0, sizeof *out);
    struct url_parts u;
    if (check_inputs(req, opts, creds, err) < 0 || url_split(req->url, &u, err) < 0)
        return -1;
    if (opts->expires < 0 || opts->expires > 604800) {
        error_set(err, "sigv4: X-Amz-Expires must be between 1 and 604800 seconds");
        return -1;
    }
    char ts[17];
    aws_sigv4_timestamp(opts->when, ts);

    struct hlist h = {0};
    headers_collect(req, &u, false, &h);
    char *hblock, *signed_list;
    canonical_headers(&h, &hblock, &signed_list);
    hlist_fini(&h);

    struct qlist q = {0};
    query_parse(&u, &q);
    char *scope = xasprintf("%s/%.8s/%s/%s/aws4_request", creds->access_key_id, ts, opts->region,
                            opts->service);
    char expires[24];
    snprintf(expires, sizeof expires, "%ld", opts->expires ? opts->expires : 3600L);
    qlist_add_raw(&q, "X-Amz-Algorithm", SIGV4_ALGORITHM);
    qlist_add_raw(&q, "X-Amz-Credential", scope);
    qlist_add_raw(&q, "X-Amz-Date", ts);
    qlist_add_raw(&q, "X-Amz-Expires", expires);
    qlist_add_raw(&q, "X-Amz-SignedHeaders", signed_list);
    if (creds->session_token && *creds->session_token)
        qlist_add_raw(&q, "X-Amz-Security-Token", creds->session_token);
    free(scope);
    char *query = canonical_query(&q);

    char *uri = canonical_uri(&u, opts->s3);
    char *method = method_upper(req->method);
    /* botocore: S3 presigns UNSIGNED-PAYLOAD, every other service the body's hash. */
    char payload[65];
    const char *ph = content_sha256(req);
    if (opts->s3) {
        ph = SIGV4_UNSIGNED;
    } else if (!ph) {
        aws_sigv4_sha256_hex(req->body, req->body ? req->body_len : 0, payload);
        ph = payload;
    }
    sign_common(method, uri, query, hblock, signed_list, ph, ts, opts, creds, out);

    struct sb url = {0};
    sb_add(&url, u.scheme, u.scheme_len);
    sb_adds(&url, "://");
    sb_add(&url, u.authority, u.authority_len);
    sb_add(&url, u.path, u.path_len);
    if (u.path_len == 0)
        sb_addc(&url, '/');
    sb_addc(&url, '?');
    query_join(q.v, q.n, &url);
    sb_adds(&url, "&X-Amz-Signature=");
    sb_adds(&url, out->signature);
    out->url = sb_take(&url);

    qlist_fini(&q);
    free(method);
    free(uri);
    free(query);
    free(hblock);
    free(signed_list);
    return 0;
}

void aws_sigv4_result_fini(struct aws_sigv4_result *res)
{
    if (!res)
        return;
    free(res->canonical_request);
    free(res->string_to_sign);
    free(res->signature);
    free(res->signed_headers);
    free(res->amz_date);
    free(res->authorization);
    free(res->url);
    memset(res, 0, sizeof *res);
}
