/* The AWS credential chain end to end against the simulator's STS and SSO (issue #4, must-show
 * 4): environment keys, a profile with static keys, assume-role through source_profile, a web
 * identity token file (profile and environment), credential_process, and the SSO token cache
 * as `aws sso login` writes it (sso-session and legacy profiles) -> GetRoleCredentials. After
 * each, STS GetCallerIdentity signed with the resolved credentials answers the expected ARN.
 * Refusals come back parsed: an untrusted AssumeRole, a bad web identity token, a bad SSO
 * token. Everything runs in a temp HOME with its own AWS_CONFIG_FILE: never the real ~/.aws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/aws_sim_test.h"
#include "cutover/aws_http.h"
#include "cutover/sim.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

#define ACCOUNT "111122223333"
#define KEY_ID "AKIASIMCHAINTEST0001"
#define SECRET "simChainTestSecretKey0000000000000000001"
#define USER_ARN "arn:aws:iam::" ACCOUNT ":user/sre"
#define KEY2_ID "AKIASIMCHAINTEST0002"
#define SECRET2 "simChainTestSecretKey0000000000000000002"
#define USER2_ARN "arn:aws:iam::" ACCOUNT ":user/robot"
#define WEB_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2kifQ.c2ln"
#define SSO_TOKEN "aoaAAAAAGVzc29BY2Nlc3NUb2tlbi1zaW0tY2hhaW4tdGVzdA"

static const char scenario[] =
    "clusters:\n"
    "  - name: one\n"
    "  - name: two\n"
    "aws:\n"
    "  account: \"" ACCOUNT "\"\n"
    "  region: us-east-1\n"
    "  credentials:\n"
    "    - {access_key_id: " KEY_ID ", secret_access_key: " SECRET ", arn: \"" USER_ARN "\"}\n"
    "    - {access_key_id: " KEY2_ID ", secret_access_key: " SECRET2 ", arn: \"" USER2_ARN "\"}\n"
    "  roles:\n"
    "    - arn: \"arn:aws:iam::" ACCOUNT ":role/deploy\"\n"
    "      trust: [\"" USER_ARN "\"]\n"
    "    - arn: \"arn:aws:iam::" ACCOUNT ":role/ci\"\n"
    "      web_identity_tokens: [\"" WEB_TOKEN "\"]\n"
    "  sso:\n"
    "    access_token: \"" SSO_TOKEN "\"\n"
    "    roles: [{account: \"" ACCOUNT "\", role_name: ReadOnly}]\n";

struct fx {
    struct sim *sim;
    char *aws_url;
    char dir[64];
    char config[128];
    char credentials[128];
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_aws_chain.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->aws_url = aws_sim_test_start(scenario, &f->sim);
    aws_sim_test_home(f->dir);
    snprintf(f->config, sizeof f->config, "%s/config", f->dir);
    snprintf(f->credentials, sizeof f->credentials, "%s/credentials", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sim_stop(f->sim);
    aws_sim_test_rm_rf(f->dir);
    free(f->aws_url);
    free(f);
    return 0;
}

/* Resolves through a client for profile (NULL: the default chain) and returns the ARN STS
 * GetCallerIdentity answers for the credentials it got, or NULL with err set. */
static char *caller_arn(struct fx *f, const char *profile, struct error *err)
{
    struct aws_client_opts o = {.service = "sts",
                                .region = "us-east-1",
                                .endpoint = f->aws_url,
                                .profile = profile,
                                .timeout_ms = 5000};
    struct aws_client *c = NULL;
    error_clear(err);
    assert_int_equal(aws_client_new(&o, &c, err), 0);
    struct aws_response r;
    char *arn = NULL;
    if (aws_query(c, "GetCallerIdentity", "2011-06-15", NULL, 0, &r, err) == 0) {
        struct xml_node *root = NULL;
        assert_int_equal(xml_parse(r.body, r.len, "gci", &root, err), 0);
        const char *a = xml_path_text(root, "GetCallerIdentityResult/Arn");
        assert_non_null(a);
        arn = xstrdup(a);
        xml_free(root);
    }
    aws_response_fini(&r);
    aws_client_free(c);
    return arn;
}

static void expect_arn(struct fx *f, const char *profile, const char *want)
{
    struct error err;
    char *arn = caller_arn(f, profile, &err);
    if (!arn)
        fail_msg("profile %s: %s", profile ? profile : "(default)", err.msg);
    if (strcmp(arn, want) != 0)
        fail_msg("profile %s: ARN %s, want %s", profile ? profile : "(default)", arn, want);
    free(arn);
}

