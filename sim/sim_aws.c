/* The simulator's AWS endpoint: one plain-HTTP loopback server for Route53, ELBv2, STS, Secrets
 * Manager and the SSO portal. Every signed request is verified by recomputing its SigV4
 * signature with core/aws_sigv4.c from the request's own signed headers and X-Amz-Date; the keys
 * are the scenario's and those STS and SSO hand out. This file also answers STS and SSO, counts
 * requests and writes the AWS CLI profile files. */
#include "sim_aws.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cutover/aws_sigv4.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"
#include "sim_fault.h"
#include "sim_server.h"

#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"
#define MAX_BODY (1u << 20)
#define B32 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* A key pair the endpoint accepts: the scenario's, or one STS/SSO handed out. */
struct cred {
    char *akid;
    char *secret;
    char *token; /* NULL for long-term keys */
    struct sim_aws_principal who;
    time_t expires; /* 0: never */
};

struct counter {
    char *key;
    uint64_t n;
};

struct sim_aws {
    struct sim *sim;
    const struct sim_aws_spec *spec;
    struct MHD_Daemon *daemon;
    int port;
    char url[64];
    char *config_path;
    char *credentials_path;
    bool remove_files;
    struct sim_aws_r53 *r53; /* own locks */
    struct sim_aws_elb *elb;
    struct sim_aws_sm *sm;
    pthread_mutex_t mu;
    struct cred *creds;   /* mu */
    size_t ncreds;        /* mu */
    uint64_t total;       /* mu */
    uint64_t mutating;    /* mu */
    uint64_t sig_fail;    /* mu */
    struct counter *acts; /* mu: "route53:ChangeResourceRecordSets" -> n */
    size_t nacts;         /* mu */
};

/* ---- small helpers --------------------------------------------------------------------------- */

const char *sim_aws_param(const struct sim_aws_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

static char *form_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && text_hex_digit(s[i + 1]) >= 0 &&
                   text_hex_digit(s[i + 2]) >= 0) {
            *o++ = (char)(text_hex_digit(s[i + 1]) * 16 + text_hex_digit(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

void sim_aws_params_parse(struct sim_aws_params *p, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(s + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (s + i)) : j - i;
            p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
            p->v[p->n].name = form_decode(s + i, kl);
            p->v[p->n].value = eq ? form_decode(eq + 1, (size_t)(s + j - eq - 1)) : xstrdup("");
            p->n++;
        }
        i = j + 1;
    }
}

void sim_aws_params_fini(struct sim_aws_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].value);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

void sim_aws_xml_add(struct sim_buf *b, const char *s)
{
    char *e = xml_escape(s);
    sim_buf_adds(b, e);
    free(e);
}

void sim_aws_xml_elem(struct sim_buf *b, const char *tag, const char *s)
{
    sim_buf_addf(b, "<%s>", tag);
    sim_aws_xml_add(b, s ? s : "");
    sim_buf_addf(b, "</%s>", tag);
}

void sim_aws_xml_error(struct sim_aws_reply *r, int status, const char *xmlns, const char *code,
                       const char *msg, const char *request_id)
{
    struct sim_buf b = {0};
    sim_buf_addf(&b, "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type>",
                 xmlns, status >= 500 ? "Receiver" : "Sender");
    sim_aws_xml_elem(&b, "Code", code);
    sim_aws_xml_elem(&b, "Message", msg);
    sim_buf_adds(&b, "</Error>");
    sim_aws_xml_elem(&b, "RequestId", request_id ? request_id : "");
    sim_buf_adds(&b, "</ErrorResponse>\n");
    free(r->body);
    r->status = status;
    r->body = sim_buf_take(&b);
    r->content_type = "text/xml";
}

void sim_aws_json_error(struct sim_aws_reply *r, int status, const char *code, const char *msg)
{
    struct sim_buf b = {0};
    sim_buf_adds(&b, "{\"__type\":");
    sim_buf_add_jstr(&b, code);
    sim_buf_adds(&b, ",\"Message\":");
    sim_buf_add_jstr(&b, msg);
    sim_buf_adds(&b, "}");
    free(r->body);
    r->status = status;
    r->body = sim_buf_take(&b);
    r->content_type = "application/x-amz-json-1.1";
}

void sim_aws_iso_time(time_t t, char *out)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

void sim_aws_hash_id(const char *seed, const char *alphabet, size_t n, char *out)
{
    char hex[65];
    aws_sigv4_sha256_hex(seed, strlen(seed), hex);
    size_t alen = strlen(alphabet);
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(text_hex_digit(hex[(2 * i) % 64]) * 16 +
                                text_hex_digit(hex[(2 * i + 1) % 64])) +
                     i;
        out[i] = alphabet[v % alen];
    }
    out[n] = '\0';
}

void sim_aws_random_id(const char *alphabet, size_t n, char *out)
{
    unsigned char buf[256];
    size_t alen = strlen(alphabet);
    if (n > sizeof buf)
        n = sizeof buf;
    if (RAND_bytes(buf, (int)n) != 1)
        abort();
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[buf[i] % alen];
    out[n] = '\0';
}

static void request_id(char out[37])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1)
        abort();
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
}

const char *sim_aws_account(const struct sim_aws *a)
{
    return a->spec->account;
}

const char *sim_aws_region(const struct sim_aws *a)
{
    return a->spec->region;
}

int sim_aws_change_delay_ms(const struct sim_aws *a)
{
    return a->spec->change_delay_ms;
}

/* ---- the credential registry ----------------------------------------------------------------- */

static void cred_add(struct sim_aws *a, const char *akid, const char *secret, const char *token,
                     const struct sim_aws_principal *who, time_t expires)
{
    XPTHREAD(pthread_mutex_lock(&a->mu));
    a->creds = xreallocarray(a->creds, a->ncreds + 1, sizeof *a->creds);
    struct cred *c = &a->creds[a->ncreds++];
    c->akid = xstrdup(akid);
    c->secret = xstrdup(secret);
    c->token = token ? xstrdup(token) : NULL;
    c->who = *who;
    c->expires = expires;
    XPTHREAD(pthread_mutex_unlock(&a->mu));
}

