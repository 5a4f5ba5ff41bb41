import { configSchema } from "#commons/config.js";
import { TRACKING_QUEUE } from "#commons/queues.js";

/**
 * What the cost model assumes, each with the reason for its default. Settings the stack reads
 * (batch sizes, intervals, memory) come from the app's own config and catalog, so the estimate
 * follows the deployed defaults; the rest are measured figures or stated guesses, printed with
 * every estimate so a reader can see what the number rests on.
 */

/** The application defaults, exactly as a function with an empty environment sees them. */
export const APP_DEFAULTS = configSchema.parse({});

export interface CostInput {
  /** Active traders polled every cycle. */
  traders: number;
  intervalSeconds: number;
  /** Share of traders whose positions change between two polls, a decimal string ("0.05"). */
  changeRate: string;
  /** Fixed egress IP: the VPC, NAT gateway and Elastic IP of lib/egress.ts. */
  nat: boolean;
  wsClients: number;
  /** FEED_SHARDS: the fan-out's connection shards, each a message group of the fan-out queue. */
  feedShards: number;
  apiRequestsPerMonth: number;
  exchangeLatencyMs: number;
  tradersPerMessage: number;
  messagesPerInvocation: number;
  workerConcurrency: number;
  cpuMsPerTrader: string;
  workerOverheadMs: number;
  commitMs: number;
  eventsPerChange: number;
  fillsPerChange: number;
  traderItemKb: number;
  eventKb: number;
  fillKb: string;
  indexEntryBytes: number;
  storedHistoryKbPerTrader: number;
  /** Fills and funding the leaderboard job reads per trader and run: those after his metrics checkpoint. */
  loadedHistoryKbPerTrader: number;
  historyLoadMsPerTrader: number;
  leaderboardMetricsMsPerTrader: number;
  leaderboardRowBytes: number;
  discoveryRunSeconds: number;
  discoveryCandidatesPerRun: number;
  broadcasterBaseMs: number;
  fanOutBaseMs: number;
  postCpuMs: string;
  /** Share of deliveries whose post fails and is retried for that client alone, a decimal string. */
  feedRetryShare: string;
  /** How long a client stays connected before it reconnects (API Gateway closes each connection after 2 h). */
  wsConnectionHours: number;
  eventMessageKb: string;
  apiCacheHitRatio: string;
  apiResponseKb: number;
  apiMsPerRequest: number;
  snapshotLoadMsPer1000Traders: number;
  /** Round trips each trader closes a day: each is two items of the pages table. */
  roundTripsPerTraderPerDay: string;
  /** Round trips in a trader's stored history: what a rebuild of his page writes again. */
  storedRoundTripsPerTrader: number;
  pagesRebuildsPerTraderPerDay: string;
  fundingRepaidTripsPerTraderPerDay: string;
  /** Share of the API requests reaching the origin that read the pages table (round trips, equity). */
  pageRequestShare: string;
  pagesCpuMsPerTrader: number;
  pagesWriteMsPerTrader: number;
  logKbPerInvocation: number;
  logKbPerWorkerMessage: string;
  coldStartsPerMonth: number;
  secrets: number;
  storageMonths: number;
  natKbPerPoll: number;
  natKbPerExchangeCall: number;
  natKbPerDiscoveryRun: number;
  /** The trades-stream listener is deployed (TRADES_STREAM=on). */
  tradesStream: boolean;
  listenerOverlapSeconds: number;
  listenerCheckMs: number;
  /** A successor's checks that its predecessor finished (every 200 ms for its wind-down, ~1 s). */
  listenerFinishedChecks: number;
  listenerHeartbeatSeconds: number;
  listenerRefreshSeconds: number;
  listenerLogKbPerHeartbeat: string;
  streamTradesPerSecond: number;
  streamTradeBytes: number;
  /** Copy trading: followers, each reconciled per leader event and every COPY_RECONCILE_INTERVAL_SECONDS. */
  followers: number;
  leadersPerFollower: number;
  /** Share of followers trading live (an exchange account read per run, an agent secret), a decimal string. */
  liveFollowerShare: string;
  copyOrdersPerEvent: string;
  copyRunOverheadMs: number;
  copyCommitMs: number;
  copyDispatchMs: number;
  copyAccountKb: number;
  copyItemsPerOrder: number;
  copyEquityPointKb: string;
  agentSecretReadsPerLiveFollowerPerDay: number;
  natKbPerCopyRun: number;
}

