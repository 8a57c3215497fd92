/**
 * The published-key document's one parser: a complete document, each missing or malformed field
 * with its exact problem, text that is not JSON, and (property test) no problem ever quoting a
 * value of the document: the document holds secret access keys.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseKeyDocument,
  PublishedKeyDocument,
  PublishedRecord,
  readKeyDocument,
} from "../../../components/rotatedKeyUser/publishedKey";

const COMPLETE: PublishedKeyDocument = {
  accessKeyId: "AKIAGREENKEY00000002",
  secretAccessKey: "green-secret/with+chars=",
  slot: "green",
  issuedOn: "2026-11-22",
  userName: "ci-deployer",
  previous: {
    accessKeyId: "AKIABLUEKEY000000001",
    secretAccessKey: "blue-secret",
    slot: "blue",
    issuedOn: "2026-10-23",
    deactivatesOn: "2026-11-29",
  },
};

/** The text of COMPLETE with `change` applied (a value of undefined removes the field). */
function textWith(change: Record<string, unknown>, previous?: Record<string, unknown>): string {
  const doc: Record<string, unknown> = { ...COMPLETE, ...change };
  if (previous !== undefined) doc.previous = { ...COMPLETE.previous, ...previous };
  return JSON.stringify(doc);
}

const NOT_A_DOCUMENT = "the secret is not an iam-key-rotation key document: ";
const NOT_USER_NAME = "userName is not an IAM user name (1 to 64 letters, digits and +=,.@_-)";
const NOT_SECRET =
  "secretAccessKey is not a secret access key (1 to 128 printable characters, no spaces)";
const NOT_KEY_ID = "accessKeyId is missing or not an access key id";

