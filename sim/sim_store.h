#ifndef CUTOVER_SIM_STORE_H
#define CUTOVER_SIM_STORE_H

/* The simulator's object store for one cluster: objects kept as pre-rendered JSON (a LIST page
 * is a copy, not a serialization), sorted by namespace/name per resource, one resourceVersion
 * counter, a bounded history of watch events, continue tokens and conflicts. Thread-safe. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cutover/error.h"
#include "sim_buf.h"

enum sim_res {
    SIM_RES_NODES,
    SIM_RES_NAMESPACES,
    SIM_RES_PODS,
    SIM_RES_SERVICES,
    SIM_RES_CONFIGMAPS,
    SIM_RES_SECRETS,
    SIM_RES_EVENTS,
    SIM_RES_DEPLOYMENTS,
    SIM_RES_STATEFULSETS,
    SIM_RES_DAEMONSETS,
    SIM_RES_REPLICASETS,
    SIM_RES_LEASES,
    SIM_RES_EVENTS_V1,
    /* custom resources (served as if their CRDs were installed) */
    SIM_RES_EXTERNALSECRETS,        /* external-secrets.io/v1 (and v1beta1) */
    SIM_RES_CLUSTEREXTERNALSECRETS, /* external-secrets.io/v1 (and v1beta1) */
    SIM_RES_SECRETSTORES,           /* external-secrets.io/v1 (and v1beta1) */
    SIM_RES_CLUSTERSECRETSTORES,    /* external-secrets.io/v1 (and v1beta1) */
    SIM_RES_HTTPROUTES,             /* gateway.networking.k8s.io/v1 */
    SIM_RES_COUNT
};

/* What discovery says about a resource, and its Table columns. */
struct sim_res_info {
    const char *name;        /* "pods" */
    const char *singular;    /* "pod" */
    const char *kind;        /* "Pod" */
    const char *group;       /* "" for the core group */
    const char *version;     /* "v1" */
    const char *api_version; /* "v1" or "apps/v1" */
    bool namespaced;
    const char *short_names; /* JSON array text or NULL */
    const char *categories;  /* JSON array text or NULL */
    const char *columns;     /* Table columnDefinitions, JSON array text */
};

extern const struct sim_res_info sim_res_table[SIM_RES_COUNT];

/* The resource named name in group/version, or -1. */
int sim_res_lookup(const char *group, const char *version, const char *name);
/* The resource whose kind is kind in group (any version), or -1. */
int sim_res_by_kind(const char *group, const char *kind);

/* A shared, immutable piece of JSON text (managedFields, a node's images) used by many objects. */
struct sim_blob {
    atomic_int refs;
    size_t len;
    /* the protobuf bytes this JSON becomes in its objects (set once by the first object rendered
     * with it; freed with the blob) */
    _Atomic(struct sim_pbshare *) pbshare;
    /* JSON that stands for this blob's text in an object, bringing none of its fields (for
     * pods: "managedFields":[]},"spec":{), or NULL: objects after the first are rendered with it
     * and the shared runs, instead of transcoding the blob again */
    const char *stub;
    char data[];
};

/* Runs of protobuf bytes shared by the objects of one blob (a pod template's managedFields and
 * spec around nodeName, a node's images): at most three, in order. */
struct sim_pbshare {
    size_t n;
    size_t len[3];
    unsigned char *seg[3];
};

/* Makes a blob holding a copy of n bytes (refs = 1). */
struct sim_blob *sim_blob_new(const char *data, size_t n);
/* Drops one reference. */
void sim_blob_unref(struct sim_blob *b);

/* One stored object. Immutable once stored (a change stores a new object); reference counted so
 * that a LIST page or a watch history can keep it while the store moves on. */
