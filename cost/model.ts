import { dec, type Decimal } from "#commons/decimal.js";
import { EXCHANGE_METRICS, FEED_METRICS, LEADERBOARD_METRICS, STREAM_METRICS } from "#commons/metrics.js";
import {
  ALL_FUNCTIONS,
  BROADCASTER_FUNCTION,
  COPY_DISPATCH_FUNCTION,
  COPY_FUNCTIONS,
  COPY_RECONCILE_FUNCTION,
  COPY_WORKER_FUNCTION,
  FAN_OUT_WORKER_FUNCTION,
  DISCOVERY_FUNCTION,
  HTTP_API_FUNCTION,
  LEADERBOARD_FUNCTION,
  STREAM_LISTENER_FUNCTION,
  TRACK_DISPATCH_FUNCTION,
  TRACK_WORKER_FUNCTION,
} from "../functions/catalog.js";
import { COPY_METRICS } from "../lib/copy-metrics.js";
import { COPY_ALARM_METRICS } from "./copy.js";
import { DEFAULT_INPUT, type CostInput } from "./inputs.js";
import { PRICES, PRICES_AS_OF, PRICES_REGION, type UnitPrice } from "./prices.js";
import { GB_IN_KB } from "./units.js";
import { computeWorkload, HOURS_PER_MONTH, type Capacity, type Workload } from "./workload.js";

/**
 * The monthly AWS bill of the deployed stack for a number of tracked traders: line items of
 * quantity × unit price, and their total. Pure: the same input always gives the same estimate.
 */

export { DEFAULT_INPUT, INPUT_NOTES, type CostInput } from "./inputs.js";

/**
 * How a line moves with the number of traders: `traders` lines grow in proportion (until a cap,
 * such as the leaderboard's sync deadline, is reached), `mixed` lines add a per-trader part to a
 * fixed part per cycle or run, `fixed` lines are there whatever runs, `usage` lines follow API
 * and WebSocket use instead, and `followers` lines copy trading's followers (./copy.ts).
 */
export type LineScaling = "traders" | "mixed" | "fixed" | "usage" | "followers";

export interface CostLine {
  service: string;
  what: string;
  quantity: Decimal;
  price: UnitPrice;
  /** quantity × price, rounded to the micro-dollar (half up). */
  monthlyUsd: Decimal;
  scaling: LineScaling;
}

export interface CostEstimate {
  pricesAsOf: string;
  region: string;
  input: CostInput;
  lines: CostLine[];
  /** The exact sum of the lines' monthlyUsd. */
  totalUsd: Decimal;
  capacity: Capacity;
  warnings: string[];
}

/** Dollars to the micro-dollar: lines are summed exactly, and printing rounds once, at the end. */
const MICRO_DOLLAR_PLACES = 6;

export const lineCost = (quantity: Decimal, price: UnitPrice): Decimal =>
  quantity.times(price.usd).div(price.per).round(MICRO_DOLLAR_PLACES, 1);

const MEMORY_MB = {
  worker: TRACK_WORKER_FUNCTION.memoryMb,
  dispatcher: TRACK_DISPATCH_FUNCTION.memoryMb,
  leaderboard: LEADERBOARD_FUNCTION.memoryMb,
  discovery: DISCOVERY_FUNCTION.memoryMb,
  broadcaster: BROADCASTER_FUNCTION.memoryMb,
  fanOutWorker: FAN_OUT_WORKER_FUNCTION.memoryMb,
  httpApi: HTTP_API_FUNCTION.memoryMb,
  listener: STREAM_LISTENER_FUNCTION.memoryMb,
  listenerChecks: STREAM_LISTENER_FUNCTION.memoryMb,
} as const satisfies Record<keyof Workload["lambda"], number>;

/**
 * Alarm metrics the stack creates (lib/alarms.ts): an Errors alarm per deployed function, an
 * IteratorAge alarm per stream consumer, a DLQ alarm per queue consumer, per stream consumer (its
 * on-failure queue) and for the schedules, the exchange 429 rate (metric math over 2 metrics), the
 * stale-history share, the feed's too-large events and dropped deliveries and, with the trades stream, lib/stream-alarms.ts: no trades (metric math
 * over 4), reconnects, gaps.
 */
