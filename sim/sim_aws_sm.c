/* Secrets Manager (JSON 1.1, X-Amz-Target secretsmanager.*): GetSecretValue, DescribeSecret,
 * ListSecrets and PutSecretValue over the scenario's secrets, with versions and the AWSCURRENT /
 * AWSPREVIOUS stages as AWS keeps them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "cutover/xalloc.h"
#include "sim_aws.h"

struct sm_version {
    char id[37];
    char *string;
    bool current;
    bool previous;
    time_t created;
};

struct sm_secret {
    char *name;
    char *arn;
    char *description;
    time_t created;
    time_t changed;
    time_t accessed;
    struct sm_version *v;
    size_t nv;
};

struct sim_aws_sm {
    pthread_mutex_t mu;
    struct sm_secret *s; /* mu */
    size_t n;            /* mu */
};

static void uuid(char out[37])
{
    char r[33];
    sim_aws_random_id("0123456789abcdef", 32, r);
    snprintf(out, 37, "%.8s-%.4s-4%.3s-a%.3s-%.12s", r, r + 8, r + 12, r + 15, r + 18);
}

struct sim_aws_sm *sim_aws_sm_new(const struct sim_aws_spec *spec)
{
    struct sim_aws_sm *m = xcalloc(1, sizeof *m);
    XPTHREAD(pthread_mutex_init(&m->mu, NULL));
    time_t now = time(NULL);
    m->n = spec->nsecrets;
    m->s = xcalloc(m->n ? m->n : 1, sizeof *m->s);
    for (size_t i = 0; i < m->n; i++) {
        const struct sim_aws_secret_spec *sp = &spec->secrets[i];
        struct sm_secret *s = &m->s[i];
        char suffix[7];
        sim_aws_hash_id(sp->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 6,
                        suffix);
        s->name = xstrdup(sp->name);
        s->arn = xasprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", spec->region, spec->account,
                           sp->name, suffix);
        s->description = sp->description ? xstrdup(sp->description) : NULL;
        s->created = s->changed = now - 86400 * 30;
        s->v = xcalloc(1, sizeof *s->v);
        s->nv = 1;
        uuid(s->v[0].id);
        s->v[0].string = xstrdup(sp->string);
        s->v[0].current = true;
        s->v[0].created = s->created;
    }
    return m;
}

void sim_aws_sm_free(struct sim_aws_sm *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        for (size_t j = 0; j < m->s[i].nv; j++) {
            OPENSSL_cleanse(m->s[i].v[j].string, strlen(m->s[i].v[j].string));
            free(m->s[i].v[j].string);
        }
        free(m->s[i].v);
        free(m->s[i].name);
        free(m->s[i].arn);
        free(m->s[i].description);
    }
    free(m->s);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* By name, full ARN, or ARN without the random suffix (as AWS resolves SecretId). */
static struct sm_secret *find(struct sim_aws_sm *m, const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < m->n; i++) {
        struct sm_secret *s = &m->s[i];
        size_t al = strlen(s->arn);
        if (strcmp(s->name, id) == 0 || strcmp(s->arn, id) == 0 ||
            (strlen(id) == al - 7 && strncmp(s->arn, id, al - 7) == 0))
            return s;
    }
    return NULL;
}

static void add_date(struct sim_buf *b, const char *key, time_t t)
{
    sim_buf_addf(b, ",\"%s\":%lld.0", key, (long long)t);
}

static void add_stages(struct sim_buf *b, const struct sm_version *v)
{
    sim_buf_adds(b, "[");
    if (v->current)
        sim_buf_adds(b, "\"AWSCURRENT\"");
    if (v->previous)
        sim_buf_adds(b, v->current ? ",\"AWSPREVIOUS\"" : "\"AWSPREVIOUS\"");
    sim_buf_adds(b, "]");
}

