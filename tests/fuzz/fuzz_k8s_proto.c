/* libFuzzer harness for the client's protobuf path: a pod or node message through
 * k8s_decode_proto, a list body through k8s_pbscan in pieces (each item decoded as a pod), and
 * watch frames through k8s_pbframes (each split into event, envelope, object or Status). The
 * first byte picks the mode, the second the piece size. */
#include "cutover/error.h"
#include "cutover/k8s_decode.h"
#include "cutover/k8s_pbscan.h"
#include "cutover/model.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_item(void *arg, const unsigned char *msg, size_t len)
{
    struct error e;
    error_clear(&e);
    char rv[64];
    (void)arg;
    model_obj_unref(k8s_decode_proto(MODEL_RES_PODS, msg, len, rv, sizeof rv, &e));
    return 0;
}

static int on_frame(void *arg, const unsigned char *msg, size_t len)
{
    char type[32], kind[64], ns[64], name[64], rv[64];
    const unsigned char *obj, *raw;
    size_t objlen, rawlen;
    (void)arg;
    if (k8s_pb_watch_event(msg, len, type, sizeof type, &obj, &objlen) < 0 ||
        k8s_pb_envelope(obj, objlen, kind, sizeof kind, &raw, &rawlen) < 0)
        return 0;
    if (strcmp(kind, "Status") == 0) {
        struct json_scan_meta m;
        memset(&m, 0, sizeof m);
        (void)k8s_pb_status(raw, rawlen, &m);
        return 0;
    }
    (void)k8s_pb_object_meta(raw, rawlen, ns, sizeof ns, name, sizeof name, rv, sizeof rv);
    struct error e;
    error_clear(&e);
    model_obj_unref(k8s_decode_proto(MODEL_RES_NODES, raw, rawlen, rv, sizeof rv, &e));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned mode = data[0] % 4;
    size_t piece = (size_t)data[1] + 1;
    data += 2;
    size -= 2;
    struct error e;
    error_clear(&e);
    char rv[64];
    if (mode < 2) {
        model_obj_unref(k8s_decode_proto(mode == 0 ? MODEL_RES_PODS : MODEL_RES_NODES, data, size,
                                         rv, sizeof rv, &e));
    } else if (mode == 2) {
        struct k8s_pbscan *s = k8s_pbscan_new(1 << 20, on_item, NULL);
        int rc = 0;
        for (size_t i = 0; i < size && rc == 0; i += piece)
            rc = k8s_pbscan_feed(s, data + i, size - i < piece ? size - i : piece, &e);
        if (rc == 0 && k8s_pbscan_finish(s, &e) == 0)
            (void)k8s_pbscan_meta(s)->kind[0];
        k8s_pbscan_free(s);
    } else {
        struct k8s_pbframes *f = k8s_pbframes_new(1 << 20, on_frame, NULL);
        int rc = 0;
        for (size_t i = 0; i < size && rc == 0; i += piece)
            rc = k8s_pbframes_feed(f, data + i, size - i < piece ? size - i : piece, &e);
        if (rc == 0)
            (void)k8s_pbframes_finish(f, &e);
        k8s_pbframes_free(f);
    }
    return 0;
}
