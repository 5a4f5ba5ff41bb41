import { isAbort } from "../api";
import { h } from "../dom";

/**
 * The "Load more" button under a cursor-paged table: `next` fetches the page after `cursor`,
 * appends its rows and returns the cursor after it; the button hides on the last page, and a
 * failure shows `failure(error)` under it (the rows already shown stay).
 */
export const loadMoreButton = (
  label: string,
  first: string | null | undefined,
  next: (cursor: string) => Promise<string | null | undefined>,
  failure: (error: unknown) => HTMLElement,
): HTMLButtonElement => {
  let cursor = first;
  const more = h("button", { type: "button", class: "button", hidden: !cursor }, label);
  more.addEventListener("click", async () => {
    if (!cursor) return;
    more.disabled = true;
    try {
      cursor = await next(cursor);
      more.hidden = !cursor;
    } catch (error) {
      if (!isAbort(error)) more.after(failure(error));
    }
    more.disabled = false;
  });
  return more;
};
