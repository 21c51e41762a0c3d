/* The scenario's `aws:` section, parsed from the libyaml document sim_scenario.c loaded. */
#include "sim_aws_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cutover/xalloc.h"

struct sp {
    yaml_document_t *doc;
    const char *name;
    struct error *err;
};

static int bad(struct sp *p, yaml_node_t *n, const char *fmt, const char *a)
    __attribute__((format(printf, 3, 0)));

static int bad(struct sp *p, yaml_node_t *n, const char *fmt, const char *a)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a ? a : "");
    error_set_at(p->err, p->name, n ? (int)n->start_mark.line + 1 : 0,
                 n ? (int)n->start_mark.column + 1 : 0, "%s", msg);
    return -1;
}

static const char *scal(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int str(struct sp *p, yaml_node_t *n, char **out)
{
    const char *s = scal(n);
    if (!s)
        return bad(p, n, "expected a string%s", NULL);
    free(*out);
    *out = xstrdup(s);
    return 0;
}

static int num(struct sp *p, yaml_node_t *n, int min, int max, int *out)
{
    const char *s = scal(n);
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < min || v > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected a whole number from %d to %d%%s", min, max);
        return bad(p, n, msg, NULL);
    }
    *out = (int)v;
    return 0;
}

static int strlist(struct sp *p, yaml_node_t *n, char ***out, size_t *count)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return bad(p, n, "expected a list of strings%s", NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(p->doc, *it);
        if (!scal(e))
            return bad(p, e, "expected a string%s", NULL);
        *out = xreallocarray(*out, *count + 1, sizeof **out);
        (*out)[(*count)++] = xstrdup(scal(e));
    }
    return 0;
}

typedef int (*key_fn)(struct sp *p, const char *key, yaml_node_t *v, void *ctx);

static int keys(struct sp *p, yaml_node_t *n, const char *what, key_fn fn, void *ctx)
{
    if (n->type != YAML_MAPPING_NODE)
        return bad(p, n, "expected a mapping (%s)", what);
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        const char *key = scal(k);
        if (!key)
            return bad(p, k, "expected a string key in %s", what);
        int rc = fn(p, key, v, ctx);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "unknown key \"%%s\" in %s", what);
            return bad(p, k, msg, key);
        }
    }
    return 0;
}

typedef int (*item_fn)(struct sp *p, yaml_node_t *n, void *elem);

static int items(struct sp *p, yaml_node_t *n, const char *what, void **arr, size_t *count,
                 size_t size, item_fn fn)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return bad(p, n, "expected a list (%s)", what);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        *arr = xreallocarray(*arr, *count + 1, size);
        void *elem = (char *)*arr + *count * size;
        memset(elem, 0, size);
        (*count)++;
        if (fn(p, yaml_document_get_node(p->doc, *it), elem) < 0)
            return -1;
    }
    return 0;
}

#define K(s) (strcmp(key, (s)) == 0)

/* ---- credentials, roles, SSO ---- */

static int cred_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_cred_spec *c = ctx;
    if (K("access_key_id"))
        return str(p, v, &c->access_key_id);
    if (K("secret_access_key"))
        return str(p, v, &c->secret_access_key);
    if (K("arn"))
        return str(p, v, &c->arn);
    return 1;
}

static int cred_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_cred_spec *c = elem;
    if (keys(p, n, "credential", cred_key, c) < 0)
        return -1;
    if (!c->access_key_id || !c->secret_access_key || !c->arn)
        return bad(p, n, "a credential needs access_key_id, secret_access_key and arn%s", NULL);
    return 0;
}

static int role_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_role_spec *r = ctx;
    if (K("arn"))
        return str(p, v, &r->arn);
    if (K("trust"))
        return strlist(p, v, &r->trust, &r->ntrust);
    if (K("web_identity_tokens"))
        return strlist(p, v, &r->web_identity_tokens, &r->ntokens);
    return 1;
}

static int role_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_role_spec *r = elem;
    if (keys(p, n, "role", role_key, r) < 0)
        return -1;
    if (!r->arn || strncmp(r->arn, "arn:aws:iam::", 13) != 0 || !strstr(r->arn, ":role/"))
        return bad(p, n, "a role needs an arn (arn:aws:iam::ACCOUNT:role/NAME)%s", NULL);
    return 0;
}

