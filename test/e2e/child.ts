import { type Line, startJsonLinesProcess } from "./json-lines-process.js";

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
  const child = startJsonLinesProcess("./bank-server.ts", { ...env, EDD_E2E_EXIT_WITH_PARENT: "1" });
  const announced = async (match: (line: Announcement) => boolean, timeoutMs?: number) =>
    (await child.printed((line: Line) => match(line as Announcement), timeoutMs)) as Announcement;
  const listening = await announced((line) => line.event === "listening", startTimeoutMs);
  return {
    url: String(listening.url),
    announced,
    async kill() {
      await child.kill();
    },
    async stop() {
      return (await child.stop()).code;
    },
  };
}
