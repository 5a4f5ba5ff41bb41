/// <reference lib="dom" />
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../../../web/src/config.js";
import { closeReason, feedUrl, storedToken, storeToken, tokenNeeded } from "../../../web/src/feed-token.js";

/** The page's side of a feed that requires WS_TOKEN: config.json, the URL, and what a failure means. */

const LOC = { protocol: "https:", host: "dash.example.com" };

describe("config.json", () => {
  it("says whether the feed requires a token; only a real true counts", () => {
    expect(resolveConfig({ api_base: "", ws_url: "wss://feed.example/v1", ws_token_required: true }, LOC)).toEqual({
      apiBase: "",
      wsUrl: "wss://feed.example/v1",
      wsTokenRequired: true,
    });
    expect(resolveConfig({ ws_token_required: false }, LOC).wsTokenRequired).toBe(false);
    for (const garbled of ["true", 1, "yes", null, {}, []]) {
      expect(resolveConfig({ ws_token_required: garbled }, LOC).wsTokenRequired, JSON.stringify(garbled)).toBe(false);
    }
  });

  it("falls back to same-origin and no token for a missing or garbled file", () => {
    const defaults = { apiBase: "", wsUrl: "wss://dash.example.com/ws/v1/trades", wsTokenRequired: false };
    for (const file of [null, undefined, "config", 42, true, [], {}, { api_base: 7, ws_url: "" }]) {
      expect(resolveConfig(file, LOC), JSON.stringify(file)).toEqual(defaults);
    }
    expect(resolveConfig(null, { protocol: "http:", host: "localhost:8000" }).wsUrl).toBe("ws://localhost:8000/ws/v1/trades");
    expect(resolveConfig({ api_base: "https://api.example/" }, LOC).apiBase).toBe("https://api.example");
  });
});

describe("the feed URL", () => {
  it("is unchanged without a token", () => {
    expect(feedUrl("wss://abc.execute-api.eu-west-1.amazonaws.com/v1", undefined)).toBe("wss://abc.execute-api.eu-west-1.amazonaws.com/v1");
    expect(feedUrl("ws://localhost:8000/ws/v1/trades", "")).toBe("ws://localhost:8000/ws/v1/trades");
  });

  it("gets ?token=, encoded, keeping any other query parameter and replacing an old token", () => {
    expect(feedUrl("wss://abc.execute-api.eu-west-1.amazonaws.com/v1", "Ab12Cd34")).toBe("wss://abc.execute-api.eu-west-1.amazonaws.com/v1?token=Ab12Cd34");
    expect(feedUrl("ws://localhost:8000/ws/v1/trades?coin=BTC", "t0k")).toBe("ws://localhost:8000/ws/v1/trades?coin=BTC&token=t0k");
    expect(feedUrl("ws://localhost:8000/ws/v1/trades?token=old&x=1", "new")).toBe("ws://localhost:8000/ws/v1/trades?token=new&x=1");
    const odd = "a b&c=d/é+%";
    const url = new URL(feedUrl("wss://feed.example/v1", odd));
    expect(url.searchParams.get("token")).toBe(odd);
    expect(url.search).not.toContain("&c=");
  });
});

describe("token needed", () => {
  it("only when the feed requires one and the page has none", () => {
    expect(tokenNeeded(true, undefined)).toBe(true);
    expect(tokenNeeded(true, "")).toBe(true);
    expect(tokenNeeded(true, "t0k")).toBe(false);
    expect(tokenNeeded(false, undefined)).toBe(false);
  });
});

describe("a connection that closed", () => {
  it("blames a token never accepted only when it closed before the greeting", () => {
    expect(closeReason({ token: "wrong", greeted: false, acceptedToken: undefined })).toBe("refused");
    expect(closeReason({ token: "new", greeted: false, acceptedToken: "old" })).toBe("refused");
    // Greeted: the token was accepted; the connection was lost later.
    expect(closeReason({ token: "t0k", greeted: true, acceptedToken: "t0k" })).toBe("lost");
  });

  it("does not blame a token that worked before, nor a feed without one", () => {
    expect(closeReason({ token: "t0k", greeted: false, acceptedToken: "t0k" })).toBe("lost");
    expect(closeReason({ token: undefined, greeted: false, acceptedToken: undefined })).toBe("lost");
  });
});

describe("token storage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("keeps the token in sessionStorage under its own key, and forgets it", () => {
    const items = new Map<string, string>();
    vi.stubGlobal("sessionStorage", {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    });
    expect(storedToken()).toBeUndefined();
    storeToken("t0k");
    expect(items).toEqual(new Map([["hl-feed-token", "t0k"]]));
    expect(storedToken()).toBe("t0k");
    storeToken(null);
    expect(storedToken()).toBeUndefined();
    expect(items.size).toBe(0);
  });

  it("does without storage when the browser refuses it", () => {
    vi.stubGlobal("sessionStorage", {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    });
    expect(storedToken()).toBeUndefined();
    expect(() => storeToken("t0k")).not.toThrow();
    expect(() => storeToken(null)).not.toThrow();
  });
});
