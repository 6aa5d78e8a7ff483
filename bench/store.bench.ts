import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandHandler, type Event } from "@event-driven-io/emmett";
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql";
import pg from "pg";
import { anonymousPrincipal, createEngine, type Engine, type StoredEvent } from "edd";
import { createPgliteStore } from "edd/pglite";
import { createPostgresStore, type SqlStore } from "edd/postgres";
import { accounts, bankServices } from "../examples/bank/services.js";
import { postgresCpuSeconds } from "./cpu.js";
import { RoundTrips, type StatementFigures, statementTable } from "./round-trips.js";
import type { BenchReport } from "./run.js";
import { type Target, target } from "./targets.js";
import { dropSchemas } from "./schemas.js";

/**
 * The deposit command, 16 clients, on local PostgreSQL: edd in process, a hand-written pg floor,
 * Emmett's CommandHandler, and edd over HTTP; then PGlite, and aggregate load times.
 * Each client deposits into its own accounts, so the figures measure throughput, not conflicts.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const clients = 16;
const accountsPerClient = 8;
const warmupMs = 1000;
/** Measured per round; floor, edd and Emmett alternate over two rounds so background load drifts hit them alike. */
const measureMs = 4000;
const rounds = 2;

interface Sample {
  readonly latencies: number[];
  /** CPU spent in this process and in PostgreSQL during the measured window. */
  readonly nodeCpuMs: number;
  readonly postgresCpuMs: number | undefined;
}

interface Figures {
  readonly commands: number;
  readonly commandsPerSecond: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly nodeCpuMsPerCommand: number;
  readonly postgresCpuMsPerCommand: number | null;
}

type Deposit = (client: number, account: string, amount: number) => Promise<void>;

interface Variant {
  readonly deposit: Deposit;
  close(): Promise<void>;
}

/** Statement round trips of the PostgreSQL variants' measured windows (set while run() runs). */
let roundTrips: RoundTrips | undefined;

/** Times a floor's statement (or transaction) when round trips are being measured. */
const timed = <T>(statement: string, task: () => Promise<T>): Promise<T> =>
  roundTrips === undefined ? task() : roundTrips.time(statement, task);

/** Runs `deposit` from 16 clients for warmup + measure; keeps commands that start and end in the window. */
async function measure(deposit: Deposit, variant: string): Promise<Sample> {
  const from = performance.now() + warmupMs;
  const until = from + measureMs;
  roundTrips?.open(variant, from, until);
  const latencies: number[] = [];
  // Taken by the first command of the window (PGlite can keep timers from firing: it never yields to them).
  let cpu: { node: NodeJS.CpuUsage; postgres: number | undefined } | undefined;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < until; i++) {
        const began = performance.now();
        if (cpu === undefined && began >= from) cpu = { node: process.cpuUsage(), postgres: postgresCpuSeconds() };
        await deposit(client, accountId(client, i % accountsPerClient), (i % 9) + 1);
        const ended = performance.now();
        if (began >= from && ended <= until) latencies.push(ended - began);
      }
    }),
  );
  roundTrips?.close();
  const node = cpu === undefined ? undefined : process.cpuUsage(cpu.node);
  const postgresNow = postgresCpuSeconds();
  return {
    latencies,
    nodeCpuMs: node === undefined ? 0 : (node.user + node.system) / 1000,
    postgresCpuMs: cpu?.postgres === undefined || postgresNow === undefined ? undefined : (postgresNow - cpu.postgres) * 1000,
  };
}

function summarise(samples: readonly Sample[]): Figures {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const commands = latencies.length;
  const postgres = samples.every((sample) => sample.postgresCpuMs !== undefined)
    ? round3(samples.reduce((sum, sample) => sum + (sample.postgresCpuMs ?? 0), 0) / commands)
    : null;
  return {
    commands,
    commandsPerSecond: Math.round(commands / ((samples.length * measureMs) / 1000)),
    meanMs: round(latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, commands)),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    nodeCpuMsPerCommand: round3(samples.reduce((sum, sample) => sum + sample.nodeCpuMs, 0) / commands),
    postgresCpuMsPerCommand: postgres,
  };
}

const accountId = (client: number, n: number) => `acc-${client}-${n}`;
const allAccounts = () => Array.from({ length: clients * accountsPerClient }, (_, i) => accountId(i % clients, Math.floor(i / clients)));
const round = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
const schemaName = (part: string) => `edd_bench_${part}_${randomBytes(4).toString("hex")}`;

