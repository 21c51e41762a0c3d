/* Reading Secrets, ConfigMaps, External Secrets and Secrets Manager for drift, never keeping a
 * value: list pages are collected in a buffer that is wiped whenever it moves or is done with,
 * decoded in place (values hashed, then overwritten) and the curl chunk each piece came in is
 * overwritten too. */
#include "cutover/drift_reader.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cutover/aws_http.h"
#include "cutover/k8s_body.h"
#include "cutover/log.h"
#include "cutover/secret_hash.h"
#include "cutover/xalloc.h"

/* ---- a body buffer that never leaves a copy behind ---------------------------------------------
 */

#define BODY_MAX (256u * 1024u * 1024u)

#define ACCEPT_TABLE "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"

static int get_as(struct k8s_http_conn *conn, const char *path, const char *accept,
                  struct k8s_body *b, long *status, struct error *err)
{
    /* everything read here may hold values: never gzip (zlib's window is not ours to wipe) */
    struct k8s_http_req req = {.path = path,
                               .accept = accept,
                               .on_body = k8s_body_add,
                               .arg = b,
                               .low_speed_s = 30,
                               .timeout_s = 120,
                               .identity = true};
    struct k8s_http_resp resp = {0};
    b->len = 0;
    int rc = k8s_http_do(conn, &req, &resp, err);
    if (status)
        *status = resp.status;
    if (b->too_big) {
        error_set(err, "%s: the answer is larger than %u MiB", path, BODY_MAX >> 20);
        return -1;
    }
    return rc;
}

static int get(struct k8s_http_conn *conn, const char *path, struct k8s_body *b, long *status,
               struct error *err)
{
    return get_as(conn, path, NULL, b, status, err);
}

/* One page of a Secret list as a Table (metadata mode: the API sends no value at all): the Type
 * cell and each row's PartialObjectMetadata. Returns the rows that could not be used, or -1. */
static int table_decode(const char *body, struct drift_side *side, char **cont, struct error *err)
{
    *cont = NULL;
    json_object *o = json_tokener_parse(body);
    json_object *cols = NULL, *rows = NULL, *meta = NULL, *c = NULL;
    if (!o || !json_object_object_get_ex(o, "rows", &rows) ||
        !json_object_is_type(rows, json_type_array)) {
        json_object_put(o);
        error_set(err, "the answer is not a Table");
        return -1;
    }
    if (json_object_object_get_ex(o, "metadata", &meta) &&
        json_object_object_get_ex(meta, "continue", &c) && *json_object_get_string(c))
        *cont = xstrdup(json_object_get_string(c));
    int type_col = -1;
    if (json_object_object_get_ex(o, "columnDefinitions", &cols))
        for (size_t i = 0; i < json_object_array_length(cols); i++) {
            json_object *n = NULL;
            if (json_object_object_get_ex(json_object_array_get_idx(cols, i), "name", &n) &&
                strcmp(json_object_get_string(n), "Type") == 0)
                type_col = (int)i;
        }
    int bad = 0;
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        json_object *row = json_object_array_get_idx(rows, i), *obj = NULL, *cells = NULL;
        if (!json_object_object_get_ex(row, "object", &obj)) {
            bad++;
            continue;
        }
        char *text = xstrdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
        struct drift_item it;
        struct error ierr = {0};
        if (drift_item_decode(DRIFT_SECRET, text, strlen(text), false, &it, &ierr) < 0) {
            bad++;
            free(text);
            continue;
        }
        free(text);
        free(it.type);
        it.type = NULL;
        if (type_col >= 0 && json_object_object_get_ex(row, "cells", &cells) &&
            (size_t)type_col < json_object_array_length(cells))
            it.type =
                xstrdup(json_object_get_string(json_object_array_get_idx(cells, (size_t)type_col)));
        drift_side_add_item(side, &it);
    }
    json_object_put(o);
    return bad;
}

/* ---- one cluster
 * ---------------------------------------------------------------------------------- */

