/* Signed AWS calls over libcurl (see include/cutover/aws_http.h): the query protocol, REST-XML,
 * JSON 1.1, and the credential chain's STS and SSO calls. Every request is signed with
 * core/aws_sigv4.c, never CURLOPT_AWS_SIGV4 (docs/aws.md says why). */

#include "cutover/aws_http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/aws_sigv4.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#ifndef CUTOVER_VERSION
#define CUTOVER_VERSION "dev"
#endif

#define AWS_MAX_BODY (32u * 1024u * 1024u)
#define AWS_ATTEMPTS 3         /* for calls that change nothing */
#define AWS_REFRESH_MARGIN 300 /* seconds before expiry that cached credentials are renewed */
#define AWS_STS_VERSION "2011-06-15"

struct aws_client {
    char *service;
    char *region; /* opts.region, or NULL until resolved (guarded by mu) */
    char *endpoint;
    char *profile;
    char *ua;
    bool read_only;
    int timeout_ms;
    time_t now;
    struct aws_http_creds_ctx creds_ctx; /* borrowed by creds_ops; immutable after _new */
    struct aws_creds_ops creds_ops;
    pthread_mutex_t mu;
    struct aws_credentials creds;  /* cached (guarded by mu) */
    bool have_creds;               /* guarded by mu */
    bool resolving;                /* a thread is resolving credentials (guarded by mu) */
    pthread_cond_t resolved;       /* signalled when it is done (with mu) */
    struct aws_client_stats stats; /* guarded by mu */
};

/* One HTTP exchange, before retries. */
struct aws_req {
    const char *service; /* signing name */
    const char *region;  /* signing region */
    const char *op;      /* "sts AssumeRole" style label for messages: service and action */
    const char *action;
    const char *method;
    char *url;
    const char *body;
    size_t body_len;
    const char *content_type;
    const char *target;                  /* X-Amz-Target */
    const char *bearer;                  /* x-amz-sso_bearer_token (SSO: unsigned) */
    const struct aws_credentials *creds; /* NULL: unsigned */
    bool mutating;
    int timeout_ms;
    const char *ua;
    time_t now;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        fatal("curl_global_init failed");
}

static time_t clock_now(time_t fixed)
{
    return fixed ? fixed : time(NULL);
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* ---- names ------------------------------------------------------------------------------- */

bool aws_action_mutates(const char *action)
{
    if (!action || !*action)
        return true;
    /* a JSON target "secretsmanager.GetSecretValue" or "Service_20151017.ListX" */
    const char *dot = strrchr(action, '.');
    if (dot && dot[1])
        action = dot + 1;
    static const char *const safe[] = {"Describe", "Get", "List", "AssumeRole"};
    for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++) {
        size_t n = strlen(safe[i]);
        /* the prefix must start a word: "Getaway" would be odd, "GetChange" is a read */
        if (strncmp(action, safe[i], n) == 0 &&
            (action[n] == '\0' || isupper((unsigned char)action[n])))
            return false;
    }
    return true;
}

/* The base URL for a service: the configured endpoint, else AWS's own. */
static char *service_base(const char *endpoint, const char *service, const char *region)
{
    if (endpoint && *endpoint) {
        size_t n = strlen(endpoint);
        while (n > 0 && endpoint[n - 1] == '/')
            n--;
        return xstrndup(endpoint, n);
    }
    if (strcmp(service, "route53") == 0)
        return xstrdup("https://route53.amazonaws.com");
    if (strcmp(service, "sso") == 0)
        return xasprintf("https://portal.sso.%s.amazonaws.com", region);
    if (strcmp(service, "sts") == 0 && !region)
        return xstrdup("https://sts.amazonaws.com");
    return xasprintf("https://%s.%s.amazonaws.com", service, region);
}

/* ---- responses --------------------------------------------------------------------------- */

void aws_response_fini(struct aws_response *r)
{
    if (!r)
        return;
    if (r->body) {
        /* bodies may carry credentials (STS, SSO) or secret values (Secrets Manager) */
        OPENSSL_cleanse(r->body, r->len);
        free(r->body);
    }
    free(r->request_id);
    free(r->error_code);
    free(r->error_message);
    memset(r, 0, sizeof *r);
}

