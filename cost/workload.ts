import { effectiveWeightPerMinute } from "#commons/config.js";
import { dec, type Decimal } from "#commons/decimal.js";
import { baseWeight } from "#hyperliquid/weights.js";
import { copyWorkload, type CopyWorkload } from "./copy.js";
import { feedWorkload, type FeedWorkload } from "./feed.js";
import { APP_DEFAULTS, type CostInput } from "./inputs.js";
import { listenerWorkload } from "./listener.js";
import { pagesWorkload } from "./pages.js";
import { ceil, gbSeconds, GB_IN_KB, KB, MINUTES_PER_MONTH, readUnits, SECONDS_PER_MONTH, type LambdaUse } from "./units.js";

/**
 * What a month of running the system does, in the units AWS bills: invocations, durations,
 * requests, read and write units, bytes. Pure arithmetic on decimals; ./model.ts prices it.
 */

export { HOURS_PER_MONTH, MINUTES_PER_MONTH } from "./units.js";

/** 1,769 MB is one full vCPU; below it Lambda gives a proportional share, so CPU work stretches. */
const FULL_VCPU_MB = 1_769;
/** Lambda's SQS poller long-polls with 5 connections while idle, each a 20 s ReceiveMessage. */
const IDLE_POLLERS = 5;
const LONG_POLL_SECONDS = 20;
/** The leaderboard job's snapshot pages live 2 days (DEFAULT_SNAPSHOT_RETENTION_SECONDS). */
const SNAPSHOT_RETENTION_SECONDS = 2 * 24 * 3_600;
/** Windows the leaderboard computes (METRIC_WINDOWS: 1d, 7d, 30d, all). */
const LEADERBOARD_WINDOWS = 4;

export const POLL_WEIGHT = baseWeight("clearinghouseState");
export const FILLS_WEIGHT = baseWeight("userFillsByTime");
const PORTFOLIO_WEIGHT = baseWeight("portfolio");
const LEDGER_WEIGHT = baseWeight("userNonFundingLedgerUpdates");
const FUNDING_WEIGHT = baseWeight("userFunding");
/** Asked once a trader, then weekly (DEFAULT_ROLE_MAX_AGE_MS). */
const ROLE_WEIGHT = baseWeight("userRole");

const min = (a: Decimal, b: Decimal): Decimal => (a.lt(b) ? a : b);
const max = (a: Decimal, b: Decimal): Decimal => (a.gt(b) ? a : b);

export interface Capacity {
  /** Weight tracking spends per minute at this size, interval and change rate. */
  trackingWeightPerMinute: Decimal;
  /** Weight copy trading spends per minute (./copy.ts): from the same budget, so counted in the IPs needed. */
  copyWeightPerMinute: Decimal;
  /** Weight one egress IP may spend per minute (the limit less headroom). */
  usableWeightPerIp: number;
  /** Traders one IP can poll per cycle at this change rate. */
  tradersPerIpPerCycle: Decimal;
  egressIpsNeeded: number;
  /** Leaderboard: seconds of exchange calls a run needs, and what it may spend (LEADERBOARD_SYNC_SECONDS). */
  historySyncSecondsNeeded: Decimal;
  historySyncSecondsAllowed: number;
}