export const DEFAULT_INPUT: Omit<CostInput, "traders"> = {
  intervalSeconds: APP_DEFAULTS.TRACKING_INTERVAL_SECONDS,
  changeRate: "0.05",
  nat: false,
  wsClients: 10,
  feedShards: APP_DEFAULTS.FEED_SHARDS,
  apiRequestsPerMonth: 100_000,
  exchangeLatencyMs: 150,
  tradersPerMessage: APP_DEFAULTS.TRACK_BATCH_SIZE,
  messagesPerInvocation: TRACKING_QUEUE.batchSize,
  workerConcurrency: APP_DEFAULTS.TRACK_CONCURRENCY,
  cpuMsPerTrader: "0.6",
  workerOverheadMs: 40,
  commitMs: 30,
  eventsPerChange: 1,
  fillsPerChange: 1,
  traderItemKb: 1,
  eventKb: 1,
  fillKb: "0.4",
  indexEntryBytes: 100,
  storedHistoryKbPerTrader: 800,
  loadedHistoryKbPerTrader: 280,
  historyLoadMsPerTrader: 80,
  leaderboardMetricsMsPerTrader: 10,
  leaderboardRowBytes: 650,
  discoveryRunSeconds: APP_DEFAULTS.DISCOVERY_MAX_RUN_SECONDS,
  discoveryCandidatesPerRun: 500,
  broadcasterBaseMs: 30,
  fanOutBaseMs: 30,
  postCpuMs: "0.3",
  feedRetryShare: "0.001",
  wsConnectionHours: 2,
  eventMessageKb: "0.6",
  apiCacheHitRatio: "0.5",
  apiResponseKb: 15,
  apiMsPerRequest: 25,
  snapshotLoadMsPer1000Traders: 30,
  roundTripsPerTraderPerDay: "7.5",
  storedRoundTripsPerTrader: 670,
  pagesRebuildsPerTraderPerDay: "0",
  fundingRepaidTripsPerTraderPerDay: "1.8",
  pageRequestShare: "0.25",
  pagesCpuMsPerTrader: 15,
  pagesWriteMsPerTrader: 40,
  logKbPerInvocation: 1,
  logKbPerWorkerMessage: "0.5",
  coldStartsPerMonth: 3_000,
  secrets: 2,
  storageMonths: 12,
  natKbPerPoll: 2,
  natKbPerExchangeCall: 10,
  natKbPerDiscoveryRun: 2_000,
  tradesStream: APP_DEFAULTS.TRADES_STREAM === "on",
  listenerOverlapSeconds: 60,
  listenerCheckMs: 100,
  listenerFinishedChecks: 5,
  listenerHeartbeatSeconds: 10,
  listenerRefreshSeconds: 30,
  listenerLogKbPerHeartbeat: "0.5",
  streamTradesPerSecond: 30,
  streamTradeBytes: 300,
  followers: 10,
  leadersPerFollower: 1,
  liveFollowerShare: "1",
  copyOrdersPerEvent: "1",
  copyRunOverheadMs: 40,
  copyCommitMs: 30,
  copyDispatchMs: 40,
  copyAccountKb: 2,
  copyItemsPerOrder: 2,
  copyEquityPointKb: "0.2",
  agentSecretReadsPerLiveFollowerPerDay: 24,
  natKbPerCopyRun: 12,
};

