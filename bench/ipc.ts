import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitForExit } from "#local/supervised-process.js";

/**
 * Request/response over the IPC channel of a forked child, so the simulator and the SQS server run
 * on their own event loops and their CPU never lands in the process the benchmark measures.
 */

// `any` here only so that any method table fits; callers see each method's own parameter types.
type Methods = Record<string, (...args: any[]) => unknown>;

interface Request {
  id: number;
  method: string;
  args: unknown[];
}
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
type Ready = { ready: true; value: unknown } | { ready: false; error: string };

const isRequest = (m: unknown): m is Request =>
  typeof m === "object" && m !== null && typeof (m as Request).id === "number" && typeof (m as Request).method === "string";

/** Child side: answers the parent's calls; the child ends when the parent goes away. */
export const serveParent = async (start: () => Promise<{ ready: unknown; methods: Methods; stop: () => Promise<void> }>) => {
  const send = (m: Reply | Ready) => process.send?.(m);
  if (!process.send) throw new Error("This script is meant to be forked by bench/tracking.ts");
  let server: Awaited<ReturnType<typeof start>>;
  try {
    server = await start();
  } catch (error) {
    send({ ready: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  const stopAndExit = async () => {
    await server.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("disconnect", () => void stopAndExit());
  process.on("message", (m: unknown) => {
    if (!isRequest(m)) return;
    if (m.method === "$stop") {
      send({ id: m.id, ok: true, value: null });
      void stopAndExit();
      return;
    }
    const fn = server.methods[m.method];
    void (async () => {
      try {
        if (!fn) throw new Error(`unknown method ${m.method}`);
        send({ id: m.id, ok: true, value: await fn(...m.args) });
      } catch (error) {
        send({ id: m.id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  send({ ready: true, value: server.ready });
};

export interface Child<M extends Methods, R> {
  ready: R;
  pid: number;
  call<K extends keyof M & string>(method: K, ...args: Parameters<M[K]>): Promise<Awaited<ReturnType<M[K]>>>;
  /** Asks the child to stop its server and exit; kills it if it does not within `ms`. */
  stop(ms?: number): Promise<void>;
}

/** Forks `script` (a .ts file next to this one) under tsx and waits for it to say it is ready. */
export const forkChild = async <M extends Methods, R>(
  script: string,
  o: { env?: NodeJS.ProcessEnv; execArgv?: string[]; startTimeoutMs?: number } = {},
): Promise<Child<M, R>> => {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(path, [], {
    execArgv: ["--import", "tsx", ...(o.execArgv ?? [])],
    env: o.env ?? process.env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exitReason: string | undefined;

  const ready = await new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within ${o.startTimeoutMs ?? 60_000} ms`)), o.startTimeoutMs ?? 60_000);
    child.on("message", (m: unknown) => {
      const r = m as Partial<Reply & Ready>;
      if (typeof r.ready === "boolean") {
        clearTimeout(timer);
        if (r.ready) resolve((m as { value: R }).value);
        else reject(new Error(`${script} failed to start: ${(m as { error: string }).error}`));
        return;
      }
      if (typeof r.id !== "number") return;
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      if (r.ok) p.resolve((m as { value: unknown }).value);
      else p.reject(new Error(`${script}: ${(m as { error: string }).error}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      exitReason = `${script} exited (code ${code}, signal ${signal})`;
      for (const p of pending.values()) p.reject(new Error(exitReason));
      pending.clear();
      reject(new Error(exitReason));
    });
  });

  return {
    ready,
    pid: child.pid ?? -1,
    call: (method, ...args) =>
      new Promise((resolve, reject) => {
        if (exitReason) return reject(new Error(exitReason));
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, method, args } satisfies Request);
      }),
    stop: async (ms = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ id: 0, method: "$stop", args: [] } satisfies Request);
      if (!(await waitForExit(child, ms))) {
        child.kill("SIGKILL");
        await waitForExit(child, 2_000);
      }
    },
  };
};
