/// <reference lib="dom" />
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CopyAccount, CopyOrder } from "#domain/copy/ports.js";
import { chartInk, DESKTOP, launchChromium, PHONE, screenshot, seriousViolations, watchedPage, type Rgb, type WatchedPage } from "./support/browser.js";
import { ADMIN_KEY, startE2eStack, type E2eStack } from "./support/stack.js";
import { TRADERS } from "./support/traders.js";

/**
 * The dashboard's Copy page in a real headless Chromium against the local runtime's API
 * (./support/stack.ts): a paper follower created from a trader's page with "Copy this trader",
 * listed, paused, resumed and stopped through the followers routes. What the engine would write
 * (the account's last view, orders, equity points) is committed through the FollowerStore, the
 * way the engine commits a run, with figures chosen here and their expected display worked out
 * by hand.
 */

const LEADER = TRADERS.HOLDER;
const FOLLOWER_LINE: Rgb = [90, 169, 255];
const LEADERS_LINE: Rgb = [255, 180, 84];

let stack: E2eStack;
let browser: Browser;
let context: BrowserContext;
let watched: WatchedPage;
let page: Page;
let followerId: string;

interface FollowerBody {
  id: string;
  name: string;
  mode: string;
  state: string;
  closing: boolean;
  pause: { reason: string } | null;
  config: { paper_balance_usd: string; leaders: { address: string; sizing: unknown }[]; caps: Record<string, unknown> };
}

const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${stack.url}${path}`, { headers: { "x-api-key": ADMIN_KEY } });
  return { status: res.status, body: (await res.json()) as T };
};
const followerCount = async () => (await api<{ followers: unknown[] }>("/followers?limit=50")).body.followers.length;
const open = async (hash: string) => {
  await page.goto(`${stack.url}/app/${hash}`);
  await page.locator("main h1").waitFor();
};
const card = (label: string) => page.locator(`[data-card="${label}"] dd`);

beforeAll(async () => {
  stack = await startE2eStack();
  await stack.cycle(); // the leader's first poll: his ETH long is on his page
  browser = await launchChromium();
  context = await browser.newContext(DESKTOP);
  watched = await watchedPage(context);
  page = watched.page;
}, 150_000);

afterEach(() => {
  expect(watched.errors.splice(0), "console errors").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("Copy this trader", () => {
  it("refuses a wrong admin key as the Track form does, then creates a paper follower and opens its page", async () => {
    await open(`#/traders/${LEADER}`);
    await page.getByText("Copy this trader").click();
    // What the page can tell at once, it says before sending anything.
    await page.getByLabel("Paper balance (USD)").fill("lots");
    await page.getByRole("button", { name: "Start paper copy" }).click();
    expect(await page.locator("#copy-balance-error").textContent()).toContain("positive amount");
    expect(await page.getByLabel("Paper balance (USD)").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Name").fill("e2e paper copy");
    await page.getByLabel("Paper balance (USD)").fill("2500");
    await page.getByLabel("Sizing").selectOption("fixed_ratio");
    await page.getByLabel("Ratio").fill("0.1");
    await page.getByLabel("Max slippage (bps)").fill("30");
    await page.getByLabel("Max position (USD, optional)").fill("1000");
    await page.getByLabel("Admin key").fill("not-the-admin-key-at-all");
    watched.expect(/status of 403 .*\/followers\b/);
    await page.getByRole("button", { name: "Start paper copy" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Wrong admin key");
    expect(await followerCount()).toBe(0);

    await page.getByLabel("Admin key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Start paper copy" }).click();
    await page.waitForURL(/#\/copy\/fol_[0-9a-z]+$/);
    followerId = decodeURIComponent(new URL(page.url()).hash.replace("#/copy/", ""));
    await expect.poll(() => page.locator("main h1").textContent()).toBe("e2e paper copy");
    expect(await page.locator(".meta .tag.state").textContent()).toBe("Active");

    // What the form sent is what the API stored: amounts as typed, the leader with his sizing.
    const { body } = await api<FollowerBody>(`/followers/${followerId}`);
    expect(body).toMatchObject({ name: "e2e paper copy", mode: "paper", state: "active" });
    expect(body.config.paper_balance_usd).toBe("2500");
    expect(body.config.leaders).toEqual([{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }]);
    expect(body.config.caps).toMatchObject({ max_slippage_bps: 30, max_position_usd: "1000" });
    expect(await page.locator("dl.config").textContent()).toContain("Leader's size × 0.1");
    await screenshot(page, "copy-follower-new");
  });

  it("lists the follower on the Copy page, linking to it", async () => {
    await open("#/copy");
    const row = page.locator(`tr[data-id="${followerId}"]`);
    await row.waitFor();
    expect(await row.locator("th a").textContent()).toBe("e2e paper copy");
    expect(await row.locator("th a").getAttribute("href")).toBe(`#/copy/${followerId}`);
    expect(await row.locator('[data-col="mode"]').textContent()).toBe("Paper");
    expect(await row.locator('[data-col="state"]').textContent()).toBe("Active");
    expect(await page.locator('nav a[data-nav="copy"]').getAttribute("aria-current")).toBe("page");
  });
});

