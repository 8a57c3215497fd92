"""The floor of `iam-key-rotation audit` on the credential-report path: boto3 doing the same
two calls (GenerateCredentialReport until COMPLETE, GetCredentialReport) and nothing else.

    python3 bench/audit_report_floor.py ENDPOINT_URL

Credentials and region from the environment. Prints the report's size in bytes.
Run by bench/audit.bench.ts as a subprocess, timed the same way as the CLI.
"""
import sys
import time

import boto3

iam = boto3.client("iam", endpoint_url=sys.argv[1])
while iam.generate_credential_report()["State"] != "COMPLETE":
    time.sleep(0.25)
print(len(iam.get_credential_report()["Content"]))
