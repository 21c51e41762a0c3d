#ifndef CUTOVER_SIM_TLS_H
#define CUTOVER_SIM_TLS_H

/* A throw-away CA and a server certificate for 127.0.0.1 / localhost, made at start with
 * libcrypto and handed to libmicrohttpd as PEM. */

#include "cutover/error.h"

struct sim_tls {
    char *ca_pem;   /* the CA certificate (goes into the kubeconfig) */
    char *cert_pem; /* the server certificate, signed by the CA */
    char *key_pem;  /* the server's private key (PKCS#8) */
};

/* Generates the CA and the server certificate (P-256, SAN IP:127.0.0.1 and DNS:localhost). */
int sim_tls_generate(struct sim_tls *tls, struct error *err);
/* Frees the PEM strings (the key is wiped first). */
void sim_tls_fini(struct sim_tls *tls);
/* Base64 (standard alphabet, no newlines) of n bytes; caller frees. */
char *sim_tls_base64(const void *data, size_t n);
/* n random bytes as lowercase hex (2n chars); caller frees. */
char *sim_tls_random_hex(size_t n);

#endif
