/* libFuzzer harness for the JSON -> protobuf transcoder (k8s_proto_from_json), which reads what
 * clients POST to the simulator. The first input byte picks the kind; the rest is the JSON.
 * Oracles: a success is well-formed protobuf (every length within its message, down to the
 * length-delimited fields that parse as messages) and the same bytes when appended after other
 * bytes; a failure leaves the output as it was and says why. */

#include "cutover/k8s_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {"Pod",     "Node",       "PodList",    "NodeList",
                                    "Status",  "WatchEvent", "ObjectMeta", "Container",
                                    "PodSpec", "NodeStatus", "Probe",      "Volume"};

/* Whether p[0..n) is a sequence of well-formed fields. */
static int wire_ok(const unsigned char *p, size_t n)
{
    size_t at = 0;
    while (at < n) {
        uint64_t tag, v;
        size_t k = k8s_proto_varint_read(p + at, n - at, &tag);
        if (!k || (tag >> 3) == 0)
            return 0;
        at += k;
        switch (tag & 7) {
        case 0:
            if (!(k = k8s_proto_varint_read(p + at, n - at, &v)))
                return 0;
            at += k;
            break;
        case 1:
            at += 8;
            break;
        case 5:
            at += 4;
            break;
        case 2:
            if (!(k = k8s_proto_varint_read(p + at, n - at, &v)) || v > n - at - k)
                return 0;
            at += k + (size_t)v;
            break;
        default:
            return 0;
        }
        if (at > n)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *kind = kinds[data[0] % (sizeof kinds / sizeof kinds[0])];
    const char *json = (const char *)data + 1;
    size_t len = size - 1;
    struct k8s_pbuf a = {0}, b = {0};
    struct error err = {0};
    int rc = k8s_proto_from_json(kind, json, len, &a, &err);
    k8s_pbuf_add(&b, "prefix", 6);
    struct error err2 = {0};
    int rc2 = k8s_proto_from_json(kind, json, len, &b, &err2);
    if (rc != rc2)
        abort(); /* not deterministic */
    if (rc == 0) {
        if (!wire_ok(a.p, a.len))
            abort();
        if (b.len != a.len + 6 || memcmp(b.p + 6, a.p, a.len) != 0)
            abort();
    } else {
        if (a.len != 0 || b.len != 6 || !err.msg[0] || strcmp(err.msg, err2.msg) != 0)
            abort();
    }
    k8s_pbuf_fini(&a);
    k8s_pbuf_fini(&b);
    return 0;
}
