/* kube_exec: client-go credential plugins (client.authentication.k8s.io v1 and v1beta1). */

#include "cutover/kubeconfig.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define EXEC_MAX_STDOUT (1024 * 1024)
#define EXEC_MAX_STDERR 4096
#define EXEC_DEFAULT_TIMEOUT_MS 30000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wipe_free(char *s, size_t len)
{
    if (s == NULL)
        return;
    explicit_bzero(s, len ? len : strlen(s));
    free(s);
}

/* "aws" from "/usr/bin/aws": the name users know the plugin by. */
static const char *cmd_name(const char *cmd)
{
    const char *slash = strrchr(cmd, '/');
    return slash && slash[1] ? slash + 1 : cmd;
}

/* The first non-empty line of the plugin's stderr, made safe for a terminal and log. */
static void stderr_line(const char *buf, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t i = 0;
    while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' '))
        i++;
    size_t j = i;
    while (j < len && buf[j] != '\n' && buf[j] != '\r')
        j++;
    if (j == i)
        return;
    char *line = xstrndup(buf + i, j - i);
    log_redact(line);
    text_sanitize_buf(line, out, outlen);
    free(line);
}

/* An install hint in one line: newlines become spaces. */
static void hint_line(const char *hint, char *out, size_t outlen)
{
    out[0] = '\0';
    if (hint == NULL)
        return;
    char *h = xstrdup(hint);
    for (char *p = h; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(h);
    while (n > 0 && h[n - 1] == ' ')
        h[--n] = '\0';
    text_sanitize_buf(h, out, outlen);
    free(h);
}

static char *base64_encode(const char *data, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)data, (int)len);
    return out;
}

/* KUBERNETES_EXEC_INFO as client-go builds it: the ExecCredential spec, with the cluster when
 * provideClusterInfo is set. */
static int exec_info_json(const struct kube_context *ctx, char **out, struct error *err)
{
    const struct kube_exec *ex = ctx->exec;
    json_object *root = json_object_new_object();
    json_object_object_add(root, "kind", json_object_new_string("ExecCredential"));
    json_object_object_add(root, "apiVersion", json_object_new_string(ex->api_version));
    json_object *spec = json_object_new_object();
    json_object_object_add(root, "spec", spec);
    if (ex->provide_cluster_info) {
        json_object *cl = json_object_new_object();
        json_object_object_add(cl, "server", json_object_new_string(ctx->server));
        if (ctx->tls_server_name)
            json_object_object_add(cl, "tls-server-name",
                                   json_object_new_string(ctx->tls_server_name));
        if (ctx->insecure_skip_tls_verify)
            json_object_object_add(cl, "insecure-skip-tls-verify", json_object_new_boolean(1));
        char *ca = NULL;
        size_t ca_len = 0;
        if (ctx->ca_data) {
            ca = xmalloc(ctx->ca_data_len + 1);
            memcpy(ca, ctx->ca_data, ctx->ca_data_len);
            ca_len = ctx->ca_data_len;
        } else if (ctx->ca_file) {
            FILE *fp = fopen(ctx->ca_file, "rb");
            if (fp == NULL) {
                error_set(err, "certificate-authority %s: %s", ctx->ca_file, strerror(errno));
                json_object_put(root);
                return -1;
            }
            size_t cap = 4096;
            ca = xmalloc(cap);
            size_t got;
            while ((got = fread(ca + ca_len, 1, cap - ca_len, fp)) > 0) {
                ca_len += got;
                if (ca_len == cap) {
                    if (cap >= EXEC_MAX_STDOUT) {
                        fclose(fp);
                        free(ca);
                        json_object_put(root);
                        error_set(err, "certificate-authority %s is too large", ctx->ca_file);
                        return -1;
                    }
                    cap *= 2;
                    ca = xrealloc(ca, cap);
                }
            }
            fclose(fp);
        }
        if (ca) {
            char *b64 = base64_encode(ca, ca_len);
            json_object_object_add(cl, "certificate-authority-data", json_object_new_string(b64));
            free(b64);
            free(ca);
        }
        if (ctx->proxy_url)
            json_object_object_add(cl, "proxy-url", json_object_new_string(ctx->proxy_url));
        json_object_object_add(spec, "cluster", cl);
    }
    json_object_object_add(spec, "interactive", json_object_new_boolean(0));
    *out = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return 0;
}

