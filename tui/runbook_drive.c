/* The guided runbook screen: dialogs on the UI thread, the runner's work on a driver thread. */
#include "cutover/runbook_drive.h"

#include "cutover/config.h"
#include "cutover/dashboard.h"
#include "cutover/dialog.h"
#include "cutover/keymap.h"
#include "cutover/log.h"
#include "cutover/panel_runbook.h"
#include "cutover/runbook.h"
#include "cutover/runbook_follow.h"
#include "cutover/text.h"
#include "cutover/theme.h"
#include "cutover/traffic_poller.h"
#include "cutover/tui.h"
#include "cutover/widget.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBD_RING 64 /* lines the driver said, kept */

/* Where the UI's flow stands (UI thread only). */
enum rbd_stage {
    RBD_UI_NONE,
    RBD_UI_WAIT_PREVIEW, /* a preview job is posted; a wait dialog is open */
    RBD_UI_PREVIEW,      /* the preview: y continues */
    RBD_UI_APPROVAL,     /* the step's approval name typed */
    RBD_UI_CONFIRM,      /* the change's confirmation */
    RBD_UI_QUESTION,     /* the driver thread asks */
    RBD_UI_QUIT,         /* quit while an action is in flight? */
    RBD_UI_INFO,         /* something to read; Enter closes */
};

enum rbd_job_kind { RBD_JOB_PREVIEW, RBD_JOB_EXECUTE };

struct runbook_drive {
    struct runbook_drive_opts o;
    char *who;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;     /* the driver thread waits for a job (with lock) */
    pthread_cond_t answered; /* the driver thread waits for a question's answer (with lock) */
    /* guarded by lock: */
    bool stop;                    /* the thread ends */
    bool quit;                    /* quitting: waits and soaks end, questions are cancelled */
    bool abort;                   /* abort asked during this job */
    bool has_job;                 /* the slot holds a job not taken yet */
    enum rbd_job_kind job_kind;   /* the slot's job */
    enum runbook_drive_op job_op; /* the slot's op */
    size_t job_step;              /* EXECUTE: the step the preview was about */
    bool busy;                    /* a job runs on the driver thread */
    enum rbd_job_kind busy_kind;  /* which */
    char *ans_approval;           /* EXECUTE: the approval name typed, or NULL */
    char *ans_word;               /* EXECUTE: the confirmation typed, or NULL */
    char *ans_key;                /* EXECUTE: the preview key it confirmed */
    bool has_preview;             /* a preview is done, not taken yet */
    struct runbook_drive_preview pv_done;
    bool has_done;                 /* an EXECUTE finished, not taken yet */
    enum runbook_drive_op done_op; /* its op */
    size_t done_step;              /* its step */
    int done_rc;                   /* its result */
    bool q_asked;                  /* a question waits for the UI */
    bool q_shown;                  /* the UI opened it */
    bool q_done;                   /* the UI answered */
    bool q_yes;                    /* the answer */
    char *q_prompt, *q_want, *q_key;
    enum runbook_drive_ask q_kind;
    char *ring[RBD_RING]; /* the driver's last lines, oldest at ring_head */
    size_t ring_head, ring_n;
    unsigned long said;              /* lines said so far */
    enum runbook_drive_phase phase;  /* what the driver thread does */
    size_t phase_step;               /* on which step */
    struct timespec soak_end;        /* SOAKING: CLOCK_MONOTONIC end */
    struct runbook_follow *follower; /* set once before the thread starts */
    /* UI thread only: */
    enum rbd_stage stage;
    struct dialog *dlg; /* the flow's dialog while the dashboard shows it (owned there) */
    enum runbook_drive_op ui_op;
    struct runbook_drive_preview pv; /* the preview the dialogs are about */
    char *typed_approval;
    unsigned long said_taken; /* lines already drawn */
    char outcome[300];        /* the last job's outcome, for the panel */
    char *hints;
    /* the decorated view's buffers (UI thread, during runbook_follow_take_with) */
    enum runbook_step_state *dec_states;
    size_t dec_nstates;
    char *dec_lines[PANEL_RUNBOOK_LINES];
    size_t dec_nlines;
    char dec_lease[400];
};

static void rbd_wake(struct runbook_drive *d)
{
    if (d->o.wake_fd >= 0) {
        ssize_t w = write(d->o.wake_fd, "d", 1);
        (void)w; /* a full pipe already wakes the UI */
    }
}

