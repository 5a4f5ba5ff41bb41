import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { exchangeWeight, type ExchangeDesk } from "./exchange.js";
import { malform, type FaultDecision, type Faults } from "./faults.js";
import { answerInfo, KNOWN_TYPES, peek, type InfoContext } from "./info.js";
import { baseWeight, itemWeight, type StatsRecorder } from "./stats.js";
import type { WeightLimit } from "./weight-limit.js";
import { CONTENT_TYPE_ERROR, PARSE_ERROR } from "./wire.js";

/**
 * The HTTP face of the simulator: POST /info with a JSON body, answered like the real API
 * (JSON on success; 400/415/422 with a plain-text reason from its HTTP layer; 429 with `null`,
 * whenever a client would spend more than its weight a minute, and when a fault says so).
 */

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export interface InfoEndpoint {
  ctx: InfoContext;
  faults: Faults;
  stats: StatsRecorder;
  limit: WeightLimit;
  /** Told of every answer once it is decided (a test's log of who was polled when). */
  observers: Set<(answer: Answered) => void>;
  /** POST /exchange (./exchange.ts). */
  exchange: ExchangeDesk;
}

export interface Answered {
  type: string | null;
  user: string | null;
  status: number;
  /** Wall time the answer was decided, epoch ms. */
  at: number;
}

/** Who is asking, for the weight rule: the peer's IP address over HTTP. */
export const IN_PROCESS_CLIENT = "in-process";

const json = (status: number, body: string): Reply => ({ status, contentType: "application/json", body });
const text = (status: number, body: string): Reply => ({ status, contentType: "text/plain; charset=utf-8", body });

/** The body as JSON, or the API's 400 for one that is not. */
const readJson = (raw: string, endpoint: InfoEndpoint): { req: unknown } | { reply: Reply } => {
  try {
    return { req: JSON.parse(raw) as unknown };
  } catch {
    endpoint.stats.rejected();
    return { reply: text(400, PARSE_ERROR) };
  }
};

/** Waits out a fault's delay; the error reply it decided on instead of an answer, or null. */
const faultReply = async (fault: FaultDecision, endpoint: InfoEndpoint): Promise<Reply | null> => {
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.slow) endpoint.stats.fault("slow");
  if (!fault.reject) return null;
  endpoint.stats.fault(fault.reject.kind);
  if (fault.reject.status === 429) return json(429, "null");
  return fault.reject.status === 502
    ? { status: 502, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>" }
    : text(500, "Internal Server Error");
};

/** One request, from raw body to reply: the same path serves sockets and in-process callers. */
export const handleInfo = async (raw: string, endpoint: InfoEndpoint, client = IN_PROCESS_CLIENT): Promise<Reply> => {
  const body = readJson(raw, endpoint);
  if ("reply" in body) return body.reply;
  const { req } = body;
  const { type, user } = peek(req);
  const reply = await answer(req, type, user, endpoint, client);
  if (endpoint.observers.size > 0) {
    const answered: Answered = { type, user, status: reply.status, at: Date.now() };
    for (const observe of endpoint.observers) observe(answered);
  }
  return reply;
};

const answer = async (req: unknown, type: string | null, user: string | null, endpoint: InfoEndpoint, client: string): Promise<Reply> => {
  endpoint.stats.request(type ?? "(none)");
  const known = type !== null && KNOWN_TYPES.has(type);
  if (known && !endpoint.limit.admit(client, baseWeight(type), Date.now())) {
    endpoint.stats.limited();
    return json(429, "null");
  }
  const fault = endpoint.faults.decide(user);
  const faulted = await faultReply(fault, endpoint);
  if (faulted) {
    if (known) endpoint.stats.weight(type, baseWeight(type));
    return faulted;
  }
  // State is read after any delay: a slow answer reflects the market when it is sent.
  const outcome = answerInfo(req, endpoint.ctx);
  if (!outcome.ok) {
    endpoint.stats.rejected();
    return text(outcome.status, outcome.text);
  }
  const surcharge = itemWeight(outcome.type, outcome.items);
  endpoint.limit.charge(client, surcharge, Date.now());
  endpoint.stats.weight(outcome.type, baseWeight(outcome.type) + surcharge);
  if (fault.malformed) {
    endpoint.stats.fault("malformed");
    return json(200, JSON.stringify(malform(outcome.type, outcome.body, fault.variant)));
  }
  return json(200, JSON.stringify(outcome.body));
};

/** POST /exchange: the same JSON, weight and fault rules as /info, then the desk's answer. */
export const handleExchange = async (raw: string, endpoint: InfoEndpoint, client = IN_PROCESS_CLIENT): Promise<Reply> => {
  const body = readJson(raw, endpoint);
  if ("reply" in body) return body.reply;
  const { req } = body;
  endpoint.stats.request("exchange");
  if (!endpoint.limit.admit(client, exchangeWeight(req), Date.now())) {
    endpoint.stats.limited();
    return json(429, "null");
  }
  // The fault knobs apply here too (a 429 storm, 5xx, slow answers); a faulted action is not acted on.
  const faulted = await faultReply(endpoint.faults.decide(null), endpoint);
  if (faulted) return faulted;
  const reply = await endpoint.exchange.handle(req);
  if (reply.status === 422) {
    endpoint.stats.rejected();
    return text(422, reply.text);
  }
  return json(200, JSON.stringify(reply.body));
};

export interface Listening {
  server: Server;
  url: string;
}

export const listen = async (endpoint: InfoEndpoint, host: string, port: number): Promise<Listening> => {
  const server = createServer((req, res) => {
    void serve(req, res, endpoint);
  });
  // Clients keep connections alive between polls; do not drop them under a benchmark's pauses.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}` };
};

export const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });

const serve = async (req: IncomingMessage, res: ServerResponse, endpoint: InfoEndpoint): Promise<void> => {
  try {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/info" && path !== "/exchange") return send(res, text(404, "Not Found"));
    if (req.method !== "POST") return send(res, text(405, "Method Not Allowed"));
    const raw = await readBody(req);
    if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
      endpoint.stats.rejected();
      return send(res, text(415, CONTENT_TYPE_ERROR));
    }
    const client = req.socket.remoteAddress ?? "unknown";
    send(res, path === "/info" ? await handleInfo(raw, endpoint, client) : await handleExchange(raw, endpoint, client));
  } catch {
    if (!res.headersSent) send(res, text(500, "Internal Server Error"));
    else res.destroy();
  }
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

const send = (res: ServerResponse, reply: Reply): void => {
  res.writeHead(reply.status, {
    "content-type": reply.contentType,
    "content-length": Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
};
