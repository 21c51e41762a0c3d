/* The migration journal: private files, one checksummed line per record, secrets refused, torn
 * and corrupt lines reported with file:line while the rest is read, pending intents, the human
 * format, many threads appending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/journal.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/testfile.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cutover-test-journal-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

struct collected {
    size_t nrec;
    uint64_t seqs[512];
    char kinds[512][16];
    char ids[512][32];
    char first_fields[512];
    size_t nprob;
    int prob_lines[64];
    char prob_msgs[64][512];
    char prob_files[64][256];
};

static int on_rec(const struct journal_record *rec, void *ctx)
{
    struct collected *c = ctx;
    if (c->nrec < 512) {
        c->seqs[c->nrec] = rec->seq;
        snprintf(c->kinds[c->nrec], sizeof c->kinds[0], "%s", journal_kind_name(rec->kind));
        snprintf(c->ids[c->nrec], sizeof c->ids[0], "%s", rec->id);
        if (c->nrec == 0)
            snprintf(c->first_fields, sizeof c->first_fields, "%s",
                     json_object_to_json_string_ext(rec->fields, JSON_C_TO_STRING_PLAIN));
    }
    c->nrec++;
    return 0;
}

static void on_prob(const struct error *where, void *ctx)
{
    struct collected *c = ctx;
    if (c->nprob < 64) {
        c->prob_lines[c->nprob] = where->line;
        snprintf(c->prob_msgs[c->nprob], sizeof c->prob_msgs[0], "%s", where->msg);
        snprintf(c->prob_files[c->nprob], sizeof c->prob_files[0], "%s", where->file);
    }
    c->nprob++;
}

static struct collected *read_all(const char *path)
{
    struct collected *c = calloc(1, sizeof *c);
    size_t np = 99;
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_read(path, on_rec, on_prob, c, &np, &err), 0);
    assert_int_equal(np, c->nprob);
    return c;
}

static json_object *fields_of(const char *json)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    return o;
}

static void append(struct journal *j, enum journal_kind k, const char *id, const char *json)
{
    json_object *f = json != NULL ? fields_of(json) : NULL;
    struct error err;
    error_clear(&err);
    int rc = journal_append(j, k, id, f, NULL, &err);
    if (rc != 0)
        fail_msg("append: %s", err.msg);
    json_object_put(f);
}

static void test_files_are_private_and_records_read_back(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/state/cutover/journal/onprem-prod--eks-prod.jsonl", tmpdir);
    struct journal *j;
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_open(path, "alice@laptop", &j, &err), 0);
    assert_int_equal(journal_next_seq(j), 1);
    assert_string_equal(journal_path(j), path);
    uint64_t seq = 0;
    json_object *f = fields_of("{\"action\":\"traffic.set\",\"target\":\"api\","
                               "\"before\":{\"old\":100,\"new\":0},\"after\":{\"old\":70,"
                               "\"new\":30}}");
    assert_int_equal(journal_append(j, JOURNAL_INTENT, "api-1", f, &seq, &err), 0);
    json_object_put(f);
    assert_int_equal(seq, 1);
    append(j, JOURNAL_RESULT, "api-1", "{\"outcome\":\"done\"}");
    append(j, JOURNAL_NOTE, "n-1", NULL);
    append(j, JOURNAL_STATE, "step-2", "{\"step\":2,\"state\":\"soaking\"}");
    assert_int_equal(journal_next_seq(j), 5);
    journal_free(j);
    journal_free(NULL);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/state/cutover/journal", tmpdir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    struct collected *c = read_all(path);
    assert_int_equal(c->nprob, 0);
    assert_int_equal(c->nrec, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(c->seqs[i], i + 1);
    assert_string_equal(c->kinds[0], "intent");
    assert_string_equal(c->kinds[1], "result");
    assert_string_equal(c->kinds[2], "note");
    assert_string_equal(c->kinds[3], "state");
    assert_string_equal(c->ids[1], "api-1");
    assert_string_equal(c->first_fields, "{\"action\":\"traffic.set\",\"target\":\"api\","
                                         "\"before\":{\"old\":100,\"new\":0},\"after\":{"
                                         "\"old\":70,\"new\":30}}");
    free(c);

    /* reopening continues the sequence */
    assert_int_equal(journal_open(path, NULL, &j, &err), 0);
    assert_int_equal(journal_next_seq(j), 5);
    append(j, JOURNAL_NOTE, "n-2", "{\"text\":\"reopened\"}");
    journal_free(j);
    c = read_all(path);
    assert_int_equal(c->nrec, 5);
    assert_int_equal(c->seqs[4], 5);
    assert_int_equal(c->nprob, 0);
    free(c);
}

