import { ApiError, isAbort, WINDOWS, type LeaderboardPage, type LeaderboardRow, type Window } from "../api";
import { errorBox, h, replace, type Child } from "../dom";
import { ago, count, days, hours, num2, pct, shortAddress, signedUsd, tone, usd, when } from "../format";
import { replaceQuery, traderHref, type View } from "../router";
import { windowPicker, WINDOW_LABELS } from "./window-picker";

const PAGE_SIZE = 50;

type SortField =
  | "score" | "win_rate" | "realized_pnl_usd" | "roi" | "total_volume_usd" | "trades_count" | "avg_risk_ratio"
  | "profit_factor" | "max_drawdown" | "sharpe" | "max_profit_usd" | "max_loss_usd" | "fees_usd" | "avg_hold_hours"
  | "account_age_days";

interface Column {
  label: string;
  /** What the metric means, shown on hover and read by screen readers. */
  help: string;
  sort?: SortField;
  cell: (row: LeaderboardRow) => Child;
}

const money = (value: string | null, signed = false): Child =>
  h("span", { class: tone(signed ? value : null) ?? "" }, signed ? signedUsd(value) : usd(value));

/** Every metric of a row. Names and meanings follow the README's "Leaderboard metrics". */
const COLUMNS: Column[] = [
  { label: "Score", help: "0–1 across the traders of this window", sort: "score", cell: (r) => num2(r.score) },
  { label: "Win rate", help: "Winning ÷ closed round trips", sort: "win_rate", cell: (r) => pct(r.win_rate) },
  { label: "Realized PnL", help: "Closed PnL minus fees, plus funding", sort: "realized_pnl_usd", cell: (r) => money(r.realized_pnl_usd, true) },
  { label: "ROI", help: "Time-weighted return, deposits and withdrawals taken out", sort: "roi", cell: (r) => h("span", { class: tone(r.roi) ?? "" }, pct(r.roi, true)) },
  { label: "Volume", help: "Traded notional", sort: "total_volume_usd", cell: (r) => usd(r.total_volume_usd) },
  { label: "Trades", help: "Perp fills", sort: "trades_count", cell: (r) => count(r.trades_count) },
  { label: "Round trips", help: "Closed round trips counted in the round-trip figures", cell: (r) => count(r.round_trips) },
  { label: "Payoff", help: "Average win ÷ average loss", sort: "avg_risk_ratio", cell: (r) => num2(r.avg_risk_ratio) },
  { label: "Profit factor", help: "Gross wins ÷ gross losses", sort: "profit_factor", cell: (r) => (r.profit_factor_infinite ? "∞" : num2(r.profit_factor)) },
  { label: "Max drawdown", help: "Largest peak-to-trough fall of equity", sort: "max_drawdown", cell: (r) => pct(r.max_drawdown) },
  { label: "Sharpe", help: "Daily returns, annualised", sort: "sharpe", cell: (r) => num2(r.sharpe) },
  { label: "Best trade", help: "Best round trip's PnL", sort: "max_profit_usd", cell: (r) => money(r.max_profit_usd) },
  { label: "Worst trade", help: "Worst round trip's loss", sort: "max_loss_usd", cell: (r) => money(r.max_loss_usd === null ? null : `-${r.max_loss_usd}`, true) },
  { label: "Fees", help: "Fees paid (negative: rebates)", sort: "fees_usd", cell: (r) => usd(r.fees_usd) },
  { label: "Avg hold", help: "Average time a round trip was held", sort: "avg_hold_hours", cell: (r) => hours(r.avg_hold_hours) },
  { label: "Account age", help: "Days since the oldest fill we hold", sort: "account_age_days", cell: (r) => days(r.account_age_days) },
];

const SORT_FIELDS = new Set<string>(COLUMNS.flatMap((c) => (c.sort ? [c.sort] : [])));
/** Where less is better, the first click sorts ascending. */
const ASCENDING_FIRST = new Set<SortField>(["max_drawdown", "max_loss_usd", "fees_usd"]);

interface Filters {
  min_trades: string;
  min_volume_usd: string;
  min_account_age_days: string;
  exclude_bots: boolean;
}

interface State {
  window: Window;
  sort: SortField;
  order: "asc" | "desc";
  filters: Filters;
  /** Cursors of the pages before the current one; the current page's cursor is the last. */
  cursors: (string | undefined)[];
}

