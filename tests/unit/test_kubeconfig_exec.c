/* kube_exec_run against the fake credential plugins of tests/kubeconfigs/exec-plugins.yaml. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/kubeconfig.h"
#include "cutover/xalloc.h"
#include "../lib/testfile.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char corpus[PATH_MAX];
static struct kubeconfig *kc;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the plugin of context ctx; returns kube_exec_run's result, message in msg. */
static int run(const char *ctx, int timeout_ms, struct kube_exec_cred *cred, char *msg, size_t len)
{
    struct kube_context c;
    struct error err;
    error_clear(&err);
    if (kubeconfig_resolve(kc, ctx, &c, &err) != 0)
        fail_msg("resolve %s: %s", ctx, error_format(&err, msg, len));
    int rc = kube_exec_run(&c, timeout_ms, cred, &err);
    error_format(&err, msg, len);
    kube_context_fini(&c);
    return rc;
}

static void expect_error(const char *ctx, const char *part)
{
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run(ctx, 5000, &cred, msg, sizeof msg), -1);
    if (strstr(msg, part) == NULL)
        fail_msg("%s: \"%s\" does not contain \"%s\"", ctx, msg, part);
    assert_null(strchr(msg, '\n'));
    assert_null(cred.token);
    assert_null(cred.client_cert_pem);
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    snprintf(corpus, sizeof corpus, "%s/tests/kubeconfigs", src ? src : ".");
    char *path = xasprintf("%s/exec-plugins.yaml", corpus);
    struct error err;
    int rc = kubeconfig_load(path, &kc, &err);
    free(path);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    kubeconfig_free(kc);
    return 0;
}

/* An `aws eks get-token`-like plugin: token and expiry. */
static void test_token_with_expiry(void **state)
{
    (void)state;
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("ok", 5000, &cred, msg, sizeof msg), 0);
    assert_string_equal(cred.token, "k8s-aws-v1.test-token-prod-eks");
    assert_null(cred.client_cert_pem);
    struct tm tm = {
        .tm_year = 130, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3, .tm_min = 4, .tm_sec = 5};
    assert_int_equal(cred.expires, (long long)timegm(&tm));
    kube_exec_cred_fini(&cred);
    assert_null(cred.token);
    kube_exec_cred_fini(&cred);
}

/* A v1 plugin answering with a client certificate; the expiry carries an offset. */
static void test_client_certificate(void **state)
{
    (void)state;
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("cert", 5000, &cred, msg, sizeof msg), 0);
    assert_null(cred.token);
    size_t len;
    char *path = xasprintf("%s/certs/client.crt", corpus);
    char *crt = test_file_read(path, &len);
    free(path);
    assert_string_equal(cred.client_cert_pem, crt);
    free(crt);
    path = xasprintf("%s/certs/client.key", corpus);
    char *key = test_file_read(path, &len);
    free(path);
    assert_string_equal(cred.client_key_pem, key);
    free(key);
    struct tm tm = {.tm_year = 130, .tm_mon = 5, .tm_mday = 1, .tm_hour = 10};
    assert_int_equal(cred.expires, (long long)timegm(&tm));
    kube_exec_cred_fini(&cred);
}

