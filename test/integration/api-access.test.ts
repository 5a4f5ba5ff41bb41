import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { createApiApp, createDynamoApiStores, dynamoTableCheck } from "#api/index.js";
import { parseAddress } from "#domain/address.js";
import { trackTrader } from "#domain/traders.js";
import { BUDGET_LEDGER_PK, createDynamoBudgetLedger } from "#hyperliquid/dynamo-ledger.js";
import { localDynamoClient } from "#local/aws.js";
import { followerBodySchema } from "#domain/copy/follower-schema.js";
import { createDynamoFollowerStore } from "#store/dynamo/followers.js";
import { createDynamoLeaderboardStore } from "#store/dynamo/leaderboard.js";
import { createDynamoTraderStore } from "#store/dynamo/traders.js";
import { ALL_TABLES } from "#store/tables.js";
import { HTTP_API_FUNCTION } from "../../functions/catalog.js";
import { testTables, type TestTables } from "../support/aws.js";
import { TEST_REGION } from "../support/env.js";
import { serveApp, type Served } from "../support/serve.js";
import { leaderboardRow } from "../unit/api/leaderboard-rows.js";

/**
 * DynamoDB Local checks no IAM, so the HTTP API's narrowed role (catalog.ts's
 * HTTP_API_FUNCTION.access, asserted on the template by test/cdk/api.test.ts) is checked here
 * instead: every route of the OpenAPI document runs against DynamoDB Local through a client that
 * records each call's action and table (or index), and what the routes send must be exactly
 * what the role allows: nothing missing (a denied call in AWS), nothing granted unused.
 */
const ADMIN_KEY = "test-admin-key-0123456789";
const A = parseAddress(`0x${"a1".repeat(20)}`);
const B = parseAddress(`0x${"b2".repeat(20)}`);
const FOLLOWER = "fol_0123456789abcdef0123";

/** SDK command names (the document client's and the low-level client's) as IAM names the action. */
const IAM_ACTION: Record<string, string> = {
  GetCommand: "GetItem",
  PutCommand: "PutItem",
  UpdateCommand: "UpdateItem",
  DeleteCommand: "DeleteItem",
  BatchGetCommand: "BatchGetItem",
  BatchWriteCommand: "BatchWriteItem",
  TransactGetCommand: "TransactGetItems",
};
/** IAM authorizes a TransactWriteItems by each item's own action. */
const TRANSACT_ITEM_ACTION: Record<string, string> = { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", ConditionCheck: "ConditionCheckItem" };
const iamAction = (commandName: string): string => IAM_ACTION[commandName] ?? commandName.replace(/Command$/, "");

/** "action on table" or "action on table/index/name"; the budget lease says so (it is granted on its own). */
const callsOf = (client: DynamoDBClient, tableIdOf: (name: string) => string): Set<string> => {
  const calls = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        TableName?: string;
        IndexName?: string;
        RequestItems?: Record<string, unknown>;
        Key?: { pk?: unknown };
        TransactItems?: Record<string, { TableName: string }>[];
      };
      if (context.commandName === "TransactWriteItemsCommand") {
        for (const item of input.TransactItems ?? []) {
          for (const [kind, op] of Object.entries(item)) calls.add(`${TRANSACT_ITEM_ACTION[kind] ?? kind} on ${tableIdOf(op.TableName)}`);
        }
        return next(args);
      }
      const action = iamAction(context.commandName ?? "?");
      const names = input.TableName !== undefined ? [input.TableName] : Object.keys(input.RequestItems ?? {});
      for (const name of names) {
        const on = tableIdOf(name) + (input.IndexName === undefined ? "" : `/index/${input.IndexName}`);
        const lease = action === "UpdateItem" && on === "state" && input.Key?.pk === BUDGET_LEDGER_PK;
        calls.add(`${action} on ${on}${lease ? " (budget lease)" : ""}`);
      }
      return next(args);
    },
    { step: "initialize", name: "recordIamActions" },
  );
  return calls;
};

/** What the catalog lets the function do, in the same words. */
const granted = (): Set<string> => {
  const out = new Set<string>();
  for (const [table, access] of Object.entries(HTTP_API_FUNCTION.access ?? {})) {
    for (const action of access.actions) out.add(`${action} on ${table}`);
    for (const index of access.queriesIndexes ?? []) out.add(`Query on ${table}/index/${index}`);
  }
  if (HTTP_API_FUNCTION.leasesBudgetIn) out.add(`UpdateItem on ${HTTP_API_FUNCTION.leasesBudgetIn.id} (budget lease)`);
  return out;
};

