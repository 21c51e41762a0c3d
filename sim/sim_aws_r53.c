/* Route53 (REST-XML, API version 2013-04-01): ListHostedZones, ListHostedZonesByName,
 * GetHostedZone, ListResourceRecordSets (Route53's order, StartRecord*, maxitems, NextRecord*),
 * ChangeResourceRecordSets (CREATE/UPSERT/DELETE applied as one atomic batch, InvalidChangeBatch
 * with AWS's messages) and GetChange (PENDING for the scenario's change_delay_ms, then INSYNC).
 * Request bodies are read with core/xml.c. */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cutover/xalloc.h"
#include "cutover/xml.h"
#include "sim_aws.h"

#define R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"
#define PREFIX "/2013-04-01/"

struct rr {
    char *name; /* lower case, with the final dot */
    char *type;
    char *setid; /* NULL: not weighted */
    int weight;  /* -1: none */
    long ttl;
    char **values;
    size_t nvalues;
};

struct zone {
    char *name;
    char *id;
    struct rr *rr; /* sorted as Route53 lists them */
    size_t n;
};

struct change {
    char id[16];
    time_t submitted;
    double mono; /* when, on the monotonic clock */
    char *comment;
};

struct sim_aws_r53 {
    int delay_ms;
    pthread_mutex_t mu;
    struct zone *zones; /* mu */
    size_t nzones;
    struct change *changes; /* mu */
    size_t nchanges;        /* mu */
};

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static char *lower_dotted(const char *s)
{
    size_t n = strlen(s);
    char *o = xmalloc(n + 2);
    for (size_t i = 0; i < n; i++)
        o[i] = (char)tolower((unsigned char)s[i]);
    if (!n || s[n - 1] != '.')
        o[n++] = '.';
    o[n] = '\0';
    return o;
}

/* "www.example.com." -> "com.example.www" for Route53's order. */
static void reversed(const char *name, char *out, size_t len)
{
    size_t n = strlen(name), o = 0;
    if (n && name[n - 1] == '.')
        n--;
    size_t end = n;
    while (end > 0 && o + 1 < len) {
        size_t start = end;
        while (start > 0 && name[start - 1] != '.')
            start--;
        if (o)
            out[o++] = '.';
        for (size_t i = start; i < end && o + 1 < len; i++)
            out[o++] = name[i];
        end = start ? start - 1 : 0;
    }
    out[o] = '\0';
}

static int key_cmp(const char *name, const char *type, const char *setid, const struct rr *b)
{
    char ra[300], rb[300];
    reversed(name, ra, sizeof ra);
    reversed(b->name, rb, sizeof rb);
    int c = strcmp(ra, rb);
    if (c)
        return c;
    if (!type)
        return 0;
    c = strcmp(type, b->type);
    if (c || !setid)
        return c;
    return strcmp(setid, b->setid ? b->setid : "");
}

static int rr_cmp(const void *x, const void *y)
{
    const struct rr *a = x, *b = y;
    return key_cmp(a->name, a->type, a->setid ? a->setid : "", b);
}

static void rr_free(struct rr *r)
{
    free(r->name);
    free(r->type);
    free(r->setid);
    for (size_t i = 0; i < r->nvalues; i++)
        free(r->values[i]);
    free(r->values);
}

static void rr_copy(struct rr *dst, const struct rr *src)
{
    dst->name = xstrdup(src->name);
    dst->type = xstrdup(src->type);
    dst->setid = src->setid ? xstrdup(src->setid) : NULL;
    dst->weight = src->weight;
    dst->ttl = src->ttl;
    dst->nvalues = src->nvalues;
    dst->values = xcalloc(src->nvalues ? src->nvalues : 1, sizeof *dst->values);
    for (size_t i = 0; i < src->nvalues; i++)
        dst->values[i] = xstrdup(src->values[i]);
}

static void zone_add(struct zone *z, const struct rr *r)
{
    z->rr = xreallocarray(z->rr, z->n + 1, sizeof *z->rr);
    rr_copy(&z->rr[z->n++], r);
    qsort(z->rr, z->n, sizeof *z->rr, rr_cmp);
}

static void zone_del(struct zone *z, size_t i)
{
    rr_free(&z->rr[i]);
    memmove(&z->rr[i], &z->rr[i + 1], (z->n - i - 1) * sizeof *z->rr);
    z->n--;
}

