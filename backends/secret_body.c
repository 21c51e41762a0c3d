/* Response buffers for answers that may hold secret values: see secret_body.h. */
#include "cutover/secret_body.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/drift.h"
#include "cutover/secret_hash.h"
#include "cutover/xalloc.h"

int secret_body_add(struct secret_body *b, const char *buf, size_t len, size_t max)
{
    if (b->len + len + 1 > max) {
        secret_hash_wipe((char *)buf, len);
        return -1;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *n = xmalloc(cap); /* never realloc: the old block is wiped before it is freed */
        if (b->len)
            memcpy(n, b->p, b->len);
        if (b->p) {
            secret_hash_wipe(b->p, b->cap);
            free(b->p);
        }
        b->p = n;
        b->cap = cap;
    }
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    b->p[b->len] = '\0';
    /* curl's piece: its bytes are ours now (curl passes a writable buffer) */
    secret_hash_wipe((char *)buf, len);
    return 0;
}

void secret_body_blank(struct secret_body *b)
{
    if (b->p)
        drift_secret_text_blank(b->p, b->len);
}

int secret_body_lines(struct secret_body *b, int (*fn)(void *arg, const char *buf, size_t len),
                      void *arg)
{
    size_t start = 0;
    int rc = 0;
    while (rc == 0 && start < b->len) {
        char *nl = memchr(b->p + start, '\n', b->len - start);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (b->p + start)) + 1;
        drift_secret_text_blank(b->p + start, n);
        rc = fn(arg, b->p + start, n);
        start += n;
    }
    if (start) {
        memmove(b->p, b->p + start, b->len - start);
        secret_hash_wipe(b->p + (b->len - start), start); /* the moved-from tail */
        b->len -= start;
        b->p[b->len] = '\0';
    }
    return rc;
}

void secret_body_wipe(struct secret_body *b)
{
    if (b->p) {
        secret_hash_wipe(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}
