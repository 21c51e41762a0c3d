#ifndef CUTOVER_TEXT_H
#define CUTOVER_TEXT_H

/* Making API text safe for a terminal: every string that came from a cluster, AWS or HAProxy
 * passes through here before it is drawn or printed. */

#include <stddef.h>

/* Copies s into a new string in which nothing can drive the terminal: C0 and C1 control
 * characters (ESC included), DEL, bidirectional overrides and invalid UTF-8 become visible
 * escapes ("\x1b", "\u202e", "\xff"); tab and newline become "\t" and "\n". Valid printable
 * UTF-8 is kept. NULL gives NULL. */
char *text_sanitize(const char *s);

/* The same into buf (always NUL-terminated, truncated on a character boundary); returns buf. */
char *text_sanitize_buf(const char *s, char *buf, size_t len);

/* Decodes one UTF-8 sequence at s (n bytes available): returns its length (1-4) and the code
 * point in *cp, or 0 for an invalid or truncated sequence. */
size_t text_utf8_decode(const char *s, size_t n, unsigned *cp);

/* The value 0-15 of the hex digit c (either case), or -1 (added by dedupe). */
int text_hex_digit(char c);

#endif
