/* AWS credential chain and region (see include/cutover/aws_creds.h). */
#include "cutover/aws_creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cutover/xalloc.h"

extern char **environ;

/* ---- INI ------------------------------------------------------------------------------------ */

struct ini_kv {
    char *key;
    char *value;
    size_t vlen;
    size_t vcap; /* allocated bytes of value (grows by doubling) */
    int line;
};

/* Limits that keep a hostile file from costing quadratic time (lookups are linear). */
#define INI_MAX_SECTIONS 4096
#define INI_MAX_KEYS 4096
#define INI_MAX_BYTES (1u << 20)

struct ini_section {
    char *name;
    int line;
    struct ini_kv *kv;
    size_t n;
};

struct aws_ini {
    struct ini_section *sec;
    size_t n;
};

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

static struct ini_section *ini_find(const struct aws_ini *ini, const char *name)
{
    for (size_t i = 0; ini && i < ini->n; i++)
        if (strcmp(ini->sec[i].name, name) == 0)
            return &ini->sec[i];
    return NULL;
}

static struct ini_kv *ini_find_kv(const struct ini_section *s, const char *key)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->kv[i].key, key) == 0)
            return &s->kv[i];
    return NULL;
}

int aws_ini_parse(const char *text, size_t len, const char *name, struct aws_ini **out,
                  struct error *err)
{
    *out = NULL;
    struct aws_ini *ini = xcalloc(1, sizeof *ini);
    struct ini_section *cur = NULL;
    struct ini_kv *last = NULL;
    int lineno = 0;
    size_t pos = 0;
    if (!name)
        name = "config";
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        const char *line = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        lineno++;
        if (n && line[n - 1] == '\r')
            n--;
        if (memchr(line, '\0', n)) {
            error_set(err, "%s:%d: NUL byte in the file", name, lineno);
            goto fail;
        }
        size_t lead = 0;
        while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
            lead++;
        if (lead == n) {
            continue; /* blank */
        }
        if (line[lead] == '#' || line[lead] == ';')
            continue;
        if (lead > 0 && last) {
            /* continuation of the previous value */
            char *more = trim_dup(line + lead, n - lead);
            size_t mlen = strlen(more);
            if (last->vlen + mlen + 2 > last->vcap) {
                size_t cap = last->vcap ? last->vcap : 64;
                while (cap < last->vlen + mlen + 2)
                    cap *= 2;
                last->value = xrealloc(last->value, cap);
                last->vcap = cap;
            }
            last->value[last->vlen] = '\n';
            memcpy(last->value + last->vlen + 1, more, mlen + 1);
            last->vlen += mlen + 1;
            free(more);
            continue;
        }
        if (lead == 0 && line[0] == '[') {
            size_t close = n;
            while (close > 0 && isspace((unsigned char)line[close - 1]))
                close--;
            if (close < 2 || line[close - 1] != ']') {
                error_set(err, "%s:%d: section header without a closing ']'", name, lineno);
                goto fail;
            }
            char *sname = xstrndup(line + 1, close - 2);
            struct ini_section *dup = ini_find(ini, sname);
            if (dup) {
                error_set(err, "%s:%d: section [%s] appears twice (first on line %d)", name, lineno,
                          sname, dup->line);
                free(sname);
                goto fail;
            }
            if (ini->n >= INI_MAX_SECTIONS) {
                error_set(err, "%s:%d: more than %d sections", name, lineno, INI_MAX_SECTIONS);
                free(sname);
                goto fail;
            }
            ini->sec = xreallocarray(ini->sec, ini->n + 1, sizeof *ini->sec);
            cur = &ini->sec[ini->n++];
            memset(cur, 0, sizeof *cur);
            cur->name = sname;
            cur->line = lineno;
            last = NULL;
            continue;
        }
        const char *body = line + lead;
        size_t bn = n - lead;
        size_t d = 0;
        while (d < bn && body[d] != '=' && body[d] != ':')
            d++;
        if (d == bn) {
            error_set(err, "%s:%d: expected 'key = value'", name, lineno);
            goto fail;
        }
        if (!cur) {
            error_set(err, "%s:%d: key before the first [section]", name, lineno);
            goto fail;
        }
        char *key = trim_dup(body, d);
        if (!*key) {
            error_set(err, "%s:%d: empty key", name, lineno);
            free(key);
            goto fail;
        }
        for (char *c = key; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        struct ini_kv *dup = ini_find_kv(cur, key);
        if (dup) {
            error_set(err, "%s:%d: key '%s' appears twice in [%s] (first on line %d)", name, lineno,
                      key, cur->name, dup->line);
            free(key);
            goto fail;
        }
        if (cur->n >= INI_MAX_KEYS) {
            error_set(err, "%s:%d: more than %d keys in [%s]", name, lineno, INI_MAX_KEYS,
                      cur->name);
            free(key);
            goto fail;
        }
        cur->kv = xreallocarray(cur->kv, cur->n + 1, sizeof *cur->kv);
        last = &cur->kv[cur->n++];
        last->key = key;
        last->value = trim_dup(body + d + 1, bn - d - 1);
        last->vlen = strlen(last->value);
        last->vcap = last->vlen + 1;
        last->line = lineno;
    }
    *out = ini;
    return 0;
fail:
    aws_ini_free(ini);
    return -1;
}

