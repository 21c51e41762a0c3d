#ifndef CUTOVER_K8S_POLLER_H
#define CUTOVER_K8S_POLLER_H

/* One cluster's poller: informer threads (LIST with limit/continue, then WATCH, relist on 410)
 * for every resource of the model, publishing immutable snapshots through a model_publisher. */

#include "cutover/error.h"
#include "cutover/k8s_http.h"
#include "cutover/k8s_informer.h"
#include "cutover/kubeconfig.h"
#include "cutover/model.h"

#include <stdbool.h>
#include <stddef.h>

struct k8s_poller;

struct k8s_poller_opts {
    unsigned resources; /* bit mask of (1u << MODEL_RES_*); 0 means all */
    int page_size;      /* LIST limit; default 500 */
    int publish_ms;     /* at most one publish per this many ms while watching; default 200 */
    bool read_only;     /* observer mode: the HTTP layer refuses every mutating request */
    const char *ua;     /* User-Agent; default "cutover/<version>" */
};

/* Starts polling the cluster of ctx (copied); snapshots go to pub (borrowed, must outlive the
 * poller). Returns 0, or -1 with err set when the context cannot be used at all. */
int k8s_poller_start(const struct kube_context *ctx, const struct k8s_poller_opts *opts,
                     struct model_publisher *pub, struct k8s_poller **out, struct error *err);
/* Asks every informer to relist now (the `r` key); returns at once. */
void k8s_poller_refresh(struct k8s_poller *p);
/* Waits until every resource has completed its first LIST or failed at least once, or timeout_ms
 * passed; returns true when all are synced. For `cutover status`. */
bool k8s_poller_wait_synced(struct k8s_poller *p, int timeout_ms);
/* The HTTP client (for its counters) and the informer of res (NULL when not polled): borrowed,
 * valid until k8s_poller_stop. For tests and diagnostics. */
struct k8s_http *k8s_poller_http(struct k8s_poller *p);
struct k8s_informer *k8s_poller_informer(struct k8s_poller *p, enum model_res res);
/* Parses a /version body's gitVersion, major and minor ("1", "29+", "v1.24.17-eks-abc");
 * returns 0, or -1 when it carries no version. */
int k8s_poller_parse_version(const char *json, size_t len, char **git_version, int *major,
                             int *minor);
/* Stops the threads, waits for them, frees. NULL does nothing. */
void k8s_poller_stop(struct k8s_poller *p);

#endif
