import { h } from "../dom";

/**
 * Which perp dex a coin trades on, shown beside it: nothing for the main dex (""), a tag for a
 * builder-deployed (HIP-3) dex, whose positions, prices and funding are its own.
 */
export const dexTag = (dex: string | undefined): HTMLElement | false =>
  dex !== undefined && dex !== "" && h("span", { class: "tag dex", "data-dex": dex, title: `On the builder-deployed (HIP-3) perp dex ${dex}` }, `HIP-3 · ${dex}`);
