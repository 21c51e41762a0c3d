#!/bin/sh
# A credential_process for the tests: prints what its first argument asks for.
case "$1" in
ok) printf '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret/+", "SessionToken": "proctoken", "Expiration": "2099-01-02T03:04:05Z"}\n' ;;
static) printf '{"Version": 1, "AccessKeyId": "AKIAPROCSTATIC", "SecretAccessKey": "procstaticsecret"}\n' ;;
expired) printf '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret", "Expiration": "2001-01-01T00:00:00Z"}\n' ;;
version2) printf '{"Version": 2, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret"}\n' ;;
garbage) printf 'not json at all\n' ;;
fail) echo "token for the corp SSO has expired, log in again" >&2; exit 3 ;;
sleep) exec sleep 30 ;;
args) printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' "$2" "$3" ;;
*) echo "unknown mode $1" >&2; exit 2 ;;
esac
