"""
moto_server with resource-level authorization and IAM's condition semantics.

Loaded by test/support/moto_server.py, which turns it on for `useMoto({ resourceAuthorization:
true })` and off otherwise (test/support/moto.ts; `ENABLED` below); runs on its own too, like
moto_server: python3 moto_resource_auth.py -H 127.0.0.1 -p PORT.

Why: moto 5.2.1 authorizes a signed request (once INITIAL_NO_AUTH_ACTION_COUNT requests have
passed) by matching the caller's identity policies against the action and a resource ARN, but
it only works out that ARN for IAM calls naming a role (RoleName), STS AssumeRole, SQS and S3;
every other call is matched against the resource "*" (moto/core/responses.py call_action,
moto/iam/responses.py IamResponse._determine_resource). A statement scoped to
`arn:aws:iam::<account>:user/key-rotation/*` or `...:secret:key-rotation/*` therefore never
matches. Its condition evaluation (moto/iam/access_control.py IAMPolicyStatement and
moto/iam/policy_conditions.py) knows StringEquals only, lets every other operator pass, ignores
a key the request lacks, and turns a statement whose condition fails into an explicit Deny
(checked before the resource), so one statement pinned to another user's tag value denies
everything else.

This launcher adds, the way moto already does it for roles:
  - IAM calls with a UserName (and no RoleName): the user's ARN, path included (for a user that
    does not exist, the ARN from the request's Path, as CreateUser would make it);
    GetAccessKeyLastUsed: the ARN of the key's user (IAM authorizes it on the user);
  - Secrets Manager calls with a SecretId or Name: the secret's ARN (for a secret that does not
    exist, arn:...:secret:<name>-AbCdEf);
  - SNS calls: the topic (TopicArn, ResourceArn, or the Name of CreateTopic) or subscription ARN;
    CloudWatch alarm calls: the alarm's ARN; EventBridge rule calls: the rule's ARN;
  - IAM's ARN wildcards: `?` matches exactly one character (moto treats it as regex syntax), so
    an exact secret name can be granted as `secret:NAME-??????`;
and evaluates each statement as IAM does: it applies when its action, resource and every
condition match; an Allow that does not apply is neutral, never a Deny. Conditions know the
String*, Arn*, Bool and Null operators, their IfExists forms and the ForAllValues/ForAnyValue
set operators (an unknown operator is an error, not a pass), with these request values:
iam:PolicyARN, aws:TagKeys and aws:RequestTag/<key> (IAM, SNS, Secrets Manager),
aws:RequestedRegion, and s3:prefix (S3 ListBucket). A key the request lacks fails a positive
operator and passes a negated one or an IfExists one, as in IAM.
Everything else is moto's own code: action matching, S3 and role ARNs, trust policies.
"""

import json
import re
import sys
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

from moto.cloudwatch.responses import CloudWatchResponse
from moto.events.responses import EventsHandler
from moto.iam import access_control
from moto.iam.exceptions import NoSuchEntity, NotFoundException
from moto.iam.responses import IamResponse
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.server import main
from moto.sns.responses import SNSResponse

_role_resource = IamResponse._determine_resource
PermissionResult = access_control.PermissionResult


def _first(data, key):
    value = data.get(key) if hasattr(data, "get") else None
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _json_body(body):
    try:
        parsed = json.loads(body or "{}")
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


# --- resources -----------------------------------------------------------------------------


def _iam_resource(self):
    if "RoleName" in self.data:
        return _role_resource(self)
    user_name = _first(self.data, "UserName")
    if user_name is None:
        key_id = _first(self.data, "AccessKeyId")
        if key_id is None:
            return "*"
        try:
            user_name = self.backend.get_access_key_last_used(key_id)["user_name"]
        except (NoSuchEntity, NotFoundException):
            return "*"
    try:
        return self.backend.get_user(user_name).arn
    except (NoSuchEntity, NotFoundException):
        path = _first(self.data, "Path") or "/"
        return f"arn:{self.partition}:iam::{self.current_account}:user{path}{user_name}"


def _secret_resource(self):
    body = _json_body(self.body)
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