struct recv_state {
    struct aws_response *resp;
    size_t cap;
    bool too_big;
    char *error_type; /* x-amzn-ErrorType */
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct recv_state *st = arg;
    struct aws_response *r = st->resp;
    size_t n = size * nmemb;
    if (r->len + n > AWS_MAX_BODY) {
        st->too_big = true;
        OPENSSL_cleanse(ptr, n);
        return 0;
    }
    if (r->len + n + 1 > st->cap) {
        size_t cap = st->cap ? st->cap : 4096;
        while (r->len + n + 1 > cap)
            cap *= 2;
        char *nb = xmalloc(cap);
        if (r->body) {
            memcpy(nb, r->body, r->len);
            OPENSSL_cleanse(r->body, r->len);
            free(r->body);
        }
        r->body = nb;
        st->cap = cap;
    }
    memcpy(r->body + r->len, ptr, n);
    r->len += n;
    r->body[r->len] = '\0';
    /* curl's piece may be a GetSecretValue answer or credentials: the copy above is the only
     * one kept (wiped by aws_response_fini); curl passes a writable buffer */
    OPENSSL_cleanse(ptr, n);
    return n;
}

/* A header's value if line is "name: value", trimmed, as a new string. */
static char *header_value(const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1;
    const char *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && isspace((unsigned char)e[-1]))
        e--;
    return xstrndup(v, (size_t)(e - v));
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct recv_state *st = arg;
    size_t n = size * nmemb;
    char *v;
    if (strncmp(ptr, "HTTP/", 5) == 0) {
        /* a new response (after 100 Continue): forget the previous one's headers */
        free(st->resp->request_id);
        st->resp->request_id = NULL;
        free(st->error_type);
        st->error_type = NULL;
    } else if ((v = header_value(ptr, n, "x-amzn-RequestId")) ||
               (v = header_value(ptr, n, "x-amz-request-id"))) {
        free(st->resp->request_id);
        st->resp->request_id = v;
    } else if ((v = header_value(ptr, n, "x-amzn-ErrorType"))) {
        free(st->error_type);
        st->error_type = v;
    }
    return n;
}

static char *trimmed_dup(const char *s)
{
    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

/* Error code and message from an XML error body: query (ErrorResponse/Error), EC2-style
 * (Response/Errors/Error), REST-XML (ErrorResponse/Error, or Route53's InvalidChangeBatch with
 * Messages/Message), S3-style (Error at the root). */
static void parse_xml_error(struct aws_response *r)
{
    struct xml_node *root = NULL;
    struct error err;
    error_clear(&err);
    if (xml_parse(r->body, r->len, "error", &root, &err) != 0 || root == NULL)
        return;
    const struct xml_node *e = xml_is(root, "Error") ? root : xml_find(root, "Error");
    if (e && xml_child(e, "Code")) {
        r->error_code = trimmed_dup(xml_path_text(e, "Code"));
        r->error_message = trimmed_dup(xml_path_text(e, "Message"));
    } else if (xml_child(root, "Messages") || xml_child(root, "Message")) {
        r->error_code = xstrdup(root->local);
        const struct xml_node *ms = xml_child(root, "Messages");
        if (!ms)
            ms = root;
        size_t len = 0;
        char *joined = NULL;
        for (const struct xml_node *m = xml_child(ms, "Message"); m; m = xml_next(m, "Message")) {
            char *t = trimmed_dup(xml_text(m));
            size_t tl = strlen(t);
            joined = xrealloc(joined, len + tl + 3);
            if (len) {
                memcpy(joined + len, "; ", 2);
                len += 2;
            }
            memcpy(joined + len, t, tl + 1);
            len += tl;
            free(t);
        }
        r->error_message = joined;
    }
    if (!r->request_id) {
        const struct xml_node *id = xml_find(root, "RequestId");
        if (!id)
            id = xml_find(root, "RequestID");
        if (id)
            r->request_id = trimmed_dup(xml_text(id));
    }
    xml_free(root);
}

/* "__type": "com.amazon.coral.service#ThrottlingException" -> "ThrottlingException"; the
 * x-amzn-ErrorType header "Code:http://internal..." -> "Code". */
static char *clean_code(const char *s)
{
    const char *h = strrchr(s, '#');
    if (h)
        s = h + 1;
    char *code = xstrndup(s, strcspn(s, ":"));
    char *t = trimmed_dup(code);
    free(code);
    return t;
}

static void parse_json_error(struct aws_response *r, const char *error_type)
{
    json_object *root = json_tokener_parse(r->body);
    if (root && json_object_is_type(root, json_type_object)) {
        json_object *v;
        const char *keys[] = {"__type", "code", "Code"};
        for (size_t i = 0; i < 3 && !r->error_code; i++)
            if (json_object_object_get_ex(root, keys[i], &v) &&
                json_object_is_type(v, json_type_string))
                r->error_code = clean_code(json_object_get_string(v));
        const char *mkeys[] = {"message", "Message", "errorMessage"};
        for (size_t i = 0; i < 3 && !r->error_message; i++)
            if (json_object_object_get_ex(root, mkeys[i], &v) &&
                json_object_is_type(v, json_type_string))
                r->error_message = trimmed_dup(json_object_get_string(v));
    }
    json_object_put(root);
    if (!r->error_code && error_type)
        r->error_code = clean_code(error_type);
}

static void parse_error_body(struct aws_response *r, const char *error_type)
{
    const char *p = r->body ? r->body : "";
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '<')
        parse_xml_error(r);
    else if (*p == '{')
        parse_json_error(r, error_type);
    if (!r->error_code && error_type)
        r->error_code = clean_code(error_type);
}

