/* The traffic change flow: dialogs on the UI thread, provider work on a worker thread. */
#include "cutover/traffic_worker.h"

#include "cutover/dialog.h"
#include "cutover/journal.h"
#include "cutover/keymap.h"
#include "cutover/log.h"
#include "cutover/theme.h"
#include "cutover/traffic_change.h"
#include "cutover/traffic_poller.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum job_type { JOB_PREPARE, JOB_EXECUTE, JOB_RESUME };

/* One piece of provider work, handed to the worker thread and back. */
struct tw_job {
    enum job_type type;
    char *target;
    enum traffic_change_kind kind;
    int percent;
    struct traffic_preview *pv; /* JOB_EXECUTE: what to carry out (owned by the job) */
    /* results */
    bool ran;                       /* fn ran inside traffic_poller_with_provider */
    int rc;                         /* what prepare/execute returned */
    struct traffic_preview *out_pv; /* JOB_PREPARE: the preview (owned by the job) */
    struct traffic_outcome outcome; /* JOB_EXECUTE */
    struct traffic_resume *resumed; /* JOB_RESUME: the interrupted changes resolved */
    size_t nresumed;
    char err[600];
};

/* Where the flow is (UI thread only). */
enum tw_stage {
    STAGE_IDLE,
    STAGE_INPUT,     /* the percent field of `W` */
    STAGE_PREPARING, /* a JOB_PREPARE runs */
    STAGE_CONFIRM,   /* the preview waits for its confirmation */
    STAGE_APPLYING,  /* a JOB_EXECUTE runs */
    STAGE_RESULT,    /* an outcome or refusal is shown */
};

struct traffic_worker {
    struct traffic_poller *poller;
    struct traffic_change *engine;
    char *who;
    int wake_fd;
    pthread_t thread;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct tw_job *pending;  /* mu: submitted, not yet taken by the thread */
    struct tw_job *finished; /* mu: done, not yet taken by the UI */
    bool running;            /* mu: the thread is working on a job */
    bool stop;               /* mu: the thread should exit when idle */
    char progress[256];      /* mu: the running change's latest step ("applying ...") */
    bool progress_new;       /* mu: progress changed since the UI last looked */

    /* UI thread only */
    enum tw_stage stage;
    struct dialog *dlg; /* the flow's dialog while the dashboard shows it (owned there) */
    struct traffic_preview *pv;
    char target[256];
    char applying[400]; /* the running change's preview title, for the progress dialog */
    bool drop_preview;  /* Esc while preparing: the preview, when it comes, is not shown */
    bool last_partial;  /* the last outcome offered roll forward/back */
};

static void job_free(struct tw_job *j)
{
    if (j == NULL)
        return;
    free(j->target);
    traffic_preview_free(j->pv);
    traffic_preview_free(j->out_pv);
    traffic_outcome_fini(&j->outcome);
    for (size_t i = 0; i < j->nresumed; i++)
        traffic_resume_fini(&j->resumed[i]);
    free(j->resumed);
    free(j);
}

static void wake(struct traffic_worker *tw)
{
    if (tw->wake_fd >= 0) {
        ssize_t r = write(tw->wake_fd, "t", 1);
        (void)r; /* a full pipe already wakes the UI */
    }
}

static void on_progress(const char *target, const char *text, void *ctx)
{
    struct traffic_worker *tw = ctx;
    traffic_poller_set_busy_text(tw->poller, target, text);
    pthread_mutex_lock(&tw->mu);
    snprintf(tw->progress, sizeof tw->progress, "%s", text ? text : "");
    tw->progress_new = true;
    pthread_mutex_unlock(&tw->mu);
    wake(tw);
}

