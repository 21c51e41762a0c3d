/* The drift view's network work: ConfigMap diffs and the ExternalSecret force-sync flow. Dialogs
 * live on the UI thread; every request, and the journal's writes, run on this worker thread. */
#include "cutover/drift_worker.h"

#include "cutover/dialog.h"
#include "cutover/drift_reader.h"
#include "cutover/drift_view.h"
#include "cutover/journal.h"
#include "cutover/k8s_http.h"
#include "cutover/keymap.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/theme.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum job_type { JOB_DIFF, JOB_PREVIEW, JOB_APPLY };

/* One piece of network work, handed to the worker thread and back. */
struct dw_job {
    enum job_type type;
    int side; /* 0 source, 1 target (force-sync) */
    char *ns; /* NULL: a ClusterExternalSecret */
    char *name;
    /* JOB_DIFF result */
    struct udiff *diff;
    /* JOB_PREVIEW result, JOB_APPLY input */
    char *server;    /* the API server's URL */
    char *path;      /* the ExternalSecret's path with the served version */
    char *before;    /* the force-sync annotation before, or NULL */
    char *refresh;   /* status.refreshTime before, or NULL */
    long long after; /* the annotation value the PATCH sets */
    /* JOB_APPLY result */
    bool sent;         /* the PATCH was answered 2xx */
    bool observed;     /* the read-back saw the annotation */
    char *refresh_now; /* status.refreshTime at the read-back, or NULL */
    char *intent_id;
    int rc;
    char err[600];
};

enum dw_stage { STAGE_IDLE, STAGE_PREPARING, STAGE_CONFIRM, STAGE_APPLYING, STAGE_RESULT };

struct drift_worker {
    struct k8s_http *http[2];
    struct drift_reader *reader;
    struct journal *journal;
    char *who;
    int wake_fd;
    int readback_ms;
    pthread_t thread;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct dw_job *pending;  /* mu: submitted, not yet taken by the thread */
    struct dw_job *finished; /* mu: done, not yet taken by the UI */
    bool running;            /* mu: the thread works on a job */
    bool stop;               /* mu: the thread exits when idle */

    /* UI thread only */
    enum dw_stage stage;
    struct dialog *dlg;   /* the flow's dialog while the dashboard shows it (owned there) */
    struct dw_job *ready; /* the preview waiting for its confirmation */
    char what[600];       /* "ExternalSecret shop/db-credentials on target" */
};

static void job_free(struct dw_job *j)
{
    if (j == NULL)
        return;
    free(j->ns);
    free(j->name);
    udiff_free(j->diff);
    free(j->server);
    free(j->path);
    free(j->before);
    free(j->refresh);
    free(j->refresh_now);
    free(j->intent_id);
    free(j);
}

/* ---- the worker thread -------------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len;
};

static int buf_add(void *arg, const char *s, size_t len)
{
    struct buf *b = arg;
    if (b->len + len > 8u * 1024u * 1024u)
        return 1;
    b->p = xrealloc(b->p, b->len + len + 1);
    memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

/* GETs path as JSON into *out. Returns 0, or -1 with err. */
static int get_json(struct k8s_http_conn *conn, const char *path, json_object **out,
                    struct error *err)
{
    struct buf b = {0};
    struct k8s_http_req req = {
        .path = path, .on_body = buf_add, .arg = &b, .low_speed_s = 30, .timeout_s = 30};
    struct k8s_http_resp resp = {0};
    int rc = k8s_http_do(conn, &req, &resp, err);
    if (rc == 0) {
        *out = b.p ? json_tokener_parse(b.p) : NULL;
        if (*out == NULL) {
            error_set(err, "GET %s: the answer is not JSON", path);
            rc = -1;
        }
    }
    free(b.p);
    return rc;
}

