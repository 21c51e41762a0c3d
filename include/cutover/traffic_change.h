#ifndef CUTOVER_TRAFFIC_CHANGE_H
#define CUTOVER_TRAFFIC_CHANGE_H

/* The change engine for traffic weights (issue #4 "Cutover actions", resume for #6). No I/O of
 * its own: the provider (traffic_provider.h) does the API calls, the journal (journal.h) the
 * file writes.
 *
 *   prepare  from the target's current reading (a snapshot entry) and plan: a preview of before
 *            -> after per side, the plan position, the exact calls (provider describe()) and what
 *            confirms it (the target's name for production targets, else "y"); refused with a
 *            message when there is no reading, the reading is stale, a change of that target is
 *            running, an earlier change of it has an intent without a result (resume first),
 *            the engine or provider is read-only, or there is nothing to change.
 *   execute  re-reads the provider (the weights must still be the preview's "before"), journals
 *            the intent (fsync), applies, reads back, compares with the intended weights and
 *            journals the result: done / failed-nothing-changed / partial (with the live
 *            weights) / unknown (the read-back failed). Nothing is reported done that the
 *            read-back does not confirm.
 *   resume   after a crash: each traffic intent without a result is checked against a fresh
 *            reading and resolved (applied before the crash / not applied / partial), never
 *            repeated.
 *
 * Journal records written (docs/journal.md): intent id "traffic:<target>:<seq>" with fields
 * action ("traffic.next", "traffic.prev", "traffic.set", "traffic.rollback", "traffic.forward"),
 * target, provider, before {old,new}, after {old,new}, before_pct, after_pct, calls [...];
 * result with the same id: target, outcome ("done", "failed-nothing-changed", "partial",
 * "unknown", "applied-before-crash", "not-applied"), live {old,new} when known, detail.
 *
 * Threads: one engine per process. prepare/execute/resume may be called from any thread; the
 * engine keeps its own set of targets with a change running (under its mutex; st->busy is not
 * consulted, since traffic_poller_with_provider() sets it for the preview itself). The provider
 * must be used by one thread at a time: call prepare and execute inside
 * traffic_poller_with_provider(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"
#include "cutover/journal.h"
#include "cutover/traffic.h"
#include "cutover/traffic_provider.h"

struct traffic_change;

enum traffic_change_kind {
    TRAFFIC_CHANGE_NEXT,     /* `]`: the next plan step above the current percent */
    TRAFFIC_CHANGE_PREV,     /* `[`: the plan step below the current percent */
    TRAFFIC_CHANGE_SET,      /* `W`: a percent (0..100) to the new side */
    TRAFFIC_CHANGE_ROLLBACK, /* `R`: the last known-good weights (see traffic_change_last_good) */
    TRAFFIC_CHANGE_FORWARD,  /* after a partial (or unknown) change: its intended weights */
    TRAFFIC_CHANGE_KINDS
};

/* "next", "prev", "set", "rollback", "forward". */
const char *traffic_change_kind_name(enum traffic_change_kind kind);

struct traffic_change_opts {
    bool read_only; /* observer mode: every prepare and execute is refused */
    int stale_ms;   /* a reading older than this is stale; 0: 30000 */
    /* Called (on the executing thread) as a change progresses: "recording intent", "applying
     * old 70 new 30", "reading back", "recording result"; NULL: not called. For
     * traffic_poller_set_busy_text(). */
    void (*progress)(const char *target, const char *text, void *ctx);
    void *progress_ctx;
};

/* A new engine writing to j (borrowed; outlives the engine; may be NULL only when read_only,
 * then every prepare is refused). Returns 0. */
int traffic_change_new(struct journal *j, const struct traffic_change_opts *opts,
                       struct traffic_change **out);
/* Frees the engine; NULL does nothing. */
void traffic_change_free(struct traffic_change *tc);

/* One side of a preview. */
struct traffic_preview_side {
    const char *id; /* cfg old_id / new_id (points into cfg) */
    int before_w, after_w;
    int before_pct, after_pct; /* this side's share, 0..100; -1 unknown */
};

/* What a change will do; shown before confirmation and handed to execute. Owns its strings. */
struct traffic_preview {
    enum traffic_change_kind kind;
    struct traffic_target_cfg cfg; /* a copy of the target's config */
    struct traffic_weights before; /* the weights read */
    struct traffic_weights after;  /* the weights to write */
    int before_pct, after_pct;     /* percent to the new side; before may be -1 (unknown) */
    int before_step, after_step;   /* plan index (0-based) or -1 between steps */
    struct traffic_preview_side side[2];
    char **calls; /* the provider's describe() lines */
    size_t ncalls;
    bool confirm_by_name; /* production: the target's name must be typed; else "y" */
    char *confirm_prompt; /* "type api to confirm" or "press y to confirm" */
    char *title;          /* "api (route53): next step 0% -> 30%" */
    /* Ready-made lines for a dialog: title, one line per side ("old onprem: 100 -> 70 (100% ->
     * 70%)"), the plan position ("plan: step 1/5 (0%) -> step 3/5 (30%)"), "calls:" and each
     * call indented, then the prompt. Already text_sanitize()d. */
    char **lines;
    size_t nlines;
    /* The weights `R` returns to once this change is recorded: before, except for a forward,
     * where it is the "before" of the change it completes. Journaled as known_good. */
    struct traffic_weights known_good;
};

void traffic_preview_free(struct traffic_preview *pv);

