import { CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { effectiveWeightPerMinute, type Config } from "#commons/config.js";
import type { QueueDef } from "#commons/queues.js";
import { baseWeight } from "#hyperliquid/weights.js";
import { ALL_FUNCTIONS, COPY_FUNCTIONS, FEED_FUNCTIONS, type FunctionDef } from "../functions/catalog.js";
import type { Data } from "./data.js";
import { HouseFunction, type HouseFunctionProps, type ResourceLookup } from "./house-function.js";

/** What every function of the app shares; the construct adds the catalog entry and the resources. */
export type FunctionDefaults = Omit<HouseFunctionProps, "def" | "resources">;

export interface IngestionProps {
  data: Data;
  app: Config;
  functionDefaults: FunctionDefaults;
}

/** What polling one trader's positions costs: one `clearinghouseState` request. */
const POSITION_POLL_WEIGHT = baseWeight("clearinghouseState");

/**
 * How many tracking workers may run at once. The weight budget itself cannot be overspent: it is
 * shared through the state table and every poll waits for its weight. But a worker that waits for
 * budget still bills duration, and what it cannot poll before its deadline it hands back to the
 * queue, to wait again. So we allow only as many workers as the budget can serve within one
 * worker timeout:
 *
 *   floor(effective weight per minute × timeout / 60 ÷ (messages per batch × traders per message × weight per trader))
 *
 * Defaults: 1,080 × 50/60 = 900 weight per timeout; 5 × 25 × 2 = 250 per invocation → 3 workers.
 * Fill fetches cost extra, so this is an upper bound. AWS accepts 2..1,000; when the budget serves
 * only one invocation per timeout the second worker simply waits, which is still correct.
 */
export const trackWorkerMaxConcurrency = (app: Config, queue: QueueDef, workerTimeoutSeconds: number): number => {
  const weightPerInvocation = queue.batchSize * app.TRACK_BATCH_SIZE * POSITION_POLL_WEIGHT;
  const budgetPerTimeout = (effectiveWeightPerMinute(app) * workerTimeoutSeconds) / 60;
  const served = Math.floor(budgetPerTimeout / weightPerInvocation);
  if (served < 1) {
    // Not even one worker could finish a batch before its timeout: every batch would be handed back forever.
    throw new Error(
      `A tracking batch needs ${weightPerInvocation} weight but only ${Math.floor(budgetPerTimeout)} is available within the ` +
        `worker timeout (${workerTimeoutSeconds}s): lower TRACK_BATCH_SIZE or raise HL_WEIGHT_PER_MINUTE`,
    );
  }
  return Math.min(1000, Math.max(2, served));
};

/** Each queue's consumer concurrency is a decision; the record makes a new queue id fail to compile until it is made. */
const MAX_CONCURRENCY: Record<QueueDef["id"], (app: Config, queue: QueueDef, timeoutSeconds: number) => number> = {
  tracking: trackWorkerMaxConcurrency,
  fanout: () => {
    throw new Error("The fan-out queue's worker is the live feed's (lib/feed.ts fanOutMaxConcurrency), not ingestion's");
  },
  copy: () => {
    throw new Error("The copy queue's worker is copy trading's (lib/copy.ts copyWorkerMaxConcurrency), not ingestion's");
  },
};

export interface OwnedQueue {
  def: QueueDef;
  queue: Queue;
  deadLetterQueue: Queue;
}

/**
 * Scheduled, queue-driven and long-lived functions: the catalog's trigger decides which construct
 * builds a function, except for the live feed's own queue worker (lib/feed.ts).
 */
const isIngestion = (def: FunctionDef): boolean =>
  !FEED_FUNCTIONS.includes(def) &&
  !COPY_FUNCTIONS.includes(def) && // copy trading's (lib/copy.ts): its FIFO queue, worker and schedule
  (def.trigger.kind === "schedule" || def.trigger.kind === "sqs" || def.trigger.kind === "long-lived");

/**
 * Whether the settings deploy a function at all: the long-lived trades-stream listener only with
 * TRADES_STREAM=on, as `npm start` runs it (local/functions.ts). Off, nothing of it is deployed:
 * no function, no schedule, no alarm; the dispatcher then polls everyone every tick.
 */
export const isDeployed = (def: FunctionDef, app: Config): boolean =>
  def.trigger.kind !== "long-lived" || app.TRADES_STREAM === "on";

export const pascal = (name: string): string =>
  name.split(/[^A-Za-z0-9]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");

/**
 * Discovery, the tracking dispatcher, the tracking workers, the leaderboard and the trades-stream
 * listener: every catalog function with a schedule, queue or long-lived trigger that the settings
 * deploy, the queues they use and the schedules that drive them.
 */
export class Ingestion extends Construct {
  readonly functions = new Map<string, HouseFunction>();
  /** Failed schedule deliveries (after the scheduler's retries) land here instead of vanishing. */
  readonly scheduleDeadLetterQueue: Queue;
  private readonly queues = new Map<QueueDef["id"], OwnedQueue>();

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const defs = ALL_FUNCTIONS.filter((def) => isIngestion(def) && isDeployed(def, props.app));

    for (const queueDef of queuesUsedBy(defs)) this.queues.set(queueDef.id, this.createQueue(queueDef));

    const resources: ResourceLookup = { table: (def) => props.data.table(def), queue: (def) => this.queue(def) };
    for (const def of defs) {
      const fn = new HouseFunction(this, `${pascal(def.name)}Function`, {
        ...props.functionDefaults,
        def,
        resources,
      });
      this.functions.set(def.name, fn);
    }

    this.scheduleDeadLetterQueue = new Queue(this, "ScheduleDeadLetterQueue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself a dead-letter queue: the schedules' undeliverable invocations.",
    });
    for (const fn of this.functions.values()) this.attachTrigger(fn, props.app);
  }

  queue(def: QueueDef): Queue {
    return this.owned(def).queue;
  }

  deadLetterQueue(def: QueueDef): Queue {
    return this.owned(def).deadLetterQueue;
  }

  all(): readonly OwnedQueue[] {
    return [...this.queues.values()];
  }

  private owned(def: QueueDef): OwnedQueue {
    const owned = this.queues.get(def.id);
    if (!owned) throw new Error(`No queue for definition "${def.id}": no catalog function uses it.`);
    return owned;
  }

  private createQueue(def: QueueDef): OwnedQueue {
    const id = pascal(def.id);
    const deadLetterQueue = new Queue(this, `${id}DeadLetterQueue`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14), // the longest SQS allows: time to look before it is gone
    });
    const queue = new Queue(this, `${id}Queue`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: def.maxReceiveCount },
    });
    return { def, queue, deadLetterQueue };
  }

  private attachTrigger(house: HouseFunction, app: Config): void {
    const { def, fn } = house;
    const trigger = def.trigger;
    if (trigger.kind === "sqs") {
      const queueDef = trigger.queue;
      // A message must stay hidden while a worker may still be processing it, or a second worker
      // polls the same traders and writes duplicate events.
      const longest = Math.max(def.timeoutSeconds, queueDef.workerTimeoutSeconds);
      if (queueDef.visibilityTimeoutSeconds <= longest) {
        throw new Error(
          `Queue "${queueDef.id}": visibility timeout ${queueDef.visibilityTimeoutSeconds}s must exceed the worker timeout ${longest}s`,
        );
      }
      const maxConcurrency = MAX_CONCURRENCY[queueDef.id](app, queueDef, def.timeoutSeconds);
      fn.addEventSource(
        new SqsEventSource(this.queue(queueDef), {
          batchSize: queueDef.batchSize,
          reportBatchItemFailures: true, // one bad trader must not redeliver the whole batch
          maxConcurrency,
        }),
      );
      return;
    }

    if (trigger.kind === "long-lived") {
      this.startEvery(house, trigger.checkEverySeconds);
      return;
    }
    // Stream and WebSocket triggers (FEED_FUNCTIONS) are not ingestion; `isIngestion` keeps them out.
    if (trigger.kind !== "schedule") return;
    this.runOnSchedule(house, app);
  }

  /**
   * Runs a catalog `schedule` function every interval its setting names, through the ingestion's
   * schedule DLQ; copy trading's periodic reconcile (lib/copy.ts) is scheduled here too.
   */
  runOnSchedule(house: HouseFunction, app: Config): void {
    const { def, fn } = house;
    if (def.trigger.kind !== "schedule") throw new Error(`${def.name} has no schedule trigger`);
    const trigger = def.trigger;
    const intervalSeconds = app[trigger.intervalSetting];
    // A tick is superseded by the next one: retrying a failed run would only overlap it.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    this.schedule(house, {
      everySeconds: intervalSeconds,
      description: `Runs ${def.name} every ${intervalSeconds}s (${trigger.intervalSetting})`,
      maxEventAgeSeconds: Math.min(86_400, Math.max(60, intervalSeconds)),
    });
  }

  /**
   * The trades-stream listener (#app/stream-listener.js): one invocation holds the exchange's
   * WebSocket for up to 15 minutes; a run every `checkEverySeconds` reads the lease in the state
   * table and returns at once while a live holder has time left, or takes over, connects, and lets
   * its predecessor leave once it is connected. So the runs overlap by design, and the function
   * must not get a reserved concurrency of 1 (that would throttle exactly the hand-over).
   *
   * Why a scheduled 15-minute Lambda function and not an always-on Fargate task:
   *  - it is the same handler, built by the same house construct, as every other function: the
   *    same bundle, logs, alarms, grants and VPC path; `npm start` runs it in-process unchanged;
   *  - no container image to build and scan, no task to keep patched, no cluster, service or
   *    networking of its own (a task in a public subnet needs a public IPv4, $3.65 a month; in
   *    ours, the NAT gateway);
   *  - the hand-over is the lease (a conditional write on one item), and what two overlapping
   *    listeners both see is stored once: a poll commits conditioned on the state version it read;
   *  - cost: ~$19 a month of Lambda (`npm run cost`: 512 MB all month, a minute of overlap per
   *    hand-over, the starts that return at once), against ~$9 for a 0.25 vCPU / 0.5 GB Fargate
   *    task (x86; ~$7 on arm64) before its networking; its metrics, alarms and lease writes (~$2)
   *    a task would need too. The ~$10 difference buys one way of running and operating it all.
   */
  private startEvery(house: HouseFunction, everySeconds: number): void {
    if (everySeconds < 60 || everySeconds % 60 !== 0) {
      throw new Error(`${house.def.name}: checkEverySeconds=${everySeconds} is not a whole number of minutes (EventBridge Scheduler runs at most once a minute)`);
    }
    // As for every tick: a failed or late one is superseded by the next within the minute, and a
    // tick that waited longer (throttled) would only find the lease taken. 60 s is Lambda's least.
    house.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });
    this.schedule(house, {
      everySeconds,
      description: `Starts ${house.def.name} every ${everySeconds}s; a run returns at once while another holds the stream`,
      maxEventAgeSeconds: 60, // Scheduler's least, and one tick
    });
  }

  private schedule(house: HouseFunction, o: { everySeconds: number; description: string; maxEventAgeSeconds: number }): void {
    const { def, fn } = house;
    // Scheduler's shared role may invoke the function and its versions (`<function>:*`), nothing else.
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: `EventBridge Scheduler's target role for ${def.name}: lambda:InvokeFunction on this function and its versions.`,
    });
    new Schedule(this, `${pascal(def.name)}Schedule`, {
      description: o.description,
      schedule: ScheduleExpression.rate(Duration.seconds(o.everySeconds)),
      target: new LambdaInvoke(fn, {
        // Scheduler retries only failed deliveries (throttling, service errors), never function errors.
        retryAttempts: 2,
        maxEventAge: Duration.seconds(o.maxEventAgeSeconds),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });
  }
}

const queuesUsedBy = (defs: readonly FunctionDef[]): QueueDef[] => {
  const byId = new Map<QueueDef["id"], QueueDef>();
  for (const def of defs) {
    if (def.trigger.kind === "sqs") byId.set(def.trigger.queue.id, def.trigger.queue);
    for (const q of def.sendsTo) byId.set(q.id, q);
  }
  return [...byId.values()];
};
