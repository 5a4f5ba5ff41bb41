import { isAddress, type TrackResult } from "../api";
import { fieldError, h, replace } from "../dom";
import { traderHref, type View } from "../router";
import { errorText, keyField } from "./track-key";
import { trackListSection } from "./track-list";

const successText = (r: TrackResult): string =>
  r.created
    ? `Now tracking ${r.address}. The first poll records its current positions; events follow from its next change.`
    : r.reactivated
      ? `Tracking ${r.address} again (it had been stopped).`
      : `${r.address} was already tracked.`;

/**
 * POST /traders/{address}/track for one address, POST /traders/track for a pasted list; both
 * with the admin key, entered once above the two forms.
 */
export const trackView: View = (main, route, { api }) => {
  document.title = "Track traders · HL copy-trader";
  const key = keyField();
  const result = h("div", { class: "result", "aria-live": "polite" });
  const address = h("input", {
    id: "track-address",
    name: "address",
    type: "text",
    required: true,
    value: route.query.get("address") ?? "",
    placeholder: "0x…",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "track-address-hint",
  });
  const submit = h("button", { type: "submit", class: "button primary" }, "Track trader");

  const addressError = fieldError(address, "track-address-hint", "track-address-error");
  const showAddressError = addressError.show;

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const value = address.value.trim();
    if (!isAddress(value)) {
      showAddressError("Enter 0x followed by 40 hexadecimal digits.");
      address.focus();
      return;
    }
    showAddressError(null);
    submit.disabled = true;
    replace(result, h("p", { class: "muted", role: "status" }, "Sending…"));
    try {
      const r = await api.track(value.toLowerCase(), key.value());
      key.settle();
      replace(
        result,
        h("div", { class: "notice success", role: "status" }, h("p", null, successText(r)), h("p", null, h("a", { href: traderHref(r.address) }, "Open the trader page"))),
      );
    } catch (error) {
      key.settle(error);
      replace(result, h("div", { class: "notice error", role: "alert" }, h("p", null, errorText(error))));
    } finally {
      submit.disabled = false;
    }
  };

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Track traders")),
    h("p", { class: "lead" }, "Adds addresses to the traders whose positions are checked every minute. Their events then show in the live feed and on their pages."),
    key.element,
    h(
      "section",
      { "aria-labelledby": "track-one-title" },
      h("h2", { id: "track-one-title" }, "One trader"),
      h(
        "form",
        { class: "track-form", novalidate: true, onsubmit: (e: Event) => void onSubmit(e) },
        h(
          "div",
          { class: "field wide" },
          h("label", { for: "track-address" }, "Trader address"),
          address,
          h("p", { id: "track-address-hint", class: "hint" }, "0x followed by 40 hexadecimal digits."),
          addressError.element,
        ),
        h("div", { class: "actions" }, submit),
      ),
      result,
    ),
    trackListSection(api, key),
  );
};
