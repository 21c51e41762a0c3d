/* The change engine: previews say before -> after and the exact calls, production targets need
 * their name typed, the intent is on disk before the provider is called, a half-applied change
 * says what is live, nothing is done unless read back, `R` finds the last known-good weights,
 * resume resolves intents left by a crash, an observer changes nothing.
 *
 * The provider here is a unit-test double (two weights in memory that can be told to fail after
 * k calls); the real providers are tested against the simulator and HAProxy elsewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/traffic_change.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/testfile.h"
#include "cutover/xalloc.h"

/* ---- the provider double ------------------------------------------------------------------ */

struct fake {
    int w[2];
    bool present[2];
    int fail_after;       /* apply: weight writes that succeed before the socket "goes"; -1 never */
    bool ignore_new;      /* apply: accepts the new side's write but does not keep it */
    bool read_fails;      /* every read fails */
    bool read_back_fails; /* reads after an apply fail */
    int nreads, napplies, nwrites;
    const char *journal_path; /* checked when apply is called */
    bool intent_on_disk_at_apply;
    bool result_on_disk_at_apply;
    bool applied_once;
};

static int fake_read(struct traffic_provider *p, struct traffic_reading *out, struct error *err)
{
    struct fake *f = p->impl;
    f->nreads++;
    memset(out, 0, sizeof *out);
    if (f->read_fails || (f->read_back_fails && f->applied_once)) {
        error_set(err, "connection refused");
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        out->side[s].present = f->present[s];
        out->side[s].weight = f->present[s] ? f->w[s] : -1;
        out->side[s].observed_rps = -1;
    }
    return 0;
}

static int fake_describe(struct traffic_provider *p, const struct traffic_weights *to,
                         char ***lines, size_t *n, struct error *err)
{
    (void)p;
    (void)err;
    *lines = xcalloc(2, sizeof **lines);
    (*lines)[0] = xasprintf("fake: set weight api/onprem %d", to->w[0]);
    (*lines)[1] = xasprintf("fake: set weight api/eks %d", to->w[1]);
    *n = 2;
    return 0;
}

static int fake_apply(struct traffic_provider *p, const struct traffic_weights *to,
                      struct traffic_apply_result *res, struct error *err)
{
    struct fake *f = p->impl;
    f->napplies++;
    f->applied_once = true;
    if (f->journal_path != NULL) {
        char *text = test_file_read(f->journal_path, NULL);
        f->intent_on_disk_at_apply = text != NULL && strstr(text, "\"kind\":\"intent\"") != NULL;
        f->result_on_disk_at_apply = text != NULL && strstr(text, "\"kind\":\"result\"") != NULL;
        free(text);
    }
    memset(res, 0, sizeof *res);
    for (int s = 0; s < 2; s++) {
        if (f->fail_after >= 0 && f->nwrites >= f->fail_after) {
            error_set(err, "haproxy socket gone after %zu of 2 calls", res->applied);
            res->detail = xstrdup(err->msg);
            return -1;
        }
        f->nwrites++;
        res->sent = true;
        if (!(s == TRAFFIC_NEW && f->ignore_new))
            f->w[s] = to->w[s];
        res->applied++;
    }
    res->accepted = true;
    res->detail = xstrdup("2 weights set");
    return 0;
}

static void fake_free(struct traffic_provider *p)
{
    (void)p;
}

static const struct traffic_provider_ops fake_ops = {fake_read, fake_describe, fake_apply,
                                                     fake_free};

/* ---- fixtures ----------------------------------------------------------------------------- */

struct fx {
    char dir[128];
    char path[256];
    struct journal *j;
    struct traffic_change *tc;
    struct fake f;
    struct traffic_provider p;
    struct traffic_target_state st;
};

