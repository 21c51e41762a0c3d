/* kubeconfig parsing, merging and resolution over tests/kubeconfigs/ and inline documents. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/kubeconfig.h"
#include "cutover/xalloc.h"
#include "../lib/testfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char corpus[PATH_MAX];
static char home[PATH_MAX];

static char *corpus_path(const char *rel)
{
    return xasprintf("%s/%s", corpus, rel);
}

static struct kubeconfig *load_ok(const char *path)
{
    struct kubeconfig *kc = NULL;
    struct error err;
    error_clear(&err);
    char msg[1024];
    int rc = kubeconfig_load(path, &kc, &err);
    if (rc != 0)
        fail_msg("load %s: %s", path ? path : "(env)", error_format(&err, msg, sizeof msg));
    return kc;
}

/* Loads a document from memory, expecting failure; returns the formatted message. */
static const char *load_mem_err(const char *doc, char *msg, size_t len)
{
    struct kubeconfig *kc = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(kubeconfig_load_mem(doc, strlen(doc), "kc.yaml", &kc, &err), -1);
    assert_null(kc);
    return error_format(&err, msg, len);
}

static void resolve_ok(const struct kubeconfig *kc, const char *ctx, struct kube_context *out)
{
    struct error err;
    error_clear(&err);
    char msg[1024];
    if (kubeconfig_resolve(kc, ctx, out, &err) != 0)
        fail_msg("resolve %s: %s", ctx ? ctx : "(current)", error_format(&err, msg, sizeof msg));
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    snprintf(corpus, sizeof corpus, "%s/tests/kubeconfigs", src ? src : ".");
    snprintf(home, sizeof home, "/tmp/cutover-kc-unit-XXXXXX");
    if (mkdtemp(home) == NULL)
        return -1;
    setenv("HOME", home, 1);
    unsetenv("KUBECONFIG");
    return chdir(corpus);
}

static int teardown(void **state)
{
    (void)state;
    char *cfg = xasprintf("%s/.kube/config", home);
    char *dir = xasprintf("%s/.kube", home);
    unlink(cfg);
    rmdir(dir);
    rmdir(home);
    free(cfg);
    free(dir);
    return 0;
}

/* A wrong type is reported at the value's line and column, with the field's path. */
static void test_error_names_file_line_col(void **state)
{
    (void)state;
    char msg[1024];
    const char *doc = "apiVersion: v1\n"
                      "kind: Config\n"
                      "clusters:\n"
                      "- name: c\n"
                      "  cluster:\n"
                      "    insecure-skip-tls-verify: false\n"
                      "    server: 8080\n";
    assert_string_equal(load_mem_err(doc, msg, sizeof msg),
                        "kc.yaml:7:13: clusters[0].cluster.server: expected a string");

    const char *doc2 = "users:\n"
                       "- name: u\n"
                       "  user:\n"
                       "    exec:\n"
                       "      command: aws\n"
                       "      args: [a, {b: c}]\n";
    assert_string_equal(load_mem_err(doc2, msg, sizeof msg),
                        "kc.yaml:6:17: users[0].user.exec.args[1]: expected a string");

    const char *doc3 = "clusters:\n"
                       "- name: c\n"
                       "  cluster:\n"
                       "    insecure-skip-tls-verify: \"true\"\n";
    assert_string_equal(
        load_mem_err(doc3, msg, sizeof msg),
        "kc.yaml:4:31: clusters[0].cluster.insecure-skip-tls-verify: expected true or false");

    const char *doc4 = "contexts: {a: b}\n";
    assert_string_equal(load_mem_err(doc4, msg, sizeof msg),
                        "kc.yaml:1:11: contexts: expected a list");
}

