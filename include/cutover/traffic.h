#ifndef CUTOVER_TRAFFIC_H
#define CUTOVER_TRAFFIC_H

/* Traffic targets: where requests enter (a weighted Route53 record pair, an ALB listener or
 * rule forwarding to two target groups, an HAProxy backend with two servers, a Gateway API
 * HTTPRoute rule with two backendRefs) and how they are split between the source ("old") and
 * the target ("new") cluster.
 *
 * This header is core: configuration, plans, weight arithmetic, readings and the snapshot the UI
 * draws. The providers that talk to the APIs live in backends/ (traffic_provider.h); the change
 * engine (preview, journal, apply, read-back, rollback) is traffic_change.h.
 *
 * A plan step is the PERCENT of traffic sent to the new side (0 = all on old, 100 = all on new).
 * Providers store weights, not percents: traffic_split_weights() turns a percent into the
 * pair of weights written (old = 100 - p, new = p for every provider), and
 * traffic_percent_of() turns a pair read back into a percent. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cutover/error.h"

enum traffic_kind { TRAFFIC_ROUTE53, TRAFFIC_ALB, TRAFFIC_HAPROXY, TRAFFIC_GATEWAY, TRAFFIC_KINDS };

/* "route53", "alb", "haproxy", "gateway". */
const char *traffic_kind_name(enum traffic_kind kind);
/* The kind named name, or -1. */
int traffic_kind_from_name(const char *name);

#define TRAFFIC_MAX_STEPS 32

/* Which side of a pair. */
enum traffic_side_id { TRAFFIC_OLD = 0, TRAFFIC_NEW = 1 };

/* One target as the config file describes it (docs/config.md, `traffic:`). Strings owned; a field
 * a kind does not use is NULL. */
struct traffic_target_cfg {
    char *name; /* shown, and typed to confirm a change when production is set */
    enum traffic_kind kind;
    bool production;             /* confirmation by typing the name (default true) */
    int plan[TRAFFIC_MAX_STEPS]; /* percents to the new side, validated */
    size_t nplan;
    /* The two sides. route53: SetIdentifier; alb: target group ARN; haproxy: server name;
     * gateway: backendRef name (a Service in the route's namespace). */
    char *old_id;
    char *new_id;
    /* route53 */
    char *zone_id;     /* hosted zone id, "Z0123..." (without "/hostedzone/") */
    char *record_name; /* "api.example.com." (a missing final dot is added) */
    char *record_type; /* "A", "AAAA", "CNAME"; default "A" */
    /* alb */
    char *listener_arn; /* the listener whose default action forwards, or whose rule does */
    char *rule_arn;     /* NULL: the listener's default action */
    /* haproxy */
    char *address; /* "unix:/run/haproxy/admin.sock" or "tcp:127.0.0.1:9999" */
    char *backend; /* the backend (proxy) name */
    /* gateway */
    char *context; /* kubeconfig context of the cluster holding the HTTPRoute */
    char *ns;
    char *route;
    int rule_index; /* which rule of spec.rules; default 0 */
    /* AWS (route53, alb) */
    char *aws_profile;  /* NULL: AWS_PROFILE or default */
    char *aws_region;   /* NULL: resolved as the CLI does; route53 signs with us-east-1 */
    char *aws_endpoint; /* base URL; NULL: the real AWS endpoint of the service */
    /* Observed split (optional): two PromQL queries giving requests/s to each side. */
    char *prom_url;
    char *prom_query[2];  /* [TRAFFIC_OLD], [TRAFFIC_NEW] */
    double tolerance_pct; /* observed vs configured percent; default 5 */
    int line;             /* where the target starts in the config (1-based), 0 unknown */
    int col;
};

void traffic_target_cfg_fini(struct traffic_target_cfg *t);
void traffic_target_cfg_copy(struct traffic_target_cfg *dst, const struct traffic_target_cfg *src);

/* Checks a plan: 1..TRAFFIC_MAX_STEPS steps, each within 0..100, strictly increasing, ending at
 * 100. The message names the first bad step ("step 3 (20) is below step 2 (30)"). */
int traffic_plan_validate(const int *steps, size_t n, struct error *err);

/* The weights written for percent p (0..100) to the new side: old = 100 - p, new = p. */
void traffic_split_weights(enum traffic_kind kind, int percent_new, int *old_w, int *new_w);
/* The percent sent to the new side by weights old_w/new_w, rounded; -1 when unknown (a weight
 * < 0) or when both are 0 (Route53 then splits evenly; callers show that specially). */
int traffic_percent_of(int old_w, int new_w);
/* The largest weight the provider accepts (route53 255, alb 999, haproxy 256, gateway 1000000). */
int traffic_weight_max(enum traffic_kind kind);
/* The index of the plan step equal to percent, or -1 when percent lies between steps. */
int traffic_plan_index(const struct traffic_target_cfg *t, int percent);

enum traffic_health {
    TRAFFIC_HEALTH_UNKNOWN = 0,
    TRAFFIC_HEALTH_UP,
    TRAFFIC_HEALTH_DEGRADED,
    TRAFFIC_HEALTH_DOWN,
};

/* One side as a provider reports it. */
struct traffic_side {
    bool present;        /* the record / target group / server exists */
    int weight;          /* -1 unknown */
    uint8_t health;      /* enum traffic_health */
    char *health_detail; /* "2/2 healthy", "UP", "MAINT", "DRAIN"; NULL none */
    double observed_rps; /* requests/s from Prometheus; < 0 unknown */
};

/* What one read of a provider gave. */
struct traffic_reading {
    struct traffic_side side[2]; /* [TRAFFIC_OLD], [TRAFFIC_NEW] */
    char *detail;                /* provider-specific one-liner, e.g. "TTL 60", or NULL */
};

void traffic_reading_fini(struct traffic_reading *r);
void traffic_reading_copy(struct traffic_reading *dst, const struct traffic_reading *src);

/* One target in a snapshot. */
struct traffic_target_state {
    struct traffic_target_cfg cfg; /* a copy */
    bool have_reading;             /* reading holds the last good read */
    struct traffic_reading reading;
    char *error;              /* the last read's error (the reading is then stale), or NULL */
    struct timespec last_ok;  /* CLOCK_REALTIME of the last good read; 0 never */
    struct timespec last_err; /* when error was recorded */
    int percent;              /* traffic_percent_of(reading); -1 unknown */
    int step;                 /* traffic_plan_index(cfg, percent); -1 between steps/unknown */
    double observed_pct;      /* observed percent to the new side; < 0 unknown */
    bool busy;                /* a change to this target is running */
    char *busy_text;          /* what the running change is doing, or NULL */
};

/* All targets, immutable once published, refcounted like model snapshots. */
struct traffic_snapshot {
    atomic_uint refs;
    uint64_t generation;
    size_t n;
    struct traffic_target_state *targets;
};

struct traffic_snapshot *traffic_snapshot_new(size_t n);
struct traffic_snapshot *traffic_snapshot_ref(const struct traffic_snapshot *s);
void traffic_snapshot_unref(const struct traffic_snapshot *s);
/* The target named name, or NULL. */
const struct traffic_target_state *traffic_snapshot_find(const struct traffic_snapshot *s,
                                                         const char *name);

#endif
