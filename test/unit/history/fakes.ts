import type { Address } from "#domain/address.js";
import type { CallOptions, Fill } from "#domain/exchange.js";
import { dedupeFills } from "#domain/fills.js";
import type { FundingUpdate, HistoryExchange, HistoryStore, HistorySyncState, PortfolioPeriod, SetAsideEntry, StreamCursor } from "#domain/history/ports.js";
import type { FundingPayment, LedgerEntry, PortfolioHistory } from "#domain/metrics/types.js";
import type { FillStore } from "#domain/ports.js";

/**
 * In-memory fakes of OUR ports (not of AWS or the exchange's wire), for the pure sync logic. The
 * exchange fake follows the API's paging rules: oldest first from startTime, 2,000 fills or 500
 * ledger entries per answer, fills only among the 10,000 most recent.
 */

export const A = "0x00000000000000000000000000000000000000a1" as Address;

let nextTid = 1_000;

export const fill = (time: number, f: Partial<Fill> = {}): Fill => {
  const tid = f.tid ?? nextTid++;
  return {
    coin: "BTC",
    px: "60000",
    sz: "0.01",
    side: "B",
    time,
    startPosition: "0",
    dir: "Open Long",
    closedPnl: "0",
    hash: `0xh${tid}`,
    oid: tid,
    tid,
    fee: "0.27",
    feeToken: "USDC",
    crossed: true,
    ...f,
  };
};

/** `n` fills, `perMs` of them in each millisecond from `start` (so pages split milliseconds). */
export const fills = (n: number, start: number, perMs = 1): Fill[] =>
  Array.from({ length: n }, (_, i) => fill(start + Math.floor(i / perMs)));

/** A stream cursor that caught up at `at` (its cursor on that millisecond). */
export const caughtUpAt = (at: number): StreamCursor => ({ cursor: at, seen: [], caughtUp: true, syncedAt: at });

/** A trader whose every source synced at `at`, nothing failing; `over` changes what a test needs. */
export const syncedState = (at: number, over: Partial<HistorySyncState> = {}): HistorySyncState => ({
  fills: caughtUpAt(at),
  ledger: caughtUpAt(at),
  funding: caughtUpAt(at),
  portfolioFetchedAt: at,
  failingSince: {},
  role: { role: "user", fetchedAt: at },
  ...over,
});

export const deposit = (time: number, usdc: string, hash = `0xd${time}`): LedgerEntry => ({
  time,
  hash,
  delta: { type: "deposit", usdc },
});

/** A funding payment as userFunding answers it (`usdc` signed for the user). */
export const funding = (time: number, coin: string, usdc: string): FundingUpdate => ({
  time,
  hash: `0xf${time}${coin}`,
  delta: { type: "funding", coin, usdc, szi: "1.0", fundingRate: "0.0000125", nSamples: null },
});

export interface Call {
  type: "userFillsByTime" | "userNonFundingLedgerUpdates" | "portfolio" | "userFunding" | "userRole";
  startTime?: number;
  lane: string;
}

export class FakeExchange implements HistoryExchange {
  fills: Fill[] = [];
  ledger: LedgerEntry[] = [];
  /** Entries that cannot be read, served in time order with the ledger and counted against its page of 500. */
  unreadable: SetAsideEntry[] = [];
  portfolioAnswer: [string, PortfolioPeriod & { vlm: string }][] = [];
  funding: FundingUpdate[] = [];
  role = "user";
  readonly calls: Call[] = [];
  /** Throw this from the next call for which it returns an error. */
  failWith: ((call: Call, index: number) => Error | undefined) | undefined;

  private record(call: Call): void {
    this.calls.push(call);
    const error = this.failWith?.(call, this.calls.length - 1);
    if (error) throw error;
  }

  addFills(more: Fill[]): void {
    this.fills = dedupeFills([...this.fills, ...more]);
  }

  async userFillsByTime(_user: string, startTime: number, _end: number | undefined, o: CallOptions): Promise<Fill[]> {
    this.record({ type: "userFillsByTime", startTime, lane: o.lane });
    return this.fills.slice(-10_000).filter((f) => f.time >= startTime).slice(0, 2_000);
  }

  async userNonFundingLedgerUpdates(_user: string, startTime: number, _end: number | undefined, o: CallOptions) {
    this.record({ type: "userNonFundingLedgerUpdates", startTime, lane: o.lane });
    // Extra fields the exchange may add must not be stored.
    const all = [
      ...this.ledger.map((e) => ({ time: e.time, entry: { ...e, extra: "x" } as LedgerEntry })),
      ...this.unreadable.map((aside) => ({ time: aside.time ?? startTime, aside })),
    ].sort((a, b) => a.time - b.time);
    const page = all.filter((e) => e.time >= startTime).slice(0, 500);
    return {
      entries: page.flatMap((e) => ("entry" in e ? [e.entry] : [])),
      setAside: page.flatMap((e) => ("aside" in e ? [e.aside] : [])),
    };
  }

  async portfolio(_user: string, o: CallOptions) {
    this.record({ type: "portfolio", lane: o.lane });
    return this.portfolioAnswer;
  }

  async userFunding(_user: string, startTime: number, _end: number | undefined, o: CallOptions) {
    this.record({ type: "userFunding", startTime, lane: o.lane });
    return this.funding.filter((e) => e.time >= startTime).slice(0, 500);
  }

  async userRole(_user: string, o: CallOptions) {
    this.record({ type: "userRole", lane: o.lane });
    return { role: this.role };
  }

  count(type: Call["type"]): number {
    return this.calls.filter((c) => c.type === type).length;
  }
}

export class MemoryHistoryStore implements HistoryStore, FillStore {
  readonly states = new Map<string, HistorySyncState>();
  readonly storedFills = new Map<string, Fill>();
  readonly ledger = new Map<string, LedgerEntry>();
  readonly funding = new Map<string, FundingPayment>();
  portfolio: PortfolioHistory | null = null;
  fillWrites = 0;
  stateWrites = 0;

  async getSyncState(address: Address) {
    const s = this.states.get(address);
    return s === undefined ? null : structuredClone(s);
  }
  async saveSyncState(address: Address, state: HistorySyncState) {
    this.stateWrites++;
    this.states.set(address, structuredClone(state));
  }
  async putFills(_address: Address, fs: readonly Fill[]) {
    this.fillWrites += fs.length;
    for (const f of fs) this.storedFills.set(`${f.time}#${f.tid}`, f);
    return fs.length;
  }
  async putLedger(_address: Address, entries: readonly LedgerEntry[]) {
    for (const e of entries) this.ledger.set(`${e.time}#${e.hash}`, e);
    return entries.length;
  }
  async putFunding(_address: Address, payments: readonly FundingPayment[]) {
    for (const p of payments) this.funding.set(`${p.time}#${p.coin}`, p);
    return payments.length;
  }
  async putPortfolio(_address: Address, p: PortfolioHistory) {
    this.portfolio = structuredClone(p);
  }
  async loadTraderHistory(address: Address) {
    return {
      funding: [...this.funding.values()].sort((a, b) => a.time - b.time),
      role: this.states.get(address)?.role?.role ?? null,
      fills: dedupeFills([...this.storedFills.values()]),
      ledger: [...this.ledger.values()].sort((a, b) => a.time - b.time),
      portfolio: this.portfolio,
    };
  }
  tids(): number[] {
    return dedupeFills([...this.storedFills.values()]).map((f) => f.tid);
  }
}
