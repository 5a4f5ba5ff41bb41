import path from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { FANOUT_QUEUE } from "#commons/queues.js";
import { DEFAULT_FEED_SHARDS } from "#domain/feed/shards.js";
import {
  ALL_FUNCTIONS,
  BROADCASTER_FUNCTION,
  FAN_OUT_WORKER_FUNCTION,
  WS_CONNECT_FUNCTION,
  WS_DEFAULT_FUNCTION,
  WS_DISCONNECT_FUNCTION,
  type FunctionDef,
} from "../../functions/catalog.js";
import { FEED_STAGE_NAME, FEED_THROTTLE, POSTS_TO_CLIENTS, STREAM_MAX_RECORD_AGE, fanOutMaxConcurrency } from "../../lib/feed.js";
import { REPO_ROOT } from "../../lib/house-function.js";
import { ALL_TABLES, CONNECTIONS_TABLE, STATE_TABLE } from "#store/tables.js";
import { actionsOf, logicalId, referencedIds, resource, statementsOfRole, synthStack, type Synthesized } from "./synth.js";

/** One synth for the whole file: building the stack is the slow part. */
let s: Synthesized;
beforeAll(() => {
  s = synthStack();
}, 60_000);

const resources = () => (s.template.toJSON() as { Resources: Record<string, { Type: string; Properties: any }> }).Resources;
const ofType = (type: string) => Object.entries(resources()).filter(([, r]) => r.Type === type);
const apiId = () => logicalId(s.stack.feed.api);
/** The WebSocket API's routes (the stack's other APIs have routes too). */
const feedRoutes = () =>
  ofType("AWS::ApiGatewayV2::Route")
    .map(([, r]) => r.Properties)
    .filter((p) => referencedIds(p.ApiId).has(apiId()));

const functionOf = (def: FunctionDef) => {
  // The whole stack's: the events stream's second reader (the copy dispatcher) is copy trading's.
  const house = s.stack.functions().get(def.name);
  if (!house) throw new Error(`${def.name} is not in the stack`);
  const id = logicalId(house.fn);
  return { id, props: resource(s.template, id).Properties };
};
const roleOf = (def: FunctionDef) => [...referencedIds(functionOf(def).props.Role)][0]!;

/** A CloudFormation string (`Fn::Join` of literals and `Ref`s) as text, `${LogicalId}` for each Ref. */
const text = (value: unknown): string => {
  if (typeof value === "string") return value;
  const v = value as { Ref?: string; "Fn::Join"?: [string, unknown[]] };
  if (v.Ref !== undefined) return `\${${v.Ref}}`;
  if (v["Fn::Join"]) return v["Fn::Join"][1].map(text).join(v["Fn::Join"][0]);
  throw new Error(`Cannot render ${JSON.stringify(value)}`);
};

const routed = ALL_FUNCTIONS.filter((d) => d.trigger.kind === "websocket");
const streamed = ALL_FUNCTIONS.filter((d) => d.trigger.kind === "dynamodb-stream");

describe("WebSocket API", () => {
  it.each(routed.map((d) => [d.trigger.kind === "websocket" ? d.trigger.route : "", d] as const))(
    "%s invokes its catalog function",
    (route, def) => {
      const routes = feedRoutes().filter((p) => p.RouteKey === route);
      expect(routes).toHaveLength(1);
      const p = routes[0]!;
      const [integrationId] = referencedIds(p.Target);
      const integration = resource(s.template, integrationId!).Properties;
      expect(integration.IntegrationType).toBe("AWS_PROXY");
      const targets = [...referencedIds(integration.IntegrationUri)].filter((id) => !id.startsWith("AWS::"));
      expect(targets).toEqual([functionOf(def).id]);
      // API Gateway gives up on a WebSocket integration after 29 s; the function must answer before.
      expect(functionOf(def).props.Timeout).toBeLessThan(29);
    },
  );

  it("has no route the catalog does not name", () => {
    const keys = feedRoutes().map((p) => p.RouteKey as string);
    expect(keys.sort()).toEqual(routed.map((d) => (d.trigger.kind === "websocket" ? d.trigger.route : "")).sort());
  });

  it("only this API may invoke the route functions", () => {
    for (const def of routed) {
      const permissions = ofType("AWS::Lambda::Permission").filter(([, p]) =>
        referencedIds(p.Properties.FunctionName).has(functionOf(def).id),
      );
      expect(permissions).toHaveLength(1);
      const p = permissions[0]![1].Properties;
      expect(p.Principal).toBe("apigateway.amazonaws.com");
      expect(text(p.SourceArn)).toMatch(new RegExp(`:execute-api:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:\\$\\{${apiId()}\\}/`));
    }
  });

  it(`deploys to the throttled "${FEED_STAGE_NAME}" stage clients connect to`, () => {
    const stage = resource(s.template, logicalId(s.stack.feed.stage)).Properties;
    expect(referencedIds(stage.ApiId)).toEqual(new Set([apiId()]));
    expect(stage.StageName).toBe(FEED_STAGE_NAME);
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: FEED_THROTTLE.rateLimit,
      ThrottlingBurstLimit: FEED_THROTTLE.burstLimit,
    });
    expect(FEED_THROTTLE.rateLimit).toBeGreaterThan(0);

    const outputs = (s.template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(text(outputs.WebSocketUrl!.Value)).toBe(
      `wss://\${${apiId()}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${FEED_STAGE_NAME}`,
    );
  });
});