/* Runs inside traffic_poller_with_provider(): the provider is ours alone. */
static int job_fn(struct traffic_provider *prov, void *arg)
{
    void **a = arg;
    struct traffic_worker *tw = a[0];
    struct tw_job *j = a[1];
    struct error err;
    error_clear(&err);
    j->ran = true;
    if (j->type == JOB_PREPARE) {
        /* the latest reading of the target: the snapshot shows it busy (ours), which the engine
         * does not count against us */
        struct traffic_snapshot *s = traffic_poller_get(tw->poller);
        const struct traffic_target_state *st = traffic_snapshot_find(s, j->target);
        if (st == NULL) {
            error_set(&err, "no traffic target called %s", j->target);
            j->rc = -1;
        } else {
            j->rc =
                traffic_change_prepare(tw->engine, prov, st, j->kind, j->percent, &j->out_pv, &err);
        }
        traffic_snapshot_unref(s);
    } else {
        j->rc = traffic_change_execute(tw->engine, prov, j->pv, tw->who, &j->outcome, &err);
    }
    if (j->rc != 0)
        error_format(&err, j->err, sizeof j->err);
    return j->rc;
}

/* A fresh reading for resume, with the provider to ourselves. */
struct resume_read {
    struct traffic_reading *out;
    struct error *err;
    bool ran;
};

static int resume_read_provider(struct traffic_provider *prov, void *arg)
{
    struct resume_read *a = arg;
    a->ran = true;
    return prov->ops->read(prov, a->out, a->err);
}

static int resume_read(const char *target, struct traffic_reading *out, void *ctx,
                       struct error *err)
{
    struct traffic_worker *tw = ctx;
    struct resume_read a = {out, err, false};
    int rc = traffic_poller_with_provider(tw->poller, target, resume_read_provider, &a);
    if (!a.ran) {
        error_set(err, "%s: no such traffic target (or it has no provider)", target);
        return -1;
    }
    return rc;
}

/* At start: every traffic intent of the journal without a result (a crash mid-change) is
 * checked against a fresh reading and resolved, never repeated. */
static void run_resume(struct traffic_worker *tw, struct tw_job *j)
{
    struct error err;
    error_clear(&err);
    j->ran = true;
    j->rc = traffic_change_resume_all(tw->engine, resume_read, tw, tw->who, &j->resumed,
                                      &j->nresumed, &err);
    if (j->rc != 0)
        error_format(&err, j->err, sizeof j->err);
}

static void *worker_main(void *arg)
{
    struct traffic_worker *tw = arg;
    pthread_mutex_lock(&tw->mu);
    for (;;) {
        while (!tw->stop && tw->pending == NULL)
            pthread_cond_wait(&tw->cv, &tw->mu);
        if (tw->pending == NULL)
            break; /* stopping and idle */
        struct tw_job *j = tw->pending;
        tw->pending = NULL;
        tw->running = true;
        tw->progress[0] = '\0';
        pthread_mutex_unlock(&tw->mu);

        void *a[2] = {tw, j};
        int rc = 0;
        if (j->type == JOB_RESUME)
            run_resume(tw, j);
        else
            rc = traffic_poller_with_provider(tw->poller, j->target, job_fn, a);
        if (!j->ran) {
            j->rc = rc ? rc : -1;
            snprintf(j->err, sizeof j->err, "%s: the target has no provider (see its error)",
                     j->target);
        }
        if (j->type == JOB_RESUME)
            log_info("traffic: %zu interrupted change(s) of the journal resolved%s%s", j->nresumed,
                     j->rc ? "; " : "", j->rc ? j->err : "");
        else
            log_info("traffic: %s %s on %s: %s", j->type == JOB_PREPARE ? "preview" : "change",
                     traffic_change_kind_name(j->kind), j->target,
                     j->type == JOB_EXECUTE && j->outcome.text ? j->outcome.text
                     : j->rc == 0                              ? "ok"
                                                               : j->err);

        pthread_mutex_lock(&tw->mu);
        tw->running = false;
        tw->finished = j;
        pthread_mutex_unlock(&tw->mu);
        wake(tw);
        pthread_mutex_lock(&tw->mu);
    }
    pthread_mutex_unlock(&tw->mu);
    return NULL;
}

