/* Decoding what drift compares: Secret and ConfigMap items (values hashed, then wiped in the
 * text before anything else parses it), ExternalSecrets, SecretStores and GetSecretValue
 * answers. The item walker below knows just enough JSON to find the values; json-c only ever
 * sees text whose values are already overwritten. */
#include "cutover/drift.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/model.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

/* ---- a minimal in-place JSON walker ------------------------------------------------------ */

struct jw {
    char *s;
    size_t n;
    size_t i;
};

#define JW_MAX_DEPTH 64

static void jw_ws(struct jw *w)
{
    while (w->i < w->n &&
           (w->s[w->i] == ' ' || w->s[w->i] == '\t' || w->s[w->i] == '\n' || w->s[w->i] == '\r'))
        w->i++;
}

static bool jw_peek(struct jw *w, char c)
{
    jw_ws(w);
    return w->i < w->n && w->s[w->i] == c;
}

/* At a '"': the content range [*a, *b) (escapes not decoded); advances past the closing quote. */
static int jw_string(struct jw *w, size_t *a, size_t *b)
{
    jw_ws(w);
    if (w->i >= w->n || w->s[w->i] != '"')
        return -1;
    size_t i = w->i + 1;
    *a = i;
    while (i < w->n && w->s[i] != '"') {
        if (w->s[i] == '\\')
            i++;
        i++;
    }
    if (i >= w->n)
        return -1;
    *b = i;
    w->i = i + 1;
    return 0;
}

/* An object member's key: its range [*a, *b) (escapes not decoded); advances past the ':'. */
static int jw_key(struct jw *w, size_t *a, size_t *b)
{
    if (jw_string(w, a, b) < 0 || !jw_peek(w, ':'))
        return -1;
    w->i++;
    return 0;
}

/* After a value in a container that close ends: past a ',' (1: another value follows) or past
 * close (0: the container ended); -1 for anything else. */
static int jw_next(struct jw *w, char close)
{
    jw_ws(w);
    if (w->i < w->n && w->s[w->i] == ',') {
        w->i++;
        return 1;
    }
    if (w->i < w->n && w->s[w->i] == close) {
        w->i++;
        return 0;
    }
    return -1;
}

static int jw_skip(struct jw *w, int depth);

static int jw_skip_container(struct jw *w, char close, bool obj, int depth)
{
    if (depth > JW_MAX_DEPTH)
        return -1;
    w->i++; /* the opener */
    if (jw_peek(w, close)) {
        w->i++;
        return 0;
    }
    for (;;) {
        if (obj) {
            size_t a, b;
            if (jw_key(w, &a, &b) < 0)
                return -1;
        }
        if (jw_skip(w, depth + 1) < 0)
            return -1;
        int more = jw_next(w, close);
        if (more <= 0)
            return more;
    }
}

/* Skips one value of any kind. */
static int jw_skip(struct jw *w, int depth)
{
    jw_ws(w);
    if (w->i >= w->n)
        return -1;
    char c = w->s[w->i];
    if (c == '"') {
        size_t a, b;
        return jw_string(w, &a, &b);
    }
    if (c == '{')
        return jw_skip_container(w, '}', true, depth);
    if (c == '[')
        return jw_skip_container(w, ']', false, depth);
    size_t st = w->i;
    while (w->i < w->n && strchr(",}] \t\r\n", w->s[w->i]) == NULL)
        w->i++;
    return w->i > st ? 0 : -1;
}

