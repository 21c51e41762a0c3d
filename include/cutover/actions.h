#ifndef CUTOVER_ACTIONS_H
#define CUTOVER_ACTIONS_H

/* The dashboard's actions: one sorted table {name, fn, help}. Key bindings (keymap, config
 * `keys:`) name these actions; the help screen is generated from this table. Each action returns
 * what to redo (ACT_REDRAW | ACT_RELAYOUT | ACT_QUIT, see widget.h). */

#include "cutover/dashboard.h"
#include "cutover/keymap.h"

#include <stdbool.h>
#include <stddef.h>

struct traffic_worker;
struct drift_worker;
struct runbook_drive;

/* What an action may touch. */
struct action_ctx {
    struct dashboard *dash;
    void (*refresh)(void *arg); /* asks both pollers to relist now; may be NULL */
    void *refresh_arg;
    struct traffic_worker *traffic; /* the traffic change flow; NULL in observer mode or with no
                                       traffic target (the traffic-* actions then say so) */
    struct drift_worker *drift;     /* the drift view's diff and force-sync flow; NULL without a
                                       drift reader (drift-force-sync then says so) */
    struct runbook_drive *runbook;  /* the guided runbook screen's driver; NULL elsewhere (the
                                       runbook-* actions then say so; quit asks it first) */
};

typedef int (*action_fn)(struct action_ctx *ctx);

struct action {
    const char *name;
    action_fn fn;
    const char *help;
};

/* The table, sorted by name, and its length. */
const struct action *actions_table(size_t *n);
/* The action named name (binary search), or NULL. */
const struct action *actions_find(const char *name);
/* The action names in table order, for keymap_new_default and config_load_file. */
const char *const *actions_names(size_t *n);
/* Runs the action bound to key in km; returns its ACT_* flags (ACT_NONE when unbound). */
int actions_run_key(struct action_ctx *ctx, const struct keymap *km, int key);
/* Builds the help screen entries from the table and km (bound actions first, in table order);
 * the caller frees them with actions_help_free. */
struct panel_help_entry *actions_help(const struct keymap *km, size_t *n);
/* Frees what actions_help returned. */
void actions_help_free(struct panel_help_entry *e, size_t n);
/* "?:help  ::command ..." from the keys bound in km, into buf. */
const char *actions_hints(const struct keymap *km, char *buf, size_t len);

/* True for an action that changes something outside cutover (traffic-next, traffic-prev,
 * traffic-set, traffic-rollback, drift-force-sync): observer mode unbinds these and leaves them out
 * of the help. */
bool actions_mutating(const char *name);
/* Unbinds every key bound to a mutating action (observer mode; after config `keys:`). */
void actions_unbind_mutating(struct keymap *km);
/* "]:next step  [:prev step  W:set %  R:rollback" from the keys bound in km ("" when none is
 * bound), for the status bar while the Traffic panel is focused. */
const char *actions_traffic_hints(const struct keymap *km, char *buf, size_t len);
/* actions_help without the mutating actions when observer is true. */
struct panel_help_entry *actions_help_mode(const struct keymap *km, bool observer, size_t *n);

/* "Enter:ConfigMap diff  F:force-sync ExternalSecret  r:read again  Esc:close" from the keys
 * bound in km (without the mutating ones when observer), for the drift view's hints line. */
const char *actions_drift_hints(const struct keymap *km, bool observer, char *buf, size_t len);

/* ---- the guided runbook screen (issue #6) ---------------------------------------------- */

/* True for the guided runbook screen's actions (runbook-run, runbook-abort, runbook-rollback);
 * actions_mutating is true for them too. */
bool actions_runbook(const char *name);
/* The guided screen's default keys, applied before config `keys:`: Enter and g run the step, a
 * aborts, b rolls back. */
void actions_bind_runbook(struct keymap *km);
/* Unbinds every key bound to a runbook-* action (every screen but the guided one; after config
 * `keys:`), or, when keep_runbook, every mutating key but those (the guided screen: its steps
 * make the changes). */
void actions_unbind_screen(struct keymap *km, bool keep_runbook);
/* The help entries of one screen: actions_help_mode without the runbook-* actions unless
 * driving, and without the other mutating actions when driving. */
struct panel_help_entry *actions_help_screen(const struct keymap *km, bool observer, bool driving,
                                             size_t *n);
/* "Enter/g:run step  a:abort  b:roll back  q:quit  ?:help" from the keys bound in km. */
const char *actions_runbook_hints(const struct keymap *km, char *buf, size_t len);

/* ---- the all-pods view (issue #7) -------------------------------------------------------- */

/* "<>:sort column  I:reverse  /:filter  Enter:its workload  Esc:back" from the keys bound in km,
 * for the status bar while the all-pods view is open. */
const char *actions_allpods_hints(const struct keymap *km, char *buf, size_t len);

#endif