static const char *const NAMESERVERS[] = {"ns-1536.awsdns-sim.co.uk.", "ns-0.awsdns-sim.com.",
                                          "ns-1024.awsdns-sim.org.", "ns-512.awsdns-sim.net."};

struct sim_aws_r53 *sim_aws_r53_new(const struct sim_aws_spec *spec)
{
    struct sim_aws_r53 *r = xcalloc(1, sizeof *r);
    XPTHREAD(pthread_mutex_init(&r->mu, NULL));
    r->delay_ms = spec->change_delay_ms;
    r->nzones = spec->nzones;
    r->zones = xcalloc(r->nzones ? r->nzones : 1, sizeof *r->zones);
    for (size_t i = 0; i < spec->nzones; i++) {
        const struct sim_aws_zone_spec *zs = &spec->zones[i];
        struct zone *z = &r->zones[i];
        z->name = lower_dotted(zs->name);
        z->id = xstrdup(zs->id);
        char *ns[4], soa_v[200];
        for (int k = 0; k < 4; k++)
            ns[k] = (char *)NAMESERVERS[k];
        struct rr nsr = {z->name, "NS", NULL, -1, 172800, ns, 4};
        zone_add(z, &nsr);
        snprintf(soa_v, sizeof soa_v, "%s awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
                 NAMESERVERS[0]);
        char *sv = soa_v;
        struct rr soa = {z->name, "SOA", NULL, -1, 900, &sv, 1};
        zone_add(z, &soa);
        for (size_t j = 0; j < zs->nrecords; j++) {
            const struct sim_aws_record_spec *rs = &zs->records[j];
            char *name = lower_dotted(rs->name);
            struct rr x = {name,    rs->type,   rs->set_identifier, rs->weight,
                           rs->ttl, rs->values, rs->nvalues};
            zone_add(z, &x);
            free(name);
        }
    }
    return r;
}

void sim_aws_r53_free(struct sim_aws_r53 *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nzones; i++) {
        for (size_t j = 0; j < r->zones[i].n; j++)
            rr_free(&r->zones[i].rr[j]);
        free(r->zones[i].rr);
        free(r->zones[i].name);
        free(r->zones[i].id);
    }
    free(r->zones);
    for (size_t i = 0; i < r->nchanges; i++)
        free(r->changes[i].comment);
    free(r->changes);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* Splits "/2013-04-01/a/b/c" into up to 4 segments (in buf). */
static int segments(const char *path, char *buf, size_t len, char **seg)
{
    if (strncmp(path, PREFIX, strlen(PREFIX)) != 0)
        return 0;
    snprintf(buf, len, "%s", path + strlen(PREFIX));
    int n = 0;
    char *save = NULL;
    for (char *s = strtok_r(buf, "/", &save); s && n < 4; s = strtok_r(NULL, "/", &save))
        seg[n++] = s;
    return n;
}

const char *sim_aws_r53_action(const char *method, const char *path)
{
    char buf[512];
    char *seg[4];
    int n = segments(path, buf, sizeof buf, seg);
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (n == 1 && get && strcmp(seg[0], "hostedzone") == 0)
        return "ListHostedZones";
    if (n == 1 && get && strcmp(seg[0], "hostedzonesbyname") == 0)
        return "ListHostedZonesByName";
    if (n == 2 && get && strcmp(seg[0], "hostedzone") == 0)
        return "GetHostedZone";
    if (n == 3 && strcmp(seg[0], "hostedzone") == 0 && strcmp(seg[2], "rrset") == 0)
        return get ? "ListResourceRecordSets" : post ? "ChangeResourceRecordSets" : NULL;
    if (n == 2 && get && strcmp(seg[0], "change") == 0)
        return "GetChange";
    return NULL;
}

static struct zone *zone_find(struct sim_aws_r53 *r, const char *id)
{
    for (size_t i = 0; i < r->nzones; i++)
        if (strcmp(r->zones[i].id, id) == 0)
            return &r->zones[i];
    return NULL;
}

static void ok(struct sim_aws_reply *out, struct sim_buf *b)
{
    out->status = 200;
    out->body = sim_buf_take(b);
    out->content_type = "text/xml";
}

