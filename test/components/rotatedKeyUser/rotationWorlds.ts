/**
 * What a run observes of one managed user, built the way the stack leaves it: the record tags
 * (encodeRecord), the published document (as RotatedKeyUser writes it: the current key, the
 * previous one while it is Active, and the record with each slot's key id and the stack), and
 * the keys IAM holds. Shared by the cross-check and run-plan tests.
 */
import type { Observation, ObservedKey } from "../../../components/rotatedKeyUser/crossCheck";
import {
  PublishedKeyDocument,
  publishedRecordOf,
} from "../../../components/rotatedKeyUser/publishedKey";
import {
  otherSlot,
  RotationPolicy,
  RotationState,
  Slot,
} from "../../../components/rotatedKeyUser/rotationModel";
import { encodeRecord } from "../../../components/rotatedKeyUser/rotationRecord";

export const STACK = "iam-key-rotation/test";
export const USER = "ci";
export const TODAY = "2027-03-10";
export const POLICY: RotationPolicy = { everyDays: 30, overlapDays: 7, maxAgeDays: 90 };

export const K = {
  blue: "AKIAEXAMPLEBLUE00001",
  green: "AKIAEXAMPLEGREEN0001",
  newBlue: "AKIAEXAMPLEBLUE00002",
  hand: "AKIAEXAMPLEHAND00001",
  hand2: "AKIAEXAMPLEHAND00002",
} as const;

/** A key IAM holds, created at 09:15 UTC on `day`. */
export function key(accessKeyId: string, status: "Active" | "Inactive", day: string): ObservedKey {
  return { accessKeyId, status, createDate: `${day}T09:15:00Z` };
}

export interface DocumentOptions {
  /** Key id of each slot, as the run knew it. */
  ids: Partial<Record<Slot, string>>;
  /** Publish the previous key (it is Active and not adopted). */
  previous?: boolean;
  /** Stack written in the record. Defaults to STACK. */
  stack?: string;
  /** A document of an earlier version: no `record`. */
  legacy?: boolean;
}

/** The published document of a state, as RotatedKeyUser writes it (key order included). */
export function documentOf(state: RotationState, options: DocumentOptions): PublishedKeyDocument {
  const { ids } = options;
  const current = state.current;
  const doc: PublishedKeyDocument = {
    accessKeyId: ids[current]!,
    secretAccessKey: `secret-of-${ids[current]}`,
    slot: current,
    issuedOn: state.slots[current]!.issuedOn,
    userName: USER,
  };
  const previousSlot = otherSlot(current);
  if (options.previous === true) {
    doc.previous = {
      accessKeyId: ids[previousSlot]!,
      secretAccessKey: `secret-of-${ids[previousSlot]}`,
      slot: previousSlot,
      issuedOn: state.slots[previousSlot]!.issuedOn,
      ...(state.previousActiveUntil !== undefined && {
        deactivatesOn: state.previousActiveUntil,
      }),
    };
  }
  if (options.legacy === true) return doc;
  doc.record = publishedRecordOf(state, options.stack ?? STACK, ids);
  return doc;
}

export interface World {
  tags: Record<string, string>;
  /** The document (an object, serialized here) or raw secret text; null: no secret. */
  document: object | string | null;
  writtenOn: string;
  keys: ObservedKey[];
  path?: string;
  permissionsBoundary?: string;
}

export function observation(world: World): Observation {
  return {
    user: {
      path: world.path ?? "/",
      tags: world.tags,
      ...(world.permissionsBoundary !== undefined && {
        permissionsBoundary: world.permissionsBoundary,
      }),
    },
    keys: world.keys,
    secret:
      world.document === null
        ? null
        : {
            text:
              typeof world.document === "string" ? world.document : JSON.stringify(world.document),
            writtenOn: world.writtenOn,
          },
  };
}

/** Tags with some edited (a value of undefined removes the tag). */
export function edited(
  tags: Record<string, string>,
  edits: Record<string, string | undefined>,
): Record<string, string> {
  const out = { ...tags };
  for (const [k, v] of Object.entries(edits)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The worlds, on TODAY = 2027-03-10 with POLICY 30/7/90.

/** One key, blue, issued and published 2027-02-20. */
export const STEADY: RotationState = {
  current: "blue",
  slots: { blue: { issuedOn: "2027-02-20" } },
};

export function steady(options: { legacy?: boolean } = {}): World {
  return {
    tags: encodeRecord(STEADY, options.legacy === true ? undefined : STACK),
    document: documentOf(STEADY, { ids: { blue: K.blue }, legacy: options.legacy }),
    writtenOn: "2027-02-20",
    keys: [key(K.blue, "Active", "2027-02-20")],
  };
}

/** Green published 2027-03-07; blue (2027-02-05) Active until 2027-03-14. */
export const OVERLAP: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2027-02-05" }, green: { issuedOn: "2027-03-07" } },
  publishedOn: "2027-03-07",
  previousActiveUntil: "2027-03-14",
};

export function overlap(options: { legacy?: boolean } = {}): World {
  return {
    tags: encodeRecord(OVERLAP, options.legacy === true ? undefined : STACK),
    document: documentOf(OVERLAP, {
      ids: { blue: K.blue, green: K.green },
      previous: true,
      legacy: options.legacy,
    }),
    writtenOn: "2027-03-07",
    keys: [key(K.blue, "Active", "2027-02-05"), key(K.green, "Active", "2027-03-07")],
  };
}

/**
 * Green published 2027-02-19; blue (2027-01-20) went Inactive on 2027-02-26, when the document
 * was last written (without the previous key).
 */
export const RETIRED: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2027-01-20" }, green: { issuedOn: "2027-02-19" } },
  publishedOn: "2027-02-19",
  previousActiveUntil: "2027-02-26",
};

