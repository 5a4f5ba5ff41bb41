import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DashboardBuild } from "../local/http.js";

/**
 * Node-side helpers for the dashboard: `npm start` calls `ensureDashboard()` so that a fresh clone
 * (`npm ci && npm start`) serves the page without a separate build step, and an edited web/ is
 * rebuilt on the next start. `npm run build` is the same vite build (config in this folder) after a type check.
 */

export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.dirname(WEB_DIR);
export const DIST_DIR = path.join(WEB_DIR, "dist");

/** Newest modification time of the files under `dir`, skipping `skip` (absolute paths). */
const newestMtime = async (dir: string, skip: ReadonlySet<string>): Promise<number> => {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (skip.has(full)) continue;
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(full, skip));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
};

/**
 * True when the build is missing or older than anything it is built from: the files of web/
 * (dist and node_modules aside) and package-lock.json (a new lightweight-charts changes the bundle).
 */
export const dashboardIsStale = async (o: { webDir?: string; distDir?: string; lockFile?: string } = {}): Promise<boolean> => {
  const webDir = o.webDir ?? WEB_DIR;
  const distDir = o.distDir ?? DIST_DIR;
  const lockFile = o.lockFile ?? path.join(REPO_ROOT, "package-lock.json");
  let builtAt: number;
  try {
    builtAt = (await stat(path.join(distDir, "index.html"))).mtimeMs;
  } catch {
    return true;
  }
  const sources = await newestMtime(webDir, new Set([distDir, path.join(webDir, "node_modules")]));
  const lock = existsSync(lockFile) ? (await stat(lockFile)).mtimeMs : 0;
  return Math.max(sources, lock) > builtAt;
};

/** The last lines of a build's output: enough to show what failed. */
const tail = (text: string, lines = 25): string => text.trim().split("\n").slice(-lines).join("\n");

/**
 * Runs vite's build in a child process, so that vite and its memory never stay in the runtime.
 * This is `npm run build` without its type check (seconds instead of ~10 s at start-up; the type
 * check belongs to development and CI). Extra `args` go to vite, e.g. `["--outDir", dir]`.
 */
export const buildDashboard = (o: { args?: readonly string[]; timeoutMs?: number } = {}): Promise<DashboardBuild> =>
  new Promise((resolve) => {
    const vite = path.join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js");
    if (!existsSync(vite)) {
      resolve({ ok: false, reason: "vite is not installed (it is a devDependency): run npm ci, then npm run build." });
      return;
    }
    const timeoutMs = o.timeoutMs ?? 180_000;
    let output = "";
    let settled = false;
    const finish = (result: DashboardBuild) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(process.execPath, [vite, "build", "--config", path.join(WEB_DIR, "vite.config.ts"), "--logLevel", "warn", ...(o.args ?? [])], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-20_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      finish({ ok: false, reason: `The build took longer than ${timeoutMs / 1000} s and was stopped.\n${tail(output)}` });
    }, timeoutMs);
    child.once("error", (error) => finish({ ok: false, reason: `The build could not start: ${error.message}` }));
    child.once("close", (code) => finish(code === 0 ? { ok: true } : { ok: false, reason: `vite build exited with code ${code}:\n${tail(output)}` }));
  });

/**
 * Builds the dashboard when web/dist is missing or stale, and says what happened in one log line.
 * Never throws: without a page the API still serves, and /app/ explains how to build it.
 */
export const ensureDashboard = async (o: {
  log: { info(message: string): void; warn(message: string): void };
  stale?: () => Promise<boolean>;
  build?: () => Promise<DashboardBuild>;
}): Promise<DashboardBuild> => {
  try {
    if (!(await (o.stale ?? dashboardIsStale)())) return { ok: true };
  } catch (error) {
    return { ok: false, reason: `Could not inspect web/: ${error instanceof Error ? error.message : String(error)}` };
  }
  const startedAt = Date.now();
  const result = await (o.build ?? buildDashboard)();
  if (result.ok) o.log.info(`Dashboard built into web/dist in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (web/ changed or was never built)`);
  else o.log.warn(`Dashboard build failed; the API runs without the page (run npm run build to see why): ${result.reason.split("\n")[0] ?? ""}`);
  return result;
};
