/* The config file: a good file sets what it names, flags override it, a bad file is reported at
 * file:line:col and leaves the defaults, unknown keys are named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const actions[] = {"back", "bottom", "command", "down", "filter", "help",
                                      "next-panel", "page-down", "page-up", "prev-panel", "quit",
                                      "refresh", "select", "top", "traffic-next", "traffic-prev",
                                      "traffic-rollback", "traffic-set", "up",
                                      /* secret drift (issue #5) */
                                      "drift-force-sync", "drift-view",
                                      /* the all-pods view (issue #7) */
                                      "pods-view", "sort-next", "sort-prev", "sort-reverse"};
#define NACTIONS (sizeof actions / sizeof actions[0])

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cutover-test-config-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    assert_null(cfg.source);
    assert_null(cfg.target);
    assert_null(cfg.kubeconfig);
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_string_equal(cfg.theme, "dark");
    assert_true(cfg.zone_spread_ratio == 2.0);
    assert_int_equal(cfg.exec_timeout_ms, 30000);
    assert_int_equal(cfg.nkeys, 0);
    config_fini(&cfg);
    config_fini(&cfg); /* twice is fine */
    assert_null(cfg.theme);
}

static void test_default_path(void **state)
{
    (void)state;
    setenv("XDG_CONFIG_HOME", "/x/conf", 1);
    char *p = config_default_path();
    assert_string_equal(p, "/x/conf/cutover/config.yaml");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/sre", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/sre/.config/cutover/config.yaml");
    free(p);
    /* A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
    setenv("XDG_CONFIG_HOME", "rel", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/sre/.config/cutover/config.yaml");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
}

static void test_durations(void **state)
{
    (void)state;
    int ms = 0;
    static const struct {
        const char *s;
        int ms;
    } good[] = {{"2s", 2000},    {"500ms", 500}, {"1.5s", 1500}, {"1m", 60000},
                {"1h", 3600000}, {"3", 3000},    {"0.25s", 250}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(config_parse_duration(good[i].s, &ms), 0);
        assert_int_equal(ms, good[i].ms);
    }
    const char *bad[] = {"",      "s",    "2 s", "2sec",  "-1s",
                         "1e3ms", "0x10", "2s5", "ms500", "99999999h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (config_parse_duration(bad[i], &ms) != -EINVAL)
            fail_msg("'%s' should not parse", bad[i]);
    }
}

static void test_full_file(void **state)
{
    (void)state;
    setenv("HOME", "/home/sre", 1);
    char path[600];
    snprintf(path, sizeof path, "%s/config.yaml", tmpdir);
    write_file(path, "# my cutover\n"
                     "source: onprem-prod\n"
                     "target: eks-prod\n"
                     "kubeconfig: ~/.kube/both.yaml\n"
                     "refresh: 500ms\n"
                     "theme: colour-blind-safe\n"
                     "zone_spread_ratio: 1.5\n"
                     "exec_timeout: 1m\n"
                     "keys:\n"
                     "  q: none\n"
                     "  x: quit\n"
                     "  \"C-r\": refresh\n");
    struct config cfg;
    config_init(&cfg);
    struct error err;
    error_clear(&err);
    assert_int_equal(config_load_file(path, actions, NACTIONS, &cfg, &err), 0);
    assert_string_equal(cfg.source, "onprem-prod");
    assert_string_equal(cfg.target, "eks-prod");
    assert_string_equal(cfg.kubeconfig, "/home/sre/.kube/both.yaml");
    assert_int_equal(cfg.refresh_ms, 500);
    assert_string_equal(cfg.theme, "colour-blind-safe");
    assert_true(cfg.zone_spread_ratio == 1.5);
    assert_int_equal(cfg.exec_timeout_ms, 60000);
    assert_string_equal(cfg.path, path);
    assert_int_equal(cfg.nkeys, 3);
    assert_int_equal(cfg.keys[0].line, 10);

    /* The keys apply on top of the defaults: q unbound, x quits, C-r refreshes. */
    struct keymap *km = keymap_new_default(actions, NACTIONS, &err);
    assert_non_null(km);
    config_apply_keys(&cfg, km);
    assert_null(keymap_lookup(km, 'q'));
    assert_string_equal(keymap_lookup(km, 'x'), "quit");
    assert_string_equal(keymap_lookup(km, KEYMAP_MOD_CTRL | 'r'), "refresh");
    assert_string_equal(keymap_lookup(km, KEYMAP_MOD_CTRL | 'c'), "quit");
    keymap_free(km);

    /* Flags override the file. */
    assert_int_equal(config_set(&cfg, "source", "other-ctx", &err), 0);
    assert_int_equal(config_set(&cfg, "refresh", "5s", &err), 0);
    assert_int_equal(config_set(&cfg, "theme", "light", &err), 0);
    assert_string_equal(cfg.source, "other-ctx");
    assert_string_equal(cfg.target, "eks-prod");
    assert_int_equal(cfg.refresh_ms, 5000);
    assert_string_equal(cfg.theme, "light");
    /* ... and are checked the same way. */
    assert_int_equal(config_set(&cfg, "refresh", "fast", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "refresh: bad duration 'fast'"));
    assert_int_equal(err.line, 0);
    assert_int_equal(cfg.refresh_ms, 5000);
    assert_int_equal(config_set(&cfg, "zone_spread_ratio", "0.5", &err), -EINVAL);
    assert_int_equal(config_set(&cfg, "keys", "q", &err), -EINVAL);
    assert_int_equal(config_set(&cfg, "colour", "red", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "unknown key 'colour'"));
    config_fini(&cfg);
}

