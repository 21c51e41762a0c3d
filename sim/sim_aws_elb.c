/* ELBv2 (query protocol, API version 2015-12-01): DescribeLoadBalancers, DescribeListeners,
 * DescribeRules, DescribeTargetGroups, DescribeTargetHealth, and ModifyListener / ModifyRule
 * with forward actions whose ForwardConfig weights are validated as AWS does (0..999, 1 to 5
 * distinct, existing target groups). */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"
#include "sim_aws.h"

#define ELB_NS "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
#define HEX "0123456789abcdef"

struct target {
    char *id;
    int port;
    char *health;
};

struct tg {
    char *name;
    char *arn;
    char *protocol;
    char *target_type;
    int port;
    struct target *targets;
    size_t ntargets;
    size_t lb; /* (size_t)-1: not used by a load balancer */
};

struct fwd {
    size_t tg;
    int weight;
};

struct rule {
    char *arn;
    int priority; /* 0: the default rule (the listener's default actions) */
    char *path;
    struct fwd *f; /* rules other than the default */
    size_t nf;
};

struct listener {
    char *arn;
    size_t lb;
    int port;
    char *protocol;
    struct fwd *f; /* default actions: one forward */
    size_t nf;
    struct rule *rules; /* rules[0] is the default rule */
    size_t nrules;
};

struct lb {
    char *name;
    char *arn;
    char *type;
    char *scheme;
    char *dns;
};

struct sim_aws_elb {
    pthread_mutex_t mu;
    struct lb *lbs;
    size_t nlbs;
    struct tg *tgs;
    size_t ntgs;
    struct listener *ls; /* mu: forwards, port, protocol, rule paths change */
    size_t nls;
};

static void fwd_from_spec(const struct sim_aws_spec *spec, const struct sim_aws_forward_spec *fs,
                          size_t n, struct fwd **out, size_t *nout)
{
    *out = xcalloc(n ? n : 1, sizeof **out);
    *nout = n;
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < spec->ntgs; t++)
            if (strcmp(spec->tgs[t].name, fs[i].target_group) == 0)
                (*out)[i].tg = t;
        (*out)[i].weight = fs[i].weight;
    }
}