static void zone_xml(struct sim_buf *b, const struct zone *z)
{
    sim_buf_adds(b, "<HostedZone><Id>/hostedzone/");
    sim_aws_xml_add(b, z->id);
    sim_buf_adds(b, "</Id>");
    sim_aws_xml_elem(b, "Name", z->name);
    sim_aws_xml_elem(b, "CallerReference", z->id);
    sim_buf_adds(b, "<Config><Comment>cutover-sim</Comment><PrivateZone>false</PrivateZone>"
                    "</Config>");
    sim_buf_addf(b, "<ResourceRecordSetCount>%zu</ResourceRecordSetCount></HostedZone>", z->n);
}

static void rr_xml(struct sim_buf *b, const struct rr *r)
{
    sim_buf_adds(b, "<ResourceRecordSet>");
    sim_aws_xml_elem(b, "Name", r->name);
    sim_aws_xml_elem(b, "Type", r->type);
    if (r->setid) {
        sim_aws_xml_elem(b, "SetIdentifier", r->setid);
        sim_buf_addf(b, "<Weight>%d</Weight>", r->weight);
    }
    sim_buf_addf(b, "<TTL>%ld</TTL><ResourceRecords>", r->ttl);
    for (size_t i = 0; i < r->nvalues; i++) {
        sim_buf_adds(b, "<ResourceRecord>");
        sim_aws_xml_elem(b, "Value", r->values[i]);
        sim_buf_adds(b, "</ResourceRecord>");
    }
    sim_buf_adds(b, "</ResourceRecords></ResourceRecordSet>");
}

static void change_xml(struct sim_buf *b, const struct sim_aws_r53 *r, const struct change *c)
{
    char iso[32];
    sim_aws_iso_time(c->submitted, iso);
    bool insync = mono_ms() - c->mono >= (double)r->delay_ms;
    sim_buf_adds(b, "<ChangeInfo><Id>/change/");
    sim_aws_xml_add(b, c->id);
    sim_buf_addf(b, "</Id><Status>%s</Status>", insync ? "INSYNC" : "PENDING");
    sim_aws_xml_elem(b, "SubmittedAt", iso);
    if (c->comment)
        sim_aws_xml_elem(b, "Comment", c->comment);
    sim_buf_adds(b, "</ChangeInfo>");
}

static void no_zone(struct sim_aws_reply *out, const char *id, const char *rid)
{
    char msg[300];
    snprintf(msg, sizeof msg, "No hosted zone found with ID: %s", id);
    sim_aws_xml_error(out, 404, R53_NS, "NoSuchHostedZone", msg, rid);
}

static void list_rrsets(struct sim_aws_r53 *r, struct zone *z, const struct sim_aws_call *c,
                        struct sim_aws_reply *out)
{
    (void)r;
    const char *sname = sim_aws_param(c->query, "name");
    const char *stype = sim_aws_param(c->query, "type");
    const char *sid = sim_aws_param(c->query, "identifier");
    const char *mi = sim_aws_param(c->query, "maxitems");
    long max = mi ? strtol(mi, NULL, 10) : 300;
    if ((stype && !sname) || (sid && !stype)) {
        sim_aws_xml_error(out, 400, R53_NS, "InvalidInput",
                          stype && !sname ? "The input is not valid: type requires name"
                                          : "The input is not valid: identifier requires type",
                          c->request_id);
        return;
    }
    if (max < 1 || max > 300)
        max = 300;
    char *start = sname ? lower_dotted(sname) : NULL;
    size_t i = 0;
    if (start)
        while (i < z->n && key_cmp(start, stype, sid, &z->rr[i]) > 0)
            i++;
    free(start);
    struct sim_buf b = {0};
    sim_buf_adds(&b, "<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse xmlns=\"" R53_NS
                     "\"><ResourceRecordSets>");
    long shown = 0;
    for (; i < z->n && shown < max; i++, shown++)
        rr_xml(&b, &z->rr[i]);
    sim_buf_addf(&b, "</ResourceRecordSets><IsTruncated>%s</IsTruncated>",
                 i < z->n ? "true" : "false");
    if (i < z->n) {
        sim_aws_xml_elem(&b, "NextRecordName", z->rr[i].name);
        sim_aws_xml_elem(&b, "NextRecordType", z->rr[i].type);
        if (z->rr[i].setid)
            sim_aws_xml_elem(&b, "NextRecordIdentifier", z->rr[i].setid);
    }
    sim_buf_addf(&b, "<MaxItems>%ld</MaxItems></ListResourceRecordSetsResponse>\n", max);
    ok(out, &b);
}

