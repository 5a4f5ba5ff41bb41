import { ApiError, isAbort } from "../api";
import type { Follower, FollowersApi } from "../copy-api";
import { returnCurves } from "../copy-returns";
import { h, loading, replace } from "../dom";
import { ago, fullUsd, pct, signedUsd, tone, usd, when } from "../format";
import type { View } from "../router";
import { actionsBar } from "./copy-actions";
import { configSummary, followerPositionsTable, orderRows, ordersTable, returnPct, stateTag, stateText } from "./copy-parts";
import { errorNotice, keyGate } from "./copy-key";
import { loadMoreButton } from "./load-more";
import type { KeyField } from "./track-key";

const ORDERS_PAGE = 50;
/** While the tab is visible, the follower, its newest orders and its curve are read again this often. */
const REFRESH_MS = 10_000;

/**
 * `#/copy/<id>`: one follower — its state and why, what it holds, the orders it sent with their
 * delays, and its equity curve against its leaders' as returns since the baseline; kept current
 * while the tab is visible (read every REFRESH_MS).
 */
export const followerView: View = (main, route, { api }) => {
  const id = route.param;
  document.title = "Follower · HL copy-trader";
  const controller = new AbortController();
  const chartsModule = import("../charts");
  let removeChart: (() => void) | undefined;
  let followers: FollowersApi | undefined;

  const title = h("h1", { tabindex: -1 }, "Follower");
  const meta = h("p", { class: "muted meta" });
  const state = h("div", { class: "state-line", "aria-live": "polite" });
  const actionResult = h("div", { class: "result", "aria-live": "polite" });
  const actions = h("div");
  const cards = h("div");
  const config = h("div");
  const positions = h("div");
  const chart = h("div", { class: "chart", "data-chart": "returns" });
  const chartSummary = h("p", { class: "sr-only" });
  const chartNote = h("p", { class: "muted small" });
  const orders = h("div");
  const body = h("div", { hidden: true });

  const card = (label: string, value: HTMLElement | string, title?: string) =>
    h("div", { class: "card", "data-card": label, title: title ?? null }, h("dt", null, label), h("dd", null, value));
  const signed = (value: string | null | undefined) => h("span", { class: tone(value) ?? "" }, signedUsd(value));

  /** What the page shows, to redraw only what changed (a redraw would take the focus from a button). */
  const shown = { follower: "", orders: "" };
  /** Older orders loaded by hand: a refresh then leaves the list alone rather than drop them. */
  let olderLoaded = false;

  const renderFollower = (f: Follower) => {
    shown.follower = JSON.stringify(f);
    document.title = `${f.name} · Copy · HL copy-trader`;
    title.textContent = f.name;
    replace(
      meta,
      h("span", { class: "badge", "data-mode": f.mode }, f.mode === "paper" ? "paper" : `live · ${f.config.network ?? ""}`),
      " ",
      stateTag(f),
      ` · created ${ago(f.created_at)}`,
      f.last_reconciled_at ? ` · last run ${ago(f.last_reconciled_at)}` : " · the engine has not run for it yet",
    );
    state.dataset.state = f.state;
    state.textContent = stateText(f);
    replace(actions, actionsBar(f, { pause: () => act(() => followers?.pause(id)), resume: () => act(() => followers?.resume(id)), stop: (close) => act(() => followers?.stop(id, close)) }));
    const gap = f.copy_gap;
    replace(
      cards,
      h(
        "dl",
        { class: "cards" },
        card("Equity", fullUsd(f.equity_usd)),
        card("Realized PnL", signed(f.realized_pnl_usd)),
        card("Fees", usd(f.fees_usd)),
        card("Copy gap", h("span", { class: tone(gap?.gap) ?? "" }, returnPct(gap?.gap)), "The follower's return minus its leaders' (their mean) over the same period"),
        card("Follower return", h("span", { class: tone(gap?.follower_return) ?? "" }, returnPct(gap?.follower_return))),
        card("Leaders' return", h("span", { class: tone(gap?.leaders_return) ?? "" }, returnPct(gap?.leaders_return))),
      ),
      h("p", { class: "muted small" }, gap ? `Returns since ${when(gap.since)}, when the engine first measured the accounts.` : "No copy gap yet: the engine measures it from its first run."),
    );
    replace(config, configSummary(f.config));
    replace(positions, followerPositionsTable(f.positions));
  };

  /** A pause, resume or stop: the answer is the follower as it now is. */
  const act = async (request: () => Promise<Follower> | undefined) => {
    replace(actionResult);
    try {
      const f = await request();
      if (f) renderFollower(f);
    } catch (error) {
      replace(actionResult, errorNotice(error));
    }
  };

  const drawEquity = async (f: Follower, followersApi: FollowersApi) => {
    removeChart?.();
    removeChart = undefined;
    const { points } = await followersApi.equity(id, f.copy_gap?.since ?? f.created_at, controller.signal);
    const curves = returnCurves(points);
    chartSummary.textContent = "";
    if (curves.follower.length < 2) {
      chart.replaceChildren();
      chart.classList.add("empty");
      chartNote.textContent = "Not enough equity history to draw yet: the engine adds a point on each run.";
      return;
    }
    chart.classList.remove("empty");
    const { drawReturns, COLORS } = await chartsModule;
    if (controller.signal.aborted) return;
    removeChart = drawReturns(chart, [
      { points: curves.leaders, color: COLORS.second },
      { points: curves.follower, color: COLORS.line },
    ]);
    const last = (p: typeof curves.follower) => p[p.length - 1]?.v;
    chartSummary.textContent = `Returns since ${when(points[0]?.time ?? f.created_at)}: the follower ${pct(last(curves.follower), true)}, its leaders ${pct(last(curves.leaders), true)}.`;
    chartNote.textContent = f.config.leaders.length === 1 ? "Blue: this follower. Orange: its leader." : "Blue: this follower. Orange: the mean of its leaders' returns.";
  };

  const firstOrders = (followersApi: FollowersApi) => followersApi.orders(id, { limit: ORDERS_PAGE }, controller.signal);

  /** Draws the newest orders page, with a button for older ones. */
  const showOrders = (followersApi: FollowersApi, page: Awaited<ReturnType<typeof firstOrders>>) => {
    shown.orders = JSON.stringify(page.orders);
    olderLoaded = false;
    if (page.orders.length === 0) {
      replace(orders, h("p", { class: "muted" }, "No orders yet: the follower trades when a leader's position changes."));
      return;
    }
    const table = ordersTable(page.orders);
    const more = loadMoreButton(
      "Load older orders",
      page.cursor,
      async (cursor) => {
        const next = await followersApi.orders(id, { limit: ORDERS_PAGE, cursor }, controller.signal);
        olderLoaded = true;
        table.querySelector("tbody")?.append(...orderRows(next.orders));
        return next.cursor;
      },
      errorNotice,
    );
    replace(orders, table, more);
  };

  const loadOrders = async (followersApi: FollowersApi) => showOrders(followersApi, await firstOrders(followersApi));

  const load = async (followersApi: FollowersApi, key: KeyField) => {
    followers = followersApi;
    replace(state, loading("the follower"));
    let f: Follower;
    try {
      f = await followersApi.get(id, controller.signal);
      key.settle();
    } catch (error) {
      if (isAbort(error)) return;
      key.settle(error);
      if (error instanceof ApiError && error.status === 404) {
        title.textContent = "Follower not found";
        replace(state, h("p", null, `No follower has the id “${id}”. `, h("a", { href: "#/copy" }, "See all followers"), "."));
      } else replace(state, errorNotice(error));
      body.hidden = true;
      return;
    }
    renderFollower(f);
    body.hidden = false;
    replace(orders, loading("orders"));
    const [equity, orderList] = await Promise.allSettled([drawEquity(f, followersApi), loadOrders(followersApi)]);
    if (equity.status === "rejected" && !isAbort(equity.reason)) replace(chartNote, `Could not load the equity curve: ${errorNotice(equity.reason).textContent ?? ""}`);
    if (orderList.status === "rejected" && !isAbort(orderList.reason)) replace(orders, errorNotice(orderList.reason));
  };

  /**
   * The engine's runs change the follower while the page is open: read it again quietly (no
   * loading placeholders), and redraw the figures, the orders and the curve only when they changed.
   */
  let refreshing = false;
  const refresh = async () => {
    if (followers === undefined || body.hidden || document.hidden || refreshing) return;
    refreshing = true;
    try {
      const f = await followers.get(id, controller.signal);
      if (JSON.stringify(f) === shown.follower) return;
      renderFollower(f);
      await drawEquity(f, followers);
      if (olderLoaded) return;
      const page = await firstOrders(followers);
      if (JSON.stringify(page.orders) !== shown.orders) showOrders(followers, page);
    } catch {
      // The next tick tries again; the Refresh button reports errors.
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh(), REFRESH_MS);

  const gate = keyGate(api, "Show follower", (f, k) => load(f, k));
  const refreshButton = h("button", { type: "button", class: "button small", onclick: () => void (followers && gate.start()) }, "Refresh");
  const section = (name: string, label: string, ...children: HTMLElement[]) =>
    h("section", { "aria-labelledby": `h-${name}` }, h("h2", { id: `h-${name}` }, label), ...children);

  replace(body, actions, actionResult, section("figures", "Figures", cards), section("positions", "Open positions", positions),
    section(
      "curve",
      "Equity against the leaders",
      h("div", { class: "charts" }, h("figure", null, h("figcaption", null, "Return since the baseline"), chartSummary, chart, chartNote)),
    ),
    section("orders", "Orders", orders),
    section("config", "Configuration", config),
  );
  replace(
    main,
    h("div", { class: "page-head" }, title, refreshButton),
    h("p", { class: "muted small" }, h("a", { href: "#/copy" }, "← All followers")),
    meta,
    state,
    gate.element,
    body,
  );
  if (!gate.start()) replace(state, h("p", { class: "muted" }, "Enter the admin key to see this follower."));
  return () => {
    clearInterval(timer);
    controller.abort();
    removeChart?.();
  };
};
