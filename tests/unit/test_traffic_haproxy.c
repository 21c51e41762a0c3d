/* The HAProxy traffic provider against Debian's real haproxy on loopback (tests/lib/haproxy_test):
 * read, describe, apply 70/30 and 0/100 over the unix and the TCP admin socket, each confirmed by
 * `show servers state` sent independently (python3); an admin socket that vanishes between the
 * two commands and a haproxy killed after taking the second one are reported as they are; in
 * observer mode nothing reaches the socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../lib/haproxy_test.h"
#include "cutover/traffic_provider.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct haproxy_test H;

static int setup(void **state)
{
    (void)state;
    struct haproxy_test_opts o = {.old_weight = 100, .new_weight = 0};
    return haproxy_test_start(&o, &H);
}

static int teardown(void **state)
{
    (void)state;
    haproxy_test_stop(&H);
    return 0;
}

static void cfg_init(struct traffic_target_cfg *t, const char *address)
{
    memset(t, 0, sizeof *t);
    t->name = "api-lb";
    t->kind = TRAFFIC_HAPROXY;
    t->address = (char *)address;
    t->backend = "api";
    t->old_id = "onprem";
    t->new_id = "eks";
}

static struct traffic_provider *provider(const char *address, bool read_only)
{
    struct traffic_target_cfg t;
    cfg_init(&t, address);
    struct traffic_provider_env env = {.read_only = read_only, .timeout_ms = 3000};
    struct traffic_provider *p = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_provider_new(&t, &env, &p, &err) < 0)
        fail_msg("traffic_provider_new: %s", err.msg);
    return p;
}

/* Puts both weights back with python, not through the provider. */
static void reset(int old_w, int new_w)
{
    char cmd[64], *ans = NULL;
    snprintf(cmd, sizeof cmd, "set weight api/onprem %d", old_w);
    assert_int_equal(haproxy_test_cmd(&H, cmd, &ans), 0);
    free(ans);
    snprintf(cmd, sizeof cmd, "set weight api/eks %d", new_w);
    assert_int_equal(haproxy_test_cmd(&H, cmd, &ans), 0);
    free(ans);
    assert_int_equal(haproxy_test_weight(&H, "api", "onprem"), old_w);
    assert_int_equal(haproxy_test_weight(&H, "api", "eks"), new_w);
}

static void test_read(void **state)
{
    (void)state;
    reset(100, 0);
    struct traffic_provider *p = provider(H.unix_addr, false);
    struct traffic_reading r;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->read(p, &r, &err), 0);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_int_equal(r.side[TRAFFIC_OLD].weight, 100);
    assert_int_equal(r.side[TRAFFIC_OLD].health, TRAFFIC_HEALTH_UP);
    assert_string_equal(r.side[TRAFFIC_OLD].health_detail, "UP");
    assert_true(r.side[TRAFFIC_NEW].present);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 0);
    assert_true(r.side[TRAFFIC_NEW].observed_rps < 0);
    assert_string_equal(r.detail, "backend api, 2 servers");
    assert_int_equal(traffic_percent_of(r.side[0].weight, r.side[1].weight), 0);
    traffic_reading_fini(&r);
    traffic_provider_free(p);
}