static void fx_read_into_state(struct fx *x)
{
    traffic_reading_fini(&x->st.reading);
    struct error err;
    x->st.have_reading = fake_read(&x->p, &x->st.reading, &err) == 0;
    clock_gettime(CLOCK_REALTIME, &x->st.last_ok);
    x->st.percent = traffic_percent_of(x->f.w[0], x->f.w[1]);
}

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);
    snprintf(x->dir, sizeof x->dir, "/tmp/cutover-test-tchange-XXXXXX");
    if (mkdtemp(x->dir) == NULL)
        return -1;
    snprintf(x->path, sizeof x->path, "%s/journal/a--b.jsonl", x->dir);
    struct error err;
    if (journal_open(x->path, "sre@box", &x->j, &err) != 0)
        return -1;
    traffic_change_new(x->j, NULL, &x->tc);
    x->f = (struct fake){.w = {100, 0}, .present = {true, true}, .fail_after = -1};
    x->p.ops = &fake_ops;
    x->p.impl = &x->f;
    struct traffic_target_cfg *c = &x->st.cfg;
    c->name = xstrdup("api");
    c->kind = TRAFFIC_HAPROXY;
    c->production = true;
    const int plan[] = {0, 10, 30, 50, 100};
    memcpy(c->plan, plan, sizeof plan);
    c->nplan = 5;
    c->old_id = xstrdup("onprem");
    c->new_id = xstrdup("eks");
    c->address = xstrdup("unix:/run/haproxy/admin.sock");
    c->backend = xstrdup("api");
    fx_read_into_state(x);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    traffic_change_free(x->tc);
    journal_free(x->j);
    traffic_target_cfg_fini(&x->st.cfg);
    traffic_reading_fini(&x->st.reading);
    free(x->st.error);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    int rc = system(cmd);
    free(x);
    return rc == 0 ? 0 : -1;
}

static struct traffic_preview *prep_ok(struct fx *x, enum traffic_change_kind k, int pct)
{
    struct traffic_preview *pv = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_change_prepare(x->tc, &x->p, &x->st, k, pct, &pv, &err) != 0)
        fail_msg("prepare refused: %s", err.msg);
    return pv;
}

static void prep_refused(struct fx *x, enum traffic_change_kind k, int pct, const char *want)
{
    struct traffic_preview *pv = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(traffic_change_prepare(x->tc, &x->p, &x->st, k, pct, &pv, &err), -1);
    assert_null(pv);
    if (strcmp(err.msg, want) != 0)
        fail_msg("got \"%s\"\nwant \"%s\"", err.msg, want);
}

/* prepare + execute expecting status; refreshes the state from the provider afterwards as the
 * poller would. */
static void change(struct fx *x, enum traffic_change_kind k, int pct,
                   enum traffic_outcome_status want, struct traffic_outcome *out)
{
    struct traffic_preview *pv = prep_ok(x, k, pct);
    struct error err;
    error_clear(&err);
    int rc = traffic_change_execute(x->tc, &x->p, pv, NULL, out, &err);
    assert_int_equal(rc, want == TRAFFIC_OUTCOME_DONE ? 0 : -1);
    if (out->status != want)
        fail_msg("status %s, want %s: %s", traffic_outcome_status_name(out->status),
                 traffic_outcome_status_name(want), out->text);
    traffic_preview_free(pv);
    fx_read_into_state(x);
}

struct jlines {
    size_t n;
    char kind[64][16];
    char id[64][64];
    char fields[64][1024];
    char who[64][64];
};

