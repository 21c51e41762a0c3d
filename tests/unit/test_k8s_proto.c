/* k8s_proto: the JSON -> Kubernetes protobuf transcoder writes exactly what kube-apiserver
 * writes. Upstream's own protobuf encodings of the shared fixtures are the proof (every field
 * of those fixtures is set, so identical bytes prove the field numbers, the types and the
 * order); the rest checks what those fixtures cannot show: zero values of fields the JSON leaves
 * out, map order, strings with escapes, and errors naming the JSON path. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/k8s_proto.h"
#include "../../sim/sim_gen.h"
#include "../../sim/sim_json.h"
#include "../lib/testfile.h"

#include <json-c/json.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 of kubernetes/api at commit 10b39a39b (the commit of the tests/fixtures/k8s JSON files),
 * testdata/HEAD/core.v1.Pod.pb and testdata/HEAD/core.v1.Node.pb: upstream's protobuf encoding
 * of core.v1.Pod.json and core.v1.Node.json, envelope included. */
#define UPSTREAM_POD_PB_SHA256 "747978b9b62fff7f53408751b2b777ceafa314962e2ce11bbe70df2fbe9ac390"
#define UPSTREAM_POD_PB_LEN 13572
#define UPSTREAM_NODE_PB_SHA256 "cbd1274150b90981818b74bf6358a2221cb73ea40a71de6faec851c79ccb14e5"
#define UPSTREAM_NODE_PB_LEN 1361

static void sha256_hex(const unsigned char *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    assert_int_equal(EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL), 1);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The fixture transcoded and enveloped as kube-apiserver answers a GET. */
static void enveloped(const char *fixture, const char *kind, struct k8s_pbuf *env)
{
    size_t len;
    char *json = test_fixture_read(fixture, &len);
    struct k8s_pbuf raw = {0};
    struct error err = {0};
    if (k8s_proto_from_json(kind, json, len, &raw, &err) < 0)
        fail_msg("%s: %s", fixture, err.msg);
    k8s_proto_envelope(env, "v1", kind, raw.p, raw.len);
    k8s_pbuf_fini(&raw);
    free(json);
}

/* The fixture transcoded and enveloped is upstream's .pb: its length and SHA-256. */
static void matches_upstream(const char *fixture, const char *kind, size_t len, const char *sha)
{
    struct k8s_pbuf env = {0};
    enveloped(fixture, kind, &env);
    char hex[65];
    sha256_hex(env.p, env.len, hex);
    assert_int_equal(env.len, len);
    assert_string_equal(hex, sha);
    k8s_pbuf_fini(&env);
}

static void test_pod_matches_upstream(void **state)
{
    (void)state;
    matches_upstream("k8s/core.v1.Pod.json", "Pod", UPSTREAM_POD_PB_LEN, UPSTREAM_POD_PB_SHA256);
}

static void test_node_matches_upstream(void **state)
{
    (void)state;
    matches_upstream("k8s/core.v1.Node.json", "Node", UPSTREAM_NODE_PB_LEN,
                     UPSTREAM_NODE_PB_SHA256);
}

