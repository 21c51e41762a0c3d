/* k8s_decode: every upstream object fixture decodes as the resource its name says, with the
 * fields a user sees; wire lists scanned item by item decode; Table rows decode; unknown stays
 * unknown; a Secret's values never reach a row. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/json_scan.h"
#include "cutover/k8s_decode.h"
#include "../lib/testfile.h"

#include <dirent.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static json_object *load(const char *rel)
{
    char *buf = test_fixture_read(rel, NULL);
    json_object *o = json_tokener_parse(buf);
    free(buf);
    if (o == NULL)
        fail_msg("%s does not parse", rel);
    return o;
}

static struct model_obj *decode_file(enum model_res res, const char *rel)
{
    json_object *o = load(rel);
    struct error err = {0};
    struct model_obj *row = k8s_decode_object(res, o, &err);
    json_object_put(o);
    if (row == NULL)
        fail_msg("%s: %s", rel, err.msg);
    assert_int_equal(row->res, res);
    return row;
}

static struct model_obj *decode_text(enum model_res res, const char *text, struct error *err)
{
    json_object *o = json_tokener_parse(text);
    if (o == NULL)
        fail_msg("test JSON does not parse: %s", text);
    struct model_obj *row = k8s_decode_object(res, o, err);
    json_object_put(o);
    return row;
}

#define assert_str_or_null(a, b)                                                                   \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (b_ == NULL)                                                                            \
            assert_null(a_);                                                                       \
        else                                                                                       \
            assert_string_equal(a_, b_);                                                           \
    } while (0)

/* 2008-01-01T01:01:01Z, the creationTimestamp of every upstream fixture. */
#define T2008 INT64_C(1199149261)

static void check_common(const struct model_obj *o)
{
    assert_string_equal(o->name, "nameValue");
    assert_string_equal(o->ns, "namespaceValue");
    assert_string_equal(o->uid, "uidValue");
    assert_int_equal(o->created, T2008);
    assert_int_equal(o->refs, 1);
}

/* ---- upstream object fixtures ------------------------------------------------------------ */

static const char *const not_resources[] = {"APIGroupDiscovery", "APIGroup", "ListOptions",
                                            "Status", "WatchEvent"};

static void test_every_fixture_decodes(void **state)
{
    (void)state;
    const char *dir = getenv("CUTOVER_FIXTURES");
    assert_non_null(dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/k8s", dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    int decoded = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        /* "apps.v1.Deployment.json": the kind is the last dotted part before .json. */
        char kind[128];
        snprintf(kind, sizeof kind, "%.*s", (int)(n - 5), e->d_name);
        char *dot = strrchr(kind, '.');
        const char *k = dot ? dot + 1 : kind;
        char rel[512];
        snprintf(rel, sizeof rel, "k8s/%s", e->d_name);
        int res = model_res_from_name(k);
        if (res < 0) {
            bool known = false;
            for (size_t i = 0; i < sizeof not_resources / sizeof not_resources[0]; i++)
                known |= strcmp(k, not_resources[i]) == 0;
            if (!known)
                fail_msg("%s: kind %s is neither a resource nor a known non-resource", rel, k);
        } else {
            struct model_obj *row = decode_file((enum model_res)res, rel);
            check_common(row);
            model_obj_unref(row);
            decoded++;
        }
        /* Whatever the file, decoding it as any resource must not crash or leak. */
        json_object *o = load(rel);
        for (int r = 0; r < MODEL_RES_COUNT; r++) {
            struct error err = {0};
            struct model_obj *row = k8s_decode_object((enum model_res)r, o, &err);
            if (row == NULL)
                assert_true(err.msg[0] != '\0');
            model_obj_unref(row);
        }
        json_object_put(o);
    }
    closedir(d);
    assert_int_equal(decoded, 11);
}

static void test_node_fixture(void **state)
{
    (void)state;
    struct model_node *n =
        (struct model_node *)decode_file(MODEL_RES_NODES, "k8s/core.v1.Node.json");
    /* The file has labels but no zone, region, instance type or role label, and no Ready
     * condition (its only condition is "typeValue"); spec.unschedulable is true. */
    assert_null(n->zone);
    assert_null(n->region);
    assert_null(n->instance_type);
    assert_int_equal(n->role, MODEL_ROLE_WORKER);
    assert_int_equal(n->ready, MODEL_UNKNOWN);
    assert_int_equal(n->schedulable, MODEL_FALSE);
    assert_string_equal(n->kubelet_version, "kubeletVersionValue");
    model_obj_unref(&n->obj);
}

static void test_pod_fixture(void **state)
{
    (void)state;
    struct model_pod *p = (struct model_pod *)decode_file(MODEL_RES_PODS, "k8s/core.v1.Pod.json");
    check_common(&p->obj);
    assert_string_equal(p->phase, "phaseValue");
    assert_string_equal(p->node, "nodeNameValue");
    assert_string_equal(p->owner_kind, "kindValue");
    assert_string_equal(p->owner_name, "nameValue");
    assert_string_equal(p->waiting_reason, "reasonValue");
    assert_string_equal(p->images, "imageValue");
    assert_int_equal(p->containers, 1);
    assert_int_equal(p->containers_ready, 1);
    assert_int_equal(p->restarts, 10); /* 5 in the container + 5 in the init container */
    assert_int_equal(p->ready, MODEL_UNKNOWN);
    /* resources with only "limitsKey"/"requestsKey" (no cpu, no memory) and claims: none set */
    assert_int_equal(p->cpu_request_m, MODEL_QTY_NONE);
    assert_int_equal(p->cpu_limit_m, MODEL_QTY_NONE);
    assert_int_equal(p->mem_request, MODEL_QTY_NONE);
    assert_int_equal(p->mem_limit, MODEL_QTY_NONE);
    model_obj_unref(&p->obj);
}

static struct model_pod *decode_pod_text(const char *text)
{
    struct error err = {0};
    struct model_pod *p = (struct model_pod *)decode_text(MODEL_RES_PODS, text, &err);
    if (p == NULL)
        fail_msg("%s", err.msg);
    return p;
}