static int jl_rec(const struct journal_record *rec, void *ctx)
{
    struct jlines *l = ctx;
    if (l->n < 64) {
        snprintf(l->kind[l->n], sizeof l->kind[0], "%s", journal_kind_name(rec->kind));
        snprintf(l->id[l->n], sizeof l->id[0], "%s", rec->id);
        snprintf(l->who[l->n], sizeof l->who[0], "%s", rec->who);
        snprintf(l->fields[l->n], sizeof l->fields[0], "%s",
                 json_object_to_json_string_ext(rec->fields, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    l->n++;
    return 0;
}

static struct jlines *journal_lines(struct fx *x)
{
    struct jlines *l = calloc(1, sizeof *l);
    size_t np = 0;
    struct error err;
    int rc = journal_read(x->path, jl_rec, NULL, l, &np, &err);
    assert_true(rc == 0 || l->n == 0);
    assert_int_equal(np, 0);
    return l;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\"\ndoes not contain \"%s\"", hay, needle);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_preview_next_step(void **state)
{
    struct fx *x = *state;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    assert_int_equal(pv->before.w[0], 100);
    assert_int_equal(pv->before.w[1], 0);
    assert_int_equal(pv->after.w[0], 90);
    assert_int_equal(pv->after.w[1], 10);
    assert_int_equal(pv->before_pct, 0);
    assert_int_equal(pv->after_pct, 10);
    assert_int_equal(pv->before_step, 0);
    assert_int_equal(pv->after_step, 1);
    assert_true(pv->confirm_by_name);
    assert_int_equal(pv->ncalls, 2);
    assert_string_equal(pv->calls[1], "fake: set weight api/eks 10");
    const char *want[] = {
        "api (haproxy): next step 0% -> 10%",
        "old onprem: 100 -> 90 (100% -> 90%)",
        "new eks: 0 -> 10 (0% -> 10%)",
        "plan: step 1/5 (0%) -> step 2/5 (10%)",
        "calls:",
        "  fake: set weight api/onprem 90",
        "  fake: set weight api/eks 10",
        "type api to confirm",
    };
    assert_int_equal(pv->nlines, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < pv->nlines; i++)
        assert_string_equal(pv->lines[i], want[i]);
    assert_string_equal(pv->title, want[0]);
    assert_string_equal(pv->confirm_prompt, "type api to confirm");
    /* a preview sends nothing */
    assert_int_equal(x->f.napplies, 0);
    traffic_preview_free(pv);
    traffic_preview_free(NULL);
}

static void test_preview_prev_set_and_plan_edges(void **state)
{
    struct fx *x = *state;
    prep_refused(x, TRAFFIC_CHANGE_PREV, 0, "api is at or below the first step of its plan (0%)");
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_SET, 45);
    assert_int_equal(pv->after.w[0], 55);
    assert_int_equal(pv->after.w[1], 45);
    assert_int_equal(pv->after_step, -1);
    assert_string_equal(pv->lines[3], "plan: step 1/5 (0%) -> between steps (45%)");
    traffic_preview_free(pv);
    prep_refused(x, TRAFFIC_CHANGE_SET, 140, "a percent is 0..100, not 140");
    prep_refused(x, TRAFFIC_CHANGE_SET, 0, "nothing to change: api is already at old 100 new 0");

    /* weights set by hand elsewhere: 2:1 is 33%, between 30 and 50 */
    x->f.w[0] = 2;
    x->f.w[1] = 1;
    fx_read_into_state(x);
    pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    assert_int_equal(pv->after_pct, 50);
    assert_string_equal(pv->lines[3], "plan: between steps (33%) -> step 4/5 (50%)");
    traffic_preview_free(pv);
    pv = prep_ok(x, TRAFFIC_CHANGE_PREV, 0);
    assert_int_equal(pv->after_pct, 30);
    assert_int_equal(pv->after.w[0], 70);
    traffic_preview_free(pv);

    x->f.w[0] = 0;
    x->f.w[1] = 100;
    fx_read_into_state(x);
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0, "api is at the last step of its plan (100%)");
    /* both 0: Route53 splits evenly; the split is unknown, a percent can still be set */
    x->f.w[0] = 0;
    x->f.w[1] = 0;
    fx_read_into_state(x);
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0,
                 "the current split of api is unknown (weights old 0 new 0): set a percent "
                 "instead");
    pv = prep_ok(x, TRAFFIC_CHANGE_SET, 10);
    assert_int_equal(pv->before_pct, -1);
    assert_string_equal(pv->lines[0], "api (haproxy): set ? -> 10%");
    traffic_preview_free(pv);
}

static void test_confirmation_rules(void **state)
{
    struct fx *x = *state;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    assert_true(traffic_preview_confirmed(pv, "api"));
    assert_false(traffic_preview_confirmed(pv, "API"));
    assert_false(traffic_preview_confirmed(pv, "y"));
    assert_false(traffic_preview_confirmed(pv, "api "));
    assert_false(traffic_preview_confirmed(pv, ""));
    assert_false(traffic_preview_confirmed(pv, NULL));
    traffic_preview_free(pv);

    x->st.cfg.production = false;
    pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    assert_false(pv->confirm_by_name);
    assert_string_equal(pv->confirm_prompt, "press y to confirm");
    assert_true(traffic_preview_confirmed(pv, "y"));
    assert_true(traffic_preview_confirmed(pv, "Y"));
    assert_true(traffic_preview_confirmed(pv, "yes"));
    assert_false(traffic_preview_confirmed(pv, "api"));
    assert_false(traffic_preview_confirmed(pv, "n"));
    traffic_preview_free(pv);
}

