/* `cutover runbook SUBCOMMAND`: validate a runbook file (docs/runbook.md) and print the plan it
 * describes, or the first error as file:line:col. */
#include "cutover/cli.h"

#include "cutover/error.h"
#include "cutover/runbook.h"
#include "cutover/text.h"

#include <stdio.h>
#include <string.h>

static const char runbook_usage[] =
    "usage: cutover runbook validate FILE\n"
    "\n"
    "Runbooks are migrations written down as YAML steps: checks (gates), one action, a soak,\n"
    "an approval and a rollback per step. Format: docs/runbook.md; examples: docs/examples/.\n"
    "\n"
    "commands:\n"
    "  validate FILE   check FILE and print its steps; on an error print file:line:col: message\n"
    "                  and exit 1 (2 when FILE cannot be read)\n";

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

int cmd_runbook(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(runbook_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "validate") == 0)
        return runbook_validate(argc - 1, argv + 1);
    fprintf(stderr, "cutover runbook: unknown command '%s'\n\n%s", argv[1], runbook_usage);
    return 2;
}
