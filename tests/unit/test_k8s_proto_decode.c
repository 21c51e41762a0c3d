/* The protobuf client path gives the same rows as the JSON path: upstream's Pod and Node fixtures
 * and hand-written pods and nodes transcoded by k8s_proto (engineer A's, checked against
 * upstream's .pb files) decode to equal model rows; field order, merged message fields and
 * unknown fields change nothing; corrupt bytes are errors; list bodies stream item by item in
 * any pieces; Status envelopes and watch frames split anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/testfile.h"
#include "cutover/error.h"
#include "cutover/k8s_decode.h"
#include "cutover/k8s_pbscan.h"
#include "cutover/k8s_proto.h"
#include "cutover/model.h"

static const char *const POD_A =
    "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web-7d9f-abcde\","
    "\"namespace\":\"shop\",\"uid\":\"u-1\",\"resourceVersion\":\"4711\","
    "\"creationTimestamp\":\"2026-03-04T05:06:07Z\",\"labels\":{\"app\":\"web\"},"
    "\"ownerReferences\":[{\"apiVersion\":\"apps/"
    "v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-7d9f\","
    "\"uid\":\"r-1\",\"controller\":true}]},"
    "\"spec\":{\"nodeName\":\"ip-10-0-1-5\",\"initContainers\":[{\"name\":\"init\",\"image\":"
    "\"busybox:1\",\"resources\":{\"requests\":{\"cpu\":\"2\",\"memory\":\"1Gi\"}}}],"
    "\"containers\":[{\"name\":\"a\",\"image\":\"nginx:1.25\",\"resources\":{\"requests\":{\"cpu\":"
    "\"250m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"1\",\"memory\":\"256Mi\"}}},"
    "{\"name\":\"b\",\"image\":\"envoy:v1\",\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]},"
    "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}],"
    "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"restartCount\":3,\"image\":\"nginx\","
    "\"imageID\":\"x\",\"state\":{\"running\":{}}},{\"name\":\"b\",\"ready\":false,"
    "\"restartCount\":"
    "14,\"image\":\"envoy\",\"imageID\":\"y\",\"state\":{\"waiting\":{\"reason\":"
    "\"CrashLoopBackOff\"}}}"
    "]}}";

static const char *const POD_B = /* pending, unscheduled, no statuses: counts unknown */
    "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"job-x\",\"namespace\":"
    "\"batch\","
    "\"uid\":\"u-2\",\"resourceVersion\":\"9\",\"creationTimestamp\":\"2025-12-31T23:59:59Z\"},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"worker:\\u001b[31mred\"}]},"
    "\"status\":{\"phase\":\"Pending\"}}";

static const char *const NODE_A =
    "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"ip-10-0-1-5\",\"uid\":\"n-"
    "1\","
    "\"resourceVersion\":\"77\",\"creationTimestamp\":\"2026-01-02T03:04:05Z\",\"labels\":{"
    "\"topology.kubernetes.io/zone\":\"eu-west-1a\",\"topology.kubernetes.io/"
    "region\":\"eu-west-1\","
    "\"node.kubernetes.io/instance-type\":\"m6i.large\",\"node-role.kubernetes.io/control-plane\":"
    "\"\"}},\"spec\":{\"unschedulable\":true},\"status\":{\"conditions\":[{\"type\":\"Ready\","
    "\"status\":\"True\"}],\"nodeInfo\":{\"kubeletVersion\":\"v1.30.2\",\"machineID\":\"m\","
    "\"systemUUID\":\"s\",\"bootID\":\"b\",\"kernelVersion\":\"k\",\"osImage\":\"o\","
    "\"containerRuntimeVersion\":\"c\",\"kubeProxyVersion\":\"p\",\"operatingSystem\":\"linux\","
    "\"architecture\":\"amd64\"}}}";

static const char *const NODE_B = /* legacy labels, no conditions */
    "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"worker-2\",\"uid\":\"n-2\","
    "\"resourceVersion\":\"78\",\"labels\":{\"failure-domain.beta.kubernetes.io/zone\":\"z2\","
    "\"beta.kubernetes.io/instance-type\":\"c5.xlarge\"}},\"spec\":{}}";

static void str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Every model field of two rows. */
static void rows_equal(enum model_res res, const struct model_obj *a, const struct model_obj *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->res, b->res);
    str_eq(a->ns, b->ns);
    str_eq(a->name, b->name);
    str_eq(a->uid, b->uid);
    assert_int_equal(a->created, b->created);
    if (res == MODEL_RES_PODS) {
        const struct model_pod *p = (const void *)a, *q = (const void *)b;
        str_eq(p->phase, q->phase);
        str_eq(p->node, q->node);
        str_eq(p->owner_kind, q->owner_kind);
        str_eq(p->owner_name, q->owner_name);
        str_eq(p->waiting_reason, q->waiting_reason);
        str_eq(p->images, q->images);
        assert_int_equal(p->containers, q->containers);
        assert_int_equal(p->containers_ready, q->containers_ready);
        assert_int_equal(p->restarts, q->restarts);
        assert_int_equal(p->ready, q->ready);
        assert_int_equal(p->cpu_request_m, q->cpu_request_m);
        assert_int_equal(p->cpu_limit_m, q->cpu_limit_m);
        assert_int_equal(p->mem_request, q->mem_request);
        assert_int_equal(p->mem_limit, q->mem_limit);
    } else {
        const struct model_node *p = (const void *)a, *q = (const void *)b;
        str_eq(p->zone, q->zone);
        str_eq(p->region, q->region);
        str_eq(p->instance_type, q->instance_type);
        str_eq(p->kubelet_version, q->kubelet_version);
        assert_int_equal(p->role, q->role);
        assert_int_equal(p->ready, q->ready);
        assert_int_equal(p->schedulable, q->schedulable);
    }
}

