/* An HAProxy backend with two servers as a traffic target, through the runtime API
 * (haproxy_cli.h). read = `show servers state BACKEND`: each side's srv_uweight and its state
 * (UP, DOWN, MAINT, DRAIN...). apply = `set weight BACKEND/SERVER N` for each side, ABSOLUTE
 * weights (never "N%", which HAProxy takes relative to the configured weight), the side with the
 * larger new weight first so that the backend never passes through 0/0 on its way; each answer
 * is checked, then the weights are read back.
 *
 * A server in MAINT or DRAIN is left in that state: its weight is written (HAProxy keeps it and
 * uses it once the server is made ready) and the reading shows MAINT/DRAIN. Maintenance is set by
 * a person or a health policy for a reason; a weight change does not overrule it. */

#include "cutover/traffic_provider.h"

#include "cutover/haproxy_cli.h"
#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HAPROXY_WEIGHT_MAX 256

struct hp {
    struct haproxy_cli *cli;
};

static enum traffic_health health_of(const char *status)
{
    if (strcmp(status, "UP") == 0)
        return TRAFFIC_HEALTH_UP;
    if (strcmp(status, "DRAIN") == 0 || strcmp(status, "STARTING") == 0 ||
        strcmp(status, "STOPPING") == 0)
        return TRAFFIC_HEALTH_DEGRADED;
    if (strcmp(status, "DOWN") == 0 || strcmp(status, "MAINT") == 0)
        return TRAFFIC_HEALTH_DOWN;
    return TRAFFIC_HEALTH_UNKNOWN;
}

static int hp_read(struct traffic_provider *p, struct traffic_reading *out, struct error *err)
{
    struct error local;
    if (err == NULL)
        err = &local;
    struct hp *h = p->impl;
    memset(out, 0, sizeof *out);
    for (int s = 0; s < 2; s++) {
        out->side[s].weight = -1;
        out->side[s].observed_rps = -1;
    }
    char *cmd = xasprintf("show servers state %s", p->cfg.backend);
    char *answer = NULL;
    int rc = haproxy_cli_run(h->cli, cmd, &answer, err);
    free(cmd);
    if (rc < 0) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    struct haproxy_servers servers;
    if (haproxy_servers_parse(answer, strlen(answer), &servers, err) < 0) {
        char *msg = xasprintf("backend %s: %s", p->cfg.backend, err->msg);
        error_set(err, "%s", msg);
        free(msg);
        free(answer);
        traffic_provider_err_target(err, p);
        return -1;
    }
    free(answer);
    const char *ids[2] = {p->cfg.old_id, p->cfg.new_id};
    for (int s = 0; s < 2; s++) {
        const struct haproxy_server_state *srv =
            haproxy_servers_find(&servers, p->cfg.backend, ids[s]);
        if (srv == NULL) {
            out->side[s].health_detail = xstrdup("no such server");
            continue;
        }
        const char *status = haproxy_server_status(srv);
        out->side[s].present = true;
        out->side[s].weight = srv->uweight;
        out->side[s].health = (uint8_t)health_of(status);
        out->side[s].health_detail = xstrdup(status);
    }
    out->detail =
        xasprintf("backend %s, %zu server%s", p->cfg.backend, servers.n, servers.n == 1 ? "" : "s");
    haproxy_servers_fini(&servers);
    return 0;
}

static bool weights_ok(const struct traffic_weights *to, struct error *err)
{
    for (int s = 0; s < 2; s++) {
        if (to->w[s] < 0 || to->w[s] > HAPROXY_WEIGHT_MAX) {
            error_set(err, "weight %d out of range 0..%d for HAProxy", to->w[s],
                      HAPROXY_WEIGHT_MAX);
            return false;
        }
    }
    return true;
}

/* The sides in the order they are written: the larger new weight first (old first on a tie),
 * so that the first write never leaves both servers at weight 0 unless 0/0 was asked for. */
static void order(const struct traffic_weights *to, int first_last[2])
{
    if (to->w[TRAFFIC_NEW] > to->w[TRAFFIC_OLD]) {
        first_last[0] = TRAFFIC_NEW;
        first_last[1] = TRAFFIC_OLD;
    } else {
        first_last[0] = TRAFFIC_OLD;
        first_last[1] = TRAFFIC_NEW;
    }
}

/* The runtime API command that sets side s (without the address). */
static char *command(const struct traffic_provider *p, int s, int weight)
{
    const char *srv = s == TRAFFIC_OLD ? p->cfg.old_id : p->cfg.new_id;
    return xasprintf("set weight %s/%s %d", p->cfg.backend, srv, weight);
}

