/* Decoders from one Kubernetes object to one packed model row.
 *
 * Every field the object does not carry stays unknown (NULL, MODEL_UNKNOWN or
 * MODEL_COUNT_UNKNOWN). Kubernetes omits zero counts and false flags from a status or spec that
 * is present, so inside a present `status` a missing count is 0; an absent `status` makes every
 * count from it unknown. Strings are copied raw; they are sanitized when drawn. No json-c object
 * outlives a call, and a Secret's data is never read. */

#include "cutover/k8s_decode.h"

#include "cutover/json_scan.h"
#include "cutover/log.h"
#include "cutover/quantity.h"
#include "cutover/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a small JSON tree over one item ---------------------------------------------------------
 *
 * json-c parses at about 60 MB/s and allocates a hash table per object; a 150,000-pod list needs
 * better. An item is tokenized once into a flat array (each container followed by its children,
 * `next` skipping a whole subtree), strings are unescaped in place only when read, and nothing
 * else is allocated. The decoders below walk these tokens; the json-c entry points print their
 * object and take the same path. */

enum jtype { JT_NULL, JT_FALSE, JT_TRUE, JT_NUM, JT_STR, JT_ARR, JT_OBJ };

struct jdoc;

struct jtok {
    uint8_t type;     /* enum jtype */
    bool escaped;     /* a string with a backslash */
    bool cooked;      /* the string has been unescaped and NUL-terminated in place */
    uint32_t start;   /* strings: first byte of the content; others: first byte */
    uint32_t len;     /* strings: raw content bytes; numbers: bytes */
    uint32_t next;    /* index of the token after this subtree */
    uint32_t count;   /* members of an object, elements of an array */
    struct jdoc *doc; /* the document (for reading strings) */
};

#define JDOC_MAX_DEPTH 256
#define JDOC_STACK_TOKENS 512

/* A member the decoders never read, skipped by jskip_value without making tokens: `key` in an
 * object at `depth` (the root is 0) that is the value, or an element of the value, of `parent`. */
struct jskip_rule {
    int depth;
    const char *parent; /* with its length, so that a member costs no strlen */
    size_t parent_len;
    const char *key;
    size_t key_len;
};

#define JSKIP(depth, parent, key)                                                                  \
    {                                                                                              \
        depth, parent, sizeof parent - 1, key, sizeof key - 1                                      \
    }

struct jdoc {
    const struct jskip_rule *skip; /* NULL-key terminated; NULL: managedFields only */
    char *buf;                     /* a writable copy of the text, NUL-terminated */
    size_t len;
    struct jtok *t;
    uint32_t n, cap;
    struct jtok stack_tokens[JDOC_STACK_TOKENS];
    const char *error; /* what was wrong */
    size_t error_at;
};

static struct jtok *jdoc_push(struct jdoc *d, enum jtype type, size_t start)
{
    if (d->n == d->cap) {
        uint32_t cap = d->cap * 2;
        if (d->t == d->stack_tokens) {
            d->t = xreallocarray(NULL, cap, sizeof *d->t);
            memcpy(d->t, d->stack_tokens, sizeof d->stack_tokens);
        } else {
            d->t = xreallocarray(d->t, cap, sizeof *d->t);
        }
        d->cap = cap;
    }
    struct jtok *t = &d->t[d->n++];
    t->type = (uint8_t)type;
    t->escaped = false;
    t->cooked = false;
    t->start = (uint32_t)start;
    t->len = 0;
    t->next = 0;
    t->count = 0;
    t->doc = d;
    return t;
}

static size_t jskip_ws(const struct jdoc *d, size_t i)
{
    while (i < d->len &&
           (d->buf[i] == ' ' || d->buf[i] == '\n' || d->buf[i] == '\r' || d->buf[i] == '\t'))
        i++;
    return i;
}

