import type { z } from "zod";
import type { copyOrderSchema, equityPointsSchema, followerViewSchema } from "../../functions/api/follower-schemas.js";
import type { Api, Query } from "./api.js";

/**
 * The followers API (copy trading) as the Copy page uses it; every route needs the admin key.
 * Shapes as the API documents them (/openapi.json, README "Copy trading"): money, sizes and
 * returns are exact decimal strings, times ISO-8601.
 */

export type FollowerMode = "paper" | "live";

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

/** The API's own response schemas (type only: erased from the bundle), so page and server cannot drift. */
type FollowerViewBody = z.output<typeof followerViewSchema>;

/** The view with its config typed (the schema leaves it open: it is the POST body, normalised). */
export type Follower = Omit<FollowerViewBody, "config"> & { config: FollowerConfigView };
export type FollowerPosition = FollowerViewBody["positions"][number];
export type CopyGap = NonNullable<FollowerViewBody["copy_gap"]>;
export type CopyOrder = z.output<typeof copyOrderSchema>;
export type CopyOrderStatus = CopyOrder["status"];
export type FollowerEquityPoint = z.output<typeof equityPointsSchema>["points"][number];

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
