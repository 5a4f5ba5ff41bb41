import { describe, expect, it } from "vitest";
import { ExchangeSchemaError, ExchangeUnavailableError, BudgetTimeoutError } from "#hyperliquid/errors.js";
import { syncTraderHistory, type HistorySyncDeps } from "#domain/history/sync.js";
import { recordingLogger } from "../../support/logger.js";
import { A, FakeExchange, MemoryHistoryStore, deposit, fill, fills, funding } from "./fakes.js";

const HOUR = 3_600_000;
const T0 = 1_750_000_000_000;

const setup = () => {
  const exchange = new FakeExchange();
  const store = new MemoryHistoryStore();
  const clock = { t: T0 + 100 * HOUR };
  const log = recordingLogger();
  const deps: HistorySyncDeps = { exchange, store, fills: store, now: () => clock.t, logger: log.logger };
  return { exchange, store, clock, deps, log };
};

const tidsOf = (fs: { tid: number }[]) => fs.map((f) => f.tid);

describe("syncTraderHistory: fills", () => {
  it("backfills more than a page over several calls, one page each, without losing a millisecond split by a page", async () => {
    const { exchange, store, deps } = setup();
    // Three fills per millisecond: 2,000 is not a multiple of 3, so every page ends inside one.
    exchange.addFills(fills(4_500, T0, 3));
    const starts: number[] = [];
    for (let call = 0; call < 3; call++) {
      const r = await syncTraderHistory(deps, A, { maxPages: 1 });
      expect(r.fills?.pages).toBe(1);
      starts.push(exchange.calls.filter((c) => c.type === "userFillsByTime").at(-1)?.startTime ?? -1);
    }
    // First from 0, then each time from the last stored fill's millisecond (not one past it):
    // page 2 starts with fills 1,998 and 1,999 (that millisecond) again, so it ends at fill 3,997.
    const timeOf = (i: number) => exchange.fills[i]?.time;
    expect(starts).toEqual([0, timeOf(1_999), timeOf(3_997)]);
    expect(store.tids()).toEqual(tidsOf(exchange.fills));
    expect(store.fillWrites).toBe(4_500);
    expect((await store.getSyncState(A))?.fills).toMatchObject({ caughtUp: true, cursor: exchange.fills.at(-1)?.time });
  });

  it("keeps the whole reachable history in one call with the default page limit: the 10,000 most recent fills", async () => {
    const { exchange, store, deps } = setup();
    exchange.addFills(fills(10_300, T0));
    const r = await syncTraderHistory(deps, A);
    // Each page after the first re-reads the previous page's last millisecond: six pages, not five.
    expect(r.fills).toMatchObject({ pages: 6, caughtUp: true, stored: 10_000 });
    expect(store.tids()).toEqual(tidsOf(exchange.fills.slice(-10_000)));
  });

  it("a sync with nothing new fetches one page and writes no fill; new fills, also in the cursor's millisecond, are added", async () => {
    const { exchange, store, deps } = setup();
    exchange.addFills(fills(30, T0));
    await syncTraderHistory(deps, A);
    const idle = await syncTraderHistory(deps, A);
    expect(idle.fills).toMatchObject({ pages: 1, stored: 0, caughtUp: true });
    expect(store.fillWrites).toBe(30);

    const lastTime = exchange.fills.at(-1)?.time ?? 0;
    const later = [fill(lastTime), fill(lastTime + 5), fill(lastTime + 5)];
    exchange.addFills(later);
    const next = await syncTraderHistory(deps, A);
    expect(next.fills).toMatchObject({ pages: 1, stored: 3 });
    expect(store.tids()).toEqual(tidsOf(exchange.fills));
  });

  it("a full page within one millisecond moves past it (and says so) instead of looping", async () => {
    const { exchange, store, deps, log } = setup();
    exchange.addFills([...fills(2_500, T0, 2_500), ...fills(10, T0 + 1)]);
    const r = await syncTraderHistory(deps, A);
    expect(r.fills).toMatchObject({ pages: 2, caughtUp: true, skippedMilliseconds: [T0] });
    // 2,000 of the millisecond (all the API can return) and everything after it.
    expect(store.storedFills.size).toBe(2_010);
    expect(log.entries.some((e) => e.level === "warn" && e.message.includes("one millisecond"))).toBe(true);
  });

  it("moves its cursor over spot fills but stores only perpetual ones", async () => {
    const { exchange, store, deps } = setup();
    exchange.addFills([fill(T0), fill(T0 + 1, { coin: "@107", dir: "Buy" }), fill(T0 + 2, { coin: "PURR/USDC", dir: "Sell" })]);
    const r = await syncTraderHistory(deps, A);
    expect(r.fills?.stored).toBe(1);
    expect((await store.getSyncState(A))?.fills.cursor).toBe(T0 + 2);
  });

  it("skips the fills when the trader had no activity since they caught up", async () => {
    const { exchange, deps, clock } = setup();
    exchange.addFills(fills(5, T0));
    await syncTraderHistory(deps, A);
    exchange.calls.length = 0;
    const quiet = await syncTraderHistory(deps, A, { lastActivityAt: clock.t - 1 });
    expect(quiet.fills).toBeNull();
    clock.t += 1_000;
    const busy = await syncTraderHistory(deps, A, { lastActivityAt: clock.t - 1 });
    expect(busy.fills?.pages).toBe(1);
    expect(exchange.calls.map((c) => c.type)).toEqual(["userFillsByTime"]);
  });
});

