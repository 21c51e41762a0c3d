/* Route53 apply is a compare-and-swap (issue #4: never overwrite what someone else set): the
 * change batch DELETEs each record exactly as the last read saw it and CREATEs it with the new
 * weight, so when another client changed a weight between the preview and the apply, Route53
 * (here the simulator, which does what Route53 does) refuses the whole batch with
 * InvalidChangeBatch and nothing of it lands. The change engine shows "changed since read:
 * re-read and preview again", journals the result "changed-since-read", and never retries: the
 * simulator counted one ChangeResourceRecordSets of ours and the other client's weights are
 * live, by the aws CLI. Reading and previewing again, the change goes through. */

#include "../lib/aws_sim_test.h"

#include "cutover/aws_http.h"
#include "cutover/journal.h"
#include "cutover/sim.h"
#include "cutover/traffic_change.h"
#include "cutover/traffic_provider.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define RECORD "api.shop.example.com."

static const char *const IDS[2] = {"onprem", "eks"};

static void weights_are(const struct aws_sim_test_r53 *f, int old_w, int new_w)
{
    int w[2];
    aws_sim_test_r53_pair_weights(f, w);
    if (w[0] != old_w || w[1] != new_w)
        fail_msg("the aws CLI reads %d/%d, expected %d/%d", w[0], w[1], old_w, new_w);
}

/* Another client sets the weights (its own ChangeResourceRecordSets). */
static void other_client_sets(const struct aws_sim_test_r53 *f, int old_w, int new_w)
{
    const int w[2] = {old_w, new_w};
    aws_sim_test_r53_set_weights(f->url, f->zone, RECORD, NULL, IDS, w, 2);
}

/* The provider alone: read, someone changes the weights, apply refuses with a conflict. */
static void test_apply_after_other_change_conflicts(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    struct traffic_reading r;
    struct error err;
    error_clear(&err);
    assert_int_equal(f->p->ops->read(f->p, &r, &err), 0);
    assert_int_equal(r.side[0].weight, 100);
    assert_int_equal(r.side[1].weight, 0);
    traffic_reading_fini(&r);

    /* the preview names the compare-and-swap: the weights read, the weights to write */
    struct traffic_weights to = {{70, 30}};
    char **lines = NULL;
    size_t n = 0;
    assert_int_equal(f->p->ops->describe(f->p, &to, &lines, &n, &err), 0);
    assert_int_equal(n, 1);
    if (strstr(lines[0], "DELETE " RECORD " A onprem weight 100 + CREATE weight 70") == NULL ||
        strstr(lines[0], "DELETE " RECORD " A eks weight 0 + CREATE weight 30") == NULL)
        fail_msg("describe: %s", lines[0]);
    free(lines[0]);
    free(lines);

    other_client_sets(f, 90, 10);
    long before = aws_sim_test_r53_changes(f);
    struct traffic_apply_result res;
    error_clear(&err);
    assert_int_equal(f->p->ops->apply(f->p, &to, &res, &err), -1);
    assert_true(res.conflict);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 0);
    assert_non_null(strstr(res.detail, "changed since read: re-read and preview again"));
    assert_non_null(strstr(err.msg, "InvalidChangeBatch"));
    assert_non_null(strstr(err.msg, "do not match the current values"));
    traffic_apply_result_fini(&res);
    assert_int_equal(aws_sim_test_r53_changes(f), before + 1); /* sent once, not retried */
    weights_are(f, 90, 10); /* the other client's weights stand */

    /* re-read: the apply now holds the new values and goes through */
    aws_sim_test_r53_read(f);
    if (f->p->ops->apply(f->p, &to, &res, &err) != 0)
        fail_msg("apply after a re-read: %s", err.msg);
    assert_false(res.conflict);
    traffic_apply_result_fini(&res);
    weights_are(f, 70, 30);
    /* and the next apply needs no read: the provider knows what it wrote */
    struct traffic_weights back = {{100, 0}};
    if (f->p->ops->apply(f->p, &back, &res, &err) != 0)
        fail_msg("second apply: %s", err.msg);
    traffic_apply_result_fini(&res);
    weights_are(f, 100, 0);
}

/* Only the second record changed: the batch is atomic, so the first record's DELETE + CREATE
 * (which alone would have matched) does not land either. */
static void test_batch_is_atomic(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    aws_sim_test_r53_read(f);
    struct error err;
    error_clear(&err);
    const char *const eks[1] = {"eks"};
    const int five[1] = {5};
    aws_sim_test_r53_set_weights(f->url, f->zone, RECORD, NULL, eks, five, 1);
    struct traffic_weights to = {{50, 50}};
    struct traffic_apply_result res;
    assert_int_equal(f->p->ops->apply(f->p, &to, &res, &err), -1);
    assert_true(res.conflict);
    traffic_apply_result_fini(&res);
    weights_are(f, 100, 5);
}

