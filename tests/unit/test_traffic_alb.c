/* The ALB traffic provider against the simulator's AWS endpoint (demo: a load balancer whose
 * listener and its rule forward to target groups onprem/eks, 100/0): read() gives the weights and
 * the target health the aws CLI shows, a 70/30 ModifyListener keeps stickiness and is read back,
 * a ModifyRule changes the rule only, a change answered with an error reports what is really
 * live, observer mode sends nothing. */

#include "../lib/aws_sim_test.h"

#include "cutover/aws_http.h"
#include "cutover/sim.h"
#include "cutover/traffic_provider.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct fx {
    struct sim *sim;
    char *url;
    char *listener; /* the demo listener forwarding to both groups */
    char *rule;     /* its rule (priority 10) forwarding to both */
    char *tg[2];    /* target group ARNs: [TRAFFIC_OLD] onprem, [TRAFFIC_NEW] eks */
};

/* --- the simulator's AWS side and the aws CLI -------------------------------------------- */

/* The weights of the two groups in the forward action of the listener's default actions (rule
 * NULL) or of a rule, as the aws CLI describes them; -1 for a group not there. */
static void cli_weights(const struct fx *f, const char *rule, int w[2])
{
    json_object *j =
        rule ? aws_sim_test_cli(f->url, "elbv2 describe-rules --rule-arns %s", rule)
             : aws_sim_test_cli(f->url, "elbv2 describe-listeners --listener-arns %s", f->listener);
    json_object *item =
        json_object_array_get_idx(aws_sim_test_jget(j, rule ? "Rules" : "Listeners"), 0);
    json_object *acts = aws_sim_test_jget(item, rule ? "Actions" : "DefaultActions");
    assert_non_null(acts);
    w[0] = w[1] = -1;
    for (size_t i = 0; i < json_object_array_length(acts); i++) {
        json_object *a = json_object_array_get_idx(acts, i);
        json_object *groups =
            aws_sim_test_jget(aws_sim_test_jget(a, "ForwardConfig"), "TargetGroups");
        for (size_t k = 0; groups && k < json_object_array_length(groups); k++) {
            json_object *g = json_object_array_get_idx(groups, k);
            for (int s = 0; s < 2; s++)
                if (strcmp(json_object_get_string(aws_sim_test_jget(g, "TargetGroupArn")),
                           f->tg[s]) == 0)
                    w[s] = json_object_get_int(aws_sim_test_jget(g, "Weight"));
        }
    }
    json_object_put(j);
}

/* The listener as the aws CLI describes it (a new reference). */
static json_object *cli_listener(const struct fx *f)
{
    json_object *j =
        aws_sim_test_cli(f->url, "elbv2 describe-listeners --listener-arns %s", f->listener);
    json_object *l =
        json_object_get(json_object_array_get_idx(aws_sim_test_jget(j, "Listeners"), 0));
    json_object_put(j);
    assert_non_null(l);
    return l;
}

/* "h/n healthy" for a group, per the aws CLI. */
static void cli_health(const struct fx *f, const char *arn, char *out, size_t len)
{
    json_object *j =
        aws_sim_test_cli(f->url, "elbv2 describe-target-health --target-group-arn %s", arn);
    json_object *list = aws_sim_test_jget(j, "TargetHealthDescriptions");
    size_t n = json_object_array_length(list), ok = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *th = aws_sim_test_jget(json_object_array_get_idx(list, i), "TargetHealth");
        if (strcmp(json_object_get_string(aws_sim_test_jget(th, "State")), "healthy") == 0)
            ok++;
    }
    json_object_put(j);
    snprintf(out, len, "%zu/%zu healthy", ok, n);
}

/* --- fixture ------------------------------------------------------------------------------ */

/* One ELBv2 call through a client of its own, to find the demo's ARNs quickly (what the
 * provider did is checked with the aws CLI). */
static struct xml_node *elb(const struct fx *f, const char *action, const char *pname,
                            const char *pval)
{
    struct aws_client_opts o = {
        .service = "elasticloadbalancing", .endpoint = f->url, .profile = "sim"};
    struct aws_client *c = NULL;
    struct error err;
    error_clear(&err);
    if (aws_client_new(&o, &c, &err) < 0)
        fail_msg("aws_client_new: %s", err.msg);
    struct aws_param prm[1] = {{pname, pval}};
    struct aws_response resp;
    memset(&resp, 0, sizeof resp);
    if (aws_query(c, action, "2015-12-01", prm, pname ? 1 : 0, &resp, &err) < 0)
        fail_msg("%s: %s", action, err.msg);
    struct xml_node *root = NULL;
    if (xml_parse(resp.body, resp.len, action, &root, &err) < 0)
        fail_msg("%s: %s", action, err.msg);
    aws_response_fini(&resp);
    aws_client_free(c);
    return root;
}

