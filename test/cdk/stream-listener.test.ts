import { beforeAll, describe, expect, it } from "vitest";
import { TRACKING_QUEUE } from "#commons/queues.js";
import { STATE_TABLE } from "#store/tables.js";
import { STREAM_LISTENER_FUNCTION, TRACK_DISPATCH_FUNCTION } from "../../functions/catalog.js";
import { SERVICE_NAME } from "../../lib/copytrader-stack.js";
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

describe("TRADES_STREAM=off", () => {
  it("deploys no listener and no schedule for it; the rest of the app is unchanged", () => {
    expect(off.stack.functions().has(STREAM_LISTENER_FUNCTION.name)).toBe(false);
    expect([...off.stack.functions().keys()].sort()).toEqual(
      [...on.stack.functions().keys()].filter((n) => n !== STREAM_LISTENER_FUNCTION.name).sort(),
    );
    const functions = resourcesOf(off, "AWS::Lambda::Function").map(([, f]) => JSON.stringify(f.Properties.Description ?? ""));
    expect(functions.filter((d) => d.includes(STREAM_LISTENER_FUNCTION.entry))).toEqual([]);
    expect(resourcesOf(off, "AWS::Scheduler::Schedule")).toHaveLength(resourcesOf(on, "AWS::Scheduler::Schedule").length - 1);
    expect(alarmNamed(off, "errors-stream-listener")).toBeUndefined();
    expect(alarmNamed(on, "errors-stream-listener")).toBeDefined();
  });

  it("tells the dispatcher, which then polls everyone every tick", () => {
    const dispatch = off.stack.functions().get(TRACK_DISPATCH_FUNCTION.name)!;
    expect(resource(off.template, logicalId(dispatch.fn)).Properties.Environment.Variables.TRADES_STREAM).toBe("off");
  });
});