const fromQuery = (q: URLSearchParams): State => {
  const window = WINDOWS.find((w) => w === q.get("window")) ?? "all";
  const sortParam = q.get("sort_by") ?? "";
  const sort = (SORT_FIELDS.has(sortParam) ? sortParam : "score") as SortField;
  const whole = (v: string | null) => (v !== null && /^\d{1,9}$/.test(v) ? v : "");
  const amount = (v: string | null) => (v !== null && /^\d{1,15}(\.\d{1,18})?$/.test(v) ? v : "");
  return {
    window,
    sort,
    order: q.get("order") === "asc" ? "asc" : "desc",
    filters: {
      min_trades: whole(q.get("min_trades")),
      min_volume_usd: amount(q.get("min_volume_usd")),
      min_account_age_days: whole(q.get("min_account_age_days")),
      exclude_bots: q.get("exclude_bots") === "true",
    },
    cursors: [undefined],
  };
};

const apiQuery = (s: State) => ({
  window: s.window,
  sort_by: s.sort,
  order: s.order,
  limit: PAGE_SIZE,
  min_trades: s.filters.min_trades,
  min_volume_usd: s.filters.min_volume_usd,
  min_account_age_days: s.filters.min_account_age_days,
  exclude_bots: s.filters.exclude_bots ? "true" : "",
});

export const leaderboardView: View = (main, route, { api }) => {
  document.title = "Leaderboard · HL copy-trader";
  const state = fromQuery(route.query);
  let controller: AbortController | undefined;
  let page: LeaderboardPage | undefined;
  let notice = "";

  const updated = h("p", { class: "muted updated" });
  const announcer = h("p", { class: "sr-only", role: "status" });
  const tableWrap = h("div", { class: "table-wrap", role: "region", "aria-label": "Leaderboard table", tabindex: 0 });
  const pager = h("nav", { class: "pager", "aria-label": "Leaderboard pages" });

  const load = async () => {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    replaceQuery("/", { ...apiQuery(state), limit: null, ...(state.sort === "score" && { sort_by: null }), ...(state.order === "desc" && { order: null }) });
    tableWrap.setAttribute("aria-busy", "true");
    try {
      const cursor = state.cursors[state.cursors.length - 1];
      page = await api.leaderboard({ ...apiQuery(state), cursor }, signal);
      notice = "";
    } catch (error) {
      if (isAbort(error)) return;
      // A cursor outlives its snapshot when the leaderboard is refreshed: start again at page 1.
      if (error instanceof ApiError && error.status === 400 && state.cursors.length > 1) {
        state.cursors = [undefined];
        notice = "The leaderboard was refreshed meanwhile: back to the first page.";
        return load();
      }
      page = undefined;
      replace(tableWrap, errorBox(error instanceof Error ? error.message : String(error), () => void load()));
      tableWrap.removeAttribute("aria-busy");
      return;
    }
    tableWrap.removeAttribute("aria-busy");
    renderTable();
  };

  const sortBy = (field: SortField) => {
    if (state.sort === field) state.order = state.order === "desc" ? "asc" : "desc";
    else {
      state.sort = field;
      state.order = ASCENDING_FIRST.has(field) ? "asc" : "desc";
    }
    state.cursors = [undefined];
    const label = COLUMNS.find((c) => c.sort === field)?.label ?? field;
    announcer.textContent = `Sorted by ${label}, ${state.order === "desc" ? "descending" : "ascending"}`;
    void load();
  };

  const header = (c: Column): HTMLTableCellElement => {
    if (!c.sort) return h("th", { scope: "col", class: "num", title: c.help }, c.label);
    const active = state.sort === c.sort;
    const field = c.sort;
    return h(
      "th",
      { scope: "col", class: "num", "data-sort": field, "aria-sort": active ? (state.order === "desc" ? "descending" : "ascending") : null },
      h(
        "button",
        { type: "button", class: "sort", title: `${c.help}. Sort by ${c.label}`, onclick: () => sortBy(field) },
        c.label,
        h("span", { class: "arrow", "aria-hidden": "true" }, active ? (state.order === "desc" ? "▼" : "▲") : "↕"),
      ),
    );
  };

  const renderTable = () => {
    if (!page) return;
    const offset = (state.cursors.length - 1) * PAGE_SIZE;
    updated.textContent = page.updated_at
      ? `Updated ${ago(page.updated_at)} (${when(page.updated_at)}) · ${WINDOW_LABELS[state.window]}`
      : "";
    if (page.updated_at === null) {
      replace(tableWrap, h("p", { class: "notice" }, "No leaderboard yet: it appears once the leaderboard job has run (locally right after the first discovery run, then on its schedule; in AWS within an hour of deploying)."));
    } else if (page.leaderboard.length === 0) {
      const filtered = Object.values(state.filters).some((v) => v !== "" && v !== false);
      replace(tableWrap, h("p", { class: "notice" }, filtered ? "No trader matches these filters." : "No traders in this window yet."));
    } else {
      const sortedLabel = COLUMNS.find((c) => c.sort === state.sort)?.label ?? state.sort;
      replace(
        tableWrap,
        h(
          "table",
          { class: "data leaderboard" },
          h("caption", { class: "sr-only" }, `Traders by ${sortedLabel}, ${state.order === "desc" ? "descending" : "ascending"}, ${WINDOW_LABELS[state.window]}`),
          h("thead", null, h("tr", null, h("th", { scope: "col", class: "num" }, "#"), h("th", { scope: "col" }, "Trader"), COLUMNS.map(header))),
          h(
            "tbody",
            null,
            page.leaderboard.map((row, i) =>
              h(
                "tr",
                { "data-address": row.trader_address },
                h("td", { class: "num muted" }, offset + i + 1),
                h(
                  "th",
                  { scope: "row", class: "trader" },
                  h("a", { href: traderHref(row.trader_address), title: row.trader_address, class: "mono" }, shortAddress(row.trader_address)),
                  row.is_bot && h("span", { class: "badge", title: "Looks like a bot or market maker" }, "bot"),
                  row.is_vault && h("span", { class: "badge vault", title: "A vault: its figures are the vault's, its depositors' money left out of returns" }, "vault"),
                  row.data_status === "stale" &&
                    h("span", { class: "badge stale", title: "Its history has not synced for a while: these figures may be old" }, "stale data"),
                ),
                COLUMNS.map((c) => h("td", { class: "num", "data-col": c.sort ?? "round_trips" }, c.cell(row))),
              ),
            ),
          ),
        ),
      );
    }
    const pageNo = state.cursors.length;
    replace(
      pager,
      h("button", { type: "button", class: "button", disabled: pageNo === 1, onclick: () => (state.cursors.pop(), void load()) }, "← Previous"),
      h("span", { class: "muted" }, `Page ${pageNo}`),
      h("button", { type: "button", class: "button", disabled: !page.next_cursor, onclick: () => (state.cursors.push(page?.next_cursor ?? undefined), void load()) }, "Next →"),
      notice && h("span", { class: "muted", role: "status" }, notice),
    );
  };

  const filters = filterForm(state.filters, () => {
    state.cursors = [undefined];
    void load();
  });
  const picker = windowPicker("leaderboard-window", state.window, (w) => {
    state.window = w;
    state.cursors = [undefined];
    void load();
  });

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Leaderboard"), updated),
    h("div", { class: "controls" }, picker, filters),
    announcer,
    tableWrap,
    pager,
  );
  void load();
  return () => controller?.abort();
};

