import { describe, expect, it } from "vitest";
import type { StreamStatus } from "../../../web/src/api.js";
import { eventDetection, streamSummary } from "../../../web/src/detection.js";
import { delay } from "../../../web/src/format.js";

/** How quickly a trade became an event, as the dashboard words it: per event, and the Live page's stream line. */

describe("delay", () => {
  it("gives tenths of a second below 10 s, whole seconds below a minute, then minutes and hours", () => {
    expect(delay(0)).toBe("0 s");
    expect(delay(800)).toBe("0.8 s");
    expect(delay(1_240)).toBe("1.2 s");
    expect(delay(9_949)).toBe("9.9 s");
    expect(delay(9_950)).toBe("10 s");
    expect(delay(42_000)).toBe("42 s");
    expect(delay(59_400)).toBe("59 s");
    expect(delay(59_600)).toBe("1 min");
    expect(delay(180_000)).toBe("3 min");
    expect(delay(5_400_000)).toBe("1.5 h");
  });

  it("shows a dash for what is not a delay", () => {
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, -5]) expect(delay(v), String(v)).toBe("—");
  });
});

describe("an event's detection", () => {
  it("says which path found it, in words, and how long after the trade", () => {
    expect(eventDetection({ fills_source: "stream", detection_delay_ms: 800 })).toEqual({
      text: "via stream in 0.8 s",
      title: expect.stringContaining("from the trade on the exchange to the event here"),
      source: "stream",
    });
    expect(eventDetection({ fills_source: "exchange", detection_delay_ms: 42_000 })).toMatchObject({ text: "via poll in 42 s", source: "poll" });
  });

  it("explains both the delay and the source in the tooltip", () => {
    const { title } = eventDetection({ fills_source: "stream", detection_delay_ms: 1_000 })!;
    expect(title).toMatch(/^Detection delay: from the trade on the exchange to the event here\. Found through the exchange's live trades stream\.$/);
    expect(eventDetection({ fills_source: "exchange", detection_delay_ms: 1_000 })!.title).toMatch(/polling/);
  });

  it("hides the delay when there is none (no fills), and everything for an older event that says neither", () => {
    expect(eventDetection({ fills_source: "exchange", detection_delay_ms: null })).toEqual({
      text: "via poll",
      title: expect.not.stringContaining("Detection delay"),
      source: "poll",
    });
    expect(eventDetection({ detection_delay_ms: 3_000 })).toMatchObject({ text: "in 3 s", source: null });
    expect(eventDetection({})).toBeNull();
    expect(eventDetection({ detection_delay_ms: null })).toBeNull();
  });
});

describe("the Live page's stream line", () => {
  const NOW = Date.parse("2026-03-01T12:00:00.000Z");
  const status = (over: Partial<StreamStatus>): StreamStatus => ({
    state: "connected",
    listener_id: "l-1",
    started_at: "2026-03-01T11:50:00.000Z",
    heartbeat_at: "2026-03-01T11:59:58.000Z",
    last_trade_at: "2026-03-01T11:59:58.000Z",
    last_message_at: "2026-03-01T11:59:58.000Z",
    reconnects: 0,
    gaps: 0,
    coins: 150,
    tracked: 40,
    backlog_ms: 0,
    trades: 1_000,
    polls: 3,
    events: 2,
    discovered: 0,
    ...over,
  });

  it("connected: live, with how long ago the last trade came in", () => {
    expect(streamSummary(status({}), NOW)).toEqual({ state: "connected", text: "Live: stream connected", detail: "last trade 2 s ago" });
    expect(streamSummary(status({ last_trade_at: null }), NOW).detail).toBe("no trade received yet");
  });

  it("lagging: says events come late and by how much", () => {
    expect(streamSummary(status({ state: "lagging", backlog_ms: 12_000 }), NOW)).toEqual({
      state: "lagging",
      text: "Stream lagging: events arrive late",
      detail: "trades waiting up to 12 s",
    });
  });

  it("down, connecting, reconnecting: says changes still come with the next poll", () => {
    expect(streamSummary(status({ state: "down" }), NOW)).toEqual({
      state: "down",
      text: "Stream down: changes arrive with the next poll (up to a minute)",
      detail: "",
    });
    expect(streamSummary(status({ state: "connecting" }), NOW).text).toBe("Stream connecting: until it is up, changes arrive with the next poll (up to a minute)");
    expect(streamSummary(status({ state: "reconnecting" }), NOW).text).toBe("Stream reconnecting: meanwhile, changes arrive with the next poll (up to a minute)");
  });

  it("unknown when the status could not be read, or is a state this page does not know", () => {
    expect(streamSummary(null, NOW)).toEqual({
      state: "unknown",
      text: "Stream status unavailable: at the latest, changes arrive with the next poll (up to a minute)",
      detail: "",
    });
    expect(streamSummary(status({ state: "paused" as never }), NOW).state).toBe("unknown");
  });

  it("keeps the announced sentence the same from one refresh to the next while the state holds", () => {
    const a = streamSummary(status({ last_trade_at: "2026-03-01T11:59:58.000Z" }), NOW);
    const b = streamSummary(status({ last_trade_at: "2026-03-01T11:59:41.000Z" }), NOW + 10_000);
    expect(a.text).toBe(b.text);
    expect([a.detail, b.detail]).toEqual(["last trade 2 s ago", "last trade 29 s ago"]);
  });
});
