/* Starting and stopping the simulated clusters, the kubeconfig, the ready line and the admin
 * server (request counts, faults, mutations). */
#include "cutover/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <malloc.h>
#include <microhttpd.h>

#include "cutover/xalloc.h"
#include "sim_aws.h"
#include "sim_buf.h"
#include "sim_gen.h"
#include "sim_server.h"

static int method_index(const char *m)
{
    static const char *names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (int i = 0; i < 7; i++)
        if (strcmp(m, names[i]) == 0)
            return i;
    return SIM_M_OTHER;
}

void sim_count_request(struct sim *sim, struct sim_cluster *c, const char *method)
{
    bool mut = sim_api_is_mutating(method);
    XPTHREAD(pthread_mutex_lock(&sim->count_mu));
    sim->total++;
    sim->by_method[method_index(method)]++;
    if (mut)
        sim->mutating++;
    if (c) {
        c->total++;
        if (mut)
            c->mutating++;
    }
    XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
}

void sim_count_protobuf(struct sim *sim)
{
    XPTHREAD(pthread_mutex_lock(&sim->count_mu));
    sim->protobuf++;
    XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
}

void sim_count_agent(struct sim *sim, const char *ua, bool mutating)
{
    /* the product token ("kubectl/v1.29.3", "aws-cli/1.45.11", "cutover/0.1"): the rest of a
     * User-Agent (botocore's per-call feature list) would make every request a new agent */
    if (!ua)
        ua = "";
    size_t n = strcspn(ua, " \t");
    XPTHREAD(pthread_mutex_lock(&sim->count_mu));
    size_t i;
    for (i = 0; i < sim->nagents; i++)
        if (strlen(sim->agents[i].agent) == n && strncmp(sim->agents[i].agent, ua, n) == 0)
            break;
    if (i == sim->nagents && i < 1000) {
        sim->agents = xreallocarray(sim->agents, sim->nagents + 1, sizeof *sim->agents);
        sim->agents[i] = (struct sim_agent_count){.agent = xstrndup(ua, n)};
        sim->nagents++;
    }
    if (i < sim->nagents) {
        sim->agents[i].total++;
        if (mutating)
            sim->agents[i].mutating++;
    }
    XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
}

static void agents_reset(struct sim *sim)
{
    for (size_t i = 0; i < sim->nagents; i++)
        free(sim->agents[i].agent);
    free(sim->agents);
    sim->agents = NULL;
    sim->nagents = 0;
}

char *sim_requests_json(struct sim *sim)
{
    static const char *names[] = {"GET",   "HEAD",   "POST",    "PUT",
                                  "PATCH", "DELETE", "OPTIONS", "OTHER"};
    struct sim_buf b = {0};
    XPTHREAD(pthread_mutex_lock(&sim->count_mu));
    sim_buf_addf(&b, "{\"total\":%llu,\"by_method\":{", (unsigned long long)sim->total);
    bool first = true;
    for (int i = 0; i < SIM_M_COUNT; i++) {
        if (!sim->by_method[i])
            continue;
        sim_buf_addf(&b, "%s\"%s\":%llu", first ? "" : ",", names[i],
                     (unsigned long long)sim->by_method[i]);
        first = false;
    }
    sim_buf_addf(&b, "},\"mutating\":%llu,\"protobuf\":%llu,\"by_cluster\":{",
                 (unsigned long long)sim->mutating, (unsigned long long)sim->protobuf);
    for (size_t i = 0; i < sim->nclusters; i++) {
        struct sim_cluster *c = &sim->clusters[i];
        if (i)
            sim_buf_add(&b, ",", 1);
        sim_buf_add_jstr(&b, c->spec->context);
        sim_buf_addf(&b, ":{\"total\":%llu,\"mutating\":%llu}", (unsigned long long)c->total,
                     (unsigned long long)c->mutating);
    }
    sim_buf_adds(&b, "},\"by_agent\":{");
    for (size_t i = 0; i < sim->nagents; i++) {
        if (i)
            sim_buf_add(&b, ",", 1);
        sim_buf_add_jstr(&b, sim->agents[i].agent);
        sim_buf_addf(&b, ":{\"total\":%llu,\"mutating\":%llu}",
                     (unsigned long long)sim->agents[i].total,
                     (unsigned long long)sim->agents[i].mutating);
    }
    XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
    sim_buf_adds(&b, "}");
    if (sim->aws) {
        char *aws = sim_aws_counts_json(sim->aws);
        sim_buf_adds(&b, ",\"aws\":");
        sim_buf_adds(&b, aws);
        free(aws);
    }
    sim_buf_adds(&b, "}");
    return sim_buf_take(&b);
}

