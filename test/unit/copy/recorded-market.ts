import { allMidsSchema, metaSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";

/** The recorded mainnet `meta` and `allMids`, parsed by the client's own schemas. */
export const recordedMeta = metaSchema.parse(loadFixture("meta.recorded.json").response);
export const recordedMids = allMidsSchema.parse(loadFixture("allMids.recorded.json").response);

export const szDecimalsOf = (coin: string): number => {
  const asset = recordedMeta.universe.find((a) => a.name === coin);
  if (asset === undefined) throw new Error(`${coin} is not in the recorded meta`);
  return asset.szDecimals;
};

export const midOf = (coin: string): string => {
  const mid = recordedMids[coin];
  if (mid === undefined) throw new Error(`${coin} has no recorded mid`);
  return mid;
};
