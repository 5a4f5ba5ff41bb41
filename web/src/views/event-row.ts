import type { EventType, TradeEvent } from "../api";
import { eventDetection } from "../detection";
import { h } from "../dom";
import { clock, decimal, shortAddress, signedUsd, toNumber, tone, when } from "../format";
import { traderHref } from "../router";
import { dexTag } from "./dex-tag";

/** Opening moves (open, add) and closing moves (reduce, close) look different; a flip is both. */
const ACTIONS: Record<EventType, { label: string; kind: "open" | "close" | "flip" }> = {
  OPEN_POSITION: { label: "Open", kind: "open" },
  INCREASE_POSITION: { label: "Add", kind: "open" },
  DECREASE_POSITION: { label: "Reduce", kind: "close" },
  CLOSE_POSITION: { label: "Close", kind: "close" },
  FLIP_POSITION: { label: "Flip", kind: "flip" },
};

export const eventAction = (type: EventType) => ACTIONS[type] ?? { label: type, kind: "open" as const };

/**
 * One position event: when, what (marked when a liquidation did it), which side, coin, size, price,
 * PnL when some was realized, and how it was found (stream or poll) and how long after the trade.
 */
export const eventRow = (e: TradeEvent, o: { showTrader: boolean; fresh?: boolean }): HTMLLIElement => {
  const action = eventAction(e.event_type);
  const d = e.details;
  const side = d.side === "SHORT" ? "short" : "long";
  const price = d.execution_price ?? d.entry_price ?? null;
  const pnl = toNumber(d.realized_pnl ?? null);
  const detection = eventDetection(d);
  const delta = d.size_delta ? ` (${d.size_delta.startsWith("-") ? "" : "+"}${decimal(d.size_delta)})` : "";
  return h(
    "li",
    {
      class: `event${o.fresh ? " fresh" : ""}`,
      "data-id": e.id,
      "data-kind": action.kind,
      "data-side": side,
      "data-coin": d.coin,
      ...(d.liquidation === true && { "data-liquidation": "true" }),
    },
    h("time", { datetime: e.timestamp, title: when(e.timestamp), class: "muted mono" }, clock(e.timestamp)),
    h("span", { class: `tag action ${action.kind}` }, action.label),
    // A forced close is a different story from a chosen one: say so next to the action.
    d.liquidation === true &&
      h("span", { class: "tag liquidated", title: "The exchange liquidated this position: the trader's margin no longer covered it" }, "Liquidated"),
    h("span", { class: `tag side ${side}` }, side === "long" ? "Long" : "Short"),
    h("strong", { class: "coin" }, d.coin),
    dexTag(d.dex),
    o.showTrader && h("a", { href: traderHref(e.trader_address), class: "mono", title: e.trader_address }, shortAddress(e.trader_address)),
    h(
      "span",
      { class: "detail" },
      `size ${decimal(d.size)}${delta}`,
      price !== null && ` @ ${decimal(price)}`,
      d.leverage ? ` · ${d.leverage}×` : "",
    ),
    pnl !== null && pnl !== 0 && h("span", { class: `pnl ${tone(pnl) ?? ""}` }, `PnL ${signedUsd(pnl)}`),
    detection !== null &&
      h("span", { class: "detected muted", title: detection.title, ...(detection.source !== null && { "data-source": detection.source }) }, detection.text),
  );
};