int traffic_worker_new(const struct traffic_worker_opts *opts, struct traffic_worker **out,
                       struct error *err)
{
    struct traffic_worker *tw = xcalloc(1, sizeof *tw);
    tw->poller = opts->poller;
    tw->wake_fd = opts->wake_fd;
    tw->who = opts->who ? xstrdup(opts->who) : journal_who();
    struct traffic_change_opts co = {
        /* without a journal no change may be made: nothing would record it */
        .read_only = opts->journal == NULL,
        .progress = on_progress,
        .progress_ctx = tw,
    };
    traffic_change_new(opts->journal, &co, &tw->engine);
    pthread_mutex_init(&tw->mu, NULL);
    pthread_cond_init(&tw->cv, NULL);
    if (opts->journal) {
        /* first job: interrupted changes of an earlier run are resolved before any is offered */
        struct tw_job *j = xcalloc(1, sizeof *j);
        j->type = JOB_RESUME;
        j->target = xstrdup("the journal");
        tw->pending = j;
        snprintf(tw->target, sizeof tw->target, "the journal's interrupted changes");
    }
    int rc = pthread_create(&tw->thread, NULL, worker_main, tw);
    if (rc != 0) {
        error_set(err, "traffic worker: pthread_create: %s", strerror(rc));
        traffic_change_free(tw->engine);
        pthread_mutex_destroy(&tw->mu);
        pthread_cond_destroy(&tw->cv);
        free(tw->who);
        free(tw);
        return -1;
    }
    *out = tw;
    return 0;
}

void traffic_worker_free(struct traffic_worker *tw)
{
    if (tw == NULL)
        return;
    pthread_mutex_lock(&tw->mu);
    tw->stop = true;
    /* a job not started yet is dropped; one in flight finishes (never abandoned half-way) */
    job_free(tw->pending);
    tw->pending = NULL;
    pthread_cond_signal(&tw->cv);
    pthread_mutex_unlock(&tw->mu);
    pthread_join(tw->thread, NULL);
    job_free(tw->finished);
    traffic_preview_free(tw->pv);
    traffic_change_free(tw->engine);
    pthread_mutex_destroy(&tw->mu);
    pthread_cond_destroy(&tw->cv);
    free(tw->who);
    free(tw);
}

bool traffic_worker_busy(struct traffic_worker *tw)
{
    pthread_mutex_lock(&tw->mu);
    bool b = tw->running || tw->pending != NULL || tw->finished != NULL;
    pthread_mutex_unlock(&tw->mu);
    return b;
}

bool traffic_worker_has_dialog(const struct traffic_worker *tw, const struct dashboard *d)
{
    return tw->dlg != NULL && dashboard_dialog(d) == tw->dlg;
}

/* Shows dlg as the flow's dialog. */
static void show(struct traffic_worker *tw, struct dashboard *d, struct dialog *dlg)
{
    dashboard_dialog_open(d, dlg);
    tw->dlg = dlg;
}

static void close_dialog(struct traffic_worker *tw, struct dashboard *d)
{
    if (traffic_worker_has_dialog(tw, d))
        dashboard_dialog_close(d);
    tw->dlg = NULL;
}

/* Ends the flow: no dialog, no preview. */
static int finish(struct traffic_worker *tw, struct dashboard *d)
{
    close_dialog(tw, d);
    traffic_preview_free(tw->pv);
    tw->pv = NULL;
    tw->stage = STAGE_IDLE;
    return ACT_REDRAW;
}

/* A dialog that only says something; Enter or Esc closes it. */
static int show_message(struct traffic_worker *tw, struct dashboard *d, const char *title, int role,
                        const char *text)
{
    struct dialog *dlg = dialog_new(title);
    dialog_line(dlg, role, 0, "%s", text);
    dialog_set_choices(dlg);
    dialog_add_choice(dlg, KEYMAP_KEY_ENTER, "Enter: close", DIALOG_OK);
    show(tw, d, dlg);
    tw->stage = STAGE_RESULT;
    return ACT_REDRAW;
}

