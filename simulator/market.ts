import { dec, type Decimal } from "#commons/decimal.js";
import { ValidationError } from "#commons/errors.js";
import { Account, insertByTime, type Leverage, type Position } from "./account.js";
import { type CoinSpec, dexOf } from "./coins.js";
import { accountValueOf, type MarketView } from "./margin.js";
import { applyFill } from "./positions.js";
import { deriveAddress, deriveHash } from "./prng.js";
import { normalizeAddress, positiveDecimal, sizeDecimal } from "./validate.js";
import { roundUsd, usd, wireDec, type Dir, type WireFill, type WireLedgerUpdate, type WireLiquidation, type WireTrade } from "./wire.js";

/**
 * The simulated exchange state: a clock, marks, accounts and each coin's public tape. Every
 * change goes through `execute`, `deposit` or `payFunding`, so fills, positions, ledger and the
 * tape can never disagree.
 */

export interface ExecuteInput {
  user: string;
  coin: string;
  /** Signed decimal string: + buys, − sells. */
  size: string;
  px: string;
  /** Who takes the other side; defaults to the simulator's market maker. */
  counterparty?: string;
  /** Exchange time of the fill; defaults to `now()`. A later time moves the clock forward. */
  time?: number;
  /** True (default) when `user` crossed the book (taker); the counterparty is then the maker. */
  crossed?: boolean;
  /** The user's order id; reuse one with the same time to model an order filling in parts. */
  oid?: number;
  /** Leverage to apply to the user's position in this coin from now on. */
  leverage?: Leverage;
  /**
   * The exchange liquidates `user`: the fill must reduce his position; his fill says
   * `Liquidated Cross Long` (etc.) and both fills carry the `liquidation` object.
   */
  liquidation?: { method: "market" | "backstop" };
}

export interface ExecuteResult {
  fill: WireFill;
  counterpartyFill: WireFill;
  trade: WireTrade;
}

export interface PositionSnapshot {
  coin: string;
  szi: string;
  entryPx: string;
  leverage: Leverage;
}

/** How many public trades per coin are kept for `recentTrades`. */
const KEPT_TRADES = 200;

export const DEFAULT_EPOCH_MS = 1_750_000_000_000;

export class Market implements MarketView {
  private clock: number;
  private nextTid: number;
  private nextOid: number;
  private readonly specs = new Map<string, CoinSpec & { index: number }>();
  private readonly marks = new Map<string, Decimal>();
  /** Bumped whenever a coin's mark moves: cached account views depend on it. */
  private readonly markVersions = new Map<string, number>();
  private readonly accounts = new Map<string, Account>();
  private readonly tapes = new Map<string, WireTrade[]>();
  /** coin → addresses holding a position in it (funding and the crowd need it). */
  readonly holders = new Map<string, Set<string>>();
  readonly marketMaker: string;
  /** Told of every trade once it is on the tape: the WebSocket feed pushes trades as they happen. */
  private readonly tradeObservers = new Set<(trade: WireTrade) => void>();

  constructor(
    readonly seed: number,
    readonly universe: readonly CoinSpec[],
    startTime = DEFAULT_EPOCH_MS,
    /** Let the clock follow wall time too (the demo), instead of moving only when told to. */
    private readonly realTime = false,
  ) {
    this.clock = realTime ? Math.max(startTime, Date.now()) : startTime;
    // Ids in the range the real API uses, derived from the seed so runs are reproducible.
    this.nextTid = 100_000_000_000_000 + (seed % 1000) * 1_000_000;
    this.nextOid = 30_000_000_000 + (seed % 1000) * 1_000_000;
    universe.forEach((spec, index) => {
      this.specs.set(spec.name, { ...spec, index });
      if (!spec.delisted) {
        this.marks.set(spec.name, dec(spec.px));
        this.tapes.set(spec.name, []);
        this.holders.set(spec.name, new Set());
      }
    });
    this.marketMaker = deriveAddress(seed, "market-maker");
    // Deep pockets: the market maker is the default counterparty of every trade.
    this.deposit(this.marketMaker, "1000000000");
  }

  now(): number {
    if (this.realTime) this.clock = Math.max(this.clock, Date.now());
    return this.clock;
  }

  /** The clock follows wall time (the demo, real-time tests). */
  get followsWallTime(): boolean {
    return this.realTime;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new ValidationError(`advance needs ms >= 0, got ${ms}`);
    this.clock = this.now() + Math.floor(ms);
    return this.clock;
  }