static void test_yaml_syntax_error_has_position(void **state)
{
    (void)state;
    char msg[1024];
    const char *doc = "clusters:\n"
                      "- name: c\n"
                      "  cluster: {server: \"https://x\"\n"
                      "users: []\n";
    const char *m = load_mem_err(doc, msg, sizeof msg);
    assert_non_null(strstr(m, "kc.yaml:4:"));
    assert_non_null(strstr(m, "invalid YAML"));
    assert_non_null(strstr(m, "flow mapping that starts at line 3, column 12"));
    assert_string_equal(load_mem_err("- just\n- a list\n", msg, sizeof msg),
                        "kc.yaml:1:1: kubeconfig: expected a mapping at the top level");
}

/* Go's base64 (behind kubectl) refuses spaces and bad padding; so do we, at the value. */
static void test_bad_base64_is_an_error(void **state)
{
    (void)state;
    char msg[1024];
    const char *doc = "clusters:\n"
                      "- name: c\n"
                      "  cluster:\n"
                      "    server: https://x\n"
                      "    certificate-authority-data: \"aGVsbG8 gd29ybGQ=\"\n";
    assert_string_equal(
        load_mem_err(doc, msg, sizeof msg),
        "kc.yaml:5:33: clusters[0].cluster.certificate-authority-data: invalid base64");
    const char *doc2 = "users:\n"
                       "- name: u\n"
                       "  user:\n"
                       "    client-key-data: aGVsbG8\n";
    assert_string_equal(load_mem_err(doc2, msg, sizeof msg),
                        "kc.yaml:4:22: users[0].user.client-key-data: invalid base64");
}

static void test_duplicate_name_in_one_file(void **state)
{
    (void)state;
    char msg[1024];
    const char *doc = "clusters:\n"
                      "- name: c\n"
                      "  cluster: {server: https://a}\n"
                      "- name: c\n"
                      "  cluster: {server: https://b}\n";
    assert_string_equal(load_mem_err(doc, msg, sizeof msg),
                        "kc.yaml:4:3: clusters[1]: duplicate name \"c\" in clusters");
}

/* Found by fuzz_kubeconfig: a second "name" key that is not a string, after a first one, is an
 * error at the second key's value (and, under ASan, leaks nothing). */
static void test_second_name_key_that_is_not_a_string(void **state)
{
    (void)state;
    char msg[1024];
    const char *doc = "users:\n"
                      "- name: sso\n"
                      "  name:\n"
                      "    exec: {command: kubelogin}\n";
    assert_string_equal(load_mem_err(doc, msg, sizeof msg),
                        "kc.yaml:4:5: users[0].name: expected a string");
}

/* Recursive aliases, odd tags and NUL bytes must give an error or a config, never a crash. */
static void test_hostile_yaml_does_not_crash(void **state)
{
    (void)state;
    const char *docs[] = {
        "clusters: &a [*a]\n",
        "users: &u [{name: x, user: &v {exec: *v}}]\n",
        "contexts: [{name: &n x, context: {cluster: *n, user: *n}}]\ncurrent-context: x\n",
        "? [a]\n: b\n",
        "clusters: [[]]\n",
        "%YAML 1.1\n---\nclusters: []\n...\n---\nusers: []\n",
        "",
        "~\n",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        struct kubeconfig *kc = NULL;
        struct error err;
        error_clear(&err);
        int rc = kubeconfig_load_mem(docs[i], strlen(docs[i]), "h.yaml", &kc, &err);
        if (rc == 0) {
            for (size_t j = 0; j < kubeconfig_context_count(kc); j++) {
                struct kube_context c;
                if (kubeconfig_resolve(kc, kubeconfig_context_name(kc, j), &c, &err) == 0)
                    kube_context_fini(&c);
            }
            kubeconfig_free(kc);
        } else {
            assert_true(err.msg[0] != '\0');
        }
    }
    char nul[] = "clusters:\n- name: \"a\\0b\"\n";
    struct kubeconfig *kc = NULL;
    struct error err;
    assert_int_equal(kubeconfig_load_mem(nul, strlen(nul), "n.yaml", &kc, &err), -1);
    assert_non_null(strstr(err.msg, "NUL"));
}

