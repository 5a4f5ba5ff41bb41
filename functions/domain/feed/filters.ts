import { z } from "zod";
import { isAddress } from "../address.js";
import type { PositionEventType } from "../positions.js";

/**
 * What a live-feed client asked to see. An empty or missing list means "everything" for that
 * dimension; lists combine with AND (a trader in `traders` AND a coin in `coins` ...).
 */
export interface FeedFilters {
  traders?: string[];
  coins?: string[];
  event_types?: PositionEventType[];
}

export const EVENT_TYPES = [
  "OPEN_POSITION",
  "INCREASE_POSITION",
  "DECREASE_POSITION",
  "CLOSE_POSITION",
  "FLIP_POSITION",
] as const satisfies readonly PositionEventType[];

/** Caps keep a connection item far below DynamoDB's 400 KB and the per-event match cheap. */
export const MAX_FILTER_TRADERS = 100;
export const MAX_FILTER_COINS = 100;

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

export const feedFiltersSchema = z.object({
  traders: z
    .array(
      z
        .string()
        .trim()
        .refine(isAddress, { message: "expected 0x followed by 40 hexadecimal digits" })
        .transform((a) => a.toLowerCase()),
    )
    .max(MAX_FILTER_TRADERS)
    .transform(unique)
    .optional(),
  coins: z.array(z.string().trim().min(1).max(32)).max(MAX_FILTER_COINS).transform(unique).optional(),
  event_types: z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).transform(unique).optional(),
});

/** The fields of an event a filter looks at. */
export interface FilterableEvent {
  trader_address: string;
  event_type: string;
  details: { coin: string };
}

const restricts = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;

/** Coins compare case-insensitively (`btc` finds `BTC`); addresses are stored lowercase. */
export const matchesFilters = (filters: FeedFilters | undefined, event: FilterableEvent): boolean => {
  if (filters === undefined) return true;
  if (restricts(filters.traders) && !filters.traders.includes(event.trader_address.toLowerCase())) return false;
  if (restricts(filters.coins)) {
    const coin = event.details.coin.toUpperCase();
    if (!filters.coins.some((c) => c.toUpperCase() === coin)) return false;
  }
  if (restricts(filters.event_types) && !(filters.event_types as readonly string[]).includes(event.event_type)) return false;
  return true;
};