static void test_partial_file_keeps_other_defaults(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    const char *text = "target: eks-prod\n";
    assert_int_equal(config_load_text(text, strlen(text), "c.yaml", actions, NACTIONS, &cfg, &err),
                     0);
    assert_string_equal(cfg.target, "eks-prod");
    assert_null(cfg.source);
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_string_equal(cfg.theme, "dark");
    /* Empty files and files of comments are all defaults. */
    const char *empties[] = {"", "# nothing yet\n", "---\n"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(config_load_text(empties[i], strlen(empties[i]), "c.yaml", actions,
                                          NACTIONS, &cfg, &err),
                         0);
        assert_null(cfg.target);
    }
    config_fini(&cfg);
}

static void test_missing_file_is_enoent(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    char path[600];
    snprintf(path, sizeof path, "%s/nope.yaml", tmpdir);
    assert_int_equal(config_load_file(path, actions, NACTIONS, &cfg, &err), -ENOENT);
    assert_int_equal(cfg.refresh_ms, 2000);
    config_fini(&cfg);
}

struct bad {
    const char *text;
    int line, col;
    const char *needle;
};

static void test_bad_files_keep_the_old_config(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"source: a\ntarget: [b\n", 3, 1, "bad YAML"},
        {"source: a\nweights:\n  api: {}\n", 2, 1, "unknown key 'weights'"},
        {"source: a\nweights:\n  api: {}\n", 2, 1, "known: source, target"},
        {"refresh: soon\n", 1, 10, "refresh: bad duration 'soon'"},
        {"refresh: 10ms\n", 1, 10, "out of range"},
        {"zone_spread_ratio: lots\n", 1, 20, "not a number"},
        {"zone_spread_ratio: 0.5\n", 1, 20, "at least 1.0"},
        {"exec_timeout: forever\n", 1, 15, "exec_timeout: bad duration 'forever'"},
        {"exec_timeout: 500ms\n", 1, 15, "out of range (1s to 10m)"},
        {"source:\n", 1, 8, "source: expected a value"},
        {"theme: [a, b]\n", 1, 8, "expected a single value"},
        {"source: a\nsource: b\n", 2, 1, "given twice"},
        {"keys:\n  q: quit\n  j: jump\n", 3, 6, "unknown action 'jump'"},
        {"keys:\n  Hyper-q: quit\n", 2, 3, "unknown key 'Hyper-q'"},
        {"keys:\n  j: down\n  j: up\n", 3, 3, "bound twice"},
        {"keys: [q, quit]\n", 1, 7, "keys: expected a mapping"},
        {"- source\n- target\n", 1, 1, "must be a mapping"},
        {"source: a\n---\nsource: b\n", 3, 1, "only one YAML document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/bad%zu.yaml", tmpdir, i);
        write_file(path, cases[i].text);
        struct config cfg;
        config_init(&cfg);
        assert_int_equal(config_set(&cfg, "source", "from-flag", NULL), 0);
        struct error err;
        error_clear(&err);
        int rc = config_load_file(path, actions, NACTIONS, &cfg, &err);
        if (rc >= 0)
            fail_msg("case %zu loaded", i);
        if (strcmp(err.file, path) != 0 || err.line != cases[i].line || err.col != cases[i].col ||
            strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu: got %s:%d:%d: %s; want %d:%d ...%s...", i, err.file, err.line,
                     err.col, err.msg, cases[i].line, cases[i].col, cases[i].needle);
        /* The caller's config is untouched. */
        assert_string_equal(cfg.source, "from-flag");
        assert_null(cfg.target);
        assert_int_equal(cfg.refresh_ms, 2000);
        assert_string_equal(cfg.theme, "dark");
        assert_int_equal(cfg.nkeys, 0);
        config_fini(&cfg);
    }
}

