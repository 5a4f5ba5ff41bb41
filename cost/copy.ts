import { dec, type Decimal } from "#commons/decimal.js";
import { baseWeight, exchangeActionWeight } from "#hyperliquid/weights.js";
import { COPY_DISPATCH_FUNCTION, COPY_RECONCILE_FUNCTION, COPY_WORKER_FUNCTION } from "../functions/catalog.js";
import { APP_DEFAULTS, type CostInput } from "./inputs.js";
import { ceil, gbSeconds, KB, MINUTES_PER_MONTH, readUnits, SECONDS_PER_MONTH, type LambdaUse } from "./units.js";

/**
 * Copy trading's month: every follower is reconciled by one copy-worker run per leader event
 * (the dispatcher's message) and one every COPY_RECONCILE_INTERVAL_SECONDS (the reconcile's), each
 * a FIFO message. A run reads the mids (and a live follower's account) from the exchange, sends an
 * order when the target moved, and commits the follower's account, its orders and at most one
 * equity point a minute in one transaction (DynamoDB bills transactions twice).
 */

const ALL_MIDS_WEIGHT = baseWeight("allMids");
const ACCOUNT_WEIGHT = baseWeight("clearinghouseState");
/** One order action with one order: 1 + floor(1 / 40). */
const ORDER_ACTION_WEIGHT = exchangeActionWeight(1);
/**
 * A live follower's fills get their fee and closed PnL from one read of the account's fills (20, +1
 * per 20 fills) at most once a minute for all of them since (#domain/copy/engine-settle.js).
 */
const FILLS_WEIGHT = baseWeight("userFillsByTime");
/** Lambda's SQS poller long-polls each queue with 5 connections while idle, each a 20 s ReceiveMessage. */
const IDLE_RECEIVES = dec(5 * 3 * MINUTES_PER_MONTH);
/** A SendMessageBatch carries up to 10 messages. */
const BATCH = 10;
/** DynamoDB transactions bill each item twice. */
const TRANSACT = 2;
/** The copy alarms (lib/alarms.ts): an Errors alarm per copy function, the dispatcher's IteratorAge, the copy DLQ and the dispatcher's stream DLQ, CopyOrderErrors. */
export const COPY_ALARM_METRICS = 3 + 1 + 2 + 1;

export interface CopyWorkload {
  /** Worker runs (messages): per leader event and per reconcile tick, for every follower. */
  runs: { dispatched: Decimal; reconciled: Decimal };
  orders: Decimal;
  lambda: Record<"worker" | "dispatcher" | "reconcile", LambdaUse>;
  fifo: { sends: Decimal; receivesAndDeletes: Decimal; idleReceives: Decimal };
  writeUnits: Decimal;
  readUnits: { worker: Decimal; dispatcher: Decimal; reconcile: Decimal };
  /** Equity points and orders kept after `storageMonths` (no TTL assumed). */
  storageKb: Decimal;
  schedulerInvocations: Decimal;
  agentSecrets: Decimal;
  agentSecretReads: Decimal;
  logKb: Decimal;
  natKb: Decimal;
  /** Exchange weight a minute the copy engine spends (shares the one budget with tracking). */
  weightPerMinute: Decimal;
}

/**
 * `eventsPerTraderPerMonth`: the position events one tracked trader makes a month (the tracking
 * workload's rate); `streamBatches`: the events table's stream batches (the broadcaster's
 * invocations: the dispatcher reads the same stream, in the same batches).
 */
