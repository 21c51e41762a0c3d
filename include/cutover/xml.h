#ifndef CUTOVER_XML_H
#define CUTOVER_XML_H

/* A small non-validating XML reader for AWS answers (STS, ELBv2, Route53, error bodies) and the
 * simulator's requests: elements, attributes and text into a tree. Entities &amp; &lt; &gt;
 * &quot; &apos; and character references &#N; &#xN; are decoded, CDATA is kept as text, comments
 * and processing instructions (<?xml ...?>) are skipped. A DOCTYPE is refused (no DTDs, so no
 * entity expansion). Namespace prefixes are kept in names; lookups match the local name. Errors
 * carry line:col (1-based; the column counts characters). Also an escaper for XML writers. */

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"

struct xml_attr {
    char *name;  /* as written, "xmlns:xsi" */
    char *value; /* entities decoded */
};

/* One element. All strings are owned by the tree and NUL-terminated. */
struct xml_node {
    char *name;        /* qualified name as written, "soap:Envelope" */
    const char *local; /* the part after the prefix (points into name) */
    char *text;        /* the element's own character data, decoded, concatenated; "" if none */
    size_t text_len;   /* bytes in text (never an inner NUL: &#0; is refused) */
    struct xml_attr *attrs;
    size_t n_attrs;
    struct xml_node *parent;
    struct xml_node *first_child;
    struct xml_node *last_child;
    struct xml_node *next; /* next sibling */
    size_t n_children;
    int line; /* where the start tag begins */
    int col;
};

/* Limits on what is parsed: nesting depth of elements and input size in bytes. */
struct xml_limits {
    size_t max_depth; /* 0: XML_DEFAULT_MAX_DEPTH */
    size_t max_size;  /* 0: XML_DEFAULT_MAX_SIZE */
};
#define XML_DEFAULT_MAX_DEPTH 64
#define XML_DEFAULT_MAX_SIZE (8u * 1024u * 1024u)

/* Parses len bytes of text into a tree whose root element goes to *out. name labels errors
 * ("name:LINE:COL: message", also in err->file/line/col); NULL means "xml". */
int xml_parse(const char *text, size_t len, const char *name, struct xml_node **out,
              struct error *err);
/* xml_parse with explicit limits (NULL: the defaults). */
int xml_parse_limits(const char *text, size_t len, const char *name,
                     const struct xml_limits *limits, struct xml_node **out, struct error *err);
/* Frees a tree returned by xml_parse (the root; NULL is a no-op). */
void xml_free(struct xml_node *root);

/* Whether node's name is name: the local name, or the qualified one when name has a ':'. */
bool xml_is(const struct xml_node *node, const char *name);
/* The first child element called name (NULL node or no such child: NULL). */
const struct xml_node *xml_child(const struct xml_node *node, const char *name);
/* The next sibling after node with the same name test, for iterating children by name:
 * for (c = xml_child(n, "member"); c; c = xml_next(c, "member")). */
const struct xml_node *xml_next(const struct xml_node *node, const char *name);
/* Number of children called name. */
size_t xml_count(const struct xml_node *node, const char *name);
/* Follows a '/'-separated path of child names ("ChangeInfo/Status"); "" is node itself. */
const struct xml_node *xml_path(const struct xml_node *node, const char *path);
/* The node's text ("" when it has none), or NULL for a NULL node. */
const char *xml_text(const struct xml_node *node);
/* xml_text(xml_path(node, path)). */
const char *xml_path_text(const struct xml_node *node, const char *path);
/* The value of the attribute called name (matched as xml_is matches), or NULL. */
const char *xml_attr(const struct xml_node *node, const char *name);
/* The first element anywhere below node (depth first, node included) called name, or NULL:
 * for error bodies whose wrapper differs between services. */
const struct xml_node *xml_find(const struct xml_node *node, const char *name);

/* Escapes s for element text or a quoted attribute value into a new string: & < > " ' become
 * entities, tab, LF and CR become character references, and the other C0 controls (which XML
 * 1.0 cannot carry) become U+FFFD. NULL gives "". */
char *xml_escape(const char *s);

#endif
