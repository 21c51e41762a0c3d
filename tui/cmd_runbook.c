/* `cutover runbook SUBCOMMAND`: validate a runbook file (docs/runbook.md) and print the plan it
 * describes, or the first error as file:line:col. */
#include "cutover/cli.h"

#include "cutover/actions.h"
#include "cutover/analysis.h"
#include "cutover/config.h"
#include "cutover/drift_reader.h"
#include "cutover/error.h"
#include "cutover/journal.h"
#include "cutover/journal_mirror.h"
#include "cutover/k8s_body.h"
#include "cutover/k8s_http.h"
#include "cutover/k8s_informer.h"
#include "cutover/k8s_lease.h"
#include "cutover/k8s_poller.h"
#include "cutover/kubeconfig.h"
#include "cutover/log.h"
#include "cutover/runbook.h"
#include "cutover/runbook_drive.h"
#include "cutover/runbook_eval.h"
#include "cutover/runbook_follow.h"
#include "cutover/runbook_state.h"
#include "cutover/traffic_change.h"
#include "cutover/traffic_provider.h"
#include "cutover/tui.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char runbook_usage[] =
    "usage: cutover runbook validate FILE\n"
    "       cutover runbook run FILE [--kubeconfig PATH] [--journal PATH] [--steps N]\n"
    "                               [--wait SECONDS] [--approve NAME] [--yes] [--takeover]\n"
    "                               [--no-tui]\n"
    "       cutover runbook run FILE --observer [--for SECONDS] [--no-tui] [--kubeconfig PATH]\n"
    "       cutover runbook rollback FILE [--step N] [--yes] [--takeover] [--kubeconfig PATH]\n"
    "       cutover runbook log [FILE] [--journal PATH]\n"
    "\n"
    "Runbooks are migrations written down as YAML steps: checks (gates), one action, a soak,\n"
    "an approval and a rollback per step. Format: docs/runbook.md; examples: docs/examples/.\n"
    "\n"
    "commands:\n"
    "  validate FILE   check FILE and print its steps; on an error print file:line:col: message\n"
    "                  (traffic targets and percents are checked against config.yaml's traffic:)\n"
    "                  and exit 1 (2 when FILE cannot be read)\n"
    "  run FILE        drive the runbook from this terminal: take the Lease in the target\n"
    "                  cluster; on a terminal the guided screen (the dashboard, RUNBOOK, with the\n"
    "                  Runbook panel: Enter or g runs the current step after its preview,\n"
    "                  approval and confirmation dialogs, a aborts a gate wait or soak, b rolls\n"
    "                  back, q quits); with --no-tui, --yes, --approve, --steps or no terminal\n"
    "                  line mode: take the Lease in the target\n"
    "                  cluster, resume (pending intents checked against the provider, never\n"
    "                  repeated), then for each step not done: wait for its gates (--wait,\n"
    "                  default 300 s), ask for its approval (or --approve NAME), read the\n"
    "                  object, preview before -> after, confirm (y, or the name for a\n"
    "                  production target, scale to 0 and cordon; --yes answers for scripts\n"
    "                  and tests), journal the intent with the before value, act, read back, "
    "soak,\n"
    "                  journal every state; --steps N stops after N steps. Traffic targets come\n"
    "                  from config.yaml (traffic:). Exit 0 done, 1 a step did not complete, 2\n"
    "                  usage or setup, 3 the runbook is driven elsewhere (the holder is named)\n"
    "                  or the Lease was lost (taken over, or not renewed for 2/3 of its time)\n"
    "  run --observer  follow a runbook driven elsewhere, read-only: the Lease holder, the\n"
    "                  journal mirrored in the target cluster, the current step and its gates;\n"
    "                  on a terminal the follow screen (the dashboard, OBSERVER, with the\n"
    "                  Runbook panel), else (or with --no-tui) lines until --for SECONDS pass\n"
    "                  or every step is done\n"
    "  rollback FILE   undo a step (the one started, else the last done; or --step N): its\n"
    "                  rollback action, or back to the weights before it or the value the\n"
    "                  action's intent recorded before it; previewed, confirmed, under the Lease,\n"
    "                  journaled like any action\n"
    "  log [FILE]      print the migration's journal, one line per record, then where each\n"
    "                  step of FILE stands; the journal is --journal PATH, else the default\n"
    "                  for FILE's source and target\n"
    "                  ($XDG_STATE_HOME/cutover/journal/SOURCE--TARGET.jsonl); exit 1 when a\n"
    "                  line is torn or corrupt (each is named as file:line)\n";

/* Prints what the runbook will do, one step at a time, every string from the file sanitized. */
static void runbook_print(const struct runbook *rb)
{
    char a[512], b[512], d[32];
    printf("%s: ok: runbook %s, %s -> %s, %zu step%s\n", text_sanitize_buf(rb->file, a, sizeof a),
           text_sanitize_buf(rb->name, b, sizeof b), rb->source, rb->target, rb->nsteps,
           rb->nsteps == 1 ? "" : "s");
    printf("  lease: %s/%s in %s\n", rb->lease_ns, rb->lease_name,
           text_sanitize_buf(rb->target, a, sizeof a));
    for (size_t i = 0; i < rb->nsteps; i++) {
        const struct runbook_step *s = &rb->steps[i];
        printf("  %zu. %s\n", i + 1, text_sanitize_buf(s->title, a, sizeof a));
        for (size_t j = 0; j < s->nchecks; j++)
            printf(
                "     check: %s\n",
                text_sanitize_buf(runbook_check_describe(&s->checks[j], b, sizeof b), a, sizeof a));
        if (s->action.kind != RUNBOOK_ACTION_NONE)
            printf(
                "     action: %s\n",
                text_sanitize_buf(runbook_action_describe(&s->action, b, sizeof b), a, sizeof a));
        if (s->soak_s > 0)
            printf("     soak: %s\n", runbook_format_duration(s->soak_s, d, sizeof d));
        if (s->approval != NULL)
            printf("     approval: %s\n", text_sanitize_buf(s->approval, a, sizeof a));
        if (s->rollback.kind != RUNBOOK_ACTION_NONE)
            printf(
                "     rollback: %s\n",
                text_sanitize_buf(runbook_action_describe(&s->rollback, b, sizeof b), a, sizeof a));
        else if (s->rollback_auto && s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS)
            printf("     rollback: set %s back to %d%% new\n",
                   text_sanitize_buf(s->action.target, a, sizeof a),
                   runbook_percent_before(rb, i, s->action.target));
        else if (s->rollback_auto)
            printf("     rollback: uncordon %s\n", text_sanitize_buf(s->action.name, a, sizeof a));
        else if (s->rollback_none)
            printf("     rollback: none (cannot be undone)\n");
    }
}

static int runbook_validate(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fputs(runbook_usage, stderr);
        return 2;
    }
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    char buf[1024];
    /* the config's traffic targets, when it has any, are what the runbook must name */
    struct config cfg;
    config_init(&cfg);
    size_t nnames;
    const char *const *names = actions_names(&nnames);
    char *cfg_path = config_default_path();
    if (cfg_path != NULL) {
        int crc = config_load_file(cfg_path, names, nnames, &cfg, &err);
        free(cfg_path);
        if (crc < 0 && crc != -ENOENT) {
            fprintf(stderr, "cutover: %s\n", error_format(&err, buf, sizeof buf));
            config_fini(&cfg);
            return 2;
        }
        error_clear(&err);
    }
    int rc = runbook_load_file(argv[1], cfg.ntraffic ? cfg.traffic : NULL, cfg.ntraffic, &rb, &err);
    if (rc < 0) {
        fprintf(stderr, "%s\n", error_format(&err, buf, sizeof buf));
        config_fini(&cfg);
        return err.line > 0 ? 1 : 2;
    }
    runbook_print(rb);
    if (cfg.ntraffic > 0)
        printf("  traffic targets checked against config.yaml (%zu configured)\n", cfg.ntraffic);
    runbook_free(rb);
    config_fini(&cfg);
    return 0;
}

static int log_record(const struct journal_record *rec, void *ctx)
{
    (void)ctx;
    char *line = journal_format_human(rec);
    char *safe = text_sanitize(line); /* ids and fields may come from anywhere */
    puts(safe);
    free(safe);
    free(line);
    return 0;
}

static void log_problem(const struct error *where, void *ctx)
{
    (void)ctx;
    struct error e = *where;
    error_sanitize(&e);
    char buf[1024];
    fprintf(stderr, "%s\n", error_format(&e, buf, sizeof buf));
}

static int runbook_log(int argc, char **argv)
{
    const char *file = NULL, *journal = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--journal") == 0 && i + 1 < argc)
            journal = argv[++i];
        else if (argv[i][0] != '-' && file == NULL)
            file = argv[i];
        else {
            fputs(runbook_usage, stderr);
            return 2;
        }
    }
    if (file == NULL && journal == NULL) {
        fputs(runbook_usage, stderr);
        return 2;
    }
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    char buf[1024];
    if (file != NULL && runbook_load_file(file, NULL, 0, &rb, &err) < 0) {
        fprintf(stderr, "%s\n", error_format(&err, buf, sizeof buf));
        return 2;
    }
    char *path = journal ? xstrdup(journal) : journal_default_path(rb->source, rb->target);
    if (path == NULL) {
        fprintf(stderr, "cutover runbook log: no journal path (set XDG_STATE_HOME or HOME)\n");
        runbook_free(rb);
        return 2;
    }
    size_t nproblems = 0;
    int rc = journal_read(path, log_record, log_problem, NULL, &nproblems, &err);
    if (rc == -ENOENT) {
        printf("no journal yet at %s: nothing was done\n",
               text_sanitize_buf(path, buf, sizeof buf));
    } else if (rc < 0) {
        error_sanitize(&err);
        fprintf(stderr, "%s\n", error_format(&err, buf, sizeof buf));
        free(path);
        runbook_free(rb);
        return 2;
    }
    if (rb != NULL) {
        struct runbook_progress p;
        runbook_progress_init(&p, rb);
        runbook_progress_read(&p, rb, path, NULL, &err);
        size_t cur = runbook_progress_current(&p);
        printf("runbook %s: ", text_sanitize_buf(rb->name, buf, sizeof buf));
        if (cur == rb->nsteps)
            printf("all %zu steps done\n", rb->nsteps);
        else
            printf("at step %zu of %zu\n", cur + 1, rb->nsteps);
        for (size_t i = 0; i < rb->nsteps; i++) {
            char t[256], w[256], when[32] = "";
            if (p.since[i] > 0) {
                time_t tt = (time_t)p.since[i];
                struct tm tm;
                gmtime_r(&tt, &tm);
                strftime(when, sizeof when, " %Y-%m-%d %H:%M UTC", &tm);
            }
            printf("  %c %zu. %-11s %s%s%s%s\n", i == cur ? '>' : ' ', i + 1,
                   runbook_step_state_name(p.state[i]),
                   text_sanitize_buf(rb->steps[i].title, t, sizeof t), p.who[i] ? " (" : "",
                   p.who[i] ? text_sanitize_buf(p.who[i], w, sizeof w) : "", p.who[i] ? ")" : "");
            if (when[0])
                printf("               since%s\n", when);
        }
        runbook_progress_fini(&p);
    }
    free(path);
    runbook_free(rb);
    return nproblems > 0 ? 1 : 0;
}

/* ---- run: the driver ------------------------------------------------------------------------ */

struct run_args {
    const char *file;
    const char *kubeconfig;
    const char *journal;
    const char *approve;
    bool yes;
    bool takeover;
    int steps;     /* run at most this many steps (0: all) */
    int wait_s;    /* how long gates may take to pass */
    bool observer; /* follow a runbook driven elsewhere, read-only */
    int for_s;     /* observer: stop after this many seconds (0: when every step is done) */
    bool no_tui;   /* observer: line mode even on a terminal */
    bool rollback; /* `runbook rollback`: undo a step instead of running the next */
    int step;      /* rollback: the step (1-based); 0: the one the journal says */
};

