#ifndef CUTOVER_SIM_BUF_H
#define CUTOVER_SIM_BUF_H

/* A growable byte buffer and the JSON text helpers the simulator renders objects with. */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct sim_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
};

/* Makes room for n more bytes. */
void sim_buf_reserve(struct sim_buf *b, size_t n);
/* Appends n bytes. */
void sim_buf_add(struct sim_buf *b, const void *p, size_t n);
/* Appends a C string. */
void sim_buf_adds(struct sim_buf *b, const char *s);
/* Appends printf-formatted text. */
void sim_buf_addf(struct sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted, escaped JSON string ("null" for NULL). */
void sim_buf_add_jstr(struct sim_buf *b, const char *s);
/* Appends an unsigned decimal number. */
void sim_buf_add_u64(struct sim_buf *b, uint64_t v);
/* Appends t as an RFC 3339 UTC timestamp in quotes. */
void sim_buf_add_time(struct sim_buf *b, time_t t);
/* Hands the data to the caller (never NULL) and empties b. */
char *sim_buf_take(struct sim_buf *b);
/* Empties b keeping its memory. */
void sim_buf_clear(struct sim_buf *b);
/* Frees b's memory. */
void sim_buf_fini(struct sim_buf *b);

/* Formats an age the way kubectl does (duration.HumanDuration): "5s", "3m2s", "4h", "12d". */
void sim_age_format(time_t seconds, char *out, size_t len);

#endif
