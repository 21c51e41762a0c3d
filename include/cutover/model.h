#ifndef CUTOVER_MODEL_H
#define CUTOVER_MODEL_H

/* The model of one cluster, as pollers publish it and the UI reads it.
 *
 * Rows are immutable once published and reference-counted, so a new snapshot shares every row
 * that did not change with the one before (publishing copies pointer arrays, not objects). Each
 * row is ONE allocation: the struct followed by its strings (see model_row_pack), so freeing a
 * row is one free().
 *
 * Unknown is not zero: a count the API did not give is MODEL_COUNT_UNKNOWN, a flag is
 * MODEL_UNKNOWN, a string is NULL. The screen shows "?" for them. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum model_tri { MODEL_UNKNOWN = 0, MODEL_FALSE = 1, MODEL_TRUE = 2 };

#define MODEL_COUNT_UNKNOWN (-1)

/* Every resource a poller keeps. Order is the order of the header's freshness line. */
enum model_res {
    MODEL_RES_NODES,
    MODEL_RES_PODS,
    MODEL_RES_NAMESPACES,
    MODEL_RES_DEPLOYMENTS,
    MODEL_RES_STATEFULSETS,
    MODEL_RES_DAEMONSETS,
    MODEL_RES_REPLICASETS,
    MODEL_RES_SERVICES,
    MODEL_RES_CONFIGMAPS,
    MODEL_RES_EVENTS,
    MODEL_RES_LEASES,
    MODEL_RES_SECRETS, /* metadata only: never a value */
    MODEL_RES_COUNT
};

/* "nodes", "pods", ... as in the API path. */
const char *model_res_name(enum model_res res);
/* "Node", "Pod", "Deployment", ... the object kind. */
const char *model_res_kind(enum model_res res);
/* Looks a resource up by its plural name or kind; returns -1 when unknown. */
int model_res_from_name(const char *name);

/* The header every row starts with. */
struct model_obj {
    atomic_uint refs;
    uint8_t res; /* enum model_res */
    char *ns;    /* NULL for cluster-scoped objects */
    char *name;
    char *uid;
    int64_t created; /* creationTimestamp, unix seconds; 0 unknown */
};

enum model_node_role { MODEL_ROLE_UNKNOWN = 0, MODEL_ROLE_CONTROL_PLANE, MODEL_ROLE_WORKER };

struct model_node {
    struct model_obj obj;
    char *zone;   /* topology.kubernetes.io/zone, else failure-domain.beta.kubernetes.io/zone */
    char *region; /* topology.kubernetes.io/region, else the legacy label */
    char *instance_type;   /* node.kubernetes.io/instance-type, else beta.kubernetes.io/... */
    char *kubelet_version; /* status.nodeInfo.kubeletVersion */
    uint8_t role;          /* enum model_node_role: node-role.kubernetes.io/control-plane|master */
    uint8_t ready;         /* enum model_tri: the Ready condition */
    uint8_t schedulable;   /* enum model_tri: !spec.unschedulable */
};

struct model_pod {
    struct model_obj obj;
    char *phase;              /* Pending, Running, Succeeded, Failed, Unknown */
    char *node;               /* spec.nodeName */
    char *owner_kind;         /* controller ownerReference kind (ReplicaSet, StatefulSet, ...) */
    char *owner_name;         /* controller ownerReference name */
    char *waiting_reason;     /* first waiting reason of a container, e.g. CrashLoopBackOff */
    char *images;             /* container images joined by ',' in spec order */
    int32_t containers;       /* number of containers in spec */
    int32_t containers_ready; /* from containerStatuses; MODEL_COUNT_UNKNOWN when absent */
    int32_t restarts;         /* sum of restartCount; MODEL_COUNT_UNKNOWN when absent */
    uint8_t ready;            /* enum model_tri: the Ready condition */
    /* Resources (ADDED for the all-pods view): the pod's effective request and limit, by the
     * Kubernetes rule max(sum(containers) + sum(sidecars), max over init containers of (init +
     * sidecars started before it)), where a sidecar is an init container with restartPolicy
     * Always. A container without the value adds nothing; MODEL_QTY_NONE when no container sets
     * it, MODEL_QTY_UNKNOWN when not read (the Table format) or unreadable. */
    int64_t cpu_request_m; /* millicores */
    int64_t cpu_limit_m;
    int64_t mem_request; /* bytes */
    int64_t mem_limit;
};

