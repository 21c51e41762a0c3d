/* The simulator's AWS endpoint in-process: requests signed here with core/aws_sigv4.c and sent
 * with libcurl; what verifies and what is refused (wrong secret, tampered signed header, body hash
 * mismatch, no signature, unknown key, expired presigned URL), the EKS token form, Route53
 * GetChange timing and atomic batches, AWS faults (partial, error, validation), the aws:
 * scenario section's errors, and the counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "cutover/aws_eks_token.h"
#include "cutover/aws_sigv4.h"
#include "cutover/sim.h"
#include "cutover/xalloc.h"

#define CLUSTERS                                                                                   \
    "clusters:\n"                                                                                  \
    "  - {name: a, version: v1.24.17, nodes: [{zone: z1, count: 1}]}\n"                            \
    "  - {name: b, version: v1.29.1-eks-1, nodes: [{zone: z1, count: 1}]}\n"

#define AWS_SECTION                                                                                \
    "aws:\n"                                                                                       \
    "  account: \"222233334444\"\n"                                                                \
    "  change_delay_ms: 400\n"                                                                     \
    "  credentials:\n"                                                                             \
    "    - {access_key_id: AKIATESTKEY000000001, secret_access_key: test/secret/key/1, arn: "      \
    "\"arn:aws:iam::222233334444:user/tester\"}\n"                                                 \
    "  route53:\n"                                                                                 \
    "    - zone: t.example.\n"                                                                     \
    "      id: ZTEST1\n"                                                                           \
    "      records:\n"                                                                             \
    "        - {name: api.t.example, type: A, set_identifier: old, weight: 100, ttl: 60, "         \
    "values: [192.0.2.1]}\n"                                                                       \
    "        - {name: api.t.example, type: A, set_identifier: new, weight: 0, ttl: 60, "           \
    "values: [192.0.2.2]}\n"                                                                       \
    "  elbv2:\n"                                                                                   \
    "    target_groups: [{name: tg-old}, {name: tg-new}]\n"                                        \
    "    load_balancers:\n"                                                                        \
    "      - name: lb\n"                                                                           \
    "        listeners: [{port: 80, forward: {tg-old: 100, tg-new: 0}}]\n"                         \
    "  secrets:\n"                                                                                 \
    "    - {name: app/key, keys: {k: v}}\n"

#define KEY "AKIATESTKEY000000001"
#define SECRET "test/secret/key/1"

struct resp {
    long status;
    char *body;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    char **body = ud;
    size_t old = *body ? strlen(*body) : 0;
    *body = xrealloc(*body, old + size * n + 1);
    memcpy(*body + old, p, size * n);
    (*body)[old + size * n] = '\0';
    return size * n;
}

/* Sends method url with headers (NULL-ended "Name: value" strings) and body. */
static struct resp send_raw(const char *method, const char *url, const char *const *headers,
                            const char *body)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    h = curl_slist_append(h, "Expect:");
    struct resp r = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "test-sim-aws/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r.body)
        r.body = xstrdup("");
    return r;
}

struct signed_req {
    const char *method;
    const char *path; /* with the query */
    const char *body;
    const char *content_type;
    const char *target;   /* X-Amz-Target or NULL */
    const char *service;  /* signing name */
    const char *secret;   /* NULL: the right one */
    const char *tamper;   /* a signed header's value to send instead of the signed one */
    const char *body_sha; /* X-Amz-Content-SHA256 to send (signed), or NULL */
};

