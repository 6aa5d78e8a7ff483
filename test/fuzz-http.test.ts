import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { PostgresViewStore, type ViewSqlClient } from "../adapters/sql/view-store.js";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { type Authenticator, createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { databaseUrl, dropSchemas, postgresUnreachable, testSchema } from "./store-postgres-support.js";

/**
 * Property: whatever arrives at the HTTP edge (envelopes, attributes, meta, queries, principals),
 * the answer is never a 5xx, and a 4xx changes nothing. Run against PostgreSQL's rules (PGlite,
 * and the server when there is one), where NUL, lone surrogates and deep nesting used to fail.
 */

const runs = Number(process.env.EDD_FUZZ_RUNS ?? 150);

// Characters that broke stores or parsers before, mixed into ordinary text.
const nastyCharacter = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff") },
  { weight: 2, arbitrary: fc.constantFrom("😀", "é", "€", "'", '"', "\\", "%", "_", "*", "?", ".", ":", "$", "{", "}") },
);
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: nastyCharacter, maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom("a", "acc-1", "ana@example.com", "__proto__", "constructor", "toString", "") },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 190, maxLength: 260 }) },
);
const email = fc.oneof({ weight: 4, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: text.map((t) => `${t}@example.com`) });
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 1, max: 2_000_000_000 }),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 2),
);

/** Any JSON value, with nasty strings in keys and values. */
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("json"), { maxLength: 4 }),
    fc.dictionary(text, tie("json"), { maxKeys: 4 }),
  ),
}));

/** A value wrapped in 1 to 300 levels of objects or arrays: around the depth limit and far past it. */
const deep = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.boolean(), json).map(([depth, arrays, leaf]) => {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { x: value };
  return value;
});
const anyValue = fc.oneof({ weight: 5, arbitrary: json }, { weight: 1, arbitrary: deep });

const commandNames = bankServices.flatMap((service) => Object.keys(service.commands));
const queryNames = bankServices.flatMap((service) => Object.keys(service.queries));
const name = (known: readonly string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: text });
const aggregateId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("acc-1", "acc-2", "acc-3", "t-1", "t-2") },
  { weight: 1, arbitrary: text },
);
const uuid = fc.oneof({ weight: 20, arbitrary: fc.uuid({ version: 4 }) }, { weight: 1, arbitrary: text });

/** Attributes that often pass a bank command's schema, so commands also succeed and get stored. */
const plausibleAttributes = fc.record(
  {
    owner: email,
    amount: number,
    from: fc.constantFrom("acc-1", "acc-2"),
    to: fc.constantFrom("acc-1", "acc-2"),
    transferId: fc.constantFrom("t-1"),
    reason: fc.oneof({ weight: 4, arbitrary: fc.constant("changed-mind") }, { weight: 1, arbitrary: text }),
    id: aggregateId,
  },
  { requiredKeys: [] },
);
const attributes = fc.oneof(
  { weight: 4, arbitrary: plausibleAttributes },
  { weight: 1, arbitrary: fc.dictionary(text, anyValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: anyValue },
);

/** Absent most of the time: each optional field that breaks the envelope would hide the rest of the request. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arbitrary });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const withoutUndefined = (record: Record<string, unknown>) => JSON.parse(JSON.stringify(record)) as Record<string, unknown>;

const commandEnvelope = fc
  .record({
    requestId: uuid,
    interactionId: uuid,
    breadcrumbs: rarely(fc.oneof(fc.array(fc.nat(3), { maxLength: 4 }), anyValue)),
    meta: rarely(fc.oneof(fc.dictionary(text, anyValue, { maxKeys: 3 }), anyValue)),
    commands: fc.array(
      fc.record({
        service: rarely(fc.oneof(fc.constantFrom("accounts", "transfers"), text)),
        command: name(commandNames),
        aggregateId,
        attributes: optional(attributes),
        expectedVersion: rarely(fc.oneof(fc.nat(3), number)),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    extra: rarely(anyValue),
  })
  .map(withoutUndefined);

const queryEnvelope = fc
  .record({
    requestId: optional(uuid),
    breadcrumbs: rarely(fc.array(fc.nat(3), { maxLength: 3 })),
    realm: rarely(fc.oneof(fc.constantFrom("default", "other"), text)),
    meta: rarely(fc.dictionary(text, anyValue, { maxKeys: 3 })),
    query: fc.record({ query: name(queryNames), attributes: optional(attributes) }),
  })
  .map(withoutUndefined);

/** Who the authenticator says is asking: sometimes a principal whose realm or id (a JWT claim) is not storable. */
const principalHeader = rarely(fc.record({ id: text, realm: fc.oneof(fc.constant("default"), text) }));

type Sent = { readonly method: "POST" | "GET"; readonly path: string; readonly body?: string };
const request: fc.Arbitrary<{ sent: Sent; principal: { id: string; realm: string } | undefined }> = fc.record({
  sent: fc.oneof(
    { weight: 6, arbitrary: commandEnvelope.map((body): Sent => ({ method: "POST", path: "/command", body: JSON.stringify(body) })) },
    { weight: 2, arbitrary: queryEnvelope.map((body): Sent => ({ method: "POST", path: "/query", body: JSON.stringify(body) })) },
    {
      weight: 1,
      arbitrary: queryEnvelope.map((body): Sent => ({ method: "GET", path: `/query?request=${encodeURIComponent(JSON.stringify(body))}` })),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: nastyCharacter, maxLength: 40 }).map((body): Sent => ({ method: "POST", path: "/command", body })),
    },
  ),
  principal: principalHeader,
});