function depositRequest(account: string, amount: number) {
  return {
    requestId: randomUUID(),
    interactionId: randomUUID(),
    commands: [{ command: "Deposit", aggregateId: account, attributes: { amount } }],
  };
}

async function openAccounts(engine: Engine): Promise<void> {
  for (const id of allAccounts()) {
    const result = await engine.command(
      {
        requestId: randomUUID(),
        interactionId: randomUUID(),
        commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }],
      },
      anonymousPrincipal,
    );
    if (result.status !== 200) throw new Error(`open ${id}: ${JSON.stringify(result.body)}`);
  }
}

const expectOk = (status: number, body: unknown) => {
  if (status !== 200) throw new Error(`deposit failed: ${status} ${JSON.stringify(body)}`);
};

/** edd's pipeline in process on a fresh schema of the given store. */
async function eddVariant(store: SqlStore): Promise<Variant> {
  const engine = createEngine({ services: bankServices, store });
  await openAccounts(engine);
  return {
    deposit: async (_client, account, amount) => {
      const result = await engine.command(depositRequest(account, amount), anonymousPrincipal);
      expectOk(result.status, result.body);
    },
    close: () => store.close(),
  };
}

/** Deposits and the transactions that wrote them, over every edd round on PostgreSQL: group commit shares transactions. */
const eddDeposits = { events: 0, transactions: 0 };

/** A Postgres schema of its own, dropped when the variant closes (after counting its deposits' transactions). */
async function postgresEdd(part: string, make: (store: SqlStore) => Promise<Variant>): Promise<Variant> {
  const schema = schemaName(part);
  const variant = await make(await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: clients }));
  return {
    deposit: variant.deposit,
    close: async () => {
      await variant.close();
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      const { rows } = await admin.query(
        `SELECT count(*)::int AS events, count(DISTINCT transaction_id)::int AS transactions FROM "${schema}".events WHERE type = 'Deposited'`,
      );
      await admin.end();
      eddDeposits.events += Number(rows[0]?.events ?? 0);
      eddDeposits.transactions += Number(rows[0]?.transactions ?? 0);
      await dropSchema(schema);
    },
  };
}

const dropSchema = (schema: string) => dropSchemas(databaseUrl, [schema]);

/** The least a correct deposit needs: read the state, then event + snapshot + response in one transaction. */
async function floorVariant(): Promise<Variant> {
  const schema = schemaName("floor");
  const pool = new pg.Pool({ connectionString: databaseUrl, max: clients });
  await createFloorTables(pool, schema);
  const read = { name: "floor_read", text: `SELECT version, state FROM ${schema}.snapshots WHERE aggregate_id = $1` };
  const event = {
    name: "floor_event",
    text: `INSERT INTO ${schema}.events (aggregate_id, sequence, type, data) VALUES ($1, $2, 'Deposited', $3)`,
  };
  const snapshot = {
    name: "floor_snapshot",
    text: `INSERT INTO ${schema}.snapshots VALUES ($1, $2, $3) ON CONFLICT (aggregate_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state`,
  };
  const response = { name: "floor_response", text: `INSERT INTO ${schema}.responses VALUES ($1, $2)` };
  return {
    deposit: async (_client, account, amount) => {
      const current = (await timed("read", () => pool.query({ ...read, values: [account] }))).rows[0] as {
        version: number;
        state: { status: string; balance: number };
      };
      if (current.state.status !== "open") throw new Error("account not open");
      await timed("transaction: BEGIN, event, snapshot, response, COMMIT", async () => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query({ ...event, values: [account, current.version + 1, JSON.stringify({ amount })] });
          const state = { ...current.state, balance: current.state.balance + amount };
          await client.query({ ...snapshot, values: [account, current.version + 1, JSON.stringify(state)] });
          await client.query({ ...response, values: [randomUUID(), JSON.stringify({ result: { version: current.version + 1 } })] });
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        } finally {
          client.release();
        }
      });
    },
    close: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

/**
 * The two-round-trip floor: read the snapshot, then one statement writes event, snapshot (only if
 * its version is still the one read: an optimistic lock) and response, atomically.
 */
