/* The AWS HTTP client against the simulator's AWS endpoint (every signature verified there):
 * signed query, REST-XML and JSON 1.1 calls accepted; a wrong secret gives SignatureDoesNotMatch
 * parsed from each protocol's error body; observer mode refuses changes before sending (the
 * simulator's counters show none); a `down` fault gives transport_error, a change is never
 * retried and a read is; throttled reads are retried, throttled changes are not; credentials are
 * cached until 5 minutes before they expire. The default AWS endpoints are checked through a
 * loopback proxy that records the CONNECT line and answers nothing, so no AWS host is reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/aws_sim_test.h"
#include "../lib/testfile.h"
#include "cutover/aws_http.h"
#include "cutover/sim.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#define ACCOUNT "111122223333"
#define KEY_ID "AKIASIMHTTPTEST00001"
#define SECRET "simHttpTestSecretKey00000000000000000001"
#define USER_ARN "arn:aws:iam::" ACCOUNT ":user/sre"

static const char scenario[] =
    "clusters:\n"
    "  - name: one\n"
    "  - name: two\n"
    "aws:\n"
    "  account: \"" ACCOUNT "\"\n"
    "  region: us-east-1\n"
    "  credentials:\n"
    "    - {access_key_id: " KEY_ID ", secret_access_key: " SECRET ", arn: \"" USER_ARN "\"}\n"
    "  route53:\n"
    "    - zone: example.com.\n"
    "      id: Z0SIMHTTP000001\n"
    "      records:\n"
    "        - {name: api.example.com., type: CNAME, set_identifier: onprem, weight: 70,\n"
    "           ttl: 60, values: [lb.onprem.example.com]}\n"
    "        - {name: api.example.com., type: CNAME, set_identifier: eks, weight: 30,\n"
    "           ttl: 60, values: [lb.eks.example.com]}\n"
    "  secrets:\n"
    "    - {name: shop/db, string: not-a-real-password}\n";

struct fx {
    struct sim *sim;
    char *aws_url;
    char dir[64];
};

static void env_keys(const char *secret)
{
    setenv("AWS_ACCESS_KEY_ID", KEY_ID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
}

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_aws_http.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->aws_url = aws_sim_test_start(scenario, &f->sim);
    aws_sim_test_home(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sim_stop(f->sim);
    aws_sim_test_rm_rf(f->dir);
    free(f->aws_url);
    free(f);
    return 0;
}

static struct aws_client *client(struct fx *f, const char *service, bool read_only)
{
    struct aws_client_opts o = {.service = service,
                                .region = "us-east-1",
                                .endpoint = f->aws_url,
                                .read_only = read_only,
                                .timeout_ms = 5000};
    struct aws_client *c = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(aws_client_new(&o, &c, &err), 0);
    return c;
}

static const char zone_path[] = "/2013-04-01/hostedzone/Z0SIMHTTP000001/rrset";

static char *change_batch(int onprem, int eks)
{
    char *parts[2];
    const char *ids[2] = {"onprem", "eks"};
    const char *vals[2] = {"lb.onprem.example.com", "lb.eks.example.com"};
    int w[2] = {onprem, eks};
    for (int i = 0; i < 2; i++) {
        char *v = xml_escape(vals[i]);
        parts[i] = xasprintf("<Change><Action>UPSERT</Action><ResourceRecordSet>"
                             "<Name>api.example.com.</Name><Type>CNAME</Type>"
                             "<SetIdentifier>%s</SetIdentifier><Weight>%d</Weight><TTL>60</TTL>"
                             "<ResourceRecords><ResourceRecord><Value>%s</Value>"
                             "</ResourceRecord></ResourceRecords></ResourceRecordSet></Change>",
                             ids[i], w[i], v);
        free(v);
    }
    char *b = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<ChangeResourceRecordSetsRequest "
                        "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                        "<ChangeBatch><Changes>%s%s</Changes></ChangeBatch>"
                        "</ChangeResourceRecordSetsRequest>",
                        parts[0], parts[1]);
    free(parts[0]);
    free(parts[1]);
    return b;
}

/* The weight of set identifier id as Route53 lists it now, or -1. */
static int r53_weight(struct aws_client *c, const char *id)
{
    struct aws_response r;
    struct error err;
    error_clear(&err);
    if (aws_rest(c, "GET", "ListResourceRecordSets", zone_path, NULL, NULL, &r, &err) != 0)
        fail_msg("list: %s", err.msg);
    struct xml_node *root = NULL;
    assert_int_equal(xml_parse(r.body, r.len, "list", &root, &err), 0);
    int w = -1;
    const struct xml_node *sets = xml_child(root, "ResourceRecordSets");
    for (const struct xml_node *s = xml_child(sets, "ResourceRecordSet"); s;
         s = xml_next(s, "ResourceRecordSet"))
        if (xml_path_text(s, "SetIdentifier") && strcmp(xml_path_text(s, "SetIdentifier"), id) == 0)
            w = atoi(xml_path_text(s, "Weight"));
    xml_free(root);
    aws_response_fini(&r);
    return w;
}