/* The documented format: one line, fixed leading members, sum = SHA-256 of the line without
 * its sum member. Computed here independently of the journal's own code. */
static void test_line_format_and_sum(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/j.jsonl", tmpdir);
    struct journal *j;
    struct error err;
    assert_int_equal(journal_open(path, "bob@host", &j, &err), 0);
    append(j, JOURNAL_INTENT, "x-1", "{\"msg\":\"line\\nbreak \\\"q\\\"\",\"n\":3}");
    journal_free(j);
    size_t len;
    char *text = test_file_must_read(path, &len);
    assert_int_equal(text[len - 1], '\n');
    assert_null(memchr(text, '\n', len - 1)); /* a newline inside a value stays escaped */
    assert_memory_equal(text, "{\"seq\":1,\"time\":\"", 17);
    const char *who = strstr(text, "\",\"who\":\"bob@host\",\"kind\":\"intent\",\"id\":\"x-1\","
                                   "\"msg\":\"line\\nbreak \\\"q\\\"\",\"n\":3,\"sum\":\"");
    assert_non_null(who);
    /* time looks like 2026-11-23T14:08:12.123Z */
    assert_int_equal(text[17 + 4], '-');
    assert_int_equal(text[17 + 10], 'T');
    assert_int_equal(text[17 + 23], 'Z');
    const char *sum = strstr(text, ",\"sum\":\"");
    assert_non_null(sum);
    size_t body = (size_t)(sum - text);
    char *unsummed = malloc(body + 2);
    memcpy(unsummed, text, body);
    unsummed[body] = '}';
    unsummed[body + 1] = '\0';
    unsigned char md[32];
    unsigned int mdlen;
    EVP_Digest(unsummed, body + 1, md, &mdlen, EVP_sha256(), NULL);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    assert_memory_equal(sum + 8, hex, 64);
    assert_string_equal(sum + 8 + 64, "\"}\n");
    free(unsummed);
    free(text);
}

static void refused(struct journal *j, const char *json, const char *want)
{
    json_object *f = fields_of(json);
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_append(j, JOURNAL_NOTE, "n", f, NULL, &err), -1);
    json_object_put(f);
    if (strstr(err.msg, want) == NULL)
        fail_msg("got \"%s\", want \"%s\"", err.msg, want);
}

static void test_secret_fields_refused(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/s.jsonl", tmpdir);
    struct journal *j;
    struct error err;
    assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
    refused(j, "{\"value\":\"hunter2\"}", "refusing a field named \"value\"");
    refused(j, "{\"secret\":{\"name\":\"db\",\"Data\":{\"pw\":\"aHVudGVyMg==\"}}}",
            "refusing a field named \"Data\"");
    refused(j, "{\"items\":[{\"stringData\":{\"pw\":\"hunter2\"}}]}",
            "refusing a field named \"stringData\"");
    refused(j, "{\"secret_value\":\"x\"}", "refusing a field named \"secret_value\"");
    /* a ConfigMap's or Secret's binaryData, and Secrets Manager's answer fields */
    refused(j, "{\"object\":{\"binaryData\":{\"k\":\"aHVudGVyMg==\"}}}",
            "refusing a field named \"binaryData\"");
    refused(j, "{\"answer\":{\"SecretString\":\"hunter2\"}}",
            "refusing a field named \"SecretString\"");
    refused(j, "{\"SecretBinary\":\"aHVudGVyMg==\"}", "refusing a field named \"SecretBinary\"");
    refused(j, "{\"seq\":7}", "field \"seq\" is reserved");
    refused(j, "{\"sum\":\"00\"}", "field \"sum\" is reserved");
    error_clear(&err);
    assert_int_equal(journal_append(j, JOURNAL_NOTE, "", NULL, NULL, &err), -1);
    assert_string_equal(err.msg, "journal: a record needs an id");
    /* names that merely contain the words are fine */
    append(j, JOURNAL_NOTE, "ok", "{\"secret\":\"db-creds\",\"keys\":[\"password\"],\"values\":2}");
    assert_int_equal(journal_next_seq(j), 2);
    journal_free(j);
    size_t len;
    char *text = test_file_must_read(path, &len);
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "aHVudGVyMg"));
    assert_int_equal(strchr(text, '\n') - text + 1, (long)len); /* only the one good line */
    free(text);
}

