#include "sim_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cutover/xalloc.h"
#include "sim_json.h"

uint64_t sim_gen_rand(uint64_t *rng)
{
    uint64_t z = (*rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_gen_suffix(uint64_t *rng, char *out, size_t n)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[sim_gen_rand(rng) % (sizeof alphabet - 1)];
    out[n] = '\0';
}

void sim_gen_uid(uint64_t *rng, char *out)
{
    uint64_t a = sim_gen_rand(rng), b = sim_gen_rand(rng);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)((b >> 48) & 0x3fff) | 0x8000, (unsigned long long)(b & 0xffffffffffffULL));
}

struct gnode {
    char name[64];
    char ip[32];
    const char *zone;
    bool cp;
};

struct gen {
    const struct sim_cluster_spec *spec;
    struct sim_store *st;
    uint64_t rng;
    int cidx;
    time_t now, born;
    bool eks;
    const char *ca_pem;
    struct gnode *nodes;
    size_t nnodes;
    size_t place;              /* round-robin placement cursor over workers */
    const char *zone_names[4]; /* each zone its own /18 of node addresses */
    unsigned zone_count[4];
    struct sim_buf scratch[8]; /* reused render buffers (malloc churn dominated generation) */
    unsigned pod_ip;
    unsigned svc_ip;
    struct error *err;
    int failed;
};

/* Borrows scratch buffer i (emptied); give() hands it back. */
static struct sim_buf take(struct gen *g, int i)
{
    struct sim_buf b = g->scratch[i];
    memset(&g->scratch[i], 0, sizeof g->scratch[i]);
    sim_buf_clear(&b);
    return b;
}

static void give(struct gen *g, int i, struct sim_buf *b)
{
    sim_buf_fini(&g->scratch[i]);
    g->scratch[i] = *b;
    memset(b, 0, sizeof *b);
}

static time_t rand_between(struct gen *g, time_t from, time_t to)
{
    if (to <= from)
        return from;
    return from + (time_t)(sim_gen_rand(&g->rng) % (uint64_t)(to - from));
}

/* Loads JSON text through json-c (for the small objects); counts failures. */
static void load_json(struct gen *g, enum sim_res r, const char *text)
{
    json_object *o = json_tokener_parse(text);
    struct sim_obj *obj = o ? sim_json_obj(r, o, g->err) : NULL;
    json_object_put(o);
    if (!obj) {
        if (!g->failed)
            error_set(g->err, "generator produced a bad %s object", sim_res_table[r].kind);
        g->failed++;
        return;
    }
    sim_store_load(g->st, r, obj);
}

static void add_kv(struct sim_buf *b, bool *first, const char *k, const char *v)
{
    if (!*first)
        sim_buf_add(b, ",", 1);
    *first = false;
    sim_buf_add_jstr(b, k);
    sim_buf_add(b, ":", 1);
    sim_buf_add_jstr(b, v);
}

static const char *kubelet_version(const struct gen *g)
{
    return g->spec->version;
}

/* ---- nodes ------------------------------------------------------------------------------ */

static struct sim_blob *images_blob(struct gen *g, bool cp)
{
    int n = g->spec->size.images_per_node;
    struct sim_buf b = {0};
    sim_buf_add(&b, "[", 1);
    static const char *repos[] = {
        "registry.k8s.io/kube-proxy",
        "registry.k8s.io/coredns/coredns",
        "docker.io/library/nginx",
        "docker.io/library/php",
        "docker.io/envoyproxy/envoy",
        "docker.io/fluent/fluentd-kubernetes-daemonset",
        "quay.io/prometheus/node-exporter",
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni",
        "registry.example.com/shop/checkout",
        "registry.example.com/shop/cart",
        "registry.example.com/shop/api",
        "registry.example.com/payments/ledger",
        "quay.io/jetstack/cert-manager-controller",
        "ghcr.io/external-secrets/external-secrets",
        "registry.k8s.io/pause",
        "docker.io/library/redis",
    };
    for (int i = 0; i < n; i++) {
        const char *repo = repos[(i + (cp ? 3 : 0)) % (sizeof repos / sizeof repos[0])];
        char digest[65];
        for (int k = 0; k < 64; k += 16)
            snprintf(digest + k, 17, "%016llx", (unsigned long long)sim_gen_rand(&g->rng));
        if (i)
            sim_buf_add(&b, ",", 1);
        const char *base = strrchr(repo, '/') ? strrchr(repo, '/') + 1 : repo;
        sim_buf_addf(&b,
                     "{\"names\":[\"%s@sha256:%s\",\"%s:v1.%d.%d\",\"mirror.example.com/"
                     "cache/%s:v1.%d.%d\"%s%s%s],\"sizeBytes\":%llu}",
                     repo, digest, repo, i / 4, i % 7, base, i / 4, i % 7,
                     i % 2 ? "" : ",\"mirror.example.com/cache/", i % 2 ? "" : base,
                     i % 2 ? "" : ":stable\"",
                     (unsigned long long)(sim_gen_rand(&g->rng) % 400000000ULL + 5000000ULL));
    }
    sim_buf_add(&b, "]", 1);
    struct sim_blob *blob = sim_blob_new(b.data, b.len);
    blob->stub = "[]"; /* status.images */
    sim_buf_fini(&b);
    return blob;
}

static void gen_node(struct gen *g, struct gnode *nd, const char *instance_type,
                     struct sim_blob *images, const char *nodegroup)
{
    const struct sim_cluster_spec *c = g->spec;
    time_t created = rand_between(g, g->born, g->now - 3600);
    char uid[40], boot[40], iid[20];
    sim_gen_uid(&g->rng, uid);
    sim_gen_uid(&g->rng, boot);
    snprintf(iid, sizeof iid, "i-%016llx", (unsigned long long)(sim_gen_rand(&g->rng) >> 4));
    const char *os = g->eks ? "Amazon Linux 2" : "Ubuntu 20.04.6 LTS";
    const char *kernel = g->eks ? "5.10.228-219.884.amzn2.x86_64" : "5.15.0-1051-aws";
    const char *runtime = g->eks ? "containerd://1.7.23" : "containerd://1.6.24";

