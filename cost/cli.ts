import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { estimateMonthlyCost, type CostInput } from "./model.js";
import { toJson, toMarkdown } from "./report.js";

/**
 * `npm run cost -- --traders N [options]`: the monthly AWS cost of running the stack for N tracked
 * traders, as a markdown table (or JSON with --json). See cost/model.ts for what is counted.
 */

const USAGE = `Usage: npm run cost -- --traders N [options]

  --traders N             active traders to track (required, a positive integer)
  --interval-seconds S    tracking interval, a whole number of minutes in seconds (default 60)
  --change-rate P         share of traders whose positions change between polls, 0..1 (default 0.05)
  --nat                   include the fixed egress IP (VPC + NAT gateway + Elastic IP)
  --trades-stream on|off  the trades-stream listener, as TRADES_STREAM (default on)
  --ws-clients C          WebSocket clients connected all month (default 10)
  --feed-shards S         the fan-out's connection shards, as FEED_SHARDS (default 32)
  --round-trips-per-day T round trips each trader closes a day, written to the trader pages (default 7.5)
  --api-requests R        HTTP requests a month reaching CloudFront (default 100000)
  --latency-ms L          one Hyperliquid request's round trip (default 150)
  --followers F           copy-trading followers, each copying one leader (default 10)
  --json                  print JSON instead of markdown
  --help                  this text`;

export class UsageError extends Error {}

const wholeNumber = (name: string, raw: string | undefined, opts: { min: number }): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.replace(/_/g, ""))) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got "${raw}"`);
  return n;
};

/** The estimate's input from the command line; throws UsageError with a message for a person. */
export const parseCostArgs = (argv: readonly string[]): { input: Partial<CostInput> & Pick<CostInput, "traders">; json: boolean } | "help" => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        traders: { type: "string" },
        "interval-seconds": { type: "string" },
        "change-rate": { type: "string" },
        nat: { type: "boolean" },
        "trades-stream": { type: "string" },
        "ws-clients": { type: "string" },
        "feed-shards": { type: "string" },
        "round-trips-per-day": { type: "string" },
        "api-requests": { type: "string" },
        "latency-ms": { type: "string" },
        followers: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) return "help";
  const traders = wholeNumber("traders", values.traders, { min: 1 });
  if (traders === undefined) throw new UsageError("--traders N is required");
  const interval = wholeNumber("interval-seconds", values["interval-seconds"], { min: 60 });
  if (interval !== undefined && interval % 60 !== 0) {
    throw new UsageError(`--interval-seconds must be a whole number of minutes (EventBridge Scheduler runs at most once a minute), got ${interval}`);
  }
  const rate = values["change-rate"];
  if (rate !== undefined && !(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(rate))) {
    throw new UsageError(`--change-rate must be a decimal from 0 to 1 (e.g. 0.05), got "${rate}"`);
  }
  const stream = values["trades-stream"];
  if (stream !== undefined && stream !== "on" && stream !== "off") {
    throw new UsageError(`--trades-stream must be on or off (as TRADES_STREAM), got "${stream}"`);
  }
  const wsClients = wholeNumber("ws-clients", values["ws-clients"], { min: 0 });
  const feedShards = wholeNumber("feed-shards", values["feed-shards"], { min: 1 });
  const trips = values["round-trips-per-day"];
  if (trips !== undefined && !/^\d+(\.\d+)?$/.test(trips)) {
    throw new UsageError(`--round-trips-per-day must be a decimal of 0 or more (e.g. 7.5), got "${trips}"`);
  }
  const apiRequests = wholeNumber("api-requests", values["api-requests"], { min: 0 });
  const latency = wholeNumber("latency-ms", values["latency-ms"], { min: 0 });
  const followers = wholeNumber("followers", values.followers, { min: 0 });
  return {
    input: {
      traders,
      ...(interval !== undefined && { intervalSeconds: interval }),
      ...(rate !== undefined && { changeRate: rate.startsWith(".") ? `0${rate}` : rate }),
      ...(values.nat === true && { nat: true }),
      ...(stream !== undefined && { tradesStream: stream === "on" }),
      ...(wsClients !== undefined && { wsClients }),
      ...(feedShards !== undefined && { feedShards }),
      ...(trips !== undefined && { roundTripsPerTraderPerDay: trips }),
      ...(apiRequests !== undefined && { apiRequestsPerMonth: apiRequests }),
      ...(latency !== undefined && { exchangeLatencyMs: latency }),
      ...(followers !== undefined && { followers }),
    },
    json: values.json === true,
  };
};

const main = (): void => {
  try {
    const parsed = parseCostArgs(process.argv.slice(2));
    if (parsed === "help") {
      console.log(USAGE);
      return;
    }
    const estimate = estimateMonthlyCost(parsed.input);
    console.log(parsed.json ? toJson(estimate) : toMarkdown(estimate));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${USAGE}`);
    process.exitCode = 2;
  }
};

// Run only as the entry point, so tests can import the parser.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
