/* k8s_lease: the runbook driver's Lease (coordination.k8s.io/v1) with resourceVersion
 * preconditions: create with POST, take over / renew / release with PUT of the object as read;
 * a 409 means re-read and decide again, never overwrite. */
#include "cutover/k8s_lease.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cutover/journal.h"
#include "cutover/k8s_body.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#define LEASE_BODY_MAX (256 * 1024)
#define LEASE_RETRIES 5

static const char *lease_ns(const struct k8s_lease_opts *o)
{
    return o->ns != NULL && o->ns[0] != '\0' ? o->ns : "cutover";
}

static int lease_duration(const struct k8s_lease_opts *o)
{
    return o->duration_s > 0 ? o->duration_s : K8S_LEASE_DURATION_DEFAULT;
}

/* This process's identity and session, computed once when the caller gives none. */
static const char *lease_identity(const struct k8s_lease_opts *o, char *buf, size_t len)
{
    if (o->identity != NULL)
        return o->identity;
    char *who = journal_who();
    snprintf(buf, len, "%s", who);
    free(who);
    return buf;
}

static long long lease_started; /* set once by lease_start_once (pthread_once) */
static pthread_once_t lease_once = PTHREAD_ONCE_INIT;

static void lease_start_once(void)
{
    lease_started = (long long)time(NULL);
}

static const char *lease_session(const struct k8s_lease_opts *o, char *buf, size_t len)
{
    if (o->session != NULL)
        return o->session;
    XPTHREAD(pthread_once(&lease_once, lease_start_once));
    snprintf(buf, len, "pid-%ld-%lld", (long)getpid(), lease_started);
    return buf;
}

/* RFC 3339 / MicroTime "2026-11-23T14:02:11.123456Z" (or with an offset) to unix seconds. */
static int64_t lease_parse_time(const char *s)
{
    if (s == NULL)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const char *p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    int64_t off = 0;
    if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
        int hh = 0, mm = 0;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
            off = (int64_t)(hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
    }
    return (int64_t)timegm(&tm) - off;
}

static void lease_format_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

static const char *jstr(json_object *o, const char *a, const char *b)
{
    json_object *x = NULL, *y = NULL;
    if (!json_object_object_get_ex(o, a, &x))
        return NULL;
    if (b == NULL)
        return json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
    if (!json_object_object_get_ex(x, b, &y) || !json_object_is_type(y, json_type_string))
        return NULL;
    return json_object_get_string(y);
}

/* Decodes a Lease object; returns the parsed object (caller puts it) or NULL. */
static json_object *lease_decode(const char *text, struct k8s_lease_info *out)
{
    memset(out, 0, sizeof *out);
    json_object *o = json_tokener_parse(text);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return NULL;
    }
    out->exists = true;
    json_object *meta = NULL, *spec = NULL, *ann = NULL, *v = NULL;
    json_object_object_get_ex(o, "metadata", &meta);
    json_object_object_get_ex(o, "spec", &spec);
    const char *rv = meta ? jstr(meta, "resourceVersion", NULL) : NULL;
    snprintf(out->rv, sizeof out->rv, "%s", rv ? rv : "");
    if (meta && json_object_object_get_ex(meta, "annotations", &ann) &&
        json_object_object_get_ex(ann, K8S_LEASE_SESSION_ANNOTATION, &v) &&
        json_object_is_type(v, json_type_string))
        snprintf(out->session, sizeof out->session, "%s", json_object_get_string(v));
    if (spec != NULL) {
        const char *h = jstr(spec, "holderIdentity", NULL);
        snprintf(out->holder, sizeof out->holder, "%s", h ? h : "");
        if (json_object_object_get_ex(spec, "leaseDurationSeconds", &v))
            out->duration_s = json_object_get_int(v);
        if (json_object_object_get_ex(spec, "leaseTransitions", &v))
            out->transitions = json_object_get_int(v);
        out->acquired = lease_parse_time(jstr(spec, "acquireTime", NULL));
        out->renewed = lease_parse_time(jstr(spec, "renewTime", NULL));
    }
    return o;
}

