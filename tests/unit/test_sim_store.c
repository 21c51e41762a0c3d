/* The simulator's store: pages and continue tokens, 410 for what was compacted away, 409 for
 * conflicts, watch events in order, selectors, and objects rendered with their versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/sim_json.h"
#include "../../sim/sim_store.h"

/* A configmap-like object ns/name with label app=app. */
static struct sim_obj *mk(const char *ns, const char *name, const char *app)
{
    char text[512], pom[512], labels[64];
    snprintf(text, sizeof text,
             "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\",\"resourceVersion\":\"@RV@\"},\"data\":{}}",
             name, ns);
    snprintf(pom, sizeof pom,
             "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
             "\"metadata\":{\"name\":\"%s\",\"resourceVersion\":\"@RV@\"}}",
             name);
    int n = snprintf(labels, sizeof labels, "app=%s", app);
    labels[n + 1] = '\0';
    struct sim_obj *o = sim_obj_new(ns, name, 1000, text, NULL, pom, "\"x\",", "", NULL, labels);
    assert_non_null(o);
    return o;
}

static struct sim_store *filled(size_t history, int nns, int per_ns)
{
    struct sim_store *s = sim_store_new(history);
    char ns[16], name[16];
    /* loaded out of order: the store sorts by namespace, then name */
    for (int j = per_ns - 1; j >= 0; j--)
        for (int i = nns - 1; i >= 0; i--) {
            snprintf(ns, sizeof ns, "ns%d", i);
            snprintf(name, sizeof name, "cm%03d", j);
            sim_store_load(s, SIM_RES_CONFIGMAPS, mk(ns, name, j % 2 ? "odd" : "even"));
        }
    sim_store_seal(s);
    return s;
}

static void test_pages_follow_continue_tokens(void **state)
{
    (void)state;
    struct sim_store *s = filled(100, 3, 10);
    struct sim_page p;
    struct sim_status st = {0};
    char *cont = NULL;
    char last[64] = "";
    size_t total = 0, pages = 0;
    uint64_t rv0 = sim_store_rv(s);
    do {
        assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, NULL, 7, cont, &p, &st), 0);
        free(cont);
        cont = p.next ? strdup(p.next) : NULL;
        assert_true(p.rv == rv0); /* every page reports the first page's version */
        for (size_t i = 0; i < p.n; i++) {
            char key[64];
            snprintf(key, sizeof key, "%s/%s", p.items[i]->ns, p.items[i]->name);
            assert_true(strcmp(last, key) < 0); /* sorted, no repeats */
            strcpy(last, key);
        }
        total += p.n;
        pages++;
        if (p.next)
            assert_int_equal(p.remaining, 30 - (long long)total);
        else
            assert_int_equal(p.remaining, -1);
        sim_page_fini(&p);
    } while (cont);
    assert_int_equal(total, 30);
    assert_int_equal(pages, 5);
    /* one namespace only */
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, "ns1", NULL, 0, NULL, &p, &st), 0);
    assert_int_equal(p.n, 10);
    for (size_t i = 0; i < p.n; i++)
        assert_string_equal(p.items[i]->ns, "ns1");
    sim_page_fini(&p);
    sim_store_free(s);
}

static void test_bad_token_is_400_and_old_token_is_410(void **state)
{
    (void)state;
    struct sim_store *s = filled(4, 1, 10);
    struct sim_page p;
    struct sim_status st = {0};
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, NULL, 0, "!!not-a-token", &p, &st),
                     -1);
    assert_int_equal(st.code, 400);
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, NULL, 3, NULL, &p, &st), 0);
    char *cont = strdup(p.next);
    sim_page_fini(&p);
    /* a few changes keep the token usable... */
    for (int i = 0; i < 3; i++)
        assert_int_equal(sim_store_create(s, SIM_RES_CONFIGMAPS,
                                          mk("ns0",
                                             "new"
                                             "x",
                                             "a"),
                                          &st) == 0 ||
                             st.code == 409,
                         1);
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, NULL, 3, cont, &p, &st), 0);
    sim_page_fini(&p);
    /* ...until the history (4 events) no longer reaches back to it */
    char name[16];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "more%d", i);
        assert_int_equal(sim_store_create(s, SIM_RES_CONFIGMAPS, mk("ns0", name, "a"), &st), 0);
    }
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, NULL, 3, cont, &p, &st), -1);
    assert_int_equal(st.code, 410);
    assert_string_equal(st.reason, "Expired");
    free(cont);
    sim_store_free(s);
}

