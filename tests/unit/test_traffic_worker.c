/* The dashboard's traffic change flow (tui/traffic_worker.c) against the simulator's Route53:
 * `]` opens a preview with the exact call, `y` does not confirm a production target, its typed
 * name does; the change runs on the worker thread while every UI-thread call returns at once;
 * the outcome is "done" only after the read-back, the poller's snapshot shows the new weights,
 * the journal holds the intent and its result; Esc at the preview sends nothing. And the keys:
 * ] [ W R are bound to the traffic actions, and observer mode unbinds them and leaves them out
 * of the help, whatever the config binds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/actions.h"
#include "cutover/dashboard.h"
#include "cutover/dialog.h"
#include "cutover/journal.h"
#include "cutover/keymap.h"
#include "cutover/sim.h"
#include "cutover/traffic_poller.h"
#include "cutover/traffic_worker.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEMO_ZONE_ID "Z0SIMEXAMPLE00001" /* the demo scenario's example.com. */
#define UI_MAX_MS 150                    /* what a UI-thread call may take, at most */

struct fx {
    struct sim *sim;
    char dir[64];
    int wake[2];
    struct traffic_poller *poller;
    struct journal *journal;
    struct traffic_worker *tw;
    struct dashboard *dash;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static long sim_mutating(struct sim *sim)
{
    char *j = sim_requests_json(sim);
    json_object *o = json_tokener_parse(j), *aws = NULL, *m = NULL;
    long n = -1;
    if (json_object_object_get_ex(o, "aws", &aws) && json_object_object_get_ex(aws, "mutating", &m))
        n = (long)json_object_get_int64(m);
    json_object_put(o);
    free(j);
    return n;
}

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    struct sim_opts so = {.demo = true, .no_churn = true};
    struct error err;
    error_clear(&err);
    if (sim_start(&so, &f->sim, &err) < 0)
        fail_msg("sim_start: %s", err.msg);
    setenv("AWS_CONFIG_FILE", sim_aws_config_file(f->sim), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", sim_aws_credentials_file(f->sim), 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_PROFILE");
    snprintf(f->dir, sizeof f->dir, "/tmp/cutover-tw.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(pipe(f->wake), 0);

    struct traffic_target_cfg t = {
        .name = (char *)"api-dns",
        .kind = TRAFFIC_ROUTE53,
        .production = true,
        .plan = {0, 10, 30, 50, 100},
        .nplan = 5,
        .old_id = (char *)"onprem",
        .new_id = (char *)"eks",
        .zone_id = (char *)DEMO_ZONE_ID,
        .record_name = (char *)"api.shop.example.com.",
        .record_type = (char *)"A",
        .aws_profile = (char *)sim_aws_profile(f->sim),
        .aws_endpoint = (char *)sim_aws_url(f->sim),
        .tolerance_pct = 5,
    };
    struct traffic_poller_opts po = {
        .refresh_ms = 500,
        .wake_fd = f->wake[1],
        .env = {.timeout_ms = 5000, .insync_timeout_ms = 10000},
    };
    if (traffic_poller_start(&t, 1, &po, &f->poller, &err) != 0)
        fail_msg("traffic_poller_start: %s", err.msg);
    char path[128];
    snprintf(path, sizeof path, "%s/journal.jsonl", f->dir);
    if (journal_open(path, "tester@test", &f->journal, &err) != 0)
        fail_msg("journal_open: %s", err.msg);
    struct traffic_worker_opts wo = {
        .poller = f->poller, .journal = f->journal, .who = "tester@test", .wake_fd = f->wake[1]};
    assert_int_equal(traffic_worker_new(&wo, &f->tw, &err), 0);
    struct dashboard_opts dopts = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&dopts.analysis);
    f->dash = dashboard_new(&dopts);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    traffic_worker_free(f->tw);
    dashboard_free(f->dash);
    traffic_poller_stop(f->poller);
    journal_free(f->journal);
    sim_stop(f->sim);
    close(f->wake[0]);
    close(f->wake[1]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* What the UI loop does when woken: new traffic snapshot, finished jobs. */
static void pump_once(struct fx *f, int ms)
{
    struct pollfd p = {.fd = f->wake[0], .events = POLLIN};
    if (poll(&p, 1, ms) > 0) {
        char buf[256];
        ssize_t r = read(f->wake[0], buf, sizeof buf);
        (void)r;
    }
    struct traffic_snapshot *s = traffic_poller_get(f->poller);
    dashboard_set_traffic(f->dash, s);
    traffic_snapshot_unref(s);
    double t0 = now_ms();
    traffic_worker_poll(f->tw, f->dash);
    assert_true(now_ms() - t0 < UI_MAX_MS);
}

/* Pumps until the flow's dialog has text in its title or one of its lines (or timeout_ms). */
static struct dialog *wait_dialog(struct fx *f, const char *text, int timeout_ms)
{
    double end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        pump_once(f, 100);
        struct dialog *d = dashboard_dialog(f->dash);
        if (d && traffic_worker_has_dialog(f->tw, f->dash)) {
            if (strstr(dialog_title(d), text))
                return d;
            for (size_t i = 0; i < dialog_nlines(d); i++)
                if (strstr(dialog_line_text(d, i), text))
                    return d;
        }
    }
    fail_msg("no dialog with '%s' within %d ms", text, timeout_ms);
    return NULL;
}

static void wait_reading(struct fx *f)
{
    double end = now_ms() + 20000;
    while (now_ms() < end) {
        pump_once(f, 100);
        const struct traffic_target_state *st = dashboard_traffic_selected(f->dash);
        /* the worker first resolves interrupted changes of the journal (none here) */
        if (st && st->have_reading && !st->busy && !traffic_worker_busy(f->tw))
            return;
    }
    fail_msg("no reading of api-dns");
}

/* A key to the flow, timed: the UI thread never waits on the network. */
static void key(struct fx *f, int k)
{
    double t0 = now_ms();
    traffic_worker_key(f->tw, f->dash, k);
    assert_true(now_ms() - t0 < UI_MAX_MS);
}

static void type(struct fx *f, const char *s)
{
    for (; *s; s++)
        key(f, *s);
}

static int count_kind(const struct journal_record *rec, void *ctx)
{
    size_t *n = ctx;
    n[rec->kind]++;
    return 0;
}

static void test_next_step_typed_name(void **state)
{
    struct fx *f = *state;
    wait_reading(f);
    const struct traffic_target_state *st = dashboard_traffic_selected(f->dash);
    assert_int_equal(st->percent, 0);
    long mut0 = sim_mutating(f->sim);

    double t0 = now_ms();
    traffic_worker_action(f->tw, f->dash, TRAFFIC_OP_NEXT);
    assert_true(now_ms() - t0 < UI_MAX_MS);
    struct dialog *d = wait_dialog(f, "ChangeResourceRecordSets", 20000);
    assert_int_equal(dialog_mode(d), DIALOG_MODE_TYPE);
    bool before_after = false;
    for (size_t i = 0; i < dialog_nlines(d); i++)
        before_after |= strstr(dialog_line_text(d, i), "100 -> 90") != NULL;
    assert_true(before_after);

    /* 'y' does not confirm a production target */
    key(f, 'y');
    key(f, KEYMAP_KEY_ENTER);
    assert_ptr_equal(dashboard_dialog(f->dash), d);
    assert_int_equal(dialog_mode(d), DIALOG_MODE_TYPE);
    assert_int_equal(sim_mutating(f->sim), mut0);
    key(f, KEYMAP_MOD_CTRL | 'u');
    type(f, "api-dns");
    key(f, KEYMAP_KEY_ENTER);
    /* the change runs on the worker thread: the UI is back at once with a progress dialog */
    d = wait_dialog(f, "api-dns: done (read back)", 30000);
    assert_int_equal(sim_mutating(f->sim), mut0 + 1);

    /* the snapshot after the change shows what is live */
    double end = now_ms() + 10000;
    while (now_ms() < end) {
        pump_once(f, 100);
        st = dashboard_traffic_selected(f->dash);
        if (!st->busy && st->reading.side[0].weight == 90)
            break;
    }
    assert_int_equal(st->reading.side[0].weight, 90);
    assert_int_equal(st->reading.side[1].weight, 10);
    assert_int_equal(st->percent, 10);
    key(f, KEYMAP_KEY_ENTER);
    assert_null(dashboard_dialog(f->dash));

    size_t n[JOURNAL_KINDS] = {0};
    assert_int_equal(journal_read(journal_path(f->journal), count_kind, NULL, n, NULL, NULL), 0);
    assert_int_equal(n[JOURNAL_INTENT], 1);
    assert_int_equal(n[JOURNAL_RESULT], 1);
}

static void test_cancel_sends_nothing(void **state)
{
    struct fx *f = *state;
    wait_reading(f);
    long mut0 = sim_mutating(f->sim);
    traffic_worker_action(f->tw, f->dash, TRAFFIC_OP_SET);
    struct dialog *d = dashboard_dialog(f->dash);
    assert_non_null(d);
    assert_int_equal(dialog_mode(d), DIALOG_MODE_INPUT);
    type(f, "150");
    key(f, KEYMAP_KEY_ENTER); /* over 100: refused in the field */
    assert_int_equal(dialog_mode(dashboard_dialog(f->dash)), DIALOG_MODE_INPUT);
    key(f, KEYMAP_KEY_BACKSPACE);
    key(f, KEYMAP_KEY_BACKSPACE);
    key(f, KEYMAP_KEY_BACKSPACE);
    type(f, "30");
    key(f, KEYMAP_KEY_ENTER);
    d = wait_dialog(f, "-> 70", 20000);
    key(f, KEYMAP_KEY_ESC);
    assert_null(dashboard_dialog(f->dash));
    assert_false(traffic_worker_busy(f->tw));
    assert_int_equal(sim_mutating(f->sim), mut0);
    size_t n[JOURNAL_KINDS] = {0};
    int rc = journal_read(journal_path(f->journal), count_kind, NULL, n, NULL, NULL);
    assert_true(rc == 0 || rc == -ENOENT);
    assert_int_equal(n[JOURNAL_INTENT], 0);
}

/* A change interrupted by a crash (its intent journaled, no result, nothing applied): the next
 * worker resolves it against a fresh reading before offering any change, says so in a dialog,
 * and journals the result; it never repeats the change. */
static void test_resume_at_start(void **state)
{
    struct fx *f = *state;
    wait_reading(f);
    traffic_worker_free(f->tw);
    f->tw = NULL;
    json_object *fields = json_tokener_parse(
        "{\"action\":\"traffic.next\",\"target\":\"api-dns\",\"provider\":\"route53\","
        "\"before\":{\"old\":100,\"new\":0},\"after\":{\"old\":90,\"new\":10},"
        "\"before_pct\":0,\"after_pct\":10,\"calls\":[\"route53 ChangeResourceRecordSets\"]}");
    assert_non_null(fields);
    struct error err;
    error_clear(&err);
    assert_int_equal(
        journal_append(f->journal, JOURNAL_INTENT, "traffic:api-dns:1", fields, NULL, &err), 0);
    json_object_put(fields);
    long mut0 = sim_mutating(f->sim);

    struct traffic_worker_opts wo = {
        .poller = f->poller, .journal = f->journal, .who = "tester@test", .wake_fd = f->wake[1]};
    assert_int_equal(traffic_worker_new(&wo, &f->tw, &err), 0);
    struct dialog *d = wait_dialog(f, "journal: changes interrupted", 20000);
    bool said = false;
    for (size_t i = 0; i < dialog_nlines(d); i++)
        said |= strstr(dialog_line_text(d, i), "traffic:api-dns:1") != NULL;
    assert_true(said);
    assert_int_equal(sim_mutating(f->sim), mut0); /* nothing repeated */
    key(f, KEYMAP_KEY_ENTER);
    assert_null(dashboard_dialog(f->dash));
    struct journal_pending *p = NULL;
    size_t np = 9;
    assert_int_equal(journal_pending(journal_path(f->journal), &p, &np, &err), 0);
    assert_int_equal(np, 0);
    journal_pending_free(p, np);
}

/* ---- the keys ----------------------------------------------------------------------------- */

static bool help_has(const struct panel_help_entry *e, size_t n, const char *action,
                     const char *keys)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].action, action) == 0)
            return keys == NULL || strcmp(e[i].keys, keys) == 0;
    return false;
}