/* env additions, args, KUBERNETES_EXEC_INFO with the cluster, and stdin at EOF. */
static void test_env_args_and_exec_info(void **state)
{
    (void)state;
    char info_path[] = "/tmp/cutover-kc-info-XXXXXX";
    int fd = mkstemp(info_path);
    assert_true(fd >= 0);
    close(fd);
    setenv("INFO_OUT", info_path, 1);
    setenv("PLUGIN_TOKEN", "from-parent", 1); /* the kubeconfig's env entry overrides it */
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("echo-info", 5000, &cred, msg, sizeof msg), 0);
    assert_string_equal(cred.token, "from-env:first:second:stdin-empty");
    assert_int_equal(cred.expires, 0);
    kube_exec_cred_fini(&cred);
    unsetenv("INFO_OUT");
    unsetenv("PLUGIN_TOKEN");

    size_t len;
    char *info = test_file_read(info_path, &len);
    unlink(info_path);
    assert_non_null(info);
    json_object *root = json_tokener_parse(info);
    free(info);
    assert_non_null(root);
    json_object *v, *spec, *cluster;
    assert_true(json_object_object_get_ex(root, "apiVersion", &v));
    assert_string_equal(json_object_get_string(v), "client.authentication.k8s.io/v1");
    assert_true(json_object_object_get_ex(root, "kind", &v));
    assert_string_equal(json_object_get_string(v), "ExecCredential");
    assert_true(json_object_object_get_ex(root, "spec", &spec));
    assert_true(json_object_object_get_ex(spec, "interactive", &v));
    assert_true(json_object_is_type(v, json_type_boolean));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(spec, "cluster", &cluster));
    assert_true(json_object_object_get_ex(cluster, "server", &v));
    assert_string_equal(json_object_get_string(v), "https://127.0.0.1:6443");
    assert_true(json_object_object_get_ex(cluster, "tls-server-name", &v));
    assert_string_equal(json_object_get_string(v), "plugin.internal");
    assert_true(json_object_object_get_ex(cluster, "proxy-url", &v));
    assert_string_equal(json_object_get_string(v), "http://127.0.0.1:3128");
    assert_true(json_object_object_get_ex(cluster, "certificate-authority-data", &v));
    const char *b64 = json_object_get_string(v);
    unsigned char ca[4096];
    int a = 0, b = 0;
    EVP_ENCODE_CTX *e = EVP_ENCODE_CTX_new();
    EVP_DecodeInit(e);
    assert_true(strlen(b64) < 4096);
    assert_true(EVP_DecodeUpdate(e, ca, &a, (const unsigned char *)b64, (int)strlen(b64)) >= 0);
    assert_true(EVP_DecodeFinal(e, ca + a, &b) >= 0);
    EVP_ENCODE_CTX_free(e);
    char *path = xasprintf("%s/certs/ca.crt", corpus);
    char *want = test_file_read(path, &len);
    free(path);
    assert_int_equal((size_t)(a + b), len);
    assert_memory_equal(ca, want, len);
    free(want);
    json_object_put(root);

    /* v1beta1 without provideClusterInfo: no cluster, apiVersion as configured. */
    snprintf(info_path, sizeof info_path, "/tmp/cutover-kc-info-XXXXXX");
    fd = mkstemp(info_path);
    assert_true(fd >= 0);
    close(fd);
    setenv("INFO_OUT", info_path, 1);
    assert_int_equal(run("echo-info-plain", 5000, &cred, msg, sizeof msg), -1);
    /* echo-info.sh answers in v1: the version check must refuse it. */
    assert_non_null(strstr(msg, "plugin returned version client.authentication.k8s.io/v1"));
    unsetenv("INFO_OUT");
    info = test_file_read(info_path, &len);
    unlink(info_path);
    assert_string_equal(info, "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client."
                              "authentication.k8s.io/v1beta1\",\"spec\":{\"interactive\":false}}");
    free(info);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* The real EKS plugin of eks.yaml: `aws eks get-token` presigns an STS request locally (no
 * network), here with AWS's documented example keys for the profile the kubeconfig's env names. */
