/* `cutover demo`: the simulator's demo pair on loopback, the dashboard on it, cleanup on exit. */
#include "cutover/cli.h"

#include "cutover/cmd_dashboard.h"
#include "cutover/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
static void demo_cleanup(struct demo *dm)
{
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
    json_object_put(o);
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

int cmd_demo(int argc, char **argv)
{
    struct cmd_dashboard_args a = {0};
    const char *scenario = NULL;
    /* --scenario is the demo's own flag; the rest are the dashboard's */
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            scenario = argv[++i];
        else if (strncmp(argv[i], "--scenario=", 11) == 0)
            scenario = argv[i] + 11;
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
    struct demo dm = {.out_fd = -1};
    if (demo_start(&dm, scenario) != 0) {
        demo_cleanup(&dm);
        return 2;
    }
    a.kubeconfig = dm.kubeconfig;
    a.source = dm.source;
    a.target = dm.target;
    int code = cmd_dashboard_run(&a);
    demo_cleanup(&dm);
    return code;
}
