/**
 * A tiny element builder instead of a UI framework: the page is a handful of views that re-render
 * a table or a list when their data changes. Text always goes in as text nodes, never as HTML, so
 * nothing that comes from the API can inject markup.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [name: string]: AttrValue | ((event: never) => void) };

/** Properties rather than attributes: they reflect what the user typed or ticked. */
const PROPERTIES = new Set(["value", "checked"]);

export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (PROPERTIES.has(name)) {
      Reflect.set(el, name, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
};

export const append = (parent: Node, children: readonly Child[]): void => {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
};

/** Replaces everything inside `parent`. */
export const replace = (parent: Element, ...children: Child[]): void => {
  parent.replaceChildren();
  append(parent, children);
};

/** Shown while loading; a table or list that is loading also gets aria-busy. */
export const loading = (what: string): HTMLElement => h("p", { class: "muted", role: "status" }, `Loading ${what}…`);

/** An error box with an optional retry button. */
export const errorBox = (message: string, retry?: () => void): HTMLElement =>
  h(
    "div",
    { class: "notice error", role: "alert" },
    h("p", null, message),
    retry && h("button", { type: "button", class: "button", onclick: retry }, "Try again"),
  );

/**
 * A field's error state for assistive technology: `aria-invalid` while `errorId` names a shown
 * error, and the error read out after the field's hint.
 */
export const markInvalid = (input: HTMLElement, hintId: string, errorId: string | null): void => {
  if (errorId === null) {
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", hintId);
  } else {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${hintId} ${errorId}`);
  }
};

/**
 * A field's error line (`<p id=errorId class=field-error>`, hidden while there is none) and the
 * one way to show or clear it, which also keeps the field's error state for assistive technology.
 */
export const fieldError = (input: HTMLElement, hintId: string, errorId: string) => {
  const element = h("p", { id: errorId, class: "field-error", hidden: true });
  const show = (text: string | null): void => {
    element.hidden = text === null;
    element.textContent = text ?? "";
    markInvalid(input, hintId, text === null ? null : errorId);
  };
  return { element, show };
};
