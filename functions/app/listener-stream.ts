import type { Config } from "#commons/config.js";
import type { AppLogger } from "#commons/logger.js";
import { openTradesStream, streamUrlFrom } from "#hyperliquid/trades-stream.js";
import type { TradesStreamOptions } from "#hyperliquid/trades-stream-types.js";
import type { OpenTradesStream } from "./stream-listener.js";

/**
 * The listener's stream: the exchange's trades WebSocket at HYPERLIQUID_WS_URL, or the API's own
 * host at /ws (#hyperliquid/trades-stream.js). `extra` lets tests shorten the timers.
 */
export const openListenerStream =
  (config: Pick<Config, "HYPERLIQUID_API_URL" | "HYPERLIQUID_WS_URL">, logger: AppLogger, extra: Partial<TradesStreamOptions> = {}): OpenTradesStream =>
  (coins, handlers) => {
    const stream = openTradesStream({
      url: streamUrlFrom(config.HYPERLIQUID_API_URL, config.HYPERLIQUID_WS_URL),
      coins,
      logger,
      onTrades: (trades) => handlers.onTrades(trades),
      onState: (s) => handlers.onState(s.state),
      onGap: (gap) => handlers.onGap(gap),
      ...extra,
    });
    return {
      setCoins: (next) => stream.setCoins(next),
      ready: () => stream.ready(),
      close: () => stream.close(),
      stats: () => ({ reconnects: stream.stats().reconnects }),
    };
  };
