/**
 * Numbers for people: `$1.2M`, `61.4%`, `3.5 h`. The API's money is exact decimal strings; they
 * become floats here only to be displayed, never to be added up.
 */

export const DASH = "—";

const compactUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", minimumFractionDigits: 0, maximumFractionDigits: 1 });
const smallUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const tinyUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumSignificantDigits: 3 });
const ratio = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export const toNumber = (value: string | number | null | undefined): number | null => {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
};

/** `$1.2M`, `$12.3K`, `$950.25`, `-$4.10`; `—` for null. */
export const usd = (value: string | number | null | undefined): string => {
  const n = toNumber(value);
  if (n === null) return DASH;
  const abs = Math.abs(n);
  if (abs >= 1_000) return compactUsd.format(n);
  if (abs > 0 && abs < 0.01) return tinyUsd.format(n);
  return smallUsd.format(n);
};

/** Dollars and cents in full (`$10,012.50`): an account's balance, where `$10K` hides what changed. */
export const fullUsd = (value: string | number | null | undefined): string => {
  const n = toNumber(value);
  return n === null ? DASH : Math.abs(n) > 0 && Math.abs(n) < 0.01 ? tinyUsd.format(n) : smallUsd.format(n);
};

/** Like `usd` with an explicit `+` on gains, for PnL. */
export const signedUsd = (value: string | number | null | undefined): string => {
  const n = toNumber(value);
  if (n === null) return DASH;
  return n > 0 ? `+${usd(n)}` : usd(n);
};

/** A 0–1 ratio as a percentage: `0.614` → `61.4%`. */
export const pct = (value: number | null | undefined, signed = false): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  // Rounded first, so that -0.0004 shows as 0%, not -0%.
  const percent = Math.round(value * 1000) / 10 || 0;
  const text = `${oneDecimal.format(percent)}%`;
  return signed && percent > 0 ? `+${text}` : text;
};

export const num2 = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? DASH : ratio.format(value);

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined ? DASH : integer.format(value);

/** `45 min`, `3.5 h`, `2.1 d`. */
export const hours = (value: number | null | undefined): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  if (value < 1) return `${integer.format(value * 60)} min`;
  if (value < 48) return `${oneDecimal.format(value)} h`;
  return `${oneDecimal.format(value / 24)} d`;
};

/** A delay in milliseconds: `0.8 s` (tenths below 10 s), `42 s`, then as `hours` does: `3 min`, `1.5 h`. */
export const delay = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 9_950) return `${oneDecimal.format(ms / 1000)} s`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : hours(ms / 3_600_000);
};

export const days = (value: number | null | undefined): string =>
  value === null || value === undefined ? DASH : `${integer.format(value)} d`;

/** A size or price as the exchange gives it, with thousands separators and no float noise. */
export const decimal = (value: string | null | undefined): string => {
  if (value === null || value === undefined || value === "") return DASH;
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "0", fraction = ""] = match;
  const trimmed = fraction.replace(/0+$/, "");
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${trimmed === "." ? "" : trimmed}`;
};

export const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** The sign of a decimal string or number, for colouring gains and losses. */
export const tone = (value: string | number | null | undefined): "gain" | "loss" | undefined => {
  const n = toNumber(value);
  if (n === null || n === 0) return undefined;
  return n > 0 ? "gain" : "loss";
};

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export const clock = (iso: string | number): string => timeOfDay.format(new Date(iso));
export const when = (iso: string | number): string => dateTime.format(new Date(iso));

/** `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export const ago = (iso: string | number, now = Date.now()): string => {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
};

/**
 * An exact decimal fraction as a percentage, by moving the point (no float, no rounding):
 * `"0.00045"` → `0.045%`, `"-0.0027"` → `-0.27%`; `signed` puts `+` on gains.
 */
export const exactPct = (value: string | null | undefined, signed = false): string => {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value ?? "");
  if (!match) return DASH;
  const [, sign = "", whole = "0", fraction = ""] = match;
  const padded = fraction.padEnd(2, "0");
  const digits = `${whole}${padded.slice(0, 2)}`.replace(/^0+(?=\d)/, "");
  const rest = padded.slice(2).replace(/0+$/, "");
  const zero = /^0*$/.test(digits + rest);
  const text = `${decimal(`${digits}${rest ? `.${rest}` : ""}`)}%`;
  return zero ? "0%" : sign === "-" ? `-${text}` : signed ? `+${text}` : text;
};
