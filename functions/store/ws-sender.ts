import {
  DeleteConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { encodeServerMessage, isEncodedServerMessage } from "#domain/feed/messages.js";
import { ConnectionGoneError, MessageTooLargeError, type ConnectionCloser, type FeedSender } from "#domain/feed/ports.js";

/**
 * Posts to WebSocket clients through API Gateway's management API (`POST @connections/{id}`).
 * Locally the gateway in local/ws-gateway.ts serves the same API, so this code runs unchanged.
 */
export const createApiGatewaySender = (client: ApiGatewayManagementApiClient): FeedSender => {
  return {
    async send(connectionId, message) {
      const { bytes } = isEncodedServerMessage(message) ? message : encodeServerMessage(message);
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
