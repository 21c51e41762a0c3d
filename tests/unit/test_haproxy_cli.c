/* HAProxy's runtime API: the `show servers state` parser on answers captured from Debian's
 * haproxy 2.6 (tests/fixtures/haproxy), observer mode refusing before sending, and the client
 * against a real haproxy on loopback (unix and TCP admin sockets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../lib/haproxy_test.h"
#include "../lib/testfile.h"
#include "cutover/haproxy_cli.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void parse_fixture(const char *name, struct haproxy_servers *out)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "haproxy/%s", name);
    size_t len = 0;
    char *text = test_fixture_read(rel, &len);
    struct error err;
    error_clear(&err);
    int rc = haproxy_servers_parse(text, len, out, &err);
    if (rc != 0)
        fail_msg("%s: %s", name, err.msg);
    free(text);
}

static void test_parse_all_backends(void **state)
{
    (void)state;
    struct haproxy_servers s;
    parse_fixture("servers-state.all.txt", &s);
    assert_int_equal(s.n, 5);
    const struct haproxy_server_state *w = haproxy_servers_find(&s, "web", "onprem");
    assert_non_null(w);
    assert_int_equal(w->uweight, 70);
    assert_int_equal(w->iweight, 70);
    assert_int_equal(w->port, 19993);
    assert_string_equal(w->srv_addr, "127.0.0.1");
    assert_string_equal(haproxy_server_status(w), "UP");
    const struct haproxy_server_state *e = haproxy_servers_find(&s, "web", "eks");
    assert_non_null(e);
    assert_int_equal(e->uweight, 30);
    /* Same server name in another backend is another server. */
    const struct haproxy_server_state *a = haproxy_servers_find(&s, "api", "onprem");
    assert_non_null(a);
    assert_int_equal(a->uweight, 100);
    assert_null(haproxy_servers_find(&s, "web", "spare"));
    haproxy_servers_fini(&s);
    assert_int_equal(s.n, 0);
}

