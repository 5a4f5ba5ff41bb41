import type { Server } from "node:http";
import { dec } from "#commons/decimal.js";
import { ValidationError } from "#commons/errors.js";
import { buildUniverse } from "./coins.js";
import { Crowd, type PopulateOptions } from "./crowd.js";
import { ExchangeDesk, type ExchangeDeskOptions } from "./exchange.js";
import { Faults, type FaultConfig } from "./faults.js";
import { OrderLog } from "./orders.js";
import { DEFAULT_EPOCH_MS, Market, type ExecuteInput, type ExecuteResult, type PositionSnapshot } from "./market.js";
import type { Leverage } from "./account.js";
import { recentTrades } from "./info.js";
import { createPrng } from "./prng.js";
import { close, handleInfo, listen, type Answered, type InfoEndpoint, type Reply } from "./server.js";
import { StatsRecorder, type SimulatorStats } from "./stats.js";
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS, EXCHANGE_STREAM_LIMITS, TradeStream, type StreamLimits } from "./stream.js";
import type { StreamStats } from "./stream-stats.js";
import { EXCHANGE_WEIGHT_PER_MINUTE, WeightLimit } from "./weight-limit.js";
import { wireDec, type WireFill } from "./wire.js";

export interface SimulatorOptions {
  /** Seeds every random choice (traders, trades, faults). Default 1. */
  seed?: number;
  /** Added to every answer, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Tradable perpetuals; default: the built-in universe. Delisted assets are always listed too. */
  coins?: string[];
  /** Add the builder-deployed dex `xyz` (`xyz:TSLA`, `xyz:NVDA`) to the default universe. */
  builderDexes?: boolean;
  /** Users whose clearinghouseState comes back in the 2023 shape (maxTradeSzs, no time/cumFunding). */
  oldShapeUsers?: string[];
  /** Simulated time at creation. Default 1_750_000_000_000 (or now, with `realTime`). */
  startTime?: number;
  /**
   * Let the clock also follow wall time (never going back), for the demo whose consumers ask for
   * "the last N minutes" by Date.now(). Off by default: tests want a clock that moves only when told.
   */
  realTime?: boolean;
  /** How many trades `recentTrades` returns per coin, newest first. Default 10. */
  recentTradesLimit?: number;
  /**
   * The exchange's rule: weight one client (IP) may spend in any 60 s before it is answered 429.
   * Default 1,200, as on the real exchange; `Infinity` turns it off (for benchmarks that raise
   * our own budget far beyond it).
   */
  weightPerMinute?: number;
  /** The WebSocket closes a connection it has received no message from for this long. Default 60 s, as on the exchange. */
  streamIdleTimeoutMs?: number;
  /**
   * The exchange's per-IP WebSocket rules: 10 connections, 30 new connections a minute, 1,000
   * subscriptions, 2,000 messages sent a minute. Override any of them (`Infinity`: no limit).
   */
  streamLimits?: Partial<StreamLimits>;
  /** POST /exchange: the chain orders must be signed for, and the book's half spread (./exchange.ts). */
  exchange?: ExchangeDeskOptions;
}

const DEFAULT_RECENT_TRADES = 10;

/**
 * A deterministic Hyperliquid exchange for tests, the benchmark and the demo. It speaks the
 * `/info` wire format over real HTTP and lets the caller drive the market directly.
 */
export class Simulator {
  private readonly market: Market;
  private readonly crowd: Crowd;
  private readonly faults: Faults;
  private readonly recorder = new StatsRecorder();
  private readonly limit: WeightLimit;
  private readonly endpoint: InfoEndpoint;
  private readonly stream: TradeStream;
  private readonly desk: ExchangeDesk;
  private server: Server | null = null;
  private baseUrl: string | null = null;

