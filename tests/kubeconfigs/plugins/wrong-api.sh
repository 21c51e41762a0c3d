#!/bin/sh
# Configured as v1beta1 in exec-plugins.yaml but answers in v1.
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}\n'