struct sim_aws_elb *sim_aws_elb_new(const struct sim_aws_spec *spec)
{
    struct sim_aws_elb *e = xcalloc(1, sizeof *e);
    XPTHREAD(pthread_mutex_init(&e->mu, NULL));
    const char *pre = "arn:aws:elasticloadbalancing";
    e->ntgs = spec->ntgs;
    e->tgs = xcalloc(e->ntgs ? e->ntgs : 1, sizeof *e->tgs);
    for (size_t i = 0; i < e->ntgs; i++) {
        const struct sim_aws_tg_spec *ts = &spec->tgs[i];
        struct tg *t = &e->tgs[i];
        char h[17];
        sim_aws_hash_id(ts->name, HEX, 16, h);
        t->name = xstrdup(ts->name);
        t->arn =
            xasprintf("%s:%s:%s:targetgroup/%s/%s", pre, spec->region, spec->account, ts->name, h);
        t->protocol = xstrdup(ts->protocol);
        t->target_type = xstrdup(ts->target_type);
        t->port = ts->port;
        t->lb = (size_t)-1;
        t->ntargets = ts->ntargets;
        t->targets = xcalloc(ts->ntargets ? ts->ntargets : 1, sizeof *t->targets);
        for (size_t j = 0; j < ts->ntargets; j++) {
            t->targets[j].id = xstrdup(ts->targets[j].id);
            t->targets[j].port = ts->targets[j].port ? ts->targets[j].port : ts->port;
            t->targets[j].health = xstrdup(ts->targets[j].health);
        }
    }
    e->nlbs = spec->nlbs;
    e->lbs = xcalloc(e->nlbs ? e->nlbs : 1, sizeof *e->lbs);
    for (size_t i = 0; i < spec->nlbs; i++) {
        const struct sim_aws_lb_spec *ls = &spec->lbs[i];
        struct lb *l = &e->lbs[i];
        char h[17], d[11];
        sim_aws_hash_id(ls->name, HEX, 16, h);
        sim_aws_hash_id(ls->name, "0123456789", 10, d);
        const char *kind = strcmp(ls->type, "network") == 0 ? "net" : "app";
        l->name = xstrdup(ls->name);
        l->arn = xasprintf("%s:%s:%s:loadbalancer/%s/%s/%s", pre, spec->region, spec->account, kind,
                           ls->name, h);
        l->type = xstrdup(ls->type);
        l->scheme = xstrdup(ls->scheme);
        l->dns = xasprintf("%s-%s.%s.elb.amazonaws.com", ls->name, d, spec->region);
        for (size_t j = 0; j < ls->nlisteners; j++) {
            const struct sim_aws_listener_spec *lsp = &ls->listeners[j];
            e->ls = xreallocarray(e->ls, e->nls + 1, sizeof *e->ls);
            struct listener *li = &e->ls[e->nls++];
            memset(li, 0, sizeof *li);
            char seed[300], lh[17];
            snprintf(seed, sizeof seed, "%s/%d", ls->name, lsp->port);
            sim_aws_hash_id(seed, HEX, 16, lh);
            li->arn = xasprintf("%s:%s:%s:listener/%s/%s/%s/%s", pre, spec->region, spec->account,
                                kind, ls->name, h, lh);
            li->lb = i;
            li->port = lsp->port;
            li->protocol = xstrdup(lsp->protocol);
            fwd_from_spec(spec, lsp->forward, lsp->nforward, &li->f, &li->nf);
            li->nrules = lsp->nrules + 1;
            li->rules = xcalloc(li->nrules, sizeof *li->rules);
            for (size_t k = 0; k < li->nrules; k++) {
                struct rule *r = &li->rules[k];
                char rs[340], rh[17];
                snprintf(rs, sizeof rs, "%s/%zu", seed, k);
                sim_aws_hash_id(rs, HEX, 16, rh);
                r->arn = xasprintf("%s:%s:%s:listener-rule/%s/%s/%s/%s/%s", pre, spec->region,
                                   spec->account, kind, ls->name, h, lh, rh);
                if (k == 0)
                    continue;
                const struct sim_aws_rule_spec *rsp = &lsp->rules[k - 1];
                r->priority = rsp->priority;
                r->path = xstrdup(rsp->path);
                fwd_from_spec(spec, rsp->forward, rsp->nforward, &r->f, &r->nf);
            }
            for (size_t k = 0; k < li->nf; k++)
                e->tgs[li->f[k].tg].lb = i;
        }
    }
    return e;
}

void sim_aws_elb_free(struct sim_aws_elb *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->ntgs; i++) {
        struct tg *t = &e->tgs[i];
        for (size_t j = 0; j < t->ntargets; j++) {
            free(t->targets[j].id);
            free(t->targets[j].health);
        }
        free(t->targets);
        free(t->name);
        free(t->arn);
        free(t->protocol);
        free(t->target_type);
    }
    free(e->tgs);
    for (size_t i = 0; i < e->nlbs; i++) {
        free(e->lbs[i].name);
        free(e->lbs[i].arn);
        free(e->lbs[i].type);
        free(e->lbs[i].scheme);
        free(e->lbs[i].dns);
    }
    free(e->lbs);
    for (size_t i = 0; i < e->nls; i++) {
        struct listener *l = &e->ls[i];
        for (size_t k = 0; k < l->nrules; k++) {
            free(l->rules[k].arn);
            free(l->rules[k].path);
            free(l->rules[k].f);
        }
        free(l->rules);
        free(l->arn);
        free(l->protocol);
        free(l->f);
    }
    free(e->ls);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* ---- rendering ---- */

static void actions_xml(struct sim_buf *b, const char *tag, const struct sim_aws_elb *e,
                        const struct fwd *f, size_t n)
{
    sim_buf_addf(b, "<%s><member><Type>forward</Type>", tag);
    if (n == 1)
        sim_aws_xml_elem(b, "TargetGroupArn", e->tgs[f[0].tg].arn);
    sim_buf_adds(b, "<ForwardConfig><TargetGroups>");
    for (size_t i = 0; i < n; i++) {
        sim_buf_adds(b, "<member>");
        sim_aws_xml_elem(b, "TargetGroupArn", e->tgs[f[i].tg].arn);
        sim_buf_addf(b, "<Weight>%d</Weight></member>", f[i].weight);
    }
    sim_buf_addf(b,
                 "</TargetGroups><TargetGroupStickinessConfig><Enabled>false</Enabled>"
                 "</TargetGroupStickinessConfig></ForwardConfig></member></%s>",
                 tag);
}