static int hex4(const char *p, size_t left, unsigned *out)
{
    if (left < 4)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = text_hex_digit(p[k]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

/* Decodes the JSON string content s[0..n) into out (at least n bytes); returns the length, or
 * (size_t)-1 on a bad escape. */
static size_t unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        if (++i >= n)
            return (size_t)-1;
        switch (s[i]) {
        case '"':
        case '\\':
        case '/':
            out[o++] = s[i];
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            unsigned cp;
            if (hex4(s + i + 1, n - i - 1, &cp) < 0)
                return (size_t)-1;
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < n && s[i + 1] == '\\' && s[i + 2] == 'u') {
                unsigned lo;
                if (hex4(s + i + 3, n - i - 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            /* a \uXXXX escape takes 6 bytes and decodes to at most 4 */
            if (cp < 0x80) {
                out[o++] = (char)cp;
            } else if (cp < 0x800) {
                out[o++] = (char)(0xc0 | cp >> 6);
                out[o++] = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                out[o++] = (char)(0xe0 | cp >> 12);
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[o++] = (char)(0x80 | (cp & 0x3f));
            } else {
                out[o++] = (char)(0xf0 | cp >> 18);
                out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[o++] = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default:
            return (size_t)-1;
        }
    }
    return o;
}

/* A key's name as a new string. */
static char *key_name(const char *s, size_t a, size_t b)
{
    char *k = xmalloc(b - a + 1);
    size_t n = unescape(s + a, b - a, k);
    if (n == (size_t)-1)
        n = 0;
    k[n] = '\0';
    return k;
}

static bool key_is(const struct jw *w, size_t a, size_t b, const char *lit)
{
    size_t n = strlen(lit);
    return b - a == n && memcmp(w->s + a, lit, n) == 0;
}

/* Overwrites the content of a string value (still valid JSON: '*' needs no escape). */
static void blank(struct jw *w, size_t a, size_t b)
{
    secret_hash_wipe(w->s + a, b - a);
    memset(w->s + a, '*', b - a);
}

enum hash_how { HASH_NONE, HASH_TEXT, HASH_BASE64 };

/* Appends a zeroed key named name (taken) to v[0..*n). */
static struct drift_key *key_push(struct drift_key **v, size_t *n, char *name)
{
    *v = xreallocarray(*v, *n + 1, sizeof **v);
    struct drift_key *k = &(*v)[(*n)++];
    memset(k, 0, sizeof *k);
    k->name = name;
    return k;
}

/* Frees the keys v[0..*n) and their names; v empty after. */
static void keys_clear(struct drift_key **v, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*v)[i].name);
    free(*v);
    *v = NULL;
    *n = 0;
}

static void add_key(struct drift_item *it, char *name, const unsigned char *mac)
{
    struct drift_key *k = key_push(&it->keys, &it->nkeys, name);
    if (mac) {
        memcpy(k->mac, mac, SECRET_HASH_LEN);
        k->has_mac = true;
    }
}

/* The value of data / binaryData: an object of strings. Each value is hashed and blanked. */
static int walk_data(struct jw *w, struct drift_item *it, enum hash_how how)
{
    if (!jw_peek(w, '{'))
        return jw_skip(w, 1); /* null */
    w->i++;
    if (jw_peek(w, '}')) {
        w->i++;
        return 0;
    }
    for (;;) {
        size_t ka, kb, va, vb;
        if (jw_key(w, &ka, &kb) < 0)
            return -1;
        char *name = key_name(w->s, ka, kb);
        if (jw_peek(w, '"')) {
            if (jw_string(w, &va, &vb) < 0) {
                free(name);
                return -1;
            }
            unsigned char mac[SECRET_HASH_LEN];
            if (how != HASH_NONE) {
                char *tmp = xmalloc(vb - va + 1);
                size_t n = unescape(w->s + va, vb - va, tmp);
                if (n == (size_t)-1)
                    n = 0;
                if (how == HASH_BASE64)
                    secret_hash_b64(tmp, n, mac);
                else
                    secret_hash(tmp, n, mac);
                secret_hash_wipe(tmp, vb - va + 1);
                free(tmp);
            }
            blank(w, va, vb);
            add_key(it, name, how != HASH_NONE ? mac : NULL);
        } else {
            if (jw_skip(w, 1) < 0) {
                free(name);
                return -1;
            }
            unsigned char mac[SECRET_HASH_LEN];
            if (how != HASH_NONE)
                secret_hash("", 0, mac); /* null: an empty value */
            add_key(it, name, how != HASH_NONE ? mac : NULL);
        }
        int more = jw_next(w, '}');
        if (more <= 0)
            return more;
    }
}

/* metadata: blanks the last-applied-configuration annotation (it holds the whole manifest,
 * values included, when the object was made with kubectl apply). */
static int walk_meta(struct jw *w)
{
    if (!jw_peek(w, '{'))
        return jw_skip(w, 1);
    w->i++;
    if (jw_peek(w, '}')) {
        w->i++;
        return 0;
    }
    for (;;) {
        size_t ka, kb;
        if (jw_key(w, &ka, &kb) < 0)
            return -1;
        if (key_is(w, ka, kb, "annotations") && jw_peek(w, '{')) {
            w->i++;
            if (jw_peek(w, '}')) {
                w->i++;
            } else {
                for (;;) {
                    size_t aa, ab, va, vb;
                    if (jw_key(w, &aa, &ab) < 0)
                        return -1;
                    if (key_is(w, aa, ab, "kubectl.kubernetes.io/last-applied-configuration") &&
                        jw_peek(w, '"')) {
                        if (jw_string(w, &va, &vb) < 0)
                            return -1;
                        blank(w, va, vb);
                    } else if (jw_skip(w, 2) < 0) {
                        return -1;
                    }
                    int more = jw_next(w, '}');
                    if (more < 0)
                        return -1;
                    if (more == 0)
                        break;
                }
            }
        } else if (jw_skip(w, 1) < 0) {
            return -1;
        }
        int more = jw_next(w, '}');
        if (more <= 0)
            return more;
    }
}

/* Walks the top-level object: hashes and blanks data/binaryData/stringData, blanks the
 * last-applied annotation. */
static int walk_item(struct jw *w, enum drift_obj_kind kind, bool hash, struct drift_item *it)
{
    if (!jw_peek(w, '{'))
        return -1;
    w->i++;
    if (jw_peek(w, '}')) {
        w->i++;
        return 0;
    }
    for (;;) {
        size_t ka, kb;
        if (jw_key(w, &ka, &kb) < 0)
            return -1;
        int rc;
        if (key_is(w, ka, kb, "data")) {
            rc = walk_data(w, it,
                           !hash                  ? HASH_NONE
                           : kind == DRIFT_SECRET ? HASH_BASE64
                                                  : HASH_TEXT);
            it->keys_known = true;
        } else if (key_is(w, ka, kb, "binaryData")) {
            rc = walk_data(w, it, hash ? HASH_BASE64 : HASH_NONE);
            it->keys_known = true;
        } else if (key_is(w, ka, kb, "stringData")) {
            rc = walk_data(w, it, hash ? HASH_TEXT : HASH_NONE);
            it->keys_known = true;
        } else if (key_is(w, ka, kb, "metadata")) {
            rc = walk_meta(w);
        } else {
            rc = jw_skip(w, 1);
        }
        if (rc < 0)
            return -1;
        int more = jw_next(w, '}');
        if (more <= 0)
            return more;
    }
}

/* Blanks every string in s[0..n) (the fallback when the walker could not follow the text). */
static void blank_all_strings(char *s, size_t n)
{
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        if (!in) {
            if (s[i] == '"')
                in = true;
        } else if (s[i] == '\\' && i + 1 < n) {
            s[i] = '*';
            s[++i] = '*';
        } else if (s[i] == '"') {
            in = false;
        } else {
            s[i] = '*';
        }
    }
}