static void requests_reset(struct sim *sim)
{
    XPTHREAD(pthread_mutex_lock(&sim->count_mu));
    sim->total = sim->mutating = sim->protobuf = 0;
    memset(sim->by_method, 0, sizeof sim->by_method);
    for (size_t i = 0; i < sim->nclusters; i++)
        sim->clusters[i].total = sim->clusters[i].mutating = 0;
    agents_reset(sim);
    XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
    if (sim->aws)
        sim_aws_counts_reset(sim->aws);
}

struct sim_cluster *sim_cluster_find(struct sim *sim, const char *ctx)
{
    for (size_t i = 0; ctx && i < sim->nclusters; i++)
        if (strcmp(sim->clusters[i].spec->context, ctx) == 0)
            return &sim->clusters[i];
    return NULL;
}

void sim_new_uid(struct sim *sim, char *out)
{
    XPTHREAD(pthread_mutex_lock(&sim->stop_mu));
    sim_gen_uid(&sim->uid_rng, out);
    XPTHREAD(pthread_mutex_unlock(&sim->stop_mu));
}

/* ---- admin server --------------------------------------------------------------------------- */

struct admin_req {
    struct sim_buf body;
};

static enum MHD_Result admin_reply(struct MHD_Connection *conn, int code, char *body)
{
    size_t len = strlen(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)code, r);
    MHD_destroy_response(r);
    return ret;
}

static char *err_json(const char *msg)
{
    struct sim_buf b = {0};
    sim_buf_adds(&b, "{\"error\":");
    sim_buf_add_jstr(&b, msg);
    sim_buf_add(&b, "}", 1);
    return sim_buf_take(&b);
}

static char *stats_json(struct sim *sim)
{
    struct sim_buf b = {0};
    sim_buf_add(&b, "{", 1);
    for (size_t i = 0; i < sim->nclusters; i++) {
        struct sim_cluster *c = &sim->clusters[i];
        if (i)
            sim_buf_add(&b, ",", 1);
        sim_buf_add_jstr(&b, c->spec->context);
        sim_buf_addf(&b, ":{\"resourceVersion\":%llu", (unsigned long long)sim_store_rv(c->store));
        for (int r = 0; r < SIM_RES_COUNT; r++) {
            const struct sim_res_info *ri = &sim_res_table[r];
            sim_buf_addf(&b, ",\"%s%s%s\":%zu", ri->name, *ri->group ? "." : "", ri->group,
                         sim_store_count(c->store, (enum sim_res)r, NULL));
        }
        sim_buf_add(&b, "}", 1);
    }
    sim_buf_add(&b, "}", 1);
    return sim_buf_take(&b);
}

