/**
 * The last `capacity` ids seen, for dropping repeats: the trades the exchange sends again when a
 * connection subscribes after a reconnect. Oldest forgotten first, so memory stays bounded.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True when `id` was not among the recent ones (it is now). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // Sets iterate in insertion order: the first is the oldest.
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}
