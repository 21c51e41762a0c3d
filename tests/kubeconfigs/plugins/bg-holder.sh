#!/bin/sh
# Answers, then leaves a background child holding stdout open (as some SSO helpers do).
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"bg-token"}}\n'
sleep 30 &
exit 0
