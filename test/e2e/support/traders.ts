import type { Address } from "#domain/address.js";
import type { Simulator } from "#simulator/index.js";

/**
 * Seven scripted traders whose histories differ by window, so the leaderboard's rows and order
 * change with 1d / 7d / 30d / all:
 * - STEADY wins small and often over the whole period, and lost once yesterday;
 * - HOT only traded in the last few hours (the same rows in every window);
 * - VETERAN made one big win 25 days ago and nothing since (empty in 1d and 7d);
 * - LOSER lost 6 days ago and again 12 hours ago;
 * - SWINGER trades SOL both ways across the month;
 * - HOLDER closed one win 8 days ago and holds an ETH long opened 2 days ago (the live-feed trader);
 * - VAULT is a vault: it lost on an AVAX long held 3 days from 10 days ago and paid funding on it,
 *   while depositors put 400,000 into it (its account value quintupled, its PnL fell).
 * - HIP3 trades only on the builder-deployed dex xyz: a closed xyz:TSLA round trip 5 days ago, an
 *   xyz:TSLA long opened 2 days ago, and an outcome market's settlement, which counts nowhere.
 */
export const TRADERS = {
  STEADY: "0x5eadd00000000000000000000000000000000001" as Address,
  HOT: "0x40700000000000000000000000000000000000a2" as Address,
  VETERAN: "0x7e7e000000000000000000000000000000000003" as Address,
  LOSER: "0x1005e00000000000000000000000000000000004" as Address,
  SWINGER: "0x5a1a000000000000000000000000000000000005" as Address,
  HOLDER: "0x401d000000000000000000000000000000000006" as Address,
  VAULT: "0xa5e7000000000000000000000000000000000007" as Address,
  HIP3: "0x4193000000000000000000000000000000000007" as Address,
} as const;

/** Depositors of VAULT: not traders, not tracked. */
const DEPOSITOR = "0xde90000000000000000000000000000000000008";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Trade {
  at: number;
  user: Address;
  coin: string;
  size: string;
  px: string;
}

/** Something other than a trade, done on the simulator at `at`. */
interface Action {
  at: number;
  run: (sim: Simulator) => void;
}

/** Opens at `px`, closes `holdHours` later at `exit`; negative size is a short. */
const roundTrip = (user: Address, coin: string, size: string, px: string, exit: string, at: number, holdHours = 3): Trade[] => [
  { at, user, coin, size, px },
  { at: at + holdHours * HOUR, user, coin, size: size.startsWith("-") ? size.slice(1) : `-${size}`, px: exit },
];

export const scriptHistory = (sim: Simulator, now: number): void => {
  const t = TRADERS;
  sim.createVault(t.VAULT);
  for (const user of Object.values(t)) sim.deposit(user, "100000");
  sim.deposit(DEPOSITOR, "1000000");
  const vaultOpened = now - 10 * DAY;
  const steps: (Trade | Action)[] = [
    // Funding on the vault's AVAX long (no one else holds AVAX) at three funding hours, longs paying.
    ...[1, 2, 3].map((h): Action => ({ at: vaultOpened + h * HOUR, run: (s) => s.payFunding("0.0001", ["AVAX"]) })),
    { at: now - 8 * DAY, run: (s) => s.vaultDeposit(t.VAULT, DEPOSITOR, "400000") },
    ...roundTrip(t.VAULT, "AVAX", "2000", "21.874", "21.5", vaultOpened, 72),
    ...roundTrip(t.STEADY, "BTC", "0.5", "60000", "61200", now - 35 * DAY),
    ...roundTrip(t.STEADY, "BTC", "0.5", "60500", "61400", now - 20 * DAY),
    ...roundTrip(t.STEADY, "BTC", "0.5", "61000", "61800", now - 6 * DAY),
    ...roundTrip(t.STEADY, "BTC", "0.5", "62000", "61500", now - 30 * HOUR),
    ...roundTrip(t.HOT, "SOL", "80", "150", "162", now - 5 * HOUR, 1),
    ...roundTrip(t.HOT, "SOL", "80", "151", "158", now - 3 * HOUR, 1),
    ...roundTrip(t.VETERAN, "ETH", "10", "3000", "3600", now - 25 * DAY, 48),
    ...roundTrip(t.LOSER, "BTC", "0.5", "60000", "57000", now - 6 * DAY),
    ...roundTrip(t.LOSER, "BTC", "0.5", "62000", "61000", now - 12 * HOUR),
    ...roundTrip(t.SWINGER, "SOL", "-60", "160", "150", now - 29 * DAY),
    ...roundTrip(t.SWINGER, "SOL", "60", "150", "146", now - 15 * DAY),
    ...roundTrip(t.SWINGER, "SOL", "-60", "155", "149", now - 4 * DAY),
    ...roundTrip(t.SWINGER, "SOL", "60", "148", "152", now - 20 * HOUR),
    ...roundTrip(t.HOLDER, "ETH", "4", "2900", "3100", now - 8 * DAY),
    { at: now - 2 * DAY, user: t.HOLDER, coin: "ETH", size: "4", px: "3050" },
    ...roundTrip(t.HIP3, "xyz:TSLA", "2", "420", "445", now - 5 * DAY),
    { at: now - 2 * DAY, user: t.HIP3, coin: "xyz:TSLA", size: "3", px: "430" },
  ];
  // The simulator's clock only moves forward: replay in time order.
  for (const step of steps.sort((a, b) => a.at - b.at)) {
    if ("run" in step) {
      sim.advance(Math.max(0, step.at - sim.now()));
      step.run(sim);
    } else sim.execute({ user: step.user, coin: step.coin, size: step.size, px: step.px, time: step.at });
  }
  sim.nonPerpFill({ user: t.HIP3, kind: "settlement", coin: "#118440", px: "1.0", sz: "800", closedPnl: "300" });
};