/* ---- blanking whole documents before anything parses them --------------------------------- */

enum {
    BW_SECRETS = 1u, /* a Secret listing: data, stringData, binaryData values */
    BW_ESO = 2u,     /* External Secrets objects: fake provider values, template literals */
    BW_ALL = 4u,     /* every string of this value */
    BW_IN_FAKE = 8u, /* under spec.provider.fake */
};

#define BW_KEY_MAX 128

/* The key s[a..b) unescaped into buf (truncated keys never match anything looked for). */
static const char *bw_key(const struct jw *w, size_t a, size_t b, char buf[BW_KEY_MAX])
{
    if (b - a >= BW_KEY_MAX) {
        buf[0] = '\0';
        return buf;
    }
    size_t n = unescape(w->s + a, b - a, buf);
    if (n == (size_t)-1)
        n = 0;
    buf[n] = '\0';
    return buf;
}

static int bw_value(struct jw *w, unsigned flags, const char *key, const char *parent, int depth);

static unsigned bw_child_flags(unsigned flags, const char *key, const char *parent)
{
    if (parent && !strcmp(parent, "annotations") &&
        !strcmp(key, "kubectl.kubernetes.io/last-applied-configuration"))
        return flags | BW_ALL; /* the whole manifest, values included */
    if ((flags & BW_SECRETS) &&
        (!strcmp(key, "data") || !strcmp(key, "stringData") || !strcmp(key, "binaryData")))
        return flags | BW_ALL;
    if (flags & BW_ESO) {
        if (!strcmp(key, "fake"))
            return flags | BW_IN_FAKE;
        if ((flags & BW_IN_FAKE) && (!strcmp(key, "value") || !strcmp(key, "valueMap")))
            return flags | BW_ALL;
        if ((parent && !strcmp(parent, "template") && !strcmp(key, "data")) ||
            !strcmp(key, "literal"))
            return flags | BW_ALL;
    }
    return flags;
}

