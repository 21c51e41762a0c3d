/* The fault matrix (issue #7): every fault the simulator can inject, against the informers of
 * nodes, pods and secrets and against the Route53 traffic provider read by the traffic poller.
 * For each cell: while the fault lasts the data is reported stale WITH the error and the last
 * good data is kept (the server meanwhile changes); once the fault ends the reader recovers
 * within the backoff bound and holds exactly the server's state (compared with a fresh LIST, or
 * with the weights written). Cells that cannot apply are listed in the tables with the reason. */

#include "../lib/aws_sim_test.h"
#include "../lib/informer_sim.h"

#include "cutover/k8s_informer.h"
#include "cutover/traffic.h"
#include "cutover/traffic_poller.h"
#include "cutover/traffic_provider.h"
#include "cutover/xalloc.h"

#include <json-c/json.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define BACKOFF_BASE_MS 50
#define BACKOFF_MAX_MS 400
#define STALE_WAIT_MS 10000
/* Recovery bound: one full backoff, plus a slow attempt still in flight when the fault ends (a
 * 1 s low-speed or exec timeout, a 1 s Retry-After), plus the relist itself. */
#define RECOVER_MS (BACKOFF_MAX_MS + 1000 + 1500)

enum expect {
    STALE,       /* error shown, last good data kept, then recovery */
    STAYS_FRESH, /* not an error: the data must stay (or become) equal to the server's */
    NOT_APPLICABLE,
};

enum setup {
    PLAIN, /* only the fault */
    EXEC_EXPIRED,
    EXEC_FAILS,
    EXEC_HANGS,
    BIG_OBJECT,
    TLS_MISMATCH,
};

struct cell {
    const char *name;
    const char *fault; /* the fault's JSON without cluster/path: "\"fault\":\"down\"" */
    bool whole_cluster;
    enum setup setup;
    enum expect k8s;
    const char *k8s_na; /* why it cannot apply to a Kubernetes resource */
    enum expect aws;
    const char *aws_fault; /* the AWS fault's JSON fields (service and action added) */
    const char *aws_na;    /* why it cannot apply to the Route53 provider */
};

static const struct cell cells[] = {
    {"connection refused", "\"fault\":\"down\"", true, PLAIN, STALE, NULL, STALE,
     "\"fault\":\"down\"", NULL},
    {"timeout", "\"fault\":\"latency\",\"ms\":2500", false, PLAIN, STALE, NULL, STALE,
     "\"fault\":\"latency\",\"ms\":2500", NULL},
    {"reset mid-body", "\"fault\":\"drop\"", false, PLAIN, STALE, NULL, STALE, "\"fault\":\"drop\"",
     NULL},
    {"500", "\"fault\":\"error\",\"status\":500", false, PLAIN, STALE, NULL, STALE,
     "\"fault\":\"error\",\"status\":500", NULL},
    {"503", "\"fault\":\"error\",\"status\":503", false, PLAIN, STALE, NULL, STALE,
     "\"fault\":\"error\",\"status\":503", NULL},
    {"429 with Retry-After", "\"fault\":\"429\",\"retry_after\":1", false, PLAIN, STALE, NULL,
     STALE, "\"fault\":\"429\"", NULL},
    {"410 on a list continue", "\"fault\":\"list410\"", false, PLAIN, STALE, NULL, NOT_APPLICABLE,
     NULL, "Route53 reads one ListResourceRecordSets page by name; no continue token can expire"},
    {"410 in a watch", "\"fault\":\"watch410\"", false, PLAIN, STAYS_FRESH, NULL, NOT_APPLICABLE,
     NULL, "the provider polls; there is no watch"},
    {"truncated JSON", "\"fault\":\"truncate\"", false, PLAIN, STALE, NULL, NOT_APPLICABLE, NULL,
     "Route53 answers XML (the AWS endpoint has no truncate fault; a cut XML answer is the "
     "reset-mid-body cell)"},
    {"invalid JSON", "\"fault\":\"invalid\"", false, PLAIN, STALE, NULL, NOT_APPLICABLE, NULL,
     "Route53 answers XML, never JSON"},
    {"a single 2 MiB object", NULL, false, BIG_OBJECT, STAYS_FRESH, NULL, NOT_APPLICABLE, NULL,
     "a Route53 record value is at most 4,000 characters"},
    {"TLS certificate that does not match", NULL, false, TLS_MISMATCH, STALE, NULL, NOT_APPLICABLE,
     NULL, "the simulator's AWS endpoint is plain HTTP on loopback"},
    {"expired token (401, exec refresh)", NULL, false, EXEC_EXPIRED, STALE, NULL, STALE,
     "\"fault\":\"error\",\"status\":403,\"code\":\"ExpiredToken\"", NULL},
    {"exec plugin fails", NULL, false, EXEC_FAILS, STALE, NULL, NOT_APPLICABLE, NULL,
     "AWS credentials come from the profile's key pair; no exec plugin is run"},
    {"exec plugin hangs", NULL, false, EXEC_HANGS, STALE, NULL, NOT_APPLICABLE, NULL,
     "AWS credentials come from the profile's key pair; no exec plugin is run"},
};
#define NCELLS (sizeof cells / sizeof cells[0])

