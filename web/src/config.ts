/**
 * Where the API and the feed are. `/app/config.json` is written next to the page: by the local
 * server, and in AWS into the bucket at deploy (with the API Gateway WebSocket URL).
 */
export interface PageConfig {
  /** "" = the page's own origin. */
  apiBase: string;
  wsUrl: string;
}

interface ConfigFile {
  api_base?: unknown;
  ws_url?: unknown;
}

export const sameOriginWsUrl = (loc: Pick<Location, "protocol" | "host">): string =>
  `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws/v1/trades`;

export const resolveConfig = (file: ConfigFile | null, loc: Pick<Location, "protocol" | "host">): PageConfig => ({
  apiBase: typeof file?.api_base === "string" ? file.api_base.replace(/\/+$/, "") : "",
  wsUrl: typeof file?.ws_url === "string" && file.ws_url !== "" ? file.ws_url : sameOriginWsUrl(loc),
});

export const loadConfig = async (): Promise<PageConfig> => {
  let file: ConfigFile | null = null;
  try {
    const res = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
    if (res.ok) file = (await res.json()) as ConfigFile;
  } catch {
    // Same-origin defaults below.
  }
  return resolveConfig(file, location);
};