/* Copies the secret, token and principal of akid; false when unknown. */
static bool cred_find(struct sim_aws *a, const char *akid, char **secret, char **token,
                      struct sim_aws_principal *who, time_t *expires)
{
    bool found = false;
    XPTHREAD(pthread_mutex_lock(&a->mu));
    for (size_t i = 0; i < a->ncreds; i++) {
        struct cred *c = &a->creds[i];
        if (strcmp(c->akid, akid) == 0) {
            *secret = xstrdup(c->secret);
            *token = c->token ? xstrdup(c->token) : NULL;
            *who = c->who;
            *expires = c->expires;
            found = true;
            break;
        }
    }
    XPTHREAD(pthread_mutex_unlock(&a->mu));
    return found;
}

static void secret_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* Mints temporary credentials for who, registers them, and appends the <Credentials> element
 * (xml) or the SSO roleCredentials JSON object (json). */
static void mint(struct sim_aws *a, const struct sim_aws_principal *who, int seconds,
                 struct sim_buf *b, bool json)
{
    char akid[21] = "ASIA", secret[41], token[241] = "IQoJb3JpZ2luX2VjE";
    sim_aws_random_id(B32, 16, akid + 4);
    sim_aws_random_id(B64, 40, secret);
    sim_aws_random_id(B64, 223, token + 17);
    time_t exp = time(NULL) + seconds;
    cred_add(a, akid, secret, token, who, exp);
    if (json) {
        sim_buf_adds(b, "{\"accessKeyId\":");
        sim_buf_add_jstr(b, akid);
        sim_buf_adds(b, ",\"secretAccessKey\":");
        sim_buf_add_jstr(b, secret);
        sim_buf_adds(b, ",\"sessionToken\":");
        sim_buf_add_jstr(b, token);
        sim_buf_addf(b, ",\"expiration\":%lld000}", (long long)exp);
    } else {
        char iso[32];
        sim_aws_iso_time(exp, iso);
        iso[19] = 'Z'; /* STS: no milliseconds */
        iso[20] = '\0';
        sim_buf_adds(b, "<Credentials>");
        sim_aws_xml_elem(b, "AccessKeyId", akid);
        sim_aws_xml_elem(b, "SecretAccessKey", secret);
        sim_aws_xml_elem(b, "SessionToken", token);
        sim_aws_xml_elem(b, "Expiration", iso);
        sim_buf_adds(b, "</Credentials>");
    }
    OPENSSL_cleanse(secret, sizeof secret);
}

/* ---- counters -------------------------------------------------------------------------------- */

static bool action_mutates(const char *action)
{
    static const char *const ro[] = {"Describe", "Get", "List", "AssumeRole"};
    if (!action || !*action)
        return false;
    for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++)
        if (strncmp(action, ro[i], strlen(ro[i])) == 0)
            return false;
    return true;
}

static void count(struct sim_aws *a, const char *service, const char *action, const char *ua)
{
    bool mut = action_mutates(action);
    char key[160];
    snprintf(key, sizeof key, "%s:%s", service ? service : "unknown",
             action && *action ? action : "unknown");
    XPTHREAD(pthread_mutex_lock(&a->mu));
    a->total++;
    if (mut)
        a->mutating++;
    size_t i;
    for (i = 0; i < a->nacts; i++)
        if (strcmp(a->acts[i].key, key) == 0)
            break;
    if (i == a->nacts) {
        a->acts = xreallocarray(a->acts, a->nacts + 1, sizeof *a->acts);
        a->acts[a->nacts].key = xstrdup(key);
        a->acts[a->nacts++].n = 0;
    }
    a->acts[i].n++;
    XPTHREAD(pthread_mutex_unlock(&a->mu));
    sim_count_agent(a->sim, ua, mut);
}

char *sim_aws_counts_json(struct sim_aws *a)
{
    struct sim_buf b = {0};
    XPTHREAD(pthread_mutex_lock(&a->mu));
    sim_buf_addf(&b,
                 "{\"total\":%llu,\"mutating\":%llu,\"signature_failures\":%llu,\"by_action\":{",
                 (unsigned long long)a->total, (unsigned long long)a->mutating,
                 (unsigned long long)a->sig_fail);
    for (size_t i = 0; i < a->nacts; i++) {
        if (i)
            sim_buf_adds(&b, ",");
        sim_buf_add_jstr(&b, a->acts[i].key);
        sim_buf_addf(&b, ":%llu", (unsigned long long)a->acts[i].n);
    }
    XPTHREAD(pthread_mutex_unlock(&a->mu));
    sim_buf_adds(&b, "}}");
    return sim_buf_take(&b);
}

void sim_aws_counts_reset(struct sim_aws *a)
{
    XPTHREAD(pthread_mutex_lock(&a->mu));
    a->total = a->mutating = a->sig_fail = 0;
    for (size_t i = 0; i < a->nacts; i++)
        free(a->acts[i].key);
    free(a->acts);
    a->acts = NULL;
    a->nacts = 0;
    XPTHREAD(pthread_mutex_unlock(&a->mu));
}

/* ---- requests -------------------------------------------------------------------------------- */

struct hdr {
    char *name;
    char *value;
};

struct aws_req {
    char *raw_uri; /* as sent: path and query, not decoded */
    struct sim_buf body;
    bool too_big;
    bool started;
};

struct rq_ctx {
    struct sim_aws *a;
    struct MHD_Connection *conn;
    struct aws_req *rq;
    const char *method;
    char *path; /* raw */
    const char *raw_query;
    struct sim_aws_params query; /* query string, then form body */
    struct hdr *hdrs;
    size_t nhdrs;
    const char *service;
    const char *action;
    char rid[37];
};

static enum MHD_Result hdr_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct rq_ctx *x = cls;
    x->hdrs = xreallocarray(x->hdrs, x->nhdrs + 1, sizeof *x->hdrs);
    x->hdrs[x->nhdrs].name = xstrdup(key);
    x->hdrs[x->nhdrs].value = xstrdup(value ? value : "");
    x->nhdrs++;
    return MHD_YES;
}

