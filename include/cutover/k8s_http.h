#ifndef CUTOVER_K8S_HTTP_H
#define CUTOVER_K8S_HTTP_H

/* HTTP to one Kubernetes API server through libcurl, as the kubeconfig context says: TLS (CA,
 * client certificates, tls-server-name, insecure-skip-tls-verify), proxy-url, and bearer tokens
 * from the kubeconfig, a token file or an exec plugin. Bodies stream into a callback; nothing is
 * buffered whole. One k8s_http per cluster, one k8s_http_conn per thread. */

#include "cutover/error.h"
#include "cutover/kubeconfig.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct k8s_http;      /* per cluster: context, credentials cache, shared DNS/TLS cache */
struct k8s_http_conn; /* per thread: one curl handle; not thread-safe except _wake */

struct k8s_http_opts {
    bool read_only;         /* observer: every request but GET/HEAD is refused, never sent */
    const char *ua;         /* User-Agent; NULL: "cutover/<version>" */
    int connect_timeout_ms; /* 0: 10000 */
    int max_retry_after_s;  /* longest Retry-After honoured; 0: 60 */
    int max_retries;        /* retries of a read on 429/503 (a change is never resent); 0: 5 */
    int exec_timeout_ms;    /* an exec credential plugin running longer is killed; 0: the
                             * process-wide default (k8s_http_set_exec_timeout) */
};

/* The exec plugin limit of every client made with exec_timeout_ms 0 from now on (config key
 * `exec_timeout`); ms <= 0 restores 30000. */
void k8s_http_set_exec_timeout(int ms);

/* Called with each piece of a successful (2xx) response body; return non-zero to abort. */
typedef int (*k8s_http_body_fn)(void *arg, const char *buf, size_t len);
/* Polled while a request runs or the thread sleeps; true cancels (stop, refresh). */
typedef bool (*k8s_http_cancel_fn)(void *arg);

struct k8s_http_req {
    const char *method; /* NULL: GET */
    const char *path;   /* "/api/v1/pods?limit=500": appended to the server URL */
    const char *accept; /* NULL: application/json */
    const char *body;   /* request body for PATCH/POST/PUT, or NULL */
    const char *content_type;
    k8s_http_body_fn on_body; /* NULL: the body is discarded */
    void *arg;
    int low_speed_s; /* abort when under 1 byte/s for this long; 0: no limit (watches) */
    int timeout_s;   /* total limit; 0: none */
    bool identity;   /* no Accept-Encoding (no gzip): the body may hold secret values, and curl's
                        and zlib's buffers are never wiped */
    char *ctype_out; /* when not NULL: the response's Content-Type (value only, "" when none),
                        written before the first body byte reaches on_body */
    size_t ctype_out_len;
};

struct k8s_http_resp {
    long status;          /* HTTP status of the final attempt; 0 when none was received */
    bool cancelled;       /* the cancel callback stopped it */
    bool body_aborted;    /* on_body returned non-zero */
    bool transport_error; /* no HTTP answer at all (refused, TLS, timeout, dropped) */
    int retries;          /* attempts repeated after 429/503 */
    double total_ms;      /* duration of the final attempt */
    double retry_after_s; /* Retry-After of the last 429/503 seen; -1 none */
};

/* What the client did, for tests and the log: Retry-After waits as the client measured them. */
struct k8s_http_stats {
    uint64_t requests;           /* attempts sent */
    uint64_t refused;            /* mutating requests refused by read_only */
    uint64_t retry_after_waits;  /* times a Retry-After was honoured */
    double last_retry_after_s;   /* the Retry-After of the last honoured wait */
    double last_retry_waited_ms; /* time from that 429/503 to the retry being sent */
    uint64_t exec_runs;          /* times the exec plugin was run */
    uint64_t bytes_received;     /* response headers and bodies as they came (compressed) */
};

/* Copies what it needs of ctx. Fails only when the context cannot work at all (no server). */
int k8s_http_new(const struct kube_context *ctx, const struct k8s_http_opts *opts,
                 struct k8s_http **out, struct error *err);
/* Frees the client (after every connection of it is freed). NULL does nothing. */
void k8s_http_free(struct k8s_http *h);
/* The context name used in every message. */
const char *k8s_http_context(const struct k8s_http *h);
/* The server URL. */
const char *k8s_http_server(const struct k8s_http *h);
/* A copy of the counters (thread-safe). */
void k8s_http_get_stats(struct k8s_http *h, struct k8s_http_stats *out);

/* A connection for one thread; cancel (may be NULL) is polled during requests and sleeps. */
struct k8s_http_conn *k8s_http_conn_new(struct k8s_http *h, k8s_http_cancel_fn cancel,
                                        void *cancel_arg);
/* Frees a connection (its thread is done with it). NULL does nothing. */
void k8s_http_conn_free(struct k8s_http_conn *c);
/* The client a connection belongs to. */
struct k8s_http *k8s_http_conn_http(const struct k8s_http_conn *c);
/* Wakes the connection's thread out of a transfer or sleep so it polls cancel now. Any thread. */
void k8s_http_conn_wake(struct k8s_http_conn *c);
/* Sleeps up to ms, returning early (-1) when cancelled. */
int k8s_http_conn_sleep(struct k8s_http_conn *c, int ms);

/* Performs one request (repeating it on 429/503 as Retry-After says). Returns 0 for a 2xx
 * answer whose body was delivered whole, else -1 with err naming the context, method and URL,
 * and resp saying what happened. */
int k8s_http_do(struct k8s_http_conn *c, const struct k8s_http_req *req, struct k8s_http_resp *resp,
                struct error *err);

/* Backoff before attempt n (0-based): base * 2^n capped at max_ms, with full jitter in
 * [half, whole]. seed is per-caller state. */
int k8s_http_backoff_ms(unsigned attempt, int base_ms, int max_ms, uint64_t *seed);

#endif