struct runner {
    struct run_args a;
    struct config cfg;
    struct runbook *rb;
    struct kubeconfig *kc;
    struct kube_context ctx[2];
    struct k8s_http *http; /* target: Lease, mirror and actions */
    struct k8s_http_conn *conn;
    struct k8s_http *src_http; /* source: actions on it (made when one needs it) */
    struct k8s_http_conn *src_conn;
    struct drift_reader *drift; /* when a gate looks at secrets */
    struct model_publisher *pub[2];
    struct k8s_poller *poller[2];
    struct traffic_provider **prov;  /* [cfg.ntraffic] */
    struct traffic_provider **fprov; /* [cfg.ntraffic] the guided screen's follower's, read-only */
    struct journal *journal;
    char *journal_path;
    struct traffic_change *tc;
    struct k8s_lease_opts lease;
    struct k8s_lease_info held;
    struct journal_mirror_opts mirror;
    pthread_t renewer;
    bool renewing;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;                   /* guarded by lock: the renewer ends */
    atomic_bool lost;            /* the Lease was taken over or expired under us */
    struct timespec renewed;     /* guarded by lock: CLOCK_MONOTONIC when the last renewal that
                                  * succeeded was sent (or the acquire) */
    char lost_why[300];          /* guarded by lock: why the Lease is lost */
    bool lost_noted;             /* the driving thread only (main, or the guided screen's driver
                                  * thread): the loss is said and journaled */
    int wake[2];                 /* follow and guided screens: the UI's wake pipe (-1 none) */
    struct runbook_drive *drive; /* the guided screen: what the runner says and asks goes there
                                  * (runbook_drive.h); NULL: line mode, stdout and stdin */
};

static const char *run_ua = "cutover-runbook/" CUTOVER_VERSION;

/* `cutover demo --observer --runbook FILE`: the demo's traffic targets (borrowed for the run). */
static struct {
    const struct traffic_target_cfg *targets;
    size_t n;
} follow_demo;
static const char *follow_ua = "cutover-observer/" CUTOVER_VERSION;

/* Everything the runner says while it drives goes through here: stdout (or stderr for err) in
 * line mode, the guided screen's lines (sanitized there) when it drives. */
