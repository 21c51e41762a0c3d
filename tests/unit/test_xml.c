/* The XML reader: AWS answers from tests/fixtures/aws (STS, Route53, ELBv2, error bodies of each
 * protocol), entities, CDATA, comments, namespaces, and malformed documents with the line:col
 * their error names; the escaper round-trips through the reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/testfile.h"
#include "cutover/xalloc.h"
#include "cutover/xml.h"

static struct xml_node *parse_ok(const char *s)
{
    struct xml_node *root = NULL;
    struct error err;
    error_clear(&err);
    int rc = xml_parse(s, strlen(s), "t", &root, &err);
    if (rc != 0)
        fail_msg("parse failed: %s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    assert_non_null(root);
    return root;
}

static struct xml_node *fixture(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "aws/%s", name);
    size_t len;
    char *text = test_fixture_read(rel, &len);
    struct xml_node *root = NULL;
    struct error err;
    error_clear(&err);
    if (xml_parse(text, len, name, &root, &err) != 0)
        fail_msg("%s: %d:%d: %s", name, err.line, err.col, err.msg);
    free(text);
    return root;
}

/* Expects a parse failure at line:col with msg containing want. */
static void parse_bad(const char *s, int line, int col, const char *want)
{
    struct xml_node *root = (struct xml_node *)1;
    struct error err;
    error_clear(&err);
    int rc = xml_parse(s, strlen(s), "body.xml", &root, &err);
    if (rc == 0)
        fail_msg("parsed but should not: %s", s);
    assert_null(root);
    assert_string_equal(err.file, "body.xml");
    if (err.line != line || err.col != col || !strstr(err.msg, want))
        fail_msg("for %s\n got %d:%d %s\nwant %d:%d ...%s...", s, err.line, err.col, err.msg, line,
                 col, want);
}

