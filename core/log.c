#include "cutover/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;               /* guarded by log_mu */
static char log_file_path[PATH_MAX]; /* guarded by log_mu */
static int log_level_min = -1;       /* guarded by log_mu */

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -errno;
        }
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int log_open(const char *path)
{
    char buf[PATH_MAX];
    if (path == NULL) {
        const char *state = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");
        char dir[PATH_MAX - 32];
        if (state && *state)
            snprintf(dir, sizeof dir, "%s/cutover", state);
        else
            snprintf(dir, sizeof dir, "%s/.local/state/cutover", home ? home : "/tmp");
        int rc = mkdir_p(dir);
        if (rc < 0)
            return rc;
        snprintf(buf, sizeof buf, "%s/cutover.log", dir);
        path = buf;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    (void)fchmod(fd, 0600);
    FILE *f = fdopen(fd, "a");
    if (f == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    pthread_mutex_lock(&log_mu);
    if (log_file)
        fclose(log_file);
    log_file = f;
    snprintf(log_file_path, sizeof log_file_path, "%s", path);
    pthread_mutex_unlock(&log_mu);
    return 0;
}

void log_close(void)
{
    pthread_mutex_lock(&log_mu);
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    log_file_path[0] = '\0';
    pthread_mutex_unlock(&log_mu);
}

const char *log_path(void)
{
    /* The path only changes in log_open/log_close, which the main thread calls. */
    return log_file_path[0] ? log_file_path : NULL;
}

void log_set_level(enum log_level level)
{
    pthread_mutex_lock(&log_mu);
    log_level_min = (int)level;
    pthread_mutex_unlock(&log_mu);
}

static const char redact_mask[] = "<redacted>";

/* Masks the value v..end in place: "<redacted>" when it is at least as long, else stars (the
 * line keeps its length). Returns where scanning goes on. */
static char *mask_span(char *v, char *end)
{
    size_t mlen = sizeof redact_mask - 1, vlen = (size_t)(end - v);
    if (vlen == 0 || strncmp(v, redact_mask, mlen) == 0)
        return end;
    if (vlen >= mlen) {
        memcpy(v, redact_mask, mlen);
        memmove(v + mlen, end, strlen(end) + 1);
        return v + mlen;
    }
    memset(v, '*', vlen);
    return end;
}

static bool value_end(char c)
{
    return c == '\0' || isspace((unsigned char)c) || c == '&' || c == '"' || c == ',' || c == ';' ||
           c == '\'' || c == '}' || c == ']';
}

/* Replaces the value right after each marker (up to whitespace, '&', '"', ',', ';', quote or a
 * closing bracket) with <redacted>. */
static void redact_after(char *s, const char *marker)
{
    size_t mlen = strlen(marker);
    char *p = s;
    while ((p = strcasestr(p, marker)) != NULL) {
        char *v = p + mlen, *end = v;
        while (!value_end(*end))
            end++;
        p = mask_span(v, end);
    }
}

static bool key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Masks the value of each `key` as credentials are written in JSON (compact or json-c's spaced
 * form), YAML, INI files, headers and query strings: the key as a whole word (any case,
 * optionally quoted), then ':' or '=' with any spaces around, then the value (optionally
 * quoted). */
static void redact_key(char *s, const char *key)
{
    size_t klen = strlen(key);
    char *p = s;
    while ((p = strcasestr(p, key)) != NULL) {
        char *k = p;
        p += klen;
        if ((k > s && key_char(k[-1])) || key_char(*p))
            continue;
        char *q = p;
        if (*q == '"' || *q == '\'')
            q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':' && *q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
        if (*q == '"' || *q == '\'')
            q++;
        if (*q == '{' || *q == '[')
            continue; /* an object or list, not a value */
        char *end = q;
        while (!value_end(*end))
            end++;
        if (end > q && end[-1] == ':') {
            p = q; /* "token:" after a label "...token:": a key, not a value */
            continue;
        }
        p = mask_span(q, end);
    }
}

/* Masks the password of URLs with user information: scheme://user:PASSWORD@host. */
static void redact_userinfo(char *s)
{
    char *p = s;
    while ((p = strstr(p, "://")) != NULL) {
        char *a = p + 3, *e = a;
        while (*e && *e != '/' && !isspace((unsigned char)*e) && *e != '"')
            e++;
        char *at = NULL;
        for (char *c = a; c < e; c++)
            if (*c == '@')
                at = c;
        char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
        p = colon ? mask_span(colon + 1, at) : e;
    }
}

void log_redact(char *s)
{
    static const char *const markers[] = {"Bearer ", "Basic ", "k8s-aws-v1."};
    /* the specific names first: a generic one ("token: ...") could take a specific key that
     * follows it for its value and leave that key's own value behind */
    static const char *const keys[] = {
        "x-amz-sso_bearer_token",
        "X-Amz-Security-Token",
        "aws_secret_access_key",
        "aws_session_token",
        "X-Amz-Signature",
        "client-key-data",
        "SecretAccessKey",
        "client-secret",
        "refreshToken",
        "SessionToken",
        "accessToken",
        "id-token",
        "Signature",
        "password",
        "passwd",
        "secret",
        "token",
    };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        redact_after(s, markers[i]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        redact_key(s, keys[i]);
    redact_userinfo(s);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_redact(line);
    /* Control characters from API text never reach a log line raw. */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';

    pthread_mutex_lock(&log_mu);
    if (log_level_min < 0)
        log_level_min = getenv("CUTOVER_DEBUG") ? LOG_DEBUG : LOG_INFO;
    if ((int)level < log_level_min) {
        pthread_mutex_unlock(&log_mu);
        return;
    }
    FILE *out = log_file ? log_file : stderr;
    if (log_file) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        fprintf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s\n", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                names[level], line);
    } else {
        fprintf(out, "cutover: %s%s%s\n", level >= LOG_WARN ? names[level] : "",
                level >= LOG_WARN ? ": " : "", line);
    }
    pthread_mutex_unlock(&log_mu);
}
