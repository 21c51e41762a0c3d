#ifndef CUTOVER_JOURNAL_H
#define CUTOVER_JOURNAL_H

/* The migration journal (docs/journal.md): one append-only JSON-lines file per migration, each
 * line one record
 *   {"seq":N,"time":"2026-11-23T14:08:12.123Z","who":"user@host","kind":"intent","id":"...",
 *    ...free-form fields...,"sum":"<64 hex>"}
 * where sum is SHA-256 over the exact bytes of the line with `,"sum":"..."` removed (the line
 * then ends with `}`). Every append is written and fsync()ed before journal_append() returns.
 *
 * One writer process (the runbook Lease guards that), any number of readers (they open the file
 * read-only with journal_read()). Threads of the writer process share one struct journal; appends
 * are serialised by its mutex.
 *
 * SECRETS NEVER GO IN. The free-form fields are the caller's; a caller must never put a secret
 * value (or anything derived from one but a hash the drift module defines) into them.
 * journal_append() refuses, as a second line of defence, any field whose name is "value",
 * "data", "stringData", "secret_value" (at any depth, any case), so a secret object passed by
 * mistake is rejected rather than written. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"

struct json_object;
struct journal;

enum journal_kind {
    JOURNAL_INTENT, /* "intent": an action about to be made (written before the API call) */
    JOURNAL_RESULT, /* "result": its outcome; same id as the intent */
    JOURNAL_NOTE,   /* "note": anything a human should read later (takeover, resume decision) */
    JOURNAL_STATE,  /* "state": a runbook step changed state */
    JOURNAL_KINDS
};

/* "intent", "result", "note", "state". */
const char *journal_kind_name(enum journal_kind kind);
/* The kind named name, or -1. */
int journal_kind_from_name(const char *name);

/* The default journal path for a migration,
 * $XDG_STATE_HOME/cutover/journal/<source>--<target>.jsonl (XDG_STATE_HOME defaults to
 * ~/.local/state); '/' and other unsafe characters of the context names become '_'. Newly
 * allocated; NULL when neither XDG_STATE_HOME nor HOME is set. */
char *journal_default_path(const char *source, const char *target);

/* "user@host" of this process ($USER or the passwd entry, gethostname()), newly allocated. */
char *journal_who(void);

/* Opens path for appending, creating missing directories (0700) and the file (0600) and fsyncing
 * the directories that gained an entry. The file's existing records are scanned: the next seq
 * follows the last good one, and a torn last line (a crash mid-write: no final newline) is left
 * where it is and terminated, so the next record starts on a new line and nothing is lost (the
 * reader then reports that line as torn). who NULL means journal_who(). */
int journal_open(const char *path, const char *who, struct journal **out, struct error *err);
/* Closes the file; NULL does nothing. */
void journal_free(struct journal *j);
/* The file's path (borrowed). */
const char *journal_path(const struct journal *j);
/* The seq the next append will get. */
uint64_t journal_next_seq(struct journal *j);

/* Appends one record: kind, id (non-empty: an intent's id is chosen by the caller and unique in
 * the journal, e.g. "api-17"; its result repeats it), and fields (a json-c object, borrowed, may
 * be NULL) whose members follow id in file order. Refuses reserved names (seq, time, who, kind,
 * id, sum) and secret-looking names (see above). Written and fsynced before returning; *seq (may
 * be NULL) receives the record's seq. Thread-safe. Returns 0, or -1 with err (then nothing was
 * written, or a partial line that the next append or open terminates). */
int journal_append(struct journal *j, enum journal_kind kind, const char *id,
                   struct json_object *fields, uint64_t *seq, struct error *err);

/* journal_append() recording who ("user@host") instead of the journal's own; NULL: the journal's.
 */
int journal_append_as(struct journal *j, const char *who, enum journal_kind kind, const char *id,
                      struct json_object *fields, uint64_t *seq, struct error *err);

/* One record as read back. Everything is borrowed and valid only during the callback. */
struct journal_record {
    uint64_t seq;
    const char *time; /* RFC 3339 as written */
    const char *who;
    enum journal_kind kind;
    const char *id;
    struct json_object *fields; /* an object of the free-form members only (never NULL) */
    const char *raw;            /* the whole line as stored, without its newline */
    int line;                   /* 1-based line number in the file */
};

/* Called for each good record in file order; returning non-zero stops the read. */
typedef int (*journal_record_fn)(const struct journal_record *rec, void *ctx);
/* Called for each torn or corrupt line (bad JSON, missing or wrong sum, seq not following the
 * previous good record, unknown kind); where->file/line name it and where->msg says what is
 * wrong. Reading goes on with the next line. */
typedef void (*journal_problem_fn)(const struct error *where, void *ctx);

/* Reads path from the start, verifying each line's sum and seq. on_problem may be NULL.
 * *nproblems (may be NULL) receives the number of bad lines. Returns 0 (bad lines are not a
 * failure of the read), -ENOENT when the file does not exist, or another negative value with
 * err when it cannot be read. */
int journal_read(const char *path, journal_record_fn on_record, journal_problem_fn on_problem,
                 void *ctx, size_t *nproblems, struct error *err);
/* journal_read() on text already in memory (name labels problems); used by tests and the fuzz
 * harness, and by readers holding a mirrored copy. */
int journal_read_text(const char *text, size_t len, const char *name, journal_record_fn on_record,
                      journal_problem_fn on_problem, void *ctx, size_t *nproblems);

/* An intent without a result, copied out of the journal for resume. */
struct journal_pending {
    uint64_t seq;
    char *time;
    char *who;
    char *id;
    char *fields_json; /* the free-form members as one JSON object text */
    int line;
};

/* The intents of path that have no result record with the same id, in file order. *out is an
 * array of *n (free with journal_pending_free). A missing file gives none. Returns 0 or negative
 * with err. Per issue #6: each of these is checked against the provider, never blindly
 * repeated (traffic_change_resume() does that for traffic intents). */
int journal_pending(const char *path, struct journal_pending **out, size_t *n, struct error *err);
/* Frees an array from journal_pending(). */
void journal_pending_free(struct journal_pending *p, size_t n);

/* One line for `cutover runbook log`:
 *   "#12 2026-11-23T14:08:12.123Z alice@laptop intent api-17 action=set target=api ..."
 * members as key=value in file order (strings bare unless they hold a space or '"', then
 * quoted; objects and arrays as compact JSON), all of it text_sanitize()d. Newly allocated. */
char *journal_format_human(const struct journal_record *rec);

#endif
