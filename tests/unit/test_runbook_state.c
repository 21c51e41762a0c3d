/* Runbook step states through the journal: what a restarted driver or another terminal reads
 * back is where the runbook stands (the step to resume at, who moved it and when). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/runbook_state.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char rb_yaml[] =
    "name: shop\nsource: onprem-prod\ntarget: eks-prod\nsteps:\n"
    "  - title: gate\n    checks: [{check: nodes_ready}]\n"
    "  - title: thirty\n    action: {do: set_weights, target: api-dns, percent: 30}\n"
    "  - title: all\n    action: {do: set_weights, target: api-dns, percent: 100}\n";

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cutover-rbstate-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct runbook *load(const char *yaml)
{
    struct runbook *rb = NULL;
    struct error err;
    assert_int_equal(runbook_load_text(yaml, strlen(yaml), "rb.yaml", NULL, 0, &rb, &err), 0);
    return rb;
}

static void test_progress_round_trip(void **state)
{
    (void)state;
    struct runbook *rb = load(rb_yaml);
    char path[128];
    snprintf(path, sizeof path, "%s/j.jsonl", dir);
    struct journal *j = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_open(path, "alice@laptop", &j, &err), 0);

    struct runbook_progress p;
    runbook_progress_init(&p, rb);
    assert_int_equal(runbook_progress_read(&p, rb, "/nonexistent/j.jsonl", NULL, &err), 0);
    assert_int_equal(runbook_progress_current(&p), 0);
    runbook_progress_fini(&p);

    assert_int_equal(runbook_journal_state(j, rb, 0, RUNBOOK_STEP_DONE, NULL, &err), 0);
    assert_int_equal(runbook_journal_state(j, rb, 1, RUNBOOK_STEP_RUNNING, "set api-dns 30%", &err),
                     0);
    /* Another runbook's records in the same journal do not count. */
    struct runbook *other = load("name: other\nsource: onprem-prod\ntarget: eks-prod\nsteps:\n"
                                 "  - title: a\n  - title: b\n  - title: c\n");
    assert_int_equal(runbook_journal_state(j, other, 2, RUNBOOK_STEP_DONE, NULL, &err), 0);
    assert_int_equal(runbook_journal_state(j, rb, 7, RUNBOOK_STEP_DONE, NULL, &err), -EINVAL);

    runbook_progress_init(&p, rb);
    assert_int_equal(runbook_progress_read(&p, rb, path, NULL, &err), 0);
    assert_int_equal(p.state[0], RUNBOOK_STEP_DONE);
    assert_int_equal(p.state[1], RUNBOOK_STEP_RUNNING);
    assert_int_equal(p.state[2], RUNBOOK_STEP_PENDING);
    assert_string_equal(p.who[1], "alice@laptop");
    assert_true(p.since[1] > 1700000000);
    assert_int_equal(p.records, 2);
    /* A crash while step 2 runs: resume at step 2, not 3, and not step 1 again. */
    assert_int_equal(runbook_progress_current(&p), 1);
    runbook_progress_fini(&p);

    assert_int_equal(runbook_journal_state(j, rb, 1, RUNBOOK_STEP_SOAKING, NULL, &err), 0);
    assert_int_equal(runbook_journal_state(j, rb, 1, RUNBOOK_STEP_FAILED, "soak: gate", &err), 0);
    assert_int_equal(runbook_journal_state(j, rb, 1, RUNBOOK_STEP_ROLLED_BACK, NULL, &err), 0);
    runbook_progress_init(&p, rb);
    assert_int_equal(runbook_progress_read(&p, rb, path, NULL, &err), 0);
    assert_int_equal(p.state[1], RUNBOOK_STEP_ROLLED_BACK);
    assert_int_equal(runbook_progress_current(&p), 1);
    runbook_progress_fini(&p);

    assert_int_equal(runbook_journal_state(j, rb, 1, RUNBOOK_STEP_DONE, NULL, &err), 0);
    assert_int_equal(runbook_journal_state(j, rb, 2, RUNBOOK_STEP_DONE, NULL, &err), 0);
    runbook_progress_init(&p, rb);
    assert_int_equal(runbook_progress_read(&p, rb, path, NULL, &err), 0);
    assert_int_equal(runbook_progress_current(&p), 3);
    runbook_progress_fini(&p);

    journal_free(j);
    runbook_free(other);
    runbook_free(rb);
}

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < RUNBOOK_STEP_STATES; i++)
        assert_int_equal(
            runbook_step_state_from_name(runbook_step_state_name((enum runbook_step_state)i)), i);
    assert_int_equal(runbook_step_state_from_name("finished"), -1);
    struct runbook *rb = load(rb_yaml);
    char id[64];
    assert_string_equal(runbook_state_id(rb, 1, id, sizeof id), "runbook:shop:step:2");
    runbook_free(rb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_round_trip),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