int aws_ini_load(const char *path, struct aws_ini **out, struct error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return aws_ini_parse("", 0, path, out, err);
        error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (len + n > INI_MAX_BYTES) {
            fclose(f);
            free(buf);
            error_set(err, "%s: larger than 1 MiB", path);
            return -1;
        }
        buf = xrealloc(buf, len + n + 1);
        memcpy(buf + len, tmp, n);
        len += n;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        error_set(err, "%s: read error", path);
        return -1;
    }
    int rc = aws_ini_parse(buf ? buf : "", len, path, out, err);
    if (buf)
        OPENSSL_cleanse(buf, len);
    free(buf);
    return rc;
}

const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key)
{
    struct ini_kv *kv = ini_find_kv(ini_find(ini, section), key);
    return kv ? kv->value : NULL;
}

int aws_ini_line(const struct aws_ini *ini, const char *section, const char *key)
{
    struct ini_section *s = ini_find(ini, section);
    if (!s)
        return 0;
    if (!key)
        return s->line;
    struct ini_kv *kv = ini_find_kv(s, key);
    return kv ? kv->line : 0;
}

bool aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
    return ini_find(ini, section) != NULL;
}

size_t aws_ini_section_count(const struct aws_ini *ini)
{
    return ini ? ini->n : 0;
}

const char *aws_ini_section_name(const struct aws_ini *ini, size_t i)
{
    return ini && i < ini->n ? ini->sec[i].name : NULL;
}

void aws_ini_free(struct aws_ini *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->n; i++) {
        for (size_t k = 0; k < ini->sec[i].n; k++) {
            free(ini->sec[i].kv[k].key);
            char *v = ini->sec[i].kv[k].value;
            OPENSSL_cleanse(v, strlen(v));
            free(v);
        }
        free(ini->sec[i].kv);
        free(ini->sec[i].name);
    }
    free(ini->sec);
    free(ini);
}

/* ---- paths and environment ------------------------------------------------------------------ */

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *expand_home(const char *p)
{
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
        const char *home = env_nonempty("HOME");
        return xasprintf("%s%s", home ? home : "", p + 1);
    }
    return xstrdup(p);
}

char *aws_creds_config_path(void)
{
    const char *p = env_nonempty("AWS_CONFIG_FILE");
    return expand_home(p ? p : "~/.aws/config");
}

char *aws_creds_credentials_path(void)
{
    const char *p = env_nonempty("AWS_SHARED_CREDENTIALS_FILE");
    return expand_home(p ? p : "~/.aws/credentials");
}

/* ---- the loaded configuration ------------------------------------------------------------- */

struct ctx {
    const struct aws_creds_opts *opts;
    char *config_path;
    char *creds_path;
    struct aws_ini *config;
    struct aws_ini *creds;
    time_t now;
};

/* The config file's section for a profile: [default] (or [profile default]), [profile x]. */
static const char *config_section(const struct ctx *c, const char *profile, char *buf, size_t len)
{
    /* returns the INI's own copy of the name: buf is only scratch */
    snprintf(buf, len, "profile %s", profile);
    struct ini_section *s = ini_find(c->config, buf);
    if (!s && strcmp(profile, "default") == 0)
        s = ini_find(c->config, "default");
    return s ? s->name : NULL;
}

/* A profile setting: the credentials file's value wins over the config file's, as the CLI
 * merges the two. *from tells which file (for line numbers). */
static const char *prof_get_from(const struct ctx *c, const char *profile, const char *key,
                                 const struct aws_ini **from, const char **section)
{
    const char *v = aws_ini_get(c->creds, profile, key);
    if (v) {
        if (from)
            *from = c->creds;
        if (section)
            *section = profile;
        return v;
    }
    char buf[512];
    const char *sec = config_section(c, profile, buf, sizeof buf);
    if (!sec)
        return NULL;
    v = aws_ini_get(c->config, sec, key);
    if (v) {
        if (from)
            *from = c->config;
        if (section)
            *section = sec;
    }
    return v;
}

static const char *prof_get(const struct ctx *c, const char *profile, const char *key)
{
    return prof_get_from(c, profile, key, NULL, NULL);
}

static bool profile_exists(const struct ctx *c, const char *profile)
{
    char buf[512];
    return aws_ini_has_section(c->creds, profile) || config_section(c, profile, buf, sizeof buf);
}

static int ctx_open(struct ctx *c, const struct aws_creds_opts *opts, struct error *err)
{
    memset(c, 0, sizeof *c);
    c->opts = opts;
    c->now = opts && opts->now ? opts->now : time(NULL);
    c->config_path = aws_creds_config_path();
    c->creds_path = aws_creds_credentials_path();
    if (aws_ini_load(c->config_path, &c->config, err) < 0 ||
        aws_ini_load(c->creds_path, &c->creds, err) < 0)
        return -1;
    return 0;
}

static void ctx_close(struct ctx *c)
{
    aws_ini_free(c->config);
    aws_ini_free(c->creds);
    free(c->config_path);
    free(c->creds_path);
}

static const char *profile_name(const struct aws_creds_opts *opts)
{
    if (opts && opts->profile && *opts->profile)
        return opts->profile;
    const char *p = env_nonempty("AWS_PROFILE");
    if (!p)
        p = env_nonempty("AWS_DEFAULT_PROFILE");
    return p ? p : "default";
}

