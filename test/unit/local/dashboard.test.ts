import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "#commons/config.js";
import {
  createHttpApp,
  dashboardMount,
  localDashboardConfig,
  startHttpServer,
  type DashboardBuild,
  type DashboardOptions,
  type RunningHttpServer,
} from "#local/http.js";
import { dashboardIsStale, ensureDashboard } from "../../../web/build.js";

/** The dashboard's static mount over a real socket, and the start-up build decision. */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path goes on the wire exactly as written (no URL normalization). */
const raw = (port: number, pathOnWire: string, method = "GET"): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: pathOnWire, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });

const SECRET = "top-secret-outside-dist";

/** dist/ as vite writes it, with a file next to it that must never be served. */
const fakeBuild = () => {
  const root = mkdtempSync(path.join(tmpdir(), "dash-"));
  const dist = path.join(root, "dist");
  mkdirSync(path.join(dist, "assets"), { recursive: true });
  writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>dashboard</title>");
  writeFileSync(path.join(dist, "assets", "index-Ab12Cd.js"), "console.log(1)");
  writeFileSync(path.join(dist, "assets", "style-Ef34.css"), "body{}");
  writeFileSync(path.join(dist, "favicon.svg"), "<svg/>");
  mkdirSync(path.join(dist, ".vite"));
  writeFileSync(path.join(dist, ".vite", "manifest.json"), "{}");
  writeFileSync(path.join(root, "secret.txt"), SECRET);
  return { root, dist };
};

const servers: RunningHttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

const serve = async (o: DashboardOptions) => {
  const server = await startHttpServer(createHttpApp({ checks: [], mounts: [dashboardMount(o)] }), { port: 0 });
  servers.push(server);
  return server.port;
};

