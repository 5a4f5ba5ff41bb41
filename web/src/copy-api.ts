import type { Api, Query } from "./api.js";

/**
 * The followers API (copy trading) as the Copy page uses it; every route needs the admin key.
 * Shapes as the API documents them (/openapi.json, README "Copy trading"): money, sizes and
 * returns are exact decimal strings, times ISO-8601.
 */

export type FollowerMode = "paper" | "live";
export type FollowerState = "active" | "paused" | "stopped";
export type PauseReason = "daily_loss_limit" | "max_drawdown" | "order_errors" | "agent_key" | "user" | (string & {});

export type SizingBody =
  | { mode: "proportional"; multiplier: string }
  | { mode: "fixed_ratio"; ratio: string }
  | { mode: "fixed_notional"; notional_usd: string };

export interface CapsBody {
  max_position_usd?: string;
  max_total_exposure_usd?: string;
  max_leverage?: string;
  coins_allow?: string[];
  coins_deny?: string[];
  max_slippage_bps?: number;
  max_signal_age_seconds?: number;
  daily_loss_limit_usd?: string;
  max_drawdown?: string;
}

/** What the page sends to create a paper follower (the API takes more; see /openapi.json). */
export interface NewPaperFollower {
  name: string;
  mode: "paper";
  leaders: { address: string; sizing: SizingBody }[];
  caps: CapsBody;
  paper_balance_usd: string;
}

export interface FollowerConfigView {
  name: string;
  mode: FollowerMode;
  leaders: { address: string; sizing: SizingBody }[];
  caps: CapsBody;
  start: "new_changes_only" | "sync_now";
  on_pause?: "keep" | "close";
  alerts_webhook_url?: string;
  paper_balance_usd?: string;
  taker_fee_rate?: string;
  account_address?: string;
  agent_key_ref?: string;
  network?: "mainnet" | "testnet";
}

export interface FollowerPosition {
  coin: string;
  szi: string;
  entry_price: string;
  unrealized_pnl_usd: string | null;
}

export interface CopyGap {
  since: string;
  follower_return: string;
  leaders_return: string;
  gap: string;
}

export interface Follower {
  id: string;
  name: string;
  mode: FollowerMode;
  state: FollowerState;
  pause: { reason: PauseReason; message: string; at: string } | null;
  closing: boolean;
  config: FollowerConfigView;
  created_at: string;
  updated_at: string;
  positions: FollowerPosition[];
  equity_usd: string | null;
  realized_pnl_usd: string;
  fees_usd: string;
  copy_gap: CopyGap | null;
  last_reconciled_at: string | null;
}

export type CopyOrderStatus = "pending" | "filled" | "partially_filled" | "cancelled" | "rejected";

export interface CopyOrder {
  cloid: string;
  event_id: string;
  leader: string | null;
  coin: string;
  side: "buy" | "sell";
  size: string;
  limit_price: string;
  reduce_only: boolean;
  status: CopyOrderStatus;
  fill_price: string | null;
  filled_size: string | null;
  fee_usd: string | null;
  error: string | null;
  signal_at: string;
  sent_at: string | null;
  filled_at: string | null;
  signal_to_order_ms: number | null;
  signal_to_fill_ms: number | null;
}

export interface FollowerEquityPoint {
  time: string;
  equity_usd: string;
  leaders_equity_usd: Record<string, string>;
}

export interface FollowersPage {
  followers: Follower[];
  cursor?: string;
}

export interface OrdersPage {
  orders: CopyOrder[];
  cursor?: string;
}

/** The followers routes with one admin key; a new key (after the user changes it) is a new instance. */
export const followersApi = (api: Api, adminKey: string) => {
  const headers = { "x-api-key": adminKey };
  const path = (id: string, rest = "") => `/followers/${encodeURIComponent(id)}${rest}`;
  const o = (query: Query = {}, signal?: AbortSignal) => ({ headers, query, ...(signal && { signal }) });
  return {
    list: (query: Query, signal?: AbortSignal) => api.request<FollowersPage>("GET", "/followers", o(query, signal)),
    get: (id: string, signal?: AbortSignal) => api.request<Follower>("GET", path(id), o({}, signal)),
    orders: (id: string, query: Query, signal?: AbortSignal) => api.request<OrdersPage>("GET", path(id, "/orders"), o(query, signal)),
    equity: (id: string, since: string, signal?: AbortSignal) =>
      api.request<{ points: FollowerEquityPoint[] }>("GET", path(id, "/equity"), o({ since }, signal)),
    create: (body: NewPaperFollower) => api.request<Follower>("POST", "/followers", { headers, body }),
    pause: (id: string) => api.request<Follower>("POST", path(id, "/pause"), { headers }),
    resume: (id: string) => api.request<Follower>("POST", path(id, "/resume"), { headers }),
    stop: (id: string, close: boolean) => api.request<Follower>("DELETE", path(id), { headers, query: { close: close || null } }),
  };
};

export type FollowersApi = ReturnType<typeof followersApi>;