export function retired(options: { legacy?: boolean } = {}): World {
  return {
    tags: encodeRecord(RETIRED, options.legacy === true ? undefined : STACK),
    document: documentOf(RETIRED, {
      ids: { blue: K.blue, green: K.green },
      legacy: options.legacy,
    }),
    writtenOn: "2027-02-26",
    keys: [key(K.blue, "Inactive", "2027-01-20"), key(K.green, "Active", "2027-02-19")],
  };
}

/**
 * Retired world one rotation earlier, and the run of 2027-03-09 that re-issued blue failed
 * before publishing: the tags are one step ahead of the document.
 */
export const PENDING_DOCUMENT: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2027-01-08" }, green: { issuedOn: "2027-02-07" } },
  publishedOn: "2027-02-07",
  previousActiveUntil: "2027-02-14",
};
/** The record the failed run of 2027-03-09 wrote to the tags (afterPublication of its plan). */
export const PENDING_TAGS: RotationState = {
  current: "blue",
  slots: { blue: { issuedOn: "2027-03-09" }, green: { issuedOn: "2027-02-07" } },
  publishedOn: "2027-03-09",
  previousActiveUntil: "2027-03-16",
};

export function pending(options: { legacy?: boolean; replaced?: boolean } = {}): World {
  return {
    tags: encodeRecord(PENDING_TAGS, options.legacy === true ? undefined : STACK),
    document: documentOf(PENDING_DOCUMENT, {
      ids: { blue: K.blue, green: K.green },
      legacy: options.legacy,
    }),
    writtenOn: "2027-02-14",
    keys: [
      // Failed after the replacement (default) or before it.
      options.replaced === false
        ? key(K.blue, "Inactive", "2027-01-08")
        : key(K.newBlue, "Active", "2027-03-09"),
      key(K.green, "Active", "2027-02-07"),
    ],
  };
}

/**
 * A leak revoked on 2027-03-07 (revokeIssuedBefore 2027-03-07): blue (2027-02-05), the current
 * key, was replaced by green that day and went Inactive at once, with no overlap.
 */
export const REVOKED: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2027-02-05" }, green: { issuedOn: "2027-03-07" } },
  publishedOn: "2027-03-07",
  previousActiveUntil: "2027-03-14",
  revokedBefore: "2027-03-07",
};

export function revoked(): World {
  return {
    tags: encodeRecord(REVOKED, STACK),
    document: documentOf(REVOKED, { ids: { blue: K.blue, green: K.green } }),
    writtenOn: "2027-03-07",
    keys: [key(K.blue, "Inactive", "2027-02-05"), key(K.green, "Active", "2027-03-07")],
  };
}

/**
 * Adopted on 2027-03-05: the hand-made key (created 2026-09-01, so already stale) holds blue,
 * green was issued and published that day; the adopted key is never published.
 */
export const ADOPTED: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2026-09-01" }, green: { issuedOn: "2027-03-05" } },
  publishedOn: "2027-03-05",
  previousActiveUntil: "2027-03-12",
  previousWasStale: true,
  adopted: { slot: "blue", accessKeyId: K.hand },
};

export function adopted(): World {
  return {
    tags: { team: "payments", ...encodeRecord(ADOPTED, STACK) },
    document: documentOf(ADOPTED, { ids: { blue: K.hand, green: K.green } }),
    writtenOn: "2027-03-05",
    keys: [key(K.hand, "Active", "2026-09-01"), key(K.green, "Active", "2027-03-05")],
  };
}

/**
 * Green published 2027-02-24; blue's overlap ended on 2027-03-03, but a consumer still used
 * it, so the runs kept it Active, the last one on 2027-03-09 (which rewrote the document).
 */
export const KEPT: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2027-01-25" }, green: { issuedOn: "2027-02-24" } },
  publishedOn: "2027-02-24",
  previousActiveUntil: "2027-03-03",
  previousInUse: "2027-03-09",
};

export function kept(): World {
  return {
    tags: encodeRecord(KEPT, STACK),
    document: documentOf(KEPT, { ids: { blue: K.blue, green: K.green }, previous: true }),
    writtenOn: "2027-03-09",
    keys: [key(K.blue, "Active", "2027-01-25"), key(K.green, "Active", "2027-02-24")],
  };
}
