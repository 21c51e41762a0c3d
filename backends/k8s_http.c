#include "cutover/k8s_http.h"

#include "cutover/k8s_pbscan.h"

#include <openssl/crypto.h>

#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ERRBODY_MAX 8192 /* bytes of a non-2xx body kept for the message */
#define EXEC_TIMEOUT_MS 30000
#define EXEC_EXPIRY_SLACK_S 10 /* run the plugin again this long before the credential expires */

struct k8s_http {
    struct kube_context ctx; /* deep copy, immutable after _new */
    char *base;              /* server URL without a trailing '/' (or tls-server-name rewrite) */
    char *connect_to;        /* CURLOPT_CONNECT_TO entry for tls-server-name, or NULL */
    char *host_header;       /* "Host: real:port" when connect_to is used */
    bool loopback;           /* the server is on this machine: never through an environment proxy */
    bool read_only;
    char *ua;
    long connect_timeout_ms;
    int max_retry_after_s;
    int max_retries;
    int exec_timeout_ms;

    CURLSH *share;                                 /* DNS and TLS session cache of all conns */
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST]; /* curl's share locks */

    pthread_mutex_t auth_mu;    /* guards cred, have_cred */
    struct kube_exec_cred cred; /* guarded by auth_mu: cached ExecCredential */
    bool have_cred;             /* guarded by auth_mu */
    /* A plugin that fails or hangs is run once for every request waiting at that moment, not
     * once each: a request that waited on auth_mu while a run ended in failure takes that
     * failure instead of starting another (a hang would otherwise cost exec_timeout_ms per
     * waiting request, one after the other). */
    atomic_ulong exec_gen;    /* runs finished; read before locking auth_mu, bumped under it */
    struct error exec_failed; /* guarded by auth_mu: the last run's error when it failed */
    bool exec_last_failed;    /* guarded by auth_mu */

    pthread_mutex_t stats_mu;    /* guards stats */
    struct k8s_http_stats stats; /* guarded by stats_mu */
};

struct k8s_http_conn {
    struct k8s_http *h;
    CURL *easy;
    CURLM *multi; /* one easy handle driven by curl_multi_poll so that _wake can interrupt it */
    k8s_http_cancel_fn cancel;
    void *cancel_arg;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- secrets --------------------------------------------------------------------------- */

static void free_secret(char *s, size_t len)
{
    if (s == NULL)
        return;
    explicit_bzero(s, len ? len : strlen(s));
    free(s);
}

/* ---- set-up ------------------------------------------------------------------------------ */

static atomic_int exec_timeout_default = EXEC_TIMEOUT_MS;

void k8s_http_set_exec_timeout(int ms)
{
    atomic_store(&exec_timeout_default, ms > 0 ? ms : EXEC_TIMEOUT_MS);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        fatal("curl_global_init failed");
}

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *arg)
{
    (void)handle;
    (void)access;
    struct k8s_http *h = arg;
    XPTHREAD(pthread_mutex_lock(&h->share_mu[data]));
}

static void share_unlock(CURL *handle, curl_lock_data data, void *arg)
{
    (void)handle;
    struct k8s_http *h = arg;
    XPTHREAD(pthread_mutex_unlock(&h->share_mu[data]));
}

/* With tls-server-name, the URL names that host (so curl sends it as SNI and verifies the
 * certificate against it, as kubectl's ServerName does) and CONNECT_TO sends the connection to
 * the real server; the Host header keeps the real one. */
