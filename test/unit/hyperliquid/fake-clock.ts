/**
 * A clock the test moves by hand. The budget takes `now` and `sleep` from it, so minutes of
 * waiting run in milliseconds and every wake-up happens at an exact, checkable instant.
 */
interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export const flush = async (): Promise<void> => {
  // Two macrotask turns let chains of awaits (pump → ledger → settle → caller) run to the end.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
};

export class FakeClock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  /**
   * `settle` runs after every timer fires, before time moves on; tests whose code awaits real I/O
   * (DynamoDB Local) pass one that waits for it, so no answer arrives "in the past".
   */
  constructor(
    start = 1_700_000_040_000,
    private readonly settle: () => Promise<void> = flush,
  ) {
    this.t = start;
  }

  /** Milliseconds each reading of the clock moves it on: code that reads it twice sees time pass. */
  tick = 0;

  now = (): number => {
    const t = this.t;
    this.t += this.tick;
    return t;
  };

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fire: resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await this.settle();
      const due = this.timers
        .filter((x) => x.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fire();
    }
    this.t = end;
    await this.settle();
  }
}
