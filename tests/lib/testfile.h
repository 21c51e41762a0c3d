#ifndef CUTOVER_TESTFILE_H
#define CUTOVER_TESTFILE_H

/* Reading whole files in tests: fixtures, corpus files, what a plugin wrote. */

#include <stddef.h>

/* The whole file at path, NUL-terminated, with its length in *len (len may be NULL), or NULL
 * when it cannot be read. The caller frees it. */
char *test_file_read(const char *path, size_t *len);
/* test_file_read, failing the test with the path when the file cannot be read. */
char *test_file_must_read(const char *path, size_t *len);
/* test_file_must_read of $CUTOVER_FIXTURES/rel. */
char *test_fixture_read(const char *rel, size_t *len);

#endif
