#include "sim_scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <yaml.h>

#include "cutover/xalloc.h"
#include "sim_aws_spec.h"
#include "sim_buf.h"
#include "sim_store.h"

struct parse {
    yaml_document_t doc;
    const char *name;
    struct error *err;
};

static int fail_at(struct parse *p, yaml_node_t *n, const char *fmt, const char *a)
    __attribute__((format(printf, 3, 0)));

static int fail_at(struct parse *p, yaml_node_t *n, const char *fmt, const char *a)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a ? a : "");
    error_set_at(p->err, p->name, n ? (int)n->start_mark.line + 1 : 0,
                 n ? (int)n->start_mark.column + 1 : 0, "%s", msg);
    return -1;
}

static yaml_node_t *node(struct parse *p, int id)
{
    return yaml_document_get_node(&p->doc, id);
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_str(struct parse *p, yaml_node_t *n, char **out)
{
    const char *s = scalar(n);
    if (!s)
        return fail_at(p, n, "expected a string%s", NULL);
    free(*out);
    *out = xstrdup(s);
    return 0;
}

static int get_int(struct parse *p, yaml_node_t *n, int min, int max, int *out)
{
    const char *s = scalar(n);
    if (!s)
        return fail_at(p, n, "expected a number%s", NULL);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected a whole number from %d to %d, got \"%%s\"", min, max);
        return fail_at(p, n, msg, s);
    }
    *out = (int)v;
    return 0;
}

static int get_double(struct parse *p, yaml_node_t *n, double *out)
{
    const char *s = scalar(n);
    char *end;
    if (!s)
        return fail_at(p, n, "expected a number%s", NULL);
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0 || v > 1e6)
        return fail_at(p, n, "expected a non-negative number, got \"%s\"", s);
    *out = v;
    return 0;
}

static int get_bool(struct parse *p, yaml_node_t *n, bool *out)
{
    const char *s = scalar(n);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)) {
        *out = true;
        return 0;
    }
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)) {
        *out = false;
        return 0;
    }
    return fail_at(p, n, "expected true or false, got \"%s\"", s ? s : "(not a scalar)");
}

static int get_strlist(struct parse *p, yaml_node_t *n, char ***out, size_t *count)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(p, n, "expected a list of strings%s", NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node(p, *it);
        if (!scalar(e))
            return fail_at(p, e, "expected a string%s", NULL);
        *out = xreallocarray(*out, *count + 1, sizeof **out);
        (*out)[(*count)++] = xstrdup(scalar(e));
    }
    return 0;
}

/* Calls fn for each key of a mapping node. */
typedef int (*map_fn)(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx);

static int each_key(struct parse *p, yaml_node_t *n, const char *what, map_fn fn, void *ctx)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(p, n, "expected a mapping (%s)", what);
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        const char *key = scalar(k);
        if (!key)
            return fail_at(p, k, "expected a string key in %s", what);
        int rc = fn(p, key, k, v, ctx);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "unknown key \"%%s\" in %s", what);
            return fail_at(p, k, msg, key);
        }
    }
    return 0;
}

/* Calls fn for each element of a sequence node, growing *arr by size bytes per element. */
typedef int (*item_fn)(struct parse *p, yaml_node_t *n, void *elem);

static int each_item(struct parse *p, yaml_node_t *n, const char *what, void **arr, size_t *count,
                     size_t size, item_fn fn)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(p, n, "expected a list (%s)", what);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        *arr = xreallocarray(*arr, *count + 1, size);
        void *elem = (char *)*arr + *count * size;
        memset(elem, 0, size);
        (*count)++;
        if (fn(p, node(p, *it), elem) < 0)
            return -1;
    }
    return 0;
}

#define K(s) (strcmp(key, (s)) == 0)

static int container_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    (void)k;
    struct sim_container *c = ctx;
    if (K("name"))
        return get_str(p, v, &c->name);
    if (K("image"))
        return get_str(p, v, &c->image);
    return 1;
}

static int container_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_container *c = elem;
    if (each_key(p, n, "container", container_key, c) < 0)
        return -1;
    if (!c->image)
        return fail_at(p, n, "a container needs an image%s", NULL);
    if (!c->name) {
        /* default name: the image's last path part without tag */
        const char *s = strrchr(c->image, '/');
        c->name = xstrdup(s ? s + 1 : c->image);
        char *colon = strchr(c->name, ':');
        if (colon)
            *colon = '\0';
    }
    return 0;
}