static void listener_xml(struct sim_buf *b, const struct sim_aws_elb *e, const struct listener *l)
{
    sim_buf_adds(b, "<member>");
    sim_aws_xml_elem(b, "ListenerArn", l->arn);
    sim_aws_xml_elem(b, "LoadBalancerArn", e->lbs[l->lb].arn);
    sim_buf_addf(b, "<Port>%d</Port>", l->port);
    sim_aws_xml_elem(b, "Protocol", l->protocol);
    actions_xml(b, "DefaultActions", e, l->f, l->nf);
    sim_buf_adds(b, "</member>");
}

static void rule_xml(struct sim_buf *b, const struct sim_aws_elb *e, const struct listener *l,
                     const struct rule *r)
{
    sim_buf_adds(b, "<member>");
    sim_aws_xml_elem(b, "RuleArn", r->arn);
    if (r->priority) {
        sim_buf_addf(b,
                     "<Priority>%d</Priority><IsDefault>false</IsDefault><Conditions><member>"
                     "<Field>path-pattern</Field><Values>",
                     r->priority);
        sim_aws_xml_elem(b, "member", r->path);
        sim_buf_adds(b, "</Values><PathPatternConfig><Values>");
        sim_aws_xml_elem(b, "member", r->path);
        sim_buf_adds(b, "</Values></PathPatternConfig></member></Conditions>");
        actions_xml(b, "Actions", e, r->f, r->nf);
    } else {
        sim_buf_adds(b, "<Priority>default</Priority><IsDefault>true</IsDefault><Conditions/>");
        actions_xml(b, "Actions", e, l->f, l->nf);
    }
    sim_buf_adds(b, "</member>");
}

static void lb_xml(struct sim_buf *b, const struct lb *l)
{
    sim_buf_adds(b, "<member>");
    sim_aws_xml_elem(b, "LoadBalancerArn", l->arn);
    sim_aws_xml_elem(b, "DNSName", l->dns);
    sim_aws_xml_elem(b, "CanonicalHostedZoneId", "Z35SXDOTRQ7X7K");
    sim_buf_adds(b, "<CreatedTime>2024-03-01T09:00:00.000Z</CreatedTime>");
    sim_aws_xml_elem(b, "LoadBalancerName", l->name);
    sim_aws_xml_elem(b, "Scheme", l->scheme);
    sim_buf_adds(b, "<VpcId>vpc-0sim0000000000001</VpcId><State><Code>active</Code></State>");
    sim_aws_xml_elem(b, "Type", l->type);
    sim_buf_adds(b, "<AvailabilityZones>"
                    "<member><ZoneName>us-east-1a</ZoneName><SubnetId>subnet-0sim0a</SubnetId>"
                    "</member><member><ZoneName>us-east-1b</ZoneName><SubnetId>subnet-0sim0b"
                    "</SubnetId></member></AvailabilityZones><IpAddressType>ipv4</IpAddressType>"
                    "</member>");
}

static void tg_xml(struct sim_buf *b, const struct sim_aws_elb *e, const struct tg *t)
{
    sim_buf_adds(b, "<member>");
    sim_aws_xml_elem(b, "TargetGroupArn", t->arn);
    sim_aws_xml_elem(b, "TargetGroupName", t->name);
    sim_aws_xml_elem(b, "Protocol", t->protocol);
    sim_buf_addf(b,
                 "<Port>%d</Port><VpcId>vpc-0sim0000000000001</VpcId><HealthCheckProtocol>%s"
                 "</HealthCheckProtocol><HealthCheckPort>traffic-port</HealthCheckPort>"
                 "<HealthCheckEnabled>true</HealthCheckEnabled><HealthCheckIntervalSeconds>30"
                 "</HealthCheckIntervalSeconds><HealthCheckTimeoutSeconds>5"
                 "</HealthCheckTimeoutSeconds><HealthyThresholdCount>5</HealthyThresholdCount>"
                 "<UnhealthyThresholdCount>2</UnhealthyThresholdCount><HealthCheckPath>/healthz"
                 "</HealthCheckPath><Matcher><HttpCode>200</HttpCode></Matcher>",
                 t->port, t->protocol);
    sim_buf_adds(b, "<LoadBalancerArns>");
    if (t->lb != (size_t)-1)
        sim_aws_xml_elem(b, "member", e->lbs[t->lb].arn);
    sim_buf_adds(b, "</LoadBalancerArns>");
    sim_aws_xml_elem(b, "TargetType", t->target_type);
    sim_buf_adds(b, "<IpAddressType>ipv4</IpAddressType></member>");
}