static struct resp send_signed(struct sim *sim, const struct signed_req *q)
{
    char url[512], host[64];
    snprintf(url, sizeof url, "%s%s", sim_aws_url(sim), q->path);
    snprintf(host, sizeof host, "%s", sim_aws_url(sim) + strlen("http://"));
    struct aws_sigv4_header hs[4];
    size_t n = 0;
    hs[n++] = (struct aws_sigv4_header){"Host", host};
    if (q->content_type)
        hs[n++] = (struct aws_sigv4_header){"Content-Type", q->content_type};
    if (q->target)
        hs[n++] = (struct aws_sigv4_header){"X-Amz-Target", q->target};
    if (q->body_sha)
        hs[n++] = (struct aws_sigv4_header){"X-Amz-Content-SHA256", q->body_sha};
    struct aws_sigv4_request req = {.method = q->method,
                                    .url = url,
                                    .headers = hs,
                                    .n_headers = n,
                                    .body = q->body,
                                    .body_len = q->body ? strlen(q->body) : 0};
    struct aws_sigv4_opts o = {.service = q->service, .region = "us-east-1", .when = time(NULL)};
    struct aws_sigv4_creds cr = {KEY, q->secret ? q->secret : SECRET, NULL};
    struct aws_sigv4_result res;
    struct error err = {0};
    assert_int_equal(aws_sigv4_sign(&req, &o, &cr, &res, &err), 0);
    char *hl[8];
    size_t k = 0;
    hl[k++] = xasprintf("Authorization: %s", res.authorization);
    hl[k++] = xasprintf("X-Amz-Date: %s", res.amz_date);
    if (q->content_type)
        hl[k++] = xasprintf("Content-Type: %s", q->tamper ? q->tamper : q->content_type);
    if (q->target)
        hl[k++] = xasprintf("X-Amz-Target: %s", q->target);
    if (q->body_sha)
        hl[k++] = xasprintf("X-Amz-Content-SHA256: %s", q->body_sha);
    hl[k] = NULL;
    struct resp r = send_raw(q->method, url, (const char *const *)hl, q->body);
    for (size_t i = 0; i < k; i++)
        free(hl[i]);
    aws_sigv4_result_fini(&res);
    return r;
}

static struct resp sts(struct sim *sim, const char *body, const char *secret)
{
    struct signed_req q = {.method = "POST",
                           .path = "/",
                           .body = body,
                           .content_type = "application/x-www-form-urlencoded; charset=utf-8",
                           .service = "sts",
                           .secret = secret};
    return send_signed(sim, &q);
}

static struct sim *start(const char *yaml)
{
    struct sim_opts opts = {.scenario_yaml = yaml, .no_churn = true};
    struct sim *sim = NULL;
    struct error err = {0};
    if (sim_start(&opts, &sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    return sim;
}

static struct sim *start_test(void)
{
    return start(CLUSTERS AWS_SECTION);
}

static json_object *aws_counts(struct sim *sim)
{
    char *s = sim_requests_json(sim);
    json_object *o = json_tokener_parse(s), *a = NULL;
    free(s);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "aws", &a));
    json_object_get(a);
    json_object_put(o);
    return a;
}

static int64_t count_of(json_object *a, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(a, key, &v))
        return -1;
    return json_object_get_int64(v);
}