static bool env_overridden(const char *entry, const struct kube_exec *ex)
{
    const char *eq = strchr(entry, '=');
    size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
    if (n == strlen("KUBERNETES_EXEC_INFO") && strncmp(entry, "KUBERNETES_EXEC_INFO", n) == 0)
        return true;
    for (size_t i = 0; i < ex->nenv; i++)
        if (strlen(ex->env[i].name) == n && strncmp(entry, ex->env[i].name, n) == 0)
            return true;
    return false;
}

/* The parent's environment, then the plugin's env entries, then KUBERNETES_EXEC_INFO. */
static char **build_envp(const struct kube_exec *ex, const char *info)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **envp = xcalloc(n + ex->nenv + 2, sizeof *envp);
    size_t o = 0;
    for (char **e = environ; e && *e; e++)
        if (!env_overridden(*e, ex))
            envp[o++] = xstrdup(*e);
    for (size_t i = 0; i < ex->nenv; i++)
        envp[o++] = xasprintf("%s=%s", ex->env[i].name, ex->env[i].value);
    envp[o++] = xasprintf("KUBERNETES_EXEC_INFO=%s", info);
    envp[o] = NULL;
    return envp;
}

static void strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        wipe_free(*p, 0);
    free(v);
}

/* Parses RFC 3339 ("2024-01-02T15:04:05Z", fractions and offsets allowed) into unix seconds. */
static int parse_rfc3339(const char *s, long long *out)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return -1;
    const char *p = s + 11;
    if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 8)
        return -1;
    p += 8;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
            return -1;
        offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (long long)t - offset;
    return 0;
}

static const char *obj_string(json_object *o, const char *key, bool *wrong_type)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *wrong_type = true;
        return NULL;
    }
    return json_object_get_string(v);
}

/* Decodes the plugin's stdout. Messages never quote the output: it may hold a token. */
static int parse_cred(const char *name, const char *want_api, const char *buf, size_t len,
                      struct kube_exec_cred *out, struct error *err)
{
    json_tokener *tok = json_tokener_new();
    if (tok == NULL)
        fatal("json_tokener_new failed");
    json_object *root = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (root == NULL || jerr != json_tokener_success) {
        json_object_put(root);
        error_set(err, "exec plugin %s: output is not JSON (%s)", name,
                  jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr));
        return -1;
    }
    for (size_t i = used; i < len; i++)
        if (!strchr(" \t\r\n", buf[i])) {
            json_object_put(root);
            error_set(err, "exec plugin %s: unexpected output after the ExecCredential", name);
            return -1;
        }
    int rc = -1;
    bool wrong = false;
    if (!json_object_is_type(root, json_type_object)) {
        error_set(err, "exec plugin %s: output is not an ExecCredential object", name);
        goto out;
    }
    const char *api = obj_string(root, "apiVersion", &wrong);
    const char *kind = obj_string(root, "kind", &wrong);
    if (api == NULL || strcmp(api, want_api) != 0) {
        char got[128];
        text_sanitize_buf(api ? api : "(none)", got, sizeof got);
        error_set(err,
                  "exec plugin %s is configured to use API version %s, plugin returned "
                  "version %s",
                  name, want_api, got);
        goto out;
    }
    if (kind == NULL || strcmp(kind, "ExecCredential") != 0) {
        error_set(err, "exec plugin %s: output is not an ExecCredential (kind %s)", name,
                  kind ? "differs" : "missing");
        goto out;
    }
    json_object *status;
    if (!json_object_object_get_ex(root, "status", &status) ||
        !json_object_is_type(status, json_type_object)) {
        error_set(err, "exec plugin %s didn't return a status field", name);
        goto out;
    }
    const char *token = obj_string(status, "token", &wrong);
    const char *cert = obj_string(status, "clientCertificateData", &wrong);
    const char *key = obj_string(status, "clientKeyData", &wrong);
    const char *exp = obj_string(status, "expirationTimestamp", &wrong);
    if (wrong) {
        error_set(err, "exec plugin %s: a status field is not a string", name);
        goto out;
    }
    if (token && !token[0])
        token = NULL;
    if (cert && !cert[0])
        cert = NULL;
    if (key && !key[0])
        key = NULL;
    if ((cert == NULL) != (key == NULL)) {
        error_set(err,
                  "exec plugin %s returned only one of clientCertificateData and "
                  "clientKeyData",
                  name);
        goto out;
    }
    if (token == NULL && cert == NULL) {
        error_set(err, "exec plugin %s didn't return a token or cert/key pair", name);
        goto out;
    }
    long long expires = 0;
    if (exp && exp[0] && parse_rfc3339(exp, &expires) < 0) {
        char shown[64];
        text_sanitize_buf(exp, shown, sizeof shown);
        error_set(err, "exec plugin %s: expirationTimestamp \"%s\" is not RFC 3339", name, shown);
        goto out;
    }
    out->token = xstrdup_null(token);
    out->client_cert_pem = xstrdup_null(cert);
    out->client_key_pem = xstrdup_null(key);
    out->expires = expires;
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

