/**
 * RotatedKeyUser's settings without mocks: the defaults it registers as its inputs and the
 * problems that stop it before anything is registered, word for word.
 */
import * as assert from "node:assert/strict";
import {
  DEFAULT_PATH,
  DEFAULT_SECRET_PREFIX,
  policyLabel,
  rotatedKeyUserSettings,
  selfReadPolicy,
  validateRotatedKeyUserArgs,
} from "../../../components/rotatedKeyUser/settings";

describe("RotatedKeyUser settings", () => {
  it("defaults the path, the secret name and every rotation field", () => {
    assert.equal(DEFAULT_PATH, "/key-rotation/");
    assert.equal(DEFAULT_SECRET_PREFIX, "key-rotation/");
    assert.deepEqual(rotatedKeyUserSettings({ userName: "ci-deployer" }), {
      userName: "ci-deployer",
      path: "/key-rotation/",
      secretName: "key-rotation/ci-deployer",
      rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
      adopt: false,
      selfRead: true,
    });
  });

  it("keeps what is given, a partial rotation over the defaults", () => {
    assert.deepEqual(
      rotatedKeyUserSettings({
        userName: "ci-deployer",
        path: "/ci/",
        secretName: "ci/deployer",
        rotation: { everyDays: 14, overlapDays: 2 },
        adopt: { deleteInactiveKey: true },
        selfRead: false,
      }),
      {
        userName: "ci-deployer",
        path: "/ci/",
        secretName: "ci/deployer",
        rotation: { everyDays: 14, overlapDays: 2, maxAgeDays: 90 },
        adopt: true,
        selfRead: false,
      },
    );
    assert.equal(rotatedKeyUserSettings({ userName: "ci", adopt: false }).adopt, false);
  });

  it("accepts the defaults, and a revocation date up to today", () => {
    const settings = rotatedKeyUserSettings({ userName: "ci" });
    assert.deepEqual(validateRotatedKeyUserArgs(settings, undefined, "2026-11-22"), []);
    assert.deepEqual(validateRotatedKeyUserArgs(settings, "2026-11-22", "2026-11-22"), []);
  });

  it("reports every problem of the rotation policy and the revocation date, naming each", () => {
    const settings = rotatedKeyUserSettings({
      userName: "ci",
      rotation: { everyDays: 7, overlapDays: 7, maxAgeDays: 0 },
    });
    assert.deepEqual(validateRotatedKeyUserArgs(settings, "2026-11-24", "2026-11-22"), [
      "[rotation.overlapDays] must be smaller than [rotation.everyDays] (got 7 and 7).",
      "[rotation.maxAgeDays] must be an integer from 1 to 365 (got 0).",
      "revokeIssuedBefore 2026-11-24 is in the future (today is 2026-11-22): only keys that " +
        "exist can be revoked, and a later date would also revoke the key issued to replace them.",
    ]);
    assert.deepEqual(
      validateRotatedKeyUserArgs(
        rotatedKeyUserSettings({ userName: "ci" }),
        "23.11.2026",
        "2026-11-22",
      ),
      ['revokeIssuedBefore must be a date written YYYY-MM-DD (got "23.11.2026").'],
    );
  });
});

describe("selfReadPolicy", () => {
  const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-AbCdEf";

  it("grants reading exactly the user's own secret, nothing else", () => {
    assert.deepEqual(selfReadPolicy(arn, "us-east-1", false), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadOwnSecret",
          Effect: "Allow",
          Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
          Resource: arn,
        },
      ],
    });
  });

  it("adds kms:Decrypt of that secret only, through Secrets Manager, with a customer key", () => {
    assert.deepEqual(selfReadPolicy(arn, "eu-west-1", true).Statement[1], {
      Sid: "DecryptOwnSecret",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
          "kms:EncryptionContext:SecretARN": arn,
        },
      },
    });
  });
});

describe("policyLabel", () => {
  it("names an attachment by the policy's owner and name", () => {
    assert.equal(policyLabel("arn:aws:iam::aws:policy/ReadOnlyAccess"), "aws-ReadOnlyAccess");
    assert.equal(
      policyLabel("arn:aws:iam::123456789012:policy/team/deploy"),
      "123456789012-deploy",
    );
  });
});