static void test_ready_line_and_files(void **state)
{
    (void)state;
    struct sim *sim = start_test();
    assert_non_null(sim_aws_url(sim));
    assert_true(strncmp(sim_aws_url(sim), "http://127.0.0.1:", 17) == 0);
    json_object *r = json_tokener_parse(sim_ready_line(sim)), *aws, *v;
    assert_non_null(r);
    assert_true(json_object_object_get_ex(r, "aws", &aws));
    assert_true(json_object_object_get_ex(aws, "url", &v));
    assert_string_equal(json_object_get_string(v), sim_aws_url(sim));
    assert_true(json_object_object_get_ex(aws, "profile", &v));
    assert_string_equal(json_object_get_string(v), "sim");
    assert_true(json_object_object_get_ex(aws, "credentials_file", &v));
    assert_string_equal(json_object_get_string(v), sim_aws_credentials_file(sim));
    json_object_put(r);
    struct stat st;
    assert_int_equal(stat(sim_aws_credentials_file(sim), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(sim_aws_credentials_file(sim), "r");
    char buf[512] = {0};
    assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(buf, "[sim]\naws_access_key_id = " KEY "\n"));
    assert_string_equal(sim_aws_access_key_id(sim), KEY);
    char *path = xstrdup(sim_aws_config_file(sim));
    sim_stop(sim);
    /* a temporary kubeconfig's AWS files go with it */
    assert_int_equal(access(path, F_OK), -1);
    free(path);
    /* no aws: section, no endpoint */
    sim = start(CLUSTERS);
    assert_null(sim_aws_url(sim));
    assert_null(strstr(sim_ready_line(sim), "\"aws\""));
    sim_stop(sim);
}

static void test_signatures(void **state)
{
    (void)state;
    struct sim *sim = start_test();
    const char *gci = "Action=GetCallerIdentity&Version=2011-06-15";
    struct resp r = sts(sim, gci, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<Arn>arn:aws:iam::222233334444:user/tester</Arn>"));
    assert_non_null(strstr(r.body, "<Account>222233334444</Account>"));
    free(r.body);

    r = sts(sim, gci, "wrong/secret");
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "<Code>SignatureDoesNotMatch</Code>"));
    assert_non_null(strstr(r.body, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/"));
    free(r.body);

    /* a signed header changed on the way */
    struct signed_req q = {.method = "POST",
                           .path = "/",
                           .body = gci,
                           .content_type = "application/x-www-form-urlencoded",
                           .service = "sts",
                           .tamper = "application/x-www-form-urlencoded; charset=latin1"};
    r = send_signed(sim, &q);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "SignatureDoesNotMatch"));
    free(r.body);

    /* a signed body hash that is not the body's */
    q.tamper = NULL;
    q.body_sha = "0000000000000000000000000000000000000000000000000000000000000000";
    r = send_signed(sim, &q);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "XAmzContentSHA256Mismatch"));
    free(r.body);

    /* no signature at all */
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    char url[128];
    snprintf(url, sizeof url, "%s/", sim_aws_url(sim));
    r = send_raw("POST", url, h, gci);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "MissingAuthenticationToken"));
    free(r.body);

    /* an unknown key, and an Authorization without its Signature */
    const char *h2[] = {"Content-Type: application/x-www-form-urlencoded",
                        "X-Amz-Date: 20261123T120000Z",
                        "Authorization: AWS4-HMAC-SHA256 "
                        "Credential=AKIANOSUCHKEY0000000/20261123/us-east-1/sts/aws4_request, "
                        "SignedHeaders=host;x-amz-date, Signature=00",
                        NULL};
    r = send_raw("POST", url, h2, gci);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "InvalidClientTokenId"));
    free(r.body);
    const char *h3[] = {"X-Amz-Date: 20261123T120000Z",
                        "Authorization: AWS4-HMAC-SHA256 "
                        "Credential=" KEY "/20261123/us-east-1/sts/aws4_request, "
                        "SignedHeaders=host;x-amz-date",
                        NULL};
    r = send_raw("POST", url, h3, gci);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "<Code>IncompleteSignature</Code>"));
    free(r.body);

    /* Secrets Manager answers in its JSON form */
    struct signed_req sm = {.method = "POST",
                            .path = "/",
                            .body = "{\"SecretId\":\"app/key\"}",
                            .content_type = "application/x-amz-json-1.1",
                            .target = "secretsmanager.GetSecretValue",
                            .service = "secretsmanager"};
    r = send_signed(sim, &sm);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"SecretString\":\"{\\\"k\\\":\\\"v\\\"}\""));
    free(r.body);
    sm.secret = "wrong";
    r = send_signed(sim, &sm);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "\"__type\":\"InvalidSignatureException\""));
    free(r.body);

    json_object *a = aws_counts(sim);
    assert_int_equal(count_of(a, "signature_failures"), 7);
    json_object *by;
    assert_true(json_object_object_get_ex(a, "by_action", &by));
    assert_int_equal(count_of(by, "sts:GetCallerIdentity"), 7);
    assert_int_equal(count_of(by, "secretsmanager:GetSecretValue"), 2);
    json_object_put(a);
    sim_stop(sim);
}

static char *b64url_decode(const char *s)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(s);
    char *out = xcalloc(n, 1);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(al, s[i]);
        assert_non_null(p);
        acc = (acc << 6) | (unsigned)(p - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    return out;
}