static void test_signed_calls_accepted(void **state)
{
    struct fx *f = *state;
    env_keys(SECRET);
    struct error err;
    error_clear(&err);
    struct aws_response r;

    /* query protocol */
    struct aws_client *sts = client(f, "sts", false);
    if (aws_query(sts, "GetCallerIdentity", "2011-06-15", NULL, 0, &r, &err) != 0)
        fail_msg("GetCallerIdentity: %s", err.msg);
    assert_int_equal(r.status, 200);
    assert_false(r.transport_error);
    assert_non_null(r.request_id);
    struct xml_node *root = NULL;
    assert_int_equal(xml_parse(r.body, r.len, "gci", &root, &err), 0);
    assert_string_equal(xml_path_text(root, "GetCallerIdentityResult/Arn"), USER_ARN);
    assert_string_equal(xml_path_text(root, "GetCallerIdentityResult/Account"), ACCOUNT);
    xml_free(root);
    aws_response_fini(&r);
    struct aws_client_stats st;
    aws_client_get_stats(sts, &st);
    assert_int_equal(st.requests, 1);
    assert_int_equal(st.refused, 0);
    aws_client_free(sts);

    /* REST-XML: a change, then the list shows it */
    struct aws_client *r53 = client(f, "route53", false);
    assert_int_equal(r53_weight(r53, "onprem"), 70);
    char *body = change_batch(40, 60);
    if (aws_rest(r53, "POST", "ChangeResourceRecordSets", zone_path, body, "text/xml", &r, &err) !=
        0)
        fail_msg("change: %s", err.msg);
    free(body);
    root = NULL;
    assert_int_equal(xml_parse(r.body, r.len, "chg", &root, &err), 0);
    const char *status = xml_path_text(root, "ChangeInfo/Status");
    assert_non_null(status);
    assert_true(strcmp(status, "PENDING") == 0 || strcmp(status, "INSYNC") == 0);
    xml_free(root);
    aws_response_fini(&r);
    assert_int_equal(r53_weight(r53, "onprem"), 40);
    assert_int_equal(r53_weight(r53, "eks"), 60);
    aws_client_free(r53);

    /* JSON 1.1 */
    struct aws_client *sm = client(f, "secretsmanager", false);
    if (aws_json(sm, "secretsmanager.DescribeSecret", "{\"SecretId\":\"shop/db\"}", &r, &err) != 0)
        fail_msg("DescribeSecret: %s", err.msg);
    json_object *j = json_tokener_parse(r.body);
    json_object *name;
    assert_true(json_object_object_get_ex(j, "Name", &name));
    assert_string_equal(json_object_get_string(name), "shop/db");
    json_object_put(j);
    aws_response_fini(&r);
    /* an unknown secret: the JSON error body's __type */
    assert_int_equal(
        aws_json(sm, "secretsmanager.DescribeSecret", "{\"SecretId\":\"nope\"}", &r, &err), -1);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.error_code, "ResourceNotFoundException");
    assert_non_null(strstr(err.msg, "secretsmanager DescribeSecret: ResourceNotFoundException"));
    aws_response_fini(&r);
    aws_client_free(sm);
}

