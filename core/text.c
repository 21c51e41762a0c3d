#include "cutover/text.h"

#include "cutover/xalloc.h"

#include <stdio.h>
#include <string.h>

size_t text_utf8_decode(const char *s, size_t n, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    unsigned c = u[0];
    size_t len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, min = 0x80, c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, min = 0x800, c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int unsafe_cp(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c ||
           cp == 0xfeff;
}

/* Appends the safe form of s to out (cap bytes incl. NUL); returns the length needed. */
static size_t sanitize_into(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), i = 0, o = 0;
    char esc[16];
    while (i < n) {
        unsigned cp;
        size_t l = text_utf8_decode(s + i, n - i, &cp);
        const char *piece;
        size_t plen;
        if (l == 0) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)s[i]);
            piece = esc, plen = 4, l = 1;
        } else if (cp == '\n') {
            piece = "\\n", plen = 2;
        } else if (cp == '\t') {
            piece = "\\t", plen = 2;
        } else if (unsafe_cp(cp)) {
            if (cp < 0x100)
                plen = (size_t)snprintf(esc, sizeof esc, "\\x%02x", cp);
            else
                plen = (size_t)snprintf(esc, sizeof esc, "\\u%04x", cp);
            piece = esc;
        } else {
            piece = s + i, plen = l;
        }
        if (out && o + plen < cap)
            memcpy(out + o, piece, plen);
        else if (out && o < cap)
            cap = o + 1; /* stop at a character boundary: nothing later fits either */
        o += plen;
        i += l;
    }
    if (out && cap)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

char *text_sanitize(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t need = sanitize_into(s, NULL, 0);
    char *out = xmalloc(need + 1);
    sanitize_into(s, out, need + 1);
    return out;
}

char *text_sanitize_buf(const char *s, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (s == NULL) {
        buf[0] = '\0';
        return buf;
    }
    sanitize_into(s, buf, len);
    return buf;
}

int text_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
