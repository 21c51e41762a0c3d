/* Incremental reader of Kubernetes protobuf list bodies and watch frames (see k8s_pbscan.h).
 *
 * A list body is read as a small state machine over the envelope: the 4 magic bytes, then the
 * fields of runtime.Unknown; its raw field (the PodList) is entered rather than held, and inside
 * it each field (ListMeta, then every item) is held only until it is complete. Bytes are read
 * straight from the caller's buffer; only an element cut by the end of a piece is copied, so at
 * most one item is ever held. */

#include "cutover/k8s_pbscan.h"

#include "cutover/k8s_decode.h"
#include "cutover/k8s_proto.h"
#include "cutover/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PB_DEFAULT_MAX (16u << 20)

bool k8s_pb_content_type(const char *ctype)
{
    if (ctype == NULL)
        return false;
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    size_t n = strlen(K8S_PROTO_CONTENT_TYPE);
    return strncasecmp(ctype, K8S_PROTO_CONTENT_TYPE, n) == 0 &&
           (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' || ctype[n] == '\r' ||
            ctype[n] == '\n');
}

/* ---- small messages ---------------------------------------------------------------------- */

static void copy_str(char *out, size_t outlen, const unsigned char *p, size_t n)
{
    if (outlen == 0)
        return;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    /* a C string ends at the first NUL, as the JSON path's \u0000 does */
}

int k8s_pb_envelope(const unsigned char *p, size_t n, char *kind, size_t kindlen,
                    const unsigned char **raw, size_t *rawlen)
{
    if (kindlen)
        kind[0] = '\0';
    *raw = NULL;
    *rawlen = 0;
    if (n < K8S_PROTO_MAGIC_LEN || memcmp(p, K8S_PROTO_MAGIC, K8S_PROTO_MAGIC_LEN) != 0)
        return -1;
    size_t i = K8S_PROTO_MAGIC_LEN;
    bool have_raw = false;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return -1;
        if (f.num == 1 && f.wt == 2) { /* typeMeta {apiVersion 1, kind 2} */
            size_t j = 0;
            while (j < f.len) {
                struct k8s_pbf tf;
                if (k8s_pb_field(f.data, f.len, &j, &tf) < 0)
                    return -1;
                if (tf.num == 2 && tf.wt == 2)
                    copy_str(kind, kindlen, tf.data, tf.len);
            }
        } else if (f.num == 2 && f.wt == 2) {
            *raw = f.data;
            *rawlen = f.len;
            have_raw = true;
        }
    }
    return have_raw ? 0 : -1;
}

int k8s_pb_status(const unsigned char *p, size_t n, struct json_scan_meta *meta)
{
    snprintf(meta->kind, sizeof meta->kind, "Status");
    meta->status_code = 0;
    meta->status_reason[0] = '\0';
    meta->status_message[0] = '\0';
    size_t i = 0;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return -1;
        if (f.num == 3 && f.wt == 2)
            copy_str(meta->status_message, sizeof meta->status_message, f.data, f.len);
        else if (f.num == 4 && f.wt == 2)
            copy_str(meta->status_reason, sizeof meta->status_reason, f.data, f.len);
        else if (f.num == 6 && f.wt == 0)
            meta->status_code = (int)(int32_t)f.v;
    }
    return 0;
}

int k8s_pb_watch_event(const unsigned char *p, size_t n, char *type, size_t typelen,
                       const unsigned char **obj, size_t *objlen)
{
    if (typelen)
        type[0] = '\0';
    *obj = NULL;
    *objlen = 0;
    bool have_type = false, have_obj = false;
    size_t i = 0;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return -1;
        if (f.num == 1 && f.wt == 2) {
            copy_str(type, typelen, f.data, f.len);
            have_type = true;
        } else if (f.num == 2 && f.wt == 2) { /* RawExtension {raw 1} */
            size_t j = 0;
            while (j < f.len) {
                struct k8s_pbf rf;
                if (k8s_pb_field(f.data, f.len, &j, &rf) < 0)
                    return -1;
                if (rf.num == 1 && rf.wt == 2) {
                    *obj = rf.data;
                    *objlen = rf.len;
                    have_obj = true;
                }
            }
        }
    }
    return have_type && have_obj ? 0 : -1;
}

