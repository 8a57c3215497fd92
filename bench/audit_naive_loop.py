"""The naive audit: ListUsers, then ListAccessKeys for each user and GetAccessKeyLastUsed for
each key, one call after the other (what a first script does).

    python3 bench/audit_naive_loop.py ENDPOINT_URL

Credentials and region from the environment. Prints the number of API calls made.
Run by bench/audit.bench.ts as a subprocess, timed the same way as the CLI.
"""
import sys

import boto3

iam = boto3.client("iam", endpoint_url=sys.argv[1])
calls = 0
for page in iam.get_paginator("list_users").paginate():
    calls += 1
    for user in page["Users"]:
        for keys in iam.get_paginator("list_access_keys").paginate(UserName=user["UserName"]):
            calls += 1
            for key in keys["AccessKeyMetadata"]:
                iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
                calls += 1
print(calls)
