/**
 * Structural comparison of JSON values: same keys and same JSON kinds (string / number / boolean
 * / null / object / array), recursively. Values themselves are ignored: this checks that the
 * simulator speaks the same wire format as a recorded response, not that it says the same thing.
 */

export type Kind = "string" | "number" | "boolean" | "null" | "object" | "array";

export const kindOf = (value: unknown): Kind => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean" || t === "object") return t;
  throw new TypeError(`not a JSON value: ${t}`);
};

export interface ShapeOptions {
  /** Keys the simulator may add (fields documented for the current API that an old recording lacks). */
  allowExtraKeys?: readonly string[];
  /** Paths of objects used as maps (e.g. allMids: coin → price): only their values are compared. */
  mapPaths?: readonly string[];
}

/** A canonical signature of a value's shape, to deduplicate fixture elements. */
const signature = (value: unknown): string => {
  const kind = kindOf(value);
  if (kind === "array") return `[${(value as unknown[]).map(signature).join(",")}]`;
  if (kind === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().map((k) => `${k}:${signature(obj[k])}`).join(",")}}`;
  }
  return kind;
};

/**
 * A short array whose elements are of different kinds is a tuple (`[time, "value"]`,
 * `["day", {...}]`) and is compared position by position; any other array is a list whose
 * elements must each match the shape of at least one fixture element.
 */
const isTuple = (items: readonly unknown[]): boolean =>
  items.length >= 2 && items.length <= 4 && new Set(items.map(kindOf)).size > 1;

export const shapeDiff = (actual: unknown, expected: unknown, opts: ShapeOptions = {}, path = "$"): string[] => {
  const ka = kindOf(actual);
  const ke = kindOf(expected);
  if (ka !== ke) return [`${path}: fixture has ${ke}, simulator sent ${ka}`];

  if (ke === "object") {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    if (opts.mapPaths?.includes(path)) return listDiff(Object.values(a), Object.values(e), opts, `${path}{}`);
    const diffs: string[] = [];
    for (const key of Object.keys(e)) {
      if (!(key in a)) diffs.push(`${path}.${key}: missing`);
      else diffs.push(...shapeDiff(a[key], e[key], opts, `${path}.${key}`));
    }
    for (const key of Object.keys(a)) {
      if (!(key in e) && !opts.allowExtraKeys?.includes(key)) diffs.push(`${path}.${key}: not in the fixture`);
    }
    return diffs;
  }

  if (ke === "array") {
    const a = actual as unknown[];
    const e = expected as unknown[];
    if (isTuple(e)) {
      if (a.length !== e.length) return [`${path}: tuple of ${e.length} in the fixture, ${a.length} sent`];
      return e.flatMap((item, i) => shapeDiff(a[i], item, opts, `${path}[${i}]`));
    }
    return listDiff(a, e, opts, `${path}[]`);
  }
  return [];
};

const listDiff = (actual: readonly unknown[], expected: readonly unknown[], opts: ShapeOptions, path: string): string[] => {
  if (expected.length === 0) return [];
  if (actual.length === 0) return [`${path}: simulator sent no elements, the fixture has ${expected.length}`];
  const candidates = [...new Map(expected.map((e) => [signature(e), e])).values()];
  const diffs: string[] = [];
  for (const item of actual) {
    let best: string[] | null = null;
    for (const candidate of candidates) {
      const d = shapeDiff(item, candidate, opts, path);
      if (best === null || d.length < best.length) best = d;
      if (d.length === 0) break;
    }
    if (best && best.length > 0) diffs.push(...best);
  }
  return [...new Set(diffs)];
};
