/* The Route53 traffic provider against the simulator's AWS endpoint (demo zone example.com.,
 * weighted A records api.shop.example.com. "onprem" 100 / "eks" 0): what read() reports, a 70/30
 * apply confirmed by a fresh read and by the aws CLI, a fault between the two record changes
 * reported as the true mixed state, a lost answer never resent, observer mode sending nothing,
 * and pagination past other weighted records of the same name. */

#include "../lib/aws_sim_test.h"

#include "cutover/aws_http.h"
#include "cutover/sim.h"
#include "cutover/traffic_provider.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define RECORD "api.shop.example.com."

struct fx {
    struct sim *sim;
    char *url;
    char *zone; /* the demo zone's id */
};

/* --- the simulator's AWS side and the aws CLI -------------------------------------------- */

/* The record sets from RECORD on as one aws CLI listing gives them (a new reference). */
static json_object *cli_list(const struct fx *f)
{
    return aws_sim_test_cli(f->url,
                            "route53 list-resource-record-sets --hosted-zone-id %s "
                            "--start-record-name %s --start-record-type A",
                            f->zone, RECORD);
}

/* The weighted record set_id of RECORD in a listing (borrowed), or NULL. */
static json_object *find_record(json_object *listing, const char *set_id)
{
    json_object *list = aws_sim_test_jget(listing, "ResourceRecordSets");
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *r = json_object_array_get_idx(list, i);
        const char *id = json_object_get_string(aws_sim_test_jget(r, "SetIdentifier"));
        if (strcmp(json_object_get_string(aws_sim_test_jget(r, "Name")), RECORD) == 0 && id &&
            strcmp(id, set_id) == 0)
            return r;
    }
    return NULL;
}

/* The weighted record set_id of RECORD as the aws CLI lists it (a new reference), or NULL. */
static json_object *cli_record(const struct fx *f, const char *set_id)
{
    json_object *j = cli_list(f);
    json_object *found = json_object_get(find_record(j, set_id));
    json_object_put(j);
    return found;
}

/* The weights of the records ids[0..n) as one aws CLI listing gives them; -1 for a missing one. */
static void cli_weights(const struct fx *f, const char *const *ids, int *w, size_t n)
{
    json_object *j = cli_list(f);
    for (size_t k = 0; k < n; k++) {
        json_object *r = find_record(j, ids[k]);
        w[k] = r ? json_object_get_int(aws_sim_test_jget(r, "Weight")) : -1;
    }
    json_object_put(j);
}

static const char *const SIDES[2] = {"onprem", "eks"};

/* --- fixture ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->url = aws_sim_test_demo(&f->sim);
    f->zone = aws_sim_test_zone_id(f->url, "example.com.");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sim_stop(f->sim);
    free(f->url);
    free(f->zone);
    free(f);
    return 0;
}

static void target(const struct fx *f, struct traffic_target_cfg *t, const char *new_id)
{
    memset(t, 0, sizeof *t);
    t->name = xstrdup("shop-api-dns");
    t->kind = TRAFFIC_ROUTE53;
    t->old_id = xstrdup("onprem");
    t->new_id = xstrdup(new_id);
    t->zone_id = xstrdup(f->zone);
    t->record_name = xstrdup("api.shop.example.com"); /* the final dot is added */
    t->record_type = xstrdup("A");
    t->aws_endpoint = xstrdup(f->url);
    t->aws_profile = xstrdup("sim");
}

static struct traffic_provider *provider(const struct fx *f, const char *new_id, bool read_only)
{
    struct traffic_target_cfg t;
    target(f, &t, new_id);
    struct traffic_provider_env env = {
        .read_only = read_only, .timeout_ms = 5000, .insync_timeout_ms = 15000};
    struct traffic_provider *p = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_provider_new(&t, &env, &p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);
    traffic_target_cfg_fini(&t);
    return p;
}

static void must_read(struct traffic_provider *p, struct traffic_reading *r)
{
    struct error err;
    error_clear(&err);
    memset(r, 0, sizeof *r);
    if (p->ops->read(p, r, &err) < 0)
        fail_msg("read: %s", err.msg);
}

/* --- tests -------------------------------------------------------------------------------- */

