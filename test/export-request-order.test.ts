import { describe, expect, it } from "vitest";
import type { SqlClient } from "../adapters/sql/client.js";
import { cursorRows } from "../adapters/sql/cursor.js";
import { migrate } from "../adapters/sql/migrations.js";
import { sqlRecords } from "../adapters/sql/records.js";
import { tablesIn } from "../adapters/sql/schema.js";
import { compareCodePoints } from "../core/model/canonical-json.js";
import { recordLines } from "../core/pipeline/operations/realm-records.js";
import { sqlImporter } from "../adapters/sql/importer.js";
import { exportRealm } from "../core/pipeline/operations/export.js";
import { identityFileOrder, requestFileOrder } from "../core/ports/importer.js";
import type { IdentityClaim } from "../core/ports/store.js";
import type { RealmRecordReader, RequestRecord } from "../core/ports/importer.js";
import { keysOrderedByCodePointOnly } from "./support/code-point-keys.js";
import { describeOnSqlEngines } from "./support/sql-engines.js";

/**
 * An export streams the request log, the stored responses and the identities when the store lists
 * them in file order (requests by receivedAt to the millisecond, then invocationId; responses by key;
 * identities by service, then name; all by code point), and refuses to go on when a store breaks that word.
 */

/** Rows whose log order (ids) disagrees with file order in every way the reader must handle. */
async function listsInFileOrder(db: SqlClient, schema: string): Promise<void> {
  await migrate(db, schema);
  const t = tablesIn(schema);
  // 2,500 rows (more than two pages) over 1,250 milliseconds, inserted newest first; inside each
  // millisecond the microseconds run against the invocation ids, and one millisecond of five rows
  // straddles the first page's end.
  await db.query(
    `INSERT INTO ${t.requestLog} (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at)
     SELECT 'r1', 'q' || i, 'i' || i, 'v' || lpad(i::text, 5, '0'), '[0]', 'command', '{}',
       timestamptz '2026-03-01 00:00:00Z' + ((2500 - i) / 2) * interval '1 millisecond' + (i % 2) * interval '300 microseconds'
     FROM generate_series(1, 2500) AS i`,
  );
  await db.query(
    `INSERT INTO ${t.requestLog} (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at)
     SELECT 'r1', 'edge' || i, 'e' || i, 'w' || (10 - i), '[0]', 'command', '{}',
       timestamptz '2026-03-01 00:00:00.499Z' + i * interval '100 microseconds'
     FROM generate_series(1, 5) AS i`,
  );
  // Another realm's rows never show.
  await db.query(
    `INSERT INTO ${t.requestLog} (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at)
     VALUES ('r2', 'other', 'other', 'other', '[0]', 'command', '{}', timestamptz '2026-03-01 00:00:00.100Z')`,
  );
  const reader = sqlRecords(db, t).reader;
  expect(reader.requestsInFileOrder).toBe(true);
  const listed: RequestRecord[] = [];
  for await (const request of reader.listRequests("r1")) listed.push(request);
  expect(listed).toHaveLength(2505);
  expect(new Set(listed.map((r) => r.requestId)).size).toBe(2505);
  expect(listed.map((r) => r.invocationId)).toEqual([...listed].sort(requestFileOrder).map((r) => r.invocationId));
  // The straddling millisecond comes out whole and by invocation id.
  const edge = listed.filter((r) => r.requestId.startsWith("edge")).map((r) => r.invocationId);
  expect(edge).toEqual(["w5", "w6", "w7", "w8", "w9"]);
}