// The principal travels as a header the test's authenticator decodes: what a JWT's claims would say.
const fromHeader: Authenticator = async (input) => {
  const header = input.headers["x-test-principal"];
  if (header === undefined) return { ok: true, principal: { id: "anonymous", realm: "default", roles: [] } };
  const { id, realm } = JSON.parse(decodeURIComponent(header)) as { id: string; realm: string };
  return { ok: true, principal: { id, realm, roles: [] } };
};

const tables = ["events", "snapshots", "identities", "outbox", "dead_letters", "responses", "request_log"] as const;
type Counts = Record<(typeof tables)[number], number>;

async function counts(client: SqlClient, schema: string): Promise<Counts> {
  const selects = tables.map((table) => `(SELECT count(*)::int FROM "${schema}"."${table}") AS ${table}`).join(", ");
  const [row] = await client.query<Record<string, number>>(`SELECT ${selects}`);
  return Object.fromEntries(tables.map((table) => [table, Number(row?.[table])])) as Counts;
}

function describeFuzz(label: string, open: () => Promise<{ client: SqlClient; schema: string; done: () => Promise<void> }>) {
  describe(`HTTP edge fuzz on ${label}`, () => {
    let client: SqlClient;
    let schema: string;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ client, schema, done } = await open());
    });
    afterAll(() => done());

    it(
      `never answers 5xx, and a 4xx stores nothing (${label}, ${runs} requests)`,
      async () => {
        await migrateSql(client, [
          { schema, components: ["store"] },
          { schema: `${schema}_views`, components: ["views"] },
        ]);
        const store = new SqlStore({ ...client, close: async () => {} }, { schema });
        // The bank's search reads views: the same database, a schema of their own.
        const viewClient: ViewSqlClient = { query: async (sql, params) => ({ rows: await client.query(sql, params) }) };
        const views = new PostgresViewStore(viewClient, { schema: `${schema}_views` });
        const app = createHttpApp(createEngine({ services: bankServices, store, views, authenticator: fromHeader }));
        // Two accounts and a transfer, so plausible commands and queries find something.
        for (const body of seed()) {
          const response = await app.request("/command", { method: "POST", body: JSON.stringify(body) });
          expect(response.status).toBe(200);
        }
        await fc.assert(
          fc.asyncProperty(request, async ({ sent, principal }) => {
            const before = await counts(client, schema);
            const headers: Record<string, string> =
              principal === undefined ? {} : { "x-test-principal": encodeURIComponent(JSON.stringify(principal)) };
            const response = await app.request(sent.path, {
              method: sent.method,
              headers,
              ...(sent.body === undefined ? {} : { body: sent.body }),
            });
            const answer = (await response.json()) as { error?: { code: string } };
            expect(response.status, JSON.stringify(answer)).toBeLessThan(500);
            if (response.status < 400) return;
            const after = await counts(client, schema);
            const code = answer.error?.code ?? "";
            // A business rejection is stored as the answer (a resend gets it again); nothing else of a 4xx is.
            const responses = code !== "" && response.status === 422 ? before.responses + 1 : before.responses;
            expect({ ...after, request_log: 0 }).toEqual({ ...before, responses, request_log: 0 });
            // Refused at the edge (unstorable, malformed, not an envelope, forged fields): logged once, bounded, nothing else.
            if (["malformed-json", "invalid-envelope", "invalid-principal", "payload-too-large"].includes(code)) {
              expect(after.request_log).toBe(before.request_log + 1);
            }
          }),
          { numRuns: runs },
        );
      },
      60_000 + runs * 50,
    );
  });
}

function seed() {
  const ids = () => ({ requestId: crypto.randomUUID(), interactionId: crypto.randomUUID() });
  return [
    { ...ids(), commands: [{ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ana@example.com" } }] },
    { ...ids(), commands: [{ command: "Deposit", aggregateId: "acc-1", attributes: { amount: 100 } }] },
    { ...ids(), commands: [{ command: "OpenAccount", aggregateId: "acc-2", attributes: { owner: "bob@example.com" } }] },
  ];
}

describeFuzz("PGlite", async () => {
  const client = await createPgliteClient();
  return { client, schema: "fuzz", done: () => client.close() };
});

if (postgresUnreachable === undefined || process.env.EDD_REQUIRE_POSTGRES === "1") {
  describeFuzz("PostgreSQL", async () => {
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 4 });
    const schema = testSchema();
    return {
      client,
      schema,
      done: async () => {
        await client.close();
        await dropSchemas([schema, `${schema}_views`]);
      },
    };
  });
}