static bool list_items(struct k8s_http_conn *conn, struct drift_side *side,
                       enum drift_obj_kind kind, bool hash, int page_size)
{
    const char *res = kind == DRIFT_SECRET ? "secrets" : "configmaps";
    struct drift_side *tmp = drift_side_new(side->context, side->mode);
    char *cont = NULL;
    bool ok = true;
    int bad = 0;
    for (int page = 0; page < 100000; page++) {
        char path[1024];
        int n = snprintf(path, sizeof path, "/api/v1/%s?limit=%d", res, page_size);
        if (cont) {
            /* continue tokens are base64url-ish: escape what a query cannot hold */
            for (const char *c = cont; *c && n < (int)sizeof path - 4; c++) {
                if (c == cont)
                    n += snprintf(path + n, sizeof path - (size_t)n, "&continue=");
                if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.')
                    path[n++] = *c;
                else
                    n += snprintf(path + n, sizeof path - (size_t)n, "%%%02X", (unsigned char)*c);
            }
            path[n] = '\0';
            free(cont);
            cont = NULL;
        }
        struct k8s_body b;
        k8s_body_init(&b, BODY_MAX, true);
        struct error err = {0};
        bool table = kind == DRIFT_SECRET && !hash;
        if (get_as(conn, path, table ? ACCEPT_TABLE : NULL, &b, NULL, &err) < 0) {
            k8s_body_fini(&b);
            char msg[700];
            drift_side_set_error(side, error_format(&err, msg, sizeof msg));
            ok = false;
            break;
        }
        if (table && b.data)
            drift_secret_text_blank(b.data, b.len); /* before json-c: last-applied, and any data
                                                    a server that ignored the Accept sent */
        int r = table ? table_decode(b.data ? b.data : "", tmp, &cont, &err)
                      : drift_list_decode(kind, b.data ? b.data : (char *)"", b.len, hash, tmp,
                                          &cont, &err);
        k8s_body_fini(&b);
        if (r < 0) {
            char msg[700];
            snprintf(msg, sizeof msg, "%s of %s: %s", res, side->context ? side->context : "?",
                     err.msg);
            drift_side_set_error(side, msg);
            ok = false;
            break;
        }
        bad += r;
        if (!cont)
            break;
    }
    free(cont);
    if (bad)
        log_warn("drift: %s: %d %s could not be decoded and were skipped", side->context, bad, res);
    if (ok) {
        size_t n = kind == DRIFT_SECRET ? tmp->nsecrets : tmp->nconfigmaps;
        struct drift_item *v = kind == DRIFT_SECRET ? tmp->secrets : tmp->configmaps;
        for (size_t i = 0; i < n; i++)
            drift_side_add_item(side, &v[i]);
    }
    drift_side_free(tmp);
    return ok;
}

/* The version to use for external-secrets.io, from its discovery document: v1 when the group
 * lists it (External Secrets Operator v0.17 and later; v1beta1 is deprecated there), else v1beta1
 * (an older operator), else the preferred version. NULL when the API serves none (404), and
 * *failed when the answer could not be had. */
static char *eso_version(struct k8s_http_conn *conn, bool *failed, struct error *err)
{
    struct k8s_body b;
    k8s_body_init(&b, BODY_MAX, true);
    long status = 0;
    *failed = false;
    char *v = NULL;
    if (get(conn, "/apis/external-secrets.io", &b, &status, err) < 0) {
        *failed = status != 404;
        k8s_body_fini(&b);
        return NULL;
    }
    json_object *o = b.data ? json_tokener_parse(b.data) : NULL;
    json_object *pv = NULL, *ver = NULL, *vers = NULL;
    bool has_v1 = false, has_v1beta1 = false;
    if (o && json_object_object_get_ex(o, "versions", &vers) &&
        json_object_is_type(vers, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(vers); i++) {
            json_object *e = json_object_array_get_idx(vers, i), *x = NULL;
            const char *name =
                json_object_object_get_ex(e, "version", &x) ? json_object_get_string(x) : NULL;
            has_v1 = has_v1 || (name && strcmp(name, "v1") == 0);
            has_v1beta1 = has_v1beta1 || (name && strcmp(name, "v1beta1") == 0);
        }
    }
    if (has_v1)
        v = xstrdup("v1");
    else if (has_v1beta1)
        v = xstrdup("v1beta1");
    else if (o && json_object_object_get_ex(o, "preferredVersion", &pv) &&
             json_object_object_get_ex(pv, "version", &ver))
        v = xstrdup(json_object_get_string(ver));
    json_object_put(o);
    k8s_body_fini(&b);
    if (!v)
        *failed = true;
    return v;
}