/* ---- ChangeResourceRecordSets ---- */

struct msgs {
    struct sim_buf b;
    int n;
};

static void msg_add(struct msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void msg_add(struct msgs *m, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sim_buf_adds(&m->b, m->n ? ", " : "[");
    sim_buf_adds(&m->b, buf);
    m->n++;
}

static bool in_zone(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    if (n < z || strcmp(name + n - z, zone) != 0)
        return false;
    return n == z || name[n - z - 1] == '.';
}

static bool type_ok(const char *t)
{
    static const char *const types[] = {"A",  "AAAA", "CAA", "CNAME", "DS",  "MX", "NAPTR",
                                        "NS", "PTR",  "SOA", "SPF",   "SRV", "TXT"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i]) == 0)
            return true;
    return false;
}

static void desc(char *out, size_t len, const struct rr *x)
{
    if (x->setid)
        snprintf(out, len, "[name='%s', type='%s', set-identifier='%s']", x->name, x->type,
                 x->setid);
    else
        snprintf(out, len, "[name='%s', type='%s']", x->name, x->type);
}

static bool same_values(const struct rr *a, const struct rr *b)
{
    if (a->ttl != b->ttl || a->weight != b->weight || a->nvalues != b->nvalues)
        return false;
    for (size_t i = 0; i < a->nvalues; i++)
        if (strcmp(a->values[i], b->values[i]) != 0)
            return false;
    return true;
}

static ssize_t rr_index(const struct zone *z, const struct rr *x)
{
    for (size_t i = 0; i < z->n; i++) {
        const struct rr *y = &z->rr[i];
        if (strcmp(y->name, x->name) == 0 && strcmp(y->type, x->type) == 0 &&
            strcmp(y->setid ? y->setid : "", x->setid ? x->setid : "") == 0)
            return (ssize_t)i;
    }
    return -1;
}

/* Whether x conflicts with a record of the same name and type of the other kind (weighted or
 * simple), or with a CNAME of the same name. */
static bool conflicts(const struct zone *z, const struct rr *x)
{
    for (size_t i = 0; i < z->n; i++) {
        const struct rr *y = &z->rr[i];
        if (strcmp(y->name, x->name) != 0)
            continue;
        if (strcmp(y->type, x->type) == 0 && (y->setid == NULL) != (x->setid == NULL))
            return true;
        if (strcmp(y->type, x->type) != 0 &&
            (strcmp(y->type, "CNAME") == 0 || strcmp(x->type, "CNAME") == 0))
            return true;
    }
    return false;
}

