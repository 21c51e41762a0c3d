#ifndef CUTOVER_JSON_SCAN_H
#define CUTOVER_JSON_SCAN_H

/* Incremental scanner for Kubernetes list and watch bodies: bytes go in as curl delivers them;
 * each complete element of the top-level "items" (or "rows" for a Table) array comes out as its
 * own small JSON text, so that json-c only ever parses one item at a time and a whole response is
 * never held in memory. Top-level metadata (resourceVersion, continue, remainingItemCount) and a
 * top-level kind of "Status" are reported too. Watch streams are framed per line. */

#include "cutover/error.h"

#include <stddef.h>
#include <stdint.h>

struct json_scan;

/* Called with one complete array element (not NUL-terminated; len bytes). Return 0 to go on,
 * non-zero to stop the scan (json_scan_feed then returns that value). */
typedef int (*json_scan_item_fn)(void *arg, const char *json, size_t len);

/* What the scanner learned of the list outside its items. */
struct json_scan_meta {
    char kind[64];             /* "PodList", "Table", "Status", ... */
    char resource_version[64]; /* metadata.resourceVersion */
    char *continue_token;      /* metadata.continue, NULL or "" when done (owned by the scanner) */
    int64_t remaining;         /* metadata.remainingItemCount, -1 when absent */
    int status_code;           /* for kind Status: .code, else 0 */
    char status_reason[64];    /* for kind Status: .reason */
    char status_message[256];  /* for kind Status: .message */
};

/* A scanner handing each element of the top-level `array` to fn: "items" for lists, "rows" for
 * Table responses. */
struct json_scan *json_scan_new(const char *array, json_scan_item_fn fn, void *arg);
/* Frees the scanner and its buffers; NULL does nothing. */
void json_scan_free(struct json_scan *s);
/* Feeds the next bytes; returns 0, the callback's non-zero value, or -1 on malformed JSON (err
 * says where, as a byte offset). */
int json_scan_feed(struct json_scan *s, const char *buf, size_t len, struct error *err);
/* Ends the input; returns -1 when the document is incomplete (a truncated body). */
int json_scan_finish(struct json_scan *s, struct error *err);
/* What was learned of the list so far (borrowed; complete once json_scan_finish returned 0). */
const struct json_scan_meta *json_scan_meta(const struct json_scan *s);
/* The column names of a Table response's "columnDefinitions" (borrowed, valid until the next
 * reset or free), in order; NULL with *n = 0 until that array has been seen. A Table's columns
 * come before its rows, so they are known when the first row is handed out. */
const char *const *json_scan_columns(const struct json_scan *s, size_t *n);
/* Makes the scanner ready for a new document (the next page of a list), keeping its buffers. */
void json_scan_reset(struct json_scan *s);

/* The length of the run of plain string content at the start of p[0..n): bytes up to the first
 * '"', '\\' or control character (n when there is none). Sixteen bytes at a time where SSE2 is
 * there; the scanner and the decoders share it. */
size_t json_scan_plain_run(const char *p, size_t n);

/* Watch framing: newline-delimited {"type": ..., "object": ...} events, split across arbitrary
 * chunk boundaries. Each complete line is handed to fn. Lines longer than max_line bytes are an
 * error (a runaway stream), not an allocation. */
struct json_lines;
/* A line splitter handing each complete, non-blank line (without "\n" or "\r") to fn;
 * max_line 0 means 16 MiB. */
struct json_lines *json_lines_new(size_t max_line, json_scan_item_fn fn, void *arg);
/* Frees the splitter; NULL does nothing. */
void json_lines_free(struct json_lines *l);
/* Feeds the next bytes; returns 0, the callback's non-zero value, or -1 for an overlong line. */
int json_lines_feed(struct json_lines *l, const char *buf, size_t len, struct error *err);
/* Returns -1 if a partial line is pending (the stream was cut mid-event). */
int json_lines_finish(struct json_lines *l, struct error *err);

#endif
