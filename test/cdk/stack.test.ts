import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "#commons/config.js";
import { TRACKING_QUEUE, type QueueDef } from "#commons/queues.js";
import { BUDGET_LEDGER_PK } from "#hyperliquid/dynamo-ledger.js";
import { ALL_TABLES, TRADERS_TABLE, type TableDef } from "#store/tables.js";
import { ALL_FUNCTIONS, TRACK_DISPATCH_FUNCTION, TRACK_WORKER_FUNCTION, type FunctionDef } from "../../functions/catalog.js";
import { trackWorkerMaxConcurrency } from "../../lib/ingestion.js";
import { actionsOf, logicalId, referencedIds, resource, statementsOfRole, synthStack, type Synthesized } from "./synth.js";

/** One synth for the whole file: building the stack is the slow part. */
let s: Synthesized;
beforeAll(() => {
  s = synthStack();
}, 60_000);

const tableId = (def: TableDef) => logicalId(s.stack.data.table(def));
const functionOf = (def: FunctionDef) => {
  const house = s.stack.functions().get(def.name);
  if (!house) throw new Error(`catalog function ${def.name} is not in the stack`);
  return { house, id: logicalId(house.fn), props: resource(s.template, logicalId(house.fn)).Properties };
};
/** `Fn::GetAtt`s in a value as `LogicalId.Attribute`: tells a table's items (Arn) from its stream (StreamArn). */
const attributesReferenced = (value: unknown): Set<string> => {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== "object") return;
    for (const [key, inner] of Object.entries(v)) {
      if (key === "Fn::GetAtt" && Array.isArray(inner)) found.add(inner.join("."));
      else walk(inner);
    }
  };
  walk(value);
  return found;
};
/** The catalog's tables of a function, and the table it leases exchange weight in (its ledger's items only). */
const tablesReachedBy = (def: FunctionDef): TableDef[] => [
  ...new Set([...def.tables, ...(def.readsOnly ?? []), ...(def.leasesBudgetIn ? [def.leasesBudgetIn] : [])]),
];
const onBudgetLedger = { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [BUDGET_LEDGER_PK] } };
const keySchema = (pk: { name: string }, sk?: { name: string }) => [
  { AttributeName: pk.name, KeyType: "HASH" },
  ...(sk ? [{ AttributeName: sk.name, KeyType: "RANGE" }] : []),
];

