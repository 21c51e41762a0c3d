/* Incremental scanner for Kubernetes list bodies, and line framing for watch streams.
 *
 * json_scan is a byte-level state machine that validates the whole document (strings with their
 * escapes, numbers, literals, nesting) while it follows the path to the top-level array it was
 * asked for. Each element of that array is handed out as one contiguous buffer: a pointer into
 * the caller's chunk when the element arrived whole in it, else the bytes gathered in a reusable
 * buffer. A few top-level values (kind, metadata.*, a Status's code/reason/message, a Table's
 * column names) are captured on the way. */

#include "cutover/json_scan.h"

#include "cutover/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSON_SCAN_MAX_DEPTH 512
#define JSON_SCAN_MAX_ITEM (256u * 1024u * 1024u) /* one element; larger is a runaway */
#define JSON_SCAN_MAX_CAPTURE (1024u * 1024u)     /* a captured string such as continue */
#define JSON_SCAN_MAX_KEY 64                      /* longer keys are never ones we follow */
#define JSON_SCAN_MAX_COLUMNS 4096

enum scan_state {
    ST_VALUE,          /* a value must come */
    ST_VALUE_OR_CLOSE, /* after '[': a value or ']' */
    ST_KEY,            /* after ',' in an object: a key must come */
    ST_KEY_OR_CLOSE,   /* after '{': a key or '}' */
    ST_COLON,          /* after a key */
    ST_AFTER_VALUE,    /* ',' or the closing bracket */
    ST_STRING,         /* inside a string */
    ST_STRING_ESC,     /* after a backslash */
    ST_STRING_HEX,     /* inside \uXXXX; hex_left digits to go */
    ST_LITERAL,        /* inside true/false/null */
    ST_NUM_MINUS,      /* after '-' */
    ST_NUM_ZERO,       /* a leading 0 */
    ST_NUM_INT,        /* integer digits */
    ST_NUM_FRAC0,      /* after '.' */
    ST_NUM_FRAC,       /* fraction digits */
    ST_NUM_EXP0,       /* after 'e' */
    ST_NUM_EXPSIGN,    /* after the exponent's sign */
    ST_NUM_EXP,        /* exponent digits */
    ST_DONE,           /* the top-level object closed: only whitespace may follow */
};

/* What an open container is, for following the path. */
enum scan_ctx {
    CTX_OTHER,
    CTX_TOP,     /* the top-level object */
    CTX_META,    /* top-level "metadata" */
    CTX_ITEMS,   /* the configured top-level array */
    CTX_COLDEFS, /* top-level "columnDefinitions" */
    CTX_COLDEF,  /* one element of columnDefinitions */
};

/* What to do with the scalar value being read. */
enum scan_cap {
    CAP_NONE,
    CAP_KIND,
    CAP_RV,
    CAP_CONTINUE,
    CAP_REMAINING,
    CAP_CODE,
    CAP_REASON,
    CAP_MESSAGE,
    CAP_COLUMN,
};

struct scan_buf {
    char *p;
    size_t len, cap;
};

struct json_scan {
    char *array; /* "items" or "rows" */
    json_scan_item_fn fn;
    void *arg;

    enum scan_state state;
    bool in_key;      /* the string being read is an object key */
    bool key_capture; /* the key is being gathered (its object is one we follow) */
    int hex_left;     /* \uXXXX digits still due */
    const char *lit;  /* the literal being matched */
    size_t lit_pos;
    size_t depth;
    uint8_t kinds[JSON_SCAN_MAX_DEPTH]; /* '{' or '[' per open container */
    uint8_t ctxs[JSON_SCAN_MAX_DEPTH];  /* enum scan_ctx per open container */

    char key[JSON_SCAN_MAX_KEY + 1]; /* the last key of a followed object (decoded) */
    struct scan_buf keyraw;          /* raw bytes of the key being read */
    enum scan_cap cap;               /* capture of the current scalar */
    struct scan_buf capbuf;          /* raw bytes of the captured scalar */

    bool item_active;  /* an element of the array is being read */
    bool item_copying; /* its first bytes came in an earlier chunk */
    size_t item_start; /* offset in the current chunk where its bytes start */
    struct scan_buf item;

