import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asciiComments,
  type BankRuntime,
  type BundleReport,
  bankRuntimes,
  buildBank,
  mapWithRequire,
  withRequire,
} from "../examples/bank/build.js";
import { type BundleKind, runBundle } from "./parity/bundle-runner.js";
import { runWholeSystem, type SystemRun, postgresSkip } from "./parity/system-run.js";

const kinds: Record<BankRuntime, BundleKind> = {
  "aws-lambda": "lambda",
  "azure-functions": "azure",
  "cloud-run": "server",
  node: "server",
};

/** The serverless bundles refuse to start without an authenticator unless told the run is local; Cloud Run needs a push authenticator too. */
const local = { EDD_ANONYMOUS: "local" };
const bundleEnv: Partial<Record<BankRuntime, Record<string, string>>> = {
  "aws-lambda": local,
  "azure-functions": local,
  "cloud-run": { ...local, EDD_PUSH_TOKEN: crypto.randomUUID() },
};

let outRoot = "";
let reports: BundleReport[] = [];

beforeAll(async () => {
  outRoot = mkdtempSync(join(tmpdir(), "edd-bundles-"));
  reports = await buildBank(outRoot);
}, 60_000);

afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

describe("built bundles", () => {
  it.each(Object.entries(kinds) as [BankRuntime, BundleKind][])(
    "%s runs on its own in a fresh node process and answers a command",
    async (runtime, kind) => {
      const report = reports.find((r) => r.name === runtime);
      expect(report?.file).toBe(join(outRoot, runtime, "index.mjs"));
      const run = await runBundle(kind, report?.file ?? "", bundleEnv[runtime]);
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ result: { commands: [{ command: "OpenAccount", aggregateId: "acc-1", version: 1 }] } });
    },
  );

  it.each(["aws-lambda", "azure-functions", "cloud-run"] as const)(
    "%s refuses to start without an authenticator, naming the settings that would give it one",
    async (runtime) => {
      const report = reports.find((r) => r.name === runtime);
      const env: Record<string, string> = runtime === "cloud-run" ? { EDD_PUSH_TOKEN: crypto.randomUUID() } : {};
      await expect(runBundle(kinds[runtime], report?.file ?? "", env)).rejects.toThrow(
        /Refusing to start without an authenticator.*EDD_JWT_SECRET/s,
      );
    },
  );

  it("keeps the Postgres store out of what loads at start, and the Lambda bundle under 600 KiB at start", () => {
    // Issue 16's size goal. A named import of zod (`import { z } from "zod"`) alone would bring back every locale (~540 KiB);
    // Azure carries @azure/functions (~180 KiB) on top.
    for (const report of reports) expect(report.startupBytes, `${report.name} bytes at start`).toBeLessThan(800 * 1024);
    const lambda = reports.find((r) => r.name === "aws-lambda");
    expect(lambda?.startupBytes).toBeLessThan(600 * 1024);
    // pg and the Postgres adapter are only imported when DATABASE_URL is set.
    expect(lambda?.lazyBytes).toBeGreaterThan(50 * 1024);
  });

  it("folds the Lambda bundle's start-up chunks into its entry: one file at start, the lazy chunks import from it", () => {
    const lambda = reports.find((r) => r.name === "aws-lambda");
    expect(lambda?.startupFiles).toBe(1);
    const dir = join(outRoot, "aws-lambda");
    const entry = readFileSync(join(dir, "index.mjs"), "utf8");
    expect(entry).not.toMatch(/^import\b[^;]*"\.\/chunks\//m);
    // Module path comments stay, as in every bundle: the code is still readable by where it came from.
    expect(entry).toMatch(/^\/\/ core\/model\/envelope\.ts$/m);
    const chunks = readdirSync(join(dir, "chunks")).filter((file) => file.endsWith(".mjs"));
    expect(chunks.filter((file) => file.startsWith("chunk-"))).toEqual([]);
    const app = chunks.find((file) => file.startsWith("app-")) ?? "";
    expect(readFileSync(join(dir, "chunks", app), "utf8")).toMatch(/\$chunk_\w+ as \w+,?\n[^;]*\} from "\.\.\/index\.mjs";/);
    // The other bundles keep esbuild's start-up chunks.
    expect(reports.find((r) => r.name === "node")?.startupFiles).toBeGreaterThan(1);
  });

  it("writes every bundle file as plain ASCII, which V8 loads as one-byte text", () => {
    const files = readdirSync(outRoot, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".mjs"));
    expect(files.length).toBeGreaterThan(8);
    const beyondAscii = files.filter((file) => /[\u0080-\uffff]/.test(readFileSync(join(outRoot, file), "utf8")));
    expect(beyondAscii).toEqual([]);
  });
});

