/* An ALB (ELBv2) forward action with weighted target groups as a traffic target: a listener's
 * default action (DescribeListeners/ModifyListener) or one rule (DescribeRules/ModifyRule). The
 * sides are target group ARNs (old_id, new_id) in the action's ForwardConfig; health comes from
 * DescribeTargetHealth per group. A modify rewrites the whole action list as read (other actions,
 * the forward action's other groups and its stickiness kept), changing only the two weights. */

#include "cutover/traffic_provider.h"

#include "cutover/aws_http.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELB_VERSION "2015-12-01"
#define ALB_WEIGHT_MAX 999

struct alb {
    struct aws_client *client;
};

/* Owned query parameters. */
struct params {
    struct aws_param *v;
    size_t n, cap;
};

static void params_add_take(struct params *ps, char *name, char *value)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 32;
        ps->v = xreallocarray(ps->v, ps->cap, sizeof *ps->v);
    }
    ps->v[ps->n].name = name;
    ps->v[ps->n].value = value;
    ps->n++;
}

static void params_fini(struct params *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free((char *)ps->v[i].name);
        free((char *)ps->v[i].value);
    }
    free(ps->v);
    memset(ps, 0, sizeof *ps);
}

/* The query protocol's input names mirror its output XML: a list's <member> elements become
 * member.1, member.2..., a map's <entry> elements entry.1..., every other element its own name.
 * Flattens node's children under prefix, skipping the child called skip (NULL: none). */
static void flatten(struct params *ps, const char *prefix, const struct xml_node *node,
                    const char *skip)
{
    size_t members = 0, entries = 0;
    for (const struct xml_node *c = node->first_child; c; c = c->next) {
        if (skip != NULL && xml_is(c, skip))
            continue;
        char *name;
        if (xml_is(c, "member"))
            name = xasprintf("%s.member.%zu", prefix, ++members);
        else if (xml_is(c, "entry"))
            name = xasprintf("%s.entry.%zu", prefix, ++entries);
        else
            name = xasprintf("%s.%s", prefix, c->local);
        if (c->first_child != NULL) {
            flatten(ps, name, c, NULL);
            free(name);
        } else {
            params_add_take(ps, name, xstrdup(c->text));
        }
    }
}

/* --- reading ------------------------------------------------------------------------------ */

/* The actions list (<Actions> of the rule or <DefaultActions> of the listener) in root. */
static const struct xml_node *find_actions(const struct traffic_provider *p,
                                           const struct xml_node *root, struct error *err)
{
    const struct xml_node *item;
    if (p->cfg.rule_arn != NULL) {
        item = xml_child(xml_find(root, "Rules"), "member");
        if (item == NULL) {
            error_set(err, "DescribeRules: no rule %s", p->cfg.rule_arn);
            return NULL;
        }
        return xml_child(item, "Actions");
    }
    item = xml_child(xml_find(root, "Listeners"), "member");
    if (item == NULL) {
        error_set(err, "DescribeListeners: no listener %s", p->cfg.listener_arn);
        return NULL;
    }
    return xml_child(item, "DefaultActions");
}

static const struct xml_node *find_forward(const struct xml_node *actions)
{
    for (const struct xml_node *a = xml_child(actions, "member"); a; a = xml_next(a, "member")) {
        const char *type = xml_path_text(a, "Type");
        if (type != NULL && strcmp(type, "forward") == 0)
            return a;
    }
    return NULL;
}

/* Describes the rule or listener; *root holds the answer (xml_free it). */
static int alb_describe_raw(struct traffic_provider *p, struct xml_node **root, struct error *err)
{
    struct alb *a = p->impl;
    struct aws_param prm[1];
    const char *action;
    if (p->cfg.rule_arn != NULL) {
        action = "DescribeRules";
        prm[0] = (struct aws_param){"RuleArns.member.1", p->cfg.rule_arn};
    } else {
        action = "DescribeListeners";
        prm[0] = (struct aws_param){"ListenerArns.member.1", p->cfg.listener_arn};
    }
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    if (aws_query(a->client, action, ELB_VERSION, prm, 1, &resp, err) < 0) {
        aws_response_fini(&resp);
        return -1;
    }
    int rc = xml_parse(resp.body, resp.len, action, root, err);
    aws_response_fini(&resp);
    return rc;
}

