#ifndef CUTOVER_CANVAS_H
#define CUTOVER_CANVAS_H

/* An abstract drawing surface of character cells. Widgets draw only through it; the program
 * backs it with ncurses (tui/canvas_curses.c) and tests with an in-memory grid
 * (widgets/canvas_grid.c) whose text is compared with golden files.
 *
 * Every string put on a canvas passes through text_sanitize here, so no drawing path can let an
 * escape sequence from an API reach the terminal. Coordinates are relative to the canvas (or
 * sub-canvas) origin; everything outside its clip rectangle is dropped. */

#include <stdbool.h>
#include <stddef.h>

/* Cell attributes, combined with a theme role (an enum theme_role value) by the backend. */
#define CANVAS_BOLD 0x1u
#define CANVAS_REVERSE 0x2u
#define CANVAS_UNDERLINE 0x4u
#define CANVAS_DIM 0x8u

struct rect {
    int y, x, h, w;
};

struct canvas;

/* What a backend provides: one cell at a time (glyph is one character of display width
 * `width`, 1 or 2, as UTF-8, NUL-terminated), already clipped and in absolute coordinates. */
struct canvas_ops {
    void (*put_cell)(struct canvas *c, int y, int x, const char *glyph, int width, int role,
                     unsigned attr);
};

struct canvas {
    const struct canvas_ops *ops;
    void *impl;
    int oy, ox;       /* origin of this (sub-)canvas in absolute coordinates */
    struct rect clip; /* absolute clip rectangle */
    bool ascii;       /* draw lines with -|+ instead of UTF-8 box drawing */
};

/* Line styles for canvas_box and canvas_hline. */
enum canvas_line { CANVAS_LINE_H, CANVAS_LINE_V, CANVAS_TL, CANVAS_TR, CANVAS_BL, CANVAS_BR };

/* Fills a canvas header for a backend: origin 0,0, clip = the whole h x w surface. */
void canvas_init(struct canvas *c, const struct canvas_ops *ops, void *impl, int h, int w,
                 bool ascii);

/* A canvas drawing into rectangle r (relative to c) of c, clipped to both. */
struct canvas canvas_sub(const struct canvas *c, struct rect r);

/* Height of the visible part of c (from its origin). */
int canvas_height(const struct canvas *c);
/* Width of the visible part of c (from its origin). */
int canvas_width(const struct canvas *c);

/* Puts text (sanitized first) at y,x, at most maxw columns (< 0: up to the clip edge). Returns
 * the number of columns used. A string cut short ends with "~" so the cut is visible. */
int canvas_text(struct canvas *c, int y, int x, int maxw, int role, unsigned attr, const char *s);

/* printf into canvas_text. */
int canvas_textf(struct canvas *c, int y, int x, int maxw, int role, unsigned attr, const char *fmt,
                 ...) __attribute__((format(printf, 7, 8)));

/* Puts text right-aligned so that it ends at column x_end (exclusive). Returns columns used. */
int canvas_text_right(struct canvas *c, int y, int x_end, int maxw, int role, unsigned attr,
                      const char *s);

/* Fills a rectangle with spaces of role/attr. */
void canvas_fill(struct canvas *c, struct rect r, int role, unsigned attr);

/* The glyph for a line piece in this canvas's style (UTF-8 or ASCII). */
const char *canvas_line_glyph(const struct canvas *c, enum canvas_line piece);

/* Horizontal line of n cells at y,x. */
void canvas_hline(struct canvas *c, int y, int x, int n, int role);
/* Vertical line of n cells at y,x. */
void canvas_vline(struct canvas *c, int y, int x, int n, int role);
/* A box around r with an optional title (sanitized) in its top edge. */
void canvas_box(struct canvas *c, struct rect r, int role, const char *title, int title_role);

/* Puts text (sanitized first) at y,x wrapped at spaces into lines of at most w columns, at most
 * maxlines lines (the last one cut with "~" when more remains). Returns the lines used; with
 * c == NULL only counts them. */
int canvas_text_wrap(struct canvas *c, int y, int x, int w, int maxlines, int role, unsigned attr,
                     const char *s);

/* Display width of a sanitized UTF-8 string (wide CJK characters count 2, zero-width 0). */
int canvas_str_width(const char *s);

#endif
