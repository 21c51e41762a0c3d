/* k8s_body: the one collector of k8s_http response bodies (journal mirror, Lease, HTTPRoute,
 * drift reader): pieces in order and NUL-terminated, the limit aborts the transfer, a body that
 * may hold values wipes every copy, and a real LIST from the simulator arrives whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/k8s_body.h"
#include "cutover/xalloc.h"

#include "../lib/informer_sim.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static void test_pieces_in_order(void **state)
{
    (void)state;
    struct k8s_body b;
    k8s_body_init(&b, 0, false);
    assert_null(b.data);
    char p1[] = "{\"kind\":", p2[] = "\"Lease\"}";
    assert_int_equal(k8s_body_add(&b, p1, strlen(p1)), 0);
    assert_int_equal(k8s_body_add(&b, p2, strlen(p2)), 0);
    assert_string_equal(b.data, "{\"kind\":\"Lease\"}");
    assert_int_equal(b.len, strlen("{\"kind\":\"Lease\"}"));
    assert_string_equal(p1, "{\"kind\":"); /* not a wiping body: the pieces are left alone */
    /* grows past its first block, every byte kept */
    char big[5000];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 10; i++)
        assert_int_equal(k8s_body_add(&b, big, sizeof big), 0);
    assert_int_equal(b.len, 16 + 50000);
    assert_int_equal(strlen(b.data), b.len);
    size_t len = 0;
    char *d = k8s_body_take(&b, &len);
    assert_int_equal(len, 16 + 50000);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(d);
    k8s_body_fini(&b);
}

static void test_empty_take_and_append(void **state)
{
    (void)state;
    struct k8s_body b;
    k8s_body_init(&b, 16, false);
    size_t len = 99;
    char *d = k8s_body_take(&b, &len);
    assert_string_equal(d, "");
    assert_int_equal(len, 0);
    free(d);
    /* append is for assembling text: the limit is the collector's, not append's */
    k8s_body_append(&b, "", 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    k8s_body_append(&b, "0123456789abcdefXYZ", 19);
    assert_string_equal(b.data, "0123456789abcdefXYZ");
    k8s_body_fini(&b);
    assert_null(b.data);
    k8s_body_fini(&b); /* twice: nothing left */
}

static void test_limit_aborts(void **state)
{
    (void)state;
    struct k8s_body b;
    k8s_body_init(&b, 8, false);
    assert_int_equal(k8s_body_add(&b, "1234567", 7), 0); /* 7 + NUL fits in 8 */
    assert_false(b.too_big);
    assert_int_equal(k8s_body_add(&b, "8", 1), 1);
    assert_true(b.too_big);
    assert_string_equal(b.data, "1234567");
    k8s_body_fini(&b);
    assert_false(b.too_big);
}

static void test_wipe_pieces(void **state)
{
    (void)state;
    struct k8s_body b;
    k8s_body_init(&b, 32, true);
    char piece[] = "hunter2-marker";
    assert_int_equal(k8s_body_add(&b, piece, strlen(piece)), 0);
    assert_string_equal(b.data, "hunter2-marker");
    for (size_t i = 0; i < strlen("hunter2-marker"); i++)
        assert_int_equal(piece[i], 0); /* curl's copy is wiped once collected */
    char over[40];
    memset(over, 's', sizeof over);
    assert_int_equal(k8s_body_add(&b, over, sizeof over), 1);
    for (size_t i = 0; i < sizeof over; i++)
        assert_int_equal(over[i], 0); /* refused pieces too */
    /* growing moves the data to a new block; it stays whole */
    struct k8s_body g;
    k8s_body_init(&g, 0, true);
    char chunk[3000];
    for (int i = 0; i < 8; i++) {
        memset(chunk, 'a' + i, sizeof chunk);
        assert_int_equal(k8s_body_add(&g, chunk, sizeof chunk), 0);
    }
    assert_int_equal(g.len, 24000);
    for (int i = 0; i < 8; i++)
        assert_int_equal(g.data[i * 3000 + 17], 'a' + i);
    k8s_body_fini(&g);
    k8s_body_fini(&b);
}

/* A LIST of the demo target's namespaces through k8s_http arrives whole and parses; with a
 * limit below its size the transfer is aborted and the request fails. */
static void test_real_list(void **state)
{
    (void)state;
    struct sim *sim = informer_sim_start();
    struct kube_context ctx;
    informer_sim_context(sim, 1, &ctx);
    struct k8s_http *http = informer_http(&ctx, true);
    struct k8s_http_conn *conn = k8s_http_conn_new(http, NULL, NULL);

    struct k8s_body b;
    k8s_body_init(&b, 1 << 20, false);
    struct k8s_http_req req = {.path = "/api/v1/namespaces", .on_body = k8s_body_add, .arg = &b};
    struct k8s_http_resp resp;
    struct error err;
    error_clear(&err);
    assert_int_equal(k8s_http_do(conn, &req, &resp, &err), 0);
    json_object *o = json_tokener_parse(b.data);
    assert_non_null(o);
    json_object *items = NULL;
    assert_true(json_object_object_get_ex(o, "items", &items));
    assert_true(json_object_array_length(items) > 0);
    json_object_put(o);
    size_t full = b.len;
    k8s_body_fini(&b);

    k8s_body_init(&b, full / 2, false);
    error_clear(&err);
    assert_int_not_equal(k8s_http_do(conn, &req, &resp, &err), 0);
    assert_true(b.too_big);
    assert_true(resp.body_aborted);
    assert_true(b.len < full / 2);
    k8s_body_fini(&b);

    k8s_http_conn_free(conn);
    k8s_http_free(http);
    kube_context_fini(&ctx);
    sim_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_in_order), cmocka_unit_test(test_empty_take_and_append),
        cmocka_unit_test(test_limit_aborts),    cmocka_unit_test(test_wipe_pieces),
        cmocka_unit_test(test_real_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
