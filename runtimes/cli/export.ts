import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { dynamoImporter } from "../../adapters/dynamodb/importer.js";
import { dynamoRequestLogPruner } from "../../adapters/dynamodb/prune.js";
import type { DynamoStore } from "../../adapters/dynamodb/store.js";
import { ensureViewTables, PostgresViewStore } from "../../adapters/postgres/view-store.js";
import { sqlAuditReader } from "../../adapters/sql/audit.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { sqlImporter } from "../../adapters/sql/importer.js";
import { sqlRequestLogPruner } from "../../adapters/sql/prune.js";
import { SqlStore } from "../../adapters/sql/store.js";
import { openSqlDatabaseFromEnv, viewSqlClient } from "../../adapters/sql/from-env.js";
import { dynamoTargetFromEnv, openDynamoStore } from "../node/dynamodb-stores.js";
import { exportRealm } from "../../core/pipeline/operations/export.js";
import { auditAggregateLister, feedAggregateLister } from "../../core/pipeline/operations/verify.js";
import type { AggregateLister } from "../../core/ports/audit.js";
import type { EventImporter, IdentityReader, RealmRecordReader } from "../../core/ports/importer.js";
import type { RequestLogPruner } from "../../core/ports/retention.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import { type CliCommand, type CliContext, exitCodes } from "./context.js";
import { openKeysFor } from "./personal-data.js";

/** What `edd verify`, `edd export` and `edd import` work on, beyond the Store port. */
export interface DataTools {
  readonly store: Store;
  readonly views?: ViewStore;
  readonly listAggregates: AggregateLister;
  readonly importer?: EventImporter;
  readonly identities?: IdentityReader;
  /** Stored answers, request log, dead letters and undelivered effects, for `edd export`. */
  readonly records?: RealmRecordReader;
  /** For `edd prune`. */
  readonly pruner?: RequestLogPruner;
  /** The keys of the services' personal data, when they declare any (docs/privacy.md). */
  readonly keys?: KeyStore;
  close(): Promise<void>;
}

/**
 * Opens the deployment's stores for the data commands: `openDataTools` from the config when given;
 * else DynamoDB when the environment names it (runtimes/node/dynamodb-stores.ts); else the default SQL store (PostgreSQL at $DATABASE_URL, else PGlite in $EDD_DATA_DIR or
 * .edd-data; schema $EDD_SCHEMA or edd) with its audit listing and importer. A config that only
 * has `openStore` gets the feed listing and no importer.
 */
export async function openDataTools(context: CliContext, wanted: { views: boolean }): Promise<DataTools> {
  const config = context.config;
  if (config.openDataTools !== undefined) return config.openDataTools(context.env);
  const openViews = wanted.views ? context.config.openViews : undefined;
  if (context.config.openStore !== undefined) {
    const store = await context.config.openStore(context.env);
    const views = await openViews?.(context.env);
    const keys = await openKeysFor(context.config, context.env);
    return {
      store,
      ...(views === undefined ? {} : { views }),
      ...(keys === undefined ? {} : { keys }),
      listAggregates: feedAggregateLister(store),
      close: async () => {
        await Promise.all([store.close(), views?.close()]);
      },
    };
  }
  const dynamo = dynamoTargetFromEnv(context.env);
  if (dynamo !== undefined) return dynamoDataTools(await openDynamoStore(dynamo));
  return openDefaultSqlTools(context, wanted.views && (context.config.projections ?? []).length > 0);
}

/** The data tools on DynamoDB: aggregates listed from the feed (no views: they live elsewhere there). */
export function dynamoDataTools(store: DynamoStore): DataTools {
  const importer = dynamoImporter(store);
  return {
    store,
    listAggregates: feedAggregateLister(store),
    importer,
    identities: importer,
    records: importer,
    pruner: dynamoRequestLogPruner(store),
    close: () => store.close(),
  };
}

async function openDefaultSqlTools(context: CliContext, withViews: boolean): Promise<DataTools> {
  const { client, schema } = await openSqlDatabaseFromEnv(context.env, { poolSize: 4 });
  if (withViews) await ensureViewTables(viewSqlClient(client), schema);
  const keys = await openKeysFor(context.config, context.env, { client, schema });
  return { ...sqlDataTools(client, schema, withViews), ...(keys === undefined ? {} : { keys }) };
}

/** The data tools on one SQL database: events, audit listing, importer and (optionally) views in `schema`. */
export function sqlDataTools(client: SqlClient, schema: string, withViews: boolean): DataTools {
  const importer = sqlImporter(client, { schema });
  const views = withViews ? new PostgresViewStore(viewSqlClient(client), { schema }) : undefined;
  return {
    store: new SqlStore(client, { schema }),
    ...(views === undefined ? {} : { views }),
    listAggregates: auditAggregateLister(sqlAuditReader(client, { schema })),
    importer,
    identities: importer,
    records: importer,
    pruner: sqlRequestLogPruner(client, { schema }),
    close: () => client.close(),
  };
}

export const exportUsage = `usage: edd export --realm <realm> [--out <file>]

Writes the realm whole as JSON Lines, to <file> or standard output: events with metadata and
hashes, identities, stored answers, the request log, dead letters with their history and
undelivered effects. The format is in docs/data-format.md.`;

/** `edd export`: 0 written, 2 usage, 3 fault. */
export const exportCommand: CliCommand = async (args, context) => {
  let options: { realm: string; out: string | undefined };
  try {
    const { values } = parseArgs({ args: [...args], options: { realm: { type: "string" }, out: { type: "string" } } });
    if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
    options = { realm: values.realm, out: values.out };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${exportUsage}\n`);
    return exitCodes.usage;
  }
  const tools = await openDataTools(context, { views: false });
  try {
    if (tools.identities === undefined) throw new Error("this store has no identity listing: configure openDataTools");
    const lines = exportRealm({
      store: tools.store,
      identities: tools.identities,
      ...(tools.records === undefined ? {} : { records: tools.records }),
      realm: options.realm,
      onProgress: (events) => context.progress?.(`export ${options.realm}: ${events} events`),
    });
    if (options.out === undefined) {
      for await (const line of lines) context.out(line);
    } else {
      await writeLines(options.out, lines);
    }
    context.endProgress?.();
    context.err(`exported realm ${options.realm}${options.out === undefined ? "" : ` to ${options.out}`}\n`);
    return exitCodes.ok;
  } catch (error) {
    context.endProgress?.();
    context.err(`export failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await tools.close();
  }
};

/** Streams lines to a file, waiting for the disk when its buffer is full. */
export async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  const file = createWriteStream(path, { encoding: "utf8" });
  try {
    for await (const line of lines) {
      if (!file.write(`${line}\n`)) await once(file, "drain");
    }
  } finally {
    file.end();
    await once(file, "close");
  }
}
