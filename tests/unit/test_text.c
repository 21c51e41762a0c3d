/* The terminal sanitizer: nothing from an API may drive the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/text.h"

#include <stdlib.h>
#include <string.h>

static void check(const char *in, const char *want)
{
    char *got = text_sanitize(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_plain_text_is_kept(void **state)
{
    (void)state;
    check("api-7d9f8-x2x", "api-7d9f8-x2x");
    check("", "");
    check("zone us-east-1a \xe2\x9c\x93 ready", "zone us-east-1a \xe2\x9c\x93 ready");
    check("日本語のポッド", "日本語のポッド");
}

static void test_escape_sequences_become_visible(void **state)
{
    (void)state;
    /* A pod name that tries to clear the screen and retitle the window. */
    check("evil\x1b[2J\x1b]0;pwned\x07", "evil\\x1b[2J\\x1b]0;pwned\\x07");
    check("a\rb", "a\\x0db");
    check("tab\there\nnl", "tab\\there\\nnl");
    check("del\x7f", "del\\x7f");
    /* C1 CSI (U+009B) as UTF-8. */
    check("c1\xc2\x9b"
          "31m",
          "c1\\x9b31m");
}

static void test_bidi_overrides_are_escaped(void **state)
{
    (void)state;
    check("abc\xe2\x80\xae"
          "cba",
          "abc\\u202ecba");
    check("\xe2\x81\xa6x", "\\u2066x");
}

static void test_invalid_utf8_is_escaped(void **state)
{
    (void)state;
    check("bad\xff"
          "byte",
          "bad\\xffbyte");
    check("\xc3", "\\xc3");                   /* truncated sequence */
    check("\xc0\xaf", "\\xc0\\xaf");          /* overlong '/' */
    check("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
}

static void test_buffer_form_truncates_on_boundaries(void **state)
{
    (void)state;
    char buf[8];
    assert_string_equal(text_sanitize_buf("\x1b\x1b\x1b", buf, sizeof buf), "\\x1b");
    assert_string_equal(text_sanitize_buf("abcdefghij", buf, sizeof buf), "abcdefg");
    assert_string_equal(text_sanitize_buf("ab\xe2\x9c\x93\xe2\x9c\x93", buf, sizeof buf),
                        "ab\xe2\x9c\x93");
    assert_string_equal(text_sanitize_buf(NULL, buf, sizeof buf), "");
    assert_null(text_sanitize(NULL));
}

static void test_output_never_contains_control_bytes(void **state)
{
    (void)state;
    char in[257];
    for (int i = 0; i < 256; i++)
        in[i] = (char)(i == 0 ? 1 : i);
    in[256] = '\0';
    char *out = text_sanitize(in);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        assert_true(*p >= 0x20);
        assert_true(*p != 0x7f);
        /* No raw C1 controls survive as UTF-8 either. */
        if (p[0] == 0xc2 && p[1])
            assert_true(p[1] >= 0xa0);
    }
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_kept),
        cmocka_unit_test(test_escape_sequences_become_visible),
        cmocka_unit_test(test_bidi_overrides_are_escaped),
        cmocka_unit_test(test_invalid_utf8_is_escaped),
        cmocka_unit_test(test_buffer_form_truncates_on_boundaries),
        cmocka_unit_test(test_output_never_contains_control_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
