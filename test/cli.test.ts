import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { anonymousPrincipal, createEngine } from "edd";
import { createPgliteStore } from "edd/pglite";
import { describe, expect, it } from "vitest";
import { migrations } from "../adapters/sql/migrations.js";
import { bankServices } from "../examples/bank/services.js";
import { commands } from "../runtimes/cli/commands.js";
import { terminalProgress } from "../runtimes/cli/context.js";
import { eddFromSources, runEdd } from "./support/edd-cli.js";
import { commandRequest } from "./support/requests.js";

const root = new URL("../", import.meta.url).pathname;

// Children start tsx and open PGlite: seconds alone, much longer beside the whole suite on two cores.
describe("edd CLI", { timeout: 120_000 }, () => {
  it("lists every command under --help and exits 0", async () => {
    const { code, stdout } = await runEdd(["--help"]);
    expect(code).toBe(0);
    for (const name of ["serve", "migrate", "verify", "check-history", "rebuild", "export", "import", "anchor", "prune", "forget", "dlq"])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(Object.keys(commands).sort()).toEqual([
      "anchor",
      "check-history",
      "dlq",
      "export",
      "forget",
      "import",
      "migrate",
      "prune",
      "rebuild",
      "serve",
      "snapshots",
      "state",
      "verify",
    ]);
    expect(stdout).toContain("exit codes");
  });

  it("prints the usage of every command for `edd <command> --help`, exit 0, before reading any config", async () => {
    for (const name of Object.keys(commands)) {
      const { code, stdout, stderr } = await runEdd([name, "--help"], { EDD_CONFIG: "no-such-config.ts" });
      expect({ name, code, stderr }).toEqual({ name, code: 0, stderr: "" });
      expect(stdout).toMatch(new RegExp(`^usage: edd ${name}`));
    }
  });

  it("draws progress only on a terminal: piped stderr gets no carriage-return frames", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "edd-cli-"));
    const store = await createPgliteStore({ dataDir });
    const engine = createEngine({ services: bankServices, store });
    await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
      anonymousPrincipal,
    );
    await store.close();
    const piped = await runEdd(["verify", "--realm", "default", "--no-views"], { EDD_DATA_DIR: dataDir });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain("1 aggregates, 1 events verified");
    expect(piped.stderr).not.toContain("\r");
    const written: string[] = [];
    const onTerminal = terminalProgress({ isTTY: true, write: (text: string) => written.push(text) });
    onTerminal.progress("verify 10 events");
    onTerminal.endProgress();
    expect(written).toEqual(["\rverify 10 events\u001b[K", "\n"]);
    const elsewhere = terminalProgress({ write: (text: string) => written.push(text) });
    elsewhere.progress("verify 20 events");
    elsewhere.endProgress();
    expect(written).toHaveLength(2);
  });

  it("exits 2 with the usage for an unknown command or none", async () => {
    const unknown = await runEdd(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect((await runEdd([])).code).toBe(2);
  });

  it("migrates an embedded store and reports it as JSON", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "edd-cli-"));
    const first = await runEdd(["--json", "migrate"], { EDD_DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const versions = migrations.map((migration) => migration.version);
    expect(JSON.parse(first.stdout)).toMatchObject({ schema: "edd", applied: versions, current: Math.max(...versions) });
    const again = await runEdd(["migrate", "--json"], { EDD_DATA_DIR: dataDir });
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], current: Math.max(...versions) });
  });

  it("serves the configured services until SIGTERM, with projections feeding views", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "edd-cli-"));
    const child = spawn(process.execPath, [...eddFromSources, "--json", "serve", "--port", "0"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: "", EDD_DATA_DIR: dataDir },
    });
    try {
      const [line] = await createInterface({ input: child.stdout })
        [Symbol.asyncIterator]()
        .next()
        .then((r) => [r.value as string]);
      const { url } = JSON.parse(line as string) as { url: string };
      const send = async (path: string, body: unknown) =>
        (await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) })).json();
      const opened = await send(
        "/command",
        commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
      );
      expect(opened).toMatchObject({ result: { commands: [{ version: 1 }] } });
      // The projection runs in the background: poll the view until it shows the account (bounded).
      let total = 0;
      for (let i = 0; i < 100 && total === 0; i++) {
        total = ((await send("/query", { query: { query: "SearchAccounts", attributes: {} } })) as { result: { total: number } }).result
          .total;
        if (total === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(total).toBe(1);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