static int jfail(struct jdoc *d, size_t at, const char *what)
{
    if (d->error == NULL) {
        d->error = what;
        d->error_at = at;
    }
    return -1;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Parses a string whose opening quote is at *i; leaves *i after the closing quote. */
static int jparse_string(struct jdoc *d, size_t *i)
{
    size_t p = *i + 1;
    jdoc_push(d, JT_STR, p); /* found again by index below: a push may move the array */
    uint32_t idx = d->n - 1;
    bool escaped = false;
    for (;;) {
        p += json_scan_plain_run(d->buf + p, d->len - p);
        if (p >= d->len)
            return jfail(d, p, "unterminated string");
        char c = d->buf[p];
        if (c == '"')
            break;
        if (c != '\\')
            return jfail(d, p, "control character in a string");
        escaped = true;
        if (p + 1 >= d->len)
            return jfail(d, p, "unterminated string");
        char e = d->buf[p + 1];
        if (e == 'u') {
            if (p + 5 >= d->len || !is_hex(d->buf[p + 2]) || !is_hex(d->buf[p + 3]) ||
                !is_hex(d->buf[p + 4]) || !is_hex(d->buf[p + 5]))
                return jfail(d, p, "invalid \\u escape");
            p += 6;
        } else if (strchr("\"\\/bfnrt", e) != NULL && e != '\0') {
            p += 2;
        } else {
            return jfail(d, p, "invalid escape");
        }
    }
    struct jtok *t = &d->t[idx];
    t->len = (uint32_t)(p - t->start);
    t->escaped = escaped;
    t->next = d->n;
    *i = p + 1;
    return 0;
}

static int jparse_value(struct jdoc *d, size_t *i, int depth, const char *pkey, size_t pkeylen);

/* Skips the value at *i without making tokens: for metadata.managedFields, often a third of an
 * object, and the members of jskip_rule, never read. Brackets are matched and strings honoured;
 * the grammar inside is not checked (json_scan has checked it for list items, json-c for the
 * objects of k8s_decode_object). */
static int jskip_value(struct jdoc *d, size_t *i)
{
    static const uint8_t stops[256] = {
        ['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, [','] = 1};
    size_t p = *i;
    size_t depth = 0;
    do {
        if (p >= d->len)
            return jfail(d, p, "truncated value");
        char c = d->buf[p];
        if (c == '"') {
            p++;
            for (;;) {
                p += json_scan_plain_run(d->buf + p, d->len - p);
                if (p >= d->len)
                    return jfail(d, p, "unterminated string");
                if (d->buf[p] == '"')
                    break;
                if (d->buf[p] == '\\')
                    p++;
                p++;
            }
            p++;
        } else if (c == '{' || c == '[') {
            depth++;
            p++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return jfail(d, p, "unexpected closing bracket");
            depth--;
            p++;
        } else {
            /* a scalar, whitespace, ',' or ':'; at depth 0 the value ends at the ',' or the
             * closing bracket of its object */
            p++;
            while (p < d->len && !stops[(uint8_t)d->buf[p]])
                p++;
            if (depth == 0)
                break;
        }
    } while (depth > 0);
    *i = p;
    return 0;
}

/* Whether the member `key` of an object at depth under pkey is left out. */
static bool jskip_member(const struct jdoc *d, int depth, const char *pkey, size_t pkeylen,
                         const char *key, size_t keylen)
{
    if (depth == 1 && keylen == 13 && memcmp(key, "managedFields", 13) == 0)
        return true;
    if (d->skip == NULL)
        return false;
    for (const struct jskip_rule *r = d->skip; r->key; r++) {
        if (r->depth == depth && r->key_len == keylen && r->parent_len == pkeylen &&
            memcmp(r->key, key, keylen) == 0 && pkey && memcmp(r->parent, pkey, pkeylen) == 0)
            return true;
    }
    return false;
}

/* pkey: the key whose value this container is (or holds it, for an array's elements). */
static int jparse_container(struct jdoc *d, size_t *i, int depth, const char *pkey, size_t pkeylen)
{
    bool obj = d->buf[*i] == '{';
    char close = obj ? '}' : ']';
    if (depth >= JDOC_MAX_DEPTH)
        return jfail(d, *i, "nesting too deep");
    jdoc_push(d, obj ? JT_OBJ : JT_ARR, *i);
    uint32_t idx = d->n - 1;
    uint32_t count = 0;
    const char *mkey = pkey; /* an array's elements are under the array's key */
    size_t mkeylen = pkeylen;
    size_t p = jskip_ws(d, *i + 1);
    if (p < d->len && d->buf[p] == close) {
        p++;
    } else {
        for (;;) {
            if (obj) {
                if (p >= d->len || d->buf[p] != '"')
                    return jfail(d, p, "expected an object key");
                if (jparse_string(d, &p) < 0)
                    return -1;
                p = jskip_ws(d, p);
                if (p >= d->len || d->buf[p] != ':')
                    return jfail(d, p, "expected ':'");
                p = jskip_ws(d, p + 1);
                struct jtok *key = &d->t[d->n - 1];
                mkey = d->buf + key->start;
                mkeylen = key->len;
                if (!key->escaped &&
                    jskip_member(d, depth, pkey, pkeylen, d->buf + key->start, key->len)) {
                    d->n--; /* the member is left out */
                    if (jskip_value(d, &p) < 0)
                        return -1;
                    goto member_done;
                }
            }
            if (jparse_value(d, &p, depth + 1, mkey, mkeylen) < 0)
                return -1;
            count++;
        member_done:
            p = jskip_ws(d, p);
            if (p < d->len && d->buf[p] == ',') {
                p = jskip_ws(d, p + 1);
                continue;
            }
            if (p < d->len && d->buf[p] == close) {
                p++;
                break;
            }
            return jfail(d, p, "expected ',' or a closing bracket");
        }
    }
    d->t[idx].count = count;
    d->t[idx].next = d->n;
    *i = p;
    return 0;
}

static int jparse_value(struct jdoc *d, size_t *i, int depth, const char *pkey, size_t pkeylen)
{
    size_t p = *i;
    if (p >= d->len)
        return jfail(d, p, "expected a value");
    char c = d->buf[p];
    if (c == '{' || c == '[')
        return jparse_container(d, i, depth, pkey, pkeylen);
    if (c == '"')
        return jparse_string(d, i);
    static const struct {
        const char *word;
        enum jtype type;
    } lits[] = {{"true", JT_TRUE}, {"false", JT_FALSE}, {"null", JT_NULL}};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(lits[k].word);
        if (c == lits[k].word[0]) {
            if (d->len - p < n || memcmp(d->buf + p, lits[k].word, n) != 0)
                return jfail(d, p, "invalid literal");
            struct jtok *t = jdoc_push(d, lits[k].type, p);
            t->len = (uint32_t)n;
            t->next = d->n;
            *i = p + n;
            return 0;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        size_t q = p + (c == '-');
        size_t digits0 = q;
        while (q < d->len && d->buf[q] >= '0' && d->buf[q] <= '9')
            q++;
        if (q == digits0 || (d->buf[digits0] == '0' && q - digits0 > 1))
            return jfail(d, p, "invalid number");
        if (q < d->len && d->buf[q] == '.') {
            size_t f = ++q;
            while (q < d->len && d->buf[q] >= '0' && d->buf[q] <= '9')
                q++;
            if (q == f)
                return jfail(d, p, "invalid number");
        }
        if (q < d->len && (d->buf[q] == 'e' || d->buf[q] == 'E')) {
            q++;
            if (q < d->len && (d->buf[q] == '+' || d->buf[q] == '-'))
                q++;
            size_t e = q;
            while (q < d->len && d->buf[q] >= '0' && d->buf[q] <= '9')
                q++;
            if (q == e)
                return jfail(d, p, "invalid number");
        }
        struct jtok *t = jdoc_push(d, JT_NUM, p);
        t->len = (uint32_t)(q - p);
        t->next = d->n;
        *i = q;
        return 0;
    }
    return jfail(d, p, "unexpected character");
}

/* An empty document: no text, no tokens yet (the first ones on its own stack). */
static void jdoc_init(struct jdoc *d, const struct jskip_rule *skip)
{
    d->skip = skip;
    d->buf = NULL;
    d->len = 0;
    d->n = 0;
    d->error = NULL;
    d->error_at = 0;
    d->t = d->stack_tokens;
    d->cap = JDOC_STACK_TOKENS;
}

/* Tokenizes json[0..len) into d (which jdoc_fini releases). The root is d->t[0]. */
static int jdoc_parse(struct jdoc *d, const char *json, size_t len, const struct jskip_rule *skip)
{
    jdoc_init(d, skip);
    if (len >= UINT32_MAX)
        return jfail(d, 0, "object too large");
    d->buf = xmalloc(len + 1);
    memcpy(d->buf, json, len);
    d->buf[len] = '\0';
    d->len = len;
    size_t p = jskip_ws(d, 0);
    if (jparse_value(d, &p, 0, NULL, 0) < 0)
        return -1;
    p = jskip_ws(d, p);
    if (p != len)
        return jfail(d, p, "garbage after the value");
    return 0;
}

static void jdoc_fini(struct jdoc *d)
{
    free(d->buf);
    if (d->t != d->stack_tokens)
        free(d->t);
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The string value of a token (NUL-terminated in place on first use), or NULL. The unescaped
 * text is never longer than the raw text, and the closing quote's byte takes the NUL. A \u0000
 * ends the string there (a C string cannot hold it). */
static const char *tok_str(struct jtok *t)
{
    if (t == NULL || t->type != JT_STR)
        return NULL;
    char *s = t->doc->buf + t->start;
    if (!t->cooked) {
        size_t o = t->len;
        if (t->escaped) {
            o = 0;
            for (size_t k = 0; k < t->len; k++) {
                if (s[k] != '\\') {
                    s[o++] = s[k];
                    continue;
                }
                char e = s[++k];
                switch (e) {
                case 'b':
                    s[o++] = '\b';
                    break;
                case 'f':
                    s[o++] = '\f';
                    break;
                case 'n':
                    s[o++] = '\n';
                    break;
                case 'r':
                    s[o++] = '\r';
                    break;
                case 't':
                    s[o++] = '\t';
                    break;
                case 'u': {
                    uint32_t cp = hex4(s + k + 1);
                    k += 4;
                    if (cp >= 0xD800 && cp < 0xDC00 && k + 6 < t->len && s[k + 1] == '\\' &&
                        s[k + 2] == 'u') {
                        uint32_t lo = hex4(s + k + 3);
                        if (lo >= 0xDC00 && lo < 0xE000) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            k += 6;
                        }
                    }
                    if (cp >= 0xD800 && cp < 0xE000)
                        cp = 0xFFFD;
                    /* Writing never overtakes reading: at least 6 raw bytes became <= 4. */
                    o += put_utf8(s + o, cp);
                    break;
                }
                default:
                    s[o++] = e;
                    break;
                }
            }
        }
        s[o] = '\0';
        t->cooked = true;
    }
    return s;
}

/* Whether a key token equals `key`. */
static bool key_is(struct jtok *k, const char *key, size_t keylen)
{
    if (!k->escaped)
        return k->len == keylen && memcmp(k->doc->buf + k->start, key, keylen) == 0;
    return strcmp(tok_str(k), key) == 0;
}

static bool tok_is(const struct jtok *t, enum jtype type)
{
    return t != NULL && t->type == type;
}

/* A member of an object, NULL when absent, null, or when o is not an object. */
static struct jtok *get(struct jtok *o, const char *key)
{
    if (!tok_is(o, JT_OBJ))
        return NULL;
    struct jtok *base = o->doc->t;
    size_t keylen = strlen(key);
    uint32_t k = (uint32_t)(o - base) + 1;
    for (uint32_t m = 0; m < o->count; m++) {
        struct jtok *v = &base[k + 1];
        if (key_is(&base[k], key, keylen))
            return v->type == JT_NULL ? NULL : v;
        k = v->next;
    }
    return NULL;
}

static size_t arr_len(const struct jtok *a)
{
    return tok_is(a, JT_ARR) ? a->count : 0;
}

/* Element i of an array (NULL past its end). */
static struct jtok *arr_get(struct jtok *a, size_t i)
{
    if (!tok_is(a, JT_ARR) || i >= a->count)
        return NULL;
    struct jtok *base = a->doc->t;
    uint32_t k = (uint32_t)(a - base) + 1;
    while (i-- > 0)
        k = base[k].next;
    return &base[k];
}

static struct jtok *get_obj(struct jtok *o, const char *key)
{
    struct jtok *v = get(o, key);
    return tok_is(v, JT_OBJ) ? v : NULL;
}

static struct jtok *get_arr(struct jtok *o, const char *key)
{
    struct jtok *v = get(o, key);
    return tok_is(v, JT_ARR) ? v : NULL;
}

/* A string member (borrowed), NULL when absent or not a string. */
static const char *get_str(struct jtok *o, const char *key)
{
    return tok_str(get(o, key));
}

/* A number token as int64 (fractions truncated, clamped). */
static int64_t tok_i64(const struct jtok *t)
{
    char tmp[64];
    size_t n = t->len < sizeof tmp - 1 ? t->len : sizeof tmp - 1;
    memcpy(tmp, t->doc->buf + t->start, n);
    tmp[n] = '\0';
    if (strpbrk(tmp, ".eE") == NULL)
        return strtoll(tmp, NULL, 10);
    double v = strtod(tmp, NULL);
    if (v >= 9.2e18)
        return INT64_MAX;
    if (v <= -9.2e18)
        return INT64_MIN;
    return (int64_t)v;
}

/* An integer member clamped to int32; `absent` when missing or not a number. */
static int32_t get_i32(struct jtok *o, const char *key, int32_t absent)
{
    struct jtok *v = get(o, key);
    if (!tok_is(v, JT_NUM))
        return absent;
    int64_t n = tok_i64(v);
    if (n > INT32_MAX)
        return INT32_MAX;
    if (n < INT32_MIN)
        return INT32_MIN;
    return (int32_t)n;
}

/* true/false of a boolean member; absent (or not a boolean) gives `absent`. */
static int get_bool(struct jtok *o, const char *key, int absent)
{
    struct jtok *v = get(o, key);
    if (tok_is(v, JT_TRUE))
        return 1;
    if (tok_is(v, JT_FALSE))
        return 0;
    return absent;
}

static int64_t get_time(struct jtok *o, const char *key)
{
    const char *s = get_str(o, key);
    return s ? k8s_parse_time(s) : 0;
}

/* The status of condition `type` in status.conditions as a tri-state. */
static uint8_t condition(struct jtok *status, const char *type)
{
    struct jtok *conds = get_arr(status, "conditions");
    size_t n = conds ? arr_len(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct jtok *c = arr_get(conds, i);
        const char *t = get_str(c, "type");
        if (t == NULL || strcmp(t, type) != 0)
            continue;
        const char *st = get_str(c, "status");
        if (st && strcmp(st, "True") == 0)
            return MODEL_TRUE;
        if (st && strcmp(st, "False") == 0)
            return MODEL_FALSE;
        return MODEL_UNKNOWN;
    }
    return MODEL_UNKNOWN;
}

/* The controller ownerReference of metadata, or NULL. */
static struct jtok *controller_ref(struct jtok *meta)
{
    struct jtok *refs = get_arr(meta, "ownerReferences");
    size_t n = refs ? arr_len(refs) : 0;
    for (size_t i = 0; i < n; i++) {
        struct jtok *r = arr_get(refs, i);
        if (get_bool(r, "controller", 0) == 1)
            return r;
    }
    return NULL;
}

/* A growable string for joining. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* The images of a containers array joined by ',' (a new string), or NULL without containers. */
static char *join_images(struct jtok *containers, int32_t *count)
{
    size_t n = containers ? arr_len(containers) : 0;
    if (count)
        *count = containers ? (int32_t)n : MODEL_COUNT_UNKNOWN;
    if (containers == NULL)
        return NULL;
    struct sbuf b = {0};
    sbuf_add(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        const char *img = get_str(arr_get(containers, i), "image");
        if (img == NULL)
            continue;
        if (b.len > 0)
            sbuf_add(&b, ",", 1);
        sbuf_add(&b, img, strlen(img));
    }
    return b.p;
}

/* ---- common metadata ----------------------------------------------------------------------- */

struct meta {
    struct jtok *m;
    const char *ns, *name, *uid;
    int64_t created;
    bool partial; /* a PartialObjectMetadata: only metadata is known */
};

static int read_meta(enum model_res res, struct jtok *obj, struct meta *out, struct error *err)
{
    memset(out, 0, sizeof *out);
    if (!tok_is(obj, JT_OBJ)) {
        error_set(err, "%s: the object is not a JSON object", model_res_name(res));
        return -1;
    }
    out->m = get_obj(obj, "metadata");
    out->ns = get_str(out->m, "namespace");
    out->name = get_str(out->m, "name");
    out->uid = get_str(out->m, "uid");
    if (out->name == NULL || out->name[0] == '\0') {
        error_set(err, "%s: an object without metadata.name%s%s%s%s", model_res_name(res),
                  out->ns ? " in namespace " : "", out->ns ? out->ns : "", out->uid ? " uid " : "",
                  out->uid ? out->uid : "");
        return -1;
    }
    out->created = get_time(out->m, "creationTimestamp");
    const char *kind = get_str(obj, "kind");
    out->partial = kind && strcmp(kind, "PartialObjectMetadata") == 0;
    return 0;
}

#define MAX_STRS 12

/* Strings of a row being built: offsets into the row struct and values. */
struct pack {
    size_t n;
    size_t off[MAX_STRS];
    const char *str[MAX_STRS];
};

static void pack_add(struct pack *p, size_t off, const char *s)
{
    p->off[p->n] = off;
    p->str[p->n] = s;
    p->n++;
}

static void *pack_row(enum model_res res, size_t size, struct pack *p, const struct meta *m)
{
    pack_add(p, offsetof(struct model_obj, ns), m->ns);
    pack_add(p, offsetof(struct model_obj, name), m->name);
    pack_add(p, offsetof(struct model_obj, uid), m->uid);
    struct model_obj *row = model_row_pack(res, size, p->n, p->off, p->str);
    row->created = m->created;
    return row;
}

/* ---- nodes --------------------------------------------------------------------------------- */

static const char *label2(struct jtok *labels, const char *a, const char *b)
{
    const char *v = get_str(labels, a);
    return v ? v : get_str(labels, b);
}

static uint8_t node_role_from_labels(struct jtok *labels)
{
    if (get(labels, "node-role.kubernetes.io/control-plane") ||
        get(labels, "node-role.kubernetes.io/master"))
        return MODEL_ROLE_CONTROL_PLANE;
    return MODEL_ROLE_WORKER;
}

/* A node's zone, region and instance type from its labels (the beta labels as fallbacks), in
 * the order the row packs them: shared by the object and the table decoders. */
static void node_pack_labels(struct pack *p, struct jtok *labels)
{
    pack_add(
        p, offsetof(struct model_node, zone),
        label2(labels, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"));
    pack_add(p, offsetof(struct model_node, region),
             label2(labels, "topology.kubernetes.io/region",
                    "failure-domain.beta.kubernetes.io/region"));
    pack_add(
        p, offsetof(struct model_node, instance_type),
        label2(labels, "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"));
}

static struct model_obj *decode_node(struct jtok *obj, const struct meta *m)
{
    struct jtok *labels = get_obj(m->m, "labels");
    struct jtok *spec = get_obj(obj, "spec");
    struct jtok *status = get_obj(obj, "status");
    struct pack p = {0};
    node_pack_labels(&p, labels);
    pack_add(&p, offsetof(struct model_node, kubelet_version),
             get_str(get_obj(status, "nodeInfo"), "kubeletVersion"));
    struct model_node *n = pack_row(MODEL_RES_NODES, sizeof *n, &p, m);
    n->role = node_role_from_labels(labels);
    n->ready = status ? condition(status, "Ready") : MODEL_UNKNOWN;
    if (spec == NULL || m->partial)
        n->schedulable = MODEL_UNKNOWN;
    else
        n->schedulable = get_bool(spec, "unschedulable", 0) == 1 ? MODEL_FALSE : MODEL_TRUE;
    return &n->obj;
}

/* ---- pods ---------------------------------------------------------------------------------- */

/* The first waiting reason in a containerStatuses array, skipping `skip` (may be NULL). */
static const char *first_waiting(struct jtok *statuses, const char *skip)
{
    size_t n = statuses ? arr_len(statuses) : 0;
    for (size_t i = 0; i < n; i++) {
        struct jtok *st = get_obj(arr_get(statuses, i), "state");
        const char *r = get_str(get_obj(st, "waiting"), "reason");
        if (r && r[0] && !(skip && strcmp(r, skip) == 0))
            return r;
    }
    return NULL;
}

/* ---- pod resources --------------------------------------------------------------------------- */

enum { RES_CPU_REQ, RES_CPU_LIM, RES_MEM_REQ, RES_MEM_LIM, RES_COUNT };

/* One quantity of a resources object: MODEL_QTY_NONE when absent, MODEL_QTY_UNKNOWN (logged
 * with the pod and container named) when it does not parse or is negative. */
static int64_t res_quantity(struct jtok *list, const char *key, int scale10, const struct meta *m,
                            const char *container, const char *what)
{
    struct jtok *v = get(list, key);
    if (v == NULL)
        return MODEL_QTY_NONE;
    struct error err = {0};
    int64_t q = 0;
    int rc = -1;
    if (tok_is(v, JT_STR)) {
        const char *text = tok_str(v);
        rc = quantity_parse(text, strlen(text), scale10, &q, &err);
    } else if (tok_is(v, JT_NUM)) {
        rc = quantity_parse(v->doc->buf + v->start, v->len, scale10, &q, &err);
    } else {
        error_set(&err, "not a string");
    }
    if (rc == 0 && q < 0) {
        error_set(&err, "negative");
        rc = -1;
    }
    if (rc < 0) {
        char buf[256];
        log_warn("pod %s/%s container %s: resources.%s.%s: %s", m->ns ? m->ns : "",
                 m->name ? m->name : "", container ? container : "?", what, key,
                 error_format(&err, buf, sizeof buf));
        error_clear(&err);
        return MODEL_QTY_UNKNOWN;
    }
    return q;
}

/* A container's four quantities (requests and limits of cpu and memory). */
static void container_resources(struct jtok *c, const struct meta *m, int64_t out[RES_COUNT])
{
    struct jtok *res = get_obj(c, "resources");
    struct jtok *req = get_obj(res, "requests");
    struct jtok *lim = get_obj(res, "limits");
    const char *name = get_str(c, "name");
    out[RES_CPU_REQ] = res_quantity(req, "cpu", 3, m, name, "requests");
    out[RES_CPU_LIM] = res_quantity(lim, "cpu", 3, m, name, "limits");
    out[RES_MEM_REQ] = res_quantity(req, "memory", 0, m, name, "requests");
    out[RES_MEM_LIM] = res_quantity(lim, "memory", 0, m, name, "limits");
}

/* a + b where either may be MODEL_QTY_NONE (adds nothing) or MODEL_QTY_UNKNOWN (poisons). */
static int64_t qty_add(int64_t a, int64_t b)
{
    if (a == MODEL_QTY_UNKNOWN || b == MODEL_QTY_UNKNOWN)
        return MODEL_QTY_UNKNOWN;
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t qty_max(int64_t a, int64_t b)
{
    if (a == MODEL_QTY_UNKNOWN || b == MODEL_QTY_UNKNOWN)
        return MODEL_QTY_UNKNOWN;
    return a > b ? a : b; /* MODEL_QTY_NONE (-1) is below every value */
}

/* The pod's effective requests and limits (see struct model_pod): regular containers run
 * together with the sidecars (init containers with restartPolicy Always); each ordinary init
 * container runs alone with the sidecars started before it. */
static void pod_resources(struct jtok *spec, const struct meta *m, struct model_pod *pod)
{
    int64_t sum[RES_COUNT], side[RES_COUNT], init[RES_COUNT], c[RES_COUNT];
    for (int k = 0; k < RES_COUNT; k++)
        sum[k] = side[k] = init[k] = MODEL_QTY_NONE;
    struct jtok *cs = get_arr(spec, "containers");
    size_t n = arr_len(cs);
    struct jtok *base = cs ? cs->doc->t : NULL;
    uint32_t k0 = cs ? (uint32_t)(cs - base) + 1 : 0;
    for (size_t i = 0; i < n; i++, k0 = base[k0].next) {
        container_resources(&base[k0], m, c);
        for (int k = 0; k < RES_COUNT; k++)
            sum[k] = qty_add(sum[k], c[k]);
    }
    struct jtok *ics = get_arr(spec, "initContainers");
    n = arr_len(ics);
    base = ics ? ics->doc->t : NULL;
    k0 = ics ? (uint32_t)(ics - base) + 1 : 0;
    for (size_t i = 0; i < n; i++, k0 = base[k0].next) {
        struct jtok *ic = &base[k0];
        const char *policy = get_str(ic, "restartPolicy");
        bool sidecar = policy && strcmp(policy, "Always") == 0;
        container_resources(ic, m, c);
        for (int k = 0; k < RES_COUNT; k++) {
            if (sidecar) {
                side[k] = qty_add(side[k], c[k]);
                init[k] = qty_max(init[k], side[k]);
            } else {
                init[k] = qty_max(init[k], qty_add(c[k], side[k]));
            }
        }
    }
    int64_t eff[RES_COUNT];
    for (int k = 0; k < RES_COUNT; k++)
        eff[k] = qty_max(qty_add(sum[k], side[k]), init[k]);
    pod->cpu_request_m = eff[RES_CPU_REQ];
    pod->cpu_limit_m = eff[RES_CPU_LIM];
    pod->mem_request = eff[RES_MEM_REQ];
    pod->mem_limit = eff[RES_MEM_LIM];
}

static struct model_obj *decode_pod(struct jtok *obj, const struct meta *m)
{
    struct jtok *spec = get_obj(obj, "spec");
    struct jtok *status = get_obj(obj, "status");
    struct jtok *owner = controller_ref(m->m);
    struct jtok *cs = get_arr(status, "containerStatuses");
    struct jtok *ics = get_arr(status, "initContainerStatuses");

    /* An init container that waits holds the pod back: its reason is the one a user needs
     * (PodInitializing only says that init containers are still running). */
    const char *waiting = first_waiting(ics, "PodInitializing");
    if (waiting == NULL)
        waiting = first_waiting(cs, NULL);

    int32_t containers;
    char *images = join_images(get_arr(spec, "containers"), &containers);

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_pod, phase), get_str(status, "phase"));
    pack_add(&p, offsetof(struct model_pod, node), get_str(spec, "nodeName"));
    pack_add(&p, offsetof(struct model_pod, owner_kind), get_str(owner, "kind"));
    pack_add(&p, offsetof(struct model_pod, owner_name), get_str(owner, "name"));
    pack_add(&p, offsetof(struct model_pod, waiting_reason), waiting);
    pack_add(&p, offsetof(struct model_pod, images), images);
    struct model_pod *pod = pack_row(MODEL_RES_PODS, sizeof *pod, &p, m);
    free(images);

    pod->containers = containers;
    pod->containers_ready = MODEL_COUNT_UNKNOWN;
    pod->restarts = MODEL_COUNT_UNKNOWN;
    if (cs) {
        size_t n = arr_len(cs);
        pod->containers_ready = 0;
        for (size_t i = 0; i < n; i++)
            if (get_bool(arr_get(cs, i), "ready", 0) == 1)
                pod->containers_ready++;
    }
    struct jtok *lists[2] = {ics, cs};
    for (int l = 0; l < 2; l++) {
        size_t n = lists[l] ? arr_len(lists[l]) : 0;
        if (lists[l] && pod->restarts == MODEL_COUNT_UNKNOWN)
            pod->restarts = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t r = get_i32(arr_get(lists[l], i), "restartCount", 0);
            if (r > 0 && pod->restarts <= INT32_MAX - r)
                pod->restarts += r;
        }
    }
    pod->ready = status ? condition(status, "Ready") : MODEL_UNKNOWN;
    pod_resources(spec, m, pod);
    return &pod->obj;
}

/* ---- workloads ------------------------------------------------------------------------------ */

static struct model_obj *decode_workload(enum model_res res, struct jtok *obj, const struct meta *m)
{
    struct jtok *spec = get_obj(obj, "spec");
    struct jtok *status = get_obj(obj, "status");
    struct jtok *owner = controller_ref(m->m);
    struct jtok *tspec = get_obj(get_obj(spec, "template"), "spec");
    char *images = join_images(get_arr(tspec, "containers"), NULL);

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_workload, images), images);
    pack_add(&p, offsetof(struct model_workload, owner_kind), get_str(owner, "kind"));
    pack_add(&p, offsetof(struct model_workload, owner_name), get_str(owner, "name"));
    struct model_workload *w = pack_row(res, sizeof *w, &p, m);
    free(images);

    /* In a present status a missing count is a zero Kubernetes omitted; without status every
     * count is unknown. */
    int32_t z = status ? 0 : MODEL_COUNT_UNKNOWN;
    if (res == MODEL_RES_DAEMONSETS) {
        w->desired = get_i32(status, "desiredNumberScheduled", z);
        w->ready = get_i32(status, "numberReady", z);
        w->updated = get_i32(status, "updatedNumberScheduled", z);
        w->available = get_i32(status, "numberAvailable", z);
    } else {
        /* spec.replicas is defaulted by the API server (to 1), so an absent one is unknown
         * (a PartialObjectMetadata has no spec at all). */
        w->desired = get_i32(spec, "replicas", MODEL_COUNT_UNKNOWN);
        w->ready = get_i32(status, "readyReplicas", z);
        w->available = get_i32(status, "availableReplicas", z);
        /* A ReplicaSet has no notion of updated replicas: all of its pods are one revision. */
        w->updated = res == MODEL_RES_REPLICASETS ? MODEL_COUNT_UNKNOWN
                                                  : get_i32(status, "updatedReplicas", z);
    }
    return &w->obj;
}

/* ---- small resources ----------------------------------------------------------------------- */

static struct model_obj *decode_namespace(struct jtok *obj, const struct meta *m)
{
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_namespace, phase), get_str(get_obj(obj, "status"), "phase"));
    struct model_namespace *ns = pack_row(MODEL_RES_NAMESPACES, sizeof *ns, &p, m);
    return &ns->obj;
}

