/* The abstract canvas: clipping, text (always sanitized), fills, lines and boxes. */
#include "cutover/canvas.h"

#include "cutover/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void canvas_init(struct canvas *c, const struct canvas_ops *ops, void *impl, int h, int w,
                 bool ascii)
{
    memset(c, 0, sizeof *c);
    c->ops = ops;
    c->impl = impl;
    c->clip = (struct rect){0, 0, h > 0 ? h : 0, w > 0 ? w : 0};
    c->ascii = ascii;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

struct canvas canvas_sub(const struct canvas *c, struct rect r)
{
    struct canvas s = *c;
    s.oy = c->oy + r.y;
    s.ox = c->ox + r.x;
    int y0 = imax(s.oy, c->clip.y), x0 = imax(s.ox, c->clip.x);
    int y1 = imin(s.oy + imax(r.h, 0), c->clip.y + c->clip.h);
    int x1 = imin(s.ox + imax(r.w, 0), c->clip.x + c->clip.w);
    s.clip = (struct rect){y0, x0, imax(y1 - y0, 0), imax(x1 - x0, 0)};
    return s;
}

int canvas_height(const struct canvas *c)
{
    return imax(c->clip.y + c->clip.h - c->oy, 0);
}

int canvas_width(const struct canvas *c)
{
    return imax(c->clip.x + c->clip.w - c->ox, 0);
}

/* Width of one code point: 0 for combining marks and zero-width characters, 2 for East Asian
 * wide and emoji ranges, else 1. Independent of the locale so tests and the program agree. */
static int cp_width(unsigned cp)
{
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200d) ||
        (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int canvas_str_width(const char *s)
{
    int w = 0;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned cp;
        size_t l = text_utf8_decode(s + i, n - i, &cp);
        if (l == 0) {
            l = 1;
            cp = '?';
        }
        w += cp_width(cp);
        i += l;
    }
    return w;
}

/* Puts one cell if it is inside the clip rectangle (a wide glyph needs both its cells). */
static void put(struct canvas *c, int y, int x, const char *glyph, int width, int role,
                unsigned attr)
{
    int ay = c->oy + y, ax = c->ox + x;
    if (ay < c->clip.y || ay >= c->clip.y + c->clip.h || ax < c->clip.x ||
        ax + width > c->clip.x + c->clip.w)
        return;
    c->ops->put_cell(c, ay, ax, glyph, width, role, attr);
}

/* Puts already-sanitized text; returns columns used. */
static int put_safe(struct canvas *c, int y, int x, int maxw, int role, unsigned attr,
                    const char *s)
{
    if (maxw < 0 || maxw > canvas_width(c) - x)
        maxw = canvas_width(c) - x;
    if (maxw <= 0)
        return 0;
    int total = canvas_str_width(s);
    int limit = total > maxw ? maxw - 1 : maxw; /* leave room for the cut mark */
    int col = 0;
    size_t n = strlen(s), i = 0;
    char glyph[8];
    while (i < n) {
        unsigned cp;
        size_t l = text_utf8_decode(s + i, n - i, &cp);
        if (l == 0) { /* cannot happen after sanitizing; be safe anyway */
            l = 1;
            cp = '?';
            glyph[0] = '?', glyph[1] = '\0';
        } else {
            memcpy(glyph, s + i, l);
            glyph[l] = '\0';
        }
        int w = cp_width(cp);
        i += l;
        if (w == 0)
            continue;
        if (col + w > limit)
            break;
        put(c, y, x + col, glyph, w, role, attr);
        col += w;
    }
    if (total > maxw) {
        put(c, y, x + col, "~", 1, role, attr);
        col++;
    }
    return col;
}

int canvas_text(struct canvas *c, int y, int x, int maxw, int role, unsigned attr, const char *s)
{
    char buf[2048];
    if (s == NULL)
        s = "?";
    text_sanitize_buf(s, buf, sizeof buf);
    return put_safe(c, y, x, maxw, role, attr, buf);
}

int canvas_text_wrap(struct canvas *c, int y, int x, int w, int maxlines, int role, unsigned attr,
                     const char *s)
{
    char buf[2048];
    text_sanitize_buf(s ? s : "?", buf, sizeof buf);
    if (w <= 0 || maxlines <= 0)
        return 0;
    const char *p = buf;
    int lines = 0;
    while (*p && lines < maxlines) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        /* the longest prefix of whole words that fits in w columns */
        const char *end = p, *last_space = NULL;
        int col = 0;
        while (*end) {
            unsigned cp;
            size_t l = text_utf8_decode(end, strlen(end), &cp);
            if (l == 0)
                l = 1, cp = '?';
            int cw = cp_width(cp);
            if (col + cw > w)
                break;
            if (cp == ' ')
                last_space = end;
            col += cw;
            end += l;
        }
        if (*end && last_space && last_space > p)
            end = last_space; /* break at the last space */
        bool last = lines == maxlines - 1;
        char line[2048];
        size_t n = (size_t)(last && *end ? strlen(p) : (size_t)(end - p));
        memcpy(line, p, n);
        line[n] = '\0';
        if (c)
            put_safe(c, y + lines, x, w, role, attr, line);
        lines++;
        p = last ? p + n : end;
    }
    return lines;
}

