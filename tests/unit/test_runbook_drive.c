/* The guided runbook screen's flow (tui/runbook_drive.c) with a fake runner: Enter posts a
 * preview job and returns at once; the preview, the approval typed and the production name typed
 * are dialogs on the UI thread; the job then runs on the driver thread and its confirmations are
 * answered from those dialogs without asking again; a change that moved since the preview is
 * asked again; abort cancels a question and stops a wait; quit asks first while an action is in
 * flight; a lost Lease refuses the keys with the reason; what the runner says is sanitized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/dashboard.h"
#include "cutover/dialog.h"
#include "cutover/keymap.h"
#include "cutover/runbook_drive.h"
#include "cutover/widget.h"
#include "cutover/xalloc.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UI_MAX_MS 100 /* what a UI-thread call may take, at most */

/* The fake runner: what the ops saw and did. */
struct fake {
    struct runbook_drive *d;
    atomic_int previews;
    atomic_int executes;
    atomic_int approval_ok; /* what runbook_drive_confirm answered: 1 yes, 0 no, -1 not asked */
    atomic_int change_ok;
    const char *exec_key;  /* the key execute confirms the change with */
    const char *exec_word; /* and the word it wants */
    atomic_bool block;     /* execute: wait in ACTING until cleared */
    atomic_bool wait_stop; /* execute: wait in CHECKING until runbook_drive_stopping */
    atomic_bool stopped;   /* execute saw runbook_drive_stopping */
    atomic_bool lost;      /* the Lease is lost */
};