static struct model_obj *decode_service(struct jtok *obj, const struct meta *m)
{
    struct jtok *spec = get_obj(obj, "spec");
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_service, type), get_str(spec, "type"));
    pack_add(&p, offsetof(struct model_service, cluster_ip), get_str(spec, "clusterIP"));
    struct model_service *svc = pack_row(MODEL_RES_SERVICES, sizeof *svc, &p, m);
    return &svc->obj;
}

static struct model_obj *decode_configmap(struct jtok *obj, const struct meta *m)
{
    struct pack p = {0};
    struct model_configmap *cm = pack_row(MODEL_RES_CONFIGMAPS, sizeof *cm, &p, m);
    if (m->partial) {
        cm->keys = MODEL_COUNT_UNKNOWN;
    } else {
        /* Only the keys are counted; the values are never kept. Kubernetes omits empty maps. */
        struct jtok *data = get_obj(obj, "data");
        struct jtok *bin = get_obj(obj, "binaryData");
        cm->keys = (int32_t)((data ? data->count : 0) + (bin ? bin->count : 0));
    }
    return &cm->obj;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static struct model_obj *decode_event(struct jtok *obj, const struct meta *m)
{
    /* core/v1 uses involvedObject, message, count, lastTimestamp; events.k8s.io/v1 uses
     * regarding, note, deprecatedCount, deprecatedLastTimestamp. Both may carry series. */
    struct jtok *inv = get_obj(obj, "involvedObject");
    if (inv == NULL)
        inv = get_obj(obj, "regarding");
    const char *message = get_str(obj, "message");
    if (message == NULL)
        message = get_str(obj, "note");
    struct jtok *series = get_obj(obj, "series");

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_event, type), get_str(obj, "type"));
    pack_add(&p, offsetof(struct model_event, reason), get_str(obj, "reason"));
    pack_add(&p, offsetof(struct model_event, message), message);
    pack_add(&p, offsetof(struct model_event, involved_kind), get_str(inv, "kind"));
    pack_add(&p, offsetof(struct model_event, involved_ns), get_str(inv, "namespace"));
    pack_add(&p, offsetof(struct model_event, involved_name), get_str(inv, "name"));
    struct model_event *ev = pack_row(MODEL_RES_EVENTS, sizeof *ev, &p, m);

    /* As kubectl prints it: a series' count, else count, else 1 for a singleton event. */
    int32_t count = get_i32(obj, "count", 0);
    if (count <= 0)
        count = get_i32(obj, "deprecatedCount", 0);
    if (series)
        count = get_i32(series, "count", count);
    ev->count = m->partial ? MODEL_COUNT_UNKNOWN : count > 0 ? count : 1;

    /* Last seen: the latest of the times the event carries, else its creation. */
    int64_t last = get_time(obj, "lastTimestamp");
    last = max64(last, get_time(obj, "deprecatedLastTimestamp"));
    last = max64(last, get_time(series, "lastObservedTime"));
    last = max64(last, get_time(obj, "eventTime"));
    if (last == 0)
        last = max64(get_time(obj, "firstTimestamp"), get_time(obj, "deprecatedFirstTimestamp"));
    ev->last_seen = last ? last : m->created;
    return &ev->obj;
}

