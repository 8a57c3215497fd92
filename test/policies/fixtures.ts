/**
 * Happy-path fixtures, one per resource type the pack checks: each passes every policy. A test
 * takes a fresh copy, applies one mutation and asserts the exact message.
 */
import { ResourceInput, UNKNOWN_VALUE, urnOf } from "../support/policyHarness";

export const TODAY = "2026-11-22";
/** Config that pins the policies' clock to TODAY. */
export const AS_OF = { asOf: TODAY };

export const STACK_URN =
  "urn:pulumi:test::iam-key-rotation::pulumi:pulumi:Stack::iam-key-rotation-test";
export const RKU = "iam-key-rotation:index:RotatedKeyUser";
export const ACCESS_KEY = "aws:iam/accessKey:AccessKey";
export const USER = "aws:iam/user:User";
export const ROLE = "aws:iam/role:Role";
export const CONFIG_RULE = "aws:cfg/rule:Rule";
export const ORG_RULE = "aws:cfg/organizationManagedRule:OrganizationManagedRule";

export const CI_URN = urnOf(RKU, "ci", STACK_URN);

/** validateResource: RotatedKeyUser "ci" as it registers its settings. */
export function rotatedKeyUser(): ResourceInput {
  return {
    type: RKU,
    name: "ci",
    parent: STACK_URN,
    props: {
      userName: "ci-deployer",
      path: "/key-rotation/",
      secretName: "key-rotation/ci-deployer",
      rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
    },
  };
}

/** validateResource: the blue slot key of "ci", as registered (inputs). */
export function slotKey(): ResourceInput {
  return {
    type: ACCESS_KEY,
    name: "ci-blue",
    parent: CI_URN,
    deleteBeforeReplace: true,
    props: { user: "ci-deployer", status: "Active" },
  };
}

export const GITHUB_PROVIDER_ARN =
  "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

/** The trust policy GithubOidcRole writes: exact aud and subjects. */
export function githubTrustDocument(): Record<string, any> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: GITHUB_PROVIDER_ARN },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
              "repo:acme/iam-key-rotation:ref:refs/heads/main",
              "repo:acme/iam-key-rotation:environment:prod",
            ],
          },
        },
      },
    ],
  };
}

/** validateResource: a role trusting GitHub Actions, trust policy as a JSON string. */
export function githubRole(document: Record<string, any> = githubTrustDocument()): ResourceInput {
  return {
    type: ROLE,
    name: "deploy",
    parent: STACK_URN,
    props: { name: "iam-key-rotation-deploy", assumeRolePolicy: JSON.stringify(document) },
  };
}

/** validateResource: the AWS Config managed rule KeyRotationCompliance creates. */
export function configRule(): ResourceInput {
  return {
    type: CONFIG_RULE,
    name: "keys-rotated",
    parent: STACK_URN,
    props: {
      name: "access-keys-rotated",
      source: { owner: "AWS", sourceIdentifier: "ACCESS_KEYS_ROTATED" },
      inputParameters: '{"maxAccessKeyAge":"90"}',
    },
  };
}

/** validateResource: the organization-wide variant. */
export function organizationRule(): ResourceInput {
  return {
    type: ORG_RULE,
    name: "org-keys-rotated",
    parent: STACK_URN,
    props: {
      name: "access-keys-rotated",
      ruleIdentifier: "ACCESS_KEYS_ROTATED",
      inputParameters: '{"maxAccessKeyAge":"90"}',
    },
  };
}

/**
 * validateStack: a deployed RotatedKeyUser "ci" that nothing changes in this preview. Green is
 * current (issued 2026-11-01), blue is the previous key, deactivated after its overlap. Outputs
 * as the AWS provider returns them (the bridge adds `id`).
 */
export function deployedUserStack(): ResourceInput[] {
  return [
    { type: "pulumi:pulumi:Stack", name: "iam-key-rotation-test", urn: STACK_URN, props: {} },
    {
      type: RKU,
      name: "ci",
      parent: STACK_URN,
      props: { userName: "ci-deployer", currentSlot: "green", nextRotationOn: "2026-12-01" },
    },
    {
      type: USER,
      name: "ci-user",
      parent: CI_URN,
      props: {
        id: "ci-deployer",
        name: "ci-deployer",
        path: "/key-rotation/",
        arn: "arn:aws:iam::123456789012:user/key-rotation/ci-deployer",
      },
    },
    {
      type: ACCESS_KEY,
      name: "ci-blue",
      parent: CI_URN,
      props: {
        id: "AKIABLUE000000000001",
        user: "ci-deployer",
        status: "Inactive",
        createDate: "2026-10-02T06:00:00Z",
      },
    },
    {
      type: ACCESS_KEY,
      name: "ci-green",
      parent: CI_URN,
      props: {
        id: "AKIAGREEN00000000001",
        user: "ci-deployer",
        status: "Active",
        createDate: "2026-11-01T06:00:00Z",
      },
    },
  ];
}

/** The resource of a stack fixture with this name. */
export function named(resources: ResourceInput[], name: string): ResourceInput {
  const found = resources.filter((r) => r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
}

/** The deployed fixture with one change to one key's outputs. */
export function withKey(name: string, change: Record<string, unknown>): ResourceInput[] {
  const resources = deployedUserStack();
  Object.assign(named(resources, name).props, change);
  return resources;
}

export const UNKNOWN_STRING = UNKNOWN_VALUE.string;