void runbook_drive_preview_add(struct runbook_drive_preview *pv, const char *fmt, ...)
{
    char raw[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    pv->lines = xrealloc(pv->lines, (pv->nlines + 1) * sizeof *pv->lines);
    pv->lines[pv->nlines++] = text_sanitize(raw);
}

void runbook_drive_preview_fini(struct runbook_drive_preview *pv)
{
    for (size_t i = 0; i < pv->nlines; i++)
        free(pv->lines[i]);
    free(pv->lines);
    free(pv->title);
    free(pv->approval);
    free(pv->confirm_word);
    free(pv->confirm_prompt);
    free(pv->confirm_key);
    free(pv->error);
    memset(pv, 0, sizeof *pv);
}

struct runbook_drive *runbook_drive_new(const struct runbook_drive_opts *o)
{
    struct runbook_drive *d = xcalloc(1, sizeof *d);
    d->o = *o;
    d->who = xstrdup(o->who ? o->who : "?");
    d->o.who = d->who;
    XPTHREAD(pthread_mutex_init(&d->lock, NULL));
    XPTHREAD(pthread_cond_init(&d->cond, NULL));
    XPTHREAD(pthread_cond_init(&d->answered, NULL));
    return d;
}

void runbook_drive_set_follower(struct runbook_drive *d, struct runbook_follow *f)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    d->follower = f;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
}

/* ---- the driver thread --------------------------------------------------------------------- */

static void rbd_clear_answers_locked(struct runbook_drive *d)
{
    free(d->ans_approval);
    free(d->ans_word);
    free(d->ans_key);
    d->ans_approval = d->ans_word = d->ans_key = NULL;
}

static void *rbd_main(void *arg)
{
    struct runbook_drive *d = arg;
    XPTHREAD(pthread_mutex_lock(&d->lock));
    for (;;) {
        while (!d->stop && !d->has_job)
            XPTHREAD(pthread_cond_wait(&d->cond, &d->lock));
        if (d->stop)
            break;
        enum rbd_job_kind kind = d->job_kind;
        enum runbook_drive_op op = d->job_op;
        size_t step = d->job_step;
        d->has_job = false;
        d->busy = true;
        d->busy_kind = kind;
        d->abort = false;
        XPTHREAD(pthread_mutex_unlock(&d->lock));
        if (kind == RBD_JOB_PREVIEW) {
            struct runbook_drive_preview pv;
            memset(&pv, 0, sizeof pv);
            if (d->o.ops.preview(d->o.arg, op, &pv) != 0 && pv.error == NULL)
                pv.error = xstrdup("no preview");
            XPTHREAD(pthread_mutex_lock(&d->lock));
            runbook_drive_preview_fini(&d->pv_done);
            d->pv_done = pv;
            d->has_preview = true;
        } else {
            int rc = d->o.ops.execute(d->o.arg, op, step);
            XPTHREAD(pthread_mutex_lock(&d->lock));
            d->has_done = true;
            d->done_op = op;
            d->done_step = step;
            d->done_rc = rc;
            rbd_clear_answers_locked(d);
        }
        d->busy = false;
        d->phase = RUNBOOK_DRIVE_IDLE;
        struct runbook_follow *f = d->follower;
        XPTHREAD(pthread_mutex_unlock(&d->lock));
        runbook_follow_poke(f);
        rbd_wake(d);
        XPTHREAD(pthread_mutex_lock(&d->lock));
    }
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    return NULL;
}

int runbook_drive_start(struct runbook_drive *d, struct error *err)
{
    int rc = pthread_create(&d->thread, NULL, rbd_main, d);
    if (rc != 0) {
        error_set(err, "runbook driver: pthread_create: %s", strerror(rc));
        return -1;
    }
    d->started = true;
    return 0;
}

/* Quits: a wait or soak ends, a question is cancelled; joins the driver thread (an action in
 * flight finishes its read-back first). Idempotent. */
static void rbd_stop(struct runbook_drive *d)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    d->stop = true;
    d->quit = true;
    d->has_job = false; /* a job not taken yet is dropped */
    XPTHREAD(pthread_cond_broadcast(&d->cond));
    XPTHREAD(pthread_cond_broadcast(&d->answered));
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    if (d->started)
        XPTHREAD(pthread_join(d->thread, NULL));
    d->started = false;
}

