/* libFuzzer: drift_secret_text_blank and drift_eso_text_blank on any bytes. They never read or
 * write outside the buffer, never change its length, change only bytes inside strings (to '*'),
 * and text json-c accepted before is still accepted after (blanking keeps JSON valid).
 * Seeds: tests/fuzz/corpus/fuzz_secret_blank/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cutover/drift.h"

static bool parses(const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    bool ok = o && json_tokener_get_error(tok) == json_tokener_success &&
              json_tokener_get_parse_end(tok) == n;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    for (int mode = 0; mode < 2; mode++) {
        char *s = malloc(size + 1);
        memcpy(s, data, size);
        s[size] = '\0';
        if (mode == 0)
            drift_secret_text_blank(s, size);
        else
            drift_eso_text_blank(s, size);
        for (size_t i = 0; i < size; i++)
            if (s[i] != (char)data[i] && s[i] != '*')
                abort(); /* only string contents are overwritten, with '*' */
        if (memchr(data, '\0', size) == NULL && parses((const char *)data, size) &&
            !parses(s, size))
            abort();
        free(s);
    }
    return 0;
}
