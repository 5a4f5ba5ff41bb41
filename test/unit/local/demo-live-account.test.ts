import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { demoLiveAccount } from "#local/demo-live-account.js";

/** `npm run demo`'s live account: simulator-only keys, new per run or kept in the data directory. */
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "demo-live-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("the demo's live account", () => {
  it("in memory: new keys each run, the addresses those of the keys", async () => {
    const a = await demoLiveAccount(undefined);
    const b = await demoLiveAccount(undefined);
    expect(a.account).not.toBe(b.account);
    expect(a.agent).toBe(privateKeyToAccount(a.agentKey as `0x${string}`).address.toLowerCase());
    expect(a.agent).not.toBe(a.account);
  });

  it("with a data directory: the keys are kept (owner-only file) and the next run gets the same account", async () => {
    const dir = await tempDir();
    const first = await demoLiveAccount(dir);
    const again = await demoLiveAccount(dir);
    expect(again).toEqual(first);
    const file = join(dir, "demo-live-keys.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8")).agentKey).toBe(first.agentKey);
  });

  it("a damaged keys file is replaced by new keys, not a failed start", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "demo-live-keys.json"), '{"accountKey":"nope"}');
    const made = await demoLiveAccount(dir);
    expect(made.agentKey).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await demoLiveAccount(dir)).toEqual(made);
    await writeFile(join(dir, "demo-live-keys.json"), "not json");
    expect((await demoLiveAccount(dir)).agentKey).not.toBe(made.agentKey);
  });
});