describe("the HTTP API's DynamoDB calls", () => {
  let tables: TestTables;
  let api: Served;
  let calls: Set<string>;
  let recording: DynamoDBClient;

  beforeAll(async () => {
    tables = await testTables("access");
    // Seeded without recording: the tracker and the leaderboard job write these, not the API.
    const writer = createDynamoTraderStore(tables.doc, { traders: tables.names.traders, events: tables.names.events });
    await trackTrader(writer, A, { source: "manual", at: Date.parse("2026-01-01T00:00:00Z") });
    await createDynamoLeaderboardStore(tables.doc, tables.names.state).writeSnapshot("all", [leaderboardRow(A)], "2026-01-02T00:00:00.000Z");
    // A follower, as POST /followers would store it, for the GET /followers/{id}… routes to find.
    await createDynamoFollowerStore(tables.doc, tables.names.followers).create({
      id: FOLLOWER,
      config: followerBodySchema.parse({ name: "seeded", mode: "paper", leaders: [{ address: A, sizing: { mode: "fixed_ratio", ratio: "1" } }], paper_balance_usd: "1000" }),
      state: "active",
      pause: null,
      closeRequested: false,
      createdAt: Date.parse("2026-01-01T00:00:00Z"),
      updatedAt: Date.parse("2026-01-01T00:00:00Z"),
      version: 1,
    });

    // The API's own client, as functions/handlers/http-api.ts builds its stores and checks.
    recording = localDynamoClient({ endpoint: inject("dynamoEndpoint"), region: TEST_REGION });
    const byName = new Map(ALL_TABLES.map((t) => [tables.names[t.id], t.id]));
    calls = callsOf(recording, (name) => byName.get(name) ?? `unknown table ${name}`);
    const doc = DynamoDBDocumentClient.from(recording, { marshallOptions: { removeUndefinedValues: true } });
    api = await serveApp(
      createApiApp({
        ...createDynamoApiStores(recording, doc, tables.names),
        checks: [dynamoTableCheck(recording, tables.names.traders)],
        adminApiKey: ADMIN_KEY,
        limits: { rateLimit: false },
      }),
    );
    // GET /traders/{a} values positions at mid prices, whose weight it leases from the shared
    // ledger on the state table: the ledger the handler builds, on the same client.
    await createDynamoBudgetLedger({ doc, tableName: tables.names.state, limitPerMinute: 1_000, discoveryShare: 0.25, historyShare: 0.25 }).lease(
      "tracking",
      2,
      Date.now(),
    );
  });
  afterAll(async () => {
    await api?.close();
    recording?.destroy();
  });

  it("every route sends exactly the actions the role grants, on those tables and indexes", async () => {
    const send = (method: string, path: string, body?: unknown) =>
      fetch(api.url + path, {
        method,
        headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const doc = (await (await send("GET", "/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), template })));
    const concrete = (template: string) => template.replace("{address}", A).replace("{id}", FOLLOWER);
    // Reads first, then the admin writes: track B (new), stop him, track him again (reactivated).
    for (const r of routes.filter((r) => r.method === "GET")) {
      for (const query of r.template.includes("equity") ? ["", "?window=all"] : [""]) {
        const res = await send("GET", concrete(r.template) + query);
        expect(res.status, `GET ${r.template}${query}`).toBeLessThan(500);
      }
    }
    const writes = routes.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.template}`).sort();
    expect(writes).toEqual([
      "DELETE /followers/{id}",
      "DELETE /traders/{address}/track",
      "PATCH /followers/{id}",
      "POST /api/v1/cache/clear",
      "POST /followers",
      "POST /followers/{id}/pause",
      "POST /followers/{id}/resume",
      "POST /traders/track",
      "POST /traders/{address}/track",
    ]);
    expect((await send("POST", `/traders/${B}/track`)).status).toBeLessThan(300);
    expect((await send("DELETE", `/traders/${B}/track`)).status).toBeLessThan(300);
    expect((await (await send("POST", "/traders/track", { addresses: [B, A] })).json()).counts).toMatchObject({ tracked: 1, already_tracked: 1 });
    expect((await send("POST", "/api/v1/cache/clear")).status).toBe(200);
    // A follower's life: created (tracking its leader), its leader replaced (a link put, one
    // deleted), paused, resumed, stopped (every link deleted).
    const created = await send("POST", "/followers", { name: "f", mode: "paper", leaders: [{ address: B, sizing: { mode: "fixed_ratio", ratio: "1" } }], paper_balance_usd: "100" });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    expect((await send("PATCH", `/followers/${id}`, { leaders: [{ address: A, sizing: { mode: "fixed_ratio", ratio: "2" } }] })).status).toBe(200);
    for (const [method, path] of [["POST", "pause"], ["POST", "resume"], ["DELETE", ""]] as const) {
      expect((await send(method, `/followers/${id}${path === "" ? "" : `/${path}`}`)).status, `${method} ${path}`).toBe(200);
    }

    expect([...calls].sort()).toEqual([...granted()].sort());
  });
});
