import { dec, type Decimal } from "#commons/decimal.js";
import { APP_DEFAULTS, type CostInput } from "./inputs.js";
import { ceil, KB, powRounded, readUnits, SECONDS_PER_MONTH } from "./units.js";

/**
 * The trader pages' month (the pages table, issue 16): what the leaderboard job writes each run
 * for every trader (functions/domain/trader-story/pages.ts plans it, functions/store/dynamo/
 * trader-pages.ts writes it) and what the HTTP API reads per trader-page request. Sizes are the
 * ones `npx tsx cost/measure-pages.ts` measures on bench:leaderboard's histories (2,000 fills over
 * 90 days); test/unit/cost/pages.test.ts holds these constants to that measurement.
 */

/**
 * Write units of each window's equity item (gzipped JSON and its keys; 1 KB a unit, rounded up
 * per item), the most measured: the realized-PnL series has a point per fill and funding payment
 * (hourly while a position is held), thinned to 2,000; the exchange's portfolio curves are short.
 */
export const EQUITY_WRITE_UNITS = { "1d": 2, "7d": 5, "30d": 16, all: 18 } as const;
/**
 * `all`'s realized PnL up to the metrics checkpoint's horizon: one item per horizon, written when
 * the horizon moves (once a day for a trader active within the month) and the previous one deleted.
 */
export const PREFIX_WRITE_UNITS = 20;
/** A round-trip item: 256–273 bytes measured, so one write unit each, and two items per round trip. */
export const TRIP_ITEM_BYTES = 273;
/** The marker item with the trader's metrics checkpoint (gzipped): two write units, and one eventually consistent GetItem per trader and run. */
export const MARKER_BYTES = 1_101;
const MARKER_WRITE_UNITS = ceil(dec(MARKER_BYTES).div(KB));
/** The dashboard's trader view asks for round trips 50 at a time (web/src/views/trader.ts), one more to see a next page. */
const TRIPS_PAGE_ITEMS = 51;

const DAY_SECONDS = 86_400;
const WINDOW_DAYS = { "1d": 1, "7d": 7, "30d": 30 } as const;

export interface PagesWorkload {
  writeUnits: Decimal;
  /** The job's marker reads and a rebuild's listing of the stored round trips. */
  jobReadUnits: Decimal;
  /** The HTTP API's round-trip pages and equity items (and the trader's item each route reads). */
  apiReadUnits: Decimal;
  storageKb: Decimal;
  /** Per trader and run: planning and gzip on one vCPU, and the writes' wait. */
  cpuMsPerTrader: Decimal;
  waitMsPerTrader: Decimal;
}

export const pagesWorkload = (i: CostInput, runs: number, originRequests: Decimal): PagesWorkload => {
  const N = dec(i.traders);
  const p = dec(i.changeRate);
  const runInterval = APP_DEFAULTS.LEADERBOARD_INTERVAL_SECONDS;
  const days = dec(SECONDS_PER_MONTH).div(DAY_SECONDS);
  /** Share of traders whose position changed at least once within `seconds`. */
  const tradedWithin = (seconds: number): Decimal =>
    dec(1).minus(powRounded(dec(1).minus(p), Math.max(1, Math.floor(seconds / i.intervalSeconds))));

  // A window's series holds a point at its start, which moves with every run: the 1d, 7d and 30d
  // items of a trader with a fee or a closed PnL inside them change each run, and are written again.
  const moving = (Object.keys(WINDOW_DAYS) as (keyof typeof WINDOW_DAYS)[]).reduce(
    (sum, w) => sum.plus(tradedWithin(WINDOW_DAYS[w] * DAY_SECONDS).times(EQUITY_WRITE_UNITS[w])),
    dec(0),
  );
  // `all` starts at the first change: it moves with a new fill, or the daily refresh of the portfolio and funding.
  const tradedThisRun = tradedWithin(runInterval);
  const dailyShare = dec(runInterval).div(APP_DEFAULTS.HISTORY_MAX_AGE_HOURS * 3_600);
  const allWindow = tradedThisRun.plus(dec(1).minus(tradedThisRun).times(dailyShare)).times(EQUITY_WRITE_UNITS.all);
  // The marker is written whenever anything was: a series of the last 30 days moved, or the daily refresh.
  const marker = dec(1).minus(dec(1).minus(tradedWithin(30 * DAY_SECONDS)).times(dec(1).minus(dailyShare))).times(MARKER_WRITE_UNITS);
  const perRun = N.times(moving.plus(allWindow).plus(marker)).times(runs);

  const tripWriteUnits = ceil(dec(TRIP_ITEM_BYTES).div(KB)).times(2);
  const newTrips = N.times(dec(i.roundTripsPerTraderPerDay).plus(i.fundingRepaidTripsPerTraderPerDay)).times(days).times(tripWriteUnits);
  // The horizon moves once a day: a new prefix item, the old one deleted (a write unit).
  const prefixes = N.times(tradedWithin(30 * DAY_SECONDS)).times(days).times(PREFIX_WRITE_UNITS + 1);
  // A rewrite after the horizon writes the month's round trips again, after listing the stored ones (a Query that reads whole items).
  const rebuilds = N.times(i.pagesRebuildsPerTraderPerDay).times(days);
  const monthTrips = Math.min(i.storedRoundTripsPerTrader, Math.ceil(Number(i.roundTripsPerTraderPerDay) * 31));
  const storedTripBytes = dec(i.storedRoundTripsPerTrader * 2 * TRIP_ITEM_BYTES);
  const rebuildWrites = rebuilds.times(tripWriteUnits.times(monthTrips));

  const markerReads = N.times(runs).times(readUnits(dec(MARKER_BYTES), false));
  const rebuildReads = rebuilds.times(readUnits(dec(monthTrips * TRIP_ITEM_BYTES), false));

  // Half of the page reads are a round-trip page (one Query), half an equity window (one GetItem of
  // the average item); each route also reads the trader's item (GET /traders/{a}/...).
  const pageReads = originRequests.times(i.pageRequestShare).round(0, 1);
  const averageEquityBytes = Object.values(EQUITY_WRITE_UNITS).reduce((sum, u) => sum + u, 0) * KB / 4;
  const perPageRead = readUnits(dec(TRIPS_PAGE_ITEMS * TRIP_ITEM_BYTES), false)
    .plus(readUnits(dec(averageEquityBytes), false))
    .div(2)
    .plus(readUnits(dec(i.traderItemKb * KB), false));

  const equityKb = Object.values(EQUITY_WRITE_UNITS).reduce((sum, u) => sum + u, 0);
  return {
    writeUnits: perRun.plus(newTrips).plus(prefixes).plus(rebuildWrites),
    jobReadUnits: markerReads.plus(rebuildReads),
    apiReadUnits: pageReads.times(perPageRead),
    storageKb: N.times(storedTripBytes.div(KB).plus(equityKb).plus(2 * PREFIX_WRITE_UNITS).plus(2)),
    cpuMsPerTrader: dec(i.pagesCpuMsPerTrader),
    waitMsPerTrader: dec(i.pagesWriteMsPerTrader),
  };
};
