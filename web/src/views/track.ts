import { ApiError, isAddress, type TrackResult } from "../api";
import { h, markInvalid, replace } from "../dom";
import { sessionValue } from "../session";
import { traderHref, type View } from "../router";

/** The admin key, for this tab's session only. */
const adminKey = sessionValue("hl-admin-key");
const storedKey = (): string => adminKey.get() ?? "";
const storeKey = (key: string | null): void => adminKey.set(key);

const successText = (r: TrackResult): string =>
  r.created
    ? `Now tracking ${r.address}. The first poll records its current positions; events follow from its next change.`
    : r.reactivated
      ? `Tracking ${r.address} again (it had been stopped).`
      : `${r.address} was already tracked.`;

const errorText = (e: unknown): string => {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  switch (e.status) {
    case 401:
      return "This needs the admin key: enter it above.";
    case 403:
      return "Wrong admin key. Use the key `npm start` printed (or ADMIN_API_KEY), or in AWS the secret named by the AdminKeySecretName output.";
    case 503:
      return "Admin actions are turned off on this server: it has no admin key configured.";
    case 429:
      return `Too many requests. ${e.message}`;
    default:
      return e.message;
  }
};

/** POST /traders/{address}/track with the admin key. */
export const trackView: View = (main, route, { api }) => {
  document.title = "Track a trader · HL copy-trader";
  const result = h("div", { class: "result", "aria-live": "polite" });
  const addressError = h("p", { id: "track-address-error", class: "field-error", hidden: true });
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
  const key = h("input", { id: "track-key", name: "key", type: "password", required: true, value: storedKey(), autocomplete: "off", "aria-describedby": "track-key-hint" });
  const submit = h("button", { type: "submit", class: "button primary" }, "Track trader");
  const forget = h("button", { type: "button", class: "button", hidden: storedKey() === "" }, "Forget key");
  forget.addEventListener("click", () => {
    storeKey(null);
    key.value = "";
    forget.hidden = true;
    replace(result, h("p", { role: "status" }, "The admin key was removed from this browser session."));
  });

  const showAddressError = (text: string | null) => {
    addressError.hidden = text === null;
    addressError.textContent = text ?? "";
    markInvalid(address, "track-address-hint", text === null ? null : "track-address-error");
  };

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
      const r = await api.track(value.toLowerCase(), key.value);
      storeKey(key.value);
      forget.hidden = false;
      replace(
        result,
        h("div", { class: "notice success", role: "status" }, h("p", null, successText(r)), h("p", null, h("a", { href: traderHref(r.address) }, "Open the trader page"))),
      );
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        storeKey(null);
        forget.hidden = true;
      }
      replace(result, h("div", { class: "notice error", role: "alert" }, h("p", null, errorText(error))));
    } finally {
      submit.disabled = false;
    }
  };

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Track a trader")),
    h("p", { class: "lead" }, "Adds an address to the traders whose positions are checked every minute. Its events then show in the live feed and on its page."),
    h(
      "form",
      { class: "track-form", novalidate: true, onsubmit: (e: Event) => void onSubmit(e) },
      h(
        "div",
        { class: "field wide" },
        h("label", { for: "track-address" }, "Trader address"),
        address,
        h("p", { id: "track-address-hint", class: "hint" }, "0x followed by 40 hexadecimal digits."),
        addressError,
      ),
      h(
        "div",
        { class: "field wide" },
        h("label", { for: "track-key" }, "Admin key"),
        key,
        h("p", { id: "track-key-hint", class: "hint" }, "Sent as the x-api-key header and kept in this browser session only (forgotten when you close the tab)."),
      ),
      h("div", { class: "actions" }, submit, forget),
    ),
    result,
  );
};
