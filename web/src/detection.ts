import type { StreamState, StreamStatus, TradeEvent } from "./api.js";
import { ago, delay } from "./format.js";

/**
 * How quickly a trade became an event, in words: per event (which path found it, and its delay)
 * and for the page (is the trades stream feeding events now). Pure, so the wording is tested
 * without a browser.
 */

export interface EventDetection {
  /** Visible, and what a screen reader reads: the source is a word, never a colour alone. */
  text: string;
  /** The tooltip: what the figure means. */
  title: string;
  source: "stream" | "poll" | null;
}

const DELAY_MEANING = "Detection delay: from the trade on the exchange to the event here.";
const SOURCE_MEANING = {
  stream: "Found through the exchange's live trades stream.",
  poll: "Found by polling the trader's positions and fills (the stream was down, or did not explain this change).",
} as const;

/** `via stream in 0.8 s`, `via poll in 42 s`, `via poll`, `in 3 s`; null for an event that says neither (older events). */
export const eventDetection = (d: Pick<TradeEvent["details"], "fills_source" | "detection_delay_ms">): EventDetection | null => {
  const source = d.fills_source === "stream" ? "stream" : d.fills_source === "exchange" ? "poll" : null;
  const ms = typeof d.detection_delay_ms === "number" && Number.isFinite(d.detection_delay_ms) ? d.detection_delay_ms : null;
  if (source === null && ms === null) return null;
  const text = [source !== null && `via ${source}`, ms !== null && `in ${delay(ms)}`].filter(Boolean).join(" ");
  const title = [ms !== null && DELAY_MEANING, source !== null && SOURCE_MEANING[source]].filter(Boolean).join(" ");
  return { text, title, source };
};

export interface StreamSummary {
  /** "unknown": the page could not ask (network, or a server without GET /stream). */
  state: StreamState | "unknown";
  /** The sentence announced (politely) when it changes. */
  text: string;
  /** Shown after it and not announced, since it changes with every refresh: `last trade 2 s ago`. */
  detail: string;
}

const POLL_FALLBACK = "changes arrive with the next poll (up to a minute)";

/** The Live page's line about the trades stream, from GET /stream (null: it could not be read). */
export const streamSummary = (s: StreamStatus | null, now = Date.now()): StreamSummary => {
  switch (s?.state) {
    case "connected":
      return {
        state: s.state,
        text: "Live: stream connected",
        detail: s.last_trade_at === null ? "no trade received yet" : `last trade ${ago(s.last_trade_at, now)}`,
      };
    case "lagging":
      return {
        state: s.state,
        text: "Stream lagging: events arrive late",
        detail: s.backlog_ms === null || s.backlog_ms <= 0 ? "" : `trades waiting up to ${delay(s.backlog_ms)}`,
      };
    case "connecting":
      return { state: s.state, text: `Stream connecting: until it is up, ${POLL_FALLBACK}`, detail: "" };
    case "reconnecting":
      return { state: s.state, text: `Stream reconnecting: meanwhile, ${POLL_FALLBACK}`, detail: "" };
    case "down":
      return { state: s.state, text: `Stream down: ${POLL_FALLBACK}`, detail: "" };
  }
  // Not read, or a state this page does not know yet (a newer API).
  return { state: "unknown", text: `Stream status unavailable: at the latest, ${POLL_FALLBACK}`, detail: "" };
};
