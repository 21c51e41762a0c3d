/* tui/drift_worker.c against the simulator's demo (in process): the ConfigMap diff asked for by
 * Enter in the drift view arrives through the wake fd; force-sync opens a preview read from the
 * cluster (the annotation before -> after, the exact PATCH), `n` sends nothing and journals
 * nothing, `y` journals an intent, sends one PATCH, reads the annotation back and journals the
 * result; without a journal (observer mode) it is refused before anything is read. The UI calls
 * return at once: every request runs on the worker thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/canvas_grid.h"
#include "cutover/dashboard.h"
#include "cutover/dialog.h"
#include "cutover/drift_reader.h"
#include "cutover/drift_view.h"
#include "cutover/drift_worker.h"
#include "cutover/journal.h"
#include "cutover/k8s_http.h"
#include "cutover/keymap.h"
#include "cutover/kubeconfig.h"
#include "cutover/panel_drift.h"
#include "cutover/sim.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fx {
    struct sim *sim;
    struct kubeconfig *kc;
    struct kube_context ctx[2];
    struct k8s_http *http[2];
    struct drift_snapshot *snap;
    struct journal *journal;
    char dir[64];
    char jpath[128];
    int wake[2];
    struct dashboard *dash;
};

static long sim_mutating(struct sim *sim)
{
    char *j = sim_requests_json(sim);
    json_object *o = json_tokener_parse(j), *m = NULL;
    long n = -1;
    if (o && json_object_object_get_ex(o, "mutating", &m))
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
    if (kubeconfig_load(sim_kubeconfig_path(f->sim), &f->kc, &err) != 0)
        fail_msg("kubeconfig: %s", err.msg);
    struct drift_side *sides[2];
    for (int s = 0; s < 2; s++) {
        if (kubeconfig_resolve(f->kc, sim_context(f->sim, s), &f->ctx[s], &err) != 0)
            fail_msg("resolve: %s", err.msg);
        struct k8s_http_opts ho = {0};
        if (k8s_http_new(&f->ctx[s], &ho, &f->http[s], &err) != 0)
            fail_msg("k8s_http_new: %s", err.msg);
        struct k8s_http_conn *c = k8s_http_conn_new(f->http[s], NULL, NULL);
        sides[s] = drift_reader_read_side(c, sim_context(f->sim, s), true, 0);
        k8s_http_conn_free(c);
    }
    struct drift_sot sot = {0};
    f->snap = drift_snapshot_new(sides[0], sides[1], &sot, NULL);
    snprintf(f->dir, sizeof f->dir, "/tmp/cutover-dw.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->jpath, sizeof f->jpath, "%s/journal.jsonl", f->dir);
    if (journal_open(f->jpath, "tester@test", &f->journal, &err) != 0)
        fail_msg("journal_open: %s", err.msg);
    assert_int_equal(pipe(f->wake), 0);
    struct dashboard_opts o = {.context = {"onprem-prod", "eks-prod"}, .mode = "LIVE"};
    analysis_config_init(&o.analysis);
    f->dash = dashboard_new(&o);
    dashboard_resize(f->dash, 40, 120);
    struct drift_ui_data dd = {
        .configured = true, .report = f->snap->report, .taken = (int64_t)time(NULL)};
    dashboard_set_drift(f->dash, &dd);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    dashboard_free(f->dash);
    drift_snapshot_unref(f->snap);
    journal_free(f->journal);
    for (int s = 0; s < 2; s++) {
        k8s_http_free(f->http[s]);
        kube_context_fini(&f->ctx[s]);
    }
    kubeconfig_free(f->kc);
    sim_stop(f->sim);
    close(f->wake[0]);
    close(f->wake[1]);
    unlink(f->jpath);
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct drift_worker *worker(struct fx *f, struct journal *j)
{
    struct drift_worker_opts o = {.http = {f->http[0], f->http[1]},
                                  .journal = j,
                                  .who = "tester@test",
                                  .wake_fd = f->wake[1],
                                  .readback_ms = 1000};
    struct drift_worker *dw = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(drift_worker_new(&o, &dw, &err), 0);
    return dw;
}

/* Waits for the worker's byte on the wake fd, then hands its result to the UI. */
static void wait_job(struct fx *f, struct drift_worker *dw)
{
    struct pollfd p = {.fd = f->wake[0], .events = POLLIN};
    assert_int_equal(poll(&p, 1, 20000), 1);
    char b[16];
    assert_true(read(f->wake[0], b, sizeof b) > 0);
    assert_int_not_equal(drift_worker_poll(dw, f->dash), ACT_NONE);
}

static bool dialog_has(struct dashboard *d, const char *s)
{
    struct dialog *dlg = dashboard_dialog(d);
    for (size_t i = 0; dlg && i < dialog_nlines(dlg); i++)
        if (strstr(dialog_line_text(dlg, i), s))
            return true;
    return false;
}

