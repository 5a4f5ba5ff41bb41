import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it, onTestFinished } from "vitest";
import { ALL_FUNCTIONS } from "../../functions/catalog.js";
import { REPO_ROOT } from "../../lib/house-function.js";

/**
 * `npm run synth` as a user runs it: the real CDK CLI, bin/app.ts with cdk-nag, every function
 * bundled by esbuild, no credentials and telemetry off (the machine has no network). The other
 * CDK tests build the stack in-process with placeholder code; this one proves the CLI path works.
 */
it("npm run synth: the CLI synthesizes offline, nag-clean, with a bundle for every function", async () => {
  const out = mkdtempSync(path.join(tmpdir(), "cdk-synth-"));
  onTestFinished(() => rmSync(out, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true", CI: "true" };
  // Credentials or a profile from the developer's shell must not matter: the stack is environment-agnostic.
  for (const key of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) delete env[key];
  await promisify(execFile)("npm", ["run", "--silent", "synth", "--", "-q", "-o", out], {
    cwd: REPO_ROOT,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });

  const template = JSON.parse(readFileSync(path.join(out, "HlCopytrader.template.json"), "utf8")) as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };
  const functions = Object.values(template.Resources).filter((r) => r.Type === "AWS::Lambda::Function");
  expect(functions).toHaveLength(ALL_FUNCTIONS.length);
  for (const fn of functions) {
    expect(fn.Properties.Handler).toBe("index.handler");
    const asset = path.join(out, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, "")}`);
    expect(readdirSync(asset).sort()).toEqual(["index.mjs", "index.mjs.map"]);
  }
}, 300_000);
