import { WINDOWS, type Window } from "../api";
import { h } from "../dom";

export const WINDOW_LABELS: Record<Window, string> = { "1d": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days", all: "all time" };
const SHORT: Record<Window, string> = { "1d": "1d", "7d": "7d", "30d": "30d", all: "All" };

/** A segmented control built from native radios: arrow keys move between windows for free. */
export const windowPicker = (name: string, current: Window, onChange: (w: Window) => void): HTMLFieldSetElement =>
  h(
    "fieldset",
    { class: "segmented" },
    h("legend", null, "Window"),
    WINDOWS.map((w) =>
      h(
        "label",
        { title: WINDOW_LABELS[w] },
        h("input", { type: "radio", name, value: w, checked: w === current, onchange: () => onChange(w) }),
        h("span", null, SHORT[w]),
      ),
    ),
  );
