import type { Api, BulkTrackAnswer, BulkTrackResult } from "../api";
import { MAX_TRACK_LIST, splitAddressList } from "../address-list";
import { fieldError, h, replace } from "../dom";
import { traderHref } from "../router";
import { errorText, type KeyField } from "./track-key";

const OUTCOME: Record<BulkTrackResult["status"], string> = {
  tracked: "Now tracked",
  already_tracked: "Already tracked",
  invalid: "Not an address",
};

const outcomeText = (r: BulkTrackResult): string =>
  r.status === "tracked" && r.reactivated ? "Tracked again (it had been stopped)" : OUTCOME[r.status];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One sentence for the whole list; the table below it has each address. */
export const summaryText = ({ results, counts }: BulkTrackAnswer): string => {
  const again = results.filter((r) => r.reactivated).length;
  const parts = [
    `${counts.tracked} now tracked${again > 0 ? ` (${again} of them again)` : ""}`,
    `${counts.already_tracked} already tracked`,
    plural(counts.invalid, "not an address", "not addresses"),
    ...(counts.duplicates > 0 ? [`${plural(counts.duplicates, "repeat", "repeats")} skipped`] : []),
  ];
  return `${plural(counts.received, "entry", "entries")}: ${parts.join(", ")}.`;
};

const outcomeTable = (results: readonly BulkTrackResult[]): HTMLElement =>
  h(
    "div",
    { class: "table-wrap track-outcomes", role: "region", "aria-label": "Outcome per address", tabindex: 0 },
    h(
      "table",
      { class: "data" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Address"), h("th", { scope: "col" }, "Outcome"))),
      h(
        "tbody",
        null,
        results.map((r) =>
          h(
            "tr",
            { "data-status": r.status },
            h("td", { class: "mono" }, r.address === null ? r.input : h("a", { href: traderHref(r.address) }, r.address)),
            h("td", null, outcomeText(r)),
          ),
        ),
      ),
    ),
  );

/** The Track page's second form: a pasted list, sent as one POST /traders/track. */
export const trackListSection = (api: Api, key: KeyField): HTMLElement => {
  const result = h("div", { id: "track-list-result", class: "result", "aria-live": "polite" });
  const list = h("textarea", {
    id: "track-list",
    name: "addresses",
    rows: 6,
    placeholder: "0x…\n0x…",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "track-list-hint",
  });
  const submit = h("button", { type: "submit", class: "button primary" }, "Track list");

  const listError = fieldError(list, "track-list-hint", "track-list-error");
  const showListError = listError.show;

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const addresses = splitAddressList(list.value);
    const problem =
      addresses.length === 0
        ? "Paste at least one address."
        : addresses.length > MAX_TRACK_LIST
          ? `That is ${addresses.length} entries; at most ${MAX_TRACK_LIST} go in one request. Split the list.`
          : null;
    showListError(problem);
    if (problem !== null) {
      list.focus();
      return;
    }
    submit.disabled = true;
    replace(result, h("p", { class: "muted", role: "status" }, `Sending ${addresses.length} entries…`));
    try {
      const answer = await api.trackMany(addresses, key.value());
      key.settle();
      replace(result, h("div", { class: "notice success", role: "status" }, h("p", null, summaryText(answer))), outcomeTable(answer.results));
    } catch (error) {
      key.settle(error);
      replace(result, h("div", { class: "notice error", role: "alert" }, h("p", null, errorText(error))));
    } finally {
      submit.disabled = false;
    }
  };

  return h(
    "section",
    { "aria-labelledby": "track-list-title" },
    h("h2", { id: "track-list-title" }, "A list of traders"),
    h(
      "form",
      { class: "track-form", novalidate: true, onsubmit: (e: Event) => void onSubmit(e) },
      h(
        "div",
        { class: "field wide" },
        h("label", { for: "track-list" }, "List of addresses"),
        list,
        h(
          "p",
          { id: "track-list-hint", class: "hint" },
          `Up to ${MAX_TRACK_LIST}, one per line or separated by commas or spaces. Repeats count once; anything that is not an address is reported, not tracked.`,
        ),
        listError.element,
      ),
      h("div", { class: "actions" }, submit),
    ),
    result,
  );
};