def _sns_resource(self):
    for key in ("TopicArn", "SubscriptionArn", "ResourceArn"):
        value = _first(self.querystring, key)
        if value:
            return value
    name = _first(self.querystring, "Name")
    if name:
        return f"arn:{self.partition}:sns:{self.region}:{self.current_account}:{name}"
    return "*"


def _alarm_resource(self):
    body = _json_body(self.body)
    if body.get("ResourceARN"):
        return body["ResourceARN"]
    names = body.get("AlarmNames") or ([body["AlarmName"]] if body.get("AlarmName") else [])
    if len(names) != 1:
        return "*"
    return f"arn:{self.partition}:cloudwatch:{self.region}:{self.current_account}:alarm:{names[0]}"


def _rule_resource(self):
    body = _json_body(self.body)
    if body.get("ResourceARN"):
        return body["ResourceARN"]
    name = body.get("Name") or body.get("Rule")
    if not name:
        return "*"
    return f"arn:{self.partition}:events:{self.region}:{self.current_account}:rule/{name}"


# --- statements ----------------------------------------------------------------------------


def _iam_match(pattern, string):
    # IAM ARN wildcards: * is any run of characters, ? exactly one; everything else literal.
    # (moto's own _match turns only * into a regex and leaves ? and . as regex syntax.)
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.match(f"^{regex}$", string, re.DOTALL)


def _listed(value):
    return value if isinstance(value, list) else [value]


def _like(pattern, value):
    return _iam_match(pattern, value) is not None


