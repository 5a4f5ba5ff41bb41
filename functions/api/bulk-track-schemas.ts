import { z } from "zod";

/** `POST /traders/track`: the operator's list of traders to track, and the answer per address. */

export const MAX_BULK_TRACK = 500;

/**
 * 500 addresses are about 23 KB of compact JSON, past the 16 KiB other routes accept. 64 KiB
 * leaves room for pretty-printing, and lets a list well over 500 reach the schema, which says how
 * many were sent (a 400 the operator can act on) instead of a bare 413.
 */
export const BULK_TRACK_MAX_BODY_BYTES = 64 * 1024;

const LIST_HINT = 'a JSON object like {"addresses": ["0x…", "0x…"]}';

export const bulkTrackBody = z.object(
  {
    addresses: z
      .array(z.string().meta({ description: "Trader address, 0x + 40 hex digits (any case); anything else is answered as invalid" }))
      .min(1, `at least 1 address is needed: send ${LIST_HINT}`)
      .max(MAX_BULK_TRACK, {
        error: (iss) =>
          `at most ${MAX_BULK_TRACK} addresses per request, got ${Array.isArray(iss.input) ? iss.input.length : "more"}: send the rest in another request`,
      })
      .meta({
        description: `1–${MAX_BULK_TRACK} entries. Repeats (the same address in any case) are tracked once and counted as duplicates.`,
      }),
  },
  { error: () => `expected ${LIST_HINT}` },
);

const bulkTrackResultSchema = z.object({
  input: z.string().meta({ description: "The entry as sent (its first occurrence when repeated)" }),
  address: z.string().nullable().meta({ description: "Lowercased; null when the entry is not an address" }),
  status: z.enum(["tracked", "already_tracked", "invalid"]).meta({
    description:
      "tracked: this request started tracking it (new, or tracking had been stopped); already_tracked: it was tracked already, nothing changed; invalid: not an address, nothing stored",
  }),
  created: z.boolean().meta({ description: "A new trader (the single route's 201)" }),
  reactivated: z.boolean().meta({ description: "Tracking had been stopped and starts again" }),
  error: z.string().optional().meta({ description: "Why an invalid entry is not an address" }),
});

export const bulkTrackResponseSchema = z.object({
  results: z.array(bulkTrackResultSchema).meta({ description: "One per distinct entry, in the order first sent" }),
  counts: z
    .object({
      received: z.number().int(),
      tracked: z.number().int(),
      already_tracked: z.number().int(),
      invalid: z.number().int(),
      duplicates: z.number().int().meta({ description: "Entries that repeat an earlier one, not in results" }),
    })
    .meta({ description: "received = tracked + already_tracked + invalid + duplicates" }),
});