static void expect_failure(struct fx *f, const char *profile, const char *want)
{
    struct error err;
    char *arn = caller_arn(f, profile, &err);
    if (arn)
        fail_msg("profile %s resolved to %s, should fail with %s", profile, arn, want);
    if (!strstr(err.msg, want))
        fail_msg("profile %s: %s\nwant ...%s...", profile, err.msg, want);
}

static void test_environment(void **state)
{
    struct fx *f = *state;
    setenv("AWS_ACCESS_KEY_ID", KEY_ID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    expect_arn(f, NULL, USER_ARN);
    setenv("AWS_ACCESS_KEY_ID", KEY2_ID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET2, 1);
    expect_arn(f, NULL, USER2_ARN);
}

static void test_profile_static_keys(void **state)
{
    struct fx *f = *state;
    aws_sim_test_write_file(
        f->credentials,
        "[default]\naws_access_key_id = " KEY_ID "\naws_secret_access_key = " SECRET "\n"
        "[robot]\naws_access_key_id = " KEY2_ID "\naws_secret_access_key = " SECRET2 "\n",
        0600);
    expect_arn(f, NULL, USER_ARN);
    expect_arn(f, "robot", USER2_ARN);
    setenv("AWS_PROFILE", "robot", 1);
    expect_arn(f, NULL, USER2_ARN);
    unsetenv("AWS_PROFILE");
    /* keys in the config file work too */
    aws_sim_test_write_file(f->credentials, "", 0600);
    aws_sim_test_write_file(f->config,
                            "[profile cfg]\naws_access_key_id = " KEY2_ID
                            "\naws_secret_access_key = " SECRET2 "\n",
                            0600);
    expect_arn(f, "cfg", USER2_ARN);
}

static void test_assume_role_source_profile(void **state)
{
    struct fx *f = *state;
    aws_sim_test_write_file(
        f->credentials,
        "[base]\naws_access_key_id = " KEY_ID "\naws_secret_access_key = " SECRET "\n"
        "[robot]\naws_access_key_id = " KEY2_ID "\naws_secret_access_key = " SECRET2 "\n",
        0600);
    aws_sim_test_write_file(
        f->config,
        "[profile deploy]\nrole_arn = arn:aws:iam::" ACCOUNT ":role/deploy\n"
        "source_profile = base\nrole_session_name = cutover-test\nregion = us-east-1\n"
        "[profile denied]\nrole_arn = arn:aws:iam::" ACCOUNT ":role/deploy\n"
        "source_profile = robot\nrole_session_name = nope\n",
        0600);
    long before = aws_sim_test_count(f->sim, NULL, "sts:AssumeRole");
    expect_arn(f, "deploy", "arn:aws:sts::" ACCOUNT ":assumed-role/deploy/cutover-test");
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "sts:AssumeRole"), before + 1);
    /* robot is not in the role's trust: STS's AccessDenied comes back parsed */
    expect_failure(f, "denied", "sts AssumeRole: AccessDenied");
}

static void test_web_identity(void **state)
{
    struct fx *f = *state;
    char tok[128];
    snprintf(tok, sizeof tok, "%s/token", f->dir);
    aws_sim_test_write_file(tok, WEB_TOKEN "\n", 0600);
    char bad[128];
    snprintf(bad, sizeof bad, "%s/bad-token", f->dir);
    aws_sim_test_write_file(bad, "not-the-token\n", 0600);
    char *cfg = xasprintf("[profile ci]\nrole_arn = arn:aws:iam::" ACCOUNT ":role/ci\n"
                          "web_identity_token_file = %s\nrole_session_name = ci-run\n"
                          "[profile ci-bad]\nrole_arn = arn:aws:iam::" ACCOUNT ":role/ci\n"
                          "web_identity_token_file = %s\nrole_session_name = ci-run\n",
                          tok, bad);
    aws_sim_test_write_file(f->config, cfg, 0600);
    free(cfg);
    expect_arn(f, "ci", "arn:aws:sts::" ACCOUNT ":assumed-role/ci/ci-run");
    expect_failure(f, "ci-bad", "sts AssumeRoleWithWebIdentity: ");
    /* the token never shows in the message */
    struct error err;
    char *arn = caller_arn(f, "ci-bad", &err);
    assert_null(arn);
    assert_null(strstr(err.msg, "not-the-token"));

    /* the environment form, as EKS pod identity (IRSA) sets it */
    aws_sim_test_write_file(f->config, "", 0600);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::" ACCOUNT ":role/ci", 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
    setenv("AWS_ROLE_SESSION_NAME", "irsa", 1);
    expect_arn(f, NULL, "arn:aws:sts::" ACCOUNT ":assumed-role/ci/irsa");
}