/* One change against z: applies it or adds the reason to m. Returns whether it applied. */
static bool apply_one(struct zone *z, const char *action, const struct rr *x, int idx,
                      struct msgs *m, struct msgs *input)
{
    char d[400];
    desc(d, sizeof d, x);
    char ctx[500];
    snprintf(ctx, sizeof ctx, "[Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", action, x->name,
             x->type, x->setid ? x->setid : "null");
    if (strcmp(action, "CREATE") && strcmp(action, "UPSERT") && strcmp(action, "DELETE")) {
        msg_add(input,
                "1 validation error detected: Value '%s' at 'changeBatch.changes.%d.member.action' "
                "failed to satisfy constraint: Member must satisfy enum value set: [CREATE, "
                "DELETE, UPSERT]",
                action, idx);
        return false;
    }
    if (!type_ok(x->type)) {
        msg_add(input,
                "1 validation error detected: Value '%s' at "
                "'changeBatch.changes.%d.member.resourceRecordSet.type' failed to satisfy "
                "constraint: Member must satisfy enum value set: [SOA, A, TXT, NS, CNAME, MX, "
                "NAPTR, PTR, SRV, SPF, AAAA, CAA, DS]",
                x->type, idx);
        return false;
    }
    if (x->weight > 255) {
        msg_add(input,
                "1 validation error detected: Value '%d' at "
                "'changeBatch.changes.%d.member.resourceRecordSet.weight' failed to satisfy "
                "constraint: Member must have value less than or equal to 255",
                x->weight, idx);
        return false;
    }
    if (!in_zone(x->name, z->name)) {
        msg_add(m, "RRSet with DNS name %s is not permitted in zone %s", x->name, z->name);
        return false;
    }
    if (x->setid && x->weight < 0) {
        msg_add(m,
                "Invalid request: Expected exactly one of [Weight, Region, Failover, "
                "GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but "
                "found none in Change with %s",
                ctx);
        return false;
    }
    if (!x->setid && x->weight >= 0) {
        msg_add(m, "Invalid request: Missing field 'SetIdentifier' in Change with %s", ctx);
        return false;
    }
    if (x->ttl < 0 || x->nvalues == 0) {
        msg_add(m,
                "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
                "ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with %s",
                ctx);
        return false;
    }
    ssize_t at = rr_index(z, x);
    if (strcmp(action, "DELETE") == 0) {
        if (at < 0) {
            msg_add(m, "Tried to delete resource record set %s but it was not found", d);
            return false;
        }
        if (!same_values(&z->rr[at], x)) {
            msg_add(m,
                    "Tried to delete resource record set %s but the values provided do not match "
                    "the current values",
                    d);
            return false;
        }
        if (strcmp(x->name, z->name) == 0 &&
            (strcmp(x->type, "SOA") == 0 || strcmp(x->type, "NS") == 0)) {
            msg_add(m, "A HostedZone must contain exactly one SOA record and at least one NS "
                       "record for the zone itself.");
            return false;
        }
        zone_del(z, (size_t)at);
        return true;
    }
    if (strcmp(action, "CREATE") == 0 && at >= 0) {
        msg_add(m, "Tried to create resource record set %s but it already exists", d);
        return false;
    }
    if (at < 0 && conflicts(z, x)) {
        msg_add(m,
                "RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet "
                "of type %s with the same DNS name already exists in zone %s.",
                x->type, x->name, x->type, z->name);
        return false;
    }
    if (at >= 0)
        zone_del(z, (size_t)at);
    zone_add(z, x);
    return true;
}

struct parsed_change {
    const char *action;
    struct rr rr;
};

static int parse_batch(const char *body, size_t len, struct parsed_change **out, size_t *n,
                       const char **comment, struct xml_node **doc, char *why, size_t wlen)
{
    struct error err = {0};
    *out = NULL;
    *n = 0;
    if (xml_parse(body, len, "request", doc, &err) < 0) {
        snprintf(why, wlen, "Invalid XML ; %s", err.msg);
        return -1;
    }
    const struct xml_node *batch = xml_child(*doc, "ChangeBatch");
    const struct xml_node *changes = xml_child(batch, "Changes");
    if (!xml_is(*doc, "ChangeResourceRecordSetsRequest") || !changes ||
        !xml_child(changes, "Change")) {
        snprintf(why, wlen, "Invalid XML ; the request needs ChangeBatch/Changes/Change");
        return -1;
    }
    *comment = xml_path_text(batch, "Comment");
    for (const struct xml_node *ch = xml_child(changes, "Change"); ch;
         ch = xml_next(ch, "Change")) {
        const struct xml_node *rs = xml_child(ch, "ResourceRecordSet");
        if (xml_child(rs, "AliasTarget")) {
            snprintf(why, wlen, "the simulator does not serve alias records");
            return -1;
        }
        *out = xreallocarray(*out, *n + 1, sizeof **out);
        struct parsed_change *pc = &(*out)[(*n)++];
        memset(pc, 0, sizeof *pc);
        pc->action = xml_path_text(ch, "Action");
        if (!pc->action)
            pc->action = "";
        const char *name = xml_path_text(rs, "Name");
        pc->rr.name = lower_dotted(name ? name : "");
        pc->rr.type = xstrdup(xml_path_text(rs, "Type") ? xml_path_text(rs, "Type") : "");
        const char *sid = xml_path_text(rs, "SetIdentifier");
        pc->rr.setid = sid ? xstrdup(sid) : NULL;
        const char *w = xml_path_text(rs, "Weight");
        pc->rr.weight = w ? (int)strtol(w, NULL, 10) : -1;
        if (w && pc->rr.weight < 0)
            pc->rr.weight = 256; /* out of range either way */
        const char *ttl = xml_path_text(rs, "TTL");
        pc->rr.ttl = ttl ? strtol(ttl, NULL, 10) : -1;
        const struct xml_node *rrs = xml_child(rs, "ResourceRecords");
        pc->rr.values = xcalloc(xml_count(rrs, "ResourceRecord") + 1, sizeof *pc->rr.values);
        for (const struct xml_node *v = xml_child(rrs, "ResourceRecord"); v;
             v = xml_next(v, "ResourceRecord")) {
            const char *val = xml_path_text(v, "Value");
            pc->rr.values[pc->rr.nvalues++] = xstrdup(val ? val : "");
        }
    }
    return 0;
}

