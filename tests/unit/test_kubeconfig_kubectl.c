/* The differential test: for every kubeconfig case in tests/kubeconfigs/cases.txt and every
 * context, what cutover resolves must equal what
 * `kubectl config view --minify --flatten -o json --context X` prints. Any difference is printed
 * as a diff (secret values as "differs" only) and fails the test. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/kubeconfig.h"
#include "cutover/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct bytes {
    char *p;
    size_t len;
    bool set;
};

struct diffctx {
    const char *cas;
    const char *ctx;
    const char *const *bases; /* absolute directories of the case's files */
    int diffs;
};

static char corpus[PATH_MAX];
static char home[PATH_MAX];
static char kubectl[PATH_MAX];

/* The kubectl to compare with: $CUTOVER_KUBECTL, else the newest versioned binary next to the
 * `kubectl` on PATH (Google Cloud SDK's dispatcher contacts the current context's server to pick
 * one, which costs seconds per call offline), else that `kubectl` itself. */
static void find_kubectl(void)
{
    const char *env = getenv("CUTOVER_KUBECTL");
    if (env && env[0]) {
        snprintf(kubectl, sizeof kubectl, "%s", env);
        return;
    }
    snprintf(kubectl, sizeof kubectl, "kubectl");
    const char *path = getenv("PATH");
    char *dirs = xstrdup(path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/kubectl", dir);
        char real[PATH_MAX];
        bool found = access(cand, X_OK) == 0 && realpath(cand, real) != NULL;
        free(cand);
        if (!found)
            continue;
        snprintf(kubectl, sizeof kubectl, "%s", real);
        *strrchr(real, '/') = '\0';
        DIR *dp = opendir(real);
        int best = -1;
        struct dirent *de;
        while (dp && (de = readdir(dp)) != NULL) {
            int minor;
            char tail;
            if (sscanf(de->d_name, "kubectl.1.%d%c", &minor, &tail) == 1 && minor > best) {
                best = minor;
                char *full = xasprintf("%s/%s", real, de->d_name);
                if (strlen(full) < sizeof kubectl)
                    memcpy(kubectl, full, strlen(full) + 1);
                free(full);
            }
        }
        if (dp)
            closedir(dp);
        break;
    }
    free(dirs);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Empties the temporary HOME (kubectl may leave a cache there). */
static void home_clean(void)
{
    DIR *dp = opendir(home);
    struct dirent *de;
    while (dp && (de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = xasprintf("%s/%s", home, de->d_name);
        nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(p);
    }
    if (dp)
        closedir(dp);
}

static void diff_header(struct diffctx *d, const char *field)
{
    fprintf(stderr, "[%s] context \"%s\": %s\n", d->cas, d->ctx, field);
    d->diffs++;
}

static void cmp_str(struct diffctx *d, const char *field, const char *ours, const char *theirs,
                    bool secret)
{
    if (ours && !ours[0])
        ours = NULL;
    if (theirs && !theirs[0])
        theirs = NULL;
    if ((ours == NULL && theirs == NULL) || (ours && theirs && strcmp(ours, theirs) == 0))
        return;
    diff_header(d, field);
    if (secret) {
        fprintf(stderr, "    cutover: %s\n    kubectl: %s\n", ours ? "(set)" : "(unset)",
                theirs ? (ours ? "(set, differs; values not shown)" : "(set)") : "(unset)");
        return;
    }
    fprintf(stderr, "    cutover: %s\n    kubectl: %s\n", ours ? ours : "(unset)",
            theirs ? theirs : "(unset)");
}

static void cmp_bytes(struct diffctx *d, const char *field, const struct bytes *ours,
                      const struct bytes *theirs, bool secret)
{
    if (!ours->set && !theirs->set)
        return;
    if (ours->set && theirs->set && ours->len == theirs->len &&
        memcmp(ours->p, theirs->p, ours->len) == 0)
        return;
    diff_header(d, field);
    if (!ours->set || !theirs->set) {
        fprintf(stderr, "    cutover: %s\n    kubectl: %s\n", ours->set ? "(set)" : "(unset)",
                theirs->set ? "(set)" : "(unset)");
        return;
    }
    size_t at = 0;
    while (at < ours->len && at < theirs->len && ours->p[at] == theirs->p[at])
        at++;
    fprintf(stderr,
            "    cutover: %zu bytes\n    kubectl: %zu bytes\n    first difference at byte %zu%s\n",
            ours->len, theirs->len, at, secret ? " (values not shown)" : "");
}

static int read_all(const char *path, struct bytes *out)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return -1;
    size_t cap = 4096;
    out->p = xmalloc(cap);
    size_t got;
    while ((got = fread(out->p + out->len, 1, cap - out->len, fp)) > 0) {
        out->len += got;
        if (out->len == cap)
            out->p = xrealloc(out->p, cap *= 2);
    }
    fclose(fp);
    out->set = true;
    return 0;
}

static void b64_decode(const char *s, struct bytes *out)
{
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return;
    size_t len = strlen(s);
    out->p = xmalloc(len + 4);
    EVP_ENCODE_CTX *e = EVP_ENCODE_CTX_new();
    int a = 0, b = 0;
    EVP_DecodeInit(e);
    int rc = EVP_DecodeUpdate(e, (unsigned char *)out->p, &a, (const unsigned char *)s, (int)len);
    if (rc >= 0)
        rc = EVP_DecodeFinal(e, (unsigned char *)out->p + a, &b);
    EVP_ENCODE_CTX_free(e);
    assert_true(rc >= 0);
    out->len = (size_t)(a + b);
    out->set = true;
}

static void bytes_fini(struct bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Our side of a data-or-file pair as bytes. */
static void ours_bytes(const char *data, size_t len, const char *file, struct bytes *out)
{
    memset(out, 0, sizeof *out);
    if (data) {
        out->p = xmalloc(len + 1);
        memcpy(out->p, data, len);
        out->len = len;
        out->set = true;
    } else if (file) {
        assert_int_equal(read_all(file, out), 0);
    }
}

/* kubectl prints tokenFile and exec command as written; cutover resolves them against the file
 * that named them. Equal when cutover's absolute path is the same file as the raw value taken
 * relative to one of the case's files. */
static void cmp_path(struct diffctx *d, const char *field, const char *ours, const char *theirs)
{
    if (ours == NULL || theirs == NULL || theirs[0] == '/' || !strchr(theirs, '/')) {
        cmp_str(d, field, ours, theirs, false);
        return;
    }
    char a[PATH_MAX], b[PATH_MAX];
    bool same = false;
    if (ours[0] == '/' && realpath(ours, a) != NULL) {
        for (const char *const *base = d->bases; *base && !same; base++) {
            char *j = xasprintf("%s/%s", *base, theirs);
            same = realpath(j, b) != NULL && strcmp(a, b) == 0;
            free(j);
        }
    }
    if (!same) {
        diff_header(d, field);
        fprintf(stderr, "    cutover: %s\n    kubectl: %s (relative to the file naming it)\n", ours,
                theirs);
    }
}

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v))
        return v;
    return NULL;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v = jget(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool jbool(json_object *o, const char *key)
{
    json_object *v = jget(o, key);
    return v && json_object_get_boolean(v);
}

/* The first element's inner object of a minified list ("clusters" -> [0].cluster). */
static json_object *jfirst(json_object *root, const char *list, const char *inner)
{
    json_object *l = jget(root, list);
    if (l == NULL || !json_object_is_type(l, json_type_array) || json_object_array_length(l) < 1)
        return NULL;
    return jget(json_object_array_get_idx(l, 0), inner);
}

/* The kind of authentication a kubectl user object means, with cutover's documented precedence
 * (docs/kubeconfig.md): auth-provider, exec, token/tokenFile, username/password, client cert. */
static const char *kubectl_auth_kind(json_object *user)
{
    if (user == NULL)
        return "none";
    if (jget(user, "auth-provider"))
        return "auth-provider";
    if (jget(user, "exec"))
        return "exec";
    if (jstr(user, "token") || jstr(user, "tokenFile"))
        return "token";
    if (jstr(user, "username") || jstr(user, "password"))
        return "basic";
    if (jstr(user, "client-certificate-data") || jstr(user, "client-key-data"))
        return "client-cert";
    return "none";
}

/* Compares one resolved context with kubectl's minified, flattened view of it. */
static void compare_context(struct diffctx *d, const struct kube_context *c, json_object *root)
{
    json_object *cl = jfirst(root, "clusters", "cluster");
    json_object *cx = jfirst(root, "contexts", "context");
    json_object *us = jfirst(root, "users", "user");

    cmp_str(d, "server", c->server, jstr(cl, "server"), false);
    cmp_str(d, "tls-server-name", c->tls_server_name, jstr(cl, "tls-server-name"), false);
    cmp_str(d, "proxy-url", c->proxy_url, jstr(cl, "proxy-url"), false);
    if (c->insecure_skip_tls_verify != jbool(cl, "insecure-skip-tls-verify"))
        cmp_str(d, "insecure-skip-tls-verify", c->insecure_skip_tls_verify ? "true" : "false",
                jbool(cl, "insecure-skip-tls-verify") ? "true" : "false", false);
    const char *ns = jstr(cx, "namespace");
    cmp_str(d, "namespace", c->namespace, ns && ns[0] ? ns : "default", false);
    cmp_str(d, "cluster name", c->cluster, jstr(cx, "cluster"), false);
    cmp_str(d, "user name", c->user, jstr(cx, "user"), false);

    struct bytes o, t;
    ours_bytes(c->ca_data, c->ca_data_len, c->ca_file, &o);
    b64_decode(jstr(cl, "certificate-authority-data"), &t);
    cmp_bytes(d, "certificate authority", &o, &t, false);
    bytes_fini(&o);
    bytes_fini(&t);

    cmp_str(d, "kind of authentication", kube_auth_name(c->auth), kubectl_auth_kind(us), false);

    ours_bytes(c->client_cert_data, c->client_cert_data_len, c->client_cert_file, &o);
    b64_decode(jstr(us, "client-certificate-data"), &t);
    cmp_bytes(d, "client certificate", &o, &t, false);
    bytes_fini(&o);
    bytes_fini(&t);
    ours_bytes(c->client_key_data, c->client_key_data_len, c->client_key_file, &o);
    b64_decode(jstr(us, "client-key-data"), &t);
    cmp_bytes(d, "client key", &o, &t, true);
    bytes_fini(&o);
    bytes_fini(&t);

    cmp_str(d, "token", c->token, jstr(us, "token"), true);
    cmp_path(d, "tokenFile", c->token_file, jstr(us, "tokenFile"));
    cmp_str(d, "username", c->username, jstr(us, "username"), false);
    cmp_str(d, "password", c->password, jstr(us, "password"), true);
    cmp_str(d, "auth-provider", c->auth_provider, jstr(jget(us, "auth-provider"), "name"), false);

    json_object *ex = jget(us, "exec");
    if ((ex != NULL) != (c->exec != NULL)) {
        diff_header(d, "exec");
        fprintf(stderr, "    cutover: %s\n    kubectl: %s\n", c->exec ? "(set)" : "(unset)",
                ex ? "(set)" : "(unset)");
        return;
    }
    if (ex == NULL)
        return;
    const struct kube_exec *e = c->exec;
    cmp_str(d, "exec.apiVersion", e->api_version, jstr(ex, "apiVersion"), false);
    cmp_path(d, "exec.command", e->command, jstr(ex, "command"));
    cmp_str(d, "exec.installHint", e->install_hint, jstr(ex, "installHint"), false);
    cmp_str(d, "exec.interactiveMode", e->interactive_mode, jstr(ex, "interactiveMode"), false);
    if (e->provide_cluster_info != jbool(ex, "provideClusterInfo"))
        cmp_str(d, "exec.provideClusterInfo", e->provide_cluster_info ? "true" : "false",
                jbool(ex, "provideClusterInfo") ? "true" : "false", false);
    json_object *args = jget(ex, "args");
    size_t nt =
        args && json_object_is_type(args, json_type_array) ? json_object_array_length(args) : 0;
    size_t no = 0;
    while (e->args && e->args[no])
        no++;
    for (size_t i = 0; i < nt || i < no; i++) {
        char f[64];
        snprintf(f, sizeof f, "exec.args[%zu]", i);
        cmp_str(d, f, i < no ? e->args[i] : NULL,
                i < nt ? json_object_get_string(json_object_array_get_idx(args, i)) : NULL, false);
    }
    json_object *env = jget(ex, "env");
    size_t ne =
        env && json_object_is_type(env, json_type_array) ? json_object_array_length(env) : 0;
    for (size_t i = 0; i < ne || i < e->nenv; i++) {
        json_object *it = i < ne ? json_object_array_get_idx(env, i) : NULL;
        char f[64];
        snprintf(f, sizeof f, "exec.env[%zu].name", i);
        cmp_str(d, f, i < e->nenv ? e->env[i].name : NULL, jstr(it, "name"), false);
        snprintf(f, sizeof f, "exec.env[%zu].value", i);
        cmp_str(d, f, i < e->nenv ? e->env[i].value : NULL, jstr(it, "value"), true);
    }
}

/* Runs argv with stdout (and stderr) captured; returns the exit status. */
static int run_capture(char *const argv[], char **out, char **errout)
{
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    /* kubectl's stderr is short: read stdout to the end, then stderr. */
    struct bytes b[2];
    int fds[2] = {po[0], pe[0]};
    for (int k = 0; k < 2; k++) {
        memset(&b[k], 0, sizeof b[k]);
        size_t cap = 4096;
        b[k].p = xmalloc(cap);
        ssize_t n;
        while ((n = read(fds[k], b[k].p + b[k].len, cap - b[k].len - 1)) > 0) {
            b[k].len += (size_t)n;
            if (b[k].len + 1 >= cap)
                b[k].p = xrealloc(b[k].p, cap *= 2);
        }
        b[k].p[b[k].len] = '\0';
        close(fds[k]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *out = b[0].p;
    if (errout)
        *errout = b[1].p;
    else
        free(b[1].p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct testcase {
    char name[64];
    char mode[16];
    char files[512];
};

static size_t read_cases(struct testcase *cases, size_t max)
{
    char *path = xasprintf("%s/cases.txt", corpus);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    free(path);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_true(n < max);
        assert_int_equal(
            sscanf(line, "%63s %15s %511s", cases[n].name, cases[n].mode, cases[n].files), 3);
        n++;
    }
    fclose(fp);
    return n;
}

static void write_file(const char *path, const struct bytes *b)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b->p, 1, b->len, fp), b->len);
    assert_int_equal(fclose(fp), 0);
}

struct totals {
    int contexts;
    int errors_agreed;
    int diffs;
};

/* Runs one case; returns the number of differences. */
static void run_case(const struct testcase *tc, struct totals *tot)
{
    char kdir[PATH_MAX + 16], kcfg[PATH_MAX + 32];
    snprintf(kdir, sizeof kdir, "%s/.kube", home);
    snprintf(kcfg, sizeof kcfg, "%s/config", kdir);
    home_clean();
    setenv("HOME", home, 1);
    unsetenv("KUBECONFIG");

    /* Absolute directories of the case's files, for relative tokenFile/command values. */
    const char *bases[16] = {0};
    char *owned[16] = {0};
    size_t nb = 0;
    char *list = xstrdup(tc->files);
    char *save = NULL;
    for (char *f = strtok_r(list, ":", &save); f && nb < 15; f = strtok_r(NULL, ":", &save)) {
        char *abs = xasprintf("%s/%s", corpus, f);
        char *slash = strrchr(abs, '/');
        *slash = '\0';
        owned[nb] = abs;
        bases[nb] = abs;
        nb++;
    }
    free(list);

    const char *explicit_path = NULL;
    if (strcmp(tc->mode, "bad") == 0) {
        /* kubectl refuses the file: cutover must too, pointing at a line and column. */
        char *argv[] = {kubectl,        "config",          "view", "-o", "json",
                        "--kubeconfig", (char *)tc->files, NULL};
        char *out = NULL, *errout = NULL;
        int krc = run_capture(argv, &out, &errout);
        struct kubeconfig *bad = NULL;
        struct error berr;
        error_clear(&berr);
        int lrc = kubeconfig_load(tc->files, &bad, &berr);
        char bmsg[1024];
        struct diffctx bd = {.cas = tc->name, .ctx = "(file)", .bases = bases};
        errout[strcspn(errout, "\n")] = '\0';
        if (krc == 0 || lrc == 0 || berr.line <= 0) {
            diff_header(&bd, "loading a broken file");
            fprintf(stderr, "    cutover: %s\n    kubectl: %s\n",
                    lrc ? error_format(&berr, bmsg, sizeof bmsg) : "(loaded)",
                    krc ? errout : "(loaded)");
        } else {
            tot->errors_agreed++;
        }
        tot->diffs += bd.diffs;
        kubeconfig_free(bad);
        free(out);
        free(errout);
        for (size_t i = 0; i < nb; i++)
            free(owned[i]);
        return;
    }
    if (strcmp(tc->mode, "env") == 0) {
        setenv("KUBECONFIG", tc->files, 1);
    } else if (strcmp(tc->mode, "home") == 0) {
        struct bytes b;
        assert_int_equal(read_all(tc->files, &b), 0);
        assert_int_equal(mkdir(kdir, 0700), 0);
        write_file(kcfg, &b);
        bytes_fini(&b);
        owned[nb] = xstrdup(kdir);
        bases[nb] = owned[nb];
        nb++;
    } else {
        assert_string_equal(tc->mode, "file");
        explicit_path = tc->files;
    }

    struct kubeconfig *kc = NULL;
    struct error err;
    error_clear(&err);
    char msg[1024];
    int lrc = kubeconfig_load(explicit_path, &kc, &err);
    if (lrc != 0)
        fprintf(stderr, "[%s] cutover cannot load: %s\n", tc->name,
                error_format(&err, msg, sizeof msg));
    assert_int_equal(lrc, 0);

    /* Context names and current-context. */
    char *args_names[] = {kubectl, "config",       "get-contexts",        "-o",
                          "name",  "--kubeconfig", (char *)explicit_path, NULL};
    if (explicit_path == NULL)
        args_names[5] = NULL;
    char *names_out = NULL;
    assert_int_equal(run_capture(args_names, &names_out, NULL), 0);
    char *theirs[256];
    size_t nt = 0;
    for (char *l = strtok_r(names_out, "\n", &save); l && nt < 256; l = strtok_r(NULL, "\n", &save))
        theirs[nt++] = l;
    size_t no = kubeconfig_context_count(kc);
    char **ours = xcalloc(no + 1, sizeof *ours);
    for (size_t i = 0; i < no; i++)
        ours[i] = (char *)kubeconfig_context_name(kc, i);
    qsort(theirs, nt, sizeof *theirs, cmp_cstr);
    qsort(ours, no, sizeof *ours, cmp_cstr);
    struct diffctx d = {.cas = tc->name, .ctx = "(all)", .bases = bases};
    bool same = no == nt;
    for (size_t i = 0; same && i < no; i++)
        same = strcmp(ours[i], theirs[i]) == 0;
    if (!same) {
        diff_header(&d, "context names");
        fprintf(stderr, "    cutover:");
        for (size_t i = 0; i < no; i++)
            fprintf(stderr, " %s", ours[i]);
        fprintf(stderr, "\n    kubectl:");
        for (size_t i = 0; i < nt; i++)
            fprintf(stderr, " %s", theirs[i]);
        fprintf(stderr, "\n");
    }

    char *args_cur[] = {kubectl, "config", "current-context", "--kubeconfig", (char *)explicit_path,
                        NULL};
    if (explicit_path == NULL)
        args_cur[3] = NULL;
    char *cur = NULL;
    int crc = run_capture(args_cur, &cur, NULL);
    cur[strcspn(cur, "\n")] = '\0';
    cmp_str(&d, "current-context", kubeconfig_current_context(kc), crc == 0 ? cur : NULL, false);
    free(cur);

    /* Every context: kubectl's minified, flattened view against kubeconfig_resolve. */
    for (size_t i = 0; i < no; i++) {
        const char *name = ours[i];
        d.ctx = name;
        char *argv[] = {
            kubectl, "config",    "view",       "--minify",     "--flatten",           "-o",
            "json",  "--context", (char *)name, "--kubeconfig", (char *)explicit_path, NULL};
        if (explicit_path == NULL)
            argv[9] = NULL;
        char *out = NULL, *errout = NULL;
        int krc = run_capture(argv, &out, &errout);
        struct kube_context c;
        error_clear(&err);
        int rrc = kubeconfig_resolve(kc, name, &c, &err);
        tot->contexts++;
        if (krc != 0 || rrc != 0) {
            errout[strcspn(errout, "\n")] = '\0';
            if ((krc != 0) != (rrc != 0)) {
                diff_header(&d, "resolution");
                fprintf(stderr, "    cutover: %s\n    kubectl: %s\n",
                        rrc ? error_format(&err, msg, sizeof msg) : "(resolved)",
                        krc ? errout : "(resolved)");
            } else {
                /* Both refuse: cutover's message must name what kubectl cannot locate. */
                const char *loc = strstr(errout, "cannot locate ");
                error_format(&err, msg, sizeof msg);
                if (loc) {
                    const char *what = strchr(loc + strlen("cannot locate "), ' ');
                    char *quoted = xasprintf("\"%s\"", what ? what + 1 : "");
                    if (strstr(msg, quoted) == NULL) {
                        diff_header(&d, "error message");
                        fprintf(stderr, "    cutover: %s\n    kubectl: %s\n", msg, errout);
                    } else {
                        tot->errors_agreed++;
                    }
                    free(quoted);
                } else {
                    tot->errors_agreed++;
                }
            }
            if (rrc == 0)
                kube_context_fini(&c);
            free(out);
            free(errout);
            continue;
        }
        json_object *root = json_tokener_parse(out);
        assert_non_null(root);
        compare_context(&d, &c, root);
        json_object_put(root);
        kube_context_fini(&c);
        free(out);
        free(errout);
    }
    tot->diffs += d.diffs;
    free(ours);
    free(names_out);
    kubeconfig_free(kc);
    for (size_t i = 0; i < nb; i++)
        free(owned[i]);
    home_clean();
    unsetenv("KUBECONFIG");
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    snprintf(corpus, sizeof corpus, "%s/tests/kubeconfigs", src ? src : ".");
    snprintf(home, sizeof home, "/tmp/cutover-kc-home-XXXXXX");
    if (mkdtemp(home) == NULL)
        return -1;
    find_kubectl();
    fprintf(stderr, "comparing with %s\n", kubectl);
    /* Relative KUBECONFIG entries and relative paths are taken from the corpus directory. */
    return chdir(corpus);
}

static int teardown(void **state)
{
    (void)state;
    home_clean();
    rmdir(home);
    return 0;
}

static void test_corpus_matches_kubectl(void **state)
{
    (void)state;
    struct testcase cases[64];
    size_t n = read_cases(cases, 64);
    assert_true(n >= 15);
    struct totals tot = {0};
    for (size_t i = 0; i < n; i++)
        run_case(&cases[i], &tot);
    fprintf(stderr,
            "kubeconfig differential: %zu cases, %d contexts, %d refused by both, "
            "%d differences\n",
            n, tot.contexts, tot.errors_agreed, tot.diffs);
    assert_int_equal(tot.diffs, 0);
    assert_true(tot.contexts >= 30);
    /* missing-cluster.yaml (a cluster and a user) and the broken files of bad/ */
    assert_true(tot.errors_agreed >= 9);
}

/* The differ itself must notice a change in every compared field. */
static void test_differ_catches_changes(void **state)
{
    (void)state;
    setenv("HOME", home, 1);
    unsetenv("KUBECONFIG");
    struct kubeconfig *kc;
    struct error err;
    assert_int_equal(kubeconfig_load("tls-server-name.yaml", &kc, &err), 0);
    char *argv[] = {kubectl,
                    "config",
                    "view",
                    "--minify",
                    "--flatten",
                    "-o",
                    "json",
                    "--context",
                    "via-lb",
                    "--kubeconfig",
                    "tls-server-name.yaml",
                    NULL};
    char *out;
    assert_int_equal(run_capture(argv, &out, NULL), 0);
    json_object *root = json_tokener_parse(out);
    assert_non_null(root);
    const char *bases[] = {corpus, NULL};

    struct kube_context c;
    assert_int_equal(kubeconfig_resolve(kc, "via-lb", &c, &err), 0);
    struct diffctx d = {.cas = "self-check", .ctx = "via-lb", .bases = bases};
    compare_context(&d, &c, root);
    assert_int_equal(d.diffs, 0);

    /* One altered field at a time, each must be reported. */
    const int nmut = 6;
    for (int m = 0; m < nmut; m++) {
        struct kube_context x;
        assert_int_equal(kubeconfig_resolve(kc, "via-lb", &x, &err), 0);
        switch (m) {
        case 0:
            x.server[8] = 'X';
            break;
        case 1:
            x.ca_data[40] ^= 1;
            break;
        case 2:
            x.auth = KUBE_AUTH_TOKEN;
            break;
        case 3:
            free(x.namespace);
            x.namespace = xstrdup("kube-system");
            break;
        case 4:
            x.insecure_skip_tls_verify = true;
            break;
        case 5:
            free(x.tls_server_name);
            x.tls_server_name = NULL;
            break;
        }
        struct diffctx dm = {
            .cas = "self-check (expected difference)", .ctx = "via-lb", .bases = bases};
        compare_context(&dm, &x, root);
        assert_int_equal(dm.diffs, 1);
        kube_context_fini(&x);
    }
    kube_context_fini(&c);
    json_object_put(root);
    free(out);
    kubeconfig_free(kc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differ_catches_changes),
        cmocka_unit_test(test_corpus_matches_kubectl),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