static void test_empty_file_is_empty_config(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    struct error err;
    assert_int_equal(kubeconfig_load_mem("", 0, "empty", &kc, &err), 0);
    assert_int_equal(kubeconfig_context_count(kc), 0);
    assert_null(kubeconfig_current_context(kc));
    struct kube_context c;
    assert_int_equal(kubeconfig_resolve(kc, NULL, &c, &err), -1);
    assert_non_null(strstr(err.msg, "no current-context"));
    kubeconfig_free(kc);
    kubeconfig_free(NULL);
}

/* KUBECONFIG a:b — the first file to set a name wins, current-context from the first that has
 * one; the other order flips the conflicting entries. */
static void test_merge_first_file_wins(void **state)
{
    (void)state;
    setenv("KUBECONFIG", "merge/a.yaml:merge/b.yaml", 1);
    struct kubeconfig *kc = load_ok(NULL);
    assert_string_equal(kubeconfig_current_context(kc), "b-ctx");
    assert_string_equal(kubeconfig_files(kc), "merge/a.yaml:merge/b.yaml");
    assert_int_equal(kubeconfig_context_count(kc), 3);
    assert_string_equal(kubeconfig_context_name(kc, 0), "shared-ctx");
    assert_string_equal(kubeconfig_context_name(kc, 1), "a-ctx");
    assert_string_equal(kubeconfig_context_name(kc, 2), "b-ctx");
    struct kube_context c;
    resolve_ok(kc, "shared-ctx", &c);
    assert_string_equal(c.server, "https://from-a.example:6443");
    assert_string_equal(c.namespace, "from-a");
    assert_int_equal(c.auth, KUBE_AUTH_TOKEN);
    assert_string_equal(c.token, "token-from-a");
    assert_null(c.tls_server_name);
    assert_string_equal(c.origin_file, "merge/a.yaml");
    kube_context_fini(&c);
    /* b-ctx (from b.yaml) names cluster "shared", which a.yaml defined first. */
    resolve_ok(kc, NULL, &c);
    assert_string_equal(c.name, "b-ctx");
    assert_string_equal(c.server, "https://from-a.example:6443");
    assert_string_equal(c.namespace, "from-b");
    kube_context_fini(&c);
    kubeconfig_free(kc);

    setenv("KUBECONFIG", "merge/b.yaml:merge/a.yaml", 1);
    kc = load_ok(NULL);
    assert_string_equal(kubeconfig_current_context(kc), "b-ctx");
    resolve_ok(kc, "shared-ctx", &c);
    assert_string_equal(c.server, "https://only-b.example:6443");
    assert_string_equal(c.namespace, "default");
    assert_int_equal(c.auth, KUBE_AUTH_TOKEN);
    assert_null(c.token);
    assert_non_null(c.token_file);
    kube_context_fini(&c);
    resolve_ok(kc, "b-ctx", &c);
    assert_string_equal(c.server, "https://from-b.example:6443");
    assert_string_equal(c.tls_server_name, "from-b.internal");
    kube_context_fini(&c);
    kubeconfig_free(kc);
    unsetenv("KUBECONFIG");
}

/* c.yaml's context uses d.yaml's user: its relative paths resolve against d.yaml's directory. */
static void test_merge_paths_follow_their_file(void **state)
{
    (void)state;
    setenv("KUBECONFIG", "merge/c.yaml:merge/d.yaml", 1);
    struct kubeconfig *kc = load_ok(NULL);
    assert_string_equal(kubeconfig_current_context(kc), "c-ctx");
    struct kube_context c;
    resolve_ok(kc, NULL, &c);
    char *ca = corpus_path("certs/ca.crt");
    char *crt = corpus_path("certs/client.crt");
    char *key = corpus_path("certs/client.key");
    assert_string_equal(c.server, "https://c.example:6443");
    assert_string_equal(c.ca_file, ca);
    assert_string_equal(c.client_cert_file, crt);
    assert_string_equal(c.client_key_file, key);
    assert_int_equal(c.auth, KUBE_AUTH_CLIENT_CERT);
    kube_context_fini(&c);
    free(ca);
    free(crt);
    free(key);
    kubeconfig_free(kc);
    unsetenv("KUBECONFIG");
}