static void transcode(const char *kind, const char *json, struct k8s_pbuf *out)
{
    struct error e;
    error_clear(&e);
    memset(out, 0, sizeof *out);
    if (k8s_proto_from_json(kind, json, strlen(json), out, &e) < 0)
        fail_msg("transcoding %s: %s", kind, e.msg);
}

static struct model_obj *from_json(enum model_res res, const char *json, char *rv, size_t rvlen)
{
    struct error e;
    error_clear(&e);
    struct model_obj *o = k8s_decode_json(res, json, strlen(json), rv, rvlen, &e);
    if (o == NULL)
        fail_msg("JSON decode: %s", e.msg);
    return o;
}

static struct model_obj *from_pb(enum model_res res, const unsigned char *p, size_t n, char *rv,
                                 size_t rvlen)
{
    struct error e;
    error_clear(&e);
    struct model_obj *o = k8s_decode_proto(res, p, n, rv, rvlen, &e);
    if (o == NULL)
        fail_msg("protobuf decode: %s", e.msg);
    return o;
}

/* The JSON row and the protobuf row of the same object, with the same resourceVersion. */
static void same_both_ways(enum model_res res, const char *json, const unsigned char *pb,
                           size_t pblen)
{
    char rv1[64], rv2[64];
    struct model_obj *a = from_json(res, json, rv1, sizeof rv1);
    struct model_obj *b = from_pb(res, pb, pblen, rv2, sizeof rv2);
    rows_equal(res, a, b);
    assert_string_equal(rv1, rv2);
    model_obj_unref(a);
    model_obj_unref(b);
}

static void check_json(enum model_res res, const char *json)
{
    struct k8s_pbuf pb;
    transcode(res == MODEL_RES_PODS ? "Pod" : "Node", json, &pb);
    same_both_ways(res, json, pb.p, pb.len);
    k8s_pbuf_fini(&pb);
}

static void test_fixtures(void **state)
{
    (void)state;
    char *pod = test_fixture_read("k8s/core.v1.Pod.json", NULL);
    char *node = test_fixture_read("k8s/core.v1.Node.json", NULL);
    check_json(MODEL_RES_PODS, pod);
    check_json(MODEL_RES_NODES, node);
    free(pod);
    free(node);
}