static void test_conflicts_are_409_and_missing_is_404(void **state)
{
    (void)state;
    struct sim_store *s = filled(100, 1, 2);
    struct sim_status st = {0};
    assert_int_equal(sim_store_create(s, SIM_RES_CONFIGMAPS, mk("ns0", "cm000", "a"), &st), -1);
    assert_int_equal(st.code, 409);
    assert_string_equal(st.reason, "AlreadyExists");
    struct sim_obj *cur = sim_store_get(s, SIM_RES_CONFIGMAPS, "ns0", "cm000");
    assert_non_null(cur);
    uint64_t rv = cur->rv;
    sim_obj_unref(cur);
    /* an update against a stale version loses */
    assert_int_equal(
        sim_store_update(s, SIM_RES_CONFIGMAPS, mk("ns0", "cm000", "b"), rv + 100, &st), -1);
    assert_int_equal(st.code, 409);
    assert_string_equal(st.reason, "Conflict");
    assert_non_null(strstr(st.message, "the object has been modified"));
    assert_int_equal(sim_store_update(s, SIM_RES_CONFIGMAPS, mk("ns0", "cm000", "b"), rv, &st), 0);
    /* the first writer won: the old version conflicts now */
    assert_int_equal(sim_store_update(s, SIM_RES_CONFIGMAPS, mk("ns0", "cm000", "c"), rv, &st), -1);
    assert_int_equal(st.code, 409);
    assert_int_equal(sim_store_delete(s, SIM_RES_CONFIGMAPS, "ns0", "cm000", rv, NULL, &st), -1);
    assert_int_equal(st.code, 409);
    assert_int_equal(sim_store_delete(s, SIM_RES_CONFIGMAPS, "ns0", "cm000", 0, NULL, &st), 0);
    assert_null(sim_store_get(s, SIM_RES_CONFIGMAPS, "ns0", "cm000"));
    assert_int_equal(sim_store_update(s, SIM_RES_CONFIGMAPS, mk("ns0", "cm000", "d"), 0, &st), -1);
    assert_int_equal(st.code, 404);
    assert_int_equal(sim_store_delete(s, SIM_RES_CONFIGMAPS, "ns0", "nope", 0, NULL, &st), -1);
    assert_int_equal(st.code, 404);
    sim_store_free(s);
}

static void test_watch_sees_changes_in_order(void **state)
{
    (void)state;
    struct sim_store *s = filled(100, 2, 2);
    struct sim_status st = {0};
    uint64_t cursor = sim_store_rv(s);
    struct sim_event ev[8];
    assert_int_equal(sim_store_watch(s, SIM_RES_CONFIGMAPS, NULL, NULL, &cursor, ev, 8, 10, &st),
                     0);
    assert_int_equal(sim_store_create(s, SIM_RES_CONFIGMAPS, mk("ns1", "zz", "a"), &st), 0);
    assert_int_equal(sim_store_update(s, SIM_RES_CONFIGMAPS, mk("ns0", "cm001", "b"), 0, &st), 0);
    assert_int_equal(sim_store_delete(s, SIM_RES_CONFIGMAPS, "ns1", "zz", 0, NULL, &st), 0);
    /* another resource's change is not seen by a configmap watch */
    assert_int_equal(sim_store_create(s, SIM_RES_SECRETS, mk("ns1", "s", "a"), &st), 0);
    uint64_t c2 = cursor;
    int n = sim_store_watch(s, SIM_RES_CONFIGMAPS, NULL, NULL, &cursor, ev, 8, 10, &st);
    assert_int_equal(n, 3);
    assert_int_equal(ev[0].type, SIM_EV_ADDED);
    assert_string_equal(ev[0].obj->name, "zz");
    assert_int_equal(ev[1].type, SIM_EV_MODIFIED);
    assert_int_equal(ev[2].type, SIM_EV_DELETED);
    assert_true(ev[0].obj->rv < ev[1].obj->rv && ev[1].obj->rv < ev[2].obj->rv);
    /* the deleted object carries the deletion's version */
    char *json = sim_obj_json(ev[2].obj);
    char want[64];
    snprintf(want, sizeof want, "\"resourceVersion\":\"%llu\"", (unsigned long long)ev[2].obj->rv);
    assert_non_null(strstr(json, want));
    free(json);
    for (int i = 0; i < n; i++)
        sim_obj_unref(ev[i].obj);
    uint64_t c3 = c2;
    /* a namespace watch from the same point sees only ns0 */
    n = sim_store_watch(s, SIM_RES_CONFIGMAPS, "ns0", NULL, &c2, ev, 8, 10, &st);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].obj->name, "cm001");
    sim_obj_unref(ev[0].obj);
    /* a watch from before the kept history gets 410 */
    uint64_t old = 1;
    assert_int_equal(sim_store_watch(s, SIM_RES_CONFIGMAPS, NULL, NULL, &old, ev, 8, 10, &st), -1);
    assert_int_equal(st.code, 410);
    assert_non_null(strstr(st.message, "too old resource version"));
    sim_store_compact(s);
    assert_int_equal(sim_store_watch(s, SIM_RES_CONFIGMAPS, NULL, NULL, &c3, ev, 8, 10, &st), -1);
    sim_store_shutdown(s);
    uint64_t now = sim_store_rv(s);
    assert_int_equal(sim_store_watch(s, SIM_RES_CONFIGMAPS, NULL, NULL, &now, ev, 8, 1000, &st),
                     -2);
    sim_store_free(s);
}