static int fake_preview(void *arg, enum runbook_drive_op op, struct runbook_drive_preview *pv)
{
    struct fake *f = arg;
    atomic_fetch_add(&f->previews, 1);
    pv->step = 1;
    pv->title = xstrdup(op == RUNBOOK_DRIVE_RUN ? "Run step 2/3: thirty" : "Roll back step 2/3");
    runbook_drive_preview_add(pv, "old onprem: 100 -> 70");
    runbook_drive_preview_add(pv, "new eks: 0 -> 30");
    if (op == RUNBOOK_DRIVE_RUN)
        pv->approval = xstrdup("shop-oncall");
    pv->confirm_word = xstrdup("api-dns");
    pv->confirm_prompt = xstrdup("type api-dns to confirm");
    pv->confirm_key = xstrdup("old onprem: 100 -> 70\nnew eks: 0 -> 30");
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int fake_execute(void *arg, enum runbook_drive_op op, size_t step)
{
    struct fake *f = arg;
    (void)op;
    assert_int_equal(step, 1);
    atomic_fetch_add(&f->executes, 1);
    runbook_drive_say(f->d, "  | old onprem: 100 -> 70\n  | evil \x1b[2Jtext");
    if (atomic_load(&f->wait_stop)) {
        runbook_drive_phase(f->d, RUNBOOK_DRIVE_CHECKING, step, 0);
        while (!runbook_drive_stopping(f->d))
            sleep_ms(10);
        atomic_store(&f->stopped, true);
        return -1;
    }
    atomic_store(&f->approval_ok, runbook_drive_confirm(f->d, RUNBOOK_DRIVE_ASK_APPROVAL, "approve",
                                                        "shop-oncall", NULL));
    runbook_drive_phase(f->d, RUNBOOK_DRIVE_ACTING, step, 0);
    atomic_store(&f->change_ok,
                 runbook_drive_confirm(f->d, RUNBOOK_DRIVE_ASK_CHANGE, "type api-dns to confirm",
                                       f->exec_word, f->exec_key));
    while (atomic_load(&f->block))
        sleep_ms(10);
    return atomic_load(&f->change_ok) ? 0 : -1;
}

static void fake_lease(void *arg, char *buf, size_t len, bool *lost)
{
    struct fake *f = arg;
    *lost = atomic_load(&f->lost);
    snprintf(buf, len, "%s", *lost ? "LOST: taken over by bob@elsewhere" : "held by this process");
}

struct fx {
    struct fake fake;
    int wake[2];
    struct dashboard *dash;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int setup(void **state)
{
    struct fx *x = xcalloc(1, sizeof *x);
    assert_int_equal(pipe(x->wake), 0);
    atomic_init(&x->fake.approval_ok, -1);
    atomic_init(&x->fake.change_ok, -1);
    x->fake.exec_key = "old onprem: 100 -> 70\nnew eks: 0 -> 30";
    x->fake.exec_word = "api-dns";
    struct runbook_drive_opts o = {
        .ops = {.preview = fake_preview, .execute = fake_execute, .lease = fake_lease},
        .arg = &x->fake,
        .wake_fd = x->wake[1],
        .who = "alice@laptop"};
    x->fake.d = runbook_drive_new(&o);
    struct error err;
    error_clear(&err);
    assert_int_equal(runbook_drive_start(x->fake.d, &err), 0);
    struct dashboard_opts dopts = {.context = {"onprem-prod", "eks-prod"}, .mode = "RUNBOOK"};
    analysis_config_init(&dopts.analysis);
    x->dash = dashboard_new(&dopts);
    dashboard_resize(x->dash, 40, 120);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    atomic_store(&x->fake.block, false);
    runbook_drive_free(x->fake.d);
    dashboard_free(x->dash);
    close(x->wake[0]);
    close(x->wake[1]);
    free(x);
    return 0;
}

/* Waits for the wake pipe (at most 5 s), drains it and lets the drive take what came. */
static void pump(struct fx *x)
{
    struct pollfd p = {.fd = x->wake[0], .events = POLLIN};
    assert_true(poll(&p, 1, 5000) == 1);
    char buf[64];
    ssize_t n = read(x->wake[0], buf, sizeof buf);
    assert_true(n > 0);
    runbook_drive_take(x->fake.d, x->dash);
}

/* Pumps until the open dialog is titled title (5 s at most). */
static void pump_until_dialog(struct fx *x, const char *title)
{
    double end = now_ms() + 5000;
    while (now_ms() < end) {
        struct dialog *dlg = dashboard_dialog(x->dash);
        if (dlg != NULL && strcmp(dialog_title(dlg), title) == 0)
            return;
        pump(x);
    }
    fail_msg("no dialog titled '%s'", title);
}

static void pump_until_idle(struct fx *x)
{
    double end = now_ms() + 5000;
    while (runbook_drive_busy(x->fake.d) && now_ms() < end)
        pump(x);
    assert_false(runbook_drive_busy(x->fake.d));
    /* what the job's end woke the UI for */
    struct pollfd p = {.fd = x->wake[0], .events = POLLIN};
    while (poll(&p, 1, 0) == 1)
        pump(x);
    runbook_drive_take(x->fake.d, x->dash);
}

static int key(struct fx *x, int k)
{
    assert_true(runbook_drive_has_dialog(x->fake.d, x->dash));
    return runbook_drive_key(x->fake.d, x->dash, k);
}

static void type(struct fx *x, const char *s)
{
    for (; *s; s++)
        key(x, (unsigned char)*s);
    key(x, KEYMAP_KEY_ENTER);
}

static bool dialog_has_line(struct dashboard *dash, const char *text)
{
    struct dialog *dlg = dashboard_dialog(dash);
    for (size_t i = 0; dlg && i < dialog_nlines(dlg); i++)
        if (strstr(dialog_line_text(dlg, i), text) != NULL)
            return true;
    return false;
}

/* Enter, then the three dialogs answered: y at the preview, the approval, the name. */
static void run_through_dialogs(struct fx *x)
{
    runbook_drive_action(x->fake.d, x->dash, RUNBOOK_DRIVE_RUN);
    pump_until_dialog(x, "Run step 2/3: thirty");
    key(x, 'y');
    type(x, "shop-oncall");
    type(x, "api-dns");
}

/* Enter: preview, approval, name: the job runs with both confirmations answered, none asked. */
static void test_run_answers_from_dialogs(void **state)
{
    struct fx *x = *state;
    double t0 = now_ms();
    int act = runbook_drive_action(x->fake.d, x->dash, RUNBOOK_DRIVE_RUN);
    assert_true(now_ms() - t0 < UI_MAX_MS); /* the preview is read on the driver thread */
    assert_true(act & ACT_REDRAW);
    assert_true(runbook_drive_has_dialog(x->fake.d, x->dash)); /* "reading the live state" */
    pump_until_dialog(x, "Run step 2/3: thirty");
    assert_true(dialog_has_line(x->dash, "old onprem: 100 -> 70"));
    assert_int_equal(atomic_load(&x->fake.executes), 0);
    key(x, 'y');
    assert_string_equal(dialog_title(dashboard_dialog(x->dash)), "Approval");
    type(x, "shop-oncal"); /* wrong: the dialog stays, nothing is posted */
    assert_string_equal(dialog_title(dashboard_dialog(x->dash)), "Approval");
    key(x, 'l');
    key(x, KEYMAP_KEY_ENTER);
    /* the change engine's own confirmation: the production target's name, not y */
    assert_true(runbook_drive_has_dialog(x->fake.d, x->dash));
    type(x, "y");
    assert_true(runbook_drive_has_dialog(x->fake.d, x->dash));
    assert_false(runbook_drive_busy(x->fake.d));
    key(x, KEYMAP_KEY_BACKSPACE);
    t0 = now_ms();
    type(x, "api-dns");
    assert_true(now_ms() - t0 < UI_MAX_MS);
    assert_false(runbook_drive_has_dialog(x->fake.d, x->dash));
    pump_until_idle(x);
    assert_int_equal(atomic_load(&x->fake.executes), 1);
    assert_int_equal(atomic_load(&x->fake.approval_ok), 1);
    assert_int_equal(atomic_load(&x->fake.change_ok), 1);
    assert_null(dashboard_dialog(x->dash)); /* nothing was asked again */
    char buf[512];
    runbook_drive_last_message(x->fake.d, buf, sizeof buf);
    assert_string_equal(buf, "step 2: run done");
}

/* n at the preview: nothing runs. */
static void test_preview_cancel(void **state)
{
    struct fx *x = *state;
    runbook_drive_action(x->fake.d, x->dash, RUNBOOK_DRIVE_RUN);
    pump_until_dialog(x, "Run step 2/3: thirty");
    key(x, 'n');
    assert_false(runbook_drive_has_dialog(x->fake.d, x->dash));
    sleep_ms(50);
    assert_int_equal(atomic_load(&x->fake.executes), 0);
    assert_false(runbook_drive_busy(x->fake.d));
}

/* The change moved since the preview: it is asked again, with the new lines. */
static void test_moved_change_asked_again(void **state)
{
    struct fx *x = *state;
    x->fake.exec_key = "old onprem: 90 -> 70\nnew eks: 10 -> 30";
    run_through_dialogs(x);
    pump_until_dialog(x, "Confirm the change");
    assert_true(dialog_has_line(x->dash, "the live state moved since the preview"));
    assert_true(dialog_has_line(x->dash, "old onprem: 90 -> 70"));
    type(x, "api-dns");
    pump_until_idle(x);
    assert_int_equal(atomic_load(&x->fake.approval_ok), 1);
    assert_int_equal(atomic_load(&x->fake.change_ok), 1);
}

/* A question is cancelled by abort: confirm returns false and the dialog closes. */
static void test_abort_cancels_question(void **state)
{
    struct fx *x = *state;
    x->fake.exec_key = "moved";
    run_through_dialogs(x);
    pump_until_dialog(x, "Confirm the change"); /* the key moved: asked again */
    assert_true(dialog_has_line(x->dash, "the live state moved since the preview"));
    runbook_drive_abort(x->fake.d, x->dash);
    pump_until_idle(x);
    assert_int_equal(atomic_load(&x->fake.change_ok), 0);
    assert_false(runbook_drive_has_dialog(x->fake.d, x->dash));
}

/* Abort stops a gate wait. */
static void test_abort_stops_wait(void **state)
{
    struct fx *x = *state;
    atomic_store(&x->fake.wait_stop, true);
    run_through_dialogs(x);
    double end = now_ms() + 5000;
    while (!runbook_drive_busy(x->fake.d) && now_ms() < end)
        sleep_ms(5);
    sleep_ms(50);
    assert_false(atomic_load(&x->fake.stopped));
    runbook_drive_abort(x->fake.d, x->dash);
    pump_until_idle(x);
    assert_true(atomic_load(&x->fake.stopped));
}

/* Quit asks first while an action is in flight; without one it quits at once. */
static void test_quit_asks_while_acting(void **state)
{
    struct fx *x = *state;
    assert_true(runbook_drive_quit(x->fake.d, x->dash) & ACT_QUIT);
    atomic_store(&x->fake.block, true);
    run_through_dialogs(x);
    double end = now_ms() + 5000;
    while (atomic_load(&x->fake.change_ok) != 1 && now_ms() < end)
        sleep_ms(5);
    int act = runbook_drive_quit(x->fake.d, x->dash);
    assert_false(act & ACT_QUIT);
    assert_string_equal(dialog_title(dashboard_dialog(x->dash)), "Quit?");
    assert_false(key(x, 'n') & ACT_QUIT);
    runbook_drive_quit(x->fake.d, x->dash);
    assert_true(key(x, 'y') & ACT_QUIT);
    atomic_store(&x->fake.block, false);
    pump_until_idle(x);
}

/* A lost Lease refuses the keys that act, with the reason; nothing is posted. */
static void test_lost_lease_refuses(void **state)
{
    struct fx *x = *state;
    atomic_store(&x->fake.lost, true);
    runbook_drive_action(x->fake.d, x->dash, RUNBOOK_DRIVE_RUN);
    assert_false(runbook_drive_has_dialog(x->fake.d, x->dash));
    assert_false(runbook_drive_busy(x->fake.d));
    assert_int_equal(atomic_load(&x->fake.previews), 0);
    char buf[512];
    runbook_drive_last_message(x->fake.d, buf, sizeof buf);
    assert_non_null(strstr(buf, "refused: LOST: taken over by bob@elsewhere"));
}

/* What the runner says reaches the screen line by line, without control sequences. */
static void test_say_sanitized(void **state)
{
    struct fx *x = *state;
    runbook_drive_say(x->fake.d, "one\ntwo \x1b]0;title\x07 three");
    char buf[512];
    runbook_drive_last_lines(x->fake.d, buf, sizeof buf);
    assert_non_null(strstr(buf, "one\ntwo "));
    assert_null(strchr(buf, '\x1b'));
    assert_null(strchr(buf, '\x07'));
    for (int i = 0; i < 100; i++)
        runbook_drive_say(x->fake.d, "filler");
    runbook_drive_say(x->fake.d, "last");
    runbook_drive_last_lines(x->fake.d, buf, sizeof buf);
    assert_null(strstr(buf, "one"));
    assert_non_null(strstr(buf, "filler\nlast"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_answers_from_dialogs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preview_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moved_change_asked_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_cancels_question, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_stops_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quit_asks_while_acting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_lease_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_say_sanitized, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