/* DescribeTargetHealth of one group into side: "2/3 healthy". A failure leaves health unknown. */
static void alb_health(struct traffic_provider *p, const char *arn, struct traffic_side *side)
{
    struct alb *a = p->impl;
    struct aws_param prm[1] = {{"TargetGroupArn", arn}};
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    struct error e;
    error_clear(&e);
    struct xml_node *root = NULL;
    if (aws_query(a->client, "DescribeTargetHealth", ELB_VERSION, prm, 1, &resp, &e) < 0 ||
        xml_parse(resp.body, resp.len, "DescribeTargetHealth", &root, &e) < 0) {
        error_sanitize(&e);
        log_warn("traffic %s: target health: %s", p->cfg.name, e.msg);
        aws_response_fini(&resp);
        return;
    }
    aws_response_fini(&resp);
    size_t total = 0, healthy = 0;
    const struct xml_node *list = xml_find(root, "TargetHealthDescriptions");
    for (const struct xml_node *m = xml_child(list, "member"); m; m = xml_next(m, "member")) {
        const char *st = xml_path_text(m, "TargetHealth/State");
        total++;
        if (st != NULL && strcmp(st, "healthy") == 0)
            healthy++;
    }
    xml_free(root);
    side->health = healthy == 0       ? TRAFFIC_HEALTH_DOWN
                   : healthy == total ? TRAFFIC_HEALTH_UP
                                      : TRAFFIC_HEALTH_DEGRADED;
    side->health_detail = xasprintf("%zu/%zu healthy", healthy, total);
}

static int alb_read(struct traffic_provider *p, struct traffic_reading *out, struct error *err)
{
    struct xml_node *root = NULL;
    if (alb_describe_raw(p, &root, err) < 0) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    const struct xml_node *actions = find_actions(p, root, err);
    const struct xml_node *fwd = actions ? find_forward(actions) : NULL;
    if (fwd == NULL) {
        if (actions != NULL)
            error_set(err, "%s has no forward action",
                      p->cfg.rule_arn ? "the rule" : "the listener");
        xml_free(root);
        traffic_provider_err_target(err, p);
        return -1;
    }
    memset(out, 0, sizeof *out);
    for (int s = 0; s < 2; s++) {
        out->side[s].weight = -1;
        out->side[s].observed_rps = -1;
    }
    const struct xml_node *fc = xml_child(fwd, "ForwardConfig");
    const struct xml_node *groups = xml_child(fc, "TargetGroups");
    for (const struct xml_node *g = xml_child(groups, "member"); g; g = xml_next(g, "member")) {
        const char *arn = xml_path_text(g, "TargetGroupArn");
        for (int s = 0; s < 2 && arn; s++) {
            const char *want = s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id;
            if (strcmp(arn, want) != 0)
                continue;
            out->side[s].present = true;
            long w;
            out->side[s].weight =
                traffic_provider_parse_long(xml_path_text(g, "Weight"), 0, ALB_WEIGHT_MAX, &w)
                    ? (int)w
                    : -1;
        }
    }
    if (fc == NULL) {
        /* A plain forward to one group: present, but its weight is not stated. */
        const char *arn = xml_path_text(fwd, "TargetGroupArn");
        for (int s = 0; s < 2 && arn; s++)
            if (strcmp(arn, s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id) == 0)
                out->side[s].present = true;
    }
    const char *sticky = xml_path_text(fc, "TargetGroupStickinessConfig/Enabled");
    const char *dur = xml_path_text(fc, "TargetGroupStickinessConfig/DurationSeconds");
    char prio[64] = "";
    if (p->cfg.rule_arn != NULL) {
        const char *pr = xml_path_text(xml_child(xml_find(root, "Rules"), "member"), "Priority");
        char *safe = text_sanitize(pr ? pr : "?");
        snprintf(prio, sizeof prio, "rule %s", safe);
        free(safe);
    }
    if (sticky != NULL && strcmp(sticky, "true") == 0) {
        char *safe = text_sanitize(dur ? dur : "?");
        out->detail = xasprintf("%s%sstickiness %s s", prio, prio[0] ? ", " : "", safe);
        free(safe);
    } else {
        out->detail = xasprintf("%s%sno stickiness", prio, prio[0] ? ", " : "");
    }
    xml_free(root);
    for (int s = 0; s < 2; s++)
        if (out->side[s].present)
            alb_health(p, s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id, &out->side[s]);
    return 0;
}

/* --- describe and apply ------------------------------------------------------------------- */

static bool weights_ok(const struct traffic_weights *to, struct error *err)
{
    for (int s = 0; s < 2; s++)
        if (to->w[s] < 0 || to->w[s] > ALB_WEIGHT_MAX) {
            error_set(err, "ALB target group weights are 0..%d, not %d", ALB_WEIGHT_MAX, to->w[s]);
            return false;
        }
    return true;
}

