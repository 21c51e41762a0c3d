#ifndef CUTOVER_AWS_EKS_TOKEN_H
#define CUTOVER_AWS_EKS_TOKEN_H

/* The EKS bearer token, minted without the aws CLI: a presigned STS GetCallerIdentity URL that
 * signs the x-k8s-aws-id header, as "k8s-aws-v1." + unpadded base64url of the URL. */

#include <time.h>

#include "cutover/aws_sigv4.h"
#include "cutover/error.h"

/* Seconds the presigned URL is valid for (X-Amz-Expires), as aws-iam-authenticator uses. */
#define AWS_EKS_TOKEN_URL_EXPIRES 60
/* The token is reported valid for 14 minutes, as `aws eks get-token` says. */
#define AWS_EKS_TOKEN_LIFETIME (14 * 60)

/* Mints the token for cluster (name or id) in region at time when. endpoint is the STS base
 * URL ("https://sts.REGION.amazonaws.com" when NULL; a loopback URL in tests). On success
 * *token_out is a new string and *expires_out (if not NULL) when + AWS_EKS_TOKEN_LIFETIME. */
int aws_eks_token_mint(const char *cluster, const char *region, const char *endpoint,
                       const struct aws_sigv4_creds *creds, time_t when, char **token_out,
                       time_t *expires_out, struct error *err);

/* Unpadded base64url of n bytes, a new string (exported for tests). */
char *aws_eks_token_base64url(const void *data, size_t n);

#endif