    uint64_t offset; /* bytes consumed before the current chunk */
    int failed;      /* non-zero: the scan stopped with this value */
    bool started;

    char **columns;
    size_t ncolumns;
    bool columns_seen;

    /* Raw captures; meta is rebuilt from them. */
    int64_t status_code;
    char status_reason[64];
    char status_message[256];
    struct json_scan_meta meta;
};

/* 1 for the bytes that end a run of plain string content: '"', '\\' and control characters.
 * A constant table, so that threads share it without a race. */
static const uint8_t string_plain_table_bytes[256] = {
    [0] = 1,  [1] = 1,  [2] = 1,  [3] = 1,  [4] = 1,  [5] = 1,   [6] = 1,   [7] = 1,  [8] = 1,
    [9] = 1,  [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1,  [15] = 1,  [16] = 1, [17] = 1,
    [18] = 1, [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1,  [24] = 1,  [25] = 1, [26] = 1,
    [27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1, ['"'] = 1, ['\\'] = 1};

size_t json_scan_plain_run(const char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1f);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* v <= 0x1f (unsigned) exactly when min(v, 0x1f) == v */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
        i += 16;
    }
#endif
    while (i < n && !string_plain_table_bytes[(unsigned char)p[i]])
        i++;
    return i;
}

static int buf_append(struct scan_buf *b, const char *p, size_t n, size_t limit)
{
    if (n == 0)
        return 0;
    if (b->len + n > limit)
        return -1;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static void put_utf8(char *out, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xE0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else
            v |= (uint32_t)(c - 'A' + 10);
    }
    return v;
}

/* Decodes the raw content of an already validated JSON string into a new NUL-terminated string
 * (never longer than the raw text, so one allocation of len + 1 is enough). */
static char *unescape(const char *raw, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        c = raw[++i];
        switch (c) {
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
            uint32_t cp = hex4(raw + i + 1);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < len && raw[i + 1] == '\\' &&
                raw[i + 2] == 'u') {
                uint32_t lo = hex4(raw + i + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD; /* a lone surrogate */
            put_utf8(out, &o, cp);
            break;
        }
        default:
            out[o++] = c;
            break; /* '"', '\\', '/' */
        }
    }
    out[o] = '\0';
    return out;
}

