#!/bin/sh
# Prints a v1beta1 ExecCredential with a token and an expiry, like `aws eks get-token`.
printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{},"status":{"expirationTimestamp":"2030-01-02T03:04:05Z","token":"k8s-aws-v1.test-token-%s"}}\n' "$1"