struct sim_obj {
    atomic_int refs;
    char *ns; /* "" for cluster-scoped */
    char *name;
    uint64_t rv; /* set by the store */
    time_t created;
    char *text; /* JSON without the resourceVersion digits and the blob */
    size_t text_len;
    size_t rv_at;   /* where the resourceVersion digits go in text */
    size_t blob_at; /* where the blob goes in text */
    struct sim_blob *blob;
    char *pom; /* the PartialObjectMetadata, without resourceVersion digits */
    size_t pom_len;
    size_t pom_rv_at;
    char *cells_pre;  /* Table cells before Age (each followed by ','), JSON */
    char *cells_post; /* Table cells after Age (each preceded by ','), JSON */
    char *node_name;  /* pods: spec.nodeName, else NULL */
    char *labels;     /* "k=v\0k2=v2\0\0" or NULL */
    bool in_arena;    /* allocated by a bulk load: freed with the store */
    /* pods and nodes: the protobuf message (k8s_proto) rendered once when the store takes the
     * object, with an empty metadata.resourceVersion (the digits are spliced in like the JSON's),
     * less the runs it shares with the other objects of its blob (blob->pbshare), which go back
     * in at pb_ins; pb is shared with clones. NULL for other resources. */
    struct sim_blob *pb;
    size_t pb_meta_at;  /* where ObjectMeta's fields start in pb (after its tag and length) */
    size_t pb_meta_len; /* ObjectMeta's length in the whole message */
    size_t pb_rv_at;    /* where ObjectMeta's resourceVersion field (0x32 0x00) is in pb */
    const struct sim_pbshare *pb_share; /* blob->pbshare, or NULL: pb is the whole message */
    size_t pb_ins[3];                   /* where each shared run goes in pb */
};

/* Builds an object from JSON text that holds the marker "@RV@" once (inside
 * "resourceVersion":"@RV@") and, when blob is given, "@BLOB@" once where the blob goes; pom holds
 * "@RV@" too. Takes the blob reference. NULL if a marker is missing. */
struct sim_obj *sim_obj_new(const char *ns, const char *name, time_t created, const char *text,
                            struct sim_blob *blob, const char *pom, const char *cells_pre,
                            const char *cells_post, const char *node_name, const char *labels);
/* Takes one more reference. */
struct sim_obj *sim_obj_ref(struct sim_obj *o);
/* Drops one reference; NULL is a no-op. */
void sim_obj_unref(struct sim_obj *o);
/* The length of the full JSON. */
size_t sim_obj_len(const struct sim_obj *o);
/* Appends the full JSON. */
void sim_obj_emit(const struct sim_obj *o, struct sim_buf *b);
/* Appends the PartialObjectMetadata JSON. */
void sim_obj_emit_pom(const struct sim_obj *o, struct sim_buf *b);
/* Appends a Table row {"cells":[...],"object":PartialObjectMetadata} with the age at now. */
void sim_obj_emit_row(const struct sim_obj *o, time_t now, struct sim_buf *b);
/* The full JSON as a new string. */
char *sim_obj_json(const struct sim_obj *o);
/* Whether resource r is served as protobuf (pods and nodes). */
bool sim_res_has_pb(enum sim_res r);
/* Renders o's protobuf message (r's kind) unless it has one: 0, or -1 with err (a field the
 * schema lacks). The store calls it for every pod and node it takes, before sharing o. */
int sim_obj_render_pb(struct sim_obj *o, enum sim_res r, struct error *err);
/* The length of o's protobuf message with its resourceVersion (0 without a rendering). */
size_t sim_obj_pb_len(const struct sim_obj *o);
/* Appends o's protobuf message with its resourceVersion (nothing without a rendering). */
void sim_obj_emit_pb(const struct sim_obj *o, struct sim_buf *b);
/* The value of label key, or NULL. */
const char *sim_obj_label(const struct sim_obj *o, const char *key);

/* An error as the API reports it (a Status object). */
struct sim_status {
    int code;           /* HTTP status */
    const char *reason; /* "NotFound", "Conflict", "Expired", ... */
    char message[512];
};

/* A parsed labelSelector / fieldSelector (equality terms only, as kubectl sends them). */
struct sim_filter_term {
    bool field; /* fieldSelector term, else label */
    int op;     /* 0 '=', 1 '!=', 2 exists, 3 not exists */
    char key[128];
    char value[256];
};

struct sim_filter {
    size_t n;
    struct sim_filter_term terms[16];
};

/* Parses the two selectors (either may be NULL); -1 with st filled on a bad one. */
int sim_filter_parse(const char *label_sel, const char *field_sel, struct sim_filter *f,
                     struct sim_status *st);
/* Whether o passes f. */
bool sim_filter_match(const struct sim_filter *f, const struct sim_obj *o);