static bool list_json(struct k8s_http_conn *conn, const char *path, json_object **items,
                      struct error *err)
{
    struct k8s_body b;
    k8s_body_init(&b, BODY_MAX, true);
    *items = NULL;
    if (get(conn, path, &b, NULL, err) < 0) {
        k8s_body_fini(&b);
        return false;
    }
    if (b.data)
        drift_eso_text_blank(b.data, b.len); /* fake-provider values, template literals */
    json_object *o = b.data ? json_tokener_parse(b.data) : NULL;
    k8s_body_fini(&b);
    json_object *it = NULL;
    if (!o || !json_object_object_get_ex(o, "items", &it) ||
        !json_object_is_type(it, json_type_array)) {
        json_object_put(o);
        error_set(err, "%s: not a list", path);
        return false;
    }
    *items = json_object_get(it);
    json_object_put(o);
    return true;
}

static bool read_eso(struct k8s_http_conn *conn, struct drift_side *side)
{
    struct error err = {0};
    bool failed;
    char *ver = eso_version(conn, &failed, &err);
    if (!ver) {
        if (failed) {
            char msg[700];
            drift_side_set_error(side, error_format(&err, msg, sizeof msg));
        }
        return !failed; /* not installed: nothing to read, and that is known */
    }
    side->eso_installed = true;
    static const struct {
        const char *res;
        bool cluster, store;
    } kinds[] = {{"externalsecrets", false, false},
                 {"clusterexternalsecrets", true, false},
                 {"secretstores", false, true},
                 {"clustersecretstores", true, true}};
    bool ok = true;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char path[160];
        snprintf(path, sizeof path, "/apis/external-secrets.io/%s/%s", ver, kinds[k].res);
        json_object *items;
        if (!list_json(conn, path, &items, &err)) {
            char msg[700];
            drift_side_set_error(side, error_format(&err, msg, sizeof msg));
            ok = false;
            continue;
        }
        size_t n = json_object_array_length(items);
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(items, i);
            struct error ierr = {0};
            if (kinds[k].store) {
                struct drift_store st;
                if (drift_store_decode(o, kinds[k].cluster, &st, &ierr) == 0)
                    drift_side_add_store(side, &st);
            } else {
                struct drift_es e;
                if (drift_es_decode(o, kinds[k].cluster, &e, &ierr) == 0)
                    drift_side_add_es(side, &e);
            }
        }
        json_object_put(items);
    }
    free(ver);
    return ok;
}

struct drift_side *drift_reader_read_side(struct k8s_http_conn *conn, const char *context,
                                          bool contents, int page_size)
{
    if (page_size <= 0)
        page_size = 100;
    struct drift_side *s =
        drift_side_new(context, contents ? DRIFT_MODE_CONTENTS : DRIFT_MODE_METADATA);
    /* metadata mode lists Secrets as a Table (names, types, labels, annotations: no data) */
    s->secrets_read = list_items(conn, s, DRIFT_SECRET, contents, page_size);
    s->configmaps_read = list_items(conn, s, DRIFT_CONFIGMAP, true, page_size);
    s->eso_read = read_eso(conn, s);
    drift_side_sort(s);
    return s;
}

/* ---- the source of truth
 * ------------------------------------------------------------------------- */

static bool store_is_sm(const struct drift_side *s, const struct drift_es *e, const char **region)
{
    bool cluster = e->store_kind && strcmp(e->store_kind, "ClusterSecretStore") == 0;
    for (size_t i = 0; e->store_name && i < s->nstores; i++) {
        const struct drift_store *st = &s->stores[i];
        if (st->cluster_scoped != cluster || strcmp(st->name, e->store_name) != 0)
            continue;
        if (!cluster && strcmp(st->ns ? st->ns : "", e->ns ? e->ns : "") != 0)
            continue;
        *region = st->region;
        return st->provider && !strcmp(st->provider, "aws") &&
               (!st->service || !strcmp(st->service, "SecretsManager"));
    }
    return false;
}

