/* A change whose intent the journal cannot record is not made (issue #4: "a journal record
 * written before (intent) and after (result), fsynced"): with the Route53 provider against the
 * simulator, a journal on a full disk (/dev/full: ENOSPC on write), on a file that cannot be
 * fsynced (/dev/null: EINVAL), and on a real journal that may not grow (RLIMIT_FSIZE: EFBIG),
 * the change is refused with the reason, the simulator's /requests shows no mutating call, the
 * aws CLI shows the weights unchanged, and the journal keeps every earlier record intact; once
 * the journal can be written again the same change goes through. */

#include "../lib/aws_sim_test.h"

#include "cutover/journal.h"
#include "cutover/sim.h"
#include "cutover/traffic_change.h"
#include "cutover/traffic_provider.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* `]` on a journal that cannot take the intent: refused with why, nothing sent. */
static void next_step_refused(struct aws_sim_test_r53 *f, struct journal *j, const char *why)
{
    struct traffic_change *tc = NULL;
    assert_int_equal(traffic_change_new(j, NULL, &tc), 0);
    aws_sim_test_r53_refresh(f);
    struct traffic_preview *pv = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_change_prepare(tc, f->p, &f->st, TRAFFIC_CHANGE_NEXT, 0, &pv, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    assert_int_equal(pv->after.w[1], 10);
    long mutating = aws_sim_test_count(f->sim, "mutating", NULL);
    long changes = aws_sim_test_r53_changes(f);
    struct traffic_outcome out;
    error_clear(&err);
    assert_int_equal(traffic_change_execute(tc, f->p, pv, "sre@box", &out, &err), -1);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_REFUSED);
    assert_null(out.intent_id);
    assert_false(out.journal_complete);
    /* the user is told: nothing was sent, and why */
    if (strstr(out.text, "refused, nothing sent: the journal cannot record the intent") == NULL ||
        strstr(out.text, why) == NULL)
        fail_msg("outcome text \"%s\" does not say why (%s)", out.text, why);
    assert_non_null(strstr(err.msg, why));
    /* the simulator saw no mutating call at all, and the records are as they were */
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), mutating);
    assert_int_equal(aws_sim_test_r53_changes(f), changes);
    traffic_outcome_fini(&out);
    traffic_preview_free(pv);
    traffic_change_free(tc);
}

static void test_disk_full(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    struct journal *j = NULL;
    struct error err;
    error_clear(&err);
    if (journal_open("/dev/full", "sre@box", &j, &err) != 0)
        fail_msg("journal_open /dev/full: %s", err.msg);
    next_step_refused(f, j, "No space left on device");
    int w[2];
    aws_sim_test_r53_pair_weights(f, w);
    assert_int_equal(w[0], 100);
    assert_int_equal(w[1], 0);
    journal_free(j);
}

static void test_fsync_fails(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    struct journal *j = NULL;
    struct error err;
    error_clear(&err);
    if (journal_open("/dev/null", "sre@box", &j, &err) != 0)
        fail_msg("journal_open /dev/null: %s", err.msg);
    /* write() succeeds (the bytes go nowhere), fsync() fails: not on disk, so not applied */
    next_step_refused(f, j, "fsync: Invalid argument");
    int w[2];
    aws_sim_test_r53_pair_weights(f, w);
    assert_int_equal(w[0], 100);
    assert_int_equal(w[1], 0);
    journal_free(j);
}

struct count {
    int records, intents, results;
};

static int count_rec(const struct journal_record *rec, void *ctx)
{
    struct count *c = ctx;
    c->records++;
    c->intents += rec->kind == JOURNAL_INTENT;
    c->results += rec->kind == JOURNAL_RESULT;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = xmalloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

/* A real journal that may not grow (the file-size limit, as a full quota would): the change is
 * refused, the file is byte for byte what it was, and once it may grow the change is made. */
static void test_file_may_not_grow(void **state)
{
    struct aws_sim_test_r53 *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/journal.jsonl", f->dir);
    struct journal *j = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_open(path, "sre@box", &j, &err), 0);
    json_object *note = json_object_new_object();
    json_object_object_add(note, "text", json_object_new_string("migration starts"));
    assert_int_equal(journal_append(j, JOURNAL_NOTE, "start", note, NULL, &err), 0);
    json_object_put(note);

    size_t len0;
    char *before = slurp(path, &len0);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_sa;
    sigaction(SIGXFSZ, &ign, &old_sa); /* else the kernel kills us at the limit */
    struct rlimit old_rl, rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_rl), 0);
    rl = old_rl;
    rl.rlim_cur = (rlim_t)len0;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    next_step_refused(f, j, "File too large");
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_rl), 0);
    sigaction(SIGXFSZ, &old_sa, NULL);

    size_t len1;
    char *after = slurp(path, &len1);
    assert_int_equal(len1, len0);
    assert_memory_equal(after, before, len0);
    free(after);
    int w[2];
    aws_sim_test_r53_pair_weights(f, w);
    assert_int_equal(w[0], 100);
    assert_int_equal(w[1], 0);

    /* the journal can be written again: the same change goes through, intent and result */
    struct traffic_change *tc = NULL;
    assert_int_equal(traffic_change_new(j, NULL, &tc), 0);
    aws_sim_test_r53_refresh(f);
    struct traffic_preview *pv = NULL;
    error_clear(&err);
    if (traffic_change_prepare(tc, f->p, &f->st, TRAFFIC_CHANGE_NEXT, 0, &pv, &err) != 0)
        fail_msg("prepare after the journal recovered: %s", err.msg);
    struct traffic_outcome out;
    if (traffic_change_execute(tc, f->p, pv, "sre@box", &out, &err) != 0)
        fail_msg("execute after the journal recovered: %s", err.msg);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_DONE);
    assert_true(out.journal_complete);
    traffic_outcome_fini(&out);
    traffic_preview_free(pv);
    traffic_change_free(tc);
    aws_sim_test_r53_pair_weights(f, w);
    assert_int_equal(w[0], 90);
    assert_int_equal(w[1], 10);

    /* nothing lost: the note, then the intent and the result, all good */
    struct count c = {0};
    size_t problems = 99;
    assert_int_equal(journal_read(path, count_rec, NULL, &c, &problems, &err), 0);
    assert_int_equal(problems, 0);
    assert_int_equal(c.records, 3);
    assert_int_equal(c.intents, 1);
    assert_int_equal(c.results, 1);
    size_t len2;
    char *now = slurp(path, &len2);
    assert_memory_equal(now, before, len0); /* what was there is still there */
    free(now);
    free(before);
    journal_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disk_full, aws_sim_test_r53_setup,
                                        aws_sim_test_r53_teardown),
        cmocka_unit_test_setup_teardown(test_fsync_fails, aws_sim_test_r53_setup,
                                        aws_sim_test_r53_teardown),
        cmocka_unit_test_setup_teardown(test_file_may_not_grow, aws_sim_test_r53_setup,
                                        aws_sim_test_r53_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