static void test_describe_absolute_weights_in_safe_order(void **state)
{
    (void)state;
    struct traffic_provider *p = provider(H.unix_addr, false);
    char **lines = NULL;
    size_t n = 0;
    struct error err;
    struct traffic_weights w = {{70, 30}};
    assert_int_equal(p->ops->describe(p, &w, &lines, &n, &err), 0);
    assert_int_equal(n, 2);
    char want[300];
    snprintf(want, sizeof want, "haproxy %s: set weight api/onprem 70", H.unix_addr);
    assert_string_equal(lines[0], want);
    snprintf(want, sizeof want, "haproxy %s: set weight api/eks 30", H.unix_addr);
    assert_string_equal(lines[1], want);
    for (size_t i = 0; i < n; i++) {
        assert_null(strchr(lines[i], '%'));
        free(lines[i]);
    }
    free(lines);
    /* Towards the new side: the new weight goes up first, so the backend never sits at 0/0. */
    struct traffic_weights w2 = {{0, 100}};
    assert_int_equal(p->ops->describe(p, &w2, &lines, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_non_null(strstr(lines[0], "set weight api/eks 100"));
    assert_non_null(strstr(lines[1], "set weight api/onprem 0"));
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    struct traffic_weights bad = {{300, 0}};
    error_clear(&err);
    assert_int_equal(p->ops->describe(p, &bad, &lines, &n, &err), -1);
    assert_non_null(strstr(err.msg, "api-lb: weight 300 out of range 0..256"));
    traffic_provider_free(p);
}

static void apply_ok(const char *address, int old_w, int new_w)
{
    struct traffic_provider *p = provider(address, false);
    struct traffic_weights w = {{old_w, new_w}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    if (p->ops->apply(p, &w, &res, &err) != 0)
        fail_msg("apply %d/%d over %s: %s", old_w, new_w, address, err.msg);
    assert_true(res.sent);
    assert_true(res.accepted);
    assert_int_equal(res.applied, 2);
    char want[128];
    snprintf(want, sizeof want, "read back onprem %d, eks %d", old_w, new_w);
    assert_non_null(strstr(res.detail, want));
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
    /* The independent witness. */
    assert_int_equal(haproxy_test_weight(&H, "api", "onprem"), old_w);
    assert_int_equal(haproxy_test_weight(&H, "api", "eks"), new_w);
}

static void test_apply_70_30_then_0_100(void **state)
{
    (void)state;
    reset(100, 0);
    apply_ok(H.unix_addr, 70, 30);
    apply_ok(H.tcp_addr, 0, 100);
    apply_ok(H.tcp_addr, 100, 0);
}

static void test_missing_server_is_reported(void **state)
{
    (void)state;
    reset(100, 0);
    struct traffic_target_cfg t;
    cfg_init(&t, H.unix_addr);
    t.new_id = "eks2";
    struct traffic_provider_env env = {0};
    struct traffic_provider *p = NULL;
    assert_int_equal(traffic_provider_new(&t, &env, &p, NULL), 0);
    struct traffic_reading r;
    struct error err;
    assert_int_equal(p->ops->read(p, &r, &err), 0);
    assert_true(r.side[TRAFFIC_OLD].present);
    assert_false(r.side[TRAFFIC_NEW].present);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, -1);
    traffic_reading_fini(&r);
    /* 90/10: onprem first (accepted), then eks2, which HAProxy does not know. */
    struct traffic_weights w = {{90, 10}};
    struct traffic_apply_result res;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &w, &res, &err), -1);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 1);
    assert_non_null(strstr(err.msg, "No such server."));
    assert_non_null(strstr(res.detail, "earlier command accepted"));
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
    assert_int_equal(haproxy_test_weight(&H, "api", "onprem"), 90);

    /* A backend that does not exist: the read fails with HAProxy's words. */
    cfg_init(&t, H.unix_addr);
    t.backend = "nope";
    assert_int_equal(traffic_provider_new(&t, &env, &p, NULL), 0);
    error_clear(&err);
    assert_int_equal(p->ops->read(p, &r, &err), -1);
    assert_non_null(strstr(err.msg, "api-lb: backend nope: haproxy: Can't find backend."));
    traffic_provider_free(p);
}

static void test_maint_and_drain_are_shown_and_kept(void **state)
{
    (void)state;
    reset(100, 0);
    char *ans = NULL;
    assert_int_equal(haproxy_test_cmd(&H, "set server api/eks state maint", &ans), 0);
    free(ans);
    assert_int_equal(haproxy_test_cmd(&H, "set server api/onprem state drain", &ans), 0);
    free(ans);
    struct traffic_provider *p = provider(H.unix_addr, false);
    struct traffic_reading r;
    struct error err;
    assert_int_equal(p->ops->read(p, &r, &err), 0);
    assert_string_equal(r.side[TRAFFIC_NEW].health_detail, "MAINT");
    assert_int_equal(r.side[TRAFFIC_NEW].health, TRAFFIC_HEALTH_DOWN);
    assert_string_equal(r.side[TRAFFIC_OLD].health_detail, "DRAIN");
    assert_int_equal(r.side[TRAFFIC_OLD].health, TRAFFIC_HEALTH_DEGRADED);
    traffic_reading_fini(&r);
    /* The weights are written; maintenance is not lifted behind the SRE's back. */
    struct traffic_weights w = {{50, 50}};
    struct traffic_apply_result res;
    assert_int_equal(p->ops->apply(p, &w, &res, &err), 0);
    traffic_apply_result_fini(&res);
    assert_int_equal(p->ops->read(p, &r, &err), 0);
    assert_int_equal(r.side[TRAFFIC_NEW].weight, 50);
    assert_string_equal(r.side[TRAFFIC_NEW].health_detail, "MAINT");
    traffic_reading_fini(&r);
    traffic_provider_free(p);
    assert_int_equal(haproxy_test_cmd(&H, "set server api/eks state ready", &ans), 0);
    free(ans);
    assert_int_equal(haproxy_test_cmd(&H, "set server api/onprem state ready", &ans), 0);
    free(ans);
}