static void test_missing_files(void **state)
{
    (void)state;
    setenv("KUBECONFIG", "does-not-exist.yaml:token.yaml:also-missing.yaml:kind.yaml", 1);
    struct kubeconfig *kc = load_ok(NULL);
    assert_string_equal(kubeconfig_files(kc), "token.yaml:kind.yaml");
    assert_string_equal(kubeconfig_current_context(kc), "onprem-admin");
    assert_int_equal(kubeconfig_context_count(kc), 2);
    kubeconfig_free(kc);

    /* An explicit path must exist, and wins over $KUBECONFIG. */
    struct error err;
    error_clear(&err);
    char msg[1024];
    kc = NULL;
    assert_int_equal(kubeconfig_load("nope/kubeconfig", &kc, &err), -1);
    assert_null(kc);
    assert_string_equal(error_format(&err, msg, sizeof msg),
                        "nope/kubeconfig: cannot open: No such file or directory");
    assert_int_equal(kubeconfig_load("certs", &kc, &err), -1);
    assert_string_equal(error_format(&err, msg, sizeof msg), "certs: cannot read: Is a directory");
    kc = load_ok("insecure.yaml");
    assert_string_equal(kubeconfig_current_context(kc), "lab");
    kubeconfig_free(kc);
    unsetenv("KUBECONFIG");

    /* A broken file anywhere in the list fails the load, naming that file. */
    setenv("KUBECONFIG", "token.yaml:merge/../plugins/hang.sh", 1);
    assert_int_equal(kubeconfig_load(NULL, &kc, &err), -1);
    assert_string_equal(err.file, "merge/../plugins/hang.sh");
    unsetenv("KUBECONFIG");
}

/* Without --kubeconfig and KUBECONFIG: ~/.kube/config, and an empty config when it is absent. */
static void test_default_home_config(void **state)
{
    (void)state;
    unsetenv("KUBECONFIG");
    struct kubeconfig *kc = load_ok(NULL);
    assert_int_equal(kubeconfig_context_count(kc), 0);
    struct kube_context c;
    struct error err;
    assert_int_equal(kubeconfig_resolve(kc, "kind-onprem", &c, &err), -1);
    assert_non_null(strstr(err.msg, "context \"kind-onprem\" not found"));
    assert_non_null(strstr(err.msg, "/.kube/config"));
    kubeconfig_free(kc);

    char *dir = xasprintf("%s/.kube", home);
    char *cfg = xasprintf("%s/config", dir);
    mkdir(dir, 0700);
    size_t len;
    char *data = test_file_must_read("kind.yaml", &len);
    FILE *fp = fopen(cfg, "wb");
    assert_non_null(fp);
    fwrite(data, 1, len, fp);
    fclose(fp);
    free(data);
    kc = load_ok(NULL);
    assert_string_equal(kubeconfig_files(kc), cfg);
    resolve_ok(kc, NULL, &c);
    assert_string_equal(c.name, "kind-onprem");
    assert_string_equal(c.server, "https://127.0.0.1:41235");
    kube_context_fini(&c);
    kubeconfig_free(kc);
    unlink(cfg);
    rmdir(dir);
    free(cfg);
    free(dir);
}