static void test_selectors(void **state)
{
    (void)state;
    struct sim_store *s = filled(100, 2, 6);
    struct sim_filter f;
    struct sim_status st = {0};
    struct sim_page p;
    assert_int_equal(sim_filter_parse("app=odd", "metadata.namespace=ns1", &f, &st), 0);
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, &f, 0, NULL, &p, &st), 0);
    assert_int_equal(p.n, 3);
    sim_page_fini(&p);
    assert_int_equal(sim_filter_parse("app!=odd", "metadata.name=cm002", &f, &st), 0);
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, &f, 0, NULL, &p, &st), 0);
    assert_int_equal(p.n, 2);
    sim_page_fini(&p);
    assert_int_equal(sim_filter_parse("!app", NULL, &f, &st), 0);
    assert_int_equal(sim_store_list(s, SIM_RES_CONFIGMAPS, NULL, &f, 0, NULL, &p, &st), 0);
    assert_int_equal(p.n, 0);
    sim_page_fini(&p);
    assert_int_equal(sim_filter_parse(NULL, "status.phase=Running", &f, &st), -1);
    assert_int_equal(st.code, 400);
    assert_int_equal(sim_filter_parse("app in (a,b)", NULL, &f, &st), -1);
    sim_store_free(s);
}

static void test_objects_render_version_blob_and_row(void **state)
{
    (void)state;
    struct sim_blob *blob = sim_blob_new("\"shared\":[1,2,3],", 17);
    struct sim_obj *o = sim_obj_new("ns", "p", time(NULL) - 300,
                                    "{\"metadata\":{\"resourceVersion\":\"@RV@\"},@BLOB@\"x\":1}",
                                    blob, "{\"metadata\":{\"resourceVersion\":\"@RV@\"}}",
                                    "\"p\",\"1/1\",", ",\"10.0.0.1\"", "node-a", NULL);
    assert_non_null(o);
    o->rv = 4217;
    char *json = sim_obj_json(o);
    assert_string_equal(json, "{\"metadata\":{\"resourceVersion\":\"4217\"},\"shared\":[1,2,3],"
                              "\"x\":1}");
    assert_int_equal(strlen(json), sim_obj_len(o));
    free(json);
    struct sim_buf b = {0};
    sim_obj_emit_row(o, o->created + 300, &b);
    assert_string_equal(b.data, "{\"cells\":[\"p\",\"1/1\",\"5m\",\"10.0.0.1\"],\"object\":{"
                                "\"metadata\":{\"resourceVersion\":\"4217\"}}}");
    sim_buf_fini(&b);
    sim_obj_unref(o);
    /* a text without the version marker is refused */
    assert_null(sim_obj_new("ns", "q", 0, "{}", NULL, "{}", "", "", NULL, NULL));
}

