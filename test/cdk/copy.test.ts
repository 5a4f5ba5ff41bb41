import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App } from "aws-cdk-lib";
import { beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { loadConfig } from "#commons/config.js";
import { COPY_QUEUE } from "#commons/queues.js";
import { EVENTS_TABLE, FOLLOWERS_TABLE, STATE_TABLE, TRADERS_TABLE } from "#store/tables.js";
import {
  ALL_FUNCTIONS,
  BROADCASTER_FUNCTION,
  COPY_DISPATCH_FUNCTION,
  COPY_FUNCTIONS,
  COPY_RECONCILE_FUNCTION,
  COPY_WORKER_FUNCTION,
  HTTP_API_FUNCTION,
  type FunctionDef,
} from "../../functions/catalog.js";
import { CopyTraderStack, SERVICE_NAME } from "../../lib/copytrader-stack.js";
import { copyWorkerMaxConcurrency } from "../../lib/copy.js";
import { addNagChecks } from "../../lib/nag.js";
import { readDeploySettings, sourceFrom } from "../../lib/settings.js";
import { checkStreamReaders } from "../../lib/streams.js";
import { actionsOf, cdkJsonContext, logicalId, referencedIds, resource, statementsOfRole, synthStack, type CfnResource, type Synthesized } from "./synth.js";

/**
 * The catalog as it is once the copy handlers land (copyengine) and the HTTP API sends to the copy
 * queue (copyapi): COPY_FUNCTIONS in ALL_FUNCTIONS, and the API with the copy queue and the
 * followers table. Where the real catalog already has them, it is used unchanged. No bundling
 * happens here (placeholder code), so the handlers need not exist yet; the bundling tests cover
 * them with the real catalog.
 */
vi.mock("../../functions/catalog.js", async (importOriginal) => {
  const catalog = await importOriginal<typeof import("../../functions/catalog.js")>();
  const { COPY_QUEUE: copyQueue } = await import("#commons/queues.js");
  const { FOLLOWERS_TABLE: followers } = await import("#store/tables.js");
  const real = catalog.HTTP_API_FUNCTION;
  const api: FunctionDef = real.sendsTo.includes(copyQueue)
    ? real
    : {
        ...real,
        tables: [...real.tables, followers],
        sendsTo: [...real.sendsTo, copyQueue],
        access: { ...real.access, followers: { actions: ["GetItem", "Query", "PutItem", "UpdateItem"], queriesIndexes: ["leader-index"] } },
      };
  const withCopy = [...catalog.ALL_FUNCTIONS, ...catalog.COPY_FUNCTIONS.filter((d) => !catalog.ALL_FUNCTIONS.includes(d))];
  return { ...catalog, HTTP_API_FUNCTION: api, ALL_FUNCTIONS: withCopy.map((d) => (d === real ? api : d)) };
});

let s: Synthesized;
beforeAll(() => {
  s = synthStack();
}, 120_000);

const resourcesOf = (type: string, from = s): Array<[string, CfnResource]> =>
  Object.entries(from.template.findResources(type) as Record<string, CfnResource>);
const functionOf = (def: FunctionDef, from = s) => {
  const house = from.stack.functions().get(def.name);
  if (!house) throw new Error(`${def.name} is not in the stack`);
  const id = logicalId(house.fn);
  return { id, props: resource(from.template, id).Properties, role: [...referencedIds(resource(from.template, id).Properties.Role)][0]! };
};
const mappingsOf = (def: FunctionDef) =>
  resourcesOf("AWS::Lambda::EventSourceMapping")
    .filter(([, m]) => referencedIds(m.Properties.FunctionName).has(functionOf(def).id))
    .map(([, m]) => m.Properties);

/** A CloudFormation string (`Fn::Join` of literals, Refs and GetAtts) as text: `${Name}`, `${Id.Attribute}`. */
const text = (value: unknown): string => {
  if (typeof value === "string") return value;
  const v = value as { Ref?: string; "Fn::GetAtt"?: string[]; "Fn::Join"?: [string, unknown[]] };
  if (v.Ref !== undefined) return `\${${v.Ref}}`;
  if (v["Fn::GetAtt"]) return `\${${v["Fn::GetAtt"].join(".")}}`;
  if (v["Fn::Join"]) return v["Fn::Join"][1].map(text).join(v["Fn::Join"][0]);
  throw new Error(`Cannot render ${JSON.stringify(value)}`);
};
const resourcesIn = (st: Record<string, any>): unknown[] => ([] as unknown[]).concat(st.Resource);
const AGENT_SECRETS = (prefix: string) => `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${prefix}*`;

describe("the copy queue", () => {
  it("is FIFO with explicit deduplication ids per follower group, encrypted, TLS only, a FIFO DLQ after maxReceiveCount", () => {
    const queue = resource(s.template, logicalId(s.stack.copy.queue)).Properties;
    const dlqId = logicalId(s.stack.copy.deadLetterQueue);
    expect(queue).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: "messageGroup",
      FifoThroughputLimit: "perMessageGroupId",
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 120, // COPY_QUEUE.visibilityTimeoutSeconds: twice the worker's 60 s
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(referencedIds(queue.RedrivePolicy.deadLetterTargetArn)).toEqual(new Set([dlqId]));
    expect(resource(s.template, dlqId).Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    for (const id of [logicalId(s.stack.copy.queue), dlqId]) {
      const tlsOnly = resourcesOf("AWS::SQS::QueuePolicy").some(
        ([, p]) =>
          referencedIds(p.Properties.Queues).has(id) &&
          (p.Properties.PolicyDocument.Statement as Array<Record<string, any>>).some(
            (st) => st.Effect === "Deny" && st.Condition?.Bool?.["aws:SecureTransport"] === "false",
          ),
      );
      expect(tlsOnly, id).toBe(true);
    }
  });

  it("feeds the copy worker: partial batch failures, the queue's batch size, concurrency the weight budget serves", () => {
    const [m, ...others] = mappingsOf(COPY_WORKER_FUNCTION);
    expect(others).toEqual([]);
    expect(referencedIds(m!.EventSourceArn)).toEqual(new Set([logicalId(s.stack.copy.queue)]));
    expect(m).toMatchObject({ FunctionResponseTypes: ["ReportBatchItemFailures"], BatchSize: 10 });
    // 1,200 weight a minute less 10% headroom = 1,080 within the worker's 60 s; a message spends at
    // most allMids 2 + clearinghouseState 2 + one order action 1 = 5, a batch of 10 → 50: 21 workers.
    expect(m!.ScalingConfig.MaximumConcurrency).toBe(21);
  });

  it("worker concurrency follows the weight budget, within what SQS mappings accept", () => {
    // 12,000 × 0.9 = 10,800 per 60 s ÷ 50 = 216.
    expect(copyWorkerMaxConcurrency(loadConfig({ HL_WEIGHT_PER_MINUTE: "12000" }), COPY_QUEUE, 60)).toBe(216);
    // 100 × 0.9 = 90 ÷ 50 = 1: still 2, AWS's least (the second worker waits for weight).
    expect(copyWorkerMaxConcurrency(loadConfig({ HL_WEIGHT_PER_MINUTE: "100" }), COPY_QUEUE, 60)).toBe(2);
    expect(copyWorkerMaxConcurrency(loadConfig({ HL_WEIGHT_PER_MINUTE: "10000000" }), COPY_QUEUE, 60)).toBe(1000);
  });

  it("the reconcile runs every COPY_RECONCILE_INTERVAL_SECONDS through the schedules' DLQ, never retried by Lambda", () => {
    const { id } = functionOf(COPY_RECONCILE_FUNCTION);
    const [schedule, ...others] = resourcesOf("AWS::Scheduler::Schedule").filter(([, r]) => referencedIds(r.Properties.Target.Arn).has(id));
    expect(others).toEqual([]);
    expect(schedule![1].Properties.ScheduleExpression).toBe("rate(1 minute)"); // the default, 60 s
    expect(referencedIds(schedule![1].Properties.Target.DeadLetterConfig.Arn)).toEqual(new Set([logicalId(s.stack.ingestion.scheduleDeadLetterQueue)]));
    s.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", { FunctionName: { Ref: id }, MaximumRetryAttempts: 0 });
    const every5 = synthStack({ context: { COPY_RECONCILE_INTERVAL_SECONDS: 300 } });
    const reconcile = functionOf(COPY_RECONCILE_FUNCTION, every5).id;
    const expressions = resourcesOf("AWS::Scheduler::Schedule", every5)
      .filter(([, r]) => referencedIds(r.Properties.Target.Arn).has(reconcile))
      .map(([, r]) => r.Properties.ScheduleExpression);
    expect(expressions).toEqual(["rate(5 minutes)"]);
  });
});

describe("the copy dispatcher", () => {
  it("reads INSERTs of the events stream: bisecting, 3 retries, an hour's record age, then its own DLQ", () => {
    const [m, ...others] = mappingsOf(COPY_DISPATCH_FUNCTION);
    expect(others).toEqual([]);
    expect(m!.EventSourceArn).toEqual({ "Fn::GetAtt": [logicalId(s.stack.data.table(EVENTS_TABLE)), "StreamArn"] });
    expect(m!.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([{ eventName: ["INSERT"] }]);
    expect(m).toMatchObject({
      StartingPosition: "LATEST",
      BatchSize: 100,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3_600,
    });
    const dlq = s.stack.streamDeadLetterQueues().get(COPY_DISPATCH_FUNCTION.name);
    expect(dlq).toBe(s.stack.copy.streamDeadLetterQueues.get(COPY_DISPATCH_FUNCTION.name));
    expect(referencedIds(m!.DestinationConfig.OnFailure.Destination)).toEqual(new Set([logicalId(dlq!)]));
    expect(resource(s.template, logicalId(dlq!)).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it("sends only to the copy queue and queries only the followers' leader-index", () => {
    const statements = statementsOfRole(s.template, functionOf(COPY_DISPATCH_FUNCTION).role);
    const sends = statements.filter((st) => actionsOf(st).includes("sqs:SendMessage"));
    expect(new Set(sends.flatMap((st) => [...referencedIds(st.Resource)]))).toEqual(
      new Set([logicalId(s.stack.copy.queue), logicalId(s.stack.copy.streamDeadLetterQueues.get(COPY_DISPATCH_FUNCTION.name)!)]),
    );
    const followersId = logicalId(s.stack.data.table(FOLLOWERS_TABLE));
    const onFollowers = statements.filter((st) => JSON.stringify(st.Resource).includes(followersId));
    expect(onFollowers.map((st) => [actionsOf(st), resourcesIn(st).map(text)])).toEqual([[["dynamodb:Query"], [`\${${followersId}.Arn}/index/leader-index`]]]);
  });

  it("the events stream has its two readers; a third fails synth", () => {
    const readers = ALL_FUNCTIONS.filter((d) => d.trigger.kind === "dynamodb-stream" && d.trigger.table === EVENTS_TABLE);
    expect(readers.map((d) => d.name).sort()).toEqual([BROADCASTER_FUNCTION.name, COPY_DISPATCH_FUNCTION.name].sort());
    const third: FunctionDef = { ...COPY_DISPATCH_FUNCTION, name: "events-audit" };
    expect(() => checkStreamReaders([BROADCASTER_FUNCTION, COPY_DISPATCH_FUNCTION])).not.toThrow();
    expect(() => checkStreamReaders([BROADCASTER_FUNCTION, COPY_DISPATCH_FUNCTION, third])).toThrow(
      /events table's stream has 3 readers \(broadcaster, copy-dispatch, events-audit\)/,
    );
    // The stack checks the catalog it builds from.
    const catalog = ALL_FUNCTIONS as FunctionDef[];
    catalog.push(third);
    try {
      expect(() => synthStack()).toThrow(/events table's stream has 3 readers/);
    } finally {
      catalog.pop();
    }
  });
});

describe("agent secrets", () => {
  /** Every IAM statement of the template that allows a Secrets Manager read, with the role it belongs to. */
  const secretReads = (from: Synthesized) =>
    resourcesOf("AWS::IAM::Policy", from).flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
        .filter((st) => st.Effect === "Allow" && actionsOf(st).some((a) => a === "*" || a.startsWith("secretsmanager:")))
        .map((st) => ({ roles: referencedIds(p.Properties.Roles), statement: st })),
    );

  it.each([
    ["the default prefix", {}, loadConfig({}).COPY_AGENT_SECRET_PREFIX],
    ["a prefix of the user's", { COPY_AGENT_SECRET_PREFIX: "team-a/agents/" }, "team-a/agents/"],
  ])("%s: only the copy worker may read them (GetSecretValue, nothing else) and knows the prefix", (_, context, prefix) => {
    const from = Object.keys(context).length === 0 ? s : synthStack({ context });
    const worker = functionOf(COPY_WORKER_FUNCTION, from);
    const reads = secretReads(from);
    const agentReads = reads.filter((r) => JSON.stringify(r.statement.Resource).includes(`:secret:${prefix}`));
    expect(agentReads).toHaveLength(1);
    expect(agentReads[0]!.roles).toEqual(new Set([worker.role]));
    expect(actionsOf(agentReads[0]!.statement)).toEqual(["secretsmanager:GetSecretValue"]);
    expect(text(agentReads[0]!.statement.Resource)).toBe(AGENT_SECRETS(prefix));
    expect(worker.props.Environment.Variables.COPY_AGENT_SECRET_PREFIX).toBe(prefix);

    // Every other Secrets Manager read anywhere names one of the stack's own generated secrets.
    const stackSecrets = new Set(resourcesOf("AWS::SecretsManager::Secret", from).map(([id]) => id));
    for (const r of reads.filter((x) => !agentReads.includes(x))) {
      const resources = ([] as unknown[]).concat(r.statement.Resource);
      for (const res of resources) {
        expect(typeof res === "object" && res !== null && "Ref" in res && stackSecrets.has(String(res.Ref)), JSON.stringify(res)).toBe(true);
      }
    }
    // ... and no other function is even told where they are.
    for (const house of from.stack.functions().values()) {
      if (house.def === COPY_WORKER_FUNCTION) continue;
      expect(resource(from.template, logicalId(house.fn)).Properties.Environment.Variables.COPY_AGENT_SECRET_PREFIX, house.def.name).toBeUndefined();
    }
  });

  it("the catalog gives agent-secret reads to the copy worker alone", () => {
    expect(ALL_FUNCTIONS.filter((d) => d.readsAgentSecrets).map((d) => d.name)).toEqual([COPY_WORKER_FUNCTION.name]);
  });
});

describe("the copy worker's other grants", () => {
  it("reads and writes followers, only reads traders and events, leases budget in the state table (and nothing else there), sends nowhere", () => {
    const worker = functionOf(COPY_WORKER_FUNCTION);
    const statements = statementsOfRole(s.template, worker.role);
    const on = (t: typeof TRADERS_TABLE) => statements.filter((st) => JSON.stringify(st.Resource).includes(logicalId(s.stack.data.table(t))));
    expect(on(FOLLOWERS_TABLE).flatMap(actionsOf)).toEqual(expect.arrayContaining(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]));
    for (const a of on(TRADERS_TABLE).flatMap(actionsOf)) expect(a).not.toMatch(/^dynamodb:(Put|Update|Delete|BatchWrite)/);
    // A leader's opening event, for a position a run finds without its message: a Query, no write.
    expect(on(EVENTS_TABLE).flatMap(actionsOf)).toContain("dynamodb:Query");
    for (const a of on(EVENTS_TABLE).flatMap(actionsOf)) expect(a).not.toMatch(/^dynamodb:(Put|Update|Delete|BatchWrite)/);
    expect(referencedIds(worker.props.Environment.Variables[EVENTS_TABLE.envVar])).toEqual(new Set([logicalId(s.stack.data.table(EVENTS_TABLE))]));
    // The lease reads the previous window (GetItem) and takes weight (UpdateItem), both on the
    // ledger's partition only; the ledger finds the table by STATE_TABLE like everyone else.
    const ledgerOnly = { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["budget"] } };
    expect(on(STATE_TABLE).map((st) => [actionsOf(st), st.Condition])).toEqual([
      [["dynamodb:GetItem", "dynamodb:UpdateItem"], ledgerOnly],
    ]);
    expect(referencedIds(worker.props.Environment.Variables[STATE_TABLE.envVar])).toEqual(new Set([logicalId(s.stack.data.table(STATE_TABLE))]));
    expect(statements.filter((st) => actionsOf(st).includes("sqs:SendMessage"))).toEqual([]);
  });
});

describe("the HTTP API's copy grants follow the catalog", () => {
  it("sends to the copy queue (and gets its URL) and reaches the followers table as its access list says", () => {
    const api = functionOf(HTTP_API_FUNCTION);
    const statements = statementsOfRole(s.template, api.role);
    for (const q of HTTP_API_FUNCTION.sendsTo) {
      const queueId = logicalId(s.stack.queue(q));
      expect(statements.some((st) => actionsOf(st).includes("sqs:SendMessage") && referencedIds(st.Resource).has(queueId)), q.id).toBe(true);
      expect(referencedIds(api.props.Environment.Variables[q.envVar])).toEqual(new Set([queueId]));
    }
    expect(HTTP_API_FUNCTION.sendsTo).toContain(COPY_QUEUE);
    const access = HTTP_API_FUNCTION.access?.followers;
    expect(access).toBeDefined();
    const followersId = logicalId(s.stack.data.table(FOLLOWERS_TABLE));
    const onFollowers = statements.filter((st) => JSON.stringify(st.Resource).includes(followersId));
    const followersArn = `\${${followersId}.Arn}`;
    const onTable = onFollowers.filter((st) => resourcesIn(st).map(text).includes(followersArn)).flatMap(actionsOf);
    expect(onTable.sort()).toEqual(access!.actions.map((a) => `dynamodb:${a}`).sort());
    const indexes = onFollowers.flatMap((st) => resourcesIn(st).map(text)).filter((r) => r.startsWith(`${followersArn}/index/`));
    expect(indexes).toEqual((access!.queriesIndexes ?? []).map((i) => `${followersArn}/index/${i}`));
    expect(referencedIds(api.props.Environment.Variables[FOLLOWERS_TABLE.envVar])).toEqual(new Set([followersId]));
  });
});

describe("copy alarms", () => {
  const alarms = (from = s) => resourcesOf("AWS::CloudWatch::Alarm", from).map(([, a]) => a.Properties);
  const topic = () => logicalId(s.stack.alarms.topic);
  const on = (metricName: string, id: string) => alarms().filter((a) => a.MetricName === metricName && referencedIds(a.Dimensions).has(id));

  it("the copy DLQ and the dispatcher's stream DLQ alarm on their first message", () => {
    for (const queue of [s.stack.copy.deadLetterQueue, s.stack.copy.streamDeadLetterQueues.get(COPY_DISPATCH_FUNCTION.name)!]) {
      const [alarm, ...others] = on("ApproximateNumberOfMessagesVisible", logicalId(queue));
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Statistic: "Maximum", Period: 60, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
      expect(referencedIds(alarm!.AlarmActions)).toEqual(new Set([topic()]));
    }
  });

  it("every copy function alarms on errors; the dispatcher on falling behind its stream", () => {
    for (const def of COPY_FUNCTIONS) {
      const [alarm, ...others] = on("Errors", functionOf(def).id);
      expect(others).toEqual([]);
      expect(alarm).toMatchObject({ Statistic: "Sum", Period: 300, Threshold: 1 });
      expect(referencedIds(alarm!.AlarmActions)).toEqual(new Set([topic()]));
    }
    const [lag, ...others] = on("IteratorAge", functionOf(COPY_DISPATCH_FUNCTION).id);
    expect(others).toEqual([]);
    expect(lag).toMatchObject({ Statistic: "Maximum", Period: 60, Threshold: 60_000, EvaluationPeriods: 3, ComparisonOperator: "GreaterThanThreshold" });
  });

  it("order errors: CopyOrderErrors summed over 5 minutes at COPY_ORDER_ERRORS_ALARM_THRESHOLD (default 5)", () => {
    const expected = (threshold: number) => ({
      AlarmName: "HlCopytrader-copy-order-errors",
      Namespace: "HlCopytrader",
      MetricName: "CopyOrderErrors",
      Dimensions: [{ Name: "service", Value: SERVICE_NAME }],
      Statistic: "Sum",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
    const byName = (from: Synthesized) => alarms(from).filter((a) => a.AlarmName === "HlCopytrader-copy-order-errors");
    expect(byName(s)).toEqual([expect.objectContaining(expected(5))]);
    expect(referencedIds(byName(s)[0]!.AlarmActions)).toEqual(new Set([topic()]));
    expect(byName(synthStack({ context: { COPY_ORDER_ERRORS_ALARM_THRESHOLD: "12" } }))).toEqual([expect.objectContaining(expected(12))]);
  });
});

describe("checks on the synthesized template", () => {
  it.each([
    ["defaults", {}],
    ["every option on", { FIXED_EGRESS_IP: "true", WS_TOKEN_REQUIRED: "true", ALARM_EMAIL: "ops@example.com", DELETION_PROTECTION: "false" }],
  ])("cdk-nag: %s, copy trading included, no unacknowledged finding", (_, context) => {
    const app = new App({ context: { ...cdkJsonContext(), ...context } });
    const settings = readDeploySettings(sourceFrom((key) => app.node.tryGetContext(key), {}));
    const stack = new CopyTraderStack(app, settings.stack.STACK_NAME, { settings, bundle: false });
    expect(stack.copy.functions.size).toBe(COPY_FUNCTIONS.length);
    addNagChecks(app);
    expect(() => app.synth()).not.toThrow();
  });

  /** cfn-lint, when installed (it is a Python tool; CI images without it skip this). */
  const cfnLint = ((): boolean => {
    try {
      execFileSync("cfn-lint", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!cfnLint)("cfn-lint finds no error or warning in the template", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "copycdk-lint-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "template.json");
    writeFileSync(file, JSON.stringify(s.template.toJSON()));
    // Exit code 0: no finding (2 errors, 4 warnings, 8 informational). W3005 is CDK's own pattern on
    // every function (a DependsOn on its role beside the GetAtt of it), not a choice of this stack.
    const run = () => execFileSync("cfn-lint", ["--regions", "us-east-1", "--ignore-checks", "W3005", "--", file], { encoding: "utf8" });
    expect(run).not.toThrow();
  }, 120_000);
});