static const char *hdr(const struct rq_ctx *x, const char *name)
{
    for (size_t i = 0; i < x->nhdrs; i++)
        if (strcasecmp(x->hdrs[i].name, name) == 0)
            return x->hdrs[i].value;
    return NULL;
}

/* The XML namespace of a query/REST-XML service, NULL for the JSON ones. */
static const char *service_ns(const char *service)
{
    if (!service)
        return STS_NS;
    if (strcmp(service, "sts") == 0)
        return STS_NS;
    if (strcmp(service, "elasticloadbalancing") == 0)
        return "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
    if (strcmp(service, "route53") == 0)
        return "https://route53.amazonaws.com/doc/2013-04-01/";
    return NULL;
}

/* An error in the service's own format. code_json is the JSON services' name for it. */
static void svc_error(struct rq_ctx *x, struct sim_aws_reply *r, int status, const char *code,
                      const char *code_json, const char *msg)
{
    const char *ns = service_ns(x->service);
    if (x->service && strcmp(x->service, "sso") == 0) {
        struct sim_buf b = {0};
        sim_buf_adds(&b, "{\"message\":");
        sim_buf_add_jstr(&b, msg);
        sim_buf_adds(&b, "}");
        free(r->body);
        r->status = status;
        r->body = sim_buf_take(&b);
        r->content_type = "application/json";
        free(r->error_type);
        r->error_type = xstrdup(code_json ? code_json : code);
    } else if (ns) {
        sim_aws_xml_error(r, status, ns, code, msg, x->rid);
    } else {
        sim_aws_json_error(r, status, code_json ? code_json : code, msg);
    }
}

/* Parses "YYYYMMDDTHHMMSSZ". */
static bool amz_date(const char *s, time_t *out)
{
    struct tm tm = {0};
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9'))
            return false;
    tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
    tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
    tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
    tm.tm_hour = (s[9] - '0') * 10 + (s[10] - '0');
    tm.tm_min = (s[11] - '0') * 10 + (s[12] - '0');
    tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
    *out = timegm(&tm);
    return true;
}

/* The parts of "AKID/DATE/REGION/SERVICE/aws4_request". */
struct scope {
    char akid[128];
    char date[16];
    char region[32];
    char service[48];
};

static bool scope_parse(const char *s, size_t n, struct scope *sc)
{
    char buf[300];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *parts[5];
    char *save = NULL, *p = buf;
    for (int i = 0; i < 5; i++) {
        parts[i] = strtok_r(p, "/", &save);
        p = NULL;
        if (!parts[i])
            return false;
    }
    if (strtok_r(NULL, "/", &save) || strcmp(parts[4], "aws4_request") != 0)
        return false;
    if (strlen(parts[0]) >= sizeof sc->akid || strlen(parts[1]) != 8 ||
        strlen(parts[2]) >= sizeof sc->region || strlen(parts[3]) >= sizeof sc->service)
        return false;
    snprintf(sc->akid, sizeof sc->akid, "%s", parts[0]);
    snprintf(sc->date, sizeof sc->date, "%s", parts[1]);
    snprintf(sc->region, sizeof sc->region, "%s", parts[2]);
    snprintf(sc->service, sizeof sc->service, "%s", parts[3]);
    return true;
}

/* Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=... */
struct authz {
    bool present;
    bool sigv4;
    char *credential;
    char *signed_headers;
    char *signature;
};

static char *authz_field(const char *h, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = h; (p = strstr(p, key)); p += kl) {
        if (p != h && p[-1] != ' ' && p[-1] != ',')
            continue;
        const char *v = p + kl, *e = v;
        while (*e && *e != ',' && *e != ' ')
            e++;
        return xstrndup(v, (size_t)(e - v));
    }
    return NULL;
}

static void authz_parse(const char *h, struct authz *z)
{
    memset(z, 0, sizeof *z);
    if (!h)
        return;
    z->present = true;
    if (strncmp(h, "AWS4-HMAC-SHA256 ", 17) != 0)
        return;
    z->sigv4 = true;
    z->credential = authz_field(h + 17, "Credential=");
    z->signed_headers = authz_field(h + 17, "SignedHeaders=");
    z->signature = authz_field(h + 17, "Signature=");
}

static void authz_fini(struct authz *z)
{
    free(z->credential);
    free(z->signed_headers);
    free(z->signature);
}

