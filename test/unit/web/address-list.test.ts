import { describe, expect, it } from "vitest";
import { MAX_BULK_TRACK } from "#api/bulk-track-schemas.js";
import { MAX_TRACK_LIST, splitAddressList } from "../../../web/src/address-list.js";

const A = "0x5e9ee1089755c3435139848e47e6635505d5a13a";
const B = "0x00000000000000000000000000000000000000b2";

describe("the Track page's pasted list", () => {
  it("splits on newlines, commas, semicolons and spaces in any mix, keeping order and dropping empty entries", () => {
    expect(splitAddressList(`${A}\r\n\n${B}, nope ;${A}\t`)).toEqual([A, B, "nope", A]);
    expect(splitAddressList("  \n , ")).toEqual([]);
  });

  it("takes a JSON array or a quoted column as pasted", () => {
    expect(splitAddressList(JSON.stringify([A, B], null, 2))).toEqual([A, B]);
    expect(splitAddressList(`'${A}'\n"${B}"`)).toEqual([A, B]);
  });

  it("has the API's limit", () => {
    expect(MAX_TRACK_LIST).toBe(MAX_BULK_TRACK);
  });
});