static int workload_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_workload *w = ctx;
    if (K("kind")) {
        if (get_str(p, v, &w->kind) < 0)
            return -1;
        if (strcmp(w->kind, "Deployment") && strcmp(w->kind, "StatefulSet") &&
            strcmp(w->kind, "DaemonSet"))
            return fail_at(p, v, "kind must be Deployment, StatefulSet or DaemonSet, not \"%s\"",
                           w->kind);
        return 0;
    }
    if (K("namespace"))
        return get_str(p, v, &w->ns);
    if (K("name"))
        return get_str(p, v, &w->name);
    if (K("replicas"))
        return get_int(p, v, 0, 100000, &w->replicas);
    if (K("ready"))
        return get_int(p, v, 0, 100000, &w->ready);
    if (K("crash_looping"))
        return get_bool(p, v, &w->crash_looping);
    if (K("nodes")) {
        if (get_str(p, v, &w->nodes) < 0)
            return -1;
        if (strcmp(w->nodes, "all") && strcmp(w->nodes, "worker") &&
            strcmp(w->nodes, "control-plane"))
            return fail_at(p, v, "nodes must be all, worker or control-plane, not \"%s\"",
                           w->nodes);
        return 0;
    }
    if (K("containers"))
        return each_item(p, v, "containers", (void **)&w->containers, &w->ncontainers,
                         sizeof *w->containers, container_item);
    return 1;
}

static int workload_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_workload *w = elem;
    w->ready = -1;
    w->replicas = 1;
    if (each_key(p, n, "workload", workload_key, w) < 0)
        return -1;
    if (!w->kind || !w->name || !w->ns)
        return fail_at(p, n, "a workload needs kind, namespace and name%s", NULL);
    if (w->ncontainers == 0)
        return fail_at(p, n, "workload \"%s\" needs at least one container", w->name);
    if (w->ready > w->replicas && strcmp(w->kind, "DaemonSet") != 0)
        return fail_at(p, n, "workload \"%s\": ready is more than replicas", w->name);
    if (!w->nodes)
        w->nodes = xstrdup("all");
    return 0;
}

static int nodegroup_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    (void)k;
    struct sim_nodegroup *g = ctx;
    if (K("role")) {
        if (get_str(p, v, &g->role) < 0)
            return -1;
        if (strcmp(g->role, "control-plane") && strcmp(g->role, "worker"))
            return fail_at(p, v, "role must be control-plane or worker, not \"%s\"", g->role);
        return 0;
    }
    if (K("zone"))
        return get_str(p, v, &g->zone);
    if (K("count"))
        return get_int(p, v, 0, 20000, &g->count);
    if (K("instance_type"))
        return get_str(p, v, &g->instance_type);
    return 1;
}

static int nodegroup_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_nodegroup *g = elem;
    g->count = 1;
    if (each_key(p, n, "node group", nodegroup_key, g) < 0)
        return -1;
    if (!g->zone)
        return fail_at(p, n, "a node group needs a zone%s", NULL);
    if (!g->role)
        g->role = xstrdup("worker");
    if (!g->instance_type)
        g->instance_type = xstrdup("m5.xlarge");
    return 0;
}

/* Whether s is standard base64 (with padding), as a Secret's data values are. */
static bool is_base64(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            if (i < n - 2)
                return false;
            pad++;
        } else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return false;
        }
    }
    return true;
}

static int secret_data_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                           void *ctx)
{
    (void)k;
    struct sim_secret *s = ctx;
    const char *val = scalar(v);
    if (!val)
        return fail_at(p, v, "secret data value for \"%s\" must be a string", key);
    if (!is_base64(val))
        return fail_at(p, v, "secret data value for \"%s\" must be base64", key);
    s->keys = xreallocarray(s->keys, s->nkeys + 1, sizeof *s->keys);
    s->values = xreallocarray(s->values, s->nkeys + 1, sizeof *s->values);
    s->keys[s->nkeys] = xstrdup(key);
    s->values[s->nkeys] = xstrdup(val);
    s->nkeys++;
    return 0;
}