static void copy_trunc(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Rebuilds the public meta from what has been captured so far. */
static void meta_sync(struct json_scan *s)
{
    bool status = strcmp(s->meta.kind, "Status") == 0;
    s->meta.status_code = status ? (int)s->status_code : 0;
    copy_trunc(s->meta.status_reason, sizeof s->meta.status_reason, status ? s->status_reason : "");
    copy_trunc(s->meta.status_message, sizeof s->meta.status_message,
               status ? s->status_message : "");
}

struct json_scan *json_scan_new(const char *array, json_scan_item_fn fn, void *arg)
{
    struct json_scan *s = xcalloc(1, sizeof *s);
    s->array = xstrdup(array ? array : "items");
    s->fn = fn;
    s->arg = arg;
    json_scan_reset(s);
    return s;
}

static void columns_clear(struct json_scan *s)
{
    for (size_t i = 0; i < s->ncolumns; i++)
        free(s->columns[i]);
    free(s->columns);
    s->columns = NULL;
    s->ncolumns = 0;
    s->columns_seen = false;
}

void json_scan_reset(struct json_scan *s)
{
    s->state = ST_VALUE;
    s->in_key = false;
    s->key_capture = false;
    s->depth = 0;
    s->key[0] = '\0';
    s->keyraw.len = 0;
    s->cap = CAP_NONE;
    s->capbuf.len = 0;
    s->item_active = false;
    s->item_copying = false;
    s->item.len = 0;
    s->offset = 0;
    s->failed = 0;
    s->started = false;
    columns_clear(s);
    s->status_code = 0;
    s->status_reason[0] = '\0';
    s->status_message[0] = '\0';
    free(s->meta.continue_token);
    memset(&s->meta, 0, sizeof s->meta);
    s->meta.remaining = -1;
}

void json_scan_free(struct json_scan *s)
{
    if (s == NULL)
        return;
    columns_clear(s);
    free(s->meta.continue_token);
    free(s->keyraw.p);
    free(s->capbuf.p);
    free(s->item.p);
    free(s->array);
    free(s);
}

const struct json_scan_meta *json_scan_meta(const struct json_scan *s)
{
    return &s->meta;
}

const char *const *json_scan_columns(const struct json_scan *s, size_t *n)
{
    if (n)
        *n = s->columns_seen ? s->ncolumns : 0;
    return s->columns_seen ? (const char *const *)s->columns : NULL;
}

static int fail(struct json_scan *s, struct error *err, size_t i, const char *what)
{
    error_set(err, "malformed JSON at byte %llu: %s", (unsigned long long)(s->offset + i), what);
    s->failed = -1;
    return -1;
}

/* Ends a captured string or number; raw bytes are in capbuf. */
static void capture_done(struct json_scan *s, bool is_string)
{
    enum scan_cap cap = s->cap;
    s->cap = CAP_NONE;
    if (cap == CAP_NONE)
        return;
    if (!is_string) {
        char num[32];
        size_t n = s->capbuf.len < sizeof num - 1 ? s->capbuf.len : sizeof num - 1;
        memcpy(num, s->capbuf.p, n);
        num[n] = '\0';
        long long v = strtoll(num, NULL, 10);
        if (cap == CAP_REMAINING)
            s->meta.remaining = v;
        else if (cap == CAP_CODE)
            s->status_code = v;
        meta_sync(s);
        return;
    }
    char *str = unescape(s->capbuf.p ? s->capbuf.p : "", s->capbuf.len);
    switch (cap) {
    case CAP_KIND:
        copy_trunc(s->meta.kind, sizeof s->meta.kind, str);
        break;
    case CAP_RV:
        copy_trunc(s->meta.resource_version, sizeof s->meta.resource_version, str);
        break;
    case CAP_CONTINUE:
        free(s->meta.continue_token);
        s->meta.continue_token = str;
        str = NULL;
        break;
    case CAP_REASON:
        copy_trunc(s->status_reason, sizeof s->status_reason, str);
        break;
    case CAP_MESSAGE:
        copy_trunc(s->status_message, sizeof s->status_message, str);
        break;
    case CAP_COLUMN:
        if (s->ncolumns < JSON_SCAN_MAX_COLUMNS) {
            s->columns = xreallocarray(s->columns, s->ncolumns + 1, sizeof *s->columns);
            s->columns[s->ncolumns++] = str;
            str = NULL;
        }
        break;
    default:
        break;
    }
    free(str);
    meta_sync(s);
}

/* Which scalar capture applies to a value under the current key of the innermost container. */
static enum scan_cap capture_for(const struct json_scan *s, bool is_string)
{
    if (s->depth == 0)
        return CAP_NONE;
    enum scan_ctx ctx = s->ctxs[s->depth - 1];
    const char *k = s->key;
    if (ctx == CTX_TOP) {
        if (is_string && strcmp(k, "kind") == 0)
            return CAP_KIND;
        if (!is_string && strcmp(k, "code") == 0)
            return CAP_CODE;
        if (is_string && strcmp(k, "reason") == 0)
            return CAP_REASON;
        if (is_string && strcmp(k, "message") == 0)
            return CAP_MESSAGE;
    } else if (ctx == CTX_META) {
        if (is_string && strcmp(k, "resourceVersion") == 0)
            return CAP_RV;
        if (is_string && strcmp(k, "continue") == 0)
            return CAP_CONTINUE;
        if (!is_string && strcmp(k, "remainingItemCount") == 0)
            return CAP_REMAINING;
    } else if (ctx == CTX_COLDEF) {
        if (is_string && strcmp(k, "name") == 0)
            return CAP_COLUMN;
    }
    return CAP_NONE;
}

/* The context of a container opening under the current key. */
static enum scan_ctx ctx_for(struct json_scan *s, bool is_object)
{
    if (s->depth == 0)
        return is_object ? CTX_TOP : CTX_OTHER;
    enum scan_ctx parent = s->ctxs[s->depth - 1];
    if (parent == CTX_TOP) {
        if (!is_object && strcmp(s->key, s->array) == 0)
            return CTX_ITEMS;
        if (is_object && strcmp(s->key, "metadata") == 0)
            return CTX_META;
        if (!is_object && strcmp(s->key, "columnDefinitions") == 0) {
            columns_clear(s);
            s->columns_seen = true;
            return CTX_COLDEFS;
        }
    } else if (parent == CTX_COLDEFS && is_object) {
        return CTX_COLDEF;
    }
    return CTX_OTHER;
}

static bool key_followed(const struct json_scan *s)
{
    enum scan_ctx ctx = s->ctxs[s->depth - 1];
    return ctx == CTX_TOP || ctx == CTX_META || ctx == CTX_COLDEF;
}

/* A value starts at chunk offset i: if it is an element of the array, start gathering it. */
static void item_begin(struct json_scan *s, size_t i)
{
    if (s->depth > 0 && s->ctxs[s->depth - 1] == CTX_ITEMS) {
        s->item_active = true;
        s->item_copying = false;
        s->item_start = i;
        s->item.len = 0;
    }
}

/* Hands one whole array element to the callback; a non-zero answer stops the scan for good. */
static int item_emit(struct json_scan *s, const char *p, size_t n)
{
    if (s->fn) {
        int rc = s->fn(s->arg, p, n);
        if (rc != 0) {
            s->failed = rc;
            return rc;
        }
    }
    return 0;
}

/* A value ended just before chunk offset end; emits an array element. Returns non-zero to stop. */
static int value_done(struct json_scan *s, const char *buf, size_t end, struct error *err)
{
    if (s->depth == 0) {
        s->state = ST_DONE;
        return 0;
    }
    s->state = ST_AFTER_VALUE;
    if (!s->item_active || s->ctxs[s->depth - 1] != CTX_ITEMS)
        return 0;
    s->item_active = false;
    const char *p;
    size_t n;
    if (s->item_copying) {
        if (buf_append(&s->item, buf, end, JSON_SCAN_MAX_ITEM) < 0) {
            error_set(err, "an array element is larger than %u bytes", JSON_SCAN_MAX_ITEM);
            s->failed = -1;
            return -1;
        }
        p = s->item.p;
        n = s->item.len;
    } else {
        p = buf + s->item_start;
        n = end - s->item_start;
    }
    s->item_copying = false;
    return item_emit(s, p, n);
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static int open_container(struct json_scan *s, unsigned char c, size_t i, struct error *err)
{
    if (s->depth >= JSON_SCAN_MAX_DEPTH)
        return fail(s, err, i, "nesting too deep");
    item_begin(s, i);
    enum scan_ctx ctx = ctx_for(s, c == '{');
    s->kinds[s->depth] = c;
    s->ctxs[s->depth] = (uint8_t)ctx;
    s->depth++;
    s->key[0] = '\0';
    s->state = c == '{' ? ST_KEY_OR_CLOSE : ST_VALUE_OR_CLOSE;
    return 0;
}

/* ---- the fast path for whole items ----------------------------------------------------------
 *
 * Most items arrive whole inside one chunk. For those, a recursive validator with everything in
 * locals checks the item and finds its end far faster than the byte-at-a-time state machine.
 * It accepts exactly the grammar the state machine accepts; on anything else (an error, or an
 * item that goes past the chunk) it gives up and the state machine scans the item, so errors
 * and their offsets come from one place. */

static bool fv_value(const char *p, size_t n, size_t *i, unsigned levels);

static size_t fv_ws(const char *p, size_t i, size_t n)
{
    while (i < n && is_ws((unsigned char)p[i]))
        i++;
    return i;
}

static bool fv_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string whose opening quote is at *i. */
static bool fv_string(const char *p, size_t n, size_t *i)
{
    size_t k = *i + 1;
    for (;;) {
        k += json_scan_plain_run(p + k, n - k);
        if (k >= n)
            return false;
        char c = p[k];
        if (c == '"') {
            *i = k + 1;
            return true;
        }
        if (c != '\\' || k + 1 >= n)
            return false;
        switch (p[k + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            k += 2;
            break;
        case 'u':
            if (k + 5 >= n || !fv_hex(p[k + 2]) || !fv_hex(p[k + 3]) || !fv_hex(p[k + 4]) ||
                !fv_hex(p[k + 5]))
                return false;
            k += 6;
            break;
        default:
            return false;
        }
    }
}

static bool fv_digits(const char *p, size_t n, size_t *k)
{
    size_t from = *k;
    while (*k < n && p[*k] >= '0' && p[*k] <= '9')
        (*k)++;
    return *k > from;
}

static bool fv_number(const char *p, size_t n, size_t *i)
{
    size_t k = *i;
    if (p[k] == '-')
        k++;
    if (k >= n)
        return false;
    if (p[k] == '0')
        k++;
    else if (!fv_digits(p, n, &k))
        return false;
    if (k < n && p[k] == '.') {
        k++;
        if (!fv_digits(p, n, &k))
            return false;
    }
    if (k < n && (p[k] == 'e' || p[k] == 'E')) {
        k++;
        if (k < n && (p[k] == '+' || p[k] == '-'))
            k++;
        if (!fv_digits(p, n, &k))
            return false;
    }
    if (k >= n) /* the state machine needs the next byte to end a number */
        return false;
    *i = k;
    return true;
}

static bool fv_container(const char *p, size_t n, size_t *i, unsigned levels)
{
    if (levels == 0)
        return false;
    bool obj = p[*i] == '{';
    char close = obj ? '}' : ']';
    size_t k = fv_ws(p, *i + 1, n);
    if (k < n && p[k] == close) {
        *i = k + 1;
        return true;
    }
    for (;;) {
        if (obj) {
            if (k >= n || p[k] != '"' || !fv_string(p, n, &k))
                return false;
            k = fv_ws(p, k, n);
            if (k >= n || p[k] != ':')
                return false;
            k = fv_ws(p, k + 1, n);
        }
        if (!fv_value(p, n, &k, levels - 1))
            return false;
        k = fv_ws(p, k, n);
        if (k >= n)
            return false;
        if (p[k] == ',') {
            k = fv_ws(p, k + 1, n);
            continue;
        }
        if (p[k] != close)
            return false;
        *i = k + 1;
        return true;
    }
}

static bool fv_value(const char *p, size_t n, size_t *i, unsigned levels)
{
    size_t k = *i;
    if (k >= n)
        return false;
    switch (p[k]) {
    case '{':
    case '[':
        return fv_container(p, n, i, levels);
    case '"':
        return fv_string(p, n, i);
    case 't':
        if (n - k < 4 || memcmp(p + k, "true", 4) != 0)
            return false;
        *i = k + 4;
        return true;
    case 'f':
        if (n - k < 5 || memcmp(p + k, "false", 5) != 0)
            return false;
        *i = k + 5;
        return true;
    case 'n':
        if (n - k < 4 || memcmp(p + k, "null", 4) != 0)
            return false;
        *i = k + 4;
        return true;
    default:
        if (p[k] == '-' || (p[k] >= '0' && p[k] <= '9'))
            return fv_number(p, n, i);
        return false;
    }
}

/* The length of the valid container item at the start of p[0..n), or 0 when the state machine
 * must take it (invalid, too deep, or not all in p). */
static size_t fast_item(const char *p, size_t n, size_t depth)
{
    size_t i = 0;
    if (depth >= JSON_SCAN_MAX_DEPTH)
        return 0;
    return fv_container(p, n, &i, (unsigned)(JSON_SCAN_MAX_DEPTH - depth)) ? i : 0;
}

/* Starts a value at buf[i] (already known not to be whitespace). */
static int begin_value(struct json_scan *s, const char *buf, size_t i, struct error *err)
{
    unsigned char c = (unsigned char)buf[i];
    if (s->depth == 0 && c != '{')
        return fail(s, err, i, "the document is not an object");
    switch (c) {
    case '{':
    case '[':
        return open_container(s, c, i, err);
    case '"':
        item_begin(s, i);
        s->in_key = false;
        s->cap = capture_for(s, true);
        s->capbuf.len = 0;
        s->state = ST_STRING;
        return 0;
    case 't':
    case 'f':
    case 'n':
        item_begin(s, i);
        s->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        s->lit_pos = 1;
        s->state = ST_LITERAL;
        return 0;
    default:
        break;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        item_begin(s, i);
        s->cap = capture_for(s, false);
        s->capbuf.len = 0;
        if (s->cap != CAP_NONE)
            buf_append(&s->capbuf, (const char *)&c, 1, JSON_SCAN_MAX_CAPTURE);
        s->state = c == '-' ? ST_NUM_MINUS : c == '0' ? ST_NUM_ZERO : ST_NUM_INT;
        return 0;
    }
    return fail(s, err, i, "unexpected character where a value should be");
}

static int close_container(struct json_scan *s, const char *buf, size_t i, unsigned char c,
                           struct error *err)
{
    if (s->depth == 0 || s->kinds[s->depth - 1] != (c == '}' ? '{' : '['))
        return fail(s, err, i, "mismatched bracket");
    s->depth--;
    s->key[0] = '\0';
    return value_done(s, buf, i + 1, err);
}

/* Gathers raw key bytes of a followed object, up to one byte past the longest key we follow
 * (so that a longer key is recognised as none of ours). */
static void key_append(struct json_scan *s, const char *p, size_t n)
{
    if (!s->key_capture || s->keyraw.len > JSON_SCAN_MAX_KEY)
        return;
    size_t room = JSON_SCAN_MAX_KEY + 1 - s->keyraw.len;
    buf_append(&s->keyraw, p, n < room ? n : room, JSON_SCAN_MAX_KEY + 1);
}

static size_t skip_ws(const char *buf, size_t i, size_t len)
{
    while (i < len && is_ws((unsigned char)buf[i]))
        i++;
    return i;
}

/* A key string ended: decode it when its object is followed. */
static void key_done(struct json_scan *s)
{
    s->key[0] = '\0';
    if (s->key_capture && s->keyraw.len <= JSON_SCAN_MAX_KEY) {
        char *k = unescape(s->keyraw.p ? s->keyraw.p : "", s->keyraw.len);
        copy_trunc(s->key, sizeof s->key, k);
        free(k);
    }
    s->keyraw.len = 0;
}

int json_scan_feed(struct json_scan *s, const char *buf, size_t len, struct error *err)
{
    if (s->failed)
        return s->failed;
    size_t i = 0;
    if (len > 0)
        s->started = true;
    while (i < len) {
        unsigned char c = (unsigned char)buf[i];
        switch (s->state) {
        case ST_VALUE:
        case ST_VALUE_OR_CLOSE:
            if (is_ws(c)) {
                i = skip_ws(buf, i + 1, len);
                continue;
            }
            if (c == ']' && s->state == ST_VALUE_OR_CLOSE) {
                if (close_container(s, buf, i, c, err) != 0)
                    return s->failed;
                i++;
                continue;
            }
            if ((c == '{' || c == '[') && s->depth > 0 && s->ctxs[s->depth - 1] == CTX_ITEMS) {
                size_t n = fast_item(buf + i, len - i, s->depth);
                if (n > 0) {
                    /* A whole item in this chunk: out it goes, with no copy. */
                    s->state = ST_AFTER_VALUE;
                    int rc = item_emit(s, buf + i, n);
                    if (rc != 0)
                        return rc;
                    i += n;
                    continue;
                }
            }
            if (begin_value(s, buf, i, err) < 0)
                return -1;
            i++;
            continue;
        case ST_KEY:
        case ST_KEY_OR_CLOSE:
            if (is_ws(c)) {
                i = skip_ws(buf, i + 1, len);
                continue;
            }
            if (c == '}' && s->state == ST_KEY_OR_CLOSE) {
                if (close_container(s, buf, i, c, err) != 0)
                    return s->failed;
                i++;
                continue;
            }
            if (c != '"')
                return fail(s, err, i, "expected an object key");
            s->in_key = true;
            s->key_capture = key_followed(s);
            s->keyraw.len = 0;
            s->state = ST_STRING;
            i++;
            continue;
        case ST_COLON:
            if (is_ws(c)) {
                i = skip_ws(buf, i + 1, len);
                continue;
            }
            if (c != ':')
                return fail(s, err, i, "expected ':'");
            s->state = ST_VALUE;
            i++;
            continue;
        case ST_AFTER_VALUE:
            if (is_ws(c)) {
                i = skip_ws(buf, i + 1, len);
                continue;
            }
            if (c == ',') {
                s->state = s->kinds[s->depth - 1] == '{' ? ST_KEY : ST_VALUE;
                i++;
                continue;
            }
            if (c == '}' || c == ']') {
                if (close_container(s, buf, i, c, err) != 0)
                    return s->failed;
                i++;
                continue;
            }
            return fail(s, err, i, "expected ',' or a closing bracket");
        case ST_STRING: {
            size_t j = i;
            j += json_scan_plain_run(buf + j, len - j);
            if (s->in_key) {
                key_append(s, buf + i, j - i);
            } else if (s->cap != CAP_NONE) {
                if (buf_append(&s->capbuf, buf + i, j - i, JSON_SCAN_MAX_CAPTURE) < 0)
                    return fail(s, err, i, "a metadata string is too long");
            }
            i = j;
            if (i == len)
                continue;
            c = (unsigned char)buf[i];
            if (c < 0x20)
                return fail(s, err, i, "control character in a string");
            if (c == '\\') {
                if (s->in_key)
                    key_append(s, "\\", 1);
                else if (!s->in_key && s->cap != CAP_NONE &&
                         buf_append(&s->capbuf, "\\", 1, JSON_SCAN_MAX_CAPTURE) < 0)
                    return fail(s, err, i, "a metadata string is too long");
                s->state = ST_STRING_ESC;
                i++;
                continue;
            }
            /* the closing quote */
            i++;
            if (s->in_key) {
                s->in_key = false;
                key_done(s);
                s->state = ST_COLON;
                continue;
            }
            capture_done(s, true);
            if (value_done(s, buf, i, err) != 0)
                return s->failed;
            continue;
        }
        case ST_STRING_ESC:
            switch (c) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                s->state = ST_STRING;
                break;
            case 'u':
                s->state = ST_STRING_HEX;
                s->hex_left = 4;
                break;
            default:
                return fail(s, err, i, "invalid escape in a string");
            }
            goto string_byte;
        case ST_STRING_HEX:
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                return fail(s, err, i, "invalid \\u escape");
            if (--s->hex_left == 0)
                s->state = ST_STRING;
        string_byte:
            if (s->in_key) {
                key_append(s, buf + i, 1);
            } else if (s->cap != CAP_NONE &&
                       buf_append(&s->capbuf, buf + i, 1, JSON_SCAN_MAX_CAPTURE) < 0) {
                return fail(s, err, i, "a metadata string is too long");
            }
            i++;
            continue;
        case ST_LITERAL:
            if (c != (unsigned char)s->lit[s->lit_pos])
                return fail(s, err, i, "invalid literal");
            i++;
            if (s->lit[++s->lit_pos] == '\0') {
                if (value_done(s, buf, i, err) != 0)
                    return s->failed;
            }
            continue;
        case ST_NUM_MINUS:
            if (c == '0')
                s->state = ST_NUM_ZERO;
            else if (c >= '1' && c <= '9')
                s->state = ST_NUM_INT;
            else
                return fail(s, err, i, "invalid number");
            goto num_byte;
        case ST_NUM_ZERO:
        case ST_NUM_INT:
            if (c >= '0' && c <= '9') {
                if (s->state == ST_NUM_ZERO)
                    return fail(s, err, i, "invalid number (leading zero)");
                goto num_byte;
            }
            if (c == '.') {
                s->state = ST_NUM_FRAC0;
                goto num_byte;
            }
            if (c == 'e' || c == 'E') {
                s->state = ST_NUM_EXP0;
                goto num_byte;
            }
            goto num_end;
        case ST_NUM_FRAC0:
            if (!(c >= '0' && c <= '9'))
                return fail(s, err, i, "invalid number");
            s->state = ST_NUM_FRAC;
            goto num_byte;
        case ST_NUM_FRAC:
            if (c >= '0' && c <= '9')
                goto num_byte;
            if (c == 'e' || c == 'E') {
                s->state = ST_NUM_EXP0;
                goto num_byte;
            }
            goto num_end;
        case ST_NUM_EXP0:
            if (c == '+' || c == '-') {
                s->state = ST_NUM_EXPSIGN;
                goto num_byte;
            }
            /* fall through */
        case ST_NUM_EXPSIGN:
            if (!(c >= '0' && c <= '9'))
                return fail(s, err, i, "invalid number");
            s->state = ST_NUM_EXP;
            goto num_byte;
        case ST_NUM_EXP:
            if (c >= '0' && c <= '9')
                goto num_byte;
            goto num_end;
        num_byte:
            if (s->cap != CAP_NONE)
                buf_append(&s->capbuf, buf + i, 1, JSON_SCAN_MAX_CAPTURE);
            i++;
            continue;
        num_end:
            /* The byte after the number: end it and look at the byte again. */
            capture_done(s, false);
            if (value_done(s, buf, i, err) != 0)
                return s->failed;
            continue;
        case ST_DONE:
            if (is_ws(c)) {
                i = skip_ws(buf, i + 1, len);
                continue;
            }
            return fail(s, err, i, "garbage after the end of the document");
        }
    }
    if (s->item_active) {
        size_t from = s->item_copying ? 0 : s->item_start;
        if (buf_append(&s->item, buf + from, len - from, JSON_SCAN_MAX_ITEM) < 0) {
            error_set(err, "an array element is larger than %u bytes", JSON_SCAN_MAX_ITEM);
            s->failed = -1;
            return -1;
        }
        s->item_copying = true;
    }
    s->offset += len;
    return 0;
}

int json_scan_finish(struct json_scan *s, struct error *err)
{
    if (s->failed)
        return s->failed < 0 ? -1 : s->failed;
    if (s->state != ST_DONE) {
        error_set(err, "truncated JSON: the document ends after %llu bytes, %s",
                  (unsigned long long)s->offset,
                  s->started ? "before its top-level object closed" : "with nothing in it");
        s->failed = -1;
        return -1;
    }
    return 0;
}

/* ---- watch framing ---------------------------------------------------------------------- */

struct json_lines {
    size_t max_line;
    json_scan_item_fn fn;
    void *arg;
    struct scan_buf line; /* a partial line carried from earlier chunks */
    uint64_t offset;
    int failed;
};

struct json_lines *json_lines_new(size_t max_line, json_scan_item_fn fn, void *arg)
{
    struct json_lines *l = xcalloc(1, sizeof *l);
    l->max_line = max_line ? max_line : 16u * 1024u * 1024u;
    l->fn = fn;
    l->arg = arg;
    return l;
}

void json_lines_free(struct json_lines *l)
{
    if (l == NULL)
        return;
    free(l->line.p);
    free(l);
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ws((unsigned char)p[i]))
            return false;
    return true;
}

/* Hands one line (without its newline) to the callback, dropping a '\r' and blank lines. */
static int lines_emit(struct json_lines *l, const char *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (blank(p, n) || l->fn == NULL)
        return 0;
    int rc = l->fn(l->arg, p, n);
    if (rc != 0)
        l->failed = rc;
    return rc;
}

int json_lines_feed(struct json_lines *l, const char *buf, size_t len, struct error *err)
{
    if (l->failed)
        return l->failed;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
        if (l->line.len + n > l->max_line) {
            error_set(err, "watch stream: a line longer than %zu bytes at byte %llu", l->max_line,
                      (unsigned long long)(l->offset + i));
            l->failed = -1;
            return -1;
        }
        if (nl == NULL) {
            buf_append(&l->line, buf + i, n, l->max_line);
            break;
        }
        int rc;
        if (l->line.len == 0) {
            rc = lines_emit(l, buf + i, n);
        } else {
            buf_append(&l->line, buf + i, n, l->max_line);
            rc = lines_emit(l, l->line.p, l->line.len);
            l->line.len = 0;
        }
        if (rc != 0)
            return rc;
        i += n + 1;
    }
    l->offset += len;
    return 0;
}

int json_lines_finish(struct json_lines *l, struct error *err)
{
    if (l->failed)
        return l->failed < 0 ? -1 : l->failed;
    if (l->line.len > 0 && !blank(l->line.p, l->line.len)) {
        error_set(err, "watch stream cut in the middle of an event (%zu bytes pending)",
                  l->line.len);
        l->failed = -1;
        return -1;
    }
    l->line.len = 0;
    return 0;
}