static void submit(struct traffic_worker *tw, struct tw_job *j)
{
    pthread_mutex_lock(&tw->mu);
    tw->pending = j;
    tw->progress[0] = '\0';
    tw->progress_new = false;
    pthread_cond_signal(&tw->cv);
    pthread_mutex_unlock(&tw->mu);
}

static const char *op_title(enum traffic_change_kind k)
{
    switch (k) {
    case TRAFFIC_CHANGE_NEXT:
        return "next step";
    case TRAFFIC_CHANGE_PREV:
        return "previous step";
    case TRAFFIC_CHANGE_SET:
        return "set weight";
    case TRAFFIC_CHANGE_ROLLBACK:
        return "roll back";
    case TRAFFIC_CHANGE_FORWARD:
        return "roll forward";
    default:
        return "change";
    }
}

/* Asks the worker for a preview of kind on the flow's target. */
static int start_prepare(struct traffic_worker *tw, struct dashboard *d,
                         enum traffic_change_kind kind, int percent)
{
    struct tw_job *j = xcalloc(1, sizeof *j);
    j->type = JOB_PREPARE;
    j->target = xstrdup(tw->target);
    j->kind = kind;
    j->percent = percent;
    char title[320];
    snprintf(title, sizeof title, "%s: %s", tw->target, op_title(kind));
    struct dialog *dlg = dialog_new(title);
    dialog_line(dlg, THEME_ROLE_DIM, 0, "reading %s and preparing the preview... (Esc cancels)",
                tw->target);
    dialog_set_choices(dlg); /* Esc only */
    show(tw, d, dlg);
    tw->stage = STAGE_PREPARING;
    tw->drop_preview = false;
    submit(tw, j);
    return ACT_REDRAW;
}

int traffic_worker_action(struct traffic_worker *tw, struct dashboard *d, enum traffic_worker_op op)
{
    if (tw->stage != STAGE_IDLE || traffic_worker_busy(tw)) {
        dashboard_message(d, "a traffic change of %s is still in progress", tw->target);
        return ACT_REDRAW;
    }
    const struct traffic_target_state *st = dashboard_traffic_selected(d);
    if (st == NULL || st->cfg.name == NULL) {
        dashboard_message(d, "no traffic target is configured (docs/traffic.md)");
        return ACT_REDRAW;
    }
    snprintf(tw->target, sizeof tw->target, "%s", st->cfg.name);
    if (dashboard_focused(d) != PANEL_TRAFFIC)
        dashboard_focus(d, PANEL_TRAFFIC);
    switch (op) {
    case TRAFFIC_OP_NEXT:
        return start_prepare(tw, d, TRAFFIC_CHANGE_NEXT, 0) | ACT_RELAYOUT;
    case TRAFFIC_OP_PREV:
        return start_prepare(tw, d, TRAFFIC_CHANGE_PREV, 0) | ACT_RELAYOUT;
    case TRAFFIC_OP_ROLLBACK:
        return start_prepare(tw, d, TRAFFIC_CHANGE_ROLLBACK, 0) | ACT_RELAYOUT;
    case TRAFFIC_OP_SET: {
        char title[320];
        snprintf(title, sizeof title, "%s: set weight", tw->target);
        struct dialog *dlg = dialog_new(title);
        if (st->percent >= 0)
            dialog_line(dlg, THEME_ROLE_VALUE, 0, "now %d%% to new (%s)", st->percent,
                        st->cfg.new_id ? st->cfg.new_id : "new");
        else
            dialog_line(dlg, THEME_ROLE_DIM, 0, "the current split is unknown");
        dialog_set_input(dlg, "percent to new (0-100):", "0123456789", 3);
        show(tw, d, dlg);
        tw->stage = STAGE_INPUT;
        return ACT_REDRAW | ACT_RELAYOUT;
    }
    }
    return ACT_NONE;
}