static bool is_throttle(const struct aws_response *r)
{
    if (r->status == 429 || r->status == 503)
        return true;
    static const char *const codes[] = {"Throttling",
                                        "ThrottlingException",
                                        "ThrottledException",
                                        "RequestThrottled",
                                        "TooManyRequestsException",
                                        "RequestLimitExceeded",
                                        "SlowDown",
                                        "PriorRequestNotComplete",
                                        "RequestThrottledException",
                                        "ProvisionedThroughputExceededException"};
    if (!r->error_code)
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(r->error_code, codes[i]) == 0)
            return true;
    return false;
}

/* ---- one exchange ------------------------------------------------------------------------ */

static struct curl_slist *add_header(struct curl_slist *l, const char *name, const char *value)
{
    char *h = xasprintf("%s: %s", name, value);
    struct curl_slist *n = curl_slist_append(l, h);
    OPENSSL_cleanse(h, strlen(h));
    free(h);
    if (!n)
        fatal("curl_slist_append: out of memory");
    return n;
}

static void slist_free_wiped(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

/* Sends req once. Fills resp (status 0 and transport_error when no answer came). Returns 0 when
 * an answer came (of any status), -1 when none did or signing failed (err set). */
static int send_once(const struct aws_req *req, struct aws_response *resp, struct error *err)
{
    memset(resp, 0, sizeof *resp);
    struct aws_sigv4_header hdrs[3];
    size_t nh = 0;
    if (req->content_type)
        hdrs[nh++] = (struct aws_sigv4_header){"Content-Type", req->content_type};
    if (req->target)
        hdrs[nh++] = (struct aws_sigv4_header){"X-Amz-Target", req->target};

    struct curl_slist *sl = NULL;
    for (size_t i = 0; i < nh; i++)
        sl = add_header(sl, hdrs[i].name, hdrs[i].value);
    sl = add_header(sl, "Accept",
                    req->content_type && strstr(req->content_type, "json") ? "application/json"
                                                                           : "*/*");
    struct curl_slist *nl = curl_slist_append(sl, "Expect:"); /* no 100-continue round trip */
    if (!nl)
        fatal("curl_slist_append: out of memory");
    sl = nl;
    if (req->bearer)
        sl = add_header(sl, "x-amz-sso_bearer_token", req->bearer);

    if (req->creds) {
        struct aws_sigv4_request sreq = {.method = req->method,
                                         .url = req->url,
                                         .headers = hdrs,
                                         .n_headers = nh,
                                         .body = req->body,
                                         .body_len = req->body_len};
        struct aws_sigv4_opts sopts = {
            .service = req->service, .region = req->region, .when = req->now};
        struct aws_sigv4_creds sc = {.access_key_id = req->creds->access_key_id,
                                     .secret_access_key = req->creds->secret_access_key,
                                     .session_token = req->creds->session_token};
        struct aws_sigv4_result res = {0};
        if (aws_sigv4_sign(&sreq, &sopts, &sc, &res, err) != 0) {
            slist_free_wiped(sl);
            return -1;
        }
        sl = add_header(sl, "X-Amz-Date", res.amz_date);
        if (sc.session_token && *sc.session_token)
            sl = add_header(sl, "X-Amz-Security-Token", sc.session_token);
        sl = add_header(sl, "Authorization", res.authorization);
        aws_sigv4_result_fini(&res);
    }

    CURL *e = curl_easy_init();
    if (!e)
        fatal("curl_easy_init failed");
    char errbuf[CURL_ERROR_SIZE] = "";
    struct recv_state st = {.resp = resp};
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, req->ua);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &st);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(req->timeout_ms < 5000 ? req->timeout_ms : 5000));
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* loopback endpoints (the simulator) never go through a proxy from the environment */
    curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body || strcmp(req->method, "POST") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
        if (strcmp(req->method, "HEAD") == 0)
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    }
    CURLcode cc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    slist_free_wiped(sl);

    if (!resp->body) {
        resp->body = xstrdup("");
        resp->len = 0;
    }
    int rc = 0;
    if (cc != CURLE_OK) {
        resp->status = st.too_big ? status : 0;
        resp->transport_error = true;
        if (st.too_big)
            error_set(err, "%s: answer larger than %u bytes", req->op, AWS_MAX_BODY);
        else
            /* as curl(1) says it: the detail ("Empty reply from server", "Failed to connect
             * to ... Connection refused") when there is one, it is what a short line keeps */
            error_set(err, "%s: %s%s", req->op, errbuf[0] ? errbuf : curl_easy_strerror(cc),
                      req->mutating ? " (a change: its outcome is unknown)" : "");
        rc = -1;
    } else {
        resp->status = status;
        if (status < 200 || status > 299)
            parse_error_body(resp, st.error_type);
        else if (!resp->request_id && resp->body[0] == '<') {
            /* the query protocol puts the id in the body */
            const char *p = strstr(resp->body, "<RequestId>");
            if (p) {
                p += 11;
                const char *q = strstr(p, "</RequestId>");
                if (q && q - p < 128)
                    resp->request_id = xstrndup(p, (size_t)(q - p));
            }
        }
    }
    free(st.error_type);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Sends req with retries for calls that change nothing (throttling, transport errors), and
 * turns a non-2xx answer into -1 with "OP: CODE: message (HTTP n)". */