static const char *jpath(json_object *o, const char *a, const char *b, const char *c)
{
    const char *keys[3] = {a, b, c};
    for (int i = 0; i < 3 && keys[i] && o; i++)
        if (!json_object_object_get_ex(o, keys[i], &o))
            return NULL;
    return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* The ExternalSecret's path in the version the cluster prefers. */
static int es_path(struct k8s_http_conn *conn, const struct dw_job *j, char **out,
                   struct error *err)
{
    json_object *g = NULL;
    if (get_json(conn, "/apis/external-secrets.io", &g, err) != 0)
        return -1;
    json_object *pv = NULL;
    const char *ver = NULL;
    if (json_object_object_get_ex(g, "preferredVersion", &pv))
        ver = jpath(pv, "version", NULL, NULL);
    if (ver == NULL) {
        json_object_put(g);
        error_set(err, "the cluster serves no external-secrets.io version");
        return -1;
    }
    if (j->ns)
        *out = xasprintf("/apis/external-secrets.io/%s/namespaces/%s/externalsecrets/%s", ver,
                         j->ns, j->name);
    else
        *out = xasprintf("/apis/external-secrets.io/%s/clusterexternalsecrets/%s", ver, j->name);
    json_object_put(g);
    return 0;
}

/* Reads the ExternalSecret: its force-sync annotation and refreshTime. */
static int es_read(struct k8s_http_conn *conn, const char *path, char **annotation, char **refresh,
                   struct error *err)
{
    json_object *o = NULL;
    if (get_json(conn, path, &o, err) != 0)
        return -1;
    *annotation = dup_or_null(jpath(o, "metadata", "annotations", "force-sync"));
    *refresh = dup_or_null(jpath(o, "status", "refreshTime", NULL));
    json_object_put(o);
    return 0;
}

static void run_diff(struct drift_worker *dw, struct dw_job *j)
{
    struct k8s_http_conn *c[2];
    for (int s = 0; s < 2; s++)
        c[s] = k8s_http_conn_new(dw->http[s], NULL, NULL);
    struct error err;
    error_clear(&err);
    j->rc = drift_reader_configmap_diff(c[0], c[1], j->ns, j->name, 3, &j->diff, &err);
    if (j->rc != 0)
        error_format(&err, j->err, sizeof j->err);
    for (int s = 0; s < 2; s++)
        k8s_http_conn_free(c[s]);
}

static void run_preview(struct drift_worker *dw, struct dw_job *j)
{
    struct k8s_http_conn *c = k8s_http_conn_new(dw->http[j->side], NULL, NULL);
    struct error err;
    error_clear(&err);
    j->server = xstrdup(k8s_http_server(dw->http[j->side]));
    j->rc = es_path(c, j, &j->path, &err);
    if (j->rc == 0)
        j->rc = es_read(c, j->path, &j->before, &j->refresh, &err);
    if (j->rc != 0)
        error_format(&err, j->err, sizeof j->err);
    j->after = (long long)time(NULL);
    if (j->before && strtoll(j->before, NULL, 10) >= j->after)
        j->after = strtoll(j->before, NULL, 10) + 1; /* the value must change */
    k8s_http_conn_free(c);
}

static json_object *jstr_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static void run_apply(struct drift_worker *dw, struct dw_job *j)
{
    const char *ctx = k8s_http_context(dw->http[j->side]);
    char target[600];
    snprintf(target, sizeof target, "%s%s%s", j->ns ? j->ns : "", j->ns ? "/" : "", j->name);
    /* the intent, on disk before anything is sent */
    uint64_t next = journal_next_seq(dw->journal);
    j->intent_id =
        xasprintf("drift:force-sync:%s:%s:%llu", ctx ? ctx : "?", target, (unsigned long long)next);
    json_object *f = json_object_new_object();
    json_object_object_add(f, "action", json_object_new_string("drift.force-sync"));
    json_object_object_add(f, "cluster", json_object_new_string(ctx ? ctx : "?"));
    json_object_object_add(f, "externalsecret", json_object_new_string(target));
    json_object_object_add(f, "annotation", json_object_new_string("force-sync"));
    json_object_object_add(f, "before", jstr_or_null(j->before));
    char after[32];
    snprintf(after, sizeof after, "%lld", j->after);
    json_object_object_add(f, "after", json_object_new_string(after));
    char *call = xasprintf("PATCH %s%s application/merge-patch+json "
                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"%s\"}}}",
                           j->server, j->path, after);
    json_object_object_add(f, "call", json_object_new_string(call));
    free(call);
    struct error err;
    error_clear(&err);
    int jrc = journal_append_as(dw->journal, dw->who, JOURNAL_INTENT, j->intent_id, f, NULL, &err);
    json_object_put(f);
    if (jrc != 0) {
        char eb[500];
        snprintf(j->err, sizeof j->err,
                 "refused: the journal cannot be written (%s); nothing "
                 "was sent",
                 error_format(&err, eb, sizeof eb));
        j->rc = -1;
        return;
    }
    struct k8s_http_conn *c = k8s_http_conn_new(dw->http[j->side], NULL, NULL);
    error_clear(&err);
    j->rc = drift_reader_force_sync(c, j->ns, j->name, (time_t)j->after, &err);
    j->sent = j->rc == 0;
    if (j->rc != 0)
        error_format(&err, j->err, sizeof j->err);
    /* read-back: the annotation as the API now has it, and whether External Secrets refreshed */
    int waited = 0, limit = dw->readback_ms > 0 ? dw->readback_ms : 10000;
    while (j->sent && waited <= limit) {
        char *ann = NULL, *rt = NULL;
        struct error rerr;
        error_clear(&rerr);
        if (es_read(c, j->path, &ann, &rt, &rerr) == 0) {
            j->observed = ann && strcmp(ann, after) == 0;
            free(j->refresh_now);
            j->refresh_now = rt;
            rt = NULL;
        } else {
            error_format(&rerr, j->err, sizeof j->err);
        }
        free(ann);
        free(rt);
        /* done once the annotation is seen and refreshTime moved (or the time is up) */
        if (j->observed && j->refresh_now &&
            (j->refresh == NULL || strcmp(j->refresh_now, j->refresh) != 0))
            break;
        if (waited >= limit)
            break;
        usleep(500 * 1000);
        waited += 500;
    }
    k8s_http_conn_free(c);
    f = json_object_new_object();
    json_object_object_add(f, "action", json_object_new_string("drift.force-sync"));
    json_object_object_add(f, "status",
                           json_object_new_string(!j->sent      ? "failed"
                                                  : j->observed ? "done"
                                                                : "unconfirmed"));
    json_object_object_add(f, "sent", json_object_new_boolean(j->sent));
    json_object_object_add(f, "annotation_observed", json_object_new_boolean(j->observed));
    json_object_object_add(f, "refresh_time", jstr_or_null(j->refresh_now));
    if (!j->sent)
        json_object_object_add(f, "detail", json_object_new_string(j->err));
    error_clear(&err);
    if (journal_append_as(dw->journal, dw->who, JOURNAL_RESULT, j->intent_id, f, NULL, &err) != 0) {
        char eb[500];
        log_error("drift: journal result of %s: %s", j->intent_id,
                  error_format(&err, eb, sizeof eb));
    }
    json_object_put(f);
    log_info("drift: force-sync %s on %s: %s", target, ctx ? ctx : "?",
             !j->sent      ? "failed"
             : j->observed ? "annotation observed"
                           : "not observed");
    if (dw->reader)
        drift_reader_refresh(dw->reader);
}

static void *worker_main(void *arg)
{
    struct drift_worker *dw = arg;
    pthread_mutex_lock(&dw->mu);
    for (;;) {
        while (dw->pending == NULL && !dw->stop)
            pthread_cond_wait(&dw->cv, &dw->mu);
        if (dw->pending == NULL && dw->stop)
            break;
        struct dw_job *j = dw->pending;
        dw->pending = NULL;
        dw->running = true;
        pthread_mutex_unlock(&dw->mu);
        if (j->type == JOB_DIFF)
            run_diff(dw, j);
        else if (j->type == JOB_PREVIEW)
            run_preview(dw, j);
        else
            run_apply(dw, j);
        pthread_mutex_lock(&dw->mu);
        dw->running = false;
        job_free(dw->finished); /* an unclaimed older result is superseded */
        dw->finished = j;
        pthread_cond_broadcast(&dw->cv);
        if (dw->wake_fd >= 0) {
            ssize_t w = write(dw->wake_fd, "d", 1);
            (void)w;
        }
    }
    pthread_mutex_unlock(&dw->mu);
    return NULL;
}

int drift_worker_new(const struct drift_worker_opts *opts, struct drift_worker **out,
                     struct error *err)
{
    struct drift_worker *dw = xcalloc(1, sizeof *dw);
    dw->http[0] = opts->http[0];
    dw->http[1] = opts->http[1];
    dw->reader = opts->reader;
    dw->journal = opts->journal;
    dw->who = opts->who ? xstrdup(opts->who) : NULL;
    dw->wake_fd = opts->wake_fd;
    dw->readback_ms = opts->readback_ms;
    pthread_mutex_init(&dw->mu, NULL);
    pthread_cond_init(&dw->cv, NULL);
    int rc = pthread_create(&dw->thread, NULL, worker_main, dw);
    if (rc != 0) {
        error_set(err, "drift worker thread: %s", strerror(rc));
        pthread_mutex_destroy(&dw->mu);
        pthread_cond_destroy(&dw->cv);
        free(dw->who);
        free(dw);
        return -1;
    }
    *out = dw;
    return 0;
}

void drift_worker_free(struct drift_worker *dw)
{
    if (dw == NULL)
        return;
    pthread_mutex_lock(&dw->mu);
    dw->stop = true;
    pthread_cond_broadcast(&dw->cv);
    pthread_mutex_unlock(&dw->mu);
    pthread_join(dw->thread, NULL);
    job_free(dw->pending);
    job_free(dw->finished);
    job_free(dw->ready);
    pthread_mutex_destroy(&dw->mu);
    pthread_cond_destroy(&dw->cv);
    free(dw->who);
    free(dw);
}

/* Hands j to the thread; false (j freed) when a job is already under way. */
static bool submit(struct drift_worker *dw, struct dw_job *j)
{
    pthread_mutex_lock(&dw->mu);
    bool busy = dw->pending != NULL || dw->running;
    if (!busy) {
        dw->pending = j;
        pthread_cond_broadcast(&dw->cv);
    }
    pthread_mutex_unlock(&dw->mu);
    if (busy)
        job_free(j);
    return !busy;
}

bool drift_worker_busy(struct drift_worker *dw)
{
    pthread_mutex_lock(&dw->mu);
    bool b = dw->pending != NULL || dw->running || dw->finished != NULL;
    pthread_mutex_unlock(&dw->mu);
    return b;
}

/* ---- the UI thread ------------------------------------------------------------------------ */

int drift_worker_after_key(struct drift_worker *dw, struct dashboard *d)
{
    struct widget *v = dashboard_drift_view(d);
    char ns[256], name[256];
    if (v == NULL || !drift_view_take_diff_request(v, ns, sizeof ns, name, sizeof name))
        return ACT_NONE;
    struct dw_job *j = xcalloc(1, sizeof *j);
    j->type = JOB_DIFF;
    j->ns = xstrdup(ns);
    j->name = xstrdup(name);
    if (!submit(dw, j))
        drift_view_set_diff(v, ns, name, NULL,
                            "busy with another request; press Esc and Enter "
                            "again");
    return ACT_REDRAW;
}

static void show(struct drift_worker *dw, struct dashboard *d, struct dialog *dlg)
{
    dw->dlg = dlg;
    dashboard_dialog_open(d, dlg);
}

int drift_worker_force_sync(struct drift_worker *dw, struct dashboard *d)
{
    struct widget *v = dashboard_drift_view(d);
    if (v == NULL) {
        dashboard_message(d, "force-sync: open the drift view (:drift) and select an "
                             "ExternalSecret");
        return ACT_REDRAW;
    }
    int side = 1;
    const struct drift_es *es = drift_view_selected_es(v, &side);
    if (es == NULL) {
        dashboard_message(d, "force-sync: the selected line is not about an ExternalSecret");
        return ACT_REDRAW;
    }
    if (dw->stage != STAGE_IDLE || drift_worker_busy(dw)) {
        dashboard_message(d, "force-sync: busy with another request");
        return ACT_REDRAW;
    }
    if (dw->journal == NULL) {
        dashboard_message(d, "force-sync refused: no journal to record it in (docs/journal.md)");
        return ACT_REDRAW;
    }
    struct dw_job *j = xcalloc(1, sizeof *j);
    j->type = JOB_PREVIEW;
    j->side = side;
    j->ns = es->ns ? xstrdup(es->ns) : NULL;
    j->name = xstrdup(es->name);
    char safe[500];
    text_sanitize_buf(es->name, safe, sizeof safe);
    snprintf(dw->what, sizeof dw->what, "%s %s%s%s on %s",
             es->cluster_scoped ? "ClusterExternalSecret" : "ExternalSecret", es->ns ? es->ns : "",
             es->ns ? "/" : "", safe, side ? "target" : "source");
    submit(dw, j);
    struct dialog *dlg = dialog_new("force-sync");
    dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s", dw->what);
    dialog_line(dlg, THEME_ROLE_DIM, 0, "reading it for the preview...");
    dialog_set_wait(dlg);
    show(dw, d, dlg);
    dw->stage = STAGE_PREPARING;
    return ACT_REDRAW;
}

bool drift_worker_has_dialog(const struct drift_worker *dw, const struct dashboard *d)
{
    return dw->stage != STAGE_IDLE && dw->dlg != NULL && dashboard_dialog(d) == dw->dlg;
}

static void close_flow(struct drift_worker *dw, struct dashboard *d)
{
    if (dw->dlg && dashboard_dialog(d) == dw->dlg)
        dashboard_dialog_close(d);
    dw->dlg = NULL;
    dw->stage = STAGE_IDLE;
    job_free(dw->ready);
    dw->ready = NULL;
}

int drift_worker_key(struct drift_worker *dw, struct dashboard *d, int key)
{
    if (!drift_worker_has_dialog(dw, d))
        return ACT_NONE;
    enum dialog_result r = dialog_key(dw->dlg, key);
    switch (dw->stage) {
    case STAGE_PREPARING:
        if (key == KEYMAP_KEY_ESC) {
            close_flow(dw, d); /* the preview, when it comes, is dropped; nothing was sent */
            dashboard_message(d, "force-sync cancelled: nothing was sent");
        }
        break;
    case STAGE_CONFIRM:
        if (r == DIALOG_OK) {
            struct dw_job *j = dw->ready;
            dw->ready = NULL;
            j->type = JOB_APPLY;
            if (!submit(dw, j)) {
                close_flow(dw, d);
                dashboard_message(d, "force-sync: busy with another request; nothing was sent");
                break;
            }
            dialog_clear_lines(dw->dlg);
            dialog_line(dw->dlg, THEME_ROLE_VALUE, 0, "%s", dw->what);
            dialog_line(dw->dlg, THEME_ROLE_DIM, 0,
                        "journaled; sending the PATCH, then reading it back...");
            dialog_set_wait(dw->dlg);
            dw->stage = STAGE_APPLYING;
        } else if (r == DIALOG_CANCEL) {
            close_flow(dw, d);
            dashboard_message(d, "force-sync not confirmed: nothing was sent");
        }
        break;
    case STAGE_RESULT:
        if (r != DIALOG_PENDING || key == KEYMAP_KEY_ENTER || key == KEYMAP_KEY_ESC)
            close_flow(dw, d);
        break;
    default:
        break;
    }
    return ACT_REDRAW;
}

static void show_preview(struct drift_worker *dw, struct dashboard *d, struct dw_job *j)
{
    struct dialog *dlg = dw->dlg;
    dialog_set_title(dlg, "force-sync: preview");
    dialog_clear_lines(dlg);
    char sb[256], sr[256];
    dialog_line(dlg, THEME_ROLE_VALUE, CANVAS_BOLD, "%s", dw->what);
    dialog_line(dlg, THEME_ROLE_VALUE, 0, "annotation force-sync: %s -> %lld",
                j->before ? text_sanitize_buf(j->before, sb, sizeof sb) : "(none)", j->after);
    dialog_line(dlg, THEME_ROLE_DIM, 0, "refreshTime now: %s",
                j->refresh ? text_sanitize_buf(j->refresh, sr, sizeof sr) : "(none)");
    dialog_line(dlg, THEME_ROLE_LABEL, 0, "the API call:");
    dialog_line(dlg, THEME_ROLE_VALUE, 0, "PATCH %s%s", j->server, j->path);
    dialog_line(dlg, THEME_ROLE_VALUE, 0, "Content-Type: application/merge-patch+json");
    dialog_line(dlg, THEME_ROLE_VALUE, 0,
                "{\"metadata\":{\"annotations\":{\"force-sync\":\"%lld\"}}}", j->after);
    dialog_line(dlg, THEME_ROLE_DIM, 0,
                "External Secrets then reads the provider again and rewrites the Secret.");
    dialog_set_choices(dlg);
    dialog_add_choice(dlg, 'y', "y: apply", DIALOG_OK);
    dialog_add_choice(dlg, 'n', "n/Esc: cancel", DIALOG_CANCEL);
    dw->ready = j;
    dw->stage = STAGE_CONFIRM;
    (void)d;
}

static void show_outcome(struct drift_worker *dw, struct dw_job *j)
{
    struct dialog *dlg = dw->dlg;
    dialog_clear_lines(dlg);
    char sr[256];
    if (!j->sent) {
        dialog_set_title(dlg, "force-sync: failed");
        dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s", dw->what);
        dialog_line(dlg, THEME_ROLE_ERROR, 0, "%s", j->err);
    } else {
        dialog_set_title(dlg, j->observed ? "force-sync: done" : "force-sync: unconfirmed");
        dialog_line(dlg, THEME_ROLE_VALUE, 0, "%s", dw->what);
        dialog_line(dlg, j->observed ? THEME_ROLE_VALUE_OK : THEME_ROLE_VALUE_WARN, 0,
                    j->observed ? "read back: annotation force-sync=%lld observed"
                                : "read back: annotation force-sync=%lld NOT observed",
                    j->after);
        bool moved = j->refresh_now && (j->refresh == NULL || strcmp(j->refresh, j->refresh_now));
        dialog_line(dlg, moved ? THEME_ROLE_VALUE_OK : THEME_ROLE_VALUE_WARN, 0,
                    "refreshTime: %s%s",
                    j->refresh_now ? text_sanitize_buf(j->refresh_now, sr, sizeof sr) : "(none)",
                    moved ? " (refreshed)" : " (not refreshed yet)");
    }
    if (j->intent_id)
        dialog_line(dlg, THEME_ROLE_DIM, 0, "journal: %s", j->intent_id);
    dialog_set_choices(dlg);
    dialog_add_choice(dlg, KEYMAP_KEY_ENTER, "Enter: close", DIALOG_OK);
    dw->stage = STAGE_RESULT;
}

int drift_worker_poll(struct drift_worker *dw, struct dashboard *d)
{
    pthread_mutex_lock(&dw->mu);
    struct dw_job *j = dw->finished;
    dw->finished = NULL;
    pthread_mutex_unlock(&dw->mu);
    if (j == NULL)
        return ACT_NONE;
    if (j->type == JOB_DIFF) {
        struct widget *v = dashboard_drift_view(d);
        if (v)
            drift_view_set_diff(v, j->ns, j->name, j->diff, j->rc ? j->err : NULL);
        else
            udiff_free(j->diff);
        j->diff = NULL;
        job_free(j);
        return ACT_REDRAW;
    }
    if (!drift_worker_has_dialog(dw, d)) {
        /* the flow was cancelled or replaced meanwhile */
        if (j->type == JOB_APPLY)
            dashboard_message(d, "force-sync %s: %s", dw->what,
                              !j->sent      ? "failed"
                              : j->observed ? "done"
                                            : "unconfirmed");
        job_free(j);
        dw->stage = STAGE_IDLE;
        return ACT_REDRAW;
    }
    if (j->type == JOB_PREVIEW) {
        if (j->rc != 0) {
            dialog_set_title(dw->dlg, "force-sync: cannot prepare");
            dialog_clear_lines(dw->dlg);
            dialog_line(dw->dlg, THEME_ROLE_VALUE, 0, "%s", dw->what);
            dialog_line(dw->dlg, THEME_ROLE_ERROR, 0, "%s", j->err);
            dialog_line(dw->dlg, THEME_ROLE_DIM, 0, "nothing was sent");
            dialog_set_choices(dw->dlg);
            dialog_add_choice(dw->dlg, KEYMAP_KEY_ENTER, "Enter: close", DIALOG_OK);
            dw->stage = STAGE_RESULT;
            job_free(j);
        } else {
            show_preview(dw, d, j);
        }
        return ACT_REDRAW;
    }
    show_outcome(dw, j);
    job_free(j);
    return ACT_REDRAW;
}