describe("the route functions' tables", () => {
  it("may call exactly the DynamoDB actions their code sends: the connection caps on the state table, the rate on the connection item", () => {
    const tableOf = new Map(ALL_TABLES.map((t) => [logicalId(s.stack.data.table(t)), t.id]));
    const grantsOf = (def: FunctionDef) => {
      const granted: Record<string, string[]> = {};
      for (const st of statementsOfRole(s.template, roleOf(def))) {
        if (st.Effect !== "Allow" || !actionsOf(st).some((a) => a.startsWith("dynamodb:"))) continue;
        for (const id of referencedIds(st.Resource)) {
          const table = tableOf.get(id) ?? id;
          granted[table] = [...new Set([...(granted[table] ?? []), ...actionsOf(st).map((a) => a.replace(/^dynamodb:/, ""))])].sort();
        }
      }
      return granted;
    };
    // #store/dynamo/connection-slots.js (UpdateItem; BatchGetItem of a full cap's connections),
    // connections.js (PutItem, DeleteItem; the welcome's GetItem) and message-gate.js (UpdateItem).
    expect(grantsOf(WS_CONNECT_FUNCTION)).toEqual({ connections: ["BatchGetItem", "PutItem"], state: ["UpdateItem"] });
    expect(grantsOf(WS_DISCONNECT_FUNCTION)).toEqual({ connections: ["DeleteItem"], state: ["UpdateItem"] });
    expect(grantsOf(WS_DEFAULT_FUNCTION)).toEqual({ connections: ["GetItem", "UpdateItem"] });
  });

  it("get the state table's name, which the connection caps live in", () => {
    for (const def of [WS_CONNECT_FUNCTION, WS_DISCONNECT_FUNCTION]) {
      expect(referencedIds(functionOf(def).props.Environment.Variables.STATE_TABLE)).toEqual(new Set([logicalId(s.stack.data.table(STATE_TABLE))]));
    }
  });
});

describe("posting to clients", () => {
  /** Whether the bundle of the function's entry includes the management API client. */
  const posts = async (def: FunctionDef): Promise<boolean> => {
    const result = await build({
      entryPoints: [path.join(REPO_ROOT, def.entry)],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      logLevel: "silent",
    });
    return Object.keys(result.metafile.inputs).includes("functions/commons/clients/apigateway.ts");
  };

  it("POSTS_TO_CLIENTS is exactly the functions whose code posts", async () => {
    const posting = [];
    for (const def of ALL_FUNCTIONS) if (await posts(def)) posting.push(def.name);
    expect(posting.sort()).toEqual([...POSTS_TO_CLIENTS].map((d) => d.name).sort());
  }, 60_000);

  it("only they may manage connections, and only this stage's", () => {
    const rolesThatManage = new Set<string>();
    for (const [, policy] of ofType("AWS::IAM::Policy")) {
      const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
      for (const st of statements.filter((x) => actionsOf(x).some((a) => a.startsWith("execute-api:")))) {
        expect(actionsOf(st)).toEqual(["execute-api:ManageConnections"]);
        expect(text(st.Resource)).toBe(
          `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${apiId()}}/${FEED_STAGE_NAME}/*/@connections/*`,
        );
        for (const role of referencedIds(policy.Properties.Roles)) rolesThatManage.add(role);
      }
    }
    expect(rolesThatManage).toEqual(new Set([...POSTS_TO_CLIENTS].map(roleOf)));
  });

  it("they may claim the welcome on a connection's item and mark it sent (read and update the connections table)", () => {
    const table = logicalId(s.stack.data.table(CONNECTIONS_TABLE));
    for (const def of POSTS_TO_CLIENTS) {
      const actions = statementsOfRole(s.template, roleOf(def))
        .filter((st) => referencedIds(st.Resource).has(table))
        .flatMap(actionsOf);
      expect(actions, def.name).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:UpdateItem"]));
    }
  });

  it("they get this stage's callback URL as WS_CALLBACK_URL, no other function does", () => {
    for (const house of s.stack.functions().values()) {
      const env = resource(s.template, logicalId(house.fn)).Properties.Environment.Variables;
      if (POSTS_TO_CLIENTS.has(house.def)) {
        expect(text(env.WS_CALLBACK_URL)).toBe(
          `https://\${${apiId()}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${FEED_STAGE_NAME}`,
        );
      } else {
        expect(env.WS_CALLBACK_URL).toBeUndefined();
      }
    }
  });
});