static int sso_role_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_sso_role_spec *r = ctx;
    if (K("account"))
        return str(p, v, &r->account);
    if (K("role_name"))
        return str(p, v, &r->role_name);
    return 1;
}

static int sso_role_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_sso_role_spec *r = elem;
    if (keys(p, n, "sso role", sso_role_key, r) < 0)
        return -1;
    if (!r->account || !r->role_name)
        return bad(p, n, "an SSO role needs account and role_name%s", NULL);
    return 0;
}

static int sso_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_spec *s = ctx;
    if (K("access_token"))
        return str(p, v, &s->sso_access_token);
    if (K("roles"))
        return items(p, v, "sso roles", (void **)&s->sso_roles, &s->nsso_roles,
                     sizeof *s->sso_roles, sso_role_item);
    return 1;
}

/* ---- Route53 ---- */

static char *dotted(const char *s)
{
    size_t n = strlen(s);
    return n && s[n - 1] == '.' ? xstrdup(s) : xasprintf("%s.", s);
}

static int record_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_record_spec *r = ctx;
    if (K("name")) {
        char *s = NULL;
        if (str(p, v, &s) < 0)
            return -1;
        free(r->name);
        r->name = dotted(s);
        free(s);
        return 0;
    }
    if (K("type"))
        return str(p, v, &r->type);
    if (K("set_identifier"))
        return str(p, v, &r->set_identifier);
    if (K("weight"))
        return num(p, v, 0, 255, &r->weight);
    if (K("ttl"))
        return num(p, v, 0, 2147483647, &r->ttl);
    if (K("values"))
        return strlist(p, v, &r->values, &r->nvalues);
    return 1;
}

static int record_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_record_spec *r = elem;
    r->weight = -1;
    r->ttl = 300;
    if (keys(p, n, "record", record_key, r) < 0)
        return -1;
    if (!r->name || !r->type || !r->nvalues)
        return bad(p, n, "a record needs name, type and values%s", NULL);
    if ((r->set_identifier != NULL) != (r->weight >= 0))
        return bad(p, n, "a weighted record needs both set_identifier and weight%s", NULL);
    return 0;
}

static int zone_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_zone_spec *z = ctx;
    if (K("zone")) {
        char *s = NULL;
        if (str(p, v, &s) < 0)
            return -1;
        free(z->name);
        z->name = dotted(s);
        free(s);
        return 0;
    }
    if (K("id"))
        return str(p, v, &z->id);
    if (K("records"))
        return items(p, v, "records", (void **)&z->records, &z->nrecords, sizeof *z->records,
                     record_item);
    return 1;
}

static bool in_zone(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    if (n < z || strcasecmp(name + n - z, zone) != 0)
        return false;
    return n == z || name[n - z - 1] == '.';
}

static int zone_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_zone_spec *z = elem;
    if (keys(p, n, "route53 zone", zone_key, z) < 0)
        return -1;
    if (!z->name)
        return bad(p, n, "a zone needs a name (zone: example.com.)%s", NULL);
    if (!z->id) {
        char id[32];
        unsigned h = 2166136261u;
        for (const char *c = z->name; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        snprintf(id, sizeof id, "Z0SIM%010u", h);
        z->id = xstrdup(id);
    }
    for (size_t i = 0; i < z->nrecords; i++)
        if (!in_zone(z->records[i].name, z->name))
            return bad(p, n, "a record is not inside the zone \"%s\"", z->name);
    return 0;
}

/* ---- ELBv2 ---- */

static int target_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_target_spec *t = ctx;
    if (K("id"))
        return str(p, v, &t->id);
    if (K("port"))
        return num(p, v, 1, 65535, &t->port);
    if (K("health")) {
        if (str(p, v, &t->health) < 0)
            return -1;
        static const char *ok[] = {"healthy",  "unhealthy", "initial",
                                   "draining", "unused",    "unavailable"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            if (strcmp(t->health, ok[i]) == 0)
                return 0;
        return bad(p, v,
                   "health must be healthy, unhealthy, initial, draining, unused or "
                   "unavailable, not \"%s\"",
                   t->health);
    }
    return 1;
}