static char *lease_path(const struct k8s_lease_opts *o, bool item)
{
    if (item)
        return xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", lease_ns(o),
                         o->name);
    return xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases", lease_ns(o));
}

/* GET into *obj (caller puts it) and *out. 0, -ENOENT, or -EIO with err. */
static int lease_get(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                     struct k8s_lease_info *out, json_object **obj, struct error *err)
{
    char *path = lease_path(o, true);
    struct k8s_body b;
    k8s_body_init(&b, LEASE_BODY_MAX, false);
    struct k8s_http_req req = {.path = path, .on_body = k8s_body_add, .arg = &b, .timeout_s = 30};
    struct k8s_http_resp resp;
    int rc = k8s_http_do(c, &req, &resp, err);
    free(path);
    memset(out, 0, sizeof *out);
    if (rc < 0) {
        k8s_body_fini(&b);
        return resp.status == 404 ? -ENOENT : -EIO;
    }
    json_object *j = b.data ? lease_decode(b.data, out) : NULL;
    k8s_body_fini(&b);
    if (j == NULL) {
        error_set(err, "Lease %s/%s: the answer is not a Lease object", lease_ns(o), o->name);
        return -EIO;
    }
    if (obj != NULL)
        *obj = j;
    else
        json_object_put(j);
    return 0;
}

int k8s_lease_read(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                   struct k8s_lease_info *out, struct error *err)
{
    return lease_get(c, o, out, NULL, err);
}

bool k8s_lease_expired(const struct k8s_lease_info *l, int64_t now)
{
    if (!l->exists || l->holder[0] == '\0')
        return true;
    int64_t last = l->renewed ? l->renewed : l->acquired;
    int d = l->duration_s > 0 ? l->duration_s : K8S_LEASE_DURATION_DEFAULT;
    return last == 0 || last + d < now;
}

bool k8s_lease_is_ours(const struct k8s_lease_info *l, const struct k8s_lease_opts *o)
{
    char ib[256], sb[128];
    return l->exists && strcmp(l->holder, lease_identity(o, ib, sizeof ib)) == 0 &&
           strcmp(l->session, lease_session(o, sb, sizeof sb)) == 0;
}

/* Sets holder, session, times and duration on a Lease object (creating spec/metadata). */
static void lease_fill(json_object *obj, const struct k8s_lease_opts *o, bool acquire, bool release,
                       int transitions, int64_t now)
{
    char ib[256], sb[128], ts[40];
    json_object *meta = NULL, *spec = NULL, *ann = NULL;
    if (!json_object_object_get_ex(obj, "metadata", &meta)) {
        meta = json_object_new_object();
        json_object_object_add(obj, "metadata", meta);
    }
    if (!json_object_object_get_ex(obj, "spec", &spec) ||
        !json_object_is_type(spec, json_type_object)) {
        spec = json_object_new_object();
        json_object_object_add(obj, "spec", spec);
    }
    if (!json_object_object_get_ex(meta, "annotations", &ann) ||
        !json_object_is_type(ann, json_type_object)) {
        ann = json_object_new_object();
        json_object_object_add(meta, "annotations", ann);
    }
    lease_format_time(now, ts, sizeof ts);
    if (release) {
        json_object_object_add(spec, "holderIdentity", json_object_new_string(""));
        json_object_object_add(spec, "leaseDurationSeconds", json_object_new_int(1));
        json_object_object_add(ann, K8S_LEASE_SESSION_ANNOTATION, json_object_new_string(""));
        json_object_object_add(spec, "renewTime", json_object_new_string(ts));
        return;
    }
    json_object_object_add(spec, "holderIdentity",
                           json_object_new_string(lease_identity(o, ib, sizeof ib)));
    json_object_object_add(ann, K8S_LEASE_SESSION_ANNOTATION,
                           json_object_new_string(lease_session(o, sb, sizeof sb)));
    json_object_object_add(spec, "leaseDurationSeconds", json_object_new_int(lease_duration(o)));
    json_object_object_add(spec, "renewTime", json_object_new_string(ts));
    if (acquire) {
        json_object_object_add(spec, "acquireTime", json_object_new_string(ts));
        json_object_object_add(spec, "leaseTransitions", json_object_new_int(transitions));
    }
}