static void health_xml(struct sim_buf *b, const struct target *t)
{
    sim_buf_adds(b, "<member><Target>");
    sim_aws_xml_elem(b, "Id", t->id);
    sim_buf_addf(b, "<Port>%d</Port></Target><HealthCheckPort>%d</HealthCheckPort><TargetHealth>",
                 t->port, t->port);
    sim_aws_xml_elem(b, "State", t->health);
    if (strcmp(t->health, "unhealthy") == 0)
        sim_buf_adds(b, "<Reason>Target.FailedHealthChecks</Reason><Description>Health checks "
                        "failed</Description>");
    else if (strcmp(t->health, "initial") == 0)
        sim_buf_adds(b, "<Reason>Elb.InitialHealthChecking</Reason><Description>Initial health "
                        "checks in progress</Description>");
    else if (strcmp(t->health, "draining") == 0)
        sim_buf_adds(b, "<Reason>Target.DeregistrationInProgress</Reason><Description>Target "
                        "deregistration is in progress</Description>");
    else if (strcmp(t->health, "unused") == 0)
        sim_buf_adds(b, "<Reason>Target.NotInUse</Reason><Description>Target group is not "
                        "configured to receive traffic from the load balancer</Description>");
    sim_buf_adds(b, "</TargetHealth></member>");
}

/* ---- requests ---- */

/* The values of NAME.member.1SUFFIX, NAME.member.2SUFFIX, ... (suffix "" or ".Id"). */
static size_t members(const struct sim_aws_params *q, const char *name, const char *suffix,
                      const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 1; n < max; i++) {
        char key[128];
        snprintf(key, sizeof key, "%s.member.%zu%s", name, i, suffix);
        const char *v = sim_aws_param(q, key);
        if (!v)
            break;
        out[n++] = v;
    }
    return n;
}

/* Whether s is one of v[0..n). */
static bool listed(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* The first of want[0..n) that is not the string member at offset off of any of the count
 * structs of size stride at base (a load balancer's or target group's name, a target's id), or
 * NULL when each is there. */
static const char *unknown(const char *const *want, size_t n, const void *base, size_t count,
                           size_t stride, size_t off)
{
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < count && !found; k++)
            found =
                strcmp(*(const char *const *)((const char *)base + k * stride + off), want[i]) == 0;
        if (!found)
            return want[i];
    }
    return NULL;
}

static struct lb *lb_by_arn(struct sim_aws_elb *e, const char *arn, size_t *idx)
{
    for (size_t i = 0; arn && i < e->nlbs; i++)
        if (strcmp(e->lbs[i].arn, arn) == 0) {
            if (idx)
                *idx = i;
            return &e->lbs[i];
        }
    return NULL;
}

static struct tg *tg_by_arn(struct sim_aws_elb *e, const char *arn, size_t *idx)
{
    for (size_t i = 0; arn && i < e->ntgs; i++)
        if (strcmp(e->tgs[i].arn, arn) == 0) {
            if (idx)
                *idx = i;
            return &e->tgs[i];
        }
    return NULL;
}

static struct listener *listener_by_arn(struct sim_aws_elb *e, const char *arn)
{
    for (size_t i = 0; arn && i < e->nls; i++)
        if (strcmp(e->ls[i].arn, arn) == 0)
            return &e->ls[i];
    return NULL;
}

static struct rule *rule_by_arn(struct sim_aws_elb *e, const char *arn, struct listener **lout)
{
    for (size_t i = 0; arn && i < e->nls; i++)
        for (size_t k = 0; k < e->ls[i].nrules; k++)
            if (strcmp(e->ls[i].rules[k].arn, arn) == 0) {
                *lout = &e->ls[i];
                return &e->ls[i].rules[k];
            }
    return NULL;
}

struct out {
    struct sim_buf b;
    const struct sim_aws_call *c;
    struct sim_aws_reply *r;
};

static void err(struct out *o, int status, const char *code, const char *msg)
{
    sim_aws_xml_error(o->r, status, ELB_NS, code, msg, o->c->request_id);
}

static void open_result(struct out *o, const char *act)
{
    sim_buf_addf(&o->b, "<%sResponse xmlns=\"" ELB_NS "\">\n  <%sResult>", act, act);
}

