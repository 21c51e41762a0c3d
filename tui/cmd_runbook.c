/* `cutover runbook SUBCOMMAND`: validate a runbook file (docs/runbook.md) and print the plan it
 * describes, or the first error as file:line:col. */
#include "cutover/cli.h"

#include "cutover/error.h"
#include "cutover/journal.h"
#include "cutover/runbook.h"
#include "cutover/runbook_state.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char runbook_usage[] =
    "usage: cutover runbook validate FILE\n"
    "       cutover runbook log [FILE] [--journal PATH]\n"
    "\n"
    "Runbooks are migrations written down as YAML steps: checks (gates), one action, a soak,\n"
    "an approval and a rollback per step. Format: docs/runbook.md; examples: docs/examples/.\n"
    "\n"
    "commands:\n"
    "  validate FILE   check FILE and print its steps; on an error print file:line:col: message\n"
    "                  and exit 1 (2 when FILE cannot be read)\n"
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
    int rc = runbook_load_file(argv[1], NULL, 0, &rb, &err);
    if (rc < 0) {
        char buf[1024];
        fprintf(stderr, "%s\n", error_format(&err, buf, sizeof buf));
        return err.line > 0 ? 1 : 2;
    }
    runbook_print(rb);
    runbook_free(rb);
    return 0;
}

static int log_record(const struct journal_record *rec, void *ctx)
{
    (void)ctx;
    char *line = journal_format_human(rec);
    puts(line);
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

int cmd_runbook(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(runbook_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "validate") == 0)
        return runbook_validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "log") == 0)
        return runbook_log(argc - 1, argv + 1);
    fprintf(stderr, "cutover runbook: unknown command '%s'\n\n%s", argv[1], runbook_usage);
    return 2;
}
