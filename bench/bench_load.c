/* bench_load: loads a pair of clusters the way the dashboard does (two pollers, every resource,
 * snapshots through publishers) and prints what it cost: time to first rows, time to the whole
 * model, CPU seconds, peak RSS, bytes read, then the analysis time over the whole model and,
 * optionally, steady-state CPU while the simulator churns.
 *
 *   bench_load --kubeconfig PATH --source CTX --target CTX [--timeout S] [--steady S] [--json]
 *              [--publish-ms N] [--page-size N] [--no-protobuf]
 *
 * --publish-ms is the pollers' publish interval once watching; by default the dashboard's (the
 * refresh setting's default), so that the steady-state figure is the dashboard's. --page-size is
 * the LIST limit (default: the poller's, as the dashboard uses it). --no-protobuf asks for JSON
 * only (pods and nodes are otherwise asked for as Kubernetes protobuf first), to measure both
 * wire formats. (--json is the output format, not the wire format.)
 *
 * Figures come from the clock and getrusage, measured in-process; bench/run.sh prints them beside
 * kubectl's on the same simulator. */
#include "cutover/analysis.h"
#include "cutover/config.h"
#include "cutover/error.h"
#include "cutover/k8s_http.h"
#include "cutover/k8s_informer.h"
#include "cutover/k8s_poller.h"
#include "cutover/kubeconfig.h"
#include "cutover/log.h"
#include "cutover/model.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* Bytes both clusters' HTTP clients received (headers and bodies as they came off the wire,
 * i.e. compressed when the server sent gzip). */
static double received_mib(struct k8s_poller *const *pollers)
{
    uint64_t total = 0;
    for (int i = 0; i < 2; i++) {
        struct k8s_http_stats st;
        k8s_http_get_stats(k8s_poller_http(pollers[i]), &st);
        total += st.bytes_received;
    }
    return (double)total / (1024.0 * 1024.0);
}

static bool all_synced(const struct model_cluster *c)
{
    if (c == NULL)
        return false;
    for (int r = 0; r < MODEL_RES_COUNT; r++)
        if (c->fresh[r].enabled && !c->fresh[r].synced)
            return false;
    return true;
}

static void usage(FILE *out)
{
    fputs("usage: bench_load --kubeconfig PATH --source CTX --target CTX [--timeout S]\n"
          "                  [--steady S] [--json] [--verbose] [--publish-ms N] [--page-size N]\n"
          "                  [--no-protobuf]\n",
          out);
}