static enum MHD_Result admin_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    (void)version;
    struct sim *sim = cls;
    struct admin_req *rq = *con_cls;
    if (!rq) {
        *con_cls = xcalloc(1, sizeof *rq);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->body.len < (1u << 20))
            sim_buf_add(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    const char *body = rq->body.data ? rq->body.data : "";
    struct error err = {0};
    bool get = strcmp(method, "GET") == 0;
    if (strcmp(url, "/requests") == 0 && get)
        return admin_reply(conn, 200, sim_requests_json(sim));
    if (strcmp(url, "/requests") == 0 && strcmp(method, "DELETE") == 0) {
        requests_reset(sim);
        return admin_reply(conn, 200, xstrdup("{}"));
    }
    if (strcmp(url, "/stats") == 0 && get)
        return admin_reply(conn, 200, stats_json(sim));
    if (strcmp(url, "/ready") == 0 && get) {
        XPTHREAD(pthread_mutex_lock(&sim->count_mu));
        char *ready = sim->ready ? xstrdup(sim->ready) : NULL;
        XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
        return ready ? admin_reply(conn, 200, ready)
                     : admin_reply(conn, 503, err_json("still starting"));
    }
    if (strcmp(url, "/faults") == 0 && get)
        return admin_reply(conn, 200, sim_fault_list_json(&sim->faults));
    if (strcmp(url, "/faults") == 0 && strcmp(method, "POST") == 0) {
        int id = sim_fault_push(&sim->faults, body, &err);
        if (id < 0)
            return admin_reply(conn, 400, err_json(err.msg));
        return admin_reply(conn, 200, xasprintf("{\"id\":%d}", id));
    }
    if (strcmp(url, "/faults") == 0 && strcmp(method, "DELETE") == 0) {
        sim_fault_clear_all(&sim->faults);
        return admin_reply(conn, 200, xstrdup("{}"));
    }
    if (strncmp(url, "/faults/", 8) == 0 && strcmp(method, "DELETE") == 0) {
        char *end;
        long id = strtol(url + 8, &end, 10);
        if (*end || sim_fault_drop(&sim->faults, (int)id) < 0)
            return admin_reply(conn, 404, err_json("no such fault"));
        return admin_reply(conn, 200, xstrdup("{}"));
    }
    if (strcmp(url, "/mutate") == 0 && strcmp(method, "POST") == 0) {
        char *result = NULL;
        if (sim_mutate_apply(sim, body, &result, &err) < 0)
            return admin_reply(conn, 400, err_json(err.msg));
        return admin_reply(conn, 200, result);
    }
    return admin_reply(conn, 404,
                       err_json("not found: GET /requests, DELETE /requests, GET /stats, "
                                "GET|POST|DELETE /faults, DELETE /faults/N, POST /mutate"));
}

static void admin_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct admin_req *rq = *con_cls;
    if (!rq)
        return;
    sim_buf_fini(&rq->body);
    free(rq);
    *con_cls = NULL;
}

