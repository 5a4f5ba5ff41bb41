import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { appMetric } from "./app-metrics.js";
import type { HouseFunction } from "./house-function.js";
import { pascal } from "./ingestion.js";
import { streamAlarmSpecs, type AlarmSpec } from "./stream-alarms.js";

/**
 * When an alarm fires. Every alarm here treats missing data as fine: the scheduled functions report
 * only when they run, and an idle dead-letter queue or exchange client reports nothing at all. (The
 * trades stream's "no trades" alarm is the exception: a listener always reports, ./stream-alarms.ts.)
 */
export const ALARM_THRESHOLDS = {
  /** One message in a dead-letter queue is already a lost delivery someone should look at. */
  deadLetterMessages: 1,
  /**
   * Errors per function in 5 minutes. The handlers report per-record failures as partial batch
   * responses and map request errors to HTTP answers, so Errors counts only invocations that failed
   * as a whole (a crash, a timeout, a failed cold start). Discovery and the leaderboard run every
   * 15 and 60 minutes, so one failed run is the whole signal there: any error alarms.
   */
  functionErrors: 1,
  /**
   * The live feed's stream consumers, oldest record age: over a minute for 3 minutes in a row.
   * A burst may lag for a moment; three minutes behind means clients see stale positions.
   */
  iteratorAgeMs: 60_000,
  iteratorAgeMinutes: 3,
  /**
   * Exchange 429s as a share of requests, per 5 minutes, twice in a row. The shared weight budget
   * keeps us under the exchange's limit with headroom, so a steady 429 share means something else
   * spends our IP's weight or the limit is set too high; single 429s are retried and are not news.
   * Below `exchangeMinRequests` a period is ignored: 1 of 3 requests is no rate.
   */
  exchange429Percent: 5,
  exchangeMinRequests: 20,
  exchangePeriods: 2,
  /**
   * Traders whose history is stale (a source failing for three runs, or not refreshed in twice
   * HISTORY_MAX_AGE_HOURS: README, "Data freshness"), as a share of those ranked, in two leaderboard
   * runs in a row. A few odd accounts are normal; a tenth of the board means the history lane is
   * starved (weight, LEADERBOARD_SYNC_SECONDS) or the exchange changed an answer we read, and the
   * board is quietly serving old figures.
   */
  staleTraderPercent: 10,
  staleTraderRuns: 2,
  /**
   * Events API Gateway refused to post as over its 128 KB message limit, in 5 minutes: one is
   * already an event no client got. Events are bounded (#domain/fills.js MAX_LISTED_TIDS), so one
   * means a field grew that the bound did not foresee.
   */
  feedMessagesTooLarge: 1,
  /**
   * Deliveries the fan-out worker gave up after its retries, in 5 minutes: each is an event a
   * connected client never got, so one is already worth a look.
   */
  feedDeliveriesDropped: 1,
} as const;

/** Copy trading's alarms, deployed with the copy worker (the threshold is COPY_ORDER_ERRORS_ALARM_THRESHOLD). */
export interface CopyAlarmOptions {
  /** Copy orders refused or failed (CopyOrderErrors) in 5 minutes at which the alarm fires. */
  orderErrorsThreshold: number;
}

export interface AlarmsProps {
  /** Every function of the stack: each gets an Errors alarm. */
  functions: readonly HouseFunction[];
  /** Every dead-letter queue (redrive targets, stream on-failure destinations, the schedule DLQ). */
  deadLetterQueues: readonly { name: string; queue: IQueue }[];
  /** Stream-triggered functions: each gets an IteratorAge alarm. */
  streamFunctions: readonly HouseFunction[];
  /** The Powertools service name: the only dimension of the exchange metrics (#commons/metrics.js). */
  serviceName: string;
  /** The trades-stream listener is deployed (TRADES_STREAM=on): its alarms too (./stream-alarms.ts). */
  tradesStream: boolean;
  /** LEADERBOARD_INTERVAL_SECONDS: the stale-history alarm looks at one run per period. */
  leaderboardIntervalSeconds: number;
  /** The copy worker is deployed: its order errors alarm too. */
  copyTrading?: CopyAlarmOptions;
  /** Subscribed to the topic when set (AWS emails a confirmation link first). */
  alarmEmail?: string;
}

const RUNBOOK = "Runbook: README.md, Operations (alarms).";

