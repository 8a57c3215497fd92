/**
 * The cross-check of what a run reads (./crossCheck.ts): the record tags against the record in
 * the published document and against the keys IAM holds. Each world is built the way the stack
 * leaves it (./rotationWorlds.ts); each tamper is one edit an attacker or a careless operator
 * could make with iam:TagUser, and must stop the run naming the user and the disagreement.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  CheckResult,
  CheckSettings,
  checkObservation,
  Observation,
} from "../../../components/rotatedKeyUser/crossCheck";
import {
  advance,
  RotationPlan,
  RotationState,
  Slot,
  SLOTS,
} from "../../../components/rotatedKeyUser/rotationModel";
import { encodeRecord } from "../../../components/rotatedKeyUser/rotationRecord";
import { addDays } from "../../../lib/days";
import {
  adopted,
  ADOPTED,
  documentOf,
  edited,
  K,
  key,
  kept,
  KEPT,
  observation,
  overlap,
  OVERLAP,
  pending,
  POLICY,
  retired,
  RETIRED,
  revoked,
  REVOKED,
  STACK,
  steady,
  STEADY,
  TODAY,
  World,
} from "./rotationWorlds";

const SETTINGS: CheckSettings = { userName: "ci", stack: STACK, path: "/", policy: POLICY };

function check(world: World | Observation, settings: Partial<CheckSettings> = {}, today = TODAY) {
  const observed = "tags" in world ? observation(world) : world;
  return checkObservation(observed, { ...SETTINGS, ...settings }, today);
}

/** The world with some tags edited (undefined removes one). */
function tampered(world: World, edits: Record<string, string | undefined>): World {
  return { ...world, tags: edited(world.tags, edits) };
}

const REPAIR = 'docs/runbooks.md, "Repairing a rotation record"';
const REBUILD = `If the tags were edited by hand, set rebuildRecord: true on the user for one run (${REPAIR}).`;
const disagreement = (what: string) =>
  `IAM user "ci": its rotation record (tags) disagrees with the published document: ${what}. ` +
  `Stopping before any change: acting on the tags could delete or deactivate a key consumers ` +
  `use, or keep a key Active too long. ${REBUILD}`;
const inconsistent = (what: string) =>
  `IAM user "ci" has an inconsistent rotation record (its key-rotation:* tags): ${what} ` +
  `Stopping before any change; rebuild it as described in ${REPAIR}.`;
const malformed = (what: string) =>
  `IAM user "ci" has a malformed rotation record: ${what} Stopping before any change; rebuild ` +
  `it as described in ${REPAIR}.`;
const revocationDropped = (tag: string, trusted: string) =>
  `IAM user "ci": tag key-rotation:revoked-before is ${tag}, but the published document records ` +
  `a revocation of keys issued before ${trusted}. Stopping before any change: dropping or moving ` +
  `a revocation earlier would turn a revoked key back on. ${REBUILD}`;
const revocationInvented = (tag: string) =>
  `IAM user "ci": tag key-rotation:revoked-before is ${tag}, but neither the published document ` +
  `nor revokeIssuedBefore revokes keys issued before that day. Stopping before any change: a ` +
  `revocation that nobody configured would cut the consumers of a good key off. To revoke, set ` +
  `users[].revokeIssuedBefore: "${tag}"; otherwise: ${REBUILD}`;
const otherStack = (stack: string) =>
  `IAM user "ci" is managed by stack ${stack} (its key-rotation:stack tag), not ${STACK}. ` +
  `Stopping before any change: a user is managed by one stack only. Remove it from one of the ` +
  `stacks; if the tag was edited, set rebuildRecord: true on the user for one run ` +
  `(docs/runbooks.md, "Repairing a rotation record").`;
const REBUILT =
  `Rebuilt the rotation record of IAM user "ci" from its published document and IAM's keys; ` +
  `remove rebuildRecord from the user once this run succeeds.`;
const cannotRebuild = (why: string) =>
  `Cannot rebuild the rotation record of IAM user "ci": ${why}. Stopping before any change ` +
  `(${REPAIR}).`;

/** For the cases where no exact message exists yet: a stop naming the user and each pattern. */
function assertStops(result: CheckResult, ...patterns: RegExp[]) {
  assert.equal(result.kind, "stop", `expected a stop, got ${JSON.stringify(result)}`);
  const text = result.kind === "stop" ? result.problems.join(" ") : "";
  assert.match(text, /IAM user "ci"/);
  for (const pattern of patterns) assert.match(text, pattern);
}