static void test_credential_process(void **state)
{
    struct fx *f = *state;
    char script[128];
    snprintf(script, sizeof script, "%s/helper.sh", f->dir);
    aws_sim_test_write_file(script,
                            "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                            "\"SecretAccessKey\": \"%s\"}' \"$1\" \"$2\"\n",
                            0700);
    char *cfg = xasprintf("[profile proc]\ncredential_process = %s " KEY2_ID " " SECRET2 "\n"
                          "[profile proc-wrong]\ncredential_process = %s " KEY2_ID " wrong\n",
                          script, script);
    aws_sim_test_write_file(f->config, cfg, 0600);
    free(cfg);
    expect_arn(f, "proc", USER2_ARN);
    expect_failure(f, "proc-wrong", "sts GetCallerIdentity: SignatureDoesNotMatch");
}

/* Writes the token cache file `aws sso login` would for a session name (or a start URL). */
static void write_sso_cache(const char *session, const char *start_url, const char *token,
                            time_t expires)
{
    char *path = aws_sso_cache_path(session, session ? NULL : start_url);
    assert_non_null(path);
    char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    char *cmd = xasprintf("mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
    char when[32];
    struct tm tm;
    gmtime_r(&expires, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *js = xasprintf("{\"startUrl\": \"%s\", \"region\": \"us-east-1\", "
                         "\"accessToken\": \"%s\", \"expiresAt\": \"%s\", "
                         "\"clientId\": \"sim-client\", \"clientSecret\": \"sim-secret\"}",
                         start_url, token, when);
    aws_sim_test_write_file(path, js, 0600);
    free(js);
    free(path);
}

static void test_sso_token_cache(void **state)
{
    struct fx *f = *state;
    aws_sim_test_write_file(f->config,
                            "[profile sso]\nsso_session = corp\nsso_account_id = " ACCOUNT "\n"
                            "sso_role_name = ReadOnly\nregion = us-east-1\n"
                            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
                            "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
                            "[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\n"
                            "sso_region = us-east-1\nsso_account_id = " ACCOUNT
                            "\nsso_role_name = ReadOnly\n"
                            "[profile norole]\nsso_session = corp\nsso_account_id = " ACCOUNT "\n"
                            "sso_role_name = Admin\n",
                            0600);
    /* before aws sso login: the error says what to do */
    expect_failure(f, "sso", "aws sso login");
    time_t now = time(NULL);
    write_sso_cache("corp", "https://corp.awsapps.com/start", SSO_TOKEN, now + 3600);
    long before = aws_sim_test_count(f->sim, NULL, "sso:GetRoleCredentials");
    struct error err;
    char *arn = caller_arn(f, "sso", &err);
    if (!arn)
        fail_msg("sso: %s", err.msg);
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "sso:GetRoleCredentials"), before + 1);
    /* SSO roles are AWSReservedSSO_<permission set>_<suffix> in IAM */
    const char *pre = "arn:aws:sts::" ACCOUNT ":assumed-role/AWSReservedSSO_ReadOnly_";
    if (strncmp(arn, pre, strlen(pre)) != 0)
        fail_msg("sso ARN %s", arn);
    free(arn);

    /* the legacy form: the cache is named after the start URL */
    expect_failure(f, "legacy", "aws sso login");
    write_sso_cache(NULL, "https://legacy.awsapps.com/start", SSO_TOKEN, now + 3600);
    arn = caller_arn(f, "legacy", &err);
    if (!arn)
        fail_msg("legacy: %s", err.msg);
    assert_true(strncmp(arn, pre, strlen(pre)) == 0);
    free(arn);

    /* a role the user has no access to, and a token the portal does not know */
    expect_failure(f, "norole", "sso GetRoleCredentials: ");
    write_sso_cache("corp", "https://corp.awsapps.com/start", "aoaAAAAAGVzc29Ob3RLbm93bg",
                    now + 3600);
    expect_failure(f, "sso", "sso GetRoleCredentials: Unauthorized");
    /* an expired token is not sent at all */
    before = aws_sim_test_count(f->sim, NULL, "sso:GetRoleCredentials");
    write_sso_cache("corp", "https://corp.awsapps.com/start", SSO_TOKEN, now - 60);
    expect_failure(f, "sso", "expired");
    assert_int_equal(aws_sim_test_count(f->sim, NULL, "sso:GetRoleCredentials"), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_static_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_source_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credential_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso_token_cache, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
