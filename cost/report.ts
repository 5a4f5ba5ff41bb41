import { dec, type Decimal } from "#commons/decimal.js";
import { INPUT_NOTES, type CostEstimate, type CostInput } from "./model.js";
import type { UnitPrice } from "./prices.js";

/** The estimate as a markdown table (for the README) or as JSON (for scripts). */

/** Digits grouped by thousands, from the decimal's own string: display never goes through a float. */
const grouped = (x: Decimal, places: number): string => {
  const [int = "0", frac] = x.toFixed(places, 1).split(".");
  const negative = int.startsWith("-");
  const digits = negative ? int.slice(1) : int;
  const withCommas = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${withCommas}${frac !== undefined ? `.${frac}` : ""}`;
};

/** Quantities: whole numbers as such and from 100 up, two decimals below (storage and log GB are small). */
const quantity = (x: Decimal, p: UnitPrice): string =>
  `${x.gte(100) || x.round(0).eq(x) ? grouped(x, 0) : grouped(x, 2)} ${x.eq(1) ? p.unit : p.units}`;

/** Dollars to the cent; amounts under a cent show four decimals rather than a misleading $0.00. */
export const usd = (x: Decimal): string => (x.gt(0) && x.lt("0.005") ? `$${x.toFixed(4, 1)}` : `$${grouped(x, 2)}`);

const PER_LABEL: Record<number, string> = { 1: "", 10_000: "10k ", 100_000: "100k ", 1_000_000: "1M " };

export const unitPrice = (p: UnitPrice): string =>
  p.per === 1 ? `$${p.usd} per ${p.unit}` : `$${p.usd} per ${PER_LABEL[p.per] ?? `${p.per} `}${p.units}`;

const cell = (s: string): string => s.replace(/\|/g, "\\|");

export const toMarkdown = (e: CostEstimate): string => {
  const i = e.input;
  const c = e.capacity;
  const out: string[] = [
    `### ${grouped(dec(i.traders), 0)} traders, polled every ${i.intervalSeconds} s, ${grouped(dec(i.followers), 0)} copy followers` +
      `${i.nat ? ", fixed egress IP (NAT)" : ""}: ${usd(e.totalUsd)} a month`,
    "",
    "| service | what | quantity | unit price | $/month |",
    "|---|---|---:|---:|---:|",
    ...e.lines.map(
      (l) => `| ${cell(l.service)} | ${cell(l.what)} | ${quantity(l.quantity, l.price)} | ${unitPrice(l.price)} | ${usd(l.monthlyUsd)} |`,
    ),
    `| **total** | | | | **${usd(e.totalUsd)}** |`,
    "",
    `Prices: AWS list prices for ${e.region} as of ${e.pricesAsOf} (cost/prices.ts); re-check them before relying on ` +
      "the figures. Free tiers are not subtracted. A month is 730 hours.",
    "",
    `Exchange weight: ~${grouped(c.trackingWeightPerMinute, 0)} a minute for tracking, ~${grouped(c.copyWeightPerMinute, 0)} for copy trading; one egress IP allows ` +
      `${grouped(dec(c.usableWeightPerIp), 0)} (~${grouped(c.tradersPerIpPerCycle, 0)} traders a cycle at this change rate) → ` +
      `${c.egressIpsNeeded} egress IP${c.egressIpsNeeded === 1 ? "" : "s"} needed; the stack supports 1.`,
  ];
  if (e.warnings.length > 0) out.push("", ...e.warnings.map((w) => `> **Warning.** ${w}`));
  out.push("", "Assumptions:", "");
  for (const key of Object.keys(INPUT_NOTES) as (keyof CostInput)[]) {
    out.push(`- \`${key}\` = ${String(i[key])}: ${INPUT_NOTES[key]}`);
  }
  out.push(
    "- The fan-out queue: each occupied shard's messages of a batch of events are priced as a receive and a",
    "  fan-out worker invocation of their own, an upper bound (one receive may take several shards' messages).",
    "- Copy trading: every run is priced as its own copy-worker invocation, receive and delete (an upper bound: a",
    "  batch takes up to 10); the dispatcher's reads of the events stream are free (a Lambda trigger's).",
    "- Not priced: DynamoDB Streams reads (Lambda triggers read streams for free); the WebSocket route",
    "  functions' invocations (3 per connection: connect, welcome, disconnect) and the clients' pings; KMS",
    "  requests; per-item storage overhead; the retries of failed tracking messages; data transfer from the",
    "  exchange (inbound is free); the stream listener's hand-offs to the tracking queue and its discovery",
    "  lookups (a few a minute at most).",
  );
  return out.join("\n");
};

export const toJson = (e: CostEstimate): string =>
  JSON.stringify(
    {
      pricesAsOf: e.pricesAsOf,
      region: e.region,
      input: e.input,
      lines: e.lines.map((l) => ({
        service: l.service,
        what: l.what,
        quantity: l.quantity.toFixed(6, 1).replace(/\.?0+$/, ""),
        unit: l.price.unit,
        unitPriceUsd: l.price.usd,
        unitPricePer: l.price.per,
        monthlyUsd: l.monthlyUsd.toFixed(6),
        scaling: l.scaling,
      })),
      totalUsd: e.totalUsd.toFixed(6),
      capacity: {
        trackingWeightPerMinute: e.capacity.trackingWeightPerMinute.toFixed(2, 1),
        copyWeightPerMinute: e.capacity.copyWeightPerMinute.toFixed(2, 1),
        usableWeightPerIp: e.capacity.usableWeightPerIp,
        tradersPerIpPerCycle: Number(e.capacity.tradersPerIpPerCycle.toFixed(0)),
        egressIpsNeeded: e.capacity.egressIpsNeeded,
        egressIpsSupported: 1,
        historySyncSecondsNeeded: e.capacity.historySyncSecondsNeeded.toFixed(0, 1),
        historySyncSecondsAllowed: e.capacity.historySyncSecondsAllowed,
      },
      warnings: e.warnings,
    },
    null,
    2,
  );