static void test_errors_are_safe_to_print(void **state)
{
    (void)state;
    /* A key written with YAML escapes must not put an escape sequence into the message. */
    const char *texts[] = {"\"\\e]0;pwned\\a\": 1\n", "keys:\n  \"\\e[2J\": quit\n",
                           "keys:\n  q: \"\\e[31mquit\"\n", "refresh: \"\\e[1m\"\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct config cfg;
        config_init(&cfg);
        struct error err;
        error_clear(&err);
        assert_true(config_load_text(texts[i], strlen(texts[i]), "c.yaml", actions, NACTIONS, &cfg,
                                     &err) < 0);
        for (const char *p = err.msg; *p; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                fail_msg("case %zu: control byte %#x in '%s'", i, (unsigned char)*p, err.msg);
        }
        assert_non_null(strstr(err.msg, "\\x1b"));
        config_fini(&cfg);
    }
}

static void test_reload_replaces_whole_config(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    const char *a = "source: a\nrefresh: 1s\nkeys:\n  x: quit\n";
    const char *b = "target: b\n";
    assert_int_equal(config_load_text(a, strlen(a), "a", actions, NACTIONS, &cfg, &err), 0);
    assert_int_equal(cfg.nkeys, 1);
    assert_int_equal(config_load_text(b, strlen(b), "b", actions, NACTIONS, &cfg, &err), 0);
    /* A file states the whole config: what b does not name is back to its default. */
    assert_null(cfg.source);
    assert_string_equal(cfg.target, "b");
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_int_equal(cfg.nkeys, 0);
    config_fini(&cfg);
}

static const char traffic_yaml[] =
    "source: onprem-prod\n"
    "target: eks-prod\n"
    "journal: ~/journals/prod.jsonl\n"
    "traffic:\n"
    "  - name: api-dns\n"
    "    provider: route53\n"
    "    plan: [0, 10, 30, 50, 100]\n"
    "    old: onprem\n"
    "    new: eks\n"
    "    zone_id: /hostedzone/Z0123456789ABCDEFGHIJ\n"
    "    record: api.example.com\n"
    "    aws:\n"
    "      profile: prod\n"
    "      region: eu-west-1\n"
    "      endpoint: http://127.0.0.1:4566\n"
    "    observed:\n"
    "      prometheus: http://127.0.0.1:9090\n"
    "      old: sum(rate(haproxy_server_http_responses_total{server=\"onprem\"}[1m]))\n"
    "      new: sum(rate(haproxy_server_http_responses_total{server=\"eks\"}[1m]))\n"
    "      tolerance: 2.5\n"
    "  - name: api-alb\n"
    "    provider: alb\n"
    "    production: false\n"
    "    plan: [50, 100]\n"
    "    listener: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/2\n"
    "    rule: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/1/2/3\n"
    "    old: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/onprem/1\n"
    "    new: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eks/2\n"
    "  - name: api-lb\n"
    "    provider: haproxy\n"
    "    plan: [0, 100]\n"
    "    address: unix:/run/haproxy/admin.sock\n"
    "    backend: api\n"
    "    old: onprem\n"
    "    new: eks\n"
    "  - {name: shop, provider: gateway, plan: [10, 100], context: eks-prod, namespace: shop,\n"
    "     route: web, rule: 1, old: web-v1, new: web-v2}\n";

