#include "cutover/error.h"

#include "cutover/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void error_set(struct error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->file[0] = '\0';
    err->line = 0;
    err->col = 0;
}

void error_set_at(struct error *err, const char *file, int line, int col, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
}

const char *error_format(const struct error *err, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (err == NULL) {
        buf[0] = '\0';
        return buf;
    }
    if (err->file[0] && err->line > 0)
        snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
    else if (err->file[0])
        snprintf(buf, len, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, len, "%s", err->msg);
    return buf;
}

void error_clear(struct error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

void error_sanitize(struct error *err)
{
    if (err == NULL)
        return;
    char buf[sizeof err->msg];
    text_sanitize_buf(err->msg, buf, sizeof buf);
    memcpy(err->msg, buf, sizeof buf);
    char fbuf[sizeof err->file];
    text_sanitize_buf(err->file, fbuf, sizeof fbuf);
    memcpy(err->file, fbuf, sizeof fbuf);
}
