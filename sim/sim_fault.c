#include "sim_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cutover/xalloc.h"
#include "sim_buf.h"

static const char *const kind_names[] = {
    [SIM_FAULT_DOWN] = "down",         [SIM_FAULT_LATENCY] = "latency",
    [SIM_FAULT_ERROR] = "error",       [SIM_FAULT_429] = "429",
    [SIM_FAULT_DROP] = "drop",         [SIM_FAULT_TRUNCATE] = "truncate",
    [SIM_FAULT_WATCH410] = "watch410", [SIM_FAULT_LIST410] = "list410",
    [SIM_FAULT_PARTIAL] = "partial",   [SIM_FAULT_INVALID] = "invalid",
};

void sim_fault_init(struct sim_faults *f)
{
    memset(f, 0, sizeof *f);
    XPTHREAD(pthread_mutex_init(&f->mu, NULL));
    f->next_id = 1;
}

void sim_fault_fini(struct sim_faults *f)
{
    free(f->v);
    pthread_mutex_destroy(&f->mu);
}

static int int_field(json_object *o, const char *key, int def, int min, int max, int *out,
                     struct error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
        *out = def;
        return 0;
    }
    if (!json_object_is_type(v, json_type_int)) {
        error_set(err, "fault field \"%s\" must be a number", key);
        return -1;
    }
    int64_t x = json_object_get_int64(v);
    if (x < min || x > max) {
        error_set(err, "fault field \"%s\" must be from %d to %d", key, min, max);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int str_field(json_object *o, const char *key, char *out, size_t len, struct error *err)
{
    json_object *v;
    out[0] = '\0';
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string) || strlen(json_object_get_string(v)) >= len) {
        error_set(err, "fault field \"%s\" must be a (short) string", key);
        return -1;
    }
    snprintf(out, len, "%s", json_object_get_string(v));
    return 0;
}

int sim_fault_push(struct sim_faults *f, const char *json, struct error *err)
{
    json_object *o = json_tokener_parse(json);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        error_set(err, "a fault must be a JSON object");
        return -1;
    }
    struct sim_fault fl = {0};
    char kind[32];
    int rc = -1;
    if (str_field(o, "fault", kind, sizeof kind, err) < 0 ||
        str_field(o, "cluster", fl.cluster, sizeof fl.cluster, err) < 0 ||
        str_field(o, "path", fl.path, sizeof fl.path, err) < 0 ||
        int_field(o, "count", -1, 1, 1000000000, &fl.count, err) < 0 ||
        int_field(o, "ms", 1000, 0, 600000, &fl.ms, err) < 0 ||
        int_field(o, "status", 0, 100, 599, &fl.status, err) < 0 ||
        int_field(o, "retry_after", 1, 0, 3600, &fl.retry_after, err) < 0 ||
        str_field(o, "service", fl.service, sizeof fl.service, err) < 0 ||
        str_field(o, "action", fl.action, sizeof fl.action, err) < 0 ||
        str_field(o, "code", fl.code, sizeof fl.code, err) < 0 ||
        int_field(o, "apply", 1, 0, 1000, &fl.apply, err) < 0)
        goto out;
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        static const char *known[] = {"fault",       "cluster", "path",   "count", "ms",   "status",
                                      "retry_after", "service", "action", "code",  "apply"};
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok) {
            error_set(err, "unknown fault field \"%s\"", key);
            goto out;
        }
    }
    size_t k;
    for (k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++)
        if (strcmp(kind, kind_names[k]) == 0)
            break;
    if (k == sizeof kind_names / sizeof kind_names[0]) {
        error_set(err,
                  "unknown fault \"%s\" (down, latency, error, 429, drop, truncate, "
                  "watch410, list410, partial, invalid)",
                  kind);
        goto out;
    }
    fl.kind = (enum sim_fault_kind)k;
    if (fl.service[0]) {
        static const char *svcs[] = {"route53", "elasticloadbalancing", "sts", "sso",
                                     "secretsmanager"};
        bool ok = false;
        for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++)
            ok |= strcmp(fl.service, svcs[i]) == 0;
        if (!ok) {
            error_set(err,
                      "unknown service \"%s\" (route53, elasticloadbalancing, sts, sso, "
                      "secretsmanager)",
                      fl.service);
            goto out;
        }
        if (fl.kind != SIM_FAULT_DOWN && fl.kind != SIM_FAULT_LATENCY &&
            fl.kind != SIM_FAULT_ERROR && fl.kind != SIM_FAULT_DROP &&
            fl.kind != SIM_FAULT_PARTIAL && fl.kind != SIM_FAULT_429) {
            error_set(err, "AWS faults are down, latency, error, 429, drop or partial");
            goto out;
        }
    } else if (fl.kind == SIM_FAULT_PARTIAL || fl.action[0] || fl.code[0]) {
        error_set(err, "partial, action and code are for AWS faults: give a service");
        goto out;
    }
    if (fl.kind == SIM_FAULT_PARTIAL && fl.status == 0)
        fl.status = 500;
    if (fl.kind == SIM_FAULT_ERROR && fl.status == 0)
        fl.status = 500;
    if (fl.kind == SIM_FAULT_429)
        fl.status = 429;
    XPTHREAD(pthread_mutex_lock(&f->mu));
    fl.id = f->next_id++;
    f->v = xreallocarray(f->v, f->n + 1, sizeof *f->v);
    f->v[f->n++] = fl;
    XPTHREAD(pthread_mutex_unlock(&f->mu));
    rc = fl.id;
out:
    json_object_put(o);
    return rc;
}

int sim_fault_drop(struct sim_faults *f, int id)
{
    int rc = -1;
    XPTHREAD(pthread_mutex_lock(&f->mu));
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].id == id) {
            memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof *f->v);
            f->n--;
            rc = 0;
            break;
        }
    }
    XPTHREAD(pthread_mutex_unlock(&f->mu));
    return rc;
}