const alarmMetrics = (tradesStream: boolean): number => {
  // Copy trading's alarms are its own line (./copy.ts COPY_ALARM_METRICS).
  const deployed = ALL_FUNCTIONS.filter((f) => (tradesStream || f !== STREAM_LISTENER_FUNCTION) && !COPY_FUNCTIONS.includes(f));
  const streams = deployed.filter((f) => f.trigger.kind === "dynamodb-stream").length;
  const queueConsumers = deployed.filter((f) => f.trigger.kind === "sqs").length;
  return deployed.length + 2 * streams + queueConsumers + 1 + 2 + 1 + 1 + 1 + (tradesStream ? 4 + 1 + 1 : 0);
};

/** The secrets the http-api reads at each cold start: the admin key and the origin secret (functions/handlers/http-api.ts). */
const HTTP_API_SECRETS = 2;

const lambdaLines = (w: Workload): CostLine[] => {
  const compute: [keyof Workload["lambda"], string, LineScaling][] = [
    ["worker", `track-worker compute (${MEMORY_MB.worker} MB)`, "traders"],
    ["dispatcher", `track-dispatch compute (${MEMORY_MB.dispatcher} MB)`, "mixed"],
    ["leaderboard", `leaderboard compute (${MEMORY_MB.leaderboard} MB)`, "traders"],
    ["discovery", `discovery compute (${MEMORY_MB.discovery} MB)`, "fixed"],
    ["broadcaster", `broadcaster compute (${MEMORY_MB.broadcaster} MB): queues each batch of events per occupied shard`, "traders"],
    ["fanOutWorker", `fan-out worker compute (${MEMORY_MB.fanOutWorker} MB): posts to its shard's clients`, "traders"],
    ["httpApi", `http-api compute (${MEMORY_MB.httpApi} MB)`, "usage"],
  ];
  if (w.lambda.listener.invocations.gt(0)) {
    compute.push(
      ["listener", `stream-listener compute (${MEMORY_MB.listener} MB): one listening all month, overlaps at hand-overs`, "fixed"],
      ["listenerChecks", "stream-listener starts that find a live holder and return", "fixed"],
    );
  }
  const invocations = Object.values(w.lambda).reduce((sum, l) => sum.plus(l.invocations), dec(0));
  return [
    ...compute.map(([fn, what, scaling]) => line("Lambda", what, w.lambda[fn].gbSeconds, PRICES.lambdaArmGbSecond, scaling)),
    line("Lambda", "requests (the functions above)", invocations, PRICES.lambdaRequest, "mixed"),
  ];
};

const line = (service: string, what: string, quantity: Decimal, price: UnitPrice, scaling: LineScaling): CostLine => ({
  service,
  what,
  quantity,
  price,
  monthlyUsd: lineCost(quantity, price),
  scaling,
});