/* The preview, waiting for its confirmation. */
static void show_preview(struct traffic_worker *tw, struct dashboard *d, struct traffic_preview *pv)
{
    traffic_preview_free(tw->pv);
    tw->pv = pv;
    struct dialog *dlg = dialog_new(pv->title ? pv->title : tw->target);
    for (size_t i = 0; i < pv->nlines; i++) {
        /* the title and the prompt have their own places in the dialog */
        if (i == 0 && pv->title && strcmp(pv->lines[i], pv->title) == 0)
            continue;
        if (i + 1 == pv->nlines && pv->confirm_prompt &&
            strcmp(pv->lines[i], pv->confirm_prompt) == 0)
            continue;
        dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s", pv->lines[i]);
    }
    if (pv->confirm_by_name) {
        char prompt[320];
        snprintf(prompt, sizeof prompt, "type %s to apply (Esc cancels):", pv->cfg.name);
        dialog_set_type(dlg, pv->cfg.name, prompt);
    } else {
        dialog_set_choices(dlg);
        dialog_add_choice(dlg, 'y', "y: apply", DIALOG_OK);
        dialog_add_choice(dlg, 'n', "n: cancel", DIALOG_CANCEL);
    }
    show(tw, d, dlg);
    tw->stage = STAGE_CONFIRM;
}

/* The progress dialog of a running change. */
static void show_applying(struct traffic_worker *tw, struct dashboard *d, const char *progress)
{
    char title[320];
    snprintf(title, sizeof title, "%s: applying", tw->target);
    struct dialog *dlg = dialog_new(title);
    if (tw->applying[0])
        dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s", tw->applying);
    dialog_line(dlg, THEME_ROLE_VALUE_WARN, CANVAS_BOLD, "BUSY %s",
                progress && progress[0] ? progress : "starting");
    dialog_line(dlg, THEME_ROLE_DIM, 0, "Esc hides this; the outcome shows when it is known");
    dialog_set_choices(dlg); /* Esc only: the change itself cannot be interrupted */
    show(tw, d, dlg);
}

static int start_execute(struct traffic_worker *tw, struct dashboard *d)
{
    struct tw_job *j = xcalloc(1, sizeof *j);
    j->type = JOB_EXECUTE;
    j->target = xstrdup(tw->target);
    j->kind = tw->pv->kind;
    j->pv = tw->pv; /* the job owns it now */
    tw->pv = NULL;
    tw->stage = STAGE_APPLYING;
    snprintf(tw->applying, sizeof tw->applying, "%s", j->pv->title ? j->pv->title : "");
    show_applying(tw, d, NULL);
    submit(tw, j);
    return ACT_REDRAW;
}

static int outcome_role(enum traffic_outcome_status s)
{
    switch (s) {
    case TRAFFIC_OUTCOME_DONE:
        return THEME_ROLE_VALUE_OK;
    case TRAFFIC_OUTCOME_FAILED:
    case TRAFFIC_OUTCOME_REFUSED:
        return THEME_ROLE_VALUE_WARN;
    default:
        return THEME_ROLE_VALUE_CRIT;
    }
}

/* A refusal after the intent was written is a conflict the provider rejected whole (the records
 * changed since the read): something was sent, nothing changed. */
static const char *outcome_title(const struct traffic_outcome *o)
{
    switch (o->status) {
    case TRAFFIC_OUTCOME_DONE:
        return "done (read back)";
    case TRAFFIC_OUTCOME_FAILED:
        return "FAILED: nothing changed";
    case TRAFFIC_OUTCOME_REFUSED:
        return o->intent_id != NULL ? "refused: nothing changed" : "refused: nothing sent";
    case TRAFFIC_OUTCOME_PARTIAL:
        return "PARTIAL: mixed state live";
    default:
        return "UNKNOWN: read-back failed";
    }
}

