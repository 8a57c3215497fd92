import * as assert from "node:assert/strict";
import {
  decodeRecord,
  encodeRecord,
  RECORD_TAG_KEYS,
} from "../../../components/rotatedKeyUser/rotationRecord";
import { RotationState } from "../../../components/rotatedKeyUser/rotationModel";

describe("rotation record in user tags", () => {
  const full: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    previousActiveUntil: "2026-12-29",
  };

  it("encodes every field as one tag", () => {
    assert.deepEqual(encodeRecord(full), {
      "key-rotation:current": "green",
      "key-rotation:blue": "2026-11-22",
      "key-rotation:green": "2026-12-22",
      "key-rotation:previous-active-until": "2026-12-29",
    });
    assert.deepEqual(
      encodeRecord({ current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } }),
      {
        "key-rotation:current": "blue",
        "key-rotation:blue": "2026-11-22",
      },
    );
  });

  it("records a revocation date", () => {
    const revoked: RotationState = { ...full, revokedBefore: "2026-12-01" };
    assert.deepEqual(encodeRecord(revoked)["key-rotation:revoked-before"], "2026-12-01");
    assert.deepEqual(decodeRecord(encodeRecord(revoked)), { kind: "ok", state: revoked });
    assert.deepEqual(
      decodeRecord({ ...encodeRecord(full), "key-rotation:revoked-before": "soon" }),
      {
        kind: "malformed",
        problems: ['tag key-rotation:revoked-before must be a date YYYY-MM-DD (got "soon").'],
      },
    );
  });

  it("decodes what it encodes, ignoring other tags", () => {
    assert.deepEqual(decodeRecord({ ...encodeRecord(full), team: "platform" }), {
      kind: "ok",
      state: full,
    });
  });

  it("has no record only when no key-rotation tag exists", () => {
    assert.deepEqual(decodeRecord(undefined), { kind: "none" });
    assert.deepEqual(decodeRecord({}), { kind: "none" });
    assert.deepEqual(decodeRecord({ team: "platform", "key-rotation": "x" }), { kind: "none" });
  });

  it("reports each bad or missing tag by name", () => {
    assert.deepEqual(decodeRecord({ "key-rotation:blue": "2026-11-22" }), {
      kind: "malformed",
      problems: ["tag key-rotation:current is missing."],
    });
    assert.deepEqual(
      decodeRecord({ "key-rotation:current": "red", "key-rotation:blue": "2026-11-22" }),
      {
        kind: "malformed",
        problems: ['tag key-rotation:current must be "blue" or "green" (got "red").'],
      },
    );
    assert.deepEqual(
      decodeRecord({ "key-rotation:current": "green", "key-rotation:blue": "2026-11-22" }),
      {
        kind: "malformed",
        problems: ["tag key-rotation:green is missing: the current slot has no issue date."],
      },
    );
    assert.deepEqual(
      decodeRecord({
        "key-rotation:current": "blue",
        "key-rotation:blue": "22/11/2026",
        "key-rotation:previous-active-until": "never",
        "key-rotation:owner": "me",
      }),
      {
        kind: "malformed",
        problems: [
          "tag key-rotation:owner is not a tag this program writes.",
          'tag key-rotation:blue must be a date YYYY-MM-DD (got "22/11/2026").',
          'tag key-rotation:previous-active-until must be a date YYYY-MM-DD (got "never").',
        ],
      },
    );
  });
});

describe("rotation record: the stack, the adopted key, the previous key in use", () => {
  const state: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2025-03-01" }, green: { issuedOn: "2026-11-22" } },
    previousActiveUntil: "2026-11-29",
    publishedOn: "2026-11-22",
    previousWasStale: true,
    previousInUse: "2026-11-30",
    adopted: { slot: "blue", accessKeyId: "AKIAIOSFODNN7EXAMPLE" },
  };

  it("writes them as tags (the publication date and staleness stay in the document)", () => {
    assert.deepEqual(encodeRecord(state, "iam-key-rotation/prod"), {
      "key-rotation:current": "green",
      "key-rotation:blue": "2025-03-01",
      "key-rotation:green": "2026-11-22",
      "key-rotation:previous-active-until": "2026-11-29",
      "key-rotation:previous-in-use": "2026-11-30",
      "key-rotation:adopted": "blue:AKIAIOSFODNN7EXAMPLE",
      "key-rotation:stack": "iam-key-rotation/prod",
    });
  });

  it("reads them back, with the stack apart from the state", () => {
    const tagged: RotationState = { ...state };
    delete tagged.publishedOn;
    delete tagged.previousWasStale;
    assert.deepEqual(decodeRecord(encodeRecord(state, "iam-key-rotation/prod")), {
      kind: "ok",
      state: tagged,
      stack: "iam-key-rotation/prod",
    });
  });

  it("lists every tag it writes, sorted, for the CI role's tag conditions", () => {
    assert.deepEqual(RECORD_TAG_KEYS, [
      "key-rotation:adopted",
      "key-rotation:blue",
      "key-rotation:current",
      "key-rotation:green",
      "key-rotation:previous-active-until",
      "key-rotation:previous-in-use",
      "key-rotation:revoked-before",
      "key-rotation:stack",
    ]);
  });

  it("rejects a malformed adopted key, an adopted slot without a date, and a bad stack", () => {
    const tags = encodeRecord({ current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } });
    assert.deepEqual(decodeRecord({ ...tags, "key-rotation:adopted": "blue:not-a-key" }), {
      kind: "malformed",
      problems: [
        'tag key-rotation:adopted must be SLOT:ACCESS_KEY_ID, e.g. blue:AKIAIOSFODNN7EXAMPLE (got "blue:not-a-key").',
      ],
    });
    assert.deepEqual(
      decodeRecord({ ...tags, "key-rotation:adopted": "green:AKIAIOSFODNN7EXAMPLE" }),
      {
        kind: "malformed",
        problems: ["tag key-rotation:adopted names slot green, which has no issue date."],
      },
    );
    assert.deepEqual(decodeRecord({ ...tags, "key-rotation:stack": "prod" }), {
      kind: "malformed",
      problems: ['tag key-rotation:stack must be PROJECT/STACK (got "prod").'],
    });
    assert.deepEqual(decodeRecord({ ...tags, "key-rotation:previous-in-use": "today" }), {
      kind: "malformed",
      problems: ['tag key-rotation:previous-in-use must be a date YYYY-MM-DD (got "today").'],
    });
  });
});
