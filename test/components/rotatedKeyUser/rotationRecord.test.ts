import * as assert from "node:assert/strict";
import { decodeRecord, encodeRecord } from "../../../components/rotatedKeyUser/rotationRecord";
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
