import { beforeAll, describe, expect, it } from "vitest";
import { EXCHANGE_METRICS, FEED_METRICS, LEADERBOARD_METRICS, METRICS_NAMESPACE } from "#commons/metrics.js";
import { ALARM_THRESHOLDS } from "../../lib/alarms.js";
import { SERVICE_NAME } from "../../lib/copytrader-stack.js";
import { logicalId, referencedIds, synthStack, type CfnResource, type Synthesized } from "./synth.js";

/** One synth for the file (no ALARM_EMAIL, as cdk.json ships); the email cases build their own. */
let s: Synthesized;
beforeAll(() => {
  s = synthStack();
}, 60_000);

const resourcesOf = (type: string): Array<[string, CfnResource]> =>
  Object.entries(s.template.findResources(type) as Record<string, CfnResource>);
const alarms = () => resourcesOf("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
/**
 * The functions CloudFormation alone calls, while it deploys (each a custom resource's ServiceToken:
 * the dashboard's bucket deployment and auto-delete): a failure there fails the deploy itself.
 */
const customResourceHandlerIds = (): Set<string> =>
  new Set(
    Object.values(s.template.toJSON().Resources as Record<string, CfnResource>)
      .filter((r) => r.Type.startsWith("Custom::") || r.Type === "AWS::CloudFormation::CustomResource")
      .flatMap((r) => [...referencedIds(r.Properties.ServiceToken)]),
  );
/** Every function the app runs: all of the template's but the custom resource handlers. */
const appFunctions = (): Array<[string, CfnResource]> => {
  const handlers = customResourceHandlerIds();
  return resourcesOf("AWS::Lambda::Function").filter(([id]) => !handlers.has(id));
};
const topicId = () => logicalId(s.stack.alarms.topic);
/** The single-metric alarms on `metricName` whose dimensions point at resource `id`. */
const alarmsOn = (namespace: string, metricName: string, id: string) =>
  alarms().filter((a) => a.Namespace === namespace && a.MetricName === metricName && referencedIds(a.Dimensions).has(id));

/**
 * Every queue that receives what failed, found in the template rather than in our constructs, so a
 * DLQ added anywhere without an alarm fails here: redrive targets, event source mapping on-failure
 * destinations, schedule DLQs and async-invoke on-failure destinations.
 */
const deadLetterQueueIds = (): Map<string, string> => {
  const queues = new Set(resourcesOf("AWS::SQS::Queue").map(([id]) => id));
  const found = new Map<string, string>();
  const add = (how: string, value: unknown) => {
    for (const id of referencedIds(value)) if (queues.has(id)) found.set(id, how);
  };
  for (const [, q] of resourcesOf("AWS::SQS::Queue")) add("redrive target", q.Properties.RedrivePolicy?.deadLetterTargetArn);
  for (const [, m] of resourcesOf("AWS::Lambda::EventSourceMapping")) add("stream on-failure", m.Properties.DestinationConfig?.OnFailure);
  for (const [, sc] of resourcesOf("AWS::Scheduler::Schedule")) add("schedule DLQ", sc.Properties.Target?.DeadLetterConfig);
  for (const [, c] of resourcesOf("AWS::Lambda::EventInvokeConfig")) add("async on-failure", c.Properties.DestinationConfig?.OnFailure);
  return found;
};

describe("alarms", () => {
  it("every dead-letter queue alarms on its first visible message", () => {
    const dlqs = deadLetterQueueIds();
    // The tracking queue's redrive target, the schedules' DLQ and one per stream consumer at least.
    expect(new Set(dlqs.values())).toEqual(new Set(["redrive target", "stream on-failure", "schedule DLQ"]));
    for (const [id, how] of dlqs) {
      const found = alarmsOn("AWS/SQS", "ApproximateNumberOfMessagesVisible", id);
      expect(found, `${id} (${how}) has no ApproximateNumberOfMessagesVisible alarm`).toHaveLength(1);
      expect(found[0]).toMatchObject({
        Statistic: "Maximum",
        Period: 60,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
    }
  });

  it("no queue that is not a dead-letter queue alarms on waiting messages (work in progress is not news)", () => {
    const dlqs = deadLetterQueueIds();
    const onQueues = alarms().filter((a) => a.Namespace === "AWS/SQS");
    for (const a of onQueues) expect([...referencedIds(a.Dimensions)].every((id) => dlqs.has(id))).toBe(true);
  });

  it("every Lambda function alarms on any error within 5 minutes", () => {
    const functions = appFunctions();
    expect(functions.length).toBeGreaterThan(0);
    for (const house of s.stack.functions().values()) expect(customResourceHandlerIds().has(logicalId(house.fn))).toBe(false);
    for (const [id] of functions) {
      const found = alarmsOn("AWS/Lambda", "Errors", id);
      expect(found, `${id} has no Errors alarm`).toHaveLength(1);
      expect(found[0]).toMatchObject({ Statistic: "Sum", Period: 300, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
    }
  });

  it("every stream consumer alarms when it falls over a minute behind for three minutes", () => {
    const streamConsumers = resourcesOf("AWS::Lambda::EventSourceMapping")
      .filter(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes("StreamArn"))
      .flatMap(([, m]) => [...referencedIds(m.Properties.FunctionName)]);
    expect(streamConsumers.length).toBeGreaterThanOrEqual(2); // the broadcaster and the welcome
    for (const id of streamConsumers) {
      const found = alarmsOn("AWS/Lambda", "IteratorAge", id);
      expect(found, `${id} has no IteratorAge alarm`).toHaveLength(1);
      expect(found[0]).toMatchObject({
        Statistic: "Maximum",
        Period: 60,
        Threshold: 60_000,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 3,
      });
    }
    // Queue- and schedule-driven functions have no iterator: no alarm that could never fire.
    const iteratorAlarms = alarms().filter((a) => a.MetricName === "IteratorAge");
    expect(iteratorAlarms).toHaveLength(streamConsumers.length);
  });

  it("the exchange 429 alarm divides the metrics the functions publish, under the service they publish as", () => {
    const [alarm, ...others] = alarms().filter((a) => a.AlarmName === "HlCopytrader-exchange-429-rate");
    expect(others).toEqual([]);
    const byId = new Map<string, Record<string, any>>(alarm!.Metrics.map((m: Record<string, any>) => [m.Id, m]));
    const expression = alarm!.Metrics.find((m: Record<string, any>) => m.Expression !== undefined);
    expect(expression).toMatchObject({ ReturnData: true, Expression: "IF(requests >= 20, 100 * throttled / requests, 0)" });
    for (const [id, metricName] of [["requests", "ExchangeRequests"], ["throttled", "Exchange429"]] as const) {
      expect(Object.keys(EXCHANGE_METRICS)).toContain(metricName); // the name #commons/metrics.js emits
      expect(byId.get(id)).toMatchObject({
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: metricName, Dimensions: [{ Name: "service", Value: SERVICE_NAME }] },
          Period: 300,
          Stat: "Sum",
        },
      });
    }
    expect(alarm).toMatchObject({
      Threshold: ALARM_THRESHOLDS.exchange429Percent,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 2,
      TreatMissingData: "notBreaching",
    });
  });

  /** The one alarm of that name, on that app metric as #commons/metrics.js publishes it, firing at or above its threshold. */
  const expectAppMetricAlarm = (name: string, o: { MetricName: string; Statistic: string; Period: number; Threshold: number; EvaluationPeriods: number }) => {
    const [alarm, ...others] = alarms().filter((a) => a.AlarmName === `HlCopytrader-${name}`);
    expect(others).toEqual([]);
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [{ Name: "service", Value: SERVICE_NAME }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      ...o,
    });
  };

  it("the stale-history alarm reads the share the leaderboard job publishes, one run per period", () => {
    expect(LEADERBOARD_METRICS).toContain("StaleTraderPercent"); // the name #commons/metrics.js emits
    expectAppMetricAlarm("stale-history", {
      MetricName: "StaleTraderPercent",
      Statistic: "Maximum",
      // cdk.json's LEADERBOARD_INTERVAL_SECONDS is the default hour.
      Period: 3_600,
      Threshold: ALARM_THRESHOLDS.staleTraderPercent,
      EvaluationPeriods: ALARM_THRESHOLDS.staleTraderRuns,
    });
  });

  it("the feed alarm fires on one event API Gateway refused as too large, the count the broadcaster publishes", () => {
    expect(FEED_METRICS).toContain("FeedMessagesTooLarge"); // the name #commons/metrics.js emits
    expectAppMetricAlarm("feed-message-too-large", { MetricName: "FeedMessagesTooLarge", Statistic: "Sum", Period: 300, Threshold: 1, EvaluationPeriods: 1 });
  });

  it("the feed alarm fires on one delivery the fan-out worker gave up, the count it publishes", () => {
    expect(FEED_METRICS).toContain("FeedDeliveriesDropped");
    expectAppMetricAlarm("feed-deliveries-dropped", { MetricName: "FeedDeliveriesDropped", Statistic: "Sum", Period: 300, Threshold: 1, EvaluationPeriods: 1 });
  });

  it("the functions publish the exchange metrics as the same service the alarm reads", () => {
    for (const [, fn] of appFunctions()) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(SERVICE_NAME);
    }
  });

  it("every alarm notifies the topic, tells what to do, and treats silence as fine", () => {
    const all = alarms();
    expect(all.length).toBe(s.stack.alarms.all().length);
    for (const a of all) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId() }]);
      expect(a.AlarmDescription).toMatch(/README\.md, Operations/);
      // But one: a running trades-stream listener always reports, so its silence is the outage
      // (test/cdk/stream-listener.test.ts).
      expect(a.TreatMissingData).toBe(a.AlarmName === "HlCopytrader-stream-no-trades" ? "breaching" : "notBreaching");
      expect(a.AlarmName).toMatch(/^HlCopytrader-/);
    }
  });
});