static void close_result(struct out *o, const char *act)
{
    sim_buf_addf(&o->b, "</%sResult>\n  <ResponseMetadata>", act);
    sim_aws_xml_elem(&o->b, "RequestId", o->c->request_id);
    sim_buf_addf(&o->b, "</ResponseMetadata>\n</%sResponse>\n", act);
    o->r->status = 200;
    o->r->body = sim_buf_take(&o->b);
    o->r->content_type = "text/xml";
}

/* Parses PREFIX.member.N.* forward actions into *f; 0 or -1 with the error sent. */
static int parse_actions(struct sim_aws_elb *e, struct out *o, const char *prefix,
                         const char *lprefix, struct fwd **f, size_t *nf)
{
    const struct sim_aws_params *q = o->c->query;
    *f = NULL;
    *nf = 0;
    char key[200];
    snprintf(key, sizeof key, "%s.member.1.Type", prefix);
    if (!sim_aws_param(q, key)) {
        snprintf(key, sizeof key, "%s.member.1", prefix);
        for (size_t i = 0; i < q->n; i++)
            if (strncmp(q->v[i].name, key, strlen(key)) == 0) {
                err(o, 400, "ValidationError", "An action must have a Type");
                return -1;
            }
        return 1; /* no actions given */
    }
    snprintf(key, sizeof key, "%s.member.2.Type", prefix);
    if (sim_aws_param(q, key)) {
        err(o, 400, "ValidationError",
            "the simulator serves listeners and rules with exactly one forward action");
        return -1;
    }
    snprintf(key, sizeof key, "%s.member.1.Type", prefix);
    if (strcmp(sim_aws_param(q, key), "forward") != 0) {
        err(o, 400, "ValidationError", "the simulator serves forward actions only");
        return -1;
    }
    snprintf(key, sizeof key, "%s.member.1.TargetGroupArn", prefix);
    const char *single = sim_aws_param(q, key);
    struct fwd v[6];
    size_t n = 0;
    for (size_t m = 1; m <= 6; m++) {
        snprintf(key, sizeof key,
                 "%s.member.1.ForwardConfig.TargetGroups.member.%zu.TargetGroupArn", prefix, m);
        const char *arn = sim_aws_param(q, key);
        if (!arn)
            break;
        if (m == 6) {
            err(o, 400, "TooManyTargetGroups",
                "You've reached the limit on the number of target groups per action (5)");
            return -1;
        }
        snprintf(key, sizeof key, "%s.member.1.ForwardConfig.TargetGroups.member.%zu.Weight",
                 prefix, m);
        const char *w = sim_aws_param(q, key);
        char *end = NULL;
        long wv = w ? strtol(w, &end, 10) : 1;
        if (w && (*end || end == w)) {
            err(o, 400, "ValidationError", "Weight must be a whole number");
            return -1;
        }
        if (wv < 0 || wv > 999) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "1 validation error detected: Value '%ld' at "
                     "'%s.1.member.forwardConfig.targetGroups.%zu.member.weight' failed to "
                     "satisfy constraint: Member must have value %s",
                     wv, lprefix, m,
                     wv < 0 ? "greater than or equal to 0" : "less than or equal to 999");
            err(o, 400, "ValidationError", msg);
            return -1;
        }
        size_t idx;
        if (!tg_by_arn(e, arn, &idx)) {
            char msg[400];
            snprintf(msg, sizeof msg, "Target groups '%s' not found", arn);
            err(o, 400, "TargetGroupNotFound", msg);
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            if (v[k].tg == idx) {
                err(o, 400, "ValidationError", "Target group ARNs must be unique");
                return -1;
            }
        v[n].tg = idx;
        v[n++].weight = (int)wv;
    }
    if (!n && !single) {
        err(o, 400, "ValidationError",
            "A forward action needs a target group ARN or a forward configuration");
        return -1;
    }
    if (!n) {
        size_t idx;
        if (!tg_by_arn(e, single, &idx)) {
            char msg[400];
            snprintf(msg, sizeof msg, "Target groups '%s' not found", single);
            err(o, 400, "TargetGroupNotFound", msg);
            return -1;
        }
        v[n].tg = idx;
        v[n++].weight = 1;
    } else if (single && (n != 1 || strcmp(e->tgs[v[0].tg].arn, single) != 0)) {
        err(o, 400, "ValidationError",
            "You cannot specify both a target group ARN and a forward configuration with other "
            "target groups");
        return -1;
    }
    *f = xcalloc(n, sizeof **f);
    memcpy(*f, v, n * sizeof *v);
    *nf = n;
    return 0;
}