static void test_refusals(void **state)
{
    struct fx *x = *state;
    x->st.have_reading = false;
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0,
                 "api has not been read yet: no current weights to change from");
    x->st.have_reading = true;
    x->st.error = xstrdup("connect: connection refused");
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0,
                 "the reading of api is stale (the last read failed: connect: connection "
                 "refused): refresh first");
    free(x->st.error);
    x->st.error = NULL;
    x->st.last_ok.tv_sec -= 120;
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0,
                 "the reading of api is stale (it is 120 s old): refresh first");
    fx_read_into_state(x);
    x->f.present[TRAFFIC_NEW] = false;
    fx_read_into_state(x);
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0,
                 "the new side of api (eks) does not exist at the provider");
    x->f.present[TRAFFIC_NEW] = true;
    fx_read_into_state(x);
    prep_refused(x, TRAFFIC_CHANGE_ROLLBACK, 0,
                 "no earlier change of api is recorded in the journal: nothing to roll back to");
    prep_refused(x, TRAFFIC_CHANGE_FORWARD, 0,
                 "the last change of api did not stop half-way: nothing to roll forward");
    struct traffic_weights w;
    struct error err;
    assert_int_equal(traffic_change_last_good(x->tc, "api", &w, &err), -1);
    assert_int_equal(x->f.napplies, 0);
}

static void test_read_only_refuses_everything(void **state)
{
    struct fx *x = *state;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0); /* from a driver */
    struct traffic_change *obs;
    struct traffic_change_opts o = {.read_only = true};
    traffic_change_new(x->j, &o, &obs);
    struct traffic_preview *none = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(
        traffic_change_prepare(obs, &x->p, &x->st, TRAFFIC_CHANGE_NEXT, 0, &none, &err), -1);
    assert_string_equal(err.msg, "observer mode: traffic changes are refused");
    struct traffic_outcome out;
    assert_int_equal(traffic_change_execute(obs, &x->p, pv, NULL, &out, &err), -1);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_REFUSED);
    assert_string_equal(out.text, "refused, nothing sent: observer mode: traffic changes are "
                                  "refused");
    traffic_outcome_fini(&out);
    traffic_change_free(obs);
    /* a provider built in observer mode refuses too, whatever the engine says */
    x->p.read_only = true;
    assert_int_equal(traffic_change_execute(x->tc, &x->p, pv, NULL, &out, &err), -1);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_REFUSED);
    traffic_outcome_fini(&out);
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0, "observer mode: traffic changes are refused");
    traffic_preview_free(pv);
    assert_int_equal(x->f.napplies, 0);
    assert_int_equal(x->f.w[0], 100);
    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 0);
    free(l);
}

static void test_execute_done_intent_before_apply(void **state)
{
    struct fx *x = *state;
    x->f.journal_path = x->path;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_SET, 30);
    struct traffic_outcome out;
    struct error err;
    error_clear(&err);
    assert_int_equal(traffic_change_execute(x->tc, &x->p, pv, "alice@laptop", &out, &err), 0);
    traffic_preview_free(pv);
    /* between the two: the intent was on disk, the result was not */
    assert_true(x->f.intent_on_disk_at_apply);
    assert_false(x->f.result_on_disk_at_apply);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_DONE);
    assert_string_equal(out.text, "done, live now: old 70 new 30");
    assert_true(out.have_live);
    assert_int_equal(out.live_pct, 30);
    assert_true(out.journal_complete);
    assert_false(out.offer_forward);
    assert_string_equal(out.intent_id, "traffic:api:1");
    traffic_outcome_fini(&out);
    assert_int_equal(x->f.w[0], 70);
    assert_int_equal(x->f.w[1], 30);

    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 2);
    assert_string_equal(l->kind[0], "intent");
    assert_string_equal(l->id[0], "traffic:api:1");
    assert_string_equal(l->who[0], "alice@laptop");
    assert_string_equal(l->fields[0],
                        "{\"action\":\"traffic.set\",\"target\":\"api\",\"provider\":\"haproxy\","
                        "\"before\":{\"old\":100,\"new\":0},\"after\":{\"old\":70,\"new\":30},"
                        "\"before_pct\":0,\"after_pct\":30,\"calls\":[\"fake: set weight "
                        "api/onprem 70\",\"fake: set weight api/eks 30\"]}");
    assert_string_equal(l->kind[1], "result");
    assert_string_equal(l->id[1], "traffic:api:1");
    assert_string_equal(l->fields[1],
                        "{\"target\":\"api\",\"outcome\":\"done\",\"live\":{\"old\":70,\"new\":30},"
                        "\"sent\":true,\"applied\":2,\"detail\":\"2 weights set\"}");
    free(l);
}

