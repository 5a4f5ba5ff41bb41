import { isIPv4, isIPv6 } from "node:net";
import type { Context } from "hono";
import { secretMatches } from "#commons/secret-compare.js";
import { ForbiddenError } from "./errors.js";

/**
 * Who a request comes from, for rate limiting. Behind CloudFront the TCP peer API Gateway sees is
 * an edge server shared by everyone near it, so the client is the viewer CloudFront names in
 * `CloudFront-Viewer-Address` — a header a client can also write. It is believed only on requests
 * that prove they came through our distribution: CloudFront adds the origin secret header to every
 * origin request (replacing a viewer's own copy), and a request without it is refused, which also
 * closes the direct execute-api URL to the public (lib/api.ts).
 */

/** Set by CloudFront on every origin request (an origin custom header, lib/api.ts). */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";
/** `<ip>:<port>`, IPv6 unbracketed (`2001:db8::1:46532`); only CloudFront can vouch for it. */
export const VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address";

/** The viewer's IP from a `CloudFront-Viewer-Address` value, or undefined when it is not one. */
export const viewerIpOf = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === "") return undefined;
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(trimmed);
  const cut = trimmed.lastIndexOf(":");
  const [ip, port] = bracketed !== null ? [bracketed[1]!, bracketed[2]!] : [trimmed.slice(0, cut), trimmed.slice(cut + 1)];
  if (cut < 0 || !/^\d{1,5}$/.test(port) || Number(port) > 65_535) return undefined;
  return isIPv4(ip) || isIPv6(ip) ? ip : undefined;
};

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail counts as two). */
const ipv6Groups = (ip: string): number[] => {
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  const head = v4 === undefined ? ip : ip.slice(0, -v4.length) + "0:0";
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").filter((g) => g !== "").map((g) => parseInt(g, 16)) : []);
  const l = parse(left);
  const r = parse(right);
  const groups = right === undefined ? l : [...l, ...Array<number>(8 - l.length - r.length).fill(0), ...r];
  if (v4 !== undefined) {
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    groups.splice(6, 2, (a << 8) | b, (c << 8) | d);
  }
  return groups;
};

/**
 * The key a client is limited under: its IPv4 address, or the /64 of an IPv6 one — one network
 * gets a whole /64 and could otherwise take a fresh address per request. An IPv4-mapped IPv6
 * address (`::ffff:1.2.3.4`) is that IPv4 address.
 */
export const clientKeyOf = (ip: string): string => {
  if (!isIPv6(ip)) return ip;
  const g = ipv6Groups(ip);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64`;
};

export interface ViewerOptions {
  /** ORIGIN_SECRET: set in AWS (the stack generates it), unset locally, where there is no CloudFront. */
  originSecret: string | undefined;
  /** The TCP peer as the transport saw it (API Gateway's sourceIp, the socket's address). */
  transportIp: (c: Context) => string;
}

/**
 * The client key of a request; throws ForbiddenError (403) when an origin secret is configured
 * and the request does not carry it, i.e. did not come through CloudFront.
 */
export const createViewerIdentity = (o: ViewerOptions) => (c: Context): string => {
  if (o.originSecret === undefined) return clientKeyOf(o.transportIp(c));
  if (!secretMatches(c.req.header(ORIGIN_VERIFY_HEADER), o.originSecret)) {
    throw new ForbiddenError("This API answers only through its CloudFront URL (the stack's CloudFrontUrl output)");
  }
  // CloudFront always sends it where the origin request policy names it; without it, the edge is
  // all we know (the old behaviour: coarse, never wrong in a client's favour).
  return clientKeyOf(viewerIpOf(c.req.header(VIEWER_ADDRESS_HEADER)) ?? o.transportIp(c));
};
