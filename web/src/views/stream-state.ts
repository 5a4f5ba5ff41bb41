import { ApiError, isAbort, type Api, type StreamStatus } from "../api";
import { streamSummary } from "../detection";
import { h } from "../dom";

/** The listener reports every 10 s and the API caches 5 s: asking more often shows nothing new. */
const REFRESH_MS = 10_000;

/**
 * The Live page's line about the trades stream (GET /stream), refreshed every 10 s while the tab
 * is visible. Only the state sentence is a live region, and it is rewritten only when it changes:
 * the "last trade 2 s ago" beside it changes every refresh and would be announced every 10 s.
 */
export const streamStateLine = (api: Api): { element: HTMLElement; stop: () => void } => {
  const text = h("span", { role: "status", "aria-live": "polite" }, "Checking the trades stream…");
  const detail = h("span", { class: "stream-detail" });
  const element = h(
    "p",
    {
      class: "stream-state",
      "data-state": "unknown",
      title: "The exchange's trades stream turns a tracked trader's trade into an event within seconds; without it, the regular polls find each change within about a minute.",
    },
    h("span", { class: "dot", "aria-hidden": "true" }),
    // One flex item, so the comma before the detail sits against the sentence.
    h("span", null, text, detail),
  );

  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    clearInterval(timer);
    controller?.abort();
    document.removeEventListener("visibilitychange", onVisible);
  };

  const show = (status: StreamStatus | null) => {
    const s = streamSummary(status);
    element.dataset.state = s.state;
    if (text.textContent !== s.text) text.textContent = s.text;
    detail.textContent = s.detail === "" ? "" : `, ${s.detail}`;
  };

  const refresh = async () => {
    controller?.abort();
    const mine = (controller = new AbortController());
    try {
      show(await api.stream(mine.signal));
    } catch (error) {
      if (isAbort(error)) return;
      // A server without the route (an older API, a feed-only host): nothing to say, so say nothing.
      if (error instanceof ApiError && error.status === 404) {
        element.hidden = true;
        stop();
        return;
      }
      show(null);
    }
  };

  function onVisible() {
    if (!document.hidden) void refresh();
  }

  void refresh();
  timer = setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);
  document.addEventListener("visibilitychange", onVisible);
  return { element, stop };
};
