/* A small non-validating XML reader into a tree, and an escaper for writers. */

#include "cutover/xml.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"

struct xml_parser {
    const char *s;
    size_t len;
    size_t pos;
    const char *name;
    size_t max_depth;
    struct error *err;
    /* position cache for line:col (errors and node positions move forward) */
    size_t at_off;
    int at_line;
    int at_col;
};

struct xml_buf {
    char *p;
    size_t n;
    size_t cap;
};

static void buf_add(struct xml_buf *b, const char *s, size_t n)
{
    if (b->p == NULL || b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (b->n + n + 1 > cap)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_add_cp(struct xml_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_add(b, u, n);
}

static char *buf_take(struct xml_buf *b, size_t *len)
{
    if (!b->p)
        buf_add(b, "", 0);
    char *p = b->p;
    if (len)
        *len = b->n;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

static void locate(struct xml_parser *x, size_t off, int *line, int *col)
{
    if (off < x->at_off) {
        x->at_off = 0;
        x->at_line = 1;
        x->at_col = 1;
    }
    for (size_t i = x->at_off; i < off && i < x->len; i++) {
        unsigned char c = (unsigned char)x->s[i];
        if (c == '\n') {
            x->at_line++;
            x->at_col = 1;
        } else if ((c & 0xC0) != 0x80) {
            x->at_col++;
        }
    }
    x->at_off = off;
    *line = x->at_line;
    *col = x->at_col;
}

__attribute__((format(printf, 3, 4))) static int fail(struct xml_parser *x, size_t off,
                                                      const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    locate(x, off, &line, &col);
    error_set_at(x->err, x->name, line, col, "%s", msg);
    return -1;
}

static bool at_end(const struct xml_parser *x)
{
    return x->pos >= x->len;
}

static bool starts(const struct xml_parser *x, const char *lit)
{
    size_t n = strlen(lit);
    return x->len - x->pos >= n && memcmp(x->s + x->pos, lit, n) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct xml_parser *x)
{
    while (!at_end(x) && is_space(x->s[x->pos]))
        x->pos++;
}

static bool name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A name at pos, or NULL with an error. */
static char *parse_name(struct xml_parser *x, const char *what)
{
    size_t start = x->pos;
    if (at_end(x) || !name_start((unsigned char)x->s[x->pos])) {
        fail(x, x->pos, "expected %s", what);
        return NULL;
    }
    while (!at_end(x) && name_char((unsigned char)x->s[x->pos]))
        x->pos++;
    return xstrndup(x->s + start, x->pos - start);
}

/* A character allowed in XML 1.0 text (the Char production), as a code point. */
static bool xml_char_ok(unsigned cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Decodes the reference starting at '&' into b. */
static int parse_ref(struct xml_parser *x, struct xml_buf *b)
{
    size_t start = x->pos;
    x->pos++; /* '&' */
    size_t semi = x->pos;
    while (semi < x->len && semi - x->pos < 12 && x->s[semi] != ';')
        semi++;
    if (semi >= x->len || x->s[semi] != ';')
        return fail(x, start, "unterminated entity reference");
    const char *r = x->s + x->pos;
    size_t n = semi - x->pos;
    if (n >= 2 && r[0] == '#') {
        unsigned long cp = 0;
        bool hex = r[1] == 'x';
        size_t i = hex ? 2 : 1;
        if (i >= n)
            return fail(x, start, "empty character reference");
        for (; i < n; i++) {
            char c = r[i];
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                return fail(x, start, "bad character reference");
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            if (cp > 0x10FFFF)
                return fail(x, start, "character reference out of range");
        }
        if (!xml_char_ok((unsigned)cp))
            return fail(x, start, "character reference to a character XML does not allow");
        buf_add_cp(b, (unsigned)cp);
    } else {
        static const struct {
            const char *name;
            char c;
        } ents[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
        size_t k;
        for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
            if (strlen(ents[k].name) == n && memcmp(ents[k].name, r, n) == 0)
                break;
        if (k == sizeof ents / sizeof ents[0])
            return fail(x, start, "unknown entity &%.*s;", (int)n, r);
        buf_add(b, &ents[k].c, 1);
    }
    x->pos = semi + 1;
    return 0;
}

/* Checks that the bytes [from, to) are valid UTF-8 of allowed XML characters. */
static int check_chars(struct xml_parser *x, size_t from, size_t to)
{
    size_t i = from;
    while (i < to) {
        unsigned char c = (unsigned char)x->s[i];
        if (c < 0x80) {
            if (!xml_char_ok(c))
                return fail(x, i, "control character 0x%02x not allowed in XML", c);
            i++;
            continue;
        }
        unsigned cp;
        size_t n;
        if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return fail(x, i, "invalid UTF-8");
        }
        if (to - i < n)
            return fail(x, i, "invalid UTF-8");
        for (size_t k = 1; k < n; k++) {
            unsigned char d = (unsigned char)x->s[i + k];
            if ((d & 0xC0) != 0x80)
                return fail(x, i, "invalid UTF-8");
            cp = (cp << 6) | (d & 0x3F);
        }
        static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || !xml_char_ok(cp))
            return fail(x, i, "invalid UTF-8");
        i += n;
    }
    return 0;
}

/* Skips a comment at "<!--". */
static int skip_comment(struct xml_parser *x)
{
    size_t start = x->pos;
    x->pos += 4;
    const char *end = NULL;
    for (size_t i = x->pos; i + 1 < x->len; i++) {
        if (x->s[i] == '-' && x->s[i + 1] == '-') {
            if (i + 2 >= x->len || x->s[i + 2] != '>')
                return fail(x, i, "'--' inside a comment");
            end = x->s + i;
            break;
        }
    }
    if (!end)
        return fail(x, start, "unterminated comment");
    size_t e = (size_t)(end - x->s);
    if (check_chars(x, x->pos, e) != 0)
        return -1;
    x->pos = e + 3;
    return 0;
}

/* Skips a processing instruction at "<?"; the XML declaration only where allowed. */
static int skip_pi(struct xml_parser *x, bool decl_ok)
{
    size_t start = x->pos;
    x->pos += 2;
    char *target = parse_name(x, "a processing instruction target");
    if (!target)
        return -1;
    bool is_decl = strcmp(target, "xml") == 0;
    bool reserved = strlen(target) == 3 && (target[0] | 0x20) == 'x' && (target[1] | 0x20) == 'm' &&
                    (target[2] | 0x20) == 'l';
    free(target);
    if (reserved && !(is_decl && decl_ok))
        return fail(x, start, "XML declaration not at the start of the document");
    for (size_t i = x->pos; i + 1 < x->len; i++) {
        if (x->s[i] == '?' && x->s[i + 1] == '>') {
            if (check_chars(x, x->pos, i) != 0)
                return -1;
            x->pos = i + 2;
            return 0;
        }
    }
    return fail(x, start, "unterminated processing instruction");
}

static void node_free(struct xml_node *n)
{
    /* iterative over siblings, recursive over depth (bounded by max_depth) */
    while (n) {
        struct xml_node *next = n->next;
        node_free(n->first_child);
        for (size_t i = 0; i < n->n_attrs; i++) {
            free(n->attrs[i].name);
            free(n->attrs[i].value);
        }
        free(n->attrs);
        free(n->name);
        free(n->text);
        free(n);
        n = next;
    }
}

static const char *local_of(const char *name)
{
    const char *c = strrchr(name, ':');
    return c && c[1] ? c + 1 : name;
}

/* Attributes up to '>' or '/>'; pos is after the element name. Returns 1 for an empty element,
 * 0 for a start tag, -1 on error. */
static int parse_attrs(struct xml_parser *x, struct xml_node *n)
{
    for (;;) {
        size_t before = x->pos;
        skip_space(x);
        if (at_end(x))
            return fail(x, x->pos, "unterminated start tag <%s>", n->name);
        if (x->s[x->pos] == '>') {
            x->pos++;
            return 0;
        }
        if (starts(x, "/>")) {
            x->pos += 2;
            return 1;
        }
        if (x->pos == before)
            return fail(x, x->pos, "expected whitespace before an attribute in <%s>", n->name);
        size_t at = x->pos;
        char *aname = parse_name(x, "an attribute name");
        if (!aname)
            return -1;
        for (size_t i = 0; i < n->n_attrs; i++) {
            if (strcmp(n->attrs[i].name, aname) == 0) {
                fail(x, at, "duplicate attribute %s", aname);
                free(aname);
                return -1;
            }
        }
        skip_space(x);
        if (at_end(x) || x->s[x->pos] != '=') {
            free(aname);
            return fail(x, x->pos, "expected '=' after an attribute name");
        }
        x->pos++;
        skip_space(x);
        if (at_end(x) || (x->s[x->pos] != '"' && x->s[x->pos] != '\'')) {
            free(aname);
            return fail(x, x->pos, "expected a quoted attribute value");
        }
        char q = x->s[x->pos++];
        struct xml_buf v = {0};
        for (;;) {
            if (at_end(x)) {
                free(aname);
                free(v.p);
                return fail(x, at, "unterminated attribute value");
            }
            char c = x->s[x->pos];
            if (c == q) {
                x->pos++;
                break;
            }
            if (c == '<') {
                free(aname);
                free(v.p);
                return fail(x, x->pos, "'<' in an attribute value");
            }
            if (c == '&') {
                if (parse_ref(x, &v) != 0) {
                    free(aname);
                    free(v.p);
                    return -1;
                }
                continue;
            }
            size_t s = x->pos;
            while (x->pos < x->len && x->s[x->pos] != q && x->s[x->pos] != '<' &&
                   x->s[x->pos] != '&')
                x->pos++;
            if (check_chars(x, s, x->pos) != 0) {
                free(aname);
                free(v.p);
                return -1;
            }
            buf_add(&v, x->s + s, x->pos - s);
        }
        n->attrs = xreallocarray(n->attrs, n->n_attrs + 1, sizeof *n->attrs);
        n->attrs[n->n_attrs].name = aname;
        n->attrs[n->n_attrs].value = buf_take(&v, NULL);
        n->n_attrs++;
    }
}

/* Parses the element content after its start tag, up to and including its end tag. Text goes
 * into an accumulating buffer per open element, kept on an explicit stack. */
static int parse_document(struct xml_parser *x, struct xml_node **out)
{
    struct xml_node *root = NULL, *cur = NULL;
    struct xml_buf *texts = NULL; /* one per open element */
    size_t depth = 0;
    bool decl_ok = true;
    int rc = -1;

    if (starts(x, "\xEF\xBB\xBF"))
        x->pos += 3;

    for (;;) {
        if (at_end(x)) {
            if (cur) {
                fail(x, x->pos, "unexpected end of input: <%s> is not closed", cur->name);
                goto out;
            }
            if (!root) {
                fail(x, x->pos, "no root element");
                goto out;
            }
            break;
        }
        char c = x->s[x->pos];
        if (c != '<') {
            size_t s = x->pos;
            if (!cur) {
                skip_space(x);
                if (x->pos == s) {
                    fail(x, s,
                         root ? "content after the root element" : "text before the root element");
                    goto out;
                }
                decl_ok = false;
                continue;
            }
            if (c == '&') {
                if (parse_ref(x, &texts[depth - 1]) != 0)
                    goto out;
                continue;
            }
            while (x->pos < x->len && x->s[x->pos] != '<' && x->s[x->pos] != '&') {
                if (x->s[x->pos] == '>' && x->pos >= 2 && x->s[x->pos - 1] == ']' &&
                    x->s[x->pos - 2] == ']' && x->pos - 2 >= s) {
                    fail(x, x->pos - 2, "']]>' in text");
                    goto out;
                }
                x->pos++;
            }
            if (check_chars(x, s, x->pos) != 0)
                goto out;
            buf_add(&texts[depth - 1], x->s + s, x->pos - s);
            continue;
        }
        if (starts(x, "<?")) {
            if (skip_pi(x, decl_ok && x->pos <= 3) != 0)
                goto out;
            decl_ok = false;
            continue;
        }
        decl_ok = false;
        if (starts(x, "<!--")) {
            if (skip_comment(x) != 0)
                goto out;
            continue;
        }
        if (starts(x, "<![CDATA[")) {
            if (!cur) {
                fail(x, x->pos, "CDATA outside the root element");
                goto out;
            }
            size_t start = x->pos;
            size_t s = x->pos + 9, e = s;
            while (e + 2 < x->len && !(x->s[e] == ']' && x->s[e + 1] == ']' && x->s[e + 2] == '>'))
                e++;
            if (e + 2 >= x->len) {
                fail(x, start, "unterminated CDATA section");
                goto out;
            }
            if (check_chars(x, s, e) != 0)
                goto out;
            buf_add(&texts[depth - 1], x->s + s, e - s);
            x->pos = e + 3;
            continue;
        }
        if (starts(x, "<!DOCTYPE") || starts(x, "<!")) {
            fail(x, x->pos, starts(x, "<!DOCTYPE") ? "DOCTYPE is not supported" : "bad markup");
            goto out;
        }
        if (starts(x, "</")) {
            size_t at = x->pos;
            x->pos += 2;
            char *name = parse_name(x, "an element name in an end tag");
            if (!name)
                goto out;
            skip_space(x);
            if (!cur) {
                fail(x, at, "end tag </%s> without a start tag", name);
                free(name);
                goto out;
            }
            if (strcmp(name, cur->name) != 0) {
                fail(x, at, "end tag </%s> does not match <%s> (line %d)", name, cur->name,
                     cur->line);
                free(name);
                goto out;
            }
            free(name);
            if (at_end(x) || x->s[x->pos] != '>') {
                fail(x, x->pos, "expected '>' to end </%s>", cur->name);
                goto out;
            }
            x->pos++;
            cur->text = buf_take(&texts[depth - 1], &cur->text_len);
            depth--;
            cur = cur->parent;
            continue;
        }
        /* a start tag */
        size_t at = x->pos;
        if (!cur && root) {
            fail(x, at, "a second root element");
            goto out;
        }
        if (depth >= x->max_depth) {
            fail(x, at, "elements nested deeper than %zu", x->max_depth);
            goto out;
        }
        x->pos++;
        char *name = parse_name(x, "an element name");
        if (!name)
            goto out;
        struct xml_node *n = xcalloc(1, sizeof *n);
        n->name = name;
        n->local = local_of(name);
        locate(x, at, &n->line, &n->col);
        n->parent = cur;
        if (cur) {
            if (cur->last_child)
                cur->last_child->next = n;
            else
                cur->first_child = n;
            cur->last_child = n;
            cur->n_children++;
        } else {
            root = n;
        }
        int empty = parse_attrs(x, n);
        if (empty < 0)
            goto out;
        if (empty) {
            n->text = xstrdup("");
            continue;
        }
        texts = xreallocarray(texts, depth + 1, sizeof *texts);
        memset(&texts[depth], 0, sizeof *texts);
        depth++;
        cur = n;
    }
    *out = root;
    root = NULL;
    rc = 0;
out:
    for (size_t i = 0; i < depth; i++)
        free(texts[i].p);
    free(texts);
    node_free(root);
    return rc;
}

int xml_parse_limits(const char *text, size_t len, const char *name,
                     const struct xml_limits *limits, struct xml_node **out, struct error *err)
{
    *out = NULL;
    struct xml_parser x = {
        .s = text ? text : "",
        .len = text ? len : 0,
        .name = name ? name : "xml",
        .max_depth = limits && limits->max_depth ? limits->max_depth : XML_DEFAULT_MAX_DEPTH,
        .err = err,
        .at_line = 1,
        .at_col = 1,
    };
    size_t max_size = limits && limits->max_size ? limits->max_size : XML_DEFAULT_MAX_SIZE;
    if (x.len > max_size) {
        error_set(err, "%s: document of %zu bytes is larger than the limit of %zu", x.name, x.len,
                  max_size);
        return -1;
    }
    return parse_document(&x, out);
}

int xml_parse(const char *text, size_t len, const char *name, struct xml_node **out,
              struct error *err)
{
    return xml_parse_limits(text, len, name, NULL, out, err);
}

void xml_free(struct xml_node *root)
{
    if (!root)
        return;
    /* a root has no siblings, but a caller may pass any subtree's root: detach it first */
    root->next = NULL;
    node_free(root);
}

bool xml_is(const struct xml_node *node, const char *name)
{
    if (!node || !name)
        return false;
    if (strchr(name, ':'))
        return strcmp(node->name, name) == 0;
    return strcmp(node->local, name) == 0;
}

const struct xml_node *xml_child(const struct xml_node *node, const char *name)
{
    if (!node)
        return NULL;
    for (const struct xml_node *c = node->first_child; c; c = c->next)
        if (xml_is(c, name))
            return c;
    return NULL;
}

const struct xml_node *xml_next(const struct xml_node *node, const char *name)
{
    if (!node)
        return NULL;
    for (const struct xml_node *c = node->next; c; c = c->next)
        if (xml_is(c, name))
            return c;
    return NULL;
}

size_t xml_count(const struct xml_node *node, const char *name)
{
    size_t n = 0;
    for (const struct xml_node *c = xml_child(node, name); c; c = xml_next(c, name))
        n++;
    return n;
}

const struct xml_node *xml_path(const struct xml_node *node, const char *path)
{
    if (!node || !path)
        return NULL;
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n > 0) {
            char part[128];
            if (n >= sizeof part)
                return NULL;
            memcpy(part, p, n);
            part[n] = '\0';
            node = xml_child(node, part);
            if (!node)
                return NULL;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    return node;
}

const char *xml_text(const struct xml_node *node)
{
    return node ? node->text : NULL;
}

const char *xml_path_text(const struct xml_node *node, const char *path)
{
    return xml_text(xml_path(node, path));
}

const char *xml_attr(const struct xml_node *node, const char *name)
{
    if (!node || !name)
        return NULL;
    bool qualified = strchr(name, ':') != NULL;
    for (size_t i = 0; i < node->n_attrs; i++) {
        const char *an = node->attrs[i].name;
        if (strcmp(qualified ? an : local_of(an), name) == 0)
            return node->attrs[i].value;
    }
    return NULL;
}

const struct xml_node *xml_find(const struct xml_node *node, const char *name)
{
    if (!node)
        return NULL;
    if (xml_is(node, name))
        return node;
    for (const struct xml_node *c = node->first_child; c; c = c->next) {
        const struct xml_node *f = xml_find(c, name);
        if (f)
            return f;
    }
    return NULL;
}

char *xml_escape(const char *s)
{
    struct xml_buf b = {0};
    if (!s)
        s = "";
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '&':
            buf_add(&b, "&amp;", 5);
            break;
        case '<':
            buf_add(&b, "&lt;", 4);
            break;
        case '>':
            buf_add(&b, "&gt;", 4);
            break;
        case '"':
            buf_add(&b, "&quot;", 6);
            break;
        case '\'':
            buf_add(&b, "&apos;", 6);
            break;
        case '\t':
            buf_add(&b, "&#9;", 4);
            break;
        case '\n':
            buf_add(&b, "&#10;", 5);
            break;
        case '\r':
            buf_add(&b, "&#13;", 5);
            break;
        default:
            if (c < 0x20)
                buf_add(&b, "\xEF\xBF\xBD", 3);
            else
                buf_add(&b, p, 1);
        }
    }
    return buf_take(&b, NULL);
}
