#ifndef CUTOVER_CMD_STATUS_H
#define CUTOVER_CMD_STATUS_H

/* `cutover status`: one snapshot of both clusters as a report for people or as JSON
 * (docs/status-json.md). The rendering is separate from the polling so it can be unit-tested on
 * synthetic snapshots. */

#include "cutover/analysis.h"
#include "cutover/model.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* What status knows of one cluster. */
struct status_cluster {
    const char *context;              /* as given on the command line */
    const char *server;               /* API server URL from the kubeconfig; NULL unknown */
    bool tls_insecure;                /* insecure-skip-tls-verify in the kubeconfig */
    const struct model_cluster *snap; /* the last snapshot, NULL when none arrived */
    const char *error;                /* why it could not be read; NULL when it was read */
};

/* Exit codes of `cutover status`. */
enum { STATUS_EXIT_OK = 0, STATUS_EXIT_FINDINGS = 1, STATUS_EXIT_UNREADABLE = 2 };

/* The resources status reads (bit mask of 1u << MODEL_RES_*). */
unsigned cmd_status_resources(void);

/* Why snapshot c is not good enough to report on (a cluster-wide error, or a resource that
 * status needs that failed or did not finish its first LIST in time), written into buf and
 * returned; NULL when it is readable. */
const char *cmd_status_unreadable(const struct model_cluster *c, int timeout_s, char *buf,
                                  size_t len);

/* True when snapshot c says all it will for status: every resource status reads has listed or
 * failed, and /version answered or the cluster has an error. */
bool cmd_status_settled(const struct model_cluster *c);

/* 2 when a cluster could not be read, else 1 when there are warn or crit findings, else 0. */
int cmd_status_exit_code(const struct status_cluster cl[2], const struct analysis *a);

/* The JSON document described in docs/status-json.md (the caller puts it). */
struct json_object *cmd_status_json(const struct status_cluster cl[2], const struct analysis *a,
                                    int exit_code, int64_t now);

/* doc as pretty JSON text that is also safe on a terminal: DEL, C1 controls and bidirectional
 * overrides inside strings are written as \uXXXX escapes (the same JSON value). Caller frees. */
char *cmd_status_json_text(struct json_object *doc);

/* Secret and ConfigMap drift (added by the drift module, docs/drift.md): the report the next
 * cmd_status_json / cmd_status_text / cmd_status_exit_code include (NULL: none). Its findings
 * join the list (and the exit code); the JSON gets a "drift" object, the text a DRIFT section.
 * The report is borrowed until the next call. */
struct drift_report;
void cmd_status_use_drift(const struct drift_report *r);

/* The report for people: every API string sanitized, severities written as words. */
void cmd_status_text(FILE *out, const struct status_cluster cl[2], const struct analysis *a,
                     int exit_code, int64_t now);

#endif