describe("the published-key document", () => {
  it("reads a complete document, field by field, with no problem", () => {
    const text = JSON.stringify(COMPLETE);
    assert.deepEqual(readKeyDocument(text), { ...COMPLETE, problems: [], notJson: false });
    assert.deepEqual(parseKeyDocument(text), { ok: true, document: COMPLETE });
  });

  it("reads a document without a previous key (or with previous: null)", () => {
    const current: PublishedKeyDocument = { ...COMPLETE };
    delete current.previous;
    for (const previous of [undefined, null]) {
      const text = JSON.stringify({ ...current, previous });
      assert.deepEqual(parseKeyDocument(text), { ok: true, document: current });
    }
  });

  it("reads a previous key without a deactivation day (not known yet)", () => {
    const text = textWith({}, { deactivatesOn: undefined });
    const previous = { ...COMPLETE.previous! };
    delete previous.deactivatesOn;
    assert.deepEqual(parseKeyDocument(text), { ok: true, document: { ...COMPLETE, previous } });
  });

  const cases: [string, string, string][] = [
    [
      "a missing access key id",
      textWith({ accessKeyId: undefined }),
      "accessKeyId is missing or not an access key id",
    ],
    [
      "a lowercase access key id",
      textWith({ accessKeyId: "akiagreenkey00000002" }),
      "accessKeyId is missing or not an access key id",
    ],
    [
      "a short access key id",
      textWith({ accessKeyId: "AKIA1234" }),
      "accessKeyId is missing or not an access key id",
    ],
    ["a missing secret", textWith({ secretAccessKey: undefined }), "secretAccessKey is missing"],
    ["an empty secret", textWith({ secretAccessKey: "" }), "secretAccessKey is missing"],
    [
      "a secret that is not a string",
      textWith({ secretAccessKey: 42 }),
      "secretAccessKey is missing",
    ],
    ["a missing slot", textWith({ slot: undefined }), "slot is not blue or green"],
    ["another slot", textWith({ slot: "red" }), "slot is not blue or green"],
    ["a missing issue day", textWith({ issuedOn: undefined }), "issuedOn is not a YYYY-MM-DD date"],
    [
      "an issue day not written YYYY-MM-DD",
      textWith({ issuedOn: "22.11.2026" }),
      "issuedOn is not a YYYY-MM-DD date",
    ],
    [
      "an impossible issue day",
      textWith({ issuedOn: "2026-02-30" }),
      "issuedOn is not a YYYY-MM-DD date",
    ],
    [
      "a bad deactivation day",
      textWith({ deactivatesOn: "soon" }),
      "deactivatesOn is not a YYYY-MM-DD date",
    ],
    ["a missing user name", textWith({ userName: undefined }), "userName is missing"],
    ["an empty user name", textWith({ userName: "" }), "userName is missing"],
    [
      "a user name with a newline and a workflow command",
      textWith({ userName: "ci\n::set-output name=token::x" }),
      NOT_USER_NAME,
    ],
    [
      "a user name that is a workflow command",
      textWith({ userName: "::error::pwned" }),
      NOT_USER_NAME,
    ],
    [
      "a user name with ANSI escapes",
      textWith({ userName: "ci\u001b[2J\u001b[31m" }),
      NOT_USER_NAME,
    ],
    ["a user name of 10 kB", textWith({ userName: "a".repeat(10_000) }), NOT_USER_NAME],
    ["a user name of 65 characters", textWith({ userName: "a".repeat(65) }), NOT_USER_NAME],
    ["a user name with a slash", textWith({ userName: "team/ci" }), NOT_USER_NAME],
    ["a secret of 10 kB", textWith({ secretAccessKey: "s".repeat(10_000) }), NOT_SECRET],
    ["a secret with a space", textWith({ secretAccessKey: "two words" }), NOT_SECRET],
    ["a secret with a line break", textWith({ secretAccessKey: "abc\n::error::x" }), NOT_SECRET],
    ["an access key id of 10 kB", textWith({ accessKeyId: "A".repeat(10_000) }), NOT_KEY_ID],
    [
      "an access key id with a newline",
      textWith({ accessKeyId: "AKIAGREENKEY00000002\n" }),
      NOT_KEY_ID,
    ],
    [
      "a previous key that is not an object",
      textWith({ previous: "AKIABLUEKEY000000001" }),
      "previous is not an object",
    ],
    [
      "a bad previous access key id",
      textWith({}, { accessKeyId: "x" }),
      "previous.accessKeyId is missing or not an access key id",
    ],
    [
      "a missing previous secret",
      textWith({}, { secretAccessKey: undefined }),
      "previous.secretAccessKey is missing",
    ],
    ["a bad previous slot", textWith({}, { slot: "Blue" }), "previous.slot is not blue or green"],
    [
      "a bad previous issue day",
      textWith({}, { issuedOn: 20261023 }),
      "previous.issuedOn is not a YYYY-MM-DD date",
    ],
    [
      "a bad previous deactivation day",
      textWith({}, { deactivatesOn: "2026-11-31" }),
      "previous.deactivatesOn is not a YYYY-MM-DD date",
    ],
  ];
  for (const [what, text, problem] of cases) {
    it(`names the field of ${what}`, () => {
      const reading = readKeyDocument(text);
      assert.deepEqual(reading.problems, [problem]);
      assert.equal(reading.notJson, false);
      assert.deepEqual(parseKeyDocument(text), { ok: false, problem: NOT_A_DOCUMENT + problem });
    });
  }

  it("takes any IAM user name and any printable secret, however short", () => {
    for (const userName of ["a", "A.b-c_d+e=f,g@h", "x".repeat(64)]) {
      const parsed = parseKeyDocument(textWith({ userName }));
      assert.equal(parsed.ok && parsed.document.userName, userName);
    }
    for (const secretAccessKey of ["1", "ok", "a.*+?^${}()|[]\\", "x".repeat(128)]) {
      const parsed = parseKeyDocument(textWith({ secretAccessKey }));
      assert.equal(parsed.ok && parsed.document.secretAccessKey, secretAccessKey);
    }
  });

  describe("the record (RotatedKeyUser's authoritative copy of the rotation record)", () => {
    /** The record RotatedKeyUser publishes with COMPLETE: an overlap running, every field. */
    const RECORD: PublishedRecord = {
      current: "green",
      slots: {
        blue: { issuedOn: "2026-10-23", accessKeyId: "AKIABLUEKEY000000001" },
        green: { issuedOn: "2026-11-22", accessKeyId: "AKIAGREENKEY00000002" },
      },
      stack: "iam-key-rotation/prod",
      publishedOn: "2026-11-22",
      previousActiveUntil: "2026-11-29",
      previousWasStale: true,
      revokedBefore: "2026-10-01",
      previousInUse: "2026-11-22",
      adopted: { slot: "blue", accessKeyId: "AKIABLUEKEY000000001" },
    };
    const withRecord = (record: unknown) => parseKeyDocument(textWith({ record }));

    it("reads a full record back as written, and a document without a record", () => {
      assert.deepEqual(withRecord(RECORD), { ok: true, document: { ...COMPLETE, record: RECORD } });
      // The smallest record a run writes: the first key, unpublished, no key id yet.
      const first: PublishedRecord = {
        current: "blue",
        slots: { blue: { issuedOn: "2026-11-22" } },
        stack: "iam-key-rotation/prod",
      };
      assert.deepEqual(withRecord(first), { ok: true, document: { ...COMPLETE, record: first } });
      assert.deepEqual(parseKeyDocument(textWith({ record: undefined })), {
        ok: true,
        document: COMPLETE,
      });
    });

    // A malformed record is a problem, never read in part: a run trusts it over the tags.
    const bad: [string, unknown, string][] = [
      ["a string", "2026-11-22", "record is not an object"],
      ["null", null, "record is not an object"],
      ["an array", [], "record is not an object"],
      ["a number", 1, "record is not an object"],
      ["no current slot", { ...RECORD, current: undefined }, "record.current is not blue or green"],
      ["no slots", { ...RECORD, slots: undefined }, "record.slots is not an object"],
      [
        "an unknown slot",
        { ...RECORD, slots: { ...RECORD.slots, red: { issuedOn: "2026-11-22" } } },
        "record.slots.? is not a blue or green slot",
      ],
      [
        "a slot without its issue day",
        { ...RECORD, slots: { ...RECORD.slots, blue: { accessKeyId: "AKIABLUEKEY000000001" } } },
        "record.slots.blue.issuedOn is not a YYYY-MM-DD date",
      ],
      [
        "a slot's bad key id",
        {
          ...RECORD,
          slots: { ...RECORD.slots, green: { issuedOn: "2026-11-22", accessKeyId: "x" } },
        },
        "record.slots.green.accessKeyId is not an access key id",
      ],
      [
        "a timestamp for publishedOn",
        { ...RECORD, publishedOn: "2026-11-22T05:20:00Z" },
        "record.publishedOn is not a YYYY-MM-DD date",
      ],
      [
        "a workflow command for previousActiveUntil",
        { ...RECORD, previousActiveUntil: "soon\n::error::x" },
        "record.previousActiveUntil is not a YYYY-MM-DD date",
      ],
      [
        "a number for revokedBefore",
        { ...RECORD, revokedBefore: 20261001 },
        "record.revokedBefore is not a YYYY-MM-DD date",
      ],
      [
        "null for previousInUse",
        { ...RECORD, previousInUse: null },
        "record.previousInUse is not a YYYY-MM-DD date",
      ],
      [
        "a string for previousWasStale",
        { ...RECORD, previousWasStale: "yes" },
        "record.previousWasStale is not true or false",
      ],
      [
        "an adopted key without its id",
        { ...RECORD, adopted: { slot: "blue" } },
        "record.adopted is not a slot and an access key id",
      ],
      [
        "a stack without a project",
        { ...RECORD, stack: "prod" },
        "record.stack is not PROJECT/STACK",
      ],
    ];
    for (const [what, record, problem] of bad) {
      it(`a malformed record is a problem: ${what}`, () => {
        const text = textWith({ record });
        const reading = readKeyDocument(text);
        assert.deepEqual([reading.problems, reading.record], [[problem], undefined]);
        assert.deepEqual(parseKeyDocument(text), { ok: false, problem: NOT_A_DOCUMENT + problem });
      });
    }
  });

  it("returns no string with a control character, a space or a line break (property test)", () => {
    const anyText = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.constantFrom("ok", "ci\n::x"),
    );
    const keyFields = {
      accessKeyId: fc.oneof(
        anyText,
        fc.constantFrom("AKIAGREENKEY00000002", "AKIAGREENKEY0000\n002"),
      ),
      secretAccessKey: anyText,
      slot: fc.constantFrom("blue", "green", "blue\n"),
      issuedOn: fc.constantFrom("2026-11-22", "2026-11-22\n"),
      deactivatesOn: fc.constantFrom("2026-11-29", " 2026-11-29"),
    };
    const doc = fc.record({
      ...keyFields,
      userName: fc.oneof(
        anyText,
        fc.constantFrom("ci", "ci\n::set-output x", "c\u001b[2Ji", " ci"),
      ),
      previous: fc.record(keyFields, { requiredKeys: [] }),
      record: fc.record({ publishedOn: fc.oneof(anyText, fc.constant("2026-11-22")) }),
    });
    const strings = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : value !== null && typeof value === "object"
          ? Object.values(value).flatMap(strings)
          : [];
    fc.assert(
      fc.property(doc, (value) => {
        const reading = readKeyDocument(JSON.stringify(value));
        for (const s of strings({ ...reading, problems: [] })) assert.match(s, /^[\x21-\x7e]+$/);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the well-formed fields of a document with problems", () => {
    const reading = readKeyDocument(textWith({ slot: "red", userName: undefined }));
    assert.deepEqual(reading, {
      accessKeyId: COMPLETE.accessKeyId,
      secretAccessKey: COMPLETE.secretAccessKey,
      issuedOn: COMPLETE.issuedOn,
      previous: COMPLETE.previous,
      problems: ["slot is not blue or green", "userName is missing"],
      notJson: false,
    });
  });

  it("reports every problem, in field order", () => {
    assert.deepEqual(parseKeyDocument("{}"), {
      ok: false,
      problem:
        NOT_A_DOCUMENT +
        "accessKeyId is missing or not an access key id; secretAccessKey is missing; slot is " +
        "not blue or green; issuedOn is not a YYYY-MM-DD date; userName is missing",
    });
  });

  it("takes JSON that is not an object as no document", () => {
    for (const text of ["null", "[]", '"AKIAGREENKEY00000002"', "42", "true"]) {
      assert.deepEqual(readKeyDocument(text), {
        problems: ["the document is not an object"],
        notJson: false,
      });
      assert.deepEqual(parseKeyDocument(text), {
        ok: false,
        problem: `${NOT_A_DOCUMENT}the document is not an object`,
      });
    }
  });

  it("takes text that is not JSON as such, giving only its length", () => {
    const text = "accessKeyId=AKIAGREENKEY00000002 secret=green-secret";
    assert.deepEqual(readKeyDocument(text), { problems: ["the text is not JSON"], notJson: true });
    assert.deepEqual(parseKeyDocument(text), {
      ok: false,
      problem: "the secret is not JSON (52 characters; content not shown)",
    });
    assert.deepEqual(parseKeyDocument(""), {
      ok: false,
      problem: "the secret is not JSON (0 characters; content not shown)",
    });
  });

  it("never quotes a value of the document in a problem (property test)", () => {
    // Every free-form value is marked «…»: no problem text contains «, so a value found in a
    // problem is a value quoted. Field names are not values; the slot names are the only values
    // a problem may spell ("slot is not blue or green").
    const marked = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `«${s}»`);
    const junk = fc.oneof(
      marked,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(marked, { maxLength: 2 }),
      fc.dictionary(marked, marked, { maxKeys: 2 }),
    );
    const field = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof(fc.constant(undefined), valid, junk, marked);
    const keyFields = {
      accessKeyId: field(fc.stringMatching(/^[A-Z0-9]{16,24}$/)),
      secretAccessKey: field(marked),
      slot: field(fc.constantFrom("blue", "green")),
      issuedOn: field(fc.constant("2026-11-22")),
      deactivatesOn: field(fc.constant("2026-11-29")),
    };
    const doc = fc.oneof(
      fc.record(
        {
          ...keyFields,
          userName: field(marked),
          previous: fc.oneof(fc.constant(null), junk, fc.record(keyFields, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
      junk,
    );
    const stringsIn = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : value !== null && typeof value === "object"
          ? Object.entries(value).flatMap(([k, v]) => [
              ...(k.startsWith("«") ? [k] : []),
              ...stringsIn(v),
            ])
          : [];

    fc.assert(
      fc.property(doc, (value) => {
        const text = JSON.stringify(value);
        const parsed = parseKeyDocument(text);
        const problems = [
          ...readKeyDocument(text).problems,
          ...(parsed.ok ? [] : [parsed.problem]),
        ];
        for (const s of stringsIn(value).filter((s) => s !== "blue" && s !== "green")) {
          for (const problem of problems) {
            assert.ok(
              !problem.includes(s),
              `${JSON.stringify(problem)} quotes ${JSON.stringify(s)}`,
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