/* The record's two weighted sets as ListResourceRecordSets gave them before any fault (each a
 * <ResourceRecordSet> element), so that someone else's change can be sent while reads fail. */
static char *rrsets_xml;

struct fx {
    struct sim *sim;
    struct kube_context ctx;
    const char *ctxname;
    char dir[64];
    char script[128], tokfile[128], failflag[128], hangflag[128];
    char *aws_url;
    char *zone;
};

/* ---- a TCP forwarder for the certificate cell ------------------------------------------ */

/* The client talks to the forwarder; it passes bytes to the simulator's cluster, or, during the
 * fault, to a cluster of a second simulator whose certificate no CA of the kubeconfig signed. */
struct fwd {
    int lfd;
    int port;
    atomic_int target; /* port connections go to */
    atomic_bool stop;
    pthread_t thread;
    pthread_mutex_t mu;
    int conns[64]; /* mu: open client sockets, -1 free */
};

struct fwd_pair {
    struct fwd *fw;
    int a, b, slot;
};

static void *fwd_pipe(void *arg)
{
    struct fwd_pair *pr = arg;
    char buf[16384];
    struct pollfd pf[2] = {{pr->a, POLLIN, 0}, {pr->b, POLLIN, 0}};
    while (!atomic_load(&pr->fw->stop)) {
        if (poll(pf, 2, 100) < 0)
            break;
        bool done = false;
        for (int i = 0; i < 2 && !done; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pf[i].fd, buf, sizeof buf);
            if (n <= 0 || write(pf[1 - i].fd, buf, (size_t)n) != n)
                done = true;
        }
        if (done)
            break;
    }
    XPTHREAD(pthread_mutex_lock(&pr->fw->mu));
    pr->fw->conns[pr->slot] = -1;
    XPTHREAD(pthread_mutex_unlock(&pr->fw->mu));
    close(pr->a);
    close(pr->b);
    free(pr);
    return NULL;
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void *fwd_main(void *arg)
{
    struct fwd *fw = arg;
    while (!atomic_load(&fw->stop)) {
        struct pollfd pf = {fw->lfd, POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0)
            continue;
        int a = accept(fw->lfd, NULL, NULL);
        if (a < 0)
            continue;
        int b = connect_port(atomic_load(&fw->target));
        int slot = -1;
        XPTHREAD(pthread_mutex_lock(&fw->mu));
        for (int i = 0; i < 64 && slot < 0; i++)
            if (fw->conns[i] < 0)
                slot = i;
        if (slot >= 0)
            fw->conns[slot] = a;
        XPTHREAD(pthread_mutex_unlock(&fw->mu));
        if (b < 0 || slot < 0) {
            close(a);
            if (b >= 0)
                close(b);
            continue;
        }
        struct fwd_pair *pr = xcalloc(1, sizeof *pr);
        *pr = (struct fwd_pair){fw, a, b, slot};
        pthread_t t;
        XPTHREAD(pthread_create(&t, NULL, fwd_pipe, pr));
        XPTHREAD(pthread_detach(t));
    }
    return NULL;
}

static void fwd_start(struct fwd *fw, int target)
{
    memset(fw, 0, sizeof *fw);
    XPTHREAD(pthread_mutex_init(&fw->mu, NULL));
    for (int i = 0; i < 64; i++)
        fw->conns[i] = -1;
    atomic_init(&fw->target, target);
    atomic_init(&fw->stop, false);
    fw->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fw->lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fw->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fw->lfd, 16), 0);
    assert_int_equal(getsockname(fw->lfd, (struct sockaddr *)&sa, &len), 0);
    fw->port = ntohs(sa.sin_port);
    XPTHREAD(pthread_create(&fw->thread, NULL, fwd_main, fw));
}