/* POST (create) or PUT (update, the object carrying its resourceVersion) of obj; on success
 * *out is the Lease as the server stored it. 0, -EEXIST (409: someone wrote first), -ENOENT
 * (404: the namespace or the Lease is gone), -EIO. */
static int lease_write(struct k8s_http_conn *c, const struct k8s_lease_opts *o, bool create,
                       json_object *obj, struct k8s_lease_info *out, struct error *err)
{
    char *path = lease_path(o, !create);
    const char *body = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    struct k8s_body b;
    k8s_body_init(&b, LEASE_BODY_MAX, false);
    struct k8s_http_req req = {.method = create ? "POST" : "PUT",
                               .path = path,
                               .body = body,
                               .content_type = "application/json",
                               .on_body = k8s_body_add,
                               .arg = &b,
                               .timeout_s = 30};
    struct k8s_http_resp resp;
    int rc = k8s_http_do(c, &req, &resp, err);
    free(path);
    if (rc < 0) {
        k8s_body_fini(&b);
        if (resp.status == 409)
            return -EEXIST;
        if (resp.status == 404)
            return -ENOENT;
        return -EIO;
    }
    json_object *j = b.data ? lease_decode(b.data, out) : NULL;
    k8s_body_fini(&b);
    if (j == NULL) {
        error_set(err, "Lease %s/%s: the answer to %s is not a Lease", lease_ns(o), o->name,
                  req.method);
        return -EIO;
    }
    json_object_put(j);
    return 0;
}

int k8s_lease_acquire(struct k8s_http_conn *c, const struct k8s_lease_opts *o, bool takeover,
                      struct k8s_lease_info *out, struct error *err)
{
    char ib[256];
    const char *me = lease_identity(o, ib, sizeof ib);
    for (int attempt = 0; attempt < LEASE_RETRIES; attempt++) {
        struct k8s_lease_info cur;
        json_object *obj = NULL;
        int rc = lease_get(c, o, &cur, &obj, err);
        int64_t now = (int64_t)time(NULL);
        if (rc == -ENOENT) {
            error_clear(err);
            obj = json_object_new_object();
            json_object_object_add(obj, "apiVersion",
                                   json_object_new_string("coordination.k8s.io/v1"));
            json_object_object_add(obj, "kind", json_object_new_string("Lease"));
            json_object *meta = json_object_new_object();
            json_object_object_add(meta, "name", json_object_new_string(o->name));
            json_object_object_add(meta, "namespace", json_object_new_string(lease_ns(o)));
            json_object_object_add(obj, "metadata", meta);
            lease_fill(obj, o, true, false, 0, now);
            rc = lease_write(c, o, true, obj, out, err);
            json_object_put(obj);
            if (rc == -EEXIST) {
                error_clear(err);
                continue; /* created by someone else meanwhile: read it and decide again */
            }
            if (rc == -ENOENT) {
                error_set(err,
                          "namespace %s does not exist in the target cluster: create it "
                          "(kubectl create namespace %s) or set lease.namespace in the runbook",
                          lease_ns(o), lease_ns(o));
                return -ENOENT;
            }
            if (rc == 0)
                log_info("lease %s/%s: acquired (created) by %s", lease_ns(o), o->name, me);
            return rc;
        }
        if (rc < 0)
            return rc;
        *out = cur;
        bool ours = k8s_lease_is_ours(&cur, o);
        if (!ours && !k8s_lease_expired(&cur, now)) {
            json_object_put(obj);
            char d[300];
            error_set(err, "the runbook is driven elsewhere: Lease %s/%s %s", lease_ns(o), o->name,
                      k8s_lease_describe(&cur, now, d, sizeof d));
            return -EBUSY;
        }
        bool free_lease = cur.holder[0] == '\0';
        if (!ours && !free_lease && !takeover) {
            json_object_put(obj);
            char d[300];
            error_set(err, "Lease %s/%s %s: take over only after confirming its holder is gone",
                      lease_ns(o), o->name, k8s_lease_describe(&cur, now, d, sizeof d));
            return -ESTALE;
        }
        /* Ours (renew), free, or expired and confirmed: write on top of the version read. */
        lease_fill(obj, o, !ours, false, ours ? cur.transitions : cur.transitions + 1, now);
        rc = lease_write(c, o, false, obj, out, err);
        json_object_put(obj);
        if (rc == -EEXIST || rc == -ENOENT) {
            error_clear(err);
            continue; /* changed or deleted since we read it: decide again */
        }
        if (rc == 0 && !ours)
            log_info("lease %s/%s: acquired by %s%s%s", lease_ns(o), o->name, me,
                     free_lease ? "" : " taking over from ", free_lease ? "" : cur.holder);
        return rc;
    }
    error_set(err, "Lease %s/%s: changed under us %d times in a row; try again", lease_ns(o),
              o->name, LEASE_RETRIES);
    return -EAGAIN;
}