static int hp_describe(struct traffic_provider *p, const struct traffic_weights *to, char ***lines,
                       size_t *n, struct error *err)
{
    struct error local;
    if (err == NULL)
        err = &local;
    *lines = NULL;
    *n = 0;
    if (!weights_ok(to, err)) {
        traffic_provider_err_target(err, p);
        return -1;
    }
    int ord[2];
    order(to, ord);
    char **v = xcalloc(2, sizeof *v);
    char addr[256];
    text_sanitize_buf(p->cfg.address, addr, sizeof addr);
    for (int i = 0; i < 2; i++) {
        char *cmd = command(p, ord[i], to->w[ord[i]]);
        v[i] = xasprintf("haproxy %s: %s", addr, cmd);
        free(cmd);
    }
    *lines = v;
    *n = 2;
    return 0;
}

static int hp_apply(struct traffic_provider *p, const struct traffic_weights *to,
                    struct traffic_apply_result *res, struct error *err)
{
    struct error local;
    if (err == NULL)
        err = &local;
    struct hp *h = p->impl;
    memset(res, 0, sizeof *res);
    if (p->read_only)
        return traffic_provider_refuse_observer(p, "set weight", res, err);
    if (!weights_ok(to, err)) {
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    int ord[2];
    order(to, ord);
    for (int i = 0; i < 2; i++) {
        char *cmd = command(p, ord[i], to->w[ord[i]]);
        int rc = haproxy_cli_exec(h->cli, cmd, err);
        if (rc == 0) {
            res->sent = true;
            res->applied++;
            log_info("traffic %s: haproxy %s: %s accepted", p->cfg.name, p->cfg.address, cmd);
            free(cmd);
            continue;
        }
        const char *before = res->applied ? "earlier command accepted; " : "";
        if (rc == HAPROXY_CLI_EREFUSED) {
            res->detail = xasprintf("%srefused: observer mode (not sent): %s", before, cmd);
        } else if (rc == HAPROXY_CLI_ECONNECT) {
            res->detail = xasprintf("%snot sent (no connection): %s: %s", before, cmd, err->msg);
        } else if (rc == HAPROXY_CLI_EIO) {
            res->sent = true;
            res->detail =
                xasprintf("%soutcome unknown (not resent): %s: %s", before, cmd, err->msg);
        } else {
            res->sent = true;
            res->detail = xasprintf("%srejected: %s", before, err->msg);
        }
        log_warn("traffic %s: %s", p->cfg.name, res->detail);
        free(cmd);
        traffic_provider_err_target(err, p);
        return -1;
    }

    /* Read back: accepted only when HAProxy now reports the weights written. */
    struct traffic_reading back;
    if (hp_read(p, &back, err) < 0) {
        char *msg = xasprintf("both set weight accepted; read-back failed: %s", err->msg);
        res->detail = msg;
        error_set(err, "%s", msg);
        return -1;
    }
    int got[2] = {back.side[0].weight, back.side[1].weight};
    traffic_reading_fini(&back);
    if (got[0] != to->w[0] || got[1] != to->w[1]) {
        error_set(err, "set weight accepted but HAProxy reports %s %d, %s %d, not %d/%d",
                  p->cfg.old_id, got[0], p->cfg.new_id, got[1], to->w[0], to->w[1]);
        res->detail = xstrdup(err->msg);
        traffic_provider_err_target(err, p);
        return -1;
    }
    res->accepted = true;
    res->detail = xasprintf("set weight accepted; read back %s %d, %s %d", p->cfg.old_id, got[0],
                            p->cfg.new_id, got[1]);
    return 0;
}

static void hp_free(struct traffic_provider *p)
{
    struct hp *h = p->impl;
    if (h == NULL)
        return;
    haproxy_cli_free(h->cli);
    free(h);
}

static const struct traffic_provider_ops hp_ops = {
    .read = hp_read,
    .describe = hp_describe,
    .apply = hp_apply,
    .free = hp_free,
};

int traffic_haproxy_new(const struct traffic_target_cfg *cfg,
                        const struct traffic_provider_env *env, struct traffic_provider **out,
                        struct error *err)
{
    *out = NULL;
    const char *name = cfg->name ? cfg->name : "?";
    const char *what = NULL;
    if (cfg->address == NULL)
        what = "no address";
    else if (!haproxy_cli_name_valid(cfg->backend))
        what = "backend missing or not a valid HAProxy name";
    else if (!haproxy_cli_name_valid(cfg->old_id))
        what = "old server missing or not a valid HAProxy name";
    else if (!haproxy_cli_name_valid(cfg->new_id))
        what = "new server missing or not a valid HAProxy name";
    if (what != NULL) {
        error_set(err, "traffic target %s (haproxy): %s", name, what);
        error_sanitize(err);
        return -1;
    }
    struct haproxy_cli *cli = NULL;
    int timeout = env && env->timeout_ms > 0 ? env->timeout_ms : 10000;
    if (haproxy_cli_new(cfg->address, timeout, env && env->read_only, &cli, err) < 0) {
        char *msg = xasprintf("traffic target %s: %s", name, err->msg);
        error_set(err, "%s", msg);
        free(msg);
        error_sanitize(err);
        return -1;
    }
    struct hp *h = xcalloc(1, sizeof *h);
    h->cli = cli;
    *out = traffic_provider_alloc(&hp_ops, cfg, env, h);
    return 0;
}
