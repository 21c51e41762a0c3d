/* kubeconfig: libyaml document parsing, kubectl's merge rules, per-context resolution. */

#include "cutover/kubeconfig.h"
#include "cutover/xalloc.h"
#include "cutover/yaml_doc.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define KC_MAX_FILE_BYTES (16u * 1024u * 1024u)

/* Where an entry came from, for messages and relative paths. */
struct kc_origin {
    char *display; /* the path as given, used in messages */
    char *dir;     /* absolute directory, base of relative paths */
};

struct kc_cluster {
    char *name;
    size_t origin;
    int line, col;
    char *server;
    char *tls_server_name;
    char *proxy_url;
    bool insecure;
    char *ca_file;
    char *ca_data;
    size_t ca_data_len;
};

struct kc_user {
    char *name;
    size_t origin;
    int line, col;
    char *token;
    char *token_file;
    char *cert_file;
    char *cert_data;
    size_t cert_data_len;
    char *key_file;
    char *key_data;
    size_t key_data_len;
    char *username;
    char *password;
    char *auth_provider; /* name of the auth-provider, "" when unnamed; NULL when absent */
    struct kube_exec *exec;
};

struct kc_context {
    char *name;
    size_t origin;
    int line, col;
    char *cluster;
    char *user;
    char *namespace;
};

struct kubeconfig {
    struct kc_origin *origins;
    size_t norigins;
    struct kc_cluster *clusters;
    size_t nclusters;
    struct kc_user *users;
    size_t nusers;
    struct kc_context *contexts;
    size_t ncontexts;
    char *current_context;
    char *files_desc; /* "a.yaml:b.yaml", for messages */
};

/* ---- small helpers ------------------------------------------------------------------------ */

static void secret_free(char *s, size_t len)
{
    if (s == NULL)
        return;
    if (len == 0)
        len = strlen(s);
    explicit_bzero(s, len);
    free(s);
}

/* Lexically cleans an absolute path as Go's filepath.Clean does ("a/./b/../c" -> "a/c"). */
static char *path_clean_abs(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 2);
    size_t o = 0;
    out[o++] = '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 1 && p[0] == '.') {
            /* skip */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (o > 1) {
                o--; /* drop the trailing '/' */
                while (o > 1 && out[o - 1] != '/')
                    o--;
            }
        } else {
            if (o > 1 && out[o - 1] != '/')
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
            out[o++] = '/';
        }
        p += len;
    }
    if (o > 1 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
    return out;
}

static char *path_absolute(const char *path)
{
    if (path[0] == '/')
        return path_clean_abs(path);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        snprintf(cwd, sizeof cwd, "/");
    char *joined = xasprintf("%s/%s", cwd, path);
    char *clean = path_clean_abs(joined);
    free(joined);
    return clean;
}

static char *path_dirname_abs(const char *path)
{
    char *abs = path_absolute(path);
    char *slash = strrchr(abs, '/');
    if (slash == abs)
        abs[1] = '\0';
    else if (slash)
        *slash = '\0';
    return abs;
}

/* Resolves a path named in a kubeconfig as client-go does: absolute stays, relative joins. */
static char *path_resolve(const char *dir, const char *value)
{
    if (value[0] == '/')
        return xstrdup(value);
    char *joined = xasprintf("%s/%s", dir, value);
    char *clean = path_clean_abs(joined);
    free(joined);
    return clean;
}

/* ---- YAML access -------------------------------------------------------------------------- */

struct parse {
    yaml_document_t *doc;
    const char *file; /* display name */
    const char *dir;
    struct error *err;
};

static int fail_at(struct parse *p, const yaml_node_t *n, const char *field, const char *what)
{
    yaml_doc_error_at(p->err, p->file, n, "%s: %s", field, what);
    return -1;
}

