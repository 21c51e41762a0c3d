#ifndef CUTOVER_INFORMER_SIM_H
#define CUTOVER_INFORMER_SIM_H

/* Test helpers for the Kubernetes client tests: the demo simulator in-process, its contexts
 * resolved from the kubeconfig it wrote, fresh LISTs to compare an informer's store with, and
 * waiting for a condition without sleeping a fixed time. Failures fail the calling cmocka test. */

#include "cutover/k8s_http.h"
#include "cutover/k8s_informer.h"
#include "cutover/kubeconfig.h"
#include "cutover/sim.h"

#include <stdbool.h>

/* Starts the demo pair without churn (so the server changes only when a test changes it). */
struct sim *informer_sim_start(void);
/* Resolves context `which` (0 source, 1 target) from the simulator's kubeconfig. */
void informer_sim_context(struct sim *sim, int which, struct kube_context *out);
/* A new client for ctx (asserting it can be made). */
struct k8s_http *informer_http(const struct kube_context *ctx, bool read_only);
/* A fresh LIST of res through its own connection of http; NULL when the list failed. */
struct k8s_informer_store *informer_fresh_list(struct k8s_http *http, enum model_res res);
/* Polls (every 20 ms, at most timeout_ms) until inf's store equals a fresh LIST through http;
 * returns whether it did. */
bool informer_wait_equal(struct k8s_informer *inf, struct k8s_http *http, int timeout_ms);
/* Polls until pred(arg) holds or timeout_ms passed; returns its last value. */
bool informer_wait_until(bool (*pred)(void *arg), void *arg, int timeout_ms);
/* Milliseconds on the monotonic clock. */
double informer_now_ms(void);
/* A counter from the simulator's /requests: "total" or "mutating", overall or for one context
 * (ctx NULL: overall). */
long informer_sim_requests(struct sim *sim, const char *ctx, const char *field);
/* Performs one request with http (a connection of its own); returns k8s_http_do's result. */
int informer_request(struct k8s_http *http, const char *method, const char *path, const char *body,
                     struct k8s_http_resp *resp, struct error *err);

#endif