void runbook_drive_free(struct runbook_drive *d)
{
    if (d == NULL)
        return;
    rbd_stop(d);
    rbd_clear_answers_locked(d);
    runbook_drive_preview_fini(&d->pv_done);
    runbook_drive_preview_fini(&d->pv);
    free(d->q_prompt);
    free(d->q_want);
    free(d->q_key);
    for (size_t i = 0; i < RBD_RING; i++)
        free(d->ring[i]);
    for (size_t i = 0; i < d->dec_nlines; i++)
        free(d->dec_lines[i]);
    free(d->dec_states);
    free(d->typed_approval);
    free(d->hints);
    free(d->who);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->cond);
    pthread_cond_destroy(&d->answered);
    free(d);
}

void runbook_drive_say(struct runbook_drive *d, const char *text)
{
    const char *p = text;
    XPTHREAD(pthread_mutex_lock(&d->lock));
    while (*p) {
        size_t n = strcspn(p, "\n");
        char *raw = xstrndup(p, n);
        char *safe = text_sanitize(raw); /* names and errors come from the clusters */
        free(raw);
        size_t slot = (d->ring_head + d->ring_n) % RBD_RING;
        if (d->ring_n == RBD_RING) {
            slot = d->ring_head;
            d->ring_head = (d->ring_head + 1) % RBD_RING;
        } else {
            d->ring_n++;
        }
        free(d->ring[slot]);
        d->ring[slot] = safe;
        d->said++;
        p += n;
        if (*p == '\n')
            p++;
    }
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    rbd_wake(d);
}

bool runbook_drive_confirm(struct runbook_drive *d, enum runbook_drive_ask kind, const char *prompt,
                           const char *want, const char *key)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool yes = false;
    if (kind == RUNBOOK_DRIVE_ASK_APPROVAL && d->ans_approval != NULL &&
        strcmp(d->ans_approval, want) == 0) {
        yes = true;
        free(d->ans_approval);
        d->ans_approval = NULL;
    } else if (kind == RUNBOOK_DRIVE_ASK_CHANGE && d->ans_word != NULL && d->ans_key != NULL &&
               key != NULL && strcmp(d->ans_key, key) == 0 && strcmp(d->ans_word, want) == 0) {
        yes = true; /* the change previewed and confirmed is the one about to be made */
        free(d->ans_word);
        free(d->ans_key);
        d->ans_word = d->ans_key = NULL;
    } else if (!d->quit && !d->abort) {
        /* not answered before: ask the UI and wait (abort and quit cancel) */
        free(d->q_prompt);
        free(d->q_want);
        free(d->q_key);
        d->q_prompt = xstrdup(prompt);
        d->q_want = xstrdup(want);
        d->q_key = xstrdup_null(key);
        d->q_kind = kind;
        d->q_asked = true;
        d->q_shown = false;
        d->q_done = false;
        XPTHREAD(pthread_mutex_unlock(&d->lock));
        rbd_wake(d);
        XPTHREAD(pthread_mutex_lock(&d->lock));
        while (!d->q_done && !d->quit && !d->abort)
            XPTHREAD(pthread_cond_wait(&d->answered, &d->lock));
        yes = d->q_done && d->q_yes;
        d->q_asked = false;
    }
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    rbd_wake(d);
    return yes;
}

void runbook_drive_phase(struct runbook_drive *d, enum runbook_drive_phase ph, size_t step,
                         long soak_s)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    d->phase = ph;
    d->phase_step = step;
    if (ph == RUNBOOK_DRIVE_SOAKING) {
        clock_gettime(CLOCK_MONOTONIC, &d->soak_end);
        d->soak_end.tv_sec += soak_s;
    }
    struct runbook_follow *f = d->follower;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    runbook_follow_poke(f);
    rbd_wake(d);
}

void runbook_drive_journaled(struct runbook_drive *d)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    struct runbook_follow *f = d->follower;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    runbook_follow_poke(f);
}

bool runbook_drive_stopping(struct runbook_drive *d)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool s = d->abort || d->quit;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    return s;
}

bool runbook_drive_quitting(struct runbook_drive *d)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool s = d->quit;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    return s;
}

