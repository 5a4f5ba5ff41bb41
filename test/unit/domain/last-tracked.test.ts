import { describe, expect, it } from "vitest";
import { lastTrackedAt } from "#domain/last-tracked.js";

const cycle = { dispatchedAt: 1_000, lastCompletedAt: 1_500 };
const trader = { address: "0x5", isActive: true, trackedSince: 500, lastChangedAt: 800, lastFailedAt: null };

describe("lastTrackedAt", () => {
  it("is the latest completed cycle the trader was part of", () => {
    expect(lastTrackedAt(trader, cycle)).toBe(1_500);
  });
  it("ignores a cycle dispatched before the trader was tracked", () => {
    expect(lastTrackedAt({ ...trader, trackedSince: 1_200 }, cycle)).toBe(800);
  });
  it("ignores a cycle in which the trader's poll failed", () => {
    expect(lastTrackedAt({ ...trader, lastFailedAt: 1_100 }, cycle)).toBe(800);
  });
  it("ignores cycles for inactive traders and cycles not completed yet", () => {
    expect(lastTrackedAt({ ...trader, isActive: false }, cycle)).toBe(800);
    expect(lastTrackedAt(trader, { dispatchedAt: 1_000, lastCompletedAt: null })).toBe(800);
  });
  it("counts a reconciliation slice only for the addresses in it, wrapping past the end", () => {
    expect(lastTrackedAt(trader, { ...cycle, slice: { first: "0x3", last: "0x7" } })).toBe(1_500);
    expect(lastTrackedAt(trader, { ...cycle, slice: { first: "0x6", last: "0x9" } })).toBe(800);
    expect(lastTrackedAt(trader, { ...cycle, slice: { first: "0x8", last: "0x5" } })).toBe(1_500);
    expect(lastTrackedAt(trader, { ...cycle, slice: { first: "0x8", last: "0x4" } })).toBe(800);
  });
  it("is null for a trader never polled", () => {
    expect(lastTrackedAt({ ...trader, lastChangedAt: null, trackedSince: 2_000 }, cycle)).toBeNull();
  });
});
