import { dec, decStr, isDecimalString, ZERO, type Decimal } from "#commons/decimal.js";
import type { CashFlow, LedgerEntry } from "./types.js";

type Delta = LedgerEntry["delta"];
/** The signed perp-account amount of one delta, or null when it is not a flow for this address. */
type Reader = (delta: Delta, self: string) => Decimal | null;

const text = (delta: Delta, key: string): string | undefined => {
  const value = delta[key];
  return typeof value === "string" ? value : undefined;
};

const amount = (delta: Delta, key: string): Decimal | null => {
  const value = text(delta, key);
  return value !== undefined && isDecimalString(value) ? dec(value) : null;
};

/** A missing fee is a free transfer; a malformed one is too, rather than dropping the whole flow. */
const feeOf = (delta: Delta): Decimal => amount(delta, "fee") ?? ZERO;

const sameAddress = (delta: Delta, key: string, self: string): boolean => text(delta, key)?.toLowerCase() === self;

/**
 * A transfer between two addresses: the sender pays amount + fee, the receiver gets the amount.
 * `fromPerp` / `toPerp` say whether each leg touches the perp account at all.
 */
const transfer = (
  delta: Delta,
  self: string,
  value: Decimal | null,
  fee: Decimal,
  legs: { fromPerp: boolean; toPerp: boolean },
): Decimal | null => {
  if (value === null) return null;
  const sent = legs.fromPerp && sameAddress(delta, "user", self);
  const received = legs.toPerp && sameAddress(delta, "destination", self);
  if (!sent && !received) return null;
  return (received ? value : ZERO).minus(sent ? value.plus(fee) : ZERO);
};

const isUsdc = (token: string | undefined): boolean => token?.split(":")[0] === "USDC";

/** "" names the main (USDC) perp dex in `send`; "spot" and builder dex names are elsewhere. */
const MAIN_PERP_DEX = "";

// A Map, not an object: a delta type such as "toString" must not find a prototype method.
const READERS = new Map<string, Reader>(Object.entries({
  deposit: (d) => amount(d, "usdc"),
  withdraw: (d) => amount(d, "usdc")?.plus(feeOf(d)).neg() ?? null,
  accountClassTransfer: (d) => {
    const usdc = amount(d, "usdc");
    if (usdc === null || typeof d.toPerp !== "boolean") return null;
    return d.toPerp ? usdc : usdc.neg();
  },
  internalTransfer: (d, self) => transfer(d, self, amount(d, "usdc"), feeOf(d), { fromPerp: true, toPerp: true }),
  subAccountTransfer: (d, self) => transfer(d, self, amount(d, "usdc"), ZERO, { fromPerp: true, toPerp: true }),
  send: (d, self) => {
    if (!isUsdc(text(d, "token"))) return null;
    const feeToken = text(d, "feeToken");
    const fee = feeToken === "" || isUsdc(feeToken) ? feeOf(d) : ZERO;
    return transfer(d, self, amount(d, "amount"), fee, {
      fromPerp: text(d, "sourceDex") === MAIN_PERP_DEX,
      toPerp: text(d, "destinationDex") === MAIN_PERP_DEX,
    });
  },
  vaultDeposit: (d, self) => (sameAddress(d, "vault", self) ? null : (amount(d, "usdc")?.neg() ?? null)),
  vaultWithdraw: (d, self) => (sameAddress(d, "vault", self) ? null : amount(d, "netWithdrawnUsd")),
  vaultDistribution: (d) => amount(d, "usdc"),
  vaultCreate: (d) => amount(d, "usdc")?.plus(feeOf(d)).neg() ?? null,
  vaultLeaderCommission: (d) => amount(d, "usdc"),
} satisfies Record<string, Reader>));

/**
 * Cash flows of the trader's (main, USDC) perp account, read from `userNonFundingLedgerUpdates`.
 * The equity curve we rank is the `portfolio` perp account value, so a flow is any ledger entry that
 * moves USDC into (+) or out of (−) that account without being a trading result.
 *
 * Read as flows (amounts as the API sends them, exact; fees are paid by the side that sends):
 * - `deposit`: +usdc (bridged in; lands in the perp account).
 * - `withdraw`: −(usdc + fee). The ledger's `usdc` is what leaves the bridge, net of the $1 fee,
 *   which is debited on top of it (mainnet ledgers sampled by other integrators show round requests
 *   as `usdc` = 999.0 with `fee` = 1.0).
 * - `accountClassTransfer`: +usdc when `toPerp`, −usdc when to spot.
 * - `internalTransfer` (usdSend): −(usdc + fee) when the address is `user` (sender), +usdc when it
 *   is `destination`. `subAccountTransfer`: the same, without a fee.
 * - `send` (sendAsset, the newer transfer between users and dexes): only USDC, and only the legs
 *   that touch the main perp dex (`sourceDex` / `destinationDex` = ""): −(amount + fee) when sent
 *   from it (the fee only when it is in USDC), +amount when received into it. A send between the
 *   address's own perp and spot is therefore a flow, like a class transfer.
 * - `vaultDeposit`: −usdc; `vaultWithdraw`: +netWithdrawnUsd (what actually arrives);
 *   `vaultDistribution`: +usdc; `vaultCreate`: −(usdc + fee); `vaultLeaderCommission`: +usdc (paid
 *   by the vault's depositors, not earned by this account's trading).
 *
 * Not flows, ignored:
 * - `spotTransfer`, `spotGenesis`, `cStakingTransfer`, `borrowLend`, `deployGasAuction`,
 *   `activateDexAbstraction`, `accountActivationGas`: they move spot balances, HYPE staking or fees
 *   outside the perp account.
 * - `perpDexClassTransfer`: between spot and a builder-deployed perp dex, not the main perp account.
 * - `rewardsClaim`: referral/staking rewards, small, and where they land is not stated.
 * - `liquidation`: a trading result; it must stay in the returns.
 * - vault-side entries (`vaultDeposit`/`vaultWithdraw` whose `vault` is the address itself): how
 *   much leaves a vault on a withdrawal (requested, net, commission, closing cost) is not
 *   documented, and reading only the deposits would make a vault look worse than it is.
 * - any other or future type, and any entry whose amount is missing or not a decimal.
 * Funding never appears here (it has its own endpoint) and is a trading result anyway.
 *
 * A flow of exactly 0 is left out: it moves nothing. Addresses compare case-insensitively.
 */
export const cashFlowsFromLedger = (entries: readonly LedgerEntry[], address: string): CashFlow[] => {
  const self = address.toLowerCase();
  const flows: CashFlow[] = [];
  for (const entry of entries) {
    const read = READERS.get(entry.delta.type);
    const usdc = read ? read(entry.delta, self) : null;
    if (usdc === null || usdc.eq(0)) continue;
    flows.push({ time: entry.time, usdc: decStr(usdc), kind: entry.delta.type, hash: entry.hash });
  }
  // Stable: entries sharing a millisecond keep the exchange's order.
  return flows.sort((a, b) => a.time - b.time);
};
