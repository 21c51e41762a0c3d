#include "cutover/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
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

/* Replaces the value after each marker (up to whitespace, '&', '"', ',' or ';') with <redacted>. */
static void redact_after(char *s, const char *marker)
{
    size_t mlen = strlen(marker);
    char *p = s;
    while ((p = strcasestr(p, marker)) != NULL) {
        char *v = p + mlen;
        char *end = v;
        while (*end && !isspace((unsigned char)*end) && *end != '&' && *end != '"' && *end != ',' &&
               *end != ';' && *end != '\'')
            end++;
        static const char mask[] = "<redacted>";
        if (end - v <= 0 || strncmp(v, mask, sizeof mask - 1) == 0) {
            p = v;
            continue;
        }
        size_t mlen2 = sizeof mask - 1;
        size_t tail = strlen(end);
        if ((size_t)(end - v) >= mlen2) {
            memcpy(v, mask, mlen2);
            memmove(v + mlen2, end, tail + 1);
        } else {
            /* Shorter than the mask: stars keep the line's length. */
            memset(v, '*', (size_t)(end - v));
        }
        p = v + 1;
    }
}

void log_redact(char *s)
{
    static const char *const markers[] = {
        "Bearer ",
        "token=",
        "token\":\"",
        "password=",
        "secret=",
        "X-Amz-Signature=",
        "X-Amz-Security-Token=",
        "Signature=",
        "aws_secret_access_key=",
        "SecretAccessKey\":\"",
        "SessionToken\":\"",
        "k8s-aws-v1.",
    };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        redact_after(s, markers[i]);
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
