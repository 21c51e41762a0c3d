/* The action table and what each action does to the dashboard. */
#include "cutover/actions.h"

#include "cutover/drift_worker.h"
#include "cutover/runbook_drive.h"
#include "cutover/traffic_worker.h"
#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int a_back(struct action_ctx *c)
{
    return dashboard_back(c->dash);
}

static int a_bottom(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_BOTTOM);
}

static int a_clear_filter(struct action_ctx *c)
{
    dashboard_namespace(c->dash, "");
    return dashboard_filter(c->dash, "");
}

static int a_command(struct action_ctx *c)
{
    return dashboard_prompt_open(c->dash, DASHBOARD_PROMPT_COMMAND);
}

static int a_down(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_DOWN);
}

static int a_filter(struct action_ctx *c)
{
    return dashboard_prompt_open(c->dash, DASHBOARD_PROMPT_FILTER);
}

static int a_help(struct action_ctx *c)
{
    return dashboard_help_toggle(c->dash);
}

static int a_next_panel(struct action_ctx *c)
{
    return dashboard_focus_step(c->dash, 1);
}

static int a_page_down(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_PGDN);
}

static int a_page_up(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_PGUP);
}

static int a_panel_findings(struct action_ctx *c)
{
    return dashboard_focus(c->dash, PANEL_FINDINGS);
}

static int a_panel_nodes(struct action_ctx *c)
{
    return dashboard_focus(c->dash, PANEL_NODES);
}

static int a_panel_secrets(struct action_ctx *c)
{
    return dashboard_focus(c->dash, PANEL_SECRETS);
}

static int a_panel_traffic(struct action_ctx *c)
{
    return dashboard_focus(c->dash, PANEL_TRAFFIC);
}

static int a_panel_workloads(struct action_ctx *c)
{
    return dashboard_focus(c->dash, PANEL_WORKLOADS);
}

static int a_prev_panel(struct action_ctx *c)
{
    return dashboard_focus_step(c->dash, -1);
}

static int a_quit(struct action_ctx *c)
{
    /* q in the all-pods view closes it (issue #7) */
    if (dashboard_allpods_is_open(c->dash) && !dashboard_drill_open(c->dash) &&
        !dashboard_help_open(c->dash))
        return dashboard_allpods_close(c->dash);
    if (c->runbook != NULL) /* an action in flight: asked first */
        return runbook_drive_quit(c->runbook, c->dash);
    return ACT_QUIT;
}

static int a_refresh(struct action_ctx *c)
{
    if (c->refresh == NULL) {
        dashboard_message(c->dash, "nothing to refresh");
        return ACT_REDRAW;
    }
    c->refresh(c->refresh_arg);
    dashboard_message(c->dash, "refreshing both clusters...");
    return ACT_REDRAW;
}

static int a_select(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_ENTER);
}

static int a_top(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_TOP);
}

static int a_up(struct action_ctx *c)
{
    return dashboard_cmd(c->dash, WIDGET_UP);
}

/* ---- the all-pods view and its sort (issue #7) ------------------------------------------- */

static int a_pods_view(struct action_ctx *c)
{
    return dashboard_allpods_open(c->dash);
}

static int a_sort_next(struct action_ctx *c)
{
    return dashboard_sort_step(c->dash, 1);
}

static int a_sort_prev(struct action_ctx *c)
{
    return dashboard_sort_step(c->dash, -1);
}

static int a_sort_reverse(struct action_ctx *c)
{
    return dashboard_sort_reverse(c->dash);
}

/* ---- traffic changes (issue #4): the flow lives in tui/traffic_worker.c ---------------- */

static int traffic_op(struct action_ctx *c, enum traffic_worker_op op)
{
    if (c->traffic == NULL) {
        dashboard_message(c->dash, "no traffic change possible: no traffic target is configured "
                                   "(docs/traffic.md)");
        return ACT_REDRAW;
    }
    return traffic_worker_action(c->traffic, c->dash, op);
}

static int a_traffic_next(struct action_ctx *c)
{
    return traffic_op(c, TRAFFIC_OP_NEXT);
}

static int a_traffic_prev(struct action_ctx *c)
{
    return traffic_op(c, TRAFFIC_OP_PREV);
}

static int a_traffic_rollback(struct action_ctx *c)
{
    return traffic_op(c, TRAFFIC_OP_ROLLBACK);
}

static int a_traffic_set(struct action_ctx *c)
{
    return traffic_op(c, TRAFFIC_OP_SET);
}