static struct model_obj *decode_lease(struct jtok *obj, const struct meta *m)
{
    struct jtok *spec = get_obj(obj, "spec");
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_lease, holder), get_str(spec, "holderIdentity"));
    struct model_lease *l = pack_row(MODEL_RES_LEASES, sizeof *l, &p, m);
    l->duration_s = get_i32(spec, "leaseDurationSeconds", MODEL_COUNT_UNKNOWN);
    l->renewed = get_time(spec, "renewTime");
    l->acquired = get_time(spec, "acquireTime");
    return &l->obj;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* metadata.labels as "k=v,k=v" sorted by key (a new string), or NULL without labels. */
static char *join_labels(struct jtok *labels)
{
    if (labels == NULL)
        return NULL;
    size_t n = labels->count;
    char **kv = xcalloc(n ? n : 1, sizeof *kv);
    struct jtok *base = labels->doc->t;
    uint32_t k = (uint32_t)(labels - base) + 1;
    for (size_t m = 0; m < n; m++) {
        struct jtok *val = &base[k + 1];
        const char *v = tok_str(val);
        kv[m] = xasprintf("%s=%s", tok_str(&base[k]), v ? v : "");
        k = val->next;
    }
    qsort(kv, n, sizeof *kv, cmp_str);
    struct sbuf b = {0};
    sbuf_add(&b, "", 0);
    for (size_t m = 0; m < n; m++) {
        if (m)
            sbuf_add(&b, ",", 1);
        sbuf_add(&b, kv[m], strlen(kv[m]));
        free(kv[m]);
    }
    free(kv);
    return b.p;
}

