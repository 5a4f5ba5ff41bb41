import { z } from "zod";
import { ConfigError } from "#commons/errors.js";

/**
 * Where the trades stream connects: an explicit override (a ws:// or wss:// URL, e.g. a simulator
 * or a data provider), else the venue's `/ws` on the same host as HYPERLIQUID_API_URL, so pointing
 * the API at the simulator points the stream at it as well. Wrong values fail the cold start.
 */

export const streamUrlSchema = z.url({ protocol: /^wss?$/, error: "must be a ws:// or wss:// URL" });
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

export const streamUrlFrom = (apiUrl: string, override?: string): string => {
  if (override !== undefined && override.trim() !== "") {
    const parsed = streamUrlSchema.safeParse(override.trim());
    if (!parsed.success) throw new ConfigError(`trades stream URL ${JSON.stringify(override)}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
  const parsed = httpUrl.safeParse(apiUrl.trim());
  if (!parsed.success) throw new ConfigError(`HYPERLIQUID_API_URL ${JSON.stringify(apiUrl)}: ${parsed.error.issues[0]?.message}`);
  const api = new URL(parsed.data);
  // `host` keeps a non-default port and drops the default one; the API's path and query do not apply.
  return `${api.protocol === "https:" ? "wss:" : "ws:"}//${api.host}/ws`;
};