static void read_one(struct aws_client *c, const char *id, const char *version, const char *region,
                     struct drift_sot *out)
{
    if (drift_sot_find(out, id, version))
        return;
    json_object *req = json_object_new_object();
    json_object_object_add(req, "SecretId", json_object_new_string(id));
    if (version && strncmp(version, "uuid/", 5) == 0)
        json_object_object_add(req, "VersionId", json_object_new_string(version + 5));
    else if (version)
        json_object_object_add(req, "VersionStage", json_object_new_string(version));
    struct aws_response resp = {0};
    struct error err = {0};
    struct drift_sot_secret v = {0};
    v.secret_id = xstrdup(id);
    v.version = xstrdup_null(version);
    v.region = xstrdup_null(region);
    if (aws_json(c, "secretsmanager.GetSecretValue", json_object_to_json_string(req), &resp, &err) <
        0) {
        v.error = xstrdup(err.msg);
    } else if (drift_sot_decode(resp.body ? resp.body : (char *)"", resp.len, &v, &err) < 0) {
        v.error = xstrdup(err.msg);
    }
    if (resp.body)
        secret_hash_wipe(resp.body, resp.len);
    aws_response_fini(&resp);
    json_object_put(req);
    drift_sot_add(out, &v);
}

void drift_reader_read_sot(struct drift_side *const sides[2], const struct drift_config *cfg,
                           bool read_only, struct drift_sot *out)
{
    memset(out, 0, sizeof *out);
    if (cfg && cfg->sot_disabled)
        return;
    struct {
        char *region;
        struct aws_client *c;
    } clients[8];
    size_t nclients = 0;
    for (int s = 0; s < 2; s++) {
        if (!sides[s] || sides[s]->mode != DRIFT_MODE_CONTENTS)
            continue; /* nothing to compare it with */
        for (size_t i = 0; i < sides[s]->nes; i++) {
            const struct drift_es *e = &sides[s]->es[i];
            const char *region = NULL;
            if (!store_is_sm(sides[s], e, &region) || e->has_template || e->has_find)
                continue;
            if (cfg && cfg->aws_region)
                region = cfg->aws_region;
            struct aws_client *c = NULL;
            for (size_t k = 0; k < nclients && !c; k++)
                if (!strcmp(clients[k].region ? clients[k].region : "", region ? region : ""))
                    c = clients[k].c;
            if (!c && nclients < sizeof clients / sizeof clients[0]) {
                struct aws_client_opts o = {.service = "secretsmanager",
                                            .region = region,
                                            .endpoint = cfg ? cfg->aws_endpoint : NULL,
                                            .profile = cfg ? cfg->aws_profile : NULL,
                                            .read_only = read_only};
                struct error err = {0};
                if (aws_client_new(&o, &c, &err) == 0) {
                    clients[nclients].region = xstrdup_null(region);
                    clients[nclients].c = c;
                    nclients++;
                }
            }
            if (!c)
                continue;
            for (size_t k = 0; k < e->nrefs; k++)
                read_one(c, e->refs[k].remote_key, e->refs[k].version, region, out);
            for (size_t k = 0; k < e->nextract; k++)
                read_one(c, e->extract[k], NULL, region, out);
        }
    }
    for (size_t k = 0; k < nclients; k++) {
        aws_client_free(clients[k].c);
        free(clients[k].region);
    }
}

/* ---- actions and the ConfigMap diff
 * ----------------------------------------------------------------- */

