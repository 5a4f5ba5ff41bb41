import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { build } from "esbuild";
import { describe, expect, it, onTestFinished } from "vitest";
import { ALL_FUNCTIONS, TRACK_WORKER_FUNCTION, type FunctionDef } from "../../functions/catalog.js";
import { Data } from "../../lib/data.js";
import { HouseFunction, REPO_ROOT } from "../../lib/house-function.js";
import { logicalId, resource } from "./synth.js";

/**
 * The export list esbuild computes for the entry's bundle: proves the module bundles (what Lambda
 * runs) and exports the handler the catalog names, without running the module's cold-start code.
 */
const exportsOf = async (def: FunctionDef): Promise<string[]> => {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, def.entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "silent",
  });
  return Object.values(result.metafile.outputs).flatMap((o) => o.exports);
};

describe("every catalog entry exists and exports its handler", () => {
  for (const def of ALL_FUNCTIONS) {
    it(`${def.name}: ${def.entry} exports "${def.handler}"`, async () => {
      expect(existsSync(path.join(REPO_ROOT, def.entry))).toBe(true);
      expect(await exportsOf(def)).toContain(def.handler);
    }, 30_000);
  }
});

// One real esbuild bundle through the house construct (the worker: the most dependencies); the
// stack tests use placeholders, as bundling every function would dominate the run time.
describe("the house construct really bundles a function", () => {
  it("as a minified ESM bundle with the require banner and a source map", () => {
    const def = TRACK_WORKER_FUNCTION;
    const outdir = mkdtempSync(path.join(tmpdir(), "cdk-bundle-"));
    onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
    const app = new App({ outdir });
    const stack = new Stack(app, "BundleProbe");
    const data = new Data(stack, "Data", { deletionProtection: false });
    const queue = new Queue(stack, "Queue");
    const house = new HouseFunction(stack, "Probe", {
      def,
      resources: { table: (t) => data.table(t), queue: () => queue },
      environment: {},
      serviceName: "probe",
      logLevel: "INFO",
    });
    const assembly = app.synth();

    const props = resource(Template.fromStack(stack), logicalId(house.fn)).Properties;
    expect(props.Handler).toBe(`index.${def.handler}`);
    expect(props.Runtime).toBe("nodejs22.x");
    const assetDir = path.join(assembly.directory, `asset.${String(props.Code.S3Key).replace(/\.zip$/, "")}`);
    const code = readFileSync(path.join(assetDir, "index.mjs"), "utf8");
    expect(code.startsWith("import { createRequire as __houseCreateRequire } from 'node:module';")).toBe(true);
    expect(existsSync(path.join(assetDir, "index.mjs.map"))).toBe(true);
    // The SDK is bundled, not left to the runtime's copy.
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);

    // Node's own ESM loader (as in Lambda, not vitest's) runs the module's cold start and finds the
    // handler. The worker hands traders back to its queue, whose URL the stack sets (sendsTo).
    const probe = `const m = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, "index.mjs")).href)});
      console.log(typeof m.${def.handler});`;
    const queueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/probe";
    const out = execFileSync(process.execPath, ["--no-warnings", "--input-type=module", "-e", probe], {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true", TRACKING_QUEUE_URL: queueUrl },
      encoding: "utf8",
    });
    expect(out.trim()).toBe("function");
  }, 120_000);
});