describe("syncTraderHistory: stopping and resuming", () => {
  it("a budget refusal mid-backfill stops cleanly; the next call resumes from the saved cursor", async () => {
    const { exchange, store, deps } = setup();
    exchange.addFills(fills(5_000, T0));
    let fillCalls = 0;
    exchange.failWith = (c) =>
      c.type === "userFillsByTime" && ++fillCalls === 2 ? new BudgetTimeoutError("history", 20, 65_000) : undefined;
    const stopped = await syncTraderHistory(deps, A);
    expect(stopped.stopped).toBe("budget");
    expect(stopped.fills).toMatchObject({ pages: 1, stored: 2_000, caughtUp: false });
    // Ledger and portfolio came first and are done.
    expect(stopped.ledger?.caughtUp).toBe(true);
    expect(stopped.portfolioRefreshed).toBe(true);

    exchange.calls.length = 0;
    const resumed = await syncTraderHistory(deps, A, { lastActivityAt: null });
    expect(resumed.stopped).toBeNull();
    expect(exchange.calls.map((c) => c.type)).toEqual(["userFillsByTime", "userFillsByTime"]);
    expect(exchange.calls[0]?.startTime).toBe(stopped.state.fills.cursor);
    expect(resumed.fills).toMatchObject({ stored: 3_000, caughtUp: true });
    expect(store.tids()).toEqual(tidsOf(exchange.fills));
  });

  it("an aborted run stops without a request", async () => {
    const { exchange, deps } = setup();
    exchange.addFills(fills(5, T0));
    const r = await syncTraderHistory(deps, A, { signal: AbortSignal.abort() });
    expect(r.stopped).toBe("aborted");
    expect(exchange.calls).toEqual([]);
  });

  it("records an exchange failure of the fills, and the pages before it stay saved", async () => {
    const { exchange, store, deps } = setup();
    exchange.addFills(fills(4_500, T0));
    let fillCalls = 0;
    exchange.failWith = (c) =>
      c.type === "userFillsByTime" && ++fillCalls === 2 ? new ExchangeUnavailableError("userFillsByTime", 5, "HTTP 502") : undefined;
    const r = await syncTraderHistory(deps, A);
    expect(r.failed).toEqual({ fills: "userFillsByTime: gave up after 5 attempt(s); last: HTTP 502" });
    expect(r.stopped).toBeNull();
    expect((await store.getSyncState(A))?.fills.cursor).toBe(exchange.fills[1_999]?.time);
    expect(store.storedFills.size).toBe(2_000);
  });

  it("goes on with the fills when the ledger's answer cannot be read, and keeps the portfolio until the ledger covers it", async () => {
    const { exchange, store, deps, log, clock } = setup();
    exchange.addFills(fills(30, T0));
    exchange.failWith = (c) => (c.type === "userNonFundingLedgerUpdates" ? new ExchangeSchemaError("userNonFundingLedgerUpdates", A, "expected decimal string", "3.delta.fee") : undefined);
    const r = await syncTraderHistory(deps, A);
    expect(Object.keys(r.failed)).toEqual(["ledger"]);
    expect(r.fills).toMatchObject({ caughtUp: true, stored: 30 });
    expect(store.storedFills.size).toBe(30);
    // A portfolio newer than the flows would count a deposit as a return: not fetched.
    expect(r.portfolioRefreshed).toBe(false);
    expect(exchange.calls.some((c) => c.type === "portfolio")).toBe(false);
    expect(log.entries.some((e) => e.level === "warn" && e.message.startsWith("A history source failed"))).toBe(true);
    // Remembered from its first failure on, for the trader's data freshness.
    const failedAt = clock.t;
    expect((await store.getSyncState(A))?.failingSince).toEqual({ ledger: failedAt });
    clock.t += HOUR;
    await syncTraderHistory(deps, A);
    expect((await store.getSyncState(A))?.failingSince).toEqual({ ledger: failedAt });
    // Once the ledger reads again, everything is brought up to date.
    exchange.failWith = undefined;
    const again = await syncTraderHistory(deps, A);
    expect(again.failed).toEqual({});
    expect(again.portfolioRefreshed).toBe(true);
    expect((await store.getSyncState(A))?.failingSince).toEqual({});
  });

  it("every call goes through the history lane", async () => {
    const { exchange, deps } = setup();
    exchange.addFills(fills(5, T0));
    await syncTraderHistory(deps, A);
    expect(exchange.calls.map((c) => c.type)).toEqual(["userNonFundingLedgerUpdates", "portfolio", "userRole", "userFunding", "userFillsByTime"]);
    expect(new Set(exchange.calls.map((c) => c.lane))).toEqual(new Set(["history"]));
  });
});