static void run_vsay(struct runner *r, FILE *fp, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void run_vsay(struct runner *r, FILE *fp, const char *fmt, va_list ap)
{
    if (r->drive != NULL) {
        char buf[4096];
        vsnprintf(buf, sizeof buf, fmt, ap);
        size_t n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
            buf[n - 1] = '\0';
        runbook_drive_say(r->drive, buf);
        return;
    }
    vfprintf(fp, fmt, ap);
    fflush(fp);
}

static void run_say(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_say(struct runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    run_vsay(r, stdout, fmt, ap);
    va_end(ap);
}

static void run_err(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_err(struct runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    run_vsay(r, stderr, fmt, ap);
    va_end(ap);
}

/* CUTOVER_TEST_CRASH_AT=before-intent|after-intent|after-apply: kills this process at that point
 * of a traffic action, for tests/e2e/test_runbook_resume.sh. Only read when set. */
static void run_crash_point(const char *point)
{
    const char *want = getenv("CUTOVER_TEST_CRASH_AT");
    if (want != NULL && strcmp(want, point) == 0) {
        fprintf(stderr, "cutover: CUTOVER_TEST_CRASH_AT=%s: killing myself\n", point);
        fflush(stderr);
        raise(SIGKILL);
    }
}

static void run_progress(const char *target, const char *text, void *ctx)
{
    struct runner *r = ctx;
    char t[128], x[256];
    run_say(r, "    %s: %s\n", text_sanitize_buf(target, t, sizeof t),
            text_sanitize_buf(text, x, sizeof x));
    if (strcmp(text, "recording intent") == 0)
        run_crash_point("before-intent");
    else if (strncmp(text, "applying", 8) == 0)
        run_crash_point("after-intent");
    else if (strcmp(text, "reading back") == 0)
        run_crash_point("after-apply");
}

static int run_lease_duration(const struct runner *r)
{
    return r->lease.duration_s > 0 ? r->lease.duration_s : K8S_LEASE_DURATION_DEFAULT;
}

/* True when the last successful renewal is so old that the Lease may have expired in the cluster
 * (a third of its duration kept as margin for clocks). Called with r->lock held. */
static bool run_lease_expired_locked(const struct runner *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - r->renewed.tv_sec) * 1000 +
                 (now.tv_nsec - r->renewed.tv_nsec) / 1000000;
    int d = run_lease_duration(r);
    return ms >= (int64_t)(d - d / 3.0) * 1000;
}

/* Whether this driver still holds its Lease: not taken over, and renewed recently enough that it
 * cannot have expired. Checked right before every mutating call. The first time it is lost, says
 * so (with what it stops before) and journals a note. */
static bool run_lease_ok(struct runner *r, const char *before_what)
{
    if (r->a.observer)
        return false;
    char why[300];
    XPTHREAD(pthread_mutex_lock(&r->lock));
    if (!atomic_load(&r->lost) && run_lease_expired_locked(r)) {
        snprintf(r->lost_why, sizeof r->lost_why, "not renewed for %d s or more (it lasts %d s)",
                 run_lease_duration(r) * 2 / 3, run_lease_duration(r));
        atomic_store(&r->lost, true);
    }
    bool lost = atomic_load(&r->lost);
    snprintf(why, sizeof why, "%s", r->lost_why);
    XPTHREAD(pthread_mutex_unlock(&r->lock));
    if (!lost)
        return true;
    if (!r->lost_noted) {
        r->lost_noted = true;
        char sw[300], ns[200], nm[200];
        text_sanitize_buf(why, sw, sizeof sw);
        run_say(r,
                "LEASE LOST: the Lease %s/%s is no longer this driver's (%s): stopped before %s; "
                "nothing more is changed from here\n",
                text_sanitize_buf(r->rb->lease_ns, ns, sizeof ns),
                text_sanitize_buf(r->rb->lease_name, nm, sizeof nm), sw, before_what);
        if (r->journal != NULL) {
            json_object *f = json_object_new_object();
            json_object_object_add(f, "event", json_object_new_string("lease-lost"));
            json_object_object_add(f, "detail", json_object_new_string(why));
            json_object_object_add(f, "stopped_before", json_object_new_string(before_what));
            char id[200];
            snprintf(id, sizeof id, "runbook:%s:lease", r->rb->name);
            struct error err;
            error_clear(&err);
            if (journal_append(r->journal, JOURNAL_NOTE, id, f, NULL, &err) != 0)
                run_say(r, "  the journal could not record the loss: %s\n",
                        text_sanitize_buf(err.msg, sw, sizeof sw));
            json_object_put(f);
        }
    }
    return false;
}

static void *run_renew(void *arg)
{
    struct runner *r = arg;
    struct k8s_http_conn *c = k8s_http_conn_new(r->http, NULL, NULL);
    int every_ms =
        (r->lease.duration_s > 0 ? r->lease.duration_s : K8S_LEASE_DURATION_DEFAULT) * 1000 / 3;
    XPTHREAD(pthread_mutex_lock(&r->lock));
    while (!r->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += every_ms / 1000;
        ts.tv_nsec += (long)(every_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&r->cond, &r->lock, &ts);
        if (rc != 0 && rc != ETIMEDOUT)
            fatal("pthread_cond_timedwait: %d", rc);
        if (r->stop)
            break;
        XPTHREAD(pthread_mutex_unlock(&r->lock));
        struct k8s_lease_info held;
        memset(&held, 0, sizeof held);
        struct error err;
        error_clear(&err);
        struct timespec sent;
        clock_gettime(CLOCK_MONOTONIC, &sent);
        int rr = k8s_lease_renew(c, &r->lease, &held, &err);
        error_sanitize(&err);
        XPTHREAD(pthread_mutex_lock(&r->lock));
        if (rr == 0) {
            r->renewed = sent;
        } else if (rr == -EBUSY) {
            snprintf(r->lost_why, sizeof r->lost_why, "%.250s", err.msg);
            atomic_store(&r->lost, true);
        } else {
            log_warn("lease renew failed: %s", err.msg);
            if (run_lease_expired_locked(r)) {
                snprintf(r->lost_why, sizeof r->lost_why,
                         "not renewed for %d s of its %d s (last error: %.200s)",
                         run_lease_duration(r) * 2 / 3, run_lease_duration(r), err.msg);
                atomic_store(&r->lost, true);
            }
        }
        if (atomic_load(&r->lost))
            break; /* a lost Lease is never renewed again: the run stops */
    }
    XPTHREAD(pthread_mutex_unlock(&r->lock));
    k8s_http_conn_free(c);
    return NULL;
}

/* Pushes the journal to the mirror; the local journal is the truth, so a failure only warns. */
static void run_mirror(struct runner *r)
{
    struct journal_mirror_status st;
    struct error err;
    error_clear(&err);
    if (journal_mirror_push(r->conn, &r->mirror, r->journal_path, &st, &err) < 0) {
        char b[600];
        error_sanitize(&err);
        run_say(r, "  (journal mirror behind: %llu of %llu records in the cluster: %s)\n",
                (unsigned long long)st.mirrored_seq, (unsigned long long)st.local_seq,
                error_format(&err, b, sizeof b));
    }
}

static int run_state(struct runner *r, size_t step, enum runbook_step_state st, const char *detail)
{
    struct error err;
    error_clear(&err);
    if (runbook_journal_state(r->journal, r->rb, step, st, detail, &err) < 0) {
        char b[600];
        run_err(r, "cutover: journal: %s\n", error_format(&err, b, sizeof b));
        return -1;
    }
    char t[256];
    run_say(r, "step %zu (%s): %s%s%s\n", step + 1,
            text_sanitize_buf(r->rb->steps[step].title, t, sizeof t), runbook_step_state_name(st),
            detail ? ": " : "", detail ? detail : "");
    if (r->drive != NULL)
        runbook_drive_journaled(r->drive);
    run_mirror(r);
    return 0;
}

/* The index of the configured traffic target named name, or -1. */
static int run_target(const struct runner *r, const char *name)
{
    for (size_t i = 0; i < r->cfg.ntraffic; i++)
        if (strcmp(r->cfg.traffic[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* A snapshot of every configured target read now (what the gates and the change engine see). */
static struct traffic_snapshot *run_read_traffic(struct runner *r)
{
    struct traffic_snapshot *s = traffic_snapshot_new(r->cfg.ntraffic);
    for (size_t i = 0; i < r->cfg.ntraffic; i++) {
        struct traffic_target_state *t = &s->targets[i];
        traffic_target_cfg_copy(&t->cfg, &r->cfg.traffic[i]);
        if (r->prov[i] == NULL) {
            t->error = xstrdup("no provider");
            continue;
        }
        struct error err;
        error_clear(&err);
        if (r->prov[i]->ops->read(r->prov[i], &t->reading, &err) != 0) {
            t->error = xstrdup(err.msg[0] ? err.msg : "read failed");
            clock_gettime(CLOCK_REALTIME, &t->last_err);
            continue;
        }
        t->have_reading = true;
        clock_gettime(CLOCK_REALTIME, &t->last_ok);
        t->percent = traffic_percent_of(t->reading.side[TRAFFIC_OLD].weight,
                                        t->reading.side[TRAFFIC_NEW].weight);
        t->step = traffic_plan_index(&t->cfg, t->percent);
    }
    return s;
}

/* Evaluates the step's gates on fresh data; prints them when print (or when they changed). */
static enum runbook_verdict run_gates(struct runner *r, size_t step, bool soaking, bool print,
                                      char *last, size_t lastlen)
{
    struct runbook_step soak = r->rb->steps[step];
    const struct runbook_step *s = &r->rb->steps[step];
    struct runbook_check *checks = NULL;
    if (soaking && s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS) {
        /* A traffic_weight check on the step's own target is its precondition: while soaking,
         * the weights must be what the step set. */
        checks = xcalloc(s->nchecks ? s->nchecks : 1, sizeof *checks);
        memcpy(checks, s->checks, s->nchecks * sizeof *checks);
        for (size_t i = 0; i < s->nchecks; i++)
            if (checks[i].kind == RUNBOOK_CHECK_TRAFFIC_WEIGHT &&
                strcmp(checks[i].target, s->action.target) == 0)
                checks[i].percent = s->action.percent;
        soak.checks = checks;
        s = &soak;
    }
    struct model_cluster *mc[2] = {model_publisher_get(r->pub[0]), model_publisher_get(r->pub[1])};
    struct analysis_config acfg;
    analysis_config_init(&acfg);
    acfg.zone_spread_ratio = r->cfg.zone_spread_ratio;
    struct analysis *an = analysis_run(mc[0], mc[1], &acfg);
    struct traffic_snapshot *ts = run_read_traffic(r);
    struct drift_snapshot *ds = r->drift ? drift_reader_get(r->drift) : NULL;
    struct runbook_eval_input in = {
        .cluster = {mc[0], mc[1]}, .analysis = an, .traffic = ts, .drift = ds ? ds->report : NULL};
    struct runbook_gate *g = xcalloc(s->nchecks ? s->nchecks : 1, sizeof *g);
    enum runbook_verdict v = runbook_eval_step(s, &in, g);
    char text[4096];
    size_t off = 0;
    text[0] = '\0';
    for (size_t i = 0; i < s->nchecks && off < sizeof text; i++) {
        char d[256], sd[512];
        /* the reason is sanitized already; the description quotes the runbook */
        text_sanitize_buf(runbook_check_describe(&s->checks[i], d, sizeof d), sd, sizeof sd);
        off += (size_t)snprintf(text + off, sizeof text - off, "  [%-7s] %s: %s\n",
                                runbook_verdict_name(g[i].verdict), sd, g[i].reason);
    }
    if (print || strcmp(text, last) != 0) {
        run_say(r, "%s", text);
        snprintf(last, lastlen, "%s", text);
    }
    free(g);
    free(checks);
    drift_snapshot_unref(ds);
    traffic_snapshot_unref(ts);
    analysis_free(an);
    model_cluster_unref(mc[0]);
    model_cluster_unref(mc[1]);
    return v;
}

/* What a confirmation is for. */
enum run_ask {
    RUN_ASK_TAKEOVER, /* taking an expired Lease over: stdin, never --yes */
    RUN_ASK_APPROVAL, /* the step's approval name */
    RUN_ASK_CHANGE,   /* the change's own confirmation: --yes answers it */
};

/* Asks for want to be typed: on stdin in line mode (--yes answers for the change confirmations,
 * never for a takeover or an approval), on the guided screen through its dialogs (key names the
 * change previewed, for runbook_drive_confirm). */
static bool run_confirm(struct runner *r, enum run_ask kind, const char *prompt, const char *want,
                        const char *key)
{
    if (kind == RUN_ASK_CHANGE && r->a.yes)
        return true;
    if (r->drive != NULL && kind != RUN_ASK_TAKEOVER)
        return runbook_drive_confirm(r->drive,
                                     kind == RUN_ASK_APPROVAL ? RUNBOOK_DRIVE_ASK_APPROVAL
                                                              : RUNBOOK_DRIVE_ASK_CHANGE,
                                     prompt, want, key);
    printf("%s: ", prompt);
    fflush(stdout);
    char line[256];
    if (fgets(line, sizeof line, stdin) == NULL)
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, want) == 0 || (strcmp(want, "y") == 0 && strcasecmp(line, "yes") == 0);
}

/* True once the guided screen asked to stop (abort or quit): a gate wait or soak ends. */
static bool run_stopping(struct runner *r)
{
    return r->drive != NULL && runbook_drive_stopping(r->drive);
}

static void run_phase(struct runner *r, enum runbook_drive_phase ph, size_t step, long soak_s)
{
    if (r->drive != NULL)
        runbook_drive_phase(r->drive, ph, step, soak_s);
}

/* The preview's lines joined: what identifies the change confirmed (owned by the caller). */
static char *run_preview_key(char *const *lines, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(lines[i]) + 1;
    char *k = xmalloc(len);
    k[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(k, lines[i]);
        if (i + 1 < n)
            strcat(k, "\n");
    }
    return k;
}

static void run_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Reads the target of a (a set_weights action) now and prepares the change engine's preview of
 * setting it to a->percent. Returns 1 with *out (and *ti, the target's index), 0 when it sends
 * that percent already, -1 when it cannot be changed; why says so for 0 and -1 (sanitized). */
static int run_weights_prepare(struct runner *r, const struct runbook_action *a,
                               struct traffic_preview **out, int *ti, char *why, size_t len)
{
    *out = NULL;
    *ti = run_target(r, a->target);
    if (*ti < 0 || r->prov[*ti] == NULL) {
        snprintf(why, len, "traffic target %s is not configured", a->target);
        return -1;
    }
    struct traffic_snapshot *ts = run_read_traffic(r);
    const struct traffic_target_state *st = &ts->targets[*ti];
    struct error err;
    error_clear(&err);
    int rc = 1;
    if (st->have_reading && st->percent == a->percent) {
        snprintf(why, len, "%s already sends %d%% to new: nothing to change", a->target,
                 a->percent);
        rc = 0;
    } else if (traffic_change_prepare(r->tc, r->prov[*ti], st, TRAFFIC_CHANGE_SET, a->percent, out,
                                      &err) != 0) {
        char b[800];
        error_sanitize(&err);
        snprintf(why, len, "%s: %s", a->target, error_format(&err, b, sizeof b));
        rc = -1;
    }
    traffic_snapshot_unref(ts);
    return rc;
}

/* Sets a traffic target to percent through the change engine (preview, confirm, journal,
 * apply, read-back). Returns 0 when the read-back confirms it. */
static int run_set_weights(struct runner *r, const struct runbook_action *a)
{
    struct traffic_preview *pv = NULL;
    int ti;
    char why[900];
    int prc = run_weights_prepare(r, a, &pv, &ti, why, sizeof why);
    if (prc == 0) {
        run_say(r, "  %s\n", why);
        return 0;
    }
    if (prc < 0) {
        run_err(r, "cutover: %s\n", why);
        return -1;
    }
    struct error err;
    error_clear(&err);
    int rc = -1;
    char sl[600];
    for (size_t i = 0; i < pv->nlines; i++)
        run_say(r, "  | %s\n", text_sanitize_buf(pv->lines[i], sl, sizeof sl));
    char *key = run_preview_key(pv->lines, pv->nlines);
    bool yes = run_confirm(r, RUN_ASK_CHANGE, pv->confirm_prompt,
                           pv->confirm_by_name ? pv->cfg.name : "y", key);
    free(key);
    if (!yes) {
        run_say(r, "  not confirmed: nothing changed\n");
    } else if (!run_lease_ok(r, "the traffic change")) {
        run_say(r, "  nothing changed\n");
    } else {
        struct traffic_outcome out;
        memset(&out, 0, sizeof out);
        rc = traffic_change_execute(r->tc, r->prov[ti], pv, NULL, &out, &err);
        run_say(r, "  %s\n",
                text_sanitize_buf(out.text ? out.text : traffic_outcome_status_name(out.status), sl,
                                  sizeof sl));
        traffic_outcome_fini(&out);
    }
    traffic_preview_free(pv);
    run_mirror(r);
    return rc;
}

/* ---- Kubernetes actions: scale, cordon, uncordon, restart, annotate, refresh_secret ---------- */

/* What a Kubernetes action changes: one merge patch on one object, setting one field (a path of
 * keys) to want; before is the value read first (what a rollback restores). */
struct k8s_act {
    enum runbook_cluster cluster;
    char *path;
    char *name;          /* the object's name: what a confirmation by name types */
    bool by_name;        /* scale to 0, cordon: confirmed by typing the object's name */
    bool rollback;       /* undoes an earlier action of the step */
    char describe[300];  /* for the journal and the preview */
    json_object *field;  /* array of keys */
    json_object *want;   /* the field's value once applied (NULL: absent) */
    json_object *before; /* read before the change (NULL: absent) */
};

static void k8s_act_fini(struct k8s_act *k)
{
    free(k->path);
    free(k->name);
    json_object_put(k->field);
    json_object_put(k->want);
    json_object_put(k->before);
    memset(k, 0, sizeof *k);
}

static const char *k8s_act_plural(const char *kind)
{
    return strcmp(kind, "StatefulSet") == 0 ? "statefulsets"
           : strcmp(kind, "DaemonSet") == 0 ? "daemonsets"
                                            : "deployments";
}

/* A value as compact JSON ("null" for absent); valid while v lives. */
static const char *k8s_act_str(json_object *v)
{
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static bool k8s_act_same(json_object *a, json_object *b)
{
    return strcmp(k8s_act_str(a), k8s_act_str(b)) == 0;
}

/* The merge patch that sets field to value (null removes it). */
static json_object *k8s_act_patch(json_object *field, json_object *value)
{
    json_object *v = json_object_get(value);
    for (size_t i = json_object_array_length(field); i-- > 0;) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, json_object_get_string(json_object_array_get_idx(field, i)), v);
        v = o;
    }
    return v;
}

/* The field as dotted text ("spec.replicas"). */
static void k8s_act_field_text(json_object *field, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(field) && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "." : "",
                                json_object_get_string(json_object_array_get_idx(field, i)));
}

static int k8s_act_build(struct k8s_http_conn *c, const struct runbook_action *a, struct k8s_act *k,
                         struct error *err)
{
    memset(k, 0, sizeof *k);
    const char *keys[5];
    size_t n = 0;
    char stamp[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    k->cluster = a->cluster;
    k->name = xstrdup(a->name ? a->name : "");
    runbook_action_describe(a, k->describe, sizeof k->describe);
    switch (a->kind) {
    case RUNBOOK_ACTION_SCALE:
        k->path = xasprintf("/apis/apps/v1/namespaces/%s/%s/%s", a->ns, k8s_act_plural(a->res_kind),
                            a->name);
        keys[n++] = "spec", keys[n++] = "replicas";
        k->want = json_object_new_int(a->replicas);
        k->by_name = a->replicas == 0;
        break;
    case RUNBOOK_ACTION_CORDON:
    case RUNBOOK_ACTION_UNCORDON:
        k->path = xasprintf("/api/v1/nodes/%s", a->name);
        keys[n++] = "spec", keys[n++] = "unschedulable";
        k->want = json_object_new_boolean(a->kind == RUNBOOK_ACTION_CORDON);
        k->by_name = a->kind == RUNBOOK_ACTION_CORDON;
        break;
    case RUNBOOK_ACTION_RESTART:
        k->path = xasprintf("/apis/apps/v1/namespaces/%s/%s/%s", a->ns, k8s_act_plural(a->res_kind),
                            a->name);
        keys[n++] = "spec", keys[n++] = "template", keys[n++] = "metadata";
        keys[n++] = "annotations", keys[n++] = "kubectl.kubernetes.io/restartedAt";
        k->want = json_object_new_string(stamp);
        break;
    case RUNBOOK_ACTION_ANNOTATE:
        k->path = xasprintf("/apis/apps/v1/namespaces/%s/%s/%s", a->ns, k8s_act_plural(a->res_kind),
                            a->name);
        keys[n++] = "metadata", keys[n++] = "annotations", keys[n++] = a->key;
        k->want = json_object_new_string(a->value);
        break;
    case RUNBOOK_ACTION_REFRESH_SECRET: {
        /* the version the cluster serves (v1 on recent ESO releases), as the drift reader finds */
        char *ver = drift_reader_eso_version(c, err);
        if (ver == NULL)
            return -1;
        k->path = xasprintf("/apis/external-secrets.io/%s/namespaces/%s/externalsecrets/%s", ver,
                            a->ns, a->name);
        free(ver);
        keys[n++] = "metadata", keys[n++] = "annotations", keys[n++] = "force-sync";
        k->want = json_object_new_string(stamp);
        break;
    }
    default:
        error_set(err, "not a Kubernetes action");
        return -1;
    }
    k->field = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(k->field, json_object_new_string(keys[i]));
    return 0;
}

/* The connection to the action's cluster. */
static struct k8s_http_conn *k8s_act_conn(struct runner *r, enum runbook_cluster c)
{
    if (c != RUNBOOK_SOURCE)
        return r->conn;
    if (r->src_conn == NULL) {
        struct k8s_http_opts o = {.ua = r->a.observer ? follow_ua : run_ua,
                                  .read_only = r->a.observer};
        struct error err;
        if (k8s_http_new(&r->ctx[0], &o, &r->src_http, &err) != 0)
            return NULL;
        r->src_conn = k8s_http_conn_new(r->src_http, NULL, NULL);
    }
    return r->src_conn;
}

/* Reads field of the object at path into *out (a new reference; NULL when absent). Returns 0, or
 * -1 with why set when the object cannot be read. */
static int k8s_act_get(struct k8s_http_conn *c, const char *path, json_object *field,
                       json_object **out, char *why, size_t len)
{
    struct k8s_http_req req = {.path = path, .timeout_s = 30};
    struct k8s_body body; /* small objects only */
    k8s_body_init(&body, 4 * 1024 * 1024, false);
    req.on_body = k8s_body_add;
    req.arg = &body;
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    *out = NULL;
    if (k8s_http_do(c, &req, &resp, &err) != 0) {
        snprintf(why, len, "%s", err.msg);
        k8s_body_fini(&body);
        return -1;
    }
    json_object *o = body.data ? json_tokener_parse(body.data) : NULL;
    k8s_body_fini(&body);
    if (o == NULL) {
        snprintf(why, len, "%s: the answer is not JSON", path);
        return -1;
    }
    json_object *v = o;
    for (size_t i = 0; v != NULL && i < json_object_array_length(field); i++) {
        json_object *next = NULL;
        const char *key = json_object_get_string(json_object_array_get_idx(field, i));
        v = json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, key, &next)
                ? next
                : NULL;
    }
    *out = json_object_get(v);
    json_object_put(o);
    return 0;
}

/* Reads the object at path and whether field equals want: 1 yes, 0 no, -1 unreadable. */
static int k8s_act_check(struct k8s_http_conn *c, const char *path, json_object *field,
                         json_object *want, char *why, size_t len)
{
    json_object *got = NULL;
    if (k8s_act_get(c, path, field, &got, why, len) != 0)
        return -1;
    int eq = k8s_act_same(got, want);
    snprintf(why, len, "%s is %s (wanted %s)", path, k8s_act_str(got), k8s_act_str(want));
    json_object_put(got);
    return eq;
}

/* Journals a result for id; a failure is printed (the operator must know the record is
 * missing) and returns -1. */
static int k8s_act_result(struct runner *r, const char *id, const char *outcome, const char *detail,
                          json_object *before)
{
    json_object *res = json_object_new_object();
    json_object_object_add(res, "outcome", json_object_new_string(outcome));
    json_object_object_add(res, "detail", json_object_new_string(detail));
    if (before != NULL)
        json_object_object_add(res, "before", json_object_get(before));
    struct error err;
    error_clear(&err);
    int rc = journal_append(r->journal, JOURNAL_RESULT, id, res, NULL, &err);
    json_object_put(res);
    if (rc != 0) {
        char safe[600];
        run_say(r, "  the journal could not record the result (%s): %s; the step is not done\n",
                outcome, text_sanitize_buf(err.msg, safe, sizeof safe));
        return -1;
    }
    return 0;
}

static bool run_lease_ok(struct runner *r, const char *before_what);

/* What k will do, as two sanitized lines: "PATCH PATH (target cluster)" and "FIELD: before ->
 * want" (before as read last). */
static void k8s_act_preview(const struct k8s_act *k, char *l1, char *l2, size_t len)
{
    char ftext[200], a[300], b[300], c[300];
    k8s_act_field_text(k->field, ftext, sizeof ftext);
    snprintf(l1, len, "PATCH %s (%s cluster)", text_sanitize_buf(k->path, a, sizeof a),
             runbook_cluster_name(k->cluster));
    snprintf(l2, len, "%s: %s -> %s", text_sanitize_buf(ftext, a, sizeof a),
             text_sanitize_buf(k8s_act_str(k->before), b, sizeof b),
             text_sanitize_buf(k8s_act_str(k->want), c, sizeof c));
}

/* The confirmation k asks for: the object's name typed (scale to 0, cordon), else y. */
static void k8s_act_prompt(const struct k8s_act *k, char *buf, size_t len)
{
    char n[300];
    if (k->by_name)
        snprintf(buf, len, "  type %s to apply", text_sanitize_buf(k->name, n, sizeof n));
    else
        snprintf(buf, len, "  apply? type y");
}

/* Carries out k: the field read first (before), the preview before -> after, the confirmation,
 * the intent (with before) journaled, the Lease checked, the merge patch, the read-back, the
 * result journaled. Returns 0 when the read-back shows it in place (or nothing had to change). */
static int run_k8s_apply(struct runner *r, size_t step, struct k8s_act *k)
{
    char why[600], safe[700], p1[300], id[200];
    if (!run_lease_ok(r, "reading the object"))
        return -1;
    struct k8s_http_conn *c = k8s_act_conn(r, k->cluster);
    if (c == NULL) {
        run_say(r, "  no client for the %s cluster\n", runbook_cluster_name(k->cluster));
        return -1;
    }
    json_object_put(k->before);
    k->before = NULL;
    if (k8s_act_get(c, k->path, k->field, &k->before, why, sizeof why) != 0) {
        run_say(r, "  %s cannot be read, nothing changed: %s\n",
                text_sanitize_buf(k->path, p1, sizeof p1),
                text_sanitize_buf(why, safe, sizeof safe));
        return -1;
    }
    char pl[2][600];
    k8s_act_preview(k, pl[0], pl[1], sizeof pl[0]);
    run_say(r, "  | %s\n  | %s\n", pl[0], pl[1]);
    snprintf(id, sizeof id, "runbook:%s:step:%zu:action:%llu", r->rb->name, step + 1,
             (unsigned long long)journal_next_seq(r->journal));
    json_object *f = json_object_new_object();
    json_object_object_add(f, "action", json_object_new_string(k->describe));
    json_object_object_add(f, "cluster", json_object_new_string(runbook_cluster_name(k->cluster)));
    json_object_object_add(f, "path", json_object_new_string(k->path));
    json_object_object_add(f, "field", json_object_get(k->field));
    json_object_object_add(f, "before", json_object_get(k->before));
    json_object_object_add(f, "want", json_object_get(k->want));
    if (k->rollback)
        json_object_object_add(f, "rollback", json_object_new_boolean(true));
    struct error err;
    error_clear(&err);
    if (k8s_act_same(k->before, k->want)) {
        /* nothing to change: recorded (before == want, so a rollback restores nothing) */
        run_say(r, "  already %s: nothing to change\n",
                text_sanitize_buf(k8s_act_str(k->want), p1, sizeof p1));
        json_object_object_add(f, "unchanged", json_object_new_boolean(true));
        int rc = journal_append(r->journal, JOURNAL_INTENT, id, f, NULL, &err);
        json_object_put(f);
        if (rc != 0) {
            run_say(r, "  the journal cannot record the intent: %s\n",
                    text_sanitize_buf(err.msg, safe, sizeof safe));
            return -1;
        }
        rc = k8s_act_result(r, id, "done", "already in place; nothing sent", k->before);
        run_mirror(r);
        return rc;
    }
    char prompt[400], key[1300];
    k8s_act_prompt(k, prompt, sizeof prompt);
    snprintf(key, sizeof key, "%s\n%s", pl[0], pl[1]);
    if (!run_confirm(r, RUN_ASK_CHANGE, prompt, k->by_name ? k->name : "y", key)) {
        run_say(r, "  not confirmed: nothing changed\n");
        json_object_put(f);
        return -1;
    }
    run_crash_point("before-intent");
    int rc = journal_append(r->journal, JOURNAL_INTENT, id, f, NULL, &err);
    json_object_put(f);
    if (rc != 0) {
        run_say(r, "  the journal cannot record the intent: %s\n",
                text_sanitize_buf(err.msg, safe, sizeof safe));
        return -1;
    }
    run_crash_point("after-intent");
    if (!run_lease_ok(r, "the PATCH")) {
        k8s_act_result(r, id, "not-applied", "the Lease was lost before the call", NULL);
        return -1;
    }
    json_object *patch = k8s_act_patch(k->field, k->want);
    struct k8s_http_req req = {
        .method = "PATCH",
        .path = k->path,
        .body = json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN),
        .content_type = "application/merge-patch+json",
        .timeout_s = 30,
    };
    struct k8s_http_resp resp;
    error_clear(&err);
    int prc = k8s_http_do(c, &req, &resp, &err);
    json_object_put(patch);
    run_crash_point("after-apply");
    int in_place = k8s_act_check(c, k->path, k->field, k->want, why, sizeof why);
    const char *outcome = in_place == 1               ? "done"
                          : prc != 0 && in_place == 0 ? "failed-nothing-changed"
                                                      : "unknown";
    const char *detail = prc != 0 ? err.msg : why;
    rc = k8s_act_result(r, id, outcome, detail, NULL);
    run_say(r, "  %s: %s\n", outcome, text_sanitize_buf(detail, safe, sizeof safe));
    run_mirror(r);
    return in_place == 1 && rc == 0 ? 0 : -1;
}

/* Carries out a runbook Kubernetes action (see run_k8s_apply). */
static int run_k8s_action(struct runner *r, size_t step, const struct runbook_action *a,
                          bool rollback)
{
    struct k8s_http_conn *c = k8s_act_conn(r, a->cluster);
    if (c == NULL) {
        run_say(r, "  no client for the %s cluster\n", runbook_cluster_name(a->cluster));
        return -1;
    }
    struct k8s_act k;
    struct error err;
    error_clear(&err);
    if (k8s_act_build(c, a, &k, &err) != 0) {
        char safe[600];
        run_say(r, "  %s: %s\n", runbook_action_kind_name(a->kind),
                text_sanitize_buf(err.msg, safe, sizeof safe));
        k8s_act_fini(&k);
        return -1;
    }
    k.rollback = rollback;
    int rc = run_k8s_apply(r, step, &k);
    k8s_act_fini(&k);
    return rc;
}

/* The step's last forward Kubernetes action in the journal: its intent and the outcome. */
struct last_act {
    char prefix[200];
    char id[200];
    json_object *intent; /* owned */
    char outcome[64];
};

static int last_act_record(const struct journal_record *rec, void *arg)
{
    struct last_act *l = arg;
    if (strncmp(rec->id, l->prefix, strlen(l->prefix)) != 0 || rec->fields == NULL)
        return 0;
    json_object *v = NULL;
    if (rec->kind == JOURNAL_INTENT) {
        if (json_object_object_get_ex(rec->fields, "rollback", &v) && json_object_get_boolean(v))
            return 0;
        json_object_put(l->intent);
        l->intent = json_object_get(rec->fields);
        snprintf(l->id, sizeof l->id, "%s", rec->id);
        l->outcome[0] = '\0';
    } else if (rec->kind == JOURNAL_RESULT && strcmp(rec->id, l->id) == 0 &&
               json_object_object_get_ex(rec->fields, "outcome", &v)) {
        snprintf(l->outcome, sizeof l->outcome, "%s", json_object_get_string(v));
    }
    return 0;
}

/* What undoes the step's Kubernetes action: k set to restore the before value its intent
 * recorded. Returns 1 (k built), 0 when there is nothing to undo, -1 when it cannot be undone;
 * why says so for 0 and -1. */
static int k8s_restore_build(struct runner *r, size_t step, struct k8s_act *k, char *why,
                             size_t len)
{
    struct last_act l;
    memset(&l, 0, sizeof l);
    memset(k, 0, sizeof *k);
    snprintf(l.prefix, sizeof l.prefix, "runbook:%s:step:%zu:action:", r->rb->name, step + 1);
    struct error err;
    error_clear(&err);
    journal_read(r->journal_path, last_act_record, NULL, &l, NULL, &err);
    json_object *path = NULL, *field = NULL, *before = NULL, *cl = NULL, *unchanged = NULL;
    int rc = -1;
    if (l.intent == NULL) {
        snprintf(why, len, "the journal records no action of step %zu: nothing to undo", step + 1);
    } else if (strcmp(l.outcome, "failed-nothing-changed") == 0 ||
               strcmp(l.outcome, "not-applied") == 0) {
        snprintf(why, len, "the step's action changed nothing (%s): nothing to undo", l.outcome);
        rc = 0;
    } else if (json_object_object_get_ex(l.intent, "unchanged", &unchanged) &&
               json_object_get_boolean(unchanged)) {
        snprintf(why, len,
                 "the step found its field already in place and changed nothing: "
                 "nothing to undo");
        rc = 0;
    } else if (!json_object_object_get_ex(l.intent, "path", &path) ||
               !json_object_object_get_ex(l.intent, "field", &field) ||
               !json_object_is_type(field, json_type_array) ||
               !json_object_object_get_ex(l.intent, "before", &before)) {
        snprintf(why, len,
                 "the journal's intent records no before value: write the step's "
                 "rollback");
    } else {
        json_object_object_get_ex(l.intent, "cluster", &cl);
        k->cluster = cl != NULL && strcmp(json_object_get_string(cl), "source") == 0
                         ? RUNBOOK_SOURCE
                         : RUNBOOK_TARGET;
        k->path = xstrdup(json_object_get_string(path));
        const char *slash = strrchr(k->path, '/');
        k->name = xstrdup(slash ? slash + 1 : k->path);
        k->field = json_object_get(field);
        k->want = json_object_get(before);
        k->rollback = true;
        k->by_name = false;
        char ft[200];
        k8s_act_field_text(field, ft, sizeof ft);
        snprintf(k->describe, sizeof k->describe, "restore %s of %s to %s", ft, k->path,
                 k8s_act_str(before));
        rc = 1;
    }
    json_object_put(l.intent);
    return rc;
}

/* Rolls the step's Kubernetes action back to the before value its intent recorded. */
static int run_k8s_restore(struct runner *r, size_t step)
{
    struct k8s_act k;
    char why[400];
    int rc = k8s_restore_build(r, step, &k, why, sizeof why);
    if (rc == 1)
        rc = run_k8s_apply(r, step, &k);
    else
        run_say(r, "  %s\n", why);
    k8s_act_fini(&k);
    return rc;
}

/* Resume of a Kubernetes action intent: the object is read; its field decides. */
static int run_resume_k8s(struct runner *r, const struct journal_pending *p)
{
    json_object *f = json_tokener_parse(p->fields_json);
    json_object *path = NULL, *field = NULL, *want = NULL, *cl = NULL;
    int rc = -1;
    char sid[300], safe[700];
    text_sanitize_buf(p->id, sid, sizeof sid);
    if (f != NULL && json_object_object_get_ex(f, "path", &path) &&
        json_object_object_get_ex(f, "field", &field) &&
        json_object_object_get_ex(f, "want", &want) &&
        json_object_is_type(field, json_type_array)) {
        json_object_object_get_ex(f, "cluster", &cl);
        bool src = cl != NULL && strcmp(json_object_get_string(cl), "source") == 0;
        struct k8s_http_conn *c = k8s_act_conn(r, src ? RUNBOOK_SOURCE : RUNBOOK_TARGET);
        char why[600] = "no client for its cluster";
        int in_place =
            c ? k8s_act_check(c, json_object_get_string(path), field, want, why, sizeof why) : -1;
        if (in_place >= 0) {
            json_object *res = json_object_new_object();
            json_object_object_add(
                res, "outcome",
                json_object_new_string(in_place ? "applied-before-crash" : "not-applied"));
            json_object_object_add(res, "detail", json_object_new_string(why));
            struct error err;
            error_clear(&err);
            rc = journal_append(r->journal, JOURNAL_RESULT, p->id, res, NULL, &err);
            json_object_put(res);
            if (rc != 0)
                run_say(r, "resume: the journal could not record the result of %s: %s\n", sid,
                        text_sanitize_buf(err.msg, safe, sizeof safe));
            run_say(r, "resume: %s %s: %s\n", sid,
                    in_place ? "applied before crash, confirmed by read-back" : "not applied",
                    text_sanitize_buf(why, safe, sizeof safe));
        } else {
            run_say(r, "resume: %s cannot be checked now: %s\n", sid,
                    text_sanitize_buf(why, safe, sizeof safe));
        }
    } else {
        run_say(r,
                "resume: intent %s (journal line %d) is not an action this runbook knows: check it "
                "by hand\n",
                sid, p->line);
    }
    json_object_put(f);
    return rc;
}

/* Starts reading secrets (contents hashed, never kept) when a gate of the runbook needs them. */
static void run_start_drift(struct runner *r)
{
    bool need = false, contents = false;
    for (size_t i = 0; i < r->rb->nsteps; i++)
        for (size_t j = 0; j < r->rb->steps[i].nchecks; j++) {
            enum runbook_check_kind k = r->rb->steps[i].checks[j].kind;
            need = need || k == RUNBOOK_CHECK_SECRET_DRIFT ||
                   k == RUNBOOK_CHECK_EXTERNAL_SECRETS_SYNCED;
            contents = contents || k == RUNBOOK_CHECK_SECRET_DRIFT;
        }
    if (!need || k8s_act_conn(r, RUNBOOK_SOURCE) == NULL)
        return;
    struct drift_reader_opts o = {
        .interval_ms = 5000, .read_only = r->a.observer, .cfg = &r->cfg.drift, .wake_fd = -1};
    r->drift = drift_reader_start(r->src_http, r->http, &o);
    if (contents)
        drift_reader_want_contents(r->drift, true);
}

/* After a restart: every traffic intent without a result is checked against a fresh reading and
 * resolved in the journal, never repeated. Returns 0, or -1 when one cannot be resolved. */
static int run_resume(struct runner *r)
{
    struct journal_pending *p = NULL;
    size_t n = 0;
    struct error err;
    error_clear(&err);
    char b[800];
    if (journal_pending(r->journal_path, &p, &n, &err) != 0) {
        run_err(r, "cutover: journal: %s\n", error_format(&err, b, sizeof b));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *target = NULL;
        if (strncmp(p[i].id, "runbook:", 8) == 0) {
            if (run_resume_k8s(r, &p[i]) != 0)
                rc = -1;
            continue;
        }
        if (!traffic_change_pending_is_traffic(&p[i], &target)) {
            char id[200];
            run_say(
                r,
                "resume: intent %s (journal line %d) is not a traffic change: check it by hand\n",
                text_sanitize_buf(p[i].id, id, sizeof id), p[i].line);
            rc = -1;
            continue;
        }
        int ti = run_target(r, target);
        struct traffic_reading fresh;
        memset(&fresh, 0, sizeof fresh);
        error_clear(&err);
        if (ti < 0 || r->prov[ti] == NULL ||
            r->prov[ti]->ops->read(r->prov[ti], &fresh, &err) != 0) {
            char st[200], se[600], sid[200];
            run_say(r, "resume: %s cannot be read now (%s): intent %s left pending\n",
                    text_sanitize_buf(target, st, sizeof st),
                    text_sanitize_buf(err.msg, se, sizeof se),
                    text_sanitize_buf(p[i].id, sid, sizeof sid));
            rc = -1;
        } else {
            struct traffic_resume res;
            memset(&res, 0, sizeof res);
            char sid[200], sx[800];
            if (traffic_change_resume(r->tc, &p[i], &fresh, NULL, &res, &err) != 0) {
                run_say(r, "resume: %s: %s\n", text_sanitize_buf(p[i].id, sid, sizeof sid),
                        text_sanitize_buf(error_format(&err, b, sizeof b), sx, sizeof sx));
                rc = -1;
            } else {
                run_say(r, "resume: %s\n", text_sanitize_buf(res.text, sx, sizeof sx));
                traffic_resume_fini(&res);
            }
        }
        traffic_reading_fini(&fresh);
        free(target);
    }
    journal_pending_free(p, n);
    if (n > 0)
        run_mirror(r);
    return rc;
}

struct done_scan {
    char prefix[200];   /* "runbook:NAME:step:N:action:" */
    char state_id[200]; /* "runbook:NAME:step:N" */
    bool done;
};

static int done_scan_record(const struct journal_record *rec, void *arg)
{
    struct done_scan *d = arg;
    json_object *v;
    if (rec->kind == JOURNAL_STATE && strcmp(rec->id, d->state_id) == 0 &&
        json_object_object_get_ex(rec->fields, "state", &v) &&
        strcmp(json_object_get_string(v), "running") == 0)
        d->done = false; /* a new attempt: only results after it count */
    else if (rec->kind == JOURNAL_RESULT && strncmp(rec->id, d->prefix, strlen(d->prefix)) == 0 &&
             json_object_object_get_ex(rec->fields, "outcome", &v)) {
        const char *o = json_object_get_string(v);
        d->done = strcmp(o, "done") == 0 || strcmp(o, "applied-before-crash") == 0;
    }
    return 0;
}

/* True when the journal records the step's Kubernetes action as in place since its last start. */
static bool run_k8s_action_done(struct runner *r, size_t step)
{
    struct done_scan d = {.done = false};
    snprintf(d.prefix, sizeof d.prefix, "runbook:%s:step:%zu:action:", r->rb->name, step + 1);
    runbook_state_id(r->rb, step, d.state_id, sizeof d.state_id);
    struct error err;
    error_clear(&err);
    journal_read(r->journal_path, done_scan_record, NULL, &d, NULL, &err);
    return d.done;
}

/* Waits for the step's gates to pass (at most wait_s). */
static enum runbook_verdict run_wait_gates(struct runner *r, size_t step)
{
    char last[4096] = "";
    int waited = 0;
    run_phase(r, RUNBOOK_DRIVE_CHECKING, step, 0);
    enum runbook_verdict v = run_gates(r, step, false, true, last, sizeof last);
    while (v != RUNBOOK_PASS && waited < r->a.wait_s * 1000 && !atomic_load(&r->lost) &&
           !run_stopping(r)) {
        run_sleep_ms(500);
        waited += 500;
        v = run_gates(r, step, false, false, last, sizeof last);
    }
    return v;
}

/* The guided screen's abort (or quit) during a gate wait: the step stays pending; a note says
 * who stopped it. */
static void run_aborted_wait(struct runner *r, size_t step)
{
    bool quit = runbook_drive_quitting(r->drive);
    run_say(r, "  %s while waiting for the gates: step %zu stays pending\n",
            quit ? "quit" : "aborted", step + 1);
    if (quit)
        return;
    json_object *f = json_object_new_object();
    json_object_object_add(f, "event", json_object_new_string("aborted"));
    json_object_object_add(f, "step", json_object_new_int((int)step + 1));
    char why[400], id[300];
    snprintf(why, sizeof why, "aborted by %s while waiting for its gates", r->held.holder);
    json_object_object_add(f, "detail", json_object_new_string(why));
    snprintf(id, sizeof id, "runbook:%s:step:%zu:abort", r->rb->name, step + 1);
    struct error err;
    error_clear(&err);
    if (journal_append(r->journal, JOURNAL_NOTE, id, f, NULL, &err) != 0) {
        char sw[300];
        run_say(r, "  the journal could not record the abort: %s\n",
                text_sanitize_buf(err.msg, sw, sizeof sw));
    }
    json_object_put(f);
    run_mirror(r);
}

/* Runs step; returns 0 when it is done. */
static int run_step(struct runner *r, size_t step, enum runbook_step_state was)
{
    const struct runbook_step *s = &r->rb->steps[step];
    char t[256];
    run_say(r, "== step %zu/%zu: %s\n", step + 1, r->rb->nsteps,
            text_sanitize_buf(s->title, t, sizeof t));
    bool acted = false;
    if (was == RUNBOOK_STEP_RUNNING || was == RUNBOOK_STEP_SOAKING) {
        /* Interrupted: the live state says whether its action is in place. */
        if (s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS) {
            struct traffic_snapshot *ts = run_read_traffic(r);
            const struct traffic_target_state *st = traffic_snapshot_find(ts, s->action.target);
            acted = st != NULL && st->have_reading && st->percent == s->action.percent;
            run_say(r, "  resumed: %s sends %d%% to new now (the step wants %d%%)\n",
                    s->action.target, st ? st->percent : -1, s->action.percent);
            traffic_snapshot_unref(ts);
        } else if (s->action.kind != RUNBOOK_ACTION_NONE) {
            acted = run_k8s_action_done(r, step);
            run_say(r, "  resumed: the journal records %s as %s\n",
                    runbook_action_kind_name(s->action.kind), acted ? "in place" : "not done");
        }
    }
    if (!acted) {
        if (s->nchecks > 0) {
            run_say(r, "  gates:\n");
            enum runbook_verdict v = run_wait_gates(r, step);
            if (v != RUNBOOK_PASS && run_stopping(r)) {
                run_aborted_wait(r, step);
                return -1;
            }
            if (v != RUNBOOK_PASS) {
                run_say(r, "  gates did not pass within %d s: step %zu not run\n", r->a.wait_s,
                        step + 1);
                return -1;
            }
        }
        if (s->approval != NULL) {
            char ap[256];
            text_sanitize_buf(s->approval, ap, sizeof ap);
            bool ok = r->a.approve ? strcmp(r->a.approve, s->approval) == 0 : false;
            if (!ok && r->a.approve == NULL) {
                char prompt[300];
                snprintf(prompt, sizeof prompt, "  approval: type %s to approve", ap);
                ok = run_confirm(r, RUN_ASK_APPROVAL, prompt, s->approval, NULL);
            }
            if (!ok) {
                run_say(r, "  not approved by %s: step %zu not run\n", ap, step + 1);
                return -1;
            }
            run_say(r, "  approved by %s\n", ap);
        }
        if (s->action.kind != RUNBOOK_ACTION_NONE) {
            char d[300];
            if (!run_lease_ok(r, "the step's action"))
                return -1;
            run_phase(r, RUNBOOK_DRIVE_ACTING, step, 0);
            if (run_state(r, step, RUNBOOK_STEP_RUNNING,
                          runbook_action_describe(&s->action, d, sizeof d)) < 0)
                return -1;
            if (s->action.kind != RUNBOOK_ACTION_SET_WEIGHTS) {
                if (run_k8s_action(r, step, &s->action, false) != 0) {
                    run_state(r, step, RUNBOOK_STEP_FAILED, "the action did not complete");
                    return -1;
                }
            } else if (run_set_weights(r, &s->action) != 0) {
                run_state(r, step, RUNBOOK_STEP_FAILED, "the action did not complete");
                return -1;
            }
        }
    }
    if (s->soak_s > 0) {
        char d[32];
        if (was != RUNBOOK_STEP_SOAKING &&
            run_state(r, step, RUNBOOK_STEP_SOAKING,
                      runbook_format_duration(s->soak_s, d, sizeof d)) < 0)
            return -1;
        char last[4096] = "";
        struct timespec t0, now;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        run_phase(r, RUNBOOK_DRIVE_SOAKING, step, (long)s->soak_s);
        for (;;) {
            if (run_stopping(r)) {
                char why[400];
                if (runbook_drive_quitting(r->drive)) {
                    /* quit: the journal keeps it soaking; the next run resumes the soak */
                    run_say(r, "  quitting during the soak: step %zu stays soaking\n", step + 1);
                    return -1;
                }
                snprintf(why, sizeof why, "aborted by %s during the soak", r->held.holder);
                run_state(r, step, RUNBOOK_STEP_FAILED, why);
                run_say(r, "  b rolls the step back; Enter runs it again\n");
                return -1;
            }
            enum runbook_verdict v = run_gates(r, step, true, false, last, sizeof last);
            if (v == RUNBOOK_FAIL) {
                run_state(r, step, RUNBOOK_STEP_FAILED, "a gate failed while soaking");
                run_say(r, "  roll back: %s\n",
                        r->drive ? "b on this screen"
                                 : "cutover runbook rollback FILE (or R on the traffic target)");
                return -1;
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - t0.tv_sec >= s->soak_s || !run_lease_ok(r, "the end of the soak"))
                break;
            run_sleep_ms(500);
        }
        if (!run_lease_ok(r, "the end of the soak"))
            return -1;
    }
    return run_state(r, step, RUNBOOK_STEP_DONE, NULL);
}

/* ---- run --observer: following a runbook driven elsewhere ----------------------------------- */

struct follow_ctx {
    struct runbook_progress *p;
    const struct runbook *rb;
    uint64_t printed; /* seq of the last record printed */
};

static int follow_record(const struct journal_record *rec, void *arg)
{
    struct follow_ctx *c = arg;
    runbook_progress_apply(c->p, c->rb, rec);
    if (rec->seq > c->printed) {
        char *line = journal_format_human(rec);
        char *safe = text_sanitize(line); /* the mirror is anyone's ConfigMap */
        printf("  journal %s\n", safe);
        free(safe);
        free(line);
        c->printed = rec->seq;
    }
    return 0;
}

/* Follows: every second the Lease holder, the mirrored journal (new records printed), the current
 * step and its gates (evaluated here, read-only), until --for SECONDS pass or every step is done.
 * Every client is read-only: nothing this mode does can change a cluster or a traffic target. */
static int runbook_follow(struct runner *r)
{
    struct error err;
    char b[1024], last_lease[600] = "", last_gates[4096] = "";
    struct follow_ctx fc = {.rb = r->rb};
    size_t last_cur = (size_t)-1;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_say(r, "observing %s (read-only)\n", r->rb->name);
    for (;;) {
        error_clear(&err);
        struct k8s_lease_info li;
        int64_t wall = (int64_t)time(NULL);
        int lrc = k8s_lease_read(r->conn, &r->lease, &li, &err);
        char desc[600];
        if (lrc == 0)
            snprintf(desc, sizeof desc, "driver: Lease %s",
                     k8s_lease_describe(&li, wall, b, sizeof b));
        else if (lrc == -ENOENT)
            snprintf(desc, sizeof desc, "driver: none (no Lease %s/%s yet)", r->rb->lease_ns,
                     r->rb->lease_name);
        else
            snprintf(desc, sizeof desc, "driver: unknown (%s)", err.msg);
        /* the describe text changes every second ("renewed 3s ago"): print on holder change */
        char key[600];
        snprintf(key, sizeof key, "%d %s", lrc, lrc == 0 ? li.holder : "");
        if (strcmp(key, last_lease) != 0) {
            run_say(r, "%s\n", text_sanitize_buf(desc, b, sizeof b));
            snprintf(last_lease, sizeof last_lease, "%s", key);
        }
        char *text = NULL;
        size_t len = 0;
        error_clear(&err);
        struct runbook_progress p;
        runbook_progress_init(&p, r->rb);
        fc.p = &p;
        if (journal_mirror_fetch(r->conn, &r->mirror, &text, &len, NULL, &err) == 0)
            journal_read_text(text, len, "mirror", follow_record, NULL, &fc, NULL);
        free(text);
        size_t cur = runbook_progress_current(&p);
        if (cur != last_cur) {
            if (cur == r->rb->nsteps)
                run_say(r, "runbook %s: all %zu steps done\n", r->rb->name, r->rb->nsteps);
            else
                run_say(r, "current step %zu/%zu: %s (%s)\n", cur + 1, r->rb->nsteps,
                        text_sanitize_buf(r->rb->steps[cur].title, b, sizeof b),
                        runbook_step_state_name(p.state[cur]));
            last_cur = cur;
            last_gates[0] = '\0';
        }
        if (cur < r->rb->nsteps && r->rb->steps[cur].nchecks > 0)
            run_gates(r, cur,
                      p.state[cur] == RUNBOOK_STEP_SOAKING || p.state[cur] == RUNBOOK_STEP_RUNNING,
                      false, last_gates, sizeof last_gates);
        runbook_progress_fini(&p);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (cur == r->rb->nsteps || (r->a.for_s > 0 && now.tv_sec - t0.tv_sec >= r->a.for_s))
            break;
        run_sleep_ms(1000);
    }
    return 0;
}

/* What undoes step: its rollback action, or for `rollback: auto` the weights before the step
 * (set_weights) into *a, or *restore (a Kubernetes action: the before value its intent recorded).
 * Returns 0, or -1 when nothing undoes it. */
static int run_rollback_action(const struct runner *r, size_t step, struct runbook_action *a,
                               bool *restore)
{
    const struct runbook_step *s = &r->rb->steps[step];
    memset(a, 0, sizeof *a);
    *restore = false;
    if (s->rollback.kind != RUNBOOK_ACTION_NONE) {
        *a = s->rollback;
    } else if (s->rollback_auto && s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS) {
        *a = s->action;
        a->percent = runbook_percent_before(r->rb, step, s->action.target);
    } else if (s->rollback_auto && s->action.kind != RUNBOOK_ACTION_NONE) {
        *restore = true;
    } else {
        return -1;
    }
    return 0;
}

/* The step a rollback is about: want (1-based) when given, else the one started (running,
 * soaking or failed), else the last done. */
static size_t run_rollback_step(const struct runner *r, const struct runbook_progress *p, int want)
{
    size_t cur = runbook_progress_current(p);
    if (want > 0)
        return (size_t)want - 1;
    if (cur >= r->rb->nsteps || p->state[cur] == RUNBOOK_STEP_PENDING ||
        p->state[cur] == RUNBOOK_STEP_ROLLED_BACK)
        return cur > 0 ? cur - 1 : 0;
    return cur;
}

/* Undoes step (0-based): its rollback action, or for `rollback: auto` the weights before the step
 * (set_weights) or the before value the action's intent recorded (Kubernetes actions). Checks the
 * Lease first (and again before each call). Journals rolled-back. Returns 0 when done. */
static int run_rollback(struct runner *r, size_t step)
{
    const struct runbook_step *s = &r->rb->steps[step];
    char t[256], d[300];
    run_say(r, "== roll back step %zu/%zu: %s\n", step + 1, r->rb->nsteps,
            text_sanitize_buf(s->title, t, sizeof t));
    if (!run_lease_ok(r, "the rollback"))
        return -1;
    struct runbook_action a;
    bool restore = false;
    if (run_rollback_action(r, step, &a, &restore) != 0) {
        run_say(r, "  step %zu has nothing that undoes it%s\n", step + 1,
                s->rollback_none ? " (rollback: none)" : "");
        return -1;
    }
    if (restore)
        snprintf(d, sizeof d, "restore what %s changed", runbook_action_kind_name(s->action.kind));
    run_phase(r, RUNBOOK_DRIVE_ACTING, step, 0);
    if (run_state(r, step, RUNBOOK_STEP_RUNNING,
                  restore ? d : runbook_action_describe(&a, d, sizeof d)) < 0)
        return -1;
    int rc = restore                                ? run_k8s_restore(r, step)
             : a.kind == RUNBOOK_ACTION_SET_WEIGHTS ? run_set_weights(r, &a)
                                                    : run_k8s_action(r, step, &a, true);
    if (rc != 0) {
        if (run_lease_ok(r, "recording the failed rollback"))
            run_state(r, step, RUNBOOK_STEP_FAILED, "the rollback did not complete");
        return -1;
    }
    return run_state(r, step, RUNBOOK_STEP_ROLLED_BACK, NULL);
}

/* ---- the guided screen's ops (runbook_drive.h): called on its driver thread ------------------ */

/* The preview of action a of step (or of its restore): before -> after and the exact calls. */
static void drive_preview_action(struct runner *r, size_t step, const struct runbook_action *a,
                                 bool restore, struct runbook_drive_preview *pv)
{
    char why[900];
    if (!restore && a->kind == RUNBOOK_ACTION_NONE) {
        runbook_drive_preview_add(pv, "no action: the step is its gates%s",
                                  r->rb->steps[step].soak_s > 0 ? " and its soak" : "");
        return;
    }
    if (!restore && a->kind == RUNBOOK_ACTION_SET_WEIGHTS) {
        struct traffic_preview *tp = NULL;
        int ti;
        int rc = run_weights_prepare(r, a, &tp, &ti, why, sizeof why);
        if (rc <= 0) {
            runbook_drive_preview_add(pv, "%s", why);
            if (rc < 0)
                pv->error = xstrdup(why);
            return;
        }
        for (size_t i = 0; i < tp->nlines; i++)
            runbook_drive_preview_add(pv, "%s", tp->lines[i]);
        pv->confirm_word = xstrdup(tp->confirm_by_name ? tp->cfg.name : "y");
        pv->confirm_prompt = xstrdup(tp->confirm_prompt);
        pv->confirm_key = run_preview_key(tp->lines, tp->nlines);
        traffic_preview_free(tp);
        return;
    }
    /* a Kubernetes action: the object's field read now */
    struct k8s_act k;
    memset(&k, 0, sizeof k);
    struct error err;
    error_clear(&err);
    struct k8s_http_conn *c = k8s_act_conn(r, restore ? RUNBOOK_TARGET : a->cluster);
    int rc = -1;
    if (restore) {
        rc = k8s_restore_build(r, step, &k, why, sizeof why);
        c = rc == 1 ? k8s_act_conn(r, k.cluster) : c;
    } else if (c != NULL && k8s_act_build(c, a, &k, &err) == 0) {
        rc = 1;
    } else {
        snprintf(why, sizeof why, "%s: %s", runbook_action_kind_name(a->kind),
                 c ? err.msg : "no client for its cluster");
    }
    if (rc == 1 && (c == NULL || k8s_act_get(c, k.path, k.field, &k.before, why, sizeof why) != 0))
        rc = -1;
    if (rc == 1) {
        char l1[600], l2[600], prompt[400];
        k8s_act_preview(&k, l1, l2, sizeof l1);
        runbook_drive_preview_add(pv, "%s", l1);
        runbook_drive_preview_add(pv, "%s", l2);
        if (k8s_act_same(k.before, k.want)) {
            runbook_drive_preview_add(pv, "already in place: nothing to change");
        } else {
            k8s_act_prompt(&k, prompt, sizeof prompt);
            pv->confirm_word = xstrdup(k.by_name ? k.name : "y");
            pv->confirm_prompt = xstrdup(prompt);
            pv->confirm_key = xasprintf("%s\n%s", l1, l2);
        }
    } else {
        runbook_drive_preview_add(pv, "%s", why);
        if (rc < 0)
            pv->error = text_sanitize(why);
    }
    k8s_act_fini(&k);
}

static int drive_preview(void *arg, enum runbook_drive_op op, struct runbook_drive_preview *pv)
{
    struct runner *r = arg;
    struct runbook_progress p;
    struct error err;
    error_clear(&err);
    runbook_progress_init(&p, r->rb);
    runbook_progress_read(&p, r->rb, r->journal_path, NULL, &err);
    size_t cur = runbook_progress_current(&p);
    char t[256], d[300], ap[256];
    int rc = 0;
    if (op == RUNBOOK_DRIVE_RUN) {
        if (cur >= r->rb->nsteps) {
            pv->error = xstrdup("every step is done: nothing to run");
            runbook_progress_fini(&p);
            return -1;
        }
        const struct runbook_step *s = &r->rb->steps[cur];
        pv->step = cur;
        pv->title = xasprintf("Run step %zu/%zu: %s", cur + 1, r->rb->nsteps,
                              text_sanitize_buf(s->title, t, sizeof t));
        if (s->action.kind != RUNBOOK_ACTION_NONE)
            runbook_drive_preview_add(pv, "action: %s",
                                      runbook_action_describe(&s->action, d, sizeof d));
        if (p.state[cur] == RUNBOOK_STEP_RUNNING || p.state[cur] == RUNBOOK_STEP_SOAKING)
            runbook_drive_preview_add(pv,
                                      "it was %s: the live state decides whether its action "
                                      "is in place (never sent twice)",
                                      runbook_step_state_name(p.state[cur]));
        drive_preview_action(r, cur, &s->action, false, pv);
        if (s->nchecks > 0)
            runbook_drive_preview_add(pv, "first its %zu gate%s must pass (waits up to %d s)",
                                      s->nchecks, s->nchecks == 1 ? "" : "s", r->a.wait_s);
        if (s->soak_s > 0)
            runbook_drive_preview_add(pv, "then a soak of %s (a failing gate offers rollback)",
                                      runbook_format_duration(s->soak_s, d, sizeof d));
        if (s->approval != NULL)
            pv->approval = xstrdup(text_sanitize_buf(s->approval, ap, sizeof ap));
    } else {
        size_t step = run_rollback_step(r, &p, 0);
        const struct runbook_step *s = &r->rb->steps[step];
        struct runbook_action a;
        bool restore;
        pv->step = step;
        pv->title = xasprintf("Roll back step %zu/%zu: %s", step + 1, r->rb->nsteps,
                              text_sanitize_buf(s->title, t, sizeof t));
        if (cur == 0 && p.state[0] == RUNBOOK_STEP_PENDING) {
            pv->error = xstrdup("no step was started: nothing to roll back");
            rc = -1;
        } else if (run_rollback_action(r, step, &a, &restore) != 0) {
            pv->error = xasprintf("step %zu has nothing that undoes it%s", step + 1,
                                  s->rollback_none ? " (rollback: none)" : "");
            rc = -1;
        } else {
            runbook_drive_preview_add(pv, "step %zu is %s; the rollback sets:", step + 1,
                                      runbook_step_state_name(p.state[step]));
            if (!restore)
                runbook_drive_preview_add(pv, "rollback: %s",
                                          runbook_action_describe(&a, d, sizeof d));
            drive_preview_action(r, step, &a, restore, pv);
        }
    }
    runbook_progress_fini(&p);
    return pv->error ? -1 : rc;
}

static int drive_execute(void *arg, enum runbook_drive_op op, size_t step)
{
    struct runner *r = arg;
    if (!run_lease_ok(r, op == RUNBOOK_DRIVE_RUN ? "the step" : "the rollback"))
        return -1;
    struct runbook_progress p;
    struct error err;
    error_clear(&err);
    runbook_progress_init(&p, r->rb);
    runbook_progress_read(&p, r->rb, r->journal_path, NULL, &err);
    size_t now =
        op == RUNBOOK_DRIVE_RUN ? runbook_progress_current(&p) : run_rollback_step(r, &p, 0);
    enum runbook_step_state was = now < r->rb->nsteps ? p.state[now] : RUNBOOK_STEP_DONE;
    runbook_progress_fini(&p);
    if (now != step) {
        run_say(r, "the journal moved since the preview (step %zu is the one now): nothing done\n",
                now + 1);
        return -1;
    }
    return op == RUNBOOK_DRIVE_RUN ? run_step(r, step, was) : run_rollback(r, step);
}

static void drive_lease(void *arg, char *buf, size_t len, bool *lost)
{
    struct runner *r = arg;
    char why[300], h[256];
    XPTHREAD(pthread_mutex_lock(&r->lock));
    *lost = atomic_load(&r->lost) || run_lease_expired_locked(r);
    snprintf(why, sizeof why, "%s", r->lost_why[0] ? r->lost_why : "not renewed in time");
    XPTHREAD(pthread_mutex_unlock(&r->lock));
    if (*lost)
        snprintf(buf, len, "LOST: no longer this driver's (%s); nothing more is changed from here",
                 text_sanitize_buf(why, h, sizeof h));
    else
        snprintf(buf, len, "held by this process (%s)",
                 text_sanitize_buf(r->held.holder, h, sizeof h));
}

static int run_parse(int argc, char **argv, struct run_args *a)
{
    memset(a, 0, sizeof *a);
    a->wait_s = 300;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(o, "--kubeconfig") == 0 && has)
            a->kubeconfig = argv[++i];
        else if (strcmp(o, "--journal") == 0 && has)
            a->journal = argv[++i];
        else if (strcmp(o, "--approve") == 0 && has)
            a->approve = argv[++i];
        else if (strcmp(o, "--steps") == 0 && has)
            a->steps = atoi(argv[++i]);
        else if (strcmp(o, "--wait") == 0 && has)
            a->wait_s = atoi(argv[++i]);
        else if (strcmp(o, "--yes") == 0)
            a->yes = true;
        else if (strcmp(o, "--takeover") == 0)
            a->takeover = true;
        else if (strcmp(o, "--observer") == 0)
            a->observer = true;
        else if (strcmp(o, "--no-tui") == 0)
            a->no_tui = true;
        else if (strcmp(o, "--for") == 0 && has)
            a->for_s = atoi(argv[++i]);
        else if (strcmp(o, "--step") == 0 && has)
            a->step = atoi(argv[++i]);
        else if (o[0] != '-' && a->file == NULL)
            a->file = o;
        else
            return -1;
    }
    return a->file ? 0 : -1;
}

/* The guided screen on what the driver set up: the follower reads the local journal with
 * read-only providers of its own (the runner's are the driver thread's). */
static int runbook_drive_screen_of(struct runner *r)
{
    r->fprov = xcalloc(r->cfg.ntraffic ? r->cfg.ntraffic : 1, sizeof *r->fprov);
    struct traffic_provider_env fenv = {.read_only = true, .kubeconfig = r->kc, .ua = run_ua};
    for (size_t i = 0; i < r->cfg.ntraffic; i++) {
        struct error perr;
        error_clear(&perr);
        if (traffic_provider_new(&r->cfg.traffic[i], &fenv, &r->fprov[i], &perr) != 0)
            r->fprov[i] = NULL; /* its gates say "no provider" */
    }
    char msg[300], name[200];
    snprintf(msg, sizeof msg, "driving runbook %s: Enter runs the current step, ? lists the keys",
             text_sanitize_buf(r->rb->name, name, sizeof name));
    struct runbook_drive_screen ds = {.context = {r->rb->source, r->rb->target},
                                      .config = &r->cfg,
                                      .follow = {.rb = r->rb,
                                                 .http = r->http,
                                                 .pub = {r->pub[0], r->pub[1]},
                                                 .prov = r->fprov,
                                                 .traffic = r->cfg.traffic,
                                                 .ntraffic = r->cfg.ntraffic,
                                                 .drift = r->drift,
                                                 .zone_spread_ratio = r->cfg.zone_spread_ratio,
                                                 .wake_fd = r->wake[1],
                                                 .journal_path = r->journal_path},
                                      .wake_read_fd = r->wake[0],
                                      .traffic_env = fenv,
                                      .message = msg};
    struct error err;
    error_clear(&err);
    if (runbook_drive_screen_run(r->drive, &ds, &err) != 0) {
        char b[600];
        fprintf(stderr, "cutover: %s\n", error_format(&err, b, sizeof b));
        return 2;
    }
    return 0;
}

/* The follow screen on what the observer set up (the same read-only clients and pollers). */
static int runbook_follow_screen_of(struct runner *r)
{
    struct runbook_follow_screen fs = {
        .context = {r->rb->source, r->rb->target},
        .config = &r->cfg,
        .follow = {.rb = r->rb,
                   .http = r->http,
                   .pub = {r->pub[0], r->pub[1]},
                   .prov = r->prov,
                   .traffic = r->cfg.traffic,
                   .ntraffic = r->cfg.ntraffic,
                   .drift = r->drift,
                   .zone_spread_ratio = r->cfg.zone_spread_ratio,
                   .wake_fd = r->wake[1]},
        .wake_read_fd = r->wake[0],
        .traffic_env = {.read_only = true, .kubeconfig = r->kc, .ua = follow_ua}};
    struct error err;
    error_clear(&err);
    if (runbook_follow_screen_run(&fs, &err) != 0) {
        char b[600];
        fprintf(stderr, "cutover: %s\n", error_format(&err, b, sizeof b));
        return 2;
    }
    return 0;
}

static void run_fini(struct runner *r)
{
    if (r->renewing) {
        XPTHREAD(pthread_mutex_lock(&r->lock));
        r->stop = true;
        XPTHREAD(pthread_cond_signal(&r->cond));
        XPTHREAD(pthread_mutex_unlock(&r->lock));
        XPTHREAD(pthread_join(r->renewer, NULL));
    }
    for (int s = 0; s < 2; s++)
        k8s_poller_stop(r->poller[s]);
    drift_reader_stop(r->drift);
    runbook_drive_free(r->drive); /* its thread is stopped: nothing is said any more */
    r->drive = NULL;
    for (size_t i = 0; r->prov && i < r->cfg.ntraffic; i++)
        traffic_provider_free(r->prov[i]);
    free(r->prov);
    for (size_t i = 0; r->fprov && i < r->cfg.ntraffic; i++)
        traffic_provider_free(r->fprov[i]);
    free(r->fprov);
    traffic_change_free(r->tc);
    journal_free(r->journal);
    free(r->journal_path);
    k8s_http_conn_free(r->conn);
    k8s_http_free(r->http);
    k8s_http_conn_free(r->src_conn);
    k8s_http_free(r->src_http);
    for (int s = 0; s < 2; s++) {
        model_publisher_free(r->pub[s]);
        kube_context_fini(&r->ctx[s]);
    }
    kubeconfig_free(r->kc);
    runbook_free(r->rb);
    config_fini(&r->cfg);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    for (int i = 0; i < 2; i++)
        if (r->wake[i] >= 0)
            close(r->wake[i]); /* after the pollers that wrote it stopped */
}

static int runbook_run(int argc, char **argv)
{
    struct runner r;
    memset(&r, 0, sizeof r);
    if (run_parse(argc, argv, &r.a) != 0 || (r.a.observer && strcmp(argv[0], "rollback") == 0)) {
        fputs(runbook_usage, stderr);
        return 2;
    }
    r.a.rollback = strcmp(argv[0], "rollback") == 0;
    XPTHREAD(pthread_mutex_init(&r.lock, NULL));
    XPTHREAD(pthread_cond_init(&r.cond, NULL));
    atomic_init(&r.lost, false);
    r.wake[0] = r.wake[1] = -1;
    struct error err;
    error_clear(&err);
    char b[1024];
    int code = 2;
    config_init(&r.cfg);
    size_t nnames;
    const char *const *names = actions_names(&nnames);
    char *cfg_path = config_default_path();
    if (cfg_path != NULL) {
        int rc = config_load_file(cfg_path, names, nnames, &r.cfg, &err);
        free(cfg_path);
        if (rc < 0 && rc != -ENOENT) {
            fprintf(stderr, "cutover: %s\n", error_format(&err, b, sizeof b));
            goto out;
        }
    }
    k8s_informer_set_protobuf(r.cfg.protobuf);        /* config `protobuf:` */
    k8s_http_set_exec_timeout(r.cfg.exec_timeout_ms); /* config `exec_timeout:` */
    if (follow_demo.targets != NULL) {
        /* `cutover demo [--observer] --runbook FILE`: the demo's targets, not config.yaml's */
        for (size_t i = 0; i < r.cfg.ntraffic; i++)
            traffic_target_cfg_fini(&r.cfg.traffic[i]);
        free(r.cfg.traffic);
        r.cfg.traffic = xcalloc(follow_demo.n ? follow_demo.n : 1, sizeof *r.cfg.traffic);
        for (size_t i = 0; i < follow_demo.n; i++)
            traffic_target_cfg_copy(&r.cfg.traffic[i], &follow_demo.targets[i]);
        r.cfg.ntraffic = follow_demo.n;
    }
    if (r.a.kubeconfig && config_set(&r.cfg, "kubeconfig", r.a.kubeconfig, &err) != 0) {
        fprintf(stderr, "cutover: --kubeconfig: %s\n", error_format(&err, b, sizeof b));
        goto out;
    }
    if (runbook_load_file(r.a.file, r.cfg.traffic, r.cfg.ntraffic, &r.rb, &err) != 0) {
        fprintf(stderr, "%s\n", error_format(&err, b, sizeof b));
        goto out;
    }
    if (kubeconfig_load(r.cfg.kubeconfig, &r.kc, &err) != 0) {
        fprintf(stderr, "cutover: %s\n", error_format(&err, b, sizeof b));
        goto out;
    }
    const char *ctxn[2] = {r.rb->source, r.rb->target};
    for (int s = 0; s < 2; s++) {
        if (kubeconfig_resolve(r.kc, ctxn[s], &r.ctx[s], &err) != 0) {
            fprintf(stderr, "cutover: %s context: %s\n", s ? "target" : "source",
                    error_format(&err, b, sizeof b));
            goto out;
        }
    }
    struct k8s_http_opts hopts = {.ua = r.a.observer ? follow_ua : run_ua,
                                  .read_only = r.a.observer};
    if (k8s_http_new(&r.ctx[1], &hopts, &r.http, &err) != 0) {
        fprintf(stderr, "cutover: %s\n", error_format(&err, b, sizeof b));
        goto out;
    }
    r.conn = k8s_http_conn_new(r.http, NULL, NULL);

    r.lease = (struct k8s_lease_opts){.ns = r.rb->lease_ns, .name = r.rb->lease_name};
    r.mirror = (struct journal_mirror_opts){.ns = r.rb->lease_ns, .name = r.rb->lease_name};
    if (r.a.observer) {
        r.prov = xcalloc(r.cfg.ntraffic ? r.cfg.ntraffic : 1, sizeof *r.prov);
        struct traffic_provider_env oenv = {.read_only = true, .kubeconfig = r.kc, .ua = follow_ua};
        for (size_t i = 0; i < r.cfg.ntraffic; i++)
            if (traffic_provider_new(&r.cfg.traffic[i], &oenv, &r.prov[i], &err) != 0)
                printf("traffic target %s: %s\n", r.cfg.traffic[i].name,
                       error_format(&err, b, sizeof b));
        struct k8s_poller_opts oopts = {.ua = follow_ua, .read_only = true};
        /* on a terminal: the follow screen, woken by the pollers and the follower */
        bool screen = !r.a.no_tui && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
                      tui_wake_pipe(r.wake) == 0;
        for (int s = 0; s < 2; s++) {
            r.pub[s] = model_publisher_new(r.wake[1]);
            if (k8s_poller_start(&r.ctx[s], &oopts, r.pub[s], &r.poller[s], &err) != 0) {
                fprintf(stderr, "cutover: %s: %s\n", ctxn[s], error_format(&err, b, sizeof b));
                goto out;
            }
        }
        for (int s = 0; s < 2; s++)
            k8s_poller_wait_synced(r.poller[s], 30000);
        run_start_drift(&r);
        if (screen)
            code = runbook_follow_screen_of(&r);
        else
            code = runbook_follow(&r);
        goto out;
    }

    /* Who drives: the Lease, before anything else. */
    const char *ld = getenv("CUTOVER_LEASE_SECONDS");
    if (ld != NULL)
        r.lease.duration_s = atoi(ld);
    clock_gettime(CLOCK_MONOTONIC, &r.renewed);
    int lrc = k8s_lease_acquire(r.conn, &r.lease, false, &r.held, &err);
    if (lrc == -ESTALE) {
        printf("%s\n", text_sanitize_buf(err.msg, b, sizeof b));
        if (r.a.takeover || run_confirm(&r, RUN_ASK_TAKEOVER, "take over? type yes", "yes", NULL)) {
            clock_gettime(CLOCK_MONOTONIC, &r.renewed);
            lrc = k8s_lease_acquire(r.conn, &r.lease, true, &r.held, &err);
        }
    }
    if (lrc != 0) {
        fprintf(stderr, "cutover: %s\n", error_format(&err, b, sizeof b));
        code = 3;
        goto out;
    }
    printf("driving %s: Lease %s/%s held by %s\n", r.rb->name, r.rb->lease_ns, r.rb->lease_name,
           text_sanitize_buf(r.held.holder, b, sizeof b));
    fflush(stdout);
    /* On a terminal, unless scripted: the guided screen. From here what the runner says goes to
     * its lines (resume's included), and its confirmations to its dialogs. */
    bool scripted = r.a.yes || r.a.approve != NULL || r.a.steps > 0;
    bool screen = !r.a.rollback && !r.a.no_tui && !scripted && isatty(STDIN_FILENO) &&
                  isatty(STDOUT_FILENO) && tui_wake_pipe(r.wake) == 0;
    if (screen) {
        struct runbook_drive_opts dro = {
            .ops = {.preview = drive_preview, .execute = drive_execute, .lease = drive_lease},
            .arg = &r,
            .wake_fd = r.wake[1],
            .who = r.held.holder};
        r.drive = runbook_drive_new(&dro);
    }
    XPTHREAD(pthread_create(&r.renewer, NULL, run_renew, &r));
    r.renewing = true;

    r.journal_path = r.a.journal     ? xstrdup(r.a.journal)
                     : r.cfg.journal ? xstrdup(r.cfg.journal)
                                     : journal_default_path(r.rb->source, r.rb->target);
    if (r.journal_path == NULL || journal_open(r.journal_path, NULL, &r.journal, &err) != 0) {
        fprintf(stderr, "cutover: journal: %s\n",
                r.journal_path ? error_format(&err, b, sizeof b) : "no path");
        goto out;
    }
    struct traffic_change_opts topts = {.progress = run_progress, .progress_ctx = &r};
    traffic_change_new(r.journal, &topts, &r.tc);
    r.prov = xcalloc(r.cfg.ntraffic ? r.cfg.ntraffic : 1, sizeof *r.prov);
    struct traffic_provider_env env = {.kubeconfig = r.kc, .ua = run_ua};
    for (size_t i = 0; i < r.cfg.ntraffic; i++) {
        if (traffic_provider_new(&r.cfg.traffic[i], &env, &r.prov[i], &err) != 0)
            printf("traffic target %s: %s\n", r.cfg.traffic[i].name,
                   error_format(&err, b, sizeof b));
    }
    struct k8s_poller_opts popts = {.ua = run_ua};
    for (int s = 0; s < 2; s++) {
        r.pub[s] = model_publisher_new(r.wake[1]);
        if (k8s_poller_start(&r.ctx[s], &popts, r.pub[s], &r.poller[s], &err) != 0) {
            fprintf(stderr, "cutover: %s: %s\n", ctxn[s], error_format(&err, b, sizeof b));
            goto out;
        }
    }
    for (int s = 0; s < 2; s++)
        k8s_poller_wait_synced(r.poller[s], 30000);
    run_start_drift(&r);

    /* Resume: pending intents first, then the first step not done. */
    if (run_resume(&r) != 0) {
        if (r.drive != NULL) {
            /* no screen: what resume said is printed here */
            char said[8192];
            printf("%s\n", runbook_drive_last_lines(r.drive, said, sizeof said));
        }
        printf("resume needs attention: nothing else is done\n");
        code = 1;
        goto out;
    }
    struct runbook_progress p;
    runbook_progress_init(&p, r.rb);
    runbook_progress_read(&p, r.rb, r.journal_path, NULL, &err);
    size_t cur = runbook_progress_current(&p);
    if (cur > 0 && cur < r.rb->nsteps)
        run_say(&r, "resuming at step %zu of %zu (%s)\n", cur + 1, r.rb->nsteps,
                runbook_step_state_name(p.state[cur]));
    if (screen) {
        runbook_progress_fini(&p);
        code = runbook_drive_screen_of(&r);
        runbook_drive_free(r.drive); /* quit: an action in flight finished its read-back */
        r.drive = NULL;
        runbook_progress_init(&p, r.rb);
        runbook_progress_read(&p, r.rb, r.journal_path, NULL, &err);
        size_t now = runbook_progress_current(&p);
        const char *stn = now < r.rb->nsteps ? runbook_step_state_name(p.state[now]) : "done";
        runbook_progress_fini(&p);
        if (now == r.rb->nsteps)
            printf("runbook %s: all %zu steps done\n", r.rb->name, r.rb->nsteps);
        else
            printf("runbook %s: left at step %zu of %zu (%s); run it again to go on\n", r.rb->name,
                   now + 1, r.rb->nsteps, stn);
        if (atomic_load(&r.lost)) {
            code = 3;
        } else {
            struct error e4;
            error_clear(&e4);
            k8s_lease_release(r.conn, &r.lease, &r.held, &e4);
        }
        goto out;
    }
    if (r.a.rollback) {
        /* the step asked for, else the one started (running, soaking or failed), else the last
         * done */
        size_t step = run_rollback_step(&r, &p, r.a.step);
        runbook_progress_fini(&p);
        if (step >= r.rb->nsteps) {
            printf("runbook %s has no step %d\n", r.rb->name, r.a.step);
            code = 2;
        } else {
            code = run_rollback(&r, step) == 0 ? 0 : atomic_load(&r.lost) ? 3 : 1;
        }
        if (!atomic_load(&r.lost)) {
            struct error e3;
            error_clear(&e3);
            k8s_lease_release(r.conn, &r.lease, &r.held, &e3);
        }
        goto out;
    }
    code = 0;
    int ran = 0;
    for (size_t i = cur; i < r.rb->nsteps; i++) {
        if (r.a.steps > 0 && ran >= r.a.steps)
            break;
        if (!run_lease_ok(&r, "the next step")) {
            code = 3;
            break;
        }
        if (run_step(&r, i, p.state[i]) != 0) {
            code = atomic_load(&r.lost) ? 3 : 1;
            break;
        }
        ran++;
    }
    runbook_progress_fini(&p);
    if (code == 0) {
        runbook_progress_init(&p, r.rb);
        runbook_progress_read(&p, r.rb, r.journal_path, NULL, &err);
        size_t now = runbook_progress_current(&p);
        runbook_progress_fini(&p);
        if (now == r.rb->nsteps)
            printf("runbook %s: all %zu steps done\n", r.rb->name, r.rb->nsteps);
        else
            printf("runbook %s: stopped before step %zu of %zu\n", r.rb->name, now + 1,
                   r.rb->nsteps);
    }
    if (!atomic_load(&r.lost)) {
        struct error e2;
        error_clear(&e2);
        k8s_lease_release(r.conn, &r.lease, &r.held, &e2);
    }
out:
    fflush(stdout);
    run_fini(&r);
    return code;
}

int cmd_runbook_demo(const char *file, const char *kubeconfig, const struct traffic_target_cfg *t,
                     size_t n, bool observer, bool no_tui, const char *journal)
{
    follow_demo.targets = t;
    follow_demo.n = n;
    char *argv[10];
    int argc = 0;
    argv[argc++] = (char *)"run";
    argv[argc++] = (char *)file;
    argv[argc++] = (char *)"--kubeconfig";
    argv[argc++] = (char *)kubeconfig;
    if (observer)
        argv[argc++] = (char *)"--observer";
    else if (journal != NULL) {
        argv[argc++] = (char *)"--journal";
        argv[argc++] = (char *)journal;
    }
    if (no_tui)
        argv[argc++] = (char *)"--no-tui";
    argv[argc] = NULL;
    int code = runbook_run(argc, argv);
    follow_demo.targets = NULL;
    follow_demo.n = 0;
    return code;
}

int cmd_runbook(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(runbook_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "validate") == 0)
        return runbook_validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "rollback") == 0)
        return runbook_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "log") == 0)
        return runbook_log(argc - 1, argv + 1);
    fprintf(stderr, "cutover runbook: unknown command '%s'\n\n%s", argv[1], runbook_usage);
    return 2;
}