static void test_relative_paths_in_subdirectory(void **state)
{
    (void)state;
    struct kubeconfig *kc = load_ok("relative/sub/config");
    struct kube_context c;
    resolve_ok(kc, "rel-cert", &c);
    char *ca = corpus_path("relative/sub/certs/ca.crt");
    char *crt = corpus_path("relative/sub/certs/client.crt");
    char *key = corpus_path("relative/sub/certs/client.key");
    assert_string_equal(c.ca_file, ca);
    assert_string_equal(c.client_cert_file, crt);
    assert_string_equal(c.client_key_file, key);
    assert_int_equal(c.auth, KUBE_AUTH_CLIENT_CERT);
    kube_context_fini(&c);
    free(ca);
    free(crt);
    free(key);

    resolve_ok(kc, "rel-exec", &c);
    char *cmd = corpus_path("relative/sub/bin/get-token.sh");
    assert_string_equal(c.exec->command, cmd);
    assert_string_equal(c.namespace, "apps");
    free(cmd);
    kube_context_fini(&c);

    resolve_ok(kc, "rel-token", &c);
    char *tok = corpus_path("secrets/token");
    assert_string_equal(c.token_file, tok);
    free(tok);
    char *bearer = NULL;
    struct error err;
    assert_int_equal(kube_context_bearer_token(&c, &bearer, &err), 0);
    assert_string_equal(bearer, "tokenfile-token-not-a-secret");
    free(bearer);
    kube_context_fini(&c);
    kubeconfig_free(kc);

    /* The same file found through a relative KUBECONFIG from another directory. */
    assert_int_equal(chdir("relative"), 0);
    setenv("KUBECONFIG", "sub/config", 1);
    kc = load_ok(NULL);
    resolve_ok(kc, "rel-cert", &c);
    ca = corpus_path("relative/sub/certs/ca.crt");
    assert_string_equal(c.ca_file, ca);
    free(ca);
    kube_context_fini(&c);
    kubeconfig_free(kc);
    unsetenv("KUBECONFIG");
    assert_int_equal(chdir(corpus), 0);
}

/* -data fields are decoded to exactly the PEM files they were made from. */
static void test_inline_data_decodes_to_pem(void **state)
{
    (void)state;
    struct kubeconfig *kc = load_ok("kind.yaml");
    struct kube_context c;
    resolve_ok(kc, NULL, &c);
    size_t len;
    char *ca = test_file_must_read("certs/ca.crt", &len);
    assert_int_equal(c.ca_data_len, len);
    assert_memory_equal(c.ca_data, ca, len);
    free(ca);
    char *crt = test_file_must_read("certs/client.crt", &len);
    assert_int_equal(c.client_cert_data_len, len);
    assert_memory_equal(c.client_cert_data, crt, len);
    free(crt);
    char *key = test_file_must_read("certs/client.key", &len);
    assert_int_equal(c.client_key_data_len, len);
    assert_memory_equal(c.client_key_data, key, len);
    free(key);
    assert_int_equal(c.auth, KUBE_AUTH_CLIENT_CERT);
    assert_string_equal(kube_auth_name(c.auth), "client-cert");
    assert_null(c.ca_file);
    kube_context_fini(&c);
    kubeconfig_free(kc);
}

static void test_auth_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *file, *ctx;
        enum kube_auth auth;
    } cases[] = {
        {"token.yaml", "onprem-admin", KUBE_AUTH_TOKEN},
        {"tokenfile.yaml", "onprem-sa", KUBE_AUTH_TOKEN},
        {"kind.yaml", "kind-onprem", KUBE_AUTH_CLIENT_CERT},
        {"tls-server-name.yaml", "via-lb", KUBE_AUTH_CLIENT_CERT},
        {"eks.yaml", "eks-prod-shop", KUBE_AUTH_EXEC},
        {"basic.yaml", "legacy", KUBE_AUTH_BASIC},
        {"auth-provider.yaml", "oidc", KUBE_AUTH_AUTH_PROVIDER},
        {"namespaces.yaml", "with-ns", KUBE_AUTH_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct kubeconfig *kc = load_ok(cases[i].file);
        struct kube_context c;
        resolve_ok(kc, cases[i].ctx, &c);
        assert_string_equal(kube_auth_name(c.auth), kube_auth_name(cases[i].auth));
        if (c.auth == KUBE_AUTH_BASIC) {
            assert_string_equal(c.username, "admin");
            assert_string_equal(c.password, "correct horse battery staple");
        }
        if (c.auth == KUBE_AUTH_AUTH_PROVIDER)
            assert_string_equal(c.auth_provider, "oidc");
        kube_context_fini(&c);
        kubeconfig_free(kc);
    }
}

