#ifndef CUTOVER_AWS_HTTP_H
#define CUTOVER_AWS_HTTP_H

/* Signed AWS requests over libcurl: the query protocol (STS, ELBv2: form POST, XML answer),
 * REST-XML (Route53), JSON 1.1 (Secrets Manager: X-Amz-Target) and SSO's REST-JSON
 * GetRoleCredentials (bearer token header, unsigned). Credentials come from the CLI's chain
 * (aws_creds.h), with this module supplying the STS and SSO calls the chain needs.
 *
 * Endpoints: opts.endpoint (a base URL such as "http://127.0.0.1:7443") is used for EVERY service
 * when set, including the STS/SSO calls of the credential chain; the simulator serves them all on
 * one port. NULL means the real AWS endpoint of the service and region. Tests and the demo always
 * set it to loopback.
 *
 * Observer mode (opts.read_only): only actions that change nothing are sent (Describe*, Get*,
 * List*, STS GetCallerIdentity/AssumeRole*, SSO GetRoleCredentials, and GET for REST); anything
 * else is refused before sending, counted, and logged. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/aws_creds.h"
#include "cutover/error.h"

struct aws_client;

struct aws_client_opts {
    const char *service;  /* signing name: "route53", "elasticloadbalancing", "sts",
                             "secretsmanager" */
    const char *region;   /* NULL: aws_creds_region(); route53 always signs us-east-1 */
    const char *endpoint; /* base URL for every call, or NULL for AWS's own */
    const char *profile;  /* NULL: AWS_PROFILE, AWS_DEFAULT_PROFILE, "default" */
    bool read_only;       /* observer mode */
    const char *ua;       /* NULL: "cutover/<version>" */
    int timeout_ms;       /* per request; 0: 10000 */
    time_t now;           /* fixed signing time for tests; 0: the clock */
};

/* Creates a client (no I/O; credentials are resolved at the first request and cached until 5
 * minutes before they expire). Thread-safe: requests may come from several threads. */
int aws_client_new(const struct aws_client_opts *opts, struct aws_client **out, struct error *err);
void aws_client_free(struct aws_client *c);

/* The answer to one call. Strings owned; release with aws_response_fini. */
struct aws_response {
    long status;          /* HTTP status; 0 when no answer came */
    bool transport_error; /* refused, reset, timeout: the outcome of a mutating call is unknown */
    bool refused;         /* read_only refused it; nothing was sent */
    char *body;           /* NUL-terminated */
    size_t len;
    char *request_id; /* x-amzn-RequestId / RequestId, or NULL */
    char *error_code; /* "InvalidChangeBatch", "Throttling", ... from the error body, or NULL */
    char *error_message;
};
void aws_response_fini(struct aws_response *r);

struct aws_param {
    const char *name; /* "ListenerArn", "DefaultActions.member.1.Type" */
    const char *value;
};

/* Query protocol: POST / with Action, Version and params form-encoded. Returns 0 for 2xx, else
 * -1 with err "SERVICE ACTION: CODE: message (HTTP n)" and resp filled as far as it got. */
int aws_query(struct aws_client *c, const char *action, const char *version,
              const struct aws_param *params, size_t n, struct aws_response *resp,
              struct error *err);

/* REST: method and path (with query) relative to the endpoint, optional body. `action` names the
 * operation for read_only checks, logs and messages ("ChangeResourceRecordSets"). */
int aws_rest(struct aws_client *c, const char *method, const char *action, const char *path,
             const char *body, const char *content_type, struct aws_response *resp,
             struct error *err);

/* JSON 1.1: POST / with X-Amz-Target: target ("secretsmanager.GetSecretValue"). */
int aws_json(struct aws_client *c, const char *target, const char *json_body,
             struct aws_response *resp, struct error *err);

/* Whether an action (query action name, REST operation name or JSON target's operation) changes
 * anything: everything but Describe*, Get*, List*, AssumeRole*, GetCallerIdentity. */
bool aws_action_mutates(const char *action);

struct aws_client_stats {
    uint64_t requests; /* sent */
    uint64_t refused;  /* refused by read_only */
};
void aws_client_get_stats(struct aws_client *c, struct aws_client_stats *out);

/* The chain's STS and SSO calls over HTTP, for aws_creds_opts.ops: fills ops with ctx (borrowed;
 * must outlive ops). endpoint NULL: AWS's regional STS and SSO portal endpoints. */
struct aws_http_creds_ctx {
    const char *endpoint;
    int timeout_ms;
    const char *ua;
};
void aws_http_creds_ops(struct aws_creds_ops *ops, struct aws_http_creds_ctx *ctx);

#endif
