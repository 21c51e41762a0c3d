#ifndef CUTOVER_K8S_BODY_H
#define CUTOVER_K8S_BODY_H

/* One collector for k8s_http response bodies (a k8s_http_body_fn) and small text assembly: the
 * pieces curl hands over are appended to one NUL-terminated buffer, up to a limit. A body that
 * may hold Secret values is collected with wipe set: the buffer then never moves by realloc
 * (the old block is wiped before it is freed), each piece curl handed over is wiped once
 * copied, and k8s_body_fini() wipes what is left. */

#include <stdbool.h>
#include <stddef.h>

struct k8s_body {
    char *data;   /* NUL-terminated; NULL until something (even "") was added */
    size_t len;   /* bytes in data, without the NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* the most data may hold (with its NUL); 0: no limit */
    bool wipe;    /* the body may hold secret values: wipe every copy (see above) */
    bool too_big; /* a piece would have gone over max: k8s_body_add() aborted the transfer */
};

/* An empty collector of at most max bytes (0: no limit); wipe as above. */
void k8s_body_init(struct k8s_body *b, size_t max, bool wipe);
/* Frees (wiping first when b->wipe) and empties b; it can be used again. */
void k8s_body_fini(struct k8s_body *b);
/* A k8s_http_body_fn: appends buf to the struct k8s_body arg; returns 1 (abort, too_big set)
 * when it would go over max. */
int k8s_body_add(void *arg, const char *buf, size_t len);
/* Appends n bytes of s (n 0 makes data "" when it was NULL); no limit applies. */
void k8s_body_append(struct k8s_body *b, const char *s, size_t n);
/* Hands over data (never NULL: "" when nothing was added) and empties b; *len (may be NULL)
 * receives its length. The caller frees it (wiping it first when it may hold values). */
char *k8s_body_take(struct k8s_body *b, size_t *len);

#endif
