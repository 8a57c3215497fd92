/**
 * RotatedKeyUser's settings without mocks: the defaults it registers as its inputs and the
 * problems that stop it before anything is registered, word for word.
 */
import * as assert from "node:assert/strict";
import {
  DEFAULT_PATH,
  DEFAULT_SECRET_PREFIX,
  rotatedKeyUserSettings,
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
    });
  });

  it("keeps what is given, a partial rotation over the defaults", () => {
    assert.deepEqual(
      rotatedKeyUserSettings({
        userName: "ci-deployer",
        path: "/ci/",
        secretName: "ci/deployer",
        rotation: { everyDays: 14, overlapDays: 2 },
      }),
      {
        userName: "ci-deployer",
        path: "/ci/",
        secretName: "ci/deployer",
        rotation: { everyDays: 14, overlapDays: 2, maxAgeDays: 90 },
      },
    );
  });

  it("accepts the defaults, and a revocation date up to tomorrow", () => {
    const settings = rotatedKeyUserSettings({ userName: "ci" });
    assert.deepEqual(validateRotatedKeyUserArgs(settings, undefined, "2026-11-22"), []);
    assert.deepEqual(validateRotatedKeyUserArgs(settings, "2026-11-23", "2026-11-22"), []);
  });

  it("reports every problem of the rotation policy and the revocation date, naming each", () => {
    const settings = rotatedKeyUserSettings({
      userName: "ci",
      rotation: { everyDays: 7, overlapDays: 7, maxAgeDays: 0 },
    });
    assert.deepEqual(validateRotatedKeyUserArgs(settings, "2026-11-24", "2026-11-22"), [
      "[rotation.overlapDays] must be smaller than [rotation.everyDays] (got 7 and 7).",
      "[rotation.maxAgeDays] must be an integer from 1 to 365 (got 0).",
      "revokeIssuedBefore 2026-11-24 is after tomorrow (2026-11-23): only keys that exist can " +
        "be revoked, and a later date would revoke every new key until then.",
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
