#ifndef CUTOVER_KEYMAP_H
#define CUTOVER_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"

/* Key bindings as data: a table {key -> action name}. The defaults are config text in the same
 * format a user writes under `keys:` (keymap_default_text), parsed at start like tmux's default
 * bindings. The TUI owns the action table (name, function, help) and passes the list of valid
 * action names in; this module knows no curses and no actions.
 *
 * Key codes are ints independent of curses: a printable character is its Unicode code point
 * (' ' is "Space"); special keys are KEYMAP_KEY_*; modifiers are OR-ed bits. The TUI maps
 * curses' KEY_* to these, and raw control bytes through keymap_key_from_byte(). */

#define KEYMAP_KEY_BASE 0x200000 /* above every Unicode code point */
enum keymap_special {
    KEYMAP_KEY_TAB = KEYMAP_KEY_BASE,
    KEYMAP_KEY_BTAB, /* Shift-Tab, written "S-Tab" or "BTab" */
    KEYMAP_KEY_ENTER,
    KEYMAP_KEY_ESC,
    KEYMAP_KEY_UP,
    KEYMAP_KEY_DOWN,
    KEYMAP_KEY_LEFT,
    KEYMAP_KEY_RIGHT,
    KEYMAP_KEY_PGUP,
    KEYMAP_KEY_PGDN,
    KEYMAP_KEY_HOME,
    KEYMAP_KEY_END,
    KEYMAP_KEY_INSERT,
    KEYMAP_KEY_DELETE,
    KEYMAP_KEY_BACKSPACE,
    KEYMAP_KEY_F1, /* KEYMAP_KEY_F1 + n - 1 is Fn, n = 1..12 */
    KEYMAP_KEY_F12 = KEYMAP_KEY_F1 + 11,
    KEYMAP_KEY_SPECIAL_END
};
#define KEYMAP_KEY_F(n) (KEYMAP_KEY_F1 + (n)-1)

#define KEYMAP_MOD_CTRL 0x1000000 /* "C-": C-c is KEYMAP_MOD_CTRL | 'c' (letters lower-case) */
#define KEYMAP_MOD_META 0x2000000 /* "M-": Alt/Meta, or Esc followed by the key */
#define KEYMAP_MOD_MASK (KEYMAP_MOD_CTRL | KEYMAP_MOD_META)
#define KEYMAP_KEY_MASK 0x0ffffff

/* The action name that unbinds a key in config text. */
#define KEYMAP_ACTION_NONE "none"

struct keymap;

/* An empty keymap. */
struct keymap *keymap_new(void);

/* Frees a keymap; NULL does nothing. */
void keymap_free(struct keymap *km);

/* Parses a key spec ("q", "?", "C-c", "M-x", "Tab", "S-Tab", "BTab", "Enter", "Esc", "Up",
 * "PgDn", "Home", "F5", "Space", ...; names are case-insensitive, single characters are not)
 * into *key. Returns 0 or -EINVAL. */
int keymap_parse_key(const char *spec, int *key);

/* Writes the display name of key ("C-c", "S-Tab", "PgDn", "q") into buf and returns buf; the
 * name parses back to the same key. */
const char *keymap_key_name(int key, char *buf, size_t len);

/* Maps a raw byte from the terminal to a key: 9 Tab, 10/13 Enter, 27 Esc, 127/8 Backspace,
 * 0 C-Space, 1..26 C-a..C-z, other values unchanged. */
int keymap_key_from_byte(int byte);

/* Binds key to action (replacing an earlier binding of that key). Returns 0. */
int keymap_bind(struct keymap *km, int key, const char *action);

/* Removes the binding of key. Returns 0, or -ENOENT if the key was not bound. */
int keymap_unbind(struct keymap *km, int key);

/* The action bound to key, or NULL. The string lives as long as the binding. */
const char *keymap_lookup(const struct keymap *km, int key);

/* Number of bindings. */
size_t keymap_count(const struct keymap *km);

/* The i-th binding (ordered by key code) for iteration, e.g. by the help screen. Returns 0, or
 * -ENOENT when i >= keymap_count(). */
int keymap_entry(const struct keymap *km, size_t i, int *key, const char **action);

/* Fills keys[0..max) with the keys bound to action (in key order) and returns how many are bound
 * (may exceed max). For the help screen's "j, Down  move down". */
size_t keymap_keys_for(const struct keymap *km, const char *action, int *keys, size_t max);

/* Checks one binding as written in config text: spec must parse and action must be one of
 * actions[0..nactions) or "none". Returns 0 or -EINVAL with file:line:col (file may be NULL). */
int keymap_check(const char *spec, const char *action, const char *const *actions, size_t nactions,
                 const char *file, int line, int col, int *key, struct error *err);

/* Applies one checked binding: binds, or unbinds when action is "none" (an unbound key is fine). */
void keymap_apply(struct keymap *km, int key, const char *action);

/* Parses bindings written as a YAML mapping of key spec -> action name (the `keys:` format) and
 * applies them to km, all or nothing. name labels errors. Returns 0 or negative with
 * file:line:col for bad YAML, bad key specs and unknown actions. */
int keymap_load_text(struct keymap *km, const char *text, size_t len, const char *name,
                     const char *const *actions, size_t nactions, struct error *err);

/* The default bindings as config text (k9s-familiar). */
const char *keymap_default_text(void);

/* A keymap holding the default bindings. Fails (NULL, err set) only if actions lacks one of the
 * default actions, which is a bug in the action table. */
struct keymap *keymap_new_default(const char *const *actions, size_t nactions, struct error *err);

#endif
