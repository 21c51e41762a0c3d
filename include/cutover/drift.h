#ifndef CUTOVER_DRIFT_H
#define CUTOVER_DRIFT_H

/* Secret and ConfigMap drift between the two clusters, External Secrets state per cluster, and
 * the source of truth (AWS Secrets Manager) for ExternalSecrets backed by it. docs/drift.md.
 *
 * No value is ever kept: a Secret's or ConfigMap's values are hashed (secret_hash.h, keyed per
 * process) as each item is decoded and the text that held them is wiped (drift_item_decode).
 * The model has key names, keyed hashes, types, labels and a few annotations.
 *
 * Reading (backends/drift_reader.c) fills one struct drift_side per cluster and a struct
 * drift_sot; drift_analyze (pure, no I/O) compares them into a struct drift_report that the panel
 * and `cutover status --json` draw from. Everything a report points to is borrowed from the
 * sides and the sot given to drift_analyze, except what it says it owns. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/analysis.h"
#include "cutover/drift_config.h"
#include "cutover/error.h"
#include "cutover/secret_hash.h"

enum drift_obj_kind { DRIFT_SECRET = 0, DRIFT_CONFIGMAP = 1 };

struct drift_side;

/* How Secrets were read in one cluster. The UI must say which. */
enum drift_mode {
    DRIFT_MODE_METADATA = 0, /* names, types, labels, the data-hash annotation: no contents */
    DRIFT_MODE_CONTENTS = 1, /* key names and keyed hashes, computed as each Secret was read */
};

/* "metadata", "contents" */
const char *drift_mode_name(enum drift_mode mode);

/* One key of a Secret or ConfigMap and the keyed hash of its value. */
struct drift_key {
    char *name;
    unsigned char mac[SECRET_HASH_LEN];
    bool has_mac; /* false when only the key name is known */
};

/* One Secret or ConfigMap as read from one cluster. */
struct drift_item {
    enum drift_obj_kind kind;
    char *ns;
    char *name;
    char *type;             /* Secret type ("Opaque" when absent); NULL for ConfigMaps */
    char *labels;           /* "k=v,k=v" sorted by key; NULL none */
    char *data_hash;        /* annotation reconcile.external-secrets.io/data-hash, or NULL */
    char *cert_name;        /* annotation cert-manager.io/certificate-name, or NULL */
    char *owner_es;         /* name of the ExternalSecret in its ownerReferences, or NULL */
    struct drift_key *keys; /* sorted by name */
    size_t nkeys;
    bool keys_known; /* data was read: keys (and hashes) are known */
};

/* Decodes one Secret or ConfigMap item from its JSON text (as a LIST hands it out), hashing
 * each value of data and binaryData and then OVERWRITING those values in json (the buffer is
 * changed: values become '*'); with hash_values false the values are wiped without hashing
 * (key names only). Fills out (zeroed by the caller). Returns 0, or -1 with err set (json is
 * wiped anyway). */
int drift_item_decode(enum drift_obj_kind kind, char *json, size_t len, bool hash_values,
                      struct drift_item *out, struct error *err);
/* Decodes one page of a Secret or ConfigMap LIST (the whole body, NUL not needed) item by item
 * with drift_item_decode, adding each to side; every value in body is overwritten. *cont gets
 * metadata.continue (a new string, NULL at the end). Returns the number of items that could not
 * be decoded (skipped), or -1 with err when the body is not a list (a Status, broken JSON). */
int drift_list_decode(enum drift_obj_kind kind, char *body, size_t len, bool hash_values,
                      struct drift_side *side, char **cont, struct error *err);
/* Blanks in place, before anything parses it, every value a Secret listing may carry: the
 * strings under data, stringData and binaryData and the last-applied-configuration annotation
 * (the whole manifest), at any depth (a List, a Table, PartialObjectMetadata, watch lines).
 * Text it cannot follow has every string blanked. */
void drift_secret_text_blank(char *s, size_t n);
/* The same for External Secrets objects: the last-applied annotation, the fake provider's
 * data[].value / valueMap, target.template.data and templateFrom[].literal. */
