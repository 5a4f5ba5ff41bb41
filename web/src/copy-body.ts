import type { NewPaperFollower, SizingBody } from "./copy-api.js";

/**
 * The "Copy this trader" form's fields → the POST /followers body of a paper follower. Amounts stay
 * the strings the user typed (the API takes exact decimal strings); only what the page can tell
 * at once is checked here, the API checks the rest and its message is shown as it comes.
 */

export type SizingMode = SizingBody["mode"];

export interface CopyFormFields {
  name: string;
  balance: string;
  sizingMode: SizingMode;
  sizingValue: string;
  slippageBps: string;
  maxPositionUsd: string;
}

export type CopyFormField = keyof CopyFormFields;

export const SIZING_LABEL: Record<SizingMode, { label: string; hint: string; example: string }> = {
  proportional: { label: "Multiplier", hint: "Your size = his size × (your equity ÷ his equity, both when he trades) × this.", example: "1" },
  fixed_ratio: { label: "Ratio", hint: "Your size = his size × this.", example: "0.1" },
  fixed_notional: { label: "Notional per position (USD)", hint: "Each new position of his opens at this many USD; his adds and cuts scale it.", example: "100" },
};

const POSITIVE = /^\d{1,15}(\.\d{1,18})?$/;
const isPositive = (s: string) => POSITIVE.test(s) && /[1-9]/.test(s);

const sizing = (mode: SizingMode, value: string): SizingBody =>
  mode === "proportional" ? { mode, multiplier: value } : mode === "fixed_ratio" ? { mode, ratio: value } : { mode, notional_usd: value };

export const paperFollowerBody = (
  leader: string,
  raw: CopyFormFields,
): { body: NewPaperFollower; errors?: undefined } | { body?: undefined; errors: Partial<Record<CopyFormField, string>> } => {
  const f = { ...raw, name: raw.name.trim(), balance: raw.balance.trim(), sizingValue: raw.sizingValue.trim(), slippageBps: raw.slippageBps.trim(), maxPositionUsd: raw.maxPositionUsd.trim() };
  const errors: Partial<Record<CopyFormField, string>> = {};
  if (f.name === "") errors.name = "Give the follower a name.";
  else if (f.name.length > 100) errors.name = "At most 100 characters.";
  if (!isPositive(f.balance)) errors.balance = "A positive amount in USD, like 10000 or 2500.50.";
  if (!isPositive(f.sizingValue)) errors.sizingValue = `A positive number, like ${SIZING_LABEL[f.sizingMode].example}.`;
  const bps = /^\d{1,4}$/.test(f.slippageBps) ? Number(f.slippageBps) : NaN;
  if (!(bps >= 0 && bps <= 1000)) errors.slippageBps = "A whole number of basis points from 0 to 1000 (50 = 0.5%).";
  if (f.maxPositionUsd !== "" && !isPositive(f.maxPositionUsd)) errors.maxPositionUsd = "Leave empty for no limit, or a positive amount in USD.";
  if (Object.keys(errors).length > 0) return { errors };
  return {
    body: {
      name: f.name,
      mode: "paper",
      leaders: [{ address: leader, sizing: sizing(f.sizingMode, f.sizingValue) }],
      caps: { max_slippage_bps: bps, ...(f.maxPositionUsd !== "" && { max_position_usd: f.maxPositionUsd }) },
      paper_balance_usd: f.balance,
    },
  };
};
