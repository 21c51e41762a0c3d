#ifndef CUTOVER_SIM_AWS_SPEC_H
#define CUTOVER_SIM_AWS_SPEC_H

/* The `aws:` section of a scenario (docs/simulator.md): the account, its credentials, roles,
 * SSO, Route53 zones, ELBv2 load balancers and target groups, and Secrets Manager secrets. */

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "cutover/error.h"

struct sim_aws_cred_spec {
    char *access_key_id;
    char *secret_access_key;
    char *arn; /* "arn:aws:iam::ACCOUNT:user/NAME" */
};

struct sim_aws_role_spec {
    char *arn;
    char **trust; /* principal ARNs that may AssumeRole ("arn:aws:iam::ACCOUNT:root": any) */
    size_t ntrust;
    char **web_identity_tokens; /* tokens AssumeRoleWithWebIdentity accepts */
    size_t ntokens;
};

struct sim_aws_sso_role_spec {
    char *account;
    char *role_name;
};

struct sim_aws_record_spec {
    char *name; /* "api.shop.example.com." */
    char *type;
    char *set_identifier; /* NULL: not a weighted record */
    int weight;           /* -1: none */
    int ttl;
    char **values;
    size_t nvalues;
};

struct sim_aws_zone_spec {
    char *name; /* "example.com." */
    char *id;   /* "Z0SIMSHOP000001" (no /hostedzone/ prefix) */
    struct sim_aws_record_spec *records;
    size_t nrecords;
};

struct sim_aws_target_spec {
    char *id;
    int port;     /* 0: the group's */
    char *health; /* healthy, unhealthy, initial, draining, unused, unavailable */
};

struct sim_aws_tg_spec {
    char *name;
    char *protocol;
    int port;
    char *target_type; /* instance or ip */
    struct sim_aws_target_spec *targets;
    size_t ntargets;
};

struct sim_aws_forward_spec {
    char *target_group; /* a target group's name */
    int weight;
};

struct sim_aws_rule_spec {
    int priority;
    char *path; /* path-pattern condition */
    struct sim_aws_forward_spec *forward;
    size_t nforward;
};

struct sim_aws_listener_spec {
    int port;
    char *protocol;
    struct sim_aws_forward_spec *forward; /* the default action */
    size_t nforward;
    struct sim_aws_rule_spec *rules;
    size_t nrules;
};

struct sim_aws_lb_spec {
    char *name;
    char *type;   /* application (default) or network */
    char *scheme; /* internet-facing (default) or internal */
    struct sim_aws_listener_spec *listeners;
    size_t nlisteners;
};

struct sim_aws_secret_spec {
    char *name;
    char *string; /* the SecretString (from `keys:` as a JSON object, or `string:` as is) */
    char *description;
};

struct sim_aws_spec {
    char *account;
    char *region;
    int change_delay_ms; /* Route53 GetChange: PENDING for this long */
    struct sim_aws_cred_spec *creds;
    size_t ncreds;
    struct sim_aws_role_spec *roles;
    size_t nroles;
    char *sso_access_token;
    struct sim_aws_sso_role_spec *sso_roles;
    size_t nsso_roles;
    struct sim_aws_zone_spec *zones;
    size_t nzones;
    struct sim_aws_tg_spec *tgs;
    size_t ntgs;
    struct sim_aws_lb_spec *lbs;
    size_t nlbs;
    struct sim_aws_secret_spec *secrets;
    size_t nsecrets;
};

/* Parses the `aws:` mapping node n of doc; errors as "name:line:col: message". */
int sim_aws_spec_parse(yaml_document_t *doc, yaml_node_t *n, const char *name,
                       struct sim_aws_spec **out, struct error *err);
/* Frees a spec; NULL is a no-op. */
void sim_aws_spec_free(struct sim_aws_spec *s);

#endif