describe("require in the bundles", () => {
  it.each(bankRuntimes)("%s builds it only in files that name it", (runtime) => {
    const dir = join(outRoot, runtime);
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".mjs"));
    const text = (file: string) => readFileSync(join(dir, file), "utf8");
    const building = files.filter((file) => text(file).includes("__eddCreateRequire("));
    expect(building.sort()).toEqual(files.filter((file) => /\brequire\b/.test(text(file))).sort());
    expect(building.length).toBeLessThan(files.length);
    // The file that defines esbuild's __require (CommonJS dependencies call it) has one.
    expect(building.some((file) => text(file).includes("var __require ="))).toBe(true);
  });

  it("prepends the require lines to a file that names require, and shifts its source map down by as many lines", () => {
    const code = 'const fs = require("node:fs");\n';
    const map = JSON.stringify({ version: 3, sources: ["a.cjs"], names: [], mappings: "AAAA" });
    expect(withRequire(code)).toBe(
      `import { createRequire as __eddCreateRequire } from "node:module";\nconst require = __eddCreateRequire(import.meta.url);\n${code}`,
    );
    expect(JSON.parse(mapWithRequire(map, code)).mappings).toBe(";;AAAA");
    expect(withRequire("export const a = 1;\n")).toBe("export const a = 1;\n");
    expect(mapWithRequire(map, "export const a = 1;\n")).toBe(map);
  });
});

describe("asciiComments", () => {
  it("replaces characters beyond ASCII on comment lines, one per UTF-16 unit", () => {
    const code = "const a = 1;\n/**\n * from … to → 😀\n */\n// em — dash\nexport { a };\n";
    expect(asciiComments(code)).toBe("const a = 1;\n/**\n * from ? to ? ??\n */\n// em ? dash\nexport { a };\n");
  });

  it("leaves a file alone when a line that looks like a comment is inside a string", () => {
    const code = "export const text = String.raw`\n// café\n`;\n";
    expect(asciiComments(code)).toBe(code);
  });
});

describe.skipIf(postgresSkip !== undefined)(
  `the whole system on every runtime bundle${postgresSkip ? ` (skipped: ${postgresSkip})` : ""}`,
  () => {
    const runs = new Map<BankRuntime, SystemRun>();

    beforeAll(async () => {
      for (const runtime of bankRuntimes) runs.set(runtime, await runWholeSystem(runtime, join(outRoot, runtime, "index.mjs")));
    }, 180_000);

    afterAll(() => runs.clear());

    it("the Node run answers as the bank should: views answer after the projection entry, the sweep recovered the stranded transfer", () => {
      const node = runs.get("node") as SystemRun;
      expect(node.transcript.map(({ name, answer }) => [name, typeof answer === "string" ? answer : answer.status])).toEqual([
        ["open account over HTTP", 200],
        ["queued deposit", "acknowledged"],
        ["large command", "acknowledged"],
        ["poison message", "acknowledged"],
        ["sweep", "ran"],
        ["transfer completed", 200],
        ["projection", "ran"],
        ["search accounts", 200],
      ]);
      const answer = (name: string) => node.transcript.find((step) => step.name === name)?.answer;
      expect(answer("transfer completed")).toMatchObject({ body: { result: { status: "completed" } } });
      expect(answer("search accounts")).toMatchObject({ body: { result: { total: 4 } } });
      expect(node.deadLetters).toEqual([{ realm: "default", message: "{oops", code: "malformed-json", attempts: 1 }]);
      expect(node.views.map((view) => `${view.id} ${(view.data as { balance: number }).balance}`)).toEqual([
        "acc-1 5",
        "acc-big 0",
        "acc-x 70",
        "acc-y 30",
      ]);
    });

    it.each(["aws-lambda", "azure-functions", "cloud-run"] as const)(
      "%s answers, logs, dead-letters and projects exactly as node does",
      (runtime) => {
        const run = runs.get(runtime) as SystemRun;
        const node = runs.get("node") as SystemRun;
        expect(run.transcript).toEqual(node.transcript);
        expect(run.events).toEqual(node.events);
        expect(run.deadLetters).toEqual(node.deadLetters);
        expect(run.views).toEqual(node.views);
      },
    );
  },
);
