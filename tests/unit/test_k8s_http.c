/* k8s_http against the in-process simulator: TLS as the kubeconfig says, credentials,
 * Retry-After, error messages a user can act on, and observer mode sending nothing. */

#include "../lib/informer_sim.h"

#include "cutover/k8s_poller.h"
#include "cutover/xalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

struct fx {
    struct sim *sim;
    struct kube_context ctx; /* onprem-prod */
    char dir[64];
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->sim = informer_sim_start();
    informer_sim_context(f->sim, 0, &f->ctx);
    snprintf(f->dir, sizeof f->dir, "/tmp/cutover-http-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    kube_context_fini(&f->ctx);
    sim_stop(f->sim);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int clear_faults(void **state)
{
    struct fx *f = *state;
    sim_faults_clear(f->sim);
    return 0;
}

struct body {
    char buf[65536];
    size_t len;
};

static int body_add(void *arg, const char *buf, size_t len)
{
    struct body *b = arg;
    if (b->len + len >= sizeof b->buf)
        return -1;
    memcpy(b->buf + b->len, buf, len);
    b->len += len;
    b->buf[b->len] = '\0';
    return 0;
}

static int get(struct k8s_http *h, const char *path, struct body *b, struct k8s_http_resp *resp,
               struct error *err)
{
    struct k8s_http_conn *c = k8s_http_conn_new(h, NULL, NULL);
    b->len = 0;
    b->buf[0] = '\0';
    struct k8s_http_req req = {.path = path, .on_body = body_add, .arg = b, .low_speed_s = 10};
    error_clear(err);
    int rc = k8s_http_do(c, &req, resp, err);
    k8s_http_conn_free(c);
    return rc;
}

static void test_version_with_verified_tls(void **state)
{
    struct fx *f = *state;
    assert_false(f->ctx.insecure_skip_tls_verify);
    struct k8s_http *h = informer_http(&f->ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/version", &b, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    char *git;
    int major, minor;
    assert_int_equal(k8s_poller_parse_version(b.buf, b.len, &git, &major, &minor), 0);
    assert_string_equal(git, "v1.24.17");
    assert_int_equal(major, 1);
    assert_int_equal(minor, 24);
    free(git);
    k8s_http_free(h);
}

static void test_wrong_ca_fails_clearly(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx = f->ctx;
    /* The system store does not hold the simulator's generated CA. */
    ctx.ca_data = NULL;
    ctx.ca_data_len = 0;
    ctx.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/version", &b, &resp, &err), -1);
    assert_true(resp.transport_error);
    char want[300];
    snprintf(want, sizeof want, "onprem-prod: GET %s/version: TLS: ", f->ctx.server);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "certificate"));
    assert_non_null(strstr(err.msg, "ca-certificates.crt"));
    k8s_http_free(h);

    /* A tls-server-name the certificate does not name fails; one it names passes. */
    ctx = f->ctx;
    ctx.tls_server_name = "kubernetes.invalid";
    h = informer_http(&ctx, false);
    assert_int_equal(get(h, "/version", &b, &resp, &err), -1);
    assert_non_null(strstr(err.msg, "TLS"));
    k8s_http_free(h);
    ctx.tls_server_name = "localhost";
    h = informer_http(&ctx, false);
    assert_int_equal(get(h, "/version", &b, &resp, &err), 0);
    assert_non_null(strstr(b.buf, "v1.24.17"));
    k8s_http_free(h);
}

/* The same through a kubeconfig file, as a user would have it: a CA that did not sign the
 * server's certificate, then the same file with insecure-skip-tls-verify. */
static void kubeconfig_with(struct fx *f, const char *cluster_extra, struct kube_context *out)
{
    char path[128];
    snprintf(path, sizeof path, "%s/kubeconfig", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp,
            "apiVersion: v1\nkind: Config\ncurrent-context: wrong\n"
            "clusters:\n- name: c\n  cluster:\n    server: %s\n%s"
            "users:\n- name: u\n  user:\n    token: %s\n"
            "contexts:\n- name: wrong\n  context: {cluster: c, user: u}\n",
            f->ctx.server, cluster_extra,
            f->ctx.token ? f->ctx.token : sim_token(f->sim, "onprem-prod"));
    fclose(fp);
    struct kubeconfig *kc = NULL;
    struct error err;
    error_clear(&err);
    if (kubeconfig_load(path, &kc, &err) < 0 || kubeconfig_resolve(kc, "wrong", out, &err) < 0)
        fail_msg("%s", err.msg);
    kubeconfig_free(kc);
}

static void test_kubeconfig_wrong_ca_then_insecure(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx;
    kubeconfig_with(f, "    certificate-authority: /etc/ssl/certs/ca-certificates.crt\n", &ctx);
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/api/v1/nodes?limit=1", &b, &resp, &err), -1);
    char want[300];
    snprintf(want, sizeof want,
             "wrong: GET %s/api/v1/nodes: TLS: server certificate not trusted: ", f->ctx.server);
    if (strstr(err.msg, want) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", err.msg, want);
    k8s_http_free(h);
    kube_context_fini(&ctx);

    kubeconfig_with(f, "    insecure-skip-tls-verify: true\n", &ctx);
    assert_true(ctx.insecure_skip_tls_verify);
    h = informer_http(&ctx, false);
    assert_int_equal(get(h, "/api/v1/nodes?limit=1", &b, &resp, &err), 0);
    k8s_http_free(h);
    kube_context_fini(&ctx);
}

static void test_insecure_skip_verify(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx = f->ctx;
    ctx.ca_data = NULL;
    ctx.ca_data_len = 0;
    ctx.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    ctx.insecure_skip_tls_verify = true;
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/version", &b, &resp, &err), 0);
    assert_non_null(strstr(b.buf, "gitVersion"));
    k8s_http_free(h);
}

static void test_bad_token_names_cluster_and_url(void **state)
{
    struct fx *f = *state;
    struct kube_context ctx = f->ctx;
    ctx.token = "not-the-token";
    ctx.token_file = NULL;
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/api/v1/nodes?limit=1", &b, &resp, &err), -1);
    assert_int_equal(resp.status, 401);
    char want[300];
    snprintf(want, sizeof want, "onprem-prod: GET %s/api/v1/nodes: HTTP 401", f->ctx.server);
    assert_non_null(strstr(err.msg, want));
    assert_null(strstr(err.msg, "not-the-token"));
    k8s_http_free(h);
}

static void test_error_500_message(void **state)
{
    struct fx *f = *state;
    assert_true(sim_fault_add(f->sim,
                              "{\"cluster\":\"onprem-prod\",\"fault\":\"error\","
                              "\"status\":500,\"path\":\"/api/v1/pods\",\"count\":1}") >= 0);
    struct k8s_http *h = informer_http(&f->ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/api/v1/pods?limit=5", &b, &resp, &err), -1);
    assert_int_equal(resp.status, 500);
    char want[300];
    snprintf(want, sizeof want, "onprem-prod: GET %s/api/v1/pods: HTTP 500", f->ctx.server);
    assert_non_null(strstr(err.msg, want));
    /* count 1: the next one passes. */
    assert_int_equal(get(h, "/api/v1/pods?limit=5", &b, &resp, &err), 0);
    k8s_http_free(h);
}

static void test_429_retry_after_honoured(void **state)
{
    struct fx *f = *state;
    assert_true(sim_fault_add(f->sim, "{\"cluster\":\"onprem-prod\",\"fault\":\"429\","
                                      "\"retry_after\":1,\"path\":\"/version\",\"count\":2}") >= 0);
    struct k8s_http *h = informer_http(&f->ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/version", &b, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.retries, 2);
    struct k8s_http_stats st;
    k8s_http_get_stats(h, &st);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.retry_after_waits, 2);
    assert_true(st.last_retry_after_s == 1.0);
    /* The client's own timestamps: from the 429 to the retry it waited at least Retry-After. */
    assert_true(st.last_retry_waited_ms >= 1000.0);
    k8s_http_free(h);
}

static void test_read_only_refuses_without_sending(void **state)
{
    struct fx *f = *state;
    long total0 = informer_sim_requests(f->sim, "onprem-prod", "total");
    struct k8s_http *h = informer_http(&f->ctx, true);
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    const char *methods[] = {"PATCH", "POST", "PUT", "DELETE"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(informer_request(h, methods[i], "/api/v1/namespaces/shop/configmaps/x",
                                          "{\"data\":{\"a\":\"b\"}}", &resp, &err),
                         -1);
        assert_int_equal(resp.status, 0);
        assert_non_null(strstr(err.msg, "read-only"));
        assert_non_null(strstr(err.msg, methods[i]));
    }
    struct k8s_http_stats st;
    k8s_http_get_stats(h, &st);
    assert_int_equal(st.refused, 4);
    assert_int_equal(st.requests, 0);
    /* A GET still works in observer mode. */
    assert_int_equal(informer_request(h, "GET", "/version", NULL, &resp, &err), 0);
    k8s_http_free(h);
    assert_int_equal(informer_sim_requests(f->sim, "onprem-prod", "total"), total0 + 1);
    assert_int_equal(informer_sim_requests(f->sim, NULL, "mutating"), 0);

    /* The same PATCH without read_only does reach the server (so the check above can fail). */
    h = informer_http(&f->ctx, false);
    assert_int_equal(informer_request(h, "POST", "/api/v1/namespaces/shop/configmaps",
                                      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                                      "\"metadata\":{\"name\":\"ro-check\",\"namespace\":\"shop\"},"
                                      "\"data\":{\"a\":\"b\"}}",
                                      &resp, &err),
                     0);
    k8s_http_free(h);
    assert_int_equal(informer_sim_requests(f->sim, NULL, "mutating"), 1);
}

static void test_token_file_reread(void **state)
{
    struct fx *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/token", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("stale-token\n", fp);
    fclose(fp);
    struct kube_context ctx = f->ctx;
    ctx.token = NULL;
    ctx.token_file = path;
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/api/v1/namespaces?limit=1", &b, &resp, &err), -1);
    assert_int_equal(resp.status, 401);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "%s\n", f->ctx.token ? f->ctx.token : sim_token(f->sim, "onprem-prod"));
    fclose(fp);
    assert_int_equal(get(h, "/api/v1/namespaces?limit=1", &b, &resp, &err), 0);
    k8s_http_free(h);
}

/* An exec plugin that hands out a wrong token first, then the right one: the client must run
 * it again after the 401, and cache the good credential afterwards. */
/* For the exec plugin tests: writes the plugin script (fmt, ...: its text) with mode 0700 and
 * makes *ctx f's context authenticating only by running it (*ex: api_version, no arguments,
 * interactive_mode); ex and ctx must outlive the client made from ctx. */
static void exec_plugin_ctx(const struct fx *f, const char *script, const char *api_version,
                            const char *interactive_mode, struct kube_exec *ex,
                            struct kube_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static void exec_plugin_ctx(const struct fx *f, const char *script, const char *api_version,
                            const char *interactive_mode, struct kube_exec *ex,
                            struct kube_context *ctx, const char *fmt, ...)
{
    static char *no_args[] = {NULL};
    FILE *fp = fopen(script, "w");
    assert_non_null(fp);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
    fclose(fp);
    assert_int_equal(chmod(script, 0700), 0);
    *ex = (struct kube_exec){.api_version = (char *)api_version,
                             .command = (char *)script,
                             .args = no_args,
                             .interactive_mode = (char *)interactive_mode};
    *ctx = f->ctx;
    ctx->token = NULL;
    ctx->token_file = NULL;
    ctx->auth = KUBE_AUTH_EXEC;
    ctx->exec = ex;
}

static void test_exec_credential_rerun_after_401(void **state)
{
    struct fx *f = *state;
    char script[128], count[128];
    snprintf(script, sizeof script, "%s/plugin.sh", f->dir);
    snprintf(count, sizeof count, "%s/runs", f->dir);
    const char *token = f->ctx.token ? f->ctx.token : sim_token(f->sim, "onprem-prod");
    struct kube_exec ex;
    struct kube_context ctx;
    exec_plugin_ctx(f, script, "client.authentication.k8s.io/v1", "Never", &ex, &ctx,
                    "#!/bin/sh\n"
                    "echo run >> %s\n"
                    "if [ $(wc -l < %s) -eq 1 ]; then tok=wrong; else tok=%s; fi\n"
                    "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                    "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%%s\","
                    "\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}' $tok\n",
                    count, count, token);
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    if (get(h, "/api/v1/namespaces?limit=1", &b, &resp, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(get(h, "/api/v1/nodes?limit=1", &b, &resp, &err), 0);
    struct k8s_http_stats st;
    k8s_http_get_stats(h, &st);
    assert_int_equal(st.exec_runs, 2); /* wrong, then right; then cached */
    assert_int_equal(st.requests, 3);
    k8s_http_free(h);
}

/* A plugin whose credential expires 5 s after it is made (inside the client's 10 s slack) is run
 * again for every request; one that expires in an hour is run once. */
static unsigned exec_runs_for(struct fx *f, const char *expiry_shell, int requests)
{
    char script[128];
    snprintf(script, sizeof script, "%s/plugin-exp.sh", f->dir);
    const char *token = f->ctx.token ? f->ctx.token : sim_token(f->sim, "onprem-prod");
    struct kube_exec ex;
    struct kube_context ctx;
    exec_plugin_ctx(f, script, "client.authentication.k8s.io/v1beta1", "IfAvailable", &ex, &ctx,
                    "#!/bin/sh\n"
                    "exp=$(date -u -d '%s' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
                    "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                    "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\","
                    "\"expirationTimestamp\":\"%%s\"}}' $exp\n",
                    expiry_shell, token);
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    for (int i = 0; i < requests; i++)
        if (get(h, "/version", &b, &resp, &err) < 0)
            fail_msg("%s", err.msg);
    struct k8s_http_stats st;
    k8s_http_get_stats(h, &st);
    k8s_http_free(h);
    assert_int_equal(st.requests, requests); /* never a 401 on the way */
    return (unsigned)st.exec_runs;
}

static void test_exec_credential_cached_until_expiry(void **state)
{
    struct fx *f = *state;
    assert_int_equal(exec_runs_for(f, "+5 seconds", 3), 3);
    assert_int_equal(exec_runs_for(f, "+1 hour", 3), 1);
}

/* A plugin that hangs is killed after the exec timeout; the requests that were waiting for the
 * credential meanwhile take that failure instead of running the plugin again one after the
 * other (four requests: one run and one timeout, not four). */
struct hang_req {
    struct k8s_http *h;
    int rc;
    struct error err;
};

static void *hang_get(void *arg)
{
    struct hang_req *r = arg;
    struct body *b = xmalloc(sizeof *b);
    struct k8s_http_resp resp;
    r->rc = get(r->h, "/version", b, &resp, &r->err);
    free(b);
    return NULL;
}

static void test_exec_hang_runs_once_for_waiting_requests(void **state)
{
    struct fx *f = *state;
    char script[128], count[128];
    snprintf(script, sizeof script, "%s/plugin-hang.sh", f->dir);
    snprintf(count, sizeof count, "%s/hang-runs", f->dir);
    struct kube_exec ex;
    struct kube_context ctx;
    exec_plugin_ctx(f, script, "client.authentication.k8s.io/v1", "Never", &ex, &ctx,
                    "#!/bin/sh\necho run >> %s\nexec sleep 30\n", count);
    struct k8s_http_opts o = {.exec_timeout_ms = 700};
    struct k8s_http *h = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(k8s_http_new(&ctx, &o, &h, &err), 0);
    enum { N = 4 };
    struct hang_req r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct hang_req){.h = h};
        error_clear(&r[i].err);
        assert_int_equal(pthread_create(&th[i], NULL, hang_get, &r[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_not_equal(r[i].rc, 0);
        if (strstr(r[i].err.msg, "exec") == NULL)
            fail_msg("request %d: the error does not name the plugin: %s", i, r[i].err.msg);
    }
    struct k8s_http_stats st;
    k8s_http_get_stats(h, &st);
    k8s_http_free(h);
    /* the threads may not all be waiting before the first run ends: at most two runs */
    if (st.exec_runs > 2)
        fail_msg("the hanging plugin ran %lu times for %d concurrent requests",
                 (unsigned long)st.exec_runs, N);
    assert_int_equal(st.requests, 0); /* nothing was sent without a credential */
}

static void test_503_retried_with_backoff(void **state)
{
    struct fx *f = *state;
    assert_true(sim_fault_add(f->sim, "{\"cluster\":\"onprem-prod\",\"fault\":\"error\","
                                      "\"status\":503,\"path\":\"/version\",\"count\":1}") >= 0);
    struct k8s_http *h = informer_http(&f->ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    assert_int_equal(get(h, "/version", &b, &resp, &err), 0);
    assert_int_equal(resp.retries, 1);
    assert_non_null(strstr(b.buf, "gitVersion"));
    k8s_http_free(h);
}

/* ---- a minimal CONNECT proxy on loopback, for proxy-url ---- */

struct proxy {
    int lfd;
    int port;
    _Atomic int connects;
    char target[160]; /* the last CONNECT's host:port; written before connects is bumped */
    pthread_t thread;
};

static void relay(int a, int b)
{
    struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[16384];
    for (;;) {
        if (poll(p, 2, 5000) <= 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0 || write(p[1 - i].fd, buf, (size_t)n) != n)
                return;
        }
    }
}

static void *proxy_main(void *arg)
{
    struct proxy *px = arg;
    int c = accept(px->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    char req[2048];
    size_t len = 0;
    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t n = read(c, req + len, sizeof req - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        req[len] = '\0';
    }
    char host[128];
    int port = 0;
    if (sscanf(req, "CONNECT %127[^:]:%d ", host, &port) == 2) {
        snprintf(px->target, sizeof px->target, "%s:%d", host, port);
        px->connects++;
        int u = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, host, &sa.sin_addr);
        if (connect(u, (struct sockaddr *)&sa, sizeof sa) == 0) {
            const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
            if (write(c, ok, sizeof ok - 1) == (ssize_t)(sizeof ok - 1))
                relay(c, u);
        }
        close(u);
    }
    close(c);
    return NULL;
}

static void proxy_start(struct proxy *px)
{
    memset(px, 0, sizeof *px);
    px->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(px->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(px->lfd, 4), 0);
    socklen_t sl = sizeof sa;
    getsockname(px->lfd, (struct sockaddr *)&sa, &sl);
    px->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&px->thread, NULL, proxy_main, px), 0);
}

static void test_proxy_url_tunnels_verified_tls(void **state)
{
    struct fx *f = *state;
    struct proxy px;
    proxy_start(&px);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", px.port);
    struct kube_context ctx = f->ctx;
    ctx.proxy_url = url;
    struct k8s_http *h = informer_http(&ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    if (get(h, "/version", &b, &resp, &err) < 0)
        fail_msg("%s", err.msg);
    assert_non_null(strstr(b.buf, "v1.24.17"));
    k8s_http_free(h); /* closes the tunnel, so the proxy thread ends */
    pthread_join(px.thread, NULL);
    close(px.lfd);
    assert_int_equal(px.connects, 1);
    /* The tunnel went to the API server named by the kubeconfig. */
    assert_non_null(strstr(f->ctx.server, px.target));
}

/* Like Go's ProxyFromEnvironment (kubectl), an environment proxy is not used for a server on
 * loopback. */
static void test_env_proxy_skipped_for_loopback(void **state)
{
    struct fx *f = *state;
    setenv("https_proxy", "http://127.0.0.1:9", 1);
    setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
    struct k8s_http *h = informer_http(&f->ctx, false);
    struct body b;
    struct k8s_http_resp resp;
    struct error err;
    int rc = get(h, "/version", &b, &resp, &err);
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    k8s_http_free(h);
    if (rc < 0)
        fail_msg("%s", err.msg);
}

struct watcher {
    struct k8s_http *h;
    struct k8s_http_conn *c;
    _Atomic bool cancel;
    int rc;
    struct k8s_http_resp resp;
};

static bool watcher_cancel(void *arg)
{
    struct watcher *w = arg;
    return w->cancel;
}

static int discard(void *arg, const char *buf, size_t len)
{
    (void)arg;
    (void)buf;
    (void)len;
    return 0;
}

static void *watcher_main(void *arg)
{
    struct watcher *w = arg;
    struct k8s_http_req req = {.path = "/api/v1/pods?watch=1&timeoutSeconds=300",
                               .on_body = discard};
    struct error err;
    w->rc = k8s_http_do(w->c, &req, &w->resp, &err);
    return NULL;
}

static void test_wake_cancels_open_watch(void **state)
{
    struct fx *f = *state;
    struct watcher w = {0};
    w.h = informer_http(&f->ctx, false);
    w.c = k8s_http_conn_new(w.h, watcher_cancel, &w);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, watcher_main, &w), 0);
    /* Let the watch open (the sim counts it once it is received). */
    long before = informer_sim_requests(f->sim, "onprem-prod", "total");
    double end = informer_now_ms() + 5000;
    while (informer_sim_requests(f->sim, "onprem-prod", "total") == before &&
           informer_now_ms() < end)
        usleep(10000);
    usleep(100000);
    double t0 = informer_now_ms();
    w.cancel = true;
    k8s_http_conn_wake(w.c);
    pthread_join(t, NULL);
    double took = informer_now_ms() - t0;
    assert_int_equal(w.rc, -1);
    assert_true(w.resp.cancelled);
    assert_true(took < 1000.0); /* the watch would run 300 s */
    k8s_http_conn_free(w.c);
    k8s_http_free(w.h);
}

static void test_backoff_jitter(void **state)
{
    (void)state;
    uint64_t seed = 42;
    int prev_max = 0;
    for (unsigned a = 0; a < 10; a++) {
        int lo = 1 << 30, hi = 0;
        for (int i = 0; i < 200; i++) {
            int ms = k8s_http_backoff_ms(a, 100, 5000, &seed);
            lo = ms < lo ? ms : lo;
            hi = ms > hi ? ms : hi;
        }
        int cap = 100 << a;
        if (cap > 5000)
            cap = 5000;
        assert_true(lo >= cap / 2);
        assert_true(hi <= cap);
        assert_true(hi > lo); /* jitter */
        assert_true(hi >= prev_max / 2);
        prev_max = hi;
    }
}

static void test_no_server_is_an_error(void **state)
{
    (void)state;
    struct kube_context ctx = {.name = "empty"};
    struct k8s_http *h = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(k8s_http_new(&ctx, NULL, &h, &err), -1);
    assert_null(h);
    assert_non_null(strstr(err.msg, "empty"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_version_with_verified_tls, clear_faults),
        cmocka_unit_test_teardown(test_wrong_ca_fails_clearly, clear_faults),
        cmocka_unit_test_teardown(test_insecure_skip_verify, clear_faults),
        cmocka_unit_test_teardown(test_kubeconfig_wrong_ca_then_insecure, clear_faults),
        cmocka_unit_test_teardown(test_bad_token_names_cluster_and_url, clear_faults),
        cmocka_unit_test_teardown(test_error_500_message, clear_faults),
        cmocka_unit_test_teardown(test_429_retry_after_honoured, clear_faults),
        cmocka_unit_test_teardown(test_read_only_refuses_without_sending, clear_faults),
        cmocka_unit_test_teardown(test_token_file_reread, clear_faults),
        cmocka_unit_test_teardown(test_exec_credential_rerun_after_401, clear_faults),
        cmocka_unit_test_teardown(test_exec_credential_cached_until_expiry, clear_faults),
        cmocka_unit_test_teardown(test_exec_hang_runs_once_for_waiting_requests, clear_faults),
        cmocka_unit_test_teardown(test_503_retried_with_backoff, clear_faults),
        cmocka_unit_test_teardown(test_wake_cancels_open_watch, clear_faults),
        cmocka_unit_test_teardown(test_proxy_url_tunnels_verified_tls, clear_faults),
        cmocka_unit_test_teardown(test_env_proxy_skipped_for_loopback, clear_faults),
        cmocka_unit_test(test_backoff_jitter),
        cmocka_unit_test(test_no_server_is_an_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