/* ---- list bodies ------------------------------------------------------------------------- */

enum level { LV_MAGIC, LV_ENVELOPE, LV_LIST };

struct k8s_pbscan {
    k8s_pb_item_fn fn;
    void *arg;
    size_t max;
    enum level level;
    uint64_t remain; /* LV_LIST: bytes of raw still to come */
    bool saw_raw;
    size_t need;  /* bytes the held element needs in all (0: its header is not complete yet) */
    uint64_t fed; /* bytes fed so far, for error offsets */
    unsigned char *held; /* an element cut by the end of a piece */
    size_t nheld, capheld;
    struct json_scan_meta meta;
    bool failed;
};

struct k8s_pbscan *k8s_pbscan_new(size_t max_item, k8s_pb_item_fn fn, void *arg)
{
    struct k8s_pbscan *s = xcalloc(1, sizeof *s);
    s->fn = fn;
    s->arg = arg;
    s->max = max_item ? max_item : PB_DEFAULT_MAX;
    s->meta.remaining = -1;
    return s;
}

void k8s_pbscan_free(struct k8s_pbscan *s)
{
    if (s == NULL)
        return;
    free(s->held);
    free(s->meta.continue_token);
    free(s);
}

const struct json_scan_meta *k8s_pbscan_meta(const struct k8s_pbscan *s)
{
    return &s->meta;
}

/* The header of the field at p[0..n): 1 with its header and payload sizes, 0 when the header is
 * not complete yet, -1 when malformed. */
