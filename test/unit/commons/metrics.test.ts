import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSBatchResponse } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createCloudWatchPublisher,
  METRICS_NAMESPACE,
  withExchangeMetrics,
  type ExchangeCounts,
  type ExchangeStatsSource,
} from "#commons/metrics.js";
import { recordingLogger } from "../../support/logger.js";

/** The exchange client's counters as a test can move them: cumulative, like the real client's. */
const fakeExchange = () => {
  const counters = { requests: 0, retries: 0, http429: 0, http5xx: 0, timeouts: 0 };
  const source: ExchangeStatsSource = { stats: () => ({ ...counters }) };
  return { counters, source };
};

const counts = (partial: Partial<ExchangeCounts>): ExchangeCounts => ({
  ExchangeRequests: 0,
  ExchangeRetries: 0,
  Exchange429: 0,
  Exchange5xx: 0,
  ExchangeTimeouts: 0,
  ...partial,
});

/** One EMF line as CloudWatch reads it. */
interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe("withExchangeMetrics", () => {
  it("publishes what each invocation added to the counters, and nothing when it made no request", async () => {
    const { counters, source } = fakeExchange();
    const published: ExchangeCounts[] = [];
    const invocations = [
      () => Object.assign(counters, { requests: 5, retries: 2, http429: 2 }),
      () => Object.assign(counters, { requests: 8, http5xx: 1, timeouts: 1 }),
      () => {},
    ];
    const handler = withExchangeMetrics(async (i: number) => invocations[i]!(), source, { publish: (c) => published.push(c) });

    for (const i of [0, 1, 2]) await handler(i);

    expect(published).toEqual([
      counts({ ExchangeRequests: 5, ExchangeRetries: 2, Exchange429: 2 }),
      counts({ ExchangeRequests: 3, Exchange5xx: 1, ExchangeTimeouts: 1 }),
    ]);
  });

  it("counts traffic made before the first invocation (cold start) in the first one", async () => {
    const { counters, source } = fakeExchange();
    counters.requests = 4;
    const published: ExchangeCounts[] = [];
    await withExchangeMetrics(async () => {}, source, { publish: (c) => published.push(c) })();
    expect(published).toEqual([counts({ ExchangeRequests: 4 })]);
  });

  it("counts each request once when several handlers share one client (the local runtime's one process)", async () => {
    const { counters, source } = fakeExchange();
    const published: ExchangeCounts[] = [];
    const publish = (c: ExchangeCounts) => published.push(c);
    const discovery = withExchangeMetrics(async () => void (counters.requests += 3), source, { publish });
    const worker = withExchangeMetrics(async () => void (counters.requests += 2), source, { publish });

    await discovery();
    await worker();

    expect(published.map((c) => c.ExchangeRequests)).toEqual([3, 2]);
  });

  it("returns the handler's own result: an SQS partial batch response reaches Lambda unchanged", async () => {
    const { counters, source } = fakeExchange();
    const response: SQSBatchResponse = { batchItemFailures: [{ itemIdentifier: "m-2" }] };
    const handler = withExchangeMetrics(
      async () => {
        counters.requests += 1;
        return response;
      },
      source,
      { publish: () => {} },
    );
    await expect(handler()).resolves.toBe(response);
  });

  it("still publishes when the handler throws, and the handler's error is what the caller sees", async () => {
    const { counters, source } = fakeExchange();
    const published: ExchangeCounts[] = [];
    const handler = withExchangeMetrics(
      async () => {
        counters.requests += 3;
        counters.http429 += 3;
        throw new Error("rate limited to death");
      },
      source,
      { publish: (c) => published.push(c) },
    );
    await expect(handler()).rejects.toThrow("rate limited to death");
    expect(published).toEqual([counts({ ExchangeRequests: 3, Exchange429: 3 })]);
  });

  it("a failing publisher is logged, never turned into a failed invocation", async () => {
    const { counters, source } = fakeExchange();
    const { logger, entries } = recordingLogger();
    const response: SQSBatchResponse = { batchItemFailures: [] };
    const handler = withExchangeMetrics(
      async () => {
        counters.requests += 1;
        return response;
      },
      source,
      {
        publish: () => {
          throw new Error("EMF serialisation failed");
        },
        logger,
      },
    );
    await expect(handler()).resolves.toBe(response);
    expect(entries).toEqual([
      expect.objectContaining({ level: "warn", message: "Could not publish exchange metrics" }),
    ]);
  });

  it("a client whose stats() throws does not fail the invocation either", async () => {
    const { logger, entries } = recordingLogger();
    const broken: ExchangeStatsSource = {
      stats: () => {
        throw new Error("no stats");
      },
    };
    await expect(withExchangeMetrics(async () => "done", broken, { publish: () => {}, logger })()).resolves.toBe("done");
    expect(entries.map((e) => e.level)).toEqual(["warn"]);
  });
});

describe("CloudWatch publishing (EMF)", () => {
  /** What Powertools prints: in dev mode through the global console, one JSON document per call. */
  const captureEmf = () => {
    const lines: EmfLine[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)) as EmfLine));
    return lines;
  };

  it("writes one EMF line with every counter, in the alarms' namespace, dimensioned by service only", () => {
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false"); // the test env sets POWERTOOLS_DEV, which would disable them
    const lines = captureEmf();
    const publish = createCloudWatchPublisher(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "hl-copytrader" }));

    publish(counts({ ExchangeRequests: 40, Exchange429: 3, ExchangeRetries: 3 }));

    expect(lines).toHaveLength(1);
    const [line] = lines;
    const [directive] = line!._aws.CloudWatchMetrics;
    expect(directive!.Namespace).toBe("HlCopytrader");
    expect(directive!.Dimensions).toEqual([["service"]]);
    expect(directive!.Metrics.map((m) => [m.Name, m.Unit]).sort()).toEqual(
      [
        ["Exchange429", "Count"],
        ["Exchange5xx", "Count"],
        ["ExchangeRequests", "Count"],
        ["ExchangeRetries", "Count"],
        ["ExchangeTimeouts", "Count"],
      ].sort(),
    );
    expect(line).toMatchObject({
      service: "hl-copytrader",
      ExchangeRequests: 40,
      Exchange429: 3,
      ExchangeRetries: 3,
      Exchange5xx: 0,
      ExchangeTimeouts: 0,
    });
  });

  it("publishes only inside Lambda: the local runtime and the tests print no EMF lines", async () => {
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false"); // as enabled as Powertools allows
    const { exchangeMetricsPublisher } = await import("#commons/metrics.js"); // fresh module, built under that env
    const lines = captureEmf();
    const stdout = vi.spyOn(process.stdout, "write");

    exchangeMetricsPublisher({})(counts({ ExchangeRequests: 1 })); // the local runtime sets no AWS_LAMBDA_FUNCTION_NAME
    expect(lines).toEqual([]);
    expect(stdout).not.toHaveBeenCalled();

    exchangeMetricsPublisher({ AWS_LAMBDA_FUNCTION_NAME: "hl-discovery" })(counts({ ExchangeRequests: 1 }));
    expect(lines.map((l) => l.ExchangeRequests)).toEqual([1]);
  });
});