static int bw_container(struct jw *w, unsigned flags, const char *key, int depth)
{
    if (depth > JW_MAX_DEPTH)
        return -1;
    bool obj = w->s[w->i] == '{';
    char close = obj ? '}' : ']';
    w->i++;
    if (jw_peek(w, close)) {
        w->i++;
        return 0;
    }
    for (;;) {
        char kbuf[BW_KEY_MAX];
        const char *k = NULL;
        if (obj) {
            size_t a, b;
            if (jw_key(w, &a, &b) < 0)
                return -1;
            k = bw_key(w, a, b, kbuf);
        }
        unsigned cf = obj ? bw_child_flags(flags, k, key) : flags;
        if (bw_value(w, cf, k, key, depth + 1) < 0)
            return -1;
        int more = jw_next(w, close);
        if (more <= 0)
            return more;
    }
}

static int bw_value(struct jw *w, unsigned flags, const char *key, const char *parent, int depth)
{
    (void)parent;
    jw_ws(w);
    if (w->i >= w->n)
        return -1;
    char c = w->s[w->i];
    if (c == '"') {
        size_t a, b;
        if (jw_string(w, &a, &b) < 0)
            return -1;
        if (flags & BW_ALL)
            blank(w, a, b);
        return 0;
    }
    if (c == '{' || c == '[')
        return bw_container(w, flags, key, depth);
    return jw_skip(w, depth);
}

/* Walks the whole of s (one document, or newline-separated documents as a watch sends them). */
static void blank_doc(char *s, size_t n, unsigned flags)
{
    struct jw w = {.s = s, .n = n, .i = 0};
    for (;;) {
        jw_ws(&w);
        if (w.i >= w.n)
            return;
        if (bw_value(&w, flags, NULL, NULL, 0) < 0) {
            blank_all_strings(s, n); /* cannot follow it: nothing in it survives */
            return;
        }
    }
}

void drift_secret_text_blank(char *s, size_t n)
{
    blank_doc(s, n, BW_SECRETS);
}

void drift_eso_text_blank(char *s, size_t n)
{
    blank_doc(s, n, BW_ESO);
}

/* ---- json-c helpers ------------------------------------------------------------------------ */

static json_object *jget(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v))
        return v;
    return NULL;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v = jget(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static char *jdup(json_object *o, const char *k)
{
    return xstrdup_null(jstr(o, k));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "k=v,k=v" sorted by key, or NULL. */
static char *labels_of(json_object *meta)
{
    json_object *l = jget(meta, "labels");
    if (!l || !json_object_is_type(l, json_type_object) || json_object_object_length(l) == 0)
        return NULL;
    size_t n = 0, cap = (size_t)json_object_object_length(l), len = 1;
    char **kv = xcalloc(cap, sizeof *kv);
    json_object_object_foreach(l, k, v)
    {
        const char *val = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        kv[n] = xasprintf("%s=%s", k, val);
        len += strlen(kv[n]) + 1;
        n++;
    }
    qsort(kv, n, sizeof *kv, cmp_str);
    char *out = xmalloc(len);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, kv[i]);
        free(kv[i]);
    }
    free(kv);
    return out;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct drift_key *)a)->name, ((const struct drift_key *)b)->name);
}