static int field_head(const unsigned char *p, size_t n, size_t *hl, uint64_t *pl, unsigned *num,
                      unsigned *wt)
{
    size_t i = 0;
    uint64_t tag;
    if (k8s_pb_varint(p, n, &i, &tag) < 0)
        return n >= 10 ? -1 : 0;
    if ((tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
        return -1;
    *num = (unsigned)(tag >> 3);
    *wt = (unsigned)(tag & 7);
    switch (*wt) {
    case 0: {
        size_t j = i;
        uint64_t v;
        if (k8s_pb_varint(p, n, &j, &v) < 0)
            return n - i >= 10 ? -1 : 0;
        *hl = i;
        *pl = j - i;
        return 1;
    }
    case 1:
        *hl = i;
        *pl = 8;
        return 1;
    case 5:
        *hl = i;
        *pl = 4;
        return 1;
    case 2: {
        size_t j = i;
        uint64_t l;
        if (k8s_pb_varint(p, n, &j, &l) < 0)
            return n - i >= 10 ? -1 : 0;
        *hl = j;
        *pl = l;
        return 1;
    }
    default:
        return -1;
    }
}

static int fail(struct k8s_pbscan *s, struct error *err, uint64_t at, const char *what)
{
    s->failed = true;
    error_set(err, "malformed protobuf at byte %llu: %s", (unsigned long long)at, what);
    return -1;
}

static int list_meta(struct k8s_pbscan *s, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return -1;
        if (f.num == 2 && f.wt == 2) {
            copy_str(s->meta.resource_version, sizeof s->meta.resource_version, f.data, f.len);
        } else if (f.num == 3 && f.wt == 2) {
            free(s->meta.continue_token);
            s->meta.continue_token = xmalloc(f.len + 1);
            copy_str(s->meta.continue_token, f.len + 1, f.data, f.len);
        } else if (f.num == 4 && f.wt == 0) {
            s->meta.remaining = (int64_t)f.v;
        }
    }
    return 0;
}

/* Reads the complete elements of q[0..m) (q starts at an element boundary; base is its offset in
 * the body): *used is the bytes consumed, s->need the size of the element cut at the end (0 when
 * its header is cut). Returns 0, -1 when malformed, or the callback's non-zero value. */
static int parse(struct k8s_pbscan *s, const unsigned char *q, size_t m, uint64_t base,
                 size_t *used, struct error *err)
{
    size_t i = 0;
    int rc = 0;
    s->need = 0;
    while (rc == 0) {
        if (s->level == LV_MAGIC) {
            if (m - i < K8S_PROTO_MAGIC_LEN) {
                s->need = K8S_PROTO_MAGIC_LEN;
                break;
            }
            if (memcmp(q + i, K8S_PROTO_MAGIC, K8S_PROTO_MAGIC_LEN) != 0) {
                rc = fail(s, err, base + i, "no \"k8s\\0\" envelope");
                break;
            }
            i += K8S_PROTO_MAGIC_LEN;
            s->level = LV_ENVELOPE;
            continue;
        }
        if (s->level == LV_LIST && s->remain == 0) {
            s->level = LV_ENVELOPE;
            continue;
        }
        if (i == m)
            break;
        size_t hl;
        uint64_t pl;
        unsigned num, wt;
        int h = field_head(q + i, m - i, &hl, &pl, &num, &wt);
        if (h < 0) {
            rc = fail(s, err, base + i, "bad field header");
            break;
        }
        if (h == 0)
            break;
        if (s->level == LV_ENVELOPE && num == 2 && wt == 2 && strcmp(s->meta.kind, "Status") != 0) {
            if (s->saw_raw) {
                rc = fail(s, err, base + i, "two raw fields");
                break;
            }
            /* the list itself: entered, never held */
            s->saw_raw = true;
            s->level = LV_LIST;
            s->remain = pl;
            i += hl;
            continue;
        }
        uint64_t total = hl + pl;
        if (s->level == LV_LIST && total > s->remain) {
            rc = fail(s, err, base + i, "an item runs past the end of the list");
            break;
        }
        if (total > s->max) {
            rc = fail(s, err, base + i, "an element larger than the limit");
            break;
        }
        if (m - i < total) {
            s->need = (size_t)total;
            break;
        }
        const unsigned char *payload = q + i + hl;
        if (s->level == LV_ENVELOPE) {
            if (num == 1 && wt == 2) {
                size_t j = 0;
                while (j < pl) {
                    struct k8s_pbf tf;
                    if (k8s_pb_field(payload, (size_t)pl, &j, &tf) < 0) {
                        rc = fail(s, err, base + i, "bad typeMeta");
                        break;
                    }
                    if (tf.num == 2 && tf.wt == 2)
                        copy_str(s->meta.kind, sizeof s->meta.kind, tf.data, tf.len);
                }
            } else if (num == 2 && wt == 2) { /* a Status */
                s->saw_raw = true;
                if (k8s_pb_status(payload, (size_t)pl, &s->meta) < 0)
                    rc = fail(s, err, base + i, "bad Status");
            }
        } else {
            s->remain -= total;
            if (num == 1 && wt == 2) {
                if (list_meta(s, payload, (size_t)pl) < 0)
                    rc = fail(s, err, base + i, "bad ListMeta");
            } else if (num == 2 && wt == 2) {
                rc = s->fn(s->arg, payload, (size_t)pl);
            }
        }
        if (rc == 0)
            i += (size_t)total;
    }
    *used = i;
    return rc;
}

static void hold(struct k8s_pbscan *s, const unsigned char *p, size_t n)
{
    if (n == 0)
        return;
    if (s->nheld + n > s->capheld) {
        size_t cap = s->capheld ? s->capheld : 16384;
        while (cap < s->nheld + n)
            cap *= 2;
        s->held = xrealloc(s->held, cap);
        s->capheld = cap;
    }
    memcpy(s->held + s->nheld, p, n);
    s->nheld += n;
}

int k8s_pbscan_feed(struct k8s_pbscan *s, const void *buf, size_t len, struct error *err)
{
    if (s->failed)
        return -1;
    const unsigned char *p = buf;
    while (len > 0) {
        size_t used;
        int rc;
        if (s->nheld == 0) {
            rc = parse(s, p, len, s->fed, &used, err);
            s->fed += used;
            p += used;
            len -= used;
            if (rc != 0)
                return rc;
            hold(s, p, len); /* the start of an element cut by the end of this piece */
            s->fed += len;
            return 0;
        }
        /* complete the held element: what it lacks when its size is known, else a little (its
         * header is at most 20 bytes); bytes past its end are read with it */
        size_t take = s->need > s->nheld ? s->need - s->nheld : 32;
        if (take > len)
            take = len;
        uint64_t base = s->fed - s->nheld; /* where held[0] was in the body */
        hold(s, p, take);
        p += take;
        len -= take;
        s->fed += take;
        rc = parse(s, s->held, s->nheld, base, &used, err);
        memmove(s->held, s->held + used, s->nheld - used);
        s->nheld -= used;
        if (rc != 0)
            return rc;
    }
    return 0;
}

int k8s_pbscan_finish(struct k8s_pbscan *s, struct error *err)
{
    if (s->failed)
        return -1;
    if (s->nheld > 0)
        return fail(s, err, s->fed, "the body was cut inside an element");
    if (s->level == LV_MAGIC)
        return fail(s, err, s->fed, "an empty body");
    if (s->level == LV_LIST && s->remain > 0)
        return fail(s, err, s->fed, "the body was cut inside the list");
    if (!s->saw_raw)
        return fail(s, err, s->fed, "no object in the envelope");
    return 0;
}

/* ---- watch frames ------------------------------------------------------------------------ */

struct k8s_pbframes {
    k8s_pb_item_fn fn;
    void *arg;
    size_t max;
    unsigned char *buf;
    size_t n, cap;
};

struct k8s_pbframes *k8s_pbframes_new(size_t max_frame, k8s_pb_item_fn fn, void *arg)
{
    struct k8s_pbframes *f = xcalloc(1, sizeof *f);
    f->fn = fn;
    f->arg = arg;
    f->max = max_frame ? max_frame : PB_DEFAULT_MAX;
    return f;
}

void k8s_pbframes_free(struct k8s_pbframes *f)
{
    if (f == NULL)
        return;
    free(f->buf);
    free(f);
}

int k8s_pbframes_feed(struct k8s_pbframes *f, const void *buf, size_t len, struct error *err)
{
    if (len == 0)
        return 0;
    if (f->n + len > f->cap) {
        size_t cap = f->cap ? f->cap : 16384;
        while (cap < f->n + len)
            cap *= 2;
        f->buf = xrealloc(f->buf, cap);
        f->cap = cap;
    }
    memcpy(f->buf + f->n, buf, len);
    f->n += len;
    size_t i = 0;
    int rc = 0;
    while (f->n - i >= 4) {
        const unsigned char *h = f->buf + i;
        uint32_t flen = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        if (flen > f->max) {
            error_set(err, "a watch frame of %u bytes, over the %zu MiB limit", flen, f->max >> 20);
            rc = -1;
            break;
        }
        if (f->n - i - 4 < flen)
            break;
        rc = f->fn(f->arg, h + 4, flen);
        i += 4 + (size_t)flen;
        if (rc != 0)
            break;
    }
    memmove(f->buf, f->buf + i, f->n - i);
    f->n -= i;
    return rc;
}

int k8s_pbframes_finish(struct k8s_pbframes *f, struct error *err)
{
    if (f->n > 0) {
        error_set(err, "the watch stream was cut inside a frame");
        return -1;
    }
    return 0;
}

int k8s_pb_object_meta(const unsigned char *p, size_t n, char *ns, size_t nslen, char *name,
                       size_t namelen, char *rv, size_t rvlen)
{
    copy_str(ns, nslen, (const unsigned char *)"", 0);
    copy_str(name, namelen, (const unsigned char *)"", 0);
    copy_str(rv, rvlen, (const unsigned char *)"", 0);
    size_t i = 0;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return -1;
        if (f.num != 1 || f.wt != 2)
            continue;
        /* ObjectMeta (sent twice, the two merge: the last value of each field wins) */
        size_t j = 0;
        while (j < f.len) {
            struct k8s_pbf mf;
            if (k8s_pb_field(f.data, f.len, &j, &mf) < 0)
                return -1;
            if (mf.wt != 2)
                continue;
            if (mf.num == 1)
                copy_str(name, namelen, mf.data, mf.len);
            else if (mf.num == 3)
                copy_str(ns, nslen, mf.data, mf.len);
            else if (mf.num == 6)
                copy_str(rv, rvlen, mf.data, mf.len);
        }
    }
    return 0;
}
