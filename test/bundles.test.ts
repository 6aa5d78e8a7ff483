import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BankRuntime, type BundleReport, buildBank } from "../examples/bank/build.js";
import { type BundleKind, runBundle } from "./parity/bundle-runner.js";

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
      const env = runtime === "cloud-run" ? { EDD_PUSH_TOKEN: crypto.randomUUID() } : {};
      await expect(runBundle(kinds[runtime], report?.file ?? "", env)).rejects.toThrow(
        /Refusing to start without an authenticator.*EDD_JWT_SECRET/s,
      );
    },
  );

  it("keeps the Postgres store out of what loads at start, and the Lambda bundle under 1 MB", () => {
    const lambda = reports.find((r) => r.name === "aws-lambda");
    expect(lambda?.startupBytes).toBeLessThan(1024 * 1024);
    // pg and the Postgres adapter are only imported when DATABASE_URL is set.
    expect(lambda?.lazyBytes).toBeGreaterThan(50 * 1024);
  });
});
