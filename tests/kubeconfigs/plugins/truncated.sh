#!/bin/sh
# A credential cut in the middle: the error must not quote the token it carries.
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"SECRET-TOKEN-DO-NOT-PRINT'