static int send_call(const struct aws_req *req, struct aws_response *resp, struct error *err)
{
    int attempts = req->mutating ? 1 : AWS_ATTEMPTS;
    int rc = -1;
    for (int i = 0; i < attempts; i++) {
        if (i > 0) {
            long base = 100L << i; /* 200, 400 ms */
            sleep_ms(base + (long)(rand() % (int)(base / 2 + 1)));
            aws_response_fini(resp);
        }
        error_clear(err);
        rc = send_once(req, resp, err);
        if (rc != 0) {
            if (!resp->transport_error)
                return -1; /* signing failed: nothing was sent */
            log_warn("aws: %s: no answer (attempt %d of %d)", req->op, i + 1, attempts);
            continue;
        }
        if (resp->status >= 200 && resp->status <= 299)
            return 0;
        if (is_throttle(resp) && i + 1 < attempts) {
            log_info("aws: %s: throttled (HTTP %ld %s), retrying", req->op, resp->status,
                     resp->error_code ? resp->error_code : "");
            continue;
        }
        break;
    }
    if (rc != 0)
        return -1;
    char *code = text_sanitize(resp->error_code ? resp->error_code : "error");
    char *msg = text_sanitize(resp->error_message ? resp->error_message : "");
    /* keep the status in view: a long message is shortened, not the end of the line */
    size_t room = sizeof err->msg - strlen(req->op) - strlen(code) - 32;
    if (strlen(msg) > room && room > 3)
        memcpy(msg + room - 3, "...", 4);
    error_set(err, "%s: %s%s%s (HTTP %ld)", req->op, code, msg[0] ? ": " : "", msg, resp->status);
    log_warn("aws: %s: %s (HTTP %ld, request %s)", req->op, code, resp->status,
             resp->request_id ? resp->request_id : "-");
    free(code);
    free(msg);
    return -1;
}

/* ---- the client -------------------------------------------------------------------------- */

int aws_client_new(const struct aws_client_opts *opts, struct aws_client **out, struct error *err)
{
    *out = NULL;
    if (!opts || !opts->service || !*opts->service) {
        error_set(err, "aws client: no service");
        return -1;
    }
    pthread_once(&global_once, global_init);
    struct aws_client *c = xcalloc(1, sizeof *c);
    c->service = xstrdup(opts->service);
    if (strcmp(c->service, "route53") == 0)
        c->region = xstrdup("us-east-1"); /* Route53 is global and signs us-east-1 */
    else
        c->region = xstrdup_null(opts->region);
    c->endpoint = xstrdup_null(opts->endpoint);
    c->profile = xstrdup_null(opts->profile);
    c->ua = opts->ua ? xstrdup(opts->ua) : xstrdup("cutover/" CUTOVER_VERSION);
    c->read_only = opts->read_only;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    c->now = opts->now;
    c->creds_ctx = (struct aws_http_creds_ctx){
        .endpoint = c->endpoint, .timeout_ms = c->timeout_ms, .ua = c->ua};
    aws_http_creds_ops(&c->creds_ops, &c->creds_ctx);
    XPTHREAD(pthread_mutex_init(&c->mu, NULL));
    XPTHREAD(pthread_cond_init(&c->resolved, NULL));
    *out = c;
    return 0;
}

