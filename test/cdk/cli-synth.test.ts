import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it, onTestFinished } from "vitest";
import { ALL_FUNCTIONS } from "../../functions/catalog.js";
import { REPO_ROOT } from "../../lib/house-function.js";
import { referencedIds } from "./synth.js";

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
  const resources = Object.entries(template.Resources);
  // CDK's own functions behind custom resources (the dashboard's bucket deployment, auto-delete) are not the app's.
  const handlers = referencedIds(resources.filter(([, r]) => r.Type.startsWith("Custom::")).map(([, r]) => r.Properties.ServiceToken));
  const functions = resources.filter(([id, r]) => r.Type === "AWS::Lambda::Function" && !handlers.has(id)).map(([, r]) => r);
  expect(functions).toHaveLength(ALL_FUNCTIONS.length);
  for (const fn of functions) {
    expect(fn.Properties.Handler).toBe("index.handler");
    const asset = path.join(out, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, "")}`);
    expect(readdirSync(asset).sort()).toEqual(["index.mjs", "index.mjs.map"]);
  }

  // The dashboard: Vite's build of web/, which both of its deployments upload.
  const [site] = resources.filter(([, r]) => r.Type === "Custom::CDKBucketDeployment").map(([, r]) => r.Properties.SourceObjectKeys[0]);
  const siteDir = path.join(out, `asset.${String(site).replace(/\.zip$/, "")}`);
  expect(readFileSync(path.join(siteDir, "index.html"), "utf8")).toMatch(/\/app\/assets\/[^"']+\.js/);
}, 300_000);