/* Builds the preview of req on the target st (from the latest traffic snapshot) using the
 * provider p (describe() only: no mutating call). percent is used by TRAFFIC_CHANGE_SET.
 * Returns 0, or -1 with err saying why the change is refused. */
int traffic_change_prepare(struct traffic_change *tc, struct traffic_provider *p,
                           const struct traffic_target_state *st, enum traffic_change_kind kind,
                           int percent, struct traffic_preview **out, struct error *err);

/* True when typed confirms pv: the exact target name for production targets, else "y" or
 * "yes" (any case). */
bool traffic_preview_confirmed(const struct traffic_preview *pv, const char *typed);

enum traffic_outcome_status {
    TRAFFIC_OUTCOME_REFUSED, /* nothing changed: nothing was sent (read-only, busy, weights moved,
                               journal), or the provider rejected the batch whole because the
                               records changed since the read (intent_id set) */
    TRAFFIC_OUTCOME_DONE,    /* read-back equals the intended weights */
    TRAFFIC_OUTCOME_FAILED,  /* read-back equals the weights before: nothing changed */
    TRAFFIC_OUTCOME_PARTIAL, /* read-back is neither: live holds what is live now */
    TRAFFIC_OUTCOME_UNKNOWN, /* the read-back failed: the weights may or may not have changed */
};

/* "refused", "done", "failed-nothing-changed", "partial", "unknown". */
const char *traffic_outcome_status_name(enum traffic_outcome_status s);

/* What execute did; shown by the UI. Owns its strings. */
struct traffic_outcome {
    enum traffic_outcome_status status;
    bool have_live;              /* live holds the read-back */
    struct traffic_weights live; /* the weights the provider reports now */
    int live_pct;                /* percent to the new side, -1 unknown */
    char *text;          /* one line for the UI: "done: live now old 70 new 30", "PARTIAL: live now
                            old 70 new 0 (wanted old 70 new 30): roll forward or back", ... */
    char *detail;        /* the provider's detail or error, or NULL */
    char *intent_id;     /* the journal id, NULL when refused before the intent */
    bool offer_forward;  /* partial/unknown: a TRAFFIC_CHANGE_FORWARD makes sense */
    bool offer_rollback; /* partial/unknown: a TRAFFIC_CHANGE_ROLLBACK makes sense */
    bool journal_complete; /* intent and result were both written */
};

void traffic_outcome_fini(struct traffic_outcome *o);

/* Carries out pv with provider p, recording who ("user@host"; NULL: the journal's) in the
 * journal. Always fills *out (even when refused). Returns 0 when the outcome is DONE, else -1
 * with err saying what went wrong (out->text says what is live). */
int traffic_change_execute(struct traffic_change *tc, struct traffic_provider *p,
                           const struct traffic_preview *pv, const char *who,
                           struct traffic_outcome *out, struct error *err);

/* The last known-good weights of target for `R`: the "before" (a forward's known_good) of the
 * most recent change of that target the journal records as done or partial (also
 * applied-before-crash, and unknown: those may have moved the weights too; a change that failed
 * with nothing changed is not one). Rollbacks themselves are skipped, so `R` twice does not undo
 * the rollback. Returns 0 with *w, or -1 with err when the journal records none. */
int traffic_change_last_good(struct traffic_change *tc, const char *target,
                             struct traffic_weights *w, struct error *err);

/* How resume resolved one pending intent. */
enum traffic_resume_decision {
    TRAFFIC_RESUME_APPLIED, /* live == intended: "applied before crash, confirmed by read-back" */
    TRAFFIC_RESUME_NOT_APPLIED, /* live == before: "not applied" */
    TRAFFIC_RESUME_PARTIAL,     /* neither: live recorded */
};

struct traffic_resume {
    char *intent_id;
    char *target;
    enum traffic_resume_decision decision;
    struct traffic_weights before, after, live;
    char *text; /* one line for the UI, e.g. "api: traffic:api:7 applied before crash, confirmed
                   by read-back (live old 70 new 30)" */
};

void traffic_resume_fini(struct traffic_resume *r);

/* True when a journal_pending() entry is a traffic change intent; *target (may be NULL) gets
 * its target name, newly allocated. */
bool traffic_change_pending_is_traffic(const struct journal_pending *pending, char **target);

/* Resolves one pending traffic intent against a fresh reading of its target (read after the
 * restart) and journals the result. Never applies anything. Returns 0 with *out, or -1 with err
 * (not a traffic intent, fields missing, reading weights unknown: then nothing is written). */
int traffic_change_resume(struct traffic_change *tc, const struct journal_pending *pending,
                          const struct traffic_reading *fresh, const char *who,
                          struct traffic_resume *out, struct error *err);

/* Gives a fresh reading of target for resume (e.g. a provider read inside
 * traffic_poller_with_provider()). Returns 0, or -1 with err. */
typedef int (*traffic_change_read_fn)(const char *target, struct traffic_reading *out, void *ctx,
                                      struct error *err);

/* Resolves every traffic intent of the journal without a result (at start, before any change
 * is offered): reads its target through read_fn and calls traffic_change_resume(). Intents of
 * other kinds (the runbook's) are left alone. *out receives the resolved ones (an array of *n:
 * traffic_resume_fini each, then free the array). Returns 0 when every traffic intent was
 * resolved, else -1 with err naming the first that stays pending (its target could not be
 * read); the others are resolved all the same. */
int traffic_change_resume_all(struct traffic_change *tc, traffic_change_read_fn read_fn, void *ctx,
                              const char *who, struct traffic_resume **out, size_t *n,
                              struct error *err);

#endif