static void test_ages_read_like_kubectl(void **state)
{
    (void)state;
    char b[32];
    struct {
        long s;
        const char *want;
    } cases[] = {{5, "5s"},           {119, "119s"},
                 {150, "2m30s"},      {600, "10m"},
                 {7200 + 60, "121m"}, {3 * 3600 + 600, "3h10m"},
                 {30 * 3600, "30h"},  {3 * 86400 + 3600, "3d1h"},
                 {40 * 86400, "40d"}, {800 * 86400, "2y70d"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_age_format(cases[i].s, b, sizeof b);
        assert_string_equal(b, cases[i].want);
    }
}

static void test_json_patches(void **state)
{
    (void)state;
    json_object *o = json_tokener_parse("{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":\"x\"}");
    json_object *mp = json_tokener_parse("{\"a\":{\"b\":null,\"e\":true},\"d\":\"y\"}");
    sim_json_merge_patch(&o, mp);
    assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                        "{\"a\":{\"c\":[1,2],\"e\":true},\"d\":\"y\"}");
    json_object *jp = json_tokener_parse(
        "[{\"op\":\"add\",\"path\":\"/a/c/1\",\"value\":9},{\"op\":\"replace\",\"path\":\"/d\","
        "\"value\":\"z\"},{\"op\":\"remove\",\"path\":\"/a/e\"},{\"op\":\"test\",\"path\":\"/a/c/"
        "0\","
        "\"value\":1},{\"op\":\"add\",\"path\":\"/a/c/-\",\"value\":3}]");
    struct error err = {0};
    assert_int_equal(sim_json_patch(&o, jp, &err), 0);
    assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                        "{\"a\":{\"c\":[1,9,2,3]},\"d\":\"z\"}");
    json_object *bad = json_tokener_parse("[{\"op\":\"replace\",\"path\":\"/nope\",\"value\":1}]");
    assert_int_equal(sim_json_patch(&o, bad, &err), -1);
    assert_non_null(strstr(err.msg, "/nope"));
    json_object *failing =
        json_tokener_parse("[{\"op\":\"test\",\"path\":\"/d\",\"value\":\"q\"}]");
    assert_int_equal(sim_json_patch(&o, failing, &err), -1);
    json_object_put(failing);
    json_object_put(bad);
    json_object_put(jp);
    json_object_put(mp);
    json_object_put(o);
}

static void test_json_objects_get_table_cells(void **state)
{
    (void)state;
    json_object *pod = json_tokener_parse(
        "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"labels\":{\"app\":\"web\"},"
        "\"managedFields\":[{\"manager\":\"x\"}]},\"spec\":{\"nodeName\":\"n1\",\"containers\":"
        "[{\"name\":\"a\"},{\"name\":\"b\"}]},\"status\":{\"phase\":\"Running\",\"podIP\":"
        "\"10.1.2.3\",\"containerStatuses\":[{\"ready\":true,\"restartCount\":2,\"state\":{"
        "\"running\":{}}},{\"ready\":false,\"restartCount\":5,\"state\":{\"waiting\":{\"reason\":"
        "\"CrashLoopBackOff\"}}}]}}");
    struct error err = {0};
    struct sim_obj *o = sim_json_obj(SIM_RES_PODS, pod, &err);
    json_object_put(pod);
    assert_non_null(o);
    assert_string_equal(o->cells_pre, "\"web-1\",\"1/2\",\"CrashLoopBackOff\",\"7\",");
    assert_string_equal(o->cells_post, ",\"10.1.2.3\",\"n1\",\"<none>\",\"<none>\"");
    assert_string_equal(o->node_name, "n1");
    assert_string_equal(sim_obj_label(o, "app"), "web");
    assert_null(strstr(o->pom, "managedFields")); /* metadata only, without managedFields */
    assert_non_null(strstr(o->text, "managedFields"));
    sim_obj_unref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_follow_continue_tokens),
        cmocka_unit_test(test_bad_token_is_400_and_old_token_is_410),
        cmocka_unit_test(test_conflicts_are_409_and_missing_is_404),
        cmocka_unit_test(test_watch_sees_changes_in_order),
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_objects_render_version_blob_and_row),
        cmocka_unit_test(test_ages_read_like_kubectl),
        cmocka_unit_test(test_json_patches),
        cmocka_unit_test(test_json_objects_get_table_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