/** Minimum trades, volume and account age, and hiding bots; applied as the user types (debounced). */
const filterForm = (filters: Filters, changed: () => void): HTMLFormElement => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = (now: boolean) => {
    clearTimeout(timer);
    if (now) changed();
    else timer = setTimeout(changed, 400);
  };
  const numberField = (key: "min_trades" | "min_volume_usd" | "min_account_age_days", label: string, step: string) => {
    const id = `filter-${key}`;
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h("input", {
        id,
        name: key,
        type: "number",
        min: 0,
        step,
        inputmode: step === "1" ? "numeric" : "decimal",
        value: filters[key],
        placeholder: "any",
        oninput: (e: Event) => {
          const input = e.target as HTMLInputElement;
          if (!input.validity.valid) return;
          filters[key] = input.value;
          apply(false);
        },
      }),
    );
  };
  return h(
    "form",
    { class: "filters", "aria-label": "Filters", onsubmit: (e: Event) => (e.preventDefault(), apply(true)) },
    numberField("min_trades", "Min. trades", "1"),
    numberField("min_volume_usd", "Min. volume ($)", "any"),
    numberField("min_account_age_days", "Min. account age (days)", "1"),
    h(
      "div",
      { class: "field check" },
      h("input", {
        id: "filter-exclude_bots",
        type: "checkbox",
        checked: filters.exclude_bots,
        onchange: (e: Event) => {
          filters.exclude_bots = (e.target as HTMLInputElement).checked;
          apply(true);
        },
      }),
      h("label", { for: "filter-exclude_bots" }, "Hide bots"),
    ),
  );
};