static void test_wrong_secret(void **state)
{
    struct fx *f = *state;
    env_keys("wrongSecretKey000000000000000000000000000");
    struct error err;
    struct aws_response r;
    const char *services[] = {"sts", "route53", "secretsmanager"};
    for (int i = 0; i < 3; i++) {
        struct aws_client *c = client(f, services[i], false);
        error_clear(&err);
        int rc = i == 0 ? aws_query(c, "GetCallerIdentity", "2011-06-15", NULL, 0, &r, &err)
                 : i == 1
                     ? aws_rest(c, "GET", "ListResourceRecordSets", zone_path, NULL, NULL, &r, &err)
                     : aws_json(c, "secretsmanager.ListSecrets", "{}", &r, &err);
        assert_int_equal(rc, -1);
        assert_int_equal(r.status, 403);
        assert_false(r.transport_error);
        /* the query and REST-XML services say SignatureDoesNotMatch, JSON ones (as AWS's
         * Secrets Manager does) InvalidSignatureException */
        const char *want = i == 2 ? "InvalidSignatureException" : "SignatureDoesNotMatch";
        if (!r.error_code || strcmp(r.error_code, want) != 0)
            fail_msg("%s: error_code %s, body %s", services[i], r.error_code ? r.error_code : "-",
                     r.body);
        assert_non_null(r.error_message);
        assert_non_null(strstr(err.msg, want));
        assert_non_null(strstr(err.msg, "(HTTP 403)"));
        /* the secret never appears in what a user could see */
        assert_null(strstr(err.msg, "wrongSecretKey"));
        aws_response_fini(&r);
        aws_client_free(c);
    }
}

static void test_read_only_refuses_changes(void **state)
{
    struct fx *f = *state;
    env_keys(SECRET);
    struct aws_client *c = client(f, "route53", true);
    long mut0 = aws_sim_test_count(f->sim, "mutating", NULL);
    long tot0 = aws_sim_test_count(f->sim, "total", NULL);
    struct error err;
    error_clear(&err);
    struct aws_response r;
    char *body = change_batch(0, 100);
    assert_int_equal(
        aws_rest(c, "POST", "ChangeResourceRecordSets", zone_path, body, "text/xml", &r, &err), -1);
    free(body);
    assert_true(r.refused);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(err.msg, "read-only"));
    aws_response_fini(&r);
    struct aws_client_stats st;
    aws_client_get_stats(c, &st);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.requests, 0);
    assert_int_equal(aws_sim_test_count(f->sim, "total", NULL), tot0);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), mut0);
    /* reads still go, and the weights are untouched */
    assert_int_equal(r53_weight(c, "onprem"), 70);
    assert_int_equal(r53_weight(c, "eks"), 30);
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.refused, 1);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), mut0);
    aws_client_free(c);

    /* the query and JSON protocols too */
    c = client(f, "secretsmanager", true);
    assert_int_equal(aws_json(c, "secretsmanager.PutSecretValue",
                              "{\"SecretId\":\"shop/db\",\"SecretString\":\"x\"}", &r, &err),
                     -1);
    assert_true(r.refused);
    aws_response_fini(&r);
    aws_client_free(c);
    c = client(f, "elasticloadbalancing", true);
    struct aws_param p = {"ListenerArn",
                          "arn:aws:elasticloadbalancing:us-east-1:" ACCOUNT ":listener/app/x/1/2"};
    assert_int_equal(aws_query(c, "ModifyListener", "2015-12-01", &p, 1, &r, &err), -1);
    assert_true(r.refused);
    aws_response_fini(&r);
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 0);
    assert_int_equal(st.refused, 1);
    aws_client_free(c);
    assert_int_equal(aws_sim_test_count(f->sim, "total", NULL), tot0 + 2);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), mut0);
}

/* REST: the method decides as well as the label. A POST labelled like a read still changes
 * something (the label is only the caller's name for it): refused in observer mode, and sent
 * once, never retried, by a client that may change things. */
