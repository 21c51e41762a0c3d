/* The AWS credential chain: INI parsing (line numbers in errors), environment, profiles in
 * the credentials and config files, credential_process, SSO token cache, assume-role and web
 * identity plans (their STS/SSO calls through fake ops), region; compared with
 * `/usr/bin/aws configure export-credentials` and `aws configure get` on the same files. The
 * aws CLI runs with an emptied environment, IMDS disabled and a dead proxy, so it can reach no
 * AWS host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cutover/aws_creds.h"
#include "cutover/xalloc.h"

static char tmpdir[64];
static char *helper; /* tests/aws/fake_credential_process.sh */

static const char *const aws_env[] = {"AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY",
                                      "AWS_SESSION_TOKEN",
                                      "AWS_SECURITY_TOKEN",
                                      "AWS_PROFILE",
                                      "AWS_DEFAULT_PROFILE",
                                      "AWS_REGION",
                                      "AWS_DEFAULT_REGION",
                                      "AWS_ROLE_ARN",
                                      "AWS_WEB_IDENTITY_TOKEN_FILE",
                                      "AWS_ROLE_SESSION_NAME",
                                      "AWS_CREDENTIAL_EXPIRATION",
                                      "AWS_CONFIG_FILE",
                                      "AWS_SHARED_CREDENTIALS_FILE"};

