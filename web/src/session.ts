/**
 * One value kept for this browser tab's session only (sessionStorage): gone when the tab or the
 * browser closes. Secrets the page needs (the admin key, the feed token) live here, never longer.
 * With storage disabled nothing is remembered, and nothing fails.
 */
export interface SessionValue {
  /** undefined when nothing (or an empty string) is stored. */
  get(): string | undefined;
  /** null forgets it. */
  set(value: string | null): void;
}

export const sessionValue = (name: string): SessionValue => ({
  get() {
    try {
      return sessionStorage.getItem(name) || undefined;
    } catch {
      return undefined;
    }
  },
  set(value) {
    try {
      if (value === null) sessionStorage.removeItem(name);
      else sessionStorage.setItem(name, value);
    } catch {
      // Storage disabled: the value is simply not remembered.
    }
  },
});
