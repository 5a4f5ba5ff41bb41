import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp, createDynamoApiStores, type ApiDeps } from "#api/index.js";
import { COPY_QUEUE } from "#commons/queues.js";
import { parseAddress, type Address } from "#domain/address.js";
import { copyMessageSchema, type CopyMessage } from "#domain/copy/messages.js";
import type { CopyAccount, CopyOrder, FollowerStore } from "#domain/copy/ports.js";
import { createSqsFifoQueue } from "#store/sqs-fifo-queue.js";
import { testQueue, testTables, type TestQueue, type TestTables } from "../support/aws.js";
import { recordingLogger } from "../support/logger.js";
import { serveApp, type Served } from "../support/serve.js";

/**
 * The /followers routes through the real app over a socket, against DynamoDB Local and the SQS
 * server: what an admin client sees, what is stored, and what the copy engine is sent.
 */
const ADMIN_KEY = "test-admin-key-0123456789";
const addr = (n: number): Address => parseAddress(`0x${n.toString(16).padStart(40, "0")}`);
const A = addr(0xa1);
const B = addr(0xb2);
const ACCOUNT = addr(0xacc);
/** What an agent private key looks like (32 bytes hex): it must never be accepted, stored or echoed. */
const KEY_LIKE = `0x${"4f".repeat(32)}`;