void drift_eso_text_blank(char *s, size_t n);
/* Fills out from a metadata-only row (a model_secret_meta's fields): keys unknown. */
void drift_item_from_meta(struct drift_item *out, enum drift_obj_kind kind, const char *ns,
                          const char *name, const char *type, const char *labels,
                          const char *data_hash);
/* Frees what an item owns and zeroes it. */
void drift_item_fini(struct drift_item *it);

/* ---- External Secrets ------------------------------------------------------------------- */

enum drift_es_state {
    DRIFT_ES_UNKNOWN = 0, /* no status yet */
    DRIFT_ES_SYNCED,      /* Ready True, reason SecretSynced */
    DRIFT_ES_SYNC_ERROR,  /* Ready False, reason SecretSyncedError */
    DRIFT_ES_OTHER,       /* another Ready reason or status (SecretDeleted, progressing) */
};

/* "unknown", "synced", "sync-error", "other" */
const char *drift_es_state_name(enum drift_es_state st);

/* One spec.data[] entry: the target Secret's key and where its value comes from. */
struct drift_es_ref {
    char *secret_key;
    char *remote_key; /* remoteRef.key: for Secrets Manager the secret's name or ARN */
    char *property;   /* remoteRef.property: a top-level JSON key of SecretString, or NULL */
    char *version;    /* remoteRef.version (a version stage or id), or NULL */
};

/* An ExternalSecret or ClusterExternalSecret in one cluster. */
struct drift_es {
    char *ns; /* NULL for a ClusterExternalSecret */
    char *name;
    bool cluster_scoped; /* ClusterExternalSecret */
    char *store_name;    /* spec.secretStoreRef.name (ClusterExternalSecret: of its spec) */
    char *store_kind;    /* SecretStore (default) or ClusterSecretStore */
    char *target_name;   /* spec.target.name, default metadata.name */
    char *refresh_interval;
    enum drift_es_state state;
    char *ready_status;   /* "True", "False", "Unknown", or NULL */
    char *ready_reason;   /* SecretSynced, SecretSyncedError, ... or NULL */
    char *ready_message;  /* from the API: sanitize before drawing */
    int64_t refresh_time; /* status.refreshTime, unix seconds; 0 unknown */
    char *synced_rv;      /* status.syncedResourceVersion */
    struct drift_es_ref *refs;
    size_t nrefs;
    char **extract; /* spec.dataFrom[].extract.key: every top-level JSON key becomes a key */
    size_t nextract;
    bool has_find;     /* dataFrom[].find: the keys cannot be known without the provider */
    bool has_template; /* spec.target.template: keys are rendered, not copied */
    char *force_sync;  /* the force-sync annotation's value, or NULL */
};

/* Decodes an ExternalSecret (or, with cluster_scoped, a ClusterExternalSecret) object. Returns
 * 0, or -1 with err set when it is not usable (no metadata.name). */
int drift_es_decode(json_object *obj, bool cluster_scoped, struct drift_es *out, struct error *err);
void drift_es_fini(struct drift_es *es);

/* A SecretStore or ClusterSecretStore. */
struct drift_store {
    char *ns; /* NULL for a ClusterSecretStore */
    char *name;
    bool cluster_scoped;
    char *provider; /* the first key of spec.provider: "aws", "vault", "gcpsm", ... */
    char *service;  /* aws: "SecretsManager" or "ParameterStore" */
    char *region;   /* aws: spec.provider.aws.region */
    char *role;     /* aws: spec.provider.aws.role, or NULL */
    uint8_t ready;  /* enum model_tri of its Ready condition */
};

/* Decodes a SecretStore / ClusterSecretStore object. */
int drift_store_decode(json_object *obj, bool cluster_scoped, struct drift_store *out,
                       struct error *err);
void drift_store_fini(struct drift_store *st);

/* Everything read from one cluster. */
struct drift_side {
    char *context;
    enum drift_mode mode;
    bool secrets_read;    /* the Secret list completed */
    bool configmaps_read; /* the ConfigMap list completed */
    bool eso_read;        /* the External Secrets lists completed (or the API has none) */
    bool eso_installed;   /* the API serves external-secrets.io */
    char *error;          /* what could not be read (first error), or NULL */
    struct drift_item *secrets;
    size_t nsecrets;
    struct drift_item *configmaps;
    size_t nconfigmaps;
    struct drift_es *es; /* ExternalSecrets then ClusterExternalSecrets */
    size_t nes;
    struct drift_store *stores;
    size_t nstores;
};

