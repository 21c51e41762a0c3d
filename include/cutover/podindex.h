#ifndef CUTOVER_PODINDEX_H
#define CUTOVER_PODINDEX_H

/* Every pod of both clusters as one list, with its sort orders precomputed, for the all-pods
 * view (issue #7: a new sort or filter over 300k rows within 50 ms, scrolling within 16 ms).
 *
 * An index is built from a pair of snapshots off the UI thread (podindex_worker) and is
 * immutable once built: one row per pod, and for every column a permutation of the rows in
 * ascending and in descending order, so choosing a sort column on the UI thread is a pointer
 * swap. Ties are broken by the canonical order (namespace, name, source before target) in both
 * directions, and unknown values ("?" on screen) sort last in both directions.
 *
 * The filter is the dashboard's `/` filter with the same semantics (POSIX extended regex,
 * case-insensitive, a leading '!' inverts, plus the `:ns` namespace) over the text
 * "namespace/name". A pattern without regex metacharacters takes a literal fast path (a
 * case-insensitive substring search, no regexec); a literal that extends the previous one only
 * re-tests the rows the previous one matched. */

#include "cutover/model.h"

#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The sortable columns, in the order the view shows them. */
enum podindex_col {
    PODINDEX_COL_CLUSTER,   /* source before target */
    PODINDEX_COL_NAMESPACE, /* the canonical order */
    PODINDEX_COL_NAME,
    PODINDEX_COL_READY,    /* ready containers / containers, as a fraction */
    PODINDEX_COL_STATUS,   /* the waiting reason, else the phase */
    PODINDEX_COL_RESTARTS, /* sum of restartCount */
    PODINDEX_COL_NODE,
    PODINDEX_COL_ZONE,    /* of the pod's node */
    PODINDEX_COL_AGE,     /* youngest first */
    PODINDEX_COL_CPU_REQ, /* effective CPU request: none set ("-") lowest, unknown last */
    PODINDEX_COL_CPU_LIM, /* effective CPU limit, the same way */
    PODINDEX_COL_COUNT
};

/* One pod of either cluster. Pointers are borrowed from the index's snapshots. */
struct podindex_row {
    const struct model_pod *pod;
    const char *zone; /* topology zone of the pod's node; NULL unknown */
    uint8_t side;     /* 0 source, 1 target */
    uint8_t flags;    /* PODINDEX_ROW_*: what the filter's fast paths may assume */
    uint32_t text;    /* offset of its filter text "namespace/name" in the index's text */
};

#define PODINDEX_ROW_LOWER 0x1    /* its text has no upper-case ASCII letter */
#define PODINDEX_ROW_NS_SLASH 0x2 /* its namespace has a '/' (never in Kubernetes) */

#define PODINDEX_FRAGS 8

/* Which rows a filter keeps: expr and ns as the dashboard's filter has them. */
struct podindex_filter {
    bool active;   /* expr set (otherwise only ns applies) */
    bool invert;   /* expr started with '!' */
    bool literal;  /* no regex metacharacter: lit is searched, re is not compiled */
    regex_t re;    /* compiled when active && !literal */
    char lit[256]; /* the pattern lower-cased (ASCII), when literal */
    size_t litlen;
    /* for a regex: literal pieces every match contains (lower-cased), tested before regexec;
     * a piece marked suffix ends the text (it was followed by a final '$') */
    char frag[PODINDEX_FRAGS][64];
    uint8_t fraglen[PODINDEX_FRAGS];
    bool frag_suffix[PODINDEX_FRAGS];
    int nfrag;
    char expr[256]; /* as typed */
    char ns[256];   /* "" = every namespace */
};

/* An immutable index of the pods of a pair of snapshots. */
struct podindex {
    atomic_uint refs;
    const struct model_cluster *snap[2]; /* references held; either may be NULL */
    struct podindex_row *rows;
    uint32_t n;
    char *text; /* every row's "namespace/name\0", in row order: a filter streams through it */
    uint32_t count[2];                      /* rows per side */
    uint32_t *order[PODINDEX_COL_COUNT][2]; /* [col][descending]: n row numbers each */
    /* the rows matching `matched_for` (computed with the index, so a new snapshot does not
     * filter on the UI thread); NULL when that filter keeps every row */
    uint8_t *match;
    uint32_t nmatch;
    char matched_expr[256];
    char matched_ns[256];
};