/* model_pod resources: no container sets the value. */
#define MODEL_QTY_NONE (-1)
/* model_pod resources: not read (the Table format) or a quantity that did not parse. */
#define MODEL_QTY_UNKNOWN (-2)

/* Deployments, StatefulSets, DaemonSets and ReplicaSets. */
struct model_workload {
    struct model_obj obj;
    char *images;     /* pod template images joined by ',' */
    char *owner_kind; /* for a ReplicaSet: its controller (Deployment) */
    char *owner_name;
    int32_t desired; /* spec.replicas, or status.desiredNumberScheduled for a DaemonSet */
    int32_t ready;   /* readyReplicas / numberReady */
    int32_t updated; /* updatedReplicas / updatedNumberScheduled */
    int32_t available;
};

struct model_namespace {
    struct model_obj obj;
    char *phase;
};

struct model_service {
    struct model_obj obj;
    char *type; /* ClusterIP, NodePort, LoadBalancer, ExternalName */
    char *cluster_ip;
};

struct model_configmap {
    struct model_obj obj;
    int32_t keys; /* number of data + binaryData keys; MODEL_COUNT_UNKNOWN when not read */
};

struct model_event {
    struct model_obj obj;
    char *type; /* Normal, Warning */
    char *reason;
    char *message;
    char *involved_kind;
    char *involved_ns;
    char *involved_name;
    int32_t count;
    int64_t last_seen; /* unix seconds: lastTimestamp, else eventTime, else creation */
};

struct model_lease {
    struct model_obj obj;
    char *holder;
    int32_t duration_s;
    int64_t renewed;  /* renewTime, unix seconds; 0 unknown */
    int64_t acquired; /* acquireTime */
};

struct model_secret_meta {
    struct model_obj obj;
    char *type;      /* NULL when only metadata was listed */
    char *data_hash; /* reconcile.external-secrets.io/data-hash annotation, if any */
    char *labels;    /* "k=v,k=v" sorted, for ignore rules */
};

/* Packs a row of `size` bytes (a struct starting with struct model_obj) and n strings into one
 * allocation. offsets[i] is offsetof(struct, field) of a char * field; strs[i] may be NULL.
 * The row starts with refs = 1. */
void *model_row_pack(enum model_res res, size_t size, size_t n, const size_t *offsets,
                     const char *const *strs);
/* Takes another reference to a row. */
const struct model_obj *model_obj_ref(const struct model_obj *obj);
/* Drops a reference; the last one frees the row. NULL does nothing. */
void model_obj_unref(const struct model_obj *obj);

/* Freshness of one resource in one cluster. */
struct model_freshness {
    struct timespec last_ok;  /* CLOCK_REALTIME of the last good list or watch event; 0 never */
    struct timespec last_err; /* when last_error was recorded */
    char *last_error;         /* NULL when the last attempt succeeded */
    bool synced;              /* the first full LIST has completed */
    bool enabled;             /* this resource is being watched at all */
};

/* Rows of one resource, in no particular order. With rows == NULL the list owns the array and
 * one reference per row (model_cluster_take_list); otherwise n and items are those of a shared,
 * immutable model_rows (model_cluster_set_rows) and must not be changed. */
struct model_rows;
struct model_list {
    size_t n;
    const struct model_obj **items;
    struct model_rows *rows;
};

