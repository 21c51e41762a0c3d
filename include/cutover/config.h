#ifndef CUTOVER_CONFIG_H
#define CUTOVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"
#include "cutover/keymap.h"
#include "cutover/drift_config.h"
#include "cutover/traffic.h"

/* The user's config file, $XDG_CONFIG_HOME/cutover/config.yaml (default
 * ~/.config/cutover/config.yaml); format in docs/config.md. A file is parsed into a temporary
 * and swapped in only when all of it is valid: a bad file leaves the caller's config (defaults)
 * untouched and gives file:line:col. Unknown keys are errors that name them. Command-line flags
 * override the file through config_set(). */

#define CONFIG_REFRESH_MS_DEFAULT 2000
#define CONFIG_REFRESH_MS_MIN 100
#define CONFIG_REFRESH_MS_MAX 3600000
#define CONFIG_EXEC_TIMEOUT_MS_DEFAULT 30000
#define CONFIG_EXEC_TIMEOUT_MS_MIN 1000
#define CONFIG_EXEC_TIMEOUT_MS_MAX 600000
#define CONFIG_THEME_DEFAULT "dark"
#define CONFIG_ZONE_SPREAD_RATIO_DEFAULT 2.0

/* One entry of the `keys:` section, already checked against the action list. */
struct config_key {
    int key;      /* keymap key code */
    char *action; /* action name, or "none" to unbind */
    int line;     /* where it was written (1-based; 0 from config_set or defaults) */
    int col;
};

struct config {
    char *source;             /* source context, NULL = not set */
    char *target;             /* target context, NULL = not set */
    char *kubeconfig;         /* kubeconfig path, NULL = the usual ($KUBECONFIG, ~/.kube/config) */
    int refresh_ms;           /* poll interval, CONFIG_REFRESH_MS_MIN..MAX; default 2000 */
    char *theme;              /* theme name or path; never NULL after config_init ("dark") */
    double zone_spread_ratio; /* > 1.0; default 2.0 (analysis_config.zone_spread_ratio) */
    bool protobuf;           /* ask for pods and nodes as Kubernetes protobuf first; default true */
    int exec_timeout_ms;     /* an exec credential plugin running longer is killed; 1 s..10 min */
    struct config_key *keys; /* in file order; apply with config_apply_keys() */
    size_t nkeys;
    char *path; /* the file it was loaded from, NULL if none */
    /* `traffic:` (docs/config.md): the traffic targets, plans validated, in file order. */
    struct traffic_target_cfg *traffic;
    size_t ntraffic;
    /* `journal:` the migration journal's path ("~/" expanded); NULL: journal_default_path(). */
    char *journal;
    /* `drift:` (added by the drift module; docs/config.md): ignore rules and the source of
     * truth's endpoint; zeroed means the defaults. */
    struct drift_config drift;
};

/* Fills cfg with the defaults. */
void config_init(struct config *cfg);

/* Frees what cfg owns and zeroes it (config_init() it again to reuse it; fini twice is fine). */
void config_fini(struct config *cfg);

/* The default config path ($XDG_CONFIG_HOME/cutover/config.yaml, else
 * $HOME/.config/cutover/config.yaml), newly allocated; NULL if neither variable is set. */
char *config_default_path(void);

/* Parses config YAML text into a temporary and, on success, replaces *cfg with it (the values a
 * file does not name take their defaults). name labels errors. actions[0..nactions) are the valid
 * action names for `keys:`. Returns 0 or negative with file:line:col; *cfg untouched on failure.
 */
int config_load_text(const char *text, size_t len, const char *name, const char *const *actions,
                     size_t nactions, struct config *cfg, struct error *err);

/* Loads a config file like config_load_text(). Returns 0, -ENOENT if the file does not exist (not
 * an error for the default path: keep the defaults), or another negative value with err set. */
int config_load_file(const char *path, const char *const *actions, size_t nactions,
                     struct config *cfg, struct error *err);

/* Sets one top-level scalar as a command-line flag would ("source", "target", "kubeconfig",
 * "refresh", "theme", "zone_spread_ratio", "journal"), validated as in the file. Returns 0 or
 * -EINVAL. */
int config_set(struct config *cfg, const char *key, const char *value, struct error *err);

/* The traffic target named name, or NULL. */
const struct traffic_target_cfg *config_traffic_find(const struct config *cfg, const char *name);

/* Applies the `keys:` entries to km in file order (bind, or unbind for "none"). */
void config_apply_keys(const struct config *cfg, struct keymap *km);

/* Parses a duration "500ms", "2s", "1.5s", "1m", "1h" (a bare number is seconds) into ms.
 * Returns 0 or -EINVAL. */
int config_parse_duration(const char *text, int *ms);

#endif
