import { z } from "zod";
import { ValidationError } from "#commons/errors.js";

/**
 * Opaque page cursors: base64url of `{ k: <kind>, key: <LastEvaluatedKey> }`. The kind and the
 * key's exact shape are checked when a cursor comes back, so a tampered cursor, or one from another
 * list, is a 400 instead of an ExclusiveStartKey DynamoDB would reject (or, worse, accept).
 */
export const encodeCursor = (kind: string, key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify({ k: kind, key }), "utf8").toString("base64url");

const BASE64URL = /^[A-Za-z0-9_-]{1,2048}$/;

export const decodeCursor = <T>(kind: string, cursor: string, keySchema: z.ZodType<T>): T => {
  const invalid = () => new ValidationError("Invalid cursor: pass back the next_cursor of the previous page unchanged");
  if (!BASE64URL.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const envelope = z.object({ k: z.literal(kind), key: keySchema }).strict().safeParse(parsed);
  if (!envelope.success) throw invalid();
  return envelope.data.key;
};