static void test_handwritten(void **state)
{
    (void)state;
    check_json(MODEL_RES_PODS, POD_A);
    check_json(MODEL_RES_PODS, POD_B);
    check_json(MODEL_RES_NODES, NODE_A);
    check_json(MODEL_RES_NODES, NODE_B);
    /* and the values are the ones a user sees, not two equal blanks */
    struct k8s_pbuf pb;
    transcode("Pod", POD_A, &pb);
    char rv[64];
    struct model_pod *p = (void *)from_pb(MODEL_RES_PODS, pb.p, pb.len, rv, sizeof rv);
    assert_string_equal(rv, "4711");
    assert_string_equal(p->obj.name, "web-7d9f-abcde");
    assert_string_equal(p->node, "ip-10-0-1-5");
    assert_string_equal(p->owner_kind, "ReplicaSet");
    assert_string_equal(p->waiting_reason, "CrashLoopBackOff");
    assert_string_equal(p->images, "nginx:1.25,envoy:v1");
    assert_int_equal(p->restarts, 17);
    assert_int_equal(p->containers_ready, 1);
    assert_int_equal(p->cpu_request_m, 2000); /* the init container's 2 CPUs dominate */
    assert_int_equal(p->mem_limit, 256 << 20);
    model_obj_unref(&p->obj);
    k8s_pbuf_fini(&pb);
    transcode("Pod", POD_B, &pb);
    p = (void *)from_pb(MODEL_RES_PODS, pb.p, pb.len, rv, sizeof rv);
    assert_int_equal(p->restarts, MODEL_COUNT_UNKNOWN);
    model_obj_unref(&p->obj);
    k8s_pbuf_fini(&pb);
}

struct field {
    unsigned num, wt;
    const unsigned char *start;
    size_t len; /* the whole field, tag included */
    const unsigned char *data;
    size_t dlen;
};

static size_t split_fields(const unsigned char *p, size_t n, struct field *f, size_t max)
{
    size_t i = 0, k = 0;
    while (i < n) {
        assert_true(k < max);
        size_t at = i;
        struct k8s_pbf pf;
        assert_int_equal(k8s_pb_field(p, n, &i, &pf), 0);
        f[k].num = pf.num;
        f[k].wt = pf.wt;
        f[k].data = pf.data;
        f[k].dlen = pf.len;
        f[k].start = p + at;
        f[k].len = i - at;
        k++;
    }
    return k;
}

static void test_reverse_order(void **state)
{
    (void)state;
    const char *objs[] = {POD_A, NODE_A};
    for (int o = 0; o < 2; o++) {
        enum model_res res = o == 0 ? MODEL_RES_PODS : MODEL_RES_NODES;
        struct k8s_pbuf pb, rev = {0};
        transcode(o == 0 ? "Pod" : "Node", objs[o], &pb);
        struct field f[16];
        size_t n = split_fields(pb.p, pb.len, f, 16);
        assert_true(n >= 3);
        for (size_t k = n; k-- > 0;)
            k8s_pbuf_add(&rev, f[k].start, f[k].len);
        same_both_ways(res, objs[o], rev.p, rev.len);
        k8s_pbuf_fini(&pb);
        k8s_pbuf_fini(&rev);
    }
}

/* metadata (field 1) sent as two halves: protobuf merges them into one message. */
static void test_split_message_merges(void **state)
{
    (void)state;
    struct k8s_pbuf pb, out = {0};
    transcode("Pod", POD_A, &pb);
    struct field f[16], m[32];
    size_t n = split_fields(pb.p, pb.len, f, 16);
    for (size_t k = 0; k < n; k++) {
        if (f[k].num != 1 || f[k].wt != 2) {
            k8s_pbuf_add(&out, f[k].start, f[k].len);
            continue;
        }
        size_t mn = split_fields(f[k].data, f[k].dlen, m, 32);
        assert_true(mn >= 4);
        size_t half = (size_t)(m[mn / 2].start - f[k].data);
        k8s_pbuf_bytes_field(&out, 1, f[k].data, half);
        k8s_pbuf_varint_field(&out, 999, 5); /* something in between */
        k8s_pbuf_bytes_field(&out, 1, f[k].data + half, f[k].dlen - half);
    }
    same_both_ways(MODEL_RES_PODS, POD_A, out.p, out.len);
    /* also the spec split: containers appended from both halves */
    k8s_pbuf_fini(&pb);
    k8s_pbuf_fini(&out);
}

