import { ConditionalCheckFailedException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { FeedFilters } from "#domain/feed/filters.js";
import { takeMessage, type MessageRate } from "#domain/feed/limits.js";
import type { MessageAdmission, MessageGate } from "#domain/feed/ports.js";
import { welcomeStateOf } from "./connections.js";

/**
 * Each connection's message rate, on its own item in the connections table (`rate_full_at`: the
 * bucket's state, see takeMessage; `rate_refused`: messages refused since the bucket was last full),
 * so that it holds whichever Lambda instance runs the message. A message is one conditional write
 * that also carries a subscribe's filters: a client within its rate, whose bucket has refilled
 * (the usual case, one message now and then), costs exactly that write. A message while the bucket
 * is not full learns its state from the refusal and writes again, conditional on that state; a
 * message over the rate only adds to `rate_refused`, and changes nothing else.
 */


export const createDynamoMessageGate = (doc: DynamoDBDocumentClient, tableName: string, rate: MessageRate): MessageGate => {
  /** The write of an accepted message: the bucket moves from `from` (undefined: refilled at `at`) to `fullAt`. */
  const accept = (connectionId: string, at: number, from: number | undefined, fullAt: number, change?: { filters: FeedFilters | undefined }) => {
    // A client whose bucket refilled has calmed down: its refusals start over. One that only ever
    // gets a token back before its next refusals keeps counting them, however slowly they come.
    const set = ["rate_full_at = :full", ...(from === undefined ? ["rate_refused = :zero"] : []), ...(change?.filters !== undefined ? ["filters = :f"] : [])];
    const remove = change !== undefined && change.filters === undefined ? " REMOVE filters" : "";
    return new UpdateCommand({
      TableName: tableName,
      Key: { connection_id: connectionId },
      UpdateExpression: `SET ${set.join(", ")}${remove}`,
      // Never resurrects a connection that $disconnect already removed.
      ConditionExpression:
        from === undefined
          ? "attribute_exists(connection_id) AND (attribute_not_exists(rate_full_at) OR rate_full_at <= :at)"
          : "attribute_exists(connection_id) AND rate_full_at = :from",
      ExpressionAttributeValues: {
        ":full": fullAt,
        ...(from === undefined ? { ":at": at, ":zero": 0 } : { ":from": from }),
        ...(change?.filters !== undefined && { ":f": change.filters }),
      },
      ReturnValues: "ALL_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  };

  const refuse = async (connectionId: string): Promise<MessageAdmission | undefined> => {
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connection_id: connectionId },
          UpdateExpression: "ADD rate_refused :one",
          ConditionExpression: "attribute_exists(connection_id)",
          ExpressionAttributeValues: { ":one": 1 },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return { status: "refused", refused: Number(Attributes?.rate_refused ?? 1) };
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  };

  return {
    async admit(connectionId, at, change) {
      // First as if the bucket had refilled; the refusal, if any, says where it stands.
      let from: number | undefined;
      let next = takeMessage(undefined, at, rate);
      // A write lost to another message of the same connection means that one was accepted: after
      // `burst` of them the bucket is empty and the math refuses, so this loop ends.
      for (let attempt = 0; attempt <= rate.burst + 1 && next.accepted; attempt++) {
        try {
          const { Attributes } = await doc.send(accept(connectionId, at, from, next.fullAt, change));
          return { status: "accepted", welcome: welcomeStateOf(Attributes ?? {}) };
        } catch (e) {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
          if (e.Item === undefined) return undefined; // not stored: the client left
          const old = unmarshall(e.Item as Record<string, AttributeValue>);
          from = typeof old.rate_full_at === "number" ? old.rate_full_at : undefined;
          next = takeMessage(from, at, rate);
        }
      }
      return refuse(connectionId);
    },
  };
};
