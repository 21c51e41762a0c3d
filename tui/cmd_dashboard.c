/* `cutover --source CTX --target CTX`: config, kubeconfig, two pollers, the UI. */
#include "cutover/cmd_dashboard.h"

#include "cutover/actions.h"
#include "cutover/cli.h"
#include "cutover/config.h"
#include "cutover/drift_reader.h"
#include "cutover/journal.h"
#include "cutover/k8s_http.h"
#include "cutover/k8s_informer.h"
#include "cutover/k8s_poller.h"
#include "cutover/kubeconfig.h"
#include "cutover/log.h"
#include "cutover/traffic_poller.h"
#include "cutover/tui.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: cutover [--kubeconfig PATH] --source CONTEXT --target CONTEXT [--theme NAME] "
    "[--observer] [--journal PATH]\n";

int cmd_dashboard_parse(int argc, char **argv, int first, struct cmd_dashboard_args *a)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        } else if (strcmp(arg, "--observer") == 0) {
            a->observer = true;
            continue;
        } else if (strcmp(arg, "--kubeconfig") == 0) {
            slot = &a->kubeconfig;
        } else if (strcmp(arg, "--source") == 0) {
            slot = &a->source;
        } else if (strcmp(arg, "--target") == 0) {
            slot = &a->target;
        } else if (strcmp(arg, "--theme") == 0) {
            slot = &a->theme;
        } else if (strcmp(arg, "--journal") == 0) {
            slot = &a->journal;
        } else {
            /* --flag=value */
            const char *eq = strchr(arg, '=');
            static const char *const flags[] = {"--kubeconfig", "--source", "--target", "--theme",
                                                "--journal"};
            const char **slots[] = {&a->kubeconfig, &a->source, &a->target, &a->theme, &a->journal};
            for (size_t f = 0; eq && f < 5; f++)
                if (strncmp(arg, flags[f], (size_t)(eq - arg)) == 0 &&
                    strlen(flags[f]) == (size_t)(eq - arg)) {
                    *slots[f] = eq + 1;
                    slot = slots[f];
                }
            if (slot)
                continue;
            fprintf(stderr, "cutover: unknown option '%s'\n%s", arg, usage);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "cutover: %s needs a value\n%s", arg, usage);
            return -1;
        }
        *slot = argv[++i];
    }
    return 0;
}

struct pollers {
    struct k8s_poller *k8s[2];
    struct traffic_poller *traffic; /* NULL without traffic targets */
    struct drift_reader *drift;     /* NULL when it could not start */
};

static void refresh_both(void *arg)
{
    struct pollers *p = arg;
    for (int s = 0; s < 2; s++)
        if (p->k8s[s])
            k8s_poller_refresh(p->k8s[s]);
    if (p->traffic)
        traffic_poller_refresh(p->traffic);
    if (p->drift)
        drift_reader_refresh(p->drift);
}

/* The config's traffic targets followed by the extra ones a (the demo) brings: one array of
 * copies in *out (free each with traffic_target_cfg_fini, then the array). */
static size_t traffic_targets(const struct config *cfg, const struct cmd_dashboard_args *a,
                              struct traffic_target_cfg **out)
{
    size_t n = cfg->ntraffic + a->ntraffic;
    *out = n ? xcalloc(n, sizeof **out) : NULL;
    for (size_t i = 0; i < cfg->ntraffic; i++)
        traffic_target_cfg_copy(&(*out)[i], &cfg->traffic[i]);
    for (size_t i = 0; i < a->ntraffic; i++)
        traffic_target_cfg_copy(&(*out)[cfg->ntraffic + i], &a->traffic[i]);
    return n;
}

/* Opens the journal traffic changes are recorded in; NULL (with a message on stderr) when it
 * cannot be: changes are then refused, since nothing would record them. */
