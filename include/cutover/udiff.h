#ifndef CUTOVER_UDIFF_H
#define CUTOVER_UDIFF_H

/* A line diff (Myers' O((N+M)D) algorithm) in unified form with context lines: for showing how
 * a ConfigMap differs between the clusters. Pure; no I/O. */

#include <stdbool.h>
#include <stddef.h>

enum udiff_op {
    UDIFF_HUNK = '@',    /* "@@ -a,n +b,m @@" */
    UDIFF_CONTEXT = ' ', /* the same on both sides */
    UDIFF_DEL = '-',     /* only in a */
    UDIFF_ADD = '+',     /* only in b */
};

struct udiff_line {
    char op;    /* enum udiff_op */
    int a_line; /* 1-based line in a (0 for an added line or a hunk header) */
    int b_line; /* 1-based line in b (0 for a removed line or a hunk header) */
    char *text; /* the line without its newline; for a hunk, the "@@ ... @@" header */
};

struct udiff {
    struct udiff_line *lines;
    size_t n;
    int added;   /* lines only in b */
    int removed; /* lines only in a */
    bool identical;
    bool too_big; /* the edit distance passed the limit: one hunk replaces a by b */
};

/* Diffs text a against text b by lines ('\n'; a final line without one counts), keeping
 * `context` unchanged lines around each change (3 as diff -u). Never NULL. */
struct udiff *udiff_new(const char *a, size_t alen, const char *b, size_t blen, int context);
/* The diff as unified text with "--- a_label" / "+++ b_label" headers; "" when identical. */
char *udiff_text(const struct udiff *d, const char *a_label, const char *b_label);
/* Frees a diff; NULL does nothing. */
void udiff_free(struct udiff *d);

#endif
