import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { eddFromSources } from "./support/edd-cli.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine, type Logger } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { serveNode, serveSettingsFromEnv } from "../runtimes/node/index.js";
import { hmacToken } from "./support/hmac-token.js";
import { commandRequest } from "./support/requests.js";

const root = new URL("../", import.meta.url).pathname;
const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const secret = "a-serve-test-secret-of-32-bytes!!";
const jwtEnv = { EDD_JWT_SECRET: secret, EDD_JWT_ISSUER: "https://idp.test", EDD_JWT_AUDIENCE: "bank" };
const token = () => hmacToken(secret);

describe("finding 13: serving without an authenticator fails closed", () => {
  it("finding 13: refuses a non-loopback HOST without an authenticator unless EDD_ANONYMOUS=1", () => {
    expect(() => serveSettingsFromEnv({ HOST: "0.0.0.0" })).toThrow(/without an authenticator.*EDD_ANONYMOUS=1/s);
    expect(() => serveSettingsFromEnv({ HOST: "192.0.2.10" })).toThrow(/Refusing to serve on 192.0.2.10/);
    expect(serveSettingsFromEnv({ HOST: "0.0.0.0", EDD_ANONYMOUS: "1" }).server).toMatchObject({ allowAnonymousOnNetwork: true });
    expect(serveSettingsFromEnv({ HOST: "0.0.0.0", ...jwtEnv }).authenticator).toBeTypeOf("function");
    expect(serveSettingsFromEnv({}).server.hostname).toBe("127.0.0.1");
    expect(() => serveSettingsFromEnv({ EDD_ANONYMOUS: "yes" })).toThrow(/EDD_ANONYMOUS/);
  });

  it("finding 13: takes JWT settings from the environment and refuses incomplete or weak ones", async () => {
    const settings = serveSettingsFromEnv({
      ...jwtEnv,
      EDD_JWT_ROLES_CLAIM: '["realm_access","roles"]',
      EDD_CORS_ORIGINS: "https://app.example.com",
    });
    const authenticate = settings.authenticator;
    expect(await authenticate?.({ headers: {} })).toMatchObject({ ok: false, code: "unauthenticated" });
    expect(await authenticate?.({ headers: { authorization: `Bearer ${await token()}` } })).toMatchObject({
      ok: true,
      principal: { id: "ana", realm: "default" },
    });
    expect(settings.server.cors).toEqual({ origins: ["https://app.example.com"] });
    expect(() => serveSettingsFromEnv({ EDD_JWT_SECRET: secret })).toThrow(/EDD_JWT_ISSUER and EDD_JWT_AUDIENCE/);
    expect(() => serveSettingsFromEnv({ ...jwtEnv, EDD_JWT_SECRET: "short" })).toThrow(/at least 32 bytes/);
    expect(() => serveSettingsFromEnv({ ...jwtEnv, EDD_JWT_ROLES_CLAIM: "[broken" })).toThrow(/EDD_JWT_ROLES_CLAIM/);
    expect(() => serveSettingsFromEnv({ EDD_CORS_ORIGINS: "*" })).toThrow(/exact origins/);
  });

  it("finding 13: serveNode refuses an anonymous engine on 0.0.0.0, and serves it there only when told, with a warning", async () => {
    const engine = () => createEngine({ services: bankServices, store: new MemoryStore() });
    await expect(serveNode(engine(), { port: 0, hostname: "0.0.0.0", relay: false })).rejects.toThrow(/without an authenticator/);
    const warnings: string[] = [];
    const logger: Logger = { info: () => {}, error: () => {}, warn: (message) => warnings.push(message) };
    const server = await serveNode(engine(), { port: 0, hostname: "0.0.0.0", relay: false, logger, allowAnonymousOnNetwork: true });
    await server.close();
    expect(warnings).toEqual([expect.stringMatching(/^ANONYMOUS API ON THE NETWORK/)]);
  });
});

interface Child {
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  line(match: RegExp): Promise<string>;
  stop(): Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Child {
  const dataDir = mkdtempSync(join(tmpdir(), "edd-serve-"));
  dataDirs.push(dataDir);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", HOST: "", PORT: "0", EDD_DATA_DIR: dataDir, ...env },
  });
  let stderr = "";
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream | null) =>
    createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (text) => {
      lines.push(text);
      for (const wake of [...waiters]) wake();
    });
  collect(child.stdout);
  collect(child.stderr);
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    stderr: () => stderr,
    exited,
    line: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((line) => match.test(line));
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
        exited.then(() => {
          check();
          reject(new Error(`exited without a line matching ${match}:\n${stderr}`));
        });
      }),
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

const npmStart = (env: Record<string, string>) => start(["--conditions=source", "--import", "tsx", "examples/bank/main.ts"], env);
const eddServe = (args: string[], env: Record<string, string>) => start([...eddFromSources, "--json", "serve", ...args], env);

// Each child opens PGlite and migrates it: seconds alone, much longer beside the whole suite on two cores.
describe("finding 13: npm start and edd serve", { timeout: 120_000 }, () => {
  it("finding 13: npm start refuses HOST=0.0.0.0 without an authenticator, saying why", async () => {
    const child = npmStart({ HOST: "0.0.0.0" });
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toMatch(/refusing to start.*without an authenticator/);
  });

  it("finding 13: npm start with EDD_ANONYMOUS=1 on 0.0.0.0 serves, and says so loudly", async () => {
    const child = npmStart({ HOST: "0.0.0.0", EDD_ANONYMOUS: "1" });
    try {
      expect(JSON.parse(await child.line(/ANONYMOUS API ON THE NETWORK/))).toMatchObject({ level: "warn", hostname: "0.0.0.0" });
      await child.line(/bank example listening/);
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });

  it("finding 13: edd serve --host 0.0.0.0 without an authenticator exits with the reason", async () => {
    const child = eddServe(["--host", "0.0.0.0"], {});
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(/refusing to start.*EDD_JWT_SECRET/);
  });

  it("finding 13: edd serve verifies JWTs configured in the environment", async () => {
    const child = eddServe([], jwtEnv);
    try {
      const { url } = JSON.parse(await child.line(/^\{"url"/)) as { url: string };
      const send = async (authorization?: string) =>
        (
          await fetch(`${url}/command`, {
            method: "POST",
            headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
            body: JSON.stringify(
              commandRequest({ command: "OpenAccount", aggregateId: "jwt-1", attributes: { owner: "jwt@example.com" } }),
            ),
          })
        ).status;
      expect(await send()).toBe(401);
      expect(await send("Bearer not-a-token")).toBe(401);
      expect(await send(`Bearer ${await token()}`)).toBe(200);
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });
});