static void test_traffic_one_target_per_provider(void **state)
{
    (void)state;
    setenv("HOME", "/home/sre", 1);
    struct config cfg;
    config_init(&cfg);
    assert_int_equal(cfg.ntraffic, 0);
    assert_null(cfg.journal);
    struct error err;
    error_clear(&err);
    int rc = config_load_text(traffic_yaml, strlen(traffic_yaml), "c.yaml", actions, NACTIONS, &cfg,
                              &err);
    if (rc != 0)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    assert_string_equal(cfg.journal, "/home/sre/journals/prod.jsonl");
    assert_int_equal(cfg.ntraffic, 4);

    const struct traffic_target_cfg *r = &cfg.traffic[0];
    assert_string_equal(r->name, "api-dns");
    assert_int_equal(r->kind, TRAFFIC_ROUTE53);
    assert_true(r->production); /* the default */
    assert_int_equal(r->nplan, 5);
    assert_int_equal(r->plan[2], 30);
    assert_string_equal(r->old_id, "onprem");
    assert_string_equal(r->new_id, "eks");
    assert_string_equal(r->zone_id, "Z0123456789ABCDEFGHIJ");
    assert_string_equal(r->record_name, "api.example.com."); /* the final dot is added */
    assert_string_equal(r->record_type, "A");                /* the default */
    assert_string_equal(r->aws_profile, "prod");
    assert_string_equal(r->aws_region, "eu-west-1");
    assert_string_equal(r->aws_endpoint, "http://127.0.0.1:4566");
    assert_string_equal(r->prom_url, "http://127.0.0.1:9090");
    assert_non_null(strstr(r->prom_query[TRAFFIC_NEW], "server=\"eks\""));
    assert_true(r->tolerance_pct == 2.5);
    assert_int_equal(r->line, 5);
    assert_int_equal(r->col, 5);

    const struct traffic_target_cfg *a = config_traffic_find(&cfg, "api-alb");
    assert_ptr_equal(a, &cfg.traffic[1]);
    assert_int_equal(a->kind, TRAFFIC_ALB);
    assert_false(a->production);
    assert_non_null(strstr(a->listener_arn, ":listener/app/web/1/2"));
    assert_non_null(strstr(a->rule_arn, ":listener-rule/"));
    assert_null(a->zone_id);
    assert_null(a->aws_endpoint);
    assert_true(a->tolerance_pct == 5); /* the default */

    const struct traffic_target_cfg *h = &cfg.traffic[2];
    assert_int_equal(h->kind, TRAFFIC_HAPROXY);
    assert_string_equal(h->address, "unix:/run/haproxy/admin.sock");
    assert_string_equal(h->backend, "api");
    assert_null(h->record_type);

    const struct traffic_target_cfg *g = &cfg.traffic[3];
    assert_int_equal(g->kind, TRAFFIC_GATEWAY);
    assert_string_equal(g->context, "eks-prod");
    assert_string_equal(g->ns, "shop");
    assert_string_equal(g->route, "web");
    assert_int_equal(g->rule_index, 1);
    assert_int_equal(g->nplan, 2);
    assert_int_equal(g->line, 36);
    assert_null(config_traffic_find(&cfg, "nope"));

    /* a flag names the journal too */
    assert_int_equal(config_set(&cfg, "journal", "/var/lib/j.jsonl", &err), 0);
    assert_string_equal(cfg.journal, "/var/lib/j.jsonl");
    config_fini(&cfg);
    assert_int_equal(cfg.ntraffic, 0);
}