static void zone_copy(struct zone *dst, const struct zone *src)
{
    dst->name = src->name;
    dst->id = src->id;
    dst->n = src->n;
    dst->rr = xcalloc(src->n ? src->n : 1, sizeof *dst->rr);
    for (size_t i = 0; i < src->n; i++)
        rr_copy(&dst->rr[i], &src->rr[i]);
}

static void zone_rr_free(struct zone *z)
{
    for (size_t i = 0; i < z->n; i++)
        rr_free(&z->rr[i]);
    free(z->rr);
    z->rr = NULL;
    z->n = 0;
}

static void change_rrsets(struct sim_aws_r53 *r, struct zone *z, const struct sim_aws_call *c,
                          struct sim_aws_reply *out)
{
    struct parsed_change *pcs = NULL;
    size_t n = 0;
    const char *comment = NULL;
    struct xml_node *doc = NULL;
    char why[600];
    if (parse_batch(c->body, c->body_len, &pcs, &n, &comment, &doc, why, sizeof why) < 0) {
        sim_aws_xml_error(out, 400, R53_NS, "InvalidInput", why, c->request_id);
        goto out;
    }
    if (c->partial_status) {
        /* the test device: the first `apply` changes land on the live zone, then an error */
        /* `apply` counts record sets: a DELETE followed by a CREATE or UPSERT of the same set
         * (a compare-and-swap of one record) lands as one, so the fault still falls between
         * the two records' changes */
        struct msgs m = {0}, in = {0};
        int units = 0;
        for (size_t i = 0; i < n && units < c->partial_apply; i++) {
            apply_one(z, pcs[i].action, &pcs[i].rr, (int)i + 1, &m, &in);
            if (strcmp(pcs[i].action, "DELETE") == 0 && i + 1 < n &&
                strcmp(pcs[i + 1].action, "DELETE") != 0 &&
                key_cmp(pcs[i + 1].rr.name, pcs[i + 1].rr.type, pcs[i + 1].rr.setid, &pcs[i].rr) ==
                    0) {
                i++;
                apply_one(z, pcs[i].action, &pcs[i].rr, (int)i + 1, &m, &in);
            }
            units++;
        }
        sim_buf_fini(&m.b);
        sim_buf_fini(&in.b);
        int st = c->partial_status;
        sim_aws_xml_error(out, st, R53_NS,
                          st == 400   ? "Throttling"
                          : st == 503 ? "ServiceUnavailable"
                                      : "InternalFailure",
                          "injected fault after a partial change batch", c->request_id);
        goto out;
    }
    struct zone work;
    zone_copy(&work, z);
    struct msgs m = {0}, in = {0};
    for (size_t i = 0; i < n; i++)
        apply_one(&work, pcs[i].action, &pcs[i].rr, (int)i + 1, &m, &in);
    if (in.n || m.n) {
        /* validation errors: the first alone; batch errors: all of them in brackets */
        sim_buf_adds(&m.b, "]");
        sim_aws_xml_error(out, 400, R53_NS, in.n ? "InvalidInput" : "InvalidChangeBatch",
                          in.n ? in.b.data + 1 : m.b.data, c->request_id);
        sim_buf_fini(&m.b);
        sim_buf_fini(&in.b);
        zone_rr_free(&work);
        goto out;
    }
    zone_rr_free(z);
    z->rr = work.rr;
    z->n = work.n;
    r->changes = xreallocarray(r->changes, r->nchanges + 1, sizeof *r->changes);
    struct change *ch = &r->changes[r->nchanges++];
    memset(ch, 0, sizeof *ch);
    ch->id[0] = 'C';
    sim_aws_random_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 13, ch->id + 1);
    ch->submitted = time(NULL);
    ch->mono = mono_ms();
    ch->comment = comment && *comment ? xstrdup(comment) : NULL;
    struct sim_buf b = {0};
    sim_buf_adds(&b, "<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse xmlns=\"" R53_NS
                     "\">");
    change_xml(&b, r, ch);
    sim_buf_adds(&b, "</ChangeResourceRecordSetsResponse>\n");
    ok(out, &b);
