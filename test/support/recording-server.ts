import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as it arrived: what a stand-in for an AWS endpoint checks. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** The default answer: 200 with no body. */
export const answerOk: Answer = (_req, res) => res.writeHead(200, { "content-length": "0" }).end();

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Every request in order; clear it between tests (`seen.length = 0`). */
  seen: RecordedRequest[];
  /** How the next requests are answered, once read whole; replace it per test. */
  answer: Answer;
  close(): Promise<void>;
}

/** A node:http server on a free loopback port that records each request, then answers it with `answer`. */
export const startRecordingServer = async (): Promise<RecordingServer> => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      recording.seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      recording.answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const recording: RecordingServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    seen: [],
    answer: answerOk,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return recording;
};