  constructor(private readonly opts: SimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const startTime = opts.startTime ?? (opts.realTime ? Date.now() : DEFAULT_EPOCH_MS);
    this.market = new Market(seed, buildUniverse(opts.coins, opts.builderDexes ?? false), startTime, opts.realTime ?? false);
    this.crowd = new Crowd(this.market, createPrng(seed, 1));
    this.faults = new Faults(seed, opts.latencyMs ?? 0);
    this.limit = new WeightLimit(opts.weightPerMinute ?? EXCHANGE_WEIGHT_PER_MINUTE);
    const orders = new OrderLog();
    this.desk = new ExchangeDesk(this.market, orders, opts.exchange);
    this.endpoint = {
      ctx: {
        market: this.market,
        orders,
        oldShapeUsers: new Set((opts.oldShapeUsers ?? []).map((u) => u.toLowerCase())),
        recentTradesLimit: opts.recentTradesLimit ?? DEFAULT_RECENT_TRADES,
        agentUser: (address) => this.desk.userOfAgent(address),
        rateLimit: (user) => this.desk.rateLimitOf(user),
      },
      faults: this.faults,
      stats: this.recorder,
      limit: this.limit,
      observers: new Set(),
      exchange: this.desk,
    };
    const recentTradesLimit = this.endpoint.ctx.recentTradesLimit;
    this.stream = new TradeStream({
      listedCoins: () => this.market.listedCoins(),
      snapshot: (coin) => recentTrades(this.market, coin, recentTradesLimit),
      idleTimeoutMs: opts.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
      limits: { ...EXCHANGE_STREAM_LIMITS, ...opts.streamLimits },
    });
    this.market.onTrade((trade) => this.stream.publish(trade));
  }