int drift_item_decode(enum drift_obj_kind kind, char *json, size_t len, bool hash_values,
                      struct drift_item *out, struct error *err)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    struct jw w = {.s = json, .n = len, .i = 0};
    if (walk_item(&w, kind, hash_values, out) < 0) {
        blank_all_strings(json, len);
        drift_item_fini(out);
        out->kind = kind;
        error_set(err, "a %s in the list is not a JSON object this reader follows",
                  kind == DRIFT_SECRET ? "Secret" : "ConfigMap");
        return -1;
    }
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    json_object *meta = jget(o, "metadata");
    const char *name = jstr(meta, "name");
    if (!o || !name || !*name) {
        json_object_put(o);
        drift_item_fini(out);
        out->kind = kind;
        error_set(err, "a %s without metadata.name", kind == DRIFT_SECRET ? "Secret" : "ConfigMap");
        return -1;
    }
    out->ns = jdup(meta, "namespace");
    out->name = xstrdup(name);
    if (kind == DRIFT_SECRET)
        out->type = xstrdup(jstr(o, "type") ? jstr(o, "type") : "Opaque");
    out->labels = labels_of(meta);
    json_object *ann = jget(meta, "annotations");
    out->data_hash = jdup(ann, "reconcile.external-secrets.io/data-hash");
    out->cert_name = jdup(ann, "cert-manager.io/certificate-name");
    json_object *owners = jget(meta, "ownerReferences");
    size_t no = owners && json_object_is_type(owners, json_type_array)
                    ? json_object_array_length(owners)
                    : 0;
    for (size_t i = 0; i < no && !out->owner_es; i++) {
        json_object *ow = json_object_array_get_idx(owners, i);
        const char *k = jstr(ow, "kind");
        if (k && strcmp(k, "ExternalSecret") == 0)
            out->owner_es = jdup(ow, "name");
    }
    json_object_put(o);
    if (out->nkeys > 1)
        qsort(out->keys, out->nkeys, sizeof *out->keys, cmp_key);
    return 0;
}

int drift_list_decode(enum drift_obj_kind kind, char *body, size_t len, bool hash_values,
                      struct drift_side *side, char **cont, struct error *err)
{
    *cont = NULL;
    struct jw w = {.s = body, .n = len, .i = 0};
    int bad = 0;
    bool items = false, status = false;
    if (!jw_peek(&w, '{'))
        goto broken;
    w.i++;
    if (jw_peek(&w, '}'))
        goto broken;
    for (;;) {
        size_t ka, kb, va, vb;
        if (jw_key(&w, &ka, &kb) < 0)
            goto broken;
        if (key_is(&w, ka, kb, "items") && jw_peek(&w, '[')) {
            items = true;
            w.i++;
            if (jw_peek(&w, ']')) {
                w.i++;
            } else {
                for (;;) {
                    jw_ws(&w);
                    size_t st = w.i;
                    if (jw_skip(&w, 1) < 0)
                        goto broken;
                    struct drift_item it;
                    struct error ierr = {0};
                    if (drift_item_decode(kind, w.s + st, w.i - st, hash_values, &it, &ierr) < 0)
                        bad++;
                    else
                        drift_side_add_item(side, &it);
                    int more = jw_next(&w, ']');
                    if (more < 0)
                        goto broken;
                    if (more == 0)
                        break;
                }
            }
        } else if (key_is(&w, ka, kb, "metadata") && jw_peek(&w, '{')) {
            w.i++;
            if (jw_peek(&w, '}')) {
                w.i++;
            } else {
                for (;;) {
                    size_t ma, mb;
                    if (jw_key(&w, &ma, &mb) < 0)
                        goto broken;
                    if (key_is(&w, ma, mb, "continue") && jw_peek(&w, '"')) {
                        if (jw_string(&w, &va, &vb) < 0)
                            goto broken;
                        free(*cont);
                        *cont = vb > va ? key_name(w.s, va, vb) : NULL;
                    } else if (jw_skip(&w, 2) < 0) {
                        goto broken;
                    }
                    int more = jw_next(&w, '}');
                    if (more < 0)
                        goto broken;
                    if (more == 0)
                        break;
                }
            }
        } else if (key_is(&w, ka, kb, "kind") && jw_peek(&w, '"')) {
            if (jw_string(&w, &va, &vb) < 0)
                goto broken;
            status = key_is(&w, va, vb, "Status");
        } else if (jw_skip(&w, 1) < 0) {
            goto broken;
        }
        int more = jw_next(&w, '}');
        if (more < 0)
            goto broken;
        if (more == 0)
            break;
    }
    if (status || !items) {
        error_set(err, "the answer is %s, not a list", status ? "a Status" : "not a list");
        blank_all_strings(body, len);
        free(*cont);
        *cont = NULL;
        return -1;
    }
    return bad;
broken:
    blank_all_strings(body, len);
    free(*cont);
    *cont = NULL;
    error_set(err, "the list is not complete JSON (cut short?)");
    return -1;
}

