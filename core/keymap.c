/* Key bindings as data: key specs <-> key codes, a sorted {key -> action} table, and the default
 * bindings written as the same YAML a user writes under `keys:` (like tmux's key-bindings.c). */
#include "cutover/keymap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "cutover/text.h"
#include "cutover/xalloc.h"
#include "cutover/yaml_doc.h"

struct keymap_binding {
    int key;
    char *action;
};

struct keymap {
    struct keymap_binding *v; /* sorted by key */
    size_t n, cap;
};

/* Names of special keys; the first name of each key is the one displayed. */
static const struct {
    const char *name;
    int key;
} keymap_names[] = {
    {"Tab", KEYMAP_KEY_TAB},          {"S-Tab", KEYMAP_KEY_BTAB},
    {"BTab", KEYMAP_KEY_BTAB},        {"Enter", KEYMAP_KEY_ENTER},
    {"Return", KEYMAP_KEY_ENTER},     {"Esc", KEYMAP_KEY_ESC},
    {"Escape", KEYMAP_KEY_ESC},       {"Up", KEYMAP_KEY_UP},
    {"Down", KEYMAP_KEY_DOWN},        {"Left", KEYMAP_KEY_LEFT},
    {"Right", KEYMAP_KEY_RIGHT},      {"PgUp", KEYMAP_KEY_PGUP},
    {"PageUp", KEYMAP_KEY_PGUP},      {"PPage", KEYMAP_KEY_PGUP},
    {"PgDn", KEYMAP_KEY_PGDN},        {"PageDown", KEYMAP_KEY_PGDN},
    {"NPage", KEYMAP_KEY_PGDN},       {"Home", KEYMAP_KEY_HOME},
    {"End", KEYMAP_KEY_END},          {"Insert", KEYMAP_KEY_INSERT},
    {"IC", KEYMAP_KEY_INSERT},        {"Delete", KEYMAP_KEY_DELETE},
    {"DC", KEYMAP_KEY_DELETE},        {"Backspace", KEYMAP_KEY_BACKSPACE},
    {"BSpace", KEYMAP_KEY_BACKSPACE}, {"Space", ' '},
};

/* The default bindings, k9s-familiar; parsed by keymap_new_default(). Keys such as "?" and ":"
 * must be quoted in YAML. */
static const char keymap_default_bindings[] = "# cutover default key bindings (same format as "
                                              "`keys:` in config.yaml)\n"
                                              "\"?\": help\n"
                                              "\":\": command\n"
                                              "\"/\": filter\n"
                                              "Tab: next-panel\n"
                                              "S-Tab: prev-panel\n"
                                              "j: down\n"
                                              "Down: down\n"
                                              "k: up\n"
                                              "Up: up\n"
                                              "PgDn: page-down\n"
                                              "C-f: page-down\n"
                                              "PgUp: page-up\n"
                                              "C-b: page-up\n"
                                              "g: top\n"
                                              "Home: top\n"
                                              "G: bottom\n"
                                              "End: bottom\n"
                                              "Enter: select\n"
                                              "Esc: back\n"
                                              "r: refresh\n"
                                              "\"]\": traffic-next\n"
                                              "\"[\": traffic-prev\n"
                                              "W: traffic-set\n"
                                              "R: traffic-rollback\n"
                                              "D: drift-view\n"
                                              "F: drift-force-sync\n"
                                              "P: pods-view\n"
                                              "\"<\": sort-prev\n"
                                              "\">\": sort-next\n"
                                              "I: sort-reverse\n"
                                              "q: quit\n"
                                              "C-c: quit\n";

const char *keymap_default_text(void)
{
    return keymap_default_bindings;
}

struct keymap *keymap_new(void)
{
    return xcalloc(1, sizeof(struct keymap));
}

void keymap_free(struct keymap *km)
{
    if (km == NULL)
        return;
    for (size_t i = 0; i < km->n; i++)
        free(km->v[i].action);
    free(km->v);
    free(km);
}