static int alb_describe(struct traffic_provider *p, const struct traffic_weights *to, char ***lines,
                        size_t *n, struct error *err)
{
    if (!weights_ok(to, err)) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    const char *call = p->cfg.rule_arn ? "ModifyRule" : "ModifyListener";
    const char *arn = p->cfg.rule_arn ? p->cfg.rule_arn : p->cfg.listener_arn;
    char *line =
        xasprintf("elbv2 %s %s: forward %s weight %d, %s weight %d (other actions, "
                  "groups and stickiness kept)",
                  call, arn, p->cfg.old_id, to->w[TRAFFIC_OLD], p->cfg.new_id, to->w[TRAFFIC_NEW]);
    *lines = xmalloc(sizeof **lines);
    (*lines)[0] = text_sanitize(line);
    free(line);
    *n = 1;
    return 0;
}

/* The forward action's parameters under prefix, with the two weights set (a side missing from
 * the ForwardConfig is added); the action's single TargetGroupArn is dropped in favour of the
 * ForwardConfig (AWS refuses both when they differ). */
static void forward_params(struct params *ps, const char *prefix, const struct xml_node *fwd,
                           const struct traffic_provider *p, const struct traffic_weights *to)
{
    for (const struct xml_node *c = fwd->first_child; c; c = c->next) {
        if (xml_is(c, "TargetGroupArn") || xml_is(c, "ForwardConfig"))
            continue;
        char *name = xasprintf("%s.%s", prefix, c->local);
        if (c->first_child != NULL) {
            flatten(ps, name, c, NULL);
            free(name);
        } else {
            params_add_take(ps, name, xstrdup(c->text));
        }
    }
    const struct xml_node *fc = xml_child(fwd, "ForwardConfig");
    bool seen[2] = {false, false};
    size_t k = 0;
    const struct xml_node *groups = xml_child(fc, "TargetGroups");
    for (const struct xml_node *g = xml_child(groups, "member"); g; g = xml_next(g, "member")) {
        const char *arn = xml_path_text(g, "TargetGroupArn");
        if (arn == NULL)
            continue;
        int side = strcmp(arn, p->cfg.old_id) == 0   ? TRAFFIC_OLD
                   : strcmp(arn, p->cfg.new_id) == 0 ? TRAFFIC_NEW
                                                     : -1;
        k++;
        params_add_take(
            ps, xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.TargetGroupArn", prefix, k),
            xstrdup(arn));
        const char *w = xml_path_text(g, "Weight");
        if (side >= 0) {
            seen[side] = true;
            params_add_take(ps,
                            xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.Weight", prefix, k),
                            xasprintf("%d", to->w[side]));
        } else if (w != NULL) {
            params_add_take(ps,
                            xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.Weight", prefix, k),
                            xstrdup(w));
        }
    }
    if (fc == NULL) {
        /* A plain forward to one group (weight unstated): that group keeps weight 1 unless it is
         * one of ours. */
        const char *arn = xml_path_text(fwd, "TargetGroupArn");
        if (arn != NULL && strcmp(arn, p->cfg.old_id) != 0 && strcmp(arn, p->cfg.new_id) != 0) {
            k++;
            params_add_take(
                ps, xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.TargetGroupArn", prefix, k),
                xstrdup(arn));
            params_add_take(ps,
                            xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.Weight", prefix, k),
                            xstrdup("1"));
        }
    }
    for (int s = 0; s < 2; s++) {
        if (seen[s])
            continue;
        k++;
        params_add_take(
            ps, xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.TargetGroupArn", prefix, k),
            xstrdup(s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id));
        params_add_take(ps, xasprintf("%s.ForwardConfig.TargetGroups.member.%zu.Weight", prefix, k),
                        xasprintf("%d", to->w[s]));
    }
    const struct xml_node *sticky = xml_child(fc, "TargetGroupStickinessConfig");
    if (sticky != NULL) {
        char *name = xasprintf("%s.ForwardConfig.TargetGroupStickinessConfig", prefix);
        flatten(ps, name, sticky, NULL);
        free(name);
    }
}