export interface Workload {
  cycles: number;
  messagesPerCycle: number;
  lambda: Record<
    "worker" | "dispatcher" | "leaderboard" | "discovery" | "broadcaster" | "fanOutWorker" | "httpApi" | "listener" | "listenerChecks",
    LambdaUse
  >;
  sqs: { sendBatches: Decimal; pollerReceivesAndDeletes: Decimal; idleReceives: Decimal };
  /** The feed's fan-out queue (FIFO, priced apart): sends, the pollers' receives and deletes, empty long polls. */
  fifo: { sends: Decimal; receivesAndDeletes: Decimal; idleReceives: Decimal };
  feed: Pick<FeedWorkload, "occupiedShards" | "connections" | "retries">;
  writeUnits: Record<"trackingBookkeeping" | "changedTraders" | "leaderboard" | "pages" | "feedConnections" | "listener", Decimal>;
  readUnits: Record<
    "trackingStates" | "dispatcher" | "leaderboard" | "pagesJob" | "api" | "pagesApi" | "feedShards" | "feedListings" | "discovery" | "listener",
    Decimal
  >;
  storageGb: Decimal;
  storageGrowthGbPerMonth: Decimal;
  events: Decimal;
  webSocket: { messages: Decimal; connectionMinutes: Decimal; dataOutGb: Decimal };
  http: { originRequests: Decimal; cloudFrontRequests: Decimal; cloudFrontGb: Decimal };
  schedulerInvocations: Decimal;
  logsGb: Decimal;
  natGb: Decimal;
  capacity: Capacity;
  copy: CopyWorkload;
}

