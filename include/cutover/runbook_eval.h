#ifndef CUTOVER_RUNBOOK_EVAL_H
#define CUTOVER_RUNBOOK_EVAL_H

/* Runbook gates evaluated on what the dashboard already has: the two cluster snapshots and their
 * analysis, the traffic snapshot and the drift report. Pure functions, no I/O: the runner calls
 * them on every new snapshot (and through a soak). Each check gives pass, fail or unknown (the
 * data is not there yet, or cannot answer) with one line an SRE understands; unknown never
 * passes a gate. */

#include <stddef.h>

#include "cutover/analysis.h"
#include "cutover/model.h"
#include "cutover/runbook.h"
#include "cutover/traffic.h"

struct drift_report;

enum runbook_verdict { RUNBOOK_UNKNOWN = 0, RUNBOOK_PASS = 1, RUNBOOK_FAIL = 2 };

/* "unknown", "pass", "fail". */
const char *runbook_verdict_name(enum runbook_verdict v);

/* What the gates look at; any member may be NULL (not known yet: checks on it are unknown). */
struct runbook_eval_input {
    const struct model_cluster *cluster[2]; /* [RUNBOOK_SOURCE], [RUNBOOK_TARGET] */
    const struct analysis *analysis;        /* analysis_run of those two */
    const struct traffic_snapshot *traffic;
    const struct drift_report *drift;
};

/* The outcome of one check. */
struct runbook_gate {
    enum runbook_verdict verdict;
    char reason[256]; /* sanitized: safe to draw */
};

/* Evaluates one check into *out. */
void runbook_eval_check(const struct runbook_check *c, const struct runbook_eval_input *in,
                        struct runbook_gate *out);
/* Evaluates every check of a step into gates[0..s->nchecks) and returns the step's verdict:
 * fail when any check fails, else unknown when any is unknown, else pass (no checks: pass). */
enum runbook_verdict runbook_eval_step(const struct runbook_step *s,
                                       const struct runbook_eval_input *in,
                                       struct runbook_gate *gates);

#endif
