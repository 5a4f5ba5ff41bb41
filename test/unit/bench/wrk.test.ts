import { describe, expect, it } from "vitest";
import { parseWrk, wrkDurationMs } from "../../../bench/api-leaderboard.js";

// wrk 4.1.0's `--latency` report, as printed on this project's benchmark machine.
const REPORT = `Running 6s test @ http://127.0.0.1:8199/
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.25ms    5.15ms 121.59ms   98.17%
    Req/Sec    20.00k     1.21k   22.10k    70.00%
  Latency Distribution
     50%    4.40ms
     75%    5.00ms
     90%    6.55ms
     99%   12.36ms
  119339 requests in 6.00s, 7.66GB read
  Non-2xx or 3xx responses: 5
  Socket errors: connect 0, read 1, write 2, timeout 12
Requests/sec:  19889.86
Transfer/sec:      1.28GB
`;

describe("wrk report parsing (bench:api -- --client=wrk)", () => {
  it("reads durations in every unit wrk prints", () => {
    expect(wrkDurationMs("746.00us")).toBe(0.75);
    expect(wrkDurationMs("12.36ms")).toBe(12.36);
    expect(wrkDurationMs("1.11s")).toBe(1110);
    expect(wrkDurationMs("1.50m")).toBe(90_000);
    expect(() => wrkDurationMs("12 ms")).toThrow(/unreadable/);
  });

  it("reads counts, percentiles, max, bytes and errors", () => {
    expect(parseWrk(REPORT)).toEqual({
      requests: 119_339,
      durationS: 6,
      bytes: 7.66 * 1024 ** 3,
      p50Ms: 4.4,
      p90Ms: 6.55,
      p99Ms: 12.36,
      maxMs: 121.59,
      non2xx: 5,
      errors: 3,
      timeouts: 12,
    });
  });

  it("treats absent error lines as none, and refuses a report without percentiles", () => {
    const clean = REPORT.replace(/^ {2}Non-2xx.*\n/m, "").replace(/^ {2}Socket errors.*\n/m, "");
    expect(parseWrk(clean)).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(() => parseWrk(REPORT.replace(/^\s+99%.*\n/m, ""))).toThrow(/99% latency/);
  });
});