async function twoRoundTripVariant(): Promise<Variant> {
  const schema = schemaName("floor2");
  const pool = new pg.Pool({ connectionString: databaseUrl, max: clients });
  await createFloorTables(pool, schema);
  const read = { name: "floor2_read", text: `SELECT version, state FROM ${schema}.snapshots WHERE aggregate_id = $1` };
  const write = {
    name: "floor2_write",
    text: `WITH snapshot AS (
        UPDATE ${schema}.snapshots SET version = $2, state = $4 WHERE aggregate_id = $1 AND version = $2 - 1 RETURNING 1
      ), event AS (
        INSERT INTO ${schema}.events (aggregate_id, sequence, type, data) SELECT $1, $2, 'Deposited', $3 FROM snapshot
      )
      INSERT INTO ${schema}.responses SELECT $5, $6 FROM snapshot RETURNING 1`,
  };
  return {
    deposit: async (_client, account, amount) => {
      const current = (await timed("read", () => pool.query({ ...read, values: [account] }))).rows[0] as {
        version: number;
        state: { status: string; balance: number };
      };
      if (current.state.status !== "open") throw new Error("account not open");
      const state = { ...current.state, balance: current.state.balance + amount };
      const version = current.version + 1;
      const body = JSON.stringify({ result: { version } });
      const written = await timed("write: snapshot if unchanged, event, response", () =>
        pool.query({ ...write, values: [account, version, JSON.stringify({ amount }), JSON.stringify(state), randomUUID(), body] }),
      );
      if (written.rowCount !== 1) throw new Error("floor2: the snapshot moved under the write");
    },
    close: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

async function createFloorTables(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.events (position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, aggregate_id text NOT NULL,
    sequence int NOT NULL, type text NOT NULL, data jsonb NOT NULL, "time" timestamptz NOT NULL DEFAULT now(), UNIQUE (aggregate_id, sequence))`);
  await pool.query(`CREATE TABLE ${schema}.snapshots (aggregate_id text PRIMARY KEY, version int NOT NULL, state jsonb NOT NULL)`);
  await pool.query(`CREATE TABLE ${schema}.responses (request_id text PRIMARY KEY, body jsonb NOT NULL)`);
  for (const id of allAccounts()) {
    await pool.query(`INSERT INTO ${schema}.snapshots VALUES ($1, 1, $2)`, [
      id,
      JSON.stringify({ status: "open", owner: "x", balance: 0 }),
    ]);
  }
}

type EmmettAccountEvent = Event<"AccountOpened", { owner: string }> | Event<"Deposited", { amount: number }>;
interface EmmettAccount {
  readonly open: boolean;
  readonly balance: number;
}

/** Emmett's recommended path: CommandHandler (read the stream, decide, append with the expected version). */
async function emmettVariant(): Promise<Variant> {
  const schema = schemaName("emmett");
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: clients, options: `-c search_path=${schema}` });
  const eventStore = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool }, schema: { autoMigration: "None" } });
  // Emmett 0.42 can hang when many callers create its schema at once: migrate once, up front.
  await eventStore.schema.migrate();
  const handle = CommandHandler<EmmettAccount, EmmettAccountEvent>({
    initialState: () => ({ open: false, balance: 0 }),
    evolve: (state, event) =>
      event.type === "AccountOpened" ? { ...state, open: true } : { ...state, balance: state.balance + event.data.amount },
  });
  for (const id of allAccounts()) await handle(eventStore, id, () => ({ type: "AccountOpened", data: { owner: `${id}@example.com` } }));
  return {
    deposit: async (_client, account, amount) => {
      await handle(eventStore, account, (state) => {
        if (!state.open) throw new Error("account not open");
        return { type: "Deposited", data: { amount } };
      });
    },
    close: async () => {
      await eventStore.close();
      await pool.end().catch(() => {});
      await dropSchema(schema);
    },
  };
}

/** Median time to load one aggregate: as the pipeline does (snapshot + tail) and by replaying every event. */
async function benchLoad(store: SqlStore): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const size of [10, 10_000]) {
    const ref = { realm: "bench", service: "accounts", aggregateId: `load-${size}` };
    const events = [
      { type: "AccountOpened", data: { owner: "load@example.com" } },
      ...Array.from({ length: size - 1 }, () => ({ type: "Deposited", data: { amount: 1 } })),
    ];
    const state = { status: "open", owner: "load@example.com", balance: size - 1 };
    const meta = {
      requestId: randomUUID(),
      interactionId: randomUUID(),
      invocationId: "bench",
      breadcrumbs: [0],
      user: "bench",
      command: "Load",
    };
    await store.commit({
      realm: "bench",
      idempotencyKey: `load-${size}`,
      changes: [
        { service: "accounts", aggregateId: ref.aggregateId, expectedVersion: 0, events, meta, snapshot: { state, version: size } },
      ],
      identities: [],
      effects: [],
      response: { status: 200, body: {} },
      time: new Date().toISOString(),
    });
    figures[`snapshot${size}Ms`] = await median(20, async () => {
      const { snapshot, tail } = await store.loadAggregateState(ref);
      return fold(snapshot?.state ?? accounts.initialState(), tail);
    });
    figures[`replay${size}Ms`] = await median(20, async () => fold(accounts.initialState(), await store.readAggregateEvents(ref)));
  }
  return figures;
}

/** Folds events into state with the service's own evolve functions. */
function fold(state: unknown, events: readonly StoredEvent[]): unknown {
  return events.reduce((current: unknown, event) => {
    const evolve = accounts.events[event.type]?.evolve as ((state: unknown, data: unknown, event: StoredEvent) => unknown) | undefined;
    return evolve === undefined ? current : evolve(current, event.data, event);
  }, state);
}

async function median(times: number, task: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const began = performance.now();
    await task();
    samples.push(performance.now() - began);
  }
  samples.sort((a, b) => a - b);
  return round(samples[Math.floor(times / 2)] ?? 0);
}

async function sample(name: string, setup: () => Promise<Variant>, round?: number): Promise<Sample> {
  console.error(`store bench: ${name}${round === undefined ? "" : `, round ${round}`}`);
  const variant = await setup();
  try {
    return await measure(variant.deposit, name);
  } finally {
    await variant.close();
  }
}

export async function run(): Promise<BenchReport> {
  const compared = {
    floor: floorVariant,
    floor2: twoRoundTripVariant,
    edd: () => postgresEdd("edd", eddVariant),
    emmett: emmettVariant,
  };
  const samples: Record<keyof typeof compared, Sample[]> = { floor: [], floor2: [], edd: [], emmett: [] };
  roundTrips = new RoundTrips();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [name, setup] of Object.entries(compared) as [keyof typeof compared, () => Promise<Variant>][]) {
        samples[name].push(await sample(name, setup, r + 1));
      }
    }
  } finally {
    roundTrips.stop();
  }
  const floor = summarise(samples.floor);
  const floor2 = summarise(samples.floor2);
  const edd = summarise(samples.edd);
  const emmett = summarise(samples.emmett);
  const statements = [
    ...roundTrips.figures("floor", floor.commands),
    ...roundTrips.figures("floor2", floor2.commands),
    ...roundTrips.figures("edd", edd.commands),
  ];
  const dataDir = mkdtempSync(join(tmpdir(), "edd-bench-pglite-"));
  const pglite = summarise([await sample("pglite", async () => eddVariant(await createPgliteStore({ dataDir })))]);
  rmSync(dataDir, { recursive: true, force: true });
  console.error("store bench: aggregate load");
  const loadSchema = schemaName("load");
  const loadStore = await createPostgresStore({ connectionString: databaseUrl, schema: loadSchema, poolSize: 2 });
  const load = await benchLoad(loadStore).finally(() => loadStore.close().then(() => dropSchema(loadSchema)));

  const ratios = {
    eddToFloor: round(edd.commandsPerSecond / floor.commandsPerSecond),
    eddToTwoRoundTrips: round(edd.commandsPerSecond / floor2.commandsPerSecond),
    eddToEmmett: round(edd.commandsPerSecond / emmett.commandsPerSecond),
  };
  const depositsPerTransaction = eddDeposits.transactions === 0 ? null : round(eddDeposits.events / eddDeposits.transactions);
  const variants = { floor, floor2, edd, emmett, pglite };
  const command = "npm run bench -- store";
  const targets: Target[] = [
    target("Pipeline: edd in process / five-statement floor", ratios.eddToFloor, ">=", 1.2, command),
    target("Pipeline: edd in process / two-round-trip floor", ratios.eddToTwoRoundTrips, ">=", 0.9, command),
    target("Emmett: edd / Emmett 0.42 CommandHandler", ratios.eddToEmmett, ">=", 2.5, command),
    target("PGlite: commands/s persisted (one connection)", pglite.commandsPerSecond, ">=", 800, command),
  ];
  const cpu = (value: number | null) => (value === null ? "n/a" : String(value));
  const row = (name: string, f: Figures) =>
    `| ${name} | ${f.commandsPerSecond} | ${f.p50Ms} | ${f.p99Ms} | ${cpu(f.nodeCpuMsPerCommand)} | ${cpu(f.postgresCpuMsPerCommand)} |`;
  const markdown = [
    "## store: deposit command, 16 clients",
    "",
    `Local PostgreSQL, ${clients} concurrent clients, ${clients * accountsPerClient} accounts (no two clients share one), ${warmupMs / 1000} s warm-up, ` +
      `${measureMs / 1000} s measured per round; the two floors, edd and Emmett alternate over ${rounds} rounds. CPU columns: milliseconds of CPU per command ` +
      "in this Node process and in all local postgres processes (the machine is shared, so these include some noise).",
    "",
    "| variant | commands/s | p50 ms | p99 ms | Node CPU ms/cmd | Postgres CPU ms/cmd |",
    "|---|---:|---:|---:|---:|---:|",
    row("five-statement floor (read snapshot; BEGIN, event, snapshot, response, COMMIT)", floor),
    row("two-round-trip floor (read snapshot; one statement: snapshot if unchanged + event + response)", floor2),
    row("edd pipeline in process (PostgreSQL)", edd),
    row("Emmett 0.42 CommandHandler (PostgreSQL)", emmett),
    row("edd pipeline in process (PGlite, persisted, one connection)", pglite),
    "",
    ...whereTheTimeGoes(statements, { floor, floor2, edd }),
    "",
    `edd / five-statement floor: **${ratios.eddToFloor}**; edd / two-round-trip floor: **${ratios.eddToTwoRoundTrips}**; ` +
      `edd / Emmett: **${ratios.eddToEmmett}**. edd over HTTP is in the HTTP section (servers in processes of their own).`,
    "",
    `edd on PostgreSQL wrote ${depositsPerTransaction ?? "n/a"} deposits per transaction (warm-up included): concurrent commits share one statement (group commit).`,
    "",
    "Aggregate load (median of 20, ms): as the pipeline loads it (snapshot + events after it) and by replaying every event.",
    "",
    "| events | snapshot + tail | full replay |",
    "|---:|---:|---:|",
    `| 10 | ${load.snapshot10Ms} | ${load.replay10Ms} |`,
    `| 10,000 | ${load.snapshot10000Ms} | ${load.replay10000Ms} |`,
    "",
  ].join("\n");
  return {
    name: "store",
    results: {
      clients,
      accounts: clients * accountsPerClient,
      warmupMs,
      measureMs,
      rounds,
      variants,
      ratios,
      depositsPerTransaction,
      statements,
      load,
    },
    markdown,
    targets,
  };
}

const variantNames: Readonly<Record<string, string>> = { floor: "five-statement floor", floor2: "two-round-trip floor", edd: "edd" };

/**
 * Each variant's statements over the measured rounds, and a command's time in them: for each statement
 * the command takes part in, its wait for the batch in flight plus the round trip.
 */
function whereTheTimeGoes(statements: readonly StatementFigures[], figures: Readonly<Record<string, Figures>>): string[] {
  const callsPerCommand = (s: StatementFigures) => s.perCommand * s.callsPerStatement;
  const inStatements = (variant: string) =>
    round(
      statements.filter((s) => s.variant === variant).reduce((sum, s) => sum + callsPerCommand(s) * (s.meanWaitMs + s.meanRoundTripMs), 0),
    );
  return [
    "Where a command's time goes: each variant's statements in the measured windows (edd's batched statements report themselves on `edd:sql:batch`; the floors' are timed around each call). " +
      "Wait: how long a command waited for the batch in flight before its statement went out. A command's time in statements: the sum, over the statements it takes part in, of wait + round trip.",
    "",
    ...statementTable(
      "variant",
      statements.map((s) => [variantNames[s.variant] ?? s.variant, s] as const),
    ),
    "",
    `${Object.keys(variantNames)
      .map((v) => `${variantNames[v]}: ${inStatements(v)} ms of a command's ${figures[v]?.meanMs ?? "n/a"} ms (mean) in statements`)
      .join("; ")}.`,
  ];
}
