/* JSON -> Kubernetes protobuf, schema-driven, over the JSON text (no parse tree): each object's
 * fields are transcoded as they come, recorded as chunks, then put in field-number order with
 * the value fields the JSON left out written as their zero values, as gogo's marshallers do. */

#include "cutover/k8s_proto.h"

#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <openssl/evp.h>

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pkind {
    PK_STRING,
    PK_BYTES,
    PK_INT32,
    PK_INT64,
    PK_UINT32,
    PK_UINT64,
    PK_BOOL,
    PK_DOUBLE,
    PK_FLOAT,
    PK_MSG,
    PK_TIME,      /* meta/v1 Time: RFC 3339 -> Timestamp{seconds, nanos = 0} */
    PK_MICROTIME, /* meta/v1 MicroTime: RFC 3339 with microseconds -> Timestamp */
    PK_DURATION,  /* meta/v1 Duration: "1h2m3s" -> {duration = nanoseconds} */
    PK_QUANTITY,  /* resource.Quantity: {string = 1} */
    PK_INTSTR,    /* intstr.IntOrString: {type = 1, intVal = 2, strVal = 3} */
    PK_FIELDSV1,  /* meta/v1 FieldsV1: {Raw = 1} the compact JSON */
    PK_RAWEXT,    /* runtime.RawExtension: {raw = 1} the compact JSON */
};

#define PF_REP 1u /* repeated: a JSON array, one field per element */
#define PF_MAP 2u /* map<string, kind>: a JSON object, entries sorted by key */
#define PF_ALWAYS                                                                                  \
    4u               /* a Go value (not pointer) field: written even when the JSON leaves it out   \
                      */
#define PF_INLINE 8u /* an embedded Go struct whose JSON fields sit in the parent object */

struct pfield {
    const char *json; /* the JSON name ("" for an inline field) */
    uint16_t num;
    uint8_t kind;  /* enum pkind */
    uint8_t flags; /* PF_* */
    int16_t msg;   /* PK_MSG: index in pmsgs */
};

struct pmsg {
    const char *name; /* the Go type name */
    const struct pfield *fields;
    size_t n;
    bool typemeta; /* embeds TypeMeta: "kind" and "apiVersion" are JSON-only */
};

/* Generated from kubernetes/api@10b39a39 core/v1/generated.proto + core/v1/types.go and
 * kubernetes/apimachinery@eed236ce pkg/apis/meta/v1, pkg/runtime, pkg/api/resource,
 * pkg/util/intstr (generated.proto for numbers and types, types.go for JSON names, inline
 * embedding and pointer-ness). Fields sorted by number. */