export const copyWorkload = (
  i: CostInput,
  eventsPerTraderPerMonth: Decimal,
  streamBatches: Decimal,
  events: Decimal,
): CopyWorkload => {
  const F = dec(i.followers);
  const live = F.times(i.liveFollowerShare);
  const interval = APP_DEFAULTS.COPY_RECONCILE_INTERVAL_SECONDS;
  const ticks = Math.floor(SECONDS_PER_MONTH / interval);
  const dispatched = F.times(i.leadersPerFollower).times(eventsPerTraderPerMonth).round(0, 1);
  const reconciled = F.times(ticks);
  const runs = dispatched.plus(reconciled);
  // A leader event moves the target: one order per follower run it causes. A periodic run trades
  // only what an earlier run missed, which the steady state does not have.
  const orders = dispatched.times(i.copyOrdersPerEvent).round(0, 1);
  // One read per live batch that filled, but not more than one a minute per live follower.
  const liveBatches = orders.times(i.liveFollowerShare);
  const liveFillReads = liveBatches.lt(live.times(MINUTES_PER_MONTH)) ? liveBatches : live.times(MINUTES_PER_MONTH);

  // Worker: overhead (the follower's partition, the leaders' items), the mids and a live
  // account's state in parallel (one round of latency), an order round when the target moved, the commit.
  const runMs = dec(i.copyRunOverheadMs).plus(i.exchangeLatencyMs).plus(i.copyCommitMs);
  const workerMs = runMs.times(runs).plus(orders.times(i.exchangeLatencyMs));
  // Priced as one message per invocation, an upper bound on invocations and requests.
  const worker = { invocations: runs, gbSeconds: gbSeconds(dec(1), workerMs, COPY_WORKER_FUNCTION.memoryMb) };
  const dispatcher = { invocations: streamBatches, gbSeconds: gbSeconds(streamBatches, dec(i.copyDispatchMs), COPY_DISPATCH_FUNCTION.memoryMb) };
  const sendsPerTick = Math.ceil(i.followers / BATCH);
  const reconcileMs = dec(i.copyDispatchMs).plus(sendsPerTick * 10);
  const reconcile = { invocations: dec(ticks), gbSeconds: gbSeconds(dec(ticks), reconcileMs, COPY_RECONCILE_FUNCTION.memoryMb) };

  // Equity points: at most one a minute per follower.
  const equityPoints = F.times(Math.min(ticks, MINUTES_PER_MONTH));
  const writeUnits = runs
    .times(TRANSACT * Math.ceil(i.copyAccountKb))
    .plus(orders.times(TRANSACT * i.copyItemsPerOrder))
    .plus(equityPoints.times(TRANSACT));

  const indexEntry = dec(i.indexEntryBytes);
  return {
    runs: { dispatched, reconciled },
    orders,
    lambda: { worker, dispatcher, reconcile },
    fifo: {
      // The dispatcher batches one event's followers; with a follower per leader that is one send each (upper bound).
      sends: dispatched.plus(dec(sendsPerTick).times(ticks)),
      receivesAndDeletes: runs.times(2),
      idleReceives: IDLE_RECEIVES,
    },
    writeUnits,
    readUnits: {
      // A consistent Query of the follower's config and account, one of the orders its message already
      // caused (usually none: the Query's least, 1 unit); each leader's traders item (eventually consistent).
      // Not priced: a leader's opening read from his events (#store/dynamo/leader-openings.js), which
      // a run does only for a position it finds without its message (lost, or still queued behind
      // it): a page of 20 events (~10 units), once per process, leader, coin and state version; nor
      // the consistent re-read of a leader whose plain read is older than the run's event.
      worker: runs.times(
        readUnits(dec(i.copyAccountKb + 1).times(KB), true)
          .plus(1)
          .plus(readUnits(dec(i.traderItemKb * KB), false).times(i.leadersPerFollower)),
      ),
      // One key-only leader-index Query per event.
      dispatcher: events.times(readUnits(indexEntry, false)),
      // The followers list each tick (key-only index entries), then each active follower's account
      // item, consistently (when it last ran: one that ran within the interval is not queued; a
      // projection does not lower what a read of the item bills).
      reconcile: dec(ticks).times(readUnits(F.times(indexEntry), false).plus(F.times(readUnits(dec(i.copyAccountKb).times(KB), true)))),
    },
    storageKb: equityPoints.times(i.copyEquityPointKb).plus(orders.times(i.copyItemsPerOrder)).times(i.storageMonths),
    schedulerInvocations: dec(ticks),
    agentSecrets: ceil(live),
    agentSecretReads: ceil(live).times(i.agentSecretReadsPerLiveFollowerPerDay).times(SECONDS_PER_MONTH).div(86_400).round(0, 1),
    logKb: runs
      .plus(streamBatches)
      .plus(ticks)
      .times(i.logKbPerInvocation)
      .plus(runs.times(i.logKbPerWorkerMessage)),
    natKb: runs.times(i.natKbPerCopyRun),
    weightPerMinute: runs
      .times(ALL_MIDS_WEIGHT)
      .plus(runs.times(i.liveFollowerShare).times(ACCOUNT_WEIGHT))
      .plus(orders.times(i.liveFollowerShare).times(ORDER_ACTION_WEIGHT))
      .plus(liveFillReads.times(FILLS_WEIGHT))
      .div(MINUTES_PER_MONTH),
  };
};
