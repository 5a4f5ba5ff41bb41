import { isAbort } from "../api";
import type { FollowersApi } from "../copy-api";
import { h, replace } from "../dom";
import type { View } from "../router";
import { followerRows, followersTable } from "./copy-parts";
import { followerView } from "./copy-follower";
import { errorNotice, keyGate } from "./copy-key";
import { loadMoreButton } from "./load-more";
import type { KeyField } from "./track-key";

const PAGE = 50;

/** `#/copy`: the followers; `#/copy/<id>`: one of them. */
export const copyView: View = (main, route, ctx) => {
  if (route.param !== "") return followerView(main, route, ctx);
  document.title = "Copy · HL copy-trader";
  const controller = new AbortController();
  const list = h("div", { "aria-live": "polite" }, h("p", { class: "muted" }, "Enter the admin key to see the followers."));

  const load = async (followers: FollowersApi, key: KeyField) => {
    replace(list, h("p", { class: "muted", role: "status" }, "Loading followers…"));
    try {
      const page = await followers.list({ limit: PAGE }, controller.signal);
      key.settle();
      if (page.followers.length === 0) {
        replace(list, h("p", { class: "muted" }, "No followers yet. Open a trader's page and use “Copy this trader” to start one on paper."));
        return;
      }
      const table = followersTable(page.followers);
      const more = loadMoreButton(
        "Load more followers",
        page.cursor,
        async (cursor) => {
          const next = await followers.list({ limit: PAGE, cursor }, controller.signal);
          table.querySelector("tbody")?.append(...followerRows(next.followers));
          return next.cursor;
        },
        errorNotice,
      );
      replace(list, table, more);
    } catch (error) {
      if (isAbort(error)) return;
      key.settle(error);
      replace(list, errorNotice(error));
    }
  };

  const gate = keyGate(ctx.api, "Show followers", (f, k) => load(f, k));
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, "Copy")),
    h(
      "p",
      { class: "lead" },
      "Followers copy tracked traders into one account: on paper (simulated fills at the mid ± slippage, with fees) or live. Start one from a trader's page with “Copy this trader”.",
    ),
    gate.element,
    h("section", { "aria-labelledby": "followers-title" }, h("h2", { id: "followers-title" }, "Followers"), list),
  );
  gate.start();
  return () => controller.abort();
};
