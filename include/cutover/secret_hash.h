#ifndef CUTOVER_SECRET_HASH_H
#define CUTOVER_SECRET_HASH_H

/* Keyed hashes of secret values: HMAC-SHA-256 with a random key made once per process (from the
 * OS's random source, never written anywhere), so two values can be compared for equality
 * without keeping either, and a hash seen outside the process says nothing about the value.
 * Every buffer that held a value is wiped with secret_hash_wipe as soon as it has been hashed. */

#include <stdbool.h>
#include <stddef.h>

#define SECRET_HASH_LEN 32

/* Makes the process key now (it is otherwise made at the first hash); 0, or -1 when the random
 * source failed (then every hash call aborts the process rather than use a weak key). */
int secret_hash_init(void);
/* The keyed hash of len bytes of data into out. */
void secret_hash(const void *data, size_t len, unsigned char out[SECRET_HASH_LEN]);
/* The keyed hash of the bytes that the base64 text b64 (standard alphabet, padding optional,
 * no whitespace) decodes to; the decoded bytes are wiped. Returns 0, or -1 when b64 is not
 * base64 (out is then the hash of the text itself, so the value still compares). */
int secret_hash_b64(const char *b64, size_t len, unsigned char out[SECRET_HASH_LEN]);
/* Whether two hashes are equal (constant time). */
bool secret_hash_equal(const unsigned char a[SECRET_HASH_LEN],
                       const unsigned char b[SECRET_HASH_LEN]);
/* Overwrites n bytes at p with zeros in a way the compiler may not drop; NULL does nothing. */
void secret_hash_wipe(void *p, size_t n);
/* Wipes a NUL-terminated string in place and frees it; NULL does nothing. */
void secret_hash_free_str(char *s);

#endif