static bool host_is_loopback(const char *host)
{
    return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

static int setup_server_name(struct k8s_http *h, struct error *err)
{
    const char *server = h->ctx.server;
    size_t len = strlen(server);
    while (len > 0 && server[len - 1] == '/')
        len--;
    h->base = xstrndup(server, len);
    CURLU *lu = curl_url();
    char *lhost = NULL;
    if (curl_url_set(lu, CURLUPART_URL, h->base, 0) == CURLUE_OK &&
        curl_url_get(lu, CURLUPART_HOST, &lhost, 0) == CURLUE_OK)
        h->loopback = host_is_loopback(lhost);
    curl_free(lhost);
    curl_url_cleanup(lu);
    if (h->ctx.tls_server_name == NULL || h->ctx.tls_server_name[0] == '\0')
        return 0;

    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *url = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, h->base, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        error_set(err, "%s: server %s is not a valid URL", h->ctx.name, h->ctx.server);
        goto out;
    }
    if (curl_url_set(u, CURLUPART_HOST, h->ctx.tls_server_name, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
        error_set(err, "%s: tls-server-name %s is not a valid host name", h->ctx.name,
                  h->ctx.tls_server_name);
        goto out;
    }
    free(h->base);
    len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        len--;
    h->base = xstrndup(url, len);
    h->connect_to = xasprintf("%s:%s:%s:%s", h->ctx.tls_server_name, port, host, port);
    h->host_header = xasprintf("Host: %s:%s", host, port);
    rc = 0;
out:
    curl_free(host);
    curl_free(port);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

int k8s_http_new(const struct kube_context *ctx, const struct k8s_http_opts *opts,
                 struct k8s_http **out, struct error *err)
{
    *out = NULL;
    if (ctx == NULL || ctx->server == NULL || ctx->server[0] == '\0') {
        error_set(err, "%s: the context names no server", ctx && ctx->name ? ctx->name : "?");
        return -1;
    }
    if (strncasecmp(ctx->server, "https://", 8) != 0 &&
        strncasecmp(ctx->server, "http://", 7) != 0) {
        error_set(err, "%s: server %s is not an http(s) URL", ctx->name ? ctx->name : "?",
                  ctx->server);
        return -1;
    }
    if (ctx->auth == KUBE_AUTH_AUTH_PROVIDER) {
        error_set(err,
                  "%s: user %s uses auth-provider %s, which cutover does not support; "
                  "use an exec plugin (kubectl's own provider support was removed too)",
                  ctx->name ? ctx->name : "?", ctx->user ? ctx->user : "?",
                  ctx->auth_provider ? ctx->auth_provider : "?");
        return -1;
    }
    XPTHREAD(pthread_once(&global_once, global_init));
    struct k8s_http *h = xcalloc(1, sizeof *h);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        XPTHREAD(pthread_mutex_init(&h->share_mu[i], NULL));
    XPTHREAD(pthread_mutex_init(&h->auth_mu, NULL));
    XPTHREAD(pthread_mutex_init(&h->stats_mu, NULL));
    kube_context_copy(&h->ctx, ctx);
    if (h->ctx.name == NULL)
        h->ctx.name = xstrdup("?");
    if (setup_server_name(h, err) < 0) {
        k8s_http_free(h);
        return -1;
    }
    h->read_only = opts && opts->read_only;
    h->ua = xstrdup(opts && opts->ua ? opts->ua : "cutover/" CUTOVER_VERSION);
    h->connect_timeout_ms = opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    h->max_retry_after_s = opts && opts->max_retry_after_s > 0 ? opts->max_retry_after_s : 60;
    h->max_retries = opts && opts->max_retries > 0 ? opts->max_retries : 5;
    h->exec_timeout_ms = opts && opts->exec_timeout_ms > 0 ? opts->exec_timeout_ms
                                                           : atomic_load(&exec_timeout_default);
    h->share = curl_share_init();
    if (h->share) {
        curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
        curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    *out = h;
    return 0;
}

void k8s_http_free(struct k8s_http *h)
{
    if (h == NULL)
        return;
    if (h->share)
        curl_share_cleanup(h->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        XPTHREAD(pthread_mutex_destroy(&h->share_mu[i]));
    XPTHREAD(pthread_mutex_destroy(&h->auth_mu));
    XPTHREAD(pthread_mutex_destroy(&h->stats_mu));
    if (h->have_cred)
        kube_exec_cred_fini(&h->cred);
    kube_context_fini(&h->ctx);
    free(h->base);
    free(h->connect_to);
    free(h->host_header);
    free(h->ua);
    free(h);
}

const char *k8s_http_context(const struct k8s_http *h)
{
    return h->ctx.name;
}

const char *k8s_http_server(const struct k8s_http *h)
{
    return h->ctx.server;
}

void k8s_http_get_stats(struct k8s_http *h, struct k8s_http_stats *out)
{
    XPTHREAD(pthread_mutex_lock(&h->stats_mu));
    *out = h->stats;
    XPTHREAD(pthread_mutex_unlock(&h->stats_mu));
}

struct k8s_http_conn *k8s_http_conn_new(struct k8s_http *h, k8s_http_cancel_fn cancel,
                                        void *cancel_arg)
{
    struct k8s_http_conn *c = xcalloc(1, sizeof *c);
    c->h = h;
    c->easy = curl_easy_init();
    c->multi = curl_multi_init();
    if (c->easy == NULL || c->multi == NULL)
        fatal("curl_easy_init/curl_multi_init failed");
    c->cancel = cancel;
    c->cancel_arg = cancel_arg;
    return c;
}

void k8s_http_conn_free(struct k8s_http_conn *c)
{
    if (c == NULL)
        return;
    curl_multi_cleanup(c->multi);
    curl_easy_cleanup(c->easy);
    free(c);
}

struct k8s_http *k8s_http_conn_http(const struct k8s_http_conn *c)
{
    return c->h;
}

void k8s_http_conn_wake(struct k8s_http_conn *c)
{
    curl_multi_wakeup(c->multi);
}

static bool conn_cancelled(struct k8s_http_conn *c)
{
    return c->cancel && c->cancel(c->cancel_arg);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int k8s_http_conn_sleep(struct k8s_http_conn *c, int ms)
{
    double end = now_ms() + ms;
    for (;;) {
        if (conn_cancelled(c))
            return -1;
        double left = end - now_ms();
        if (left <= 0)
            return 0;
        /* With no transfer added, curl_multi_poll waits for the timeout or a wakeup. */
        curl_multi_poll(c->multi, NULL, 0, left > 1000 ? 1000 : (int)left + 1, NULL);
    }
}

int k8s_http_backoff_ms(unsigned attempt, int base_ms, int max_ms, uint64_t *seed)
{
    double d = base_ms;
    for (unsigned i = 0; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    /* xorshift64* for the jitter: cheap and per caller, no shared rand() state. */
    uint64_t x = *seed ? *seed : 0x9e3779b97f4a7c15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *seed = x;
    double frac = (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
    return (int)(d / 2 + frac * d / 2);
}

/* ---- credentials ------------------------------------------------------------------------- */

struct creds {
    char *auth_header; /* "Authorization: Bearer ..." or NULL */
    char *cert_pem;    /* from an exec credential, or NULL */
    char *key_pem;
};

static void creds_fini(struct creds *cr)
{
    free_secret(cr->auth_header, 0);
    free_secret(cr->cert_pem, 0);
    free_secret(cr->key_pem, 0);
    memset(cr, 0, sizeof *cr);
}

static char *read_token_file(const char *path, struct error *err, const char *ctxname)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        error_set(err, "%s: tokenFile %s: %s", ctxname, path, strerror(errno));
        return NULL;
    }
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    size_t a = 0;
    while (a < n && isspace((unsigned char)buf[a]))
        a++;
    while (n > a && isspace((unsigned char)buf[n - 1]))
        n--;
    char *tok = xstrndup(buf + a, n - a);
    explicit_bzero(buf, sizeof buf);
    if (tok[0] == '\0') {
        free(tok);
        error_set(err, "%s: tokenFile %s is empty", ctxname, path);
        return NULL;
    }
    return tok;
}

static int creds_get(struct k8s_http *h, bool force_exec, struct creds *cr, struct error *err)
{
    memset(cr, 0, sizeof *cr);
    const struct kube_context *ctx = &h->ctx;
    if (ctx->auth == KUBE_AUTH_EXEC && ctx->exec) {
        unsigned long seen = atomic_load(&h->exec_gen);
        XPTHREAD(pthread_mutex_lock(&h->auth_mu));
        time_t now = time(NULL);
        if (h->have_cred && (force_exec || (h->cred.expires != 0 &&
                                            now + EXEC_EXPIRY_SLACK_S >= h->cred.expires))) {
            kube_exec_cred_fini(&h->cred);
            h->have_cred = false;
        }
        int rc = 0;
        if (!h->have_cred && h->exec_last_failed && atomic_load(&h->exec_gen) != seen) {
            /* a run ended in failure while this request waited for it */
            if (err)
                *err = h->exec_failed;
            rc = -1;
        } else if (!h->have_cred) {
            struct kube_exec_cred cred = {0};
            struct error e;
            error_clear(&e);
            rc = kube_exec_run(ctx, h->exec_timeout_ms, &cred, &e);
            XPTHREAD(pthread_mutex_lock(&h->stats_mu));
            h->stats.exec_runs++;
            XPTHREAD(pthread_mutex_unlock(&h->stats_mu));
            h->exec_last_failed = rc != 0;
            h->exec_failed = e;
            if (err)
                *err = e;
            if (rc == 0) {
                h->cred = cred;
                h->have_cred = true;
            }
            atomic_fetch_add(&h->exec_gen, 1);
        }
        if (rc == 0) {
            if (h->cred.token)
                cr->auth_header = xasprintf("Authorization: Bearer %s", h->cred.token);
            cr->cert_pem = xstrdup_null(h->cred.client_cert_pem);
            cr->key_pem = xstrdup_null(h->cred.client_key_pem);
        }
        XPTHREAD(pthread_mutex_unlock(&h->auth_mu));
        if (rc < 0)
            log_warn("%s: exec credential plugin failed", ctx->name);
        return rc;
    }
    if (ctx->token_file) {
        /* Read at every use, as client-go does, so a rotated projected token is picked up. */
        char *tok = read_token_file(ctx->token_file, err, ctx->name);
        if (tok == NULL && ctx->token == NULL)
            return -1;
        if (tok) {
            cr->auth_header = xasprintf("Authorization: Bearer %s", tok);
            free_secret(tok, 0);
            return 0;
        }
    }
    if (ctx->token)
        cr->auth_header = xasprintf("Authorization: Bearer %s", ctx->token);
    return 0;
}

/* ---- one attempt ------------------------------------------------------------------------- */

struct xfer {
    struct k8s_http_conn *c;
    const struct k8s_http_req *req;
    long status;
    bool body_aborted;
    double retry_after_s;
    char ctype[128]; /* the response's Content-Type */
    char errbody[ERRBODY_MAX];
    size_t errlen;
};

static size_t on_header(char *buf, size_t size, size_t nitems, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * nitems;
    if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        x->retry_after_s = -1; /* a new response (after 100 Continue, say) */
        x->ctype[0] = '\0';
        if (x->req->ctype_out && x->req->ctype_out_len)
            x->req->ctype_out[0] = '\0';
        return len;
    }
    if (len > 13 && strncasecmp(buf, "Content-Type:", 13) == 0) {
        size_t a = 13, e = len;
        while (a < e && (buf[a] == ' ' || buf[a] == '\t'))
            a++;
        while (e > a && isspace((unsigned char)buf[e - 1]))
            e--;
        size_t n = e - a < sizeof x->ctype - 1 ? e - a : sizeof x->ctype - 1;
        memcpy(x->ctype, buf + a, n);
        x->ctype[n] = '\0';
        if (x->req->ctype_out && x->req->ctype_out_len)
            snprintf(x->req->ctype_out, x->req->ctype_out_len, "%s", x->ctype);
        return len;
    }
    if (len > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
        char v[128];
        size_t n = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
        memcpy(v, buf + 12, n);
        v[n] = '\0';
        char *p = v;
        while (*p == ' ' || *p == '\t')
            p++;
        char *e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            *--e = '\0';
        char *end;
        errno = 0;
        double s = strtod(p, &end);
        if (end != p && *end == '\0' && errno == 0 && s >= 0) {
            x->retry_after_s = s;
        } else {
            time_t t = curl_getdate(p, NULL); /* an HTTP-date */
            if (t > 0) {
                double d = difftime(t, time(NULL));
                x->retry_after_s = d > 0 ? d : 0;
            }
        }
    }
    return len;
}

static size_t on_write(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * nmemb;
    if (x->status == 0)
        curl_easy_getinfo(x->c->easy, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->status >= 200 && x->status < 300) {
        bool stop = x->req->on_body && x->req->on_body(x->req->arg, buf, len) != 0;
        if (x->req->identity) /* a body that may hold secret values: wipe curl's buffer */
            OPENSSL_cleanse(buf, len);
        if (stop) {
            x->body_aborted = true;
            return 0;
        }
        return len;
    }
    size_t room = sizeof x->errbody - 1 - x->errlen;
    size_t n = len < room ? len : room;
    memcpy(x->errbody + x->errlen, buf, n);
    x->errlen += n;
    x->errbody[x->errlen] = '\0';
    return len;
}

static void set_tls(struct k8s_http_conn *c, const struct creds *cr)
{
    const struct kube_context *ctx = &c->h->ctx;
    CURL *e = c->easy;
    if (ctx->insecure_skip_tls_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
        /* The kubeconfig's CA alone, as kubectl: not the system directory besides. */
        if (ctx->ca_data) {
            struct curl_blob b = {ctx->ca_data, ctx->ca_data_len, CURL_BLOB_COPY};
            curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        } else if (ctx->ca_file) {
            curl_easy_setopt(e, CURLOPT_CAINFO, ctx->ca_file);
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        }
    }
    const char *cert = cr->cert_pem ? cr->cert_pem : ctx->client_cert_data;
    size_t cert_len = cr->cert_pem ? strlen(cr->cert_pem) : ctx->client_cert_data_len;
    const char *key = cr->key_pem ? cr->key_pem : ctx->client_key_data;
    size_t key_len = cr->key_pem ? strlen(cr->key_pem) : ctx->client_key_data_len;
    if (cert) {
        struct curl_blob b = {(void *)cert, cert_len, CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    } else if (ctx->client_cert_file) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, ctx->client_cert_file);
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (key) {
        struct curl_blob b = {(void *)key, key_len, CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    } else if (ctx->client_key_file) {
        curl_easy_setopt(e, CURLOPT_SSLKEY, ctx->client_key_file);
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
}

/* Runs one attempt; returns the CURLcode. */
static CURLcode attempt(struct k8s_http_conn *c, const struct k8s_http_req *req, const char *url,
                        const struct creds *cr, struct xfer *x, bool *cancelled)
{
    struct k8s_http *h = c->h;
    CURL *e = c->easy;
    curl_easy_reset(e);
    c->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (h->share)
        curl_easy_setopt(e, CURLOPT_SHARE, h->share);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, req->identity ? NULL : "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->ua);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (req->low_speed_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)req->low_speed_s);
    }
    if (req->timeout_s > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)req->timeout_s);
    if (h->ctx.proxy_url)
        curl_easy_setopt(e, CURLOPT_PROXY, h->ctx.proxy_url);
    else if (h->loopback)
        curl_easy_setopt(e, CURLOPT_PROXY, ""); /* as Go's ProxyFromEnvironment */
    struct curl_slist *connect_to = NULL;
    if (h->connect_to) {
        connect_to = curl_slist_append(NULL, h->connect_to);
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to);
    }
    set_tls(c, cr);
    if (h->ctx.auth == KUBE_AUTH_BASIC && h->ctx.username) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, h->ctx.username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, h->ctx.password ? h->ctx.password : "");
    }

    struct curl_slist *hdrs = NULL;
    char accept[256];
    snprintf(accept, sizeof accept, "Accept: %s", req->accept ? req->accept : "application/json");
    hdrs = curl_slist_append(hdrs, accept);
    if (cr->auth_header)
        hdrs = curl_slist_append(hdrs, cr->auth_header);
    if (h->host_header)
        hdrs = curl_slist_append(hdrs, h->host_header);
    char ctype[160];
    if (req->body) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s",
                 req->content_type ? req->content_type : "application/json");
        hdrs = curl_slist_append(hdrs, ctype);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
    }
    const char *method = req->method ? req->method : "GET";
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);

    XPTHREAD(pthread_mutex_lock(&h->stats_mu));
    h->stats.requests++;
    XPTHREAD(pthread_mutex_unlock(&h->stats_mu));

    CURLcode res = CURLE_OK;
    bool done = false;
    curl_multi_add_handle(c->multi, e);
    for (;;) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(c->multi, &running);
        if (mc != CURLM_OK) {
            res = CURLE_RECV_ERROR;
            snprintf(c->errbuf, sizeof c->errbuf, "%s", curl_multi_strerror(mc));
            break;
        }
        int left;
        CURLMsg *m;
        while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE) {
                res = m->data.result;
                done = true;
            }
        }
        if (done || running == 0)
            break;
        if (conn_cancelled(c)) {
            *cancelled = true;
            res = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    curl_multi_remove_handle(c->multi, e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->status);
    curl_off_t body = 0;
    long head = 0;
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &body);
    curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &head);
    XPTHREAD(pthread_mutex_lock(&h->stats_mu));
    h->stats.bytes_received += (uint64_t)body + (uint64_t)head;
    XPTHREAD(pthread_mutex_unlock(&h->stats_mu));
    /* Drop every pointer into this function's frame before returning. */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, NULL);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(connect_to);
    return res;
}

