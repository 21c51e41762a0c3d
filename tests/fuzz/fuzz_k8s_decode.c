/* libFuzzer harness for k8s_decode: the input is decoded from its raw bytes (the fast path) and,
 * parsed with json-c, as every resource, and as a Table row of pods and nodes. A row that comes
 * back must have a name. */

#include "cutover/k8s_decode.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const pod_cols[] = {"Name", "Ready", "Status", "Restarts", "Age", "Node"};
static const char *const node_cols[] = {"Name", "Status", "Roles", "Age", "Version"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The fast path on the raw bytes (not NUL-terminated: a copy of exactly size bytes). */
    char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    struct error e;
    char rv[16];
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        struct model_obj *row = k8s_decode_json((enum model_res)r, copy, size, rv, sizeof rv, &e);
        if (row && (row->name == NULL || row->res != r || strlen(rv) >= sizeof rv))
            abort();
        model_obj_unref(row);
    }
    model_obj_unref(k8s_decode_table_row_json(MODEL_RES_PODS, pod_cols, 6, copy, size, &e));
    model_obj_unref(k8s_decode_table_row_json(MODEL_RES_NODES, node_cols, 5, copy, size, &e));
    free(copy);

    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    json_tokener_free(tok);
    if (o == NULL)
        return 0;
    struct error err;
    for (int r = 0; r < MODEL_RES_COUNT; r++) {
        struct model_obj *row = k8s_decode_object((enum model_res)r, o, &err);
        if (row && (row->name == NULL || row->res != r))
            abort();
        model_obj_unref(row);
    }
    struct model_obj *row = k8s_decode_table_row(MODEL_RES_PODS, pod_cols, 6, o, &err);
    if (row && row->name == NULL)
        abort();
    model_obj_unref(row);
    row = k8s_decode_table_row(MODEL_RES_NODES, node_cols, 5, o, &err);
    if (row && row->name == NULL)
        abort();
    model_obj_unref(row);
    (void)k8s_object_resource_version(o);
    json_object *md;
    if (json_object_object_get_ex(o, "metadata", &md) && md &&
        json_object_object_get_ex(md, "creationTimestamp", &md) && md)
        (void)k8s_parse_time(json_object_get_string(md));
    json_object_put(o);
    return 0;
}
