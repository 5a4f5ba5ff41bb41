import { describe, expect, it } from "vitest";
import { clientKeyOf, viewerIpOf } from "#api/viewer.js";

describe("CloudFront-Viewer-Address", () => {
  it("is <ip>:<port>, IPv6 unbracketed (as CloudFront writes it) or bracketed", () => {
    expect(viewerIpOf("198.51.100.10:46532")).toBe("198.51.100.10");
    expect(viewerIpOf("2001:db8::1:46532")).toBe("2001:db8::1");
    expect(viewerIpOf("2001:db8:85a3:0:0:8a2e:370:7334:443")).toBe("2001:db8:85a3:0:0:8a2e:370:7334");
    expect(viewerIpOf("[2001:db8::1]:46532")).toBe("2001:db8::1");
    expect(viewerIpOf(" 198.51.100.10:1 ")).toBe("198.51.100.10");
  });

  it("anything else is no address", () => {
    for (const bad of [undefined, "", "198.51.100.10", "198.51.100.10:", "198.51.100.10:99999", "999.1.1.1:80", "example.com:443", "::1", "1.2.3.4:80, 5.6.7.8:80"]) {
      expect(viewerIpOf(bad), String(bad)).toBeUndefined();
    }
  });
});

describe("the key a client is rate-limited under", () => {
  it("is an IPv4 address itself", () => {
    expect(clientKeyOf("198.51.100.10")).toBe("198.51.100.10");
  });

  it("is the /64 of an IPv6 address, however it is spelled: a network cannot take a fresh address per request", () => {
    const key = clientKeyOf("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    expect(clientKeyOf("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe(key);
    expect(clientKeyOf("2001:db8:1:3::1")).not.toBe(key);
    expect(clientKeyOf("::1")).toBe("0:0:0:0::/64");
    expect(clientKeyOf("::")).toBe("0:0:0:0::/64");
  });

  it("is the IPv4 address of an IPv4-mapped IPv6 one (a dual-stack socket's peer)", () => {
    expect(clientKeyOf("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(clientKeyOf("::ffff:7f00:1")).toBe("127.0.0.1");
  });
});
