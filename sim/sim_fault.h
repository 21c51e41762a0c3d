#ifndef CUTOVER_SIM_FAULT_H
#define CUTOVER_SIM_FAULT_H

/* Faults injected at run time (POST /faults): a cluster down, latency, HTTP errors, 429 with
 * Retry-After, dropped or truncated bodies, 410 in watches or on continued LISTs. */

#include <pthread.h>
#include <stdbool.h>

#include "cutover/error.h"

enum sim_fault_kind {
    SIM_FAULT_DOWN,
    SIM_FAULT_LATENCY,
    SIM_FAULT_ERROR,
    SIM_FAULT_429,
    SIM_FAULT_DROP,
    SIM_FAULT_TRUNCATE,
    SIM_FAULT_WATCH410,
    SIM_FAULT_LIST410,
    SIM_FAULT_PARTIAL, /* AWS only: apply the first `apply` changes, then fail with `status` */
    SIM_FAULT_INVALID, /* a LIST or watch body that is not JSON half-way (complete HTTP answer) */
};

struct sim_fault {
    int id;
    enum sim_fault_kind kind;
    char cluster[128]; /* context name; "" = every cluster */
    char path[256];    /* request paths containing this; "" = every path */
    int count;         /* requests left; -1 = until cleared */
    int ms;
    int status;
    int retry_after;
    /* AWS faults (sim_aws.c): service set means the fault is for the AWS endpoint only */
    char service[32]; /* route53, elasticloadbalancing, sts, sso, secretsmanager */
    char action[64];  /* "ChangeResourceRecordSets"; "" = every action */
    char code[64];    /* the error code to answer with; "" = one that fits the status */
    int apply;        /* partial: changes applied before failing */
};

struct sim_faults {
    pthread_mutex_t mu;
    struct sim_fault *v; /* mu */
    size_t n;            /* mu */
    int next_id;         /* mu */
};

/* What the faults say about one request. */
struct sim_fault_hit {
    bool down;
    int latency_ms;
    int status; /* an error status to answer with, 0 = none */
    int retry_after;
    bool drop;
    bool truncate;
    bool watch410;
    bool list410;
    bool invalid; /* bytes that are not JSON in place of an item or event */
    bool partial; /* AWS: apply the first `apply` changes, then answer `status` */
    int apply;
    char code[64]; /* AWS: the error code, "" = by status */
};

/* Initialises an empty fault list. */
void sim_fault_init(struct sim_faults *f);
/* Frees the list. */
void sim_fault_fini(struct sim_faults *f);
/* Adds a fault from its JSON; returns its id or -1 with err. */
int sim_fault_push(struct sim_faults *f, const char *json, struct error *err);
/* Removes one fault; 0 or -1 when there is no such id. */
int sim_fault_drop(struct sim_faults *f, int id);
/* Removes every fault. */
void sim_fault_clear_all(struct sim_faults *f);
/* Matches a request of cluster to path against the faults, using up their counts. */
void sim_fault_match(struct sim_faults *f, const char *cluster, const char *path, bool watch,
                     bool continued_list, struct sim_fault_hit *hit);
/* Matches an AWS request (service, action) against the AWS faults, using up their counts. */
void sim_fault_match_aws(struct sim_faults *f, const char *service, const char *action,
                         struct sim_fault_hit *hit);
/* Whether a new connection to cluster is to be refused (a "down" fault for every path). */
bool sim_fault_refuse(struct sim_faults *f, const char *cluster);
/* The faults as a JSON array (caller frees). */
char *sim_fault_list_json(struct sim_faults *f);

#endif
