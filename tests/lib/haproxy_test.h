#ifndef CUTOVER_TESTS_HAPROXY_TEST_H
#define CUTOVER_TESTS_HAPROXY_TEST_H

/* Test helpers: Debian's real /usr/sbin/haproxy and /usr/bin/prometheus on loopback, each with
 * its own temp dir, config and free ports, for the traffic provider tests.
 *
 *   struct haproxy_test h;
 *   struct haproxy_test_opts o = {.backend = "api", .old_server = "onprem",
 *                                 .new_server = "eks", .old_weight = 100, .new_weight = 0};
 *   assert_int_equal(haproxy_test_start(&o, &h), 0);
 *   ... h.unix_addr ("unix:/tmp/cutover-haproxy-XXXXXX/admin.sock") and h.tcp_addr
 *       ("tcp:127.0.0.1:PORT") are admin sockets (level admin); h.frontend_port takes HTTP and
 *       balances over the two servers (each a frontend of the same haproxy answering 200 "old"
 *       or "new"); h.metrics_port serves the Prometheus exporter at /metrics ...
 *   char *ans; haproxy_test_cmd(&h, "show servers state api", &ans);  (through python3, not
 *       through cutover's own socket code: an independent witness)
 *   haproxy_test_http_get(h.frontend_port, n) sends n requests through the frontend.
 *   haproxy_test_stop(&h);     (idempotent; kill -9 if it does not go)
 *
 *   struct prom_test p;
 *   assert_int_equal(prom_test_start("127.0.0.1:METRICS_PORT", &p), 0);  scrapes every 1 s
 *   ... p.url ("http://127.0.0.1:PORT") ...
 *   prom_test_stop(&p);
 *
 * Both return 0 once the process answers (haproxy: both admin sockets; prometheus: /-/ready),
 * or -1 after printing why to stderr. The shell equivalents are haproxy_start and prom_start in
 * tests/lib/common.sh. */

#include <stdbool.h>
#include <sys/types.h>

struct haproxy_test_opts {
    const char *backend;    /* NULL: "api" */
    const char *old_server; /* NULL: "onprem" */
    const char *new_server; /* NULL: "eks" */
    int old_weight;
    int new_weight;
};

struct haproxy_test {
    pid_t pid; /* 0 when not running */
    char dir[128];
    char config[192];
    char sock_path[192];
    char unix_addr[200]; /* "unix:" + sock_path */
    char tcp_addr[64];   /* "tcp:127.0.0.1:PORT" */
    int admin_port;
    int frontend_port;
    int metrics_port;
    int server_port[2]; /* [0] old, [1] new */
};

/* Writes a config and starts haproxy in the foreground (-db) as a child; waits until ready. */
int haproxy_test_start(const struct haproxy_test_opts *opts, struct haproxy_test *h);
/* Kills haproxy (SIGTERM, then SIGKILL after 2 s) and removes its dir. Safe to call twice. */
void haproxy_test_stop(struct haproxy_test *h);
/* Kills haproxy with SIGKILL at once (a socket that disappears); keeps the dir for _stop. */
void haproxy_test_kill(struct haproxy_test *h);
/* Sends one command over the unix admin socket using python3; *answer is a new string. */
int haproxy_test_cmd(const struct haproxy_test *h, const char *cmd, char **answer);
/* The srv_uweight of server srv in backend be as `show servers state` (via haproxy_test_cmd)
 * gives it, or -1. */
int haproxy_test_weight(const struct haproxy_test *h, const char *be, const char *srv);
/* Sends n HTTP GET / requests to 127.0.0.1:port, one connection each; returns how many got 200. */
int haproxy_test_http_get(int port, int n);

struct prom_test {
    pid_t pid;
    char dir[128];
    char url[64]; /* "http://127.0.0.1:PORT" */
    int port;
};

/* Starts prometheus scraping target ("host:port", path /metrics) every second; waits for
 * /-/ready (up to 30 s). */
int prom_test_start(const char *target, struct prom_test *p);
/* Stops prometheus and removes its dir. Safe to call twice. */
void prom_test_stop(struct prom_test *p);

/* A loopback TCP port that was free a moment ago. */
int test_free_port(void);

#endif
