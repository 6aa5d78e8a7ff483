import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createPgliteStore } from "../adapters/pglite/index.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** Runs the child to its SIGKILL; resolves to the keys it saw committed and how it ended. */
function commitThenCrash(dataDir: string, count: number): Promise<{ committed: string[]; signal: string | null }> {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "test/support/pglite-crash-child.ts", dataDir, String(count)],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => {
    child.once("close", (_code, signal) =>
      resolve({ committed: [...output.matchAll(/committed (k\d+)/g)].map((m) => m[1] as string), signal }),
    );
  });
}

it("keeps every commit PGlite acknowledged when its process is SIGKILLed right after", { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "edd-pglite-crash-"));
  try {
    const count = 12;
    const { committed, signal } = await commitThenCrash(dataDir, count);
    expect(signal).toBe("SIGKILL");
    expect(committed).toHaveLength(count);

    const reopened = await createPgliteStore({ dataDir });
    try {
      for (const key of committed)
        expect(await reopened.findResponse("crash", key)).toEqual({ status: 200, body: { n: Number(key.slice(1)) } });
      const ref = { realm: "crash", service: "accounts", aggregateId: "a" };
      expect((await reopened.readAggregateEvents(ref)).map((event) => event.data)).toEqual(committed.map((_, i) => ({ amount: i + 1 })));
      expect(await reopened.loadSnapshot(ref)).toEqual({ state: { balance: (count * (count + 1)) / 2 }, version: count });
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