describe("checkObservation: the worlds the stack leaves", () => {
  it("a new user (no IAM user): issue blue", () => {
    assert.deepEqual(check({ user: null, keys: [], secret: null }), {
      kind: "run",
      recorded: undefined,
      published: null,
      keyIds: {},
      warnings: [],
    });
  });

  it("one key, published", () => {
    assert.deepEqual(check(steady()), {
      kind: "run",
      recorded: STEADY,
      published: { slot: "blue", issuedOn: "2027-02-20", publishedOn: "2027-02-20" },
      keyIds: { blue: K.blue },
      warnings: [],
    });
  });

  it("an overlap running: the record of the document, publication date included", () => {
    assert.deepEqual(check(overlap()), {
      kind: "run",
      recorded: OVERLAP,
      published: { slot: "green", issuedOn: "2027-03-07", publishedOn: "2027-03-07" },
      keyIds: { blue: K.blue, green: K.green },
      warnings: [],
    });
  });

  it("the previous key retired (Inactive, not in the document, its id in the record)", () => {
    assert.deepEqual(check(retired()), {
      kind: "run",
      recorded: RETIRED,
      // The publication day is the record's, not the day the document was last written.
      published: { slot: "green", issuedOn: "2027-02-19", publishedOn: "2027-02-19" },
      keyIds: { blue: K.blue, green: K.green },
      warnings: [],
    });
  });

  for (const replaced of [true, false]) {
    it(`a rotation pending (the run that recorded it failed ${replaced ? "after" : "before"} replacing the key)`, () => {
      assert.deepEqual(check(pending({ replaced })), {
        kind: "run",
        // The tags' state without what only a confirmed publication may say.
        recorded: {
          current: "blue",
          slots: { blue: { issuedOn: "2027-03-09" }, green: { issuedOn: "2027-02-07" } },
        },
        published: { slot: "green", issuedOn: "2027-02-07", publishedOn: "2027-02-07" },
        // The blue key is being replaced: no id.
        keyIds: { green: K.green },
        warnings: [],
      });
    });
  }

  it("a pending rotation does not start the overlap: both keys stay Active", () => {
    const result = check(pending());
    assert.equal(result.kind, "run");
    if (result.kind !== "run") return;
    const plan = advance(result.recorded, POLICY, TODAY, result.published);
    assert.deepEqual(plan.slots, {
      blue: { issuedOn: "2027-03-09", status: "Active" },
      green: { issuedOn: "2027-02-07", status: "Active" },
    });
  });

  it("a revocation recorded", () => {
    assert.deepEqual(check(revoked()), {
      kind: "run",
      recorded: REVOKED,
      published: { slot: "green", issuedOn: "2027-03-07", publishedOn: "2027-03-07" },
      keyIds: { blue: K.blue, green: K.green },
      warnings: [],
    });
  });

  it("an adopted key in the previous slot (its tags kept, adopt no longer set)", () => {
    assert.deepEqual(check(adopted()), {
      kind: "run",
      recorded: ADOPTED,
      published: { slot: "green", issuedOn: "2027-03-05", publishedOn: "2027-03-05" },
      keyIds: { blue: K.hand, green: K.green },
      warnings: [],
    });
  });

  describe("a user's permissions boundary: declared as found, never set or removed by the stack", () => {
    const boundary = "arn:aws:iam::123456789012:policy/team-boundary";

    it("an adopted user whose adopt was dropped keeps it (removing it would widen its permissions)", () => {
      assert.deepEqual(check({ ...adopted(), permissionsBoundary: boundary }), {
        kind: "run",
        recorded: ADOPTED,
        published: { slot: "green", issuedOn: "2027-03-05", publishedOn: "2027-03-05" },
        keyIds: { blue: K.hand, green: K.green },
        permissionsBoundary: boundary,
        warnings: [],
      });
    });

    it("a managed user given one by hand keeps it, a rebuilt record too", () => {
      for (const settings of [{}, { rebuildRecord: true }]) {
        const result = check({ ...steady(), permissionsBoundary: boundary }, settings);
        assert.equal(result.kind, "run");
        assert.equal(result.kind === "run" && result.permissionsBoundary, boundary);
      }
    });

    it("none, or an empty one, is none", () => {
      for (const world of [steady(), { ...steady(), permissionsBoundary: "" }]) {
        const result = check(world);
        assert.equal(result.kind, "run");
        assert.equal(result.kind === "run" && "permissionsBoundary" in result, false);
      }
    });
  });

  it("the previous key kept in use: previous-in-use in the tags may differ (each run decides again)", () => {
    const state: RotationState = { ...OVERLAP, previousInUse: "2027-03-09" };
    const world: World = {
      ...overlap(),
      tags: encodeRecord({ ...state, previousInUse: "2027-03-10" }, STACK),
      document: documentOf(state, { ids: { blue: K.blue, green: K.green }, previous: true }),
    };
    const result = check(world);
    assert.equal(result.kind, "run");
    assert.deepEqual(result.kind === "run" && result.recorded, state);
  });

  describe("legacy documents (no record)", () => {
    it("one key", () => {
      assert.deepEqual(check(steady({ legacy: true })), {
        kind: "run",
        recorded: STEADY,
        published: { slot: "blue", issuedOn: "2027-02-20", publishedOn: "2027-02-20" },
        keyIds: { blue: K.blue },
        warnings: [],
      });
    });

    it("an overlap running: the tags' state (the tags hold no publication date)", () => {
      assert.deepEqual(check(overlap({ legacy: true })), {
        kind: "run",
        recorded: {
          current: "green",
          slots: OVERLAP.slots,
          previousActiveUntil: "2027-03-14",
        },
        published: { slot: "green", issuedOn: "2027-03-07", publishedOn: "2027-03-07" },
        keyIds: { blue: K.blue, green: K.green },
        warnings: [],
      });
    });

    it("the previous key retired: its key is the one IAM key the document does not name", () => {
      assert.deepEqual(check(retired({ legacy: true })), {
        kind: "run",
        recorded: { current: "green", slots: RETIRED.slots, previousActiveUntil: "2027-02-26" },
        published: { slot: "green", issuedOn: "2027-02-19", publishedOn: "2027-02-26" },
        keyIds: { blue: K.blue, green: K.green },
        warnings: [],
      });
    });

    it("a rotation pending", () => {
      assert.deepEqual(check(pending({ legacy: true })), {
        kind: "run",
        recorded: {
          current: "blue",
          slots: { blue: { issuedOn: "2027-03-09" }, green: { issuedOn: "2027-02-07" } },
        },
        published: { slot: "green", issuedOn: "2027-02-07", publishedOn: "2027-02-14" },
        keyIds: { green: K.green },
        warnings: [],
      });
    });

    it("previous-in-use in the tags is ignored", () => {
      const world = tampered(overlap({ legacy: true }), {
        "key-rotation:previous-in-use": "2027-03-10",
      });
      const result = check(world);
      assert.equal(result.kind, "run");
      assert.equal(result.kind === "run" && result.recorded?.previousInUse, undefined);
    });

    for (const [what, document] of [
      ["no secret", null],
      ["a secret that is not JSON", "not json"],
    ] as const) {
      it(`${what}: the overlap waits for a publication, with a warning`, () => {
        const result = check({ ...overlap(), document });
        assert.deepEqual(result, {
          kind: "run",
          recorded: { current: "green", slots: OVERLAP.slots },
          published: null,
          keyIds: {},
          warnings: [
            'The secret of IAM user "ci" does not publish a document of iam-key-rotation; ' +
              "the previous key stays Active until the current key is published again.",
          ],
        });
      });
    }
  });
});