static void test_rest_write_method_is_a_change(void **state)
{
    struct fx *f = *state;
    env_keys(SECRET);
    struct aws_client *c = client(f, "route53", true);
    long tot0 = aws_sim_test_count(f->sim, "total", NULL);
    long mut0 = aws_sim_test_count(f->sim, "mutating", NULL);
    struct error err;
    error_clear(&err);
    struct aws_response r;
    char *body = change_batch(0, 100);
    assert_int_equal(aws_rest(c, "POST", "GetChange", zone_path, body, "text/xml", &r, &err), -1);
    assert_true(r.refused);
    assert_non_null(strstr(err.msg, "read-only"));
    aws_response_fini(&r);
    error_clear(&err);
    assert_int_equal(aws_rest(c, "DELETE", "ListHostedZones",
                              "/2013-04-01/hostedzone/Z0SIMHTTP000001", NULL, NULL, &r, &err),
                     -1);
    assert_true(r.refused);
    aws_response_fini(&r);
    struct aws_client_stats st;
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 0);
    assert_int_equal(st.refused, 2);
    assert_int_equal(aws_sim_test_count(f->sim, "total", NULL), tot0);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), mut0);
    /* the weights are untouched */
    assert_int_equal(r53_weight(c, "onprem"), 70);
    assert_int_equal(r53_weight(c, "eks"), 30);
    aws_client_free(c);

    /* a driving client sends such a POST once even when no answer comes */
    c = client(f, "route53", false);
    int id = sim_fault_add(f->sim, "{\"service\":\"route53\",\"fault\":\"down\"}");
    assert_true(id >= 0);
    long chg0 = aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets");
    error_clear(&err);
    assert_int_equal(aws_rest(c, "POST", "GetChange", zone_path, body, "text/xml", &r, &err), -1);
    assert_true(r.transport_error);
    assert_non_null(strstr(err.msg, "outcome is unknown"));
    aws_response_fini(&r);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets"),
                     chg0 + 1);
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 1);
    sim_fault_remove(f->sim, id);
    free(body);
    aws_client_free(c);
}

static void test_down_fault(void **state)
{
    struct fx *f = *state;
    env_keys(SECRET);
    struct aws_client *c = client(f, "route53", false);
    struct error err;
    struct aws_response r;
    int id = sim_fault_add(f->sim, "{\"service\":\"route53\",\"fault\":\"down\"}");
    assert_true(id >= 0);
    long chg0 = aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets");
    long list0 = aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets");
    error_clear(&err);
    char *body = change_batch(10, 90);
    assert_int_equal(
        aws_rest(c, "POST", "ChangeResourceRecordSets", zone_path, body, "text/xml", &r, &err), -1);
    assert_true(r.transport_error);
    assert_int_equal(r.status, 0);
    assert_false(r.refused);
    assert_non_null(strstr(err.msg, "outcome is unknown"));
    aws_response_fini(&r);
    /* a change is sent once, never retried */
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets"),
                     chg0 + 1);
    struct aws_client_stats st;
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 1);
    /* a read fails the same way, after its three attempts */
    error_clear(&err);
    assert_int_equal(aws_rest(c, "GET", "ListResourceRecordSets", zone_path, NULL, NULL, &r, &err),
                     -1);
    assert_true(r.transport_error);
    assert_null(strstr(err.msg, "outcome is unknown"));
    aws_response_fini(&r);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets"), list0 + 3);
    assert_int_equal(sim_fault_remove(f->sim, id), 0);
    /* nothing was applied */
    assert_int_equal(r53_weight(c, "eks"), 30);

    /* one dropped connection: the read is retried and succeeds */
    list0 = aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets");
    id = sim_fault_add(f->sim, "{\"service\":\"route53\",\"fault\":\"down\","
                               "\"action\":\"ListResourceRecordSets\",\"count\":1}");
    assert_true(id >= 0);
    assert_int_equal(r53_weight(c, "onprem"), 70);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets"), list0 + 2);
    aws_client_free(c);
    free(body);
}

