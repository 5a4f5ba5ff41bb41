import type { TradeEvent } from "../api";
import { h, markInvalid, replace } from "../dom";
import type { FeedState, LiveFeed } from "../feed";
import { storeToken } from "../feed-token";
import { replaceQuery, type View } from "../router";
import { eventRow } from "./event-row";
import { streamStateLine } from "./stream-state";

const MAX_ROWS = 300;

const stateText = (s: FeedState): string => {
  const seconds = (retryAt: number) => Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
  switch (s.kind) {
    case "open":
      return "Connected: events appear as they happen.";
    case "connecting":
      return "Connecting to the live feed…";
    case "offline":
      return "You are offline: the feed reconnects when the network is back.";
    case "waiting":
      return `Connection lost: reconnecting in ${seconds(s.retryAt)} s. Events in between are not replayed.`;
    case "token-needed":
      return "This feed requires a token: enter it below to connect.";
    case "refused":
      return `The feed refused the connection: the token may be wrong. Trying again in ${seconds(s.retryAt)} s.`;
  }
};

/**
 * The feed's token (WS_TOKEN), when config.json says the feed requires one: kept in this browser
 * session only, as the Track page keeps the admin key. `update` follows the feed's state.
 */
const tokenForm = (feed: LiveFeed): { element: HTMLElement; update: (s: FeedState) => void } => {
  const result = h("div", { class: "token-result", "aria-live": "polite" });
  const input = h("input", {
    id: "feed-token",
    name: "token",
    type: "password",
    required: true,
    value: feed.token ?? "",
    autocomplete: "off",
    "aria-describedby": "feed-token-hint",
  });
  const submit = h("button", { type: "submit", class: "button primary" }, "Use token");
  const forget = h("button", { type: "button", class: "button", hidden: feed.token === undefined }, "Forget token");
  /** The refusal is on screen (it stays through the retries, until the token is accepted or replaced). */
  let refused = false;
  const showError = (text: string | null) => {
    replace(result, text !== null && h("p", { id: "feed-token-error", class: "field-error" }, text));
    markInvalid(input, "feed-token-hint", text === null ? null : "feed-token-error");
  };
  forget.addEventListener("click", () => {
    storeToken(null);
    input.value = "";
    forget.hidden = true;
    feed.setToken(null);
    showError(null);
    replace(result, h("p", { role: "status" }, "The feed token was removed from this browser session."));
  });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    // A token pasted from a terminal often brings a newline along.
    const token = input.value.trim();
    if (token === "") {
      showError("Enter the feed token.");
      input.focus();
      return;
    }
    storeToken(token);
    forget.hidden = false;
    refused = false;
    showError(null);
    feed.setToken(token);
  };
  const form = h(
    "form",
    { class: "token-form", novalidate: true, onsubmit: onSubmit },
    h(
      "div",
      { class: "field wide" },
      h("label", { for: "feed-token" }, "Feed token"),
      input,
      h(
        "p",
        { id: "feed-token-hint", class: "hint" },
        "Sent as ?token= when connecting and kept in this browser session only (forgotten when you close the tab). In AWS it is the secret named by the WsTokenSecretName output; locally, WS_TOKEN.",
      ),
    ),
    h("div", { class: "actions" }, submit, forget),
  );
  const update = (s: FeedState) => {
    // Every retry connects, then is refused again: say it once, and take it back only once the
    // token is accepted or gone.
    if (s.kind === "refused" && !refused) {
      refused = true;
      showError("The feed refused this token, or could not be reached: replace the token, or forget it.");
    } else if ((s.kind === "open" || s.kind === "token-needed") && refused) {
      refused = false;
      showError(null);
    }
  };
  return { element: h("div", null, form, result), update };
};

/** Position events as they arrive over the WebSocket, newest on top, filtered by trader or coin. */
export const liveView: View = (main, route, { feed, api }) => {
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
  // `state` is this browser's connection to the feed; `stream`, the server's to the exchange's trades.
  const stream = streamStateLine(api);

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

  const token = feed.tokenRequired ? tokenForm(feed) : undefined;

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Live feed"), h("div", { class: "page-status" }, state, stream.element)),
    token?.element,
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
  const text = h("span");
  const reconnect = h("button", { type: "button", class: "button small", hidden: true, onclick: () => feed.connectNow() }, "Reconnect now");
  replace(state, text, " ", reconnect);
  let ticker: ReturnType<typeof setInterval> | undefined;
  const offState = feed.onState((s) => {
    clearInterval(ticker);
    const show = () => (text.textContent = stateText(s));
    state.dataset.state = s.kind;
    const counting = s.kind === "waiting" || s.kind === "refused";
    reconnect.hidden = !counting;
    show();
    if (counting) ticker = setInterval(show, 1_000);
    token?.update(s);
  });
  return () => {
    offEvent();
    offState();
    clearInterval(ticker);
    stream.stop();
  };
};