static void test_traffic_bad_targets_point_at_the_problem(void **state)
{
    (void)state;
    static const char head[] = "traffic:\n  - name: api\n    provider: haproxy\n";
    static const char tail[] = "    address: unix:/run/h.sock\n    backend: api\n"
                               "    old: onprem\n    new: eks\n";
    static const struct bad cases[] = {
        /* the plan: the bad step itself */
        {"    plan: [0, 30, 20, 100]\n", 4, 19, "traffic: plan: step 3 (20) is below step 2 (30)"},
        {"    plan: [0, 30, 30, 100]\n", 4, 19, "step 3 (30) repeats step 2"},
        {"    plan: [0, 130]\n", 4, 15, "step 2 (130) is outside 0..100"},
        {"    plan: [0, 10, 50]\n", 4, 19, "the last step (50) must be 100"},
        {"    plan: [0, ten, 100]\n", 4, 15, "plan: 'ten' is not a whole number"},
        {"    plan: []\n", 4, 11, "the plan has no steps"},
        {"    plan: 100\n", 4, 11, "plan: expected a list of percents"},
        {"    plan:\n      - 0\n      - 40\n      - 20\n      - 100\n", 7, 9,
         "step 3 (20) is below step 2 (40)"},
        /* keys */
        {"    plan: [0, 100]\n    weight: 5\n", 5, 5,
         "traffic: unknown key 'weight' (known for haproxy: name, provider, production, plan, "
         "old, new, observed, address, backend)"},
        {"    plan: [0, 100]\n    listener: arn:x\n", 5, 5, "'listener' is not a haproxy setting"},
        {"    plan: [0, 100]\n    aws: {region: x}\n", 5, 5, "'aws' is not a haproxy setting"},
        {"    plan: [0, 100]\n    plan: [0, 100]\n", 5, 5, "traffic: 'plan' is given twice"},
        {"    plan: [0, 100]\n    production: maybe\n", 5, 17,
         "production: 'maybe' is not true or false"},
        {"    plan: [0, 100]\n    observed: {prometheus: http://p:9090, old: a}\n", 5, 15,
         "observed: needs prometheus, old and new"},
        {"    plan: [0, 100]\n    observed: {prometheus: p:9090, old: a, new: b}\n", 5, 28,
         "observed.prometheus: 'p:9090' is not an http:// or https:// URL"},
        {"    plan: [0, 100]\n    observed: {prometheus: http://p, old: a, new: b, rate: 1}\n", 5,
         54, "observed: unknown key 'rate' (known: prometheus, old, new, tolerance)"},
        {"    plan: [0, 100]\n    observed: {prometheus: http://p, old: a, new: b, tolerance: "
         "-1}\n",
         5, 65, "observed.tolerance: '-1' is not a percent"},
        {"    plan: [0, 100]\n    old: [a, b]\n", 5, 10, "traffic: old: expected a single value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        /* the case's lines go between the head and the rest (a key given twice is the tail's) */
        snprintf(text, sizeof text, "%s%s%s", head, cases[i].text,
                 strstr(cases[i].text, "old: [") != NULL
                     ? "    address: unix:/run/h.sock\n    backend: api\n    new: eks\n"
                     : tail);
        struct config cfg;
        config_init(&cfg);
        struct error err;
        error_clear(&err);
        if (config_load_text(text, strlen(text), "c.yaml", actions, NACTIONS, &cfg, &err) == 0)
            fail_msg("case %zu loaded", i);
        if (err.line != cases[i].line || err.col != cases[i].col ||
            strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu: got %d:%d: %s; want %d:%d ...%s...", i, err.line, err.col, err.msg,
                     cases[i].line, cases[i].col, cases[i].needle);
        assert_string_equal(err.file, "c.yaml");
        assert_int_equal(cfg.ntraffic, 0);
        config_fini(&cfg);
    }

    /* whole-target problems are reported at the target */
    static const struct bad whole[] = {
        {"traffic:\n  - name: a\n    plan: [100]\n    old: x\n    new: y\n", 2, 5,
         "traffic: the target needs provider: (route53, alb, haproxy or gateway)"},
        {"traffic:\n  - name: a\n    provider: nginx\n", 3, 15,
         "provider: unknown provider 'nginx' (known: route53, alb, haproxy, gateway)"},
        {"traffic:\n  - name: a\n    provider: route53\n    plan: [100]\n    old: x\n    new: y\n"
         "    record: api.example.com\n",
         2, 5, "traffic: target a (route53) needs zone_id:"},
        {"traffic:\n  - provider: alb\n    plan: [100]\n", 2, 5,
         "traffic: target (alb) needs name:"},
        {"traffic:\n  - name: a\n    provider: gateway\n    plan: [100]\n    old: x\n    new: y\n"
         "    context: c\n    route: r\n",
         2, 5, "target a (gateway) needs namespace:"},
        {"traffic:\n  - name: a\n    provider: haproxy\n    plan: [100]\n    old: x\n    new: x\n"
         "    address: tcp:127.0.0.1:9999\n    backend: b\n",
         2, 5, "traffic: target a: old and new are both 'x'"},
        {"traffic:\n  - name: a\n    provider: haproxy\n    plan: [100]\n    old: x\n    new: y\n"
         "    address: 127.0.0.1:9999\n    backend: b\n",
         7, 14, "address: '127.0.0.1:9999' is not unix:/path/to/admin.sock or tcp:host:port"},
        {"traffic:\n  - name: my api\n    provider: haproxy\n", 2, 11,
         "traffic: name: 'my api' must be 1 to 63 letters"},
        {"traffic:\n  - name: a\n    provider: route53\n    type: MX\n", 4, 11,
         "type: 'MX' is not A, AAAA or CNAME"},
        {"traffic:\n  - name: a\n    provider: alb\n    aws: {region: r, endpoint: 127.0.0.1}\n", 4,
         32, "aws.endpoint: '127.0.0.1' is not an http:// or https:// URL"},
        {"traffic:\n  - name: a\n    provider: alb\n    aws: {role: admin}\n", 4, 11,
         "aws: unknown key 'role' (known: profile, region, endpoint)"},
        {"traffic:\n  - name: a\n    provider: gateway\n    rule: first\n", 4, 11,
         "rule: 'first' is not a whole number"},
        {"traffic:\n  api:\n    provider: haproxy\n", 2, 3, "traffic: expected a list of targets"},
        {"traffic:\n  - api\n", 2, 5, "traffic: each target is a mapping"},
        {"traffic:\n  - {name: a, provider: haproxy, plan: [100], old: x, new: y, address: "
         "unix:/s, backend: b}\n  - {name: a, provider: haproxy, plan: [100], old: x, new: y, "
         "address: unix:/s, backend: b}\n",
         3, 5, "traffic: two targets are named 'a' (the first at line 2)"},
        {"traffic: []\ntraffic: []\n", 2, 1, "'traffic' is given twice"},
        {"journal: [a]\n", 1, 10, "journal: expected a single value"},
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        struct config cfg;
        config_init(&cfg);
        struct error err;
        error_clear(&err);
        if (config_load_text(whole[i].text, strlen(whole[i].text), "c.yaml", actions, NACTIONS,
                             &cfg, &err) == 0)
            fail_msg("whole case %zu loaded", i);
        if (err.line != whole[i].line || err.col != whole[i].col ||
            strstr(err.msg, whole[i].needle) == NULL)
            fail_msg("whole case %zu: got %d:%d: %s; want %d:%d ...%s...", i, err.line, err.col,
                     err.msg, whole[i].line, whole[i].col, whole[i].needle);
        config_fini(&cfg);
    }
}

static void test_traffic_and_journal_replace_on_reload(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct error err;
    error_clear(&err);
    assert_int_equal(
        config_load_text(traffic_yaml, strlen(traffic_yaml), "a", actions, NACTIONS, &cfg, &err),
        0);
    assert_int_equal(cfg.ntraffic, 4);
    /* a bad traffic section leaves the loaded targets in place */
    const char *bad = "traffic:\n  - name: x\n    provider: haproxy\n    plan: [50, 10]\n";
    assert_true(config_load_text(bad, strlen(bad), "b", actions, NACTIONS, &cfg, &err) < 0);
    assert_int_equal(cfg.ntraffic, 4);
    assert_string_equal(cfg.traffic[3].name, "shop");
    /* an empty section and no journal key: none */
    const char *empty = "traffic:\n";
    assert_int_equal(config_load_text(empty, strlen(empty), "c", actions, NACTIONS, &cfg, &err), 0);
    assert_int_equal(cfg.ntraffic, 0);
    assert_null(cfg.journal);
    config_fini(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_partial_file_keeps_other_defaults),
        cmocka_unit_test(test_missing_file_is_enoent),
        cmocka_unit_test(test_bad_files_keep_the_old_config),
        cmocka_unit_test(test_errors_are_safe_to_print),
        cmocka_unit_test(test_reload_replaces_whole_config),
        cmocka_unit_test(test_traffic_one_target_per_provider),
        cmocka_unit_test(test_traffic_bad_targets_point_at_the_problem),
        cmocka_unit_test(test_traffic_and_journal_replace_on_reload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
