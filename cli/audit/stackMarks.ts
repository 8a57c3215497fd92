/**
 * `audit --stack`: reads the rotation record of the stack's users that the audit found
 * (iam:ListUserTags, one call per such user, `concurrency` at a time; no other user is read) and
 * marks every key with the stack's management of it (cli/audit/managed.ts).
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import { iamSdk } from "../sdk";
import { mapConcurrent } from "../../lib/pool";
import type { StackMarks } from "./auditDocument";
import type { InventoryUser } from "./inventory";
import { manageKeys, readRecordTags, StackUser } from "./managed";

async function tagsOf(iam: IAMClient, userName: string): Promise<Record<string, string> | null> {
  const tags: Record<string, string> = {};
  try {
    for await (const page of iamSdk().paginateListUserTags(
      { client: iam },
      { UserName: userName },
    )) {
      for (const tag of page.Tags ?? []) tags[tag.Key!] = tag.Value ?? "";
    }
  } catch (err) {
    const name = (err as Error).name;
    if (name === "NoSuchEntityException" || name === "NoSuchEntity") return null;
    throw err;
  }
  return tags;
}

export async function markStackKeys(
  iam: IAMClient,
  users: readonly InventoryUser[],
  stack: { id: string; userNames: readonly string[] },
  concurrency: number,
): Promise<StackMarks> {
  const listed = new Set(stack.userNames);
  const found = users.filter((u) => u.root !== true && listed.has(u.name));
  const read = new Map<string, StackUser>();
  await mapConcurrent(found, concurrency, async (user) => {
    const tags = await tagsOf(iam, user.name);
    read.set(
      user.name,
      tags === null
        ? { listed: true, unreadable: "the user was deleted while the audit read it" }
        : { listed: true, record: readRecordTags(tags) },
    );
  });
  return {
    stack: stack.id,
    of: (user) =>
      manageKeys(
        user.keys,
        user.root === true ? { listed: false } : (read.get(user.name) ?? { listed: false }),
        stack.id,
      ),
  };
}