static int alb_apply(struct traffic_provider *p, const struct traffic_weights *to,
                     struct traffic_apply_result *res, struct error *err)
{
    struct alb *a = p->impl;
    memset(res, 0, sizeof *res);
    const char *call = p->cfg.rule_arn ? "ModifyRule" : "ModifyListener";
    if (p->read_only)
        return traffic_provider_refuse_observer(p, call, res, err);
    if (!weights_ok(to, err)) {
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    struct xml_node *root = NULL;
    if (alb_describe_raw(p, &root, err) < 0) {
        res->detail = xasprintf("nothing sent: %s", err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    const struct xml_node *actions = find_actions(p, root, err);
    if (actions == NULL || find_forward(actions) == NULL) {
        if (actions != NULL)
            error_set(err, "no forward action to change; nothing sent");
        res->detail = xstrdup(err->msg);
        xml_free(root);
        traffic_provider_err_target(err, p);
        return -1;
    }
    struct params ps = {0};
    const char *list;
    if (p->cfg.rule_arn != NULL) {
        params_add_take(&ps, xstrdup("RuleArn"), xstrdup(p->cfg.rule_arn));
        list = "Actions";
    } else {
        params_add_take(&ps, xstrdup("ListenerArn"), xstrdup(p->cfg.listener_arn));
        list = "DefaultActions";
    }
    size_t i = 0;
    for (const struct xml_node *m = xml_child(actions, "member"); m; m = xml_next(m, "member")) {
        char *prefix = xasprintf("%s.member.%zu", list, ++i);
        const char *type = xml_path_text(m, "Type");
        if (type != NULL && strcmp(type, "forward") == 0) {
            forward_params(&ps, prefix, m, p, to);
        } else {
            flatten(&ps, prefix, m, NULL);
            /* Describe* never returns an OIDC client secret; Modify* must then be told to keep
             * the one it has. */
            const struct xml_node *oidc = xml_child(m, "AuthenticateOidcConfig");
            if (oidc != NULL && xml_child(oidc, "ClientSecret") == NULL &&
                xml_child(oidc, "UseExistingClientSecret") == NULL)
                params_add_take(
                    &ps, xasprintf("%s.AuthenticateOidcConfig.UseExistingClientSecret", prefix),
                    xstrdup("true"));
        }
        free(prefix);
    }
    xml_free(root);

    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    int rc = aws_query(a->client, call, ELB_VERSION, ps.v, ps.n, &resp, err);
    params_fini(&ps);
    if (rc < 0) {
        traffic_provider_aws_failed(p, &resp, res, err);
        aws_response_fini(&resp);
        return -1;
    }
    aws_response_fini(&resp);
    res->sent = true;
    res->applied = 1;

    /* Read back: accepted only when the provider now reports the weights written. */
    struct traffic_reading back;
    memset(&back, 0, sizeof back);
    if (alb_read(p, &back, err) < 0) {
        res->detail = xasprintf("%s accepted; read-back failed: %s", call, err->msg);
        return -1;
    }
    int got[2] = {back.side[0].weight, back.side[1].weight};
    traffic_reading_fini(&back);
    if (got[0] != to->w[0] || got[1] != to->w[1]) {
        error_set(err, "%s accepted but the listener reports old %d new %d, not %d/%d", call,
                  got[0], got[1], to->w[0], to->w[1]);
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    res->accepted = true;
    res->detail = xasprintf("%s accepted; read back old %d new %d", call, got[0], got[1]);
    log_info("traffic %s: %s old %d new %d", p->cfg.name, call, got[0], got[1]);
    return 0;
}

static void alb_free(struct traffic_provider *p)
{
    struct alb *a = p->impl;
    if (a == NULL)
        return;
    aws_client_free(a->client);
    free(a);
    p->impl = NULL;
}

static const struct traffic_provider_ops alb_ops = {
    .read = alb_read,
    .describe = alb_describe,
    .apply = alb_apply,
    .free = alb_free,
};

int traffic_alb_new(const struct traffic_target_cfg *cfg, const struct traffic_provider_env *env,
                    struct traffic_provider **out, struct error *err)
{
    *out = NULL;
    const char *name = cfg->name ? cfg->name : "?";
    if ((cfg->listener_arn == NULL && cfg->rule_arn == NULL) || cfg->old_id == NULL ||
        cfg->new_id == NULL) {
        error_set(err, "%s: alb needs listener_arn (or rule_arn) and both target group ARNs", name);
        return -1;
    }
    struct aws_client *client = NULL;
    if (traffic_provider_aws_client(cfg, env, "elasticloadbalancing", &client, err) < 0)
        return -1;
    struct alb *a = xcalloc(1, sizeof *a);
    a->client = client;
    *out = traffic_provider_alloc(&alb_ops, cfg, env, a);
    return 0;
}
