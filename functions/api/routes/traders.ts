import { isoOrNull } from "#commons/iso-time.js";
import type { LeaderboardCache } from "../leaderboard-cache.js";
import { NotFoundError } from "#commons/errors.js";
import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { dataFreshness, DEFAULT_FRESHNESS_RULES, type DataFreshness } from "#domain/history/freshness.js";
import { lastTrackedAt, type CycleFacts } from "#domain/last-tracked.js";
import { valuePosition, type MidPrices } from "#domain/marks.js";
import { builderDexesOf, dexOfCoin } from "#domain/perp-universe.js";
import { sideOf } from "#domain/positions.js";
import type { TraderView } from "#domain/read-models.js";
import { trackTrader, trackTraders } from "#domain/traders.js";
import { BULK_TRACK_MAX_BODY_BYTES, bulkTrackBody, bulkTrackResponseSchema, MAX_BULK_TRACK } from "../bulk-track-schemas.js";
import {
  addressParams,
  eventSchema,
  eventsQuery,
  pageOf,
  pageQuery,
  trackResultSchema,
  traderDetailSchema,
  traderSummarySchema,
} from "../schemas.js";
import type { RouteContext } from "./context.js";

const summary = (t: TraderView, cycle: CycleFacts | null) => {
  const tracked = lastTrackedAt(
    {
      address: t.address,
      isActive: t.is_active,
      trackedSince: Date.parse(t.first_seen_at),
      lastChangedAt: t.lastChangedAt,
      lastFailedAt: t.lastFailedAt,
    },
    cycle,
  );
  return {
    address: t.address,
    first_seen_at: t.first_seen_at,
    last_tracked_at: tracked === null ? null : new Date(tracked).toISOString(),
    is_active: t.is_active,
    discovery_source: t.discovery_source,
    discovery_coin: t.discovery_coin,
  };
};

const openPositions = (t: TraderView, marks: MidPrices | null) =>
  Object.entries(t.positions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([coin, p]) => ({
      coin,
      dex: dexOfCoin(coin),
      side: sideOf(p.szi) ?? "LONG",
      size: decStr(dec(p.szi).abs()),
      szi: p.szi,
      entry_price: p.entryPx,
      leverage: p.leverage?.value ?? null,
      leverage_type: p.leverage?.type ?? null,
      // Own-property lookup: a coin named like an Object.prototype member must not find a function.
      ...valuePosition(p.szi, p.entryPx, marks !== null && Object.hasOwn(marks.mids, coin) ? marks.mids[coin] : null),
    }));

const freshnessBody = (f: DataFreshness) => ({
  status: f.status,
  fills_synced_at: isoOrNull(f.fillsSyncedAt),
  ledger_synced_at: isoOrNull(f.ledgerSyncedAt),
  funding_synced_at: isoOrNull(f.fundingSyncedAt),
  portfolio_fetched_at: isoOrNull(f.portfolioFetchedAt),
  stale_sources: f.staleSources,
  failing_since: Object.fromEntries(Object.entries(f.failingSince).map(([source, at]) => [source, new Date(at).toISOString()])),
});

/** The 404 of every route under /traders/{address}. */
export const traderNotFound = (address: Address) => new NotFoundError(`Trader ${address} is not tracked`);

