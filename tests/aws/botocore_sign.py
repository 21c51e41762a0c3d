#!/usr/bin/python3
"""Signs request descriptions with botocore's SigV4Auth / SigV4QueryAuth (Debian python3-botocore).

Reads JSON lines on stdin, one request each:
  {"id": N, "method": "GET", "url": "https://host[:port]/raw path" (no query),
   "params": [[key, value], ...] (decoded), "headers": [[name, value], ...], "body": "text",
   "service": "sts", "region": "us-east-1",
   "access_key": "...", "secret_key": "...", "token": "..." or null,
   "time": "20150830T123600Z", "presign": false, "expires": 60}
and prints one JSON line per request:
  {"id": N, "authorization": "...", "creq": "..."}   (header signing)
  {"id": N, "url": "...", "creq": "..."}             (presign)
botocore reads the clock through datetime.datetime.utcnow(); this script replaces the datetime
module botocore.auth sees with one whose utcnow() returns the request's time, so no clock is
involved. Nothing is sent anywhere.
"""
import datetime
import json
import sys
import types

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class _FixedDatetime(datetime.datetime):
    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


botocore.auth.datetime = types.SimpleNamespace(datetime=_FixedDatetime)


class _Capture:
    """Mixin that records the canonical request botocore signed."""

    creq = None

    def string_to_sign(self, request, canonical_request):
        self.creq = canonical_request
        return super().string_to_sign(request, canonical_request)


class HeaderAuth(_Capture, botocore.auth.SigV4Auth):
    pass


class QueryAuth(_Capture, botocore.auth.SigV4QueryAuth):
    pass


def sign(desc):
    _FixedDatetime.fixed = datetime.datetime.strptime(desc["time"], "%Y%m%dT%H%M%SZ")
    creds = Credentials(desc["access_key"], desc["secret_key"], desc.get("token"))
    params = [(k, v) for k, v in desc.get("params", [])]
    body = desc.get("body") or ""
    req = AWSRequest(method=desc["method"], url=desc["url"], data=body.encode("utf-8"),
                     params=params)
    for name, value in desc.get("headers", []):
        req.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    out = {"id": desc["id"]}
    if desc.get("presign"):
        auth = QueryAuth(creds, desc["service"], desc["region"], expires=desc["expires"])
        auth.add_auth(req)
        out["url"] = req.url
    else:
        auth = HeaderAuth(creds, desc["service"], desc["region"])
        auth.add_auth(req)
        out["authorization"] = req.headers["Authorization"]
    out["creq"] = auth.creq
    return out


def main():
    stdin = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        stdout.write(json.dumps(sign(json.loads(line)), ensure_ascii=True) + "\n")
    stdout.flush()


if __name__ == "__main__":
    main()
