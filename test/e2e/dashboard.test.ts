/// <reference lib="dom" />
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createConnectHandler, createDisconnectHandler } from "#app/feed/connections.js";
import type { ConnectionStore } from "#domain/feed/ports.js";
import { createHttpApp, dashboardMount, startHttpServer } from "#local/http.js";
import { createWebSocketGateway } from "#local/ws-gateway.js";
import { decimal, pct, signedUsd, usd } from "../../web/src/format.js";
import { recordingLogger } from "../support/logger.js";
import { chartInk, DESKTOP, launchChromium, PHONE, screenshot, seriousViolations, watchedPage, type WatchedPage } from "./support/browser.js";
import { ADMIN_KEY, startE2eStack, type E2eStack } from "./support/stack.js";
import { TRADERS } from "./support/traders.js";

/**
 * The dashboard in a real headless Chromium against the local runtime (see ./support/stack.ts):
 * the leaderboard computed by the real leaderboard job from scripted simulator traders, the live
 * feed fed by the real tracking worker and broadcaster, the trader page and the track form.
 * Every page is checked with axe-core and photographed (test-results/screenshots/), and no test
 * may leave a console error behind.
 */

interface LeaderboardBody {
  leaderboard: { trader_address: string; total_volume_usd: string; realized_pnl_usd: string }[];
}

const GAIN: [number, number, number] = [61, 220, 151];
const LOSS: [number, number, number] = [255, 107, 107];
const LINE: [number, number, number] = [90, 169, 255];

let stack: E2eStack;
let browser: Browser;
let context: BrowserContext;
let watched: WatchedPage;
let page: Page;
const startedAt = Date.now();
let feedLatencyMs: number | undefined;

const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${stack.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
};
const rowOrder = (p: Page) => p.locator("table.leaderboard tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-address")));
const apiOrder = async (query: string) =>
  (await api<LeaderboardBody>(`/api/v1/leaderboard?limit=50&${query}`)).body.leaderboard.map((r) => r.trader_address);
const open = async (hash: string) => {
  await page.goto(`${stack.url}/app/${hash}`);
  await page.locator("main h1").waitFor();
};

beforeAll(async () => {
  stack = await startE2eStack();
  await stack.cycle(); // the first poll of each trader is a baseline, without events
  // A few live changes so the trader page has events (HOLDER adds to and trims its ETH long).
  stack.trade(TRADERS.HOLDER, "ETH", "1", "3080");
  await stack.cycle();
  stack.trade(TRADERS.HOLDER, "ETH", "-2", "3120");
  await stack.cycle();
  const summary = await stack.rank();
  expect(summary).toMatchObject({ computed: Object.keys(TRADERS).length, failed: 0, pagesFailed: 0 });
  // The job's history sync saw HIP3's fills on the builder dex xyz: the next poll asks that dex (a
  // baseline there, no event), and his add to his xyz:TSLA long is an event.
  await stack.cycle();
  stack.trade(TRADERS.HIP3, "xyz:TSLA", "1", "436");
  await stack.cycle();
  browser = await launchChromium();
  context = await browser.newContext(DESKTOP);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
  watched = await watchedPage(context);
  page = watched.page;
}, 150_000);

afterEach(() => {
  expect(watched.errors.splice(0), "console errors").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  console.log(`e2e: ${((Date.now() - startedAt) / 1000).toFixed(1)} s for the stack, the browser and the tests; live-feed event on screen ${feedLatencyMs ?? "?"} ms after it was recorded`);
});