int canvas_textf(struct canvas *c, int y, int x, int maxw, int role, unsigned attr, const char *fmt,
                 ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return canvas_text(c, y, x, maxw, role, attr, buf);
}

int canvas_text_right(struct canvas *c, int y, int x_end, int maxw, int role, unsigned attr,
                      const char *s)
{
    char buf[2048];
    text_sanitize_buf(s ? s : "?", buf, sizeof buf);
    int w = canvas_str_width(buf);
    if (maxw >= 0 && w > maxw)
        w = maxw;
    return put_safe(c, y, x_end - w, w, role, attr, buf);
}

void canvas_fill(struct canvas *c, struct rect r, int role, unsigned attr)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            put(c, y, x, " ", 1, role, attr);
}

const char *canvas_line_glyph(const struct canvas *c, enum canvas_line piece)
{
    static const char *const utf8[] = {"\xe2\x94\x80", "\xe2\x94\x82", "\xe2\x94\x8c",
                                       "\xe2\x94\x90", "\xe2\x94\x94", "\xe2\x94\x98"};
    static const char *const ascii[] = {"-", "|", "+", "+", "+", "+"};
    return c->ascii ? ascii[piece] : utf8[piece];
}

void canvas_hline(struct canvas *c, int y, int x, int n, int role)
{
    const char *g = canvas_line_glyph(c, CANVAS_LINE_H);
    for (int i = 0; i < n; i++)
        put(c, y, x + i, g, 1, role, 0);
}

void canvas_vline(struct canvas *c, int y, int x, int n, int role)
{
    const char *g = canvas_line_glyph(c, CANVAS_LINE_V);
    for (int i = 0; i < n; i++)
        put(c, y + i, x, g, 1, role, 0);
}

void canvas_box(struct canvas *c, struct rect r, int role, const char *title, int title_role)
{
    if (r.h < 2 || r.w < 2)
        return;
    canvas_hline(c, r.y, r.x + 1, r.w - 2, role);
    canvas_hline(c, r.y + r.h - 1, r.x + 1, r.w - 2, role);
    canvas_vline(c, r.y + 1, r.x, r.h - 2, role);
    canvas_vline(c, r.y + 1, r.x + r.w - 1, r.h - 2, role);
    put(c, r.y, r.x, canvas_line_glyph(c, CANVAS_TL), 1, role, 0);
    put(c, r.y, r.x + r.w - 1, canvas_line_glyph(c, CANVAS_TR), 1, role, 0);
    put(c, r.y + r.h - 1, r.x, canvas_line_glyph(c, CANVAS_BL), 1, role, 0);
    put(c, r.y + r.h - 1, r.x + r.w - 1, canvas_line_glyph(c, CANVAS_BR), 1, role, 0);
    if (title && *title && r.w > 6) {
        put(c, r.y, r.x + 1, " ", 1, title_role, CANVAS_BOLD);
        int n = canvas_text(c, r.y, r.x + 2, r.w - 5, title_role, CANVAS_BOLD, title);
        put(c, r.y, r.x + 2 + n, " ", 1, title_role, CANVAS_BOLD);
    }
}
