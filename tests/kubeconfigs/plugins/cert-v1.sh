#!/bin/sh
# Prints a v1 ExecCredential carrying a client certificate and key (PEM, JSON-escaped).
dir=$(dirname "$0")/../certs
esc() { sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g' "$1"; }
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"%s\\n","clientKeyData":"%s\\n","expirationTimestamp":"2030-06-01T12:00:00.5+02:00"}}' "$(esc "$dir/client.crt")" "$(esc "$dir/client.key")"
