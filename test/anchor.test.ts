import { spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { sha256 } from "../adapters/ed25519/index.js";
import { FileObjectStore } from "../adapters/filesystem/index.js";
import { S3ObjectStore } from "../adapters/s3/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { eventHash } from "../adapters/sql/hash.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import type { StoredEvent } from "../core/model/events.js";
import { evolveAll } from "../core/pipeline/dispatch/aggregate.js";
import { type AnchorLeaf, merkleRoot } from "../core/pipeline/operations/anchor.js";
import { ObjectExistsError } from "../core/ports/object-store.js";
import { bankServices } from "../examples/bank/services.js";
import { anchorCommand } from "../runtimes/cli/anchor.js";
import type { Backend } from "../core/ports/backend.js";
import { verifyCommand } from "../runtimes/cli/verify.js";
import { anchorKeyPair, bankScenario, pgliteSchemaBackend, pgliteBackend, realm, runCli } from "./support/data-cli.js";
import { startAwsEmulator } from "./support/fauxqs.js";

const folder = mkdtempSync(join(tmpdir(), "edd-anchor-"));
const path = (name: string) => join(folder, name);
const clients: SqlClient[] = [];
let database: SqlClient;

const keyPair = (name: string) => anchorKeyPair(folder, name);
const keys = keyPair("operator");

beforeAll(async () => {
  await pgliteBackend(clients);
  database = clients[0] as SqlClient;
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  rmSync(folder, { recursive: true, force: true });
});

/** What whoever can write the database does: lift the guard, change rows, put it back. */
async function asDatabaseWriter(tools: Tools, statements: readonly [string, unknown[]][]): Promise<void> {
  const { schema } = tools;
  await database.transaction(async (tx) => {
    await tx.query(`ALTER TABLE "${schema}".events DISABLE TRIGGER events_append_only`);
    for (const [text, params] of statements) await tx.query(text.replaceAll("$schema", `"${schema}"`), params);
    await tx.query(`ALTER TABLE "${schema}".events ENABLE TRIGGER events_append_only`);
  });
}
type Tools = Backend & { readonly schema: string };

async function bankRealm(): Promise<Tools> {
  const tools = await pgliteSchemaBackend(database);
  await bankScenario(tools);
  return tools;
}

/** Edits an aggregate's events, recomputes their chain and its snapshot: plain verify sees nothing. */
async function rewriteHistory(tools: Tools, service: string, aggregateId: string, edit: (events: StoredEvent[]) => StoredEvent[]) {
  const ref = { realm, service, aggregateId };
  const edited = edit([...(await tools.store.readAggregateEvents(ref))]);
  let previous: string | null = null;
  const statements: [string, unknown[]][] = [];
  for (const event of edited) {
    const hash: string = eventHash(previous, event);
    previous = hash;
    statements.push([
      // The hash column holds the 32 bytes (migration 8).
      "UPDATE $schema.events SET data = $1::json, hash = decode($2, 'hex') WHERE realm = $3 AND service = $4 AND aggregate_id = $5 AND sequence = $6",
      [JSON.stringify(event.data), hash, realm, service, aggregateId, event.sequence],
    ]);
  }
  const definition = bankServices.find((s) => s.name === service);
  const state = evolveAll(definition as (typeof bankServices)[number], definition?.initialState(), edited);
  statements.push([
    "UPDATE $schema.snapshots SET state = $1::jsonb, event_hash = $2 WHERE realm = $3 AND service = $4 AND aggregate_id = $5",
    [JSON.stringify(state), previous, realm, service, aggregateId],
  ]);
  await asDatabaseWriter(tools, statements);
}

async function anchor(tools: Backend, name: string, env: NodeJS.ProcessEnv = { EDD_ANCHOR_PRIVATE_KEY_FILE: keys.privateKey }) {
  const result = await runCli(anchorCommand, tools, ["--realm", realm, "--out", path(name)], env);
  expect(result.code, result.err).toBe(0);
  return path(name);
}

async function verify(tools: Backend, extra: readonly string[] = []) {
  const result = await runCli(verifyCommand, tools, ["--no-views", ...extra]);
  return result;
}

describe("edd anchor and edd verify --anchor (finding 7)", () => {
  let tools: Tools;
  let anchored: string;
  beforeEach(async () => {
    tools = await bankRealm();
    anchored = await anchor(tools, `${randomUUID()}.jsonl`);
  });

  it("finding 7: verify --anchor reports a chain recomputed after an edit, which plain verify calls consistent", async () => {
    await rewriteHistory(tools, "accounts", "a", (events) =>
      events.map((e) => (e.type === "Deposited" ? { ...e, data: { ...(e.data as object), amount: 5_000_000 } } : e)),
    );
    const plain = await verify(tools, ["--realm", realm]);
    expect(plain.code, plain.out).toBe(0);

    const result = await verify(tools, ["--anchor", anchored, "--public-key", keys.publicKey]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /^accounts\/a sequence \d+: rewritten since the anchor: events 1–\d+ hash to [0-9a-f]{64}, the anchor signed/m,
    );
    expect(result.out.split("\n").filter((line) => line.includes("since the anchor"))).toHaveLength(1);
  });

  it("finding 7: verify --anchor reports an aggregate deleted whole and a deleted tail, per aggregate", async () => {
    const transfer = await tools.store.readAggregateEvents({ realm, service: "transfers", aggregateId: "t1" });
    await asDatabaseWriter(tools, [
      ["DELETE FROM $schema.events WHERE realm = $1 AND service = 'accounts' AND aggregate_id = 'b'", [realm]],
      ["DELETE FROM $schema.snapshots WHERE realm = $1 AND service = 'accounts' AND aggregate_id = 'b'", [realm]],
      [
        "DELETE FROM $schema.events WHERE realm = $1 AND service = 'transfers' AND aggregate_id = 't1' AND sequence = $2",
        [realm, transfer.length],
      ],
      [
        "UPDATE $schema.snapshots SET version = $2 WHERE realm = $1 AND service = 'transfers' AND aggregate_id = 't1'",
        [realm, transfer.length - 1],
      ],
    ]);
    const result = await verify(tools, ["--anchor", anchored, "--public-key", keys.publicKey]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      "accounts/b sequence 1: deleted since the anchor: the whole aggregate is gone (the anchor signed 3 events)",
    );
    expect(result.out).toContain(
      `transfers/t1 sequence ${transfer.length}: deleted since the anchor: event ${transfer.length} gone (the anchor signed ${transfer.length} events)`,
    );
  });

  it("accepts what was appended since, and takes the realm and the key from the anchor and the environment", async () => {
    const engine = createEngine({ services: bankServices, store: tools.store });
    const deposit = { service: "accounts", command: "Deposit", aggregateId: "a", attributes: { amount: 1 } };
    const sent = await engine.command({ requestId: randomUUID(), interactionId: randomUUID(), commands: [deposit] }, anonymousPrincipal);
    expect(sent.status).toBe(200);
    const result = await runCli(verifyCommand, tools, ["--no-views", "--anchor", anchored], {
      EDD_ANCHOR_PUBLIC_KEY: readFileSync(keys.publicKey, "utf8"),
    });
    expect(result.code, result.out).toBe(0);
  });

  it("refuses an anchor file that was edited, re-rooted, or signed by another key", async () => {
    const lines = readFileSync(anchored, "utf8").trimEnd().split("\n");
    const header = JSON.parse(lines[0] as string) as Record<string, unknown>;
    const leaves = lines.slice(1).map((line) => JSON.parse(line) as AnchorLeaf & { kind: string });

    const fewer = leaves.map((leaf, i) => (i === 0 ? { ...leaf, events: leaf.events - 1 } : leaf));
    writeFileSync(path("edited.jsonl"), [lines[0], ...fewer.map((l) => JSON.stringify(l))].join("\n"));
    const edited = await verify(tools, ["--anchor", path("edited.jsonl"), "--public-key", keys.publicKey]);
    expect(edited.code).toBe(1);
    expect(edited.err).toContain("the header counts");

    const events = fewer.reduce((sum, leaf) => sum + leaf.events, 0);
    const rerooted = { ...header, events, merkleRoot: merkleRoot(fewer, sha256) };
    writeFileSync(path("rerooted.jsonl"), [JSON.stringify(rerooted), ...fewer.map((l) => JSON.stringify(l))].join("\n"));
    const forged = await verify(tools, ["--anchor", path("rerooted.jsonl"), "--public-key", keys.publicKey]);
    expect(forged.code).toBe(1);
    expect(forged.err).toContain("the signature does not verify");

    const stranger = keyPair("stranger");
    const wrongKey = await verify(tools, ["--anchor", anchored, "--public-key", stranger.publicKey]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/signed by key [0-9a-f]{64}, not by the public key given/);
  });

  it("refuses to sign a realm whose chain is already broken, and never overwrites an anchor file", async () => {
    await asDatabaseWriter(tools, [
      ["UPDATE $schema.events SET data = '{\"amount\":1}'::jsonb WHERE realm = $1 AND sequence = 2", [realm]],
    ]);
    const broken = await runCli(anchorCommand, tools, ["--realm", realm, "--out", path("broken.jsonl"), "--key", keys.privateKey]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/anchor refused: broken hash chains \(accounts\/a sequence 2/);

    const before = readFileSync(anchored, "utf8");
    const again = await runCli(anchorCommand, await bankRealm(), ["--realm", realm, "--out", anchored, "--key", keys.privateKey]);
    expect(again.code).toBe(1);
    expect(readFileSync(anchored, "utf8")).toBe(before);
  });
});

describe("the anchor's Merkle root", () => {
  const h = (...parts: (Uint8Array | string)[]) => {
    const hash = createHash("sha256");
    for (const part of parts) hash.update(part);
    return hash.digest();
  };
  const leaf = (id: string): AnchorLeaf => ({ service: "accounts", aggregateId: id, events: 1, lastHash: "0".repeat(64) });
  const leafHash = (l: AnchorLeaf) =>
    h(Buffer.of(0), `{"aggregateId":"${l.aggregateId}","events":${l.events},"lastHash":"${l.lastHash}","service":"${l.service}"}`);

  it("is RFC 6962's tree hash, as docs/data-format.md describes it", () => {
    expect(merkleRoot([], sha256)).toBe(h().toString("hex"));
    const [a, b, c] = [leaf("a"), leaf("b"), leaf("c")];
    expect(merkleRoot([a], sha256)).toBe(leafHash(a).toString("hex"));
    const ab = h(Buffer.of(1), leafHash(a), leafHash(b));
    expect(merkleRoot([a, b, c], sha256)).toBe(h(Buffer.of(1), ab, leafHash(c)).toString("hex"));
  });
});

describe("anchors written once to an object store", () => {
  let aws: Awaited<ReturnType<typeof startAwsEmulator>>;
  beforeAll(async () => {
    aws = await startAwsEmulator();
    const s3 = new S3Client(aws.s3Config);
    await s3.send(new CreateBucketCommand({ Bucket: "edd-anchors" }));
    s3.destroy();
  });
  afterAll(async () => {
    await aws.stop();
  });

  it("the filesystem store refuses a second write to the same key and keeps the first", async () => {
    const objects = new FileObjectStore(path("objects"));
    await objects.put("default/one.jsonl", "first", { ifAbsent: true });
    await expect(objects.put("default/one.jsonl", "second", { ifAbsent: true })).rejects.toBeInstanceOf(ObjectExistsError);
    expect(await objects.get({ store: "file", key: "default/one.jsonl" })).toBe("first");
  });

  it("S3 refuses a second write to the same key and keeps the first", async () => {
    const objects = new S3ObjectStore({ bucket: "edd-anchors", client: aws.s3Config });
    await objects.put("default/one.jsonl", "first", { ifAbsent: true });
    await expect(objects.put("default/one.jsonl", "second", { ifAbsent: true })).rejects.toBeInstanceOf(ObjectExistsError);
    expect(await objects.get({ store: "s3", bucket: "edd-anchors", key: "default/one.jsonl" })).toBe("first");
    objects.close();
  });

  it("edd anchor --object-store s3://… writes an anchor that verify --anchor then proves", async () => {
    const tools = await bankRealm();
    const env = {
      EDD_ANCHOR_PRIVATE_KEY: readFileSync(keys.privateKey, "utf8"),
      AWS_ENDPOINT_URL_S3: aws.s3Config.endpoint,
      AWS_REGION: aws.s3Config.region,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      EDD_S3_FORCE_PATH_STYLE: "1",
    };
    const written = await runCli(anchorCommand, tools, ["--realm", realm, "--object-store", "s3://edd-anchors/prod"], env);
    expect(written.code, written.err).toBe(0);
    const location = /→ s3:\/\/edd-anchors\/(prod\/default\/\S+\.jsonl)$/.exec(written.out)?.[1];
    expect(location).toBeDefined();
    const objects = new S3ObjectStore({ bucket: "edd-anchors", client: aws.s3Config });
    writeFileSync(path("from-s3.jsonl"), await objects.get({ store: "s3", bucket: "edd-anchors", key: location as string }));
    objects.close();
    const verified = await verify(tools, ["--anchor", path("from-s3.jsonl"), "--public-key", keys.publicKey]);
    expect(verified.code, verified.out).toBe(0);
  });
});

describe("the anchor as documented", () => {
  it("writes the lines docs/data-format.md shows, keys in the documented order", async () => {
    const doc = readFileSync(new URL("../docs/data-format.md", import.meta.url), "utf8");
    const example = [...doc.matchAll(/```jsonl\n([\s\S]*?)```/g)]
      .map((match) => match[1] as string)
      .find((block) => block.includes('"edd.realm-anchor"'));
    const documented = (example ?? "")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const tools = await bankRealm();
    const real = readFileSync(await anchor(tools, "documented.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(documented.map((line) => line.kind)).toEqual(["anchor", "aggregate"]);
    expect(Object.keys(documented[0] as object)).toEqual(Object.keys(real[0] as object));
    expect(Object.keys(documented[1] as object)).toEqual(Object.keys(real[1] as object));
  });

  it.skipIf(spawnSync("openssl", ["version"]).status !== 0)(
    "signs and verifies with keys made by the openssl commands in docs/verify.md",
    async () => {
      const doc = readFileSync(new URL("../docs/verify.md", import.meta.url), "utf8");
      const commands = /```sh\n(openssl genpkey[\s\S]*?)```/.exec(doc)?.[1] ?? "";
      const dir = mkdtempSync(join(folder, "openssl-"));
      expect(spawnSync("sh", ["-c", commands], { cwd: dir }).status).toBe(0);
      const tools = await bankRealm();
      const written = await runCli(anchorCommand, tools, [
        "--realm",
        realm,
        "--out",
        join(dir, "a.jsonl"),
        "--key",
        join(dir, "anchor-private.pem"),
      ]);
      expect(written.code, written.err).toBe(0);
      const verified = await verify(tools, ["--anchor", join(dir, "a.jsonl"), "--public-key", join(dir, "anchor-public.pem")]);
      expect(verified.code, verified.out).toBe(0);
    },
  );
});
