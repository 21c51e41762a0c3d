#!/bin/sh
# A credential plugin named by a relative path in relative/sub/config.
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"relative-plugin-token"}}\n'