static void test_sts_assume_role(void **state)
{
    (void)state;
    struct xml_node *r = fixture("sts-assume-role.xml");
    assert_string_equal(r->name, "AssumeRoleResponse");
    assert_string_equal(xml_attr(r, "xmlns"), "https://sts.amazonaws.com/doc/2011-06-15/");
    const struct xml_node *c = xml_path(r, "AssumeRoleResult/Credentials");
    assert_non_null(c);
    assert_string_equal(xml_path_text(c, "AccessKeyId"), "ASIAIOSFODNN7EXAMPLE");
    assert_string_equal(xml_path_text(c, "Expiration"), "2019-11-09T13:34:41Z");
    /* the token is pretty-printed over lines in the example: text is kept as it came */
    assert_non_null(strstr(xml_path_text(c, "SessionToken"), "AQoDYXdzEPT"));
    assert_string_equal(xml_path_text(r, "AssumeRoleResult/AssumedRoleUser/Arn"),
                        "arn:aws:sts::123456789012:assumed-role/demo/TestAR");
    assert_string_equal(xml_path_text(r, "ResponseMetadata/RequestId"),
                        "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    assert_int_equal(c->line, 8);
    assert_int_equal(c->col, 5);
    assert_null(xml_path(r, "AssumeRoleResult/Nope"));
    assert_null(xml_path_text(r, "Nope/Credentials"));
    xml_free(r);
}

static void test_route53_list(void **state)
{
    (void)state;
    struct xml_node *r = fixture("route53-list-resource-record-sets.xml");
    const struct xml_node *sets = xml_child(r, "ResourceRecordSets");
    assert_int_equal(xml_count(sets, "ResourceRecordSet"), 3);
    const char *ids[3] = {0};
    const char *weights[3] = {0};
    size_t i = 0;
    for (const struct xml_node *s = xml_child(sets, "ResourceRecordSet"); s;
         s = xml_next(s, "ResourceRecordSet"), i++) {
        ids[i] = xml_path_text(s, "SetIdentifier");
        weights[i] = xml_path_text(s, "Weight");
    }
    assert_int_equal(i, 3);
    assert_null(ids[0]);
    assert_string_equal(ids[1], "onprem");
    assert_string_equal(weights[1], "70");
    assert_string_equal(ids[2], "eks");
    assert_string_equal(weights[2], "30");
    assert_string_equal(xml_path_text(r, "IsTruncated"), "true");
    assert_string_equal(xml_path_text(r, "NextRecordName"), "www.example.com.");
    xml_free(r);

    r = fixture("route53-change-resource-record-sets.xml");
    assert_string_equal(xml_path_text(r, "ChangeInfo/Status"), "PENDING");
    assert_string_equal(xml_path_text(r, "ChangeInfo/Id"), "/change/C2682N5HXP0BZ4");
    xml_free(r);
}

static void test_elbv2_members(void **state)
{
    (void)state;
    struct xml_node *r = fixture("elbv2-describe-listeners.xml");
    const struct xml_node *l = xml_path(r, "DescribeListenersResult/Listeners/member");
    assert_non_null(l);
    assert_string_equal(xml_path_text(l, "Port"), "80");
    const struct xml_node *tgs = xml_path(l, "DefaultActions/member/ForwardConfig/TargetGroups");
    assert_int_equal(xml_count(tgs, "member"), 2);
    const struct xml_node *m = xml_child(tgs, "member");
    assert_non_null(strstr(xml_path_text(m, "TargetGroupArn"), "blue-targets"));
    assert_string_equal(xml_path_text(m, "Weight"), "70");
    m = xml_next(m, "member");
    assert_non_null(strstr(xml_path_text(m, "TargetGroupArn"), "green-targets"));
    assert_string_equal(xml_path_text(m, "Weight"), "30");
    assert_null(xml_next(m, "member"));
    xml_free(r);
}

static void test_error_bodies(void **state)
{
    (void)state;
    struct xml_node *r = fixture("sts-error.xml");
    assert_string_equal(xml_path_text(r, "Error/Code"), "SignatureDoesNotMatch");
    assert_string_equal(xml_path_text(r, "Error/Type"), "Sender");
    xml_free(r);
    r = fixture("route53-error.xml");
    assert_string_equal(xml_text(xml_find(r, "Code")), "NoSuchHostedZone");
    xml_free(r);
    r = fixture("route53-error-invalid-change-batch.xml");
    assert_string_equal(r->local, "InvalidChangeBatch");
    assert_non_null(strstr(xml_path_text(r, "Messages/Message"), "already exists"));
    xml_free(r);
    r = fixture("ec2-style-error.xml");
    assert_string_equal(xml_path_text(r, "Errors/Error/Code"), "UnauthorizedOperation");
    assert_string_equal(xml_path_text(r, "RequestID"), "ab9f0c2e-1d2b-4a70-9cbc-3e84b0d5f6a1");
    xml_free(r);
}

static void test_entities_cdata_comments(void **state)
{
    (void)state;
    struct xml_node *r = parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- lead -->\n"
                                  "<a x='1 &amp; 2' y=\"&quot;q&quot;\">"
                                  "&lt;b&gt; &amp; &apos;c&apos; &#65;&#x42;&#x20AC;&#128512;"
                                  "<!-- c --><![CDATA[<raw> & ]]]]><?pi data?>"
                                  "<empty/><e2></e2></a>\n<!-- trail -->\n");
    assert_string_equal(r->text, "<b> & 'c' AB\xE2\x82\xAC\xF0\x9F\x98\x80<raw> & ]]");
    assert_int_equal(r->text_len, strlen(r->text));
    assert_string_equal(xml_attr(r, "x"), "1 & 2");
    assert_string_equal(xml_attr(r, "y"), "\"q\"");
    assert_null(xml_attr(r, "z"));
    assert_int_equal(r->n_children, 2);
    assert_string_equal(xml_text(xml_child(r, "empty")), "");
    assert_string_equal(xml_text(xml_child(r, "e2")), "");
    assert_string_equal(xml_path_text(r, ""), r->text);
    assert_null(xml_text(NULL));
    xml_free(r);
}

static void test_namespaces(void **state)
{
    (void)state;
    struct xml_node *r =
        parse_ok("<s:Envelope xmlns:s=\"urn:x\" xmlns:xsi=\"urn:i\"><s:Body>"
                 "<r:Item xsi:nil=\"true\" xmlns:r=\"urn:r\">v</r:Item></s:Body></s:Envelope>");
    assert_string_equal(r->name, "s:Envelope");
    assert_string_equal(r->local, "Envelope");
    assert_true(xml_is(r, "Envelope"));
    assert_true(xml_is(r, "s:Envelope"));
    assert_false(xml_is(r, "t:Envelope"));
    assert_string_equal(xml_path_text(r, "Body/Item"), "v");
    const struct xml_node *item = xml_path(r, "Body/Item");
    assert_string_equal(xml_attr(item, "nil"), "true");
    assert_string_equal(xml_attr(item, "xsi:nil"), "true");
    assert_string_equal(xml_attr(r, "xmlns:xsi"), "urn:i");
    assert_ptr_equal(xml_find(r, "Item"), item);
    xml_free(r);
}

