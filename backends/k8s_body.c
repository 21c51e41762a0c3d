/* k8s_body: the one collector of k8s_http response bodies (include/cutover/k8s_body.h). */
#include "cutover/k8s_body.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/secret_hash.h"
#include "cutover/xalloc.h"

void k8s_body_init(struct k8s_body *b, size_t max, bool wipe)
{
    memset(b, 0, sizeof *b);
    b->max = max;
    b->wipe = wipe;
}

void k8s_body_fini(struct k8s_body *b)
{
    if (b->data != NULL && b->wipe)
        secret_hash_wipe(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->too_big = false;
}

/* Room for need bytes; with wipe the data moves to a new block and the old one is wiped. */
static void body_reserve(struct k8s_body *b, size_t need)
{
    if (need <= b->cap && b->data != NULL)
        return;
    size_t cap = b->cap ? b->cap : 8192;
    while (cap < need)
        cap *= 2;
    if (!b->wipe) {
        b->data = xrealloc(b->data, cap);
    } else {
        char *n = xmalloc(cap); /* never realloc: the old block is wiped before it is freed */
        if (b->len && b->data != NULL)
            memcpy(n, b->data, b->len);
        if (b->data != NULL) {
            secret_hash_wipe(b->data, b->cap);
            free(b->data);
        }
        b->data = n;
    }
    b->cap = cap;
}

void k8s_body_append(struct k8s_body *b, const char *s, size_t n)
{
    body_reserve(b, b->len + n + 1);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

int k8s_body_add(void *arg, const char *buf, size_t len)
{
    struct k8s_body *b = arg;
    if (b->max != 0 && b->len + len + 1 > b->max) {
        b->too_big = true;
        if (b->wipe)
            secret_hash_wipe((char *)buf, len);
        return 1;
    }
    k8s_body_append(b, buf, len);
    /* the piece curl handed us: its bytes are ours now (curl passes a writable buffer) */
    if (b->wipe)
        secret_hash_wipe((char *)buf, len);
    return 0;
}

char *k8s_body_take(struct k8s_body *b, size_t *len)
{
    if (b->data == NULL)
        k8s_body_append(b, "", 0);
    char *d = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    b->too_big = false;
    return d;
}
