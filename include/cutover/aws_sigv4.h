#ifndef CUTOVER_AWS_SIGV4_H
#define CUTOVER_AWS_SIGV4_H

/* AWS Signature Version 4: canonical request, string to sign and signature, for an
 * Authorization header or a presigned URL. The rules are botocore's (SigV4Auth and
 * SigV4QueryAuth), checked against the AWS test suite and differentially against botocore. */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cutover/error.h"

/* Borrowed view of a key pair; session_token NULL (or "") when there is none. */
struct aws_sigv4_creds {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

struct aws_sigv4_header {
    const char *name;
    const char *value;
};

/* The request to sign. url is "scheme://host[:port]/path[?query]" as it will be sent; the path
 * is URI-encoded once more for the canonical request (as AWS expects for every service but S3),
 * the query is decoded and re-encoded. Repeated header names are joined with ','. */
struct aws_sigv4_request {
    const char *method;
    const char *url;
    const struct aws_sigv4_header *headers;
    size_t n_headers;
    const void *body;
    size_t body_len;
    /* Hex SHA-256 of the body or "UNSIGNED-PAYLOAD"; NULL takes an X-Amz-Content-SHA256
     * header's value, or else computes it from body. */
    const char *payload_hash;
};

struct aws_sigv4_opts {
    const char *service;
    const char *region;
    time_t when;
    /* S3 rules: the path is taken as given (no dot-segment removal, no second encoding). */
    bool s3;
    /* Presigned URLs: X-Amz-Expires in seconds (0 means 3600, botocore's default). */
    long expires;
};

/* What signing produced; every string is owned and released by aws_sigv4_result_fini(). */
struct aws_sigv4_result {
    char *canonical_request;
    char *string_to_sign;
    char *signature;      /* 64 hex digits */
    char *signed_headers; /* "host;x-amz-date" */
    char *amz_date;       /* "20150830T123600Z": send as X-Amz-Date (header signing) */
    char *authorization;  /* header signing: the Authorization value; NULL when presigning */
    char *url;            /* presigning: the URL to use; NULL when header signing */
};

/* Signs req for an Authorization header. The caller sends X-Amz-Date: amz_date, then
 * X-Amz-Security-Token when creds has one (both are signed), and Authorization. Headers named
 * Authorization and X-Amz-Date in req (and X-Amz-Security-Token when creds has a token) are
 * replaced, not signed twice; User-Agent, Expect and X-Amzn-Trace-Id are sent unsigned, as
 * botocore does. */
int aws_sigv4_sign(const struct aws_sigv4_request *req, const struct aws_sigv4_opts *opts,
                   const struct aws_sigv4_creds *creds, struct aws_sigv4_result *out,
                   struct error *err);

/* Presigns req: out->url is req->url with the X-Amz-* query parameters added (the caller's
 * parameters first, in their order, then Algorithm, Credential, Date, Expires, SignedHeaders,
 * Security-Token, Signature). The payload hash is UNSIGNED-PAYLOAD for S3 and the body's hash
 * (of nothing, for a GET) otherwise, as botocore's SigV4QueryAuth computes it. */
int aws_sigv4_presign(const struct aws_sigv4_request *req, const struct aws_sigv4_opts *opts,
                      const struct aws_sigv4_creds *creds, struct aws_sigv4_result *out,
                      struct error *err);

/* Frees the strings of a result (a zeroed result is fine) and zeroes it. */
void aws_sigv4_result_fini(struct aws_sigv4_result *res);

/* URI-encodes n bytes of s the AWS way: A-Z a-z 0-9 - _ . ~ kept, everything else %XX
 * (uppercase), '/' kept when keep_slash. Returns a new string. */
char *aws_sigv4_uri_encode(const char *s, size_t n, bool keep_slash);

/* Hex SHA-256 of n bytes into out (65 bytes with the NUL). */
void aws_sigv4_sha256_hex(const void *data, size_t n, char out[65]);

/* Formats t as the SigV4 timestamp "YYYYMMDDTHHMMSSZ" into out (17 bytes). */
void aws_sigv4_timestamp(time_t t, char out[17]);

#endif
