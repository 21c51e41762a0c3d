/* Traffic targets: kinds, plan validation, weight arithmetic, readings and refcounted snapshots
 * (include/cutover/traffic.h). No I/O. */
#include "cutover/traffic.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"

static const char *const kind_names[TRAFFIC_KINDS] = {
    [TRAFFIC_ROUTE53] = "route53",
    [TRAFFIC_ALB] = "alb",
    [TRAFFIC_HAPROXY] = "haproxy",
    [TRAFFIC_GATEWAY] = "gateway",
};

const char *traffic_kind_name(enum traffic_kind kind)
{
    if ((int)kind < 0 || kind >= TRAFFIC_KINDS)
        return "?";
    return kind_names[kind];
}

int traffic_kind_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int k = 0; k < TRAFFIC_KINDS; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

void traffic_target_cfg_fini(struct traffic_target_cfg *t)
{
    if (t == NULL)
        return;
    free(t->name);
    free(t->old_id);
    free(t->new_id);
    free(t->zone_id);
    free(t->record_name);
    free(t->record_type);
    free(t->listener_arn);
    free(t->rule_arn);
    free(t->address);
    free(t->backend);
    free(t->context);
    free(t->ns);
    free(t->route);
    free(t->aws_profile);
    free(t->aws_region);
    free(t->aws_endpoint);
    free(t->prom_url);
    free(t->prom_query[0]);
    free(t->prom_query[1]);
    memset(t, 0, sizeof *t);
}

void traffic_target_cfg_copy(struct traffic_target_cfg *dst, const struct traffic_target_cfg *src)
{
    *dst = *src; /* scalars and the plan */
    dst->name = xstrdup_null(src->name);
    dst->old_id = xstrdup_null(src->old_id);
    dst->new_id = xstrdup_null(src->new_id);
    dst->zone_id = xstrdup_null(src->zone_id);
    dst->record_name = xstrdup_null(src->record_name);
    dst->record_type = xstrdup_null(src->record_type);
    dst->listener_arn = xstrdup_null(src->listener_arn);
    dst->rule_arn = xstrdup_null(src->rule_arn);
    dst->address = xstrdup_null(src->address);
    dst->backend = xstrdup_null(src->backend);
    dst->context = xstrdup_null(src->context);
    dst->ns = xstrdup_null(src->ns);
    dst->route = xstrdup_null(src->route);
    dst->aws_profile = xstrdup_null(src->aws_profile);
    dst->aws_region = xstrdup_null(src->aws_region);
    dst->aws_endpoint = xstrdup_null(src->aws_endpoint);
    dst->prom_url = xstrdup_null(src->prom_url);
    dst->prom_query[0] = xstrdup_null(src->prom_query[0]);
    dst->prom_query[1] = xstrdup_null(src->prom_query[1]);
}

int traffic_plan_validate(const int *steps, size_t n, struct error *err)
{
    if (n == 0) {
        error_set(err, "the plan has no steps (it must end at 100)");
        return -1;
    }
    if (n > TRAFFIC_MAX_STEPS) {
        error_set(err, "the plan has %zu steps; at most %d are allowed", n, TRAFFIC_MAX_STEPS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (steps[i] < 0 || steps[i] > 100) {
            error_set(err, "step %zu (%d) is outside 0..100", i + 1, steps[i]);
            return -1;
        }
        if (i > 0 && steps[i] == steps[i - 1]) {
            error_set(err, "step %zu (%d) repeats step %zu", i + 1, steps[i], i);
            return -1;
        }
        if (i > 0 && steps[i] < steps[i - 1]) {
            error_set(err, "step %zu (%d) is below step %zu (%d)", i + 1, steps[i], i,
                      steps[i - 1]);
            return -1;
        }
    }
    if (steps[n - 1] != 100) {
        error_set(err, "the last step (%d) must be 100", steps[n - 1]);
        return -1;
    }
    return 0;
}

void traffic_split_weights(enum traffic_kind kind, int percent_new, int *old_w, int *new_w)
{
    (void)kind; /* the same split for every provider (each accepts weights up to 100) */
    if (percent_new < 0)
        percent_new = 0;
    if (percent_new > 100)
        percent_new = 100;
    *old_w = 100 - percent_new;
    *new_w = percent_new;
}

int traffic_percent_of(int old_w, int new_w)
{
    if (old_w < 0 || new_w < 0)
        return -1;
    long long sum = (long long)old_w + new_w;
    if (sum == 0)
        return -1;
    /* round half up, in integers */
    return (int)((200LL * new_w + sum) / (2 * sum));
}

int traffic_weight_max(enum traffic_kind kind)
{
    switch (kind) {
    case TRAFFIC_ROUTE53:
        return 255;
    case TRAFFIC_ALB:
        return 999;
    case TRAFFIC_HAPROXY:
        return 256;
    case TRAFFIC_GATEWAY:
        return 1000000;
    default:
        return 0;
    }
}

int traffic_plan_index(const struct traffic_target_cfg *t, int percent)
{
    if (t == NULL || percent < 0)
        return -1;
    for (size_t i = 0; i < t->nplan && i < TRAFFIC_MAX_STEPS; i++)
        if (t->plan[i] == percent)
            return (int)i;
    return -1;
}

void traffic_reading_fini(struct traffic_reading *r)
{
    if (r == NULL)
        return;
    free(r->side[TRAFFIC_OLD].health_detail);
    free(r->side[TRAFFIC_NEW].health_detail);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

void traffic_reading_copy(struct traffic_reading *dst, const struct traffic_reading *src)
{
    *dst = *src;
    for (int s = 0; s < 2; s++)
        dst->side[s].health_detail = xstrdup_null(src->side[s].health_detail);
    dst->detail = xstrdup_null(src->detail);
}

struct traffic_snapshot *traffic_snapshot_new(size_t n)
{
    struct traffic_snapshot *s = xcalloc(1, sizeof *s);
    atomic_init(&s->refs, 1);
    s->n = n;
    s->targets = n ? xcalloc(n, sizeof *s->targets) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct traffic_target_state *t = &s->targets[i];
        t->percent = -1;
        t->step = -1;
        t->observed_pct = -1;
        for (int side = 0; side < 2; side++) {
            t->reading.side[side].weight = -1;
            t->reading.side[side].observed_rps = -1;
        }
    }
    return s;
}

struct traffic_snapshot *traffic_snapshot_ref(const struct traffic_snapshot *s)
{
    struct traffic_snapshot *m = (struct traffic_snapshot *)s;
    if (m != NULL)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void traffic_snapshot_unref(const struct traffic_snapshot *s)
{
    struct traffic_snapshot *m = (struct traffic_snapshot *)s;
    if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < m->n; i++) {
        struct traffic_target_state *t = &m->targets[i];
        traffic_target_cfg_fini(&t->cfg);
        traffic_reading_fini(&t->reading);
        free(t->error);
        free(t->busy_text);
    }
    free(m->targets);
    free(m);
}

const struct traffic_target_state *traffic_snapshot_find(const struct traffic_snapshot *s,
                                                         const char *name)
{
    if (s == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->targets[i].cfg.name != NULL && strcmp(s->targets[i].cfg.name, name) == 0)
            return &s->targets[i];
    return NULL;
}