void aws_client_free(struct aws_client *c)
{
    if (!c)
        return;
    aws_credentials_fini(&c->creds);
    XPTHREAD(pthread_cond_destroy(&c->resolved));
    XPTHREAD(pthread_mutex_destroy(&c->mu));
    free(c->service);
    free(c->region);
    free(c->endpoint);
    free(c->profile);
    free(c->ua);
    free(c);
}

void aws_client_get_stats(struct aws_client *c, struct aws_client_stats *out)
{
    XPTHREAD(pthread_mutex_lock(&c->mu));
    *out = c->stats;
    XPTHREAD(pthread_mutex_unlock(&c->mu));
}

static void creds_copy(struct aws_credentials *dst, const struct aws_credentials *src)
{
    dst->access_key_id = xstrdup_null(src->access_key_id);
    dst->secret_access_key = xstrdup_null(src->secret_access_key);
    dst->session_token = xstrdup_null(src->session_token);
    dst->expiration = src->expiration;
    dst->source = src->source;
    dst->profile = xstrdup_null(src->profile);
}

/* A copy of the cached credentials, resolving them (outside the lock) when there are none or
 * they expire within 5 minutes. */
static int client_creds(struct aws_client *c, struct aws_credentials *out, struct error *err)
{
    XPTHREAD(pthread_mutex_lock(&c->mu));
    /* one thread resolves at a time; the others wait for its result instead of each making
     * the same STS or SSO call (the lock itself is never held across the call) */
    while (c->resolving)
        XPTHREAD(pthread_cond_wait(&c->resolved, &c->mu));
    time_t now = time(NULL);
    bool fresh = c->have_creds &&
                 (c->creds.expiration == 0 || c->creds.expiration - AWS_REFRESH_MARGIN > now);
    if (fresh)
        creds_copy(out, &c->creds);
    else
        c->resolving = true;
    XPTHREAD(pthread_mutex_unlock(&c->mu));
    if (fresh)
        return 0;

    struct aws_creds_opts co = {.profile = c->profile, .ops = &c->creds_ops};
    struct aws_credentials got = {0};
    int rc = aws_creds_resolve(&co, &got, err);
    if (rc == 0)
        log_info("aws: %s: credentials from %s%s%s", c->service, aws_creds_source_name(got.source),
                 got.profile ? ", profile " : "", got.profile ? got.profile : "");
    XPTHREAD(pthread_mutex_lock(&c->mu));
    if (rc == 0) {
        aws_credentials_fini(&c->creds);
        c->creds = got;
        c->have_creds = true;
        creds_copy(out, &c->creds);
    }
    c->resolving = false;
    XPTHREAD(pthread_cond_broadcast(&c->resolved));
    XPTHREAD(pthread_mutex_unlock(&c->mu));
    return rc == 0 ? 0 : -1;
}

/* The signing region, resolved once. */
static int client_region(struct aws_client *c, char **out, struct error *err)
{
    XPTHREAD(pthread_mutex_lock(&c->mu));
    *out = xstrdup_null(c->region);
    XPTHREAD(pthread_mutex_unlock(&c->mu));
    if (*out)
        return 0;
    struct aws_creds_opts co = {.profile = c->profile};
    if (aws_creds_region(&co, out, err) != 0)
        return -1;
    XPTHREAD(pthread_mutex_lock(&c->mu));
    if (!c->region)
        c->region = xstrdup(*out);
    XPTHREAD(pthread_mutex_unlock(&c->mu));
    return 0;
}

/* Common path of the three protocols: read-only check, credentials, region, URL, send. The
 * request is completed in a copy that points into this frame (op, region, creds) and dies
 * with it: the caller's stays as it was. */