void drift_item_from_meta(struct drift_item *out, enum drift_obj_kind kind, const char *ns,
                          const char *name, const char *type, const char *labels,
                          const char *data_hash)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->ns = xstrdup_null(ns);
    out->name = xstrdup(name ? name : "");
    out->type = kind == DRIFT_SECRET ? xstrdup_null(type) : NULL;
    out->labels = xstrdup_null(labels);
    out->data_hash = xstrdup_null(data_hash);
}

void drift_item_fini(struct drift_item *it)
{
    if (!it)
        return;
    free(it->ns);
    free(it->name);
    free(it->type);
    free(it->labels);
    free(it->data_hash);
    free(it->cert_name);
    free(it->owner_es);
    keys_clear(&it->keys, &it->nkeys);
    memset(it, 0, sizeof *it);
}

/* ---- External Secrets ------------------------------------------------------------------- */

static int64_t parse_time(const char *s)
{
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static json_object *ready_condition(json_object *o)
{
    json_object *conds = jget(jget(o, "status"), "conditions");
    size_t n =
        conds && json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = jstr(c, "type");
        if (t && strcmp(t, "Ready") == 0)
            return c;
    }
    return NULL;
}

int drift_es_decode(json_object *obj, bool cluster_scoped, struct drift_es *out, struct error *err)
{
    memset(out, 0, sizeof *out);
    json_object *meta = jget(obj, "metadata");
    const char *name = jstr(meta, "name");
    if (!name || !*name) {
        error_set(err, "an %s without metadata.name",
                  cluster_scoped ? "ClusterExternalSecret" : "ExternalSecret");
        return -1;
    }
    out->name = xstrdup(name);
    out->cluster_scoped = cluster_scoped;
    out->ns = cluster_scoped ? NULL : jdup(meta, "namespace");
    out->force_sync = jdup(jget(meta, "annotations"), "force-sync");
    json_object *spec = jget(obj, "spec");
    json_object *es_spec = cluster_scoped ? jget(spec, "externalSecretSpec") : spec;
    json_object *ref = jget(es_spec, "secretStoreRef");
    out->store_name = jdup(ref, "name");
    out->store_kind = xstrdup(jstr(ref, "kind") ? jstr(ref, "kind") : "SecretStore");
    json_object *target = jget(es_spec, "target");
    const char *tname = jstr(target, "name");
    if (cluster_scoped && !tname)
        tname = jstr(spec, "externalSecretName");
    out->target_name = xstrdup(tname ? tname : name);
    out->has_template = jget(target, "template") != NULL;
    out->refresh_interval = jdup(es_spec, "refreshInterval");
    json_object *data = jget(es_spec, "data");
    size_t nd =
        data && json_object_is_type(data, json_type_array) ? json_object_array_length(data) : 0;
    for (size_t i = 0; i < nd; i++) {
        json_object *d = json_object_array_get_idx(data, i);
        json_object *rr = jget(d, "remoteRef");
        if (!jstr(d, "secretKey") || !jstr(rr, "key"))
            continue;
        out->refs = xreallocarray(out->refs, out->nrefs + 1, sizeof *out->refs);
        struct drift_es_ref *r = &out->refs[out->nrefs++];
        r->secret_key = jdup(d, "secretKey");
        r->remote_key = jdup(rr, "key");
        r->property = jdup(rr, "property");
        r->version = jdup(rr, "version");
    }
    json_object *from = jget(es_spec, "dataFrom");
    size_t nf =
        from && json_object_is_type(from, json_type_array) ? json_object_array_length(from) : 0;
    for (size_t i = 0; i < nf; i++) {
        json_object *f = json_object_array_get_idx(from, i);
        json_object *ex = jget(f, "extract");
        if (!ex && jstr(f, "key")) /* v1alpha1: dataFrom[].key */
            ex = f;
        if (ex && jstr(ex, "key")) {
            out->extract = xreallocarray(out->extract, out->nextract + 1, sizeof *out->extract);
            out->extract[out->nextract++] = jdup(ex, "key");
        } else if (jget(f, "find") || jget(f, "sourceRef")) {
            out->has_find = true;
        }
    }
    json_object *c = ready_condition(obj);
    out->ready_status = jdup(c, "status");
    out->ready_reason = jdup(c, "reason");
    out->ready_message = jdup(c, "message");
    json_object *st = jget(obj, "status");
    out->refresh_time = parse_time(jstr(st, "refreshTime"));
    out->synced_rv = jdup(st, "syncedResourceVersion");
    if (!c) {
        out->state = DRIFT_ES_UNKNOWN;
    } else if (out->ready_reason && strcmp(out->ready_reason, "SecretSyncedError") == 0) {
        out->state = DRIFT_ES_SYNC_ERROR;
    } else if (out->ready_status && strcmp(out->ready_status, "True") == 0 &&
               (cluster_scoped ||
                (out->ready_reason && strcmp(out->ready_reason, "SecretSynced") == 0))) {
        out->state = DRIFT_ES_SYNCED;
    } else if (cluster_scoped && out->ready_status && strcmp(out->ready_status, "False") == 0) {
        out->state = DRIFT_ES_SYNC_ERROR;
    } else {
        out->state = DRIFT_ES_OTHER;
    }
    return 0;
}