static int target_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_target_spec *t = elem;
    if (keys(p, n, "target", target_key, t) < 0)
        return -1;
    if (!t->id)
        return bad(p, n, "a target needs an id%s", NULL);
    if (!t->health)
        t->health = xstrdup("healthy");
    return 0;
}

static int tg_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_tg_spec *t = ctx;
    if (K("name"))
        return str(p, v, &t->name);
    if (K("protocol"))
        return str(p, v, &t->protocol);
    if (K("port"))
        return num(p, v, 1, 65535, &t->port);
    if (K("target_type"))
        return str(p, v, &t->target_type);
    if (K("targets"))
        return items(p, v, "targets", (void **)&t->targets, &t->ntargets, sizeof *t->targets,
                     target_item);
    return 1;
}

static int tg_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_tg_spec *t = elem;
    t->port = 80;
    if (keys(p, n, "target group", tg_key, t) < 0)
        return -1;
    if (!t->name)
        return bad(p, n, "a target group needs a name%s", NULL);
    if (!t->protocol)
        t->protocol = xstrdup("HTTP");
    if (!t->target_type)
        t->target_type = xstrdup("ip");
    return 0;
}

/* forward: {tg-name: weight, ...} in order */
static int forward(struct sp *p, yaml_node_t *n, struct sim_aws_forward_spec **out, size_t *count)
{
    if (n->type != YAML_MAPPING_NODE)
        return bad(p, n, "forward must be a mapping of target group names to weights%s", NULL);
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        if (!scal(k))
            return bad(p, k, "expected a target group name%s", NULL);
        *out = xreallocarray(*out, *count + 1, sizeof **out);
        struct sim_aws_forward_spec *f = &(*out)[(*count)++];
        f->target_group = xstrdup(scal(k));
        if (num(p, v, 0, 999, &f->weight) < 0)
            return -1;
    }
    if (*count == 0 || *count > 5)
        return bad(p, n, "forward needs 1 to 5 target groups%s", NULL);
    return 0;
}

static int rule_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_rule_spec *r = ctx;
    if (K("priority"))
        return num(p, v, 1, 50000, &r->priority);
    if (K("path"))
        return str(p, v, &r->path);
    if (K("forward"))
        return forward(p, v, &r->forward, &r->nforward);
    return 1;
}

static int rule_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_rule_spec *r = elem;
    if (keys(p, n, "rule", rule_key, r) < 0)
        return -1;
    if (!r->priority || !r->path || !r->nforward)
        return bad(p, n, "a rule needs priority, path and forward%s", NULL);
    return 0;
}

static int listener_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_listener_spec *l = ctx;
    if (K("port"))
        return num(p, v, 1, 65535, &l->port);
    if (K("protocol"))
        return str(p, v, &l->protocol);
    if (K("forward"))
        return forward(p, v, &l->forward, &l->nforward);
    if (K("rules"))
        return items(p, v, "rules", (void **)&l->rules, &l->nrules, sizeof *l->rules, rule_item);
    return 1;
}

static int listener_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_listener_spec *l = elem;
    if (keys(p, n, "listener", listener_key, l) < 0)
        return -1;
    if (!l->port || !l->nforward)
        return bad(p, n, "a listener needs port and forward%s", NULL);
    if (!l->protocol)
        l->protocol = xstrdup(l->port == 443 ? "HTTPS" : "HTTP");
    return 0;
}

static int lb_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_lb_spec *l = ctx;
    if (K("name"))
        return str(p, v, &l->name);
    if (K("type"))
        return str(p, v, &l->type);
    if (K("scheme"))
        return str(p, v, &l->scheme);
    if (K("listeners"))
        return items(p, v, "listeners", (void **)&l->listeners, &l->nlisteners,
                     sizeof *l->listeners, listener_item);
    return 1;
}