bool runbook_drive_busy(struct runbook_drive *d)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool b = d->busy || d->has_job;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    return b;
}

/* ---- the UI thread -------------------------------------------------------------------------- */

bool runbook_drive_has_dialog(const struct runbook_drive *d, const struct dashboard *dash)
{
    return d->dlg != NULL && dashboard_dialog(dash) == d->dlg;
}

static void rbd_show(struct runbook_drive *d, struct dashboard *dash, struct dialog *dlg,
                     enum rbd_stage stage)
{
    dashboard_dialog_open(dash, dlg);
    d->dlg = dlg;
    d->stage = stage;
}

static void rbd_close(struct runbook_drive *d, struct dashboard *dash)
{
    if (runbook_drive_has_dialog(d, dash))
        dashboard_dialog_close(dash);
    d->dlg = NULL;
    d->stage = RBD_UI_NONE;
}

static const char *rbd_op_name(enum runbook_drive_op op)
{
    return op == RUNBOOK_DRIVE_RUN ? "run" : "roll back";
}

/* Why a key that acts is refused now, or NULL. */
static const char *rbd_refused(struct runbook_drive *d, char *buf, size_t len)
{
    bool lost = false;
    char lease[300];
    d->o.ops.lease(d->o.arg, lease, sizeof lease, &lost);
    if (lost) {
        snprintf(buf, len, "refused: %s", lease);
        return buf;
    }
    return NULL;
}

static void rbd_post_locked(struct runbook_drive *d, enum rbd_job_kind kind,
                            enum runbook_drive_op op, size_t step)
{
    d->has_job = true;
    d->job_kind = kind;
    d->job_op = op;
    d->job_step = step;
    XPTHREAD(pthread_cond_signal(&d->cond));
}

int runbook_drive_action(struct runbook_drive *d, struct dashboard *dash, enum runbook_drive_op op)
{
    char why[400];
    if (rbd_refused(d, why, sizeof why) != NULL) {
        dashboard_message(dash, "%s", why);
        snprintf(d->outcome, sizeof d->outcome, "%.290s", why);
        return ACT_REDRAW;
    }
    if (d->stage != RBD_UI_NONE && !runbook_drive_has_dialog(d, dash))
        d->stage = RBD_UI_NONE; /* its dialog was closed from elsewhere */
    if (d->stage != RBD_UI_NONE)
        return ACT_NONE;
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool busy = d->busy || d->has_job;
    enum runbook_drive_phase ph = d->phase;
    size_t pstep = d->phase_step;
    bool queue = false;
    if (busy && op == RUNBOOK_DRIVE_ROLLBACK && !d->has_job && d->busy_kind == RBD_JOB_EXECUTE &&
        (ph == RUNBOOK_DRIVE_CHECKING || ph == RUNBOOK_DRIVE_SOAKING)) {
        /* roll back during a gate wait or a soak: it stops, then the rollback is previewed */
        d->abort = true;
        XPTHREAD(pthread_cond_broadcast(&d->answered));
        queue = true;
    }
    if (!busy || queue)
        rbd_post_locked(d, RBD_JOB_PREVIEW, op, 0);
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    if (busy && !queue) {
        dashboard_message(dash, "step %zu is %s on the driver thread: %s", pstep + 1,
                          ph == RUNBOOK_DRIVE_ACTING     ? "acting"
                          : ph == RUNBOOK_DRIVE_SOAKING  ? "soaking"
                          : ph == RUNBOOK_DRIVE_CHECKING ? "waiting for its gates"
                                                         : "busy",
                          ph == RUNBOOK_DRIVE_ACTING ? "its action is not interrupted"
                                                     : "a aborts it");
        return ACT_REDRAW;
    }
    runbook_drive_preview_fini(&d->pv);
    free(d->typed_approval);
    d->typed_approval = NULL;
    d->ui_op = op;
    char title[120];
    snprintf(title, sizeof title, "%s", op == RUNBOOK_DRIVE_RUN ? "Run the step" : "Roll back");
    struct dialog *dlg = dialog_new(title);
    if (queue)
        dialog_line(dlg, THEME_ROLE_VALUE_WARN, 0, "stopping step %zu's %s first...", pstep + 1,
                    ph == RUNBOOK_DRIVE_SOAKING ? "soak" : "gate wait");
    dialog_line(dlg, THEME_ROLE_DIM, 0, "reading the live state for the preview... (Esc cancels)");
    dialog_set_choices(dlg); /* Esc only */
    rbd_show(d, dash, dlg, RBD_UI_WAIT_PREVIEW);
    return ACT_REDRAW;
}