static int client_call(struct aws_client *c, const struct aws_req *in, const char *path,
                       struct aws_response *resp, struct error *err)
{
    memset(resp, 0, sizeof *resp);
    struct aws_req call = *in;
    struct aws_req *req = &call;
    char op[160];
    snprintf(op, sizeof op, "%s %s", c->service, req->action ? req->action : "?");
    req->op = op;
    if (c->read_only && req->mutating) {
        resp->refused = true;
        XPTHREAD(pthread_mutex_lock(&c->mu));
        c->stats.refused++;
        XPTHREAD(pthread_mutex_unlock(&c->mu));
        log_warn("aws: %s refused: observer (read-only) mode sends no changes", op);
        error_set(err, "%s: refused in observer (read-only) mode: it would change something", op);
        return -1;
    }
    char *region = NULL;
    if (client_region(c, &region, err) != 0)
        return -1;
    struct aws_credentials creds = {0};
    if (client_creds(c, &creds, err) != 0) {
        free(region);
        char msg[sizeof err->msg];
        if (err) {
            snprintf(msg, sizeof msg, "%s", err->msg);
            error_set(err, "%s: credentials: %s", op, msg);
        }
        return -1;
    }
    char *base = service_base(c->endpoint, c->service, region);
    req->url = xasprintf("%s%s%s", base, path[0] == '/' ? "" : "/", path);
    free(base);
    req->service = c->service;
    req->region = region;
    req->creds = &creds;
    req->timeout_ms = c->timeout_ms;
    req->ua = c->ua;
    req->now = clock_now(c->now);
    XPTHREAD(pthread_mutex_lock(&c->mu));
    c->stats.requests++;
    XPTHREAD(pthread_mutex_unlock(&c->mu));
    int rc = send_call(req, resp, err);
    log_debug("aws: %s %s -> %ld%s", req->method, op, resp->status,
              resp->transport_error ? " (no answer)" : "");
    free(req->url);
    req->url = NULL;
    aws_credentials_fini(&creds);
    free(region);
    if (err)
        error_sanitize(err);
    return rc;
}

/* Appends "&name=value" (form-encoded) to *body. */
static void form_add(char **body, size_t *len, const char *name, const char *value)
{
    char *n = aws_sigv4_uri_encode(name, strlen(name), false);
    char *v = aws_sigv4_uri_encode(value ? value : "", value ? strlen(value) : 0, false);
    char *nb = xasprintf("%s%s%s=%s", *body ? *body : "", *body ? "&" : "", n, v);
    if (*body)
        wipe_free(*body);
    *body = nb;
    *len = strlen(nb);
    free(n);
    wipe_free(v);
}

static char *query_body(const char *action, const char *version, const struct aws_param *params,
                        size_t n, size_t *len)
{
    char *body = NULL;
    *len = 0;
    form_add(&body, len, "Action", action);
    form_add(&body, len, "Version", version);
    for (size_t i = 0; i < n; i++)
        form_add(&body, len, params[i].name, params[i].value);
    return body;
}

int aws_query(struct aws_client *c, const char *action, const char *version,
              const struct aws_param *params, size_t n, struct aws_response *resp,
              struct error *err)
{
    size_t len;
    char *body = query_body(action, version, params, n, &len);
    struct aws_req req = {.action = action,
                          .method = "POST",
                          .body = body,
                          .body_len = len,
                          .content_type = "application/x-www-form-urlencoded; charset=utf-8",
                          .mutating = aws_action_mutates(action)};
    int rc = client_call(c, &req, "/", resp, err);
    wipe_free(body);
    return rc;
}

int aws_rest(struct aws_client *c, const char *method, const char *action, const char *path,
             const char *body, const char *content_type, struct aws_response *resp,
             struct error *err)
{
    bool reads = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    struct aws_req req = {.action = action,
                          .method = method,
                          .body = body,
                          .body_len = body ? strlen(body) : 0,
                          .content_type = body ? (content_type ? content_type : "text/xml") : NULL,
                          /* the method says what the request does; the label is only the
                           * caller's name for it: any write method is a change, whatever it
                           * is called (refused read-only, sent once) */
                          .mutating = !reads || aws_action_mutates(action)};
    return client_call(c, &req, path, resp, err);
}

int aws_json(struct aws_client *c, const char *target, const char *json_body,
             struct aws_response *resp, struct error *err)
{
    const char *dot = target ? strrchr(target, '.') : NULL;
    const char *action = dot ? dot + 1 : target;
    const char *body = json_body ? json_body : "{}";
    struct aws_req req = {.action = action,
                          .method = "POST",
                          .body = body,
                          .body_len = strlen(body),
                          .content_type = "application/x-amz-json-1.1",
                          .target = target,
                          .mutating = aws_action_mutates(target)};
    return client_call(c, &req, "/", resp, err);
}

