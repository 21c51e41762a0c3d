/* The in-memory canvas for tests and golden files. */
#include "cutover/canvas_grid.h"

#include "cutover/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct grid_cell {
    char glyph[8]; /* "" for the second half of a wide glyph */
    int role;
    unsigned attr;
};

struct canvas_grid {
    int h, w;
    struct grid_cell *cells;
};

static void grid_put(struct canvas *c, int y, int x, const char *glyph, int width, int role,
                     unsigned attr)
{
    struct canvas_grid *g = c->impl;
    if (y < 0 || y >= g->h || x < 0 || x + width > g->w)
        return;
    struct grid_cell *cell = &g->cells[y * g->w + x];
    size_t l = strlen(glyph);
    if (l >= sizeof cell->glyph)
        l = sizeof cell->glyph - 1;
    memcpy(cell->glyph, glyph, l);
    cell->glyph[l] = '\0';
    cell->role = role;
    cell->attr = attr;
    if (width == 2) {
        cell[1].glyph[0] = '\0';
        cell[1].role = role;
        cell[1].attr = attr;
    }
}

static const struct canvas_ops grid_ops = {.put_cell = grid_put};

struct canvas_grid *canvas_grid_new(int h, int w, bool ascii, struct canvas *c)
{
    struct canvas_grid *g = xcalloc(1, sizeof *g);
    g->h = h > 0 ? h : 0;
    g->w = w > 0 ? w : 0;
    g->cells = xcalloc((size_t)g->h * (size_t)g->w + 1, sizeof *g->cells);
    canvas_grid_clear(g);
    canvas_init(c, &grid_ops, g, g->h, g->w, ascii);
    return g;
}

void canvas_grid_free(struct canvas_grid *g)
{
    if (g == NULL)
        return;
    free(g->cells);
    free(g);
}

void canvas_grid_clear(struct canvas_grid *g)
{
    for (int i = 0; i < g->h * g->w; i++) {
        strcpy(g->cells[i].glyph, " ");
        g->cells[i].role = 0;
        g->cells[i].attr = 0;
    }
}

char *canvas_grid_row(const struct canvas_grid *g, int y, char *buf, size_t len)
{
    size_t o = 0, keep = 0;
    if (len == 0)
        return buf;
    for (int x = 0; y >= 0 && y < g->h && x < g->w; x++) {
        const char *gl = g->cells[y * g->w + x].glyph;
        size_t l = strlen(gl);
        if (o + l + 1 > len)
            break;
        memcpy(buf + o, gl, l);
        o += l;
        if (strcmp(gl, " ") != 0)
            keep = o;
    }
    buf[keep] = '\0';
    return buf;
}

char *canvas_grid_text(const struct canvas_grid *g)
{
    size_t cap = (size_t)g->h * ((size_t)g->w * 8 + 1) + 1, o = 0;
    char *out = xmalloc(cap);
    char *row = xmalloc((size_t)g->w * 8 + 1);
    for (int y = 0; y < g->h; y++) {
        canvas_grid_row(g, y, row, (size_t)g->w * 8 + 1);
        size_t l = strlen(row);
        memcpy(out + o, row, l);
        o += l;
        out[o++] = '\n';
    }
    out[o] = '\0';
    free(row);
    return out;
}

int canvas_grid_role(const struct canvas_grid *g, int y, int x, unsigned *attr)
{
    if (y < 0 || y >= g->h || x < 0 || x >= g->w)
        return -1;
    if (attr)
        *attr = g->cells[y * g->w + x].attr;
    return g->cells[y * g->w + x].role;
}

int canvas_grid_find(const struct canvas_grid *g, const char *needle, int *y, int *x)
{
    size_t rl = (size_t)g->w * 8 + 1;
    char *row = xmalloc(rl);
    for (int r = 0; r < g->h; r++) {
        canvas_grid_row(g, r, row, rl);
        char *p = strstr(row, needle);
        if (p) {
            /* convert the byte offset into a cell column */
            int col = 0;
            for (const char *q = row; q < p; q++)
                if (((unsigned char)*q & 0xc0) != 0x80)
                    col++;
            if (y)
                *y = r;
            if (x)
                *x = col;
            free(row);
            return 0;
        }
    }
    free(row);
    return -1;
}