_OPERATORS = {
    "StringEquals": (lambda p, v: p == v, False),
    "StringNotEquals": (lambda p, v: p == v, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "ArnEquals": (lambda p, v: p == v, False),
    "ArnNotEquals": (lambda p, v: p == v, True),
    "ArnLike": (_like, False),
    "ArnNotLike": (_like, True),
    "Bool": (lambda p, v: str(p).lower() == str(v).lower(), False),
}


def _condition_holds(operator, key, expected, context):
    """One key of one condition operator block, as IAM evaluates it (keys are case-insensitive)."""
    values = {k.lower(): v for k, v in context.items()}.get(key.lower())
    if isinstance(values, str):
        values = [values]
    expected = [str(e) for e in _listed(expected)]
    if operator == "Null":
        return (values is None) == (expected[0].lower() == "true")
    quantifier = None
    if ":" in operator:
        quantifier, operator = operator.split(":", 1)
        if quantifier not in ("ForAllValues", "ForAnyValue"):
            raise ValueError(f"unknown condition set operator {quantifier}")
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator[: -len("IfExists")]
    if operator not in _OPERATORS:
        raise ValueError(f"condition operator {operator} is not implemented here")
    match, negated = _OPERATORS[operator]

    def one(value):
        hit = any(match(p, value) for p in expected)
        return not hit if negated else hit

    if quantifier == "ForAllValues":
        return all(one(v) for v in values or [])
    if quantifier == "ForAnyValue":
        return any(one(v) for v in values or [])
    if values is None:
        return if_exists or negated
    return any(one(v) for v in values)


def _is_action_permitted(self, action, resource="*", principal=None, context=None):
    statement = self._statement
    if "NotAction" in statement:
        concerned = not self._check_element_matches("NotAction", action)
    else:
        concerned = self._check_element_matches("Action", action)
    if not concerned:
        return PermissionResult.NEUTRAL
    if self.is_unknown_principal(statement.get("Principal")):
        return PermissionResult.NEUTRAL
    if principal and not self._check_principal(principal):
        return PermissionResult.NEUTRAL
    if statement.get("Resource") and not self._check_element_matches("Resource", resource):
        return PermissionResult.NEUTRAL
    for operator, block in (statement.get("Condition") or {}).items():
        for key, expected in block.items():
            if not _condition_holds(operator, key, expected, context or {}):
                return PermissionResult.NEUTRAL
    return PermissionResult.PERMITTED if statement["Effect"] == "Allow" else PermissionResult.DENIED


# --- request context -----------------------------------------------------------------------


def _tags_from_query(data):
    tags, keys = {}, []
    for name in list(data.keys()) if hasattr(data, "keys") else []:
        m = re.match(r"^Tags\.member\.(\d+)\.Key$", name)
        if m:
            tags[_first(data, name)] = _first(data, f"Tags.member.{m.group(1)}.Value") or ""
        if re.match(r"^TagKeys\.member\.\d+$", name):
            keys.append(_first(data, name))
    return tags, keys


def _request_context(request):
    context = {"aws:requestedregion": [request._region]}
    policy_arn = _first(request._data, "PolicyArn")
    if policy_arn is not None:
        context["iam:policyarn"] = [policy_arn]
    tags, keys = _tags_from_query(request._data)
    body = request._body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    parsed = _json_body(body) if isinstance(body, str) and body.startswith("{") else {}
    for tag in parsed.get("Tags") or []:
        if isinstance(tag, dict) and "Key" in tag:
            tags[tag["Key"]] = tag.get("Value", "")
    keys += [k for k in parsed.get("TagKeys") or [] if isinstance(k, str)]
    if tags or keys:
        context["aws:tagkeys"] = list(tags) + keys
        for key, value in tags.items():
            context[f"aws:requesttag/{key}".lower()] = [value]
    if request._action == "s3:ListBucket":
        query = parse_qs(urlsplit(request._path).query, keep_blank_values=True)
        if "prefix" in query:
            context["s3:prefix"] = query["prefix"][:1]
    return context


# Services whose signing name is not their IAM action prefix.
_IAM_PREFIXES = {"monitoring": "cloudwatch"}


def _check_action_permitted(self, resource):
    # moto's IAMRequestBase.check_action_permitted, with the request's condition values.
    service, _, name = self._action.partition(":")
    self._action = f"{_IAM_PREFIXES.get(service, service)}:{name}"
    if self._action == "sts:GetCallerIdentity":
        return
    context = _request_context(self)
    permitted = False
    for policy in self._access_key.collect_policies():
        result = access_control.IAMPolicy(policy).is_action_permitted(
            self._action, resource, None, context
        )
        if result == PermissionResult.DENIED:
            self._raise_access_denied()
        elif result == PermissionResult.PERMITTED:
            permitted = True
    if self._is_assuming_role_operation(resource):
        permitted = permitted and self._check_role_trust_relationship(resource)
    if not permitted:
        self._raise_access_denied()


_s3_aws_request = access_control.S3IAMRequest._create_aws_request


def _s3_canonical_aws_request(self):
    # The S3 signature moto recomputes must see the query as the client signed it, each key and
    # value URI-encoded; the server hands moto a query with "/" decoded (a ListObjectsV2 prefix),
    # so every signed listing by prefix would fail with SignatureDoesNotMatch.
    request = _s3_aws_request(self)
    parts = urlsplit(request.url)
    if parts.query:
        pairs = [pair.partition("=") for pair in parts.query.split("&")]
        query = "&".join(
            f"{quote(unquote(k), safe='-_.~')}={quote(unquote(v), safe='-_.~')}"
            for k, _, v in pairs
        )
        request.url = urlunsplit(parts._replace(query=query))
    return request


#: The additions above are in effect (moto's own code runs instead while False). True when this
#: file runs on its own; moto_server.py starts with it off and sets it from
#: POST /moto-api/config {"resource_authorization": ...}, so one server serves both kinds of
#: test file.
ENABLED = True


def _star(self):
    # moto's own answer for a response class without _determine_resource (call_action).
    return "*"


def _install(owner, name, patched, static=False):
    original = getattr(owner, name, _star)

    def switched(*args, **kwargs):
        return (patched if ENABLED else original)(*args, **kwargs)

    setattr(owner, name, staticmethod(switched) if static else switched)


_install(IamResponse, "_determine_resource", _iam_resource)
_install(SecretsManagerResponse, "_determine_resource", _secret_resource)
_install(SNSResponse, "_determine_resource", _sns_resource)
_install(CloudWatchResponse, "_determine_resource", _alarm_resource)
_install(EventsHandler, "_determine_resource", _rule_resource)
_install(access_control.IAMPolicyStatement, "_match", _iam_match, static=True)
_install(access_control.IAMPolicyStatement, "is_action_permitted", _is_action_permitted)
_install(access_control.IAMRequestBase, "check_action_permitted", _check_action_permitted)
_install(access_control.S3IAMRequest, "_create_aws_request", _s3_canonical_aws_request)

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