describe("checkObservation: every tamper stops the run before any change", () => {
  describe("slot tags", () => {
    it("the previous slot's tag removed", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:blue": undefined })), {
        kind: "stop",
        problems: [
          disagreement(
            "the tags say current green, blue none, green 2027-03-07; the document published " +
              "current green, blue 2027-02-05, green 2027-03-07",
          ),
        ],
      });
    });

    it("the current slot's tag removed", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:green": undefined })), {
        kind: "stop",
        problems: [
          malformed("tag key-rotation:green is missing: the current slot has no issue date."),
        ],
      });
    });

    it("every record tag removed (without adopt)", () => {
      const world = { ...overlap(), tags: { team: "payments" } };
      assert.deepEqual(check(world), {
        kind: "stop",
        problems: [
          'IAM user "ci" exists but has no rotation record (no key-rotation:* tags). Stopping ' +
            "before any change. A user made outside this stack is taken over with adopt: true " +
            '(docs/runbooks.md, "Adopting existing users"). If the tags were removed by hand, ' +
            `rebuild them with rebuildRecord (${REPAIR}).`,
        ],
      });
    });

    for (const [what, slot, date] of [
      ["the current slot's date edited earlier", "green", "2027-03-01"],
      ["the current slot's date edited later", "green", "2027-03-09"],
      ["the previous slot's date edited earlier", "blue", "2027-01-01"],
      ["the previous slot's date edited later", "blue", "2027-02-20"],
    ] as const) {
      it(what, () => {
        const slots = { ...OVERLAP.slots, [slot]: { issuedOn: date } };
        assert.deepEqual(check(tampered(overlap(), { [`key-rotation:${slot}`]: date })), {
          kind: "stop",
          problems: [
            disagreement(
              `the tags say current green, blue ${slots.blue!.issuedOn}, green ` +
                `${slots.green!.issuedOn}; the document published current green, blue ` +
                `2027-02-05, green 2027-03-07`,
            ),
          ],
        });
      });
    }

    it("a slot tag edited in the retired world (the Inactive key's date)", () => {
      assert.deepEqual(check(tampered(retired(), { "key-rotation:blue": "2027-02-01" })), {
        kind: "stop",
        problems: [
          disagreement(
            "the tags say current green, blue 2027-02-01, green 2027-02-19; the document " +
              "published current green, blue 2027-01-20, green 2027-02-19",
          ),
        ],
      });
    });

    it("current swapped", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:current": "blue" })), {
        kind: "stop",
        problems: [
          inconsistent(
            "previous slot green (issued 2027-03-07) must be older than current slot blue " +
              "(issued 2027-02-05).",
          ),
        ],
      });
    });

    it("current swapped to a slot with no date", () => {
      assert.deepEqual(check(tampered(steady(), { "key-rotation:current": "green" })), {
        kind: "stop",
        problems: [
          malformed("tag key-rotation:green is missing: the current slot has no issue date."),
        ],
      });
    });

    it("current swapped and re-dated like a rotation, while the previous key's overlap runs", () => {
      // Shaped like a failed run's rotation, but the document's previous key is Active until
      // 2027-03-14: re-issuing blue would delete it.
      const world = tampered(overlap(), {
        "key-rotation:current": "blue",
        "key-rotation:blue": "2027-03-10",
        "key-rotation:previous-active-until": undefined,
      });
      assert.deepEqual(check(world), {
        kind: "stop",
        problems: [
          disagreement(
            "the tags say current blue, blue 2027-03-10, green 2027-03-07; the document " +
              "published current green, blue 2027-02-05, green 2027-03-07",
          ),
        ],
      });
    });

    it("the current slot back-dated below the revocation date", () => {
      assert.deepEqual(check(tampered(revoked(), { "key-rotation:green": "2027-03-06" })), {
        kind: "stop",
        problems: [
          disagreement(
            "the tags say current green, blue 2027-02-05, green 2027-03-06; the document " +
              "published current green, blue 2027-02-05, green 2027-03-07",
          ),
        ],
      });
    });

    it("a slot tag that is not a date", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:blue": "2027-02-30" })), {
        kind: "stop",
        problems: [
          malformed('tag key-rotation:blue must be a date YYYY-MM-DD (got "2027-02-30").'),
        ],
      });
    });

    it("a slot dated after today", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:green": "2027-03-11" })), {
        kind: "stop",
        problems: [inconsistent("green issue date 2027-03-11 is after today (2027-03-10).")],
      });
    });

    it("an unknown record tag", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:owner": "me" })), {
        kind: "stop",
        problems: [malformed("tag key-rotation:owner is not a tag this program writes.")],
      });
    });
  });

  describe("previous-active-until", () => {
    it("set to 2099-01-01", () => {
      assert.deepEqual(
        check(tampered(overlap(), { "key-rotation:previous-active-until": "2099-01-01" })),
        {
          kind: "stop",
          problems: [
            disagreement(
              "tag key-rotation:previous-active-until is 2099-01-01, the document says the " +
                "previous key is Active until 2027-03-14",
            ),
          ],
        },
      );
    });

    it("moved one day later", () => {
      assert.deepEqual(
        check(tampered(overlap(), { "key-rotation:previous-active-until": "2027-03-15" })),
        {
          kind: "stop",
          problems: [
            disagreement(
              "tag key-rotation:previous-active-until is 2027-03-15, the document says the " +
                "previous key is Active until 2027-03-14",
            ),
          ],
        },
      );
    });

    it("removed", () => {
      assert.deepEqual(
        check(tampered(overlap(), { "key-rotation:previous-active-until": undefined })),
        {
          kind: "stop",
          problems: [
            disagreement(
              "tag key-rotation:previous-active-until is missing, the document says the " +
                "previous key is Active until 2027-03-14",
            ),
          ],
        },
      );
    });

    it("moved later in the retired world (would turn the Inactive key back on)", () => {
      assert.deepEqual(
        check(tampered(retired(), { "key-rotation:previous-active-until": "2027-03-20" })),
        {
          kind: "stop",
          problems: [
            disagreement(
              "tag key-rotation:previous-active-until is 2027-03-20, the document says the " +
                "previous key is Active until 2027-02-26",
            ),
          ],
        },
      );
    });

    it("added to a one-key user", () => {
      assert.deepEqual(
        check(tampered(steady(), { "key-rotation:previous-active-until": "2099-01-01" })),
        {
          kind: "stop",
          problems: [
            disagreement(
              "tag key-rotation:previous-active-until is 2099-01-01, the document says the " +
                "previous key is Active until (no previous key)",
            ),
          ],
        },
      );
    });
  });

  describe("revoked-before", () => {
    it("dropped", () => {
      assert.deepEqual(check(tampered(revoked(), { "key-rotation:revoked-before": undefined })), {
        kind: "stop",
        problems: [revocationDropped("missing", "2027-03-07")],
      });
    });

    it("moved earlier", () => {
      assert.deepEqual(
        check(tampered(revoked(), { "key-rotation:revoked-before": "2027-02-01" })),
        { kind: "stop", problems: [revocationDropped("2027-02-01", "2027-03-07")] },
      );
    });

    it("dropped even while revokeIssuedBefore is still configured", () => {
      assert.deepEqual(
        check(tampered(revoked(), { "key-rotation:revoked-before": undefined }), {
          revokeIssuedBefore: "2027-03-07",
        }),
        { kind: "stop", problems: [revocationDropped("missing", "2027-03-07")] },
      );
    });

    it("moved later than the recorded one, nobody configured it", () => {
      assert.deepEqual(
        check(tampered(revoked(), { "key-rotation:revoked-before": "2027-03-09" })),
        { kind: "stop", problems: [revocationInvented("2027-03-09")] },
      );
    });

    it("added where nothing was revoked (a no-overlap cut-off of the published key)", () => {
      assert.deepEqual(
        check(tampered(overlap(), { "key-rotation:revoked-before": "2027-03-08" })),
        { kind: "stop", problems: [revocationInvented("2027-03-08")] },
      );
    });

    it("later than the configured revokeIssuedBefore", () => {
      assert.deepEqual(
        check(tampered(overlap(), { "key-rotation:revoked-before": "2027-03-09" }), {
          revokeIssuedBefore: "2027-03-08",
        }),
        { kind: "stop", problems: [revocationInvented("2027-03-09")] },
      );
    });

    it("set to tomorrow", () => {
      assert.deepEqual(
        check(tampered(revoked(), { "key-rotation:revoked-before": "2027-03-11" })),
        {
          kind: "stop",
          problems: [
            inconsistent("revocation date 2027-03-11 is in the future (today is 2027-03-10)."),
          ],
        },
      );
    });

    it("a later date that revokeIssuedBefore configures goes ahead (the run records it)", () => {
      const world = tampered(revoked(), { "key-rotation:revoked-before": "2027-03-09" });
      assert.deepEqual(check(world, { revokeIssuedBefore: "2027-03-09" }), {
        kind: "run",
        // The document's record: the model raises the revocation to the configured date.
        recorded: REVOKED,
        published: { slot: "green", issuedOn: "2027-03-07", publishedOn: "2027-03-07" },
        keyIds: { blue: K.blue, green: K.green },
        warnings: [],
      });
    });

    it("a revocation the run is told to make, recorded by a run that failed before publishing", () => {
      const world = tampered(overlap(), { "key-rotation:revoked-before": "2027-03-08" });
      const result = check(world, { revokeIssuedBefore: "2027-03-08" });
      assert.equal(result.kind, "run");
      assert.deepEqual(result.kind === "run" && result.recorded, OVERLAP);
    });
  });

  describe("adopted and stack", () => {
    it("adopted forged on a user that adopted nothing", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:adopted": `blue:${K.blue}` })), {
        kind: "stop",
        problems: [
          disagreement("tag key-rotation:adopted does not name the key the document adopted"),
        ],
      });
    });

    it("adopted moved to another key", () => {
      assert.deepEqual(check(tampered(adopted(), { "key-rotation:adopted": `blue:${K.blue}` })), {
        kind: "stop",
        problems: [
          disagreement("tag key-rotation:adopted does not name the key the document adopted"),
        ],
      });
    });

    it("adopted removed (would put the key back under the max-age cut: still a disagreement)", () => {
      assert.deepEqual(check(tampered(adopted(), { "key-rotation:adopted": undefined })), {
        kind: "stop",
        problems: [
          disagreement("tag key-rotation:adopted does not name the key the document adopted"),
        ],
      });
    });

    it("adopted naming a slot with no date", () => {
      assert.deepEqual(check(tampered(steady(), { "key-rotation:adopted": `green:${K.hand}` })), {
        kind: "stop",
        problems: [
          malformed("tag key-rotation:adopted names slot green, which has no issue date."),
        ],
      });
    });

    it("stack forged to another stack", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:stack": "other/prod" })), {
        kind: "stop",
        problems: [otherStack("other/prod")],
      });
    });

    it("stack tag malformed", () => {
      assert.deepEqual(check(tampered(overlap(), { "key-rotation:stack": "prod" })), {
        kind: "stop",
        problems: [malformed('tag key-rotation:stack must be PROJECT/STACK (got "prod").')],
      });
    });
  });

  describe("the keys IAM holds", () => {
    it("a hand-made second key on a one-slot user", () => {
      const world = { ...steady(), keys: [...steady().keys, key(K.hand, "Active", "2027-03-01")] };
      assert.deepEqual(check(world), {
        kind: "stop",
        problems: [
          `IAM user "ci" has 2 access keys but its rotation record accounts for 1 slot (blue): ` +
            `${K.hand} (Active, created 2027-03-01) is not the stack's. Stopping before any ` +
            `change. If a key was made by hand, move its consumers to the published key and ` +
            `delete it (aws iam delete-access-key --user-name ci --access-key-id ${K.hand}). ` +
            REBUILD,
        ],
      });
    });

    it("a hand-made Inactive second key on a one-slot user", () => {
      const world = {
        ...steady(),
        keys: [key(K.hand, "Inactive", "2026-01-01"), ...steady().keys],
      };
      const result = check(world);
      assertStops(
        result,
        new RegExp(`${K.hand} \\(Inactive, created 2026-01-01\\) is not the stack's`),
      );
    });

    it("the current key older than its slot's date (a forward-dated record, or an engine that did not replace it)", () => {
      const world = {
        ...overlap(),
        keys: [key(K.blue, "Active", "2027-02-05"), key(K.green, "Active", "2027-02-05")],
      };
      assert.deepEqual(check(world), {
        kind: "stop",
        problems: [
          `IAM user "ci": access key ${K.green} in slot green was created on 2027-02-05, before ` +
            `2027-03-07, the day the record says it was issued. Stopping before any change: a ` +
            `record dated later than its key would keep that key Active too long. ${REBUILD}`,
        ],
      });
    });

    it("a key named by the document but gone from IAM: a warning, the run goes on", () => {
      const world = { ...retired(), keys: [key(K.green, "Active", "2027-02-19")] };
      assert.deepEqual(check(world), {
        kind: "run",
        recorded: RETIRED,
        published: { slot: "green", issuedOn: "2027-02-19", publishedOn: "2027-02-19" },
        keyIds: { green: K.green },
        warnings: [
          `Access key ${K.blue} (slot blue) of IAM user "ci" no longer exists in IAM: it was ` +
            `deleted outside the stack. Run pulumi up with --refresh so the slot is issued again.`,
        ],
      });
    });

    it("a key named by the document gone, a hand-made key in its place: not taken as the slot's key", () => {
      // The document names blue's key: an unnamed key is not the stack's.
      const world = {
        ...retired(),
        keys: [key(K.hand, "Active", "2027-03-01"), key(K.green, "Active", "2027-02-19")],
      };
      assertStops(check(world), new RegExp(K.hand));
    });

    it("an unreadable CreateDate stops, naming the key (never a crash)", () => {
      const world = {
        ...steady(),
        keys: [{ accessKeyId: K.blue, status: "Active" as const, createDate: "" }],
      };
      let result: CheckResult | undefined;
      assert.doesNotThrow(() => {
        result = check(world);
      });
      assertStops(result!, new RegExp(K.blue));
    });
  });

  describe("the rotation-shaped tamper (tags one step ahead of the document)", () => {
    it("the world where the previous key is kept in use goes ahead as recorded", () => {
      assert.deepEqual(check(kept()), {
        kind: "run",
        recorded: KEPT,
        published: { slot: "green", issuedOn: "2027-02-24", publishedOn: "2027-02-24" },
        keyIds: { blue: K.blue, green: K.green },
        warnings: [],
      });
    });

    it("re-issuing the slot of a key kept Active because it is still used", () => {
      // Blue's overlap ended on 2027-03-03, but a consumer still used it: the last run kept it
      // Active on 2027-03-09. Tags shaped like a rotation the next day would delete it with no
      // last-use check.
      const world = tampered(kept(), {
        "key-rotation:current": "blue",
        "key-rotation:blue": "2027-03-10",
        "key-rotation:previous-active-until": undefined,
        "key-rotation:previous-in-use": undefined,
      });
      // The run may only go ahead after reading that key's use (runPlan's quiet check stops it
      // when the key was used since the last day it was kept).
      const result = check(world);
      assert.equal(result.kind, "run");
      assert.deepEqual(result.kind === "run" && result.mustBeQuiet, {
        accessKeyId: "AKIAEXAMPLEBLUE00001",
        since: "2027-03-09",
      });
    });
  });

  describe("the same tampers against a legacy document", () => {
    const legacy = () => overlap({ legacy: true });

    it("the previous slot's tag removed", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:blue": undefined })), {
        kind: "stop",
        problems: [
          disagreement(
            "the document's previous key was issued on 2027-02-05, the tags say blue was issued on (no date)",
          ),
        ],
      });
    });

    it("the previous slot's date edited", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:blue": "2027-02-01" })), {
        kind: "stop",
        problems: [
          disagreement(
            "the document's previous key was issued on 2027-02-05, the tags say blue was issued on 2027-02-01",
          ),
        ],
      });
    });

    for (const date of ["2027-03-01", "2027-03-09"]) {
      it(`the current slot's date edited (${date})`, () => {
        assert.deepEqual(check(tampered(legacy(), { "key-rotation:green": date })), {
          kind: "stop",
          problems: [
            disagreement(
              `the tags say current green, blue 2027-02-05, green ${date}; the document ` +
                `publishes green issued 2027-03-07`,
            ),
          ],
        });
      });
    }

    it("current swapped", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:current": "blue" })), {
        kind: "stop",
        problems: [
          inconsistent(
            "previous slot green (issued 2027-03-07) must be older than current slot blue " +
              "(issued 2027-02-05).",
          ),
        ],
      });
    });

    it("current swapped and re-dated like a rotation while the published previous key's overlap runs", () => {
      // The document still publishes blue as the previous key, Active until 2027-03-14;
      // re-issuing blue deletes it.
      const world = tampered(legacy(), {
        "key-rotation:current": "blue",
        "key-rotation:blue": "2027-03-09",
      });
      assertStops(check(world));
    });

    it("previous-active-until set to 2099-01-01 (the document announces the end)", () => {
      assert.deepEqual(
        check(tampered(legacy(), { "key-rotation:previous-active-until": "2099-01-01" })),
        {
          kind: "stop",
          problems: [
            disagreement(
              "tag key-rotation:previous-active-until is 2099-01-01, but the previous key's " +
                "overlap ends on 2027-03-14, as published",
            ),
          ],
        },
      );
    });

    it("previous-active-until set to 2099-01-01 (no previous key in the document)", () => {
      const world = tampered(retired({ legacy: true }), {
        "key-rotation:previous-active-until": "2099-01-01",
      });
      assert.deepEqual(check(world), {
        kind: "stop",
        problems: [
          disagreement(
            "tag key-rotation:previous-active-until is 2099-01-01, but the document written on " +
              "2027-02-26 no longer publishes the previous key: its overlap was over",
          ),
        ],
      });
    });

    it("previous-active-until moved past the day the document dropped the previous key (turns it back on)", () => {
      // The legacy document was rewritten without the previous key on 2027-02-26, the day it
      // went Inactive. On 2027-02-28, moving the end to 2027-03-05 re-activates it.
      const world = tampered(retired({ legacy: true }), {
        "key-rotation:previous-active-until": "2027-03-05",
      });
      const result = check(world, {}, "2027-02-28");
      if (result.kind === "run") {
        const plan = advance(result.recorded, POLICY, "2027-02-28", result.published);
        assert.equal(plan.slots.blue?.status, "Inactive", "the retired key is turned back on");
      }
    });

    it("previous-active-until removed once the document dropped the previous key (restarts its overlap)", () => {
      // Without the tag, the overlap restarts from the day the document was last written
      // (2027-02-26, the day the previous key went Inactive): on 2027-03-04 it is Active again.
      const world = tampered(retired({ legacy: true }), {
        "key-rotation:previous-active-until": undefined,
      });
      const result = check(world, {}, "2027-03-04");
      if (result.kind === "run") {
        const plan = advance(result.recorded, POLICY, "2027-03-04", result.published);
        assert.equal(plan.slots.blue?.status, "Inactive", "the retired key is turned back on");
      }
    });

    it("revoked-before later than configured", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:revoked-before": "2027-03-08" })), {
        kind: "stop",
        problems: [revocationInvented("2027-03-08")],
      });
    });

    it("revoked-before tomorrow", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:revoked-before": "2027-03-11" })), {
        kind: "stop",
        problems: [
          inconsistent("revocation date 2027-03-11 is in the future (today is 2027-03-10)."),
        ],
      });
    });

    it("adopted forged", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:adopted": `blue:${K.blue}` })), {
        kind: "stop",
        problems: [
          `IAM user "ci": tag key-rotation:adopted is not backed by a published document that ` +
            `records the adoption. Stopping before any change. ${REBUILD}`,
        ],
      });
    });

    it("stack forged", () => {
      assert.deepEqual(check(tampered(legacy(), { "key-rotation:stack": "other/prod" })), {
        kind: "stop",
        problems: [otherStack("other/prod")],
      });
    });

    it("a hand-made second key", () => {
      const world = steady({ legacy: true });
      world.keys = [...world.keys, key(K.hand, "Active", "2027-03-01")];
      assertStops(check(world), /has 2 access keys but its rotation record accounts for 1 slot/);
    });

    it("the previous slot forward-dated past its (unnamed) key's creation", () => {
      const world = tampered(retired({ legacy: true }), { "key-rotation:blue": "2027-01-25" });
      assert.deepEqual(check(world), {
        kind: "stop",
        problems: [
          `IAM user "ci": access key ${K.blue} (slot blue) was created on 2027-01-20, before ` +
            `2027-01-25, the day the record says it was issued. Stopping before any change. ${REBUILD}`,
        ],
      });
    });

    it("the current slot forward-dated together with the document's date", () => {
      const world = overlap({ legacy: true });
      world.keys = [key(K.blue, "Active", "2027-02-05"), key(K.green, "Active", "2027-03-01")];
      assertStops(
        check(world),
        /access key AKIAEXAMPLEGREEN0001 in slot green was created on 2027-03-01, before 2027-03-07/,
      );
    });

    it("the previous slot removed in the retired world: its key is then unaccounted for", () => {
      const world = tampered(retired({ legacy: true }), { "key-rotation:blue": undefined });
      assertStops(
        check(world),
        /has 2 access keys but its rotation record accounts for 1 slot \(green\)/,
      );
    });
  });
});

