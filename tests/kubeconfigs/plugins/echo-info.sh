#!/bin/sh
# Records what it was given (KUBERNETES_EXEC_INFO into $INFO_OUT) and answers with a token built
# from its env and arguments; reports whether stdin had anything in it.
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_OUT"
if read -r line; then stdin=data; else stdin=empty; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s:%s:%s:stdin-%s"}}\n' "$PLUGIN_TOKEN" "$1" "$2" "$stdin"