static void test_parse_states(void **state)
{
    (void)state;
    struct haproxy_servers s;
    /* onprem: health check failing (op 0); eks: "disabled" in the config (admin 5 = FMAINT |
     * CMAINT); spare: "set server ... state drain" (admin 8). */
    parse_fixture("servers-state.api-down-maint-drain.txt", &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(haproxy_server_status(haproxy_servers_find(&s, "api", "onprem")), "DOWN");
    assert_string_equal(haproxy_server_status(haproxy_servers_find(&s, "api", "eks")), "MAINT");
    assert_string_equal(haproxy_server_status(haproxy_servers_find(&s, "api", "spare")), "DRAIN");
    haproxy_servers_fini(&s);
    /* After "set server api/eks state ready" HAProxy keeps admin flag 4 (CMAINT), but the
     * server runs: it must read as UP, as HAProxy's own SRV_ADMF_MAINT mask says. */
    parse_fixture("servers-state.api-ready.txt", &s);
    const struct haproxy_server_state *e = haproxy_servers_find(&s, "api", "eks");
    assert_int_equal(e->admin_state, 4);
    assert_string_equal(haproxy_server_status(e), "UP");
    haproxy_servers_fini(&s);
}

static void test_parse_empty_backend(void **state)
{
    (void)state;
    struct haproxy_servers s;
    parse_fixture("servers-state.empty-backend.txt", &s);
    assert_int_equal(s.n, 0);
    haproxy_servers_fini(&s);
}

static void expect_parse_error(const char *text, const char *want)
{
    struct haproxy_servers s;
    struct error err;
    error_clear(&err);
    assert_int_equal(haproxy_servers_parse(text, strlen(text), &s, &err), -1);
    if (strstr(err.msg, want) == NULL)
        fail_msg("error '%s' does not say '%s'", err.msg, want);
    assert_int_equal(s.n, 0);
    assert_null(s.v);
}

static void test_parse_errors(void **state)
{
    (void)state;
    size_t len;
    char *t = test_fixture_read("haproxy/servers-state.no-such-backend.txt", &len);
    expect_parse_error(t, "Can't find backend.");
    free(t);
    t = test_fixture_read("haproxy/unknown-command.txt", &len);
    expect_parse_error(t, "Unknown command");
    free(t);
    expect_parse_error("", "empty answer");
    expect_parse_error("2\n# be_id be_name\n", "version 2 is not supported");
    expect_parse_error("1\n", "no header");
    expect_parse_error("1\n# be_id be_name srv_id srv_name srv_op_state srv_admin_state\n",
                       "no srv_uweight column");
    expect_parse_error("1\n3 api 1 x\n", "before the header");
    /* Escape sequences in an error answer are made harmless. */
    expect_parse_error("\x1b[2Jbad\n", "\\x1b[2Jbad");
}

static void test_parse_maps_columns_by_header_name(void **state)
{
    (void)state;
    /* A future HAProxy that reorders and adds columns. */
    const char *text = "1\n"
                       "# srv_uweight new_col srv_name be_name srv_admin_state srv_op_state\n"
                       "42 x eks api 0 2\n"
                       "7 y onprem api 1 2\n";
    struct haproxy_servers s;
    struct error err;
    assert_int_equal(haproxy_servers_parse(text, strlen(text), &s, &err), 0);
    assert_int_equal(s.n, 2);
    const struct haproxy_server_state *e = haproxy_servers_find(&s, "api", "eks");
    assert_int_equal(e->uweight, 42);
    assert_int_equal(e->iweight, -1); /* not given: unknown, not 0 */
    assert_null(e->srv_addr);
    assert_string_equal(haproxy_server_status(haproxy_servers_find(&s, "api", "onprem")), "MAINT");
    haproxy_servers_fini(&s);
}

static void test_command_and_name_rules(void **state)
{
    (void)state;
    assert_true(haproxy_cli_command_reads("show servers state api"));
    assert_true(haproxy_cli_command_reads("get weight api/eks"));
    assert_false(haproxy_cli_command_reads("set weight api/eks 10"));
    assert_false(haproxy_cli_command_reads("show info; set weight api/eks 10"));
    assert_false(haproxy_cli_command_reads("show info\nset weight api/eks 10"));
    assert_false(haproxy_cli_command_reads("shutdown sessions server api/eks"));
    assert_false(haproxy_cli_command_reads("showx"));
    assert_true(haproxy_cli_name_valid("api-v2_backend.eu:1"));
    assert_false(haproxy_cli_name_valid(""));
    assert_false(haproxy_cli_name_valid("api;shutdown"));
    assert_false(haproxy_cli_name_valid("api eks"));
    assert_false(haproxy_cli_name_valid("api/eks"));
}

static void test_bad_addresses(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "/run/haproxy.sock",
                         "unix:",
                         "tcp:127.0.0.1",
                         "tcp:127.0.0.1:0",
                         "tcp::9999",
                         "tcp:127.0.0.1:99999",
                         "tcp:127.0.0.1:9x",
                         "tcp:[::1]9999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct haproxy_cli *c = (struct haproxy_cli *)1;
        struct error err;
        error_clear(&err);
        assert_int_equal(haproxy_cli_new(bad[i], 0, false, &c, &err), -1);
        assert_null(c);
        assert_true(err.msg[0] != '\0');
    }
    struct haproxy_cli *c = NULL;
    assert_int_equal(haproxy_cli_new("tcp:[::1]:9999", 0, false, &c, NULL), 0);
    assert_string_equal(haproxy_cli_address(c), "tcp:[::1]:9999");
    haproxy_cli_free(c);
    haproxy_cli_free(NULL);
}

/* A unix socket that records whether anyone connected: observer mode must not even connect. */
static void test_read_only_refuses_before_sending(void **state)
{
    (void)state;
    char dir[] = "/tmp/cutover-hacli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[96], addr[110];
    snprintf(path, sizeof(path), "%s/s.sock", dir);
    snprintf(addr, sizeof(addr), "unix:%s", path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(lfd, 8), 0);

    struct haproxy_cli *c = NULL;
    assert_int_equal(haproxy_cli_new(addr, 1000, true, &c, NULL), 0);
    const char *mutating[] = {"set weight api/eks 100", "set server api/eks state maint",
                              "show info; set weight api/eks 0", "disable server api/eks",
                              "shutdown sessions server api/eks"};
    for (size_t i = 0; i < sizeof(mutating) / sizeof(mutating[0]); i++) {
        struct error err;
        error_clear(&err);
        assert_int_equal(haproxy_cli_exec(c, mutating[i], &err), HAPROXY_CLI_EREFUSED);
        assert_non_null(strstr(err.msg, "observer mode"));
    }
    struct haproxy_cli_stats st;
    haproxy_cli_get_stats(c, &st);
    assert_int_equal(st.refused, 5);
    assert_int_equal(st.sent, 0);
    /* Nobody connected. */
    assert_int_equal(accept(lfd, NULL, NULL), -1);
    haproxy_cli_free(c);
    close(lfd);
    unlink(path);
    rmdir(dir);
}