describe("a follower's page", () => {
  const t0 = Date.now() - 3 * 3_600_000;
  const HOUR = 3_600_000;

  /** One engine run's commit: the account as it then was, its orders, an equity point. */
  const commitRun = async (at: number, equityUsd: string, leaderEquityUsd: string, orders: CopyOrder[], change: Partial<CopyAccount> = {}) => {
    const account = await stack.followers.getAccount(followerId);
    const outcome = await stack.followers.commit({
      account: {
        ...account,
        baseline: account.baseline ?? { at: t0, followerEquityUsd: "2500", leaderEquityUsd: { [LEADER]: "100000" } },
        actual: {
          at,
          positions: { ETH: { szi: "0.04", entryPx: "3050" } },
          marks: { ETH: "3100" },
          equityUsd,
          realizedPnlUsd: "12.5",
          feesUsd: "0.0549",
          leaderEquityUsd: { [LEADER]: leaderEquityUsd },
        },
        lastReconciledAt: at,
        ...change,
      },
      orders,
      equity: { time: at, equityUsd, leaderEquityUsd: { [LEADER]: leaderEquityUsd } },
    });
    expect(outcome).toBe("ok");
  };

  const order = (o: Partial<CopyOrder> & Pick<CopyOrder, "cloid" | "eventId" | "signalAt">): CopyOrder => ({
    followerId,
    leader: LEADER,
    coin: "ETH",
    side: "buy",
    size: "0.04",
    limitPrice: "3059.15",
    reduceOnly: false,
    status: "filled",
    fillPrice: "3051.2",
    filledSize: "0.04",
    feeUsd: "0.0549",
    oid: null,
    error: null,
    sentAt: null,
    filledAt: null,
    ...o,
  });

  it("shows the positions, the orders with their delays, the figures and the equity curve against the leader's", async () => {
    await commitRun(t0, "2500", "100000", []);
    await commitRun(t0 + HOUR, "2505", "102000", [
      order({ cloid: "0x000000000000000000000000000e2e01", eventId: "evt-e2e-1", signalAt: t0 + HOUR - 2_000, sentAt: t0 + HOUR - 1_600, filledAt: t0 + HOUR - 1_100 }),
    ]);
    await commitRun(t0 + 2 * HOUR, "2510.5", "105000", [
      order({
        cloid: "0x000000000000000000000000000e2e02",
        eventId: `reconcile:${t0 + 2 * HOUR}`,
        leader: null,
        coin: "BTC",
        size: "0.0001",
        limitPrice: "64000",
        status: "rejected",
        fillPrice: null,
        filledSize: null,
        feeUsd: null,
        error: "Order must have minimum value of $10",
        signalAt: t0 + 2 * HOUR,
      }),
    ]);

    await open(`#/copy/${followerId}`);
    // Positions: the account's last view (0.04 ETH long from 3,050).
    const eth = page.locator('[aria-label="Follower positions"] tr[data-coin="ETH"]');
    await eth.waitFor();
    expect(await eth.locator(".tag.side").textContent()).toBe("Long");
    expect(await eth.locator('[data-col="size"]').textContent()).toBe("0.04");
    expect(await eth.locator('[data-col="entry"]').textContent()).toBe("3,050");
    // At the run's mid of 3,100: 0.04 × (3,100 − 3,050) = +$2.00.
    expect(await eth.locator('[data-col="unrealized"]').textContent()).toBe("+$2.00");

    // Figures: equity 2,510.50; realized 12.50; fees 0.0549 → $0.05. Returns from the baseline:
    // follower 2,510.5 / 2,500 − 1 = 0.42%, leader 105,000 / 100,000 − 1 = 5%, gap 0.42% − 5% = −4.58%.
    expect(await card("Equity").textContent()).toBe("$2,510.50");
    expect(await card("Realized PnL").textContent()).toBe("+$12.50");
    expect(await card("Fees").textContent()).toBe("$0.05");
    expect(await card("Follower return").textContent()).toBe("+0.42%");
    expect(await card("Leaders' return").textContent()).toBe("+5%");
    expect(await card("Copy gap").textContent()).toBe("-4.58%");

    // Orders, newest signal first: the reconciliation's refused BTC order, then the filled ETH buy,
    // sent 400 ms and filled 900 ms after its leader's event.
    const rows = page.locator('[aria-label="Follower orders"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const rejected = rows.nth(0);
    expect(await rejected.getAttribute("data-status")).toBe("rejected");
    expect(await rejected.locator('[data-col="event"]').textContent()).toBe("Reconciliation");
    expect(await rejected.locator('[data-col="status"]').textContent()).toBe("Rejected (Order must have minimum value of $10)");
    expect(await rejected.locator('[data-col="fill-price"]').textContent()).toBe("—");
    const filled = rows.nth(1);
    expect(await filled.locator('[data-col="event"]').textContent()).toBe("evt-e2e-1");
    expect(await filled.locator("th").textContent()).toBe("ETH");
    expect(await filled.locator('[data-col="side"]').textContent()).toBe("Buy");
    expect(await filled.locator('[data-col="size"]').textContent()).toBe("0.04");
    expect(await filled.locator('[data-col="limit"]').textContent()).toBe("3,059.15");
    expect(await filled.locator('[data-col="status"]').textContent()).toBe("Filled");
    expect(await filled.locator('[data-col="fill-price"]').textContent()).toBe("3,051.2");
    expect(await filled.locator('[data-col="filled"]').textContent()).toBe("0.04");
    expect(await filled.locator('[data-col="fee"]').textContent()).toBe("$0.05");
    expect(await filled.locator('[data-col="to-order"]').textContent()).toBe("0.4 s");
    expect(await filled.locator('[data-col="to-fill"]').textContent()).toBe("0.9 s");

    // The curve: both lines drawn, and the summary for screen readers ends where the figures do.
    await page.locator('[data-chart="returns"] canvas').first().waitFor();
    await expect.poll(() => chartInk(page, '[data-chart="returns"]', [FOLLOWER_LINE]), { timeout: 5_000 }).toBeGreaterThan(50);
    await expect.poll(() => chartInk(page, '[data-chart="returns"]', [LEADERS_LINE]), { timeout: 5_000 }).toBeGreaterThan(50);
    expect(await page.locator("figure .sr-only").textContent()).toMatch(/the follower \+0\.4%, its leaders \+5%\.$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "copy-follower-desktop");
  });

  it("keeps itself current: a run the engine commits while the page is open shows without a reload", async () => {
    const signalAt = t0 + 3 * HOUR;
    await commitRun(signalAt + 1_000, "2520.75", "105000", [
      order({ cloid: "0x000000000000000000000000000e2e03", eventId: "evt-e2e-3", side: "sell", size: "0.01", reduceOnly: true, fillPrice: "3100", filledSize: "0.01", signalAt, sentAt: signalAt + 300, filledAt: signalAt + 700 }),
    ]);
    // Read again within 10 s (REFRESH_MS): the new equity, and the new order first.
    await expect.poll(() => card("Equity").textContent(), { timeout: 20_000 }).toBe("$2,520.75");
    const rows = page.locator('[aria-label="Follower orders"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    expect(await rows.nth(0).locator('[data-col="event"]').textContent()).toBe("evt-e2e-3");
    expect(await rows.nth(0).locator('[data-col="to-order"]').textContent()).toBe("0.3 s");
  });

  it("pauses, resumes and stops (closing the positions) from the buttons, as the API then says", async () => {
    const state = async () => (await api<FollowerBody>(`/followers/${followerId}`)).body;
    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => page.locator(".meta .tag.state").textContent()).toBe("Paused");
    expect(await page.locator(".state-line").textContent()).toContain("paused by you");
    expect(await state()).toMatchObject({ state: "paused", pause: { reason: "user" } });

    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => page.locator(".meta .tag.state").textContent()).toBe("Active");
    expect(await state()).toMatchObject({ state: "active", pause: null });

    // Stop asks first; cancelling changes nothing.
    await page.getByRole("button", { name: "Stop…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await state()).state).toBe("active");

    await page.getByRole("button", { name: "Stop…" }).click();
    await dialog.getByLabel("Close its positions first").check();
    await screenshot(page, "copy-stop-dialog");
    await dialog.getByRole("button", { name: "Stop follower" }).click();
    await expect.poll(() => page.locator(".meta .tag.state").textContent()).toBe("Stopped · closing");
    expect(await page.locator(".state-line").textContent()).toContain("Its positions are being closed.");
    expect(await page.getByRole("button", { name: "Pause" }).count()).toBe(0);
    // No engine runs here, so the close the stop asked for is still pending.
    expect(await state()).toMatchObject({ state: "stopped", closing: true });

    await open("#/copy");
    await expect.poll(() => page.locator(`tr[data-id="${followerId}"] [data-col="state"]`).textContent()).toBe("Stopped · closing");
  });
});

describe("accessibility and small screens", () => {
  it("has no serious axe-core violations and does not scroll sideways on a phone", async () => {
    await open("#/copy");
    await page.locator("tbody tr").first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "copy-desktop");

    const phone = await browser.newContext(PHONE);
    const mobile = await watchedPage(phone);
    try {
      await mobile.page.goto(`${stack.url}/app/#/copy`);
      // A new tab has no session key: the page asks for it and loads the list once given.
      await mobile.page.getByLabel("Admin key").fill(ADMIN_KEY);
      await mobile.page.getByRole("button", { name: "Show followers" }).click();
      await mobile.page.locator("tbody tr").first().waitFor();
      for (const hash of ["#/copy", `#/copy/${followerId}`, `#/traders/${LEADER}`]) {
        await mobile.page.goto(`${stack.url}/app/${hash}`);
        await mobile.page.locator("main h1").waitFor();
        await mobile.page.locator("main table, .copy-this").first().waitFor();
        // The form open too: its fields stack instead of pushing the page wider.
        if (hash.startsWith("#/traders/")) await mobile.page.getByText("Copy this trader").click();
        expect(await mobile.page.evaluate(() => document.documentElement.scrollWidth), hash).toBeLessThanOrEqual(390);
        expect(await seriousViolations(mobile.page), hash).toEqual([]);
      }
      await screenshot(mobile.page, "copy-trader-phone");
      expect(mobile.errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
