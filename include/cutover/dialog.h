#ifndef CUTOVER_DIALOG_H
#define CUTOVER_DIALOG_H

/* A modal dialog drawn over the dashboard's body: a title, lines of text (each with a theme role),
 * and one way to answer: a choice among keys (y/n, roll forward/back, ...), typing a word exactly
 * (the production confirmation), or a short text field (a percent). No curses, no I/O: the TUI
 * feeds it keymap key codes and draws it on a canvas; the traffic flow and the runbook screen use
 * it for previews, confirmations, progress and outcomes. */

#include "cutover/canvas.h"

#include <stdbool.h>
#include <stddef.h>

struct dialog;

/* What a key did to the dialog. */
enum dialog_result {
    DIALOG_PENDING = 0, /* still open, nothing decided (the key may have edited the field) */
    DIALOG_CANCEL,      /* Esc, C-g, or the cancel choice */
    DIALOG_OK,          /* the typed word matched, the field was entered, or the OK choice */
    DIALOG_CHOICE,      /* a choice key was pressed: dialog_choice() says which */
};

/* How the dialog is answered. */
enum dialog_mode {
    DIALOG_MODE_INFO,    /* any key from the choices; Enter/Esc close */
    DIALOG_MODE_CHOICES, /* one of the choice keys; Esc cancels */
    DIALOG_MODE_TYPE,    /* type the word exactly, then Enter; Esc cancels */
    DIALOG_MODE_INPUT,   /* a text field, then Enter; Esc cancels */
    DIALOG_MODE_WAIT,    /* progress: no key answers it (the owner closes it) */
};

/* A new dialog titled title (copied), in DIALOG_MODE_INFO with no lines. */
struct dialog *dialog_new(const char *title);
/* Frees the dialog; NULL does nothing. */
void dialog_free(struct dialog *d);

/* Appends one line of text (printf-style; sanitized when drawn) in theme role role. */
void dialog_line(struct dialog *d, int role, unsigned attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Removes every line (the title and the answer mode stay). */
void dialog_clear_lines(struct dialog *d);
/* Sets the title (copied). */
void dialog_set_title(struct dialog *d, const char *title);

/* Answer by pressing one of the choice keys added with dialog_add_choice. */
void dialog_set_choices(struct dialog *d);
/* Adds a choice: key (a keymap code, e.g. 'y') and its label ("y: apply"); result is what
 * pressing it returns (DIALOG_OK, DIALOG_CANCEL or DIALOG_CHOICE). */
void dialog_add_choice(struct dialog *d, int key, const char *label, enum dialog_result result);
/* Answer by typing word exactly and Enter; prompt is shown before the field. */
void dialog_set_type(struct dialog *d, const char *word, const char *prompt);
/* Answer with a text field of at most maxlen characters and Enter; only characters in accept
 * (NULL: any printable) are taken. */
void dialog_set_input(struct dialog *d, const char *prompt, const char *accept, size_t maxlen);
/* A progress dialog: keys do nothing until the owner changes the mode. */
void dialog_set_wait(struct dialog *d);
/* The answer mode. */
enum dialog_mode dialog_mode(const struct dialog *d);

/* Handles one key (keymap code). */
enum dialog_result dialog_key(struct dialog *d, int key);
/* The key of the choice last pressed (0 none). */
int dialog_choice(const struct dialog *d);
/* The text typed so far (input and type modes). */
const char *dialog_text(const struct dialog *d);
/* A one-line note under the field (e.g. "type shop-api exactly"); "" clears. */
void dialog_note(struct dialog *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The title (borrowed). */
const char *dialog_title(const struct dialog *d);
/* The number of text lines (for tests). */
size_t dialog_nlines(const struct dialog *d);
/* Line i's text (for tests), or NULL. */
const char *dialog_line_text(const struct dialog *d, size_t i);

/* Draws the dialog centred in area (relative to c), clearing what it covers. */
void dialog_draw(struct dialog *d, struct canvas *c, struct rect area);

#endif