static void write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static char *path_in(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cutover-creds-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    for (size_t i = 0; i < sizeof aws_env / sizeof aws_env[0]; i++)
        unsetenv(aws_env[i]);
    setenv("HOME", tmpdir, 1);
    char *cfg = path_in("config"), *cred = path_in("credentials");
    setenv("AWS_CONFIG_FILE", cfg, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    free(cfg);
    free(cred);
    write_file("config", "");
    write_file("credentials", "");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

/* ---- INI ---------------------------------------------------------------------------------- */

static void test_ini_parse(void **state)
{
    (void)state;
    const char *text = "# comment\r\n"
                       "[default]\r\n"
                       "Region = eu-west-1 \r\n"
                       "  ; indented comment\n"
                       "output: json\n"
                       "s3 =\n"
                       "    max_concurrent_requests = 10\n"
                       "\n"
                       "[profile a b]\n"
                       "key=v=w\n";
    struct aws_ini *ini;
    struct error err = {0};
    assert_int_equal(aws_ini_parse(text, strlen(text), "config", &ini, &err), 0);
    assert_string_equal(aws_ini_get(ini, "default", "region"), "eu-west-1");
    assert_string_equal(aws_ini_get(ini, "default", "output"), "json");
    assert_string_equal(aws_ini_get(ini, "default", "s3"), "\nmax_concurrent_requests = 10");
    assert_string_equal(aws_ini_get(ini, "profile a b", "key"), "v=w");
    assert_int_equal(aws_ini_line(ini, "default", "output"), 5);
    assert_int_equal(aws_ini_line(ini, "profile a b", NULL), 9);
    assert_int_equal(aws_ini_section_count(ini), 2);
    assert_null(aws_ini_get(ini, "default", "missing"));
    aws_ini_free(ini);
}

static void test_ini_errors(void **state)
{
    (void)state;
    struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"[a]\nx=1\n[b]\n[a]\n", "config:4: section [a] appears twice (first on line 1)"},
        {"[a]\nx=1\n\nX = 2\n", "config:4: key 'x' appears twice in [a] (first on line 2)"},
        {"[a]\njust words\n", "config:2: expected 'key = value'"},
        {"x = 1\n[a]\n", "config:1: key before the first [section]"},
        {"[a]\n[b\n", "config:2: section header without a closing ']'"},
        {"[a]\n = 1\n", "config:2: empty key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct aws_ini *ini = (struct aws_ini *)1;
        struct error err = {0};
        assert_int_equal(aws_ini_parse(cases[i].text, strlen(cases[i].text), "config", &ini, &err),
                         -1);
        assert_null(ini);
        assert_string_equal(err.msg, cases[i].msg);
    }
    /* limits: many sections, and a long run of continuation lines stays linear */
    size_t cap = 4097 * 12 + 1;
    char *many = xmalloc(cap);
    size_t len = 0;
    for (int i = 0; i < 4097; i++)
        len += (size_t)snprintf(many + len, cap - len, "[s%d]\n", i);
    struct error err = {0};
    struct aws_ini *big = NULL;
    assert_int_equal(aws_ini_parse(many, len, "config", &big, &err), -1);
    assert_string_equal(err.msg, "config:4097: more than 4096 sections");
    free(many);
    size_t lines = 200000;
    char *cont = xmalloc(8 + lines * 4 + 1);
    len = (size_t)sprintf(cont, "[a]\nk =\n");
    for (size_t i = 0; i < lines; i++) {
        memcpy(cont + len, " x\n", 3);
        len += 3;
    }
    assert_int_equal(aws_ini_parse(cont, len, "config", &big, &err), 0);
    assert_int_equal(strlen(aws_ini_get(big, "a", "k")), lines * 2);
    aws_ini_free(big);
    free(cont);

    /* a missing file is an empty one */
    struct aws_ini *ini;
    assert_int_equal(aws_ini_load("/nonexistent/cutover/config", &ini, NULL), 0);
    assert_int_equal(aws_ini_section_count(ini), 0);
    aws_ini_free(ini);
}

/* ---- the aws CLI as the reference ------------------------------------------------------- */

/* Runs `aws configure export-credentials` (or another configure subcommand) with only the
 * given environment; returns its stdout or NULL when it failed. */
static char *aws_cli(const char *env, const char *args)
{
    char *cmd = xasprintf("env -i PATH=/usr/bin:/bin HOME='%s' AWS_CONFIG_FILE='%s/config' "
                          "AWS_SHARED_CREDENTIALS_FILE='%s/credentials' "
                          "AWS_EC2_METADATA_DISABLED=true HTTPS_PROXY=http://127.0.0.1:9 "
                          "HTTP_PROXY=http://127.0.0.1:9 %s /usr/bin/aws %s 2>'%s/cli.err'",
                          tmpdir, tmpdir, tmpdir, env, args, tmpdir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int rc = pclose(p);
    free(cmd);
    return rc == 0 ? xstrdup(buf) : NULL;
}

static char *cli_stderr(void)
{
    char *path = path_in("cli.err");
    FILE *f = fopen(path, "r");
    free(path);
    assert_non_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return xstrdup(buf);
}

/* What export-credentials --format env would print for c. */
static char *as_env(const struct aws_credentials *c)
{
    char exp[64] = "";
    if (c->expiration) {
        struct tm tm;
        gmtime_r(&c->expiration, &tm);
        strftime(exp, sizeof exp, "export AWS_CREDENTIAL_EXPIRATION=%Y-%m-%dT%H:%M:%S+00:00\n",
                 &tm);
    }
    char *tok = c->session_token ? xasprintf("export AWS_SESSION_TOKEN=%s\n", c->session_token)
                                 : xstrdup("");
    char *s = xasprintf("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n%s%s",
                        c->access_key_id, c->secret_access_key, tok, exp);
    free(tok);
    return s;
}

/* Resolves with our chain in the current environment and compares with the CLI given the
 * same environment (env_for_cli) and profile. */
static void compare_with_cli(const char *env_for_cli, const char *profile,
                             enum aws_creds_source want_source)
{
    struct aws_creds_opts opts = {.profile = profile};
    struct aws_credentials c;
    struct error err = {0};
    if (aws_creds_resolve(&opts, &c, &err) < 0)
        fail_msg("resolve failed: %s", err.msg);
    assert_int_equal(c.source, want_source);
    char *args = profile
                     ? xasprintf("configure export-credentials --format env --profile %s", profile)
                     : xstrdup("configure export-credentials --format env");
    char *cli = aws_cli(env_for_cli, args);
    if (!cli) {
        char *e = cli_stderr();
        fail_msg("aws %s failed: %s", args, e);
    }
    char *ours = as_env(&c);
    assert_string_equal(ours, cli);
    printf("ok   %s / %s: same as aws configure export-credentials (%s)\n",
           profile ? profile : "(no --profile)", env_for_cli, aws_creds_source_name(c.source));
    free(ours);
    free(cli);
    free(args);
    aws_credentials_fini(&c);
}

static const char *config_text =
    "[default]\n"
    "region = eu-west-1\n"
    "[profile dev]\n"
    "region = us-west-2\n"
    "aws_access_key_id = AKIACONFIGDEV\n"
    "aws_secret_access_key = configdevsecret\n"
    "[profile cfgonly]\n"
    "aws_access_key_id = AKIACFGONLY\n"
    "aws_secret_access_key = cfgonlysecret\n"
    "aws_session_token = cfgonlytoken\n"
    "[proc]\n" /* no "profile " prefix: not a profile in the config file */
    "region = ap-south-1\n"
    "[profile proc]\n"
    "region = ca-central-1\n"
    "credential_process = %s ok\n"
    "[profile procstatic]\n"
    "credential_process = \"%s\" static\n";

static const char *credentials_text = "[default]\n"
                                      "aws_access_key_id = AKIADEFAULT\n"
                                      "aws_secret_access_key = defaultsecret\n"
                                      "[dev]\n"
                                      "aws_access_key_id = AKIACREDSDEV\n"
                                      "aws_secret_access_key = credsdevsecret\n"
                                      "aws_session_token = credsdevtoken\n";

static void write_profiles(void)
{
    char *cfg = xasprintf(config_text, helper, helper);
    write_file("config", cfg);
    free(cfg);
    write_file("credentials", credentials_text);
}

static void test_profiles_match_cli(void **state)
{
    (void)state;
    write_profiles();
    /* default profile from the credentials file */
    compare_with_cli("", NULL, AWS_CREDS_SHARED_FILE);
    /* the credentials file wins over the config file for the same profile */
    compare_with_cli("", "dev", AWS_CREDS_SHARED_FILE);
    /* keys only in the config file, with a session token */
    compare_with_cli("", "cfgonly", AWS_CREDS_CONFIG_FILE);
    /* credential_process with token and expiration, and a quoted command */
    compare_with_cli("", "proc", AWS_CREDS_PROCESS);
    compare_with_cli("", "procstatic", AWS_CREDS_PROCESS);
    /* AWS_PROFILE picks the profile when nothing explicit is given */
    setenv("AWS_PROFILE", "cfgonly", 1);
    compare_with_cli("AWS_PROFILE=cfgonly", NULL, AWS_CREDS_CONFIG_FILE);
    /* environment keys win over AWS_PROFILE ... */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    compare_with_cli("AWS_PROFILE=cfgonly AWS_ACCESS_KEY_ID=AKIAENV "
                     "AWS_SECRET_ACCESS_KEY=envsecret AWS_SESSION_TOKEN=envtoken",
                     NULL, AWS_CREDS_ENV);
    /* ... but not over an explicit --profile */
    compare_with_cli("AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envsecret", "dev",
                     AWS_CREDS_SHARED_FILE);
}

static void test_region_matches_cli(void **state)
{
    (void)state;
    write_profiles();
    struct {
        const char *profile;
        const char *want;
    } cases[] = {{NULL, "eu-west-1"}, {"dev", "us-west-2"}, {"proc", "ca-central-1"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct aws_creds_opts opts = {.profile = cases[i].profile};
        char *region = NULL;
        assert_int_equal(aws_creds_region(&opts, &region, NULL), 0);
        assert_string_equal(region, cases[i].want);
        char *args = cases[i].profile
                         ? xasprintf("configure get region --profile %s", cases[i].profile)
                         : xstrdup("configure get region");
        char *cli = aws_cli("", args);
        assert_non_null(cli);
        cli[strcspn(cli, "\n")] = '\0';
        assert_string_equal(region, cli);
        free(cli);
        free(args);
        free(region);
    }
    /* AWS_REGION beats AWS_DEFAULT_REGION beats the profile */
    setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
    char *region;
    assert_int_equal(aws_creds_region(NULL, &region, NULL), 0);
    assert_string_equal(region, "sa-east-1");
    free(region);
    setenv("AWS_REGION", "ap-northeast-1", 1);
    assert_int_equal(aws_creds_region(NULL, &region, NULL), 0);
    assert_string_equal(region, "ap-northeast-1");
    free(region);
    /* no region anywhere */
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    write_file("config", "[profile x]\noutput = json\n");
    struct aws_creds_opts opts = {.profile = "x"};
    struct error err = {0};
    assert_int_equal(aws_creds_region(&opts, &region, &err), -1);
    assert_null(region);
    assert_non_null(strstr(err.msg, "no AWS region"));
}

/* ---- environment ------------------------------------------------------------------------ */

static void test_env(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "sess", 1);
    setenv("AWS_SECURITY_TOKEN", "legacy", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z", 1);
    struct aws_credentials c;
    assert_int_equal(aws_creds_resolve(NULL, &c, NULL), 0);
    assert_int_equal(c.source, AWS_CREDS_ENV);
    assert_string_equal(c.access_key_id, "AKIAENV");
    assert_string_equal(c.secret_access_key, "envsecret");
    assert_string_equal(c.session_token, "legacy"); /* AWS_SECURITY_TOKEN first, as the CLI */
    assert_int_equal(c.expiration, 1893456000);
    assert_null(c.profile);
    aws_credentials_fini(&c);

    /* only one half of the pair: an error naming the missing variable, never the value */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    struct error err = {0};
    assert_int_equal(aws_creds_resolve(NULL, &c, &err), -1);
    assert_string_equal(err.msg, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    assert_null(c.access_key_id);

    /* an empty variable counts as unset */
    setenv("AWS_ACCESS_KEY_ID", "", 1);
    assert_int_equal(aws_creds_resolve(NULL, &c, &err), -1);
    assert_non_null(strstr(err.msg, "no AWS credentials"));
}

/* ---- files ------------------------------------------------------------------------------- */

static void test_file_errors(void **state)
{
    (void)state;
    write_file("credentials", "[default]\naws_access_key_id = AKIAHALF\n\n[x]\n");
    struct error err = {0};
    struct aws_credentials c;
    assert_int_equal(aws_creds_resolve(NULL, &c, &err), -1);
    char *want = xasprintf("%s/credentials:2: profile default has aws_access_key_id but no "
                           "aws_secret_access_key",
                           tmpdir);
    assert_string_equal(err.msg, want);
    free(want);

    write_file("credentials", "[default]\naws_secret_access_key = hush-do-not-print\n"
                              "aws_secret_access_key = again\n");
    assert_int_equal(aws_creds_resolve(NULL, &c, &err), -1);
    assert_non_null(strstr(err.msg, "credentials:3: key 'aws_secret_access_key' appears twice"));
    assert_null(strstr(err.msg, "hush"));
    assert_null(strstr(err.msg, "again"));

    /* a named profile that exists nowhere */
    write_file("credentials", "");
    struct aws_creds_opts opts = {.profile = "nope"};
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_string_equal(err.msg, "the config profile (nope) could not be found");
    char *cli = aws_cli("", "configure export-credentials --profile nope");
    assert_null(cli);
    char *e = cli_stderr();
    assert_non_null(strstr(e, "could not be found"));
    free(e);
}

/* ---- credential_process ------------------------------------------------------------------ */

static void set_process_profile(const char *args)
{
    char *cfg = xasprintf("[default]\ncredential_process = %s %s\n", helper, args);
    write_file("config", cfg);
    free(cfg);
}

static void test_credential_process(void **state)
{
    (void)state;
    struct aws_creds_opts opts = {.process_timeout_ms = 500, .now = 1700000000};
    struct aws_credentials c;
    struct error err = {0};

    set_process_profile("args 'AKIA QUOTED' \"sec ret\" a\\ b");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(c.access_key_id, "AKIA QUOTED");
    assert_string_equal(c.secret_access_key, "sec ret");
    assert_null(c.session_token);
    assert_int_equal(c.expiration, 0);
    assert_string_equal(c.profile, "default");
    aws_credentials_fini(&c);

    set_process_profile("expired");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "expired credentials"));
    set_process_profile("version2");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "unsupported Version"));
    set_process_profile("garbage");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    set_process_profile("fail");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_string_equal(err.msg, "credential_process for profile default failed (exit status "
                                 "3): token for the corp SSO has expired, log in again");

    /* bounded time: a helper that hangs is killed at the deadline */
    set_process_profile("sleep");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 5.0);
    assert_string_equal(err.msg, "credential_process: no answer within 500 ms (killed)");

    write_file("config", "[default]\ncredential_process = /nonexistent/helper\n");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "cannot run /nonexistent/helper"));
    write_file("config", "[default]\ncredential_process = 'unterminated\n");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "cannot split"));
}