struct busy_probe {
    struct fx *x;
    int calls;
    char seen[8][80];
    char refused[512];
};

static void probe_progress(const char *target, const char *text, void *ctx)
{
    struct busy_probe *b = ctx;
    if (b->calls < 8)
        snprintf(b->seen[b->calls], sizeof b->seen[0], "%s: %s", target, text);
    b->calls++;
    if (strcmp(text, "reading back") == 0) {
        /* another key press while the change runs */
        struct traffic_preview *pv = NULL;
        struct error err;
        error_clear(&err);
        traffic_change_prepare(b->x->tc, &b->x->p, &b->x->st, TRAFFIC_CHANGE_NEXT, 0, &pv, &err);
        traffic_preview_free(pv);
        snprintf(b->refused, sizeof b->refused, "%s", err.msg);
    }
}

static void test_running_change_refuses_another(void **state)
{
    struct fx *x = *state;
    struct busy_probe b = {.x = x};
    traffic_change_free(x->tc);
    struct traffic_change_opts o = {.progress = probe_progress, .progress_ctx = &b};
    traffic_change_new(x->j, &o, &x->tc);
    struct traffic_outcome out;
    change(x, TRAFFIC_CHANGE_NEXT, 0, TRAFFIC_OUTCOME_DONE, &out);
    traffic_outcome_fini(&out);
    assert_string_equal(b.refused, "a change of api is running: wait for its outcome");
    assert_string_equal(b.seen[0], "api: reading api before the change");
    assert_string_equal(b.seen[1], "api: recording intent");
    assert_string_equal(b.seen[2], "api: applying old 90 new 10");
    assert_string_equal(b.seen[3], "api: reading back");
    assert_string_equal(b.seen[4], "api: recording result");
    assert_string_equal(b.seen[5], "api: done");
    /* and once it is over, the next one is allowed */
    change(x, TRAFFIC_CHANGE_NEXT, 0, TRAFFIC_OUTCOME_DONE, &out);
    assert_string_equal(out.text, "done, live now: old 70 new 30");
    traffic_outcome_fini(&out);
}

static void test_partial_failure_then_forward_then_rollback(void **state)
{
    struct fx *x = *state;
    x->f.fail_after = 1; /* the old side is written, then the socket goes */
    struct traffic_outcome out;
    change(x, TRAFFIC_CHANGE_SET, 30, TRAFFIC_OUTCOME_PARTIAL, &out);
    assert_string_equal(out.text,
                        "PARTIAL, live now: old 70 new 0 (wanted old 70 new 30): roll forward or "
                        "back");
    assert_string_equal(out.detail, "haproxy socket gone after 1 of 2 calls");
    assert_true(out.have_live);
    assert_int_equal(out.live.w[0], 70);
    assert_int_equal(out.live.w[1], 0);
    assert_true(out.offer_forward);
    assert_true(out.offer_rollback);
    traffic_outcome_fini(&out);
    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 2);
    assert_string_equal(
        l->fields[1], "{\"target\":\"api\",\"outcome\":\"partial\",\"live\":{\"old\":70,\"new\":"
                      "0},\"sent\":true,\"applied\":1,\"detail\":\"haproxy socket gone after 1 of "
                      "2 calls\"}");
    free(l);

    /* roll back would go to the weights before the partial change */
    struct traffic_weights w;
    struct error err;
    assert_int_equal(traffic_change_last_good(x->tc, "api", &w, &err), 0);
    assert_int_equal(w.w[0], 100);
    assert_int_equal(w.w[1], 0);

    /* the socket is back: roll forward completes the change */
    x->f.fail_after = -1;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_FORWARD, 0);
    assert_int_equal(pv->before.w[0], 70);
    assert_int_equal(pv->before.w[1], 0);
    assert_int_equal(pv->after.w[0], 70);
    assert_int_equal(pv->after.w[1], 30);
    assert_string_equal(pv->title, "api (haproxy): roll forward 0% -> 30%");
    traffic_preview_free(pv);
    change(x, TRAFFIC_CHANGE_FORWARD, 0, TRAFFIC_OUTCOME_DONE, &out);
    traffic_outcome_fini(&out);
    prep_refused(x, TRAFFIC_CHANGE_FORWARD, 0,
                 "the last change of api did not stop half-way: nothing to roll forward");
    /* R after the completed forward still returns to 100/0, not to the half-way 70/0 */
    assert_int_equal(traffic_change_last_good(x->tc, "api", &w, &err), 0);
    assert_int_equal(w.w[0], 100);
    assert_int_equal(w.w[1], 0);
    change(x, TRAFFIC_CHANGE_ROLLBACK, 0, TRAFFIC_OUTCOME_DONE, &out);
    assert_string_equal(out.text, "done, live now: old 100 new 0");
    traffic_outcome_fini(&out);
}