void drift_es_fini(struct drift_es *es)
{
    if (!es)
        return;
    free(es->ns);
    free(es->name);
    free(es->store_name);
    free(es->store_kind);
    free(es->target_name);
    free(es->refresh_interval);
    free(es->ready_status);
    free(es->ready_reason);
    free(es->ready_message);
    free(es->synced_rv);
    free(es->force_sync);
    for (size_t i = 0; i < es->nrefs; i++) {
        free(es->refs[i].secret_key);
        free(es->refs[i].remote_key);
        free(es->refs[i].property);
        free(es->refs[i].version);
    }
    free(es->refs);
    for (size_t i = 0; i < es->nextract; i++)
        free(es->extract[i]);
    free(es->extract);
    memset(es, 0, sizeof *es);
}

int drift_store_decode(json_object *obj, bool cluster_scoped, struct drift_store *out,
                       struct error *err)
{
    memset(out, 0, sizeof *out);
    json_object *meta = jget(obj, "metadata");
    const char *name = jstr(meta, "name");
    if (!name || !*name) {
        error_set(err, "a %s without metadata.name",
                  cluster_scoped ? "ClusterSecretStore" : "SecretStore");
        return -1;
    }
    out->name = xstrdup(name);
    out->cluster_scoped = cluster_scoped;
    out->ns = cluster_scoped ? NULL : jdup(meta, "namespace");
    json_object *prov = jget(jget(obj, "spec"), "provider");
    if (prov && json_object_is_type(prov, json_type_object)) {
        json_object_object_foreach(prov, k, v)
        {
            out->provider = xstrdup(k);
            if (strcmp(k, "aws") == 0) {
                out->service = jdup(v, "service");
                out->region = jdup(v, "region");
                out->role = jdup(v, "role");
            }
            break;
        }
    }
    json_object *c = ready_condition(obj);
    const char *s = jstr(c, "status");
    out->ready = !s ? MODEL_UNKNOWN : strcmp(s, "True") == 0 ? MODEL_TRUE : MODEL_FALSE;
    return 0;
}

void drift_store_fini(struct drift_store *st)
{
    if (!st)
        return;
    free(st->ns);
    free(st->name);
    free(st->provider);
    free(st->service);
    free(st->region);
    free(st->role);
    memset(st, 0, sizeof *st);
}

/* ---- GetSecretValue ------------------------------------------------------------------------ */

static void sot_add_prop(struct drift_sot_secret *out, char *name, const void *v, size_t n)
{
    struct drift_key *k = key_push(&out->props, &out->nprops, name);
    secret_hash(v, n, k->mac);
    k->has_mac = true;
}

/* Hashes each top-level key of the JSON object text s[0..n) (wiped by the caller) as ESO
 * extracts it: strings by their decoded text, anything else by its JSON text. */
