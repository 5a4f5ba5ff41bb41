import { createHash, createHmac } from "node:crypto";
import { escape } from "./pool-http-handler.js";

/**
 * SigV4 for the one request a fan-out sends thousands of times: `POST @connections/{id}` with the
 * headers the SDK's PostToConnectionCommand sends (content-length, content-type, host, and what
 * its signer adds: x-amz-content-sha256, x-amz-date, x-amz-security-token). The same canonical
 * request, string to sign and signature as @smithy/signature-v4 (the tests verify each post with
 * it), for less work per post: the SDK's signer hashes the body again for every client though
 * every client of an event gets the same bytes, computes an HMAC of the credentials on every
 * request only to look its signing key up, and clones and normalises the whole request. Here the
 * body's hash is taken once per event (per bytes object), the signing key once per day and
 * credentials, and a post costs one SHA-256 and one HMAC.
 */

const ALGORITHM = "AWS4-HMAC-SHA256";

/** What the SDK's credential provider resolves to. */
export interface PostCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}
const CONTENT_TYPE = "application/octet-stream";

export interface PostSignerOptions {
  host: string;
  region: string;
  service: string;
  /** The client's `signingEscapePath`: the path is escaped once more for the canonical request. */
  escapePath: boolean;
}

/** The path as SigV4 canonicalises it: empty and `.` segments dropped, `..` resolved, then escaped again. */
export const canonicalPath = (path: string, escapePath: boolean): string => {
  if (!escapePath) return path;
  const segments: string[] = [];
  for (const s of path.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") segments.pop();
    else segments.push(s);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escape(normalized).replace(/%2F/g, "/");
};

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();

export const createPostSigner = (o: PostSignerOptions) => {
  // The same bytes go to every client of an event: hashed once while they are in use.
  const bodyHashes = new WeakMap<Uint8Array, string>();
  let key: { credentials: PostCredentials; day: string; value: Buffer } | undefined;
  let clock: { second: number; longDate: string } | undefined;

  const signingKey = (credentials: PostCredentials, day: string): Buffer => {
    const same = key !== undefined && key.day === day && key.credentials.accessKeyId === credentials.accessKeyId &&
      key.credentials.secretAccessKey === credentials.secretAccessKey;
    if (!same) {
      let k: string | Buffer = `AWS4${credentials.secretAccessKey}`;
      for (const part of [day, o.region, o.service, "aws4_request"]) k = hmac(k, part);
      key = { credentials, day, value: k as Buffer };
    }
    return key!.value;
  };

  /** `20261206T153000Z`, formatted once a second. */
  const longDateOf = (nowMs: number): string => {
    const second = Math.floor(nowMs / 1000);
    if (clock?.second !== second) clock = { second, longDate: new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "") };
    return clock.longDate;
  };

  /** The headers of a signed post of `body` to `path` (already escaped as it goes on the wire). */
  return (credentials: PostCredentials, path: string, body: Uint8Array, nowMs: number): Record<string, string> => {
    let bodyHash = bodyHashes.get(body);
    if (bodyHash === undefined) {
      bodyHash = createHash("sha256").update(body).digest("hex");
      bodyHashes.set(body, bodyHash);
    }
    const longDate = longDateOf(nowMs);
    const day = longDate.slice(0, 8);
    const scope = `${day}/${o.region}/${o.service}/aws4_request`;
    const headers: Record<string, string> = {
      "content-length": String(body.byteLength),
      "content-type": CONTENT_TYPE,
      host: o.host,
      "x-amz-content-sha256": bodyHash,
      "x-amz-date": longDate,
    };
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    // Already in SigV4's order (sorted by name).
    const names = Object.keys(headers);
    const canonicalRequest = `POST\n${canonicalPath(path, o.escapePath)}\n\n${names.map((n) => `${n}:${headers[n]!.trim()}`).join("\n")}\n\n${names.join(";")}\n${bodyHash}`;
    const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`;
    const signature = createHmac("sha256", signingKey(credentials, day)).update(stringToSign).digest("hex");
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
    return headers;
  };
};
