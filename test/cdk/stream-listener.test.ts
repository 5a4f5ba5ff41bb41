import { beforeAll, describe, expect, it } from "vitest";
import { EXCHANGE_METRICS, METRICS_NAMESPACE, STREAM_METRICS } from "#commons/metrics.js";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { STATE_TABLE } from "#store/tables.js";
import { STREAM_LISTENER_FUNCTION, TRACK_DISPATCH_FUNCTION } from "../../functions/catalog.js";
import { ALARM_THRESHOLDS } from "../../lib/alarms.js";
import { SERVICE_NAME } from "../../lib/copytrader-stack.js";
import { STREAM_ALARM_THRESHOLDS } from "../../lib/stream-alarms.js";
import { actionsOf, logicalId, referencedIds, resource, statementsOfRole, synthStack, type CfnResource, type Synthesized } from "./synth.js";

/** The default synth (TRADES_STREAM=on, as config.ts defaults) and one with the stream off. */
let on: Synthesized;
let off: Synthesized;
beforeAll(() => {
  on = synthStack();
  off = synthStack({ context: { TRADES_STREAM: "off" } });
}, 120_000);

const resourcesOf = (s: Synthesized, type: string): Array<[string, CfnResource]> =>
  Object.entries(s.template.findResources(type) as Record<string, CfnResource>);
const listener = (s: Synthesized) => {
  const house = s.stack.functions().get(STREAM_LISTENER_FUNCTION.name);
  if (!house) throw new Error("no stream-listener in the stack");
  const id = logicalId(house.fn);
  return { id, props: resource(s.template, id).Properties };
};
const alarmNamed = (s: Synthesized, name: string): Record<string, any> | undefined =>
  resourcesOf(s, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties).find((a) => a.AlarmName === `HlCopytrader-${name}`);
const STREAM_ALARMS = ["stream-no-trades", "stream-reconnects", "stream-gaps"];