static bool const_eq(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return false;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* The request's headers named in a ';'-separated list, minus the ones the signer adds itself. */
static struct aws_sigv4_header *signed_hdrs(const struct rq_ctx *x, const char *list, size_t *n)
{
    struct aws_sigv4_header *v = NULL;
    *n = 0;
    char *copy = xstrdup(list), *save = NULL;
    for (char *name = strtok_r(copy, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
        if (strcasecmp(name, "x-amz-date") == 0 || strcasecmp(name, "x-amz-security-token") == 0)
            continue;
        for (size_t i = 0; i < x->nhdrs; i++)
            if (strcasecmp(x->hdrs[i].name, name) == 0) {
                v = xreallocarray(v, *n + 1, sizeof *v);
                v[*n].name = x->hdrs[i].name;
                v[*n].value = x->hdrs[i].value;
                (*n)++;
            }
    }
    free(copy);
    return v;
}

#define MSG_SIG                                                                                    \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
#define MSG_TOKEN "The security token included in the request is invalid."

/* Checks the key, token and signature. On failure fills r and returns -1 (counted). */
static int verify(struct rq_ctx *x, struct sim_aws_reply *r, struct sim_aws_principal *who)
{
    struct sim_aws *a = x->a;
    struct authz z;
    authz_parse(hdr(x, "Authorization"), &z);
    bool presigned = !z.present && sim_aws_param(&x->query, "X-Amz-Signature") &&
                     sim_aws_param(&x->query, "X-Amz-Credential");
    int rc = -1;
    char *secret = NULL, *token = NULL, *url = NULL;
    struct aws_sigv4_header *sh = NULL;
    struct aws_sigv4_result res = {0};
    struct scope sc;
    const char *date_s, *sig, *slist, *cred_s, *tok_s;
    if (!z.present && !presigned) {
        svc_error(x, r, 403, "MissingAuthenticationToken", "MissingAuthenticationTokenException",
                  "Request is missing Authentication Token");
        goto out;
    }
    if (presigned) {
        cred_s = sim_aws_param(&x->query, "X-Amz-Credential");
        date_s = sim_aws_param(&x->query, "X-Amz-Date");
        slist = sim_aws_param(&x->query, "X-Amz-SignedHeaders");
        sig = sim_aws_param(&x->query, "X-Amz-Signature");
        tok_s = sim_aws_param(&x->query, "X-Amz-Security-Token");
        const char *alg = sim_aws_param(&x->query, "X-Amz-Algorithm");
        if (!alg || strcmp(alg, "AWS4-HMAC-SHA256") != 0 || !date_s || !slist) {
            svc_error(x, r, 403, "IncompleteSignature", "IncompleteSignatureException",
                      "AWS query-string parameters must include 'X-Amz-Algorithm', "
                      "'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', "
                      "'X-Amz-Date'.");
            goto out;
        }
    } else {
        if (!z.sigv4) {
            svc_error(x, r, 403, "IncompleteSignature", "IncompleteSignatureException",
                      "Authorization header requires the AWS4-HMAC-SHA256 algorithm.");
            goto out;
        }
        if (!z.credential || !z.signed_headers || !z.signature) {
            char msg[200];
            snprintf(msg, sizeof msg, "Authorization header requires '%s' parameter.",
                     !z.credential       ? "Credential"
                     : !z.signed_headers ? "SignedHeaders"
                                         : "Signature");
            svc_error(x, r, 403, "IncompleteSignature", "IncompleteSignatureException", msg);
            goto out;
        }
        cred_s = z.credential;
        date_s = hdr(x, "X-Amz-Date");
        slist = z.signed_headers;
        sig = z.signature;
        tok_s = hdr(x, "X-Amz-Security-Token");
        if (!date_s) {
            svc_error(x, r, 403, "IncompleteSignature", "IncompleteSignatureException",
                      "Authorization header requires existence of either a 'X-Amz-Date' or a "
                      "'Date' header.");
            goto out;
        }
    }
    time_t when;
    if (!scope_parse(cred_s, strlen(cred_s), &sc)) {
        svc_error(x, r, 403, "IncompleteSignature", "IncompleteSignatureException",
                  "Credential should be scoped to a valid region, service and date "
                  "(AKID/YYYYMMDD/REGION/SERVICE/aws4_request).");
        goto out;
    }
    if (!amz_date(date_s, &when) || strncmp(date_s, sc.date, 8) != 0) {
        svc_error(x, r, 403, "SignatureDoesNotMatch", "InvalidSignatureException",
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                  "date from HTTP.");
        goto out;
    }
    time_t expires;
    if (!cred_find(a, sc.akid, &secret, &token, who, &expires)) {
        svc_error(x, r, 403, "InvalidClientTokenId", "UnrecognizedClientException", MSG_TOKEN);
        goto out;
    }
    if ((token != NULL) != (tok_s != NULL && *tok_s) || (token && !const_eq(token, tok_s))) {
        svc_error(x, r, 403, "InvalidClientTokenId", "UnrecognizedClientException", MSG_TOKEN);
        goto out;
    }
    if (expires && expires < time(NULL)) {
        svc_error(x, r, 403, "ExpiredToken", "ExpiredTokenException",
                  "The security token included in the request is expired");
        goto out;
    }
    size_t nsh;
    sh = signed_hdrs(x, slist, &nsh);
    const char *host = hdr(x, "Host");
    struct aws_sigv4_request req = {
        .method = x->method,
        .headers = sh,
        .n_headers = nsh,
        .body = x->rq->body.data ? x->rq->body.data : "",
        .body_len = x->rq->body.len,
    };
    struct aws_sigv4_opts o = {.service = sc.service, .region = sc.region, .when = when};
    struct aws_sigv4_creds cr = {sc.akid, secret, token};
    struct error err = {0};
    int src;
    if (presigned) {
        /* the URL without the X-Amz-* signing parameters, the caller's in their order */
        struct sim_buf u = {0};
        sim_buf_addf(&u, "http://%s%s", host ? host : "127.0.0.1", x->path);
        const char *q = x->raw_query ? x->raw_query : "";
        bool first = true;
        while (*q) {
            const char *e = strchr(q, '&');
            size_t n = e ? (size_t)(e - q) : strlen(q);
            if (n && strncmp(q, "X-Amz-", 6) != 0) {
                sim_buf_adds(&u, first ? "?" : "&");
                sim_buf_add(&u, q, n);
                first = false;
            }
            q += n + (e ? 1 : 0);
        }
        url = sim_buf_take(&u);
        const char *ex = sim_aws_param(&x->query, "X-Amz-Expires");
        o.expires = ex ? strtol(ex, NULL, 10) : 0;
        req.url = url;
        src = aws_sigv4_presign(&req, &o, &cr, &res, &err);
        if (src == 0 && when + (o.expires ? o.expires : 3600) < time(NULL)) {
            svc_error(x, r, 403, "AccessDenied", "AccessDeniedException", "Request has expired");
            goto out;
        }
    } else {
        url = xasprintf("http://%s%s", host ? host : "127.0.0.1", x->rq->raw_uri);
        req.url = url;
        src = aws_sigv4_sign(&req, &o, &cr, &res, &err);
    }
    if (src < 0 || strcmp(res.signed_headers, slist) != 0 || !const_eq(res.signature, sig)) {
        char *msg = xasprintf("%s\n\nThe Canonical String for this request should have been\n'%s'"
                              "\n\nThe String-to-Sign should have been\n'%s'\n",
                              MSG_SIG, res.canonical_request ? res.canonical_request : "",
                              res.string_to_sign ? res.string_to_sign : "");
        svc_error(x, r, 403, "SignatureDoesNotMatch", "InvalidSignatureException", msg);
        free(msg);
        goto out;
    }
    const char *ph = hdr(x, "X-Amz-Content-SHA256");
    if (ph && strcmp(ph, "UNSIGNED-PAYLOAD") != 0) {
        char want[65];
        aws_sigv4_sha256_hex(req.body, req.body_len, want);
        if (strcmp(want, ph) != 0) {
            svc_error(x, r, 400, "XAmzContentSHA256Mismatch", "XAmzContentSHA256Mismatch",
                      "The provided 'x-amz-content-sha256' header does not match what was "
                      "computed.");
            goto out;
        }
    }
    rc = 0;
out:
    if (rc < 0) {
        XPTHREAD(pthread_mutex_lock(&a->mu));
        a->sig_fail++;
        XPTHREAD(pthread_mutex_unlock(&a->mu));
    }
    aws_sigv4_result_fini(&res);
    secret_free(secret);
    free(token);
    free(url);
    free(sh);
    authz_fini(&z);
    return rc;
}

/* ---- STS ---------------------------------------------------------------------------------------
 */

static const struct sim_aws_role_spec *role_find(const struct sim_aws *a, const char *arn)
{
    for (size_t i = 0; arn && i < a->spec->nroles; i++)
        if (strcmp(a->spec->roles[i].arn, arn) == 0)
            return &a->spec->roles[i];
    return NULL;
}

static const char *role_name(const char *arn)
{
    const char *s = strrchr(arn, '/');
    return s ? s + 1 : arn;
}

/* The IAM role ARN behind an assumed-role ARN ("arn:aws:sts::A:assumed-role/R/s"), or "". */
static void caller_role(const char *arn, char *out, size_t len)
{
    out[0] = '\0';
    const char *p = strstr(arn, ":assumed-role/");
    if (strncmp(arn, "arn:aws:sts::", 13) != 0 || !p)
        return;
    const char *r = p + 14, *e = strchr(r, '/');
    if (!e)
        return;
    snprintf(out, len, "arn:aws:iam::%.*s:role/%.*s", (int)(p - (arn + 13)), arn + 13, (int)(e - r),
             r);
}

static bool trusted(const struct sim_aws_role_spec *role, const struct sim_aws_principal *who)
{
    char via_role[300];
    caller_role(who->arn, via_role, sizeof via_role);
    char root[64];
    snprintf(root, sizeof root, "arn:aws:iam::%s:root", who->account);
    for (size_t i = 0; i < role->ntrust; i++) {
        const char *t = role->trust[i];
        if (strcmp(t, "*") == 0 || strcmp(t, who->arn) == 0 || strcmp(t, root) == 0 ||
            (via_role[0] && strcmp(t, via_role) == 0))
            return true;
    }
    return false;
}

static bool session_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 64)
        return false;
    for (const char *c = s; *c; c++)
        if (!(isalnum((unsigned char)*c) || strchr("_+=,.@-", *c)))
            return false;
    return true;
}