static void test_bad_config_is_refused(void **state)
{
    (void)state;
    struct traffic_target_cfg t;
    struct traffic_provider *p = NULL;
    struct error err;
    cfg_init(&t, H.unix_addr);
    t.backend = "api;shutdown sessions server api/eks";
    error_clear(&err);
    assert_int_equal(traffic_provider_new(&t, NULL, &p, &err), -1);
    assert_non_null(strstr(err.msg, "backend missing or not a valid HAProxy name"));
    cfg_init(&t, "http://127.0.0.1:1");
    error_clear(&err);
    assert_int_equal(traffic_provider_new(&t, NULL, &p, &err), -1);
    assert_non_null(strstr(err.msg, "bad address"));
    assert_null(p);
}

/* ---- a relay in front of the admin socket that fails on the second command ----------------- */

enum relay_mode {
    RELAY_VANISH,   /* after relaying the first command: the socket file goes away */
    RELAY_KILL_HAP, /* takes the second command, then haproxy is killed and nothing answers */
};

struct relay {
    enum relay_mode mode;
    char path[100];
    int lfd;
    atomic_int conns;
    pthread_t thread;
};

static void relay_one(int cfd, struct relay *r, int nth)
{
    char cmd[512];
    size_t len = 0;
    while (len < sizeof cmd - 1) {
        ssize_t n = recv(cfd, cmd + len, sizeof cmd - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (cmd[len - 1] == '\n')
            break;
    }
    cmd[len] = '\0';
    if (nth == 2 && r->mode == RELAY_KILL_HAP) {
        haproxy_test_kill(&H);
        return;
    }
    if (len > 0)
        cmd[len - 1] = '\0';
    char *ans = NULL;
    if (haproxy_test_cmd(&H, cmd, &ans) == 0) {
        if (nth == 1 && r->mode == RELAY_VANISH) {
            /* Gone before the client learns the first answer: its next connect finds nothing. */
            close(r->lfd);
            r->lfd = -1;
            unlink(r->path);
        }
        ssize_t w = send(cfd, ans, strlen(ans), MSG_NOSIGNAL);
        (void)w;
        free(ans);
    }
}

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    for (int nth = 1; nth <= 2; nth++) {
        if (r->lfd < 0)
            break;
        int cfd = accept(r->lfd, NULL, NULL);
        if (cfd < 0)
            break;
        atomic_fetch_add(&r->conns, 1);
        relay_one(cfd, r, nth);
        close(cfd);
    }
    return NULL;
}

static void relay_start(struct relay *r, enum relay_mode mode)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    snprintf(r->path, sizeof r->path, "%.80s/relay.sock", H.dir);
    r->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    memcpy(sun.sun_path, r->path, strlen(r->path) + 1);
    unlink(r->path);
    assert_int_equal(bind(r->lfd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(r->lfd, 8), 0);
    assert_int_equal(pthread_create(&r->thread, NULL, relay_main, r), 0);
}

static void relay_stop(struct relay *r)
{
    /* Every test makes the connections the relay waits for, so it has ended on its own. */
    pthread_join(r->thread, NULL);
    if (r->lfd >= 0)
        close(r->lfd);
    unlink(r->path);
}