static bool forwards_to(const struct xml_node *actions, const char *arn)
{
    for (const struct xml_node *a = xml_child(actions, "member"); a; a = xml_next(a, "member")) {
        const struct xml_node *groups = xml_path(a, "ForwardConfig/TargetGroups");
        for (const struct xml_node *g = xml_child(groups, "member"); g; g = xml_next(g, "member"))
            if (strcmp(xml_path_text(g, "TargetGroupArn"), arn) == 0)
                return true;
    }
    return false;
}

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->url = aws_sim_test_demo(&f->sim);
    struct xml_node *tgs = elb(f, "DescribeTargetGroups", NULL, NULL);
    const struct xml_node *list = xml_find(tgs, "TargetGroups");
    for (const struct xml_node *g = xml_child(list, "member"); g; g = xml_next(g, "member")) {
        const char *name = xml_path_text(g, "TargetGroupName");
        const char *arn = xml_path_text(g, "TargetGroupArn");
        if (strstr(name, "onprem") && f->tg[TRAFFIC_OLD] == NULL)
            f->tg[TRAFFIC_OLD] = xstrdup(arn);
        else if (strstr(name, "eks") && f->tg[TRAFFIC_NEW] == NULL)
            f->tg[TRAFFIC_NEW] = xstrdup(arn);
    }
    xml_free(tgs);
    assert_non_null(f->tg[TRAFFIC_OLD]);
    assert_non_null(f->tg[TRAFFIC_NEW]);
    struct xml_node *lbs = elb(f, "DescribeLoadBalancers", NULL, NULL);
    list = xml_find(lbs, "LoadBalancers");
    for (const struct xml_node *lb = xml_child(list, "member"); lb && !f->listener;
         lb = xml_next(lb, "member")) {
        struct xml_node *ls =
            elb(f, "DescribeListeners", "LoadBalancerArn", xml_path_text(lb, "LoadBalancerArn"));
        const struct xml_node *ll = xml_find(ls, "Listeners");
        for (const struct xml_node *l = xml_child(ll, "member"); l && !f->listener;
             l = xml_next(l, "member"))
            if (forwards_to(xml_child(l, "DefaultActions"), f->tg[TRAFFIC_NEW]))
                f->listener = xstrdup(xml_path_text(l, "ListenerArn"));
        xml_free(ls);
    }
    xml_free(lbs);
    assert_non_null(f->listener);
    struct xml_node *rules = elb(f, "DescribeRules", "ListenerArn", f->listener);
    list = xml_find(rules, "Rules");
    for (const struct xml_node *r = xml_child(list, "member"); r && !f->rule;
         r = xml_next(r, "member"))
        if (strcmp(xml_path_text(r, "IsDefault"), "false") == 0 &&
            forwards_to(xml_child(r, "Actions"), f->tg[TRAFFIC_NEW]))
            f->rule = xstrdup(xml_path_text(r, "RuleArn"));
    xml_free(rules);
    assert_non_null(f->rule);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sim_stop(f->sim);
    free(f->url);
    free(f->listener);
    free(f->rule);
    free(f->tg[0]);
    free(f->tg[1]);
    free(f);
    return 0;
}

static struct traffic_provider *provider_rule(const struct fx *f, const char *new_arn,
                                              const char *rule, bool read_only)
{
    struct traffic_target_cfg t;
    memset(&t, 0, sizeof t);
    t.name = xstrdup("shop-alb");
    t.kind = TRAFFIC_ALB;
    t.old_id = xstrdup(f->tg[TRAFFIC_OLD]);
    t.new_id = xstrdup(new_arn);
    t.listener_arn = xstrdup(f->listener);
    t.rule_arn = xstrdup_null(rule);
    t.aws_endpoint = xstrdup(f->url);
    t.aws_profile = xstrdup("sim");
    struct traffic_provider_env env = {.read_only = read_only, .timeout_ms = 5000};
    struct traffic_provider *p = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_provider_new(&t, &env, &p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);
    traffic_target_cfg_fini(&t);
    return p;
}

static struct traffic_provider *provider(const struct fx *f, const char *new_arn, bool read_only)
{
    return provider_rule(f, new_arn, NULL, read_only);
}