/* ---- fake STS / SSO ------------------------------------------------------------------------ */

struct fake {
    int calls;
    char last_role[128];
    char last_session[128];
    char last_source_key[64];
    char last_token[128];
    char last_external[64];
    int last_duration;
    char last_sso[256];
};

static int fake_assume_role(void *ctx, const struct aws_assume_role_params *p,
                            const struct aws_credentials *source, struct aws_credentials *out,
                            struct error *err)
{
    (void)err;
    struct fake *f = ctx;
    f->calls++;
    snprintf(f->last_role, sizeof f->last_role, "%s", p->role_arn);
    snprintf(f->last_session, sizeof f->last_session, "%s", p->role_session_name);
    snprintf(f->last_source_key, sizeof f->last_source_key, "%s", source->access_key_id);
    snprintf(f->last_external, sizeof f->last_external, "%s", p->external_id ? p->external_id : "");
    f->last_duration = p->duration_seconds;
    out->access_key_id = xasprintf("ASIA-ROLE-%d", f->calls);
    out->secret_access_key = xstrdup("rolesecret");
    out->session_token = xstrdup("roletoken");
    out->expiration = 1900000000;
    return 0;
}

static int fake_web_identity(void *ctx, const struct aws_assume_role_params *p, const char *token,
                             struct aws_credentials *out, struct error *err)
{
    (void)err;
    struct fake *f = ctx;
    f->calls++;
    snprintf(f->last_role, sizeof f->last_role, "%s", p->role_arn);
    snprintf(f->last_token, sizeof f->last_token, "%s", token);
    snprintf(f->last_session, sizeof f->last_session, "%s", p->role_session_name);
    out->access_key_id = xstrdup("ASIA-WEB");
    out->secret_access_key = xstrdup("websecret");
    out->session_token = xstrdup("webtoken");
    return 0;
}

