#ifndef CUTOVER_KUBECONFIG_H
#define CUTOVER_KUBECONFIG_H

/* kubeconfig files, read with libyaml and merged by kubectl's rules, resolved per context into
 * what an HTTP client needs. */

#include "cutover/error.h"

#include <stdbool.h>
#include <stddef.h>

struct kubeconfig; /* opaque: the merged files */

/* How a context authenticates. */
enum kube_auth {
    KUBE_AUTH_NONE = 0,
    KUBE_AUTH_TOKEN,         /* token or tokenFile */
    KUBE_AUTH_CLIENT_CERT,   /* client-certificate(-data) + client-key(-data) */
    KUBE_AUTH_EXEC,          /* client.authentication.k8s.io exec plugin */
    KUBE_AUTH_BASIC,         /* username/password */
    KUBE_AUTH_AUTH_PROVIDER, /* legacy auth-provider: reported, not supported */
};

/* "none", "token", "client-cert", "exec", "basic", "auth-provider". */
const char *kube_auth_name(enum kube_auth auth);

struct kube_exec_env {
    char *name;
    char *value;
};

struct kube_exec {
    char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
    char *command;     /* resolved against the file's directory when it contains a '/' */
    char **args;       /* NULL-terminated */
    struct kube_exec_env *env;
    size_t nenv;
    char *install_hint;
    bool provide_cluster_info;
    char *interactive_mode; /* Never, IfAvailable, Always; NULL unset */
};

/* Everything needed to talk to one context's API server. Paths are absolute (resolved against
 * the kubeconfig file that named them); *_data fields are decoded PEM bytes. */
struct kube_context {
    char *name;      /* context name */
    char *cluster;   /* cluster name */
    char *user;      /* user (authInfo) name */
    char *namespace; /* the context's namespace, or "default" when unset */
    char *server;
    char *tls_server_name;
    char *proxy_url;
    bool insecure_skip_tls_verify;
    char *ca_file; /* certificate-authority */
    char *ca_data; /* certificate-authority-data, decoded PEM */
    size_t ca_data_len;
    enum kube_auth auth;
    char *token;      /* inline token (never logged) */
    char *token_file; /* tokenFile: read again at each use, as client-go does */
    char *client_cert_file;
    char *client_cert_data; /* decoded PEM */
    size_t client_cert_data_len;
    char *client_key_file;
    char *client_key_data; /* decoded PEM, never logged */
    size_t client_key_data_len;
    char *username;
    char *password;
    struct kube_exec *exec; /* when auth == KUBE_AUTH_EXEC */
    char *origin_file;      /* the file this context came from, for messages */
    char *auth_provider;    /* auth-provider name ("gcp", "oidc", ...) when auth is one */
};

/* Loads the files kubectl would: `path` if given, else every file of $KUBECONFIG (':'-separated,
 * the first to set a key wins), else ~/.kube/config. A missing file in $KUBECONFIG is skipped, as
 * kubectl does; a missing explicit path is an error. Errors carry file:line:col. */
int kubeconfig_load(const char *path, struct kubeconfig **out, struct error *err);
void kubeconfig_free(struct kubeconfig *kc);
/* Parses one kubeconfig held in memory (name is used in messages; relative paths resolve
 * against the working directory): for fuzzing and tests. */
int kubeconfig_load_mem(const char *data, size_t len, const char *name, struct kubeconfig **out,
                        struct error *err);
/* The files that were read, ':'-separated as given (or the default path), for messages. */
const char *kubeconfig_files(const struct kubeconfig *kc);

/* current-context, or NULL. */
const char *kubeconfig_current_context(const struct kubeconfig *kc);
/* Number of contexts and the name of the i-th, in file order. */
size_t kubeconfig_context_count(const struct kubeconfig *kc);
const char *kubeconfig_context_name(const struct kubeconfig *kc, size_t i);

/* Resolves one context (NULL: the current one) into *out, which the caller frees with
 * kube_context_fini. Errors name the file and the missing cluster/user. */
int kubeconfig_resolve(const struct kubeconfig *kc, const char *context, struct kube_context *out,
                       struct error *err);
void kube_context_fini(struct kube_context *ctx);
/* Deep-copies src into dst (for a client that keeps its own context); free with _fini. */
void kube_context_copy(struct kube_context *dst, const struct kube_context *src);
/* The bearer token to send now for a token context: the tokenFile's content (read at each call,
 * trailing whitespace removed) when readable, else the inline token. *out is the caller's. */
int kube_context_bearer_token(const struct kube_context *ctx, char **out, struct error *err);

/* An ExecCredential's result: a token or a client certificate, valid until expires (0: no
 * expiry given, kept until a 401). */
struct kube_exec_cred {
    char *token;
    char *client_cert_pem;
    char *client_key_pem;
    long long expires; /* unix seconds, 0 when not given */
};

/* Runs the exec plugin of ctx (with KUBERNETES_EXEC_INFO as client-go sets it), bounded by
 * timeout_ms; errors carry the plugin's stderr first line and its installHint. */
int kube_exec_run(const struct kube_context *ctx, int timeout_ms, struct kube_exec_cred *out,
                  struct error *err);
void kube_exec_cred_fini(struct kube_exec_cred *cred);

#endif