static void test_unknown_fields(void **state)
{
    (void)state;
    struct k8s_pbuf pb;
    transcode("Node", NODE_A, &pb);
    static const unsigned char extra[] = {
        0xb8, 0x3e, 0x96, 0x01,                       /* field 999 varint 150 */
        0xb9, 0x3e, 1,    2,    3,   4,   5, 6, 7, 8, /* field 999 fixed64 */
        0xba, 0x3e, 3,    'a',  'b', 'c',             /* field 999 bytes */
        0xbd, 0x3e, 1,    2,    3,   4,               /* field 999 fixed32 */
    };
    struct k8s_pbuf a = {0}, b = {0};
    k8s_pbuf_add(&a, extra, sizeof extra);
    k8s_pbuf_add(&a, pb.p, pb.len);
    k8s_pbuf_add(&b, pb.p, pb.len);
    k8s_pbuf_add(&b, extra, sizeof extra);
    same_both_ways(MODEL_RES_NODES, NODE_A, a.p, a.len);
    same_both_ways(MODEL_RES_NODES, NODE_A, b.p, b.len);
    k8s_pbuf_fini(&a);
    k8s_pbuf_fini(&b);
    k8s_pbuf_fini(&pb);
}

static void expect_error(enum model_res res, const unsigned char *p, size_t n)
{
    struct error e;
    error_clear(&e);
    char rv[64];
    struct model_obj *o = k8s_decode_proto(res, p, n, rv, sizeof rv, &e);
    assert_null(o);
    assert_true(e.msg[0] != '\0');
}

