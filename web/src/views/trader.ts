import { ApiError, isAbort, isAddress, WINDOWS, type Equity, type RoundTripsPage, type TradeEvent, type TraderDetail, type Window } from "../api";
import { errorBox, h, loading, replace } from "../dom";
import { ago, toNumber, usd, when } from "../format";
import type { Point } from "../charts";
import { replaceQuery, type View } from "../router";
import { copyTraderForm } from "./copy-form";
import { eventRow } from "./event-row";
import { freshnessBadge } from "./freshness";
import { loadMoreButton } from "./load-more";
import { metricCards, positionsTable, roundTripRows, roundTripsTable } from "./trader-parts";
import { windowPicker, WINDOW_LABELS } from "./window-picker";

const EVENTS_PAGE = 50;
const TRIPS_PAGE = 50;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The address as text that can be selected, and a button that copies it. */
const copyableAddress = (address: string): HTMLElement => {
  const status = h("span", { class: "muted copy-status", role: "status" });
  const code = h("code", { class: "address" }, address);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(address);
      status.textContent = "Copied";
    } catch {
      // No clipboard permission: select the text so that Ctrl+C / long-press copies it.
      getSelection()?.selectAllChildren(code);
      status.textContent = "Selected: press Ctrl+C to copy";
    }
    setTimeout(() => (status.textContent = ""), 2_500);
  };
  return h("p", { class: "address-line" }, code, h("button", { type: "button", class: "button small", onclick: () => void copy() }, "Copy address"), status);
};