int runbook_drive_abort(struct runbook_drive *d, struct dashboard *dash)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool running = d->busy && d->busy_kind == RBD_JOB_EXECUTE;
    enum runbook_drive_phase ph = d->phase;
    size_t step = d->phase_step;
    if (running) {
        d->abort = true;
        XPTHREAD(pthread_cond_broadcast(&d->answered));
    }
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    if (!running)
        dashboard_message(dash, "nothing to abort: no step is running");
    else if (ph == RUNBOOK_DRIVE_ACTING)
        dashboard_message(dash,
                          "abort: step %zu's action is in flight and is not interrupted; the "
                          "abort takes effect after its read-back",
                          step + 1);
    else
        dashboard_message(dash, "aborting step %zu...", step + 1);
    return ACT_REDRAW;
}

int runbook_drive_quit(struct runbook_drive *d, struct dashboard *dash)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool acting = d->busy && d->phase == RUNBOOK_DRIVE_ACTING;
    size_t step = d->phase_step;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    if (!acting)
        return ACT_QUIT;
    if (d->stage != RBD_UI_NONE)
        rbd_close(d, dash);
    struct dialog *dlg = dialog_new("Quit?");
    dialog_line(dlg, THEME_ROLE_VALUE_WARN, CANVAS_BOLD,
                "step %zu's action is in flight: it is not interrupted", step + 1);
    dialog_line(dlg, THEME_ROLE_VALUE, 0,
                "quitting waits for its read-back and journals the result; the next run resumes");
    dialog_set_choices(dlg);
    dialog_add_choice(dlg, 'y', "y: quit after the read-back", DIALOG_OK);
    dialog_add_choice(dlg, 'n', "n: stay", DIALOG_CANCEL);
    rbd_show(d, dash, dlg, RBD_UI_QUIT);
    return ACT_REDRAW;
}

/* The preview dialog: the step, the action before -> after and its calls; y continues. */
static void rbd_show_preview(struct runbook_drive *d, struct dashboard *dash)
{
    const struct runbook_drive_preview *pv = &d->pv;
    struct dialog *dlg = dialog_new(pv->title ? pv->title : rbd_op_name(d->ui_op));
    for (size_t i = 0; i < pv->nlines; i++)
        dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s", pv->lines[i]);
    if (pv->error != NULL) {
        dialog_line(dlg, THEME_ROLE_ERROR, CANVAS_BOLD, "%s", pv->error);
        dialog_set_choices(dlg);
        dialog_add_choice(dlg, KEYMAP_KEY_ENTER, "Enter: close", DIALOG_OK);
        rbd_show(d, dash, dlg, RBD_UI_INFO);
        return;
    }
    dialog_set_choices(dlg);
    dialog_add_choice(dlg, 'y', "y: continue", DIALOG_OK);
    dialog_add_choice(dlg, 'n', "n: cancel", DIALOG_CANCEL);
    rbd_show(d, dash, dlg, RBD_UI_PREVIEW);
}

static void rbd_post_execute(struct runbook_drive *d, struct dashboard *dash)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    rbd_clear_answers_locked(d);
    d->ans_approval = xstrdup_null(d->typed_approval);
    d->ans_word = xstrdup_null(d->pv.confirm_word);
    d->ans_key = xstrdup_null(d->pv.confirm_key);
    rbd_post_locked(d, RBD_JOB_EXECUTE, d->ui_op, d->pv.step);
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    rbd_close(d, dash);
    dashboard_message(dash, "step %zu: %s on the driver thread (a aborts a gate wait or soak)",
                      d->pv.step + 1, d->ui_op == RUNBOOK_DRIVE_RUN ? "running" : "rolling back");
    snprintf(d->outcome, sizeof d->outcome, "step %zu: %s...", d->pv.step + 1,
             d->ui_op == RUNBOOK_DRIVE_RUN ? "running" : "rolling back");
}

