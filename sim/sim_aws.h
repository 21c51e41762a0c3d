#ifndef CUTOVER_SIM_AWS_H
#define CUTOVER_SIM_AWS_H

/* The simulator's AWS endpoint: Route53 (REST-XML), ELBv2 and STS (query), Secrets Manager
 * (JSON 1.1) and the SSO portal's GetRoleCredentials on one loopback port, every signature
 * verified with core/aws_sigv4.c. sim_aws.c holds the server, the signature check, the
 * credential registry, STS, SSO, counters and the profile files; sim_aws_r53.c, sim_aws_elb.c
 * and sim_aws_sm.c the services; sim_aws_spec.c the scenario's `aws:` section. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cutover/error.h"
#include "sim_aws_spec.h"
#include "sim_buf.h"

struct sim;
struct sim_aws;
struct sim_fault_hit;

/* One decoded name=value of a query string or form body, in request order. */
struct sim_aws_param {
    char *name;
    char *value;
};

struct sim_aws_params {
    struct sim_aws_param *v;
    size_t n;
};

/* Who signed a request (borrowed from the registry for the request's duration: copied). */
struct sim_aws_principal {
    char arn[256];     /* "arn:aws:iam::111122223333:user/sre" or an assumed-role ARN */
    char user_id[160]; /* "AIDA..." or "AROA...:session" */
    char account[16];
};

/* What a service handler answers. body is owned (freed after sending). */
struct sim_aws_reply {
    int status;
    char *body;
    const char *content_type;
    char *error_type; /* x-amzn-ErrorType header (REST-JSON errors), or NULL */
};

/* A request as the service handlers see it. */
struct sim_aws_call {
    struct sim_aws *aws;
    const char *method;
    const char *path; /* raw path, without the query */
    const struct sim_aws_params *query;
    const char *body;
    size_t body_len;
    const char *action;
    const struct sim_aws_principal *who; /* NULL for unsigned calls */
    int partial_apply;                   /* a "partial" fault: apply this many changes... */
    int partial_status;                  /* ...then answer with this status (0: no fault) */
    const char *request_id;
};

/* Starts the AWS endpoint for the scenario's spec on port (0: ephemeral) and writes the AWS CLI
 * files BASE.aws-config and BASE.aws-credentials (profile "sim"); 0 or -1 with err. */
int sim_aws_start(struct sim *sim, const struct sim_aws_spec *spec, int port, const char *base,
                  struct sim_aws **out, struct error *err);
/* Whether sim_aws_stop removes the two files (when the kubeconfig is a temporary one). */
void sim_aws_set_remove_files(struct sim_aws *a, bool remove);
/* Stops the server, removes the files it wrote, frees everything; NULL is a no-op. */
void sim_aws_stop(struct sim_aws *a);
/* "http://127.0.0.1:PORT". */
const char *sim_aws_endpoint(const struct sim_aws *a);
/* The ready line's "aws" object (no key, just {...}; caller frees). */
char *sim_aws_ready_json(const struct sim_aws *a);
/* The /requests "aws" object (caller frees). */
char *sim_aws_counts_json(struct sim_aws *a);
/* Resets the AWS counters. */
void sim_aws_counts_reset(struct sim_aws *a);
/* Paths of the files written at start. */
const char *sim_aws_config_path(const struct sim_aws *a);
const char *sim_aws_credentials_path(const struct sim_aws *a);
/* The first scenario credential (the profile's). */
const char *sim_aws_key_id(const struct sim_aws *a);
const char *sim_aws_key_secret(const struct sim_aws *a);

/* ---- helpers shared by the service files ---- */

/* The value of a parameter, or NULL. */
const char *sim_aws_param(const struct sim_aws_params *p, const char *name);
/* Parses "a=1&b=%20" (+ is a space) into p (appending). */
void sim_aws_params_parse(struct sim_aws_params *p, const char *s, size_t n);
/* Frees the parameters. */
void sim_aws_params_fini(struct sim_aws_params *p);
/* Appends s with XML escapes. */
void sim_aws_xml_add(struct sim_buf *b, const char *s);
/* Appends <tag>escaped s</tag>. */
void sim_aws_xml_elem(struct sim_buf *b, const char *tag, const char *s);
/* Fills r with a query-protocol / REST-XML error (ErrorResponse with xmlns). */
void sim_aws_xml_error(struct sim_aws_reply *r, int status, const char *xmlns, const char *code,
                       const char *msg, const char *request_id);
/* Fills r with a JSON 1.1 error {"__type":code,"Message":msg}. */
void sim_aws_json_error(struct sim_aws_reply *r, int status, const char *code, const char *msg);
/* Formats t as "2026-11-23T14:08:12.000Z" (ISO 8601 with milliseconds) into out (32 bytes). */
void sim_aws_iso_time(time_t t, char *out);
/* A deterministic string of n characters from alphabet for seed (ARN suffixes, ids). */
void sim_aws_hash_id(const char *seed, const char *alphabet, size_t n, char *out);
/* n random characters of alphabet into out (NUL-terminated). */
void sim_aws_random_id(const char *alphabet, size_t n, char *out);
/* The scenario's account and region. */
const char *sim_aws_account(const struct sim_aws *a);
const char *sim_aws_region(const struct sim_aws *a);
/* The GetChange delay in milliseconds. */
int sim_aws_change_delay_ms(const struct sim_aws *a);

/* ---- services: each has state made at start and a handler ---- */

struct sim_aws_r53;
struct sim_aws_r53 *sim_aws_r53_new(const struct sim_aws_spec *spec);
void sim_aws_r53_free(struct sim_aws_r53 *r);
/* The operation name of a Route53 REST request ("ListResourceRecordSets") or NULL. */
const char *sim_aws_r53_action(const char *method, const char *path);
void sim_aws_r53_handle(struct sim_aws_r53 *r, const struct sim_aws_call *c,
                        struct sim_aws_reply *out);

struct sim_aws_elb;
struct sim_aws_elb *sim_aws_elb_new(const struct sim_aws_spec *spec);
void sim_aws_elb_free(struct sim_aws_elb *e);
void sim_aws_elb_handle(struct sim_aws_elb *e, const struct sim_aws_call *c,
                        struct sim_aws_reply *out);

struct sim_aws_sm;
struct sim_aws_sm *sim_aws_sm_new(const struct sim_aws_spec *spec);
void sim_aws_sm_free(struct sim_aws_sm *s);
void sim_aws_sm_handle(struct sim_aws_sm *s, const struct sim_aws_call *c,
                       struct sim_aws_reply *out);

#endif