static int fake_sso(void *ctx, const char *region, const char *access_token, const char *account,
                    const char *role, struct aws_credentials *out, struct error *err)
{
    (void)err;
    struct fake *f = ctx;
    f->calls++;
    snprintf(f->last_sso, sizeof f->last_sso, "%s %s %s %s", region, access_token, account, role);
    out->access_key_id = xstrdup("ASIA-SSO");
    out->secret_access_key = xstrdup("ssosecret");
    out->session_token = xstrdup("ssotoken");
    return 0;
}

static void test_assume_role(void **state)
{
    (void)state;
    write_file("credentials", "[base]\naws_access_key_id = AKIABASE\n"
                              "aws_secret_access_key = basesecret\n");
    write_file("config", "[profile admin]\n"
                         "role_arn = arn:aws:iam::111122223333:role/admin\n"
                         "source_profile = base\n"
                         "external_id = ext-1\n"
                         "duration_seconds = 1800\n"
                         "role_session_name = sre\n"
                         "[profile deploy]\n"
                         "role_arn = arn:aws:iam::444455556666:role/deploy\n"
                         "source_profile = admin\n"
                         "[profile loop1]\n"
                         "role_arn = arn:aws:iam::1:role/a\n"
                         "source_profile = loop2\n"
                         "[profile loop2]\n"
                         "role_arn = arn:aws:iam::1:role/b\n"
                         "source_profile = loop1\n"
                         "[profile broken]\n"
                         "region = us-east-1\n"
                         "role_arn = arn:aws:iam::1:role/c\n"
                         "[profile fromenv]\n"
                         "role_arn = arn:aws:iam::1:role/d\n"
                         "credential_source = Environment\n");
    struct fake f = {0};
    struct aws_creds_ops ops = {.ctx = &f, .assume_role = fake_assume_role};
    struct aws_creds_opts opts = {.profile = "deploy", .ops = &ops, .now = 1700000000};

    struct aws_creds_plan *plan;
    struct error err = {0};
    assert_int_equal(aws_creds_plan(&opts, &plan, &err), 0);
    char *text = aws_creds_plan_describe(plan);
    char *want = xasprintf("profile deploy: assume role arn:aws:iam::444455556666:role/deploy "
                           "using profile admin\n"
                           "profile admin: assume role arn:aws:iam::111122223333:role/admin "
                           "(with external_id) using profile base\n"
                           "profile base: keys in %s/credentials",
                           tmpdir);
    assert_string_equal(text, want);
    free(want);
    free(text);
    aws_creds_plan_free(plan);

    struct aws_credentials c;
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_int_equal(f.calls, 2);
    /* the second call used the first role's credentials */
    assert_string_equal(f.last_source_key, "ASIA-ROLE-1");
    assert_string_equal(f.last_role, "arn:aws:iam::444455556666:role/deploy");
    assert_string_equal(f.last_session, "cutover-session-1700000000");
    assert_string_equal(c.access_key_id, "ASIA-ROLE-2");
    assert_int_equal(c.source, AWS_CREDS_ASSUME_ROLE);
    assert_string_equal(c.profile, "deploy");
    aws_credentials_fini(&c);

    opts.profile = "admin";
    f.calls = 0;
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(f.last_source_key, "AKIABASE");
    assert_string_equal(f.last_external, "ext-1");
    assert_string_equal(f.last_session, "sre");
    assert_int_equal(f.last_duration, 1800);
    aws_credentials_fini(&c);

    opts.profile = "loop1";
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "source_profile loop"));
    opts.profile = "broken";
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    want = xasprintf("%s/config:18: profile broken has role_arn but neither source_profile nor "
                     "credential_source",
                     tmpdir);
    assert_string_equal(err.msg, want);
    free(want);

    setenv("AWS_ACCESS_KEY_ID", "AKIAENVSRC", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsrcsecret", 1);
    opts.profile = "fromenv";
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(f.last_source_key, "AKIAENVSRC");
    aws_credentials_fini(&c);

    /* no STS available: the plan is still described, resolving says what is missing */
    opts.ops = NULL;
    opts.profile = "admin";
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_string_equal(err.msg, "profile admin: AssumeRole (STS) is not available");
}