static int admin_start(struct sim *sim, int port, struct error *err)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sim->admin =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
                         admin_handler, sim, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, admin_completed, sim, MHD_OPTION_END);
    if (!sim->admin) {
        error_set(err, "admin: cannot listen on 127.0.0.1:%d", port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(sim->admin, MHD_DAEMON_INFO_BIND_PORT);
    sim->admin_port = info ? info->port : port;
    snprintf(sim->admin_url, sizeof sim->admin_url, "http://127.0.0.1:%d", sim->admin_port);
    return 0;
}

/* ---- kubeconfig and ready line -------------------------------------------------------------- */

static int write_kubeconfig(struct sim *sim, struct error *err)
{
    char *ca64 = sim_tls_base64(sim->tls.ca_pem, strlen(sim->tls.ca_pem));
    struct sim_buf b = {0};
    sim_buf_adds(&b, "apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n");
    for (size_t i = 0; i < sim->nclusters; i++)
        sim_buf_addf(&b,
                     "- name: %s\n  cluster:\n    server: %s\n    certificate-authority-data: "
                     "%s\n",
                     sim->clusters[i].spec->name, sim->clusters[i].url, ca64);
    sim_buf_adds(&b, "users:\n");
    for (size_t i = 0; i < sim->nclusters; i++)
        sim_buf_addf(&b, "- name: %s-admin\n  user:\n    token: %s\n", sim->clusters[i].spec->name,
                     sim->clusters[i].token);
    sim_buf_adds(&b, "contexts:\n");
    for (size_t i = 0; i < sim->nclusters; i++)
        sim_buf_addf(&b, "- name: %s\n  context:\n    cluster: %s\n    user: %s-admin\n",
                     sim->clusters[i].spec->context, sim->clusters[i].spec->name,
                     sim->clusters[i].spec->name);
    sim_buf_addf(&b, "current-context: %s\n", sim->sc->source);
    free(ca64);
    char *tmp = xasprintf("%s.tmp.%d", sim->kubeconfig, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd < 0) {
        error_set(err, "%s: %s", sim->kubeconfig, strerror(errno));
        goto out;
    }
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = write(fd, b.data + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error_set(err, "%s: %s", sim->kubeconfig, strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)n;
    }
    close(fd);
    if (rename(tmp, sim->kubeconfig) < 0) {
        error_set(err, "%s: %s", sim->kubeconfig, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    sim_buf_fini(&b);
    return rc;
}

static void make_ready(struct sim *sim)
{
    struct sim_buf b = {0};
    sim_buf_adds(&b, "{\"kubeconfig\": ");
    sim_buf_add_jstr(&b, sim->kubeconfig);
    sim_buf_adds(&b, ", \"source\": ");
    sim_buf_add_jstr(&b, sim->sc->source);
    sim_buf_adds(&b, ", \"target\": ");
    sim_buf_add_jstr(&b, sim->sc->target);
    sim_buf_adds(&b, ", \"clusters\": {");
    for (size_t i = 0; i < sim->nclusters; i++) {
        if (i)
            sim_buf_adds(&b, ", ");
        sim_buf_add_jstr(&b, sim->clusters[i].spec->context);
        sim_buf_adds(&b, ": ");
        sim_buf_add_jstr(&b, sim->clusters[i].url);
    }
    sim_buf_adds(&b, "}, \"admin\": ");
    sim_buf_add_jstr(&b, sim->admin_url);
    if (sim->aws) {
        char *aws = sim_aws_ready_json(sim->aws);
        sim_buf_adds(&b, ", \"aws\": ");
        sim_buf_adds(&b, aws);
        free(aws);
    }
    sim_buf_add(&b, "}", 1);
    XPTHREAD(pthread_mutex_lock(&sim->count_mu));
    sim->ready = sim_buf_take(&b);
    XPTHREAD(pthread_mutex_unlock(&sim->count_mu));
}

/* ---- churn ---------------------------------------------------------------------------------- */

static void *churn_main(void *arg)
{
    struct sim_cluster *c = arg;
    struct sim *sim = c->sim;
    double acc_r = 0, acc_o = 0;
    for (;;) {
        XPTHREAD(pthread_mutex_lock(&sim->stop_mu));
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!sim->stopping) {
            int rc = pthread_cond_timedwait(&sim->stop_cond, &sim->stop_mu, &ts);
            if (rc == ETIMEDOUT)
                break;
        }
        bool stop = sim->stopping;
        XPTHREAD(pthread_mutex_unlock(&sim->stop_mu));
        if (stop)
            return NULL;
        sim_churn_step(c, 0.1, &acc_r, &acc_o);
    }
}

/* ---- generation: one thread per cluster --------------------------------------------------- */

struct gen_job {
    struct sim_cluster *c;
    struct error err;
    int rc;
};

static void *gen_main(void *arg)
{
    struct gen_job *j = arg;
    j->rc = sim_gen_cluster(j->c->spec, j->c->index, j->c->sim->tls.ca_pem, j->c->store, &j->err);
    return NULL;
}

static int gen_all(struct sim *sim, struct error *err)
{
    struct gen_job *jobs = xcalloc(sim->nclusters, sizeof *jobs);
    pthread_t *th = xcalloc(sim->nclusters, sizeof *th);
    for (size_t i = 0; i < sim->nclusters; i++) {
        jobs[i].c = &sim->clusters[i];
        XPTHREAD(pthread_create(&th[i], NULL, gen_main, &jobs[i]));
    }
    int rc = 0;
    for (size_t i = 0; i < sim->nclusters; i++) {
        XPTHREAD(pthread_join(th[i], NULL));
        if (jobs[i].rc < 0 && rc == 0) {
            if (err)
                *err = jobs[i].err;
            rc = -1;
        }
    }
    free(jobs);
    free(th);
    return rc;
}

/* ---- start / stop --------------------------------------------------------------------------- */

int sim_start(const struct sim_opts *opts, struct sim **out, struct error *err)
{
    /* Generation makes millions of small allocations from two threads: grow the heaps in big
     * steps instead of one mprotect per page (that was most of the start-up time). */
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    struct sim *sim = xcalloc(1, sizeof *sim);
    sim->opts = *opts;
    XPTHREAD(pthread_mutex_init(&sim->count_mu, NULL));
    XPTHREAD(pthread_mutex_init(&sim->stop_mu, NULL));
    pthread_condattr_t ca;
    XPTHREAD(pthread_condattr_init(&ca));
    XPTHREAD(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
    XPTHREAD(pthread_cond_init(&sim->stop_cond, &ca));
    pthread_condattr_destroy(&ca);
    sim_fault_init(&sim->faults);
    sim->uid_rng = (uint64_t)time(NULL) * 2654435761ULL ^ (uint64_t)getpid();
    int rc;
    if (opts->scenario_path)
        rc = sim_scenario_load(opts->scenario_path, &sim->sc, err);
    else if (opts->scenario_yaml)
        rc = sim_scenario_parse(opts->scenario_yaml, strlen(opts->scenario_yaml), "<inline>",
                                &sim->sc, err);
    else {
        char *demo = sim_scenario_demo_text();
        rc = sim_scenario_parse(demo, strlen(demo), "<demo>", &sim->sc, err);
        free(demo);
    }
    if (rc < 0)
        goto fail;
    if (sim_tls_generate(&sim->tls, err) < 0)
        goto fail;
    sim->nclusters = sim->sc->nclusters;
    sim->clusters = xcalloc(sim->nclusters, sizeof *sim->clusters);
    for (size_t i = 0; i < sim->nclusters; i++) {
        struct sim_cluster *c = &sim->clusters[i];
        c->sim = sim;
        c->index = (int)i;
        c->spec = &sim->sc->clusters[i];
        c->store = sim_store_new(opts->history > 0 ? (size_t)opts->history : 20000);
        c->token = sim_tls_random_hex(24);
    }
    if (gen_all(sim, err) < 0)
        goto fail;
    for (size_t i = 0; i < sim->nclusters; i++) {
        int port = opts->port_base > 0 ? opts->port_base + (int)i : 0;
        if (sim_api_start(&sim->clusters[i], port, err) < 0)
            goto fail;
    }
    if (opts->kubeconfig_path) {
        sim->kubeconfig = xstrdup(opts->kubeconfig_path);
    } else {
        const char *t = getenv("TMPDIR");
        char *tmpl = xasprintf("%s/cutover-sim.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpl)) {
            error_set(err, "mkdtemp %s: %s", tmpl, strerror(errno));
            free(tmpl);
            goto fail;
        }
        sim->tmpdir = tmpl;
        sim->kubeconfig = xasprintf("%s/kubeconfig", tmpl);
    }
    if (write_kubeconfig(sim, err) < 0)
        goto fail;
    if (sim->sc->aws) {
        int aport = opts->port_base > 0 ? opts->port_base + (int)sim->nclusters + 1 : 0;
        if (sim_aws_start(sim, sim->sc->aws, aport, sim->kubeconfig, &sim->aws, err) < 0)
            goto fail;
        sim_aws_set_remove_files(sim->aws, sim->tmpdir != NULL);
    }
    /* the admin server last: its threads read sim->aws, which no longer changes */
    if (admin_start(sim, opts->port_base > 0 ? opts->port_base + (int)sim->nclusters : 0, err) < 0)
        goto fail;
    for (size_t i = 0; i < sim->sc->nfaults; i++) {
        /* the kind names were not checked while parsing: the fault module knows them */
        struct error ferr = {0};
        if (sim_fault_push(&sim->faults, sim->sc->faults[i], &ferr) < 0) {
            error_set(err, "scenario fault %zu: %s", i + 1, ferr.msg);
            goto fail;
        }
    }
    make_ready(sim);
    if (!opts->no_churn) {
        for (size_t i = 0; i < sim->nclusters; i++) {
            struct sim_cluster *c = &sim->clusters[i];
            if (c->spec->restarts_per_sec > 0 || c->spec->rollout_every_sec > 0) {
                XPTHREAD(pthread_create(&c->churn, NULL, churn_main, c));
                c->churn_started = true;
            }
        }
    }
    *out = sim;
    return 0;
fail:
    sim_stop(sim);
    return -1;
}

const char *sim_ready_line(const struct sim *sim)
{
    return sim->ready;
}

const char *sim_kubeconfig_path(const struct sim *sim)
{
    return sim->kubeconfig;
}

const char *sim_cluster_url(const struct sim *sim, const char *ctx)
{
    struct sim_cluster *c = sim_cluster_find((struct sim *)sim, ctx);
    return c ? c->url : NULL;
}

const char *sim_admin_url(const struct sim *sim)
{
    return sim->admin_url;
}

const char *sim_context(const struct sim *sim, int which)
{
    return which == 0 ? sim->sc->source : sim->sc->target;
}

const char *sim_token(const struct sim *sim, const char *ctx)
{
    struct sim_cluster *c = sim_cluster_find((struct sim *)sim, ctx);
    return c ? c->token : NULL;
}

int sim_fault_add(struct sim *sim, const char *json)
{
    int id = sim_fault_push(&sim->faults, json, NULL);
    return id < 0 ? -EINVAL : id;
}

int sim_fault_remove(struct sim *sim, int id)
{
    return sim_fault_drop(&sim->faults, id) < 0 ? -ENOENT : 0;
}

void sim_faults_clear(struct sim *sim)
{
    sim_fault_clear_all(&sim->faults);
}

int sim_mutate_err(struct sim *sim, const char *json, struct error *err)
{
    char *result = NULL;
    int rc = sim_mutate_apply(sim, json, &result, err);
    free(result);
    return rc < 0 ? -EINVAL : 0;
}

int sim_mutate(struct sim *sim, const char *json)
{
    return sim_mutate_err(sim, json, NULL);
}

unsigned long long sim_resource_version(struct sim *sim, const char *ctx)
{
    struct sim_cluster *c = sim_cluster_find(sim, ctx);
    return c ? (unsigned long long)sim_store_rv(c->store) : 0;
}

const char *sim_aws_url(const struct sim *sim)
{
    return sim->aws ? sim_aws_endpoint(sim->aws) : NULL;
}

const char *sim_aws_config_file(const struct sim *sim)
{
    return sim->aws ? sim_aws_config_path(sim->aws) : NULL;
}

const char *sim_aws_credentials_file(const struct sim *sim)
{
    return sim->aws ? sim_aws_credentials_path(sim->aws) : NULL;
}

const char *sim_aws_profile(const struct sim *sim)
{
    return sim->aws ? "sim" : NULL;
}

const char *sim_aws_access_key_id(const struct sim *sim)
{
    return sim->aws ? sim_aws_key_id(sim->aws) : NULL;
}

const char *sim_aws_secret_access_key(const struct sim *sim)
{
    return sim->aws ? sim_aws_key_secret(sim->aws) : NULL;
}

void sim_stop(struct sim *sim)
{
    if (!sim)
        return;
    XPTHREAD(pthread_mutex_lock(&sim->stop_mu));
    sim->stopping = true;
    XPTHREAD(pthread_cond_broadcast(&sim->stop_cond));
    XPTHREAD(pthread_mutex_unlock(&sim->stop_mu));
    for (size_t i = 0; i < sim->nclusters; i++) {
        struct sim_cluster *c = &sim->clusters[i];
        if (c->churn_started)
            XPTHREAD(pthread_join(c->churn, NULL));
        if (c->store)
            sim_store_shutdown(c->store);
    }
    if (sim->admin)
        MHD_stop_daemon(sim->admin);
    sim_aws_stop(sim->aws);
    for (size_t i = 0; i < sim->nclusters; i++) {
        struct sim_cluster *c = &sim->clusters[i];
        sim_api_stop(c);
        sim_store_free(c->store);
        free(c->token);
    }
    free(sim->clusters);
    if (sim->tmpdir) {
        unlink(sim->kubeconfig);
        rmdir(sim->tmpdir);
        free(sim->tmpdir);
    }
    free(sim->kubeconfig);
    free(sim->ready);
    agents_reset(sim);
    sim_tls_fini(&sim->tls);
    sim_scenario_free(sim->sc);
    sim_fault_fini(&sim->faults);
    pthread_mutex_destroy(&sim->count_mu);
    pthread_mutex_destroy(&sim->stop_mu);
    pthread_cond_destroy(&sim->stop_cond);
    free(sim);
}