static struct model_obj *decode_secret(struct jtok *obj, const struct meta *m)
{
    /* Metadata and type only: `data` and `stringData` are never looked at. */
    char *labels = join_labels(get_obj(m->m, "labels"));
    struct pack p = {0};
    pack_add(&p, offsetof(struct model_secret_meta, type),
             m->partial ? NULL : get_str(obj, "type"));
    pack_add(&p, offsetof(struct model_secret_meta, data_hash),
             get_str(get_obj(m->m, "annotations"), "reconcile.external-secrets.io/data-hash"));
    pack_add(&p, offsetof(struct model_secret_meta, labels), labels);
    struct model_secret_meta *s = pack_row(MODEL_RES_SECRETS, sizeof *s, &p, m);
    free(labels);
    return &s->obj;
}

static struct model_obj *decode_tok(enum model_res res, struct jtok *obj, struct error *err)
{
    struct meta m;
    if ((unsigned)res >= MODEL_RES_COUNT) {
        error_set(err, "decode: unknown resource %d", (int)res);
        return NULL;
    }
    if (read_meta(res, obj, &m, err) < 0)
        return NULL;
    switch (res) {
    case MODEL_RES_NODES:
        return decode_node(obj, &m);
    case MODEL_RES_PODS:
        return decode_pod(obj, &m);
    case MODEL_RES_NAMESPACES:
        return decode_namespace(obj, &m);
    case MODEL_RES_DEPLOYMENTS:
    case MODEL_RES_STATEFULSETS:
    case MODEL_RES_DAEMONSETS:
    case MODEL_RES_REPLICASETS:
        return decode_workload(res, obj, &m);
    case MODEL_RES_SERVICES:
        return decode_service(obj, &m);
    case MODEL_RES_CONFIGMAPS:
        return decode_configmap(obj, &m);
    case MODEL_RES_EVENTS:
        return decode_event(obj, &m);
    case MODEL_RES_LEASES:
        return decode_lease(obj, &m);
    case MODEL_RES_SECRETS:
        return decode_secret(obj, &m);
    case MODEL_RES_COUNT:
        break;
    }
    error_set(err, "decode: unknown resource %d", (int)res);
    return NULL;
}

/* ---- Table rows ---------------------------------------------------------------------------- */

/* The cell under column `name` as a string (borrowed; numbers are printed into tmp), or NULL. */
static const char *cell(const char *const *columns, size_t ncolumns, struct jtok *cells,
                        const char *name, char *tmp, size_t tmplen)
{
    size_t n = cells ? arr_len(cells) : 0;
    for (size_t i = 0; i < ncolumns && i < n; i++) {
        if (columns[i] == NULL || strcmp(columns[i], name) != 0)
            continue;
        struct jtok *v = arr_get(cells, i);
        if (v == NULL)
            return NULL;
        if (tok_is(v, JT_STR))
            return tok_str(v);
        if (tok_is(v, JT_NUM)) {
            snprintf(tmp, tmplen, "%lld", (long long)tok_i64(v));
            return tmp;
        }
        return NULL;
    }
    return NULL;
}

static bool is_none(const char *s)
{
    return s == NULL || s[0] == '\0' || strcmp(s, "<none>") == 0 || strcmp(s, "<unknown>") == 0;
}

/* A leading decimal number of s ("3", "3 (5m ago)"), or MODEL_COUNT_UNKNOWN. */
static int32_t leading_int(const char *s, const char **rest)
{
    if (s == NULL || !(*s >= '0' && *s <= '9'))
        return MODEL_COUNT_UNKNOWN;
    int64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        if (v < INT32_MAX)
            v = v * 10 + (*s - '0');
        s++;
    }
    if (rest)
        *rest = s;
    return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* Whether a comma-separated list contains item. */
static bool list_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static const char *const pod_phases[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};

static struct model_obj *table_pod(const char *const *cols, size_t ncols, struct jtok *cells,
                                   const struct meta *m)
{
    char t1[32], t2[32], t3[32], t4[32];
    const char *ready = cell(cols, ncols, cells, "Ready", t1, sizeof t1);
    const char *status = cell(cols, ncols, cells, "Status", t2, sizeof t2);
    const char *restarts = cell(cols, ncols, cells, "Restarts", t3, sizeof t3);
    const char *node = cell(cols, ncols, cells, "Node", t4, sizeof t4);
    struct jtok *owner = controller_ref(m->m);

    /* Status is the phase, or the reason kubectl shows instead (CrashLoopBackOff,
     * Init:ImagePullBackOff, ContainerCreating, Completed, Terminating, ...). */
    const char *phase = NULL, *reason = NULL;
    for (size_t i = 0; status && i < sizeof pod_phases / sizeof pod_phases[0]; i++)
        if (strcmp(status, pod_phases[i]) == 0)
            phase = pod_phases[i];
    if (status && phase == NULL) {
        if (strcmp(status, "Completed") == 0)
            phase = "Succeeded";
        else if (strcmp(status, "Terminating") != 0)
            reason = status;
    }

    struct pack p = {0};
    pack_add(&p, offsetof(struct model_pod, phase), phase);
    pack_add(&p, offsetof(struct model_pod, node), is_none(node) ? NULL : node);
    pack_add(&p, offsetof(struct model_pod, owner_kind), get_str(owner, "kind"));
    pack_add(&p, offsetof(struct model_pod, owner_name), get_str(owner, "name"));
    pack_add(&p, offsetof(struct model_pod, waiting_reason), reason);
    pack_add(&p, offsetof(struct model_pod, images), NULL);
    struct model_pod *pod = pack_row(MODEL_RES_PODS, sizeof *pod, &p, m);

    /* Ready is "ready/total". */
    const char *rest = NULL;
    pod->containers_ready = leading_int(ready, &rest);
    pod->containers = MODEL_COUNT_UNKNOWN;
    if (pod->containers_ready != MODEL_COUNT_UNKNOWN && rest && *rest == '/')
        pod->containers = leading_int(rest + 1, NULL);
    if (pod->containers == MODEL_COUNT_UNKNOWN)
        pod->containers_ready = MODEL_COUNT_UNKNOWN;
    pod->restarts = leading_int(restarts, NULL);
    if (pod->containers > 0 && status)
        pod->ready = pod->containers_ready == pod->containers && strcmp(status, "Running") == 0
                         ? MODEL_TRUE
                         : MODEL_FALSE;
    else
        pod->ready = MODEL_UNKNOWN;
    /* a Table row has no resources */
    pod->cpu_request_m = pod->cpu_limit_m = MODEL_QTY_UNKNOWN;
    pod->mem_request = pod->mem_limit = MODEL_QTY_UNKNOWN;
    return &pod->obj;
}

static struct model_obj *table_node(const char *const *cols, size_t ncols, struct jtok *cells,
                                    const struct meta *m)
{
    char t1[32], t2[32], t3[32];
    const char *status = cell(cols, ncols, cells, "Status", t1, sizeof t1);
    const char *roles = cell(cols, ncols, cells, "Roles", t2, sizeof t2);
    const char *version = cell(cols, ncols, cells, "Version", t3, sizeof t3);
    struct jtok *labels = get_obj(m->m, "labels");

    struct pack p = {0};
    node_pack_labels(&p, labels);
    pack_add(&p, offsetof(struct model_node, kubelet_version), is_none(version) ? NULL : version);
    struct model_node *n = pack_row(MODEL_RES_NODES, sizeof *n, &p, m);

    if (labels)
        n->role = node_role_from_labels(labels);
    else if (roles)
        n->role = list_has(roles, "control-plane") || list_has(roles, "master")
                      ? MODEL_ROLE_CONTROL_PLANE
                      : MODEL_ROLE_WORKER;
    else
        n->role = MODEL_ROLE_UNKNOWN;
    /* Status is "Ready", "NotReady" or "Unknown", with ",SchedulingDisabled" when cordoned. */
    n->ready = MODEL_UNKNOWN;
    n->schedulable = MODEL_UNKNOWN;
    if (status) {
        if (list_has(status, "Ready"))
            n->ready = MODEL_TRUE;
        else if (list_has(status, "NotReady"))
            n->ready = MODEL_FALSE;
        n->schedulable = list_has(status, "SchedulingDisabled") ? MODEL_FALSE : MODEL_TRUE;
    }
    return &n->obj;
}

