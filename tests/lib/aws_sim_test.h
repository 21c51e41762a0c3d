#ifndef CUTOVER_TESTS_AWS_SIM_TEST_H
#define CUTOVER_TESTS_AWS_SIM_TEST_H

/* Test helpers for the AWS side of the simulator (Route53, ELBv2, STS, SSO, Secrets Manager on
 * one loopback port) and for checking results with Debian's aws CLI:
 *
 *   url = aws_sim_test_env(sim);           AWS_CONFIG_FILE etc. from the ready line, profile sim
 *   url = aws_sim_test_start(yaml, &sim);  a simulator of its own on a scenario
 *   aws_sim_test_home(dir);                an empty AWS world in a temp HOME (no real ~/.aws)
 *   j = aws_sim_test_cli(url, "route53 list-hosted-zones");   what `aws` prints, parsed
 *   n = aws_sim_test_count(sim, NULL, "route53:ChangeResourceRecordSets");  from /requests
 *   aws_sim_test_r53_set_weights(url, zone, record, NULL, ids, w, 2);  another operator's change
 *   aws_sim_test_r53_weights(url, zone, record, ids, w, 2);            the weights, by the aws CLI
 *
 * Every helper fails the running cmocka test when something it needs is not there. */

#include <json-c/json.h>
#include <sys/types.h>

#include "cutover/traffic.h"
#include "cutover/traffic_provider.h"

struct sim;

/* Points the AWS environment (config, credentials, profile, region) at the files the simulator
 * wrote for profile sim, clears AWS key variables, and returns its AWS URL (caller frees). */
char *aws_sim_test_env(struct sim *sim);
/* Starts a simulator on scenario_yaml (no churn) into *sim and returns its loopback AWS URL
 * (caller frees). */
char *aws_sim_test_start(const char *scenario_yaml, struct sim **sim);
/* Starts the demo simulator (no churn) into *sim, points the AWS environment at it
 * (aws_sim_test_env) and returns its AWS URL (caller frees). */
char *aws_sim_test_demo(struct sim **sim);
/* An empty AWS world in dir: HOME=dir, empty dir/config and dir/credentials as
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, no AWS_* key, profile, region, role or proxy
 * variable, no instance metadata. */
void aws_sim_test_home(const char *dir);
/* Removes dir and everything under it. */
void aws_sim_test_rm_rf(const char *dir);
/* Writes text to path and gives it mode. */
void aws_sim_test_write_file(const char *path, const char *text, mode_t mode);
/* Runs `aws --endpoint-url URL --output json ARGS` and returns what it prints, parsed (NULL
 * when it prints nothing); fails the test when aws exits non-zero. */
json_object *aws_sim_test_cli(const char *url, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Member key of o (borrowed), or NULL when o is NULL or has no such member. */
json_object *aws_sim_test_jget(json_object *o, const char *key);
/* A counter of the simulator's /requests "aws" object: field ("total", "mutating") or, with
 * action, the count of that "service:Action" (0 when never seen). */
long aws_sim_test_count(struct sim *sim, const char *field, const char *action);
/* The id of the zone named zone_name ("example.com.") without its /hostedzone/ prefix, found
 * through ListHostedZones with a client of its own (profile sim). */
char *aws_sim_test_zone_id(const char *url, const char *zone_name);

struct aws_client;

/* A Route53 client of profile sim at url (asserting it can be made); aws_client_free it. */
struct aws_client *aws_sim_test_r53_client(const char *url);
/* The <ResourceRecordSet> elements of zone from record (type A) on, as ListResourceRecordSets
 * gives them (newly allocated XML), for aws_sim_test_r53_set_weights() while read faults are on. */
char *aws_sim_test_r53_list(const char *url, const char *zone, const char *record);
/* As another operator would: one ChangeResourceRecordSets of UPSERTs setting the weighted A
 * records record with SetIdentifier ids[k] to weight w[k] (k < n), every other field as listed
 * (listed: from aws_sim_test_r53_list(); NULL: listed now). Fails the test unless all n were
 * found and the change was accepted. */
void aws_sim_test_r53_set_weights(const char *url, const char *zone, const char *record,
                                  const char *listed, const char *const *ids, const int *w,
                                  size_t n);
/* The weights of the weighted A records record with SetIdentifier ids[k] as the aws CLI lists
 * them (an independent witness); -1 for a missing one. */
void aws_sim_test_r53_weights(const char *url, const char *zone, const char *record,
                              const char *const *ids, int *w, size_t n);

/* The demo simulator (no churn, AWS environment set) with its weighted Route53 pair as traffic
 * target "shop-api-dns" (production, plan 0/10/30/50/100, old onprem, new eks, record
 * api.shop.example.com. A), a provider for it (not read yet) and a temporary directory. */
struct aws_sim_test_r53 {
    struct sim *sim;
    char *url;
    char *zone;
    struct traffic_provider *p;
    struct traffic_target_state st; /* st.cfg is the target; aws_sim_test_r53_refresh() reads */
    char dir[64];
};
/* Starts one (failing the test when something is missing). */
struct aws_sim_test_r53 *aws_sim_test_r53_start(void);
/* Stops it and removes its directory. */
void aws_sim_test_r53_stop(struct aws_sim_test_r53 *f);
/* A fresh read of the provider into f->st, as the traffic poller publishes it. */
void aws_sim_test_r53_refresh(struct aws_sim_test_r53 *f);
/* A read by the provider whose reading is dropped (the provider remembers what it read); fails
 * the test when it fails. */
void aws_sim_test_r53_read(struct aws_sim_test_r53 *f);
/* cmocka setup: *state = aws_sim_test_r53_start(). */
int aws_sim_test_r53_setup(void **state);
/* cmocka teardown: aws_sim_test_r53_stop(*state). */
int aws_sim_test_r53_teardown(void **state);
/* The weights of onprem (w[0]) and eks (w[1]) of the target's record as the aws CLI lists them;
 * -1 for a missing one. */
void aws_sim_test_r53_pair_weights(const struct aws_sim_test_r53 *f, int w[2]);
/* How many ChangeResourceRecordSets the simulator answered (anyone's). */
long aws_sim_test_r53_changes(const struct aws_sim_test_r53 *f);

#endif