/* ---- plans ---------------------------------------------------------------------------------- */

const char *aws_creds_source_name(enum aws_creds_source source)
{
    switch (source) {
    case AWS_CREDS_ENV:
        return "environment";
    case AWS_CREDS_ASSUME_ROLE:
        return "assume-role";
    case AWS_CREDS_WEB_IDENTITY:
        return "assume-role-with-web-identity";
    case AWS_CREDS_SSO:
        return "sso";
    case AWS_CREDS_SHARED_FILE:
        return "shared-credentials-file";
    case AWS_CREDS_PROCESS:
        return "custom-process";
    case AWS_CREDS_CONFIG_FILE:
        return "config-file";
    case AWS_CREDS_NONE:
        break;
    }
    return "none";
}

void aws_creds_plan_free(struct aws_creds_plan *p)
{
    if (!p)
        return;
    aws_creds_plan_free(p->source_plan);
    char **fields[] = {&p->profile,
                       &p->role_arn,
                       &p->role_session_name,
                       &p->external_id,
                       &p->mfa_serial,
                       &p->source_profile,
                       &p->credential_source,
                       &p->web_identity_token_file,
                       &p->sso_session,
                       &p->sso_start_url,
                       &p->sso_region,
                       &p->sso_account_id,
                       &p->sso_role_name,
                       &p->credential_process,
                       &p->file,
                       &p->region};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(*fields[i]);
    free(p);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static bool has_static(const struct ctx *c, const char *profile)
{
    return prof_get(c, profile, "aws_access_key_id") != NULL;
}

/* A profile with an access key must have the secret too (and the other way round). */
static int check_pair(const struct ctx *c, const struct aws_ini *ini, const char *path,
                      const char *section, const char *profile, struct error *err)
{
    bool id = aws_ini_get(ini, section, "aws_access_key_id") != NULL;
    bool secret = aws_ini_get(ini, section, "aws_secret_access_key") != NULL;
    (void)c;
    if (id && !secret) {
        error_set(err, "%s:%d: profile %s has aws_access_key_id but no aws_secret_access_key", path,
                  aws_ini_line(ini, section, "aws_access_key_id"), profile);
        return -1;
    }
    if (secret && !id) {
        error_set(err, "%s:%d: profile %s has aws_secret_access_key but no aws_access_key_id", path,
                  aws_ini_line(ini, section, "aws_secret_access_key"), profile);
        return -1;
    }
    return 0;
}

static int plan_profile(const struct ctx *c, const char *profile, bool top, const char **visited,
                        size_t nvisited, struct aws_creds_plan **out, struct error *err);

/* The profile providers (no assume-role): web identity, SSO, shared file, process, config. */
static int plan_profile_providers(const struct ctx *c, const char *profile, bool env_ok,
                                  struct aws_creds_plan *p, struct error *err)
{
    const char *role = prof_get(c, profile, "role_arn");
    const char *wif = prof_get(c, profile, "web_identity_token_file");
    if (env_ok && env_nonempty("AWS_ROLE_ARN") && env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE")) {
        p->source = AWS_CREDS_WEB_IDENTITY;
        p->role_arn = xstrdup(env_nonempty("AWS_ROLE_ARN"));
        p->web_identity_token_file = xstrdup(env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE"));
        p->role_session_name = dup_or_null(env_nonempty("AWS_ROLE_SESSION_NAME"));
        return 0;
    }
    if (role && wif) {
        p->source = AWS_CREDS_WEB_IDENTITY;
        p->role_arn = xstrdup(role);
        p->web_identity_token_file = expand_home(wif);
        p->role_session_name = dup_or_null(prof_get(c, profile, "role_session_name"));
        return 0;
    }
    const char *sso_session = prof_get(c, profile, "sso_session");
    const char *start = prof_get(c, profile, "sso_start_url");
    const char *sregion = prof_get(c, profile, "sso_region");
    if (sso_session) {
        char sec[512];
        snprintf(sec, sizeof sec, "sso-session %s", sso_session);
        if (!aws_ini_has_section(c->config, sec)) {
            error_set(err, "%s: profile %s names sso_session %s, but there is no [%s]",
                      c->config_path, profile, sso_session, sec);
            return -1;
        }
        start = aws_ini_get(c->config, sec, "sso_start_url");
        sregion = aws_ini_get(c->config, sec, "sso_region");
    }
    if (sso_session || start) {
        const char *acct = prof_get(c, profile, "sso_account_id");
        const char *rname = prof_get(c, profile, "sso_role_name");
        const char *missing = !start     ? "sso_start_url"
                              : !sregion ? "sso_region"
                              : !acct    ? "sso_account_id"
                              : !rname   ? "sso_role_name"
                                         : NULL;
        if (missing) {
            error_set(err, "profile %s: SSO configuration without %s", profile, missing);
            return -1;
        }
        p->source = AWS_CREDS_SSO;
        p->sso_session = dup_or_null(sso_session);
        p->sso_start_url = xstrdup(start);
        p->sso_region = xstrdup(sregion);
        p->sso_account_id = xstrdup(acct);
        p->sso_role_name = xstrdup(rname);
        return 0;
    }
    if (aws_ini_has_section(c->creds, profile)) {
        if (check_pair(c, c->creds, c->creds_path, profile, profile, err) < 0)
            return -1;
        if (aws_ini_get(c->creds, profile, "aws_access_key_id")) {
            p->source = AWS_CREDS_SHARED_FILE;
            p->file = xstrdup(c->creds_path);
            return 0;
        }
    }
    const char *proc = prof_get(c, profile, "credential_process");
    if (proc) {
        p->source = AWS_CREDS_PROCESS;
        p->credential_process = xstrdup(proc);
        return 0;
    }
    char buf[512];
    const char *sec = config_section(c, profile, buf, sizeof buf);
    if (sec) {
        if (check_pair(c, c->config, c->config_path, sec, profile, err) < 0)
            return -1;
        if (aws_ini_get(c->config, sec, "aws_access_key_id")) {
            p->source = AWS_CREDS_CONFIG_FILE;
            p->file = xstrdup(c->config_path);
            return 0;
        }
    }
    p->source = AWS_CREDS_NONE;
    return 0;
}

static int plan_assume_role(const struct ctx *c, const char *profile, const char **visited,
                            size_t nvisited, struct aws_creds_plan *p, struct error *err)
{
    const struct aws_ini *from = NULL;
    const char *section = NULL;
    p->source = AWS_CREDS_ASSUME_ROLE;
    p->role_arn = xstrdup(prof_get_from(c, profile, "role_arn", &from, &section));
    p->role_session_name = dup_or_null(prof_get(c, profile, "role_session_name"));
    p->external_id = dup_or_null(prof_get(c, profile, "external_id"));
    p->mfa_serial = dup_or_null(prof_get(c, profile, "mfa_serial"));
    const char *dur = prof_get(c, profile, "duration_seconds");
    if (dur) {
        char *end;
        long d = strtol(dur, &end, 10);
        if (*end || d < 900 || d > 43200) {
            error_set(err, "profile %s: duration_seconds must be 900..43200", profile);
            return -1;
        }
        p->duration_seconds = (int)d;
    }
    const char *src = prof_get(c, profile, "source_profile");
    const char *csrc = prof_get(c, profile, "credential_source");
    const char *path = from == c->creds ? c->creds_path : c->config_path;
    int line = aws_ini_line(from, section, "role_arn");
    if (src && csrc) {
        error_set(err, "%s:%d: profile %s has both source_profile and credential_source", path,
                  line, profile);
        return -1;
    }
    if (!src && !csrc) {
        error_set(err,
                  "%s:%d: profile %s has role_arn but neither source_profile nor "
                  "credential_source",
                  path, line, profile);
        return -1;
    }
    if (csrc) {
        p->credential_source = xstrdup(csrc);
        if (strcmp(csrc, "Environment") == 0) {
            struct aws_creds_plan *sp = xcalloc(1, sizeof *sp);
            sp->source = AWS_CREDS_ENV;
            p->source_plan = sp;
            return 0;
        }
        if (strcmp(csrc, "Ec2InstanceMetadata") == 0 || strcmp(csrc, "EcsContainer") == 0) {
            error_set(err,
                      "profile %s: credential_source %s is not supported (no instance "
                      "metadata)",
                      profile, csrc);
            return -1;
        }
        error_set(err, "profile %s: unknown credential_source '%s'", profile, csrc);
        return -1;
    }
    p->source_profile = xstrdup(src);
    if (!profile_exists(c, src)) {
        error_set(err, "profile %s: source_profile %s does not exist", profile, src);
        return -1;
    }
    /* A profile naming itself with static keys uses those keys (the CLI allows this). */
    if (strcmp(src, profile) == 0 && has_static(c, src)) {
        struct aws_creds_plan *sp = xcalloc(1, sizeof *sp);
        sp->profile = xstrdup(src);
        if (plan_profile_providers(c, src, false, sp, err) < 0) {
            aws_creds_plan_free(sp);
            return -1;
        }
        p->source_plan = sp;
        return 0;
    }
    for (size_t i = 0; i < nvisited; i++)
        if (strcmp(visited[i], src) == 0) {
            error_set(err, "profile %s: source_profile loop through %s", profile, src);
            return -1;
        }
    return plan_profile(c, src, false, visited, nvisited, &p->source_plan, err);
}

static int plan_profile(const struct ctx *c, const char *profile, bool top, const char **visited,
                        size_t nvisited, struct aws_creds_plan **out, struct error *err)
{
    *out = NULL;
    if (nvisited >= 16) {
        error_set(err, "profile %s: source_profile chain longer than 16", profile);
        return -1;
    }
    const char *chain[17];
    for (size_t i = 0; i < nvisited; i++)
        chain[i] = visited[i];
    chain[nvisited] = profile;

    struct aws_creds_plan *p = xcalloc(1, sizeof *p);
    p->profile = xstrdup(profile);
    p->region = dup_or_null(prof_get(c, profile, "region"));
    int rc;
    bool role = prof_get(c, profile, "role_arn") != NULL;
    bool wif = prof_get(c, profile, "web_identity_token_file") != NULL;
    if (role && !wif && (top || !has_static(c, profile)))
        rc = plan_assume_role(c, profile, chain, nvisited + 1, p, err);
    else
        rc = plan_profile_providers(c, profile, top && !(c->opts && c->opts->profile), p, err);
    if (rc == 0 && !top && p->source == AWS_CREDS_NONE) {
        error_set(err, "source profile %s has no credentials", profile);
        rc = -1;
    }
    if (rc < 0) {
        aws_creds_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static bool env_keys_present(void)
{
    return env_nonempty("AWS_ACCESS_KEY_ID") || env_nonempty("AWS_SECRET_ACCESS_KEY");
}

static int plan_top(const struct ctx *c, struct aws_creds_plan **out, struct error *err)
{
    bool explicit_profile = c->opts && c->opts->profile && *c->opts->profile;
    if (!explicit_profile && env_keys_present()) {
        if (!env_nonempty("AWS_ACCESS_KEY_ID") || !env_nonempty("AWS_SECRET_ACCESS_KEY")) {
            error_set(
                err, "%s is set but %s is not",
                env_nonempty("AWS_ACCESS_KEY_ID") ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                env_nonempty("AWS_ACCESS_KEY_ID") ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
            return -1;
        }
        struct aws_creds_plan *p = xcalloc(1, sizeof *p);
        p->source = AWS_CREDS_ENV;
        *out = p;
        return 0;
    }
    const char *profile = profile_name(c->opts);
    bool named =
        explicit_profile || env_nonempty("AWS_PROFILE") || env_nonempty("AWS_DEFAULT_PROFILE");
    if (named && !profile_exists(c, profile)) {
        error_set(err, "the config profile (%s) could not be found", profile);
        return -1;
    }
    return plan_profile(c, profile, true, NULL, 0, out, err);
}

int aws_creds_plan(const struct aws_creds_opts *opts, struct aws_creds_plan **out,
                   struct error *err)
{
    *out = NULL;
    struct ctx c;
    int rc = ctx_open(&c, opts, err);
    if (rc == 0)
        rc = plan_top(&c, out, err);
    ctx_close(&c);
    return rc;
}

static void describe_into(const struct aws_creds_plan *p, char **acc)
{
    char *line;
    const char *who = p->profile ? p->profile : "(environment)";
    switch (p->source) {
    case AWS_CREDS_ENV:
        line = xstrdup("environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
        break;
    case AWS_CREDS_ASSUME_ROLE:
        line = xasprintf("profile %s: assume role %s%s%s using %s%s", who, p->role_arn,
                         p->external_id ? " (with external_id)" : "",
                         p->mfa_serial ? " (with MFA)" : "",
                         p->source_profile ? "profile " : "credential_source ",
                         p->source_profile ? p->source_profile : p->credential_source);
        break;
    case AWS_CREDS_WEB_IDENTITY:
        line = xasprintf("profile %s: assume role %s with the web identity token in %s", who,
                         p->role_arn, p->web_identity_token_file);
        break;
    case AWS_CREDS_SSO:
        line = xasprintf("profile %s: SSO %s%s (%s), account %s, role %s", who,
                         p->sso_session ? "session " : "start URL ",
                         p->sso_session ? p->sso_session : p->sso_start_url, p->sso_region,
                         p->sso_account_id, p->sso_role_name);
        break;
    case AWS_CREDS_SHARED_FILE:
    case AWS_CREDS_CONFIG_FILE:
        line = xasprintf("profile %s: keys in %s", who, p->file);
        break;
    case AWS_CREDS_PROCESS:
        line = xasprintf("profile %s: credential_process", who);
        break;
    default:
        line = xasprintf("profile %s: no credentials", who);
        break;
    }
    char *n = *acc ? xasprintf("%s\n%s", *acc, line) : xstrdup(line);
    free(line);
    free(*acc);
    *acc = n;
    if (p->source_plan)
        describe_into(p->source_plan, acc);
}

char *aws_creds_plan_describe(const struct aws_creds_plan *plan)
{
    char *acc = NULL;
    if (plan)
        describe_into(plan, &acc);
    return acc ? acc : xstrdup("");
}

/* ---- resolving ------------------------------------------------------------------------------ */

void aws_credentials_fini(struct aws_credentials *c)
{
    if (!c)
        return;
    if (c->secret_access_key)
        OPENSSL_cleanse(c->secret_access_key, strlen(c->secret_access_key));
    if (c->session_token)
        OPENSSL_cleanse(c->session_token, strlen(c->session_token));
    free(c->access_key_id);
    free(c->secret_access_key);
    free(c->session_token);
    free(c->profile);
    memset(c, 0, sizeof *c);
}

int aws_creds_parse_time(const char *s, time_t *out)
{
    struct tm tm = {0};
    int n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    const char *rest = s + n;
    if (*rest == '.') {
        rest++;
        if (!isdigit((unsigned char)*rest))
            return -1;
        while (isdigit((unsigned char)*rest))
            rest++;
    }
    if (strcmp(rest, "Z") != 0 && strcmp(rest, "UTC") != 0 && strcmp(rest, "+00:00") != 0 &&
        strcmp(rest, "+0000") != 0)
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return 0;
}

static void fill(struct aws_credentials *out, const char *id, const char *secret, const char *token,
                 enum aws_creds_source source, const char *profile)
{
    out->access_key_id = xstrdup(id);
    out->secret_access_key = xstrdup(secret);
    out->session_token = token && *token ? xstrdup(token) : NULL;
    out->source = source;
    out->profile = dup_or_null(profile);
}

/* Splits a command line as the CLI's shlex does (quotes and backslashes; no shell). */
static char **shell_split(const char *s, size_t *argc)
{
    char **argv = NULL;
    size_t n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        char *word = xmalloc(strlen(s) + 1);
        size_t w = 0;
        char q = 0;
        while (*s && (q || !isspace((unsigned char)*s))) {
            if (q) {
                if (*s == q)
                    q = 0;
                else if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
                    word[w++] = *++s;
                else
                    word[w++] = *s;
            } else if (*s == '\'' || *s == '"') {
                q = *s;
            } else if (*s == '\\' && s[1]) {
                word[w++] = *++s;
            } else {
                word[w++] = *s;
            }
            s++;
        }
        if (q) {
            free(word);
            for (size_t i = 0; i < n; i++)
                free(argv[i]);
            free(argv);
            return NULL;
        }
        word[w] = '\0';
        argv = xreallocarray(argv, n + 2, sizeof *argv);
        argv[n++] = word;
        argv[n] = NULL;
    }
    *argc = n;
    return argv;
}

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs cmd, collecting stdout and stderr (each at most 64 KiB) within timeout_ms. */
static int run_process(const char *cmd, int timeout_ms, char **out, char **errout, int *status,
                       struct error *err)
{
    *out = *errout = NULL;
    size_t argc = 0;
    char **argv = shell_split(cmd, &argc);
    if (!argv || argc == 0) {
        error_set(err, "credential_process: cannot split the command line");
        free(argv);
        return -1;
    }
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
        fatal("credential_process: pipe failed: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        error_set(err, "credential_process: cannot run %s: %s", argv[0], strerror(rc));
        close(po[0]);
        close(pe[0]);
        for (size_t i = 0; i < argc; i++)
            free(argv[i]);
        free(argv);
        return -1;
    }
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);

    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    int fds[2] = {po[0], pe[0]};
    bool open_[2] = {true, true};
    long long deadline = ms_now() + timeout_ms;
    bool timed_out = false;
    while (open_[0] || open_[1]) {
        long long left = deadline - ms_now();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd[2];
        nfds_t np = 0;
        int map[2];
        for (int i = 0; i < 2; i++)
            if (open_[i]) {
                pfd[np].fd = fds[i];
                pfd[np].events = POLLIN;
                map[np++] = i;
            }
        int r = poll(pfd, np, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fatal("credential_process: poll failed: %s", strerror(errno));
        for (nfds_t k = 0; k < np; k++) {
            if (!pfd[k].revents)
                continue;
            int i = map[k];
            char tmp[4096];
            ssize_t got = read(fds[i], tmp, sizeof tmp);
            if (got <= 0) {
                open_[i] = false;
                continue;
            }
            if (lens[i] + (size_t)got > 65536)
                got = (ssize_t)(65536 - lens[i]);
            bufs[i] = xrealloc(bufs[i], lens[i] + (size_t)got + 1);
            memcpy(bufs[i] + lens[i], tmp, (size_t)got);
            lens[i] += (size_t)got;
            bufs[i][lens[i]] = '\0';
        }
    }
    close(po[0]);
    close(pe[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        free(bufs[0]);
        free(bufs[1]);
        error_set(err, "credential_process: no answer within %d ms (killed)", timeout_ms);
        return -1;
    }
    *out = bufs[0] ? bufs[0] : xstrdup("");
    *errout = bufs[1] ? bufs[1] : xstrdup("");
    *status = st;
    return 0;
}

static int resolve_process(const struct ctx *c, const struct aws_creds_plan *p,
                           struct aws_credentials *out, struct error *err)
{
    int timeout = c->opts && c->opts->process_timeout_ms > 0 ? c->opts->process_timeout_ms : 60000;
    char *so, *se;
    int st;
    if (run_process(p->credential_process, timeout, &so, &se, &st, err) < 0)
        return -1;
    int rc = -1;
    json_object *root = NULL;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        /* stderr is the helper's own message to the user (the CLI shows it too) */
        char first[200];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(se, "\n"), se);
        error_set(err, "credential_process for profile %s failed (%s %d): %s", p->profile,
                  WIFEXITED(st) ? "exit status" : "signal",
                  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), first);
        goto done;
    }
    root = json_tokener_parse(so);
    json_object *ver, *id, *secret, *tok, *exp;
    if (!root || !json_object_is_type(root, json_type_object)) {
        error_set(err, "credential_process for profile %s: output is not a JSON object",
                  p->profile);
        goto done;
    }
    if (!json_object_object_get_ex(root, "Version", &ver) || json_object_get_int(ver) != 1 ||
        !json_object_is_type(ver, json_type_int)) {
        error_set(err, "credential_process for profile %s: unsupported Version (want 1)",
                  p->profile);
        goto done;
    }
    if (!json_object_object_get_ex(root, "AccessKeyId", &id) ||
        !json_object_is_type(id, json_type_string) ||
        !json_object_object_get_ex(root, "SecretAccessKey", &secret) ||
        !json_object_is_type(secret, json_type_string)) {
        error_set(err,
                  "credential_process for profile %s: AccessKeyId or SecretAccessKey "
                  "missing",
                  p->profile);
        goto done;
    }
    time_t expiration = 0;
    if (json_object_object_get_ex(root, "Expiration", &exp) &&
        !json_object_is_type(exp, json_type_null)) {
        if (aws_creds_parse_time(json_object_get_string(exp), &expiration) < 0) {
            error_set(err,
                      "credential_process for profile %s: Expiration is not an ISO 8601 "
                      "UTC time",
                      p->profile);
            goto done;
        }
        if (expiration <= c->now) {
            error_set(err, "credential_process for profile %s returned expired credentials",
                      p->profile);
            goto done;
        }
    }
    const char *token = json_object_object_get_ex(root, "SessionToken", &tok) &&
                                json_object_is_type(tok, json_type_string)
                            ? json_object_get_string(tok)
                            : NULL;
    fill(out, json_object_get_string(id), json_object_get_string(secret), token, AWS_CREDS_PROCESS,
         p->profile);
    out->expiration = expiration;
    rc = 0;
done:
    json_object_put(root);
    OPENSSL_cleanse(so, strlen(so));
    free(so);
    free(se);
    return rc;
}

char *aws_sso_cache_path(const char *session_name, const char *start_url)
{
    const char *in = session_name ? session_name : start_url ? start_url : "";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL))
        fatal("aws_creds: SHA-1 failed");
    char hex[41];
    for (unsigned i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    const char *home = env_nonempty("HOME");
    return xasprintf("%s/.aws/sso/cache/%s.json", home ? home : "", hex);
}

void aws_sso_token_fini(struct aws_sso_token *t)
{
    if (!t)
        return;
    if (t->access_token)
        OPENSSL_cleanse(t->access_token, strlen(t->access_token));
    free(t->access_token);
    free(t->region);
    free(t->start_url);
    free(t->path);
    memset(t, 0, sizeof *t);
}

int aws_sso_token_load(const char *session_name, const char *start_url, struct aws_sso_token *out,
                       struct error *err)
{
    memset(out, 0, sizeof *out);
    char *path = aws_sso_cache_path(session_name, start_url);
    const char *what = session_name ? session_name : start_url;
    json_object *root = json_object_from_file(path);
    if (!root) {
        error_set(err, "SSO: no cached token for %s (%s); run aws sso login", what, path);
        free(path);
        return -1;
    }
    json_object *tok, *exp, *v;
    time_t expires = 0;
    if (!json_object_object_get_ex(root, "accessToken", &tok) ||
        !json_object_is_type(tok, json_type_string) ||
        !json_object_object_get_ex(root, "expiresAt", &exp) ||
        aws_creds_parse_time(json_object_get_string(exp), &expires) < 0) {
        error_set(err, "SSO: the cached token for %s (%s) is invalid; run aws sso login", what,
                  path);
        json_object_put(root);
        free(path);
        return -1;
    }
    out->access_token = xstrdup(json_object_get_string(tok));
    out->expires_at = expires;
    if (json_object_object_get_ex(root, "region", &v) && json_object_is_type(v, json_type_string))
        out->region = xstrdup(json_object_get_string(v));
    if (json_object_object_get_ex(root, "startUrl", &v) && json_object_is_type(v, json_type_string))
        out->start_url = xstrdup(json_object_get_string(v));
    out->path = path;
    json_object_put(root);
    return 0;
}

static void fmt_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int resolve_plan(const struct ctx *c, const struct aws_creds_plan *p,
                        struct aws_credentials *out, struct error *err);

static int resolve_static(const struct ctx *c, const struct aws_creds_plan *p,
                          struct aws_credentials *out)
{
    const struct aws_ini *ini = p->source == AWS_CREDS_SHARED_FILE ? c->creds : c->config;
    char buf[512];
    const char *sec = p->source == AWS_CREDS_SHARED_FILE
                          ? p->profile
                          : config_section(c, p->profile, buf, sizeof buf);
    const char *token = aws_ini_get(ini, sec, "aws_security_token");
    if (!token)
        token = aws_ini_get(ini, sec, "aws_session_token");
    fill(out, aws_ini_get(ini, sec, "aws_access_key_id"),
         aws_ini_get(ini, sec, "aws_secret_access_key"), token, p->source, p->profile);
    return 0;
}

static char *session_name(const struct ctx *c, const struct aws_creds_plan *p)
{
    return p->role_session_name ? xstrdup(p->role_session_name)
                                : xasprintf("cutover-session-%lld", (long long)c->now);
}

static int resolve_plan(const struct ctx *c, const struct aws_creds_plan *p,
                        struct aws_credentials *out, struct error *err)
{
    const struct aws_creds_ops *ops = c->opts ? c->opts->ops : NULL;
    switch (p->source) {
    case AWS_CREDS_ENV: {
        const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
        const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
        if (!id || !secret) {
            error_set(err, "credential_source Environment: AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY are not both set");
            return -1;
        }
        const char *token = env_nonempty("AWS_SECURITY_TOKEN");
        if (!token)
            token = env_nonempty("AWS_SESSION_TOKEN");
        fill(out, id, secret, token, AWS_CREDS_ENV, NULL);
        const char *exp = env_nonempty("AWS_CREDENTIAL_EXPIRATION");
        if (exp && aws_creds_parse_time(exp, &out->expiration) < 0) {
            aws_credentials_fini(out);
            error_set(err, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 UTC time");
            return -1;
        }
        return 0;
    }
    case AWS_CREDS_SHARED_FILE:
    case AWS_CREDS_CONFIG_FILE:
        return resolve_static(c, p, out);
    case AWS_CREDS_PROCESS:
        return resolve_process(c, p, out, err);
    case AWS_CREDS_SSO: {
        struct aws_sso_token t;
        if (aws_sso_token_load(p->sso_session, p->sso_start_url, &t, err) < 0)
            return -1;
        char when[32];
        fmt_time(t.expires_at, when, sizeof when);
        if (t.expires_at <= c->now) {
            error_set(err, "SSO: the token for %s expired at %s; run aws sso login",
                      p->sso_session ? p->sso_session : p->sso_start_url, when);
            aws_sso_token_fini(&t);
            return -1;
        }
        if (!ops || !ops->sso_get_role_credentials) {
            error_set(err, "SSO: token valid until %s, but GetRoleCredentials is not available",
                      when);
            aws_sso_token_fini(&t);
            return -1;
        }
        int rc = ops->sso_get_role_credentials(ops->ctx, p->sso_region, t.access_token,
                                               p->sso_account_id, p->sso_role_name, out, err);
        aws_sso_token_fini(&t);
        if (rc == 0) {
            out->source = AWS_CREDS_SSO;
            free(out->profile);
            out->profile = dup_or_null(p->profile);
        }
        return rc;
    }
    case AWS_CREDS_WEB_IDENTITY: {
        FILE *f = fopen(p->web_identity_token_file, "rb");
        if (!f) {
            error_set(err, "web identity: cannot read %s: %s", p->web_identity_token_file,
                      strerror(errno));
            return -1;
        }
        char *tok = xmalloc(65537);
        size_t n = fread(tok, 1, 65536, f);
        fclose(f);
        tok[n] = '\0';
        while (n && isspace((unsigned char)tok[n - 1]))
            tok[--n] = '\0';
        if (n == 0) {
            free(tok);
            error_set(err, "web identity: %s is empty", p->web_identity_token_file);
            return -1;
        }
        if (!ops || !ops->assume_role_with_web_identity) {
            OPENSSL_cleanse(tok, n);
            free(tok);
            error_set(err, "web identity: AssumeRoleWithWebIdentity (STS) is not available");
            return -1;
        }
        char *sn = session_name(c, p);
        struct aws_assume_role_params params = {.role_arn = p->role_arn,
                                                .role_session_name = sn,
                                                .duration_seconds = p->duration_seconds,
                                                .region = p->region};
        int rc = ops->assume_role_with_web_identity(ops->ctx, &params, tok, out, err);
        OPENSSL_cleanse(tok, n);
        free(tok);
        free(sn);
        if (rc == 0) {
            out->source = AWS_CREDS_WEB_IDENTITY;
            free(out->profile);
            out->profile = dup_or_null(p->profile);
        }
        return rc;
    }
    case AWS_CREDS_ASSUME_ROLE: {
        if (!ops || !ops->assume_role) {
            error_set(err, "profile %s: AssumeRole (STS) is not available", p->profile);
            return -1;
        }
        struct aws_credentials src = {0};
        if (resolve_plan(c, p->source_plan, &src, err) < 0)
            return -1;
        char *sn = session_name(c, p);
        struct aws_assume_role_params params = {.role_arn = p->role_arn,
                                                .role_session_name = sn,
                                                .external_id = p->external_id,
                                                .mfa_serial = p->mfa_serial,
                                                .duration_seconds = p->duration_seconds,
                                                .region = p->region};
        int rc = ops->assume_role(ops->ctx, &params, &src, out, err);
        aws_credentials_fini(&src);
        free(sn);
        if (rc == 0) {
            out->source = AWS_CREDS_ASSUME_ROLE;
            free(out->profile);
            out->profile = dup_or_null(p->profile);
        }
        return rc;
    }
    case AWS_CREDS_NONE:
        break;
    }
    error_set(err, "no AWS credentials for profile %s (environment, %s, %s)",
              p->profile ? p->profile : "default", c->creds_path, c->config_path);
    return -1;
}

int aws_creds_resolve(const struct aws_creds_opts *opts, struct aws_credentials *out,
                      struct error *err)
{
    memset(out, 0, sizeof *out);
    struct ctx c;
    struct aws_creds_plan *plan = NULL;
    int rc = ctx_open(&c, opts, err);
    if (rc == 0)
        rc = plan_top(&c, &plan, err);
    if (rc == 0)
        rc = resolve_plan(&c, plan, out, err);
    if (rc < 0)
        aws_credentials_fini(out);
    aws_creds_plan_free(plan);
    ctx_close(&c);
    return rc;
}

int aws_creds_region(const struct aws_creds_opts *opts, char **out, struct error *err)
{
    *out = NULL;
    const char *r = env_nonempty("AWS_REGION");
    if (!r)
        r = env_nonempty("AWS_DEFAULT_REGION");
    if (r) {
        *out = xstrdup(r);
        return 0;
    }
    struct ctx c;
    int rc = ctx_open(&c, opts, err);
    if (rc == 0) {
        const char *profile = profile_name(opts);
        const char *v = prof_get(&c, profile, "region");
        if (v && *v)
            *out = xstrdup(v);
        else {
            error_set(err, "no AWS region: set AWS_REGION or region in profile %s of %s", profile,
                      c.config_path);
            rc = -1;
        }
    }
    ctx_close(&c);
    return rc;
}