describe("leaderboard", () => {
  it("renders the API's rows in the API's order, formatted for people, each linking to its trader", async () => {
    await open("#/");
    await page.locator("table.leaderboard tbody tr").first().waitFor();
    expect(await rowOrder(page)).toEqual(await apiOrder("window=all&sort_by=score&order=desc"));
    expect(await rowOrder(page)).toHaveLength(Object.keys(TRADERS).length);
    const veteran = page.locator(`tr[data-address="${TRADERS.VETERAN}"]`);
    // 10 ETH bought at 3,000 and sold at 3,600: $66K of volume.
    expect(await veteran.locator('td[data-col="total_volume_usd"]').textContent()).toBe("$66K");
    expect(await veteran.locator("a").getAttribute("href")).toBe(`#/traders/${TRADERS.VETERAN}`);
    await screenshot(page, "leaderboard-desktop");
  });

  it("re-sorts when a column header is clicked, and reverses on the second click", async () => {
    const before = await rowOrder(page);
    const pnlHeader = page.locator('th[data-sort="realized_pnl_usd"]');
    await pnlHeader.locator("button").click();
    await expect.poll(() => pnlHeader.getAttribute("aria-sort")).toBe("descending");
    const desc = await apiOrder("window=all&sort_by=realized_pnl_usd&order=desc");
    await expect.poll(() => rowOrder(page)).toEqual(desc);
    expect(desc).not.toEqual(before);
    const pnls = (await api<LeaderboardBody>("/api/v1/leaderboard?sort_by=realized_pnl_usd")).body.leaderboard.map((r) => Number(r.realized_pnl_usd));
    expect(pnls).toEqual([...pnls].sort((a, b) => b - a));

    await pnlHeader.locator("button").click();
    await expect.poll(() => pnlHeader.getAttribute("aria-sort")).toBe("ascending");
    await expect.poll(() => rowOrder(page)).toEqual([...desc].reverse());
    expect(page.url()).toContain("sort_by=realized_pnl_usd");

    // The keyboard does the same: focus a header and press Enter.
    await page.locator('th[data-sort="total_volume_usd"] button').focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => rowOrder(page)).toEqual(await apiOrder("window=all&sort_by=total_volume_usd&order=desc"));
  });

  it("shows each window's own values when the window selector changes", async () => {
    const volumeOf = (address: string) => page.locator(`tr[data-address="${address}"] td[data-col="total_volume_usd"]`).textContent();
    expect(await volumeOf(TRADERS.VETERAN)).toBe("$66K");
    for (const window of ["7d", "1d", "30d"] as const) {
      await page.getByRole("radio", { name: window }).check();
      const expected = (await api<LeaderboardBody>(`/api/v1/leaderboard?limit=50&window=${window}&sort_by=total_volume_usd`)).body.leaderboard;
      await expect.poll(() => rowOrder(page)).toEqual(expected.map((r) => r.trader_address));
      for (const row of expected) expect(await volumeOf(row.trader_address)).toBe(usd(row.total_volume_usd));
      expect(page.url()).toContain(`window=${window}`);
    }
    // The veteran's only trade was 25 days ago: nothing in the last 7 days, all of it in 30.
    await page.getByRole("radio", { name: "7d" }).check();
    await expect.poll(() => volumeOf(TRADERS.VETERAN)).toBe("$0.00");
    await page.getByRole("radio", { name: "30d" }).check();
    await expect.poll(() => volumeOf(TRADERS.VETERAN)).toBe("$66K");
  });

  it("filters: hiding traders below a minimum number of trades", async () => {
    await open("#/?window=all");
    await page.locator("table.leaderboard tbody tr").first().waitFor();
    await page.getByLabel("Min. trades").fill("5");
    const expected = await apiOrder("window=all&sort_by=score&min_trades=5");
    expect(expected.length).toBeLessThan(Object.keys(TRADERS).length);
    await expect.poll(() => rowOrder(page)).toEqual(expected);
    await page.getByLabel("Min. trades").fill("");
    await expect.poll(async () => (await rowOrder(page)).length).toBe(Object.keys(TRADERS).length);
  });
});