static void test_unreachable_socket(void **state)
{
    (void)state;
    struct haproxy_cli *c = NULL;
    assert_int_equal(haproxy_cli_new("unix:/nonexistent/cutover/admin.sock", 500, false, &c, NULL),
                     0);
    char *ans = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(haproxy_cli_run(c, "show servers state", &ans, &err), HAPROXY_CLI_ECONNECT);
    assert_null(ans);
    assert_non_null(strstr(err.msg, "unix:/nonexistent/cutover/admin.sock"));
    struct haproxy_cli_stats st;
    haproxy_cli_get_stats(c, &st);
    assert_int_equal(st.sent, 0);
    haproxy_cli_free(c);
}

/* A peer that accepts and never answers: the timeout holds. */
static void test_timeout(void **state)
{
    (void)state;
    int port = test_free_port();
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(0x7f000001)};
    assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(lfd, 8), 0);
    char addr[64];
    snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d", port);
    struct haproxy_cli *c = NULL;
    assert_int_equal(haproxy_cli_new(addr, 300, false, &c, NULL), 0);
    struct error err;
    error_clear(&err);
    char *ans = NULL;
    assert_int_equal(haproxy_cli_run(c, "show servers state", &ans, &err), HAPROXY_CLI_EIO);
    assert_non_null(strstr(err.msg, "within 300 ms"));
    haproxy_cli_free(c);
    close(lfd);
}

static void test_live_haproxy(void **state)
{
    (void)state;
    struct haproxy_test h;
    struct haproxy_test_opts o = {.old_weight = 100, .new_weight = 0};
    assert_int_equal(haproxy_test_start(&o, &h), 0);
    const char *addrs[] = {h.unix_addr, h.tcp_addr};
    for (int i = 0; i < 2; i++) {
        struct haproxy_cli *c = NULL;
        struct error err;
        error_clear(&err);
        assert_int_equal(haproxy_cli_new(addrs[i], 2000, false, &c, &err), 0);
        char *ans = NULL;
        assert_int_equal(haproxy_cli_run(c, "show servers state api", &ans, &err), 0);
        struct haproxy_servers s;
        assert_int_equal(haproxy_servers_parse(ans, strlen(ans), &s, &err), 0);
        free(ans);
        assert_int_equal(s.n, 2);
        assert_int_equal(haproxy_servers_find(&s, "api", "onprem")->uweight, 100);
        haproxy_servers_fini(&s);

        int w = 40 + i;
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "set weight api/eks %d", w);
        assert_int_equal(haproxy_cli_exec(c, cmd, &err), 0);
        assert_int_equal(haproxy_test_weight(&h, "api", "eks"), w);

        error_clear(&err);
        assert_int_equal(haproxy_cli_exec(c, "set weight api/nope 1", &err), HAPROXY_CLI_EANSWER);
        assert_non_null(strstr(err.msg, "No such server."));
        error_clear(&err);
        assert_int_equal(haproxy_cli_exec(c, "set weight api/eks 300", &err), HAPROXY_CLI_EANSWER);
        assert_non_null(strstr(err.msg, "between 0 and 256"));
        error_clear(&err);
        assert_int_equal(haproxy_cli_run(c, "show servers state nope", &ans, &err), 0);
        assert_int_equal(haproxy_servers_parse(ans, strlen(ans), &s, &err), -1);
        assert_non_null(strstr(err.msg, "Can't find backend."));
        free(ans);
        assert_int_equal(
            haproxy_cli_run(c, "set weight api/eks 1\nset weight api/onprem 0", &ans, &err),
            HAPROXY_CLI_EINVAL);
        assert_int_equal(haproxy_test_weight(&h, "api", "onprem"), 100);
        haproxy_cli_free(c);
    }
    /* read_only against the real thing: show works, set is refused and the weight stays. */
    struct haproxy_cli *ro = NULL;
    assert_int_equal(haproxy_cli_new(h.unix_addr, 2000, true, &ro, NULL), 0);
    char *ans = NULL;
    assert_int_equal(haproxy_cli_run(ro, "get weight api/eks", &ans, NULL), 0);
    assert_non_null(strstr(ans, "41 (initial 0)"));
    free(ans);
    assert_int_equal(haproxy_cli_exec(ro, "set weight api/eks 0", NULL), HAPROXY_CLI_EREFUSED);
    assert_int_equal(haproxy_test_weight(&h, "api", "eks"), 41);
    haproxy_cli_free(ro);
    haproxy_test_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_all_backends),
        cmocka_unit_test(test_parse_states),
        cmocka_unit_test(test_parse_empty_backend),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_maps_columns_by_header_name),
        cmocka_unit_test(test_command_and_name_rules),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_read_only_refuses_before_sending),
        cmocka_unit_test(test_unreachable_socket),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_live_haproxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
