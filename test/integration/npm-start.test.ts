import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { HealthBody } from "#local/http.js";
import { freePort } from "#local/ports.js";
import { repoRoot } from "#local/functions.js";
import { eventually } from "../support/wait.js";

/**
 * `npm start` itself, in a process of its own, used as every script and orchestrator uses it: wait
 * for `/health` to answer 200, then connect. The demo (the exchange simulator, data in memory), so
 * nothing leaves the machine.
 */

interface Started {
  port: number;
  child: ChildProcess;
  output: () => string;
}

const start = async (): Promise<Started> => {
  const port = await freePort();
  let output = "";
  // Its own process group, as a terminal runs it: Ctrl-C reaches the whole group.
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts", "--demo"], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "WARN" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  return { port, child, output: () => output };
};

/** Whether any process of the group is left (DynamoDB Local's Java among them). */
const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Ctrl-C, and the exit code once every process of the group has gone. */
const interrupt = async (s: Started): Promise<number | null> => {
  const pgid = s.child.pid!;
  const exited = s.child.exitCode !== null ? Promise.resolve(s.child.exitCode) : new Promise<number | null>((r) => s.child.once("exit", r));
  if (groupAlive(pgid)) process.kill(-pgid, "SIGINT");
  const code = await exited;
  await eventually(() => !groupAlive(pgid), { timeoutMs: 20_000, what: "every process of npm start to exit" });
  return code;
};

const running: Started[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    if (groupAlive(s.child.pid!)) {
      await interrupt(s).catch(() => (groupAlive(s.child.pid!) ? process.kill(-s.child.pid!, "SIGKILL") : undefined));
    }
  }
});

type Message = { type: string; [k: string]: unknown };

describe("npm start", () => {
  it("answers /health 200 only once a client connecting at that moment is accepted and greeted first", { timeout: 180_000 }, async () => {
    const s = await start();
    running.push(s);

    // Poll as a script does; keep every answer that is not yet 200.
    const notReady: { status: number; body: HealthBody }[] = [];
    await eventually(
      async () => {
        if (s.child.exitCode !== null) throw new Error(`npm start exited (${s.child.exitCode}):\n${s.output()}`);
        const response = await fetch(`http://127.0.0.1:${s.port}/health`).catch(() => undefined);
        if (response === undefined) return false;
        const body = (await response.json()) as HealthBody;
        if (response.status === 200) return true;
        notReady.push({ status: response.status, body });
        return false;
      },
      { timeoutMs: 150_000, intervalMs: 20, what: "/health to answer 200" },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; npm start printed:\n${s.output()}`, { cause: error });
    });

    // At once: no retry, no pause.
    const messages: Message[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws/v1/trades`);
    const opened = await new Promise<string>((resolve) => {
      ws.on("message", (data) => messages.push(JSON.parse(String(data)) as Message));
      ws.once("unexpected-response", (_req, res) => resolve(`refused: HTTP ${res.statusCode}`));
      ws.once("error", (error) => resolve(`failed: ${error.message}`));
      ws.once("open", () => {
        // As an eager client does: subscribe before anything has arrived.
        ws.send(JSON.stringify({ action: "subscribe", coins: ["BTC"] }));
        resolve("open");
      });
    });
    expect(opened).toBe("open");
    await eventually(() => messages.some((m) => m.type === "subscribed"), { what: "the answer to subscribe" });
    expect(messages[0]).toMatchObject({ type: "connection", message: "Connected to real-time trade feed" });
    expect(messages.filter((m) => m.type === "connection")).toHaveLength(1);
    ws.close();

    // Before: 503, saying the feed was still starting (and nothing was down).
    expect(notReady.length).toBeGreaterThan(0);
    for (const { status, body } of notReady) {
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: "starting", dependencies: { dynamodb: "ok", sqs: "ok", feed: "starting" } });
    }

    // Ctrl-C stops everything it started.
    expect(await interrupt(s)).toBe(0);
  });
});
