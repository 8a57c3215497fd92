"""
moto_server with resource-level authorization for IAM users and Secrets Manager secrets.

Run like moto_server: python3 moto_resource_auth.py -H 127.0.0.1 -p PORT (test/support/moto.ts
starts it for `MotoServer.start({ resourceAuthorization: true })`).

Why: moto 5.2.1 authorizes a signed request (once INITIAL_NO_AUTH_ACTION_COUNT requests have
passed) by matching the caller's identity policies against the action and a resource ARN, but
it only works out that ARN for IAM calls naming a role (RoleName), STS AssumeRole, SQS and S3;
every other call is matched against the resource "*" (moto/core/responses.py call_action,
moto/iam/responses.py IamResponse._determine_resource). A statement scoped to
`arn:aws:iam::<account>:user/key-rotation/*` or `...:secret:key-rotation/*` therefore never
matches, and identity-policy conditions never see a value (moto/iam/access_control.py
check_action_permitted passes none, so every condition counts as met).

This launcher adds, the way moto already does it for roles:
  - IAM calls with a UserName (and no RoleName): the user's ARN, path included (for a user that
    does not exist, the ARN from the request's Path, as CreateUser would make it);
  - Secrets Manager calls with a SecretId or Name: the secret's ARN (for a secret that does not
    exist, arn:...:secret:<name>);
  - the condition key iam:PolicyARN (AttachUserPolicy, DetachUserPolicy...) from PolicyArn;
  - IAM's ARN wildcards: `?` matches exactly one character (moto treats it as regex syntax), so
    an exact secret name can be granted as `secret:NAME-??????`.
Everything else is moto's own code: action matching, wildcards, Deny precedence, S3 and role
ARNs. Conditions use moto's evaluator, which knows StringEquals only (other operators pass) and
treats a failed condition as a Deny.
"""

import json
import re
import sys

from moto.iam import access_control
from moto.iam.exceptions import NoSuchEntity, NotFoundException
from moto.iam.responses import IamResponse
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.server import main

_role_resource = IamResponse._determine_resource


def _first(data, key):
    value = data.get(key) if hasattr(data, "get") else None
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _iam_resource(self):
    if "RoleName" in self.data:
        return _role_resource(self)
    user_name = _first(self.data, "UserName")
    if user_name is None:
        return "*"
    try:
        return self.backend.get_user(user_name).arn
    except (NoSuchEntity, NotFoundException):
        path = _first(self.data, "Path") or "/"
        return f"arn:{self.partition}:iam::{self.current_account}:user{path}{user_name}"


def _secret_resource(self):
    try:
        body = json.loads(self.body or "{}")
    except ValueError:
        return "*"
    if not isinstance(body, dict):
        return "*"
    secret_id = body.get("SecretId") or body.get("Name")
    if not secret_id:
        return "*"
    secret = self.backend.secrets.get(secret_id)
    if secret is not None:
        return secret.arn
    if secret_id.startswith("arn:"):
        return secret_id
    # A secret not created yet (CreateSecret): AWS evaluates the ARN it will have, with the six
    # random characters Secrets Manager appends to the name.
    return (
        f"arn:{self.partition}:secretsmanager:{self.region}:{self.current_account}"
        f":secret:{secret_id}-AbCdEf"
    )


def _iam_match(pattern, string):
    # IAM ARN wildcards: * is any run of characters, ? exactly one; everything else literal.
    # (moto's own _match turns only * into a regex and leaves ? and . as regex syntax.)
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.match(f"^{regex}$", string)


def _check_action_permitted(self, resource):
    # moto's IAMRequestBase.check_action_permitted, with condition values from the request.
    if self._action == "sts:GetCallerIdentity":
        return
    context = {}
    policy_arn = _first(self._data, "PolicyArn")
    if policy_arn is not None:
        context["iam:PolicyARN"] = policy_arn
    permitted = False
    for policy in self._access_key.collect_policies():
        result = access_control.IAMPolicy(policy).is_action_permitted(
            self._action, resource, None, context
        )
        if result == access_control.PermissionResult.DENIED:
            self._raise_access_denied()
        elif result == access_control.PermissionResult.PERMITTED:
            permitted = True
    if self._is_assuming_role_operation(resource):
        permitted = permitted and self._check_role_trust_relationship(resource)
    if not permitted:
        self._raise_access_denied()


IamResponse._determine_resource = _iam_resource
SecretsManagerResponse._determine_resource = _secret_resource
access_control.IAMPolicyStatement._match = staticmethod(_iam_match)
access_control.IAMRequestBase.check_action_permitted = _check_action_permitted

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
