/* A modal dialog: title, lines, and one way to answer (choices, a typed word, a text field). */
#include "cutover/dialog.h"

#include "cutover/keymap.h"
#include "cutover/theme.h"
#include "cutover/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIALOG_MAX_CHOICES 8
#define DIALOG_FIELD 128

struct dialog_text_line {
    char *text;
    int role;
    unsigned attr;
};

struct dialog_choice_def {
    int key;
    char *label;
    enum dialog_result result;
};

struct dialog {
    char *title;
    struct dialog_text_line *lines;
    size_t n, cap;
    enum dialog_mode mode;
    struct dialog_choice_def choices[DIALOG_MAX_CHOICES];
    size_t nchoices;
    int chosen;
    char *word;   /* DIALOG_MODE_TYPE: what must be typed */
    char *prompt; /* before the field */
    char *accept; /* DIALOG_MODE_INPUT: characters taken (NULL any) */
    size_t maxlen;
    char field[DIALOG_FIELD];
    char note[256];
};

struct dialog *dialog_new(const char *title)
{
    struct dialog *d = xcalloc(1, sizeof *d);
    d->title = xstrdup(title ? title : "");
    d->mode = DIALOG_MODE_INFO;
    return d;
}

static void clear_choices(struct dialog *d)
{
    for (size_t i = 0; i < d->nchoices; i++)
        free(d->choices[i].label);
    d->nchoices = 0;
}

void dialog_free(struct dialog *d)
{
    if (d == NULL)
        return;
    dialog_clear_lines(d);
    free(d->lines);
    clear_choices(d);
    free(d->title);
    free(d->word);
    free(d->prompt);
    free(d->accept);
    free(d);
}

void dialog_line(struct dialog *d, int role, unsigned attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->lines = xreallocarray(d->lines, d->cap, sizeof *d->lines);
    }
    d->lines[d->n++] = (struct dialog_text_line){xstrdup(buf), role, attr};
}

void dialog_clear_lines(struct dialog *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i].text);
    d->n = 0;
}

void dialog_set_title(struct dialog *d, const char *title)
{
    free(d->title);
    d->title = xstrdup(title ? title : "");
}

static void reset_answer(struct dialog *d, enum dialog_mode mode)
{
    clear_choices(d);
    free(d->word);
    free(d->prompt);
    free(d->accept);
    d->word = d->prompt = d->accept = NULL;
    d->field[0] = '\0';
    d->note[0] = '\0';
    d->chosen = 0;
    d->mode = mode;
}

void dialog_set_choices(struct dialog *d)
{
    reset_answer(d, DIALOG_MODE_CHOICES);
}

void dialog_add_choice(struct dialog *d, int key, const char *label, enum dialog_result result)
{
    if (d->nchoices >= DIALOG_MAX_CHOICES)
        return;
    d->choices[d->nchoices++] = (struct dialog_choice_def){key, xstrdup(label), result};
}

void dialog_set_type(struct dialog *d, const char *word, const char *prompt)
{
    reset_answer(d, DIALOG_MODE_TYPE);
    d->word = xstrdup(word);
    d->prompt = xstrdup(prompt ? prompt : "");
}

void dialog_set_input(struct dialog *d, const char *prompt, const char *accept, size_t maxlen)
{
    reset_answer(d, DIALOG_MODE_INPUT);
    d->prompt = xstrdup(prompt ? prompt : "");
    d->accept = accept ? xstrdup(accept) : NULL;
    d->maxlen = maxlen && maxlen < DIALOG_FIELD ? maxlen : DIALOG_FIELD - 1;
}

void dialog_set_wait(struct dialog *d)
{
    reset_answer(d, DIALOG_MODE_WAIT);
}

enum dialog_mode dialog_mode(const struct dialog *d)
{
    return d->mode;
}

int dialog_choice(const struct dialog *d)
{
    return d->chosen;
}

const char *dialog_text(const struct dialog *d)
{
    return d->field;
}

void dialog_note(struct dialog *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->note, sizeof d->note, fmt, ap);
    va_end(ap);
}

const char *dialog_title(const struct dialog *d)
{
    return d->title;
}