struct drift_side *drift_side_new(const char *context, enum drift_mode mode);
void drift_side_free(struct drift_side *s);
/* Appends (taking what it owns; *it is zeroed). */
void drift_side_add_item(struct drift_side *s, struct drift_item *it);
void drift_side_add_es(struct drift_side *s, struct drift_es *es);
void drift_side_add_store(struct drift_side *s, struct drift_store *st);
/* Records the first error. */
void drift_side_set_error(struct drift_side *s, const char *msg);
/* Sorts the items by namespace/name (done by drift_analyze too; idempotent). */
void drift_side_sort(struct drift_side *s);

/* ---- the source of truth ----------------------------------------------------------------- */

/* One GetSecretValue answer, hashed: never a value. */
struct drift_sot_secret {
    char *secret_id; /* as asked (remoteRef.key) */
    char *region;
    char *version; /* the version stage or id asked, NULL for AWSCURRENT */
    bool ok;
    char *error; /* "ResourceNotFoundException: ...", "AccessDeniedException: ...", transport */
    unsigned char whole[SECRET_HASH_LEN]; /* hash of the whole SecretString (or SecretBinary) */
    bool is_json;            /* SecretString is a JSON object: props hold its top-level keys */
    struct drift_key *props; /* sorted by name; values hashed as ESO extracts them */
    size_t nprops;
};

struct drift_sot {
    struct drift_sot_secret *v;
    size_t n;
};

/* Decodes a GetSecretValue response body (JSON 1.1) into out, hashing SecretString (and each
 * top-level key when it is a JSON object: strings by their text, other values by their JSON),
 * and wipes body's values in place. Returns 0, or -1 with err. */
int drift_sot_decode(char *body, size_t len, struct drift_sot_secret *out, struct error *err);
/* Appends (taking *s, zeroed). */
void drift_sot_add(struct drift_sot *sot, struct drift_sot_secret *s);
/* The entry for secret_id (and version, NULL = current), or NULL. */
const struct drift_sot_secret *drift_sot_find(const struct drift_sot *sot, const char *secret_id,
                                              const char *version);
void drift_sot_fini(struct drift_sot *sot);
void drift_sot_secret_fini(struct drift_sot_secret *s);

/* ---- the comparison ---------------------------------------------------------------------- */

enum drift_state {
    DRIFT_EQUAL = 0,      /* same type, keys and values (or the same data-hash) */
    DRIFT_MISSING_TARGET, /* only in the source */
    DRIFT_MISSING_SOURCE, /* only in the target */
    DRIFT_TYPE_DIFFERS,
    DRIFT_KEYS_DIFFER,   /* key sets differ (values of the common keys may differ too) */
    DRIFT_VALUES_DIFFER, /* same keys, some value differs */
    DRIFT_UNKNOWN,       /* on both sides, contents not read (metadata mode) */
    DRIFT_IGNORED,       /* an ignore rule matched (row.rule says which) */
    DRIFT_STATE_COUNT
};

/* "equal", "missing-target", "missing-source", "type-differs", "keys-differ", "values-differ",
 * "unknown", "ignored" */
const char *drift_state_name(enum drift_state st);

enum drift_key_state {
    DRIFT_KEY_EQUAL = 0,
    DRIFT_KEY_ONLY_SOURCE, /* missing on the target */
    DRIFT_KEY_ONLY_TARGET,
    DRIFT_KEY_DIFFERS,
    DRIFT_KEY_UNKNOWN, /* on both, hashes not known */
};

/* "equal", "only-source", "only-target", "differs", "unknown" */
const char *drift_key_state_name(enum drift_key_state st);

struct drift_key_row {
    const char *name; /* borrowed */
    enum drift_key_state state;
};