static void append_raw(const char *path, const char *bytes)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
    close(fd);
}

static void test_torn_last_line_kept_and_next_starts_fresh(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/t.jsonl", tmpdir);
    struct journal *j;
    struct error err;
    assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
    append(j, JOURNAL_INTENT, "api-1", "{\"target\":\"api\"}");
    append(j, JOURNAL_RESULT, "api-1", "{\"outcome\":\"done\"}");
    journal_free(j);
    /* the process died in the middle of writing record 3 */
    append_raw(path, "{\"seq\":3,\"time\":\"2026-11-23T14:00:00.000Z\",\"who\":\"a@b\",\"ki");

    struct collected *c = read_all(path);
    assert_int_equal(c->nrec, 2);
    assert_int_equal(c->nprob, 1);
    assert_int_equal(c->prob_lines[0], 3);
    assert_string_equal(c->prob_files[0], path);
    assert_string_equal(c->prob_msgs[0],
                        "torn record at the end of the file (no newline: a write was cut off)");
    free(c);

    /* restart: the next record gets its own line, seq 3, and the torn bytes are still there */
    assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
    assert_int_equal(journal_next_seq(j), 3);
    append(j, JOURNAL_NOTE, "resumed", "{\"text\":\"after crash\"}");
    journal_free(j);
    c = read_all(path);
    assert_int_equal(c->nrec, 3);
    assert_int_equal(c->seqs[2], 3);
    assert_string_equal(c->ids[2], "resumed");
    assert_int_equal(c->nprob, 1);
    assert_int_equal(c->prob_lines[0], 3);
    assert_string_equal(c->prob_msgs[0], "torn or corrupt record (no \"sum\" at its end)");
    free(c);
    size_t len;
    char *text = test_file_must_read(path, &len);
    assert_non_null(strstr(text, "\"who\":\"a@b\",\"ki\n{\"seq\":3,"));
    free(text);
}