  /**
   * Starts listening; resolves to the base URL (`http://127.0.0.1:PORT`). Clients POST `${url}/info`
   * and open the WebSocket at `wsUrl` (`ws://127.0.0.1:PORT/ws`).
   */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const { server, url } = await listen(this.endpoint, this.opts.host ?? "127.0.0.1", this.opts.port ?? 0);
    this.stream.attach(server);
    this.server = server;
    this.baseUrl = url;
    return url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.baseUrl = null;
    // Upgraded sockets are no longer the HTTP server's to close.
    this.stream.close();
    if (server) await close(server);
  }

  /** The base URL once started. */
  get url(): string {
    if (!this.baseUrl) throw new Error("Simulator not started: call start() first");
    return this.baseUrl;
  }

  /** The WebSocket URL once started: `ws://host:port/ws`, the exchange's path. */
  get wsUrl(): string {
    return `${this.url.replace(/^http/, "ws")}/ws`;
  }

  /** Answers one `/info` body in-process, through the same path (faults, stats) as HTTP. */
  info(body: unknown): Promise<Reply> {
    return handleInfo(typeof body === "string" ? body : JSON.stringify(body), this.endpoint);
  }

  /** Lets `agent` sign orders for `user`, as the user's signed `approveAgent` does over POST /exchange. */
  approveAgent(user: string, agent: string): void {
    this.desk.approveAgent(user, agent);
  }

  // --- market ---

  execute(input: ExecuteInput): ExecuteResult {
    return this.market.execute(input);
  }

  now(): number {
    return this.market.now();
  }

  advance(ms: number): number {
    return this.market.advance(ms);
  }

  setMark(coin: string, px: string): void {
    this.market.setMark(coin, px);
  }

  markOf(coin: string): string {
    return wireDec(this.market.markOf(coin));
  }

  /** Changes the leverage or margin mode of `user` in `coin`, open position included (the exchange's updateLeverage). */
  setLeverage(user: string, coin: string, leverage: Leverage): void {
    this.market.setLeverage(user, coin, leverage);
  }

  /**
   * The exchange liquidates `user`'s whole `coin` position at `px` (default: the mark), by
   * `method` (default "market": sold on the book to the market maker or `counterparty`).
   */
  liquidate(
    user: string,
    coin: string,
    opts: { px?: string; method?: "market" | "backstop"; counterparty?: string } = {},
  ): ExecuteResult {
    const position = this.market.positionOf(user, coin);
    if (position === null) throw new ValidationError(`${user} holds no ${coin} position to liquidate`);
    return this.market.execute({
      user,
      coin,
      size: wireDec(dec(position.szi).neg()),
      px: opts.px ?? wireDec(this.market.markOf(coin)),
      liquidation: { method: opts.method ?? "market" },
      ...(opts.counterparty !== undefined && { counterparty: opts.counterparty }),
    });
  }

  positionOf(user: string, coin: string): PositionSnapshot | null {
    return this.market.positionOf(user, coin);
  }

  deposit(user: string, usdc: string): void {
    this.market.deposit(user, usdc);
  }

  /** Appends a raw ledger entry (any delta, moving no balance): odd entries the app must step over. */
  recordLedgerUpdate(user: string, delta: { type: string } & Record<string, unknown>): void {
    this.market.recordLedgerUpdate(user, delta);
  }

  /** Makes `address` a vault: userRole answers "vault", and `vaultDeposit` can pay into it. */
  createVault(address: string): void {
    this.market.createVault(address);
  }

  /** Another user's deposit into a vault: raises its account value, not its PnL. */
  vaultDeposit(vault: string, depositor: string, usdc: string): void {
    this.market.vaultDeposit(vault, depositor, usdc);
  }

  /** Pays one funding interval at `rate` on open positions; returns the number of payments. */
  payFunding(rate = "0.0000125", coins?: string[]): number {
    return this.market.payFunding(rate, coins);
  }

  /** Books a settlement (`#N`, `Settlement`) or spot (`@N`, `Buy`) fill: no perp position changes. */
  nonPerpFill(input: Parameters<Market["nonPerpFill"]>[0]): WireFill {
    return this.market.nonPerpFill(input);
  }

  /** The fixed address that takes the other side when `execute` names no counterparty. */
  get marketMaker(): string {
    return this.market.marketMaker;
  }

  /** Tradable coins (delisted ones excluded). */
  coins(): string[] {
    return this.market.listedCoins();
  }

  // --- crowd ---

  populate(n: number, opts?: PopulateOptions): string[] {
    return this.crowd.populate(n, opts);
  }

  randomActivity(k: number): ExecuteResult[] {
    return this.crowd.randomActivity(k);
  }

  /** A liquidation or a leverage change of a random crowd position (see Crowd.incident). */
  randomIncident(): ReturnType<Crowd["incident"]> {
    return this.crowd.incident();
  }

  traders(): string[] {
    return [...this.crowd.traders];
  }

  // --- faults and accounting ---

  setFaults(config: FaultConfig): void {
    this.faults.set(config);
  }

  /** Answers the next `n` requests 429 with the body null, whatever the fault rates. */
  rateLimitNext(n = 1): void {
    this.faults.rateLimitNext(n);
  }

  /** Calls `listener` with every answer (type, user, status, wall time); returns the unsubscribe. */
  onAnswer(listener: (answer: Answered) => void): () => void {
    this.endpoint.observers.add(listener);
    return () => this.endpoint.observers.delete(listener);
  }

  /** Changes the weight a client may spend per minute (`Infinity`: no limit). */
  setWeightPerMinute(perMinute: number): void {
    this.limit.set(perMinute);
  }

  stats(): SimulatorStats {
    return this.recorder.snapshot();
  }

  /** Resets the HTTP and the WebSocket counters (open connections and subscriptions are still counted). */
  resetStats(): void {
    this.recorder.reset();
    this.stream.resetStats();
  }

  // --- WebSocket feed ---

  /** Cuts every WebSocket connection with no close frame, as a network drop does; returns how many. */
  dropStreamConnections(): number {
    return this.stream.drop();
  }

  /**
   * Refuses new WebSocket connections for `ms` of wall time (the socket is closed with no answer);
   * open ones are untouched, so drop them too to hold the feed down. `pauseStream(0)` ends it.
   */
  pauseStream(ms: number): void {
    this.stream.pause(ms);
  }

  streamStats(): StreamStats {
    return this.stream.snapshotStats();
  }
}

export const createSimulator = (opts?: SimulatorOptions): Simulator => new Simulator(opts);