describe("tables follow the shared definitions", () => {
  it.each(ALL_TABLES.map((d) => [d.id, d] as const))("%s: keys, indexes, billing, PITR, TTL, stream", (_, def) => {
    const table = resource(s.template, tableId(def));
    expect(table.Type).toBe("AWS::DynamoDB::GlobalTable");
    const p = table.Properties;
    expect(p.KeySchema).toEqual(keySchema(def.partitionKey, def.sortKey));
    expect(p.BillingMode).toBe("PAY_PER_REQUEST");
    expect(p.Replicas).toHaveLength(1);
    expect(p.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });

    const declared = [def.partitionKey, def.sortKey, ...def.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
    for (const key of declared.filter((k) => k !== undefined)) {
      expect(p.AttributeDefinitions).toContainEqual({ AttributeName: key.name, AttributeType: key.type });
    }
    expect(p.GlobalSecondaryIndexes ?? []).toEqual(
      def.globalIndexes.map((i) => ({
        IndexName: i.indexName,
        KeySchema: keySchema(i.partitionKey, i.sortKey),
        Projection: { ProjectionType: i.projection, ...(i.nonKeyAttributes !== undefined && { NonKeyAttributes: [...i.nonKeyAttributes] }) },
      })),
    );
    expect(p.TimeToLiveSpecification).toEqual(
      def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined,
    );
    expect(p.StreamSpecification).toEqual(def.stream ? { StreamViewType: def.stream } : undefined);
  });

  it("the events table streams new images (the live feed reads them)", () => {
    const events = ALL_TABLES.find((t) => t.id === "events");
    expect(resource(s.template, tableId(events!)).Properties.StreamSpecification).toEqual({
      StreamViewType: "NEW_IMAGE",
    });
  });

  it("tables are deletion-protected and retained by default (cdk.json)", () => {
    for (const def of ALL_TABLES) {
      const table = resource(s.template, tableId(def));
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe("tracking queue", () => {
  const queue = () => s.stack.ingestion.queue(TRACKING_QUEUE);

  it("dead-letters after maxReceiveCount and hides messages longer than the worker may run", () => {
    const props = resource(s.template, logicalId(queue())).Properties;
    expect(props.RedrivePolicy.maxReceiveCount).toBe(TRACKING_QUEUE.maxReceiveCount);
    expect(referencedIds(props.RedrivePolicy.deadLetterTargetArn)).toEqual(
      new Set([logicalId(s.stack.ingestion.deadLetterQueue(TRACKING_QUEUE))]),
    );
    expect(props.VisibilityTimeout).toBe(TRACKING_QUEUE.visibilityTimeoutSeconds);
    expect(props.VisibilityTimeout).toBeGreaterThan(functionOf(TRACK_WORKER_FUNCTION).props.Timeout);
    expect(props.SqsManagedSseEnabled).toBe(true);
  });

  it("feeds the worker in batches with partial failures and a bounded concurrency", () => {
    const worker = functionOf(TRACK_WORKER_FUNCTION);
    const mappings = Object.values(s.template.findResources("AWS::Lambda::EventSourceMapping")).filter((m) =>
      referencedIds(m.Properties.FunctionName).has(worker.id),
    );
    expect(mappings).toHaveLength(1);
    const m = mappings[0]!.Properties;
    expect(m.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(m.BatchSize).toBe(TRACKING_QUEUE.batchSize);
    expect(referencedIds(m.EventSourceArn)).toEqual(new Set([logicalId(queue())]));
    expect(m.ScalingConfig.MaximumConcurrency).toBe(
      trackWorkerMaxConcurrency(loadConfig({}), TRACKING_QUEUE, TRACK_WORKER_FUNCTION.timeoutSeconds),
    );
  });
});

describe("every catalog function", () => {
  it("is in the stack", () => {
    expect([...s.stack.functions().keys()].sort()).toEqual(ALL_FUNCTIONS.map((d) => d.name).sort());
  });

  it.each(ALL_FUNCTIONS.map((d) => [d.name, d] as const))(
    "%s: arm64, nodejs22.x, catalog timeout/memory, own log group with retention",
    (_, def) => {
      const { props } = functionOf(def);
      expect(props.Architectures).toEqual(["arm64"]);
      expect(props.Runtime).toBe("nodejs22.x");
      expect(props.Timeout).toBe(def.timeoutSeconds);
      expect(props.MemorySize).toBe(def.memoryMb);
      const [logGroupId, ...others] = referencedIds(props.LoggingConfig.LogGroup);
      expect(others).toEqual([]);
      expect(resource(s.template, logGroupId!).Properties.RetentionInDays).toBe(30);
    },
  );

  it.each(ALL_FUNCTIONS.map((d) => [d.name, d] as const))("%s: settings, Powertools and resource env", (_, def) => {
    const env = functionOf(def).props.Environment.Variables as Record<string, unknown>;
    expect(env).toMatchObject({
      HL_BUDGET_MODE: "dynamodb",
      HYPERLIQUID_API_URL: "https://api.hyperliquid.xyz",
      HL_WEIGHT_PER_MINUTE: "1200",
      TRACK_BATCH_SIZE: "25",
      POWERTOOLS_SERVICE_NAME: "hl-copytrader",
      LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
    });
    const reached = tablesReachedBy(def);
    for (const t of ALL_TABLES) {
      if (reached.includes(t)) expect(referencedIds(env[t.envVar])).toEqual(new Set([tableId(t)]));
      else expect(env[t.envVar]).toBeUndefined();
    }
    expect(env.AWS_REGION).toBeUndefined();
    expect(env.PORT).toBeUndefined();
  });

  it.each(ALL_FUNCTIONS.map((d) => [d.name, d] as const))("%s: its role touches only the catalog's tables and queues", (_, def) => {
    const { props } = functionOf(def);
    const [roleId] = referencedIds(props.Role);
    const statements = statementsOfRole(s.template, roleId!);
    const stream = def.trigger.kind === "dynamodb-stream" ? def.trigger : undefined;

    // Items of the catalog's tables; a stream consumer also reads its table's stream (not its items).
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith("dynamodb:")));
    const tablesReached = new Set(dynamo.flatMap((st) => [...attributesReferenced(st.Resource)]));
    expect(tablesReached).toEqual(
      new Set([
        ...tablesReachedBy(def).map((t) => `${tableId(t)}.Arn`),
        ...(stream ? [`${tableId(stream.table)}.StreamArn`] : []),
      ]),
    );
    // A read-only table is never written, except the budget ledger's items where the function
    // leases exchange weight: UpdateItem alone, pinned to the ledger's partition key.
    for (const t of def.readsOnly ?? []) {
      const onTable = dynamo.filter((st) => attributesReferenced(st.Resource).has(`${tableId(t)}.Arn`));
      const isLease = (st: (typeof onTable)[number]) =>
        def.leasesBudgetIn === t &&
        JSON.stringify(actionsOf(st)) === JSON.stringify(["dynamodb:UpdateItem"]) &&
        JSON.stringify(st.Condition) === JSON.stringify(onBudgetLedger);
      for (const action of onTable.filter((st) => !isLease(st)).flatMap(actionsOf)) {
        expect(action).not.toMatch(/^dynamodb:(Put|Update|Delete|BatchWrite)/);
      }
      expect(onTable.filter(isLease).length, `${def.name} leases budget in ${t.id}`).toBe(def.leasesBudgetIn === t ? 1 : 0);
    }
    // A ledger table it neither writes nor reads: only the ledger's partition, read (the previous window) and leased.
    const ledger = def.leasesBudgetIn;
    if (ledger && !tablesReachedBy({ ...def, leasesBudgetIn: undefined }).includes(ledger)) {
      const onLedger = dynamo.filter((st) => attributesReferenced(st.Resource).has(`${tableId(ledger)}.Arn`));
      expect(onLedger.map((st) => [actionsOf(st), st.Condition])).toEqual([
        [["dynamodb:GetItem", "dynamodb:UpdateItem"], onBudgetLedger],
      ]);
    }
    // Read/write on the items, never table administration.
    for (const action of dynamo.flatMap(actionsOf)) expect(action).not.toMatch(/^dynamodb:(Delete|Create|Update)Table/);

    // The catalog's queues (whichever construct owns them); a stream consumer also its on-failure destination.
    const queueOf = (q: QueueDef) => s.stack.queue(q);
    const sends = statements.filter((st) => actionsOf(st).includes("sqs:SendMessage"));
    const queuesReached = new Set(sends.flatMap((st) => [...referencedIds(st.Resource)]));
    const onFailure = s.stack.streamDeadLetterQueues().get(def.name);
    expect(queuesReached).toEqual(new Set([...def.sendsTo.map(queueOf), ...(onFailure ? [onFailure] : [])].map(logicalId)));
    for (const q of def.sendsTo) {
      expect(referencedIds(props.Environment.Variables[q.envVar])).toEqual(new Set([logicalId(queueOf(q))]));
    }

    // Nothing anywhere in the role is granted on every resource.
    for (const st of statements) expect(st.Resource).not.toBe("*");
  });
});

it("the tracking dispatcher may page active-index (Query) and read hinted-index whole (Scan), of the traders table only", () => {
  const [roleId] = referencedIds(functionOf(TRACK_DISPATCH_FUNCTION).props.Role);
  const traders = { "Fn::Join": ["", [{ "Fn::GetAtt": [tableId(TRADERS_TABLE), "Arn"] }, "/index/*"]] };
  const onIndexes = statementsOfRole(s.template, roleId!).filter((st) => JSON.stringify(st.Resource).includes("/index/"));
  expect(onIndexes.flatMap(actionsOf)).toEqual(expect.arrayContaining(["dynamodb:Query", "dynamodb:Scan"]));
  for (const st of onIndexes) {
    const indexResources = ([] as unknown[]).concat(st.Resource).filter((r) => JSON.stringify(r).includes("/index/"));
    expect(indexResources).toEqual([traders]);
  }
  expect(TRADERS_TABLE.globalIndexes.map((i) => i.indexName)).toEqual(["active-index", "hinted-index"]);
});

describe("schedules", () => {
  const scheduled = ALL_FUNCTIONS.filter((d) => d.trigger.kind === "schedule");
  const minutes = (seconds: number) => seconds / 60;
  // As CDK writes it: whole days and hours in those units, the rest in minutes.
  const rate = (seconds: number) => {
    const m = minutes(seconds);
    const [n, unit] = m % 1_440 === 0 ? [m / 1_440, "day"] : m % 60 === 0 ? [m / 60, "hour"] : [m, "minute"];
    return `rate(${n} ${unit}${n === 1 ? "" : "s"})`;
  };

  it.each(scheduled.map((d) => [d.name, d] as const))("%s runs at its configured rate, with retries and a DLQ", (_, def) => {
    if (def.trigger.kind !== "schedule") throw new Error("unreachable");
    const { id } = functionOf(def);
    const schedules = Object.values(s.template.findResources("AWS::Scheduler::Schedule")).filter((r) =>
      referencedIds(r.Properties.Target.Arn).has(id),
    );
    expect(schedules).toHaveLength(1);
    const p = schedules[0]!.Properties;
    expect(p.ScheduleExpression).toBe(rate(loadConfig({})[def.trigger.intervalSetting]));
    expect(p.State).not.toBe("DISABLED");
    expect(p.Target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 2 });
    expect(referencedIds(p.Target.DeadLetterConfig.Arn)).toEqual(
      new Set([logicalId(s.stack.ingestion.scheduleDeadLetterQueue)]),
    );
  });

  it("a failed tick is not retried by Lambda (the next tick supersedes it)", () => {
    for (const def of scheduled) {
      s.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: functionOf(def).id },
        MaximumRetryAttempts: 0,
      });
    }
  });

  it("settings reach the schedules and the functions", () => {
    const custom = synthStack({ context: { TRACKING_INTERVAL_SECONDS: "120", TRACK_BATCH_SIZE: 10 } });
    custom.template.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "rate(2 minutes)" });
    custom.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ TRACK_BATCH_SIZE: "10", TRACKING_INTERVAL_SECONDS: "120" }) },
    });
  });
});

it("DELETION_PROTECTION=false makes a throwaway stack that `cdk destroy` cleans up", () => {
  const throwaway = synthStack({ context: { DELETION_PROTECTION: "false" } });
  for (const def of ALL_TABLES) {
    const table = resource(throwaway.template, logicalId(throwaway.stack.data.table(def)));
    expect(table.DeletionPolicy).toBe("Delete");
    expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
  }
});
