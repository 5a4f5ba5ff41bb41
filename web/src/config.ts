/**
 * Where the API and the feed are. `/app/config.json` is written next to the page: by the local
 * server, and in AWS into the bucket at deploy (with the API Gateway WebSocket URL). It is public,
 * so it only says whether the feed wants a token, never the token.
 */
export interface PageConfig {
  /** "" = the page's own origin. */
  apiBase: string;
  wsUrl: string;
  /** The feed refuses connections without `?token=` (WS_TOKEN): the Live page asks for it. */
  wsTokenRequired: boolean;
}

interface ConfigFile {
  api_base?: unknown;
  ws_url?: unknown;
  ws_token_required?: unknown;
}

export const sameOriginWsUrl = (loc: Pick<Location, "protocol" | "host">): string =>
  `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws/v1/trades`;

/** Whatever config.json held (or null when it could not be read): anything unexpected is a default. */
export const resolveConfig = (raw: unknown, loc: Pick<Location, "protocol" | "host">): PageConfig => {
  const file: ConfigFile | null = typeof raw === "object" && raw !== null ? raw : null;
  return {
    apiBase: typeof file?.api_base === "string" ? file.api_base.replace(/\/+$/, "") : "",
    wsUrl: typeof file?.ws_url === "string" && file.ws_url !== "" ? file.ws_url : sameOriginWsUrl(loc),
    // Only a real `true`: a garbled value must not make the page ask for a token nobody checks.
    wsTokenRequired: file?.ws_token_required === true,
  };
};

export const loadConfig = async (): Promise<PageConfig> => {
  let file: unknown = null;
  try {
    const res = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
    if (res.ok) file = await res.json();
  } catch {
    // Same-origin defaults below.
  }
  return resolveConfig(file, location);
};
