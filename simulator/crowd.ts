import { dec, type Decimal } from "#commons/decimal.js";
import type { Leverage } from "./account.js";
import type { ExecuteResult, Market } from "./market.js";
import { deriveAddress, type Prng } from "./prng.js";

/**
 * A deterministic crowd of traders for the demo and the benchmark: addresses and every trade
 * come from the seed, so two runs with the same seed produce the same market.
 */

export interface PopulateOptions {
  /** Open positions per new trader, inclusive range (default 1..3). */
  positions?: [min: number, max: number];
  /** Starting deposit in USDC, inclusive range of whole dollars (default 1,000..250,000). */
  deposit?: [min: number, max: number];
}

/** Share of random trades whose counterparty is another crowd trader rather than the market maker. */
const PEER_SHARE = 0.4;
/** Largest relative move of a trade price away from the mark. */
const MAX_SLIPPAGE = 0.003;

export class Crowd {
  readonly traders: string[] = [];

  constructor(
    private readonly market: Market,
    private readonly prng: Prng,
  ) {}

  populate(n: number, opts: PopulateOptions = {}): string[] {
    const [minPos, maxPos] = opts.positions ?? [1, 3];
    const [minDep, maxDep] = opts.deposit ?? [1_000, 250_000];
    const coins = this.market.listedCoins();
    const created: string[] = [];
    for (let i = 0; i < n; i++) {
      const address = deriveAddress(this.market.seed, `trader:${this.traders.length}`);
      this.traders.push(address);
      created.push(address);
      const deposit = this.prng.between(minDep, maxDep);
      this.market.deposit(address, String(deposit));
      const count = Math.min(coins.length, this.prng.between(minPos, maxPos));
      const chosen = new Set<string>();
      while (chosen.size < count) chosen.add(this.prng.pick(coins));
      for (const coin of chosen) {
        const { maxLeverage } = this.market.assetOf(coin);
        const leverage: Leverage = {
          type: this.prng.chance(0.2) ? "isolated" : "cross",
          value: this.prng.between(1, Math.min(maxLeverage, 20)),
        };
        // Each position uses 5%..50% of its share of the deposit as margin: no one starts near liquidation.
        const margin = (deposit / count) * (0.05 + 0.45 * this.prng.next());
        const size = this.lots(coin, dec(margin * leverage.value).div(this.market.markOf(coin)));
        this.trade(address, coin, this.prng.chance(0.5) ? size : size.neg(), leverage);
        this.spread(1, 200);
      }
    }
    return created;
  }

  /** `k` random trades among the crowd: opens, adds, reductions, closes and flips. */
  randomActivity(k: number): ExecuteResult[] {
    if (this.traders.length === 0) throw new RangeError("randomActivity needs populate() first");
    const coins = this.market.listedCoins();
    const results: ExecuteResult[] = [];
    for (let i = 0; i < k; i++) {
      const user = this.prng.pick(this.traders);
      const account = this.market.account(user);
      const open = account ? [...account.positions.values()] : [];
      const position = open.length > 0 && !this.prng.chance(0.25) ? this.prng.pick(open) : undefined;
      let coin: string;
      let size: Decimal;
      if (!position) {
        coin = this.prng.pick(coins);
        const existing = account?.positions.get(coin)?.szi;
        const fresh = this.lots(coin, dec(500 + this.prng.int(20_000)).div(this.market.markOf(coin)));
        size = existing?.lt(0) || (!existing && this.prng.chance(0.5)) ? fresh.neg() : fresh;
      } else {
        coin = position.coin;
        const abs = position.szi.abs();
        const sign = position.szi.gt(0) ? 1 : -1;
        const part = this.lots(coin, abs.times(0.1 + 0.8 * this.prng.next()));
        const r = this.prng.next();
        if (r < 0.3) size = part.times(sign); // add
        else if (r < 0.6 && part.lt(abs)) size = part.times(-sign); // reduce
        else if (r < 0.8) size = abs.times(-sign); // close
        else size = abs.plus(part).times(-sign); // flip
      }
      results.push(this.trade(user, coin, size));
      this.spread(50, 3_000);
    }
    return results;
  }

  /**
   * One thing that happens to a position without its trader trading: the exchange liquidates it
   * (at the mark, the liquidated fill and the `liquidation` object as the exchange writes them),
   * or its trader changes its leverage or margin mode. Null when nobody holds a position.
   */
  incident(): { kind: "liquidation"; result: ExecuteResult } | { kind: "leverage"; user: string; coin: string; leverage: Leverage } | null {
    const holders = this.traders.filter((t) => (this.market.account(t)?.positions.size ?? 0) > 0);
    if (holders.length === 0) return null;
    const user = this.prng.pick(holders);
    const position = this.prng.pick([...this.market.account(user)!.positions.values()]);
    const coin = position.coin;
    if (this.prng.chance(0.5)) {
      const size = position.szi.neg().toFixed();
      const px = this.market.markOf(coin).toFixed();
      return { kind: "liquidation", result: this.market.execute({ user, coin, size, px, liquidation: { method: "market" } }) };
    }
    const { maxLeverage } = this.market.assetOf(coin);
    const leverage: Leverage = { type: this.prng.chance(0.3) ? "isolated" : "cross", value: this.prng.between(1, Math.min(maxLeverage, 20)) };
    this.market.setLeverage(user, coin, leverage);
    return { kind: "leverage", user, coin, leverage };
  }

  /**
   * Spaces the crowd's trades out on a simulated clock. On wall time it must not: each call would
   * put the market further ahead of the real clock (30 minutes for 10,000 traders), and trades
   * would carry times in the future of every poll that should see them.
   */
  private spread(minMs: number, maxMs: number): void {
    const ms = this.prng.between(minMs, maxMs);
    if (!this.market.followsWallTime) this.market.advance(ms);
  }

  private trade(user: string, coin: string, size: Decimal, leverage?: Leverage): ExecuteResult {
    const peers = this.traders.length > 1 && this.prng.chance(PEER_SHARE);
    let counterparty = this.market.marketMaker;
    if (peers) {
      counterparty = this.prng.pick(this.traders);
      if (counterparty === user) counterparty = this.market.marketMaker;
    }
    const mark = this.market.markOf(coin);
    const px = this.price(coin, mark.times(1 + (this.prng.next() * 2 - 1) * MAX_SLIPPAGE));
    return this.market.execute({
      user,
      coin,
      size: size.toFixed(),
      px: px.toFixed(),
      counterparty,
      crossed: this.prng.chance(0.7),
      ...(leverage ? { leverage } : {}),
    });
  }

  /** Rounds a size down to the coin's lot, never below one lot. */
  private lots(coin: string, size: Decimal): Decimal {
    const { szDecimals } = this.market.assetOf(coin);
    const rounded = size.round(szDecimals, 0);
    return rounded.gt(0) ? rounded : dec(1).div(dec(10).pow(szDecimals));
  }

  /** A valid perp price: at most 5 significant figures and 6 − szDecimals decimals. */
  private price(coin: string, px: Decimal): Decimal {
    const { szDecimals } = this.market.assetOf(coin);
    const rounded = px.prec(5, 1).round(6 - szDecimals, 1);
    return rounded.gt(0) ? rounded : dec(1).div(dec(10).pow(6 - szDecimals));
  }
}
