/* yaml_doc: one libyaml document in, errors at the node (or parser mark) they are about. */
#include "cutover/yaml_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cutover/xalloc.h"

/* Loads the parser's next document; on failure copies what libyaml said into *syn. */
static int yaml_doc_next(yaml_parser_t *parser, yaml_document_t *doc, struct yaml_doc_syntax *syn)
{
    if (yaml_parser_load(parser, doc))
        return 0;
    if (syn != NULL) {
        snprintf(syn->problem, sizeof syn->problem, "%s", parser->problem ? parser->problem : "");
        snprintf(syn->context, sizeof syn->context, "%s", parser->context ? parser->context : "");
        syn->problem_mark = parser->problem_mark;
        syn->context_mark = parser->context_mark;
    }
    return -EINVAL;
}

static void yaml_doc_parser_init(yaml_parser_t *parser, const char *text, size_t len)
{
    if (!yaml_parser_initialize(parser))
        fatal("yaml_parser_initialize failed");
    yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
}

static void yaml_doc_bad(struct error *err, const char *file, const struct yaml_doc_syntax *syn)
{
    error_set_at(err, file, (int)syn->problem_mark.line + 1, (int)syn->problem_mark.column + 1,
                 "bad YAML: %s%s%s", syn->problem[0] ? syn->problem : "syntax error",
                 syn->context[0] ? ", " : "", syn->context);
}

int yaml_doc_load(const char *text, size_t len, const char *file, yaml_document_t *doc,
                  struct error *err)
{
    yaml_parser_t parser;
    struct yaml_doc_syntax syn;
    yaml_doc_parser_init(&parser, text, len);
    if (yaml_doc_next(&parser, doc, &syn) < 0) {
        yaml_doc_bad(err, file, &syn);
        yaml_parser_delete(&parser);
        return -EINVAL;
    }
    /* A second document would be ignored without a word, so it is an error. */
    yaml_document_t extra;
    int rc = 0;
    if (yaml_doc_next(&parser, &extra, &syn) < 0) {
        yaml_doc_bad(err, file, &syn);
        rc = -EINVAL;
    } else {
        const yaml_node_t *r = yaml_document_get_root_node(&extra);
        if (r != NULL) {
            yaml_doc_error_at(err, file, r,
                              "only one YAML document is allowed (a second one starts here)");
            rc = -EINVAL;
        }
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&parser);
    if (rc < 0)
        yaml_document_delete(doc);
    return rc;
}

int yaml_doc_load_first(const char *text, size_t len, yaml_document_t *doc,
                        struct yaml_doc_syntax *syn)
{
    yaml_parser_t parser;
    yaml_doc_parser_init(&parser, text, len);
    int rc = yaml_doc_next(&parser, doc, syn);
    yaml_parser_delete(&parser);
    return rc;
}

void yaml_doc_error_at(struct error *err, const char *file, const yaml_node_t *node,
                       const char *fmt, ...)
{
    if (err == NULL)
        return;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    error_set_at(err, file, node ? (int)node->start_mark.line + 1 : 0,
                 node ? (int)node->start_mark.column + 1 : 0, "%s", msg);
}

const char *yaml_doc_scalar(const yaml_node_t *node)
{
    return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

bool yaml_doc_is_blank(const yaml_node_t *node)
{
    return node->type == YAML_SCALAR_NODE && node->data.scalar.length == 0 &&
           node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}