export const traderView: View = (main, route, { api, feed }) => {
  const address = route.param;
  document.title = `Trader ${address.slice(0, 10)}… · HL copy-trader`;
  if (!isAddress(address)) {
    replace(main, h("h1", { tabindex: -1 }, "Not a trader address"), h("p", null, `“${address}” is not 0x followed by 40 hexadecimal digits.`));
    return;
  }
  let win: Window = WINDOWS.find((w) => w === route.query.get("window")) ?? "30d";
  let trader: TraderDetail | undefined;
  let events: TradeEvent[] = [];
  let eventsCursor: string | null = null;
  let windowController: AbortController | undefined;
  const pageController = new AbortController();
  const chartCleanups: (() => void)[] = [];
  const chartsModule = import("../charts");

  const meta = h("p", { class: "muted meta" });
  const cards = h("div");
  const positions = h("div", null, loading("positions"));
  const marks = h("p", { class: "muted small" });
  // The canvases say nothing to assistive technology: a hidden sentence says what the chart shows.
  const valueChart = h("div", { class: "chart", "data-chart": "value" });
  const valueSummary = h("p", { class: "sr-only" });
  const valueNote = h("p", { class: "muted small" });
  const pnlChart = h("div", { class: "chart", "data-chart": "pnl" });
  const pnlSummary = h("p", { class: "sr-only" });
  const pnlNote = h("p", { class: "muted small" });
  const trips = h("div", null, loading("round trips"));
  const eventList = h("ol", { class: "events" });
  const eventsMore = h("div");

  /** Bumped whenever the charts are cleared, so a draw still waiting for the chart module gives up. */
  let generation = 0;
  const clearCharts = () => {
    generation++;
    for (const c of chartCleanups.splice(0)) c();
  };

  const draw = async (el: HTMLElement, note: HTMLElement, points: Point[], kind: "value" | "pnl", what: string, source: string) => {
    const summary = kind === "value" ? valueSummary : pnlSummary;
    summary.textContent = "";
    if (points.length < 2) {
      el.replaceChildren();
      el.classList.add("empty");
      note.textContent = `Not enough ${what} history in the ${WINDOW_LABELS[win]} to draw.`;
      return;
    }
    el.classList.remove("empty");
    const drawing = generation;
    const { drawChart } = await chartsModule;
    if (pageController.signal.aborted || drawing !== generation) return;
    chartCleanups.push(drawChart(el, points, kind));
    const first = points[0]?.v;
    const last = points[points.length - 1]?.v;
    summary.textContent = `${what}, ${WINDOW_LABELS[win]}: from ${usd(first)} to ${usd(last)}.`;
    note.textContent = source;
  };

  const drawCharts = async (equity: Equity) => {
    clearCharts();
    const series = (s: Equity["account_value"]) => s.flatMap((p) => (toNumber(p.v) === null ? [] : [{ t: p.t, v: toNumber(p.v) ?? 0 }]));
    await draw(valueChart, valueNote, series(equity.account_value), "value", "Account value", equity.updated_at ? `Exchange history as of ${when(equity.updated_at)}.` : "");
    await draw(pnlChart, pnlNote, series(equity.realized_pnl), "pnl", "Cumulative realized PnL", "Closed PnL minus fees plus funding, from the trader's fills and funding payments.");
  };

  /** An API without the route (older than this page) or a failure: the charts say so instead. */
  const chartsUnavailable = (error: unknown) => {
    clearCharts();
    for (const el of [valueChart, pnlChart]) {
      el.replaceChildren();
      el.classList.add("empty");
    }
    valueSummary.textContent = "";
    pnlSummary.textContent = "";
    const text = error instanceof ApiError && error.status === 404 ? "Not available from this API yet." : `Could not load the history: ${message(error)}`;
    valueNote.textContent = text;
    pnlNote.textContent = text;
  };

  const loadWindow = async () => {
    windowController?.abort();
    windowController = new AbortController();
    const { signal } = windowController;
    replaceQuery(`/traders/${address}`, { window: win === "30d" ? null : win });
    if (trader) replace(cards, metricCards(trader.metrics?.[win] ?? undefined, win));
    replace(trips, loading("round trips"));
    const [equity, roundTrips] = await Promise.allSettled([api.equity(address, win, signal), api.roundTrips(address, { window: win, limit: TRIPS_PAGE }, signal)]);
    if (signal.aborted) return;
    if (equity.status === "fulfilled") void drawCharts(equity.value);
    else chartsUnavailable(equity.reason);
    renderTrips(roundTrips);
  };

  const renderTrips = (result: PromiseSettledResult<RoundTripsPage>) => {
    if (result.status === "rejected") {
      const e = result.reason;
      replace(trips, e instanceof ApiError && e.status === 404 ? h("p", { class: "muted" }, "Round trips are not available from this API yet.") : errorBox(message(e), () => void loadWindow()));
      return;
    }
    const page = result.value;
    if (page.round_trips.length === 0) {
      replace(trips, h("p", { class: "muted" }, `No round trip closed in the ${WINDOW_LABELS[win]}.`));
      return;
    }
    const view = roundTripsTable(page.round_trips);
    const more = loadMoreButton(
      "Load more round trips",
      page.next_cursor,
      async (cursor) => {
        const next = await api.roundTrips(address, { window: win, limit: TRIPS_PAGE, cursor }, windowController?.signal);
        view.querySelector("tbody")?.append(...roundTripRows(next.round_trips));
        return next.next_cursor;
      },
      (error) => errorBox(message(error)),
    );
    replace(trips, view, more);
  };

  const renderTrader = (t: TraderDetail) => {
    const bot = Object.values(t.metrics ?? {}).some((r) => r?.is_bot);
    const vault = Object.values(t.metrics ?? {}).some((r) => r?.is_vault);
    replace(
      meta,
      t.is_active ? "Tracked" : "Not tracked any more",
      ` · first seen ${ago(t.first_seen_at)}`,
      t.last_tracked_at ? ` · last checked ${ago(t.last_tracked_at)}` : " · not checked yet",
      t.discovery_source === "manual" ? " · added by hand" : t.discovery_coin ? ` · found trading ${t.discovery_coin}` : "",
      bot && h("span", { class: "badge" }, "likely bot"),
      vault && h("span", { class: "badge vault", title: "The exchange says this address is a vault: returns leave its depositors' money out" }, "vault"),
      freshnessBadge(t.data_freshness ?? null),
    );
    replace(cards, metricCards(t.metrics?.[win] ?? undefined, win));
    replace(positions, positionsTable(t.positions));
    marks.textContent = t.marks_at ? `Marks as of ${when(t.marks_at)}.` : "";
  };

  const renderEvents = () => {
    replace(eventList, events.map((e) => eventRow(e, { showTrader: false })));
    if (events.length === 0) replace(eventsMore, h("p", { class: "muted" }, "No position changes recorded yet."));
    else if (eventsCursor) replace(eventsMore, h("button", { type: "button", class: "button", onclick: () => void loadEvents(eventsCursor) }, "Load older events"));
    else eventsMore.replaceChildren();
  };

  const loadEvents = async (cursor: string | null) => {
    try {
      const page = await api.events(address, { limit: EVENTS_PAGE, cursor }, pageController.signal);
      events = cursor ? [...events, ...page.events] : page.events;
      eventsCursor = page.next_cursor;
      renderEvents();
    } catch (error) {
      if (!isAbort(error)) replace(eventsMore, errorBox(message(error)));
    }
  };

  const loadTrader = async () => {
    try {
      trader = await api.trader(address, pageController.signal);
      renderTrader(trader);
      return true;
    } catch (error) {
      if (isAbort(error)) return false;
      if (error instanceof ApiError && error.status === 404) {
        replace(
          main,
          h("h1", { tabindex: -1 }, "Trader not tracked"),
          copyableAddress(address),
          h("p", null, "This address is not tracked yet. ", h("a", { href: `#/track?address=${address}` }, "Track this trader"), " to follow its positions."),
        );
      } else {
        replace(positions, errorBox(message(error), () => void loadTrader()));
      }
      return false;
    }
  };

  const section = (title: string, ...body: (HTMLElement | false)[]) =>
    h("section", { "aria-labelledby": `h-${title.replace(/\W+/g, "-").toLowerCase()}` }, h("h2", { id: `h-${title.replace(/\W+/g, "-").toLowerCase()}` }, title), ...body);

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Trader"), windowPicker("trader-window", win, (w) => ((win = w), void loadWindow()))),
    copyableAddress(address),
    meta,
    h("details", { class: "copy-this" }, h("summary", null, "Copy this trader"), copyTraderForm(api, address)),
    section("Figures", cards),
    section("Open positions", positions, marks),
    section(
      "Charts",
      h(
        "div",
        { class: "charts" },
        h("figure", null, h("figcaption", null, "Account value"), valueSummary, valueChart, valueNote),
        h("figure", null, h("figcaption", null, "Cumulative realized PnL"), pnlSummary, pnlChart, pnlNote),
      ),
    ),
    section("Round trips", trips),
    section("Events", h("div", { role: "log", "aria-label": "Events of this trader", class: "log" }, eventList), eventsMore),
  );

  void (async () => {
    const [found] = await Promise.all([loadTrader(), loadEvents(null)]);
    if (found) await loadWindow();
  })();

  // Live: a new event of this trader goes on top, and its positions are read again.
  let refresh: ReturnType<typeof setTimeout> | undefined;
  const offEvent = feed.onEvent((e) => {
    if (e.trader_address.toLowerCase() !== address || events.some((x) => x.id === e.id)) return;
    events = [e, ...events];
    eventList.prepend(eventRow(e, { showTrader: false, fresh: true }));
    if (events.length === 1) renderEvents();
    clearTimeout(refresh);
    refresh = setTimeout(() => void loadTrader(), 500);
  });

  return () => {
    offEvent();
    clearTimeout(refresh);
    pageController.abort();
    windowController?.abort();
    clearCharts();
  };
};