static void test_eks_token_presigned(void **state)
{
    (void)state;
    struct sim *sim = start_test();
    struct aws_sigv4_creds cr = {KEY, SECRET, NULL};
    char *token = NULL;
    struct error err = {0};
    assert_int_equal(
        aws_eks_token_mint("b", "us-east-1", sim_aws_url(sim), &cr, time(NULL), &token, NULL, &err),
        0);
    assert_true(strncmp(token, "k8s-aws-v1.", 11) == 0);
    char *url = b64url_decode(token + 11);
    assert_true(strncmp(url, sim_aws_url(sim), strlen(sim_aws_url(sim))) == 0);
    const char *h[] = {"x-k8s-aws-id: b", NULL};
    struct resp r = send_raw("GET", url, h, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<Arn>arn:aws:iam::222233334444:user/tester</Arn>"));
    free(r.body);
    /* the cluster id is signed */
    const char *h2[] = {"x-k8s-aws-id: a", NULL};
    r = send_raw("GET", url, h2, NULL);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "SignatureDoesNotMatch"));
    free(r.body);
    free(url);
    free(token);
    /* minted two hours ago, valid for 60 s */
    assert_int_equal(aws_eks_token_mint("b", "us-east-1", sim_aws_url(sim), &cr, time(NULL) - 7200,
                                        &token, NULL, &err),
                     0);
    url = b64url_decode(token + 11);
    r = send_raw("GET", url, h, NULL);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "expired"));
    free(r.body);
    free(url);
    free(token);
    sim_stop(sim);
}

#define BATCH(a1, w1, a2, w2)                                                                      \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest "                  \
    "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch><Changes>"               \
    "<Change><Action>" a1 "</Action><ResourceRecordSet><Name>api.t.example.</Name><Type>A</Type>"  \
    "<SetIdentifier>old</SetIdentifier><Weight>" w1 "</Weight><TTL>60</TTL><ResourceRecords>"      \
    "<ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords>"                  \
    "</ResourceRecordSet></Change>"                                                                \
    "<Change><Action>" a2 "</Action><ResourceRecordSet><Name>api.t.example.</Name><Type>A</Type>"  \
    "<SetIdentifier>new</SetIdentifier><Weight>" w2 "</Weight><TTL>60</TTL><ResourceRecords>"      \
    "<ResourceRecord><Value>192.0.2.2</Value></ResourceRecord></ResourceRecords>"                  \
    "</ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"

static struct resp r53(struct sim *sim, const char *method, const char *path, const char *body)
{
    struct signed_req q = {.method = method,
                           .path = path,
                           .body = body,
                           .content_type = body ? "text/xml" : NULL,
                           .service = "route53"};
    return send_signed(sim, &q);
}

/* "old=W,new=W" from ListResourceRecordSets. */
static void weights(struct sim *sim, char *out, size_t len)
{
    struct resp r =
        r53(sim, "GET", "/2013-04-01/hostedzone/ZTEST1/rrset?name=api.t.example.&type=A", NULL);
    assert_int_equal(r.status, 200);
    out[0] = '\0';
    for (const char *p = r.body; (p = strstr(p, "<SetIdentifier>")); p++) {
        const char *w = strstr(p, "<Weight>");
        char one[64];
        snprintf(one, sizeof one, "%s%.*s=%ld", out[0] ? "," : "",
                 (int)(strchr(p + 15, '<') - (p + 15)), p + 15, strtol(w + 8, NULL, 10));
        strncat(out, one, len - strlen(out) - 1);
    }
    free(r.body);
}