static void test_corrupt(void **state)
{
    (void)state;
    struct k8s_pbuf pb;
    transcode("Pod", POD_A, &pb);
    /* every prefix: a row or an error, never a crash or a read past the end (ASan) */
    for (size_t n = 0; n < pb.len; n++) {
        unsigned char *cut = malloc(n ? n : 1);
        memcpy(cut, pb.p, n);
        struct error e;
        error_clear(&e);
        char rv[64];
        struct model_obj *o = k8s_decode_proto(MODEL_RES_PODS, cut, n, rv, sizeof rv, &e);
        model_obj_unref(o);
        free(cut);
    }
    /* cut inside the first field: an error */
    expect_error(MODEL_RES_PODS, pb.p, 3);
    static const unsigned char wt7[] = {0x0f, 1, 2};
    expect_error(MODEL_RES_PODS, wt7, sizeof wt7);
    static const unsigned char overlong[] = {0x0a, 0x80, 0x80, 0x80, 0x80, 0x80,
                                             0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    expect_error(MODEL_RES_PODS, overlong, sizeof overlong);
    static const unsigned char toolong[] = {0x0a, 0x7f, 0x0a, 0x01, 'x'};
    expect_error(MODEL_RES_NODES, toolong, sizeof toolong);
    static const unsigned char badinner[] = {0x0a, 0x03, 0x0a, 0x05, 'x'};
    expect_error(MODEL_RES_NODES, badinner, sizeof badinner);
    k8s_pbuf_fini(&pb);
}

/* ---- streams ---- */

struct got {
    int n;
    struct k8s_pbuf items[8];
};

static int on_item(void *arg, const unsigned char *msg, size_t len)
{
    struct got *g = arg;
    assert_true(g->n < 8);
    memset(&g->items[g->n], 0, sizeof g->items[g->n]);
    k8s_pbuf_add(&g->items[g->n], msg, len);
    g->n++;
    return 0;
}

static void got_fini(struct got *g)
{
    for (int i = 0; i < g->n; i++)
        k8s_pbuf_fini(&g->items[i]);
    g->n = 0;
}

/* A PodList body: "k8s\0" + Unknown{typeMeta, raw = PodList{ListMeta, items}}. */
static void pod_list(struct k8s_pbuf *body, struct k8s_pbuf *pods, int npods)
{
    struct k8s_pbuf lm = {0}, list = {0};
    k8s_pbuf_bytes_field(&lm, 2, "12345", 5);    /* resourceVersion */
    k8s_pbuf_bytes_field(&lm, 3, "next-tok", 8); /* continue */
    k8s_pbuf_varint_field(&lm, 4, 42);           /* remainingItemCount */
    k8s_pbuf_bytes_field(&list, 1, lm.p, lm.len);
    for (int i = 0; i < npods; i++)
        k8s_pbuf_bytes_field(&list, 2, pods[i].p, pods[i].len);
    memset(body, 0, sizeof *body);
    k8s_proto_envelope(body, "v1", "PodList", list.p, list.len);
    k8s_pbuf_fini(&lm);
    k8s_pbuf_fini(&list);
}

static void check_list_pieces(const struct k8s_pbuf *body, struct k8s_pbuf *pods, int npods,
                              unsigned seed)
{
    struct got g = {0};
    struct k8s_pbscan *s = k8s_pbscan_new(0, on_item, &g);
    struct error e;
    error_clear(&e);
    srand(seed);
    size_t i = 0;
    while (i < body->len) {
        size_t step = seed == 0 ? 1 : 1 + (size_t)rand() % 97;
        if (step > body->len - i)
            step = body->len - i;
        assert_int_equal(k8s_pbscan_feed(s, body->p + i, step, &e), 0);
        i += step;
    }
    assert_int_equal(k8s_pbscan_finish(s, &e), 0);
    const struct json_scan_meta *m = k8s_pbscan_meta(s);
    assert_string_equal(m->kind, "PodList");
    assert_string_equal(m->resource_version, "12345");
    assert_string_equal(m->continue_token, "next-tok");
    assert_int_equal(m->remaining, 42);
    assert_int_equal(g.n, npods);
    for (int k = 0; k < npods; k++) {
        assert_int_equal(g.items[k].len, pods[k].len);
        assert_memory_equal(g.items[k].p, pods[k].p, pods[k].len);
    }
    k8s_pbscan_free(s);
    got_fini(&g);
}

static void test_list_stream(void **state)
{
    (void)state;
    struct k8s_pbuf pods[2], body;
    transcode("Pod", POD_A, &pods[0]);
    transcode("Pod", POD_B, &pods[1]);
    pod_list(&body, pods, 2);
    check_list_pieces(&body, pods, 2, 0);
    for (unsigned seed = 1; seed < 40; seed++)
        check_list_pieces(&body, pods, 2, seed);
    /* cut anywhere before the list's end: finish says so (after it only the envelope's empty
     * contentEncoding and contentType follow, which a message may leave out) */
    for (size_t n = 0; n < body.len - K8S_PROTO_ENVELOPE_TAIL_LEN; n++) {
        struct got g = {0};
        struct k8s_pbscan *s = k8s_pbscan_new(0, on_item, &g);
        struct error e;
        error_clear(&e);
        int rc = k8s_pbscan_feed(s, body.p, n, &e);
        if (rc == 0)
            rc = k8s_pbscan_finish(s, &e);
        if (rc != -1)
            fail_msg("a body cut at byte %zu of %zu was taken as complete", n, body.len);
        k8s_pbscan_free(s);
        got_fini(&g);
    }
    /* an item above the limit is an error, not an allocation */
    struct got g = {0};
    struct k8s_pbscan *s = k8s_pbscan_new(64, on_item, &g);
    struct error e;
    error_clear(&e);
    int rc = k8s_pbscan_feed(s, body.p, body.len, &e);
    assert_int_equal(rc, -1);
    assert_int_equal(g.n, 0);
    k8s_pbscan_free(s);
    k8s_pbuf_fini(&body);
    k8s_pbuf_fini(&pods[0]);
    k8s_pbuf_fini(&pods[1]);
}

static void status_msg(struct k8s_pbuf *st, int code)
{
    memset(st, 0, sizeof *st);
    k8s_pbuf_bytes_field(st, 2, "Failure", 7);
    k8s_pbuf_bytes_field(st, 3, "too old resource version", 24);
    k8s_pbuf_bytes_field(st, 4, "Expired", 7);
    k8s_pbuf_varint_field(st, 6, (uint64_t)code);
}

static void test_status(void **state)
{
    (void)state;
    struct k8s_pbuf st, body = {0};
    status_msg(&st, 410);
    k8s_proto_envelope(&body, "v1", "Status", st.p, st.len);
    struct got g = {0};
    struct k8s_pbscan *s = k8s_pbscan_new(0, on_item, &g);
    struct error e;
    error_clear(&e);
    for (size_t i = 0; i < body.len; i++)
        assert_int_equal(k8s_pbscan_feed(s, body.p + i, 1, &e), 0);
    assert_int_equal(k8s_pbscan_finish(s, &e), 0);
    const struct json_scan_meta *m = k8s_pbscan_meta(s);
    assert_string_equal(m->kind, "Status");
    assert_int_equal(m->status_code, 410);
    assert_string_equal(m->status_reason, "Expired");
    assert_string_equal(m->status_message, "too old resource version");
    assert_int_equal(g.n, 0);
    k8s_pbscan_free(s);
    k8s_pbuf_fini(&st);
    k8s_pbuf_fini(&body);
}

/* Watch frames: 4-byte big-endian length + WatchEvent{type, object{raw = enveloped object}}. */
static void watch_frame(struct k8s_pbuf *out, const char *type, const char *kind,
                        const struct k8s_pbuf *msg)
{
    struct k8s_pbuf env = {0}, raw = {0}, ev = {0};
    k8s_proto_envelope(&env, "v1", kind, msg->p, msg->len);
    k8s_pbuf_bytes_field(&raw, 1, env.p, env.len);
    k8s_pbuf_bytes_field(&ev, 1, type, strlen(type));
    k8s_pbuf_bytes_field(&ev, 2, raw.p, raw.len);
    unsigned char h[4] = {(unsigned char)(ev.len >> 24), (unsigned char)(ev.len >> 16),
                          (unsigned char)(ev.len >> 8), (unsigned char)ev.len};
    k8s_pbuf_add(out, h, 4);
    k8s_pbuf_add(out, ev.p, ev.len);
    k8s_pbuf_fini(&env);
    k8s_pbuf_fini(&raw);
    k8s_pbuf_fini(&ev);
}

static void test_watch_frames(void **state)
{
    (void)state;
    struct k8s_pbuf pod, st, stream = {0};
    transcode("Pod", POD_A, &pod);
    status_msg(&st, 410);
    watch_frame(&stream, "ADDED", "Pod", &pod);
    watch_frame(&stream, "ERROR", "Status", &st);
    for (size_t cut = 0; cut <= stream.len; cut++) {
        struct got g = {0};
        struct k8s_pbframes *f = k8s_pbframes_new(0, on_item, &g);
        struct error e;
        error_clear(&e);
        assert_int_equal(k8s_pbframes_feed(f, stream.p, cut, &e), 0);
        assert_int_equal(k8s_pbframes_feed(f, stream.p + cut, stream.len - cut, &e), 0);
        assert_int_equal(k8s_pbframes_finish(f, &e), 0);
        assert_int_equal(g.n, 2);
        char type[32], kind[64];
        const unsigned char *obj, *raw;
        size_t objlen, rawlen;
        assert_int_equal(
            k8s_pb_watch_event(g.items[0].p, g.items[0].len, type, sizeof type, &obj, &objlen), 0);
        assert_string_equal(type, "ADDED");
        assert_int_equal(k8s_pb_envelope(obj, objlen, kind, sizeof kind, &raw, &rawlen), 0);
        assert_string_equal(kind, "Pod");
        same_both_ways(MODEL_RES_PODS, POD_A, raw, rawlen);
        assert_int_equal(
            k8s_pb_watch_event(g.items[1].p, g.items[1].len, type, sizeof type, &obj, &objlen), 0);
        assert_string_equal(type, "ERROR");
        assert_int_equal(k8s_pb_envelope(obj, objlen, kind, sizeof kind, &raw, &rawlen), 0);
        assert_string_equal(kind, "Status");
        struct json_scan_meta m = {0};
        assert_int_equal(k8s_pb_status(raw, rawlen, &m), 0);
        assert_int_equal(m.status_code, 410);
        k8s_pbframes_free(f);
        got_fini(&g);
    }
    /* a cut frame is an error at the end; an oversized frame is an error at once */
    struct got g = {0};
    struct k8s_pbframes *f = k8s_pbframes_new(0, on_item, &g);
    struct error e;
    error_clear(&e);
    assert_int_equal(k8s_pbframes_feed(f, stream.p, stream.len - 1, &e), 0);
    assert_int_equal(k8s_pbframes_finish(f, &e), -1);
    k8s_pbframes_free(f);
    got_fini(&g);
    f = k8s_pbframes_new(16, on_item, &g);
    assert_int_equal(k8s_pbframes_feed(f, stream.p, stream.len, &e), -1);
    assert_int_equal(g.n, 0);
    k8s_pbframes_free(f);
    k8s_pbuf_fini(&pod);
    k8s_pbuf_fini(&st);
    k8s_pbuf_fini(&stream);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),       cmocka_unit_test(test_handwritten),
        cmocka_unit_test(test_reverse_order),  cmocka_unit_test(test_split_message_merges),
        cmocka_unit_test(test_unknown_fields), cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_list_stream),    cmocka_unit_test(test_status),
        cmocka_unit_test(test_watch_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