static void test_throttling(void **state)
{
    struct fx *f = *state;
    env_keys(SECRET);
    struct aws_client *c = client(f, "sts", false);
    struct error err;
    struct aws_response r;
    /* a throttled read is retried */
    assert_true(sim_fault_add(f->sim, "{\"service\":\"sts\",\"fault\":\"429\",\"count\":2}") >= 0);
    error_clear(&err);
    if (aws_query(c, "GetCallerIdentity", "2011-06-15", NULL, 0, &r, &err) != 0)
        fail_msg("throttled read not retried: %s", err.msg);
    assert_int_equal(r.status, 200);
    aws_response_fini(&r);
    struct aws_client_stats st;
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 1); /* one call (three attempts) */
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "sts:GetCallerIdentity"), 3);
    aws_client_free(c);

    /* a throttled change is not */
    c = client(f, "route53", false);
    long chg0 = aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets");
    assert_true(sim_fault_add(f->sim, "{\"service\":\"route53\",\"fault\":\"429\",\"count\":1}") >=
                0);
    char *body = change_batch(20, 80);
    error_clear(&err);
    assert_int_equal(
        aws_rest(c, "POST", "ChangeResourceRecordSets", zone_path, body, "text/xml", &r, &err), -1);
    free(body);
    assert_int_equal(r.status, 429);
    assert_false(r.transport_error);
    assert_non_null(strstr(err.msg, "(HTTP 429)"));
    aws_response_fini(&r);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets"),
                     chg0 + 1);
    assert_int_equal(r53_weight(c, "eks"), 30);
    aws_client_free(c);
}

/* credential_process that counts its runs and answers keys that expire in $2 seconds. */
static void test_credentials_cached(void **state)
{
    struct fx *f = *state;
    char script[128], count[128], cfg[256];
    snprintf(script, sizeof script, "%s/creds.sh", f->dir);
    snprintf(count, sizeof count, "%s/runs", f->dir);
    char *text =
        xasprintf("#!/bin/sh\necho run >> '%s'\n"
                  "exp=$(date -u -d \"@$(( $(date +%%s) + $1 ))\" +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
                  "printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":"
                  "\"%s\",\"Expiration\":\"%%s\"}' \"$exp\"\n",
                  count, KEY_ID, SECRET);
    aws_sim_test_write_file(script, text, 0700);
    free(text);
    const int lifetimes[2] = {3600, 240};
    const int want_runs[2] = {1, 3};
    for (int k = 0; k < 2; k++) {
        unlink(count);
        snprintf(cfg, sizeof cfg, "[default]\ncredential_process = %s %d\n", script, lifetimes[k]);
        aws_sim_test_write_file(getenv("AWS_CONFIG_FILE"), cfg, 0600);
        struct aws_client *c = client(f, "sts", false);
        for (int i = 0; i < 3; i++) {
            struct aws_response r;
            struct error err;
            error_clear(&err);
            if (aws_query(c, "GetCallerIdentity", "2011-06-15", NULL, 0, &r, &err) != 0)
                fail_msg("call %d: %s", i, err.msg);
            aws_response_fini(&r);
        }
        aws_client_free(c);
        size_t len = 0;
        char *runs = test_file_must_read(count, &len);
        int n = 0;
        for (char *p = runs; (p = strstr(p, "run")); p += 3)
            n++;
        free(runs);
        /* an hour: resolved once; four minutes (inside the 5-minute margin): every call */
        assert_int_equal(n, want_runs[k]);
    }
}

struct worker {
    struct aws_client *c;
    int ok;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 5; i++) {
        struct aws_response r;
        struct error err;
        error_clear(&err);
        if (aws_query(w->c, "GetCallerIdentity", "2011-06-15", NULL, 0, &r, &err) == 0 &&
            strstr(r.body, USER_ARN))
            w->ok++;
        aws_response_fini(&r);
    }
    return NULL;
}

/* One client shared by four threads: the credentials are resolved once (the others wait for
 * that result), every call is signed and accepted, and the counters add up. */