static void test_route53_changes(void **state)
{
    (void)state;
    struct sim *sim = start_test();
    char w[128];
    weights(sim, w, sizeof w);
    assert_string_equal(w, "new=0,old=100");

    struct resp r = r53(sim, "POST", "/2013-04-01/hostedzone/ZTEST1/rrset/",
                        BATCH("UPSERT", "70", "UPSERT", "30"));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<Status>PENDING</Status>"));
    char *id = strstr(r.body, "<Id>/change/");
    assert_non_null(id);
    char path[128];
    snprintf(path, sizeof path, "/2013-04-01/change/%.*s", (int)(strchr(id + 12, '<') - (id + 12)),
             id + 12);
    free(r.body);
    weights(sim, w, sizeof w);
    assert_string_equal(w, "new=30,old=70");
    r = r53(sim, "GET", path, NULL);
    assert_non_null(strstr(r.body, "<Status>PENDING</Status>"));
    free(r.body);
    usleep(450 * 1000);
    r = r53(sim, "GET", path, NULL);
    assert_non_null(strstr(r.body, "<Status>INSYNC</Status>"));
    free(r.body);

    /* atomic: the valid first change is not kept when the second is refused */
    r = r53(sim, "POST", "/2013-04-01/hostedzone/ZTEST1/rrset/",
            BATCH("UPSERT", "0", "DELETE", "31"));
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "<Code>InvalidChangeBatch</Code>"));
    assert_non_null(strstr(r.body,
                           "Tried to delete resource record set [name=&apos;api.t.example."
                           "&apos;, type=&apos;A&apos;, set-identifier=&apos;new&apos;] but "
                           "the values provided do not match the current values"));
    free(r.body);
    weights(sim, w, sizeof w);
    assert_string_equal(w, "new=30,old=70");
    r = r53(sim, "POST", "/2013-04-01/hostedzone/ZTEST1/rrset/",
            BATCH("UPSERT", "256", "UPSERT", "0"));
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "<Code>InvalidInput</Code>"));
    free(r.body);

    /* the partial fault: the first change lands, then the error */
    assert_true(sim_fault_add(sim,
                              "{\"service\":\"route53\",\"action\":\"ChangeResourceRecordSets\","
                              "\"fault\":\"partial\",\"apply\":1,\"status\":503,\"count\":1}") > 0);
    r = r53(sim, "POST", "/2013-04-01/hostedzone/ZTEST1/rrset/",
            BATCH("UPSERT", "0", "UPSERT", "100"));
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "<Code>ServiceUnavailable</Code>"));
    free(r.body);
    weights(sim, w, sizeof w);
    assert_string_equal(w, "new=30,old=0");

    /* a plain error fault for one action leaves the others alone */
    assert_true(sim_fault_add(sim, "{\"service\":\"route53\",\"action\":\"GetChange\","
                                   "\"fault\":\"error\",\"status\":500,\"count\":1}") > 0);
    r = r53(sim, "GET", path, NULL);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "<Code>InternalFailure</Code>"));
    free(r.body);
    weights(sim, w, sizeof w);
    assert_string_equal(w, "new=30,old=0");

    r = r53(sim, "GET", "/2013-04-01/hostedzone/ZNONE/rrset", NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "NoSuchHostedZone"));
    free(r.body);
    json_object *a = aws_counts(sim);
    assert_int_equal(count_of(a, "mutating"), 4);
    json_object_put(a);
    sim_stop(sim);
}

