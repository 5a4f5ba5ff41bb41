/** What the dashboard's trader page shows beyond the leaderboard row: charts over a window and the round trips. */
export { inWindow, windowStartsAfter } from "./windows.js";
export {
  MAX_SERIES_POINTS,
  PORTFOLIO_PERIODS,
  equitySeries,
  portfolioSeries,
  joinRealized,
  realizedPnlSeries,
  realizedPnlSeriesAfter,
  thinSeries,
  type EquitySeries,
  type SeriesPoint,
} from "./series.js";
export { listReplayed, listRoundTrips, type ListedRoundTrip, type RoundTripPosition } from "./round-trip-list.js";
export {
  planTraderPages,
  type PagesInput,
  type PagesMarker,
  type RealizedPrefix,
  type RoundTripQuery,
  type StoredEquity,
  type TraderPagesPlan,
  type TraderPagesReader,
  type TraderPagesWriter,
} from "./pages.js";