/* Decodes one UTF-8 character at s; returns its length (0 if invalid) and the code point. */
static size_t keymap_utf8_decode(const char *s, int *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len;
    int c;
    if (u[0] < 0x80) {
        *cp = u[0];
        return u[0] ? 1 : 0;
    } else if ((u[0] & 0xe0) == 0xc0) {
        len = 2;
        c = u[0] & 0x1f;
    } else if ((u[0] & 0xf0) == 0xe0) {
        len = 3;
        c = u[0] & 0x0f;
    } else if ((u[0] & 0xf8) == 0xf0) {
        len = 4;
        c = u[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3f);
    }
    static const int min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static size_t keymap_utf8_encode(int cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A printable character key (not a control character). */
static bool keymap_is_char(int cp)
{
    return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) && cp <= 0x10ffff &&
           !(cp >= 0xd800 && cp <= 0xdfff);
}

/* Applies Ctrl to a base key the way a terminal does: C-i is Tab, C-m and C-j are Enter, C-[ is
 * Esc, C-@ is C-Space; letters are lower-case. Returns -1 for a combination no terminal sends. */
static int keymap_ctrl(int base)
{
    if (base >= KEYMAP_KEY_BASE)
        return KEYMAP_MOD_CTRL | base;
    if (base >= 'A' && base <= 'Z')
        base += 'a' - 'A';
    switch (base) {
    case 'i':
        return KEYMAP_KEY_TAB;
    case 'j':
    case 'm':
        return KEYMAP_KEY_ENTER;
    case '[':
        return KEYMAP_KEY_ESC;
    case '@':
    case ' ':
        return KEYMAP_MOD_CTRL | ' ';
    case '\\':
    case ']':
    case '^':
    case '_':
        return KEYMAP_MOD_CTRL | base;
    default:
        break;
    }
    if (base >= 'a' && base <= 'z')
        return KEYMAP_MOD_CTRL | base;
    return -1;
}

int keymap_parse_key(const char *spec, int *key)
{
    if (spec == NULL || spec[0] == '\0')
        return -EINVAL;
    bool ctrl = false, meta = false, shift = false;
    const char *s = spec;
    /* Modifier prefixes "C-", "M-", "S-" (either case), as long as something follows. */
    while (s[0] != '\0' && s[1] == '-' && s[2] != '\0') {
        if (s[0] == 'C' || s[0] == 'c')
            ctrl = true;
        else if (s[0] == 'M' || s[0] == 'm')
            meta = true;
        else if (s[0] == 'S' || s[0] == 's')
            shift = true;
        else
            break;
        s += 2;
    }
    int base = -1;
    int cp;
    size_t n = keymap_utf8_decode(s, &cp);
    if (n > 0 && s[n] == '\0') {
        if (!keymap_is_char(cp))
            return -EINVAL;
        base = cp;
    } else {
        for (size_t i = 0; i < sizeof keymap_names / sizeof keymap_names[0]; i++) {
            /* "S-Tab" is in the table whole; it was split above only if shift was seen. */
            if (strcasecmp(s, keymap_names[i].name) == 0) {
                base = keymap_names[i].key;
                break;
            }
        }
        if (base < 0 && (s[0] == 'F' || s[0] == 'f') && s[1] >= '1' && s[1] <= '9') {
            char *end;
            long f = strtol(s + 1, &end, 10);
            if (*end == '\0' && f >= 1 && f <= 12 && !(s[1] == '0'))
                base = KEYMAP_KEY_F((int)f);
        }
        if (base < 0)
            return -EINVAL;
    }
    if (shift) {
        if (base == KEYMAP_KEY_TAB)
            base = KEYMAP_KEY_BTAB;
        else if (base >= 'a' && base <= 'z')
            base -= 'a' - 'A';
        else
            return -EINVAL;
    }
    int k = base;
    if (ctrl) {
        k = keymap_ctrl(base);
        if (k < 0)
            return -EINVAL;
    }
    if (meta)
        k |= KEYMAP_MOD_META;
    *key = k;
    return 0;
}

const char *keymap_key_name(int key, char *buf, size_t len)
{
    char tmp[32];
    size_t o = 0;
    if (len == 0)
        return buf;
    if (key < 0) {
        snprintf(buf, len, "?");
        return buf;
    }
    if (key & KEYMAP_MOD_CTRL) {
        tmp[o++] = 'C';
        tmp[o++] = '-';
    }
    if (key & KEYMAP_MOD_META) {
        tmp[o++] = 'M';
        tmp[o++] = '-';
    }
    int base = key & KEYMAP_KEY_MASK;
    const char *name = NULL;
    for (size_t i = 0; i < sizeof keymap_names / sizeof keymap_names[0]; i++) {
        if (keymap_names[i].key == base) {
            name = keymap_names[i].name;
            break;
        }
    }
    if (name != NULL) {
        snprintf(tmp + o, sizeof tmp - o, "%s", name);
    } else if (base >= KEYMAP_KEY_F1 && base <= KEYMAP_KEY_F12) {
        snprintf(tmp + o, sizeof tmp - o, "F%d", base - KEYMAP_KEY_F1 + 1);
    } else if (keymap_is_char(base)) {
        o += keymap_utf8_encode(base, tmp + o);
        tmp[o] = '\0';
    } else {
        snprintf(tmp + o, sizeof tmp - o, "<%#x>", (unsigned)base);
    }
    snprintf(buf, len, "%s", tmp);
    return buf;
}

int keymap_key_from_byte(int byte)
{
    switch (byte) {
    case 0:
        return KEYMAP_MOD_CTRL | ' ';
    case 9:
        return KEYMAP_KEY_TAB;
    case 10:
    case 13:
        return KEYMAP_KEY_ENTER;
    case 27:
        return KEYMAP_KEY_ESC;
    case 127:
        return KEYMAP_KEY_BACKSPACE;
    case 28:
        return KEYMAP_MOD_CTRL | '\\';
    case 29:
        return KEYMAP_MOD_CTRL | ']';
    case 30:
        return KEYMAP_MOD_CTRL | '^';
    case 31:
        return KEYMAP_MOD_CTRL | '_';
    default:
        break;
    }
    if (byte >= 1 && byte <= 26)
        return KEYMAP_MOD_CTRL | ('a' + byte - 1);
    return byte;
}

/* Index of key in km, or of where it would go; *found says which. */
static size_t keymap_find(const struct keymap *km, int key, bool *found)
{
    size_t lo = 0, hi = km->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (km->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < km->n && km->v[lo].key == key;
    return lo;
}

int keymap_bind(struct keymap *km, int key, const char *action)
{
    bool found;
    size_t i = keymap_find(km, key, &found);
    if (found) {
        free(km->v[i].action);
        km->v[i].action = xstrdup(action);
        return 0;
    }
    if (km->n == km->cap) {
        km->cap = km->cap ? km->cap * 2 : 32;
        km->v = xreallocarray(km->v, km->cap, sizeof km->v[0]);
    }
    memmove(&km->v[i + 1], &km->v[i], (km->n - i) * sizeof km->v[0]);
    km->v[i].key = key;
    km->v[i].action = xstrdup(action);
    km->n++;
    return 0;
}

int keymap_unbind(struct keymap *km, int key)
{
    bool found;
    size_t i = keymap_find(km, key, &found);
    if (!found)
        return -ENOENT;
    free(km->v[i].action);
    memmove(&km->v[i], &km->v[i + 1], (km->n - i - 1) * sizeof km->v[0]);
    km->n--;
    return 0;
}

const char *keymap_lookup(const struct keymap *km, int key)
{
    bool found;
    size_t i = keymap_find(km, key, &found);
    return found ? km->v[i].action : NULL;
}

size_t keymap_count(const struct keymap *km)
{
    return km->n;
}

int keymap_entry(const struct keymap *km, size_t i, int *key, const char **action)
{
    if (i >= km->n)
        return -ENOENT;
    if (key)
        *key = km->v[i].key;
    if (action)
        *action = km->v[i].action;
    return 0;
}

size_t keymap_keys_for(const struct keymap *km, const char *action, int *keys, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < km->n; i++) {
        if (strcmp(km->v[i].action, action) == 0) {
            if (n < max)
                keys[n] = km->v[i].key;
            n++;
        }
    }
    return n;
}

int keymap_check(const char *spec, const char *action, const char *const *actions, size_t nactions,
                 const char *file, int line, int col, int *key, struct error *err)
{
    int k;
    if (keymap_parse_key(spec, &k) < 0) {
        error_set_at(err, file, line, col,
                     "unknown key '%s' (use e.g. q, \"?\", C-c, M-x, Tab, S-Tab, Enter, Esc, Up, "
                     "PgDn, F1, Space)",
                     spec);
        error_sanitize(err);
        return -EINVAL;
    }
    if (action == NULL || action[0] == '\0') {
        error_set_at(err, file, line, col, "key '%s': missing action name (or \"none\")", spec);
        error_sanitize(err);
        return -EINVAL;
    }
    if (strcmp(action, KEYMAP_ACTION_NONE) != 0 && actions != NULL) {
        bool ok = false;
        for (size_t i = 0; i < nactions && !ok; i++)
            ok = actions[i] != NULL && strcmp(actions[i], action) == 0;
        if (!ok) {
            char list[300];
            size_t o = 0;
            list[0] = '\0';
            for (size_t i = 0; i < nactions && o < sizeof list - 1; i++) {
                int w = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", actions[i]);
                if (w < 0)
                    break;
                o += (size_t)w;
            }
            if (o >= sizeof list - 1)
                snprintf(list + sizeof list - 5, 5, "...");
            error_set_at(err, file, line, col, "key '%s': unknown action '%s' (known: %s)", spec,
                         action, list);
            error_sanitize(err);
            return -EINVAL;
        }
    }
    if (key)
        *key = k;
    return 0;
}

void keymap_apply(struct keymap *km, int key, const char *action)
{
    if (strcmp(action, KEYMAP_ACTION_NONE) == 0)
        (void)keymap_unbind(km, key);
    else
        keymap_bind(km, key, action);
}

int keymap_load_text(struct keymap *km, const char *text, size_t len, const char *name,
                     const char *const *actions, size_t nactions, struct error *err)
{
    yaml_document_t doc;
    int rc = 0;
    if (yaml_doc_load(text, len, name, &doc, err) < 0) {
        error_sanitize(err);
        return -EINVAL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    struct keymap_binding *pending = NULL;
    size_t npending = 0;
    if (root == NULL || yaml_doc_is_blank(root)) {
        /* An empty document binds nothing. */
    } else if (root->type != YAML_MAPPING_NODE) {
        yaml_doc_error_at(err, name, root, "key bindings must be a mapping of key -> action");
        rc = -EINVAL;
    } else {
        size_t cnt = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
        pending = xcalloc(cnt ? cnt : 1, sizeof *pending);
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top && rc == 0; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            yaml_node_t *v = yaml_document_get_node(&doc, p->value);
            int line = (int)k->start_mark.line + 1, col = (int)k->start_mark.column + 1;
            if (k->type != YAML_SCALAR_NODE) {
                error_set_at(err, name, line, col, "a key spec must be a plain string");
                rc = -EINVAL;
                break;
            }
            const char *spec = (const char *)k->data.scalar.value;
            if (v->type != YAML_SCALAR_NODE) {
                yaml_doc_error_at(err, name, v, "key '%s': the action must be a name (or \"none\")",
                                  spec);
                rc = -EINVAL;
                break;
            }
            int key;
            if (keymap_parse_key(spec, &key) < 0) /* a bad key spec points at the key */
                rc = keymap_check(spec, "", NULL, 0, name, line, col, &key, err);
            else /* a bad action at the action */
                rc = keymap_check(spec, (const char *)v->data.scalar.value, actions, nactions, name,
                                  (int)v->start_mark.line + 1, (int)v->start_mark.column + 1, &key,
                                  err);
            if (rc < 0)
                break;
            for (size_t j = 0; j < npending; j++) {
                if (pending[j].key == key) {
                    char kn[32];
                    error_set_at(err, name, line, col, "key '%s' (%s) is bound twice", spec,
                                 keymap_key_name(key, kn, sizeof kn));
                    rc = -EINVAL;
                    break;
                }
            }
            if (rc < 0)
                break;
            pending[npending].key = key;
            pending[npending].action = (char *)v->data.scalar.value;
            npending++;
        }
    }
    if (rc < 0)
        error_sanitize(err);
    if (rc == 0) {
        for (size_t i = 0; i < npending; i++)
            keymap_apply(km, pending[i].key, pending[i].action);
    }
    free(pending);
    yaml_document_delete(&doc);
    return rc;
}

struct keymap *keymap_new_default(const char *const *actions, size_t nactions, struct error *err)
{
    struct keymap *km = keymap_new();
    if (keymap_load_text(km, keymap_default_bindings, strlen(keymap_default_bindings),
                         "(default key bindings)", actions, nactions, err) < 0) {
        keymap_free(km);
        return NULL;
    }
    return km;
}