static void test_failed_nothing_changed(void **state)
{
    struct fx *x = *state;
    x->f.fail_after = 0;
    struct traffic_outcome out;
    change(x, TRAFFIC_CHANGE_NEXT, 0, TRAFFIC_OUTCOME_FAILED, &out);
    assert_string_equal(out.text, "FAILED, nothing changed, live now: old 100 new 0 (haproxy "
                                  "socket gone after 0 of 2 calls)");
    assert_false(out.offer_forward);
    traffic_outcome_fini(&out);
    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 2);
    assert_contains(l->fields[1], "\"outcome\":\"failed-nothing-changed\"");
    free(l);
    /* a failed change is not a known-good point to return to */
    prep_refused(x, TRAFFIC_CHANGE_ROLLBACK, 0,
                 "no earlier change of api is recorded in the journal: nothing to roll back to");
}

static void test_unknown_when_read_back_fails(void **state)
{
    struct fx *x = *state;
    x->f.read_back_fails = true;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    struct traffic_outcome out;
    struct error err;
    assert_int_equal(traffic_change_execute(x->tc, &x->p, pv, NULL, &out, &err), -1);
    traffic_preview_free(pv);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_UNKNOWN);
    assert_false(out.have_live);
    assert_int_equal(out.live_pct, -1);
    assert_string_equal(out.text, "UNKNOWN: the read-back of api failed (connection refused); the "
                                  "weights may or may not be old 90 new 10: look before retrying");
    assert_true(out.offer_forward && out.offer_rollback);
    traffic_outcome_fini(&out);
    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 2);
    assert_contains(l->fields[1], "\"outcome\":\"unknown\"");
    assert_null(strstr(l->fields[1], "\"live\""));
    free(l);
}

static void test_not_done_unless_read_back_confirms(void **state)
{
    struct fx *x = *state;
    x->f.ignore_new = true; /* the provider says yes but keeps the old value for the new side */
    struct traffic_outcome out;
    change(x, TRAFFIC_CHANGE_SET, 50, TRAFFIC_OUTCOME_PARTIAL, &out);
    assert_string_equal(out.text, "PARTIAL, live now: old 50 new 0 (wanted old 50 new 50): roll "
                                  "forward or back");
    traffic_outcome_fini(&out);
}

static void test_weights_moved_since_preview(void **state)
{
    struct fx *x = *state;
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    x->f.w[0] = 50; /* someone else changed it while the user was reading the preview */
    x->f.w[1] = 50;
    struct traffic_outcome out;
    struct error err;
    assert_int_equal(traffic_change_execute(x->tc, &x->p, pv, NULL, &out, &err), -1);
    traffic_preview_free(pv);
    assert_int_equal(out.status, TRAFFIC_OUTCOME_REFUSED);
    assert_null(out.intent_id);
    assert_string_equal(err.msg, "the weights of api changed since the preview (now old 50 new "
                                 "50, preview old 100 new 0): prepare the change again");
    traffic_outcome_fini(&out);
    assert_int_equal(x->f.napplies, 0);
    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 0);
    free(l);
}