  listedCoins(): string[] {
    return [...this.marks.keys()];
  }

  markOf(coin: string): Decimal {
    const mark = this.marks.get(coin);
    if (!mark) throw new ValidationError(`Unknown or delisted coin "${coin}"`);
    return mark;
  }

  assetOf(coin: string): CoinSpec & { index: number } {
    const spec = this.specs.get(coin);
    if (!spec) throw new ValidationError(`Unknown coin "${coin}"`);
    return spec;
  }

  /** Mids of one perp dex's listed coins (`""`: the main dex), as `allMids` with that `dex`. */
  mids(dex = ""): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [coin, px] of this.marks) if (dexOf(coin) === dex) out[coin] = wireDec(px);
    return out;
  }

  /** The builder-deployed dexes of the universe, in listing order (the main dex, `""`, is not one). */
  builderDexes(): string[] {
    return [...new Set(this.universe.map((c) => dexOf(c.name)).filter((d) => d !== ""))];
  }

  /**
   * A fill that is no perp trade, as the fills endpoints return it beside perp fills: an outcome
   * market's settlement (coin `#N`, direction `Settlement`, its payout as closed PnL, booked to
   * cash) or a spot buy (coin `@N`, direction `Buy`, spot's own balance, not the perp account's).
   */
  nonPerpFill(input: { user: string; kind: "settlement" | "spot"; coin: string; px: string; sz: string; closedPnl?: string }): WireFill {
    const account = this.accountFor(input.user);
    const settlement = input.kind === "settlement";
    const closedPnl = dec(input.closedPnl ?? "0");
    const time = this.now();
    const oid = this.nextOid++;
    const fill: WireFill = {
      coin: input.coin,
      px: wireDec(positiveDecimal(input.px, "px")),
      sz: wireDec(positiveDecimal(input.sz, "sz")),
      side: settlement ? "A" : "B",
      time,
      startPosition: settlement ? wireDec(dec(input.sz)) : "0.0",
      dir: settlement ? "Settlement" : "Buy",
      closedPnl: usd(closedPnl),
      hash: deriveHash(this.seed, `order:${oid}`),
      oid,
      crossed: true,
      fee: "0.0",
      tid: this.nextTid++,
      feeToken: "USDC",
    };
    if (settlement) {
      account.version++;
      account.balance = account.balance.plus(closedPnl);
    }
    account.addFill(fill);
    this.record(account, time);
    return fill;
  }

  setMark(coin: string, px: string): void {
    this.markOf(coin);
    this.moveMark(coin, positiveDecimal(px, "px"));
  }

  markVersion(coin: string): number {
    return this.markVersions.get(coin) ?? 0;
  }

  private moveMark(coin: string, px: Decimal): void {
    this.marks.set(coin, px);
    this.markVersions.set(coin, this.markVersion(coin) + 1);
  }

  /** A new order id, for an order that never traded (the exchange numbers rejected orders too). */
  newOid(): number {
    return this.nextOid++;
  }

  account(address: string): Account | undefined {
    return this.accounts.get(address.toLowerCase());
  }

  tape(coin: string): readonly WireTrade[] {
    return this.tapes.get(coin) ?? [];
  }

  /** Calls `observer` with every trade from now on (tests, the crowd, anything that trades); returns the unsubscribe. */
  onTrade(observer: (trade: WireTrade) => void): () => void {
    this.tradeObservers.add(observer);
    return () => this.tradeObservers.delete(observer);
  }

  positionOf(user: string, coin: string): PositionSnapshot | null {
    const p = this.account(user)?.positions.get(coin);
    return p ? { coin, szi: wireDec(p.szi), entryPx: wireDec(p.entryPx), leverage: { ...p.leverage } } : null;
  }

  deposit(user: string, usdc: string): void {
    const account = this.accountFor(user);
    const amount = positiveDecimal(usdc, "usdc");
    account.version++;
    account.balance = account.balance.plus(amount);
    account.netDeposits = account.netDeposits.plus(amount);
    const time = this.now();
    account.ledger.push({
      time,
      hash: deriveHash(this.seed, `deposit:${account.address}:${account.ledger.length}`),
      delta: { type: "deposit", usdc: usd(amount) },
    });
    this.record(account, time);
  }

  /**
   * Appends a ledger entry as given, moving no balance: for the entries the exchange may send that
   * the app must cope with (a type it does not know, a field in an unexpected form).
   */
  recordLedgerUpdate(user: string, delta: WireLedgerUpdate["delta"]): void {
    const account = this.accountFor(user);
    account.ledger.push({
      time: this.now(),
      hash: deriveHash(this.seed, `ledger:${account.address}:${account.ledger.length}`),
      delta: structuredClone(delta),
    });
  }

  /** Makes `address` a vault (userRole answers "vault"); it trades like any account. */
  createVault(address: string): void {
    this.accountFor(address).isVault = true;
  }

  /**
   * `depositor` puts `usdc` into `vault`: the vault's value and net deposits rise (its PnL does
   * not), and both ledgers show a `vaultDeposit` naming the vault. The depositor's side leaves its
   * perp account; the depositor need not be known to the simulator otherwise.
   */
  vaultDeposit(vault: string, depositor: string, usdc: string): void {
    const target = this.account(vault);
    if (!target?.isVault) throw new ValidationError(`${vault} is not a vault`);
    const amount = positiveDecimal(usdc, "usdc");
    const time = this.now();
    const delta = { type: "vaultDeposit" as const, vault: target.address, usdc: usd(amount) };
    for (const [account, sign] of [
      [target, 1],
      [this.accountFor(depositor), -1],
    ] as const) {
      account.version++;
      const moved = sign > 0 ? amount : amount.neg();
      account.balance = account.balance.plus(moved);
      account.netDeposits = account.netDeposits.plus(moved);
      account.ledger.push({ time, hash: deriveHash(this.seed, `vaultDeposit:${account.address}:${account.ledger.length}`), delta });
      this.record(account, time);
    }
  }

  /** `userRole`: a vault, a known user, or an address the exchange never saw. */
  roleOf(address: string): "user" | "vault" | "missing" {
    const account = this.account(address);
    return account === undefined ? "missing" : account.isVault ? "vault" : "user";
  }

  setLeverage(user: string, coin: string, leverage: Leverage): void {
    const spec = this.assetOf(coin);
    if (!Number.isInteger(leverage.value) || leverage.value < 1 || leverage.value > spec.maxLeverage) {
      throw new ValidationError(`Leverage for ${coin} must be an integer in [1, ${spec.maxLeverage}]`);
    }
    const account = this.accountFor(user);
    account.version++;
    account.leverageByCoin.set(coin, { ...leverage });
    const open = account.positions.get(coin);
    if (open) open.leverage = { ...leverage };
  }

  execute(input: ExecuteInput): ExecuteResult {
    const user = normalizeAddress(input.user, "user");
    const counterparty = normalizeAddress(input.counterparty ?? this.marketMaker, "counterparty");
    if (user === counterparty) throw new ValidationError("A trade needs two different users");
    const spec = this.assetOf(input.coin);
    if (spec.delisted) throw new ValidationError(`${input.coin} is delisted`);
    const size = sizeDecimal(input.size, spec.szDecimals);
    const px = positiveDecimal(input.px, "px");
    if (input.leverage) this.setLeverage(user, input.coin, input.leverage);
    if (input.time !== undefined && input.time > this.now()) this.clock = input.time;
    const time = input.time ?? this.now();
    const crossed = input.crossed ?? true;
    const liquidation = input.liquidation && this.liquidationOf(user, spec.name, size, input.liquidation.method);

    const tid = this.nextTid++;
    const userOid = input.oid ?? this.nextOid++;
    const counterOid = this.nextOid++;
    // Both fills and the public trade carry the hash of the taker's order transaction.
    const hash = deriveHash(this.seed, `order:${crossed ? userOid : counterOid}`);
    const fill = this.fillFor(user, spec.name, size, px, { time, tid, oid: userOid, hash, crossed, ...liquidation });
    const counterpartyFill = this.fillFor(counterparty, spec.name, size.neg(), px, {
      time,
      tid,
      oid: counterOid,
      hash,
      crossed: !crossed,
      ...(liquidation && { liquidation: liquidation.liquidation }),
    });
    const buyer = size.gt(0) ? user : counterparty;
    const seller = size.gt(0) ? counterparty : user;
    const trade: WireTrade = {
      coin: spec.name,
      side: crossed ? fill.side : counterpartyFill.side,
      px: wireDec(px),
      sz: wireDec(size.abs()),
      time,
      hash,
      tid,
      users: [buyer, seller],
    };
    const tape = this.tapes.get(spec.name) as WireTrade[];
    insertByTime(tape, trade);
    if (tape.length > KEPT_TRADES * 2) tape.splice(0, tape.length - KEPT_TRADES);
    // The last trade moves the mark: positions are valued where the market just traded.
    this.moveMark(spec.name, px);
    this.record(this.accountFor(user), time);
    this.record(this.accountFor(counterparty), time);
    // Last, once fills, positions and the tape agree: an observer may read any of them.
    for (const observe of this.tradeObservers) observe(trade);
    return { fill, counterpartyFill, trade };
  }

  /** Pays one funding interval on every open position of `coins` (all listed coins by default). */
  payFunding(rate: string, coins: readonly string[] = this.listedCoins()): number {
    const fundingRate = dec(rate);
    const time = this.now();
    const touched = new Set<Account>();
    let payments = 0;
    for (const coin of coins) {
      const mark = this.markOf(coin);
      for (const address of this.holders.get(coin) ?? []) {
        const account = this.accounts.get(address) as Account;
        const p = account.positions.get(coin) as Position;
        // Longs pay shorts when the rate is positive.
        const usdc = roundUsd(p.szi.times(mark).times(fundingRate).neg());
        account.settleFunding(coin, usdc);
        account.funding.push({
          time,
          hash: deriveHash(this.seed, `funding:${address}:${coin}:${time}`),
          delta: {
            type: "funding",
            coin,
            usdc: usd(usdc),
            szi: wireDec(p.szi),
            fundingRate: wireDec(fundingRate),
            nSamples: 1,
          },
        });
        touched.add(account);
        payments++;
      }
    }
    for (const account of touched) this.record(account, time);
    return payments;
  }

  /** A liquidation closes (part of) the position; it never opens or flips one. */
  private liquidationOf(user: string, coin: string, size: Decimal, method: WireLiquidation["method"]) {
    const p = this.account(user)?.positions.get(coin);
    if (!p || p.szi.gt(0) === size.gt(0) || size.abs().gt(p.szi.abs())) {
      throw new ValidationError(`A liquidation must reduce ${user}'s ${coin} position`);
    }
    const margin = p.leverage.type === "isolated" ? "Isolated" : "Cross";
    const dir: Dir = `Liquidated ${margin} ${p.szi.gt(0) ? "Long" : "Short"}`;
    return { dir, liquidation: { liquidatedUser: user, markPx: wireDec(this.markOf(coin)), method } };
  }

  private fillFor(
    address: string,
    coin: string,
    size: Decimal,
    px: Decimal,
    meta: { time: number; tid: number; oid: number; hash: string; crossed: boolean; dir?: Dir; liquidation?: WireLiquidation },
  ): WireFill {
    const account = this.accountFor(address);
    const outcome = applyFill(account.positions.get(coin) ?? null, size, px, meta.crossed);
    const holds = account.settleFill(coin, size.abs().times(px), outcome, this.defaultLeverage(coin));
    const holders = this.holders.get(coin) as Set<string>;
    if (holds) holders.add(address);
    else holders.delete(address);
    const fill: WireFill = {
      coin,
      px: wireDec(px),
      sz: wireDec(size.abs()),
      side: outcome.side,
      time: meta.time,
      startPosition: wireDec(outcome.startPosition),
      dir: meta.dir ?? outcome.dir,
      closedPnl: usd(outcome.closedPnl),
      hash: meta.hash,
      oid: meta.oid,
      crossed: meta.crossed,
      fee: usd(outcome.fee),
      tid: meta.tid,
      feeToken: "USDC",
      ...(meta.liquidation && { liquidation: meta.liquidation }),
    };
    account.addFill(fill);
    return fill;
  }

  /** The exchange's default: 20x cross, or the asset's maximum when that is lower. */
  private defaultLeverage(coin: string): Leverage {
    return { type: "cross", value: Math.min(20, this.assetOf(coin).maxLeverage) };
  }

  private accountFor(address: string): Account {
    const key = normalizeAddress(address, "user");
    let account = this.accounts.get(key);
    if (!account) {
      account = new Account(key);
      this.accounts.set(key, account);
    }
    return account;
  }

  private record(account: Account, time: number): void {
    account.addHistory({
      time,
      accountValue: accountValueOf(account, (coin) => this.markOf(coin)),
      netDeposits: account.netDeposits,
      cumVlm: account.cumVlm,
    });
  }
}
