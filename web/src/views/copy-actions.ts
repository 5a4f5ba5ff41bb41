import type { Follower } from "../copy-api";
import { h } from "../dom";

export interface FollowerActions {
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(close: boolean): Promise<void>;
}

/**
 * Pause, resume and stop, as the follower's state allows. Stopping cannot be undone, so it asks
 * first, in a modal dialog that also offers to close the positions (DELETE ?close=true).
 */
export const actionsBar = (f: Follower, actions: FollowerActions): HTMLElement => {
  const bar = h("div", { class: "actions follower-actions" });
  const buttons: HTMLButtonElement[] = [];
  const busy = async (run: () => Promise<void>) => {
    for (const b of buttons) b.disabled = true;
    try {
      await run();
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  };
  const button = (label: string, onclick: () => void, cls = "button") => {
    const b = h("button", { type: "button", class: cls, onclick }, label);
    buttons.push(b);
    return b;
  };

  if (f.state === "stopped") return h("p", { class: "muted" }, "A stopped follower cannot be resumed: create a new one to copy again.");
  if (f.state === "active") bar.append(button("Pause", () => void busy(actions.pause)));
  if (f.state === "paused") bar.append(button("Resume", () => void busy(actions.resume), "button primary"));

  const close = h("input", { type: "checkbox", id: "stop-close", name: "close", "aria-describedby": "stop-close-hint" });
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": "stop-title", "aria-describedby": "stop-text" },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: "stop-title" }, `Stop “${f.name}”?`),
      h("p", { id: "stop-text" }, "A stopped follower sends no more orders and cannot be resumed."),
      h("div", { class: "field check" }, close, h("label", { for: "stop-close" }, "Close its positions first")),
      h(
        "p",
        { id: "stop-close-hint", class: "hint" },
        f.mode === "paper" ? "Closes the paper positions at the mid (with slippage and fees). Unticked, they stay open as they are." : "Sends reduce-only orders that close every position. Unticked, the positions stay open on the account.",
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", value: "cancel", class: "button" }, "Cancel"),
        h("button", { type: "submit", value: "stop", class: "button danger" }, "Stop follower"),
      ),
    ),
  );
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "stop") void busy(() => actions.stop(close.checked));
  });
  bar.append(
    button("Stop…", () => {
      dialog.returnValue = "";
      close.checked = false;
      dialog.showModal();
    }),
    dialog,
  );
  return bar;
};
