/* libFuzzer harness for json_scan and json_lines. The first input byte picks the chunk size;
 * the rest is the body. Oracles: a scan fed whole and fed in chunks must agree on the result,
 * the items and the metadata; every item handed out must be one complete JSON value that json-c
 * parses. */

#include "cutover/json_scan.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    size_t items;
    uint64_t hash; /* of every item's bytes, in order */
};

static int on_item(void *arg, const char *json, size_t len)
{
    struct run *r = arg;
    r->items++;
    for (size_t i = 0; i < len; i++)
        r->hash = (r->hash ^ (uint8_t)json[i]) * 1099511628211ull;
    r->hash = (r->hash ^ 0xFF) * 1099511628211ull;
    /* NUL-terminated, so that json-c knows a bare number or literal has ended. */
    char *copy = malloc(len + 1);
    memcpy(copy, json, len);
    copy[len] = '\0';
    json_tokener *tok = json_tokener_new_ex(1024);
    json_object *o = json_tokener_parse_ex(tok, copy, (int)len + 1);
    /* An item may be the literal null, which json-c parses to a NULL object: success is the
     * tokener's word, not a non-NULL result. */
    int ok = json_tokener_get_error(tok) == json_tokener_success &&
             (size_t)json_tokener_get_parse_end(tok) >= len;
    json_object_put(o);
    json_tokener_free(tok);
    free(copy);
    if (!ok)
        abort(); /* the scanner handed out something that is not one JSON value */
    return 0;
}

static int scan(const char *body, size_t len, size_t chunk, struct run *r, struct json_scan_meta *m,
                const char *array)
{
    struct error err;
    struct json_scan *s = json_scan_new(array, on_item, r);
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        /* Each chunk in its own allocation so that a read past it is caught. */
        char *c = malloc(n);
        memcpy(c, body + off, n);
        rc = json_scan_feed(s, c, n, &err);
        free(c);
    }
    if (rc == 0)
        rc = json_scan_finish(s, &err);
    *m = *json_scan_meta(s);
    m->continue_token = m->continue_token ? strdup(m->continue_token) : NULL;
    size_t ncols;
    const char *const *cols = json_scan_columns(s, &ncols);
    for (size_t i = 0; i < ncols; i++)
        if (cols[i] == NULL)
            abort();
    json_scan_free(s);
    return rc;
}

static int on_line(void *arg, const char *line, size_t len)
{
    (void)line;
    *(size_t *)arg += len + 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 64 + 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    const char *array = data[0] & 0x80 ? "rows" : "items";

    struct run whole = {0, 1469598103934665603ull}, parts = {0, 1469598103934665603ull};
    struct json_scan_meta mw, mp;
    int rw = scan(body, len, len ? len : 1, &whole, &mw, array);
    int rp = scan(body, len, chunk, &parts, &mp, array);
    if (rw != rp || (rw == 0 && (whole.items != parts.items || whole.hash != parts.hash)))
        abort();
    if (rw == 0 &&
        (strcmp(mw.kind, mp.kind) != 0 || strcmp(mw.resource_version, mp.resource_version) != 0 ||
         mw.remaining != mp.remaining || mw.status_code != mp.status_code ||
         strcmp(mw.status_reason, mp.status_reason) != 0 ||
         (mw.continue_token == NULL) != (mp.continue_token == NULL) ||
         (mw.continue_token && strcmp(mw.continue_token, mp.continue_token) != 0)))
        abort();
    free(mw.continue_token);
    free(mp.continue_token);

    /* Watch framing: never more bytes out than in. */
    size_t out = 0;
    struct error err;
    struct json_lines *l = json_lines_new(4096, on_line, &out);
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = json_lines_feed(l, body + off, len - off < chunk ? len - off : chunk, &err);
    if (rc == 0)
        json_lines_finish(l, &err);
    json_lines_free(l);
    if (out > len + 1)
        abort();
    return 0;
}