static const char *partial_code(int st)
{
    return st == 400 ? "Throttling" : st == 503 ? "ServiceUnavailable" : "InternalFailure";
}

static void modify_listener(struct sim_aws_elb *e, struct out *o)
{
    const struct sim_aws_params *q = o->c->query;
    struct listener *l = listener_by_arn(e, sim_aws_param(q, "ListenerArn"));
    if (!l) {
        err(o, 400, "ListenerNotFound", "One or more listeners not found");
        return;
    }
    struct fwd *f;
    size_t nf;
    int rc = parse_actions(e, o, "DefaultActions", "defaultActions", &f, &nf);
    if (rc < 0)
        return;
    const char *port = sim_aws_param(q, "Port"), *proto = sim_aws_param(q, "Protocol");
    int pv = port ? atoi(port) : l->port;
    if (pv < 1 || pv > 65535) {
        free(rc == 0 ? f : NULL);
        err(o, 400, "ValidationError", "Port must be from 1 to 65535");
        return;
    }
    if (!o->c->partial_status || o->c->partial_apply > 0) {
        l->port = pv;
        if (proto) {
            free(l->protocol);
            l->protocol = xstrdup(proto);
        }
        if (rc == 0) {
            free(l->f);
            l->f = f;
            l->nf = nf;
            f = NULL;
            for (size_t k = 0; k < nf; k++)
                e->tgs[l->f[k].tg].lb = l->lb;
        }
    }
    if (rc == 0)
        free(f);
    if (o->c->partial_status) {
        err(o, o->c->partial_status, partial_code(o->c->partial_status),
            "injected fault after a partial change");
        return;
    }
    open_result(o, "ModifyListener");
    sim_buf_adds(&o->b, "<Listeners>");
    listener_xml(&o->b, e, l);
    sim_buf_adds(&o->b, "</Listeners>");
    close_result(o, "ModifyListener");
}

static void modify_rule(struct sim_aws_elb *e, struct out *o)
{
    const struct sim_aws_params *q = o->c->query;
    struct listener *l = NULL;
    struct rule *r = rule_by_arn(e, sim_aws_param(q, "RuleArn"), &l);
    if (!r) {
        err(o, 400, "RuleNotFound", "One or more rules not found");
        return;
    }
    if (r->priority == 0) {
        err(o, 400, "OperationNotPermitted",
            "Default rule cannot be modified: use ModifyListener for the default actions");
        return;
    }
    struct fwd *f;
    size_t nf;
    int rc = parse_actions(e, o, "Actions", "actions", &f, &nf);
    if (rc < 0)
        return;
    const char *field = sim_aws_param(q, "Conditions.member.1.Field");
    const char *path = sim_aws_param(q, "Conditions.member.1.Values.member.1");
    if (!path)
        path = sim_aws_param(q, "Conditions.member.1.PathPatternConfig.Values.member.1");
    if (field && (strcmp(field, "path-pattern") != 0 || !path)) {
        free(rc == 0 ? f : NULL);
        err(o, 400, "ValidationError", "the simulator serves path-pattern conditions only");
        return;
    }
    if (!o->c->partial_status || o->c->partial_apply > 0) {
        if (rc == 0) {
            free(r->f);
            r->f = f;
            r->nf = nf;
            f = NULL;
        }
        if (field) {
            free(r->path);
            r->path = xstrdup(path);
        }
    }
    if (rc == 0)
        free(f);
    if (o->c->partial_status) {
        err(o, o->c->partial_status, partial_code(o->c->partial_status),
            "injected fault after a partial change");
        return;
    }
    open_result(o, "ModifyRule");
    sim_buf_adds(&o->b, "<Rules>");
    rule_xml(&o->b, e, l, r);
    sim_buf_adds(&o->b, "</Rules>");
    close_result(o, "ModifyRule");
}

static int rule_order(const void *x, const void *y)
{
    const struct rule *a = *(const struct rule *const *)x, *b = *(const struct rule *const *)y;
    int pa = a->priority ? a->priority : 1 << 30, pb = b->priority ? b->priority : 1 << 30;
    return (pa > pb) - (pa < pb);
}

