/* json_scan and json_lines: the wire fixtures scanned whole, byte by byte and in random chunks
 * give the items json-c sees and the list metadata; every truncation is reported or yields
 * exactly the complete items; malformed input fails at the right byte. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/json_scan.h"
#include "../lib/testfile.h"

#include <dirent.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------------ */

/* Items handed out by a scan, copied. */
struct collected {
    size_t n;
    char *text[64];
    size_t len[64];
    const char *chunk_lo, *chunk_hi; /* the chunk being fed, to see zero-copy hand-outs */
    size_t in_chunk;                 /* items passed as a pointer into the chunk */
    size_t stop_after;               /* return 7 after this many items (0: never) */
};

static int collect(void *arg, const char *json, size_t len)
{
    struct collected *c = arg;
    assert_true(c->n < 64);
    c->text[c->n] = malloc(len + 1);
    memcpy(c->text[c->n], json, len);
    c->text[c->n][len] = '\0';
    c->len[c->n] = len;
    c->n++;
    if (json >= c->chunk_lo && json + len <= c->chunk_hi)
        c->in_chunk++;
    if (c->stop_after && c->n == c->stop_after)
        return 7;
    return 0;
}

static void collected_fini(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->text[i]);
    memset(c, 0, sizeof *c);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum chunking { WHOLE, BYTES, RANDOM };

/* Feeds buf[0..len) in the given chunking; returns the first non-zero feed result, else the
 * finish result (when finish is true). */
static int scan_buf(struct json_scan *s, struct collected *c, const char *buf, size_t len,
                    enum chunking how, bool finish, struct error *err)
{
    size_t off = 0;
    while (off < len) {
        size_t n = len - off;
        if (how == BYTES)
            n = 1;
        else if (how == RANDOM)
            n = 1 + (size_t)(rng() % 700);
        if (n > len - off)
            n = len - off;
        /* Copy the chunk to its own allocation so that ASan sees any read past it. */
        char *chunk = malloc(n ? n : 1);
        memcpy(chunk, buf + off, n);
        c->chunk_lo = chunk;
        c->chunk_hi = chunk + n;
        int rc = json_scan_feed(s, chunk, n, err);
        free(chunk);
        c->chunk_lo = c->chunk_hi = NULL;
        if (rc != 0)
            return rc;
        off += n;
    }
    return finish ? json_scan_finish(s, err) : 0;
}

static const char *array_for(json_object *doc)
{
    json_object *kind;
    if (json_object_object_get_ex(doc, "kind", &kind) &&
        strcmp(json_object_get_string(kind), "Table") == 0)
        return "rows";
    return "items";
}

/* Checks a scan of a whole fixture against json-c's view of it. */
static void check_fixture(const char *rel, enum chunking how)
{
    size_t len;
    char *buf = test_fixture_read(rel, &len);
    json_object *doc = json_tokener_parse(buf);
    assert_non_null(doc);
    const char *array = array_for(doc);
    json_object *items = NULL;
    size_t want = 0;
    if (json_object_object_get_ex(doc, array, &items))
        want = json_object_array_length(items);

    struct collected c = {0};
    struct json_scan *s = json_scan_new(array, collect, &c);
    struct error err = {0};
    int rc = scan_buf(s, &c, buf, len, how, true, &err);
    if (rc != 0)
        fail_msg("%s: %s", rel, err.msg);
    assert_int_equal(c.n, want);
    for (size_t i = 0; i < want; i++) {
        json_object *got = json_tokener_parse(c.text[i]);
        if (got == NULL || !json_object_equal(got, json_object_array_get_idx(items, i)))
            fail_msg("%s: item %zu differs from json-c's", rel, i);
        json_object_put(got);
    }
    if (how == WHOLE)
        assert_int_equal(c.in_chunk, want); /* no copy when an item is whole in the chunk */

    const struct json_scan_meta *m = json_scan_meta(s);
    json_object *kind, *meta, *v;
    if (json_object_object_get_ex(doc, "kind", &kind))
        assert_string_equal(m->kind, json_object_get_string(kind));
    else
        assert_string_equal(m->kind, "");
    if (json_object_object_get_ex(doc, "metadata", &meta)) {
        if (json_object_object_get_ex(meta, "resourceVersion", &v))
            assert_string_equal(m->resource_version, json_object_get_string(v));
        else
            assert_string_equal(m->resource_version, "");
        if (json_object_object_get_ex(meta, "continue", &v))
            assert_string_equal(m->continue_token, json_object_get_string(v));
        else
            assert_null(m->continue_token);
        if (json_object_object_get_ex(meta, "remainingItemCount", &v))
            assert_int_equal(m->remaining, json_object_get_int64(v));
        else
            assert_int_equal(m->remaining, -1);
    }
    if (strcmp(m->kind, "Status") == 0) {
        assert_true(json_object_object_get_ex(doc, "code", &v));
        assert_int_equal(m->status_code, json_object_get_int(v));
        assert_true(json_object_object_get_ex(doc, "reason", &v));
        assert_string_equal(m->status_reason, json_object_get_string(v));
    } else {
        assert_int_equal(m->status_code, 0);
    }
    json_scan_free(s);
    collected_fini(&c);
    json_object_put(doc);
    free(buf);
}

