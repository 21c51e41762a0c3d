#ifndef CUTOVER_JOURNAL_MIRROR_H
#define CUTOVER_JOURNAL_MIRROR_H

/* The journal mirrored into ConfigMaps of the target cluster, so that any terminal can follow a
 * migration driven elsewhere. The local journal (journal.h) stays the record of truth: the mirror
 * is a copy, pushed after each append, that may lag when the cluster cannot be written and
 * catches up on the next push.
 *
 * Layout: ConfigMaps "<name>-journal-<k>" (k = 0, 1, ...) in the Lease's namespace, labelled
 * cutover.dev/journal=<name> and cutover.dev/chunk=<k>, each holding up to chunk_records journal
 * lines verbatim (checksums included) under data["journal.jsonl"]. Only good records are copied
 * (a torn local line is not). Every write carries the resourceVersion it was based on; a 409
 * means re-read and decide again. A mirror whose records differ from the local journal's is never
 * overwritten: the push stops and says where they diverge. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"
#include "cutover/k8s_http.h"

#define JOURNAL_MIRROR_KEY "journal.jsonl"
#define JOURNAL_MIRROR_LABEL "cutover.dev/journal"
#define JOURNAL_MIRROR_CHUNK_DEFAULT 200

struct journal_mirror_opts {
    const char *ns;       /* the Lease's namespace; NULL: "cutover" */
    const char *name;     /* the Lease's name, at most 63 characters (a label value) */
    size_t chunk_records; /* 0: JOURNAL_MIRROR_CHUNK_DEFAULT */
};

/* Where a push left the mirror. */
struct journal_mirror_status {
    uint64_t local_seq;    /* seq of the last good local record (0 none) */
    uint64_t mirrored_seq; /* seq of the last record in the cluster (0 none) */
    size_t chunks;         /* ConfigMaps holding the mirror */
    size_t pushed;         /* records written by this push */
};

/* Copies the good records of the local journal at journal_path that the mirror lacks into the
 * cluster. Fills *st (may be NULL) even on failure (mirrored_seq < local_seq: behind). Returns
 * 0; -EXDEV when the mirror diverges from the local journal (nothing overwritten); another
 * negative value with err when the cluster could not be read or written (the local journal is
 * untouched either way). */
int journal_mirror_push(struct k8s_http_conn *c, const struct journal_mirror_opts *o,
                        const char *journal_path, struct journal_mirror_status *st,
                        struct error *err);

/* Reads the mirror back as journal text (the chunks' lines in order, for journal_read_text):
 * *text (caller frees; "" when there is no mirror) and *len. Read-only: works for observers.
 * *chunks (may be NULL) receives the number of ConfigMaps. Returns 0 or negative with err. */
int journal_mirror_fetch(struct k8s_http_conn *c, const struct journal_mirror_opts *o, char **text,
                         size_t *len, size_t *chunks, struct error *err);

#endif
