#ifndef CUTOVER_XALLOC_H
#define CUTOVER_XALLOC_H

#include <stddef.h>

/* Allocation that never returns NULL: out of memory runs the fatal hook (which restores the
 * terminal) and aborts. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of nmemb elements of size bytes, checking for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* xstrdup that passes NULL through. */
char *xstrdup_null(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Aborts with a message after running the fatal hook: for bugs such as a failed pthread call. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the function fatal() and out-of-memory run first (the TUI uses it to call endwin()). */
void xalloc_set_fatal_hook(void (*hook)(void));

/* pthread wrappers that treat failure as the bug it is. */
#define XPTHREAD(call)                                                                             \
    do {                                                                                           \
        int xpt_rc_ = (call);                                                                      \
        if (xpt_rc_ != 0)                                                                          \
            fatal("%s:%d: %s failed: %d", __FILE__, __LINE__, #call, xpt_rc_);                     \
    } while (0)

#endif