static void test_real_aws_eks_get_token(void **state)
{
    (void)state;
    char dir[] = "/tmp/cutover-kc-aws-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *cfg = xasprintf("%s/config", dir);
    char *creds = xasprintf("%s/credentials", dir);
    write_text(cfg, "[profile migration]\nregion = us-east-1\n");
    write_text(creds, "[migration]\naws_access_key_id = AKIDEXAMPLE\n"
                      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
    setenv("AWS_CONFIG_FILE", cfg, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    /* Keys in the environment would win over the profile's. */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");

    char *path = xasprintf("%s/eks.yaml", corpus);
    struct kubeconfig *eks;
    struct error err;
    assert_int_equal(kubeconfig_load(path, &eks, &err), 0);
    free(path);
    struct kube_context c;
    assert_int_equal(kubeconfig_resolve(eks, NULL, &c, &err), 0);
    struct kube_exec_cred cred;
    char msg[1024];
    int rc = kube_exec_run(&c, 60000, &cred, &err);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_EC2_METADATA_DISABLED");
    unlink(cfg);
    unlink(creds);
    rmdir(dir);
    free(cfg);
    free(creds);
    if (rc != 0)
        fail_msg("aws eks get-token: %s", error_format(&err, msg, sizeof msg));

    /* k8s-aws-v1.<base64url of a presigned GetCallerIdentity URL naming the cluster> */
    const char *prefix = "k8s-aws-v1.";
    assert_non_null(cred.token);
    assert_memory_equal(cred.token, prefix, strlen(prefix));
    const char *b64 = cred.token + strlen(prefix);
    size_t n = strlen(b64);
    char *std = xmalloc(n + 4);
    for (size_t i = 0; i < n; i++)
        std[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
    while (n % 4)
        std[n++] = '=';
    std[n] = '\0';
    unsigned char *url = xcalloc(1, n);
    assert_true(EVP_DecodeBlock(url, (const unsigned char *)std, (int)n) > 0);
    free(std);
    const char *u = (const char *)url;
    assert_non_null(strstr(u, "https://sts.us-east-1.amazonaws.com/?"));
    assert_non_null(strstr(u, "Action=GetCallerIdentity"));
    assert_non_null(strstr(u, "X-Amz-Credential=AKIDEXAMPLE%2F"));
    assert_non_null(strstr(u, "x-k8s-aws-id"));
    free(url);
    long long now = (long long)time(NULL);
    assert_true(cred.expires > now);
    assert_true(cred.expires <= now + 15 * 60 + 60);
    kube_exec_cred_fini(&cred);
    kube_context_fini(&c);
    kubeconfig_free(eks);
}

/* A deep copy survives the original. */
static void test_context_copy(void **state)
{
    (void)state;
    struct kube_context c, d;
    struct error err;
    assert_int_equal(kubeconfig_resolve(kc, "echo-info", &c, &err), 0);
    kube_context_copy(&d, &c);
    kube_context_fini(&c);
    assert_string_equal(d.server, "https://127.0.0.1:6443");
    assert_string_equal(d.exec->args[1], "second");
    assert_string_equal(d.exec->env[0].value, "from-env");
    assert_true(d.exec->provide_cluster_info);
    assert_int_equal(d.auth, KUBE_AUTH_EXEC);
    kube_context_fini(&d);
}

static void test_plugin_failure_shows_stderr(void **state)
{
    (void)state;
    expect_error("fail", "exec plugin fail.sh failed with exit status 255: Error when retrieving "
                         "token from sso: Token has expired and refresh failed");
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("fail", 5000, &cred, msg, sizeof msg), -1);
    assert_null(strstr(msg, "second line"));
}

/* A plugin that hangs is killed with what it started when the timeout passes. */
static void test_hanging_plugin_times_out(void **state)
{
    (void)state;
    char pidfile[] = "/tmp/cutover-kc-hang-XXXXXX";
    int fd = mkstemp(pidfile);
    assert_true(fd >= 0);
    close(fd);
    setenv("HANG_PIDFILE", pidfile, 1);
    long long t0 = now_ms();
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("hang", 700, &cred, msg, sizeof msg), -1);
    long long took = now_ms() - t0;
    unsetenv("HANG_PIDFILE");
    assert_string_equal(msg, "exec plugin hang.sh timed out after 700 ms");
    assert_true(took >= 650);
    assert_true(took < 5000);
    size_t len;
    char *pidtext = test_file_read(pidfile, &len);
    unlink(pidfile);
    assert_non_null(pidtext);
    pid_t child = (pid_t)atoi(pidtext);
    free(pidtext);
    assert_true(child > 1);
    /* The plugin's child (sleep 30) was killed with its group; init reaps it shortly. */
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = kill(child, 0) != 0 && errno == ESRCH;
        if (!gone) {
            char statpath[64], st[512];
            snprintf(statpath, sizeof statpath, "/proc/%d/stat", (int)child);
            FILE *fp = fopen(statpath, "r");
            if (fp && fgets(st, sizeof st, fp)) {
                const char *rp = strrchr(st, ')');
                gone = rp && rp[1] == ' ' && rp[2] == 'Z'; /* a zombie waiting for init */
            }
            if (fp)
                fclose(fp);
        }
        if (!gone)
            usleep(10000);
    }
    assert_true(gone);
}