static void assumed(struct sim_aws *a, const struct sim_aws_role_spec *role, const char *session,
                    struct sim_aws_principal *p)
{
    char id[22] = "AROA";
    sim_aws_hash_id(role->arn, B32, 17, id + 4);
    const char *acct = role->arn + 13;
    const char *e = strchr(acct, ':');
    snprintf(p->account, sizeof p->account, "%.*s", e ? (int)(e - acct) : 12, acct);
    snprintf(p->arn, sizeof p->arn, "arn:aws:sts::%s:assumed-role/%s/%s", p->account,
             role_name(role->arn), session);
    snprintf(p->user_id, sizeof p->user_id, "%s:%s", id, session);
    (void)a;
}

static void sts_handle(struct rq_ctx *x, const struct sim_aws_principal *who,
                       struct sim_aws_reply *r)
{
    struct sim_aws *a = x->a;
    const char *act = x->action ? x->action : "";
    struct sim_buf b = {0};
    if (strcmp(act, "GetCallerIdentity") == 0) {
        sim_buf_adds(&b, "<GetCallerIdentityResponse xmlns=\"" STS_NS
                         "\">\n  <GetCallerIdentityResult>");
        sim_aws_xml_elem(&b, "Arn", who->arn);
        sim_aws_xml_elem(&b, "UserId", who->user_id);
        sim_aws_xml_elem(&b, "Account", who->account);
        sim_buf_adds(&b, "</GetCallerIdentityResult>\n  <ResponseMetadata>");
        sim_aws_xml_elem(&b, "RequestId", x->rid);
        sim_buf_adds(&b, "</ResponseMetadata>\n</GetCallerIdentityResponse>\n");
        goto ok;
    }
    bool web = strcmp(act, "AssumeRoleWithWebIdentity") == 0;
    if (strcmp(act, "AssumeRole") == 0 || web) {
        const char *arn = sim_aws_param(&x->query, "RoleArn");
        const char *session = sim_aws_param(&x->query, "RoleSessionName");
        const char *dur = sim_aws_param(&x->query, "DurationSeconds");
        const char *tok = sim_aws_param(&x->query, "WebIdentityToken");
        int seconds = dur ? atoi(dur) : 3600;
        if (!arn || !session || (web && !tok)) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "1 validation error detected: Value null at '%s' failed to satisfy "
                     "constraint: Member must not be null",
                     !arn       ? "roleArn"
                     : !session ? "roleSessionName"
                                : "webIdentityToken");
            svc_error(x, r, 400, "ValidationError", NULL, msg);
            return;
        }
        if (!session_name_ok(session)) {
            svc_error(x, r, 400, "ValidationError", NULL,
                      "1 validation error detected: Value at 'roleSessionName' failed to satisfy "
                      "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
            return;
        }
        if (seconds < 900 || seconds > 43200) {
            svc_error(x, r, 400, "ValidationError", NULL,
                      "1 validation error detected: Value at 'durationSeconds' failed to satisfy "
                      "constraint: Member must have value between 900 and 43200");
            return;
        }
        const struct sim_aws_role_spec *role = role_find(a, arn);
        if (web) {
            bool known = false, here = false;
            for (size_t i = 0; i < a->spec->nroles; i++)
                for (size_t j = 0; j < a->spec->roles[i].ntokens; j++)
                    if (const_eq(a->spec->roles[i].web_identity_tokens[j], tok)) {
                        known = true;
                        here |= &a->spec->roles[i] == role;
                    }
            if (!known) {
                svc_error(x, r, 400, "InvalidIdentityToken", NULL,
                          "Couldn't retrieve verification key from your identity provider,  "
                          "please reference AssumeRoleWithWebIdentity documentation for "
                          "requirements");
                return;
            }
            if (!here) {
                svc_error(x, r, 403, "AccessDenied", NULL,
                          "Not authorized to perform sts:AssumeRoleWithWebIdentity");
                return;
            }
        } else if (!role || !trusted(role, who)) {
            char *msg = xasprintf("User: %s is not authorized to perform: sts:AssumeRole on "
                                  "resource: %s",
                                  who->arn, arn);
            svc_error(x, r, 403, "AccessDenied", NULL, msg);
            free(msg);
            return;
        }
        struct sim_aws_principal p = {0};
        assumed(a, role, session, &p);
        sim_buf_addf(&b, "<%sResponse xmlns=\"" STS_NS "\">\n  <%sResult>", act, act);
        if (web) {
            sim_aws_xml_elem(&b, "SubjectFromWebIdentityToken", "system:serviceaccount:sim:sim");
            sim_aws_xml_elem(&b, "Audience", "sts.amazonaws.com");
            sim_aws_xml_elem(&b, "Provider", "oidc.eks.us-east-1.amazonaws.com/id/SIM");
        }
        sim_buf_adds(&b, "<AssumedRoleUser>");
        sim_aws_xml_elem(&b, "Arn", p.arn);
        sim_aws_xml_elem(&b, "AssumedRoleId", p.user_id);
        sim_buf_adds(&b, "</AssumedRoleUser>");
        mint(a, &p, seconds, &b, false);
        if (!web)
            sim_buf_adds(&b, "<PackedPolicySize>6</PackedPolicySize>");
        sim_buf_addf(&b, "</%sResult>\n  <ResponseMetadata>", act);
        sim_aws_xml_elem(&b, "RequestId", x->rid);
        sim_buf_addf(&b, "</ResponseMetadata>\n</%sResponse>\n", act);
        goto ok;
    }
    {
        char *msg = xasprintf("Could not find operation %s for version 2011-06-15", act);
        svc_error(x, r, 400, "InvalidAction", NULL, msg);
        free(msg);
        return;
    }