void sim_fault_clear_all(struct sim_faults *f)
{
    XPTHREAD(pthread_mutex_lock(&f->mu));
    f->n = 0;
    XPTHREAD(pthread_mutex_unlock(&f->mu));
}

/* Uses up one of fault i's count (mu held); removes it at zero. Returns whether i moved. */
static bool use(struct sim_faults *f, size_t i)
{
    if (f->v[i].count < 0)
        return false;
    if (--f->v[i].count > 0)
        return false;
    memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof *f->v);
    f->n--;
    return true;
}

void sim_fault_match(struct sim_faults *f, const char *cluster, const char *path, bool watch,
                     bool continued_list, struct sim_fault_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    XPTHREAD(pthread_mutex_lock(&f->mu));
    for (size_t i = 0; i < f->n;) {
        struct sim_fault *fl = &f->v[i];
        bool applies = !fl->service[0] && (!fl->cluster[0] || strcmp(fl->cluster, cluster) == 0) &&
                       (!fl->path[0] || strstr(path, fl->path));
        if (fl->kind == SIM_FAULT_WATCH410 && !watch)
            applies = false;
        if (fl->kind == SIM_FAULT_LIST410 && !continued_list)
            applies = false;
        if (!applies) {
            i++;
            continue;
        }
        switch (fl->kind) {
        case SIM_FAULT_DOWN:
            hit->down = true;
            break;
        case SIM_FAULT_LATENCY:
            hit->latency_ms += fl->ms;
            break;
        case SIM_FAULT_ERROR:
        case SIM_FAULT_429:
            if (!hit->status) {
                hit->status = fl->status;
                hit->retry_after = fl->retry_after;
            }
            break;
        case SIM_FAULT_DROP:
            hit->drop = true;
            break;
        case SIM_FAULT_TRUNCATE:
            hit->truncate = true;
            break;
        case SIM_FAULT_WATCH410:
            hit->watch410 = true;
            break;
        case SIM_FAULT_LIST410:
            hit->list410 = true;
            break;
        case SIM_FAULT_PARTIAL:
            break;
        case SIM_FAULT_INVALID:
            hit->invalid = true;
            break;
        }
        if (!use(f, i))
            i++;
    }
    XPTHREAD(pthread_mutex_unlock(&f->mu));
}

void sim_fault_match_aws(struct sim_faults *f, const char *service, const char *action,
                         struct sim_fault_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    XPTHREAD(pthread_mutex_lock(&f->mu));
    for (size_t i = 0; i < f->n;) {
        struct sim_fault *fl = &f->v[i];
        if (!fl->service[0] || strcmp(fl->service, service) != 0 ||
            (fl->action[0] && strcmp(fl->action, action) != 0)) {
            i++;
            continue;
        }
        switch (fl->kind) {
        case SIM_FAULT_DOWN:
            hit->down = true;
            break;
        case SIM_FAULT_LATENCY:
            hit->latency_ms += fl->ms;
            break;
        case SIM_FAULT_DROP:
            hit->drop = true;
            break;
        case SIM_FAULT_PARTIAL:
        case SIM_FAULT_ERROR:
        case SIM_FAULT_429:
            if (!hit->status) {
                hit->status = fl->status;
                hit->partial = fl->kind == SIM_FAULT_PARTIAL;
                hit->apply = fl->apply;
                snprintf(hit->code, sizeof hit->code, "%s", fl->code);
            }
            break;
        default:
            break;
        }
        if (!use(f, i))
            i++;
    }
    XPTHREAD(pthread_mutex_unlock(&f->mu));
}

bool sim_fault_refuse(struct sim_faults *f, const char *cluster)
{
    bool refuse = false;
    XPTHREAD(pthread_mutex_lock(&f->mu));
    for (size_t i = 0; i < f->n; i++) {
        struct sim_fault *fl = &f->v[i];
        if (fl->kind == SIM_FAULT_DOWN && !fl->path[0] && !fl->service[0] &&
            (!fl->cluster[0] || strcmp(fl->cluster, cluster) == 0)) {
            refuse = true;
            use(f, i);
            break;
        }
    }
    XPTHREAD(pthread_mutex_unlock(&f->mu));
    return refuse;
}

char *sim_fault_list_json(struct sim_faults *f)
{
    struct sim_buf b = {0};
    sim_buf_add(&b, "[", 1);
    XPTHREAD(pthread_mutex_lock(&f->mu));
    for (size_t i = 0; i < f->n; i++) {
        const struct sim_fault *fl = &f->v[i];
        sim_buf_addf(&b, "%s{\"id\":%d,\"fault\":\"%s\",\"cluster\":", i ? "," : "", fl->id,
                     kind_names[fl->kind]);
        sim_buf_add_jstr(&b, fl->cluster);
        sim_buf_adds(&b, ",\"path\":");
        sim_buf_add_jstr(&b, fl->path);
        sim_buf_addf(&b, ",\"count\":%d,\"ms\":%d,\"status\":%d,\"retry_after\":%d", fl->count,
                     fl->ms, fl->status, fl->retry_after);
        if (fl->service[0]) {
            sim_buf_adds(&b, ",\"service\":");
            sim_buf_add_jstr(&b, fl->service);
            sim_buf_adds(&b, ",\"action\":");
            sim_buf_add_jstr(&b, fl->action);
            sim_buf_addf(&b, ",\"apply\":%d", fl->apply);
        }
        sim_buf_add(&b, "}", 1);
    }
    XPTHREAD(pthread_mutex_unlock(&f->mu));
    sim_buf_add(&b, "]", 1);
    return sim_buf_take(&b);
}