static void test_web_identity(void **state)
{
    (void)state;
    write_file("token", "eyJhbGciOiJSUzI1NiJ9.payload.sig\n");
    char *tok = path_in("token");
    char *cfg = xasprintf("[profile k8s]\nrole_arn = arn:aws:iam::1:role/irsa\n"
                          "web_identity_token_file = %s\nrole_session_name = pod\n",
                          tok);
    write_file("config", cfg);
    free(cfg);
    struct fake f = {0};
    struct aws_creds_ops ops = {.ctx = &f, .assume_role_with_web_identity = fake_web_identity};
    struct aws_creds_opts opts = {.profile = "k8s", .ops = &ops};
    struct aws_creds_plan *plan;
    assert_int_equal(aws_creds_plan(&opts, &plan, NULL), 0);
    assert_int_equal(plan->source, AWS_CREDS_WEB_IDENTITY);
    assert_string_equal(plan->web_identity_token_file, tok);
    aws_creds_plan_free(plan);
    struct aws_credentials c;
    struct error err = {0};
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(f.last_token, "eyJhbGciOiJSUzI1NiJ9.payload.sig");
    assert_string_equal(f.last_session, "pod");
    assert_int_equal(c.source, AWS_CREDS_WEB_IDENTITY);
    aws_credentials_fini(&c);

    /* from the environment (EKS pod identity style), when no profile is explicit */
    write_file("config", "");
    setenv("AWS_ROLE_ARN", "arn:aws:iam::2:role/env", 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
    opts.profile = NULL;
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(f.last_role, "arn:aws:iam::2:role/env");
    aws_credentials_fini(&c);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "cannot read /nonexistent/token"));
    free(tok);
}

