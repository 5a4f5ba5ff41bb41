import { ApiError } from "../api";
import { h, replace } from "../dom";
import { sessionValue } from "../session";

/** The admin key, for this tab's session only. */
const adminKey = sessionValue("hl-admin-key");

/** What a refused request means to the person at the form; both Track forms share it. */
export const errorText = (e: unknown): string => {
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

/** The admin key as both Track forms use it: entered once, above them. */
export interface KeyField {
  element: HTMLElement;
  value(): string;
  /** After an answer: keeps the key for the session when it worked, forgets it after a 401 or 403. */
  settle(error?: unknown): void;
}

export const keyField = (): KeyField => {
  const stored = adminKey.get() ?? "";
  const key = h("input", { id: "track-key", name: "key", type: "password", required: true, value: stored, autocomplete: "off", "aria-describedby": "track-key-hint" });
  const forget = h("button", { type: "button", class: "button" }, "Forget key");
  // Hidden together with the button, so no empty row holds space while no key is stored.
  const actions = h("div", { class: "actions", hidden: stored === "" }, forget);
  const status = h("div", { class: "result", "aria-live": "polite" });
  forget.addEventListener("click", () => {
    adminKey.set(null);
    key.value = "";
    actions.hidden = true;
    replace(status, h("p", { role: "status" }, "The admin key was removed from this browser session."));
  });
  return {
    element: h(
      "div",
      { class: "track-form" },
      h(
        "div",
        { class: "field wide" },
        h("label", { for: "track-key" }, "Admin key"),
        key,
        h("p", { id: "track-key-hint", class: "hint" }, "Sent as the x-api-key header and kept in this browser session only (forgotten when you close the tab)."),
      ),
      actions,
      status,
    ),
    value: () => key.value,
    settle(error) {
      if (error === undefined) {
        adminKey.set(key.value);
        actions.hidden = false;
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        adminKey.set(null);
        actions.hidden = true;
      }
    },
  };
};
