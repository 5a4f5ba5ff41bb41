import { Duration } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { effectiveWeightPerMinute, type Config } from "#commons/config.js";
import { COPY_QUEUE, type QueueDef } from "#commons/queues.js";
import { baseWeight, exchangeActionWeight } from "#hyperliquid/weights.js";
import { ALL_FUNCTIONS, COPY_FUNCTIONS, type FunctionDef } from "../functions/catalog.js";
import type { Data } from "./data.js";
import { fifoQueueWithDeadLetters } from "./fifo-queue.js";
import { HouseFunction, type ResourceLookup } from "./house-function.js";
import { pascal, type FunctionDefaults } from "./ingestion.js";
import { attachStreamMapping } from "./streams.js";

/**
 * Exchange weight of one follower's reconciliation at most: the mids (allMids, to price its
 * orders), a live follower's actual positions (clearinghouseState) and one order action of up to
 * 40 orders. A paper follower spends only the mids.
 */
export const COPY_RUN_WEIGHT = baseWeight("allMids") + baseWeight("clearinghouseState") + exchangeActionWeight(1);

/**
 * How many copy workers may run at once: as many as the weight budget serves within one worker
 * timeout, as for the tracking workers (lib/ingestion.ts trackWorkerMaxConcurrency), since a worker
 * waiting for weight still bills and its late orders copy worse:
 *
 *   floor(effective weight per minute × timeout / 60 ÷ (messages per batch × COPY_RUN_WEIGHT))
 *
 * Defaults: 1,080 × 60/60 = 1,080 weight per timeout; 10 × 5 = 50 per invocation → 21 workers.
 * The FIFO queue bounds it as well: one batch in flight per follower (message group). AWS accepts
 * 2..1,000. The budget is shared with tracking, so this is an upper bound, not a reservation.
 */
export const copyWorkerMaxConcurrency = (app: Config, queue: QueueDef, workerTimeoutSeconds: number): number => {
  const weightPerInvocation = queue.batchSize * COPY_RUN_WEIGHT;
  const budgetPerTimeout = (effectiveWeightPerMinute(app) * workerTimeoutSeconds) / 60;
  return Math.min(1000, Math.max(2, Math.floor(budgetPerTimeout / weightPerInvocation)));
};

/** Copy trading's functions (everything else is not ours). */
const isCopy = (def: FunctionDef): boolean => COPY_FUNCTIONS.includes(def);

export interface CopyProps {
  data: Data;
  app: Config;
  functionDefaults: FunctionDefaults;
  /** Runs a `schedule` function at its setting's interval (the ingestion's schedules and their DLQ). */
  runOnSchedule: (house: HouseFunction) => void;
}

/**
 * Copy trading: the FIFO copy queue (one message group per follower) and its FIFO dead-letter
 * queue, and the catalog's copy functions on their triggers: the dispatcher on the events table's
 * stream (its second reader, beside the broadcaster: lib/streams.ts), the worker on the queue, the
 * periodic reconcile on its schedule. The queue exists whatever is deployed: the HTTP API sends to
 * it too (a new follower, a resume, a stop that closes).
 */
export class Copy extends Construct {
  readonly functions = new Map<string, HouseFunction>();
  readonly queue: Queue;
  /** Copy messages that failed COPY_QUEUE.maxReceiveCount times: a follower left unreconciled until the next tick. */
  readonly deadLetterQueue: Queue;
  /** Each stream consumer's on-failure destination, by function name (the dispatcher's). */
  readonly streamDeadLetterQueues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: CopyProps) {
    super(scope, id);
    // Groups are followers; ids name follower and event (#domain/copy/messages.js). A copy signal is
    // stale within the hour, and the periodic reconciliation re-derives every target anyway: a
    // position whose message expired gets its opening from the leader's events (engine-openings.ts).
    const copy = fifoQueueWithDeadLetters(this, "Copy", COPY_QUEUE, {
      retention: Duration.hours(1),
      deadLettersAre: "the copy messages the worker failed on every delivery",
    });
    this.queue = copy.queue;
    this.deadLetterQueue = copy.deadLetterQueue;

    const resources: ResourceLookup = { table: (def) => props.data.table(def), queue: (def) => this.lookup(def) };
    for (const def of ALL_FUNCTIONS.filter(isCopy)) {
      const house = new HouseFunction(this, `${pascal(def.name)}Function`, { ...props.functionDefaults, def, resources });
      this.functions.set(def.name, house);
      const trigger = def.trigger;
      if (trigger.kind === "sqs") this.attachQueue(house, props.app);
      else if (trigger.kind === "dynamodb-stream") {
        this.streamDeadLetterQueues.set(def.name, attachStreamMapping(this, house, trigger, props.data));
      }
      else if (trigger.kind === "schedule") props.runOnSchedule(house);
      else throw new Error(`${def.name}: copy trading has no ${trigger.kind} trigger`);
    }
  }

  /** The copy queue for the functions that send to it (copy functions and the HTTP API). */
  lookup(def: QueueDef): Queue {
    if (def.id !== COPY_QUEUE.id) throw new Error(`Copy trading owns only the copy queue, yet "${def.id}" was asked for`);
    return this.queue;
  }

  private attachQueue(house: HouseFunction, app: Config): void {
    const { def, fn } = house;
    if (def.trigger.kind !== "sqs" || def.trigger.queue.id !== COPY_QUEUE.id) throw new Error(`${def.name} does not consume the copy queue`);
    // A message must stay hidden while a worker may still be placing its orders, or a second
    // worker reconciles the same follower at once (the FIFO group holds it back only while hidden).
    if (COPY_QUEUE.visibilityTimeoutSeconds <= Math.max(def.timeoutSeconds, COPY_QUEUE.workerTimeoutSeconds)) {
      throw new Error(`${def.name}: the copy queue's visibility timeout must exceed the worker timeout ${def.timeoutSeconds}s`);
    }
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: COPY_QUEUE.batchSize,
        reportBatchItemFailures: true, // a failed follower goes back alone (and holds back only its own group)
        maxConcurrency: copyWorkerMaxConcurrency(app, COPY_QUEUE, def.timeoutSeconds),
      }),
    );
  }
}