static void must_read(struct traffic_provider *p, struct traffic_reading *r)
{
    struct error err;
    error_clear(&err);
    memset(r, 0, sizeof *r);
    if (p->ops->read(p, r, &err) < 0)
        fail_msg("read: %s", err.msg);
}

/* --- tests -------------------------------------------------------------------------------- */

static void test_read_demo(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], false);
    struct traffic_reading r;
    must_read(p, &r);
    int w[2];
    cli_weights(f, NULL, w);
    for (int s = 0; s < 2; s++) {
        assert_true(r.side[s].present);
        assert_int_equal(r.side[s].weight, w[s]);
        char want[64];
        cli_health(f, f->tg[s], want, sizeof want);
        assert_non_null(r.side[s].health_detail);
        assert_string_equal(r.side[s].health_detail, want);
        unsigned ok, n;
        assert_int_equal(sscanf(want, "%u/%u", &ok, &n), 2);
        int h = ok == 0   ? TRAFFIC_HEALTH_DOWN
                : ok == n ? TRAFFIC_HEALTH_UP
                          : TRAFFIC_HEALTH_DEGRADED;
        assert_int_equal(r.side[s].health, h);
    }
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 100);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 0);
    traffic_reading_fini(&r);
    traffic_provider_free(p);
}

static void test_missing_side(void **state)
{
    struct fx *f = *state;
    char *bogus = xasprintf("%s-gone", f->tg[TRAFFIC_NEW]);
    struct traffic_provider *p = provider(f, bogus, false);
    struct traffic_reading r;
    must_read(p, &r);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_false(r.side[TRAFFIC_NEW].present);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, -1);
    assert_null(r.side[TRAFFIC_NEW].health_detail);
    traffic_reading_fini(&r);
    traffic_provider_free(p);
    free(bogus);
}

static void test_apply_70_30(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], false);
    json_object *before = cli_listener(f);
    struct traffic_weights to = {{70, 30}};
    char **lines = NULL;
    size_t n = 0;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->describe(p, &to, &lines, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_non_null(strstr(lines[0], "ModifyListener"));
    char want[512];
    snprintf(want, sizeof want, "%s weight 70", f->tg[TRAFFIC_OLD]);
    assert_non_null(strstr(lines[0], want));
    snprintf(want, sizeof want, "%s weight 30", f->tg[TRAFFIC_NEW]);
    assert_non_null(strstr(lines[0], want));
    free(lines[0]);
    free(lines);

    struct traffic_apply_result res;
    if (p->ops->apply(p, &to, &res, &err) < 0)
        fail_msg("apply: %s", err.msg);
    assert_true(res.sent);
    assert_true(res.accepted);
    assert_int_equal(res.applied, 1);
    traffic_apply_result_fini(&res);

    struct traffic_provider *q = provider(f, f->tg[TRAFFIC_NEW], false);
    struct traffic_reading r;
    must_read(q, &r);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 70);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 30);
    traffic_reading_fini(&r);
    traffic_provider_free(q);
    int w[2];
    cli_weights(f, NULL, w);
    assert_int_equal(w[TRAFFIC_OLD], 70);
    assert_int_equal(w[TRAFFIC_NEW], 30);
    /* The stickiness of the forward action is as it was. */
    json_object *after = cli_listener(f);
    json_object *a0 = json_object_array_get_idx(aws_sim_test_jget(before, "DefaultActions"), 0);
    json_object *a1 = json_object_array_get_idx(aws_sim_test_jget(after, "DefaultActions"), 0);
    json_object *s0 =
        aws_sim_test_jget(aws_sim_test_jget(a0, "ForwardConfig"), "TargetGroupStickinessConfig");
    json_object *s1 =
        aws_sim_test_jget(aws_sim_test_jget(a1, "ForwardConfig"), "TargetGroupStickinessConfig");
    assert_string_equal(json_object_to_json_string(s0), json_object_to_json_string(s1));
    assert_int_equal(json_object_array_length(aws_sim_test_jget(after, "DefaultActions")),
                     json_object_array_length(aws_sim_test_jget(before, "DefaultActions")));
    json_object_put(before);
    json_object_put(after);
    traffic_provider_free(p);
}