static void test_read_demo(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "eks", false);
    struct traffic_reading r;
    must_read(p, &r);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_true(r.side[TRAFFIC_NEW].present);
    int w[2];
    cli_weights(f, SIDES, w, 2);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, w[TRAFFIC_OLD]);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, w[TRAFFIC_NEW]);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 100);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 0);
    /* Route53 has no target health: shown as unknown, never made up. */
    assert_int_equal(r.side[TRAFFIC_OLD].health, TRAFFIC_HEALTH_UNKNOWN);
    json_object *rec = cli_record(f, "onprem");
    char ttl[32];
    snprintf(ttl, sizeof ttl, "TTL %d", json_object_get_int(aws_sim_test_jget(rec, "TTL")));
    json_object_put(rec);
    assert_non_null(r.detail);
    assert_string_equal(r.detail, ttl);
    traffic_reading_fini(&r);
    traffic_provider_free(p);
}

static void test_missing_side(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "no-such-identifier", false);
    struct traffic_reading r;
    must_read(p, &r);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_false(r.side[TRAFFIC_NEW].present);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, -1);
    traffic_reading_fini(&r);

    long before = aws_sim_test_count(f->sim, "mutating", NULL);
    struct traffic_weights to = {{50, 50}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_false(res.sent);
    assert_non_null(strstr(err.msg, "no-such-identifier"));
    assert_non_null(strstr(err.msg, "shop-api-dns"));
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), before);
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
}

static void test_apply_70_30(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "eks", false);
    json_object *before_old = cli_record(f, "onprem"), *before_new = cli_record(f, "eks");
    struct traffic_reading r;
    must_read(p, &r);
    traffic_reading_fini(&r);

    struct traffic_weights to = {{70, 30}};
    char **lines = NULL;
    size_t n = 0;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->describe(p, &to, &lines, &n, &err), 0);
    assert_int_equal(n, 1);
    char want[256];
    snprintf(want, sizeof want,
             "route53 ChangeResourceRecordSets %s: DELETE " RECORD " A onprem "
             "weight 100 + CREATE weight 70",
             f->zone);
    assert_non_null(strstr(lines[0], want));
    assert_non_null(strstr(lines[0], "DELETE " RECORD " A eks weight 0 + CREATE weight 30"));
    free(lines[0]);
    free(lines);

    long changes = aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets");
    struct traffic_apply_result res;
    if (p->ops->apply(p, &to, &res, &err) < 0)
        fail_msg("apply: %s (%s)", err.msg, res.detail ? res.detail : "");
    assert_true(res.sent);
    assert_true(res.accepted);
    assert_int_equal(res.applied, 1);
    assert_non_null(strstr(res.detail, "INSYNC"));
    traffic_apply_result_fini(&res);
    /* One change batch for both records. */
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets"),
                     changes + 1);

    /* A fresh provider reads 70/30, and so does the aws CLI. */
    struct traffic_provider *q = provider(f, "eks", false);
    must_read(q, &r);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 70);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 30);
    traffic_reading_fini(&r);
    traffic_provider_free(q);
    json_object *after_old = cli_record(f, "onprem"), *after_new = cli_record(f, "eks");
    assert_int_equal(json_object_get_int(aws_sim_test_jget(after_old, "Weight")), 70);
    assert_int_equal(json_object_get_int(aws_sim_test_jget(after_new, "Weight")), 30);
    /* Everything but the weight is as it was: TTL and the addresses. */
    json_object *pairs[2][2] = {{before_old, after_old}, {before_new, after_new}};
    for (int s = 0; s < 2; s++) {
        json_object_object_del(pairs[s][0], "Weight");
        json_object_object_del(pairs[s][1], "Weight");
        assert_string_equal(json_object_to_json_string(pairs[s][0]),
                            json_object_to_json_string(pairs[s][1]));
        json_object_put(pairs[s][0]);
        json_object_put(pairs[s][1]);
    }
    traffic_provider_free(p);
}

static void test_partial_fault_true_state(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "eks", false);
    /* The simulator applies the first change of the batch (onprem), then answers 500: a fault
     * between the two record changes (real Route53 is atomic; this is a test device). */
    int id = sim_fault_add(f->sim, "{\"service\":\"route53\",\"action\":"
                                   "\"ChangeResourceRecordSets\",\"fault\":\"partial\","
                                   "\"status\":500,\"count\":1,\"apply\":1}");
    assert_true(id >= 0);
    struct traffic_weights to = {{30, 70}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_non_null(strstr(err.msg, "shop-api-dns"));
    traffic_apply_result_fini(&res);
    sim_faults_clear(f->sim);

    /* What is live: onprem at 30 (the first change), eks still 0. */
    struct traffic_reading r;
    must_read(p, &r);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 30);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 0);
    traffic_reading_fini(&r);
    int w[2];
    cli_weights(f, SIDES, w, 2);
    assert_int_equal(w[TRAFFIC_OLD], 30);
    assert_int_equal(w[TRAFFIC_NEW], 0);
    traffic_provider_free(p);
}

