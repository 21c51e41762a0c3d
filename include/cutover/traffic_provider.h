#ifndef CUTOVER_TRAFFIC_PROVIDER_H
#define CUTOVER_TRAFFIC_PROVIDER_H

/* Traffic providers (backends/traffic_*.c): reading and writing the weights of one target.
 * One provider per target, used by one thread at a time (the traffic poller reads; the change
 * worker applies; they do not overlap on one target: the caller serialises with its own lock).
 *
 * Observer mode (env.read_only) is enforced here and below: apply() refuses without sending,
 * and the HTTP / socket layer under it refuses every mutating request on its own as well. */

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"
#include "cutover/kubeconfig.h"
#include "cutover/traffic.h"

struct traffic_provider;

/* Weights to write. */
struct traffic_weights {
    int w[2]; /* [TRAFFIC_OLD], [TRAFFIC_NEW] */
};

/* What apply() did. Nothing counts as done unless confirmed. */
struct traffic_apply_result {
    bool sent;      /* at least one mutating request left this process */
    bool accepted;  /* the provider accepted every request (route53: INSYNC reached) */
    size_t applied; /* how many of the describe() calls were accepted, in order */
    char *detail;   /* what happened, e.g. "change C2 INSYNC after 1.2 s" or the failure */
    /* The provider refused the change as a whole because the target changed since it was read
     * (route53: a DELETE of the record as read no longer matched; gateway: the resourceVersion
     * test failed): nothing changed; re-read and preview again, never retry blindly. */
    bool conflict;
};

void traffic_apply_result_fini(struct traffic_apply_result *r);

struct traffic_provider_ops {
    /* Reads both sides (weights, health). Returns 0, or -1 with err naming the target. */
    int (*read)(struct traffic_provider *p, struct traffic_reading *out, struct error *err);
    /* The exact mutating API calls apply(to) will make, one line each, e.g.
     * "route53 ChangeResourceRecordSets Z0123: UPSERT api.example.com. A onprem weight 70,
     *  UPSERT api.example.com. A eks weight 30" or "haproxy: set weight api/onprem 70".
     * *lines is an array of n new strings (free each, then the array). */
    int (*describe)(struct traffic_provider *p, const struct traffic_weights *to, char ***lines,
                    size_t *n, struct error *err);
    /* Writes the weights and waits until the provider confirms them (route53: GetChange until
     * INSYNC, bounded). Returns 0 when everything was accepted, else -1 with err and res saying
     * how far it got. Never retries a mutating call whose outcome is unknown. */
    int (*apply)(struct traffic_provider *p, const struct traffic_weights *to,
                 struct traffic_apply_result *res, struct error *err);
    void (*free)(struct traffic_provider *p);
};

struct traffic_provider {
    const struct traffic_provider_ops *ops;
    struct traffic_target_cfg cfg; /* a copy */
    bool read_only;
    void *impl;
};

/* What providers may need beyond their target's config. */
struct traffic_provider_env {
    bool read_only;                      /* observer mode */
    const struct kubeconfig *kubeconfig; /* gateway: resolves cfg.context (borrowed) */
    const char *ua;                      /* User-Agent; NULL: "cutover/<version>" */
    int timeout_ms;                      /* per request; 0: 10000 */
    int insync_timeout_ms;               /* route53 GetChange wait; 0: 60000 */
};

/* The constructor for cfg->kind. Does no I/O. */
int traffic_provider_new(const struct traffic_target_cfg *cfg,
                         const struct traffic_provider_env *env, struct traffic_provider **out,
                         struct error *err);
int traffic_route53_new(const struct traffic_target_cfg *cfg,
                        const struct traffic_provider_env *env, struct traffic_provider **out,
                        struct error *err);
int traffic_alb_new(const struct traffic_target_cfg *cfg, const struct traffic_provider_env *env,
                    struct traffic_provider **out, struct error *err);
int traffic_haproxy_new(const struct traffic_target_cfg *cfg,
                        const struct traffic_provider_env *env, struct traffic_provider **out,
                        struct error *err);
int traffic_gateway_new(const struct traffic_target_cfg *cfg,
                        const struct traffic_provider_env *env, struct traffic_provider **out,
                        struct error *err);
void traffic_provider_free(struct traffic_provider *p);

/* For constructors (added by traffic-aws): a provider holding ops, a copy of cfg, env->read_only
 * and impl. Ownership: ops->free releases impl and whatever it holds, nothing else;
 * traffic_provider_free then calls it, frees the cfg copy and the provider itself. */
struct traffic_provider *traffic_provider_alloc(const struct traffic_provider_ops *ops,
                                                const struct traffic_target_cfg *cfg,
                                                const struct traffic_provider_env *env, void *impl);

/* For providers (added by dedupe): prefixes err's message (err may be NULL) with the target's
 * name and makes it safe to draw. */
void traffic_provider_err_target(struct error *err, const struct traffic_provider *p);
/* For apply in observer mode (added by dedupe): err "<name>: observer mode: <call> not sent",
 * res->detail "refused: observer mode (nothing sent)". Returns -1. */
int traffic_provider_refuse_observer(const struct traffic_provider *p, const char *call,
                                     struct traffic_apply_result *res, struct error *err);
struct aws_client;
/* For the AWS providers' constructors (added by dedupe): an AWS client for service with cfg's
 * region, endpoint and profile and env's observer mode, User-Agent and timeout. Does no I/O. */
int traffic_provider_aws_client(const struct traffic_target_cfg *cfg,
                                const struct traffic_provider_env *env, const char *service,
                                struct aws_client **out, struct error *err);
/* For providers reading a number from an answer (added by dedupe): true with *out when s is a
 * whole decimal number in lo..hi; false for NULL, empty, trailing text or out of range. */
bool traffic_provider_parse_long(const char *s, long lo, long hi, long *out);
struct aws_response;
/* For the AWS providers' apply after a change call failed (added by dedupe): res->sent unless
 * the client refused to send it, res->detail "refused: observer mode (nothing sent)", "outcome
 * unknown (not resent): <err>" (no answer) or "rejected: <err>"; err prefixed with the target.
 * Returns -1. */
int traffic_provider_aws_failed(const struct traffic_provider *p, const struct aws_response *resp,
                                struct traffic_apply_result *res, struct error *err);

/* Observed split: Prometheus's instant query API (GET /api/v1/query?query=...). The sum of the
 * result vector's values into *out; an empty vector is 0. Read-only by nature. */
int prom_query_sum(const char *base_url, const char *promql, int timeout_ms, double *out,
                   struct error *err);

#endif