/* The rule (priority 10) is changed through ModifyRule; the listener's default action is not. */
static void test_rule_70_30(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider_rule(f, f->tg[TRAFFIC_NEW], f->rule, false);
    struct traffic_reading r;
    must_read(p, &r);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 100);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 0);
    assert_non_null(strstr(r.detail, "rule 10"));
    traffic_reading_fini(&r);
    struct traffic_weights to = {{70, 30}};
    char **lines = NULL;
    size_t n = 0;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->describe(p, &to, &lines, &n, &err), 0);
    assert_non_null(strstr(lines[0], "ModifyRule"));
    assert_non_null(strstr(lines[0], f->rule));
    free(lines[0]);
    free(lines);
    struct traffic_apply_result res;
    if (p->ops->apply(p, &to, &res, &err) < 0)
        fail_msg("apply: %s", err.msg);
    assert_true(res.accepted);
    traffic_apply_result_fini(&res);
    int w[2];
    cli_weights(f, f->rule, w);
    assert_int_equal(w[TRAFFIC_OLD], 70);
    assert_int_equal(w[TRAFFIC_NEW], 30);
    cli_weights(f, NULL, w);
    assert_int_equal(w[TRAFFIC_OLD], 100);
    assert_int_equal(w[TRAFFIC_NEW], 0);
    traffic_provider_free(p);
}

static void test_error_answer_true_state(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], false);
    /* The simulator makes the change and then answers 500: the caller must not trust the
     * answer, and a read shows what is live. */
    int id = sim_fault_add(f->sim, "{\"service\":\"elasticloadbalancing\",\"action\":"
                                   "\"ModifyListener\",\"fault\":\"partial\",\"status\":500,"
                                   "\"count\":1,\"apply\":1}");
    assert_true(id >= 0);
    struct traffic_weights to = {{50, 50}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_non_null(strstr(err.msg, "shop-alb"));
    traffic_apply_result_fini(&res);
    sim_faults_clear(f->sim);
    struct traffic_reading r;
    must_read(p, &r);
    int w[2];
    cli_weights(f, NULL, w);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, w[TRAFFIC_OLD]);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, w[TRAFFIC_NEW]);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 50);
    traffic_reading_fini(&r);
    traffic_provider_free(p);
}

static void test_rejected_nothing_changed(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], false);
    int id = sim_fault_add(f->sim, "{\"service\":\"elasticloadbalancing\",\"action\":"
                                   "\"ModifyListener\",\"fault\":\"error\",\"status\":400,"
                                   "\"count\":1}");
    assert_true(id >= 0);
    struct traffic_weights to = {{10, 90}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 0);
    traffic_apply_result_fini(&res);
    sim_faults_clear(f->sim);
    int w[2];
    cli_weights(f, NULL, w);
    assert_int_equal(w[TRAFFIC_OLD], 100);
    assert_int_equal(w[TRAFFIC_NEW], 0);
    traffic_provider_free(p);
}

/* No answer to ModifyListener: the outcome is unknown, and the call is not made again. */
static void test_lost_answer_not_resent(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], false);
    int id = sim_fault_add(f->sim, "{\"service\":\"elasticloadbalancing\",\"action\":"
                                   "\"ModifyListener\",\"fault\":\"down\",\"count\":1}");
    assert_true(id >= 0);
    long before = aws_sim_test_count(f->sim, NULL, "elasticloadbalancing:ModifyListener");
    struct traffic_weights to = {{50, 50}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_non_null(strstr(res.detail, "unknown"));
    traffic_apply_result_fini(&res);
    sim_faults_clear(f->sim);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "elasticloadbalancing:ModifyListener"),
                     before + 1);
    traffic_provider_free(p);
}

static void test_read_only_refuses(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], true);
    struct traffic_reading r;
    must_read(p, &r);
    traffic_reading_fini(&r);
    long before = aws_sim_test_count(f->sim, "mutating", NULL);
    struct traffic_weights to = {{0, 100}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_false(res.sent);
    assert_non_null(strstr(err.msg, "observer"));
    traffic_apply_result_fini(&res);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), before);
    int w[2];
    cli_weights(f, NULL, w);
    assert_int_equal(w[TRAFFIC_OLD], 100);
    traffic_provider_free(p);
}

static void test_weights_out_of_range(void **state)
{
    struct fx *f = *state;
    struct traffic_provider *p = provider(f, f->tg[TRAFFIC_NEW], false);
    struct traffic_weights to = {{1000, 0}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    long before = aws_sim_test_count(f->sim, "mutating", NULL);
    assert_int_equal(p->ops->apply(p, &to, &res, &err), -1);
    assert_false(res.sent);
    assert_non_null(strstr(err.msg, "0..999"));
    traffic_apply_result_fini(&res);
    assert_int_equal(aws_sim_test_count(f->sim, "mutating", NULL), before);
    traffic_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_demo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_70_30, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_70_30, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_answer_true_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_nothing_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_answer_not_resent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weights_out_of_range, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
