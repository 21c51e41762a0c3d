/* Issue #7, secret values in memory (docs/drift.md, "What is wiped"): after a drift read of both
 * clusters in contents mode and of Secrets Manager (GetSecretValue) against the simulator, no
 * marker value, nor its base64 or hex, is anywhere in this process's readable memory
 * (/proc/self/mem), neither while the results are held nor after they are freed.
 *
 * The simulator runs in a forked child, so its copies of the values are not in this process. The
 * markers are kept here only XOR-masked: the scan masks what it reads, so the needles themselves
 * never match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/drift_reader.h"
#include "cutover/k8s_http.h"
#include "cutover/kubeconfig.h"
#include "cutover/sim.h"
#include "cutover/xalloc.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MASK 0x5a
#define NMARK 5
#define CHUNK (1u << 20)
#define OVERLAP 256u

struct needle {
    unsigned char m[128]; /* masked */
    size_t n;
    char what[32];
};

static struct needle needles[NMARK * 3];
static size_t nneedles;
static char run_id[16];

static void add_needle(const char *plain, size_t n, const char *what)
{
    struct needle *d = &needles[nneedles++];
    for (size_t i = 0; i < n; i++)
        d->m[i] = (unsigned char)plain[i] ^ MASK;
    d->n = n;
    snprintf(d->what, sizeof d->what, "%s", what);
}

static const char *const suffix[NMARK] = {"dbpass", "srconly", "tgtonly", "smvalue", "smold"};

/* Marker i (plain) into buf. */
static void marker(int i, char *buf, size_t len)
{
    snprintf(buf, len, "MARKER%dx%sx%s", i + 1, run_id, suffix[i]);
}

/* Standard base64 of s into out (at least 4 * ceil(strlen(s) / 3) + 1 bytes). */
static void b64(const char *s, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)strlen(s));
}

static void make_needles(void)
{
    for (int i = 0; i < NMARK; i++) {
        char m[64], b[96], h[130], w[32];
        marker(i, m, sizeof m);
        b64(m, b);
        for (size_t k = 0; m[k]; k++)
            snprintf(h + 2 * k, 3, "%02x", (unsigned char)m[k]);
        snprintf(w, sizeof w, "marker %d", i + 1);
        add_needle(m, strlen(m), w);
        snprintf(w, sizeof w, "marker %d (base64)", i + 1);
        add_needle(b, strlen(b), w);
        snprintf(w, sizeof w, "marker %d (hex)", i + 1);
        add_needle(h, strlen(h), w);
        explicit_bzero(m, sizeof m);
        explicit_bzero(b, sizeof b);
        explicit_bzero(h, sizeof h);
    }
}

/* ---- the simulator, in a child ----------------------------------------------------------- */

struct child {
    pid_t pid;
    char kubeconfig[512], url[256], cfg[512], creds[512];
};

static char *scenario(void)
{
    char m[NMARK][64], b[NMARK][96];
    for (int i = 0; i < NMARK; i++) {
        marker(i, m[i], sizeof m[i]);
        b64(m[i], b[i]);
    }
    return xasprintf(
        "source: a\ntarget: b\nclusters:\n"
        "  - name: a\n    namespaces: [shop]\n    secrets:\n"
        "      - {namespace: shop, name: db, data: {password: %s, api: %s}}\n"
        "      - {namespace: shop, name: gw, data: {token: %s}}\n"
        "  - name: b\n    namespaces: [shop]\n    secrets:\n"
        "      - {namespace: shop, name: db, data: {password: %s, api: %s}}\n"
        "    objects:\n"
        "      - apiVersion: external-secrets.io/v1beta1\n        kind: ClusterSecretStore\n"
        "        metadata: {name: sm}\n"
        "        spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}\n"
        "      - apiVersion: external-secrets.io/v1beta1\n        kind: ExternalSecret\n"
        "        metadata: {name: gw, namespace: shop}\n        spec:\n"
        "          secretStoreRef: {name: sm, kind: ClusterSecretStore}\n"
        "          target: {name: gw}\n"
        "          data: [{secretKey: token, remoteRef: {key: prod/gw, property: token}}]\n"
        "      - apiVersion: v1\n        kind: Secret\n"
        "        metadata: {name: gw, namespace: shop}\n        data: {token: %s}\n"
        "aws:\n  account: \"111122223333\"\n  region: us-east-1\n  credentials:\n"
        "    - {access_key_id: AKIASIMMEMORY0000001, secret_access_key: "
        "sim/memory/not-a-real-key/0000000001, arn: \"arn:aws:iam::111122223333:user/sre\"}\n"
        "  secrets:\n    - {name: prod/gw, keys: {token: %s}}\n",
        b[0], b[1], b[4], b[0], b[2], b[4], m[3]);
}

static void child_main(int wfd)
{
    char *y = scenario();
    struct sim_opts o = {.scenario_yaml = y, .no_churn = true};
    struct sim *sim = NULL;
    struct error err = {0};
    if (sim_start(&o, &sim, &err) != 0) {
        dprintf(wfd, "ERR %s\n", err.msg);
        _exit(1);
    }
    dprintf(wfd, "%s\n%s\n%s\n%s\n", sim_kubeconfig_path(sim), sim_aws_url(sim),
            sim_aws_config_file(sim), sim_aws_credentials_file(sim));
    close(wfd);
    for (;;)
        pause();
}