/* Sends new connections to port and cuts the open ones (so that none stays on the old side). */
static void fwd_switch(struct fwd *fw, int port)
{
    atomic_store(&fw->target, port);
    XPTHREAD(pthread_mutex_lock(&fw->mu));
    for (int i = 0; i < 64; i++)
        if (fw->conns[i] >= 0)
            shutdown(fw->conns[i], SHUT_RDWR);
    XPTHREAD(pthread_mutex_unlock(&fw->mu));
}

static void fwd_stop(struct fwd *fw)
{
    fwd_switch(fw, 1);
    atomic_store(&fw->stop, true);
    XPTHREAD(pthread_join(fw->thread, NULL));
    close(fw->lfd);
    /* the pipe threads see stop within 100 ms */
    for (int tries = 0; tries < 50; tries++) {
        bool open = false;
        XPTHREAD(pthread_mutex_lock(&fw->mu));
        for (int i = 0; i < 64; i++)
            open |= fw->conns[i] >= 0;
        XPTHREAD(pthread_mutex_unlock(&fw->mu));
        if (!open)
            break;
        usleep(20000);
    }
    pthread_mutex_destroy(&fw->mu);
}

static int url_port(const char *url)
{
    const char *c = strrchr(url, ':');
    assert_non_null(c);
    return atoi(c + 1);
}

/* ---- set-up ----------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->sim = informer_sim_start();
    informer_sim_context(f->sim, 0, &f->ctx);
    f->ctxname = sim_context(f->sim, 0);
    snprintf(f->dir, sizeof f->dir, "/tmp/cutover-faults-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->script, sizeof f->script, "%s/plugin.sh", f->dir);
    snprintf(f->tokfile, sizeof f->tokfile, "%s/token", f->dir);
    snprintf(f->failflag, sizeof f->failflag, "%s/fail", f->dir);
    snprintf(f->hangflag, sizeof f->hangflag, "%s/hang", f->dir);
    /* The exec plugin: the token in tokfile; exits 1 while failflag exists, hangs while
     * hangflag exists. */
    FILE *fp = fopen(f->script, "w");
    assert_non_null(fp);
    fprintf(fp,
            "#!/bin/sh\n"
            "if [ -e %s ]; then echo 'plugin: no credentials' >&2; exit 1; fi\n"
            "if [ -e %s ]; then sleep 30; fi\n"
            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
            "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%%s\","
            "\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}' \"$(cat %s)\"\n",
            f->failflag, f->hangflag, f->tokfile);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(f->script, 0700), 0);
    f->aws_url = aws_sim_test_env(f->sim);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;
    unlink(f->script);
    unlink(f->tokfile);
    unlink(f->failflag);
    unlink(f->hangflag);
    rmdir(f->dir);
    kube_context_fini(&f->ctx);
    sim_stop(f->sim);
    free(f->aws_url);
    free(f->zone);
    free(rrsets_xml);
    free(f);
    return 0;
}

/* ---- one Kubernetes cell ---------------------------------------------------------------- */

struct kres {
    enum model_res res;
    const char *path; /* fault path: the resource's collection */
    const char *name; /* for set-label */
};

static const struct kres kresources[] = {
    {MODEL_RES_NODES, "/api/v1/nodes", "nodes"},
    {MODEL_RES_PODS, "/api/v1/pods", "pods"},
    {MODEL_RES_SECRETS, "/api/v1/secrets", "secrets"},
};

struct snap_cmp {
    const struct k8s_informer_store *want;
    bool equal;
    size_t n;
};

static void cmp_store(void *arg, const struct k8s_informer_store *s)
{
    struct snap_cmp *c = arg;
    c->n = k8s_informer_store_count(s);
    c->equal = c->want ? k8s_informer_store_equal(s, c->want) : false;
}

struct stale_wait {
    struct k8s_informer *inf;
};

static bool has_error(void *arg)
{
    struct stale_wait *w = arg;
    struct model_freshness fr;
    k8s_informer_freshness(w->inf, &fr);
    bool e = fr.last_error != NULL;
    free(fr.last_error);
    return e;
}

static bool no_error(void *arg)
{
    return !has_error(arg);
}

