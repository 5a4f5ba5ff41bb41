import { CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { effectiveWeightPerMinute, type Config } from "#commons/config.js";
import type { QueueDef } from "#commons/queues.js";
import { baseWeight } from "#hyperliquid/weights.js";
import { ALL_FUNCTIONS, type FunctionDef } from "../functions/catalog.js";
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
};

export interface OwnedQueue {
  def: QueueDef;
  queue: Queue;
  deadLetterQueue: Queue;
}

/** Scheduled and queue-driven functions: the catalog's trigger decides which construct builds a function. */
const isIngestion = (def: FunctionDef): boolean => def.trigger.kind === "schedule" || def.trigger.kind === "sqs";

export const pascal = (name: string): string =>
  name.split(/[^A-Za-z0-9]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");

/**
 * Discovery, the tracking dispatcher and the tracking workers: every catalog function with a
 * schedule or queue trigger, the queues they use and the schedules that drive them.
 */
export class Ingestion extends Construct {
  readonly functions = new Map<string, HouseFunction>();
  /** Failed schedule deliveries (after the scheduler's retries) land here instead of vanishing. */
  readonly scheduleDeadLetterQueue: Queue;
  private readonly queues = new Map<QueueDef["id"], OwnedQueue>();

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const defs = ALL_FUNCTIONS.filter(isIngestion);

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

    // Stream and WebSocket triggers (FEED_FUNCTIONS) are not ingestion; `isIngestion` keeps them out.
    if (trigger.kind !== "schedule") return;
    const intervalSeconds = app[trigger.intervalSetting];
    // A tick is superseded by the next one: retrying a failed run would only overlap it.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    // Scheduler's shared role may invoke the function and its versions (`<function>:*`), nothing else.
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: `EventBridge Scheduler's target role for ${def.name}: lambda:InvokeFunction on this function and its versions.`,
    });
    new Schedule(this, `${pascal(def.name)}Schedule`, {
      description: `Runs ${def.name} every ${intervalSeconds}s (${trigger.intervalSetting})`,
      schedule: ScheduleExpression.rate(Duration.seconds(intervalSeconds)),
      target: new LambdaInvoke(fn, {
        // Scheduler retries only failed deliveries (throttling, service errors), never function errors.
        retryAttempts: 2,
        maxEventAge: Duration.seconds(Math.min(86_400, Math.max(60, intervalSeconds))),
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
