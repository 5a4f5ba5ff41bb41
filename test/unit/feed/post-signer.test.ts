import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { canonicalPath, createPostSigner, type PostCredentials } from "#store/post-signer.js";

/** node:crypto in the shape SignatureV4 takes (a hash, or an HMAC when given a secret). */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const bytes = (d: string | ArrayBuffer | ArrayBufferView) =>
      typeof d === "string" ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === "string" ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

const KEY: PostCredentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const HOST = "abc123.execute-api.eu-west-1.amazonaws.com";

/** The Authorization header the SDK's own signer gives the same request at the same instant. */
const sdkAuthorization = async (credentials: PostCredentials, path: string, headers: Record<string, string>, body: Uint8Array, at: number) => {
  const { authorization: _, ...unsigned } = headers;
  const signer = new SignatureV4({ credentials, region: "eu-west-1", service: "execute-api", sha256: Sha256 });
  const signed = await signer.sign(
    { method: "POST", protocol: "https:", hostname: HOST, path, query: {}, headers: unsigned, body },
    { signingDate: new Date(at) },
  );
  return signed.headers.authorization;
};

describe("the fan-out's post signer", () => {
  it("signs each post exactly as the SDK's SigV4 signer does: same signed headers, same signature, session token included", async () => {
    const sign = createPostSigner({ host: HOST, region: "eu-west-1", service: "execute-api", escapePath: true });
    const body = new TextEncoder().encode('{"type":"trade_event"}');
    const at = Date.UTC(2026, 11, 6, 15, 30, 0, 250);
    const credentials = { ...KEY, sessionToken: "session-token" };
    for (const path of ["/@connections/abc%3D", "/v1/@connections/ab%2Bc%3D%2Fd%21"]) {
      const headers = sign(credentials, path, body, at);
      expect(headers.authorization, path).toBe(await sdkAuthorization(credentials, path, headers, body, at));
      expect(headers.authorization).toContain("SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,");
      expect(headers["x-amz-date"]).toBe("20261206T153000Z");
    }
  });

  it("takes a new signing key when the day or the credentials change, and a new body hash for other bytes", async () => {
    const sign = createPostSigner({ host: HOST, region: "eu-west-1", service: "execute-api", escapePath: true });
    const path = "/@connections/abc%3D";
    const first = new TextEncoder().encode('{"n":1}');
    const second = new TextEncoder().encode('{"n":2}');
    const beforeMidnight = Date.UTC(2026, 11, 6, 23, 59, 59, 900);
    const afterMidnight = Date.UTC(2026, 11, 7, 0, 0, 0, 100);
    const rotated = { accessKeyId: "AKIDROTATED", secretAccessKey: "another-secret", sessionToken: "token-2" };
    const cases: [PostCredentials, Uint8Array, number][] = [
      [KEY, first, beforeMidnight],
      [KEY, first, afterMidnight],
      [rotated, first, afterMidnight],
      [rotated, second, afterMidnight],
      [KEY, second, afterMidnight],
    ];
    for (const [credentials, body, at] of cases) {
      const headers = sign(credentials, path, body, at);
      expect(headers.authorization).toBe(await sdkAuthorization(credentials, path, headers, body, at));
      expect(headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(body).digest("hex"));
      expect(headers["x-amz-security-token"]).toBe(credentials.sessionToken);
    }
  });

  it("canonicalises the path as SigV4 does: escaped once more, empty and dot segments dropped", () => {
    expect(canonicalPath("/@connections/ab%2Bc%3D", true)).toBe("/%40connections/ab%252Bc%253D");
    expect(canonicalPath("/v1//./x/../@connections/a", true)).toBe("/v1/%40connections/a");
    expect(canonicalPath("/@connections/a%3D", false)).toBe("/@connections/a%3D");
  });
});