static void test_eks_and_gke_exec(void **state)
{
    (void)state;
    struct kubeconfig *kc = load_ok("eks.yaml");
    assert_string_equal(kubeconfig_current_context(kc),
                        "arn:aws:eks:us-east-1:123456789012:cluster/prod-eks");
    struct kube_context c;
    resolve_ok(kc, NULL, &c);
    assert_string_equal(c.exec->command, "aws"); /* a bare name is looked up in PATH */
    assert_string_equal(c.exec->api_version, "client.authentication.k8s.io/v1beta1");
    const char *want[] = {"--region", "us-east-1", "eks",  "get-token", "--cluster-name",
                          "prod-eks", "--output",  "json", NULL};
    for (size_t i = 0; want[i]; i++)
        assert_string_equal(c.exec->args[i], want[i]);
    assert_null(c.exec->args[8]);
    assert_int_equal(c.exec->nenv, 1);
    assert_string_equal(c.exec->env[0].name, "AWS_PROFILE");
    assert_string_equal(c.exec->env[0].value, "migration");
    assert_string_equal(c.exec->interactive_mode, "IfAvailable"); /* v1beta1 default */
    assert_false(c.exec->provide_cluster_info);
    assert_string_equal(c.namespace, "default");
    kube_context_fini(&c);
    resolve_ok(kc, "eks-prod-shop", &c);
    assert_string_equal(c.namespace, "shop");
    kube_context_fini(&c);
    kubeconfig_free(kc);

    kc = load_ok("gke.yaml");
    resolve_ok(kc, NULL, &c);
    assert_string_equal(c.exec->command, "gke-gcloud-auth-plugin");
    assert_true(c.exec->provide_cluster_info);
    assert_non_null(strstr(c.exec->install_hint, "Install gke-gcloud-auth-plugin"));
    assert_null(c.exec->args[0]);
    kube_context_fini(&c);
    kubeconfig_free(kc);

    kc = load_ok("exec-v1.yaml");
    resolve_ok(kc, NULL, &c);
    assert_string_equal(c.exec->interactive_mode, "Never");
    assert_int_equal(c.exec->nenv, 2);
    assert_string_equal(c.exec->env[1].name, "EMPTY_VALUE");
    assert_string_equal(c.exec->env[1].value, "");
    assert_false(c.insecure_skip_tls_verify);
    kube_context_fini(&c);
    kubeconfig_free(kc);
}

static void test_cluster_options(void **state)
{
    (void)state;
    struct kubeconfig *kc = load_ok("proxy.yaml");
    struct kube_context c;
    resolve_ok(kc, "bastion", &c);
    assert_string_equal(c.proxy_url, "socks5://127.0.0.1:1080");
    kube_context_fini(&c);
    resolve_ok(kc, "http-proxy", &c);
    assert_string_equal(c.proxy_url, "http://proxy.corp.example:3128");
    assert_string_equal(c.namespace, "monitoring");
    kube_context_fini(&c);
    kubeconfig_free(kc);

    kc = load_ok("insecure.yaml");
    resolve_ok(kc, NULL, &c);
    assert_true(c.insecure_skip_tls_verify);
    assert_null(c.ca_file);
    assert_null(c.ca_data);
    kube_context_fini(&c);
    kubeconfig_free(kc);

    kc = load_ok("tls-server-name.yaml");
    resolve_ok(kc, NULL, &c);
    assert_string_equal(c.tls_server_name, "kubernetes.default.svc");
    assert_false(c.insecure_skip_tls_verify);
    kube_context_fini(&c);
    kubeconfig_free(kc);

    kc = load_ok("yaml-styles.yaml");
    assert_null(kubeconfig_current_context(kc));
    resolve_ok(kc, "aliased-ctx", &c);
    assert_string_equal(c.server, "https://styles.example:6443");
    assert_true(c.insecure_skip_tls_verify); /* "yes" is a YAML 1.1 boolean */
    kube_context_fini(&c);
    resolve_ok(kc, "folded-ctx", &c);
    assert_string_equal(c.server, "https://folded.example:6443");
    size_t len;
    char *ca = test_file_must_read("certs/ca.crt", &len);
    assert_int_equal(c.ca_data_len, len);
    assert_memory_equal(c.ca_data, ca, len);
    free(ca);
    kube_context_fini(&c);
    kubeconfig_free(kc);
}