static void show_outcome(struct traffic_worker *tw, struct dashboard *d, struct tw_job *j)
{
    const struct traffic_outcome *o = &j->outcome;
    char title[400];
    snprintf(title, sizeof title, "%s: %s", tw->target, outcome_title(o));
    struct dialog *dlg = dialog_new(title);
    if (j->pv && j->pv->title)
        dialog_line(dlg, THEME_ROLE_DIM, 0, "%s", j->pv->title);
    dialog_line(dlg, outcome_role(o->status), CANVAS_BOLD, "%s",
                o->text ? o->text : traffic_outcome_status_name(o->status));
    if (o->have_live) {
        const char *oid = j->pv ? j->pv->cfg.old_id : NULL, *nid = j->pv ? j->pv->cfg.new_id : NULL;
        dialog_line(dlg, THEME_ROLE_VALUE, 0, "live now: old %s weight %d, new %s weight %d",
                    oid ? oid : "?", o->live.w[0], nid ? nid : "?", o->live.w[1]);
    } else if (o->status != TRAFFIC_OUTCOME_DONE && o->status != TRAFFIC_OUTCOME_REFUSED) {
        dialog_line(dlg, THEME_ROLE_VALUE_CRIT, 0, "live now: unknown (the read-back failed)");
    }
    if (o->detail)
        dialog_line(dlg, THEME_ROLE_DIM, 0, "%s", o->detail);
    if (j->rc != 0 && j->err[0] && (o->detail == NULL || strstr(j->err, o->detail) == NULL) &&
        (o->text == NULL || strstr(j->err, o->text) == NULL))
        dialog_line(dlg, THEME_ROLE_ERROR, 0, "%s", j->err);
    if (o->intent_id)
        dialog_line(dlg, THEME_ROLE_DIM, 0, "journal: %s%s", o->intent_id,
                    o->journal_complete ? " (intent and result recorded)"
                                        : " (RESULT NOT RECORDED)");
    dialog_set_choices(dlg);
    tw->last_partial = o->offer_forward || o->offer_rollback;
    if (o->offer_forward)
        dialog_add_choice(dlg, 'f', "f: roll forward", DIALOG_CHOICE);
    if (o->offer_rollback)
        dialog_add_choice(dlg, 'b', "b: roll back", DIALOG_CHOICE);
    dialog_add_choice(dlg, KEYMAP_KEY_ENTER,
                      tw->last_partial ? "Enter: leave it as it is" : "Enter: close", DIALOG_OK);
    show(tw, d, dlg);
    tw->stage = STAGE_RESULT;
    dashboard_message(d, "[%s] %s", tw->target,
                      o->text ? o->text : traffic_outcome_status_name(o->status));
}