/* After the preview (and the approval): the change engine's confirmation, else the job. */
static void rbd_next_confirm(struct runbook_drive *d, struct dashboard *dash)
{
    const struct runbook_drive_preview *pv = &d->pv;
    if (pv->confirm_word == NULL) {
        rbd_post_execute(d, dash);
        return;
    }
    struct dialog *dlg = dialog_new(pv->title ? pv->title : "Confirm");
    for (size_t i = 0; i < pv->nlines; i++)
        dialog_line(dlg, THEME_ROLE_DIM, 0, "%s", pv->lines[i]);
    if (strcmp(pv->confirm_word, "y") == 0) {
        dialog_line(dlg, THEME_ROLE_VALUE_WARN, CANVAS_BOLD, "%s",
                    pv->confirm_prompt ? pv->confirm_prompt : "press y to confirm");
        dialog_set_choices(dlg);
        dialog_add_choice(dlg, 'y', "y: confirm", DIALOG_OK);
        dialog_add_choice(dlg, 'n', "n: cancel", DIALOG_CANCEL);
    } else {
        dialog_set_type(dlg, pv->confirm_word,
                        pv->confirm_prompt ? pv->confirm_prompt : "type the name to confirm:");
    }
    rbd_show(d, dash, dlg, RBD_UI_CONFIRM);
}

static void rbd_show_question(struct runbook_drive *d, struct dashboard *dash)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    char *prompt = xstrdup(d->q_prompt), *want = xstrdup(d->q_want);
    char *key = xstrdup_null(d->q_key);
    enum runbook_drive_ask kind = d->q_kind;
    d->q_shown = true;
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    if (d->stage != RBD_UI_NONE)
        rbd_close(d, dash);
    struct dialog *dlg =
        dialog_new(kind == RUNBOOK_DRIVE_ASK_APPROVAL ? "Approval" : "Confirm the change");
    if (key != NULL) {
        dialog_line(dlg, THEME_ROLE_VALUE_WARN, 0, "the live state moved since the preview:");
        char *p = key;
        while (*p) {
            size_t n = strcspn(p, "\n");
            dialog_line(dlg, THEME_ROLE_VALUE, 0, "%.*s", (int)n, p);
            p += n;
            if (*p)
                p++;
        }
    }
    if (strcmp(want, "y") == 0) {
        dialog_line(dlg, THEME_ROLE_VALUE_WARN, CANVAS_BOLD, "%s", prompt);
        dialog_set_choices(dlg);
        dialog_add_choice(dlg, 'y', "y: confirm", DIALOG_OK);
        dialog_add_choice(dlg, 'n', "n: cancel", DIALOG_CANCEL);
    } else {
        dialog_set_type(dlg, want, prompt);
    }
    rbd_show(d, dash, dlg, RBD_UI_QUESTION);
    free(prompt);
    free(want);
    free(key);
}

static void rbd_answer(struct runbook_drive *d, bool yes)
{
    XPTHREAD(pthread_mutex_lock(&d->lock));
    if (d->q_asked) {
        d->q_done = true;
        d->q_yes = yes;
        XPTHREAD(pthread_cond_broadcast(&d->answered));
    }
    XPTHREAD(pthread_mutex_unlock(&d->lock));
}

int runbook_drive_key(struct runbook_drive *d, struct dashboard *dash, int key)
{
    if (!runbook_drive_has_dialog(d, dash))
        return ACT_NONE;
    enum dialog_result r = dialog_key(d->dlg, key);
    if (r == DIALOG_PENDING)
        return ACT_REDRAW;
    bool ok = r == DIALOG_OK;
    switch (d->stage) {
    case RBD_UI_WAIT_PREVIEW:
        rbd_close(d, dash); /* the preview, when it comes, is dropped */
        dashboard_message(dash, "cancelled: nothing done");
        break;
    case RBD_UI_PREVIEW:
        if (!ok) {
            rbd_close(d, dash);
            dashboard_message(dash, "cancelled: nothing done");
        } else if (d->pv.approval != NULL) {
            struct dialog *dlg = dialog_new("Approval");
            dialog_line(dlg, THEME_ROLE_VALUE, 0, "step %zu needs the approval of %s",
                        d->pv.step + 1, d->pv.approval);
            char prompt[300];
            snprintf(prompt, sizeof prompt, "type %s to approve:", d->pv.approval);
            dialog_set_type(dlg, d->pv.approval, prompt);
            rbd_show(d, dash, dlg, RBD_UI_APPROVAL);
        } else {
            rbd_next_confirm(d, dash);
        }
        break;
    case RBD_UI_APPROVAL:
        if (!ok) {
            rbd_close(d, dash);
            dashboard_message(dash, "not approved: nothing done");
        } else {
            free(d->typed_approval);
            d->typed_approval = xstrdup(dialog_text(d->dlg));
            rbd_next_confirm(d, dash);
        }
        break;
    case RBD_UI_CONFIRM:
        if (!ok) {
            rbd_close(d, dash);
            dashboard_message(dash, "not confirmed: nothing done");
        } else {
            rbd_post_execute(d, dash);
        }
        break;
    case RBD_UI_QUESTION:
        rbd_close(d, dash);
        rbd_answer(d, ok);
        if (!ok)
            dashboard_message(dash, "not confirmed: the step stops");
        break;
    case RBD_UI_QUIT:
        rbd_close(d, dash);
        if (ok)
            return ACT_QUIT | ACT_REDRAW;
        break;
    default:
        rbd_close(d, dash);
        break;
    }
    return ACT_REDRAW;
}

