import { describe, expect, it } from "vitest";
import { parseAddress } from "#domain/address.js";
import { ValidationError } from "#commons/errors.js";

describe("parseAddress", () => {
  it("lowercases a valid address", () => {
    expect(parseAddress("0xCB331197E84f135AB9Ed6FB51Cd9757c0bd29d0D")).toBe("0xcb331197e84f135ab9ed6fb51cd9757c0bd29d0d");
  });
  it.each(["", "0x123", "cb331197e84f135ab9ed6fb51cd9757c0bd29d0d", "0xZZ331197e84f135ab9ed6fb51cd9757c0bd29d0d", 42, null])(
    "rejects %j with a clear error",
    (bad) => {
      expect(() => parseAddress(bad)).toThrow(ValidationError);
      expect(() => parseAddress(bad)).toThrow(/0x followed by 40 hexadecimal digits|must be a string/);
    },
  );
});
