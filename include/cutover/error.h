#ifndef CUTOVER_ERROR_H
#define CUTOVER_ERROR_H

#include <stddef.h>

/* Details of a failure: a message and, for files, where (line and col are 1-based; 0 = none). */
struct error {
    char msg[512];
    char file[256];
    int line;
    int col;
};

/* Records a message without a location; NULL err is allowed and ignored. */
void error_set(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a message at file:line:col (as libyaml marks give them, already 1-based). */
void error_set_at(struct error *err, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Formats "file:line:col: msg" (or just "msg") into buf and returns buf. */
const char *error_format(const struct error *err, char *buf, size_t len);

/* Makes err's message and file safe to print or draw (they may quote what a file said): control
 * characters and invalid UTF-8 become visible escapes, as text_sanitize does. NULL is ignored. */
void error_sanitize(struct error *err);

/* Clears err so that a caller can tell whether anything was recorded. */
void error_clear(struct error *err);

#endif