/* json transcoded as kind is exactly want[0..n). */
static void encodes_as(const char *kind, const char *json, const char *want, size_t n)
{
    struct k8s_pbuf b = {0};
    struct error err = {0};
    if (k8s_proto_from_json(kind, json, strlen(json), &b, &err) < 0)
        fail_msg("%s %s: %s", kind, json, err.msg);
    if (b.len != n || memcmp(b.p, want, n) != 0) {
        char got[1024] = "";
        for (size_t i = 0; i < b.len && i < 300; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%02x ", b.p[i]);
        fail_msg("%s %s: got %zu bytes: %s", kind, json, b.len, got);
    }
    k8s_pbuf_fini(&b);
}

#define ENCODES_AS(kind, json, lit) encodes_as((kind), (json), (lit), sizeof(lit) - 1)

/* ObjectMeta's value fields as gogo writes them for a zero Go struct: name .. creationTimestamp */
#define META_ZERO_1_5 "\x0a\x00\x12\x00\x1a\x00\x22\x00\x2a\x00"
#define META_ZERO_6_8 "\x32\x00\x38\x00\x42\x00"

static void test_zero_values_written(void **state)
{
    (void)state;
    /* value fields left out are written as zeros; the pointer remainingItemCount is not */
    ENCODES_AS("ListMeta", "{\"resourceVersion\":\"5\"}",
               "\x0a\x00\x12\x01"
               "5\x1a\x00");
    ENCODES_AS("ListMeta", "{\"remainingItemCount\":0,\"continue\":\"c\"}",
               "\x0a\x00\x12\x00\x1a\x01"
               "c\x20\x00");
    /* a Pod with nothing: empty metadata, spec and status messages with their own zeros */
    struct k8s_pbuf b = {0};
    assert_int_equal(k8s_proto_from_json("Pod", "{}", 2, &b, NULL), 0);
    assert_true(b.len > 20);
    assert_int_equal(b.p[0], 0x0a); /* metadata */
    assert_int_equal(b.p[1], 16);
    assert_memory_equal(b.p + 2, META_ZERO_1_5 META_ZERO_6_8, 16);
    assert_int_equal(b.p[18], 0x12); /* spec */
    k8s_pbuf_fini(&b);
    /* an IntOrString port, a Time, in field order whatever the JSON's key order */
    ENCODES_AS("HTTPGetAction", "{\"scheme\":\"HTTP\",\"port\":8080}",
               "\x0a\x00\x12\x07\x08\x00\x10\x90\x3f\x1a\x00\x1a\x00\x22\x04"
               "HTTP");
    ENCODES_AS("HTTPGetAction", "{\"port\":\"http\"}",
               "\x0a\x00\x12\x0a\x08\x01\x10\x00\x1a\x04"
               "http\x1a\x00\x22\x00");
    /* 2024-01-02T03:04:05Z = 1704164645 s; an offset moves it; Time drops fractions */
    ENCODES_AS("ObjectMeta", "{\"creationTimestamp\":\"2024-01-02T04:04:05.5+01:00\"}",
               META_ZERO_1_5 "\x32\x00\x38\x00\x42\x08\x08\xa5\xfa\xcd\xac\x06\x10\x00");
    /* negative int32: ten bytes, as Go writes int32 -> uint64 */
    ENCODES_AS("ContainerPort", "{\"containerPort\":-1}",
               "\x0a\x00\x10\x00\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x22\x00\x2a\x00");
}

static void test_maps_sorted(void **state)
{
    (void)state;
    ENCODES_AS("ObjectMeta", "{\"labels\":{\"b\":\"2\",\"app\":\"x\",\"a\":\"1\",\"b\":\"3\"}}",
               META_ZERO_1_5 META_ZERO_6_8 "\x5a\x06\x0a\x01"
                                           "a\x12\x01"
                                           "1"
                                           "\x5a\x08\x0a\x03"
                                           "app\x12\x01"
                                           "x"
                                           "\x5a\x06\x0a\x01"
                                           "b\x12\x01"
                                           "3");
    /* a map of quantities: each value a Quantity message */
    ENCODES_AS("ResourceRequirements", "{\"requests\":{\"memory\":\"1Gi\",\"cpu\":\"100m\"}}",
               "\x12\x0d\x0a\x03"
               "cpu\x12\x06\x0a\x04"
               "100m"
               "\x12\x0f\x0a\x06"
               "memory\x12\x05\x0a\x03"
               "1Gi");
}

static void test_strings_unescaped(void **state)
{
    (void)state;
    /* escapes, a surrogate pair, a lone surrogate (U+FFFD, as Go decodes it), raw UTF-8 */
    ENCODES_AS("LocalObjectReference",
               "{\"name\":\"caf\\u00e9 \\\"q\\\"\\n\\ud83d\\ude00\\ud800é/\\/\"}",
               "\x0a\x15"
               "caf\xc3\xa9 \"q\"\n\xf0\x9f\x98\x80\xef\xbf\xbd\xc3\xa9//");
    /* FieldsV1 keeps its JSON compact and its escapes as written */
    ENCODES_AS("ManagedFieldsEntry", "{\"fieldsV1\": { \"f:a\" : {\"k:{\\\"x\\\"}\": {} } }}",
               "\x0a\x00\x12\x00\x1a\x00\x32\x00\x3a\x1a\x0a\x18"
               "{\"f:a\":{\"k:{\\\"x\\\"}\":{}}}"
               "\x42\x00");
}

/* json fails as kind with a message containing want; out is left as it was. */
static void fails_with(const char *kind, const char *json, const char *want)
{
    struct k8s_pbuf b = {0};
    k8s_pbuf_add(&b, "keep", 4);
    struct error err = {0};
    assert_int_equal(k8s_proto_from_json(kind, json, strlen(json), &b, &err), -1);
    if (!strstr(err.msg, want))
        fail_msg("%s: \"%s\", want \"%s\"", json, err.msg, want);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.p, "keep", 4);
    k8s_pbuf_fini(&b);
}