static struct model_obj *table_row_tok(enum model_res res, const char *const *columns,
                                       size_t ncolumns, struct jtok *row, struct error *err)
{
    if (res != MODEL_RES_PODS && res != MODEL_RES_NODES) {
        error_set(err, "table rows: only pods and nodes are decoded, not %s", model_res_name(res));
        return NULL;
    }
    if (!tok_is(row, JT_OBJ)) {
        error_set(err, "%s table: a row is not a JSON object", model_res_name(res));
        return NULL;
    }
    struct jtok *cells = get_arr(row, "cells");
    if (cells == NULL) {
        error_set(err, "%s table: a row without cells", model_res_name(res));
        return NULL;
    }
    /* The name and namespace come from the row's object (includeObject=Metadata) when there is
     * one, else from the Name (and Namespace) cells. */
    struct jtok *obj = get_obj(row, "object");
    struct meta m = {0};
    char t1[32], t2[32];
    if (obj && get_str(get_obj(obj, "metadata"), "name")) {
        if (read_meta(res, obj, &m, err) < 0)
            return NULL;
        m.partial = true;
    } else {
        m.name = cell(columns, ncolumns, cells, "Name", t1, sizeof t1);
        m.ns = cell(columns, ncolumns, cells, "Namespace", t2, sizeof t2);
        if (is_none(m.name)) {
            error_set(err, "%s table: a row without a name", model_res_name(res));
            return NULL;
        }
    }
    if (res == MODEL_RES_PODS)
        return table_pod(columns, ncolumns, cells, &m);
    return table_node(columns, ncolumns, cells, &m);
}

/* ---- misc ---------------------------------------------------------------------------------- */

/* What the pod and node decoders never read, by size in a real object: the bulk of a pod is its
 * containers' env, probes and mounts, its volumes, affinity and annotations; of a node, the
 * images it holds (50 of them: two thirds of the object). Skipped, these cost a bracket-matching
 * pass and no tokens. Anything not named here is tokenized as before, so a field a decoder starts
 * reading later is never silently missing unless it is listed here. */
static const struct jskip_rule pod_skip[] = {
    JSKIP(1, "metadata", "annotations"),
    JSKIP(1, "metadata", "labels"),
    JSKIP(1, "spec", "volumes"),
    JSKIP(1, "spec", "affinity"),
    JSKIP(1, "spec", "tolerations"),
    JSKIP(1, "spec", "topologySpreadConstraints"),
    JSKIP(1, "spec", "securityContext"),
    JSKIP(1, "spec", "imagePullSecrets"),
    JSKIP(3, "containers", "env"),
    JSKIP(3, "containers", "envFrom"),
    JSKIP(3, "containers", "ports"),
    JSKIP(4, "resources", "claims"), /* of resources, only requests and limits are read */
    JSKIP(3, "containers", "volumeMounts"),
    JSKIP(3, "containers", "livenessProbe"),
    JSKIP(3, "containers", "readinessProbe"),
    JSKIP(3, "containers", "startupProbe"),
    JSKIP(3, "containers", "lifecycle"),
    JSKIP(3, "containers", "securityContext"),
    JSKIP(3, "containers", "args"),
    JSKIP(3, "containers", "command"),
    JSKIP(3, "initContainers", "env"),
    JSKIP(3, "initContainers", "volumeMounts"),
    JSKIP(3, "initContainers", "ports"),
    JSKIP(3, "initContainers", "command"),
    JSKIP(3, "initContainers", "args"),
    JSKIP(3, "containerStatuses", "lastState"),
    JSKIP(3, "containerStatuses", "imageID"),
    JSKIP(3, "containerStatuses", "containerID"),
    {0, NULL, 0, NULL, 0},
};

static const struct jskip_rule node_skip[] = {
    JSKIP(1, "metadata", "annotations"),
    JSKIP(1, "status", "images"),
    JSKIP(1, "status", "volumesAttached"),
    JSKIP(1, "status", "volumesInUse"),
    {0, NULL, 0, NULL, 0},
};

static const struct jskip_rule *skip_rules(enum model_res res)
{
    return res == MODEL_RES_PODS ? pod_skip : res == MODEL_RES_NODES ? node_skip : NULL;
}

/* Tokenizes one item, reporting where it is malformed. */
static int parse_item(struct jdoc *d, enum model_res res, const struct jskip_rule *skip,
                      const char *json, size_t len, struct error *err)
{
    if (jdoc_parse(d, json, len, skip) == 0)
        return 0;
    error_set(err, "%s: malformed JSON at byte %zu of an item: %s", model_res_name(res),
              d->error_at, d->error);
    jdoc_fini(d);
    return -1;
}

struct model_obj *k8s_decode_json(enum model_res res, const char *json, size_t len, char *rv,
                                  size_t rvlen, struct error *err)
{
    if (rv && rvlen)
        rv[0] = '\0';
    struct jdoc *d = xmalloc(sizeof *d);
    if (parse_item(d, res, skip_rules(res), json, len, err) < 0) {
        free(d);
        return NULL;
    }
    struct model_obj *row = decode_tok(res, &d->t[0], err);
    if (row && rv && rvlen) {
        const char *v = get_str(get_obj(&d->t[0], "metadata"), "resourceVersion");
        snprintf(rv, rvlen, "%s", v ? v : "");
    }
    jdoc_fini(d);
    free(d);
    return row;
}

struct model_obj *k8s_decode_table_row_json(enum model_res res, const char *const *columns,
                                            size_t ncolumns, const char *json, size_t len,
                                            struct error *err)
{
    struct jdoc *d = xmalloc(sizeof *d);
    if (parse_item(d, res, NULL, json, len, err) < 0) {
        free(d);
        return NULL;
    }
    struct model_obj *row = table_row_tok(res, columns, ncolumns, &d->t[0], err);
    jdoc_fini(d);
    free(d);
    return row;
}

/* The text of a json-c value, for the token path. */
static const char *jsonc_text(struct json_object *obj, size_t *len)
{
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
    return s ? s : "";
}

struct model_obj *k8s_decode_object(enum model_res res, struct json_object *obj, struct error *err)
{
    if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
        error_set(err, "%s: the object is not a JSON object", model_res_name(res));
        return NULL;
    }
    size_t len;
    const char *text = jsonc_text(obj, &len);
    return k8s_decode_json(res, text, len, NULL, 0, err);
}

struct model_obj *k8s_decode_table_row(enum model_res res, const char *const *columns,
                                       size_t ncolumns, struct json_object *row, struct error *err)
{
    if (row == NULL || !json_object_is_type(row, json_type_object)) {
        error_set(err, "%s table: a row is not a JSON object", model_res_name(res));
        return NULL;
    }
    size_t len;
    const char *text = jsonc_text(row, &len);
    return k8s_decode_table_row_json(res, columns, ncolumns, text, len, err);
}

const char *k8s_object_resource_version(struct json_object *obj)
{
    struct json_object *meta = NULL, *rv = NULL;
    if (obj == NULL || !json_object_object_get_ex(obj, "metadata", &meta) || meta == NULL ||
        !json_object_object_get_ex(meta, "resourceVersion", &rv) || rv == NULL ||
        !json_object_is_type(rv, json_type_string))
        return NULL;
    return json_object_get_string(rv);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int mo, int d)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t k8s_parse_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    if (s == NULL || strlen(s) < 20)
        return 0;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return 0;
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return 0;
    }
    if (*p != '\0')
        return 0;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return t;
}

/* ---- Kubernetes protobuf ----------------------------------------------------------------------
 *
 * A pod or node sent as application/vnd.kubernetes.protobuf becomes the same token tree the JSON
 * path builds, holding only the members the decoders above read, so that both wire formats give
 * the same row by construction. Everything else is skipped by its length: managedFields, volumes,
 * env, probes and a node's images cost a jump each, not a scan. Field numbers are transcribed from
 * kubernetes/api core/v1/generated.proto and apimachinery meta/v1/generated.proto (independently
 * of core/k8s_proto.c's table; unit/test_k8s_proto_decode compares the rows of both formats).
 * Protobuf rules honoured: fields in any order, a repeated field's elements interleaved with other
 * fields, a message field sent twice merged, the last of a scalar sent twice wins, unknown fields
 * of every wire type skipped. Kubernetes writes a Go value field even when it is empty, where the
 * JSON omits it: an empty string and an empty Time are taken as absent. */

enum pbkind { PB_STR, PB_BOOL, PB_INT, PB_TIME, PB_MSG, PB_MAP_STR, PB_MAP_QTY };

