/* `cutover demo`: the simulator's demo pair on loopback, the dashboard on it, cleanup on exit. */
#include "cutover/cli.h"

#include "cutover/aws_http.h"
#include "cutover/cmd_dashboard.h"
#include "cutover/log.h"
#include "cutover/traffic.h"
#include "cutover/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_READY_TIMEOUT_MS 30000

struct demo {
    char dir[PATH_MAX - 64];
    char kubeconfig[PATH_MAX];
    pid_t pid;
    int out_fd; /* the simulator's stdout */
    char *source, *target;
    /* the simulator's AWS endpoint (ready line "aws"), NULL when it has none */
    char *aws_url, *aws_profile, *aws_region, *aws_zone;
    pid_t haproxy_pid; /* the demo's own haproxy, 0 none */
};

/* cutover-sim next to this executable (or $CUTOVER_SIM). */
static int find_sim(char *buf, size_t len)
{
    const char *env = getenv("CUTOVER_SIM");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return access(buf, X_OK) == 0 ? 0 : -1;
    }
    char self[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    snprintf(buf, len, "%s/cutover-sim", self);
    return access(buf, X_OK) == 0 ? 0 : -1;
}

static void remove_dir(const char *dir)
{
    if (dir[0] == '\0')
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Stops the simulator (TERM, then KILL after 3 s), reaps it and removes the temp dir. */
/* Stops a child: TERM, then KILL after 3 s; reaps it. */
static void stop_child(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    int status;
    for (int i = 0; i < 300; i++) {
        pid_t r = waitpid(*pid, &status, WNOHANG);
        if (r == *pid || (r < 0 && errno != EINTR)) {
            *pid = 0;
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(*pid, SIGKILL);
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR)
        ;
    *pid = 0;
}

static void demo_cleanup(struct demo *dm)
{
    stop_child(&dm->haproxy_pid);
    free(dm->aws_url);
    free(dm->aws_profile);
    free(dm->aws_region);
    free(dm->aws_zone);
    dm->aws_url = dm->aws_profile = dm->aws_region = dm->aws_zone = NULL;
    if (dm->pid > 0) {
        kill(dm->pid, SIGTERM);
        int status;
        for (int i = 0; i < 300; i++) {
            pid_t r = waitpid(dm->pid, &status, WNOHANG);
            if (r == dm->pid || (r < 0 && errno != EINTR)) {
                dm->pid = 0;
                break;
            }
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (dm->pid > 0) {
            kill(dm->pid, SIGKILL);
            while (waitpid(dm->pid, &status, 0) < 0 && errno == EINTR)
                ;
            dm->pid = 0;
        }
    }
    if (dm->out_fd >= 0)
        close(dm->out_fd);
    dm->out_fd = -1;
    remove_dir(dm->dir);
    free(dm->source);
    free(dm->target);
    dm->source = dm->target = NULL;
}

/* The string member key of o, or NULL. */
static const char *jstr(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The ready line's "aws" object: the endpoint, and the profile files, which this process then
 * uses (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE) so that no real credentials are read. */
static void read_ready_aws(struct demo *dm, json_object *ready)
{
    json_object *aws = NULL;
    if (!json_object_object_get_ex(ready, "aws", &aws) || jstr(aws, "url") == NULL)
        return;
    dm->aws_url = xstrdup(jstr(aws, "url"));
    dm->aws_profile = jstr(aws, "profile") ? xstrdup(jstr(aws, "profile")) : NULL;
    dm->aws_region = jstr(aws, "region") ? xstrdup(jstr(aws, "region")) : NULL;
    if (jstr(aws, "config_file"))
        setenv("AWS_CONFIG_FILE", jstr(aws, "config_file"), 1);
    if (jstr(aws, "credentials_file"))
        setenv("AWS_SHARED_CREDENTIALS_FILE", jstr(aws, "credentials_file"), 1);
    /* environment credentials would win over the profile: the demo uses the simulator's */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
}

/* Reads the simulator's ready line; returns 0 with source/target set, or -1 (message printed). */
static int read_ready(struct demo *dm)
{
    char line[8192];
    size_t n = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (waited >= DEMO_READY_TIMEOUT_MS) {
            fprintf(stderr,
                    "cutover demo: the simulator did not get ready within %d s (see %s/"
                    "sim.log)\n",
                    DEMO_READY_TIMEOUT_MS / 1000, dm->dir);
            return -1;
        }
        struct pollfd p = {.fd = dm->out_fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(DEMO_READY_TIMEOUT_MS - waited));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t got = read(dm->out_fd, line + n, sizeof line - 1 - n);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0) {
            fprintf(stderr, "cutover demo: the simulator exited before it was ready\n");
            return -1;
        }
        n += (size_t)got;
        line[n] = '\0';
        char *nl = strchr(line, '\n');
        if (nl == NULL && n < sizeof line - 1)
            continue;
        if (nl)
            *nl = '\0';
        break;
    }
    json_object *o = json_tokener_parse(line);
    json_object *src = NULL, *tgt = NULL, *kcfg = NULL;
    if (o == NULL || !json_object_object_get_ex(o, "source", &src) ||
        !json_object_object_get_ex(o, "target", &tgt) ||
        !json_object_is_type(src, json_type_string) ||
        !json_object_is_type(tgt, json_type_string)) {
        fprintf(stderr, "cutover demo: the simulator's ready line is not what was expected\n");
        json_object_put(o);
        return -1;
    }
    dm->source = xstrdup(json_object_get_string(src));
    dm->target = xstrdup(json_object_get_string(tgt));
    if (json_object_object_get_ex(o, "kubeconfig", &kcfg) &&
        json_object_is_type(kcfg, json_type_string))
        snprintf(dm->kubeconfig, sizeof dm->kubeconfig, "%s", json_object_get_string(kcfg));
    read_ready_aws(dm, o);
    json_object_put(o);
    /* kept beside the kubeconfig for tests and scripts (admin and AWS endpoints) */
    char rpath[PATH_MAX + 16];
    snprintf(rpath, sizeof rpath, "%s/ready.json", dm->dir);
    int rfd = open(rpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (rfd >= 0) {
        size_t ll = strlen(line);
        line[ll] = '\n';
        ssize_t w = write(rfd, line, ll + 1);
        line[ll] = '\0';
        (void)w;
        close(rfd);
    }
    return 0;
}

static int demo_start(struct demo *dm, const char *scenario)
{
    char sim[PATH_MAX];
    if (find_sim(sim, sizeof sim) != 0) {
        fprintf(stderr,
                "cutover demo: cannot find cutover-sim next to cutover (or $CUTOVER_SIM)\n");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dm->dir, sizeof dm->dir, "%s/cutover-demo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dm->dir) == NULL) {
        fprintf(stderr, "cutover demo: mkdtemp %s: %s\n", dm->dir, strerror(errno));
        dm->dir[0] = '\0';
        return -1;
    }
    snprintf(dm->kubeconfig, sizeof dm->kubeconfig, "%s/kubeconfig", dm->dir);
    char logpath[PATH_MAX + 16];
    snprintf(logpath, sizeof logpath, "%s/sim.log", dm->dir);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "cutover demo: pipe: %s\n", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "cutover demo: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        /* the simulator dies with us, even if we are killed */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fds[1], STDOUT_FILENO);
        int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (logfd >= 0)
            dup2(logfd, STDERR_FILENO);
        int nullfd = open("/dev/null", O_RDONLY);
        if (nullfd >= 0)
            dup2(nullfd, STDIN_FILENO);
        if (scenario)
            execl(sim, "cutover-sim", "--scenario", scenario, "--write-kubeconfig", dm->kubeconfig,
                  (char *)NULL);
        else
            execl(sim, "cutover-sim", "--demo", "--write-kubeconfig", dm->kubeconfig, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    dm->pid = pid;
    dm->out_fd = fds[0];
    return read_ready(dm);
}

/* ---- the demo's traffic targets (issue #4) ---------------------------------------------- */

#define DEMO_ZONE "example.com."
#define DEMO_RECORD "api.shop.example.com."
#define DEMO_HAPROXY "/usr/sbin/haproxy"
#define DEMO_HAPROXY_BACKEND "shop-api"
#define DEMO_HAPROXY_READY_MS 10000

/* The text of the first <tag>...</tag> between from and end, into buf; -1 when absent. */
static int xml_text(const char *from, const char *end, const char *tag, char *buf, size_t len)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(from, open);
    if (a == NULL || a >= end)
        return -1;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (b == NULL || b > end)
        return -1;
    snprintf(buf, len, "%.*s", (int)(b - a), a);
    return 0;
}

/* The id of the simulator's demo zone, asked of its Route53 (ListHostedZonesByName). */
static int find_zone(struct demo *dm, char *why, size_t len)
{
    struct aws_client_opts o = {.service = "route53",
                                .region = "us-east-1",
                                .endpoint = dm->aws_url,
                                .profile = dm->aws_profile,
                                .timeout_ms = 5000};
    struct aws_client *c = NULL;
    struct error err;
    error_clear(&err);
    char ebuf[600];
    if (aws_client_new(&o, &c, &err) != 0) {
        snprintf(why, len, "route53: %s", error_format(&err, ebuf, sizeof ebuf));
        return -1;
    }
    struct aws_response r;
    memset(&r, 0, sizeof r);
    int rc = aws_rest(c, "GET", "ListHostedZonesByName",
                      "/2013-04-01/hostedzonesbyname?dnsname=" DEMO_ZONE, NULL, NULL, &r, &err);
    if (rc != 0)
        snprintf(why, len, "%s", error_format(&err, ebuf, sizeof ebuf));
    for (const char *z = rc == 0 && r.body ? strstr(r.body, "<HostedZone>") : NULL; z;
         z = strstr(z + 1, "<HostedZone>")) {
        const char *end = strstr(z, "</HostedZone>");
        char id[256], name[256];
        if (end == NULL)
            break;
        if (xml_text(z, end, "Name", name, sizeof name) == 0 && strcmp(name, DEMO_ZONE) == 0 &&
            xml_text(z, end, "Id", id, sizeof id) == 0) {
            const char *slash = strrchr(id, '/');
            dm->aws_zone = xstrdup(slash ? slash + 1 : id);
            break;
        }
    }
    if (rc == 0 && dm->aws_zone == NULL)
        snprintf(why, len, "the simulator has no zone %s", DEMO_ZONE);
    aws_response_fini(&r);
    aws_client_free(c);
    return dm->aws_zone ? 0 : -1;
}

/* A loopback TCP port free right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &l) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Starts Debian's haproxy on loopback with a config of the demo's own (backend shop-api with
 * servers onprem (weight 100) and eks (weight 0)) and an admin socket in the demo's dir; waits
 * until the socket exists. addr gets "unix:PATH". Returns 0, or -1 with why. */
static int start_haproxy(struct demo *dm, char *addr, size_t alen, char *why, size_t wlen)
{
    char sock[PATH_MAX], cfgpath[PATH_MAX], logpath[PATH_MAX];
    snprintf(sock, sizeof sock, "%s/haproxy.sock", dm->dir);
    snprintf(addr, alen, "unix:%s", sock);
    if (access(DEMO_HAPROXY, X_OK) != 0) {
        snprintf(why, wlen, "%s is not installed, so api-lb has no HAProxy behind it",
                 DEMO_HAPROXY);
        return -1;
    }
    snprintf(cfgpath, sizeof cfgpath, "%s/haproxy.cfg", dm->dir);
    snprintf(logpath, sizeof logpath, "%s/haproxy.log", dm->dir);
    int port[3] = {free_port(), free_port(), free_port()};
    int cfd = open(cfgpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = cfd >= 0 ? fdopen(cfd, "w") : NULL;
    if (f == NULL && cfd >= 0)
        close(cfd);
    if (f == NULL || port[0] < 0 || port[1] < 0 || port[2] < 0) {
        snprintf(why, wlen, "haproxy: cannot write %.500s", cfgpath);
        if (f)
            fclose(f);
        return -1;
    }
    fprintf(f,
            "# written by cutover demo\n"
            "global\n"
            "    stats socket %s mode 600 level admin\n"
            "defaults\n"
            "    mode http\n"
            "    timeout connect 2s\n"
            "    timeout client 10s\n"
            "    timeout server 10s\n"
            "frontend shop-api\n"
            "    bind 127.0.0.1:%d\n"
            "    default_backend " DEMO_HAPROXY_BACKEND "\n"
            "backend " DEMO_HAPROXY_BACKEND "\n"
            "    balance roundrobin\n"
            "    server onprem 127.0.0.1:%d weight 100\n"
            "    server eks 127.0.0.1:%d weight 0\n",
            sock, port[0], port[1], port[2]);
    fclose(f);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, wlen, "haproxy: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (logfd >= 0) {
            dup2(logfd, STDOUT_FILENO);
            dup2(logfd, STDERR_FILENO);
        }
        int nullfd = open("/dev/null", O_RDONLY);
        if (nullfd >= 0)
            dup2(nullfd, STDIN_FILENO);
        execl(DEMO_HAPROXY, "haproxy", "-db", "-f", cfgpath, (char *)NULL);
        _exit(127);
    }
    dm->haproxy_pid = pid;
    for (int waited = 0; waited < DEMO_HAPROXY_READY_MS; waited += 20) {
        if (access(sock, F_OK) == 0)
            return 0;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            dm->haproxy_pid = 0;
            snprintf(why, wlen, "haproxy exited at start (see %.500s)", logpath);
            return -1;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    snprintf(why, wlen, "haproxy made no admin socket within %d s", DEMO_HAPROXY_READY_MS / 1000);
    return -1;
}

static char demo_haproxy_addr[PATH_MAX + 8];
static char demo_message[1024];

/* The demo's traffic targets: the weighted Route53 pair api.shop.example.com. onprem/eks at the
 * simulator (production: confirmed by typing "api-dns") and the HAProxy backend (confirmed with
 * y), both with the plan 0, 10, 30, 50, 100. Returns how many were filled into t[2]. */
static size_t demo_targets(struct demo *dm, const char *haproxy, const char *backend,
                           struct traffic_target_cfg t[2])
{
    static const int plan[] = {0, 10, 30, 50, 100};
    size_t n = 0;
    size_t off = 0;
    demo_message[0] = '\0';
    char why[600] = "";
    memset(t, 0, 2 * sizeof *t);
    if (dm->aws_url == NULL) {
        off += (size_t)snprintf(demo_message + off, sizeof demo_message - off,
                                "demo: the simulator serves no AWS, so there is no api-dns "
                                "target. ");
    } else if (find_zone(dm, why, sizeof why) != 0) {
        off += (size_t)snprintf(demo_message + off, sizeof demo_message - off,
                                "demo: api-dns left out: %s. ", why);
    } else {
        struct traffic_target_cfg *c = &t[n++];
        c->name = (char *)"api-dns";
        c->kind = TRAFFIC_ROUTE53;
        c->production = true;
        c->old_id = (char *)"onprem";
        c->new_id = (char *)"eks";
        c->zone_id = dm->aws_zone;
        c->record_name = (char *)DEMO_RECORD;
        c->record_type = (char *)"A";
        c->aws_profile = dm->aws_profile;
        c->aws_region = dm->aws_region;
        c->aws_endpoint = dm->aws_url;
    }
    if (haproxy) {
        snprintf(demo_haproxy_addr, sizeof demo_haproxy_addr, "%s", haproxy);
    } else if (start_haproxy(dm, demo_haproxy_addr, sizeof demo_haproxy_addr, why, sizeof why) !=
               0) {
        if (off < sizeof demo_message)
            snprintf(demo_message + off, sizeof demo_message - off, "demo: %s", why);
    }
    struct traffic_target_cfg *c = &t[n++];
    c->name = (char *)"api-lb";
    c->kind = TRAFFIC_HAPROXY;
    c->production = false;
    c->old_id = (char *)"onprem";
    c->new_id = (char *)"eks";
    c->address = demo_haproxy_addr;
    c->backend = (char *)(backend ? backend : DEMO_HAPROXY_BACKEND);
    for (size_t i = 0; i < n; i++) {
        memcpy(t[i].plan, plan, sizeof plan);
        t[i].nplan = sizeof plan / sizeof plan[0];
        t[i].tolerance_pct = 5;
    }
    return n;
}

static const char demo_usage[] =
    "usage: cutover demo [--observer] [--theme NAME] [--journal PATH] [--scenario FILE]\n"
    "                    [--haproxy ADDRESS --haproxy-backend NAME]\n"
    "       cutover demo [--observer] --runbook FILE [--no-tui]\n"
    "\n"
    "Starts the simulated cluster pair (onprem-prod -> eks-prod) on loopback, with its AWS\n"
    "endpoint (Route53, ELBv2, STS, SSO, Secrets Manager), starts /usr/sbin/haproxy in a\n"
    "temporary directory when it is installed, and opens the dashboard with two traffic\n"
    "targets: api-dns (Route53 weighted records) and api-lb (HAProxy). Nothing leaves the\n"
    "machine; everything is removed on exit.\n"
    "\n"
    "options:\n"
    "  --observer          read-only: mutating requests are refused below the UI\n"
    "  --theme NAME        a theme from themes/ or $XDG_CONFIG_HOME/cutover/themes/\n"
    "  --journal PATH      the journal file (default: one in the demo's temporary directory)\n"
    "  --scenario FILE     a simulator scenario instead of the built-in demo (docs/simulator.md)\n"
    "  --haproxy ADDRESS   an HAProxy you started (unix:/path or tcp:host:port) instead of one\n"
    "                      the demo starts; --haproxy-backend names its backend\n"
    "  --runbook FILE      drive that runbook on the demo pair (the guided screen), or with\n"
    "                      --observer follow it, driven elsewhere (docs/runbook.md)\n"
    "  --no-tui            with --runbook: line mode instead of a screen\n";

int cmd_demo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(demo_usage, stdout);
            return 0;
        }
    }
    struct cmd_dashboard_args a = {0};
    const char *scenario = NULL;
    const char *haproxy = NULL, *backend = NULL;
    const char *runbook = NULL; /* --runbook FILE: the guided screen, or the follow screen */
    bool no_tui = false;
    /* --scenario, --haproxy and --haproxy-backend are the demo's own flags; the rest are the
     * dashboard's */
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            scenario = argv[++i];
        else if (strncmp(argv[i], "--scenario=", 11) == 0)
            scenario = argv[i] + 11;
        else if (strcmp(argv[i], "--haproxy") == 0 && i + 1 < argc)
            haproxy = argv[++i];
        else if (strcmp(argv[i], "--haproxy-backend") == 0 && i + 1 < argc)
            backend = argv[++i];
        else if (strcmp(argv[i], "--runbook") == 0 && i + 1 < argc)
            runbook = argv[++i];
        else if (strcmp(argv[i], "--no-tui") == 0)
            no_tui = true;
        else
            rest[nrest++] = argv[i];
    }
    int rc = cmd_dashboard_parse(nrest, rest, 1, &a);
    free(rest);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (a.source || a.target || a.kubeconfig) {
        fprintf(stderr, "cutover demo: the demo chooses its own clusters; use `cutover --source "
                        "... --target ...` for real ones\n");
        return 2;
    }
    /* What the demo logs while it starts (its Route53 lookup's AWS client says where its
     * credentials came from) goes to the log file like everything after it: a line on stderr
     * now would sit on the terminal under the screen and show after `q`. The demo's own
     * failures are printed with fprintf, not logged. */
    if (log_open(NULL) != 0)
        fprintf(stderr, "cutover demo: cannot open the log file under $XDG_STATE_HOME/cutover\n");
    struct demo dm = {.out_fd = -1};
    if (demo_start(&dm, scenario) != 0) {
        demo_cleanup(&dm);
        log_close();
        return 2;
    }
    a.kubeconfig = dm.kubeconfig;
    a.source = dm.source;
    a.target = dm.target;
    struct traffic_target_cfg targets[2];
    a.ntraffic = demo_targets(&dm, haproxy, backend, targets);
    a.traffic = targets;
    a.message = demo_message[0] ? demo_message : NULL;
    a.drift_aws_endpoint = dm.aws_url; /* the drift view's source of truth (issue #5) */
    a.drift_aws_profile = dm.aws_profile;
    /* the demo's journal lives and dies with the demo unless --journal says otherwise */
    char journal[PATH_MAX + 16];
    if (a.journal == NULL) {
        snprintf(journal, sizeof journal, "%s/journal.jsonl", dm.dir);
        a.journal = journal;
    }
    int code = runbook != NULL ? cmd_runbook_demo(runbook, dm.kubeconfig, targets, a.ntraffic,
                                                  a.observer, no_tui, a.journal)
                               : cmd_dashboard_run(&a);
    demo_cleanup(&dm);
    log_close();
    return code;
}