/* The panel's extras: the driver's phase over the journaled states, soak left, Lease, lines. */
static void rbd_decorate(void *arg, struct panel_runbook_state *st)
{
    struct runbook_drive *d = arg;
    if (st->rb == NULL)
        return;
    size_t n = st->rb->nsteps;
    if (d->dec_nstates != n) {
        free(d->dec_states);
        d->dec_states = xcalloc(n ? n : 1, sizeof *d->dec_states);
        d->dec_nstates = n;
    }
    if (st->states != NULL)
        memcpy(d->dec_states, st->states, n * sizeof *d->dec_states);
    for (size_t i = 0; i < d->dec_nlines; i++)
        free(d->dec_lines[i]);
    d->dec_nlines = 0;
    XPTHREAD(pthread_mutex_lock(&d->lock));
    enum runbook_drive_phase ph = d->phase;
    size_t ps = d->phase_step;
    bool busy = d->busy || d->has_job;
    struct timespec end = d->soak_end;
    size_t keep = d->ring_n < PANEL_RUNBOOK_LINES ? d->ring_n : PANEL_RUNBOOK_LINES;
    for (size_t i = d->ring_n - keep; i < d->ring_n; i++)
        d->dec_lines[d->dec_nlines++] = xstrdup(d->ring[(d->ring_head + i) % RBD_RING]);
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    st->soak_left_s = -1;
    if (ph == RUNBOOK_DRIVE_CHECKING && ps < n && d->dec_states[ps] != RUNBOOK_STEP_DONE)
        d->dec_states[ps] = RUNBOOK_STEP_CHECKING;
    if (ph == RUNBOOK_DRIVE_SOAKING && ps == st->current) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        st->soak_left_s = end.tv_sec - now.tv_sec > 0 ? end.tv_sec - now.tv_sec : 0;
    }
    if (!busy && st->current < n) {
        /* ready: not started and every gate passes now */
        enum runbook_step_state cs = d->dec_states[st->current];
        const struct runbook_step *s = &st->rb->steps[st->current];
        bool pass = s->nchecks == 0 || (st->gates != NULL && st->ngates == s->nchecks);
        for (size_t i = 0; pass && st->gates != NULL && i < st->ngates; i++)
            pass = st->gates[i].verdict == RUNBOOK_PASS;
        if (pass && cs == RUNBOOK_STEP_PENDING) /* rolled back stays shown as such */
            d->dec_states[st->current] = RUNBOOK_STEP_READY;
    }
    st->states = d->dec_states;
    st->observer = false;
    st->lease = d->dec_lease;
    st->description = true;
    st->lines = (const char *const *)d->dec_lines;
    st->nlines = d->dec_nlines;
    st->hints = d->hints ? d->hints : "Enter/g: run the step   a: abort   b: roll back   q: quit";
    if (st->message == NULL && d->outcome[0])
        st->message = d->outcome;
}