/* "CLUSTER", "NAMESPACE", ... the column's heading. */
const char *podindex_col_name(enum podindex_col col);
/* "cluster", "namespace", ... for messages and config; podindex_col_from_name is its inverse
 * (-1 when unknown). */
const char *podindex_col_key(enum podindex_col col);
int podindex_col_from_name(const char *name);

/* Builds the index of every pod of src and tgt (either may be NULL; references are taken),
 * with every sort order and the matches of filter f (NULL: none). Runs in O(n log n) for the
 * canonical order and O(n) per column (radix sorts). */
struct podindex *podindex_build(const struct model_cluster *src, const struct model_cluster *tgt,
                                const struct podindex_filter *f);
/* Takes another reference. */
struct podindex *podindex_ref(struct podindex *idx);
/* Drops a reference; the last frees the index. NULL does nothing. */
void podindex_unref(struct podindex *idx);

/* The text the filter matches for row i ("namespace/name"), borrowed from the index. */
const char *podindex_text(const struct podindex *idx, uint32_t i);
/* The status shown for a pod: its waiting reason, else its phase; NULL unknown. */
const char *podindex_pod_status(const struct model_pod *pod);

/* Compiles expr ("" or "!" clears) and ns into f with the rules of the dashboard's filter
 * (widget_filter_set). Returns 0, or -1 with the regex error in err and f unchanged. */
int podindex_filter_set(struct podindex_filter *f, const char *expr, const char *ns, char *err,
                        size_t err_len);
/* Frees what podindex_filter_set compiled; f keeps nothing active. */
void podindex_filter_fini(struct podindex_filter *f);
/* True when f keeps every row (no expression, no namespace). */
bool podindex_filter_all(const struct podindex_filter *f);
/* True when row i of idx passes f. */
bool podindex_filter_match(const struct podindex_filter *f, const struct podindex *idx, uint32_t i);
/* True when text t passes f's expression (not its namespace); low: t has no upper-case ASCII
 * letter (a literal is then a plain substring search). */
bool podindex_filter_text(const struct podindex_filter *f, const char *t, bool low);
/* True when every row f keeps is also kept by prev (f is a non-inverted literal containing
 * prev's non-inverted literal, same namespace): f then only needs to test prev's matches. */
bool podindex_filter_narrows(const struct podindex_filter *f, const struct podindex_filter *prev);
/* Sets out[i] (n bytes) to whether row i passes f; when within is not NULL only rows with
 * within[i] set are tested (the others become 0). Returns how many passed. */
uint32_t podindex_filter_run(const struct podindex_filter *f, const struct podindex *idx,
                             const uint8_t *within, uint8_t *out);

/* ---- building off the UI thread ------------------------------------------------------------ */

/* One thread that builds the index of the latest pair it was given, coalescing pairs that
 * arrive while it builds, and writes a byte to wake_fd (may be -1) when an index is ready. */
struct podindex_worker;

/* Starts the worker thread. */
struct podindex_worker *podindex_worker_new(int wake_fd);
/* Stops the thread (an index being built is finished first) and frees; NULL does nothing. */
void podindex_worker_free(struct podindex_worker *w);
/* Asks for the index of src and tgt (references taken; the same pair as last time does
 * nothing). Both NULL drops the worker's snapshots and result (the view was closed). */
void podindex_worker_submit(struct podindex_worker *w, const struct model_cluster *src,
                            const struct model_cluster *tgt);
/* The filter (dashboard's expr and ns) the next indexes compute their matches for. */
void podindex_worker_set_filter(struct podindex_worker *w, const char *expr, const char *ns);
/* The newest finished index not taken yet (the caller owns the reference), or NULL. */
struct podindex *podindex_worker_take(struct podindex_worker *w);
/* True while a submitted pair has no index taken for it yet. */
bool podindex_worker_busy(struct podindex_worker *w);

#endif