static void add_versions_map(struct sim_buf *b, const char *key, const struct sm_secret *s)
{
    sim_buf_addf(b, ",\"%s\":{", key);
    bool first = true;
    for (size_t j = 0; j < s->nv; j++) {
        if (!s->v[j].current && !s->v[j].previous)
            continue;
        if (!first)
            sim_buf_adds(b, ",");
        first = false;
        sim_buf_add_jstr(b, s->v[j].id);
        sim_buf_adds(b, ":");
        add_stages(b, &s->v[j]);
    }
    sim_buf_adds(b, "}");
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

#define NOT_FOUND "Secrets Manager can't find the specified secret."

static void get_value(struct sim_aws_sm *m, json_object *in, struct sim_buf *b,
                      struct sim_aws_reply *r)
{
    struct sm_secret *s = find(m, jstr(in, "SecretId"));
    if (!s) {
        sim_aws_json_error(r, 400, "ResourceNotFoundException", NOT_FOUND);
        return;
    }
    const char *vid = jstr(in, "VersionId"), *stage = jstr(in, "VersionStage");
    const char *st = stage ? stage : vid ? NULL : "AWSCURRENT";
    struct sm_version *v = NULL;
    for (size_t j = 0; j < s->nv && !v; j++) {
        struct sm_version *x = &s->v[j];
        if (vid && strcmp(x->id, vid) != 0)
            continue;
        if (st && !(strcmp(st, "AWSCURRENT") == 0    ? x->current
                    : strcmp(st, "AWSPREVIOUS") == 0 ? x->previous
                                                     : false))
            continue;
        v = x;
    }
    if (!v) {
        sim_aws_json_error(r, 400, "ResourceNotFoundException",
                           "Secrets Manager can't find the specified secret value for "
                           "VersionId or VersionStage");
        return;
    }
    s->accessed = time(NULL);
    sim_buf_adds(b, "{\"ARN\":");
    sim_buf_add_jstr(b, s->arn);
    sim_buf_adds(b, ",\"Name\":");
    sim_buf_add_jstr(b, s->name);
    sim_buf_adds(b, ",\"VersionId\":");
    sim_buf_add_jstr(b, v->id);
    sim_buf_adds(b, ",\"SecretString\":");
    sim_buf_add_jstr(b, v->string);
    sim_buf_adds(b, ",\"VersionStages\":");
    add_stages(b, v);
    add_date(b, "CreatedDate", v->created);
    sim_buf_adds(b, "}");
    r->status = 200;
}

static void describe_one(const struct sm_secret *s, struct sim_buf *b, const char *versions_key)
{
    sim_buf_adds(b, "{\"ARN\":");
    sim_buf_add_jstr(b, s->arn);
    sim_buf_adds(b, ",\"Name\":");
    sim_buf_add_jstr(b, s->name);
    if (s->description) {
        sim_buf_adds(b, ",\"Description\":");
        sim_buf_add_jstr(b, s->description);
    }
    add_date(b, "LastChangedDate", s->changed);
    if (s->accessed)
        add_date(b, "LastAccessedDate", s->accessed - s->accessed % 86400);
    sim_buf_adds(b, ",\"Tags\":[]");
    add_versions_map(b, versions_key, s);
    add_date(b, "CreatedDate", s->created);
    sim_buf_adds(b, "}");
}

static bool filter_ok(const struct sm_secret *s, json_object *filters, struct sim_aws_reply *r)
{
    if (!filters)
        return true;
    for (size_t i = 0; i < json_object_array_length(filters); i++) {
        json_object *f = json_object_array_get_idx(filters, i), *vals;
        const char *key = jstr(f, "Key");
        if (!key || (strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "all"))) {
            sim_aws_json_error(r, 400, "InvalidParameterException",
                               "the simulator filters ListSecrets by name, description or all");
            return false;
        }
        if (!json_object_object_get_ex(f, "Values", &vals) ||
            !json_object_is_type(vals, json_type_array))
            continue;
        bool any = false;
        for (size_t j = 0; j < json_object_array_length(vals); j++) {
            const char *v = json_object_get_string(json_object_array_get_idx(vals, j));
            bool neg = v && v[0] == '!';
            if (neg)
                v++;
            bool m = false;
            if (v && strcmp(key, "description") != 0)
                m |= strncmp(s->name, v, strlen(v)) == 0;
            if (v && strcmp(key, "name") != 0 && s->description)
                m |= strncmp(s->description, v, strlen(v)) == 0;
            any |= neg ? !m : m;
        }
        if (!any)
            return false;
    }
    return true;
}

static void list(struct sim_aws_sm *m, json_object *in, struct sim_buf *b, struct sim_aws_reply *r)
{
    json_object *mr = NULL, *filters = NULL;
    int max = 100;
    if (in && json_object_object_get_ex(in, "MaxResults", &mr))
        max = json_object_get_int(mr);
    if (max < 1 || max > 100) {
        sim_aws_json_error(r, 400, "InvalidParameterException",
                           "MaxResults must be between 1 and 100");
        return;
    }
    if (in)
        json_object_object_get_ex(in, "Filters", &filters);
    if (filters && !json_object_is_type(filters, json_type_array))
        filters = NULL;
    size_t start = 0;
    const char *tok = jstr(in, "NextToken");
    if (tok) {
        char *end;
        unsigned long v = strtoul(tok + (strncmp(tok, "sim-", 4) == 0 ? 4 : 0), &end, 10);
        if (strncmp(tok, "sim-", 4) != 0 || *end || v > m->n) {
            sim_aws_json_error(r, 400, "InvalidNextTokenException",
                               "You provided an invalid NextToken value.");
            return;
        }
        start = v;
    }
    sim_buf_adds(b, "{\"SecretList\":[");
    int shown = 0;
    size_t i;
    bool first = true;
    for (i = start; i < m->n && shown < max; i++) {
        struct sim_aws_reply fr = {0};
        bool ok = filter_ok(&m->s[i], filters, &fr);
        if (fr.status) {
            *r = fr;
            return;
        }
        if (!ok)
            continue;
        if (!first)
            sim_buf_adds(b, ",");
        first = false;
        describe_one(&m->s[i], b, "SecretVersionsToStages");
        shown++;
    }
    sim_buf_adds(b, "]");
    if (i < m->n)
        sim_buf_addf(b, ",\"NextToken\":\"sim-%zu\"", i);
    sim_buf_adds(b, "}");
    r->status = 200;
}