describe("syncTraderHistory: ledger and portfolio", () => {
  it("pages the ledger (500 per answer) and stores each entry as a LedgerEntry, extra fields dropped", async () => {
    const { exchange, store, deps } = setup();
    exchange.ledger = Array.from({ length: 1_100 }, (_, i) => deposit(T0 + Math.floor(i / 2), String(i + 1), `0x${i}`));
    const r = await syncTraderHistory(deps, A);
    expect(r.ledger).toMatchObject({ pages: 3, stored: 1_100, caughtUp: true });
    const { ledger } = await store.loadTraderHistory(A);
    expect(ledger).toEqual(exchange.ledger);
  });

  it("sets aside entries it cannot read, counts and logs each once, and pages on past them", async () => {
    const { exchange, store, deps, log, clock } = setup();
    // 700 readable entries, two a millisecond, and two the exchange sent in a form we cannot read:
    // one inside the first page, one at its very end (the first page is full only by counting it).
    exchange.ledger = Array.from({ length: 700 }, (_, i) => deposit(T0 + Math.floor(i / 2), String(i + 1), `0x${i}`));
    exchange.unreadable = [
      { time: T0 + 100, hash: "0xbad1", reason: "delta.usdc: expected decimal string, got number" },
      { time: T0 + 249, hash: "0xbad2", reason: "delta.fee: expected decimal string, got null" },
    ];
    const r = await syncTraderHistory(deps, A);
    expect(r.ledger).toMatchObject({ pages: 2, stored: 700, caughtUp: true, setAside: 2 });
    expect(r.failed).toEqual({});
    // The ledger did not fail, so the portfolio was refreshed with it.
    expect(r.portfolioRefreshed).toBe(true);
    expect((await store.loadTraderHistory(A)).ledger).toEqual(exchange.ledger);
    const warnings = log.entries.filter((e) => e.message.startsWith("A history entry could not be read"));
    expect(warnings.map((w) => (w.extra[0] as { hash: string }).hash)).toEqual(["0xbad1", "0xbad2"]);

    // Read again from the cursor's millisecond, the entries set aside there are not counted twice.
    exchange.ledger.push(deposit(T0 + 400, "1", "0xnew"));
    clock.t += 1;
    const again = await syncTraderHistory(deps, A, { ledgerMaxAgeMs: 0 });
    expect(again.ledger).toMatchObject({ stored: 1, setAside: 0 });
  });

  it("stores every portfolio period without `vlm`, and refetches portfolio and ledger only once stale", async () => {
    const { exchange, store, deps, clock } = setup();
    const period = { accountValueHistory: [[T0, "100.0"]] as [number, string][], pnlHistory: [[T0, "0.0"]] as [number, string][], vlm: "5.0" };
    exchange.portfolioAnswer = [
      ["day", period],
      ["perpAllTime", { ...period, accountValueHistory: [[T0, "100.0"], [T0 + 1, "90.5"]] }],
    ];
    await syncTraderHistory(deps, A);
    expect(store.portfolio).toEqual({
      fetchedAt: clock.t,
      periods: {
        day: { accountValueHistory: [[T0, "100.0"]], pnlHistory: [[T0, "0.0"]] },
        perpAllTime: { accountValueHistory: [[T0, "100.0"], [T0 + 1, "90.5"]], pnlHistory: [[T0, "0.0"]] },
      },
    });

    exchange.calls.length = 0;
    clock.t += HOUR;
    await syncTraderHistory(deps, A, { lastActivityAt: null });
    expect(exchange.calls).toEqual([]);
    clock.t += 4 * HOUR;
    await syncTraderHistory(deps, A, { lastActivityAt: null });
    expect(exchange.calls.map((c) => c.type)).toEqual(["userNonFundingLedgerUpdates", "portfolio", "userFunding"]);
  });
});

