/* The Kubernetes API of one simulated cluster, on libmicrohttpd (thread per connection, so a
 * long watch blocks only its own thread). */
#include "sim_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>
#include <zlib.h>

#include "cutover/k8s_proto.h"
#include "cutover/xalloc.h"
#include "sim_gen.h"
#include "sim_json.h"
#include "sim_scenario.h"

#define MAX_BODY (16u << 20)

enum fmt { FMT_FULL, FMT_TABLE, FMT_POM };
enum incl { INCL_META, INCL_NONE, INCL_OBJECT };

struct req {
    struct sim_buf body;
    bool too_big;
};

/* ---- status objects --------------------------------------------------------------------- */

static char *status_json(int code, const char *reason, const char *message, const char *name,
                         const char *group, const char *kind)
{
    struct sim_buf b = {0};
    sim_buf_adds(&b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                     "\"Failure\",\"message\":");
    sim_buf_add_jstr(&b, message);
    sim_buf_adds(&b, ",\"reason\":");
    sim_buf_add_jstr(&b, reason);
    if (name || kind) {
        sim_buf_adds(&b, ",\"details\":{");
        bool first = true;
        if (name) {
            sim_buf_adds(&b, "\"name\":");
            sim_buf_add_jstr(&b, name);
            first = false;
        }
        if (group) {
            sim_buf_adds(&b, first ? "\"group\":" : ",\"group\":");
            sim_buf_add_jstr(&b, group);
            first = false;
        }
        if (kind) {
            sim_buf_adds(&b, first ? "\"kind\":" : ",\"kind\":");
            sim_buf_add_jstr(&b, kind);
        }
        sim_buf_add(&b, "}", 1);
    }
    sim_buf_addf(&b, ",\"code\":%d}", code);
    return sim_buf_take(&b);
}

static const char *reason_for(int code)
{
    switch (code) {
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "NotFound";
    case 405:
        return "MethodNotAllowed";
    case 406:
        return "NotAcceptable";
    case 409:
        return "Conflict";
    case 410:
        return "Expired";
    case 413:
        return "RequestEntityTooLarge";
    case 415:
        return "UnsupportedMediaType";
    case 422:
        return "Invalid";
    case 429:
        return "TooManyRequests";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "Timeout";
    default:
        return code >= 500 ? "InternalError" : "BadRequest";
    }
}

/* ---- responses: one streaming writer for everything (gzip, drop and truncate faults) ---- */

struct stream {
    struct sim_cluster *c;
    struct sim_buf out; /* raw bytes not yet handed out */
    size_t out_off;
    bool ended;     /* nothing more will be produced */
    bool error_end; /* end the connection without finishing the body (drop) */
    bool gzip;
    bool z_inited, z_finished;
    z_stream z;
    /* producers */
    int (*produce)(struct stream *s); /* appends to out or sets ended */
    enum fmt fmt;
    enum incl incl;
    enum sim_res res;
    bool pb; /* protobuf (pods and nodes, full objects only) */
    struct sim_page page;
    size_t idx;
    int phase;
    bool drop, truncate;
    bool invalid; /* the "invalid" fault: not-JSON bytes in place of one item or event */
    /* watch */
    char *ns;
    struct sim_filter filter;
    bool use_filter;
    uint64_t cursor;
    bool bookmarks;
    bool initial; /* send ADDED for the current objects first */
    bool first_event;
    struct timespec last_bm, deadline;
    bool has_deadline;
    bool send410;
    char status410[512];
};

static void stream_free(void *cls)
{
    struct stream *s = cls;
    sim_buf_fini(&s->out);
    sim_page_fini(&s->page);
    if (s->z_inited)
        deflateEnd(&s->z);
    free(s->ns);
    free(s);
}

static double mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Refills s->out (blocking for watches); false when nothing more comes. */
static bool refill(struct stream *s)
{
    while (s->out_off >= s->out.len) {
        if (s->ended)
            return false;
        sim_buf_clear(&s->out);
        s->out_off = 0;
        if (!s->produce) {
            s->ended = true;
            return false;
        }
        s->produce(s);
    }
    return true;
}