static int journal_lines(struct fx *f)
{
    FILE *fp = fopen(f->jpath, "r");
    if (fp == NULL)
        return 0;
    int n = 0, c;
    while ((c = fgetc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

/* Opens the drift view filtered to one object and selects its first line. */
static struct widget *view_on(struct fx *f, const char *filter)
{
    dashboard_drift_open(f->dash);
    dashboard_filter(f->dash, filter);
    struct widget *v = dashboard_drift_view(f->dash);
    assert_non_null(v);
    dashboard_cmd(f->dash, WIDGET_TOP);
    return v;
}

static void test_configmap_diff_off_the_ui_thread(void **state)
{
    struct fx *f = *state;
    struct drift_worker *dw = worker(f, f->journal);
    struct widget *v = view_on(f, "envoy-config");
    const struct drift_row *row = drift_view_selected_row(v);
    assert_non_null(row);
    assert_string_equal(row->name, "envoy-config");
    dashboard_cmd(f->dash, WIDGET_ENTER);
    assert_true(drift_view_in_diff(v));
    assert_int_not_equal(drift_worker_after_key(dw, f->dash), ACT_NONE);
    wait_job(f, dw);
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(40, 120, true, &c);
    dashboard_draw(f->dash, &c);
    char *t = canvas_grid_text(g);
    canvas_grid_free(g);
    if (!strstr(t, "-                  route: { cluster: api, timeout: 15s }") ||
        !strstr(t, "+                  route: { cluster: api, timeout: 5s }"))
        fail_msg("no envoy diff on screen:\n%s", t);
    free(t);
    drift_worker_free(dw);
}

static void test_force_sync_preview_refuse_apply(void **state)
{
    struct fx *f = *state;
    struct drift_worker *dw = worker(f, f->journal);
    view_on(f, "db-credentials");
    long before = sim_mutating(f->sim);

    /* the preview is read on the worker: the call returns at once with a waiting dialog */
    assert_int_not_equal(drift_worker_force_sync(dw, f->dash), ACT_NONE);
    assert_true(drift_worker_has_dialog(dw, f->dash));
    assert_int_equal(dialog_mode(dashboard_dialog(f->dash)), DIALOG_MODE_WAIT);
    wait_job(f, dw);
    assert_string_equal(dialog_title(dashboard_dialog(f->dash)), "force-sync: preview");
    assert_true(dialog_has(f->dash, "ExternalSecret shop/db-credentials on target"));
    assert_true(dialog_has(f->dash, "annotation force-sync: (none) -> "));
    assert_true(dialog_has(f->dash, "PATCH https://127.0.0.1:"));
    assert_true(dialog_has(f->dash, "/apis/external-secrets.io/"));
    assert_true(dialog_has(f->dash, "/namespaces/shop/externalsecrets/db-credentials"));
    assert_true(dialog_has(f->dash, "Content-Type: application/merge-patch+json"));
    assert_true(dialog_has(f->dash, "{\"metadata\":{\"annotations\":{\"force-sync\":\""));
    /* n: nothing sent, nothing journaled */
    drift_worker_key(dw, f->dash, 'n');
    assert_false(drift_worker_has_dialog(dw, f->dash));
    assert_null(dashboard_dialog(f->dash));
    assert_int_equal(sim_mutating(f->sim), before);
    assert_int_equal(journal_lines(f), 0);

    /* y: intent, one PATCH, read-back, result */
    drift_worker_force_sync(dw, f->dash);
    wait_job(f, dw);
    drift_worker_key(dw, f->dash, 'y');
    assert_int_equal(dialog_mode(dashboard_dialog(f->dash)), DIALOG_MODE_WAIT);
    wait_job(f, dw);
    const char *title = dialog_title(dashboard_dialog(f->dash));
    assert_true(strcmp(title, "force-sync: done") == 0 ||
                strcmp(title, "force-sync: unconfirmed") == 0);
    assert_true(dialog_has(f->dash, "observed"));
    assert_false(dialog_has(f->dash, "NOT observed"));
    assert_int_equal(sim_mutating(f->sim), before + 1);
    assert_int_equal(journal_lines(f), 2);
    drift_worker_key(dw, f->dash, KEYMAP_KEY_ENTER);
    assert_null(dashboard_dialog(f->dash));
    assert_false(drift_worker_busy(dw));
    drift_worker_free(dw);
}

/* Esc while the preview is read: when it comes it is dropped; nothing is sent. */
static void test_force_sync_esc_while_preparing(void **state)
{
    struct fx *f = *state;
    struct drift_worker *dw = worker(f, f->journal);
    view_on(f, "db-credentials");
    long before = sim_mutating(f->sim);
    drift_worker_force_sync(dw, f->dash);
    drift_worker_key(dw, f->dash, KEYMAP_KEY_ESC);
    assert_null(dashboard_dialog(f->dash));
    wait_job(f, dw);
    assert_null(dashboard_dialog(f->dash));
    assert_int_equal(sim_mutating(f->sim), before);
    assert_int_equal(journal_lines(f), 0);
    drift_worker_free(dw);
}

/* No journal (observer mode): refused before anything is read or sent. */
static void test_force_sync_without_journal_refused(void **state)
{
    struct fx *f = *state;
    struct drift_worker *dw = worker(f, NULL);
    view_on(f, "db-credentials");
    long before = sim_mutating(f->sim);
    drift_worker_force_sync(dw, f->dash);
    assert_null(dashboard_dialog(f->dash));
    assert_false(drift_worker_busy(dw));
    assert_int_equal(sim_mutating(f->sim), before);
    /* a line that is not about an ExternalSecret: said, nothing started */
    struct drift_worker *dw2 = worker(f, f->journal);
    view_on(f, "stripe-api-key");
    drift_worker_force_sync(dw2, f->dash);
    assert_null(dashboard_dialog(f->dash));
    assert_false(drift_worker_busy(dw2));
    drift_worker_free(dw2);
    drift_worker_free(dw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_configmap_diff_off_the_ui_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_force_sync_preview_refuse_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_force_sync_esc_while_preparing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_force_sync_without_journal_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
