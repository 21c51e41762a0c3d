#include "haproxy_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sin.sin_port);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Connects to 127.0.0.1:port with a 2 s receive timeout; fd or -1. */
static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The HTTP status of GET path on 127.0.0.1:port (HTTP/1.0), or -1. */
static int http_status(int port, const char *path)
{
    int fd = tcp_connect(port);
    if (fd < 0)
        return -1;
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return -1;
    }
    char buf[4096];
    size_t len = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof(buf) - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    int status = -1;
    if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1)
        return -1;
    return status;
}

int haproxy_test_http_get(int port, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++)
        if (http_status(port, "/") == 200)
            ok++;
    return ok;
}

static pid_t spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (nul >= 0)
            dup2(nul, 0);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void stop_pid(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    double deadline = now_s() + 2.0;
    int st;
    while (waitpid(*pid, &st, WNOHANG) == 0) {
        if (now_s() > deadline) {
            kill(*pid, SIGKILL);
            waitpid(*pid, &st, 0);
            break;
        }
        sleep_ms(20);
    }
    *pid = 0;
}

static void rm_dir(const char *dir)
{
    if (dir[0] == '\0')
        return;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "haproxy_test: could not remove %s\n", dir);
}

static void dump_log(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[512];
    fprintf(stderr, "--- %s ---\n", path);
    while (fgets(line, sizeof(line), f))
        fputs(line, stderr);
    fclose(f);
}

static bool unix_answers(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t plen = strlen(path);
    if (plen >= sizeof(sun.sun_path)) {
        close(fd);
        return false;
    }
    memcpy(sun.sun_path, path, plen + 1);
    bool ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
    if (ok) {
        /* A harmless command, so that haproxy does not log an aborted session. */
        ok = send(fd, "show info\n", 10, MSG_NOSIGNAL) == 10;
        char buf[256];
        struct timeval tv = {.tv_sec = 2};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        while (ok && recv(fd, buf, sizeof(buf), 0) > 0)
            ;
    }
    close(fd);
    return ok;
}

int haproxy_test_start(const struct haproxy_test_opts *opts, struct haproxy_test *h)
{
    memset(h, 0, sizeof(*h));
    const char *be = opts->backend ? opts->backend : "api";
    const char *olds = opts->old_server ? opts->old_server : "onprem";
    const char *news = opts->new_server ? opts->new_server : "eks";
    snprintf(h->dir, sizeof(h->dir), "/tmp/cutover-haproxy-XXXXXX");
    if (mkdtemp(h->dir) == NULL) {
        perror("haproxy_test: mkdtemp");
        h->dir[0] = '\0';
        return -1;
    }
    snprintf(h->config, sizeof(h->config), "%s/haproxy.cfg", h->dir);
    snprintf(h->sock_path, sizeof(h->sock_path), "%s/admin.sock", h->dir);
    snprintf(h->unix_addr, sizeof(h->unix_addr), "unix:%s", h->sock_path);
    h->admin_port = test_free_port();
    h->frontend_port = test_free_port();
    h->metrics_port = test_free_port();
    h->server_port[0] = test_free_port();
    h->server_port[1] = test_free_port();
    snprintf(h->tcp_addr, sizeof(h->tcp_addr), "tcp:127.0.0.1:%d", h->admin_port);

    FILE *f = fopen(h->config, "w");
    if (f == NULL) {
        perror("haproxy_test: config");
        return -1;
    }
    fprintf(f,
            "global\n"
            "    stats socket %s level admin\n"
            "    stats socket ipv4@127.0.0.1:%d level admin\n"
            "defaults\n"
            "    mode http\n"
            "    timeout connect 1s\n"
            "    timeout client 10s\n"
            "    timeout server 10s\n"
            "frontend fe\n"
            "    bind 127.0.0.1:%d\n"
            "    default_backend %s\n"
            "frontend metrics\n"
            "    bind 127.0.0.1:%d\n"
            "    http-request use-service prometheus-exporter if { path /metrics }\n"
            "    http-request return status 404\n"
            "frontend app_old\n"
            "    bind 127.0.0.1:%d\n"
            "    http-request return status 200 content-type text/plain string old\n"
            "frontend app_new\n"
            "    bind 127.0.0.1:%d\n"
            "    http-request return status 200 content-type text/plain string new\n"
            "backend %s\n"
            "    balance roundrobin\n"
            "    server %s 127.0.0.1:%d weight %d\n"
            "    server %s 127.0.0.1:%d weight %d\n",
            h->sock_path, h->admin_port, h->frontend_port, be, h->metrics_port, h->server_port[0],
            h->server_port[1], be, olds, h->server_port[0], opts->old_weight, news,
            h->server_port[1], opts->new_weight);
    fclose(f);

    char log[256];
    snprintf(log, sizeof(log), "%s/haproxy.log", h->dir);
    char *argv[] = {"/usr/sbin/haproxy", "-db", "-f", h->config, NULL};
    h->pid = spawn(argv, log);
    if (h->pid < 0) {
        perror("haproxy_test: fork");
        h->pid = 0;
        return -1;
    }
    double deadline = now_s() + 15.0;
    for (;;) {
        int st;
        if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
            h->pid = 0;
            fprintf(stderr, "haproxy_test: haproxy exited before it was ready\n");
            dump_log(h->dir, "haproxy.log");
            return -1;
        }
        int fd = tcp_connect(h->admin_port);
        if (fd >= 0) {
            close(fd);
            if (unix_answers(h->sock_path))
                return 0;
        }
        if (now_s() > deadline) {
            fprintf(stderr, "haproxy_test: haproxy not ready within 15 s\n");
            dump_log(h->dir, "haproxy.log");
            return -1;
        }
        sleep_ms(50);
    }
}