enum pbmsg {
    PBM_POD,
    PBM_NODE,
    PBM_META,
    PBM_OWNER,
    PBM_PODSPEC,
    PBM_CONTAINER,
    PBM_RESOURCES,
    PBM_PODSTATUS,
    PBM_CONDITION,
    PBM_CSTATUS,
    PBM_CSTATE,
    PBM_WAITING,
    PBM_NODESPEC,
    PBM_NODESTATUS,
    PBM_NODEINFO,
    PBM_COUNT
};

struct pbfield {
    uint8_t num;
    uint8_t kind; /* enum pbkind */
    bool rep;     /* repeated: a JSON array */
    int8_t msg;   /* PB_MSG: enum pbmsg */
    const char *json;
};

#define PBF(num, kind, rep, msg, json)                                                             \
    {                                                                                              \
        num, kind, rep, msg, json                                                                  \
    }
#define PBF_END PBF(0, 0, false, -1, NULL)

static const struct pbfield pbf_pod[] = {PBF(1, PB_MSG, false, PBM_META, "metadata"),
                                         PBF(2, PB_MSG, false, PBM_PODSPEC, "spec"),
                                         PBF(3, PB_MSG, false, PBM_PODSTATUS, "status"), PBF_END};
static const struct pbfield pbf_node[] = {PBF(1, PB_MSG, false, PBM_META, "metadata"),
                                          PBF(2, PB_MSG, false, PBM_NODESPEC, "spec"),
                                          PBF(3, PB_MSG, false, PBM_NODESTATUS, "status"), PBF_END};
/* ObjectMeta: name 1, namespace 3, uid 5, resourceVersion 6, creationTimestamp 8, labels 11,
 * ownerReferences 13 */
static const struct pbfield pbf_meta[] = {PBF(1, PB_STR, false, -1, "name"),
                                          PBF(3, PB_STR, false, -1, "namespace"),
                                          PBF(5, PB_STR, false, -1, "uid"),
                                          PBF(6, PB_STR, false, -1, "resourceVersion"),
                                          PBF(8, PB_TIME, false, -1, "creationTimestamp"),
                                          PBF(11, PB_MAP_STR, false, -1, "labels"),
                                          PBF(13, PB_MSG, true, PBM_OWNER, "ownerReferences"),
                                          PBF_END};
/* OwnerReference: kind 1, name 3, uid 4, controller 6 */
static const struct pbfield pbf_owner[] = {
    PBF(1, PB_STR, false, -1, "kind"), PBF(3, PB_STR, false, -1, "name"),
    PBF(4, PB_STR, false, -1, "uid"), PBF(6, PB_BOOL, false, -1, "controller"), PBF_END};
/* PodSpec: containers 2, nodeName 10, initContainers 20 */
static const struct pbfield pbf_podspec[] = {
    PBF(2, PB_MSG, true, PBM_CONTAINER, "containers"), PBF(10, PB_STR, false, -1, "nodeName"),
    PBF(20, PB_MSG, true, PBM_CONTAINER, "initContainers"), PBF_END};
/* Container: name 1, image 2, resources 8, restartPolicy 24 */
static const struct pbfield pbf_container[] = {
    PBF(1, PB_STR, false, -1, "name"), PBF(2, PB_STR, false, -1, "image"),
    PBF(8, PB_MSG, false, PBM_RESOURCES, "resources"), PBF(24, PB_STR, false, -1, "restartPolicy"),
    PBF_END};
/* ResourceRequirements: limits 1, requests 2 (map<string, Quantity{string 1}>) */
static const struct pbfield pbf_resources[] = {PBF(1, PB_MAP_QTY, false, -1, "limits"),
                                               PBF(2, PB_MAP_QTY, false, -1, "requests"), PBF_END};
/* PodStatus: phase 1, conditions 2, containerStatuses 8, initContainerStatuses 10 */
static const struct pbfield pbf_podstatus[] = {
    PBF(1, PB_STR, false, -1, "phase"), PBF(2, PB_MSG, true, PBM_CONDITION, "conditions"),
    PBF(8, PB_MSG, true, PBM_CSTATUS, "containerStatuses"),
    PBF(10, PB_MSG, true, PBM_CSTATUS, "initContainerStatuses"), PBF_END};
/* PodCondition and NodeCondition: type 1, status 2 */
static const struct pbfield pbf_condition[] = {PBF(1, PB_STR, false, -1, "type"),
                                               PBF(2, PB_STR, false, -1, "status"), PBF_END};
/* ContainerStatus: state 2, ready 4, restartCount 5 */
static const struct pbfield pbf_cstatus[] = {PBF(2, PB_MSG, false, PBM_CSTATE, "state"),
                                             PBF(4, PB_BOOL, false, -1, "ready"),
                                             PBF(5, PB_INT, false, -1, "restartCount"), PBF_END};
/* ContainerState: waiting 1; ContainerStateWaiting: reason 1 */
static const struct pbfield pbf_cstate[] = {PBF(1, PB_MSG, false, PBM_WAITING, "waiting"), PBF_END};
static const struct pbfield pbf_waiting[] = {PBF(1, PB_STR, false, -1, "reason"), PBF_END};
/* NodeSpec: unschedulable 4; NodeStatus: conditions 4, nodeInfo 7; NodeSystemInfo:
 * kubeletVersion 7 */
static const struct pbfield pbf_nodespec[] = {PBF(4, PB_BOOL, false, -1, "unschedulable"), PBF_END};
static const struct pbfield pbf_nodestatus[] = {PBF(4, PB_MSG, true, PBM_CONDITION, "conditions"),
                                                PBF(7, PB_MSG, false, PBM_NODEINFO, "nodeInfo"),
                                                PBF_END};
static const struct pbfield pbf_nodeinfo[] = {PBF(7, PB_STR, false, -1, "kubeletVersion"), PBF_END};

static const struct pbfield *const pb_schema[PBM_COUNT] = {
    [PBM_POD] = pbf_pod,
    [PBM_NODE] = pbf_node,
    [PBM_META] = pbf_meta,
    [PBM_OWNER] = pbf_owner,
    [PBM_PODSPEC] = pbf_podspec,
    [PBM_CONTAINER] = pbf_container,
    [PBM_RESOURCES] = pbf_resources,
    [PBM_PODSTATUS] = pbf_podstatus,
    [PBM_CONDITION] = pbf_condition,
    [PBM_CSTATUS] = pbf_cstatus,
    [PBM_CSTATE] = pbf_cstate,
    [PBM_WAITING] = pbf_waiting,
    [PBM_NODESPEC] = pbf_nodespec,
    [PBM_NODESTATUS] = pbf_nodestatus,
    [PBM_NODEINFO] = pbf_nodeinfo,
};

#define PB_MAX_FIELDS 8 /* the most fields a message above has */

/* The bytes of one message, or of one of the several occurrences of a field that merge. */
struct pbseg {
    const unsigned char *p;
    size_t n;
};

/* One occurrence of a wanted field: its bytes (length-delimited) or its varint. */
struct pbocc {
    uint8_t field; /* index in the message's table */
    uint64_t v;
    const unsigned char *p;
    size_t n;
};

struct pbbuild {
    struct jdoc *d;
    size_t cap; /* of d->buf */
    const char *error;
};

int k8s_pb_varint(const unsigned char *p, size_t n, size_t *i, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*i >= n)
            return -1;
        unsigned char b = p[(*i)++];
        r |= (uint64_t)(b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
            *v = r;
            return 0;
        }
    }
    return -1; /* more than 10 bytes */
}

int k8s_pb_field(const unsigned char *p, size_t n, size_t *i, struct k8s_pbf *f)
{
    uint64_t tag;
    if (k8s_pb_varint(p, n, i, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
        return -1;
    f->num = (unsigned)(tag >> 3);
    f->wt = (unsigned)(tag & 7);
    f->data = NULL;
    f->len = 0;
    f->v = 0;
    switch (f->wt) {
    case 0:
        return k8s_pb_varint(p, n, i, &f->v);
    case 1:
    case 5: {
        size_t w = f->wt == 1 ? 8 : 4;
        if (n - *i < w)
            return -1;
        f->data = p + *i;
        f->len = w;
        *i += w;
        return 0;
    }
    case 2: {
        uint64_t l;
        if (k8s_pb_varint(p, n, i, &l) < 0 || l > n - *i)
            return -1;
        f->data = p + *i;
        f->len = (size_t)l;
        *i += (size_t)l;
        return 0;
    }
    default: /* groups (3, 4) are not in any Kubernetes message; 6 and 7 do not exist */
        return -1;
    }
}

/* Appends s[0..n) and a NUL to the text the tokens point into; returns its offset. */
static size_t pb_text(struct pbbuild *b, const void *s, size_t n)
{
    struct jdoc *d = b->d;
    if (d->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < d->len + n + 1)
            cap *= 2;
        d->buf = xrealloc(d->buf, cap);
        b->cap = cap;
    }
    size_t at = d->len;
    if (n)
        memcpy(d->buf + at, s, n);
    d->buf[at + n] = '\0';
    d->len = at + n + 1;
    return at;
}

static void pb_str_tok(struct pbbuild *b, const void *s, size_t n)
{
    size_t at = pb_text(b, s, n);
    struct jtok *t = jdoc_push(b->d, JT_STR, at);
    t->len = (uint32_t)n;
    t->next = b->d->n;
}

static void pb_num_tok(struct pbbuild *b, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    size_t at = pb_text(b, tmp, (size_t)n);
    struct jtok *t = jdoc_push(b->d, JT_NUM, at);
    t->len = (uint32_t)n;
    t->next = b->d->n;
}

static void pb_key(struct pbbuild *b, const char *key)
{
    pb_str_tok(b, key, strlen(key));
}

static int pb_fail(struct pbbuild *b, const char *what)
{
    if (b->error == NULL)
        b->error = what;
    return -1;
}

/* A meta/v1 Time {seconds 1, nanos 2} as RFC 3339 text; false for the empty (zero) Time. */
static int pb_time(struct pbbuild *b, const unsigned char *p, size_t n, char out[32], bool *have)
{
    *have = false;
    size_t i = 0;
    int64_t secs = 0;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return pb_fail(b, "malformed Time");
        if (f.num == 1 && f.wt == 0) {
            secs = (int64_t)f.v;
            *have = true;
        }
    }
    if (!*have)
        return 0;
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
        *have = false;
        return 0;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return 0;
}

