/* cutover-sim: two simulated Kubernetes clusters on loopback for cutover's demo and tests. */
#include <errno.h>
#include <pthread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/sim.h"

static void usage(FILE *f)
{
    fputs("usage: cutover-sim (--demo | --scenario FILE) [options]\n"
          "\n"
          "Serves simulated Kubernetes API servers (one per cluster in the scenario) on\n"
          "127.0.0.1 over HTTPS with a generated CA and bearer tokens, and an admin API over\n"
          "plain HTTP. When ready, prints one JSON line on stdout:\n"
          "  {\"kubeconfig\": PATH, \"source\": CTX, \"target\": CTX, \"clusters\": {CTX: URL},\n"
          "   \"admin\": URL, \"aws\": {\"url\": URL, \"region\": R, \"profile\": \"sim\",\n"
          "   \"config_file\": PATH, \"credentials_file\": PATH}}\n"
          "(\"aws\" when the scenario has an aws: section: Route53, ELBv2, STS, Secrets\n"
          "Manager and SSO on one loopback port, every SigV4 signature verified)\n"
          "and serves until SIGINT or SIGTERM.\n"
          "\n"
          "options:\n"
          "  --demo                   the built-in demo scenario (onprem-prod -> eks-prod)\n"
          "  --scenario FILE          a scenario YAML file (see docs/simulator.md)\n"
          "  --write-kubeconfig PATH  where to write the kubeconfig (default: a temp dir)\n"
          "  --port-base N            cluster i listens on N+i, the admin API on N+clusters,\n"
          "                           AWS on N+clusters+1 (default: ephemeral ports)\n"
          "  --bookmark-ms N          watch BOOKMARK interval when asked for (default 5000)\n"
          "  --history N              watch events kept per cluster (default 20000)\n"
          "  --gzip-level N           zlib level for gzip responses, 1-9 (default 1)\n"
          "  --no-churn               ignore the scenario's churn (restarts, rollouts)\n"
          "  --no-gzip                never compress responses, even when asked (benchmarks)\n"
          "  --help                   this text\n"
          "  --version                the version\n"
          "\n"
          "Admin API: GET /requests, DELETE /requests, GET /stats, GET|POST|DELETE /faults,\n"
          "DELETE /faults/N, POST /mutate (docs/simulator.md).\n",
          f);
}

static int int_arg(const char *s, int min, int max, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max) {
        fprintf(stderr, "cutover-sim: %s must be a number from %d to %d, not \"%s\"\n", what, min,
                max, s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"demo", no_argument, NULL, 'd'},
        {"scenario", required_argument, NULL, 's'},
        {"write-kubeconfig", required_argument, NULL, 'k'},
        {"port-base", required_argument, NULL, 'p'},
        {"bookmark-ms", required_argument, NULL, 'b'},
        {"history", required_argument, NULL, 'H'},
        {"gzip-level", required_argument, NULL, 'z'},
        {"no-churn", no_argument, NULL, 'n'},
        {"no-gzip", no_argument, NULL, 'G'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct sim_opts opts = {0};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            opts.demo = true;
            break;
        case 's':
            opts.scenario_path = optarg;
            break;
        case 'k':
            opts.kubeconfig_path = optarg;
            break;
        case 'p':
            opts.port_base = int_arg(optarg, 1024, 65000, "--port-base");
            break;
        case 'b':
            opts.bookmark_ms = int_arg(optarg, 10, 3600000, "--bookmark-ms");
            break;
        case 'H':
            opts.history = int_arg(optarg, 10, 10000000, "--history");
            break;
        case 'z':
            opts.gzip_level = int_arg(optarg, 1, 9, "--gzip-level");
            break;
        case 'n':
            opts.no_churn = true;
            break;
        case 'G':
            opts.no_gzip = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("cutover-sim %s\n", CUTOVER_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || opts.demo == (opts.scenario_path != NULL)) {
        fprintf(stderr, "cutover-sim: give exactly one of --demo or --scenario FILE\n");
        usage(stderr);
        return 2;
    }
    /* Block the stop signals before any thread starts so that only sigwait() sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sim *sim = NULL;
    struct error err = {0};
    if (sim_start(&opts, &sim, &err) < 0) {
        char buf[1024];
        fprintf(stderr, "cutover-sim: %s\n", error_format(&err, buf, sizeof buf));
        return 1;
    }
    printf("%s\n", sim_ready_line(sim));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    sim_stop(sim);
    return 0;
}
