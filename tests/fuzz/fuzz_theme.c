/* libFuzzer harness for the theme parser: any bytes give a theme or an error, never a crash, and
 * a failed load leaves the output untouched. Inheritance is resolved against an empty search path
 * (only the built-in "dark"), so the harness reads no files of the machine's. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        setenv("XDG_CONFIG_HOME", "/nonexistent-cutover-fuzz", 1);
        setenv("CUTOVER_THEMES_DIR", "/nonexistent-cutover-fuzz", 1);
        init = 1;
    }
    struct theme t, before;
    memset(&t, 0x33, sizeof t);
    before = t;
    struct error err;
    error_clear(&err);
    int rc = theme_load_text((const char *)data, size, "fuzz.yaml", &t, &err);
    if (rc < 0) {
        if (memcmp(&t, &before, sizeof t) != 0 || err.msg[0] == '\0')
            abort();
        return 0;
    }
    /* Every role of a loaded theme resolves on every kind of terminal. */
    static const int ncolors[] = {2, 8, 16, 88, 256, 1 << 24};
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        for (size_t i = 0; i < sizeof ncolors / sizeof ncolors[0]; i++) {
            struct theme_resolved res;
            theme_resolve(&t, (enum theme_role)r, ncolors[i], false, &res);
            if (res.fg >= (ncolors[i] > 256 ? 256 : ncolors[i]) || res.fg < -1 ||
                res.bg >= (ncolors[i] > 256 ? 256 : ncolors[i]) || res.bg < -1)
                abort();
        }
    }
    return 0;
}
