"""The floor of `iam-key-rotation audit --organization` on the credential-report path: boto3
listing the organization's accounts, then in each account, one after the other, assuming the
role and reading the credential report (GenerateCredentialReport until COMPLETE,
GetCredentialReport).

    python3 bench/audit_organization_floor.py ENDPOINT_URL ROLE_NAME

Credentials and region from the environment. Prints the total size of the reports in bytes.
Run by bench/audit-organization.bench.ts as a subprocess, timed the same way as the CLI.
"""
import sys
import time

import boto3

endpoint, role = sys.argv[1], sys.argv[2]
org = boto3.client("organizations", endpoint_url=endpoint)
sts = boto3.client("sts", endpoint_url=endpoint)
total = 0
for page in org.get_paginator("list_accounts").paginate():
    for account in page["Accounts"]:
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account['Id']}:role/{role}",
            RoleSessionName="audit-floor",
        )["Credentials"]
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        while iam.generate_credential_report()["State"] != "COMPLETE":
            time.sleep(0.25)
        total += len(iam.get_credential_report()["Content"])
print(total)
