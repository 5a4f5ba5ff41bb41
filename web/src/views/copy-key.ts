import type { Api } from "../api";
import { followersApi, type FollowersApi } from "../copy-api";
import { h } from "../dom";
import { errorText, keyField, type KeyField } from "./track-key";

/**
 * The followers routes all need the admin key: the Track page's key field, in a form of its own.
 * With a key kept from this session the page loads at once; otherwise when the user sends one.
 */
export const keyGate = (api: Api, button: string, load: (followers: FollowersApi, key: KeyField) => void) => {
  const key = keyField();
  const submit = () => load(followersApi(api, key.value()), key);
  const element = h(
    "form",
    { class: "key-gate", novalidate: true, onsubmit: (e: Event) => (e.preventDefault(), submit()) },
    key.element,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button" }, button)),
  );
  return { element, key, start: () => (key.value() === "" ? false : (submit(), true)) };
};

/** An error from the followers API, said as the Track forms say it. */
export const errorNotice = (error: unknown): HTMLElement => h("div", { class: "notice error", role: "alert" }, h("p", null, errorText(error)));