/* ---- Secret drift (issue #5): the flow lives in tui/drift_worker.c ----------------------- */

static int a_drift_view(struct action_ctx *c)
{
    return dashboard_drift_open(c->dash);
}

static int a_drift_force_sync(struct action_ctx *c)
{
    if (c->drift == NULL) {
        dashboard_message(c->dash, "no force-sync possible: secret drift is not being read");
        return ACT_REDRAW;
    }
    return drift_worker_force_sync(c->drift, c->dash);
}

/* ---- the guided runbook screen (issue #6): the flow lives in tui/runbook_drive.c -------- */

static int runbook_op(struct action_ctx *c, int op)
{
    if (c->runbook == NULL) {
        dashboard_message(c->dash, "no runbook is driven here (cutover runbook run FILE)");
        return ACT_REDRAW;
    }
    if (op < 0)
        return runbook_drive_abort(c->runbook, c->dash);
    return runbook_drive_action(c->runbook, c->dash, (enum runbook_drive_op)op);
}

static int a_runbook_abort(struct action_ctx *c)
{
    return runbook_op(c, -1);
}

static int a_runbook_rollback(struct action_ctx *c)
{
    return runbook_op(c, RUNBOOK_DRIVE_ROLLBACK);
}

static int a_runbook_run(struct action_ctx *c)
{
    return runbook_op(c, RUNBOOK_DRIVE_RUN);
}

/* Sorted by name (actions_find searches it; a unit test checks the order). */
static const struct action table[] = {
    {"back", a_back, "close the prompt, help or pod view; then clear the filter"},
    {"bottom", a_bottom, "go to the last row"},
    {"clear-filter", a_clear_filter, "clear the / filter and the :ns namespace"},
    {"command", a_command, "open the : command line"},
    {"down", a_down, "move down"},
    {"drift-force-sync", a_drift_force_sync,
     "drift view: force the selected ExternalSecret to refresh (preview, confirm, journal)"},
    {"drift-view", a_drift_view,
     "open the drift view (Secret contents are read, hashed, only while it is open)"},
    {"filter", a_filter, "filter rows by regex (! inverts)"},
    {"help", a_help, "show or hide this help"},
    {"next-panel", a_next_panel, "focus the next panel"},
    {"page-down", a_page_down, "page down"},
    {"page-up", a_page_up, "page up"},
    {"panel-findings", a_panel_findings, "focus Findings"},
    {"panel-nodes", a_panel_nodes, "focus Nodes by zone"},
    {"panel-secrets", a_panel_secrets, "focus Secrets drift"},
    {"panel-traffic", a_panel_traffic, "focus Traffic"},
    {"panel-workloads", a_panel_workloads, "focus Workloads"},
    {"pods-view", a_pods_view,
     "all pods of both clusters in one list (sort, filter; Enter: its workload's pods)"},
    {"prev-panel", a_prev_panel, "focus the previous panel"},
    {"quit", a_quit, "quit, restoring the terminal"},
    {"refresh", a_refresh, "relist both clusters now"},
    {"runbook-abort", a_runbook_abort,
     "runbook: stop the gate wait or soak in progress (an action in flight finishes first)"},
    {"runbook-rollback", a_runbook_rollback,
     "runbook: roll back the failed or soaking step, else the last done (preview, confirm)"},
    {"runbook-run", a_runbook_run,
     "runbook: run the current step (preview, approval, confirm; gates, action, soak)"},
    {"select", a_select, "open the selected workload's pods in both clusters"},
    {"sort-next", a_sort_next, "sort by the next column (all-pods view, Workloads panel)"},
    {"sort-prev", a_sort_prev, "sort by the previous column (all-pods view, Workloads panel)"},
    {"sort-reverse", a_sort_reverse, "reverse the sort (all-pods view, Workloads panel)"},
    {"top", a_top, "go to the first row"},
    {"traffic-next", a_traffic_next, "traffic: preview and apply the next plan step"},
    {"traffic-prev", a_traffic_prev, "traffic: preview and apply the previous plan step"},
    {"traffic-rollback", a_traffic_rollback,
     "traffic: roll back to the last known-good weights (journal)"},
    {"traffic-set", a_traffic_set, "traffic: set the percent to the new side"},
    {"up", a_up, "move up"},
};

#define NACTIONS (sizeof table / sizeof table[0])

