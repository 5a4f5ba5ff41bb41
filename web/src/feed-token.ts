/**
 * The live feed's token (WS_TOKEN): browsers cannot set headers on a WebSocket, so it travels as
 * `?token=` on the URL. This file holds what does not need a browser (the URL, what a failed
 * connection means) and where the page keeps the token; the LiveFeed class uses it.
 */

import { sessionValue } from "./session.js";

/** Like the admin key (views/track.ts), for this tab's session only. */
const token = sessionValue("hl-feed-token");

export const storedToken = (): string | undefined => token.get();

/** Without storage the token lasts until the page is reloaded. */
export const storeToken = (value: string | null): void => token.set(value);

/** The feed's URL with `token=` set (encoded, replacing any token already there); its other query parameters stay. */
export const feedUrl = (wsUrl: string, token: string | undefined): string => {
  if (token === undefined || token === "") return wsUrl;
  const url = new URL(wsUrl);
  url.searchParams.set("token", token);
  return url.href;
};

/** With a required token and none given, every attempt would be refused: wait for one instead. */
export const tokenNeeded = (required: boolean, token: string | undefined): boolean => required && (token === undefined || token === "");

/**
 * How a connection that closed before the server's `connection` greeting is reported. A refused
 * token and an unreachable server look the same to a browser (a close, no status code), so it is
 * "refused" (the token may be wrong) only when a token was sent that has never been greeted on
 * this page; a token that worked before is trusted, and the drop is an ordinary lost connection.
 */
export const closeReason = (o: { token: string | undefined; greeted: boolean; acceptedToken: string | undefined }): "refused" | "lost" =>
  o.token !== undefined && !o.greeted && o.token !== o.acceptedToken ? "refused" : "lost";
