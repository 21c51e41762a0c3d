/* libFuzzer harness for the config parser (with its `keys:` section): any bytes give a config or
 * an error with a message, never a crash; a failed load leaves the caller's config as it was, and
 * the keys of a loaded one apply to a keymap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const actions[] = {"back", "command", "down",   "filter", "help",
                                      "quit", "refresh", "select", "up"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config cfg;
    config_init(&cfg);
    if (config_set(&cfg, "source", "keep-me", NULL) != 0)
        abort();
    struct error err;
    error_clear(&err);
    int rc = config_load_text((const char *)data, size, "fuzz.yaml", actions,
                              sizeof actions / sizeof actions[0], &cfg, &err);
    if (rc < 0) {
        if (err.msg[0] == '\0' || cfg.source == NULL || strcmp(cfg.source, "keep-me") != 0 ||
            cfg.refresh_ms != CONFIG_REFRESH_MS_DEFAULT || cfg.nkeys != 0)
            abort();
    } else {
        if (cfg.refresh_ms < CONFIG_REFRESH_MS_MIN || cfg.refresh_ms > CONFIG_REFRESH_MS_MAX ||
            !(cfg.zone_spread_ratio >= 1.0) || cfg.theme == NULL)
            abort();
        struct keymap *km = keymap_new();
        config_apply_keys(&cfg, km);
        for (size_t i = 0; i < keymap_count(km); i++) {
            int key;
            const char *action;
            char name[32];
            if (keymap_entry(km, i, &key, &action) != 0)
                abort();
            /* every bound key's name parses back to it */
            int back;
            if (keymap_parse_key(keymap_key_name(key, name, sizeof name), &back) != 0 ||
                back != key)
                abort();
        }
        keymap_free(km);
    }
    config_fini(&cfg);
    return 0;
}
