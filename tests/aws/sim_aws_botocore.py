#!/usr/bin/python3
"""botocore (Debian python3-botocore) against cutover-sim's AWS endpoint.

Usage: sim_aws_botocore.py READY_FILE   (the JSON ready line of a cutover-sim with the demo's aws
section, after tests/integration/test_sim_aws.sh moved the weights to onprem 0 / eks 30 and the
listener to 70/30). Checks STS (including a presigned GetCallerIdentity URL with x-k8s-aws-id, the
EKS token form), Route53 (change back to 100/0, GetChange PENDING then INSYNC), ELBv2 (listener
back to 100/0) and Secrets Manager, and that a wrong secret key gets SignatureDoesNotMatch. Every
endpoint is the simulator's loopback URL; exits non-zero with a message on the first failure.
"""
import configparser
import json
import sys
import time
import urllib.error
import urllib.request

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def check(cond, what):
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        sys.exit(1)


ready = json.load(open(sys.argv[1]))
aws = ready["aws"]
url = aws["url"]
check(url.startswith("http://127.0.0.1:"), "endpoint not on loopback: " + url)
creds = configparser.ConfigParser()
creds.read(aws["credentials_file"])
key = creds[aws["profile"]]["aws_access_key_id"]
secret = creds[aws["profile"]]["aws_secret_access_key"]

session = botocore.session.Session()
cfg = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(service, k=key, s=secret, token=None):
    return session.create_client(service, region_name=aws["region"], endpoint_url=url,
                                 aws_access_key_id=k, aws_secret_access_key=s,
                                 aws_session_token=token, config=cfg)


# STS
ident = client("sts").get_caller_identity()
check(ident["Arn"] == "arn:aws:iam::111122223333:user/sre", "caller %r" % ident)

# The EKS token form: a presigned GetCallerIdentity URL that signs x-k8s-aws-id.
req = AWSRequest(method="GET", url=url + "/?Action=GetCallerIdentity&Version=2011-06-15",
                 headers={"x-k8s-aws-id": "eks-prod"})
botocore.auth.SigV4QueryAuth(Credentials(key, secret), "sts", aws["region"], expires=60).add_auth(req)
get = urllib.request.Request(req.url, headers={"x-k8s-aws-id": "eks-prod"})
body = urllib.request.urlopen(get, timeout=10).read().decode()
check("<Arn>arn:aws:iam::111122223333:user/sre</Arn>" in body, "presigned answer: " + body)
# The same URL with another cluster id: x-k8s-aws-id is signed, so it no longer verifies.
try:
    urllib.request.urlopen(urllib.request.Request(req.url, headers={"x-k8s-aws-id": "other"}),
                           timeout=10)
    check(False, "presigned URL verified with a changed x-k8s-aws-id")
except urllib.error.HTTPError as e:
    check(e.code == 403 and b"SignatureDoesNotMatch" in e.read(), "changed header: %d" % e.code)

# Route53: back to onprem 100 / eks 0, PENDING then INSYNC.
r53 = client("route53")
zone = r53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
check(zone == "/hostedzone/Z0SIMEXAMPLE00001", "zone id " + zone)
changes = [{"Action": "UPSERT", "ResourceRecordSet": {
    "Name": "api.shop.example.com.", "Type": "A", "SetIdentifier": sid, "Weight": w, "TTL": 60,
    "ResourceRecords": [{"Value": v}]}}
    for sid, w, v in (("onprem", 100, "203.0.113.10"), ("eks", 0, "198.51.100.20"))]
info = r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
cid = info["ChangeInfo"]["Id"]
check(info["ChangeInfo"]["Status"] == "PENDING", "change status %r" % info["ChangeInfo"])
check(r53.get_change(Id=cid)["ChangeInfo"]["Status"] == "PENDING", "GetChange not PENDING")
deadline = time.time() + 30
while r53.get_change(Id=cid)["ChangeInfo"]["Status"] != "INSYNC":
    check(time.time() < deadline, "GetChange never INSYNC")
    time.sleep(0.25)
sets = r53.list_resource_record_sets(HostedZoneId=zone, StartRecordName="api.shop.example.com.",
                                     StartRecordType="A", MaxItems="2")["ResourceRecordSets"]
got = sorted((s["SetIdentifier"], s["Weight"]) for s in sets)
check(got == [("eks", 0), ("onprem", 100)], "weights %r" % got)
try:
    r53.get_change(Id="CNOSUCHCHANGE00")
    check(False, "unknown change found")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NoSuchChange", "unknown change: %r" % e.response)

# ELBv2: the listener back to 100/0.
elb = client("elbv2")
lb = elb.describe_load_balancers(Names=["shop-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
listener = elb.describe_listeners(LoadBalancerArn=lb)["Listeners"][0]
tgs = [t["TargetGroupArn"] for t in listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]]
out = elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=[{
    "Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": tgs[0], "Weight": 100}, {"TargetGroupArn": tgs[1], "Weight": 0}]}}])
weights = [t["Weight"] for t in out["Listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]]
check(weights == [100, 0], "modify_listener answered %r" % weights)
health = elb.describe_target_health(TargetGroupArn=tgs[1])["TargetHealthDescriptions"]
check([h["TargetHealth"]["State"] for h in health] == ["healthy", "healthy", "unhealthy"],
      "health %r" % health)

# Secrets Manager: the value the CLI put.
sm = client("secretsmanager")
value = json.loads(sm.get_secret_value(SecretId="prod/shop/stripe")["SecretString"])
check(value["api_key"] == "rotated-marker", "secret not the rotated one")
names = [s["Name"] for s in sm.list_secrets(MaxResults=1)["SecretList"]]
check(len(names) == 1, "MaxResults=1 gave %r" % names)

# A wrong secret key.
try:
    client("sts", s="not-the-secret").get_caller_identity()
    check(False, "wrong secret accepted")
except ClientError as e:
    check(e.response["Error"]["Code"] == "SignatureDoesNotMatch", "wrong secret: %r" % e.response)
try:
    client("secretsmanager", s="not-the-secret").list_secrets()
    check(False, "wrong secret accepted by Secrets Manager")
except ClientError as e:
    check(e.response["Error"]["Code"] == "InvalidSignatureException", "sm: %r" % e.response)
print("ok: botocore")
