/**
 * The JSON of `pulumi stack output --json` as the program writes it (index.ts: per user
 * `userArn`, `currentSlot`, `currentAccessKeyId`, `secretArn`, `nextRotationOn`,
 * `rotationState` and `run`), typed with the component's own types: `run` is a RunReport
 * (components/rotatedKeyUser/rotatedKeyUser.ts) and `rotationState` a RotationState built by
 * the rotation model, so a change of either shape fails the type check of the tests that read
 * these outputs (`summary`, `plan --state`, the rotation workflow's summary step).
 */
import type { RunReport } from "../../components/rotatedKeyUser/rotatedKeyUser";
import {
  advance,
  DEFAULT_POLICY,
  RotationState,
  Slot,
} from "../../components/rotatedKeyUser/rotationModel";

/** One user's outputs, field for field as index.ts exports them. */
export interface ProgramUserOutputs {
  userArn: string;
  currentSlot: Slot;
  currentAccessKeyId: string;
  secretArn: string;
  nextRotationOn: string;
  rotationState: RotationState;
  run: RunReport;
}

export const RUN_DAY = "2026-12-22";

export const KEYS = {
  ciGreen: "AKIACIGREEN000000002",
  vendorGreen: "AKIAVENDORGREEN00002",
  lateGreen: "AKIALATEGREEN0000002",
  hand: "AKIAHANDMADE00000001",
} as const;

const arns = (user: string) => ({
  userArn: `arn:aws:iam::123456789012:user/key-rotation/${user}`,
  secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/${user}-AbCdEf`,
});

/** Rotated today (the model's run of RUN_DAY): green re-issued, blue in its overlap. */
const ciState = advance(
  {
    current: "blue",
    slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-10-23" } },
    publishedOn: "2026-11-22",
    previousActiveUntil: "2026-11-29",
  },
  DEFAULT_POLICY,
  RUN_DAY,
).state;

/** Runs were missed: the stale blue key is replaced today and keeps its overlap. */
const lateState = advance(
  { current: "blue", slots: { blue: { issuedOn: "2026-08-01" } } },
  DEFAULT_POLICY,
  RUN_DAY,
).state;

/**
 * An adopted key kept Active one more day because it was used after the new key was published
 * (short of its max-age bound): with lateState, every optional field of the record is set.
 */
const vendorState: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2026-10-01" }, green: { issuedOn: "2026-12-08" } },
  publishedOn: "2026-12-08",
  previousActiveUntil: "2026-12-15",
  revokedBefore: "2025-01-01",
  previousInUse: RUN_DAY,
  adopted: { slot: "blue", accessKeyId: KEYS.hand },
};

/** The outputs of the run of RUN_DAY: two rotations, one adopted key kept in use. */
export function programOutputs(): { users: Record<string, ProgramUserOutputs> } {
  return {
    users: {
      ci: {
        ...arns("ci"),
        currentSlot: "green",
        currentAccessKeyId: KEYS.ciGreen,
        nextRotationOn: "2027-01-21",
        rotationState: ciState,
        run: {
          date: RUN_DAY,
          events: [
            { kind: "delete", slot: "green", keyIssuedOn: "2026-10-23" },
            { kind: "issue", slot: "green", keyIssuedOn: RUN_DAY },
          ],
          keptInUse: null,
          previousDeactivatesOn: "2026-12-29",
          warnings: [],
        },
      },
      late: {
        ...arns("late"),
        currentSlot: "green",
        currentAccessKeyId: KEYS.lateGreen,
        nextRotationOn: "2027-01-21",
        rotationState: lateState,
        run: {
          date: RUN_DAY,
          events: [{ kind: "issue", slot: "green", keyIssuedOn: RUN_DAY }],
          keptInUse: null,
          previousDeactivatesOn: "2026-12-29",
          warnings: [],
        },
      },
      vendor: {
        ...arns("vendor"),
        currentSlot: "green",
        currentAccessKeyId: KEYS.vendorGreen,
        nextRotationOn: "2027-01-07",
        rotationState: vendorState,
        run: {
          date: RUN_DAY,
          events: [],
          keptInUse: {
            slot: "blue",
            accessKeyId: KEYS.hand,
            // As liveReads.ts writes it: Date.toISOString(), milliseconds included.
            lastUsed: { date: "2026-12-21T17:30:00.000Z", service: "athena", region: null },
          },
          previousDeactivatesOn: "2026-12-23",
          warnings: [
            `The previous access key ${KEYS.hand} of IAM user "vendor" was used on 2026-12-21 ` +
              "by athena: it stays Active one more day.",
          ],
        },
      },
    },
  };
}