    struct sim_buf meta = take(g, 0);
    sim_buf_adds(&meta, "{\"name\":");
    sim_buf_add_jstr(&meta, nd->name);
    sim_buf_addf(&meta, ",\"uid\":\"%s\",\"resourceVersion\":\"@RV@\",\"creationTimestamp\":", uid);
    sim_buf_add_time(&meta, created);
    sim_buf_adds(&meta, ",\"labels\":{");
    struct sim_buf labels = take(g, 1);
    bool first = true;
    const char *lk[16], *lv[16];
    int nl = 0;
    lk[nl] = "beta.kubernetes.io/arch", lv[nl++] = "amd64";
    lk[nl] = "beta.kubernetes.io/instance-type", lv[nl++] = instance_type;
    lk[nl] = "beta.kubernetes.io/os", lv[nl++] = "linux";
    if (g->eks) {
        lk[nl] = "eks.amazonaws.com/capacityType", lv[nl++] = "ON_DEMAND";
        lk[nl] = "eks.amazonaws.com/nodegroup", lv[nl++] = nodegroup;
    }
    lk[nl] = "failure-domain.beta.kubernetes.io/region", lv[nl++] = c->region;
    lk[nl] = "failure-domain.beta.kubernetes.io/zone", lv[nl++] = nd->zone;
    lk[nl] = "kubernetes.io/arch", lv[nl++] = "amd64";
    lk[nl] = "kubernetes.io/hostname", lv[nl++] = nd->name;
    lk[nl] = "kubernetes.io/os", lv[nl++] = "linux";
    if (nd->cp)
        lk[nl] = "node-role.kubernetes.io/control-plane", lv[nl++] = "";
    lk[nl] = "node.kubernetes.io/instance-type", lv[nl++] = instance_type;
    lk[nl] = "topology.kubernetes.io/region", lv[nl++] = c->region;
    lk[nl] = "topology.kubernetes.io/zone", lv[nl++] = nd->zone;
    for (int i = 0; i < nl; i++) {
        add_kv(&meta, &first, lk[i], lv[i]);
        sim_buf_addf(&labels, "%s=%s", lk[i], lv[i]);
        sim_buf_add(&labels, "", 1);
    }
    sim_buf_add(&labels, "", 1);
    sim_buf_addf(&meta,
                 "},\"annotations\":{\"alpha.kubernetes.io/provided-node-ip\":\"%s\","
                 "\"csi.volume.kubernetes.io/nodeid\":\"{\\\"ebs.csi.aws.com\\\":\\\"%s\\\"}\","
                 "\"kubeadm.alpha.kubernetes.io/cri-socket\":"
                 "\"unix:///run/containerd/containerd.sock\",\"node.alpha.kubernetes.io/ttl\":"
                 "\"0\",\"volumes.kubernetes.io/controller-managed-attach-detach\":\"true\"}",
                 nd->ip, iid);
    struct sim_buf t = take(g, 2);
    sim_buf_adds(&t, "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":");
    sim_buf_add(&t, meta.data, meta.len);
    sim_buf_adds(&t, ",\"managedFields\":[{\"manager\":\"kubelet\",\"operation\":\"Update\","
                     "\"apiVersion\":\"v1\",\"time\":");
    sim_buf_add_time(&t, created);
    sim_buf_adds(
        &t, ",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:annotations\":{\".\":"
            "{},\"f:node.alpha.kubernetes.io/ttl\":{},\"f:volumes.kubernetes.io/"
            "controller-managed-attach-detach\":{}},\"f:labels\":{\".\":{},\"f:beta.kubernetes.io/"
            "arch\":{},\"f:beta.kubernetes.io/os\":{},\"f:kubernetes.io/arch\":{},"
            "\"f:kubernetes.io/hostname\":{},\"f:kubernetes.io/os\":{}}},\"f:spec\":{\"f:"
            "providerID\":{}}}},{\"manager\":\"kubelet\",\"operation\":\"Update\",\"apiVersion\":"
            "\"v1\",\"time\":");
    sim_buf_add_time(&t, g->now - 60);
    sim_buf_adds(&t, ",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:allocatable\":{"
                     "\"f:cpu\":{},\"f:ephemeral-storage\":{},\"f:memory\":{}},\"f:capacity\":{"
                     "\"f:cpu\":{},\"f:ephemeral-storage\":{},\"f:memory\":{}},\"f:conditions\":{"
                     "\"k:{\\\"type\\\":\\\"DiskPressure\\\"}\":{\"f:lastHeartbeatTime\":{}},"
                     "\"k:{\\\"type\\\":\\\"MemoryPressure\\\"}\":{\"f:lastHeartbeatTime\":{}},"
                     "\"k:{\\\"type\\\":\\\"PIDPressure\\\"}\":{\"f:lastHeartbeatTime\":{}},"
                     "\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\"f:lastHeartbeatTime\":{},"
                     "\"f:lastTransitionTime\":{},\"f:message\":{},\"f:reason\":{},\"f:status\":{}}"
                     "},\"f:images\":{},\"f:nodeInfo\":{\"f:bootID\":{}}}},\"subresource\":"
                     "\"status\"}]},");
    sim_buf_addf(&t, "\"spec\":{\"podCIDR\":\"10.%d.%s.0/24\",\"providerID\":\"aws:///%s/%s\"",
                 200 + g->cidx, strrchr(nd->ip, '.') + 1, nd->zone, iid);
    if (nd->cp)
        sim_buf_adds(&t, ",\"taints\":[{\"key\":\"node-role.kubernetes.io/control-plane\","
                         "\"effect\":\"NoSchedule\"}]");
    sim_buf_adds(&t, "},\"status\":{\"capacity\":{\"cpu\":\"4\",\"ephemeral-storage\":"
                     "\"83873772Ki\",\"hugepages-1Gi\":\"0\",\"hugepages-2Mi\":\"0\",\"memory\":"
                     "\"16107916Ki\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"3920m\","
                     "\"ephemeral-storage\":\"76224326324\",\"hugepages-1Gi\":\"0\","
                     "\"hugepages-2Mi\":\"0\",\"memory\":\"15090060Ki\",\"pods\":\"110\"},"
                     "\"conditions\":[");
    static const char *conds[][3] = {
        {"MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
        {"DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
        {"PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
        {"Ready", "KubeletReady", "kubelet is posting ready status"},
    };
    for (int i = 0; i < 4; i++) {
        sim_buf_addf(&t,
                     "%s{\"type\":\"%s\",\"status\":\"%s\",\"lastHeartbeatTime\":", i ? "," : "",
                     conds[i][0], i == 3 ? "True" : "False");
        sim_buf_add_time(&t, g->now - 30);
        sim_buf_adds(&t, ",\"lastTransitionTime\":");
        sim_buf_add_time(&t, created + 60);
        sim_buf_addf(&t, ",\"reason\":\"%s\",\"message\":\"%s\"}", conds[i][1], conds[i][2]);
    }
    struct sim_buf vin = {0}, vat = {0};
    for (int v = 0; v < 4; v++) {
        char vol[32];
        snprintf(vol, sizeof vol, "vol-%017llx",
                 (unsigned long long)(sim_gen_rand(&g->rng) & 0xfffffffffffffULL));
        sim_buf_addf(&vin, "%s\"kubernetes.io/csi/ebs.csi.aws.com^%s\"", v ? "," : "", vol);
        sim_buf_addf(&vat,
                     "%s{\"name\":\"kubernetes.io/csi/ebs.csi.aws.com^%s\","
                     "\"devicePath\":\"/dev/xvdb%c\"}",
                     v ? "," : "", vol, 'a' + v);
    }
    sim_buf_addf(&t,
                 "],\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"%s\"},{\"type\":"
                 "\"InternalDNS\",\"address\":\"%s\"},{\"type\":\"Hostname\",\"address\":\"%s\"}],"
                 "\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":10250}},\"nodeInfo\":{"
                 "\"machineID\":\"ec2%029llx\",\"systemUUID\":\"ec2%05llx-0000-0000-0000-"
                 "000000000000\",\"bootID\":\"%s\",\"kernelVersion\":\"%s\",\"osImage\":\"%s\","
                 "\"containerRuntimeVersion\":\"%s\",\"kubeletVersion\":\"%s\","
                 "\"kubeProxyVersion\":\"%s\",\"operatingSystem\":\"linux\",\"architecture\":"
                 "\"amd64\"},\"volumesInUse\":[%s],\"volumesAttached\":[%s],\"images\":@BLOB@}}",
                 nd->ip, nd->name, nd->name, (unsigned long long)(sim_gen_rand(&g->rng) >> 8),
                 (unsigned long long)(sim_gen_rand(&g->rng) & 0xfffff), boot, kernel, os, runtime,
                 kubelet_version(g), kubelet_version(g), vin.data, vat.data);
    sim_buf_fini(&vin);
    sim_buf_fini(&vat);
    struct sim_buf pom = take(g, 3);
    sim_buf_adds(&pom, "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
                       "\"metadata\":");
    sim_buf_add(&pom, meta.data, meta.len);
    sim_buf_adds(&pom, "}}");
    struct sim_buf pre = take(g, 4);
    struct sim_buf post = take(g, 5);
    sim_json_node_cells(nd->name, "Ready", nd->cp ? "control-plane" : "<none>", kubelet_version(g),
                        nd->ip, os, kernel, runtime, &pre, &post);
    atomic_fetch_add(&images->refs, 1);
    struct sim_obj *o = sim_obj_new("", nd->name, created, t.data, images, pom.data, pre.data,
                                    post.data, NULL, labels.data);
    if (o)
        sim_store_load(g->st, SIM_RES_NODES, o);
    else
        g->failed++;
    give(g, 0, &meta);
    give(g, 1, &labels);
    give(g, 2, &t);
    give(g, 3, &pom);
    give(g, 4, &pre);
    give(g, 5, &post);

    /* the node's heartbeat Lease */
    struct sim_buf l = take(g, 6);
    sim_buf_adds(&l, "{\"metadata\":{\"name\":");
    sim_buf_add_jstr(&l, nd->name);
    sim_buf_adds(&l, ",\"namespace\":\"kube-node-lease\",\"uid\":\"");
    char luid[40];
    sim_gen_uid(&g->rng, luid);
    sim_buf_adds(&l, luid);
    sim_buf_adds(&l, "\",\"creationTimestamp\":");
    sim_buf_add_time(&l, created);
    sim_buf_adds(&l, ",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":");
    sim_buf_add_jstr(&l, nd->name);
    sim_buf_addf(&l, ",\"uid\":\"%s\"}]},\"spec\":{\"holderIdentity\":", uid);
    sim_buf_add_jstr(&l, nd->name);
    sim_buf_adds(&l, ",\"leaseDurationSeconds\":40,\"renewTime\":");
    struct tm tm;
    time_t rt = g->now - 5;
    gmtime_r(&rt, &tm);
    char ts[40];
    strftime(ts, sizeof ts, "\"%Y-%m-%dT%H:%M:%S.000000Z\"", &tm);
    sim_buf_adds(&l, ts);
    sim_buf_adds(&l, "}}");
    load_json(g, SIM_RES_LEASES, l.data);
    give(g, 6, &l);
}

static void add_node(struct gen *g, const char *zone, bool cp, const char *instance_type,
                     struct sim_blob *images, const char *nodegroup)
{
    g->nodes = xreallocarray(g->nodes, g->nnodes + 1, sizeof *g->nodes);
    struct gnode *nd = &g->nodes[g->nnodes];
    g->nnodes++;
    int zi = 0;
    while (zi < 4 && g->zone_names[zi] && strcmp(g->zone_names[zi], zone) != 0)
        zi++;
    bool shared = zi == 4;
    if (shared)
        zi = (int)(strlen(zone) % 4); /* more than 4 zones: share a range (names stay unique) */
    else if (!g->zone_names[zi])
        g->zone_names[zi] = zone;
    unsigned k = g->zone_count[zi]++;
    int a = zi * 64 + (int)(k / 250 % 64), b = (int)(k % 250) + 4;
    snprintf(nd->ip, sizeof nd->ip, "10.%d.%d.%d", g->cidx, a, b);
    snprintf(nd->name, sizeof nd->name, "ip-10-%d-%d-%d.ec2.internal", g->cidx, a, b);
    if (k >= 64 * 250 || shared) /* keep names unique past the range */
        snprintf(nd->name, sizeof nd->name, "ip-10-%d-%d-%d-%zu.ec2.internal", g->cidx, a, b,
                 g->nnodes);
    nd->zone = zone;
    nd->cp = cp;
    gen_node(g, nd, instance_type, images, nodegroup);
}

/* ---- workloads and pods ------------------------------------------------------------------ */

struct wl {
    const char *kind, *ns, *name;
    int replicas, ready;
    bool crash;
    const char *nodes; /* DaemonSet placement */
    const struct sim_container *containers;
    size_t ncontainers;
    char hash[16]; /* pod-template-hash / controller-revision-hash */
    char uid[40];  /* the workload's uid */
    char rs_uid[40];
    time_t created;
};

/* Realistic, varied requests and limits, the same for every pod of a workload (chosen by the
 * image and the container's position): CPU in the forms teams write ("50m", "0.5", "1",
 * "1500m"), sometimes no CPU limit (the common advice), memory limit = request or twice it. */
static void container_resources_json(struct sim_buf *b, const struct sim_container *c, int i)
{
    static const char *const cpu_req[] = {"50m", "100m", "250m", "0.5", "1", "1500m", "2", "100m"};
    static const char *const cpu_lim[] = {NULL, "500m", "1", "1", NULL, "2", "4", NULL};
    static const char *const mem_req[] = {"128Mi", "256Mi", "512Mi", "1Gi"};
    static const char *const mem_lim[] = {"256Mi", "512Mi", "512Mi", "2Gi"};
    uint32_t h = 2166136261u;
    for (const char *p = c->image ? c->image : ""; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h += (uint32_t)i * 7u;
    unsigned k = (h >> 3) % 8, m = (h >> 11) % 4;
    sim_buf_addf(b, "\"resources\":{\"limits\":{");
    if (cpu_lim[k])
        sim_buf_addf(b, "\"cpu\":\"%s\",", cpu_lim[k]);
    sim_buf_addf(b, "\"memory\":\"%s\"},\"requests\":{\"cpu\":\"%s\",\"memory\":\"%s\"}},",
                 mem_lim[m], cpu_req[k], mem_req[m]);
}

static void container_json(struct sim_buf *b, const struct sim_container *c, int i)
{
    sim_buf_adds(b, "{\"name\":");
    sim_buf_add_jstr(b, c->name);
    sim_buf_adds(b, ",\"image\":");
    sim_buf_add_jstr(b, c->image);
    sim_buf_addf(b,
                 ",\"ports\":[{\"name\":\"http\",\"containerPort\":%d,\"protocol\":\"TCP\"}],"
                 "\"env\":[",
                 8080 + i);
    static const char *env[][2] = {
        {"LOG_LEVEL", "info"},
        {"LOG_FORMAT", "json"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4317"},
        {"OTEL_SERVICE_NAME", "app"},
        {"GOMAXPROCS", "2"},
        {"TZ", "UTC"},
        {"FEATURE_FLAGS", "checkout-v2,async-payments"},
        {"HTTP_TIMEOUT", "30s"},
    };
    for (size_t k = 0; k < sizeof env / sizeof env[0]; k++)
        sim_buf_addf(b, "%s{\"name\":\"%s\",\"value\":\"%s\"}", k ? "," : "", env[k][0], env[k][1]);
    sim_buf_adds(b, ",{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\","
                    "\"fieldPath\":\"metadata.name\"}}},{\"name\":\"POD_IP\",\"valueFrom\":{"
                    "\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"status.podIP\"}}}],");
    container_resources_json(b, c, i);
    sim_buf_addf(b,
                 "\"volumeMounts\":[{\"name\":\"config\",\"readOnly\":true,"
                 "\"mountPath\":\"/etc/app\"},{\"name\":\"kube-api-access\",\"readOnly\":true,"
                 "\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
                 "\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":%d,\"scheme\":"
                 "\"HTTP\"},\"initialDelaySeconds\":10,\"timeoutSeconds\":1,\"periodSeconds\":10,"
                 "\"successThreshold\":1,\"failureThreshold\":3},\"readinessProbe\":{\"httpGet\":{"
                 "\"path\":\"/ready\",\"port\":%d,\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,"
                 "\"periodSeconds\":5,\"successThreshold\":1,\"failureThreshold\":3},"
                 "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":"
                 "\"File\",\"imagePullPolicy\":\"IfNotPresent\"}",
                 8080 + i, 8080 + i);
}

static void containers_json(struct sim_buf *b, const struct wl *w)
{
    sim_buf_add(b, "[", 1);
    for (size_t i = 0; i < w->ncontainers; i++) {
        if (i)
            sim_buf_add(b, ",", 1);
        container_json(b, &w->containers[i], (int)i);
    }
    sim_buf_add(b, "]", 1);
}

/* The part of every pod of w that is the same: managedFields and most of spec. */
static struct sim_blob *pod_blob(struct gen *g, const struct wl *w)
{
    struct sim_buf b = {0};
    const char *owner =
        strcmp(w->kind, "Deployment") == 0 ? "kube-controller-manager" : "kube-controller-manager";
    sim_buf_addf(&b,
                 "\"managedFields\":[{\"manager\":\"%s\",\"operation\":\"Update\","
                 "\"apiVersion\":\"v1\",\"time\":",
                 owner);
    sim_buf_add_time(&b, w->created);
    sim_buf_adds(&b, ",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:generateName\""
                     ":{},\"f:labels\":{\".\":{},\"f:app\":{},\"f:pod-template-hash\":{}},"
                     "\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"");
    sim_buf_adds(&b, w->rs_uid);
    sim_buf_adds(&b, "\\\"}\":{}}},\"f:spec\":{\"f:containers\":{");
    for (size_t i = 0; i < w->ncontainers; i++) {
        sim_buf_addf(
            &b,
            "%s\"k:{\\\"name\\\":\\\"%s\\\"}\":{\".\":{},\"f:env\":{\".\":{},"
            "\"k:{\\\"name\\\":\\\"LOG_LEVEL\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}},"
            "\"k:{\\\"name\\\":\\\"LOG_FORMAT\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}},"
            "\"k:{\\\"name\\\":\\\"OTEL_EXPORTER_OTLP_ENDPOINT\\\"}\":{\".\":{},\"f:name\":{},"
            "\"f:value\":{}},\"k:{\\\"name\\\":\\\"POD_NAME\\\"}\":{\".\":{},\"f:name\":{},"
            "\"f:valueFrom\":{\".\":{},\"f:fieldRef\":{}}}},\"f:image\":{},"
            "\"f:imagePullPolicy\":{},\"f:livenessProbe\":{\".\":{},\"f:failureThreshold\":{},"
            "\"f:httpGet\":{\".\":{},\"f:path\":{},\"f:port\":{},\"f:scheme\":{}},"
            "\"f:initialDelaySeconds\":{},\"f:periodSeconds\":{},\"f:successThreshold\":{},"
            "\"f:timeoutSeconds\":{}},\"f:name\":{},\"f:ports\":{\".\":{},"
            "\"k:{\\\"containerPort\\\":%d,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},"
            "\"f:containerPort\":{},\"f:name\":{},\"f:protocol\":{}}},\"f:readinessProbe\":{"
            "\".\":{},\"f:httpGet\":{\".\":{},\"f:path\":{},\"f:port\":{}}},\"f:resources\":{"
            "\".\":{},\"f:limits\":{\".\":{},\"f:memory\":{}},\"f:requests\":{\".\":{},"
            "\"f:cpu\":{},\"f:memory\":{}}},\"f:terminationMessagePath\":{},"
            "\"f:terminationMessagePolicy\":{},\"f:volumeMounts\":{\".\":{},"
            "\"k:{\\\"mountPath\\\":\\\"/etc/app\\\"}\":{\".\":{},\"f:mountPath\":{},"
            "\"f:name\":{},\"f:readOnly\":{}}}}",
            i ? "," : "", w->containers[i].name, 8080 + (int)i);
    }
    sim_buf_adds(&b, "},\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":{},"
                     "\"f:schedulerName\":{},\"f:securityContext\":{},"
                     "\"f:terminationGracePeriodSeconds\":{},\"f:volumes\":{}}}},"
                     "{\"manager\":\"kubelet\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
                     "\"time\":");
    sim_buf_add_time(&b, w->created + 30);
    sim_buf_adds(&b,
                 ",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:conditions\":{"
                 "\"k:{\\\"type\\\":\\\"ContainersReady\\\"}\":{\".\":{},\"f:lastProbeTime\":{},"
                 "\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},"
                 "\"k:{\\\"type\\\":\\\"Initialized\\\"}\":{\".\":{},\"f:lastProbeTime\":{},"
                 "\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},"
                 "\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},\"f:lastProbeTime\":{},"
                 "\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}}},"
                 "\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:hostIPs\":{},\"f:phase\":{},"
                 "\"f:podIP\":{},\"f:podIPs\":{\".\":{},\"k:{\\\"ip\\\":\\\"\\\"}\":{\".\":{},"
                 "\"f:ip\":{}}},\"f:startTime\":{}}},\"subresource\":\"status\"}]},"
                 "\"spec\":{\"volumes\":[{\"name\":\"config\",\"configMap\":{\"name\":");
    sim_buf_add_jstr(&b, w->name);
    sim_buf_adds(&b,
                 ",\"defaultMode\":420}},{\"name\":\"kube-api-access\",\"projected\":{"
                 "\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":"
                 "\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":"
                 "\"ca.crt\",\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"path\":"
                 "\"namespace\",\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
                 "\"metadata.namespace\"}}]}}],\"defaultMode\":420}}],\"containers\":");
    containers_json(&b, w);
    sim_buf_adds(&b, ",\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
                     "\"dnsPolicy\":\"ClusterFirst\",\"serviceAccountName\":\"default\","
                     "\"serviceAccount\":\"default\",\"securityContext\":{},\"schedulerName\":"
                     "\"default-scheduler\",\"tolerations\":[{\"key\":"
                     "\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":"
                     "\"NoExecute\",\"tolerationSeconds\":300},{\"key\":"
                     "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":"
                     "\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,"
                     "\"enableServiceLinks\":true,\"preemptionPolicy\":\"PreemptLowerPriority\",");
    /* what production pods carry besides: spreading and anti-affinity */
    sim_buf_adds(&b, "\"affinity\":{\"podAntiAffinity\":{\"preferredDuringSchedulingIgnoredDuring"
                     "Execution\":[{\"weight\":100,\"podAffinityTerm\":{\"labelSelector\":{"
                     "\"matchLabels\":{\"app\":");
    sim_buf_add_jstr(&b, w->name);
    sim_buf_adds(&b, "}},\"topologyKey\":\"kubernetes.io/hostname\"}}]},\"nodeAffinity\":{"
                     "\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{"
                     "\"matchExpressions\":[{\"key\":\"kubernetes.io/os\",\"operator\":\"In\","
                     "\"values\":[\"linux\"]},{\"key\":\"kubernetes.io/arch\",\"operator\":"
                     "\"In\",\"values\":[\"amd64\",\"arm64\"]}]}]}}},"
                     "\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":"
                     "\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":\"ScheduleAnyway\","
                     "\"labelSelector\":{\"matchLabels\":{\"app\":");
    sim_buf_add_jstr(&b, w->name);
    sim_buf_adds(&b, "}}},{\"maxSkew\":1,\"topologyKey\":\"kubernetes.io/hostname\","
                     "\"whenUnsatisfiable\":\"ScheduleAnyway\",\"labelSelector\":{\"matchLabels\":"
                     "{\"app\":");
    sim_buf_add_jstr(&b, w->name);
    sim_buf_adds(&b, "}}}],\"imagePullSecrets\":[{\"name\":\"regcred\"}],");
    (void)g;
    struct sim_blob *blob = sim_blob_new(b.data, b.len);
    blob->stub = "\"managedFields\":[]},\"spec\":{"; /* the end of metadata, spec's start */
    sim_buf_fini(&b);
    return blob;
}

static const char *owner_kind(const struct wl *w)
{
    return strcmp(w->kind, "Deployment") == 0 ? "ReplicaSet" : w->kind;
}

static void gen_pod(struct gen *g, const struct wl *w, struct sim_blob *blob, const char *pname,
                    const struct gnode *nd, int index)
{
    bool ready = w->ready < 0 || index < w->ready;
    bool crash = !ready && w->crash;
    time_t created = rand_between(g, w->created, g->now - 600);
    char uid[40];
    sim_gen_uid(&g->rng, uid);
    char owner_name[160];
    if (strcmp(w->kind, "Deployment") == 0)
        snprintf(owner_name, sizeof owner_name, "%s-%s", w->name, w->hash);
    else
        snprintf(owner_name, sizeof owner_name, "%s", w->name);
    unsigned ipn = g->pod_ip++;
    char ip[32];
    snprintf(ip, sizeof ip, "10.%u.%u.%u", (100u + 4u * (unsigned)g->cidx + ipn / 64000u) % 256u,
             (ipn / 250) % 256, ipn % 250 + 2);

    struct sim_buf meta = take(g, 0);
    struct sim_buf labels = take(g, 1);
    sim_buf_adds(&meta, "{\"name\":");
    sim_buf_add_jstr(&meta, pname);
    sim_buf_adds(&meta, ",\"generateName\":");
    char gen_name[170];
    snprintf(gen_name, sizeof gen_name, "%s-", owner_name);
    sim_buf_add_jstr(&meta, gen_name);
    sim_buf_adds(&meta, ",\"namespace\":");
    sim_buf_add_jstr(&meta, w->ns);
    sim_buf_addf(&meta, ",\"uid\":\"%s\",\"resourceVersion\":\"@RV@\",\"creationTimestamp\":", uid);
    sim_buf_add_time(&meta, created);
    sim_buf_adds(&meta, ",\"labels\":{\"app\":");
    sim_buf_add_jstr(&meta, w->name);
    sim_buf_addf(&labels, "app=%s", w->name);
    sim_buf_add(&labels, "", 1);
    const char *hk =
        strcmp(w->kind, "Deployment") == 0 ? "pod-template-hash" : "controller-revision-hash";
    sim_buf_addf(&meta, ",\"%s\":\"%s\"", hk, w->hash);
    sim_buf_addf(&labels, "%s=%s", hk, w->hash);
    sim_buf_add(&labels, "", 1);
    sim_buf_add(&labels, "", 1);
    sim_buf_addf(&meta,
                 "},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"%s\","
                 "\"name\":",
                 owner_kind(w));
    sim_buf_add_jstr(&meta, owner_name);
    sim_buf_addf(&meta, ",\"uid\":\"%s\",\"controller\":true,\"blockOwnerDeletion\":true}]",
                 strcmp(w->kind, "Deployment") == 0 ? w->rs_uid : w->uid);
    sim_buf_adds(&meta, ",\"annotations\":{\"kubectl.kubernetes.io/restartedAt\":");
    sim_buf_add_time(&meta, w->created);
    sim_buf_adds(&meta, ",\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9102\","
                        "\"cluster-autoscaler.kubernetes.io/safe-to-evict\":\"true\"}");

    struct sim_buf t = take(g, 2);
    sim_buf_adds(&t, "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":");
    sim_buf_add(&t, meta.data, meta.len);
    sim_buf_adds(&t, ",@BLOB@\"nodeName\":");
    sim_buf_add_jstr(&t, nd->name);
    const char *phase = "Running";
    sim_buf_addf(&t, "},\"status\":{\"phase\":\"%s\",\"conditions\":[", phase);
    static const char *ctypes[] = {"Initialized", "Ready", "ContainersReady", "PodScheduled"};
    for (int i = 0; i < 4; i++) {
        bool ok = ready || i == 0 || i == 3;
        sim_buf_addf(&t,
                     "%s{\"type\":\"%s\",\"status\":\"%s\",\"lastProbeTime\":null,"
                     "\"lastTransitionTime\":",
                     i ? "," : "", ctypes[i], ok ? "True" : "False");
        sim_buf_add_time(&t, created + (i == 1 || i == 2 ? 20 : 1));
        if (!ok)
            sim_buf_addf(&t,
                         ",\"reason\":\"ContainersNotReady\",\"message\":\"containers with "
                         "unready status: [%s]\"",
                         w->containers[0].name);
        sim_buf_add(&t, "}", 1);
    }
    sim_buf_addf(&t,
                 "],\"hostIP\":\"%s\",\"hostIPs\":[{\"ip\":\"%s\"}],\"podIP\":\"%s\","
                 "\"podIPs\":[{\"ip\":\"%s\"}],\"startTime\":",
                 nd->ip, nd->ip, ip, ip);
    sim_buf_add_time(&t, created + 1);
    sim_buf_adds(&t, ",\"containerStatuses\":[");
    int nready = 0, restarts = 0;
    for (size_t i = 0; i < w->ncontainers; i++) {
        const struct sim_container *c = &w->containers[i];
        bool this_crash = crash && i == 0;
        bool this_ready = ready || (crash && i != 0); /* only the crashing one is down */
        int rc = this_crash ? (int)(sim_gen_rand(&g->rng) % 180) + 20
                            : (sim_gen_rand(&g->rng) % 10 == 0 ? 1 : 0);
        restarts += rc;
        nready += this_ready;
        char cid[72];
        snprintf(cid, sizeof cid, "containerd://%016llx%016llx",
                 (unsigned long long)sim_gen_rand(&g->rng),
                 (unsigned long long)sim_gen_rand(&g->rng));
        sim_buf_addf(&t, "%s{\"name\":", i ? "," : "");
        sim_buf_add_jstr(&t, c->name);
        if (this_crash) {
            sim_buf_addf(&t,
                         ",\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\","
                         "\"message\":\"back-off 5m0s restarting failed container=%s "
                         "pod=%s_%s(%s)\"}},\"lastState\":{\"terminated\":{\"exitCode\":1,"
                         "\"reason\":\"Error\",\"startedAt\":",
                         c->name, pname, w->ns, uid);
            sim_buf_add_time(&t, g->now - 400);
            sim_buf_adds(&t, ",\"finishedAt\":");
            sim_buf_add_time(&t, g->now - 390);
            sim_buf_addf(&t, ",\"containerID\":\"%s\"}}", cid);
        } else {
            sim_buf_adds(&t, ",\"state\":{\"running\":{\"startedAt\":");
            sim_buf_add_time(&t, created + 5);
            sim_buf_adds(&t, "}},\"lastState\":{}");
        }
        sim_buf_addf(
            &t, ",\"ready\":%s,\"restartCount\":%d,\"image\":", this_ready ? "true" : "false", rc);
        sim_buf_add_jstr(&t, c->image);
        sim_buf_addf(&t,
                     ",\"imageID\":\"%s@sha256:%016llx%016llx%016llx%016llx\","
                     "\"containerID\":\"%s\",\"started\":%s}",
                     c->image, (unsigned long long)(w->uid[0] * 31 + (int)i),
                     (unsigned long long)w->created, 0ULL, (unsigned long long)i, cid,
                     this_crash ? "false" : "true");
    }
    sim_buf_adds(&t, "],\"qosClass\":\"Burstable\"}}");

    struct sim_buf pom = take(g, 3);
    sim_buf_adds(&pom, "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
                       "\"metadata\":");
    sim_buf_add(&pom, meta.data, meta.len);
    sim_buf_adds(&pom, "}}");
    struct sim_buf pre = take(g, 4);
    struct sim_buf post = take(g, 5);
    sim_json_pod_cells(pname, nready, (int)w->ncontainers, crash ? "CrashLoopBackOff" : phase,
                       restarts, ip, nd->name, &pre, &post);
    atomic_fetch_add(&blob->refs, 1);
    struct sim_obj *o = sim_obj_new(w->ns, pname, created, t.data, blob, pom.data, pre.data,
                                    post.data, nd->name, labels.data);
    if (o)
        sim_store_load(g->st, SIM_RES_PODS, o);
    else
        g->failed++;
    give(g, 0, &meta);
    give(g, 1, &labels);
    give(g, 2, &t);
    give(g, 3, &pom);
    give(g, 4, &pre);
    give(g, 5, &post);

    if (crash) {
        char msg[400];
        snprintf(msg, sizeof msg, "Back-off restarting failed container %s in pod %s_%s(%s)",
                 w->containers[0].name, pname, w->ns, uid);
        struct sim_buf e = take(g, 6);
        char euid[40], sfx[12];
        sim_gen_uid(&g->rng, euid);
        sim_gen_suffix(&g->rng, sfx, 10);
        sim_buf_adds(&e, "{\"metadata\":{\"name\":");
        char ename[300];
        snprintf(ename, sizeof ename, "%s.%s", pname, sfx);
        sim_buf_add_jstr(&e, ename);
        sim_buf_adds(&e, ",\"namespace\":");
        sim_buf_add_jstr(&e, w->ns);
        sim_buf_addf(&e, ",\"uid\":\"%s\",\"creationTimestamp\":", euid);
        sim_buf_add_time(&e, g->now - 3000);
        sim_buf_adds(&e, "},\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":");
        sim_buf_add_jstr(&e, w->ns);
        sim_buf_adds(&e, ",\"name\":");
        sim_buf_add_jstr(&e, pname);
        sim_buf_addf(&e,
                     ",\"uid\":\"%s\",\"apiVersion\":\"v1\",\"fieldPath\":\"spec.containers{%s}\"}"
                     ",\"reason\":\"BackOff\",\"message\":",
                     uid, w->containers[0].name);
        sim_buf_add_jstr(&e, msg);
        sim_buf_adds(&e, ",\"source\":{\"component\":\"kubelet\",\"host\":");
        sim_buf_add_jstr(&e, nd->name);
        sim_buf_adds(&e, "},\"firstTimestamp\":");
        sim_buf_add_time(&e, g->now - 3000);
        sim_buf_adds(&e, ",\"lastTimestamp\":");
        sim_buf_add_time(&e, g->now - 20);
        sim_buf_addf(&e,
                     ",\"count\":%d,\"type\":\"Warning\",\"reportingComponent\":\"kubelet\","
                     "\"reportingInstance\":",
                     restarts * 4);
        sim_buf_add_jstr(&e, nd->name);
        sim_buf_add(&e, "}", 1);
        load_json(g, SIM_RES_EVENTS, e.data);
        give(g, 6, &e);
    }
}

static bool node_fits(const struct wl *w, const struct gnode *nd)
{
    if (strcmp(w->kind, "DaemonSet") != 0)
        return !nd->cp;
    if (strcmp(w->nodes, "worker") == 0)
        return !nd->cp;
    if (strcmp(w->nodes, "control-plane") == 0)
        return nd->cp;
    return true;
}

static const struct gnode *next_node(struct gen *g, const struct wl *w)
{
    if (g->nnodes == 0 || g->nodes == NULL)
        return NULL;
    for (size_t tries = 0; tries < g->nnodes; tries++) {
        const struct gnode *nd = &g->nodes[g->place++ % g->nnodes];
        if (node_fits(w, nd))
            return nd;
    }
    return &g->nodes[0];
}

static void template_json(struct sim_buf *b, const struct wl *w)
{
    sim_buf_adds(b, "\"template\":{\"metadata\":{\"labels\":{\"app\":");
    sim_buf_add_jstr(b, w->name);
    sim_buf_adds(b, "}},\"spec\":{\"containers\":");
    containers_json(b, w);
    sim_buf_adds(b, ",\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
                    "\"dnsPolicy\":\"ClusterFirst\",\"schedulerName\":\"default-scheduler\"}}");
}

static void wl_meta(struct sim_buf *b, struct gen *g, const char *name, const char *ns,
                    const char *uid, time_t created, const char *extra)
{
    (void)g;
    sim_buf_adds(b, "{\"metadata\":{\"name\":");
    sim_buf_add_jstr(b, name);
    sim_buf_adds(b, ",\"namespace\":");
    sim_buf_add_jstr(b, ns);
    sim_buf_addf(b, ",\"uid\":\"%s\",\"generation\":1,\"creationTimestamp\":", uid);
    sim_buf_add_time(b, created);
    sim_buf_adds(b, extra);
    sim_buf_add(b, "}", 1);
}

/* Stores an object rendered here without json-c (the bulk of a large cluster): meta holds the
 * metadata members (no braces, no resourceVersion), body the members after metadata. */
static void load_direct(struct gen *g, enum sim_res r, const char *ns, const char *name,
                        time_t created, const char *meta, const char *body, const char *pre,
                        const char *post, const char *labels)
{
    const struct sim_res_info *ri = &sim_res_table[r];
    struct sim_buf t = take(g, 6), pom = take(g, 7);
    sim_buf_addf(&t, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{", ri->kind,
                 ri->api_version);
    sim_buf_adds(&t, meta);
    sim_buf_adds(&t, ",\"resourceVersion\":\"@RV@\"},");
    sim_buf_adds(&t, body);
    sim_buf_add(&t, "}", 1);
    sim_buf_adds(&pom, "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
                       "\"metadata\":{");
    sim_buf_adds(&pom, meta);
    sim_buf_adds(&pom, ",\"resourceVersion\":\"@RV@\"}}");
    struct sim_obj *o =
        sim_obj_new(ns, name, created, t.data, NULL, pom.data, pre, post, NULL, labels);
    if (o)
        sim_store_load(g->st, r, o);
    else
        g->failed++;
    give(g, 6, &t);
    give(g, 7, &pom);
}

static void wl_members(struct sim_buf *b, const char *name, const char *ns, const char *uid,
                       time_t created, const char *extra)
{
    sim_buf_adds(b, "\"name\":");
    sim_buf_add_jstr(b, name);
    sim_buf_adds(b, ",\"namespace\":");
    sim_buf_add_jstr(b, ns);
    sim_buf_addf(b, ",\"uid\":\"%s\",\"generation\":1,\"creationTimestamp\":", uid);
    sim_buf_add_time(b, created);
    sim_buf_adds(b, extra);
}

/* The Containers and Images cells after Age. */
static void images_cells(struct sim_buf *post, const struct wl *w)
{
    struct sim_buf names = {0}, images = {0};
    for (size_t i = 0; i < w->ncontainers; i++) {
        if (i) {
            sim_buf_add(&names, ",", 1);
            sim_buf_add(&images, ",", 1);
        }
        sim_buf_adds(&names, w->containers[i].name);
        sim_buf_adds(&images, w->containers[i].image);
    }
    sim_buf_add(post, ",", 1);
    sim_buf_add_jstr(post, names.data ? names.data : "");
    sim_buf_add(post, ",", 1);
    sim_buf_add_jstr(post, images.data ? images.data : "");
    sim_buf_fini(&names);
    sim_buf_fini(&images);
}

static void gen_workload(struct gen *g, struct wl *w)
{
    sim_gen_uid(&g->rng, w->uid);
    sim_gen_uid(&g->rng, w->rs_uid);
    sim_gen_suffix(&g->rng, w->hash, 10);
    w->created = rand_between(g, g->born + 86400, g->now - 86400 * 3);

    /* which nodes: a DaemonSet gets one pod per fitting node */
    int n = w->replicas;
    bool ds = strcmp(w->kind, "DaemonSet") == 0;
    bool deploy = strcmp(w->kind, "Deployment") == 0;
    if (ds) {
        n = 0;
        for (size_t i = 0; i < g->nnodes; i++)
            n += node_fits(w, &g->nodes[i]);
    }
    int ready = w->ready < 0 || w->ready > n ? n : w->ready;
    struct sim_buf meta = {0}, b = {0}, pre = {0}, post = {0};
    char extra[600], labels[300];
    snprintf(extra, sizeof extra, ",\"labels\":{\"app\":\"%s\"}", w->name);
    int ln = snprintf(labels, sizeof labels, "app=%s", w->name);
    labels[ln + 1] = '\0';
    wl_members(&meta, w->name, w->ns, w->uid, w->created, extra);
    sim_buf_adds(&b, "\"spec\":{");
    if (!ds)
        sim_buf_addf(&b, "\"replicas\":%d,", w->replicas);
    sim_buf_adds(&b, "\"selector\":{\"matchLabels\":{\"app\":");
    sim_buf_add_jstr(&b, w->name);
    sim_buf_adds(&b, "}},");
    template_json(&b, w);
    sim_buf_add_jstr(&pre, w->name);
    sim_buf_add(&pre, ",", 1);
    if (deploy) {
        sim_buf_addf(&b,
                     ",\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
                     "\"maxUnavailable\":\"25%%\",\"maxSurge\":\"25%%\"}},"
                     "\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600},"
                     "\"status\":{\"observedGeneration\":1,\"replicas\":%d,"
                     "\"updatedReplicas\":%d,\"readyReplicas\":%d,\"availableReplicas\":%d",
                     n, n, ready, ready);
        sim_buf_addf(&pre, "\"%d/%d\",%d,%d,", ready, w->replicas, n, ready);
    } else if (ds) {
        sim_buf_addf(&b,
                     ",\"updateStrategy\":{\"type\":\"RollingUpdate\"}},\"status\":{"
                     "\"currentNumberScheduled\":%d,\"numberMisscheduled\":0,"
                     "\"desiredNumberScheduled\":%d,\"numberReady\":%d,\"observedGeneration\":1,"
                     "\"updatedNumberScheduled\":%d,\"numberAvailable\":%d",
                     n, n, ready, n, ready);
        sim_buf_addf(&pre, "%d,%d,%d,%d,%d,\"<none>\",", n, n, ready, n, ready);
    } else {
        sim_buf_addf(&b,
                     ",\"serviceName\":\"%s\",\"podManagementPolicy\":\"OrderedReady\"},"
                     "\"status\":{\"observedGeneration\":1,\"replicas\":%d,\"readyReplicas\":%d,"
                     "\"currentReplicas\":%d,\"updatedReplicas\":%d,\"availableReplicas\":%d",
                     w->name, n, ready, n, n, ready);
        sim_buf_addf(&pre, "\"%d/%d\",", ready, w->replicas);
    }
    if (ready < n)
        sim_buf_addf(&b, ",\"unavailableReplicas\":%d", n - ready);
    sim_buf_adds(&b, "}");
    images_cells(&post, w);
    load_direct(g,
                ds       ? SIM_RES_DAEMONSETS
                : deploy ? SIM_RES_DEPLOYMENTS
                         : SIM_RES_STATEFULSETS,
                w->ns, w->name, w->created, meta.data, b.data, pre.data, post.data, labels);

    if (deploy) {
        char rsname[200];
        snprintf(rsname, sizeof rsname, "%s-%s", w->name, w->hash);
        snprintf(extra, sizeof extra,
                 ",\"labels\":{\"app\":\"%s\",\"pod-template-hash\":\"%s\"},\"annotations\":{"
                 "\"deployment.kubernetes.io/desired-replicas\":\"%d\",\"deployment.kubernetes.io/"
                 "revision\":\"1\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
                 "\"Deployment\",\"name\":\"%s\",\"uid\":\"%s\",\"controller\":true,"
                 "\"blockOwnerDeletion\":true}]",
                 w->name, w->hash, w->replicas, w->name, w->uid);
        sim_buf_clear(&meta);
        sim_buf_clear(&b);
        sim_buf_clear(&pre);
        wl_members(&meta, rsname, w->ns, w->rs_uid, w->created, extra);
        sim_buf_addf(
            &b, "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":", w->replicas);
        sim_buf_add_jstr(&b, w->name);
        sim_buf_adds(&b, "}},");
        template_json(&b, w);
        sim_buf_addf(&b,
                     "},\"status\":{\"replicas\":%d,\"fullyLabeledReplicas\":%d,"
                     "\"readyReplicas\":%d,\"availableReplicas\":%d,\"observedGeneration\":1}",
                     n, n, ready, ready);
        sim_buf_add_jstr(&pre, rsname);
        sim_buf_addf(&pre, ",%d,%d,%d,", w->replicas, n, ready);
        char rslabels[400];
        int a = snprintf(rslabels, sizeof rslabels, "app=%s", w->name);
        int b2 = snprintf(rslabels + a + 1, sizeof rslabels - (size_t)a - 1, "pod-template-hash=%s",
                          w->hash);
        rslabels[a + 1 + b2 + 1] = '\0';
        load_direct(g, SIM_RES_REPLICASETS, w->ns, rsname, w->created, meta.data, b.data, pre.data,
                    post.data, rslabels);
    }
    if (!ds) { /* a ClusterIP service in front */
        unsigned ipn = g->svc_ip++;
        char suid[40], ip[32];
        sim_gen_uid(&g->rng, suid);
        snprintf(ip, sizeof ip, "172.20.%u.%u", (ipn / 250) % 256, ipn % 250 + 10);
        snprintf(extra, sizeof extra, ",\"labels\":{\"app\":\"%s\"}", w->name);
        sim_buf_clear(&meta);
        sim_buf_clear(&b);
        sim_buf_clear(&pre);
        sim_buf_clear(&post);
        wl_members(&meta, w->name, w->ns, suid, w->created, extra);
        sim_buf_addf(&b,
                     "\"spec\":{\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":"
                     "80,\"targetPort\":8080}],\"selector\":{\"app\":\"%s\"},\"clusterIP\":"
                     "\"%s\",\"type\":\"ClusterIP\",\"sessionAffinity\":\"None\"},"
                     "\"status\":{\"loadBalancer\":{}}",
                     w->name, ip);
        sim_buf_add_jstr(&pre, w->name);
        sim_buf_addf(&pre, ",\"ClusterIP\",\"%s\",\"<none>\",\"80/TCP\",", ip);
        sim_buf_adds(&post, ",\"app=");
        sim_buf_adds(&post, w->name);
        sim_buf_adds(&post, "\"");
        load_direct(g, SIM_RES_SERVICES, w->ns, w->name, w->created, meta.data, b.data, pre.data,
                    post.data, labels);
    }
    sim_buf_fini(&meta);
    sim_buf_fini(&b);
    sim_buf_fini(&pre);
    sim_buf_fini(&post);

    struct sim_blob *blob = pod_blob(g, w);
    struct wl wr = *w;
    wr.ready = ready;
    int idx = 0;
    if (ds) {
        for (size_t i = 0; i < g->nnodes; i++) {
            if (!node_fits(w, &g->nodes[i]))
                continue;
            char sfx[8], pname[200];
            sim_gen_suffix(&g->rng, sfx, 5);
            snprintf(pname, sizeof pname, "%s-%s", w->name, sfx);
            gen_pod(g, &wr, blob, pname, &g->nodes[i], idx++);
        }
    } else {
        for (int i = 0; i < n; i++) {
            char sfx[8], pname[200];
            if (strcmp(w->kind, "StatefulSet") == 0) {
                snprintf(pname, sizeof pname, "%s-%d", w->name, i);
            } else {
                sim_gen_suffix(&g->rng, sfx, 5);
                snprintf(pname, sizeof pname, "%s-%s-%s", w->name, w->hash, sfx);
            }
            const struct gnode *nd = next_node(g, w);
            if (nd)
                gen_pod(g, &wr, blob, pname, nd, i);
        }
    }
    sim_blob_unref(blob);
}

/* ---- the rest ------------------------------------------------------------------------------ */

/* Opens an object and its metadata: {"metadata":{"name":N[,"namespace":NS],"uid":U,
 * "creationTimestamp":T — the caller goes on inside metadata. */
static void gen_meta_open(struct sim_buf *b, const char *name, const char *ns, const char *uid,
                          time_t created)
{
    sim_buf_adds(b, "{\"metadata\":{\"name\":");
    sim_buf_add_jstr(b, name);
    if (ns) {
        sim_buf_adds(b, ",\"namespace\":");
        sim_buf_add_jstr(b, ns);
    }
    sim_buf_addf(b, ",\"uid\":\"%s\",\"creationTimestamp\":", uid);
    sim_buf_add_time(b, created);
}

static void gen_namespace(struct gen *g, const char *name)
{
    struct sim_buf b = {0};
    char uid[40];
    sim_gen_uid(&g->rng, uid);
    gen_meta_open(&b, name, NULL, uid,
                  g->born +
                      (strncmp(name, "kube-", 5) == 0 || !strcmp(name, "default") ? 0 : 86400));
    sim_buf_adds(&b, ",\"labels\":{\"kubernetes.io/metadata.name\":");
    sim_buf_add_jstr(&b, name);
    sim_buf_adds(&b, "}},\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":"
                     "\"Active\"}}");
    load_json(g, SIM_RES_NAMESPACES, b.data);
    sim_buf_clear(&b);
    /* every namespace has the kube-root-ca.crt configmap */
    sim_gen_uid(&g->rng, uid);
    sim_buf_adds(&b, "{\"metadata\":{\"name\":\"kube-root-ca.crt\",\"namespace\":");
    sim_buf_add_jstr(&b, name);
    sim_buf_addf(&b, ",\"uid\":\"%s\",\"creationTimestamp\":", uid);
    sim_buf_add_time(&b, g->born + 86400);
    sim_buf_adds(&b, ",\"annotations\":{\"kubernetes.io/description\":\"Contains a CA bundle "
                     "that can be used to verify the kube-apiserver when using internal "
                     "endpoints such as the internal service IP or kubernetes.default.svc. No "
                     "other usage is guaranteed across distributions of Kubernetes "
                     "clusters.\"}},\"data\":{\"ca.crt\":");
    sim_buf_add_jstr(&b, g->ca_pem ? g->ca_pem : "");
    sim_buf_adds(&b, "}}");
    load_json(g, SIM_RES_CONFIGMAPS, b.data);
    sim_buf_fini(&b);
}

static void gen_secret(struct gen *g, const struct sim_secret *s)
{
    struct sim_buf b = {0};
    char uid[40];
    sim_gen_uid(&g->rng, uid);
    gen_meta_open(&b, s->name, s->ns, uid, rand_between(g, g->born + 86400, g->now - 86400));
    sim_buf_adds(&b, "},\"type\":");
    sim_buf_add_jstr(&b, s->type);
    sim_buf_adds(&b, ",\"data\":{");
    for (size_t i = 0; i < s->nkeys && s->values; i++) {
        /* values given by the scenario (base64) */
        if (i)
            sim_buf_add(&b, ",", 1);
        sim_buf_add_jstr(&b, s->keys[i]);
        sim_buf_add(&b, ":", 1);
        sim_buf_add_jstr(&b, s->values[i]);
    }
    for (size_t i = 0; i < s->nkeys && !s->values; i++) {
        /* generated values: random, never printed by the simulator */
        unsigned char raw[24];
        for (size_t k = 0; k < sizeof raw; k++)
            raw[k] = (unsigned char)sim_gen_rand(&g->rng);
        char enc[40];
        static const char b64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (size_t k = 0; k < sizeof raw / 3; k++) {
            unsigned v =
                (unsigned)raw[3 * k] << 16 | (unsigned)raw[3 * k + 1] << 8 | raw[3 * k + 2];
            enc[4 * k] = b64[v >> 18];
            enc[4 * k + 1] = b64[(v >> 12) & 63];
            enc[4 * k + 2] = b64[(v >> 6) & 63];
            enc[4 * k + 3] = b64[v & 63];
        }
        enc[32] = '\0';
        if (i)
            sim_buf_add(&b, ",", 1);
        sim_buf_add_jstr(&b, s->keys[i]);
        sim_buf_add(&b, ":", 1);
        sim_buf_add_jstr(&b, enc);
    }
    sim_buf_adds(&b, "}}");
    load_json(g, SIM_RES_SECRETS, b.data);
    explicit_bzero(b.data, b.len);
    sim_buf_fini(&b);
}

/* One raw manifest of the scenario's `objects:` (checked by the parser): uid and
 * creationTimestamp filled in when absent. */
static void gen_object(struct gen *g, const char *text)
{
    json_object *o = json_tokener_parse(text);
    json_object *av = NULL, *kind = NULL, *meta = NULL;
    json_object_object_get_ex(o, "apiVersion", &av);
    json_object_object_get_ex(o, "kind", &kind);
    json_object_object_get_ex(o, "metadata", &meta);
    const char *avs = json_object_get_string(av), *slash = avs ? strchr(avs, '/') : NULL;
    char group[128];
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - avs) : 0, avs ? avs : "");
    int r = kind ? sim_res_by_kind(group, json_object_get_string(kind)) : -1;
    if (r < 0 || !meta) {
        if (!g->failed)
            error_set(g->err, "scenario object %s is not served", avs ? avs : "?");
        g->failed++;
        json_object_put(o);
        return;
    }
    char uid[40];
    sim_gen_uid(&g->rng, uid);
    if (!json_object_object_get_ex(meta, "uid", NULL))
        json_object_object_add(meta, "uid", json_object_new_string(uid));
    if (!json_object_object_get_ex(meta, "creationTimestamp", NULL)) {
        struct sim_buf ts = {0};
        sim_buf_add_time(&ts, rand_between(g, g->born + 86400, g->now - 86400));
        json_object_object_add(meta, "creationTimestamp",
                               json_object_new_string_len(ts.data + 1, (int)ts.len - 2));
        sim_buf_fini(&ts);
    }
    struct sim_obj *obj = sim_json_obj((enum sim_res)r, o, g->err);
    json_object_put(o);
    if (!obj) {
        g->failed++;
        return;
    }
    sim_store_load(g->st, (enum sim_res)r, obj);
}

static void gen_configmap(struct gen *g, const struct sim_configmap *c)
{
    struct sim_buf b = {0};
    char uid[40];
    sim_gen_uid(&g->rng, uid);
    gen_meta_open(&b, c->name, c->ns, uid, rand_between(g, g->born + 86400, g->now - 86400));
    sim_buf_adds(&b, "},\"data\":{");
    for (size_t i = 0; i < c->n; i++) {
        if (i)
            sim_buf_add(&b, ",", 1);
        sim_buf_add_jstr(&b, c->keys[i]);
        sim_buf_add(&b, ":", 1);
        sim_buf_add_jstr(&b, c->values[i]);
    }
    sim_buf_adds(&b, "}}");
    load_json(g, SIM_RES_CONFIGMAPS, b.data);
    sim_buf_fini(&b);
}

static void gen_event(struct gen *g, const struct sim_event_spec *e, int n)
{
    const char *slash = strchr(e->object, '/');
    char kind[64], name[256], sfx[12], uid[40], ename[320];
    snprintf(kind, sizeof kind, "%.*s", (int)(slash - e->object), e->object);
    snprintf(name, sizeof name, "%s", slash + 1);
    sim_gen_suffix(&g->rng, sfx, 10);
    sim_gen_uid(&g->rng, uid);
    snprintf(ename, sizeof ename, "%s.%s", name, sfx);
    time_t last = g->now - 30 - n * 7, first = last - 3600;
    for (int v1 = 0; v1 < 2; v1++) {
        struct sim_buf b = {0};
        gen_meta_open(&b, ename, e->ns, uid, first);
        sim_buf_addf(&b, "},\"%s\":{\"kind\":", v1 ? "regarding" : "involvedObject");
        sim_buf_add_jstr(&b, kind);
        sim_buf_adds(&b, ",\"namespace\":");
        sim_buf_add_jstr(&b, e->ns);
        sim_buf_adds(&b, ",\"name\":");
        sim_buf_add_jstr(&b, name);
        sim_buf_addf(&b, "},\"reason\":");
        sim_buf_add_jstr(&b, e->reason);
        sim_buf_addf(&b, ",\"%s\":", v1 ? "note" : "message");
        sim_buf_add_jstr(&b, e->message);
        sim_buf_adds(&b, ",\"type\":");
        sim_buf_add_jstr(&b, e->type);
        if (v1) {
            sim_buf_adds(&b, ",\"eventTime\":null,\"reportingController\":\"kubelet\","
                             "\"deprecatedFirstTimestamp\":");
            sim_buf_add_time(&b, first);
            sim_buf_adds(&b, ",\"deprecatedLastTimestamp\":");
            sim_buf_add_time(&b, last);
            sim_buf_addf(&b, ",\"deprecatedCount\":%d}", e->count);
        } else {
            sim_buf_adds(&b, ",\"source\":{\"component\":\"kubelet\"},\"firstTimestamp\":");
            sim_buf_add_time(&b, first);
            sim_buf_adds(&b, ",\"lastTimestamp\":");
            sim_buf_add_time(&b, last);
            sim_buf_addf(&b, ",\"count\":%d,\"reportingComponent\":\"kubelet\"}", e->count);
        }
        load_json(g, v1 ? SIM_RES_EVENTS_V1 : SIM_RES_EVENTS, b.data);
        sim_buf_fini(&b);
    }
}

static void gen_leader_lease(struct gen *g, const char *name)
{
    struct sim_buf b = {0};
    char uid[40], holder[120], sfx[12];
    sim_gen_uid(&g->rng, uid);
    sim_gen_suffix(&g->rng, sfx, 8);
    snprintf(holder, sizeof holder, "%s_%s", g->nnodes ? g->nodes[0].name : "master", uid);
    gen_meta_open(&b, name, "kube-system", uid, g->born);
    sim_buf_adds(&b, "},\"spec\":{\"holderIdentity\":");
    sim_buf_add_jstr(&b, holder);
    sim_buf_adds(&b, ",\"leaseDurationSeconds\":15,\"acquireTime\":");
    sim_buf_add_time(&b, g->now - 86400);
    sim_buf_adds(&b, ",\"leaseTransitions\":3}}");
    load_json(g, SIM_RES_LEASES, b.data);
    sim_buf_fini(&b);
}

int sim_gen_cluster(const struct sim_cluster_spec *spec, int index, const char *ca_pem,
                    struct sim_store *store, struct error *err)
{
    struct gen g = {.spec = spec, .st = store, .cidx = index, .ca_pem = ca_pem, .err = err};
    g.rng = 0x5eed0000ULL + (uint64_t)index * 7919;
    for (const char *p = spec->context; *p; p++)
        g.rng = g.rng * 131 + (unsigned char)*p;
    g.now = time(NULL);
    g.born = g.now - (time_t)spec->age_days * 86400;
    g.eks = strcmp(spec->platform, "eks") == 0;
    sim_store_bulk_begin(store);

    struct sim_blob *img_w = images_blob(&g, false), *img_cp = images_blob(&g, true);
    for (size_t i = 0; i < spec->nnodegroups; i++) {
        const struct sim_nodegroup *ng = &spec->nodegroups[i];
        char ngname[96];
        snprintf(ngname, sizeof ngname, "%s-%s", ng->role, ng->zone);
        bool cp = strcmp(ng->role, "control-plane") == 0;
        for (int k = 0; k < ng->count; k++)
            add_node(&g, ng->zone, cp, ng->instance_type, cp ? img_cp : img_w, ngname);
    }
    /* size knob: more worker nodes over the zones */
    const char *def_zones[3];
    char zbuf[3][64];
    size_t nz = spec->size.nzones;
    const char *const *zones = (const char *const *)spec->size.zones;
    if (nz == 0) {
        for (int i = 0; i < 3; i++) {
            snprintf(zbuf[i], sizeof zbuf[i], "%s%c", spec->region, 'a' + i);
            def_zones[i] = zbuf[i];
        }
        zones = def_zones;
        nz = 3;
    }
    for (int k = 0; k < spec->size.nodes; k++) {
        /* zone strings must outlive the generation: the spec's or the static buffer above */
        add_node(&g, zones[k % (int)nz], false, "m5.2xlarge", img_w, "generated");
    }

    static const char *base_ns[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
    for (size_t i = 0; i < 4; i++)
        gen_namespace(&g, base_ns[i]);
    for (size_t i = 0; i < spec->nnamespaces; i++) {
        bool dup = false;
        for (size_t j = 0; j < 4; j++)
            dup |= strcmp(spec->namespaces[i], base_ns[j]) == 0;
        if (!dup)
            gen_namespace(&g, spec->namespaces[i]);
    }
    {
        struct sim_buf b = {0};
        char uid[40];
        sim_gen_uid(&g.rng, uid);
        wl_meta(&b, &g, "kubernetes", "default", uid, g.born,
                ",\"labels\":{\"component\":\"apiserver\",\"provider\":\"kubernetes\"}");
        sim_buf_adds(&b, ",\"spec\":{\"ports\":[{\"name\":\"https\",\"protocol\":\"TCP\",\"port\":"
                         "443,\"targetPort\":6443}],\"clusterIP\":\"172.20.0.1\",\"type\":"
                         "\"ClusterIP\",\"sessionAffinity\":\"None\"},\"status\":{"
                         "\"loadBalancer\":{}}}");
        load_json(&g, SIM_RES_SERVICES, b.data);
        sim_buf_fini(&b);
    }
    g.svc_ip = 2;
    gen_leader_lease(&g, "kube-controller-manager");
    gen_leader_lease(&g, "kube-scheduler");

    for (size_t i = 0; i < spec->nworkloads; i++) {
        const struct sim_workload *sw = &spec->workloads[i];
        struct wl w = {.kind = sw->kind,
                       .ns = sw->ns,
                       .name = sw->name,
                       .replicas = sw->replicas,
                       .ready = sw->ready,
                       .crash = sw->crash_looping,
                       .nodes = sw->nodes,
                       .containers = sw->containers,
                       .ncontainers = sw->ncontainers};
        gen_workload(&g, &w);
    }
    /* size knob: generated Deployments up to size.pods pods */
    if (spec->size.pods > 0) {
        int per = spec->size.pods_per_workload, nns = spec->size.namespaces;
        int ncont = spec->size.containers_per_pod;
        struct sim_container *cs = xcalloc((size_t)ncont, sizeof *cs);
        char names[20][32], images[20][128];
        for (int i = 0; i < nns; i++) {
            char ns[32];
            snprintf(ns, sizeof ns, "team-%03d", i);
            gen_namespace(&g, ns);
        }
        int left = spec->size.pods;
        for (int k = 0; left > 0; k++) {
            char ns[32], name[48];
            snprintf(ns, sizeof ns, "team-%03d", k % nns);
            snprintf(name, sizeof name, "svc-%05d", k);
            for (int c = 0; c < ncont; c++) {
                if (c == 0) {
                    snprintf(names[c], sizeof names[c], "app");
                    snprintf(images[c], sizeof images[c], "registry.example.com/%s/%s:1.%d.%d", ns,
                             name, k % 40, k % 7);
                } else {
                    snprintf(names[c], sizeof names[c], "sidecar-%d", c);
                    snprintf(images[c], sizeof images[c], "docker.io/envoyproxy/envoy:v1.28.%d", c);
                }
                cs[c].name = names[c];
                cs[c].image = images[c];
            }
            int reps = left < per ? left : per;
            struct wl w = {.kind = "Deployment",
                           .ns = ns,
                           .name = name,
                           .replicas = reps,
                           .ready = k % 50 == 7 ? reps - 1 : -1,
                           .crash = k % 50 == 7,
                           .nodes = "all",
                           .containers = cs,
                           .ncontainers = (size_t)ncont};
            gen_workload(&g, &w);
            left -= reps;
        }
        free(cs);
    }
    for (size_t i = 0; i < spec->nsecrets; i++)
        gen_secret(&g, &spec->secrets[i]);
    for (size_t i = 0; i < spec->nconfigmaps; i++)
        gen_configmap(&g, &spec->configmaps[i]);
    for (size_t i = 0; i < spec->nevents; i++)
        gen_event(&g, &spec->events[i], (int)i);
    for (size_t i = 0; i < spec->nobjects; i++)
        gen_object(&g, spec->objects[i]);
    sim_blob_unref(img_w);
    sim_blob_unref(img_cp);
    sim_store_bulk_end();
    free(g.nodes);
    for (size_t i = 0; i < sizeof g.scratch / sizeof g.scratch[0]; i++)
        sim_buf_fini(&g.scratch[i]);
    sim_store_seal(store);
    if (g.failed) {
        char buf[600];
        error_set(err, "cluster %s: %d objects could not be generated (%s)", spec->context,
                  g.failed, error_format(err, buf, sizeof buf));
        return -1;
    }
    return 0;
}
