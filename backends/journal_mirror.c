/* journal_mirror: the local journal copied into ConfigMaps of the target cluster in chunks, with
 * resourceVersion preconditions; and read back for observers. */
#include "cutover/journal_mirror.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/journal.h"
#include "cutover/k8s_body.h"
#include "cutover/log.h"
#include "cutover/xalloc.h"

#define MIRROR_LIST_MAX (64 * 1024 * 1024)
#define MIRROR_RETRIES 4

static const char *mirror_ns(const struct journal_mirror_opts *o)
{
    return o->ns != NULL && o->ns[0] != '\0' ? o->ns : "cutover";
}

/* One ConfigMap of the mirror. */
struct chunk {
    long index;
    char *name;
    char *rv;
    char *text; /* data[JOURNAL_MIRROR_KEY], "" when absent */
};

static void chunks_free(struct chunk *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].rv);
        free(v[i].text);
    }
    free(v);
}

static int chunk_cmp(const void *a, const void *b)
{
    const struct chunk *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

static const char *jget(json_object *o, const char *k)
{
    json_object *v;
    if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* LISTs the mirror's ConfigMaps, sorted by chunk index. */
static int mirror_list(struct k8s_http_conn *c, const struct journal_mirror_opts *o,
                       struct chunk **out, size_t *n, struct error *err)
{
    *out = NULL;
    *n = 0;
    char *path = xasprintf("/api/v1/namespaces/%s/configmaps?labelSelector=%s%%3D%s", mirror_ns(o),
                           "cutover.dev%2Fjournal", o->name);
    struct k8s_body b;
    k8s_body_init(&b, MIRROR_LIST_MAX, false);
    struct k8s_http_req req = {.path = path, .on_body = k8s_body_add, .arg = &b, .timeout_s = 60};
    struct k8s_http_resp resp;
    int rc = k8s_http_do(c, &req, &resp, err);
    free(path);
    if (rc < 0) {
        k8s_body_fini(&b);
        return -EIO;
    }
    json_object *list = b.data ? json_tokener_parse(b.data) : NULL;
    k8s_body_fini(&b);
    json_object *items = NULL;
    if (list == NULL || !json_object_object_get_ex(list, "items", &items) ||
        !json_object_is_type(items, json_type_array)) {
        json_object_put(list);
        error_set(err, "journal mirror %s/%s: the ConfigMap list is not a list", mirror_ns(o),
                  o->name);
        return -EIO;
    }
    size_t cnt = json_object_array_length(items);
    struct chunk *v = xcalloc(cnt ? cnt : 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        json_object *it = json_object_array_get_idx(items, i);
        json_object *meta = NULL, *labels = NULL, *data = NULL;
        json_object_object_get_ex(it, "metadata", &meta);
        if (meta != NULL)
            json_object_object_get_ex(meta, "labels", &labels);
        const char *name = jget(meta, "name"), *rv = jget(meta, "resourceVersion");
        const char *idx = jget(labels, "cutover.dev/chunk");
        char *end = NULL;
        long index = idx ? strtol(idx, &end, 10) : -1;
        if (name == NULL || rv == NULL || idx == NULL || *end != '\0' || index < 0)
            continue; /* not one of ours */
        json_object_object_get_ex(it, "data", &data);
        const char *text = jget(data, JOURNAL_MIRROR_KEY);
        v[k].index = index;
        v[k].name = xstrdup(name);
        v[k].rv = xstrdup(rv);
        v[k].text = xstrdup(text ? text : "");
        k++;
    }
    json_object_put(list);
    qsort(v, k, sizeof *v, chunk_cmp);
    for (size_t i = 0; i < k; i++) {
        if (v[i].index != (long)i) {
            error_set(err, "journal mirror %s/%s: chunk %zu is missing", mirror_ns(o), o->name, i);
            chunks_free(v, k);
            return -EXDEV;
        }
    }
    *out = v;
    *n = k;
    return 0;
}

int journal_mirror_fetch(struct k8s_http_conn *c, const struct journal_mirror_opts *o, char **text,
                         size_t *len, size_t *chunks, struct error *err)
{
    struct chunk *v;
    size_t n;
    *text = NULL;
    *len = 0;
    int rc = mirror_list(c, o, &v, &n, err);
    if (rc < 0)
        return rc;
    struct k8s_body b;
    k8s_body_init(&b, MIRROR_LIST_MAX, false);
    for (size_t i = 0; i < n; i++)
        k8s_body_append(&b, v[i].text, strlen(v[i].text));
    chunks_free(v, n);
    if (chunks != NULL)
        *chunks = n;
    *text = k8s_body_take(&b, len);
    return 0;
}

/* Good records as lines with their seq. */
struct line {
    uint64_t seq;
    char *raw;
};

struct lines {
    struct line *v;
    size_t n;
};

static int lines_record(const struct journal_record *rec, void *ctx)
{
    struct lines *l = ctx;
    l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
    l->v[l->n].seq = rec->seq;
    l->v[l->n].raw = xstrdup(rec->raw);
    l->n++;
    return 0;
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].raw);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* POST (rv NULL) or PUT a chunk holding text. 0, -EEXIST on 409, -EIO. */
static int chunk_write(struct k8s_http_conn *c, const struct journal_mirror_opts *o, long index,
                       const char *rv, const char *text, struct error *err)
{
    json_object *cm = json_object_new_object();
    json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
    json_object *meta = json_object_new_object();
    char *name = xasprintf("%s-journal-%ld", o->name, index);
    char idx[24];
    snprintf(idx, sizeof idx, "%ld", index);
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(meta, "namespace", json_object_new_string(mirror_ns(o)));
    if (rv != NULL)
        json_object_object_add(meta, "resourceVersion", json_object_new_string(rv));
    json_object *labels = json_object_new_object();
    json_object_object_add(labels, "app.kubernetes.io/managed-by",
                           json_object_new_string("cutover"));
    json_object_object_add(labels, JOURNAL_MIRROR_LABEL, json_object_new_string(o->name));
    json_object_object_add(labels, "cutover.dev/chunk", json_object_new_string(idx));
    json_object_object_add(meta, "labels", labels);
    json_object_object_add(cm, "metadata", meta);
    json_object *data = json_object_new_object();
    json_object_object_add(data, JOURNAL_MIRROR_KEY, json_object_new_string(text));
    json_object_object_add(cm, "data", data);
    char *path = rv ? xasprintf("/api/v1/namespaces/%s/configmaps/%s", mirror_ns(o), name)
                    : xasprintf("/api/v1/namespaces/%s/configmaps", mirror_ns(o));
    struct k8s_http_req req = {
        .method = rv ? "PUT" : "POST",
        .path = path,
        .body = json_object_to_json_string_ext(cm, JSON_C_TO_STRING_PLAIN),
        .content_type = "application/json",
        .timeout_s = 60,
    };
    struct k8s_http_resp resp;
    int rc = k8s_http_do(c, &req, &resp, err);
    free(path);
    free(name);
    json_object_put(cm);
    if (rc < 0)
        return resp.status == 409 ? -EEXIST : -EIO;
    return 0;
}

/* One attempt: list, compare with the local lines, append what is missing. */
static int mirror_push_once(struct k8s_http_conn *c, const struct journal_mirror_opts *o,
                            const struct lines *local, struct journal_mirror_status *st,
                            struct error *err)
{
    struct chunk *v;
    size_t n;
    int rc = mirror_list(c, o, &v, &n, err);
    if (rc < 0)
        return rc;
    st->chunks = n;
    /* What the mirror holds must be a prefix of the local journal, line for line. */
    struct k8s_body all;
    k8s_body_init(&all, MIRROR_LIST_MAX, false);
    k8s_body_append(&all, "", 0);
    for (size_t i = 0; i < n; i++)
        k8s_body_append(&all, v[i].text, strlen(v[i].text));
    struct lines remote = {0};
    size_t problems = 0;
    journal_read_text(all.data, all.len, "mirror", lines_record, NULL, &remote, &problems);
    k8s_body_fini(&all);
    rc = 0;
    if (problems > 0) {
        error_set(err, "journal mirror %s/%s holds %zu corrupt line%s: not overwritten",
                  mirror_ns(o), o->name, problems, problems == 1 ? "" : "s");
        rc = -EXDEV;
    }
    for (size_t i = 0; rc == 0 && i < remote.n; i++) {
        if (i >= local->n || strcmp(remote.v[i].raw, local->v[i].raw) != 0) {
            error_set(err,
                      "journal mirror %s/%s differs from the local journal at seq %llu: not "
                      "overwritten (another driver wrote it?)",
                      mirror_ns(o), o->name, (unsigned long long)remote.v[i].seq);
            rc = -EXDEV;
        }
    }
    size_t have = remote.n;
    st->mirrored_seq = have ? remote.v[have - 1].seq : 0;
    lines_free(&remote);
    size_t per = o->chunk_records ? o->chunk_records : JOURNAL_MIRROR_CHUNK_DEFAULT;
    while (rc == 0 && have < local->n) {
        bool append = n > 0 && count_lines(v[n - 1].text) < per;
        size_t room = append ? per - count_lines(v[n - 1].text) : per;
        struct k8s_body text;
        k8s_body_init(&text, MIRROR_LIST_MAX, false);
        k8s_body_append(&text, append ? v[n - 1].text : "", append ? strlen(v[n - 1].text) : 0);
        size_t take = 0;
        for (; take < room && have + take < local->n; take++) {
            k8s_body_append(&text, local->v[have + take].raw, strlen(local->v[have + take].raw));
            k8s_body_append(&text, "\n", 1);
        }
        long index = append ? v[n - 1].index : (long)n;
        rc = chunk_write(c, o, index, append ? v[n - 1].rv : NULL, text.data, err);
        if (rc == 0) {
            /* The next round works from a fresh list: keep it simple and exact. */
            have += take;
            st->pushed += take;
            st->mirrored_seq = local->v[have - 1].seq;
            k8s_body_fini(&text);
            if (have < local->n) {
                chunks_free(v, n);
                rc = mirror_list(c, o, &v, &n, err);
                if (rc < 0)
                    return rc;
                st->chunks = n;
            } else {
                st->chunks = append ? n : n + 1;
            }
        } else {
            k8s_body_fini(&text);
        }
    }
    chunks_free(v, n);
    return rc;
}

int journal_mirror_push(struct k8s_http_conn *c, const struct journal_mirror_opts *o,
                        const char *journal_path, struct journal_mirror_status *st,
                        struct error *err)
{
    struct journal_mirror_status local_st;
    if (st == NULL)
        st = &local_st;
    memset(st, 0, sizeof *st);
    if (o->name == NULL || strlen(o->name) > 63) {
        error_set(err, "journal mirror: the name must be 1 to 63 characters (a label value)");
        return -EINVAL;
    }
    struct lines local = {0};
    int rc = journal_read(journal_path, lines_record, NULL, &local, NULL, err);
    if (rc == -ENOENT) {
        error_clear(err);
        rc = 0;
    }
    if (rc < 0)
        return rc;
    st->local_seq = local.n ? local.v[local.n - 1].seq : 0;
    for (int attempt = 0; attempt < MIRROR_RETRIES; attempt++) {
        error_clear(err);
        rc = mirror_push_once(c, o, &local, st, err);
        if (rc != -EEXIST)
            break; /* 409: someone wrote first: list again and decide again */
    }
    if (rc == -EEXIST)
        error_set(err, "journal mirror %s/%s: changed under us %d times in a row", mirror_ns(o),
                  o->name, MIRROR_RETRIES);
    if (rc < 0)
        log_warn("journal mirror %s/%s behind (%llu of %llu): %s", mirror_ns(o), o->name,
                 (unsigned long long)st->mirrored_seq, (unsigned long long)st->local_seq,
                 err ? err->msg : "");
    lines_free(&local);
    return rc;
}