/* A plugin that answers and exits while a child of its keeps stdout open does not stall. */
static void test_background_child_does_not_stall(void **state)
{
    (void)state;
    long long t0 = now_ms();
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("bg-holder", 10000, &cred, msg, sizeof msg), 0);
    assert_true(now_ms() - t0 < 5000);
    assert_string_equal(cred.token, "bg-token");
    kube_exec_cred_fini(&cred);
}

static void test_bad_output(void **state)
{
    (void)state;
    expect_error("garbage", "exec plugin garbage.sh: output is not JSON");
    expect_error("wrong-api", "exec plugin wrong-api.sh is configured to use API version "
                              "client.authentication.k8s.io/v1beta1, plugin returned version "
                              "client.authentication.k8s.io/v1");
    expect_error("no-status", "exec plugin no-status.sh didn't return a status field");
    expect_error("bad-expiry",
                 "exec plugin bad-expiry.sh: expirationTimestamp \"next tuesday\" is not RFC 3339");
    expect_error("big", "exec plugin big.sh wrote more than 1048576 bytes");
    expect_error("truncated", "exec plugin truncated.sh: output is not JSON (unexpected end)");
    struct kube_exec_cred cred;
    char msg[1024];
    assert_int_equal(run("truncated", 5000, &cred, msg, sizeof msg), -1);
    assert_null(strstr(msg, "SECRET-TOKEN"));
}

static void test_missing_plugin_shows_install_hint(void **state)
{
    (void)state;
    expect_error("missing", "exec plugin cutover-test-no-such-plugin not found: "
                            "cutover-test-no-such-plugin is needed to reach this cluster. Install "
                            "it with: apt-get install cutover-test-plugin");
}

static void test_interactive_modes(void **state)
{
    (void)state;
    expect_error("interactive", "needs a terminal (interactiveMode: Always)");
    expect_error("v1-no-mode", "interactiveMode must be specified for "
                               "client.authentication.k8s.io/v1");
}

/* A command with a '/' is relative to the kubeconfig that names it, not the working directory. */
static void test_relative_command(void **state)
{
    (void)state;
    char *path = xasprintf("%s/relative/sub/config", corpus);
    struct kubeconfig *rel;
    struct error err;
    assert_int_equal(kubeconfig_load(path, &rel, &err), 0);
    free(path);
    struct kube_context c;
    assert_int_equal(kubeconfig_resolve(rel, "rel-exec", &c, &err), 0);
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    struct kube_exec_cred cred;
    int rc = kube_exec_run(&c, 5000, &cred, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(cred.token, "relative-plugin-token");
    kube_exec_cred_fini(&cred);
    kube_context_fini(&c);
    kubeconfig_free(rel);
}

static void *run_thread(void *arg)
{
    int *ok = arg;
    for (int i = 0; i < 3; i++) {
        struct kube_exec_cred cred;
        char msg[1024];
        if (run("ok", 5000, &cred, msg, sizeof msg) == 0 &&
            strcmp(cred.token, "k8s-aws-v1.test-token-prod-eks") == 0)
            (*ok)++;
        kube_exec_cred_fini(&cred);
    }
    return NULL;
}

/* Pollers of two clusters may run plugins at the same time. */
static void test_concurrent_runs(void **state)
{
    (void)state;
    pthread_t t[4];
    int ok[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_thread, &ok[i]), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ok[i], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_with_expiry),
        cmocka_unit_test(test_client_certificate),
        cmocka_unit_test(test_env_args_and_exec_info),
        cmocka_unit_test(test_plugin_failure_shows_stderr),
        cmocka_unit_test(test_hanging_plugin_times_out),
        cmocka_unit_test(test_background_child_does_not_stall),
        cmocka_unit_test(test_bad_output),
        cmocka_unit_test(test_missing_plugin_shows_install_hint),
        cmocka_unit_test(test_interactive_modes),
        cmocka_unit_test(test_relative_command),
        cmocka_unit_test(test_concurrent_runs),
        cmocka_unit_test(test_context_copy),
        cmocka_unit_test(test_real_aws_eks_get_token),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