/* Requests and limits sum over containers, in every quantity form a user writes. */
static void test_pod_resources_sum(void **state)
{
    (void)state;
    struct model_pod *p = decode_pod_text(
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\"},\"spec\":{"
        "\"containers\":[{\"name\":\"x\",\"resources\":{\"claims\":[{\"name\":\"gpu\"}],"
        "\"requests\":{\"cpu\":\"250m\",\"memory\":\"128Mi\",\"ephemeral-storage\":\"1Gi\"},"
        "\"limits\":{\"cpu\":\"0.5\",\"memory\":\"1G\"}}},"
        "{\"name\":\"y\",\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"64Ki\"},"
        "\"limits\":{\"memory\":\"2e3\"}}},"
        "{\"name\":\"z\",\"resources\":{\"requests\":{\"cpu\":\"1e-3\"}}},"
        "{\"name\":\"w\"}]}}");
    assert_int_equal(p->cpu_request_m, 1251);
    assert_int_equal(p->cpu_limit_m, 500); /* only x sets a CPU limit */
    assert_int_equal(p->mem_request, 128 * 1048576 + 64 * 1024);
    assert_int_equal(p->mem_limit, 1000000000 + 2000);
    model_obj_unref(&p->obj);
}

/* Init containers: max(sum(containers) + sidecars, max over init of (init + earlier sidecars)). */
static void test_pod_resources_init(void **state)
{
    (void)state;
    /* an ordinary init container bigger than the containers wins */
    struct model_pod *p = decode_pod_text(
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"},\"spec\":{"
        "\"initContainers\":[{\"name\":\"i1\",\"resources\":{\"requests\":{\"cpu\":\"2\"}}},"
        "{\"name\":\"i2\",\"resources\":{\"requests\":{\"cpu\":\"500m\"}}}],"
        "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"300m\","
        "\"memory\":\"1Gi\"}}},{\"name\":\"d\",\"resources\":{\"requests\":{\"cpu\":\"300m\"}}}]}"
        "}");
    assert_int_equal(p->cpu_request_m, 2000);
    assert_int_equal(p->mem_request, 1073741824);
    assert_int_equal(p->cpu_limit_m, MODEL_QTY_NONE);
    model_obj_unref(&p->obj);
    /* a sidecar (restartPolicy Always) runs with the containers and with later init containers */
    p = decode_pod_text(
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"},\"spec\":{"
        "\"initContainers\":[{\"name\":\"proxy\",\"restartPolicy\":\"Always\","
        "\"resources\":{\"requests\":{\"cpu\":\"200m\"},\"limits\":{\"cpu\":\"1\"}}},"
        "{\"name\":\"migrate\",\"resources\":{\"requests\":{\"cpu\":\"1\"},"
        "\"limits\":{\"cpu\":\"1\"}}}],"
        "\"containers\":[{\"name\":\"app\",\"resources\":{\"requests\":{\"cpu\":\"500m\"},"
        "\"limits\":{\"cpu\":\"500m\"}}}]}}");
    assert_int_equal(p->cpu_request_m, 1200); /* migrate 1 + proxy 200m > app 500m + proxy 200m */
    assert_int_equal(p->cpu_limit_m, 2000);   /* migrate 1 + proxy 1 > app 500m + proxy 1 */
    model_obj_unref(&p->obj);
}

/* A quantity that does not parse makes the value unknown ("?"), never a crash or a wrong sum;
 * the other values of the pod are still read. */
static void test_pod_resources_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"\"1e3m\"", "\"abc\"", "\"\"",
                                      "\"-1\"",   "true",    "\"99999999999999999999\"",
                                      "\"1 \"",   "{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"metadata\":{\"name\":\"bad\",\"namespace\":\"n\"},\"spec\":{"
                 "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":%s,"
                 "\"memory\":\"1Mi\"}}},{\"name\":\"d\",\"resources\":{\"requests\":{"
                 "\"cpu\":\"1\"}}}]}}",
                 bad[i]);
        struct model_pod *p = decode_pod_text(text);
        if (p->cpu_request_m != MODEL_QTY_UNKNOWN)
            fail_msg("cpu %s: %lld", bad[i], (long long)p->cpu_request_m);
        assert_int_equal(p->mem_request, 1048576);
        assert_int_equal(p->cpu_limit_m, MODEL_QTY_NONE);
        model_obj_unref(&p->obj);
    }
    /* a JSON number is read as the quantity it spells */
    struct model_pod *p = decode_pod_text(
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"},\"spec\":{\"containers\":["
        "{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":2.5}}}]}}");
    assert_int_equal(p->cpu_request_m, 2500);
    model_obj_unref(&p->obj);
}

static void test_workload_fixtures(void **state)
{
    (void)state;
    struct model_workload *w =
        (struct model_workload *)decode_file(MODEL_RES_DEPLOYMENTS, "k8s/apps.v1.Deployment.json");
    assert_int_equal(w->desired, 1);
    assert_int_equal(w->ready, 7);
    assert_int_equal(w->updated, 3);
    assert_int_equal(w->available, 4);
    assert_string_equal(w->images, "imageValue");
    assert_string_equal(w->owner_kind, "kindValue");
    model_obj_unref(&w->obj);

    w = (struct model_workload *)decode_file(MODEL_RES_REPLICASETS, "k8s/apps.v1.ReplicaSet.json");
    assert_int_equal(w->desired, 1);
    assert_int_equal(w->ready, 4);
    assert_int_equal(w->available, 5);
    assert_int_equal(w->updated, MODEL_COUNT_UNKNOWN);
    assert_string_equal(w->owner_name, "nameValue");
    model_obj_unref(&w->obj);
}

static void test_small_fixtures(void **state)
{
    (void)state;
    struct model_namespace *ns =
        (struct model_namespace *)decode_file(MODEL_RES_NAMESPACES, "k8s/core.v1.Namespace.json");
    assert_string_equal(ns->phase, "phaseValue");
    model_obj_unref(&ns->obj);

    struct model_service *svc =
        (struct model_service *)decode_file(MODEL_RES_SERVICES, "k8s/core.v1.Service.json");
    assert_string_equal(svc->type, "typeValue");
    assert_string_equal(svc->cluster_ip, "clusterIPValue");
    model_obj_unref(&svc->obj);

    struct model_configmap *cm =
        (struct model_configmap *)decode_file(MODEL_RES_CONFIGMAPS, "k8s/core.v1.ConfigMap.json");
    assert_int_equal(cm->keys, 2); /* one data key + one binaryData key */
    model_obj_unref(&cm->obj);

    struct model_lease *l = (struct model_lease *)decode_file(
        MODEL_RES_LEASES, "k8s/coordination.k8s.io.v1.Lease.json");
    assert_string_equal(l->holder, "holderIdentityValue");
    assert_int_equal(l->duration_s, 2);
    assert_int_equal(l->acquired, INT64_C(1041382861)); /* 2003-01-01T01:01:01.000003Z */
    assert_int_equal(l->renewed, INT64_C(1072918861));  /* 2004-01-01T01:01:01.000004Z */
    model_obj_unref(&l->obj);
}