static void test_lost_answer_not_resent(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "eks", false);
    int id = sim_fault_add(f->sim, "{\"service\":\"route53\",\"action\":"
                                   "\"ChangeResourceRecordSets\",\"fault\":\"down\",\"count\":1}");
    assert_true(id >= 0);
    long changes = aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets");
    struct traffic_weights to = {{50, 50}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_non_null(strstr(res.detail, "unknown"));
    traffic_apply_result_fini(&res);
    sim_faults_clear(f->sim);
    /* Sent once, never again: the outcome of a mutating call is unknown, not retried. */
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "route53:ChangeResourceRecordSets"),
                     changes + 1);
    traffic_provider_free(p);
}

static void test_read_only_refuses(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "eks", true);
    struct traffic_reading r;
    must_read(p, &r); /* reading is allowed */
    int old_w = r.side[TRAFFIC_OLD].weight, new_w = r.side[TRAFFIC_NEW].weight;
    traffic_reading_fini(&r);
    long before = aws_sim_test_count(f->sim, "mutating", NULL);
    struct traffic_weights to = {{0, 100}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_false(res.sent);
    assert_false(res.accepted);
    assert_non_null(strstr(err.msg, "observer"));
    traffic_apply_result_fini(&res);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), before);
    int w[2];
    cli_weights(f, SIDES, w, 2);
    assert_int_equal(w[TRAFFIC_OLD], old_w);
    assert_int_equal(w[TRAFFIC_NEW], new_w);
    traffic_provider_free(p);
}

static void test_weights_out_of_range(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, "eks", false);
    struct traffic_weights to = {{256, 0}};
    char **lines = NULL;
    size_t n = 0;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->describe(p, &to, &lines, &n, &err), -1);
    assert_non_null(strstr(err.msg, "0..255"));
    traffic_provider_free(p);
}

/* 120 weighted records of the same name sort before "eks" and "onprem": the sides are found
 * on the second page, and both are still written by one batch. */
static void test_pagination(void **state)
{
    struct fx *f = *state;
    char path[] = "/tmp/cutover-r53-batch-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *bf = fdopen(fd, "w");
    fprintf(bf, "{\"Changes\":[");
    for (int i = 0; i < 120; i++)
        fprintf(bf,
                "%s{\"Action\":\"CREATE\",\"ResourceRecordSet\":{\"Name\":\"" RECORD
                "\",\"Type\":\"A\",\"SetIdentifier\":\"a%03d\",\"Weight\":0,\"TTL\":60,"
                "\"ResourceRecords\":[{\"Value\":\"192.0.2.%d\"}]}}",
                i ? "," : "", i, i + 1);
    fprintf(bf, "]}");
    fclose(bf);
    json_object *j = aws_sim_test_cli(f->url,
                                      "route53 change-resource-record-sets --hosted-zone-id %s "
                                      "--change-batch file://%s",
                                      f->zone, path);
    json_object_put(j);
    unlink(path);

    struct traffic_provider *p = provider(f, "eks", false);
    long lists = aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets");
    struct traffic_reading r;
    must_read(p, &r);
    assert_true(aws_sim_test_count(f->sim, NULL, "route53:ListResourceRecordSets") >= lists + 2);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_true(r.side[TRAFFIC_NEW].present);
    int w[2];
    cli_weights(f, SIDES, w, 2);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, w[TRAFFIC_OLD]);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, w[TRAFFIC_NEW]);
    traffic_reading_fini(&r);

    struct traffic_weights to = {{90, 10}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    if (p->ops->apply(p, &to, &res, &err) < 0)
        fail_msg("apply: %s", err.msg);
    traffic_apply_result_fini(&res);
    const char *const ids[3] = {"onprem", "eks", "a007"};
    int w3[3];
    cli_weights(f, ids, w3, 3);
    assert_int_equal(w3[0], 90);
    assert_int_equal(w3[1], 10);
    assert_int_equal(w3[2], 0);
    traffic_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_demo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_70_30, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_fault_true_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_answer_not_resent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weights_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
