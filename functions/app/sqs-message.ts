import type { SQSRecord } from "aws-lambda";
import type { z } from "zod";
import { ValidationError } from "#commons/errors.js";

/** A queue message's body, JSON validated by `schema`, or a ValidationError that names the message and says what it is not. */
export const parseMessageBody = <S extends z.ZodType>(record: Pick<SQSRecord, "messageId" | "body">, schema: S, what: string): z.output<S> => {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (cause) {
    throw new ValidationError(`Message ${record.messageId} is not JSON`, { cause });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError(`Message ${record.messageId} is not ${what}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
};
