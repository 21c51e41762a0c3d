#ifndef CUTOVER_YAML_DOC_H
#define CUTOVER_YAML_DOC_H

/* Loading a YAML document with libyaml and pointing errors at the node they are about: one
 * place for what the config, theme, keymap and kubeconfig readers all need. */

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "cutover/error.h"

/* Why and where libyaml stopped reading (strings copied, "" when libyaml gave none). */
struct yaml_doc_syntax {
    char problem[128];
    char context[128];
    yaml_mark_t problem_mark;
    yaml_mark_t context_mark;
};

/* Loads the one document in text into doc (the caller deletes it with yaml_document_delete);
 * a syntax error ("bad YAML: ...") or a second document is reported at file:line:col and
 * returns -EINVAL with nothing to delete. */
int yaml_doc_load(const char *text, size_t len, const char *file, yaml_document_t *doc,
                  struct error *err);

/* Loads only the first document in text into doc and ignores what follows, as readers that
 * copy kubectl do; on a syntax error fills *syn (if not NULL) and returns -EINVAL. */
int yaml_doc_load_first(const char *text, size_t len, yaml_document_t *doc,
                        struct yaml_doc_syntax *syn);

/* Records a message at the node's start as file:line:col (0:0 for a NULL node). */
void yaml_doc_error_at(struct error *err, const char *file, const yaml_node_t *node,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The node's text if it is a scalar, else NULL. */
const char *yaml_doc_scalar(const yaml_node_t *node);

/* True for a plain empty scalar: what `key:` with nothing after it gives. */
bool yaml_doc_is_blank(const yaml_node_t *node);

#endif