static bool plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool word_in(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

static bool yaml_is_null(const yaml_node_t *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    return plain(n) && word_in(scalar(n), nulls);
}

/* YAML 1.1 booleans, as go-yaml v2 (behind sigs.k8s.io/yaml) reads them: 1 true, 0 false, -1. */
static int yaml_bool_value(const yaml_node_t *n)
{
    static const char *const yes[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                      "True", "TRUE", "on",  "On",  "ON",  NULL};
    static const char *const no[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                     "False", "FALSE", "off", "Off", "OFF", NULL};
    if (!plain(n))
        return -1;
    if (word_in(scalar(n), yes))
        return 1;
    if (word_in(scalar(n), no))
        return 0;
    return -1;
}

/* A plain scalar that go-yaml would read as a number. */
static bool yaml_is_number(const yaml_node_t *n)
{
    if (!plain(n))
        return false;
    const char *s = scalar(n);
    if (s[0] == '\0' || !strchr("+-.0123456789", s[0]))
        return false;
    static const char *const specials[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                           "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                           ".NaN",  ".NAN",  NULL};
    if (word_in(s, specials))
        return true;
    size_t len = strlen(s);
    char *t = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            t[o++] = s[i];
    t[o] = '\0';
    bool num = false;
    if (o > 0) {
        char *end;
        errno = 0;
        const char *body = (t[0] == '+' || t[0] == '-') ? t + 1 : t;
        if (body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
            num = body[2] && strspn(body + 2, "01") == strlen(body + 2);
        } else {
            (void)strtoll(t, &end, 0);
            if (*end == '\0' && end != t) {
                num = true;
            } else {
                (void)strtod(t, &end);
                num = *end == '\0' && end != t && !strpbrk(t, "xXpP") && !strpbrk(t, "iInN");
            }
        }
    }
    free(t);
    return num;
}

static yaml_node_t *node(struct parse *p, yaml_node_item_t i)
{
    return yaml_document_get_node(p->doc, i);
}

/* Reads a string field: NULL for null or empty (Go's zero value), an error for non-strings. */
static int get_string(struct parse *p, const yaml_node_t *n, const char *field, char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(p, n, field, "expected a string");
    if (yaml_is_null(n))
        return 0;
    if (yaml_bool_value(n) >= 0 || yaml_is_number(n))
        return fail_at(p, n, field, "expected a string");
    const char *s = scalar(n);
    if (memchr(s, '\0', n->data.scalar.length) != NULL)
        return fail_at(p, n, field, "contains a NUL byte");
    free(*out);
    *out = s[0] ? xstrdup(s) : NULL;
    return 0;
}

static int get_bool(struct parse *p, const yaml_node_t *n, const char *field, bool *out)
{
    if (n->type == YAML_SCALAR_NODE && yaml_is_null(n)) {
        *out = false;
        return 0;
    }
    int v = n->type == YAML_SCALAR_NODE ? yaml_bool_value(n) : -1;
    if (v < 0)
        return fail_at(p, n, field, "expected true or false");
    *out = v == 1;
    return 0;
}

/* Reads a path field and resolves it against the file's directory. */
static int get_path(struct parse *p, const yaml_node_t *n, const char *field, char **out)
{
    char *raw = NULL;
    if (get_string(p, n, field, &raw) < 0)
        return -1;
    free(*out);
    *out = raw ? path_resolve(p->dir, raw) : NULL;
    free(raw);
    return 0;
}

/* Decodes a base64 (-data) field with libcrypto. The result is NUL-terminated for convenience. */
static int get_base64(struct parse *p, const yaml_node_t *n, const char *field, char **out,
                      size_t *out_len)
{
    char *raw = NULL;
    if (get_string(p, n, field, &raw) < 0)
        return -1;
    if (*out)
        secret_free(*out, *out_len);
    *out = NULL;
    *out_len = 0;
    if (raw == NULL)
        return 0;
    size_t len = strlen(raw);
    /* Go's decoder (behind kubectl) skips line breaks only: reject what libcrypto would skip. */
    size_t bad =
        strspn(raw, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n");
    if (bad != len) {
        free(raw);
        return fail_at(p, n, field, "invalid base64");
    }
    if (len > INT_MAX / 2) {
        free(raw);
        return fail_at(p, n, field, "too long");
    }
    unsigned char *buf = xmalloc(len / 4 * 3 + 4);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (ctx == NULL)
        fatal("EVP_ENCODE_CTX_new failed");
    EVP_DecodeInit(ctx);
    int got = 0, fin = 0;
    int rc = EVP_DecodeUpdate(ctx, buf, &got, (const unsigned char *)raw, (int)len);
    if (rc >= 0)
        rc = EVP_DecodeFinal(ctx, buf + got, &fin);
    EVP_ENCODE_CTX_free(ctx);
    secret_free(raw, len);
    if (rc < 0) {
        secret_free((char *)buf, len / 4 * 3 + 4);
        return fail_at(p, n, field, "invalid base64");
    }
    size_t total = (size_t)got + (size_t)fin;
    buf[total] = '\0';
    *out = (char *)buf;
    *out_len = total;
    return 0;
}

static const yaml_node_t *expect_kind(struct parse *p, const yaml_node_t *n, yaml_node_type_t type,
                                      const char *field)
{
    if (n->type == type)
        return n;
    if (n->type == YAML_SCALAR_NODE && yaml_is_null(n))
        return NULL; /* absent */
    fail_at(p, n, field, type == YAML_MAPPING_NODE ? "expected a mapping" : "expected a list");
    return (const yaml_node_t *)-1;
}

#define KIND_FAILED(x) ((x) == (const yaml_node_t *)-1)

/* ---- sections ----------------------------------------------------------------------------- */

/* A mapping pair's key if it is a scalar (else NULL: the caller skips the pair), with its
 * value in *v and "base.key" in field for messages. */
static const char *pair_field(struct parse *p, const yaml_node_pair_t *pr, const char *base,
                              char *field, size_t len, yaml_node_t **v)
{
    yaml_node_t *k = node(p, pr->key);
    *v = node(p, pr->value);
    if (k == NULL || *v == NULL || k->type != YAML_SCALAR_NODE)
        return NULL;
    const char *key = scalar(k);
    snprintf(field, len, "%.300s.%.100s", base, key);
    return key;
}

static int parse_cluster(struct parse *p, const yaml_node_t *m, const char *base,
                         struct kc_cluster *c)
{
    char field[512];
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *v;
        const char *key = pair_field(p, pr, base, field, sizeof field, &v);
        if (key == NULL)
            continue;
        int rc = 0;
        if (strcmp(key, "server") == 0)
            rc = get_string(p, v, field, &c->server);
        else if (strcmp(key, "tls-server-name") == 0)
            rc = get_string(p, v, field, &c->tls_server_name);
        else if (strcmp(key, "proxy-url") == 0)
            rc = get_string(p, v, field, &c->proxy_url);
        else if (strcmp(key, "insecure-skip-tls-verify") == 0)
            rc = get_bool(p, v, field, &c->insecure);
        else if (strcmp(key, "certificate-authority") == 0)
            rc = get_path(p, v, field, &c->ca_file);
        else if (strcmp(key, "certificate-authority-data") == 0)
            rc = get_base64(p, v, field, &c->ca_data, &c->ca_data_len);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Frees the exec plugin's argument list, leaving none. */
static void exec_args_clear(struct kube_exec *e)
{
    if (e->args)
        for (char **a = e->args; *a; a++)
            free(*a);
    free(e->args);
    e->args = NULL;
}

/* Frees the exec plugin's environment (values are secrets), leaving none. */
static void exec_env_clear(struct kube_exec *e)
{
    for (size_t i = 0; i < e->nenv; i++) {
        free(e->env[i].name);
        secret_free(e->env[i].value, 0);
    }
    free(e->env);
    e->env = NULL;
    e->nenv = 0;
}

static void exec_free(struct kube_exec *e)
{
    if (e == NULL)
        return;
    free(e->api_version);
    free(e->command);
    exec_args_clear(e);
    exec_env_clear(e);
    free(e->install_hint);
    free(e->interactive_mode);
    free(e);
}

static struct kube_exec *exec_dup(const struct kube_exec *e)
{
    struct kube_exec *d = xcalloc(1, sizeof *d);
    d->api_version = xstrdup_null(e->api_version);
    d->command = xstrdup_null(e->command);
    size_t nargs = 0;
    while (e->args && e->args[nargs])
        nargs++;
    d->args = xcalloc(nargs + 1, sizeof *d->args);
    for (size_t i = 0; i < nargs; i++)
        d->args[i] = xstrdup(e->args[i]);
    d->nenv = e->nenv;
    d->env = e->nenv ? xcalloc(e->nenv, sizeof *d->env) : NULL;
    for (size_t i = 0; i < e->nenv; i++) {
        d->env[i].name = xstrdup(e->env[i].name);
        d->env[i].value = xstrdup(e->env[i].value);
    }
    d->install_hint = xstrdup_null(e->install_hint);
    d->provide_cluster_info = e->provide_cluster_info;
    d->interactive_mode = xstrdup_null(e->interactive_mode);
    return d;
}

static int parse_exec(struct parse *p, const yaml_node_t *m, const char *base, struct kube_exec *e)
{
    char field[512];
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *v;
        const char *key = pair_field(p, pr, base, field, sizeof field, &v);
        if (key == NULL)
            continue;
        int rc = 0;
        if (strcmp(key, "apiVersion") == 0) {
            rc = get_string(p, v, field, &e->api_version);
        } else if (strcmp(key, "command") == 0) {
            rc = get_string(p, v, field, &e->command);
        } else if (strcmp(key, "installHint") == 0) {
            rc = get_string(p, v, field, &e->install_hint);
        } else if (strcmp(key, "interactiveMode") == 0) {
            rc = get_string(p, v, field, &e->interactive_mode);
        } else if (strcmp(key, "provideClusterInfo") == 0) {
            rc = get_bool(p, v, field, &e->provide_cluster_info);
        } else if (strcmp(key, "args") == 0) {
            const yaml_node_t *seq = expect_kind(p, v, YAML_SEQUENCE_NODE, field);
            if (KIND_FAILED(seq))
                return -1;
            exec_args_clear(e);
            size_t n =
                seq ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start) : 0;
            e->args = xcalloc(n + 1, sizeof *e->args);
            for (size_t i = 0; i < n; i++) {
                char ifield[512];
                snprintf(ifield, sizeof ifield, "%.400s[%zu]", field, i);
                yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);
                char *s = NULL;
                if (it == NULL || get_string(p, it, ifield, &s) < 0)
                    return -1;
                e->args[i] = s ? s : xstrdup("");
            }
        } else if (strcmp(key, "env") == 0) {
            const yaml_node_t *seq = expect_kind(p, v, YAML_SEQUENCE_NODE, field);
            if (KIND_FAILED(seq))
                return -1;
            exec_env_clear(e);
            size_t n =
                seq ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start) : 0;
            e->env = n ? xcalloc(n, sizeof *e->env) : NULL;
            for (size_t i = 0; i < n; i++) {
                char ifield[512];
                snprintf(ifield, sizeof ifield, "%.400s[%zu]", field, i);
                yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);
                if (it == NULL || it->type != YAML_MAPPING_NODE)
                    return fail_at(p, it, ifield, "expected a mapping with name and value");
                struct kube_exec_env *ev = &e->env[e->nenv++];
                for (yaml_node_pair_t *q = it->data.mapping.pairs.start;
                     q < it->data.mapping.pairs.top; q++) {
                    yaml_node_t *ek = node(p, q->key), *evv = node(p, q->value);
                    if (ek == NULL || evv == NULL || ek->type != YAML_SCALAR_NODE)
                        continue;
                    char efield[640];
                    snprintf(efield, sizeof efield, "%.420s.%.100s", ifield, scalar(ek));
                    if (strcmp(scalar(ek), "name") == 0 &&
                        get_string(p, evv, efield, &ev->name) < 0)
                        return -1;
                    if (strcmp(scalar(ek), "value") == 0 &&
                        get_string(p, evv, efield, &ev->value) < 0)
                        return -1;
                }
                if (ev->name == NULL)
                    return fail_at(p, it, ifield, "env entry without a name");
                if (ev->value == NULL)
                    ev->value = xstrdup("");
            }
        }
        if (rc < 0)
            return -1;
    }
    /* client-go defaults interactiveMode to IfAvailable for v1beta1 (v1 requires it). */
    if (e->interactive_mode == NULL && e->api_version &&
        strcmp(e->api_version, "client.authentication.k8s.io/v1beta1") == 0)
        e->interactive_mode = xstrdup("IfAvailable");
    if (e->args == NULL)
        e->args = xcalloc(1, sizeof *e->args);
    /* A command naming a file by a relative path is relative to the kubeconfig, as in client-go;
     * a bare name is looked up in PATH. */
    if (e->command && strchr(e->command, '/') && e->command[0] != '/') {
        char *abs = path_resolve(p->dir, e->command);
        free(e->command);
        e->command = abs;
    }
    return 0;
}