/* ---- the credential chain's STS and SSO calls ------------------------------------------- */

static int sts_credentials(const struct aws_response *resp, const char *result, const char *op,
                           struct aws_credentials *out, struct error *err)
{
    struct xml_node *root = NULL;
    struct error xerr;
    error_clear(&xerr);
    if (xml_parse(resp->body, resp->len, op, &root, &xerr) != 0) {
        error_set(err, "%s: the answer is not XML (%d:%d: %s)", op, xerr.line, xerr.col, xerr.msg);
        return -1;
    }
    char path[96];
    snprintf(path, sizeof path, "%s/Credentials", result);
    const struct xml_node *cr = xml_path(root, path);
    char *ak = trimmed_dup(xml_path_text(cr, "AccessKeyId"));
    char *sk = trimmed_dup(xml_path_text(cr, "SecretAccessKey"));
    char *tok = trimmed_dup(xml_path_text(cr, "SessionToken"));
    char *exp = trimmed_dup(xml_path_text(cr, "Expiration"));
    for (struct xml_node *k = cr ? cr->first_child : NULL; k; k = k->next)
        if (k->text)
            OPENSSL_cleanse(k->text, k->text_len); /* the keys, decoded by the XML reader */
    xml_free(root);
    time_t when = 0;
    int rc = -1;
    if (!ak || !*ak || !sk || !*sk || !tok || !*tok)
        error_set(err,
                  "%s: the answer has no %s/Credentials with AccessKeyId, SecretAccessKey "
                  "and SessionToken",
                  op, result);
    else if (!exp || aws_creds_parse_time(exp, &when) != 0)
        error_set(err, "%s: the answer's Expiration is missing or not a time", op);
    else
        rc = 0;
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        out->access_key_id = ak;
        out->secret_access_key = sk;
        out->session_token = tok;
        out->expiration = when;
        ak = sk = tok = NULL;
    }
    free(ak);
    wipe_free(sk);
    wipe_free(tok);
    free(exp);
    return rc;
}

/* POSTs an STS query call with creds (NULL: unsigned, as AssumeRoleWithWebIdentity is). */
static int sts_call(const struct aws_http_creds_ctx *ctx, const char *action,
                    const struct aws_assume_role_params *p, const char *web_token,
                    const struct aws_credentials *creds, struct aws_credentials *out,
                    struct error *err)
{
    pthread_once(&global_once, global_init);
    if (p->mfa_serial && *p->mfa_serial) {
        error_set(err,
                  "sts %s: role %s needs an MFA code (mfa_serial), which cutover cannot "
                  "prompt for; use credentials that need none",
                  action, p->role_arn);
        return -1;
    }
    size_t len;
    char dur[16];
    struct aws_param prm[5];
    size_t n = 0;
    prm[n++] = (struct aws_param){"RoleArn", p->role_arn};
    prm[n++] = (struct aws_param){"RoleSessionName", p->role_session_name};
    if (p->duration_seconds > 0) {
        snprintf(dur, sizeof dur, "%d", p->duration_seconds);
        prm[n++] = (struct aws_param){"DurationSeconds", dur};
    }
    if (p->external_id && *p->external_id && !web_token)
        prm[n++] = (struct aws_param){"ExternalId", p->external_id};
    if (web_token)
        prm[n++] = (struct aws_param){"WebIdentityToken", web_token};
    char *body = query_body(action, AWS_STS_VERSION, prm, n, &len);
    const char *region = p->region && *p->region ? p->region : NULL;
    char *base = service_base(ctx->endpoint, "sts", region);
    char op[64];
    snprintf(op, sizeof op, "sts %s", action);
    struct aws_req req = {.service = "sts",
                          .region = region ? region : "us-east-1",
                          .op = op,
                          .action = action,
                          .method = "POST",
                          .url = xasprintf("%s/", base),
                          .body = body,
                          .body_len = len,
                          .content_type = "application/x-www-form-urlencoded; charset=utf-8",
                          .creds = creds,
                          .mutating = false,
                          .timeout_ms = ctx->timeout_ms > 0 ? ctx->timeout_ms : 10000,
                          .ua = ctx->ua ? ctx->ua : "cutover/" CUTOVER_VERSION,
                          .now = time(NULL)};
    free(base);
    struct aws_response resp;
    int rc = send_call(&req, &resp, err);
    free(req.url);
    wipe_free(body);
    if (rc == 0) {
        char result[64];
        snprintf(result, sizeof result, "%sResult", action);
        rc = sts_credentials(&resp, result, op, out, err);
    }
    aws_response_fini(&resp);
    if (err)
        error_sanitize(err);
    return rc;
}

