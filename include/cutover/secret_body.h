#ifndef CUTOVER_SECRET_BODY_H
#define CUTOVER_SECRET_BODY_H

/* A response buffer for answers that may hold secret values (Secret lists and watches): every
 * piece curl hands over is copied and then overwritten, the buffer never reallocs without
 * wiping the old block, and what is handed on has been blanked (drift_secret_text_blank) first,
 * so no parser (json-c, json_scan, the decoders) ever sees a value. */

#include <stddef.h>

struct secret_body {
    char *p;
    size_t len, cap;
};

/* Appends buf (a k8s_http body callback's piece) and overwrites buf. Returns 0, or -1 past
 * max bytes (buf is overwritten anyway). */
int secret_body_add(struct secret_body *b, const char *buf, size_t len, size_t max);
/* Blanks the whole buffer in place (one document): call when the body is complete. */
void secret_body_blank(struct secret_body *b);
/* Hands each complete line (with its '\n'), blanked, to fn and keeps the unfinished rest.
 * Returns 0, or fn's non-zero value. */
int secret_body_lines(struct secret_body *b, int (*fn)(void *arg, const char *buf, size_t len),
                      void *arg);
/* Overwrites and frees the buffer; the struct is zeroed and may be used again. */
void secret_body_wipe(struct secret_body *b);

#endif