struct outbuf {
    char *buf;
    size_t len;
    size_t cap;
    size_t limit;
    bool overflow;
    bool eof;
};

/* Reads what is available from fd into b; keeps at most b->limit bytes. */
static void drain(int fd, struct outbuf *b)
{
    char tmp[8192];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n > 0) {
            size_t keep = (size_t)n;
            if (b->len + keep > b->limit) {
                keep = b->limit - b->len;
                b->overflow = true;
            }
            if (b->len + keep + 1 > b->cap) {
                size_t ncap = b->cap ? b->cap : 4096;
                while (ncap < b->len + keep + 1)
                    ncap *= 2;
                char *nb = xmalloc(ncap);
                if (b->buf) {
                    memcpy(nb, b->buf, b->len);
                    explicit_bzero(b->buf, b->cap);
                    free(b->buf);
                }
                b->buf = nb;
                b->cap = ncap;
            }
            memcpy(b->buf + b->len, tmp, keep);
            b->len += keep;
            b->buf[b->len] = '\0';
            continue;
        }
        if (n == 0)
            b->eof = true;
        else if (errno == EINTR)
            continue;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            b->eof = true;
        break;
    }
    explicit_bzero(tmp, sizeof tmp);
}

int kube_exec_run(const struct kube_context *ctx, int timeout_ms, struct kube_exec_cred *out,
                  struct error *err)
{
    memset(out, 0, sizeof *out);
    const struct kube_exec *ex = ctx->exec;
    if (ex == NULL || ex->command == NULL) {
        error_set(err, "context \"%s\" has no exec plugin", ctx->name ? ctx->name : "");
        return -1;
    }
    const char *name = cmd_name(ex->command);
    if (ex->api_version == NULL ||
        (strcmp(ex->api_version, "client.authentication.k8s.io/v1") &&
         strcmp(ex->api_version, "client.authentication.k8s.io/v1beta1"))) {
        error_set(err, "exec plugin %s: apiVersion %s is not supported", name,
                  ex->api_version ? ex->api_version : "(none)");
        return -1;
    }
    if (ex->interactive_mode == NULL) {
        error_set(err, "exec plugin %s: interactiveMode must be specified for %s", name,
                  ex->api_version);
        return -1;
    }
    if (strcmp(ex->interactive_mode, "Always") == 0) {
        error_set(err,
                  "exec plugin %s needs a terminal (interactiveMode: Always) and cutover "
                  "runs plugins without one",
                  name);
        return -1;
    }
    if (timeout_ms <= 0)
        timeout_ms = EXEC_DEFAULT_TIMEOUT_MS;