static void test_rollback_target(void **state)
{
    struct fx *x = *state;
    struct traffic_outcome out;
    change(x, TRAFFIC_CHANGE_NEXT, 0, TRAFFIC_OUTCOME_DONE, &out); /* 0 -> 10 */
    traffic_outcome_fini(&out);
    change(x, TRAFFIC_CHANGE_NEXT, 0, TRAFFIC_OUTCOME_DONE, &out); /* 10 -> 30 */
    traffic_outcome_fini(&out);
    x->f.fail_after = 0;
    change(x, TRAFFIC_CHANGE_NEXT, 0, TRAFFIC_OUTCOME_FAILED, &out); /* 30 -> 50 fails */
    traffic_outcome_fini(&out);
    x->f.fail_after = -1;
    /* the failed attempt changed nothing: R returns to the weights before 10 -> 30 */
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_ROLLBACK, 0);
    assert_int_equal(pv->after.w[0], 90);
    assert_int_equal(pv->after.w[1], 10);
    assert_string_equal(pv->title, "api (haproxy): roll back to last known-good 30% -> 10%");
    traffic_preview_free(pv);
    change(x, TRAFFIC_CHANGE_ROLLBACK, 0, TRAFFIC_OUTCOME_DONE, &out);
    traffic_outcome_fini(&out);
    /* R again does not undo the rollback */
    prep_refused(x, TRAFFIC_CHANGE_ROLLBACK, 0,
                 "nothing to change: api is already at old 90 new 10");
    /* another target's history is its own */
    struct traffic_weights w;
    struct error err;
    assert_int_equal(traffic_change_last_good(x->tc, "web", &w, &err), -1);
    assert_string_equal(err.msg,
                        "no earlier change of web is recorded in the journal: nothing to roll back "
                        "to");
}

static void add_intent(struct fx *x, const char *id, const char *target, int b0, int b1, int a0,
                       int a1)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"action\":\"traffic.set\",\"target\":\"%s\",\"provider\":\"haproxy\","
             "\"before\":{\"old\":%d,\"new\":%d},\"after\":{\"old\":%d,\"new\":%d}}",
             target, b0, b1, a0, a1);
    json_object *f = json_tokener_parse(json);
    struct error err;
    assert_int_equal(journal_append(x->j, JOURNAL_INTENT, id, f, NULL, &err), 0);
    json_object_put(f);
}

static struct traffic_reading reading_of(int o, int n)
{
    struct traffic_reading r;
    memset(&r, 0, sizeof r);
    r.side[0].present = r.side[1].present = true;
    r.side[0].weight = o;
    r.side[1].weight = n;
    return r;
}

static void test_resume_decisions(void **state)
{
    struct fx *x = *state;
    /* three changes interrupted by a crash after their intents, and a runbook step's intent */
    add_intent(x, "traffic:api:1", "api", 100, 0, 70, 30);
    add_intent(x, "traffic:web:2", "web", 100, 0, 70, 30);
    add_intent(x, "traffic:mq:3", "mq", 100, 0, 70, 30);
    json_object *f = json_tokener_parse("{\"action\":\"runbook.step\",\"step\":2}");
    struct error err;
    assert_int_equal(journal_append(x->j, JOURNAL_INTENT, "step-2", f, NULL, &err), 0);
    json_object_put(f);

    /* nothing is changed on api before its interrupted change is resolved */
    prep_refused(x, TRAFFIC_CHANGE_NEXT, 0,
                 "change traffic:api:1 of api has an intent but no result in the journal: resume "
                 "checks it against the provider first");

    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_pending(x->path, &p, &n, &err), 0);
    assert_int_equal(n, 4);
    char *target = NULL;
    assert_true(traffic_change_pending_is_traffic(&p[1], &target));
    assert_string_equal(target, "web");
    free(target);
    assert_false(traffic_change_pending_is_traffic(&p[3], &target));
    assert_null(target);
    struct traffic_resume r;
    assert_int_equal(traffic_change_resume(x->tc, &p[3], NULL, NULL, &r, &err), -1);

    struct traffic_reading api = reading_of(70, 30), web = reading_of(100, 0),
                           mq = reading_of(70, 0), unknown = reading_of(-1, 30);
    assert_int_equal(traffic_change_resume(x->tc, &p[0], &unknown, NULL, &r, &err), -1);
    assert_string_equal(err.msg,
                        "api: the fresh reading has no weights: traffic:api:1 stays unresolved");

    assert_int_equal(traffic_change_resume(x->tc, &p[0], &api, "sre@box2", &r, &err), 0);
    assert_int_equal(r.decision, TRAFFIC_RESUME_APPLIED);
    assert_string_equal(r.text, "api: traffic:api:1 applied before crash, confirmed by read-back "
                                "(live old 70 new 30)");
    traffic_resume_fini(&r);
    assert_int_equal(traffic_change_resume(x->tc, &p[1], &web, NULL, &r, &err), 0);
    assert_int_equal(r.decision, TRAFFIC_RESUME_NOT_APPLIED);
    assert_string_equal(r.target, "web");
    assert_string_equal(r.text, "web: traffic:web:2 not applied (checked by read-back after "
                                "restart) (live old 100 new 0)");
    traffic_resume_fini(&r);
    assert_int_equal(traffic_change_resume(x->tc, &p[2], &mq, NULL, &r, &err), 0);
    assert_int_equal(r.decision, TRAFFIC_RESUME_PARTIAL);
    assert_int_equal(r.live.w[0], 70);
    assert_int_equal(r.live.w[1], 0);
    traffic_resume_fini(&r);
    journal_pending_free(p, n);

    /* resolved: only the runbook's own intent is left, and nothing was applied */
    assert_int_equal(journal_pending(x->path, &p, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].id, "step-2");
    journal_pending_free(p, n);
    assert_int_equal(x->f.napplies, 0);
    struct jlines *l = journal_lines(x);
    assert_int_equal(l->n, 7);
    assert_string_equal(l->fields[4], "{\"target\":\"api\",\"outcome\":\"applied-before-crash\","
                                      "\"live\":{\"old\":70,\"new\":30},\"detail\":\"applied "
                                      "before crash, confirmed by read-back\"}");
    assert_string_equal(l->who[4], "sre@box2");
    assert_contains(l->fields[5], "\"outcome\":\"not-applied\"");
    assert_contains(l->fields[6], "\"outcome\":\"partial\"");
    free(l);

    /* api's change counts as done for `R`; mq's partial one can be rolled forward */
    struct traffic_weights w;
    assert_int_equal(traffic_change_last_good(x->tc, "api", &w, &err), 0);
    assert_int_equal(w.w[0], 100);
    free(x->st.cfg.name);
    x->st.cfg.name = xstrdup("mq");
    x->f.w[0] = 70;
    x->f.w[1] = 0;
    fx_read_into_state(x);
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_FORWARD, 0);
    assert_int_equal(pv->after.w[1], 30);
    traffic_preview_free(pv);
}

