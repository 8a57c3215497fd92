/**
 * Published-key documents for the CLI's tests, built the way RotatedKeyUser writes them: from a
 * rotation state, through the component tests' own builder (documentOf: the current key, the
 * previous one while it is Active, and the full record with each slot's key id and the stack),
 * with real keys (made in moto) and a real user name in place of the builder's placeholders.
 */
import type { PublishedKeyDocument } from "../../components/rotatedKeyUser/publishedKey";
import { otherSlot, RotationState, Slot } from "../../components/rotatedKeyUser/rotationModel";
import { documentOf } from "../components/rotatedKeyUser/rotationWorlds";

export interface DocumentKey {
  id: string;
  secret: string;
}

export interface PublishedTextOptions {
  user: string;
  /** The key of each slot (the current slot's is required). */
  keys: Partial<Record<Slot, DocumentKey>>;
  /** Publish the previous slot's key (during an overlap). */
  previous?: boolean;
  /** `project/stack` written in the record. */
  stack?: string;
  /** A document of an earlier version: no `record`. */
  legacy?: boolean;
}

/** The JSON text of the published document of `state`. */
export function publishedText(state: RotationState, options: PublishedTextOptions): string {
  const ids: Partial<Record<Slot, string>> = {};
  for (const [slot, key] of Object.entries(options.keys) as [Slot, DocumentKey][]) {
    ids[slot] = key.id;
  }
  const doc: PublishedKeyDocument = documentOf(state, {
    ids,
    previous: options.previous,
    stack: options.stack,
    legacy: options.legacy,
  });
  doc.userName = options.user;
  doc.secretAccessKey = options.keys[state.current]!.secret;
  if (doc.previous !== undefined) {
    doc.previous.secretAccessKey = options.keys[otherSlot(state.current)]!.secret;
  }
  return JSON.stringify(doc);
}