/* A map<string, string> or map<string, Quantity> entry {key 1, value 2} as two tokens. */
static int pb_map_entry(struct pbbuild *b, const unsigned char *p, size_t n, bool qty)
{
    const unsigned char *key = NULL, *val = NULL;
    size_t klen = 0, vlen = 0, i = 0;
    while (i < n) {
        struct k8s_pbf f;
        if (k8s_pb_field(p, n, &i, &f) < 0)
            return pb_fail(b, "malformed map entry");
        if (f.wt != 2)
            continue;
        if (f.num == 1) {
            key = f.data;
            klen = f.len;
        } else if (f.num == 2) {
            val = f.data;
            vlen = f.len;
        }
    }
    if (qty && val) { /* Quantity {string 1} */
        const unsigned char *q = NULL;
        size_t qlen = 0, j = 0;
        while (j < vlen) {
            struct k8s_pbf f;
            if (k8s_pb_field(val, vlen, &j, &f) < 0)
                return pb_fail(b, "malformed Quantity");
            if (f.num == 1 && f.wt == 2) {
                q = f.data;
                qlen = f.len;
            }
        }
        val = q;
        vlen = qlen;
    }
    pb_str_tok(b, key ? (const void *)key : "", klen);
    pb_str_tok(b, val ? (const void *)val : "", vlen);
    return 0;
}

static int pb_message(struct pbbuild *b, enum pbmsg m, const struct pbseg *segs, size_t nsegs,
                      int depth);

/* The value of field f from its occurrences occ[0..nocc) (all of the same field). */
static int pb_value(struct pbbuild *b, const struct pbfield *f, const struct pbocc *occ,
                    size_t nocc, int depth)
{
    const struct pbocc *last = &occ[nocc - 1];
    switch ((enum pbkind)f->kind) {
    case PB_STR:
        pb_str_tok(b, last->p, last->n);
        return 0;
    case PB_BOOL: {
        /* two statements: the push must come before n is read (an assignment's operands are
         * unsequenced: clang read n first) */
        struct jtok *t = jdoc_push(b->d, last->v ? JT_TRUE : JT_FALSE, b->d->len);
        t->next = b->d->n;
        return 0;
    }
    case PB_INT:
        pb_num_tok(b, (int64_t)last->v);
        return 0;
    case PB_TIME:
        return -1; /* handled by the caller (an empty Time is no member at all) */
    case PB_MAP_STR:
    case PB_MAP_QTY: {
        uint32_t oi = b->d->n;
        jdoc_push(b->d, JT_OBJ, b->d->len);
        for (size_t k = 0; k < nocc; k++)
            if (pb_map_entry(b, occ[k].p, occ[k].n, f->kind == PB_MAP_QTY) < 0)
                return -1;
        b->d->t[oi].count = (uint32_t)nocc;
        b->d->t[oi].next = b->d->n;
        return 0;
    }
    case PB_MSG:
        break;
    }
    if (f->rep) {
        uint32_t ai = b->d->n;
        jdoc_push(b->d, JT_ARR, b->d->len);
        for (size_t k = 0; k < nocc; k++) {
            struct pbseg s = {occ[k].p, occ[k].n};
            if (pb_message(b, (enum pbmsg)f->msg, &s, 1, depth + 1) < 0)
                return -1;
        }
        b->d->t[ai].count = (uint32_t)nocc;
        b->d->t[ai].next = b->d->n;
        return 0;
    }
    struct pbseg stack[4], *segs = nocc <= 4 ? stack : xreallocarray(NULL, nocc, sizeof *segs);
    for (size_t k = 0; k < nocc; k++)
        segs[k] = (struct pbseg){occ[k].p, occ[k].n};
    int rc = pb_message(b, (enum pbmsg)f->msg, segs, nocc, depth + 1);
    if (segs != stack)
        free(segs);
    return rc;
}

static int occ_cmp(const void *a, const void *b)
{
    const struct pbocc *x = a, *y = b;
    return (x->field > y->field) - (x->field < y->field);
}

/* Message m, merged from segs[0..nsegs), as an object token holding the wanted members. */
static int pb_message(struct pbbuild *b, enum pbmsg m, const struct pbseg *segs, size_t nsegs,
                      int depth)
{
    if (depth > 16)
        return pb_fail(b, "nested too deeply");
    const struct pbfield *fields = pb_schema[m];
    /* the wanted occurrences, in wire order; a stable sort by field then keeps each field's
     * elements (and its last scalar) in order */
    struct pbocc stack[32], *occ = stack;
    size_t nocc = 0, cap = 32;
    int rc = 0;
    for (size_t s = 0; s < nsegs && rc == 0; s++) {
        const unsigned char *p = segs[s].p;
        size_t n = segs[s].n, i = 0;
        while (i < n) {
            struct k8s_pbf f;
            if (k8s_pb_field(p, n, &i, &f) < 0) {
                rc = pb_fail(b, "malformed field");
                break;
            }
            size_t fi = 0;
            while (fields[fi].json && fields[fi].num != f.num)
                fi++;
            if (fields[fi].json == NULL)
                continue; /* not read: skipped by its length */
            bool varint = fields[fi].kind == PB_BOOL || fields[fi].kind == PB_INT;
            if (f.wt != (varint ? 0u : 2u)) {
                rc = pb_fail(b, "a field of the wrong wire type");
                break;
            }
            if (nocc == cap) {
                cap *= 2;
                if (occ == stack) {
                    occ = xreallocarray(NULL, cap, sizeof *occ);
                    memcpy(occ, stack, sizeof stack);
                } else {
                    occ = xreallocarray(occ, cap, sizeof *occ);
                }
            }
            occ[nocc++] = (struct pbocc){(uint8_t)fi, f.v, f.data, f.len};
        }
    }
    if (rc == 0) {
        /* insertion sort: stable, and the occurrences are few and mostly in order already */
        for (size_t k = 1; k < nocc; k++) {
            struct pbocc x = occ[k];
            size_t j = k;
            while (j > 0 && occ_cmp(&occ[j - 1], &x) > 0) {
                occ[j] = occ[j - 1];
                j--;
            }
            occ[j] = x;
        }
        uint32_t oi = b->d->n;
        jdoc_push(b->d, JT_OBJ, b->d->len);
        uint32_t members = 0;
        for (size_t k = 0; k < nocc && rc == 0;) {
            size_t e = k;
            while (e < nocc && occ[e].field == occ[k].field)
                e++;
            const struct pbfield *f = &fields[occ[k].field];
            if (f->kind == PB_STR && occ[e - 1].n == 0) {
                /* an empty Go string: JSON omits it */
            } else if (f->kind == PB_TIME) {
                char text[32];
                bool have;
                rc = pb_time(b, occ[e - 1].p, occ[e - 1].n, text, &have);
                if (rc == 0 && have) {
                    pb_key(b, f->json);
                    pb_str_tok(b, text, strlen(text));
                    members++;
                }
            } else {
                pb_key(b, f->json);
                rc = pb_value(b, f, &occ[k], e - k, depth);
                members++;
            }
            k = e;
        }
        b->d->t[oi].count = members;
        b->d->t[oi].next = b->d->n;
    }
    if (occ != stack)
        free(occ);
    return rc;
}

struct model_obj *k8s_decode_proto(enum model_res res, const unsigned char *msg, size_t len,
                                   char *rv, size_t rvlen, struct error *err)
{
    if (rv && rvlen)
        rv[0] = '\0';
    if (res != MODEL_RES_PODS && res != MODEL_RES_NODES) {
        error_set(err, "%s: no protobuf decoder", model_res_name(res));
        return NULL;
    }
    if (len >= UINT32_MAX / 2) {
        error_set(err, "%s: object too large", model_res_name(res));
        return NULL;
    }
    struct jdoc *d = xmalloc(sizeof *d);
    jdoc_init(d, NULL);
    struct pbbuild b = {d, 0, NULL};
    struct pbseg s = {msg, len};
    struct model_obj *row = NULL;
    if (pb_message(&b, res == MODEL_RES_PODS ? PBM_POD : PBM_NODE, &s, 1, 0) < 0) {
        error_set(err, "%s: " K8S_DECODE_PROTO_MALFORMED ": %s", model_res_name(res), b.error);
    } else {
        row = decode_tok(res, &d->t[0], err);
        if (row && rv && rvlen) {
            const char *v = get_str(get_obj(&d->t[0], "metadata"), "resourceVersion");
            snprintf(rv, rvlen, "%s", v ? v : "");
        }
    }
    jdoc_fini(d);
    free(d);
    return row;
}