    char *info = NULL;
    if (exec_info_json(ctx, &info, err) < 0)
        return -1;
    char **envp = build_envp(ex, info);
    free(info);
    size_t nargs = 0;
    while (ex->args && ex->args[nargs])
        nargs++;
    char **argv = xcalloc(nargs + 2, sizeof *argv);
    argv[0] = ex->command;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = ex->args[i];

    int outp[2] = {-1, -1}, errp[2] = {-1, -1};
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        error_set(err, "exec plugin %s: pipe: %s", name, strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (outp[i] >= 0)
                close(outp[i]);
            if (errp[i] >= 0)
                close(errp[i]);
        }
        strv_free(envp);
        free(argv);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0); /* its own group: a timeout kills all it started */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int src = posix_spawnp(&pid, ex->command, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    strv_free(envp);
    free(argv);
    close(outp[1]);
    close(errp[1]);
    if (src != 0) {
        close(outp[0]);
        close(errp[0]);
        char hint[256];
        hint_line(ex->install_hint, hint, sizeof hint);
        if (src == ENOENT)
            error_set(err, "exec plugin %s not found%s%s", name, hint[0] ? ": " : "", hint);
        else
            error_set(err, "exec plugin %s: cannot run it: %s%s%s", name, strerror(src),
                      hint[0] ? ": " : "", hint);
        return -1;
    }
    fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
    fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK);

    struct outbuf so = {.limit = EXEC_MAX_STDOUT}, se = {.limit = EXEC_MAX_STDERR};
    long long deadline = now_ms() + timeout_ms;
    bool exited = false, timed_out = false;
    int status = 0;
    for (;;) {
        if (!exited) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
            } else if (w < 0 && errno == ECHILD) {
                /* Someone else reaped it (a SIGCHLD handler): judge it by its output. */
                exited = true;
                status = 0;
            }
        }
        if (exited) {
            /* The plugin is gone: take what it wrote and stop, even if something it started
             * still holds the pipes open. */
            drain(outp[0], &so);
            drain(errp[0], &se);
            break;
        }
        if (so.overflow)
            break;
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd[2] = {{.fd = so.eof ? -1 : outp[0], .events = POLLIN},
                                {.fd = se.eof ? -1 : errp[0], .events = POLLIN}};
        int wait = left < 50 ? (int)left : 50;
        int pr = poll(pfd, 2, wait);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr > 0) {
            if (pfd[0].revents)
                drain(outp[0], &so);
            if (pfd[1].revents)
                drain(errp[0], &se);
        }
    }
    close(outp[0]);
    close(errp[0]);
    if (!exited) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }

    int rc = -1;
    char line[256];
    stderr_line(se.buf ? se.buf : "", se.len, line, sizeof line);
    if (timed_out) {
        error_set(err, "exec plugin %s timed out after %d ms%s%s", name, timeout_ms,
                  line[0] ? ": " : "", line);
    } else if (so.overflow) {
        error_set(err, "exec plugin %s wrote more than %d bytes", name, EXEC_MAX_STDOUT);
    } else if (!exited) {
        error_set(err, "exec plugin %s: reading its output failed", name);
    } else if (WIFSIGNALED(status)) {
        error_set(err, "exec plugin %s was killed by signal %d%s%s", name, WTERMSIG(status),
                  line[0] ? ": " : "", line);
    } else if (WEXITSTATUS(status) != 0) {
        error_set(err, "exec plugin %s failed with exit status %d%s%s", name, WEXITSTATUS(status),
                  line[0] ? ": " : "", line);
    } else {
        rc = parse_cred(name, ex->api_version, so.buf ? so.buf : "", so.len, out, err);
    }
    wipe_free(so.buf, so.cap);
    free(se.buf);
    return rc;
}

void kube_exec_cred_fini(struct kube_exec_cred *cred)
{
    if (cred == NULL)
        return;
    wipe_free(cred->token, 0);
    wipe_free(cred->client_cert_pem, 0);
    wipe_free(cred->client_key_pem, 0);
    memset(cred, 0, sizeof *cred);
}
