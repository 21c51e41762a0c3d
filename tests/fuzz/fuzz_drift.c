/* libFuzzer harness: any bytes as a Secret or ConfigMap LIST page and as a GetSecretValue answer
 * (core/drift_decode.c, the walker that hashes and blanks values in place). Besides not
 * crashing: the text keeps its length, and when json-c accepted the input, the blanked text
 * still parses (values are overwritten inside their quotes, nothing else moves). */

#include "cutover/drift.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool parses(const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    bool ok = o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
              (size_t)json_tokener_get_parse_end(tok) == n;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    bool valid = parses((const char *)data, size);
    for (int kind = 0; kind < 2; kind++) {
        char *buf = malloc(size + 1);
        memcpy(buf, data, size);
        buf[size] = '\0';
        struct drift_side *side = drift_side_new("fuzz", DRIFT_MODE_CONTENTS);
        char *cont = NULL;
        struct error err = {0};
        int rc =
            drift_list_decode((enum drift_obj_kind)kind, buf, size, kind == 0, side, &cont, &err);
        if (rc >= 0 && valid && !parses(buf, size))
            abort();
        if (rc < 0 && (cont || !err.msg[0]))
            abort();
        free(cont);
        drift_side_free(side);
        free(buf);
    }
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct drift_sot_secret v = {0};
    struct error err = {0};
    int rc = drift_sot_decode(buf, size, &v, &err);
    if (rc == 0 && valid && !parses(buf, size))
        abort();
    if (rc == 0 && !v.ok)
        abort();
    drift_sot_secret_fini(&v);
    free(buf);
    return 0;
}
