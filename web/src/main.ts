import { Api } from "./api";
import { loadConfig } from "./config";
import { LiveFeed, type FeedState } from "./feed";
import { storedToken } from "./feed-token";
import { h, replace } from "./dom";
import { parseHash, type AppContext, type RouteName, type View } from "./router";
import { copyView } from "./views/copy";
import { leaderboardView } from "./views/leaderboard";
import { liveView } from "./views/live";
import { traderView } from "./views/trader";
import { trackView } from "./views/track";

const notFoundView: View = (main, route) => {
  document.title = "Not found · HL copy-trader";
  replace(
    main,
    h("h1", { tabindex: -1 }, "Page not found"),
    h("p", null, `Nothing lives at ${route.param}. `, h("a", { href: "#/" }, "Go to the leaderboard"), "."),
  );
};

const VIEWS: Record<RouteName, View> = {
  leaderboard: leaderboardView,
  live: liveView,
  trader: traderView,
  track: trackView,
  copy: copyView,
  "not-found": notFoundView,
};

const NAV_OF: Partial<Record<RouteName, string>> = { leaderboard: "leaderboard", live: "live", track: "track", copy: "copy" };

const describeState = (s: FeedState, now = Date.now()): string => {
  switch (s.kind) {
    case "open":
      return "Live";
    case "connecting":
      return "Connecting…";
    case "offline":
      return "Offline";
    case "waiting":
      return `Reconnecting in ${Math.max(1, Math.ceil((s.retryAt - now) / 1000))} s`;
    case "token-needed":
      return "Token needed";
    case "refused":
      return "Token may be wrong";
  }
};

const describeTitle = (s: FeedState): string =>
  s.kind === "open"
    ? "Connected to the live feed"
    : s.kind === "token-needed" || s.kind === "refused"
      ? "Not connected to the live feed: enter its token on the Live feed page"
      : "Not connected to the live feed";

/** The header's connection badge; counts down while waiting to reconnect. */
const showConnection = (feed: LiveFeed): void => {
  const badge = document.getElementById("conn");
  const text = badge?.querySelector(".conn-text");
  if (!badge || !text) return;
  let ticker: ReturnType<typeof setInterval> | undefined;
  feed.onState((s) => {
    badge.dataset.state = s.kind;
    text.textContent = describeState(s);
    badge.title = describeTitle(s);
    clearInterval(ticker);
    if (s.kind === "waiting") ticker = setInterval(() => (text.textContent = describeState(s)), 1_000);
  });
};

const start = async (): Promise<void> => {
  const main = document.getElementById("main");
  if (!main) return;
  const config = await loadConfig();
  const feed = new LiveFeed(config.wsUrl, { tokenRequired: config.wsTokenRequired, token: storedToken() });
  const ctx: AppContext = { api: new Api(config.apiBase), feed };
  showConnection(ctx.feed);
  ctx.feed.start();

  // The skip link targets <main> by id; following it would change the hash route.
  document.getElementById("skip-link")?.addEventListener("click", (e) => {
    e.preventDefault();
    main.focus();
  });

  let cleanup: (() => void) | void;
  let first = true;
  const render = () => {
    const route = parseHash(location.hash);
    cleanup?.();
    main.replaceChildren();
    for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
      if (link.dataset.nav === NAV_OF[route.name]) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    cleanup = VIEWS[route.name](main, route, ctx);
    // After a navigation, focus the new page's heading so that screen readers announce it.
    if (!first) main.querySelector<HTMLElement>("h1")?.focus();
    first = false;
    window.scrollTo(0, 0);
  };
  window.addEventListener("hashchange", render);
  render();
};

void start();
