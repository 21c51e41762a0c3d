/* libFuzzer harness for the terminal sanitizer (core/text.c) and the canvas text paths that use
 * it (widgets/canvas.c): any bytes as API text. What text.h and canvas.h promise is checked:
 * - text_sanitize's output is valid UTF-8 with no C0/C1 control, ESC, DEL, bidi control or BOM,
 *   and valid printable input comes back byte for byte;
 * - text_sanitize_buf at every small size is NUL-terminated within the buffer, a prefix of the
 *   full result cut on a character boundary, and the same safe text;
 * - canvas_text and canvas_text_wrap hand the backend only safe glyphs of width 1 or 2, inside
 *   the columns asked for (maxw, w) and the clip, and no more lines than asked for. */

#include "cutover/canvas.h"
#include "cutover/text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool unsafe_cp(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c ||
           cp == 0xfeff;
}

/* Aborts unless s is valid UTF-8 without a code point a terminal would act on; returns the
 * number of characters. */
static size_t check_safe(const char *s)
{
    size_t n = strlen(s), i = 0, chars = 0;
    while (i < n) {
        unsigned cp;
        size_t l = text_utf8_decode(s + i, n - i, &cp);
        if (l == 0 || unsafe_cp(cp))
            abort();
        i += l;
        chars++;
    }
    return chars;
}

/* True when s (n bytes) is valid UTF-8 holding only what text_sanitize keeps as it is. */
static bool all_kept(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t l = text_utf8_decode(s + i, n - i, &cp);
        if (l == 0 || unsafe_cp(cp) || cp == '\\')
            return false;
        i += l;
    }
    return true;
}

struct rec {
    int h, w;
    int maxx[8]; /* per row: the first column after the last cell drawn, -1: none */
    bool cut[8]; /* the row's last glyph was the "~" mark */
};

static void rec_put(struct canvas *c, int y, int x, const char *glyph, int width, int role,
                    unsigned attr)
{
    struct rec *r = c->impl;
    (void)role;
    (void)attr;
    if (y < 0 || y >= r->h || x < 0 || x + width > r->w || (width != 1 && width != 2))
        abort();
    if (check_safe(glyph) != 1)
        abort();
    if (x < r->maxx[y]) /* text goes left to right, cells never overlap */
        abort();
    r->maxx[y] = x + width;
    r->cut[y] = strcmp(glyph, "~") == 0;
}

static const struct canvas_ops rec_ops = {.put_cell = rec_put};

static void rec_init(struct rec *r, struct canvas *c, int h, int w)
{
    memset(r, 0, sizeof *r);
    r->h = h;
    r->w = w;
    for (int i = 0; i < 8; i++)
        r->maxx[i] = -1;
    canvas_init(c, &rec_ops, r, h, w, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* first byte: the widths to draw in; the rest: the text */
    unsigned shape = data[0];
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    size_t slen = strlen(s);

    char *full = text_sanitize(s);
    size_t flen = strlen(full);
    check_safe(full);
    if (all_kept(s, slen) && strcmp(full, s) != 0)
        abort();

    char buf[64];
    for (size_t len = 1; len <= sizeof buf; len++) {
        memset(buf, 'Z', sizeof buf);
        text_sanitize_buf(s, buf, len);
        size_t blen = strnlen(buf, len);
        if (blen >= len || strncmp(buf, full, blen) != 0)
            abort();
        check_safe(buf);
        if (blen < flen) {
            /* cut on a character boundary of the full result, and only when the next piece of
             * the full result (at most "\\u202e", 6 bytes) did not fit */
            unsigned cp;
            size_t l = text_utf8_decode(full + blen, flen - blen, &cp);
            if (l == 0 || blen + 6 < len)
                abort();
        }
    }
    if (text_sanitize_buf(s, buf, 0) != buf || text_sanitize(NULL) != NULL)
        abort();

    struct rec r;
    struct canvas c;
    int w = 1 + (int)(shape % 40);
    int maxw = (int)((shape >> 3) % 50) - 1; /* -1: up to the clip edge */
    rec_init(&r, &c, 8, w);
    int used = canvas_text(&c, 0, 0, maxw, 0, 0, s);
    int limit = maxw < 0 || maxw > w ? w : maxw;
    if (used < 0 || used > limit || r.maxx[0] > limit || (used > 0 && r.maxx[0] != used))
        abort();
    /* a cut is visible: what the canvas drew from (its 2048-byte copy) wider than the columns
     * ends with the "~" mark */
    char *drawn = malloc(2048);
    text_sanitize_buf(s, drawn, 2048);
    if (limit > 0 && canvas_str_width(drawn) > limit && !r.cut[0])
        abort();
    free(drawn);

    rec_init(&r, &c, 8, w);
    int maxlines = 1 + (int)(shape >> 6);
    int lines = canvas_text_wrap(&c, 0, 0, w, maxlines, 0, 0, s);
    if (lines < 0 || lines > maxlines ||
        canvas_text_wrap(NULL, 0, 0, w, maxlines, 0, 0, s) != lines)
        abort();
    for (int y = 0; y < 8; y++)
        if (r.maxx[y] > w || (y >= lines && r.maxx[y] >= 0))
            abort();

    /* a sub-canvas clips: nothing lands outside it */
    rec_init(&r, &c, 8, 40);
    struct canvas sub = canvas_sub(&c, (struct rect){.y = 1, .x = 3, .h = 2, .w = w / 2 + 1});
    canvas_text(&sub, 0, 0, -1, 0, 0, s);
    if (r.maxx[0] >= 0 || r.maxx[1] > 3 + w / 2 + 1 || r.maxx[2] >= 0)
        abort();

    free(full);
    free(s);
    return 0;
}