size_t dialog_nlines(const struct dialog *d)
{
    return d->n;
}

const char *dialog_line_text(const struct dialog *d, size_t i)
{
    return i < d->n ? d->lines[i].text : NULL;
}

/* Appends code point cp (printable) to the field as UTF-8 when it fits. */
static void field_add(struct dialog *d, int cp)
{
    size_t len = strlen(d->field);
    char enc[5];
    size_t n;
    unsigned u = (unsigned)cp;
    if (u < 0x80)
        enc[0] = (char)u, n = 1;
    else if (u < 0x800)
        enc[0] = (char)(0xc0 | (u >> 6)), enc[1] = (char)(0x80 | (u & 0x3f)), n = 2;
    else if (u < 0x10000)
        enc[0] = (char)(0xe0 | (u >> 12)), enc[1] = (char)(0x80 | ((u >> 6) & 0x3f)),
        enc[2] = (char)(0x80 | (u & 0x3f)), n = 3;
    else
        enc[0] = (char)(0xf0 | (u >> 18)), enc[1] = (char)(0x80 | ((u >> 12) & 0x3f)),
        enc[2] = (char)(0x80 | ((u >> 6) & 0x3f)), enc[3] = (char)(0x80 | (u & 0x3f)), n = 4;
    size_t limit = d->mode == DIALOG_MODE_INPUT ? d->maxlen : DIALOG_FIELD - 1;
    if (len + n > limit)
        return;
    memcpy(d->field + len, enc, n);
    d->field[len + n] = '\0';
}

static void field_backspace(struct dialog *d)
{
    size_t len = strlen(d->field);
    while (len > 0 && ((unsigned char)d->field[len - 1] & 0xc0) == 0x80)
        len--;
    if (len > 0)
        len--;
    d->field[len] = '\0';
}

/* Keys of the text modes (type and input). */
static enum dialog_result field_key(struct dialog *d, int key)
{
    if (key == KEYMAP_KEY_ENTER) {
        if (d->mode == DIALOG_MODE_TYPE && strcmp(d->field, d->word) != 0) {
            dialog_note(d, "type %s exactly to confirm (Esc cancels)", d->word);
            return DIALOG_PENDING;
        }
        if (d->mode == DIALOG_MODE_INPUT && d->field[0] == '\0') {
            dialog_note(d, "type a value, or Esc to cancel");
            return DIALOG_PENDING;
        }
        return DIALOG_OK;
    }
    if (key == KEYMAP_KEY_BACKSPACE) {
        field_backspace(d);
        d->note[0] = '\0';
        return DIALOG_PENDING;
    }
    if (key == (KEYMAP_MOD_CTRL | 'u')) {
        d->field[0] = '\0';
        return DIALOG_PENDING;
    }
    if (key < 0x20 || key >= KEYMAP_KEY_BASE || key == 0x7f)
        return DIALOG_PENDING;
    if (d->mode == DIALOG_MODE_INPUT && d->accept && (key >= 0x80 || !strchr(d->accept, key))) {
        dialog_note(d, "only %s here", d->accept);
        return DIALOG_PENDING;
    }
    field_add(d, key);
    d->note[0] = '\0';
    return DIALOG_PENDING;
}

enum dialog_result dialog_key(struct dialog *d, int key)
{
    if (d->mode == DIALOG_MODE_WAIT)
        return DIALOG_PENDING;
    for (size_t i = 0; i < d->nchoices; i++)
        if (d->choices[i].key == key &&
            (d->mode == DIALOG_MODE_CHOICES || d->mode == DIALOG_MODE_INFO)) {
            d->chosen = key;
            return d->choices[i].result;
        }
    if (key == KEYMAP_KEY_ESC || key == (KEYMAP_MOD_CTRL | 'g') || key == (KEYMAP_MOD_CTRL | 'c'))
        return DIALOG_CANCEL;
    switch (d->mode) {
    case DIALOG_MODE_INFO:
        return key == KEYMAP_KEY_ENTER ? DIALOG_OK : DIALOG_PENDING;
    case DIALOG_MODE_TYPE:
    case DIALOG_MODE_INPUT:
        return field_key(d, key);
    default:
        return DIALOG_PENDING;
    }
}