static int parse_user(struct parse *p, const yaml_node_t *m, const char *base, struct kc_user *u)
{
    char field[512];
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *v;
        const char *key = pair_field(p, pr, base, field, sizeof field, &v);
        if (key == NULL)
            continue;
        int rc = 0;
        if (strcmp(key, "token") == 0) {
            rc = get_string(p, v, field, &u->token);
        } else if (strcmp(key, "tokenFile") == 0) {
            rc = get_path(p, v, field, &u->token_file);
        } else if (strcmp(key, "client-certificate") == 0) {
            rc = get_path(p, v, field, &u->cert_file);
        } else if (strcmp(key, "client-key") == 0) {
            rc = get_path(p, v, field, &u->key_file);
        } else if (strcmp(key, "client-certificate-data") == 0) {
            rc = get_base64(p, v, field, &u->cert_data, &u->cert_data_len);
        } else if (strcmp(key, "client-key-data") == 0) {
            rc = get_base64(p, v, field, &u->key_data, &u->key_data_len);
        } else if (strcmp(key, "username") == 0) {
            rc = get_string(p, v, field, &u->username);
        } else if (strcmp(key, "password") == 0) {
            rc = get_string(p, v, field, &u->password);
        } else if (strcmp(key, "auth-provider") == 0) {
            const yaml_node_t *ap = expect_kind(p, v, YAML_MAPPING_NODE, field);
            if (KIND_FAILED(ap))
                return -1;
            if (ap) {
                free(u->auth_provider);
                u->auth_provider = xstrdup("");
                for (yaml_node_pair_t *q = ap->data.mapping.pairs.start;
                     q < ap->data.mapping.pairs.top; q++) {
                    yaml_node_t *ak = node(p, q->key), *av = node(p, q->value);
                    if (ak && av && ak->type == YAML_SCALAR_NODE &&
                        strcmp(scalar(ak), "name") == 0) {
                        char nfield[640];
                        snprintf(nfield, sizeof nfield, "%.500s.name", field);
                        char *name = NULL;
                        if (get_string(p, av, nfield, &name) < 0)
                            return -1;
                        free(u->auth_provider);
                        u->auth_provider = name ? name : xstrdup("");
                    }
                }
            }
        } else if (strcmp(key, "exec") == 0) {
            const yaml_node_t *ex = expect_kind(p, v, YAML_MAPPING_NODE, field);
            if (KIND_FAILED(ex))
                return -1;
            exec_free(u->exec);
            u->exec = NULL;
            if (ex) {
                u->exec = xcalloc(1, sizeof *u->exec);
                rc = parse_exec(p, ex, field, u->exec);
            }
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int parse_context(struct parse *p, const yaml_node_t *m, const char *base,
                         struct kc_context *c)
{
    char field[512];
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *v;
        const char *key = pair_field(p, pr, base, field, sizeof field, &v);
        if (key == NULL)
            continue;
        int rc = 0;
        if (strcmp(key, "cluster") == 0)
            rc = get_string(p, v, field, &c->cluster);
        else if (strcmp(key, "user") == 0)
            rc = get_string(p, v, field, &c->user);
        else if (strcmp(key, "namespace") == 0)
            rc = get_string(p, v, field, &c->namespace);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void cluster_fini(struct kc_cluster *c)
{
    free(c->name);
    free(c->server);
    free(c->tls_server_name);
    free(c->proxy_url);
    free(c->ca_file);
    free(c->ca_data);
}

static void user_fini(struct kc_user *u)
{
    free(u->name);
    secret_free(u->token, 0);
    free(u->token_file);
    free(u->cert_file);
    free(u->cert_data);
    free(u->key_file);
    secret_free(u->key_data, u->key_data_len);
    free(u->username);
    secret_free(u->password, 0);
    free(u->auth_provider);
    exec_free(u->exec);
}

static void context_fini(struct kc_context *c)
{
    free(c->name);
    free(c->cluster);
    free(c->user);
    free(c->namespace);
}

/* One file's entries before merging. */
struct kc_file {
    struct kc_cluster *clusters;
    size_t nclusters;
    struct kc_user *users;
    size_t nusers;
    struct kc_context *contexts;
    size_t ncontexts;
    char *current_context;
};

static void file_fini(struct kc_file *f)
{
    for (size_t i = 0; i < f->nclusters; i++)
        cluster_fini(&f->clusters[i]);
    for (size_t i = 0; i < f->nusers; i++)
        user_fini(&f->users[i]);
    for (size_t i = 0; i < f->ncontexts; i++)
        context_fini(&f->contexts[i]);
    free(f->clusters);
    free(f->users);
    free(f->contexts);
    free(f->current_context);
    memset(f, 0, sizeof *f);
}

enum section { SEC_CLUSTERS, SEC_USERS, SEC_CONTEXTS };

static int parse_section(struct parse *p, const yaml_node_t *v, enum section sec, size_t origin,
                         struct kc_file *f)
{
    static const char *const names[] = {"clusters", "users", "contexts"};
    static const char *const inner[] = {"cluster", "user", "context"};
    const char *sname = names[sec];
    const yaml_node_t *seq = expect_kind(p, v, YAML_SEQUENCE_NODE, sname);
    if (KIND_FAILED(seq))
        return -1;
    if (seq == NULL)
        return 0;
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    for (size_t i = 0; i < n; i++) {
        char field[128];
        snprintf(field, sizeof field, "%s[%zu]", sname, i);
        yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);
        if (it == NULL || it->type != YAML_MAPPING_NODE)
            return fail_at(p, it, field,
                           "expected a mapping with name and "
                           "a body");
        char *name = NULL;
        const yaml_node_t *body = NULL;
        char bfield[160];
        snprintf(bfield, sizeof bfield, "%s.%s", field, inner[sec]);
        for (yaml_node_pair_t *pr = it->data.mapping.pairs.start; pr < it->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *k = node(p, pr->key), *val = node(p, pr->value);
            if (k == NULL || val == NULL || k->type != YAML_SCALAR_NODE)
                continue;
            if (strcmp(scalar(k), "name") == 0) {
                char nfield[160];
                snprintf(nfield, sizeof nfield, "%s.name", field);
                if (get_string(p, val, nfield, &name) < 0) {
                    free(name); /* a first "name" before a broken second one */
                    return -1;
                }
            } else if (strcmp(scalar(k), inner[sec]) == 0) {
                body = expect_kind(p, val, YAML_MAPPING_NODE, bfield);
                if (KIND_FAILED(body)) {
                    free(name);
                    return -1;
                }
            }
        }
        if (name == NULL)
            name = xstrdup("");
        /* client-go refuses two entries of one name in one file. */
        bool dup = false;
        if (sec == SEC_CLUSTERS)
            for (size_t j = 0; j < f->nclusters; j++)
                dup |= strcmp(f->clusters[j].name, name) == 0;
        if (sec == SEC_USERS)
            for (size_t j = 0; j < f->nusers; j++)
                dup |= strcmp(f->users[j].name, name) == 0;
        if (sec == SEC_CONTEXTS)
            for (size_t j = 0; j < f->ncontexts; j++)
                dup |= strcmp(f->contexts[j].name, name) == 0;
        if (dup) {
            char what[320];
            snprintf(what, sizeof what, "duplicate name \"%.256s\" in %s", name, sname);
            free(name);
            return fail_at(p, it, field, what);
        }
        int line = (int)it->start_mark.line + 1, col = (int)it->start_mark.column + 1;
        int rc = 0;
        if (sec == SEC_CLUSTERS) {
            f->clusters = xreallocarray(f->clusters, f->nclusters + 1, sizeof *f->clusters);
            struct kc_cluster *c = &f->clusters[f->nclusters++];
            memset(c, 0, sizeof *c);
            *c = (struct kc_cluster){.name = name, .origin = origin, .line = line, .col = col};
            if (body)
                rc = parse_cluster(p, body, bfield, c);
        } else if (sec == SEC_USERS) {
            f->users = xreallocarray(f->users, f->nusers + 1, sizeof *f->users);
            struct kc_user *u = &f->users[f->nusers++];
            memset(u, 0, sizeof *u);
            *u = (struct kc_user){.name = name, .origin = origin, .line = line, .col = col};
            if (body)
                rc = parse_user(p, body, bfield, u);
        } else {
            f->contexts = xreallocarray(f->contexts, f->ncontexts + 1, sizeof *f->contexts);
            struct kc_context *c = &f->contexts[f->ncontexts++];
            memset(c, 0, sizeof *c);
            *c = (struct kc_context){.name = name, .origin = origin, .line = line, .col = col};
            if (body)
                rc = parse_context(p, body, bfield, c);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Parses one kubeconfig document held in memory. */
static int parse_buffer(const char *data, size_t len, const char *display, const char *dir,
                        size_t origin, struct kc_file *f, struct error *err)
{
    yaml_document_t doc;
    struct yaml_doc_syntax syn;
    if (yaml_doc_load_first(data, len, &doc, &syn) < 0) {
        /* Only the first document counts, as kubectl reads a kubeconfig. */
        const yaml_mark_t *mk = syn.problem[0] ? &syn.problem_mark : &syn.context_mark;
        char where[96] = "";
        if (syn.context[0] && syn.problem[0])
            snprintf(where, sizeof where, " that starts at line %d, column %d",
                     (int)syn.context_mark.line + 1, (int)syn.context_mark.column + 1);
        error_set_at(err, display, (int)mk->line + 1, (int)mk->column + 1, "invalid YAML: %s%s%s%s",
                     syn.problem[0] ? syn.problem : "parse error", syn.context[0] ? " " : "",
                     syn.context, where);
        return -1;
    }

    struct parse p = {.doc = &doc, .file = display, .dir = dir, .err = err};
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL || (root->type == YAML_SCALAR_NODE && yaml_is_null(root))) {
        /* An empty file is an empty config, as kubectl reads it. */
    } else if (root->type != YAML_MAPPING_NODE) {
        rc = fail_at(&p, root, "kubeconfig", "expected a mapping at the top level");
    } else {
        for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
             rc == 0 && pr < root->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = node(&p, pr->key), *v = node(&p, pr->value);
            if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
                continue;
            const char *key = scalar(k);
            if (strcmp(key, "clusters") == 0)
                rc = parse_section(&p, v, SEC_CLUSTERS, origin, f);
            else if (strcmp(key, "users") == 0)
                rc = parse_section(&p, v, SEC_USERS, origin, f);
            else if (strcmp(key, "contexts") == 0)
                rc = parse_section(&p, v, SEC_CONTEXTS, origin, f);
            else if (strcmp(key, "current-context") == 0)
                rc = get_string(&p, v, "current-context", &f->current_context);
        }
    }
    yaml_document_delete(&doc);
    return rc;
}

/* ---- loading and merging ------------------------------------------------------------------ */

static struct kubeconfig *kc_new(void)
{
    return xcalloc(1, sizeof(struct kubeconfig));
}

static size_t kc_add_origin(struct kubeconfig *kc, const char *display, char *dir_take)
{
    kc->origins = xreallocarray(kc->origins, kc->norigins + 1, sizeof *kc->origins);
    kc->origins[kc->norigins] = (struct kc_origin){.display = xstrdup(display), .dir = dir_take};
    char *desc = kc->files_desc ? xasprintf("%s:%s", kc->files_desc, display) : xstrdup(display);
    free(kc->files_desc);
    kc->files_desc = desc;
    return kc->norigins++;
}

/* Moves the entries of f into kc; an entry whose name kc already has is dropped (first wins). */
static void kc_merge(struct kubeconfig *kc, struct kc_file *f)
{
    for (size_t i = 0; i < f->nclusters; i++) {
        bool have = false;
        for (size_t j = 0; j < kc->nclusters && !have; j++)
            have = strcmp(kc->clusters[j].name, f->clusters[i].name) == 0;
        if (have) {
            cluster_fini(&f->clusters[i]);
            continue;
        }
        kc->clusters = xreallocarray(kc->clusters, kc->nclusters + 1, sizeof *kc->clusters);
        kc->clusters[kc->nclusters++] = f->clusters[i];
    }
    for (size_t i = 0; i < f->nusers; i++) {
        bool have = false;
        for (size_t j = 0; j < kc->nusers && !have; j++)
            have = strcmp(kc->users[j].name, f->users[i].name) == 0;
        if (have) {
            user_fini(&f->users[i]);
            continue;
        }
        kc->users = xreallocarray(kc->users, kc->nusers + 1, sizeof *kc->users);
        kc->users[kc->nusers++] = f->users[i];
    }
    for (size_t i = 0; i < f->ncontexts; i++) {
        bool have = false;
        for (size_t j = 0; j < kc->ncontexts && !have; j++)
            have = strcmp(kc->contexts[j].name, f->contexts[i].name) == 0;
        if (have) {
            context_fini(&f->contexts[i]);
            continue;
        }
        kc->contexts = xreallocarray(kc->contexts, kc->ncontexts + 1, sizeof *kc->contexts);
        kc->contexts[kc->ncontexts++] = f->contexts[i];
    }
    if (kc->current_context == NULL && f->current_context) {
        kc->current_context = f->current_context;
        f->current_context = NULL;
    }
    free(f->clusters);
    free(f->users);
    free(f->contexts);
    free(f->current_context);
    memset(f, 0, sizeof *f);
}

/* Reads a whole file (bounded). Returns 0, or -errno with err set. */
static int read_file(const char *path, char **out, size_t *out_len, struct error *err)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        int e = errno;
        error_set_at(err, path, 0, 0, "cannot open: %s", strerror(e));
        return -e;
    }
    size_t cap = 8192, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= KC_MAX_FILE_BYTES) {
                fclose(fp);
                free(buf);
                error_set_at(err, path, 0, 0, "larger than %u bytes", KC_MAX_FILE_BYTES);
                return -EFBIG;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp) ? (errno ? errno : EIO) : 0;
    fclose(fp);
    if (bad) {
        free(buf);
        error_set_at(err, path, 0, 0, "cannot read: %s", strerror(bad));
        return -bad;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

static int kc_load_file(struct kubeconfig *kc, const char *path, bool missing_ok, struct error *err)
{
    char *data = NULL;
    size_t len = 0;
    struct error tmp;
    error_clear(&tmp);
    int rc = read_file(path, &data, &len, &tmp);
    if (rc == -ENOENT && missing_ok)
        return 0;
    if (rc < 0) {
        if (err)
            *err = tmp;
        return -1;
    }
    size_t origin = kc_add_origin(kc, path, path_dirname_abs(path));
    struct kc_file f;
    memset(&f, 0, sizeof f);
    rc = parse_buffer(data, len, kc->origins[origin].display, kc->origins[origin].dir, origin, &f,
                      err);
    free(data);
    if (rc < 0) {
        file_fini(&f);
        return -1;
    }
    kc_merge(kc, &f);
    return 0;
}

static char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && home[0])
        return xstrdup(home);
    struct passwd *pw = getpwuid(getuid());
    return xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

int kubeconfig_load(const char *path, struct kubeconfig **out, struct error *err)
{
    struct kubeconfig *kc = kc_new();
    int rc = 0;
    const char *env = getenv("KUBECONFIG");
    if (path && path[0]) {
        rc = kc_load_file(kc, path, false, err);
    } else if (env && env[0]) {
        char *list = xstrdup(env);
        char **seen = NULL;
        size_t nseen = 0;
        char *save = NULL;
        for (char *tok = strtok_r(list, ":", &save); tok && rc == 0;
             tok = strtok_r(NULL, ":", &save)) {
            bool dup = false;
            for (size_t i = 0; i < nseen && !dup; i++)
                dup = strcmp(seen[i], tok) == 0;
            if (dup)
                continue;
            seen = xreallocarray(seen, nseen + 1, sizeof *seen);
            seen[nseen++] = tok;
            rc = kc_load_file(kc, tok, true, err);
        }
        free(seen);
        free(list);
    } else {
        char *home = home_dir();
        char *def = xasprintf("%s/.kube/config", home);
        free(home);
        rc = kc_load_file(kc, def, true, err);
        if (kc->files_desc == NULL)
            kc->files_desc = def;
        else
            free(def);
    }
    if (rc < 0) {
        kubeconfig_free(kc);
        return -1;
    }
    if (kc->files_desc == NULL)
        kc->files_desc = xstrdup(env && env[0] ? env : "(no kubeconfig)");
    *out = kc;
    return 0;
}

int kubeconfig_load_mem(const char *data, size_t len, const char *name, struct kubeconfig **out,
                        struct error *err)
{
    struct kubeconfig *kc = kc_new();
    const char *display = name ? name : "<memory>";
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        snprintf(cwd, sizeof cwd, "/");
    size_t origin = kc_add_origin(kc, display, path_clean_abs(cwd));
    struct kc_file f;
    memset(&f, 0, sizeof f);
    if (parse_buffer(data, len, kc->origins[origin].display, kc->origins[origin].dir, origin, &f,
                     err) < 0) {
        file_fini(&f);
        kubeconfig_free(kc);
        return -1;
    }
    kc_merge(kc, &f);
    *out = kc;
    return 0;
}

void kubeconfig_free(struct kubeconfig *kc)
{
    if (kc == NULL)
        return;
    for (size_t i = 0; i < kc->nclusters; i++)
        cluster_fini(&kc->clusters[i]);
    for (size_t i = 0; i < kc->nusers; i++)
        user_fini(&kc->users[i]);
    for (size_t i = 0; i < kc->ncontexts; i++)
        context_fini(&kc->contexts[i]);
    for (size_t i = 0; i < kc->norigins; i++) {
        free(kc->origins[i].display);
        free(kc->origins[i].dir);
    }
    free(kc->clusters);
    free(kc->users);
    free(kc->contexts);
    free(kc->origins);
    free(kc->current_context);
    free(kc->files_desc);
    free(kc);
}

const char *kubeconfig_current_context(const struct kubeconfig *kc)
{
    return kc->current_context;
}

size_t kubeconfig_context_count(const struct kubeconfig *kc)
{
    return kc->ncontexts;
}

const char *kubeconfig_context_name(const struct kubeconfig *kc, size_t i)
{
    return i < kc->ncontexts ? kc->contexts[i].name : NULL;
}

const char *kubeconfig_files(const struct kubeconfig *kc)
{
    return kc->files_desc;
}

/* ---- resolution --------------------------------------------------------------------------- */

const char *kube_auth_name(enum kube_auth auth)
{
    switch (auth) {
    case KUBE_AUTH_NONE:
        return "none";
    case KUBE_AUTH_TOKEN:
        return "token";
    case KUBE_AUTH_CLIENT_CERT:
        return "client-cert";
    case KUBE_AUTH_EXEC:
        return "exec";
    case KUBE_AUTH_BASIC:
        return "basic";
    case KUBE_AUTH_AUTH_PROVIDER:
        return "auth-provider";
    }
    return "unknown";
}

static char *dup_bytes(const char *p, size_t len)
{
    if (p == NULL)
        return NULL;
    char *d = xmalloc(len + 1);
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

static bool exec_api_supported(const char *v)
{
    return v && (strcmp(v, "client.authentication.k8s.io/v1") == 0 ||
                 strcmp(v, "client.authentication.k8s.io/v1beta1") == 0);
}

/* A file named by the kubeconfig must be readable now, or the user gets a clear error now. */
static int check_readable(const struct kc_origin *o, int line, int col, const char *kind,
                          const char *entry, const char *what, const char *path, struct error *err)
{
    if (path == NULL)
        return 0;
    if (access(path, R_OK) != 0) {
        int e = errno;
        error_set_at(err, o->display, line, col, "%s \"%s\": %s %s: %s", kind, entry, what, path,
                     strerror(e));
        return -1;
    }
    return 0;
}

int kubeconfig_resolve(const struct kubeconfig *kc, const char *context, struct kube_context *out,
                       struct error *err)
{
    memset(out, 0, sizeof *out);
    const char *name = context && context[0] ? context : kc->current_context;
    if (name == NULL || name[0] == '\0') {
        error_set(err, "%s: no current-context set; name a context", kc->files_desc);
        return -1;
    }
    const struct kc_context *cx = NULL;
    for (size_t i = 0; i < kc->ncontexts && !cx; i++)
        if (strcmp(kc->contexts[i].name, name) == 0)
            cx = &kc->contexts[i];
    if (cx == NULL) {
        error_set(err, "%s: context \"%s\" not found", kc->files_desc, name);
        return -1;
    }
    const struct kc_origin *co = &kc->origins[cx->origin];
    if (cx->cluster == NULL) {
        error_set_at(err, co->display, cx->line, cx->col, "context \"%s\" names no cluster",
                     cx->name);
        return -1;
    }
    const struct kc_cluster *cl = NULL;
    for (size_t i = 0; i < kc->nclusters && !cl; i++)
        if (strcmp(kc->clusters[i].name, cx->cluster) == 0)
            cl = &kc->clusters[i];
    if (cl == NULL) {
        error_set_at(err, co->display, cx->line, cx->col,
                     "context \"%s\": cluster \"%s\" not found in %s", cx->name, cx->cluster,
                     kc->files_desc);
        return -1;
    }
    const struct kc_user *us = NULL;
    if (cx->user) {
        for (size_t i = 0; i < kc->nusers && !us; i++)
            if (strcmp(kc->users[i].name, cx->user) == 0)
                us = &kc->users[i];
        if (us == NULL) {
            error_set_at(err, co->display, cx->line, cx->col,
                         "context \"%s\": user \"%s\" not found in %s", cx->name, cx->user,
                         kc->files_desc);
            return -1;
        }
    }
    const struct kc_origin *clo = &kc->origins[cl->origin];
    if (cl->server == NULL) {
        error_set_at(err, clo->display, cl->line, cl->col, "cluster \"%s\" has no server",
                     cl->name);
        return -1;
    }
    if (cl->insecure && (cl->ca_file || cl->ca_data)) {
        /* client-go's transport refuses this pair, so kubectl fails on it too. */
        error_set_at(err, clo->display, cl->line, cl->col,
                     "cluster \"%s\": certificate-authority and insecure-skip-tls-verify are "
                     "both set; remove one",
                     cl->name);
        return -1;
    }
    if (check_readable(clo, cl->line, cl->col, "cluster", cl->name, "certificate-authority",
                       cl->ca_file, err) < 0)
        return -1;

    out->name = xstrdup(cx->name);
    out->cluster = xstrdup(cl->name);
    out->user = xstrdup_null(cx->user);
    out->namespace = xstrdup(cx->namespace ? cx->namespace : "default");
    out->server = xstrdup(cl->server);
    out->tls_server_name = xstrdup_null(cl->tls_server_name);
    out->proxy_url = xstrdup_null(cl->proxy_url);
    out->insecure_skip_tls_verify = cl->insecure;
    out->ca_file = xstrdup_null(cl->ca_file);
    out->ca_data = dup_bytes(cl->ca_data, cl->ca_data_len);
    out->ca_data_len = cl->ca_data_len;
    out->origin_file = xstrdup(co->display);
    out->auth = KUBE_AUTH_NONE;
    if (us == NULL)
        return 0;

    const struct kc_origin *uo = &kc->origins[us->origin];
    out->token = xstrdup_null(us->token);
    out->token_file = xstrdup_null(us->token_file);
    out->client_cert_file = xstrdup_null(us->cert_file);
    out->client_cert_data = dup_bytes(us->cert_data, us->cert_data_len);
    out->client_cert_data_len = us->cert_data_len;
    out->client_key_file = xstrdup_null(us->key_file);
    out->client_key_data = dup_bytes(us->key_data, us->key_data_len);
    out->client_key_data_len = us->key_data_len;
    out->username = xstrdup_null(us->username);
    out->password = xstrdup_null(us->password);
    out->auth_provider = xstrdup_null(us->auth_provider);
    out->exec = us->exec ? exec_dup(us->exec) : NULL;

    bool has_cert = us->cert_file || us->cert_data;
    bool has_key = us->key_file || us->key_data;
    if (us->auth_provider)
        out->auth = KUBE_AUTH_AUTH_PROVIDER;
    else if (us->exec)
        out->auth = KUBE_AUTH_EXEC;
    else if (us->token || us->token_file)
        out->auth = KUBE_AUTH_TOKEN;
    else if (us->username || us->password)
        out->auth = KUBE_AUTH_BASIC;
    else if (has_cert || has_key)
        out->auth = KUBE_AUTH_CLIENT_CERT;

    int rc = 0;
    if (has_cert != has_key) {
        error_set_at(err, uo->display, us->line, us->col, "user \"%s\": %s without %s", us->name,
                     has_cert ? "client-certificate" : "client-key",
                     has_cert ? "client-key" : "client-certificate");
        rc = -1;
    }
    if (rc == 0 && us->exec && us->exec->command == NULL) {
        error_set_at(err, uo->display, us->line, us->col, "user \"%s\": exec without a command",
                     us->name);
        rc = -1;
    }
    if (rc == 0 && us->exec && !exec_api_supported(us->exec->api_version)) {
        error_set_at(err, uo->display, us->line, us->col,
                     "user \"%s\": exec apiVersion \"%s\" is not supported (use "
                     "client.authentication.k8s.io/v1 or v1beta1)",
                     us->name, us->exec->api_version ? us->exec->api_version : "");
        rc = -1;
    }
    if (rc == 0)
        rc = check_readable(uo, us->line, us->col, "user", us->name, "tokenFile", us->token_file,
                            err);
    if (rc == 0)
        rc = check_readable(uo, us->line, us->col, "user", us->name, "client-certificate",
                            us->cert_file, err);
    if (rc == 0)
        rc = check_readable(uo, us->line, us->col, "user", us->name, "client-key", us->key_file,
                            err);
    if (rc < 0) {
        kube_context_fini(out);
        return -1;
    }
    return 0;
}

int kube_context_bearer_token(const struct kube_context *ctx, char **out, struct error *err)
{
    *out = NULL;
    /* As client-go: a readable tokenFile wins over the inline token, and is read at each use. */
    if (ctx->token_file) {
        char *data = NULL;
        size_t len = 0;
        struct error tmp;
        error_clear(&tmp);
        if (read_file(ctx->token_file, &data, &len, &tmp) == 0) {
            while (len > 0 && strchr(" \t\r\n", data[len - 1]))
                data[--len] = '\0';
            if (len > 0 && strlen(data) == len) {
                *out = data;
                return 0;
            }
            secret_free(data, len);
            error_set(&tmp, "tokenFile %s is empty", ctx->token_file);
        }
        if (ctx->token == NULL) {
            if (err)
                *err = tmp;
            return -1;
        }
    }
    if (ctx->token) {
        *out = xstrdup(ctx->token);
        return 0;
    }
    error_set(err, "context \"%s\" has no token", ctx->name ? ctx->name : "");
    return -1;
}

void kube_context_copy(struct kube_context *dst, const struct kube_context *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = xstrdup_null(src->name);
    dst->cluster = xstrdup_null(src->cluster);
    dst->user = xstrdup_null(src->user);
    dst->namespace = xstrdup_null(src->namespace);
    dst->server = xstrdup_null(src->server);
    dst->tls_server_name = xstrdup_null(src->tls_server_name);
    dst->proxy_url = xstrdup_null(src->proxy_url);
    dst->insecure_skip_tls_verify = src->insecure_skip_tls_verify;
    dst->ca_file = xstrdup_null(src->ca_file);
    dst->ca_data = dup_bytes(src->ca_data, src->ca_data_len);
    dst->ca_data_len = src->ca_data_len;
    dst->auth = src->auth;
    dst->token = xstrdup_null(src->token);
    dst->token_file = xstrdup_null(src->token_file);
    dst->client_cert_file = xstrdup_null(src->client_cert_file);
    dst->client_cert_data = dup_bytes(src->client_cert_data, src->client_cert_data_len);
    dst->client_cert_data_len = src->client_cert_data_len;
    dst->client_key_file = xstrdup_null(src->client_key_file);
    dst->client_key_data = dup_bytes(src->client_key_data, src->client_key_data_len);
    dst->client_key_data_len = src->client_key_data_len;
    dst->username = xstrdup_null(src->username);
    dst->password = xstrdup_null(src->password);
    dst->exec = src->exec ? exec_dup(src->exec) : NULL;
    dst->origin_file = xstrdup_null(src->origin_file);
    dst->auth_provider = xstrdup_null(src->auth_provider);
}

void kube_context_fini(struct kube_context *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->name);
    free(ctx->cluster);
    free(ctx->user);
    free(ctx->namespace);
    free(ctx->server);
    free(ctx->tls_server_name);
    free(ctx->proxy_url);
    free(ctx->ca_file);
    free(ctx->ca_data);
    secret_free(ctx->token, 0);
    free(ctx->token_file);
    free(ctx->client_cert_file);
    free(ctx->client_cert_data);
    free(ctx->client_key_file);
    secret_free(ctx->client_key_data, ctx->client_key_data_len);
    free(ctx->username);
    secret_free(ctx->password, 0);
    free(ctx->auth_provider);
    exec_free(ctx->exec);
    free(ctx->origin_file);
    memset(ctx, 0, sizeof *ctx);
}
