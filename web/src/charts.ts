import { AreaSeries, BaselineSeries, ColorType, createChart, LineSeries, LineStyle, type UTCTimestamp } from "lightweight-charts";
import { pct, usd } from "./format";

/**
 * TradingView's lightweight-charts, loaded only by the trader page (a chunk of its own), so the
 * leaderboard and the feed never pay for it.
 */

export interface Point {
  /** Epoch milliseconds. */
  t: number;
  v: number;
}

export const COLORS = { text: "#a9b4c2", grid: "#1f2a36", line: "#5aa9ff", gain: "#3ddc97", loss: "#ff6b6b", second: "#ffb454" };

/** lightweight-charts wants strictly increasing whole seconds: the last value of a second wins. */
export const toSeries = (points: readonly Point[]) => {
  const bySecond = new Map<number, number>();
  for (const p of [...points].sort((a, b) => a.t - b.t)) bySecond.set(Math.floor(p.t / 1000), p.v);
  return [...bySecond].map(([time, value]) => ({ time: time as UTCTimestamp, value }));
};

const newChart = (el: HTMLElement, priceFormatter: (p: number) => string) =>
  createChart(el, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: COLORS.text, fontFamily: "inherit" },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    rightPriceScale: { borderColor: COLORS.grid },
    timeScale: { borderColor: COLORS.grid, timeVisible: true, secondsVisible: false },
    localization: { priceFormatter },
    crosshair: { horzLine: { style: LineStyle.Dotted }, vertLine: { style: LineStyle.Dotted } },
    handleScroll: { mouseWheel: false, pressedMouseMove: true, horzTouchDrag: true, vertTouchDrag: false },
    handleScale: { mouseWheel: false, pinch: true },
  });

/** Draws `points` into `el`; the returned function removes the chart. */
export const drawChart = (el: HTMLElement, points: readonly Point[], kind: "value" | "pnl"): (() => void) => {
  const chart = newChart(el, (p) => usd(p));
  const series =
    kind === "pnl"
      ? chart.addSeries(BaselineSeries, {
          baseValue: { type: "price", price: 0 },
          topLineColor: COLORS.gain,
          topFillColor1: "rgba(61, 220, 151, 0.28)",
          topFillColor2: "rgba(61, 220, 151, 0.04)",
          bottomLineColor: COLORS.loss,
          bottomFillColor1: "rgba(255, 107, 107, 0.04)",
          bottomFillColor2: "rgba(255, 107, 107, 0.28)",
          lineWidth: 2,
        })
      : chart.addSeries(AreaSeries, {
          lineColor: COLORS.line,
          topColor: "rgba(90, 169, 255, 0.3)",
          bottomColor: "rgba(90, 169, 255, 0.02)",
          lineWidth: 2,
        });
  series.setData(toSeries(points));
  chart.timeScale().fitContent();
  return () => chart.remove();
};

/** Returns (0.05 = +5%) as lines on one percent scale, e.g. a follower against its leaders (Copy page). */
export const drawReturns = (el: HTMLElement, lines: readonly { points: readonly Point[]; color: string }[]): (() => void) => {
  const chart = newChart(el, (p) => pct(p, true));
  for (const line of lines) chart.addSeries(LineSeries, { color: line.color, lineWidth: 2, priceLineVisible: false }).setData(toSeries(line.points));
  chart.timeScale().fitContent();
  return () => chart.remove();
};
