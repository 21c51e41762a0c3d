/* Route53 weighted records as a traffic target: two records of one name and type told apart by
 * SetIdentifier (old_id, new_id). read = ListResourceRecordSets from the record's name and type,
 * paginated; apply = ONE ChangeResourceRecordSets batch that is a compare-and-swap: for each
 * record a DELETE of the record exactly as the last read() saw it, then a CREATE of the same
 * record with only Weight changed; then GetChange until INSYNC. Route53 applies a batch
 * atomically and refuses a DELETE whose values do not match the current ones (InvalidChangeBatch
 * "... but the values provided do not match the current values"), so a record changed by anyone
 * since the read makes the whole batch fail with nothing changed: reported as a conflict ("changed
 * since read: re-read and preview again"), never retried. */

#include "cutover/traffic_provider.h"

#include "cutover/aws_http.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define R53_PAGE_MAX 100 /* ListResourceRecordSets pages read at most */
#define R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"

/* One weighted record as read: its fields serialized as XML (in the order AWS gave them) before
 * and after the Weight element, so an UPSERT rewrites exactly what was read. */
struct r53_record {
    bool present;
    int weight;        /* -1: the record has no Weight (not a weighted record) */
    char *xml_before;  /* "<Name>..</Name><Type>A</Type><SetIdentifier>..</SetIdentifier>" */
    char *xml_after;   /* "<TTL>60</TTL><ResourceRecords>...</ResourceRecords>" */
    char *summary;     /* "TTL 60, 192.0.2.10" or "alias dualstack.lb..." (sanitized) */
    long ttl;          /* -1: none (alias) */
    bool health_check; /* has a HealthCheckId */
};

struct r53 {
    struct aws_client *client;
    char *zone; /* "Z0123" */
    char *name; /* with the final dot */
    char *type; /* "A" */
    int insync_timeout_ms;
    struct r53_record last[2]; /* the last read, for describe() */
};

static void record_fini(struct r53_record *r)
{
    free(r->xml_before);
    free(r->xml_after);
    free(r->summary);
    memset(r, 0, sizeof *r);
    r->weight = -1;
    r->ttl = -1;
}

/* --- small helpers ------------------------------------------------------------------------ */