static void for_each_fixture(const char *sub, void (*fn)(const char *rel))
{
    const char *dir = getenv("CUTOVER_FIXTURES");
    assert_non_null(dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "%s/%s", sub, e->d_name);
        fn(rel);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 10);
}

static void fixture_all_ways(const char *rel)
{
    check_fixture(rel, WHOLE);
    check_fixture(rel, BYTES);
    for (int i = 0; i < 5; i++)
        check_fixture(rel, RANDOM);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_wire_fixtures(void **state)
{
    (void)state;
    for_each_fixture("wire", fixture_all_ways);
}

static void test_object_fixtures(void **state)
{
    (void)state;
    /* Single objects (no items array) are valid documents: they scan clean with no items. */
    for_each_fixture("k8s", fixture_all_ways);
}

static void test_podlist_page(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/pods.PodList.page1.json", &len);
    struct collected c = {0};
    struct json_scan *s = json_scan_new("items", collect, &c);
    struct error err = {0};
    assert_int_equal(scan_buf(s, &c, buf, len, BYTES, true, &err), 0);
    assert_int_equal(c.n, 5);
    const struct json_scan_meta *m = json_scan_meta(s);
    assert_string_equal(m->kind, "PodList");
    assert_string_equal(m->resource_version, "123400");
    assert_string_equal(m->continue_token,
                        "eyJ2IjogIm1ldGEuazhzLmlvL3YxIiwgInJ2IjogMTIzNDAwLCAic3RhcnQiOiA1fQ");
    assert_int_equal(m->remaining, 8);
    assert_int_equal(m->status_code, 0);
    assert_true(strstr(c.text[0], "\"busybox-6d8f7c9b5-01eef\"") != NULL);
    assert_int_equal(c.text[0][0], '{');
    assert_int_equal(c.text[0][c.len[0] - 1], '}');

    /* Reset and reuse for the next page. */
    collected_fini(&c);
    json_scan_reset(s);
    const char *last =
        "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\",\"continue\":\"\"},"
        "\"items\":[{\"a\":1}]}";
    assert_int_equal(scan_buf(s, &c, last, strlen(last), WHOLE, true, &err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(json_scan_meta(s)->continue_token, "");
    assert_string_equal(json_scan_meta(s)->resource_version, "9");
    assert_int_equal(json_scan_meta(s)->remaining, -1);
    json_scan_free(s);
    collected_fini(&c);
    free(buf);
}

static void test_status_410(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/status.410.Expired.continue.json", &len);
    struct collected c = {0};
    struct json_scan *s = json_scan_new("items", collect, &c);
    struct error err = {0};
    assert_int_equal(scan_buf(s, &c, buf, len, RANDOM, true, &err), 0);
    const struct json_scan_meta *m = json_scan_meta(s);
    assert_string_equal(m->kind, "Status");
    assert_int_equal(m->status_code, 410);
    assert_string_equal(m->status_reason, "Expired");
    assert_true(strncmp(m->status_message, "The provided continue parameter is too old", 40) == 0);
    assert_int_equal(c.n, 0);
    json_scan_free(s);
    free(buf);
}

static void test_table_columns(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/pods.Table.page1.json", &len);
    struct collected c = {0};
    struct json_scan *s = json_scan_new("rows", collect, &c);
    struct error err = {0};
    size_t n = 99;
    assert_null(json_scan_columns(s, &n));
    assert_int_equal(n, 0);
    assert_int_equal(scan_buf(s, &c, buf, len, BYTES, true, &err), 0);
    const char *const *cols = json_scan_columns(s, &n);
    assert_non_null(cols);
    assert_int_equal(n, 9);
    assert_string_equal(cols[0], "Name");
    assert_string_equal(cols[1], "Ready");
    assert_string_equal(cols[2], "Status");
    assert_string_equal(cols[3], "Restarts");
    assert_string_equal(cols[6], "Node");
    assert_int_equal(c.n, 5);
    assert_true(strncmp(c.text[0], "{", 1) == 0);
    assert_non_null(strstr(c.text[0], "\"cells\""));
    assert_int_equal(json_scan_meta(s)->remaining, 8);
    json_scan_free(s);
    collected_fini(&c);
    free(buf);
}

/* Columns are already known when the first row comes out. */
struct col_check {
    struct json_scan *s;
    size_t rows;
};

static int check_columns_known(void *arg, const char *json, size_t len)
{
    (void)json;
    (void)len;
    struct col_check *cc = arg;
    size_t n;
    assert_non_null(json_scan_columns(cc->s, &n));
    assert_int_equal(n, 10);
    cc->rows++;
    return 0;
}

static void test_table_columns_before_rows(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/nodes.Table.json", &len);
    struct col_check cc = {0};
    cc.s = json_scan_new("rows", check_columns_known, &cc);
    struct error err = {0};
    assert_int_equal(json_scan_feed(cc.s, buf, len, &err), 0);
    assert_int_equal(json_scan_finish(cc.s, &err), 0);
    assert_int_equal(cc.rows, 3);
    json_scan_free(cc.s);
    free(buf);
}

/* Every prefix of a fixture: finish fails, and the items handed out are exactly the complete
 * ones, byte for byte. */
static void check_prefixes(const char *rel, const char *array)
{
    size_t len;
    char *buf = test_fixture_read(rel, &len);
    struct collected full = {0};
    struct json_scan *s = json_scan_new(array, collect, &full);
    struct error err = {0};
    assert_int_equal(scan_buf(s, &full, buf, len, WHOLE, true, &err), 0);
    json_scan_free(s);
    size_t end = len;
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == ' '))
        end--;

    for (size_t cut = 0; cut < len; cut++) {
        struct collected c = {0};
        s = json_scan_new(array, collect, &c);
        int rc = scan_buf(s, &c, buf, cut, cut % 3 == 0 ? RANDOM : WHOLE, true, &err);
        if (cut < end)
            assert_int_equal(rc, -1);
        else
            assert_int_equal(rc, 0);
        assert_true(c.n <= full.n);
        for (size_t i = 0; i < c.n; i++) {
            assert_int_equal(c.len[i], full.len[i]);
            assert_memory_equal(c.text[i], full.text[i], c.len[i]);
        }
        json_scan_free(s);
        collected_fini(&c);
    }
    collected_fini(&full);
    free(buf);
}

static void prefixes_of(const char *rel)
{
    check_prefixes(rel, strstr(rel, "Table") ? "rows" : "items");
}

static void test_truncated_prefixes(void **state)
{
    (void)state;
    for_each_fixture("wire", prefixes_of);
}

static void test_truncated_reports_offset(void **state)
{
    (void)state;
    struct collected c = {0};
    struct json_scan *s = json_scan_new("items", collect, &c);
    struct error err = {0};
    const char *doc = "{\"items\":[{\"a\":1},{\"b\":";
    assert_int_equal(json_scan_feed(s, doc, strlen(doc), &err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(json_scan_finish(s, &err), -1);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_non_null(strstr(err.msg, "23 bytes"));
    json_scan_free(s);
    collected_fini(&c);

    s = json_scan_new("items", collect, &c);
    assert_int_equal(json_scan_finish(s, &err), -1); /* an empty body */
    json_scan_free(s);
}

struct bad_case {
    const char *doc;
    unsigned long long offset; /* where the error is */
};

static void test_malformed(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"{\"a\":tru}", 8},
        {"{\"a\":[1,2}", 9},
        {"{\"a\":{]}", 6},
        {"{\"items\":[{\"x\":1]]}", 16},
        {"{\"a\":\"x\\u00zz\"}", 11},
        {"{\"a\":\"x\\q\"}", 8},
        {"{\"a\":\"tab\there\"}", 9},
        {"{\"a\":\"nl\n\"}", 8},
        {"{} x", 3},
        {"{}{}", 2},
        {"{\"a\":01}", 6},
        {"{\"a\":1.}", 7},
        {"{\"a\":-}", 6},
        {"{\"a\":1e}", 7},
        {"{\"a\":1,}", 7},
        {"{,}", 1},
        {"{\"a\" 1}", 5},
        {"{\"a\":1 \"b\":2}", 7},
        {"[1,2]", 0},
        {"  \"str\"", 2},
        {"{\"items\":[1,,2]}", 12},
        {"{\"a\":nul}", 8},
        {"{\"a\":+1}", 5},
        {"{a:1}", 1},
        {"}", 0},
        /* Inside items, where whole items take a faster path: the same errors, same offsets. */
        {"{\"items\":[{\"a\":\"\x01\"}]}", 16},
        {"{\"items\":[{\"a\":01}]}", 16},
        {"{\"items\":[{\"a\":[1,]}]}", 18},
        {"{\"items\":[{\"a\":tru}]}", 18},
        {"{\"items\":[{\"a\":\"\\u12\"}]}", 20},
        {"{\"items\":[{,}]}", 11},
        {"{\"items\":[{\"a\":1},{\"b\" 2}]}", 23},
        {"{\"items\":[{\"a\":1}}", 17},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (int how = WHOLE; how <= BYTES; how++) {
            struct collected c = {0};
            struct json_scan *s = json_scan_new("items", collect, &c);
            struct error err = {0};
            int rc =
                scan_buf(s, &c, cases[k].doc, strlen(cases[k].doc), (enum chunking)how, true, &err);
            if (rc != -1)
                fail_msg("case %zu (%s) was accepted", k, cases[k].doc);
            char want[64];
            snprintf(want, sizeof want, "at byte %llu:", cases[k].offset);
            if (strstr(err.msg, want) == NULL)
                fail_msg("case %zu (%s): %s, want %s", k, cases[k].doc, err.msg, want);
            /* The scanner stays failed. */
            assert_int_equal(json_scan_feed(s, "{}", 2, &err), -1);
            json_scan_free(s);
            collected_fini(&c);
        }
    }
}

static int count_items(void *arg, const char *json, size_t len)
{
    (void)json;
    (void)len;
    (*(size_t *)arg)++;
    return 0;
}

static void test_too_deep(void **state)
{
    (void)state;
    char doc[2000];
    doc[0] = '{';
    memcpy(doc + 1, "\"a\":", 4);
    size_t n = 5;
    for (int i = 0; i < 600; i++)
        doc[n++] = '[';
    struct json_scan *s = json_scan_new("items", NULL, NULL);
    struct error err = {0};
    assert_int_equal(json_scan_feed(s, doc, n, &err), -1);
    assert_non_null(strstr(err.msg, "too deep"));
    json_scan_free(s);

    /* A whole, well-formed item that nests too deep is refused too (at the 513th level). */
    static char item[2100];
    n = 0;
    n += (size_t)snprintf(item, sizeof item, "{\"items\":[");
    for (int i = 0; i < 520; i++)
        item[n++] = '[';
    for (int i = 0; i < 520; i++)
        item[n++] = ']';
    item[n++] = ']';
    item[n++] = '}';
    s = json_scan_new("items", NULL, NULL);
    assert_int_equal(json_scan_feed(s, item, n, &err), -1);
    assert_non_null(strstr(err.msg, "at byte 520: nesting too deep"));
    json_scan_free(s);

    /* 510 levels inside an item are fine. */
    n = (size_t)snprintf(item, sizeof item, "{\"items\":[");
    for (int i = 0; i < 510; i++)
        item[n++] = '[';
    for (int i = 0; i < 510; i++)
        item[n++] = ']';
    item[n++] = ']';
    item[n++] = '}';
    size_t count = 0;
    s = json_scan_new("items", count_items, &count);
    assert_int_equal(json_scan_feed(s, item, n, &err), 0);
    assert_int_equal(json_scan_finish(s, &err), 0);
    assert_int_equal(count, 1);
    json_scan_free(s);
}

static void test_strings_and_escapes(void **state)
{
    (void)state;
    /* Brackets and quotes inside strings, escaped keys, metadata after items, a kind spelled
     * with \u escapes, scalars as items, a non-ASCII continue token, nested "items" keys. */
    const char *doc =
        "{\"items\" : [ {\"n\":\"a]}\\\"{[\", \"items\":[1,2]} , \"x\\\\\" ,-1.5e+3,true,null,"
        "[[]], {} ],\n\"kind\":\"Pod\\u004cist\",\"metadata\":{\"continue\":\"caf\\u00e9 "
        "\\ud83d\\ude00\\n\",\"remainingItemCount\":12,\"resourceVersion\":\"7\\/1\",\"x\":{"
        "\"resourceVersion\":\"inner\"}},\"other\":{\"metadata\":{\"continue\":\"no\"}},"
        "\"m\\u0065tadata\":{\"resourceVersion\":\"escaped-key\"}}\r\n";
    const char *want[] = {"{\"n\":\"a]}\\\"{[\", \"items\":[1,2]}",
                          "\"x\\\\\"",
                          "-1.5e+3",
                          "true",
                          "null",
                          "[[]]",
                          "{}"};
    for (int how = WHOLE; how <= RANDOM; how++) {
        struct collected c = {0};
        struct json_scan *s = json_scan_new("items", collect, &c);
        struct error err = {0};
        int rc = scan_buf(s, &c, doc, strlen(doc), (enum chunking)how, true, &err);
        if (rc != 0)
            fail_msg("%s", err.msg);
        assert_int_equal(c.n, 7);
        for (size_t i = 0; i < 7; i++)
            assert_string_equal(c.text[i], want[i]);
        const struct json_scan_meta *m = json_scan_meta(s);
        assert_string_equal(m->kind, "PodList");
        assert_string_equal(m->continue_token, "caf\xc3\xa9 \xf0\x9f\x98\x80\n");
        assert_int_equal(m->remaining, 12);
        /* An escaped key names the same member: the later metadata wins. */
        assert_string_equal(m->resource_version, "escaped-key");
        json_scan_free(s);
        collected_fini(&c);
    }
}

static void test_callback_stops(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/nodes.NodeList.json", &len);
    struct collected c = {0};
    c.stop_after = 2;
    struct json_scan *s = json_scan_new("items", collect, &c);
    struct error err = {0};
    assert_int_equal(scan_buf(s, &c, buf, len, RANDOM, false, &err), 7);
    assert_int_equal(c.n, 2);
    assert_int_equal(json_scan_feed(s, "x", 1, &err), 7);
    assert_int_equal(json_scan_finish(s, &err), 7);
    json_scan_free(s);
    collected_fini(&c);
    free(buf);
}

/* ---- json_lines ------------------------------------------------------------------------- */

struct events {
    size_t n;
    char type[16][16];
    char name[16][128];
    int code[16];
};

static int on_event(void *arg, const char *line, size_t len)
{
    struct events *ev = arg;
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    assert_non_null(o);
    assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
    json_tokener_free(tok);
    json_object *type, *obj, *meta, *name, *code;
    assert_true(json_object_object_get_ex(o, "type", &type));
    assert_true(json_object_object_get_ex(o, "object", &obj));
    assert_true(ev->n < 16);
    snprintf(ev->type[ev->n], sizeof ev->type[0], "%s", json_object_get_string(type));
    ev->name[ev->n][0] = '\0';
    if (json_object_object_get_ex(obj, "metadata", &meta) &&
        json_object_object_get_ex(meta, "name", &name))
        snprintf(ev->name[ev->n], sizeof ev->name[0], "%s", json_object_get_string(name));
    ev->code[ev->n] = json_object_object_get_ex(obj, "code", &code) ? json_object_get_int(code) : 0;
    ev->n++;
    json_object_put(o);
    return 0;
}

static int feed_lines(struct json_lines *l, const char *buf, size_t len, enum chunking how,
                      struct error *err)
{
    size_t off = 0;
    while (off < len) {
        size_t n = how == WHOLE ? len - off : how == BYTES ? 1 : 1 + (size_t)(rng() % 300);
        if (n > len - off)
            n = len - off;
        char *chunk = malloc(n);
        memcpy(chunk, buf + off, n);
        int rc = json_lines_feed(l, chunk, n, err);
        free(chunk);
        if (rc != 0)
            return rc;
        off += n;
    }
    return json_lines_finish(l, err);
}

static void test_watch_pods(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/watch.pods.web.ndjson", &len);
    for (int how = WHOLE; how <= RANDOM; how++) {
        struct events ev = {0};
        struct json_lines *l = json_lines_new(1 << 20, on_event, &ev);
        struct error err = {0};
        assert_int_equal(feed_lines(l, buf, len, (enum chunking)how, &err), 0);
        assert_int_equal(ev.n, 6);
        assert_string_equal(ev.type[0], "ADDED");
        assert_string_equal(ev.name[0], "frontend-6d8f7c9b5-13556");
        assert_string_equal(ev.type[4], "MODIFIED");
        assert_string_equal(ev.name[4], "frontend-6d8f7c9b5-13556");
        assert_string_equal(ev.type[5], "BOOKMARK");
        json_lines_free(l);
    }
    free(buf);
}

static void test_watch_410(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/watch.nodes.410.ndjson", &len);
    struct events ev = {0};
    struct json_lines *l = json_lines_new(4096, on_event, &ev);
    struct error err = {0};
    assert_int_equal(feed_lines(l, buf, len, BYTES, &err), 0);
    assert_int_equal(ev.n, 1);
    assert_string_equal(ev.type[0], "ERROR");
    assert_int_equal(ev.code[0], 410);
    json_lines_free(l);
    free(buf);
}

static void test_watch_table(void **state)
{
    (void)state;
    size_t len;
    char *buf = test_fixture_read("wire/watch.nodes.Table.ndjson", &len);
    struct events ev = {0};
    struct json_lines *l = json_lines_new(1 << 16, on_event, &ev);
    struct error err = {0};
    assert_int_equal(feed_lines(l, buf, len, RANDOM, &err), 0);
    assert_int_equal(ev.n, 1);
    assert_string_equal(ev.type[0], "MODIFIED");
    json_lines_free(l);
    free(buf);
}

static void test_watch_limits(void **state)
{
    (void)state;
    struct events ev = {0};
    struct error err = {0};
    /* A line over max_line is an error even when it arrives in small pieces. */
    struct json_lines *l = json_lines_new(32, on_event, &ev);
    const char *longline = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\"}}}\n";
    assert_int_equal(feed_lines(l, longline, strlen(longline), BYTES, &err), -1);
    assert_non_null(strstr(err.msg, "longer than 32"));
    assert_int_equal(ev.n, 0);
    json_lines_free(l);

    /* A stream cut mid-event: the complete events come out, finish reports the rest. */
    l = json_lines_new(1024, on_event, &ev);
    const char *cut = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\r\n\n"
                      "{\"type\":\"DELETED\",\"object\":{\"meta";
    assert_int_equal(json_lines_feed(l, cut, strlen(cut), &err), 0);
    assert_int_equal(json_lines_finish(l, &err), -1);
    assert_int_equal(ev.n, 1);
    assert_string_equal(ev.name[0], "a");
    json_lines_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_fixtures),
        cmocka_unit_test(test_object_fixtures),
        cmocka_unit_test(test_podlist_page),
        cmocka_unit_test(test_status_410),
        cmocka_unit_test(test_table_columns),
        cmocka_unit_test(test_table_columns_before_rows),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_truncated_reports_offset),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_strings_and_escapes),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_watch_pods),
        cmocka_unit_test(test_watch_410),
        cmocka_unit_test(test_watch_table),
        cmocka_unit_test(test_watch_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
