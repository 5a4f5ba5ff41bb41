import type { TradeEvent } from "../api";
import { h, replace } from "../dom";
import { replaceQuery, type View } from "../router";
import { eventRow } from "./event-row";

const MAX_ROWS = 300;

/** Position events as they arrive over the WebSocket, newest on top, filtered by trader or coin. */
export const liveView: View = (main, route, { feed }) => {
  document.title = "Live feed · HL copy-trader";
  const filter = { trader: route.query.get("trader") ?? "", coin: route.query.get("coin") ?? "" };
  const matches = (e: TradeEvent) =>
    (filter.trader === "" || e.trader_address.includes(filter.trader.trim().toLowerCase())) &&
    (filter.coin === "" || e.details.coin.toUpperCase() === filter.coin.trim().toUpperCase());

  const list = h("ol", { class: "events" });
  const empty = h("p", { class: "muted empty" });
  const summary = h("p", { class: "muted" });
  const coins = h("datalist", { id: "feed-coins" });
  const state = h("p", { class: "feed-state" });

  const refreshSummary = () => {
    const shown = list.childElementCount;
    const total = feed.events.length;
    summary.textContent = total === 0 ? "" : shown === total ? `${total} event${total === 1 ? "" : "s"} since this page opened` : `Showing ${shown} of ${total} events`;
    empty.textContent =
      shown > 0 ? "" : total > 0 ? "No event matches these filters yet." : "Waiting for the first event: they appear here as soon as a tracked trader changes a position.";
    const seen = [...new Set(feed.events.map((e) => e.details.coin))].sort();
    if (seen.length !== coins.childElementCount) replace(coins, seen.map((c) => h("option", { value: c })));
  };

  const renderAll = () => {
    replace(list, feed.events.filter(matches).slice(0, MAX_ROWS).map((e) => eventRow(e, { showTrader: true })));
    refreshSummary();
  };

  const field = (key: "trader" | "coin", label: string, placeholder: string, extra: Record<string, string> = {}) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: `feed-${key}` }, label),
      h("input", {
        id: `feed-${key}`,
        type: "search",
        value: filter[key],
        placeholder,
        autocomplete: "off",
        spellcheck: "false",
        ...extra,
        oninput: (e: Event) => {
          filter[key] = (e.target as HTMLInputElement).value;
          replaceQuery("/live", filter);
          renderAll();
        },
      }),
    );

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Live feed"), state),
    h(
      "form",
      { class: "filters", "aria-label": "Feed filters", role: "search", onsubmit: (e: Event) => e.preventDefault() },
      field("trader", "Trader", "0x… address or part of it"),
      field("coin", "Coin", "e.g. BTC", { list: "feed-coins" }),
      coins,
    ),
    summary,
    // role=log: assistive technology announces new entries politely.
    h("div", { role: "log", "aria-label": "Live events", class: "log" }, list),
    empty,
  );
  renderAll();

  const offEvent = feed.onEvent((e) => {
    if (matches(e)) {
      list.prepend(eventRow(e, { showTrader: true, fresh: true }));
      while (list.childElementCount > MAX_ROWS) list.lastElementChild?.remove();
    }
    refreshSummary();
  });
  // Only the text changes every second, so the button keeps keyboard focus.
  const stateText = h("span");
  const reconnect = h("button", { type: "button", class: "button small", hidden: true, onclick: () => feed.connectNow() }, "Reconnect now");
  replace(state, stateText, " ", reconnect);
  let ticker: ReturnType<typeof setInterval> | undefined;
  const offState = feed.onState((s) => {
    clearInterval(ticker);
    const show = () => {
      stateText.textContent =
        s.kind === "open"
          ? "Connected: events appear as they happen."
          : s.kind === "connecting"
            ? "Connecting to the live feed…"
            : s.kind === "offline"
              ? "You are offline: the feed reconnects when the network is back."
              : `Connection lost: reconnecting in ${Math.max(1, Math.ceil((s.retryAt - Date.now()) / 1000))} s. Events in between are not replayed.`;
    };
    state.dataset.state = s.kind;
    reconnect.hidden = s.kind !== "waiting";
    show();
    if (s.kind === "waiting") ticker = setInterval(show, 1_000);
  });
  return () => {
    offEvent();
    offState();
    clearInterval(ticker);
  };
};
