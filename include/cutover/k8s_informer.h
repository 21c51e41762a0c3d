#ifndef CUTOVER_K8S_INFORMER_H
#define CUTOVER_K8S_INFORMER_H

/* One resource of one cluster kept current: LIST with limit/continue (decoded item by item as
 * the body arrives), then WATCH from the list's resourceVersion with bookmarks, relisting on
 * 410 Gone. The store is keyed by namespace/name and holds refcounted model rows; a failed or
 * truncated list never replaces the last good store. Secrets are listed as metadata only. */

#include "cutover/error.h"
#include "cutover/k8s_http.h"
#include "cutover/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the store: namespace/name -> row, with the row's resourceVersion -------------------- */

struct k8s_informer_store;

/* A new empty store. */
struct k8s_informer_store *k8s_informer_store_new(void);
/* Drops every row's reference and frees. NULL does nothing. */
void k8s_informer_store_free(struct k8s_informer_store *s);
/* Inserts or replaces the row of obj's namespace/name, taking obj's reference. */
void k8s_informer_store_put(struct k8s_informer_store *s, const struct model_obj *take,
                            const char *resource_version);
/* Removes the row; returns true when there was one. ns may be NULL (cluster-scoped). */
bool k8s_informer_store_del(struct k8s_informer_store *s, const char *ns, const char *name);
/* The row (borrowed), or NULL. */
const struct model_obj *k8s_informer_store_get(const struct k8s_informer_store *s, const char *ns,
                                               const char *name);
/* Number of rows. */
size_t k8s_informer_store_count(const struct k8s_informer_store *s);
/* True when both hold the same keys at the same resourceVersions. */
bool k8s_informer_store_equal(const struct k8s_informer_store *a,
                              const struct k8s_informer_store *b);
/* A new array of every row, each with a reference taken (for model_cluster_take_list). */
const struct model_obj **k8s_informer_store_items(const struct k8s_informer_store *s, size_t *n);

/* ---- one LIST ---------------------------------------------------------------------------- */

/* "/api/v1/pods", "/apis/apps/v1/deployments", ... */
const char *k8s_informer_path(enum model_res res);

struct k8s_list_stats {
    unsigned pages;
    unsigned restarts_410; /* a continue token expired: the list began again */
    unsigned decode_errors;
};

/* Lists every object of res (all namespaces) in pages of page_size into a new store, with the
 * list's resourceVersion in rv. Returns 0, or -1 with err naming the cluster and URL and resp
 * saying what the last request did; *out is then NULL. */
int k8s_informer_list(struct k8s_http_conn *conn, enum model_res res, int page_size,
                      struct k8s_informer_store **out, char *rv, size_t rv_len,
                      struct k8s_list_stats *stats, struct k8s_http_resp *resp, struct error *err);

/* ---- the informer thread ----------------------------------------------------------------- */

struct k8s_informer;

struct k8s_informer_opts {
    int page_size;        /* LIST limit; 0: 500 */
    int watch_timeout_s;  /* each watch asks timeoutSeconds between this and twice it; 0: 300 */
    int backoff_base_ms;  /* first pause after a failure (doubling, jittered); 0: 500 */
    int backoff_max_ms;   /* longest pause; 0: 30000 */
    int list_low_speed_s; /* a LIST page under 1 byte/s for this long fails; 0: 30 */
    bool no_protobuf;     /* ask for JSON only (else pods and nodes as protobuf first) */
};

/* Whether resource res is asked for as Kubernetes protobuf: pods and nodes, unless turned off. */
bool k8s_informer_protobuf(enum model_res res);
/* Turns protobuf off (JSON only) or on for every informer started after (default on). */
void k8s_informer_set_protobuf(bool on);

/* Called (from the informer's thread, no lock held) when the store or the freshness changed;
 * urgent when the informer first synced or its error state changed. */
typedef void (*k8s_informer_notify_fn)(void *arg, enum model_res res, bool urgent);

/* What an informer did, for tests and the log. */
struct k8s_informer_stats {
    unsigned lists_ok;
    unsigned list_failures;
    unsigned list_restarts_410; /* continue token expired mid-list */
    unsigned relists_410;       /* watch answered 410, as HTTP status or ERROR event */
    unsigned watches;           /* watch requests made */
    unsigned watch_events;      /* ADDED/MODIFIED/DELETED applied */
    unsigned bookmarks;
    unsigned decode_errors;
    uint64_t changes; /* grows with every store change */
};

/* A new informer for res over http (borrowed; must outlive it). notify may be NULL. */
struct k8s_informer *k8s_informer_new(struct k8s_http *http, enum model_res res,
                                      const struct k8s_informer_opts *opts,
                                      k8s_informer_notify_fn notify, void *notify_arg);
/* Starts its thread. */
void k8s_informer_start(struct k8s_informer *inf);
/* Asks for a relist now (aborting an open watch); returns at once. */
void k8s_informer_refresh(struct k8s_informer *inf);
/* Tells the thread to stop (aborting any transfer) without waiting; for stopping many at once. */
void k8s_informer_request_stop(struct k8s_informer *inf);
/* Stops the thread promptly (aborting any transfer) and waits for it. */
void k8s_informer_stop(struct k8s_informer *inf);
/* Stops if needed, then frees. NULL does nothing. */
void k8s_informer_free(struct k8s_informer *inf);

/* The resource this informer keeps. */
enum model_res k8s_informer_res(const struct k8s_informer *inf);
/* The rows now, or during the first list the pages so far (refs taken; the caller owns the
 * array, e.g. for model_cluster_take_list). */
const struct model_obj **k8s_informer_items(struct k8s_informer *inf, size_t *n);
/* The same rows as a shared model_rows (one reference for the caller; model_cluster_set_rows):
 * no reference per row, and an unchanged store gives the same model_rows again. */
struct model_rows *k8s_informer_rows(struct k8s_informer *inf);
/* The freshness now; last_error is a new string the caller owns. */
void k8s_informer_freshness(struct k8s_informer *inf, struct model_freshness *out);
/* True when the last attempt failed without any HTTP answer (unreachable, TLS). */
bool k8s_informer_transport_error(struct k8s_informer *inf);
/* The HTTP status of the current failure (401, 403, 500, ...), or 0 when there is none or it
 * had no HTTP answer. */
long k8s_informer_error_status(struct k8s_informer *inf);
/* True once the first LIST completed or failed. */
bool k8s_informer_settled(struct k8s_informer *inf);
/* A copy of the counters. */
void k8s_informer_get_stats(struct k8s_informer *inf, struct k8s_informer_stats *out);
/* Runs fn on the current store under the informer's lock (tests compare it with a fresh list). */
void k8s_informer_with_store(struct k8s_informer *inf,
                             void (*fn)(void *arg, const struct k8s_informer_store *s), void *arg);

#endif