static int lb_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct sim_aws_lb_spec *l = elem;
    if (keys(p, n, "load balancer", lb_key, l) < 0)
        return -1;
    if (!l->name)
        return bad(p, n, "a load balancer needs a name%s", NULL);
    if (!l->type)
        l->type = xstrdup("application");
    if (!l->scheme)
        l->scheme = xstrdup("internet-facing");
    return 0;
}

static int elb_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_spec *s = ctx;
    if (K("target_groups"))
        return items(p, v, "target_groups", (void **)&s->tgs, &s->ntgs, sizeof *s->tgs, tg_item);
    if (K("load_balancers"))
        return items(p, v, "load_balancers", (void **)&s->lbs, &s->nlbs, sizeof *s->lbs, lb_item);
    return 1;
}

/* ---- Secrets Manager ---- */

struct secret_parse {
    struct sim_aws_secret_spec *s;
    json_object *keys;
};

static int secret_keys(struct sp *p, yaml_node_t *n, json_object *o)
{
    if (n->type != YAML_MAPPING_NODE)
        return bad(p, n, "keys must be a mapping of key names to string values%s", NULL);
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        if (!scal(k) || !scal(v))
            return bad(p, k, "keys must be a mapping of key names to string values%s", NULL);
        json_object_object_add(o, scal(k), json_object_new_string(scal(v)));
    }
    return 0;
}

static int secret_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct secret_parse *sp = ctx;
    if (K("name"))
        return str(p, v, &sp->s->name);
    if (K("description"))
        return str(p, v, &sp->s->description);
    if (K("string"))
        return str(p, v, &sp->s->string);
    if (K("keys")) {
        if (!sp->keys)
            sp->keys = json_object_new_object();
        return secret_keys(p, v, sp->keys);
    }
    return 1;
}

static int secret_item(struct sp *p, yaml_node_t *n, void *elem)
{
    struct secret_parse sp = {.s = elem};
    int rc = keys(p, n, "secret", secret_key, &sp);
    if (rc == 0 && (!sp.s->name || (sp.s->string != NULL) == (sp.keys != NULL)))
        rc = bad(p, n, "a secret needs a name and exactly one of keys or string%s", NULL);
    if (rc == 0 && sp.keys)
        sp.s->string = xstrdup(json_object_to_json_string_ext(sp.keys, JSON_C_TO_STRING_PLAIN));
    json_object_put(sp.keys);
    return rc;
}

/* ---- the section ---- */

static int aws_key(struct sp *p, const char *key, yaml_node_t *v, void *ctx)
{
    struct sim_aws_spec *s = ctx;
    if (K("account"))
        return str(p, v, &s->account);
    if (K("region"))
        return str(p, v, &s->region);
    if (K("change_delay_ms"))
        return num(p, v, 0, 600000, &s->change_delay_ms);
    if (K("credentials"))
        return items(p, v, "credentials", (void **)&s->creds, &s->ncreds, sizeof *s->creds,
                     cred_item);
    if (K("roles"))
        return items(p, v, "roles", (void **)&s->roles, &s->nroles, sizeof *s->roles, role_item);
    if (K("sso"))
        return keys(p, v, "sso", sso_key, s);
    if (K("route53"))
        return items(p, v, "route53", (void **)&s->zones, &s->nzones, sizeof *s->zones, zone_item);
    if (K("elbv2"))
        return keys(p, v, "elbv2", elb_key, s);
    if (K("secrets"))
        return items(p, v, "secrets", (void **)&s->secrets, &s->nsecrets, sizeof *s->secrets,
                     secret_item);
    return 1;
}

static bool tg_known(const struct sim_aws_spec *s, const char *name)
{
    for (size_t i = 0; i < s->ntgs; i++)
        if (strcmp(s->tgs[i].name, name) == 0)
            return true;
    return false;
}

static int forwards_known(struct sp *p, yaml_node_t *n, const struct sim_aws_spec *s,
                          const struct sim_aws_forward_spec *f, size_t nf)
{
    for (size_t i = 0; i < nf; i++)
        if (!tg_known(s, f[i].target_group))
            return bad(p, n, "forward names an unknown target group \"%s\"", f[i].target_group);
    return 0;
}