/* Rows line i takes when wrapped at w columns. */
static int line_rows(const struct dialog *d, size_t i, int w)
{
    int n =
        canvas_text_wrap(NULL, 0, 0, w, 1000, d->lines[i].role, d->lines[i].attr, d->lines[i].text);
    return n > 0 ? n : 1;
}

void dialog_draw(struct dialog *d, struct canvas *c, struct rect area)
{
    /* as wide as the longest line (plus borders), within the area; longer lines wrap */
    int want = canvas_str_width(d->title) + 6;
    for (size_t i = 0; i < d->n; i++) {
        int lw = canvas_str_width(d->lines[i].text) + 4;
        if (lw > want)
            want = lw;
    }
    int extra = 0; /* rows under the lines: a blank, the answer, the note */
    if (d->mode == DIALOG_MODE_TYPE || d->mode == DIALOG_MODE_INPUT) {
        extra = 3;
        int pw = canvas_str_width(d->prompt) + 4 + 24;
        if (pw > want)
            want = pw;
    } else if (d->nchoices) {
        extra = 2;
        int cw = 4;
        for (size_t i = 0; i < d->nchoices; i++)
            cw += canvas_str_width(d->choices[i].label) + 3;
        if (cw > want)
            want = cw;
    }
    if (d->note[0] && !(d->mode == DIALOG_MODE_TYPE || d->mode == DIALOG_MODE_INPUT))
        extra += 1;
    if (want < 30)
        want = 30;
    int w = want < area.w ? want : area.w;
    if (w < 8)
        return;
    int iw = w - 4;
    int rows = 0;
    for (size_t i = 0; i < d->n; i++)
        rows += line_rows(d, i, iw);
    int h = rows + extra + 2;
    if (h > area.h)
        h = area.h;
    if (h < 3)
        return;
    struct rect box = {area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w};
    canvas_fill(c, box, THEME_ROLE_DEFAULT, 0);
    canvas_box(c, box, THEME_ROLE_PANEL_TITLE_FOCUS, d->title, THEME_ROLE_PANEL_TITLE_FOCUS);
    struct canvas in = canvas_sub(c, (struct rect){box.y + 1, box.x + 2, box.h - 2, iw});
    int ih = box.h - 2;
    /* keep the answer rows visible: the lines give way first */
    int avail = ih - extra;
    if (avail < 0)
        avail = 0;
    int y = 0;
    for (size_t i = 0; i < d->n && y < avail; i++)
        y += canvas_text_wrap(&in, y, 0, iw, avail - y, d->lines[i].role, d->lines[i].attr,
                              d->lines[i].text);
    y++;
    if (d->mode == DIALOG_MODE_TYPE || d->mode == DIALOG_MODE_INPUT) {
        int x = canvas_text(&in, y, 0, iw, THEME_ROLE_LABEL, CANVAS_BOLD, d->prompt);
        x += canvas_text(&in, y, x, 1, THEME_ROLE_LABEL, 0, " ");
        x += canvas_text(&in, y, x, iw - x - 1, THEME_ROLE_FILTER, CANVAS_BOLD, d->field);
        canvas_text(&in, y, x, 1, THEME_ROLE_FILTER, CANVAS_REVERSE, " ");
        if (d->note[0])
            canvas_text(&in, y + 1, 0, iw, THEME_ROLE_VALUE_WARN, 0, d->note);
    } else if (d->nchoices) {
        int x = 0;
        for (size_t i = 0; i < d->nchoices; i++) {
            x += canvas_text(&in, y, x, iw - x, THEME_ROLE_HELP_KEY, CANVAS_BOLD | CANVAS_REVERSE,
                             d->choices[i].label);
            x += 3;
        }
        if (d->note[0])
            canvas_text(&in, y + 1, 0, iw, THEME_ROLE_VALUE_WARN, 0, d->note);
    } else if (d->note[0]) {
        canvas_text(&in, y - 1, 0, iw, THEME_ROLE_VALUE_WARN, 0, d->note);
    }
}