static bool method_mutates(const char *method)
{
    return !(strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
}

/* The URL without its query, for messages (continue tokens are long and say nothing). */
static void url_for_msg(const char *url, char *buf, size_t len)
{
    size_t n = strcspn(url, "?");
    if (n >= len)
        n = len - 1;
    memcpy(buf, url, n);
    buf[n] = '\0';
}

static void status_message(const struct xfer *x, char *buf, size_t len)
{
    buf[0] = '\0';
    if (x->errlen == 0)
        return;
    if (k8s_pb_content_type(x->ctype)) {
        /* a Status in Kubernetes protobuf, as asked for */
        struct json_scan_meta meta = {0};
        char kind[64];
        const unsigned char *raw;
        size_t rawlen;
        if (k8s_pb_envelope((const unsigned char *)x->errbody, x->errlen, kind, sizeof kind, &raw,
                            &rawlen) == 0 &&
            strcmp(kind, "Status") == 0 && k8s_pb_status(raw, rawlen, &meta) == 0) {
            text_sanitize_buf(meta.status_message, buf, len);
        } else {
            snprintf(buf, len, "(a protobuf body that is not a Status)");
        }
        return;
    }
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = json_tokener_parse_ex(tok, x->errbody, (int)x->errlen);
    json_tokener_free(tok);
    struct json_object *m;
    if (o && json_object_is_type(o, json_type_object) &&
        json_object_object_get_ex(o, "message", &m) && json_object_is_type(m, json_type_string)) {
        text_sanitize_buf(json_object_get_string(m), buf, len);
    } else {
        char first[200];
        size_t n = strcspn(x->errbody, "\r\n");
        if (n >= sizeof first)
            n = sizeof first - 1;
        memcpy(first, x->errbody, n);
        first[n] = '\0';
        text_sanitize_buf(first, buf, len);
    }
    json_object_put(o);
}

static bool tls_verify_error(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_ISSUER_ERROR;
}

int k8s_http_do(struct k8s_http_conn *c, const struct k8s_http_req *req, struct k8s_http_resp *resp,
                struct error *err)
{
    struct k8s_http *h = c->h;
    const char *method = req->method ? req->method : "GET";
    char *url = xasprintf("%s%s", h->base, req->path);
    char url_msg[512];
    url_for_msg(url, url_msg, sizeof url_msg);
    memset(resp, 0, sizeof *resp);
    resp->retry_after_s = -1;
    int rc = -1;

    if (h->read_only && method_mutates(method)) {
        XPTHREAD(pthread_mutex_lock(&h->stats_mu));
        h->stats.refused++;
        XPTHREAD(pthread_mutex_unlock(&h->stats_mu));
        error_set(err, "%s: %s %s: refused: read-only (observer) mode sends no changes",
                  h->ctx.name, method, url_msg);
        log_warn("%s: refused %s %s: read-only (observer) mode", h->ctx.name, method, url_msg);
        free(url);
        return -1;
    }

    bool retried_auth = false;
    bool force_exec = false;
    double last_retry_at = 0;
    double last_retry_after = -1;
    struct xfer *x = xmalloc(sizeof *x);
    for (;;) {
        struct creds cr;
        if (creds_get(h, force_exec, &cr, err) < 0) {
            char inner[sizeof err->msg];
            snprintf(inner, sizeof inner, "%s", err ? err->msg : "credentials failed");
            error_set(err, "%s: %s %s: %s", h->ctx.name, method, url_msg, inner);
            break;
        }
        force_exec = false;
        memset(x, 0, sizeof *x);
        x->c = c;
        x->req = req;
        x->retry_after_s = -1;
        if (last_retry_at > 0) {
            double waited = now_ms() - last_retry_at;
            XPTHREAD(pthread_mutex_lock(&h->stats_mu));
            h->stats.retry_after_waits++;
            h->stats.last_retry_after_s = last_retry_after;
            h->stats.last_retry_waited_ms = waited;
            XPTHREAD(pthread_mutex_unlock(&h->stats_mu));
            last_retry_at = 0;
        }
        bool cancelled = false;
        double t0 = now_ms();
        CURLcode res = attempt(c, req, url, &cr, x, &cancelled);
        creds_fini(&cr);
        resp->total_ms = now_ms() - t0;
        resp->status = x->status;
        resp->body_aborted = x->body_aborted;
        resp->cancelled = cancelled;
        if (cancelled) {
            error_set(err, "%s: %s %s: cancelled", h->ctx.name, method, url_msg);
            break;
        }
        if (x->body_aborted) {
            error_set(err, "%s: %s %s: response body rejected", h->ctx.name, method, url_msg);
            break;
        }
        if (res != CURLE_OK) {
            resp->transport_error = x->status == 0;
            const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(res);
            if (tls_verify_error(res))
                error_set(err, "%s: %s %s: TLS: server certificate not trusted: %s (CA from %s)",
                          h->ctx.name, method, url_msg, detail,
                          h->ctx.ca_data   ? "certificate-authority-data"
                          : h->ctx.ca_file ? h->ctx.ca_file
                                           : "the system store");
            else if (res == CURLE_SSL_CONNECT_ERROR || res == CURLE_SSL_CERTPROBLEM ||
                     res == CURLE_SSL_CIPHER)
                error_set(err, "%s: %s %s: TLS handshake failed: %s", h->ctx.name, method, url_msg,
                          detail);
            else if (x->status >= 200 && x->status < 300)
                error_set(err, "%s: %s %s: HTTP %ld, body cut: %s", h->ctx.name, method, url_msg,
                          x->status, detail);
            else
                error_set(err, "%s: %s %s: %s", h->ctx.name, method, url_msg, detail);
            break;
        }
        if (x->status >= 200 && x->status < 300) {
            rc = 0;
            break;
        }
        if (x->status == 401 && !retried_auth &&
            (h->ctx.auth == KUBE_AUTH_EXEC || h->ctx.token_file)) {
            /* An expired credential: run the plugin again (or re-read the file) once. */
            retried_auth = true;
            force_exec = h->ctx.auth == KUBE_AUTH_EXEC;
            log_info("%s: %s %s: HTTP 401, refreshing credentials", h->ctx.name, method, url_msg);
            continue;
        }
        /* A change is never sent twice: a 503 (or 429) may come from a proxy after the API server
         * applied it, so its outcome is unknown and the caller must read it back. */
        if ((x->status == 429 || x->status == 503) && resp->retries < h->max_retries &&
            !method_mutates(method)) {
            double wait_s;
            resp->retry_after_s = x->retry_after_s;
            static _Thread_local uint64_t seed;
            if (seed == 0)
                seed = (uint64_t)(uintptr_t)c ^ (uint64_t)t0;
            if (x->retry_after_s >= 0)
                wait_s = x->retry_after_s < h->max_retry_after_s ? x->retry_after_s
                                                                 : h->max_retry_after_s;
            else
                wait_s = k8s_http_backoff_ms((unsigned)resp->retries, 500, 10000, &seed) / 1e3;
            log_info("%s: %s %s: HTTP %ld, retrying in %.1f s", h->ctx.name, method, url_msg,
                     x->status, wait_s);
            resp->retries++;
            last_retry_at = now_ms();
            last_retry_after = x->retry_after_s;
            if (k8s_http_conn_sleep(c, (int)(wait_s * 1000 + 0.5)) < 0) {
                resp->cancelled = true;
                error_set(err, "%s: %s %s: cancelled", h->ctx.name, method, url_msg);
                break;
            }
            continue;
        }
        char msg[300];
        status_message(x, msg, sizeof msg);
        error_set(err, "%s: %s %s: HTTP %ld%s%s%s", h->ctx.name, method, url_msg, x->status,
                  msg[0] ? ": " : "", msg,
                  (x->status == 429 || x->status == 503) && method_mutates(method)
                      ? " (not resent: whether it was applied is unknown)"
                      : "");
        if (x->status == 429 || x->status == 503)
            resp->retry_after_s = x->retry_after_s;
        break;
    }
    free(x);
    free(url);
    return rc;
}
