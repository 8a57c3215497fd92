/**
 * Happy-path fixtures, one per resource type the pack checks: each passes every policy. A test
 * takes a fresh copy, applies one mutation and asserts the exact message.
 *
 * Importing this module pins the policies' clock (policies/thresholds.ts `policyClock`) to
 * TODAY, noon UTC, for every test in the process: the fixtures' dates are fixed, and the
 * policies reject an `asOf` before today.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { policyClock } from "../../policies/thresholds";
import { ResourceInput, runStack, UNKNOWN_VALUE, urnOf } from "../support/policyHarness";

export const TODAY = "2026-11-22";
policyClock.now = () => new Date(`${TODAY}T12:00:00Z`);
/** Config that judges ages as of TODAY (the pinned clock's day: accepted, changes nothing). */
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
 * validateStack: RotatedKeyUser "ci"'s registered outputs: its settings (registered as inputs
 * and outputs alike), what it exposes, and the rotation record this run writes.
 */
export function deployedComponentOutputs(): Record<string, any> {
  return {
    userName: "ci-deployer",
    path: "/key-rotation/",
    secretName: "key-rotation/ci-deployer",
    rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
    adopt: false,
    selfRead: true,
    userArn: "arn:aws:iam::123456789012:user/key-rotation/ci-deployer",
    currentSlot: "green",
    currentAccessKeyId: "AKIAGREEN00000000001",
    secretArn:
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-deployer-AbCdEf",
    nextRotationOn: "2026-12-01",
    rotationState: {
      current: "green",
      slots: { blue: { issuedOn: "2026-10-02" }, green: { issuedOn: "2026-11-01" } },
      previousActiveUntil: "2026-11-08",
      publishedOn: "2026-11-01",
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
      props: deployedComponentOutputs(),
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

/** The registered rotationState of a RotatedKeyUser of a stack fixture, to mutate. */
export function stateOf(resources: ResourceInput[], component: string): Record<string, any> {
  return named(resources, component).props.rotationState as Record<string, any>;
}

/** The deployed fixture with a change to RotatedKeyUser "ci"'s rotationState (merged in). */
export function withRecord(change: Record<string, unknown>): ResourceInput[] {
  const resources = deployedUserStack();
  Object.assign(stateOf(resources, "ci"), change);
  return resources;
}

/** The deployed fixture with a change to RotatedKeyUser "ci"'s rotation settings. */
export function withRotation(change: Record<string, unknown>): ResourceInput[] {
  const resources = deployedUserStack();
  Object.assign(named(resources, "ci").props.rotation as Record<string, unknown>, change);
  return resources;
}

export const LEGACY_URN = urnOf(RKU, "legacy", STACK_URN);
export const LEGACY_KEY_ID = "AKIALEGACY0000000001";

/**
 * validateStack: RotatedKeyUser "legacy" adopted an existing IAM user whose hand-made key
 * (created 2026-03-01, 266 days old on TODAY) the stack imported into the blue slot.
 * - "adopting": the update that adopts it: green is issued now (id and createDate unknown) and
 *   becomes current; the record starts the overlap today (until 2026-11-29).
 * - "overlap": a later daily preview: green was issued and published on 2026-11-19, the
 *   adopted key stays Active until 2026-11-26 (rotationState.previousActiveUntil).
 */
export function adoptedUserStack(stage: "adopting" | "overlap"): ResourceInput[] {
  const greenOn = stage === "adopting" ? TODAY : "2026-11-19";
  const until = stage === "adopting" ? "2026-11-29" : "2026-11-26";
  const green =
    stage === "adopting"
      ? { id: UNKNOWN_VALUE.string, createDate: UNKNOWN_VALUE.string }
      : { id: "AKIANEWGREEN00000001", createDate: "2026-11-19T06:00:00Z" };
  return [
    { type: "pulumi:pulumi:Stack", name: "iam-key-rotation-test", urn: STACK_URN, props: {} },
    {
      type: RKU,
      name: "legacy",
      parent: STACK_URN,
      props: {
        userName: "legacy-app",
        path: "/",
        secretName: "key-rotation/legacy-app",
        rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
        adopt: true,
        selfRead: true,
        rotationState: {
          current: "green",
          slots: { blue: { issuedOn: "2026-03-01" }, green: { issuedOn: greenOn } },
          previousActiveUntil: until,
          publishedOn: greenOn,
          adopted: { slot: "blue", accessKeyId: LEGACY_KEY_ID },
        },
      },
    },
    {
      type: USER,
      name: "legacy-user",
      parent: LEGACY_URN,
      props: { id: "legacy-app", name: "legacy-app", path: "/" },
    },
    {
      type: ACCESS_KEY,
      name: "legacy-blue",
      parent: LEGACY_URN,
      props: {
        id: LEGACY_KEY_ID,
        user: "legacy-app",
        status: "Active",
        createDate: "2026-03-01T09:30:00Z",
      },
    },
    {
      type: ACCESS_KEY,
      name: "legacy-green",
      parent: LEGACY_URN,
      props: { user: "legacy-app", status: "Active", ...green },
    },
  ];
}

/** The deployed fixture with one change to one key's outputs. */
export function withKey(name: string, change: Record<string, unknown>): ResourceInput[] {
  const resources = deployedUserStack();
  Object.assign(named(resources, name).props, change);
  return resources;
}

export const UNKNOWN_STRING = UNKNOWN_VALUE.string;

/** The resources a stack policy receives for these inputs (built as the policy server does). */
export async function delivered(inputs: readonly ResourceInput[]): Promise<PolicyResource[]> {
  let seen: PolicyResource[] = [];
  const spy: StackValidationPolicy = {
    name: "spy",
    description: "Keeps the resources.",
    validateStack: (args) => void (seen = args.resources),
  };
  await runStack(spy, inputs);
  return seen;
}