static void test_socket_vanishes_between_commands(void **state)
{
    (void)state;
    reset(100, 0);
    struct relay r;
    relay_start(&r, RELAY_VANISH);
    char addr[110];
    snprintf(addr, sizeof addr, "unix:%s", r.path);
    struct traffic_provider *p = provider(addr, false);
    struct traffic_weights w = {{90, 10}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &w, &res, &err), -1);
    relay_stop(&r);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 1); /* onprem 90 was accepted, eks 10 never left */
    assert_non_null(strstr(res.detail, "not sent"));
    assert_non_null(strstr(res.detail, "set weight api/eks 10"));
    traffic_apply_result_fini(&res);
    /* Reading through the vanished socket fails: no invented reading. */
    struct traffic_reading rd;
    error_clear(&err);
    assert_int_equal(p->ops->read(p, &rd, &err), -1);
    assert_non_null(strstr(err.msg, "connect"));
    traffic_provider_free(p);
    /* What is live: 90/0, as HAProxy itself says, and as the provider reads it directly. */
    assert_int_equal(haproxy_test_weight(&H, "api", "onprem"), 90);
    assert_int_equal(haproxy_test_weight(&H, "api", "eks"), 0);
    p = provider(H.unix_addr, false);
    assert_int_equal(p->ops->read(p, &rd, &err), 0);
    assert_int_equal(rd.side[TRAFFIC_OLD].weight, 90);
    assert_int_equal(rd.side[TRAFFIC_NEW].weight, 0);
    traffic_reading_fini(&rd);
    traffic_provider_free(p);
}

static void test_read_only_sends_nothing(void **state)
{
    (void)state;
    reset(100, 0);
    struct relay r;
    relay_start(&r, RELAY_VANISH);
    char addr[110];
    snprintf(addr, sizeof addr, "unix:%s", r.path);
    struct traffic_provider *p = provider(addr, true);
    struct traffic_weights w = {{0, 100}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &w, &res, &err), -1);
    assert_false(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 0);
    assert_non_null(strstr(err.msg, "observer mode"));
    traffic_apply_result_fini(&res);
    assert_int_equal(atomic_load(&r.conns), 0);
    /* Reading is allowed and goes through. */
    struct traffic_reading rd;
    assert_int_equal(p->ops->read(p, &rd, &err), 0);
    assert_int_equal(rd.side[TRAFFIC_OLD].weight, 100);
    traffic_reading_fini(&rd);
    assert_int_equal(atomic_load(&r.conns), 1);
    traffic_provider_free(p);
    relay_stop(&r);
    assert_int_equal(haproxy_test_weight(&H, "api", "eks"), 0);
}

/* Last: haproxy does not survive it. */
static void test_haproxy_killed_mid_apply(void **state)
{
    (void)state;
    reset(100, 0);
    struct relay r;
    relay_start(&r, RELAY_KILL_HAP);
    char addr[110];
    snprintf(addr, sizeof addr, "unix:%s", r.path);
    struct traffic_provider *p = provider(addr, false);
    struct traffic_weights w = {{70, 30}};
    struct traffic_apply_result res;
    struct error err;
    error_clear(&err);
    assert_int_equal(p->ops->apply(p, &w, &res, &err), -1);
    relay_stop(&r);
    assert_true(res.sent);
    assert_false(res.accepted);
    assert_int_equal(res.applied, 1);
    assert_non_null(strstr(res.detail, "outcome unknown (not resent)"));
    assert_non_null(strstr(res.detail, "set weight api/eks 30"));
    traffic_apply_result_fini(&res);
    traffic_provider_free(p);
    /* haproxy is gone: reading its own socket fails, nothing is made up. */
    p = provider(H.unix_addr, false);
    struct traffic_reading rd;
    error_clear(&err);
    assert_int_equal(p->ops->read(p, &rd, &err), -1);
    assert_non_null(strstr(err.msg, "api-lb: haproxy unix:"));
    traffic_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_describe_absolute_weights_in_safe_order),
        cmocka_unit_test(test_apply_70_30_then_0_100),
        cmocka_unit_test(test_missing_server_is_reported),
        cmocka_unit_test(test_maint_and_drain_are_shown_and_kept),
        cmocka_unit_test(test_bad_config_is_refused),
        cmocka_unit_test(test_socket_vanishes_between_commands),
        cmocka_unit_test(test_read_only_sends_nothing),
        cmocka_unit_test(test_haproxy_killed_mid_apply),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
