/* The journal mirror against the simulator's target cluster: records copied into chunked
 * ConfigMaps and read back exactly; the local journal stays the truth while the cluster cannot be
 * written and the mirror catches up after; a mirror that someone else changed is never
 * overwritten; an observer (read-only client) can follow but never write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/journal.h"
#include "cutover/journal_mirror.h"
#include "cutover/xalloc.h"

#include "../lib/informer_sim.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
    struct sim *sim;
    struct kube_context ctx;
    struct k8s_http *http, *ro;
    struct k8s_http_conn *conn, *roconn;
    char dir[64];
    char path[128];
    struct journal *j;
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->sim = informer_sim_start();
    informer_sim_context(f->sim, 1, &f->ctx);
    f->http = informer_http(&f->ctx, false);
    f->ro = informer_http(&f->ctx, true);
    f->conn = k8s_http_conn_new(f->http, NULL, NULL);
    f->roconn = k8s_http_conn_new(f->ro, NULL, NULL);
    snprintf(f->dir, sizeof f->dir, "/tmp/cutover-mirror-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/journal.jsonl", f->dir);
    struct error err;
    assert_int_equal(journal_open(f->path, "alice@laptop", &f->j, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    journal_free(f->j);
    k8s_http_conn_free(f->conn);
    k8s_http_conn_free(f->roconn);
    k8s_http_free(f->http);
    k8s_http_free(f->ro);
    kube_context_fini(&f->ctx);
    sim_stop(f->sim);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void append_n(struct fx *f, int n, int from)
{
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "runbook", json_object_new_string("shop"));
        json_object_object_add(o, "step", json_object_new_int(from + i));
        json_object_object_add(o, "state", json_object_new_string("done"));
        char id[32];
        snprintf(id, sizeof id, "runbook:shop:step:%d", from + i);
        struct error err;
        assert_int_equal(journal_append(f->j, JOURNAL_STATE, id, o, NULL, &err), 0);
        json_object_put(o);
    }
}

struct seen {
    uint64_t last;
    size_t n;
    bool in_order;
};

static int seen_record(const struct journal_record *rec, void *ctx)
{
    struct seen *s = ctx;
    if (rec->seq != s->last + 1)
        s->in_order = false;
    s->last = rec->seq;
    s->n++;
    return 0;
}

/* The local file's bytes equal the mirror's (the local journal has no torn lines here). */
static void assert_mirror_equals_local(struct fx *f, struct k8s_http_conn *c,
                                       const struct journal_mirror_opts *o, size_t want_records,
                                       size_t want_chunks)
{
    char *text;
    size_t len, chunks;
    struct error err;
    error_clear(&err);
    assert_int_equal(journal_mirror_fetch(c, o, &text, &len, &chunks, &err), 0);
    assert_int_equal(chunks, want_chunks);
    struct seen s = {.in_order = true};
    size_t problems = 99;
    journal_read_text(text, len, "mirror", seen_record, NULL, &s, &problems);
    assert_int_equal(problems, 0);
    assert_int_equal(s.n, want_records);
    assert_true(s.in_order);
    FILE *fp = fopen(f->path, "r");
    assert_non_null(fp);
    char *local = xcalloc(1, len + 2);
    size_t got = fread(local, 1, len + 1, fp);
    fclose(fp);
    assert_int_equal(got, len);
    assert_memory_equal(local, text, len);
    free(local);
    free(text);
}

