#ifndef CUTOVER_CANVAS_GRID_H
#define CUTOVER_CANVAS_GRID_H

/* The in-memory canvas: a grid of cells that tests draw widgets on and compare, as text, with
 * golden files (the .txt files in tests/golden/). */

#include "cutover/canvas.h"

struct canvas_grid;

/* A new h x w grid of blank cells; *c is set up to draw into it (ascii: line style). */
struct canvas_grid *canvas_grid_new(int h, int w, bool ascii, struct canvas *c);
/* Frees the grid; NULL does nothing. */
void canvas_grid_free(struct canvas_grid *g);
/* Blanks every cell. */
void canvas_grid_clear(struct canvas_grid *g);
/* The grid as UTF-8 text, one line per row, trailing blanks removed; caller frees. */
char *canvas_grid_text(const struct canvas_grid *g);
/* One row as text (trailing blanks removed) into buf; returns buf. */
char *canvas_grid_row(const struct canvas_grid *g, int y, char *buf, size_t len);
/* The role and attributes of one cell (for tests of how something is drawn); -1 outside. */
int canvas_grid_role(const struct canvas_grid *g, int y, int x, unsigned *attr);
/* Finds the first occurrence of needle; returns 0 and its row/column (in cells), or -1. */
int canvas_grid_find(const struct canvas_grid *g, const char *needle, int *y, int *x);

#endif
