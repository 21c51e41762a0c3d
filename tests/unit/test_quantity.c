/* quantity: Kubernetes resource quantities parse exactly, rounding up as Quantity does, against
 * the real values of the upstream fixtures and the edges (overflow, junk) as errors. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/quantity.h"
#include "../lib/testfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s parses, scaled by 10^scale10, as want. */
static void parsed_is(const char *s, int scale10, int64_t want)
{
    struct error err = {0};
    int64_t v = -12345;
    if (quantity_parse(s, strlen(s), scale10, &v, &err) < 0)
        fail_msg("\"%s\": %s", s, err.msg);
    if (v != want)
        fail_msg("\"%s\" at 10^%d: %lld, want %lld", s, scale10, (long long)v, (long long)want);
    /* the NUL-terminated forms agree */
    int64_t w = -12345;
    assert_int_equal(scale10 == 3 ? quantity_milli(s, &w, &err) : quantity_value(s, &w, &err), 0);
    assert_int_equal(w, v);
}

#define milli_is(s, want) parsed_is((s), 3, (want))
#define value_is(s, want) parsed_is((s), 0, (want))

static void invalid(const char *s, size_t len, const char *why)
{
    struct error err = {0};
    int64_t v = 777;
    if (quantity_parse(s, len, 3, &v, &err) == 0)
        fail_msg("\"%.*s\" parsed as %lld", (int)len, s, (long long)v);
    assert_int_equal(v, 777);
    assert_non_null(strstr(err.msg, "invalid quantity"));
    if (strstr(err.msg, why) == NULL)
        fail_msg("\"%.*s\": %s (want %s)", (int)len, s, err.msg, why);
}

static void test_cpu_forms(void **state)
{
    (void)state;
    milli_is("100m", 100);
    milli_is("0.5", 500);
    milli_is(".5", 500);
    milli_is("2.", 2000);
    milli_is("2", 2000);
    milli_is("1500m", 1500);
    milli_is("1.5", 1500);
    milli_is("0", 0);
    milli_is("0m", 0);
    milli_is("+1", 1000);
    milli_is("1e3", 1000000);
    milli_is("1E3", 1000000);
    milli_is("1e-3", 1);
    milli_is("1e+0", 1000);
    milli_is("2k", 2000000);
    milli_is("0.001", 1);
    milli_is("000100m", 100);
    milli_is("100.000m", 100);
    milli_is("1Ki", 1024000);
    /* below a millicore rounds up, as MilliValue does */
    milli_is("1n", 1); /* nano: metrics-server reports CPU as "123456789n" */
    milli_is("123456789n", 124);
    milli_is("1000u", 1);
    milli_is("1001u", 2);
    milli_is("0.0001", 1);
    milli_is("1.0001", 1001);
    milli_is("0.10000000000000000000000000000000000000000001", 101);
    milli_is("-0.5", -500);
    milli_is("-0.0001", 0); /* toward +infinity */
    /* the largest millicore value, with leading zeros and a bare point (a fuzzer input) */
    milli_is("9223372036854775807m", INT64_MAX);
    milli_is("00000000000000000000009223372036854775807.m", INT64_MAX);
    value_is("00000000000000000000009223372036854775807.m", 9223372036854776LL);
}

static void test_bytes_forms(void **state)
{
    (void)state;
    value_is("128Mi", 134217728);
    value_is("1Gi", 1073741824);
    value_is("1G", 1000000000);
    value_is("7934464Ki", 7934464LL * 1024);
    value_is("1.5Gi", 1610612736);
    value_is("0.5Ki", 512);
    value_is("1Ei", 1152921504606846976LL);
    value_is("8E", 8000000000000000000LL);
    value_is("9223372036854775807", INT64_MAX);
    value_is("-9223372036854775808", INT64_MIN);
    value_is("129e6", 129000000);
    value_is("1m", 1); /* a thousandth of a byte rounds up to one */
    value_is("100000000000000000000000000000000000000000000000e-30", 100000000000000000LL);
}

