import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlClient } from "../adapters/sql/client.js";
import { eventHash } from "../adapters/sql/hash.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import type { StoredEvent } from "../core/model/events.js";
import { bankServices } from "../examples/bank/services.js";
import type { Backend } from "../core/ports/backend.js";
import { anchorCommand } from "../runtimes/cli/anchor.js";
import { exportCommand } from "../runtimes/cli/export.js";
import { importCommand } from "../runtimes/cli/import.js";
import { verifyCommand } from "../runtimes/cli/verify.js";
import { anchorKeyPair, bankScenario, pgliteSchemaBackend, pgliteBackend, realm, runCli } from "./support/data-cli.js";

const folder = mkdtempSync(join(tmpdir(), "edd-import-"));
const clients: SqlClient[] = [];
let exported: string;
let database: SqlClient;
const keys = anchorKeyPair(folder, "operator");
const sourceAnchor = join(folder, "source-anchor.jsonl");
const emptyTarget = () => pgliteSchemaBackend(database);

beforeAll(async () => {
  const source = await pgliteBackend(clients);
  database = clients[0] as SqlClient;
  await bankScenario(source);
  const result = await runCli(exportCommand, source, ["--realm", realm, "--out", join(folder, "bank.jsonl")]);
  expect(result.code, result.err).toBe(0);
  exported = readFileSync(join(folder, "bank.jsonl"), "utf8");
  const anchored = await runCli(anchorCommand, source, ["--realm", realm, "--out", sourceAnchor, "--key", keys.privateKey]);
  expect(anchored.code, anchored.err).toBe(0);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  rmSync(folder, { recursive: true, force: true });
});

type Line = Record<string, unknown>;
const parse = (text: string): Line[] =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Line);

/**
 * What a forger with the file would do: edit lines, then recompute every hash chain and the end
 * line's counts, so the file is consistent in itself.
 */
function forge(lines: readonly Line[]): string {
  const previous = new Map<string, string>();
  const rehashed = lines.map((line) => {
    if (line.kind !== "event") return line;
    const { kind: _kind, hash: _hash, ...fields } = line;
    const key = `${String(line.service)}/${String(line.aggregateId)}`;
    const hash = eventHash(previous.get(key) ?? null, { realm, ...(fields as Omit<StoredEvent, "realm">) });
    previous.set(key, hash);
    return { ...line, hash };
  });
  const body = rehashed.filter((line) => line.kind !== "end");
  const end = {
    kind: "end",
    events: body.filter((l) => l.kind === "event").length,
    identities: body.filter((l) => l.kind === "identity").length,
  };
  return `${[...body, end].map((line) => JSON.stringify(line)).join("\n")}\n`;
}

/** Imports `text` into `tools`; returns the exit code, stderr and what the realm's feed holds afterwards. */
async function importText(tools: Backend, name: string, text: string, options: readonly string[] = []) {
  const path = join(folder, `${name}.jsonl`);
  writeFileSync(path, text);
  const result = await runCli(importCommand, tools, ["--realm", realm, ...options, path]);
  const feed = (await tools.store.readFeed(realm, undefined, 10_000)).events;
  return { ...result, feed };
}

/** One account with `count` events: opened, then deposits of 1, hash-chained like a real export. */
function longHistory(count: number, time = (sequence: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, sequence)).toISOString()) {
  const meta = { breadcrumbs: [0], command: "Deposit", interactionId: "i", invocationId: "v", requestId: "q", user: "anonymous" };
  const lines: Line[] = [{ kind: "header", format: "edd.realm-export", version: 1, realm }];
  for (let sequence = 1; sequence <= count; sequence++) {
    const [type, data] = sequence === 1 ? ["AccountOpened", { owner: "long@example.com" }] : ["Deposited", { amount: 1 }];
    lines.push({ kind: "event", service: "accounts", aggregateId: "long", sequence, type, time: time(sequence), data, meta, hash: "" });
  }
  return forge(lines);
}

