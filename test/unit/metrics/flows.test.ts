import { describe, expect, it } from "vitest";
import { cashFlowsFromLedger } from "#domain/metrics/flows.js";
import type { LedgerEntry } from "#domain/metrics/types.js";
import { ledgerUpdatesSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";

const ME = "0xabcdefabcdefabcdefabcdefabcdefabcdef1111";
const OTHER = "0x2222222222222222222222222222222222222222";
const VAULT = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
/** An address in upper case after 0x, as a checksummed spelling may be: must still match. */
const mixedCase = (address: string): string => `0x${address.slice(2).toUpperCase()}`;

const entry = (delta: LedgerEntry["delta"], time = 1000, hash = "0xabc"): LedgerEntry => ({ time, hash, delta });
/** The signed amounts read from single-entry ledgers; [] when the entry is not a flow. */
const amounts = (...deltas: LedgerEntry["delta"][]): string[] =>
  cashFlowsFromLedger(deltas.map((d) => entry(d)), ME).map((f) => f.usdc);

describe("cash flows of userNonFundingLedgerUpdates.recorded.json", () => {
  it("reads deposits and class transfers, not the spot transfer", () => {
    // Printed by `python3 test/unit/metrics/derive_equity.py` (c), and checkable by eye against the
    // fixture: deposit +usdc; accountClassTransfer with toPerp false −usdc; spotTransfer moves a
    // spot balance. Amounts are canonical decimal strings ("12.0" → "12").
    const ledger = loadFixture("userNonFundingLedgerUpdates.recorded.json");
    const owner = (ledger.request as { user: string }).user;
    const entries = ledgerUpdatesSchema.parse(ledger.response);
    const flows = cashFlowsFromLedger(entries, mixedCase(owner));
    expect(flows).toEqual([
      {
        time: 1731999196516,
        usdc: "2703997.4500000002",
        kind: "deposit",
        hash: "0x09ddd9f712b5df0945af34b055bbb3329c88ca001aff41bbfd4341d80bc760ce",
      },
      {
        time: 1732834706761,
        usdc: "-12",
        kind: "accountClassTransfer",
        hash: "0x1ddfe341d6a65a05392a0417f410fd014100a311417ccf11da13fcddea1429c9",
      },
      {
        time: 1732865846906,
        usdc: "-2684105.0099999998",
        kind: "accountClassTransfer",
        hash: "0xb43e5536dbe1e0393ac60417fb7e2301a400281569835033a92471582fbc705a",
      },
      {
        time: 1732867345893,
        usdc: "1099994.98",
        kind: "deposit",
        hash: "0xfba2579369bfd93f45b5ea54942e59f81aa72b422064d8969917a0feb0c68694",
      },
    ]);
  });
});

describe("cashFlowsFromLedger", () => {
  it("counts a withdrawal with its fee, and class transfers both ways", () => {
    expect(amounts({ type: "withdraw", usdc: "999.0", nonce: 1, fee: "1.0" })).toEqual(["-1000"]);
    expect(amounts({ type: "withdraw", usdc: "5" })).toEqual(["-5"]);
    expect(amounts({ type: "accountClassTransfer", usdc: "7.5", toPerp: true })).toEqual(["7.5"]);
    expect(amounts({ type: "accountClassTransfer", usdc: "7.5", toPerp: false })).toEqual(["-7.5"]);
  });

  it("signs transfers between users by which side the address is on, case-insensitively", () => {
    const sent = { type: "internalTransfer", usdc: "100", user: mixedCase(ME), destination: OTHER, fee: "1" };
    const received = { type: "internalTransfer", usdc: "100", user: OTHER, destination: ME, fee: "1" };
    expect(amounts(sent, received)).toEqual(["-101", "100"]);
    expect(amounts({ type: "subAccountTransfer", usdc: "40", user: ME, destination: OTHER })).toEqual(["-40"]);
    expect(amounts({ type: "subAccountTransfer", usdc: "40", user: OTHER, destination: ME })).toEqual(["40"]);
    // Neither side is the address: not its money.
    expect(amounts({ type: "internalTransfer", usdc: "100", user: OTHER, destination: VAULT, fee: "1" })).toEqual([]);
  });

  it("reads USDC sends only where they touch the main perp dex", () => {
    const send = {
      type: "send",
      token: "USDC",
      amount: "10",
      usdcValue: "10",
      fee: "1",
      feeToken: "",
      nativeTokenFee: "0",
      nonce: 1,
    };
    // Perp to another user: amount + fee out. Another user into my perp: amount in.
    expect(amounts({ ...send, user: ME, destination: OTHER, sourceDex: "", destinationDex: "" })).toEqual(["-11"]);
    expect(amounts({ ...send, user: OTHER, destination: ME, sourceDex: "", destinationDex: "" })).toEqual(["10"]);
    // My perp to my spot: out of the perp account, like a class transfer.
    expect(amounts({ ...send, user: ME, destination: ME, sourceDex: "", destinationDex: "spot" })).toEqual(["-11"]);
    // Into my spot balance, or between spot balances: not the perp account.
    expect(amounts({ ...send, user: OTHER, destination: ME, sourceDex: "", destinationDex: "spot" })).toEqual([]);
    expect(amounts({ ...send, user: ME, destination: OTHER, sourceDex: "spot", destinationDex: "spot" })).toEqual([]);
    // A fee in another token is not perp money; a non-USDC send is not either.
    const outOfPerp = { user: ME, destination: OTHER, sourceDex: "", destinationDex: "" };
    expect(amounts({ ...send, ...outOfPerp, feeToken: "HYPE" })).toEqual(["-10"]);
    expect(amounts({ ...send, ...outOfPerp, token: "HYPE" })).toEqual([]);
  });

  it("reads vault deposits, withdrawals, distributions, creation and commission", () => {
    expect(amounts({ type: "vaultDeposit", vault: VAULT, usdc: "250" })).toEqual(["-250"]);
    expect(
      amounts({
        type: "vaultWithdraw",
        vault: VAULT,
        user: ME,
        requestedUsd: "300",
        commission: "10",
        closingCost: "0",
        basis: "250",
        netWithdrawnUsd: "290",
      }),
    ).toEqual(["290"]);
    expect(amounts({ type: "vaultDistribution", vault: VAULT, usdc: "3" })).toEqual(["3"]);
    expect(amounts({ type: "vaultCreate", vault: VAULT, usdc: "1000", fee: "100" })).toEqual(["-1100"]);
    expect(amounts({ type: "vaultLeaderCommission", user: ME, usdc: "12.5" })).toEqual(["12.5"]);
    // The vault's own side of a deposit is not read (see flows.ts).
    expect(cashFlowsFromLedger([entry({ type: "vaultDeposit", vault: VAULT, usdc: "250" })], VAULT)).toEqual([]);
  });

  it("ignores what is not a perp-account flow", () => {
    expect(
      amounts(
        { type: "spotTransfer", token: "USDC", amount: "10", usdcValue: "10", user: ME, destination: OTHER, fee: "1" },
        { type: "liquidation", liquidatedNtlPos: "100", accountValue: "5", leverageType: "Cross" },
        { type: "rewardsClaim", amount: "3", token: "USDC" },
        { type: "spotGenesis", token: "HYPE", amount: "100" },
        { type: "perpDexClassTransfer", dex: "xyz", token: "USDC", amount: "5", toPerp: true },
        { type: "somethingNew", usdc: "5" },
        { type: "toString", usdc: "5" },
      ),
    ).toEqual([]);
  });

  it("ignores malformed and zero amounts", () => {
    const deposits = [{ type: "deposit" }, { type: "deposit", usdc: "lots" }, { type: "deposit", usdc: "0.0" }];
    expect(amounts(...deposits)).toEqual([]);
    expect(amounts({ type: "accountClassTransfer", usdc: "5" })).toEqual([]);
  });

  it("sorts by time, keeping the ledger's order within a millisecond", () => {
    const flows = cashFlowsFromLedger(
      [
        entry({ type: "deposit", usdc: "3" }, 3000, "0x3"),
        entry({ type: "deposit", usdc: "1" }, 1000, "0x1a"),
        entry({ type: "withdraw", usdc: "1", fee: "0" }, 1000, "0x1b"),
      ],
      ME,
    );
    expect(flows.map((f) => [f.time, f.hash, f.usdc])).toEqual([
      [1000, "0x1a", "1"],
      [1000, "0x1b", "-1"],
      [3000, "0x3", "3"],
    ]);
  });
});