ok:
    r->status = 200;
    r->body = sim_buf_take(&b);
    r->content_type = "text/xml";
}

/* ---- SSO portal ---------------------------------------------------------------------------- */

static void sso_handle(struct rq_ctx *x, struct sim_aws_reply *r)
{
    struct sim_aws *a = x->a;
    const char *tok = hdr(x, "x-amz-sso_bearer_token");
    const char *acct = sim_aws_param(&x->query, "account_id");
    const char *role = sim_aws_param(&x->query, "role_name");
    if (strcmp(x->method, "GET") != 0) {
        svc_error(x, r, 404, "NotFound", "NotFoundException", "Not Found");
        return;
    }
    if (!tok || !a->spec->sso_access_token || !const_eq(tok, a->spec->sso_access_token)) {
        svc_error(x, r, 401, "UnauthorizedException", NULL, "Session token not found or invalid");
        return;
    }
    if (!acct || !role) {
        svc_error(x, r, 400, "InvalidRequestException", NULL,
                  "role_name and account_id are required");
        return;
    }
    const struct sim_aws_sso_role_spec *sr = NULL;
    for (size_t i = 0; i < a->spec->nsso_roles; i++)
        if (strcmp(a->spec->sso_roles[i].account, acct) == 0 &&
            strcmp(a->spec->sso_roles[i].role_name, role) == 0)
            sr = &a->spec->sso_roles[i];
    if (!sr) {
        svc_error(x, r, 403, "ForbiddenException", NULL, "No access");
        return;
    }
    struct sim_aws_principal p = {0};
    char h[11];
    sim_aws_hash_id(role, "0123456789abcdef", 10, h);
    snprintf(p.account, sizeof p.account, "%s", acct);
    snprintf(p.arn, sizeof p.arn, "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_%s/sso-user",
             acct, role, h);
    char id[22] = "AROA";
    sim_aws_hash_id(p.arn, B32, 17, id + 4);
    snprintf(p.user_id, sizeof p.user_id, "%s:sso-user", id);
    struct sim_buf b = {0};
    sim_buf_adds(&b, "{\"roleCredentials\":");
    mint(a, &p, 3600, &b, true);
    sim_buf_adds(&b, "}");
    r->status = 200;
    r->body = sim_buf_take(&b);
    r->content_type = "application/json";
}

/* ---- dispatch -------------------------------------------------------------------------------- */

/* Which service and action a request is for. */
static void classify(struct rq_ctx *x)
{
    struct authz z;
    authz_parse(hdr(x, "Authorization"), &z);
    struct scope sc;
    const char *cred = z.credential ? z.credential : sim_aws_param(&x->query, "X-Amz-Credential");
    const char *target = hdr(x, "X-Amz-Target");
    if (strncmp(x->path, "/federation/", 12) == 0)
        x->service = "sso";
    else if (strncmp(x->path, "/2013-04-01/", 12) == 0)
        x->service = "route53";
    else if (cred && scope_parse(cred, strlen(cred), &sc)) {
        static const char *const known[] = {"sts", "elasticloadbalancing", "route53",
                                            "secretsmanager"};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(sc.service, known[i]) == 0)
                x->service = known[i];
    } else if (target && strncmp(target, "secretsmanager.", 15) == 0)
        x->service = "secretsmanager";
    else if (sim_aws_param(&x->query, "Action")) {
        const char *v = sim_aws_param(&x->query, "Version");
        x->service = v && strcmp(v, "2015-12-01") == 0 ? "elasticloadbalancing" : "sts";
    }
    authz_fini(&z);
    if (!x->service)
        return;
    if (strcmp(x->service, "sso") == 0)
        x->action = "GetRoleCredentials";
    else if (strcmp(x->service, "route53") == 0)
        x->action = sim_aws_r53_action(x->method, x->path);
    else if (strcmp(x->service, "secretsmanager") == 0)
        x->action = target && strchr(target, '.') ? strchr(target, '.') + 1 : NULL;
    else
        x->action = sim_aws_param(&x->query, "Action");
}