/* Changes one object of the resource on the server (a label; value may be long). */
static void change_one(struct fx *f, const struct kres *kr, const struct model_obj *o,
                       const char *value)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "cluster", json_object_new_string(f->ctxname));
    json_object_object_add(j, "op", json_object_new_string("set-label"));
    json_object_object_add(j, "resource", json_object_new_string(kr->name));
    if (o->ns)
        json_object_object_add(j, "namespace", json_object_new_string(o->ns));
    json_object_object_add(j, "name", json_object_new_string(o->name));
    json_object_object_add(j, "key", json_object_new_string("fault-matrix"));
    json_object_object_add(j, "value", json_object_new_string(value));
    struct error err;
    error_clear(&err);
    if (sim_mutate_err(f->sim, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN), &err) < 0)
        fail_msg("mutate: %s", err.msg);
    json_object_put(j);
}

static int add_fault(struct fx *f, const struct cell *c, const struct kres *kr, const char *fault)
{
    char json[512];
    if (c->whole_cluster)
        snprintf(json, sizeof json, "{\"cluster\":\"%s\",%s}", f->ctxname, fault);
    else
        snprintf(json, sizeof json, "{\"cluster\":\"%s\",\"path\":\"%s\",%s}", f->ctxname, kr->path,
                 fault);
    int id = sim_fault_add(f->sim, json);
    if (id < 0)
        fail_msg("fault %s refused", json);
    return id;
}