static void test_keys_and_observer(void **state)
{
    (void)state;
    size_t n;
    const char *const *names = actions_names(&n);
    struct error err;
    error_clear(&err);
    struct keymap *km = keymap_new_default(names, n, &err);
    assert_non_null(km);
    assert_string_equal(keymap_lookup(km, ']'), "traffic-next");
    assert_string_equal(keymap_lookup(km, '['), "traffic-prev");
    assert_string_equal(keymap_lookup(km, 'W'), "traffic-set");
    assert_string_equal(keymap_lookup(km, 'R'), "traffic-rollback");
    size_t nh;
    struct panel_help_entry *e = actions_help_mode(km, false, &nh);
    assert_true(help_has(e, nh, "traffic-next", "]"));
    assert_true(help_has(e, nh, "traffic-rollback", "R"));
    actions_help_free(e, nh);
    char th[256];
    assert_string_equal(actions_traffic_hints(km, th, sizeof th),
                        "]:next step  [:prev step  W:set %  R:rollback");

    /* observer: a config binding one of them again does not survive */
    keymap_bind(km, 'x', "traffic-set");
    actions_unbind_mutating(km);
    assert_null(keymap_lookup(km, ']'));
    assert_null(keymap_lookup(km, '['));
    assert_null(keymap_lookup(km, 'W'));
    assert_null(keymap_lookup(km, 'R'));
    assert_null(keymap_lookup(km, 'x'));
    assert_string_equal(keymap_lookup(km, 'q'), "quit");
    e = actions_help_mode(km, true, &nh);
    for (size_t i = 0; i < nh; i++)
        assert_null(strstr(e[i].action, "traffic-"));
    assert_true(help_has(e, nh, "quit", NULL));
    actions_help_free(e, nh);
    char hints[256];
    assert_null(strstr(actions_hints(km, hints, sizeof hints), "traffic"));
    assert_string_equal(actions_traffic_hints(km, th, sizeof th), "");

    /* without a worker (observer, or no target) the action says so and changes nothing */
    struct dashboard_opts dopts = {.context = {"a", "b"}, .mode = "OBSERVER"};
    analysis_config_init(&dopts.analysis);
    struct dashboard *d = dashboard_new(&dopts);
    struct action_ctx ctx = {.dash = d};
    assert_int_equal(actions_find("traffic-next")->fn(&ctx), ACT_REDRAW);
    assert_null(dashboard_dialog(d));
    assert_true(actions_mutating("traffic-rollback"));
    assert_false(actions_mutating("refresh"));
    dashboard_free(d);
    keymap_free(km);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_next_step_typed_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_sends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_at_start, setup, teardown),
        cmocka_unit_test(test_keys_and_observer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
