import type { LeaderboardRow, Position, RoundTrip, Window } from "../api";
import { h, type Child } from "../dom";
import { count, days, decimal, hours, num2, pct, signedUsd, tone, usd, when } from "../format";
import { dexTag } from "./dex-tag";

const money = (value: string | null | undefined, signed = true): Child =>
  h("span", { class: tone(value) ?? "" }, signed ? signedUsd(value) : usd(value));

const sideTag = (side: "LONG" | "SHORT") => h("span", { class: `tag side ${side === "SHORT" ? "short" : "long"}` }, side === "SHORT" ? "Short" : "Long");

const table = (label: string, head: string[], rows: HTMLTableRowElement[]) =>
  h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": label, tabindex: 0 },
    h(
      "table",
      { class: "data" },
      h("thead", null, h("tr", null, head.map((c, i) => h("th", { scope: "col", class: i < 2 ? "" : "num" }, c)))),
      h("tbody", null, rows),
    ),
  );

export const positionsTable = (positions: readonly Position[]): HTMLElement =>
  positions.length === 0
    ? h("p", { class: "muted" }, "No open positions.")
    : table(
        "Open positions",
        ["Coin", "Side", "Size", "Entry", "Mark", "Value", "Leverage", "Unrealized PnL"],
        positions.map((p) =>
          h(
            "tr",
            { "data-coin": p.coin, "data-dex": p.dex },
            h("th", { scope: "row" }, p.coin, " ", dexTag(p.dex)),
            h("td", null, sideTag(p.side)),
            h("td", { class: "num", "data-col": "size" }, decimal(p.size)),
            h("td", { class: "num", "data-col": "entry" }, decimal(p.entry_price)),
            h("td", { class: "num", "data-col": "mark" }, decimal(p.mark_price)),
            h("td", { class: "num", "data-col": "value" }, usd(p.position_value_usd)),
            h("td", { class: "num", "data-col": "leverage" }, p.leverage === null ? "—" : `${p.leverage}× ${p.leverage_type ?? ""}`.trim()),
            h("td", { class: "num", "data-col": "unrealized" }, money(p.unrealized_pnl_usd)),
          ),
        ),
      );

export const roundTripRows = (trips: readonly RoundTrip[]): HTMLTableRowElement[] =>
  trips.map((r) =>
    h(
      "tr",
      { "data-dex": r.dex },
      h("th", { scope: "row" }, r.coin, " ", dexTag(r.dex)),
      h("td", null, sideTag(r.side)),
      h("td", { class: "num" }, h("time", { datetime: r.opened_at }, when(r.opened_at))),
      h("td", { class: "num" }, h("time", { datetime: r.closed_at }, when(r.closed_at))),
      h("td", { class: "num" }, hours(r.hold_hours)),
      h("td", { class: "num" }, decimal(r.max_size)),
      h("td", { class: "num" }, usd(r.volume_usd)),
      h("td", { class: "num" }, money(r.realized_pnl_usd)),
      h("td", { class: "num", "data-col": "funding" }, money(r.funding_usd)),
      h("td", { class: "num" }, usd(r.fees_usd)),
      h("td", { class: "num" }, count(r.fills)),
    ),
  );

export const roundTripsTable = (trips: readonly RoundTrip[]): HTMLElement =>
  table("Round trips", ["Coin", "Side", "Opened", "Closed", "Held", "Max size", "Volume", "Realized PnL", "Funding", "Fees", "Fills"], roundTripRows(trips));

/** The trader's leaderboard row for the window, as a few headline figures. */
export const metricCards = (row: LeaderboardRow | undefined, window: Window): HTMLElement => {
  if (!row) return h("p", { class: "muted" }, `No figures for this window yet (the leaderboard job computes them; window ${window}).`);
  const card = (label: string, value: Child) => h("div", { class: "card" }, h("dt", null, label), h("dd", null, value));
  return h(
    "dl",
    { class: "cards" },
    card("Realized PnL", money(row.realized_pnl_usd)),
    card("Trading PnL", money(row.trading_pnl_usd)),
    card("Funding", money(row.funding_usd)),
    card("Win rate", pct(row.win_rate)),
    card("ROI", h("span", { class: tone(row.roi) ?? "" }, pct(row.roi, true))),
    card("Volume", usd(row.total_volume_usd)),
    card("Trades", count(row.trades_count)),
    card("Round trips", count(row.round_trips)),
    card("Max drawdown", pct(row.max_drawdown)),
    card("Score", num2(row.score)),
    card("Account age", days(row.account_age_days)),
  );
};