static void test_errors_name_the_path(void **state)
{
    (void)state;
    fails_with("Pod",
               "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"ports\":[{"
               "\"containerPort\":\"80\"}]}]}}",
               "spec.containers[1].ports[0].containerPort: expected a number");
    fails_with("Pod", "{\"spec\":{\"nodeNmae\":\"n1\"}}",
               "spec.nodeNmae: a field the PodSpec schema does not have");
    fails_with("Pod", "{\"metadata\":[]}", "metadata: expected an object");
    fails_with("Pod", "{\"metadata\":{\"labels\":{\"a\":1}}}",
               "metadata.labels.a: expected a string");
    fails_with("Pod", "{\"metadata\":{\"creationTimestamp\":\"yesterday\"}}",
               "metadata.creationTimestamp: expected an RFC 3339 time");
    fails_with("Pod", "{\"spec\":{\"priority\":1.5}}", "spec.priority: expected an integer");
    fails_with("Pod", "{\"spec\":{\"priority\":4294967296}}",
               "spec.priority: integer out of range");
    fails_with("Pod", "{\"spec\":{\"hostNetwork\":\"yes\"}}",
               "spec.hostNetwork: expected true or false");
    fails_with("Pod", "{\"status\":{}} x", "data after the object");
    fails_with("Pod", "{\"status\":{\"phase\":\"Running", "status.phase: unterminated string");
    fails_with("Gadget", "{}", "no protobuf schema for kind Gadget");
    /* kind and apiVersion belong to the envelope only where the Go type embeds TypeMeta */
    fails_with("PodSpec", "{\"kind\":\"Pod\"}", "kind: a field the PodSpec schema does not have");
}

static void test_list_and_envelope(void **state)
{
    (void)state;
    const char *json = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
                       "\"resourceVersion\":\"42\",\"remainingItemCount\":7,\"continue\":\"t\"},"
                       "\"items\":[{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
                       "\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}";
    struct k8s_pbuf b = {0};
    struct error err = {0};
    assert_int_equal(k8s_proto_from_json("PodList", json, strlen(json), &b, &err), 0);
    /* ListMeta{selfLink "", rv "42", continue "t", remainingItemCount 7} */
    assert_memory_equal(b.p,
                        "\x0a\x0b\x0a\x00\x12\x02"
                        "42\x1a\x01"
                        "t\x20\x07",
                        13);
    /* two items, each a Pod whose metadata starts with its name */
    size_t at = 13;
    const char *names[] = {"a", "b"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(b.p[at], 0x12);
        uint64_t n;
        size_t vl = k8s_proto_varint_read(b.p + at + 1, b.len - at - 1, &n);
        assert_true(vl > 0);
        const unsigned char *pod = b.p + at + 1 + vl;
        assert_memory_equal(pod + 2, "\x0a\x01", 2);
        assert_int_equal(pod[4], names[i][0]);
        at += 1 + vl + n;
    }
    assert_int_equal(at, b.len);

    struct k8s_pbuf env = {0};
    k8s_proto_envelope(&env, "v1", "PodList", b.p, b.len);
    assert_memory_equal(env.p, "k8s\0\x0a\x0d\x0a\x02v1\x12\x07PodList\x12", 20);
    assert_memory_equal(env.p + env.len - 4, "\x1a\x00\x22\x00", 4);
    k8s_pbuf_fini(&env);
    k8s_pbuf_fini(&b);
}

/* The simulator keeps each pod's and node's protobuf once, less the runs it shares with the other
 * objects of its template (managedFields and spec around nodeName; a node's images), with the
 * resourceVersion spliced in when sent: what it sends is the transcoding of the JSON it sends,
 * byte for byte, before and after an update. */