static void test_elb_partial_and_validation(void **state)
{
    (void)state;
    struct sim *sim = start_test();
    struct signed_req q = {.method = "POST",
                           .path = "/",
                           .content_type = "application/x-www-form-urlencoded",
                           .service = "elasticloadbalancing"};
    q.body = "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=lb";
    struct resp r = send_signed(sim, &q);
    assert_int_equal(r.status, 200);
    char *arn = strstr(r.body, "<LoadBalancerArn>");
    assert_non_null(arn);
    char lb[256];
    snprintf(lb, sizeof lb, "%.*s", (int)(strchr(arn + 17, '<') - (arn + 17)), arn + 17);
    free(r.body);
    char *enc = aws_sigv4_uri_encode(lb, strlen(lb), false);
    char *body = xasprintf("Action=DescribeListeners&Version=2015-12-01&LoadBalancerArn=%s", enc);
    free(enc);
    q.body = body;
    r = send_signed(sim, &q);
    assert_int_equal(r.status, 200);
    char *la = strstr(r.body, "<ListenerArn>");
    char listener[256];
    snprintf(listener, sizeof listener, "%.*s", (int)(strchr(la + 13, '<') - (la + 13)), la + 13);
    /* the two target groups in the listener's order */
    char tg[2][256];
    const char *p = strstr(r.body, "<TargetGroups>");
    for (int i = 0; i < 2; i++) {
        p = strstr(p, "<TargetGroupArn>") + 16;
        snprintf(tg[i], sizeof tg[i], "%.*s", (int)(strchr(p, '<') - p), p);
    }
    free(r.body);
    free(body);
    char *le = aws_sigv4_uri_encode(listener, strlen(listener), false);
    char *t0 = aws_sigv4_uri_encode(tg[0], strlen(tg[0]), false);
    char *t1 = aws_sigv4_uri_encode(tg[1], strlen(tg[1]), false);
    const char *fc = "DefaultActions.member.1.ForwardConfig.TargetGroups.member";
    char *modify_bad = xasprintf(
        "Action=ModifyListener&Version=2015-12-01&ListenerArn=%s&DefaultActions.member.1.Type="
        "forward&%s.1.TargetGroupArn=%s&%s.1.Weight=1000&%s.2.TargetGroupArn=%s&%s.2.Weight=0",
        le, fc, t0, fc, fc, t1, fc);
    q.body = modify_bad;
    r = send_signed(sim, &q);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "<Code>ValidationError</Code>"));
    assert_non_null(strstr(r.body, "less than or equal to 999"));
    free(r.body);
    char *modify = xasprintf(
        "Action=ModifyListener&Version=2015-12-01&ListenerArn=%s&DefaultActions.member.1.Type="
        "forward&%s.1.TargetGroupArn=%s&%s.1.Weight=50&%s.2.TargetGroupArn=%s&%s.2.Weight=50",
        le, fc, t0, fc, fc, t1, fc);
    /* partial with apply 0: nothing changes, then the error */
    assert_true(sim_fault_add(sim, "{\"service\":\"elasticloadbalancing\",\"action\":"
                                   "\"ModifyListener\",\"fault\":\"partial\",\"apply\":0,"
                                   "\"count\":1}") > 0);
    q.body = modify;
    r = send_signed(sim, &q);
    assert_int_equal(r.status, 500);
    free(r.body);
    char *describe =
        xasprintf("Action=DescribeListeners&Version=2015-12-01&ListenerArns.member.1=%s", le);
    q.body = describe;
    r = send_signed(sim, &q);
    assert_non_null(strstr(r.body, "<Weight>100</Weight>"));
    assert_null(strstr(r.body, "<Weight>50</Weight>"));
    free(r.body);
    /* partial with apply 1: the change is made, the answer is still the error */
    assert_true(sim_fault_add(sim, "{\"service\":\"elasticloadbalancing\",\"action\":"
                                   "\"ModifyListener\",\"fault\":\"partial\",\"apply\":1,"
                                   "\"count\":1}") > 0);
    q.body = modify;
    r = send_signed(sim, &q);
    assert_int_equal(r.status, 500);
    free(r.body);
    q.body = describe;
    r = send_signed(sim, &q);
    assert_null(strstr(r.body, "<Weight>100</Weight>"));
    assert_non_null(strstr(r.body, "<Weight>50</Weight>"));
    free(r.body);
    free(describe);
    free(modify);
    free(modify_bad);
    free(le);
    free(t0);
    free(t1);
    sim_stop(sim);
}

static void test_fault_validation(void **state)
{
    (void)state;
    struct sim *sim = start_test();
    assert_int_equal(sim_fault_add(sim, "{\"service\":\"ec2\",\"fault\":\"error\"}"), -EINVAL);
    assert_int_equal(sim_fault_add(sim, "{\"fault\":\"partial\"}"), -EINVAL);
    assert_int_equal(sim_fault_add(sim, "{\"service\":\"sts\",\"fault\":\"watch410\"}"), -EINVAL);
    /* an AWS "down" fault closes AWS connections, never the clusters' */
    assert_true(sim_fault_add(sim, "{\"service\":\"sts\",\"fault\":\"down\",\"count\":1}") > 0);
    struct resp r = sts(sim, "Action=GetCallerIdentity&Version=2011-06-15", NULL);
    assert_int_equal(r.status, 0);
    free(r.body);
    r = sts(sim, "Action=GetCallerIdentity&Version=2011-06-15", NULL);
    assert_int_equal(r.status, 200);
    free(r.body);
    sim_stop(sim);
}