int main(int argc, char **argv)
{
    const char *kcpath = NULL, *ctx[2] = {NULL, NULL};
    double timeout = 120, steady = 0;
    bool json = false, verbose = false;
    int publish_ms = CONFIG_REFRESH_MS_DEFAULT;
    int page_size = 0;
    static const struct option opts[] = {
        {"publish-ms", required_argument, NULL, 'P'},
        {"page-size", required_argument, NULL, 'L'},
        {"no-protobuf", no_argument, NULL, 'J'},
        {"kubeconfig", required_argument, NULL, 'k'},
        {"source", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, 'T'},
        {"steady", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'k':
            kcpath = optarg;
            break;
        case 's':
            ctx[0] = optarg;
            break;
        case 't':
            ctx[1] = optarg;
            break;
        case 'T':
            timeout = atof(optarg);
            break;
        case 'S':
            steady = atof(optarg);
            break;
        case 'j':
            json = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'P':
            publish_ms = atoi(optarg);
            break;
        case 'L':
            page_size = atoi(optarg);
            break;
        case 'J':
            k8s_informer_set_protobuf(false);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!ctx[0] || !ctx[1]) {
        usage(stderr);
        return 2;
    }
    log_set_level(LOG_WARN);

    struct error err = {0};
    char ebuf[1024];
    struct kubeconfig *kc = NULL;
    if (kubeconfig_load(kcpath, &kc, &err) != 0) {
        fprintf(stderr, "bench_load: %s\n", error_format(&err, ebuf, sizeof ebuf));
        return 2;
    }
    int pfd[2];
    if (pipe2(pfd, O_NONBLOCK | O_CLOEXEC) != 0)
        return 2;

    double t0 = now_s(), c0 = cpu_s();
    struct model_publisher *pub[2];
    struct k8s_poller *poller[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        struct kube_context kctx;
        if (kubeconfig_resolve(kc, ctx[i], &kctx, &err) != 0) {
            fprintf(stderr, "bench_load: %s\n", error_format(&err, ebuf, sizeof ebuf));
            return 2;
        }
        pub[i] = model_publisher_new(pfd[1]);
        struct k8s_poller_opts po = {.publish_ms = publish_ms, .page_size = page_size};
        if (k8s_poller_start(&kctx, &po, pub[i], &poller[i], &err) != 0) {
            fprintf(stderr, "bench_load: %s: %s\n", ctx[i], error_format(&err, ebuf, sizeof ebuf));
            return 2;
        }
        kube_context_fini(&kctx);
    }

    double t_first = -1, t_full = -1;
    double t_res[2][MODEL_RES_COUNT]; /* when each resource's first LIST completed */
    for (int i = 0; i < 2; i++)
        for (int r = 0; r < MODEL_RES_COUNT; r++)
            t_res[i][r] = -1;
    size_t pods[2] = {0, 0}, nodes[2] = {0, 0};
    struct model_cluster *snap[2] = {NULL, NULL};
    while (now_s() - t0 < timeout) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        poll(&p, 1, 50);
        char drain[256];
        while (read(pfd[0], drain, sizeof drain) > 0)
            ;
        for (int i = 0; i < 2; i++) {
            model_cluster_unref(snap[i]);
            snap[i] = model_publisher_get(pub[i]);
            if (snap[i] == NULL)
                continue;
            pods[i] = snap[i]->lists[MODEL_RES_PODS].n;
            nodes[i] = snap[i]->lists[MODEL_RES_NODES].n;
            if (t_first < 0 && (pods[i] > 0 || nodes[i] > 0))
                t_first = now_s() - t0;
            for (int r = 0; r < MODEL_RES_COUNT; r++)
                if (t_res[i][r] < 0 && snap[i]->fresh[r].synced)
                    t_res[i][r] = now_s() - t0;
        }
        if (all_synced(snap[0]) && all_synced(snap[1])) {
            t_full = now_s() - t0;
            break;
        }
    }
    double cpu_load = cpu_s() - c0, rss = peak_rss_mib(), rd = received_mib(poller);

    /* What the UI does with every new snapshot pair. */
    struct analysis_config acfg;
    analysis_config_init(&acfg);
    acfg.now = (int64_t)time(NULL);
    double ta = now_s();
    struct analysis *an = analysis_run(snap[0], snap[1], &acfg);
    double t_analysis = now_s() - ta;
    size_t nworkloads = an ? an->nworkloads : 0, nfindings = an ? an->nfindings : 0;
    analysis_free(an);

    double steady_cpu = -1;
    if (steady > 0 && t_full >= 0) {
        double s0 = now_s(), sc0 = cpu_s();
        while (now_s() - s0 < steady) {
            struct pollfd p = {.fd = pfd[0], .events = POLLIN};
            /* woken by publishes only: a timer of the loader's own would count in the figure */
            poll(&p, 1, (int)((steady - (now_s() - s0)) * 1000) + 1);
            char drain[256];
            while (read(pfd[0], drain, sizeof drain) > 0)
                ;
        }
        steady_cpu = (cpu_s() - sc0) / (now_s() - s0) * 100.0;
    }

    if (json)
        printf("{\"first_rows_s\": %.3f, \"whole_model_s\": %.3f, \"cpu_s\": %.2f, "
               "\"peak_rss_mib\": %.1f, \"received_mib\": %.1f, \"pods\": [%zu, %zu], "
               "\"nodes\": [%zu, %zu], \"analysis_ms\": %.1f, \"workloads\": %zu, "
               "\"findings\": %zu, \"steady_cpu_pct\": %.2f}\n",
               t_first, t_full, cpu_load, rss, rd, pods[0], pods[1], nodes[0], nodes[1],
               t_analysis * 1000, nworkloads, nfindings, steady_cpu);
    else
        printf(
            "first rows %.3f s, whole model %.3f s, CPU %.2f s, peak RSS %.1f MiB, received %.1f "
            "MiB, pods %zu+%zu, nodes %zu+%zu, analysis %.1f ms (%zu workloads, %zu findings)"
            ", steady CPU %.2f%%\n",
            t_first, t_full, cpu_load, rss, rd, pods[0], pods[1], nodes[0], nodes[1],
            t_analysis * 1000, nworkloads, nfindings, steady_cpu);

    if (verbose)
        for (int i = 0; i < 2; i++) {
            fprintf(stderr, "%s:", ctx[i]);
            for (int r = 0; r < MODEL_RES_COUNT; r++)
                fprintf(stderr, " %s %.3fs", model_res_name(r), t_res[i][r]);
            fputc('\n', stderr);
        }
    for (int i = 0; i < 2; i++) {
        k8s_poller_stop(poller[i]);
        model_cluster_unref(snap[i]);
        model_publisher_free(pub[i]);
    }
    kubeconfig_free(kc);
    close(pfd[0]);
    close(pfd[1]);
    return t_full >= 0 ? 0 : 1;
}
