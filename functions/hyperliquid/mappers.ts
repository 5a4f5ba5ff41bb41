import type { AccountState, ExchangePosition, Fill, PerpAsset, PerpDex, RecentTrade } from "#domain/exchange.js";
import { ExchangeSchemaError } from "./errors.js";
import type { ClearinghouseStateResponse, HlFill, MetaResponse, PerpDexsResponse, RecentTradesResponse } from "./schemas.js";

/**
 * From validated wire shapes to the domain's types. Strings are passed through untouched: the
 * domain does its arithmetic in decimals, so "-0.00785" must arrive as "-0.00785".
 */

export const toPosition = (
  p: ClearinghouseStateResponse["assetPositions"][number]["position"],
): ExchangePosition => ({
  coin: p.coin,
  szi: p.szi,
  entryPx: p.entryPx,
  leverage: { type: p.leverage.type, value: p.leverage.value },
  positionValue: p.positionValue,
  unrealizedPnl: p.unrealizedPnl,
  liquidationPx: p.liquidationPx,
  marginUsed: p.marginUsed,
});

/** Both the 2023 shape (no `time`) and today's map here; `time` is null when the exchange omits it. */
export const toAccountState = (s: ClearinghouseStateResponse): AccountState => ({
  positions: s.assetPositions.map((a) => toPosition(a.position)),
  accountValue: s.marginSummary.accountValue,
  withdrawable: s.withdrawable ?? null,
  time: s.time ?? null,
});

export const toPerpAssets = (m: MetaResponse): PerpAsset[] =>
  m.universe.map((u) => ({
    name: u.name,
    szDecimals: u.szDecimals,
    maxLeverage: u.maxLeverage,
    isDelisted: u.isDelisted === true,
  }));

/** The builder dexes; the `null` entries (the main dex at index 0) are not one. */
export const toPerpDexs = (dexes: PerpDexsResponse): PerpDex[] =>
  dexes.flatMap((d) => (d === null ? [] : [{ name: d.name, fullName: d.fullName }]));

/**
 * The domain stores fills keyed by `tid` (deduplication), so a fill without one cannot be used.
 * Old recordings lack it; the live API always sends it. We fail loudly rather than invent an id.
 */
export const toFills = (fills: readonly HlFill[], requestType: string, user: string): Fill[] =>
  fills.map((f, i) => {
    if (f.tid === undefined) {
      throw new ExchangeSchemaError(requestType, user, `${i}.tid: required to deduplicate fills, got undefined`, `${i}.tid`);
    }
    return {
      coin: f.coin,
      px: f.px,
      sz: f.sz,
      side: f.side,
      time: f.time,
      startPosition: f.startPosition,
      dir: f.dir,
      closedPnl: f.closedPnl,
      hash: f.hash,
      oid: f.oid,
      tid: f.tid,
      fee: f.fee,
      feeToken: f.feeToken ?? null,
      crossed: f.crossed,
      ...(f.liquidation && {
        liquidation: {
          liquidatedUser: f.liquidation.liquidatedUser?.toLowerCase() ?? null,
          markPx: f.liquidation.markPx ?? null,
          method: f.liquidation.method ?? null,
        },
      }),
    };
  });

/** Addresses lowercased: the domain stores every trader address in lowercase. */
export const toRecentTrades = (trades: RecentTradesResponse): RecentTrade[] =>
  trades.map((t) => ({
    coin: t.coin,
    side: t.side,
    px: t.px,
    sz: t.sz,
    time: t.time,
    hash: t.hash,
    tid: t.tid,
    users: [t.users[0].toLowerCase(), t.users[1].toLowerCase()],
  }));
