/* Keyed hashes of secret values (HMAC-SHA-256, per-process random key) and wiping. */
#include "cutover/secret_hash.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static unsigned char hash_key[32]; /* written once under hash_once, read-only after */
static int hash_key_ok;            /* hash_once */
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
    hash_key_ok = RAND_bytes(hash_key, sizeof hash_key) == 1;
}

int secret_hash_init(void)
{
    pthread_once(&hash_once, make_key);
    return hash_key_ok ? 0 : -1;
}

void secret_hash(const void *data, size_t len, unsigned char out[SECRET_HASH_LEN])
{
    if (secret_hash_init() < 0) {
        fputs("cutover: no random key for secret hashing; stopping\n", stderr);
        abort();
    }
    unsigned int n = SECRET_HASH_LEN;
    static const unsigned char empty = 0;
    if (!HMAC(EVP_sha256(), hash_key, (int)sizeof hash_key, len ? data : &empty, len, out, &n) ||
        n != SECRET_HASH_LEN) {
        fputs("cutover: HMAC-SHA-256 failed; stopping\n", stderr);
        abort();
    }
}

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int secret_hash_b64(const char *b64, size_t len, unsigned char out[SECRET_HASH_LEN])
{
    while (len > 0 && b64[len - 1] == '=')
        len--;
    unsigned char stackbuf[512];
    size_t cap = len / 4 * 3 + 3;
    unsigned char *buf = cap <= sizeof stackbuf ? stackbuf : malloc(cap);
    if (!buf) {
        fputs("cutover: out of memory\n", stderr);
        abort();
    }
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0, rc = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_val((unsigned char)b64[i]);
        if (v < 0) {
            rc = -1;
            break;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (rc == 0 && len % 4 == 1)
        rc = -1;
    if (rc == 0)
        secret_hash(buf, n, out);
    else
        secret_hash(b64, len, out);
    acc = 0;
    secret_hash_wipe(&acc, sizeof acc);
    secret_hash_wipe(buf, n);
    if (buf != stackbuf)
        free(buf);
    return rc;
}

bool secret_hash_equal(const unsigned char a[SECRET_HASH_LEN],
                       const unsigned char b[SECRET_HASH_LEN])
{
    return CRYPTO_memcmp(a, b, SECRET_HASH_LEN) == 0;
}

void secret_hash_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

void secret_hash_free_str(char *s)
{
    if (!s)
        return;
    secret_hash_wipe(s, strlen(s));
    free(s);
}
