#include "aws_sim_test.h"

#include "cutover/aws_http.h"
#include "cutover/sim.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

char *aws_sim_test_env(struct sim *sim)
{
    json_object *ready = json_tokener_parse(sim_ready_line(sim));
    json_object *aws = NULL, *v = NULL;
    if (ready == NULL || !json_object_object_get_ex(ready, "aws", &aws))
        fail_msg("the ready line has no aws object: %s", sim_ready_line(sim));
    const char *keys[][2] = {{"config_file", "AWS_CONFIG_FILE"},
                             {"credentials_file", "AWS_SHARED_CREDENTIALS_FILE"},
                             {"profile", "AWS_PROFILE"},
                             {"region", "AWS_REGION"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        assert_true(json_object_object_get_ex(aws, keys[i][0], &v));
        setenv(keys[i][1], json_object_get_string(v), 1);
    }
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    assert_true(json_object_object_get_ex(aws, "url", &v));
    char *url = xstrdup(json_object_get_string(v));
    json_object_put(ready);
    return url;
}

char *aws_sim_test_start(const char *scenario_yaml, struct sim **sim)
{
    struct sim_opts o = {.scenario_yaml = scenario_yaml, .no_churn = true};
    struct error err;
    error_clear(&err);
    if (sim_start(&o, sim, &err) != 0)
        fail_msg("sim_start: %s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    json_object *r = json_tokener_parse(sim_ready_line(*sim));
    json_object *aws, *url;
    assert_true(json_object_object_get_ex(r, "aws", &aws));
    assert_true(json_object_object_get_ex(aws, "url", &url));
    char *s = xstrdup(json_object_get_string(url));
    assert_true(strncmp(s, "http://127.0.0.1:", 17) == 0);
    json_object_put(r);
    return s;
}

char *aws_sim_test_demo(struct sim **sim)
{
    struct sim_opts opts = {.demo = true, .no_churn = true};
    struct error err;
    error_clear(&err);
    if (sim_start(&opts, sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    return aws_sim_test_env(*sim);
}

static const char *const env_names[] = {"AWS_ACCESS_KEY_ID",
                                        "AWS_SECRET_ACCESS_KEY",
                                        "AWS_SESSION_TOKEN",
                                        "AWS_SECURITY_TOKEN",
                                        "AWS_PROFILE",
                                        "AWS_DEFAULT_PROFILE",
                                        "AWS_REGION",
                                        "AWS_DEFAULT_REGION",
                                        "AWS_ROLE_ARN",
                                        "AWS_WEB_IDENTITY_TOKEN_FILE",
                                        "AWS_ROLE_SESSION_NAME",
                                        "AWS_CREDENTIAL_EXPIRATION",
                                        "HTTPS_PROXY",
                                        "https_proxy",
                                        "HTTP_PROXY",
                                        "http_proxy",
                                        "ALL_PROXY",
                                        "all_proxy",
                                        "NO_PROXY",
                                        "no_proxy"};

void aws_sim_test_write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

void aws_sim_test_home(const char *dir)
{
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
        unsetenv(env_names[i]);
    char p[256];
    setenv("HOME", dir, 1);
    snprintf(p, sizeof p, "%s/config", dir);
    aws_sim_test_write_file(p, "", 0600);
    setenv("AWS_CONFIG_FILE", p, 1);
    snprintf(p, sizeof p, "%s/credentials", dir);
    aws_sim_test_write_file(p, "", 0600);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

void aws_sim_test_rm_rf(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

json_object *aws_sim_test_cli(const char *url, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char args[4096];
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *cmd = xasprintf("/usr/bin/aws --endpoint-url %s --output json %s", url, args);
    FILE *pf = popen(cmd, "r");
    assert_non_null(pf);
    char *out = NULL;
    size_t len = 0, cap = 0;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, pf)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            out = xrealloc(out, cap);
        }
        memcpy(out + len, buf, got);
        len += got;
    }
    int st = pclose(pf);
    if (st != 0)
        fail_msg("%s: exit status %d", cmd, st);
    free(cmd);
    if (out == NULL)
        return NULL;
    out[len] = '\0';
    json_object *j = json_tokener_parse(out);
    if (j == NULL)
        fail_msg("aws printed no JSON: %s", out);
    free(out);
    return j;
}

json_object *aws_sim_test_jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

long aws_sim_test_count(struct sim *sim, const char *field, const char *action)
{
    char *s = sim_requests_json(sim);
    json_object *j = json_tokener_parse(s);
    free(s);
    json_object *aws = aws_sim_test_jget(j, "aws");
    if (aws == NULL)
        fail_msg("no aws object in /requests");
    long n;
    if (action != NULL) {
        json_object *v = aws_sim_test_jget(aws_sim_test_jget(aws, "by_action"), action);
        n = v ? json_object_get_int64(v) : 0;
    } else {
        json_object *v = aws_sim_test_jget(aws, field);
        if (v == NULL)
            fail_msg("no aws.%s in /requests", field);
        n = json_object_get_int64(v);
    }
    json_object_put(j);
    return n;
}

char *aws_sim_test_zone_id(const char *url, const char *zone_name)
{
    struct aws_client *c = aws_sim_test_r53_client(url);
    struct error err;
    error_clear(&err);
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    if (aws_rest(c, "GET", "ListHostedZones", "/2013-04-01/hostedzone", NULL, NULL, &resp, &err) <
        0)
        fail_msg("ListHostedZones: %s", err.msg);
    struct xml_node *root = NULL;
    if (xml_parse(resp.body, resp.len, "ListHostedZones", &root, &err) < 0)
        fail_msg("ListHostedZones: %s", err.msg);
    char *zone = NULL;
    const struct xml_node *zones = xml_child(root, "HostedZones");
    for (const struct xml_node *z = xml_child(zones, "HostedZone"); z && !zone;
         z = xml_next(z, "HostedZone"))
        if (strcmp(xml_path_text(z, "Name"), zone_name) == 0) {
            const char *id = xml_path_text(z, "Id");
            const char *slash = strrchr(id, '/');
            zone = xstrdup(slash ? slash + 1 : id);
        }
    xml_free(root);
    aws_response_fini(&resp);
    aws_client_free(c);
    assert_non_null(zone);
    return zone;
}

struct aws_client *aws_sim_test_r53_client(const char *url)
{
    struct aws_client_opts o = {.service = "route53", .endpoint = url, .profile = "sim"};
    struct aws_client *c = NULL;
    struct error err;
    error_clear(&err);
    if (aws_client_new(&o, &c, &err) < 0)
        fail_msg("aws_client_new: %s", err.msg);
    return c;
}

char *aws_sim_test_r53_list(const char *url, const char *zone, const char *record)
{
    struct aws_client *c = aws_sim_test_r53_client(url);
    char *path = xasprintf("/2013-04-01/hostedzone/%s/rrset?name=%s&type=A", zone, record);
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    struct error err;
    error_clear(&err);
    if (aws_rest(c, "GET", "ListResourceRecordSets", path, NULL, NULL, &resp, &err) < 0)
        fail_msg("ListResourceRecordSets: %s", err.msg);
    const char *a = strstr(resp.body, "<ResourceRecordSets>");
    const char *b = strstr(resp.body, "</ResourceRecordSets>");
    assert_non_null(a);
    assert_non_null(b);
    a += strlen("<ResourceRecordSets>");
    char *sets = xstrndup(a, (size_t)(b - a));
    aws_response_fini(&resp);
    aws_client_free(c);
    free(path);
    return sets;
}

void aws_sim_test_r53_set_weights(const char *url, const char *zone, const char *record,
                                  const char *listed, const char *const *ids, const int *w,
                                  size_t n)
{
    char *own = listed == NULL ? aws_sim_test_r53_list(url, zone, record) : NULL;
    const char *p = listed != NULL ? listed : own;
    char *name = xasprintf("<Name>%s</Name>", record);
    char *body = xstrdup("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                         "<ChangeResourceRecordSetsRequest "
                         "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                         "<ChangeBatch><Changes>");
    size_t found = 0;
    while ((p = strstr(p, "<ResourceRecordSet>")) != NULL) {
        const char *e = strstr(p, "</ResourceRecordSet>");
        assert_non_null(e);
        e += strlen("</ResourceRecordSet>");
        char *set = xstrndup(p, (size_t)(e - p));
        p = e;
        size_t k = n;
        for (size_t i = 0; i < n && strstr(set, name) && strstr(set, "<Type>A</Type>"); i++) {
            char *sid = xasprintf("<SetIdentifier>%s</SetIdentifier>", ids[i]);
            if (strstr(set, sid) != NULL)
                k = i;
            free(sid);
        }
        char *wo = strstr(set, "<Weight>"), *wc = strstr(set, "</Weight>");
        if (k == n || wo == NULL || wc == NULL) {
            free(set);
            continue; /* the listing goes on past the record */
        }
        *wo = '\0';
        char *next = xasprintf("%s<Change><Action>UPSERT</Action>%s<Weight>%d%s</Change>", body,
                               set, w[k], wc);
        free(body);
        body = next;
        free(set);
        found++;
    }
    assert_int_equal(found, n);
    char *full = xasprintf("%s</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>", body);
    free(body);
    struct aws_client *c = aws_sim_test_r53_client(url);
    char *path = xasprintf("/2013-04-01/hostedzone/%s/rrset/", zone);
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    struct error err;
    error_clear(&err);
    if (aws_rest(c, "POST", "ChangeResourceRecordSets", path, full, "application/xml", &resp,
                 &err) < 0)
        fail_msg("ChangeResourceRecordSets: %s", err.msg);
    aws_response_fini(&resp);
    aws_client_free(c);
    free(path);
    free(full);
    free(name);
    free(own);
}

void aws_sim_test_r53_weights(const char *url, const char *zone, const char *record,
                              const char *const *ids, int *w, size_t n)
{
    json_object *j = aws_sim_test_cli(url,
                                      "route53 list-resource-record-sets --hosted-zone-id %s "
                                      "--start-record-name %s --start-record-type A",
                                      zone, record);
    json_object *list = aws_sim_test_jget(j, "ResourceRecordSets");
    for (size_t k = 0; k < n; k++) {
        w[k] = -1;
        for (size_t i = 0; list && i < json_object_array_length(list); i++) {
            json_object *r = json_object_array_get_idx(list, i);
            const char *id = json_object_get_string(aws_sim_test_jget(r, "SetIdentifier"));
            const char *nm = json_object_get_string(aws_sim_test_jget(r, "Name"));
            const char *ty = json_object_get_string(aws_sim_test_jget(r, "Type"));
            if (nm && strcmp(nm, record) == 0 && ty && strcmp(ty, "A") == 0 && id &&
                strcmp(id, ids[k]) == 0 && aws_sim_test_jget(r, "Weight") != NULL)
                w[k] = json_object_get_int(aws_sim_test_jget(r, "Weight"));
        }
    }
    json_object_put(j);
}

struct aws_sim_test_r53 *aws_sim_test_r53_start(void)
{
    struct aws_sim_test_r53 *f = xcalloc(1, sizeof *f);
    f->url = aws_sim_test_demo(&f->sim);
    f->zone = aws_sim_test_zone_id(f->url, "example.com.");
    struct traffic_target_cfg *c = &f->st.cfg;
    c->name = xstrdup("shop-api-dns");
    c->kind = TRAFFIC_ROUTE53;
    c->production = true;
    const int plan[] = {0, 10, 30, 50, 100};
    memcpy(c->plan, plan, sizeof plan);
    c->nplan = 5;
    c->old_id = xstrdup("onprem");
    c->new_id = xstrdup("eks");
    c->zone_id = xstrdup(f->zone);
    c->record_name = xstrdup("api.shop.example.com");
    c->record_type = xstrdup("A");
    c->aws_endpoint = xstrdup(f->url);
    c->aws_profile = xstrdup("sim");
    struct traffic_provider_env env = {.timeout_ms = 5000, .insync_timeout_ms = 15000};
    struct error err;
    error_clear(&err);
    if (traffic_provider_new(c, &env, &f->p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);
    snprintf(f->dir, sizeof f->dir, "/tmp/cutover-test-r53-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    return f;
}

void aws_sim_test_r53_stop(struct aws_sim_test_r53 *f)
{
    traffic_provider_free(f->p);
    traffic_target_cfg_fini(&f->st.cfg);
    traffic_reading_fini(&f->st.reading);
    sim_stop(f->sim);
    aws_sim_test_rm_rf(f->dir);
    free(f->url);
    free(f->zone);
    free(f);
}

void aws_sim_test_r53_refresh(struct aws_sim_test_r53 *f)
{
    traffic_reading_fini(&f->st.reading);
    struct error err;
    error_clear(&err);
    if (f->p->ops->read(f->p, &f->st.reading, &err) != 0)
        fail_msg("read: %s", err.msg);
    f->st.have_reading = true;
    clock_gettime(CLOCK_REALTIME, &f->st.last_ok);
    f->st.percent = traffic_percent_of(f->st.reading.side[0].weight, f->st.reading.side[1].weight);
    f->st.step = traffic_plan_index(&f->st.cfg, f->st.percent);
}

void aws_sim_test_r53_read(struct aws_sim_test_r53 *f)
{
    struct traffic_reading r;
    struct error err;
    error_clear(&err);
    if (f->p->ops->read(f->p, &r, &err) != 0)
        fail_msg("read: %s", err.msg);
    traffic_reading_fini(&r);
}

int aws_sim_test_r53_setup(void **state)
{
    *state = aws_sim_test_r53_start();
    return 0;
}

int aws_sim_test_r53_teardown(void **state)
{
    aws_sim_test_r53_stop(*state);
    return 0;
}

void aws_sim_test_r53_pair_weights(const struct aws_sim_test_r53 *f, int w[2])
{
    static const char *const ids[2] = {"onprem", "eks"};
    aws_sim_test_r53_weights(f->url, f->zone, "api.shop.example.com.", ids, w, 2);
}

long aws_sim_test_r53_changes(const struct aws_sim_test_r53 *f)
{
    return aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets");
}