describe("dashboard mount", () => {
  it("redirects /app to /app/, keeping the query", async () => {
    const port = await serve({ dir: fakeBuild().dist });
    const plain = await raw(port, "/app");
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe("/app/");
    expect((await raw(port, "/app?x=1")).headers.location).toBe("/app/?x=1");
  });

  it("serves hashed assets as immutable, everything else revalidated, each with its content type", async () => {
    const port = await serve({ dir: fakeBuild().dist });
    const index = await raw(port, "/app/");
    expect(index).toMatchObject({ status: 200, body: "<!doctype html><title>dashboard</title>" });
    expect(index.headers).toMatchObject({ "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" });

    const js = await raw(port, "/app/assets/index-Ab12Cd.js");
    expect(js).toMatchObject({ status: 200, body: "console.log(1)" });
    expect(js.headers).toMatchObject({ "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=31536000, immutable" });
    expect((await raw(port, "/app/assets/style-Ef34.css")).headers["content-type"]).toBe("text/css; charset=utf-8");

    const icon = await raw(port, "/app/favicon.svg");
    expect(icon.headers).toMatchObject({ "content-type": "image/svg+xml", "cache-control": "no-cache" });

    const head = await raw(port, "/app/", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("answers paths that are not files with index.html, and missing files with 404", async () => {
    const port = await serve({ dir: fakeBuild().dist });
    for (const p of ["/app/traders/0xabc", "/app/live", "/app/index.html"]) {
      const res = await raw(port, p);
      expect(res.status, p).toBe(200);
      expect(res.body, p).toContain("<title>dashboard</title>");
    }
    for (const p of ["/app/assets/gone-123.js", "/app/assets/nothing", "/app/logo.png"]) {
      expect((await raw(port, p)).status, p).toBe(404);
    }
  });

  it("never serves anything outside the build, nor hidden files", async () => {
    const port = await serve({ dir: fakeBuild().dist });
    const attempts = [
      "/app/../secret.txt",
      "/app/assets/../../secret.txt",
      "/app/..%2fsecret.txt",
      "/app/..%2F..%2Fsecret.txt",
      "/app/%2e%2e/secret.txt",
      "/app/%2e%2e%2fsecret.txt",
      "/app/assets/..%5c..%5csecret.txt",
      "/app/..\\secret.txt",
      "/app//..//secret.txt",
      "/app/.vite/manifest.json",
      "/app/%2evite/manifest.json",
      "/app/secret.txt%00.js",
      "/app/%E0%A4%A",
    ];
    for (const p of attempts) {
      const res = await raw(port, p);
      expect(res.body, p).not.toContain(SECRET);
      expect(res.body, p).not.toBe("{}");
      expect([400, 404], `${p} → ${res.status}`).toContain(res.status);
    }
  });

  it("answers /app/config.json with where the API and the feed are", async () => {
    const port = await serve({ dir: fakeBuild().dist });
    const res = await raw(port, "/app/config.json");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ api_base: "", ws_url: null, ws_token_required: false });
    expect(res.headers["cache-control"]).toBe("no-cache");
    const custom = await serve({ dir: fakeBuild().dist, config: { api_base: "", ws_url: "wss://example.invalid/v1", ws_token_required: false } });
    expect(JSON.parse((await raw(custom, "/app/config.json")).body)).toEqual({ api_base: "", ws_url: "wss://example.invalid/v1", ws_token_required: false });
  });

  it("says whether the feed requires a token (WS_TOKEN set), never the token itself", async () => {
    const withToken = await serve({ dir: fakeBuild().dist, config: localDashboardConfig(loadConfig({ WS_TOKEN: "s3cret-feed-token" })) });
    const body = (await raw(withToken, "/app/config.json")).body;
    expect(JSON.parse(body)).toEqual({ api_base: "", ws_url: null, ws_token_required: true });
    expect(body).not.toContain("s3cret-feed-token");
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ws-token-AbCdEf";
    expect(localDashboardConfig(loadConfig({ WS_TOKEN_SECRET_ARN: arn })).ws_token_required).toBe(true);

    const without = await serve({ dir: fakeBuild().dist, config: localDashboardConfig(loadConfig({})) });
    expect(JSON.parse((await raw(without, "/app/config.json")).body)).toEqual({ api_base: "", ws_url: null, ws_token_required: false });
  });

  it("waits for a build still running, and explains a failed one while config.json still answers", async () => {
    let finish!: (b: DashboardBuild) => void;
    const port = await serve({ dir: fakeBuild().dist, ready: new Promise<DashboardBuild>((r) => (finish = r)) });
    const pending = raw(port, "/app/");
    setTimeout(() => finish({ ok: true }), 50);
    expect((await pending).status).toBe(200);

    const failed = await serve({ dir: fakeBuild().dist, ready: Promise.resolve({ ok: false, reason: "vite build exited with code 1:\n<script>x</script>" }) });
    const res = await raw(failed, "/app/");
    expect(res.status).toBe(503);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain("npm run build");
    expect(res.body).toContain("&#60;script&#62;x&#60;/script&#62;");
    expect(res.body).not.toContain("<script>x");
    expect((await raw(failed, "/app/config.json")).status).toBe(200);

    const missing = await serve({ dir: path.join(fakeBuild().root, "nowhere") });
    const none = await raw(missing, "/app/");
    expect(none.status).toBe(503);
    expect(none.body).toContain("npm run build");
  });
});

describe("start-up build", () => {
  const tree = () => {
    const root = mkdtempSync(path.join(tmpdir(), "web-"));
    const web = path.join(root, "web");
    mkdirSync(path.join(web, "src"), { recursive: true });
    mkdirSync(path.join(web, "dist"), { recursive: true });
    writeFileSync(path.join(web, "src", "main.ts"), "x");
    writeFileSync(path.join(root, "package-lock.json"), "{}");
    const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
    at(path.join(web, "src", "main.ts"), 1_000);
    at(path.join(root, "package-lock.json"), 1_000);
    return { web, dist: path.join(web, "dist"), lock: path.join(root, "package-lock.json"), at };
  };

  it("is stale without a build, or when a source or the lock file is newer than it", async () => {
    const t = tree();
    const stale = () => dashboardIsStale({ webDir: t.web, distDir: t.dist, lockFile: t.lock });
    expect(await stale()).toBe(true);
    writeFileSync(path.join(t.dist, "index.html"), "built");
    t.at(path.join(t.dist, "index.html"), 2_000);
    expect(await stale()).toBe(false);
    t.at(path.join(t.web, "src", "main.ts"), 3_000);
    expect(await stale()).toBe(true);
    t.at(path.join(t.dist, "index.html"), 4_000);
    t.at(t.lock, 5_000);
    expect(await stale()).toBe(true);
  });

  it("builds only when stale, logging one line, and never throws", async () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
    let builds = 0;
    const build = async (): Promise<DashboardBuild> => (builds++, { ok: true });

    expect(await ensureDashboard({ log, stale: async () => false, build })).toEqual({ ok: true });
    expect(builds).toBe(0);
    expect(lines).toEqual([]);

    expect(await ensureDashboard({ log, stale: async () => true, build })).toEqual({ ok: true });
    expect(builds).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^info Dashboard built into web\/dist in \d+\.\d s/);

    lines.length = 0;
    const failed = await ensureDashboard({ log, stale: async () => true, build: async () => ({ ok: false, reason: "exit 1\ndetails" }) });
    expect(failed).toEqual({ ok: false, reason: "exit 1\ndetails" });
    expect(lines).toEqual(["warn Dashboard build failed; the API runs without the page (run npm run build to see why): exit 1"]);

    const broken = await ensureDashboard({ log, stale: () => Promise.reject(new Error("EACCES")), build });
    expect(broken).toMatchObject({ ok: false, reason: expect.stringContaining("EACCES") });
  });
});