static void put_value(struct sim_aws_sm *m, json_object *in, struct sim_buf *b,
                      struct sim_aws_reply *r)
{
    struct sm_secret *s = find(m, jstr(in, "SecretId"));
    const char *str = jstr(in, "SecretString");
    const char *token = jstr(in, "ClientRequestToken");
    if (!s) {
        sim_aws_json_error(r, 400, "ResourceNotFoundException", NOT_FOUND);
        return;
    }
    if (!str) {
        sim_aws_json_error(r, 400, "InvalidRequestException",
                           "You must provide either SecretString or SecretBinary (the simulator "
                           "keeps SecretString only).");
        return;
    }
    if (token && (strlen(token) < 32 || strlen(token) > 64)) {
        sim_aws_json_error(r, 400, "InvalidParameterException",
                           "ClientRequestToken must be 32 to 64 characters long.");
        return;
    }
    struct sm_version *v = NULL;
    for (size_t j = 0; token && j < s->nv; j++)
        if (strcmp(s->v[j].id, token) == 0) {
            if (strcmp(s->v[j].string, str) != 0) {
                sim_aws_json_error(r, 400, "ResourceExistsException",
                                   "You can't modify an existing version, you can only create a "
                                   "new version.");
                return;
            }
            v = &s->v[j]; /* idempotent retry */
        }
    if (!v) {
        for (size_t j = 0; j < s->nv; j++) {
            s->v[j].previous = s->v[j].current;
            s->v[j].current = false;
        }
        s->v = xreallocarray(s->v, s->nv + 1, sizeof *s->v);
        v = &s->v[s->nv++];
        memset(v, 0, sizeof *v);
        if (token)
            snprintf(v->id, sizeof v->id, "%s", token);
        else
            uuid(v->id);
        v->string = xstrdup(str);
        v->current = true;
        v->created = s->changed = time(NULL);
    }
    sim_buf_adds(b, "{\"ARN\":");
    sim_buf_add_jstr(b, s->arn);
    sim_buf_adds(b, ",\"Name\":");
    sim_buf_add_jstr(b, s->name);
    sim_buf_adds(b, ",\"VersionId\":");
    sim_buf_add_jstr(b, v->id);
    sim_buf_adds(b, ",\"VersionStages\":");
    add_stages(b, v);
    sim_buf_adds(b, "}");
    r->status = 200;
}

void sim_aws_sm_handle(struct sim_aws_sm *m, const struct sim_aws_call *c, struct sim_aws_reply *r)
{
    json_object *in = NULL;
    if (c->body_len) {
        in = json_tokener_parse(c->body);
        if (!in || !json_object_is_type(in, json_type_object)) {
            json_object_put(in);
            sim_aws_json_error(r, 400, "SerializationException",
                               "the request is not a JSON object");
            return;
        }
    }
    struct sim_buf b = {0};
    XPTHREAD(pthread_mutex_lock(&m->mu));
    if (strcmp(c->action, "GetSecretValue") == 0)
        get_value(m, in, &b, r);
    else if (strcmp(c->action, "DescribeSecret") == 0) {
        struct sm_secret *s = find(m, jstr(in, "SecretId"));
        if (s) {
            describe_one(s, &b, "VersionIdsToStages");
            r->status = 200;
        } else {
            sim_aws_json_error(r, 400, "ResourceNotFoundException", NOT_FOUND);
        }
    } else if (strcmp(c->action, "ListSecrets") == 0)
        list(m, in, &b, r);
    else if (strcmp(c->action, "PutSecretValue") == 0)
        put_value(m, in, &b, r);
    else
        sim_aws_json_error(r, 400, "UnknownOperationException",
                           "the simulator's Secrets Manager serves GetSecretValue, DescribeSecret, "
                           "ListSecrets and PutSecretValue");
    XPTHREAD(pthread_mutex_unlock(&m->mu));
    json_object_put(in);
    if (r->status == 200) {
        free(r->body);
        r->body = sim_buf_take(&b);
        r->content_type = "application/x-amz-json-1.1";
    } else {
        sim_buf_fini(&b);
    }
}