static void test_event_fixtures(void **state)
{
    (void)state;
    struct model_event *ev =
        (struct model_event *)decode_file(MODEL_RES_EVENTS, "k8s/core.v1.Event.json");
    assert_string_equal(ev->type, "typeValue");
    assert_string_equal(ev->reason, "reasonValue");
    assert_string_equal(ev->message, "messageValue");
    assert_string_equal(ev->involved_kind, "kindValue");
    assert_string_equal(ev->involved_ns, "namespaceValue");
    assert_string_equal(ev->involved_name, "nameValue");
    assert_int_equal(ev->count, 1); /* a series' count wins, as kubectl prints it */
    /* The latest time it carries: eventTime 2010-01-01T01:01:01.000010Z. */
    assert_int_equal(ev->last_seen, INT64_C(1262307661));
    model_obj_unref(&ev->obj);

    ev = (struct model_event *)decode_file(MODEL_RES_EVENTS, "k8s/events.k8s.io.v1.Event.json");
    assert_string_equal(ev->message, "noteValue");
    assert_string_equal(ev->involved_kind, "kindValue");
    assert_string_equal(ev->involved_name, "nameValue");
    assert_int_equal(ev->count, 1);
    /* deprecatedLastTimestamp 2014-01-01T01:01:01Z is the latest. */
    assert_int_equal(ev->last_seen, INT64_C(1388538061));
    model_obj_unref(&ev->obj);

    /* A core event without series: its count; without any time: its creation. */
    struct error err = {0};
    ev = (struct model_event *)decode_text(
        MODEL_RES_EVENTS,
        "{\"metadata\":{\"name\":\"e\",\"namespace\":\"shop\",\"creationTimestamp\":"
        "\"2025-01-01T00:00:00Z\"},\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\"},"
        "\"reason\":\"BackOff\",\"type\":\"Warning\",\"count\":42}",
        &err);
    assert_non_null(ev);
    assert_int_equal(ev->count, 42);
    assert_int_equal(ev->last_seen, INT64_C(1735689600));
    assert_null(ev->involved_ns);
    assert_null(ev->message);
    model_obj_unref(&ev->obj);
}

/* The end of a row's one allocation: past the last of its packed strings. */
static const char *row_end(const void *row, size_t size, const char *const *strs, size_t n)
{
    const char *end = (const char *)row + size;
    for (size_t i = 0; i < n; i++)
        if (strs[i] && strs[i] + strlen(strs[i]) + 1 > end)
            end = strs[i] + strlen(strs[i]) + 1;
    return end;
}

static bool row_contains(const void *row, const char *end, const char *needle)
{
    return memmem(row, (size_t)(end - (const char *)row), needle, strlen(needle)) != NULL;
}

static void test_secret_never_keeps_values(void **state)
{
    (void)state;
    struct model_secret_meta *s =
        (struct model_secret_meta *)decode_file(MODEL_RES_SECRETS, "k8s/core.v1.Secret.json");
    check_common(&s->obj);
    assert_string_equal(s->type, "typeValue");
    assert_string_equal(s->labels, "labelsKey=labelsValue");
    assert_null(s->data_hash);
    const char *strs[] = {s->obj.ns, s->obj.name, s->obj.uid, s->type, s->data_hash, s->labels};
    const char *end = row_end(s, sizeof *s, strs, 6);
    assert_false(row_contains(s, end, "Ag=="));
    assert_false(row_contains(s, end, "stringDataValue"));
    assert_false(row_contains(s, end, "dataKey"));
    model_obj_unref(&s->obj);

    /* As PartialObjectMetadata: no type; labels sorted; the ESO data hash kept. */
    struct error err = {0};
    s = (struct model_secret_meta *)decode_text(
        MODEL_RES_SECRETS,
        "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{"
        "\"name\":\"db\",\"namespace\":\"payments\",\"labels\":{\"z\":\"1\",\"a\":\"2\",\"m\":"
        "\"\"},\"annotations\":{\"reconcile.external-secrets.io/data-hash\":\"abc123\"}}}",
        &err);
    assert_non_null(s);
    assert_null(s->type);
    assert_string_equal(s->labels, "a=2,m=,z=1");
    assert_string_equal(s->data_hash, "abc123");
    model_obj_unref(&s->obj);

    /* A full Secret whose data is not even well-formed still decodes: data is never read. */
    s = (struct model_secret_meta *)decode_text(
        MODEL_RES_SECRETS,
        "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"},\"type\":\"kubernetes.io/tls\","
        "\"data\":[\"czNjcjN0\"]}",
        &err);
    assert_non_null(s);
    assert_string_equal(s->type, "kubernetes.io/tls");
    assert_null(s->labels);
    const char *strs2[] = {s->obj.ns, s->obj.name, s->obj.uid, s->type, s->data_hash, s->labels};
    assert_false(row_contains(s, row_end(s, sizeof *s, strs2, 6), "czNjcjN0"));
    model_obj_unref(&s->obj);
}

/* ---- semantics on crafted objects --------------------------------------------------------- */

static void test_node_labels(void **state)
{
    (void)state;
    struct error err = {0};
    struct model_node *n = (struct model_node *)decode_text(
        MODEL_RES_NODES,
        "{\"metadata\":{\"name\":\"old\",\"labels\":{"
        "\"failure-domain.beta.kubernetes.io/zone\":\"us-east-1b\","
        "\"failure-domain.beta.kubernetes.io/region\":\"us-east-1\","
        "\"beta.kubernetes.io/instance-type\":\"m4.large\","
        "\"node-role.kubernetes.io/master\":\"\"}},"
        "\"spec\":{},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}",
        &err);
    assert_non_null(n);
    assert_string_equal(n->zone, "us-east-1b");
    assert_string_equal(n->region, "us-east-1");
    assert_string_equal(n->instance_type, "m4.large");
    assert_int_equal(n->role, MODEL_ROLE_CONTROL_PLANE);
    assert_int_equal(n->ready, MODEL_FALSE);
    assert_int_equal(n->schedulable, MODEL_TRUE); /* unschedulable omitted = false */
    assert_null(n->kubelet_version);
    assert_null(n->obj.ns);
    assert_int_equal(n->obj.created, 0);
    model_obj_unref(&n->obj);

    /* The GA labels win over the legacy ones; no status: readiness unknown. */
    n = (struct model_node *)decode_text(MODEL_RES_NODES,
                                         "{\"metadata\":{\"name\":\"new\",\"labels\":{"
                                         "\"failure-domain.beta.kubernetes.io/zone\":\"old-zone\","
                                         "\"topology.kubernetes.io/zone\":\"us-east-1c\","
                                         "\"node-role.kubernetes.io/control-plane\":\"\"}}}",
                                         &err);
    assert_non_null(n);
    assert_string_equal(n->zone, "us-east-1c");
    assert_int_equal(n->role, MODEL_ROLE_CONTROL_PLANE);
    assert_int_equal(n->ready, MODEL_UNKNOWN);
    assert_int_equal(n->schedulable, MODEL_UNKNOWN);
    model_obj_unref(&n->obj);
}