/**
 * Alarms on what needs a human, all sent to one SNS topic: messages in any dead-letter queue,
 * function errors, a lagging live feed or an event too large for it, the exchange rate-limiting
 * us, and a trades stream that is silent or keeps dropping.
 *
 * The topic is encrypted with a key of its own: CloudWatch cannot use the AWS managed `aws/sns` key
 * (its policy cannot be changed to let CloudWatch encrypt), so alarms on such a topic fail silently.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  /** By dead-letter queue name, function name and stream function name. */
  readonly deadLetterAlarms = new Map<string, Alarm>();
  readonly errorAlarms = new Map<string, Alarm>();
  readonly iteratorAgeAlarms = new Map<string, Alarm>();
  readonly exchangeThrottleAlarm: Alarm;
  readonly staleHistoryAlarm: Alarm;
  readonly feedTooLargeAlarm: Alarm;
  readonly feedDroppedAlarm: Alarm;
  /** Only with the copy worker deployed. */
  readonly copyOrderErrorsAlarm: Alarm | undefined;
  /** By alarm name (stream-no-trades, stream-reconnects, stream-gaps); empty with TRADES_STREAM=off. */
  readonly streamAlarms = new Map<string, Alarm>();

  private readonly action: SnsAction;
  private readonly stackName: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stackName = stack.stackName;

    this.key = new Key(this, "TopicKey", {
      description: `${this.stackName}: encrypts the alarm topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7), // holds nothing but alarm notifications in flight
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Confused-deputy guard: CloudWatch may use the key and the topic only for this account's alarms.
    const fromOurAlarms = {
      StringEquals: { "aws:SourceAccount": stack.account },
      ArnLike: { "aws:SourceArn": stack.formatArn({ service: "cloudwatch", resource: "alarm", resourceName: "*", arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    };
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"], // a key policy's resource is always the key itself
        conditions: fromOurAlarms,
      }),
    );

    this.topic = new Topic(this, "Topic", {
      displayName: `${this.stackName} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, which is what lets CloudWatch publish otherwise.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);

    for (const { name, queue } of props.deadLetterQueues) {
      this.deadLetterAlarms.set(
        name,
        this.alarm(`DeadLetters${pascal(name)}`, {
          name: `dlq-${name}`,
          metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", period: Duration.minutes(1) }),
          threshold: ALARM_THRESHOLDS.deadLetterMessages,
          comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          description:
            `Messages are waiting in the "${name}" dead-letter queue: deliveries that failed every retry. ` +
            `Look at the messages (console or \`aws sqs receive-message\`) and the function's logs for why, fix the cause, ` +
            `then redrive or purge the queue; the alarm clears when the queue is empty. ${RUNBOOK}`,
        }),
      );
    }

    for (const house of props.functions) {
      const name = house.def.name;
      this.errorAlarms.set(
        name,
        this.alarm(`Errors${pascal(name)}`, {
          name: `errors-${name}`,
          metric: house.fn.metricErrors({ statistic: "Sum", period: Duration.minutes(5) }),
          threshold: ALARM_THRESHOLDS.functionErrors,
          comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          description:
            `The ${name} function failed as a whole (crash, timeout or failed cold start) at least once in 5 minutes. ` +
            `Search its log group for level ERROR and "Task timed out"; a bad setting shows as a CONFIG_ERROR at cold start. ${RUNBOOK}`,
        }),
      );
    }

    for (const house of props.streamFunctions) {
      const name = house.def.name;
      this.iteratorAgeAlarms.set(
        name,
        this.alarm(`IteratorAge${pascal(name)}`, {
          name: `lag-${name}`,
          metric: house.fn.metric("IteratorAge", { statistic: "Maximum", period: Duration.minutes(1) }),
          threshold: ALARM_THRESHOLDS.iteratorAgeMs,
          comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: ALARM_THRESHOLDS.iteratorAgeMinutes,
          description:
            `${name} has been more than ${ALARM_THRESHOLDS.iteratorAgeMs / 1000} s behind its DynamoDB stream for ` +
            `${ALARM_THRESHOLDS.iteratorAgeMinutes} minutes: live-feed clients get stale news, or followers copy late. Check its Errors and ` +
            `Throttles and its logs (a failing batch is retried, bisected, then sent to its DLQ). ${RUNBOOK}`,
        }),
      );
    }

    this.exchangeThrottleAlarm = this.alarm("Exchange429Rate", {
      name: "exchange-429-rate",
      metric: exchange429Percent(props.serviceName),
      threshold: ALARM_THRESHOLDS.exchange429Percent,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: ALARM_THRESHOLDS.exchangePeriods,
      description:
        `At least ${ALARM_THRESHOLDS.exchange429Percent}% of Hyperliquid requests were answered 429 (rate limited) for ` +
        `${ALARM_THRESHOLDS.exchangePeriods * 5} minutes. Our weight budget should prevent that: something else is spending ` +
        `this egress IP's weight, or HL_WEIGHT_PER_MINUTE is above the exchange's limit. Lower HL_WEIGHT_PER_MINUTE or ` +
        `tracked traders, or use a fixed egress IP of our own. ${RUNBOOK}`,
    });

    // One run per period: the leaderboard interval in whole hours (at least one), as a run publishes once.
    const runPeriod = Duration.hours(Math.max(1, Math.ceil(props.leaderboardIntervalSeconds / 3_600)));
    this.staleHistoryAlarm = this.alarm("StaleHistory", {
      name: "stale-history",
      metric: appMetric(props.serviceName, "StaleTraderPercent", runPeriod, "Maximum"),
      threshold: ALARM_THRESHOLDS.staleTraderPercent,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: ALARM_THRESHOLDS.staleTraderRuns,
      description:
        `At least ${ALARM_THRESHOLDS.staleTraderPercent}% of ranked traders had stale history in ${ALARM_THRESHOLDS.staleTraderRuns} ` +
        `leaderboard runs in a row: their figures are old. The leaderboard job's log says which sources failed and why ` +
        `("A history source failed"), and its summary how many runs stopped for budget or time (budgetStops, ` +
        `syncSkippedForTime); raise LEADERBOARD_SYNC_SECONDS or the history share of the weight budget, or fix what the ` +
        `exchange now answers. ${RUNBOOK}`,
    });

    // The feed's counts of events some client never got: one in 5 minutes is already worth a look.
    const feedCount = (metricName: "FeedMessagesTooLarge" | "FeedDeliveriesDropped", name: string, threshold: number, description: string) =>
      this.alarm(metricName, {
        name,
        metric: appMetric(props.serviceName, metricName, Duration.minutes(5)),
        threshold,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `${description} ${RUNBOOK}`,
      });
    this.feedTooLargeAlarm = feedCount(
      "FeedMessagesTooLarge",
      "feed-message-too-large",
      ALARM_THRESHOLDS.feedMessagesTooLarge,
      `API Gateway refused to post a live-feed event as over its 128 KB message limit (413): no client got it. ` +
        `The fan-out worker's log (or the broadcaster's, for one over SQS's 256 KB) names it ("over the feed's message limit", with its id and size); the event is still in ` +
        `the events API. Find which field made it large and bound it as the tids are.`,
    );
    this.feedDroppedAlarm = feedCount(
      "FeedDeliveriesDropped",
      "feed-deliveries-dropped",
      ALARM_THRESHOLDS.feedDeliveriesDropped,
      `The fan-out worker gave up posting a live-feed event to a client after its retries: that client missed it ` +
        `(it is still in the events API). Its log says which clients and why ("Gave up delivering an event", or "Could not ` +
        `queue a retry"); many at once usually mean API Gateway throttled the management API or the fan-out queue failed.`,
    );

    this.copyOrderErrorsAlarm =
      props.copyTrading === undefined
        ? undefined
        : this.alarm("CopyOrderErrors", {
            name: "copy-order-errors",
            metric: appMetric(props.serviceName, "CopyOrderErrors", Duration.minutes(5)),
            threshold: props.copyTrading.orderErrorsThreshold,
            comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description:
              `At least ${props.copyTrading.orderErrorsThreshold} copy orders were refused by the venue or failed to send in 5 ` +
              `minutes (COPY_ORDER_ERRORS_ALARM_THRESHOLD): followers are drifting from their targets. The copy-worker's log ` +
              `names each follower, order and the exchange's answer (tick or lot size, margin, an agent not approved, the ` +
              `address-based request limit); GET /followers/{id}/orders shows them too. Pause the follower or fix its agent ` +
              `or caps; each reconciliation retries the difference. ${RUNBOOK}`,
          });

    if (props.tradesStream) {
      const specs = streamAlarmSpecs({
        serviceName: props.serviceName,
        exchangeMinRequests: ALARM_THRESHOLDS.exchangeMinRequests,
        runbook: RUNBOOK,
      });
      for (const spec of specs) this.streamAlarms.set(spec.name, this.alarm(spec.id, spec));
    }
  }

  /** Every alarm of the construct. */
  all(): Alarm[] {
    return [
      ...this.deadLetterAlarms.values(),
      ...this.errorAlarms.values(),
      ...this.iteratorAgeAlarms.values(),
      this.exchangeThrottleAlarm,
      this.staleHistoryAlarm,
      this.feedTooLargeAlarm,
      this.feedDroppedAlarm,
      ...(this.copyOrderErrorsAlarm ? [this.copyOrderErrorsAlarm] : []),
      ...this.streamAlarms.values(),
    ];
  }

  private alarm(id: string, o: Omit<AlarmSpec, "id">): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.stackName}-${o.name}`, // what the email subject shows
      alarmDescription: o.description,
      metric: o.metric,
      threshold: o.threshold,
      comparisonOperator: o.comparison,
      evaluationPeriods: o.evaluationPeriods ?? 1,
      treatMissingData: o.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}

/** 429s per 100 requests; 0 while there are too few requests for a share to mean anything. */
const exchange429Percent = (serviceName: string): MathExpression =>
  new MathExpression({
    expression: `IF(requests >= ${ALARM_THRESHOLDS.exchangeMinRequests}, 100 * throttled / requests, 0)`,
    usingMetrics: {
      requests: appMetric(serviceName, "ExchangeRequests", Duration.minutes(5)),
      throttled: appMetric(serviceName, "Exchange429", Duration.minutes(5)),
    },
    label: "Exchange 429s (% of requests)",
    period: Duration.minutes(5),
  });
