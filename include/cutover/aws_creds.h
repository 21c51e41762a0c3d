#ifndef CUTOVER_AWS_CREDS_H
#define CUTOVER_AWS_CREDS_H

/* AWS credentials and region, resolved as the AWS CLI v2 does: environment, then a profile's
 * assume-role, web identity, SSO, shared credentials file, credential_process and config file
 * keys. The STS and SSO calls go through struct aws_creds_ops (no network in this module);
 * everything else (files, the token cache, credential_process) is done here. No function of
 * this module logs or puts a secret into an error message. */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cutover/error.h"

/* ---- INI files (~/.aws/config, ~/.aws/credentials) ---------------------------------------- */

struct aws_ini;

/* Parses INI text the way the CLI's configparser does: [section], "key = value" or
 * "key: value" (keys lowercased, values trimmed), full-line # and ; comments, indented lines
 * continuing the previous value. A duplicate section or key, a key outside a section or a line
 * without '=' is an error "name:LINE: ..." (name is the file's path). */
int aws_ini_parse(const char *text, size_t len, const char *name, struct aws_ini **out,
                  struct error *err);
/* Loads and parses path; a missing file is an empty INI, not an error. */
int aws_ini_load(const char *path, struct aws_ini **out, struct error *err);
/* The value of key in section, or NULL. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key);
/* The 1-based line of key in section (of the section header when key is NULL), or 0. */
int aws_ini_line(const struct aws_ini *ini, const char *section, const char *key);
/* Whether the section exists. */
bool aws_ini_has_section(const struct aws_ini *ini, const char *section);
/* Number of sections and the name of the i-th, in file order. */
size_t aws_ini_section_count(const struct aws_ini *ini);
const char *aws_ini_section_name(const struct aws_ini *ini, size_t i);
void aws_ini_free(struct aws_ini *ini);

/* ---- credentials ------------------------------------------------------------------------ */

enum aws_creds_source {
    AWS_CREDS_NONE,
    AWS_CREDS_ENV,
    AWS_CREDS_ASSUME_ROLE,
    AWS_CREDS_WEB_IDENTITY,
    AWS_CREDS_SSO,
    AWS_CREDS_SHARED_FILE,
    AWS_CREDS_PROCESS,
    AWS_CREDS_CONFIG_FILE,
};

/* Resolved credentials; all strings owned. expiration 0 means none. */
struct aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    time_t expiration;
    enum aws_creds_source source;
    char *profile; /* the profile that supplied them, NULL for the environment */
};

/* Parameters of an STS AssumeRole / AssumeRoleWithWebIdentity call. */
struct aws_assume_role_params {
    const char *role_arn;
    const char *role_session_name;
    const char *external_id; /* NULL: none */
    const char *mfa_serial;  /* NULL: none */
    int duration_seconds;    /* 0: the service default */
    const char *region;      /* the profile's region for a regional STS endpoint, or NULL */
};

/* The network calls the chain needs; a NULL member means "not available", and a profile that
 * needs it fails with an error saying so. Each returns 0 and fills out, or negative. */
struct aws_creds_ops {
    void *ctx;
    int (*assume_role)(void *ctx, const struct aws_assume_role_params *params,
                       const struct aws_credentials *source, struct aws_credentials *out,
                       struct error *err);
    int (*assume_role_with_web_identity)(void *ctx, const struct aws_assume_role_params *params,
                                         const char *web_identity_token,
                                         struct aws_credentials *out, struct error *err);
    int (*sso_get_role_credentials)(void *ctx, const char *sso_region, const char *access_token,
                                    const char *account_id, const char *role_name,
                                    struct aws_credentials *out, struct error *err);
};

struct aws_creds_opts {
    /* An explicit profile (like --profile): the environment's keys are then not used. NULL
     * takes AWS_PROFILE, then AWS_DEFAULT_PROFILE, then "default". */
    const char *profile;
    /* Longest a credential_process may run, in ms (0: 60000). */
    int process_timeout_ms;
    /* "Now" for expiry checks and session names (0: time(NULL)). */
    time_t now;
    const struct aws_creds_ops *ops; /* NULL: no network calls */
};

/* How a profile's credentials would be obtained (no secrets in it). */
struct aws_creds_plan {
    enum aws_creds_source source;
    char *profile;
    char *role_arn;
    char *role_session_name;
    char *external_id;
    char *mfa_serial;
    int duration_seconds;
    char *source_profile;
    char *credential_source;
    char *web_identity_token_file;
    char *sso_session;
    char *sso_start_url;
    char *sso_region;
    char *sso_account_id;
    char *sso_role_name;
    char *credential_process;
    char *file;   /* the file the keys are in (shared file or config file sources) */
    char *region; /* the profile's region, if any */
    struct aws_creds_plan *source_plan; /* assume-role: how the source credentials come */
};

/* Works out which source would supply credentials, following source_profile chains (a loop is
 * an error). */
int aws_creds_plan(const struct aws_creds_opts *opts, struct aws_creds_plan **out,
                   struct error *err);
/* One line per step, e.g. "profile prod: assume role arn:... using profile base". */
char *aws_creds_plan_describe(const struct aws_creds_plan *plan);
void aws_creds_plan_free(struct aws_creds_plan *plan);

/* Resolves credentials through the chain. On success out is filled (release it with
 * aws_credentials_fini). */
int aws_creds_resolve(const struct aws_creds_opts *opts, struct aws_credentials *out,
                      struct error *err);
/* Frees the strings (wiping the secret ones) and zeroes c. */
void aws_credentials_fini(struct aws_credentials *c);
/* A short name for a source ("environment", "shared-credentials-file", ...). */
const char *aws_creds_source_name(enum aws_creds_source source);

/* The region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region. *out is a new string;
 * no region at all is an error. */
int aws_creds_region(const struct aws_creds_opts *opts, char **out, struct error *err);

/* The config and credentials file paths (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE or
 * ~/.aws/...), new strings. */
char *aws_creds_config_path(void);
char *aws_creds_credentials_path(void);

/* ---- SSO token cache ---------------------------------------------------------------------- */

/* A token `aws sso login` cached in ~/.aws/sso/cache/<sha1 of session name or start URL>.json. */
struct aws_sso_token {
    char *access_token;
    time_t expires_at;
    char *region;    /* may be NULL */
    char *start_url; /* may be NULL */
    char *path;
};

/* The cache file path for a session name (sso_session) or, when NULL, a start URL. */
char *aws_sso_cache_path(const char *session_name, const char *start_url);
/* Loads and parses the cached token; a missing file or one without accessToken/expiresAt is an
 * error naming the file and saying to run aws sso login. Expiry is not checked here. */
int aws_sso_token_load(const char *session_name, const char *start_url, struct aws_sso_token *out,
                       struct error *err);
void aws_sso_token_fini(struct aws_sso_token *t);

/* Parses an ISO 8601 UTC time ("2026-11-23T12:00:00Z", fractions, "UTC" or "+00:00"). */
int aws_creds_parse_time(const char *s, time_t *out);

#endif