static void test_invalid(void **state)
{
    (void)state;
    invalid("", 0, "empty");
    invalid(NULL, 0, "empty");
    invalid("1e3m", 4, "unknown suffix");
    invalid("1e", 2, "unknown suffix");
    invalid("1e+", 3, "exponent without digits");
    invalid("1ki", 3, "unknown suffix");
    invalid("1mi", 3, "unknown suffix");
    invalid("1KiB", 4, "unknown suffix");
    invalid("1 ", 2, "unknown suffix");
    invalid(" 1", 2, "no digits");
    invalid("abc", 3, "no digits");
    invalid(".", 1, "no digits");
    invalid("+", 1, "no digits");
    invalid("1..2", 4, "two decimal points");
    invalid("--1", 3, "no digits");
    invalid("1.2.3", 5, "two decimal points");
    invalid("100x", 4, "unknown suffix");
    invalid("1Mm", 3, "unknown suffix");
    /* overflow is an error, never a wrap */
    invalid("9223372036854775808", 19, "out of range");
    invalid("9223372036854776", 16, "out of range"); /* fits as a value, not in millis */
    invalid("8Ei", 3, "out of range");
    invalid("1e19", 4, "out of range");
    invalid("99999999999999999999999999999999999999999999999999", 50, "out of range");
    invalid("1e999999999999", 14, "exponent out of range");
    /* the length bounds the text: "100m" read as "10" would be 10000 */
    int64_t v = 0;
    struct error err = {0};
    assert_int_equal(quantity_parse("100m", 2, 3, &v, &err), 0);
    assert_int_equal(v, 10000);
    /* the error names what was wrong and the text, cut at 64 bytes */
    char longtext[200];
    memset(longtext, '7', sizeof longtext);
    longtext[199] = 'x';
    assert_int_equal(quantity_parse(longtext, sizeof longtext, 0, &v, &err), -1);
    assert_true(strlen(err.msg) < 120);
    assert_non_null(strstr(err.msg, "..."));
}

/* Parses every string value of `key` in text; returns how many there were. */
static int fixture_quantities(const char *file, const char *text, const char *key, int scale10)
{
    int found = 0;
    for (const char *p = text; (p = strstr(p, key)) != NULL;) {
        p += strlen(key);
        while (*p == ' ')
            p++;
        if (*p != '"')
            continue;
        const char *end = strchr(p + 1, '"');
        assert_non_null(end);
        int64_t v;
        struct error err = {0};
        if (quantity_parse(p + 1, (size_t)(end - p - 1), scale10, &v, &err) < 0)
            fail_msg("%s: %s", file, err.msg);
        assert_true(v > 0);
        found++;
    }
    return found;
}

/* Every cpu and memory quantity in the upstream fixtures parses, and the known ones are exact. */
static void test_fixture_values(void **state)
{
    (void)state;
    static const char *const files[] = {"wire/pods.PodList.page1.json", "wire/nodes.NodeList.json",
                                        "k8s/core.v1.Node.json"};
    int found = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *text = test_fixture_read(files[f], NULL);
        found += fixture_quantities(files[f], text, "\"cpu\":", 3);
        found += fixture_quantities(files[f], text, "\"memory\":", 0);
        free(text);
    }
    assert_true(found >= 10);
    /* the values those files hold */
    milli_is("1930m", 1930);
    value_is("7244288Ki", 7418150912LL);
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(quantity_format_milli(250, buf, sizeof buf), "250m");
    assert_string_equal(quantity_format_milli(2000, buf, sizeof buf), "2");
    assert_string_equal(quantity_format_milli(1500, buf, sizeof buf), "1500m");
    assert_string_equal(quantity_format_milli(0, buf, sizeof buf), "0");
    assert_string_equal(quantity_format_milli(-1, buf, sizeof buf), "-");
    assert_string_equal(quantity_format_bytes(134217728, buf, sizeof buf), "128Mi");
    assert_string_equal(quantity_format_bytes(1536 * 1024, buf, sizeof buf), "1536Ki");
    assert_string_equal(quantity_format_bytes(1000000000, buf, sizeof buf), "1000000000");
    assert_string_equal(quantity_format_bytes(-1, buf, sizeof buf), "-");
    /* format then parse is the identity */
    static const int64_t ms[] = {1, 999, 1000, 1001, 123456789, INT64_MAX / 1000 * 1000};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        milli_is(quantity_format_milli(ms[i], buf, sizeof buf), ms[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_forms), cmocka_unit_test(test_bytes_forms),
        cmocka_unit_test(test_invalid),   cmocka_unit_test(test_fixture_values),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
