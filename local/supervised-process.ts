import { spawn, type ChildProcess } from "node:child_process";

/**
 * A child process that cannot outlive us. An 'exit' hook covers normal ends, but not a SIGKILL
 * (which the tsx wrapper sends when a busy process answers its relayed Ctrl-C late, and which an
 * IDE or CI runner may send too). So on POSIX the command runs under a small `sh` guard holding
 * the read end of a pipe from us: when we are gone, for whatever reason, the pipe reaches EOF and
 * the guard stops the command.
 *
 * The child also gets its own process group, so a Ctrl-C in the terminal reaches only us, and we
 * decide when it stops (after in-flight work that still needs it).
 */

// "$@" is the command. Async lists get /dev/null as stdin in a non-interactive sh, hence fd 3.
const GUARD = `exec 3<&0
"$@" </dev/null &
pid=$!
{ while read -r _; do :; done <&3; kill "$pid" 2>/dev/null; } &
watcher=$!
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"`;

export interface SupervisedProcess {
  child: ChildProcess;
  /** True once the command ended or could not start. */
  exited(): boolean;
  /** Asks the command to stop (SIGTERM), then kills it if it has not stopped within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Resolves true once `child` has exited, or false after `ms`. */
export const waitForExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(true)
    : new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });

export const spawnSupervised = (command: string, args: readonly string[]): SupervisedProcess => {
  const guarded = process.platform !== "win32";
  const child = guarded
    ? spawn("sh", ["-c", GUARD, "sh", command, ...args], { stdio: ["pipe", "pipe", "pipe"], detached: true })
    : spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });

  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  // Writing to the guard's stdin is never needed; a broken pipe after it ended is expected.
  child.stdin?.on("error", () => undefined);
  const exited = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;

  /** The whole group: the guard and the command (a negative pid addresses a process group). */
  const killAll = (signal: NodeJS.Signals) => {
    if (exited() || child.pid === undefined) return;
    try {
      process.kill(guarded ? -child.pid : child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const killOnExit = () => killAll("SIGKILL");
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));

  return {
    child,
    exited,
    stop: async (graceMs = 5_000) => {
      if (exited()) return;
      // Closing the pipe is the guard's signal to SIGTERM the command and wait for it.
      if (guarded) child.stdin?.end();
      else child.kill("SIGTERM");
      if (!(await waitForExit(child, graceMs))) {
        killAll("SIGKILL");
        await waitForExit(child, 2_000);
      }
    },
  };
};