const buildLines = (i: CostInput, w: Workload): CostLine[] => {
  const dynamoWrites = w.writeUnits;
  const reads = w.readUnits;
  const stream = i.tradesStream;
  const lines: CostLine[] = [
    ...lambdaLines(w),
    line("SQS", "SendMessageBatch (10 messages each)", w.sqs.sendBatches, PRICES.sqsRequest, "traders"),
    line("SQS", "worker poller: receive + delete per invocation", w.sqs.pollerReceivesAndDeletes, PRICES.sqsRequest, "traders"),
    line("SQS", "worker poller: empty long polls (5 x 3/min)", w.sqs.idleReceives, PRICES.sqsRequest, "fixed"),
    line("SQS", `fan-out queue (FIFO): SendMessageBatch per occupied shard (~${w.feed.occupiedShards.toFixed(1, 1)}) and batch of events, retries`, w.fifo.sends, PRICES.sqsFifoRequest, "traders"),
    line("SQS", "fan-out queue (FIFO): receive + delete per fan-out worker invocation", w.fifo.receivesAndDeletes, PRICES.sqsFifoRequest, "traders"),
    line("SQS", "fan-out queue (FIFO): empty long polls (5 x 3/min)", w.fifo.idleReceives, PRICES.sqsFifoRequest, "fixed"),
    line("DynamoDB", "writes: budget lease + heartbeat per message, cycle record", dynamoWrites.trackingBookkeeping, PRICES.dynamoWriteUnit, "mixed"),
    line("DynamoDB", "writes: changed traders (state, event + index, fill)", dynamoWrites.changedTraders, PRICES.dynamoWriteUnit, "traders"),
    line("DynamoDB", "writes: leaderboard snapshots + history sync", dynamoWrites.leaderboard, PRICES.dynamoWriteUnit, "traders"),
    line("DynamoDB", "writes: trader pages (new and re-funded round trips x2, changed equity series, marker, daily realized-PnL prefix)", dynamoWrites.pages, PRICES.dynamoWriteUnit, "traders"),
    line("DynamoDB", `writes: feed connections (${fmt(w.feed.connections)} a month: item, welcome, 2 cap slots in and out)`, dynamoWrites.feedConnections, PRICES.dynamoWriteUnit, "usage"),
    line("DynamoDB", "reads: tracking states (BatchGet per poll)", reads.trackingStates, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: dispatcher active-index pages", reads.dispatcher, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: leaderboard history loads", reads.leaderboard, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: trader-page markers (with the metrics checkpoints), rewrites' round-trip listings", reads.pagesJob, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: http-api snapshot loads", reads.api, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: http-api trader pages (round-trip Query, equity GetItem)", reads.pagesApi, PRICES.dynamoReadUnit, "usage"),
    line("DynamoDB", `reads: broadcaster's occupied-shard Queries (${i.feedShards} per batch of events)`, reads.feedShards, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: fan-out worker shard listings", reads.feedListings, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "reads: discovery lookups", reads.discovery, PRICES.dynamoReadUnit, "fixed"),
    ...(stream
      ? [
          line("DynamoDB", "writes: stream-listener lease and status (every heartbeat)", dynamoWrites.listener, PRICES.dynamoWriteUnit, "fixed"),
          line("DynamoDB", "reads: stream-listener lease checks, tracked-trader refreshes", reads.listener, PRICES.dynamoReadUnit, "mixed"),
        ]
      : []),
    line("DynamoDB", `storage after ${i.storageMonths} months (+${w.storageGrowthGbPerMonth.toFixed(1, 1)} GB a month)`, w.storageGb, PRICES.dynamoStorageGbMonth, "traders"),
    line("API Gateway", "WebSocket messages (events x clients)", w.webSocket.messages, PRICES.webSocketMessage, "traders"),
    line("API Gateway", "WebSocket connection minutes", w.webSocket.connectionMinutes, PRICES.webSocketConnectionMinute, "usage"),
    line("API Gateway", "WebSocket data out", w.webSocket.dataOutGb, PRICES.dataTransferOutGb, "traders"),
    line("API Gateway", "HTTP API requests (CloudFront misses)", w.http.originRequests, PRICES.httpApiRequest, "usage"),
    line("CloudFront", "HTTPS requests", w.http.cloudFrontRequests, PRICES.cloudFrontHttpsRequest, "usage"),
    line("CloudFront", "data out", w.http.cloudFrontGb, PRICES.cloudFrontDataOutGb, "usage"),
    line(
      "EventBridge Scheduler",
      `invocations (tracking, discovery, leaderboard${stream ? ", stream listener" : ""})`,
      w.schedulerInvocations,
      PRICES.eventBridgeSchedulerInvocation,
      "fixed",
    ),
    line("Secrets Manager", "secrets", dec(i.secrets), PRICES.secretsManagerSecretMonth, "fixed"),
    line("Secrets Manager", `GetSecretValue at http-api cold starts (${HTTP_API_SECRETS} each)`, dec(i.coldStartsPerMonth * HTTP_API_SECRETS), PRICES.secretsManagerApiCall, "fixed"),
    line("CloudWatch", "alarm metrics", dec(alarmMetrics(stream)), PRICES.cloudWatchAlarmMetricMonth, "fixed"),
    line("CloudWatch", "custom metrics (exchange counters)", dec(Object.keys(EXCHANGE_METRICS).length), PRICES.cloudWatchCustomMetricMonth, "fixed"),
    line("CloudWatch", "custom metrics (leaderboard history health)", dec(LEADERBOARD_METRICS.length), PRICES.cloudWatchCustomMetricMonth, "fixed"),
    line("CloudWatch", "custom metrics (feed events too large, deliveries dropped)", dec(FEED_METRICS.length), PRICES.cloudWatchCustomMetricMonth, "fixed"),
    ...(stream
      ? [line("CloudWatch", "custom metrics (trades-stream counters)", dec(STREAM_METRICS.length), PRICES.cloudWatchCustomMetricMonth, "fixed")]
      : []),
    line("CloudWatch", "Logs ingestion", w.logsGb, PRICES.cloudWatchLogsIngestGb, "mixed"),
    // 30-day retention keeps about one month of logs; priced uncompressed, so an upper bound.
    line("CloudWatch", "Logs storage (30-day retention)", w.logsGb, PRICES.cloudWatchLogsStorageGbMonth, "mixed"),
    line("KMS", "alarm topic key", dec(1), PRICES.kmsKeyMonth, "fixed"),
  ];
  lines.push(...copyLines(i, w));
  if (i.nat) {
    lines.push(
      line("NAT", "NAT gateway hours", dec(HOURS_PER_MONTH), PRICES.natGatewayHour, "fixed"),
      line("NAT", "Elastic IP (public IPv4) hours", dec(HOURS_PER_MONTH), PRICES.publicIpv4Hour, "fixed"),
      line("NAT", "data processed (exchange traffic)", w.natGb, PRICES.natGatewayGb, "mixed"),
    );
  }
  return lines;
};

/** Copy trading (./copy.ts): its functions, FIFO queue, writes and reads, schedule, agent secrets, alarms and logs. */
const copyLines = (i: CostInput, w: Workload): CostLine[] => {
  const c = w.copy;
  const runs = `${fmt(c.runs.dispatched)} on leader events + ${fmt(c.runs.reconciled)} periodic`;
  const invocations = c.lambda.worker.invocations.plus(c.lambda.dispatcher.invocations).plus(c.lambda.reconcile.invocations);
  return [
    line("Lambda", `copy-worker compute (${COPY_WORKER_FUNCTION.memoryMb} MB): ${runs} follower runs`, c.lambda.worker.gbSeconds, PRICES.lambdaArmGbSecond, "followers"),
    line("Lambda", `copy-dispatch compute (${COPY_DISPATCH_FUNCTION.memoryMb} MB): per batch of new events`, c.lambda.dispatcher.gbSeconds, PRICES.lambdaArmGbSecond, "traders"),
    line("Lambda", `copy-reconcile compute (${COPY_RECONCILE_FUNCTION.memoryMb} MB): lists the followers, queues one message each`, c.lambda.reconcile.gbSeconds, PRICES.lambdaArmGbSecond, "followers"),
    line("Lambda", "copy requests (the three copy functions)", invocations, PRICES.lambdaRequest, "followers"),
    line("SQS", "copy queue (FIFO): sends (dispatcher per follower and event, reconcile in batches of 10)", c.fifo.sends, PRICES.sqsFifoRequest, "followers"),
    line("SQS", "copy queue (FIFO): receive + delete per copy-worker invocation", c.fifo.receivesAndDeletes, PRICES.sqsFifoRequest, "followers"),
    line("SQS", "copy queue (FIFO): empty long polls (5 x 3/min)", c.fifo.idleReceives, PRICES.sqsFifoRequest, "fixed"),
    line("DynamoDB", `copy writes: account per run, ${fmt(c.orders)} orders, an equity point a minute (transactions x2)`, c.writeUnits, PRICES.dynamoWriteUnit, "followers"),
    line("DynamoDB", "copy reads: the follower's partition and its leaders' items per run", c.readUnits.worker, PRICES.dynamoReadUnit, "followers"),
    line("DynamoDB", "copy reads: the dispatcher's leader-index Query per event", c.readUnits.dispatcher, PRICES.dynamoReadUnit, "traders"),
    line("DynamoDB", "copy reads: the reconcile's followers list and their accounts' last runs per tick", c.readUnits.reconcile, PRICES.dynamoReadUnit, "followers"),
    line("DynamoDB", `copy storage after ${i.storageMonths} months (orders, equity points)`, c.storageKb.div(GB_IN_KB), PRICES.dynamoStorageGbMonth, "followers"),
    line("EventBridge Scheduler", "copy-reconcile ticks (COPY_RECONCILE_INTERVAL_SECONDS)", c.schedulerInvocations, PRICES.eventBridgeSchedulerInvocation, "fixed"),
    line("Secrets Manager", "agent secrets (one per live follower)", c.agentSecrets, PRICES.secretsManagerSecretMonth, "followers"),
    line("Secrets Manager", "agent secret reads (GetSecretValue)", c.agentSecretReads, PRICES.secretsManagerApiCall, "followers"),
    line("CloudWatch", "copy alarm metrics (errors x3, dispatcher lag, 2 DLQs, order errors)", dec(COPY_ALARM_METRICS), PRICES.cloudWatchAlarmMetricMonth, "fixed"),
    line("CloudWatch", "custom metrics (copy orders, errors, pauses, signal-to-order delay)", dec(COPY_METRICS.length), PRICES.cloudWatchCustomMetricMonth, "fixed"),
    line("CloudWatch", "copy Logs ingestion", c.logKb.div(GB_IN_KB), PRICES.cloudWatchLogsIngestGb, "followers"),
    line("CloudWatch", "copy Logs storage (30-day retention)", c.logKb.div(GB_IN_KB), PRICES.cloudWatchLogsStorageGbMonth, "followers"),
  ];
};

const fmt = (x: Decimal): string => Number(x.round(0, 1).toString()).toLocaleString("en-US");

const capacityWarnings = (i: CostInput, c: Capacity): string[] => {
  const warnings: string[] = [];
  if (c.egressIpsNeeded > 1) {
    warnings.push(
      `Exchange capacity: ${fmt(dec(i.traders))} traders every ${i.intervalSeconds} s at a change rate of ${i.changeRate} ` +
        `spend ~${fmt(c.trackingWeightPerMinute)} weight a minute; one egress IP allows ${fmt(dec(c.usableWeightPerIp))} ` +
        `(1,200 less headroom), i.e. ~${fmt(c.tradersPerIpPerCycle)} traders a cycle. This needs ${c.egressIpsNeeded} egress IPs; ` +
        `the stack supports one (one shared weight budget, one fixed egress IP), so as deployed the rest wait and ` +
        `cycles run late. Lengthen --interval-seconds or track fewer traders. The AWS side is priced as if every trader were polled every cycle.`,
    );
  }
  if (c.historySyncSecondsNeeded.gt(c.historySyncSecondsAllowed)) {
    const share = dec(c.historySyncSecondsAllowed).div(c.historySyncSecondsNeeded).times(100).toFixed(1, 0);
    warnings.push(
      `Leaderboard history: a run needs ~${fmt(c.historySyncSecondsNeeded)} s of exchange calls at history's share of ` +
        `one IP (HL_HISTORY_SHARE, at best) but stops them at LEADERBOARD_SYNC_SECONDS=${c.historySyncSecondsAllowed} s: about ${share}% ` +
        `of due syncs happen per run, so histories lag. Priced at the ${c.historySyncSecondsAllowed} s it spends.`,
    );
  }
  return warnings;
};

export const estimateMonthlyCost = (input: Partial<CostInput> & Pick<CostInput, "traders">): CostEstimate => {
  const i: CostInput = { ...DEFAULT_INPUT, ...input };
  if (!Number.isInteger(i.traders) || i.traders < 1) throw new RangeError(`traders must be a positive integer, got ${i.traders}`);
  if (!Number.isInteger(i.intervalSeconds) || i.intervalSeconds < 60 || i.intervalSeconds % 60 !== 0) {
    throw new RangeError(`intervalSeconds must be a whole number of minutes (EventBridge Scheduler), got ${i.intervalSeconds}`);
  }
  const p = dec(i.changeRate);
  if (p.lt(0) || p.gt(1)) throw new RangeError(`changeRate must be between 0 and 1, got ${i.changeRate}`);
  if (!Number.isInteger(i.feedShards) || i.feedShards < 1) throw new RangeError(`feedShards must be a positive integer, got ${i.feedShards}`);
  if (!Number.isInteger(i.followers) || i.followers < 0) throw new RangeError(`followers must be a whole number, got ${i.followers}`);
  const live = dec(i.liveFollowerShare);
  if (live.lt(0) || live.gt(1)) throw new RangeError(`liveFollowerShare must be between 0 and 1, got ${i.liveFollowerShare}`);
  if (dec(i.roundTripsPerTraderPerDay).lt(0)) throw new RangeError(`roundTripsPerTraderPerDay must not be negative, got ${i.roundTripsPerTraderPerDay}`);
  const w = computeWorkload(i, MEMORY_MB);
  const lines = buildLines(i, w);
  return {
    pricesAsOf: PRICES_AS_OF,
    region: PRICES_REGION,
    input: i,
    lines,
    totalUsd: lines.reduce((sum, l) => sum.plus(l.monthlyUsd), dec(0)),
    capacity: w.capacity,
    warnings: capacityWarnings(i, w.capacity),
  };
};
