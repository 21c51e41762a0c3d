#include "testfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *test_file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t n = 0, cap = 4096;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *test_file_must_read(const char *path, size_t *len)
{
    char *buf = test_file_read(path, len);
    if (buf == NULL)
        fail_msg("cannot read %s", path);
    return buf;
}

char *test_fixture_read(const char *rel, size_t *len)
{
    const char *dir = getenv("CUTOVER_FIXTURES");
    if (dir == NULL)
        fail_msg("CUTOVER_FIXTURES is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return test_file_must_read(path, len);
}
