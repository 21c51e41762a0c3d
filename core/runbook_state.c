/* runbook_state: a runbook's step states as journal "state" records, read back in order. */
#include "cutover/runbook_state.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/xalloc.h"

static const char *const state_names[RUNBOOK_STEP_STATES] = {
    [RUNBOOK_STEP_PENDING] = "pending", [RUNBOOK_STEP_CHECKING] = "checking",
    [RUNBOOK_STEP_READY] = "ready",     [RUNBOOK_STEP_RUNNING] = "running",
    [RUNBOOK_STEP_SOAKING] = "soaking", [RUNBOOK_STEP_DONE] = "done",
    [RUNBOOK_STEP_FAILED] = "failed",   [RUNBOOK_STEP_ROLLED_BACK] = "rolled-back",
};

const char *runbook_step_state_name(enum runbook_step_state st)
{
    return (unsigned)st < RUNBOOK_STEP_STATES ? state_names[st] : "?";
}

int runbook_step_state_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < RUNBOOK_STEP_STATES; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

const char *runbook_state_id(const struct runbook *rb, size_t step, char *buf, size_t len)
{
    snprintf(buf, len, "runbook:%s:step:%zu", rb->name, step + 1);
    return buf;
}

void runbook_progress_init(struct runbook_progress *p, const struct runbook *rb)
{
    memset(p, 0, sizeof *p);
    p->nsteps = rb->nsteps;
    p->state = xcalloc(rb->nsteps ? rb->nsteps : 1, sizeof *p->state);
    p->since = xcalloc(rb->nsteps ? rb->nsteps : 1, sizeof *p->since);
    p->who = xcalloc(rb->nsteps ? rb->nsteps : 1, sizeof *p->who);
}

void runbook_progress_fini(struct runbook_progress *p)
{
    for (size_t i = 0; i < p->nsteps && p->who != NULL; i++)
        free(p->who[i]);
    free(p->who);
    free(p->state);
    free(p->since);
    memset(p, 0, sizeof *p);
}

/* "2026-11-23T14:08:12.123Z" to unix seconds (0 when it does not parse). */
static int64_t state_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

bool runbook_progress_apply(struct runbook_progress *p, const struct runbook *rb,
                            const struct journal_record *rec)
{
    if (rec->seq > p->last_seq)
        p->last_seq = rec->seq;
    if (rec->kind != JOURNAL_STATE || rec->fields == NULL)
        return false;
    json_object *v;
    if (!json_object_object_get_ex(rec->fields, "runbook", &v) ||
        !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), rb->name) != 0)
        return false;
    if (!json_object_object_get_ex(rec->fields, "step", &v) ||
        !json_object_is_type(v, json_type_int))
        return false;
    int64_t step = json_object_get_int64(v);
    if (step < 1 || (uint64_t)step > p->nsteps)
        return false;
    if (!json_object_object_get_ex(rec->fields, "state", &v) ||
        !json_object_is_type(v, json_type_string))
        return false;
    int st = runbook_step_state_from_name(json_object_get_string(v));
    if (st < 0 || st == RUNBOOK_STEP_CHECKING || st == RUNBOOK_STEP_READY)
        return false;
    size_t i = (size_t)step - 1;
    p->state[i] = (enum runbook_step_state)st;
    p->since[i] = state_time(rec->time);
    free(p->who[i]);
    p->who[i] = rec->who ? xstrdup(rec->who) : NULL;
    p->records++;
    return true;
}

struct progress_ctx {
    struct runbook_progress *p;
    const struct runbook *rb;
};

static int progress_record(const struct journal_record *rec, void *arg)
{
    struct progress_ctx *c = arg;
    runbook_progress_apply(c->p, c->rb, rec);
    return 0;
}

int runbook_progress_read(struct runbook_progress *p, const struct runbook *rb, const char *path,
                          size_t *nproblems, struct error *err)
{
    struct progress_ctx c = {p, rb};
    int rc = journal_read(path, progress_record, NULL, &c, nproblems, err);
    if (rc == -ENOENT) {
        error_clear(err);
        return 0;
    }
    return rc;
}

size_t runbook_progress_current(const struct runbook_progress *p)
{
    for (size_t i = 0; i < p->nsteps; i++)
        if (p->state[i] != RUNBOOK_STEP_DONE)
            return i;
    return p->nsteps;
}

int runbook_journal_state(struct journal *j, const struct runbook *rb, size_t step,
                          enum runbook_step_state st, const char *detail, struct error *err)
{
    if (step >= rb->nsteps) {
        error_set(err, "runbook %s has no step %zu", rb->name, step + 1);
        return -EINVAL;
    }
    char id[160];
    json_object *f = json_object_new_object();
    json_object_object_add(f, "runbook", json_object_new_string(rb->name));
    json_object_object_add(f, "step", json_object_new_int64((int64_t)step + 1));
    json_object_object_add(f, "state", json_object_new_string(runbook_step_state_name(st)));
    json_object_object_add(f, "title", json_object_new_string(rb->steps[step].title));
    if (detail != NULL)
        json_object_object_add(f, "detail", json_object_new_string(detail));
    int rc =
        journal_append(j, JOURNAL_STATE, runbook_state_id(rb, step, id, sizeof id), f, NULL, err);
    json_object_put(f);
    return rc;
}