describe("edd import, all or nothing (finding 6)", () => {
  it("finding 6: an identity clash after the events writes nothing", async () => {
    const tools = await emptyTarget();
    // The target already gave bo@example.org to another account.
    const engine = createEngine({ services: bankServices, store: tools.store });
    const opened = await engine.command(
      {
        requestId: randomUUID(),
        interactionId: randomUUID(),
        commands: [{ service: "accounts", command: "OpenAccount", aggregateId: "z", attributes: { owner: "bo@example.org" } }],
      },
      anonymousPrincipal,
    );
    expect(opened.status).toBe(200);
    const before = (await tools.store.readFeed(realm, undefined, 100)).events;

    const result = await importText(tools, "clash", exported);
    expect(result.feed).toEqual(before);
    expect(result.code).toBe(1);
    const identityLine = exported.split("\n").findIndex((line) => line.includes('"name":"bo@example.org"')) + 1;
    expect(result.err).toContain(`line ${identityLine} at name: accounts "bo@example.org" is already claimed in realm default`);
    expect(await tools.store.loadSnapshot({ realm, service: "accounts", aggregateId: "a" })).toBeUndefined();
    expect(await tools.store.findIdentity(realm, "accounts", "ana@example.com")).toBeUndefined();
  });

  it("finding 6: an invalid time after 500 events writes nothing", async () => {
    const tools = await emptyTarget();
    const text = longHistory(600, (sequence) =>
      sequence === 550 ? "2026-02-30T00:00:00.000Z" : new Date(Date.UTC(2026, 0, 1, 0, 0, 0, sequence)).toISOString(),
    );
    const result = await importText(tools, "late-bad-time", text);
    expect(result.feed).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/line 551 at time: not an ISO-8601 UTC time with milliseconds/);
  });

  it("finding 6: event data its schema forbids is refused with its line and path, even with recomputed hashes", async () => {
    const tools = await emptyTarget();
    const lines = parse(exported);
    const index = lines.findIndex((l) => l.type === "Deposited");
    lines[index] = { ...lines[index], data: { amount: "lots" } };
    const result = await importText(tools, "lots", forge(lines));
    expect(result.feed).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`line ${index + 1} at data.amount: Deposited:`);
  });

  it("finding 6: an identity for an aggregate that is not in the file is refused", async () => {
    const tools = await emptyTarget();
    const lines = parse(exported);
    // After the last identity line: the record lines (answers, request log, …) follow the identities.
    const at = lines.map((line) => line.kind).lastIndexOf("identity") + 1;
    lines.splice(at, 0, { kind: "identity", service: "accounts", name: "mallory@example.com", aggregateId: "victim" });
    const result = await importText(tools, "foreign-identity", forge(lines));
    expect(result.feed).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`line ${at + 1} at aggregateId: accounts/victim has no events in the file`);
    expect(await tools.store.findIdentity(realm, "accounts", "mallory@example.com")).toBeUndefined();
  });

  it("finding 6: a short timestamp is refused, so nothing imported can fail verify later", async () => {
    const tools = await emptyTarget();
    const lines = parse(exported);
    lines[1] = { ...lines[1], time: "2026-01-02" };
    const result = await importText(tools, "short-time", forge(lines));
    expect(result.feed).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("line 2 at time: not an ISO-8601 UTC time with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)");
  });

  it("finding 6: invented history with recomputed hashes is refused against the source's anchor", async () => {
    const tools = await emptyTarget();
    const withAnchor = ["--anchor", sourceAnchor, "--public-key", keys.publicKey];
    const lines = parse(exported);
    const deposit = lines.findIndex((l) => l.type === "Deposited" && l.aggregateId === "a");
    lines[deposit] = { ...lines[deposit], data: { amount: 5_000_000 } };
    const invented = await importText(tools, "invented", forge(lines), withAnchor);
    expect(invented.feed).toEqual([]);
    expect(invented.code).toBe(1);
    expect(invented.err).toMatch(/line \d+ at hash: accounts\/a: history up to sequence \d+ differs from what the anchor signed/);

    const withoutB = parse(exported).filter((l) => l.aggregateId !== "b" && l.to !== "b");
    const dropped = await importText(tools, "dropped", forge(withoutB), withAnchor);
    expect(dropped.code).toBe(1);
    expect(dropped.err).toContain("accounts/b: the anchor signed 3 events, the file has none: deleted since the anchor");

    const honest = await importText(tools, "honest", exported, withAnchor);
    expect(honest.code, honest.err).toBe(0);
  });

  it("refuses an unknown event type, text no store can hold, and unknown fields, listing every problem", async () => {
    const tools = await emptyTarget();
    const lines = parse(exported);
    lines[1] = { ...lines[1], type: "MoneyPrinted" };
    lines[2] = { ...lines[2], data: { owner: "nul\u0000@example.com" } };
    lines[3] = { ...lines[3], note: "not part of an event" };
    const result = await importText(tools, "several", forge(lines));
    expect(result.feed).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("line 2 at type: accounts has no event type MoneyPrinted");
    expect(result.err).toContain("line 3 at data.owner: contains U+0000 (NUL), which stores cannot hold");
    expect(result.err).toMatch(/line 4: Unrecognized key: "note"/);
  });

  it("imports the untouched file, which verify then passes", async () => {
    const tools = await emptyTarget();
    const result = await importText(tools, "clean", exported);
    expect(result.code, result.err).toBe(0);
    expect(result.feed).toHaveLength(9);
    expect((await runCli(verifyCommand, tools, ["--realm", realm])).code).toBe(0);
  });

  it("a 600-event history goes in as one write", async () => {
    const tools = await emptyTarget();
    const result = await importText(tools, "long", longHistory(600));
    expect(result.code, result.err).toBe(0);
    expect(result.feed).toHaveLength(600);
    expect(await tools.store.loadSnapshot({ realm, service: "accounts", aggregateId: "long" })).toEqual({
      state: { status: "open", owner: "long@example.com", balance: 599 },
      version: 600,
    });
  });
});