describe("alarm topic", () => {
  it("is encrypted with a key of its own that CloudWatch may use (it cannot use aws/sns)", () => {
    const topic = s.template.toJSON().Resources[topicId()] as CfnResource;
    const keyId = logicalId(s.stack.alarms.key);
    expect(referencedIds(topic.Properties.KmsMasterKeyId)).toEqual(new Set([keyId]));
    const key = s.template.toJSON().Resources[keyId] as CfnResource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Condition: expect.objectContaining({ StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } }),
      }),
    );
  });

  it("accepts only TLS and lets this account's CloudWatch alarms publish", () => {
    const [[, policy]] = resourcesOf("AWS::SNS::TopicPolicy") as [[string, CfnResource]];
    expect(referencedIds(policy.Properties.Topics)).toEqual(new Set([topicId()]));
    const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Condition: expect.objectContaining({ StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } }),
      }),
    );
  });

  it("its ARN is a stack output", () => {
    expect(s.template.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: topicId() });
  });

  it("has no subscription unless ALARM_EMAIL is set", () => {
    expect(resourcesOf("AWS::SNS::Subscription")).toEqual([]);
  });

  it("subscribes ALARM_EMAIL (from context or environment) by email", () => {
    const withEmail = synthStack({ env: { ALARM_EMAIL: "ops@example.com" } });
    const subscriptions = Object.values(withEmail.template.findResources("AWS::SNS::Subscription") as Record<string, CfnResource>);
    expect(subscriptions.map((sub) => sub.Properties)).toEqual([
      { Protocol: "email", Endpoint: "ops@example.com", TopicArn: { Ref: logicalId(withEmail.stack.alarms.topic) } },
    ]);
  }, 60_000);

  it("a malformed ALARM_EMAIL fails the synth, naming the setting", () => {
    expect(() => synthStack({ context: { ALARM_EMAIL: "ops at example.com" } })).toThrow(
      /Invalid stack options: ALARM_EMAIL: must be an email address/,
    );
  });
});