static char *make_journal(const char *name, int nrec, char *path, size_t plen)
{
    snprintf(path, plen, "%s/%s", tmpdir, name);
    struct journal *j;
    struct error err;
    assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
    for (int i = 0; i < nrec; i++) {
        char id[32];
        snprintf(id, sizeof id, "n-%d", i + 1);
        append(j, JOURNAL_NOTE, id, "{\"text\":\"hello\"}");
    }
    journal_free(j);
    return test_file_must_read(path, NULL);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_corrupt_lines_reported_and_rest_read(void **state)
{
    (void)state;
    char path[512];
    char *text = make_journal("c.jsonl", 4, path, sizeof path);
    /* change one byte of record 2's value: the sum no longer matches */
    char *second = strchr(text, '\n') + 1;
    char *hello = strstr(second, "hello");
    hello[0] = 'j';
    write_text(path, text);
    struct collected *c = read_all(path);
    assert_int_equal(c->nrec, 3);
    assert_int_equal(c->seqs[0], 1);
    assert_int_equal(c->seqs[1], 3); /* the gap is explained by the bad line: no second report */
    assert_int_equal(c->nprob, 1);
    assert_int_equal(c->prob_lines[0], 2);
    assert_string_equal(c->prob_msgs[0], "checksum mismatch (the record was changed or damaged)");
    free(c);
    free(text);

    /* a line deleted outright: the survivors are read, the gap is reported where it shows */
    text = make_journal("d.jsonl", 3, path, sizeof path);
    second = strchr(text, '\n') + 1;
    char *third = strchr(second, '\n') + 1;
    memmove(second, third, strlen(third) + 1);
    write_text(path, text);
    c = read_all(path);
    assert_int_equal(c->nrec, 2);
    assert_int_equal(c->nprob, 1);
    assert_int_equal(c->prob_lines[0], 2);
    assert_string_equal(c->prob_msgs[0], "seq 3 follows 1: records are missing before this one");
    free(c);
    free(text);

    /* a record repeated (copied back in): reported, not read twice */
    text = make_journal("r.jsonl", 2, path, sizeof path);
    size_t first_len = (size_t)(strchr(text, '\n') - text) + 1;
    char *dup = malloc(strlen(text) + first_len + 32);
    strcpy(dup, text);
    strncat(dup, text, first_len);
    strcat(dup, "not json at all\n\n");
    write_text(path, dup);
    c = read_all(path);
    assert_int_equal(c->nrec, 2);
    assert_int_equal(c->nprob, 3);
    assert_int_equal(c->prob_lines[0], 3);
    assert_string_equal(c->prob_msgs[0], "seq 1 does not follow 2 (repeated or out of order)");
    assert_int_equal(c->prob_lines[1], 4);
    assert_string_equal(c->prob_msgs[1], "torn or corrupt record (no \"sum\" at its end)");
    assert_int_equal(c->prob_lines[2], 5);
    assert_string_equal(c->prob_msgs[2], "empty line");
    free(c);
    free(dup);
    free(text);

    struct error err;
    error_clear(&err);
    snprintf(path, sizeof path, "%s/missing.jsonl", tmpdir);
    assert_true(journal_read(path, on_rec, on_prob, NULL, NULL, &err) < 0);
    assert_non_null(strstr(err.msg, "missing.jsonl"));
}

static void test_pending_intents(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/p.jsonl", tmpdir);
    struct journal_pending *p;
    size_t n = 7;
    struct error err;
    assert_int_equal(journal_pending(path, &p, &n, &err), 0); /* no file yet: none */
    assert_int_equal(n, 0);
    struct journal *j;
    assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
    append(j, JOURNAL_INTENT, "api-1", "{\"target\":\"api\",\"to\":30}");
    append(j, JOURNAL_INTENT, "web-2", "{\"target\":\"web\",\"to\":10}");
    append(j, JOURNAL_RESULT, "api-1", "{\"outcome\":\"done\"}");
    append(j, JOURNAL_STATE, "step-1", "{\"state\":\"running\"}");
    append(j, JOURNAL_INTENT, "api-3", "{\"target\":\"api\",\"to\":100}");
    journal_free(j);
    assert_int_equal(journal_pending(path, &p, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].id, "web-2");
    assert_int_equal(p[0].seq, 2);
    assert_int_equal(p[0].line, 2);
    assert_string_equal(p[0].fields_json, "{\"target\":\"web\",\"to\":10}");
    assert_string_equal(p[1].id, "api-3");
    assert_string_equal(p[1].who, "a@b");
    journal_pending_free(p, n);
    journal_pending_free(NULL, 0);
}

static int format_first(const struct journal_record *rec, void *ctx)
{
    char **out = ctx;
    if (*out == NULL)
        *out = journal_format_human(rec);
    return 1; /* stop after one */
}

static void test_human_format(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/h.jsonl", tmpdir);
    struct journal *j;
    struct error err;
    assert_int_equal(journal_open(path, "carol@ops-1", &j, &err), 0);
    append(j, JOURNAL_RESULT, "api-4",
           "{\"target\":\"api\",\"outcome\":\"partial\",\"live\":{\"old\":70,\"new\":0},"
           "\"detail\":\"socket gone \\u001b[2J\",\"empty\":\"\"}");
    append(j, JOURNAL_NOTE, "n", NULL);
    journal_free(j);
    char *line = NULL;
    size_t np;
    assert_int_equal(journal_read(path, format_first, NULL, &line, &np, &err), 0);
    assert_non_null(line);
    assert_memory_equal(line, "#1 20", 5);
    const char *rest = strstr(line, "Z carol@ops-1 result api-4 ");
    assert_non_null(rest);
    assert_string_equal(rest, "Z carol@ops-1 result api-4 target=api outcome=partial "
                              "live={\"old\":70,\"new\":0} detail=\"socket gone \\x1b[2J\" "
                              "empty=\"\"");
    assert_null(strchr(line, '\x1b'));
    free(line);
}

struct thr {
    struct journal *j;
    int id;
};

static void *appender(void *arg)
{
    struct thr *t = arg;
    for (int i = 0; i < 25; i++) {
        char id[32];
        snprintf(id, sizeof id, "t%d-%d", t->id, i);
        json_object *f = json_object_new_object();
        json_object_object_add(f, "i", json_object_new_int(i));
        struct error err;
        if (journal_append(t->j, JOURNAL_NOTE, id, f, NULL, &err) != 0)
            fail_msg("append: %s", err.msg);
        json_object_put(f);
    }
    return NULL;
}

static void test_threads_append_whole_lines(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/m.jsonl", tmpdir);
    struct journal *j;
    struct error err;
    assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
    pthread_t th[4];
    struct thr t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thr){j, i};
        assert_int_equal(pthread_create(&th[i], NULL, appender, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    journal_free(j);
    struct collected *c = read_all(path);
    assert_int_equal(c->nprob, 0);
    assert_int_equal(c->nrec, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(c->seqs[i], i + 1);
    free(c);
}

/* A writer killed with SIGKILL at an arbitrary moment: every record it finished is there and
 * sound, at most the last line is torn, and a restarted writer carries on after it. */
static void test_sigkill_mid_append_loses_nothing(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/k.jsonl", tmpdir);
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct journal *j;
            struct error err;
            if (journal_open(path, "a@b", &j, &err) != 0)
                _exit(2);
            char *big = malloc(20000);
            memset(big, 'x', 19999);
            big[19999] = '\0';
            for (int i = 0; i < 100000; i++) {
                json_object *f = json_object_new_object();
                json_object_object_add(f, "pad", json_object_new_string(big));
                char id[32];
                snprintf(id, sizeof id, "r%d-%d", round, i);
                if (journal_append(j, JOURNAL_NOTE, id, f, NULL, &err) != 0)
                    _exit(3);
                json_object_put(f);
            }
            _exit(0);
        }
        /* let the writer get going (slow under sanitizers), then kill it mid-stream */
        struct stat st;
        off_t start = stat(path, &st) == 0 ? st.st_size : 0;
        struct timespec tick = {0, 5 * 1000000L};
        for (int i = 0; i < 2000 && (stat(path, &st) != 0 || st.st_size <= start); i++)
            nanosleep(&tick, NULL);
        struct timespec ts = {0, (30 + 20 * round) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));

        struct collected *c = read_all(path);
        assert_true(c->nprob <= (size_t)round + 1); /* at most one torn line per kill */
        for (size_t i = 0; i < c->nrec && i < 512; i++)
            assert_int_equal(c->seqs[i], i + 1);
        size_t before = c->nrec;
        print_message("round %d: %zu records, %zu bad lines\n", round, before, c->nprob);
        free(c);
        /* the next writer continues the sequence on a fresh line */
        struct journal *j;
        struct error err;
        assert_int_equal(journal_open(path, "a@b", &j, &err), 0);
        assert_int_equal(journal_next_seq(j), before + 1);
        append(j, JOURNAL_NOTE, "restarted", NULL);
        journal_free(j);
        c = read_all(path);
        assert_int_equal(c->nrec, before + 1);
        assert_true(c->nprob <= (size_t)round + 1);
        if (before + 1 <= 512)
            assert_string_equal(c->ids[before], "restarted");
        free(c);
    }
}