/* ---- rows shared between snapshots without a reference per row ----------------------------
 * A row source (an informer's store) keeps its rows alive with its own references. Publishing
 * its rows for a snapshot would take one more reference on every row and drop as many when the
 * snapshot goes: at 150,000 pods and five publishes a second that was most of the steady
 * state's cost, cache misses all over the heap. Instead the source retires a row it drops
 * (replaced or deleted) into its epoch, and a published model_rows holds the epoch's current
 * grave: a row retired after a publish is released only once every model_rows published before
 * it is gone (epoch-based reclamation). An unchanged list is published again as the same
 * model_rows: one atomic increment. The caller serializes every call on one epoch (the
 * informer's lock); model_rows references are thread-safe. */
struct model_epoch;

struct model_epoch *model_epoch_new(void);
/* The source is gone: what lists published earlier need stays until they are gone. */
void model_epoch_free(struct model_epoch *e);
/* Takes the caller's reference on `obj`: dropped once no earlier published list can see it. */
void model_epoch_retire(struct model_epoch *e, const struct model_obj *obj);
/* Calls fn(arg) once no earlier published list can see what arg holds (a whole store). */
void model_epoch_defer(struct model_epoch *e, void (*fn)(void *arg), void *arg);
/* A list of the source's current rows: takes `items` (n pointers, no references taken) and
 * returns it with one model_rows reference. */
struct model_rows *model_epoch_publish(struct model_epoch *e, const struct model_obj **items,
                                       size_t n);
struct model_rows *model_rows_ref(struct model_rows *r);
void model_rows_unref(struct model_rows *r);
size_t model_rows_count(const struct model_rows *r);

/* One immutable snapshot of one cluster. */
struct model_cluster {
    atomic_uint refs;
    uint64_t generation; /* grows with every publish */
    char *context;       /* kubeconfig context name */
    char *server;        /* API server URL */
    char *user;          /* kubeconfig user name */
    char *auth_kind;     /* "token", "exec", "client-cert", "none", ... */
    bool tls_insecure;   /* insecure-skip-tls-verify: the screen must say so */
    char *version;       /* /version gitVersion; NULL unknown */
    int ver_major;       /* -1 unknown */
    int ver_minor;
    double api_latency_ms; /* latest request round trip; < 0 unknown */
    char *error;           /* cluster-wide error (unreachable, auth); NULL when fine */
    struct timespec taken; /* CLOCK_REALTIME when this snapshot was built */
    struct model_freshness fresh[MODEL_RES_COUNT];
    struct model_list lists[MODEL_RES_COUNT];
};

/* A new empty snapshot with refs = 1, every count unknown. */
struct model_cluster *model_cluster_new(const char *context);
/* A new snapshot sharing every row and string value of `old` (refs taken); for a poller to
 * change a few fields or lists and publish. */
struct model_cluster *model_cluster_clone(const struct model_cluster *old);
/* Replaces list `res` of a snapshot under construction, taking ownership of items (each holding
 * one reference) and of the array. */
void model_cluster_take_list(struct model_cluster *c, enum model_res res,
                             const struct model_obj **items, size_t n);
/* Replaces list `res` of a snapshot under construction with a shared model_rows (its reference
 * passes to the snapshot). */
void model_cluster_set_rows(struct model_cluster *c, enum model_res res, struct model_rows *take);
struct model_cluster *model_cluster_ref(const struct model_cluster *c);
void model_cluster_unref(const struct model_cluster *c);
/* Sets a string field of a snapshot under construction (frees the old value). */
void model_set_str(char **field, const char *value);

/* Snapshot hand-off from one poller thread to the UI thread (cmus player_info_snapshot): the
 * lock guards one pointer swap, never a network call; a byte on a pipe wakes the UI's poll(). */
struct model_publisher;

/* wake_fd: the write end of a pipe to signal on every publish, or -1. */
struct model_publisher *model_publisher_new(int wake_fd);
void model_publisher_free(struct model_publisher *pub);
/* Publishes `take` (ownership passes), dropping the previous snapshot's reference. */
void model_publisher_swap(struct model_publisher *pub, struct model_cluster *take);
/* The current snapshot with a reference the caller must drop, or NULL before the first. */
struct model_cluster *model_publisher_get(struct model_publisher *pub);

#endif