static void describe(struct sim_aws_elb *e, struct out *o, const char *act)
{
    const struct sim_aws_params *q = o->c->query;
    const char *m[64];
    size_t nm;
    if (strcmp(act, "DescribeLoadBalancers") == 0) {
        const char *names[64];
        nm = members(q, "LoadBalancerArns", "", m, 64);
        size_t nn = members(q, "Names", "", names, 64);
        for (size_t i = 0; i < nm; i++)
            if (!lb_by_arn(e, m[i], NULL)) {
                err(o, 400, "LoadBalancerNotFound", "One or more load balancers not found");
                return;
            }
        const char *bad =
            unknown(names, nn, e->lbs, e->nlbs, sizeof *e->lbs, offsetof(struct lb, name));
        if (bad) {
            char msg[300];
            snprintf(msg, sizeof msg, "Load balancers '[%s]' not found", bad);
            err(o, 400, "LoadBalancerNotFound", msg);
            return;
        }
        open_result(o, act);
        sim_buf_adds(&o->b, "<LoadBalancers>");
        for (size_t k = 0; k < e->nlbs; k++) {
            if ((!nm && !nn) || listed(m, nm, e->lbs[k].arn) || listed(names, nn, e->lbs[k].name))
                lb_xml(&o->b, &e->lbs[k]);
        }
        sim_buf_adds(&o->b, "</LoadBalancers>");
    } else if (strcmp(act, "DescribeListeners") == 0) {
        const char *lba = sim_aws_param(q, "LoadBalancerArn");
        nm = members(q, "ListenerArns", "", m, 64);
        size_t lbi = 0;
        if (!lba && !nm) {
            err(o, 400, "ValidationError",
                "You must specify either listener ARNs or a load balancer ARN");
            return;
        }
        if (lba && !lb_by_arn(e, lba, &lbi)) {
            err(o, 400, "LoadBalancerNotFound", "One or more load balancers not found");
            return;
        }
        for (size_t i = 0; i < nm; i++)
            if (!listener_by_arn(e, m[i])) {
                err(o, 400, "ListenerNotFound", "One or more listeners not found");
                return;
            }
        open_result(o, act);
        sim_buf_adds(&o->b, "<Listeners>");
        for (size_t k = 0; k < e->nls; k++) {
            if ((lba && e->ls[k].lb == lbi) || listed(m, nm, e->ls[k].arn))
                listener_xml(&o->b, e, &e->ls[k]);
        }
        sim_buf_adds(&o->b, "</Listeners>");
    } else if (strcmp(act, "DescribeRules") == 0) {
        const char *la = sim_aws_param(q, "ListenerArn");
        nm = members(q, "RuleArns", "", m, 64);
        struct listener *l = la ? listener_by_arn(e, la) : NULL;
        if (!la && !nm) {
            err(o, 400, "ValidationError", "You must specify either listener or rule ARNs");
            return;
        }
        if (la && !l) {
            err(o, 400, "ListenerNotFound", "One or more listeners not found");
            return;
        }
        struct rule *rv[64];
        struct listener *lv[64];
        size_t n = 0;
        if (l)
            for (size_t k = 0; k < l->nrules && n < 64; k++) {
                rv[n] = &l->rules[k];
                lv[n++] = l;
            }
        for (size_t i = 0; i < nm && n < 64; i++) {
            struct listener *rl = NULL;
            struct rule *r = rule_by_arn(e, m[i], &rl);
            if (!r) {
                err(o, 400, "RuleNotFound", "One or more rules not found");
                return;
            }
            rv[n] = r;
            lv[n++] = rl;
        }
        if (l && !nm) {
            /* priority order, the default last, as AWS lists them */
            qsort(rv, n, sizeof rv[0], rule_order);
        }
        open_result(o, act);
        sim_buf_adds(&o->b, "<Rules>");
        for (size_t i = 0; i < n; i++) {
            struct listener *owner = l ? l : lv[i];
            for (size_t k = 0; k < e->nls; k++)
                for (size_t j = 0; j < e->ls[k].nrules; j++)
                    if (&e->ls[k].rules[j] == rv[i])
                        owner = &e->ls[k];
            rule_xml(&o->b, e, owner, rv[i]);
        }
        sim_buf_adds(&o->b, "</Rules>");
    } else if (strcmp(act, "DescribeTargetGroups") == 0) {
        const char *names[64];
        const char *lba = sim_aws_param(q, "LoadBalancerArn");
        nm = members(q, "TargetGroupArns", "", m, 64);
        size_t nn = members(q, "Names", "", names, 64), lbi = 0;
        if (lba && !lb_by_arn(e, lba, &lbi)) {
            err(o, 400, "LoadBalancerNotFound", "One or more load balancers not found");
            return;
        }
        for (size_t i = 0; i < nm; i++)
            if (!tg_by_arn(e, m[i], NULL)) {
                err(o, 400, "TargetGroupNotFound", "One or more target groups not found");
                return;
            }
        const char *bad =
            unknown(names, nn, e->tgs, e->ntgs, sizeof *e->tgs, offsetof(struct tg, name));
        if (bad) {
            char msg[300];
            snprintf(msg, sizeof msg, "Target groups '[%s]' not found", bad);
            err(o, 400, "TargetGroupNotFound", msg);
            return;
        }
        open_result(o, act);
        sim_buf_adds(&o->b, "<TargetGroups>");
        for (size_t k = 0; k < e->ntgs; k++) {
            bool want = !nm && !nn && !lba;
            if (lba) {
                for (size_t li = 0; li < e->nls; li++)
                    if (e->ls[li].lb == lbi) {
                        for (size_t x = 0; x < e->ls[li].nf; x++)
                            want |= e->ls[li].f[x].tg == k;
                        for (size_t r = 1; r < e->ls[li].nrules; r++)
                            for (size_t x = 0; x < e->ls[li].rules[r].nf; x++)
                                want |= e->ls[li].rules[r].f[x].tg == k;
                    }
            }
            want |= listed(m, nm, e->tgs[k].arn) || listed(names, nn, e->tgs[k].name);
            if (want)
                tg_xml(&o->b, e, &e->tgs[k]);
        }
        sim_buf_adds(&o->b, "</TargetGroups>");
    } else { /* DescribeTargetHealth */
        struct tg *t = tg_by_arn(e, sim_aws_param(q, "TargetGroupArn"), NULL);
        if (!t) {
            err(o, 400, "TargetGroupNotFound", "One or more target groups not found");
            return;
        }
        const char *ids[64];
        size_t ni = members(q, "Targets", ".Id", ids, 64);
        const char *bad = unknown(ids, ni, t->targets, t->ntargets, sizeof *t->targets,
                                  offsetof(struct target, id));
        if (bad) {
            char msg[300];
            snprintf(msg, sizeof msg, "The target '%s' is not registered in target group", bad);
            err(o, 400, "InvalidTarget", msg);
            return;
        }
        open_result(o, act);
        sim_buf_adds(&o->b, "<TargetHealthDescriptions>");
        for (size_t k = 0; k < t->ntargets; k++) {
            if (!ni || listed(ids, ni, t->targets[k].id))
                health_xml(&o->b, &t->targets[k]);
        }
        sim_buf_adds(&o->b, "</TargetHealthDescriptions>");
    }
    close_result(o, act);
}