static int secret_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_secret *s = ctx;
    if (K("namespace"))
        return get_str(p, v, &s->ns);
    if (K("name"))
        return get_str(p, v, &s->name);
    if (K("type"))
        return get_str(p, v, &s->type);
    if (K("keys")) {
        if (s->values)
            return fail_at(p, k, "a secret has either keys or data%s", NULL);
        return get_strlist(p, v, &s->keys, &s->nkeys);
    }
    if (K("data")) {
        if (s->nkeys)
            return fail_at(p, k, "a secret has either keys or data%s", NULL);
        s->values = xcalloc(1, sizeof *s->values);
        return each_key(p, v, "secret data", secret_data_key, s);
    }
    return 1;
}

static int secret_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_secret *s = elem;
    if (each_key(p, n, "secret", secret_key, s) < 0)
        return -1;
    if (!s->ns || !s->name)
        return fail_at(p, n, "a secret needs namespace and name%s", NULL);
    if (!s->type)
        s->type = xstrdup("Opaque");
    return 0;
}

static int cm_data_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_configmap *c = ctx;
    if (!scalar(v))
        return fail_at(p, v, "configmap data value for \"%s\" must be a string", key);
    c->keys = xreallocarray(c->keys, c->n + 1, sizeof *c->keys);
    c->values = xreallocarray(c->values, c->n + 1, sizeof *c->values);
    c->keys[c->n] = xstrdup(key);
    c->values[c->n] = xstrdup(scalar(v));
    c->n++;
    return 0;
}

static int configmap_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    (void)k;
    struct sim_configmap *c = ctx;
    if (K("namespace"))
        return get_str(p, v, &c->ns);
    if (K("name"))
        return get_str(p, v, &c->name);
    if (K("data"))
        return each_key(p, v, "configmap data", cm_data_key, c);
    return 1;
}

static int configmap_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_configmap *c = elem;
    if (each_key(p, n, "configmap", configmap_key, c) < 0)
        return -1;
    if (!c->ns || !c->name)
        return fail_at(p, n, "a configmap needs namespace and name%s", NULL);
    return 0;
}

static int event_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_event_spec *e = ctx;
    if (K("namespace"))
        return get_str(p, v, &e->ns);
    if (K("type")) {
        if (get_str(p, v, &e->type) < 0)
            return -1;
        if (strcmp(e->type, "Normal") && strcmp(e->type, "Warning"))
            return fail_at(p, v, "event type must be Normal or Warning, not \"%s\"", e->type);
        return 0;
    }
    if (K("reason"))
        return get_str(p, v, &e->reason);
    if (K("object"))
        return get_str(p, v, &e->object);
    if (K("message"))
        return get_str(p, v, &e->message);
    if (K("count"))
        return get_int(p, v, 1, 1000000, &e->count);
    return 1;
}

static int event_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_event_spec *e = elem;
    e->count = 1;
    if (each_key(p, n, "event", event_key, e) < 0)
        return -1;
    if (!e->ns || !e->reason || !e->object)
        return fail_at(p, n, "an event needs namespace, reason and object%s", NULL);
    if (!strchr(e->object, '/'))
        return fail_at(p, n, "event object must be Kind/name, not \"%s\"", e->object);
    if (!e->type)
        e->type = xstrdup("Normal");
    if (!e->message)
        e->message = xstrdup(e->reason);
    return 0;
}

static int churn_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_cluster_spec *c = ctx;
    if (K("restarts_per_sec"))
        return get_double(p, v, &c->restarts_per_sec);
    if (K("rollout_every_sec"))
        return get_double(p, v, &c->rollout_every_sec);
    return 1;
}

static int size_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_size *s = ctx;
    if (K("nodes"))
        return get_int(p, v, 0, 20000, &s->nodes);
    if (K("pods"))
        return get_int(p, v, 0, 500000, &s->pods);
    if (K("namespaces"))
        return get_int(p, v, 1, 10000, &s->namespaces);
    if (K("pods_per_workload"))
        return get_int(p, v, 1, 10000, &s->pods_per_workload);
    if (K("containers_per_pod"))
        return get_int(p, v, 1, 20, &s->containers_per_pod);
    if (K("images_per_node"))
        return get_int(p, v, 0, 500, &s->images_per_node);
    if (K("zones"))
        return get_strlist(p, v, &s->zones, &s->nzones);
    return 1;
}