static const char *const names[NACTIONS] = {
    "back",
    "bottom",
    "clear-filter",
    "command",
    "down",
    "drift-force-sync",
    "drift-view",
    "filter",
    "help",
    "next-panel",
    "page-down",
    "page-up",
    "panel-findings",
    "panel-nodes",
    "panel-secrets",
    "panel-traffic",
    "panel-workloads",
    "pods-view",
    "prev-panel",
    "quit",
    "refresh",
    "runbook-abort",
    "runbook-rollback",
    "runbook-run",
    "select",
    "sort-next",
    "sort-prev",
    "sort-reverse",
    "top",
    "traffic-next",
    "traffic-prev",
    "traffic-rollback",
    "traffic-set",
    "up",
};

const struct action *actions_table(size_t *n)
{
    *n = NACTIONS;
    return table;
}

const char *const *actions_names(size_t *n)
{
    *n = NACTIONS;
    return names;
}

const struct action *actions_find(const char *name)
{
    size_t lo = 0, hi = NACTIONS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, table[mid].name);
        if (c == 0)
            return &table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int actions_run_key(struct action_ctx *ctx, const struct keymap *km, int key)
{
    const char *name = keymap_lookup(km, key);
    if (name == NULL)
        return ACT_NONE;
    const struct action *a = actions_find(name);
    return a ? a->fn(ctx) : ACT_NONE;
}

/* "j, Down" for the keys bound to action, or "" when none. */
static char *keys_text(const struct keymap *km, const char *action)
{
    int keys[8];
    size_t n = keymap_keys_for(km, action, keys, 8);
    char buf[128] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && i < 8 && off < sizeof buf; i++) {
        char kn[32];
        keymap_key_name(keys[i], kn, sizeof kn);
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i ? ", " : "", kn);
    }
    return xstrdup(buf);
}

bool actions_mutating(const char *name)
{
    return name && (strncmp(name, "traffic-", 8) == 0 || strcmp(name, "drift-force-sync") == 0 ||
                    actions_runbook(name));
}

void actions_unbind_mutating(struct keymap *km)
{
    for (size_t i = 0; i < NACTIONS; i++) {
        if (!actions_mutating(table[i].name))
            continue;
        int keys[16];
        size_t n;
        while ((n = keymap_keys_for(km, table[i].name, keys, 16)) > 0)
            for (size_t k = 0; k < n && k < 16; k++)
                keymap_unbind(km, keys[k]);
    }
}

struct panel_help_entry *actions_help(const struct keymap *km, size_t *n)
{
    return actions_help_mode(km, false, n);
}

struct panel_help_entry *actions_help_mode(const struct keymap *km, bool observer, size_t *n)
{
    struct panel_help_entry *e = xcalloc(NACTIONS, sizeof *e);
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < NACTIONS; i++) {
            if (observer && actions_mutating(table[i].name))
                continue;
            char *keys = keys_text(km, table[i].name);
            bool bound = keys[0] != '\0';
            if (bound != (pass == 0)) {
                free(keys);
                continue;
            }
            if (!bound) {
                free(keys);
                keys = xstrdup("(unbound)");
            }
            e[k].keys = keys;
            e[k].action = xstrdup(table[i].name);
            e[k].help = xstrdup(table[i].help);
            k++;
        }
    }
    *n = k;
    return e;
}

void actions_help_free(struct panel_help_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free((char *)e[i].keys);
        free((char *)e[i].action);
        free((char *)e[i].help);
    }
    free(e);
}

/* Appends "key:label" for each action in shown[] that has a key, two spaces apart, at buf + off
 * (a separator first when off > 0); up to max_keys keys an action, joined by "/". observer drops
 * the mutating actions. Truncates at len like snprintf. */
static void hint_line(const struct keymap *km, const char *const (*shown)[2], size_t n,
                      bool observer, size_t max_keys, char *buf, size_t len, size_t off)
{
    for (size_t i = 0; i < n && off < len; i++) {
        int keys[4];
        if (observer && actions_mutating(shown[i][0]))
            continue;
        size_t nk = keymap_keys_for(km, shown[i][0], keys, 4);
        if (nk == 0)
            continue;
        off += (size_t)snprintf(buf + off, len - off, "%s", off ? "  " : "");
        for (size_t k = 0; k < nk && k < max_keys && off < len; k++) {
            char kn[32];
            keymap_key_name(keys[k], kn, sizeof kn);
            off += (size_t)snprintf(buf + off, len - off, "%s%s", k ? "/" : "", kn);
        }
        if (off < len)
            off += (size_t)snprintf(buf + off, len - off, ":%s", shown[i][1]);
    }
}