static void run_k8s_cell(struct fx *f, const struct cell *c, const struct kres *kr)
{
    char label[64];
    snprintf(label, sizeof label, "%.40s-%ld", c->name, random() % 100000);
    for (char *p = label; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            *p = '-';
    bool exec = c->setup == EXEC_EXPIRED || c->setup == EXEC_FAILS || c->setup == EXEC_HANGS;
    struct kube_exec ex = {.api_version = "client.authentication.k8s.io/v1",
                           .command = f->script,
                           .interactive_mode = "Never"};
    char *args[] = {NULL};
    ex.args = args;
    struct kube_context ctx = f->ctx;
    struct fwd fw;
    char fwd_url[64];
    int good_port = url_port(sim_cluster_url(f->sim, f->ctxname));
    struct sim *other = NULL;
    if (c->setup == TLS_MISMATCH) {
        fwd_start(&fw, good_port);
        snprintf(fwd_url, sizeof fwd_url, "https://127.0.0.1:%d", fw.port);
        ctx.server = fwd_url;
        other = informer_sim_start(); /* a second CA: its certificate matches nothing we trust */
    }
    if (exec) {
        aws_sim_test_write_file(f->tokfile, sim_token(f->sim, f->ctxname), 0600);
        ctx.token = NULL;
        ctx.token_file = NULL;
        ctx.auth = KUBE_AUTH_EXEC;
        ctx.exec = &ex;
    }
    struct k8s_http_opts ho = {.connect_timeout_ms = 1000,
                               .max_retries = 1,
                               .max_retry_after_s = 2,
                               .exec_timeout_ms = 800};
    struct k8s_http *http = NULL;
    struct error err;
    error_clear(&err);
    if (k8s_http_new(&ctx, &ho, &http, &err) < 0)
        fail_msg("k8s_http_new: %s", err.msg);
    struct k8s_http *check = informer_http(&f->ctx, false); /* fresh LISTs, never faulted */
    struct k8s_informer_opts io = {.page_size = 2,
                                   .watch_timeout_s = 60,
                                   .backoff_base_ms = BACKOFF_BASE_MS,
                                   .backoff_max_ms = BACKOFF_MAX_MS,
                                   .list_low_speed_s = 1};
    struct k8s_informer *inf = k8s_informer_new(http, kr->res, &io, NULL, NULL);
    k8s_informer_start(inf);
    if (!informer_wait_equal(inf, check, 10000))
        fail_msg("%s/%s: never synced", c->name, kr->name);

    /* The last good state, and an object to change on the server during the fault. */
    struct k8s_informer_store *before = informer_fresh_list(check, kr->res);
    assert_non_null(before);
    size_t nitems = 0;
    const struct model_obj **items = k8s_informer_store_items(before, &nitems);
    assert_true(nitems > 2); /* more than a page: continue tokens are used */
    const struct model_obj *victim = items[nitems / 2];

    struct stale_wait sw = {inf};
    int fid = -1;
    if (c->setup == BIG_OBJECT) {
        /* Not a failure: a 2 MiB object comes through the watch, then through a LIST page. */
        size_t big = 2u << 20;
        char *v = xmalloc(big + 1);
        memset(v, 'x', big);
        v[big] = '\0';
        change_one(f, kr, victim, v);
        free(v);
        if (!informer_wait_equal(inf, check, 10000))
            fail_msg("%s/%s: the 2 MiB object never came through the watch", c->name, kr->name);
        k8s_informer_refresh(inf);
        if (!informer_wait_equal(inf, check, 10000))
            fail_msg("%s/%s: the relist with the 2 MiB object differs", c->name, kr->name);
        assert_false(has_error(&sw));
        print_message("  %-36s %-8s kept current (no error)\n", c->name, kr->name);
    } else if (c->k8s == STAYS_FRESH) {
        /* 410 in the watch: relist at once; changes made meanwhile are picked up, no error. */
        struct k8s_informer_stats s0, s1;
        k8s_informer_get_stats(inf, &s0);
        fid = add_fault(f, c, kr, c->fault);
        k8s_informer_refresh(inf); /* the open watch began before the fault */
        change_one(f, kr, victim, label);
        if (!informer_wait_equal(inf, check, 10000))
            fail_msg("%s/%s: a change during the fault was not picked up", c->name, kr->name);
        double w0 = informer_now_ms();
        do {
            k8s_informer_get_stats(inf, &s1);
            if (s1.relists_410 > s0.relists_410)
                break;
            usleep(20000);
        } while (informer_now_ms() - w0 < 5000);
        assert_true(s1.relists_410 > s0.relists_410);
        if (!informer_wait_equal(inf, check, 10000))
            fail_msg("%s/%s: differs from the server after relisting", c->name, kr->name);
        assert_false(has_error(&sw));
        sim_fault_remove(f->sim, fid);
        print_message("  %-36s %-8s relisted %u times, no error\n", c->name, kr->name,
                      s1.relists_410 - s0.relists_410);
    } else {
        /* The fault, then a relist that meets it, then a change on the server. */
        if (c->setup == PLAIN) {
            fid = add_fault(f, c, kr, c->fault);
        } else if (c->setup == TLS_MISMATCH) {
            fwd_switch(&fw, url_port(sim_cluster_url(other, sim_context(other, 0))));
        } else {
            if (c->setup == EXEC_EXPIRED)
                aws_sim_test_write_file(f->tokfile, "expired-token",
                                        0600); /* what a refresh now gets */
            else if (c->setup == EXEC_FAILS)
                aws_sim_test_write_file(f->failflag, "", 0600);
            else
                aws_sim_test_write_file(f->hangflag, "", 0600);
            /* One 401 makes the client drop its cached credential and run the plugin. */
            fid = add_fault(f, c, kr, "\"fault\":\"error\",\"status\":401,\"count\":1");
        }
        k8s_informer_refresh(inf);
        if (!informer_wait_until(has_error, &sw, STALE_WAIT_MS))
            fail_msg("%s/%s: no error shown during the fault", c->name, kr->name);
        /* The server changes while the fault lasts; the reader keeps failing meanwhile. */
        change_one(f, kr, victim, label);
        usleep(2 * BACKOFF_MAX_MS * 1000);
        assert_true(has_error(&sw));
        struct model_freshness fr;
        k8s_informer_freshness(inf, &fr);
        assert_non_null(fr.last_error);
        assert_true(fr.synced);
        assert_true(fr.last_err.tv_sec > 0);
        /* The last good data is kept: the store is still the pre-fault state. */
        struct snap_cmp cmp = {.want = before};
        k8s_informer_with_store(inf, cmp_store, &cmp);
        if (!cmp.equal)
            fail_msg("%s/%s: the last good data was not kept (%zu rows, %zu before)", c->name,
                     kr->name, cmp.n, nitems);
        if (strstr(c->name, "500"))
            assert_non_null(strstr(fr.last_error, "500"));
        if (strstr(c->name, "503"))
            assert_non_null(strstr(fr.last_error, "503"));
        if (strstr(c->name, "429"))
            assert_non_null(strstr(fr.last_error, "429"));
        if (c->setup == EXEC_FAILS || c->setup == EXEC_HANGS)
            assert_non_null(strstr(fr.last_error, "exec"));
        if (c->setup == EXEC_EXPIRED)
            assert_non_null(strstr(fr.last_error, "401"));
        if (c->setup == TLS_MISMATCH)
            assert_non_null(strstr(fr.last_error, "certificate"));
        char shown[100];
        const char *what = strstr(fr.last_error, kr->path);
        snprintf(shown, sizeof shown, "%s", what ? what + strlen(kr->path) + 2 : fr.last_error);
        free(fr.last_error);

        /* The fault ends. */
        if (fid >= 0)
            sim_fault_remove(f->sim, fid);
        if (c->setup == EXEC_EXPIRED)
            aws_sim_test_write_file(f->tokfile, sim_token(f->sim, f->ctxname), 0600);
        unlink(f->failflag);
        unlink(f->hangflag);
        if (c->setup == TLS_MISMATCH)
            fwd_switch(&fw, good_port);
        double t0 = informer_now_ms();
        if (!informer_wait_until(no_error, &sw, RECOVER_MS + 2000))
            fail_msg("%s/%s: still failing after the fault ended", c->name, kr->name);
        if (!informer_wait_equal(inf, check, RECOVER_MS + 2000))
            fail_msg("%s/%s: the store differs from a fresh LIST after recovery", c->name,
                     kr->name);
        double took = informer_now_ms() - t0;
        if (took > RECOVER_MS)
            fail_msg("%s/%s: recovered in %.0f ms, bound %d ms", c->name, kr->name, took,
                     RECOVER_MS);
        struct snap_cmp after = {.want = before};
        k8s_informer_with_store(inf, cmp_store, &after);
        assert_false(after.equal); /* the change made during the fault is there now */
        print_message("  %-36s %-8s stale: \"%.60s\"; recovered in %.0f ms\n", c->name, kr->name,
                      shown, took);
    }
    for (size_t i = 0; i < nitems; i++)
        model_obj_unref(items[i]);
    free(items);
    k8s_informer_store_free(before);
    k8s_informer_free(inf);
    k8s_http_free(http);
    k8s_http_free(check);
    if (c->setup == TLS_MISMATCH) {
        fwd_stop(&fw);
        sim_stop(other);
    }
    sim_faults_clear(f->sim);
}

static void run_k8s_row(void **state, const struct kres *kr)
{
    struct fx *f = *state;
    print_message("%s:\n", kr->name);
    for (size_t i = 0; i < NCELLS; i++) {
        if (cells[i].k8s == NOT_APPLICABLE) {
            print_message("  %-36s %-8s not applicable: %s\n", cells[i].name, kr->name,
                          cells[i].k8s_na);
            continue;
        }
        run_k8s_cell(f, &cells[i], kr);
    }
}

static void test_nodes(void **state)
{
    run_k8s_row(state, &kresources[0]);
}

static void test_pods(void **state)
{
    run_k8s_row(state, &kresources[1]);
}

static void test_secrets(void **state)
{
    run_k8s_row(state, &kresources[2]);
}

/* ---- the traffic provider ---------------------------------------------------------------- */

#define RECORD "api.shop.example.com."

static void r53_target(struct fx *f, struct traffic_target_cfg *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->kind = TRAFFIC_ROUTE53;
    int plan[] = {0, 30, 70, 100};
    memcpy(t->plan, plan, sizeof plan);
    t->nplan = 4;
    t->old_id = xstrdup("onprem");
    t->new_id = xstrdup("eks");
    t->zone_id = xstrdup(f->zone);
    t->record_name = xstrdup(RECORD);
    t->record_type = xstrdup("A");
    t->aws_endpoint = xstrdup(f->aws_url);
    t->aws_profile = xstrdup("sim");
}

/* Sets the weights 100-p / p by ChangeResourceRecordSets of the record sets listed at the start
 * (no read fault touches the change), as another operator would. */
static void set_weights(struct fx *f, int percent_new)
{
    static const char *const ids[2] = {"onprem", "eks"};
    const int w[2] = {100 - percent_new, percent_new};
    aws_sim_test_r53_set_weights(f->aws_url, f->zone, RECORD, rrsets_xml, ids, w, 2);
}

/* Waits for a snapshot of target "t" satisfying pred; returns it (referenced) or NULL. */
static struct traffic_snapshot *wait_traffic(struct traffic_poller *p,
                                             bool (*pred)(const struct traffic_target_state *st,
                                                          int want),
                                             int want, int timeout_ms)
{
    double t0 = informer_now_ms();
    struct traffic_snapshot *s = traffic_poller_get(p);
    for (;;) {
        const struct traffic_target_state *st = traffic_snapshot_find(s, "t");
        assert_non_null(st);
        if (pred(st, want))
            return s;
        if (informer_now_ms() - t0 > timeout_ms) {
            traffic_snapshot_unref(s);
            return NULL;
        }
        uint64_t gen = s->generation;
        traffic_snapshot_unref(s);
        s = traffic_poller_wait(p, gen, 200);
    }
}

static bool t_stale(const struct traffic_target_state *st, int want)
{
    return st->error != NULL && st->have_reading && st->percent == want;
}

static bool t_fresh(const struct traffic_target_state *st, int want)
{
    return st->error == NULL && st->have_reading && st->percent == want;
}

static void run_aws_cell(struct fx *f, const struct cell *c, int *percent)
{
    struct traffic_target_cfg t;
    r53_target(f, &t, "t");
    struct traffic_poller_opts o = {
        .refresh_ms = 100,
        .wake_fd = -1,
        .env = {.timeout_ms = 1000, .insync_timeout_ms = 15000},
    };
    struct traffic_poller *p = NULL;
    struct error err;
    error_clear(&err);
    if (traffic_poller_start(&t, 1, &o, &p, &err) < 0)
        fail_msg("traffic_poller_start: %s", err.msg);
    traffic_target_cfg_fini(&t);
    struct traffic_snapshot *s = wait_traffic(p, t_fresh, *percent, 10000);
    if (!s)
        fail_msg("%s: the first reading never came", c->name);
    traffic_snapshot_unref(s);

    /* The fault on the reads only, so that someone else's change still lands meanwhile. */
    char json[512];
    snprintf(json, sizeof json,
             "{\"service\":\"route53\",\"action\":\"ListResourceRecordSets\",%s}", c->aws_fault);
    int fid = sim_fault_add(f->sim, json);
    if (fid < 0)
        fail_msg("AWS fault %s refused", json);
    int was = *percent;
    *percent = was == 30 ? 70 : 30;
    set_weights(f, *percent);
    s = wait_traffic(p, t_stale, was, STALE_WAIT_MS);
    if (!s)
        fail_msg("%s: route53: the old reading was not kept with an error", c->name);
    const struct traffic_target_state *st = traffic_snapshot_find(s, "t");
    char shown[100];
    const char *what = strstr(st->error, "ListResourceRecordSets: ");
    snprintf(shown, sizeof shown, "%s",
             what ? what + strlen("ListResourceRecordSets: ") : st->error);
    if (strstr(c->name, "500"))
        assert_non_null(strstr(st->error, "500"));
    if (strstr(c->name, "503"))
        assert_non_null(strstr(st->error, "503"));
    if (strstr(c->name, "expired"))
        assert_non_null(strstr(st->error, "ExpiredToken"));
    traffic_snapshot_unref(s);

    sim_fault_remove(f->sim, fid);
    double t0 = informer_now_ms();
    s = wait_traffic(p, t_fresh, *percent, 10000);
    if (!s)
        fail_msg("%s: route53: no recovery to the server's %d%%", c->name, *percent);
    double took = informer_now_ms() - t0;
    traffic_snapshot_unref(s);
    /* The poller reads every 100 ms; a read in flight may take its 1 s timeout. */
    if (took > 100 + 1000 + 1500)
        fail_msg("%s: route53: recovered in %.0f ms", c->name, took);
    print_message("  %-36s route53  stale: \"%.60s\"; recovered in %.0f ms\n", c->name, shown,
                  took);
    traffic_poller_stop(p);
    sim_faults_clear(f->sim);
}

static void test_traffic_route53(void **state)
{
    struct fx *f = *state;
    f->zone = aws_sim_test_zone_id(f->aws_url, "example.com.");
    rrsets_xml = aws_sim_test_r53_list(f->aws_url, f->zone, RECORD);
    int percent = 30;
    set_weights(f, percent);
    print_message("route53 (traffic poller):\n");
    for (size_t i = 0; i < NCELLS; i++) {
        if (cells[i].aws == NOT_APPLICABLE) {
            print_message("  %-36s route53  not applicable: %s\n", cells[i].name, cells[i].aws_na);
            continue;
        }
        run_aws_cell(f, &cells[i], &percent);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_pods),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_traffic_route53),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