void haproxy_test_kill(struct haproxy_test *h)
{
    if (h->pid <= 0)
        return;
    kill(h->pid, SIGKILL);
    int st;
    waitpid(h->pid, &st, 0);
    h->pid = 0;
}

void haproxy_test_stop(struct haproxy_test *h)
{
    stop_pid(&h->pid);
    rm_dir(h->dir);
    h->dir[0] = '\0';
}

int haproxy_test_cmd(const struct haproxy_test *h, const char *cmd, char **answer)
{
    *answer = NULL;
    char script[2048];
    /* The command goes through the environment, never through the shell. */
    if (setenv("HAPROXY_TEST_CMD", cmd, 1) < 0)
        return -1;
    snprintf(script, sizeof(script),
             "/usr/bin/python3 -c '"
             "import os,socket,sys\n"
             "s=socket.socket(socket.AF_UNIX)\n"
             "s.settimeout(5)\n"
             "s.connect(sys.argv[1])\n"
             "s.sendall((os.environ[\"HAPROXY_TEST_CMD\"]+\"\\n\").encode())\n"
             "b=b\"\"\n"
             "while True:\n"
             "    d=s.recv(65536)\n"
             "    if not d: break\n"
             "    b+=d\n"
             "sys.stdout.buffer.write(b)\n"
             "' '%s'",
             h->sock_path);
    FILE *p = popen(script, "r");
    if (p == NULL)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        pclose(p);
        return -1;
    }
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                pclose(p);
                return -1;
            }
            buf = nb;
        }
    }
    buf[len] = '\0';
    int st = pclose(p);
    unsetenv("HAPROXY_TEST_CMD");
    if (st != 0) {
        free(buf);
        return -1;
    }
    *answer = buf;
    return 0;
}

int haproxy_test_weight(const struct haproxy_test *h, const char *be, const char *srv)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "show servers state %s", be);
    char *ans = NULL;
    if (haproxy_test_cmd(h, cmd, &ans) < 0)
        return -1;
    /* Column positions from the header, as an SRE reading the table would. */
    int col_name = -1, col_w = -1, weight = -1;
    char *save = NULL;
    for (char *line = strtok_r(ans, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fsave = NULL;
        int i = 0;
        if (line[0] == '#') {
            for (char *t = strtok_r(line + 1, " ", &fsave); t;
                 t = strtok_r(NULL, " ", &fsave), i++) {
                if (strcmp(t, "srv_name") == 0)
                    col_name = i;
                if (strcmp(t, "srv_uweight") == 0)
                    col_w = i;
            }
            continue;
        }
        const char *name = NULL, *w = NULL;
        for (char *t = strtok_r(line, " ", &fsave); t; t = strtok_r(NULL, " ", &fsave), i++) {
            if (i == col_name)
                name = t;
            if (i == col_w)
                w = t;
        }
        if (name && w && strcmp(name, srv) == 0)
            weight = atoi(w);
    }
    free(ans);
    return weight;
}

int prom_test_start(const char *target, struct prom_test *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->dir, sizeof(p->dir), "/tmp/cutover-prom-XXXXXX");
    if (mkdtemp(p->dir) == NULL) {
        perror("prom_test: mkdtemp");
        p->dir[0] = '\0';
        return -1;
    }
    p->port = test_free_port();
    snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", p->port);
    char cfg[256], data[256], listen[64], log[256], cfgarg[300], dataarg[300], listenarg[100];
    snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", p->dir);
    snprintf(data, sizeof(data), "%s/data", p->dir);
    snprintf(log, sizeof(log), "%s/prometheus.log", p->dir);
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", p->port);
    FILE *f = fopen(cfg, "w");
    if (f == NULL) {
        perror("prom_test: config");
        return -1;
    }
    fprintf(f,
            "global:\n"
            "  scrape_interval: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: haproxy\n"
            "    scrape_interval: 1s\n"
            "    static_configs:\n"
            "      - targets: ['%s']\n",
            target);
    fclose(f);
    snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", cfg);
    snprintf(dataarg, sizeof(dataarg), "--storage.tsdb.path=%s", data);
    snprintf(listenarg, sizeof(listenarg), "--web.listen-address=%s", listen);
    char *argv[] = {"/usr/bin/prometheus", cfgarg, dataarg, listenarg, NULL};
    p->pid = spawn(argv, log);
    if (p->pid < 0) {
        perror("prom_test: fork");
        p->pid = 0;
        return -1;
    }
    double deadline = now_s() + 30.0;
    for (;;) {
        int st;
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->pid = 0;
            fprintf(stderr, "prom_test: prometheus exited before it was ready\n");
            dump_log(p->dir, "prometheus.log");
            return -1;
        }
        if (http_status(p->port, "/-/ready") == 200)
            return 0;
        if (now_s() > deadline) {
            fprintf(stderr, "prom_test: prometheus not ready within 30 s\n");
            dump_log(p->dir, "prometheus.log");
            return -1;
        }
        sleep_ms(100);
    }
}

void prom_test_stop(struct prom_test *p)
{
    stop_pid(&p->pid);
    rm_dir(p->dir);
    p->dir[0] = '\0';
}