static size_t produce_direct(struct stream *s, char *buf, size_t max);

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *s = cls;
    if (!s->gzip) {
        if (s->out_off >= s->out.len) {
            size_t n = produce_direct(s, buf, max);
            if (n > 0)
                return (ssize_t)n;
        }
        if (!refill(s))
            return s->error_end ? MHD_CONTENT_READER_END_WITH_ERROR
                                : MHD_CONTENT_READER_END_OF_STREAM;
        size_t n = s->out.len - s->out_off;
        if (n > max)
            n = max;
        memcpy(buf, s->out.data + s->out_off, n);
        s->out_off += n;
        return (ssize_t)n;
    }
    if (s->z_finished)
        return MHD_CONTENT_READER_END_OF_STREAM;
    s->z.next_out = (unsigned char *)buf;
    s->z.avail_out = (unsigned)max;
    while (s->z.avail_out == max) {
        /* output zlib still holds from the last flush goes out before waiting for more */
        unsigned pending = 0;
        int bits = 0;
        deflatePending(&s->z, &pending, &bits);
        if ((pending > 0 || bits > 0) && s->out_off >= s->out.len) {
            s->z.next_in = NULL;
            s->z.avail_in = 0;
            if (deflate(&s->z, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        bool have = refill(s);
        if (!have && s->error_end)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (have) {
            s->z.next_in = (unsigned char *)s->out.data + s->out_off;
            s->z.avail_in = (unsigned)(s->out.len - s->out_off);
            /* watches flush every batch so that the client sees events at once */
            int rc = deflate(&s->z, s->produce && s->phase == 9 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
            s->out_off = s->out.len - s->z.avail_in;
            if (rc == Z_STREAM_ERROR)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        } else {
            int rc = deflate(&s->z, Z_FINISH);
            if (rc == Z_STREAM_END) {
                s->z_finished = true;
                break;
            }
            if (rc == Z_STREAM_ERROR)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
    size_t n = max - s->z.avail_out;
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)n;
}

static bool wants_gzip(struct MHD_Connection *conn)
{
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    return ae && strstr(ae, "gzip");
}

static struct stream *stream_new(struct sim_cluster *c, struct MHD_Connection *conn)
{
    struct stream *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->gzip = !c->sim->opts.no_gzip && wants_gzip(conn);
    if (s->gzip) {
        int level = c->sim->opts.gzip_level > 0 ? c->sim->opts.gzip_level : 1;
        if (deflateInit2(&s->z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            fatal("deflateInit2 failed");
        s->z_inited = true;
    }
    return s;
}

static enum MHD_Result queue_stream(struct MHD_Connection *conn, struct stream *s, int code,
                                    const char *ctype, uint64_t size)
{
    struct MHD_Response *r = MHD_create_response_from_callback(
        s->gzip ? MHD_SIZE_UNKNOWN : size, 256 * 1024, stream_read, s, stream_free);
    MHD_add_response_header(r, "Content-Type", ctype ? ctype : "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-cache, private");
    if (s->gzip) {
        MHD_add_response_header(r, "Content-Encoding", "gzip");
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)code, r);
    MHD_destroy_response(r);
    return ret;
}

struct reply {
    struct MHD_Connection *conn;
    struct sim_cluster *c;
    struct sim_fault_hit hit;
    const char *ctype;
    const char *retry_after;
    enum fmt fmt; /* the form Accept asked for */
    bool pb;      /* answer in protobuf (Status objects too) */
};

/* Sends a whole body of len bytes (taken): plain with Content-Length when nothing gets in the
 * way. */
static enum MHD_Result send_bytes(struct reply *rp, int code, char *body, size_t len)
{
    bool cut = rp->hit.drop || rp->hit.truncate;
    if (!cut && (rp->c->sim->opts.no_gzip || !wants_gzip(rp->conn) || len < 1024)) {
        struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, "Content-Type", rp->ctype ? rp->ctype : "application/json");
        MHD_add_response_header(r, "Cache-Control", "no-cache, private");
        if (rp->retry_after)
            MHD_add_response_header(r, "Retry-After", rp->retry_after);
        enum MHD_Result ret = MHD_queue_response(rp->conn, (unsigned)code, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct stream *s = stream_new(rp->c, rp->conn);
    if (cut) {
        len /= 2;
        s->error_end = rp->hit.drop;
    }
    sim_buf_add(&s->out, body, len);
    free(body);
    s->ended = true;
    /* a drop announces the full length and sends half; a truncation is a shorter body */
    return queue_stream(rp->conn, s, code, rp->ctype,
                        rp->hit.drop ? (uint64_t)len * 2 + 1 : (uint64_t)len);
}

/* Sends a whole NUL-terminated body (taken). */
static enum MHD_Result send_body(struct reply *rp, int code, char *body)
{
    return send_bytes(rp, code, body, strlen(body));
}

/* json (a JSON object of kind, taken) as an enveloped protobuf message; NULL when the schema
 * cannot carry it. */
static unsigned char *pb_enveloped(char *json, const char *kind, size_t *len)
{
    struct k8s_pbuf raw = {0}, env = {0};
    struct error err = {0};
    int rc = k8s_proto_from_json(kind, json, strlen(json), &raw, &err);
    free(json);
    if (rc < 0) {
        k8s_pbuf_fini(&raw);
        return NULL;
    }
    k8s_proto_envelope(&env, "v1", kind, raw.p, raw.len);
    k8s_pbuf_fini(&raw);
    *len = env.len;
    return env.p;
}

static enum MHD_Result send_status(struct reply *rp, int code, const char *reason,
                                   const char *message, const char *name, const char *group,
                                   const char *kind)
{
    struct sim_fault_hit keep = rp->hit;
    rp->hit.drop = rp->hit.truncate = false; /* errors are sent whole */
    rp->ctype = "application/json";
    char *json = status_json(code, reason ? reason : reason_for(code), message, name, group, kind);
    enum MHD_Result r;
    size_t len;
    unsigned char *pb;
    /* in the negotiated type, as kube-apiserver does */
    if (rp->pb && (pb = pb_enveloped(json, "Status", &len)) != NULL) {
        rp->ctype = K8S_PROTO_CONTENT_TYPE;
        sim_count_protobuf(rp->c->sim);
        r = send_bytes(rp, code, (char *)pb, len);
    } else {
        r = send_body(rp, code,
                      rp->pb ? status_json(code, reason ? reason : reason_for(code), message, name,
                                           group, kind)
                             : json);
    }
    rp->hit = keep;
    return r;
}

static enum MHD_Result send_st(struct reply *rp, const struct sim_status *st, enum sim_res r,
                               const char *name)
{
    return send_status(rp, st->code, st->reason, st->message, name, sim_res_table[r].group,
                       sim_res_table[r].name);
}

/* ---- request helpers ---------------------------------------------------------------------- */

static const char *arg(struct MHD_Connection *conn, const char *key)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *header(struct MHD_Connection *conn, const char *key)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, key);
}

/* The form Accept asks for, its first media type that names one we serve for r: protobuf
 * (pods and nodes, full objects), JSON, a Table or PartialObjectMetadata (JSON). Without Accept,
 * JSON. -1 when Accept names nothing we serve (406). */
static int negotiate(struct MHD_Connection *conn, enum sim_res r, enum fmt *f, bool *pb)
{
    *f = FMT_FULL;
    *pb = false;
    const char *a = header(conn, "Accept");
    if (!a || !*a)
        return 0;
    char *copy = xstrdup(a), *save = NULL;
    int rc = -1;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ' || *t == '\t')
            t++;
        size_t tl = strcspn(t, ";");
        while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
            tl--;
        bool table = strstr(t, "as=Table") != NULL;
        bool pom = strstr(t, "as=PartialObjectMetadata") != NULL;
        if (tl == strlen(K8S_PROTO_CONTENT_TYPE) &&
            strncasecmp(t, K8S_PROTO_CONTENT_TYPE, tl) == 0) {
            if (table || pom || !sim_res_has_pb(r))
                continue; /* not served as protobuf: the next alternative */
            *pb = true;
            rc = 0;
            break;
        }
        if ((tl == 16 && strncasecmp(t, "application/json", 16) == 0) ||
            (tl == 3 && strncmp(t, "*/*", 3) == 0) ||
            (tl == 13 && strncasecmp(t, "application/*", 13) == 0)) {
            *f = table ? FMT_TABLE : pom ? FMT_POM : FMT_FULL;
            rc = 0;
            break;
        }
    }
    free(copy);
    return rc;
}

/* 2 for aggregated discovery v2, 1 for v2beta1, 0 for the legacy form. */
static int accept_aggregated(struct MHD_Connection *conn)
{
    const char *a = header(conn, "Accept");
    if (!a)
        return 0;
    char *copy = xstrdup(a), *save = NULL;
    int v = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strstr(t, "as=APIGroupDiscoveryList") && strstr(t, "g=apidiscovery.k8s.io")) {
            if (strstr(t, "v=v2beta1")) {
                v = 1;
                break;
            }
            if (strstr(t, "v=v2")) {
                v = 2;
                break;
            }
        } else if (strstr(t, "application/json") || strstr(t, "*/*")) {
            break;
        }
    }
    free(copy);
    return v;
}

/* ---- discovery ---------------------------------------------------------------------------- */

static const char VERBS[] =
    "[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]";

/* The API groups served, each with its one version. */
static const struct {
    const char *group;
    const char *version;
} GROUPS[] = {{"apps", "v1"},
              {"coordination.k8s.io", "v1"},
              {"events.k8s.io", "v1"},
              {"external-secrets.io", "v1"}, /* and v1beta1: served_versions() */
              {"gateway.networking.k8s.io", "v1"}};
#define NGROUPS (sizeof GROUPS / sizeof GROUPS[0])

/* The version served for group ("v1" for the core group). */
static const char *group_version(const char *group)
{
    for (size_t g = 0; g < NGROUPS; g++)
        if (strcmp(GROUPS[g].group, group) == 0)
            return GROUPS[g].version;
    return "v1";
}

/* The versions cluster c serves of group, the preferred first (external-secrets.io: v1 and
 * v1beta1, or what the scenario says; any other group its one version). */
static size_t served_versions(const struct sim_cluster *c, const char *group, const char *out[2])
{
    size_t n = sim_scenario_group_versions(c->spec, group, out);
    if (n == 0) {
        out[0] = group_version(group);
        n = 1;
    }
    return n;
}

static void resource_list(struct sim_buf *b, const char *group, const char *version)
{
    sim_buf_adds(b, "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":");
    char gv[96];
    snprintf(gv, sizeof gv, "%s%s%s", group, *group ? "/" : "", version);
    sim_buf_add_jstr(b, gv);
    sim_buf_adds(b, ",\"resources\":[");
    bool first = true;
    for (int i = 0; i < SIM_RES_COUNT; i++) {
        const struct sim_res_info *ri = &sim_res_table[i];
        if (strcmp(ri->group, group) != 0)
            continue;
        sim_buf_addf(b,
                     "%s{\"name\":\"%s\",\"singularName\":\"%s\",\"namespaced\":%s,"
                     "\"kind\":\"%s\",\"verbs\":%s",
                     first ? "" : ",", ri->name, ri->singular, ri->namespaced ? "true" : "false",
                     ri->kind, VERBS);
        if (ri->short_names)
            sim_buf_addf(b, ",\"shortNames\":%s", ri->short_names);
        if (ri->categories)
            sim_buf_addf(b, ",\"categories\":%s", ri->categories);
        sim_buf_add(b, "}", 1);
        first = false;
        if (i == SIM_RES_PODS || i == SIM_RES_NODES || i == SIM_RES_DEPLOYMENTS ||
            i == SIM_RES_STATEFULSETS || i == SIM_RES_DAEMONSETS || i == SIM_RES_REPLICASETS ||
            i == SIM_RES_EXTERNALSECRETS || i == SIM_RES_CLUSTEREXTERNALSECRETS ||
            i == SIM_RES_SECRETSTORES || i == SIM_RES_CLUSTERSECRETSTORES ||
            i == SIM_RES_HTTPROUTES)
            sim_buf_addf(b,
                         ",{\"name\":\"%s/status\",\"singularName\":\"\",\"namespaced\":%s,"
                         "\"kind\":\"%s\",\"verbs\":[\"get\",\"patch\",\"update\"]}",
                         ri->name, ri->namespaced ? "true" : "false", ri->kind);
    }
    sim_buf_adds(b, "]}");
}

static void aggregated(struct sim_buf *b, const struct sim_cluster *c, bool core, int v)
{
    sim_buf_addf(b,
                 "{\"kind\":\"APIGroupDiscoveryList\",\"apiVersion\":\"apidiscovery.k8s.io/%s\","
                 "\"metadata\":{},\"items\":[",
                 v == 1 ? "v2beta1" : "v2");
    size_t ng = core ? 1 : NGROUPS;
    for (size_t g = 0; g < ng; g++) {
        const char *group = core ? "" : GROUPS[g].group;
        sim_buf_addf(b, "%s{\"metadata\":{", g ? "," : "");
        if (!core)
            sim_buf_addf(b, "\"name\":\"%s\",", group);
        const char *vers[2];
        size_t nv = served_versions(c, group, vers);
        sim_buf_adds(b, "\"creationTimestamp\":null},\"versions\":[");
        for (size_t vi = 0; vi < nv; vi++) {
            sim_buf_addf(b, "%s{\"version\":\"%s\",\"resources\":[", vi ? "," : "", vers[vi]);
            bool first = true;
            for (int i = 0; i < SIM_RES_COUNT; i++) {
                const struct sim_res_info *ri = &sim_res_table[i];
                if (strcmp(ri->group, group) != 0)
                    continue;
                sim_buf_addf(b,
                             "%s{\"resource\":\"%s\",\"responseKind\":{\"group\":\"%s\","
                             "\"version\":\"%s\",\"kind\":\"%s\"},\"scope\":\"%s\","
                             "\"singularResource\":\"%s\",\"verbs\":%s",
                             first ? "" : ",", ri->name, ri->group, vers[vi], ri->kind,
                             ri->namespaced ? "Namespaced" : "Cluster", ri->singular, VERBS);
                if (ri->short_names)
                    sim_buf_addf(b, ",\"shortNames\":%s", ri->short_names);
                if (ri->categories)
                    sim_buf_addf(b, ",\"categories\":%s", ri->categories);
                sim_buf_add(b, "}", 1);
                first = false;
            }
            sim_buf_adds(b, "],\"freshness\":\"Current\"}");
        }
        sim_buf_adds(b, "]}");
    }
    sim_buf_adds(b, "]}");
}

static void group_json(struct sim_buf *b, const struct sim_cluster *c, const char *group)
{
    const char *vers[2];
    size_t nv = served_versions(c, group, vers);
    sim_buf_addf(b, "{\"name\":\"%s\",\"versions\":[", group);
    for (size_t i = 0; i < nv; i++)
        sim_buf_addf(b, "%s{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}", i ? "," : "", group,
                     vers[i], vers[i]);
    sim_buf_addf(b, "],\"preferredVersion\":{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}}",
                 group, vers[0], vers[0]);
}

static enum MHD_Result serve_discovery(struct reply *rp, char **seg, int nseg)
{
    struct sim_buf b = {0};
    int agg = accept_aggregated(rp->conn);
    static const char *agg_ct[] = {
        NULL, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"};
    if (nseg == 1 && strcmp(seg[0], "api") == 0) {
        if (agg) {
            aggregated(&b, rp->c, true, agg);
            rp->ctype = agg_ct[agg];
        } else {
            sim_buf_addf(&b,
                         "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
                         "\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\","
                         "\"serverAddress\":\"127.0.0.1:%d\"}]}",
                         rp->c->port);
        }
    } else if (nseg == 1) { /* /apis */
        if (agg) {
            aggregated(&b, rp->c, false, agg);
            rp->ctype = agg_ct[agg];
        } else {
            sim_buf_adds(&b, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[");
            for (size_t g = 0; g < NGROUPS; g++) {
                if (g)
                    sim_buf_add(&b, ",", 1);
                group_json(&b, rp->c, GROUPS[g].group);
            }
            sim_buf_adds(&b, "]}");
        }
    } else if (nseg == 2 && strcmp(seg[0], "api") == 0) {
        if (strcmp(seg[1], "v1") != 0)
            goto nf;
        resource_list(&b, "", "v1");
    } else if (nseg == 2) { /* /apis/GROUP */
        size_t g;
        for (g = 0; g < NGROUPS; g++)
            if (strcmp(seg[1], GROUPS[g].group) == 0)
                break;
        if (g == NGROUPS)
            goto nf;
        sim_buf_adds(&b, "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",");
        struct sim_buf gj = {0};
        group_json(&gj, rp->c, GROUPS[g].group);
        sim_buf_add(&b, gj.data + 1, gj.len - 1);
        sim_buf_fini(&gj);
    } else { /* /apis/GROUP/v1 */
        size_t g;
        for (g = 0; g < NGROUPS; g++)
            if (strcmp(seg[1], GROUPS[g].group) == 0)
                break;
        const char *vers[2] = {NULL, NULL};
        size_t nv = g == NGROUPS ? 0 : served_versions(rp->c, GROUPS[g].group, vers);
        bool served = false;
        for (size_t i = 0; i < nv; i++)
            served = served || strcmp(seg[2], vers[i]) == 0;
        if (!served)
            goto nf;
        resource_list(&b, GROUPS[g].group, seg[2]);
    }
    return send_body(rp, 200, sim_buf_take(&b));
nf:
    sim_buf_fini(&b);
    return send_status(rp, 404, "NotFound", "the server could not find the requested resource",
                       NULL, NULL, NULL);
}

static enum MHD_Result serve_version(struct reply *rp)
{
    const char *v = rp->c->spec->version;
    int maj = 1, min = 0;
    sscanf(v, "v%d.%d", &maj, &min);
    bool plus = strchr(v, '-') != NULL;
    struct sim_buf b = {0};
    sim_buf_addf(&b, "{\"major\":\"%d\",\"minor\":\"%d%s\",\"gitVersion\":", maj, min,
                 plus ? "+" : "");
    sim_buf_add_jstr(&b, v);
    sim_buf_adds(&b, ",\"gitCommit\":\"0c6b28ae2b8f8fb7bb8b42f0ce2a1b2f33e4cd8b\","
                     "\"gitTreeState\":\"clean\",\"buildDate\":\"2024-10-23T00:00:00Z\","
                     "\"goVersion\":\"go1.22.8\",\"compiler\":\"gc\",\"platform\":"
                     "\"linux/amd64\"}");
    return send_body(rp, 200, sim_buf_take(&b));
}

/* ---- LIST --------------------------------------------------------------------------------- */

static void emit_item(struct stream *s, const struct sim_obj *o, time_t now)
{
    switch (s->fmt) {
    case FMT_FULL:
        sim_obj_emit(o, &s->out);
        break;
    case FMT_POM:
        sim_obj_emit_pom(o, &s->out);
        break;
    case FMT_TABLE:
        if (s->incl == INCL_META) {
            sim_obj_emit_row(o, now, &s->out);
        } else {
            /* a row with the whole object, or none */
            struct sim_buf tmp = {0};
            sim_obj_emit_row(o, now, &tmp);
            char *objpos = strstr(tmp.data, "],\"object\":");
            size_t cells_len = (size_t)(objpos - tmp.data) + 1;
            sim_buf_add(&s->out, tmp.data, cells_len);
            if (s->incl == INCL_OBJECT) {
                sim_buf_adds(&s->out, ",\"object\":");
                sim_obj_emit(o, &s->out);
            }
            sim_buf_add(&s->out, "}", 1);
            sim_buf_fini(&tmp);
        }
        break;
    }
}

static void list_header(struct stream *s)
{
    const struct sim_res_info *ri = &sim_res_table[s->res];
    struct sim_buf *b = &s->out;
    if (s->fmt == FMT_TABLE)
        sim_buf_adds(b, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{");
    else if (s->fmt == FMT_POM)
        sim_buf_adds(b, "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":"
                        "\"meta.k8s.io/v1\",\"metadata\":{");
    else
        sim_buf_addf(b, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{", ri->kind,
                     ri->api_version);
    sim_buf_adds(b, "\"resourceVersion\":\"");
    sim_buf_add_u64(b, s->page.rv);
    sim_buf_add(b, "\"", 1);
    if (s->page.next) {
        sim_buf_adds(b, ",\"continue\":\"");
        sim_buf_adds(b, s->page.next);
        sim_buf_add(b, "\"", 1);
    }
    if (s->page.remaining >= 0)
        sim_buf_addf(b, ",\"remainingItemCount\":%lld", s->page.remaining);
    sim_buf_add(b, "}", 1);
    if (s->fmt == FMT_TABLE) {
        sim_buf_adds(b, ",\"columnDefinitions\":");
        sim_buf_adds(b, ri->columns);
        sim_buf_adds(b, ",\"rows\":[");
    } else {
        sim_buf_adds(b, ",\"items\":[");
    }
}

/* ---- protobuf lists: envelope{typeMeta{v1, KindList}, raw = KindList{ListMeta, items}} --- */

/* The "invalid" fault in a protobuf list: an item whose bytes are no Pod or Node (a tag with
 * wire type 7). */
static const char PB_BAD_ITEM[] = "\x12\x04\xff\xff\xff\xff";
#define PB_BAD_ITEM_LEN 6

static void pb_list_meta(const struct sim_page *pg, struct k8s_pbuf *m)
{
    char rv[24];
    int n = snprintf(rv, sizeof rv, "%llu", (unsigned long long)pg->rv);
    k8s_pbuf_bytes_field(m, 1, "", 0); /* selfLink */
    k8s_pbuf_bytes_field(m, 2, rv, (size_t)n);
    k8s_pbuf_bytes_field(m, 3, pg->next ? pg->next : "", pg->next ? strlen(pg->next) : 0);
    if (pg->remaining >= 0)
        k8s_pbuf_varint_field(m, 4, (uint64_t)pg->remaining);
}

/* The bytes of one item in the list message: tag 2, length, the object. */
static size_t pb_item_len(const struct sim_obj *o)
{
    size_t n = sim_obj_pb_len(o);
    return 1 + k8s_proto_varint_len(n) + n;
}

static void emit_item_pb(struct sim_buf *b, const struct sim_obj *o)
{
    size_t n = sim_obj_pb_len(o);
    unsigned char hd[11];
    struct k8s_pbuf h = {hd, 0, sizeof hd};
    h.p[h.len++] = 0x12;
    k8s_pbuf_varint(&h, n);
    sim_buf_add(b, hd, h.len);
    sim_obj_emit_pb(o, b);
}

static void list_header_pb(struct stream *s)
{
    struct k8s_pbuf m = {0}, h = {0};
    pb_list_meta(&s->page, &m);
    size_t raw = 1 + k8s_proto_varint_len(m.len) + m.len;
    for (size_t i = 0; i < s->page.n; i++)
        raw += pb_item_len(s->page.items[i]);
    if (s->invalid && s->page.n)
        raw += PB_BAD_ITEM_LEN;
    char kind[64];
    snprintf(kind, sizeof kind, "%sList", sim_res_table[s->res].kind);
    k8s_proto_envelope_head(&h, sim_res_table[s->res].api_version, kind, raw);
    k8s_pbuf_bytes_field(&h, 1, m.p, m.len);
    sim_buf_add(&s->out, h.p, h.len);
    k8s_pbuf_fini(&m);
    k8s_pbuf_fini(&h);
}

static int produce_list(struct stream *s)
{
    time_t now = time(NULL);
    if (s->phase == 0) {
        if (s->pb)
            list_header_pb(s);
        else
            list_header(s);
        s->phase = 1;
    }
    size_t cut = (s->drop || s->truncate) ? s->page.n / 2 : (size_t)-1;
    while (s->phase == 1 && s->out.len < 256 * 1024) {
        if (s->idx == cut) {
            /* the fault: half of the next item, then the end (or a broken connection) */
            struct sim_buf tmp = {0};
            struct stream t2 = *s;
            t2.out = tmp;
            if (s->idx < s->page.n && s->pb)
                emit_item_pb(&t2.out, s->page.items[s->idx]);
            else if (s->idx < s->page.n)
                emit_item(&t2, s->page.items[s->idx], now);
            else if (s->pb)
                sim_buf_add(&t2.out, "\x12\x7f\x0a\x7d\x0a\x00", 6);
            else
                sim_buf_adds(&t2.out, "{\"kind\":\"Broken\",\"items\":[{\"x\":");
            sim_buf_add(&s->out, t2.out.data, t2.out.len / 2);
            sim_buf_fini(&t2.out);
            s->ended = true;
            s->error_end = s->drop;
            return 0;
        }
        if (s->idx >= s->page.n) {
            s->phase = 2;
            break;
        }
        if (s->pb) {
            if (s->invalid && s->idx == s->page.n / 2) /* the fault: corrupt bytes first */
                sim_buf_add(&s->out, PB_BAD_ITEM, PB_BAD_ITEM_LEN);
            emit_item_pb(&s->out, s->page.items[s->idx]);
        } else {
            if (s->idx)
                sim_buf_add(&s->out, ",", 1);
            if (s->invalid && s->idx == s->page.n / 2) /* the fault: this item is not JSON */
                sim_buf_adds(&s->out, "{\"metadata\":{\"name\":<not json>}},");
            emit_item(s, s->page.items[s->idx], now);
        }
        /* release what was sent: a full list must not hold every object twice */
        sim_obj_unref(s->page.items[s->idx]);
        s->page.items[s->idx] = NULL;
        s->idx++;
    }
    if (s->phase == 2) {
        if (s->pb)
            sim_buf_add(&s->out, K8S_PROTO_ENVELOPE_TAIL, K8S_PROTO_ENVELOPE_TAIL_LEN);
        else
            sim_buf_adds(&s->out, "]}");
        s->phase = 3;
        s->ended = true;
    }
    return 0;
}

/* The items of a plain list page straight into MHD's buffer, as many whole ones as fit: one copy
 * of each object instead of two (into s->out, then into buf). Returns the bytes written; 0 when
 * this does not apply (the list's head or tail, a fault, another format, an item larger than
 * buf), and produce_list takes over. */
static size_t produce_direct(struct stream *s, char *buf, size_t max)
{
    if (s->produce != produce_list || s->phase != 1 || s->fmt != FMT_FULL || s->drop ||
        s->truncate || s->invalid)
        return 0;
    /* a view over buf that never grows: every item is checked to fit (with its comma and the
     * NUL sim_buf keeps after the data) before it is written */
    struct sim_buf view = {buf, 0, max};
    while (s->idx < s->page.n) {
        const struct sim_obj *o = s->page.items[s->idx];
        size_t need = s->pb ? pb_item_len(o) + 1 : sim_obj_len(o) + (s->idx ? 1 : 0) + 1;
        if (view.len + need > max)
            break;
        if (s->pb) {
            emit_item_pb(&view, o);
        } else {
            if (s->idx)
                sim_buf_add(&view, ",", 1);
            sim_obj_emit(o, &view);
        }
        sim_obj_unref(s->page.items[s->idx]);
        s->page.items[s->idx] = NULL;
        s->idx++;
    }
    return view.len;
}

/* ---- WATCH -------------------------------------------------------------------------------- */

static const char *ev_name(enum sim_ev_type t)
{
    return t == SIM_EV_ADDED ? "ADDED" : t == SIM_EV_MODIFIED ? "MODIFIED" : "DELETED";
}

/* One protobuf watch frame, as kube-apiserver writes them (client-go's decoder reads them): a
 * 4-byte big-endian length, then the unenveloped WatchEvent{type, object: RawExtension{raw}}
 * whose raw is the enveloped object. */
static void pb_watch_frame(struct sim_buf *b, const char *type, const unsigned char *obj, size_t n)
{
    struct k8s_pbuf ev = {0};
    k8s_pbuf_bytes_field(&ev, 1, type, strlen(type));
    k8s_pbuf_varint(&ev, (2u << 3) | 2u);
    k8s_pbuf_varint(&ev, 1 + k8s_proto_varint_len(n) + n);
    k8s_pbuf_bytes_field(&ev, 1, obj, n);
    unsigned char be[4] = {(unsigned char)(ev.len >> 24), (unsigned char)(ev.len >> 16),
                           (unsigned char)(ev.len >> 8), (unsigned char)ev.len};
    sim_buf_add(b, be, 4);
    sim_buf_add(b, ev.p, ev.len);
    k8s_pbuf_fini(&ev);
}

static void emit_event_pb(struct stream *s, const char *type, const struct sim_obj *o)
{
    const struct sim_res_info *ri = &sim_res_table[s->res];
    if (!o->pb)
        return; /* the schema could not carry it (logged when it was stored) */
    struct sim_buf raw = {0};
    sim_obj_emit_pb(o, &raw);
    struct k8s_pbuf env = {0};
    k8s_proto_envelope(&env, ri->api_version, ri->kind, (const unsigned char *)raw.data, raw.len);
    pb_watch_frame(&s->out, type, env.p, env.len);
    k8s_pbuf_fini(&env);
    sim_buf_fini(&raw);
}

static void emit_event(struct stream *s, const char *type, const struct sim_obj *o)
{
    struct sim_buf *b = &s->out;
    if (s->pb) {
        emit_event_pb(s, type, o);
        return;
    }
    sim_buf_adds(b, "{\"type\":\"");
    sim_buf_adds(b, type);
    sim_buf_adds(b, "\",\"object\":");
    if (s->fmt == FMT_TABLE) {
        sim_buf_adds(b, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{"
                        "\"resourceVersion\":\"");
        sim_buf_add_u64(b, o->rv);
        sim_buf_adds(b, "\"},\"columnDefinitions\":");
        if (s->first_event) {
            sim_buf_adds(b, sim_res_table[s->res].columns);
            s->first_event = false;
        } else {
            sim_buf_adds(b, "null");
        }
        sim_buf_adds(b, ",\"rows\":[");
        emit_item(s, o, time(NULL));
        sim_buf_adds(b, "]}");
    } else {
        emit_item(s, o, time(NULL));
    }
    sim_buf_adds(b, "}\n");
}

static void emit_bookmark(struct stream *s)
{
    const struct sim_res_info *ri = &sim_res_table[s->res];
    if (s->pb) {
        char json[96];
        snprintf(json, sizeof json, "{\"metadata\":{\"resourceVersion\":\"%llu\"}}",
                 (unsigned long long)s->cursor);
        size_t len;
        unsigned char *env = pb_enveloped(xstrdup(json), ri->kind, &len);
        if (env)
            pb_watch_frame(&s->out, "BOOKMARK", env, len);
        free(env);
        return;
    }
    sim_buf_adds(&s->out, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"");
    sim_buf_adds(&s->out, s->fmt == FMT_POM ? "PartialObjectMetadata" : ri->kind);
    sim_buf_adds(&s->out, "\",\"apiVersion\":\"");
    sim_buf_adds(&s->out, s->fmt == FMT_POM ? "meta.k8s.io/v1" : ri->api_version);
    sim_buf_adds(&s->out, "\",\"metadata\":{\"resourceVersion\":\"");
    sim_buf_add_u64(&s->out, s->cursor);
    sim_buf_adds(&s->out, "\",\"creationTimestamp\":null}}}\n");
}

static void emit_error(struct stream *s, int code, const char *msg)
{
    char *st = status_json(code, reason_for(code), msg, NULL, NULL, NULL);
    size_t len;
    unsigned char *env;
    if (s->pb && (env = pb_enveloped(st, "Status", &len)) != NULL) {
        pb_watch_frame(&s->out, "ERROR", env, len);
        free(env);
        return;
    }
    if (s->pb) /* pb_enveloped took it */
        st = status_json(code, reason_for(code), msg, NULL, NULL, NULL);
    sim_buf_adds(&s->out, "{\"type\":\"ERROR\",\"object\":");
    sim_buf_adds(&s->out, st);
    sim_buf_adds(&s->out, "}\n");
    free(st);
}

static int produce_watch(struct stream *s)
{
    s->phase = 9; /* marks a watch for gzip flushing */
    if (s->send410) {
        emit_error(s, 410, s->status410);
        s->ended = true;
        return 0;
    }
    if (s->initial) {
        /* rv "0" or none: the current objects as ADDED events, then changes */
        while (s->idx < s->page.n && s->out.len < 256 * 1024) {
            emit_event(s, "ADDED", s->page.items[s->idx]);
            sim_obj_unref(s->page.items[s->idx]);
            s->page.items[s->idx] = NULL;
            s->idx++;
        }
        if (s->idx < s->page.n)
            return 0;
        s->initial = false;
        if (s->out.len)
            return 0;
    }
    int bm_ms = s->c->sim->opts.bookmark_ms > 0 ? s->c->sim->opts.bookmark_ms : 5000;
    for (;;) {
        double now = mono_now();
        if (s->has_deadline &&
            now >= (double)s->deadline.tv_sec + (double)s->deadline.tv_nsec / 1e9) {
            s->ended = true;
            return 0;
        }
        if (s->bookmarks &&
            (now - ((double)s->last_bm.tv_sec + (double)s->last_bm.tv_nsec / 1e9)) * 1000 >=
                bm_ms) {
            clock_gettime(CLOCK_MONOTONIC, &s->last_bm);
            emit_bookmark(s);
            return 0;
        }
        struct sim_event evs[64];
        struct sim_status st = {0};
        int wait = 1000;
        if (s->bookmarks && bm_ms < wait)
            wait = bm_ms;
        int n = sim_store_watch(s->c->store, s->res, s->ns, s->use_filter ? &s->filter : NULL,
                                &s->cursor, evs, 64, wait, &st);
        if (n == -2) {
            s->ended = true;
            return 0;
        }
        if (n == -1) {
            emit_error(s, 410, st.message);
            s->ended = true;
            return 0;
        }
        for (int i = 0; i < n; i++) {
            if (s->truncate && i == 0) {
                struct sim_buf keep = s->out;
                memset(&s->out, 0, sizeof s->out);
                emit_event(s, ev_name(evs[i].type), evs[i].obj);
                sim_buf_add(&keep, s->out.data, s->out.len / 2);
                sim_buf_fini(&s->out);
                s->out = keep;
                s->ended = true;
            } else if (!s->ended) {
                if (s->invalid && i == 0 && s->pb) /* the fault: a corrupt frame first */
                    sim_buf_add(&s->out, "\0\0\0\x04\xff\xff\xff\xff", 8);
                else if (s->invalid && i == 0) /* the fault: a line that is not JSON first */
                    sim_buf_adds(&s->out, "{\"type\":\"MODIFIED\",\"object\":<not json>}\n");
                emit_event(s, ev_name(evs[i].type), evs[i].obj);
            }
            sim_obj_unref(evs[i].obj);
        }
        if (n > 0) {
            if (s->drop) {
                s->ended = true;
                s->error_end = true;
            }
            return 0;
        }
    }
}

/* ---- the handler -------------------------------------------------------------------------- */

static enum incl incl_for(struct MHD_Connection *conn)
{
    const char *i = arg(conn, "includeObject");
    if (i && strcmp(i, "None") == 0)
        return INCL_NONE;
    if (i && strcmp(i, "Object") == 0)
        return INCL_OBJECT;
    return INCL_META;
}

static enum MHD_Result serve_list(struct reply *rp, enum sim_res r, const char *ns)
{
    struct MHD_Connection *conn = rp->conn;
    struct sim_filter f;
    struct sim_status st = {0};
    if (sim_filter_parse(arg(conn, "labelSelector"), arg(conn, "fieldSelector"), &f, &st) < 0)
        return send_st(rp, &st, r, NULL);
    const char *lim = arg(conn, "limit");
    size_t limit = 0;
    if (lim && *lim) {
        char *end;
        long long v = strtoll(lim, &end, 10);
        if (*end || v < 0)
            return send_status(rp, 400, "BadRequest", "invalid limit", NULL, NULL, NULL);
        limit = (size_t)v;
    }
    const char *cont = arg(conn, "continue");
    if (cont && *cont && rp->hit.list410) {
        st.code = 410;
        st.reason = "Expired";
        snprintf(st.message, sizeof st.message,
                 "The provided continue parameter is too old to display a consistent list "
                 "result. You can start a new list without the continue parameter, or use the "
                 "continue token in this response to retrieve the remainder of the results. "
                 "Continuing with the provided token results in an inconsistent list - objects "
                 "that were created, modified, or deleted between the time the first chunk was "
                 "returned and now may show up in the list.");
        return send_st(rp, &st, r, NULL);
    }
    struct stream *s = stream_new(rp->c, conn);
    s->res = r;
    s->fmt = rp->fmt;
    s->pb = rp->pb;
    s->incl = incl_for(conn);
    if (sim_store_list(rp->c->store, r, ns, &f, limit, cont, &s->page, &st) < 0) {
        stream_free(s);
        return send_st(rp, &st, r, NULL);
    }
    for (size_t i = 0; s->pb && i < s->page.n; i++)
        if (!s->page.items[i]->pb)
            s->pb = false; /* an object the schema cannot carry: the page goes as JSON */
    s->produce = produce_list;
    s->drop = rp->hit.drop;
    s->truncate = rp->hit.truncate;
    s->invalid = rp->hit.invalid;
    if (s->pb)
        sim_count_protobuf(rp->c->sim);
    return queue_stream(conn, s, 200, s->pb ? K8S_PROTO_CONTENT_TYPE : "application/json",
                        MHD_SIZE_UNKNOWN);
}

static enum MHD_Result serve_watch(struct reply *rp, enum sim_res r, const char *ns)
{
    struct MHD_Connection *conn = rp->conn;
    struct sim_status st = {0};
    struct stream *s = stream_new(rp->c, conn);
    if (sim_filter_parse(arg(conn, "labelSelector"), arg(conn, "fieldSelector"), &s->filter, &st) <
        0) {
        stream_free(s);
        return send_st(rp, &st, r, NULL);
    }
    s->use_filter = s->filter.n > 0;
    s->res = r;
    s->fmt = rp->fmt;
    s->pb = rp->pb;
    s->incl = incl_for(conn);
    s->first_event = true;
    s->ns = ns ? xstrdup(ns) : NULL;
    const char *bm = arg(conn, "allowWatchBookmarks");
    s->bookmarks = bm && strcmp(bm, "true") == 0;
    clock_gettime(CLOCK_MONOTONIC, &s->last_bm);
    const char *to = arg(conn, "timeoutSeconds");
    if (to && atoi(to) > 0) {
        clock_gettime(CLOCK_MONOTONIC, &s->deadline);
        s->deadline.tv_sec += atoi(to);
        s->has_deadline = true;
    }
    const char *rvs = arg(conn, "resourceVersion");
    if (!rvs || !*rvs || strcmp(rvs, "0") == 0) {
        s->initial = true;
        if (sim_store_list(rp->c->store, r, ns, s->use_filter ? &s->filter : NULL, 0, NULL,
                           &s->page, &st) < 0) {
            stream_free(s);
            return send_st(rp, &st, r, NULL);
        }
        s->cursor = s->page.rv;
    } else {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(rvs, &end, 10);
        if (errno || *end) {
            stream_free(s);
            return send_status(rp, 400, "BadRequest", "invalid resourceVersion", NULL, NULL, NULL);
        }
        s->cursor = v;
        if (v < sim_store_oldest_rv(rp->c->store)) {
            s->send410 = true;
            snprintf(s->status410, sizeof s->status410, "too old resource version: %llu (%llu)", v,
                     (unsigned long long)sim_store_oldest_rv(rp->c->store) + 1);
        }
    }
    if (rp->hit.watch410) {
        s->send410 = true;
        snprintf(s->status410, sizeof s->status410, "too old resource version: %s (%llu)",
                 rvs ? rvs : "0", (unsigned long long)sim_store_rv(rp->c->store));
    }
    s->produce = produce_watch;
    s->drop = rp->hit.drop;
    s->truncate = rp->hit.truncate;
    s->invalid = rp->hit.invalid;
    s->phase = 9;
    if (s->pb)
        sim_count_protobuf(rp->c->sim);
    return queue_stream(conn, s, 200, s->pb ? K8S_PROTO_WATCH_CONTENT_TYPE : "application/json",
                        MHD_SIZE_UNKNOWN);
}

static enum MHD_Result serve_object(struct reply *rp, const struct sim_obj *o, enum sim_res r,
                                    int code)
{
    enum fmt f = rp->fmt;
    if (rp->pb && o->pb) {
        const struct sim_res_info *ri = &sim_res_table[r];
        struct sim_buf raw = {0};
        sim_obj_emit_pb(o, &raw);
        struct k8s_pbuf env = {0};
        k8s_proto_envelope(&env, ri->api_version, ri->kind, (const unsigned char *)raw.data,
                           raw.len);
        sim_buf_fini(&raw);
        rp->ctype = K8S_PROTO_CONTENT_TYPE;
        sim_count_protobuf(rp->c->sim);
        return send_bytes(rp, code, (char *)env.p, env.len);
    }
    struct stream tmp = {.fmt = f, .incl = incl_for(rp->conn), .res = r};
    time_t now = time(NULL);
    if (f == FMT_TABLE) {
        sim_buf_adds(&tmp.out, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\","
                               "\"metadata\":{\"resourceVersion\":\"");
        sim_buf_add_u64(&tmp.out, o->rv);
        sim_buf_adds(&tmp.out, "\"},\"columnDefinitions\":");
        sim_buf_adds(&tmp.out, sim_res_table[r].columns);
        sim_buf_adds(&tmp.out, ",\"rows\":[");
        emit_item(&tmp, o, now);
        sim_buf_adds(&tmp.out, "]}");
    } else {
        emit_item(&tmp, o, now);
    }
    return send_body(rp, code, sim_buf_take(&tmp.out));
}

static bool is_mutating(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

static void now_stamp(char *out, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_object *jget(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, k, &v);
    return v;
}

static uint64_t meta_rv(json_object *o)
{
    json_object *v = jget(jget(o, "metadata"), "resourceVersion");
    const char *s = v ? json_object_get_string(v) : NULL;
    return s && *s ? strtoull(s, NULL, 10) : 0;
}

static enum MHD_Result serve_create(struct reply *rp, struct req *rq, enum sim_res r,
                                    const char *ns)
{
    json_object *o = json_tokener_parse(rq->body.data ? rq->body.data : "");
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return send_status(rp, 400, "BadRequest", "the body is not a JSON object", NULL, NULL,
                           NULL);
    }
    json_object *meta = jget(o, "metadata");
    if (!meta) {
        meta = json_object_new_object();
        json_object_object_add(o, "metadata", meta);
    }
    json_object *nsv = jget(meta, "namespace");
    if (ns && nsv && strcmp(json_object_get_string(nsv), ns) != 0) {
        json_object_put(o);
        return send_status(rp, 400, "BadRequest",
                           "the namespace of the provided object does not match the namespace "
                           "sent on the request",
                           NULL, NULL, NULL);
    }
    if (ns)
        json_object_object_add(meta, "namespace", json_object_new_string(ns));
    if (!jget(meta, "name") && jget(meta, "generateName")) {
        char sfx[8], *name;
        uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)o;
        sim_gen_suffix(&seed, sfx, 5);
        name = xasprintf("%s%s", json_object_get_string(jget(meta, "generateName")), sfx);
        json_object_object_add(meta, "name", json_object_new_string(name));
        free(name);
    }
    char uid[40], ts[40];
    sim_new_uid(rp->c->sim, uid);
    now_stamp(ts, sizeof ts);
    json_object_object_add(meta, "uid", json_object_new_string(uid));
    json_object_object_add(meta, "creationTimestamp", json_object_new_string(ts));
    struct error err = {0};
    struct sim_obj *obj = sim_json_obj(r, o, &err);
    json_object_put(o);
    if (!obj)
        return send_status(rp, 422, "Invalid", err.msg, NULL, NULL, NULL);
    struct sim_status st = {0};
    char *name = xstrdup(obj->name);
    struct sim_obj *keep = sim_obj_ref(obj);
    if (sim_store_create(rp->c->store, r, obj, &st) < 0) {
        sim_obj_unref(keep);
        enum MHD_Result ret = send_st(rp, &st, r, name);
        free(name);
        return ret;
    }
    free(name);
    enum MHD_Result ret = serve_object(rp, keep, r, 201);
    sim_obj_unref(keep);
    return ret;
}

/* Replaces current's object by o (uid and creationTimestamp kept). */
static struct sim_obj *rebuild(enum sim_res r, json_object *o, json_object *cur, struct error *err)
{
    json_object *meta = jget(o, "metadata"), *cmeta = jget(cur, "metadata");
    if (!meta || !json_object_is_type(meta, json_type_object)) {
        error_set(err, "metadata must be an object");
        return NULL;
    }
    static const char *keep[] = {"name", "namespace", "uid", "creationTimestamp"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_object *v = jget(cmeta, keep[i]);
        if (v)
            json_object_object_add(meta, keep[i], json_object_get(v));
    }
    return sim_json_obj(r, o, err);
}

static enum MHD_Result serve_update(struct reply *rp, struct req *rq, enum sim_res r,
                                    const char *ns, const char *name)
{
    json_object *o = json_tokener_parse(rq->body.data ? rq->body.data : "");
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return send_status(rp, 400, "BadRequest", "the body is not a JSON object", NULL, NULL,
                           NULL);
    }
    json_object *bn = jget(jget(o, "metadata"), "name");
    if (bn && strcmp(json_object_get_string(bn), name) != 0) {
        json_object_put(o);
        return send_status(rp, 400, "BadRequest",
                           "the name of the object does not match the name on the URL", NULL, NULL,
                           NULL);
    }
    uint64_t expect = meta_rv(o);
    struct sim_obj *cur = sim_store_get(rp->c->store, r, ns, name);
    struct sim_status st = {0};
    if (!cur) {
        json_object_put(o);
        char q[96];
        snprintf(q, sizeof q, "%s%s%s \"%s\" not found", sim_res_table[r].name,
                 *sim_res_table[r].group ? "." : "", sim_res_table[r].group, name);
        return send_status(rp, 404, "NotFound", q, name, sim_res_table[r].group,
                           sim_res_table[r].name);
    }
    json_object *cj = sim_json_parse_obj(cur);
    struct error err = {0};
    struct sim_obj *obj = rebuild(r, o, cj, &err);
    json_object_put(cj);
    json_object_put(o);
    sim_obj_unref(cur);
    if (!obj)
        return send_status(rp, 422, "Invalid", err.msg, name, NULL, NULL);
    struct sim_obj *keep = sim_obj_ref(obj);
    if (sim_store_update(rp->c->store, r, obj, expect, &st) < 0) {
        sim_obj_unref(keep);
        return send_st(rp, &st, r, name);
    }
    enum MHD_Result ret = serve_object(rp, keep, r, 200);
    sim_obj_unref(keep);
    return ret;
}

static enum MHD_Result serve_patch(struct reply *rp, struct req *rq, enum sim_res r, const char *ns,
                                   const char *name)
{
    const char *ct = header(rp->conn, "Content-Type");
    int kind; /* 0 merge, 1 json patch */
    if (ct && strncmp(ct, "application/json-patch+json", 27) == 0)
        kind = 1;
    else if (ct && (strncmp(ct, "application/merge-patch+json", 28) == 0 ||
                    strncmp(ct, "application/strategic-merge-patch+json", 38) == 0))
        kind = 0;
    else
        return send_status(rp, 415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media "
                           "types include: application/json-patch+json, "
                           "application/merge-patch+json, application/strategic-merge-patch+json",
                           NULL, NULL, NULL);
    json_object *patch = json_tokener_parse(rq->body.data ? rq->body.data : "");
    if (!patch) {
        return send_status(rp, 400, "BadRequest", "the patch is not valid JSON", NULL, NULL, NULL);
    }
    struct sim_status st = {0};
    for (int attempt = 0; attempt < 10; attempt++) {
        struct sim_obj *cur = sim_store_get(rp->c->store, r, ns, name);
        if (!cur) {
            json_object_put(patch);
            char q[160];
            snprintf(q, sizeof q, "%s%s%s \"%s\" not found", sim_res_table[r].name,
                     *sim_res_table[r].group ? "." : "", sim_res_table[r].group, name);
            return send_status(rp, 404, "NotFound", q, name, sim_res_table[r].group,
                               sim_res_table[r].name);
        }
        uint64_t cur_rv = cur->rv;
        json_object *cj = sim_json_parse_obj(cur);
        json_object *orig = NULL;
        json_object_deep_copy(cj, &orig, NULL);
        struct error err = {0};
        int rc = 0;
        uint64_t want = 0;
        if (kind == 0) {
            want = meta_rv(patch);
            sim_json_merge_patch(&cj, patch);
        } else {
            rc = sim_json_patch(&cj, patch, &err);
            /* as the API server: a resourceVersion the patch leaves (or sets) in the object
             * is a precondition (a failed "test" op is 422 above, a stale version 409) */
            if (rc == 0)
                want = meta_rv(cj);
        }
        sim_obj_unref(cur);
        if (rc < 0 || !cj || !json_object_is_type(cj, json_type_object)) {
            json_object_put(cj);
            json_object_put(orig);
            json_object_put(patch);
            return send_status(rp, 422, "Invalid", err.msg[0] ? err.msg : "bad patch", name, NULL,
                               NULL);
        }
        if (want && want != cur_rv) {
            json_object_put(cj);
            json_object_put(orig);
            json_object_put(patch);
            st.code = 409;
            st.reason = "Conflict";
            snprintf(st.message, sizeof st.message,
                     "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
                     "please apply your changes to the latest version and try again",
                     sim_res_table[r].name, name);
            return send_st(rp, &st, r, name);
        }
        struct sim_obj *obj = rebuild(r, cj, orig, &err);
        json_object_put(cj);
        json_object_put(orig);
        if (!obj) {
            json_object_put(patch);
            return send_status(rp, 422, "Invalid", err.msg, name, NULL, NULL);
        }
        struct sim_obj *keep = sim_obj_ref(obj);
        if (sim_store_update(rp->c->store, r, obj, cur_rv, &st) == 0) {
            json_object_put(patch);
            enum MHD_Result ret = serve_object(rp, keep, r, 200);
            sim_obj_unref(keep);
            return ret;
        }
        sim_obj_unref(keep);
        if (st.code != 409)
            break; /* deleted meanwhile */
    }
    json_object_put(patch);
    return send_st(rp, &st, r, name);
}

static enum MHD_Result serve_delete(struct reply *rp, struct req *rq, enum sim_res r,
                                    const char *ns, const char *name)
{
    uint64_t expect = 0;
    if (rq->body.len) {
        json_object *o = json_tokener_parse(rq->body.data);
        json_object *rv = jget(jget(o, "preconditions"), "resourceVersion");
        if (rv)
            expect = strtoull(json_object_get_string(rv), NULL, 10);
        json_object_put(o);
    }
    struct sim_obj *old = NULL;
    struct sim_status st = {0};
    if (sim_store_delete(rp->c->store, r, ns, name, expect, &old, &st) < 0)
        return send_st(rp, &st, r, name);
    enum MHD_Result ret = serve_object(rp, old, r, 200);
    sim_obj_unref(old);
    return ret;
}

static int split_path(char *path, char **seg, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(path, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
        seg[n++] = t;
    return n;
}

static enum MHD_Result route(struct reply *rp, struct req *rq, const char *url, const char *method)
{
    char *path = xstrdup(url);
    char *seg[12];
    int n = split_path(path, seg, 12);
    enum MHD_Result ret;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (n >= 1 && (strcmp(seg[0], "api") == 0 || strcmp(seg[0], "apis") == 0)) {
        bool core = strcmp(seg[0], "api") == 0;
        int base = core ? 2 : 3; /* segments before the resource part */
        if (n < base || (n == 2 && !core) || (n == base && get)) {
            if (n <= base && get) {
                ret = serve_discovery(rp, seg, n);
                goto out;
            }
        }
        if (n <= base) {
            ret = send_status(rp, 405, "MethodNotAllowed", "the server does not allow this method",
                              NULL, NULL, NULL);
            goto out;
        }
        const char *group = core ? "" : seg[1];
        const char *version = core ? seg[1] : seg[2];
        char **rest = seg + base;
        int nr = n - base;
        const char *ns = NULL, *name = NULL, *resname;
        bool sub = false;
        if (strcmp(rest[0], "namespaces") == 0 && nr >= 3) {
            ns = rest[1];
            resname = rest[2];
            name = nr >= 4 ? rest[3] : NULL;
            sub = nr >= 5;
            if (nr > 5)
                goto nf;
        } else {
            resname = rest[0];
            name = nr >= 2 ? rest[1] : NULL;
            sub = nr >= 3;
            if (nr > 3)
                goto nf;
        }
        if (sub) {
            const char *sr = ns ? rest[4] : rest[2];
            if (strcmp(sr, "status") != 0)
                goto nf;
        }
        int r = sim_res_lookup(group, version, resname);
        if (r < 0 || !sim_scenario_serves(rp->c->spec, group, version))
            goto nf;
        if (!sim_res_table[r].namespaced && ns) {
            /* /api/v1/namespaces/NS is the namespace object itself */
            goto nf;
        }
        if (sim_res_table[r].namespaced && !ns && name)
            goto nf;
        if (negotiate(rp->conn, (enum sim_res)r, &rp->fmt, &rp->pb) < 0) {
            ret = send_status(rp, 406, "NotAcceptable",
                              sim_res_has_pb((enum sim_res)r)
                                  ? "only the following media types are accepted: "
                                    "application/json, application/vnd.kubernetes.protobuf"
                                  : "only the following media types are accepted: "
                                    "application/json",
                              NULL, NULL, NULL);
            goto out;
        }
        const char *w = arg(rp->conn, "watch");
        bool watch = w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0);
        if (get) {
            if (name) {
                struct sim_obj *o = sim_store_get(rp->c->store, (enum sim_res)r, ns, name);
                if (!o) {
                    char q[400];
                    snprintf(q, sizeof q, "%s%s%s \"%s\" not found", sim_res_table[r].name,
                             *sim_res_table[r].group ? "." : "", sim_res_table[r].group, name);
                    ret = send_status(rp, 404, "NotFound", q, name, sim_res_table[r].group,
                                      sim_res_table[r].name);
                    goto out;
                }
                ret = serve_object(rp, o, (enum sim_res)r, 200);
                sim_obj_unref(o);
            } else if (watch) {
                ret = serve_watch(rp, (enum sim_res)r, ns);
            } else {
                ret = serve_list(rp, (enum sim_res)r, ns);
            }
        } else if (strcmp(method, "POST") == 0 && !name) {
            ret = serve_create(rp, rq, (enum sim_res)r, ns);
        } else if (strcmp(method, "PUT") == 0 && name) {
            ret = serve_update(rp, rq, (enum sim_res)r, ns, name);
        } else if (strcmp(method, "PATCH") == 0 && name) {
            ret = serve_patch(rp, rq, (enum sim_res)r, ns, name);
        } else if (strcmp(method, "DELETE") == 0 && name) {
            ret = serve_delete(rp, rq, (enum sim_res)r, ns, name);
        } else {
            ret = send_status(rp, 405, "MethodNotAllowed",
                              "the server does not allow this method on the requested resource",
                              NULL, NULL, NULL);
        }
        goto out;
    }
nf:
    if (n == 4 && strcmp(seg[0], "api") == 0 && strcmp(seg[2], "namespaces") == 0 && get) {
        /* GET /api/v1/namespaces/NAME */
        struct sim_obj *o = sim_store_get(rp->c->store, SIM_RES_NAMESPACES, "", seg[3]);
        if (o) {
            ret = serve_object(rp, o, SIM_RES_NAMESPACES, 200);
            sim_obj_unref(o);
            goto out;
        }
        char q[300];
        snprintf(q, sizeof q, "namespaces \"%s\" not found", seg[3]);
        ret = send_status(rp, 404, "NotFound", q, seg[3], "", "namespaces");
        goto out;
    }
    ret = send_status(rp, 404, "NotFound", "the server could not find the requested resource", NULL,
                      NULL, NULL);
out:
    free(path);
    return ret;
}

/* Whether the answer to url would be protobuf: for the errors sent before routing (faults, 401),
 * which kube-apiserver also writes in the negotiated type. */
static bool pb_for_url(struct MHD_Connection *conn, const char *url)
{
    if (strncmp(url, "/api/v1/", 8) != 0)
        return false;
    const char *rest = url + 8;
    if (strncmp(rest, "namespaces/", 11) == 0) {
        rest = strchr(rest + 11, '/');
        if (!rest)
            return false;
        rest++;
    }
    enum sim_res r;
    if (strncmp(rest, "pods", 4) == 0 && (rest[4] == 0 || rest[4] == '/'))
        r = SIM_RES_PODS;
    else if (strncmp(rest, "nodes", 5) == 0 && (rest[5] == 0 || rest[5] == '/'))
        r = SIM_RES_NODES;
    else
        return false;
    enum fmt f;
    bool pb;
    return negotiate(conn, r, &f, &pb) == 0 && pb;
}

static bool token_ok(struct sim_cluster *c, struct MHD_Connection *conn)
{
    const char *h = header(conn, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return false;
    const char *t = h + 7;
    size_t n = strlen(c->token);
    if (strlen(t) != n)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(t[i] ^ c->token[i]);
    return diff == 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct sim_cluster *c = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        rq = xcalloc(1, sizeof *rq);
        *con_cls = rq;
        sim_count_request(c->sim, c, method);
        sim_count_agent(c->sim, header(conn, "User-Agent"), is_mutating(method));
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->body.len + *upload_data_size > MAX_BODY)
            rq->too_big = true;
        else
            sim_buf_add(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct reply rp = {.conn = conn, .c = c, .pb = pb_for_url(conn, url)};
    const char *w = arg(conn, "watch");
    bool watch = w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0);
    const char *cont = arg(conn, "continue");
    sim_fault_match(&c->sim->faults, c->spec->context, url, watch, cont && *cont, &rp.hit);
    if (rp.hit.down)
        return MHD_NO; /* closes the connection */
    if (rp.hit.latency_ms > 0)
        usleep((useconds_t)rp.hit.latency_ms * 1000);
    if (rp.hit.status) {
        char ra[16];
        if (rp.hit.status == 429) {
            snprintf(ra, sizeof ra, "%d", rp.hit.retry_after);
            rp.retry_after = ra;
            return send_status(&rp, 429, "TooManyRequests",
                               "Too many requests, please try again later.", NULL, NULL, NULL);
        }
        return send_status(&rp, rp.hit.status, NULL, "injected fault", NULL, NULL, NULL);
    }
    bool public_path = strcmp(url, "/version") == 0 || strcmp(url, "/healthz") == 0 ||
                       strcmp(url, "/livez") == 0 || strcmp(url, "/readyz") == 0;
    if (!public_path && !token_ok(c, conn))
        return send_status(&rp, 401, "Unauthorized", "Unauthorized", NULL, NULL, NULL);
    if (rq->too_big)
        return send_status(&rp, 413, "RequestEntityTooLarge", "the request body is too large", NULL,
                           NULL, NULL);
    if (strcmp(url, "/version") == 0 || strcmp(url, "/version/") == 0)
        return serve_version(&rp);
    if (public_path) {
        struct MHD_Response *r = MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Type", "text/plain");
        enum MHD_Result ret = MHD_queue_response(conn, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    return route(&rp, rq, url, method);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct req *rq = *con_cls;
    if (!rq)
        return;
    sim_buf_fini(&rq->body);
    free(rq);
    *con_cls = NULL;
}

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)addr;
    (void)len;
    struct sim_cluster *c = cls;
    return sim_fault_refuse(&c->sim->faults, c->spec->context) ? MHD_NO : MHD_YES;
}

int sim_api_start(struct sim_cluster *c, int port, struct error *err)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                     MHD_USE_POLL | MHD_USE_TLS,
                                 0, accept_policy, c, handler, c, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&sa, MHD_OPTION_HTTPS_MEM_KEY,
                                 c->sim->tls.key_pem, MHD_OPTION_HTTPS_MEM_CERT,
                                 c->sim->tls.cert_pem, MHD_OPTION_NOTIFY_COMPLETED, completed, c,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_END);
    if (!c->daemon) {
        error_set(err, "cluster %s: cannot listen on 127.0.0.1:%d", c->spec->context, port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(c->daemon, MHD_DAEMON_INFO_BIND_PORT);
    c->port = info ? info->port : port;
    snprintf(c->url, sizeof c->url, "https://127.0.0.1:%d", c->port);
    return 0;
}

void sim_api_stop(struct sim_cluster *c)
{
    if (c->daemon) {
        MHD_stop_daemon(c->daemon);
        c->daemon = NULL;
    }
}

bool sim_api_is_mutating(const char *method)
{
    return is_mutating(method);
}