export const registerTraderRoutes = ({ router, deps, now, log }: RouteContext, leaderboard: Pick<LeaderboardCache, "traderRows">): void => {
  const cycle = async (): Promise<CycleFacts | null> => deps.runState.latestCycle();

  /** Prices for a trader with open positions; a mark source that fails never fails the request. */
  const marksFor = async (trader: TraderView): Promise<MidPrices | null> => {
    if (deps.marks === undefined || Object.keys(trader.positions).length === 0) return null;
    try {
      return await deps.marks.current([...builderDexesOf(Object.keys(trader.positions))]);
    } catch (error) {
      log.warn("Mark source failed: positions are shown without mark, value or unrealized PnL", { error });
      return null;
    }
  };

  router.add(
    {
      method: "get",
      path: "/traders",
      operationId: "listTraders",
      summary: "Tracked traders (active or not), one page at a time",
      tag: "traders",
      query: pageQuery,
      responses: { 200: { description: "A page of traders", schema: pageOf("traders", traderSummarySchema) } },
    },
    async (c, { query }) => {
      const [page, latest] = await Promise.all([deps.directory.list(query.limit, query.cursor), cycle()]);
      return c.json({ traders: page.items.map((t) => summary(t, latest)), next_cursor: page.nextCursor });
    },
  );

  router.add(
    {
      method: "get",
      path: "/traders/:address",
      operationId: "getTrader",
      summary: "One trader, their open positions and metrics",
      description:
        "metrics holds the trader's leaderboard row of each window (1d, 7d, 30d, all) from the leaderboard job's latest snapshots; null before the job's first run, and a window is absent when the trader is not in its snapshot (tracked after the run). " +
        "Open positions are valued at the exchange's mid prices (allMids, fetched at most every 15 s and shared by all requests): mark_price, unrealized_pnl_usd and position_value_usd, with marks_at saying when the prices were fetched. " +
        "When the exchange cannot be asked, those fields and marks_at are null; the request still succeeds. " +
        "data_freshness says how current the history behind the metrics is (README, Data freshness).",
      tag: "traders",
      params: addressParams,
      responses: {
        200: { description: "The trader", schema: traderDetailSchema },
        404: { description: "Not a tracked trader" },
      },
    },
    async (c, { params }) => {
      const [trader, latest, metrics, syncState] = await Promise.all([
        deps.directory.get(params.address),
        cycle(),
        leaderboard.traderRows(params.address),
        deps.history?.syncState(params.address),
      ]);
      if (trader === null) throw traderNotFound(params.address);
      const marks = await marksFor(trader);
      const freshness =
        syncState === undefined
          ? null
          : dataFreshness(syncState, Date.parse(trader.first_seen_at), now(), deps.freshness ?? DEFAULT_FRESHNESS_RULES);
      return c.json({
        ...summary(trader, latest),
        positions: openPositions(trader, marks),
        marks_at: marks === null ? null : new Date(marks.at).toISOString(),
        metrics,
        data_freshness: freshness === null ? null : freshnessBody(freshness),
      });
    },
  );

  router.add(
    {
      method: "get",
      path: "/traders/:address/events",
      operationId: "listTraderEvents",
      summary: "The trader's position events, newest first",
      description: "Filters apply within each page, so a filtered page can hold fewer than limit events; keep following next_cursor.",
      tag: "traders",
      params: addressParams,
      query: eventsQuery,
      responses: {
        200: { description: "A page of events", schema: pageOf("events", eventSchema) },
        404: { description: "Not a tracked trader" },
      },
    },
    async (c, { params, query }) => {
      const filter = {
        ...(query.event_type !== undefined ? { eventType: query.event_type } : {}),
        ...(query.coin !== undefined ? { coin: query.coin } : {}),
        ...(query.dex !== undefined ? { dex: query.dex } : {}),
      };
      const [trader, page] = await Promise.all([
        deps.directory.get(params.address),
        deps.events.forTrader(params.address, query.limit, filter, query.cursor),
      ]);
      if (trader === null) throw traderNotFound(params.address);
      return c.json({ events: page.items, next_cursor: page.nextCursor });
    },
  );

  router.add(
    {
      method: "post",
      path: "/traders/:address/track",
      operationId: "trackTrader",
      summary: "Start tracking a trader (admin)",
      description: "201 when the trader is new; 200 when already tracked, with reactivated: true if tracking had been stopped.",
      tag: "admin",
      admin: true,
      params: addressParams,
      responses: {
        201: { description: "Now tracked (new)", schema: trackResultSchema },
        200: { description: "Already known: tracked again or still tracked", schema: trackResultSchema },
      },
    },
    async (c, { params }) => {
      const r = await trackTrader(deps.traders, params.address, { source: "manual", at: now() });
      return c.json(
        { address: r.address, tracking: true, created: r.created, reactivated: r.reactivated },
        r.created ? 201 : 200,
      );
    },
  );

  router.add(
    {
      method: "post",
      path: "/traders/track",
      operationId: "trackTraders",
      summary: `Start tracking up to ${MAX_BULK_TRACK} traders at once (admin)`,
      description:
        "For seeding: one request (one rate-limit token) instead of one per address. Each address gets what POST /traders/{address}/track would do, " +
        "and its outcome: tracked (new, created: true; or tracking had been stopped, reactivated: true), already_tracked, or invalid (not an address: reported, not a 400). " +
        "Addresses are trimmed and lowercased, so repeats in any case count once. Not atomic: after a 5xx, send the same list again (what was stored answers already_tracked).",
      tag: "admin",
      admin: true,
      body: bulkTrackBody,
      maxBodyBytes: BULK_TRACK_MAX_BODY_BYTES,
      responses: { 200: { description: "The outcome per address, and the counts", schema: bulkTrackResponseSchema } },
    },
    async (c, { body }) => {
      const outcome = await trackTraders(deps.traders, body.addresses, { source: "manual", at: now() });
      log.info("Bulk track", { ...outcome.counts });
      return c.json(outcome);
    },
  );

  router.add(
    {
      method: "delete",
      path: "/traders/:address/track",
      operationId: "untrackTrader",
      summary: "Stop tracking a trader (admin); history is kept",
      tag: "admin",
      admin: true,
      params: addressParams,
      responses: {
        200: { description: "No longer tracked", schema: trackResultSchema },
        404: { description: "Unknown trader" },
      },
    },
    async (c, { params }) => {
      if (!(await deps.directory.stopTracking(params.address))) throw traderNotFound(params.address);
      return c.json({ address: params.address, tracking: false, created: false, reactivated: false });
    },
  );
};