/** A loop that leaves early gives the connection back; a failing query fails the loop. */
async function cursorEndsItsTransaction(db: SqlClient): Promise<void> {
  const series = "SELECT i FROM generate_series(1, $1::int) AS i ORDER BY i";
  const seen: number[] = [];
  for await (const row of cursorRows<{ i: number }>(db, series, [2500], 1000)) {
    seen.push(Number(row.i));
    if (seen.length === 1500) break;
  }
  expect(seen).toEqual(Array.from({ length: 1500 }, (_, k) => k + 1));
  // One connection: this would wait forever behind a transaction left open.
  expect(await db.query<{ ok: number }>("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  const all: number[] = [];
  for await (const row of cursorRows<{ i: number }>(db, series, [2000], 1000)) all.push(Number(row.i));
  expect(all).toHaveLength(2000);
  // Another query's rows come with their own columns (the drivers keep a statement's columns by its text).
  const shaped: { s: string; t: unknown }[] = [];
  for await (const row of cursorRows<{ s: string; t: unknown }>(db, "SELECT 'x' AS s, now() AS t", [], 1000)) shaped.push(row);
  expect(shaped).toHaveLength(1);
  expect(shaped[0]?.s).toBe("x");
  expect(shaped[0]?.t).toBeInstanceOf(Date);
  const failing = async () => {
    for await (const _ of cursorRows(db, "SELECT 1 / (i - 3) FROM generate_series(1, 5) AS i", [], 1));
  };
  await expect(failing()).rejects.toThrow(/division by zero/);
  expect(await db.query<{ ok: number }>("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
}

/** Stored responses come by idempotency key in code-point order, which a language's collation would not give. */
async function listsResponsesInFileOrder(db: SqlClient, schema: string): Promise<void> {
  await migrate(db, schema);
  const t = tablesIn(schema);
  const odd = keysOrderedByCodePointOnly;
  await db.query(
    `INSERT INTO ${t.responses} (realm, idempotency_key, status, body)
     SELECT 'r1', k, 200, '{}' FROM (SELECT unnest($1::text[]) AS k UNION ALL SELECT 'key-' || i FROM generate_series(1, 2100) AS i) AS keys`,
    [odd],
  );
  const reader = sqlRecords(db, t).reader;
  expect(reader.responsesInFileOrder).toBe(true);
  const listed: string[] = [];
  for await (const response of reader.listResponses("r1")) listed.push(response.idempotencyKey);
  expect(listed).toHaveLength(2100 + odd.length);
  expect(listed).toEqual([...listed].sort(compareCodePoints));
}

/** Identities come by service, then name, in code-point order, and only the realm's own. */
async function listsIdentitiesInFileOrder(db: SqlClient, schema: string): Promise<void> {
  await migrate(db, schema);
  const t = tablesIn(schema);
  const odd = keysOrderedByCodePointOnly;
  // "a!" sorts after "a" by code point; a pair's JSON text or a language's collation would not say so.
  await db.query(
    `INSERT INTO ${t.identities} (realm, service, name, aggregate_id)
     SELECT 'r1', s, n, s || '/' || n FROM unnest($1::text[]) AS s, unnest($2::text[]) AS n
     UNION ALL SELECT 'r1', 'accounts', 'iban-' || i, 'acc-' || i FROM generate_series(1, 2100) AS i
     UNION ALL SELECT 'r2', 'a', 'other', 'other'`,
    [["a!", "a", "Accounts"], odd],
  );
  const importer = sqlImporter(db, { schema });
  expect(importer.identitiesInFileOrder).toBe(true);
  const listed: IdentityClaim[] = [];
  for await (const identity of importer.listIdentities("r1")) listed.push(identity);
  expect(listed).toHaveLength(3 * odd.length + 2100);
  expect(listed).toEqual([...listed].sort(identityFileOrder));
  expect(listed.slice(0, 2).map((i) => `${i.service}/${i.name}`)).toEqual(["Accounts/-x", "Accounts/10"]);
  expect(listed.every((i) => i.aggregateId !== "other")).toBe(true);
}

describeOnSqlEngines(
  "the SQL records listed for an export",
  { listsInFileOrder, listsResponsesInFileOrder, listsIdentitiesInFileOrder },
  { poolSize: 2, siblings: [] },
);
describeOnSqlEngines("a cursor's rows", { cursorEndsItsTransaction }, { poolSize: 1, siblings: [] });

const request = (invocationId: string, receivedAt: string): RequestRecord => ({
  requestId: invocationId,
  interactionId: invocationId,
  invocationId,
  breadcrumbs: [0],
  kind: "command",
  body: {},
  receivedAt,
});

/** A reader with no other records whose request log is `requests`, listed as given. */
function readerOf(requests: readonly RequestRecord[], inFileOrder: boolean, listed: { count: number }): RealmRecordReader {
  const none = async function* () {};
  return {
    listResponses: none,
    listDeadLetters: none,
    listOutbox: none,
    async *listRequests() {
      for (const r of requests) {
        listed.count++;
        yield r;
      }
    },
    requestsInFileOrder: inFileOrder,
  };
}

describe("an export's request lines", () => {
  const inOrder = [
    request("a", "2026-03-01T00:00:00.000Z"),
    request("b", "2026-03-01T00:00:00.000Z"),
    request("a", "2026-03-01T00:00:00.001Z"),
  ];

  it("stream from a store that lists them in file order: the first line leaves before the store has listed the rest", async () => {
    const listed = { count: 0 };
    const counts = { responses: 0, requests: 0, deadLetters: 0, outbox: 0 };
    const lines = recordLines(readerOf(inOrder, true, listed), "r1", counts);
    const first = await lines.next();
    expect(JSON.parse(first.value as string)).toMatchObject({ kind: "request", invocationId: "a" });
    expect(listed.count).toBe(1);
    const rest: string[] = [];
    for await (const line of lines) rest.push(line);
    expect(rest).toHaveLength(2);
    expect(counts.requests).toBe(3);
  });

  it("are sorted as before for a store that does not say so", async () => {
    const listed = { count: 0 };
    const counts = { responses: 0, requests: 0, deadLetters: 0, outbox: 0 };
    const lines: string[] = [];
    for await (const line of recordLines(readerOf([...inOrder].reverse(), false, listed), "r1", counts)) lines.push(line);
    expect(lines.map((line) => (JSON.parse(line) as { receivedAt: string; invocationId: string }).invocationId)).toEqual(["a", "b", "a"]);
  });

  it("stop the export when a store that said file order lists one out of it", async () => {
    const counts = { responses: 0, requests: 0, deadLetters: 0, outbox: 0 };
    const misordered = [inOrder[1], inOrder[0]] as RequestRecord[];
    const drain = async () => {
      for await (const _ of recordLines(readerOf(misordered, true, { count: 0 }), "r1", counts));
    };
    await expect(drain()).rejects.toThrow(/out of file order/);
  });
});

describe("an export's identity lines", () => {
  const claim = (service: string, name: string): IdentityClaim => ({ service, name, aggregateId: `${service}/${name}` });
  const inOrder = [claim("a", "x"), claim("a", "y"), claim("a!", "a")];
  const noEvents = { readFeed: async () => ({ events: [], checkpoint: "" }) };
  const identityReader = (claims: readonly IdentityClaim[], inFileOrder: boolean, listed: { count: number }) => ({
    async *listIdentities() {
      for (const c of claims) {
        listed.count++;
        yield c;
      }
    },
    identitiesInFileOrder: inFileOrder,
  });
  const identityLines = async (lines: AsyncIterable<string>) => {
    const names: string[] = [];
    let end: unknown;
    for await (const text of lines) {
      const parsed = JSON.parse(text) as { kind: string; service: string; name: string };
      if (parsed.kind === "identity") names.push(`${parsed.service}/${parsed.name}`);
      if (parsed.kind === "end") end = parsed;
    }
    return { names, end };
  };

  it("stream from a store that lists them in file order: the first leaves before the store has listed the rest", async () => {
    const listed = { count: 0 };
    const lines = exportRealm({ store: noEvents, identities: identityReader(inOrder, true, listed), realm: "r1" });
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ kind: "header" });
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ kind: "identity", service: "a", name: "x" });
    expect(listed.count).toBe(1);
    const { names, end } = await identityLines(lines);
    expect(names).toEqual(["a/y", "a!/a"]);
    expect(end).toMatchObject({ identities: 3 });
  });

  it("are sorted as before for a store that does not say so", async () => {
    const reversed = identityReader([...inOrder].reverse(), false, { count: 0 });
    const { names, end } = await identityLines(exportRealm({ store: noEvents, identities: reversed, realm: "r1" }));
    expect(names).toEqual(["a/x", "a/y", "a!/a"]);
    expect(end).toMatchObject({ identities: 3 });
  });

  it("stop the export when a store that said file order lists one out of it", async () => {
    const misordered = identityReader([inOrder[2], inOrder[0]] as IdentityClaim[], true, { count: 0 });
    await expect(identityLines(exportRealm({ store: noEvents, identities: misordered, realm: "r1" }))).rejects.toThrow(
      /identity out of file order/,
    );
  });
});