/* Renew or release: read, check it is still ours, PUT on that version; 409 -> again. */
static int lease_update_ours(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                             struct k8s_lease_info *held, bool release, struct error *err)
{
    for (int attempt = 0; attempt < LEASE_RETRIES; attempt++) {
        struct k8s_lease_info cur;
        json_object *obj = NULL;
        int rc = lease_get(c, o, &cur, &obj, err);
        if (rc == -ENOENT) {
            memset(held, 0, sizeof *held);
            error_set(err, "Lease %s/%s was deleted: this terminal no longer drives the runbook",
                      lease_ns(o), o->name);
            return -EBUSY;
        }
        if (rc < 0)
            return rc;
        if (!k8s_lease_is_ours(&cur, o)) {
            json_object_put(obj);
            *held = cur;
            char d[300];
            error_set(err, "Lease %s/%s is no longer ours: %s", lease_ns(o), o->name,
                      k8s_lease_describe(&cur, (int64_t)time(NULL), d, sizeof d));
            return -EBUSY;
        }
        lease_fill(obj, o, false, release, cur.transitions, (int64_t)time(NULL));
        rc = lease_write(c, o, false, obj, held, err);
        json_object_put(obj);
        if (rc == -EEXIST) {
            error_clear(err);
            continue;
        }
        return rc == -ENOENT ? -EBUSY : rc;
    }
    error_set(err, "Lease %s/%s: changed under us %d times in a row", lease_ns(o), o->name,
              LEASE_RETRIES);
    return -EAGAIN;
}

int k8s_lease_renew(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                    struct k8s_lease_info *held, struct error *err)
{
    return lease_update_ours(c, o, held, false, err);
}

int k8s_lease_release(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                      struct k8s_lease_info *held, struct error *err)
{
    int rc = lease_update_ours(c, o, held, true, err);
    if (rc == 0)
        log_info("lease %s/%s: released", lease_ns(o), o->name);
    return rc;
}

const char *k8s_lease_describe(const struct k8s_lease_info *l, int64_t now, char *buf, size_t len)
{
    char tmp[400];
    if (!l->exists || l->holder[0] == '\0') {
        snprintf(buf, len, "is free");
        return buf;
    }
    char since[40] = "?";
    if (l->acquired > 0) {
        time_t t = (time_t)l->acquired;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    int64_t last = l->renewed ? l->renewed : l->acquired;
    int d = l->duration_s > 0 ? l->duration_s : K8S_LEASE_DURATION_DEFAULT;
    int64_t left = last + d - now;
    if (left >= 0)
        snprintf(tmp, sizeof tmp, "is held by %s since %s, renewed %llds ago, expires in %llds",
                 l->holder, since, (long long)(now - last), (long long)left);
    else
        snprintf(tmp, sizeof tmp, "was held by %s since %s and expired %llds ago", l->holder, since,
                 (long long)-left);
    text_sanitize_buf(tmp, buf, len);
    return buf;
}