describe("stream consumers", () => {
  const mappingOf = (def: FunctionDef) => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").filter(([, m]) =>
      referencedIds(m.Properties.FunctionName).has(functionOf(def).id),
    );
    expect(mappings).toHaveLength(1);
    return mappings[0]![1].Properties;
  };

  it.each(streamed.map((d) => [d.name, d] as const))(
    "%s sees only INSERTs of its table's stream, from now on",
    (_, def) => {
      if (def.trigger.kind !== "dynamodb-stream") throw new Error("unreachable");
      const m = mappingOf(def);
      const tableId = logicalId(s.stack.data.table(def.trigger.table));
      expect(m.EventSourceArn).toEqual({ "Fn::GetAtt": [tableId, "StreamArn"] });
      expect(m.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
        { eventName: ["INSERT"] },
      ]);
      expect(m.StartingPosition).toBe("LATEST");
      // The handlers read NewImage.
      expect(resource(s.template, tableId).Properties.StreamSpecification).toEqual({ StreamViewType: "NEW_IMAGE" });
    },
  );

  it.each(streamed.map((d) => [d.name, d] as const))(
    "%s: partial failures, bisecting, finite retries and record age, then a DLQ",
    (_, def) => {
      if (def.trigger.kind !== "dynamodb-stream") throw new Error("unreachable");
      const m = mappingOf(def);
      expect(m.BatchSize).toBe(def.trigger.batchSize);
      expect(m.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      expect(m.BisectBatchOnFunctionError).toBe(true);
      // -1 (the default) would retry a poisoned record until it expires, blocking its shard.
      expect(m.MaximumRetryAttempts).toBe(def.trigger.maxRetryAttempts);
      expect(m.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(m.MaximumRetryAttempts).toBeLessThan(10);
      expect(m.MaximumRecordAgeInSeconds).toBe(STREAM_MAX_RECORD_AGE[def.trigger.table.id]?.toSeconds());
      expect(m.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);

      const dlq = s.stack.streamDeadLetterQueues().get(def.name);
      expect(dlq).toBeDefined();
      expect(referencedIds(m.DestinationConfig.OnFailure.Destination)).toEqual(new Set([logicalId(dlq!)]));
      const queue = resource(s.template, logicalId(dlq!));
      expect(queue.Type).toBe("AWS::SQS::Queue");
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      const denyPlainHttp = ofType("AWS::SQS::QueuePolicy").some(
        ([, p]) =>
          referencedIds(p.Properties.Queues).has(logicalId(dlq!)) &&
          (p.Properties.PolicyDocument.Statement as Array<Record<string, any>>).some(
            (st) => st.Effect === "Deny" && st.Condition?.Bool?.["aws:SecureTransport"] === "false",
          ),
      );
      expect(denyPlainHttp).toBe(true);
    },
  );

  it("each consumer may only read its stream, not write to it", () => {
    for (const def of streamed) {
      const onStream = statementsOfRole(s.template, roleOf(def)).filter((st) =>
        JSON.stringify(st.Resource).includes('"StreamArn"'),
      );
      expect(onStream.length).toBeGreaterThan(0);
      for (const action of onStream.flatMap(actionsOf)) {
        expect(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]).toContain(action);
      }
    }
  });
});