/* A plain scalar as YAML 1.1 / Kubernetes reads it: null, bool, integer, float or string. */
static json_object *plain_scalar(const char *s)
{
    if (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)
        return NULL;
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0)
        return json_object_new_boolean(1);
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0)
        return json_object_new_boolean(0);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && end != s && !*end)
        return json_object_new_int64(v);
    errno = 0;
    double d = strtod(s, &end);
    if (!errno && end != s && !*end && strspn(s, "0123456789.-+eE") == strlen(s))
        return json_object_new_double(d);
    return json_object_new_string(s);
}

/* The YAML node n as JSON (depth-limited). */
static int yaml_json(struct parse *p, yaml_node_t *n, int depth, json_object **out)
{
    *out = NULL;
    if (!n)
        return fail_at(p, n, "missing node%s", NULL);
    if (depth > 64)
        return fail_at(p, n, "object nested too deeply%s", NULL);
    switch (n->type) {
    case YAML_SCALAR_NODE:
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            *out = plain_scalar((const char *)n->data.scalar.value);
        else
            *out = json_object_new_string_len((const char *)n->data.scalar.value,
                                              (int)n->data.scalar.length);
        return 0;
    case YAML_SEQUENCE_NODE: {
        json_object *a = json_object_new_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            json_object *e;
            if (yaml_json(p, node(p, *it), depth + 1, &e) < 0) {
                json_object_put(a);
                return -1;
            }
            json_object_array_add(a, e);
        }
        *out = a;
        return 0;
    }
    case YAML_MAPPING_NODE: {
        json_object *o = json_object_new_object();
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *k = node(p, pr->key);
            const char *key = scalar(k);
            json_object *e;
            if (!key) {
                json_object_put(o);
                return fail_at(p, k, "expected a string key%s", NULL);
            }
            if (yaml_json(p, node(p, pr->value), depth + 1, &e) < 0) {
                json_object_put(o);
                return -1;
            }
            json_object_object_add(o, key, e);
        }
        *out = o;
        return 0;
    }
    default:
        return fail_at(p, n, "unexpected YAML node%s", NULL);
    }
}

static const char *jstr_at(json_object *o, const char *k1, const char *k2)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k1, &v))
        return NULL;
    if (k2 && (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, k2, &v)))
        return NULL;
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* One raw manifest of `objects:`: a resource the simulator serves, with metadata.name (and
 * metadata.namespace when namespaced). Kept as JSON text. */
static int object_item(struct parse *p, yaml_node_t *n, void *elem)
{
    char **out = elem;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(p, n, "an object must be a mapping (a Kubernetes manifest)%s", NULL);
    json_object *o;
    if (yaml_json(p, n, 0, &o) < 0)
        return -1;
    const char *av = jstr_at(o, "apiVersion", NULL), *kind = jstr_at(o, "kind", NULL);
    const char *name = jstr_at(o, "metadata", "name"), *ns = jstr_at(o, "metadata", "namespace");
    int rc = 0;
    if (!av || !kind) {
        rc = fail_at(p, n, "an object needs apiVersion and kind%s", NULL);
        goto out;
    }
    const char *slash = strchr(av, '/');
    char group[128];
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - av) : 0, av);
    int r = sim_res_by_kind(group, kind);
    if (r < 0) {
        char what[300];
        snprintf(what, sizeof what, "%s (%s)", kind, av);
        rc = fail_at(p, n, "the simulator does not serve %s", what);
        goto out;
    }
    if (!name || !*name) {
        rc = fail_at(p, n, "an object needs metadata.name%s", NULL);
        goto out;
    }
    if (sim_res_table[r].namespaced && (!ns || !*ns)) {
        rc = fail_at(p, n, "a %s needs metadata.namespace", kind);
        goto out;
    }
    *out = xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
out:
    json_object_put(o);
    return rc;
}

/* external_secrets_versions: [v1, v1beta1] (each at most once, the preferred one first). */
static int eso_versions(struct parse *p, yaml_node_t *v, struct sim_cluster_spec *c)
{
    static const char *const known[] = {"v1", "v1beta1"};
    char **list = NULL;
    size_t n = 0;
    if (get_strlist(p, v, &list, &n) < 0)
        return -1;
    int rc = 0;
    c->neso_versions = 0;
    if (n == 0 || n > 2)
        rc = fail_at(p, v, "external_secrets_versions lists v1, v1beta1 or both%s", "");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *got = NULL;
        for (size_t k = 0; k < 2; k++)
            if (strcmp(list[i], known[k]) == 0)
                got = known[k];
        if (got == NULL || (i == 1 && got == c->eso_versions[0]))
            rc = fail_at(p, v,
                         "external_secrets_versions: \"%s\" is not v1 or v1beta1, or is "
                         "there twice",
                         list[i]);
        else
            c->eso_versions[c->neso_versions++] = got;
    }
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return rc;
}

