import type { CopyOrder, CopyOrderStatus, Follower, FollowerConfigView, FollowerPosition, SizingBody } from "../copy-api";
import { h, type Child } from "../dom";
import { ago, decimal, delay, exactPct, fullUsd, shortAddress, signedUsd, tone, usd, when } from "../format";
import { followerHref, traderHref } from "../router";

/** The Copy page's pieces: the followers table, a follower's positions and orders, its config. */

const STATE_LABEL: Record<Follower["state"], string> = { active: "Active", paused: "Paused", stopped: "Stopped" };

export const stateTag = (f: Pick<Follower, "state" | "closing">): HTMLElement =>
  h("span", { class: "tag state", "data-state": f.state }, STATE_LABEL[f.state], f.closing ? " · closing" : "");

/** A return or gap given as a decimal string ("-0.0027" → "-0.27%"). */
export const returnPct = (value: string | null | undefined): string => exactPct(value, true);

const money = (value: string | null | undefined): Child => h("span", { class: tone(value) ?? "" }, signedUsd(value));

/** Column labels; the numeric ones (right-aligned) start with `#`. */
const table = (label: string, head: readonly string[], rows: HTMLTableRowElement[]) =>
  h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": label, tabindex: 0 },
    h(
      "table",
      { class: "data" },
      h("thead", null, h("tr", null, head.map((c) => h("th", { scope: "col", class: c.startsWith("#") ? "num" : "" }, c.replace(/^#/, ""))))),
      h("tbody", null, rows),
    ),
  );

export const followerRows = (followers: readonly Follower[]): HTMLTableRowElement[] =>
  followers.map((f) =>
    h(
      "tr",
      { "data-id": f.id, "data-state": f.state },
      h("th", { scope: "row" }, h("a", { href: followerHref(f.id) }, f.name)),
      h("td", { "data-col": "mode" }, f.mode === "paper" ? "Paper" : "Live"),
      h("td", { "data-col": "state" }, stateTag(f)),
      h("td", { class: "num", "data-col": "equity" }, fullUsd(f.equity_usd)),
      h("td", { class: "num", "data-col": "realized" }, money(f.realized_pnl_usd)),
      h("td", { class: "num", "data-col": "gap" }, h("span", { class: tone(f.copy_gap?.gap) ?? "" }, returnPct(f.copy_gap?.gap))),
    ),
  );

export const followersTable = (followers: readonly Follower[]): HTMLElement =>
  table("Followers", ["Name", "Mode", "State", "#Equity", "#Realized PnL", "#Copy gap"], followerRows(followers));

const side = (buy: boolean, text: string) => h("span", { class: `tag side ${buy ? "long" : "short"}` }, text);

export const followerPositionsTable = (positions: readonly FollowerPosition[]): HTMLElement =>
  positions.length === 0
    ? h("p", { class: "muted" }, "No open positions.")
    : table(
        "Follower positions",
        ["Coin", "Side", "#Size", "#Entry", "#Unrealized PnL"],
        positions.map((p) => {
          const short = p.szi.startsWith("-");
          return h(
            "tr",
            { "data-coin": p.coin },
            h("th", { scope: "row" }, p.coin),
            h("td", null, side(!short, short ? "Short" : "Long")),
            h("td", { class: "num", "data-col": "size" }, decimal(short ? p.szi.slice(1) : p.szi)),
            h("td", { class: "num", "data-col": "entry" }, decimal(p.entry_price)),
            h("td", { class: "num", "data-col": "unrealized" }, money(p.unrealized_pnl_usd)),
          );
        }),
      );

const STATUS_LABEL: Record<CopyOrderStatus, string> = {
  pending: "Pending",
  filled: "Filled",
  partially_filled: "Partly filled",
  cancelled: "Not filled",
  rejected: "Rejected",
};

const STATUS_TITLE: Partial<Record<CopyOrderStatus, string>> = {
  pending: "Sent; its answer is not known yet (the next run asks the exchange by its cloid)",
  cancelled: "An IOC order that found nothing within its limit price: the exchange cancelled it",
};

/** `reconcile:<ms>` and `close:<ms>` are the engine's own orders, not a leader's event. */
const eventLabel = (eventId: string): Child => {
  const own = /^(reconcile|close):/.exec(eventId);
  return own ? h("span", { class: "muted", title: eventId }, own[1] === "close" ? "Close all" : "Reconciliation") : h("code", null, eventId);
};

export const orderRows = (orders: readonly CopyOrder[]): HTMLTableRowElement[] =>
  orders.map((o) =>
    h(
      "tr",
      { "data-cloid": o.cloid, "data-status": o.status },
      h("td", { "data-col": "event" }, eventLabel(o.event_id)),
      h("th", { scope: "row" }, o.coin),
      h("td", { "data-col": "side" }, side(o.side === "buy", o.side === "buy" ? "Buy" : "Sell"), o.reduce_only ? h("span", { class: "badge" }, "reduce-only") : null),
      h("td", { class: "num", "data-col": "size" }, decimal(o.size)),
      h("td", { class: "num", "data-col": "limit" }, decimal(o.limit_price)),
      h("td", { "data-col": "status", title: o.error ?? STATUS_TITLE[o.status] ?? null }, STATUS_LABEL[o.status], o.error ? h("span", { class: "muted small" }, ` (${o.error})`) : null),
      h("td", { class: "num", "data-col": "fill-price" }, decimal(o.fill_price)),
      h("td", { class: "num", "data-col": "filled" }, decimal(o.filled_size)),
      h("td", { class: "num", "data-col": "fee" }, usd(o.fee_usd)),
      h("td", { class: "num", "data-col": "to-order" }, delay(o.signal_to_order_ms)),
      h("td", { class: "num", "data-col": "to-fill" }, delay(o.signal_to_fill_ms)),
      h("td", { class: "num", "data-col": "signal" }, h("time", { datetime: o.signal_at }, when(o.signal_at))),
    ),
  );

export const ordersTable = (orders: readonly CopyOrder[]): HTMLElement =>
  table(
    "Follower orders",
    ["Event", "Coin", "Side", "#Size", "#Limit", "Status", "#Fill price", "#Filled", "#Fee", "#Signal → order", "#Signal → fill", "#Signal"],
    orderRows(orders),
  );

export const sizingText = (s: SizingBody): string =>
  s.mode === "proportional"
    ? `Proportional to equity × ${decimal(s.multiplier)}`
    : s.mode === "fixed_ratio"
      ? `Leader's size × ${decimal(s.ratio)}`
      : `${usd(s.notional_usd)} per new position`;

/** The config as a short list; only what is set. */
export const configSummary = (c: FollowerConfigView): HTMLElement => {
  const row = (label: string, value: Child) => h("div", { class: "config-row" }, h("dt", null, label), h("dd", null, value));
  const caps = c.caps;
  const coins = (list: readonly string[] | undefined) => (list && list.length > 0 ? list.join(", ") : null);
  return h(
    "dl",
    { class: "config" },
    row(
      c.leaders.length === 1 ? "Leader" : "Leaders",
      h(
        "ul",
        { class: "plain" },
        c.leaders.map((l) => h("li", null, h("a", { href: traderHref(l.address), class: "mono", title: l.address }, shortAddress(l.address)), " · ", sizingText(l.sizing))),
      ),
    ),
    c.mode === "paper" && row("Paper balance", fullUsd(c.paper_balance_usd)),
    c.mode === "paper" && c.taker_fee_rate !== undefined && row("Taker fee", exactPct(c.taker_fee_rate)),
    c.mode === "live" && row("Account", h("code", null, c.account_address ?? "")),
    c.mode === "live" && row("Agent key", h("code", null, c.agent_key_ref ?? "")),
    c.mode === "live" && row("Network", c.network ?? ""),
    row("Max slippage", caps.max_slippage_bps === undefined ? "—" : `${caps.max_slippage_bps} bps`),
    caps.max_position_usd !== undefined && row("Max position", usd(caps.max_position_usd)),
    caps.max_total_exposure_usd !== undefined && row("Max total exposure", usd(caps.max_total_exposure_usd)),
    caps.max_leverage !== undefined && row("Max leverage", `${decimal(caps.max_leverage)}×`),
    coins(caps.coins_allow) !== null && row("Only coins", coins(caps.coins_allow)),
    coins(caps.coins_deny) !== null && row("Never coins", coins(caps.coins_deny)),
    caps.max_signal_age_seconds !== undefined && row("Max signal age", `${caps.max_signal_age_seconds} s`),
    caps.daily_loss_limit_usd !== undefined && row("Daily loss limit", usd(caps.daily_loss_limit_usd)),
    caps.max_drawdown !== undefined && row("Max drawdown", exactPct(caps.max_drawdown)),
    row("Start", c.start === "sync_now" ? "Copied the leaders' open positions at once" : "New changes only"),
    c.on_pause !== undefined && row("When the kill switch pauses it", c.on_pause === "close" ? "Close positions" : "Keep positions"),
  );
};

const PAUSE_REASON: Record<string, string> = {
  daily_loss_limit: "daily loss limit reached",
  max_drawdown: "maximum drawdown reached",
  order_errors: "orders refused by the exchange",
  agent_key: "agent key problem",
  user: "paused by you",
};

/** One sentence: the state, why it is paused, whether it is still closing positions. */
export const stateText = (f: Follower): string => {
  const closing = f.closing ? " Its positions are being closed." : "";
  if (f.state === "active") return `Active: copying its ${f.config.leaders.length === 1 ? "leader" : "leaders"}.${closing}`;
  const why = f.pause ? ` (${PAUSE_REASON[f.pause.reason] ?? f.pause.reason}: ${f.pause.message}, ${ago(f.pause.at)})` : "";
  if (f.state === "paused") return `Paused${why}: it sends no orders until resumed.${closing}`;
  return `Stopped${why}: it trades nothing any more.${closing}`;
};