struct sbuf {
    char *s;
    size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static char *sb_take(struct sbuf *b)
{
    if (b->s == NULL)
        return xstrdup("");
    char *s = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* Percent-encodes a query value: only A-Z a-z 0-9 - _ . ~ are kept. */
static char *url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* A DNS name as Route53 prints it ("\052.example.com.", any case) equals want (lowercase, final
 * dot). Route53 escapes characters outside a-z0-9-. as \ooo octal. */
static bool name_eq(const char *got, const char *want)
{
    const char *g = got, *w = want;
    while (*g && *w) {
        int c = (unsigned char)*g;
        if (c == '\\' && g[1] >= '0' && g[1] <= '7' && g[2] >= '0' && g[2] <= '7' && g[3] >= '0' &&
            g[3] <= '7') {
            c = (g[1] - '0') * 64 + (g[2] - '0') * 8 + (g[3] - '0');
            g += 4;
        } else {
            g++;
        }
        if (tolower(c) != tolower((unsigned char)*w))
            return false;
        w++;
    }
    return *g == '\0' && *w == '\0';
}

/* Serializes an element of an AWS answer (no attributes, no mixed content) back to XML. */
static void xml_write(struct sbuf *b, const struct xml_node *n)
{
    sb_add(b, "<");
    sb_add(b, n->local);
    sb_add(b, ">");
    if (n->first_child != NULL) {
        for (const struct xml_node *c = n->first_child; c; c = c->next)
            xml_write(b, c);
    } else {
        char *e = xml_escape(n->text);
        sb_add(b, e);
        free(e);
    }
    sb_add(b, "</");
    sb_add(b, n->local);
    sb_add(b, ">");
}

/* --- reading ------------------------------------------------------------------------------ */

static void record_from_xml(struct r53_record *r, const struct xml_node *rr)
{
    record_fini(r);
    r->present = true;
    struct sbuf before = {0}, after = {0};
    bool past_weight = false;
    for (const struct xml_node *c = rr->first_child; c; c = c->next) {
        if (xml_is(c, "Weight")) {
            long w;
            r->weight = traffic_provider_parse_long(xml_text(c), 0, 255, &w) ? (int)w : -1;
            past_weight = true;
            continue;
        }
        xml_write(past_weight ? &after : &before, c);
    }
    r->xml_before = sb_take(&before);
    r->xml_after = sb_take(&after);
    long ttl;
    r->ttl = traffic_provider_parse_long(xml_path_text(rr, "TTL"), 0, 2147483647L, &ttl) ? ttl : -1;
    r->health_check = xml_child(rr, "HealthCheckId") != NULL;

    struct sbuf sum = {0};
    char buf[64];
    if (r->ttl >= 0) {
        snprintf(buf, sizeof buf, "TTL %ld", r->ttl);
        sb_add(&sum, buf);
    }
    const struct xml_node *alias = xml_child(rr, "AliasTarget");
    if (alias != NULL) {
        sb_add(&sum, sum.len ? ", alias " : "alias ");
        sb_add(&sum, xml_path_text(alias, "DNSName") ? xml_path_text(alias, "DNSName") : "?");
    }
    const struct xml_node *rrs = xml_child(rr, "ResourceRecords");
    size_t nv = 0;
    for (const struct xml_node *v = xml_child(rrs, "ResourceRecord"); v;
         v = xml_next(v, "ResourceRecord")) {
        sb_add(&sum, nv == 0 ? (sum.len ? ", " : "") : " ");
        sb_add(&sum, xml_path_text(v, "Value") ? xml_path_text(v, "Value") : "");
        nv++;
    }
    char *raw = sb_take(&sum);
    r->summary = text_sanitize(raw);
    free(raw);
}

/* Lists the records of the target's name and type, filling rec[old/new]. */
static int r53_list(struct traffic_provider *p, struct r53_record rec[2], struct error *err)
{
    struct r53 *r = p->impl;
    for (int s = 0; s < 2; s++)
        record_fini(&rec[s]);
    char *ename = url_encode(r->name), *etype = url_encode(r->type);
    char *path = xasprintf("/2013-04-01/hostedzone/%s/rrset?name=%s&type=%s&maxitems=100", r->zone,
                           ename, etype);
    free(ename);
    free(etype);
    int rc = 0;
    for (int page = 0;; page++) {
        if (page >= R53_PAGE_MAX) {
            error_set(err, "ListResourceRecordSets: more than %d pages", R53_PAGE_MAX);
            rc = -1;
            break;
        }
        struct aws_response resp;
        memset(&resp, 0, sizeof resp);
        if (aws_rest(r->client, "GET", "ListResourceRecordSets", path, NULL, NULL, &resp, err) <
            0) {
            aws_response_fini(&resp);
            rc = -1;
            break;
        }
        struct xml_node *root = NULL;
        if (xml_parse(resp.body, resp.len, "ListResourceRecordSets", &root, err) < 0) {
            aws_response_fini(&resp);
            rc = -1;
            break;
        }
        aws_response_fini(&resp);
        bool past = false; /* a record after ours: the rest of the zone follows */
        const struct xml_node *sets = xml_child(root, "ResourceRecordSets");
        for (const struct xml_node *rr = xml_child(sets, "ResourceRecordSet"); rr;
             rr = xml_next(rr, "ResourceRecordSet")) {
            const char *name = xml_path_text(rr, "Name"), *type = xml_path_text(rr, "Type");
            if (name == NULL || type == NULL || !name_eq(name, r->name) ||
                strcmp(type, r->type) != 0) {
                past = true;
                continue;
            }
            const char *id = xml_path_text(rr, "SetIdentifier");
            if (id == NULL)
                continue;
            for (int s = 0; s < 2; s++) {
                const char *want = s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id;
                if (want != NULL && strcmp(id, want) == 0)
                    record_from_xml(&rec[s], rr);
            }
        }
        const char *trunc = xml_path_text(root, "IsTruncated");
        const char *nname = xml_path_text(root, "NextRecordName");
        const char *ntype = xml_path_text(root, "NextRecordType");
        const char *nid = xml_path_text(root, "NextRecordIdentifier");
        bool more = !past && trunc != NULL && strcmp(trunc, "true") == 0 && nname != NULL &&
                    ntype != NULL && name_eq(nname, r->name) && strcmp(ntype, r->type) == 0;
        if (more) {
            free(path);
            char *en = url_encode(nname), *et = url_encode(ntype);
            char *ei = nid ? url_encode(nid) : NULL;
            path = xasprintf("/2013-04-01/hostedzone/%s/rrset?name=%s&type=%s%s%s&maxitems=100",
                             r->zone, en, et, ei ? "&identifier=" : "", ei ? ei : "");
            free(en);
            free(et);
            free(ei);
        }
        xml_free(root);
        if (!more)
            break;
    }
    free(path);
    return rc;
}

static int r53_read(struct traffic_provider *p, struct traffic_reading *out, struct error *err)
{
    struct r53 *r = p->impl;
    struct r53_record rec[2];
    memset(rec, 0, sizeof rec);
    if (r53_list(p, rec, err) < 0) {
        for (int s = 0; s < 2; s++)
            record_fini(&rec[s]);
        traffic_provider_err_target(err, p);
        return -1;
    }
    memset(out, 0, sizeof *out);
    for (int s = 0; s < 2; s++) {
        out->side[s].present = rec[s].present;
        out->side[s].weight = rec[s].present ? rec[s].weight : -1;
        /* Route53 reports no health of its own; a HealthCheckId's status is another API. */
        out->side[s].health = TRAFFIC_HEALTH_UNKNOWN;
        out->side[s].health_detail = NULL;
        out->side[s].observed_rps = -1;
    }
    long t0 = rec[0].present ? rec[0].ttl : -1, t1 = rec[1].present ? rec[1].ttl : -1;
    if (t0 >= 0 && t1 >= 0 && t0 != t1)
        out->detail = xasprintf("TTL %ld/%ld", t0, t1);
    else if (t0 >= 0 || t1 >= 0)
        out->detail = xasprintf("TTL %ld", t0 >= 0 ? t0 : t1);
    else if (rec[0].present || rec[1].present)
        out->detail = xstrdup("alias");
    for (int s = 0; s < 2; s++) {
        record_fini(&r->last[s]);
        r->last[s] = rec[s];
    }
    return 0;
}

/* --- describe and apply ------------------------------------------------------------------- */

static bool weights_ok(const struct traffic_weights *to, struct error *err)
{
    for (int s = 0; s < 2; s++)
        if (to->w[s] < 0 || to->w[s] > 255) {
            error_set(err, "Route53 weights are 0..255, not %d", to->w[s]);
            return false;
        }
    return true;
}

static int r53_describe(struct traffic_provider *p, const struct traffic_weights *to, char ***lines,
                        size_t *n, struct error *err)
{
    struct r53 *r = p->impl;
    if (!weights_ok(to, err)) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    struct sbuf b = {0};
    char buf[1024];
    snprintf(buf, sizeof buf, "route53 ChangeResourceRecordSets %s:", r->zone);
    sb_add(&b, buf);
    for (int s = 0; s < 2; s++) {
        const char *id = s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id;
        char was[32] = "?";
        if (r->last[s].present && r->last[s].weight >= 0)
            snprintf(was, sizeof was, "%d", r->last[s].weight);
        snprintf(buf, sizeof buf, "%s DELETE %s %s %s weight %s + CREATE weight %d", s ? "," : "",
                 r->name, r->type, id, was, to->w[s]);
        sb_add(&b, buf);
        if (r->last[s].present && r->last[s].summary && r->last[s].summary[0]) {
            snprintf(buf, sizeof buf, " (%s)", r->last[s].summary);
            sb_add(&b, buf);
        }
    }
    char *line = sb_take(&b);
    *lines = xmalloc(sizeof **lines);
    (*lines)[0] = text_sanitize(line);
    free(line);
    *n = 1;
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* GetChange until INSYNC, with backoff (100 ms doubling to 2 s), for at most timeout_ms. Returns
 * 0 when INSYNC, -1 otherwise with err saying the last status seen. */
static int r53_wait_insync(struct r53 *r, const char *change, double *took, struct error *err)
{
    double t0 = mono_s(), limit = r->insync_timeout_ms / 1000.0;
    int delay = 100;
    char *path = xasprintf("/2013-04-01/change/%s", change);
    char last[1024] = "PENDING";
    int rc = -1;
    for (;;) {
        struct aws_response resp;
        memset(&resp, 0, sizeof resp);
        struct error e;
        error_clear(&e);
        if (aws_rest(r->client, "GET", "GetChange", path, NULL, NULL, &resp, &e) == 0) {
            struct xml_node *root = NULL;
            if (xml_parse(resp.body, resp.len, "GetChange", &root, &e) == 0) {
                const char *st = xml_path_text(root, "ChangeInfo/Status");
                snprintf(last, sizeof last, "%s", st ? st : "?");
                xml_free(root);
                if (strcmp(last, "INSYNC") == 0) {
                    aws_response_fini(&resp);
                    rc = 0;
                    break;
                }
            } else {
                snprintf(last, sizeof last, "unreadable GetChange answer: %s", e.msg);
            }
        } else {
            /* GetChange changes nothing: asking again is safe. */
            snprintf(last, sizeof last, "GetChange failed: %s", e.msg);
        }
        aws_response_fini(&resp);
        if (mono_s() - t0 + delay / 1000.0 > limit) {
            error_set(err, "change %s not INSYNC after %.1f s (%s)", change, mono_s() - t0, last);
            break;
        }
        sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
    *took = mono_s() - t0;
    free(path);
    return rc;
}

static int r53_apply(struct traffic_provider *p, const struct traffic_weights *to,
                     struct traffic_apply_result *res, struct error *err)
{
    struct r53 *r = p->impl;
    memset(res, 0, sizeof *res);
    if (p->read_only)
        return traffic_provider_refuse_observer(p, "ChangeResourceRecordSets", res, err);
    if (!weights_ok(to, err)) {
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    /* The records as the last read() saw them (the change engine reads just before it applies,
     * and compares that reading with the preview): the DELETEs carry them exactly, so Route53
     * refuses the batch if either changed since. Without a read yet, one is made now. */
    struct r53_record rec[2];
    memset(rec, 0, sizeof rec);
    if (r->last[0].present || r->last[1].present) {
        for (int s = 0; s < 2; s++) {
            rec[s] = r->last[s];
            rec[s].xml_before = r->last[s].xml_before ? xstrdup(r->last[s].xml_before) : NULL;
            rec[s].xml_after = r->last[s].xml_after ? xstrdup(r->last[s].xml_after) : NULL;
            rec[s].summary = r->last[s].summary ? xstrdup(r->last[s].summary) : NULL;
        }
    } else if (r53_list(p, rec, err) < 0) {
        res->detail = xasprintf("nothing sent: %s", err->msg);
        for (int s = 0; s < 2; s++)
            record_fini(&rec[s]);
        traffic_provider_err_target(err, p);
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        const char *id = s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id;
        const char *why = !rec[s].present     ? "does not exist"
                          : rec[s].weight < 0 ? "is not a weighted record"
                                              : NULL;
        if (why != NULL) {
            error_set(err, "record %s %s %s %s; nothing sent", r->name, r->type, id, why);
            res->detail = xstrdup(err->msg);
            for (int k = 0; k < 2; k++)
                record_fini(&rec[k]);
            traffic_provider_err_target(err, p);
            return -1;
        }
    }
    struct sbuf b = {0};
    sb_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest "
               "xmlns=\"" R53_NS "\"><ChangeBatch><Comment>cutover: ");
    char *tname = xml_escape(p->cfg.name);
    sb_add(&b, tname);
    free(tname);
    sb_add(&b, "</Comment><Changes>");
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < 2; k++) {
            char w[32];
            snprintf(w, sizeof w, "<Weight>%d</Weight>", k == 0 ? rec[s].weight : to->w[s]);
            sb_add(&b, k == 0 ? "<Change><Action>DELETE</Action><ResourceRecordSet>"
                              : "<Change><Action>CREATE</Action><ResourceRecordSet>");
            sb_add(&b, rec[s].xml_before);
            sb_add(&b, w);
            sb_add(&b, rec[s].xml_after);
            sb_add(&b, "</ResourceRecordSet></Change>");
        }
    }
    sb_add(&b, "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
    for (int s = 0; s < 2; s++)
        record_fini(&rec[s]);
    char *body = sb_take(&b);
    char *path = xasprintf("/2013-04-01/hostedzone/%s/rrset/", r->zone);

    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    int rc = aws_rest(r->client, "POST", "ChangeResourceRecordSets", path, body, "application/xml",
                      &resp, err);
    free(body);
    free(path);
    if (rc < 0) {
        /* The DELETE precondition failed: the batch was refused whole, nothing changed. */
        const char *m = resp.error_message ? resp.error_message : "";
        bool conflict = !resp.refused && !resp.transport_error && resp.status == 400 &&
                        resp.error_code != NULL &&
                        strcmp(resp.error_code, "InvalidChangeBatch") == 0 &&
                        (strstr(m, "values provided do not match the current values") != NULL ||
                         strstr(m, "but it was not found") != NULL);
        traffic_provider_aws_failed(p, &resp, res, err);
        aws_response_fini(&resp);
        if (conflict) {
            res->conflict = true;
            free(res->detail);
            res->detail = xstrdup("changed since read: re-read and preview again (Route53 refused "
                                  "the whole batch: a record no longer has the values read)");
        }
        return -1;
    }
    res->sent = true;
    struct xml_node *root = NULL;
    char *change = NULL;
    if (xml_parse(resp.body, resp.len, "ChangeResourceRecordSets", &root, err) == 0) {
        const char *id = xml_path_text(root, "ChangeInfo/Id");
        if (id != NULL && *id) {
            const char *slash = strrchr(id, '/');
            change = xstrdup(slash ? slash + 1 : id);
        }
        xml_free(root);
    }
    aws_response_fini(&resp);
    if (change == NULL) {
        error_set(err, "ChangeResourceRecordSets answered without a change id; outcome unknown");
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    res->applied = 1;
    /* Route53 committed the batch: the records now hold these weights, so the next apply's
     * DELETEs match them without another read. */
    for (int s = 0; s < 2; s++)
        r->last[s].weight = to->w[s];
    double took = 0;
    if (r53_wait_insync(r, change, &took, err) < 0) {
        res->detail = xasprintf("change %s accepted but not confirmed: %s", change, err->msg);
        free(change);
        traffic_provider_err_target(err, p);
        return -1;
    }
    res->accepted = true;
    res->detail = xasprintf("change %s INSYNC after %.1f s", change, took);
    log_info("traffic %s: route53 change %s INSYNC (old %d, new %d)", p->cfg.name, change, to->w[0],
             to->w[1]);
    free(change);
    return 0;
}

static void r53_free(struct traffic_provider *p)
{
    struct r53 *r = p->impl;
    if (r == NULL)
        return;
    aws_client_free(r->client);
    for (int s = 0; s < 2; s++)
        record_fini(&r->last[s]);
    free(r->zone);
    free(r->name);
    free(r->type);
    free(r);
    p->impl = NULL;
}

static const struct traffic_provider_ops r53_ops = {
    .read = r53_read,
    .describe = r53_describe,
    .apply = r53_apply,
    .free = r53_free,
};

int traffic_route53_new(const struct traffic_target_cfg *cfg,
                        const struct traffic_provider_env *env, struct traffic_provider **out,
                        struct error *err)
{
    *out = NULL;
    const char *name = cfg->name ? cfg->name : "?";
    if (cfg->zone_id == NULL || cfg->record_name == NULL || cfg->old_id == NULL ||
        cfg->new_id == NULL) {
        error_set(err, "%s: route53 needs zone_id, record_name and both set identifiers", name);
        return -1;
    }
    const char *zone = cfg->zone_id;
    if (strncmp(zone, "/hostedzone/", 12) == 0)
        zone = zone + 12;
    for (const char *c = zone; *c; c++)
        if (!isalnum((unsigned char)*c)) {
            error_set(err, "%s: hosted zone id %s is not an id like Z0123ABC", name, zone);
            error_sanitize(err);
            return -1;
        }
    struct aws_client *client = NULL;
    if (traffic_provider_aws_client(cfg, env, "route53", &client, err) < 0)
        return -1;
    struct r53 *r = xcalloc(1, sizeof *r);
    r->client = client;
    r->zone = xstrdup(zone);
    size_t nl = strlen(cfg->record_name);
    r->name = nl && cfg->record_name[nl - 1] == '.' ? xstrdup(cfg->record_name)
                                                    : xasprintf("%s.", cfg->record_name);
    for (char *c = r->name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    r->type = xstrdup(cfg->record_type ? cfg->record_type : "A");
    r->insync_timeout_ms = env->insync_timeout_ms > 0 ? env->insync_timeout_ms : 60000;
    for (int s = 0; s < 2; s++)
        record_fini(&r->last[s]);
    *out = traffic_provider_alloc(&r53_ops, cfg, env, r);
    return 0;
}