describe("checkObservation: the published document itself", () => {
  it("a malformed record stops", () => {
    const world = overlap();
    (world.document as any).record.current = "purple";
    (world.document as any).record.slots.blue.accessKeyId = "nope";
    assert.deepEqual(check(world), {
      kind: "stop",
      problems: [
        'The published document of IAM user "ci" carries a malformed rotation record ' +
          "(record.current is not blue or green; record.slots.blue.accessKeyId is not an access " +
          "key id). Stopping before any change: the secret was written by someone other than " +
          "this stack. Restore it from the secret's previous version.",
      ],
    });
  });

  it("a record whose current slot has no entry stops (never a crash)", () => {
    const world = steady();
    (world.document as any).record.current = "green";
    let result: CheckResult | undefined;
    assert.doesNotThrow(() => {
      result = check(world);
    });
    assertStops(result!);
  });

  it("a record dated in the future stops, naming the user (the model would throw later)", () => {
    const world = overlap();
    (world.document as any).record.publishedOn = "2027-03-20";
    assertStops(check(world), /2027-03-20/);
  });

  it("a document written by another stack stops", () => {
    const world = overlap();
    (world.document as any).record.stack = "other/prod";
    assert.deepEqual(check(world), {
      kind: "stop",
      problems: [
        'The published document of IAM user "ci" was written by stack other/prod, not ' +
          `${STACK}. Stopping before any change: a user is managed by one stack only.`,
      ],
    });
  });

  it("another stack's document stops even with rebuildRecord", () => {
    const world = overlap();
    (world.document as any).record.stack = "other/prod";
    const result = check(world, { rebuildRecord: true });
    assertStops(result, /written by stack other\/prod/);
  });
});

