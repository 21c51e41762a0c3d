#!/bin/sh
# Fails the way an expired SSO session does.
echo "Error when retrieving token from sso: Token has expired and refresh failed" >&2
echo "second line that is not shown" >&2
exit 255
