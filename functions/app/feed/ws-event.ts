import { z } from "zod";

/**
 * The parts of API Gateway's WebSocket proxy event (`$connect`, `$disconnect`, `$default`) the feed
 * reads. The local gateway builds the same shape, so the handlers cannot tell where they run.
 */
export const webSocketEventSchema = z.object({
  requestContext: z.object({
    connectionId: z.string().min(1),
    routeKey: z.string(),
    eventType: z.enum(["CONNECT", "DISCONNECT", "MESSAGE"]),
    connectedAt: z.number().optional(),
    requestId: z.string().optional(),
    domainName: z.string().optional(),
    stage: z.string().optional(),
    /** Who connected; API Gateway sets it on every route. The connection caps count by sourceIp. */
    identity: z.looseObject({ sourceIp: z.string().min(1).optional() }).optional(),
  }),
  queryStringParameters: z.record(z.string(), z.string().optional()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
});

export type WebSocketEvent = z.infer<typeof webSocketEventSchema>;

/** What a WebSocket route integration returns; a non-2xx from $connect refuses the connection. */
export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

export const ok = (): WebSocketResult => ({ statusCode: 200 });
