#include "sim_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"

void sim_buf_reserve(struct sim_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void sim_buf_add(struct sim_buf *b, const void *p, size_t n)
{
    sim_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sim_buf_adds(struct sim_buf *b, const char *s)
{
    sim_buf_add(b, s, strlen(s));
}

void sim_buf_addf(struct sim_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sim_buf_add(b, tmp, (size_t)n);
        return;
    }
    sim_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sim_buf_add_jstr(struct sim_buf *b, const char *s)
{
    if (!s) {
        sim_buf_add(b, "null", 4);
        return;
    }
    size_t n = strlen(s);
    sim_buf_reserve(b, n * 6 + 2);
    char *o = b->data + b->len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (c == '\r') {
            *o++ = '\\';
            *o++ = 'r';
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void sim_buf_add_u64(struct sim_buf *b, uint64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sim_buf_add(b, tmp + i, sizeof tmp - (size_t)i);
}

void sim_buf_add_time(struct sim_buf *b, time_t t)
{
    struct tm tm;
    char tmp[40];
    gmtime_r(&t, &tm);
    size_t n = strftime(tmp, sizeof tmp, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    sim_buf_add(b, tmp, n);
}

char *sim_buf_take(struct sim_buf *b)
{
    if (!b->data)
        return xstrdup("");
    char *d = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void sim_buf_clear(struct sim_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sim_buf_fini(struct sim_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void sim_age_format(time_t s, char *out, size_t len)
{
    if (s < -1) {
        snprintf(out, len, "<invalid>");
        return;
    }
    if (s < 0)
        s = 0;
    long long sec = (long long)s, min = sec / 60, h = sec / 3600, d = h / 24;
    if (sec < 120)
        snprintf(out, len, "%llds", sec);
    else if (min < 10 && sec % 60)
        snprintf(out, len, "%lldm%llds", min, sec % 60);
    else if (min < 180)
        snprintf(out, len, "%lldm", min);
    else if (h < 8 && min % 60)
        snprintf(out, len, "%lldh%lldm", h, min % 60);
    else if (h < 48)
        snprintf(out, len, "%lldh", h);
    else if (h < 24 * 8 && h % 24)
        snprintf(out, len, "%lldd%lldh", d, h % 24);
    else if (h < 24 * 365 * 2)
        snprintf(out, len, "%lldd", d);
    else if (h < 24 * 365 * 8 && d % 365)
        snprintf(out, len, "%lldy%lldd", d / 365, d % 365);
    else
        snprintf(out, len, "%lldy", d / 365);
}