export const computeWorkload = (i: CostInput, memoryMb: Record<keyof Workload["lambda"], number>): Workload => {
  const N = dec(i.traders);
  const p = dec(i.changeRate);
  const cycles = Math.floor(SECONDS_PER_MONTH / i.intervalSeconds);
  const messagesPerCycle = Math.ceil(i.traders / i.tradersPerMessage);
  const workerInvocationsPerCycle = Math.ceil(messagesPerCycle / i.messagesPerInvocation);
  const messages = dec(messagesPerCycle).times(cycles);
  const polls = N.times(cycles);
  const changed = N.times(p).times(cycles).round(0, 1);
  const events = changed.times(i.eventsPerChange);
  /** Chance that none of `n` traders changed since the last poll. */
  const noneChanged = (n: number): Decimal => dec(1).minus(p).pow(n);

  // Capacity (README, Operations): a poll costs 2 weight, a changed trader a fills request (20) more.
  const usableWeightPerIp = effectiveWeightPerMinute(APP_DEFAULTS);
  const weightPerCycle = N.times(POLL_WEIGHT).plus(N.times(p).times(FILLS_WEIGHT));
  const trackingWeightPerMinute = weightPerCycle.times(60).div(i.intervalSeconds);
  // Copy trading follows every tracked trader's event rate: the same change rate per cycle.
  const eventsPerTraderPerMonth = p.times(cycles).times(i.eventsPerChange);
  const tradersPerIpPerCycle = dec(usableWeightPerIp)
    .times(i.intervalSeconds)
    .div(60)
    .div(p.times(FILLS_WEIGHT).plus(POLL_WEIGHT))
    .round(0, 0);

  // Worker: an invocation's messages run in parallel (Powertools BatchProcessor), each polling
  // `workerConcurrency` traders at a time, so it lasts about as long as one message: the rounds of
  // exchange latency, one more round and a commit when any trader changed, plus the CPU of all its
  // traders, stretched on the worker's share of a vCPU.
  const tradersPerInvocation = Math.min(i.traders, i.tradersPerMessage * i.messagesPerInvocation);
  const rounds = Math.ceil(Math.min(i.tradersPerMessage, i.traders) / i.workerConcurrency);
  const cpuScale = max(dec(1), dec(FULL_VCPU_MB).div(memoryMb.worker));
  const workerMs = dec(i.workerOverheadMs)
    .plus(rounds * i.exchangeLatencyMs)
    .plus(dec(1).minus(noneChanged(tradersPerInvocation)).times(i.exchangeLatencyMs + i.commitMs))
    .plus(N.div(workerInvocationsPerCycle).times(i.cpuMsPerTrader).times(cpuScale));
  const workerInvocations = dec(workerInvocationsPerCycle).times(cycles);

  // Dispatcher: ~20 ms of start and cycle record, a Query per 1,000 index entries (~20 ms each),
  // and one SendMessageBatch (~10 ms) per 10 messages, sent one after the other.
  const sendBatchesPerCycle = Math.ceil(messagesPerCycle / 10);
  const pages = Math.ceil(i.traders / 1_000);
  const dispatcherMs = dec(20).plus(pages * 20).plus(sendBatchesPerCycle * 10);
  let dispatcherReadsPerCycle = dec(0);
  for (let left = i.traders; left > 0; left -= 1_000) {
    dispatcherReadsPerCycle = dispatcherReadsPerCycle.plus(readUnits(dec(Math.min(left, 1_000) * i.indexEntryBytes), false));
  }

  // Leaderboard, hourly: history sync bounded by its weight share and LEADERBOARD_SYNC_SECONDS,
  // then a history load and the metrics per trader.
  const runInterval = APP_DEFAULTS.LEADERBOARD_INTERVAL_SECONDS;
  const runs = Math.floor(SECONDS_PER_MONTH / runInterval);
  const pollsPerRun = Math.max(1, Math.floor(runInterval / i.intervalSeconds));
  // Fills: in the steady state tracking has already stored the fills behind every position change
  // (the history plan's coveredByTracking), so a run fetches fills only for a backfill, a change
  // whose fills tracking could not fetch whole, or a trader whose history has not joined tracking's
  // yet: rare enough to leave out. What remains is the portfolio, ledger and funding refresh, and
  // the role once a week.
  const dailyShare = dec(runInterval).div(APP_DEFAULTS.HISTORY_MAX_AGE_HOURS * 3_600);
  const weeklyShare = dec(runInterval).div(7 * 86_400);
  const historyCallsPerTrader = dailyShare.times(3).plus(weeklyShare);
  const historyWeightPerRun = N.times(dailyShare.times(PORTFOLIO_WEIGHT + LEDGER_WEIGHT + FUNDING_WEIGHT).plus(weeklyShare.times(ROLE_WEIGHT)));
  // History may spend its share of one IP (HL_HISTORY_SHARE). That is the best case: tracking
  // comes first, and an IP that tracking fills leaves history less.
  const historyPerMinute = dec(Math.floor(usableWeightPerIp * APP_DEFAULTS.HL_HISTORY_SHARE));
  const byLatency = N.times(historyCallsPerTrader).times(i.exchangeLatencyMs).div(1_000 * APP_DEFAULTS.LEADERBOARD_CONCURRENCY);
  const byWeight = historyPerMinute.eq(0) ? dec(0) : historyWeightPerRun.div(historyPerMinute).times(60);
  const syncNeeded = max(byLatency, byWeight);
  const syncAllowed = APP_DEFAULTS.LEADERBOARD_SYNC_SECONDS;
  const syncSeconds = min(syncNeeded, dec(syncAllowed));
  const syncedShare = syncNeeded.eq(0) ? dec(1) : syncSeconds.div(syncNeeded);
  const originRequests = dec(i.apiRequestsPerMonth).times(dec(1).minus(i.apiCacheHitRatio)).round(0, 1);
  // The trader pages, from the same loaded history: planning and gzip on the CPU, writes waited for.
  const traderPages = pagesWorkload(i, runs, originRequests);
  const leaderboardMs = min(
    dec(900_000),
    syncSeconds
      .times(1_000)
      .plus(N.times(dec(i.historyLoadMsPerTrader).plus(traderPages.waitMsPerTrader)).div(APP_DEFAULTS.LEADERBOARD_CONCURRENCY))
      .plus(N.times(dec(i.leaderboardMetricsMsPerTrader).plus(traderPages.cpuMsPerTrader)).times(max(dec(1), dec(FULL_VCPU_MB).div(memoryMb.leaderboard)))),
  );
  const snapshotBytes = N.times(i.leaderboardRowBytes);
  // Per run: each window's pages (1 unit per KB) and header; once a day per trader its portfolio
  // (~4 KB), ledger and sync state (~6 units). The fills are the tracker's writes, counted there.
  const leaderboardWrites = dec(runs).times(
    ceil(snapshotBytes.div(KB)).plus(1).times(LEADERBOARD_WINDOWS) // pages + header per window
      .plus(syncedShare.times(N.times(dailyShare).times(6))),
  );
  const leaderboardReads = dec(runs).times(
    N.times(readUnits(dec(i.loadedHistoryKbPerTrader * KB), false).plus(1)) // history after the checkpoint (Query) + 2 GetItems
      .plus(readUnits(N.times(i.traderItemKb * KB), false)), // the traders list
  );

  const discoveryRuns = Math.floor(SECONDS_PER_MONTH / APP_DEFAULTS.DISCOVERY_INTERVAL_SECONDS);

  // Broadcaster: one invocation per worker message that committed a change (its events land together).
  const broadcasterInvocations = min(events, messages.times(dec(1).minus(noneChanged(Math.min(i.tradersPerMessage, i.traders)))).round(0, 1));
  const feed = feedWorkload(i, broadcasterInvocations, events, { broadcaster: memoryMb.broadcaster, fanOutWorker: memoryMb.fanOutWorker });
  // The copy dispatcher reads the same stream in the same batches as the broadcaster.
  const copy = copyWorkload(i, eventsPerTraderPerMonth, broadcasterInvocations, events);
  const egressIpsNeeded = Math.max(1, ceil(trackingWeightPerMinute.plus(copy.weightPerMinute).div(usableWeightPerIp)).toNumber());
  const wsMessages = events.times(i.wsClients);
  const snapshotLoads = dec(runs * LEADERBOARD_WINDOWS);
  const snapshotLoadMs = N.times(i.snapshotLoadMsPer1000Traders).div(1_000);

  // The listener re-reads the tracked traders from the active index just as the dispatcher does.
  const listener = listenerWorkload(i, memoryMb.listener, dispatcherReadsPerCycle);

  const lambda: Workload["lambda"] = {
    worker: { invocations: workerInvocations, gbSeconds: gbSeconds(workerInvocations, workerMs, memoryMb.worker) },
    dispatcher: { invocations: dec(cycles), gbSeconds: gbSeconds(dec(cycles), dispatcherMs, memoryMb.dispatcher) },
    leaderboard: { invocations: dec(runs), gbSeconds: gbSeconds(dec(runs), leaderboardMs, memoryMb.leaderboard) },
    discovery: { invocations: dec(discoveryRuns), gbSeconds: gbSeconds(dec(discoveryRuns), dec(i.discoveryRunSeconds * 1_000), memoryMb.discovery) },
    broadcaster: feed.broadcaster,
    fanOutWorker: feed.fanOutWorker,
    httpApi: {
      invocations: originRequests,
      gbSeconds: gbSeconds(originRequests, dec(i.apiMsPerRequest), memoryMb.httpApi).plus(gbSeconds(snapshotLoads, snapshotLoadMs, memoryMb.httpApi)),
    },
    ...listener.lambda,
  };
  const invocations = Object.values(lambda).reduce((sum, l) => sum.plus(l.invocations), dec(0));
  // Lambda's pollers long-poll each queue while it is idle: the tracking queue and the fan-out queue alike.
  const idleReceives = dec(IDLE_POLLERS * (60 / LONG_POLL_SECONDS) * MINUTES_PER_MONTH);

  // Storage after `storageMonths`: the traders and their backfilled history, the tracking output
  // (events twice: the table and its ALL-projection index), the leaderboard snapshots kept 2 days,
  // and the trader pages (round trips twice, the equity items, the marker).
  const monthlyGrowthKb = events.times(i.eventKb * 2).plus(changed.times(i.fillsPerChange).times(i.fillKb));
  const storageKb = N.times(i.traderItemKb + i.storedHistoryKbPerTrader)
    .plus(traderPages.storageKb)
    .plus(monthlyGrowthKb.times(i.storageMonths))
    .plus(snapshotBytes.times(LEADERBOARD_WINDOWS * (SNAPSHOT_RETENTION_SECONDS / runInterval)).div(KB));

  const natKb = polls
    .times(i.natKbPerPoll)
    .plus(changed.times(i.natKbPerExchangeCall))
    .plus(dec(runs).times(syncedShare).times(N).times(historyCallsPerTrader).times(i.natKbPerExchangeCall))
    .plus(discoveryRuns * i.natKbPerDiscoveryRun)
    .plus(listener.natKb)
    .plus(copy.natKb);

  return {
    cycles,
    messagesPerCycle,
    lambda,
    sqs: {
      sendBatches: dec(sendBatchesPerCycle).times(cycles),
      // Per invocation the poller makes one ReceiveMessage and one DeleteMessageBatch.
      pollerReceivesAndDeletes: workerInvocations.times(2),
      idleReceives,
    },
    fifo: { sends: feed.fifoSends, receivesAndDeletes: feed.fifoReceivesAndDeletes, idleReceives },
    feed: { occupiedShards: feed.occupiedShards, connections: feed.connections, retries: feed.retries },
    writeUnits: {
      // Per message the budget lease and the heartbeat; per cycle the dispatcher's cycle record.
      trackingBookkeeping: messages.times(2).plus(cycles),
      // Transactions bill twice: trader update and event puts x2, the event's index copy x1, fills x1,
      // and a budget lease for the fills request (leases come in chunks of 1/20 of the limit).
      changedTraders: changed.times(
        dec(2 * i.traderItemKb)
          .plus(i.eventsPerChange * 3 * i.eventKb)
          .plus(ceil(dec(i.fillKb)).times(i.fillsPerChange))
          .plus(dec(FILLS_WEIGHT).div(Math.max(20, Math.floor(usableWeightPerIp / 20)))),
      ),
      leaderboard: leaderboardWrites,
      pages: traderPages.writeUnits,
      feedConnections: feed.connectionWrites,
      listener: listener.writeUnits,
    },
    readUnits: {
      trackingStates: polls.times(readUnits(dec(i.traderItemKb * KB), false)),
      dispatcher: dispatcherReadsPerCycle.times(cycles),
      leaderboard: leaderboardReads,
      pagesJob: traderPages.jobReadUnits,
      api: snapshotLoads.times(readUnits(snapshotBytes, true)),
      pagesApi: traderPages.apiReadUnits,
      feedShards: feed.shardQueryReads,
      feedListings: feed.shardListingReads,
      // BatchGet rounds every item up to 4 KB: half a unit per address looked up.
      discovery: dec(discoveryRuns).times(i.discoveryCandidatesPerRun).times("0.5"),
      listener: listener.readUnits,
    },
    storageGb: storageKb.div(GB_IN_KB),
    storageGrowthGbPerMonth: monthlyGrowthKb.div(GB_IN_KB),
    events,
    webSocket: {
      messages: wsMessages,
      connectionMinutes: dec(i.wsClients).times(MINUTES_PER_MONTH),
      dataOutGb: wsMessages.times(i.eventMessageKb).div(GB_IN_KB),
    },
    http: {
      originRequests,
      cloudFrontRequests: dec(i.apiRequestsPerMonth),
      cloudFrontGb: dec(i.apiRequestsPerMonth).times(i.apiResponseKb).div(GB_IN_KB),
    },
    schedulerInvocations: dec(cycles + runs + discoveryRuns).plus(listener.starts),
    logsGb: invocations
      .times(i.logKbPerInvocation)
      .plus(messages.times(i.logKbPerWorkerMessage))
      .plus(listener.logKb)
      .div(GB_IN_KB),
    natGb: i.nat ? natKb.div(GB_IN_KB) : dec(0),
    capacity: {
      trackingWeightPerMinute,
      copyWeightPerMinute: copy.weightPerMinute,
      usableWeightPerIp,
      tradersPerIpPerCycle,
      egressIpsNeeded,
      historySyncSecondsNeeded: syncNeeded,
      historySyncSecondsAllowed: syncAllowed,
    },
    copy,
  };
};