static void test_push_fetch_chunks(void **state)
{
    struct fx *f = *state;
    struct journal_mirror_opts o = {.ns = "cutover", .name = "cutover-shop", .chunk_records = 10};
    struct journal_mirror_status st;
    struct error err;

    /* Nothing yet: an empty mirror. */
    char *text;
    size_t len, chunks;
    assert_int_equal(journal_mirror_fetch(f->roconn, &o, &text, &len, &chunks, &err), 0);
    assert_int_equal(len, 0);
    assert_int_equal(chunks, 0);
    free(text);

    append_n(f, 25, 1);
    error_clear(&err);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);
    assert_int_equal(st.local_seq, 25);
    assert_int_equal(st.mirrored_seq, 25);
    assert_int_equal(st.pushed, 25);
    assert_int_equal(st.chunks, 3);
    assert_mirror_equals_local(f, f->roconn, &o, 25, 3);

    /* Nothing new: nothing written. */
    long before = informer_sim_requests(f->sim, "eks-prod", "mutating");
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);
    assert_int_equal(st.pushed, 0);
    assert_int_equal(informer_sim_requests(f->sim, "eks-prod", "mutating"), before);

    /* Three more fill the last chunk (one PUT), not a new one. */
    append_n(f, 3, 26);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);
    assert_int_equal(st.pushed, 3);
    assert_int_equal(informer_sim_requests(f->sim, "eks-prod", "mutating"), before + 1);
    assert_mirror_equals_local(f, f->roconn, &o, 28, 3);

    /* The observer's read-only client never writes. */
    append_n(f, 1, 29);
    before = informer_sim_requests(f->sim, "eks-prod", "mutating");
    assert_true(journal_mirror_push(f->roconn, &o, f->path, &st, &err) < 0);
    assert_int_equal(informer_sim_requests(f->sim, "eks-prod", "mutating"), before);
    assert_int_equal(st.mirrored_seq, 28);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);
    assert_mirror_equals_local(f, f->roconn, &o, 29, 3);
}

static void test_cluster_down_local_is_truth(void **state)
{
    struct fx *f = *state;
    struct journal_mirror_opts o = {.ns = "cutover", .name = "cutover-down", .chunk_records = 50};
    struct journal_mirror_status st;
    struct error err;
    append_n(f, 4, 1);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);

    int id = sim_fault_add(f->sim, "{\"cluster\":\"eks-prod\",\"fault\":\"error\",\"status\":503,"
                                   "\"path\":\"/configmaps\"}");
    assert_true(id >= 0);
    append_n(f, 2, 5);
    error_clear(&err);
    assert_true(journal_mirror_push(f->conn, &o, f->path, &st, &err) < 0);
    assert_true(err.msg[0] != '\0');
    /* Behind, and says so; the local journal has every record. */
    assert_int_equal(st.local_seq, 6);
    assert_true(st.mirrored_seq < 6);
    struct seen s = {.in_order = true};
    assert_int_equal(journal_read(f->path, seen_record, NULL, &s, NULL, &err), 0);
    assert_int_equal(s.n, 6);

    sim_fault_remove(f->sim, id);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);
    assert_int_equal(st.mirrored_seq, 6);
    assert_int_equal(st.pushed, 2);
    assert_mirror_equals_local(f, f->conn, &o, 6, 1);
}

static void test_diverged_mirror_not_overwritten(void **state)
{
    struct fx *f = *state;
    struct journal_mirror_opts o = {.ns = "cutover", .name = "cutover-div", .chunk_records = 50};
    struct journal_mirror_status st;
    struct error err;
    append_n(f, 3, 1);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), 0);

    /* Someone else rewrites the chunk (another driver's journal). */
    const char *patch = "{\"data\":{\"journal.jsonl\":\"{\\\"seq\\\":1}\\n\"}}";
    struct k8s_http_resp resp;
    struct k8s_http_conn *c = k8s_http_conn_new(f->http, NULL, NULL);
    struct k8s_http_req req = {.method = "PATCH",
                               .path =
                                   "/api/v1/namespaces/cutover/configmaps/cutover-div-journal-0",
                               .body = patch,
                               .content_type = "application/merge-patch+json"};
    assert_int_equal(k8s_http_do(c, &req, &resp, &err), 0);
    k8s_http_conn_free(c);

    append_n(f, 1, 4);
    long before = informer_sim_requests(f->sim, "eks-prod", "mutating");
    error_clear(&err);
    assert_int_equal(journal_mirror_push(f->conn, &o, f->path, &st, &err), -EXDEV);
    assert_non_null(strstr(err.msg, "not overwritten"));
    assert_int_equal(informer_sim_requests(f->sim, "eks-prod", "mutating"), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push_fetch_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_down_local_is_truth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diverged_mirror_not_overwritten, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