const char *actions_hints(const struct keymap *km, char *buf, size_t len)
{
    static const char *const shown[][2] = {
        {"help", "help"},   {"command", "command"}, {"filter", "filter"}, {"next-panel", "panel"},
        {"select", "pods"}, {"refresh", "refresh"}, {"quit", "quit"},
    };
    if (len)
        buf[0] = '\0';
    hint_line(km, shown, sizeof shown / sizeof shown[0], false, 1, buf, len, 0);
    return buf;
}

const char *actions_traffic_hints(const struct keymap *km, char *buf, size_t len)
{
    static const char *const shown[][2] = {
        {"traffic-next", "next step"},
        {"traffic-prev", "prev step"},
        {"traffic-set", "set %"},
        {"traffic-rollback", "rollback"},
    };
    if (len)
        buf[0] = '\0';
    hint_line(km, shown, sizeof shown / sizeof shown[0], false, 1, buf, len, 0);
    return buf;
}

const char *actions_drift_hints(const struct keymap *km, bool observer, char *buf, size_t len)
{
    static const char *const shown[][2] = {
        {"select", "ConfigMap diff"},
        {"drift-force-sync", "force-sync ExternalSecret"},
        {"refresh", "read again"},
        {"back", "close"},
    };
    if (len)
        buf[0] = '\0';
    hint_line(km, shown, sizeof shown / sizeof shown[0], observer, 1, buf, len, 0);
    return buf;
}

/* ---- the guided runbook screen (issue #6) ---------------------------------------------- */

bool actions_runbook(const char *name)
{
    return name && strncmp(name, "runbook-", 8) == 0;
}

void actions_bind_runbook(struct keymap *km)
{
    keymap_bind(km, KEYMAP_KEY_ENTER, "runbook-run");
    keymap_bind(km, 'g', "runbook-run");
    keymap_bind(km, 'a', "runbook-abort");
    keymap_bind(km, 'b', "runbook-rollback");
}

void actions_unbind_screen(struct keymap *km, bool keep_runbook)
{
    for (size_t i = 0; i < NACTIONS; i++) {
        bool rb = actions_runbook(table[i].name);
        if (keep_runbook ? rb || !actions_mutating(table[i].name) : !rb)
            continue;
        int keys[16];
        size_t n;
        while ((n = keymap_keys_for(km, table[i].name, keys, 16)) > 0)
            for (size_t k = 0; k < n && k < 16; k++)
                keymap_unbind(km, keys[k]);
    }
}

struct panel_help_entry *actions_help_screen(const struct keymap *km, bool observer, bool driving,
                                             size_t *n)
{
    struct panel_help_entry *e = actions_help_mode(km, observer, n);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        bool rb = actions_runbook(e[i].action);
        bool drop = driving ? !rb && actions_mutating(e[i].action) : rb;
        if (drop) {
            free((char *)e[i].keys);
            free((char *)e[i].action);
            free((char *)e[i].help);
        } else {
            e[k++] = e[i];
        }
    }
    *n = k;
    return e;
}

const char *actions_runbook_hints(const struct keymap *km, char *buf, size_t len)
{
    static const char *const shown[][2] = {
        {"runbook-run", "run step"},
        {"runbook-abort", "abort"},
        {"runbook-rollback", "roll back"},
        {"quit", "quit"},
        {"help", "help"},
    };
    if (len)
        buf[0] = '\0';
    hint_line(km, shown, sizeof shown / sizeof shown[0], false, 2, buf, len, 0);
    return buf;
}

/* ---- the all-pods view (issue #7) -------------------------------------------------------- */

const char *actions_allpods_hints(const struct keymap *km, char *buf, size_t len)
{
    static const char *const shown[][2] = {
        {"sort-reverse", "reverse"},
        {"filter", "filter"},
        {"select", "its workload"},
        {"back", "back"},
    };
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    /* the previous and next sort column keys share one label: "<>:sort column" */
    int prev, next;
    if (keymap_keys_for(km, "sort-prev", &prev, 1) > 0 &&
        keymap_keys_for(km, "sort-next", &next, 1) > 0) {
        char kp[32], kx[32];
        keymap_key_name(prev, kp, sizeof kp);
        keymap_key_name(next, kx, sizeof kx);
        off += (size_t)snprintf(buf, len, "%s%s:sort column", kp, kx);
    }
    hint_line(km, shown, sizeof shown / sizeof shown[0], false, 1, buf, len, off);
    return buf;
}