static int read_for_resume(const char *target, struct traffic_reading *out, void *ctx,
                           struct error *err)
{
    struct fx *x = ctx;
    if (strcmp(target, "api") != 0) {
        error_set(err, "no provider for %s", target);
        return -1;
    }
    struct error e;
    return fake_read(&x->p, out, err != NULL ? err : &e);
}

static void test_resume_all_at_start(void **state)
{
    struct fx *x = *state;
    /* a crash between intent and apply: the intent is there, the weights never moved */
    add_intent(x, "traffic:api:1", "api", 100, 0, 90, 10);
    add_intent(x, "traffic:gone:2", "gone", 100, 0, 50, 50);
    json_object *f = json_tokener_parse("{\"action\":\"runbook.step\",\"step\":1}");
    struct error err;
    assert_int_equal(journal_append(x->j, JOURNAL_INTENT, "step-1", f, NULL, &err), 0);
    json_object_put(f);
    struct traffic_resume *r;
    size_t n;
    error_clear(&err);
    assert_int_equal(traffic_change_resume_all(x->tc, read_for_resume, x, NULL, &r, &n, &err), -1);
    assert_string_equal(err.msg, "gone: cannot read it to resolve traffic:gone:2: no provider for "
                                 "gone");
    assert_int_equal(n, 1);
    assert_string_equal(r[0].intent_id, "traffic:api:1");
    assert_int_equal(r[0].decision, TRAFFIC_RESUME_NOT_APPLIED);
    traffic_resume_fini(&r[0]);
    free(r);
    assert_int_equal(x->f.napplies, 0); /* checked, never repeated */
    /* api can be changed again; gone's and the runbook's intents stay pending */
    struct traffic_preview *pv = prep_ok(x, TRAFFIC_CHANGE_NEXT, 0);
    traffic_preview_free(pv);
    struct journal_pending *p;
    assert_int_equal(journal_pending(x->path, &p, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].id, "traffic:gone:2");
    assert_string_equal(p[1].id, "step-1");
    journal_pending_free(p, n);
    /* again: api's intent is resolved for good, gone's still cannot be */
    assert_int_equal(traffic_change_resume_all(x->tc, read_for_resume, x, NULL, &r, &n, &err), -1);
    assert_int_equal(n, 0);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_preview_next_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preview_prev_set_and_plan_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirmation_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_done_intent_before_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_change_refuses_another, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_failure_then_forward_then_rollback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_nothing_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_when_read_back_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_done_unless_read_back_confirms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weights_moved_since_preview, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_decisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_all_at_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