static int cluster_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_cluster_spec *c = ctx;
    if (K("name"))
        return get_str(p, v, &c->name);
    if (K("context"))
        return get_str(p, v, &c->context);
    if (K("version")) {
        if (get_str(p, v, &c->version) < 0)
            return -1;
        int maj, min;
        if (sscanf(c->version, "v%d.%d", &maj, &min) != 2)
            return fail_at(p, v, "version must look like v1.29.3, not \"%s\"", c->version);
        return 0;
    }
    if (K("platform")) {
        if (get_str(p, v, &c->platform) < 0)
            return -1;
        if (strcmp(c->platform, "eks") && strcmp(c->platform, "self-managed"))
            return fail_at(p, v, "platform must be eks or self-managed, not \"%s\"", c->platform);
        return 0;
    }
    if (K("region"))
        return get_str(p, v, &c->region);
    if (K("age_days"))
        return get_int(p, v, 0, 10000, &c->age_days);
    if (K("nodes"))
        return each_item(p, v, "nodes", (void **)&c->nodegroups, &c->nnodegroups,
                         sizeof *c->nodegroups, nodegroup_item);
    if (K("namespaces"))
        return get_strlist(p, v, &c->namespaces, &c->nnamespaces);
    if (K("workloads"))
        return each_item(p, v, "workloads", (void **)&c->workloads, &c->nworkloads,
                         sizeof *c->workloads, workload_item);
    if (K("secrets"))
        return each_item(p, v, "secrets", (void **)&c->secrets, &c->nsecrets, sizeof *c->secrets,
                         secret_item);
    if (K("configmaps"))
        return each_item(p, v, "configmaps", (void **)&c->configmaps, &c->nconfigmaps,
                         sizeof *c->configmaps, configmap_item);
    if (K("events"))
        return each_item(p, v, "events", (void **)&c->events, &c->nevents, sizeof *c->events,
                         event_item);
    if (K("objects"))
        return each_item(p, v, "objects", (void **)&c->objects, &c->nobjects, sizeof *c->objects,
                         object_item);
    if (K("external_secrets_versions"))
        return eso_versions(p, v, c);
    if (K("churn"))
        return each_key(p, v, "churn", churn_key, c);
    if (K("size"))
        return each_key(p, v, "size", size_key, &c->size);
    return 1;
}

static int cluster_item(struct parse *p, yaml_node_t *n, void *elem)
{
    struct sim_cluster_spec *c = elem;
    c->age_days = 400;
    c->size.pods_per_workload = 10;
    c->size.containers_per_pod = 2;
    c->size.images_per_node = 50;
    c->size.namespaces = 20;
    if (each_key(p, n, "cluster", cluster_key, c) < 0)
        return -1;
    if (!c->name)
        return fail_at(p, n, "a cluster needs a name%s", NULL);
    if (!c->context)
        c->context = xstrdup(c->name);
    if (!c->version)
        c->version = xstrdup("v1.29.10");
    if (!c->platform)
        c->platform = xstrdup(strstr(c->version, "eks") ? "eks" : "self-managed");
    if (!c->region)
        c->region = xstrdup("us-east-1");
    if (c->neso_versions == 0) {
        c->eso_versions[0] = "v1";
        c->eso_versions[1] = "v1beta1";
        c->neso_versions = 2;
    }
    for (size_t i = 0; i < c->nworkloads; i++) {
        bool known = strcmp(c->workloads[i].ns, "default") == 0 ||
                     strcmp(c->workloads[i].ns, "kube-system") == 0;
        for (size_t j = 0; j < c->nnamespaces && !known; j++)
            known = strcmp(c->namespaces[j], c->workloads[i].ns) == 0;
        if (!known) /* a namespace named by a workload exists */
        {
            c->namespaces = xreallocarray(c->namespaces, c->nnamespaces + 1, sizeof(char *));
            c->namespaces[c->nnamespaces++] = xstrdup(c->workloads[i].ns);
        }
    }
    return 0;
}

