/** The most addresses POST /traders/track takes at once (MAX_BULK_TRACK in functions/api/bulk-track-schemas.ts). */
export const MAX_TRACK_LIST = 500;

/**
 * The entries of a pasted list, in order: addresses one per line, or separated by commas,
 * semicolons or spaces, in any mix. Quotes and brackets separate too, so a JSON array or a quoted
 * CSV column pastes as it is (no address contains them). Entries are not checked here: the API
 * answers each one, invalid included.
 */
export const splitAddressList = (text: string): string[] => text.split(/[\s,;"'[\]]+/).filter((s) => s !== "");
