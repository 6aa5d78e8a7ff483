import { parseArgs } from "node:util";
import type { CliCommand, LoadedCommand } from "./context.js";
import { exitCodes } from "./context.js";

/**
 * One `edd` command: loaded only when run, so `edd --help` starts fast. Loading gives its usage
 * too, so `edd <command> --help` works for every command without the command parsing it.
 */
export interface CommandEntry {
  readonly summary: string;
  /** Whether it reads edd.config.ts (migrate works on the database alone). */
  readonly needsConfig: boolean;
  readonly load: () => Promise<LoadedCommand>;
}

export const commands: Readonly<Record<string, CommandEntry>> = {
  serve: {
    summary: "serve the configured services over HTTP on Node, with the outbox relay",
    needsConfig: true,
    load: async () => {
      const { serveCommand, serveUsage } = await import("./serve.js");
      return { run: serveCommand, usage: serveUsage };
    },
  },
  migrate: {
    summary: "apply pending store migrations",
    needsConfig: false,
    load: async () => ({ run: migrateCommand, usage: migrateUsage }),
  },
  verify: {
    summary: "replay aggregates, check hash chains, compare snapshots and views",
    needsConfig: true,
    load: async () => {
      const { verifyCommand, verifyUsage } = await import("./verify.js");
      return { run: verifyCommand, usage: verifyUsage };
    },
  },
  "check-history": {
    summary: "read every event of a realm through the current upcasters and schemas; list those that fail",
    needsConfig: true,
    load: async () => {
      const { checkHistoryCommand, checkHistoryUsage } = await import("./check-history.js");
      return { run: checkHistoryCommand, usage: checkHistoryUsage };
    },
  },
  rebuild: {
    summary: "replay history into a projection's view, resumable",
    needsConfig: true,
    load: async () => ({ run: rebuildOnBackend, usage: (await import("./rebuild.js")).rebuildUsage }),
  },
  export: {
    summary: "write a realm's event log as JSON Lines",
    needsConfig: true,
    load: async () => {
      const { exportCommand, exportUsage } = await import("./export.js");
      return { run: exportCommand, usage: exportUsage };
    },
  },
  state: {
    summary: "print an aggregate's state at a version or an instant",
    needsConfig: true,
    load: async () => {
      const { stateCommand, stateUsage } = await import("./state.js");
      return { run: stateCommand, usage: stateUsage };
    },
  },
  snapshots: {
    summary: "rebuild aggregates' snapshots from their events after an evolve change; report what differed",
    needsConfig: true,
    load: async () => {
      const { snapshotsCommand, snapshotsUsage } = await import("./snapshots.js");
      return { run: snapshotsCommand, usage: snapshotsUsage };
    },
  },
  import: {
    summary: "load a JSON Lines event log into the store",
    needsConfig: true,
    load: async () => {
      const { importCommand, importUsage } = await import("./import.js");
      return { run: importCommand, usage: importUsage };
    },
  },
  anchor: {
    summary: "write a signed digest of a realm, to prove later what was rewritten or deleted",
    needsConfig: true,
    load: async () => {
      const { anchorCommand, anchorUsage } = await import("./anchor.js");
      return { run: anchorCommand, usage: anchorUsage };
    },
  },
  prune: {
    summary: "delete a realm's request-log entries past the retention, in short batches",
    needsConfig: true,
    load: async () => {
      const { pruneCommand, pruneUsage } = await import("./prune.js");
      return { run: pruneCommand, usage: pruneUsage };
    },
  },
  forget: {
    summary: "erase a data subject's personal data by destroying its key; verify still passes",
    needsConfig: true,
    load: async () => {
      const { forgetCommand, forgetUsage } = await import("./forget.js");
      return { run: forgetCommand, usage: forgetUsage };
    },
  },
  dlq: {
    summary: "list, show, redrive or discard dead letters",
    needsConfig: true,
    load: async () => {
      const { dlqCommand, dlqUsage } = await import("./dlq.js");
      return { run: dlqCommand, usage: dlqUsage };
    },
  },
};

const migrateUsage = `usage: edd migrate [--database-url <url>] [--data-dir <dir>] [--schema <name>] [--queue]

PostgreSQL at --database-url or $DATABASE_URL; unset: embedded PGlite in --data-dir, $EDD_DATA_DIR or .edd-data.
Schema: --schema, $EDD_SCHEMA or edd. Safe beside running processes (advisory lock).
Migrates the event store, views, checkpoints and subject keys; --queue also the Postgres queue's table.
DynamoDB ($DYNAMODB_ENDPOINT or $EDD_DYNAMODB_TABLE set): creates the table if it does not exist.`;

const migrateCommand: CliCommand = async (args, context) => {
  let values: { "database-url"?: string; "data-dir"?: string; schema?: string; queue?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        "database-url": { type: "string" },
        "data-dir": { type: "string" },
        schema: { type: "string" },
        queue: { type: "boolean" },
      },
    }));
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${migrateUsage}\n`);
    return exitCodes.usage;
  }
  const { dynamoTargetFromEnv } = await import("../../adapters/dynamodb/from-env.js");
  const dynamo = dynamoTargetFromEnv(context.env);
  if (dynamo !== undefined) {
    const { ensureDynamoTable } = await import("./migrate.js");
    const report = await ensureDynamoTable(dynamo);
    context.out(context.json ? JSON.stringify(report) : `${report.target}: ${report.created ? "created the table" : "the table exists"}`);
    return exitCodes.ok;
  }
  const { runMigrate } = await import("./migrate.js");
  const databaseUrl = values["database-url"] ?? (context.env.DATABASE_URL || undefined);
  const dataDir = values["data-dir"] ?? (context.env.EDD_DATA_DIR || undefined);
  const schema = values.schema ?? (context.env.EDD_SCHEMA || undefined);
  const report = await runMigrate({
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(schema === undefined ? {} : { schema }),
    queue: values.queue === true,
  });
  if (context.json) {
    context.out(JSON.stringify(report));
  } else {
    const sets = report.components.map(
      (set) =>
        `${set.component} ${set.applied.length === 0 ? "up to date" : `applied ${set.applied.join(", ")}`}, at version ${set.current}`,
    );
    context.out(`${report.target}, schema ${report.schema}: ${sets.join("; ")}`);
  }
  return exitCodes.ok;
};

/** `edd rebuild` on the deployment's backend: events, views and checkpoints of one family. */
const rebuildOnBackend: CliCommand = async (args, context) => {
  const [{ rebuildCommand }, { openBackendFor }, { openKeysFor, sealedStore, sealedViews }] = await Promise.all([
    import("./rebuild.js"),
    import("./backend.js"),
    import("./personal-data.js"),
  ]);
  const backend = await openBackendFor(context);
  try {
    if (backend.volatileViews === true) {
      context.err(`the views of ${backend.description} live in memory: nothing to rebuild
`);
      return exitCodes.usage;
    }
    const { checkpoints } = backend;
    // Projections read personal data opened, and write it sealed, as the live projectors do.
    const store = sealedStore(backend.store, context.config, await openKeysFor(context.config, context.env, backend));
    const views = sealedViews(backend.views, store, context.config);
    return await rebuildCommand(args, { store, views, checkpoints, projections: context.config.projections ?? [] });
  } finally {
    await backend.close();
  }
};
