import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { describeDynamo } from "./support/dynamodb.js";
import { runEdd } from "./support/edd-cli.js";

const root = new URL("../", import.meta.url).pathname;

interface Bank {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/** `npm start` as it runs: the bank example, stores from the environment; waits for its "listening" log line. */
function startBank(env: Record<string, string>): Promise<Bank> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "examples/bank/main.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`bank example did not start:\n${buffered}`)), 60_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"message":"bank example listening","url":"([^"]+)","store":"([^"]+)"/.exec(buffered);
      if (match !== null) {
        clearTimeout(timer);
        expect(match[2]).toMatch(/^dynamodb http:\/\/127\.0\.0\.1:\d+ table edd-bank-/);
        resolve({ url: match[1] as string, child, exited });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bank example exited with ${code}:\n${buffered}`));
    });
  });
}

async function post(bank: Bank, path: string, body: unknown) {
  const response = await fetch(`${bank.url}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { result?: unknown } };
}

/** Polls the view-backed query until the projection has caught up (bounded). */
async function ownerOf(bank: Bank, owner: string): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await post(bank, "/query", { query: { query: "FindAccountByOwner", attributes: { owner } } });
    if (body.result !== null && body.result !== undefined) return body.result;
    if (Date.now() > deadline) throw new Error(`no account of ${owner} in the view: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeDynamo("the bank and the edd CLI on DynamoDB Local, from the environment", (endpoint) => {
  const folder = mkdtempSync(join(tmpdir(), "edd-dynamodb-cli-"));
  // A table nobody created: the bank creates it on start.
  const env = { DYNAMODB_ENDPOINT: endpoint, EDD_DYNAMODB_TABLE: `edd-bank-${randomBytes(4).toString("hex")}` };
  let bank: Bank | undefined;
  afterAll(() => {
    bank?.child.kill("SIGKILL");
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves the bank (table created if absent), keeps it across a restart, and edd migrate/verify/export/import/dlq work on it", async () => {
    bank = await startBank(env);
    const send = (commands: unknown[]) =>
      post(bank as Bank, "/command", { requestId: randomUUID(), interactionId: randomUUID(), commands });
    expect(
      await send([
        { command: "OpenAccount", aggregateId: "acc-ana", attributes: { owner: "ana@example.com" } },
        { command: "Deposit", aggregateId: "acc-ana", attributes: { amount: 1000 } },
      ]),
    ).toMatchObject({ status: 200 });
    expect(await send([{ command: "OpenAccount", aggregateId: "acc-bo", attributes: { owner: "bo@example.com" } }])).toMatchObject({
      status: 200,
    });
    expect(
      await send([{ command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "acc-ana", to: "acc-bo", amount: 250 } }]),
    ).toMatchObject({
      status: 200,
    });
    expect(await ownerOf(bank, "ana@example.com")).toMatchObject({ id: "acc-ana" });
    bank.child.kill("SIGTERM");
    expect(await bank.exited).toBe(0);

    // Restarted: the events are in DynamoDB, the in-memory view is projected again from the feed.
    bank = await startBank(env);
    expect(await ownerOf(bank, "bo@example.com")).toMatchObject({ id: "acc-bo" });
    const deadline = Date.now() + 20_000;
    let transfer: unknown;
    do {
      transfer = (await post(bank, "/query", { query: { query: "GetTransfer", attributes: { id: "t-1" } } })).body.result;
    } while ((transfer as { status?: string } | null)?.status !== "completed" && Date.now() < deadline);
    expect(transfer).toMatchObject({ status: "completed" });
    expect((await post(bank, "/query", { query: { query: "GetAccount", attributes: { id: "acc-ana" } } })).body.result).toMatchObject({
      balance: 750,
    });
    bank.child.kill("SIGTERM");
    expect(await bank.exited).toBe(0);
    bank = undefined;

    const migrated = await runEdd(["--json", "migrate"], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toEqual({ target: `dynamodb ${endpoint} table ${env.EDD_DYNAMODB_TABLE}`, created: false });
    const verified = await runEdd(["verify", "--realm", "default"], env);
    expect(verified.code, `${verified.stdout}${verified.stderr}`).toBe(0);
    const original = join(folder, "original.jsonl");
    expect((await runEdd(["export", "--realm", "default", "--out", original], env)).code).toBe(0);
    expect(readFileSync(original, "utf8")).toMatch(/"kind":"end","events":8,"identities":2/);

    // Into another namespace of the same table, then out again: the same bytes.
    const copy = { ...env, EDD_DYNAMODB_NAMESPACE: "copy" };
    const imported = await runEdd(["import", "--realm", "default", original], copy);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await runEdd(["verify", "--realm", "default"], copy)).code).toBe(0);
    const again = join(folder, "again.jsonl");
    expect((await runEdd(["export", "--realm", "default", "--out", again], copy)).code).toBe(0);
    expect(readFileSync(again, "utf8")).toBe(readFileSync(original, "utf8"));
    expect(await runEdd(["dlq", "list"], env)).toMatchObject({ code: 0, stdout: "no dead letters\n" });
  }, 180_000);
});
