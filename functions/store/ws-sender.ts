import {
  DeleteConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { backoffDelay } from "#commons/backoff.js";
import { encodeServerMessage, isEncodedServerMessage } from "#domain/feed/messages.js";
import { ConnectionGoneError, MessageTooLargeError, type ConnectionCloser, type FeedSender } from "#domain/feed/ports.js";
import { directPostOf, type PostToConnection } from "./management-api.js";

/**
 * Posts to WebSocket clients through API Gateway's management API (`POST @connections/{id}`).
 * Locally the gateway in local/ws-gateway.ts serves the same API, so this code runs unchanged.
 * A client from #store/management-api.js posts directly (the same signed request without the
 * SDK's command pipeline, retried as the SDK retries); any other client through the SDK command.
 */
/** Attempts of a direct post, as the SDK's standard retry mode makes them (3 in all, jittered backoff). */
const DIRECT_ATTEMPTS = 3;
const DIRECT_BACKOFF = { initialMs: 100, maxMs: 1_000 };
/** What the SDK retries as transient: throttling (429) and server errors. */
const transient = (status: number): boolean => status === 429 || status >= 500;

/** A direct post's status after its retries; a network error is retried, then thrown. */
const postWithRetries = async (post: PostToConnection, connectionId: string, data: Uint8Array): Promise<number> => {
  for (let attempt = 0; ; attempt++) {
    const last = attempt + 1 >= DIRECT_ATTEMPTS;
    try {
      const status = await post(connectionId, data);
      if (!transient(status) || last) return status;
    } catch (error) {
      if (last) throw error;
    }
    await new Promise((r) => setTimeout(r, backoffDelay(attempt, DIRECT_BACKOFF)));
  }
};

export const createApiGatewaySender = (client: ApiGatewayManagementApiClient): FeedSender => {
  const direct = directPostOf(client);
  return {
    async send(connectionId, message) {
      const { bytes } = isEncodedServerMessage(message) ? message : encodeServerMessage(message);
      if (direct !== undefined) {
        const status = await postWithRetries(direct, connectionId, bytes);
        if (status === 410) throw new ConnectionGoneError(connectionId);
        if (status === 413) throw new MessageTooLargeError(connectionId, bytes.byteLength);
        if (status < 200 || status >= 300) {
          throw Object.assign(new Error(`PostToConnection to ${connectionId} answered HTTP ${status}`), { $metadata: { httpStatusCode: status } });
        }
        return;
      }
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes }));
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (e instanceof GoneException || status === 410) throw new ConnectionGoneError(connectionId);
        if (e instanceof PayloadTooLargeException || status === 413) throw new MessageTooLargeError(connectionId, bytes.byteLength);
        throw e;
      }
    },
  };
};

/** Closes connections through the management API (`DELETE @connections/{id}`); one already gone is fine. */
export const createApiGatewayCloser = (client: ApiGatewayManagementApiClient): ConnectionCloser => ({
  async close(connectionId) {
    try {
      await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (e instanceof GoneException || status === 410) return;
      throw e;
    }
  },
});
