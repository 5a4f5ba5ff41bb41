import type { Fill } from "../exchange.js";
import { botActivity, BOT_LOOKBACK_MS, isBot, signalsOf, type BotActivity } from "./bots.js";
import type { RoundTrip } from "./round-trips.js";

/**
 * The bot rule's part of a metrics checkpoint (./checkpoint.ts). The rule looks at the 7 days
 * before the trader's newest perp fill (./bots.ts): not a sum, so the checkpoint carries that
 * week's activity in detail — hours, orders, round-trip holds — for a market maker up to ~1 MB.
 * It keeps it only while a later run could still need it, which is exact because the lookback
 * only moves forward:
 *
 * - once a perp fill at least a week after `last` is known (the caller gave the fold the fills
 *   after its horizon too, as a job that holds the last month does), no lookback ever reaches back
 *   to `last` again: the detail goes, and a run must show such a fill (rows refuse otherwise);
 * - once the horizon is a week past `last`, any fill after it is too: only the flag of the
 *   lookback ending at `last` is kept, the answer when no perp fill follows.
 *
 * So the detail stays only for a trader whose newest fill is within a week of the horizon.
 */
export interface CheckpointBot {
  /** Newest perp fill folded; null without any. */
  last: number | null;
  /** The lookback ending at `last`, while a later run may need it; null once none can. */
  activity: BotActivity | null;
  /** isBot of that lookback, kept when the horizon passed last + 7 d; else null. */
  flag: boolean | null;
}

type BotRoundTrip = Pick<RoundTrip, "closed_at" | "partial_start" | "hold_ms">;

const newestPerpTime = (perp: readonly Fill[]): number | null => {
  let newest: number | null = null;
  for (const f of perp) if (newest === null || f.time > newest) newest = f.time;
  return newest;
};

/**
 * The rule's activity after a checkpoint (`bot`, null: none) over the perp fills after its horizon
 * and the round trips they closed; null when the checkpoint dropped the detail this would need.
 */
export const carryBotActivity = (bot: CheckpointBot | null, perp: readonly Fill[], closed: readonly BotRoundTrip[]): BotActivity | null => {
  if (bot === null) return botActivity(perp, closed);
  if (bot.activity !== null) return botActivity(perp, closed, bot.activity);
  const newest = newestPerpTime(perp);
  // A lookback ending a week or more after `last` holds nothing of the checkpoint's.
  if (bot.last === null || (newest !== null && newest >= bot.last + BOT_LOOKBACK_MS)) return botActivity(perp, closed);
  return null;
};

/** The flag of the rows: from the activity, or the checkpoint's own when no perp fill followed it. */
export const botFlagAfter = (bot: CheckpointBot | null, activity: BotActivity | null, perp: readonly Fill[]): boolean => {
  if (activity !== null) return isBot(signalsOf(activity));
  if (perp.length === 0 && bot?.flag != null) return bot.flag;
  throw new RangeError(`the metrics checkpoint's bot lookback relied on a perp fill at or after ${String((bot?.last ?? 0) + BOT_LOOKBACK_MS)} that the history given lacks: rebuild it`);
};

/**
 * The checkpoint's bot part at `upTo`, from the activity carried over the folded fills (`perp`);
 * `later`: the newest perp fill the caller gave after `upTo`, if any.
 */
export const foldBot = (previous: CheckpointBot | null, activity: BotActivity | null, perp: readonly Fill[], upTo: number, later: number | null): CheckpointBot => {
  const newest = newestPerpTime(perp);
  const last = newest ?? previous?.last ?? null;
  if (last === null) return { last: null, activity: null, flag: false };
  // A later fill a week on settles it whatever else holds (first, so that the result does not
  // depend on how many steps the history was folded in).
  if (later !== null && later >= last + BOT_LOOKBACK_MS) return { last, activity: null, flag: null };
  if (activity === null) {
    // Dropped before, and no new perp fill: nothing changed. With new ones it is needed and gone.
    if (newest === null && previous !== null) return previous;
    throw new RangeError(`the metrics checkpoint's bot lookback was dropped on the strength of a fill after ${upTo} that was not given again: rebuild it`);
  }
  if (upTo >= last + BOT_LOOKBACK_MS) return { last, activity: null, flag: isBot(signalsOf(activity)) };
  return { last, activity, flag: null };
};
