/* libFuzzer harness for quantity: any bytes as a Kubernetes quantity at both scales. A failure
 * carries an "invalid quantity" message; a value that parses as millicores formats back into
 * text that parses to the same value, and its whole-unit value is never above it / 1000
 * rounded up. */

#include "cutover/quantity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct error err;
    error_clear(&err);
    int64_t milli = 0, units = 0;
    int rm = quantity_parse(s, size, 3, &milli, &err);
    if (rm != 0 && strncmp(err.msg, "invalid quantity", 16) != 0)
        abort();
    error_clear(&err);
    int ru = quantity_parse(s, size, 0, &units, &err);
    if (ru != 0 && strncmp(err.msg, "invalid quantity", 16) != 0)
        abort();
    if (rm == 0 && ru != 0)
        abort(); /* what fits in millis fits in units */
    if (rm == 0 && milli >= 0) {
        char buf[32];
        int64_t back = -1;
        if (quantity_milli(quantity_format_milli(milli, buf, sizeof buf), &back, &err) != 0 ||
            back != milli)
            abort();
        /* units = ceil(x), milli = ceil(1000 x): ceil(milli / 1000) == units (written so that
         * milli = INT64_MAX does not overflow: the harness's own bug, found by CI) */
        if (milli / 1000 + (milli % 1000 != 0) != units)
            abort();
    }
    return 0;
}
