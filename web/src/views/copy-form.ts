import type { Api } from "../api";
import { paperFollowerBody, SIZING_LABEL, type CopyFormField, type SizingMode } from "../copy-body";
import { followersApi } from "../copy-api";
import { fieldError, h, replace } from "../dom";
import { shortAddress } from "../format";
import { followerHref } from "../router";
import { errorNotice } from "./copy-key";
import { keyField } from "./track-key";

/**
 * "Copy this trader" on a trader's page: a paper follower of him alone, created with
 * POST /followers; on success the page goes to the new follower's page.
 */
export const copyTraderForm = (api: Api, leader: string): HTMLElement => {
  const key = keyField();
  const result = h("div", { class: "result", "aria-live": "polite" });
  const input = (name: CopyFormField, value: string, attrs: Record<string, string> = {}) =>
    h("input", { id: `copy-${name}`, name, type: "text", value, autocomplete: "off", "aria-describedby": `copy-${name}-hint`, ...attrs });
  const inputs = {
    name: input("name", `Copy ${shortAddress(leader)}`),
    balance: input("balance", "10000", { inputmode: "decimal" }),
    sizingValue: input("sizingValue", SIZING_LABEL.proportional.example, { inputmode: "decimal" }),
    slippageBps: input("slippageBps", "50", { inputmode: "numeric" }),
    maxPositionUsd: input("maxPositionUsd", "", { inputmode: "decimal", placeholder: "no limit" }),
  };
  const mode = h(
    "select",
    { id: "copy-sizingMode", name: "sizingMode", "aria-describedby": "copy-sizingMode-hint" },
    h("option", { value: "proportional" }, "Proportional to equity"),
    h("option", { value: "fixed_ratio" }, "Fixed ratio of his size"),
    h("option", { value: "fixed_notional" }, "Fixed notional per position"),
  );
  const valueLabel = h("label", { for: "copy-sizingValue" }, SIZING_LABEL.proportional.label);
  const valueHint = h("p", { id: "copy-sizingValue-hint", class: "hint" }, SIZING_LABEL.proportional.hint);
  mode.addEventListener("change", () => {
    const s = SIZING_LABEL[mode.value as SizingMode];
    valueLabel.textContent = s.label;
    valueHint.textContent = s.hint;
    inputs.sizingValue.value = s.example;
  });

  const errors = Object.fromEntries(
    (Object.keys(inputs) as CopyFormField[]).map((k) => [k, fieldError(inputs[k as keyof typeof inputs], `copy-${k}-hint`, `copy-${k}-error`)]),
  ) as Record<keyof typeof inputs, ReturnType<typeof fieldError>>;
  const field = (k: keyof typeof inputs, label: HTMLElement | string, hint: HTMLElement | string) =>
    h(
      "div",
      { class: "field" },
      typeof label === "string" ? h("label", { for: `copy-${k}` }, label) : label,
      inputs[k],
      typeof hint === "string" ? h("p", { id: `copy-${k}-hint`, class: "hint" }, hint) : hint,
      errors[k].element,
    );
  const submit = h("button", { type: "submit", class: "button primary" }, "Start paper copy");

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const parsed = paperFollowerBody(leader, {
      name: inputs.name.value,
      balance: inputs.balance.value,
      sizingMode: mode.value as SizingMode,
      sizingValue: inputs.sizingValue.value,
      slippageBps: inputs.slippageBps.value,
      maxPositionUsd: inputs.maxPositionUsd.value,
    });
    for (const k of Object.keys(inputs) as (keyof typeof inputs)[]) errors[k].show(parsed.errors?.[k] ?? null);
    if (parsed.errors) {
      const first = (Object.keys(inputs) as (keyof typeof inputs)[]).find((k) => parsed.errors[k] !== undefined);
      if (first) inputs[first].focus();
      return;
    }
    submit.disabled = true;
    replace(result, h("p", { class: "muted", role: "status" }, "Creating the follower…"));
    try {
      const follower = await followersApi(api, key.value()).create(parsed.body);
      key.settle();
      location.hash = followerHref(follower.id);
    } catch (error) {
      key.settle(error);
      replace(result, errorNotice(error));
    } finally {
      submit.disabled = false;
    }
  };

  return h(
    "form",
    { class: "track-form copy-form", novalidate: true, onsubmit: (e: Event) => void onSubmit(e) },
    h("p", { class: "muted" }, "A paper follower: simulated fills at the mid ± your slippage, with the taker fee, after the measured delay. Nothing real is traded."),
    key.element,
    h(
      "div",
      { class: "copy-fields" },
      field("name", "Name", "Shown on the Copy page."),
      field("balance", "Paper balance (USD)", "What the paper account starts with."),
      h("div", { class: "field" }, h("label", { for: "copy-sizingMode" }, "Sizing"), mode, h("p", { id: "copy-sizingMode-hint", class: "hint" }, "How his positions become yours.")),
      field("sizingValue", valueLabel, valueHint),
      field("slippageBps", "Max slippage (bps)", "Orders are limit orders at the mid ± this; 50 = 0.5%."),
      field("maxPositionUsd", "Max position (USD, optional)", "The largest notional per coin."),
    ),
    h("div", { class: "actions" }, submit),
    result,
  );
};