describe("checkObservation: adopt", () => {
  const ADOPT = { adopt: { deleteInactiveKey: false } };
  const DELETE = { adopt: { deleteInactiveKey: true } };
  const BOUNDARY = "arn:aws:iam::123456789012:policy/boundary";
  /** An existing user with no record and these keys. */
  const existing = (keys: World["keys"], extra: Partial<World> = {}): World => ({
    tags: { team: "payments", "cost-center": "42" },
    document: null,
    writtenOn: "",
    keys,
    ...extra,
  });

  it("a user that does not exist stops", () => {
    assert.deepEqual(check({ user: null, keys: [], secret: null }, ADOPT), {
      kind: "stop",
      problems: [
        'IAM user "ci" does not exist, so there is nothing to adopt. Remove adopt to create ' +
          "the user, or fix the user name.",
      ],
    });
  });

  it("a user with a record of this stack proceeds (adopt left set after adoption)", () => {
    assert.deepEqual(check(adopted(), ADOPT), {
      kind: "run",
      recorded: ADOPTED,
      published: { slot: "green", issuedOn: "2027-03-05", publishedOn: "2027-03-05" },
      keyIds: { blue: K.hand, green: K.green },
      adoption: { keepTags: { team: "payments" }, deleteKeys: [] },
      warnings: [],
    });
  });

  it("a user with a record and no stack tag stops", () => {
    assert.deepEqual(check(overlap({ legacy: true }), ADOPT), {
      kind: "stop",
      problems: [
        'IAM user "ci" already has a rotation record, written by a stack that did not adopt ' +
          "it. Remove adopt: the user is managed already (by this stack, or by another one: " +
          "check every stack that lists it).",
      ],
    });
  });

  it("a user with another stack's record stops", () => {
    const world = tampered(overlap(), { "key-rotation:stack": "other/prod" });
    (world.document as any).record.stack = "other/prod";
    assertStops(check(world, ADOPT), /written by stack other\/prod, not iam-key-rotation\/test/);
    world.document = null;
    assert.deepEqual(check(world, ADOPT), { kind: "stop", problems: [otherStack("other/prod")] });
  });

  it("a user whose tags were wiped but whose published document records this stack stops", () => {
    // Adopting the published key as if hand-made would re-issue its slot (deleting it) and
    // delete the stack's own Inactive key.
    const world = { ...retired(), tags: { team: "payments" } };
    assertStops(check(world, DELETE));
    assertStops(check({ ...steady(), tags: {} }, ADOPT));
  });

  it("a different path stops, naming the path", () => {
    const world = existing([key(K.hand, "Active", "2026-06-01")], { path: "/legacy/" });
    assert.deepEqual(check(world, ADOPT), {
      kind: "stop",
      problems: [
        'IAM user "ci" exists under the path /legacy/, not /: adopting it must not change its ' +
          'ARN. Set path: "/legacy/" on the user, then run again.',
      ],
    });
  });

  it("no key: issue blue as for a new user, keeping the tags and the boundary", () => {
    assert.deepEqual(check(existing([], { permissionsBoundary: BOUNDARY }), ADOPT), {
      kind: "run",
      recorded: undefined,
      published: null,
      keyIds: {},
      adoption: { keepTags: { team: "payments", "cost-center": "42" }, deleteKeys: [] },
      permissionsBoundary: BOUNDARY,
      warnings: [],
    });
  });

  it("one Active key: recorded in blue as adopted, issued on its creation day", () => {
    const world = existing([key(K.hand, "Active", "2026-06-01")], {
      permissionsBoundary: BOUNDARY,
    });
    world.tags = { ...world.tags, "aws:cloudformation:stack-name": "legacy" };
    assert.deepEqual(check(world, ADOPT), {
      kind: "run",
      recorded: {
        current: "blue",
        slots: { blue: { issuedOn: "2026-06-01" } },
        adopted: { slot: "blue", accessKeyId: K.hand },
      },
      published: null,
      keyIds: { blue: K.hand },
      adoption: {
        keepTags: {
          team: "payments",
          "cost-center": "42",
          "aws:cloudformation:stack-name": "legacy",
        },
        deleteKeys: [],
      },
      permissionsBoundary: BOUNDARY,
      warnings: [],
    });
  });

  it("one Active key created today: issued yesterday, so the key issued today is newer", () => {
    const world = existing([
      { accessKeyId: K.hand, status: "Active", createDate: "2027-03-10T01:00:00Z" },
    ]);
    const result = check(world, ADOPT);
    assert.equal(result.kind, "run");
    assert.deepEqual(result.kind === "run" && result.recorded, {
      current: "blue",
      slots: { blue: { issuedOn: "2027-03-09" } },
      adopted: { slot: "blue", accessKeyId: K.hand },
    });
  });

  it("one Active key with revokeIssuedBefore: the revocation is recorded", () => {
    const result = check(existing([key(K.hand, "Active", "2026-06-01")]), {
      ...ADOPT,
      revokeIssuedBefore: "2027-01-01",
    });
    assert.equal(result.kind, "run");
    assert.deepEqual(result.kind === "run" && result.recorded, {
      current: "blue",
      slots: { blue: { issuedOn: "2026-06-01" } },
      adopted: { slot: "blue", accessKeyId: K.hand },
      revokedBefore: "2027-01-01",
    });
  });

  it("two Active keys stop, naming both with age and last use, and the aws iam command", () => {
    const observed = observation(
      existing([key(K.hand, "Active", "2025-11-02"), key(K.hand2, "Active", "2026-08-15")]),
    );
    observed.lastUse = {
      [K.hand]: { date: "2027-03-09T10:00:00Z", service: "s3", region: "eu-west-1" },
      [K.hand2]: { date: "2026-12-01T08:30:00Z", service: "sts", region: "us-east-1" },
    };
    assert.deepEqual(check(observed, ADOPT), {
      kind: "stop",
      problems: [
        `IAM user "ci" has two Active access keys: ${K.hand} (created 2025-11-02, 493 days old, ` +
          `last used 2027-03-09 by s3 in eu-west-1) and ${K.hand2} (created 2026-08-15, 207 ` +
          `days old, last used 2026-12-01 by sts in us-east-1). Adoption takes over one key, and ` +
          `never deactivates a hand-made key: move every consumer to one of them, deactivate the ` +
          `other (the one used least recently is ${K.hand2}: aws iam update-access-key ` +
          `--user-name ci --access-key-id ${K.hand2} --status Inactive), then run again.`,
      ],
    });
  });

  it("two Active keys, one never used: that is the one to deactivate", () => {
    const observed = observation(
      existing([key(K.hand, "Active", "2025-11-02"), key(K.hand2, "Active", "2026-08-15")]),
    );
    observed.lastUse = {
      [K.hand]: { date: "2027-03-09T10:00:00Z", service: "s3", region: "eu-west-1" },
      [K.hand2]: null,
    };
    const result = check(observed, ADOPT);
    assertStops(
      result,
      /AKIAEXAMPLEHAND00002 \(created 2026-08-15, 207 days old, never used\)/,
      /the one used least recently is AKIAEXAMPLEHAND00002/,
    );
  });

  it("two Active keys, one whose last use could not be read: never called the least recently used", () => {
    const observed = observation(
      existing([key(K.hand, "Active", "2025-11-02"), key(K.hand2, "Active", "2026-08-15")]),
    );
    observed.lastUse = {
      [K.hand]: { date: "2027-03-09T10:00:00Z", service: "s3", region: "eu-west-1" },
    };
    const result = check(observed, ADOPT);
    assertStops(
      result,
      /AKIAEXAMPLEHAND00002 \(created 2026-08-15, 207 days old, last use unknown\)/,
    );
    const text = result.kind === "stop" ? result.problems.join(" ") : "";
    assert.doesNotMatch(
      text,
      /the one used least recently is AKIAEXAMPLEHAND00002/,
      "a key whose last use is unknown may be the one in use",
    );
  });

  it("Active + Inactive without deleteInactiveKey stops with the delete command", () => {
    const observed = observation(
      existing([key(K.hand, "Active", "2025-11-02"), key(K.hand2, "Inactive", "2026-08-15")]),
    );
    observed.lastUse = { [K.hand2]: null };
    assert.deepEqual(check(observed, ADOPT), {
      kind: "stop",
      problems: [
        `IAM user "ci" has an Inactive access key ${K.hand2} (created 2026-08-15, 207 days old, ` +
          `never used); IAM allows two keys and the rotation needs a free slot. Delete it (aws ` +
          `iam delete-access-key --user-name ci --access-key-id ${K.hand2}), or set adopt: { ` +
          `deleteInactiveKey: true } on the user to let the run delete it.`,
      ],
    });
  });

  it("Active + Inactive with deleteInactiveKey adopts the Active key and deletes the other", () => {
    const inactive = key(K.hand2, "Inactive", "2026-08-15");
    assert.deepEqual(check(existing([inactive, key(K.hand, "Active", "2025-11-02")]), DELETE), {
      kind: "run",
      recorded: {
        current: "blue",
        slots: { blue: { issuedOn: "2025-11-02" } },
        adopted: { slot: "blue", accessKeyId: K.hand },
      },
      published: null,
      keyIds: { blue: K.hand },
      adoption: { keepTags: { team: "payments", "cost-center": "42" }, deleteKeys: [inactive] },
      warnings: [],
    });
  });

  it("two Inactive keys without deleteInactiveKey: one problem each", () => {
    const inactive = (id: string, created: string, age: number) =>
      `IAM user "ci" has an Inactive access key ${id} (created ${created}, ${age} days old, ` +
      `last use unknown); IAM allows two keys and the rotation needs a free slot. Delete it (aws ` +
      `iam delete-access-key --user-name ci --access-key-id ${id}), or set adopt: { ` +
      `deleteInactiveKey: true } on the user to let the run delete it.`;
    const result = check(
      existing([key(K.hand, "Inactive", "2025-11-02"), key(K.hand2, "Inactive", "2026-08-15")]),
      ADOPT,
    );
    assert.deepEqual(result, {
      kind: "stop",
      problems: [inactive(K.hand, "2025-11-02", 493), inactive(K.hand2, "2026-08-15", 207)],
    });
  });

  it("two Inactive keys with deleteInactiveKey: both deleted, blue issued", () => {
    const keys = [key(K.hand, "Inactive", "2025-11-02"), key(K.hand2, "Inactive", "2026-08-15")];
    assert.deepEqual(check(existing(keys), DELETE), {
      kind: "run",
      recorded: undefined,
      published: null,
      keyIds: {},
      adoption: { keepTags: { team: "payments", "cost-center": "42" }, deleteKeys: keys },
      warnings: [],
    });
  });

  it("a first adoption run that failed before publishing is not a dead end", () => {
    // The run of 2027-03-09 imported the user (tags written: the adopted key in blue, green
    // issued) and failed before the secret was written. The next run must be able to go on.
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-09-01" }, green: { issuedOn: "2027-03-09" } },
      previousActiveUntil: "2027-03-16",
      previousWasStale: true,
      adopted: { slot: "blue", accessKeyId: K.hand },
    };
    const world = existing(
      [key(K.hand, "Active", "2026-09-01"), key(K.green, "Active", "2027-03-09")],
      { tags: { team: "payments", ...encodeRecord(state, STACK) } },
    );
    const result = check(world, ADOPT);
    const rebuilt = check(world, { ...ADOPT, rebuildRecord: true });
    assert.ok(
      result.kind === "run" || rebuilt.kind === "run",
      `neither the run nor rebuildRecord can go on: ${JSON.stringify([result, rebuilt])}`,
    );
  });
});