static void test_namespaces(void **state)
{
    (void)state;
    struct kubeconfig *kc = load_ok("namespaces.yaml");
    static const char *const want[][2] = {{"with-ns", "payments"},
                                          {"without-ns", "default"},
                                          {"empty-ns", "default"},
                                          {"null-ns", "default"},
                                          {"default-ns", "default"}};
    for (size_t i = 0; i < 5; i++) {
        struct kube_context c;
        resolve_ok(kc, want[i][0], &c);
        assert_string_equal(c.namespace, want[i][1]);
        assert_null(c.user);
        assert_int_equal(c.auth, KUBE_AUTH_NONE);
        kube_context_fini(&c);
    }
    kubeconfig_free(kc);
}

/* A context naming a missing cluster or user fails with the file, its line and the name. */
static void test_missing_cluster_and_user(void **state)
{
    (void)state;
    struct kubeconfig *kc = load_ok("missing-cluster.yaml");
    struct kube_context c;
    struct error err;
    char msg[1024];
    error_clear(&err);
    assert_int_equal(kubeconfig_resolve(kc, NULL, &c, &err), -1);
    assert_string_equal(error_format(&err, msg, sizeof msg),
                        "missing-cluster.yaml:11:3: context \"dangling\": cluster \"gone\" not "
                        "found in missing-cluster.yaml");
    assert_null(c.server);
    assert_int_equal(kubeconfig_resolve(kc, "dangling-user", &c, &err), -1);
    assert_string_equal(error_format(&err, msg, sizeof msg),
                        "missing-cluster.yaml:15:3: context \"dangling-user\": user \"nobody\" "
                        "not found in missing-cluster.yaml");
    assert_int_equal(kubeconfig_resolve(kc, "no-such-context", &c, &err), -1);
    assert_string_equal(error_format(&err, msg, sizeof msg),
                        "missing-cluster.yaml: context \"no-such-context\" not found");
    resolve_ok(kc, "ok", &c);
    assert_string_equal(c.server, "https://present.example:6443");
    kube_context_fini(&c);
    kube_context_fini(&c); /* twice is harmless */
    kubeconfig_free(kc);
}

