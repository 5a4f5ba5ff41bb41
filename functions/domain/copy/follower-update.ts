import type { FollowerRecord, FollowerStore } from "./ports.js";

/**
 * One change to a follower's config or state under the version it was decided on: read, decide,
 * write conditioned on the version, and on a lost race read again and decide again (the other
 * writer may have made the change moot). The API's PATCH/pause/resume/stop and the engine's
 * pause and close-done all write the same record, so each decides against what is stored now.
 */

export type FollowerChange = Parameters<FollowerStore["update"]>[2];

export type FollowerUpdate =
  | { outcome: "updated"; record: FollowerRecord }
  /** `decide` found nothing to do; `record` is the one it looked at. */
  | { outcome: "unchanged"; record: FollowerRecord }
  | { outcome: "missing" }
  /** Every attempt lost the race to another writer. */
  | { outcome: "conflict" };

export interface FollowerUpdateInput {
  store: Pick<FollowerStore, "get" | "update">;
  id: string;
  /**
   * The change to make to `current`, or null when there is nothing to do. `at` is the time the
   * write will carry (a pause's `at` is the record's `updatedAt`). May throw: the error goes to the caller.
   */
  decide: (current: FollowerRecord, at: number) => FollowerChange | null | Promise<FollowerChange | null>;
  now: () => number;
  attempts: number;
  /** The record as the caller already has it: the first attempt decides on it without reading. */
  current?: FollowerRecord;
}

export const updateFollowerUnderVersion = async (input: FollowerUpdateInput): Promise<FollowerUpdate> => {
  let known = input.current;
  for (let attempt = 0; attempt < input.attempts; attempt++) {
    const current = known ?? (await input.store.get(input.id));
    known = undefined;
    if (current === undefined) return { outcome: "missing" };
    const at = input.now();
    const change = await input.decide(current, at);
    if (change === null) return { outcome: "unchanged", record: current };
    const result = await input.store.update(input.id, current.version, change, at);
    if (result === "missing") return { outcome: "missing" };
    if (result !== "conflict") return { outcome: "updated", record: result };
  }
  return { outcome: "conflict" };
};