static int op_assume_role(void *vctx, const struct aws_assume_role_params *params,
                          const struct aws_credentials *source, struct aws_credentials *out,
                          struct error *err)
{
    return sts_call(vctx, "AssumeRole", params, NULL, source, out, err);
}

static int op_assume_role_web(void *vctx, const struct aws_assume_role_params *params,
                              const char *web_identity_token, struct aws_credentials *out,
                              struct error *err)
{
    return sts_call(vctx, "AssumeRoleWithWebIdentity", params, web_identity_token, NULL, out, err);
}

static char *json_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return xstrdup(json_object_get_string(v));
}

static int op_sso(void *vctx, const char *sso_region, const char *access_token,
                  const char *account_id, const char *role_name, struct aws_credentials *out,
                  struct error *err)
{
    const struct aws_http_creds_ctx *ctx = vctx;
    pthread_once(&global_once, global_init);
    char *base = service_base(ctx->endpoint, "sso", sso_region ? sso_region : "us-east-1");
    char *acc = aws_sigv4_uri_encode(account_id, strlen(account_id), false);
    char *role = aws_sigv4_uri_encode(role_name, strlen(role_name), false);
    struct aws_req req = {
        .service = "sso",
        .region = sso_region,
        .op = "sso GetRoleCredentials",
        .action = "GetRoleCredentials",
        .method = "GET",
        .url = xasprintf("%s/federation/credentials?account_id=%s&role_name=%s", base, acc, role),
        .bearer = access_token,
        .creds = NULL,
        .mutating = false,
        .timeout_ms = ctx->timeout_ms > 0 ? ctx->timeout_ms : 10000,
        .ua = ctx->ua ? ctx->ua : "cutover/" CUTOVER_VERSION,
        .now = time(NULL)};
    free(base);
    free(acc);
    free(role);
    struct aws_response resp;
    int rc = send_call(&req, &resp, err);
    free(req.url);
    if (rc == 0) {
        rc = -1;
        json_object *root = json_tokener_parse(resp.body);
        json_object *rcreds = NULL;
        if (root && json_object_object_get_ex(root, "roleCredentials", &rcreds) &&
            json_object_is_type(rcreds, json_type_object)) {
            char *ak = json_str(rcreds, "accessKeyId");
            char *sk = json_str(rcreds, "secretAccessKey");
            char *tok = json_str(rcreds, "sessionToken");
            json_object *ev;
            int64_t ms = 0;
            if (json_object_object_get_ex(rcreds, "expiration", &ev) &&
                json_object_is_type(ev, json_type_int))
                ms = json_object_get_int64(ev);
            if (ak && *ak && sk && *sk && tok && *tok && ms > 0) {
                memset(out, 0, sizeof *out);
                out->access_key_id = ak;
                out->secret_access_key = sk;
                out->session_token = tok;
                out->expiration = (time_t)(ms / 1000);
                ak = sk = tok = NULL;
                rc = 0;
            } else {
                error_set(err, "sso GetRoleCredentials: the answer lacks accessKeyId, "
                               "secretAccessKey, sessionToken or expiration");
            }
            free(ak);
            wipe_free(sk);
            wipe_free(tok);
            /* json-c's copies of the keys (its strings are writable behind the const) */
            static const char *const keys[] = {"accessKeyId", "secretAccessKey", "sessionToken"};
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                json_object *v;
                if (json_object_object_get_ex(rcreds, keys[i], &v) &&
                    json_object_is_type(v, json_type_string))
                    OPENSSL_cleanse((char *)json_object_get_string(v),
                                    (size_t)json_object_get_string_len(v));
            }
        } else {
            error_set(err, "sso GetRoleCredentials: the answer has no roleCredentials object");
        }
        json_object_put(root);
    }
    aws_response_fini(&resp);
    if (err)
        error_sanitize(err);
    return rc;
}

void aws_http_creds_ops(struct aws_creds_ops *ops, struct aws_http_creds_ctx *ctx)
{
    memset(ops, 0, sizeof *ops);
    ops->ctx = ctx;
    ops->assume_role = op_assume_role;
    ops->assume_role_with_web_identity = op_assume_role_web;
    ops->sso_get_role_credentials = op_sso;
}