int drift_reader_force_sync(struct k8s_http_conn *conn, const char *ns, const char *name,
                            time_t now, struct error *err)
{
    bool failed;
    char *ver = eso_version(conn, &failed, err);
    if (!ver) {
        if (!failed)
            error_set(err, "the cluster serves no external-secrets.io API");
        return -1;
    }
    char path[600], body[128];
    if (ns)
        snprintf(path, sizeof path, "/apis/external-secrets.io/%s/namespaces/%s/externalsecrets/%s",
                 ver, ns, name);
    else
        snprintf(path, sizeof path, "/apis/external-secrets.io/%s/clusterexternalsecrets/%s", ver,
                 name);
    free(ver);
    snprintf(body, sizeof body, "{\"metadata\":{\"annotations\":{\"force-sync\":\"%lld\"}}}",
             (long long)now);
    struct k8s_http_req req = {.method = "PATCH",
                               .path = path,
                               .body = body,
                               .content_type = "application/merge-patch+json",
                               .low_speed_s = 30,
                               .timeout_s = 30};
    struct k8s_http_resp resp = {0};
    return k8s_http_do(conn, &req, &resp, err);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ConfigMap's data as text: "key:" then each line of the value indented by two spaces;
 * binaryData keys say only their size. NULL when it does not exist (404). */
static int cm_text(struct k8s_http_conn *conn, const char *ns, const char *name, char **out,
                   struct error *err)
{
    char path[600];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps/%s", ns, name);
    struct k8s_body b;
    k8s_body_init(&b, BODY_MAX, true);
    long status = 0;
    *out = NULL;
    if (get(conn, path, &b, &status, err) < 0) {
        k8s_body_fini(&b);
        return status == 404 ? 0 : -1;
    }
    json_object *o = b.data ? json_tokener_parse(b.data) : NULL;
    k8s_body_fini(&b);
    json_object *data = NULL, *bin = NULL;
    json_object_object_get_ex(o, "data", &data);
    json_object_object_get_ex(o, "binaryData", &bin);
    size_t nk = 0;
    const char *keys[4096];
    if (data && json_object_is_type(data, json_type_object)) {
        json_object_object_foreach(data, k, v)
        {
            (void)v;
            if (nk < 4096)
                keys[nk++] = k;
        }
    }
    qsort(keys, nk, sizeof *keys, cmp_cstr);
    size_t cap = 256, len = 0;
    char *t = xmalloc(cap);
    t[0] = '\0';
#define APPEND(s, n)                                                                               \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        while (len + n_ + 1 > cap)                                                                 \
            cap *= 2, t = xrealloc(t, cap);                                                        \
        memcpy(t + len, (s), n_);                                                                  \
        len += n_;                                                                                 \
        t[len] = '\0';                                                                             \
    } while (0)
    for (size_t i = 0; i < nk; i++) {
        json_object *v = NULL;
        json_object_object_get_ex(data, keys[i], &v);
        const char *val = v ? json_object_get_string(v) : "";
        APPEND(keys[i], strlen(keys[i]));
        APPEND(":\n", 2);
        for (const char *p = val; *p;) {
            size_t n = strcspn(p, "\n");
            APPEND("  ", 2);
            APPEND(p, n);
            APPEND("\n", 1);
            p += n;
            if (*p == '\n')
                p++;
        }
    }
    if (bin && json_object_is_type(bin, json_type_object)) {
        json_object_object_foreach(bin, k, v)
        {
            char line[512];
            int n = snprintf(line, sizeof line, "%s: (binary, %zu bytes of base64)\n", k,
                             strlen(json_object_get_string(v)));
            APPEND(line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
        }
    }
#undef APPEND
    json_object_put(o);
    *out = t;
    return 0;
}

int drift_reader_configmap_diff(struct k8s_http_conn *source, struct k8s_http_conn *target,
                                const char *ns, const char *name, int context, struct udiff **out,
                                struct error *err)
{
    char *a = NULL, *b = NULL;
    *out = NULL;
    if (cm_text(source, ns, name, &a, err) < 0)
        return -1;
    if (cm_text(target, ns, name, &b, err) < 0) {
        free(a);
        return -1;
    }
    *out = udiff_new(a, a ? strlen(a) : 0, b, b ? strlen(b) : 0, context);
    free(a);
    free(b);
    return 0;
}

/* ---- snapshots
 * --------------------------------------------------------------------------------------- */

struct drift_snapshot *drift_snapshot_new(struct drift_side *source, struct drift_side *target,
                                          struct drift_sot *sot, const struct drift_config *cfg)
{
    struct drift_snapshot *s = xcalloc(1, sizeof *s);
    atomic_init(&s->refs, 1);
    s->side[0] = source;
    s->side[1] = target;
    if (sot) {
        s->sot = *sot;
        memset(sot, 0, sizeof *sot);
    }
    s->report = drift_analyze(source, target, &s->sot, cfg);
    clock_gettime(CLOCK_REALTIME, &s->taken);
    return s;
}

struct drift_snapshot *drift_snapshot_ref(struct drift_snapshot *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void drift_snapshot_unref(struct drift_snapshot *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    drift_report_free(s->report);
    drift_sot_fini(&s->sot);
    drift_side_free(s->side[0]);
    drift_side_free(s->side[1]);
    free(s);
}

/* ---- the background reader
 * ------------------------------------------------------------------------- */

struct drift_reader {
    struct k8s_http *http[2];
    struct drift_config cfg;
    int interval_ms;
    int page_size;
    bool read_only;
    int wake_fd;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;                     /* mu */
    bool want_contents;            /* mu */
    bool kick;                     /* mu: read again now */
    struct drift_snapshot *latest; /* mu */
    uint64_t generation;           /* mu */
    struct k8s_http_conn *conn[2]; /* the thread's own; woken by stop under mu */
};

static bool reader_cancel(void *arg)
{
    struct drift_reader *r = arg;
    pthread_mutex_lock(&r->mu);
    bool stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

static void *reader_main(void *arg)
{
    struct drift_reader *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        if (r->stop) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        bool contents = r->want_contents;
        r->kick = false;
        pthread_mutex_unlock(&r->mu);

        struct drift_side *sides[2];
        for (int s = 0; s < 2; s++)
            sides[s] = drift_reader_read_side(r->conn[s], k8s_http_context(r->http[s]), contents,
                                              r->page_size);
        struct drift_sot sot = {0};
        if (contents)
            drift_reader_read_sot(sides, &r->cfg, r->read_only, &sot);
        struct drift_snapshot *snap = drift_snapshot_new(sides[0], sides[1], &sot, &r->cfg);

        pthread_mutex_lock(&r->mu);
        snap->generation = ++r->generation;
        struct drift_snapshot *old = r->latest;
        r->latest = snap;
        /* a change of mode while reading: read again at once */
        bool again = r->want_contents != contents || r->kick;
        pthread_mutex_unlock(&r->mu);
        drift_snapshot_unref(old);
        if (r->wake_fd >= 0) {
            char c = 'd';
            ssize_t w = write(r->wake_fd, &c, 1);
            (void)w;
        }
        if (again)
            continue;

        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += r->interval_ms / 1000;
        until.tv_nsec += (long)(r->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&r->mu);
        while (!r->stop && !r->kick && r->want_contents == contents)
            if (pthread_cond_timedwait(&r->cond, &r->mu, &until) == ETIMEDOUT)
                break;
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

struct drift_reader *drift_reader_start(struct k8s_http *source, struct k8s_http *target,
                                        const struct drift_reader_opts *opts)
{
    struct drift_reader *r = xcalloc(1, sizeof *r);
    r->http[0] = source;
    r->http[1] = target;
    r->interval_ms = opts && opts->interval_ms > 0 ? opts->interval_ms : 30000;
    r->page_size = opts && opts->page_size > 0 ? opts->page_size : 100;
    r->read_only = opts && opts->read_only;
    r->wake_fd = opts ? opts->wake_fd : -1;
    drift_config_copy(&r->cfg, opts ? opts->cfg : NULL);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    for (int s = 0; s < 2; s++)
        r->conn[s] = k8s_http_conn_new(r->http[s], reader_cancel, r);
    if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
        log_error("drift: cannot start the reader thread");
        for (int s = 0; s < 2; s++)
            k8s_http_conn_free(r->conn[s]);
        drift_config_fini(&r->cfg);
        free(r);
        return NULL;
    }
    return r;
}

void drift_reader_want_contents(struct drift_reader *r, bool on)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    if (r->want_contents != on) {
        r->want_contents = on;
        pthread_cond_signal(&r->cond);
    }
    pthread_mutex_unlock(&r->mu);
}

void drift_reader_refresh(struct drift_reader *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->kick = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

struct drift_snapshot *drift_reader_get(struct drift_reader *r)
{
    if (!r)
        return NULL;
    pthread_mutex_lock(&r->mu);
    struct drift_snapshot *s = drift_snapshot_ref(r->latest);
    pthread_mutex_unlock(&r->mu);
    return s;
}

void drift_reader_stop(struct drift_reader *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
    for (int s = 0; s < 2; s++)
        k8s_http_conn_wake(r->conn[s]);
    pthread_join(r->thread, NULL);
    for (int s = 0; s < 2; s++)
        k8s_http_conn_free(r->conn[s]);
    drift_snapshot_unref(r->latest);
    drift_config_fini(&r->cfg);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- for the runbook (refresh_secret): the served ESO version ------------------------------- */

char *drift_reader_eso_version(struct k8s_http_conn *conn, struct error *err)
{
    bool failed = false;
    char *v = eso_version(conn, &failed, err);
    if (v == NULL && !failed)
        error_set(err, "the cluster serves no external-secrets.io API");
    else if (v == NULL && err->msg[0] == '\0')
        error_set(err, "/apis/external-secrets.io: no preferred version");
    return v;
}
