import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import startServices from "../support/global-setup.js";

/**
 * The e2e project's setup: DynamoDB Local and the SQS server (the integration setup, reused) and,
 * at the same time, the page built exactly as the CDK asset bundling builds it:
 * `npm run -s build -- --outDir <dir> --emptyOutDir` (type check, then vite).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const E2E_DASHBOARD_DIR = path.join(repoRoot, "test-results", "dashboard");

const buildPage = (outDir: string): Promise<void> =>
  new Promise((resolve, reject) => {
    mkdirSync(path.dirname(outDir), { recursive: true });
    let output = "";
    const child = spawn("npm", ["run", "-s", "build", "--", "--outDir", outDir, "--emptyOutDir"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm run build failed (${code}):\n${output}`))));
  });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [stopServices] = await Promise.all([startServices(project), buildPage(E2E_DASHBOARD_DIR)]);
  project.provide("dashboardDir", E2E_DASHBOARD_DIR);
  return stopServices;
}

declare module "vitest" {
  export interface ProvidedContext {
    dashboardDir: string;
  }
}