static void test_pod_states(void **state)
{
    (void)state;
    struct error err = {0};
    /* An init container in CrashLoopBackOff: that is the pod's waiting reason. */
    struct model_pod *p = (struct model_pod *)decode_text(
        MODEL_RES_PODS,
        "{\"metadata\":{\"name\":\"p\",\"namespace\":\"shop\",\"ownerReferences\":["
        "{\"kind\":\"Node\",\"name\":\"n\"},{\"kind\":\"ReplicaSet\",\"name\":\"rs\","
        "\"controller\":true}]},"
        "\"spec\":{\"nodeName\":\"ip-1\",\"initContainers\":[{\"image\":\"init:1\"}],"
        "\"containers\":[{\"name\":\"a\",\"image\":\"nginx:1\"},{\"name\":\"b\",\"image\":"
        "\"php-fpm:8\"},{\"name\":\"c\",\"image\":\"envoy:1.2\"}]},"
        "\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
        "\"False\"}],\"initContainerStatuses\":[{\"restartCount\":4,\"ready\":false,\"state\":"
        "{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}],\"containerStatuses\":["
        "{\"restartCount\":0,\"ready\":false,\"state\":{\"waiting\":{\"reason\":"
        "\"PodInitializing\"}}},{\"ready\":false,\"state\":{\"waiting\":{\"reason\":"
        "\"PodInitializing\"}}},{\"ready\":true,\"restartCount\":1,\"state\":{}}]}}",
        &err);
    assert_non_null(p);
    assert_string_equal(p->waiting_reason, "CrashLoopBackOff");
    assert_string_equal(p->owner_kind, "ReplicaSet"); /* the controller, not the first ref */
    assert_string_equal(p->owner_name, "rs");
    assert_string_equal(p->images, "nginx:1,php-fpm:8,envoy:1.2");
    assert_int_equal(p->containers, 3);
    assert_int_equal(p->containers_ready, 1);
    assert_int_equal(p->restarts, 5);
    assert_int_equal(p->ready, MODEL_FALSE);
    assert_string_equal(p->phase, "Pending");
    model_obj_unref(&p->obj);

    /* A pod not yet scheduled: no statuses means unknown counts, not zero. */
    p = (struct model_pod *)decode_text(
        MODEL_RES_PODS,
        "{\"metadata\":{\"name\":\"q\"},\"spec\":{\"containers\":[{\"image\":\"x\"}]},"
        "\"status\":{\"phase\":\"Pending\"}}",
        &err);
    assert_non_null(p);
    assert_int_equal(p->containers_ready, MODEL_COUNT_UNKNOWN);
    assert_int_equal(p->restarts, MODEL_COUNT_UNKNOWN);
    assert_null(p->node);
    assert_null(p->waiting_reason);
    assert_null(p->owner_kind);
    assert_int_equal(p->ready, MODEL_UNKNOWN);
    model_obj_unref(&p->obj);

    /* A crash-looping regular container. */
    p = (struct model_pod *)decode_text(
        MODEL_RES_PODS,
        "{\"metadata\":{\"name\":\"checkout-1\"},\"status\":{\"phase\":\"Running\","
        "\"containerStatuses\":[{\"ready\":true,\"restartCount\":2,\"state\":{\"running\":{}}},"
        "{\"ready\":false,\"restartCount\":17,\"state\":{\"waiting\":{\"reason\":"
        "\"CrashLoopBackOff\"}}}]}}",
        &err);
    assert_non_null(p);
    assert_string_equal(p->waiting_reason, "CrashLoopBackOff");
    assert_int_equal(p->restarts, 19);
    assert_int_equal(p->containers_ready, 1);
    assert_int_equal(p->containers, MODEL_COUNT_UNKNOWN); /* no spec */
    assert_null(p->images);
    model_obj_unref(&p->obj);
}

static void test_workload_zero_vs_unknown(void **state)
{
    (void)state;
    struct error err = {0};
    /* status present, readyReplicas omitted: Kubernetes omitted a zero. */
    struct model_workload *w = (struct model_workload *)decode_text(
        MODEL_RES_STATEFULSETS,
        "{\"metadata\":{\"name\":\"db\"},\"spec\":{\"replicas\":3,\"template\":{\"spec\":"
        "{\"containers\":[{\"image\":\"postgres:16\"}]}}},\"status\":{\"replicas\":3,"
        "\"updatedReplicas\":3}}",
        &err);
    assert_non_null(w);
    assert_int_equal(w->obj.res, MODEL_RES_STATEFULSETS);
    assert_int_equal(w->desired, 3);
    assert_int_equal(w->ready, 0);
    assert_int_equal(w->available, 0);
    assert_int_equal(w->updated, 3);
    assert_string_equal(w->images, "postgres:16");
    model_obj_unref(&w->obj);

    /* No status at all (a brand new object): unknown, not zero. */
    w = (struct model_workload *)decode_text(
        MODEL_RES_DEPLOYMENTS, "{\"metadata\":{\"name\":\"new\"},\"spec\":{\"replicas\":0}}", &err);
    assert_non_null(w);
    assert_int_equal(w->desired, 0);
    assert_int_equal(w->ready, MODEL_COUNT_UNKNOWN);
    assert_int_equal(w->updated, MODEL_COUNT_UNKNOWN);
    assert_int_equal(w->available, MODEL_COUNT_UNKNOWN);
    assert_null(w->images);
    model_obj_unref(&w->obj);

    /* A DaemonSet counts from status. */
    w = (struct model_workload *)decode_text(
        MODEL_RES_DAEMONSETS,
        "{\"metadata\":{\"name\":\"fluentd\",\"namespace\":\"logging\"},\"spec\":{\"template\":"
        "{\"spec\":{\"containers\":[{\"image\":\"fluentd:1.16\"}]}}},\"status\":{"
        "\"desiredNumberScheduled\":5,\"currentNumberScheduled\":5,\"numberReady\":4,"
        "\"updatedNumberScheduled\":5}}",
        &err);
    assert_non_null(w);
    assert_int_equal(w->desired, 5);
    assert_int_equal(w->ready, 4);
    assert_int_equal(w->updated, 5);
    assert_int_equal(w->available, 0);
    model_obj_unref(&w->obj);

    w = (struct model_workload *)decode_text(MODEL_RES_DAEMONSETS,
                                             "{\"metadata\":{\"name\":\"ds\"},\"spec\":{}}", &err);
    assert_non_null(w);
    assert_int_equal(w->desired, MODEL_COUNT_UNKNOWN);
    assert_int_equal(w->ready, MODEL_COUNT_UNKNOWN);
    model_obj_unref(&w->obj);
}