static void write_sso_cache(const char *hash, const char *json)
{
    char *dir = xasprintf("%s/.aws/sso/cache", tmpdir);
    char *cmd = xasprintf("mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    char *name = xasprintf(".aws/sso/cache/%s.json", hash);
    write_file(name, json);
    free(name);
    free(cmd);
    free(dir);
}

static void test_sso(void **state)
{
    (void)state;
    write_file("config", "[profile legacy]\n"
                         "sso_start_url = https://my-sso-portal.awsapps.com/start\n"
                         "sso_region = us-east-1\n"
                         "sso_account_id = 123456789012\n"
                         "sso_role_name = ReadOnly\n"
                         "[profile modern]\n"
                         "sso_session = my-sso\n"
                         "sso_account_id = 210987654321\n"
                         "sso_role_name = Admin\n"
                         "[sso-session my-sso]\n"
                         "sso_start_url = https://other.awsapps.com/start\n"
                         "sso_region = eu-central-1\n"
                         "[profile partial]\n"
                         "sso_start_url = https://x.awsapps.com/start\n"
                         "sso_region = us-east-1\n");
    /* sha1("https://my-sso-portal.awsapps.com/start") and sha1("my-sso"), as sha1sum gives */
    char *p = aws_sso_cache_path(NULL, "https://my-sso-portal.awsapps.com/start");
    char *want =
        xasprintf("%s/.aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json", tmpdir);
    assert_string_equal(p, want);
    free(p);
    free(want);
    p = aws_sso_cache_path("my-sso", "ignored");
    want = xasprintf("%s/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json", tmpdir);
    assert_string_equal(p, want);
    free(p);
    free(want);

    struct fake f = {0};
    struct aws_creds_ops ops = {.ctx = &f, .sso_get_role_credentials = fake_sso};
    struct aws_creds_opts opts = {.profile = "legacy", .ops = &ops, .now = 1700000000};
    struct aws_credentials c;
    struct error err = {0};

    /* no cached token yet */
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_non_null(strstr(err.msg, "no cached token for https://my-sso-portal.awsapps.com/start"));
    assert_non_null(strstr(err.msg, "aws sso login"));

    char *e = NULL;
    assert_null(aws_cli("", "configure export-credentials --profile legacy"));
    e = cli_stderr();
    if (!strstr(e, "does not exist"))
        fail_msg("aws CLI should find no cached token: %s", e);
    free(e);

    /* an expired token. The aws CLI leaves expiry to the SSO service: it goes for the network,
     * which the dead proxy refuses. That it tried shows it read the same cache file (it says
     * "does not exist" otherwise, as above). */
    write_sso_cache("c7aaaf71fcc8777ae2475525ed049d39fe16c484",
                    "{\"startUrl\": \"https://my-sso-portal.awsapps.com/start\", \"region\": "
                    "\"us-east-1\", \"accessToken\": \"old-token\", \"expiresAt\": "
                    "\"2001-01-01T00:00:00UTC\"}");
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_string_equal(err.msg, "SSO: the token for https://my-sso-portal.awsapps.com/start "
                                 "expired at 2001-01-01T00:00:00Z; run aws sso login");
    assert_null(aws_cli("", "configure export-credentials --profile legacy"));
    e = cli_stderr();
    if (strstr(e, "does not exist") || !strstr(e, "proxy"))
        fail_msg("aws CLI did not find the cached token: %s", e);
    free(e);
    assert_int_equal(f.calls, 0);

    /* a valid token: GetRoleCredentials gets the token, account and role */
    write_sso_cache("c7aaaf71fcc8777ae2475525ed049d39fe16c484",
                    "{\"startUrl\": \"https://my-sso-portal.awsapps.com/start\", \"region\": "
                    "\"us-east-1\", \"accessToken\": \"good-token\", \"expiresAt\": "
                    "\"2030-06-01T08:00:00Z\"}");
    struct aws_sso_token t;
    assert_int_equal(aws_sso_token_load(NULL, "https://my-sso-portal.awsapps.com/start", &t, NULL),
                     0);
    assert_int_equal(t.expires_at, 1906531200);
    assert_string_equal(t.region, "us-east-1");
    aws_sso_token_fini(&t);
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(f.last_sso, "us-east-1 good-token 123456789012 ReadOnly");
    assert_int_equal(c.source, AWS_CREDS_SSO);
    assert_string_equal(c.access_key_id, "ASIA-SSO");
    aws_credentials_fini(&c);

    /* sso-session: the cache key is the session name; region from the session */
    write_sso_cache("0ad374308c5a4e22f723adf10145eafad7c4031c",
                    "{\"accessToken\": \"session-token\", \"expiresAt\": "
                    "\"2030-06-01T08:00:00.123Z\", \"region\": \"eu-central-1\"}");
    opts.profile = "modern";
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), 0);
    assert_string_equal(f.last_sso, "eu-central-1 session-token 210987654321 Admin");
    aws_credentials_fini(&c);

    /* without the SSO call the token's validity is still reported */
    opts.ops = NULL;
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_string_equal(err.msg, "SSO: token valid until 2030-06-01T08:00:00Z, but "
                                 "GetRoleCredentials is not available");
    assert_null(strstr(err.msg, "session-token"));

    opts.profile = "partial";
    assert_int_equal(aws_creds_resolve(&opts, &c, &err), -1);
    assert_string_equal(err.msg, "profile partial: SSO configuration without sso_account_id");
}

static void test_parse_time(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(aws_creds_parse_time("2015-08-30T12:36:00Z", &t), 0);
    assert_int_equal(t, 1440938160);
    assert_int_equal(aws_creds_parse_time("2015-08-30T12:36:00.5+00:00", &t), 0);
    assert_int_equal(t, 1440938160);
    assert_int_equal(aws_creds_parse_time("2015-08-30T12:36:00UTC", &t), 0);
    assert_int_equal(aws_creds_parse_time("2015-08-30T12:36:00+02:00", &t), -1);
    assert_int_equal(aws_creds_parse_time("2015-13-30T12:36:00Z", &t), -1);
    assert_int_equal(aws_creds_parse_time("yesterday", &t), -1);
}

int main(void)
{
    const char *src = getenv("CUTOVER_SOURCE_DIR");
    if (!src) {
        fprintf(stderr, "CUTOVER_SOURCE_DIR is not set\n");
        return 1;
    }
    helper = xasprintf("%s/tests/aws/fake_credential_process.sh", src);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ini_parse),
        cmocka_unit_test(test_ini_errors),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles_match_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_matches_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credential_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(helper);
    return rc;
}