static struct journal *open_journal(const struct config *cfg, const struct cmd_dashboard_args *a)
{
    char *path = a->journal ? xstrdup(a->journal) : journal_default_path(cfg->source, cfg->target);
    struct journal *j = NULL;
    struct error err;
    error_clear(&err);
    char ebuf[800];
    if (path == NULL)
        fprintf(stderr, "cutover: no journal path (set XDG_STATE_HOME or HOME, or journal: in "
                        "config.yaml): traffic changes are disabled\n");
    else if (journal_open(path, NULL, &j, &err) != 0)
        fprintf(stderr, "cutover: journal %s: %s: traffic changes are disabled\n", path,
                error_format(&err, ebuf, sizeof ebuf));
    free(path);
    return j;
}

int cmd_dashboard_run(const struct cmd_dashboard_args *a)
{
    setlocale(LC_ALL, "");
    struct error err;
    error_clear(&err);
    char ebuf[800];
    struct config cfg;
    config_init(&cfg);
    size_t nnames;
    const char *const *names = actions_names(&nnames);
    char *cfg_path = config_default_path();
    if (cfg_path) {
        int rc = config_load_file(cfg_path, names, nnames, &cfg, &err);
        if (rc < 0 && rc != -ENOENT)
            fprintf(stderr, "cutover: %s (using the defaults)\n",
                    error_format(&err, ebuf, sizeof ebuf));
        free(cfg_path);
    }
    static const char *const keys[] = {"kubeconfig", "source", "target", "theme"};
    const char *vals[] = {a->kubeconfig, a->source, a->target, a->theme};
    for (int i = 0; i < 4; i++) {
        if (vals[i] && config_set(&cfg, keys[i], vals[i], &err) != 0) {
            fprintf(stderr, "cutover: --%s: %s\n", keys[i], error_format(&err, ebuf, sizeof ebuf));
            config_fini(&cfg);
            return 2;
        }
    }
    if (cfg.source == NULL || cfg.target == NULL) {
        fprintf(stderr,
                "cutover: --source and --target are required (or set source: and "
                "target: in config.yaml)\n%s",
                usage);
        config_fini(&cfg);
        return 2;
    }

    k8s_informer_set_protobuf(cfg.protobuf);        /* config `protobuf:` */
    k8s_http_set_exec_timeout(cfg.exec_timeout_ms); /* config `exec_timeout:` */

    struct kubeconfig *kc = NULL;
    if (kubeconfig_load(cfg.kubeconfig, &kc, &err) != 0) {
        fprintf(stderr, "cutover: %s\n", error_format(&err, ebuf, sizeof ebuf));
        config_fini(&cfg);
        return 2;
    }
    struct kube_context ctx[2];
    memset(ctx, 0, sizeof ctx);
    const char *names2[2] = {cfg.source, cfg.target};
    for (int s = 0; s < 2; s++) {
        if (kubeconfig_resolve(kc, names2[s], &ctx[s], &err) != 0) {
            fprintf(stderr, "cutover: %s context: %s\n", s ? "target" : "source",
                    error_format(&err, ebuf, sizeof ebuf));
            if (s)
                kube_context_fini(&ctx[0]);
            kubeconfig_free(kc);
            config_fini(&cfg);
            return 2;
        }
    }
    /* kc stays loaded: Gateway API traffic targets resolve their context through it */

    /* From here on, messages go to the log file: the screen is about to be taken. */
    if (log_open(NULL) != 0)
        fprintf(stderr, "cutover: cannot open the log file under $XDG_STATE_HOME/cutover\n");

    int wake[2];
    if (tui_wake_pipe(wake) != 0) {
        fprintf(stderr, "cutover: pipe: %s\n", strerror(errno));
        kube_context_fini(&ctx[0]);
        kube_context_fini(&ctx[1]);
        kubeconfig_free(kc);
        config_fini(&cfg);
        return 2;
    }
    struct model_publisher *pub[2] = {model_publisher_new(wake[1]), model_publisher_new(wake[1])};
    struct pollers pl = {{NULL, NULL}, NULL, NULL};
    struct k8s_poller **poller = pl.k8s;
    /* `refresh:` is how often the screen gets a new snapshot while the watches stream changes
     * (first data and errors are published at once by the poller) */
    struct k8s_poller_opts popts = {.read_only = a->observer, .publish_ms = cfg.refresh_ms};
    int code = 0;
    for (int s = 0; s < 2 && code == 0; s++) {
        if (k8s_poller_start(&ctx[s], &popts, pub[s], &poller[s], &err) != 0) {
            fprintf(stderr, "cutover: %s: %s\n", names2[s], error_format(&err, ebuf, sizeof ebuf));
            code = 2;
        }
    }
    struct traffic_target_cfg *targets = NULL;
    size_t ntargets = traffic_targets(&cfg, a, &targets);
    struct journal *journal = NULL;
    if (code == 0 && ntargets > 0) {
        struct traffic_poller_opts topts = {
            .refresh_ms = cfg.refresh_ms,
            .wake_fd = wake[1],
            .env = {.read_only = a->observer, .kubeconfig = kc},
        };
        if (traffic_poller_start(targets, ntargets, &topts, &pl.traffic, &err) != 0) {
            fprintf(stderr, "cutover: traffic: %s\n", error_format(&err, ebuf, sizeof ebuf));
            code = 2;
        }
    }
    if (code == 0 && !a->observer) /* traffic changes and drift force-syncs are journaled */
        journal = open_journal(&cfg, a);
    /* Secret drift (issue #5): a reader of its own with one client per cluster, which the drift
     * view's diff and force-sync use too */
    struct k8s_http *dhttp[2] = {NULL, NULL};
    struct drift_config dcfg;
    memset(&dcfg, 0, sizeof dcfg);
    drift_config_copy(&dcfg, &cfg.drift);
    if (dcfg.aws_endpoint == NULL && a->drift_aws_endpoint) {
        dcfg.aws_endpoint = xstrdup(a->drift_aws_endpoint);
        if (dcfg.aws_profile == NULL && a->drift_aws_profile)
            dcfg.aws_profile = xstrdup(a->drift_aws_profile);
    }
    if (code == 0) {
        struct k8s_http_opts ho = {.read_only = a->observer};
        bool ok = true;
        for (int s = 0; s < 2 && ok; s++)
            if (k8s_http_new(&ctx[s], &ho, &dhttp[s], &err) != 0) {
                log_error("drift: %s: %s", names2[s], error_format(&err, ebuf, sizeof ebuf));
                ok = false;
            }
        if (ok) {
            struct drift_reader_opts dro = {
                .read_only = a->observer, .cfg = &dcfg, .wake_fd = wake[1]};
            pl.drift = drift_reader_start(dhttp[0], dhttp[1], &dro);
        }
    }
    if (code == 0) {
        struct tui_opts t = {
            .context = {cfg.source, cfg.target},
            .mode = a->observer ? "OBSERVER" : "LIVE",
            .config = &cfg,
            .pub = {pub[0], pub[1]},
            .wake_fd = wake[0],
            .refresh = refresh_both,
            .refresh_arg = &pl,
            .traffic = pl.traffic,
            .journal = journal,
            .traffic_wake_fd = wake[1],
            .message = a->message,
            .drift = pl.drift,
            .drift_http = {dhttp[0], dhttp[1]},
        };
        if (tui_run(&t, &err) != 0) {
            fprintf(stderr, "cutover: %s\n", error_format(&err, ebuf, sizeof ebuf));
            code = 2;
        }
    }
    for (int s = 0; s < 2; s++)
        k8s_poller_stop(poller[s]);
    traffic_poller_stop(pl.traffic);
    drift_reader_stop(pl.drift);
    for (int s = 0; s < 2; s++)
        k8s_http_free(dhttp[s]);
    drift_config_fini(&dcfg);
    journal_free(journal);
    for (size_t i = 0; i < ntargets; i++)
        traffic_target_cfg_fini(&targets[i]);
    free(targets);
    kubeconfig_free(kc);
    for (int s = 0; s < 2; s++) {
        model_publisher_free(pub[s]);
        kube_context_fini(&ctx[s]);
    }
    close(wake[0]);
    close(wake[1]);
    log_close();
    config_fini(&cfg);
    return code;
}

int cmd_dashboard(int argc, char **argv)
{
    struct cmd_dashboard_args a = {0};
    int rc = cmd_dashboard_parse(argc, argv, 1, &a);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    return cmd_dashboard_run(&a);
}