static void test_threads_share_one_client(void **state)
{
    struct fx *f = *state;
    char script[128], count[128], cfg[256];
    snprintf(script, sizeof script, "%s/creds.sh", f->dir);
    snprintf(count, sizeof count, "%s/runs", f->dir);
    char *text = xasprintf("#!/bin/sh\necho run >> '%s'\nsleep 0.3\n"
                           "printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":"
                           "\"%s\"}'\n",
                           count, KEY_ID, SECRET);
    aws_sim_test_write_file(script, text, 0700);
    free(text);
    snprintf(cfg, sizeof cfg, "[default]\ncredential_process = %s\n", script);
    aws_sim_test_write_file(getenv("AWS_CONFIG_FILE"), cfg, 0600);
    struct aws_client *c = client(f, "sts", false);
    struct worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.c = c};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, 5);
    }
    struct aws_client_stats st;
    aws_client_get_stats(c, &st);
    assert_int_equal(st.requests, 20);
    aws_client_free(c);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "sts:GetCallerIdentity"), 20);
    char *runs = test_file_must_read(count, NULL);
    assert_string_equal(runs, "run\n");
    free(runs);
}

/* ---- default endpoints through a recording proxy ---- */

struct proxy {
    int fd;
    int port;
    pthread_t th;
    char first[256]; /* the first request line seen */
};