int traffic_worker_key(struct traffic_worker *tw, struct dashboard *d, int key)
{
    if (!traffic_worker_has_dialog(tw, d))
        return ACT_NONE;
    enum dialog_result r = dialog_key(tw->dlg, key);
    switch (tw->stage) {
    case STAGE_INPUT:
        if (r == DIALOG_CANCEL)
            return finish(tw, d);
        if (r == DIALOG_OK) {
            int pct = atoi(dialog_text(tw->dlg));
            if (pct < 0 || pct > 100) {
                dialog_note(tw->dlg, "a percent from 0 to 100");
                return ACT_REDRAW;
            }
            return start_prepare(tw, d, TRAFFIC_CHANGE_SET, pct);
        }
        return ACT_REDRAW;
    case STAGE_PREPARING:
        if (r == DIALOG_CANCEL) {
            /* nothing is sent by a preview; when it comes it is dropped */
            tw->drop_preview = true;
            dashboard_message(d, "%s: cancelled, nothing sent", tw->target);
            return finish(tw, d);
        }
        return ACT_NONE; /* the preview comes in a moment */
    case STAGE_CONFIRM:
        if (r == DIALOG_CANCEL) {
            dashboard_message(d, "%s: cancelled, nothing sent", tw->target);
            return finish(tw, d);
        }
        if (r == DIALOG_OK) {
            const char *typed = tw->pv->confirm_by_name ? dialog_text(tw->dlg) : "y";
            if (!traffic_preview_confirmed(tw->pv, typed)) {
                dialog_note(tw->dlg, "not confirmed: type %s exactly", tw->pv->cfg.name);
                return ACT_REDRAW;
            }
            return start_execute(tw, d);
        }
        return ACT_REDRAW;
    case STAGE_APPLYING:
        if (r == DIALOG_CANCEL) {
            /* hide the progress; the change goes on and its outcome opens a dialog */
            close_dialog(tw, d);
            dashboard_message(d, "%s: the change goes on; its outcome will show here", tw->target);
            return ACT_REDRAW;
        }
        return ACT_NONE;
    case STAGE_RESULT:
        if (r == DIALOG_CHOICE && dialog_choice(tw->dlg) == 'f')
            return start_prepare(tw, d, TRAFFIC_CHANGE_FORWARD, 0);
        if (r == DIALOG_CHOICE && dialog_choice(tw->dlg) == 'b')
            return start_prepare(tw, d, TRAFFIC_CHANGE_ROLLBACK, 0);
        if (r == DIALOG_OK || r == DIALOG_CANCEL)
            return finish(tw, d);
        return ACT_NONE;
    default:
        return ACT_NONE;
    }
}

int traffic_worker_poll(struct traffic_worker *tw, struct dashboard *d)
{
    pthread_mutex_lock(&tw->mu);
    struct tw_job *j = tw->finished;
    tw->finished = NULL;
    char progress[256] = "";
    bool pnew = tw->progress_new;
    if (pnew)
        snprintf(progress, sizeof progress, "%s", tw->progress);
    tw->progress_new = false;
    pthread_mutex_unlock(&tw->mu);
    if (j == NULL) {
        if (pnew && tw->stage == STAGE_APPLYING && traffic_worker_has_dialog(tw, d)) {
            show_applying(tw, d, progress);
            return ACT_REDRAW;
        }
        return ACT_NONE;
    }
    int act = ACT_REDRAW;
    if (j->type == JOB_RESUME) {
        if (j->nresumed == 0 && j->rc == 0) {
            job_free(j);
            return ACT_NONE;
        }
        struct dialog *dlg = dialog_new("journal: changes interrupted by an earlier run");
        for (size_t i = 0; i < j->nresumed; i++)
            dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s",
                        j->resumed[i].text ? j->resumed[i].text : j->resumed[i].intent_id);
        if (j->rc != 0)
            dialog_line(dlg, THEME_ROLE_ERROR, 0, "still pending: %s", j->err);
        dialog_line(dlg, THEME_ROLE_DIM, 0, "checked against the live weights; nothing repeated");
        dialog_set_choices(dlg);
        dialog_add_choice(dlg, KEYMAP_KEY_ENTER, "Enter: close", DIALOG_OK);
        show(tw, d, dlg);
        tw->stage = STAGE_RESULT;
        job_free(j);
        return ACT_REDRAW;
    }
    if (j->type == JOB_PREPARE && tw->drop_preview) {
        tw->drop_preview = false;
        job_free(j);
        return ACT_NONE;
    }
    if (j->type == JOB_PREPARE) {
        if (j->rc == 0 && j->out_pv) {
            struct traffic_preview *pv = j->out_pv;
            j->out_pv = NULL;
            show_preview(tw, d, pv);
        } else {
            char title[320];
            snprintf(title, sizeof title, "%s: %s refused", tw->target, op_title(j->kind));
            show_message(tw, d, title, THEME_ROLE_VALUE_WARN, j->err[0] ? j->err : "refused");
            dashboard_message(d, "%s", j->err);
        }
    } else {
        show_outcome(tw, d, j);
    }
    job_free(j);
    return act;
}