static const struct pfield pf_Pod[] = {
    {"metadata", 1, PK_MSG, PF_ALWAYS, 6},
    {"spec", 2, PK_MSG, PF_ALWAYS, 7},
    {"status", 3, PK_MSG, PF_ALWAYS, 8},
};
static const struct pfield pf_Node[] = {
    {"metadata", 1, PK_MSG, PF_ALWAYS, 6},
    {"spec", 2, PK_MSG, PF_ALWAYS, 9},
    {"status", 3, PK_MSG, PF_ALWAYS, 10},
};
static const struct pfield pf_PodList[] = {
    {"metadata", 1, PK_MSG, PF_ALWAYS, 11},
    {"items", 2, PK_MSG, PF_REP, 0},
};
static const struct pfield pf_NodeList[] = {
    {"metadata", 1, PK_MSG, PF_ALWAYS, 11},
    {"items", 2, PK_MSG, PF_REP, 1},
};
static const struct pfield pf_Status[] = {
    {"metadata", 1, PK_MSG, PF_ALWAYS, 11},
    {"status", 2, PK_STRING, PF_ALWAYS, -1},
    {"message", 3, PK_STRING, PF_ALWAYS, -1},
    {"reason", 4, PK_STRING, PF_ALWAYS, -1},
    {"details", 5, PK_MSG, 0, 12},
    {"code", 6, PK_INT32, PF_ALWAYS, -1},
};
static const struct pfield pf_WatchEvent[] = {
    {"type", 1, PK_STRING, PF_ALWAYS, -1},
    {"object", 2, PK_RAWEXT, PF_ALWAYS, -1},
};
static const struct pfield pf_ObjectMeta[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"generateName", 2, PK_STRING, PF_ALWAYS, -1},
    {"namespace", 3, PK_STRING, PF_ALWAYS, -1},
    {"selfLink", 4, PK_STRING, PF_ALWAYS, -1},
    {"uid", 5, PK_STRING, PF_ALWAYS, -1},
    {"resourceVersion", 6, PK_STRING, PF_ALWAYS, -1},
    {"generation", 7, PK_INT64, PF_ALWAYS, -1},
    {"creationTimestamp", 8, PK_TIME, PF_ALWAYS, -1},
    {"deletionTimestamp", 9, PK_TIME, 0, -1},
    {"deletionGracePeriodSeconds", 10, PK_INT64, 0, -1},
    {"labels", 11, PK_STRING, PF_MAP, -1},
    {"annotations", 12, PK_STRING, PF_MAP, -1},
    {"ownerReferences", 13, PK_MSG, PF_REP, 13},
    {"finalizers", 14, PK_STRING, PF_REP, -1},
    {"managedFields", 17, PK_MSG, PF_REP, 14},
};
static const struct pfield pf_PodSpec[] = {
    {"volumes", 1, PK_MSG, PF_REP, 15},
    {"containers", 2, PK_MSG, PF_REP, 16},
    {"restartPolicy", 3, PK_STRING, PF_ALWAYS, -1},
    {"terminationGracePeriodSeconds", 4, PK_INT64, 0, -1},
    {"activeDeadlineSeconds", 5, PK_INT64, 0, -1},
    {"dnsPolicy", 6, PK_STRING, PF_ALWAYS, -1},
    {"nodeSelector", 7, PK_STRING, PF_MAP, -1},
    {"serviceAccountName", 8, PK_STRING, PF_ALWAYS, -1},
    {"serviceAccount", 9, PK_STRING, PF_ALWAYS, -1},
    {"nodeName", 10, PK_STRING, PF_ALWAYS, -1},
    {"hostNetwork", 11, PK_BOOL, PF_ALWAYS, -1},
    {"hostPID", 12, PK_BOOL, PF_ALWAYS, -1},
    {"hostIPC", 13, PK_BOOL, PF_ALWAYS, -1},
    {"securityContext", 14, PK_MSG, 0, 18},
    {"imagePullSecrets", 15, PK_MSG, PF_REP, 19},
    {"hostname", 16, PK_STRING, PF_ALWAYS, -1},
    {"subdomain", 17, PK_STRING, PF_ALWAYS, -1},
    {"affinity", 18, PK_MSG, 0, 20},
    {"schedulerName", 19, PK_STRING, PF_ALWAYS, -1},
    {"initContainers", 20, PK_MSG, PF_REP, 16},
    {"automountServiceAccountToken", 21, PK_BOOL, 0, -1},
    {"tolerations", 22, PK_MSG, PF_REP, 21},
    {"hostAliases", 23, PK_MSG, PF_REP, 22},
    {"priorityClassName", 24, PK_STRING, PF_ALWAYS, -1},
    {"priority", 25, PK_INT32, 0, -1},
    {"dnsConfig", 26, PK_MSG, 0, 23},
    {"shareProcessNamespace", 27, PK_BOOL, 0, -1},
    {"readinessGates", 28, PK_MSG, PF_REP, 24},
    {"runtimeClassName", 29, PK_STRING, 0, -1},
    {"enableServiceLinks", 30, PK_BOOL, 0, -1},
    {"preemptionPolicy", 31, PK_STRING, 0, -1},
    {"overhead", 32, PK_QUANTITY, PF_MAP, -1},
    {"topologySpreadConstraints", 33, PK_MSG, PF_REP, 25},
    {"ephemeralContainers", 34, PK_MSG, PF_REP, 17},
    {"setHostnameAsFQDN", 35, PK_BOOL, 0, -1},
    {"os", 36, PK_MSG, 0, 26},
    {"hostUsers", 37, PK_BOOL, 0, -1},
    {"schedulingGates", 38, PK_MSG, PF_REP, 27},
    {"resourceClaims", 39, PK_MSG, PF_REP, 28},
    {"resources", 40, PK_MSG, 0, 29},
    {"hostnameOverride", 41, PK_STRING, 0, -1},
    {"schedulingGroup", 43, PK_MSG, 0, 30},
    {"evictionResponders", 44, PK_MSG, PF_REP, 31},
};
static const struct pfield pf_PodStatus[] = {
    {"phase", 1, PK_STRING, PF_ALWAYS, -1},
    {"conditions", 2, PK_MSG, PF_REP, 32},
    {"message", 3, PK_STRING, PF_ALWAYS, -1},
    {"reason", 4, PK_STRING, PF_ALWAYS, -1},
    {"hostIP", 5, PK_STRING, PF_ALWAYS, -1},
    {"podIP", 6, PK_STRING, PF_ALWAYS, -1},
    {"startTime", 7, PK_TIME, 0, -1},
    {"containerStatuses", 8, PK_MSG, PF_REP, 35},
    {"qosClass", 9, PK_STRING, PF_ALWAYS, -1},
    {"initContainerStatuses", 10, PK_MSG, PF_REP, 35},
    {"nominatedNodeName", 11, PK_STRING, PF_ALWAYS, -1},
    {"podIPs", 12, PK_MSG, PF_REP, 34},
    {"ephemeralContainerStatuses", 13, PK_MSG, PF_REP, 35},
    {"resize", 14, PK_STRING, PF_ALWAYS, -1},
    {"resourceClaimStatuses", 15, PK_MSG, PF_REP, 36},
    {"hostIPs", 16, PK_MSG, PF_REP, 33},
    {"observedGeneration", 17, PK_INT64, PF_ALWAYS, -1},
    {"extendedResourceClaimStatus", 18, PK_MSG, 0, 37},
    {"allocatedResources", 19, PK_QUANTITY, PF_MAP, -1},
    {"resources", 20, PK_MSG, 0, 29},
    {"nodeAllocatableResourceClaimStatuses", 21, PK_MSG, PF_REP, 38},
    {"volumeHealth", 22, PK_MSG, PF_REP, 39},
};
static const struct pfield pf_NodeSpec[] = {
    {"podCIDR", 1, PK_STRING, PF_ALWAYS, -1},    {"externalID", 2, PK_STRING, PF_ALWAYS, -1},
    {"providerID", 3, PK_STRING, PF_ALWAYS, -1}, {"unschedulable", 4, PK_BOOL, PF_ALWAYS, -1},
    {"taints", 5, PK_MSG, PF_REP, 40},           {"configSource", 6, PK_MSG, 0, 41},
    {"podCIDRs", 7, PK_STRING, PF_REP, -1},      {"podPreemptionPolicy", 8, PK_MSG, 0, 42},
};
static const struct pfield pf_NodeStatus[] = {
    {"capacity", 1, PK_QUANTITY, PF_MAP, -1},
    {"allocatable", 2, PK_QUANTITY, PF_MAP, -1},
    {"phase", 3, PK_STRING, PF_ALWAYS, -1},
    {"conditions", 4, PK_MSG, PF_REP, 43},
    {"addresses", 5, PK_MSG, PF_REP, 44},
    {"daemonEndpoints", 6, PK_MSG, PF_ALWAYS, 45},
    {"nodeInfo", 7, PK_MSG, PF_ALWAYS, 46},
    {"images", 8, PK_MSG, PF_REP, 47},
    {"volumesInUse", 9, PK_STRING, PF_REP, -1},
    {"volumesAttached", 10, PK_MSG, PF_REP, 48},
    {"config", 11, PK_MSG, 0, 49},
    {"runtimeHandlers", 12, PK_MSG, PF_REP, 50},
    {"features", 13, PK_MSG, 0, 51},
    {"declaredFeatures", 14, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_ListMeta[] = {
    {"selfLink", 1, PK_STRING, PF_ALWAYS, -1}, {"resourceVersion", 2, PK_STRING, PF_ALWAYS, -1},
    {"continue", 3, PK_STRING, PF_ALWAYS, -1}, {"remainingItemCount", 4, PK_INT64, 0, -1},
    {"shardInfo", 5, PK_MSG, 0, 52},
};
static const struct pfield pf_StatusDetails[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"group", 2, PK_STRING, PF_ALWAYS, -1},
    {"kind", 3, PK_STRING, PF_ALWAYS, -1},
    {"causes", 4, PK_MSG, PF_REP, 53},
    {"retryAfterSeconds", 5, PK_INT32, PF_ALWAYS, -1},
    {"uid", 6, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_OwnerReference[] = {
    {"kind", 1, PK_STRING, PF_ALWAYS, -1}, {"name", 3, PK_STRING, PF_ALWAYS, -1},
    {"uid", 4, PK_STRING, PF_ALWAYS, -1},  {"apiVersion", 5, PK_STRING, PF_ALWAYS, -1},
    {"controller", 6, PK_BOOL, 0, -1},     {"blockOwnerDeletion", 7, PK_BOOL, 0, -1},
};
static const struct pfield pf_ManagedFieldsEntry[] = {
    {"manager", 1, PK_STRING, PF_ALWAYS, -1},     {"operation", 2, PK_STRING, PF_ALWAYS, -1},
    {"apiVersion", 3, PK_STRING, PF_ALWAYS, -1},  {"time", 4, PK_TIME, 0, -1},
    {"fieldsType", 6, PK_STRING, PF_ALWAYS, -1},  {"fieldsV1", 7, PK_FIELDSV1, 0, -1},
    {"subresource", 8, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_Volume[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"", 2, PK_MSG, PF_ALWAYS | PF_INLINE, 54},
};
static const struct pfield pf_Container[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"image", 2, PK_STRING, PF_ALWAYS, -1},
    {"command", 3, PK_STRING, PF_REP, -1},
    {"args", 4, PK_STRING, PF_REP, -1},
    {"workingDir", 5, PK_STRING, PF_ALWAYS, -1},
    {"ports", 6, PK_MSG, PF_REP, 55},
    {"env", 7, PK_MSG, PF_REP, 57},
    {"resources", 8, PK_MSG, PF_ALWAYS, 29},
    {"volumeMounts", 9, PK_MSG, PF_REP, 60},
    {"livenessProbe", 10, PK_MSG, 0, 62},
    {"readinessProbe", 11, PK_MSG, 0, 62},
    {"lifecycle", 12, PK_MSG, 0, 63},
    {"terminationMessagePath", 13, PK_STRING, PF_ALWAYS, -1},
    {"imagePullPolicy", 14, PK_STRING, PF_ALWAYS, -1},
    {"securityContext", 15, PK_MSG, 0, 64},
    {"stdin", 16, PK_BOOL, PF_ALWAYS, -1},
    {"stdinOnce", 17, PK_BOOL, PF_ALWAYS, -1},
    {"tty", 18, PK_BOOL, PF_ALWAYS, -1},
    {"envFrom", 19, PK_MSG, PF_REP, 56},
    {"terminationMessagePolicy", 20, PK_STRING, PF_ALWAYS, -1},
    {"volumeDevices", 21, PK_MSG, PF_REP, 61},
    {"startupProbe", 22, PK_MSG, 0, 62},
    {"resizePolicy", 23, PK_MSG, PF_REP, 58},
    {"restartPolicy", 24, PK_STRING, 0, -1},
    {"restartPolicyRules", 25, PK_MSG, PF_REP, 59},
};
static const struct pfield pf_EphemeralContainer[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 65},
    {"targetContainerName", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_PodSecurityContext[] = {
    {"seLinuxOptions", 1, PK_MSG, 0, 66},
    {"runAsUser", 2, PK_INT64, 0, -1},
    {"runAsNonRoot", 3, PK_BOOL, 0, -1},
    {"supplementalGroups", 4, PK_INT64, PF_REP, -1},
    {"fsGroup", 5, PK_INT64, 0, -1},
    {"runAsGroup", 6, PK_INT64, 0, -1},
    {"sysctls", 7, PK_MSG, PF_REP, 68},
    {"windowsOptions", 8, PK_MSG, 0, 67},
    {"fsGroupChangePolicy", 9, PK_STRING, 0, -1},
    {"seccompProfile", 10, PK_MSG, 0, 69},
    {"appArmorProfile", 11, PK_MSG, 0, 70},
    {"supplementalGroupsPolicy", 12, PK_STRING, 0, -1},
    {"seLinuxChangePolicy", 13, PK_STRING, 0, -1},
};
static const struct pfield pf_LocalObjectReference[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_Affinity[] = {
    {"nodeAffinity", 1, PK_MSG, 0, 71},
    {"podAffinity", 2, PK_MSG, 0, 72},
    {"podAntiAffinity", 3, PK_MSG, 0, 73},
};
static const struct pfield pf_Toleration[] = {
    {"key", 1, PK_STRING, PF_ALWAYS, -1},      {"operator", 2, PK_STRING, PF_ALWAYS, -1},
    {"value", 3, PK_STRING, PF_ALWAYS, -1},    {"effect", 4, PK_STRING, PF_ALWAYS, -1},
    {"tolerationSeconds", 5, PK_INT64, 0, -1},
};
static const struct pfield pf_HostAlias[] = {
    {"ip", 1, PK_STRING, PF_ALWAYS, -1},
    {"hostnames", 2, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_PodDNSConfig[] = {
    {"nameservers", 1, PK_STRING, PF_REP, -1},
    {"searches", 2, PK_STRING, PF_REP, -1},
    {"options", 3, PK_MSG, PF_REP, 74},
};
static const struct pfield pf_PodReadinessGate[] = {
    {"conditionType", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_TopologySpreadConstraint[] = {
    {"maxSkew", 1, PK_INT32, PF_ALWAYS, -1},
    {"topologyKey", 2, PK_STRING, PF_ALWAYS, -1},
    {"whenUnsatisfiable", 3, PK_STRING, PF_ALWAYS, -1},
    {"labelSelector", 4, PK_MSG, 0, 75},
    {"minDomains", 5, PK_INT32, 0, -1},
    {"nodeAffinityPolicy", 6, PK_STRING, 0, -1},
    {"nodeTaintsPolicy", 7, PK_STRING, 0, -1},
    {"matchLabelKeys", 8, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_PodOS[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_PodSchedulingGate[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_PodResourceClaim[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"resourceClaimName", 3, PK_STRING, 0, -1},
    {"resourceClaimTemplateName", 4, PK_STRING, 0, -1},
};
static const struct pfield pf_ResourceRequirements[] = {
    {"limits", 1, PK_QUANTITY, PF_MAP, -1},
    {"requests", 2, PK_QUANTITY, PF_MAP, -1},
    {"claims", 3, PK_MSG, PF_REP, 76},
};
static const struct pfield pf_PodSchedulingGroup[] = {
    {"podGroupName", 1, PK_STRING, 0, -1},
};
static const struct pfield pf_EvictionResponder[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"priority", 2, PK_INT32, 0, -1},
};
static const struct pfield pf_PodCondition[] = {
    {"type", 1, PK_STRING, PF_ALWAYS, -1},
    {"status", 2, PK_STRING, PF_ALWAYS, -1},
    {"lastProbeTime", 3, PK_TIME, PF_ALWAYS, -1},
    {"lastTransitionTime", 4, PK_TIME, PF_ALWAYS, -1},
    {"reason", 5, PK_STRING, PF_ALWAYS, -1},
    {"message", 6, PK_STRING, PF_ALWAYS, -1},
    {"observedGeneration", 7, PK_INT64, PF_ALWAYS, -1},
};
static const struct pfield pf_HostIP[] = {
    {"ip", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_PodIP[] = {
    {"ip", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ContainerStatus[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"state", 2, PK_MSG, PF_ALWAYS, 77},
    {"lastState", 3, PK_MSG, PF_ALWAYS, 77},
    {"ready", 4, PK_BOOL, PF_ALWAYS, -1},
    {"restartCount", 5, PK_INT32, PF_ALWAYS, -1},
    {"image", 6, PK_STRING, PF_ALWAYS, -1},
    {"imageID", 7, PK_STRING, PF_ALWAYS, -1},
    {"containerID", 8, PK_STRING, PF_ALWAYS, -1},
    {"started", 9, PK_BOOL, 0, -1},
    {"allocatedResources", 10, PK_QUANTITY, PF_MAP, -1},
    {"resources", 11, PK_MSG, 0, 29},
    {"volumeMounts", 12, PK_MSG, PF_REP, 78},
    {"user", 13, PK_MSG, 0, 79},
    {"allocatedResourcesStatus", 14, PK_MSG, PF_REP, 80},
    {"stopSignal", 15, PK_STRING, 0, -1},
};
static const struct pfield pf_PodResourceClaimStatus[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"resourceClaimName", 2, PK_STRING, 0, -1},
};
static const struct pfield pf_PodExtendedResourceClaimStatus[] = {
    {"requestMappings", 1, PK_MSG, PF_REP, 81},
    {"resourceClaimName", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeAllocatableResourceClaimStatus[] = {
    {"resourceClaimName", 1, PK_STRING, PF_ALWAYS, -1},
    {"containers", 2, PK_STRING, PF_REP, -1},
    {"mapping", 4, PK_MSG, PF_REP, 82},
    {"overhead", 5, PK_MSG, PF_REP, 83},
};
static const struct pfield pf_PodVolumeHealth[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"healthConditions", 2, PK_MSG, PF_REP, 84},
    {"lastTransitionTime", 3, PK_TIME, PF_ALWAYS, -1},
};
static const struct pfield pf_Taint[] = {
    {"key", 1, PK_STRING, PF_ALWAYS, -1},
    {"value", 2, PK_STRING, PF_ALWAYS, -1},
    {"effect", 3, PK_STRING, PF_ALWAYS, -1},
    {"timeAdded", 4, PK_TIME, 0, -1},
};
static const struct pfield pf_NodeConfigSource[] = {
    {"configMap", 2, PK_MSG, 0, 85},
};
static const struct pfield pf_NodePodPreemptionPolicy[] = {
    {"disableResizePreemption", 1, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_NodeCondition[] = {
    {"type", 1, PK_STRING, PF_ALWAYS, -1},
    {"status", 2, PK_STRING, PF_ALWAYS, -1},
    {"lastHeartbeatTime", 3, PK_TIME, PF_ALWAYS, -1},
    {"lastTransitionTime", 4, PK_TIME, PF_ALWAYS, -1},
    {"reason", 5, PK_STRING, PF_ALWAYS, -1},
    {"message", 6, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeAddress[] = {
    {"type", 1, PK_STRING, PF_ALWAYS, -1},
    {"address", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeDaemonEndpoints[] = {
    {"kubeletEndpoint", 1, PK_MSG, PF_ALWAYS, 86},
};
static const struct pfield pf_NodeSystemInfo[] = {
    {"machineID", 1, PK_STRING, PF_ALWAYS, -1},
    {"systemUUID", 2, PK_STRING, PF_ALWAYS, -1},
    {"bootID", 3, PK_STRING, PF_ALWAYS, -1},
    {"kernelVersion", 4, PK_STRING, PF_ALWAYS, -1},
    {"osImage", 5, PK_STRING, PF_ALWAYS, -1},
    {"containerRuntimeVersion", 6, PK_STRING, PF_ALWAYS, -1},
    {"kubeletVersion", 7, PK_STRING, PF_ALWAYS, -1},
    {"kubeProxyVersion", 8, PK_STRING, PF_ALWAYS, -1},
    {"operatingSystem", 9, PK_STRING, PF_ALWAYS, -1},
    {"architecture", 10, PK_STRING, PF_ALWAYS, -1},
    {"swap", 11, PK_MSG, 0, 87},
};
static const struct pfield pf_ContainerImage[] = {
    {"names", 1, PK_STRING, PF_REP, -1},
    {"sizeBytes", 2, PK_INT64, PF_ALWAYS, -1},
};
static const struct pfield pf_AttachedVolume[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"devicePath", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeConfigStatus[] = {
    {"assigned", 1, PK_MSG, 0, 41},
    {"active", 2, PK_MSG, 0, 41},
    {"lastKnownGood", 3, PK_MSG, 0, 41},
    {"error", 4, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeRuntimeHandler[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"features", 2, PK_MSG, 0, 88},
};
static const struct pfield pf_NodeFeatures[] = {
    {"supplementalGroupsPolicy", 1, PK_BOOL, 0, -1},
};
static const struct pfield pf_ShardInfo[] = {
    {"selector", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_StatusCause[] = {
    {"reason", 1, PK_STRING, PF_ALWAYS, -1},
    {"message", 2, PK_STRING, PF_ALWAYS, -1},
    {"field", 3, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_VolumeSource[] = {
    {"hostPath", 1, PK_MSG, 0, 89},
    {"emptyDir", 2, PK_MSG, 0, 90},
    {"gcePersistentDisk", 3, PK_MSG, 0, 91},
    {"awsElasticBlockStore", 4, PK_MSG, 0, 92},
    {"gitRepo", 5, PK_MSG, 0, 93},
    {"secret", 6, PK_MSG, 0, 94},
    {"nfs", 7, PK_MSG, 0, 95},
    {"iscsi", 8, PK_MSG, 0, 96},
    {"glusterfs", 9, PK_MSG, 0, 97},
    {"persistentVolumeClaim", 10, PK_MSG, 0, 98},
    {"rbd", 11, PK_MSG, 0, 99},
    {"flexVolume", 12, PK_MSG, 0, 100},
    {"cinder", 13, PK_MSG, 0, 101},
    {"cephfs", 14, PK_MSG, 0, 102},
    {"flocker", 15, PK_MSG, 0, 103},
    {"downwardAPI", 16, PK_MSG, 0, 104},
    {"fc", 17, PK_MSG, 0, 105},
    {"azureFile", 18, PK_MSG, 0, 106},
    {"configMap", 19, PK_MSG, 0, 107},
    {"vsphereVolume", 20, PK_MSG, 0, 108},
    {"quobyte", 21, PK_MSG, 0, 109},
    {"azureDisk", 22, PK_MSG, 0, 110},
    {"photonPersistentDisk", 23, PK_MSG, 0, 111},
    {"portworxVolume", 24, PK_MSG, 0, 113},
    {"scaleIO", 25, PK_MSG, 0, 114},
    {"projected", 26, PK_MSG, 0, 112},
    {"storageos", 27, PK_MSG, 0, 115},
    {"csi", 28, PK_MSG, 0, 116},
    {"ephemeral", 29, PK_MSG, 0, 117},
    {"image", 30, PK_MSG, 0, 118},
};
static const struct pfield pf_ContainerPort[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},         {"hostPort", 2, PK_INT32, PF_ALWAYS, -1},
    {"containerPort", 3, PK_INT32, PF_ALWAYS, -1}, {"protocol", 4, PK_STRING, PF_ALWAYS, -1},
    {"hostIP", 5, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_EnvFromSource[] = {
    {"prefix", 1, PK_STRING, PF_ALWAYS, -1},
    {"configMapRef", 2, PK_MSG, 0, 119},
    {"secretRef", 3, PK_MSG, 0, 120},
};
static const struct pfield pf_EnvVar[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"value", 2, PK_STRING, PF_ALWAYS, -1},
    {"valueFrom", 3, PK_MSG, 0, 121},
};
static const struct pfield pf_ContainerResizePolicy[] = {
    {"resourceName", 1, PK_STRING, PF_ALWAYS, -1},
    {"restartPolicy", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ContainerRestartRule[] = {
    {"action", 1, PK_STRING, PF_ALWAYS, -1},
    {"exitCodes", 2, PK_MSG, 0, 122},
};
static const struct pfield pf_VolumeMount[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},      {"readOnly", 2, PK_BOOL, PF_ALWAYS, -1},
    {"mountPath", 3, PK_STRING, PF_ALWAYS, -1}, {"subPath", 4, PK_STRING, PF_ALWAYS, -1},
    {"mountPropagation", 5, PK_STRING, 0, -1},  {"subPathExpr", 6, PK_STRING, PF_ALWAYS, -1},
    {"recursiveReadOnly", 7, PK_STRING, 0, -1}, {"bindMountOptions", 8, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_VolumeDevice[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"devicePath", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_Probe[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 123},
    {"initialDelaySeconds", 2, PK_INT32, PF_ALWAYS, -1},
    {"timeoutSeconds", 3, PK_INT32, PF_ALWAYS, -1},
    {"periodSeconds", 4, PK_INT32, PF_ALWAYS, -1},
    {"successThreshold", 5, PK_INT32, PF_ALWAYS, -1},
    {"failureThreshold", 6, PK_INT32, PF_ALWAYS, -1},
    {"terminationGracePeriodSeconds", 7, PK_INT64, 0, -1},
};
static const struct pfield pf_Lifecycle[] = {
    {"postStart", 1, PK_MSG, 0, 124},
    {"preStop", 2, PK_MSG, 0, 124},
    {"stopSignal", 3, PK_STRING, 0, -1},
};
static const struct pfield pf_SecurityContext[] = {
    {"capabilities", 1, PK_MSG, 0, 125},
    {"privileged", 2, PK_BOOL, 0, -1},
    {"seLinuxOptions", 3, PK_MSG, 0, 66},
    {"runAsUser", 4, PK_INT64, 0, -1},
    {"runAsNonRoot", 5, PK_BOOL, 0, -1},
    {"readOnlyRootFilesystem", 6, PK_BOOL, 0, -1},
    {"allowPrivilegeEscalation", 7, PK_BOOL, 0, -1},
    {"runAsGroup", 8, PK_INT64, 0, -1},
    {"procMount", 9, PK_STRING, 0, -1},
    {"windowsOptions", 10, PK_MSG, 0, 67},
    {"seccompProfile", 11, PK_MSG, 0, 69},
    {"appArmorProfile", 12, PK_MSG, 0, 70},
};
static const struct pfield pf_EphemeralContainerCommon[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"image", 2, PK_STRING, PF_ALWAYS, -1},
    {"command", 3, PK_STRING, PF_REP, -1},
    {"args", 4, PK_STRING, PF_REP, -1},
    {"workingDir", 5, PK_STRING, PF_ALWAYS, -1},
    {"ports", 6, PK_MSG, PF_REP, 55},
    {"env", 7, PK_MSG, PF_REP, 57},
    {"resources", 8, PK_MSG, PF_ALWAYS, 29},
    {"volumeMounts", 9, PK_MSG, PF_REP, 60},
    {"livenessProbe", 10, PK_MSG, 0, 62},
    {"readinessProbe", 11, PK_MSG, 0, 62},
    {"lifecycle", 12, PK_MSG, 0, 63},
    {"terminationMessagePath", 13, PK_STRING, PF_ALWAYS, -1},
    {"imagePullPolicy", 14, PK_STRING, PF_ALWAYS, -1},
    {"securityContext", 15, PK_MSG, 0, 64},
    {"stdin", 16, PK_BOOL, PF_ALWAYS, -1},
    {"stdinOnce", 17, PK_BOOL, PF_ALWAYS, -1},
    {"tty", 18, PK_BOOL, PF_ALWAYS, -1},
    {"envFrom", 19, PK_MSG, PF_REP, 56},
    {"terminationMessagePolicy", 20, PK_STRING, PF_ALWAYS, -1},
    {"volumeDevices", 21, PK_MSG, PF_REP, 61},
    {"startupProbe", 22, PK_MSG, 0, 62},
    {"resizePolicy", 23, PK_MSG, PF_REP, 58},
    {"restartPolicy", 24, PK_STRING, 0, -1},
    {"restartPolicyRules", 25, PK_MSG, PF_REP, 59},
};
static const struct pfield pf_SELinuxOptions[] = {
    {"user", 1, PK_STRING, PF_ALWAYS, -1},
    {"role", 2, PK_STRING, PF_ALWAYS, -1},
    {"type", 3, PK_STRING, PF_ALWAYS, -1},
    {"level", 4, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_WindowsSecurityContextOptions[] = {
    {"gmsaCredentialSpecName", 1, PK_STRING, 0, -1},
    {"gmsaCredentialSpec", 2, PK_STRING, 0, -1},
    {"runAsUserName", 3, PK_STRING, 0, -1},
    {"hostProcess", 4, PK_BOOL, 0, -1},
};
static const struct pfield pf_Sysctl[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"value", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_SeccompProfile[] = {
    {"type", 1, PK_STRING, PF_ALWAYS, -1},
    {"localhostProfile", 2, PK_STRING, 0, -1},
};
static const struct pfield pf_AppArmorProfile[] = {
    {"type", 1, PK_STRING, PF_ALWAYS, -1},
    {"localhostProfile", 2, PK_STRING, 0, -1},
};
static const struct pfield pf_NodeAffinity[] = {
    {"requiredDuringSchedulingIgnoredDuringExecution", 1, PK_MSG, 0, 126},
    {"preferredDuringSchedulingIgnoredDuringExecution", 2, PK_MSG, PF_REP, 127},
};
static const struct pfield pf_PodAffinity[] = {
    {"requiredDuringSchedulingIgnoredDuringExecution", 1, PK_MSG, PF_REP, 128},
    {"preferredDuringSchedulingIgnoredDuringExecution", 2, PK_MSG, PF_REP, 129},
};
static const struct pfield pf_PodAntiAffinity[] = {
    {"requiredDuringSchedulingIgnoredDuringExecution", 1, PK_MSG, PF_REP, 128},
    {"preferredDuringSchedulingIgnoredDuringExecution", 2, PK_MSG, PF_REP, 129},
};
static const struct pfield pf_PodDNSConfigOption[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"value", 2, PK_STRING, 0, -1},
};
static const struct pfield pf_LabelSelector[] = {
    {"matchLabels", 1, PK_STRING, PF_MAP, -1},
    {"matchExpressions", 2, PK_MSG, PF_REP, 130},
};
static const struct pfield pf_ResourceClaim[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"request", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ContainerState[] = {
    {"waiting", 1, PK_MSG, 0, 131},
    {"running", 2, PK_MSG, 0, 132},
    {"terminated", 3, PK_MSG, 0, 133},
};
static const struct pfield pf_VolumeMountStatus[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},   {"mountPath", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1}, {"recursiveReadOnly", 4, PK_STRING, 0, -1},
    {"volumeStatus", 5, PK_MSG, 0, 134},
};
static const struct pfield pf_ContainerUser[] = {
    {"linux", 1, PK_MSG, 0, 135},
};
static const struct pfield pf_ResourceStatus[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"resources", 2, PK_MSG, PF_REP, 136},
};
static const struct pfield pf_ContainerExtendedResourceRequest[] = {
    {"containerName", 1, PK_STRING, PF_ALWAYS, -1},
    {"resourceName", 2, PK_STRING, PF_ALWAYS, -1},
    {"requestName", 3, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeAllocatableMappedResources[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"quantity", 2, PK_QUANTITY, 0, -1},
};
static const struct pfield pf_NodeAllocatableOverheadResources[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"perPod", 2, PK_QUANTITY, 0, -1},
    {"perContainer", 3, PK_QUANTITY, 0, -1},
};
static const struct pfield pf_VolumeHealthCondition[] = {
    {"status", 1, PK_STRING, PF_ALWAYS, -1},
    {"reason", 2, PK_STRING, PF_ALWAYS, -1},
    {"message", 3, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ConfigMapNodeConfigSource[] = {
    {"namespace", 1, PK_STRING, PF_ALWAYS, -1},
    {"name", 2, PK_STRING, PF_ALWAYS, -1},
    {"uid", 3, PK_STRING, PF_ALWAYS, -1},
    {"resourceVersion", 4, PK_STRING, PF_ALWAYS, -1},
    {"kubeletConfigKey", 5, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_DaemonEndpoint[] = {
    {"Port", 1, PK_INT32, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeSwapStatus[] = {
    {"capacity", 1, PK_INT64, 0, -1},
};
static const struct pfield pf_NodeRuntimeHandlerFeatures[] = {
    {"recursiveReadOnlyMounts", 1, PK_BOOL, 0, -1},
    {"userNamespaces", 2, PK_BOOL, 0, -1},
};
static const struct pfield pf_HostPathVolumeSource[] = {
    {"path", 1, PK_STRING, PF_ALWAYS, -1},
    {"type", 2, PK_STRING, 0, -1},
};
static const struct pfield pf_EmptyDirVolumeSource[] = {
    {"medium", 1, PK_STRING, PF_ALWAYS, -1},
    {"sizeLimit", 2, PK_QUANTITY, 0, -1},
    {"mode", 3, PK_INT32, 0, -1},
};
static const struct pfield pf_GCEPersistentDiskVolumeSource[] = {
    {"pdName", 1, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
    {"partition", 3, PK_INT32, PF_ALWAYS, -1},
    {"readOnly", 4, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_AWSElasticBlockStoreVolumeSource[] = {
    {"volumeID", 1, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
    {"partition", 3, PK_INT32, PF_ALWAYS, -1},
    {"readOnly", 4, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_GitRepoVolumeSource[] = {
    {"repository", 1, PK_STRING, PF_ALWAYS, -1},
    {"revision", 2, PK_STRING, PF_ALWAYS, -1},
    {"directory", 3, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_SecretVolumeSource[] = {
    {"secretName", 1, PK_STRING, PF_ALWAYS, -1}, {"items", 2, PK_MSG, PF_REP, 137},
    {"defaultMode", 3, PK_INT32, 0, -1},         {"optional", 4, PK_BOOL, 0, -1},
    {"defaultUser", 5, PK_INT64, 0, -1},
};
static const struct pfield pf_NFSVolumeSource[] = {
    {"server", 1, PK_STRING, PF_ALWAYS, -1},
    {"path", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_ISCSIVolumeSource[] = {
    {"targetPortal", 1, PK_STRING, PF_ALWAYS, -1},
    {"iqn", 2, PK_STRING, PF_ALWAYS, -1},
    {"lun", 3, PK_INT32, PF_ALWAYS, -1},
    {"iscsiInterface", 4, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 5, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 6, PK_BOOL, PF_ALWAYS, -1},
    {"portals", 7, PK_STRING, PF_REP, -1},
    {"chapAuthDiscovery", 8, PK_BOOL, PF_ALWAYS, -1},
    {"secretRef", 10, PK_MSG, 0, 19},
    {"chapAuthSession", 11, PK_BOOL, PF_ALWAYS, -1},
    {"initiatorName", 12, PK_STRING, 0, -1},
};
static const struct pfield pf_GlusterfsVolumeSource[] = {
    {"endpoints", 1, PK_STRING, PF_ALWAYS, -1},
    {"path", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_PersistentVolumeClaimVolumeSource[] = {
    {"claimName", 1, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 2, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_RBDVolumeSource[] = {
    {"monitors", 1, PK_STRING, PF_REP, -1},  {"image", 2, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 3, PK_STRING, PF_ALWAYS, -1}, {"pool", 4, PK_STRING, PF_ALWAYS, -1},
    {"user", 5, PK_STRING, PF_ALWAYS, -1},   {"keyring", 6, PK_STRING, PF_ALWAYS, -1},
    {"secretRef", 7, PK_MSG, 0, 19},         {"readOnly", 8, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_FlexVolumeSource[] = {
    {"driver", 1, PK_STRING, PF_ALWAYS, -1}, {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
    {"secretRef", 3, PK_MSG, 0, 19},         {"readOnly", 4, PK_BOOL, PF_ALWAYS, -1},
    {"options", 5, PK_STRING, PF_MAP, -1},
};
static const struct pfield pf_CinderVolumeSource[] = {
    {"volumeID", 1, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1},
    {"secretRef", 4, PK_MSG, 0, 19},
};
static const struct pfield pf_CephFSVolumeSource[] = {
    {"monitors", 1, PK_STRING, PF_REP, -1}, {"path", 2, PK_STRING, PF_ALWAYS, -1},
    {"user", 3, PK_STRING, PF_ALWAYS, -1},  {"secretFile", 4, PK_STRING, PF_ALWAYS, -1},
    {"secretRef", 5, PK_MSG, 0, 19},        {"readOnly", 6, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_FlockerVolumeSource[] = {
    {"datasetName", 1, PK_STRING, PF_ALWAYS, -1},
    {"datasetUUID", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_DownwardAPIVolumeSource[] = {
    {"items", 1, PK_MSG, PF_REP, 138},
    {"defaultMode", 2, PK_INT32, 0, -1},
    {"defaultUser", 3, PK_INT64, 0, -1},
};
static const struct pfield pf_FCVolumeSource[] = {
    {"targetWWNs", 1, PK_STRING, PF_REP, -1}, {"lun", 2, PK_INT32, 0, -1},
    {"fsType", 3, PK_STRING, PF_ALWAYS, -1},  {"readOnly", 4, PK_BOOL, PF_ALWAYS, -1},
    {"wwids", 5, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_AzureFileVolumeSource[] = {
    {"secretName", 1, PK_STRING, PF_ALWAYS, -1},
    {"shareName", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_ConfigMapVolumeSource[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19}, {"items", 2, PK_MSG, PF_REP, 137},
    {"defaultMode", 3, PK_INT32, 0, -1},        {"optional", 4, PK_BOOL, 0, -1},
    {"defaultUser", 5, PK_INT64, 0, -1},
};
static const struct pfield pf_VsphereVirtualDiskVolumeSource[] = {
    {"volumePath", 1, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
    {"storagePolicyName", 3, PK_STRING, PF_ALWAYS, -1},
    {"storagePolicyID", 4, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_QuobyteVolumeSource[] = {
    {"registry", 1, PK_STRING, PF_ALWAYS, -1}, {"volume", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1},   {"user", 4, PK_STRING, PF_ALWAYS, -1},
    {"group", 5, PK_STRING, PF_ALWAYS, -1},    {"tenant", 6, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_AzureDiskVolumeSource[] = {
    {"diskName", 1, PK_STRING, PF_ALWAYS, -1}, {"diskURI", 2, PK_STRING, PF_ALWAYS, -1},
    {"cachingMode", 3, PK_STRING, 0, -1},      {"fsType", 4, PK_STRING, 0, -1},
    {"readOnly", 5, PK_BOOL, 0, -1},           {"kind", 6, PK_STRING, 0, -1},
};
static const struct pfield pf_PhotonPersistentDiskVolumeSource[] = {
    {"pdID", 1, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ProjectedVolumeSource[] = {
    {"sources", 1, PK_MSG, PF_REP, 139},
    {"defaultMode", 2, PK_INT32, 0, -1},
    {"defaultUser", 3, PK_INT64, 0, -1},
};
static const struct pfield pf_PortworxVolumeSource[] = {
    {"volumeID", 1, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 2, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 3, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_ScaleIOVolumeSource[] = {
    {"gateway", 1, PK_STRING, PF_ALWAYS, -1},
    {"system", 2, PK_STRING, PF_ALWAYS, -1},
    {"secretRef", 3, PK_MSG, 0, 19},
    {"sslEnabled", 4, PK_BOOL, PF_ALWAYS, -1},
    {"protectionDomain", 5, PK_STRING, PF_ALWAYS, -1},
    {"storagePool", 6, PK_STRING, PF_ALWAYS, -1},
    {"storageMode", 7, PK_STRING, PF_ALWAYS, -1},
    {"volumeName", 8, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 9, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 10, PK_BOOL, PF_ALWAYS, -1},
};
static const struct pfield pf_StorageOSVolumeSource[] = {
    {"volumeName", 1, PK_STRING, PF_ALWAYS, -1},
    {"volumeNamespace", 2, PK_STRING, PF_ALWAYS, -1},
    {"fsType", 3, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 4, PK_BOOL, PF_ALWAYS, -1},
    {"secretRef", 5, PK_MSG, 0, 19},
};
static const struct pfield pf_CSIVolumeSource[] = {
    {"driver", 1, PK_STRING, PF_ALWAYS, -1},
    {"readOnly", 2, PK_BOOL, 0, -1},
    {"fsType", 3, PK_STRING, 0, -1},
    {"volumeAttributes", 4, PK_STRING, PF_MAP, -1},
    {"nodePublishSecretRef", 5, PK_MSG, 0, 19},
};
static const struct pfield pf_EphemeralVolumeSource[] = {
    {"volumeClaimTemplate", 1, PK_MSG, 0, 140},
};
static const struct pfield pf_ImageVolumeSource[] = {
    {"reference", 1, PK_STRING, PF_ALWAYS, -1},
    {"pullPolicy", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ConfigMapEnvSource[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19},
    {"optional", 2, PK_BOOL, 0, -1},
};
static const struct pfield pf_SecretEnvSource[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19},
    {"optional", 2, PK_BOOL, 0, -1},
};
static const struct pfield pf_EnvVarSource[] = {
    {"fieldRef", 1, PK_MSG, 0, 141},        {"resourceFieldRef", 2, PK_MSG, 0, 142},
    {"configMapKeyRef", 3, PK_MSG, 0, 143}, {"secretKeyRef", 4, PK_MSG, 0, 144},
    {"fileKeyRef", 5, PK_MSG, 0, 145},
};
static const struct pfield pf_ContainerRestartRuleOnExitCodes[] = {
    {"operator", 1, PK_STRING, PF_ALWAYS, -1},
    {"values", 2, PK_INT32, PF_REP, -1},
};
static const struct pfield pf_ProbeHandler[] = {
    {"exec", 1, PK_MSG, 0, 146},
    {"httpGet", 2, PK_MSG, 0, 147},
    {"tcpSocket", 3, PK_MSG, 0, 148},
    {"grpc", 4, PK_MSG, 0, 149},
};
static const struct pfield pf_LifecycleHandler[] = {
    {"exec", 1, PK_MSG, 0, 146},
    {"httpGet", 2, PK_MSG, 0, 147},
    {"tcpSocket", 3, PK_MSG, 0, 148},
    {"sleep", 4, PK_MSG, 0, 150},
};
static const struct pfield pf_Capabilities[] = {
    {"add", 1, PK_STRING, PF_REP, -1},
    {"drop", 2, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_NodeSelector[] = {
    {"nodeSelectorTerms", 1, PK_MSG, PF_REP, 151},
};
static const struct pfield pf_PreferredSchedulingTerm[] = {
    {"weight", 1, PK_INT32, PF_ALWAYS, -1},
    {"preference", 2, PK_MSG, PF_ALWAYS, 151},
};
static const struct pfield pf_PodAffinityTerm[] = {
    {"labelSelector", 1, PK_MSG, 0, 75},          {"namespaces", 2, PK_STRING, PF_REP, -1},
    {"topologyKey", 3, PK_STRING, PF_ALWAYS, -1}, {"namespaceSelector", 4, PK_MSG, 0, 75},
    {"matchLabelKeys", 5, PK_STRING, PF_REP, -1}, {"mismatchLabelKeys", 6, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_WeightedPodAffinityTerm[] = {
    {"weight", 1, PK_INT32, PF_ALWAYS, -1},
    {"podAffinityTerm", 2, PK_MSG, PF_ALWAYS, 128},
};
static const struct pfield pf_LabelSelectorRequirement[] = {
    {"key", 1, PK_STRING, PF_ALWAYS, -1},
    {"operator", 2, PK_STRING, PF_ALWAYS, -1},
    {"values", 3, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_ContainerStateWaiting[] = {
    {"reason", 1, PK_STRING, PF_ALWAYS, -1},
    {"message", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ContainerStateRunning[] = {
    {"startedAt", 1, PK_TIME, PF_ALWAYS, -1},
};
static const struct pfield pf_ContainerStateTerminated[] = {
    {"exitCode", 1, PK_INT32, PF_ALWAYS, -1},     {"signal", 2, PK_INT32, PF_ALWAYS, -1},
    {"reason", 3, PK_STRING, PF_ALWAYS, -1},      {"message", 4, PK_STRING, PF_ALWAYS, -1},
    {"startedAt", 5, PK_TIME, PF_ALWAYS, -1},     {"finishedAt", 6, PK_TIME, PF_ALWAYS, -1},
    {"containerID", 7, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_VolumeStatus[] = {
    {"image", 1, PK_MSG, 0, 152},
};
static const struct pfield pf_LinuxContainerUser[] = {
    {"uid", 1, PK_INT64, PF_ALWAYS, -1},
    {"gid", 2, PK_INT64, PF_ALWAYS, -1},
    {"supplementalGroups", 3, PK_INT64, PF_REP, -1},
};
static const struct pfield pf_ResourceHealth[] = {
    {"resourceID", 1, PK_STRING, PF_ALWAYS, -1},
    {"health", 2, PK_STRING, PF_ALWAYS, -1},
    {"message", 6, PK_STRING, 0, -1},
};
static const struct pfield pf_KeyToPath[] = {
    {"key", 1, PK_STRING, PF_ALWAYS, -1},
    {"path", 2, PK_STRING, PF_ALWAYS, -1},
    {"mode", 3, PK_INT32, 0, -1},
    {"user", 4, PK_INT64, 0, -1},
};
static const struct pfield pf_DownwardAPIVolumeFile[] = {
    {"path", 1, PK_STRING, PF_ALWAYS, -1},
    {"fieldRef", 2, PK_MSG, 0, 141},
    {"resourceFieldRef", 3, PK_MSG, 0, 142},
    {"mode", 4, PK_INT32, 0, -1},
    {"user", 5, PK_INT64, 0, -1},
};
static const struct pfield pf_VolumeProjection[] = {
    {"secret", 1, PK_MSG, 0, 153},
    {"downwardAPI", 2, PK_MSG, 0, 154},
    {"configMap", 3, PK_MSG, 0, 155},
    {"serviceAccountToken", 4, PK_MSG, 0, 156},
    {"clusterTrustBundle", 5, PK_MSG, 0, 157},
    {"podCertificate", 6, PK_MSG, 0, 158},
};
static const struct pfield pf_PersistentVolumeClaimTemplate[] = {
    {"metadata", 1, PK_MSG, PF_ALWAYS, 6},
    {"spec", 2, PK_MSG, PF_ALWAYS, 159},
};
static const struct pfield pf_ObjectFieldSelector[] = {
    {"apiVersion", 1, PK_STRING, PF_ALWAYS, -1},
    {"fieldPath", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_ResourceFieldSelector[] = {
    {"containerName", 1, PK_STRING, PF_ALWAYS, -1},
    {"resource", 2, PK_STRING, PF_ALWAYS, -1},
    {"divisor", 3, PK_QUANTITY, PF_ALWAYS, -1},
};
static const struct pfield pf_ConfigMapKeySelector[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19},
    {"key", 2, PK_STRING, PF_ALWAYS, -1},
    {"optional", 3, PK_BOOL, 0, -1},
};
static const struct pfield pf_SecretKeySelector[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19},
    {"key", 2, PK_STRING, PF_ALWAYS, -1},
    {"optional", 3, PK_BOOL, 0, -1},
};
static const struct pfield pf_FileKeySelector[] = {
    {"volumeName", 1, PK_STRING, PF_ALWAYS, -1},
    {"path", 2, PK_STRING, PF_ALWAYS, -1},
    {"key", 3, PK_STRING, PF_ALWAYS, -1},
    {"optional", 4, PK_BOOL, 0, -1},
};
static const struct pfield pf_ExecAction[] = {
    {"command", 1, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_HTTPGetAction[] = {
    {"path", 1, PK_STRING, PF_ALWAYS, -1},   {"port", 2, PK_INTSTR, PF_ALWAYS, -1},
    {"host", 3, PK_STRING, PF_ALWAYS, -1},   {"scheme", 4, PK_STRING, PF_ALWAYS, -1},
    {"httpHeaders", 5, PK_MSG, PF_REP, 160}, {"protocol", 6, PK_STRING, 0, -1},
};
static const struct pfield pf_TCPSocketAction[] = {
    {"port", 1, PK_INTSTR, PF_ALWAYS, -1},
    {"host", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_GRPCAction[] = {
    {"port", 1, PK_INT32, PF_ALWAYS, -1},
    {"service", 2, PK_STRING, 0, -1},
    {"mode", 3, PK_STRING, 0, -1},
};
static const struct pfield pf_SleepAction[] = {
    {"seconds", 1, PK_INT64, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeSelectorTerm[] = {
    {"matchExpressions", 1, PK_MSG, PF_REP, 161},
    {"matchFields", 2, PK_MSG, PF_REP, 161},
};
static const struct pfield pf_ImageVolumeStatus[] = {
    {"imageRef", 1, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_SecretProjection[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19},
    {"items", 2, PK_MSG, PF_REP, 137},
    {"optional", 4, PK_BOOL, 0, -1},
};
static const struct pfield pf_DownwardAPIProjection[] = {
    {"items", 1, PK_MSG, PF_REP, 138},
};
static const struct pfield pf_ConfigMapProjection[] = {
    {"", 1, PK_MSG, PF_ALWAYS | PF_INLINE, 19},
    {"items", 2, PK_MSG, PF_REP, 137},
    {"optional", 4, PK_BOOL, 0, -1},
};
static const struct pfield pf_ServiceAccountTokenProjection[] = {
    {"audience", 1, PK_STRING, PF_ALWAYS, -1},
    {"expirationSeconds", 2, PK_INT64, 0, -1},
    {"path", 3, PK_STRING, PF_ALWAYS, -1},
    {"user", 4, PK_INT64, 0, -1},
};
static const struct pfield pf_ClusterTrustBundleProjection[] = {
    {"name", 1, PK_STRING, 0, -1},       {"signerName", 2, PK_STRING, 0, -1},
    {"labelSelector", 3, PK_MSG, 0, 75}, {"path", 4, PK_STRING, PF_ALWAYS, -1},
    {"optional", 5, PK_BOOL, 0, -1},     {"user", 6, PK_INT64, 0, -1},
};
static const struct pfield pf_PodCertificateProjection[] = {
    {"signerName", 1, PK_STRING, PF_ALWAYS, -1},
    {"keyType", 2, PK_STRING, PF_ALWAYS, -1},
    {"maxExpirationSeconds", 3, PK_INT32, 0, -1},
    {"credentialBundlePath", 4, PK_STRING, PF_ALWAYS, -1},
    {"keyPath", 5, PK_STRING, PF_ALWAYS, -1},
    {"certificateChainPath", 6, PK_STRING, PF_ALWAYS, -1},
    {"userAnnotations", 7, PK_STRING, PF_MAP, -1},
    {"user", 8, PK_INT64, 0, -1},
};
static const struct pfield pf_PersistentVolumeClaimSpec[] = {
    {"accessModes", 1, PK_STRING, PF_REP, -1},
    {"resources", 2, PK_MSG, PF_ALWAYS, 162},
    {"volumeName", 3, PK_STRING, PF_ALWAYS, -1},
    {"selector", 4, PK_MSG, 0, 75},
    {"storageClassName", 5, PK_STRING, 0, -1},
    {"volumeMode", 6, PK_STRING, 0, -1},
    {"dataSource", 7, PK_MSG, 0, 163},
    {"dataSourceRef", 8, PK_MSG, 0, 164},
    {"volumeAttributesClassName", 9, PK_STRING, 0, -1},
};
static const struct pfield pf_HTTPHeader[] = {
    {"name", 1, PK_STRING, PF_ALWAYS, -1},
    {"value", 2, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_NodeSelectorRequirement[] = {
    {"key", 1, PK_STRING, PF_ALWAYS, -1},
    {"operator", 2, PK_STRING, PF_ALWAYS, -1},
    {"values", 3, PK_STRING, PF_REP, -1},
};
static const struct pfield pf_VolumeResourceRequirements[] = {
    {"limits", 1, PK_QUANTITY, PF_MAP, -1},
    {"requests", 2, PK_QUANTITY, PF_MAP, -1},
};
static const struct pfield pf_TypedLocalObjectReference[] = {
    {"apiGroup", 1, PK_STRING, 0, -1},
    {"kind", 2, PK_STRING, PF_ALWAYS, -1},
    {"name", 3, PK_STRING, PF_ALWAYS, -1},
};
static const struct pfield pf_TypedObjectReference[] = {
    {"apiGroup", 1, PK_STRING, 0, -1},
    {"kind", 2, PK_STRING, PF_ALWAYS, -1},
    {"name", 3, PK_STRING, PF_ALWAYS, -1},
    {"namespace", 4, PK_STRING, 0, -1},
};
static const struct pmsg pmsgs[] = {
    {"Pod", pf_Pod, sizeof pf_Pod / sizeof pf_Pod[0], true},
    {"Node", pf_Node, sizeof pf_Node / sizeof pf_Node[0], true},
    {"PodList", pf_PodList, sizeof pf_PodList / sizeof pf_PodList[0], true},
    {"NodeList", pf_NodeList, sizeof pf_NodeList / sizeof pf_NodeList[0], true},
    {"Status", pf_Status, sizeof pf_Status / sizeof pf_Status[0], true},
    {"WatchEvent", pf_WatchEvent, sizeof pf_WatchEvent / sizeof pf_WatchEvent[0], false},
    {"ObjectMeta", pf_ObjectMeta, sizeof pf_ObjectMeta / sizeof pf_ObjectMeta[0], false},
    {"PodSpec", pf_PodSpec, sizeof pf_PodSpec / sizeof pf_PodSpec[0], false},
    {"PodStatus", pf_PodStatus, sizeof pf_PodStatus / sizeof pf_PodStatus[0], false},
    {"NodeSpec", pf_NodeSpec, sizeof pf_NodeSpec / sizeof pf_NodeSpec[0], false},
    {"NodeStatus", pf_NodeStatus, sizeof pf_NodeStatus / sizeof pf_NodeStatus[0], false},
    {"ListMeta", pf_ListMeta, sizeof pf_ListMeta / sizeof pf_ListMeta[0], false},
    {"StatusDetails", pf_StatusDetails, sizeof pf_StatusDetails / sizeof pf_StatusDetails[0],
     false},
    {"OwnerReference", pf_OwnerReference, sizeof pf_OwnerReference / sizeof pf_OwnerReference[0],
     false},
    {"ManagedFieldsEntry", pf_ManagedFieldsEntry,
     sizeof pf_ManagedFieldsEntry / sizeof pf_ManagedFieldsEntry[0], false},
    {"Volume", pf_Volume, sizeof pf_Volume / sizeof pf_Volume[0], false},
    {"Container", pf_Container, sizeof pf_Container / sizeof pf_Container[0], false},
    {"EphemeralContainer", pf_EphemeralContainer,
     sizeof pf_EphemeralContainer / sizeof pf_EphemeralContainer[0], false},
    {"PodSecurityContext", pf_PodSecurityContext,
     sizeof pf_PodSecurityContext / sizeof pf_PodSecurityContext[0], false},
    {"LocalObjectReference", pf_LocalObjectReference,
     sizeof pf_LocalObjectReference / sizeof pf_LocalObjectReference[0], false},
    {"Affinity", pf_Affinity, sizeof pf_Affinity / sizeof pf_Affinity[0], false},
    {"Toleration", pf_Toleration, sizeof pf_Toleration / sizeof pf_Toleration[0], false},
    {"HostAlias", pf_HostAlias, sizeof pf_HostAlias / sizeof pf_HostAlias[0], false},
    {"PodDNSConfig", pf_PodDNSConfig, sizeof pf_PodDNSConfig / sizeof pf_PodDNSConfig[0], false},
    {"PodReadinessGate", pf_PodReadinessGate,
     sizeof pf_PodReadinessGate / sizeof pf_PodReadinessGate[0], false},
    {"TopologySpreadConstraint", pf_TopologySpreadConstraint,
     sizeof pf_TopologySpreadConstraint / sizeof pf_TopologySpreadConstraint[0], false},
    {"PodOS", pf_PodOS, sizeof pf_PodOS / sizeof pf_PodOS[0], false},
    {"PodSchedulingGate", pf_PodSchedulingGate,
     sizeof pf_PodSchedulingGate / sizeof pf_PodSchedulingGate[0], false},
    {"PodResourceClaim", pf_PodResourceClaim,
     sizeof pf_PodResourceClaim / sizeof pf_PodResourceClaim[0], false},
    {"ResourceRequirements", pf_ResourceRequirements,
     sizeof pf_ResourceRequirements / sizeof pf_ResourceRequirements[0], false},
    {"PodSchedulingGroup", pf_PodSchedulingGroup,
     sizeof pf_PodSchedulingGroup / sizeof pf_PodSchedulingGroup[0], false},
    {"EvictionResponder", pf_EvictionResponder,
     sizeof pf_EvictionResponder / sizeof pf_EvictionResponder[0], false},
    {"PodCondition", pf_PodCondition, sizeof pf_PodCondition / sizeof pf_PodCondition[0], false},
    {"HostIP", pf_HostIP, sizeof pf_HostIP / sizeof pf_HostIP[0], false},
    {"PodIP", pf_PodIP, sizeof pf_PodIP / sizeof pf_PodIP[0], false},
    {"ContainerStatus", pf_ContainerStatus,
     sizeof pf_ContainerStatus / sizeof pf_ContainerStatus[0], false},
    {"PodResourceClaimStatus", pf_PodResourceClaimStatus,
     sizeof pf_PodResourceClaimStatus / sizeof pf_PodResourceClaimStatus[0], false},
    {"PodExtendedResourceClaimStatus", pf_PodExtendedResourceClaimStatus,
     sizeof pf_PodExtendedResourceClaimStatus / sizeof pf_PodExtendedResourceClaimStatus[0], false},
    {"NodeAllocatableResourceClaimStatus", pf_NodeAllocatableResourceClaimStatus,
     sizeof pf_NodeAllocatableResourceClaimStatus / sizeof pf_NodeAllocatableResourceClaimStatus[0],
     false},
    {"PodVolumeHealth", pf_PodVolumeHealth,
     sizeof pf_PodVolumeHealth / sizeof pf_PodVolumeHealth[0], false},
    {"Taint", pf_Taint, sizeof pf_Taint / sizeof pf_Taint[0], false},
    {"NodeConfigSource", pf_NodeConfigSource,
     sizeof pf_NodeConfigSource / sizeof pf_NodeConfigSource[0], false},
    {"NodePodPreemptionPolicy", pf_NodePodPreemptionPolicy,
     sizeof pf_NodePodPreemptionPolicy / sizeof pf_NodePodPreemptionPolicy[0], false},
    {"NodeCondition", pf_NodeCondition, sizeof pf_NodeCondition / sizeof pf_NodeCondition[0],
     false},
    {"NodeAddress", pf_NodeAddress, sizeof pf_NodeAddress / sizeof pf_NodeAddress[0], false},
    {"NodeDaemonEndpoints", pf_NodeDaemonEndpoints,
     sizeof pf_NodeDaemonEndpoints / sizeof pf_NodeDaemonEndpoints[0], false},
    {"NodeSystemInfo", pf_NodeSystemInfo, sizeof pf_NodeSystemInfo / sizeof pf_NodeSystemInfo[0],
     false},
    {"ContainerImage", pf_ContainerImage, sizeof pf_ContainerImage / sizeof pf_ContainerImage[0],
     false},
    {"AttachedVolume", pf_AttachedVolume, sizeof pf_AttachedVolume / sizeof pf_AttachedVolume[0],
     false},
    {"NodeConfigStatus", pf_NodeConfigStatus,
     sizeof pf_NodeConfigStatus / sizeof pf_NodeConfigStatus[0], false},
    {"NodeRuntimeHandler", pf_NodeRuntimeHandler,
     sizeof pf_NodeRuntimeHandler / sizeof pf_NodeRuntimeHandler[0], false},
    {"NodeFeatures", pf_NodeFeatures, sizeof pf_NodeFeatures / sizeof pf_NodeFeatures[0], false},
    {"ShardInfo", pf_ShardInfo, sizeof pf_ShardInfo / sizeof pf_ShardInfo[0], false},
    {"StatusCause", pf_StatusCause, sizeof pf_StatusCause / sizeof pf_StatusCause[0], false},
    {"VolumeSource", pf_VolumeSource, sizeof pf_VolumeSource / sizeof pf_VolumeSource[0], false},
    {"ContainerPort", pf_ContainerPort, sizeof pf_ContainerPort / sizeof pf_ContainerPort[0],
     false},
    {"EnvFromSource", pf_EnvFromSource, sizeof pf_EnvFromSource / sizeof pf_EnvFromSource[0],
     false},
    {"EnvVar", pf_EnvVar, sizeof pf_EnvVar / sizeof pf_EnvVar[0], false},
    {"ContainerResizePolicy", pf_ContainerResizePolicy,
     sizeof pf_ContainerResizePolicy / sizeof pf_ContainerResizePolicy[0], false},
    {"ContainerRestartRule", pf_ContainerRestartRule,
     sizeof pf_ContainerRestartRule / sizeof pf_ContainerRestartRule[0], false},
    {"VolumeMount", pf_VolumeMount, sizeof pf_VolumeMount / sizeof pf_VolumeMount[0], false},
    {"VolumeDevice", pf_VolumeDevice, sizeof pf_VolumeDevice / sizeof pf_VolumeDevice[0], false},
    {"Probe", pf_Probe, sizeof pf_Probe / sizeof pf_Probe[0], false},
    {"Lifecycle", pf_Lifecycle, sizeof pf_Lifecycle / sizeof pf_Lifecycle[0], false},
    {"SecurityContext", pf_SecurityContext,
     sizeof pf_SecurityContext / sizeof pf_SecurityContext[0], false},
    {"EphemeralContainerCommon", pf_EphemeralContainerCommon,
     sizeof pf_EphemeralContainerCommon / sizeof pf_EphemeralContainerCommon[0], false},
    {"SELinuxOptions", pf_SELinuxOptions, sizeof pf_SELinuxOptions / sizeof pf_SELinuxOptions[0],
     false},
    {"WindowsSecurityContextOptions", pf_WindowsSecurityContextOptions,
     sizeof pf_WindowsSecurityContextOptions / sizeof pf_WindowsSecurityContextOptions[0], false},
    {"Sysctl", pf_Sysctl, sizeof pf_Sysctl / sizeof pf_Sysctl[0], false},
    {"SeccompProfile", pf_SeccompProfile, sizeof pf_SeccompProfile / sizeof pf_SeccompProfile[0],
     false},
    {"AppArmorProfile", pf_AppArmorProfile,
     sizeof pf_AppArmorProfile / sizeof pf_AppArmorProfile[0], false},
    {"NodeAffinity", pf_NodeAffinity, sizeof pf_NodeAffinity / sizeof pf_NodeAffinity[0], false},
    {"PodAffinity", pf_PodAffinity, sizeof pf_PodAffinity / sizeof pf_PodAffinity[0], false},
    {"PodAntiAffinity", pf_PodAntiAffinity,
     sizeof pf_PodAntiAffinity / sizeof pf_PodAntiAffinity[0], false},
    {"PodDNSConfigOption", pf_PodDNSConfigOption,
     sizeof pf_PodDNSConfigOption / sizeof pf_PodDNSConfigOption[0], false},
    {"LabelSelector", pf_LabelSelector, sizeof pf_LabelSelector / sizeof pf_LabelSelector[0],
     false},
    {"ResourceClaim", pf_ResourceClaim, sizeof pf_ResourceClaim / sizeof pf_ResourceClaim[0],
     false},
    {"ContainerState", pf_ContainerState, sizeof pf_ContainerState / sizeof pf_ContainerState[0],
     false},
    {"VolumeMountStatus", pf_VolumeMountStatus,
     sizeof pf_VolumeMountStatus / sizeof pf_VolumeMountStatus[0], false},
    {"ContainerUser", pf_ContainerUser, sizeof pf_ContainerUser / sizeof pf_ContainerUser[0],
     false},
    {"ResourceStatus", pf_ResourceStatus, sizeof pf_ResourceStatus / sizeof pf_ResourceStatus[0],
     false},
    {"ContainerExtendedResourceRequest", pf_ContainerExtendedResourceRequest,
     sizeof pf_ContainerExtendedResourceRequest / sizeof pf_ContainerExtendedResourceRequest[0],
     false},
    {"NodeAllocatableMappedResources", pf_NodeAllocatableMappedResources,
     sizeof pf_NodeAllocatableMappedResources / sizeof pf_NodeAllocatableMappedResources[0], false},
    {"NodeAllocatableOverheadResources", pf_NodeAllocatableOverheadResources,
     sizeof pf_NodeAllocatableOverheadResources / sizeof pf_NodeAllocatableOverheadResources[0],
     false},
    {"VolumeHealthCondition", pf_VolumeHealthCondition,
     sizeof pf_VolumeHealthCondition / sizeof pf_VolumeHealthCondition[0], false},
    {"ConfigMapNodeConfigSource", pf_ConfigMapNodeConfigSource,
     sizeof pf_ConfigMapNodeConfigSource / sizeof pf_ConfigMapNodeConfigSource[0], false},
    {"DaemonEndpoint", pf_DaemonEndpoint, sizeof pf_DaemonEndpoint / sizeof pf_DaemonEndpoint[0],
     false},
    {"NodeSwapStatus", pf_NodeSwapStatus, sizeof pf_NodeSwapStatus / sizeof pf_NodeSwapStatus[0],
     false},
    {"NodeRuntimeHandlerFeatures", pf_NodeRuntimeHandlerFeatures,
     sizeof pf_NodeRuntimeHandlerFeatures / sizeof pf_NodeRuntimeHandlerFeatures[0], false},
    {"HostPathVolumeSource", pf_HostPathVolumeSource,
     sizeof pf_HostPathVolumeSource / sizeof pf_HostPathVolumeSource[0], false},
    {"EmptyDirVolumeSource", pf_EmptyDirVolumeSource,
     sizeof pf_EmptyDirVolumeSource / sizeof pf_EmptyDirVolumeSource[0], false},
    {"GCEPersistentDiskVolumeSource", pf_GCEPersistentDiskVolumeSource,
     sizeof pf_GCEPersistentDiskVolumeSource / sizeof pf_GCEPersistentDiskVolumeSource[0], false},
    {"AWSElasticBlockStoreVolumeSource", pf_AWSElasticBlockStoreVolumeSource,
     sizeof pf_AWSElasticBlockStoreVolumeSource / sizeof pf_AWSElasticBlockStoreVolumeSource[0],
     false},
    {"GitRepoVolumeSource", pf_GitRepoVolumeSource,
     sizeof pf_GitRepoVolumeSource / sizeof pf_GitRepoVolumeSource[0], false},
    {"SecretVolumeSource", pf_SecretVolumeSource,
     sizeof pf_SecretVolumeSource / sizeof pf_SecretVolumeSource[0], false},
    {"NFSVolumeSource", pf_NFSVolumeSource,
     sizeof pf_NFSVolumeSource / sizeof pf_NFSVolumeSource[0], false},
    {"ISCSIVolumeSource", pf_ISCSIVolumeSource,
     sizeof pf_ISCSIVolumeSource / sizeof pf_ISCSIVolumeSource[0], false},
    {"GlusterfsVolumeSource", pf_GlusterfsVolumeSource,
     sizeof pf_GlusterfsVolumeSource / sizeof pf_GlusterfsVolumeSource[0], false},
    {"PersistentVolumeClaimVolumeSource", pf_PersistentVolumeClaimVolumeSource,
     sizeof pf_PersistentVolumeClaimVolumeSource / sizeof pf_PersistentVolumeClaimVolumeSource[0],
     false},
    {"RBDVolumeSource", pf_RBDVolumeSource,
     sizeof pf_RBDVolumeSource / sizeof pf_RBDVolumeSource[0], false},
    {"FlexVolumeSource", pf_FlexVolumeSource,
     sizeof pf_FlexVolumeSource / sizeof pf_FlexVolumeSource[0], false},
    {"CinderVolumeSource", pf_CinderVolumeSource,
     sizeof pf_CinderVolumeSource / sizeof pf_CinderVolumeSource[0], false},
    {"CephFSVolumeSource", pf_CephFSVolumeSource,
     sizeof pf_CephFSVolumeSource / sizeof pf_CephFSVolumeSource[0], false},
    {"FlockerVolumeSource", pf_FlockerVolumeSource,
     sizeof pf_FlockerVolumeSource / sizeof pf_FlockerVolumeSource[0], false},
    {"DownwardAPIVolumeSource", pf_DownwardAPIVolumeSource,
     sizeof pf_DownwardAPIVolumeSource / sizeof pf_DownwardAPIVolumeSource[0], false},
    {"FCVolumeSource", pf_FCVolumeSource, sizeof pf_FCVolumeSource / sizeof pf_FCVolumeSource[0],
     false},
    {"AzureFileVolumeSource", pf_AzureFileVolumeSource,
     sizeof pf_AzureFileVolumeSource / sizeof pf_AzureFileVolumeSource[0], false},
    {"ConfigMapVolumeSource", pf_ConfigMapVolumeSource,
     sizeof pf_ConfigMapVolumeSource / sizeof pf_ConfigMapVolumeSource[0], false},
    {"VsphereVirtualDiskVolumeSource", pf_VsphereVirtualDiskVolumeSource,
     sizeof pf_VsphereVirtualDiskVolumeSource / sizeof pf_VsphereVirtualDiskVolumeSource[0], false},
    {"QuobyteVolumeSource", pf_QuobyteVolumeSource,
     sizeof pf_QuobyteVolumeSource / sizeof pf_QuobyteVolumeSource[0], false},
    {"AzureDiskVolumeSource", pf_AzureDiskVolumeSource,
     sizeof pf_AzureDiskVolumeSource / sizeof pf_AzureDiskVolumeSource[0], false},
    {"PhotonPersistentDiskVolumeSource", pf_PhotonPersistentDiskVolumeSource,
     sizeof pf_PhotonPersistentDiskVolumeSource / sizeof pf_PhotonPersistentDiskVolumeSource[0],
     false},
    {"ProjectedVolumeSource", pf_ProjectedVolumeSource,
     sizeof pf_ProjectedVolumeSource / sizeof pf_ProjectedVolumeSource[0], false},
    {"PortworxVolumeSource", pf_PortworxVolumeSource,
     sizeof pf_PortworxVolumeSource / sizeof pf_PortworxVolumeSource[0], false},
    {"ScaleIOVolumeSource", pf_ScaleIOVolumeSource,
     sizeof pf_ScaleIOVolumeSource / sizeof pf_ScaleIOVolumeSource[0], false},
    {"StorageOSVolumeSource", pf_StorageOSVolumeSource,
     sizeof pf_StorageOSVolumeSource / sizeof pf_StorageOSVolumeSource[0], false},
    {"CSIVolumeSource", pf_CSIVolumeSource,
     sizeof pf_CSIVolumeSource / sizeof pf_CSIVolumeSource[0], false},
    {"EphemeralVolumeSource", pf_EphemeralVolumeSource,
     sizeof pf_EphemeralVolumeSource / sizeof pf_EphemeralVolumeSource[0], false},
    {"ImageVolumeSource", pf_ImageVolumeSource,
     sizeof pf_ImageVolumeSource / sizeof pf_ImageVolumeSource[0], false},
    {"ConfigMapEnvSource", pf_ConfigMapEnvSource,
     sizeof pf_ConfigMapEnvSource / sizeof pf_ConfigMapEnvSource[0], false},
    {"SecretEnvSource", pf_SecretEnvSource,
     sizeof pf_SecretEnvSource / sizeof pf_SecretEnvSource[0], false},
    {"EnvVarSource", pf_EnvVarSource, sizeof pf_EnvVarSource / sizeof pf_EnvVarSource[0], false},
    {"ContainerRestartRuleOnExitCodes", pf_ContainerRestartRuleOnExitCodes,
     sizeof pf_ContainerRestartRuleOnExitCodes / sizeof pf_ContainerRestartRuleOnExitCodes[0],
     false},
    {"ProbeHandler", pf_ProbeHandler, sizeof pf_ProbeHandler / sizeof pf_ProbeHandler[0], false},
    {"LifecycleHandler", pf_LifecycleHandler,
     sizeof pf_LifecycleHandler / sizeof pf_LifecycleHandler[0], false},
    {"Capabilities", pf_Capabilities, sizeof pf_Capabilities / sizeof pf_Capabilities[0], false},
    {"NodeSelector", pf_NodeSelector, sizeof pf_NodeSelector / sizeof pf_NodeSelector[0], false},
    {"PreferredSchedulingTerm", pf_PreferredSchedulingTerm,
     sizeof pf_PreferredSchedulingTerm / sizeof pf_PreferredSchedulingTerm[0], false},
    {"PodAffinityTerm", pf_PodAffinityTerm,
     sizeof pf_PodAffinityTerm / sizeof pf_PodAffinityTerm[0], false},
    {"WeightedPodAffinityTerm", pf_WeightedPodAffinityTerm,
     sizeof pf_WeightedPodAffinityTerm / sizeof pf_WeightedPodAffinityTerm[0], false},
    {"LabelSelectorRequirement", pf_LabelSelectorRequirement,
     sizeof pf_LabelSelectorRequirement / sizeof pf_LabelSelectorRequirement[0], false},
    {"ContainerStateWaiting", pf_ContainerStateWaiting,
     sizeof pf_ContainerStateWaiting / sizeof pf_ContainerStateWaiting[0], false},
    {"ContainerStateRunning", pf_ContainerStateRunning,
     sizeof pf_ContainerStateRunning / sizeof pf_ContainerStateRunning[0], false},
    {"ContainerStateTerminated", pf_ContainerStateTerminated,
     sizeof pf_ContainerStateTerminated / sizeof pf_ContainerStateTerminated[0], false},
    {"VolumeStatus", pf_VolumeStatus, sizeof pf_VolumeStatus / sizeof pf_VolumeStatus[0], false},
    {"LinuxContainerUser", pf_LinuxContainerUser,
     sizeof pf_LinuxContainerUser / sizeof pf_LinuxContainerUser[0], false},
    {"ResourceHealth", pf_ResourceHealth, sizeof pf_ResourceHealth / sizeof pf_ResourceHealth[0],
     false},
    {"KeyToPath", pf_KeyToPath, sizeof pf_KeyToPath / sizeof pf_KeyToPath[0], false},
    {"DownwardAPIVolumeFile", pf_DownwardAPIVolumeFile,
     sizeof pf_DownwardAPIVolumeFile / sizeof pf_DownwardAPIVolumeFile[0], false},
    {"VolumeProjection", pf_VolumeProjection,
     sizeof pf_VolumeProjection / sizeof pf_VolumeProjection[0], false},
    {"PersistentVolumeClaimTemplate", pf_PersistentVolumeClaimTemplate,
     sizeof pf_PersistentVolumeClaimTemplate / sizeof pf_PersistentVolumeClaimTemplate[0], false},
    {"ObjectFieldSelector", pf_ObjectFieldSelector,
     sizeof pf_ObjectFieldSelector / sizeof pf_ObjectFieldSelector[0], false},
    {"ResourceFieldSelector", pf_ResourceFieldSelector,
     sizeof pf_ResourceFieldSelector / sizeof pf_ResourceFieldSelector[0], false},
    {"ConfigMapKeySelector", pf_ConfigMapKeySelector,
     sizeof pf_ConfigMapKeySelector / sizeof pf_ConfigMapKeySelector[0], false},
    {"SecretKeySelector", pf_SecretKeySelector,
     sizeof pf_SecretKeySelector / sizeof pf_SecretKeySelector[0], false},
    {"FileKeySelector", pf_FileKeySelector,
     sizeof pf_FileKeySelector / sizeof pf_FileKeySelector[0], false},
    {"ExecAction", pf_ExecAction, sizeof pf_ExecAction / sizeof pf_ExecAction[0], false},
    {"HTTPGetAction", pf_HTTPGetAction, sizeof pf_HTTPGetAction / sizeof pf_HTTPGetAction[0],
     false},
    {"TCPSocketAction", pf_TCPSocketAction,
     sizeof pf_TCPSocketAction / sizeof pf_TCPSocketAction[0], false},
    {"GRPCAction", pf_GRPCAction, sizeof pf_GRPCAction / sizeof pf_GRPCAction[0], false},
    {"SleepAction", pf_SleepAction, sizeof pf_SleepAction / sizeof pf_SleepAction[0], false},
    {"NodeSelectorTerm", pf_NodeSelectorTerm,
     sizeof pf_NodeSelectorTerm / sizeof pf_NodeSelectorTerm[0], false},
    {"ImageVolumeStatus", pf_ImageVolumeStatus,
     sizeof pf_ImageVolumeStatus / sizeof pf_ImageVolumeStatus[0], false},
    {"SecretProjection", pf_SecretProjection,
     sizeof pf_SecretProjection / sizeof pf_SecretProjection[0], false},
    {"DownwardAPIProjection", pf_DownwardAPIProjection,
     sizeof pf_DownwardAPIProjection / sizeof pf_DownwardAPIProjection[0], false},
    {"ConfigMapProjection", pf_ConfigMapProjection,
     sizeof pf_ConfigMapProjection / sizeof pf_ConfigMapProjection[0], false},
    {"ServiceAccountTokenProjection", pf_ServiceAccountTokenProjection,
     sizeof pf_ServiceAccountTokenProjection / sizeof pf_ServiceAccountTokenProjection[0], false},
    {"ClusterTrustBundleProjection", pf_ClusterTrustBundleProjection,
     sizeof pf_ClusterTrustBundleProjection / sizeof pf_ClusterTrustBundleProjection[0], false},
    {"PodCertificateProjection", pf_PodCertificateProjection,
     sizeof pf_PodCertificateProjection / sizeof pf_PodCertificateProjection[0], false},
    {"PersistentVolumeClaimSpec", pf_PersistentVolumeClaimSpec,
     sizeof pf_PersistentVolumeClaimSpec / sizeof pf_PersistentVolumeClaimSpec[0], false},
    {"HTTPHeader", pf_HTTPHeader, sizeof pf_HTTPHeader / sizeof pf_HTTPHeader[0], false},
    {"NodeSelectorRequirement", pf_NodeSelectorRequirement,
     sizeof pf_NodeSelectorRequirement / sizeof pf_NodeSelectorRequirement[0], false},
    {"VolumeResourceRequirements", pf_VolumeResourceRequirements,
     sizeof pf_VolumeResourceRequirements / sizeof pf_VolumeResourceRequirements[0], false},
    {"TypedLocalObjectReference", pf_TypedLocalObjectReference,
     sizeof pf_TypedLocalObjectReference / sizeof pf_TypedLocalObjectReference[0], false},
    {"TypedObjectReference", pf_TypedObjectReference,
     sizeof pf_TypedObjectReference / sizeof pf_TypedObjectReference[0], false},
};

#define NMSGS (sizeof pmsgs / sizeof pmsgs[0])

/* ---- byte buffer and wire helpers ---- */

void k8s_pbuf_reserve(struct k8s_pbuf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void k8s_pbuf_add(struct k8s_pbuf *b, const void *data, size_t n)
{
    if (!n)
        return;
    k8s_pbuf_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

size_t k8s_proto_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

void k8s_pbuf_varint(struct k8s_pbuf *b, uint64_t v)
{
    k8s_pbuf_reserve(b, 10);
    b->len += put_varint(b->p + b->len, v);
}

static void put_tag(struct k8s_pbuf *b, unsigned field, unsigned wire)
{
    k8s_pbuf_varint(b, ((uint64_t)field << 3) | wire);
}

void k8s_pbuf_bytes_field(struct k8s_pbuf *b, unsigned field, const void *data, size_t n)
{
    put_tag(b, field, 2);
    k8s_pbuf_varint(b, n);
    k8s_pbuf_add(b, data, n);
}

void k8s_pbuf_varint_field(struct k8s_pbuf *b, unsigned field, uint64_t v)
{
    put_tag(b, field, 0);
    k8s_pbuf_varint(b, v);
}

void k8s_pbuf_fini(struct k8s_pbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

size_t k8s_proto_varint_read(const unsigned char *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* A length-delimited value being written: call len_open after the tag, write the content, then
 * len_close, which writes the length in front of it (moving the content when it needs more than
 * the one byte kept for it). */
static size_t len_open(struct k8s_pbuf *b)
{
    k8s_pbuf_reserve(b, 1);
    b->len++;
    return b->len;
}

static void len_close(struct k8s_pbuf *b, size_t start)
{
    size_t n = b->len - start;
    size_t vl = k8s_proto_varint_len(n);
    if (vl > 1) {
        k8s_pbuf_reserve(b, vl - 1);
        memmove(b->p + start + vl - 1, b->p + start, n);
        b->len += vl - 1;
    }
    put_varint(b->p + start - 1, n);
}

void k8s_proto_envelope_head(struct k8s_pbuf *out, const char *api_version, const char *kind,
                             size_t rawlen)
{
    k8s_pbuf_add(out, K8S_PROTO_MAGIC, K8S_PROTO_MAGIC_LEN);
    size_t av = strlen(api_version), kl = strlen(kind);
    put_tag(out, 1, 2); /* typeMeta */
    k8s_pbuf_varint(out, 1 + k8s_proto_varint_len(av) + av + 1 + k8s_proto_varint_len(kl) + kl);
    k8s_pbuf_bytes_field(out, 1, api_version, av);
    k8s_pbuf_bytes_field(out, 2, kind, kl);
    put_tag(out, 2, 2); /* raw */
    k8s_pbuf_varint(out, rawlen);
}

void k8s_proto_envelope(struct k8s_pbuf *out, const char *api_version, const char *kind,
                        const unsigned char *raw, size_t rawlen)
{
    k8s_proto_envelope_head(out, api_version, kind, rawlen);
    k8s_pbuf_add(out, raw, rawlen);
    k8s_pbuf_add(out, K8S_PROTO_ENVELOPE_TAIL, K8S_PROTO_ENVELOPE_TAIL_LEN); /* contentEncoding,
                                                                                contentType */
}

/* ---- zero values of every message (what gogo writes for an all-zero Go struct) ---- */

static struct k8s_pbuf zero_msg[NMSGS];
static pthread_once_t zero_once = PTHREAD_ONCE_INIT;

static void zero_field(struct k8s_pbuf *b, const struct pfield *f);

static void zero_build(size_t mi)
{
    if (zero_msg[mi].p)
        return;
    struct k8s_pbuf b = {0};
    k8s_pbuf_reserve(&b, 1); /* p != NULL marks it built, even when empty */
    const struct pmsg *m = &pmsgs[mi];
    for (size_t i = 0; i < m->n; i++)
        if (m->fields[i].flags & PF_ALWAYS)
            zero_field(&b, &m->fields[i]);
    zero_msg[mi] = b;
}

static void zero_field(struct k8s_pbuf *b, const struct pfield *f)
{
    static const unsigned char zero8[8];
    switch (f->kind) {
    case PK_STRING:
    case PK_BYTES:
    case PK_TIME:
    case PK_MICROTIME:
    case PK_FIELDSV1:
    case PK_RAWEXT:
        k8s_pbuf_bytes_field(b, f->num, "", 0);
        break;
    case PK_INT32:
    case PK_INT64:
    case PK_UINT32:
    case PK_UINT64:
    case PK_BOOL:
        k8s_pbuf_varint_field(b, f->num, 0);
        break;
    case PK_DOUBLE:
        put_tag(b, f->num, 1);
        k8s_pbuf_add(b, zero8, 8);
        break;
    case PK_FLOAT:
        put_tag(b, f->num, 5);
        k8s_pbuf_add(b, zero8, 4);
        break;
    case PK_DURATION:
        k8s_pbuf_bytes_field(b, f->num, "\x08\x00", 2);
        break;
    case PK_QUANTITY: /* a zero Quantity's String() is "0" */
        k8s_pbuf_bytes_field(b, f->num,
                             "\x0a\x01"
                             "0",
                             3);
        break;
    case PK_INTSTR:
        k8s_pbuf_bytes_field(b, f->num, "\x08\x00\x10\x00\x1a\x00", 6);
        break;
    case PK_MSG:
        zero_build((size_t)f->msg);
        k8s_pbuf_bytes_field(b, f->num, zero_msg[f->msg].p, zero_msg[f->msg].len);
        break;
    }
}

/* Each thread keeps its working buffers between calls (a simulator renders 300,000 objects at
 * start; fresh buffers each time cost more than the transcoding). */
static pthread_key_t work_key;

static void work_free(void *p);

static void zero_init(void)
{
    for (size_t i = 0; i < NMSGS; i++)
        zero_build(i);
    if (pthread_key_create(&work_key, work_free) != 0)
        abort();
}

/* ---- the transcoder ---- */

struct chunk {
    size_t slot; /* field index, or inline base + index in the inline message */
    size_t off, len;
};

struct ctx {
    const char *p, *end;
    struct k8s_pbuf *out;
    struct k8s_pbuf scratch; /* one object's fields put in order */
    struct k8s_pbuf tmp;     /* decoded strings (map keys, base64, times) */
    struct chunk *ch;        /* chunks of the objects being transcoded (a stack) */
    size_t nch, capch;
    ptrdiff_t *slots; /* per object: chunk index of each field, -1 (a stack) */
    size_t nslots, capslots;
    char msg[200];  /* what went wrong */
    char path[400]; /* where, built while unwinding */
};

static int fail(struct ctx *c, const char *fmt, const char *arg)
{
    snprintf(c->msg, sizeof c->msg, fmt, arg);
    return -1;
}

/* Puts seg in front of the error path ("." between names, none before "["). */
static void path_prepend(struct ctx *c, const char *seg, size_t n)
{
    size_t have = strlen(c->path);
    bool dot = have && c->path[0] != '[';
    size_t add = n + (dot ? 1 : 0);
    if (have + add + 1 > sizeof c->path)
        return;
    memmove(c->path + add, c->path, have + 1);
    memcpy(c->path, seg, n);
    if (dot)
        c->path[n] = '.';
}

static void ws(struct ctx *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static bool eat(struct ctx *c, char ch)
{
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool at_null(struct ctx *c)
{
    ws(c);
    if (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) {
        c->p += 4;
        return true;
    }
    return false;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = text_hex_digit(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static void put_utf8(struct k8s_pbuf *b, unsigned cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    k8s_pbuf_add(b, u, n);
}

/* Decodes the JSON string at c->p (escapes resolved, as Go's decoder does: a lone surrogate
 * becomes U+FFFD) and appends its bytes to dst. */
static int str_into(struct ctx *c, struct k8s_pbuf *dst)
{
    ws(c);
    if (c->p >= c->end || *c->p != '"')
        return fail(c, "expected a string%s", "");
    c->p++;
    for (;;) {
        const char *s = c->p;
        while (c->p < c->end && *c->p != '"' && *c->p != '\\' && (unsigned char)*c->p >= 0x20)
            c->p++;
        k8s_pbuf_add(dst, s, (size_t)(c->p - s));
        if (c->p >= c->end)
            return fail(c, "unterminated string%s", "");
        char ch = *c->p++;
        if (ch == '"')
            return 0;
        if (ch != '\\')
            return fail(c, "control character in a string%s", "");
        if (c->p >= c->end)
            return fail(c, "unterminated string%s", "");
        char e = *c->p++;
        char one;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            one = e;
            break;
        case 'b':
            one = '\b';
            break;
        case 'f':
            one = '\f';
            break;
        case 'n':
            one = '\n';
            break;
        case 'r':
            one = '\r';
            break;
        case 't':
            one = '\t';
            break;
        case 'u': {
            if (c->end - c->p < 4 || hex4(c->p) < 0)
                return fail(c, "bad \\u escape%s", "");
            unsigned cp = (unsigned)hex4(c->p);
            c->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {
                int lo =
                    c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u' ? hex4(c->p + 2) : -1;
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
                    c->p += 6;
                } else {
                    cp = 0xfffd;
                }
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                cp = 0xfffd;
            }
            put_utf8(dst, cp);
            continue;
        }
        default:
            return fail(c, "bad escape in a string%s", "");
        }
        k8s_pbuf_add(dst, &one, 1);
    }
}

/* Skips any JSON value. */
static int skip_value(struct ctx *c, int depth)
{
    ws(c);
    if (c->p >= c->end)
        return fail(c, "unexpected end of JSON%s", "");
    if (depth > 200)
        return fail(c, "JSON nested too deep%s", "");
    char ch = *c->p;
    if (ch == '"') {
        c->p++;
        while (c->p < c->end && *c->p != '"') {
            if (*c->p == '\\')
                c->p++;
            c->p++;
        }
        if (c->p >= c->end)
            return fail(c, "unterminated string%s", "");
        c->p++;
        return 0;
    }
    if (ch == '{' || ch == '[') {
        char close = ch == '{' ? '}' : ']';
        c->p++;
        if (eat(c, close))
            return 0;
        for (;;) {
            if (ch == '{') {
                ws(c);
                if (skip_value(c, depth + 1) < 0)
                    return -1;
                if (!eat(c, ':'))
                    return fail(c, "expected ':'%s", "");
            }
            if (skip_value(c, depth + 1) < 0)
                return -1;
            if (eat(c, close))
                return 0;
            if (!eat(c, ','))
                return fail(c, "expected ',' or the end of a %s", ch == '{' ? "object" : "array");
        }
    }
    const char *s = c->p;
    while (c->p < c->end && (strchr("+-.eE", *c->p) || (*c->p >= '0' && *c->p <= '9') ||
                             (*c->p >= 'a' && *c->p <= 'z')))
        c->p++;
    if (c->p == s)
        return fail(c, "unexpected character in JSON%s", "");
    return 0;
}

/* Appends the JSON value at c->p with the whitespace between tokens removed (strings kept as
 * written), as Go's json.Compact does for FieldsV1 and RawExtension. */
static int compact_into(struct ctx *c, struct k8s_pbuf *dst)
{
    ws(c);
    const char *s = c->p;
    if (skip_value(c, 0) < 0)
        return -1;
    const char *e = c->p;
    k8s_pbuf_reserve(dst, (size_t)(e - s));
    bool in_str = false;
    for (const char *q = s; q < e; q++) {
        char ch = *q;
        if (in_str) {
            dst->p[dst->len++] = (unsigned char)ch;
            if (ch == '\\') {
                dst->p[dst->len++] = (unsigned char)*++q;
            } else if (ch == '"') {
                in_str = false;
            }
        } else if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
            dst->p[dst->len++] = (unsigned char)ch;
            in_str = ch == '"';
        }
    }
    return 0;
}

/* The number token at c->p: its text in buf (NUL-terminated); -1 when there is none. */
static int number_token(struct ctx *c, char *buf, size_t cap, bool *integral)
{
    ws(c);
    const char *s = c->p;
    *integral = true;
    if (c->p < c->end && *c->p == '-')
        c->p++;
    const char *d = c->p;
    while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || strchr(".eE+-", *c->p))) {
        if (!(*c->p >= '0' && *c->p <= '9'))
            *integral = false;
        c->p++;
    }
    size_t n = (size_t)(c->p - s);
    if (c->p == d || n + 1 > cap || !(*d >= '0' && *d <= '9')) {
        c->p = s;
        return fail(c, "expected a number%s", "");
    }
    memcpy(buf, s, n);
    buf[n] = 0;
    return 0;
}

static int int_value(struct ctx *c, int kind, uint64_t *v)
{
    char buf[64];
    bool integral;
    if (number_token(c, buf, sizeof buf, &integral) < 0)
        return -1;
    if (!integral)
        return fail(c, "expected an integer, not %s", buf);
    char *e;
    if (kind == PK_UINT32 || kind == PK_UINT64) {
        if (buf[0] == '-')
            return fail(c, "expected an unsigned integer, not %s", buf);
        unsigned long long u = strtoull(buf, &e, 10);
        if (*e || (kind == PK_UINT32 && u > 0xffffffffULL))
            return fail(c, "integer out of range: %s", buf);
        *v = u;
        return 0;
    }
    long long x = strtoll(buf, &e, 10);
    if (*e || (kind == PK_INT32 && (x < -2147483648LL || x > 2147483647LL)) ||
        (x == LLONG_MAX && strcmp(buf, "9223372036854775807") != 0) ||
        (x == LLONG_MIN && strcmp(buf, "-9223372036854775808") != 0))
        return fail(c, "integer out of range: %s", buf);
    *v = (uint64_t)x;
    return 0;
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* RFC 3339 ("2006-01-02T15:04:05.999999999Z07:00") to seconds and nanoseconds. */
static int rfc3339(const char *s, size_t n, long long *secs, long *nanos)
{
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2),
        mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 60)
        return -1;
    size_t i = 19;
    long ns = 0;
    if (i < n && s[i] == '.') {
        i++;
        int nd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (nd < 9) {
                ns = ns * 10 + (s[i] - '0');
                nd++;
            }
            i++;
        }
        if (!nd)
            return -1;
        while (nd++ < 9)
            ns *= 10;
    }
    long off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || om < 0)
            return -1;
        off = (s[i] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
        i += 6;
    } else {
        return -1;
    }
    if (i != n)
        return -1;
    *secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nanos = ns;
    return 0;
}

/* Go's time.ParseDuration ("1h2m3.5s", "300ms", "-1.5h") to nanoseconds. */
static int go_duration(const char *s, size_t n, long long *out)
{
    static const struct {
        const char *u;
        long long ns;
    } units[] = {
        {"ns", 1},       {"us", 1000},        {"\xc2\xb5s", 1000},  {"\xce\xbcs", 1000},
        {"ms", 1000000}, {"s", 1000000000LL}, {"m", 60000000000LL}, {"h", 3600000000000LL}};
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (n - i == 1 && s[i] == '0') {
        *out = 0;
        return 0;
    }
    if (i == n)
        return -1;
    double total = 0;
    while (i < n) {
        double v = 0, scale = 1;
        bool any = false;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (s[i++] - '0');
            any = true;
        }
        if (i < n && s[i] == '.') {
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                scale /= 10;
                v += (s[i++] - '0') * scale;
                any = true;
            }
        }
        if (!any)
            return -1;
        size_t best = 0;
        long long mult = 0;
        for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
            size_t ul = strlen(units[u].u);
            if (ul > best && ul <= n - i && memcmp(s + i, units[u].u, ul) == 0) {
                best = ul;
                mult = units[u].ns;
            }
        }
        if (!best)
            return -1;
        i += best;
        total += v * (double)mult;
    }
    *out = (long long)(neg ? -total : total);
    return 0;
}

/* Standard base64 (with padding) from src into dst, as Go's []byte fields are in JSON. */
static int b64_decode(const unsigned char *src, size_t n, struct k8s_pbuf *dst)
{
    if (n % 4)
        return -1;
    if (n == 0)
        return 0;
    k8s_pbuf_reserve(dst, n / 4 * 3);
    int got = EVP_DecodeBlock(dst->p + dst->len, src, (int)n);
    if (got < 0)
        return -1;
    size_t pad = (size_t)(src[n - 1] == '=') + (size_t)(src[n - 2] == '=');
    dst->len += (size_t)got - pad;
    return 0;
}

static int obj(struct ctx *c, size_t mi, int depth);

static void work_free(void *p)
{
    struct ctx *c = p;
    k8s_pbuf_fini(&c->scratch);
    k8s_pbuf_fini(&c->tmp);
    free(c->ch);
    free(c->slots);
    free(c);
}

/* One value (not the tag) of kind k: the bytes of a length-delimited kind with their length, a
 * varint, or fixed bytes. */
static int value(struct ctx *c, const struct pfield *f, int depth)
{
    struct k8s_pbuf *o = c->out;
    switch (f->kind) {
    case PK_STRING: {
        size_t st = len_open(o);
        if (str_into(c, o) < 0)
            return -1;
        len_close(o, st);
        return 0;
    }
    case PK_BYTES: {
        c->tmp.len = 0;
        if (str_into(c, &c->tmp) < 0)
            return -1;
        size_t st = len_open(o);
        if (b64_decode(c->tmp.p, c->tmp.len, o) < 0)
            return fail(c, "expected base64%s", "");
        len_close(o, st);
        return 0;
    }
    case PK_INT32:
    case PK_INT64:
    case PK_UINT32:
    case PK_UINT64: {
        uint64_t v;
        if (int_value(c, f->kind, &v) < 0)
            return -1;
        k8s_pbuf_varint(o, v);
        return 0;
    }
    case PK_BOOL:
        ws(c);
        if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
            c->p += 4;
            k8s_pbuf_varint(o, 1);
        } else if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
            c->p += 5;
            k8s_pbuf_varint(o, 0);
        } else {
            return fail(c, "expected true or false%s", "");
        }
        return 0;
    case PK_DOUBLE:
    case PK_FLOAT: {
        char buf[64];
        bool integral;
        if (number_token(c, buf, sizeof buf, &integral) < 0)
            return -1;
        double d = strtod(buf, NULL);
        unsigned char le[8];
        if (f->kind == PK_DOUBLE) {
            uint64_t u;
            memcpy(&u, &d, 8);
            for (int i = 0; i < 8; i++)
                le[i] = (unsigned char)(u >> (8 * i));
            k8s_pbuf_add(o, le, 8);
        } else {
            float fl = (float)d;
            uint32_t u;
            memcpy(&u, &fl, 4);
            for (int i = 0; i < 4; i++)
                le[i] = (unsigned char)(u >> (8 * i));
            k8s_pbuf_add(o, le, 4);
        }
        return 0;
    }
    case PK_TIME:
    case PK_MICROTIME: {
        c->tmp.len = 0;
        if (str_into(c, &c->tmp) < 0)
            return -1;
        long long secs;
        long ns;
        k8s_pbuf_add(&c->tmp, "", 1);
        if (rfc3339((const char *)c->tmp.p, c->tmp.len - 1, &secs, &ns) < 0)
            return fail(c, "expected an RFC 3339 time, not \"%s\"", (const char *)c->tmp.p);
        /* Time keeps seconds only; MicroTime microseconds */
        ns = f->kind == PK_TIME ? 0 : ns / 1000 * 1000;
        size_t st = len_open(o);
        k8s_pbuf_varint_field(o, 1, (uint64_t)secs);
        k8s_pbuf_varint_field(o, 2, (uint64_t)(int64_t)ns);
        len_close(o, st);
        return 0;
    }
    case PK_DURATION: {
        c->tmp.len = 0;
        if (str_into(c, &c->tmp) < 0)
            return -1;
        long long ns;
        k8s_pbuf_add(&c->tmp, "", 1);
        if (go_duration((const char *)c->tmp.p, c->tmp.len - 1, &ns) < 0)
            return fail(c, "expected a duration, not \"%s\"", (const char *)c->tmp.p);
        size_t st = len_open(o);
        k8s_pbuf_varint_field(o, 1, (uint64_t)ns);
        len_close(o, st);
        return 0;
    }
    case PK_QUANTITY: {
        size_t st = len_open(o);
        put_tag(o, 1, 2);
        size_t st2 = len_open(o);
        ws(c);
        if (c->p < c->end && *c->p == '"') {
            if (str_into(c, o) < 0)
                return -1;
        } else {
            char buf[64];
            bool integral;
            if (number_token(c, buf, sizeof buf, &integral) < 0)
                return fail(c, "expected a quantity%s", "");
            k8s_pbuf_add(o, buf, strlen(buf));
        }
        len_close(o, st2);
        len_close(o, st);
        return 0;
    }
    case PK_INTSTR: {
        size_t st = len_open(o);
        ws(c);
        if (c->p < c->end && *c->p == '"') {
            k8s_pbuf_varint_field(o, 1, 1);
            k8s_pbuf_varint_field(o, 2, 0);
            put_tag(o, 3, 2);
            size_t st2 = len_open(o);
            if (str_into(c, o) < 0)
                return -1;
            len_close(o, st2);
        } else {
            uint64_t v;
            if (int_value(c, PK_INT32, &v) < 0)
                return fail(c, "expected an integer or a string%s", "");
            k8s_pbuf_varint_field(o, 1, 0);
            k8s_pbuf_varint_field(o, 2, v);
            k8s_pbuf_bytes_field(o, 3, "", 0);
        }
        len_close(o, st);
        return 0;
    }
    case PK_FIELDSV1:
    case PK_RAWEXT: {
        size_t st = len_open(o);
        put_tag(o, 1, 2);
        size_t st2 = len_open(o);
        if (compact_into(c, o) < 0)
            return -1;
        len_close(o, st2);
        len_close(o, st);
        return 0;
    }
    case PK_MSG: {
        size_t st = len_open(o);
        if (obj(c, (size_t)f->msg, depth + 1) < 0)
            return -1;
        len_close(o, st);
        return 0;
    }
    }
    return fail(c, "no type for this field%s", "");
}

static unsigned wire_type(int kind)
{
    switch (kind) {
    case PK_INT32:
    case PK_INT64:
    case PK_UINT32:
    case PK_UINT64:
    case PK_BOOL:
        return 0;
    case PK_DOUBLE:
        return 1;
    case PK_FLOAT:
        return 5;
    default:
        return 2;
    }
}

struct map_entry {
    size_t off, len;   /* the whole entry, tag included */
    size_t koff, klen; /* the key bytes */
};

static int map_entry_cmp(const struct map_entry *x, const struct map_entry *y,
                         const unsigned char *p)
{
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int r = memcmp(p + x->koff, p + y->koff, n);
    if (r)
        return r;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* A map field: every entry {1: key, 2: value}, sorted by key as gogo's marshallers sort. */
static int map_field(struct ctx *c, const struct pfield *f, int depth)
{
    struct k8s_pbuf *o = c->out;
    if (!eat(c, '{'))
        return fail(c, "expected an object%s", "");
    size_t start = o->len;
    struct map_entry *e = NULL;
    size_t n = 0, cap = 0;
    bool sorted = true;
    if (!eat(c, '}')) {
        for (;;) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                e = xreallocarray(e, cap, sizeof *e);
            }
            struct map_entry *me = &e[n];
            me->off = o->len;
            put_tag(o, f->num, 2);
            size_t st = len_open(o);
            put_tag(o, 1, 2);
            size_t kst = len_open(o);
            if (str_into(c, o) < 0) {
                free(e);
                return -1;
            }
            me->klen = o->len - kst;
            len_close(o, kst);
            me->koff = o->len - me->klen;
            if (!eat(c, ':')) {
                free(e);
                return fail(c, "expected ':'%s", "");
            }
            put_tag(o, 2, wire_type(f->kind));
            if (at_null(c)) {
                struct pfield zf = *f;
                zf.num = 2;
                o->len--; /* the tag again, from zero_field */
                zero_field(o, &zf);
            } else if (value(c, f, depth) < 0) {
                char key[160];
                size_t kl = me->klen < sizeof key - 1 ? me->klen : sizeof key - 1;
                memcpy(key, o->p + me->koff, kl);
                key[kl] = 0;
                path_prepend(c, key, kl);
                free(e);
                return -1;
            }
            len_close(o, st);
            /* the key moved if the entry's length needed more than one byte */
            me->koff = st + (k8s_proto_varint_len(o->len - st) - 1) + 2;
            me->koff += k8s_proto_varint_len(me->klen) - 1;
            me->len = o->len - me->off;
            if (n && sorted && map_entry_cmp(&e[n - 1], me, o->p) >= 0)
                sorted = false;
            n++;
            if (eat(c, '}'))
                break;
            if (!eat(c, ',')) {
                free(e);
                return fail(c, "expected ',' or '}'%s", "");
            }
        }
    }
    if (!sorted) {
        /* insertion sort: stable (maps are small), so of equal keys the later stays later */
        for (size_t i = 1; i < n; i++) {
            struct map_entry x = e[i];
            size_t j = i;
            while (j > 0 && map_entry_cmp(&e[j - 1], &x, o->p) > 0) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = x;
        }
        /* a later duplicate key wins, as in a Go map */
        struct k8s_pbuf t = {0};
        for (size_t i = 0; i < n; i++)
            if (i + 1 == n || map_entry_cmp(&e[i], &e[i + 1], o->p) != 0)
                k8s_pbuf_add(&t, o->p + e[i].off, e[i].len);
        o->len = start;
        k8s_pbuf_add(o, t.p, t.len);
        k8s_pbuf_fini(&t);
    }
    free(e);
    return 0;
}

/* The field of m named by the JSON key k (not an inline one): its index, or -1. */
static ptrdiff_t lookup(const struct pmsg *m, const char *k, size_t kl)
{
    for (size_t i = 0; i < m->n; i++) {
        const char *j = m->fields[i].json;
        if (j[0] == k[0] && strncmp(j, k, kl) == 0 && j[kl] == 0)
            return (ptrdiff_t)i;
    }
    return -1;
}

static void emit_slot(struct ctx *c, struct k8s_pbuf *sc, size_t slot, const struct pfield *f)
{
    ptrdiff_t ci = c->slots[slot];
    if (ci >= 0)
        k8s_pbuf_add(sc, c->out->p + c->ch[ci].off, c->ch[ci].len);
    else if (f->flags & PF_ALWAYS)
        zero_field(sc, f);
}

/* One field's JSON value (an array for a repeated field, an object for a map), written with its
 * tag(s) to c->out. */
static int field_value(struct ctx *c, const struct pfield *f, int depth)
{
    if (f->flags & PF_MAP)
        return map_field(c, f, depth);
    unsigned wt = f->kind == PK_MSG ? 2 : wire_type(f->kind);
    if (!(f->flags & PF_REP)) {
        put_tag(c->out, f->num, wt);
        return value(c, f, depth);
    }
    if (!eat(c, '['))
        return fail(c, "expected an array%s", "");
    if (eat(c, ']'))
        return 0;
    for (size_t i = 0;; i++) {
        put_tag(c->out, f->num, wt);
        if (at_null(c)) { /* Go decodes a null element as the zero value */
            c->out->len -= k8s_proto_varint_len(((uint64_t)f->num << 3) | wt);
            zero_field(c->out, f);
        } else if (value(c, f, depth) < 0) {
            char idx[32];
            int n = snprintf(idx, sizeof idx, "[%zu]", i);
            path_prepend(c, idx, (size_t)n);
            return -1;
        }
        if (eat(c, ']'))
            return 0;
        if (!eat(c, ','))
            return fail(c, "expected ',' or ']'%s", "");
    }
}

static int obj(struct ctx *c, size_t mi, int depth)
{
    const struct pmsg *m = &pmsgs[mi];
    if (depth > 64)
        return fail(c, "nested too deep%s", "");
    if (!eat(c, '{'))
        return fail(c, "expected an object%s", "");
    size_t total = m->n;
    for (size_t i = 0; i < m->n; i++)
        if (m->fields[i].flags & PF_INLINE)
            total += pmsgs[m->fields[i].msg].n;
    if (c->capslots - c->nslots < total) {
        c->capslots = (c->nslots + total) * 2;
        c->slots = xreallocarray(c->slots, c->capslots, sizeof *c->slots);
    }
    size_t sbase = c->nslots, cbase = c->nch, obase = c->out->len;
    for (size_t i = 0; i < total; i++)
        c->slots[sbase + i] = -1;
    c->nslots += total;
    if (!eat(c, '}')) {
        for (;;) {
            char key[128];
            c->tmp.len = 0;
            if (str_into(c, &c->tmp) < 0)
                return -1;
            size_t kl = c->tmp.len < sizeof key - 1 ? c->tmp.len : sizeof key - 1;
            memcpy(key, c->tmp.p, kl);
            key[kl] = 0;
            if (!eat(c, ':'))
                return fail(c, "expected ':'%s", "");
            const struct pfield *f = NULL;
            size_t slot = 0;
            ptrdiff_t i = kl ? lookup(m, key, kl) : -1;
            if (i >= 0) {
                f = &m->fields[i];
                slot = (size_t)i;
            } else if (kl) {
                size_t ib = m->n;
                for (size_t j = 0; j < m->n && !f; j++) {
                    if (!(m->fields[j].flags & PF_INLINE))
                        continue;
                    const struct pmsg *im = &pmsgs[m->fields[j].msg];
                    ptrdiff_t k = lookup(im, key, kl);
                    if (k >= 0) {
                        f = &im->fields[k];
                        slot = ib + (size_t)k;
                    }
                    ib += im->n;
                }
            }
            if (!f) {
                if (m->typemeta && (strcmp(key, "kind") == 0 || strcmp(key, "apiVersion") == 0)) {
                    if (skip_value(c, depth) < 0)
                        return -1;
                } else {
                    fail(c, "a field the %s schema does not have", m->name);
                    path_prepend(c, key, kl);
                    return -1;
                }
            } else if (!at_null(c)) {
                size_t off = c->out->len;
                if (field_value(c, f, depth) < 0) {
                    path_prepend(c, key, kl);
                    return -1;
                }
                if (c->nch == c->capch) {
                    c->capch = c->capch ? c->capch * 2 : 64;
                    c->ch = xreallocarray(c->ch, c->capch, sizeof *c->ch);
                }
                c->ch[c->nch] = (struct chunk){slot, off, c->out->len - off};
                c->slots[sbase + slot] = (ptrdiff_t)c->nch++;
            }
            if (eat(c, '}'))
                break;
            if (!eat(c, ','))
                return fail(c, "expected ',' or '}'%s", "");
        }
    }
    /* in field-number order, with the zero values of value fields left out */
    struct k8s_pbuf *sc = &c->scratch;
    sc->len = 0;
    size_t ib = m->n;
    for (size_t i = 0; i < m->n; i++) {
        const struct pfield *f = &m->fields[i];
        if (!(f->flags & PF_INLINE)) {
            emit_slot(c, sc, sbase + i, f);
            continue;
        }
        const struct pmsg *im = &pmsgs[f->msg];
        bool any = f->flags & PF_ALWAYS;
        for (size_t j = 0; j < im->n && !any; j++)
            any = c->slots[sbase + ib + j] >= 0;
        if (any) {
            put_tag(sc, f->num, 2);
            size_t st = len_open(sc);
            for (size_t j = 0; j < im->n; j++)
                emit_slot(c, sc, sbase + ib + j, &im->fields[j]);
            len_close(sc, st);
        }
        ib += im->n;
    }
    c->out->len = obase;
    k8s_pbuf_add(c->out, sc->p, sc->len);
    c->nch = cbase;
    c->nslots = sbase;
    return 0;
}

int k8s_proto_from_json(const char *kind, const char *json, size_t len, struct k8s_pbuf *out,
                        struct error *err)
{
    pthread_once(&zero_once, zero_init);
    size_t mi = 0;
    while (mi < NMSGS && strcmp(pmsgs[mi].name, kind) != 0)
        mi++;
    if (mi == NMSGS) {
        error_set(err, "no protobuf schema for kind %s", kind);
        return -1;
    }
    struct ctx *w = pthread_getspecific(work_key);
    if (!w) {
        w = xcalloc(1, sizeof *w);
        if (pthread_setspecific(work_key, w) != 0)
            abort();
    }
    struct ctx c = *w; /* its buffers */
    c.p = json;
    c.end = json + len;
    c.out = out;
    c.nch = c.nslots = 0;
    c.msg[0] = c.path[0] = 0;
    size_t start = out->len;
    int rc = obj(&c, mi, 0);
    if (rc == 0) {
        ws(&c);
        if (c.p != c.end)
            rc = fail(&c, "data after the object%s", "");
    }
    if (rc < 0) {
        out->len = start;
        error_set(err, "%s%s%s", c.path, c.path[0] ? ": " : "", c.msg);
    }
    *w = c; /* keeps what the buffers grew to */
    return rc < 0 ? -1 : 0;
}
