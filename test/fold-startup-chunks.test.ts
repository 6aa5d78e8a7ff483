import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundle } from "../examples/bank/build.js";

// A module the entry and two lazily loaded modules share, so esbuild gives it a chunk of its own.
const sources = {
  "shared.mjs": `globalThis.sharedEvaluations = (globalThis.sharedEvaluations ?? 0) + 1;
export class Token {}
export const made = new Token();`,
  "lazy.mjs": `import { Token, made as theOne } from "./shared.mjs";
export const check = (token) => token instanceof Token && token === theOne;`,
  "other.mjs": `import { Token } from "./shared.mjs";
export const fresh = () => new Token();`,
  "entry.mjs": `import { made, Token } from "./shared.mjs";
export async function run() {
  const { check } = await import("./lazy.mjs");
  const { fresh } = await import("./other.mjs");
  return { same: check(made), sameClass: fresh() instanceof Token, evaluations: globalThis.sharedEvaluations };
}`,
};

const scratch = mkdtempSync(join(tmpdir(), "edd-fold-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
for (const [name, text] of Object.entries(sources)) writeFileSync(join(scratch, name), text);

/** Imports the built entry in a fresh node process and calls run(). */
function runBuilt(file: string): unknown {
  const script = `const { run } = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(await run()));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

describe("foldStartupChunks", () => {
  it("loads one file at start, and the lazy chunks share the entry's modules: one evaluation, one class", async () => {
    const report = await bundle(
      "folded",
      { entry: join(scratch, "entry.mjs"), workingDir: scratch, foldStartupChunks: true },
      join(scratch, "folded"),
    );
    expect(report.startupFiles).toBe(1);
    expect(readdirSync(join(scratch, "folded/chunks")).filter((file) => file.startsWith("chunk-"))).toEqual([]);
    expect(readFileSync(report.file, "utf8")).toMatch(/^\/\/ shared\.mjs$/m);
    expect(runBuilt(report.file)).toEqual({ same: true, sameClass: true, evaluations: 1 });
  });

  it("answers as the unfolded bundle does, which loads the shared chunk as a file of its own", async () => {
    const report = await bundle("split", { entry: join(scratch, "entry.mjs"), workingDir: scratch }, join(scratch, "split"));
    expect(report.startupFiles).toBe(2);
    expect(runBuilt(report.file)).toEqual({ same: true, sameClass: true, evaluations: 1 });
  });
});
