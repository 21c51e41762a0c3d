#include "sim_tls.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cutover/xalloc.h"

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool ca)
{
    X509 *c = X509_new();
    if (!c)
        return NULL;
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        goto bad;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn)
        goto bad;
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
    BN_free(bn);
    X509_set_version(c, 2);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 365L * 24 * 3600);
    X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"cutover-sim", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509 *iss = issuer ? issuer : c;
    if (add_ext(c, iss, NID_subject_key_identifier, "hash") < 0)
        goto bad;
    if (ca) {
        if (add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
            add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") < 0)
            goto bad;
    } else {
        if (add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
            add_ext(c, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
            add_ext(c, iss, NID_ext_key_usage, "serverAuth") < 0 ||
            add_ext(c, iss, NID_authority_key_identifier, "keyid:always") < 0 ||
            add_ext(c, iss, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") < 0)
            goto bad;
    }
    if (!X509_sign(c, signer, EVP_sha256()))
        goto bad;
    return c;
bad:
    X509_free(c);
    return NULL;
}

static char *bio_string(BIO *bio)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    return s;
}

static char *cert_pem(X509 *c)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, c);
    char *s = bio_string(bio);
    BIO_free(bio);
    return s;
}

int sim_tls_generate(struct sim_tls *tls, struct error *err)
{
    memset(tls, 0, sizeof *tls);
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *srv_key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *srv = NULL;
    int rc = -1;
    if (!ca_key || !srv_key) {
        error_set(err, "tls: cannot generate a P-256 key");
        goto out;
    }
    ca = make_cert(ca_key, ca_key, NULL, "cutover-sim CA", true);
    srv = ca ? make_cert(srv_key, ca_key, ca, "127.0.0.1", false) : NULL;
    if (!ca || !srv) {
        error_set(err, "tls: cannot make the certificates");
        goto out;
    }
    tls->ca_pem = cert_pem(ca);
    tls->cert_pem = cert_pem(srv);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, srv_key, NULL, NULL, 0, NULL, NULL);
    tls->key_pem = bio_string(bio);
    BIO_free(bio);
    rc = 0;
out:
    X509_free(ca);
    X509_free(srv);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
    return rc;
}

void sim_tls_fini(struct sim_tls *tls)
{
    if (tls->key_pem)
        OPENSSL_cleanse(tls->key_pem, strlen(tls->key_pem));
    free(tls->key_pem);
    free(tls->cert_pem);
    free(tls->ca_pem);
    memset(tls, 0, sizeof *tls);
}

char *sim_tls_base64(const void *data, size_t n)
{
    unsigned char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock(out, data, (int)n);
    return (char *)out;
}

char *sim_tls_random_hex(size_t n)
{
    unsigned char *raw = xmalloc(n);
    if (RAND_bytes(raw, (int)n) != 1)
        fatal("RAND_bytes failed");
    char *hex = xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    free(raw);
    return hex;
}
