import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { createApiApp, createDynamoApiStores, mountApi } from "#api/index.js";
import { createHistorySource } from "#app/leaderboard/history-source.js";
import { freshnessRules } from "#domain/history/freshness.js";
import { createLeaderboardHandler } from "#app/leaderboard/handler.js";
import type { Address } from "#domain/address.js";
import type { FollowerStore } from "#domain/copy/ports.js";
import type { LeaderboardJobSummary } from "#domain/leaderboard-job/job.js";
import { scoreRows } from "#domain/metrics/score.js";
import { cachedPerpUniverse } from "#domain/perp-universe.js";
import { createHyperliquidMarks } from "#hyperliquid/marks.js";
import type { RunningFunctions } from "#local/functions.js";
import { createHttpApp, dashboardMount, startHttpServer, type RunningHttpServer } from "#local/http.js";
import { createWebSocketGateway } from "#local/ws-gateway.js";
import { createDynamoFillStore } from "#store/dynamo/fills.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoHistoryStore } from "#store/dynamo/history.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoTraderPagesStore } from "#store/dynamo/trader-pages.js";
import { createDynamoTraderDirectory } from "#store/dynamo/trader-directory.js";
import { recordingLogger } from "../../support/logger.js";
import { startFeedFunctions } from "../../support/feed-functions.js";
import { startPipeline } from "../../support/pipeline.js";
import { scriptHistory, TRADERS } from "./traders.js";

/**
 * What `npm run demo` runs, composed as local/runtime.ts composes it, on one port: the dashboard
 * mount, the WebSocket gateway with the real feed handlers behind DynamoDB Local streams, and the
 * HTTP API over the same tables. The exchange is the simulator, whose clock starts 40 days back so
 * that scripted trades land in every leaderboard window. Tracking and the leaderboard job are the
 * handler factories the Lambdas use, run on demand (`cycle`, `rank`) instead of on schedules, so a
 * test knows the moment an event was recorded.
 */

export const ADMIN_KEY = "e2e-admin-key-0123456789abcdef";

export interface E2eStack {
  /** `http://127.0.0.1:PORT`: the page is at `${url}/app/`. */
  url: string;
  /** Executes a trade at the current wall-clock time. */
  trade(user: Address, coin: string, size: string, px: string): void;
  /** The exchange liquidates the user's whole position in `coin`, at its mark, now. */
  liquidate(user: Address, coin: string): void;
  /** The simulator's signed size of a position ("0" when flat). */
  position(user: Address, coin: string): string;
  /** The simulator's mark (last trade price) of a coin. */
  mark(coin: string): string;
  /** One tracking cycle (dispatch, then every message through the worker); resolves once recorded. */
  cycle(): Promise<void>;
  /** Closes every live-feed connection from the server side, as API Gateway does after 2 hours. */
  dropFeedConnections(): Promise<number>;
  /** The real leaderboard job over every tracked trader. */
  rank(): Promise<LeaderboardJobSummary>;
  /** The API's followers table, for what the copy engine would write (its runs' commits). */
  followers: FollowerStore;
  close(): Promise<void>;
}

export const startE2eStack = async (): Promise<E2eStack> => {
  const { logger } = recordingLogger();
  const now0 = Date.now();
  // Tables, queue, dispatcher and worker as the integration tests wire them (test/support/pipeline.ts).
  const p = await startPipeline({ seed: 17, simStartTime: now0 - 40 * 86_400_000, builderDexes: true });
  const { sim, tables, exchange, traders } = p;
  scriptHistory(sim, now0);
  sim.advance(Math.max(0, Date.now() - sim.now()));

  const historyStore = createDynamoHistoryStore(tables.doc, { fills: tables.names.fills, state: tables.names.state });
  const rank = createLeaderboardHandler({
    directory: createDynamoTraderDirectory(tables.doc, tables.names.traders),
    history: createHistorySource(
      {
        exchange,
        store: historyStore,
        fills: createDynamoFillStore(tables.doc, tables.names.fills),
        universe: cachedPerpUniverse(exchange, { call: { lane: "history" }, maxAgeMs: 60_000, now: Date.now }),
        traders,
        now: Date.now,
        logger,
      },
      historyStore,
      { maxPages: 6 },
      freshnessRules({ HISTORY_MAX_AGE_HOURS: 24, LEADERBOARD_INTERVAL_SECONDS: 3_600 }),
    ),
    score: scoreRows,
    snapshots: createDynamoLeaderboardStore(tables.doc, tables.names.state),
    pages: createDynamoTraderPagesStore(tables.doc, tables.names.pages),
    logger,
    now: Date.now,
    concurrency: 4,
    syncDeadlineMs: 60_000,
  });
  for (const address of Object.values(TRADERS)) await traders.addTrader({ address, source: "manual", at: now0 - 36 * 86_400_000 });

  // The HTTP side, as local/runtime.ts mounts it.
  const api = createApiApp({
    ...createDynamoApiStores(tables.client, tables.doc, tables.names),
    checks: [],
    adminApiKey: ADMIN_KEY,
    marks: createHyperliquidMarks(exchange, { logger }),
    logger,
  });
  const gateway = createWebSocketGateway({ logger });
  const http: RunningHttpServer = await startHttpServer(
    createHttpApp({ checks: [], mounts: [dashboardMount({ dir: inject("dashboardDir") }), mountApi(api)] }),
    { port: 0 },
  );
  gateway.attach(http.server);
  const functions: RunningFunctions = await startFeedFunctions(p, { gateway, port: http.port, logger });

  // Every record must be tracked: a failure here is a broken stack, not something to retry past.
  const cycle = async () => {
    for (const response of await p.cycle()) {
      if (response.batchItemFailures.length > 0) throw new Error(`Tracking failed: ${JSON.stringify(response.batchItemFailures)}`);
    }
  };

  return {
    url: `http://127.0.0.1:${http.port}`,
    trade: (user, coin, size, px) => {
      sim.advance(Math.max(0, Date.now() - sim.now()));
      sim.execute({ user, coin, size, px });
    },
    liquidate: (user, coin) => {
      sim.advance(Math.max(0, Date.now() - sim.now()));
      sim.liquidate(user, coin);
    },
    position: (user, coin) => sim.positionOf(user, coin)?.szi ?? "0",
    mark: (coin) => sim.markOf(coin),
    cycle,
    dropFeedConnections: async () => {
      const { Items = [] } = await tables.doc.send(new ScanCommand({ TableName: tables.names.connections, ConsistentRead: true }));
      // The gateway's management API, as API Gateway's `DeleteConnection`.
      const ids = Items.map((item) => String(item.connection_id));
      for (const id of ids) await fetch(`http://127.0.0.1:${http.port}/@connections/${encodeURIComponent(id)}`, { method: "DELETE" });
      return ids.length;
    },
    rank: () => rank({ source: "e2e" }),
    followers: createDynamoFollowerStore(tables.doc, tables.names.followers),
    close: async () => {
      await functions.stop();
      await gateway.close();
      await http.stop();
      await p.close();
    },
  };
};