describe("live feed", () => {
  it("shows a simulated position change once it is recorded, without a reload", async () => {
    await open("#/live");
    await page.locator('#conn[data-state="open"]').waitFor();
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const ours = page.locator(`ol.events li[data-coin="ETH"]:has(a[href="#/traders/${TRADERS.HOLDER}"])`);
    expect(await ours.count()).toBe(0);

    stack.trade(TRADERS.HOLDER, "ETH", "0.5", "3090");
    await stack.cycle(); // resolves once the worker has written the event
    const recordedAt = Date.now();
    // How long it took is printed, not asserted: beside other test files it varies with the
    // machine's load (npm run bench:stream measures the feed's delay).
    await ours.first().waitFor({ timeout: 15_000 });
    feedLatencyMs = Date.now() - recordedAt;
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    // Newest on top; coloured by what it did (add = opening move) and the side.
    const first = page.locator("ol.events li").first();
    expect(await first.getAttribute("data-coin")).toBe("ETH");
    expect(await first.getAttribute("data-kind")).toBe("open");
    expect(await first.getAttribute("data-side")).toBe("long");
    expect(await first.locator(".tag.action").textContent()).toBe("Add");
    expect(await first.locator(".tag.side").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(61, 220, 151)");
    // How it was found, in words, and how long after the trade: no trades stream runs here, so by a poll.
    const detected = first.locator(".detected");
    expect(await detected.textContent()).toMatch(/^via poll in [\d.]+ (s|min|h)$/);
    expect(await detected.getAttribute("title")).toContain("from the trade on the exchange to the event here");
    // And the page says the stream is down, and what that means.
    const stream = page.locator(".stream-state");
    await expect.poll(() => stream.getAttribute("data-state")).toBe("down");
    expect(await stream.getByRole("status").textContent()).toBe("Stream down: changes arrive with the next poll (up to a minute)");

    // Filtering by coin hides it; by its trader shows it again.
    await page.getByLabel("Coin").fill("BTC");
    await expect.poll(() => ours.count()).toBe(0);
    await page.getByLabel("Coin").fill("");
    await page.getByLabel("Trader").fill(TRADERS.HOLDER.slice(0, 10));
    await expect.poll(() => ours.count()).toBe(1);
    await screenshot(page, "live-desktop");
  });

  it("shows the connection state, and reconnects by itself when the connection drops", async () => {
    const badge = page.locator("#conn");
    expect(await badge.getAttribute("data-state")).toBe("open");
    expect(await stack.dropFeedConnections()).toBeGreaterThan(0);
    // First retry after 0.5–1 s (backoff with jitter), counted down in the header.
    await expect.poll(() => badge.getAttribute("data-state"), { interval: 20 }).toBe("waiting");
    expect(await badge.textContent()).toMatch(/Reconnecting in \d+ s/);
    await expect.poll(() => badge.getAttribute("data-state"), { timeout: 5_000 }).toBe("open");
    expect(await badge.textContent()).toBe("Live");

    // And events flow again on the new connection.
    await page.getByLabel("Trader").fill("");
    const before = await page.locator("ol.events li").count();
    stack.trade(TRADERS.SWINGER, "SOL", "-10", "151");
    await stack.cycle();
    await expect.poll(() => page.locator("ol.events li").count(), { timeout: 2_000 }).toBe(before + 1);
    expect(await page.locator("ol.events li").first().getAttribute("data-coin")).toBe("SOL");
  });

  it("marks a liquidation on the event row; an ordinary close is not marked", async () => {
    stack.trade(TRADERS.SWINGER, "BTC", "0.01", stack.mark("BTC"));
    await stack.cycle();
    const rows = page.locator(`ol.events li[data-coin="BTC"]:has(a[href="#/traders/${TRADERS.SWINGER}"])`);
    await expect.poll(() => rows.count(), { timeout: 2_000 }).toBe(1);
    expect(await rows.first().locator(".tag.liquidated").count()).toBe(0);

    stack.liquidate(TRADERS.SWINGER, "BTC");
    await stack.cycle();
    await expect.poll(() => rows.count(), { timeout: 2_000 }).toBe(2);
    const liquidated = rows.first();
    expect(await liquidated.locator(".tag.action").textContent()).toBe("Close");
    expect(await liquidated.getAttribute("data-liquidation")).toBe("true");
    expect(await liquidated.locator(".tag.liquidated").textContent()).toBe("Liquidated");
  });
});

describe("live feed that requires a token", () => {
  const TOKEN = "e2e-feed-token-0123456789";

  /** The page and a feed whose $connect is the real ws-connect handler with WS_TOKEN set (connections kept in memory). */
  const startTokenFeed = async () => {
    const { logger } = recordingLogger();
    const tokensSeen: (string | undefined)[] = [];
    const stored = new Set<string>();
    // Only $connect and $disconnect run here: nothing is ever sent to these clients.
    const connections: ConnectionStore = {
      add: async (c) => void stored.add(c.connectionId),
      setFilters: async (id) => (stored.has(id) ? { status: "sent" } : undefined),
      remove: async (id) => void stored.delete(id),
      listShard: async () => [],
      occupiedShards: async () => new Set(),
      welcomeState: async (id) => (stored.has(id) ? { status: "sent" } : undefined),
      claimWelcome: async (id) => (stored.has(id) ? { status: "sent" } : undefined),
      markWelcomed: async () => undefined,
      releaseWelcome: async () => undefined,
    };
    const connect = createConnectHandler({ connections, token: TOKEN, now: Date.now, logger });
    const gateway = createWebSocketGateway({ logger });
    gateway.route(
      "$connect",
      (event) => {
        tokensSeen.push((event as { queryStringParameters?: { token?: string } }).queryStringParameters?.token);
        return connect(event);
      },
      { functionName: "ws-connect", timeoutSeconds: 5 },
    );
    gateway.route("$disconnect", createDisconnectHandler({ connections, logger }), { functionName: "ws-disconnect", timeoutSeconds: 5 });
    const mount = dashboardMount({ dir: inject("dashboardDir"), config: { api_base: "", ws_url: null, ws_token_required: true } });
    const http = await startHttpServer(createHttpApp({ checks: [], mounts: [mount] }), { port: 0 });
    gateway.attach(http.server);
    return {
      url: `http://127.0.0.1:${http.port}`,
      tokensSeen,
      close: async () => {
        await gateway.close();
        await http.stop();
      },
    };
  };

  it("asks for the token instead of retrying, says when it is refused, connects with it and can forget it", async () => {
    const feed = await startTokenFeed();
    const tokenContext = await browser.newContext(DESKTOP);
    const tab = await watchedPage(tokenContext);
    // The browser reports the refused handshake (and a socket dropped while connecting) itself.
    tab.expect(/WebSocket connection to .*token=.* failed/);
    // This host serves the page and the feed but no API: the stream line asks once, gets a 404 and hides.
    tab.expect(/404.*\/stream\)$/);
    const p = tab.page;
    const badge = p.locator("#conn");
    try {
      await p.goto(`${feed.url}/app/#/live`);
      await p.locator("main h1").waitFor();
      await expect.poll(() => badge.getAttribute("data-state")).toBe("token-needed");
      expect(await badge.textContent()).toBe("Token needed");
      expect(await p.locator(".feed-state").textContent()).toContain("requires a token");
      await expect.poll(() => p.locator(".stream-state").isHidden()).toBe(true);
      expect(await p.getByLabel("Feed token").getAttribute("type")).toBe("password");
      expect(await seriousViolations(p)).toEqual([]);
      // No token, no attempts: nothing hammers the feed while the page waits for one.
      await p.waitForTimeout(1_200);
      expect(feed.tokensSeen).toEqual([]);

      await p.getByLabel("Feed token").fill("not-the-token");
      await p.getByLabel("Feed token").press("Enter");
      await expect.poll(() => badge.getAttribute("data-state")).toBe("refused");
      expect(await badge.textContent()).toBe("Token may be wrong");
      expect(await p.locator("#feed-token-error").textContent()).toContain("refused this token");
      expect(await p.getByLabel("Feed token").getAttribute("aria-invalid")).toBe("true");
      expect(feed.tokensSeen[0]).toBe("not-the-token");
      await screenshot(p, "live-token-refused-desktop");

      await p.getByLabel("Feed token").fill(` ${TOKEN}\n`);
      await p.getByRole("button", { name: "Use token" }).click();
      await expect.poll(() => badge.getAttribute("data-state")).toBe("open");
      expect(await badge.textContent()).toBe("Live");
      expect(feed.tokensSeen.at(-1)).toBe(TOKEN);
      expect(await p.locator("#feed-token-error").count()).toBe(0);
      expect(await p.evaluate(() => sessionStorage.getItem("hl-feed-token"))).toBe(TOKEN);

      // Kept for the tab's session: a reload connects straight away.
      await p.reload();
      await expect.poll(() => badge.getAttribute("data-state")).toBe("open");

      await p.getByRole("button", { name: "Forget token" }).click();
      await expect.poll(() => badge.getAttribute("data-state")).toBe("token-needed");
      expect(await p.evaluate(() => sessionStorage.getItem("hl-feed-token"))).toBeNull();
      expect(await p.getByLabel("Feed token").inputValue()).toBe("");
      expect(tab.errors).toEqual([]);
    } finally {
      await tokenContext.close();
      await feed.close();
    }
  });
});

