import type { Api } from "./api";
import type { LiveFeed } from "./feed";

/**
 * Hash routes (`#/traders/0x…`), so that S3 and the local server need no fallback beyond /app/ →
 * index.html. A view renders into <main> and returns what to undo when the user leaves it.
 */

export type RouteName = "leaderboard" | "live" | "trader" | "track" | "copy" | "not-found";

export interface Route {
  name: RouteName;
  /** `address` for a trader page; a follower's id on the Copy page (empty: the list). */
  param: string;
  query: URLSearchParams;
}

export interface AppContext {
  api: Api;
  feed: LiveFeed;
}

export type View = (main: HTMLElement, route: Route, ctx: AppContext) => (() => void) | void;

export const parseHash = (hash: string): Route => {
  const raw = hash.replace(/^#/, "");
  const [pathPart = "", queryPart = ""] = raw.split("?", 2);
  const path = pathPart.replace(/\/+$/, "") || "/";
  const query = new URLSearchParams(queryPart);
  if (path === "/") return { name: "leaderboard", param: "", query };
  if (path === "/live") return { name: "live", param: "", query };
  if (path === "/track") return { name: "track", param: "", query };
  if (path === "/copy") return { name: "copy", param: "", query };
  const follower = /^\/copy\/([^/]+)$/.exec(path);
  if (follower?.[1]) return { name: "copy", param: decodeURIComponent(follower[1]), query };
  const trader = /^\/traders\/([^/]+)$/.exec(path);
  if (trader?.[1]) return { name: "trader", param: decodeURIComponent(trader[1]).toLowerCase(), query };
  return { name: "not-found", param: path, query };
};

/** Rewrites the current hash's query without a navigation (no `hashchange`, no re-render). */
export const replaceQuery = (path: string, query: Record<string, string | number | boolean | null | undefined>): void => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "" && value !== false) params.set(key, String(value));
  }
  const qs = params.toString();
  history.replaceState(history.state, "", `#${path}${qs ? `?${qs}` : ""}`);
};

export const traderHref = (address: string): string => `#/traders/${address}`;
export const followerHref = (id: string): string => `#/copy/${encodeURIComponent(id)}`;