struct worker {
    struct sim *sim;
    int ok;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 10; i++) {
        /* AssumeRole writes the key registry, GetCallerIdentity reads it */
        struct resp r =
            sts(w->sim,
                i % 2 ? "Action=GetCallerIdentity&Version=2011-06-15"
                      : "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
                        "3A222233334444%3Arole%2Fr&RoleSessionName=s1",
                NULL);
        w->ok += r.status == 200;
        free(r.body);
    }
    return NULL;
}

static void test_concurrent_requests(void **state)
{
    (void)state;
    struct sim *sim =
        start(CLUSTERS AWS_SECTION "  roles: [{arn: \"arn:aws:iam::222233334444:role/r\", trust: "
                                   "[\"arn:aws:iam::222233334444:user/tester\"]}]\n");
    struct worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.sim = sim};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 20; i++) {
        char *s = sim_requests_json(sim);
        assert_non_null(strstr(s, "\"aws\":{\"total\":"));
        free(s);
        usleep(2000);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].ok, 10);
    }
    json_object *a = aws_counts(sim);
    assert_int_equal(count_of(a, "total"), 40);
    json_object *by;
    assert_true(json_object_object_get_ex(a, "by_action", &by));
    assert_int_equal(count_of(by, "sts:AssumeRole"), 20);
    json_object_put(a);
    char *s = sim_requests_json(sim);
    assert_non_null(strstr(s, "\"test-sim-aws/1\":{\"total\":40,\"mutating\":0}"));
    free(s);
    sim_stop(sim);
}

static void expect_scenario_error(const char *aws, const char *msg, int line)
{
    char *yaml = xasprintf("%saws:\n%s", CLUSTERS, aws);
    struct sim_opts opts = {.scenario_yaml = yaml, .no_churn = true};
    struct sim *sim = NULL;
    struct error err = {0};
    assert_int_equal(sim_start(&opts, &sim, &err), -1);
    char buf[600];
    error_format(&err, buf, sizeof buf);
    if (!strstr(buf, msg))
        fail_msg("\"%s\" does not say \"%s\"", buf, msg);
    assert_int_equal(err.line, line);
    free(yaml);
}

static void test_scenario_errors(void **state)
{
    (void)state;
    const char *cred = "  credentials: [{access_key_id: A, secret_access_key: B, arn: C}]\n";
    char *s;
    expect_scenario_error("  account: \"1\"\n", "needs at least one credential", 5);
    s = xasprintf("%s  route53:\n    - zone: a.example\n      records:\n"
                  "        - {name: b.other, type: A, values: [1.2.3.4]}\n",
                  cred);
    expect_scenario_error(s, "not inside the zone \"a.example.\"", 7);
    free(s);
    s = xasprintf("%s  route53:\n    - zone: a.example\n      records:\n"
                  "        - {name: b.a.example, type: A, weight: 5, values: [1.2.3.4]}\n",
                  cred);
    expect_scenario_error(s, "needs both set_identifier and weight", 9);
    free(s);
    s = xasprintf("%s  elbv2:\n    target_groups: [{name: t}]\n    load_balancers:\n"
                  "      - {name: l, listeners: [{port: 80, forward: {t: 1000}}]}\n",
                  cred);
    expect_scenario_error(s, "from 0 to 999", 9);
    free(s);
    s = xasprintf("%s  elbv2:\n    load_balancers:\n"
                  "      - {name: l, listeners: [{port: 80, forward: {nope: 1}}]}\n",
                  cred);
    expect_scenario_error(s, "unknown target group \"nope\"", 5);
    free(s);
    s = xasprintf("%s  secrets: [{name: x, keys: {a: b}, string: c}]\n", cred);
    expect_scenario_error(s, "exactly one of keys or string", 6);
    free(s);
    expect_scenario_error("  colour: blue\n", "unknown key \"colour\" in aws", 5);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_line_and_files),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_eks_token_presigned),
        cmocka_unit_test(test_route53_changes),
        cmocka_unit_test(test_elb_partial_and_validation),
        cmocka_unit_test(test_fault_validation),
        cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_concurrent_requests),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