static void *proxy_main(void *arg)
{
    struct proxy *p = arg;
    for (;;) {
        int c = accept(p->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[1024];
        ssize_t n = recv(c, buf, sizeof buf - 1, 0);
        if (n > 0 && !p->first[0]) {
            buf[n] = '\0';
            buf[strcspn(buf, "\r\n")] = '\0';
            size_t l = strlen(buf);
            if (l >= sizeof p->first)
                l = sizeof p->first - 1;
            memcpy(p->first, buf, l);
            p->first[l] = '\0';
        }
        close(c); /* no answer: the client sees a transport error */
    }
}

static void proxy_start(struct proxy *p)
{
    memset(p, 0, sizeof *p);
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(p->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->fd, 8), 0);
    socklen_t l = sizeof a;
    getsockname(p->fd, (struct sockaddr *)&a, &l);
    p->port = ntohs(a.sin_port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", p->port);
    setenv("HTTPS_PROXY", url, 1);
    setenv("https_proxy", url, 1);
    assert_int_equal(pthread_create(&p->th, NULL, proxy_main, p), 0);
}

static void proxy_stop(struct proxy *p)
{
    shutdown(p->fd, SHUT_RDWR);
    close(p->fd);
    pthread_join(p->th, NULL);
    unsetenv("HTTPS_PROXY");
    unsetenv("https_proxy");
}

static void expect_connect(const char *service, const char *region, const char *want)
{
    struct proxy p;
    proxy_start(&p);
    struct aws_client_opts o = {.service = service, .region = region, .timeout_ms = 3000};
    struct aws_client *c = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(aws_client_new(&o, &c, &err), 0);
    struct aws_response r;
    assert_int_equal(aws_query(c, "DescribeNothing", "2015-12-01", NULL, 0, &r, &err), -1);
    assert_true(r.transport_error);
    aws_response_fini(&r);
    aws_client_free(c);
    proxy_stop(&p);
    assert_string_equal(p.first, want);
}

static void test_default_endpoints(void **state)
{
    (void)state;
    env_keys(SECRET);
    expect_connect("route53", "eu-west-1", "CONNECT route53.amazonaws.com:443 HTTP/1.1");
    expect_connect("elasticloadbalancing", "eu-west-1",
                   "CONNECT elasticloadbalancing.eu-west-1.amazonaws.com:443 HTTP/1.1");
    setenv("AWS_REGION", "ap-southeast-2", 1);
    expect_connect("secretsmanager", NULL,
                   "CONNECT secretsmanager.ap-southeast-2.amazonaws.com:443 HTTP/1.1");
    unsetenv("AWS_REGION");

    /* the chain's calls: SSO portal and STS (regional with a region, global without) */
    struct aws_http_creds_ctx ctx = {.endpoint = NULL, .timeout_ms = 3000};
    struct aws_creds_ops ops;
    aws_http_creds_ops(&ops, &ctx);
    struct aws_credentials out = {0};
    struct error err;
    struct proxy p;
    proxy_start(&p);
    assert_int_equal(ops.sso_get_role_credentials(ops.ctx, "eu-central-1", "tok", ACCOUNT,
                                                  "ReadOnly", &out, &err),
                     -1);
    proxy_stop(&p);
    assert_string_equal(p.first, "CONNECT portal.sso.eu-central-1.amazonaws.com:443 HTTP/1.1");
    struct aws_credentials src = {.access_key_id = (char *)KEY_ID,
                                  .secret_access_key = (char *)SECRET};
    struct aws_assume_role_params prm = {.role_arn = "arn:aws:iam::" ACCOUNT ":role/x",
                                         .role_session_name = "s"};
    proxy_start(&p);
    assert_int_equal(ops.assume_role(ops.ctx, &prm, &src, &out, &err), -1);
    proxy_stop(&p);
    assert_string_equal(p.first, "CONNECT sts.amazonaws.com:443 HTTP/1.1");
    prm.region = "eu-north-1";
    proxy_start(&p);
    assert_int_equal(ops.assume_role(ops.ctx, &prm, &src, &out, &err), -1);
    proxy_stop(&p);
    assert_string_equal(p.first, "CONNECT sts.eu-north-1.amazonaws.com:443 HTTP/1.1");
}

/* ---- error bodies as AWS writes them, from a canned loopback server ---- */

struct canned {
    int fd;
    pthread_t th;
    const char *answer; /* the whole HTTP response */
};

static void *canned_main(void *arg)
{
    struct canned *k = arg;
    int c = accept(k->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    char buf[8192];
    size_t got = 0;
    /* read the head and the body Content-Length announces */
    for (;;) {
        ssize_t n = recv(c, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end) {
            char *cl = strcasestr(buf, "\r\nContent-Length:");
            size_t want = cl ? (size_t)atol(cl + 17) : 0;
            if (got - (size_t)(end + 4 - buf) >= want)
                break;
        }
    }
    size_t len = strlen(k->answer), off = 0;
    while (off < len) {
        ssize_t n = send(c, k->answer + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(c);
    return NULL;
}

/* Makes one call of the given shape to a server that answers status/headers/body, and checks
 * the code, message and request id the client parsed. */
static void canned_call(int proto, int status, const char *headers, const char *body,
                        const char *want_code, const char *want_msg, const char *want_rid)
{
    struct canned k = {0};
    k.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(k.fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(k.fd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(k.fd, (struct sockaddr *)&a, &l);
    char *answer = xasprintf("HTTP/1.1 %d Error\r\n%sContent-Length: %zu\r\nConnection: close\r\n"
                             "\r\n%s",
                             status, headers, strlen(body), body);
    k.answer = answer;
    assert_int_equal(pthread_create(&k.th, NULL, canned_main, &k), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    const char *svc = proto == 0 ? "sts" : proto == 1 ? "route53" : "secretsmanager";
    /* a change, so that nothing is retried and one connection is enough */
    struct aws_client_opts o = {
        .service = svc, .region = "us-east-1", .endpoint = url, .timeout_ms = 3000};
    struct aws_client *c = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(aws_client_new(&o, &c, &err), 0);
    struct aws_response r;
    int rc = proto == 0   ? aws_query(c, "DeleteThing", "2011-06-15", NULL, 0, &r, &err)
             : proto == 1 ? aws_rest(c, "POST", "ChangeResourceRecordSets",
                                     "/2013-04-01/hostedzone/Z/rrset", "<x/>", "text/xml", &r, &err)
                          : aws_json(c, "secretsmanager.PutSecretValue", "{}", &r, &err);
    pthread_join(k.th, NULL);
    close(k.fd);
    free(answer);
    assert_int_equal(rc, -1);
    assert_int_equal(r.status, status);
    assert_false(r.transport_error);
    if (!r.error_code || strcmp(r.error_code, want_code) != 0)
        fail_msg("code %s, want %s", r.error_code ? r.error_code : "NULL", want_code);
    if (want_msg && (!r.error_message || !strstr(r.error_message, want_msg)))
        fail_msg("message %s, want ...%s...", r.error_message ? r.error_message : "NULL", want_msg);
    if (want_rid)
        assert_string_equal(r.request_id, want_rid);
    char line[64];
    snprintf(line, sizeof line, ": %s", want_code);
    assert_non_null(strstr(err.msg, line));
    assert_null(strchr(err.msg, 0x1b)); /* nothing in err can drive a terminal */
    aws_response_fini(&r);
    aws_client_free(c);
}

static void test_error_bodies(void **state)
{
    struct fx *f = *state;
    (void)f;
    env_keys(SECRET);
    char *b;
    /* query protocol (STS's documented error shape) */
    b = test_fixture_read("aws/sts-error.xml", NULL);
    canned_call(0, 403, "Content-Type: text/xml\r\n", b, "SignatureDoesNotMatch",
                "does not match the signature", "5c7b4a4f-3b9e-11e9-9d9c-2f2e0f2d6c1a");
    free(b);
    /* EC2-style Response/Errors/Error with RequestID */
    b = test_fixture_read("aws/ec2-style-error.xml", NULL);
    canned_call(0, 403, "", b, "UnauthorizedOperation", "not authorized",
                "ab9f0c2e-1d2b-4a70-9cbc-3e84b0d5f6a1");
    free(b);
    /* REST-XML: Route53's ErrorResponse, and InvalidChangeBatch with its Messages */
    b = test_fixture_read("aws/route53-error.xml", NULL);
    canned_call(1, 404, "x-amzn-RequestId: hdr-id-1\r\n", b, "NoSuchHostedZone",
                "No hosted zone found", "hdr-id-1");
    free(b);
    b = test_fixture_read("aws/route53-error-invalid-change-batch.xml", NULL);
    canned_call(1, 400, "", b, "InvalidChangeBatch", "but it already exists",
                "b25f48e8-84fd-11e6-80d9-574e0c4664cb");
    free(b);
    /* JSON 1.1: __type with a namespace, message in either case; the header alone */
    canned_call(2, 400, "x-amzn-RequestId: j-1\r\n",
                "{\"__type\":\"com.amazonaws.secretsmanager#ResourceExistsException\","
                "\"message\":\"the secret exists\"}",
                "ResourceExistsException", "the secret exists", "j-1");
    canned_call(2, 400, "", "{\"__type\":\"ThrottlingException\",\"Message\":\"Rate exceeded\"}",
                "ThrottlingException", "Rate exceeded", NULL);
    canned_call(2, 401,
                "x-amzn-ErrorType: UnauthorizedException:http://internal.amazon.com/coral/\r\n",
                "{\"message\":\"Session token not found or invalid\"}", "UnauthorizedException",
                "Session token not found", NULL);
    /* an error message with terminal escapes is made safe in err */
    canned_call(2, 400, "", "{\"__type\":\"X\",\"message\":\"evil \\u001b[2J text\"}", "X", "evil",
                NULL);
}

static void test_action_mutates(void **state)
{
    (void)state;
    const char *reads[] = {"DescribeListeners",
                           "DescribeTargetHealth",
                           "GetChange",
                           "ListResourceRecordSets",
                           "GetCallerIdentity",
                           "AssumeRole",
                           "AssumeRoleWithWebIdentity",
                           "secretsmanager.GetSecretValue",
                           "secretsmanager.ListSecrets",
                           "Get"};
    const char *changes[] = {"ChangeResourceRecordSets",
                             "ModifyListener",
                             "ModifyRule",
                             "secretsmanager.PutSecretValue",
                             "DeleteSecret",
                             "Getaway",
                             "Listen",
                             "",
                             NULL};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        if (aws_action_mutates(reads[i]))
            fail_msg("%s counted as a change", reads[i]);
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        if (!aws_action_mutates(changes[i]))
            fail_msg("%s counted as a read", changes[i] ? changes[i] : "NULL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_mutates),
        cmocka_unit_test_setup_teardown(test_signed_calls_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rest_write_method_is_a_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_down_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_share_one_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_endpoints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