static bool sot_props(char *s, size_t n, struct drift_sot_secret *out)
{
    struct jw w = {.s = s, .n = n, .i = 0};
    if (!jw_peek(&w, '{'))
        return false;
    w.i++;
    if (jw_peek(&w, '}'))
        return true;
    for (;;) {
        size_t ka, kb, va, vb;
        if (jw_key(&w, &ka, &kb) < 0)
            return false;
        char *name = key_name(w.s, ka, kb);
        if (jw_peek(&w, '"')) {
            if (jw_string(&w, &va, &vb) < 0) {
                free(name);
                return false;
            }
            char *tmp = xmalloc(vb - va + 1);
            size_t m = unescape(w.s + va, vb - va, tmp);
            sot_add_prop(out, name, tmp, m == (size_t)-1 ? 0 : m);
            secret_hash_wipe(tmp, vb - va + 1);
            free(tmp);
        } else {
            jw_ws(&w);
            size_t st = w.i;
            if (jw_skip(&w, 1) < 0) {
                free(name);
                return false;
            }
            sot_add_prop(out, name, w.s + st, w.i - st);
        }
        int more = jw_next(&w, '}');
        if (more < 0)
            return false;
        if (more == 0)
            break;
    }
    jw_ws(&w);
    return w.i == w.n;
}

int drift_sot_decode(char *body, size_t len, struct drift_sot_secret *out, struct error *err)
{
    struct jw w = {.s = body, .n = len, .i = 0};
    bool found = false;
    int rc = -1;
    if (!jw_peek(&w, '{'))
        goto done;
    w.i++;
    if (jw_peek(&w, '}'))
        goto done;
    for (;;) {
        size_t ka, kb, va, vb;
        if (jw_key(&w, &ka, &kb) < 0)
            goto done;
        bool str = key_is(&w, ka, kb, "SecretString"), bin = key_is(&w, ka, kb, "SecretBinary");
        if ((str || bin) && jw_peek(&w, '"')) {
            if (jw_string(&w, &va, &vb) < 0)
                goto done;
            char *tmp = xmalloc(vb - va + 1);
            size_t m = unescape(w.s + va, vb - va, tmp);
            if (m == (size_t)-1)
                m = 0;
            if (str) {
                secret_hash(tmp, m, out->whole);
                keys_clear(&out->props, &out->nprops);
                out->is_json = sot_props(tmp, m, out);
                if (!out->is_json)
                    keys_clear(&out->props, &out->nprops);
            } else if (!found) {
                secret_hash_b64(tmp, m, out->whole);
            }
            secret_hash_wipe(tmp, vb - va + 1);
            free(tmp);
            blank(&w, va, vb);
            found = true;
        } else if (jw_skip(&w, 1) < 0) {
            goto done;
        }
        int more = jw_next(&w, '}');
        if (more < 0)
            goto done;
        if (more == 0) {
            rc = 0;
            break;
        }
    }
done:
    if (rc < 0) {
        blank_all_strings(body, len);
        error_set(err, "GetSecretValue: the answer is not JSON this reader follows");
        return -1;
    }
    if (!found) {
        error_set(err, "GetSecretValue: the answer has neither SecretString nor SecretBinary");
        return -1;
    }
    if (out->nprops > 1)
        qsort(out->props, out->nprops, sizeof *out->props, cmp_key);
    out->ok = true;
    return 0;
}

void drift_sot_secret_fini(struct drift_sot_secret *s)
{
    if (!s)
        return;
    free(s->secret_id);
    free(s->region);
    free(s->version);
    free(s->error);
    keys_clear(&s->props, &s->nprops);
    secret_hash_wipe(s, sizeof *s);
}

void drift_sot_add(struct drift_sot *sot, struct drift_sot_secret *s)
{
    sot->v = xreallocarray(sot->v, sot->n + 1, sizeof *sot->v);
    sot->v[sot->n++] = *s;
    memset(s, 0, sizeof *s);
}

const struct drift_sot_secret *drift_sot_find(const struct drift_sot *sot, const char *secret_id,
                                              const char *version)
{
    if (!sot || !secret_id)
        return NULL;
    for (size_t i = 0; i < sot->n; i++) {
        const struct drift_sot_secret *s = &sot->v[i];
        if (s->secret_id && strcmp(s->secret_id, secret_id) == 0 &&
            ((!s->version && !version) || (s->version && version && !strcmp(s->version, version))))
            return s;
    }
    return NULL;
}

void drift_sot_fini(struct drift_sot *sot)
{
    if (!sot)
        return;
    for (size_t i = 0; i < sot->n; i++)
        drift_sot_secret_fini(&sot->v[i]);
    free(sot->v);
    sot->v = NULL;
    sot->n = 0;
}
