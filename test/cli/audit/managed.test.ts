import * as assert from "node:assert/strict";
import {
  KeyManagement,
  KeyToMatch,
  manageKeys,
  readRecordTags,
  RecordTags,
  StackUser,
} from "../../../cli/audit/managed";

const STACK = "iam-key-rotation/prod";
const ID_OLD = "AKIAOLDOLDOLDOLDOLD1";
const ID_A = "AKIAAAAAAAAAAAAAAAA1";
const ID_B = "AKIABBBBBBBBBBBBBBB1";

/** A key created at noon UTC of `day`, named `id` (null: from the credential report). */
const key = (day: string, id: string | null = null): KeyToMatch => ({
  accessKeyId: id,
  createdAt: new Date(`${day}T12:00:00Z`),
});

const managed = (tags: Record<string, string>): StackUser => ({
  listed: true,
  record: readRecordTags(tags),
});

const yes = (slot: "blue" | "green", issued: string): KeyManagement => ({
  managed: "yes",
  slot,
  adopted: false,
  reason: `the ${slot} slot's key, issued ${issued}`,
});
const adopted = (slot: "blue" | "green"): KeyManagement => ({
  managed: "yes",
  slot,
  adopted: true,
  reason: `the ${slot} slot's adopted key`,
});
const HAND_MADE: KeyManagement = {
  managed: "no",
  slot: null,
  adopted: false,
  reason: "no slot of the rotation record accounts for it (a hand-made key?)",
};
const UNKNOWN: KeyManagement = {
  managed: "unknown",
  slot: null,
  adopted: false,
  reason: "the creation dates cannot tell whether the record accounts for it or for another key",
};