bool runbook_drive_take(struct runbook_drive *d, struct dashboard *dash)
{
    bool redraw = false;
    XPTHREAD(pthread_mutex_lock(&d->lock));
    bool got_pv = d->has_preview;
    struct runbook_drive_preview pv = d->pv_done;
    if (got_pv) {
        memset(&d->pv_done, 0, sizeof d->pv_done);
        d->has_preview = false;
    }
    bool got_done = d->has_done;
    int done_rc = d->done_rc;
    size_t done_step = d->done_step;
    enum runbook_drive_op done_op = d->done_op;
    d->has_done = false;
    /* a question not shown yet, or whose dialog was closed from elsewhere, is shown (again) */
    bool ask = d->q_asked && !d->q_done &&
               (!d->q_shown || d->stage != RBD_UI_QUESTION || !runbook_drive_has_dialog(d, dash));
    bool said = d->said != d->said_taken;
    d->said_taken = d->said;
    struct runbook_follow *f = d->follower;
    XPTHREAD(pthread_mutex_unlock(&d->lock));

    if (got_pv) {
        if (d->stage == RBD_UI_WAIT_PREVIEW && runbook_drive_has_dialog(d, dash)) {
            runbook_drive_preview_fini(&d->pv);
            d->pv = pv;
            rbd_show_preview(d, dash);
        } else {
            runbook_drive_preview_fini(&pv); /* cancelled meanwhile */
        }
        redraw = true;
    }
    if (got_done) {
        snprintf(d->outcome, sizeof d->outcome, "step %zu: %s %s", done_step + 1,
                 rbd_op_name(done_op),
                 done_rc == 0 ? "done" : "did not complete (the lines below say why)");
        dashboard_message(dash, "%s", d->outcome);
        redraw = true;
    }
    if (ask) {
        rbd_show_question(d, dash);
        redraw = true;
    }
    if (d->stage == RBD_UI_QUESTION && runbook_drive_has_dialog(d, dash)) {
        XPTHREAD(pthread_mutex_lock(&d->lock));
        bool gone = !d->q_asked; /* cancelled by abort or quit */
        XPTHREAD(pthread_mutex_unlock(&d->lock));
        if (gone) {
            rbd_close(d, dash);
            redraw = true;
        }
    }
    bool lost = false;
    char lease[300];
    d->o.ops.lease(d->o.arg, lease, sizeof lease, &lost);
    if (strcmp(lease, d->dec_lease) != 0) {
        snprintf(d->dec_lease, sizeof d->dec_lease, "%s", lease);
        said = true;
    }
    if (runbook_follow_take_with(f, dash, said || redraw || got_done, rbd_decorate, d))
        redraw = true;
    return redraw;
}

void runbook_drive_set_hints(struct runbook_drive *d, const char *hints)
{
    free(d->hints);
    d->hints = hints && hints[0] ? xstrdup(hints) : NULL;
}

int runbook_drive_screen_run(struct runbook_drive *d, const struct runbook_drive_screen *s,
                             struct error *err)
{
    struct runbook_follow *f = NULL;
    if (runbook_follow_start(&s->follow, &f, err) != 0)
        return -1;
    runbook_drive_set_follower(d, f);
    /* the Traffic panel's live weights; its poller only reads (changes are the runner's) */
    struct traffic_poller *tp = runbook_follow_traffic_start(&s->follow, &s->traffic_env);
    int rc = runbook_drive_start(d, err);
    if (rc == 0) {
        struct tui_opts to = {.context = {s->context[0], s->context[1]},
                              .mode = "RUNBOOK",
                              .config = s->config,
                              .pub = {s->follow.pub[0], s->follow.pub[1]},
                              .wake_fd = s->wake_read_fd,
                              .traffic_wake_fd = -1,
                              .message = s->message,
                              .traffic = tp,
                              .runbook_drive = d};
        rc = tui_run(&to, err);
    }
    rbd_stop(d); /* before the follower it pokes */
    runbook_drive_set_follower(d, NULL);
    runbook_follow_stop(f);
    traffic_poller_stop(tp);
    return rc;
}

const char *runbook_drive_last_lines(struct runbook_drive *d, char *buf, size_t len)
{
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    XPTHREAD(pthread_mutex_lock(&d->lock));
    for (size_t i = 0; i < d->ring_n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "\n" : "",
                                d->ring[(d->ring_head + i) % RBD_RING]);
    XPTHREAD(pthread_mutex_unlock(&d->lock));
    return buf;
}

const char *runbook_drive_last_message(const struct runbook_drive *d, char *buf, size_t len)
{
    snprintf(buf, len, "%s", d->outcome);
    return buf;
}