/* A record deleted since the read is a conflict too. */
static void test_record_gone_conflicts(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    aws_sim_test_r53_read(f);
    struct error err;
    error_clear(&err);
    /* the other client: eks DELETEd (exactly as listed), so the record is gone */
    char *listed = aws_sim_test_r53_list(f->url, f->zone, RECORD);
    const char *a = strstr(listed, "<SetIdentifier>eks</SetIdentifier>");
    assert_non_null(a);
    const char *s0 = listed, *s = NULL;
    while ((s0 = strstr(s0, "<ResourceRecordSet>")) != NULL && s0 < a)
        s = s0++;
    assert_non_null(s);
    const char *e = strstr(a, "</ResourceRecordSet>") + strlen("</ResourceRecordSet>");
    char *set = xstrndup(s, (size_t)(e - s));
    char *body =
        xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest "
                  "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch>"
                  "<Changes><Change><Action>DELETE</Action>%s</Change></Changes>"
                  "</ChangeBatch></ChangeResourceRecordSetsRequest>",
                  set);
    struct aws_client *c = aws_sim_test_r53_client(f->url);
    char *path = xasprintf("/2013-04-01/hostedzone/%s/rrset/", f->zone);
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    if (aws_rest(c, "POST", "ChangeResourceRecordSets", path, body, "application/xml", &resp,
                 &err) != 0)
        fail_msg("the other client's DELETE: %s", err.msg);
    aws_response_fini(&resp);
    aws_client_free(c);
    free(path);
    free(body);
    free(set);
    free(listed);

    struct traffic_weights to = {{50, 50}};
    struct traffic_apply_result res;
    assert_int_equal(f->p->ops->apply(f->p, &to, &res, &err), -1);
    assert_true(res.conflict);
    assert_non_null(strstr(err.msg, "but it was not found"));
    traffic_apply_result_fini(&res);
    weights_are(f, 100, -1);
}

/* Through the change engine: the preview at 100/0, the other client's change lands after the
 * engine's own re-read and before its ChangeResourceRecordSets (from the progress callback,
 * "applying ..."). */
struct race {
    struct aws_sim_test_r53 *f;
    bool done;
};

static void race_progress(const char *target, const char *text, void *ctx)
{
    (void)target;
    struct race *r = ctx;
    if (!r->done && strncmp(text, "applying", 8) == 0) {
        r->done = true;
        other_client_sets(r->f, 80, 20);
    }
}

struct outcomes {
    int changed_since_read;
    int done;
};

static int count_outcome(const struct journal_record *rec, void *ctx)
{
    struct outcomes *o = ctx;
    json_object *v = NULL;
    if (rec->kind == JOURNAL_RESULT && json_object_object_get_ex(rec->fields, "outcome", &v)) {
        o->changed_since_read += strcmp(json_object_get_string(v), "changed-since-read") == 0;
        o->done += strcmp(json_object_get_string(v), "done") == 0;
    }
    return 0;
}

static void test_engine_conflict_between_preview_and_apply(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/journal.jsonl", f->dir);
    struct journal *j = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_open(path, "sre@box", &j, &err), 0);
    struct race race = {.f = f};
    struct traffic_change_opts o = {.progress = race_progress, .progress_ctx = &race};
    struct traffic_change *tc = NULL;
    assert_int_equal(traffic_change_new(j, &o, &tc), 0);

    aws_sim_test_r53_refresh(f);
    struct traffic_preview *pv = NULL;
    if (traffic_change_prepare(tc, f->p, &f->st, TRAFFIC_CHANGE_SET, 30, &pv, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    long before = aws_sim_test_r53_changes(f);
    struct traffic_outcome out;
    error_clear(&err);
    assert_int_equal(traffic_change_execute(tc, f->p, pv, "sre@box", &out, &err), -1);
    assert_true(race.done);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_REFUSED);
    if (strstr(out.text, "changed since read: re-read and preview again") == NULL ||
        strstr(out.text, "live now: old 80 new 20") == NULL)
        fail_msg("outcome text: %s", out.text);
    assert_true(out.have_live);
    assert_true(out.journal_complete);
    assert_false(out.offer_forward);
    assert_false(out.offer_rollback);
    traffic_outcome_fini(&out);
    traffic_preview_free(pv);
    /* the other client's change and ours (refused): never retried */
    assert_int_equal(aws_sim_test_r53_changes(f), before + 2);
    weights_are(f, 80, 20);
    /* R has nothing to return to: the refused change moved nothing */
    struct traffic_weights good;
    assert_int_equal(traffic_change_last_good(tc, "shop-api-dns", &good, &err), -1);

    /* re-read and preview again: done */
    aws_sim_test_r53_refresh(f);
    if (traffic_change_prepare(tc, f->p, &f->st, TRAFFIC_CHANGE_SET, 30, &pv, &err) != 0)
        fail_msg("prepare again: %s", err.msg);
    assert_int_equal(pv->before.w[0], 80);
    if (traffic_change_execute(tc, f->p, pv, "sre@box", &out, &err) != 0)
        fail_msg("execute again: %s", err.msg);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_DONE);
    traffic_outcome_fini(&out);
    traffic_preview_free(pv);
    weights_are(f, 70, 30);

    struct outcomes oc = {0};
    size_t problems = 9;
    assert_int_equal(journal_read(path, count_outcome, NULL, &oc, &problems, &err), 0);
    assert_int_equal(problems, 0);
    assert_int_equal(oc.changed_since_read, 1);
    assert_int_equal(oc.done, 1);
    traffic_change_free(tc);
    journal_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply_after_other_change_conflicts,
                                        aws_sim_test_r53_setup, aws_sim_test_r53_teardown),
        cmocka_unit_test_setup_teardown(test_batch_is_atomic, aws_sim_test_r53_setup,
                                        aws_sim_test_r53_teardown),
        cmocka_unit_test_setup_teardown(test_record_gone_conflicts, aws_sim_test_r53_setup,
                                        aws_sim_test_r53_teardown),
        cmocka_unit_test_setup_teardown(test_engine_conflict_between_preview_and_apply,
                                        aws_sim_test_r53_setup, aws_sim_test_r53_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
