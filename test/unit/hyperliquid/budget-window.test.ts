import { describe, expect, it } from "vitest";
import { SpendWindow, WINDOW_MS } from "#hyperliquid/budget-window.js";

describe("spend window", () => {
  it("stays small under many reservations drawn to the end, and its sums stay exact", () => {
    const w = new SpendWindow();
    const start = 1_000_000;
    // Like the tracking worker: one reservation of 50 per message, drawn 2 at a time, a message every
    // 300 ms (offset by 50 ms, so that no draw falls on a bucket's edge).
    for (let m = 0; m < 400; m++) {
      const t = start + 50 + 300 * m;
      w.spend(t, "tracking", 50, 50, t + WINDOW_MS);
      for (let i = 0; i < 25; i++) w.draw(t + i, "tracking", 2);
    }
    const now = start + 120_050;
    const s = w.summary(now);
    // Messages 200–399 were drawn in the last 60 s, messages 0–199 in the 60 s before.
    expect(s.byLane.tracking).toBe(200 * 50);
    expect(s.trackingPrev).toBe(200 * 50);
    expect(w.prepaid(now, "tracking")).toBe(0);
    // One merged entry per second and lane, no leftover of a drawn-out reservation.
    expect(w.size.leases).toBe(0);
    expect(w.size.entries).toBeLessThanOrEqual(121);
  });

  it("keeps an expired reservation's undrawn weight counted, but no longer drawable", () => {
    const w = new SpendWindow();
    const t0 = 5_000_000;
    w.spend(t0, "tracking", 50, 50, t0 + WINDOW_MS);
    w.draw(t0 + 10, "tracking", 20);
    expect(w.prepaid(t0 + 20, "tracking")).toBe(30);
    const late = t0 + WINDOW_MS;
    expect(w.prepaid(late, "tracking")).toBe(0);
    w.draw(late, "tracking", 4); // takes nothing from the expired reservation
    expect(w.size.leases).toBe(0);
    // 30 undrawn (reserved at t0) has just left the window; 20 drawn in the bucket ending t0 + 1 s is still in it.
    expect(w.summary(late).byLane.tracking).toBe(20);
    expect(w.summary(late).trackingPrev).toBe(30);
  });
});
