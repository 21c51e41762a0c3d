/* libFuzzer harness: any bytes as an AWS XML answer. A document that parses is walked (parent
 * links, child counts, depth within the limit, text lengths, local names) and every text and
 * attribute value is escaped and parsed back to itself; a failure must carry a line:col. */

#include "cutover/xml.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const char *s)
{
    char *e = xml_escape(s);
    char *doc = xasprintf("<r a=\"%s\">%s</r>", e, e);
    struct xml_node *r = NULL;
    struct error err;
    error_clear(&err);
    if (xml_parse(doc, strlen(doc), "rt", &r, &err) != 0)
        abort();
    /* the escaper replaces C0 controls XML cannot carry; everything else must come back */
    bool plain = true;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            plain = false;
    if (plain && (strcmp(r->text, s) != 0 || strcmp(xml_attr(r, "a"), s) != 0))
        abort();
    xml_free(r);
    free(doc);
    free(e);
}

static void walk(const struct xml_node *n, size_t depth)
{
    if (depth > XML_DEFAULT_MAX_DEPTH || !n->text || strlen(n->text) != n->text_len)
        abort();
    size_t ln = strlen(n->local), nn = strlen(n->name);
    if (ln == 0 || ln > nn || strcmp(n->name + nn - ln, n->local) != 0 || n->line < 1 || n->col < 1)
        abort();
    roundtrip(n->text);
    for (size_t i = 0; i < n->n_attrs; i++) {
        if (xml_attr(n, n->attrs[i].name) == NULL)
            abort();
        roundtrip(n->attrs[i].value);
    }
    size_t count = 0;
    const struct xml_node *last = NULL;
    for (const struct xml_node *c = n->first_child; c; c = c->next) {
        if (c->parent != n)
            abort();
        if (xml_child(n, c->name) == NULL)
            abort();
        walk(c, depth + 1);
        last = c;
        count++;
    }
    if (count != n->n_children || last != n->last_child)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xml_node *root = NULL;
    struct error err;
    error_clear(&err);
    if (xml_parse((const char *)data, size, "fuzz", &root, &err) != 0) {
        if (root || err.line < 1 || err.col < 1 || strcmp(err.file, "fuzz") != 0 || !err.msg[0])
            abort();
        return 0;
    }
    walk(root, 1);
    xml_free(root);
    return 0;
}
