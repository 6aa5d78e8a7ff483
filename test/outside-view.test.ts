import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpApiV2Event } from "./parity/fixtures/aws.js";
import { contains, docFiles, docRequests, readDoc } from "./support/doc-files.js";
import { freePort } from "./support/free-port.js";

/**
 * edd as a user meets it: the package is packed, installed from the tarball into a fresh folder
 * with only the peers docs/getting-started.md lists, and the files that page shows are
 * type-checked under @tsconfig/strictest, built, tested and run on plain node. Dependencies come
 * from npm's cache first (the repository's own install filled it), so this runs offline.
 */

const run = promisify(execFile);
const repoRoot = new URL("../", import.meta.url).pathname;
const guide = readDoc("docs/getting-started.md");
const files = docFiles(guide);
const requests = docRequests(guide);

let project: string;
let scratch: string;

async function sh(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return run(command, [...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "edd-outside-"));
  project = join(scratch, "my-accounts");
  mkdirSync(project);
  // The library as `npm pack` ships it: compiled by the build `prepack` runs (the bank bundles aside).
  await sh("npm", ["run", "build:lib"], repoRoot);
  const { stdout } = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], repoRoot);
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  const tarball = join(scratch, (packed as { filename: string }).filename);
  for (const file of files) {
    const target = join(project, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const content = file.path === "package.json" ? withTarball(file.content, tarball) : file.content;
    writeFileSync(target, content);
  }
  await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], project);
}, 180_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

/** The documented package.json, with edd from the tarball instead of the registry. */
function withTarball(packageJson: string, tarball: string): string {
  const manifest = JSON.parse(packageJson) as { dependencies: Record<string, string> };
  manifest.dependencies.edd = `file:${tarball}`;
  return JSON.stringify(manifest, null, 2);
}

describe("the package from outside (docs/getting-started.md)", () => {
  it("shows every file of the project and requests to try", () => {
    expect(files.map((file) => file.path)).toEqual([
      "package.json",
      "tsconfig.json",
      "src/accounts.ts",
      "src/server.ts",
      "src/lambda.ts",
      "src/accounts.test.ts",
    ]);
    expect(requests.length).toBeGreaterThanOrEqual(4);
  });

  it("installs compiled JavaScript and declarations only, without tsx", () => {
    const installed = join(project, "node_modules/edd");
    expect(existsSync(join(installed, "dist/core/index.js"))).toBe(true);
    expect(existsSync(join(installed, "dist/core/index.d.ts"))).toBe(true);
    expect(existsSync(join(installed, "core/index.ts"))).toBe(false);
    expect(existsSync(join(project, "node_modules/tsx"))).toBe(false);
    // Peers the project did not ask for stay out.
    expect(existsSync(join(project, "node_modules/@aws-sdk/client-sqs"))).toBe(false);
    expect(existsSync(join(project, "node_modules/@azure/service-bus"))).toBe(false);
  });

  it("type-checks under @tsconfig/strictest, builds and passes its test on plain node", async () => {
    await sh("npm", ["run", "build"], project);
    expect(readdirSync(join(project, "dist")).sort()).toEqual(["accounts.js", "accounts.test.js", "lambda.js", "server.js"].sort());
    const { stdout } = await sh("node", ["--test", "dist/accounts.test.js"], project);
    expect(stdout).toMatch(/# pass 2/);
    expect(stdout).toMatch(/# fail 0/);
  });

  it("serves the documented requests with the documented answers", async () => {
    const port = await freePort();
    const server = spawn("node", ["dist/server.js"], { cwd: project, env: { ...process.env, PORT: String(port), DATABASE_URL: "" } });
    try {
      await lineMatching(server, /"listening"/);
      for (const request of requests) {
        const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
          method: request.method,
          ...(request.body === undefined ? {} : { headers: { "content-type": "application/json" }, body: request.body }),
        });
        const body: unknown = await response.json();
        expect({ request: `${request.method} ${request.path}`, status: response.status }).toEqual({
          request: `${request.method} ${request.path}`,
          status: request.status,
        });
        if (request.answer !== undefined) expect(contains(body, request.answer), JSON.stringify(body)).toBe(true);
      }
    } finally {
      server.kill("SIGTERM");
    }
  });

  it("bundles the Lambda handler from the installed package and answers an HTTP API 2.0 event", async () => {
    await sh("npm", ["run", "bundle:lambda"], project);
    const [open] = requests.filter((request) => request.path === "/command");
    const event = httpApiV2Event({
      method: "POST",
      path: "/command",
      headers: { "content-type": "application/json" },
      body: (open as { body: string }).body,
    });
    writeFileSync(join(scratch, "event.json"), JSON.stringify(event));
    const invoke = `const { handler } = await import(${JSON.stringify(join(project, "lambda/index.mjs"))});
const event = JSON.parse((await import("node:fs")).readFileSync(${JSON.stringify(join(scratch, "event.json"))}, "utf8"));
process.stdout.write(JSON.stringify(await handler(event, {})));`;
    // From another folder, so only what the bundle holds is there to load.
    const { stdout } = await sh("node", ["--input-type=module", "-e", invoke], scratch, { DATABASE_URL: "" });
    const result = JSON.parse(stdout) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ result: { commands: [{ command: "OpenAccount" }, { command: "Deposit" }] } });
  });

  it("runs the edd CLI with npx, and `edd <command> --help` for a command", async () => {
    const help = await sh("npx", ["--no-install", "edd", "--help"], project);
    expect(help.stdout).toContain("usage: edd");
    const migrate = await sh("npx", ["--no-install", "edd", "migrate", "--help"], project);
    expect(migrate.stdout).toContain("usage: edd migrate");
  });

  it("names the package to install when an entry's peer is missing", async () => {
    const script = `await import("edd/sqs");`;
    const failure = await sh("node", ["--input-type=module", "-e", script], project).then(
      () => "no error",
      (error: { stderr: string }) => error.stderr,
    );
    expect(failure).toContain("edd/sqs needs the package @aws-sdk/client-sqs, which is not installed: npm install @aws-sdk/client-sqs");
  });

  it("keeps the root entry to the service author's API: at most 30 runtime names", async () => {
    const { stdout } = await sh(
      "node",
      ["--input-type=module", "-e", `process.stdout.write(JSON.stringify(Object.keys(await import("edd"))))`],
      project,
    );
    const names = JSON.parse(stdout) as string[];
    expect(names).toContain("defineService");
    expect(names.length).toBeLessThanOrEqual(30);
  });
});

/** Waits for a line of the child's stderr (where jsonLogger writes) to match. */
function lineMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      seen += `${line}\n`;
      if (pattern.test(line)) resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${seen}`)));
  });
}
