#ifndef CUTOVER_CANVAS_CURSES_H
#define CUTOVER_CANVAS_CURSES_H

/* The program's canvas: ncursesw with wide characters. Theme roles become curses colour pairs
 * and attributes once, for the terminal's colour depth (8, 256 or direct true colour), with
 * NO_COLOR honoured. Call only from the UI thread, after initscr(). */

#include "cutover/canvas.h"
#include "cutover/theme.h"

#include <stdbool.h>
#include <stddef.h>

struct canvas_curses;

/* Prepares colours for theme on the current screen and a canvas over stdscr (ascii: line style
 * when the locale is not UTF-8). */
struct canvas_curses *canvas_curses_new(const struct theme *theme, bool ascii, struct canvas *c);
/* Frees the colour table; NULL does nothing. */
void canvas_curses_free(struct canvas_curses *cc);
/* Re-reads the screen size into *c (after KEY_RESIZE). */
void canvas_curses_resize(struct canvas_curses *cc, struct canvas *c);
/* Colours the terminal has as seen by the theme (0 when colours are off). */
int canvas_curses_colors(const struct canvas_curses *cc);

/* Draws with draw(canvas, arg) on an off-screen curses screen of terminal type `term` whose
 * output goes to memory, and returns every byte curses wrote (*len of them; the caller frees):
 * what a real terminal would receive. Returns NULL when the terminal type is unknown. */
char *canvas_curses_render_bytes(const char *term, const struct theme *theme, bool ascii,
                                 void (*draw)(struct canvas *c, void *arg), void *arg, size_t *len);

/* True when the locale's character set is UTF-8 (setlocale must have run). */
bool canvas_curses_locale_utf8(void);

#endif