struct drop_body {
    char *data;
    size_t len; /* bytes to send before failing */
};

static ssize_t drop_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct drop_body *d = cls;
    if (pos >= d->len)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = d->len - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, d->data + pos, n);
    return (ssize_t)n;
}

static void drop_free(void *cls)
{
    struct drop_body *d = cls;
    free(d->data);
    free(d);
}

static enum MHD_Result send_reply(struct rq_ctx *x, struct sim_aws_reply *r, bool drop)
{
    struct MHD_Response *resp;
    size_t len = r->body ? strlen(r->body) : 0;
    if (drop) {
        struct drop_body *d = xcalloc(1, sizeof *d);
        d->data = r->body ? r->body : xstrdup("");
        d->len = len / 2;
        resp = MHD_create_response_from_callback(len, 4096, drop_read, d, drop_free);
    } else {
        resp = MHD_create_response_from_buffer(len, r->body ? r->body : xstrdup(""),
                                               MHD_RESPMEM_MUST_FREE);
    }
    r->body = NULL;
    MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "text/xml");
    MHD_add_response_header(resp, "x-amzn-RequestId", x->rid);
    if (r->error_type)
        MHD_add_response_header(resp, "x-amzn-ErrorType", r->error_type);
    free(r->error_type);
    r->error_type = NULL;
    enum MHD_Result ret = MHD_queue_response(x->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char *fault_code(int status)
{
    switch (status) {
    case 400:
        return "Throttling";
    case 403:
        return "AccessDenied";
    case 429:
        return "TooManyRequestsException";
    case 503:
        return "ServiceUnavailable";
    default:
        return status >= 500 ? "InternalFailure" : "InjectedFault";
    }
}

static enum MHD_Result serve(struct rq_ctx *x)
{
    struct sim_aws *a = x->a;
    struct sim_aws_reply r = {0};
    const char *ct = hdr(x, "Content-Type");
    if (strcmp(x->method, "POST") == 0 && ct &&
        strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 && x->rq->body.len)
        sim_aws_params_parse(&x->query, x->rq->body.data, x->rq->body.len);
    classify(x);
    count(a, x->service, x->action, hdr(x, "User-Agent"));

    struct sim_fault_hit hit;
    sim_fault_match_aws(&a->sim->faults, x->service ? x->service : "", x->action ? x->action : "",
                        &hit);
    if (hit.down)
        return MHD_NO;
    if (hit.latency_ms > 0)
        usleep((useconds_t)hit.latency_ms * 1000);
    /* partial only means something for a change of several parts: elsewhere it is an error */
    bool partial_ok = x->action && (strcmp(x->action, "ChangeResourceRecordSets") == 0 ||
                                    strcmp(x->action, "ModifyListener") == 0 ||
                                    strcmp(x->action, "ModifyRule") == 0);
    if (hit.partial && !partial_ok)
        hit.partial = false;
    if (hit.status && !hit.partial) {
        svc_error(x, &r, hit.status, hit.code[0] ? hit.code : fault_code(hit.status),
                  hit.code[0] ? hit.code : fault_code(hit.status), "injected fault");
        return send_reply(x, &r, hit.drop);
    }
    if (x->rq->too_big) {
        svc_error(x, &r, 413, "RequestEntityTooLarge", NULL, "the request body is too large");
        return send_reply(x, &r, false);
    }
    if (!x->service) {
        svc_error(x, &r, 400, "UnrecognizedService", "UnknownOperationException",
                  "the simulator serves sts, elasticloadbalancing, route53, secretsmanager and "
                  "the SSO portal");
        return send_reply(x, &r, false);
    }
    struct sim_aws_principal who = {0};
    bool unsigned_ok =
        strcmp(x->service, "sso") == 0 ||
        (strcmp(x->service, "sts") == 0 && x->action &&
         strcmp(x->action, "AssumeRoleWithWebIdentity") == 0 && !hdr(x, "Authorization"));
    if (!unsigned_ok && verify(x, &r, &who) < 0)
        return send_reply(x, &r, false);

    struct sim_aws_call call = {
        .aws = a,
        .method = x->method,
        .path = x->path,
        .query = &x->query,
        .body = x->rq->body.data ? x->rq->body.data : "",
        .body_len = x->rq->body.len,
        .action = x->action ? x->action : "",
        .who = unsigned_ok ? NULL : &who,
        .partial_apply = hit.partial ? hit.apply : 0,
        .partial_status = hit.partial ? (hit.status ? hit.status : 500) : 0,
        .request_id = x->rid,
    };
    if (strcmp(x->service, "sts") == 0)
        sts_handle(x, &who, &r);
    else if (strcmp(x->service, "sso") == 0)
        sso_handle(x, &r);
    else if (strcmp(x->service, "route53") == 0)
        sim_aws_r53_handle(a->r53, &call, &r);
    else if (strcmp(x->service, "elasticloadbalancing") == 0)
        sim_aws_elb_handle(a->elb, &call, &r);
    else
        sim_aws_sm_handle(a->sm, &call, &r);
    if (!r.status) {
        svc_error(x, &r, 500, "InternalFailure", NULL, "no answer");
    }
    return send_reply(x, &r, hit.drop);
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct aws_req *rq = xcalloc(1, sizeof *rq);
    rq->raw_uri = xstrdup(uri ? uri : "/");
    return rq;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)url;
    struct sim_aws *a = cls;
    struct aws_req *rq = *con_cls;
    if (!rq)
        return MHD_NO;
    if (!rq->started) { /* the first call comes before the body */
        rq->started = true;
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
    struct rq_ctx x = {.a = a, .conn = conn, .rq = rq, .method = method};
    request_id(x.rid);
    const char *q = strchr(rq->raw_uri, '?');
    x.path = q ? xstrndup(rq->raw_uri, (size_t)(q - rq->raw_uri)) : xstrdup(rq->raw_uri);
    x.raw_query = q ? q + 1 : NULL;
    if (q)
        sim_aws_params_parse(&x.query, q + 1, strlen(q + 1));
    MHD_get_connection_values(conn, MHD_HEADER_KIND, hdr_iter, &x);
    enum MHD_Result ret = serve(&x);
    for (size_t i = 0; i < x.nhdrs; i++) {
        free(x.hdrs[i].name);
        free(x.hdrs[i].value);
    }
    free(x.hdrs);
    free(x.path);
    sim_aws_params_fini(&x.query);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct aws_req *rq = *con_cls;
    if (!rq)
        return;
    sim_buf_fini(&rq->body);
    free(rq->raw_uri);
    free(rq);
    *con_cls = NULL;
}

/* ---- files, start, stop ---------------------------------------------------------------------- */

static int write_file(const char *path, const char *text, struct error *err)
{
    char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error_set(err, "%s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error_set(err, "%s: %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return -1;
        }
        off += (size_t)n;
    }
    close(fd);
    int rc = rename(tmp, path);
    if (rc < 0) {
        error_set(err, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc < 0 ? -1 : 0;
}

static int write_profiles(struct sim_aws *a, struct error *err)
{
    char *cfg = xasprintf("[profile sim]\nregion = %s\noutput = json\n", a->spec->region);
    const struct sim_aws_cred_spec *c = &a->spec->creds[0];
    char *cr = xasprintf("[sim]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
                         c->access_key_id, c->secret_access_key);
    int rc = write_file(a->config_path, cfg, err);
    if (rc == 0)
        rc = write_file(a->credentials_path, cr, err);
    free(cfg);
    OPENSSL_cleanse(cr, strlen(cr));
    free(cr);
    return rc;
}

int sim_aws_start(struct sim *sim, const struct sim_aws_spec *spec, int port, const char *base,
                  struct sim_aws **out, struct error *err)
{
    struct sim_aws *a = xcalloc(1, sizeof *a);
    a->sim = sim;
    a->spec = spec;
    XPTHREAD(pthread_mutex_init(&a->mu, NULL));
    for (size_t i = 0; i < spec->ncreds; i++) {
        struct sim_aws_principal p = {0};
        const char *arn = spec->creds[i].arn;
        snprintf(p.arn, sizeof p.arn, "%s", arn);
        const char *acct = strncmp(arn, "arn:aws:iam::", 13) == 0 ? arn + 13 : NULL;
        const char *e = acct ? strchr(acct, ':') : NULL;
        if (acct && e)
            snprintf(p.account, sizeof p.account, "%.*s", (int)(e - acct), acct);
        else
            snprintf(p.account, sizeof p.account, "%s", spec->account);
        char id[22] = "AIDA";
        sim_aws_hash_id(arn, B32, 17, id + 4);
        snprintf(p.user_id, sizeof p.user_id, "%s", id);
        cred_add(a, spec->creds[i].access_key_id, spec->creds[i].secret_access_key, NULL, &p, 0);
    }
    a->r53 = sim_aws_r53_new(spec);
    a->elb = sim_aws_elb_new(spec);
    a->sm = sim_aws_sm_new(spec);
    a->config_path = xasprintf("%s.aws-config", base);
    a->credentials_path = xasprintf("%s.aws-credentials", base);
    if (write_profiles(a, err) < 0) {
        sim_aws_stop(a);
        return -1;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->daemon =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, handler, a, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_URI_LOG_CALLBACK, uri_log, a, MHD_OPTION_NOTIFY_COMPLETED,
                         completed, a, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!a->daemon) {
        error_set(err, "aws: cannot listen on 127.0.0.1:%d", port);
        sim_aws_stop(a);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_BIND_PORT);
    a->port = info ? info->port : port;
    snprintf(a->url, sizeof a->url, "http://127.0.0.1:%d", a->port);
    *out = a;
    return 0;
}

void sim_aws_set_remove_files(struct sim_aws *a, bool remove)
{
    a->remove_files = remove;
}

void sim_aws_stop(struct sim_aws *a)
{
    if (!a)
        return;
    if (a->daemon)
        MHD_stop_daemon(a->daemon);
    if (a->remove_files) {
        unlink(a->config_path);
        unlink(a->credentials_path);
    }
    free(a->config_path);
    free(a->credentials_path);
    sim_aws_r53_free(a->r53);
    sim_aws_elb_free(a->elb);
    sim_aws_sm_free(a->sm);
    for (size_t i = 0; i < a->ncreds; i++) {
        free(a->creds[i].akid);
        secret_free(a->creds[i].secret);
        free(a->creds[i].token);
    }
    free(a->creds);
    for (size_t i = 0; i < a->nacts; i++)
        free(a->acts[i].key);
    free(a->acts);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

const char *sim_aws_endpoint(const struct sim_aws *a)
{
    return a->url;
}

const char *sim_aws_config_path(const struct sim_aws *a)
{
    return a->config_path;
}

const char *sim_aws_credentials_path(const struct sim_aws *a)
{
    return a->credentials_path;
}

const char *sim_aws_key_id(const struct sim_aws *a)
{
    return a->spec->creds[0].access_key_id;
}

const char *sim_aws_key_secret(const struct sim_aws *a)
{
    return a->spec->creds[0].secret_access_key;
}

char *sim_aws_ready_json(const struct sim_aws *a)
{
    struct sim_buf b = {0};
    sim_buf_adds(&b, "{\"url\": ");
    sim_buf_add_jstr(&b, a->url);
    sim_buf_adds(&b, ", \"region\": ");
    sim_buf_add_jstr(&b, a->spec->region);
    sim_buf_adds(&b, ", \"profile\": \"sim\", \"config_file\": ");
    sim_buf_add_jstr(&b, a->config_path);
    sim_buf_adds(&b, ", \"credentials_file\": ");
    sim_buf_add_jstr(&b, a->credentials_path);
    sim_buf_adds(&b, "}");
    return sim_buf_take(&b);
}
