import { decStr, sign, sumDec } from "#commons/decimal.js";
import type { Address } from "./address.js";
import { type AccountState, type CallOptions, type ExchangePort, MAIN_DEX } from "./exchange.js";
import { builderDexesOf, dexOfCoin } from "./perp-universe.js";
import type { TraderStore, TrackingState } from "./ports.js";
import type { PositionMap } from "./positions.js";

/**
 * Which perp dexes a trader's poll covers. `clearinghouseState` shows one dex's positions (the main
 * dex's without `dex`), at 2 weight a dex, and there are many builder dexes: asking all of them for
 * every trader would multiply tracking's cost for the few who trade there. So a poll asks the main
 * dex and the builder dexes the trader is known to be active on: those of his stored positions,
 * those his fills or the stream's trades showed him on (kept in his state with when), dropped once
 * he has held nothing there for `DEX_IDLE_MS`. A trader never seen on a builder dex costs one
 * request, as before.
 */

/** A builder dex where he holds nothing and was not seen for this long is no longer polled. */
export const DEX_IDLE_MS = 7 * 24 * 3_600_000;
/** A dex already noted is noted again (a write) at most this often while he stays active there. */
const DEX_REFRESH_MS = 24 * 3_600_000;

/** The builder dexes to poll: his noted and hinted ones, those of his stored positions and those just seen. */
export const dexesToPoll = (state: TrackingState, seenCoins: Iterable<string>): string[] =>
  [
    ...new Set([
      ...Object.keys(state.dexes),
      ...Object.keys(state.dexHints),
      ...builderDexesOf(Object.keys(state.positions)),
      ...builderDexesOf(seenCoins),
    ]),
  ].sort();

/**
 * The main dex's clearinghouse and each of `dexes`', as one account. Coin names carry their dex
 * (`xyz:TSLA`), so the positions simply add up; each dex holds its own margin, so the account
 * values add up too. The snapshot time is the earliest of them: fills up to it are in every one.
 */
export const pollDexes = async (
  exchange: Pick<ExchangePort, "clearinghouseState">,
  address: Address,
  dexes: readonly string[],
  call: CallOptions,
): Promise<AccountState> => {
  const main = exchange.clearinghouseState(address, call);
  if (dexes.length === 0) return main;
  const states = await Promise.all([main, ...dexes.map((dex) => exchange.clearinghouseState(address, call, dex))]);
  const times = states.map((s) => s.time);
  return {
    positions: states.flatMap((s) => s.positions),
    accountValue: decStr(sumDec(states.map((s) => s.accountValue))),
    withdrawable: states[0]!.withdrawable,
    time: times.every((t) => t !== null) ? Math.min(...(times as number[])) : null,
  };
};

/** The polled builder dexes never polled for him before (not noted, none of his stored positions there). */
export const freshDexes = (state: TrackingState, polled: readonly string[]): string[] => {
  const held = builderDexesOf(Object.keys(state.positions));
  return polled.filter((d) => state.dexes[d] === undefined && !held.has(d));
};

/**
 * The positions a diff starts from when some dexes are polled for the first time: for those dexes
 * this poll is a baseline, as a new trader's first poll is. A position there that none of `fills`
 * touches was held before we looked: it is taken as it is, and makes no event. One the fills touch
 * started at the size before the first of them (`startPosition`, with the trader's own fills;
 * zero with the stream's, which do not tell it). Entry prices from before are unknown (null).
 */
export const withFreshDexes = (
  stored: PositionMap,
  current: PositionMap,
  fresh: readonly string[],
  fills: readonly { coin: string; startPosition?: string }[],
): PositionMap => {
  if (fresh.length === 0) return stored;
  const first = new Map<string, { startPosition?: string }>();
  for (const f of fills) if (!first.has(f.coin)) first.set(f.coin, f);
  const base = { ...stored };
  for (const [coin, p] of Object.entries(current)) {
    if (!fresh.includes(dexOfCoin(coin)) || Object.hasOwn(stored, coin)) continue;
    const f = first.get(coin);
    if (f === undefined) base[coin] = p;
    else if (f.startPosition !== undefined && sign(f.startPosition) !== 0) {
      base[coin] = { szi: f.startPosition, entryPx: null, leverage: p.leverage };
    }
  }
  return base;
};

/** The builder dexes among `coins` that `polled` did not cover: poll them too before diffing. */
export const unpolledDexes = (coins: Iterable<string>, polled: readonly string[]): string[] =>
  [...builderDexesOf(coins)].filter((d) => !polled.includes(d)).sort();

/**
 * After a poll: note the builder dexes he showed activity on (positions now held, fills or trades
 * just seen) that are new or stale in his state, and drop those he has left. Writes only when the
 * set changes or a noted time is a day old, so an unchanged poll still writes nothing.
 */
export const updateDexes = async (
  traders: Pick<TraderStore, "noteDexes" | "dropDexes">,
  state: TrackingState,
  activeCoins: Iterable<string>,
  now: number,
): Promise<void> => {
  const active = builderDexesOf(activeCoins);
  const note: Record<string, number> = {};
  for (const dex of active) {
    const seen = state.dexes[dex];
    if (seen === undefined || now - seen >= DEX_REFRESH_MS) note[dex] = now;
  }
  // A hinted dex has had its first poll: it is noted (with his last fill there) or, idle, forgotten.
  const hinted = Object.entries(state.dexHints);
  for (const [dex, at] of hinted) if (note[dex] === undefined && state.dexes[dex] === undefined && now - at < DEX_IDLE_MS) note[dex] = at;
  const drop = Object.entries(state.dexes)
    .filter(([dex, seen]) => dex !== MAIN_DEX && !active.has(dex) && now - seen >= DEX_IDLE_MS)
    .map(([dex]) => dex);
  await traders.noteDexes(state.address, note);
  await traders.dropDexes(state.address, drop);
  await traders.dropDexes(state.address, hinted.map(([dex]) => dex), "hint");
};

