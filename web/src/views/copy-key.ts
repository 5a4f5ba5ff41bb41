import { ApiError, type Api } from "../api";
import { followersApi, type FollowersApi } from "../copy-api";
import { h } from "../dom";
import { errorText, keyField, type KeyField } from "./track-key";

/**
 * The followers routes all need the admin key: the Track page's key field, in a form of its own.
 * With a key kept from this session the page loads at once; otherwise when the user sends one.
 */
export const keyGate = (api: Api, button: string, load: (followers: FollowersApi, key: KeyField) => Promise<void>) => {
  const field = keyField();
  let worked = false;
  const key: KeyField = {
    ...field,
    settle(error) {
      worked = error === undefined;
      field.settle(error);
    },
  };
  // Folded away once the key worked, so the follower's figures come first; open while it is needed.
  const element = h("details", { class: "key-gate", open: key.value() === "" }, h("summary", null, "Admin key"));
  const submit = async () => {
    await load(followersApi(api, key.value()), key);
    element.open = !worked;
  };
  element.append(
    h(
      "form",
      { novalidate: true, onsubmit: (e: Event) => (e.preventDefault(), void submit()) },
      key.element,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "button" }, button)),
    ),
  );
  return { element, key, start: () => (key.value() === "" ? false : (void submit(), true)) };
};

/**
 * An error from the followers API, said as the Track forms say it, except a 503: here it may also
 * mean copy trading is not set up on the server (no followers table), and the API's message says which.
 */
export const errorNotice = (error: unknown): HTMLElement =>
  h("div", { class: "notice error", role: "alert" }, h("p", null, error instanceof ApiError && error.status === 503 ? error.message : errorText(error)));

