import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { fromDay } from "../lib/days";
import { KeyFacts, otherSlot, SLOTS } from "./accessKeys";
import { indexStack, RotatedKeyUserFacts } from "./stackIndex";
import { today } from "./thresholds";
import { UNKNOWN } from "./unknownValues";

/** The first Pulumi CLI that honours replacementTrigger (older ones ignore it silently). */
const MIN_PULUMI_CLI = "3.208.0";

/**
 * Tamper findings: a RotatedKeyUser whose registered `rotationState` (the record this run writes
 * to the user's tags) disagrees with what the stack shows in a way that could cut consumers off
 * or keep a key Active past its maximum age. Small and exact on purpose; the program
 * cross-checks the record with IAM and the published key before it changes anything. Each
 * finding is a state no run of this program writes:
 * - `revokedBefore` after today (a run records revocation dates up to the day it runs);
 * - a slot recorded as issued more than a day after IAM created its key (the record makes the
 *   key younger than it is; also what an engine that ignores replacementTrigger leaves: a slot
 *   "re-issued" today whose key was never replaced);
 * - `adopted` naming a key id other than the one in its slot (an adopted key keeps its overlap
 *   past the maximum age, so this would extend another key's life);
 * - the previous key (not adopted) kept Active by `previousActiveUntil` on or after its issue
 *   date + rotation.maxAgeDays, while no rotation is under way (a run cuts the overlap there).
 */
export const rotationRecord: StackValidationPolicy = {
  name: "iam-rotation-record",
  description:
    "A RotatedKeyUser's rotation record must agree with its keys where a disagreement could cut consumers off or keep a key Active past its maximum age.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const now = today();
    for (const component of indexStack(args.resources).components) {
      for (const message of recordProblems(component, now)) {
        reportViolation(message, component.resource.urn);
      }
    }
  },
};

function recordProblems(component: RotatedKeyUserFacts, now: number): string[] {
  const record = component.record;
  if (record === undefined) return [];
  const who =
    `RotatedKeyUser "${component.resource.name}"` +
    (component.userName !== undefined ? ` (IAM user "${component.userName}")` : "");
  const problems: string[] = [];

  if (record.revokedBefore !== undefined && record.revokedBefore > now) {
    problems.push(
      `${who} records revokedBefore ${fromDay(record.revokedBefore)}, after today ` +
        `(${fromDay(now)}): a revocation date in the future also revokes the key this stack ` +
        `issues to replace the revoked ones, cutting its consumers off again. A run records ` +
        `revocation dates up to the day it runs, so the key-rotation:revoked-before tag was ` +
        `edited: set it back to the recorded revocation date.`,
    );
  }

  for (const slot of SLOTS) {
    const key = component.keys[slot];
    const issuedOn = record.issuedOn[slot];
    if (key === undefined || issuedOn === undefined || record.adopted?.slot === slot) continue;
    if (typeof key.createdOn !== "number" || key.createdOn >= issuedOn - 1) continue;
    problems.push(
      `${who} records its ${slot} key "${key.resource.name}"${idText(key)} as issued on ` +
        `${fromDay(issuedOn)}, but IAM created that key on ${fromDay(key.createdOn)}: the ` +
        `record makes it ${issuedOn - key.createdOn} days younger than it is, so it would stay ` +
        `Active past its maximum age. Either the Pulumi CLI running this update ignores the ` +
        `replacementTrigger that re-issues a slot (CLIs older than ${MIN_PULUMI_CLI} do: ` +
        `upgrade it) or the key-rotation:${slot} tag was edited; do not deploy until the ` +
        `record matches the keys in IAM.`,
    );
  }

  const adopted = record.adopted;
  const adoptedKey = adopted !== undefined ? component.keys[adopted.slot] : undefined;
  if (
    adopted?.accessKeyId !== undefined &&
    adoptedKey?.id !== undefined &&
    adoptedKey.id !== adopted.accessKeyId
  ) {
    problems.push(
      `${who} records the key in its ${adopted.slot} slot as adopted (${adopted.accessKeyId}), ` +
        `but that slot holds ${adoptedKey.id}: an adopted key keeps its overlap past the ` +
        `maximum age, so marking another key adopted extends that key's life. The ` +
        `key-rotation:adopted tag was edited: set it back to the key the stack took over, or ` +
        `remove it if that key is gone.`,
    );
  }

  const previous = otherSlot(record.current);
  const previousKey = component.keys[previous];
  const previousIssued = record.issuedOn[previous];
  const maxAgeDays = component.rotation.maxAgeDays;
  const until = record.previousActiveUntil;
  if (
    previousKey?.status === "Active" &&
    adopted?.slot !== previous &&
    previousIssued !== undefined &&
    maxAgeDays !== undefined &&
    until !== undefined &&
    until > now &&
    now >= previousIssued + maxAgeDays &&
    component.keys[record.current]?.createdOn !== UNKNOWN
  ) {
    problems.push(
      `${who} keeps its previous key "${previousKey.resource.name}"${idText(previousKey)} ` +
        `Active until ${fromDay(until)} (rotationState.previousActiveUntil), although it reached ` +
        `its maximum age on ${fromDay(previousIssued + maxAgeDays)} (issued ` +
        `${fromDay(previousIssued)} + rotation.maxAgeDays ${maxAgeDays}). A run ends the ` +
        `overlap at the maximum age, so the key-rotation:previous-active-until tag was edited ` +
        `or the record was written by an older version of this program: do not deploy until ` +
        `the previous key is planned Inactive.`,
    );
  }
  return problems;
}

function idText(key: KeyFacts): string {
  return key.id !== undefined ? ` (${key.id})` : "";
}