static void test_malformed_positions(void **state)
{
    (void)state;
    parse_bad("", 1, 1, "no root element");
    parse_bad("<a>\n  <b>x</c>\n</a>", 2, 7, "end tag </c> does not match <b> (line 2)");
    parse_bad("<a>\n<b>", 2, 4, "<b> is not closed");
    parse_bad("<a>&bogus;</a>", 1, 4, "unknown entity &bogus;");
    parse_bad("<a>&amp</a>", 1, 4, "unterminated entity reference");
    parse_bad("<a>&#0;</a>", 1, 4, "not allow");
    parse_bad("<a>&#xD800;</a>", 1, 4, "not allow");
    parse_bad("<a>&#x110000;</a>", 1, 4, "out of range");
    parse_bad("<a>&#12a;</a>", 1, 4, "bad character reference");
    parse_bad("<a x='1' x='2'/>", 1, 10, "duplicate attribute x");
    parse_bad("<a x=1/>", 1, 6, "quoted attribute value");
    parse_bad("<a x='<'/>", 1, 7, "'<' in an attribute value");
    parse_bad("<a x='1'y='2'/>", 1, 9, "whitespace before an attribute");
    parse_bad("<a/><b/>", 1, 5, "a second root element");
    parse_bad("<a/>junk", 1, 5, "content after the root element");
    parse_bad("junk<a/>", 1, 1, "text before the root element");
    parse_bad("<a><!-- x -- y --></a>", 1, 11, "'--' inside a comment");
    parse_bad("<a><!-- x", 1, 4, "unterminated comment");
    parse_bad("<a><![CDATA[x</a>", 1, 4, "unterminated CDATA");
    parse_bad("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", 1, 1, "DOCTYPE is not supported");
    parse_bad("\n<a/><?xml version='1.0'?>", 2, 5, "XML declaration not at the start");
    parse_bad("<a>\xC3\x28</a>", 1, 4, "invalid UTF-8");
    parse_bad("<a>\xC0\xAF</a>", 1, 4, "invalid UTF-8"); /* overlong '/' */
    parse_bad("<a>\x01</a>", 1, 4, "control character 0x01");
    parse_bad("<a>x]]>y</a>", 1, 5, "']]>' in text");
    parse_bad("</a>", 1, 1, "without a start tag");
    parse_bad("<1a/>", 1, 2, "expected an element name");
    /* columns count characters, not bytes */
    parse_bad("<a>\xE2\x82\xAC\xE2\x82\xAC&x;</a>", 1, 6, "unknown entity");
}

static void test_limits(void **state)
{
    (void)state;
    char deep[64 * 3 + 70 * 4 + 1];
    size_t p = 0;
    for (int i = 0; i < 65; i++)
        p += (size_t)sprintf(deep + p, "<a>");
    struct xml_node *r = NULL;
    struct error err;
    error_clear(&err);
    assert_int_equal(xml_parse(deep, p, "deep", &r, &err), -1);
    assert_non_null(strstr(err.msg, "nested deeper than 64"));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 64 * 3 + 1);
    /* 64 levels parse */
    p = 0;
    for (int i = 0; i < 64; i++)
        p += (size_t)sprintf(deep + p, "<a>");
    for (int i = 0; i < 64; i++)
        p += (size_t)sprintf(deep + p, "</a>");
    assert_int_equal(xml_parse(deep, p, "deep", &r, &err), 0);
    xml_free(r);
    struct xml_limits lim = {.max_depth = 2, .max_size = 0};
    error_clear(&err);
    assert_int_equal(xml_parse_limits("<a><b><c/></b></a>", 18, "l", &lim, &r, &err), -1);
    assert_int_equal(err.col, 7);
    lim = (struct xml_limits){.max_depth = 0, .max_size = 10};
    error_clear(&err);
    assert_int_equal(xml_parse_limits("<a>0123456789</a>", 17, "l", &lim, &r, &err), -1);
    assert_non_null(strstr(err.msg, "larger than the limit of 10"));
    assert_null(r);
}

static void test_escape_roundtrip(void **state)
{
    (void)state;
    const char *in = "a&b<c>d\"e'f\tg\nh\ri\x01j \xE2\x82\xAC";
    char *e = xml_escape(in);
    assert_string_equal(e, "a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i\xEF\xBF\xBDj "
                           "\xE2\x82\xAC");
    char *doc = xasprintf("<v a=\"%s\">%s</v>", e, e);
    struct xml_node *r = parse_ok(doc);
    assert_string_equal(r->text, "a&b<c>d\"e'f\tg\nh\ri\xEF\xBF\xBDj \xE2\x82\xAC");
    assert_string_equal(xml_attr(r, "a"), r->text);
    xml_free(r);
    free(doc);
    free(e);
    e = xml_escape(NULL);
    assert_string_equal(e, "");
    free(e);
    xml_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sts_assume_role),         cmocka_unit_test(test_route53_list),
        cmocka_unit_test(test_elbv2_members),           cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_entities_cdata_comments), cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_malformed_positions),     cmocka_unit_test(test_limits),
        cmocka_unit_test(test_escape_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