/* Problems found when resolving: unreadable files, half a client certificate, bad exec. */
static void test_resolve_checks(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *want;
    } cases[] = {
        {"clusters: [{name: c, cluster: {server: https://x, certificate-authority: "
         "/nonexistent/ca.crt}}]\ncontexts: [{name: x, context: {cluster: c}}]\n",
         "kc.yaml:1:12: cluster \"c\": certificate-authority /nonexistent/ca.crt: No such file or "
         "directory"},
        {"clusters: [{name: c, cluster: {server: https://x}}]\n"
         "users: [{name: u, user: {client-certificate-data: aGVsbG8=}}]\n"
         "contexts: [{name: x, context: {cluster: c, user: u}}]\n",
         "kc.yaml:2:9: user \"u\": client-certificate without client-key"},
        {"clusters: [{name: c, cluster: {server: https://x}}]\n"
         "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, "
         "command: x}}}]\n"
         "contexts: [{name: x, context: {cluster: c, user: u}}]\n",
         "kc.yaml:2:9: user \"u\": exec apiVersion \"client.authentication.k8s.io/v1alpha1\" is "
         "not supported (use client.authentication.k8s.io/v1 or v1beta1)"},
        {"clusters: [{name: c, cluster: {insecure-skip-tls-verify: true}}]\n"
         "contexts: [{name: x, context: {cluster: c}}]\n",
         "kc.yaml:1:12: cluster \"c\" has no server"},
        {"clusters: [{name: c, cluster: {server: https://x}}]\n"
         "users: [{name: u, user: {tokenFile: /nonexistent/token}}]\n"
         "contexts: [{name: x, context: {cluster: c, user: u}}]\n",
         "kc.yaml:2:9: user \"u\": tokenFile /nonexistent/token: No such file or directory"},
        {"clusters: [{name: c, cluster: {server: https://x, insecure-skip-tls-verify: true, "
         "certificate-authority-data: aGVsbG8=}}]\ncontexts: [{name: x, context: {cluster: c}}]\n",
         "kc.yaml:1:12: cluster \"c\": certificate-authority and insecure-skip-tls-verify are both "
         "set; remove one"},
        {"contexts: [{name: x, context: {user: u}}]\n",
         "kc.yaml:1:12: context \"x\" names no cluster"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct kubeconfig *kc = NULL;
        struct error err;
        error_clear(&err);
        assert_int_equal(
            kubeconfig_load_mem(cases[i].doc, strlen(cases[i].doc), "kc.yaml", &kc, &err), 0);
        struct kube_context c;
        char msg[1024];
        assert_int_equal(kubeconfig_resolve(kc, "x", &c, &err), -1);
        assert_string_equal(error_format(&err, msg, sizeof msg), cases[i].want);
        kubeconfig_free(kc);
    }
}

/* tokenFile is read at each use and wins over an inline token, as in client-go. */
static void test_bearer_token_source(void **state)
{
    (void)state;
    char path[] = "/tmp/cutover-kc-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "first\n", 6), 6);
    close(fd);
    char *doc = xasprintf("clusters: [{name: c, cluster: {server: https://x}}]\n"
                          "users: [{name: u, user: {token: inline, tokenFile: %s}}]\n"
                          "contexts: [{name: x, context: {cluster: c, user: u}}]\n",
                          path);
    struct kubeconfig *kc = NULL;
    struct error err;
    assert_int_equal(kubeconfig_load_mem(doc, strlen(doc), "kc.yaml", &kc, &err), 0);
    free(doc);
    struct kube_context c;
    resolve_ok(kc, "x", &c);
    char *tok;
    assert_int_equal(kube_context_bearer_token(&c, &tok, &err), 0);
    assert_string_equal(tok, "first");
    free(tok);
    FILE *fp = fopen(path, "w");
    fputs("rotated  \r\n", fp);
    fclose(fp);
    assert_int_equal(kube_context_bearer_token(&c, &tok, &err), 0);
    assert_string_equal(tok, "rotated");
    free(tok);
    unlink(path);
    assert_int_equal(kube_context_bearer_token(&c, &tok, &err), 0);
    assert_string_equal(tok, "inline"); /* the file is gone: the inline token remains */
    free(tok);
    kube_context_fini(&c);
    kubeconfig_free(kc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names_file_line_col),
        cmocka_unit_test(test_yaml_syntax_error_has_position),
        cmocka_unit_test(test_bad_base64_is_an_error),
        cmocka_unit_test(test_duplicate_name_in_one_file),
        cmocka_unit_test(test_second_name_key_that_is_not_a_string),
        cmocka_unit_test(test_hostile_yaml_does_not_crash),
        cmocka_unit_test(test_empty_file_is_empty_config),
        cmocka_unit_test(test_merge_first_file_wins),
        cmocka_unit_test(test_merge_paths_follow_their_file),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_default_home_config),
        cmocka_unit_test(test_relative_paths_in_subdirectory),
        cmocka_unit_test(test_inline_data_decodes_to_pem),
        cmocka_unit_test(test_auth_kinds),
        cmocka_unit_test(test_eks_and_gke_exec),
        cmocka_unit_test(test_cluster_options),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_missing_cluster_and_user),
        cmocka_unit_test(test_resolve_checks),
        cmocka_unit_test(test_bearer_token_source),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