static void test_partial_metadata(void **state)
{
    (void)state;
    struct error err = {0};
    struct model_configmap *cm = (struct model_configmap *)decode_text(
        MODEL_RES_CONFIGMAPS,
        "{\"kind\":\"PartialObjectMetadata\",\"metadata\":{\"name\":\"c\",\"namespace\":\"n\"}}",
        &err);
    assert_non_null(cm);
    assert_int_equal(cm->keys, MODEL_COUNT_UNKNOWN);
    model_obj_unref(&cm->obj);
    cm = (struct model_configmap *)decode_text(
        MODEL_RES_CONFIGMAPS, "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"empty\"}}", &err);
    assert_non_null(cm);
    assert_int_equal(cm->keys, 0);
    model_obj_unref(&cm->obj);
}

static void test_errors(void **state)
{
    (void)state;
    struct error err = {0};
    assert_null(decode_text(MODEL_RES_PODS, "[1,2]", &err));
    assert_non_null(strstr(err.msg, "pods"));
    assert_null(decode_text(MODEL_RES_PODS,
                            "{\"metadata\":{\"namespace\":\"shop\",\"uid\":\"u1\"}}", &err));
    assert_non_null(strstr(err.msg, "metadata.name"));
    assert_non_null(strstr(err.msg, "shop"));
    assert_non_null(strstr(err.msg, "u1"));
    assert_null(decode_text(MODEL_RES_NODES, "{\"metadata\":{\"name\":42}}", &err));
    assert_null(decode_text(MODEL_RES_NODES, "{\"metadata\":null}", &err));
    assert_null(k8s_decode_object(MODEL_RES_NODES, NULL, &err));
    assert_null(k8s_decode_object(MODEL_RES_COUNT, NULL, &err));

    /* Wrong types everywhere are unknown, not a crash. */
    struct model_pod *p = (struct model_pod *)decode_text(
        MODEL_RES_PODS,
        "{\"metadata\":{\"name\":\"w\",\"labels\":7,\"ownerReferences\":{}},\"spec\":[],"
        "\"status\":{\"phase\":3,\"conditions\":{},\"containerStatuses\":[1,null,{\"ready\":"
        "\"yes\",\"restartCount\":\"9\",\"state\":[]}]}}",
        &err);
    assert_non_null(p);
    assert_null(p->phase);
    assert_int_equal(p->restarts, 0);
    assert_int_equal(p->containers_ready, 0);
    model_obj_unref(&p->obj);
}