static int fault_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_buf *b = ctx;
    static const char *strs[] = {"cluster", "fault", "path"};
    static const char *ints[] = {"count", "ms", "status", "retry_after"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (K(strs[i])) {
            if (!scalar(v))
                return fail_at(p, v, "fault field \"%s\" must be a string", key);
            static const char *kinds[] = {"down", "latency",  "error",    "429",
                                          "drop", "truncate", "watch410", "list410"};
            bool known = strcmp(key, "fault") != 0;
            for (size_t j = 0; j < sizeof kinds / sizeof kinds[0] && !known; j++)
                known = strcmp(scalar(v), kinds[j]) == 0;
            if (!known)
                return fail_at(p, v,
                               "unknown fault \"%s\" (down, latency, error, 429, drop, "
                               "truncate, watch410, list410)",
                               scalar(v));
            sim_buf_addf(b, "%s\"%s\":", b->len > 1 ? "," : "", key);
            sim_buf_add_jstr(b, scalar(v));
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (K(ints[i])) {
            int x;
            if (get_int(p, v, 0, 600000, &x) < 0)
                return -1;
            sim_buf_addf(b, "%s\"%s\":%d", b->len > 1 ? "," : "", key, x);
            return 0;
        }
    }
    return 1;
}

static int fault_item(struct parse *p, yaml_node_t *n, void *elem)
{
    char **out = elem;
    struct sim_buf b = {0};
    sim_buf_add(&b, "{", 1);
    if (each_key(p, n, "fault", fault_key, &b) < 0) {
        sim_buf_fini(&b);
        return -1;
    }
    sim_buf_add(&b, "}", 1);
    if (!strstr(b.data, "\"fault\":")) {
        sim_buf_fini(&b);
        return fail_at(p, n, "a fault needs a \"fault\" kind%s", NULL);
    }
    *out = sim_buf_take(&b);
    return 0;
}

static int top_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)k;
    struct sim_scenario *sc = ctx;
    if (K("source"))
        return get_str(p, v, &sc->source);
    if (K("target"))
        return get_str(p, v, &sc->target);
    if (K("faults"))
        return each_item(p, v, "faults", (void **)&sc->faults, &sc->nfaults, sizeof *sc->faults,
                         fault_item);
    if (K("clusters"))
        return each_item(p, v, "clusters", (void **)&sc->clusters, &sc->nclusters,
                         sizeof *sc->clusters, cluster_item);
    if (K("aws")) /* sim_aws_spec.c */
        return sim_aws_spec_parse(&p->doc, v, p->name, &sc->aws, p->err);
    return 1;
}

static bool has_context(const struct sim_scenario *sc, const char *ctx)
{
    for (size_t i = 0; i < sc->nclusters; i++)
        if (strcmp(sc->clusters[i].context, ctx) == 0)
            return true;
    return false;
}

