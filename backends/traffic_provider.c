/* The traffic provider factory: one constructor per kind (the backend table), and what every
 * provider shares: its allocation, a copy of its target, observer mode, and how it is freed. */

#include "cutover/traffic_provider.h"
#include "cutover/aws_http.h"
#include "cutover/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef int (*traffic_ctor_fn)(const struct traffic_target_cfg *cfg,
                               const struct traffic_provider_env *env,
                               struct traffic_provider **out, struct error *err);

/* The backend table: one constructor per enum traffic_kind, in order. */
static const traffic_ctor_fn traffic_ctors[TRAFFIC_KINDS] = {
    [TRAFFIC_ROUTE53] = traffic_route53_new,
    [TRAFFIC_ALB] = traffic_alb_new,
    [TRAFFIC_HAPROXY] = traffic_haproxy_new,
    [TRAFFIC_GATEWAY] = traffic_gateway_new,
};

int traffic_provider_new(const struct traffic_target_cfg *cfg,
                         const struct traffic_provider_env *env, struct traffic_provider **out,
                         struct error *err)
{
    *out = NULL;
    if (cfg == NULL || (int)cfg->kind < 0 || cfg->kind >= TRAFFIC_KINDS) {
        error_set(err, "traffic target %s: unknown provider kind",
                  cfg && cfg->name ? cfg->name : "?");
        return -1;
    }
    static const struct traffic_provider_env none = {0};
    return traffic_ctors[cfg->kind](cfg, env ? env : &none, out, err);
}

struct traffic_provider *traffic_provider_alloc(const struct traffic_provider_ops *ops,
                                                const struct traffic_target_cfg *cfg,
                                                const struct traffic_provider_env *env, void *impl)
{
    struct traffic_provider *p = xcalloc(1, sizeof *p);
    p->ops = ops;
    traffic_target_cfg_copy(&p->cfg, cfg);
    p->read_only = env != NULL && env->read_only;
    p->impl = impl;
    return p;
}

void traffic_provider_free(struct traffic_provider *p)
{
    if (p == NULL)
        return;
    if (p->ops != NULL && p->ops->free != NULL)
        p->ops->free(p);
    traffic_target_cfg_fini(&p->cfg);
    free(p);
}

void traffic_apply_result_fini(struct traffic_apply_result *r)
{
    if (r == NULL)
        return;
    free(r->detail);
    memset(r, 0, sizeof *r);
}

void traffic_provider_err_target(struct error *err, const struct traffic_provider *p)
{
    if (err == NULL)
        return;
    char *msg = xasprintf("%s: %s", p->cfg.name, err->msg);
    error_set(err, "%s", msg);
    free(msg);
    error_sanitize(err);
}

int traffic_provider_refuse_observer(const struct traffic_provider *p, const char *call,
                                     struct traffic_apply_result *res, struct error *err)
{
    error_set(err, "observer mode: %s not sent", call);
    res->detail = xstrdup("refused: observer mode (nothing sent)");
    traffic_provider_err_target(err, p);
    return -1;
}

int traffic_provider_aws_client(const struct traffic_target_cfg *cfg,
                                const struct traffic_provider_env *env, const char *service,
                                struct aws_client **out, struct error *err)
{
    struct aws_client_opts o = {
        .service = service,
        .region = cfg->aws_region,
        .endpoint = cfg->aws_endpoint,
        .profile = cfg->aws_profile,
        .read_only = env->read_only,
        .ua = env->ua,
        .timeout_ms = env->timeout_ms,
    };
    return aws_client_new(&o, out, err);
}

int traffic_provider_aws_failed(const struct traffic_provider *p, const struct aws_response *resp,
                                struct traffic_apply_result *res, struct error *err)
{
    res->sent = !resp->refused;
    if (resp->refused)
        res->detail = xstrdup("refused: observer mode (nothing sent)");
    else if (resp->transport_error)
        res->detail = xasprintf("outcome unknown (not resent): %s", err->msg);
    else
        res->detail = xasprintf("rejected: %s", err->msg);
    traffic_provider_err_target(err, p);
    return -1;
}

bool traffic_provider_parse_long(const char *s, long lo, long hi, long *out)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}
