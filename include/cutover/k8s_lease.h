#ifndef CUTOVER_K8S_LEASE_H
#define CUTOVER_K8S_LEASE_H

/* Who drives a runbook: a coordination.k8s.io/v1 Lease in the target cluster (namespace and name
 * from the runbook: default "cutover" / "cutover-<runbook name>"). The driver acquires it with
 * holderIdentity "user@host" and renews it (renewTime) well within leaseDurationSeconds; a second
 * driver is refused with who holds it and since when; a Lease whose holder stopped renewing
 * (expired) is taken over only when the caller says the user confirmed it. Every write carries the
 * resourceVersion it was based on: a 409 means someone else wrote first, so the Lease is read
 * again and the decision made again, never overwritten.
 *
 * A session id (an annotation, cutover.dev/session) tells two terminals of the same user@host
 * apart: the same identity in another session counts as another holder. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"
#include "cutover/k8s_http.h"

#define K8S_LEASE_DURATION_DEFAULT 30 /* seconds; renew every third of it */
#define K8S_LEASE_SESSION_ANNOTATION "cutover.dev/session"

/* The Lease as read. Strings are from the API: sanitize before drawing. */
struct k8s_lease_info {
    bool exists;
    char holder[256];  /* spec.holderIdentity; "" none (released) */
    char session[128]; /* the session annotation; "" none */
    int duration_s;    /* spec.leaseDurationSeconds; 0 unknown */
    int64_t acquired;  /* spec.acquireTime, unix seconds; 0 unknown */
    int64_t renewed;   /* spec.renewTime, unix seconds; 0 unknown */
    int transitions;   /* spec.leaseTransitions */
    char rv[32];       /* metadata.resourceVersion */
};

/* Which Lease and who we are. */
struct k8s_lease_opts {
    const char *ns;       /* default "cutover" */
    const char *name;     /* required */
    const char *identity; /* "user@host"; NULL: journal-style $USER@hostname */
    const char *session;  /* this process's session id; NULL: "pid-<pid>-<start time>" */
    int duration_s;       /* 0: K8S_LEASE_DURATION_DEFAULT */
};

/* Reads the Lease: 0 (out->exists true), -ENOENT when there is none (out->exists false), or
 * another negative value with err. */
int k8s_lease_read(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                   struct k8s_lease_info *out, struct error *err);

/* True when nobody holds the Lease at now (unix seconds): no holder, or renewTime (else
 * acquireTime) + leaseDurationSeconds is in the past. */
bool k8s_lease_expired(const struct k8s_lease_info *l, int64_t now);

/* True when l is held by this identity in this session. */
bool k8s_lease_is_ours(const struct k8s_lease_info *l, const struct k8s_lease_opts *o);

/* Acquires the Lease (creating it when absent). Returns 0 with *out the Lease now held by us;
 * -EBUSY when someone else holds it and it has not expired (*out says who and since when);
 * -ESTALE when it has expired but takeover is false (ask the user, then call again with takeover
 * true; *out says who held it); -ENOENT when the namespace does not exist; another negative value
 * with err for transport and API errors. A 409 re-reads and decides again (a few times). */
int k8s_lease_acquire(struct k8s_http_conn *c, const struct k8s_lease_opts *o, bool takeover,
                      struct k8s_lease_info *out, struct error *err);

/* Renews a Lease we hold (*held from acquire or the last renew; updated). Returns 0; -EBUSY when
 * it is no longer ours (someone took it over: *held says who); another negative value on errors
 * (the caller keeps trying until it expires, and must stop driving when it has). */
int k8s_lease_renew(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                    struct k8s_lease_info *held, struct error *err);

/* Gives the Lease up (holderIdentity cleared) if it is still ours. 0, -EBUSY not ours, or error. */
int k8s_lease_release(struct k8s_http_conn *c, const struct k8s_lease_opts *o,
                      struct k8s_lease_info *held, struct error *err);

/* One sanitized line for people: "held by alice@laptop since 2026-11-23 14:02:11 UTC, renewed 3 s
 * ago, expires in 27 s" (or "expired 40 s ago", or "free"). */
const char *k8s_lease_describe(const struct k8s_lease_info *l, int64_t now, char *buf, size_t len);

#endif