static void start_child(struct child *c)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        close(p[0]);
        child_main(p[1]);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    assert_non_null(f);
    char *fields[] = {c->kubeconfig, c->url, c->cfg, c->creds};
    size_t lens[] = {sizeof c->kubeconfig, sizeof c->url, sizeof c->cfg, sizeof c->creds};
    for (int i = 0; i < 4; i++) {
        if (!fgets(fields[i], (int)lens[i], f))
            fail_msg("the simulator child did not start");
        if (strncmp(fields[i], "ERR ", 4) == 0)
            fail_msg("sim_start: %s", fields[i] + 4);
        fields[i][strcspn(fields[i], "\n")] = '\0';
    }
    fclose(f);
}

static void stop_child(struct child *c)
{
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
}

/* ---- the scan ---------------------------------------------------------------------------- */

/* Every needle found in this process's readable memory, as "what at 0xADDR (mapping)" lines
 * appended to report; returns how many. */
static int scan_memory(char *report, size_t len)
{
    unsigned char *buf =
        mmap(NULL, CHUNK + OVERLAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(buf != MAP_FAILED);
    int mem = open("/proc/self/mem", O_RDONLY);
    assert_true(mem >= 0);
    FILE *maps = fopen("/proc/self/maps", "r");
    assert_non_null(maps);
    char line[512];
    int hits = 0;
    size_t scanned = 0;
    report[0] = '\0';
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8] = "", name[256] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms, name) < 3)
            continue;
        if (perms[0] != 'r' || (uintptr_t)lo == (uintptr_t)buf || strstr(name, "[vvar") ||
            strstr(name, "[vsyscall"))
            continue;
        if (hi - lo > 1ul << 32)
            continue; /* a sanitizer's shadow memory (terabytes reserved), not this program's */
        for (unsigned long at = lo; at < hi; at += CHUNK) {
            size_t n = hi - at < CHUNK + OVERLAP ? hi - at : CHUNK + OVERLAP;
            ssize_t got = pread(mem, buf, n, (off_t)at);
            if (got <= 0)
                break;
            scanned += (size_t)got;
            for (ssize_t i = 0; i < got; i++)
                buf[i] ^= MASK;
            for (size_t k = 0; k < nneedles; k++) {
                const unsigned char *p = buf, *end = buf + got;
                while ((p = memmem(p, (size_t)(end - p), needles[k].m, needles[k].n)) != NULL) {
                    size_t o = strlen(report);
                    snprintf(report + o, len - o, "%s at %#lx (%s)\n", needles[k].what,
                             at + (unsigned long)(p - buf), name[0] ? name : "anonymous");
                    hits++;
                    p += needles[k].n;
                }
            }
            explicit_bzero(buf, (size_t)got);
        }
    }
    fclose(maps);
    close(mem);
    munmap(buf, CHUNK + OVERLAP);
    assert_true(scanned > 1u << 20); /* the scan did read the process */
    return hits;
}

static struct k8s_http *client(const char *kubeconfig, const char *ctx, struct kube_context *kctx)
{
    struct kubeconfig *kc = NULL;
    struct error err = {0};
    if (kubeconfig_load(kubeconfig, &kc, &err) < 0)
        fail_msg("kubeconfig_load: %s", err.msg);
    if (kubeconfig_resolve(kc, ctx, kctx, &err) < 0)
        fail_msg("kubeconfig_resolve: %s", err.msg);
    kubeconfig_free(kc);
    struct k8s_http_opts o = {.read_only = true};
    struct k8s_http *h = NULL;
    if (k8s_http_new(kctx, &o, &h, &err) < 0)
        fail_msg("k8s_http_new: %s", err.msg);
    return h;
}

static void test_no_value_in_memory_after_a_drift_read(void **state)
{
    (void)state;
    snprintf(run_id, sizeof run_id, "%08lx", (unsigned long)getpid() * 2654435761ul & 0xfffffffful);
    make_needles();
    struct child ch;
    start_child(&ch);
    setenv("AWS_CONFIG_FILE", ch.cfg, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", ch.creds, 1);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    char report[4096];
    int before = scan_memory(report, sizeof report);
    assert_int_equal(before, 0);

    struct kube_context kctx[2];
    struct k8s_http *h[2] = {client(ch.kubeconfig, "a", &kctx[0]),
                             client(ch.kubeconfig, "b", &kctx[1])};
    struct drift_side *sides[2];
    for (int s = 0; s < 2; s++) {
        struct k8s_http_conn *c = k8s_http_conn_new(h[s], NULL, NULL);
        sides[s] = drift_reader_read_side(c, s ? "b" : "a", true, 100);
        k8s_http_conn_free(c);
        assert_null(sides[s]->error);
        assert_true(sides[s]->secrets_read);
        assert_int_equal(sides[s]->mode, DRIFT_MODE_CONTENTS);
    }
    struct drift_config cfg = {.aws_endpoint = ch.url, .aws_profile = (char *)"sim"};
    struct drift_sot sot;
    drift_reader_read_sot(sides, &cfg, true, &sot);
    /* the read did happen: Secrets Manager answered with the value (hashed) */
    assert_int_equal(sot.n, 1);
    assert_null(sot.v[0].error);
    assert_true(sot.v[0].ok);

    int held = scan_memory(report, sizeof report);
    if (held)
        fail_msg("with the drift results held, %d copies in memory:\n%s", held, report);

    drift_sot_fini(&sot);
    for (int s = 0; s < 2; s++) {
        drift_side_free(sides[s]);
        k8s_http_free(h[s]);
        kube_context_fini(&kctx[s]);
    }
    int after = scan_memory(report, sizeof report);
    stop_child(&ch);
    if (after)
        fail_msg("after the drift results were freed, %d copies in memory:\n%s", after, report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_value_in_memory_after_a_drift_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