static void test_parse_time(void **state)
{
    (void)state;
    assert_int_equal(k8s_parse_time("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(k8s_parse_time("2025-01-01T09:23:00Z"), INT64_C(1735723380));
    assert_int_equal(k8s_parse_time("2025-01-01T09:23:00.123456Z"), INT64_C(1735723380));
    assert_int_equal(k8s_parse_time("2025-01-01T10:23:00+01:00"), INT64_C(1735723380));
    assert_int_equal(k8s_parse_time("2025-01-01T04:53:00-04:30"), INT64_C(1735723380));
    assert_int_equal(k8s_parse_time("2024-02-29T00:00:00Z"), INT64_C(1709164800));
    assert_int_equal(k8s_parse_time("2025-13-01T00:00:00Z"), 0);
    assert_int_equal(k8s_parse_time("2025-01-01 09:23"), 0);
    assert_int_equal(k8s_parse_time("2025-01-01T09:23:00"), 0);
    assert_int_equal(k8s_parse_time("2025-01-01T09:23:00.Z"), 0);
    assert_int_equal(k8s_parse_time("2025-01-01T09:23:00Zjunk"), 0);
    assert_int_equal(k8s_parse_time(""), 0);
    assert_int_equal(k8s_parse_time(NULL), 0);
}

/* ---- wire lists, scanned and decoded item by item ------------------------------------------ */

struct decoded {
    enum model_res res;
    bool raw; /* k8s_decode_json rather than json-c and k8s_decode_object */
    struct json_scan *scan;
    size_t n;
    struct model_obj *rows[16];
};

static int decode_item(void *arg, const char *json, size_t len)
{
    struct decoded *d = arg;
    if (d->raw) {
        /* The fast path: straight from the item's text. */
        struct error err = {0};
        struct model_obj *row;
        char rv[64];
        if (strcmp(json_scan_meta(d->scan)->kind, "Table") == 0) {
            size_t ncols;
            const char *const *cols = json_scan_columns(d->scan, &ncols);
            row = k8s_decode_table_row_json(d->res, cols, ncols, json, len, &err);
        } else {
            row = k8s_decode_json(d->res, json, len, rv, sizeof rv, &err);
            if (row)
                assert_true(strncmp(rv, "1233", 4) == 0); /* every item's is 1233xx */
        }
        if (row == NULL)
            fail_msg("%s", err.msg);
        assert_true(d->n < 16);
        d->rows[d->n++] = row;
        return 0;
    }
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
    json_tokener_free(tok);
    struct error err = {0};
    struct model_obj *row;
    if (strcmp(json_scan_meta(d->scan)->kind, "Table") == 0) {
        size_t ncols;
        const char *const *cols = json_scan_columns(d->scan, &ncols);
        row = k8s_decode_table_row(d->res, cols, ncols, o, &err);
    } else {
        row = k8s_decode_object(d->res, o, &err);
    }
    json_object_put(o);
    if (row == NULL)
        fail_msg("%s", err.msg);
    assert_true(d->n < 16);
    d->rows[d->n++] = row;
    return 0;
}

/* Scans a wire fixture in 1..97-byte chunks and decodes every item. */
static void decode_list(struct decoded *d, enum model_res res, const char *rel, bool raw)
{
    memset(d, 0, sizeof *d);
    d->res = res;
    d->raw = raw;
    size_t len;
    char *buf = test_fixture_read(rel, &len);
    d->scan = json_scan_new(strstr(rel, "Table") ? "rows" : "items", decode_item, d);
    struct error err = {0};
    size_t step = 1;
    for (size_t off = 0; off < len; off += step, step = step % 97 + 1) {
        size_t n = step < len - off ? step : len - off;
        if (json_scan_feed(d->scan, buf + off, n, &err) != 0)
            fail_msg("%s: %s", rel, err.msg);
    }
    assert_int_equal(json_scan_finish(d->scan, &err), 0);
    free(buf);
}

static void decoded_fini(struct decoded *d)
{
    for (size_t i = 0; i < d->n; i++)
        model_obj_unref(d->rows[i]);
    json_scan_free(d->scan);
}

static void test_wire_nodes(void **state)
{
    (void)state;
    struct decoded d;
    for (int way = 0; way < 4; way++) {
        int table = way & 1;
        decode_list(&d, MODEL_RES_NODES,
                    table ? "wire/nodes.Table.json" : "wire/nodes.NodeList.json", way >= 2);
        assert_int_equal(d.n, 3);
        static const char *const zones[] = {"us-east-1a", "us-east-1b", "us-east-1c"};
        static const uint8_t ready[] = {MODEL_TRUE, MODEL_TRUE, MODEL_FALSE};
        static const uint8_t roles[] = {MODEL_ROLE_CONTROL_PLANE, MODEL_ROLE_WORKER,
                                        MODEL_ROLE_WORKER};
        for (size_t i = 0; i < 3; i++) {
            const struct model_node *n = (const struct model_node *)d.rows[i];
            assert_string_equal(n->zone, zones[i]);
            assert_int_equal(n->ready, ready[i]);
            assert_int_equal(n->role, roles[i]);
            assert_string_equal(n->instance_type, "m5.large");
            assert_string_equal(n->kubelet_version, "v1.23.17");
            assert_int_equal(n->schedulable, MODEL_TRUE);
            assert_null(n->obj.ns);
            /* Created a day apart, the first on 2024-12-22T12:00:00Z. */
            assert_int_equal(n->obj.created, INT64_C(1734868800) - (int64_t)i * 86400);
        }
        assert_string_equal(d.rows[0]->name, "ip-10-0-1-10.ec2.internal");
        assert_string_equal(d.rows[0]->uid, "00000064-0000-4000-8000-000000000064");
        assert_int_equal(d.rows[0]->created, k8s_parse_time("2024-12-22T12:00:00Z"));
        decoded_fini(&d);
    }
}

static void test_wire_pods(void **state)
{
    (void)state;
    static const char *const names[] = {"busybox-6d8f7c9b5-01eef", "coredns-6d8f7c9b5-03dde",
                                        "coredns-6d8f7c9b5-05ccd", "coredns-6d8f7c9b5-07bbc",
                                        "coredns-6d8f7c9b5-09aab"};
    static const int restarts[] = {3, 1, 4, 2, 0};
    static const char *const nodes[] = {"ip-10-0-2-11.ec2.internal", "ip-10-0-3-12.ec2.internal",
                                        "ip-10-0-1-10.ec2.internal", "ip-10-0-2-11.ec2.internal",
                                        "ip-10-0-3-12.ec2.internal"};
    for (int way = 0; way < 4; way++) {
        int table = way & 1;
        struct decoded d;
        decode_list(&d, MODEL_RES_PODS,
                    table ? "wire/pods.Table.page1.json" : "wire/pods.PodList.page1.json",
                    way >= 2);
        assert_int_equal(d.n, 5);
        for (size_t i = 0; i < 5; i++) {
            const struct model_pod *p = (const struct model_pod *)d.rows[i];
            assert_string_equal(p->obj.name, names[i]);
            assert_string_equal(p->obj.ns, i == 0 ? "default" : "kube-system");
            assert_string_equal(p->phase, "Running");
            assert_string_equal(p->node, nodes[i]);
            assert_string_equal(p->owner_kind, "ReplicaSet");
            assert_int_equal(p->restarts, restarts[i]);
            assert_int_equal(p->containers, 1);
            assert_int_equal(p->containers_ready, 1);
            assert_int_equal(p->ready, MODEL_TRUE);
            assert_null(p->waiting_reason);
            /* the real list: every container requests 100m and 128Mi and sets no limit */
            assert_int_equal(p->cpu_request_m, table ? MODEL_QTY_UNKNOWN : 100);
            assert_int_equal(p->mem_request, table ? MODEL_QTY_UNKNOWN : 128 * 1048576);
            assert_int_equal(p->cpu_limit_m, table ? MODEL_QTY_UNKNOWN : MODEL_QTY_NONE);
            assert_int_equal(p->mem_limit, table ? MODEL_QTY_UNKNOWN : MODEL_QTY_NONE);
            if (table)
                assert_null(p->images); /* a Table does not carry images */
            else
                assert_non_null(strstr(p->images, "registry.example.com/"));
        }
        assert_string_equal(((const struct model_pod *)d.rows[0])->owner_name, "busybox-6d8f7c9b5");
        assert_string_equal(json_scan_meta(d.scan)->continue_token,
                            "eyJ2IjogIm1ldGEuazhzLmlvL3YxIiwgInJ2IjogMTIzNDAwLCAic3RhcnQiOiA1fQ");
        decoded_fini(&d);
    }
}

static void test_wire_deployments_and_secrets(void **state)
{
    (void)state;
    struct decoded d;
    for (int raw = 0; raw < 2; raw++) {
        decode_list(&d, MODEL_RES_DEPLOYMENTS, "wire/deployments.DeploymentList.json", raw);
        assert_int_equal(d.n, 3);
        const struct model_workload *w = (const struct model_workload *)d.rows[1];
        assert_string_equal(w->obj.name, "payments-api");
        assert_int_equal(w->desired, 4);
        assert_int_equal(w->ready, 3);
        assert_int_equal(w->available, 3);
        assert_int_equal(w->updated, 4);
        assert_string_equal(w->images, "registry.example.com/payments-api:1.2.0");
        decoded_fini(&d);

        decode_list(&d, MODEL_RES_SECRETS, "wire/secrets.payments.SecretList.json", raw);
        assert_int_equal(d.n, 1);
        const struct model_secret_meta *s = (const struct model_secret_meta *)d.rows[0];
        assert_string_equal(s->obj.name, "db-credentials");
        assert_string_equal(s->type, "Opaque");
        assert_string_equal(s->labels, "reconcile.external-secrets.io/created-by=a1b2c3");
        const char *strs[] = {s->obj.ns, s->obj.name, s->obj.uid, s->type, s->data_hash, s->labels};
        const char *end = row_end(s, sizeof *s, strs, 6);
        assert_false(row_contains(s, end, "czNjcjN0"));
        assert_false(row_contains(s, end, "YXBw"));
        decoded_fini(&d);
    }
}

/* Watch frames: each line's object decodes; a bookmark carries no name. */
struct watch_events {
    size_t added, modified, bookmarks;
    char last_name[128];
};

static int on_watch_line(void *arg, const char *line, size_t len)
{
    struct watch_events *w = arg;
    json_tokener *tok = json_tokener_new();
    json_object *ev = json_tokener_parse_ex(tok, line, (int)len);
    json_tokener_free(tok);
    assert_non_null(ev);
    json_object *type, *obj;
    assert_true(json_object_object_get_ex(ev, "type", &type));
    assert_true(json_object_object_get_ex(ev, "object", &obj));
    const char *t = json_object_get_string(type);
    if (strcmp(t, "BOOKMARK") == 0) {
        w->bookmarks++;
        assert_string_equal(k8s_object_resource_version(obj), "123402");
    } else {
        struct error err = {0};
        struct model_obj *row = k8s_decode_object(MODEL_RES_PODS, obj, &err);
        assert_non_null(row);
        snprintf(w->last_name, sizeof w->last_name, "%s", row->name);
        model_obj_unref(row);
        if (strcmp(t, "ADDED") == 0)
            w->added++;
        else
            w->modified++;
    }
    json_object_put(ev);
    return 0;
}

static void test_watch_pods_decode(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/watch.pods.web.ndjson", &len);
    struct watch_events w = {0};
    struct json_lines *l = json_lines_new(1 << 20, on_watch_line, &w);
    struct error err = {0};
    for (size_t off = 0; off < len; off += 13)
        assert_int_equal(json_lines_feed(l, buf + off, len - off < 13 ? len - off : 13, &err), 0);
    assert_int_equal(json_lines_finish(l, &err), 0);
    assert_int_equal(w.added, 4);
    assert_int_equal(w.modified, 1);
    assert_int_equal(w.bookmarks, 1);
    assert_string_equal(w.last_name, "frontend-6d8f7c9b5-13556");
    json_lines_free(l);
    free(buf);
}

static void test_table_rows_without_object(void **state)
{
    (void)state;
    static const char *const cols[] = {"Name", "Status", "Roles", "Age", "Version"};
    struct error err = {0};
    json_object *row = json_tokener_parse(
        "{\"cells\":[\"cp-1\",\"Ready,SchedulingDisabled\",\"control-plane,master\",\"3d\","
        "\"v1.24.17\"]}");
    struct model_node *n =
        (struct model_node *)k8s_decode_table_row(MODEL_RES_NODES, cols, 5, row, &err);
    json_object_put(row);
    assert_non_null(n);
    assert_string_equal(n->obj.name, "cp-1");
    assert_int_equal(n->role, MODEL_ROLE_CONTROL_PLANE);
    assert_int_equal(n->ready, MODEL_TRUE);
    assert_int_equal(n->schedulable, MODEL_FALSE);
    assert_string_equal(n->kubelet_version, "v1.24.17");
    assert_null(n->zone); /* no labels without the object */
    model_obj_unref(&n->obj);

    static const char *const pcols[] = {"Name", "Ready", "Status", "Restarts", "Age", "Node"};
    row = json_tokener_parse("{\"cells\":[\"checkout-1\",\"0/2\",\"CrashLoopBackOff\","
                             "\"12 (30s ago)\",\"5m\",\"<none>\"]}");
    struct model_pod *p =
        (struct model_pod *)k8s_decode_table_row(MODEL_RES_PODS, pcols, 6, row, &err);
    json_object_put(row);
    assert_non_null(p);
    assert_string_equal(p->waiting_reason, "CrashLoopBackOff");
    assert_null(p->phase);
    assert_null(p->node);
    assert_int_equal(p->restarts, 12);
    assert_int_equal(p->containers, 2);
    assert_int_equal(p->containers_ready, 0);
    assert_int_equal(p->ready, MODEL_FALSE);
    model_obj_unref(&p->obj);

    /* An integer Restarts cell, and a short row. */
    row = json_tokener_parse("{\"cells\":[\"x\",\"1/1\",\"Running\",7]}");
    p = (struct model_pod *)k8s_decode_table_row(MODEL_RES_PODS, pcols, 6, row, &err);
    json_object_put(row);
    assert_non_null(p);
    assert_int_equal(p->restarts, 7);
    assert_null(p->node);
    model_obj_unref(&p->obj);

    row = json_tokener_parse("{\"cells\":[]}");
    assert_null(k8s_decode_table_row(MODEL_RES_PODS, pcols, 6, row, &err));
    assert_null(k8s_decode_table_row(MODEL_RES_DEPLOYMENTS, pcols, 6, row, &err));
    json_object_put(row);
}

static void test_watch_table(void **state)
{
    (void)state;
    /* A Table watch event carries a one-row Table; its columns come with it. */
    char *buf = test_fixture_read("wire/watch.nodes.Table.ndjson", NULL);
    json_object *ev = json_tokener_parse(buf);
    free(buf);
    assert_non_null(ev);
    json_object *obj, *defs, *rows;
    assert_true(json_object_object_get_ex(ev, "object", &obj));
    assert_true(json_object_object_get_ex(obj, "columnDefinitions", &defs));
    assert_true(json_object_object_get_ex(obj, "rows", &rows));
    size_t ncols = json_object_array_length(defs);
    const char *cols[16];
    assert_true(ncols <= 16);
    for (size_t i = 0; i < ncols; i++) {
        json_object *nm;
        assert_true(json_object_object_get_ex(json_object_array_get_idx(defs, i), "name", &nm));
        cols[i] = json_object_get_string(nm);
    }
    struct error err = {0};
    struct model_node *n = (struct model_node *)k8s_decode_table_row(
        MODEL_RES_NODES, cols, ncols, json_object_array_get_idx(rows, 0), &err);
    assert_non_null(n);
    assert_string_equal(n->obj.name, "ip-10-0-1-10.ec2.internal");
    assert_int_equal(n->role, MODEL_ROLE_CONTROL_PLANE);
    assert_string_equal(n->zone, "us-east-1a");
    assert_int_equal(n->ready, MODEL_TRUE);
    model_obj_unref(&n->obj);
    json_object_put(ev);
}

static void test_decode_json_raw(void **state)
{
    (void)state;
    struct error err = {0};
    char rv[8];
    /* managedFields (left out unread, brackets and quotes inside strings), escaped strings and
     * keys, metadata members after managedFields, a long resourceVersion truncated. */
    const char *pod =
        "{\"kind\":\"Pod\",\"metadata\":{\"managedFields\":[{\"manager\":\"a]}\\\"{[\","
        "\"fieldsV1\":{\"f:x\":{},\"f:y\":[1,2.5e3,true,null]}}],\"name\":\"caf\\u00e9-\\ud83d"
        "\\ude00\",\"n\\u0061mespace\":\"shop\",\"resourceVersion\":\"1234567890\"},"
        "\"spec\":{\"containers\":[{\"image\":\"nginx:1\\/a\"}]},\"status\":{\"phase\":"
        "\"Running\\n\"}}";
    struct model_pod *p =
        (struct model_pod *)k8s_decode_json(MODEL_RES_PODS, pod, strlen(pod), rv, sizeof rv, &err);
    if (p == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(p->obj.name, "caf\xc3\xa9-\xf0\x9f\x98\x80");
    assert_string_equal(p->obj.ns, "shop");
    assert_string_equal(p->images, "nginx:1/a");
    assert_string_equal(p->phase, "Running\n"); /* raw: sanitized when drawn */
    assert_string_equal(rv, "1234567");
    model_obj_unref(&p->obj);

    /* Malformed text: an error naming the byte, never a row. */
    static const char *const bad[] = {"",
                                      "{",
                                      "{\"metadata\":{\"name\":\"x\"}",
                                      "{\"metadata\":{\"name\":\"x\"}}}",
                                      "{\"metadata\":{\"name\":\"x\\q\"}}",
                                      "{\"metadata\":{\"name\":\"x\\u12\"}}",
                                      "{\"metadata\":{\"name\":tru}}",
                                      "{\"metadata\":{\"name\":01}}",
                                      "{\"metadata\":{\"managedFields\":[\"x}]}",
                                      "{\"metadata\":{\"managedFields\":]}}",
                                      "{\"metadata\":{\"name\":\"a\tb\"}}",
                                      "[\"metadata\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        error_clear(&err);
        struct model_obj *row =
            k8s_decode_json(MODEL_RES_PODS, bad[i], strlen(bad[i]), rv, sizeof rv, &err);
        if (row != NULL)
            fail_msg("bad case %zu was accepted", i);
        assert_true(err.msg[0] != '\0');
    }
    error_clear(&err);
    /* Only len bytes are read: here the closing brace is not among them. */
    assert_null(k8s_decode_json(MODEL_RES_PODS, "{\"a\":1}", 6, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "malformed JSON at byte 6"));
    assert_null(k8s_decode_json(MODEL_RES_PODS, "{\"a\":1}", 7, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "metadata.name"));

    /* Deep nesting is refused, not a stack overflow. */
    char deep[4000];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        deep[n++] = '[';
    for (int i = 0; i < 1000; i++)
        deep[n++] = ']';
    assert_null(k8s_decode_json(MODEL_RES_PODS, deep, n, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "too deep"));
}

/* The fast path and json-c agree on every upstream fixture. */
static void test_fast_path_matches_jsonc(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum model_res res;
    } files[] = {{"k8s/core.v1.Pod.json", MODEL_RES_PODS},
                 {"k8s/core.v1.Node.json", MODEL_RES_NODES},
                 {"k8s/apps.v1.Deployment.json", MODEL_RES_DEPLOYMENTS},
                 {"k8s/core.v1.Event.json", MODEL_RES_EVENTS},
                 {"k8s/core.v1.Secret.json", MODEL_RES_SECRETS}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        char *text = test_fixture_read(files[i].file, &len);
        struct error err = {0};
        char rv[64];
        struct model_obj *a = k8s_decode_json(files[i].res, text, len, rv, sizeof rv, &err);
        struct model_obj *b = decode_file(files[i].res, files[i].file);
        assert_non_null(a);
        assert_string_equal(rv, "resourceVersionValue");
        assert_string_equal(a->name, b->name);
        assert_string_equal(a->uid, b->uid);
        assert_int_equal(a->created, b->created);
        if (files[i].res == MODEL_RES_PODS) {
            const struct model_pod *pa = (const void *)a, *pb = (const void *)b;
            assert_string_equal(pa->images, pb->images);
            assert_string_equal(pa->waiting_reason, pb->waiting_reason);
            assert_int_equal(pa->restarts, pb->restarts);
        }
        model_obj_unref(a);
        model_obj_unref(b);
        free(text);
    }
}

/* Informers scan and decode on several threads at once: two threads, each with its own scanner,
 * decode the same list and get the same rows (run under TSan, this proves no shared state). */
struct thread_job {
    const char *text;
    size_t len;
    size_t rows;
    int32_t restarts;
};

static int thread_item(void *arg, const char *json, size_t len)
{
    struct thread_job *job = arg;
    struct error err;
    struct model_pod *p =
        (struct model_pod *)k8s_decode_json(MODEL_RES_PODS, json, len, NULL, 0, &err);
    if (p == NULL)
        return -2;
    job->rows++;
    job->restarts += p->restarts;
    model_obj_unref(&p->obj);
    return 0;
}

static void *thread_main(void *arg)
{
    struct thread_job *job = arg;
    for (int round = 0; round < 20; round++) {
        struct json_scan *s = json_scan_new("items", thread_item, job);
        struct error err;
        for (size_t off = 0; off < job->len; off += 1000)
            if (json_scan_feed(s, job->text + off, job->len - off < 1000 ? job->len - off : 1000,
                               &err) != 0)
                job->rows = 0;
        if (json_scan_finish(s, &err) != 0)
            job->rows = 0;
        json_scan_free(s);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    size_t len;
    char *text = test_fixture_read("wire/pods.PodList.page1.json", &len);
    struct thread_job jobs[2] = {{text, len, 0, 0}, {text, len, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].rows, 20 * 5);
        assert_int_equal(jobs[i].restarts, 20 * (3 + 1 + 4 + 2 + 0));
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_decodes),
        cmocka_unit_test(test_node_fixture),
        cmocka_unit_test(test_pod_fixture),
        cmocka_unit_test(test_workload_fixtures),
        cmocka_unit_test(test_small_fixtures),
        cmocka_unit_test(test_event_fixtures),
        cmocka_unit_test(test_secret_never_keeps_values),
        cmocka_unit_test(test_node_labels),
        cmocka_unit_test(test_pod_states),
        cmocka_unit_test(test_workload_zero_vs_unknown),
        cmocka_unit_test(test_partial_metadata),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_wire_nodes),
        cmocka_unit_test(test_wire_pods),
        cmocka_unit_test(test_wire_deployments_and_secrets),
        cmocka_unit_test(test_watch_pods_decode),
        cmocka_unit_test(test_table_rows_without_object),
        cmocka_unit_test(test_watch_table),
        cmocka_unit_test(test_decode_json_raw),
        cmocka_unit_test(test_fast_path_matches_jsonc),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_pod_resources_sum),
        cmocka_unit_test(test_pod_resources_init),
        cmocka_unit_test(test_pod_resources_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