static void test_default_path_and_who(void **state)
{
    (void)state;
    char *old = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    setenv("XDG_STATE_HOME", "/var/tmp/st", 1);
    char *p =
        journal_default_path("onprem-prod", "arn:aws:eks:us-east-1:123456789012:cluster/prod");
    assert_string_equal(p, "/var/tmp/st/cutover/journal/"
                           "onprem-prod--arn_aws_eks_us-east-1_123456789012_cluster_prod.jsonl");
    free(p);
    p = journal_default_path("../../etc", "x");
    assert_null(strstr(p, "/../"));
    free(p);
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/sre", 1);
    p = journal_default_path("a", "b");
    assert_string_equal(p, "/home/sre/.local/state/cutover/journal/a--b.jsonl");
    free(p);
    if (old != NULL) {
        setenv("XDG_STATE_HOME", old, 1);
        free(old);
    }
    char *who = journal_who();
    assert_non_null(strchr(who, '@'));
    assert_true(who[0] != '@');
    free(who);
    assert_int_equal(journal_kind_from_name("intent"), JOURNAL_INTENT);
    assert_int_equal(journal_kind_from_name("state"), JOURNAL_STATE);
    assert_int_equal(journal_kind_from_name("bogus"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_are_private_and_records_read_back),
        cmocka_unit_test(test_line_format_and_sum),
        cmocka_unit_test(test_secret_fields_refused),
        cmocka_unit_test(test_torn_last_line_kept_and_next_starts_fresh),
        cmocka_unit_test(test_corrupt_lines_reported_and_rest_read),
        cmocka_unit_test(test_pending_intents),
        cmocka_unit_test(test_human_format),
        cmocka_unit_test(test_threads_append_whole_lines),
        cmocka_unit_test(test_sigkill_mid_append_loses_nothing),
        cmocka_unit_test(test_default_path_and_who),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
