/* EKS token minting (see include/cutover/aws_eks_token.h). */
#include "cutover/aws_eks_token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cutover/xalloc.h"

char *aws_eks_token_base64url(const void *data, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    int len = n ? EVP_EncodeBlock((unsigned char *)out, data, (int)n) : 0;
    if (len < 0)
        fatal("aws_eks_token: base64 failed");
    out[len] = '\0';
    while (len > 0 && out[len - 1] == '=')
        out[--len] = '\0';
    for (char *c = out; *c; c++) {
        if (*c == '+')
            *c = '-';
        else if (*c == '/')
            *c = '_';
    }
    return out;
}

int aws_eks_token_mint(const char *cluster, const char *region, const char *endpoint,
                       const struct aws_sigv4_creds *creds, time_t when, char **token_out,
                       time_t *expires_out, struct error *err)
{
    *token_out = NULL;
    if (!cluster || !*cluster) {
        error_set(err, "eks token: no cluster name");
        return -1;
    }
    if (!region || !*region) {
        error_set(err, "eks token: no region (set AWS_REGION or the profile's region)");
        return -1;
    }
    char *base = endpoint ? xstrdup(endpoint) : xasprintf("https://sts.%s.amazonaws.com", region);
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        base[--blen] = '\0';
    char *url = xasprintf("%s/?Action=GetCallerIdentity&Version=2011-06-15", base);
    free(base);

    struct aws_sigv4_header hdr = {"x-k8s-aws-id", cluster};
    struct aws_sigv4_request req = {.method = "GET", .url = url, .headers = &hdr, .n_headers = 1};
    struct aws_sigv4_opts opts = {
        .service = "sts", .region = region, .when = when, .expires = AWS_EKS_TOKEN_URL_EXPIRES};
    struct aws_sigv4_result res;
    int rc = aws_sigv4_presign(&req, &opts, creds, &res, err);
    free(url);
    if (rc < 0)
        return rc;
    char *b64 = aws_eks_token_base64url(res.url, strlen(res.url));
    *token_out = xasprintf("k8s-aws-v1.%s", b64);
    free(b64);
    aws_sigv4_result_fini(&res);
    if (expires_out)
        *expires_out = when + AWS_EKS_TOKEN_LIFETIME;
    return 0;
}
