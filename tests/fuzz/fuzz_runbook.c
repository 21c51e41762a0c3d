/* libFuzzer harness for the runbook parser: any bytes give a runbook or an error with a message
 * and a position, never a crash; a loaded runbook keeps the promises the runner relies on (at
 * least one step, titles, traffic plans that go up and end at 100, known enum values). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/runbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_loaded(const struct runbook *rb)
{
    if (rb->nsteps == 0 || rb->nsteps > RUNBOOK_MAX_STEPS || rb->name == NULL ||
        rb->source == NULL || rb->target == NULL || strcmp(rb->source, rb->target) == 0 ||
        rb->lease_ns == NULL || rb->lease_name == NULL)
        abort();
    for (size_t i = 0; i < rb->nsteps; i++) {
        const struct runbook_step *s = &rb->steps[i];
        char buf[512];
        if (s->title == NULL || s->title[0] == '\0' || s->nchecks > RUNBOOK_MAX_CHECKS ||
            s->soak_s < 0)
            abort();
        for (size_t j = 0; j < s->nchecks; j++) {
            if ((unsigned)s->checks[j].kind >= RUNBOOK_CHECK_KINDS)
                abort();
            runbook_check_describe(&s->checks[j], buf, sizeof buf);
        }
        if ((unsigned)s->action.kind >= RUNBOOK_ACTION_KINDS)
            abort();
        runbook_action_describe(&s->action, buf, sizeof buf);
        if (s->action.kind == RUNBOOK_ACTION_SET_WEIGHTS) {
            int before = runbook_percent_before(rb, i, s->action.target);
            if (s->action.percent < 0 || s->action.percent > 100 ||
                (before >= s->action.percent && i > 0 && before != 0))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct runbook *rb = NULL;
    struct error err;
    error_clear(&err);
    int rc = runbook_load_text((const char *)data, size, "fuzz.yaml", NULL, 0, &rb, &err);
    if (rc < 0) {
        if (rb != NULL || err.msg[0] == '\0' || strchr(err.msg, 0x1b) != NULL)
            abort();
        return 0;
    }
    check_loaded(rb);
    runbook_free(rb);
    return 0;
}