describe("fan-out queue", () => {
  const queueProps = (q: Parameters<typeof logicalId>[0]) => resource(s.template, logicalId(q)).Properties;
  const deniesPlainHttp = (q: Parameters<typeof logicalId>[0]) =>
    ofType("AWS::SQS::QueuePolicy").some(
      ([, p]) =>
        referencedIds(p.Properties.Queues).has(logicalId(q)) &&
        (p.Properties.PolicyDocument.Statement as Array<Record<string, any>>).some(
          (st) => st.Effect === "Deny" && st.Condition?.Bool?.["aws:SecureTransport"] === "false",
        ),
    );

  it("is FIFO with explicit deduplication ids, encrypted, TLS only, and dead-letters to a FIFO queue", () => {
    const queue = queueProps(s.stack.feed.fanOutQueue);
    expect(queue).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false, SqsManagedSseEnabled: true });
    // High-throughput mode: the limits apply per shard, not to the whole queue.
    expect(queue).toMatchObject({ DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId" });
    expect(queue.VisibilityTimeout).toBe(FANOUT_QUEUE.visibilityTimeoutSeconds);
    expect(queue.VisibilityTimeout).toBeGreaterThan(FAN_OUT_WORKER_FUNCTION.timeoutSeconds);
    expect(referencedIds(queue.RedrivePolicy.deadLetterTargetArn)).toEqual(new Set([logicalId(s.stack.feed.fanOutDeadLetterQueue)]));
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(FANOUT_QUEUE.maxReceiveCount);
    const dlq = queueProps(s.stack.feed.fanOutDeadLetterQueue);
    expect(dlq).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(deniesPlainHttp(s.stack.feed.fanOutQueue)).toBe(true);
    expect(deniesPlainHttp(s.stack.feed.fanOutDeadLetterQueue)).toBe(true);
  });

  it("feeds the fan-out worker in batches with partial failures, one worker per shard at most", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").filter(([, m]) =>
      referencedIds(m.Properties.FunctionName).has(functionOf(FAN_OUT_WORKER_FUNCTION).id),
    );
    expect(mappings).toHaveLength(1);
    const m = mappings[0]![1].Properties;
    expect(referencedIds(m.EventSourceArn)).toEqual(new Set([logicalId(s.stack.feed.fanOutQueue)]));
    expect(m.BatchSize).toBe(FANOUT_QUEUE.batchSize);
    expect(m.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(m.ScalingConfig).toEqual({ MaximumConcurrency: fanOutMaxConcurrency(DEFAULT_FEED_SHARDS) });
  });

  it("the broadcaster may send to it and only query the shard index (which shards hold a connection); the worker consumes it", () => {
    const queue = logicalId(s.stack.feed.fanOutQueue);
    const broadcaster = statementsOfRole(s.template, roleOf(BROADCASTER_FUNCTION));
    expect(broadcaster.filter((st) => referencedIds(st.Resource).has(queue)).flatMap(actionsOf)).toEqual(
      expect.arrayContaining(["sqs:SendMessage"]),
    );
    // It reads its stream, asks the shard index which shards hold a connection, and posts nothing:
    // no connection item, no client.
    const streamReads = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];
    const actions = broadcaster.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith("execute-api:"))).toEqual([]);
    const tableReads = broadcaster.filter((st) => actionsOf(st).some((a) => a.startsWith("dynamodb:") && !streamReads.includes(a)));
    expect(tableReads.flatMap(actionsOf)).toEqual(["dynamodb:Query"]);
    const connections = logicalId(s.stack.data.table(CONNECTIONS_TABLE));
    expect(JSON.stringify(tableReads[0]!.Resource)).toContain("/index/shard-index");
    expect(referencedIds(tableReads[0]!.Resource)).toEqual(new Set([connections]));
    const worker = statementsOfRole(s.template, roleOf(FAN_OUT_WORKER_FUNCTION)).filter((st) => referencedIds(st.Resource).has(queue));
    expect(worker.flatMap(actionsOf)).toEqual(expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage"]));
  });

  it("every connection shard's group can be served at once: the worker's concurrency follows FEED_SHARDS", () => {
    expect(fanOutMaxConcurrency(32)).toBe(32);
    expect(fanOutMaxConcurrency(1)).toBe(2); // Lambda's least
    expect(fanOutMaxConcurrency(5_000)).toBe(1_000); // and most
  });
});