/* One namespace/name of one kind across the two clusters. */
struct drift_row {
    enum drift_obj_kind kind;
    const char *ns; /* borrowed */
    const char *name;
    enum drift_state state;
    const struct drift_item *side[2]; /* [ANALYSIS_SOURCE], [ANALYSIS_TARGET]; NULL absent */
    struct drift_key_row *keys;       /* owned: the union of key names, sorted */
    size_t nkeys;
    int nkeys_differ;  /* keys not equal (only on one side or differing) */
    bool by_data_hash; /* decided by the External Secrets data-hash annotation on both sides */
    int rule;          /* index into report->rules when DRIFT_IGNORED, else -1 */
    const struct drift_es *es[2]; /* the ExternalSecret whose target it is, per side, or NULL */
};

enum drift_sot_state {
    DRIFT_SOT_NONE = 0,   /* not backed by AWS Secrets Manager (or no source of truth read) */
    DRIFT_SOT_MATCHES,    /* every key of the target Secret matches what ESO would write */
    DRIFT_SOT_DIFFERS,    /* some key differs or is missing: see sot_keys */
    DRIFT_SOT_UNREADABLE, /* GetSecretValue failed for a key it needs: see sot_error */
    DRIFT_SOT_UNKNOWN,    /* cannot be compared: Secret contents not read, target Secret
                             missing, templated keys or dataFrom.find */
};

/* "none", "matches", "differs", "unreadable", "unknown" */
const char *drift_sot_state_name(enum drift_sot_state st);

/* One ExternalSecret in one cluster. */
struct drift_es_row {
    const struct drift_es *es;
    enum analysis_side side;
    const struct drift_store *store; /* resolved store, or NULL when not found */
    bool aws_sm;                     /* the store is AWS Secrets Manager */
    bool target_missing;             /* its target Secret does not exist in that cluster */
    enum drift_sot_state sot;
    const char **sot_keys; /* owned array of borrowed key names that differ or are missing */
    size_t nsot_keys;
    const char *sot_error; /* borrowed from the sot when unreadable */
    const char *sot_why;   /* static: why unknown ("contents not read", ...) or NULL */
    enum finding_severity severity;
};

/* One ignore rule in force and how many objects it ignored. */
struct drift_rule_count {
    struct drift_rule rule; /* owned copy */
    int secrets;
    int configmaps;
};

struct drift_counts {
    int secrets[DRIFT_STATE_COUNT];
    int configmaps[DRIFT_STATE_COUNT];
    int es_total;
    int es_state[4]; /* by enum drift_es_state */
    int es_target_missing;
    int sot[5]; /* by enum drift_sot_state */
    int ignored_by_kind[DRIFT_RULE_KIND_COUNT];
    int ignored; /* secrets + configmaps */
};

struct drift_report {
    enum drift_mode mode[2]; /* per side */
    bool read[2];            /* the side's Secret list was read */
    const char *error[2];    /* borrowed from the sides */
    struct drift_row *rows;  /* worst first: missing, type, keys, values, unknown, equal, ignored;
                                Secrets before ConfigMaps at the same state, then ns/name */
    size_t nrows;
    struct drift_es_row *es; /* sync errors and source-of-truth differences first */
    size_t nes;
    struct drift_rule_count *rules;
    size_t nrules;
    struct drift_counts counts;
};

/* Compares the two sides (either may be NULL: not read) with the rules of cfg (NULL: built-in
 * rules) and the source of truth sot (NULL: none read). The sides are sorted in place. */
struct drift_report *drift_analyze(struct drift_side *source, struct drift_side *target,
                                   const struct drift_sot *sot, const struct drift_config *cfg);
void drift_report_free(struct drift_report *r);

/* The report's findings, worst first, as analysis findings (codes: "secret-missing",
 * "secret-type-differs", "secret-keys-differ", "secret-values-differ", "configmap-missing",
 * "configmap-differs", "externalsecret-sync-error", "externalsecret-target-missing",
 * "secret-stale-vs-source-of-truth", "source-of-truth-unreadable"). Caller frees with
 * drift_findings_free. */
struct finding *drift_findings(const struct drift_report *r, size_t *n);
void drift_findings_free(struct finding *f, size_t n);

/* The drift summary as JSON (docs/status-json.md, "drift"): modes, counts, rows that are not
 * equal, ExternalSecrets, ignore rules with their counts. Never a value nor a hash. */
json_object *drift_report_json(const struct drift_report *r);

#endif