describe("the trades-stream listener (TRADES_STREAM=on, the default)", () => {
  it("is a house function that may live 15 minutes, with no reserved concurrency (runs overlap at a hand-over)", () => {
    const { props } = listener(on);
    expect(props).toMatchObject({ Timeout: 900, MemorySize: 512, Architectures: ["arm64"], Runtime: "nodejs22.x" });
    expect(props.Timeout).toBe(STREAM_LISTENER_FUNCTION.timeoutSeconds);
    expect(props.ReservedConcurrentExecutions).toBeUndefined();
    expect(props.Environment.Variables).toMatchObject({ TRADES_STREAM: "on", POWERTOOLS_SERVICE_NAME: SERVICE_NAME });
  });

  it("is started every minute by EventBridge Scheduler; a late or failed tick is dropped, not retried", () => {
    const { id } = listener(on);
    const schedules = resourcesOf(on, "AWS::Scheduler::Schedule").filter(([, r]) => referencedIds(r.Properties.Target.Arn).has(id));
    expect(schedules).toHaveLength(1);
    const p = schedules[0]![1].Properties;
    expect(p.ScheduleExpression).toBe("rate(1 minute)");
    expect(p.State).toBe("ENABLED");
    // The next tick comes within the minute: a delivery older than that is worth nothing.
    expect(p.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    expect(referencedIds(p.Target.DeadLetterConfig.Arn)).toEqual(new Set([logicalId(on.stack.ingestion.scheduleDeadLetterQueue)]));
    on.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: id },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it("may write its lease in the state table and hand traders to the tracking queue", () => {
    const { props } = listener(on);
    const [roleId] = referencedIds(props.Role);
    const statements = statementsOfRole(on.template, roleId!);
    const stateTable = logicalId(on.stack.data.table(STATE_TABLE));
    const onState = statements.filter((st) => JSON.stringify(st.Resource).includes(stateTable));
    // The lease is a conditional PutItem; reading the holder a consistent GetItem.
    expect(onState.flatMap(actionsOf)).toEqual(expect.arrayContaining(["dynamodb:PutItem", "dynamodb:GetItem"]));
    expect(referencedIds(props.Environment.Variables.STATE_TABLE)).toEqual(new Set([stateTable]));

    const queue = logicalId(on.stack.ingestion.queue(TRACKING_QUEUE));
    const sends = statements.filter((st) => actionsOf(st).includes("sqs:SendMessage"));
    expect(new Set(sends.flatMap((st) => [...referencedIds(st.Resource)]))).toEqual(new Set([queue]));
    expect(referencedIds(props.Environment.Variables[TRACKING_QUEUE.envVar])).toEqual(new Set([queue]));
  });

  it("runs in the VPC behind the fixed egress IP when there is one (it calls the exchange)", () => {
    const withEgress = synthStack({ context: { FIXED_EGRESS_IP: "true" } });
    expect(listener(withEgress).props.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    expect(listener(on).props.VpcConfig).toBeUndefined();
  }, 60_000);
});

describe("the trades-stream alarms", () => {
  it("no trades: fewer than 1 trade in 10 minutes, silence breaching, read from the metrics the listener publishes", () => {
    const alarm = alarmNamed(on, "stream-no-trades")!;
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "breaching",
    });
    const byId = new Map<string, Record<string, any>>(alarm.Metrics.map((m: Record<string, any>) => [m.Id, m]));
    const read = { trades: "StreamTrades", requests: "ExchangeRequests", http5xx: "Exchange5xx", timeouts: "ExchangeTimeouts" };
    for (const [id, metricName] of Object.entries(read)) {
      expect([...STREAM_METRICS, ...Object.keys(EXCHANGE_METRICS)]).toContain(metricName); // a name #commons/metrics.js emits
      expect(byId.get(id)).toMatchObject({
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: metricName, Dimensions: [{ Name: "service", Value: SERVICE_NAME }] },
          Period: STREAM_ALARM_THRESHOLDS.noTradesMinutes * 60,
          Stat: "Sum",
        },
      });
    }
    expect(alarm.Metrics.filter((m: Record<string, any>) => m.ReturnData !== false)).toHaveLength(1);
  });

  it("no trades: fires on a silent stream while the exchange answers, and only then", () => {
    const alarm = alarmNamed(on, "stream-no-trades")!;
    const { Expression } = alarm.Metrics.find((m: Record<string, any>) => m.Expression !== undefined);
    // The expression as CloudWatch evaluates one period: FILL(x, 0) is x, or 0 where nothing was published.
    const evaluate = (v: { trades?: number; requests?: number; http5xx?: number; timeouts?: number }): number =>
      new Function("IF", "FILL", "trades", "requests", "http5xx", "timeouts", `return ${String(Expression).replace(/ AND /g, " && ")};`)(
        (c: unknown, a: number, b: number) => (c ? a : b),
        (x: number | undefined, fill: number) => x ?? fill,
        v.trades,
        v.requests,
        v.http5xx,
        v.timeouts,
      ) as number;
    const fires = (v: Parameters<typeof evaluate>[0]) => evaluate(v) < alarm.Threshold;
    const healthy = { requests: 500, http5xx: 1, timeouts: 0 };

    expect(fires({ trades: 4_000, ...healthy })).toBe(false);
    expect(fires({ trades: 0, ...healthy })).toBe(true); // a listener runs and hears nothing
    expect(fires({ ...healthy })).toBe(true); // no listener at all
    expect(fires({})).toBe(true); // nothing published anywhere: no listener, no exchange call
    expect(fires({ trades: 12 })).toBe(false); // a quiet app (no exchange calls) with a working stream
    // The exchange failing: 10% or more 5xx and timeouts, of at least 20 requests.
    expect(fires({ trades: 0, requests: 500, http5xx: 30, timeouts: 20 })).toBe(false);
    expect(fires({ requests: 100, timeouts: 100 })).toBe(false);
    expect(fires({ trades: 0, requests: 500, http5xx: 20, timeouts: 10 })).toBe(true); // 6%: not the exchange's fault
    expect(fires({ trades: 0, requests: ALARM_THRESHOLDS.exchangeMinRequests - 1, http5xx: 19 })).toBe(true); // too few to judge
  });

  it.each([
    ["stream-reconnects", 12, "StreamReconnects"],
    ["stream-gaps", 4, "StreamGaps"],
  ] as const)("%s: more than %i in an hour", (name, expected, metricName) => {
    expect(alarmNamed(on, name)).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: [{ Name: "service", Value: SERVICE_NAME }],
      Statistic: "Sum",
      Period: 3_600,
      Threshold: expected,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching", // no listener is the no-trades alarm's to report
    });
  });

  it("notify the alarm topic like every other alarm", () => {
    for (const name of STREAM_ALARMS) {
      expect(alarmNamed(on, name)!.AlarmActions, name).toEqual([{ Ref: logicalId(on.stack.alarms.topic) }]);
    }
  });
});

describe("TRADES_STREAM=off", () => {
  it("deploys no listener, no schedule for it and no stream alarm; the rest of the app is unchanged", () => {
    expect(off.stack.functions().has(STREAM_LISTENER_FUNCTION.name)).toBe(false);
    expect([...off.stack.functions().keys()].sort()).toEqual(
      [...on.stack.functions().keys()].filter((n) => n !== STREAM_LISTENER_FUNCTION.name).sort(),
    );
    const functions = resourcesOf(off, "AWS::Lambda::Function").map(([, f]) => JSON.stringify(f.Properties.Description ?? ""));
    expect(functions.filter((d) => d.includes(STREAM_LISTENER_FUNCTION.entry))).toEqual([]);
    expect(resourcesOf(off, "AWS::Scheduler::Schedule")).toHaveLength(resourcesOf(on, "AWS::Scheduler::Schedule").length - 1);
    for (const name of [...STREAM_ALARMS, "errors-stream-listener"]) {
      expect(alarmNamed(off, name), name).toBeUndefined();
      expect(alarmNamed(on, name), name).toBeDefined();
    }
    expect(off.stack.alarms.streamAlarms.size).toBe(0);
  });

  it("tells the dispatcher, which then polls everyone every tick", () => {
    const dispatch = off.stack.functions().get(TRACK_DISPATCH_FUNCTION.name)!;
    expect(resource(off.template, logicalId(dispatch.fn)).Properties.Environment.Variables.TRADES_STREAM).toBe("off");
  });
});