int sim_aws_spec_parse(yaml_document_t *doc, yaml_node_t *n, const char *name,
                       struct sim_aws_spec **out, struct error *err)
{
    struct sp p = {.doc = doc, .name = name, .err = err};
    struct sim_aws_spec *s = xcalloc(1, sizeof *s);
    s->change_delay_ms = 1000;
    int rc = keys(&p, n, "aws", aws_key, s);
    if (rc == 0 && !s->ncreds)
        rc = bad(&p, n, "the aws section needs at least one credential%s", NULL);
    if (rc == 0) {
        if (!s->account)
            s->account = xstrdup("111122223333");
        if (!s->region)
            s->region = xstrdup("us-east-1");
        for (size_t i = 0; rc == 0 && i < s->nlbs; i++)
            for (size_t j = 0; rc == 0 && j < s->lbs[i].nlisteners; j++) {
                const struct sim_aws_listener_spec *l = &s->lbs[i].listeners[j];
                rc = forwards_known(&p, n, s, l->forward, l->nforward);
                for (size_t k = 0; rc == 0 && k < l->nrules; k++)
                    rc = forwards_known(&p, n, s, l->rules[k].forward, l->rules[k].nforward);
            }
    }
    if (rc < 0) {
        sim_aws_spec_free(s);
        return -1;
    }
    sim_aws_spec_free(*out); /* a second aws: key replaces the first */
    *out = s;
    return 0;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void forward_free(struct sim_aws_forward_spec *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i].target_group);
    free(f);
}

void sim_aws_spec_free(struct sim_aws_spec *s)
{
    if (!s)
        return;
    free(s->account);
    free(s->region);
    for (size_t i = 0; i < s->ncreds; i++) {
        free(s->creds[i].access_key_id);
        free(s->creds[i].secret_access_key);
        free(s->creds[i].arn);
    }
    free(s->creds);
    for (size_t i = 0; i < s->nroles; i++) {
        free(s->roles[i].arn);
        strv_free(s->roles[i].trust, s->roles[i].ntrust);
        strv_free(s->roles[i].web_identity_tokens, s->roles[i].ntokens);
    }
    free(s->roles);
    free(s->sso_access_token);
    for (size_t i = 0; i < s->nsso_roles; i++) {
        free(s->sso_roles[i].account);
        free(s->sso_roles[i].role_name);
    }
    free(s->sso_roles);
    for (size_t i = 0; i < s->nzones; i++) {
        struct sim_aws_zone_spec *z = &s->zones[i];
        for (size_t j = 0; j < z->nrecords; j++) {
            free(z->records[j].name);
            free(z->records[j].type);
            free(z->records[j].set_identifier);
            strv_free(z->records[j].values, z->records[j].nvalues);
        }
        free(z->records);
        free(z->name);
        free(z->id);
    }
    free(s->zones);
    for (size_t i = 0; i < s->ntgs; i++) {
        struct sim_aws_tg_spec *t = &s->tgs[i];
        for (size_t j = 0; j < t->ntargets; j++) {
            free(t->targets[j].id);
            free(t->targets[j].health);
        }
        free(t->targets);
        free(t->name);
        free(t->protocol);
        free(t->target_type);
    }
    free(s->tgs);
    for (size_t i = 0; i < s->nlbs; i++) {
        struct sim_aws_lb_spec *l = &s->lbs[i];
        for (size_t j = 0; j < l->nlisteners; j++) {
            struct sim_aws_listener_spec *li = &l->listeners[j];
            forward_free(li->forward, li->nforward);
            for (size_t k = 0; k < li->nrules; k++) {
                free(li->rules[k].path);
                forward_free(li->rules[k].forward, li->rules[k].nforward);
            }
            free(li->rules);
            free(li->protocol);
        }
        free(l->listeners);
        free(l->name);
        free(l->type);
        free(l->scheme);
    }
    free(s->lbs);
    for (size_t i = 0; i < s->nsecrets; i++) {
        free(s->secrets[i].name);
        free(s->secrets[i].string);
        free(s->secrets[i].description);
    }
    free(s->secrets);
    free(s);
}