int sim_scenario_parse(const char *text, size_t len, const char *name, struct sim_scenario **out,
                       struct error *err)
{
    struct parse p = {.name = name, .err = err};
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &p.doc)) {
        error_set_at(err, name, (int)parser.problem_mark.line + 1,
                     (int)parser.problem_mark.column + 1, "%s%s%s",
                     parser.problem ? parser.problem : "YAML error", parser.context ? " " : "",
                     parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_parser_delete(&parser);
    struct sim_scenario *sc = xcalloc(1, sizeof *sc);
    yaml_node_t *root = yaml_document_get_root_node(&p.doc);
    int rc = -1;
    if (!root) {
        error_set_at(err, name, 1, 1, "the scenario is empty");
        goto out;
    }
    if (each_key(&p, root, "scenario", top_key, sc) < 0)
        goto out;
    if (sc->nclusters < 2) {
        fail_at(&p, root, "a scenario needs at least two clusters%s", NULL);
        goto out;
    }
    for (size_t i = 0; i < sc->nclusters; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(sc->clusters[i].context, sc->clusters[j].context) == 0) {
                fail_at(&p, root, "two clusters have the context \"%s\"", sc->clusters[i].context);
                goto out;
            }
    if (!sc->source)
        sc->source = xstrdup(sc->clusters[0].context);
    if (!sc->target)
        sc->target = xstrdup(sc->clusters[1].context);
    if (!has_context(sc, sc->source) || !has_context(sc, sc->target)) {
        fail_at(&p, root, "source and target must name clusters' contexts%s", NULL);
        goto out;
    }
    rc = 0;
out:
    yaml_document_delete(&p.doc);
    if (rc < 0) {
        sim_scenario_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}

int sim_scenario_load(const char *path, struct sim_scenario **out, struct error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        error_set(err, "%s: read error", path);
        return -1;
    }
    int rc = sim_scenario_parse(buf ? buf : "", len, path, out, err);
    free(buf);
    return rc;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void sim_scenario_free(struct sim_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->nclusters; i++) {
        struct sim_cluster_spec *c = &sc->clusters[i];
        free(c->name);
        free(c->context);
        free(c->version);
        free(c->platform);
        free(c->region);
        for (size_t j = 0; j < c->nnodegroups; j++) {
            free(c->nodegroups[j].role);
            free(c->nodegroups[j].zone);
            free(c->nodegroups[j].instance_type);
        }
        free(c->nodegroups);
        strv_free(c->namespaces, c->nnamespaces);
        for (size_t j = 0; j < c->nworkloads; j++) {
            struct sim_workload *w = &c->workloads[j];
            free(w->kind);
            free(w->ns);
            free(w->name);
            free(w->nodes);
            for (size_t k = 0; k < w->ncontainers; k++) {
                free(w->containers[k].name);
                free(w->containers[k].image);
            }
            free(w->containers);
        }
        free(c->workloads);
        for (size_t j = 0; j < c->nsecrets; j++) {
            free(c->secrets[j].ns);
            free(c->secrets[j].name);
            free(c->secrets[j].type);
            if (c->secrets[j].values) /* values are secret-like test data: wiped */
                for (size_t v = 0; v < c->secrets[j].nkeys; v++)
                    explicit_bzero(c->secrets[j].values[v], strlen(c->secrets[j].values[v]));
            strv_free(c->secrets[j].values, c->secrets[j].values ? c->secrets[j].nkeys : 0);
            strv_free(c->secrets[j].keys, c->secrets[j].nkeys);
        }
        free(c->secrets);
        for (size_t j = 0; j < c->nconfigmaps; j++) {
            free(c->configmaps[j].ns);
            free(c->configmaps[j].name);
            strv_free(c->configmaps[j].keys, c->configmaps[j].n);
            strv_free(c->configmaps[j].values, c->configmaps[j].n);
        }
        free(c->configmaps);
        for (size_t j = 0; j < c->nevents; j++) {
            free(c->events[j].ns);
            free(c->events[j].type);
            free(c->events[j].reason);
            free(c->events[j].object);
            free(c->events[j].message);
        }
        free(c->events);
        strv_free(c->objects, c->nobjects);
        strv_free(c->size.zones, c->size.nzones);
    }
    free(sc->clusters);
    sim_aws_spec_free(sc->aws);
    strv_free(sc->faults, sc->nfaults);
    free(sc->source);
    free(sc->target);
    free(sc);
}

char *sim_scenario_demo_text(void)
{
    size_t n = 0;
    for (size_t i = 0; sim_demo_lines[i]; i++)
        n += strlen(sim_demo_lines[i]);
    char *s = xmalloc(n + 1), *p = s;
    for (size_t i = 0; sim_demo_lines[i]; i++) {
        size_t l = strlen(sim_demo_lines[i]);
        memcpy(p, sim_demo_lines[i], l);
        p += l;
    }
    *p = '\0';
    return s;
}

#define ESO_GROUP "external-secrets.io"

size_t sim_scenario_group_versions(const struct sim_cluster_spec *c, const char *group,
                                   const char *out[2])
{
    if (strcmp(group, ESO_GROUP) != 0)
        return 0;
    if (c == NULL || c->neso_versions == 0) { /* the defaults of parse_cluster */
        out[0] = "v1";
        out[1] = "v1beta1";
        return 2;
    }
    for (size_t i = 0; i < c->neso_versions; i++)
        out[i] = c->eso_versions[i];
    return c->neso_versions;
}

bool sim_scenario_serves(const struct sim_cluster_spec *c, const char *group, const char *version)
{
    const char *v[2];
    size_t n = sim_scenario_group_versions(c, group, v);
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], version) == 0)
            return true;
    return false;
}