static const char SCENARIO[] =
    "clusters:\n"
    "  - name: a\n"
    "    nodes: [{role: control-plane, zone: z1, count: 1}, {role: worker, zone: z2, count: 3}]\n"
    "    workloads:\n"
    "      - {kind: Deployment, namespace: web, name: front, replicas: 5, ready: 3,\n"
    "         crash_looping: true, containers: [{image: nginx:1}, {name: side, image: envoy:1}]}\n"
    "      - {kind: DaemonSet, namespace: kube-system, name: proxy, nodes: worker,\n"
    "         containers: [{image: kube-proxy:1}]}\n"
    "    size: {nodes: 4, pods: 40, namespaces: 2}\n"
    "  - name: b\n";

static void sim_pb_is_transcoded_json(const struct sim_obj *o, enum sim_res r)
{
    struct sim_buf got = {0};
    sim_obj_emit_pb(o, &got);
    assert_int_equal(got.len, sim_obj_pb_len(o));
    char *json = sim_obj_json(o);
    struct k8s_pbuf want = {0};
    struct error err = {0};
    if (k8s_proto_from_json(sim_res_table[r].kind, json, strlen(json), &want, &err) < 0)
        fail_msg("%s/%s: %s", o->ns, o->name, err.msg);
    if (got.len != want.len || memcmp(got.data, want.p, want.len) != 0)
        fail_msg("%s %s/%s (rv %llu): %zu bytes sent, the JSON is %zu", sim_res_table[r].kind,
                 o->ns, o->name, (unsigned long long)o->rv, got.len, want.len);
    free(json);
    k8s_pbuf_fini(&want);
    sim_buf_fini(&got);
}

static void test_sim_sends_its_json_as_protobuf(void **state)
{
    (void)state;
    struct sim_scenario *sc = NULL;
    struct error err = {0};
    if (sim_scenario_parse(SCENARIO, strlen(SCENARIO), "t.yaml", &sc, &err) < 0)
        fail_msg("%s", err.msg);
    struct sim_store *st = sim_store_new(100);
    if (sim_gen_cluster(&sc->clusters[0], 0, "CA", st, &err) < 0)
        fail_msg("%s", err.msg);
    sim_scenario_free(sc);
    enum sim_res rs[] = {SIM_RES_PODS, SIM_RES_NODES};
    for (size_t k = 0; k < 2; k++) {
        struct sim_page p;
        assert_int_equal(sim_store_list(st, rs[k], NULL, NULL, 0, NULL, &p, NULL), 0);
        assert_true(p.n >= 8);
        size_t shared = 0;
        for (size_t i = 0; i < p.n; i++) {
            assert_non_null(p.items[i]->pb);
            shared += p.items[i]->pb_share != NULL;
            sim_pb_is_transcoded_json(p.items[i], rs[k]);
        }
        /* generated objects keep only their own bytes */
        assert_true(shared * 10 >= p.n * 9);
        /* an update (a new object, a new resourceVersion) is rendered again */
        const struct sim_obj *o = p.items[p.n / 2];
        json_object *j = sim_json_parse_obj(o);
        json_object *labels = NULL;
        json_object_object_get_ex(json_object_object_get(j, "metadata"), "labels", &labels);
        json_object_object_add(labels, "zz-new", json_object_new_string("caf\u00e9"));
        struct sim_obj *upd = sim_json_obj(rs[k], j, &err);
        json_object_put(j);
        assert_non_null(upd);
        struct sim_status sst = {0};
        assert_int_equal(sim_store_update(st, rs[k], upd, 0, &sst), 0);
        struct sim_obj *now = sim_store_get(st, rs[k], o->ns, o->name);
        assert_non_null(now->pb);
        assert_true(now->rv > o->rv);
        sim_pb_is_transcoded_json(now, rs[k]);
        sim_obj_unref(now);
        sim_page_fini(&p);
    }
    sim_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_matches_upstream),
        cmocka_unit_test(test_node_matches_upstream),
        cmocka_unit_test(test_zero_values_written),
        cmocka_unit_test(test_maps_sorted),
        cmocka_unit_test(test_strings_unescaped),
        cmocka_unit_test(test_errors_name_the_path),
        cmocka_unit_test(test_list_and_envelope),
        cmocka_unit_test(test_sim_sends_its_json_as_protobuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