const paperBody = (extra: Record<string, unknown> = {}) => ({
  name: "paper copy",
  mode: "paper",
  leaders: [{ address: A, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
  paper_balance_usd: "10000",
  ...extra,
});
const liveBody = (extra: Record<string, unknown> = {}) => ({
  name: "live copy",
  mode: "live",
  leaders: [{ address: B, sizing: { mode: "proportional", multiplier: "1" } }],
  account_address: ACCOUNT,
  agent_key_ref: "secretsmanager:hyperliquid-copytrader/agent/alice",
  network: "testnet",
  ...extra,
});

describe("the /followers API", () => {
  let tables: TestTables;
  let queue: TestQueue;
  let deps: ApiDeps;
  let store: FollowerStore;
  let api: Served;
  const log = recordingLogger();

  beforeAll(async () => {
    [tables, queue] = await Promise.all([testTables("folapi"), testQueue(COPY_QUEUE)]);
    deps = {
      ...createDynamoApiStores(tables.client, tables.doc, tables.names),
      copyQueue: createSqsFifoQueue(queue.client, queue.queueUrl),
      checks: [],
      adminApiKey: ADMIN_KEY,
      logger: log.logger,
      limits: { rateLimit: false },
    };
    store = deps.followers!;
    api = await serveApp(createApiApp(deps));
  });
  afterAll(async () => api?.close());

  const call = async (method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY) => {
    const res = await fetch(api.url + path, {
      method,
      headers: { ...(key !== null && { "x-api-key": key }), "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: text === "" ? undefined : (JSON.parse(text) as any) };
  };
  const create = async (body: unknown) => {
    const r = await call("POST", "/followers", body);
    expect(r.status, r.text).toBe(201);
    return r.json;
  };
  /** Every copy message sent since the last call (the queue is this file's own). */
  const sent = async (): Promise<CopyMessage[]> => {
    const out: CopyMessage[] = [];
    for (;;) {
      const r = await queue.client.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if ((r.Messages ?? []).length === 0) return out;
      for (const m of r.Messages ?? []) {
        out.push(copyMessageSchema.parse(JSON.parse(m.Body ?? "")));
        await queue.client.send(new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };

  it("creates a paper follower (201) with its normalised config, tracks its leader, and tells the engine at once, whatever its start", async () => {
    await sent();
    const before = Date.now();
    const f = await create(paperBody({ caps: { max_position_usd: 500 } }));
    expect(f).toEqual({
      id: expect.stringMatching(/^fol_[0-9a-f]{20}$/),
      name: "paper copy",
      mode: "paper",
      state: "active",
      pause: null,
      closing: false,
      config: {
        name: "paper copy",
        mode: "paper",
        leaders: [{ address: A, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
        caps: { max_slippage_bps: 50, max_position_usd: "500" },
        start: "new_changes_only",
        on_pause: "keep",
        paper_balance_usd: "10000",
        taker_fee_rate: "0.00045",
      },
      created_at: expect.any(String),
      updated_at: f.created_at,
      positions: [],
      equity_usd: null,
      realized_pnl_usd: "0",
      fees_usd: "0",
      copy_gap: null,
      last_reconciled_at: null,
    });
    expect(Date.parse(f.created_at)).toBeGreaterThanOrEqual(before);
    expect((await call("GET", `/traders/${A}`)).status).toBe(200);
    // new_changes_only's first run notes what the leaders hold now, before any of their events.
    const [first, ...others] = await sent();
    expect(others).toEqual([]);
    expect(first).toMatchObject({ v: 1, follower_id: f.id, leader: null, coin: null });

    const synced = await create(paperBody({ start: "sync_now" }));
    const [message, ...more] = await sent();
    expect(more).toEqual([]);
    expect(message).toMatchObject({ v: 1, follower_id: synced.id, leader: null, coin: null });
    expect(message!.event_id).toBe(`api:create:${message!.signal_at}`);
    expect((await call("GET", `/followers/${synced.id}`)).json).toEqual(synced);
  });

  it("refuses bad bodies (400 naming the field), and every route without the admin key (401)", async () => {
    const refused = async (body: unknown, field: RegExp) => {
      const r = await call("POST", "/followers", body);
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.code).toBe("VALIDATION_ERROR");
      expect(r.json.error.message).toMatch(field);
    };
    await refused(paperBody({ leaders: [{ address: A, sizing: { mode: "fixed_ratio", ratio: "-1" } }] }), /leaders\.0\.sizing\.ratio: ratio must be a positive decimal/);
    await refused(paperBody({ leaders: [{ address: A, sizing: { mode: "copy_all" } }] }), /sizing\.mode must be one of/);
    await refused(paperBody({ max_position_usd: 100 }), /max_position_usd/);
    await refused(paperBody({ caps: { coins_allow: ["BTC"], coins_deny: ["BTC"] } }), /caps: coins_allow and coins_deny both name BTC/);
    const { paper_balance_usd: _b, ...noBalance } = paperBody();
    await refused(noBalance, /paper_balance_usd: a paper follower needs paper_balance_usd/);
    const { agent_key_ref: _k, ...noKeyRef } = liveBody();
    await refused(noKeyRef, /agent_key_ref: a live follower needs agent_key_ref/);
    // A key pasted where its reference goes is refused, and not repeated back.
    const pasted = await call("POST", "/followers", liveBody({ agent_key_ref: KEY_LIKE }));
    expect(pasted.status).toBe(400);
    expect(pasted.text).not.toContain(KEY_LIKE);

    const f = await create(paperBody());
    for (const [method, path] of [
      ["POST", "/followers"],
      ["GET", "/followers"],
      ["GET", `/followers/${f.id}`],
      ["GET", `/followers/${f.id}/orders`],
      ["GET", `/followers/${f.id}/equity`],
      ["PATCH", `/followers/${f.id}`],
      ["POST", `/followers/${f.id}/pause`],
      ["POST", `/followers/${f.id}/resume`],
      ["DELETE", `/followers/${f.id}`],
    ] as const) {
      const r = await call(method, path, method === "PATCH" ? { name: "x" } : undefined, null);
      expect(r.status, `${method} ${path}`).toBe(401);
    }
    expect((await call("GET", `/followers/${f.id}`)).json.state).toBe("active");
  });

  it("answers 404 for an unknown follower on every route", async () => {
    for (const [method, path] of [
      ["GET", "/followers/fol_00000000000000000000"],
      ["GET", "/followers/fol_00000000000000000000/orders"],
      ["GET", "/followers/fol_00000000000000000000/equity"],
      ["PATCH", "/followers/fol_00000000000000000000"],
      ["POST", "/followers/fol_00000000000000000000/pause"],
      ["POST", "/followers/fol_00000000000000000000/resume"],
      ["DELETE", "/followers/fol_00000000000000000000"],
    ] as const) {
      const r = await call(method, path, method === "PATCH" ? { name: "x" } : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json.error).toEqual({ code: "NOT_FOUND", message: "Follower fol_00000000000000000000 does not exist" });
    }
  });

  it("pauses, resumes, stops with close=true (telling the engine each time), and refuses to resume a stopped follower (409)", async () => {
    const f = await create(paperBody({ on_pause: "keep" }));
    await sent();
    const paused = await call("POST", `/followers/${f.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ state: "paused", closing: false, pause: { reason: "user", message: "Paused by the user", at: expect.any(String) } });
    // Told even though it keeps its positions: the engine reads its last fills' fees.
    expect((await sent()).map((m) => m.event_id.replace(/\d+$/, "<ms>"))).toEqual(["api:pause:<ms>"]);
    // Pausing again changes nothing and sends nothing.
    expect((await call("POST", `/followers/${f.id}/pause`)).status).toBe(200);
    expect(await sent()).toEqual([]);

    const resumed = await call("POST", `/followers/${f.id}/resume`);
    expect(resumed.json).toMatchObject({ state: "active", pause: null, closing: false });
    expect((await sent()).map((m) => [m.follower_id, m.event_id.replace(/\d+$/, "<ms>")])).toEqual([[f.id, "api:resume:<ms>"]]);

    const stopped = await call("DELETE", `/followers/${f.id}?close=true`);
    expect(stopped.status).toBe(200);
    expect(stopped.json).toMatchObject({ state: "stopped", closing: true });
    expect((await sent()).map((m) => m.event_id.replace(/\d+$/, "<ms>"))).toEqual(["api:close:<ms>"]);

    for (const action of ["resume", "pause"]) {
      const r = await call("POST", `/followers/${f.id}/${action}`);
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe("CONFLICT");
    }
    // Stopping again changes nothing and sends nothing.
    expect((await call("DELETE", `/followers/${f.id}`)).json).toMatchObject({ state: "stopped", closing: true });
    expect(await sent()).toEqual([]);
    // A stop without close=true is told too.
    const other = await create(paperBody());
    await sent();
    expect((await call("DELETE", `/followers/${other.id}`)).json).toMatchObject({ state: "stopped", closing: false });
    expect((await sent()).map((m) => m.event_id.replace(/\d+$/, "<ms>"))).toEqual(["api:stop:<ms>"]);
    // The stored record went through exactly four writes: created, paused, resumed, stopped.
    expect((await store.get(f.id))?.version).toBe(4);
  });

  it("a pause of an on_pause=close follower closes its positions", async () => {
    const f = await create(paperBody({ on_pause: "close" }));
    await sent();
    expect((await call("POST", `/followers/${f.id}/pause`)).json).toMatchObject({ state: "paused", closing: true });
    expect((await sent()).map((m) => m.event_id.replace(/\d+$/, "<ms>"))).toEqual(["api:close:<ms>"]);
  });

  it("PATCH changes what may change, tracks new leaders, reconciles at once, and names a field fixed at creation (400)", async () => {
    const f = await create(liveBody());
    await sent();
    const C = addr(0xc3);
    expect((await call("GET", `/traders/${C}`)).status).toBe(404);
    const r = await call("PATCH", `/followers/${f.id}`, {
      name: "renamed",
      leaders: [{ address: C, sizing: { mode: "fixed_notional", notional_usd: 250 } }],
      on_pause: "close",
      alerts_webhook_url: "https://hooks.example.com/copy",
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({
      name: "renamed",
      config: {
        name: "renamed",
        leaders: [{ address: C, sizing: { mode: "fixed_notional", notional_usd: "250" } }],
        on_pause: "close",
        alerts_webhook_url: "https://hooks.example.com/copy",
        agent_key_ref: "secretsmanager:hyperliquid-copytrader/agent/alice",
        network: "testnet",
      },
    });
    expect((await call("GET", `/traders/${C}`)).status).toBe(200);
    // The engine is told at once: the new leader, caps and sizing apply from its next run.
    expect((await sent()).map((m) => m.event_id.replace(/\d+$/, "<ms>"))).toEqual(["api:update:<ms>"]);
    expect(await store.followersOf(C)).toContain(f.id);
    expect(await store.followersOf(B)).not.toContain(f.id);

    const fixed = await call("PATCH", `/followers/${f.id}`, { network: "mainnet", agent_key_ref: "env:OTHER" });
    expect(fixed.status).toBe(400);
    expect(fixed.json.error.message).toBe(
      "agent_key_ref: agent_key_ref cannot change after creation: stop this follower and create another; network: network cannot change after creation: stop this follower and create another",
    );
    const paperOnly = await call("PATCH", `/followers/${f.id}`, { taker_fee_rate: "0.0002" });
    expect(paperOnly.status).toBe(400);
    expect(paperOnly.json.error.message).toMatch(/taker_fee_rate: taker_fee_rate is for paper followers only/);
    expect((await call("GET", `/followers/${f.id}`)).json.config.network).toBe("testnet");
    // Refused changes changed nothing: nothing for the engine.
    expect(await sent()).toEqual([]);
  });

  it("returns a live follower's key reference, and no key: not in the answer, not in the table", async () => {
    const f = await create(liveBody());
    expect(f.config).toMatchObject({ account_address: ACCOUNT, agent_key_ref: "secretsmanager:hyperliquid-copytrader/agent/alice", network: "testnet" });
    expect(Object.keys(f.config).filter((k) => /key/i.test(k))).toEqual(["agent_key_ref"]);
    const items = await tables.doc.send(
      new QueryCommand({ TableName: tables.names.followers, KeyConditionExpression: "follower_id = :id", ExpressionAttributeValues: { ":id": f.id } }),
    );
    const stored = JSON.stringify(items.Items);
    expect(stored).toContain('"agent_key_ref":"secretsmanager:hyperliquid-copytrader/agent/alice"');
    expect(stored).not.toMatch(/0x[0-9a-f]{64}/i);
  });

  it("lists followers page by page, each once", async () => {
    const own = new Set<string>();
    for (let i = 0; i < 3; i++) own.add((await create(paperBody({ name: `listed ${i}` }))).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const r = await call("GET", `/followers?limit=2${cursor === undefined ? "" : `&cursor=${cursor}`}`);
      expect(r.status).toBe(200);
      expect(r.json.followers.length).toBeLessThanOrEqual(2);
      seen.push(...r.json.followers.map((f: { id: string }) => f.id));
      cursor = r.json.cursor;
      if (cursor === undefined) break;
    }
    expect(cursor).toBeUndefined();
    expect(seen.filter((id) => own.has(id)).sort()).toEqual([...own].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call("GET", "/followers?limit=101")).status).toBe(400);
    expect((await call("GET", "/followers?cursor=bm9wZQ")).status).toBe(400);
  });

  it("shows the engine's last run: positions at its marks, PnL, fees, copy gap; orders newest first with their delays; equity since", async () => {
    const f = await create(paperBody({ leaders: [{ address: A, sizing: { mode: "fixed_ratio", ratio: "0.1" } }, { address: B, sizing: { mode: "fixed_ratio", ratio: "0.2" } }] }));
    const T = Date.parse("2026-03-01T12:00:00Z");
    const account: CopyAccount = {
      followerId: f.id,
      version: 0,
      memory: {},
      carried: {},
      baseline: { at: T, followerEquityUsd: "10000", leaderEquityUsd: { [A]: "300000", [B]: "70000" } },
      dayStart: null,
      peakEquityUsd: "10123.4567891",
      actual: {
        at: T + 600_000,
        positions: { ETH: { szi: "-0.5", entryPx: "3000" }, BTC: { szi: "0.01", entryPx: "64300" }, SOL: { szi: "2", entryPx: "150" } },
        equityUsd: "10123.4567891",
        realizedPnlUsd: "175.75",
        feesUsd: "1.2345",
        leaderEquityUsd: { [A]: "303000", [B]: "69000" },
        marks: { BTC: "64500", ETH: "3100" },
      },
      lastReconciledAt: T + 600_000,
    };
    const order = (n: number, status: CopyOrder["status"], signalAt: number): CopyOrder => ({
      followerId: f.id,
      cloid: `0x${String(n).padStart(32, "0")}`,
      eventId: `${A}:${n}:BTC`,
      leader: A,
      coin: "BTC",
      side: "buy",
      size: "0.01",
      limitPrice: "64621.5",
      reduceOnly: false,
      status,
      fillPrice: status === "filled" ? "64321.5" : null,
      filledSize: status === "filled" ? "0.01" : null,
      feeUsd: status === "filled" ? "0.28944675" : null,
      oid: status === "filled" ? 77 : null,
      error: null,
      signalAt,
      sentAt: signalAt + 140,
      filledAt: status === "filled" ? signalAt + 390 : null,
    });
    const orders = [order(1, "filled", T + 1_000), order(2, "pending", T + 2_000), order(3, "filled", T + 3_000)];
    expect(await store.commit({ account, orders: orders.slice(0, 2), equity: { time: T, equityUsd: "10000", leaderEquityUsd: { [A]: "300000", [B]: "70000" } } })).toBe("ok");
    expect(await store.commit({ account: { ...account, version: 1 }, orders: orders.slice(2), equity: { time: T + 600_000, equityUsd: "10123.4567891" } })).toBe("ok");

    const view = (await call("GET", `/followers/${f.id}`)).json;
    expect(view).toMatchObject({
      // Sorted by coin; SOL has no mark from that run. BTC: 0.01 × (64500 − 64300) = 2; ETH: −0.5 × (3100 − 3000) = −50.
      positions: [
        { coin: "BTC", szi: "0.01", entry_price: "64300", unrealized_pnl_usd: "2" },
        { coin: "ETH", szi: "-0.5", entry_price: "3000", unrealized_pnl_usd: "-50" },
        { coin: "SOL", szi: "2", entry_price: "150", unrealized_pnl_usd: null },
      ],
      // Shown to 6 decimals, as the exchange shows an account (the copy gap below is from the exact value).
      equity_usd: "10123.456789",
      realized_pnl_usd: "175.75",
      fees_usd: "1.2345",
      last_reconciled_at: "2026-03-01T12:10:00.000Z",
    });
    // follower 10123.4567891 / 10000 − 1 = 0.01234567891 → 0.012346; leaders: A 303000/300000 − 1 = 0.01,
    // B 69000/70000 − 1 = −0.0142857142…, mean −0.0021428571… → −0.002143; gap 0.012346 + 0.002143 = 0.014489.
    expect(view.copy_gap).toEqual({ since: "2026-03-01T12:00:00.000Z", follower_return: "0.012346", leaders_return: "-0.002143", gap: "0.014489" });

    const first = (await call("GET", `/followers/${f.id}/orders?limit=2`)).json;
    expect(first.orders.map((o: { cloid: string }) => o.cloid)).toEqual([orders[2]!.cloid, orders[1]!.cloid]);
    expect(first.orders[0]).toEqual({
      cloid: orders[2]!.cloid,
      event_id: `${A}:3:BTC`,
      leader: A,
      coin: "BTC",
      side: "buy",
      size: "0.01",
      limit_price: "64621.5",
      reduce_only: false,
      status: "filled",
      fill_price: "64321.5",
      filled_size: "0.01",
      fee_usd: "0.289447", // 0.28944675 stored, shown to 6 decimals
      error: null,
      signal_at: "2026-03-01T12:00:03.000Z",
      sent_at: "2026-03-01T12:00:03.140Z",
      filled_at: "2026-03-01T12:00:03.390Z",
      signal_to_order_ms: 140,
      signal_to_fill_ms: 390,
    });
    expect(first.orders[1]).toMatchObject({ status: "pending", signal_to_order_ms: 140, signal_to_fill_ms: null, filled_at: null });
    const second = (await call("GET", `/followers/${f.id}/orders?limit=2&cursor=${first.cursor}`)).json;
    expect(second.orders.map((o: { cloid: string }) => o.cloid)).toEqual([orders[0]!.cloid]);
    expect(second.cursor).toBeUndefined();

    const all = (await call("GET", `/followers/${f.id}/equity?since=2026-03-01T00:00:00Z`)).json;
    expect(all.points).toEqual([
      { time: "2026-03-01T12:00:00.000Z", equity_usd: "10000", leaders_equity_usd: { [A]: "300000", [B]: "70000" } },
      { time: "2026-03-01T12:10:00.000Z", equity_usd: "10123.456789", leaders_equity_usd: {} },
    ]);
    const later = (await call("GET", `/followers/${f.id}/equity?since=2026-03-01T12:00:00.001Z`)).json;
    expect(later.points.map((p: { time: string }) => p.time)).toEqual(["2026-03-01T12:10:00.000Z"]);
    // The default is the last 30 days, counted from the clock: whatever day the test runs on.
    const recent = (await call("GET", `/followers/${f.id}/equity`)).json;
    const monthAgo = Date.now() - 30 * 86_400_000;
    expect(recent.points.length).toBe([T, T + 600_000].filter((t) => t >= monthAgo).length);
    expect((await call("GET", `/followers/${f.id}/equity?since=yesterday`)).status).toBe(400);
  });
});