describe("checkObservation: rebuildRecord", () => {
  const REBUILD_SETTINGS = { rebuildRecord: true };

  it("from a document with a record: the tags are ignored", () => {
    for (const tags of [
      edited(overlap().tags, { "key-rotation:previous-active-until": "2099-01-01" }),
      {},
    ]) {
      assert.deepEqual(check({ ...overlap(), tags }, REBUILD_SETTINGS), {
        kind: "run",
        recorded: OVERLAP,
        published: { slot: "green", issuedOn: "2027-03-07", publishedOn: "2027-03-07" },
        keyIds: { blue: K.blue, green: K.green },
        warnings: [REBUILT],
      });
    }
  });

  it("from a legacy document with the previous key (its announced end)", () => {
    assert.deepEqual(check({ ...overlap({ legacy: true }), tags: {} }, REBUILD_SETTINGS), {
      kind: "run",
      recorded: OVERLAP,
      published: { slot: "green", issuedOn: "2027-03-07", publishedOn: "2027-03-07" },
      keyIds: { blue: K.blue, green: K.green },
      warnings: [REBUILT],
    });
  });

  it("from a legacy document with the previous key and no announced end: publication + overlapDays", () => {
    const world = { ...overlap({ legacy: true }), tags: {}, writtenOn: "2027-03-08" };
    delete (world.document as any).previous.deactivatesOn;
    const result = check(world, REBUILD_SETTINGS);
    assert.equal(result.kind, "run");
    assert.deepEqual(result.kind === "run" && result.recorded, {
      ...OVERLAP,
      publishedOn: "2027-03-08",
      previousActiveUntil: "2027-03-15",
    });
  });

  it("from a legacy document with an Inactive other key: its overlap over", () => {
    assert.deepEqual(check({ ...retired({ legacy: true }), tags: {} }, REBUILD_SETTINGS), {
      kind: "run",
      recorded: RETIRED,
      published: { slot: "green", issuedOn: "2027-02-19", publishedOn: "2027-02-26" },
      keyIds: { blue: K.blue, green: K.green },
      warnings: [REBUILT],
    });
  });

  it("from a legacy document with one key, with revokeIssuedBefore", () => {
    const result = check(
      { ...steady({ legacy: true }), tags: {} },
      {
        ...REBUILD_SETTINGS,
        revokeIssuedBefore: "2027-03-01",
      },
    );
    assert.deepEqual(result, {
      kind: "run",
      recorded: { ...STEADY, revokedBefore: "2027-03-01" },
      published: { slot: "blue", issuedOn: "2027-02-20", publishedOn: "2027-02-20" },
      keyIds: { blue: K.blue },
      warnings: [REBUILT],
    });
  });

  it("cannot: no secret", () => {
    assert.deepEqual(check({ ...overlap(), document: null }, REBUILD_SETTINGS), {
      kind: "stop",
      problems: [cannotRebuild("its secret publishes nothing")],
    });
  });

  it("cannot: a secret that is not a document", () => {
    assert.deepEqual(check({ ...overlap(), document: "not json" }, REBUILD_SETTINGS), {
      kind: "stop",
      problems: [cannotRebuild("its secret does not hold a document of iam-key-rotation")],
    });
  });

  it("cannot: the published key is not one of the user's keys", () => {
    const world = { ...steady({ legacy: true }), keys: [key(K.hand, "Active", "2027-02-20")] };
    assert.deepEqual(check(world, REBUILD_SETTINGS), {
      kind: "stop",
      problems: [cannotRebuild(`the published key ${K.blue} is not one of its keys in IAM`)],
    });
  });

  it("cannot: the other key is newer than the published one", () => {
    const world = steady({ legacy: true });
    world.keys = [...world.keys, key(K.hand, "Inactive", "2027-03-01")];
    assert.deepEqual(check(world, REBUILD_SETTINGS), {
      kind: "stop",
      problems: [
        cannotRebuild(
          `its other key ${K.hand} is newer than the published one, so which slot is current ` +
            `cannot be told`,
        ),
      ],
    });
  });

  it("cannot: more keys than two slots hold", () => {
    const world = steady({ legacy: true });
    world.keys = [
      ...world.keys,
      key(K.hand, "Inactive", "2026-03-01"),
      key(K.hand2, "Inactive", "2026-04-01"),
    ];
    assert.deepEqual(check(world, REBUILD_SETTINGS), {
      kind: "stop",
      problems: [cannotRebuild("it has more keys than two slots can hold")],
    });
  });

  it("cannot: the rebuilt record is invalid (one sentence, one full stop)", () => {
    const world = steady({ legacy: true });
    (world.document as any).issuedOn = "2027-03-11";
    assert.deepEqual(check(world, REBUILD_SETTINGS), {
      kind: "stop",
      problems: [cannotRebuild("blue issue date 2027-03-11 is after today (2027-03-10)")],
    });
  });

  it("a rebuilt record still meets the keys: a hand-made key stops", () => {
    const world = steady();
    world.keys = [...world.keys, key(K.hand, "Active", "2027-03-01")];
    assertStops(check(world, REBUILD_SETTINGS), /is not the stack's/);
  });
});

describe("checkObservation: random tag tampering (property)", () => {
  const WORLDS: Record<string, () => World> = {
    steady: () => steady(),
    overlap: () => overlap(),
    retired: () => retired(),
    revoked: () => revoked(),
    kept: () => kept(),
    adopted: () => adopted(),
    pending: () => pending(),
    "legacy steady": () => steady({ legacy: true }),
    "legacy overlap": () => overlap({ legacy: true }),
    "legacy retired": () => retired({ legacy: true }),
    "legacy pending": () => pending({ legacy: true }),
  };
  // Every date of the worlds, a day either side of the interesting ones, and far away.
  const DATES = [
    ...["2027-01-08", "2027-01-20", "2027-01-25", "2027-02-05", "2027-02-07", "2027-02-14"],
    ...["2027-02-19", "2027-02-20", "2027-02-26", "2027-03-01", "2027-03-03", "2027-03-05"],
    ...["2027-03-06", "2027-03-07", "2027-03-08", "2027-03-09", "2027-03-10", "2027-03-12"],
    ...["2027-03-14", "2027-03-16", "2027-03-20", "2099-01-01"],
  ];
  const edit = fc.oneof(
    fc.record({
      tag: fc.constant("key-rotation:current"),
      value: fc.constantFrom("blue", "green", undefined),
    }),
    fc.record({
      tag: fc.constantFrom(
        "key-rotation:blue",
        "key-rotation:green",
        "key-rotation:previous-active-until",
        "key-rotation:revoked-before",
        "key-rotation:previous-in-use",
      ),
      value: fc.constantFrom<string | undefined>(...DATES, undefined),
    }),
    fc.record({
      tag: fc.constant("key-rotation:adopted"),
      value: fc.constantFrom(`blue:${K.blue}`, `green:${K.green}`, `blue:${K.hand}`, undefined),
    }),
  );

  /**
   * Whatever the tags say, a run that goes ahead must plan what it would have planned from the
   * untampered tags for every key that matters: a key the document gives consumers stays
   * Active and is not re-issued, and no key is Active that would not have been.
   */
  it("no accepted tamper cuts off a published key or keeps a key Active longer", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(WORLDS)),
        fc.integer({ min: -14, max: 12 }),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(undefined, "2027-02-01", "2027-02-20", "2027-03-01", "2027-03-08"),
        (name, offset, edits, revoke) => {
          const today = addDays(TODAY, offset);
          const settings =
            revoke !== undefined && revoke <= today ? { revokeIssuedBefore: revoke } : {};
          const world = WORLDS[name]();
          const untampered = check(world, settings, today);
          if (untampered.kind !== "run") return; // the world is not valid yet on that day
          const changes: Record<string, string | undefined> = {};
          for (const e of edits) changes[e.tag] = e.value;
          const result = check(tampered(world, changes), settings, today);
          if (result.kind !== "run") return;
          const revokeDate = settings.revokeIssuedBefore;
          const before = advance(
            untampered.recorded,
            POLICY,
            today,
            untampered.published,
            revokeDate,
          );
          const after = advance(result.recorded, POLICY, today, result.published, revokeDate);
          const doc = world.document as { slot: Slot; previous?: { slot: Slot } };
          const published = [doc.slot, ...(doc.previous ? [doc.previous.slot] : [])];
          for (const slot of SLOTS) {
            const issuedOn = untampered.recorded?.slots[slot]?.issuedOn;
            const keeps = (plan: RotationPlan) =>
              plan.slots[slot]?.issuedOn === issuedOn && plan.slots[slot]?.status === "Active";
            const context = `${name} on ${today}, tags ${JSON.stringify(changes)}: ${slot} was ${JSON.stringify(before.slots)}, is ${JSON.stringify(after.slots)}`;
            if (published.includes(slot) && keeps(before)) {
              assert.ok(keeps(after), `cut-off: ${context}`);
            }
            if (keeps(after)) assert.ok(keeps(before), `kept Active longer: ${context}`);
          }
        },
      ),
      { numRuns: 4000, seed: 20270310 },
    );
  });
});