describe("audit --stack: which keys the stack manages (cli/audit/managed.ts)", () => {
  describe("readRecordTags", () => {
    it("reads the slots, the stack and the adopted key; ignores other tags", () => {
      assert.deepEqual(
        readRecordTags({
          "key-rotation:current": "green",
          "key-rotation:blue": "2026-01-01",
          "key-rotation:green": "2026-01-31",
          "key-rotation:stack": STACK,
          "key-rotation:adopted": `blue:${ID_OLD}`,
          "key-rotation:previous-active-until": "2026-02-07",
          team: "data",
        }),
        {
          present: true,
          stack: STACK,
          slots: { blue: "2026-01-01", green: "2026-01-31" },
          adopted: { slot: "blue", accessKeyId: ID_OLD },
          problems: [],
        } satisfies RecordTags,
      );
      assert.deepEqual(readRecordTags({ team: "data" }), {
        present: false,
        slots: {},
        problems: [],
      });
    });
    it("names every tag it cannot read", () => {
      assert.deepEqual(
        readRecordTags({
          "key-rotation:blue": "yesterday",
          "key-rotation:adopted": "purple:AKIA1",
        }).problems,
        [
          'tag key-rotation:blue must be a date YYYY-MM-DD (got "yesterday").',
          'tag key-rotation:adopted must be <slot>:<accessKeyId> (got "purple:AKIA1").',
        ],
      );
    });
  });

  describe("users the stack does not manage", () => {
    const keys = [key("2026-01-01"), key("2026-02-01")];
    it("not listed by the stack: no", () => {
      assert.deepEqual(manageKeys(keys, { listed: false }, STACK), [
        { managed: "no", slot: null, adopted: false, reason: "the stack does not list this user" },
        { managed: "no", slot: null, adopted: false, reason: "the stack does not list this user" },
      ]);
    });
    it("listed, but no rotation record yet: no", () => {
      assert.deepEqual(manageKeys(keys.slice(0, 1), managed({ team: "x" }), STACK), [
        {
          managed: "no",
          slot: null,
          adopted: false,
          reason: "the user has no rotation record: the stack has not taken it over",
        },
      ]);
    });
    it("listed, but the record belongs to another stack: no", () => {
      const other = managed({
        "key-rotation:current": "blue",
        "key-rotation:blue": "2026-01-01",
        "key-rotation:stack": "iam-key-rotation/staging",
      });
      assert.deepEqual(manageKeys(keys.slice(0, 1), other, STACK), [
        {
          managed: "no",
          slot: null,
          adopted: false,
          reason: "the rotation record belongs to stack iam-key-rotation/staging",
        },
      ]);
    });
    it("an unreadable record: unknown, naming the tag", () => {
      const bad = managed({ "key-rotation:current": "blue", "key-rotation:blue": "soon" });
      assert.deepEqual(manageKeys(keys.slice(0, 1), bad, STACK), [
        {
          managed: "unknown",
          slot: null,
          adopted: false,
          reason:
            'the rotation record cannot be read: tag key-rotation:blue must be a date YYYY-MM-DD (got "soon").',
        },
      ]);
    });
  });

  describe("by creation date (the credential report names no key)", () => {
    const cases: [string, Record<string, string>, KeyToMatch[], KeyManagement[]][] = [
      [
        "one slot, its key created that day",
        { "key-rotation:current": "blue", "key-rotation:blue": "2026-01-01" },
        [key("2026-01-01")],
        [yes("blue", "2026-01-01")],
      ],
      [
        "a record without the stack tag (written before it existed) counts as this stack's",
        { "key-rotation:blue": "2026-01-01" },
        [key("2026-01-02")],
        [yes("blue", "2026-01-01")],
      ],
      [
        "a key created before its slot's issue date is not the slot's",
        {
          "key-rotation:current": "blue",
          "key-rotation:blue": "2026-01-01",
          "key-rotation:stack": STACK,
        },
        [key("2025-12-31")],
        [HAND_MADE],
      ],
      [
        "blue and green in an overlap: each key to its slot",
        { "key-rotation:blue": "2026-01-01", "key-rotation:green": "2026-01-31" },
        [key("2026-01-01"), key("2026-01-31")],
        [yes("blue", "2026-01-01"), yes("green", "2026-01-31")],
      ],
      [
        "a key created a month after its slot (a run after a failed one): still on or after",
        { "key-rotation:blue": "2026-01-01" },
        [key("2026-02-01")],
        [yes("blue", "2026-01-01")],
      ],
      [
        "a hand-made key beside the one slot's key: the key made that day is the slot's",
        { "key-rotation:blue": "2026-01-01" },
        [key("2026-01-01"), key("2026-03-05")],
        [yes("blue", "2026-01-01"), HAND_MADE],
      ],
      [
        "the next day is on time too (a run across midnight)",
        { "key-rotation:blue": "2026-01-01" },
        [key("2026-01-02"), key("2026-03-05")],
        [yes("blue", "2026-01-01"), HAND_MADE],
      ],
      [
        "two keys made the slot's day, one slot: genuinely ambiguous",
        { "key-rotation:blue": "2026-01-01" },
        [key("2026-01-01"), key("2026-01-01")],
        [UNKNOWN, UNKNOWN],
      ],
      [
        "two late keys for one slot: ambiguous",
        { "key-rotation:blue": "2026-01-01" },
        [key("2026-02-01"), key("2026-03-01")],
        [UNKNOWN, UNKNOWN],
      ],
      [
        "green's key on time, a late hand-made one: green's key is green's, the other takes blue",
        { "key-rotation:blue": "2026-01-01", "key-rotation:green": "2026-01-31" },
        [key("2026-01-31"), key("2026-02-05")],
        [yes("green", "2026-01-31"), yes("blue", "2026-01-01")],
      ],
      [
        "both slots issued the same day, two keys that day: both managed, slots unclear",
        { "key-rotation:blue": "2026-01-01", "key-rotation:green": "2026-01-01" },
        [key("2026-01-01"), key("2026-01-01")],
        [
          {
            managed: "yes",
            slot: null,
            adopted: false,
            reason: "a slot of the rotation record accounts for it; which one is unclear",
          },
          {
            managed: "yes",
            slot: null,
            adopted: false,
            reason: "a slot of the rotation record accounts for it; which one is unclear",
          },
        ],
      ],
      [
        "adopted: the key older than its slot's date is the adopted one",
        {
          "key-rotation:blue": "2026-01-10",
          "key-rotation:green": "2026-01-10",
          "key-rotation:current": "green",
          "key-rotation:adopted": `blue:${ID_OLD}`,
        },
        [key("2025-03-03"), key("2026-01-10")],
        [adopted("blue"), yes("green", "2026-01-10")],
      ],
      [
        "adopted slot dated with the adopted key's own creation day",
        {
          "key-rotation:blue": "2025-03-03",
          "key-rotation:green": "2026-01-10",
          "key-rotation:adopted": `blue:${ID_OLD}`,
        },
        [key("2025-03-03"), key("2026-01-10")],
        [adopted("blue"), yes("green", "2026-01-10")],
      ],
    ];
    for (const [name, tags, keys, expected] of cases) {
      it(name, () => assert.deepEqual(manageKeys(keys, managed(tags), STACK), expected));
    }
  });

  describe("by id where the keys are named (read user by user)", () => {
    const tags = {
      "key-rotation:blue": "2026-01-10",
      "key-rotation:green": "2026-01-10",
      "key-rotation:adopted": `blue:${ID_OLD}`,
    };
    it("the adopted key by its id, the other by date", () => {
      assert.deepEqual(
        manageKeys([key("2025-03-03", ID_OLD), key("2026-01-10", ID_A)], managed(tags), STACK),
        [adopted("blue"), yes("green", "2026-01-10")],
      );
    });
    it("an old key that is not the adopted id is hand-made", () => {
      assert.deepEqual(
        manageKeys([key("2025-03-03", ID_B), key("2026-01-10", ID_A)], managed(tags), STACK),
        [HAND_MADE, yes("green", "2026-01-10")],
      );
    });
    it("the adopted key cannot stand for an issued slot", () => {
      assert.deepEqual(
        manageKeys(
          [key("2026-01-10", ID_OLD)],
          managed({ ...tags, "key-rotation:adopted": `green:${ID_OLD}` }),
          STACK,
        ),
        [adopted("green")],
      );
    });
    it("the adopted id gone: no other key stands for it, whatever its date", () => {
      assert.deepEqual(
        manageKeys(
          [key("2026-01-10", ID_A), key("2026-02-09", ID_B)],
          managed({ ...tags, "key-rotation:blue": "2026-02-09" }),
          STACK,
        ),
        [yes("green", "2026-01-10"), HAND_MADE],
      );
    });
    it("no adopted key: named keys match by date as from the report", () => {
      assert.deepEqual(
        manageKeys(
          [key("2026-01-01", ID_A), key("2026-03-05", ID_B)],
          managed({ "key-rotation:blue": "2026-01-01" }),
          STACK,
        ),
        [yes("blue", "2026-01-01"), HAND_MADE],
      );
    });
  });

  it("a listed user whose tags could not be read: unknown, with the reason", () => {
    assert.deepEqual(manageKeys([key("2026-01-01")], { listed: true, unreadable: "gone" }, STACK), [
      { managed: "unknown", slot: null, adopted: false, reason: "gone" },
    ]);
  });

  it("a key of unknown date is never matched", () => {
    assert.deepEqual(
      manageKeys(
        [{ accessKeyId: null, createdAt: null }],
        managed({ "key-rotation:blue": "2026-01-01" }),
        STACK,
      ),
      [HAND_MADE],
    );
  });
});
