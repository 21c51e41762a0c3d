#ifndef CUTOVER_DRIFT_READER_H
#define CUTOVER_DRIFT_READER_H

/* Reading what drift compares (docs/drift.md): per cluster, Secrets (metadata only, or in full
 * with each value hashed and wiped as the page is decoded), ConfigMaps (values hashed),
 * ExternalSecrets, ClusterExternalSecrets and their stores; and, for ExternalSecrets backed by
 * AWS Secrets Manager, GetSecretValue hashed the same way. One-shot functions for `cutover
 * status`, and a background reader thread for the dashboard that reads contents only while
 * asked to (the drift view is open, a runbook gate needs them). */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cutover/drift.h"
#include "cutover/drift_config.h"
#include "cutover/error.h"
#include "cutover/k8s_http.h"
#include "cutover/udiff.h"

/* Reads one cluster through conn. contents: Secrets in full (hashed, wiped), else metadata
 * only. Never NULL: what failed is in side->error and the *_read flags. */
struct drift_side *drift_reader_read_side(struct k8s_http_conn *conn, const char *context,
                                          bool contents, int page_size);

/* Reads the source of truth: GetSecretValue for every remote key that an ExternalSecret backed
 * by AWS Secrets Manager uses in either side (each asked once), through the endpoint, profile
 * and region of cfg (the store's region when cfg names none). Observer mode needs nothing more:
 * GetSecretValue changes nothing. */
void drift_reader_read_sot(struct drift_side *const sides[2], const struct drift_config *cfg,
                           bool read_only, struct drift_sot *out);

/* Forces an ExternalSecret (or ClusterExternalSecret when ns is NULL) to refresh by setting its
 * force-sync annotation to now (a merge patch). Returns 0, or -1 with err (observer mode: the
 * HTTP layer refuses it). */
int drift_reader_force_sync(struct k8s_http_conn *conn, const char *ns, const char *name,
                            time_t now, struct error *err);

/* Fetches the ConfigMap ns/name from both clusters (either may be missing) and diffs their data
 * as text ("key:" headers, values indented) with `context` lines. Returns 0 with *out, or -1 with
 * err when a cluster could not be read. ConfigMaps are not secret: their text is kept in the
 * diff. */
int drift_reader_configmap_diff(struct k8s_http_conn *source, struct k8s_http_conn *target,
                                const char *ns, const char *name, int context, struct udiff **out,
                                struct error *err);

/* ---- the background reader --------------------------------------------------------------------
 */

/* One complete read of both clusters and the source of truth, immutable once published. */
struct drift_snapshot {
    atomic_uint refs;
    uint64_t generation;
    struct timespec taken; /* CLOCK_REALTIME when the read finished */
    struct drift_side *side[2];
    struct drift_sot sot;
    struct drift_report *report; /* borrows from side[] and sot */
};

struct drift_snapshot *drift_snapshot_ref(struct drift_snapshot *s);
/* Drops a reference; NULL does nothing. */
void drift_snapshot_unref(struct drift_snapshot *s);
/* Builds a snapshot from two sides and a sot (taken) analysed with cfg. */
struct drift_snapshot *drift_snapshot_new(struct drift_side *source, struct drift_side *target,
                                          struct drift_sot *sot, const struct drift_config *cfg);

struct drift_reader_opts {
    int interval_ms;                /* between reads; default 30000 */
    int page_size;                  /* Secret/ConfigMap LIST limit; default 100 */
    bool read_only;                 /* observer mode (force-sync is refused) */
    const struct drift_config *cfg; /* copied */
    int wake_fd;                    /* written on every publish, or -1 */
};

struct drift_reader;

/* Starts a thread reading both clusters (the http clients are borrowed and must outlive it). */
struct drift_reader *drift_reader_start(struct k8s_http *source, struct k8s_http *target,
                                        const struct drift_reader_opts *opts);
/* Asks for Secret contents (true while the drift view is open or a gate needs them) or for
 * metadata only; a change starts a new read at once. */
void drift_reader_want_contents(struct drift_reader *r, bool on);
/* Reads again now. */
void drift_reader_refresh(struct drift_reader *r);
/* The latest snapshot (a reference the caller drops), or NULL before the first. */
struct drift_snapshot *drift_reader_get(struct drift_reader *r);
/* Stops the thread, waits, frees. NULL does nothing. */
void drift_reader_stop(struct drift_reader *r);

/* The version conn's cluster serves for external-secrets.io ("v1", "v1beta1"; free it), or NULL
 * with err set when it serves none or cannot be asked. Added for the runbook's refresh_secret. */
char *drift_reader_eso_version(struct k8s_http_conn *conn, struct error *err);

#endif
