import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("./bank-server.ts", import.meta.url));

/** One JSON line the server announced on stdout. */
export type Announcement = { readonly event: string } & Record<string, unknown>;

export interface BankProcess {
  readonly url: string;
  /** Resolves with the first announcement (past or future) that matches, or fails after `timeoutMs`. */
  announced(match: (line: Announcement) => boolean, timeoutMs?: number): Promise<Announcement>;
  /** SIGKILL: no cleanup, no flush, leases and unacknowledged messages stay as they are. */
  kill(): Promise<void>;
  /** SIGTERM: the server drains and exits; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts test/e2e/bank-server.ts with `env` and waits until it listens. */
export async function startBankProcess(env: Record<string, string>, startTimeoutMs = 30_000): Promise<BankProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: repoRoot,
    env: { ...process.env, ...env, EDD_E2E_EXIT_WITH_PARENT: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const lines: Announcement[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    lines.push(JSON.parse(text) as Announcement);
    for (const wake of [...waiters]) wake();
  });

  const announced = (match: (line: Announcement) => boolean, timeoutMs = 20_000) =>
    new Promise<Announcement>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found === undefined) return;
        finish();
        resolve(found);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching announcement within ${timeoutMs} ms; got ${JSON.stringify(lines)}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
      exited.then(() => {
        if (!waiters.has(check)) return;
        finish();
        reject(new Error(`bank server exited; announced ${JSON.stringify(lines)}\nstderr:\n${stderr}`));
      });
    });

  const listening = await announced((line) => line.event === "listening", startTimeoutMs);
  return {
    url: String(listening.url),
    announced,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