describe("trader page", () => {
  it("shows the address, open positions, the charts and the events", async () => {
    const address = TRADERS.HOLDER;
    await open(`#/traders/${address}`);
    expect(await page.locator("code.address").textContent()).toBe(address);
    const eth = page.locator('tr[data-coin="ETH"]');
    await eth.waitFor();
    expect(await eth.locator(".tag.side").textContent()).toBe("Long");
    expect(await eth.locator('[data-col="size"]').textContent()).toBe(decimal(stack.position(address, "ETH")));
    // Valued at the exchange's mid price, as the API reports it.
    const { body: detail } = await api<{
      positions: { coin: string; mark_price: string | null; unrealized_pnl_usd: string | null }[];
      data_freshness: { status: string; stale_sources: string[] } | null;
    }>(`/traders/${address}`);
    const ethDetail = detail.positions.find((p) => p.coin === "ETH");
    expect(Number(ethDetail?.mark_price)).toBe(Number(stack.mark("ETH")));
    expect(await eth.locator('[data-col="mark"]').textContent()).toBe(decimal(ethDetail?.mark_price));
    expect(await eth.locator('[data-col="unrealized"]').textContent()).toBe(signedUsd(ethDetail?.unrealized_pnl_usd));
    // The events load by a request of their own, which may answer after the positions.
    await expect.poll(() => page.locator("ol.events li").count()).toBeGreaterThanOrEqual(3);
    // How current the history behind the figures is: the job synced every source in this run.
    expect(detail.data_freshness).toMatchObject({ status: "fresh", stale_sources: [] });
    const freshness = page.locator("[data-freshness]");
    expect(await freshness.getAttribute("data-freshness")).toBe("fresh");
    expect(await freshness.textContent()).toMatch(/^history synced \d+ (s|min) ago$/);

    // The cumulative realized PnL chart is drawn by lightweight-charts: its canvases carry the series' colours.
    await page.locator('[data-chart="pnl"] canvas').first().waitFor();
    await expect.poll(() => chartInk(page, '[data-chart="pnl"]', [GAIN, LOSS]), { timeout: 5_000 }).toBeGreaterThan(100);
    await expect.poll(() => chartInk(page, '[data-chart="value"]', [LINE]), { timeout: 5_000 }).toBeGreaterThan(100);
    const trips = await api<{ round_trips: unknown[] }>(`/traders/${address}/round-trips?window=30d&limit=50`);
    expect(trips.body.round_trips.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[aria-label="Round trips"] tbody tr').count()).toBe(trips.body.round_trips.length);

    await page.getByRole("button", { name: "Copy address" }).click();
    await expect.poll(() => page.locator(".copy-status").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(address);
    await screenshot(page, "trader-desktop");
  });

  it("reads right for a vault: badge, ROI that follows its PnL (not its depositors' money), trading PnL and funding apart", async () => {
    const address = TRADERS.VAULT;
    interface Row { roi: number | null; is_vault: boolean; realized_pnl_usd: string; trading_pnl_usd: string; funding_usd: string }
    const { body: detail } = await api<{ metrics: Record<string, Row> }>(`/traders/${address}`);
    const month = detail.metrics["30d"]!;
    const { body: equity } = await api<{ account_value: { v: string }[]; pnl: { v: string }[] }>(`/traders/${address}/equity?window=30d`);
    // Depositors quintupled the vault's value while the exchange's PnL fell: its return is a loss.
    expect(Number(equity.account_value.at(-1)!.v)).toBeGreaterThan(4 * Number(equity.account_value[0]!.v));
    expect(Number(equity.pnl.at(-1)!.v)).toBeLessThan(0);
    expect(month).toMatchObject({ is_vault: true });
    expect(month.roi).toBeLessThan(0);
    // Lost on price and paid funding; realized PnL is both.
    expect(Number(month.trading_pnl_usd)).toBeLessThan(0);
    expect(Number(month.funding_usd)).toBeLessThan(0);
    expect(Number(month.realized_pnl_usd)).toBeCloseTo(Number(month.trading_pnl_usd) + Number(month.funding_usd), 6);

    await open(`#/traders/${address}`);
    await page.locator(".badge.vault").waitFor();
    const card = (label: string) => page.locator(".cards .card").filter({ has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator("dd");
    await expect.poll(() => card("ROI").textContent()).toBe(pct(month.roi, true));
    expect(await card("Realized PnL").textContent()).toBe(signedUsd(month.realized_pnl_usd));
    expect(await card("Trading PnL").textContent()).toBe(signedUsd(month.trading_pnl_usd));
    expect(await card("Funding").textContent()).toBe(signedUsd(month.funding_usd));
    // The round trip carries the funding paid while it was open.
    const trips = await api<{ round_trips: { funding_usd: string }[] }>(`/traders/${address}/round-trips?window=30d`);
    expect(trips.body.round_trips).toHaveLength(1);
    expect(Number(trips.body.round_trips[0]!.funding_usd)).toBeLessThan(0);
    await expect.poll(() => page.locator('[aria-label="Round trips"] tbody td[data-col="funding"]').first().textContent()).toBe(signedUsd(trips.body.round_trips[0]!.funding_usd));
    await screenshot(page, "trader-vault");

    // And the leaderboard marks it.
    await open("#/?window=30d");
    await page.locator(`tr[data-address="${address}"] .badge.vault`).waitFor();
  });

  it("shows a HIP-3 trader's builder-dex position, event and round trip with their dex; his settlement in none", async () => {
    const address = TRADERS.HIP3;
    await open(`#/traders/${address}`);
    const tsla = page.locator('[aria-label="Open positions"] tr[data-coin="xyz:TSLA"]');
    await tsla.waitFor();
    expect(await tsla.locator(".tag.dex").textContent()).toBe("HIP-3 · xyz");
    expect(await tsla.locator('[data-col="size"]').textContent()).toBe(decimal(stack.position(address, "xyz:TSLA")));
    // Valued at the builder dex's own mid price.
    expect(await tsla.locator('[data-col="mark"]').textContent()).toBe(decimal(stack.mark("xyz:TSLA")));

    const event = page.locator('ol.events li[data-coin="xyz:TSLA"]');
    await event.first().waitFor();
    expect(await event.count()).toBe(1);
    expect(await event.locator(".tag.action").textContent()).toBe("Add");
    expect(await event.locator(".tag.dex").textContent()).toBe("HIP-3 · xyz");

    // One closed round trip, on xyz; the outcome settlement is none.
    const trips = await api<{ round_trips: { coin: string; dex: string }[] }>(`/traders/${address}/round-trips?limit=50`);
    expect(trips.body.round_trips.map((r) => [r.coin, r.dex])).toEqual([["xyz:TSLA", "xyz"]]);
    const trip = page.locator('[aria-label="Round trips"] tbody tr');
    await expect.poll(() => trip.count()).toBe(1);
    expect(await trip.getAttribute("data-dex")).toBe("xyz");
    expect(await trip.locator(".tag.dex").textContent()).toBe("HIP-3 · xyz");
    await screenshot(page, "trader-hip3-desktop");
  });

  it("offers to track an address that is not tracked", async () => {
    watched.expect(/status of 404 .*\/traders\/0x0{38}ff/);
    await open("#/traders/0x00000000000000000000000000000000000000ff");
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Trader not tracked");
    expect(await page.getByRole("link", { name: "Track this trader" }).getAttribute("href")).toBe("#/track?address=0x00000000000000000000000000000000000000ff");
  });
});

describe("track a trader", () => {
  const address = "0x00000000000000000000000000000000000e2e01";

  it("shows an error with a wrong key and succeeds with the right one, keeping the key for the session", async () => {
    await open("#/track");
    await page.getByLabel("Trader address").fill("0x123");
    await page.getByRole("button", { name: "Track trader" }).click();
    expect(await page.locator("#track-address-error").textContent()).toContain("40 hexadecimal digits");

    await page.getByLabel("Trader address").fill(address);
    await page.getByLabel("Admin key").fill("not-the-admin-key-at-all");
    watched.expect(/status of 403 .*\/track\b/);
    await page.getByRole("button", { name: "Track trader" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Wrong admin key");
    expect((await api(`/traders/${address}`)).status).toBe(404);

    await page.getByLabel("Admin key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Track trader" }).click();
    await expect.poll(() => page.locator(".notice.success").textContent()).toContain(`Now tracking ${address}`);
    expect((await api(`/traders/${address}`)).status).toBe(200);
    expect(await page.evaluate(() => sessionStorage.getItem("hl-admin-key"))).toBe(ADMIN_KEY);
    await screenshot(page, "track-desktop");

    // The key survives a reload of this tab (sessionStorage), and a second request says "already".
    await page.reload();
    await page.locator("main h1").waitFor();
    expect(await page.getByLabel("Admin key").inputValue()).toBe(ADMIN_KEY);
    await page.getByLabel("Trader address").fill(address);
    await page.getByRole("button", { name: "Track trader" }).click();
    await expect.poll(() => page.locator(".notice.success").textContent()).toContain("already tracked");
  });
});

describe("track a list", () => {
  const fresh = ["0x00000000000000000000000000000000000e2e10", "0x00000000000000000000000000000000000e2e11"];

  it("sends a pasted list as one request and shows the outcome of each address", async () => {
    await open("#/track");
    const send = page.getByRole("button", { name: "Track list" });
    await send.click();
    expect(await page.locator("#track-list-error").textContent()).toContain("at least one address");
    await page.getByLabel("List of addresses").fill(Array.from({ length: 501 }, (_, i) => `0x${i.toString(16).padStart(40, "0")}`).join("\n"));
    await send.click();
    expect(await page.locator("#track-list-error").textContent()).toContain("501 entries; at most 500");

    const sent: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/traders/track") sent.push(r.method());
    });
    // A pasted column with a comma list in it: a new address twice (the repeat in capitals), an
    // address already tracked, and a line that is not an address.
    const upper = `0x${fresh[0]!.slice(2).toUpperCase()}`;
    await page.getByLabel("Admin key").fill(ADMIN_KEY);
    await page.getByLabel("List of addresses").fill(`${fresh[0]}\n${fresh[1]}, ${TRADERS.HOLDER}\nnot-an-address\n${upper}\n`);
    await send.click();
    const result = page.locator("#track-list-result");
    await expect.poll(() => result.locator(".notice.success").textContent()).toBe(
      "5 entries: 2 now tracked, 1 already tracked, 1 not an address, 1 repeat skipped.",
    );
    expect(sent).toEqual(["POST"]);
    const rows = await result.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
    expect(rows).toEqual([
      [fresh[0], "Now tracked"],
      [fresh[1], "Now tracked"],
      [TRADERS.HOLDER, "Already tracked"],
      ["not-an-address", "Not an address"],
    ]);
    expect(await result.getByRole("link", { name: fresh[1]! }).getAttribute("href")).toBe(`#/traders/${fresh[1]}`);
    for (const address of fresh) expect((await api(`/traders/${address}`)).status).toBe(200);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "track-list-desktop");
  });
});

describe("accessibility and small screens", () => {
  const pages = [
    { name: "leaderboard", hash: "#/", ready: "table.leaderboard tbody tr" },
    { name: "live", hash: "#/live", ready: "#conn[data-state='open']" },
    { name: "trader", hash: `#/traders/${TRADERS.HOLDER}`, ready: '[data-chart="pnl"] canvas' },
    { name: "track", hash: "#/track", ready: "#track-address" },
  ];

  it("has no serious or critical axe-core violations on any page", async () => {
    for (const p of pages) {
      await open(p.hash);
      await page.locator(p.ready).first().waitFor();
      expect(await seriousViolations(page), p.name).toEqual([]);
    }
  });

  it("works on a phone-sized screen: no page scrolls sideways, and axe still passes", async () => {
    const phone = await browser.newContext(PHONE);
    const mobile = await watchedPage(phone);
    try {
      for (const p of pages) {
        await mobile.page.goto(`${stack.url}/app/${p.hash}`);
        await mobile.page.locator(p.ready).first().waitFor();
        // Wide tables scroll inside their own region; the page itself never does.
        expect(await mobile.page.evaluate(() => document.documentElement.scrollWidth), p.name).toBeLessThanOrEqual(390);
        expect(await seriousViolations(mobile.page), p.name).toEqual([]);
        await screenshot(mobile.page, `${p.name}-phone`);
      }
      expect(mobile.errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