describe("syncTraderHistory: funding and role", () => {
  it("pages funding (500 per answer) from its own cursor and stores each payment by time and coin, signed as paid", async () => {
    const { exchange, store, deps, clock } = setup();
    // Two coins paid at each hour: 1,100 payments, so pages end inside an hour.
    exchange.funding = Array.from({ length: 1_100 }, (_, i) => funding(T0 + Math.floor(i / 2) * HOUR, i % 2 === 0 ? "BTC" : "ETH", i % 3 === 0 ? "-0.25" : "1.5"));
    const r = await syncTraderHistory(deps, A);
    expect(r.funding).toMatchObject({ pages: 3, stored: 1_100, caughtUp: true });
    const { funding: stored } = await store.loadTraderHistory(A);
    expect(stored).toEqual(exchange.funding.map((f) => ({ time: f.time, coin: f.delta.coin, usdc: f.delta.usdc })));
    expect((await store.getSyncState(A))?.funding).toMatchObject({ caughtUp: true, cursor: exchange.funding.at(-1)?.time });
    // Nothing new: one request from the cursor, nothing written again.
    exchange.calls.length = 0;
    clock.t += 1;
    const again = await syncTraderHistory(deps, A, { fundingMaxAgeMs: 0, lastActivityAt: null });
    expect(again.funding).toMatchObject({ pages: 1, stored: 0 });
    expect(exchange.calls.find((c) => c.type === "userFunding")?.startTime).toBe(exchange.funding.at(-1)?.time);
  });

  it("records a funding failure and goes on with the fills", async () => {
    const { exchange, store, deps } = setup();
    exchange.addFills(fills(10, T0));
    exchange.failWith = (c) => (c.type === "userFunding" ? new ExchangeSchemaError("userFunding", A, "expected decimal string", "0.delta.usdc") : undefined);
    const r = await syncTraderHistory(deps, A);
    expect(Object.keys(r.failed)).toEqual(["funding"]);
    expect(r.fills).toMatchObject({ stored: 10 });
    expect(store.storedFills.size).toBe(10);
  });

  it("asks the role once, keeps it in the sync state, and the stored history carries it", async () => {
    const { exchange, store, deps, clock } = setup();
    exchange.role = "vault";
    const r = await syncTraderHistory(deps, A);
    expect(r.roleRefreshed).toBe(true);
    expect((await store.getSyncState(A))?.role).toEqual({ role: "vault", fetchedAt: clock.t });
    expect((await store.loadTraderHistory(A)).role).toBe("vault");
    clock.t += 24 * HOUR;
    exchange.calls.length = 0;
    await syncTraderHistory(deps, A);
    expect(exchange.count("userRole")).toBe(0);
  });
});