/** Why each figure is what it is; printed under every table. */
export const INPUT_NOTES: Record<keyof CostInput, string> = {
  traders: "active traders, every one polled every cycle",
  intervalSeconds: "tracking dispatch interval (TRACKING_INTERVAL_SECONDS)",
  changeRate: "share of traders whose positions change between two polls",
  nat: "fixed egress IP (FIXED_EGRESS_IP): VPC + NAT gateway + Elastic IP",
  wsClients: "WebSocket clients connected all month, each receiving every event (no filters)",
  feedShards:
    "the fan-out's connection shards (FEED_SHARDS): each batch of events queries every shard for a connection and goes " +
    "to each occupied one as its own FIFO message",
  apiRequestsPerMonth: "HTTP requests reaching CloudFront",
  exchangeLatencyMs: "one Hyperliquid request, round trip from us-east-1",
  tradersPerMessage: "traders per SQS message (TRACK_BATCH_SIZE)",
  messagesPerInvocation: "messages per worker invocation (TRACKING_QUEUE.batchSize); assumed always full",
  workerConcurrency: "polls in flight per message (TRACK_CONCURRENCY)",
  cpuMsPerTrader: "worker CPU per polled trader on one full vCPU (bench:tracking, worker alone: medians 0.57-0.94 ms over runs; 0.6 is a quiet run's figure)",
  workerOverheadMs: "per invocation: budget lease write, BatchGet of states, heartbeat write (~3 DynamoDB round trips)",
  commitMs: "a changed trader's fills BatchWrite + TransactWrite",
  eventsPerChange: "position events per changed trader (one per coin that changed)",
  fillsPerChange: "new fills stored per changed trader",
  traderItemKb: "traders item with its positions (write units round up per KB)",
  eventKb: "events item; also copied to the recent-index (ALL projection)",
  fillKb: "fills item",
  indexEntryBytes: "active-index entry (KEYS_ONLY) the dispatcher pages through",
  storedHistoryKbPerTrader: "fills + ledger stored per trader (2,000 fills x 0.4 KB, the bench:leaderboard history); grows, fills have no TTL",
  loadedHistoryKbPerTrader:
    "fills + funding + ledger the leaderboard job reads per trader per run: only those after his metrics checkpoint, " +
    "the last ~31 days (31/90 of the 2,000-fill history, bench:leaderboard -- --job); does not grow with the history",
  historyLoadMsPerTrader: "leaderboard: loading one trader's stored history (a Query), before LEADERBOARD_CONCURRENCY overlap",
  leaderboardMetricsMsPerTrader: "leaderboard metrics CPU per trader (bench:leaderboard median, 1 vCPU = the function's 1,769 MB)",
  leaderboardRowBytes: "one leaderboard row in a snapshot page (functions/store/dynamo/leaderboard.ts)",
  discoveryRunSeconds: "each discovery run lasts its whole DISCOVERY_MAX_RUN_SECONDS (upper bound)",
  discoveryCandidatesPerRun: "addresses discovery looks up per run (BatchGet); a guess",
  broadcasterBaseMs:
    "per broadcaster invocation (a stream batch): parse the records, one key-only Query of every shard (in parallel), " +
    "one SendMessageBatch per occupied shard (in parallel); ~3 round trips, a guess",
  fanOutBaseMs: "per fan-out worker invocation: list its shard's connections (one Query), then one round of posts; a guess",
  postCpuMs:
    "CPU per delivery on the fan-out worker's full vCPU: bench:api measured 0.28-0.31 ms of server CPU per delivery at " +
    "10,000 clients, the local gateway's share included (an upper bound)",
  feedRetryShare:
    "deliveries whose post fails (throttled, 5xx) and go back on the fan-out queue for that client alone; a guess " +
    "(bench:api: none of 200,000 re-sent)",
  wsConnectionHours: "a client reconnects this often: API Gateway closes every WebSocket after 2 hours",
  eventMessageKb: "one event as sent to a WebSocket client",
  apiCacheHitRatio: "share of HTTP requests CloudFront answers from its cache (max-age=300)",
  apiResponseKb: "gzipped leaderboard response",
  apiMsPerRequest: "http-api duration per request reaching the origin (bench:api p50 16-21 ms)",
  snapshotLoadMsPer1000Traders: "http-api reading a new snapshot of one window (bench:api: ~300 ms at 10,000)",
  roundTripsPerTraderPerDay:
    "round trips a trader closes a day, each written twice to the pages table (all dexes and its own); " +
    "bench:leaderboard's histories close 657-691 in 90 days (npx tsx cost/measure-pages.ts)",
  storedRoundTripsPerTrader: "round trips in a trader's stored history (the same histories: 657-691)",
  pagesRebuildsPerTraderPerDay:
    "list rewrites a trader a day: a fill or payment stored behind the newest one the last build read rewrites the round " +
    "trips after the checkpoint's horizon (a month's); in order, as the sync stores them, none (measured)",
  fundingRepaidTripsPerTraderPerDay:
    "round trips a trader a day written again because the funding sync, every few hours, stored payments of their time " +
    "after tracking had stored them (measured on the bench histories with hourly funding: 1.8)",
  pageRequestShare:
    "share of origin requests that read the pages table: GET /traders/{a}/round-trips and /equity, 2 of the 4 the " +
    "dashboard's trader view makes; a guess (half the requests trader views)",
  pagesCpuMsPerTrader: "leaderboard: planning a trader's page and gzipping its changed series, per run, on 1 vCPU (12-20 ms measured on 2,000 fills)",
  pagesWriteMsPerTrader: "leaderboard: the page's DynamoDB calls per trader (marker read, series puts, marker put, ~8 ms each), before LEADERBOARD_CONCURRENCY overlap",
  logKbPerInvocation: "CloudWatch Logs per invocation: START/END/REPORT, one app line, the EMF metrics line",
  logKbPerWorkerMessage: "the worker's 'Tracking batch done' line per message",
  coldStartsPerMonth: "http-api cold starts, each reading its 2 secrets (GetSecretValue: the admin key, the origin secret); a guess",
  secrets: "Secrets Manager secrets: the admin key and the origin secret (3 with WS_TOKEN_REQUIRED)",
  storageMonths: "DynamoDB storage is priced after this many months of growth (events and fills never expire)",
  natKbPerPoll: "NAT bytes per clearinghouseState poll, request + response",
  natKbPerExchangeCall: "NAT bytes per fills/portfolio/ledger request",
  natKbPerDiscoveryRun: "NAT bytes per discovery run",
  tradesStream:
    "the trades-stream listener (TRADES_STREAM=on): one 15-minute invocation listening at a time, started every minute " +
    "(tracking is still priced as if every trader were polled every cycle: what the dispatcher does while the stream is " +
    "down, and about what reconciliation takes below the budget's limit)",
  listenerOverlapSeconds:
    "both listeners run at a hand-over, one every 15 minutes; an upper bound (the successor starts with 90 s of its " +
    "predecessor's lease left, which leaves once the successor is connected: seconds)",
  listenerCheckMs: "a start every minute that finds a live holder: one consistent GetItem, then it returns",
  listenerFinishedChecks:
    "consistent GetItems a successor makes, every 200 ms, until its predecessor says it finished (its wind-down: ~0.5 s in the tests)",
  listenerHeartbeatSeconds: "the listener's heartbeat: a status write and the stream counters' EMF line (#app/stream-listener.js)",
  listenerRefreshSeconds: "the listener re-reads the tracked traders (active-index pages) this often",
  listenerLogKbPerHeartbeat: "the EMF line of the 4 stream counters, every heartbeat",
  streamTradesPerSecond: "trades the stream delivers across all perps (~2.6M a day; a guess); only costs money through NAT",
  streamTradeBytes: "one trade on the wire (coin, side, price, size, time, hash, tid, both users)",
  followers:
    "copy-trading followers; each is reconciled once per event of each of its leaders (a tracked trader's events: " +
    "changeRate x eventsPerChange per cycle) and every COPY_RECONCILE_INTERVAL_SECONDS, one FIFO message and copy-worker run each",
  leadersPerFollower: "leaders each follower copies; priced as if no two followers shared a leader (one dispatcher send per follower and event, an upper bound)",
  liveFollowerShare:
    "share of followers trading live: each of their runs reads the account (clearinghouseState, weight 2) besides the mids " +
    "(allMids, 2), each order is an exchange action (1 + floor(orders/40)), each holds an agent secret; 1 is the upper bound",
  copyOrdersPerEvent: "orders a leader event causes per follower (its target moved); periodic runs trade nothing in the steady state",
  copyRunOverheadMs: "per copy-worker run: the follower's partition (config, account, pending orders) and the leaders' items; ~2 DynamoDB round trips",
  copyCommitMs: "per run: the transaction of account, orders and equity point",
  copyDispatchMs: "per copy-dispatch invocation (a stream batch: leader-index Queries and a SendMessageBatch) and per reconcile tick before its sends; a guess",
  copyAccountKb: "the follower's account item (paper ledger, copy memory), written every run in a transaction (2 x its units)",
  copyItemsPerOrder: "items an order writes in the transaction (the order and its pending copy), 1 KB each, billed twice",
  copyEquityPointKb: "one equity point (at most one a minute per follower, kept: no TTL assumed)",
  agentSecretReadsPerLiveFollowerPerDay: "GetSecretValue per live follower a day: its key cached an hour per worker instance; a guess",
  natKbPerCopyRun: "NAT bytes per copy run: allMids (~8 KB), a live account's state and an order",
};