/* A LIST page: referenced objects and its metadata. */
struct sim_page {
    struct sim_obj **items;
    size_t n;
    uint64_t rv;         /* the list's resourceVersion */
    char *next;          /* continue token, or NULL at the end */
    long long remaining; /* remainingItemCount, or -1 to leave it out */
};

enum sim_ev_type { SIM_EV_ADDED, SIM_EV_MODIFIED, SIM_EV_DELETED };

/* One watch event handed to a watcher (obj is a reference the caller drops). */
struct sim_event {
    enum sim_ev_type type;
    enum sim_res res;
    struct sim_obj *obj;
};

struct sim_store;

/* A store keeping up to history watch events. */
struct sim_store *sim_store_new(size_t history);
/* Frees the store and every object it holds; NULL is a no-op. */
void sim_store_free(struct sim_store *s);
/* Adds an object while loading (no watch event); takes o. Call sim_store_seal after loading. */
void sim_store_load(struct sim_store *s, enum sim_res r, struct sim_obj *o);
/* Makes objects built by this thread come from the store's arena (one big allocation instead
 * of one per object) until sim_store_bulk_end; for loading only. */
void sim_store_bulk_begin(struct sim_store *s);
/* Ends sim_store_bulk_begin for this thread. */
void sim_store_bulk_end(void);
/* Sorts what was loaded; the history starts at the current resourceVersion. */
void sim_store_seal(struct sim_store *s);
/* The current resourceVersion. */
uint64_t sim_store_rv(struct sim_store *s);
/* The oldest resourceVersion a watch or continue token may start from. */
uint64_t sim_store_oldest_rv(struct sim_store *s);
/* How many objects of r are stored. */
size_t sim_store_count(struct sim_store *s, enum sim_res r, const char *ns);
/* One page of a LIST (ns NULL: all namespaces; limit 0: everything; cont NULL or "": first
 * page). Returns 0, or -1 with st (400 bad token, 410 Expired). */
int sim_store_list(struct sim_store *s, enum sim_res r, const char *ns, const struct sim_filter *f,
                   size_t limit, const char *cont, struct sim_page *out, struct sim_status *st);
/* Releases a page's references. */
void sim_page_fini(struct sim_page *p);
/* The object r/ns/name (a reference), or NULL. */
struct sim_obj *sim_store_get(struct sim_store *s, enum sim_res r, const char *ns,
                              const char *name);
/* Picks the i-th object of r (i modulo the count; a reference), or NULL if there is none. */
struct sim_obj *sim_store_pick(struct sim_store *s, enum sim_res r, size_t i);
/* Stores a new object (takes o): 0, or -1 with st 409 AlreadyExists. */
int sim_store_create(struct sim_store *s, enum sim_res r, struct sim_obj *o, struct sim_status *st);
/* Replaces an object (takes o); expect_rv 0 = unconditional: 0, or -1 with st 404 / 409. */
int sim_store_update(struct sim_store *s, enum sim_res r, struct sim_obj *o, uint64_t expect_rv,
                     struct sim_status *st);
/* Deletes an object; *old (may be NULL) gets a reference to it as deleted: 0, or -1 with st. */
int sim_store_delete(struct sim_store *s, enum sim_res r, const char *ns, const char *name,
                     uint64_t expect_rv, struct sim_obj **old, struct sim_status *st);
/* Waits up to timeout_ms for events of r (in ns, NULL all) after *cursor; fills up to max of
 * them, advancing *cursor. Returns the count, 0 on timeout, -1 with st 410 when *cursor is older
 * than the kept history, -2 when the store is shutting down. */
int sim_store_watch(struct sim_store *s, enum sim_res r, const char *ns, const struct sim_filter *f,
                    uint64_t *cursor, struct sim_event *evs, size_t max, int timeout_ms,
                    struct sim_status *st);
/* Wakes every watcher and makes them end. */
void sim_store_shutdown(struct sim_store *s);
/* Forgets the history up to the current resourceVersion (older watches and tokens get 410). */
void sim_store_compact(struct sim_store *s);

/* Encodes a continue token (exposed for tests). */
char *sim_store_token(uint64_t rv, const char *ns, const char *name);

#endif