out:
    for (size_t i = 0; i < n; i++)
        rr_free(&pcs[i].rr);
    free(pcs);
    xml_free(doc);
}

void sim_aws_r53_handle(struct sim_aws_r53 *r, const struct sim_aws_call *c,
                        struct sim_aws_reply *out)
{
    char buf[512];
    char *seg[4];
    int n = segments(c->path, buf, sizeof buf, seg);
    const char *act = c->action;
    struct sim_buf b = {0};
    XPTHREAD(pthread_mutex_lock(&r->mu));
    if (strcmp(act, "ListHostedZones") == 0 || strcmp(act, "ListHostedZonesByName") == 0) {
        bool by_name = strcmp(act, "ListHostedZonesByName") == 0;
        const char *dns = by_name ? sim_aws_param(c->query, "dnsname") : NULL;
        char *from = dns ? lower_dotted(dns) : NULL;
        sim_buf_addf(&b, "<?xml version=\"1.0\"?>\n<%sResponse xmlns=\"" R53_NS "\"><HostedZones>",
                     act);
        for (size_t i = 0; i < r->nzones; i++) {
            char ra[300], rb[300];
            if (from) {
                reversed(from, ra, sizeof ra);
                reversed(r->zones[i].name, rb, sizeof rb);
                if (strcmp(rb, ra) < 0)
                    continue;
            }
            zone_xml(&b, &r->zones[i]);
        }
        sim_buf_adds(&b, "</HostedZones><IsTruncated>false</IsTruncated>");
        if (!by_name)
            sim_buf_adds(&b, "<Marker></Marker>");
        else if (dns)
            sim_aws_xml_elem(&b, "DNSName", dns);
        sim_buf_addf(&b, "<MaxItems>100</MaxItems></%sResponse>\n", act);
        free(from);
        ok(out, &b);
    } else if (strcmp(act, "GetHostedZone") == 0 || strcmp(act, "ListResourceRecordSets") == 0 ||
               strcmp(act, "ChangeResourceRecordSets") == 0) {
        struct zone *z = n >= 2 ? zone_find(r, seg[1]) : NULL;
        if (!z) {
            no_zone(out, n >= 2 ? seg[1] : "", c->request_id);
        } else if (act[0] == 'G') {
            sim_buf_adds(&b,
                         "<?xml version=\"1.0\"?>\n<GetHostedZoneResponse xmlns=\"" R53_NS "\">");
            zone_xml(&b, z);
            sim_buf_adds(&b, "<DelegationSet><NameServers>");
            for (int k = 0; k < 4; k++)
                sim_aws_xml_elem(&b, "NameServer", NAMESERVERS[k]);
            sim_buf_adds(&b, "</NameServers></DelegationSet></GetHostedZoneResponse>\n");
            ok(out, &b);
        } else if (act[0] == 'L') {
            list_rrsets(r, z, c, out);
        } else {
            change_rrsets(r, z, c, out);
        }
    } else if (strcmp(act, "GetChange") == 0) {
        /* the action comes with the call: a path without an id finds no change */
        const char *id = n >= 2 ? seg[1] : "";
        struct change *ch = NULL;
        for (size_t i = 0; i < r->nchanges; i++)
            if (strcmp(r->changes[i].id, id) == 0)
                ch = &r->changes[i];
        if (!ch) {
            char msg[200];
            snprintf(msg, sizeof msg, "A change with the specified change ID does not exist: %s",
                     id);
            sim_aws_xml_error(out, 404, R53_NS, "NoSuchChange", msg, c->request_id);
        } else {
            sim_buf_adds(&b, "<?xml version=\"1.0\"?>\n<GetChangeResponse xmlns=\"" R53_NS "\">");
            change_xml(&b, r, ch);
            sim_buf_adds(&b, "</GetChangeResponse>\n");
            ok(out, &b);
        }
    } else {
        sim_aws_xml_error(out, 404, R53_NS, "UnknownOperationException",
                          "the simulator's Route53 serves ListHostedZones, ListHostedZonesByName, "
                          "GetHostedZone, ListResourceRecordSets, ChangeResourceRecordSets and "
                          "GetChange",
                          c->request_id);
    }
    XPTHREAD(pthread_mutex_unlock(&r->mu));
    sim_buf_fini(&b);
}