void sim_aws_elb_handle(struct sim_aws_elb *e, const struct sim_aws_call *c,
                        struct sim_aws_reply *r)
{
    struct out o = {.c = c, .r = r};
    const char *act = c->action;
    const char *ver = sim_aws_param(c->query, "Version");
    if (!ver || strcmp(ver, "2015-12-01") != 0) {
        err(&o, 400, "InvalidParameterValue",
            "the simulator serves the ELBv2 API of Version 2015-12-01");
        return;
    }
    static const char *const desc[] = {"DescribeLoadBalancers", "DescribeListeners",
                                       "DescribeRules", "DescribeTargetGroups",
                                       "DescribeTargetHealth"};
    XPTHREAD(pthread_mutex_lock(&e->mu));
    bool done = false;
    for (size_t i = 0; i < sizeof desc / sizeof desc[0]; i++)
        if (strcmp(act, desc[i]) == 0) {
            describe(e, &o, act);
            done = true;
        }
    if (done) {
    } else if (strcmp(act, "ModifyListener") == 0)
        modify_listener(e, &o);
    else if (strcmp(act, "ModifyRule") == 0)
        modify_rule(e, &o);
    else {
        char msg[200];
        snprintf(msg, sizeof msg, "Could not find operation %s for version 2015-12-01", act);
        err(&o, 400, "InvalidAction", msg);
    }
    XPTHREAD(pthread_mutex_unlock(&e->mu));
    sim_buf_fini(&o.b);
}
